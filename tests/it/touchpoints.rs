//! Touch-point pages: logging in a few steps (also without JavaScript), the idempotency key
//! every form carries, the list, group logging for an event, edit and delete by role, the
//! stakeholder page and timeline, merge, and tenant isolation.

use rapport::domain::Role;
use reqwest::StatusCode;
use uuid::Uuid;

use crate::api_touchpoints::{people, scalar};
use crate::helpers::{Session, TestApp, location};

/// The hidden idempotency key a form page was rendered with.
fn key_in(html: &str) -> String {
    let marker = "name=\"idempotency_key\" value=\"";
    let start = html
        .find(marker)
        .map(|i| i + marker.len())
        .expect("a key in the form");
    html[start..start + 36].to_string()
}

async fn log(s: &Session, form: &[(&str, &str)]) -> reqwest::Response {
    s.post("/touchpoints", form).await
}

#[tokio::test]
async fn a_liaison_logs_a_visit_from_the_stakeholder_page_in_three_steps() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    let [pat] = people(&app, s.tenant, &["Okafor"]).await[..] else {
        panic!()
    };
    let page = s.text(&format!("/stakeholders/{pat}")).await;
    assert!(
        page.contains(&format!("/touchpoints/new?stakeholder_id={pat}")),
        "a Log touch-point button"
    );
    let form = s
        .text(&format!("/touchpoints/new?stakeholder_id={pat}"))
        .await;
    assert!(
        form.contains("Pat Okafor") && form.contains("checked"),
        "the stakeholder is chosen"
    );
    assert!(
        form.contains("value=\"visit\" checked"),
        "a visit by default"
    );
    let key = key_in(&form);
    let id = pat.to_string();
    let r = log(
        &s,
        &[
            ("stakeholder_id", &id),
            ("channel", "visit"),
            ("outcome", "positive"),
            ("idempotency_key", &key),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("/stakeholders/{pat}#touchpoints"));
    let page = s.text(&format!("/stakeholders/{pat}")).await;
    assert!(page.contains("Touch-point logged."), "a flash");
    assert!(
        page.contains("In-person visit"),
        "the touch-point on the page"
    );
    assert!(
        !page.contains("Last contact: none recorded"),
        "the cadence clock moved"
    );

    // A double submit of the same form writes nothing more and lands on the same page.
    let r = log(
        &s,
        &[
            ("stakeholder_id", &id),
            ("channel", "visit"),
            ("outcome", "positive"),
            ("idempotency_key", &key),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("/stakeholders/{pat}#touchpoints"));
    assert_eq!(
        app.count(s.tenant, "select count(*) from touchpoints")
            .await,
        1
    );
    // The same key with other content is refused, and nothing is written.
    let r = log(
        &s,
        &[
            ("stakeholder_id", &id),
            ("channel", "phone"),
            ("idempotency_key", &key),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.count(s.tenant, "select count(*) from touchpoints")
            .await,
        1
    );
}

#[tokio::test]
async fn without_javascript_a_typed_name_finds_the_stakeholder() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    people(&app, s.tenant, &["Okafor", "Lindqvist", "Lindgren"]).await;
    let r = log(&s, &[("q", "Okafor"), ("outcome", "neutral")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "one match is the choice");
    let r = log(&s, &[("q", "Lind"), ("outcome", "neutral")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.expect("body");
    assert!(
        page.contains("Pat Lindqvist") && page.contains("Pat Lindgren"),
        "the matches to choose from"
    );
    assert_eq!(
        app.count(s.tenant, "select count(*) from touchpoints")
            .await,
        1
    );
}

#[tokio::test]
async fn bad_input_shows_the_form_again_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    let [pat] = people(&app, s.tenant, &["Okafor"]).await[..] else {
        panic!()
    };
    let id = pat.to_string();
    for form in [
        vec![("channel", "visit")],
        vec![("stakeholder_id", id.as_str()), ("cost", "-5")],
        vec![("stakeholder_id", id.as_str()), ("date", "2999-01-01")],
        vec![
            ("stakeholder_id", id.as_str()),
            ("follow_up_note", "call back"),
        ],
    ] {
        let r = log(&s, &form).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{form:?}");
        assert!(r.text().await.expect("body").contains("Check the fields"));
    }
    assert_eq!(
        app.count(s.tenant, "select count(*) from touchpoints")
            .await,
        0
    );
    assert_eq!(
        app.count(s.tenant, "select count(*) from follow_ups").await,
        0
    );
}

#[tokio::test]
async fn the_list_shows_touchpoints_newest_first_with_filters() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    let [pat, sam] = people(&app, s.tenant, &["Okafor", "Lind"]).await[..] else {
        panic!()
    };
    let (p, q) = (pat.to_string(), sam.to_string());
    log(
        &s,
        &[
            ("stakeholder_id", &p),
            ("channel", "phone"),
            ("purpose", "Referral line"),
            ("date", "2026-11-02"),
            ("time", "09:30"),
        ],
    )
    .await;
    log(
        &s,
        &[
            ("stakeholder_id", &q),
            ("channel", "email"),
            ("purpose", "Newsletter"),
            ("date", "2026-11-03"),
        ],
    )
    .await;
    let all = s.text("/touchpoints").await;
    let (a, b) = (
        all.find("Newsletter").expect("email"),
        all.find("Referral line").expect("phone"),
    );
    assert!(a < b, "newest first");
    assert!(
        all.contains("Nov 2, 2026 09:30"),
        "the time as typed, in UTC"
    );
    assert!(
        all.contains(">Touch-points</a>"),
        "no longer marked as coming soon"
    );
    let phone = s.text("/touchpoints?channel=phone").await;
    assert!(phone.contains("Referral line") && !phone.contains("Newsletter"));
    let dated = s.text("/touchpoints?from=2026-11-03&to=2026-11-03").await;
    assert!(dated.contains("Newsletter") && !dated.contains("Referral line"));
    let theirs = s.text(&format!("/touchpoints?stakeholder_id={pat}")).await;
    assert!(theirs.contains("Referral line") && !theirs.contains("Newsletter"));
    let mine = s.text("/touchpoints?mine=on").await;
    assert!(mine.contains("Newsletter"));
}

#[tokio::test]
async fn an_event_is_logged_for_every_attendee_at_once() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    let ids = people(&app, s.tenant, &["Okafor", "Lind", "Berg"]).await;
    app.owner_exec(
        s.tenant,
        &format!(
            "update stakeholders set npi = '1234567893' where id = '{}'",
            ids[2]
        ),
    )
    .await;
    let form = s.text("/touchpoints/group").await;
    let key = key_in(&form);
    let (a, b) = (ids[0].to_string(), ids[1].to_string());
    let pairs = [
        ("stakeholder_ids", a.as_str()),
        ("stakeholder_ids", b.as_str()),
        ("stakeholder_ids", a.as_str()),
        ("pasted", "1234567893\nPat Lind"),
        ("purpose", "Cardiology dinner"),
        ("outcome", "positive"),
        ("idempotency_key", key.as_str()),
    ];
    let r = s.post("/touchpoints/group", &pairs).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(location(&r).starts_with("/touchpoints?group_id="));
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from touchpoints where channel = 'event'"
        )
        .await,
        3
    );
    assert_eq!(
        app.count(s.tenant, "select count(distinct group_id) from touchpoints")
            .await,
        1
    );
    let r = s.post("/touchpoints/group", &pairs).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "a double submit");
    assert_eq!(
        app.count(s.tenant, "select count(*) from touchpoints")
            .await,
        3
    );
    let listed = s.text(&location(&r)).await;
    assert!(listed.contains("Cardiology dinner"));

    let r = s
        .post(
            "/touchpoints/group",
            &[("stakeholder_ids", a.as_str()), ("pasted", "Nobody Atall")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.expect("body").contains("Nobody Atall"));
    assert_eq!(
        app.count(s.tenant, "select count(*) from touchpoints")
            .await,
        3
    );
    let chip = s.text("/touchpoints/attendees?q=Okafor").await;
    assert!(chip.contains("type=\"checkbox\"") && chip.contains(&a));
}

#[tokio::test]
async fn authors_edit_and_delete_colleagues_and_executives_may_not() {
    let app = TestApp::spawn().await;
    let author = app.signed_in("mercy", Role::Liaison).await;
    let colleague = app.signed_in("mercy", Role::Liaison).await;
    let exec = app.signed_in("mercy", Role::Executive).await;
    let [pat] = people(&app, author.tenant, &["Okafor"]).await[..] else {
        panic!()
    };
    let p = pat.to_string();
    log(&author, &[("stakeholder_id", &p), ("purpose", "Intro")]).await;
    let id: Uuid = scalar(&app, author.tenant, "select id from touchpoints").await;
    let path = format!("/touchpoints/{id}");
    assert!(author.text(&path).await.contains("Delete this touch-point"));
    let r = author
        .post(
            &path,
            &[
                ("channel", "phone"),
                ("purpose", "Intro call"),
                ("outcome", "positive"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let purpose: String = scalar(&app, author.tenant, "select purpose from touchpoints").await;
    assert_eq!(purpose, "Intro call");
    let shown = colleague.text(&path).await;
    assert!(
        shown.contains("Intro call") && !shown.contains("Delete this touch-point"),
        "read only"
    );
    assert_eq!(
        colleague
            .post(&path, &[("channel", "email")])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        colleague
            .post(&format!("{path}/delete"), &[])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        exec.get("/touchpoints/new").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        exec.post("/touchpoints", &[("stakeholder_id", &p)])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        exec.get("/touchpoints/group").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        exec.post("/touchpoints/group", &[("stakeholder_ids", &p)])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        exec.post(&path, &[("channel", "email")]).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        exec.get("/touchpoints").await.status(),
        StatusCode::OK,
        "executives read"
    );
    let r = author.post(&format!("{path}/delete"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.count(author.tenant, "select count(*) from touchpoints")
            .await,
        0
    );
    assert_eq!(
        app.count(author.tenant, "select count(*) from audit_events where action in ('touchpoint.create', 'touchpoint.update', 'touchpoint.delete')").await,
        3
    );
}

#[tokio::test]
async fn another_workspaces_touchpoints_and_stakeholders_are_not_found() {
    let app = TestApp::spawn().await;
    let mercy = app.signed_in("mercy", Role::Admin).await;
    let hope = app.signed_in("hope", Role::Admin).await;
    let [pat] = people(&app, mercy.tenant, &["Okafor"]).await[..] else {
        panic!()
    };
    let p = pat.to_string();
    log(&mercy, &[("stakeholder_id", &p)]).await;
    let id: Uuid = scalar(&app, mercy.tenant, "select id from touchpoints").await;
    let path = format!("/touchpoints/{id}");
    assert_eq!(hope.get(&path).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        hope.post(&path, &[("channel", "email")]).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        hope.post(&format!("{path}/delete"), &[]).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        hope.post("/touchpoints", &[("stakeholder_id", &p)])
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let r = hope
        .post("/touchpoints/group", &[("stakeholder_ids", &p)])
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        !hope
            .text(&format!("/touchpoints?stakeholder_id={pat}"))
            .await
            .contains("Okafor")
    );
    assert_eq!(
        app.count(mercy.tenant, "select count(*) from touchpoints")
            .await,
        1
    );
}

#[tokio::test]
async fn touchpoints_join_the_timeline_and_move_with_a_merge() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Admin).await;
    let [keep, other] = people(&app, s.tenant, &["Okafor", "Okafur"]).await[..] else {
        panic!()
    };
    let o = other.to_string();
    log(
        &s,
        &[
            ("stakeholder_id", &o),
            ("channel", "lunch_learn"),
            ("purpose", "Stroke pathway"),
            ("follow_up_on", "2099-01-01"),
        ],
    )
    .await;
    let page = s.text(&format!("/stakeholders/{other}")).await;
    assert!(
        page.contains("Lunch-and-learn · Stroke pathway"),
        "on the timeline"
    );
    let (k, o) = (keep.to_string(), other.to_string());
    let r = s
        .post(
            "/stakeholders/merge",
            &[("keep", k.as_str()), ("other", o.as_str())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let moved: i64 = scalar(
        &app,
        s.tenant,
        &format!("select count(*) from touchpoints where stakeholder_id = '{keep}'"),
    )
    .await;
    assert_eq!(moved, 1);
    let followed: i64 = scalar(
        &app,
        s.tenant,
        &format!("select count(*) from follow_ups where stakeholder_id = '{keep}'"),
    )
    .await;
    assert_eq!(followed, 1);
    assert!(
        s.text(&format!("/stakeholders/{keep}"))
            .await
            .contains("Stroke pathway")
    );
}

#[tokio::test]
async fn the_shortcut_script_is_served_and_the_nav_shows_the_hint() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    let home = s.text("/").await;
    assert!(home.contains("data-shortcut=\"l\"") && home.contains("/static/js/app.js"));
    let js = s.get("/static/js/app.js").await;
    assert_eq!(js.status(), StatusCode::OK);
    let exec = app.signed_in("mercy", Role::Executive).await;
    assert!(
        !exec.text("/").await.contains("data-shortcut"),
        "executives do not log"
    );
}

#[tokio::test]
async fn the_typeahead_chooses_a_single_match_and_stays_in_its_workspace() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    let hope = app.signed_in("hope", Role::Liaison).await;
    people(&app, s.tenant, &["Okafor", "Lindqvist", "Lindgren"]).await;
    let one = s.text("/touchpoints/who?q=Okafor").await;
    assert!(
        one.contains("Pat Okafor") && one.contains("checked"),
        "a single match is chosen"
    );
    let two = s.text("/touchpoints/who?q=Lind").await;
    assert!(
        two.contains("Pat Lindqvist") && !two.contains("checked"),
        "several: the user chooses"
    );
    assert!(
        !hope
            .text("/touchpoints/who?q=Okafor")
            .await
            .contains("Okafor")
    );
    assert!(
        !hope
            .text("/touchpoints/attendees?q=Okafor")
            .await
            .contains("Okafor")
    );
}
