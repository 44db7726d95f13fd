//! Affiliations: stakeholders at organizations and facilities, with role and dates.

use chrono::NaiveDate;
use sqlx::PgConnection;
use uuid::Uuid;

use super::audit::Actor;
use crate::domain::{AffiliationInput, AffiliationRole, AffiliationTarget};

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct AffiliationRow {
    pub id: Uuid,
    pub stakeholder_id: Uuid,
    pub stakeholder_name: String,
    pub organization_id: Option<Uuid>,
    pub facility_id: Option<Uuid>,
    /// The organization's or facility's name.
    pub place_name: String,
    pub role: String,
    pub title: Option<String>,
    pub is_primary: bool,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
}

impl AffiliationRow {
    pub fn role_label(&self) -> &'static str {
        AffiliationRole::parse(&self.role)
            .map(AffiliationRole::label)
            .unwrap_or("Other")
    }

    /// Ended affiliations stay as history.
    pub fn current(&self) -> bool {
        self.ends_on
            .is_none_or(|e| e >= chrono::Utc::now().date_naive())
    }

    pub fn href(&self) -> String {
        match (self.organization_id, self.facility_id) {
            (Some(o), _) => format!("/organizations/{o}"),
            (_, Some(f)) => format!("/facilities/{f}"),
            _ => String::new(),
        }
    }

    /// "since Mar 2021", "2019 – 2023".
    pub fn period(&self) -> String {
        let f = |d: NaiveDate| d.format("%b %Y").to_string();
        match (self.starts_on, self.ends_on) {
            (None, None) => String::new(),
            (Some(s), None) => format!("since {}", f(s)),
            (None, Some(e)) => format!("until {}", f(e)),
            (Some(s), Some(e)) => format!("{} – {}", f(s), f(e)),
        }
    }
}

fn select(condition: &str) -> String {
    format!(
        "select a.id, a.stakeholder_id, {name} as stakeholder_name, a.organization_id, a.facility_id,
                coalesce(o.name, f.name) as place_name, a.role, a.title, a.is_primary, a.starts_on, a.ends_on
         from affiliations a
         join stakeholders s on s.id = a.stakeholder_id
         left join organizations o on o.id = a.organization_id
         left join facilities f on f.id = a.facility_id
         where {condition}",
        name = super::stakeholders::name_sql("s")
    )
}

/// A stakeholder's affiliations: current first, primary first, then by name.
pub async fn for_stakeholder(
    conn: &mut PgConnection,
    id: Uuid,
) -> sqlx::Result<Vec<AffiliationRow>> {
    sqlx::query_as(&format!(
        "{} order by (a.ends_on is not null and a.ends_on < current_date), a.is_primary desc, place_name, a.id",
        select("a.stakeholder_id = $1")
    ))
    .bind(id)
    .fetch_all(conn)
    .await
}

/// The people at an organization or facility (current affiliations), by name, at most `limit`.
pub async fn people_at(
    conn: &mut PgConnection,
    target: AffiliationTarget,
    limit: i64,
) -> sqlx::Result<Vec<AffiliationRow>> {
    let (condition, id) = match target {
        AffiliationTarget::Organization(id) => ("a.organization_id = $1", id),
        AffiliationTarget::Facility(id) => ("a.facility_id = $1", id),
    };
    sqlx::query_as(&format!(
        "{} and s.status = 'active' and (a.ends_on is null or a.ends_on >= current_date)
         order by lower(s.last_name), lower(s.first_name), a.id limit $2",
        select(condition)
    ))
    .bind(id)
    .bind(limit)
    .fetch_all(conn)
    .await
}

pub async fn find(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<AffiliationRow>> {
    sqlx::query_as(&select("a.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Constraint names an affiliation write can run into, as field errors.
pub const CONSTRAINTS: &[(&str, &str, &str)] = &[
    (
        "affiliations_tenant_id_organization_id_fkey",
        "organization_id",
        "Choose an organization from the list.",
    ),
    (
        "affiliations_tenant_id_facility_id_fkey",
        "facility_id",
        "Choose a facility from the list.",
    ),
    (
        "affiliations_tenant_id_stakeholder_id_fkey",
        "stakeholder_id",
        "That stakeholder does not exist.",
    ),
];

fn view(a: &AffiliationInput) -> serde_json::Value {
    let (org, facility) = match a.target {
        AffiliationTarget::Organization(o) => (Some(o), None),
        AffiliationTarget::Facility(f) => (None, Some(f)),
    };
    serde_json::json!({
        "organization_id": org, "facility_id": facility, "role": a.role.as_str(), "title": a.title,
        "is_primary": a.is_primary, "starts_on": a.starts_on, "ends_on": a.ends_on,
    })
}

fn row_view(r: &AffiliationRow) -> serde_json::Value {
    serde_json::json!({
        "organization_id": r.organization_id, "facility_id": r.facility_id, "role": r.role, "title": r.title,
        "is_primary": r.is_primary, "starts_on": r.starts_on, "ends_on": r.ends_on,
    })
}

/// Adds (`id` none) or changes an affiliation of `stakeholder`, audited. A primary
/// affiliation demotes the stakeholder's other primary. `None` when the affiliation is not
/// found (or belongs to someone else).
pub async fn save_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    stakeholder: Uuid,
    id: Option<Uuid>,
    a: &AffiliationInput,
) -> sqlx::Result<Option<Uuid>> {
    let (org, facility) = match a.target {
        AffiliationTarget::Organization(o) => (Some(o), None),
        AffiliationTarget::Facility(f) => (None, Some(f)),
    };
    let before = match id {
        Some(id) => match find(&mut *conn, id).await? {
            Some(r) if r.stakeholder_id == stakeholder => Some(r),
            _ => return Ok(None),
        },
        None => None,
    };
    let saved = id.unwrap_or_else(Uuid::new_v4);
    if a.is_primary {
        sqlx::query(
            "update affiliations set is_primary = false, updated_at = now()
             where stakeholder_id = $1 and is_primary and id <> $2",
        )
        .bind(stakeholder)
        .bind(saved)
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query(
        "insert into affiliations (tenant_id, id, stakeholder_id, organization_id, facility_id, role, title,
            is_primary, starts_on, ends_on)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         on conflict (tenant_id, id) do update set organization_id = excluded.organization_id,
            facility_id = excluded.facility_id, role = excluded.role, title = excluded.title,
            is_primary = excluded.is_primary, starts_on = excluded.starts_on, ends_on = excluded.ends_on,
            updated_at = now()",
    )
    .bind(actor.tenant_id)
    .bind(saved)
    .bind(stakeholder)
    .bind(org)
    .bind(facility)
    .bind(a.role.as_str())
    .bind(&a.title)
    .bind(a.is_primary)
    .bind(a.starts_on)
    .bind(a.ends_on)
    .execute(&mut *conn)
    .await?;
    let (action, mut changes) = match &before {
        None => ("affiliation.create", view(a)),
        Some(b) => (
            "affiliation.update",
            super::audit::diff(&row_view(b), &view(a)),
        ),
    };
    changes["stakeholder_id"] = serde_json::json!(stakeholder);
    // People are found by the names of the places they work at.
    super::stakeholders::refresh_terms(&mut *conn, actor, &[stakeholder]).await?;
    super::audit::record(
        conn,
        actor,
        action,
        "affiliation",
        Some(saved.to_string()),
        changes,
    )
    .await?;
    Ok(Some(saved))
}

/// Removes an affiliation entered by mistake (an ended one should get an end date instead).
pub async fn delete_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    id: Uuid,
) -> sqlx::Result<Option<Uuid>> {
    let Some(before) = find(&mut *conn, id).await? else {
        return Ok(None);
    };
    sqlx::query("delete from affiliations where id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    super::stakeholders::refresh_terms(&mut *conn, actor, &[before.stakeholder_id]).await?;
    let mut changes = row_view(&before);
    changes["stakeholder_id"] = serde_json::json!(before.stakeholder_id);
    super::audit::record(
        conn,
        actor,
        "affiliation.delete",
        "affiliation",
        Some(id.to_string()),
        changes,
    )
    .await?;
    Ok(Some(before.stakeholder_id))
}

/// Places a stakeholder can be affiliated with: active organizations and facilities, by name.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Place {
    /// `o:<id>` or `f:<id>`, as the form's select sends it.
    pub key: String,
    pub name: String,
    pub facility: bool,
}

pub async fn places(conn: &mut PgConnection) -> sqlx::Result<Vec<Place>> {
    sqlx::query_as(
        "(select 'f:' || id as key, name, true as facility from facilities where active order by lower(name) limit 500)
         union all
         (select 'o:' || id, name, false from organizations where status = 'active' order by lower(name) limit 2000)",
    )
    .fetch_all(conn)
    .await
}

/// Filter for the affiliations API.
#[derive(Clone, Debug, Default)]
pub struct AffiliationFilter {
    pub stakeholder_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
    pub facility_id: Option<Uuid>,
    /// Only affiliations that have not ended.
    pub current: bool,
}

pub async fn list(
    conn: &mut PgConnection,
    f: &AffiliationFilter,
    page: super::PageRequest,
) -> sqlx::Result<super::Page<AffiliationRow>> {
    let columns = format!(
        "a.id, a.stakeholder_id, {} as stakeholder_name, a.organization_id, a.facility_id,
         coalesce(o.name, f.name) as place_name, a.role, a.title, a.is_primary, a.starts_on, a.ends_on",
        super::stakeholders::name_sql("s")
    );
    super::fetch_page(
        conn,
        &columns,
        "affiliations a join stakeholders s on s.id = a.stakeholder_id
         left join organizations o on o.id = a.organization_id left join facilities f on f.id = a.facility_id",
        |qb| {
            qb.push(" where true");
            if let Some(s) = f.stakeholder_id {
                qb.push(" and a.stakeholder_id = ").push_bind(s);
            }
            if let Some(o) = f.organization_id {
                qb.push(" and a.organization_id = ").push_bind(o);
            }
            if let Some(x) = f.facility_id {
                qb.push(" and a.facility_id = ").push_bind(x);
            }
            if f.current {
                qb.push(" and (a.ends_on is null or a.ends_on >= current_date)");
            }
        },
        "a.created_at desc, a.id",
        page,
    )
    .await
}

/// The place a form's `o:<id>` / `f:<id>` key names, active or not (so an affiliation at a
/// practice that has since closed can still be edited and ended).
pub async fn place(conn: &mut PgConnection, key: &str) -> sqlx::Result<Option<Place>> {
    let (table, facility, id) = match key.split_once(':') {
        Some(("o", id)) => ("organizations", false, id),
        Some(("f", id)) => ("facilities", true, id),
        _ => return Ok(None),
    };
    let Ok(id) = id.parse::<Uuid>() else {
        return Ok(None);
    };
    // The table name is one of two of ours, never input.
    let name: Option<String> =
        sqlx::query_scalar(&format!("select name from {table} where id = $1"))
            .bind(id)
            .fetch_optional(conn)
            .await?;
    Ok(name.map(|name| Place {
        key: key.to_string(),
        name,
        facility,
    }))
}

/// Rewrites the search terms of everyone affiliated with a place whose name changed.
pub async fn refresh_people_at(
    conn: &mut PgConnection,
    actor: &Actor,
    target: AffiliationTarget,
) -> sqlx::Result<()> {
    let (column, id) = match target {
        AffiliationTarget::Organization(id) => ("organization_id", id),
        AffiliationTarget::Facility(id) => ("facility_id", id),
    };
    let people: Vec<Uuid> = sqlx::query_scalar(&format!(
        "select distinct stakeholder_id from affiliations where {column} = $1"
    ))
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    super::stakeholders::refresh_terms(conn, actor, &people).await
}
