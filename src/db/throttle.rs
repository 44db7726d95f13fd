//! Failed sign-in throttling, per account and per client address, with exponential backoff.
//! Kept in PostgreSQL so every app server behind a load balancer sees the same counts.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

/// Failures allowed before a key is locked, and the first lock's length.
#[derive(Clone, Copy, Debug)]
pub struct Policy {
    pub free_failures: i32,
    pub base_lock_secs: i64,
    pub max_lock_secs: i64,
}

pub const ACCOUNT: Policy = Policy {
    free_failures: 5,
    base_lock_secs: 30,
    max_lock_secs: 3600,
};

/// Addresses may be shared (NAT, a hospital's proxy), so they get more room.
pub const ADDRESS: Policy = Policy {
    free_failures: 20,
    base_lock_secs: 30,
    max_lock_secs: 3600,
};

/// When `key` is locked, the time the lock ends.
pub async fn locked_until(
    conn: &mut PgConnection,
    key: &str,
) -> sqlx::Result<Option<DateTime<Utc>>> {
    sqlx::query_scalar(
        "select locked_until from login_throttle where key = $1 and locked_until > now()",
    )
    .bind(key)
    .fetch_optional(conn)
    .await
    .map(Option::flatten)
}

/// Counts a failure; after `free_failures` the key locks for base * 2^(extra failures),
/// capped. A failure more than an hour after the last one starts the count again.
pub async fn record_failure(
    conn: &mut PgConnection,
    key: &str,
    policy: Policy,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into login_throttle as t (key, failures, last_failure_at)
         values ($1, 1, now())
         on conflict (key) do update set
           failures = case when t.last_failure_at < now() - interval '1 hour' then 1 else t.failures + 1 end,
           last_failure_at = now()",
    )
    .bind(key)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "update login_throttle set locked_until = now() + make_interval(secs =>
            least($3::float8, $2::float8 * power(2, failures - $4)))
         where key = $1 and failures >= $4",
    )
    .bind(key)
    .bind(policy.base_lock_secs as f64)
    .bind(policy.max_lock_secs as f64)
    .bind(policy.free_failures)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn clear(conn: &mut PgConnection, key: &str) -> sqlx::Result<()> {
    sqlx::query("delete from login_throttle where key = $1")
        .bind(key)
        .execute(conn)
        .await?;
    Ok(())
}
