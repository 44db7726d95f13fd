//! Influence links between stakeholders; a change marks the influence scores
//! ([`super::influence_scores`]) stale.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::audit::Actor;
use crate::domain::{InfluenceInput, InfluenceKind};

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct InfluenceRow {
    pub id: Uuid,
    pub from_id: Uuid,
    pub from_name: String,
    pub to_id: Uuid,
    pub to_name: String,
    /// refers_to, opinion_leader, peer or family_friend.
    pub kind: String,
    /// 1 to 5.
    pub strength: i16,
    /// entered or referrals.
    pub source: String,
    pub note: Option<String>,
    pub updated_at: DateTime<Utc>,
}

impl InfluenceRow {
    pub fn kind_label(&self) -> &'static str {
        InfluenceKind::parse(&self.kind)
            .map(InfluenceKind::label)
            .unwrap_or("Influences")
    }

    /// The strength as filled dots, for lists.
    pub fn dots(&self) -> String {
        let n = self.strength.clamp(0, 5) as usize;
        format!("{}{}", "●".repeat(n), "○".repeat(5 - n))
    }
}

fn select(condition: &str) -> String {
    format!(
        "select l.id, l.from_id, {a} as from_name, l.to_id, {b} as to_name, l.kind, l.strength, l.source, l.note,
                l.updated_at
         from influence_links l
         join stakeholders a on a.id = l.from_id
         join stakeholders b on b.id = l.to_id
         where {condition}",
        a = super::stakeholders::name_sql("a"),
        b = super::stakeholders::name_sql("b"),
    )
}

/// Links from and to a stakeholder, strongest first.
pub async fn for_stakeholder(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Vec<InfluenceRow>> {
    sqlx::query_as(&format!(
        "{} order by l.strength desc, l.updated_at desc limit 500",
        select("(l.from_id = $1 or l.to_id = $1)")
    ))
    .bind(id)
    .fetch_all(conn)
    .await
}

pub async fn find(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<InfluenceRow>> {
    sqlx::query_as(&select("l.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Links of the workspace (optionally of one stakeholder, either end), newest first.
pub async fn list(
    conn: &mut PgConnection,
    stakeholder: Option<Uuid>,
    page: super::PageRequest,
) -> sqlx::Result<super::Page<InfluenceRow>> {
    let columns = format!(
        "l.id, l.from_id, {} as from_name, l.to_id, {} as to_name, l.kind, l.strength, l.source, l.note, l.updated_at",
        super::stakeholders::name_sql("a"),
        super::stakeholders::name_sql("b")
    );
    super::fetch_page(
        conn,
        &columns,
        "influence_links l join stakeholders a on a.id = l.from_id join stakeholders b on b.id = l.to_id",
        |qb| {
            qb.push(" where true");
            if let Some(s) = stakeholder {
                qb.push(" and (l.from_id = ")
                    .push_bind(s)
                    .push(" or l.to_id = ")
                    .push_bind(s)
                    .push(")");
            }
        },
        "l.updated_at desc, l.id",
        page,
    )
    .await
}

pub const CONSTRAINTS: &[(&str, &str, &str)] = &[
    (
        "influence_links_unique",
        "kind",
        "This link is already recorded; change its strength instead.",
    ),
    (
        "influence_links_tenant_id_from_id_fkey",
        "from_id",
        "That stakeholder does not exist.",
    ),
    (
        "influence_links_tenant_id_to_id_fkey",
        "to_id",
        "That stakeholder does not exist.",
    ),
    (
        "influence_links_not_self",
        "to_id",
        "A person cannot influence themselves.",
    ),
];

fn view(l: &InfluenceInput) -> serde_json::Value {
    serde_json::json!({ "from_id": l.from_id, "to_id": l.to_id, "kind": l.kind.as_str(), "strength": l.strength, "note": l.note })
}

/// Records a link (`id` none) or changes one, audited; `None` when the link is not found.
pub async fn save_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    id: Option<Uuid>,
    l: &InfluenceInput,
) -> sqlx::Result<Option<Uuid>> {
    match id {
        None => {
            let id = Uuid::new_v4();
            sqlx::query(
                "insert into influence_links (tenant_id, id, from_id, to_id, kind, strength, note)
                 values ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(actor.tenant_id)
            .bind(id)
            .bind(l.from_id)
            .bind(l.to_id)
            .bind(l.kind.as_str())
            .bind(l.strength)
            .bind(&l.note)
            .execute(&mut *conn)
            .await?;
            super::audit::record(
                conn,
                actor,
                "influence.create",
                "influence",
                Some(id.to_string()),
                view(l),
            )
            .await?;
            super::influence_scores::mark_stale(conn, actor.tenant_id).await?;
            Ok(Some(id))
        }
        Some(id) => {
            let Some(before) = find(&mut *conn, id).await? else {
                return Ok(None);
            };
            sqlx::query(
                "update influence_links set from_id = $2, to_id = $3, kind = $4, strength = $5, note = $6,
                    updated_at = now() where id = $1",
            )
            .bind(id)
            .bind(l.from_id)
            .bind(l.to_id)
            .bind(l.kind.as_str())
            .bind(l.strength)
            .bind(&l.note)
            .execute(&mut *conn)
            .await?;
            let old = serde_json::json!({ "from_id": before.from_id, "to_id": before.to_id, "kind": before.kind,
                "strength": before.strength, "note": before.note });
            super::audit::record(
                conn,
                actor,
                "influence.update",
                "influence",
                Some(id.to_string()),
                super::audit::diff(&old, &view(l)),
            )
            .await?;
            super::influence_scores::mark_stale(conn, actor.tenant_id).await?;
            Ok(Some(id))
        }
    }
}

pub async fn delete_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    id: Uuid,
) -> sqlx::Result<Option<InfluenceRow>> {
    let Some(before) = find(&mut *conn, id).await? else {
        return Ok(None);
    };
    sqlx::query("delete from influence_links where id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    super::audit::record(
        conn,
        actor,
        "influence.delete",
        "influence",
        Some(id.to_string()),
        serde_json::json!({ "from_id": before.from_id, "to_id": before.to_id, "kind": before.kind }),
    )
    .await?;
    super::influence_scores::mark_stale(conn, actor.tenant_id).await?;
    Ok(Some(before))
}
