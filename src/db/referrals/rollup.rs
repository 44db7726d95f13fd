//! The monthly rollup per referring physician (`referral_months`): refreshed set-based by
//! the referral import for the physicians and months it touched, and when a facility's NPI
//! changes (what counts as "own" changes with it). No triggers: they slowed imports by half.

use sqlx::PgConnection;

use crate::domain::TenantId;

/// Recomputes the rollup rows of the (physician, month) pairs `touched` selects. `touched`
/// is one of the constant queries below, never input.
async fn refresh(
    conn: &mut PgConnection,
    tenant: TenantId,
    touched: &str,
    npis: &[String],
) -> sqlx::Result<u64> {
    sqlx::query(
        "create temp table if not exists touched_referral_months (from_npi text, period date) on commit drop",
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query("truncate touched_referral_months")
        .execute(&mut *conn)
        .await?;
    sqlx::query(&format!(
        "insert into touched_referral_months (from_npi, period) {touched}"
    ))
    .bind(tenant)
    .bind(npis)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "delete from referral_months m using touched_referral_months t
         where m.tenant_id = $1 and m.from_npi = t.from_npi and m.period = t.period",
    )
    .bind(tenant)
    .execute(&mut *conn)
    .await?;
    let n = sqlx::query(
        "insert into referral_months (tenant_id, from_npi, period, total, own)
         select $1, r.from_npi, r.period, sum(r.count),
                coalesce(sum(r.count) filter (where r.to_npi is null or f.npi is not null), 0)
         from touched_referral_months t
         join referrals r on r.tenant_id = $1 and r.from_npi = t.from_npi and r.period = t.period
         left join facilities f on f.tenant_id = $1 and f.npi = r.to_npi
         group by r.from_npi, r.period",
    )
    .bind(tenant)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n)
}

/// After a referral import merged its `stage_referrals` table: the months it named.
pub async fn refresh_staged(conn: &mut PgConnection, tenant: TenantId) -> sqlx::Result<u64> {
    refresh(
        conn,
        tenant,
        "select distinct from_npi, period from stage_referrals where $1::uuid is not null and $2::text[] is not null",
        &[],
    )
    .await
}

/// After facilities' NPIs changed (`npis`: the old and new ones): the months of every
/// physician who referred to one of them.
pub async fn refresh_destinations(
    conn: &mut PgConnection,
    tenant: TenantId,
    npis: &[String],
) -> sqlx::Result<u64> {
    if npis.is_empty() {
        return Ok(0);
    }
    refresh(
        conn,
        tenant,
        "select distinct from_npi, period from referrals where tenant_id = $1 and to_npi = any($2)",
        npis,
    )
    .await
}

/// The whole workspace again (tests that write referrals directly, repairs).
pub async fn refresh_all(conn: &mut PgConnection, tenant: TenantId) -> sqlx::Result<u64> {
    refresh(
        conn,
        tenant,
        "select distinct from_npi, period from referrals where tenant_id = $1 and $2::text[] is not null",
        &[],
    )
    .await
}
