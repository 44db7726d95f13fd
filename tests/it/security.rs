//! CSRF, security headers, role checks, limits, health endpoints.

use rapport::domain::Role;
use reqwest::StatusCode;

use crate::helpers::{PASSWORD, TestApp};

#[tokio::test]
async fn a_cross_site_post_is_rejected_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Admin).await;
    let response = s
        .client
        .post(app.url("/facilities"))
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .form(&[("name", "Forged Clinic"), ("kind", "clinic")])
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let body = response.text().await.expect("body");
    assert!(
        body.contains("sent from another site"),
        "a clear page, not a blank 403"
    );
    assert_eq!(
        app.count(s.tenant, "select count(*) from facilities").await,
        0
    );
    // An old browser that sends only Origin is checked against Host.
    let origin_only = s
        .client
        .post(app.url("/facilities"))
        .header("origin", "https://evil.example")
        .form(&[("name", "Forged Clinic"), ("kind", "clinic")])
        .send()
        .await
        .expect("post");
    assert_eq!(origin_only.status(), StatusCode::FORBIDDEN);
    // The same form from the app's own origin goes through.
    let same_origin = s
        .client
        .post(app.url("/facilities"))
        .header("origin", format!("http://{}", app.addr))
        .header("sec-fetch-site", "same-origin")
        .form(&[("name", "Real Clinic"), ("kind", "clinic")])
        .send()
        .await
        .expect("post");
    assert_eq!(same_origin.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.count(s.tenant, "select count(*) from facilities").await,
        1
    );
}

#[tokio::test]
async fn a_cross_site_logout_or_login_is_rejected_too() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Admin).await;
    for path in ["/logout", "/login"] {
        let r = s
            .client
            .post(app.url(path))
            .header("sec-fetch-site", "cross-site")
            .form(&[
                ("workspace", "mercy"),
                ("email", s.email.as_str()),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(
        app.count(s.tenant, "select count(*) from sessions").await,
        1,
        "still signed in"
    );
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Admin).await;
    for path in [
        "/login",
        "/",
        "/no-such-page",
        "/facilities",
        "/api/v1/me",
        "/static/css/app.css",
    ] {
        let r = s.get(path).await;
        let h = r.headers();
        let csp = h
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert_eq!(
            h.get("x-content-type-options")
                .and_then(|v| v.to_str().ok()),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(
            h.get("x-frame-options").and_then(|v| v.to_str().ok()),
            Some("DENY"),
            "{path}"
        );
        assert!(h.get("referrer-policy").is_some(), "{path}");
        assert!(h.get("x-request-id").is_some(), "{path}");
        assert!(
            h.get("strict-transport-security").is_none(),
            "no HSTS over plain HTTP ({path})"
        );
    }
    let page = s.get("/facilities").await;
    assert_eq!(
        page.headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
}

#[tokio::test]
async fn https_turns_on_hsts_secure_cookies_and_the_host_prefix() {
    let app = TestApp::spawn_with(|c| c.public_url = Some("https://crm.example.org".into())).await;
    let tenant = app.create_tenant("mercy").await;
    app.create_user(tenant, Role::Admin, "a@mercy.test").await;
    let response = app
        .login(&TestApp::client(), "mercy", "a@mercy.test", PASSWORD)
        .await;
    let cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        cookie.starts_with("__Host-rapport_session=") && cookie.contains("; Secure"),
        "{cookie}"
    );
    assert!(
        response
            .headers()
            .get("strict-transport-security")
            .is_some()
    );
}

#[tokio::test]
async fn a_liaison_cannot_manage_facilities_or_users() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    let post = s
        .post(
            "/facilities",
            &[("name", "Sneaky Clinic"), ("kind", "clinic")],
        )
        .await;
    assert_eq!(post.status(), StatusCode::FORBIDDEN);
    assert!(
        post.text()
            .await
            .expect("body")
            .contains("Your role does not allow this")
    );
    assert_eq!(
        app.count(s.tenant, "select count(*) from facilities").await,
        0
    );
    for path in [
        "/facilities/new",
        "/admin/users",
        "/admin/audit",
        "/admin/users/new",
    ] {
        let r = s.get(path).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let list = s.get("/facilities").await;
    assert_eq!(
        list.status(),
        StatusCode::OK,
        "everyone can read facilities"
    );
    assert!(
        !list.text().await.expect("body").contains("New facility"),
        "no button they cannot use"
    );
}

#[tokio::test]
async fn an_executive_gets_a_403_problem_from_the_api() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Executive).await;
    let token = app.token(s.tenant, s.user).await;
    let r = app
        .api(&token)
        .post(
            "/api/v1/facilities",
            &serde_json::json!({"name": "Exec Clinic"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        r.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    let problem: serde_json::Value = r.json().await.expect("json");
    assert_eq!(problem["status"], 403);
}

#[tokio::test]
async fn an_oversized_body_is_refused() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Admin).await;
    let big = "x".repeat(3 * 1024 * 1024);
    let r = s.post("/facilities", &[("name", big.as_str())]).await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn health_and_readiness_answer_without_a_session() {
    let app = TestApp::spawn().await;
    let client = TestApp::client();
    assert_eq!(
        client
            .get(app.url("/healthz"))
            .send()
            .await
            .expect("get")
            .status(),
        StatusCode::OK
    );
    let ready = client.get(app.url("/readyz")).send().await.expect("get");
    assert_eq!(ready.status(), StatusCode::OK);
    assert_eq!(ready.text().await.expect("body"), "ready");
}

#[tokio::test]
async fn unknown_pages_get_a_friendly_404() {
    let app = TestApp::spawn().await;
    let r = TestApp::client()
        .get(app.url("/nothing/here"))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(r.text().await.expect("body").contains("Page not found"));
}

#[tokio::test]
async fn a_malformed_id_in_a_path_is_a_404_not_a_crash() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Admin).await;
    let r = s.get("/facilities/not-a-uuid").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}
