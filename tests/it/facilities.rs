//! Facilities through the pages: create, validate, list, search, paginate, edit, archive.

use rapport::domain::Role;
use reqwest::StatusCode;

use crate::helpers::{TestApp, location};

#[tokio::test]
async fn an_admin_creates_a_facility_that_is_listed_shown_and_audited() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Admin).await;
    let r = s
        .post(
            "/facilities",
            &[
                ("name", "  Riverside Orthopedic Center "),
                ("kind", "clinic"),
                ("city", "Portland"),
                ("state", "or"),
                ("postal_code", "97201"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let path = location(&r);
    let show = s.text(&path).await;
    assert!(
        show.contains("<h1>Riverside Orthopedic Center</h1>"),
        "name is trimmed"
    );
    assert!(
        show.contains("Facility “Riverside Orthopedic Center” created."),
        "flash message shows once"
    );
    let again = s.text(&path).await;
    assert!(
        !again.contains("created."),
        "the flash is gone on the next page"
    );
    let list = s.text("/facilities").await;
    assert!(list.contains("Riverside Orthopedic Center") && list.contains("Portland, OR"));
    let audited = app
        .count(s.tenant, "select count(*) from audit_events where action = 'facility.create' and changes->>'name' = 'Riverside Orthopedic Center'")
        .await;
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn a_form_with_errors_comes_back_with_messages_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Admin).await;
    let r = s
        .post(
            "/facilities",
            &[
                ("name", " "),
                ("kind", "castle"),
                ("state", "Oregon"),
                ("postal_code", "123"),
                ("phone", "call me"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.expect("body");
    for message in [
        "Enter the facility",
        "Choose a kind from the list.",
        "Use the two-letter code",
        "Use a ZIP code",
        "Use digits, spaces",
    ] {
        assert!(body.contains(message), "missing {message:?}");
    }
    assert!(
        body.contains("value=\"Oregon\""),
        "the form keeps what was typed"
    );
    assert_eq!(
        app.count(s.tenant, "select count(*) from facilities").await,
        0
    );
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from audit_events where entity = 'facility'"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn a_duplicate_name_is_a_field_error_not_a_crash() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Admin).await;
    for expected in [StatusCode::SEE_OTHER, StatusCode::UNPROCESSABLE_ENTITY] {
        let r = s
            .post(
                "/facilities",
                &[("name", "Mercy Main"), ("kind", "hospital")],
            )
            .await;
        assert_eq!(r.status(), expected);
        if expected == StatusCode::UNPROCESSABLE_ENTITY {
            assert!(r.text().await.expect("body").contains("already exists"));
        }
    }
    // The same name in another workspace is fine.
    let other = app.signed_in("other", Role::Admin).await;
    let r = other
        .post(
            "/facilities",
            &[("name", "Mercy Main"), ("kind", "hospital")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_list_searches_filters_and_paginates() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Admin).await;
    app.owner_exec(
        s.tenant,
        &format!(
            "insert into facilities (tenant_id, id, name, kind, city)
             select '{}', gen_random_uuid(), 'Site ' || lpad(i::text, 2, '0'), 'clinic', case when i % 2 = 0 then 'Salem' else 'Eugene' end
             from generate_series(1, 30) i",
            s.tenant
        ),
    )
    .await;
    let page1 = s.text("/facilities").await;
    assert!(
        page1.contains("1–25 of 30") && page1.contains("Site 01") && !page1.contains("Site 26")
    );
    let page2 = s.text("/facilities?page=2").await;
    assert!(page2.contains("26–30 of 30") && page2.contains("Site 30"));
    let salem = s.text("/facilities?q=salem").await;
    assert!(salem.contains("1–15 of 15"));
    let none = s.text("/facilities?q=%25").await;
    assert!(
        none.contains("No facilities match"),
        "a % is searched literally"
    );
    let hospitals = s.text("/facilities?kind=hospital").await;
    assert!(hospitals.contains("No facilities match"));
}

#[tokio::test]
async fn an_empty_workspace_explains_what_facilities_are_for() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Admin).await;
    let body = s.text("/facilities").await;
    assert!(body.contains("No facilities yet"));
}

#[tokio::test]
async fn editing_records_what_changed_and_archiving_hides_it_from_the_default_list() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Admin).await;
    let r = s
        .post("/facilities", &[("name", "Old Name"), ("kind", "clinic")])
        .await;
    let path = location(&r);
    let edit = s.get(&format!("{path}/edit")).await;
    assert_eq!(edit.status(), StatusCode::OK);
    let saved = s
        .post(&path, &[("name", "New Name"), ("kind", "clinic")])
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let changes = app
        .count(
            s.tenant,
            "select count(*) from audit_events where action = 'facility.update'
               and changes->'name'->>'from' = 'Old Name' and changes->'name'->>'to' = 'New Name'
               and changes ? 'active' and not changes ? 'kind'",
        )
        .await;
    assert_eq!(
        changes, 1,
        "name changed and, with the box unchecked, active too; kind did not"
    );
    let list = s.text("/facilities").await;
    assert!(
        !list.contains("New Name"),
        "archived facilities leave the default list"
    );
    let archived = s.text("/facilities?status=archived").await;
    assert!(archived.contains("New Name"));
}
