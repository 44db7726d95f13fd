//! Users of a workspace. Always called inside a tenant transaction.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, QueryBuilder};

use crate::domain::{Email, Role, TenantId, UserId};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UserRow {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub role: String,
    pub active: bool,
    pub last_login_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl UserRow {
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Executive)
    }
}

const COLUMNS: &str = "id, email, name, role, active, last_login_at, created_at";

/// The credentials needed to check a sign-in.
#[derive(Debug, sqlx::FromRow)]
pub struct Credentials {
    pub id: UserId,
    pub password_hash: String,
    pub active: bool,
}

pub async fn credentials_by_email(
    conn: &mut PgConnection,
    email: &str,
) -> sqlx::Result<Option<Credentials>> {
    sqlx::query_as("select id, password_hash, active from users where email = $1")
        .bind(email)
        .fetch_optional(conn)
        .await
}

pub async fn password_hash(conn: &mut PgConnection, id: UserId) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("select password_hash from users where id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn find(conn: &mut PgConnection, id: UserId) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as(&format!("select {COLUMNS} from users where id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn find_by_email(conn: &mut PgConnection, email: &str) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as(&format!("select {COLUMNS} from users where email = $1"))
        .bind(email)
        .fetch_optional(conn)
        .await
}

/// Filters for the user list.
#[derive(Debug, Default)]
pub struct UserFilter {
    pub q: Option<String>,
    pub role: Option<Role>,
    pub active: Option<bool>,
}

pub async fn list(
    conn: &mut PgConnection,
    filter: &UserFilter,
    page: super::PageRequest,
) -> sqlx::Result<super::Page<UserRow>> {
    fn push_filters<'a>(qb: &mut QueryBuilder<'a, sqlx::Postgres>, f: &'a UserFilter) {
        qb.push(" where true");
        if let Some(q) = &f.q {
            let pattern = super::like_pattern(q);
            qb.push(" and (name ilike ").push_bind(pattern.clone());
            qb.push(" or email ilike ").push_bind(pattern).push(")");
        }
        if let Some(role) = f.role {
            qb.push(" and role = ").push_bind(role.as_str());
        }
        if let Some(active) = f.active {
            qb.push(" and active = ").push_bind(active);
        }
    }
    super::fetch_page(
        conn,
        COLUMNS,
        "users",
        |qb| push_filters(qb, filter),
        "lower(name), id",
        page,
    )
    .await
}

pub struct NewUser<'a> {
    pub email: &'a Email,
    pub name: &'a str,
    pub role: Role,
    pub password_hash: &'a str,
}

pub const EMAIL_KEY: &str = "users_tenant_email_key";
pub const EMAIL_TAKEN: &str = "A user with this email already exists in your workspace.";

pub async fn create(
    conn: &mut PgConnection,
    tenant: TenantId,
    user: &NewUser<'_>,
) -> sqlx::Result<UserRow> {
    sqlx::query_as(&format!(
        "insert into users (tenant_id, id, email, name, role, password_hash)
         values ($1, $2, $3, $4, $5, $6) returning {COLUMNS}"
    ))
    .bind(tenant)
    .bind(UserId::new())
    .bind(user.email.as_str())
    .bind(user.name)
    .bind(user.role.as_str())
    .bind(user.password_hash)
    .fetch_one(conn)
    .await
}

pub async fn update_profile(
    conn: &mut PgConnection,
    id: UserId,
    name: &str,
    role: Role,
    active: bool,
) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as(&format!(
        "update users set name = $2, role = $3, active = $4, updated_at = now() where id = $1 returning {COLUMNS}"
    ))
    .bind(id)
    .bind(name)
    .bind(role.as_str())
    .bind(active)
    .fetch_optional(conn)
    .await
}

pub async fn set_password(conn: &mut PgConnection, id: UserId, hash: &str) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "update users set password_hash = $2, password_changed_at = now(), updated_at = now() where id = $1",
    )
    .bind(id)
    .bind(hash)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn touch_login(conn: &mut PgConnection, id: UserId) -> sqlx::Result<()> {
    sqlx::query("update users set last_login_at = now() where id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

fn audit_view(u: &UserRow) -> serde_json::Value {
    serde_json::json!({ "name": u.name, "role": u.role, "active": u.active })
}

/// Creates a user and records the audit event, in the caller's transaction.
pub async fn create_audited(
    conn: &mut PgConnection,
    actor: &super::audit::Actor,
    user: &NewUser<'_>,
) -> sqlx::Result<UserRow> {
    let row = create(&mut *conn, actor.tenant_id, user).await?;
    let mut view = audit_view(&row);
    view["email"] = serde_json::Value::String(row.email.clone());
    super::audit::record(
        conn,
        actor,
        "user.create",
        "user",
        Some(row.id.to_string()),
        view,
    )
    .await?;
    Ok(row)
}

/// Updates name, role and active flag, with an audit event of what changed. Deactivating a
/// user ends their sessions and revokes their API tokens in the same transaction.
pub async fn update_audited(
    conn: &mut PgConnection,
    actor: &super::audit::Actor,
    id: UserId,
    name: &str,
    role: Role,
    active: bool,
) -> sqlx::Result<Option<UserRow>> {
    let Some(before) = find(&mut *conn, id).await? else {
        return Ok(None);
    };
    let Some(after) = update_profile(&mut *conn, id, name, role, active).await? else {
        return Ok(None);
    };
    if before.active && !after.active {
        super::sessions::delete_for_user(&mut *conn, id, None).await?;
        super::tokens::revoke_all_for_user(&mut *conn, id).await?;
    }
    let changes = super::audit::diff(&audit_view(&before), &audit_view(&after));
    super::audit::record(
        conn,
        actor,
        "user.update",
        "user",
        Some(id.to_string()),
        changes,
    )
    .await?;
    Ok(Some(after))
}

/// Active admins other than `except`: a workspace must keep at least one.
pub async fn other_active_admins(conn: &mut PgConnection, except: UserId) -> sqlx::Result<i64> {
    sqlx::query_scalar("select count(*) from users where role = 'admin' and active and id <> $1")
        .bind(except)
        .fetch_one(conn)
        .await
}

pub async fn count_active(conn: &mut PgConnection) -> sqlx::Result<i64> {
    sqlx::query_scalar("select count(*) from users where active")
        .fetch_one(conn)
        .await
}
