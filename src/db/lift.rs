//! Referral lift of a campaign, from the monthly referral rollup: each physician's referrals
//! to the workspace's own facilities in the six months before the campaign started and from
//! its start to three months after its end (or the latest month of data), for the members it
//! touched and for a comparison group: the members it did not touch, or, when they are too
//! few, physicians of the touched ones' specialties outside the campaign, or, when those are
//! too few as well, all other physicians outside it (the page says which).
//! [`crate::analytics::lift`] does the arithmetic.

use chrono::NaiveDate;
use serde::Serialize;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::analytics::lift::{self, Lift, MIN_GROUP, Windows};

/// Months before the start that make the baseline.
const MONTHS_BEFORE: i32 = 6;
/// Months after the end that still count (referral effects lag).
const MONTHS_AFTER_END: i32 = 3;

#[derive(Debug, sqlx::FromRow)]
struct PersonWindows {
    touched: bool,
    member: bool,
    same_specialty: bool,
    before: i64,
    after: i64,
}

#[derive(Debug, sqlx::FromRow)]
struct Span {
    before_from: Option<NaiveDate>,
    after_from: Option<NaiveDate>,
    after_to: Option<NaiveDate>,
    months_after: Option<i32>,
}

/// The lift as the campaign page and the API show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LiftView {
    /// One sentence: the estimate and its interval, or why there is none.
    pub summary: String,
    /// Referrals a month, touched against comparison; none when too thin.
    pub estimate: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// The estimate against the touched physicians' own baseline, in percent.
    pub percent: Option<f64>,
    pub touched: usize,
    pub comparison: usize,
    /// Which comparison group: untouched members, physicians of the same specialties outside
    /// the campaign, or other physicians outside it.
    pub comparison_group: String,
    /// The windows, e.g. "Jan 2026 – Jun 2026 against Jul 2026 – Dec 2026".
    pub windows: String,
}

/// The lift of `campaign`, or `None` when it does not exist.
pub async fn campaign_lift(
    conn: &mut PgConnection,
    campaign: Uuid,
) -> sqlx::Result<Option<LiftView>> {
    let span: Option<Span> = sqlx::query_as(
        "with c as (select date_trunc('month', starts_on)::date as s, date_trunc('month', coalesce(ends_on, current_date))::date as e
                      from campaigns where id = $1),
              latest as (select max(period) as m from referral_months)
         select (c.s - make_interval(months => $2))::date as before_from, c.s as after_from,
                least(latest.m, (c.e + make_interval(months => $3))::date) as after_to,
                case when latest.m >= c.s then
                  (extract(year from age(least(latest.m, (c.e + make_interval(months => $3))::date), c.s)) * 12
                   + extract(month from age(least(latest.m, (c.e + make_interval(months => $3))::date), c.s)))::int + 1
                end as months_after
           from c, latest",
    )
    .bind(campaign)
    .bind(MONTHS_BEFORE)
    .bind(MONTHS_AFTER_END)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(span) = span else {
        return Ok(None);
    };
    let empty = |summary: &str| LiftView {
        summary: summary.to_string(),
        estimate: None,
        low: None,
        high: None,
        percent: None,
        touched: 0,
        comparison: 0,
        comparison_group: String::new(),
        windows: String::new(),
    };
    let (Some(before_from), Some(after_from), Some(after_to), Some(months_after)) = (
        span.before_from,
        span.after_from,
        span.after_to,
        span.months_after,
    ) else {
        return Ok(Some(if span.after_from.is_none() {
            empty("Give the campaign a start date to measure its referral lift.")
        } else {
            empty(
                "No referral data from after the campaign started yet: import referral files to measure its lift.",
            )
        }));
    };
    let rows: Vec<PersonWindows> = sqlx::query_as(
        "with touched as (select distinct stakeholder_id as id from touchpoints where campaign_id = $1),
              members as (select stakeholder_id as id from campaign_members where campaign_id = $1 and removed_at is null),
              specialties as (select distinct s.taxonomy_code from stakeholders s join touched t on t.id = s.id
                               where s.taxonomy_code is not null)
         select s.id in (select id from touched) as touched,
                s.id in (select id from members) as member,
                s.taxonomy_code in (select taxonomy_code from specialties) as same_specialty,
                coalesce(sum(rm.own) filter (where rm.period >= $2 and rm.period < $3), 0)::bigint as before,
                coalesce(sum(rm.own) filter (where rm.period >= $3 and rm.period <= $4), 0)::bigint as after
           from stakeholders s
           join referral_months rm on rm.from_npi = s.npi and rm.period >= $2 and rm.period <= $4
          where s.status = 'active' and s.kind = 'physician' and s.npi is not null
          group by s.id, s.taxonomy_code",
    )
    .bind(campaign)
    .bind(before_from)
    .bind(after_from)
    .bind(after_to)
    .fetch_all(&mut *conn)
    .await?;
    let windows = |p: &PersonWindows| Windows {
        before: p.before.max(0) as u64,
        after: p.after.max(0) as u64,
        months_before: f64::from(MONTHS_BEFORE),
        months_after: f64::from(months_after.max(1)),
    };
    let touched: Vec<Windows> = rows.iter().filter(|p| p.touched).map(windows).collect();
    let untouched: Vec<Windows> = rows
        .iter()
        .filter(|p| p.member && !p.touched)
        .map(windows)
        .collect();
    let outside = |same_specialty: bool| -> Vec<Windows> {
        rows.iter()
            .filter(|p| !p.member && !p.touched && (p.same_specialty || !same_specialty))
            .map(windows)
            .collect()
    };
    let (comparison, group) = if untouched.len() >= MIN_GROUP {
        (untouched, "untouched members of the campaign")
    } else {
        let same = outside(true);
        if same.len() >= MIN_GROUP {
            (
                same,
                "physicians of the same specialties outside the campaign",
            )
        } else {
            (outside(false), "other physicians outside the campaign")
        }
    };
    let result = lift::lift(&touched, &comparison);
    let baseline = if touched.is_empty() {
        0.0
    } else {
        touched.iter().map(|w| w.before as f64).sum::<f64>()
            / f64::from(MONTHS_BEFORE)
            / touched.len() as f64
    };
    let label = |d: NaiveDate| d.format("%b %Y").to_string();
    let (estimate, low, high) = match &result {
        Lift::Estimated { estimate, .. } => (
            Some(estimate.value),
            Some(estimate.low),
            Some(estimate.high),
        ),
        Lift::TooThin(_) => (None, None, None),
    };
    Ok(Some(LiftView {
        summary: result.summary(),
        percent: estimate
            .filter(|_| baseline > 0.0)
            .map(|e| e / baseline * 100.0),
        estimate,
        low,
        high,
        touched: touched.len(),
        comparison: comparison.len(),
        comparison_group: group.to_string(),
        windows: format!(
            "{} – {} against {} – {}",
            label(before_from),
            label(after_from.pred_opt().unwrap_or(after_from)),
            label(after_from),
            label(after_to)
        ),
    }))
}
