//! "See next" on My stakeholders: the book ranked by overdue contact, falling referrals, open
//! concerns and influence, each row with its reasons; only the user's own book.

use rapport::domain::Role;

use crate::helpers::TestApp;

#[tokio::test]
async fn see_next_ranks_a_falling_referrer_and_says_why() {
    let app = TestApp::spawn().await;
    let s = app.signed_in("mercy", Role::Liaison).await;
    let other = app.signed_in("mercy", Role::Liaison).await;
    let page = s.text("/my-stakeholders").await;
    assert!(
        !page.contains("See next"),
        "an empty book has nothing to rank"
    );
    app.add_people(
        s.tenant,
        &[
            "Falling".into(),
            "Overdue".into(),
            "Worried".into(),
            "Fine".into(),
            "Theirs".into(),
        ],
    )
    .await;
    let (me, them, tenant) = (s.user, other.user, s.tenant);
    app.owner_exec(
        tenant,
        &format!(
            "update stakeholders set tier = 'A', npi = case last_name when 'Falling' then '1000000001' end,
                    last_contact_at = case last_name when 'Overdue' then now() - interval '200 days' else now() end;
             insert into assignments (tenant_id, id, stakeholder_id, user_id, role)
             select '{tenant}', gen_random_uuid(), id,
                    case last_name when 'Theirs' then '{them}'::uuid else '{me}'::uuid end, 'primary'
               from stakeholders;
             insert into feedback_topics (tenant_id, id, name) values ('{tenant}', gen_random_uuid(), 'Access');
             insert into feedback (tenant_id, id, stakeholder_id, topic_id, sentiment, body, received_on)
             select '{tenant}', gen_random_uuid(), s.id, t.id, -2, 'Cannot get appointments', current_date - 9
               from stakeholders s, feedback_topics t where s.last_name = 'Worried' and t.name = 'Access';
             -- Twelve months of 10 to own facilities, then three of 2.
             insert into referral_months (tenant_id, from_npi, period, total, own)
             select '{tenant}', '1000000001', (date '2026-10-01' - make_interval(months => k))::date,
                    case when k < 3 then 3 else 12 end, case when k < 3 then 2 else 10 end
               from generate_series(0, 14) as k;
             update stakeholders set last_contact_at = now() where last_name = 'Theirs';"
        ),
    )
    .await;
    let page = s.text("/my-stakeholders").await;
    assert!(page.contains("See next"), "{page}");
    let list =
        &page[page.find("See next").expect("list")..page.find("Due and overdue").expect("tabs")];
    let falling = list.find("Pat Falling").expect("Falling listed");
    let overdue = list.find("Pat Overdue").expect("Overdue listed");
    let worried = list.find("Pat Worried").expect("Worried listed");
    assert!(
        falling < worried && falling < overdue,
        "the falling referrer first: {list}"
    );
    assert!(list.contains("Referrals to your facilities are falling: about 96 a year at stake"));
    assert!(list.contains("An open concern, 9 days old"));
    assert!(list.contains("Contact overdue by"));
    assert!(!list.contains("Pat Fine"), "nothing calls for a visit");
    assert!(!list.contains("Pat Theirs"), "another liaison's book");
}
