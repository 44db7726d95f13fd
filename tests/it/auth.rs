//! Signing in and out, throttling, session timeouts, password changes.

use rapport::domain::Role;
use reqwest::StatusCode;

use crate::helpers::{PASSWORD, TestApp, location};

#[tokio::test]
async fn signing_in_with_the_right_password_opens_the_home_page() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    let home = s.get("/").await;
    assert_eq!(home.status(), StatusCode::OK);
    let body = home.text().await.expect("body");
    assert!(
        body.contains("Welcome, Test Liaison"),
        "home page greets the user"
    );
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from audit_events where action = 'auth.login'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn the_session_cookie_is_http_only_and_same_site() {
    let app = TestApp::spawn().await;
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
    assert!(cookie.starts_with("rapport_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "plain HTTP has no Secure flag");
}

#[tokio::test]
async fn a_wrong_password_is_refused_without_saying_which_part_was_wrong() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("mercy").await;
    app.create_user(tenant, Role::Admin, "a@mercy.test").await;
    let client = TestApp::client();
    let response = app
        .login(&client, "mercy", "a@mercy.test", "wrong password 123")
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(
        response.headers().get("set-cookie").is_none(),
        "no session for a failed sign-in"
    );
    let body = response.text().await.expect("body");
    assert!(body.contains("Workspace, email or password is not right."));
    assert_eq!(
        app.count(
            tenant,
            "select count(*) from audit_events where action = 'auth.login_failed'"
        )
        .await,
        1,
        "the failure is audited"
    );
    let unknown_user = app
        .login(&client, "mercy", "nobody@mercy.test", PASSWORD)
        .await;
    assert_eq!(unknown_user.status(), StatusCode::UNAUTHORIZED);
    let unknown_workspace = app
        .login(&client, "nowhere", "a@mercy.test", PASSWORD)
        .await;
    assert_eq!(unknown_workspace.status(), StatusCode::UNAUTHORIZED);
    assert!(
        unknown_workspace
            .text()
            .await
            .expect("body")
            .contains("Workspace, email or password is not right.")
    );
}

#[tokio::test]
async fn an_empty_form_gets_a_clear_message() {
    let app = TestApp::spawn().await;
    let response = app.login(&TestApp::client(), "", "", "").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        response
            .text()
            .await
            .expect("body")
            .contains("Enter your workspace, email and password.")
    );
}

#[tokio::test]
async fn five_failures_lock_the_account_even_against_the_right_password() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("mercy").await;
    app.create_user(tenant, Role::Admin, "a@mercy.test").await;
    let client = TestApp::client();
    for attempt in 1..=5 {
        let r = app
            .login(&client, "mercy", "a@mercy.test", "wrong password 123")
            .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    let locked = app.login(&client, "mercy", "a@mercy.test", PASSWORD).await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(locked.headers().get("retry-after").is_some());
    let body = locked.text().await.expect("body");
    assert!(body.contains("Too many failed sign-in attempts"), "{body}");
    // Another account from the same address is not locked by these five.
    app.create_user(tenant, Role::Liaison, "b@mercy.test").await;
    let other = app.login(&client, "mercy", "b@mercy.test", PASSWORD).await;
    assert_eq!(other.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn pages_need_a_session_and_remember_where_you_were_going() {
    let app = TestApp::spawn().await;
    let response = TestApp::client()
        .get(app.url("/facilities?page=2"))
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/login?next=/facilities%3Fpage%3D2");
}

#[tokio::test]
async fn sign_in_follows_only_local_next_paths() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("mercy").await;
    app.create_user(tenant, Role::Admin, "a@mercy.test").await;
    for (next, expected) in [
        ("/facilities", "/facilities"),
        ("//evil.example/x", "/"),
        ("https://evil.example", "/"),
    ] {
        let response = TestApp::client()
            .post(app.url("/login"))
            .form(&[
                ("workspace", "mercy"),
                ("email", "a@mercy.test"),
                ("password", PASSWORD),
                ("next", next),
            ])
            .send()
            .await
            .expect("post");
        assert_eq!(location(&response), expected, "next={next}");
    }
}

#[tokio::test]
async fn every_sign_in_gets_a_new_session_id_and_ends_the_old_one() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Admin).await;
    let again = app.login(&s.client, "mercy", &s.email, PASSWORD).await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.count(s.tenant, "select count(*) from sessions").await,
        1,
        "the old session was ended"
    );
}

#[tokio::test]
async fn an_idle_session_ends_after_the_idle_timeout() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    app.owner_exec(
        s.tenant,
        "update sessions set last_seen_at = now() - interval '16 minutes'",
    )
    .await;
    let response = s.get("/facilities").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/login?expired=1&next=/facilities");
    assert_eq!(
        app.count(s.tenant, "select count(*) from sessions").await,
        0,
        "the expired session is deleted"
    );
}

#[tokio::test]
async fn a_session_ends_at_its_absolute_lifetime_even_when_active() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    app.owner_exec(
        s.tenant,
        "update sessions set expires_at = now() - interval '1 second'",
    )
    .await;
    let response = s.get("/").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(location(&response).starts_with("/login?expired=1"));
}

#[tokio::test]
async fn signing_out_destroys_the_server_side_session() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Marketer).await;
    let cookie_before = app.count(s.tenant, "select count(*) from sessions").await;
    assert_eq!(cookie_before, 1);
    let out = s.post("/logout", &[]).await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&out), "/login?signed_out=1");
    assert_eq!(
        app.count(s.tenant, "select count(*) from sessions").await,
        0
    );
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from audit_events where action = 'auth.logout'"
        )
        .await,
        1
    );
    let page = TestApp::client()
        .get(app.url("/login?signed_out=1"))
        .send()
        .await
        .expect("login page");
    assert!(
        page.text()
            .await
            .expect("body")
            .contains("You have been signed out.")
    );
}

#[tokio::test]
async fn a_stolen_cookie_is_useless_after_sign_out() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("mercy").await;
    app.create_user(tenant, Role::Admin, "a@mercy.test").await;
    let response = app
        .login(&TestApp::client(), "mercy", "a@mercy.test", PASSWORD)
        .await;
    let cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let pair = cookie.split(';').next().unwrap_or_default().to_string();
    let raw = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let ok = raw
        .get(app.url("/"))
        .header("cookie", &pair)
        .send()
        .await
        .expect("get");
    assert_eq!(ok.status(), StatusCode::OK);
    raw.post(app.url("/logout"))
        .header("cookie", &pair)
        .send()
        .await
        .expect("logout");
    let after = raw
        .get(app.url("/"))
        .header("cookie", &pair)
        .send()
        .await
        .expect("get");
    assert_eq!(after.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn changing_the_password_ends_the_users_other_sessions() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    let other = TestApp::client();
    assert_eq!(
        app.login(&other, "mercy", &s.email, PASSWORD)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let new_password = "a brand new passphrase";
    let response = s
        .post(
            "/account/password",
            &[
                ("current", PASSWORD),
                ("new", new_password),
                ("confirm", new_password),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        s.get("/account").await.status(),
        StatusCode::OK,
        "this session stays"
    );
    assert_eq!(
        other
            .get(app.url("/account"))
            .send()
            .await
            .expect("get")
            .status(),
        StatusCode::SEE_OTHER,
        "the other ends"
    );
    let fresh = TestApp::client();
    assert_eq!(
        app.login(&fresh, "mercy", &s.email, PASSWORD)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login(&fresh, "mercy", &s.email, new_password)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn a_password_change_with_a_wrong_current_password_or_short_new_one_is_refused() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    let response = s
        .post(
            "/account/password",
            &[
                ("current", "not my password"),
                ("new", "short"),
                ("confirm", "different"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = response.text().await.expect("body");
    assert!(body.contains("This is not your current password."));
    assert!(body.contains("Use at least 12 characters."));
    assert!(body.contains("The two new passwords do not match."));
}
