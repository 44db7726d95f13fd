//! Campaigns and segments through the API: segment evaluation against known data, the
//! audience frozen at launch with a recorded, reproducible variant split, members by hand,
//! costs and KPIs, roles and tenant isolation.

use rapport::domain::{Role, bucket, pick_variant};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Api, Caller, TestApp, caller, json_of};

/// Creates a stakeholder through the API and returns its id.
async fn person(api: &Api, body: Value) -> Uuid {
    let r = api.post("/api/v1/stakeholders", &body).await;
    assert_eq!(r.status(), StatusCode::CREATED, "person {body}");
    let v = json_of(r).await;
    v["id"].as_str().and_then(|s| s.parse().ok()).expect("id")
}

async fn id_of(r: reqwest::Response, what: &str) -> Uuid {
    let status = r.status();
    let v = json_of(r).await;
    assert_eq!(status, StatusCode::CREATED, "{what}: {v}");
    v["id"].as_str().and_then(|s| s.parse().ok()).expect("id")
}

/// A small known world: five physicians and one NP in two places in two states.
struct World {
    ana: Uuid,
    ben: Uuid,
    cy: Uuid,
    dee: Uuid,
    eve: Uuid,
    np: Uuid,
    oregon_practice: Uuid,
}

async fn world(c: &Caller) -> World {
    let api = &c.api;
    let ana = person(api, json!({ "kind": "physician", "first_name": "Ana", "last_name": "Aalto", "taxonomy_code": "207RC0000X", "tier": "A", "tags": "OneCare, cardio" })).await;
    let ben = person(api, json!({ "kind": "physician", "first_name": "Ben", "last_name": "Baker", "taxonomy_code": "207RC0000X", "tier": "B" })).await;
    let cy = person(api, json!({ "kind": "physician", "first_name": "Cy", "last_name": "Cole", "taxonomy_code": "207Q00000X", "tier": "A", "tags": "onecare" })).await;
    let dee = person(api, json!({ "kind": "physician", "first_name": "Dee", "last_name": "Diaz", "taxonomy_code": "207RC0000X", "tier": "A", "do_not_contact": true })).await;
    let eve = person(api, json!({ "kind": "physician", "first_name": "Eve", "last_name": "Engel", "taxonomy_code": "207RC0000X", "tier": "C" })).await;
    let np = person(api, json!({ "kind": "advanced_practice", "first_name": "Nia", "last_name": "Nurse", "tier": "A" })).await;
    let oregon_practice = id_of(
        api.post("/api/v1/organizations", &json!({ "name": "Westside Cardiology", "kind": "practice", "city": "Beaverton", "state": "OR", "postal_code": "97005" })).await,
        "org",
    )
    .await;
    let wa = id_of(
        api.post("/api/v1/organizations", &json!({ "name": "Harbor Heart", "kind": "practice", "city": "Vancouver", "state": "WA", "postal_code": "98660" })).await,
        "org",
    )
    .await;
    for (who, org) in [
        (ana, oregon_practice),
        (ben, oregon_practice),
        (eve, wa),
        (cy, wa),
    ] {
        let r = api
            .post(
                "/api/v1/affiliations",
                &json!({ "stakeholder_id": who, "organization_id": org, "role": "practices_at" }),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    World {
        ana,
        ben,
        cy,
        dee,
        eve,
        np,
        oregon_practice,
    }
}

async fn preview_ids(api: &Api, definition: Value) -> Vec<Uuid> {
    let r = api
        .post("/api/v1/segments/preview?per_page=50", &definition)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let v = json_of(r).await;
    let ids: Vec<Uuid> = v["people"]["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|p| p["id"].as_str().and_then(|s| s.parse().ok()))
        .collect();
    assert_eq!(
        v["count"].as_i64(),
        Some(ids.len() as i64),
        "count agrees with the list"
    );
    ids
}

fn same(mut a: Vec<Uuid>, mut b: Vec<Uuid>) -> bool {
    a.sort();
    b.sort();
    a == b
}

#[tokio::test]
async fn segments_match_exactly_the_people_their_conditions_describe() {
    let app = TestApp::spawn().await;
    let c = caller(&app, "mercy", Role::Marketer).await;
    let w = world(&c).await;
    let api = &c.api;
    // Kind and specialty; do-not-contact left out by default.
    let cardio = preview_ids(
        api,
        json!({ "kinds": ["physician"], "taxonomy_codes": ["207RC0000X"] }),
    )
    .await;
    assert!(same(cardio, vec![w.ana, w.ben, w.eve]));
    let with_dnc = preview_ids(
        api,
        json!({ "taxonomy_codes": "207RC0000X", "include_do_not_contact": true }),
    )
    .await;
    assert!(same(with_dnc, vec![w.ana, w.ben, w.dee, w.eve]));
    // Tiers are alternatives; kind narrows.
    let tier_a = preview_ids(api, json!({ "tiers": ["A"] })).await;
    assert!(same(tier_a, vec![w.ana, w.cy, w.np]));
    // Tags match whatever their case.
    let tagged = preview_ids(api, json!({ "tags": ["ONECARE"] })).await;
    assert!(same(tagged, vec![w.ana, w.cy]));
    // Place: state of a current practice, ZIP prefix, organization.
    let oregon = preview_ids(api, json!({ "states": "or" })).await;
    assert!(same(oregon, vec![w.ana, w.ben]));
    let zip = preview_ids(api, json!({ "zips": ["986"], "kinds": ["physician"] })).await;
    assert!(same(zip, vec![w.cy, w.eve]));
    let at_org = preview_ids(
        api,
        json!({ "organization_ids": [w.oregon_practice], "tiers": ["B"] }),
    )
    .await;
    assert!(same(at_org, vec![w.ben]));
    // Relationship manager.
    let r = api
        .post(
            "/api/v1/assignments",
            &json!({ "stakeholder_id": w.eve, "user_id": c.user, "role": "primary" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let managed = preview_ids(api, json!({ "manager_ids": [c.user] })).await;
    assert!(same(managed, vec![w.eve]));
    // Archived people never match.
    let r = api
        .post(
            &format!("/api/v1/stakeholders/{}/archive", w.ben),
            &json!({}),
        )
        .await;
    assert!(r.status().is_success());
    let oregon = preview_ids(api, json!({ "states": ["OR"] })).await;
    assert!(same(oregon, vec![w.ana]));
    // A saved segment reports the same count and says what it means.
    let seg = json_of(
        api.post(
            "/api/v1/segments",
            &json!({ "name": "Cardiology", "kinds": ["physician"], "taxonomy_codes": ["207RC0000X"] }),
        )
        .await,
    )
    .await;
    assert_eq!(seg["count"].as_i64(), Some(2), "{seg}");
    assert!(
        seg["summary"]
            .as_str()
            .unwrap_or_default()
            .contains("Physician")
    );
}

#[tokio::test]
async fn bad_segments_get_field_errors_and_nothing_is_saved() {
    let app = TestApp::spawn().await;
    let c = caller(&app, "mercy", Role::Marketer).await;
    let r = c
        .api
        .post(
            "/api/v1/segments",
            &json!({ "name": "", "states": ["Oregon"], "tiers": ["Z"], "zips": ["12"] }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v = json_of(r).await;
    let text = v.to_string();
    for field in ["name", "states", "tiers", "zips"] {
        assert!(text.contains(field), "{field} in {text}");
    }
    assert_eq!(
        app.count(c.tenant, "select count(*) from segments").await,
        0
    );
}

/// A campaign aimed at cardiology with one email message test (A/B) and a visit variant.
async fn planned_campaign(c: &Caller) -> (Uuid, Uuid, Uuid, Uuid) {
    let api = &c.api;
    let seg = id_of(
        api.post(
            "/api/v1/segments",
            &json!({ "name": "Cardiology", "kinds": "physician", "taxonomy_codes": "207RC0000X" }),
        )
        .await,
        "segment",
    )
    .await;
    let campaign = id_of(
        api.post(
            "/api/v1/campaigns",
            &json!({ "name": "Heart month", "segment_id": seg, "channels": ["email", "visit"], "budget": "10,000", "starts_on": "2026-12-01", "ends_on": "2027-01-31" }),
        )
        .await,
        "campaign",
    )
    .await;
    let message = id_of(
        api.post(
            &format!("/api/v1/campaigns/{campaign}/messages"),
            &json!({ "title": "Same-week echo" }),
        )
        .await,
        "message",
    )
    .await;
    let mut variants = Vec::new();
    for (channel, label) in [("email", "A"), ("email", "B"), ("visit", "Script")] {
        let r = api
            .post(
                &format!("/api/v1/campaigns/{campaign}/messages/{message}/variants"),
                &json!({ "channel": channel, "label": label }),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let v = json_of(r).await;
        let id = v["variants"]
            .as_array()
            .and_then(|vs| vs.iter().find(|x| x["label"] == label))
            .and_then(|x| x["id"].as_str())
            .and_then(|s| s.parse().ok())
            .expect("variant id");
        variants.push(id);
    }
    (campaign, message, variants[0], variants[1])
}

#[tokio::test]
async fn launching_freezes_the_audience_and_records_a_reproducible_split() {
    let app = TestApp::spawn().await;
    let c = caller(&app, "mercy", Role::Marketer).await;
    let w = world(&c).await;
    let (campaign, message, a, b) = planned_campaign(&c).await;
    let api = &c.api;
    // Before launch the audience is live.
    let members = json_of(
        api.get(&format!("/api/v1/campaigns/{campaign}/members"))
            .await,
    )
    .await;
    assert_eq!(members["total"].as_i64(), Some(3), "{members}");
    let r = api
        .post(
            &format!("/api/v1/campaigns/{campaign}/status"),
            &json!({ "status": "active" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let launched = json_of(r).await;
    assert_eq!(launched["status"], "active");
    assert_eq!(launched["members"].as_i64(), Some(3));
    assert!(launched["audience_frozen_at"].is_string());
    // Each member has one email variant and one visit variant, from the recorded bucket.
    assert_eq!(
        app.count(
            c.tenant,
            &format!("select count(*) from variant_assignments where campaign_id = '{campaign}'")
        )
        .await,
        6
    );
    // Variants are ordered by label, then id: A before B.
    let arms = [(a, 1i16), (b, 1i16)];
    for who in [w.ana, w.ben, w.eve] {
        let expected = pick_variant(&arms, bucket(campaign, message, "email", who));
        let recorded = app
            .count(
                c.tenant,
                &format!(
                    "select count(*) from variant_assignments where campaign_id = '{campaign}' and stakeholder_id = '{who}'
                     and channel = 'email' and variant_id = '{}' and bucket = {}",
                    expected.map(|v| v.to_string()).unwrap_or_default(),
                    bucket(campaign, message, "email", who)
                ),
            )
            .await;
        assert_eq!(recorded, 1, "the split of {who} is reproducible");
    }
    // A new cardiologist after launch does not join the frozen list.
    person(api, json!({ "kind": "physician", "first_name": "Fay", "last_name": "Fox", "taxonomy_code": "207RC0000X" })).await;
    let results = json_of(
        api.get(&format!("/api/v1/campaigns/{campaign}/results"))
            .await,
    )
    .await;
    assert_eq!(results["stats"]["members"].as_i64(), Some(3), "{results}");
    // Added by hand, Cy gets variants at once; removed, Ben stops counting.
    let r = api
        .post(
            &format!("/api/v1/campaigns/{campaign}/members"),
            &json!({ "stakeholder_ids": [w.cy], "npis": ["123"] }),
        )
        .await;
    let added = json_of(r).await;
    assert_eq!(added["changed"].as_i64(), Some(1));
    assert_eq!(added["unknown_npis"], json!(["123"]));
    assert_eq!(
        app.count(
            c.tenant,
            &format!(
                "select count(*) from variant_assignments where stakeholder_id = '{}'",
                w.cy
            )
        )
        .await,
        2
    );
    let r = api
        .post(
            &format!("/api/v1/campaigns/{campaign}/members/remove"),
            &json!({ "stakeholder_ids": [w.ben] }),
        )
        .await;
    assert_eq!(json_of(r).await["changed"].as_i64(), Some(1));
    let members = json_of(
        api.get(&format!("/api/v1/campaigns/{campaign}/members"))
            .await,
    )
    .await;
    assert_eq!(members["total"].as_i64(), Some(3));
    assert!(!members.to_string().contains(&w.ben.to_string()));
    assert_eq!(
        app.count(c.tenant, "select count(*) from audit_events where action in ('campaign.members_add', 'campaign.members_remove', 'campaign.status')").await,
        3
    );
    // The test is fixed now: no new variants, and the segment cannot change.
    let r = api
        .post(
            &format!("/api/v1/campaigns/{campaign}/messages/{message}/variants"),
            &json!({ "channel": "email", "label": "C" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let r = api
        .put(
            &format!("/api/v1/campaigns/{campaign}"),
            &json!({ "name": "Heart month", "segment_id": null }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let _ = w.dee;
}

#[tokio::test]
async fn an_empty_audience_cannot_launch_and_illegal_moves_are_refused() {
    let app = TestApp::spawn().await;
    let c = caller(&app, "mercy", Role::Marketer).await;
    let campaign = id_of(
        c.api
            .post("/api/v1/campaigns", &json!({ "name": "Nobody yet" }))
            .await,
        "campaign",
    )
    .await;
    let r = c
        .api
        .post(
            &format!("/api/v1/campaigns/{campaign}/status"),
            &json!({ "status": "active" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(json_of(r).await.to_string().contains("audience is empty"));
    let r = c
        .api
        .post(
            &format!("/api/v1/campaigns/{campaign}/status"),
            &json!({ "status": "completed" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let shown = json_of(c.api.get(&format!("/api/v1/campaigns/{campaign}")).await).await;
    assert_eq!(shown["status"], "draft");
}

#[tokio::test]
async fn costs_add_up_against_the_budget_and_kpis_are_computed_from_touches() {
    let app = TestApp::spawn().await;
    let c = caller(&app, "mercy", Role::Marketer).await;
    let w = world(&c).await;
    let (campaign, _, a, _) = planned_campaign(&c).await;
    let api = &c.api;
    let r = api
        .post(
            &format!("/api/v1/campaigns/{campaign}/costs"),
            &json!({ "category": "print", "amount": "1,250.50", "spent_on": "2026-11-20" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = api
        .post(
            &format!("/api/v1/campaigns/{campaign}/costs"),
            &json!({ "category": "yachts", "amount": "-4" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let kpi = api
        .post(
            &format!("/api/v1/campaigns/{campaign}/kpis"),
            &json!({ "label": "Two thirds reached", "measure": "reach", "target": "66.67" }),
        )
        .await;
    assert_eq!(kpi.status(), StatusCode::CREATED);
    api.post(
        &format!("/api/v1/campaigns/{campaign}/status"),
        &json!({ "status": "active" }),
    )
    .await;
    // Two of the three members touched, one of them answered.
    app.owner_exec(
        c.tenant,
        &format!(
            "insert into touchpoints (tenant_id, id, stakeholder_id, channel, occurred_at, outcome, cost, campaign_id, variant_id)
             values ('{t}', gen_random_uuid(), '{ana}', 'email', now(), 'positive', 20.00, '{campaign}', '{a}'),
                    ('{t}', gen_random_uuid(), '{ben}', 'email', now(), 'no_response', null, '{campaign}', null),
                    ('{t}', gen_random_uuid(), '{ben}', 'phone', now(), 'no_response', null, '{campaign}', null)",
            t = c.tenant,
            ana = w.ana,
            ben = w.ben,
        ),
    )
    .await;
    let results = json_of(
        api.get(&format!("/api/v1/campaigns/{campaign}/results"))
            .await,
    )
    .await;
    assert_eq!(results["stats"]["reached"].as_i64(), Some(2), "{results}");
    assert_eq!(results["stats"]["responded"].as_i64(), Some(1));
    assert_eq!(results["stats"]["touches"].as_i64(), Some(3));
    assert_eq!(
        results["spent"], "1270.50",
        "cost line plus touch-point cost"
    );
    assert_eq!(results["budget"], "10000.00");
    let reach = &results["kpis"][0];
    assert_eq!(
        reach["met"],
        json!(false),
        "2 of 3 is 66.66…%, just under 66.67"
    );
    let shown = json_of(api.get(&format!("/api/v1/campaigns/{campaign}")).await).await;
    assert_eq!(shown["spent"], "1270.50");
}

#[tokio::test]
async fn liaisons_and_executives_read_campaigns_but_cannot_plan_them() {
    let app = TestApp::spawn().await;
    let marketer = caller(&app, "mercy", Role::Marketer).await;
    let (campaign, message, _, _) = planned_campaign(&marketer).await;
    for role in [Role::Liaison, Role::Executive] {
        let c = caller(&app, "mercy", role).await;
        assert_eq!(
            c.api
                .get(&format!("/api/v1/campaigns/{campaign}"))
                .await
                .status(),
            StatusCode::OK
        );
        assert_eq!(c.api.get("/api/v1/segments").await.status(), StatusCode::OK);
        for (path, body) in [
            ("/api/v1/campaigns".to_string(), json!({ "name": "Mine" })),
            ("/api/v1/segments".to_string(), json!({ "name": "Mine" })),
            (
                format!("/api/v1/campaigns/{campaign}/status"),
                json!({ "status": "archived" }),
            ),
            (
                format!("/api/v1/campaigns/{campaign}/messages"),
                json!({ "title": "x" }),
            ),
            (
                format!("/api/v1/campaigns/{campaign}/messages/{message}/variants"),
                json!({ "channel": "email", "label": "Z" }),
            ),
            (
                format!("/api/v1/campaigns/{campaign}/costs"),
                json!({ "category": "print", "amount": "5" }),
            ),
            (
                format!("/api/v1/campaigns/{campaign}/kpis"),
                json!({ "label": "x", "measure": "touches", "target": 5 }),
            ),
            (
                format!("/api/v1/campaigns/{campaign}/members"),
                json!({ "stakeholder_ids": [] }),
            ),
        ] {
            assert_eq!(
                c.api.post(&path, &body).await.status(),
                StatusCode::FORBIDDEN,
                "{role:?} {path}"
            );
        }
    }
    assert_eq!(
        app.count(marketer.tenant, "select count(*) from campaigns")
            .await,
        1
    );
    assert_eq!(
        app.count(marketer.tenant, "select count(*) from key_messages")
            .await,
        1
    );
    assert_eq!(
        app.count(marketer.tenant, "select count(*) from campaign_costs")
            .await,
        0
    );
}

#[tokio::test]
async fn another_workspaces_campaigns_and_segments_are_not_found() {
    let app = TestApp::spawn().await;
    let mercy = caller(&app, "mercy", Role::Marketer).await;
    let (campaign, message, a, _) = planned_campaign(&mercy).await;
    let seg: Value = json_of(mercy.api.get("/api/v1/segments").await).await;
    let seg_id = seg[0]["id"].as_str().unwrap_or_default().to_string();
    let other = caller(&app, "other", Role::Admin).await;
    for path in [
        format!("/api/v1/campaigns/{campaign}"),
        format!("/api/v1/campaigns/{campaign}/results"),
        format!("/api/v1/campaigns/{campaign}/members"),
        format!("/api/v1/campaigns/{campaign}/messages"),
        format!("/api/v1/campaigns/{campaign}/costs"),
        format!("/api/v1/campaigns/{campaign}/kpis"),
        format!("/api/v1/segments/{seg_id}"),
        format!("/api/v1/segments/{seg_id}/preview"),
    ] {
        assert_eq!(
            other.api.get(&path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    for (path, body) in [
        (
            format!("/api/v1/campaigns/{campaign}/status"),
            json!({ "status": "archived" }),
        ),
        (
            format!("/api/v1/campaigns/{campaign}/messages"),
            json!({ "title": "x" }),
        ),
        (
            format!("/api/v1/campaigns/{campaign}/messages/{message}/variants"),
            json!({ "channel": "email", "label": "Z" }),
        ),
        (
            format!("/api/v1/campaigns/{campaign}/costs"),
            json!({ "category": "print", "amount": "5" }),
        ),
        (
            format!("/api/v1/campaigns/{campaign}/kpis"),
            json!({ "label": "x", "measure": "touches", "target": 5 }),
        ),
        (
            format!("/api/v1/campaigns/{campaign}/members"),
            json!({ "stakeholder_ids": [] }),
        ),
    ] {
        assert_eq!(
            other.api.post(&path, &body).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    assert_eq!(
        other
            .api
            .put(
                &format!("/api/v1/campaigns/{campaign}"),
                &json!({ "name": "Mine" })
            )
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        other
            .api
            .delete(&format!(
                "/api/v1/campaigns/{campaign}/messages/{message}/variants/{a}"
            ))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        other
            .api
            .delete(&format!("/api/v1/segments/{seg_id}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.count(other.tenant, "select count(*) from key_messages")
            .await,
        0
    );
    assert_eq!(
        app.count(mercy.tenant, "select count(*) from key_messages")
            .await,
        1
    );
    assert_eq!(
        app.count(mercy.tenant, "select count(*) from message_variants")
            .await,
        3
    );
}

#[tokio::test]
async fn bad_campaigns_get_field_errors_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let c = caller(&app, "mercy", Role::Marketer).await;
    let r = c
        .api
        .post(
            "/api/v1/campaigns",
            &json!({ "name": " ", "channels": ["fax"], "budget": "lots", "starts_on": "2027-01-02", "ends_on": "2026-01-01" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = json_of(r).await.to_string();
    for field in ["name", "channels", "budget", "ends_on"] {
        assert!(text.contains(field), "{field} in {text}");
    }
    id_of(
        c.api
            .post("/api/v1/campaigns", &json!({ "name": "Taken" }))
            .await,
        "first",
    )
    .await;
    let r = c
        .api
        .post("/api/v1/campaigns", &json!({ "name": "taken" }))
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(json_of(r).await.to_string().contains("already a campaign"));
    assert_eq!(
        app.count(c.tenant, "select count(*) from campaigns").await,
        1
    );
}

#[tokio::test]
async fn the_openapi_document_lists_the_campaign_routes() {
    let app = TestApp::spawn().await;
    let c = caller(&app, "mercy", Role::Marketer).await;
    let doc = json_of(c.api.get("/api/v1/openapi.json").await).await;
    let paths = doc["paths"].as_object().expect("paths");
    for p in [
        "/api/v1/campaigns",
        "/api/v1/campaigns/{id}/status",
        "/api/v1/campaigns/{id}/results",
        "/api/v1/campaigns/{id}/members",
        "/api/v1/campaigns/{id}/messages/{mid}/variants",
        "/api/v1/campaigns/{id}/costs",
        "/api/v1/campaigns/{id}/kpis",
        "/api/v1/segments",
        "/api/v1/segments/preview",
    ] {
        assert!(paths.contains_key(p), "{p}");
    }
}

#[tokio::test]
async fn merging_two_members_keeps_one_membership_with_its_variants() {
    let app = TestApp::spawn().await;
    let c = caller(&app, "mercy", Role::Marketer).await;
    let w = world(&c).await;
    let (campaign, _, _, _) = planned_campaign(&c).await;
    c.api
        .post(
            &format!("/api/v1/campaigns/{campaign}/status"),
            &json!({ "status": "active" }),
        )
        .await;
    // Ana and Ben are both members; Cy (not a cardiologist) is added by hand.
    c.api
        .post(
            &format!("/api/v1/campaigns/{campaign}/members"),
            &json!({ "stakeholder_ids": [w.cy] }),
        )
        .await;
    let r = c
        .api
        .post(
            "/api/v1/stakeholders/merge",
            &json!({ "keep": w.ana, "other": w.ben }),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "{}",
        r.text().await.unwrap_or_default()
    );
    let r = c
        .api
        .post(
            "/api/v1/stakeholders/merge",
            &json!({ "keep": w.eve, "other": w.cy }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let members =
        |who: Uuid| format!("select count(*) from campaign_members where stakeholder_id = '{who}'");
    let variants = |who: Uuid| {
        format!("select count(*) from variant_assignments where stakeholder_id = '{who}'")
    };
    assert_eq!(app.count(c.tenant, &members(w.ana)).await, 1);
    assert_eq!(app.count(c.tenant, &variants(w.ana)).await, 2);
    assert_eq!(app.count(c.tenant, &members(w.ben)).await, 0);
    assert_eq!(app.count(c.tenant, &variants(w.ben)).await, 0);
    assert_eq!(
        app.count(c.tenant, &members(w.eve)).await,
        1,
        "Eve was a member already; Cy's row is dropped"
    );
    assert_eq!(app.count(c.tenant, &members(w.cy)).await, 0);
    let results = json_of(
        c.api
            .get(&format!("/api/v1/campaigns/{campaign}/results"))
            .await,
    )
    .await;
    assert_eq!(results["stats"]["members"].as_i64(), Some(2), "{results}");
}

#[tokio::test]
async fn feedback_can_name_its_campaign_and_shows_in_the_results() {
    let app = TestApp::spawn().await;
    let c = caller(&app, "mercy", Role::Marketer).await;
    let w = world(&c).await;
    let campaign = id_of(
        c.api
            .post("/api/v1/campaigns", &json!({ "name": "OneCare" }))
            .await,
        "campaign",
    )
    .await;
    let topics = json_of(c.api.get("/api/v1/feedback-topics").await).await;
    let topic = topics[0]["id"].as_str().unwrap_or_default().to_string();
    let r = c
        .api
        .post(
            "/api/v1/feedback",
            &json!({ "stakeholder_id": w.ana, "topic_id": topic, "sentiment": -1, "body": "The message is confusing.", "campaign_id": campaign }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let listed = json_of(
        c.api
            .get(&format!(
                "/api/v1/feedback?campaign_id={campaign}&status=all"
            ))
            .await,
    )
    .await;
    assert_eq!(listed["total"].as_i64(), Some(1));
    let results = json_of(
        c.api
            .get(&format!("/api/v1/campaigns/{campaign}/results"))
            .await,
    )
    .await;
    assert_eq!(results["feedback"]["items"].as_i64(), Some(1));
    assert_eq!(results["feedback"]["open_concerns"].as_i64(), Some(1));
    // Another workspace's campaign cannot be named.
    let other = caller(&app, "other", Role::Marketer).await;
    let theirs = id_of(
        other
            .api
            .post("/api/v1/campaigns", &json!({ "name": "Theirs" }))
            .await,
        "campaign",
    )
    .await;
    let r = c
        .api
        .post(
            "/api/v1/feedback",
            &json!({ "stakeholder_id": w.ana, "topic_id": topic, "sentiment": 1, "body": "x", "campaign_id": theirs }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.count(c.tenant, "select count(*) from feedback").await,
        1
    );
}
