//! Referral lift on the campaign page and in the results API: touched members against
//! untouched ones, before and after the start; thin data and missing dates said plainly.

use rapport::domain::Role;
use uuid::Uuid;

use crate::helpers::{TestApp, caller, json_of};

#[tokio::test]
async fn a_campaign_whose_touched_members_referred_more_shows_its_lift() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Marketer).await;
    let names: Vec<String> = (0..12).map(|i| format!("Doc{i:02}")).collect();
    app.add_people(s.tenant, &names).await;
    let (tenant, campaign, undated) = (s.tenant, Uuid::new_v4(), Uuid::new_v4());
    // Twelve physicians, members of the campaign; six were touched. Everyone sent 4 a month
    // to own facilities before March 2026; from March the touched ones send 8.
    app.owner_exec(
        tenant,
        &format!(
            "update stakeholders set kind = 'physician', npi = '10000000' || substr(last_name, 4, 2);
             insert into campaigns (tenant_id, id, name, status, starts_on, ends_on)
             values ('{tenant}', '{campaign}', 'Spine outreach', 'active', '2026-03-10', '2026-04-20'),
                    ('{tenant}', '{undated}', 'Someday', 'draft', null, null);
             insert into campaign_members (tenant_id, campaign_id, stakeholder_id, source)
             select '{tenant}', '{campaign}', id, 'manual' from stakeholders;
             insert into touchpoints (tenant_id, id, stakeholder_id, channel, occurred_at, outcome, campaign_id)
             select '{tenant}', gen_random_uuid(), id, 'visit', '2026-03-15', 'positive', '{campaign}'
               from stakeholders where last_name < 'Doc06';
             insert into referral_months (tenant_id, from_npi, period, total, own)
             select '{tenant}', s.npi, m::date, 6,
                    case when s.last_name < 'Doc06' and m >= '2026-03-01' then 8 else 4 end
                      + (hashtext(s.npi || m::text) & 1)
               from stakeholders s, generate_series('2025-09-01'::date, '2026-07-01'::date, interval '1 month') m;"
        ),
    )
    .await;
    let page = s.text(&format!("/campaigns/{campaign}")).await;
    assert!(page.contains("Referral lift"), "{page}");
    let summary = &page[page.find("Referral lift").expect("card")..];
    assert!(
        summary.contains("more a month than comparable untouched ones (95% interval +"),
        "a lift with an interval above zero: {summary}"
    );
    assert!(page.contains("6 untouched members of the campaign"));
    assert!(page.contains("Sep 2025 – Feb 2026 against Mar 2026 – Jul 2026"));

    let c = caller(&app, "mercy", Role::Executive).await;
    let results = json_of(
        c.api
            .get(&format!("/api/v1/campaigns/{campaign}/results"))
            .await,
    )
    .await;
    let lift = &results["referral_lift"];
    assert_eq!(lift["touched"], 6);
    assert_eq!(lift["comparison"], 6);
    let estimate = lift["estimate"].as_f64().expect("estimate");
    assert!(estimate > 3.0 && estimate < 5.0, "{lift}");
    assert!(
        lift["low"].as_f64().expect("low") > 0.0,
        "a clear lift: {lift}"
    );
    assert!(lift["percent"].as_f64().expect("percent") > 50.0);

    let undated_page = s.text(&format!("/campaigns/{undated}")).await;
    assert!(undated_page.contains("Give the campaign a start date to measure its referral lift."));
}

#[tokio::test]
async fn too_few_touched_physicians_is_said_plainly() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Marketer).await;
    app.add_people(s.tenant, &["Solo".into(), "Other".into()])
        .await;
    let (tenant, campaign) = (s.tenant, Uuid::new_v4());
    app.owner_exec(
        tenant,
        &format!(
            "update stakeholders set kind = 'physician', npi = case last_name when 'Solo' then '1000000001' else '1000000002' end;
             insert into campaigns (tenant_id, id, name, status, starts_on, ends_on)
             values ('{tenant}', '{campaign}', 'Tiny', 'active', '2026-03-10', '2026-04-20');
             insert into touchpoints (tenant_id, id, stakeholder_id, channel, occurred_at, outcome, campaign_id)
             select '{tenant}', gen_random_uuid(), id, 'visit', '2026-03-15', 'positive', '{campaign}'
               from stakeholders where last_name = 'Solo';
             insert into referral_months (tenant_id, from_npi, period, total, own)
             select '{tenant}', s.npi, m::date, 5, 3
               from stakeholders s, generate_series('2025-09-01'::date, '2026-07-01'::date, interval '1 month') m;"
        ),
    )
    .await;
    let page = s.text(&format!("/campaigns/{campaign}")).await;
    assert!(
        page.contains("Too little data to conclude: 1 touched physician with referral data (at least 5 are needed)."),
        "{}",
        &page[page.find("Referral lift").unwrap_or(0)..]
    );
}
