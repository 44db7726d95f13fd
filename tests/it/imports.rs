//! Import jobs end to end: real sample files uploaded through the page and the API, run by
//! the in-process worker on the PostgreSQL queue; idempotent re-imports, dry runs, the change
//! review, row errors, refused files, cancel, a job interrupted mid-file, and tenancy.

use std::time::Duration;

use rapport::domain::Role;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use uuid::Uuid;

use crate::helpers::{
    TestApp, caller, finished_job as finished, job_counts as counts, json_of, location,
    upload_import as upload,
};

const NPPES: &[u8] = include_bytes!("../fixtures/nppes_2019_head19.csv");
const CMS: &[u8] = include_bytes!("../fixtures/referrals_cms_shared_patients_sample200.csv");

fn form(kind: &str, file_name: &str, bytes: &[u8], extra: &[(&str, &str)]) -> Form {
    let mut f = Form::new().text("kind", kind.to_string());
    for (k, v) in extra {
        f = f.text(k.to_string(), v.to_string());
    }
    f.part(
        "file",
        Part::bytes(bytes.to_vec()).file_name(file_name.to_string()),
    )
}

#[tokio::test]
async fn an_admin_imports_the_real_nppes_sample_and_a_second_import_changes_nothing() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Admin).await;
    let page = s.text("/admin/imports").await;
    assert!(page.contains("No imports yet"), "empty state");

    let job = upload(&s, form("nppes", "npidata_pfile.csv", NPPES, &[])).await;
    let done = finished(&app, s.tenant, job).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    // 16 individuals and 3 organizations, none in the workspace yet.
    assert_eq!(counts(&done), [19, 19, 0, 0, 0, 0]);
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from stakeholders where npi is not null"
        )
        .await,
        16
    );
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from organizations where npi is not null"
        )
        .await,
        3
    );
    // Kind from the taxonomy, names as people write them, the practice address kept.
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from stakeholders where first_name = 'Cynthia' and kind = 'advanced_practice'
               and taxonomy_code = '363A00000X' and city = 'Liverpool' and state = 'NY' and postal_code ~ '^[0-9]{5}$'"
        )
        .await,
        1
    );
    // Imported people are found by the search box at once.
    let found = s.text("/stakeholders?q=wiebe").await;
    assert!(
        found.contains("Wiebe"),
        "search finds an imported physician"
    );
    // The result page and the change review.
    let page = s.text(&format!("/admin/imports/{job}")).await;
    assert!(
        page.contains("Done") && page.contains("What changed"),
        "{page}"
    );
    assert!(page.contains("David Wiebe M.D."));

    let again = upload(&s, form("nppes", "npidata_pfile.csv", NPPES, &[])).await;
    let done = finished(&app, s.tenant, again).await;
    assert_eq!(
        counts(&done),
        [19, 0, 0, 19, 0, 0],
        "re-import is idempotent"
    );
    assert_eq!(
        app.count(s.tenant, "select count(*) from stakeholders")
            .await,
        16
    );
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from audit_events where action = 'import.succeeded'"
        )
        .await,
        2
    );
}

#[tokio::test]
async fn the_change_review_names_changed_fields_and_deactivations_and_a_market_filters() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Admin).await;
    let job = upload(&s, form("nppes", "v1.csv", NPPES, &[("states", "TX, NY")])).await;
    let done = finished(&app, s.tenant, job).await;
    // TX and NY practices only: everyone else is outside the market.
    let kept = app
        .count(s.tenant, "select count(*) from stakeholders")
        .await
        + app
            .count(s.tenant, "select count(*) from organizations")
            .await;
    assert_eq!(done["created"].as_i64(), Some(kept));
    assert!(kept > 0 && kept < 19, "the market filter kept {kept}");
    assert_eq!(done["skipped"].as_i64(), Some(19 - kept));

    // A later release: one physician moved, one NPI deactivated.
    let text = String::from_utf8_lossy(NPPES).to_string();
    let moved: String = text
        .lines()
        .map(|l| {
            if l.contains("\"SMITSON\"") {
                l.replace("\"ATHENS\"", "\"TYLER\"")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let header = moved.lines().next().expect("header").to_string();
    let columns = header.split("\",\"").count();
    let deactivated_npi = app
        .count(
            s.tenant,
            "select npi::bigint from stakeholders where last_name = 'Bisbee'",
        )
        .await;
    let mut cells = vec![String::new(); columns];
    cells[0] = deactivated_npi.to_string();
    let position = header
        .split("\",\"")
        .position(|h| h.trim_matches('"') == "NPI Deactivation Date")
        .expect("deactivation column");
    cells[position] = "03/01/2020".into();
    let row: Vec<String> = cells.iter().map(|c| format!("\"{c}\"")).collect();
    // The registry lists an NPI once: the deactivation replaces the provider's row.
    let kept_lines: Vec<&str> = moved
        .lines()
        .filter(|l| !l.starts_with(&format!("\"{deactivated_npi}\"")))
        .collect();
    let v2 = format!("{}\n{}\n", kept_lines.join("\n"), row.join(","));
    let job = upload(
        &s,
        form("nppes", "v2.csv", v2.as_bytes(), &[("states", "TX, NY")]),
    )
    .await;
    let done = finished(&app, s.tenant, job).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(done["updated"].as_i64(), Some(2), "{done}");
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from stakeholders where last_name = 'Bisbee' and npi_deactivated_on = '2020-03-01'"
        )
        .await,
        1,
        "deactivated, never deleted"
    );
    let changed = s
        .text(&format!("/admin/imports/{job}?change=changed"))
        .await;
    assert!(
        changed.contains("Smitson") && changed.contains("city"),
        "{changed}"
    );
    let deactivated = s
        .text(&format!("/admin/imports/{job}?change=deactivated"))
        .await;
    assert!(deactivated.contains("Bisbee") && deactivated.contains("deactivated on 2020-03-01"));
}

#[tokio::test]
async fn a_dry_run_writes_nothing_and_can_then_be_imported_for_real() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Admin).await;
    let job = upload(&s, form("nppes", "npi.csv", NPPES, &[("dry_run", "on")])).await;
    let done = finished(&app, s.tenant, job).await;
    assert_eq!(counts(&done), [19, 19, 0, 0, 0, 0]);
    assert_eq!(
        app.count(s.tenant, "select count(*) from stakeholders")
            .await,
        0
    );
    let page = s.text(&format!("/admin/imports/{job}")).await;
    assert!(page.contains("Import it for real") && page.contains("would be new"));

    let r = s.post(&format!("/admin/imports/{job}/run"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let done = finished(&app, s.tenant, job).await;
    assert_eq!(done["dry_run"], false);
    assert_eq!(counts(&done), [19, 19, 0, 0, 0, 0]);
    assert_eq!(
        app.count(s.tenant, "select count(*) from stakeholders")
            .await,
        16
    );
    // Once it succeeded for real, the file is gone and it cannot run again.
    let r = s.post(&format!("/admin/imports/{job}/run"), &[]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn the_real_cms_referral_sample_lands_once_and_reports_unknown_npis() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Admin).await;
    // A CMS file says nothing about when: without a period the job fails with a reason.
    let job = upload(&s, form("referrals", "cms.csv", CMS, &[])).await;
    let done = finished(&app, s.tenant, job).await;
    assert_eq!(done["status"], "failed");
    assert!(
        done["message"].as_str().unwrap_or("").contains("period"),
        "{done}"
    );
    assert_eq!(
        app.count(s.tenant, "select count(*) from referrals").await,
        0
    );

    let job = upload(
        &s,
        form("referrals", "cms.csv", CMS, &[("period", "2014-01-01")]),
    )
    .await;
    let done = finished(&app, s.tenant, job).await;
    assert_eq!(counts(&done), [200, 200, 0, 0, 0, 0], "{done}");
    assert_eq!(
        done["summary"]["layout"],
        "CMS Physician Shared Patient Patterns"
    );
    assert!(done["summary"]["unknown_npis"].as_i64().unwrap_or(0) > 100);
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from referrals where period = '2014-01-01' and source = 'CMS Physician Shared Patient Patterns'"
        )
        .await,
        200
    );
    let page = s
        .text(&format!("/admin/imports/{job}?change=unknown"))
        .await;
    assert!(page.contains("Unknown NPIs") && page.contains("referral rows"));

    let again = upload(
        &s,
        form("referrals", "cms.csv", CMS, &[("period", "2014-01-01")]),
    )
    .await;
    let done = finished(&app, s.tenant, again).await;
    assert_eq!(counts(&done), [200, 0, 0, 200, 0, 0], "idempotent");
    assert_eq!(
        app.count(s.tenant, "select count(*) from referrals").await,
        200
    );
}

#[tokio::test]
async fn bad_rows_are_reported_with_line_and_column_and_good_rows_still_land() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Admin).await;
    app.owner_exec(
        s.tenant,
        "insert into facilities (tenant_id, id, name, kind) values (app_tenant_id(), gen_random_uuid(), 'Mercy General', 'hospital')",
    )
    .await;
    let file = "\u{feff}from_npi,to_npi,to_facility,period,count,patients\r\n\
                1234567893,,Mercy General,2024-03,12,4\r\n\
                1234567893,,Nowhere Clinic,2024-03,5,\r\n\
                123,,Mercy General,2024-03,5,\r\n\
                1234567893,,mercy general,2024-03,7,\r\n\
                1234567893,,Mercy General,2024-04,\"1,5\",\r\n";
    let job = upload(&s, form("referrals", "mine.csv", file.as_bytes(), &[])).await;
    let done = finished(&app, s.tenant, job).await;
    assert_eq!(done["status"], "succeeded");
    assert_eq!(done["created"].as_i64(), Some(1), "{done}");
    assert_eq!(done["failed"].as_i64(), Some(4), "{done}");
    let csv = s
        .get(&format!("/admin/imports/{job}/errors.csv"))
        .await
        .text()
        .await
        .expect("csv");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "line,column,reason");
    assert!(
        lines[1].starts_with("3,to_facility,") && lines[1].contains("Nowhere Clinic"),
        "{csv}"
    );
    assert!(lines[2].starts_with("4,from_npi,"), "{csv}");
    assert!(
        lines[3].starts_with("5,,") && lines[3].contains("line 2"),
        "{csv}"
    );
    assert!(lines[4].starts_with("6,count,"), "{csv}");
}

#[tokio::test]
async fn wrong_empty_and_binary_files_get_a_clear_answer_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Admin).await;
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    for (bytes, name, needle) in [
        (png.as_slice(), "logo.png", "PNG image"),
        (b"".as_slice(), "empty.csv", "The file is empty"),
        (b"PK\x03\x04xlsx".as_slice(), "roster.xlsx", "Excel"),
    ] {
        let r = s
            .client
            .post(format!("{}/admin/imports", s.base))
            .multipart(form("nppes", name, bytes, &[]))
            .send()
            .await
            .expect("upload");
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        let body = r.text().await.expect("body");
        assert!(body.contains(needle), "{name}: {body}");
    }
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from import_jobs where status <> 'cancelled'"
        )
        .await,
        0
    );
    // A referral file given as NPPES: the job fails with the reason.
    let job = upload(&s, form("nppes", "cms.csv", CMS, &[])).await;
    let done = finished(&app, s.tenant, job).await;
    assert_eq!(done["status"], "failed");
    assert!(
        done["message"]
            .as_str()
            .unwrap_or("")
            .contains("not an NPPES registry file"),
        "{done}"
    );
    // Options are checked before the file is read.
    let r = s
        .client
        .post(format!("{}/admin/imports", s.base))
        .multipart(form("nppes", "x.csv", NPPES, &[("states", "Oregon")]))
        .send()
        .await
        .expect("upload");
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.expect("body").contains("two-letter state"));
    assert_eq!(
        app.count(s.tenant, "select count(*) from stakeholders")
            .await,
        0
    );
}

#[tokio::test]
async fn the_api_takes_the_file_as_the_body_and_reports_progress_errors_and_changes() {
    let app = TestApp::spawn().await;
    let admin = caller(&app, "mercy", Role::Admin).await;
    let r = admin
        .api
        .raw()
        .post(app.url("/api/v1/imports?kind=nppes&file_name=npi.csv"))
        .bearer_auth(admin.api.token())
        .body(NPPES.to_vec())
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let location = location(&r);
    let job = json_of(r).await;
    assert_eq!(
        location,
        format!("/api/v1/imports/{}", job["id"].as_str().unwrap_or(""))
    );
    let id: Uuid = job["id"].as_str().and_then(|s| s.parse().ok()).expect("id");
    finished(&app, admin.tenant, id).await;
    let job = json_of(admin.api.get(&location).await).await;
    assert_eq!(job["status"], "succeeded");
    assert_eq!(job["created"], 19);
    let changes = json_of(
        admin
            .api
            .get(&format!("{location}/changes?change=new&per_page=5"))
            .await,
    )
    .await;
    assert_eq!(changes["total"], 19);
    assert_eq!(changes["items"].as_array().map(Vec::len), Some(5));
    let errors = json_of(admin.api.get(&format!("{location}/errors")).await).await;
    assert_eq!(errors, serde_json::json!([]));
    let list = json_of(admin.api.get("/api/v1/imports").await).await;
    assert_eq!(list["total"], 1);
    let r = admin
        .api
        .post(&format!("{location}/cancel"), &serde_json::json!({}))
        .await;
    assert_eq!(
        r.status(),
        StatusCode::CONFLICT,
        "a finished job cannot be cancelled"
    );

    // Validation and refusals are problems.
    let r = admin
        .api
        .raw()
        .post(app.url("/api/v1/imports?kind=pdf"))
        .bearer_auth(admin.api.token())
        .body("x")
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = admin
        .api
        .raw()
        .post(app.url("/api/v1/imports?kind=referrals"))
        .bearer_auth(admin.api.token())
        .body(Vec::<u8>::new())
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem = json_of(r).await;
    assert!(problem.to_string().contains("empty"), "{problem}");
    let openapi = json_of(admin.api.get("/api/v1/openapi.json").await).await;
    assert!(openapi["paths"]["/api/v1/imports"]["post"].is_object());
}

#[tokio::test]
async fn only_admins_import_and_other_workspaces_jobs_are_not_found() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("mercy", Role::Admin).await;
    let job = upload(&admin, form("nppes", "npi.csv", NPPES, &[])).await;
    finished(&app, admin.tenant, job).await;
    for role in [Role::Marketer, Role::Liaison, Role::Executive] {
        let s = app.signed_in("mercy", role).await;
        assert_eq!(
            s.get("/admin/imports").await.status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            s.get(&format!("/admin/imports/{job}")).await.status(),
            StatusCode::FORBIDDEN
        );
        let r = s
            .client
            .post(format!("{}/admin/imports", s.base))
            .multipart(form("nppes", "npi.csv", NPPES, &[]))
            .send()
            .await
            .expect("upload");
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
    let other = app.signed_in("acme", Role::Admin).await;
    for path in ["", "/progress", "/errors.csv"] {
        assert_eq!(
            other
                .get(&format!("/admin/imports/{job}{path}"))
                .await
                .status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    assert_eq!(
        other
            .post(&format!("/admin/imports/{job}/cancel"), &[])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let api = caller(&app, "acme", Role::Admin).await;
    assert_eq!(
        api.api
            .get(&format!("/api/v1/imports/{job}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.count(other.tenant, "select count(*) from stakeholders")
            .await,
        0
    );
    assert_eq!(
        app.count(admin.tenant, "select count(*) from import_jobs")
            .await,
        1
    );
}

/// A referral file big enough to be caught mid-way.
fn big_referral_file(rows: usize) -> Vec<u8> {
    let mut out = String::from("from_npi,to_npi,period,count\n");
    let npis = ["1234567893", "1245319599", "1679576722", "1861491599"];
    for i in 0..rows {
        let month = 1 + (i / 4 / 4) % 12;
        let year = 2000 + i / 4 / 4 / 12;
        out.push_str(&format!(
            "{},{},{year}-{month:02},{}\n",
            npis[i % 4],
            npis[(i / 4) % 4],
            11 + i % 50
        ));
    }
    out.into_bytes()
}

#[tokio::test]
async fn a_job_stopped_mid_file_leaves_nothing_and_the_next_worker_runs_it_again() {
    // No workers of the app's own: the test plays the workers.
    let app = TestApp::spawn_with(|c| c.import_workers = 0).await;
    let s = app.signed_in("mercy", Role::Admin).await;
    let rows = 300_000;
    let job = upload(
        &s,
        form("referrals", "big.csv", &big_referral_file(rows), &[]),
    )
    .await;
    let pool = app.pools.app.clone();
    let worker = tokio::spawn(async move { rapport::jobs::claim_and_run(&pool, None).await });
    // Wait until it is well into the file, then kill it as a crash would.
    let mut seen = 0;
    for _ in 0..200 {
        seen = app
            .count(
                s.tenant,
                &format!("select rows_read from import_jobs where id = '{job}'"),
            )
            .await;
        if seen > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(seen > 0, "the worker reported progress");
    worker.abort();
    let _ = worker.await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        app.count(s.tenant, "select count(*) from referrals").await,
        0,
        "nothing half-written"
    );
    assert_eq!(
        app.count(
            s.tenant,
            &format!("select count(*) from import_jobs where id = '{job}' and status = 'running'")
        )
        .await,
        1
    );
    // Another worker finds the job unlocked and runs it from the start.
    let mut claimed = false;
    for _ in 0..50 {
        if rapport::jobs::claim_and_run(&app.pools.app, None)
            .await
            .expect("run")
        {
            claimed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(claimed, "the job was claimed again");
    let done = finished(&app, s.tenant, job).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(done["attempts"], 2);
    assert_eq!(done["rows_read"].as_i64(), Some(rows as i64));
    let stored = app.count(s.tenant, "select count(*) from referrals").await;
    assert_eq!(done["created"].as_i64(), Some(stored));
    assert_eq!(
        done["created"].as_i64().unwrap_or(0) + done["failed"].as_i64().unwrap_or(0),
        rows as i64
    );
}

#[tokio::test]
async fn a_cancelled_job_keeps_nothing() {
    let app = TestApp::spawn_with(|c| c.import_workers = 0).await;
    let s = app.signed_in("mercy", Role::Admin).await;
    // Cancelled while waiting: it never runs.
    let waiting = upload(&s, form("nppes", "npi.csv", NPPES, &[])).await;
    let r = s
        .post(&format!("/admin/imports/{waiting}/cancel"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        rapport::jobs::claim_and_run(&app.pools.app, None)
            .await
            .expect("run")
    );
    let done = finished(&app, s.tenant, waiting).await;
    assert_eq!(done["status"], "cancelled");
    assert_eq!(
        app.count(s.tenant, "select count(*) from stakeholders")
            .await,
        0
    );

    // Cancelled while running: it stops at its next progress report and rolls back.
    let job = upload(
        &s,
        form("referrals", "big.csv", &big_referral_file(400_000), &[]),
    )
    .await;
    let pool = app.pools.app.clone();
    let worker = tokio::spawn(async move { rapport::jobs::claim_and_run(&pool, None).await });
    for _ in 0..200 {
        let running = app
            .count(
                s.tenant,
                &format!("select count(*) from import_jobs where id = '{job}' and rows_read > 0"),
            )
            .await;
        if running == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let r = s.post(&format!("/admin/imports/{job}/cancel"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    worker.await.expect("join").expect("worker");
    let done = finished(&app, s.tenant, job).await;
    assert_eq!(done["status"], "cancelled", "{done}");
    assert_eq!(
        app.count(s.tenant, "select count(*) from referrals").await,
        0
    );
    assert!(
        app.count(
            s.tenant,
            "select count(*) from audit_events where action = 'import.cancel'"
        )
        .await
            >= 2
    );
}

#[tokio::test]
async fn referrals_between_known_physicians_become_influence_links() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Admin).await;
    let job = upload(&s, form("nppes", "npi.csv", NPPES, &[])).await;
    finished(&app, s.tenant, job).await;
    // Wiebe refers to Pilcher: 30 + 40 over two months; a hand-entered link stays as typed.
    let file = "from_npi,to_npi,period,count\n\
                1679576722,1588667638,2024-01,30\n\
                1679576722,1588667638,2024-02,40\n";
    let job = upload(&s, form("referrals", "r.csv", file.as_bytes(), &[])).await;
    let done = finished(&app, s.tenant, job).await;
    assert_eq!(done["created"], 2, "{done}");
    assert_eq!(done["summary"]["influence_links"], 1, "{done}");
    assert_eq!(
        app.count(
            s.tenant,
            "select strength::bigint from influence_links l
               join stakeholders f on f.id = l.from_id join stakeholders t on t.id = l.to_id
             where f.last_name = 'Wiebe' and t.last_name = 'Pilcher' and l.kind = 'refers_to' and l.source = 'referrals'"
        )
        .await,
        3,
        "70 referrals make strength 3"
    );
}

#[tokio::test]
async fn providers_named_in_referral_data_are_added_from_the_registry_even_outside_the_market() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Admin).await;
    // Wiebe practises in Nebraska; the workspace's market is Texas.
    let file = "from_npi,to_npi,period,count\n1679576722,1588667638,2024-01,30\n";
    let job = upload(&s, form("referrals", "r.csv", file.as_bytes(), &[])).await;
    let done = finished(&app, s.tenant, job).await;
    assert_eq!(done["summary"]["unknown_npis"], 2, "{done}");
    let job = upload(&s, form("nppes", "npi.csv", NPPES, &[("states", "TX")])).await;
    let done = finished(&app, s.tenant, job).await;
    assert_eq!(done["summary"]["from_referrals"], 2, "{done}");
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from stakeholders where last_name in ('Wiebe', 'Pilcher')"
        )
        .await,
        2
    );
    // Unticked, the market alone counts.
    let other = app.signed_in("acme", Role::Admin).await;
    let job = upload(&other, form("referrals", "r.csv", file.as_bytes(), &[])).await;
    finished(&app, other.tenant, job).await;
    let job = upload(
        &other,
        form(
            "nppes",
            "npi.csv",
            NPPES,
            &[("states", "TX"), ("referral_npis", "off")],
        ),
    )
    .await;
    let done = finished(&app, other.tenant, job).await;
    assert_eq!(done["summary"]["from_referrals"], 0, "{done}");
    assert_eq!(
        app.count(
            other.tenant,
            "select count(*) from stakeholders where last_name = 'Wiebe'"
        )
        .await,
        0
    );
}
