//! The champion pipeline: stage moves with their history, and the board.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, QueryBuilder};
use uuid::Uuid;

use super::audit::Actor;
use crate::domain::{Stage, StageMove};

/// Moves each stakeholder in `ids` to the stage, recording who, when and why. Those already
/// there are left alone. Returns how many moved. Audited.
pub async fn move_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    ids: &[Uuid],
    m: &StageMove,
) -> sqlx::Result<u64> {
    let moved: Vec<(Uuid, Option<String>)> = sqlx::query_as(
        "with old as (
           select id, stage from stakeholders
           where id = any($1) and status <> 'merged' and stage is distinct from $2 for update
         ), moved as (
           update stakeholders s set stage = $2, stage_changed_at = now(), updated_at = now()
           from old where s.id = old.id returning s.id, old.stage as from_stage
         )
         insert into stage_changes (tenant_id, id, stakeholder_id, from_stage, to_stage, reason, changed_by)
         select $3, gen_random_uuid(), id, from_stage, $2, $4, $5 from moved
         returning stakeholder_id, from_stage",
    )
    .bind(ids)
    .bind(m.stage.as_str())
    .bind(actor.tenant_id)
    .bind(&m.reason)
    .bind(actor.user_id)
    .fetch_all(&mut *conn)
    .await?;
    for (id, from) in &moved {
        super::audit::record(
            &mut *conn,
            actor,
            "stakeholder.stage",
            "stakeholder",
            Some(id.to_string()),
            serde_json::json!({ "stage": { "from": from, "to": m.stage.as_str() }, "reason": m.reason }),
        )
        .await?;
    }
    Ok(moved.len() as u64)
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct StageChangeRow {
    pub id: Uuid,
    pub stakeholder_id: Uuid,
    pub stakeholder_name: String,
    pub from_stage: Option<String>,
    pub to_stage: String,
    pub reason: Option<String>,
    pub changed_by: Option<Uuid>,
    pub changed_by_name: Option<String>,
    pub changed_at: DateTime<Utc>,
}

pub fn stage_label(s: &str) -> &'static str {
    Stage::parse(s).map(Stage::label).unwrap_or("None")
}

impl StageChangeRow {
    pub fn from_label(&self) -> &'static str {
        self.from_stage
            .as_deref()
            .map(stage_label)
            .unwrap_or("No stage")
    }

    pub fn to_label(&self) -> &'static str {
        stage_label(&self.to_stage)
    }
}

fn select(condition: &str) -> String {
    format!(
        "select c.id, c.stakeholder_id, {name} as stakeholder_name, c.from_stage, c.to_stage, c.reason,
                c.changed_by, u.name as changed_by_name, c.changed_at
         from stage_changes c
         join stakeholders s on s.id = c.stakeholder_id
         left join users u on u.id = c.changed_by
         where {condition}",
        name = super::stakeholders::name_sql("s")
    )
}

/// A stakeholder's moves, newest first.
pub async fn history(
    conn: &mut PgConnection,
    stakeholder: Uuid,
) -> sqlx::Result<Vec<StageChangeRow>> {
    sqlx::query_as(&format!(
        "{} order by c.changed_at desc, c.id limit 200",
        select("c.stakeholder_id = $1")
    ))
    .bind(stakeholder)
    .fetch_all(conn)
    .await
}

/// Moves across the workspace, newest first (optionally of one stakeholder).
pub async fn list(
    conn: &mut PgConnection,
    stakeholder: Option<Uuid>,
    page: super::PageRequest,
) -> sqlx::Result<super::Page<StageChangeRow>> {
    let columns = format!(
        "c.id, c.stakeholder_id, {} as stakeholder_name, c.from_stage, c.to_stage, c.reason, c.changed_by,
         u.name as changed_by_name, c.changed_at",
        super::stakeholders::name_sql("s")
    );
    super::fetch_page(
        conn,
        &columns,
        "stage_changes c join stakeholders s on s.id = c.stakeholder_id left join users u on u.id = c.changed_by",
        |qb| {
            qb.push(" where true");
            if let Some(s) = stakeholder {
                qb.push(" and c.stakeholder_id = ").push_bind(s);
            }
        },
        "c.changed_at desc, c.id",
        page,
    )
    .await
}

/// What the board shows.
#[derive(Clone, Debug, Default)]
pub struct BoardFilter {
    pub facility_id: Option<Uuid>,
    pub taxonomy_code: Option<String>,
    /// Current relationship manager (primary or secondary).
    pub user_id: Option<Uuid>,
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct BoardCard {
    pub id: Uuid,
    pub name: String,
    pub specialty: Option<String>,
    pub tier: Option<String>,
    pub stage: String,
    pub stage_changed_at: Option<DateTime<Utc>>,
    pub manager: Option<String>,
    /// People in this stage under the filter (all of them, not only the cards shown).
    pub in_stage: i64,
}

/// Cards shown per column.
pub const CARDS_PER_STAGE: i64 = 12;

/// The board's filter conditions on `s` (a stakeholder row).
fn push_board_filter<'a>(qb: &mut QueryBuilder<'a, sqlx::Postgres>, f: &'a BoardFilter) {
    if let Some(fac) = f.facility_id {
        qb.push(
            " and exists (select 1 from affiliations af where af.stakeholder_id = s.id and af.facility_id = ",
        )
        .push_bind(fac)
        .push(" and (af.ends_on is null or af.ends_on >= current_date))");
    }
    if let Some(code) = &f.taxonomy_code {
        qb.push(" and s.taxonomy_code = ").push_bind(code);
    }
    if let Some(user) = f.user_id {
        qb.push(" and exists (select 1 from assignments a where a.stakeholder_id = s.id and a.ends_on is null and a.user_id = ")
            .push_bind(user)
            .push(")");
    }
}

/// The board: for each stage its count and its most recently moved people. Each column is a
/// walk down the stage index, newest move first, that stops after a column's worth.
pub async fn board(conn: &mut PgConnection, f: &BoardFilter) -> sqlx::Result<Vec<BoardCard>> {
    let mut counts = QueryBuilder::new(
        "select s.stage, count(*) from stakeholders s where s.status = 'active' and s.stage is not null",
    );
    push_board_filter(&mut counts, f);
    counts.push(" group by s.stage");
    let counts: Vec<(String, i64)> = counts.build_query_as().fetch_all(&mut *conn).await?;
    let stages: Vec<&str> = Stage::ALL.iter().map(|s| s.as_str()).collect();
    let mut qb = QueryBuilder::new(format!(
        "select c.id, {name} as name, t.display_name as specialty, c.tier, c.stage, c.stage_changed_at,
                (select u.name from assignments a join users u on u.id = a.user_id
                 where a.stakeholder_id = c.id and a.ends_on is null and a.role = 'primary') as manager,
                0::int8 as in_stage
         from unnest(",
        name = super::stakeholders::name_sql("c")
    ));
    qb.push_bind(stages).push(
        "::text[]) with ordinality as st(stage, ord)
         cross join lateral (select s.* from stakeholders s
            where s.stage = st.stage and s.status = 'active'",
    );
    push_board_filter(&mut qb, f);
    qb.push(" order by s.stage_changed_at desc nulls last, s.id limit ")
        .push_bind(CARDS_PER_STAGE)
        .push(") c left join taxonomy t on t.code = c.taxonomy_code order by st.ord, c.stage_changed_at desc nulls last, c.id");
    let mut cards: Vec<BoardCard> = qb.build_query_as().fetch_all(conn).await?;
    for card in &mut cards {
        card.in_stage = counts
            .iter()
            .find(|(stage, _)| *stage == card.stage)
            .map(|(_, n)| *n)
            .unwrap_or(0);
    }
    Ok(cards)
}
