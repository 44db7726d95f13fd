//! Admins manage users in the browser; the audit log shows what happened.

use rapport::domain::Role;
use reqwest::StatusCode;

use crate::helpers::{TestApp, location};

#[tokio::test]
async fn an_admin_adds_a_user_who_can_then_sign_in() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Admin).await;
    let r = s
        .client
        .post(app.url("/admin/users"))
        .form(&[
            ("name", "Lee Liaison"),
            ("email", "Lee@Mercy.test"),
            ("role", "liaison"),
            ("password", "first password!"),
        ])
        .send()
        .await
        .expect("post");
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
        .client
        .post(app.url("/admin/users"))
        .form(&[
            ("name", "Lee Again"),
            ("email", "lee@mercy.test"),
            ("role", "liaison"),
            ("password", "first password!"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(dup.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(dup.text().await.expect("body").contains("already exists"));
}

#[tokio::test]
async fn a_new_user_form_with_errors_keeps_what_was_typed() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Admin).await;
    let r = s
        .client
        .post(app.url("/admin/users"))
        .form(&[
            ("name", "Pat Marketer"),
            ("email", "not-an-email"),
            ("role", "wizard"),
            ("password", "short"),
        ])
        .send()
        .await
        .expect("post");
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
        .client
        .post(app.url(&format!("/admin/users/{}", liaison.user)))
        .form(&[("name", "Test Liaison"), ("role", "liaison")])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        liaison
            .client
            .get(app.url("/"))
            .send()
            .await
            .expect("get")
            .status(),
        StatusCode::SEE_OTHER
    );
    let login = app
        .login(
            &TestApp::client(),
            "mercy",
            &liaison.email,
            crate::helpers::PASSWORD,
        )
        .await;
    assert_eq!(login.status(), StatusCode::UNAUTHORIZED);
    let api = reqwest::Client::new()
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get");
    assert_eq!(api.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_last_admin_cannot_demote_or_deactivate_themselves() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("mercy", Role::Admin).await;
    let r = admin
        .client
        .post(app.url(&format!("/admin/users/{}", admin.user)))
        .form(&[
            ("name", "Test Admin"),
            ("role", "executive"),
            ("active", "on"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.expect("body").contains("last active admin"));
}

#[tokio::test]
async fn an_admin_resets_a_password_and_the_old_one_stops_working() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("mercy", Role::Admin).await;
    let liaison = app.signed_in("mercy", Role::Liaison).await;
    let r = admin
        .client
        .post(app.url(&format!("/admin/users/{}/password", liaison.user)))
        .form(&[("password", "reset by the admin")])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        liaison
            .client
            .get(app.url("/"))
            .send()
            .await
            .expect("get")
            .status(),
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
        .client
        .post(app.url("/facilities"))
        .form(&[("name", "Audited Clinic"), ("kind", "clinic")])
        .send()
        .await
        .expect("post");
    let all = admin
        .client
        .get(app.url("/admin/audit"))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("body");
    assert!(all.contains("auth.login") && all.contains("facility.create"));
    let only = admin
        .client
        .get(app.url("/admin/audit?action=facility.create"))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("body");
    assert!(
        only.contains("Audited Clinic")
            && !only.contains("<td class=\"mono nowrap\">auth.login</td>")
    );
    let bad_date = admin
        .client
        .get(app.url("/admin/audit?from=yesterday"))
        .send()
        .await
        .expect("get");
    assert_eq!(bad_date.status(), StatusCode::OK);
    assert!(
        bad_date
            .text()
            .await
            .expect("body")
            .contains("Dates must look like")
    );
}
