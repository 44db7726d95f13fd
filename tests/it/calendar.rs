//! The content calendar through its pages and API: add, month view, list, validation, roles
//! and tenant isolation.

use rapport::domain::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, location};

#[tokio::test]
async fn a_marketer_puts_content_on_the_month_and_the_list_shows_it() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Marketer).await;
    let r = s.post("/campaigns", &[("name", "OneCare")]).await;
    let campaign = location(&r)
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    let bad = s
        .post(
            "/calendar",
            &[("title", ""), ("channel", "fax"), ("publish_on", "soon")],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = bad.text().await.expect("body");
    assert!(body.contains("Choose a channel") && body.contains("is not a date"));
    let r = s
        .post(
            "/calendar",
            &[
                ("title", "OneCare launch email"),
                ("channel", "email"),
                ("publish_on", "2026-12-03"),
                ("status", "ready"),
                ("campaign_id", campaign.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/calendar?month=2026-12");
    let month = s.text("/calendar?month=2026-12").await;
    assert!(month.contains("December 2026") && month.contains("OneCare launch email"));
    let other_month = s.text("/calendar?month=2027-01").await;
    assert!(
        !other_month.contains("OneCare launch email") && other_month.contains("Nothing planned")
    );
    let by_channel = s.text("/calendar?month=2026-12&channel=social").await;
    assert!(!by_channel.contains("OneCare launch email"));
    let list = s
        .text(&format!(
            "/calendar?month=2026-12&view=list&campaign={campaign}"
        ))
        .await;
    assert!(list.contains("Thu Dec 3") && list.contains("Ready"));
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from audit_events where action = 'content.create'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn the_calendar_api_lists_a_date_range_and_checks_messages_belong_to_the_campaign() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Marketer).await;
    let token = app.token(s.tenant, s.user).await;
    let api = app.api(&token);
    let one: Value = api
        .post("/api/v1/campaigns", &json!({ "name": "One" }))
        .await
        .json()
        .await
        .expect("json");
    let two: Value = api
        .post("/api/v1/campaigns", &json!({ "name": "Two" }))
        .await
        .json()
        .await
        .expect("json");
    let msg: Value = api
        .post(
            &format!(
                "/api/v1/campaigns/{}/messages",
                two["id"].as_str().unwrap_or_default()
            ),
            &json!({ "title": "Two's message" }),
        )
        .await
        .json()
        .await
        .expect("json");
    let r = api
        .post("/api/v1/content-items", &json!({ "title": "Mixed up", "channel": "web", "publish_on": "2026-12-10",
                                                 "campaign_id": one["id"], "message_id": msg["id"] }))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = api
        .post("/api/v1/content-items", &json!({ "title": "Post", "channel": "social", "publish_on": "2026-12-10", "campaign_id": one["id"] }))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let item: Value = r.json().await.expect("json");
    let listed: Value = api
        .get("/api/v1/content-items?from=2026-12-01&to=2026-12-31")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    let none: Value = api
        .get("/api/v1/content-items?from=2027-01-01&to=2027-01-31")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(none.as_array().map(Vec::len), Some(0));
    assert_eq!(
        api.get("/api/v1/content-items?from=2026-01-01&to=2028-01-01")
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let id = item["id"].as_str().unwrap_or_default();
    let moved = api
        .put(&format!("/api/v1/content-items/{id}"), &json!({ "title": "Post", "channel": "social", "publish_on": "2026-12-11", "status": "published" }))
        .await;
    assert_eq!(moved.status(), StatusCode::OK);
    // Liaisons read; another workspace does not see it at all.
    let l = app.signed_in("mercy", Role::Liaison).await;
    let l_api = app.api(&app.token(l.tenant, l.user).await);
    assert_eq!(
        l_api
            .get(&format!("/api/v1/content-items/{id}"))
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        l_api
            .delete(&format!("/api/v1/content-items/{id}"))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        l.post(
            "/calendar",
            &[
                ("title", "x"),
                ("channel", "web"),
                ("publish_on", "2026-12-01")
            ]
        )
        .await
        .status(),
        StatusCode::FORBIDDEN
    );
    let o = app.signed_in("other", Role::Admin).await;
    let o_api = app.api(&app.token(o.tenant, o.user).await);
    assert_eq!(
        o_api
            .get(&format!("/api/v1/content-items/{id}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        o_api
            .delete(&format!("/api/v1/content-items/{id}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        o.get(&format!("/calendar/{id}")).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        o.post(&format!("/calendar/{id}/delete"), &[])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from content_items where status = 'published'"
        )
        .await,
        1
    );
}
