//! A stakeholder CSV from another system: uploaded, its columns matched on the mapping
//! screen (suggested from the header), imported with matches by NPI or email, and only the
//! mapped fields written.

use rapport::domain::Role;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use uuid::Uuid;

use crate::helpers::{Session, TestApp, caller, finished_job as finished, json_of, location};

const ROSTER: &str = "\u{feff}First Name;Last Name;NPI Number;E-mail;Practice Name;Tier;Notes\r\n\
Ana;Ruiz;1234567893;ana.ruiz@clinic.test;Cascade Cardiology;A;likes mornings\r\n\
José;Müller;;jose@clinic.test;Cascade Cardiology;b;\r\n\
Kim;Lee;12345;kim@clinic.test;;C;\r\n";

async fn upload(s: &Session, bytes: &[u8]) -> reqwest::Response {
    let form = Form::new()
        .text("kind", "stakeholders")
        .part("file", Part::bytes(bytes.to_vec()).file_name("roster.csv"));
    s.client
        .post(format!("{}/admin/imports", s.base))
        .multipart(form)
        .send()
        .await
        .expect("upload")
}

fn job_in(path: &str) -> Uuid {
    path.trim_end_matches("/mapping")
        .rsplit('/')
        .next()
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no job id in {path:?}"))
}

#[tokio::test]
async fn a_roster_is_matched_on_the_mapping_screen_and_imported_once() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Admin).await;
    let r = upload(&s, ROSTER.as_bytes()).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = location(&r);
    assert!(to.ends_with("/mapping"), "{to}");
    let job = job_in(&to);
    let page = s.text(&to).await;
    // Suggested from the header; the first rows shown as in the file.
    assert!(page.contains("Match the columns") && page.contains("Müller"));
    assert!(
        page.contains(r#"<option value="npi" selected>"#),
        "NPI Number → NPI: {page}"
    );
    assert!(page.contains(r#"<option value="organization_name" selected>"#));
    // Without any name column the mapping is refused with a reason, and nothing runs.
    let bad: Vec<(&str, &str)> = ["ignore"; 7].iter().map(|k| ("field", *k)).collect();
    let r = s.post(&format!("/admin/imports/{job}/mapping"), &bad).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .expect("body")
            .to_lowercase()
            .contains("name")
    );
    let fields = [
        "first_name",
        "last_name",
        "npi",
        "email",
        "organization_name",
        "tier",
        "ignore",
    ];
    let good: Vec<(&str, &str)> = fields.iter().map(|k| ("field", *k)).collect();
    let r = s
        .post(&format!("/admin/imports/{job}/mapping"), &good)
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let done = finished(&app, s.tenant, job).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(done["created"], 2, "{done}");
    assert_eq!(done["failed"], 1, "the short NPI fails its row");
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from stakeholders s join affiliations a on a.stakeholder_id = s.id
               join organizations o on o.id = a.organization_id
             where o.name = 'Cascade Cardiology' and s.last_name in ('Ruiz', 'Müller')"
        )
        .await,
        2
    );
    assert_eq!(
        app.count(s.tenant, "select count(*) from stakeholders where last_name = 'Müller' and tier = 'B' and kind = 'staff'").await,
        1
    );
    let report = s.text(&format!("/admin/imports/{job}/errors.csv")).await;
    assert!(report.contains("4,NPI Number,"), "{report}");
    // Found by the search box at once, with the place as a search word.
    assert!(s.text("/stakeholders?q=cascade").await.contains("Ruiz"));

    // The same file again: nothing changes, no second organization or affiliation.
    let r = upload(&s, ROSTER.as_bytes()).await;
    let again = job_in(&location(&r));
    let r = s
        .post(&format!("/admin/imports/{again}/mapping"), &good)
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let done = finished(&app, s.tenant, again).await;
    assert_eq!(
        (
            done["created"].as_i64(),
            done["updated"].as_i64(),
            done["unchanged"].as_i64()
        ),
        (Some(0), Some(0), Some(2)),
        "{done}"
    );
    assert_eq!(
        app.count(s.tenant, "select count(*) from organizations")
            .await,
        1
    );
    assert_eq!(
        app.count(s.tenant, "select count(*) from affiliations")
            .await,
        2
    );
}

#[tokio::test]
async fn existing_people_are_matched_by_npi_or_email_and_blank_cells_clear_nothing() {
    let app = TestApp::spawn().await;
    let admin = caller(&app, "mercy", Role::Admin).await;
    app.owner_exec(
        admin.tenant,
        "insert into stakeholders (tenant_id, id, kind, first_name, last_name, npi, emails, tier, credentials)
         values (app_tenant_id(), gen_random_uuid(), 'physician', 'Ana', 'Ruiz', '1234567893', '{}', 'A', 'MD'),
                (app_tenant_id(), gen_random_uuid(), 'physician', 'Omar', 'Haddad', null, '{omar@clinic.test}', null, 'DO')",
    )
    .await;
    // Through the API: columns matched from the header, no mapping screen.
    let file = "first_name,last_name,npi,email,credentials,tier\n\
                Ana,Ruiz-Diaz,1234567893,,,\n\
                Omar,Haddad,,OMAR@clinic.test,DO,B\n";
    let r = admin
        .api
        .raw()
        .post(app.url("/api/v1/imports?kind=stakeholders&file_name=people.csv"))
        .bearer_auth(admin.api.token())
        .body(file)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let job = json_of(r).await;
    assert_eq!(job["options"]["mapping"][2], "npi", "{job}");
    let id: Uuid = job["id"].as_str().and_then(|s| s.parse().ok()).expect("id");
    let done = finished(&app, admin.tenant, id).await;
    assert_eq!(
        (done["created"].as_i64(), done["updated"].as_i64()),
        (Some(0), Some(2)),
        "{done}"
    );
    // Ana: renamed by NPI; her tier and credentials stay (blank cells).
    assert_eq!(
        app.count(admin.tenant, "select count(*) from stakeholders where last_name = 'Ruiz-Diaz' and tier = 'A' and credentials = 'MD'").await,
        1
    );
    // Omar: found by email (any case), tier set.
    assert_eq!(
        app.count(
            admin.tenant,
            "select count(*) from stakeholders where last_name = 'Haddad' and tier = 'B'"
        )
        .await,
        1
    );
    assert_eq!(
        app.count(admin.tenant, "select count(*) from stakeholders")
            .await,
        2
    );
    let changes = json_of(
        admin
            .api
            .get(&format!("/api/v1/imports/{id}/changes?change=changed"))
            .await,
    )
    .await;
    let fields: Vec<String> = changes["items"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|c| c["fields"].as_array().cloned().unwrap_or_default())
        .filter_map(|f| f.as_str().map(str::to_string))
        .collect();
    assert!(
        fields.contains(&"last_name".to_string()) && fields.contains(&"tier".to_string()),
        "{changes}"
    );

    // A header without names waits for a mapping; the API takes it.
    let r = admin
        .api
        .raw()
        .post(app.url("/api/v1/imports?kind=stakeholders"))
        .bearer_auth(admin.api.token())
        .body("col a,col b\nKim,Lee\n")
        .send()
        .await
        .expect("post");
    let job = json_of(r).await;
    assert_eq!(job["status"], "mapping", "{job}");
    let id = job["id"].as_str().unwrap_or_default().to_string();
    let r = admin
        .api
        .post(
            &format!("/api/v1/imports/{id}/mapping"),
            &serde_json::json!({"mapping": ["ignore"]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = admin
        .api
        .post(
            &format!("/api/v1/imports/{id}/mapping"),
            &serde_json::json!({"mapping": ["first_name", "last_name"]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let done = finished(&app, admin.tenant, id.parse().expect("uuid")).await;
    assert_eq!(done["created"], 1, "{done}");
}
