//! Referral views through the HTTP stack: the overview's numbers after a real import, the
//! loyalty share from facility NPIs, the decline list, small-cell suppression on pages, CSV
//! and API, the settings page, facility NPI validation, and tenancy.

use rapport::domain::{Role, TenantId, npi_check_digit};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::helpers::{Session, TestApp, caller, finished_job, location, upload_import};

/// A valid NPI from nine digits.
fn npi(nine: &str) -> String {
    format!("{nine}{}", npi_check_digit(nine.as_bytes()))
}

/// Physicians "Pat <name>" with the given NPIs.
async fn people(app: &TestApp, tenant: TenantId, people: &[(&str, &str)]) {
    let names: Vec<String> = people.iter().map(|(n, _)| n.to_string()).collect();
    app.add_people(tenant, &names).await;
    for (name, npi) in people {
        app.owner_exec(
            tenant,
            &format!("update stakeholders set npi = '{npi}' where last_name = '{name}'"),
        )
        .await;
    }
}

/// The stakeholder id of "Pat <name>".
async fn person_id(app: &TestApp, tenant: TenantId, name: &str) -> uuid::Uuid {
    let mut tx = rapport::postgres::tenant_tx(&app.pools.app, tenant)
        .await
        .expect("tx");
    let id: uuid::Uuid = sqlx::query_scalar("select id from stakeholders where last_name = $1")
        .bind(name)
        .fetch_one(&mut *tx)
        .await
        .expect("person");
    tx.commit().await.expect("commit");
    id
}

/// `count` referrals a month from `from` to `to` for months `first..=last` of 2025
/// (negative months reach into 2024), written directly, then the rollup refreshed.
async fn seed(app: &TestApp, tenant: TenantId, rows: &[(&str, &str, i32, i32, i64)]) {
    for (from, to, first, last, count) in rows {
        app.owner_exec(
            tenant,
            &format!(
                "insert into referrals (tenant_id, from_npi, to_npi, period, count, source)
                 select app_tenant_id(), '{from}', '{to}', (date '2025-01-01' + make_interval(months => g))::date, {count}, 'test'
                 from generate_series({first}, {last}) g"
            ),
        )
        .await;
    }
    let mut tx = rapport::postgres::tenant_tx(&app.pools.app, tenant)
        .await
        .expect("tx");
    rapport::db::referrals::rollup::refresh_all(&mut tx, tenant)
        .await
        .expect("rollup");
    tx.commit().await.expect("commit");
}

async fn create_facility(s: &Session, name: &str, npi: &str) -> reqwest::Response {
    s.post(
        "/facilities",
        &[("name", name), ("kind", "hospital"), ("npi", npi)],
    )
    .await
}

async fn import(app: &TestApp, s: &Session, csv: String) {
    let form = Form::new().text("kind", "referrals").part(
        "file",
        Part::bytes(csv.into_bytes()).file_name("referrals.csv"),
    );
    let job = upload_import(s, form).await;
    let done = finished_job(app, s.tenant, job).await;
    assert_eq!(done["status"], "succeeded", "{done}");
}

fn csv_row<'a>(csv: &'a str, npi: &str) -> Vec<&'a str> {
    csv.lines()
        .find(|l| l.starts_with(npi))
        .unwrap_or_else(|| panic!("no row for {npi} in {csv}"))
        .split(',')
        .collect()
}

#[tokio::test]
async fn the_overview_shows_an_imported_files_referrers_with_their_loyalty() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Admin).await;
    let (able, baker, own, other) = (
        npi("111111111"),
        npi("222222222"),
        npi("333333333"),
        npi("444444444"),
    );
    people(&app, s.tenant, &[("Able", &able), ("Baker", &baker)]).await;
    assert!(
        s.text("/referrals").await.contains("No referral data yet"),
        "the empty state says how to import"
    );
    let r = create_facility(&s, "Mercy General", &own).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let mut file = String::from("from_npi,to_npi,period,count\n");
    for month in ["2025-01", "2025-02", "2025-03"] {
        file.push_str(&format!(
            "{able},{own},{month},30\n{able},{other},{month},10\n"
        ));
        file.push_str(&format!("{baker},{other},{month},20\n"));
    }
    import(&app, &s, file).await;
    let page = s.text("/referrals").await;
    assert!(
        page.contains("Pat Able") && page.contains("Pat Baker"),
        "named referrers"
    );
    assert!(page.contains(">180<"), "180 referrals in all: {page}");
    assert!(page.contains(">50%<"), "90 of 180 to Mercy General");
    let top = s.text("/referrals/top-referrers.csv").await;
    assert_eq!(
        csv_row(&top, &able)[3..8],
        ["120", "90", "30", "75", "25"],
        "Able: 120, 90 own, 30 elsewhere, loyalty 75%"
    );
    assert_eq!(csv_row(&top, &baker)[3..7], ["60", "0", "60", "0"]);
    let leak = s.text("/referrals/leakage.csv").await;
    let second = leak.lines().nth(1).unwrap_or_default();
    assert!(second.starts_with(&baker), "Baker leaks most: {leak}");
    // The facility's page counts what reached it; the physician's page names it.
    let facility = app
        .count(
            s.tenant,
            "select count(*) from facilities where npi is not null",
        )
        .await;
    assert_eq!(facility, 1);
    let able_id = person_id(&app, s.tenant, "Able").await;
    let profile = s.text(&format!("/stakeholders/{able_id}")).await;
    assert!(profile.contains("Top destinations") && profile.contains("Mercy General"));
    assert!(profile.contains("<svg class=\"bar-chart\""), "a chart");
    assert!(
        profile.contains("Show as a table"),
        "with a table alternative"
    );
    // A new NPI on another facility moves referrals from elsewhere to own.
    let r = create_facility(&s, "Mercy East", &other).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let top = s.text("/referrals/top-referrers.csv").await;
    assert_eq!(csv_row(&top, &baker)[3..7], ["60", "60", "0", "100"]);
    assert!(
        app.count(
            s.tenant,
            "select count(*) from audit_events where action = 'referral.export'"
        )
        .await
            >= 3,
        "downloads are audited"
    );
}

#[tokio::test]
async fn the_decline_list_picks_the_physician_whose_last_months_fell() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    let (falling, steady, small, dest) = (
        npi("555555555"),
        npi("666666666"),
        npi("777777777"),
        npi("888888888"),
    );
    people(
        &app,
        s.tenant,
        &[("Falling", &falling), ("Steady", &steady)],
    )
    .await;
    // Oct 2024 – Sep 2025 is the baseline, Oct – Dec 2025 the recent window.
    seed(
        &app,
        s.tenant,
        &[
            (&falling, &dest, -3, 8, 10),
            (&falling, &dest, 9, 11, 2),
            (&steady, &dest, -3, 11, 10),
            (&small, &dest, -3, 8, 1),
        ],
    )
    .await;
    let page = s.text("/referrals?from=2025-01&to=2025-12").await;
    let declining = page.split("id=\"decline-h\"").nth(1).unwrap_or_default();
    assert!(declining.contains("Pat Falling"), "{declining}");
    assert!(declining.contains("-80%"), "10 a month down to 2");
    assert!(!declining.contains("Pat Steady"));
    assert!(!declining.contains(&small), "too few referrals to judge");
    let c = caller(&app, "mercy", Role::Liaison).await;
    let r = c
        .api
        .get("/api/v1/referrals/declines?from=2025-01&to=2025-12")
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["items"].as_array().map(Vec::len), Some(1), "{body}");
    assert_eq!(body["items"][0]["npi"], falling.as_str());
    assert_eq!(body["items"][0]["change_percent"], -80);
    assert_eq!(body["items"][0]["baseline"], 120);
}

#[tokio::test]
async fn small_cells_show_as_under_eleven_on_pages_csv_and_api_when_turned_on() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("mercy", Role::Admin).await;
    let (few, many, dest) = (npi("121212121"), npi("343434343"), npi("565656565"));
    people(&app, admin.tenant, &[("Few", &few), ("Many", &many)]).await;
    seed(
        &app,
        admin.tenant,
        &[(&few, &dest, 11, 11, 7), (&many, &dest, 11, 11, 40)],
    )
    .await;
    let c = caller(&app, "mercy", Role::Liaison).await;
    let few_id = person_id(&app, admin.tenant, "Few").await;
    // Off (the default): exact numbers.
    let top = admin.text("/referrals/top-referrers.csv").await;
    assert_eq!(csv_row(&top, &few)[3], "7");
    let api: Value = c
        .api
        .get("/api/v1/referrals/top-referrers")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(api["small_cell_suppression"], false);
    assert!(
        api["items"]
            .as_array()
            .is_some_and(|i| i.iter().any(|r| r["referrals"] == 7))
    );
    assert!(
        !admin
            .text(&format!("/stakeholders/{few_id}"))
            .await
            .contains("&lt;11")
    );
    // On: 1 to 10 become "<11"; 40 stays 40; 0 stays 0.
    let r = admin
        .post("/settings", &[("small_cell_suppression", "on")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let top = admin.text("/referrals/top-referrers.csv").await;
    assert_eq!(csv_row(&top, &few)[3], "<11");
    assert_eq!(csv_row(&top, &many)[3..5], ["40", "0"]);
    let page = admin.text(&format!("/stakeholders/{few_id}")).await;
    assert!(page.contains("&lt;11"), "the profile hides the 7");
    assert!(!page.contains(">7<"));
    let api: Value = c
        .api
        .get("/api/v1/referrals/top-referrers")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(api["small_cell_suppression"], true);
    let few_row = api["items"]
        .as_array()
        .and_then(|i| i.iter().find(|r| r["npi"] == few.as_str()))
        .cloned()
        .unwrap_or_default();
    assert_eq!(few_row["referrals"], "<11");
    let mine: Value = c
        .api
        .get(&format!("/api/v1/referrals/stakeholders/{few_id}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(mine["referrals"], "<11", "{mine}");
    assert_eq!(mine["destinations"][0]["referrals"], "<11");
    // Off again: exact.
    admin.post("/settings", &[]).await;
    let top = admin.text("/referrals/top-referrers.csv").await;
    assert_eq!(csv_row(&top, &few)[3], "7");
}

#[tokio::test]
async fn settings_are_for_admins_only_refuse_cross_site_posts_and_are_audited() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("mercy", Role::Admin).await;
    let liaison = app.signed_in("mercy", Role::Liaison).await;
    assert_eq!(
        liaison.get("/settings").await.status(),
        StatusCode::FORBIDDEN
    );
    let r = liaison
        .post("/settings", &[("small_cell_suppression", "on")])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(
        !liaison
            .text("/referrals")
            .await
            .contains("href=\"/settings\"")
    );
    let page = admin.text("/settings").await;
    assert!(page.contains("Suppress small cells") && page.contains("href=\"/settings\""));
    let forged = admin
        .client
        .post(format!("{}/settings", admin.base))
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .form(&[("small_cell_suppression", "on")])
        .send()
        .await
        .expect("post");
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.count(
            admin.tenant,
            "select count(*) from workspace_settings where small_cell_suppression"
        )
        .await,
        0
    );
    let r = admin
        .post("/settings", &[("small_cell_suppression", "on")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(admin.text("/settings").await.contains("checked"));
    assert_eq!(
        app.count(
            admin.tenant,
            "select count(*) from audit_events where action = 'settings.update' and changes->'small_cell_suppression'->>'to' = 'true'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn a_facility_npi_needs_its_check_digit_and_must_be_unique_in_the_workspace() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Admin).await;
    let r = create_facility(&s, "Mercy General", "1234567890").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.expect("body");
    assert!(body.contains("check digit does not match"), "{body}");
    assert!(
        body.contains("value=\"1234567890\""),
        "the form keeps what was typed"
    );
    let r = create_facility(&s, "Mercy General", "1234567893").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let shown = s.text(&location(&r)).await;
    assert!(shown.contains("1234567893"));
    let r = create_facility(&s, "Mercy East", "1234567893").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .expect("body")
            .contains("Another facility of your workspace has this NPI.")
    );
    assert_eq!(
        app.count(s.tenant, "select count(*) from facilities").await,
        1
    );
    // Editing: a bad NPI is refused, a blank one clears it.
    let id = location(&create_facility(&s, "Mercy West", "").await);
    let r = s
        .post(
            &id,
            &[
                ("name", "Mercy West"),
                ("kind", "clinic"),
                ("npi", "12345"),
                ("active", "on"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = s
        .post(
            &id,
            &[
                ("name", "Mercy West"),
                ("kind", "clinic"),
                ("npi", "1234567893"),
                ("active", "on"),
            ],
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "duplicate on edit"
    );
    // The API checks the same.
    let c = caller(&app, "mercy", Role::Admin).await;
    let r = c
        .api
        .post(
            "/api/v1/facilities",
            &serde_json::json!({"name": "Mercy North", "npi": "1234567890"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = c
        .api
        .post(
            "/api/v1/facilities",
            &serde_json::json!({"name": "Mercy North", "npi": npi("999999999")}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["npi"], npi("999999999").as_str());
}

#[tokio::test]
async fn organizations_and_facilities_show_their_referrals() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Admin).await;
    let (doc, hospital) = (npi("135791357"), npi("246802468"));
    people(&app, s.tenant, &[("Member", &doc)]).await;
    let facility = location(&create_facility(&s, "Mercy General", &hospital).await);
    app.owner_exec(
        s.tenant,
        "insert into organizations (tenant_id, id, name, kind) values (app_tenant_id(), '00000000-0000-0000-0000-0000000000a1', 'Bayside Health', 'medical_group');
         insert into organizations (tenant_id, id, name, kind, parent_id) values (app_tenant_id(), '00000000-0000-0000-0000-0000000000a2', 'Bayside Heart', 'practice', '00000000-0000-0000-0000-0000000000a1');
         insert into affiliations (tenant_id, id, stakeholder_id, organization_id, role)
           select app_tenant_id(), gen_random_uuid(), id, '00000000-0000-0000-0000-0000000000a2', 'practices_at' from stakeholders where last_name = 'Member';",
    )
    .await;
    seed(&app, s.tenant, &[(&doc, &hospital, 0, 11, 15)]).await;
    app.owner_exec(
        s.tenant,
        &format!("update referrals set service_line = 'Cardiology' where period >= '2025-07-01' and from_npi = '{doc}'"),
    )
    .await;
    let parent = s
        .text("/organizations/00000000-0000-0000-0000-0000000000a1")
        .await;
    assert!(
        parent.contains("Members' referrals") && parent.contains("Pat Member"),
        "a child organization's member counts"
    );
    assert!(parent.contains(">180<"), "12 months of 15");
    assert!(parent.contains(">100%<"), "all to the workspace's facility");
    let page = s.text(&facility).await;
    assert!(
        page.contains("By service line")
            && page.contains("Cardiology")
            && page.contains("Not specified")
    );
    assert!(page.contains(">90<"), "six months of Cardiology");
    let fid = facility.rsplit('/').next().unwrap_or_default();
    let lines = s
        .text(&format!("/referrals/facilities/{fid}/service-lines.csv"))
        .await;
    assert!(lines.contains("Cardiology,90,1"), "{lines}");
    // The htmx fragment swaps the section; without htmx it leads back to the page.
    let r = s
        .client
        .get(format!(
            "{}/referrals/facilities/{fid}/section?from=2025-07&to=2025-12",
            s.base
        ))
        .header("hx-request", "true")
        .send()
        .await
        .expect("get");
    let fragment = r.text().await.expect("body");
    assert!(fragment.starts_with("\n<section") || fragment.trim_start().starts_with("<section"));
    assert!(fragment.contains("Jul 2025 – Dec 2025"));
    let r = s
        .get(&format!("/referrals/facilities/{fid}/section?from=2025-07"))
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn another_tenants_referrals_never_show_and_its_ids_are_not_found() {
    let app = TestApp::spawn().await;
    let mercy = app.signed_in("mercy", Role::Admin).await;
    let other = app.signed_in("other", Role::Admin).await;
    let (secret, dest) = (npi("975318642"), npi("864213579"));
    people(&app, mercy.tenant, &[("Secret", &secret)]).await;
    seed(&app, mercy.tenant, &[(&secret, &dest, 0, 11, 50)]).await;
    let facility = location(&create_facility(&mercy, "Mercy General", &dest).await);
    let fid = facility.rsplit('/').next().unwrap_or_default().to_string();
    let sid = person_id(&app, mercy.tenant, "Secret").await;
    let page = other.text("/referrals").await;
    assert!(page.contains("No referral data yet") && !page.contains(&secret));
    for csv in ["top-referrers", "leakage", "declines"] {
        let body = other.text(&format!("/referrals/{csv}.csv")).await;
        assert!(!body.contains(&secret), "{csv}");
    }
    for path in [
        format!("/referrals/stakeholders/{sid}/section"),
        format!("/referrals/stakeholders/{sid}/trend.csv"),
        format!("/referrals/stakeholders/{sid}/destinations.csv"),
        format!("/referrals/facilities/{fid}/section"),
        format!("/referrals/facilities/{fid}/referrers.csv"),
        format!("/referrals/organizations/{sid}/members.csv"),
        format!("/stakeholders/{sid}"),
        facility.clone(),
    ] {
        assert_eq!(
            other.get(&path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    // The same facility NPI in another workspace is fine (unique per workspace).
    assert_eq!(
        create_facility(&other, "Other General", &dest)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let c = caller(&app, "other", Role::Liaison).await;
    let r = c
        .api
        .get(&format!("/api/v1/referrals/stakeholders/{sid}"))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let body: Value = c
        .api
        .get("/api/v1/referrals/top-referrers")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(body["items"].as_array().map(Vec::len), Some(0));
}
