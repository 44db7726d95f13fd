//! The relationship API twins: affiliations, assignments and the caller's book, stage
//! moves, influence links, key influencers and feedback, with roles and tenant isolation.

use rapport::domain::{Role, TenantId};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, caller, json_of};

/// Adds physicians with these last names and returns their ids in that order.
async fn people(app: &TestApp, tenant: TenantId, names: &[&str]) -> Vec<Uuid> {
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    app.add_people(tenant, &names).await;
    let mut ids = Vec::new();
    for n in &names {
        let mut tx = rapport::postgres::tenant_tx(&app.pools.app, tenant)
            .await
            .expect("tx");
        let id: Uuid = sqlx::query_scalar("select id from stakeholders where last_name = $1")
            .bind(n)
            .fetch_one(&mut *tx)
            .await
            .expect("person");
        tx.commit().await.expect("commit");
        ids.push(id);
    }
    ids
}

#[tokio::test]
async fn affiliations_round_trip_through_the_api() {
    let app = TestApp::spawn().await;
    let c = caller(&app, "mercy", Role::Liaison).await;
    let ids = people(&app, c.tenant, &["Okafor"]).await;
    let org = json_of(
        c.api
            .post(
                "/api/v1/organizations",
                &json!({ "name": "Bayside Cardiology", "kind": "practice" }),
            )
            .await,
    )
    .await;
    let r = c
        .api
        .post(
            "/api/v1/affiliations",
            &json!({ "stakeholder_id": ids[0], "organization_id": org["id"], "role": "practices_at",
                     "title": "Partner", "is_primary": true, "starts_on": "2021-03-01" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let a = json_of(r).await;
    assert_eq!(a["place_name"], "Bayside Cardiology");
    assert_eq!(a["is_primary"], true);
    let id = a["id"].as_str().expect("id").to_string();

    let r = c
        .api
        .put(
            &format!("/api/v1/affiliations/{id}"),
            &json!({ "organization_id": org["id"], "role": "owner", "starts_on": "2021-03-01", "ends_on": "2020-01-01" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(json_of(r).await["errors"]["ends_on"].is_string());

    let listed = json_of(
        c.api
            .get(&format!("/api/v1/affiliations?stakeholder_id={}", ids[0]))
            .await,
    )
    .await;
    assert_eq!(listed["total"], 1);

    assert_eq!(
        c.api
            .delete(&format!("/api/v1/affiliations/{id}"))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        c.api
            .get(&format!("/api/v1/affiliations/{id}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.count(
            c.tenant,
            "select count(*) from audit_events where action like 'affiliation.%'"
        )
        .await,
        2
    );
}

#[tokio::test]
async fn an_affiliation_needs_exactly_one_place_that_exists() {
    let app = TestApp::spawn().await;
    let c = caller(&app, "mercy", Role::Marketer).await;
    let ids = people(&app, c.tenant, &["Lind"]).await;
    let r = c
        .api
        .post(
            "/api/v1/affiliations",
            &json!({ "stakeholder_id": ids[0], "role": "privileges" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = c
        .api
        .post(
            "/api/v1/affiliations",
            &json!({ "stakeholder_id": ids[0], "facility_id": Uuid::new_v4(), "role": "privileges" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(json_of(r).await["errors"]["facility_id"].is_string());
    assert_eq!(
        app.count(c.tenant, "select count(*) from affiliations")
            .await,
        0
    );
}

#[tokio::test]
async fn a_new_primary_manager_ends_the_previous_one_and_the_book_shows_who_is_due() {
    let app = TestApp::spawn().await;
    let admin = caller(&app, "mercy", Role::Admin).await;
    let liaison_id = app
        .create_user(admin.tenant, Role::Liaison, "lee@mercy.test")
        .await;
    let ids = people(&app, admin.tenant, &["Due", "Fresh"]).await;
    for id in &ids {
        let r = admin
            .api
            .post(
                "/api/v1/assignments",
                &json!({ "stakeholder_id": id, "user_id": admin.user, "role": "primary" }),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let r = admin
        .api
        .post(
            "/api/v1/assignments",
            &json!({ "stakeholder_id": ids[0], "user_id": liaison_id.0, "role": "primary" }),
        )
        .await;
    let current = json_of(r).await;
    assert_eq!(current.as_array().map(Vec::len), Some(1));
    assert_eq!(current[0]["user_id"], liaison_id.0.to_string());
    let history = json_of(
        admin
            .api
            .get(&format!("/api/v1/assignments?stakeholder_id={}", ids[0]))
            .await,
    )
    .await;
    assert_eq!(history["total"], 2, "the ended assignment stays as history");

    // The admin keeps "Fresh": tier A, contacted 40 days ago, so 10 days overdue.
    app.owner_exec(
        admin.tenant,
        "update stakeholders set tier = 'A', last_contact_at = now() - interval '40 days' where last_name = 'Fresh'",
    )
    .await;
    let book = json_of(admin.api.get("/api/v1/my-stakeholders").await).await;
    assert_eq!(book["counts"]["total"], 1);
    assert_eq!(book["counts"]["overdue"], 1);
    assert_eq!(book["items"][0]["days_left"], -10);

    let r = admin
        .api
        .post(
            "/api/v1/assignments",
            &json!({ "stakeholder_id": ids[1], "user_id": Uuid::new_v4(), "role": "primary" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let end_id = history["items"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["ends_on"].is_null()))
        .map(|x| x["id"].as_str().unwrap_or_default().to_string())
        .expect("current");
    let ended = json_of(
        admin
            .api
            .post(&format!("/api/v1/assignments/{end_id}/end"), &json!({}))
            .await,
    )
    .await;
    assert!(ended["ends_on"].is_string());
}

#[tokio::test]
async fn stage_moves_record_who_when_and_why() {
    let app = TestApp::spawn().await;
    let c = caller(&app, "mercy", Role::Liaison).await;
    let ids = people(&app, c.tenant, &["Stage"]).await;
    let r = c
        .api
        .post(
            "/api/v1/stages",
            &json!({ "stakeholder_id": ids[0], "stage": "champion", "reason": "Spoke at grand rounds" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let moved = json_of(r).await;
    assert_eq!(moved["to_stage"], "champion");
    assert_eq!(moved["reason"], "Spoke at grand rounds");
    assert_eq!(moved["changed_by"], c.user.to_string());
    let again = c
        .api
        .post(
            "/api/v1/stages",
            &json!({ "stakeholder_id": ids[0], "stage": "champion" }),
        )
        .await;
    assert_eq!(
        again.status(),
        StatusCode::OK,
        "already there: nothing new recorded"
    );
    let bad = c
        .api
        .post(
            "/api/v1/stages",
            &json!({ "stakeholder_id": ids[0], "stage": "hero" }),
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let list = json_of(
        c.api
            .get(&format!("/api/v1/stages?stakeholder_id={}", ids[0]))
            .await,
    )
    .await;
    assert_eq!(list["total"], 1);
    let s = json_of(c.api.get(&format!("/api/v1/stakeholders/{}", ids[0])).await).await;
    assert_eq!(s["stage"], "champion");
    let filtered = json_of(c.api.get("/api/v1/stakeholders?stage=champion").await).await;
    assert_eq!(filtered["total"], 1);
}

#[tokio::test]
async fn influence_links_rank_key_influencers() {
    let app = TestApp::spawn().await;
    let c = caller(&app, "mercy", Role::Marketer).await;
    let ids = people(&app, c.tenant, &["Leader", "Follower", "Other"]).await;
    for (to, strength) in [(ids[1], 5), (ids[2], 4)] {
        let r = c
            .api
            .post(
                "/api/v1/influence-links",
                &json!({ "from_id": ids[0], "to_id": to, "kind": "opinion_leader", "strength": strength }),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let r = c
        .api
        .post(
            "/api/v1/influence-links",
            &json!({ "from_id": ids[2], "to_id": ids[1], "kind": "peer", "strength": 1 }),
        )
        .await;
    let peer = json_of(r).await;
    let dup = c
        .api
        .post(
            "/api/v1/influence-links",
            &json!({ "from_id": ids[0], "to_id": ids[1], "kind": "opinion_leader", "strength": 2 }),
        )
        .await;
    assert_eq!(dup.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let own = c
        .api
        .post(
            "/api/v1/influence-links",
            &json!({ "from_id": ids[0], "to_id": ids[0], "kind": "peer" }),
        )
        .await;
    assert_eq!(own.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let ranked = json_of(c.api.get("/api/v1/key-influencers").await).await;
    assert_eq!(ranked["items"][0]["id"], ids[0].to_string());
    assert_eq!(ranked["items"][0]["rank"], 1);
    assert!(
        ranked["items"][0]["times_average"]
            .as_f64()
            .expect("influence")
            > 1.0
    );
    let reasons = ranked["items"][0]["reasons"].to_string();
    assert!(
        reasons.contains("Pat Follower") && reasons.contains("Pat Other"),
        "{reasons}"
    );
    let of_follower = json_of(
        c.api
            .get(&format!(
                "/api/v1/influence-links?stakeholder_id={}",
                ids[1]
            ))
            .await,
    )
    .await;
    assert_eq!(of_follower["total"], 2);
    let peer_id = peer["id"].as_str().expect("id");
    let changed = json_of(
        c.api
            .put(
                &format!("/api/v1/influence-links/{peer_id}"),
                &json!({ "from_id": ids[2], "to_id": ids[1], "kind": "peer", "strength": 3 }),
            )
            .await,
    )
    .await;
    assert_eq!(changed["strength"], 3);
    assert_eq!(
        c.api
            .delete(&format!("/api/v1/influence-links/{peer_id}"))
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
}

#[tokio::test]
async fn feedback_closes_its_loop_through_the_api() {
    let app = TestApp::spawn().await;
    let c = caller(&app, "mercy", Role::Liaison).await;
    let ids = people(&app, c.tenant, &["Said"]).await;
    let topics = json_of(c.api.get("/api/v1/feedback-topics").await).await;
    let topic = topics
        .as_array()
        .and_then(|t| t.iter().find(|x| x["name"] == "Referral process"))
        .map(|t| t["id"].clone())
        .expect("seeded topic");
    let r = c
        .api
        .post(
            "/api/v1/feedback",
            &json!({ "stakeholder_id": ids[0], "topic_id": topic, "sentiment": -2,
                     "body": "Referral faxes go unanswered", "received_on": "2026-11-01" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let f = json_of(r).await;
    assert_eq!(f["due_on"], "2026-11-08");
    assert_eq!(f["owner_id"], c.user.to_string());
    assert_eq!(f["status"], "open");
    let id = f["id"].as_str().expect("id").to_string();

    let queue = json_of(c.api.get("/api/v1/feedback/queue").await).await;
    assert_eq!(queue[0]["open"], 1);
    assert_eq!(queue[0]["topic"], "Referral process");

    let r = c
        .api
        .post(
            &format!("/api/v1/feedback/{id}/step"),
            &json!({ "status": "resolved" }),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "resolving needs a resolution"
    );
    let r = c
        .api
        .post(
            &format!("/api/v1/feedback/{id}/step"),
            &json!({ "status": "resolved", "resolution": "Moved referrals to the e-referral inbox" }),
        )
        .await;
    let done = json_of(r).await;
    assert_eq!(done["status"], "resolved");
    assert!(done["closed_at"].is_string());
    let open = json_of(c.api.get("/api/v1/feedback").await).await;
    assert_eq!(open["total"], 0);
    let closed = json_of(c.api.get("/api/v1/feedback?status=closed").await).await;
    assert_eq!(closed["total"], 1);
    let bad = c
        .api
        .post(
            "/api/v1/feedback",
            &json!({ "stakeholder_id": ids[0], "topic_id": topic, "sentiment": 5, "body": "" }),
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem = json_of(bad).await;
    assert!(problem["errors"]["sentiment"].is_string() && problem["errors"]["body"].is_string());
}

#[tokio::test]
async fn executives_read_the_relationship_api_but_cannot_write() {
    let app = TestApp::spawn().await;
    let c = caller(&app, "mercy", Role::Executive).await;
    let ids = people(&app, c.tenant, &["Exec"]).await;
    for path in [
        "/api/v1/affiliations",
        "/api/v1/assignments",
        "/api/v1/stages",
        "/api/v1/influence-links",
        "/api/v1/key-influencers",
        "/api/v1/feedback",
        "/api/v1/feedback/queue",
        "/api/v1/my-stakeholders",
    ] {
        assert_eq!(c.api.get(path).await.status(), StatusCode::OK, "{path}");
    }
    for (path, body) in [
        (
            "/api/v1/stages",
            json!({ "stakeholder_id": ids[0], "stage": "engaged" }),
        ),
        (
            "/api/v1/assignments",
            json!({ "stakeholder_id": ids[0], "user_id": c.user, "role": "primary" }),
        ),
        (
            "/api/v1/influence-links",
            json!({ "from_id": ids[0], "to_id": Uuid::new_v4(), "kind": "peer" }),
        ),
        (
            "/api/v1/feedback",
            json!({ "stakeholder_id": ids[0], "topic_id": Uuid::new_v4(), "sentiment": 0, "body": "x" }),
        ),
    ] {
        assert_eq!(
            c.api.post(path, &body).await.status(),
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    assert_eq!(
        app.count(c.tenant, "select count(*) from stage_changes")
            .await,
        0
    );
}

#[tokio::test]
async fn another_workspaces_records_are_not_found_through_the_api() {
    let app = TestApp::spawn().await;
    let mercy = caller(&app, "mercy", Role::Admin).await;
    let other = caller(&app, "other", Role::Admin).await;
    let ids = people(&app, mercy.tenant, &["Mine", "Also"]).await;
    let link = json_of(
        mercy
            .api
            .post(
                "/api/v1/influence-links",
                &json!({ "from_id": ids[0], "to_id": ids[1], "kind": "peer", "strength": 2 }),
            )
            .await,
    )
    .await;
    let link_id = link["id"].as_str().expect("id");
    assert_eq!(
        other
            .api
            .get(&format!("/api/v1/influence-links/{link_id}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        other
            .api
            .delete(&format!("/api/v1/influence-links/{link_id}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        other
            .api
            .post(
                "/api/v1/stages",
                &json!({ "stakeholder_id": ids[0], "stage": "at_risk" })
            )
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        other
            .api
            .post(
                "/api/v1/assignments",
                &json!({ "stakeholder_id": ids[0], "user_id": other.user, "role": "primary" })
            )
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let cross = other
        .api
        .post(
            "/api/v1/influence-links",
            &json!({ "from_id": ids[0], "to_id": ids[1], "kind": "peer" }),
        )
        .await;
    assert_eq!(
        cross.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "mercy's people do not exist for other"
    );
    assert_eq!(
        json_of(other.api.get("/api/v1/influence-links").await).await["total"],
        0
    );
    assert_eq!(
        app.count(mercy.tenant, "select count(*) from stage_changes")
            .await,
        0
    );
}

#[tokio::test]
async fn the_openapi_document_lists_the_relationship_routes() {
    let app = TestApp::spawn().await;
    let doc: Value = reqwest::get(app.url("/api/v1/openapi.json"))
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    for path in [
        "/api/v1/affiliations",
        "/api/v1/affiliations/{id}",
        "/api/v1/assignments",
        "/api/v1/my-stakeholders",
        "/api/v1/stages",
        "/api/v1/influence-links",
        "/api/v1/key-influencers",
        "/api/v1/feedback",
        "/api/v1/feedback/{id}/step",
        "/api/v1/feedback/queue",
    ] {
        assert!(doc["paths"][path].is_object(), "{path}");
    }
}

#[tokio::test]
async fn timeline_duplicates_merge_cadence_and_board_through_the_api() {
    let app = TestApp::spawn().await;
    let admin = caller(&app, "mercy", Role::Admin).await;
    let ids = people(&app, admin.tenant, &["Twin", "Twine"]).await;
    app.owner_exec(
        admin.tenant,
        "update stakeholders set first_name = 'Katherine', last_name = 'Ng', phones = '{5035550101}' where last_name = 'Twin';
         update stakeholders set first_name = 'Kathrine', last_name = 'Ng', phones = '{503-555-0101}' where last_name = 'Twine';",
    )
    .await;
    let r = admin
        .api
        .post(
            "/api/v1/stages",
            &json!({ "stakeholder_id": ids[1], "stage": "supporter" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let timeline = json_of(
        admin
            .api
            .get(&format!("/api/v1/stakeholders/{}/timeline", ids[1]))
            .await,
    )
    .await;
    assert_eq!(timeline[0]["kind"], "stage");

    let board = json_of(admin.api.get("/api/v1/champions/board").await).await;
    assert_eq!(board[0]["id"], ids[1].to_string());
    assert_eq!(board[0]["in_stage"], 1);

    let pairs = json_of(admin.api.get("/api/v1/stakeholders/duplicates").await).await;
    assert_eq!(pairs.as_array().map(Vec::len), Some(1));
    let moved = json_of(
        admin
            .api
            .post(
                "/api/v1/stakeholders/merge",
                &json!({ "keep": ids[0], "other": ids[1] }),
            )
            .await,
    )
    .await;
    assert_eq!(moved["stage_changes"], 1);
    let again = admin
        .api
        .post(
            "/api/v1/stakeholders/merge",
            &json!({ "keep": ids[0], "other": ids[1] }),
        )
        .await;
    assert_eq!(
        again.status(),
        StatusCode::NOT_FOUND,
        "the other record is already merged"
    );

    assert_eq!(
        json_of(admin.api.get("/api/v1/cadence").await).await["a"],
        30
    );
    let r = admin
        .api
        .put("/api/v1/cadence", &json!({ "a": 14, "b": "45", "c": 90 }))
        .await;
    assert_eq!(json_of(r).await["a"], 14);
    let r = admin
        .api
        .put("/api/v1/cadence", &json!({ "a": 0, "b": 45, "c": 90 }))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let liaison = caller(&app, "mercy", Role::Liaison).await;
    let r = liaison
        .api
        .put("/api/v1/cadence", &json!({ "a": 10, "b": 45, "c": 90 }))
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let exec = caller(&app, "mercy", Role::Executive).await;
    let r = exec
        .api
        .post(
            "/api/v1/stakeholders/merge",
            &json!({ "keep": ids[0], "other": ids[1] }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let other = caller(&app, "other", Role::Admin).await;
    assert_eq!(
        other
            .api
            .get(&format!("/api/v1/stakeholders/{}/timeline", ids[0]))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}
