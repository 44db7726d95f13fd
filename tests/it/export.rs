//! The workspace export: one archive, a file per table, only this workspace's rows, no
//! secrets, audited, admins only.

use std::io::Read;

use flate2::read::DeflateDecoder;
use rapport::domain::Role;
use reqwest::StatusCode;

use crate::helpers::TestApp;

fn le16(b: &[u8], at: usize) -> usize {
    u16::from_le_bytes([b[at], b[at + 1]]) as usize
}

fn le32(b: &[u8], at: usize) -> usize {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]) as usize
}

/// The files of a ZIP archive, read through its central directory, CRCs checked.
fn unzip(archive: &[u8]) -> Vec<(String, String)> {
    assert!(archive.len() >= 22, "an archive ends with its directory");
    let end = archive.len() - 22;
    assert_eq!(le32(archive, end), 0x0605_4b50, "end of central directory");
    let count = le16(archive, end + 10);
    let mut at = le32(archive, end + 16);
    let mut files = Vec::new();
    for _ in 0..count {
        assert_eq!(le32(archive, at), 0x0201_4b50);
        let crc = le32(archive, at + 16) as u32;
        let compressed = le32(archive, at + 20);
        let size = le32(archive, at + 24);
        let name_len = le16(archive, at + 28);
        let local = le32(archive, at + 42);
        let name = String::from_utf8(archive[at + 46..at + 46 + name_len].to_vec()).expect("name");
        let data = local + 30 + le16(archive, local + 26);
        let mut out = Vec::new();
        DeflateDecoder::new(&archive[data..data + compressed])
            .read_to_end(&mut out)
            .expect("inflate");
        assert_eq!(out.len(), size, "{name}: size");
        assert_eq!(crc32fast::hash(&out), crc, "{name}: crc");
        files.push((name, String::from_utf8(out).expect("utf-8")));
        at += 46 + name_len;
    }
    files
}

fn file<'a>(files: &'a [(String, String)], name: &str) -> &'a str {
    files
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, body)| body.as_str())
        .unwrap_or_else(|| panic!("{name} in the archive"))
}

#[tokio::test]
async fn an_admin_downloads_the_workspace_as_csv_files_with_only_its_own_rows() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("mercy", Role::Admin).await;
    let other = app.create_tenant("other").await;
    app.add_people(admin.tenant, &["Okafor".into(), "Lindqvist, \"Jr\"".into()])
        .await;
    app.add_people(other, &["Elsewhere".into()]).await;

    let page = admin.text("/admin/export").await;
    assert!(page.contains("Export the workspace"));
    assert!(page.contains("No exports yet"));

    let response = admin.post("/admin/export", &[("format", "csv")]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/zip"
    );
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(disposition.contains("rapport-mercy-"), "{disposition}");
    let files = unzip(&response.bytes().await.expect("body"));

    let stakeholders = file(&files, "stakeholders.csv");
    assert!(stakeholders.starts_with("tenant_id,id,"), "a header line");
    assert!(stakeholders.contains("Okafor"));
    assert!(
        stakeholders.contains("\"Lindqvist, \"\"Jr\"\"\""),
        "CSV quoting"
    );
    assert!(
        !stakeholders.contains("Elsewhere"),
        "another workspace's row"
    );
    assert!(!stakeholders.contains(&other.to_string()));

    let users = file(&files, "users.csv");
    assert!(users.contains(&admin.email));
    assert!(!users.contains("password_hash"), "no password hashes");
    assert!(!users.contains("$argon2"), "no password hashes");
    assert!(
        files
            .iter()
            .all(|(n, _)| n != "sessions.csv" && n != "api_tokens.csv")
    );
    assert!(files.iter().all(|(n, _)| n != "stakeholder_terms.csv"));

    let manifest: serde_json::Value =
        serde_json::from_str(file(&files, "manifest.json")).expect("manifest");
    assert_eq!(manifest["workspace"]["slug"], "mercy");
    assert_eq!(manifest["format"], "csv");
    let tables = manifest["tables"].as_array().expect("tables");
    let rows = |table: &str| {
        tables
            .iter()
            .find(|t| t["table"] == table)
            .map(|t| t["rows"].as_u64().expect("rows"))
    };
    assert_eq!(rows("stakeholders"), Some(2));
    assert_eq!(rows("users"), Some(1));
    assert_eq!(
        tables.len() + 1,
        files.len(),
        "a file per table and the manifest"
    );

    // Both ends of the export are in the audit log, with the counts.
    let finished = app
        .count(
            admin.tenant,
            "select count(*) from audit_events where action = 'workspace.export.finished'
               and (changes -> 'rows' ->> 'stakeholders')::int = 2 and user_id is not null",
        )
        .await;
    assert_eq!(finished, 1);
    assert_eq!(
        app.count(
            admin.tenant,
            "select count(*) from audit_events where action = 'workspace.export'"
        )
        .await,
        1
    );
    assert!(admin.text("/admin/export").await.contains("CSV"));
    // The other workspace saw nothing of it.
    assert_eq!(
        app.count(
            other,
            "select count(*) from audit_events where action like 'workspace.export%'"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn the_json_export_writes_one_object_a_line_exactly_as_stored() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("mercy", Role::Admin).await;
    app.add_people(admin.tenant, &["Back\\slash \"quoted\"".into()])
        .await;
    let response = admin.post("/admin/export", &[("format", "json")]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let files = unzip(&response.bytes().await.expect("body"));
    let lines: Vec<serde_json::Value> = file(&files, "stakeholders.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["last_name"], "Back\\slash \"quoted\"");
    assert_eq!(lines[0]["tenant_id"], admin.tenant.to_string());
    assert!(files.iter().any(|(n, _)| n == "audit_events.jsonl"));
}

#[tokio::test]
async fn only_admins_export_and_a_bad_format_or_a_forged_form_is_refused() {
    let app = TestApp::spawn().await;
    let liaison = app.signed_in("mercy", Role::Liaison).await;
    assert_eq!(
        liaison.get("/admin/export").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        liaison
            .post("/admin/export", &[("format", "csv")])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let admin = app.signed_in("mercy", Role::Admin).await;
    let bad = admin.post("/admin/export", &[("format", "xml")]).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let forged = admin
        .client
        .post(app.url("/admin/export"))
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .form(&[("format", "csv")])
        .send()
        .await
        .expect("post");
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.count(
            admin.tenant,
            "select count(*) from audit_events where action like 'workspace.export%'"
        )
        .await,
        0,
        "nothing was exported"
    );
}

#[tokio::test]
async fn the_api_exports_for_an_admin_token_only() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant("mercy").await;
    let admin = app
        .create_user(tenant, Role::Admin, "admin@mercy.test")
        .await;
    let liaison = app
        .create_user(tenant, Role::Liaison, "liaison@mercy.test")
        .await;
    app.add_people(tenant, &["Okafor".into()]).await;
    let api = app.api(&app.token(tenant, admin).await);
    let response = api
        .post("/api/v1/export?format=json", &serde_json::json!({}))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let files = unzip(&response.bytes().await.expect("body"));
    assert!(file(&files, "stakeholders.jsonl").contains("Okafor"));
    let bad = api
        .post("/api/v1/export?format=xml", &serde_json::json!({}))
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let denied = app
        .api(&app.token(tenant, liaison).await)
        .post("/api/v1/export", &serde_json::json!({}))
        .await;
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);
    assert!(
        app.api(&app.token(tenant, admin).await)
            .get("/api/v1/openapi.json")
            .await
            .text()
            .await
            .expect("doc")
            .contains("/api/v1/export")
    );
}
