//! Workspaces. Not tenant-owned: looked up by slug at sign-in, created by the owner role.

use sqlx::PgConnection;

use crate::domain::{Slug, TenantId};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Tenant {
    pub id: TenantId,
    pub slug: String,
    pub name: String,
}

pub async fn find_by_slug(conn: &mut PgConnection, slug: &str) -> sqlx::Result<Option<Tenant>> {
    sqlx::query_as("select id, slug, name from tenants where slug = $1")
        .bind(slug)
        .fetch_optional(conn)
        .await
}

pub async fn find(conn: &mut PgConnection, id: TenantId) -> sqlx::Result<Option<Tenant>> {
    sqlx::query_as("select id, slug, name from tenants where id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Creates a workspace (owner connection only: the runtime role cannot insert tenants).
/// It starts with the usual feedback topics (written under the new tenant's id, as row-level
/// security requires even of the owner).
pub async fn create(conn: &mut PgConnection, slug: &Slug, name: &str) -> sqlx::Result<Tenant> {
    use sqlx::Connection;
    let mut tx = conn.begin().await?;
    let tenant: Tenant = sqlx::query_as(
        "insert into tenants (id, slug, name) values ($1, $2, $3) returning id, slug, name",
    )
    .bind(TenantId::new())
    .bind(slug.as_str())
    .bind(name)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("select set_config('app.tenant_id', $1, true)")
        .bind(tenant.id.to_string())
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "insert into feedback_topics (tenant_id, id, name)
         select $1, gen_random_uuid(), name from unnest($2::text[]) as t(name)",
    )
    .bind(tenant.id)
    .bind(crate::domain::DEFAULT_TOPICS)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(tenant)
}

pub async fn count(conn: &mut PgConnection) -> sqlx::Result<i64> {
    sqlx::query_scalar("select count(*) from tenants")
        .fetch_one(conn)
        .await
}
