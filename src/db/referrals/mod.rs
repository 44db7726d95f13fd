//! Referral views: the overview across physicians ([`overview`]), one physician
//! ([`physician`]), an organization's members and a facility ([`places`]), and the monthly
//! rollup per referring physician the overview reads ([`rollup`]).
//!
//! "Own" referrals go to the workspace's own facilities: a row naming a facility, a row to
//! an NPI one of its facilities carries, or a row to a service line (the workspace's own
//! service lines). Everything else is "elsewhere" (leakage).

pub mod overview;
pub mod physician;
pub mod places;
pub mod rollup;

use chrono::NaiveDate;
use sqlx::PgConnection;

use crate::domain::TenantId;
use crate::domain::referral::MonthRange;

/// Referrals in one month: all, and those to the workspace's own facilities.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MonthCount {
    pub period: NaiveDate,
    pub total: i64,
    pub own: i64,
}

/// The latest month the workspace has referrals for (the default end of every range).
pub async fn latest_period(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> sqlx::Result<Option<NaiveDate>> {
    sqlx::query_scalar("select max(period) from referral_months where tenant_id = $1")
        .bind(tenant)
        .fetch_one(conn)
        .await
}

/// Every month of `range` with its counts, zero where nothing was referred.
pub fn fill_months(range: &MonthRange, rows: Vec<MonthCount>) -> Vec<MonthCount> {
    let mut rows = rows.into_iter().peekable();
    range
        .months()
        .into_iter()
        .map(|period| {
            while rows.peek().is_some_and(|r| r.period < period) {
                rows.next();
            }
            match rows.next_if(|r| r.period == period) {
                Some(r) => r,
                None => MonthCount {
                    period,
                    total: 0,
                    own: 0,
                },
            }
        })
        .collect()
}

/// A person's name as lists show it, from a `stakeholders s` row.
pub(crate) const PERSON_NAME: &str =
    "concat_ws(' ', s.prefix, s.first_name, s.middle_name, s.last_name, s.suffix)
    || coalesce(', ' || s.credentials, '')";

/// Names of the referring physicians among `npis`, by NPI.
pub async fn names(
    conn: &mut PgConnection,
    tenant: TenantId,
    npis: &[String],
) -> sqlx::Result<std::collections::HashMap<String, (uuid::Uuid, String)>> {
    let rows: Vec<(String, uuid::Uuid, String)> = sqlx::query_as(&format!(
        "select s.npi, s.id, {PERSON_NAME} from stakeholders s
         where s.tenant_id = $1 and s.npi = any($2)"
    ))
    .bind(tenant)
    .bind(npis)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(npi, id, name)| (npi, (id, name)))
        .collect())
}
