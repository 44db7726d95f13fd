//! Duplicates: the likely-pairs list, the merge preview, and the merge that keeps every
//! related record.

use rapport::domain::{Role, TenantId};
use reqwest::StatusCode;
use uuid::Uuid;

use crate::helpers::{TestApp, location};

async fn id_of(app: &TestApp, tenant: TenantId, sql: &str) -> Uuid {
    let mut tx = rapport::postgres::tenant_tx(&app.pools.app, tenant)
        .await
        .expect("tx");
    let id: Uuid = sqlx::query_scalar(sql)
        .fetch_one(&mut *tx)
        .await
        .expect("id");
    tx.commit().await.expect("commit");
    id
}

/// "Katherine Ng" with an NPI, and "Kathrine Ng" without, sharing a phone; each with some
/// history. Returns (with NPI, without).
async fn a_pair(app: &TestApp, tenant: TenantId) -> (Uuid, Uuid) {
    app.owner_exec(
        tenant,
        &format!(
            "insert into stakeholders (tenant_id, id, kind, first_name, last_name, npi, phones, tags, tier)
             values ('{tenant}', gen_random_uuid(), 'physician', 'Katherine', 'Ng', '1234567893', '{{\"(503) 555-0101\"}}', '{{heart}}', 'B'),
                    ('{tenant}', gen_random_uuid(), 'physician', 'Kathrine', 'Ng', null, '{{\"503-555-0101\"}}', '{{board}}', 'A');"
        ),
    )
    .await;
    let keep = id_of(
        app,
        tenant,
        "select id from stakeholders where first_name = 'Katherine'",
    )
    .await;
    let other = id_of(
        app,
        tenant,
        "select id from stakeholders where first_name = 'Kathrine'",
    )
    .await;
    let topic = id_of(
        app,
        tenant,
        "select id from feedback_topics order by name limit 1",
    )
    .await;
    app.owner_exec(
        tenant,
        &format!(
            "insert into feedback (tenant_id, id, stakeholder_id, topic_id, sentiment, body)
               values ('{tenant}', gen_random_uuid(), '{other}', '{topic}', -1, 'Parking is hard');
             insert into stage_changes (tenant_id, id, stakeholder_id, to_stage) values ('{tenant}', gen_random_uuid(), '{other}', 'engaged');
             update stakeholders set stage = 'engaged' where id = '{other}';
             insert into influence_links (tenant_id, id, from_id, to_id, kind, strength)
               values ('{tenant}', gen_random_uuid(), '{other}', '{keep}', 'peer', 3);"
        ),
    )
    .await;
    (keep, other)
}

#[tokio::test]
async fn a_likely_pair_is_listed_and_merging_keeps_every_related_record() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Marketer).await;
    let (keep, other) = a_pair(&app, s.tenant).await;

    let page = s.text("/stakeholders/duplicates").await;
    assert!(
        page.contains("Kathrine Ng") && page.contains("same phone"),
        "{page}"
    );
    assert!(
        page.contains(&format!("keep={keep}&amp;other={other}")),
        "the record with an NPI is offered as the one to keep"
    );

    let preview = s
        .text(&format!("/stakeholders/merge?keep={keep}&other={other}"))
        .await;
    assert!(
        preview.contains("1 feedback items") || preview.contains("1 feedback item"),
        "{preview}"
    );
    assert!(
        preview.contains("heart, board"),
        "tags are joined in the result"
    );

    let r = s
        .post(
            "/stakeholders/merge",
            &[("keep", &keep.to_string()), ("other", &other.to_string())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("/stakeholders/{keep}"));

    let q = |sql: &str| {
        sql.replace("$keep", &keep.to_string())
            .replace("$other", &other.to_string())
    };
    assert_eq!(
        app.count(
            s.tenant,
            &q("select count(*) from feedback where stakeholder_id = '$keep'")
        )
        .await,
        1
    );
    assert_eq!(
        app.count(
            s.tenant,
            &q("select count(*) from stage_changes where stakeholder_id = '$keep'")
        )
        .await,
        1
    );
    assert_eq!(
        app.count(s.tenant, "select count(*) from influence_links")
            .await,
        0,
        "a link between the two vanishes"
    );
    assert_eq!(
        app.count(s.tenant, &q("select count(*) from stakeholders where id = '$keep' and tier = 'A' and stage = 'engaged' and tags = '{heart,board}'")).await,
        1
    );
    assert_eq!(
        app.count(s.tenant, &q("select count(*) from stakeholders where id = '$other' and status = 'merged' and merged_into = '$keep'")).await,
        1
    );
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from audit_events where action = 'stakeholder.merge'"
        )
        .await,
        1
    );
    // The merged-away address leads to the kept record; search finds only one.
    let r = s.get(&format!("/stakeholders/{other}")).await;
    assert_eq!(location(&r), format!("/stakeholders/{keep}"));
    let list = s.text("/stakeholders?q=ng&status=all").await;
    assert!(list.contains("Ng, Katherine"));
    assert!(
        !list.contains("Kathrine"),
        "the merged-away record leaves the lists"
    );
    assert!(
        !s.text("/stakeholders/duplicates")
            .await
            .contains("Kathrine")
    );
}

#[tokio::test]
async fn two_records_with_npis_are_never_merged() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Admin).await;
    let (keep, other) = a_pair(&app, s.tenant).await;
    app.owner_exec(
        s.tenant,
        &format!("update stakeholders set npi = '1245319599' where id = '{other}'"),
    )
    .await;
    let preview = s
        .text(&format!("/stakeholders/merge?keep={keep}&other={other}"))
        .await;
    assert!(preview.contains("two different people"));
    let r = s
        .post(
            "/stakeholders/merge",
            &[("keep", &keep.to_string()), ("other", &other.to_string())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from stakeholders where status = 'merged'"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn executives_and_other_workspaces_cannot_merge() {
    let app = TestApp::spawn().await;
    let exec = app.signed_in("mercy", Role::Executive).await;
    let (keep, other) = a_pair(&app, exec.tenant).await;
    let form = [("keep", keep.to_string()), ("other", other.to_string())];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        exec.post("/stakeholders/merge", &form).await.status(),
        StatusCode::FORBIDDEN
    );
    let stranger = app.signed_in("other", Role::Admin).await;
    assert_eq!(
        stranger.post("/stakeholders/merge", &form).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        stranger
            .get(&format!("/stakeholders/merge?keep={keep}&other={other}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert!(
        !stranger
            .text("/stakeholders/duplicates")
            .await
            .contains("Kathrine")
    );
    assert_eq!(
        app.count(
            exec.tenant,
            "select count(*) from stakeholders where status = 'merged'"
        )
        .await,
        0
    );
}
