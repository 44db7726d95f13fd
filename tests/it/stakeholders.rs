//! Stakeholders: create, validate, search, filter, export, bulk changes, archive; by role
//! and across tenants; and the API twin.

use rapport::domain::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Session, TestApp, location};

/// Valid NPIs (check digit verified) for tests.
const NPI_A: &str = "1234567893";
const NPI_B: &str = "1679576722";

async fn add(s: &Session, fields: &[(&str, &str)]) -> reqwest::Response {
    s.post("/stakeholders", fields).await
}

async fn add_physician(s: &Session, first: &str, last: &str, npi: &str) -> String {
    let r = add(
        s,
        &[
            ("kind", "physician"),
            ("first_name", first),
            ("last_name", last),
            ("npi", npi),
            ("taxonomy_code", "207RC0000X"),
            ("tier", "A"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "adding {first} {last}");
    location(&r)
}

#[tokio::test]
async fn a_liaison_adds_a_physician_and_finds_them_by_name_npi_specialty_and_tag() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    let r = add(
        &s,
        &[
            ("kind", "physician"),
            ("prefix", "Dr."),
            ("first_name", "Ana"),
            ("last_name", "Ruiz"),
            ("credentials", "MD, FACC"),
            ("npi", "123-456-7893"),
            ("taxonomy_code", "207RC0000X"),
            ("emails", "ana.ruiz@clinic.example, ANA.RUIZ@clinic.example"),
            ("phones", "(503) 555-0100"),
            ("preferred_channel", "visit"),
            ("tier", "A"),
            ("tags", "Key referrer, cardiology"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = s.text(&location(&r)).await;
    assert!(
        page.contains("Dr. Ana Ruiz, MD, FACC")
            && page.contains("Cardiovascular Disease Physician")
    );
    assert!(page.contains("1234567893") && page.contains("In-person visit"));
    assert!(page.contains("Ana Ruiz added."));
    for q in [
        "ruiz",
        "Ana R",
        "1234567893",
        "cardiovascular",
        "key referrer",
    ] {
        let list = s
            .text(&format!("/stakeholders?q={}", q.replace(' ', "+")))
            .await;
        assert!(list.contains("Ruiz, Ana"), "search {q:?} finds her");
    }
    let miss = s.text("/stakeholders?q=zzzz").await;
    assert!(miss.contains("No stakeholders match"));
    let tagged = s.text("/stakeholders?tag=KEY+REFERRER").await;
    assert!(
        tagged.contains("Ruiz, Ana"),
        "tags match without regard to case"
    );
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from audit_events where action = 'stakeholder.create'"
        )
        .await,
        1
    );
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from stakeholders where emails = '{ana.ruiz@clinic.example}'"
        )
        .await,
        1,
        "emails are lower-cased and de-duplicated"
    );
}

#[tokio::test]
async fn a_bad_form_comes_back_with_a_message_per_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Marketer).await;
    let r = add(
        &s,
        &[
            ("first_name", ""),
            ("last_name", "Ruiz"),
            ("npi", "1234567890"),
            ("emails", "not-an-email"),
            ("tier", "Z"),
            ("taxonomy_code", "NOTACODE0X"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.expect("body");
    for message in [
        "Enter a first name.",
        "its check digit does not match",
        "is not an email address",
        "Choose tier A, B or C.",
    ] {
        assert!(body.contains(message), "missing {message:?}");
    }
    assert!(
        body.contains("value=\"Ruiz\""),
        "the form keeps what was typed"
    );
    // A well-formed code that is not in the NUCC set is caught by the database, politely.
    let unknown = add(
        &s,
        &[
            ("first_name", "Ana"),
            ("last_name", "Ruiz"),
            ("taxonomy_code", "999999999X"),
        ],
    )
    .await;
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unknown
            .text()
            .await
            .expect("body")
            .contains("Choose a specialty from the list.")
    );
    assert_eq!(
        app.count(s.tenant, "select count(*) from stakeholders")
            .await,
        0
    );
}

#[tokio::test]
async fn a_second_stakeholder_with_the_same_npi_is_a_friendly_field_error() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    add_physician(&s, "Ana", "Ruiz", NPI_A).await;
    let r = add(
        &s,
        &[
            ("first_name", "Anna"),
            ("last_name", "Ruis"),
            ("npi", NPI_A),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .expect("body")
            .contains("already has this NPI")
    );
    // The same NPI in another workspace is that workspace's business.
    let other = app.signed_in("other", Role::Liaison).await;
    add_physician(&other, "Ana", "Ruiz", NPI_A).await;
}

#[tokio::test]
async fn an_executive_reads_the_book_but_cannot_change_it() {
    let app = TestApp::spawn().await;
    let liaison = app.signed_in("mercy", Role::Liaison).await;
    let path = add_physician(&liaison, "Ana", "Ruiz", NPI_A).await;
    let exec = app.signed_in("mercy", Role::Executive).await;
    let list = exec.text("/stakeholders").await;
    assert!(
        list.contains("Ruiz, Ana")
            && !list.contains("New stakeholder")
            && !list.contains("With selected")
    );
    assert_eq!(exec.get(&path).await.status(), StatusCode::OK);
    for (path, status) in [
        (
            "/stakeholders/new".to_string(),
            exec.get("/stakeholders/new").await.status(),
        ),
        (
            format!("{path}/edit"),
            exec.get(&format!("{path}/edit")).await.status(),
        ),
        (
            "POST /stakeholders".into(),
            add(&exec, &[("first_name", "X"), ("last_name", "Y")])
                .await
                .status(),
        ),
        (
            "POST archive".into(),
            exec.post(&format!("{path}/archive"), &[]).await.status(),
        ),
    ] {
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(
        app.count(
            liaison.tenant,
            "select count(*) from stakeholders where status = 'active'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn another_tenants_stakeholder_is_invisible_everywhere() {
    let app = TestApp::spawn().await;
    let a = app.signed_in("alpha", Role::Admin).await;
    let b = app.signed_in("beta", Role::Admin).await;
    let path = add_physician(&b, "Bea", "Beta", NPI_B).await;
    let id = path.trim_start_matches("/stakeholders/").to_string();
    assert_eq!(a.get(&path).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        a.get(&format!("{path}/edit")).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        a.post(&path, &[("first_name", "Hacked"), ("last_name", "X")])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        a.post(&format!("{path}/archive"), &[]).await.status(),
        StatusCode::NOT_FOUND
    );
    let bulk = a
        .post(
            "/stakeholders/bulk",
            &[
                ("id", id.as_str()),
                ("action", "add_tag"),
                ("value", "hacked"),
            ],
        )
        .await;
    assert_eq!(bulk.status(), StatusCode::SEE_OTHER);
    assert!(!a.text("/stakeholders?q=beta").await.contains("Beta, Bea"));
    let token = app.token(a.tenant, a.user).await;
    assert_eq!(
        app.api(&token)
            .get(&format!("/api/v1/stakeholders/{id}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let put = app
        .api(&token)
        .put(
            &format!("/api/v1/stakeholders/{id}"),
            &json!({"first_name": "X", "last_name": "Y"}),
        )
        .await;
    assert_eq!(put.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.count(b.tenant, "select count(*) from stakeholders where first_name = 'Bea' and tags = '{}' and status = 'active'").await,
        1,
        "untouched"
    );
}

#[tokio::test]
async fn archiving_hides_a_stakeholder_from_the_default_list_and_restoring_brings_them_back() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    let path = add_physician(&s, "Ana", "Ruiz", NPI_A).await;
    assert_eq!(
        s.post(&format!("{path}/archive"), &[]).await.status(),
        StatusCode::SEE_OTHER
    );
    assert!(!s.text("/stakeholders").await.contains("Ruiz, Ana"));
    assert!(
        s.text("/stakeholders?status=archived")
            .await
            .contains("Ruiz, Ana")
    );
    assert_eq!(
        s.post(&format!("{path}/restore"), &[]).await.status(),
        StatusCode::SEE_OTHER
    );
    assert!(s.text("/stakeholders").await.contains("Ruiz, Ana"));
    assert_eq!(
        app.count(s.tenant, "select count(*) from audit_events where action in ('stakeholder.archive', 'stakeholder.restore')").await,
        2
    );
}

#[tokio::test]
async fn editing_records_exactly_the_fields_that_changed() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    let path = add_physician(&s, "Ana", "Ruiz", NPI_A).await;
    assert_eq!(
        s.get(&format!("{path}/edit")).await.status(),
        StatusCode::OK
    );
    let r = s
        .post(
            &path,
            &[
                ("kind", "physician"),
                ("first_name", "Ana"),
                ("last_name", "Ruiz-Lopez"),
                ("npi", NPI_A),
                ("taxonomy_code", "207RC0000X"),
                ("tier", "B"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let changed = app
        .count(
            s.tenant,
            "select count(*) from audit_events where action = 'stakeholder.update'
               and changes ?& array['last_name', 'tier'] and not changes ? 'first_name' and not changes ? 'npi'",
        )
        .await;
    assert_eq!(changed, 1);
}

#[tokio::test]
async fn the_csv_export_holds_exactly_the_filtered_rows_and_is_audited() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Marketer).await;
    add_physician(&s, "Ana", "Ruiz", NPI_A).await;
    add(
        &s,
        &[
            ("first_name", "=HYPERLINK(\"x\")"),
            ("last_name", "Formula"),
            ("tier", "C"),
        ],
    )
    .await;
    let all = s.get("/stakeholders/export.csv").await;
    assert_eq!(
        all.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/csv; charset=utf-8")
    );
    assert!(
        all.headers()
            .get("content-disposition")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .starts_with("attachment")
    );
    let body = all.text().await.expect("csv");
    let lines: Vec<&str> = body.lines().collect();
    assert!(lines[0].starts_with("id,kind,prefix,first_name"));
    assert_eq!(lines.len(), 3);
    assert!(body.contains("'=HYPERLINK"), "a formula is neutralised");
    let tier_a = s.text("/stakeholders/export.csv?tier=A").await;
    assert_eq!(tier_a.lines().count(), 2);
    assert!(tier_a.contains("Ruiz") && tier_a.contains("Cardiovascular Disease Physician"));
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from audit_events where action = 'stakeholder.export'"
        )
        .await,
        2
    );
}

#[tokio::test]
async fn bulk_changes_apply_to_the_selection_and_are_audited_per_record() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    let a = add_physician(&s, "Ana", "Ruiz", NPI_A).await;
    let b = add_physician(&s, "Ben", "Okafor", NPI_B).await;
    let ids: Vec<String> = [&a, &b]
        .iter()
        .map(|p| p.trim_start_matches("/stakeholders/").to_string())
        .collect();
    let r = s
        .post(
            "/stakeholders/bulk",
            &[
                ("id", ids[0].as_str()),
                ("id", ids[1].as_str()),
                ("action", "add_tag"),
                ("value", "Golf outing"),
                ("return", "/stakeholders?tier=A"),
            ],
        )
        .await;
    assert_eq!(location(&r), "/stakeholders?tier=A");
    assert!(
        s.text("/stakeholders?tier=A")
            .await
            .contains("Changed 2 stakeholders.")
    );
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from stakeholders where 'Golf outing' = any(tags)"
        )
        .await,
        2
    );
    s.post(
        "/stakeholders/bulk",
        &[
            ("id", ids[0].as_str()),
            ("action", "set_tier"),
            ("value", "c"),
        ],
    )
    .await;
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from stakeholders where tier = 'C'"
        )
        .await,
        1
    );
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from audit_events where changes->>'bulk' = 'true'"
        )
        .await,
        3
    );
    let nothing = s.post("/stakeholders/bulk", &[("action", "archive")]).await;
    assert_eq!(location(&nothing), "/stakeholders");
    assert!(
        s.text("/stakeholders")
            .await
            .contains("Select at least one stakeholder first.")
    );
}

#[tokio::test]
async fn the_list_paginates_and_searches_literally() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    let names: Vec<String> = (1..=30).map(|i| format!("Person{i:02}")).collect();
    app.add_people(s.tenant, &names).await;
    let page1 = s.text("/stakeholders").await;
    assert!(
        page1.contains("1–25 of 30")
            && page1.contains("Person01, Pat")
            && !page1.contains("Person26")
    );
    let page2 = s.text("/stakeholders?page=2").await;
    assert!(page2.contains("26–30 of 30") && page2.contains("Person30, Pat"));
    assert!(
        s.text("/stakeholders?q=%25")
            .await
            .contains("No stakeholders match")
    );
    assert!(
        s.text("/stakeholders?q=person1")
            .await
            .contains("1–10 of 10")
    );
}

#[tokio::test]
async fn the_api_creates_filters_replaces_and_archives_stakeholders() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    let api = app.api(&app.token(s.tenant, s.user).await);
    let r = api
        .post(
            "/api/v1/stakeholders",
            &json!({"first_name": "Ana", "last_name": "Ruiz", "npi": NPI_A, "taxonomy_code": "207RC0000X",
                    "emails": ["ana@clinic.example"], "tags": ["key referrer"], "tier": "A", "do_not_contact": false}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let created: Value = r.json().await.expect("json");
    assert_eq!(created["specialty"], "Cardiovascular Disease Physician");
    assert_eq!(created["display_name"], "Ana Ruiz");
    let id = created["id"].as_str().expect("id").to_string();
    let found: Value = api
        .get("/api/v1/stakeholders?q=1234567893")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(found["total"], 1);
    let none: Value = api
        .get("/api/v1/stakeholders?tier=B")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(none["total"], 0);
    let replaced: Value = api
        .put(
            &format!("/api/v1/stakeholders/{id}"),
            &json!({"first_name": "Ana", "last_name": "Ruiz", "tier": "B"}),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(replaced["tier"], "B");
    assert_eq!(replaced["npi"], Value::Null, "PUT replaces every field");
    let bad = api
        .post(
            "/api/v1/stakeholders",
            &json!({"first_name": "", "last_name": "X", "npi": "42"}),
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = bad.json().await.expect("json");
    assert!(problem["errors"]["first_name"].is_string() && problem["errors"]["npi"].is_string());
    let archived: Value = api
        .post(&format!("/api/v1/stakeholders/{id}/archive"), &json!({}))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(archived["status"], "archived");
    let exec = app.signed_in("mercy", Role::Executive).await;
    let exec_api = app.api(&app.token(exec.tenant, exec.user).await);
    let denied = exec_api
        .post(
            "/api/v1/stakeholders",
            &json!({"first_name": "A", "last_name": "B"}),
        )
        .await;
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn search_follows_renames_and_tag_changes() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    let path = add_physician(&s, "Ana", "Ruiz", NPI_A).await;
    let id = path.trim_start_matches("/stakeholders/").to_string();
    s.post(
        &path,
        &[
            ("kind", "physician"),
            ("first_name", "Ana"),
            ("last_name", "Okafor"),
            ("npi", NPI_A),
        ],
    )
    .await;
    assert!(
        s.text("/stakeholders?q=okafor")
            .await
            .contains("Okafor, Ana")
    );
    assert!(
        s.text("/stakeholders?q=ruiz")
            .await
            .contains("No stakeholders match")
    );
    assert!(
        s.text("/stakeholders?q=cardiovascular")
            .await
            .contains("No stakeholders match"),
        "the specialty was cleared, so its words no longer find her"
    );
    s.post(
        "/stakeholders/bulk",
        &[
            ("id", id.as_str()),
            ("action", "add_tag"),
            ("value", "Golf Outing"),
        ],
    )
    .await;
    assert!(
        s.text("/stakeholders?tag=golf+outing")
            .await
            .contains("Okafor, Ana")
    );
    assert!(s.text("/stakeholders?q=golf").await.contains("Okafor, Ana"));
    s.post(
        "/stakeholders/bulk",
        &[
            ("id", id.as_str()),
            ("action", "remove_tag"),
            ("value", "golf outing"),
        ],
    )
    .await;
    assert!(
        s.text("/stakeholders?tag=golf+outing")
            .await
            .contains("No stakeholders match")
    );
}

#[tokio::test]
async fn a_search_matching_thousands_pages_and_counts_exactly() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    let names: Vec<String> = (1..=1_600).map(|i| format!("Person{i:04}")).collect();
    app.add_people(s.tenant, &names).await;
    let body = s.text("/stakeholders?q=pat").await;
    assert!(
        body.contains("1–25 of 1600") && body.contains("Person0001, Pat"),
        "dense search pages in name order"
    );
    let last = s.text("/stakeholders?q=pat&page=64").await;
    assert!(last.contains("1576–1600 of 1600") && last.contains("Person1600, Pat"));
    let (_, id) = sqlx::query_as::<_, (i64, uuid::Uuid)>(
        "select 1::int8, id from stakeholders where last_name = 'Person0001'",
    )
    .fetch_one(
        &mut *rapport::postgres::tenant_tx(&app.pools.app, s.tenant)
            .await
            .expect("tx"),
    )
    .await
    .expect("id");
    s.post(&format!("/stakeholders/{id}/archive"), &[]).await;
    assert!(s.text("/stakeholders?q=pat").await.contains("1–25 of 1599"));
    assert!(
        s.text("/stakeholders?q=pat&status=archived")
            .await
            .contains("1–1 of 1")
    );
    assert!(
        s.text("/stakeholders?q=pat&status=all")
            .await
            .contains("1–25 of 1600")
    );
    assert!(
        s.text("/stakeholders?q=pat+person16")
            .await
            .contains("1–1 of 1")
    );
}
