//! Follow-ups: something to do for a stakeholder by a date, and completing one with the
//! touch-point that did it.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use uuid::Uuid;

use super::text::{clean_optional, optional_date, optional_id};
use super::touchpoint::{TouchpointDraft, TouchpointInput};
use crate::error::FieldErrors;

choice!(
    /// Where a follow-up is.
    FollowUpStatus {
        Open = "open": "Open",
        Done = "done": "Done",
        Cancelled = "cancelled": "Cancelled",
    }
);

/// A follow-up as typed.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct FollowUpDraft {
    pub stakeholder_id: Option<String>,
    /// The user who follows up; the author when blank.
    pub owner_id: Option<String>,
    /// YYYY-MM-DD.
    pub due_on: Option<String>,
    pub note: Option<String>,
    /// The feedback item it comes from, if any.
    pub feedback_id: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FollowUpInput {
    pub stakeholder_id: Option<Uuid>,
    pub owner_id: Option<Uuid>,
    pub due_on: NaiveDate,
    pub note: Option<String>,
    pub feedback_id: Option<Uuid>,
}

impl FollowUpDraft {
    /// A stakeholder is required unless the feedback item names one.
    pub fn validate(&self) -> Result<FollowUpInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut id = |field: &'static str, v: &Option<String>, what: &str| {
            optional_id(v.as_deref(), what)
                .map_err(|e| errors.insert(field, e))
                .ok()
                .flatten()
        };
        let stakeholder_id = id("stakeholder_id", &self.stakeholder_id, "a stakeholder");
        let owner_id = id("owner_id", &self.owner_id, "an owner");
        let feedback_id = id("feedback_id", &self.feedback_id, "a feedback item");
        if stakeholder_id.is_none()
            && feedback_id.is_none()
            && !errors.contains_key("stakeholder_id")
        {
            errors.insert("stakeholder_id", "Choose whom to follow up with.".into());
        }
        let due_on = match optional_date(self.due_on.as_deref()) {
            Ok(Some(d)) => Some(d),
            Ok(None) => {
                errors.insert("due_on", "Choose when to follow up.".into());
                None
            }
            Err(e) => {
                errors.insert("due_on", e);
                None
            }
        };
        let note = clean_optional(self.note.as_deref(), 1000)
            .map_err(|e| errors.insert("note", e))
            .ok()
            .flatten();
        match due_on {
            Some(due_on) if errors.is_empty() => Ok(FollowUpInput {
                stakeholder_id,
                owner_id,
                due_on,
                note,
                feedback_id,
            }),
            _ => Err(errors),
        }
    }
}

/// Completing a follow-up, optionally with the touch-point that did it.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct CompleteDraft {
    /// Set (e.g. "phone") to log a touch-point with the completion.
    pub channel: Option<String>,
    pub outcome: Option<String>,
    pub notes: Option<String>,
}

impl CompleteDraft {
    /// The touch-point to log, if a channel was given.
    pub fn touchpoint(&self, now: DateTime<Utc>) -> Result<Option<TouchpointInput>, FieldErrors> {
        if self
            .channel
            .as_deref()
            .map(str::trim)
            .unwrap_or_default()
            .is_empty()
        {
            return Ok(None);
        }
        TouchpointDraft {
            channel: self.channel.clone(),
            outcome: self.outcome.clone(),
            notes: self.notes.clone(),
            purpose: Some("Follow-up".into()),
            ..Default::default()
        }
        .validate_shared(now)
        .map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follow_ups_need_a_date_and_someone() {
        let errors = FollowUpDraft::default().validate().expect_err("invalid");
        assert!(errors.contains_key("due_on"));
        assert!(errors.contains_key("stakeholder_id"));
        let ok = FollowUpDraft {
            feedback_id: Some(Uuid::now_v7().to_string()),
            due_on: Some("2026-12-01".into()),
            ..Default::default()
        };
        assert!(ok.validate().is_ok());
    }
}
