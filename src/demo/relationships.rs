//! The demo workspace's relationships: affiliations to practices and facilities, relationship
//! managers, champion stages with history, influence links and feedback, so a new user sees
//! a living book. Deterministic (a fixed seed), written once, in the caller's transaction.

use chrono::{Days, NaiveDate, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::book::Seq;
use crate::db::audit::Actor;

const FEEDBACK: &[(&str, i16, &str)] = &[
    (
        "Referral process",
        -2,
        "Our referral faxes to cardiology sit for days. Twice this month the patient called us before your office did.",
    ),
    (
        "Referral process",
        -1,
        "The new e-referral form asks for the same information three times.",
    ),
    (
        "Access and scheduling",
        -2,
        "My patients wait five weeks for an orthopedic consult. They go to the competitor across the river.",
    ),
    (
        "Access and scheduling",
        -1,
        "Imaging slots on Saturday would help my working patients a lot.",
    ),
    (
        "Access and scheduling",
        1,
        "Same-week appointments in pediatrics have been great. Parents notice.",
    ),
    (
        "Communication",
        -1,
        "I never hear back after the patient is discharged. A one-page summary would do.",
    ),
    (
        "Communication",
        2,
        "The hospitalist called me the day my patient was admitted. That is how it should work.",
    ),
    (
        "Communication",
        0,
        "Prefers a text before visits rather than email.",
    ),
    (
        "Quality of care",
        2,
        "Outcomes from the joint replacement program are excellent; my patients recover fast.",
    ),
    (
        "Quality of care",
        -1,
        "One of my patients had a poor experience in the emergency department waiting room.",
    ),
    (
        "Billing and insurance",
        -2,
        "Patients got surprise bills for anesthesia. I stopped referring for elective procedures until this is fixed.",
    ),
    (
        "Billing and insurance",
        -1,
        "Prior authorization for MRI takes too long with your plan partners.",
    ),
    (
        "Messaging and brand",
        1,
        "Liked the OneCare brochure; clear and short.",
    ),
    (
        "Messaging and brand",
        -1,
        "The new campaign says 'no waits' but my patients still wait. It hurts your credibility.",
    ),
    (
        "Messaging and brand",
        0,
        "Asked what 'integrated care' means in practice for independent physicians.",
    ),
    (
        "Facilities and parking",
        -1,
        "Parking at the main campus is impossible for elderly patients.",
    ),
    (
        "Facilities and parking",
        1,
        "The new outpatient center is easy to reach.",
    ),
    (
        "Other",
        1,
        "Interested in joining the community health advisory board.",
    ),
];

const STAGE_REASONS: &[&str] = &[
    "First lunch-and-learn at the practice",
    "Sent first referrals after the cardiology update",
    "Spoke for us at the grand rounds",
    "Joined the physician advisory council",
    "Referrals fell after the billing complaint",
    "Introduced us to two colleagues",
    "Met at the community health fair",
];

/// (stakeholder, organization, facility, role, main place, since)
type Affiliation = (
    Uuid,
    Option<Uuid>,
    Option<Uuid>,
    &'static str,
    bool,
    Option<NaiveDate>,
);

fn day(today: NaiveDate, days_ago: u64) -> NaiveDate {
    today.checked_sub_days(Days::new(days_ago)).unwrap_or(today)
}

/// Adds the demo relationships unless the workspace already has affiliations.
pub async fn ensure(conn: &mut PgConnection, actor: &Actor) -> anyhow::Result<()> {
    let already: bool = sqlx::query_scalar("select exists(select 1 from affiliations)")
        .fetch_one(&mut *conn)
        .await?;
    if already {
        return Ok(());
    }
    add_duplicates(&mut *conn, actor).await?;
    let people: Vec<(Uuid, String, Option<String>)> = sqlx::query_as(
        "select id, kind, tier from stakeholders where status = 'active' order by last_name, first_name, id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let orgs: Vec<(Uuid, String)> =
        sqlx::query_as("select id, kind from organizations where status = 'active' order by name")
            .fetch_all(&mut *conn)
            .await?;
    let facilities: Vec<Uuid> =
        sqlx::query_scalar("select id from facilities where active order by name")
            .fetch_all(&mut *conn)
            .await?;
    let users: Vec<(Uuid, String)> =
        sqlx::query_as("select id, role from users where active order by email")
            .fetch_all(&mut *conn)
            .await?;
    let topics: Vec<(Uuid, String)> = sqlx::query_as("select id, name from feedback_topics")
        .fetch_all(&mut *conn)
        .await?;
    let of_kind = |k: &str| -> Vec<Uuid> {
        orgs.iter()
            .filter(|(_, kind)| kind == k)
            .map(|(id, _)| *id)
            .collect()
    };
    let practices = of_kind("practice");
    let others: Vec<Uuid> = orgs
        .iter()
        .filter(|(_, k)| k != "practice")
        .map(|(id, _)| *id)
        .collect();
    let user_of = |role: &str| users.iter().find(|(_, r)| r == role).map(|(id, _)| *id);
    let (Some(liaison), Some(marketer), Some(admin)) =
        (user_of("liaison"), user_of("marketer"), user_of("admin"))
    else {
        return Ok(());
    };
    if people.is_empty() || practices.is_empty() {
        return Ok(());
    }
    let today = Utc::now().date_naive();
    let mut seq = Seq(0x5eed_0f4e_1a00);

    // Affiliations.
    let mut aff: Vec<Affiliation> = Vec::new();
    for (i, (id, kind, _)) in people.iter().enumerate() {
        let since = Some(day(today, 200 + seq.below(3000) as u64));
        match kind.as_str() {
            "physician" | "advanced_practice" | "clinical_staff" => {
                aff.push((
                    *id,
                    Some(practices[i % practices.len()]),
                    None,
                    "practices_at",
                    true,
                    since,
                ));
                if kind == "physician" && !facilities.is_empty() && seq.chance(55) {
                    aff.push((
                        *id,
                        None,
                        Some(*seq.pick(&facilities)),
                        "privileges",
                        false,
                        since,
                    ));
                }
                if kind == "physician" && facilities.len() > 1 && seq.chance(15) {
                    aff.push((
                        *id,
                        None,
                        Some(*seq.pick(&facilities)),
                        "privileges",
                        false,
                        since,
                    ));
                }
            }
            "executive" if !others.is_empty() => {
                aff.push((
                    *id,
                    Some(*seq.pick(&others)),
                    None,
                    "leadership",
                    true,
                    since,
                ));
            }
            "community_leader" if !others.is_empty() => {
                aff.push((
                    *id,
                    Some(*others.last().unwrap_or(&others[0])),
                    None,
                    "member",
                    true,
                    since,
                ));
            }
            _ => {
                aff.push((
                    *id,
                    Some(*seq.pick(&practices)),
                    None,
                    "employed_by",
                    true,
                    since,
                ));
            }
        }
    }
    aff.sort_by_key(|a| (a.0, a.1, a.2));
    aff.dedup_by_key(|a| (a.0, a.1, a.2));
    for a in &aff {
        sqlx::query(
            "insert into affiliations (tenant_id, id, stakeholder_id, organization_id, facility_id, role, is_primary, starts_on)
             values ($1, gen_random_uuid(), $2, $3, $4, $5, $6, $7)",
        )
        .bind(actor.tenant_id)
        .bind(a.0)
        .bind(a.1)
        .bind(a.2)
        .bind(a.3)
        .bind(a.4)
        .bind(a.5)
        .execute(&mut *conn)
        .await?;
    }

    let everyone: Vec<Uuid> = people.iter().map(|(id, _, _)| *id).collect();
    crate::db::stakeholders::refresh_terms(&mut *conn, actor, &everyone).await?;

    // Relationship managers, the last contact and stages.
    let stages = [
        "identified",
        "engaged",
        "supporter",
        "champion",
        "advocate",
        "at_risk",
    ];
    let mut managed = 0;
    for (id, kind, tier) in &people {
        let owner = match (kind.as_str(), tier.as_deref()) {
            ("executive" | "community_leader", _) => Some(admin),
            ("physician" | "advanced_practice", Some("A" | "B")) => Some(liaison),
            ("physician", _) if seq.chance(40) => Some(liaison),
            _ if seq.chance(25) => Some(marketer),
            _ => None,
        };
        let Some(owner) = owner else { continue };
        managed += 1;
        let start = day(today, 30 + seq.below(700) as u64);
        sqlx::query(
            "insert into assignments (tenant_id, id, stakeholder_id, user_id, role, starts_on, created_at)
             values ($1, gen_random_uuid(), $2, $3, 'primary', $4, $4::timestamp at time zone 'UTC')",
        )
        .bind(actor.tenant_id)
        .bind(id)
        .bind(owner)
        .bind(start)
        .execute(&mut *conn)
        .await?;
        if owner == liaison && seq.chance(20) {
            sqlx::query(
                "insert into assignments (tenant_id, id, stakeholder_id, user_id, role, starts_on, created_at)
                 values ($1, gen_random_uuid(), $2, $3, 'secondary', $4, $4::timestamp at time zone 'UTC')",
            )
            .bind(actor.tenant_id)
            .bind(id)
            .bind(marketer)
            .bind(start)
            .execute(&mut *conn)
            .await?;
        }
        if seq.chance(85) {
            let last = day(today, seq.below(130) as u64);
            sqlx::query("update stakeholders set last_contact_at = $2::timestamp at time zone 'UTC' + interval '10 hours' where id = $1")
                .bind(id)
                .bind(last)
                .execute(&mut *conn)
                .await?;
        }
        // A path up the ladder, sometimes ending at risk.
        let top = 1 + seq.below(5);
        let at_risk = seq.chance(12);
        let mut from: Option<&str> = None;
        let mut when = day(today, 400 + seq.below(100) as u64);
        let path: Vec<&str> = stages[..top]
            .iter()
            .copied()
            .chain(at_risk.then_some("at_risk"))
            .collect();
        for to in path {
            sqlx::query(
                "insert into stage_changes (tenant_id, id, stakeholder_id, from_stage, to_stage, reason, changed_by, changed_at)
                 values ($1, gen_random_uuid(), $2, $3, $4, $5, $6, $7::timestamp at time zone 'UTC' + interval '15 hours')",
            )
            .bind(actor.tenant_id)
            .bind(id)
            .bind(from)
            .bind(to)
            .bind(if to == "at_risk" { STAGE_REASONS[4] } else { *seq.pick(STAGE_REASONS) })
            .bind(owner)
            .bind(when)
            .execute(&mut *conn)
            .await?;
            from = Some(to);
            when = when
                .checked_add_days(Days::new(20 + seq.below(70) as u64))
                .filter(|d| *d < today)
                .unwrap_or(today);
        }
        sqlx::query(
            "update stakeholders set stage = $2,
                stage_changed_at = (select max(changed_at) from stage_changes where stakeholder_id = $1)
             where id = $1",
        )
        .bind(id)
        .bind(from)
        .execute(&mut *conn)
        .await?;
    }

    // Influence: a few opinion leaders influence many; peers influence each other.
    let physicians: Vec<Uuid> = people
        .iter()
        .filter(|(_, k, _)| k == "physician")
        .map(|(id, _, _)| *id)
        .collect();
    let mut links: Vec<(Uuid, Uuid, &str, i16)> = Vec::new();
    if physicians.len() > 20 {
        for leader in physicians.iter().step_by(physicians.len() / 10).take(10) {
            for _ in 0..(3 + seq.below(8)) {
                let to = *seq.pick(&physicians);
                let kind = *seq.pick(&["opinion_leader", "opinion_leader", "refers_to", "peer"]);
                links.push((*leader, to, kind, 2 + seq.below(4) as i16));
            }
        }
        for _ in 0..60 {
            let (a, b) = (*seq.pick(&physicians), *seq.pick(&physicians));
            let kind = *seq.pick(&["peer", "refers_to", "family_friend"]);
            links.push((a, b, kind, 1 + seq.below(5) as i16));
        }
    }
    links.retain(|(a, b, _, _)| a != b);
    links.sort_by_key(|l| (l.0, l.1, l.2));
    links.dedup_by_key(|l| (l.0, l.1, l.2));
    for (a, b, kind, strength) in &links {
        sqlx::query(
            "insert into influence_links (tenant_id, id, from_id, to_id, kind, strength) values ($1, gen_random_uuid(), $2, $3, $4, $5)",
        )
        .bind(actor.tenant_id)
        .bind(a)
        .bind(b)
        .bind(kind)
        .bind(strength)
        .execute(&mut *conn)
        .await?;
    }

    // Feedback over the last four months, some of it still open and overdue.
    let mut feedback = 0;
    if !topics.is_empty() {
        for n in 0..90 {
            let (topic, sentiment, body) = FEEDBACK[n % FEEDBACK.len()];
            let topic_id = topics
                .iter()
                .find(|(_, name)| name == topic)
                .map(|(id, _)| *id)
                .unwrap_or(topics[0].0);
            let who = people[seq.below(people.len())].0;
            let heard = day(today, seq.below(120) as u64);
            let owner = *seq.pick(&[liaison, liaison, marketer, admin]);
            let age = (today - heard).num_days();
            let status = match (sentiment < 0, age) {
                (_, a) if a < 10 => "open",
                (true, a) if a < 40 && seq.chance(50) => "acknowledged",
                (true, _) if seq.chance(25) => "open",
                (false, _) if seq.chance(30) => "open",
                _ if seq.chance(50) => "informed",
                _ => "resolved",
            };
            let closed = matches!(status, "resolved" | "informed");
            let due = (sentiment < 0).then(|| heard + Days::new(7));
            sqlx::query(
                "insert into feedback (tenant_id, id, stakeholder_id, topic_id, sentiment, body, received_on, owner_id,
                    due_on, status, resolution, closed_at, created_by, created_at)
                 values ($1, gen_random_uuid(), $2, $3, $4, $5, $6, $7, $8, $9, $10,
                    case when $11 then $6::timestamp at time zone 'UTC' + interval '9 days' end, $7,
                    $6::timestamp at time zone 'UTC' + interval '14 hours')",
            )
            .bind(actor.tenant_id)
            .bind(who)
            .bind(topic_id)
            .bind(sentiment)
            .bind(body)
            .bind(heard)
            .bind(owner)
            .bind(due)
            .bind(status)
            .bind(closed.then_some("Shared with the service line lead; called the physician back with the change."))
            .bind(closed)
            .execute(&mut *conn)
            .await?;
            crate::db::feedback::touch_contact(&mut *conn, who, heard).await?;
            feedback += 1;
        }
    }
    crate::db::audit::record(
        conn,
        actor,
        "demo.relationships",
        "stakeholder",
        None,
        serde_json::json!({ "affiliations": aff.len(), "managed": managed, "influence_links": links.len(), "feedback": feedback }),
    )
    .await?;
    Ok(())
}

/// Two people entered twice, as happens when a liaison adds someone from a business card:
/// a typo in the first name, no NPI, the same phone. "Likely duplicates" finds them.
async fn add_duplicates(conn: &mut PgConnection, actor: &Actor) -> anyhow::Result<()> {
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "select id from stakeholders where kind = 'physician' and cardinality(phones) > 0
            and length(first_name) > 4 order by last_name, first_name, id limit 2",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut copies = Vec::new();
    for id in ids {
        let Some(row) =
            crate::db::stakeholders::find(&mut *conn, crate::domain::StakeholderId(id)).await?
        else {
            continue;
        };
        let Some(mut copy) = crate::db::merge::input_of(&row) else {
            continue;
        };
        let mut first: Vec<char> = copy.first_name.chars().collect();
        first.remove(first.len() - 2);
        copy.first_name = first.into_iter().collect();
        copy.npi = None;
        copy.emails.clear();
        copy.tags.clear();
        copy.tier = None;
        copies.push(copy);
    }
    crate::db::stakeholders::insert_many(conn, actor, &copies).await?;
    Ok(())
}
