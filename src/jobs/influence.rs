//! Recomputing influence scores ([`crate::analytics::influence`]) for a workspace: after each
//! import that wrote something, and nightly for every workspace whose scores are a day old.
//! One recomputation per workspace at a time (an advisory lock); the scores are replaced in
//! one transaction, so pages read either the old set or the new one.

use std::collections::HashMap;
use std::time::Duration;

use sqlx::PgPool;
use uuid::Uuid;

use crate::analytics::influence::{Edge, pagerank, top_contributors};
use crate::db;
use crate::db::audit::Actor;
use crate::db::influence_scores::{NewScore, Reason};
use crate::domain::TenantId;
use crate::postgres::tenant_tx;

/// Reasons kept per person.
const REASONS: usize = 3;
/// How often the nightly pass looks for workspaces whose scores are stale.
const CHECK_EVERY: Duration = Duration::from_secs(15 * 60);
/// Scores older than this are recomputed.
const STALE_AFTER_HOURS: i64 = 24;

/// What a recomputation found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recomputed {
    pub people: usize,
    pub edges: usize,
}

/// Recomputes `tenant`'s influence scores and audits it.
pub async fn recompute(pool: &PgPool, tenant: TenantId) -> anyhow::Result<Recomputed> {
    Ok(run(pool, tenant, false).await?.unwrap_or(Recomputed {
        people: 0,
        edges: 0,
    }))
}

/// Recomputes under the workspace's lock; with `only_if_stale`, does nothing (`None`) when
/// someone else recomputed while this one waited for the lock.
async fn run(
    pool: &PgPool,
    tenant: TenantId,
    only_if_stale: bool,
) -> anyhow::Result<Option<Recomputed>> {
    let mut tx = tenant_tx(pool, tenant).await?;
    sqlx::query("select pg_advisory_xact_lock(hashtextextended('influence:' || $1::text, 0))")
        .bind(tenant)
        .execute(&mut *tx)
        .await?;
    if only_if_stale && !db::influence_scores::needs_recompute(&mut tx).await? {
        tx.commit().await?;
        return Ok(None);
    }
    let graph = db::influence_scores::graph(&mut tx).await?;
    let mut index: HashMap<Uuid, usize> = HashMap::new();
    let mut ids: Vec<Uuid> = Vec::new();
    let mut node = |id: Uuid| {
        *index.entry(id).or_insert_with(|| {
            ids.push(id);
            ids.len() - 1
        })
    };
    let edges: Vec<Edge> = graph
        .iter()
        .map(|e| Edge {
            from: node(e.from_id),
            to: node(e.to_id),
            weight: e.weight,
        })
        .collect();
    let scores = pagerank(ids.len(), &edges);
    let reasons = top_contributors(&edges, &scores, REASONS);
    let mut order: Vec<usize> = (0..ids.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(ids[a].cmp(&ids[b])));
    let rows: Vec<NewScore> = order
        .iter()
        .enumerate()
        .map(|(rank, &i)| NewScore {
            stakeholder_id: ids[i],
            score: scores[i],
            rank: rank as i32 + 1,
            reasons: reasons[i]
                .iter()
                .map(|&(from, share)| Reason {
                    id: ids[from],
                    share,
                })
                .collect(),
        })
        .collect();
    let people = i32::try_from(ids.len()).unwrap_or(i32::MAX);
    let edge_count = i32::try_from(edges.len()).unwrap_or(i32::MAX);
    db::influence_scores::replace(&mut tx, tenant, people.max(1), &rows).await?;
    db::influence_scores::record_run(&mut tx, tenant, people, edge_count).await?;
    let actor = Actor {
        tenant_id: tenant,
        user_id: None,
        ip: None,
        request_id: Some("influence".into()),
    };
    db::audit::record(
        &mut tx,
        &actor,
        "influence.recompute",
        "workspace",
        Some(tenant.to_string()),
        serde_json::json!({ "people": people, "edges": edge_count }),
    )
    .await?;
    tx.commit().await?;
    Ok(Some(Recomputed {
        people: ids.len(),
        edges: edges.len(),
    }))
}

/// Recomputes `tenant`'s scores first if they are stale or were never computed, so a list
/// read next reflects the latest links.
pub async fn ensure_fresh(pool: &PgPool, tenant: TenantId) -> anyhow::Result<()> {
    let mut tx = tenant_tx(pool, tenant).await?;
    let needed = db::influence_scores::needs_recompute(&mut tx).await?;
    tx.commit().await?;
    if needed {
        // Two readers may both find the scores stale: the second waits for the first's lock
        // and then finds nothing to do.
        run(pool, tenant, true).await?;
    }
    Ok(())
}

/// Recomputes every workspace whose scores are a day old (or were never computed), now and
/// then every [`CHECK_EVERY`], for as long as the process runs.
pub fn spawn_nightly(pool: PgPool) {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(CHECK_EVERY);
        loop {
            ticks.tick().await;
            if let Err(e) = recompute_stale(&pool).await {
                tracing::warn!(error = %e, "influence scores: nightly pass");
            }
        }
    });
}

async fn recompute_stale(pool: &PgPool) -> anyhow::Result<()> {
    let tenants: Vec<Uuid> = sqlx::query_scalar("select id from tenants order by id")
        .fetch_all(pool)
        .await?;
    for id in tenants {
        let tenant = TenantId(id);
        let mut tx = tenant_tx(pool, tenant).await?;
        // Stale scores count as never computed.
        let last = db::influence_scores::last_run(&mut tx).await?;
        tx.commit().await?;
        let stale = last
            .is_none_or(|at| chrono::Utc::now() - at > chrono::Duration::hours(STALE_AFTER_HOURS));
        if stale {
            match recompute(pool, tenant).await {
                Ok(r) => {
                    tracing::info!(tenant.id = %tenant, people = r.people, edges = r.edges, "influence scores recomputed")
                }
                Err(e) => tracing::warn!(tenant.id = %tenant, error = %e, "influence scores"),
            }
        }
    }
    Ok(())
}
