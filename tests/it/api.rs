//! The JSON API: bearer tokens, problem+json errors, the OpenAPI document.

use rapport::domain::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::TestApp;

#[tokio::test]
async fn me_answers_with_the_tokens_user() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Marketer).await;
    let token = app.token(s.tenant, s.user).await;
    let r = app.api(&token).get("/api/v1/me").await;
    assert_eq!(r.status(), StatusCode::OK);
    let me: Value = r.json().await.expect("json");
    assert_eq!(me["email"], s.email.as_str());
    assert_eq!(me["role"], "marketer");
    assert_eq!(me["tenant_id"], s.tenant.to_string());
}

#[tokio::test]
async fn no_or_bad_token_is_a_401_problem() {
    let app = TestApp::spawn().await;
    for auth in [
        None,
        Some("Bearer nonsense"),
        Some(
            "Bearer rpt_00000000000000000000000000000000.0000000000000000000000000000000000000000000000000000000000000000",
        ),
    ] {
        let mut request = reqwest::Client::new().get(app.url("/api/v1/me"));
        if let Some(a) = auth {
            request = request.header("authorization", a);
        }
        let r = request.send().await.expect("get");
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{auth:?}");
        assert_eq!(
            r.headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("application/problem+json")
        );
        assert!(r.headers().get("www-authenticate").is_some());
        let problem: Value = r.json().await.expect("json");
        assert_eq!(problem["status"], 401);
        assert_eq!(problem["title"], "Sign in required");
    }
}

#[tokio::test]
async fn a_revoked_token_stops_working() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Admin).await;
    let token = app.token(s.tenant, s.user).await;
    let id: uuid::Uuid = {
        let mut tx = rapport::postgres::tenant_tx(&app.pools.app, s.tenant)
            .await
            .expect("tx");
        let id = sqlx::query_scalar("select id from api_tokens")
            .fetch_one(&mut *tx)
            .await
            .expect("id");
        tx.commit().await.expect("commit");
        id
    };
    let r = s.post(&format!("/account/tokens/{id}/revoke"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let after = app.api(&token).get("/api/v1/me").await;
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_token_created_in_the_browser_is_shown_once_and_works() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    let page = s
        .post("/account/tokens", &[("name", "sync")])
        .await
        .text()
        .await
        .expect("body");
    let start = page.find("rpt_").expect("token shown");
    let token: String = page[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
        .collect();
    let r = app.api(&token).get("/api/v1/me").await;
    assert_eq!(r.status(), StatusCode::OK);
    let later = s.text("/account").await;
    assert!(!later.contains(&token), "never shown again");
    let stored: i64 = app
        .count(
            s.tenant,
            &format!(
                "select count(*) from api_tokens where token_hash::text like '%{}%'",
                &token[40..60]
            ),
        )
        .await;
    assert_eq!(stored, 0, "the token itself is not stored");
}

#[tokio::test]
async fn creating_a_facility_answers_201_with_its_id() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Admin).await;
    let token = app.token(s.tenant, s.user).await;
    let r = app
        .api(&token)
        .post(
            "/api/v1/facilities",
            &json!({"name": "API Clinic", "kind": "clinic", "state": "wa"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let created: Value = r.json().await.expect("json");
    let id = created["id"].as_str().expect("id").to_string();
    assert_eq!(created["state"], "WA");
    let fetched: Value = app
        .api(&token)
        .get(&format!("/api/v1/facilities/{id}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(fetched["name"], "API Clinic");
    let patched: Value = app
        .api(&token)
        .patch(
            &format!("/api/v1/facilities/{id}"),
            &json!({"city": "Seattle", "state": null}),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(patched["city"], "Seattle");
    assert_eq!(patched["state"], Value::Null);
    assert_eq!(patched["name"], "API Clinic");
    let list: Value = app
        .api(&token)
        .get("/api/v1/facilities?q=api")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list["total"], 1);
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from audit_events where entity = 'facility'"
        )
        .await,
        2
    );
}

#[tokio::test]
async fn bad_json_and_invalid_fields_are_problems_with_details() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Admin).await;
    let token = app.token(s.tenant, s.user).await;
    let client = reqwest::Client::new();
    let malformed = client
        .post(app.url("/api/v1/facilities"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .expect("post");
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        malformed
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    let invalid = app
        .api(&token)
        .post("/api/v1/facilities", &json!({"name": "", "kind": "castle"}))
        .await;
    assert_eq!(invalid.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = invalid.json().await.expect("json");
    assert!(
        problem["errors"]["name"].is_string() && problem["errors"]["kind"].is_string(),
        "{problem}"
    );
    let duplicate = app
        .api(&token)
        .post("/api/v1/facilities", &json!({"name": "Twin"}))
        .await;
    assert_eq!(duplicate.status(), StatusCode::CREATED);
    let again = app
        .api(&token)
        .post("/api/v1/facilities", &json!({"name": "twin"}))
        .await;
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let unknown = app.api(&token).get("/api/v1/nothing").await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        unknown
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
}

#[tokio::test]
async fn users_can_be_created_and_changed_through_the_api_by_admins() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Admin).await;
    let token = app.token(s.tenant, s.user).await;
    let client = reqwest::Client::new();
    let r = app.api(&token).post("/api/v1/users", &json!({"email": "New.Liaison@Mercy.test", "name": "Nia Liaison", "role": "liaison", "password": "twelve chars ok"})).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let user: Value = r.json().await.expect("json");
    assert_eq!(user["email"], "new.liaison@mercy.test");
    let id = user["id"].as_str().expect("id").to_string();
    let patched: Value = app
        .api(&token)
        .patch(&format!("/api/v1/users/{id}"), &json!({"role": "marketer"}))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(patched["role"], "marketer");
    let short = client
        .post(app.url("/api/v1/users"))
        .bearer_auth(&token)
        .json(
            &json!({"email": "x@mercy.test", "name": "X", "role": "liaison", "password": "short"}),
        )
        .send()
        .await
        .expect("post");
    assert_eq!(short.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let last_admin = app
        .api(&token)
        .patch(
            &format!("/api/v1/users/{}", s.user),
            &json!({"role": "liaison"}),
        )
        .await;
    assert_eq!(
        last_admin.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "the last admin cannot demote themselves"
    );
}

#[tokio::test]
async fn the_openapi_document_describes_every_endpoint() {
    let app = TestApp::spawn().await;
    let doc: Value = reqwest::Client::new()
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert!(
        doc["openapi"]
            .as_str()
            .unwrap_or_default()
            .starts_with("3.")
    );
    for path in [
        "/api/v1/me",
        "/api/v1/facilities",
        "/api/v1/facilities/{id}",
        "/api/v1/users",
        "/api/v1/users/{id}",
    ] {
        assert!(doc["paths"][path].is_object(), "missing {path}");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}
