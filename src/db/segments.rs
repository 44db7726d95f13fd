//! Audience segments: saved definitions, and their evaluation over the stakeholders (the
//! live count, the preview, and the member list a campaign freezes when it goes active).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, Postgres, QueryBuilder};
use uuid::Uuid;

use super::audit::Actor;
use crate::domain::search::tag_term;
use crate::domain::{SegmentDefinition, SegmentInput};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SegmentRecord {
    pub id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub definition: sqlx::types::Json<SegmentDefinition>,
    pub updated_at: DateTime<Utc>,
    /// Campaigns that use it.
    pub campaigns: i64,
}

const SELECT: &str = "select g.id, g.name, g.description, g.definition, g.updated_at,
    (select count(*) from campaigns c where c.segment_id = g.id) as campaigns
    from segments g";

/// Every segment, by name.
pub async fn list(conn: &mut PgConnection) -> sqlx::Result<Vec<SegmentRecord>> {
    sqlx::query_as(&format!("{SELECT} order by lower(g.name) limit 500"))
        .fetch_all(conn)
        .await
}

pub async fn find(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<SegmentRecord>> {
    sqlx::query_as(&format!("{SELECT} where g.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub const NAME_KEY: &str = "segments_name_key";
pub const NAME_TAKEN: &str = "There is already a segment with this name.";
pub const CONSTRAINTS: &[(&str, &str, &str)] = &[(NAME_KEY, "name", NAME_TAKEN)];

/// Saves a new segment (`id` none) or replaces one; `None` when it does not exist.
pub async fn save_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    id: Option<Uuid>,
    s: &SegmentInput,
) -> sqlx::Result<Option<Uuid>> {
    let definition = sqlx::types::Json(&s.definition);
    let saved = match id {
        None => {
            let id = Uuid::new_v4();
            sqlx::query(
                "insert into segments (tenant_id, id, name, description, definition, created_by)
                 values ($1, $2, $3, $4, $5, $6)",
            )
            .bind(actor.tenant_id)
            .bind(id)
            .bind(&s.name)
            .bind(&s.description)
            .bind(definition)
            .bind(actor.user_id)
            .execute(&mut *conn)
            .await?;
            id
        }
        Some(id) => {
            let n = sqlx::query(
                "update segments set name = $2, description = $3, definition = $4, updated_at = now()
                 where id = $1",
            )
            .bind(id)
            .bind(&s.name)
            .bind(&s.description)
            .bind(definition)
            .execute(&mut *conn)
            .await?
            .rows_affected();
            if n == 0 {
                return Ok(None);
            }
            id
        }
    };
    super::audit::record(
        conn,
        actor,
        if id.is_some() {
            "segment.update"
        } else {
            "segment.create"
        },
        "segment",
        Some(saved.to_string()),
        serde_json::json!({ "name": s.name, "definition": s.definition }),
    )
    .await?;
    Ok(Some(saved))
}

/// Deletes a segment no campaign uses. `Ok(None)`: not found; `Ok(Some(false))`: in use.
pub async fn delete_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    id: Uuid,
) -> sqlx::Result<Option<bool>> {
    let Some(seg) = find(conn, id).await? else {
        return Ok(None);
    };
    if seg.campaigns > 0 {
        return Ok(Some(false));
    }
    sqlx::query("delete from segments where id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    super::audit::record(
        conn,
        actor,
        "segment.delete",
        "segment",
        Some(id.to_string()),
        serde_json::json!({ "name": seg.name }),
    )
    .await?;
    Ok(Some(true))
}

/// Pushes the segment's conditions on stakeholders `s`, each starting with ` and`. Values
/// travel as bound parameters.
pub fn push_conditions(qb: &mut QueryBuilder<'_, Postgres>, d: &SegmentDefinition) {
    const CURRENT: &str = "(a.ends_on is null or a.ends_on >= current_date)";
    qb.push(" and s.status = 'active'");
    if !d.include_do_not_contact {
        qb.push(" and not s.do_not_contact");
    }
    if !d.kinds.is_empty() {
        qb.push(" and s.kind = any(")
            .push_bind(d.kinds.clone())
            .push(")");
    }
    if !d.taxonomy_codes.is_empty() {
        qb.push(" and s.taxonomy_code = any(")
            .push_bind(d.taxonomy_codes.clone())
            .push(")");
    }
    if !d.tiers.is_empty() {
        qb.push(" and s.tier = any(")
            .push_bind(d.tiers.clone())
            .push(")");
    }
    if !d.stages.is_empty() {
        qb.push(" and s.stage = any(")
            .push_bind(d.stages.clone())
            .push(")");
    }
    if !d.tags.is_empty() {
        let terms: Vec<String> = d.tags.iter().map(|t| tag_term(t)).collect();
        qb.push(" and s.id in (select stakeholder_id from stakeholder_terms where term = any(")
            .push_bind(terms)
            .push("))");
    }
    if !d.organization_ids.is_empty() {
        qb.push(" and s.id in (select a.stakeholder_id from affiliations a where ")
            .push(CURRENT)
            .push(" and a.organization_id = any(")
            .push_bind(d.organization_ids.clone())
            .push("))");
    }
    if !d.facility_ids.is_empty() {
        qb.push(" and s.id in (select a.stakeholder_id from affiliations a where ")
            .push(CURRENT)
            .push(" and a.facility_id = any(")
            .push_bind(d.facility_ids.clone())
            .push("))");
    }
    if !(d.states.is_empty() && d.cities.is_empty() && d.zips.is_empty()) {
        // Every place condition must hold for one current place of work.
        qb.push(
            " and s.id in (select a.stakeholder_id from affiliations a
               left join organizations o on o.tenant_id = a.tenant_id and o.id = a.organization_id
               left join facilities f on f.tenant_id = a.tenant_id and f.id = a.facility_id
               where ",
        )
        .push(CURRENT);
        if !d.states.is_empty() {
            qb.push(" and upper(coalesce(o.state, f.state)) = any(")
                .push_bind(d.states.clone())
                .push(")");
        }
        if !d.cities.is_empty() {
            qb.push(" and lower(coalesce(o.city, f.city)) = any(")
                .push_bind(d.cities.clone())
                .push(")");
        }
        if !d.zips.is_empty() {
            let (whole, prefixes) = d.zip_parts();
            qb.push(" and (left(coalesce(o.postal_code, f.postal_code), 5) = any(")
                .push_bind(whole)
                .push(") or left(coalesce(o.postal_code, f.postal_code), 3) = any(")
                .push_bind(prefixes)
                .push("))");
        }
        qb.push(")");
    }
    if !d.manager_ids.is_empty() {
        qb.push(" and s.id in (select stakeholder_id from assignments where ends_on is null and user_id = any(")
            .push_bind(d.manager_ids.clone())
            .push("))");
    }
}

/// How many stakeholders the definition matches now.
pub async fn count(conn: &mut PgConnection, d: &SegmentDefinition) -> sqlx::Result<i64> {
    let mut qb = QueryBuilder::new("select count(*) from stakeholders s where true");
    push_conditions(&mut qb, d);
    qb.build_query_scalar().fetch_one(conn).await
}

/// Everyone the definition matches now, at most `limit`.
pub async fn member_ids(
    conn: &mut PgConnection,
    d: &SegmentDefinition,
    limit: i64,
) -> sqlx::Result<Vec<Uuid>> {
    let mut qb = QueryBuilder::new("select s.id from stakeholders s where true");
    push_conditions(&mut qb, d);
    qb.push(" order by s.id limit ").push_bind(limit);
    qb.build_query_scalar().fetch_all(conn).await
}

/// One person of a preview or a member list.
#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct AudienceRow {
    pub id: Uuid,
    pub name: String,
    pub kind: String,
    pub specialty: Option<String>,
    pub tier: Option<String>,
    pub stage: Option<String>,
    /// The main current place of work.
    pub place: Option<String>,
}

impl AudienceRow {
    pub fn stage_label(&self) -> &'static str {
        self.stage
            .as_deref()
            .map(super::champions::stage_label)
            .unwrap_or("")
    }
}

/// The columns of an [`AudienceRow`] for stakeholders `s` (with taxonomy `t`).
pub fn audience_columns() -> String {
    format!(
        "s.id, {} as name, s.kind, t.display_name as specialty, s.tier, s.stage,
         (select coalesce(o.name, f.name) from affiliations a
            left join organizations o on o.tenant_id = a.tenant_id and o.id = a.organization_id
            left join facilities f on f.tenant_id = a.tenant_id and f.id = a.facility_id
          where a.stakeholder_id = s.id and (a.ends_on is null or a.ends_on >= current_date)
          order by a.is_primary desc, a.starts_on desc nulls last limit 1) as place",
        super::stakeholders::name_sql("s")
    )
}

/// A page of the people the definition matches, by name.
pub async fn preview(
    conn: &mut PgConnection,
    d: &SegmentDefinition,
    page: super::PageRequest,
) -> sqlx::Result<super::Page<AudienceRow>> {
    let mut count = QueryBuilder::new("select count(*) from stakeholders s where true");
    push_conditions(&mut count, d);
    let total: i64 = count.build_query_scalar().fetch_one(&mut *conn).await?;
    // The page's people first, then their columns (the place is a subquery per person).
    let mut qb = QueryBuilder::new(format!(
        "select {} from (select s.id from stakeholders s where true",
        audience_columns()
    ));
    push_conditions(&mut qb, d);
    qb.push(" order by lower(s.last_name), lower(s.first_name), s.id limit ")
        .push_bind(page.per_page)
        .push(" offset ")
        .push_bind(page.offset())
        .push(
            ") page join stakeholders s on s.id = page.id left join taxonomy t on t.code = s.taxonomy_code
             order by lower(s.last_name), lower(s.first_name), s.id",
        );
    let items = qb.build_query_as().fetch_all(&mut *conn).await?;
    Ok(super::Page {
        items,
        total,
        total_capped: false,
        page: page.page,
        per_page: page.per_page,
    })
}

/// Names of the organizations, facilities, specialties and users the definitions name,
/// keyed by (kind, id or code), for [`SegmentDefinition::summary`]: one query per kind for
/// all of them.
pub async fn names(
    conn: &mut PgConnection,
    defs: &[&SegmentDefinition],
) -> sqlx::Result<HashMap<(String, String), String>> {
    let mut out = HashMap::new();
    let ids = |pick: fn(&SegmentDefinition) -> &Vec<Uuid>| -> Vec<Uuid> {
        defs.iter().flat_map(|d| pick(d).iter().copied()).collect()
    };
    let lookups: [(&str, &str, Vec<String>); 4] = [
        (
            "organization",
            "select id::text, name from organizations where id = any($1::uuid[])",
            ids(|d| &d.organization_ids)
                .iter()
                .map(Uuid::to_string)
                .collect(),
        ),
        (
            "facility",
            "select id::text, name from facilities where id = any($1::uuid[])",
            ids(|d| &d.facility_ids)
                .iter()
                .map(Uuid::to_string)
                .collect(),
        ),
        (
            "user",
            "select id::text, name from users where id = any($1::uuid[])",
            ids(|d| &d.manager_ids)
                .iter()
                .map(Uuid::to_string)
                .collect(),
        ),
        (
            "taxonomy",
            "select code, display_name from taxonomy where code = any($1)",
            defs.iter()
                .flat_map(|d| d.taxonomy_codes.iter().cloned())
                .collect(),
        ),
    ];
    for (kind, sql, keys) in lookups {
        if keys.is_empty() {
            continue;
        }
        let rows: Vec<(String, String)> = sqlx::query_as(sql)
            .bind(&keys)
            .fetch_all(&mut *conn)
            .await?;
        for (k, v) in rows {
            out.insert((kind.to_string(), k), v);
        }
    }
    Ok(out)
}

/// The definitions in words, in order, with names looked up once for all of them.
pub async fn summaries(
    conn: &mut PgConnection,
    defs: &[&SegmentDefinition],
) -> sqlx::Result<Vec<String>> {
    let names = names(conn, defs).await?;
    Ok(defs
        .iter()
        .map(|d| {
            d.summary(&|kind, v| {
                names
                    .get(&(kind.to_string(), v.to_string()))
                    .cloned()
                    .unwrap_or_else(|| format!("(removed {kind})"))
            })
        })
        .collect())
}

/// The definition in words, with names looked up.
pub async fn summary(conn: &mut PgConnection, d: &SegmentDefinition) -> sqlx::Result<String> {
    Ok(summaries(conn, &[d]).await?.pop().unwrap_or_default())
}
