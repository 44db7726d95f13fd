//! The demo workspace's outreach: segments, three campaigns (one completed with results, one
//! active with a message test, one planned) and a few thousand touch-points, so the campaign
//! pages and the timelines have something true to show. Deterministic, written once.

use chrono::{DateTime, Days, Duration, NaiveDate, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::book::Seq;
use crate::db::{self, audit::Actor};
use crate::domain::{
    CampaignChannel, CampaignInput, CampaignStatus, CostCategory, CostInput, KpiInput, KpiMeasure,
    MessageInput, Money, SegmentDefinition, SegmentInput, UserId, VariantInput,
};

/// A content item: day from today, title, channel, campaign, message.
type CalendarItem = (i64, &'static str, &'static str, Option<Uuid>, Option<Uuid>);

/// One touch-point to write.
struct Touch {
    stakeholder: Uuid,
    channel: &'static str,
    direction: &'static str,
    at: DateTime<Utc>,
    purpose: &'static str,
    outcome: Option<&'static str>,
    cost_cents: Option<i64>,
    campaign: Option<Uuid>,
    variant: Option<Uuid>,
    by: Uuid,
}

fn at(day: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    day.and_hms_opt(hour, minute, 0)
        .unwrap_or_default()
        .and_utc()
}

fn segment(name: &str, description: &str, d: SegmentDefinition) -> SegmentInput {
    SegmentInput {
        name: name.into(),
        description: Some(description.into()),
        definition: d,
    }
}

fn outcome(seq: &mut Seq, positive: u64, no_response: u64) -> &'static str {
    let r = seq.next() % 100;
    if r < positive {
        "positive"
    } else if r < 100 - no_response - 8 {
        "neutral"
    } else if r < 100 - no_response {
        "negative"
    } else {
        "no_response"
    }
}

pub async fn ensure(conn: &mut PgConnection, actor: &Actor) -> anyhow::Result<()> {
    let already: bool = sqlx::query_scalar("select exists(select 1 from campaigns)")
        .fetch_one(&mut *conn)
        .await?;
    if already {
        return Ok(());
    }
    let users: Vec<(Uuid, String)> =
        sqlx::query_as("select id, role from users where active order by email")
            .fetch_all(&mut *conn)
            .await?;
    let user_of = |role: &str| users.iter().find(|(_, r)| r == role).map(|(id, _)| *id);
    let (Some(marketer), Some(liaison), Some(admin)) =
        (user_of("marketer"), user_of("liaison"), user_of("admin"))
    else {
        return Ok(());
    };
    let planner = Actor {
        user_id: Some(UserId(marketer)),
        ..actor.clone()
    };
    let today = Utc::now().date_naive();
    let day = |offset: i64| {
        if offset >= 0 {
            today.checked_add_days(Days::new(offset as u64))
        } else {
            today.checked_sub_days(Days::new(offset.unsigned_abs()))
        }
        .unwrap_or(today)
    };
    let mut seq = Seq(0x0C7E_AC40_2026);

    // Segments.
    let physician = vec!["physician".to_string()];
    let cardiology = segment(
        "Cardiology physicians",
        "Cardiologists in the service area, any tier.",
        SegmentDefinition {
            kinds: physician.clone(),
            taxonomy_codes: vec!["207RC0000X".into()],
            ..Default::default()
        },
    );
    let primary = segment(
        "Primary care physicians",
        "Family medicine, internal medicine and general practice: the referral base for OneCare.",
        SegmentDefinition {
            kinds: physician.clone(),
            taxonomy_codes: vec![
                "207Q00000X".into(),
                "207R00000X".into(),
                "208D00000X".into(),
            ],
            ..Default::default()
        },
    );
    let ortho = segment(
        "Orthopedic surgeons",
        "Orthopedic surgery, for the spring joint-care outreach.",
        SegmentDefinition {
            kinds: physician.clone(),
            taxonomy_codes: vec!["207X00000X".into()],
            ..Default::default()
        },
    );
    let champions = segment(
        "Tier A champions and advocates",
        "Our strongest relationships, for advisory-board invitations.",
        SegmentDefinition {
            tiers: vec!["A".into()],
            stages: vec!["champion".into(), "advocate".into()],
            ..Default::default()
        },
    );
    let mut segment_ids = Vec::new();
    for s in [&cardiology, &primary, &ortho, &champions] {
        if let Some(id) = db::segments::save_audited(conn, &planner, None, s).await? {
            segment_ids.push(id);
        }
    }
    let [cardio_seg, primary_seg, ortho_seg, _] = segment_ids[..] else {
        return Ok(());
    };

    // Campaign 1: completed, with results.
    let heart = CampaignInput {
        name: "Heart Health Month".into(),
        objective: Some("Make Demo General the first call for cardiology referrals: every cardiologist hears about the new same-week echo and stress-test slots.".into()),
        service_line: Some("Cardiology".into()),
        owner_id: Some(marketer),
        starts_on: Some(day(-300)),
        ends_on: Some(day(-240)),
        channels: vec![CampaignChannel::Email, CampaignChannel::Event, CampaignChannel::Visit],
        budget: Some(Money(1_800_000)),
        segment_id: Some(cardio_seg),
    };
    let heart_id = create(conn, &planner, &heart).await?;
    let heart_msg = message(
        conn,
        &planner,
        heart_id,
        "Same-week echo and stress tests at Demo General",
        "Book through the cardiology line; results reach you within 24 hours.",
    )
    .await?;
    let heart_email = variant(
        conn,
        &planner,
        heart_id,
        heart_msg,
        CampaignChannel::Email,
        "Email",
        "Your patients can now get an echo within the week.",
    )
    .await?;
    let heart_visit = variant(
        conn,
        &planner,
        heart_id,
        heart_msg,
        CampaignChannel::Visit,
        "Visit talking points",
        "Leave the one-page access card; ask about their current wait times.",
    )
    .await?;
    for (kind, target, label) in [
        (KpiMeasure::Reach, 8000, "80% of cardiologists reached"),
        (
            KpiMeasure::ResponseRate,
            5000,
            "Half of those reached respond",
        ),
        (
            KpiMeasure::Manual,
            1500,
            "Echo referrals +15% (from the scheduling report)",
        ),
    ] {
        let actual = (kind == KpiMeasure::Manual).then_some(1840);
        kpi(conn, &planner, heart_id, label, kind, target, actual).await?;
    }
    for (offset, category, cents, note) in [
        (
            -298,
            CostCategory::Digital,
            120_000,
            "Email design and send",
        ),
        (
            -285,
            CostCategory::Events,
            640_000,
            "Cardiology grand rounds dinner",
        ),
        (-270, CostCategory::Print, 185_000, "Access cards"),
        (-255, CostCategory::Meals, 260_000, "Office lunches"),
    ] {
        cost(conn, &planner, heart_id, day(offset), category, cents, note).await?;
    }
    status(conn, &planner, heart_id, CampaignStatus::Active).await?;

    // Campaign 2: active, with an email message test.
    let onecare = CampaignInput {
        name: "OneCare launch".into(),
        objective: Some("Primary care physicians understand OneCare (one call books any specialist within a week) and send their next referral through it.".into()),
        service_line: Some("Primary care".into()),
        owner_id: Some(marketer),
        starts_on: Some(day(-28)),
        ends_on: Some(day(62)),
        channels: vec![CampaignChannel::Email, CampaignChannel::Visit, CampaignChannel::LunchLearn, CampaignChannel::Print],
        budget: Some(Money(4_500_000)),
        segment_id: Some(primary_seg),
    };
    let onecare_id = create(conn, &planner, &onecare).await?;
    let one_msg = message(
        conn,
        &planner,
        onecare_id,
        "One call books any specialist within a week",
        "OneCare's referral line books the appointment while your patient is still in the room.",
    )
    .await?;
    let one_a = variant(
        conn,
        &planner,
        onecare_id,
        one_msg,
        CampaignChannel::Email,
        "A · outcomes",
        "Patients seen within a week are 30% less likely to end up in the ED while they wait.",
    )
    .await?;
    let one_b = variant(
        conn,
        &planner,
        onecare_id,
        one_msg,
        CampaignChannel::Email,
        "B · convenience",
        "One number, one call, done: your staff stop chasing specialist offices.",
    )
    .await?;
    let one_visit = variant(
        conn,
        &planner,
        onecare_id,
        one_msg,
        CampaignChannel::Visit,
        "Visit script",
        "Walk through a referral live on their phone; leave the OneCare card at the front desk.",
    )
    .await?;
    let second = message(
        conn,
        &planner,
        onecare_id,
        "Your patients come back to you",
        "Every OneCare consult sends a summary to the referring physician within 48 hours.",
    )
    .await?;
    variant(
        conn,
        &planner,
        onecare_id,
        second,
        CampaignChannel::Print,
        "Desk card",
        "Summary back to you in 48 hours. Every time.",
    )
    .await?;
    for (kind, target, label) in [
        (
            KpiMeasure::Reach,
            8000,
            "80% of primary care physicians reached",
        ),
        (KpiMeasure::ResponseRate, 4000, "40% respond"),
        (
            KpiMeasure::SurveyAgreement,
            7000,
            "Survey: 70% understand the OneCare message",
        ),
        (
            KpiMeasure::ReferralLift,
            1500,
            "Referrals from target physicians +15%",
        ),
    ] {
        kpi(conn, &planner, onecare_id, label, kind, target, None).await?;
    }
    for (offset, category, cents, note) in [
        (
            -27,
            CostCategory::Print,
            340_000,
            "OneCare desk cards and brochures",
        ),
        (
            -20,
            CostCategory::Digital,
            150_000,
            "Email build, two versions",
        ),
        (
            -12,
            CostCategory::Meals,
            410_000,
            "Lunch-and-learns, first four offices",
        ),
    ] {
        cost(
            conn,
            &planner,
            onecare_id,
            day(offset),
            category,
            cents,
            note,
        )
        .await?;
    }
    status(conn, &planner, onecare_id, CampaignStatus::Active).await?;

    // Campaign 3: planned.
    let spring = CampaignInput {
        name: "Spring joint-care outreach".into(),
        objective: Some("Orthopedic surgeons know the new outpatient joint-replacement pathway before the spring referral season.".into()),
        service_line: Some("Orthopedics".into()),
        owner_id: Some(marketer),
        starts_on: Some(day(90)),
        ends_on: Some(day(150)),
        channels: vec![CampaignChannel::Event, CampaignChannel::Visit, CampaignChannel::Email],
        budget: Some(Money(2_200_000)),
        segment_id: Some(ortho_seg),
    };
    let spring_id = create(conn, &planner, &spring).await?;
    message(
        conn,
        &planner,
        spring_id,
        "Home the same day after a joint replacement",
        "The outpatient pathway: pre-hab, same-day discharge, remote follow-up.",
    )
    .await?;
    kpi(
        conn,
        &planner,
        spring_id,
        "75% of orthopedic surgeons reached",
        KpiMeasure::Reach,
        7500,
        None,
    )
    .await?;
    status(conn, &planner, spring_id, CampaignStatus::Planned).await?;

    // A month of content around today, most of it for OneCare.
    let items: &[CalendarItem] = &[
        (
            -24,
            "OneCare launch email, version A",
            "email",
            Some(onecare_id),
            Some(one_msg),
        ),
        (
            -24,
            "OneCare launch email, version B",
            "email",
            Some(onecare_id),
            Some(one_msg),
        ),
        (
            -21,
            "LinkedIn: one call books any specialist",
            "social",
            Some(onecare_id),
            Some(one_msg),
        ),
        (
            -17,
            "OneCare desk cards to 40 practices",
            "print",
            Some(onecare_id),
            Some(second),
        ),
        (
            -14,
            "OneCare page on the physician portal",
            "portal",
            Some(onecare_id),
            Some(one_msg),
        ),
        (
            -10,
            "Lunch-and-learn, Riverbend Family Medicine",
            "event",
            Some(onecare_id),
            Some(one_msg),
        ),
        (
            -7,
            "Physician newsletter: OneCare in numbers",
            "email",
            Some(onecare_id),
            Some(second),
        ),
        (
            -3,
            "Instagram: meet the OneCare schedulers",
            "social",
            Some(onecare_id),
            None,
        ),
        (
            0,
            "OneCare reminder email",
            "email",
            Some(onecare_id),
            Some(one_msg),
        ),
        (
            2,
            "Lunch-and-learn, Lakeview Pediatrics",
            "event",
            Some(onecare_id),
            Some(one_msg),
        ),
        (
            5,
            "OneCare FAQ on the website",
            "web",
            Some(onecare_id),
            Some(second),
        ),
        (
            9,
            "LinkedIn: first 100 OneCare referrals",
            "social",
            Some(onecare_id),
            None,
        ),
        (
            12,
            "Referral-office mailer",
            "mail",
            Some(onecare_id),
            Some(second),
        ),
        (16, "Holiday hours notice", "web", None, None),
        (19, "Physician newsletter, December", "email", None, None),
        (
            26,
            "Joint-care pathway save-the-date",
            "email",
            Some(spring_id),
            None,
        ),
    ];
    for (offset, title, channel, campaign, message) in items {
        let status = match offset {
            o if *o < 0 => "published",
            o if *o < 6 => "ready",
            _ => "planned",
        };
        sqlx::query(
            "insert into content_items (tenant_id, id, campaign_id, message_id, title, channel, publish_on, owner_id, status, created_by)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $8)",
        )
        .bind(actor.tenant_id)
        .bind(Uuid::new_v4())
        .bind(campaign)
        .bind(message)
        .bind(title)
        .bind(channel)
        .bind(day(*offset))
        .bind(marketer)
        .bind(status)
        .execute(&mut *conn)
        .await?;
    }

    // Touch-points.
    let mut touches: Vec<Touch> = Vec::new();
    let members = |id: Uuid| {
        sqlx::query_as::<_, (Uuid, Option<Uuid>, Option<Uuid>)>(
            "select m.stakeholder_id,
               (select variant_id from variant_assignments va where va.campaign_id = m.campaign_id
                  and va.stakeholder_id = m.stakeholder_id and va.channel = 'email' limit 1),
               (select variant_id from variant_assignments va where va.campaign_id = m.campaign_id
                  and va.stakeholder_id = m.stakeholder_id and va.channel = 'visit' limit 1)
             from campaign_members m where m.campaign_id = $1 and m.removed_at is null order by m.stakeholder_id",
        )
        .bind(id)
    };
    for (person, email_v, visit_v) in members(heart_id).fetch_all(&mut *conn).await? {
        if !seq.chance(86) {
            continue;
        }
        let d = day(-298 + seq.below(50) as i64);
        touches.push(Touch {
            stakeholder: person,
            channel: "email",
            direction: "outbound",
            at: at(d, 15, 0),
            purpose: "Same-week echo announcement",
            outcome: Some(outcome(&mut seq, 30, 40)),
            cost_cents: None,
            campaign: Some(heart_id),
            variant: email_v.or(Some(heart_email)),
            by: marketer,
        });
        if seq.chance(60) {
            let d = day(-290 + seq.below(45) as i64);
            touches.push(Touch {
                stakeholder: person,
                channel: if seq.chance(30) { "event" } else { "visit" },
                direction: "outbound",
                at: at(d, 17 + seq.below(3) as u32, 15),
                purpose: "Echo access: talking points",
                outcome: Some(outcome(&mut seq, 55, 5)),
                cost_cents: seq.chance(40).then_some(4_500),
                campaign: Some(heart_id),
                variant: visit_v.or(Some(heart_visit)),
                by: liaison,
            });
        }
    }
    for (person, email_v, visit_v) in members(onecare_id).fetch_all(&mut *conn).await? {
        // The outcomes-led email (A) lands better than the convenience one (B).
        let email_variant = email_v.unwrap_or(one_a);
        let (positive, silent) = if email_variant == one_a {
            (40, 30)
        } else {
            (20, 55)
        };
        if seq.chance(70) {
            let d = day(-20 + seq.below(3) as i64);
            touches.push(Touch {
                stakeholder: person,
                channel: "email",
                direction: "outbound",
                at: at(d, 14, 30),
                purpose: "OneCare launch email",
                outcome: Some(outcome(&mut seq, positive, silent)),
                cost_cents: None,
                campaign: Some(onecare_id),
                variant: Some(email_variant),
                by: marketer,
            });
        }
        if seq.chance(30) {
            let d = day(-18 + seq.below(17) as i64);
            touches.push(Touch {
                stakeholder: person,
                channel: if seq.chance(25) {
                    "lunch_learn"
                } else {
                    "visit"
                },
                direction: "outbound",
                at: at(d, 16 + seq.below(4) as u32, 0),
                purpose: "OneCare walk-through",
                outcome: Some(outcome(&mut seq, 60, 5)),
                cost_cents: seq.chance(30).then_some(6_000),
                campaign: Some(onecare_id),
                variant: visit_v.or(Some(one_visit)),
                by: liaison,
            });
        }
    }
    let _ = one_b;
    // The liaison's book: months of visits and calls, the last one on the last contact.
    let book: Vec<(Uuid, Option<DateTime<Utc>>)> = sqlx::query_as(
        "select s.id, s.last_contact_at from stakeholders s
         join assignments a on a.stakeholder_id = s.id and a.ends_on is null
         where s.status = 'active' order by s.id",
    )
    .fetch_all(&mut *conn)
    .await?;
    const PURPOSES: &[&str] = &[
        "Quarterly check-in",
        "Referral follow-up",
        "Introduce new cardiologist",
        "Access and wait times",
        "Drop off referral pads",
        "Discuss discharge summaries",
    ];
    for (person, last) in book {
        let Some(last) = last else { continue };
        let n = 4 + seq.below(10);
        let mut when = last;
        for i in 0..n {
            let channel = *seq.pick(&[
                "visit",
                "visit",
                "visit",
                "phone",
                "phone",
                "email",
                "lunch_learn",
            ]);
            touches.push(Touch {
                stakeholder: person,
                channel,
                direction: if channel == "phone" && seq.chance(30) {
                    "inbound"
                } else {
                    "outbound"
                },
                at: when,
                purpose: PURPOSES[seq.below(PURPOSES.len())],
                outcome: Some(if i == 0 {
                    outcome(&mut seq, 55, 0)
                } else {
                    outcome(&mut seq, 45, 10)
                }),
                cost_cents: (channel == "lunch_learn").then_some(35_000),
                campaign: None,
                variant: None,
                by: if seq.chance(80) { liaison } else { admin },
            });
            when -= Duration::days(14 + seq.below(40) as i64);
        }
    }
    // The monthly physician newsletter: most go unanswered.
    let physicians: Vec<Uuid> = sqlx::query_scalar(
        "select id from stakeholders where status = 'active' and kind = 'physician' and not do_not_contact order by id",
    )
    .fetch_all(&mut *conn)
    .await?;
    for month in 1..=6i64 {
        let d = day(-30 * month + 3);
        for p in &physicians {
            touches.push(Touch {
                stakeholder: *p,
                channel: "email",
                direction: "outbound",
                at: at(d, 13, 0),
                purpose: "Physician newsletter",
                outcome: Some(outcome(&mut seq, 6, 85)),
                cost_cents: None,
                campaign: None,
                variant: None,
                by: marketer,
            });
        }
    }
    write_touches(conn, &touches).await?;
    // The cadence clock follows the touch-points (not the ones nobody answered).
    sqlx::query(
        "update stakeholders s set last_contact_at = t.latest
         from (select stakeholder_id, max(occurred_at) as latest from touchpoints
               where outcome is distinct from 'no_response' group by stakeholder_id) t
         where s.id = t.stakeholder_id and (s.last_contact_at is null or s.last_contact_at < t.latest)",
    )
    .execute(&mut *conn)
    .await?;
    // Some feedback was about OneCare's message.
    sqlx::query(
        "update feedback f set campaign_id = $1, message_id = $2
         where f.id in (select f2.id from feedback f2
           join campaign_members m on m.stakeholder_id = f2.stakeholder_id and m.campaign_id = $1
           order by f2.received_on desc limit 6)",
    )
    .bind(onecare_id)
    .bind(one_msg)
    .execute(&mut *conn)
    .await?;
    survey(conn, &planner, onecare_id, &mut seq).await?;
    status(conn, &planner, heart_id, CampaignStatus::Completed).await?;
    // The campaigns launched on their start dates.
    sqlx::query("update campaigns set audience_frozen_at = starts_on::timestamp at time zone 'UTC' where id = any($1)")
        .bind(vec![heart_id, onecare_id])
        .execute(&mut *conn)
        .await?;
    db::audit::record(
        conn,
        &planner,
        "demo.outreach",
        "campaign",
        None,
        serde_json::json!({ "campaigns": 3, "touchpoints": touches.len() }),
    )
    .await?;
    Ok(())
}

async fn create(conn: &mut PgConnection, actor: &Actor, c: &CampaignInput) -> anyhow::Result<Uuid> {
    match db::campaigns::save_audited(conn, actor, None, c).await? {
        Ok(Some(id)) => Ok(id),
        _ => anyhow::bail!("the demo campaign {} was not saved", c.name),
    }
}

/// The OneCare pulse survey, sent to the campaign's members, about half of them answered.
async fn survey(
    conn: &mut PgConnection,
    actor: &Actor,
    campaign: Uuid,
    seq: &mut Seq,
) -> anyhow::Result<()> {
    use crate::domain::{Answer, QuestionInput, QuestionKind, SurveyInput, response_outcome};
    const FEELINGS: &[&str] = &[
        "Clear and useful. My front desk already uses the number.",
        "Sounds good, but I need to see the one-week promise hold first.",
        "Finally. Chasing specialist offices eats hours of my staff's week.",
        "The message is fine; the summaries back to me matter more.",
        "Not sure how it differs from calling the specialist directly.",
        "Good idea. Please make sure pediatrics is included.",
    ];
    let input = SurveyInput {
        title: "OneCare pulse".into(),
        intro: Some("Three quick questions about OneCare. Thank you for your time.".into()),
        campaign_id: Some(campaign),
        questions: vec![
            QuestionInput {
                kind: QuestionKind::Likert,
                prompt: "I understand what OneCare does for my patients.".into(),
                required: true,
            },
            QuestionInput {
                kind: QuestionKind::Likert,
                prompt: "I would send my next specialist referral through OneCare.".into(),
                required: true,
            },
            QuestionInput {
                kind: QuestionKind::Text,
                prompt: "How do you feel about the OneCare message?".into(),
                required: false,
            },
        ],
    };
    let Ok(Some(id)) = db::surveys::save_audited(conn, actor, None, &input).await? else {
        return Ok(());
    };
    let questions = db::surveys::questions(conn, id).await?;
    let members: Vec<Uuid> = sqlx::query_scalar(
        "select stakeholder_id from campaign_members where campaign_id = $1 and removed_at is null order by stakeholder_id",
    )
    .bind(campaign)
    .fetch_all(&mut *conn)
    .await?;
    let (links, _) = db::surveys::send_audited(conn, actor, id, &members).await?;
    for link in links {
        if !seq.chance(55) {
            continue;
        }
        let Some((_, secret)) = link
            .path
            .strip_prefix("/s/")
            .and_then(crate::auth::secret::decompose)
        else {
            continue;
        };
        let Some(target) = db::surveys::by_secret(conn, secret).await? else {
            continue;
        };
        let understand = [3i16, 4, 4, 4, 5, 5, 5, 2][seq.below(8)];
        let answers: Vec<(Uuid, Answer)> = questions
            .iter()
            .enumerate()
            .filter_map(|(i, q)| match i {
                0 => Some((q.id, Answer::Likert(understand))),
                1 => Some((
                    q.id,
                    Answer::Likert((understand - 1 + seq.below(2) as i16).clamp(1, 5)),
                )),
                _ if seq.chance(45) => Some((
                    q.id,
                    Answer::Text(FEELINGS[seq.below(FEELINGS.len())].into()),
                )),
                _ => None,
            })
            .collect();
        db::surveys::respond_audited(conn, actor, &target, &answers, response_outcome(&answers))
            .await?;
    }
    Ok(())
}

async fn status(
    conn: &mut PgConnection,
    actor: &Actor,
    campaign: Uuid,
    to: CampaignStatus,
) -> anyhow::Result<()> {
    match db::campaigns::set_status_audited(conn, actor, campaign, to).await? {
        Ok(_) => Ok(()),
        Err(refusal) => anyhow::bail!("the demo campaign could not move to {to:?}: {refusal:?}"),
    }
}

async fn message(
    conn: &mut PgConnection,
    actor: &Actor,
    campaign: Uuid,
    title: &str,
    body: &str,
) -> anyhow::Result<Uuid> {
    let m = MessageInput {
        title: title.into(),
        body: Some(body.into()),
    };
    db::messages::save_message_audited(conn, actor, campaign, None, &m)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the demo message was not saved"))
}

#[allow(clippy::too_many_arguments)]
async fn variant(
    conn: &mut PgConnection,
    actor: &Actor,
    campaign: Uuid,
    message: Uuid,
    channel: CampaignChannel,
    label: &str,
    body: &str,
) -> anyhow::Result<Uuid> {
    let v = VariantInput {
        channel,
        label: label.into(),
        body: Some(body.into()),
        weight: 1,
    };
    db::messages::save_variant_audited(conn, actor, campaign, message, None, &v)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the demo variant was not saved"))
}

async fn kpi(
    conn: &mut PgConnection,
    actor: &Actor,
    campaign: Uuid,
    label: &str,
    measure: KpiMeasure,
    target: i64,
    actual: Option<i64>,
) -> anyhow::Result<Option<Uuid>> {
    let k = KpiInput {
        label: label.into(),
        measure,
        target,
        baseline: None,
        actual,
    };
    Ok(db::campaign_money::add_kpi_audited(conn, actor, campaign, &k).await?)
}

async fn cost(
    conn: &mut PgConnection,
    actor: &Actor,
    campaign: Uuid,
    spent_on: NaiveDate,
    category: CostCategory,
    cents: i64,
    note: &str,
) -> anyhow::Result<()> {
    let c = CostInput {
        spent_on,
        category,
        amount: Money(cents),
        note: Some(note.into()),
    };
    db::campaign_money::add_cost_audited(conn, actor, campaign, &c).await?;
    Ok(())
}

async fn write_touches(conn: &mut PgConnection, touches: &[Touch]) -> anyhow::Result<()> {
    for chunk in touches.chunks(2_000) {
        let ids: Vec<Uuid> = chunk.iter().map(|_| Uuid::now_v7()).collect();
        sqlx::query(
            "insert into touchpoints (tenant_id, id, stakeholder_id, channel, direction, occurred_at, purpose,
               outcome, cost, campaign_id, variant_id, created_by, created_at)
             select current_setting('app.tenant_id')::uuid, t.id, t.s, t.ch, t.dir, t.at, t.purpose, t.outcome,
               t.cents::numeric / 100, t.campaign, t.variant, t.by, t.at
             from unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::timestamptz[], $6::text[],
                         $7::text[], $8::bigint[], $9::uuid[], $10::uuid[], $11::uuid[])
               as t(id, s, ch, dir, at, purpose, outcome, cents, campaign, variant, by)",
        )
        .bind(&ids)
        .bind(chunk.iter().map(|t| t.stakeholder).collect::<Vec<_>>())
        .bind(chunk.iter().map(|t| t.channel).collect::<Vec<_>>())
        .bind(chunk.iter().map(|t| t.direction).collect::<Vec<_>>())
        .bind(chunk.iter().map(|t| t.at).collect::<Vec<_>>())
        .bind(chunk.iter().map(|t| t.purpose).collect::<Vec<_>>())
        .bind(chunk.iter().map(|t| t.outcome).collect::<Vec<_>>())
        .bind(chunk.iter().map(|t| t.cost_cents).collect::<Vec<_>>())
        .bind(chunk.iter().map(|t| t.campaign).collect::<Vec<_>>())
        .bind(chunk.iter().map(|t| t.variant).collect::<Vec<_>>())
        .bind(chunk.iter().map(|t| t.by).collect::<Vec<_>>())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
