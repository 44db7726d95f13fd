//! The signals behind a liaison's "see next" list, for everyone in a user's book at once:
//! how overdue contact is, referral windows from the monthly rollup (the last three months
//! against the twelve before, ending at the latest month imported), open concerns and
//! influence. [`crate::analytics::priorities`] turns them into a ranked list.

use sqlx::PgConnection;
use uuid::Uuid;

use super::assignments::BOOK_FROM;
use crate::analytics::alerts::{self, Windows};
use crate::analytics::priorities::{self, Signals};
use crate::domain::Cadence;

/// One person in the book with what is known about them.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct BookSignals {
    pub id: Uuid,
    pub name: String,
    pub specialty: Option<String>,
    pub tier: Option<String>,
    pub cadence_days: Option<i32>,
    pub days_overdue: Option<i32>,
    pub influence: Option<f64>,
    pub open_concerns: i64,
    pub oldest_concern_days: Option<i32>,
    pub own_before: f64,
    pub all_before: f64,
    pub own_recent: f64,
    pub all_recent: f64,
}

/// A row of the "see next" list.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct PriorityRow {
    pub id: Uuid,
    pub name: String,
    pub specialty: Option<String>,
    pub tier: Option<String>,
    /// Higher is more urgent; see the README for how the points add up.
    pub score: f64,
    pub reasons: Vec<String>,
}

/// Everyone in `user`'s book with their signals.
pub async fn book_signals(
    conn: &mut PgConnection,
    user: Uuid,
    cadence: Cadence,
) -> sqlx::Result<Vec<BookSignals>> {
    sqlx::query_as(&format!(
        "with latest as (select max(period) as m from referral_months)
         select b.id, {name} as name, b.specialty, b.tier, b.cadence_days,
                (current_date - d.due_on) as days_overdue,
                sc.score * sc.people as influence,
                coalesce(f.open_concerns, 0) as open_concerns, f.oldest_concern_days,
                coalesce(r.own_before, 0)::float8 / 12 as own_before,
                coalesce(r.all_before, 0)::float8 / 12 as all_before,
                coalesce(r.own_recent, 0)::float8 / 3 as own_recent,
                coalesce(r.all_recent, 0)::float8 / 3 as all_recent
         from {BOOK_FROM}
         left join influence_scores sc on sc.stakeholder_id = b.id
         left join lateral (
           select count(*) as open_concerns, (current_date - min(fb.received_on))::int as oldest_concern_days
             from feedback fb
            where fb.stakeholder_id = b.id and fb.sentiment < 0 and fb.status in ('open', 'acknowledged')) f on true
         left join lateral (
           select sum(rm.own) filter (where rm.period <= l.m - interval '3 months') as own_before,
                  sum(rm.total) filter (where rm.period <= l.m - interval '3 months') as all_before,
                  sum(rm.own) filter (where rm.period > l.m - interval '3 months') as own_recent,
                  sum(rm.total) filter (where rm.period > l.m - interval '3 months') as all_recent
             from latest l join referral_months rm
               on rm.from_npi = b.npi and rm.period > l.m - interval '15 months' and rm.period <= l.m
            where b.npi is not null) r on true
         where not b.do_not_contact",
        name = super::stakeholders::name_sql("b")
    ))
    .bind(user)
    .bind(cadence.a)
    .bind(cadence.b)
    .bind(cadence.c)
    .fetch_all(conn)
    .await
}

/// `user`'s book ranked by who to see next, at most `limit` rows.
pub async fn see_next(
    conn: &mut PgConnection,
    user: Uuid,
    cadence: Cadence,
    limit: usize,
) -> sqlx::Result<Vec<PriorityRow>> {
    let people = book_signals(conn, user, cadence).await?;
    let signals: Vec<Signals> = people
        .iter()
        .map(|p| {
            let alert = alerts::alert(&Windows {
                own_before: p.own_before,
                all_before: p.all_before,
                own_recent: p.own_recent,
                all_recent: p.all_recent,
                influence: p.influence.unwrap_or(1.0),
            });
            Signals {
                days_overdue: p.days_overdue.map(i64::from),
                cadence_days: p.cadence_days.map(i64::from),
                alert: alert.map(|a| (a.kind, a.at_stake)),
                open_concerns: u32::try_from(p.open_concerns).unwrap_or(u32::MAX),
                oldest_concern_days: p.oldest_concern_days.map(i64::from),
                influence: p.influence,
            }
        })
        .collect();
    Ok(priorities::ranked(&signals)
        .into_iter()
        .take(limit)
        .map(|(i, p)| PriorityRow {
            id: people[i].id,
            name: people[i].name.clone(),
            specialty: people[i].specialty.clone(),
            tier: people[i].tier.clone(),
            score: p.score,
            reasons: p.reasons,
        })
        .collect())
}
