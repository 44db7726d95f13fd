//! Organizations: create with a parent, validate, list, archive; by role and across tenants.

use rapport::domain::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, location};

#[tokio::test]
async fn a_marketer_adds_a_group_and_a_member_practice() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Marketer).await;
    let group = s
        .post(
            "/organizations",
            &[
                ("name", "Cascade Medical Group"),
                ("kind", "medical_group"),
                ("city", "Portland"),
                ("state", "or"),
            ],
        )
        .await;
    assert_eq!(group.status(), StatusCode::SEE_OTHER);
    let group_path = location(&group);
    let group_id = group_path.trim_start_matches("/organizations/").to_string();
    let practice = s
        .post(
            "/organizations",
            &[
                ("name", "Westside Cardiology"),
                ("kind", "practice"),
                ("parent_id", group_id.as_str()),
                ("npi", "1497758544"),
                ("website", "https://westside.example"),
            ],
        )
        .await;
    assert_eq!(practice.status(), StatusCode::SEE_OTHER);
    let page = s.text(&location(&practice)).await;
    assert!(
        page.contains("Westside Cardiology")
            && page.contains("Cascade Medical Group")
            && page.contains("1497758544")
    );
    assert!(
        s.text(&group_path).await.contains("Westside Cardiology"),
        "the group lists its member"
    );
    let list = s.text("/organizations?q=westside").await;
    assert!(list.contains("Westside Cardiology") && !list.contains(">Cascade Medical Group</a>"));
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from audit_events where action = 'organization.create'"
        )
        .await,
        2
    );
}

#[tokio::test]
async fn bad_and_duplicate_organizations_get_field_messages() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    let bad = s
        .post(
            "/organizations",
            &[
                ("name", ""),
                ("kind", "castle"),
                ("npi", "42"),
                ("website", "westside.example"),
            ],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = bad.text().await.expect("body");
    for m in [
        "Enter the organization",
        "Choose a kind from the list.",
        "An NPI has exactly 10 digits.",
        "Start the address with https://",
    ] {
        assert!(body.contains(m), "{m}");
    }
    assert_eq!(
        s.post("/organizations", &[("name", "Westside Cardiology")])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let dup = s
        .post("/organizations", &[("name", "westside cardiology")])
        .await;
    assert_eq!(dup.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(dup.text().await.expect("body").contains("already exists"));
    assert_eq!(
        app.count(s.tenant, "select count(*) from organizations")
            .await,
        1
    );
}

#[tokio::test]
async fn an_executive_reads_organizations_but_cannot_change_them() {
    let app = TestApp::spawn().await;
    let m = app.signed_in("mercy", Role::Marketer).await;
    let path = location(
        &m.post("/organizations", &[("name", "Westside Cardiology")])
            .await,
    );
    let e = app.signed_in("mercy", Role::Executive).await;
    assert_eq!(e.get(&path).await.status(), StatusCode::OK);
    assert!(!e.text("/organizations").await.contains("New organization"));
    assert_eq!(
        e.get("/organizations/new").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        e.post("/organizations", &[("name", "X")]).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        e.post(&format!("{path}/archive"), &[]).await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn another_tenants_organization_is_out_of_reach_even_as_a_parent() {
    let app = TestApp::spawn().await;
    let a = app.signed_in("alpha", Role::Admin).await;
    let b = app.signed_in("beta", Role::Admin).await;
    let path = location(&b.post("/organizations", &[("name", "Beta Group")]).await);
    let id = path.trim_start_matches("/organizations/").to_string();
    assert_eq!(a.get(&path).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        a.get(&format!("{path}/edit")).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        a.post(&path, &[("name", "Hijacked")]).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        a.post(&format!("{path}/archive"), &[]).await.status(),
        StatusCode::NOT_FOUND
    );
    // The foreign key includes the tenant, so another tenant's id cannot be a parent.
    let child = a
        .post(
            "/organizations",
            &[("name", "Alpha Practice"), ("parent_id", id.as_str())],
        )
        .await;
    assert_eq!(child.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        child
            .text()
            .await
            .expect("body")
            .contains("Choose a parent from the list.")
    );
    let api = app.api(&app.token(a.tenant, a.user).await);
    assert_eq!(
        api.get(&format!("/api/v1/organizations/{id}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        api.put(
            &format!("/api/v1/organizations/{id}"),
            &json!({"name": "X"})
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.count(
            b.tenant,
            "select count(*) from organizations where name = 'Beta Group' and status = 'active'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn archiving_and_the_api_twin() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    let api = app.api(&app.token(s.tenant, s.user).await);
    let r = api
        .post(
            "/api/v1/organizations",
            &json!({"name": "Harbor Health Plan", "kind": "health_plan", "state": "wa"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let org: Value = r.json().await.expect("json");
    assert_eq!(org["state"], "WA");
    let id = org["id"].as_str().expect("id").to_string();
    let list: Value = api
        .get("/api/v1/organizations?kind=health_plan")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list["total"], 1);
    assert_eq!(
        s.post(&format!("/organizations/{id}/archive"), &[])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    assert!(
        s.text("/organizations")
            .await
            .contains("No organizations yet")
            || !s
                .text("/organizations")
                .await
                .contains("Harbor Health Plan")
    );
    assert!(
        s.text("/organizations?status=archived")
            .await
            .contains("Harbor Health Plan")
    );
    let restored: Value = api
        .post(&format!("/api/v1/organizations/{id}/restore"), &json!({}))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(restored["status"], "active");
    let selfparent = api
        .put(
            &format!("/api/v1/organizations/{id}"),
            &json!({"name": "Harbor Health Plan", "parent_id": id}),
        )
        .await;
    assert_eq!(selfparent.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
