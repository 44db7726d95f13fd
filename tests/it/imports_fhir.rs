//! FHIR R4 directory imports end to end: the HL7 example resources one file at a time, as a
//! Bundle and as NDJSON; a crafted US directory with NPIs, references by identifier and by
//! id, and one that resolves nowhere; wrong files, dry runs, tenancy, and a few thousand
//! resources in one job.

use rapport::domain::{Role, TenantId};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{
    Session, TestApp, finished_job as finished, job_counts as counts, upload_import,
};

macro_rules! sample {
    ($name:literal) => {
        (
            $name,
            include_bytes!(concat!("../fixtures/fhir/", $name)).as_slice(),
        )
    };
}

/// The HL7 examples, in the order a directory is best imported one file at a time.
const SAMPLES: [(&str, &[u8]); 9] = [
    sample!("Organization-f001.json"),
    sample!("Organization-f203.json"),
    sample!("Organization-hl7.json"),
    sample!("Practitioner-f001.json"),
    sample!("Practitioner-f002.json"),
    sample!("Practitioner-example.json"),
    sample!("Location-1.json"),
    sample!("Location-amb.json"),
    sample!("PractitionerRole-example.json"),
];
const DIRECTORY: &[u8] = include_bytes!("../fixtures/fhir/directory-us.ndjson");

async fn upload(s: &Session, file_name: &str, bytes: &[u8], dry_run: bool) -> Uuid {
    let mut form = Form::new().text("kind", "fhir");
    if dry_run {
        form = form.text("dry_run", "on");
    }
    let form = form.part(
        "file",
        Part::bytes(bytes.to_vec()).file_name(file_name.to_string()),
    );
    upload_import(s, form).await
}

/// Uploads and waits; the job must succeed.
async fn import(app: &TestApp, s: &Session, file_name: &str, bytes: &[u8]) -> Value {
    let job = upload(s, file_name, bytes, false).await;
    let done = finished(app, s.tenant, job).await;
    assert_eq!(done["status"], "succeeded", "{file_name}: {done}");
    done
}

fn job_id(job: &Value) -> Uuid {
    job["id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .expect("job id")
}

/// The job's row errors: line, column, reason.
async fn errors(app: &TestApp, tenant: TenantId, job: Uuid) -> Vec<(i64, Option<String>, String)> {
    let mut tx = rapport::postgres::tenant_tx(&app.pools.app, tenant)
        .await
        .expect("tx");
    let rows = sqlx::query_as(
        "select line, column_name, reason from import_errors where job_id = $1 order by seq",
    )
    .bind(job)
    .fetch_all(&mut *tx)
    .await
    .expect("errors");
    tx.commit().await.expect("commit");
    rows
}

/// The job's change review: change, target, label, fields.
async fn changes(
    app: &TestApp,
    tenant: TenantId,
    job: Uuid,
) -> Vec<(String, String, String, Vec<String>)> {
    let mut tx = rapport::postgres::tenant_tx(&app.pools.app, tenant)
        .await
        .expect("tx");
    let rows = sqlx::query_as(
        "select change, target, label, fields from import_changes where job_id = $1 order by seq",
    )
    .bind(job)
    .fetch_all(&mut *tx)
    .await
    .expect("changes");
    tx.commit().await.expect("commit");
    rows
}

/// The samples as one Bundle, each entry with a `urn:uuid:` fullUrl, and the role naming its
/// practitioner by that fullUrl rather than by id.
fn bundle() -> Vec<u8> {
    let uuid = |n: usize| format!("urn:uuid:00000000-0000-4000-8000-{n:012}");
    let mut entries: Vec<Value> = SAMPLES
        .iter()
        .enumerate()
        .map(|(n, (_, bytes))| {
            let resource: Value = serde_json::from_slice(bytes).expect("sample JSON");
            json!({ "fullUrl": uuid(n), "resource": resource })
        })
        .collect();
    let careful = SAMPLES
        .iter()
        .position(|(name, _)| *name == "Practitioner-example.json")
        .expect("Adam Careful");
    entries[8]["resource"]["practitioner"] = json!({ "reference": uuid(careful) });
    serde_json::to_vec_pretty(
        &json!({ "resourceType": "Bundle", "type": "collection", "entry": entries }),
    )
    .expect("bundle")
}

/// The samples as NDJSON, one resource a line.
fn ndjson() -> Vec<u8> {
    let mut out = String::new();
    for (_, bytes) in SAMPLES {
        let v: Value = serde_json::from_slice(bytes).expect("sample JSON");
        out.push_str(&v.to_string());
        out.push('\n');
    }
    out.into_bytes()
}

/// What the samples become, whichever way they arrive.
async fn assert_the_samples_landed(app: &TestApp, tenant: TenantId) {
    assert_eq!(
        app.count(tenant, "select count(*) from stakeholders").await,
        3
    );
    assert_eq!(
        app.count(
            tenant,
            "select count(*) from stakeholders where first_name = 'Adam' and last_name = 'Careful'
               and prefix = 'Dr' and credentials = 'Bachelor of Science' and npi is null and kind = 'physician'"
        )
        .await,
        1
    );
    // "MD" in the suffix is a degree; the email and the work phone are kept.
    assert_eq!(
        app.count(
            tenant,
            "select count(*) from stakeholders where last_name = 'van den broek' and first_name = 'Eric'
               and credentials = 'MD' and suffix is null and emails = array['e.m.vandenbroek@bmc.nl']
               and phones = array['0205568263']"
        )
        .await,
        1
    );
    assert_eq!(
        app.count(tenant, "select count(*) from organizations")
            .await,
        3
    );
    assert_eq!(
        app.count(
            tenant,
            "select count(*) from organizations where name = 'Health Level Seven International'
               and city = 'Ann Arbor' and state = 'MI' and postal_code = '48104' and phone = '(+1) 734-677-7777'"
        )
        .await,
        1
    );
    // The role: at the organization (the wing is no facility of the workspace), "RP" as a
    // referring provider, with its period.
    assert_eq!(
        app.count(
            tenant,
            "select count(*) from affiliations a join stakeholders s on s.id = a.stakeholder_id
             join organizations o on o.id = a.organization_id
             where s.last_name = 'Careful' and o.name = 'Burgers University Medical Center'
               and a.role = 'practices_at' and a.title = 'Referring provider'
               and a.starts_on = '2012-01-01' and a.ends_on = '2012-03-31'"
        )
        .await,
        1
    );
    assert_eq!(
        app.count(tenant, "select count(*) from facilities").await,
        0
    );
}

#[tokio::test]
async fn the_hl7_samples_one_file_at_a_time_become_people_organizations_and_an_affiliation() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Admin).await;
    let mut created = 0;
    for (name, bytes) in SAMPLES {
        let done = import(&app, &s, name, bytes).await;
        assert_eq!(done["failed"], 0, "{name}: {done}");
        assert_eq!(done["summary"]["layout"], "FHIR resource");
        created += done["created"].as_i64().unwrap_or(0);
    }
    // Three people, three organizations, one affiliation; the locations add nothing the
    // organization lacked.
    assert_eq!(created, 7);
    assert_the_samples_landed(&app, s.tenant).await;
    // The role is listed in the change review, and the search box finds the people.
    let page = s.text("/stakeholders?q=careful").await;
    assert!(page.contains("Careful"), "search finds an imported person");

    // Again: every file changes nothing.
    for (name, bytes) in SAMPLES {
        let done = import(&app, &s, name, bytes).await;
        assert_eq!(counts(&done), [1, 0, 0, 1, 0, 0], "{name}: {done}");
    }
    assert_the_samples_landed(&app, s.tenant).await;
}

#[tokio::test]
async fn a_bundle_of_the_samples_resolves_its_urn_uuid_references_and_a_second_import_changes_nothing()
 {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Admin).await;
    let bundle = bundle();
    let done = import(&app, &s, "directory.json", &bundle).await;
    assert_eq!(done["summary"]["layout"], "FHIR Bundle");
    assert_eq!(counts(&done), [9, 7, 0, 2, 0, 0], "{done}");
    assert_the_samples_landed(&app, s.tenant).await;
    let review = changes(&app, s.tenant, job_id(&done)).await;
    assert!(
        review
            .iter()
            .any(|(change, target, label, _)| change == "new"
                && target == "affiliation"
                && label == "Adam Careful at Burgers University Medical Center"),
        "{review:?}"
    );
    assert_eq!(review.len(), 7, "{review:?}");

    let again = import(&app, &s, "directory.json", &bundle).await;
    assert_eq!(counts(&again), [9, 0, 0, 9, 0, 0], "{again}");
    assert!(changes(&app, s.tenant, job_id(&again)).await.is_empty());
    // The same resources as NDJSON, after the Bundle: the same records.
    let ndjson = import(&app, &s, "Practitioner.ndjson", &ndjson()).await;
    assert_eq!(ndjson["summary"]["layout"], "FHIR NDJSON (bulk export)");
    assert_eq!(counts(&ndjson), [9, 0, 0, 9, 0, 0], "{ndjson}");
    assert_the_samples_landed(&app, s.tenant).await;
}

#[tokio::test]
async fn the_samples_as_ndjson_land_the_same_and_once() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Admin).await;
    let file = ndjson();
    let done = import(&app, &s, "export.ndjson", &file).await;
    assert_eq!(counts(&done), [9, 7, 0, 2, 0, 0], "{done}");
    assert_the_samples_landed(&app, s.tenant).await;
    let again = import(&app, &s, "export.ndjson", &file).await;
    assert_eq!(counts(&again), [9, 0, 0, 9, 0, 0], "{again}");
    assert_eq!(
        app.count(s.tenant, "select count(*) from affiliations")
            .await,
        1
    );
}

#[tokio::test]
async fn references_by_npi_by_identifier_and_by_id_resolve_and_one_that_resolves_nowhere_is_a_row_error()
 {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Admin).await;
    let done = import(&app, &s, "directory-us.ndjson", DIRECTORY).await;
    // Two organizations, two people, two affiliations; the location gives an address.
    assert_eq!(counts(&done), [8, 6, 0, 1, 0, 1], "{done}");
    let errs = errors(&app, s.tenant, job_id(&done)).await;
    assert_eq!(errs.len(), 1, "{errs:?}");
    let (line, column, reason) = &errs[0];
    assert_eq!((*line, column.as_deref()), (8, Some("practitioner")));
    assert!(
        reason.contains("“Practitioner/pr-ghost” was not found"),
        "{reason}"
    );

    // partOf by the parent's NPI; the location's address fills the organization's.
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from organizations e join organizations p on p.id = e.parent_id
             where e.name = 'Cascade Heart Partners Eastside' and p.npi = '1111111112'
               and p.kind = 'medical_group' and p.postal_code = '97209'
               and e.city = 'Gresham' and e.postal_code = '97030' and e.phone = '503-555-0199'"
        )
        .await,
        1
    );
    // The practitioner by NPI; the NUCC specialty gives the specialty and the kind.
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from affiliations a join stakeholders s on s.id = a.stakeholder_id
             join organizations o on o.id = a.organization_id
             where s.npi = '2222222228' and s.first_name = 'Ana' and s.middle_name = 'Maria'
               and s.credentials = 'MD' and s.taxonomy_code = '207RC0000X' and s.kind = 'physician'
               and o.npi = '1111111112' and a.role = 'practices_at' and a.title = 'Doctor'
               and a.starts_on = '2019-05-01' and a.ends_on is null"
        )
        .await,
        1
    );
    // The practitioner by a business identifier; the place through the location's organization.
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from affiliations a join stakeholders s on s.id = a.stakeholder_id
             join organizations o on o.id = a.organization_id
             where s.last_name = 'Lee' and s.kind = 'advanced_practice' and s.taxonomy_code = '363LF0000X'
               and s.credentials = 'NP' and o.name = 'Cascade Heart Partners Eastside'
               and a.role = 'medical_director' and a.title = 'Medical Director'"
        )
        .await,
        1
    );

    // A later file refers to what this one brought, by id and by identifier; a role that
    // becomes inactive ends its affiliation, and a specialty never replaces one.
    let later = [
        json!({"resourceType": "PractitionerRole", "id": "role-ana", "active": false,
               "practitioner": {"reference": "Practitioner/pr-ana"},
               "organization": {"reference": "Organization/org-cascade"},
               "specialty": [{"coding": [{"system": "http://nucc.org/provider-taxonomy", "code": "207Q00000X"}]}]}),
        json!({"resourceType": "PractitionerRole", "id": "role-lee-2",
               "practitioner": {"identifier": {"system": "http://cascade.example/staff", "value": "L-7"}},
               "organization": {"reference": "Organization/org-cascade"}}),
    ];
    let file: String = later.iter().map(|v| format!("{v}\n")).collect();
    let done = import(&app, &s, "roles.ndjson", file.as_bytes()).await;
    assert_eq!(counts(&done), [2, 1, 1, 0, 0, 0], "{done}");
    let review = changes(&app, s.tenant, job_id(&done)).await;
    assert!(
        review.iter().any(|(c, t, _, fields)| c == "deactivated"
            && t == "affiliation"
            && fields == &["ends_on".to_string()]),
        "{review:?}"
    );
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from affiliations a join stakeholders s on s.id = a.stakeholder_id
             where s.npi = '2222222228' and a.ends_on = current_date and s.taxonomy_code = '207RC0000X'"
        )
        .await,
        1
    );
    // Once more: the ended affiliation stays as it is.
    let again = import(&app, &s, "roles.ndjson", file.as_bytes()).await;
    assert_eq!(counts(&again), [2, 0, 0, 2, 0, 0], "{again}");
}

#[tokio::test]
async fn a_location_that_is_a_facility_of_the_workspace_gets_the_affiliation() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Admin).await;
    app.owner_exec(
        s.tenant,
        "insert into facilities (tenant_id, id, name, kind)
         values (current_setting('app.tenant_id')::uuid, gen_random_uuid(), 'South Wing, Second Floor', 'hospital')",
    )
    .await;
    let done = import(&app, &s, "directory.ndjson", &ndjson()).await;
    assert_eq!(counts(&done), [9, 7, 0, 2, 0, 0], "{done}");
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from affiliations a join facilities f on f.id = a.facility_id
             where f.name = 'South Wing, Second Floor' and a.organization_id is null"
        )
        .await,
        1
    );
    // The facility is the workspace's: the directory did not change it.
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from facilities where address_line is null"
        )
        .await,
        1
    );
    let again = import(&app, &s, "directory.ndjson", &ndjson()).await;
    assert_eq!(counts(&again), [9, 0, 0, 9, 0, 0], "{again}");
}

#[tokio::test]
async fn a_malformed_or_wrong_file_fails_the_job_with_a_reason() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Admin).await;
    let cases: [(&str, &[u8], &str); 4] = [
        (
            "roster.csv",
            b"first_name,last_name\nAna,Ruiz\n",
            "This is not FHIR JSON",
        ),
        (
            "broken.json",
            b"{\"resourceType\": \"Practitioner\", \"name\": [",
            "not valid JSON",
        ),
        (
            "patient.json",
            br#"{"resourceType": "Patient", "id": "p1"}"#,
            "it holds Patient",
        ),
        (
            "list.json",
            br#"[{"resourceType": "Practitioner"}]"#,
            "a JSON list",
        ),
    ];
    for (name, bytes, expected) in cases {
        let job = upload(&s, name, bytes, false).await;
        let done = finished(&app, s.tenant, job).await;
        assert_eq!(done["status"], "failed", "{name}: {done}");
        let message = done["message"].as_str().unwrap_or("");
        assert!(message.contains(expected), "{name}: {message}");
    }
    // A bad line among good ones is a row error with its line, not a failed job.
    let mut file = ndjson();
    file.extend_from_slice(b"{\"resourceType\": \"Practitioner\", \"name\": [\n");
    let done = import(&app, &s, "export.ndjson", &file).await;
    assert_eq!(counts(&done), [10, 7, 0, 2, 0, 1], "{done}");
    let errs = errors(&app, s.tenant, job_id(&done)).await;
    assert_eq!(errs.first().map(|e| e.0), Some(10), "{errs:?}");
}

#[tokio::test]
async fn a_dry_run_writes_nothing_but_reviews_everything() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Admin).await;
    let job = upload(&s, "directory-us.ndjson", DIRECTORY, true).await;
    let done = finished(&app, s.tenant, job).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(counts(&done), [8, 6, 0, 1, 0, 1], "{done}");
    assert_eq!(changes(&app, s.tenant, job).await.len(), 6);
    for table in [
        "stakeholders",
        "organizations",
        "affiliations",
        "external_ids",
        "stakeholder_terms",
    ] {
        assert_eq!(
            app.count(s.tenant, &format!("select count(*) from {table}"))
                .await,
            0,
            "{table}"
        );
    }
    // Then for real.
    let r = s.post(&format!("/admin/imports/{job}/run"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let done = finished(&app, s.tenant, job).await;
    assert_eq!(done["dry_run"], false);
    assert_eq!(counts(&done), [8, 6, 0, 1, 0, 1], "{done}");
    assert_eq!(
        app.count(s.tenant, "select count(*) from affiliations")
            .await,
        2
    );
}

#[tokio::test]
async fn a_directory_lands_only_in_the_workspace_that_imported_it() {
    let app = TestApp::spawn().await;
    let a = app.signed_in("alpha", Role::Admin).await;
    let b = app.signed_in("beta", Role::Admin).await;
    import(&app, &a, "directory-us.ndjson", DIRECTORY).await;
    for table in [
        "stakeholders",
        "organizations",
        "affiliations",
        "external_ids",
    ] {
        let sql = format!("select count(*) from {table}");
        assert!(app.count(a.tenant, &sql).await > 0, "{table}");
        assert_eq!(app.count(b.tenant, &sql).await, 0, "{table}");
    }
    // The other workspace imports the same file: everything is new there, and neither
    // workspace's ids or NPIs reach the other.
    let done = import(&app, &b, "directory-us.ndjson", DIRECTORY).await;
    assert_eq!(counts(&done), [8, 6, 0, 1, 0, 1], "{done}");
    assert_eq!(
        app.count(a.tenant, "select count(*) from stakeholders")
            .await,
        2
    );
    // A role naming alpha's people only is an error in beta.
    let role = json!({"resourceType": "PractitionerRole", "id": "r1",
                      "practitioner": {"reference": "Practitioner/nobody-here"},
                      "organization": {"reference": "Organization/org-cascade"}});
    let job = upload(&b, "role.json", role.to_string().as_bytes(), false).await;
    let done = finished(&app, b.tenant, job).await;
    assert_eq!(counts(&done), [1, 0, 0, 0, 0, 1], "{done}");
    // Alpha's job is not beta's to read.
    let r = b.get(&format!("/admin/imports/{job}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let first = upload(&a, "role.json", role.to_string().as_bytes(), true).await;
    let r = b.get(&format!("/admin/imports/{first}")).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

/// `n` organizations, `n` practitioners with NPIs and `n` roles, some by NPI and some by id.
fn big_directory(n: usize) -> Vec<u8> {
    let npi = |base: usize| {
        let digits = format!("{:09}", 100_000_000 + base);
        let mut sum = 24; // the 80840 prefix
        for (i, c) in digits.chars().rev().enumerate() {
            let mut d = c.to_digit(10).unwrap_or(0);
            if i % 2 == 0 {
                d *= 2;
                if d > 9 {
                    d -= 9;
                }
            }
            sum += d;
        }
        format!("{digits}{}", (10 - sum % 10) % 10)
    };
    let system = "http://hl7.org/fhir/sid/us-npi";
    let mut out = String::new();
    for i in 0..n {
        let org = json!({"resourceType": "Organization", "id": format!("o{i}"), "name": format!("Practice {i}"),
                         "identifier": [{"system": system, "value": npi(2 * i)}],
                         "address": [{"line": [format!("{i} Main St")], "city": "Salem", "state": "OR", "postalCode": "97301"}]});
        let person = json!({"resourceType": "Practitioner", "id": format!("p{i}"),
                            "identifier": [{"system": system, "value": npi(2 * i + 1)}],
                            "name": [{"family": format!("Family{i}"), "given": ["Pat"]}]});
        let practitioner = if i % 2 == 0 {
            json!({"reference": format!("Practitioner/p{i}")})
        } else {
            json!({"identifier": {"system": system, "value": npi(2 * i + 1)}})
        };
        let role = json!({"resourceType": "PractitionerRole", "id": format!("r{i}"), "practitioner": practitioner,
                          "organization": {"reference": format!("Organization/o{}", (i * 7) % n)}});
        for v in [org, person, role] {
            out.push_str(&v.to_string());
            out.push('\n');
        }
    }
    out.into_bytes()
}

#[tokio::test]
async fn a_few_thousand_resources_land_in_one_job_and_again_change_nothing() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Admin).await;
    let file = big_directory(1500);
    let done = import(&app, &s, "big.ndjson", &file).await;
    assert_eq!(counts(&done), [4500, 4500, 0, 0, 0, 0], "{done}");
    // One change per record: the review joins meet one row each.
    assert_eq!(changes(&app, s.tenant, job_id(&done)).await.len(), 4500);
    assert_eq!(
        app.count(s.tenant, "select count(*) from affiliations")
            .await,
        1500
    );
    let again = import(&app, &s, "big.ndjson", &file).await;
    assert_eq!(counts(&again), [4500, 0, 0, 4500, 0, 0], "{again}");
}
