//! Feedback: what a stakeholder told us, how they felt, and the loop that closes it.

use chrono::NaiveDate;
use serde::Deserialize;
use uuid::Uuid;

use super::text::{clean_optional, clean_required, optional_date, optional_id};
use crate::error::FieldErrors;

choice!(
    /// Where a feedback item is in its loop. Open and acknowledged items are still to do.
    FeedbackStatus {
        Open = "open": "Open",
        Acknowledged = "acknowledged": "Acknowledged",
        Resolved = "resolved": "Resolved",
        Informed = "informed": "Stakeholder informed",
    }
);

impl FeedbackStatus {
    pub fn is_closed(self) -> bool {
        matches!(self, Self::Resolved | Self::Informed)
    }
}

/// The topics a new workspace starts with.
pub const DEFAULT_TOPICS: &[&str] = &[
    "Access and scheduling",
    "Referral process",
    "Communication",
    "Quality of care",
    "Billing and insurance",
    "Messaging and brand",
    "Facilities and parking",
    "Other",
];

/// How a concern is due by default: a week after it was heard.
pub const CONCERN_DAYS: u64 = 7;

/// Sentiment from -2 (very negative) to +2 (very positive).
pub fn sentiment_label(s: i16) -> &'static str {
    match s {
        i16::MIN..=-2 => "Very negative",
        -1 => "Negative",
        0 => "Neutral",
        1 => "Positive",
        _ => "Very positive",
    }
}

/// Feedback as typed.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct FeedbackDraft {
    pub stakeholder_id: Option<String>,
    pub topic_id: Option<String>,
    /// -2 (very negative) to 2 (very positive).
    #[schema(value_type = i16)]
    pub sentiment: Option<serde_json::Value>,
    /// What they said.
    #[serde(default)]
    pub body: String,
    /// YYYY-MM-DD; today when blank.
    pub received_on: Option<String>,
    /// The user who closes the loop; the author when blank.
    pub owner_id: Option<String>,
    /// YYYY-MM-DD; for concerns a week after it was heard when blank.
    pub due_on: Option<String>,
    /// The campaign it answers, if any.
    pub campaign_id: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FeedbackInput {
    pub stakeholder_id: Uuid,
    pub topic_id: Uuid,
    pub sentiment: i16,
    pub body: String,
    pub received_on: NaiveDate,
    pub owner_id: Option<Uuid>,
    pub due_on: Option<NaiveDate>,
    pub campaign_id: Option<Uuid>,
}

fn small_int(v: &Option<serde_json::Value>) -> Option<i64> {
    match v {
        Some(serde_json::Value::Number(n)) => n.as_i64(),
        Some(serde_json::Value::String(s)) => s.trim().trim_start_matches('+').parse().ok(),
        _ => None,
    }
}

impl FeedbackDraft {
    pub fn validate(&self, today: NaiveDate) -> Result<FeedbackInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let stakeholder_id = match optional_id(self.stakeholder_id.as_deref(), "a stakeholder") {
            Ok(Some(id)) => Some(id),
            Ok(None) => {
                errors.insert("stakeholder_id", "Choose who said it.".into());
                None
            }
            Err(e) => {
                errors.insert("stakeholder_id", e);
                None
            }
        };
        let topic_id = match optional_id(self.topic_id.as_deref(), "a topic") {
            Ok(Some(id)) => Some(id),
            Ok(None) => {
                errors.insert("topic_id", "Choose a topic.".into());
                None
            }
            Err(e) => {
                errors.insert("topic_id", e);
                None
            }
        };
        let sentiment = small_int(&self.sentiment).filter(|s| (-2..=2).contains(s));
        if sentiment.is_none() {
            errors.insert(
                "sentiment",
                "Choose how they felt, from very negative (-2) to very positive (+2).".into(),
            );
        }
        let body = clean_required(&self.body, 5000, "what they said")
            .map_err(|e| errors.insert("body", e))
            .ok();
        let received_on = optional_date(self.received_on.as_deref())
            .map_err(|e| errors.insert("received_on", e))
            .ok()
            .flatten()
            .unwrap_or(today);
        if received_on > today {
            errors.insert("received_on", "That date is in the future.".into());
        }
        let owner_id = optional_id(self.owner_id.as_deref(), "an owner")
            .map_err(|e| errors.insert("owner_id", e))
            .ok()
            .flatten();
        let campaign_id = optional_id(self.campaign_id.as_deref(), "a campaign")
            .map_err(|e| errors.insert("campaign_id", e))
            .ok()
            .flatten();
        let due_on = optional_date(self.due_on.as_deref())
            .map_err(|e| errors.insert("due_on", e))
            .ok()
            .flatten();
        if let Some(due) = due_on
            && due < received_on
        {
            errors.insert("due_on", "The due date comes before the feedback.".into());
        }
        match (stakeholder_id, topic_id, sentiment, body) {
            (Some(stakeholder_id), Some(topic_id), Some(sentiment), Some(body))
                if errors.is_empty() =>
            {
                let due_on = due_on.or_else(|| {
                    (sentiment < 0).then(|| received_on + chrono::Days::new(CONCERN_DAYS))
                });
                Ok(FeedbackInput {
                    stakeholder_id,
                    topic_id,
                    sentiment: sentiment as i16,
                    body,
                    received_on,
                    owner_id,
                    due_on,
                    campaign_id,
                })
            }
            _ => Err(errors),
        }
    }
}

/// A step in the loop as typed: a new status, and what was done.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct FeedbackStepDraft {
    /// open, acknowledged, resolved or informed.
    #[serde(default)]
    pub status: String,
    /// What was done about it.
    pub resolution: Option<String>,
    /// Hand the item to another user.
    pub owner_id: Option<String>,
    /// YYYY-MM-DD.
    pub due_on: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FeedbackStep {
    pub status: FeedbackStatus,
    pub resolution: Option<String>,
    pub owner_id: Option<Uuid>,
    pub due_on: Option<NaiveDate>,
}

impl FeedbackStepDraft {
    pub fn validate(&self) -> Result<FeedbackStep, FieldErrors> {
        let mut errors = FieldErrors::new();
        let status = FeedbackStatus::parse(&self.status);
        if status.is_none() {
            errors.insert("status", "Choose a status from the list.".into());
        }
        let resolution = clean_optional(self.resolution.as_deref(), 5000)
            .map_err(|e| errors.insert("resolution", e))
            .ok()
            .flatten();
        if status.is_some_and(FeedbackStatus::is_closed) && resolution.is_none() {
            errors.insert(
                "resolution",
                "Say what was done, so the next person knows how it was closed.".into(),
            );
        }
        let owner_id = optional_id(self.owner_id.as_deref(), "an owner")
            .map_err(|e| errors.insert("owner_id", e))
            .ok()
            .flatten();
        let due_on = optional_date(self.due_on.as_deref())
            .map_err(|e| errors.insert("due_on", e))
            .ok()
            .flatten();
        match status {
            Some(status) if errors.is_empty() => Ok(FeedbackStep {
                status,
                resolution,
                owner_id,
                due_on,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).expect("date")
    }

    fn draft() -> FeedbackDraft {
        FeedbackDraft {
            stakeholder_id: Some(Uuid::new_v4().to_string()),
            topic_id: Some(Uuid::new_v4().to_string()),
            sentiment: Some(serde_json::json!("-1")),
            body: "Referral fax goes unanswered".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_concern_is_due_a_week_after_it_was_heard() {
        let f = draft().validate(today()).expect("valid");
        assert_eq!(f.sentiment, -1);
        assert_eq!(f.received_on, today());
        assert_eq!(f.due_on, NaiveDate::from_ymd_opt(2026, 11, 29));
        let praise = FeedbackDraft {
            sentiment: Some(serde_json::json!(2)),
            ..draft()
        }
        .validate(today())
        .expect("valid");
        assert_eq!(praise.due_on, None);
    }

    #[test]
    fn sentiment_runs_from_minus_two_to_two() {
        for bad in [
            serde_json::json!(3),
            serde_json::json!("-3"),
            serde_json::json!("meh"),
        ] {
            let errors = FeedbackDraft {
                sentiment: Some(bad),
                ..draft()
            }
            .validate(today())
            .expect_err("invalid");
            assert!(errors.contains_key("sentiment"));
        }
        assert_eq!(sentiment_label(-2), "Very negative");
        assert_eq!(sentiment_label(2), "Very positive");
    }

    #[test]
    fn closing_an_item_needs_a_resolution() {
        let errors = FeedbackStepDraft {
            status: "resolved".into(),
            ..Default::default()
        }
        .validate()
        .expect_err("needs resolution");
        assert!(errors.contains_key("resolution"));
        assert!(
            FeedbackStepDraft {
                status: "acknowledged".into(),
                ..Default::default()
            }
            .validate()
            .is_ok()
        );
    }
}
