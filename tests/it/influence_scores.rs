//! Influence scores: recomputed from referral edges and entered influence links, replaced
//! whole, ranked with reasons, audited, and kept to their workspace.

use rapport::domain::TenantId;
use rapport::jobs::influence::{Recomputed, recompute};
use uuid::Uuid;

use crate::helpers::TestApp;

/// Adds "Pat <name>" with NPI 100000000<n> for each name, in order.
async fn physicians(app: &TestApp, tenant: TenantId, names: &[&str]) {
    let owned: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    app.add_people(tenant, &owned).await;
    for (i, name) in names.iter().enumerate() {
        app.owner_exec(
            tenant,
            &format!("update stakeholders set npi = '100000000{i}' where last_name = '{name}'"),
        )
        .await;
    }
}

async fn referral(app: &TestApp, tenant: TenantId, from: usize, to: usize, count: i32) {
    app.owner_exec(
        tenant,
        &format!(
            "insert into referrals (tenant_id, from_npi, to_npi, period, count, source)
             values ('{tenant}', '100000000{from}', '100000000{to}', '2026-01-01', {count}, 'test')"
        ),
    )
    .await;
}

async fn id_of(app: &TestApp, tenant: TenantId, name: &str) -> Uuid {
    let mut tx = rapport::postgres::tenant_tx(&app.pools.app, tenant)
        .await
        .expect("tx");
    let id = sqlx::query_scalar("select id from stakeholders where last_name = $1")
        .bind(name)
        .fetch_one(&mut *tx)
        .await
        .expect("id");
    tx.commit().await.expect("commit");
    id
}

#[tokio::test]
async fn the_physician_others_refer_to_ranks_first_with_the_referrers_as_reasons() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("mercy").await;
    let other = app.create_tenant("other").await;
    physicians(&app, tenant, &["Adams", "Baker", "Chen", "Diaz", "Evans"]).await;
    physicians(&app, other, &["Elsewhere", "Nobody"]).await;
    referral(&app, tenant, 0, 2, 10).await;
    referral(&app, tenant, 1, 2, 10).await;
    referral(&app, tenant, 3, 2, 4).await;
    referral(&app, other, 0, 1, 50).await;
    let (adams, chen, evans) = (
        id_of(&app, tenant, "Adams").await,
        id_of(&app, tenant, "Chen").await,
        id_of(&app, tenant, "Evans").await,
    );
    // Evans influences Adams (entered); a link an import derived is not counted again.
    app.owner_exec(
        tenant,
        &format!(
            "insert into influence_links (tenant_id, id, from_id, to_id, kind, strength, source)
             values ('{tenant}', gen_random_uuid(), '{evans}', '{adams}', 'opinion_leader', 5, 'entered'),
                    ('{tenant}', gen_random_uuid(), '{adams}', '{chen}', 'refers_to', 5, 'referrals')"
        ),
    )
    .await;

    let result = recompute(&app.pools.app, tenant).await.expect("recompute");
    assert_eq!(
        result,
        Recomputed {
            people: 5,
            edges: 4
        }
    );
    let top: (Uuid, i32, f64) = {
        let mut tx = rapport::postgres::tenant_tx(&app.pools.app, tenant)
            .await
            .unwrap();
        let row = sqlx::query_as(
            "select stakeholder_id, rank, score from influence_scores order by rank limit 1",
        )
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
        row
    };
    assert_eq!(top.0, chen, "everyone refers to Chen");
    assert_eq!(top.1, 1);
    let mut tx = rapport::postgres::tenant_tx(&app.pools.app, tenant)
        .await
        .unwrap();
    let score = rapport::db::influence_scores::for_stakeholder(&mut tx, chen)
        .await
        .unwrap()
        .expect("Chen's score");
    tx.commit().await.unwrap();
    assert_eq!(score.people, 5);
    assert!(score.times_average() > 1.0);
    let reasons: Vec<Uuid> = score.reasons.0.iter().map(|r| r.id).collect();
    assert_eq!(reasons.len(), 3, "Adams, Baker and Diaz send to Chen");
    assert!(reasons.contains(&adams));
    assert!(
        score
            .reasons
            .0
            .iter()
            .all(|r| r.share > 0.0 && r.share < 1.0)
    );
    let rank = |id: Uuid| {
        let app = &app;
        async move {
            app.count(
                tenant,
                &format!("select rank::bigint from influence_scores where stakeholder_id = '{id}'"),
            )
            .await
        }
    };
    let baker = id_of(&app, tenant, "Baker").await;
    assert!(
        rank(evans).await < rank(baker).await,
        "Evans, whom Adams looks to, outranks Baker, whom nobody sends to"
    );

    // Again: replaced, not added to; audited each time; the other workspace untouched.
    recompute(&app.pools.app, tenant).await.expect("again");
    assert_eq!(
        app.count(tenant, "select count(*) from influence_scores")
            .await,
        5
    );
    assert_eq!(
        app.count(
            tenant,
            "select count(*) from audit_events where action = 'influence.recompute'"
        )
        .await,
        2
    );
    assert_eq!(
        app.count(other, "select count(*) from influence_scores")
            .await,
        0
    );
    assert_eq!(
        app.count(other, "select count(*) from influence_runs")
            .await,
        0
    );
}

#[tokio::test]
async fn an_empty_graph_and_archived_people_leave_no_scores() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("mercy").await;
    let empty = recompute(&app.pools.app, tenant).await.expect("empty");
    assert_eq!(
        empty,
        Recomputed {
            people: 0,
            edges: 0
        }
    );
    assert_eq!(
        app.count(tenant, "select count(*) from influence_runs")
            .await,
        1
    );
    physicians(&app, tenant, &["Adams", "Baker"]).await;
    referral(&app, tenant, 0, 1, 3).await;
    app.owner_exec(
        tenant,
        "update stakeholders set status = 'archived' where last_name = 'Baker'",
    )
    .await;
    let archived = recompute(&app.pools.app, tenant).await.expect("archived");
    assert_eq!(
        archived,
        Recomputed {
            people: 0,
            edges: 0
        }
    );
    assert_eq!(
        app.count(tenant, "select count(*) from influence_scores")
            .await,
        0
    );
}

#[tokio::test]
async fn two_readers_of_stale_scores_recompute_them_once() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("mercy").await;
    physicians(&app, tenant, &["Adams", "Baker"]).await;
    referral(&app, tenant, 0, 1, 3).await;
    let pool = &app.pools.app;
    let (a, b) = tokio::join!(
        rapport::jobs::influence::ensure_fresh(pool, tenant),
        rapport::jobs::influence::ensure_fresh(pool, tenant)
    );
    a.expect("first");
    b.expect("second");
    assert_eq!(
        app.count(
            tenant,
            "select count(*) from audit_events where action = 'influence.recompute'"
        )
        .await,
        1
    );
    assert_eq!(
        app.count(tenant, "select count(*) from influence_scores")
            .await,
        2
    );
}
