//! Facilities: the hospitals, clinics and sites of the workspace.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, QueryBuilder};

use super::audit::Actor;
use crate::domain::{FacilityId, FacilityInput, FacilityKind, Npi, TenantId};

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct FacilityRow {
    pub id: FacilityId,
    pub name: String,
    pub kind: String,
    pub address_line: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub postal_code: Option<String>,
    pub phone: Option<String>,
    /// The facility's NPI: referrals to it count as the workspace's own (loyalty).
    pub npi: Option<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl FacilityRow {
    pub fn kind(&self) -> FacilityKind {
        FacilityKind::parse(&self.kind).unwrap_or(FacilityKind::Other)
    }

    /// "City, ST" or whichever part is known.
    pub fn place(&self) -> String {
        match (&self.city, &self.state) {
            (Some(c), Some(s)) => format!("{c}, {s}"),
            (Some(c), None) => c.clone(),
            (None, Some(s)) => s.clone(),
            (None, None) => String::new(),
        }
    }
}

const COLUMNS: &str = "id, name, kind, address_line, city, state, postal_code, phone, npi, active, created_at, updated_at";

pub const NAME_KEY: &str = "facilities_tenant_name_key";
/// Two facilities of a workspace cannot share an NPI.
pub const NPI_KEY: &str = "facilities_tenant_npi_key";

/// Sort orders offered by the list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FacilitySort {
    #[default]
    Name,
    City,
    Newest,
}

impl FacilitySort {
    pub fn parse(s: &str) -> Self {
        match s {
            "city" => FacilitySort::City,
            "newest" => FacilitySort::Newest,
            _ => FacilitySort::Name,
        }
    }

    fn order_by(self) -> &'static str {
        match self {
            FacilitySort::Name => "lower(name), id",
            FacilitySort::City => "lower(city) nulls last, lower(name), id",
            FacilitySort::Newest => "created_at desc, id",
        }
    }
}

#[derive(Debug, Default)]
pub struct FacilityFilter {
    pub q: Option<String>,
    pub kind: Option<FacilityKind>,
    pub active: Option<bool>,
    pub sort: FacilitySort,
}

pub async fn list(
    conn: &mut PgConnection,
    filter: &FacilityFilter,
    page: super::PageRequest,
) -> sqlx::Result<super::Page<FacilityRow>> {
    fn push_filters<'a>(qb: &mut QueryBuilder<'a, sqlx::Postgres>, f: &'a FacilityFilter) {
        qb.push(" where true");
        if let Some(q) = &f.q {
            let pattern = super::like_pattern(q);
            qb.push(" and (name ilike ").push_bind(pattern.clone());
            qb.push(" or city ilike ").push_bind(pattern).push(")");
        }
        if let Some(kind) = f.kind {
            qb.push(" and kind = ").push_bind(kind.as_str());
        }
        if let Some(active) = f.active {
            qb.push(" and active = ").push_bind(active);
        }
    }
    super::fetch_page(
        conn,
        COLUMNS,
        "facilities",
        |qb| push_filters(qb, filter),
        filter.sort.order_by(),
        page,
    )
    .await
}

pub async fn find(conn: &mut PgConnection, id: FacilityId) -> sqlx::Result<Option<FacilityRow>> {
    sqlx::query_as(&format!("select {COLUMNS} from facilities where id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn create(
    conn: &mut PgConnection,
    tenant: TenantId,
    f: &FacilityInput,
) -> sqlx::Result<FacilityRow> {
    sqlx::query_as(&format!(
        "insert into facilities (tenant_id, id, name, kind, address_line, city, state, postal_code, phone, active)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning {COLUMNS}"
    ))
    .bind(tenant)
    .bind(FacilityId::new())
    .bind(&f.name)
    .bind(f.kind.as_str())
    .bind(&f.address_line)
    .bind(&f.city)
    .bind(&f.state)
    .bind(&f.postal_code)
    .bind(&f.phone)
    .bind(f.active)
    .fetch_one(conn)
    .await
}

pub async fn update(
    conn: &mut PgConnection,
    id: FacilityId,
    f: &FacilityInput,
) -> sqlx::Result<Option<FacilityRow>> {
    sqlx::query_as(&format!(
        "update facilities set name = $2, kind = $3, address_line = $4, city = $5, state = $6,
                postal_code = $7, phone = $8, active = $9, updated_at = now()
         where id = $1 returning {COLUMNS}"
    ))
    .bind(id)
    .bind(&f.name)
    .bind(f.kind.as_str())
    .bind(&f.address_line)
    .bind(&f.city)
    .bind(&f.state)
    .bind(&f.postal_code)
    .bind(&f.phone)
    .bind(f.active)
    .fetch_optional(conn)
    .await
}

pub async fn count_active(conn: &mut PgConnection) -> sqlx::Result<i64> {
    sqlx::query_scalar("select count(*) from facilities where active")
        .fetch_one(conn)
        .await
}

fn audit_view(f: &FacilityInput) -> serde_json::Value {
    serde_json::json!({
        "name": f.name, "kind": f.kind.as_str(), "address_line": f.address_line, "city": f.city,
        "state": f.state, "postal_code": f.postal_code, "phone": f.phone, "active": f.active,
    })
}

fn input_of(f: &FacilityRow) -> FacilityInput {
    FacilityInput {
        name: f.name.clone(),
        kind: f.kind(),
        address_line: f.address_line.clone(),
        city: f.city.clone(),
        state: f.state.clone(),
        postal_code: f.postal_code.clone(),
        phone: f.phone.clone(),
        active: f.active,
    }
}

/// Creates a facility and records the audit event, in the caller's transaction.
pub async fn create_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    f: &FacilityInput,
) -> sqlx::Result<FacilityRow> {
    let row = create(&mut *conn, actor.tenant_id, f).await?;
    super::audit::record(
        conn,
        actor,
        "facility.create",
        "facility",
        Some(row.id.to_string()),
        audit_view(f),
    )
    .await?;
    Ok(row)
}

/// Updates a facility and records which fields changed; `None` when it does not exist.
pub async fn update_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    id: FacilityId,
    f: &FacilityInput,
) -> sqlx::Result<Option<FacilityRow>> {
    let Some(before) = find(&mut *conn, id).await? else {
        return Ok(None);
    };
    let Some(after) = update(&mut *conn, id, f).await? else {
        return Ok(None);
    };
    if before.name != after.name {
        super::affiliations::refresh_people_at(
            &mut *conn,
            actor,
            crate::domain::AffiliationTarget::Facility(id.0),
        )
        .await?;
    }
    let changes = super::audit::diff(&audit_view(&input_of(&before)), &audit_view(f));
    super::audit::record(
        conn,
        actor,
        "facility.update",
        "facility",
        Some(id.to_string()),
        changes,
    )
    .await?;
    Ok(Some(after))
}

/// Sets or clears a facility's NPI, with its audit event, and refreshes the referral rollup
/// (referrals to the old and new NPI change between "own" and "elsewhere"). Returns the
/// row; `None` when the facility does not exist.
pub async fn set_npi_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    id: FacilityId,
    npi: Option<&Npi>,
) -> sqlx::Result<Option<FacilityRow>> {
    let Some(before) = find(&mut *conn, id).await? else {
        return Ok(None);
    };
    let new = npi.map(|n| n.as_str().to_string());
    if before.npi == new {
        return Ok(Some(before));
    }
    let after: Option<FacilityRow> = sqlx::query_as(&format!(
        "update facilities set npi = $3, updated_at = now() where tenant_id = $1 and id = $2 returning {COLUMNS}"
    ))
    .bind(actor.tenant_id)
    .bind(id)
    .bind(&new)
    .fetch_optional(&mut *conn)
    .await?;
    let changed: Vec<String> = before.npi.iter().chain(new.iter()).cloned().collect();
    super::referrals::rollup::refresh_destinations(&mut *conn, actor.tenant_id, &changed).await?;
    super::audit::record(
        conn,
        actor,
        "facility.update",
        "facility",
        Some(id.to_string()),
        serde_json::json!({ "npi": { "from": before.npi, "to": new } }),
    )
    .await?;
    Ok(after)
}

/// Active facilities by name, for pickers and filters.
pub async fn choices(conn: &mut PgConnection) -> sqlx::Result<Vec<(uuid::Uuid, String)>> {
    sqlx::query_as("select id, name from facilities where active order by lower(name) limit 500")
        .fetch_all(conn)
        .await
}
