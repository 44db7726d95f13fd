//! One referring physician: the monthly trend and where the referrals go.

use sqlx::PgConnection;
use uuid::Uuid;

use super::MonthCount;
use crate::domain::TenantId;
use crate::domain::referral::MonthRange;

/// The physician's referrals by month (months without any are left out).
pub async fn trend(
    conn: &mut PgConnection,
    tenant: TenantId,
    npi: &str,
    range: &MonthRange,
) -> sqlx::Result<Vec<MonthCount>> {
    sqlx::query_as(
        "select period, total, own from referral_months
         where tenant_id = $1 and from_npi = $2 and period between $3 and $4
         order by period",
    )
    .bind(tenant)
    .bind(npi)
    .bind(range.from)
    .bind(range.to)
    .fetch_all(conn)
    .await
}

/// Where referrals went: a facility of the workspace, a provider or organization NPI, or
/// a service line; with the names the workspace knows.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Destination {
    pub to_npi: Option<String>,
    pub facility_id: Option<Uuid>,
    pub facility_name: Option<String>,
    pub stakeholder_id: Option<Uuid>,
    pub stakeholder_name: Option<String>,
    pub organization_id: Option<Uuid>,
    pub organization_name: Option<String>,
    /// Set only for referrals to a service line without a provider or facility.
    pub service_line: Option<String>,
    pub total: i64,
    /// One of the workspace's own facilities (or its service line).
    pub own: bool,
}

impl Destination {
    /// The best name known, else the NPI.
    pub fn name(&self) -> String {
        self.facility_name
            .clone()
            .or_else(|| self.stakeholder_name.clone())
            .or_else(|| self.organization_name.clone())
            .or_else(|| self.service_line.clone())
            .or_else(|| self.to_npi.as_ref().map(|n| format!("NPI {n}")))
            .unwrap_or_else(|| "Unknown".into())
    }

    /// The page of the named destination in the app, if any.
    pub fn href(&self) -> Option<String> {
        if let Some(id) = self.facility_id {
            Some(format!("/facilities/{id}"))
        } else if let Some(id) = self.stakeholder_id {
            Some(format!("/stakeholders/{id}"))
        } else {
            self.organization_id
                .map(|id| format!("/organizations/{id}"))
        }
    }
}

/// The physician's destinations over the range, most referrals first.
pub async fn destinations(
    conn: &mut PgConnection,
    tenant: TenantId,
    npi: &str,
    range: &MonthRange,
    limit: i64,
) -> sqlx::Result<Vec<Destination>> {
    sqlx::query_as(&format!(
        "with d as (
           select r.to_npi, r.to_facility_id,
                  case when r.to_npi is null and r.to_facility_id is null then r.service_line end as service_line,
                  sum(r.count)::bigint as total
           from referrals r
           where r.tenant_id = $1 and r.from_npi = $2 and r.period between $3 and $4
           group by 1, 2, 3)
         select d.to_npi, coalesce(f.id, fn.id) as facility_id, coalesce(f.name, fn.name) as facility_name,
                s.id as stakeholder_id, case when s.id is not null then {name} end as stakeholder_name,
                o.id as organization_id, o.name as organization_name, d.service_line, d.total,
                (d.to_npi is null or fn.id is not null) as own
         from d
         left join facilities f on f.tenant_id = $1 and f.id = d.to_facility_id
         left join facilities fn on fn.tenant_id = $1 and fn.npi = d.to_npi
         left join stakeholders s on s.tenant_id = $1 and s.npi = d.to_npi
         left join organizations o on o.tenant_id = $1 and o.npi = d.to_npi
         order by d.total desc, facility_name nulls last, d.to_npi nulls last, d.service_line
         limit $5",
        name = super::PERSON_NAME
    ))
    .bind(tenant)
    .bind(npi)
    .bind(range.from)
    .bind(range.to)
    .bind(limit)
    .fetch_all(conn)
    .await
}
