//! Workspace settings: one row per workspace, created on first change (defaults until then).

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::audit::Actor;
use crate::domain::TenantId;
use crate::domain::referral::SmallCells;

/// A workspace's settings as stored (or the defaults).
#[derive(Clone, Debug, Default, sqlx::FromRow)]
pub struct WorkspaceSettings {
    /// Referral counts of 1 to 10 show as "<11" on pages, CSV downloads and the API.
    pub small_cell_suppression: bool,
    pub updated_at: Option<DateTime<Utc>>,
    pub updated_by_name: Option<String>,
}

impl WorkspaceSettings {
    pub fn small_cells(&self) -> SmallCells {
        SmallCells {
            suppress: self.small_cell_suppression,
        }
    }
}

pub async fn get(conn: &mut PgConnection, tenant: TenantId) -> sqlx::Result<WorkspaceSettings> {
    let row: Option<WorkspaceSettings> = sqlx::query_as(
        "select w.small_cell_suppression, w.updated_at, u.name as updated_by_name
         from workspace_settings w
         left join users u on u.tenant_id = w.tenant_id and u.id = w.updated_by
         where w.tenant_id = $1",
    )
    .bind(tenant)
    .fetch_optional(conn)
    .await?;
    Ok(row.unwrap_or_default())
}

/// Small-cell suppression for the views, in one read.
pub async fn small_cells(conn: &mut PgConnection, tenant: TenantId) -> sqlx::Result<SmallCells> {
    let on: Option<bool> = sqlx::query_scalar(
        "select small_cell_suppression from workspace_settings where tenant_id = $1",
    )
    .bind(tenant)
    .fetch_optional(conn)
    .await?;
    Ok(SmallCells {
        suppress: on.unwrap_or(false),
    })
}

/// Turns small-cell suppression on or off, with its audit event; returns whether it changed.
pub async fn set_small_cell_suppression_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    on: bool,
) -> sqlx::Result<bool> {
    let before = small_cells(&mut *conn, actor.tenant_id).await?.suppress;
    if before == on {
        return Ok(false);
    }
    sqlx::query(
        "insert into workspace_settings (tenant_id, small_cell_suppression, updated_at, updated_by)
         values ($1, $2, now(), $3)
         on conflict (tenant_id) do update
           set small_cell_suppression = excluded.small_cell_suppression,
               updated_at = now(), updated_by = excluded.updated_by",
    )
    .bind(actor.tenant_id)
    .bind(on)
    .bind(actor.user_id)
    .execute(&mut *conn)
    .await?;
    super::audit::record(
        conn,
        actor,
        "settings.update",
        "workspace_settings",
        None,
        serde_json::json!({ "small_cell_suppression": { "from": before, "to": on } }),
    )
    .await?;
    Ok(true)
}
