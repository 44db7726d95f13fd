//! Admins manage users in the browser; the audit log shows what happened.

use rapport::domain::Role;
use reqwest::StatusCode;

use crate::helpers::{TestApp, location};

#[tokio::test]
async fn an_admin_adds_a_user_who_can_then_sign_in() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Admin).await;
    let r = s
        .post(
            "/admin/users",
            &[
                ("name", "Lee Liaison"),
                ("email", "Lee@Mercy.test"),
                ("role", "liaison"),
                ("password", "first password!"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(location(&r).starts_with("/admin/users/"));
    let login = app
        .login(
            &TestApp::client(),
            "mercy",
            "lee@mercy.test",
            "first password!",
        )
        .await;
    assert_eq!(login.status(), StatusCode::SEE_OTHER);
    let dup = s
        .post(
            "/admin/users",
            &[
                ("name", "Lee Again"),
                ("email", "lee@mercy.test"),
                ("role", "liaison"),
                ("password", "first password!"),
            ],
        )
        .await;
    assert_eq!(dup.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(dup.text().await.expect("body").contains("already exists"));
}

#[tokio::test]
async fn a_new_user_form_with_errors_keeps_what_was_typed() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Admin).await;
    let r = s
        .post(
            "/admin/users",
            &[
                ("name", "Pat Marketer"),
                ("email", "not-an-email"),
                ("role", "wizard"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.expect("body");
    assert!(
        body.contains("value=\"Pat Marketer\""),
        "the name stays in the form"
    );
    assert!(
        body.contains("Enter a valid email address")
            && body.contains("Choose a role.")
            && body.contains("at least 12")
    );
}

#[tokio::test]
async fn deactivating_a_user_signs_them_out_and_blocks_sign_in() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("mercy", Role::Admin).await;
    let liaison = app.signed_in("mercy", Role::Liaison).await;
    let token = app.token(liaison.tenant, liaison.user).await;
    let r = admin
        .post(
            &format!("/admin/users/{}", liaison.user),
            &[("name", "Test Liaison"), ("role", "liaison")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(liaison.get("/").await.status(), StatusCode::SEE_OTHER);
    let login = app
        .login(
            &TestApp::client(),
            "mercy",
            &liaison.email,
            crate::helpers::PASSWORD,
        )
        .await;
    assert_eq!(login.status(), StatusCode::UNAUTHORIZED);
    let api = app.api(&token).get("/api/v1/me").await;
    assert_eq!(api.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_last_admin_cannot_demote_or_deactivate_themselves() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("mercy", Role::Admin).await;
    let r = admin
        .post(
            &format!("/admin/users/{}", admin.user),
            &[
                ("name", "Test Admin"),
                ("role", "executive"),
                ("active", "on"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.expect("body").contains("last active admin"));
}

#[tokio::test]
async fn an_admin_resets_a_password_and_the_old_one_stops_working() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("mercy", Role::Admin).await;
    let liaison = app.signed_in("mercy", Role::Liaison).await;
    let r = admin
        .post(
            &format!("/admin/users/{}/password", liaison.user),
            &[("password", "reset by the admin")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        liaison.get("/").await.status(),
        StatusCode::SEE_OTHER,
        "sessions ended"
    );
    let fresh = TestApp::client();
    assert_eq!(
        app.login(&fresh, "mercy", &liaison.email, "reset by the admin")
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn the_audit_log_lists_and_filters_events() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("mercy", Role::Admin).await;
    admin
        .post(
            "/facilities",
            &[("name", "Audited Clinic"), ("kind", "clinic")],
        )
        .await;
    let all = admin.text("/admin/audit").await;
    assert!(all.contains("auth.login") && all.contains("facility.create"));
    let only = admin.text("/admin/audit?action=facility.create").await;
    assert!(
        only.contains("Audited Clinic")
            && !only.contains("<td class=\"mono nowrap\">auth.login</td>")
    );
    let bad_date = admin.get("/admin/audit?from=yesterday").await;
    assert_eq!(bad_date.status(), StatusCode::OK);
    assert!(
        bad_date
            .text()
            .await
            .expect("body")
            .contains("Dates must look like")
    );
}
