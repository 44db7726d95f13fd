//! Touch-points (one interaction with a stakeholder): their choices, and the rules a draft
//! must pass.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::text::{clean_optional, optional_date, optional_id};
use crate::error::FieldErrors;

choice!(
    /// How the interaction happened.
    TouchChannel {
        Visit = "visit": "In-person visit",
        Phone = "phone": "Phone call",
        Email = "email": "Email",
        Event = "event": "Event",
        LunchLearn = "lunch_learn": "Lunch-and-learn",
        Social = "social": "Social media",
        Mail = "mail": "Mail",
        Portal = "portal": "Portal message",
        Survey = "survey": "Survey",
    }
);

choice!(
    /// Who reached out.
    Direction {
        Outbound = "outbound": "We reached out",
        Inbound = "inbound": "They reached out",
    }
);

choice!(
    /// How it went. A touch without a response does not count as contact.
    Outcome {
        Positive = "positive": "Positive",
        Neutral = "neutral": "Neutral",
        Negative = "negative": "Negative",
        NoResponse = "no_response": "No response",
    }
);

/// The most a touch-point may cost (the column is numeric(10, 2)).
pub const MAX_COST_CENTS: i64 = 9_999_999_999;
/// A touch-point up to this far in the future is clock skew, not a plan.
const SKEW: TimeDelta = TimeDelta::minutes(10);
/// Attendees of one group touch, at most.
pub const MAX_GROUP: usize = 500;

/// A touch-point as typed (a form or the API). Times are UTC, like every time the app shows.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct TouchpointDraft {
    pub stakeholder_id: Option<String>,
    /// visit, phone, email, event, lunch_learn, social, mail, portal or survey; visit when blank.
    pub channel: Option<String>,
    /// outbound (default) or inbound.
    pub direction: Option<String>,
    /// RFC 3339 (`2026-11-29T14:30:00Z`), or `YYYY-MM-DDTHH:MM` read as UTC; now when blank.
    pub occurred_at: Option<String>,
    pub purpose: Option<String>,
    /// positive, neutral, negative or no_response; blank when not known.
    pub outcome: Option<String>,
    /// Amount spent, e.g. "45.50"; at most two decimals.
    #[schema(value_type = Option<String>)]
    pub cost: Option<serde_json::Value>,
    pub notes: Option<String>,
    /// A planned or active campaign.
    pub campaign_id: Option<String>,
    /// A message variant of that campaign; when blank, the stakeholder's assigned variant
    /// for the campaign and channel, if any.
    pub variant_id: Option<String>,
    /// YYYY-MM-DD: also create a follow-up due that day.
    pub follow_up_on: Option<String>,
    /// Who follows up; the author when blank.
    pub follow_up_owner_id: Option<String>,
    pub follow_up_note: Option<String>,
}

/// A follow-up to create together with a touch-point.
#[derive(Clone, Debug, PartialEq)]
pub struct FollowUpPlan {
    pub due_on: NaiveDate,
    pub owner_id: Option<Uuid>,
    pub note: Option<String>,
}

/// The fields every touch-point of one submit shares (one attendee or a whole event).
#[derive(Clone, Debug, PartialEq)]
pub struct TouchpointInput {
    pub channel: TouchChannel,
    pub direction: Direction,
    pub occurred_at: DateTime<Utc>,
    pub purpose: Option<String>,
    pub outcome: Option<Outcome>,
    pub cost_cents: Option<i64>,
    pub notes: Option<String>,
    pub campaign_id: Option<Uuid>,
    pub variant_id: Option<Uuid>,
    pub follow_up: Option<FollowUpPlan>,
}

impl TouchpointInput {
    /// Whether it moves the stakeholder's last contact: everything but "no response".
    pub fn counts_as_contact(&self) -> bool {
        self.outcome != Some(Outcome::NoResponse)
    }
}

/// Parses `s` as a time: RFC 3339 with an offset, or a local-looking `YYYY-MM-DDTHH:MM[:SS]`
/// (what `datetime-local` inputs send), read as UTC.
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .map(|t| t.and_utc())
}

/// A date and an optional time (the form's two fields) as one UTC time; a date alone is
/// noon, which stays on that date in the Americas and Europe.
pub fn join_date_time(date: &str, time: &str) -> Option<DateTime<Utc>> {
    let date = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").ok()?;
    let time = match time.trim() {
        "" => NaiveTime::from_hms_opt(12, 0, 0)?,
        t => NaiveTime::parse_from_str(t, "%H:%M")
            .or_else(|_| NaiveTime::parse_from_str(t, "%H:%M:%S"))
            .ok()?,
    };
    Some(date.and_time(time).and_utc())
}

/// An amount like `45`, `45.5` or `"1,045.50"` as cents; `None` when blank.
pub fn parse_cost(v: &serde_json::Value) -> Result<Option<i64>, String> {
    let bad = || "Enter an amount of zero or more, with at most two decimals.".to_string();
    let text = match v {
        serde_json::Value::Null => return Ok(None),
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) => s.trim().trim_start_matches('$').replace(',', ""),
        _ => return Err(bad()),
    };
    if text.is_empty() {
        return Ok(None);
    }
    let (whole, frac) = text.split_once('.').unwrap_or((&text, ""));
    if whole.is_empty() && frac.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
        || frac.len() > 2
        || whole.len() > 12
    {
        return Err(bad());
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad())?
    };
    let frac: i64 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
    let cents = whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(frac))
        .ok_or_else(bad)?;
    if cents > MAX_COST_CENTS {
        return Err("That amount is too large.".into());
    }
    Ok(Some(cents))
}

/// Cents as `12.50`.
pub fn format_cents(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

fn choose<T: Copy>(
    errors: &mut FieldErrors,
    field: &'static str,
    value: Option<&str>,
    parse: fn(&str) -> Option<T>,
    default: Option<T>,
) -> Option<T> {
    match value.map(str::trim).filter(|s| !s.is_empty()) {
        None => default,
        Some(s) => {
            let parsed = parse(s);
            if parsed.is_none() {
                errors.insert(field, "Choose one of the options.".into());
            }
            parsed
        }
    }
}

impl TouchpointDraft {
    /// Validates the shared fields (everything but the stakeholder), at `now`.
    pub fn validate_shared(&self, now: DateTime<Utc>) -> Result<TouchpointInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let channel = choose(
            &mut errors,
            "channel",
            self.channel.as_deref(),
            TouchChannel::parse,
            Some(TouchChannel::Visit),
        );
        let direction = choose(
            &mut errors,
            "direction",
            self.direction.as_deref(),
            Direction::parse,
            Some(Direction::Outbound),
        );
        let outcome = choose(
            &mut errors,
            "outcome",
            self.outcome.as_deref(),
            Outcome::parse,
            None,
        );
        let occurred_at = match self.occurred_at.as_deref().map(str::trim) {
            None | Some("") => now,
            Some(s) => match parse_time(s) {
                Some(t) if t > now + SKEW => {
                    errors.insert(
                        "occurred_at",
                        "That is in the future; log a touch-point once it happened.".into(),
                    );
                    now
                }
                Some(t) if t < now - TimeDelta::days(3650) => {
                    errors.insert("occurred_at", "That is more than ten years ago.".into());
                    now
                }
                Some(t) => t,
                None => {
                    errors.insert(
                        "occurred_at",
                        format!("“{s}” is not a time; use YYYY-MM-DD and HH:MM."),
                    );
                    now
                }
            },
        };
        let mut text = |field: &'static str, v: &Option<String>, max: usize| {
            clean_optional(v.as_deref(), max)
                .map_err(|e| errors.insert(field, e))
                .ok()
                .flatten()
        };
        let purpose = text("purpose", &self.purpose, 200);
        let notes = text("notes", &self.notes, 5000);
        let follow_up_note = text("follow_up_note", &self.follow_up_note, 1000);
        let cost_cents = match &self.cost {
            None => None,
            Some(v) => parse_cost(v)
                .map_err(|e| errors.insert("cost", e))
                .ok()
                .flatten(),
        };
        let mut id = |field: &'static str, v: &Option<String>, what: &str| {
            optional_id(v.as_deref(), what)
                .map_err(|e| errors.insert(field, e))
                .ok()
                .flatten()
        };
        let campaign_id = id("campaign_id", &self.campaign_id, "a campaign");
        let variant_id = id("variant_id", &self.variant_id, "a message variant");
        let follow_up_owner_id = id("follow_up_owner_id", &self.follow_up_owner_id, "an owner");
        if variant_id.is_some() && campaign_id.is_none() {
            errors.insert(
                "variant_id",
                "Choose the campaign the variant belongs to.".into(),
            );
        }
        let follow_up_on = optional_date(self.follow_up_on.as_deref())
            .map_err(|e| errors.insert("follow_up_on", e))
            .ok()
            .flatten();
        if let Some(due) = follow_up_on
            && due < occurred_at.date_naive()
        {
            errors.insert(
                "follow_up_on",
                "The follow-up comes before the touch-point.".into(),
            );
        }
        // The owner menu always sends a value; only a note without a date is a mistake.
        if follow_up_on.is_none() && follow_up_note.is_some() {
            errors.insert("follow_up_on", "Choose when to follow up.".into());
        }
        match (channel, direction) {
            (Some(channel), Some(direction)) if errors.is_empty() => Ok(TouchpointInput {
                channel,
                direction,
                occurred_at,
                purpose,
                outcome,
                cost_cents,
                notes,
                campaign_id,
                variant_id,
                follow_up: follow_up_on.map(|due_on| FollowUpPlan {
                    due_on,
                    owner_id: follow_up_owner_id,
                    note: follow_up_note,
                }),
            }),
            _ => Err(errors),
        }
    }

    /// Validates a touch-point for one stakeholder.
    pub fn validate(&self, now: DateTime<Utc>) -> Result<(Uuid, TouchpointInput), FieldErrors> {
        let who = optional_id(self.stakeholder_id.as_deref(), "a stakeholder");
        let shared = self.validate_shared(now);
        match (who, shared) {
            (Ok(Some(id)), Ok(input)) => Ok((id, input)),
            (who, shared) => {
                let mut errors = shared.err().unwrap_or_default();
                match who {
                    Ok(Some(_)) => {}
                    Ok(None) => {
                        errors.insert(
                            "stakeholder_id",
                            "Choose who you were in touch with.".into(),
                        );
                    }
                    Err(e) => {
                        errors.insert("stakeholder_id", e);
                    }
                }
                Err(errors)
            }
        }
    }

    /// The canonical bytes of this request, for the idempotency check: the same draft
    /// (field by field, trimmed) always hashes the same, whatever order the JSON came in.
    pub fn canonical(&self, stakeholders: &[Uuid]) -> String {
        let t = |v: &Option<String>| v.as_deref().map(str::trim).unwrap_or_default().to_string();
        let cost = match &self.cost {
            Some(serde_json::Value::String(s)) => s.trim().to_string(),
            Some(serde_json::Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        };
        let mut people: Vec<String> = stakeholders.iter().map(Uuid::to_string).collect();
        people.sort();
        serde_json::json!([
            people,
            t(&self.channel),
            t(&self.direction),
            t(&self.occurred_at),
            t(&self.purpose),
            t(&self.outcome),
            cost,
            t(&self.notes),
            t(&self.campaign_id),
            t(&self.variant_id),
            t(&self.follow_up_on),
            t(&self.follow_up_owner_id),
            t(&self.follow_up_note),
        ])
        .to_string()
    }
}

/// An idempotency key as sent: 1 to 200 visible characters.
pub fn idempotency_key(s: &str) -> Result<String, String> {
    let s = s.trim();
    if s.is_empty() || s.len() > 200 || s.chars().any(|c| c.is_control()) {
        return Err("An Idempotency-Key has 1 to 200 visible characters.".into());
    }
    Ok(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> DateTime<Utc> {
        parse_time("2026-11-29T15:00:00Z").expect("time")
    }

    fn draft() -> TouchpointDraft {
        TouchpointDraft {
            stakeholder_id: Some(Uuid::now_v7().to_string()),
            ..Default::default()
        }
    }

    #[test]
    fn a_bare_touch_is_an_outbound_visit_now() {
        let (_, t) = draft().validate(now()).expect("valid");
        assert_eq!(t.channel, TouchChannel::Visit);
        assert_eq!(t.direction, Direction::Outbound);
        assert_eq!(t.occurred_at, now());
        assert_eq!(t.outcome, None);
        assert!(t.counts_as_contact());
        assert_eq!(t.follow_up, None);
    }

    #[test]
    fn a_touch_needs_someone_and_known_choices() {
        let errors = TouchpointDraft {
            channel: Some("pigeon".into()),
            outcome: Some("great".into()),
            ..Default::default()
        }
        .validate(now())
        .expect_err("invalid");
        assert!(errors.contains_key("stakeholder_id"));
        assert!(errors.contains_key("channel"));
        assert!(errors.contains_key("outcome"));
    }

    #[test]
    fn no_response_does_not_count_as_contact() {
        let (_, t) = TouchpointDraft {
            outcome: Some("no_response".into()),
            ..draft()
        }
        .validate(now())
        .expect("valid");
        assert!(!t.counts_as_contact());
    }

    #[test]
    fn the_future_is_refused_but_small_skew_is_not() {
        let future = TouchpointDraft {
            occurred_at: Some("2026-11-30T15:00:00Z".into()),
            ..draft()
        };
        assert!(future.validate(now()).is_err());
        let skew = TouchpointDraft {
            occurred_at: Some("2026-11-29T15:05".into()),
            ..draft()
        };
        assert!(skew.validate(now()).is_ok());
    }

    #[test]
    fn costs_have_at_most_two_decimals_and_are_not_negative() {
        assert_eq!(parse_cost(&json!("45.5")), Ok(Some(4550)));
        assert_eq!(parse_cost(&json!(12)), Ok(Some(1200)));
        assert_eq!(parse_cost(&json!("$1,045.05")), Ok(Some(104505)));
        assert_eq!(parse_cost(&json!("")), Ok(None));
        assert_eq!(parse_cost(&json!(".5")), Ok(Some(50)));
        for bad in [
            json!("-1"),
            json!("1.234"),
            json!("abc"),
            json!(-3),
            json!("."),
            json!(true),
        ] {
            assert!(parse_cost(&bad).is_err(), "{bad}");
        }
        assert!(parse_cost(&json!("1000000000")).is_err());
        assert_eq!(format_cents(4550), "45.50");
    }

    #[test]
    fn a_variant_needs_its_campaign_and_a_follow_up_needs_a_date() {
        let errors = TouchpointDraft {
            variant_id: Some(Uuid::now_v7().to_string()),
            follow_up_note: Some("Send the brochure".into()),
            ..draft()
        }
        .validate(now())
        .expect_err("invalid");
        assert!(errors.contains_key("variant_id"));
        assert!(errors.contains_key("follow_up_on"));
        let (_, t) = TouchpointDraft {
            follow_up_on: Some("2026-12-06".into()),
            ..draft()
        }
        .validate(now())
        .expect("valid");
        assert_eq!(
            t.follow_up.map(|f| f.due_on),
            NaiveDate::from_ymd_opt(2026, 12, 6)
        );
    }

    #[test]
    fn form_dates_and_times_are_read_as_utc() {
        assert_eq!(join_date_time("2026-11-29", "15:00"), Some(now()));
        assert_eq!(
            join_date_time("2026-11-29", ""),
            parse_time("2026-11-29T12:00:00Z")
        );
        assert_eq!(join_date_time("29/11/2026", ""), None);
    }

    #[test]
    fn the_canonical_form_ignores_order_and_padding() {
        let a = Uuid::now_v7();
        let b = Uuid::now_v7();
        let one = TouchpointDraft {
            purpose: Some(" Intro ".into()),
            ..Default::default()
        };
        let two = TouchpointDraft {
            purpose: Some("Intro".into()),
            ..Default::default()
        };
        assert_eq!(one.canonical(&[a, b]), two.canonical(&[b, a]));
        let other = TouchpointDraft {
            purpose: Some("Lunch".into()),
            ..Default::default()
        };
        assert_ne!(one.canonical(&[a]), other.canonical(&[a]));
    }
}
