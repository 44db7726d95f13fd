//! Campaigns and segments through their pages: a marketer builds a segment with a live
//! count, plans a campaign with messages, variants, KPIs and costs, launches it and manages
//! its members; liaisons read; other workspaces' campaigns are not found.

use rapport::domain::{Role, TenantId};
use reqwest::StatusCode;
use uuid::Uuid;

use crate::helpers::{TestApp, location};

fn id_in(path: &str) -> Uuid {
    let last = path
        .split('#')
        .next()
        .and_then(|p| p.rsplit('/').next())
        .unwrap_or_default();
    last.parse().unwrap_or_else(|_| panic!("no id in {path:?}"))
}

async fn cardiologists(app: &TestApp, tenant: TenantId, names: &[&str]) {
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    app.add_people(tenant, &names).await;
    app.owner_exec(
        tenant,
        "update stakeholders set taxonomy_code = '207RC0000X', npi = null",
    )
    .await;
}

#[tokio::test]
async fn a_marketer_plans_launches_and_fills_a_campaign_through_the_pages() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Marketer).await;
    cardiologists(&app, s.tenant, &["Okafor", "Ruiz", "Chen"]).await;
    app.owner_exec(
        s.tenant,
        "update stakeholders set npi = '1234567893' where last_name = 'Chen'",
    )
    .await;

    // The live preview counts while the form is filled in.
    let preview = s
        .text("/segments/preview?kinds=physician&taxonomy_codes=207RC0000X")
        .await;
    assert!(preview.contains(">3<"), "{preview}");
    let bad = s
        .post("/segments", &[("name", "Cardio"), ("zips", "12")])
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().await.expect("body").contains("ZIP"));
    let r = s
        .post(
            "/segments",
            &[
                ("name", "Cardio"),
                ("kinds", "physician"),
                ("taxonomy_codes", "207RC0000X"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let segment = id_in(&location(&r));
    let list = s.text("/segments").await;
    assert!(list.contains("Cardio") && list.contains("Physician"));

    // The campaign form: channels are a checkbox group, the budget is typed as people do.
    let bad = s
        .post("/campaigns", &[("name", ""), ("budget", "a lot")])
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = bad.text().await.expect("body");
    assert!(body.contains("Enter a campaign name") && body.contains("not an amount"));
    let seg = segment.to_string();
    let r = s
        .post(
            "/campaigns",
            &[
                ("name", "Heart month"),
                ("channels", "email"),
                ("channels", "event"),
                ("budget", "$12,500"),
                ("segment_id", seg.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let campaign = id_in(&location(&r));
    let page = s.text(&format!("/campaigns/{campaign}")).await;
    assert!(
        page.contains("Heart month")
            && page.contains("Email, Event")
            && page.contains("$12,500.00")
    );

    // Plan: a message with two email variants, a KPI, a cost line (and one that is refused).
    let r = s
        .post(
            &format!("/campaigns/{campaign}/messages"),
            &[("title", "Same-week echo")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let message: Uuid = {
        let mut tx = rapport::postgres::tenant_tx(&app.pools.app, s.tenant)
            .await
            .expect("tx");
        let id = sqlx::query_scalar("select id from key_messages")
            .fetch_one(&mut *tx)
            .await
            .expect("message");
        tx.commit().await.expect("commit");
        id
    };
    for label in ["A", "B"] {
        let r = s
            .post(
                &format!("/campaigns/{campaign}/messages/{message}/variants"),
                &[("channel", "email"), ("label", label), ("weight", "1")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    let dup = s
        .post(
            &format!("/campaigns/{campaign}/messages/{message}/variants"),
            &[("channel", "email"), ("label", "a")],
        )
        .await;
    assert_eq!(dup.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        dup.text()
            .await
            .expect("body")
            .contains("already has a variant")
    );
    let r = s
        .post(
            &format!("/campaigns/{campaign}/kpis"),
            &[
                ("label", "Reach 80%"),
                ("measure", "reach"),
                ("target", "80"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let bad = s
        .post(
            &format!("/campaigns/{campaign}/costs"),
            &[("category", "print"), ("amount", "0")],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = s
        .post(
            &format!("/campaigns/{campaign}/costs"),
            &[("category", "print"), ("amount", "300")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = s.text(&format!("/campaigns/{campaign}")).await;
    assert!(page.contains("Test") && page.contains("Reach 80%") && page.contains("$300.00"));
    assert!(
        !page.contains("test-verdict"),
        "no test result before the split is recorded"
    );

    // Launch: the audience freezes and everyone gets a variant.
    let r = s
        .post(
            &format!("/campaigns/{campaign}/status"),
            &[("status", "active")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = s.text(&format!("/campaigns/{campaign}")).await;
    assert!(page.contains("Its audience is frozen: 3 members"), "{page}");
    assert!(
        page.contains("No one has received a variant yet.") && page.contains("test-verdict"),
        "the message test is read out once the split is recorded"
    );
    let members = s.text(&format!("/campaigns/{campaign}/members")).await;
    assert!(
        members.contains("Okafor") && members.contains("Email: A") || members.contains("Email: B")
    );

    // Members by hand: an NPI that matches (already a member) and one that does not.
    let r = s
        .post(
            &format!("/campaigns/{campaign}/members"),
            &[("npis", "1234567893 1234567890")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let members = s.text(&format!("/campaigns/{campaign}/members")).await;
    assert!(
        members.contains("Not found or not an NPI: 1234567890"),
        "{members}"
    );
    let chen: Uuid = {
        let mut tx = rapport::postgres::tenant_tx(&app.pools.app, s.tenant)
            .await
            .expect("tx");
        let id = sqlx::query_scalar("select id from stakeholders where last_name = 'Chen'")
            .fetch_one(&mut *tx)
            .await
            .expect("chen");
        tx.commit().await.expect("commit");
        id
    };
    let r = s
        .post(
            &format!("/campaigns/{campaign}/members/remove"),
            &[("id", chen.to_string().as_str())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let members = s.text(&format!("/campaigns/{campaign}/members")).await;
    assert!(members.contains("1 member removed") && !members.contains("Chen"));
    // The campaign list shows it active with its members.
    let list = s.text("/campaigns?status=active").await;
    assert!(list.contains("Heart month") && list.contains(">2<"));
}

#[tokio::test]
async fn liaisons_read_campaigns_but_get_403_on_every_planning_form() {
    let app = TestApp::spawn().await;
    let m = app.signed_in("mercy", Role::Marketer).await;
    let r = m.post("/campaigns", &[("name", "OneCare")]).await;
    let campaign = id_in(&location(&r));
    let l = app.signed_in("mercy", Role::Liaison).await;
    let page = l.text(&format!("/campaigns/{campaign}")).await;
    assert!(page.contains("OneCare") && !page.contains("Add a KPI"));
    assert_eq!(
        l.get("/campaigns/new").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(l.get("/segments/new").await.status(), StatusCode::FORBIDDEN);
    for (path, form) in [
        ("/campaigns".to_string(), vec![("name", "Mine")]),
        ("/segments".to_string(), vec![("name", "Mine")]),
        (
            format!("/campaigns/{campaign}/status"),
            vec![("status", "planned")],
        ),
        (
            format!("/campaigns/{campaign}/messages"),
            vec![("title", "x")],
        ),
        (
            format!("/campaigns/{campaign}/costs"),
            vec![("category", "print"), ("amount", "5")],
        ),
        (
            format!("/campaigns/{campaign}/members"),
            vec![("npis", "1234567893")],
        ),
    ] {
        assert_eq!(
            l.post(&path, &form).await.status(),
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    assert_eq!(
        app.count(
            m.tenant,
            "select count(*) from campaigns where status = 'draft'"
        )
        .await,
        1
    );
    assert_eq!(
        app.count(m.tenant, "select count(*) from key_messages")
            .await,
        0
    );
}

#[tokio::test]
async fn another_workspaces_campaign_pages_are_not_found() {
    let app = TestApp::spawn().await;
    let m = app.signed_in("mercy", Role::Marketer).await;
    let r = m.post("/campaigns", &[("name", "OneCare")]).await;
    let campaign = id_in(&location(&r));
    let r = m.post("/segments", &[("name", "Everyone")]).await;
    let segment = id_in(&location(&r));
    let other = app.signed_in("other", Role::Admin).await;
    for path in [
        format!("/campaigns/{campaign}"),
        format!("/campaigns/{campaign}/edit"),
        format!("/campaigns/{campaign}/members"),
        format!("/segments/{segment}"),
    ] {
        assert_eq!(
            other.get(&path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    for path in [
        format!("/campaigns/{campaign}"),
        format!("/campaigns/{campaign}/status"),
        format!("/campaigns/{campaign}/messages"),
        format!("/campaigns/{campaign}/kpis"),
        format!("/segments/{segment}/delete"),
    ] {
        let r = other
            .post(
                &path,
                &[
                    ("name", "x"),
                    ("status", "archived"),
                    ("title", "x"),
                    ("label", "x"),
                    ("measure", "touches"),
                    ("target", "1"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
    }
    assert!(other.text("/campaigns").await.contains("No campaigns yet"));
    assert_eq!(
        app.count(
            m.tenant,
            "select count(*) from campaigns where name = 'OneCare' and status = 'draft'"
        )
        .await,
        1
    );
    assert_eq!(
        app.count(m.tenant, "select count(*) from segments").await,
        1
    );
}

#[tokio::test]
async fn the_segment_form_finds_organizations_by_search_and_shows_the_chosen_ones() {
    let app = TestApp::spawn().await;
    let m = app.signed_in("mercy", Role::Marketer).await;
    let r = m
        .post(
            "/organizations",
            &[
                ("name", "Westside Cardiology"),
                ("kind", "practice"),
                ("city", "Beaverton"),
            ],
        )
        .await;
    let org = id_in(&location(&r));
    let o = app.signed_in("other", Role::Admin).await;
    o.post(
        "/organizations",
        &[("name", "Westside Imaging"), ("kind", "practice")],
    )
    .await;
    let found = m.text("/segments/organizations?org_q=westside").await;
    assert!(
        found.contains("Westside Cardiology") && found.contains("Beaverton"),
        "{found}"
    );
    assert!(
        !found.contains("Westside Imaging"),
        "another workspace's organization"
    );
    assert!(
        m.text("/segments/organizations?org_q=zzz")
            .await
            .contains("No organization matches")
    );
    let r = m
        .post(
            "/segments",
            &[
                ("name", "At Westside"),
                ("organization_ids", org.to_string().as_str()),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let form = m.text(&location(&r)).await;
    assert!(
        form.contains("Westside Cardiology") && form.contains("checked"),
        "the chosen organization stays ticked"
    );
}
