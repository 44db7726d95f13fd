//! The overview across referring physicians: each one's totals over a range of months and
//! the decline windows, read from the monthly rollup (a few thousand rows for a large
//! workspace), so the lists are ranked in memory.

use chrono::NaiveDate;
use sqlx::PgConnection;

use super::MonthCount;
use crate::domain::TenantId;
use crate::domain::referral::{Decline, MonthRange, decline};

/// One referring physician's numbers.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PhysicianTotals {
    pub from_npi: String,
    /// Referrals in the range.
    pub total: i64,
    /// Of those, to the workspace's own facilities.
    pub own: i64,
    /// Referrals in the decline rule's recent window (the range's last 3 months).
    pub recent: i64,
    /// Referrals in the 12 months before the recent window.
    pub baseline: i64,
}

impl PhysicianTotals {
    pub fn elsewhere(&self) -> i64 {
        self.total - self.own
    }
}

/// Every physician who referred in the range or its decline windows.
pub async fn physicians(
    conn: &mut PgConnection,
    tenant: TenantId,
    range: &MonthRange,
) -> sqlx::Result<Vec<PhysicianTotals>> {
    let earliest: NaiveDate = range.from.min(range.baseline_from());
    sqlx::query_as(
        "select from_npi,
                coalesce(sum(total) filter (where period >= $2), 0)::bigint as total,
                coalesce(sum(own) filter (where period >= $2), 0)::bigint as own,
                coalesce(sum(total) filter (where period >= $4), 0)::bigint as recent,
                coalesce(sum(total) filter (where period >= $5 and period < $4), 0)::bigint as baseline
         from referral_months
         where tenant_id = $1 and period >= $6 and period <= $3
         group by from_npi",
    )
    .bind(tenant)
    .bind(range.from)
    .bind(range.to)
    .bind(range.recent_from())
    .bind(range.baseline_from())
    .bind(earliest)
    .fetch_all(conn)
    .await
}

/// The workspace's referrals by month over the range (months without any are left out).
pub async fn monthly(
    conn: &mut PgConnection,
    tenant: TenantId,
    range: &MonthRange,
) -> sqlx::Result<Vec<MonthCount>> {
    sqlx::query_as(
        "select period, sum(total)::bigint as total, sum(own)::bigint as own
         from referral_months
         where tenant_id = $1 and period between $2 and $3
         group by period order by period",
    )
    .bind(tenant)
    .bind(range.from)
    .bind(range.to)
    .fetch_all(conn)
    .await
}

/// A physician in one of the overview's lists, with the name the workspace knows.
#[derive(Clone, Debug)]
pub struct Ranked {
    pub totals: PhysicianTotals,
    pub stakeholder_id: Option<uuid::Uuid>,
    pub name: Option<String>,
    /// Set on the decline list.
    pub decline: Option<Decline>,
}

/// The overview's three lists and the workspace's sums over the range.
#[derive(Clone, Debug, Default)]
pub struct Lists {
    /// Most referrals first.
    pub top: Vec<Ranked>,
    /// Most referrals elsewhere first.
    pub leakage: Vec<Ranked>,
    /// Biggest drop against the trailing baseline first.
    pub declines: Vec<Ranked>,
    pub total: i64,
    pub own: i64,
    /// Physicians with referrals in the range.
    pub physicians: i64,
    /// Physicians on the decline list before it was cut.
    pub declining: i64,
}

/// Ranks the physicians: each list cut at `limit` (all when `None`), named in one query.
pub async fn lists(
    conn: &mut PgConnection,
    tenant: TenantId,
    range: &MonthRange,
    limit: Option<usize>,
) -> sqlx::Result<Lists> {
    let all = physicians(&mut *conn, tenant, range).await?;
    let cut = |mut v: Vec<(PhysicianTotals, Option<Decline>)>| {
        v.truncate(limit.unwrap_or(usize::MAX));
        v
    };
    let mut top: Vec<_> = all
        .iter()
        .filter(|p| p.total > 0)
        .map(|p| (p.clone(), None))
        .collect();
    top.sort_by(|(a, _), (b, _)| b.total.cmp(&a.total).then(a.from_npi.cmp(&b.from_npi)));
    let mut leakage: Vec<_> = all
        .iter()
        .filter(|p| p.elsewhere() > 0)
        .map(|p| (p.clone(), None))
        .collect();
    leakage.sort_by(|(a, _), (b, _)| {
        b.elsewhere()
            .cmp(&a.elsewhere())
            .then(b.total.cmp(&a.total))
            .then(a.from_npi.cmp(&b.from_npi))
    });
    let mut declines: Vec<_> = all
        .iter()
        .filter_map(|p| decline(p.recent, p.baseline).map(|d| (p.clone(), Some(d))))
        .collect();
    declines.sort_by(|(a, da), (b, db)| {
        let change = |d: &Option<Decline>| d.map(|d| d.change_percent).unwrap_or(0);
        change(da)
            .cmp(&change(db))
            .then(b.baseline.cmp(&a.baseline))
            .then(a.from_npi.cmp(&b.from_npi))
    });
    let declining = declines.len() as i64;
    let (top, leakage, declines) = (cut(top), cut(leakage), cut(declines));
    let mut npis: Vec<String> = top
        .iter()
        .chain(&leakage)
        .chain(&declines)
        .map(|(p, _)| p.from_npi.clone())
        .collect();
    npis.sort();
    npis.dedup();
    let names = super::names(conn, tenant, &npis).await?;
    let name = |v: Vec<(PhysicianTotals, Option<Decline>)>| -> Vec<Ranked> {
        v.into_iter()
            .map(|(totals, decline)| {
                let known = names.get(&totals.from_npi);
                Ranked {
                    stakeholder_id: known.map(|(id, _)| *id),
                    name: known.map(|(_, n)| n.clone()),
                    totals,
                    decline,
                }
            })
            .collect()
    };
    Ok(Lists {
        total: all.iter().map(|p| p.total).sum(),
        own: all.iter().map(|p| p.own).sum(),
        physicians: all.iter().filter(|p| p.total > 0).count() as i64,
        declining,
        top: name(top),
        leakage: name(leakage),
        declines: name(declines),
    })
}
