//! Follow-ups: from the log form, from a feedback item and by API; "My follow-ups" with
//! overdue first; completing with the touch-point that did it; cancelling; roles and
//! tenant isolation; the count on the home page.

use rapport::domain::Role;
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

use crate::api_touchpoints::{people, scalar};
use crate::helpers::{TestApp, caller, json_of};

#[tokio::test]
async fn a_follow_up_from_the_log_form_is_listed_overdue_first_and_counted_at_home() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    let [pat, sam] = people(&app, s.tenant, &["Okafor", "Lind"]).await[..] else {
        panic!()
    };
    let (p, q) = (pat.to_string(), sam.to_string());
    let r = s
        .post(
            "/touchpoints",
            &[
                ("stakeholder_id", &p),
                ("follow_up_on", "2099-03-01"),
                ("follow_up_note", "Send the stroke pathway"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let linked: i64 = scalar(
        &app,
        s.tenant,
        "select count(*) from follow_ups f join touchpoints t on t.id = f.touchpoint_id",
    )
    .await;
    assert_eq!(linked, 1, "the follow-up points at its touch-point");
    // An overdue one, set up directly (a form never takes a past due date after the touch).
    let t = s.tenant;
    let me = s.user;
    app.owner_exec(
        t,
        &format!(
            "insert into follow_ups (tenant_id, id, stakeholder_id, owner_id, due_on, note, created_by)
             values ('{t}', gen_random_uuid(), '{q}', '{me}', current_date - 3, 'Call back about parking', '{me}')"
        ),
    )
    .await;
    let list = s.text("/follow-ups").await;
    let (late, later) = (
        list.find("Call back about parking").expect("overdue"),
        list.find("Send the stroke pathway").expect("due"),
    );
    assert!(late < later, "overdue first");
    assert!(list.contains("Overdue"));
    let home = s.text("/").await;
    assert!(home.contains("of your follow-ups are overdue"));
    let page = s.text(&format!("/stakeholders/{sam}")).await;
    assert!(
        page.contains("Call back about parking"),
        "open follow-ups on the stakeholder page"
    );
}

#[tokio::test]
async fn completing_a_follow_up_can_log_the_touchpoint_in_the_same_step() {
    let app = TestApp::spawn().await;
    let c = caller(&app, "mercy", Role::Liaison).await;
    let [pat] = people(&app, c.tenant, &["Okafor"]).await[..] else {
        panic!()
    };
    let f = json_of(
        c.api
            .post(
                "/api/v1/follow-ups",
                &json!({ "stakeholder_id": pat, "due_on": "2099-01-01", "note": "Call" }),
            )
            .await,
    )
    .await;
    assert_eq!(
        f["owner_id"],
        json!(c.user),
        "the author owns it by default"
    );
    let id = f["id"].as_str().expect("id").to_string();
    let done = c
        .api
        .post(
            &format!("/api/v1/follow-ups/{id}/complete"),
            &json!({ "channel": "phone", "outcome": "positive" }),
        )
        .await;
    assert_eq!(done.status(), StatusCode::OK);
    let done = json_of(done).await;
    assert_eq!(done["status"], "done");
    let t = done["completed_touchpoint_id"]
        .as_str()
        .expect("a touch-point");
    let touch = json_of(c.api.get(&format!("/api/v1/touchpoints/{t}")).await).await;
    assert_eq!(touch["channel"], "phone");
    assert_eq!(touch["stakeholder_id"], json!(pat));
    let contacted: bool = scalar(
        &app,
        c.tenant,
        &format!("select last_contact_at is not null from stakeholders where id = '{pat}'"),
    )
    .await;
    assert!(contacted);
    let again = c
        .api
        .post(&format!("/api/v1/follow-ups/{id}/complete"), &json!({}))
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT, "already done");
    assert_eq!(
        app.count(c.tenant, "select count(*) from touchpoints")
            .await,
        1
    );

    // Through the page: done without a touch-point, and a cancel.
    let s = app.signed_in("mercy", Role::Liaison).await;
    let p = pat.to_string();
    let r = s
        .post(
            "/follow-ups",
            &[
                ("stakeholder_id", &p),
                ("due_on", "2099-02-01"),
                ("note", "Email"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let mine: Uuid = scalar(
        &app,
        c.tenant,
        &format!("select id from follow_ups where owner_id = '{}'", s.user),
    )
    .await;
    let r = s
        .post(
            &format!("/follow-ups/{mine}/complete"),
            &[("channel", "email"), ("outcome", "neutral")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.count(c.tenant, "select count(*) from touchpoints")
            .await,
        2
    );
    let other = json_of(
        c.api
            .post(
                "/api/v1/follow-ups",
                &json!({ "stakeholder_id": pat, "due_on": "2099-01-01" }),
            )
            .await,
    )
    .await;
    let r = c
        .api
        .post(
            &format!(
                "/api/v1/follow-ups/{}/cancel",
                other["id"].as_str().expect("id")
            ),
            &json!({}),
        )
        .await;
    assert_eq!(json_of(r).await["status"], "cancelled");
    let audited = app
        .count(c.tenant, "select count(*) from audit_events where action in ('follow_up.create', 'follow_up.complete', 'follow_up.cancel')")
        .await;
    assert_eq!(audited, 6);
}

#[tokio::test]
async fn a_feedback_item_gets_a_follow_up_for_its_stakeholder() {
    let app = TestApp::spawn().await;
    let c = caller(&app, "mercy", Role::Marketer).await;
    let [pat] = people(&app, c.tenant, &["Okafor"]).await[..] else {
        panic!()
    };
    let topic: Uuid = scalar(
        &app,
        c.tenant,
        "select id from feedback_topics order by name limit 1",
    )
    .await;
    let fb = json_of(
        c.api
            .post("/api/v1/feedback", &json!({ "stakeholder_id": pat, "topic_id": topic, "sentiment": -1, "body": "Fax unanswered" }))
            .await,
    )
    .await;
    let fid = fb["id"].as_str().expect("id").to_string();
    let s = app.signed_in("mercy", Role::Liaison).await;
    assert!(
        s.text(&format!("/feedback/{fid}"))
            .await
            .contains("Add follow-up")
    );
    let r = s
        .post(
            "/follow-ups",
            &[
                ("feedback_id", &fid),
                ("due_on", "2099-01-05"),
                ("back", &format!("/feedback/{fid}")),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(crate::helpers::location(&r), format!("/feedback/{fid}"));
    let who: Uuid = scalar(
        &app,
        c.tenant,
        &format!("select stakeholder_id from follow_ups where feedback_id = '{fid}'"),
    )
    .await;
    assert_eq!(who, pat);
    let api = c
        .api
        .post(
            "/api/v1/follow-ups",
            &json!({ "feedback_id": Uuid::new_v4(), "due_on": "2099-01-05" }),
        )
        .await;
    assert_eq!(api.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn bad_follow_ups_are_problems_and_write_nothing() {
    let app = TestApp::spawn().await;
    let c = caller(&app, "mercy", Role::Liaison).await;
    let [pat] = people(&app, c.tenant, &["Okafor"]).await[..] else {
        panic!()
    };
    for (body, field) in [
        (json!({ "stakeholder_id": pat }), "due_on"),
        (json!({ "due_on": "2099-01-01" }), "stakeholder_id"),
        (
            json!({ "stakeholder_id": pat, "due_on": "tomorrow" }),
            "due_on",
        ),
        (
            json!({ "stakeholder_id": pat, "due_on": "2099-01-01", "owner_id": Uuid::new_v4() }),
            "owner_id",
        ),
        (
            json!({ "stakeholder_id": Uuid::new_v4(), "due_on": "2099-01-01" }),
            "stakeholder_id",
        ),
    ] {
        let r = c.api.post("/api/v1/follow-ups", &body).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(json_of(r).await["errors"][field].is_string(), "{body}");
    }
    assert_eq!(
        app.count(c.tenant, "select count(*) from follow_ups").await,
        0
    );
}

#[tokio::test]
async fn only_owners_authors_and_managers_close_follow_ups_and_executives_read() {
    let app = TestApp::spawn().await;
    let owner = caller(&app, "mercy", Role::Liaison).await;
    let colleague = caller(&app, "mercy", Role::Liaison).await;
    let exec = caller(&app, "mercy", Role::Executive).await;
    let admin = caller(&app, "mercy", Role::Admin).await;
    let [pat] = people(&app, owner.tenant, &["Okafor"]).await[..] else {
        panic!()
    };
    let f = json_of(
        owner
            .api
            .post(
                "/api/v1/follow-ups",
                &json!({ "stakeholder_id": pat, "due_on": "2099-01-01" }),
            )
            .await,
    )
    .await;
    let id = f["id"].as_str().expect("id");
    let complete = format!("/api/v1/follow-ups/{id}/complete");
    assert_eq!(
        colleague.api.post(&complete, &json!({})).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        exec.api.post(&complete, &json!({})).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        exec.api
            .post(&format!("/api/v1/follow-ups/{id}/cancel"), &json!({}))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let r = exec
        .api
        .post(
            "/api/v1/follow-ups",
            &json!({ "stakeholder_id": pat, "due_on": "2099-01-01" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        exec.api
            .get(&format!("/api/v1/follow-ups/{id}"))
            .await
            .status(),
        StatusCode::OK
    );
    let everyone = json_of(exec.api.get("/api/v1/follow-ups?owner_id=all").await).await;
    assert_eq!(everyone["total"], 1);
    let theirs = json_of(colleague.api.get("/api/v1/follow-ups").await).await;
    assert_eq!(theirs["total"], 0, "the caller's by default");
    assert_eq!(
        admin.api.post(&complete, &json!({})).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn another_workspaces_follow_ups_are_not_found() {
    let app = TestApp::spawn().await;
    let mercy = caller(&app, "mercy", Role::Admin).await;
    let hope = caller(&app, "hope", Role::Admin).await;
    let [pat] = people(&app, mercy.tenant, &["Okafor"]).await[..] else {
        panic!()
    };
    let f = json_of(
        mercy
            .api
            .post(
                "/api/v1/follow-ups",
                &json!({ "stakeholder_id": pat, "due_on": "2099-01-01" }),
            )
            .await,
    )
    .await;
    let id = f["id"].as_str().expect("id");
    assert_eq!(
        hope.api
            .get(&format!("/api/v1/follow-ups/{id}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        hope.api
            .post(
                &format!("/api/v1/follow-ups/{id}/complete"),
                &json!({ "channel": "phone" })
            )
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        hope.api
            .post(&format!("/api/v1/follow-ups/{id}/cancel"), &json!({}))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let r = hope
        .api
        .post(
            "/api/v1/follow-ups",
            &json!({ "stakeholder_id": pat, "due_on": "2099-01-01" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let listed = json_of(hope.api.get("/api/v1/follow-ups?owner_id=all").await).await;
    assert_eq!(listed["total"], 0);
    let s = app.signed_in("hope", Role::Admin).await;
    let r = s
        .post(
            &format!("/follow-ups/{id}/complete"),
            &[("channel", "phone")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.count(
            mercy.tenant,
            "select count(*) from follow_ups where status = 'open'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn the_page_cancels_and_managers_pick_whose_follow_ups_they_see() {
    let app = TestApp::spawn().await;
    let liaison = app.signed_in("mercy", Role::Liaison).await;
    let marketer = app.signed_in("mercy", Role::Marketer).await;
    let [pat] = people(&app, liaison.tenant, &["Okafor"]).await[..] else {
        panic!()
    };
    let p = pat.to_string();
    liaison
        .post(
            "/follow-ups",
            &[
                ("stakeholder_id", &p),
                ("due_on", "2099-02-01"),
                ("note", "Drop off the brochure"),
            ],
        )
        .await;
    let id: Uuid = scalar(&app, liaison.tenant, "select id from follow_ups").await;
    assert!(
        !marketer
            .text("/follow-ups")
            .await
            .contains("Drop off the brochure"),
        "mine by default"
    );
    let theirs = marketer
        .text(&format!("/follow-ups?owner={}", liaison.user))
        .await;
    assert!(theirs.contains("Drop off the brochure"));
    assert!(
        marketer
            .text("/follow-ups?owner=all")
            .await
            .contains("Drop off the brochure")
    );
    // A liaison sees only their own, whatever the address asks for.
    let other = app.signed_in("mercy", Role::Liaison).await;
    assert!(
        !other
            .text(&format!("/follow-ups?owner={}", liaison.user))
            .await
            .contains("Drop off the brochure")
    );
    let r = liaison
        .post(
            &format!("/follow-ups/{id}/cancel"),
            &[("back", "/follow-ups")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let status: String = scalar(&app, liaison.tenant, "select status from follow_ups").await;
    assert_eq!(status, "cancelled");
    let exec = app.signed_in("mercy", Role::Executive).await;
    assert_eq!(
        exec.post(&format!("/follow-ups/{id}/cancel"), &[])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        exec.post(
            "/follow-ups",
            &[("stakeholder_id", &p), ("due_on", "2099-02-01")]
        )
        .await
        .status(),
        StatusCode::FORBIDDEN
    );
}
