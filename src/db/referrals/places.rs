//! Referrals seen from a place: an organization's members (its child organizations'
//! members too), and a facility of the workspace (by its id, and by its NPI when set).

use sqlx::PgConnection;
use uuid::Uuid;

use super::MonthCount;
use crate::domain::referral::MonthRange;
use crate::domain::{FacilityId, TenantId};

/// The organization, its children and theirs; the people currently affiliated with any
/// of them who carry an NPI. `union` (not `union all`) stops at a cycle of parents.
const MEMBERS: &str = "with recursive tree as (
       select id from organizations where tenant_id = $1 and id = $2
       union
       select o.id from organizations o join tree t on o.parent_id = t.id where o.tenant_id = $1),
     members as (
       select distinct s.id, s.npi
       from affiliations a
       join tree t on a.organization_id = t.id
       join stakeholders s on s.tenant_id = $1 and s.id = a.stakeholder_id
       where a.tenant_id = $1 and s.npi is not null and s.status = 'active'
         and (a.ends_on is null or a.ends_on >= current_date))";

/// A member physician's referrals over the range.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MemberTotals {
    pub stakeholder_id: Uuid,
    pub name: String,
    pub npi: String,
    pub total: i64,
    pub own: i64,
}

/// The organization's members with their referrals, most first (members without any too).
pub async fn organization_members(
    conn: &mut PgConnection,
    tenant: TenantId,
    organization: Uuid,
    range: &MonthRange,
    limit: i64,
) -> sqlx::Result<Vec<MemberTotals>> {
    sqlx::query_as(&format!(
        "{MEMBERS}
         select m.id as stakeholder_id, {name} as name, m.npi,
                coalesce(sum(rm.total), 0)::bigint as total, coalesce(sum(rm.own), 0)::bigint as own
         from members m
         join stakeholders s on s.tenant_id = $1 and s.id = m.id
         left join referral_months rm on rm.tenant_id = $1 and rm.from_npi = m.npi
           and rm.period between $3 and $4
         group by m.id, m.npi, s.prefix, s.first_name, s.middle_name, s.last_name, s.suffix, s.credentials
         order by total desc, lower(s.last_name), lower(s.first_name), m.id
         limit $5",
        name = super::PERSON_NAME
    ))
    .bind(tenant)
    .bind(organization)
    .bind(range.from)
    .bind(range.to)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// The members' referrals by month (months without any are left out).
pub async fn organization_trend(
    conn: &mut PgConnection,
    tenant: TenantId,
    organization: Uuid,
    range: &MonthRange,
) -> sqlx::Result<Vec<MonthCount>> {
    sqlx::query_as(&format!(
        "{MEMBERS}
         select rm.period, sum(rm.total)::bigint as total, sum(rm.own)::bigint as own
         from members m
         join referral_months rm on rm.tenant_id = $1 and rm.from_npi = m.npi
         where rm.period between $3 and $4
         group by rm.period order by rm.period"
    ))
    .bind(tenant)
    .bind(organization)
    .bind(range.from)
    .bind(range.to)
    .fetch_all(conn)
    .await
}

/// Referrals into a facility: the rows naming it, and rows to its NPI.
const INTO_FACILITY: &str = "r.tenant_id = $1 and r.period between $4 and $5
    and (r.to_facility_id = $2 or ($3::text is not null and r.to_npi = $3))";

/// A physician referring to a facility, or a service line of it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Referrer {
    pub from_npi: String,
    pub stakeholder_id: Option<Uuid>,
    pub name: Option<String>,
    pub total: i64,
}

/// Who refers to the facility, most first.
pub async fn facility_referrers(
    conn: &mut PgConnection,
    tenant: TenantId,
    facility: FacilityId,
    npi: Option<&str>,
    range: &MonthRange,
    limit: i64,
) -> sqlx::Result<Vec<Referrer>> {
    sqlx::query_as(&format!(
        "with f as (
           select r.from_npi, sum(r.count)::bigint as total from referrals r
           where {INTO_FACILITY} group by r.from_npi)
         select f.from_npi, s.id as stakeholder_id, case when s.id is not null then {name} end as name, f.total
         from f left join stakeholders s on s.tenant_id = $1 and s.npi = f.from_npi
         order by f.total desc, f.from_npi limit $6",
        name = super::PERSON_NAME
    ))
    .bind(tenant)
    .bind(facility)
    .bind(npi)
    .bind(range.from)
    .bind(range.to)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// A service line's referrals into the facility; `None` for rows that name none.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ServiceLine {
    pub service_line: Option<String>,
    pub total: i64,
    pub referrers: i64,
}

/// The facility's referrals by service line, most first.
pub async fn facility_service_lines(
    conn: &mut PgConnection,
    tenant: TenantId,
    facility: FacilityId,
    npi: Option<&str>,
    range: &MonthRange,
) -> sqlx::Result<Vec<ServiceLine>> {
    sqlx::query_as(&format!(
        "select min(r.service_line) as service_line, sum(r.count)::bigint as total,
                count(distinct r.from_npi) as referrers
         from referrals r where {INTO_FACILITY}
         group by lower(r.service_line)
         order by total desc, service_line nulls last
         limit 200"
    ))
    .bind(tenant)
    .bind(facility)
    .bind(npi)
    .bind(range.from)
    .bind(range.to)
    .fetch_all(conn)
    .await
}

/// The facility's referrals by month (all of them are its own).
pub async fn facility_trend(
    conn: &mut PgConnection,
    tenant: TenantId,
    facility: FacilityId,
    npi: Option<&str>,
    range: &MonthRange,
) -> sqlx::Result<Vec<MonthCount>> {
    sqlx::query_as(&format!(
        "select r.period, sum(r.count)::bigint as total, sum(r.count)::bigint as own
         from referrals r where {INTO_FACILITY}
         group by r.period order by r.period"
    ))
    .bind(tenant)
    .bind(facility)
    .bind(npi)
    .bind(range.from)
    .bind(range.to)
    .fetch_all(conn)
    .await
}
