//! Server-side sessions. The cookie holds a random secret; the table holds its hash.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use crate::domain::{TenantId, UserId};

/// A live session joined with its user.
#[derive(Debug, sqlx::FromRow)]
pub struct SessionUser {
    pub user_id: UserId,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub email: String,
    pub name: String,
    pub role: String,
    pub active: bool,
    pub tenant_name: String,
    pub flash: Option<String>,
}

pub struct NewSession<'a> {
    pub id_hash: &'a [u8],
    pub user_id: UserId,
    pub expires_at: DateTime<Utc>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

pub async fn create(
    conn: &mut PgConnection,
    tenant: TenantId,
    s: &NewSession<'_>,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into sessions (tenant_id, id, user_id, expires_at, ip, user_agent)
         values ($1, $2, $3, $4, $5::inet, $6)",
    )
    .bind(tenant)
    .bind(s.id_hash)
    .bind(s.user_id)
    .bind(s.expires_at)
    .bind(&s.ip)
    .bind(&s.user_agent)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn find(conn: &mut PgConnection, id_hash: &[u8]) -> sqlx::Result<Option<SessionUser>> {
    sqlx::query_as(
        "select s.user_id, s.created_at, s.last_seen_at, s.expires_at, u.email, u.name, u.role, u.active,
                t.name as tenant_name, s.flash
         from sessions s
         join users u on u.tenant_id = s.tenant_id and u.id = s.user_id
         join tenants t on t.id = s.tenant_id
         where s.id = $1",
    )
    .bind(id_hash)
    .fetch_optional(conn)
    .await
}

/// Marks the session used now, and clears its flash message once it has been shown.
pub async fn touch(conn: &mut PgConnection, id_hash: &[u8], clear_flash: bool) -> sqlx::Result<()> {
    sqlx::query("update sessions set last_seen_at = now(), flash = case when $2 then null else flash end where id = $1")
        .bind(id_hash)
        .bind(clear_flash)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_flash(conn: &mut PgConnection, id_hash: &[u8], message: &str) -> sqlx::Result<()> {
    sqlx::query("update sessions set flash = $2 where id = $1")
        .bind(id_hash)
        .bind(message)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete(conn: &mut PgConnection, id_hash: &[u8]) -> sqlx::Result<()> {
    sqlx::query("delete from sessions where id = $1")
        .bind(id_hash)
        .execute(conn)
        .await?;
    Ok(())
}

/// Ends every session of `user` except `keep` (e.g. after a password change).
pub async fn delete_for_user(
    conn: &mut PgConnection,
    user: UserId,
    keep: Option<&[u8]>,
) -> sqlx::Result<u64> {
    let done =
        sqlx::query("delete from sessions where user_id = $1 and ($2::bytea is null or id <> $2)")
            .bind(user)
            .bind(keep)
            .execute(conn)
            .await?;
    Ok(done.rows_affected())
}

/// Removes sessions past their absolute expiry or idle for longer than `idle_secs`.
pub async fn delete_expired(conn: &mut PgConnection, idle_secs: i64) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "delete from sessions where expires_at < now() or last_seen_at < now() - make_interval(secs => $1)",
    )
    .bind(idle_secs as f64)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}
