//! API tokens: stored as hashes, shown once, revocable.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::domain::{TenantId, UserId};

#[derive(Debug, sqlx::FromRow)]
pub struct TokenRow {
    pub id: Uuid,
    pub name: String,
    pub hint: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// The user behind a valid token.
#[derive(Debug, sqlx::FromRow)]
pub struct TokenUser {
    pub token_id: Uuid,
    pub user_id: UserId,
    pub email: String,
    pub name: String,
    pub role: String,
    pub active: bool,
    pub tenant_name: String,
    /// True when `last_used_at` is more than a minute old (then worth refreshing).
    pub stale: bool,
}

pub async fn create(
    conn: &mut PgConnection,
    tenant: TenantId,
    user: UserId,
    name: &str,
    hash: &[u8],
    hint: &str,
) -> sqlx::Result<Uuid> {
    sqlx::query_scalar(
        "insert into api_tokens (tenant_id, id, user_id, name, token_hash, hint)
         values ($1, $2, $3, $4, $5, $6) returning id",
    )
    .bind(tenant)
    .bind(Uuid::new_v4())
    .bind(user)
    .bind(name)
    .bind(hash)
    .bind(hint)
    .fetch_one(conn)
    .await
}

pub async fn find_active(conn: &mut PgConnection, hash: &[u8]) -> sqlx::Result<Option<TokenUser>> {
    sqlx::query_as(
        "select t.id as token_id, u.id as user_id, u.email, u.name, u.role, u.active, w.name as tenant_name,
                coalesce(t.last_used_at < now() - interval '1 minute', true) as stale
         from api_tokens t
         join users u on u.tenant_id = t.tenant_id and u.id = t.user_id
         join tenants w on w.id = t.tenant_id
         where t.token_hash = $1 and t.revoked_at is null",
    )
    .bind(hash)
    .fetch_optional(conn)
    .await
}

/// Records that a token was used (callers do it at most once a minute: a write per API
/// request would cost more than the request).
pub async fn touch(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<()> {
    sqlx::query("update api_tokens set last_used_at = now() where id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn list_for_user(conn: &mut PgConnection, user: UserId) -> sqlx::Result<Vec<TokenRow>> {
    sqlx::query_as(
        "select id, name, hint, created_at, last_used_at, revoked_at from api_tokens
         where user_id = $1 order by revoked_at nulls first, created_at desc",
    )
    .bind(user)
    .fetch_all(conn)
    .await
}

/// Revokes one of `user`'s tokens; false when there is no such live token.
pub async fn revoke(conn: &mut PgConnection, user: UserId, id: Uuid) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "update api_tokens set revoked_at = now() where id = $1 and user_id = $2 and revoked_at is null",
    )
    .bind(id)
    .bind(user)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Revokes every token of `user` (on deactivation).
pub async fn revoke_all_for_user(conn: &mut PgConnection, user: UserId) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "update api_tokens set revoked_at = now() where user_id = $1 and revoked_at is null",
    )
    .bind(user)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}
