//! Pulse surveys: private links answered once without signing in, revoked and re-issued
//! links, closed surveys, guessing throttled, results, the campaign's agreement KPI, the
//! pages, roles and tenant isolation.

use rapport::domain::{Role, TenantId};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Api, TestApp, json_of, location};

struct Setup {
    api: Api,
    tenant: TenantId,
    survey: Uuid,
    questions: Vec<Uuid>,
    people: Vec<Uuid>,
}

/// A marketer's survey (one required scale, one optional text) and three physicians.
async fn setup(app: &TestApp, campaign: Option<Uuid>) -> Setup {
    let s = app.signed_in("mercy", Role::Marketer).await;
    let api = app.api(&app.token(s.tenant, s.user).await);
    app.add_people(s.tenant, &["Okafor".into(), "Ruiz".into(), "Chen".into()])
        .await;
    let people: Vec<Uuid> =
        json_of(api.get("/api/v1/stakeholders?per_page=10").await).await["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|p| p["id"].as_str().and_then(|s| s.parse().ok()))
            .collect();
    assert_eq!(people.len(), 3);
    let r = api
        .post(
            "/api/v1/surveys",
            &json!({ "title": "OneCare pulse", "intro": "Two quick questions.", "campaign_id": campaign,
                     "questions": [ { "kind": "likert", "prompt": "I understand OneCare." },
                                    { "kind": "text", "prompt": "How do you feel about it?", "required": false } ] }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let v = json_of(r).await;
    let survey = v["id"].as_str().and_then(|s| s.parse().ok()).expect("id");
    let questions = v["questions"]
        .as_array()
        .expect("questions")
        .iter()
        .filter_map(|q| q["id"].as_str().and_then(|s| s.parse().ok()))
        .collect();
    Setup {
        api,
        tenant: s.tenant,
        survey,
        questions,
        people,
    }
}

async fn send(s: &Setup, people: &[Uuid]) -> Vec<(Uuid, String)> {
    let r = s
        .api
        .post(
            &format!("/api/v1/surveys/{}/send", s.survey),
            &json!({ "stakeholder_ids": people }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    json_of(r).await["links"]
        .as_array()
        .expect("links")
        .iter()
        .map(|l| {
            (
                l["recipient_id"]
                    .as_str()
                    .and_then(|s| s.parse().ok())
                    .expect("rid"),
                l["path"].as_str().expect("path").to_string(),
            )
        })
        .collect()
}

/// A browser with no session.
fn stranger() -> reqwest::Client {
    TestApp::client()
}

async fn answer(app: &TestApp, path: &str, form: &[(String, String)]) -> reqwest::Response {
    stranger()
        .post(app.url(path))
        .form(form)
        .send()
        .await
        .expect("POST")
}

#[tokio::test]
async fn a_private_link_takes_one_response_that_counts_as_a_survey_touch_point() {
    let app = TestApp::spawn().await;
    let s = setup(&app, None).await;
    let links = send(&s, &s.people).await;
    assert_eq!(links.len(), 3);
    // Links are stored only as hashes.
    assert_eq!(
        app.count(
            s.tenant,
            &format!(
                "select count(*) from survey_recipients where encode(token_hash, 'hex') = '{}'",
                links[0].1.rsplit('.').next().unwrap_or_default()
            )
        )
        .await,
        0
    );
    let (_, path) = &links[0];
    let page = stranger().get(app.url(path)).send().await.expect("GET");
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(
        page.headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let body = page.text().await.expect("body");
    assert!(body.contains("OneCare pulse") && body.contains("I understand OneCare."));
    assert!(
        !body.contains("Okafor") && !body.contains("mercy") && !body.contains("Sign out"),
        "nothing else of the workspace"
    );
    let q1 = format!("q_{}", s.questions[0]);
    let q2 = format!("q_{}", s.questions[1]);
    // The required scale question left blank: asked again, nothing written.
    let r = answer(&app, path, &[(q2.clone(), "Fine".into())]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .expect("body")
            .contains("Please answer this question")
    );
    assert_eq!(
        app.count(s.tenant, "select count(*) from survey_answers")
            .await,
        0
    );
    let r = answer(&app, path, &[(q1.clone(), "9".into())]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = answer(
        &app,
        path,
        &[
            (q1.clone(), "5".into()),
            (q2.clone(), "Clear and useful.".into()),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.expect("body").contains("Thank you"));
    // Once only.
    let again = answer(&app, path, &[(q1.clone(), "1".into())]).await;
    assert_eq!(again.status(), StatusCode::GONE);
    assert_eq!(
        stranger()
            .get(app.url(path))
            .send()
            .await
            .expect("GET")
            .status(),
        StatusCode::GONE
    );
    assert_eq!(
        app.count(s.tenant, "select count(*) from survey_answers")
            .await,
        2
    );
    assert_eq!(
        app.count(s.tenant, "select count(*) from touchpoints where channel = 'survey' and direction = 'inbound' and outcome = 'positive'").await,
        1
    );
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from stakeholders where last_contact_at is not null"
        )
        .await,
        1
    );
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from audit_events where action = 'survey.response' and user_id is null"
        )
        .await,
        1
    );
    let results = json_of(
        s.api
            .get(&format!("/api/v1/surveys/{}/results", s.survey))
            .await,
    )
    .await;
    assert_eq!(results["survey"]["responses"].as_i64(), Some(1));
    assert_eq!(results["survey"]["recipients"].as_i64(), Some(3));
    assert_eq!(
        results["questions"][0]["distribution"],
        json!([0, 0, 0, 0, 1])
    );
    assert_eq!(results["questions"][0]["agree_pct"].as_f64(), Some(100.0));
    assert_eq!(
        results["questions"][1]["texts"],
        json!(["Clear and useful."])
    );
    // Sending again makes links only for people without one.
    assert!(send(&s, &s.people).await.is_empty());
    // The questions are fixed now.
    let r = s
        .api
        .put(
            &format!("/api/v1/surveys/{}", s.survey),
            &json!({ "title": "Changed", "questions": [{ "kind": "text", "prompt": "x" }] }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn revoked_replaced_and_closed_links_take_no_answers() {
    let app = TestApp::spawn().await;
    let s = setup(&app, None).await;
    let links = send(&s, &s.people).await;
    let q1 = format!("q_{}", s.questions[0]);
    let ok = [(q1.clone(), "4".to_string())];
    // Revoked: the link is simply not found.
    let (rid, path) = &links[0];
    let r = s
        .api
        .post(
            &format!("/api/v1/surveys/{}/recipients/{rid}/revoke", s.survey),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        answer(&app, path, &ok).await.status(),
        StatusCode::NOT_FOUND
    );
    // Replaced: the old link stops, the new one works.
    let (rid, old) = &links[1];
    let r = s
        .api
        .post(
            &format!("/api/v1/surveys/{}/recipients/{rid}/reissue", s.survey),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let new = json_of(r).await["path"].as_str().expect("path").to_string();
    assert_ne!(&new, old);
    assert_eq!(answer(&app, old, &ok).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(answer(&app, &new, &ok).await.status(), StatusCode::OK);
    // Closed: no answers until it opens again.
    let (_, third) = &links[2];
    let r = s
        .api
        .post(
            &format!("/api/v1/surveys/{}/status", s.survey),
            &json!({ "status": "closed" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(answer(&app, third, &ok).await.status(), StatusCode::GONE);
    s.api
        .post(
            &format!("/api/v1/surveys/{}/status", s.survey),
            &json!({ "status": "open" }),
        )
        .await;
    assert_eq!(answer(&app, third, &ok).await.status(), StatusCode::OK);
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from survey_recipients where responded_at is not null"
        )
        .await,
        2
    );
}

#[tokio::test]
async fn guessing_links_is_throttled_and_a_forged_workspace_part_finds_nothing() {
    let app = TestApp::spawn().await;
    let s = setup(&app, None).await;
    let links = send(&s, &s.people[..1]).await;
    let (_, path) = &links[0];
    // The real secret under another workspace's id.
    let other = app.create_tenant("other").await;
    let secret = path.rsplit('.').next().unwrap_or_default();
    let forged = format!("/s/{}.{secret}", other.0.simple());
    assert_eq!(
        stranger()
            .get(app.url(&forged))
            .send()
            .await
            .expect("GET")
            .status(),
        StatusCode::NOT_FOUND
    );
    let mut last = StatusCode::OK;
    for i in 0..25 {
        let guess = format!("/s/{}.{:064x}", s.tenant.0.simple(), i);
        last = stranger()
            .get(app.url(&guess))
            .send()
            .await
            .expect("GET")
            .status();
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    // While locked, even the real link waits.
    assert_eq!(
        stranger()
            .get(app.url(path))
            .send()
            .await
            .expect("GET")
            .status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn the_campaign_agreement_kpi_comes_from_its_survey() {
    let app = TestApp::spawn().await;
    let m = app.signed_in("mercy", Role::Marketer).await;
    let api = app.api(&app.token(m.tenant, m.user).await);
    let campaign: Value = json_of(
        api.post("/api/v1/campaigns", &json!({ "name": "OneCare" }))
            .await,
    )
    .await;
    let cid: Uuid = campaign["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("id");
    let r = api
        .post(
            &format!("/api/v1/campaigns/{cid}/kpis"),
            &json!({ "label": "70% understand", "measure": "survey_agreement", "target": 70 }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let s = setup(&app, Some(cid)).await;
    let links = send(&s, &s.people).await;
    let q1 = format!("q_{}", s.questions[0]);
    for ((_, path), point) in links.iter().zip(["5", "4", "2"]) {
        assert_eq!(
            answer(&app, path, &[(q1.clone(), point.to_string())])
                .await
                .status(),
            StatusCode::OK
        );
    }
    let kpis = json_of(api.get(&format!("/api/v1/campaigns/{cid}/kpis")).await).await;
    let actual = kpis[0]["actual"].as_f64().expect("actual");
    assert!((actual - 66.666).abs() < 0.01, "{kpis}");
    assert_eq!(kpis[0]["met"], json!(false));
    let results = json_of(api.get(&format!("/api/v1/campaigns/{cid}/results")).await).await;
    assert_eq!(
        results["stats"]["touches"].as_i64(),
        Some(3),
        "responses are touch-points of the campaign"
    );
}

#[tokio::test]
async fn a_marketer_builds_sends_and_reads_a_survey_through_the_pages() {
    let app = TestApp::spawn().await;
    let m = app.signed_in("mercy", Role::Marketer).await;
    app.add_people(m.tenant, &["Okafor".into(), "Ruiz".into()])
        .await;
    let bad = m.post("/surveys", &[("title", "Pulse")]).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.text()
            .await
            .expect("body")
            .contains("Ask at least one question")
    );
    let r = m
        .post(
            "/surveys",
            &[
                ("title", "Pulse"),
                ("q0_prompt", "I understand the message."),
                ("q0_kind", "likert"),
                ("q1_prompt", "Anything else?"),
                ("q1_kind", "text"),
                ("q1_optional", "on"),
                ("q2_prompt", ""),
                ("q2_kind", "likert"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let survey = location(&r)
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    let r = m.post("/segments", &[("name", "Everyone")]).await;
    let segment = location(&r)
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    let no_choice = m
        .post(&format!("/surveys/{survey}/send"), &[("to", "segment")])
        .await;
    assert_eq!(no_choice.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let sent = m
        .post(
            &format!("/surveys/{survey}/send"),
            &[("to", "segment"), ("segment_id", segment.as_str())],
        )
        .await;
    assert_eq!(sent.status(), StatusCode::OK);
    assert_eq!(
        sent.headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let body = sent.text().await.expect("body");
    assert!(body.contains("2 new links"));
    let start = body.find("/s/").expect("a link");
    let path: String = body[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "/.".contains(*c))
        .collect();
    let page = stranger()
        .get(app.url(&path))
        .send()
        .await
        .expect("GET")
        .text()
        .await
        .expect("body");
    let qid = page
        .split("name=\"q_")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("question field")
        .to_string();
    let r = answer(&app, &path, &[(format!("q_{qid}"), "4".into())]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let results = m.text(&format!("/surveys/{survey}")).await;
    assert!(
        results.contains("50%") && results.contains("1 of 2 links answered"),
        "{results}"
    );
    assert!(m.text("/surveys").await.contains("Pulse"));
}

#[tokio::test]
async fn only_planners_run_surveys_and_other_workspaces_see_none() {
    let app = TestApp::spawn().await;
    let s = setup(&app, None).await;
    for role in [Role::Liaison, Role::Executive] {
        let u = app.signed_in("mercy", role).await;
        let api = app.api(&app.token(u.tenant, u.user).await);
        assert_eq!(
            api.get(&format!("/api/v1/surveys/{}", s.survey))
                .await
                .status(),
            StatusCode::OK
        );
        assert_eq!(
            api.post(
                "/api/v1/surveys",
                &json!({ "title": "x", "questions": [{ "kind": "text", "prompt": "y" }] })
            )
            .await
            .status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            api.post(
                &format!("/api/v1/surveys/{}/send", s.survey),
                &json!({ "stakeholder_ids": s.people })
            )
            .await
            .status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            u.post(&format!("/surveys/{}/send", s.survey), &[("to", "segment")])
                .await
                .status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(u.get("/surveys/new").await.status(), StatusCode::FORBIDDEN);
    }
    assert_eq!(
        app.count(s.tenant, "select count(*) from survey_recipients")
            .await,
        0
    );
    let o = app.signed_in("other", Role::Admin).await;
    let api = app.api(&app.token(o.tenant, o.user).await);
    let id = s.survey;
    for path in [
        format!("/api/v1/surveys/{id}"),
        format!("/api/v1/surveys/{id}/results"),
        format!("/api/v1/surveys/{id}/recipients"),
    ] {
        assert_eq!(
            api.get(&path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    assert_eq!(
        api.post(
            &format!("/api/v1/surveys/{id}/send"),
            &json!({ "stakeholder_ids": s.people })
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        api.post(
            &format!("/api/v1/surveys/{id}/status"),
            &json!({ "status": "closed" })
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        o.get(&format!("/surveys/{id}")).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        o.post(&format!("/surveys/{id}/send"), &[("to", "segment")])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.count(
            s.tenant,
            "select count(*) from surveys where status = 'draft'"
        )
        .await,
        1
    );
}
