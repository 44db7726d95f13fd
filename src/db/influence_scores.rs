//! Influence scores as stored: the graph they are computed from (referral edges between the
//! workspace's people and the influence links entered by hand), and the scores themselves,
//! replaced whole on each recomputation.

use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::domain::TenantId;

/// How much one point of an entered link's strength (1 to 5) weighs against one referral: a
/// strength-5 link counts like 50 referrals.
pub const LINK_WEIGHT: f64 = 10.0;

/// One edge of the graph: `from` gives weight to `to` ("trusts", "looks to").
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GraphEdge {
    pub from_id: Uuid,
    pub to_id: Uuid,
    pub weight: f64,
}

/// The graph: a referral A → B is A trusting B; "A influences B" is B looking to A. Referral
/// links that imports derived from the referral data are left out (the referrals count
/// already); archived people are left out.
pub async fn graph(conn: &mut PgConnection) -> sqlx::Result<Vec<GraphEdge>> {
    sqlx::query_as(
        "select f.id as from_id, t.id as to_id, sum(r.count)::float8 as weight
           from referrals r
           join stakeholders f on f.tenant_id = r.tenant_id and f.npi = r.from_npi and f.status = 'active'
           join stakeholders t on t.tenant_id = r.tenant_id and t.npi = r.to_npi and t.status = 'active'
          where r.to_npi is not null and r.count > 0 and f.id <> t.id
          group by f.id, t.id
         union all
         select l.to_id, l.from_id, l.strength * $1::float8
           from influence_links l
           join stakeholders a on a.id = l.from_id and a.status = 'active'
           join stakeholders b on b.id = l.to_id and b.status = 'active'
          where l.source = 'entered'",
    )
    .bind(LINK_WEIGHT)
    .fetch_all(conn)
    .await
}

/// Why a person scores as they do: someone who gives them part of it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Reason {
    pub id: Uuid,
    /// The part of the person's score this one gives.
    pub share: f64,
}

/// A score to store.
#[derive(Debug, Clone)]
pub struct NewScore {
    pub stakeholder_id: Uuid,
    pub score: f64,
    pub rank: i32,
    pub reasons: Vec<Reason>,
}

/// Replaces the workspace's scores with `scores` (computed over `people` people).
pub async fn replace(
    conn: &mut PgConnection,
    tenant: TenantId,
    people: i32,
    scores: &[NewScore],
) -> sqlx::Result<()> {
    sqlx::query("delete from influence_scores")
        .execute(&mut *conn)
        .await?;
    for batch in scores.chunks(10_000) {
        let ids: Vec<Uuid> = batch.iter().map(|s| s.stakeholder_id).collect();
        let values: Vec<f64> = batch.iter().map(|s| s.score).collect();
        let ranks: Vec<i32> = batch.iter().map(|s| s.rank).collect();
        let reasons: Vec<serde_json::Value> = batch
            .iter()
            .map(|s| serde_json::to_value(&s.reasons).unwrap_or_default())
            .collect();
        sqlx::query(
            "insert into influence_scores (tenant_id, stakeholder_id, score, rank, people, reasons)
             select $1, u.id, u.score, u.rank, $2, u.reasons
               from unnest($3::uuid[], $4::float8[], $5::int[], $6::jsonb[]) as u(id, score, rank, reasons)",
        )
        .bind(tenant)
        .bind(people)
        .bind(&ids)
        .bind(&values)
        .bind(&ranks)
        .bind(&reasons)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// A person's stored score.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ScoreRow {
    pub stakeholder_id: Uuid,
    pub score: f64,
    pub rank: i32,
    pub people: i32,
    pub reasons: sqlx::types::Json<Vec<Reason>>,
    pub computed_at: chrono::DateTime<chrono::Utc>,
}

impl ScoreRow {
    /// The score against the average person in the graph (1.0 is average).
    pub fn times_average(&self) -> f64 {
        self.score * f64::from(self.people)
    }
}

/// One person's score, if they are in the graph.
pub async fn for_stakeholder(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<ScoreRow>> {
    sqlx::query_as(
        "select stakeholder_id, score, rank, people, reasons, computed_at
           from influence_scores where stakeholder_id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// Notes that the workspace's scores were computed now, over `people` and `edges`.
pub async fn record_run(
    conn: &mut PgConnection,
    tenant: TenantId,
    people: i32,
    edges: i32,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into influence_runs (tenant_id, computed_at, people, edges, stale) values ($1, now(), $2, $3, false)
         on conflict (tenant_id) do update set computed_at = now(), people = $2, edges = $3, stale = false",
    )
    .bind(tenant)
    .bind(people)
    .bind(edges)
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks the workspace's scores out of date (an influence link changed).
pub async fn mark_stale(conn: &mut PgConnection, tenant: TenantId) -> sqlx::Result<()> {
    sqlx::query(
        "insert into influence_runs (tenant_id, stale) values ($1, true)
         on conflict (tenant_id) do update set stale = true",
    )
    .bind(tenant)
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether the scores must be computed before they are read: never computed, or stale.
pub async fn needs_recompute(conn: &mut PgConnection) -> sqlx::Result<bool> {
    let stale: Option<bool> = sqlx::query_scalar("select stale from influence_runs")
        .fetch_optional(conn)
        .await?;
    Ok(stale.unwrap_or(true))
}

/// When the workspace's scores were last computed, if ever.
pub async fn last_run(
    conn: &mut PgConnection,
) -> sqlx::Result<Option<chrono::DateTime<chrono::Utc>>> {
    sqlx::query_scalar("select computed_at from influence_runs where not stale")
        .fetch_optional(conn)
        .await
}

/// One row of the key-influencers list.
#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct InfluencerRow {
    pub id: Uuid,
    pub name: String,
    pub specialty: Option<String>,
    pub stage: Option<String>,
    /// 1 is the most influential in the workspace.
    pub rank: i32,
    /// Their influence against the average person in the graph (2.0: twice the average).
    pub times_average: f64,
    /// Who gives them the most of it (refers to them, or looks to them), largest first.
    pub reasons: Vec<String>,
    /// Each reason's part of their influence, 0 to 1, in the same order.
    pub reason_shares: Vec<f64>,
}

impl InfluencerRow {
    /// The reasons with their shares as percentages, for the list.
    pub fn why(&self) -> Vec<(String, String)> {
        self.reasons
            .iter()
            .zip(&self.reason_shares)
            .map(|(name, share)| (name.clone(), format!("{:.0}%", share * 100.0)))
            .collect()
    }
}

/// The people others refer to or look to, most influential first: everyone with a score
/// that someone gives them (people who only send are not influencers).
pub async fn key_influencers(
    conn: &mut PgConnection,
    page: super::PageRequest,
) -> sqlx::Result<super::Page<InfluencerRow>> {
    let columns = format!(
        "s.id, {} as name, t.display_name as specialty, s.stage, sc.rank, sc.score * sc.people as times_average,
         array(select {} from jsonb_array_elements(sc.reasons) with ordinality as e(v, ord)
                 join stakeholders b on b.id = (e.v ->> 'id')::uuid order by e.ord) as reasons,
         array(select (e.v ->> 'share')::float8 from jsonb_array_elements(sc.reasons) with ordinality as e(v, ord)
                 join stakeholders b on b.id = (e.v ->> 'id')::uuid order by e.ord) as reason_shares",
        super::stakeholders::name_sql("s"),
        super::stakeholders::name_sql("b")
    );
    super::fetch_page(
        conn,
        &columns,
        "influence_scores sc join stakeholders s on s.id = sc.stakeholder_id
         left join taxonomy t on t.code = s.taxonomy_code",
        |qb| {
            qb.push(" where s.status = 'active' and jsonb_array_length(sc.reasons) > 0");
        },
        "sc.rank",
        page,
    )
    .await
}
