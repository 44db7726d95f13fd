//! Organizations of the relationship book. A tenant has hundreds to a few thousand, so the
//! list's search is a plain scan of the tenant's rows.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, Postgres, QueryBuilder};
use uuid::Uuid;

use super::audit::Actor;
use crate::domain::{OrganizationInput, OrganizationKind};

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct OrganizationRow {
    pub id: Uuid,
    pub name: String,
    pub kind: String,
    pub parent_id: Option<Uuid>,
    pub parent_name: Option<String>,
    pub npi: Option<String>,
    pub address_line: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub postal_code: Option<String>,
    pub phone: Option<String>,
    pub website: Option<String>,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl OrganizationRow {
    pub fn kind_label(&self) -> &'static str {
        OrganizationKind::parse(&self.kind)
            .map(OrganizationKind::label)
            .unwrap_or("Other")
    }

    pub fn place(&self) -> String {
        [self.city.as_deref(), self.state.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn archived(&self) -> bool {
        self.status == "archived"
    }
}

const COLUMNS: &str =
    "o.id, o.name, o.kind, o.parent_id, p.name as parent_name, o.npi, o.address_line, o.city,
    o.state, o.postal_code, o.phone, o.website, o.status, o.created_at, o.updated_at";
const FROM: &str =
    "organizations o left join organizations p on p.tenant_id = o.tenant_id and p.id = o.parent_id";

/// Constraints an organization form can run into, as field errors.
pub const CONSTRAINTS: &[(&str, &str, &str)] = &[
    (
        "organizations_tenant_name_key",
        "name",
        "An organization with this name already exists in your workspace.",
    ),
    (
        "organizations_tenant_npi_key",
        "npi",
        "Another organization in your workspace already has this NPI.",
    ),
    (
        "organizations_tenant_id_parent_id_fkey",
        "parent_id",
        "Choose a parent from the list.",
    ),
    (
        "organizations_check",
        "parent_id",
        "An organization cannot be its own parent.",
    ),
];

#[derive(Clone, Debug, Default)]
pub struct OrganizationFilter {
    pub q: Option<String>,
    pub kind: Option<OrganizationKind>,
    /// `None`: active and archived.
    pub archived: Option<bool>,
}

fn push_filters<'a>(qb: &mut QueryBuilder<'a, Postgres>, f: &'a OrganizationFilter) {
    qb.push(" where true");
    if let Some(q) = &f.q {
        let pattern = super::like_pattern(q);
        qb.push(" and (o.name ilike ").push_bind(pattern.clone());
        qb.push(" or o.city ilike ").push_bind(pattern.clone());
        qb.push(" or o.npi = ")
            .push_bind(q.trim().to_string())
            .push(")");
    }
    if let Some(kind) = f.kind {
        qb.push(" and o.kind = ").push_bind(kind.as_str());
    }
    match f.archived {
        Some(true) => {
            qb.push(" and o.status = 'archived'");
        }
        Some(false) => {
            qb.push(" and o.status = 'active'");
        }
        None => {}
    }
}

pub async fn list(
    conn: &mut PgConnection,
    filter: &OrganizationFilter,
    page: super::PageRequest,
) -> sqlx::Result<super::Page<OrganizationRow>> {
    super::fetch_page(
        conn,
        COLUMNS,
        FROM,
        |qb| push_filters(qb, filter),
        "lower(o.name), o.id",
        page,
    )
    .await
}

pub async fn find(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<OrganizationRow>> {
    sqlx::query_as(&format!("select {COLUMNS} from {FROM} where o.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Active organizations by name, for parent pickers (at most 2,000).
pub async fn choices(conn: &mut PgConnection) -> sqlx::Result<Vec<(Uuid, String)>> {
    sqlx::query_as("select id, name from organizations where status = 'active' order by lower(name) limit 2000")
        .fetch_all(conn)
        .await
}

/// The organizations whose parent is `id`.
pub async fn children(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Vec<(Uuid, String)>> {
    sqlx::query_as("select id, name from organizations where parent_id = $1 order by lower(name)")
        .bind(id)
        .fetch_all(conn)
        .await
}

fn audit_view(o: &OrganizationInput) -> serde_json::Value {
    serde_json::json!({
        "name": o.name, "kind": o.kind.as_str(), "parent_id": o.parent_id, "npi": o.npi.as_ref().map(|n| n.as_str()),
        "address_line": o.address_line, "city": o.city, "state": o.state, "postal_code": o.postal_code,
        "phone": o.phone, "website": o.website,
    })
}

fn row_view(r: &OrganizationRow) -> serde_json::Value {
    serde_json::json!({
        "name": r.name, "kind": r.kind, "parent_id": r.parent_id, "npi": r.npi, "address_line": r.address_line,
        "city": r.city, "state": r.state, "postal_code": r.postal_code, "phone": r.phone, "website": r.website,
    })
}

/// Creates or updates (`id` given) an organization with its audit event; `None` when the
/// organization to update does not exist.
pub async fn save_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    id: Option<Uuid>,
    o: &OrganizationInput,
) -> sqlx::Result<Option<Uuid>> {
    let before = match id {
        Some(id) => match find(&mut *conn, id).await? {
            Some(row) => Some(row),
            None => return Ok(None),
        },
        None => None,
    };
    let target = id.unwrap_or_else(Uuid::new_v4);
    sqlx::query(
        "insert into organizations (tenant_id, id, name, kind, parent_id, npi, address_line, city, state, postal_code, phone, website)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         on conflict (tenant_id, id) do update set name = excluded.name, kind = excluded.kind,
            parent_id = excluded.parent_id, npi = excluded.npi, address_line = excluded.address_line,
            city = excluded.city, state = excluded.state, postal_code = excluded.postal_code,
            phone = excluded.phone, website = excluded.website, updated_at = now()",
    )
    .bind(actor.tenant_id)
    .bind(target)
    .bind(&o.name)
    .bind(o.kind.as_str())
    .bind(o.parent_id)
    .bind(o.npi.as_ref().map(|n| n.as_str()))
    .bind(&o.address_line)
    .bind(&o.city)
    .bind(&o.state)
    .bind(&o.postal_code)
    .bind(&o.phone)
    .bind(&o.website)
    .execute(&mut *conn)
    .await?;
    if before.as_ref().is_some_and(|b| b.name != o.name) {
        super::affiliations::refresh_people_at(
            &mut *conn,
            actor,
            crate::domain::AffiliationTarget::Organization(target),
        )
        .await?;
    }
    let (action, changes) = match &before {
        Some(b) => (
            "organization.update",
            super::audit::diff(&row_view(b), &audit_view(o)),
        ),
        None => ("organization.create", audit_view(o)),
    };
    super::audit::record(
        conn,
        actor,
        action,
        "organization",
        Some(target.to_string()),
        changes,
    )
    .await?;
    Ok(Some(target))
}
