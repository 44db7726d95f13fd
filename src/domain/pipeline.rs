//! Owning a relationship: relationship managers, contact cadence per tier, and the
//! champion pipeline.

use chrono::NaiveDate;
use serde::Deserialize;

use super::Tier;
use super::text::clean_optional;
use crate::error::FieldErrors;

choice!(
    /// Where a stakeholder stands with the health system. `AtRisk` is off the ladder: a
    /// relationship that is cooling and needs attention.
    Stage {
        Identified = "identified": "Identified",
        Engaged = "engaged": "Engaged",
        Supporter = "supporter": "Supporter",
        Champion = "champion": "Champion",
        Advocate = "advocate": "Advocate",
        AtRisk = "at_risk": "At risk",
    }
);

choice!(
    /// A relationship manager's part: one primary owner, any number of secondaries.
    AssignmentRole {
        Primary = "primary": "Primary",
        Secondary = "secondary": "Secondary",
    }
);

/// A move through the pipeline as typed.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct StageMoveDraft {
    /// identified, engaged, supporter, champion, advocate or at_risk.
    #[serde(default)]
    pub stage: String,
    /// Why: what happened that moved them.
    pub reason: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StageMove {
    pub stage: Stage,
    pub reason: Option<String>,
}

impl StageMoveDraft {
    pub fn validate(&self) -> Result<StageMove, FieldErrors> {
        let mut errors = FieldErrors::new();
        let stage = Stage::parse(&self.stage);
        if stage.is_none() {
            errors.insert("stage", "Choose a stage from the list.".into());
        }
        let reason = clean_optional(self.reason.as_deref(), 1000)
            .map_err(|e| errors.insert("reason", e))
            .ok()
            .flatten();
        match stage {
            Some(stage) if errors.is_empty() => Ok(StageMove { stage, reason }),
            _ => Err(errors),
        }
    }
}

/// Days between contacts a tier should get.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Cadence {
    pub a: i32,
    pub b: i32,
    pub c: i32,
}

impl Default for Cadence {
    fn default() -> Self {
        Self {
            a: 30,
            b: 60,
            c: 90,
        }
    }
}

impl Cadence {
    pub fn days(&self, tier: Tier) -> i32 {
        match tier {
            Tier::A => self.a,
            Tier::B => self.b,
            Tier::C => self.c,
        }
    }

    /// Reads the three day counts from a form or JSON; each from 1 to 730.
    pub fn parse(a: &str, b: &str, c: &str) -> Result<Cadence, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut read = |field: &'static str, v: &str| match v.trim().parse::<i32>() {
            Ok(d) if (1..=730).contains(&d) => d,
            _ => {
                errors.insert(field, "Enter a number of days from 1 to 730.".into());
                0
            }
        };
        let cadence = Cadence {
            a: read("a", a),
            b: read("b", b),
            c: read("c", c),
        };
        if errors.is_empty() {
            Ok(cadence)
        } else {
            Err(errors)
        }
    }
}

/// When a stakeholder is next due for contact: `cadence` days after the last contact, or
/// now if there never was one. Negative `days_left` means overdue.
pub fn due(
    last_contact: Option<NaiveDate>,
    cadence_days: i32,
    today: NaiveDate,
) -> (NaiveDate, i64) {
    let due_on = match last_contact {
        Some(d) => d + chrono::Days::new(cadence_days.max(0) as u64),
        None => today,
    };
    (due_on, (due_on - today).num_days())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn due_counts_from_the_last_contact() {
        let today = day("2026-11-22");
        assert_eq!(
            due(Some(day("2026-11-01")), 30, today),
            (day("2026-12-01"), 9)
        );
        assert_eq!(
            due(Some(day("2026-09-01")), 30, today),
            (day("2026-10-01"), -52)
        );
        assert_eq!(due(None, 30, today), (today, 0));
    }

    #[test]
    fn cadence_days_are_checked() {
        assert_eq!(
            Cadence::parse("14", "45", "120").expect("valid"),
            Cadence {
                a: 14,
                b: 45,
                c: 120
            }
        );
        let errors = Cadence::parse("0", "x", "731").expect_err("invalid");
        assert_eq!(errors.len(), 3);
    }

    #[test]
    fn a_stage_move_needs_a_known_stage() {
        assert!(
            StageMoveDraft {
                stage: "wizard".into(),
                reason: None
            }
            .validate()
            .is_err()
        );
        let m = StageMoveDraft {
            stage: "at_risk".into(),
            reason: Some(" cooled ".into()),
        }
        .validate()
        .expect("valid");
        assert_eq!(m.stage, Stage::AtRisk);
        assert_eq!(m.reason.as_deref(), Some("cooled"));
    }
}
