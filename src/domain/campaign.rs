//! Campaigns: what they aim at, how they move from draft to archived, what they cost and
//! how success is measured.

use chrono::NaiveDate;
use serde::Deserialize;
use uuid::Uuid;

use super::Money;
use super::text::{clean_optional, clean_required, list, optional_date, optional_id};
use crate::error::FieldErrors;

choice!(
    /// Where a campaign is in its life. The audience is frozen when it goes active.
    CampaignStatus {
        Draft = "draft": "Draft",
        Planned = "planned": "Planned",
        Active = "active": "Active",
        Completed = "completed": "Completed",
        Archived = "archived": "Archived",
    }
);

impl CampaignStatus {
    /// The statuses a campaign may move to from this one.
    pub fn next(self) -> &'static [CampaignStatus] {
        use CampaignStatus::*;
        match self {
            Draft => &[Planned, Active, Archived],
            Planned => &[Draft, Active, Archived],
            Active => &[Completed, Archived],
            Completed => &[Active, Archived],
            Archived => &[Draft],
        }
    }

    pub fn can_move_to(self, to: CampaignStatus) -> bool {
        self.next().contains(&to)
    }

    /// Whether the audience is still a live segment (not yet a frozen member list).
    pub fn is_planning(self) -> bool {
        matches!(self, Self::Draft | Self::Planned)
    }
}

choice!(
    /// The channels a campaign uses and its message variants are written for.
    CampaignChannel {
        Email = "email": "Email",
        Social = "social": "Social",
        Print = "print": "Print",
        Web = "web": "Web",
        Event = "event": "Event",
        Visit = "visit": "In-person visit",
        Phone = "phone": "Phone",
        LunchLearn = "lunch_learn": "Lunch-and-learn",
        Mail = "mail": "Mail",
        Portal = "portal": "Portal",
        Survey = "survey": "Survey",
    }
);

choice!(
    /// What a cost line paid for.
    CostCategory {
        Media = "media": "Media",
        Print = "print": "Print",
        Digital = "digital": "Digital",
        Events = "events": "Events",
        Meals = "meals": "Meals",
        Promotional = "promotional": "Promotional items",
        Staff = "staff": "Staff time",
        Other = "other": "Other",
    }
);

choice!(
    /// How a KPI's actual value is found: computed from the campaign's own data, or typed.
    KpiMeasure {
        Reach = "reach": "Members reached (%)",
        ResponseRate = "response_rate": "Response rate (%)",
        SurveyAgreement = "survey_agreement": "Survey agreement (%)",
        Touches = "touches": "Touch-points (count)",
        ReferralLift = "referral_lift": "Referral lift (%)",
        Manual = "manual": "Entered by hand",
    }
);

impl KpiMeasure {
    /// Whether target and actual are percentages.
    pub fn is_percent(self) -> bool {
        !matches!(self, Self::Touches | Self::Manual)
    }
}

/// A campaign as typed.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct CampaignDraft {
    #[serde(default)]
    pub name: String,
    pub objective: Option<String>,
    pub service_line: Option<String>,
    /// The user who owns the campaign; the author when blank.
    pub owner_id: Option<String>,
    /// YYYY-MM-DD.
    pub starts_on: Option<String>,
    /// YYYY-MM-DD.
    pub ends_on: Option<String>,
    /// Channel keys, as a JSON array or one comma-separated string.
    #[serde(default, deserialize_with = "list")]
    pub channels: Vec<String>,
    /// "12500" or "12,500.00".
    pub budget: Option<String>,
    /// The saved segment that defines the audience.
    pub segment_id: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CampaignInput {
    pub name: String,
    pub objective: Option<String>,
    pub service_line: Option<String>,
    pub owner_id: Option<Uuid>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub channels: Vec<CampaignChannel>,
    pub budget: Option<Money>,
    pub segment_id: Option<Uuid>,
}

impl CampaignDraft {
    pub fn validate(&self) -> Result<CampaignInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = clean_required(&self.name, 200, "a campaign name")
            .map_err(|e| errors.insert("name", e))
            .ok();
        let objective = clean_optional(self.objective.as_deref(), 2000)
            .map_err(|e| errors.insert("objective", e))
            .ok()
            .flatten();
        let service_line = clean_optional(self.service_line.as_deref(), 100)
            .map_err(|e| errors.insert("service_line", e))
            .ok()
            .flatten();
        let owner_id = optional_id(self.owner_id.as_deref(), "an owner")
            .map_err(|e| errors.insert("owner_id", e))
            .ok()
            .flatten();
        let starts_on = optional_date(self.starts_on.as_deref())
            .map_err(|e| errors.insert("starts_on", e))
            .ok()
            .flatten();
        let ends_on = optional_date(self.ends_on.as_deref())
            .map_err(|e| errors.insert("ends_on", e))
            .ok()
            .flatten();
        if let (Some(s), Some(e)) = (starts_on, ends_on)
            && e < s
        {
            errors.insert("ends_on", "The campaign ends before it starts.".into());
        }
        let mut channels = Vec::new();
        for c in self.channels.iter().filter(|c| !c.trim().is_empty()) {
            match CampaignChannel::parse(c) {
                Some(ch) if !channels.contains(&ch) => channels.push(ch),
                Some(_) => {}
                None => {
                    errors.insert("channels", format!("“{}” is not a channel.", c.trim()));
                }
            }
        }
        let budget = Money::parse_optional(self.budget.as_deref())
            .map_err(|e| errors.insert("budget", e))
            .ok()
            .flatten();
        let segment_id = optional_id(self.segment_id.as_deref(), "a segment")
            .map_err(|e| errors.insert("segment_id", e))
            .ok()
            .flatten();
        match name {
            Some(name) if errors.is_empty() => Ok(CampaignInput {
                name,
                objective,
                service_line,
                owner_id,
                starts_on,
                ends_on,
                channels,
                budget,
                segment_id,
            }),
            _ => Err(errors),
        }
    }
}

/// A cost line as typed.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct CostDraft {
    /// YYYY-MM-DD; today when blank.
    pub spent_on: Option<String>,
    pub category: Option<String>,
    /// "450" or "1,250.00".
    #[serde(default)]
    pub amount: String,
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CostInput {
    pub spent_on: NaiveDate,
    pub category: CostCategory,
    pub amount: Money,
    pub note: Option<String>,
}

impl CostDraft {
    pub fn validate(&self, today: NaiveDate) -> Result<CostInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let spent_on = optional_date(self.spent_on.as_deref())
            .map_err(|e| errors.insert("spent_on", e))
            .ok()
            .flatten()
            .unwrap_or(today);
        let category = self.category.as_deref().and_then(CostCategory::parse);
        if category.is_none() {
            errors.insert("category", "Choose what it paid for.".into());
        }
        let amount = match Money::parse(&self.amount) {
            Ok(m) if m.cents() == 0 => {
                errors.insert("amount", "Enter an amount above zero.".into());
                None
            }
            Ok(m) => Some(m),
            Err(e) => {
                errors.insert("amount", e);
                None
            }
        };
        let note = clean_optional(self.note.as_deref(), 500)
            .map_err(|e| errors.insert("note", e))
            .ok()
            .flatten();
        match (category, amount) {
            (Some(category), Some(amount)) if errors.is_empty() => Ok(CostInput {
                spent_on,
                category,
                amount,
                note,
            }),
            _ => Err(errors),
        }
    }
}

/// A KPI as typed.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct KpiDraft {
    /// What it says, e.g. "80% of target physicians reached".
    #[serde(default)]
    pub label: String,
    pub measure: Option<String>,
    #[schema(value_type = String)]
    pub target: Option<serde_json::Value>,
    #[schema(value_type = Option<String>)]
    pub baseline: Option<serde_json::Value>,
    /// Only for measures entered by hand.
    #[schema(value_type = Option<String>)]
    pub actual: Option<serde_json::Value>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct KpiInput {
    pub label: String,
    pub measure: KpiMeasure,
    /// Hundredths, so 12.5 is 1250.
    pub target: i64,
    pub baseline: Option<i64>,
    pub actual: Option<i64>,
}

/// A number with at most two decimals, as hundredths ("12.5" → 1250).
pub fn hundredths(v: &serde_json::Value) -> Result<i64, String> {
    let text = match v {
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) => s.trim().trim_end_matches('%').trim().to_string(),
        _ => return Err("Enter a number.".into()),
    };
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest.to_string()),
        None => (false, text.trim_start_matches('+').to_string()),
    };
    let m = Money::parse(&digits).map_err(|_| format!("“{text}” is not a number."))?;
    Ok(if negative { -m.cents() } else { m.cents() })
}

fn optional_hundredths(v: &Option<serde_json::Value>) -> Result<Option<i64>, String> {
    match v {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(v) => hundredths(v).map(Some),
    }
}

impl KpiDraft {
    pub fn validate(&self) -> Result<KpiInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let label = clean_required(&self.label, 200, "what the KPI says")
            .map_err(|e| errors.insert("label", e))
            .ok();
        let measure = self.measure.as_deref().and_then(KpiMeasure::parse);
        if measure.is_none() {
            errors.insert("measure", "Choose how it is measured.".into());
        }
        let target = match optional_hundredths(&self.target) {
            Ok(Some(t)) => Some(t),
            Ok(None) => {
                errors.insert("target", "Enter the target.".into());
                None
            }
            Err(e) => {
                errors.insert("target", e);
                None
            }
        };
        let baseline = optional_hundredths(&self.baseline)
            .map_err(|e| errors.insert("baseline", e))
            .ok()
            .flatten();
        let actual = optional_hundredths(&self.actual)
            .map_err(|e| errors.insert("actual", e))
            .ok()
            .flatten();
        if let (Some(m), Some(t)) = (measure, target)
            && m.is_percent()
            && m != KpiMeasure::ReferralLift
            && !(0..=10_000).contains(&t)
        {
            errors.insert("target", "A percentage target is between 0 and 100.".into());
        }
        if actual.is_some() && measure.is_some_and(|m| m != KpiMeasure::Manual) {
            errors.insert(
                "actual",
                "Rapport computes this measure; only hand-entered KPIs take an actual value."
                    .into(),
            );
        }
        match (label, measure, target) {
            (Some(label), Some(measure), Some(target)) if errors.is_empty() => Ok(KpiInput {
                label,
                measure,
                target,
                baseline,
                actual,
            }),
            _ => Err(errors),
        }
    }
}

/// Hundredths shown as a number: 1250 → "12.5", 8000 → "80".
pub fn show_hundredths(v: i64) -> String {
    let sign = if v < 0 { "-" } else { "" };
    let v = v.abs();
    match v % 100 {
        0 => format!("{sign}{}", v / 100),
        r if r % 10 == 0 => format!("{sign}{}.{}", v / 100, r / 10),
        r => format!("{sign}{}.{r:02}", v / 100),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(name: &str) -> CampaignDraft {
        CampaignDraft {
            name: name.into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_campaign_needs_only_a_name() {
        let c = draft("  OneCare launch ").validate().expect("valid");
        assert_eq!(c.name, "OneCare launch");
        assert!(c.channels.is_empty() && c.budget.is_none());
    }

    #[test]
    fn campaign_fields_are_checked_together() {
        let d = CampaignDraft {
            name: "".into(),
            starts_on: Some("2026-12-01".into()),
            ends_on: Some("2026-11-01".into()),
            channels: vec!["email".into(), "fax".into()],
            budget: Some("-5".into()),
            ..Default::default()
        };
        let e = d.validate().expect_err("invalid");
        assert!(e.contains_key("name"));
        assert!(e["ends_on"].contains("before it starts"));
        assert!(e["channels"].contains("fax"));
        assert!(e.contains_key("budget"));
    }

    #[test]
    fn channels_are_deduplicated_in_order() {
        let d = CampaignDraft {
            channels: vec!["Email".into(), "print".into(), "email".into(), " ".into()],
            ..draft("x")
        };
        assert_eq!(
            d.validate().expect("valid").channels,
            vec![CampaignChannel::Email, CampaignChannel::Print]
        );
    }

    #[test]
    fn status_moves_follow_the_life_of_a_campaign() {
        use CampaignStatus::*;
        assert!(Draft.can_move_to(Active));
        assert!(Active.can_move_to(Completed));
        assert!(!Active.can_move_to(Draft));
        assert!(!Completed.can_move_to(Planned));
        assert!(Archived.can_move_to(Draft));
        assert!(Planned.is_planning() && !Active.is_planning());
    }

    #[test]
    fn costs_need_a_category_and_a_positive_amount() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 29).expect("date");
        let ok = CostDraft {
            category: Some("meals".into()),
            amount: "420.50".into(),
            ..Default::default()
        }
        .validate(today)
        .expect("valid");
        assert_eq!(ok.amount, Money(42_050));
        assert_eq!(ok.spent_on, today);
        let e = CostDraft {
            amount: "0".into(),
            ..Default::default()
        }
        .validate(today)
        .expect_err("invalid");
        assert!(e.contains_key("category") && e["amount"].contains("above zero"));
    }

    #[test]
    fn kpis_take_percentages_and_refuse_actuals_rapport_computes() {
        let k = KpiDraft {
            label: "80% of target physicians reached".into(),
            measure: Some("reach".into()),
            target: Some(serde_json::json!("80%")),
            baseline: Some(serde_json::json!(35.5)),
            actual: None,
        }
        .validate()
        .expect("valid");
        assert_eq!((k.target, k.baseline), (8000, Some(3550)));
        let e = KpiDraft {
            label: "x".into(),
            measure: Some("reach".into()),
            target: Some(serde_json::json!("180")),
            baseline: None,
            actual: Some(serde_json::json!("3")),
        }
        .validate()
        .expect_err("invalid");
        assert!(e.contains_key("target") && e.contains_key("actual"));
        let lift = KpiDraft {
            label: "Referrals +15%".into(),
            measure: Some("referral_lift".into()),
            target: Some(serde_json::json!("-5")),
            ..Default::default()
        }
        .validate()
        .expect("a lift may be negative");
        assert_eq!(lift.target, -500);
    }

    #[test]
    fn hundredths_show_without_trailing_zeros() {
        assert_eq!(show_hundredths(8000), "80");
        assert_eq!(show_hundredths(1250), "12.5");
        assert_eq!(show_hundredths(1205), "12.05");
        assert_eq!(show_hundredths(-500), "-5");
    }
}
