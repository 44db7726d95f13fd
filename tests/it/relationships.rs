//! The relationship book through its pages: affiliations, relationship managers and each
//! user's book, the contact cadence, champion stages and the board, influence links and key
//! influencers, feedback with its loop, queue and topics, and bulk assign / move; every write
//! by role (executives read only) and across tenants (another workspace's ids are not found).

use chrono::{Days, Utc};
use rapport::domain::{Role, TenantId};
use reqwest::StatusCode;
use uuid::Uuid;

use crate::helpers::{Session, TestApp, location};

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// Adds physicians "Pat <last name>" and returns their ids in that order.
async fn people(app: &TestApp, tenant: TenantId, last_names: &[&str]) -> Vec<Uuid> {
    let names: Vec<String> = last_names.iter().map(|n| n.to_string()).collect();
    app.add_people(tenant, &names).await;
    let mut ids = Vec::new();
    for n in last_names {
        ids.push(
            id_of(
                app,
                tenant,
                &format!("select id from stakeholders where last_name = '{n}'"),
            )
            .await,
        );
    }
    ids
}

/// The one id `sql` selects, read as the runtime role (row-level security applies).
async fn id_of(app: &TestApp, tenant: TenantId, sql: &str) -> Uuid {
    let mut tx = rapport::postgres::tenant_tx(&app.pools.app, tenant)
        .await
        .expect("tx");
    let id: Uuid = sqlx::query_scalar(sql)
        .fetch_one(&mut *tx)
        .await
        .expect("id");
    tx.commit().await.expect("commit");
    id
}

/// The id at the end of a redirect such as `/organizations/<id>`.
fn id_in(path: &str) -> Uuid {
    let last = path
        .split('#')
        .next()
        .and_then(|p| p.rsplit('/').next())
        .unwrap_or_default();
    last.parse().unwrap_or_else(|_| panic!("no id in {path:?}"))
}

/// Creates an organization through its form; returns its id.
async fn organization(s: &Session, name: &str) -> Uuid {
    let r = s
        .post("/organizations", &[("name", name), ("kind", "practice")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "organization {name}");
    id_in(&location(&r))
}

/// Adds a facility (set-up data; facilities have their own tests).
async fn facility(app: &TestApp, tenant: TenantId, name: &str) -> Uuid {
    let id = Uuid::new_v4();
    app.owner_exec(
        tenant,
        &format!(
            "insert into facilities (tenant_id, id, name, kind) values ('{tenant}', '{id}', '{name}', 'hospital')"
        ),
    )
    .await;
    id
}

/// A seeded feedback topic's id.
async fn topic(app: &TestApp, tenant: TenantId, name: &str) -> Uuid {
    id_of(
        app,
        tenant,
        &format!("select id from feedback_topics where name = '{name}'"),
    )
    .await
}

/// How many audit events with this action the tenant has.
async fn audited(app: &TestApp, tenant: TenantId, action: &str) -> i64 {
    app.count(
        tenant,
        &format!("select count(*) from audit_events where action = '{action}'"),
    )
    .await
}

/// Gives a test user a name of their own (every test user is "Test <Role>").
async fn rename(app: &TestApp, s: &Session, name: &str) {
    app.owner_exec(
        s.tenant,
        &format!("update users set name = '{name}' where id = '{}'", s.user.0),
    )
    .await;
}

/// A date `n` days before today (UTC, as the server counts), as a form sends it.
fn days_ago(n: u64) -> String {
    (Utc::now().date_naive() - Days::new(n)).to_string()
}

async fn body(r: reqwest::Response) -> String {
    r.text().await.expect("body")
}

/// One column of the champion board: its heading and cards.
fn column<'a>(board: &'a str, stage: &str) -> &'a str {
    let start = board
        .find(&format!("aria-labelledby=\"stage-{stage}\""))
        .unwrap_or_else(|| panic!("no {stage} column"));
    let rest = &board[start..];
    &rest[..rest.find("</section>").expect("column end")]
}

/// Logs feedback through the form; returns the response.
async fn log_feedback(
    s: &Session,
    person: Uuid,
    topic: Uuid,
    sentiment: &str,
    text: &str,
    received_on: &str,
) -> reqwest::Response {
    s.post(
        "/feedback",
        &[
            ("stakeholder_id", person.to_string().as_str()),
            ("topic_id", topic.to_string().as_str()),
            ("sentiment", sentiment),
            ("body", text),
            ("received_on", received_on),
        ],
    )
    .await
}

/// Logs feedback that must succeed; returns its id.
async fn logged(
    app: &TestApp,
    s: &Session,
    person: Uuid,
    topic: Uuid,
    sentiment: &str,
    text: &str,
    received_on: &str,
) -> Uuid {
    let r = log_feedback(s, person, topic, sentiment, text, received_on).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "logging {text:?}");
    id_of(
        app,
        s.tenant,
        &format!("select id from feedback where body = '{text}'"),
    )
    .await
}

/// Records "`from` is a peer of `other`" with this strength through the form.
async fn peer_link(s: &Session, from: &str, other: &str, strength: &str) -> reqwest::Response {
    s.post(
        &format!("/stakeholders/{from}/influence"),
        &[
            ("direction", "out"),
            ("other_id", other),
            ("kind", "peer"),
            ("strength", strength),
        ],
    )
    .await
}

/// Posts a bulk action on `ids`; returns the page it leads back to.
async fn bulk(s: &Session, ids: &[Uuid], fields: &[(&str, &str)]) -> String {
    let ids: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    let mut form: Vec<(&str, &str)> = ids.iter().map(|id| ("id", id.as_str())).collect();
    form.extend_from_slice(fields);
    let r = s.post("/stakeholders/bulk", &form).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    s.text(&location(&r)).await
}

/// Row counts of everything the relationship book writes, and its audit trail: equal
/// snapshots mean nothing was written.
async fn snapshot(app: &TestApp, tenant: TenantId) -> Vec<i64> {
    let mut counts = Vec::new();
    for sql in [
        "select count(*) from affiliations",
        "select count(*) from affiliations where is_primary",
        "select count(*) from assignments",
        "select count(*) from assignments where ends_on is null",
        "select count(*) from stage_changes",
        "select count(*) from stakeholders where stage is not null",
        "select count(*) from influence_links",
        "select count(*) from feedback",
        "select count(*) from feedback where status = 'open'",
        "select count(*) from feedback_topics",
        "select count(*) from feedback_topics where archived",
        "select count(*) from cadence_rules",
        // Sign-ins and the system's own recomputation of influence scores (a read of the
        // key influencers recomputes stale scores) are not writes by the caller.
        "select count(*) from audit_events where action not like 'auth.%' and action <> 'influence.recompute'",
    ] {
        counts.push(app.count(tenant, sql).await);
    }
    counts
}

/// A small book built through the pages by a liaison: two people, an organization with an
/// affiliation, a primary relationship manager, an influence link, a stage and a concern.
struct Book {
    s: Session,
    okafor: Uuid,
    ruiz: Uuid,
    org: Uuid,
    affiliation: Uuid,
    assignment: Uuid,
    link: Uuid,
    feedback: Uuid,
    topic: Uuid,
}

async fn book(app: &TestApp, slug: &str) -> Book {
    let s = app.signed_in(slug, Role::Liaison).await;
    let ids = people(app, s.tenant, &["Okafor", "Ruiz"]).await;
    let (okafor, ruiz) = (ids[0], ids[1]);
    let org = organization(&s, "Bayside Cardiology").await;
    let place = format!("o:{org}");
    let r = s
        .post(
            &format!("/stakeholders/{okafor}/affiliations"),
            &[("place", place.as_str()), ("role", "practices_at")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let me = s.user.0.to_string();
    let r = s
        .post(
            &format!("/stakeholders/{okafor}/assignments"),
            &[("user_id", me.as_str()), ("role", "primary")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let other = ruiz.to_string();
    let r = s
        .post(
            &format!("/stakeholders/{okafor}/influence"),
            &[
                ("direction", "out"),
                ("other_id", other.as_str()),
                ("kind", "peer"),
                ("strength", "3"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = s
        .post(
            &format!("/stakeholders/{okafor}/stage"),
            &[("stage", "engaged")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let topic = topic(app, s.tenant, "Communication").await;
    let feedback = logged(
        app,
        &s,
        okafor,
        topic,
        "-1",
        "Nobody calls back",
        &days_ago(1),
    )
    .await;
    let tenant = s.tenant;
    Book {
        okafor,
        ruiz,
        org,
        affiliation: id_of(app, tenant, "select id from affiliations").await,
        assignment: id_of(app, tenant, "select id from assignments").await,
        link: id_of(app, tenant, "select id from influence_links").await,
        feedback,
        topic,
        s,
    }
}

// ---------------------------------------------------------------------------------------
// Affiliations
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_liaison_adds_affiliations_that_show_on_the_person_the_organization_and_the_facility() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    let okafor = people(&app, s.tenant, &["Okafor"]).await[0];
    let org = organization(&s, "Bayside Cardiology").await;
    let fac = facility(&app, s.tenant, "Mercy General").await;
    let form = s
        .text(&format!("/stakeholders/{okafor}/affiliations/new"))
        .await;
    assert!(
        form.contains("Add affiliation")
            && form.contains(&format!("value=\"o:{org}\""))
            && form.contains(&format!("value=\"f:{fac}\"")),
        "the form offers the organization and the facility"
    );
    let place = format!("o:{org}");
    let r = s
        .post(
            &format!("/stakeholders/{okafor}/affiliations"),
            &[
                ("place", place.as_str()),
                ("role", "practices_at"),
                ("title", "Partner"),
                ("is_primary", "on"),
                ("starts_on", "2021-03-01"),
                ("ends_on", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("/stakeholders/{okafor}#affiliations"));
    let place = format!("f:{fac}");
    let r = s
        .post(
            &format!("/stakeholders/{okafor}/affiliations"),
            &[("place", place.as_str()), ("role", "privileges")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = s.text(&format!("/stakeholders/{okafor}")).await;
    assert!(page.contains("Affiliation added."));
    assert!(
        page.contains("Bayside Cardiology")
            && page.contains("Practices at · Partner")
            && page.contains("since Mar 2021")
            && page.contains("Main"),
        "the practice with its role, title, dates and main flag"
    );
    assert!(page.contains("Mercy General") && page.contains("Holds privileges at"));
    let org_page = s.text(&format!("/organizations/{org}")).await;
    assert!(org_page.contains("Pat Okafor") && org_page.contains("People (1)"));
    let fac_page = s.text(&format!("/facilities/{fac}")).await;
    assert!(fac_page.contains("Pat Okafor") && fac_page.contains("Holds privileges at"));
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from affiliations where is_primary and title = 'Partner' and starts_on = '2021-03-01'"
        )
        .await,
        1
    );
    assert_eq!(audited(&app, s.tenant, "affiliation.create").await, 2);
}

#[tokio::test]
async fn a_new_main_affiliation_demotes_the_previous_main_one() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Marketer).await;
    let okafor = people(&app, s.tenant, &["Okafor"]).await[0];
    let org = organization(&s, "Bayside Cardiology").await;
    let fac = facility(&app, s.tenant, "Mercy General").await;
    for place in [format!("o:{org}"), format!("f:{fac}")] {
        let r = s
            .post(
                &format!("/stakeholders/{okafor}/affiliations"),
                &[
                    ("place", place.as_str()),
                    ("role", "employed_by"),
                    ("is_primary", "on"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from affiliations where is_primary"
        )
        .await,
        1
    );
    assert_eq!(
        app.count(
            s.tenant,
            &format!(
                "select count(*) from affiliations where is_primary and facility_id = '{fac}'"
            )
        )
        .await,
        1,
        "the newest main place wins"
    );
}

#[tokio::test]
async fn an_affiliation_without_a_place_or_ending_before_it_starts_is_refused_and_nothing_is_written()
 {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    let okafor = people(&app, s.tenant, &["Okafor"]).await[0];
    let org = organization(&s, "Bayside Cardiology").await;
    let path = format!("/stakeholders/{okafor}/affiliations");
    let no_place = s
        .post(&path, &[("place", ""), ("role", "practices_at")])
        .await;
    assert_eq!(no_place.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = body(no_place).await;
    assert!(page.contains("Choose the organization or facility.") && page.contains("Pat Okafor"));
    let place = format!("o:{org}");
    let backwards = s
        .post(
            &path,
            &[
                ("place", place.as_str()),
                ("role", "practices_at"),
                ("title", "Partner"),
                ("starts_on", "2022-05-01"),
                ("ends_on", "2021-01-01"),
            ],
        )
        .await;
    assert_eq!(backwards.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = body(backwards).await;
    assert!(page.contains("The end comes before the start."));
    assert!(
        page.contains("value=\"Partner\"") && page.contains(&format!("value=\"o:{org}\" selected")),
        "the form keeps what was typed"
    );
    let bad_role = s
        .post(&path, &[("place", place.as_str()), ("role", "landlord")])
        .await;
    assert_eq!(bad_role.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body(bad_role)
            .await
            .contains("Choose a role from the list.")
    );
    let bad_date = s
        .post(
            &path,
            &[
                ("place", place.as_str()),
                ("role", "owner"),
                ("starts_on", "yesterday"),
            ],
        )
        .await;
    assert_eq!(bad_date.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.count(s.tenant, "select count(*) from affiliations")
            .await,
        0
    );
    assert_eq!(audited(&app, s.tenant, "affiliation.create").await, 0);
}

#[tokio::test]
async fn editing_an_affiliation_can_end_it_and_removing_it_deletes_it() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    let okafor = people(&app, s.tenant, &["Okafor"]).await[0];
    let org = organization(&s, "Bayside Cardiology").await;
    let place = format!("o:{org}");
    s.post(
        &format!("/stakeholders/{okafor}/affiliations"),
        &[
            ("place", place.as_str()),
            ("role", "practices_at"),
            ("starts_on", "2019-01-15"),
        ],
    )
    .await;
    let id = id_of(&app, s.tenant, "select id from affiliations").await;
    let edit = s.get(&format!("/affiliations/{id}/edit")).await;
    assert_eq!(edit.status(), StatusCode::OK);
    let form = body(edit).await;
    assert!(
        form.contains("Edit affiliation")
            && form.contains(&format!("value=\"o:{org}\" selected"))
            && form.contains("value=\"2019-01-15\""),
        "the form is filled in"
    );
    let bad = s
        .post(
            &format!("/affiliations/{id}"),
            &[
                ("place", place.as_str()),
                ("role", "practices_at"),
                ("starts_on", "2019-01-15"),
                ("ends_on", "2018-01-01"),
            ],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body(bad).await.contains("The end comes before the start."));
    let r = s
        .post(
            &format!("/affiliations/{id}"),
            &[
                ("place", place.as_str()),
                ("role", "practices_at"),
                ("starts_on", "2019-01-15"),
                ("ends_on", "2023-06-30"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("/stakeholders/{okafor}#affiliations"));
    let page = s.text(&format!("/stakeholders/{okafor}")).await;
    assert!(page.contains("Affiliation saved.") && page.contains("Ended"));
    assert!(
        s.text(&format!("/organizations/{org}"))
            .await
            .contains("Nobody is affiliated yet."),
        "an ended affiliation no longer lists the person at the place"
    );
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from audit_events where action = 'affiliation.update'
               and changes ? 'ends_on' and not changes ? 'role'"
        )
        .await,
        1
    );
    let r = s.post(&format!("/affiliations/{id}/delete"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("/stakeholders/{okafor}#affiliations"));
    assert_eq!(
        app.count(s.tenant, "select count(*) from affiliations")
            .await,
        0
    );
    assert_eq!(audited(&app, s.tenant, "affiliation.delete").await, 1);
    assert_eq!(
        s.post(&format!("/affiliations/{id}/delete"), &[])
            .await
            .status(),
        StatusCode::NOT_FOUND,
        "removing twice finds nothing"
    );
}

#[tokio::test]
async fn another_workspaces_organization_cannot_be_the_place() {
    let app = TestApp::spawn().await;
    let a = app.signed_in("alpha", Role::Liaison).await;
    let b = app.signed_in("beta", Role::Liaison).await;
    let okafor = people(&app, a.tenant, &["Okafor"]).await[0];
    organization(&a, "Alpha Clinic").await;
    let theirs = organization(&b, "Beta Cardiology").await;
    let place = format!("o:{theirs}");
    let r = a
        .post(
            &format!("/stakeholders/{okafor}/affiliations"),
            &[("place", place.as_str()), ("role", "practices_at")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = body(r).await;
    assert!(
        page.contains("Choose an organization from the list.") && !page.contains("Beta Cardiology"),
        "refused, and their organization is not offered"
    );
    assert_eq!(
        app.count(a.tenant, "select count(*) from affiliations")
            .await,
        0
    );
    assert_eq!(
        app.count(b.tenant, "select count(*) from affiliations")
            .await,
        0
    );
}

// ---------------------------------------------------------------------------------------
// Relationship managers, the book and the cadence
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_new_primary_manager_ends_the_previous_one_and_keeps_the_history() {
    let app = TestApp::spawn().await;
    let lee = app.signed_in("mercy", Role::Liaison).await;
    let mo = app.signed_in("mercy", Role::Liaison).await;
    rename(&app, &lee, "Lee Liaison").await;
    rename(&app, &mo, "Mo Manager").await;
    let okafor = people(&app, lee.tenant, &["Okafor"]).await[0];
    let path = format!("/stakeholders/{okafor}/assignments");
    let (lee_id, mo_id) = (lee.user.0.to_string(), mo.user.0.to_string());
    let r = lee
        .post(&path, &[("user_id", lee_id.as_str()), ("role", "primary")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("/stakeholders/{okafor}#managers"));
    let r = lee
        .post(&path, &[("user_id", mo_id.as_str()), ("role", "primary")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.count(lee.tenant, "select count(*) from assignments")
            .await,
        2,
        "a new row, not an overwrite"
    );
    assert_eq!(
        app.count(
            lee.tenant,
            &format!("select count(*) from assignments where user_id = '{lee_id}' and role = 'primary' and ends_on = current_date")
        )
        .await,
        1,
        "the previous primary ended today"
    );
    assert_eq!(
        app.count(
            lee.tenant,
            &format!("select count(*) from assignments where user_id = '{mo_id}' and role = 'primary' and ends_on is null")
        )
        .await,
        1
    );
    assert_eq!(audited(&app, lee.tenant, "assignment.create").await, 2);
    assert_eq!(
        app.count(
            lee.tenant,
            "select count(*) from audit_events where action = 'assignment.end' and changes->>'reason' = 'reassigned'"
        )
        .await,
        1
    );
    let page = lee.text(&format!("/stakeholders/{okafor}")).await;
    assert!(page.contains("Relationship manager assigned."));
    assert!(page.contains("Earlier managers") && page.contains("Lee Liaison · Primary"));
    assert!(
        page.contains("Mo Manager became primary relationship manager")
            && page.contains("Lee Liaison stopped as primary relationship manager"),
        "the timeline tells the story"
    );
    let again = lee
        .post(&path, &[("user_id", mo_id.as_str()), ("role", "primary")])
        .await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    assert!(
        lee.text(&format!("/stakeholders/{okafor}"))
            .await
            .contains("Already assigned that way; nothing changed.")
    );
    lee.post(
        &path,
        &[("user_id", lee_id.as_str()), ("role", "secondary")],
    )
    .await;
    assert_eq!(
        app.count(
            lee.tenant,
            "select count(*) from assignments where ends_on is null"
        )
        .await,
        2,
        "a primary and a secondary at once"
    );
}

#[tokio::test]
async fn ending_an_assignment_keeps_it_as_history_and_ending_it_again_changes_nothing() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Marketer).await;
    let okafor = people(&app, s.tenant, &["Okafor"]).await[0];
    let me = s.user.0.to_string();
    s.post(
        &format!("/stakeholders/{okafor}/assignments"),
        &[("user_id", me.as_str()), ("role", "secondary")],
    )
    .await;
    let id = id_of(&app, s.tenant, "select id from assignments").await;
    let r = s.post(&format!("/assignments/{id}/end"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("/stakeholders/{okafor}#managers"));
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from assignments where ends_on is not null"
        )
        .await,
        1
    );
    assert_eq!(audited(&app, s.tenant, "assignment.end").await, 1);
    let page = s.text(&format!("/stakeholders/{okafor}")).await;
    assert!(
        page.contains("Assignment ended; it stays in the history.")
            && page.contains("Earlier managers")
    );
    let again = s.post(&format!("/assignments/{id}/end"), &[]).await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    assert!(
        s.text(&format!("/stakeholders/{okafor}"))
            .await
            .contains("That assignment had already ended.")
    );
    assert_eq!(audited(&app, s.tenant, "assignment.end").await, 1);
    assert_eq!(
        s.post(&format!("/assignments/{}/end", Uuid::new_v4()), &[])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn assigning_without_a_user_or_a_role_or_to_someone_outside_the_workspace_changes_nothing() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    let outsider = app.signed_in("other", Role::Liaison).await;
    let okafor = people(&app, s.tenant, &["Okafor"]).await[0];
    let path = format!("/stakeholders/{okafor}/assignments");
    let me = s.user.0.to_string();
    let them = outsider.user.0.to_string();
    for (form, message) in [
        (
            [("user_id", "not-a-user"), ("role", "primary")],
            "Choose a user and a role.",
        ),
        (
            [("user_id", me.as_str()), ("role", "boss")],
            "Choose a user and a role.",
        ),
        (
            [("user_id", them.as_str()), ("role", "primary")],
            "That user is not an active user of this workspace.",
        ),
    ] {
        let r = s.post(&path, &form).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert!(s.text(&location(&r)).await.contains(message), "{message}");
    }
    assert_eq!(
        app.count(s.tenant, "select count(*) from assignments")
            .await,
        0
    );
    assert_eq!(audited(&app, s.tenant, "assignment.create").await, 0);
}

#[tokio::test]
async fn my_stakeholders_lists_the_overdue_first_and_says_by_how_much() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    let other = app.signed_in("mercy", Role::Liaison).await;
    let ids = people(
        &app,
        s.tenant,
        &["Overdue", "Today", "Later", "Untiered", "Elsewhere"],
    )
    .await;
    let me = s.user.0.to_string();
    for id in &ids[..4] {
        s.post(
            &format!("/stakeholders/{id}/assignments"),
            &[("user_id", me.as_str()), ("role", "primary")],
        )
        .await;
    }
    let theirs = other.user.0.to_string();
    s.post(
        &format!("/stakeholders/{}/assignments", ids[4]),
        &[("user_id", theirs.as_str()), ("role", "primary")],
    )
    .await;
    let contact = |days: u32| format!("(current_date - {days})::timestamp at time zone 'UTC'");
    for (id, tier, last) in [
        (ids[0], "'A'", contact(40)),
        (ids[1], "'C'", "null".to_string()),
        (ids[2], "'B'", contact(10)),
        (ids[3], "null", contact(400)),
        (ids[4], "'A'", contact(300)),
    ] {
        app.owner_exec(
            s.tenant,
            &format!(
                "update stakeholders set tier = {tier}, last_contact_at = {last} where id = '{id}'"
            ),
        )
        .await;
    }
    let due = s.text("/my-stakeholders").await;
    assert!(due.contains("My stakeholders"));
    assert!(
        due.contains("10 days overdue") && due.contains("Due today"),
        "tier A 40 days after contact is 10 days past its 30; tier C never contacted is due now"
    );
    let (overdue, today) = (
        due.find("Pat Overdue").expect("overdue listed"),
        due.find("Pat Today").expect("due today listed"),
    );
    assert!(overdue < today, "overdue first");
    assert!(
        !due.contains("Pat Later") && !due.contains("Pat Untiered"),
        "not due within two weeks"
    );
    assert!(!due.contains("Pat Elsewhere"), "someone else's book");
    assert!(
        due.contains("<div class=\"stat-value\">1</div><div class=\"stat-label\">overdue</div>")
            && due.contains(
                "<div class=\"stat-value\">4</div><div class=\"stat-label\">in the book</div>"
            )
    );
    let all = s.text("/my-stakeholders?view=all").await;
    assert!(
        all.contains("Pat Later")
            && all.contains("Due in 50 days")
            && all.contains("Pat Untiered")
            && all.contains("No tier, no cadence")
            && !all.contains("Pat Elsewhere")
    );
}

#[tokio::test]
async fn a_liaison_sees_only_their_own_book_and_an_admin_may_open_anyones() {
    let app = TestApp::spawn().await;
    let liaison = app.signed_in("mercy", Role::Liaison).await;
    let admin = app.signed_in("mercy", Role::Admin).await;
    let outsider = app.signed_in("other", Role::Liaison).await;
    rename(&app, &liaison, "Lee Liaison").await;
    let okafor = people(&app, liaison.tenant, &["Okafor"]).await[0];
    let lee = liaison.user.0.to_string();
    liaison
        .post(
            &format!("/stakeholders/{okafor}/assignments"),
            &[("user_id", lee.as_str()), ("role", "primary")],
        )
        .await;
    assert_eq!(
        liaison
            .get(&format!("/my-stakeholders?user={}", admin.user.0))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let own = liaison
        .get(&format!("/my-stakeholders?view=all&user={lee}"))
        .await;
    assert_eq!(
        own.status(),
        StatusCode::OK,
        "their own id is their own book"
    );
    assert!(body(own).await.contains("Pat Okafor"));
    let r = admin
        .get(&format!("/my-stakeholders?view=all&user={lee}"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = body(r).await;
    assert!(page.contains("Lee Liaison") && page.contains("Pat Okafor"));
    assert!(
        admin
            .text("/my-stakeholders")
            .await
            .contains("No stakeholders assigned to you yet")
    );
    assert_eq!(
        admin
            .get(&format!("/my-stakeholders?user={}", outsider.user.0))
            .await
            .status(),
        StatusCode::NOT_FOUND,
        "another workspace's user has no book here"
    );
}

#[tokio::test]
async fn changing_the_cadence_changes_who_is_overdue() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Admin).await;
    let okafor = people(&app, s.tenant, &["Okafor"]).await[0];
    let me = s.user.0.to_string();
    s.post(
        &format!("/stakeholders/{okafor}/assignments"),
        &[("user_id", me.as_str()), ("role", "primary")],
    )
    .await;
    app.owner_exec(
        s.tenant,
        &format!(
            "update stakeholders set tier = 'A', last_contact_at = (current_date - 20)::timestamp at time zone 'UTC' where id = '{okafor}'"
        ),
    )
    .await;
    let before = s.text("/my-stakeholders").await;
    assert!(before.contains("Due in 10 days") && !before.contains("overdue</span>"));
    let page = s.text("/admin/cadence").await;
    assert!(page.contains("Contact cadence") && page.contains("value=\"30\""));
    let r = s
        .post("/admin/cadence", &[("a", "14"), ("b", "45"), ("c", "120")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/admin/cadence");
    let page = s.text("/admin/cadence").await;
    assert!(page.contains("Cadence saved.") && page.contains("value=\"14\""));
    let after = s.text("/my-stakeholders").await;
    assert!(
        after.contains("6 days overdue") && after.contains("Tier A every 14 days"),
        "20 days after contact is 6 days past a 14-day cadence"
    );
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from cadence_rules where (tier, days) in (('A', 14), ('B', 45), ('C', 120))"
        )
        .await,
        3
    );
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from audit_events where action = 'cadence.update'
               and changes->'tier_a_days'->>'to' = '14'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn a_bad_cadence_is_refused_and_only_an_admin_may_set_one() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("mercy", Role::Admin).await;
    for (a, b, c) in [
        ("0", "60", "90"),
        ("30", "731", "90"),
        ("30", "60", "often"),
    ] {
        let r = admin
            .post("/admin/cadence", &[("a", a), ("b", b), ("c", c)])
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{a} {b} {c}");
        let page = body(r).await;
        assert!(page.contains("Enter a number of days from 1 to 730."));
    }
    for role in [Role::Marketer, Role::Liaison, Role::Executive] {
        let s = app.signed_in("mercy", role).await;
        assert_eq!(
            s.get("/admin/cadence").await.status(),
            StatusCode::FORBIDDEN,
            "{role:?}"
        );
        assert_eq!(
            s.post("/admin/cadence", &[("a", "7"), ("b", "7"), ("c", "7")])
                .await
                .status(),
            StatusCode::FORBIDDEN,
            "{role:?}"
        );
    }
    assert_eq!(
        app.count(admin.tenant, "select count(*) from cadence_rules")
            .await,
        0
    );
    assert_eq!(audited(&app, admin.tenant, "cadence.update").await, 0);
}

// ---------------------------------------------------------------------------------------
// Champion stages and the board
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_liaison_can_move_a_stakeholder_to_champion_with_a_reason() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    rename(&app, &s, "Lee Liaison").await;
    let okafor = people(&app, s.tenant, &["Okafor"]).await[0];
    let path = format!("/stakeholders/{okafor}/stage");
    let form = s.get(&path).await;
    assert_eq!(form.status(), StatusCode::OK);
    assert!(body(form).await.contains("Now: no stage"));
    let r = s
        .post(
            &path,
            &[("stage", "engaged"), ("reason", "Met at grand rounds")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("/stakeholders/{okafor}#pipeline"));
    let r = s
        .post(
            &path,
            &[
                ("stage", "champion"),
                ("reason", "Sent two referrals after the dinner"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.count(
            s.tenant,
            &format!(
                "select count(*) from stage_changes where stakeholder_id = '{okafor}' and from_stage = 'engaged'
                   and to_stage = 'champion' and reason = 'Sent two referrals after the dinner'
                   and changed_by = '{}'",
                s.user.0
            )
        )
        .await,
        1
    );
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from stage_changes where from_stage is null and to_stage = 'engaged'"
        )
        .await,
        1
    );
    assert_eq!(
        app.count(
            s.tenant,
            &format!("select count(*) from stakeholders where id = '{okafor}' and stage = 'champion' and stage_changed_at is not null")
        )
        .await,
        1
    );
    let page = s.text(&format!("/stakeholders/{okafor}")).await;
    assert!(page.contains("Moved to Champion."));
    assert!(
        page.contains("Engaged → Champion")
            && page.contains("Sent two referrals after the dinner")
            && page.contains("Lee Liaison")
    );
    assert!(
        page.contains("Moved to Champion from Engaged"),
        "the timeline shows the move"
    );
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from audit_events where action = 'stakeholder.stage'
               and changes->'stage'->>'to' = 'champion' and changes->'stage'->>'from' = 'engaged'"
        )
        .await,
        1
    );
    let same = s.post(&path, &[("stage", "champion")]).await;
    assert_eq!(same.status(), StatusCode::SEE_OTHER);
    assert!(
        s.text(&format!("/stakeholders/{okafor}"))
            .await
            .contains("Already at Champion.")
    );
    assert_eq!(
        app.count(s.tenant, "select count(*) from stage_changes")
            .await,
        2
    );
    assert_eq!(audited(&app, s.tenant, "stakeholder.stage").await, 2);
}

#[tokio::test]
async fn an_unknown_stage_is_refused_and_nothing_moves() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    let okafor = people(&app, s.tenant, &["Okafor"]).await[0];
    let r = s
        .post(
            &format!("/stakeholders/{okafor}/stage"),
            &[("stage", "royalty"), ("reason", "Treats us like kings")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = body(r).await;
    assert!(
        page.contains("Choose a stage from the list.") && page.contains("Treats us like kings")
    );
    assert_eq!(
        app.count(s.tenant, "select count(*) from stage_changes")
            .await,
        0
    );
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from stakeholders where stage is not null"
        )
        .await,
        0
    );
    assert_eq!(audited(&app, s.tenant, "stakeholder.stage").await, 0);
}

#[tokio::test]
async fn the_board_shows_people_under_their_stage_and_filters_by_facility_specialty_and_manager() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    let ids = people(&app, s.tenant, &["Okafor", "Ruiz", "Chen"]).await;
    let (okafor, ruiz, chen) = (ids[0], ids[1], ids[2]);
    let fac = facility(&app, s.tenant, "Mercy General").await;
    app.owner_exec(
        s.tenant,
        &format!("update stakeholders set taxonomy_code = '207RC0000X' where id = '{okafor}'"),
    )
    .await;
    app.owner_exec(
        s.tenant,
        &format!(
            "update stakeholders set taxonomy_code = '207Q00000X' where id in ('{ruiz}', '{chen}')"
        ),
    )
    .await;
    let place = format!("f:{fac}");
    s.post(
        &format!("/stakeholders/{okafor}/affiliations"),
        &[("place", place.as_str()), ("role", "privileges")],
    )
    .await;
    // Ruiz held privileges there once; an ended affiliation does not count.
    s.post(
        &format!("/stakeholders/{ruiz}/affiliations"),
        &[
            ("place", place.as_str()),
            ("role", "privileges"),
            ("starts_on", "2015-01-01"),
            ("ends_on", "2020-01-01"),
        ],
    )
    .await;
    let me = s.user.0.to_string();
    s.post(
        &format!("/stakeholders/{okafor}/assignments"),
        &[("user_id", me.as_str()), ("role", "primary")],
    )
    .await;
    for (id, stage) in [(okafor, "champion"), (ruiz, "champion"), (chen, "engaged")] {
        let r = s
            .post(&format!("/stakeholders/{id}/stage"), &[("stage", stage)])
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    let board = s.text("/champions").await;
    let champions = column(&board, "champion");
    assert!(
        champions.contains("Pat Okafor")
            && champions.contains("Pat Ruiz")
            && !champions.contains("Pat Chen")
            && champions.contains("<span class=\"count\">2</span>")
    );
    assert!(
        champions.contains("Cardiovascular Disease Physician")
            && champions.contains("Test Liaison"),
        "a card shows the specialty and the primary manager"
    );
    let engaged = column(&board, "engaged");
    assert!(engaged.contains("Pat Chen") && !engaged.contains("Pat Okafor"));
    assert!(column(&board, "advocate").contains("Nobody."));
    for filter in [
        format!("facility={fac}"),
        "specialty=207RC0000X".to_string(),
        format!("manager={me}"),
    ] {
        let page = s.text(&format!("/champions?{filter}")).await;
        let champions = column(&page, "champion");
        assert!(
            champions.contains("Pat Okafor")
                && !champions.contains("Pat Ruiz")
                && champions.contains("<span class=\"count\">1</span>"),
            "{filter}"
        );
        assert!(
            column(&page, "engaged").contains("Nobody under these filters."),
            "{filter}"
        );
    }
    let family = s.text("/champions?specialty=207Q00000X").await;
    assert!(column(&family, "champion").contains("Pat Ruiz"));
    assert!(column(&family, "engaged").contains("Pat Chen"));
    assert!(!family.contains("Pat Okafor"));
}

// ---------------------------------------------------------------------------------------
// Influence links and key influencers
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn an_influence_link_shows_on_both_stakeholders_pages_and_can_be_removed() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    let ids = people(&app, s.tenant, &["Okafor", "Ruiz", "Chen"]).await;
    let (okafor, ruiz, chen) = (ids[0], ids[1], ids[2]);
    let form = s
        .get(&format!("/stakeholders/{okafor}/influence/new"))
        .await;
    assert_eq!(form.status(), StatusCode::OK);
    assert!(body(form).await.contains("Pat Okafor influences…"));
    let (ruiz_s, chen_s) = (ruiz.to_string(), chen.to_string());
    let r = s
        .post(
            &format!("/stakeholders/{okafor}/influence"),
            &[
                ("direction", "out"),
                ("other_id", ruiz_s.as_str()),
                ("kind", "opinion_leader"),
                ("strength", "4"),
                ("note", "Chairs the tumor board"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("/stakeholders/{okafor}#influence"));
    // The other direction: Chen refers patients to Okafor.
    let r = s
        .post(
            &format!("/stakeholders/{okafor}/influence"),
            &[
                ("direction", "in"),
                ("other_id", chen_s.as_str()),
                ("kind", "refers_to"),
                ("strength", "2"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.count(
            s.tenant,
            &format!(
                "select count(*) from influence_links where from_id = '{okafor}' and to_id = '{ruiz}'
                   and kind = 'opinion_leader' and strength = 4 and note = 'Chairs the tumor board' and source = 'entered'"
            )
        )
        .await,
        1
    );
    assert_eq!(
        app.count(
            s.tenant,
            &format!("select count(*) from influence_links where from_id = '{chen}' and to_id = '{okafor}' and kind = 'refers_to'")
        )
        .await,
        1
    );
    let mine = s.text(&format!("/stakeholders/{okafor}")).await;
    assert!(mine.contains("Influence link added."));
    assert!(
        mine.contains("Opinion leader for <a href=\"/stakeholders/")
            && mine.contains("Pat Ruiz")
            && mine.contains("●●●●○")
            && mine.contains("Chairs the tumor board")
    );
    assert!(mine.contains("Pat Chen") && mine.contains("(refers patients to them)"));
    let theirs = s.text(&format!("/stakeholders/{ruiz}")).await;
    assert!(
        theirs.contains("Influenced by")
            && theirs.contains("Pat Okafor")
            && theirs.contains("(opinion leader for them)"),
        "the link shows on the other person's page too"
    );
    assert_eq!(audited(&app, s.tenant, "influence.create").await, 2);
    let link = id_of(
        &app,
        s.tenant,
        &format!("select id from influence_links where to_id = '{ruiz}'"),
    )
    .await;
    let r = s
        .post(
            &format!("/influence/{link}/delete"),
            &[("back", ruiz_s.as_str())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&r),
        format!("/stakeholders/{ruiz}#influence"),
        "back to the page it was removed from"
    );
    let theirs = s.text(&format!("/stakeholders/{ruiz}")).await;
    assert!(theirs.contains("Influence link removed.") && !theirs.contains("Pat Okafor"));
    assert_eq!(
        app.count(s.tenant, "select count(*) from influence_links")
            .await,
        1
    );
    assert_eq!(audited(&app, s.tenant, "influence.delete").await, 1);
    assert_eq!(
        s.post(&format!("/influence/{link}/delete"), &[])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_self_link_a_duplicate_link_or_a_bad_strength_gets_a_friendly_message() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    let ids = people(&app, s.tenant, &["Okafor", "Ruiz"]).await;
    let (okafor, ruiz) = (ids[0].to_string(), ids[1].to_string());
    let path = format!("/stakeholders/{okafor}/influence");
    let own = peer_link(&s, &okafor, &okafor, "3").await;
    assert_eq!(own.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body(own)
            .await
            .contains("A person cannot influence themselves.")
    );
    assert_eq!(
        peer_link(&s, &okafor, &ruiz, "3").await.status(),
        StatusCode::SEE_OTHER
    );
    let twice = peer_link(&s, &okafor, &ruiz, "5").await;
    assert_eq!(twice.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = body(twice).await;
    assert!(
        page.contains("This link is already recorded; change its strength instead."),
        "a duplicate is a message, not a crash"
    );
    assert!(page.contains("Pat Ruiz"), "the chosen person stays chosen");
    let strong = peer_link(&s, &okafor, &ruiz, "9").await;
    assert_eq!(strong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body(strong)
            .await
            .contains("Strength is a whole number from 1 to 5.")
    );
    let nobody = s
        .post(
            &path,
            &[("direction", "out"), ("other_id", ""), ("kind", "peer")],
        )
        .await;
    assert_eq!(nobody.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body(nobody).await.contains("Choose the stakeholder."));
    assert_eq!(
        app.count(s.tenant, "select count(*) from influence_links")
            .await,
        1
    );
    assert_eq!(audited(&app, s.tenant, "influence.create").await, 1);
}

#[tokio::test]
async fn the_picker_offers_matching_people_as_radio_buttons() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    let other = app.signed_in("other", Role::Liaison).await;
    let ids = people(&app, s.tenant, &["Okafor", "Okafort", "Ruiz"]).await;
    let foreign = people(&app, other.tenant, &["Okafor"]).await[0];
    let found = s.text("/stakeholders/pick?q=okaf&name=other_id").await;
    assert!(
        found.contains(&format!(
            "type=\"radio\" name=\"other_id\" value=\"{}\"",
            ids[0]
        )) && found.contains(&format!("value=\"{}\"", ids[1]))
            && !found.contains(&format!("value=\"{}\"", ids[2])),
        "both Okafors, not Ruiz"
    );
    assert!(
        !found.contains(&foreign.to_string()),
        "never another workspace's people"
    );
    let not_me = s
        .text(&format!(
            "/stakeholders/pick?q=okaf&name=other_id&not={}",
            ids[0]
        ))
        .await;
    assert!(
        !not_me.contains(&ids[0].to_string()) && not_me.contains(&ids[1].to_string()),
        "the page's own stakeholder is left out"
    );
    let odd_name = s.text("/stakeholders/pick?q=ruiz&name=evil").await;
    assert!(odd_name.contains("name=\"stakeholder_id\"") && !odd_name.contains("evil"));
    let short = s.text("/stakeholders/pick?q=o&name=other_id").await;
    assert!(!short.contains("radio"), "one letter is not a search");
    let none = s.text("/stakeholders/pick?q=zzzz&name=other_id").await;
    assert!(none.contains("Nobody matches."));
}

#[tokio::test]
async fn key_influencers_are_ranked_by_influence_with_who_looks_to_them() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    assert!(
        s.text("/champions/influencers")
            .await
            .contains("No influence yet")
    );
    let ids = people(&app, s.tenant, &["Leader", "Follower", "Fan", "Minor"]).await;
    for (from, to, strength) in [
        (ids[0], ids[1], "5"),
        (ids[0], ids[2], "4"),
        (ids[3], ids[1], "1"),
    ] {
        let to = to.to_string();
        let r = s
            .post(
                &format!("/stakeholders/{from}/influence"),
                &[
                    ("direction", "out"),
                    ("other_id", to.as_str()),
                    ("kind", "opinion_leader"),
                    ("strength", strength),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    let page = s.text("/champions/influencers").await;
    let leader = page.find(">Pat Leader<").expect("leader listed");
    let minor = page.find(">Pat Minor<").expect("minor listed");
    assert!(leader < minor, "the stronger influencer ranks first");
    // Fan looks only to Leader; Follower also looks to Minor: Fan gives Leader more.
    assert!(
        page.contains("Pat Fan <span class=\"muted\">(")
            && page.contains(", Pat Follower <span class=\"muted\">(")
            && page.contains("× average"),
        "who looks to them, the biggest part first, and the influence"
    );
    assert!(
        !page.contains(">Pat Fan</a>"),
        "nobody who only is influenced"
    );
}

// ---------------------------------------------------------------------------------------
// Feedback
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_concern_is_logged_onto_the_timeline_due_a_week_later_and_into_the_queue() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    rename(&app, &s, "Lee Liaison").await;
    let okafor = people(&app, s.tenant, &["Okafor"]).await[0];
    let referral = topic(&app, s.tenant, "Referral process").await;
    let form = s.get(&format!("/feedback/new?stakeholder={okafor}")).await;
    assert_eq!(form.status(), StatusCode::OK);
    let page = body(form).await;
    assert!(
        page.contains(&format!(
            "name=\"stakeholder_id\" value=\"{okafor}\" checked"
        )) && page.contains("Referral process"),
        "the person is chosen and the seeded topics are offered"
    );
    let heard = days_ago(3);
    let r = log_feedback(
        &s,
        okafor,
        referral,
        "-1",
        "The referral fax goes unanswered",
        &heard,
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("/stakeholders/{okafor}#timeline"));
    assert_eq!(
        app.count(
            s.tenant,
            &format!(
                "select count(*) from feedback where stakeholder_id = '{okafor}' and status = 'open'
                   and received_on = '{heard}' and due_on = received_on + 7
                   and owner_id = '{me}' and created_by = '{me}'",
                me = s.user.0
            )
        )
        .await,
        1,
        "due a week after it was heard, owned by the author"
    );
    let page = s.text(&format!("/stakeholders/{okafor}")).await;
    assert!(page.contains("Feedback logged as an open concern"));
    let timeline = &page[page.find("id=\"timeline\"").expect("timeline")..];
    assert!(
        timeline.contains("Referral process · negative · open")
            && timeline.contains("The referral fax goes unanswered")
            && timeline.contains("Lee Liaison")
    );
    let queue = s.text("/feedback/queue").await;
    assert!(
        queue.contains("Referral process")
            && queue.contains("The referral fax goes unanswered")
            && queue.contains("3 days old")
    );
    assert_eq!(
        app.count(
            s.tenant,
            &format!(
                "select count(*) from stakeholders where id = '{okafor}'
                   and (last_contact_at at time zone 'UTC')::date = '{heard}'"
            )
        )
        .await,
        1,
        "hearing from them counts as contact"
    );
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from audit_events where action = 'feedback.create'
               and changes->>'sentiment' = '-1' and not changes ? 'body'"
        )
        .await,
        1,
        "audited, without what they said"
    );
}

#[tokio::test]
async fn praise_has_no_due_date_and_stays_out_of_the_queue() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Marketer).await;
    let okafor = people(&app, s.tenant, &["Okafor"]).await[0];
    let quality = topic(&app, s.tenant, "Quality of care").await;
    let r = log_feedback(&s, okafor, quality, "2", "Loved the new cath lab", "").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(s.text(&location(&r)).await.contains("Feedback logged."));
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from feedback where due_on is null and sentiment = 2 and status = 'open'"
        )
        .await,
        1
    );
    assert!(s.text("/feedback/queue").await.contains("No open concerns"));
}

#[tokio::test]
async fn feedback_moves_the_last_contact_forward_but_never_back() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    let okafor = people(&app, s.tenant, &["Okafor"]).await[0];
    let other = topic(&app, s.tenant, "Other").await;
    let last_contact_on = |day: String| {
        format!(
            "select count(*) from stakeholders where id = '{okafor}' and (last_contact_at at time zone 'UTC')::date = '{day}'"
        )
    };
    logged(
        &app,
        &s,
        okafor,
        other,
        "0",
        "Mentioned the parking",
        &days_ago(5),
    )
    .await;
    assert_eq!(app.count(s.tenant, &last_contact_on(days_ago(5))).await, 1);
    logged(
        &app,
        &s,
        okafor,
        other,
        "1",
        "Older note typed late",
        &days_ago(30),
    )
    .await;
    assert_eq!(
        app.count(s.tenant, &last_contact_on(days_ago(5))).await,
        1,
        "an older item does not move it back"
    );
    logged(
        &app,
        &s,
        okafor,
        other,
        "1",
        "Said thanks today",
        &days_ago(0),
    )
    .await;
    assert_eq!(app.count(s.tenant, &last_contact_on(days_ago(0))).await, 1);
}

#[tokio::test]
async fn a_bad_feedback_form_comes_back_with_messages_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    let okafor = people(&app, s.tenant, &["Okafor"]).await[0];
    let tomorrow = (Utc::now().date_naive() + Days::new(1)).to_string();
    let who = okafor.to_string();
    let r = s
        .post(
            "/feedback",
            &[
                ("stakeholder_id", who.as_str()),
                ("topic_id", ""),
                ("sentiment", "3"),
                ("body", "   "),
                ("received_on", tomorrow.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = body(r).await;
    for message in [
        "Choose a topic.",
        "Choose how they felt",
        "Enter what they said.",
        "That date is in the future.",
    ] {
        assert!(page.contains(message), "missing {message:?}");
    }
    assert!(page.contains("Pat Okafor"), "the person stays chosen");
    let topic = topic(&app, s.tenant, "Communication").await.to_string();
    let early = s
        .post(
            "/feedback",
            &[
                ("stakeholder_id", who.as_str()),
                ("topic_id", topic.as_str()),
                ("sentiment", "-2"),
                ("body", "Rude front desk"),
                ("received_on", "2025-03-10"),
                ("due_on", "2025-03-01"),
            ],
        )
        .await;
    assert_eq!(early.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body(early)
            .await
            .contains("The due date comes before the feedback.")
    );
    let nobody = s
        .post(
            "/feedback",
            &[
                ("topic_id", topic.as_str()),
                ("sentiment", "0"),
                ("body", "Who said this?"),
            ],
        )
        .await;
    assert_eq!(nobody.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body(nobody).await.contains("Choose who said it."));
    assert_eq!(
        app.count(s.tenant, "select count(*) from feedback").await,
        0
    );
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from stakeholders where last_contact_at is not null"
        )
        .await,
        0
    );
    assert_eq!(audited(&app, s.tenant, "feedback.create").await, 0);
}

#[tokio::test]
async fn what_people_typed_is_shown_as_text_never_as_markup() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    let ids = people(&app, s.tenant, &["Okafor", "Ruiz"]).await;
    let (okafor, ruiz) = (ids[0], ids[1]);
    let other = topic(&app, s.tenant, "Other").await;
    let markup = "<script>alert(1)</script>";
    let id = logged(&app, &s, okafor, other, "-1", markup, &days_ago(1)).await;
    let ruiz_s = ruiz.to_string();
    s.post(
        &format!("/stakeholders/{okafor}/influence"),
        &[
            ("direction", "out"),
            ("other_id", ruiz_s.as_str()),
            ("kind", "peer"),
            ("note", "<img src=x onerror=alert(2)>"),
        ],
    )
    .await;
    s.post(
        &format!("/stakeholders/{okafor}/stage"),
        &[("stage", "at_risk"), ("reason", "<b>angry</b>")],
    )
    .await;
    for path in [
        format!("/stakeholders/{okafor}"),
        format!("/feedback/{id}"),
        "/feedback".to_string(),
        "/feedback/queue".into(),
    ] {
        let page = s.text(&path).await;
        assert!(
            !page.contains(markup)
                && !page.contains("<img src=x")
                && !page.contains("<b>angry</b>"),
            "{path} renders typed text as markup"
        );
        assert!(
            page.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
            "{path} shows the text, escaped"
        );
    }
}

#[tokio::test]
async fn the_loop_closes_step_by_step_and_closing_needs_a_resolution() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    let okafor = people(&app, s.tenant, &["Okafor"]).await[0];
    let access = topic(&app, s.tenant, "Access and scheduling").await;
    let id = logged(
        &app,
        &s,
        okafor,
        access,
        "-2",
        "Patients wait six weeks for a slot",
        &days_ago(20),
    )
    .await;
    let path = format!("/feedback/{id}");
    let show = s.text(&path).await;
    assert!(
        show.contains("Patients wait six weeks for a slot")
            && show.contains("Overdue")
            && show.contains("Save step"),
        "a concern heard 20 days ago was due 13 days ago"
    );
    let step = format!("{path}/step");
    let r = s.post(&step, &[("status", "acknowledged")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), path);
    assert!(s.text(&path).await.contains("Marked acknowledged."));
    let bare = s.post(&step, &[("status", "resolved")]).await;
    assert_eq!(bare.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body(bare)
            .await
            .contains("Say what was done, so the next person knows how it was closed.")
    );
    let odd = s.post(&step, &[("status", "done")]).await;
    assert_eq!(odd.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body(odd).await.contains("Choose a status from the list."));
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from feedback where status = 'acknowledged' and closed_at is null"
        )
        .await,
        1,
        "refused steps change nothing"
    );
    let r = s
        .post(
            &step,
            &[
                ("status", "resolved"),
                ("resolution", "Added two clinic sessions a week"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from feedback where status = 'resolved' and closed_at is not null
               and resolution = 'Added two clinic sessions a week'"
        )
        .await,
        1
    );
    let informed_bare = s.post(&step, &[("status", "informed")]).await;
    assert_eq!(informed_bare.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = s
        .post(
            &step,
            &[
                ("status", "informed"),
                (
                    "resolution",
                    "Added two clinic sessions a week; told Dr. Okafor",
                ),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let show = s.text(&path).await;
    assert!(show.contains("Stakeholder informed") && !show.contains("badge-red\">Overdue"));
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from audit_events where action = 'feedback.step'
               and changes->'status' is not null"
        )
        .await,
        3
    );
    assert!(s.text("/feedback/queue").await.contains("No open concerns"));
    assert!(
        s.text(&format!("/stakeholders/{okafor}"))
            .await
            .contains("Access and scheduling · very negative · stakeholder informed")
    );
    assert_eq!(
        s.post(
            &format!("/feedback/{}/step", Uuid::new_v4()),
            &[("status", "acknowledged")]
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_feedback_list_filters_by_status_concern_overdue_owner_and_topic() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    let colleague = app.signed_in("mercy", Role::Liaison).await;
    let okafor = people(&app, s.tenant, &["Okafor"]).await[0];
    let access = topic(&app, s.tenant, "Access and scheduling").await;
    let other = topic(&app, s.tenant, "Other").await;
    logged(
        &app,
        &s,
        okafor,
        access,
        "-1",
        "Old scheduling concern",
        &days_ago(20),
    )
    .await;
    // The colleague's items: praise, a fresh concern, and a resolved one.
    logged(
        &app,
        &colleague,
        okafor,
        other,
        "2",
        "Praise for the clinic",
        &days_ago(1),
    )
    .await;
    logged(
        &app,
        &colleague,
        okafor,
        other,
        "-1",
        "Fresh parking concern",
        &days_ago(2),
    )
    .await;
    let closed = logged(
        &app,
        &colleague,
        okafor,
        other,
        "-2",
        "Billing concern fixed",
        &days_ago(9),
    )
    .await;
    let r = colleague
        .post(
            &format!("/feedback/{closed}/step"),
            &[("status", "resolved"), ("resolution", "Refunded")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let all = [
        "Old scheduling concern",
        "Praise for the clinic",
        "Fresh parking concern",
        "Billing concern fixed",
    ];
    let by_topic = format!("?topic={access}");
    for (query, shown) in [
        ("", &all[..3]),
        ("?status=closed", &all[3..]),
        ("?status=all", &all[..]),
        ("?concerns=on", &[all[0], all[2]][..]),
        ("?overdue=on", &all[..1]),
        ("?mine=on", &all[..1]),
        (by_topic.as_str(), &all[..1]),
    ] {
        let page = s.text(&format!("/feedback{query}")).await;
        for text in all {
            assert_eq!(
                page.contains(text),
                shown.contains(&text),
                "/feedback{query} and {text:?}"
            );
        }
    }
    assert!(
        s.text("/feedback?overdue=on&mine=on&status=closed")
            .await
            .contains("Nothing matches")
    );
}

#[tokio::test]
async fn an_admin_adds_renames_and_archives_topics_and_a_taken_name_is_a_friendly_message() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Admin).await;
    let page = s.text("/admin/topics").await;
    assert!(page.contains("Feedback topics") && page.contains("Referral process"));
    let r = s.post("/admin/topics", &[("name", " Front desk ")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/admin/topics");
    assert!(s.text("/admin/topics").await.contains("Topics saved."));
    let desk = topic(&app, s.tenant, "Front desk").await;
    let taken = s
        .post("/admin/topics", &[("name", "referral PROCESS")])
        .await;
    assert_eq!(taken.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body(taken)
            .await
            .contains("There is already a topic with this name.")
    );
    let empty = s.post("/admin/topics", &[("name", "  ")]).await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body(empty).await.contains("Enter a topic name."));
    assert_eq!(
        app.count(s.tenant, "select count(*) from feedback_topics")
            .await,
        9,
        "the eight defaults and one more"
    );
    let r = s
        .post(
            &format!("/admin/topics/{desk}"),
            &[("name", "Front desk and phones"), ("archived", "on")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.count(
            s.tenant,
            &format!("select count(*) from feedback_topics where id = '{desk}' and name = 'Front desk and phones' and archived")
        )
        .await,
        1
    );
    assert!(
        !s.text("/feedback/new")
            .await
            .contains("Front desk and phones"),
        "an archived topic is no longer offered"
    );
    assert!(
        s.text("/admin/topics")
            .await
            .contains("Front desk and phones <span class=\"badge badge-gray\">Archived</span>")
    );
    let clash = s
        .post(
            &format!("/admin/topics/{desk}"),
            &[("name", "Communication")],
        )
        .await;
    assert_eq!(clash.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body(clash)
            .await
            .contains("There is already a topic with this name.")
    );
    assert_eq!(
        s.post(
            &format!("/admin/topics/{}", Uuid::new_v4()),
            &[("name", "Ghost")]
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(audited(&app, s.tenant, "topic.create").await, 1);
    assert_eq!(audited(&app, s.tenant, "topic.update").await, 1);
}

#[tokio::test]
async fn only_an_admin_manages_topics() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("mercy", Role::Admin).await;
    let other = topic(&app, admin.tenant, "Other").await;
    for role in [Role::Marketer, Role::Liaison, Role::Executive] {
        let s = app.signed_in("mercy", role).await;
        assert_eq!(
            s.get("/admin/topics").await.status(),
            StatusCode::FORBIDDEN,
            "{role:?}"
        );
        assert_eq!(
            s.post("/admin/topics", &[("name", "Sneaky")])
                .await
                .status(),
            StatusCode::FORBIDDEN,
            "{role:?}"
        );
        assert_eq!(
            s.post(
                &format!("/admin/topics/{other}"),
                &[("name", "Renamed"), ("archived", "on")]
            )
            .await
            .status(),
            StatusCode::FORBIDDEN,
            "{role:?}"
        );
    }
    assert_eq!(
        app.count(
            admin.tenant,
            "select count(*) from feedback_topics where name in ('Sneaky', 'Renamed') or archived"
        )
        .await,
        0
    );
    assert_eq!(
        app.count(
            admin.tenant,
            "select count(*) from audit_events where action like 'topic.%'"
        )
        .await,
        0
    );
}

// ---------------------------------------------------------------------------------------
// Bulk assign and move
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn bulk_assign_primary_and_move_stage_change_the_whole_selection_and_are_audited() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    let colleague = app.signed_in("mercy", Role::Marketer).await;
    let outsider = app.signed_in("other", Role::Admin).await;
    let ids = people(&app, s.tenant, &["Okafor", "Ruiz", "Chen"]).await;
    let both = &ids[..2];
    let outsider_id = outsider.user.0.to_string();
    let (me, them) = (s.user.0.to_string(), colleague.user.0.to_string());
    let page = bulk(
        &s,
        both,
        &[("action", "assign_primary"), ("manager", me.as_str())],
    )
    .await;
    assert!(page.contains("Changed 2 stakeholders."));
    assert_eq!(
        app.count(
            s.tenant,
            &format!("select count(*) from assignments where user_id = '{me}' and role = 'primary' and ends_on is null")
        )
        .await,
        2
    );
    let page = bulk(
        &s,
        both,
        &[("action", "assign_primary"), ("manager", them.as_str())],
    )
    .await;
    assert!(page.contains("Changed 2 stakeholders."));
    assert_eq!(
        app.count(
            s.tenant,
            &format!(
                "select count(*) from assignments where user_id = '{me}' and ends_on is not null"
            )
        )
        .await,
        2,
        "the previous primaries ended, kept as history"
    );
    assert_eq!(
        app.count(
            s.tenant,
            &format!("select count(*) from assignments where user_id = '{them}' and role = 'primary' and ends_on is null")
        )
        .await,
        2
    );
    assert_eq!(audited(&app, s.tenant, "assignment.create").await, 4);
    assert_eq!(audited(&app, s.tenant, "assignment.end").await, 2);
    let page = bulk(
        &s,
        both,
        &[
            ("action", "move_stage"),
            ("stage", "champion"),
            ("value", "Service-line dinner"),
        ],
    )
    .await;
    assert!(page.contains("Changed 2 stakeholders."));
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from stakeholders where stage = 'champion'"
        )
        .await,
        2
    );
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from stage_changes where to_stage = 'champion' and reason = 'Service-line dinner'"
        )
        .await,
        2
    );
    assert_eq!(audited(&app, s.tenant, "stakeholder.stage").await, 2);
    let page = bulk(&s, both, &[("action", "move_stage"), ("stage", "champion")]).await;
    assert!(page.contains("Changed 0 stakeholders; 2 already matched."));
    let page = bulk(&s, both, &[("action", "move_stage"), ("stage", "royalty")]).await;
    assert!(page.contains("Choose the stage to move them to."));
    let page = bulk(&s, both, &[("action", "assign_primary")]).await;
    assert!(page.contains("Choose the relationship manager to assign."));
    let page = bulk(
        &s,
        both,
        &[
            ("action", "assign_secondary"),
            ("manager", outsider_id.as_str()),
        ],
    )
    .await;
    assert!(page.contains("Choose an active user to assign."));
    assert_eq!(
        app.count(s.tenant, "select count(*) from assignments")
            .await,
        4,
        "refused bulk actions write nothing"
    );
    assert_eq!(
        app.count(s.tenant, "select count(*) from stage_changes")
            .await,
        2
    );
    assert_eq!(
        app.count(
            s.tenant,
            &format!(
                "select count(*) from stakeholders where id = '{}' and stage is null",
                ids[2]
            )
        )
        .await,
        1,
        "only the selection moved"
    );
}

// ---------------------------------------------------------------------------------------
// Roles and tenants
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn an_executive_reads_the_relationship_book_but_every_write_is_forbidden() {
    let app = TestApp::spawn().await;
    let b = book(&app, "mercy").await;
    let exec = app.signed_in("mercy", Role::Executive).await;
    let before = snapshot(&app, b.s.tenant).await;
    let page = exec.text(&format!("/stakeholders/{}", b.okafor)).await;
    assert!(page.contains("Bayside Cardiology") && page.contains("Nobody calls back"));
    assert!(
        !page.contains("Add affiliation")
            && !page.contains("Add influence link")
            && !page.contains("Log feedback")
            && !page.contains("action=\"/assignments/"),
        "no write controls for an executive"
    );
    for path in [
        "/my-stakeholders".to_string(),
        "/champions".into(),
        "/champions/influencers".into(),
        "/feedback".into(),
        "/feedback/queue".into(),
        format!("/feedback/{}", b.feedback),
    ] {
        assert_eq!(exec.get(&path).await.status(), StatusCode::OK, "{path}");
    }
    assert!(
        !exec
            .text(&format!("/feedback/{}", b.feedback))
            .await
            .contains("Save step")
    );
    let (okafor, ruiz) = (b.okafor, b.ruiz);
    let place = format!("o:{}", b.org);
    let (me, other, topic) = (
        exec.user.0.to_string(),
        ruiz.to_string(),
        b.topic.to_string(),
    );
    let okafor_s = okafor.to_string();
    for path in [
        format!("/stakeholders/{okafor}/affiliations/new"),
        format!("/affiliations/{}/edit", b.affiliation),
        format!("/stakeholders/{okafor}/stage"),
        format!("/stakeholders/{okafor}/influence/new"),
        format!("/feedback/new?stakeholder={okafor}"),
        "/admin/cadence".into(),
        "/admin/topics".into(),
    ] {
        assert_eq!(
            exec.get(&path).await.status(),
            StatusCode::FORBIDDEN,
            "GET {path}"
        );
    }
    let writes: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            format!("/stakeholders/{okafor}/affiliations"),
            vec![("place", place.as_str()), ("role", "owner")],
        ),
        (
            format!("/affiliations/{}", b.affiliation),
            vec![("place", place.as_str()), ("role", "owner")],
        ),
        (format!("/affiliations/{}/delete", b.affiliation), vec![]),
        (
            format!("/stakeholders/{okafor}/assignments"),
            vec![("user_id", me.as_str()), ("role", "primary")],
        ),
        (format!("/assignments/{}/end", b.assignment), vec![]),
        (
            "/admin/cadence".into(),
            vec![("a", "7"), ("b", "7"), ("c", "7")],
        ),
        (
            format!("/stakeholders/{okafor}/stage"),
            vec![("stage", "advocate")],
        ),
        (
            format!("/stakeholders/{ruiz}/influence"),
            vec![
                ("direction", "out"),
                ("other_id", okafor_s.as_str()),
                ("kind", "peer"),
            ],
        ),
        (format!("/influence/{}/delete", b.link), vec![]),
        (
            "/feedback".into(),
            vec![
                ("stakeholder_id", other.as_str()),
                ("topic_id", topic.as_str()),
                ("sentiment", "1"),
                ("body", "Executive note"),
            ],
        ),
        (
            format!("/feedback/{}/step", b.feedback),
            vec![("status", "resolved"), ("resolution", "Closed by the exec")],
        ),
        ("/admin/topics".into(), vec![("name", "Board matters")]),
        (
            format!("/admin/topics/{}", b.topic),
            vec![("name", "Renamed"), ("archived", "on")],
        ),
        (
            "/stakeholders/bulk".into(),
            vec![
                ("id", okafor_s.as_str()),
                ("action", "assign_primary"),
                ("manager", me.as_str()),
            ],
        ),
        (
            "/stakeholders/bulk".into(),
            vec![
                ("id", okafor_s.as_str()),
                ("action", "move_stage"),
                ("stage", "champion"),
            ],
        ),
    ];
    for (path, form) in &writes {
        assert_eq!(
            exec.post(path, form).await.status(),
            StatusCode::FORBIDDEN,
            "POST {path}"
        );
    }
    assert_eq!(
        snapshot(&app, b.s.tenant).await,
        before,
        "nothing was written"
    );
    assert_eq!(
        app.count(
            b.s.tenant,
            &format!(
                "select count(*) from stakeholders where id = '{okafor}' and stage = 'engaged'"
            )
        )
        .await,
        1
    );
}

#[tokio::test]
async fn another_workspace_gets_not_found_for_every_relationship_record() {
    let app = TestApp::spawn().await;
    let b = book(&app, "beta").await;
    let a = app.signed_in("alpha", Role::Admin).await;
    let mine = people(&app, a.tenant, &["Alvarez"]).await[0];
    let my_org = organization(&a, "Alpha Clinic").await;
    let theirs_before = snapshot(&app, b.s.tenant).await;
    let mine_before = snapshot(&app, a.tenant).await;
    let (okafor, ruiz) = (b.okafor, b.ruiz);
    for path in [
        format!("/stakeholders/{okafor}/affiliations/new"),
        format!("/affiliations/{}/edit", b.affiliation),
        format!("/stakeholders/{okafor}/stage"),
        format!("/stakeholders/{okafor}/influence/new"),
        format!("/feedback/{}", b.feedback),
        format!("/my-stakeholders?user={}", b.s.user.0),
    ] {
        assert_eq!(
            a.get(&path).await.status(),
            StatusCode::NOT_FOUND,
            "GET {path}"
        );
    }
    let my_place = format!("o:{my_org}");
    let me = a.user.0.to_string();
    let (ruiz_s, mine_s) = (ruiz.to_string(), mine.to_string());
    let writes: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            format!("/stakeholders/{okafor}/affiliations"),
            vec![("place", my_place.as_str()), ("role", "owner")],
        ),
        (
            format!("/affiliations/{}", b.affiliation),
            vec![("place", my_place.as_str()), ("role", "owner")],
        ),
        (format!("/affiliations/{}/delete", b.affiliation), vec![]),
        (
            format!("/stakeholders/{okafor}/assignments"),
            vec![("user_id", me.as_str()), ("role", "primary")],
        ),
        (format!("/assignments/{}/end", b.assignment), vec![]),
        (
            format!("/stakeholders/{okafor}/stage"),
            vec![("stage", "at_risk"), ("reason", "Hijacked")],
        ),
        (
            format!("/stakeholders/{okafor}/influence"),
            vec![
                ("direction", "out"),
                ("other_id", ruiz_s.as_str()),
                ("kind", "family_friend"),
            ],
        ),
        (format!("/influence/{}/delete", b.link), vec![]),
        (
            format!("/feedback/{}/step", b.feedback),
            vec![("status", "resolved"), ("resolution", "Hijacked")],
        ),
        (
            format!("/admin/topics/{}", b.topic),
            vec![("name", "Hijacked"), ("archived", "on")],
        ),
    ];
    for (path, form) in &writes {
        assert_eq!(
            a.post(path, form).await.status(),
            StatusCode::NOT_FOUND,
            "POST {path}"
        );
    }
    // Ids in a form body rather than the address: the foreign keys include the tenant, so
    // another workspace's records cannot be pointed at.
    let their_topic = b.topic.to_string();
    let my_topic = topic(&app, a.tenant, "Other").await.to_string();
    let okafor_s = okafor.to_string();
    let link_to_theirs = a
        .post(
            &format!("/stakeholders/{mine}/influence"),
            &[
                ("direction", "out"),
                ("other_id", okafor_s.as_str()),
                ("kind", "peer"),
            ],
        )
        .await;
    assert_eq!(link_to_theirs.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body(link_to_theirs)
            .await
            .contains("That stakeholder does not exist.")
    );
    let about_theirs = a
        .post(
            "/feedback",
            &[
                ("stakeholder_id", okafor_s.as_str()),
                ("topic_id", my_topic.as_str()),
                ("sentiment", "-2"),
                ("body", "Planted"),
            ],
        )
        .await;
    assert_eq!(about_theirs.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body(about_theirs)
            .await
            .contains("That stakeholder does not exist.")
    );
    let their_topic_used = a
        .post(
            "/feedback",
            &[
                ("stakeholder_id", mine_s.as_str()),
                ("topic_id", their_topic.as_str()),
                ("sentiment", "1"),
                ("body", "Planted"),
            ],
        )
        .await;
    assert_eq!(their_topic_used.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body(their_topic_used)
            .await
            .contains("Choose a topic from the list")
    );
    let their_user = b.s.user.0.to_string();
    let their_owner = a
        .post(
            "/feedback",
            &[
                ("stakeholder_id", mine_s.as_str()),
                ("topic_id", my_topic.as_str()),
                ("sentiment", "-1"),
                ("body", "Planted"),
                ("owner_id", their_user.as_str()),
            ],
        )
        .await;
    assert_eq!(their_owner.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body(their_owner)
            .await
            .contains("Choose an owner from the list.")
    );
    for action in [
        vec![("action", "assign_primary"), ("manager", me.as_str())],
        vec![("action", "move_stage"), ("stage", "at_risk")],
    ] {
        let mut form = vec![("id", okafor_s.as_str()), ("id", ruiz_s.as_str())];
        form.extend(action);
        let r = a.post("/stakeholders/bulk", &form).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert!(
            a.text(&location(&r))
                .await
                .contains("Changed 0 stakeholders")
        );
    }
    let picked = a.text("/stakeholders/pick?q=okafor&name=other_id").await;
    assert!(!picked.contains(&okafor_s), "the picker never offers them");
    let board = a.text("/champions").await;
    assert!(!board.contains("Pat Okafor"));
    assert_eq!(
        snapshot(&app, b.s.tenant).await,
        theirs_before,
        "their book is untouched"
    );
    assert_eq!(
        snapshot(&app, a.tenant).await,
        mine_before,
        "and nothing landed in the caller's workspace"
    );
    assert_eq!(
        app.count(
            b.s.tenant,
            &format!(
                "select count(*) from stakeholders where id = '{okafor}' and stage = 'engaged'"
            )
        )
        .await,
        1
    );
}

#[tokio::test]
async fn an_affiliation_at_a_closed_practice_can_still_be_edited_and_ended() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    let ids = people(&app, s.tenant, &["Closed"]).await;
    let org = organization(&s, "Old Town Clinic").await;
    let place = format!("o:{org}");
    let r = s
        .post(
            &format!("/stakeholders/{}/affiliations", ids[0]),
            &[("place", place.as_str()), ("role", "practices_at")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let aff = id_of(&app, s.tenant, "select id from affiliations").await;
    assert_eq!(
        s.post(&format!("/organizations/{org}/archive"), &[])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let form = s.text(&format!("/affiliations/{aff}/edit")).await;
    assert!(
        form.contains(&format!(
            "<option value=\"{place}\" selected>Old Town Clinic</option>"
        )),
        "the archived practice stays chosen: {form}"
    );
    let r = s
        .post(
            &format!("/affiliations/{aff}"),
            &[
                ("place", place.as_str()),
                ("role", "practices_at"),
                ("ends_on", "2026-06-30"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from affiliations where ends_on = '2026-06-30'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn an_archived_topic_is_refused_on_the_page_and_through_the_api() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Marketer).await;
    let ids = people(&app, s.tenant, &["Topical"]).await;
    let parking = topic(&app, s.tenant, "Facilities and parking").await;
    app.owner_exec(
        s.tenant,
        &format!("update feedback_topics set archived = true where id = '{parking}'"),
    )
    .await;
    let r = log_feedback(&s, ids[0], parking, "-1", "No parking", &days_ago(0)).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body(r).await.contains("that one is archived"));
    let token = app.token(s.tenant, s.user).await;
    let r = app
        .api(&token)
        .post(
            "/api/v1/feedback",
            &serde_json::json!({ "stakeholder_id": ids[0], "topic_id": parking, "sentiment": -1, "body": "No parking" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.count(s.tenant, "select count(*) from feedback").await,
        0
    );
}

#[tokio::test]
async fn an_admin_can_open_a_deactivated_users_book_to_reassign_it() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in("mercy", Role::Admin).await;
    let gone = app.signed_in("mercy", Role::Liaison).await;
    rename(&app, &gone, "Gone Liaison").await;
    let ids = people(&app, admin.tenant, &["Orphan"]).await;
    let user = gone.user.0.to_string();
    assert_eq!(
        admin
            .post(
                &format!("/stakeholders/{}/assignments", ids[0]),
                &[("user_id", user.as_str()), ("role", "primary")],
            )
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    app.owner_exec(
        admin.tenant,
        &format!("update users set active = false where id = '{user}'"),
    )
    .await;
    let r = admin
        .get(&format!("/my-stakeholders?view=all&user={user}"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = body(r).await;
    assert!(page.contains("Gone Liaison&#39;s stakeholders"), "{page}");
    assert!(page.contains("Orphan"));
}

#[tokio::test]
async fn people_are_found_by_the_name_of_the_practice_they_work_at() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    let ids = people(&app, s.tenant, &["Practising", "Elsewhere"]).await;
    let org = organization(&s, "Bayside Heart Group").await;
    let place = format!("o:{org}");
    s.post(
        &format!("/stakeholders/{}/affiliations", ids[0]),
        &[("place", place.as_str()), ("role", "practices_at")],
    )
    .await;
    let found = s.text("/stakeholders?q=bayside+heart").await;
    assert!(
        found.contains("Practising, Pat") && !found.contains("Elsewhere, Pat"),
        "{found}"
    );
    // A new name is searchable at once; the old one no longer finds them.
    let r = s
        .post(
            &format!("/organizations/{org}"),
            &[("name", "Harborview Cardiology"), ("kind", "practice")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        s.text("/stakeholders?q=harborview")
            .await
            .contains("Practising, Pat")
    );
    assert!(
        !s.text("/stakeholders?q=bayside")
            .await
            .contains("Practising, Pat")
    );
    // Removing the affiliation removes the words.
    let aff = id_of(&app, s.tenant, "select id from affiliations").await;
    s.post(&format!("/affiliations/{aff}/delete"), &[]).await;
    assert!(
        !s.text("/stakeholders?q=harborview")
            .await
            .contains("Practising, Pat")
    );
}

#[tokio::test]
async fn the_stakeholder_list_narrows_to_the_people_at_a_facility() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Marketer).await;
    let ids = people(&app, s.tenant, &["Privileged", "Outside"]).await;
    let hospital = facility(&app, s.tenant, "Mercy General").await;
    let place = format!("f:{hospital}");
    s.post(
        &format!("/stakeholders/{}/affiliations", ids[0]),
        &[("place", place.as_str()), ("role", "privileges")],
    )
    .await;
    let list = s.text(&format!("/stakeholders?facility={hospital}")).await;
    assert!(
        list.contains("Privileged, Pat") && !list.contains("Outside, Pat"),
        "{list}"
    );
    let page = s.text(&format!("/facilities/{hospital}")).await;
    assert!(page.contains(&format!("/stakeholders?facility={hospital}")));
    let token = app.token(s.tenant, s.user).await;
    let api: serde_json::Value = app
        .api(&token)
        .get(&format!("/api/v1/stakeholders?facility_id={hospital}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(api["total"], 1);
}
