//! The touch-point API: logging with idempotency keys (replays, reuse with another body,
//! concurrent retries), the cadence clock, batches for events, list filters, edits and
//! deletes by role, and tenant isolation.

use rapport::domain::{Role, TenantId};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Api, TestApp, caller, json_of};

/// Adds physicians with these last names and returns their ids in that order.
pub async fn people(app: &TestApp, tenant: TenantId, names: &[&str]) -> Vec<Uuid> {
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    app.add_people(tenant, &names).await;
    let mut ids = Vec::new();
    for n in &names {
        ids.push(
            scalar::<Uuid>(
                app,
                tenant,
                &format!("select id from stakeholders where last_name = '{n}'"),
            )
            .await,
        );
    }
    ids
}

/// One value `sql` selects, read as the runtime role (row-level security applies).
pub async fn scalar<T>(app: &TestApp, tenant: TenantId, sql: &str) -> T
where
    T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Send + Unpin,
{
    let mut tx = rapport::postgres::tenant_tx(&app.pools.app, tenant)
        .await
        .expect("tx");
    let v: T = sqlx::query_scalar(sql)
        .fetch_one(&mut *tx)
        .await
        .expect("scalar");
    tx.commit().await.expect("commit");
    v
}

async fn post_keyed(
    api: &Api,
    app: &TestApp,
    token_key: &str,
    path: &str,
    body: &Value,
) -> reqwest::Response {
    api.raw()
        .post(app.url(path))
        .bearer_auth(api.token())
        .header("Idempotency-Key", token_key)
        .json(body)
        .send()
        .await
        .expect("POST")
}

#[tokio::test]
async fn a_touchpoint_is_logged_with_sensible_defaults_and_resets_the_cadence_clock() {
    let app = TestApp::spawn().await;
    let c = caller(&app, "mercy", Role::Liaison).await;
    let [pat] = people(&app, c.tenant, &["Okafor"]).await[..] else {
        panic!()
    };
    let r = c
        .api
        .post(
            "/api/v1/touchpoints",
            &json!({ "stakeholder_id": pat, "purpose": "Intro", "cost": "45.5" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let t = json_of(r).await;
    assert_eq!(t["channel"], "visit");
    assert_eq!(t["direction"], "outbound");
    assert_eq!(t["cost"], "45.50");
    assert_eq!(t["stakeholder_name"], "Pat Okafor");
    assert_eq!(t["created_by"], json!(c.user));
    let id: Uuid = t["id"].as_str().and_then(|s| s.parse().ok()).expect("id");
    assert_eq!(id.get_version_num(), 7, "touch-point ids are UUID v7");
    let touched: bool = scalar(
        &app,
        c.tenant,
        &format!("select last_contact_at = (select occurred_at from touchpoints where id = '{id}') from stakeholders where id = '{pat}'"),
    )
    .await;
    assert!(touched, "last contact moves to the touch's time");
    let audited: i64 = scalar(&app, c.tenant, &format!("select count(*) from audit_events where action = 'touchpoint.create' and entity_id = '{id}'")).await;
    assert_eq!(audited, 1);
    let shown = json_of(c.api.get(&format!("/api/v1/touchpoints/{id}")).await).await;
    assert_eq!(shown, t, "the stored row reads back as it was answered");
}

#[tokio::test]
async fn no_response_and_older_touches_do_not_move_last_contact() {
    let app = TestApp::spawn().await;
    let c = caller(&app, "mercy", Role::Liaison).await;
    let [pat] = people(&app, c.tenant, &["Okafor"]).await[..] else {
        panic!()
    };
    let r = c
        .api
        .post(
            "/api/v1/touchpoints",
            &json!({ "stakeholder_id": pat, "channel": "phone", "outcome": "no_response" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let none: bool = scalar(
        &app,
        c.tenant,
        &format!("select last_contact_at is null from stakeholders where id = '{pat}'"),
    )
    .await;
    assert!(none, "no response is not contact");
    c.api
        .post(
            "/api/v1/touchpoints",
            &json!({ "stakeholder_id": pat, "occurred_at": "2026-01-10T10:00:00Z" }),
        )
        .await;
    c.api
        .post(
            "/api/v1/touchpoints",
            &json!({ "stakeholder_id": pat, "occurred_at": "2025-06-01T10:00:00Z" }),
        )
        .await;
    let last: String = scalar(&app, c.tenant, &format!("select to_char(last_contact_at at time zone 'UTC', 'YYYY-MM-DD') from stakeholders where id = '{pat}'")).await;
    assert_eq!(
        last, "2026-01-10",
        "an older touch never moves the clock back"
    );
}

#[tokio::test]
async fn bad_input_is_a_problem_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let c = caller(&app, "mercy", Role::Liaison).await;
    let [pat] = people(&app, c.tenant, &["Okafor"]).await[..] else {
        panic!()
    };
    for (body, field) in [
        (json!({ "channel": "visit" }), "stakeholder_id"),
        (
            json!({ "stakeholder_id": pat, "channel": "pigeon" }),
            "channel",
        ),
        (
            json!({ "stakeholder_id": pat, "outcome": "great" }),
            "outcome",
        ),
        (json!({ "stakeholder_id": pat, "cost": "-3" }), "cost"),
        (json!({ "stakeholder_id": pat, "cost": "1.234" }), "cost"),
        (
            json!({ "stakeholder_id": pat, "occurred_at": "2999-01-01T00:00:00Z" }),
            "occurred_at",
        ),
        (
            json!({ "stakeholder_id": pat, "campaign_id": Uuid::new_v4() }),
            "campaign_id",
        ),
        (
            json!({ "stakeholder_id": Uuid::new_v4() }),
            "stakeholder_id",
        ),
    ] {
        let r = c.api.post("/api/v1/touchpoints", &body).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(
            r.headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("application/problem+json")
        );
        let p = json_of(r).await;
        assert!(p["errors"][field].is_string(), "{body}: {p}");
    }
    assert_eq!(
        app.count(c.tenant, "select count(*) from touchpoints")
            .await,
        0
    );
    assert_eq!(
        app.count(
            c.tenant,
            "select count(*) from audit_events where action like 'touchpoint.%'"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn only_planned_or_active_campaigns_and_their_own_variants_can_be_named() {
    let app = TestApp::spawn().await;
    let c = caller(&app, "mercy", Role::Marketer).await;
    let [pat] = people(&app, c.tenant, &["Okafor"]).await[..] else {
        panic!()
    };
    let (active, draft, other, message, variant, foreign) = (
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
        Uuid::new_v4(),
    );
    let t = c.tenant;
    app.owner_exec(
        t,
        &format!(
            "insert into campaigns (tenant_id, id, name, status) values ('{t}', '{active}', 'Heart', 'active'),
               ('{t}', '{draft}', 'Draft', 'draft'), ('{t}', '{other}', 'Other', 'planned');
             insert into key_messages (tenant_id, id, campaign_id, title) values ('{t}', '{message}', '{active}', 'Access');
             insert into message_variants (tenant_id, id, campaign_id, message_id, channel, label)
               values ('{t}', '{variant}', '{active}', '{message}', 'visit', 'A'),
                      ('{t}', '{foreign}', '{active}', '{message}', 'email', 'B');
             insert into campaign_members (tenant_id, campaign_id, stakeholder_id, source) values ('{t}', '{active}', '{pat}', 'manual');
             insert into variant_assignments (tenant_id, campaign_id, message_id, channel, stakeholder_id, variant_id, bucket)
               values ('{t}', '{active}', '{message}', 'visit', '{pat}', '{variant}', 3);"
        ),
    )
    .await;
    let r = c
        .api
        .post(
            "/api/v1/touchpoints",
            &json!({ "stakeholder_id": pat, "campaign_id": draft }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = c
        .api
        .post(
            "/api/v1/touchpoints",
            &json!({ "stakeholder_id": pat, "campaign_id": other, "variant_id": variant }),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a variant of another campaign"
    );
    let assigned = json_of(
        c.api
            .post(
                "/api/v1/touchpoints",
                &json!({ "stakeholder_id": pat, "campaign_id": active }),
            )
            .await,
    )
    .await;
    assert_eq!(
        assigned["variant_id"],
        json!(variant),
        "the assigned variant for the channel"
    );
    assert_eq!(assigned["campaign_name"], "Heart");
    let phoned = json_of(
        c.api
            .post(
                "/api/v1/touchpoints",
                &json!({ "stakeholder_id": pat, "campaign_id": active, "channel": "phone" }),
            )
            .await,
    )
    .await;
    assert_eq!(phoned["variant_id"], Value::Null, "no assignment for phone");
}

#[tokio::test]
async fn the_same_idempotency_key_never_writes_twice() {
    let app = TestApp::spawn().await;
    let c = caller(&app, "mercy", Role::Liaison).await;
    let [pat, sam] = people(&app, c.tenant, &["Okafor", "Lind"]).await[..] else {
        panic!()
    };
    let body = json!({ "stakeholder_id": pat, "channel": "phone", "outcome": "positive" });
    let first = post_keyed(&c.api, &app, "key-1", "/api/v1/touchpoints", &body).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first = first.text().await.expect("body");
    let again = post_keyed(&c.api, &app, "key-1", "/api/v1/touchpoints", &body).await;
    assert_eq!(again.status(), StatusCode::CREATED, "the same status");
    assert_eq!(
        again.text().await.expect("body"),
        first,
        "the same body, the same id"
    );
    assert_eq!(
        app.count(c.tenant, "select count(*) from touchpoints")
            .await,
        1
    );
    assert_eq!(
        app.count(
            c.tenant,
            "select count(*) from audit_events where action = 'touchpoint.create'"
        )
        .await,
        1
    );

    for other in [
        json!({ "stakeholder_id": pat, "channel": "phone", "outcome": "negative" }),
        json!({ "stakeholder_id": sam, "channel": "phone", "outcome": "positive" }),
    ] {
        let r = post_keyed(&c.api, &app, "key-1", "/api/v1/touchpoints", &other).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let p = json_of(r).await;
        assert!(
            p["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("Idempotency-Key reused with a different request"),
            "{p}"
        );
    }
    assert_eq!(
        app.count(c.tenant, "select count(*) from touchpoints")
            .await,
        1
    );

    // Keys are per user: a colleague's same key is their own.
    let colleague = caller(&app, "mercy", Role::Liaison).await;
    let r = post_keyed(&colleague.api, &app, "key-1", "/api/v1/touchpoints", &body).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(
        app.count(c.tenant, "select count(*) from touchpoints")
            .await,
        2
    );
}

#[tokio::test]
async fn concurrent_requests_with_one_key_write_one_row() {
    let app = TestApp::spawn().await;
    let c = caller(&app, "mercy", Role::Liaison).await;
    let [pat] = people(&app, c.tenant, &["Okafor"]).await[..] else {
        panic!()
    };
    let body =
        json!({ "stakeholder_id": pat, "channel": "email", "occurred_at": "2026-11-01T09:00:00Z" });
    let mut handles = Vec::new();
    for _ in 0..8 {
        let client = c.api.raw();
        let url = app.url("/api/v1/touchpoints");
        let token = c.api.token().to_string();
        let body = body.clone();
        handles.push(tokio::spawn(async move {
            let r = client
                .post(url)
                .bearer_auth(token)
                .header("Idempotency-Key", "race")
                .json(&body)
                .send()
                .await
                .expect("POST");
            (r.status(), r.text().await.expect("body"))
        }));
    }
    let mut bodies = Vec::new();
    for h in handles {
        let (status, body) = h.await.expect("join");
        assert_eq!(status, StatusCode::CREATED, "{body}");
        bodies.push(body);
    }
    assert!(
        bodies.windows(2).all(|w| w[0] == w[1]),
        "every answer is the same"
    );
    assert_eq!(
        app.count(c.tenant, "select count(*) from touchpoints")
            .await,
        1
    );
}

#[tokio::test]
async fn a_batch_logs_one_touch_per_attendee_with_one_group_and_one_key() {
    let app = TestApp::spawn().await;
    let c = caller(&app, "mercy", Role::Liaison).await;
    let ids = people(&app, c.tenant, &["Okafor", "Lind", "Berg"]).await;
    let body = json!({ "stakeholder_ids": [ids[0], ids[1], ids[2], ids[1]], "purpose": "Cardiology dinner", "outcome": "positive" });
    let r = post_keyed(&c.api, &app, "dinner", "/api/v1/touchpoints/batch", &body).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let first = r.text().await.expect("body");
    let b: Value = serde_json::from_str(&first).expect("json");
    let items = b["items"].as_array().expect("items");
    assert_eq!(items.len(), 3, "a repeated attendee is logged once");
    assert!(
        items
            .iter()
            .all(|i| i["channel"] == "event" && i["group_id"] == b["group_id"])
    );
    let again = post_keyed(&c.api, &app, "dinner", "/api/v1/touchpoints/batch", &body).await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.text().await.expect("body"), first);
    assert_eq!(
        app.count(c.tenant, "select count(*) from touchpoints")
            .await,
        3
    );
    let group = b["group_id"].as_str().expect("group");
    let listed = json_of(
        c.api
            .get(&format!("/api/v1/touchpoints?group_id={group}"))
            .await,
    )
    .await;
    assert_eq!(listed["total"], 3);

    // All or nothing: one unknown attendee and nobody is logged.
    let r = c
        .api
        .post(
            "/api/v1/touchpoints/batch",
            &json!({ "stakeholder_ids": [ids[0], Uuid::new_v4()] }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = c
        .api
        .post(
            "/api/v1/touchpoints/batch",
            &json!({ "stakeholder_ids": [] }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.count(c.tenant, "select count(*) from touchpoints")
            .await,
        3
    );
}

#[tokio::test]
async fn the_list_filters_and_pages_newest_first() {
    let app = TestApp::spawn().await;
    let c = caller(&app, "mercy", Role::Liaison).await;
    let [pat, sam] = people(&app, c.tenant, &["Okafor", "Lind"]).await[..] else {
        panic!()
    };
    for (who, channel, at, outcome) in [
        (pat, "visit", "2026-11-01T09:00:00Z", "positive"),
        (pat, "phone", "2026-11-02T09:00:00Z", "neutral"),
        (sam, "email", "2026-11-03T09:00:00Z", "no_response"),
    ] {
        let r = c
            .api
            .post("/api/v1/touchpoints", &json!({ "stakeholder_id": who, "channel": channel, "occurred_at": at, "outcome": outcome }))
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let all = json_of(c.api.get("/api/v1/touchpoints?per_page=2").await).await;
    assert_eq!(all["total"], 3);
    assert_eq!(all["items"][0]["channel"], "email", "newest first");
    assert_eq!(all["items"].as_array().map(Vec::len), Some(2));
    let page2 = json_of(c.api.get("/api/v1/touchpoints?per_page=2&page=2").await).await;
    assert_eq!(page2["items"][0]["channel"], "visit");
    for (query, n) in [
        (format!("stakeholder_id={pat}"), 2),
        ("channel=phone".into(), 1),
        ("outcome=no_response".into(), 1),
        ("from=2026-11-02&to=2026-11-02".into(), 1),
        ("mine=true".into(), 3),
    ] {
        let l = json_of(c.api.get(&format!("/api/v1/touchpoints?{query}")).await).await;
        assert_eq!(l["total"], n, "{query}");
    }
    let r = c.api.get("/api/v1/touchpoints?channel=pigeon").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn authors_and_managers_edit_and_delete_others_may_not() {
    let app = TestApp::spawn().await;
    let author = caller(&app, "mercy", Role::Liaison).await;
    let colleague = caller(&app, "mercy", Role::Liaison).await;
    let marketer = caller(&app, "mercy", Role::Marketer).await;
    let exec = caller(&app, "mercy", Role::Executive).await;
    let [pat] = people(&app, author.tenant, &["Okafor"]).await[..] else {
        panic!()
    };
    let t = json_of(
        author
            .api
            .post("/api/v1/touchpoints", &json!({ "stakeholder_id": pat }))
            .await,
    )
    .await;
    let path = format!("/api/v1/touchpoints/{}", t["id"].as_str().expect("id"));
    let r = author
        .api
        .patch(
            &path,
            &json!({ "outcome": "positive", "notes": "Wants the new referral line" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let changed = json_of(r).await;
    assert_eq!(changed["outcome"], "positive");
    assert_eq!(changed["channel"], "visit", "fields not sent stay");
    let r = author.api.patch(&path, &json!({ "cost": "abc" })).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        colleague
            .api
            .patch(&path, &json!({ "outcome": "negative" }))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        colleague.api.delete(&path).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        exec.api
            .patch(&path, &json!({ "outcome": "negative" }))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(exec.api.delete(&path).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        exec.api.get(&path).await.status(),
        StatusCode::OK,
        "executives read"
    );
    let r = marketer
        .api
        .patch(&path, &json!({ "channel": "phone" }))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        marketer.api.delete(&path).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(author.api.get(&path).await.status(), StatusCode::NOT_FOUND);
    let audited = app
        .count(author.tenant, "select count(*) from audit_events where action in ('touchpoint.update', 'touchpoint.delete')")
        .await;
    assert_eq!(audited, 3);
}

#[tokio::test]
async fn executives_cannot_log() {
    let app = TestApp::spawn().await;
    let exec = caller(&app, "mercy", Role::Executive).await;
    let [pat] = people(&app, exec.tenant, &["Okafor"]).await[..] else {
        panic!()
    };
    let r = exec
        .api
        .post("/api/v1/touchpoints", &json!({ "stakeholder_id": pat }))
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = exec
        .api
        .post(
            "/api/v1/touchpoints/batch",
            &json!({ "stakeholder_ids": [pat] }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.count(exec.tenant, "select count(*) from touchpoints")
            .await,
        0
    );
}

#[tokio::test]
async fn another_tenants_stakeholders_and_touchpoints_are_not_found() {
    let app = TestApp::spawn().await;
    let mercy = caller(&app, "mercy", Role::Admin).await;
    let other = caller(&app, "hope", Role::Admin).await;
    let [pat] = people(&app, mercy.tenant, &["Okafor"]).await[..] else {
        panic!()
    };
    let t = json_of(
        mercy
            .api
            .post("/api/v1/touchpoints", &json!({ "stakeholder_id": pat }))
            .await,
    )
    .await;
    let path = format!("/api/v1/touchpoints/{}", t["id"].as_str().expect("id"));
    let r = other
        .api
        .post("/api/v1/touchpoints", &json!({ "stakeholder_id": pat }))
        .await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "their stakeholder does not exist here"
    );
    assert_eq!(other.api.get(&path).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        other
            .api
            .patch(&path, &json!({ "outcome": "negative" }))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        other.api.delete(&path).await.status(),
        StatusCode::NOT_FOUND
    );
    let listed = json_of(
        other
            .api
            .get(&format!("/api/v1/touchpoints?stakeholder_id={pat}"))
            .await,
    )
    .await;
    assert_eq!(listed["total"], 0);
    assert_eq!(
        app.count(mercy.tenant, "select count(*) from touchpoints")
            .await,
        1
    );
}

#[tokio::test]
async fn the_openapi_document_lists_the_touchpoint_and_follow_up_routes() {
    let app = TestApp::spawn().await;
    let doc: Value = reqwest::get(app.url("/api/v1/openapi.json"))
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    for path in [
        "/api/v1/touchpoints",
        "/api/v1/touchpoints/batch",
        "/api/v1/touchpoints/{id}",
        "/api/v1/follow-ups",
        "/api/v1/follow-ups/{id}",
        "/api/v1/follow-ups/{id}/complete",
        "/api/v1/follow-ups/{id}/cancel",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} is documented");
    }
}

#[tokio::test]
async fn concurrent_requests_with_one_key_and_different_bodies_write_one_row() {
    let app = TestApp::spawn().await;
    let c = caller(&app, "mercy", Role::Liaison).await;
    let ids = people(&app, c.tenant, &["Okafor", "Lind", "Berg", "Novak"]).await;
    let mut handles = Vec::new();
    for id in ids {
        let (client, url, token) = (
            c.api.raw(),
            app.url("/api/v1/touchpoints"),
            c.api.token().to_string(),
        );
        handles.push(tokio::spawn(async move {
            client
                .post(url)
                .bearer_auth(token)
                .header("Idempotency-Key", "shared")
                .json(&json!({ "stakeholder_id": id }))
                .send()
                .await
                .expect("POST")
                .status()
        }));
    }
    let mut statuses = Vec::new();
    for h in handles {
        statuses.push(h.await.expect("join"));
    }
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY)
            .count(),
        3,
        "{statuses:?}"
    );
    assert_eq!(
        app.count(c.tenant, "select count(*) from touchpoints")
            .await,
        1
    );
}
