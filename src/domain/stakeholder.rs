//! Stakeholders: the people a health system cares about, and the rules for their fields.

use serde::Deserialize;

use super::npi::Npi;
use super::text::{Email, clean_optional, clean_required, flag, list};
use crate::error::FieldErrors;

choice!(
    /// What kind of person a stakeholder is.
    StakeholderKind {
        Physician = "physician": "Physician",
        AdvancedPractice = "advanced_practice": "Advanced practice clinician",
        ClinicalStaff = "clinical_staff": "Nurse / clinical staff",
        Executive = "executive": "Executive",
        Staff = "staff": "Staff",
        CommunityLeader = "community_leader": "Community leader",
    }
);

choice!(
    /// Priority tier: A gets the most attention.
    Tier {
        A = "A": "Tier A",
        B = "B": "Tier B",
        C = "C": "Tier C",
    }
);

choice!(
    /// How a stakeholder prefers to be reached.
    Channel {
        Email = "email": "Email",
        Phone = "phone": "Phone call",
        Text = "text": "Text message",
        Visit = "visit": "In-person visit",
        Mail = "mail": "Mail",
        Portal = "portal": "Provider portal",
    }
);

/// A stakeholder as typed into a form or JSON, before validation.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct StakeholderDraft {
    /// physician, advanced_practice, clinical_staff, executive, staff or community_leader.
    #[serde(default)]
    pub kind: String,
    pub prefix: Option<String>,
    #[serde(default)]
    pub first_name: String,
    pub middle_name: Option<String>,
    #[serde(default)]
    pub last_name: String,
    pub suffix: Option<String>,
    /// E.g. "MD, FACC".
    pub credentials: Option<String>,
    /// Ten digits with a valid check digit.
    pub npi: Option<String>,
    /// A NUCC taxonomy code, e.g. 207RC0000X (Cardiovascular Disease).
    pub taxonomy_code: Option<String>,
    #[serde(default, deserialize_with = "list")]
    #[schema(value_type = Vec<String>)]
    pub emails: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    #[schema(value_type = Vec<String>)]
    pub phones: Vec<String>,
    /// email, phone, text, visit, mail or portal.
    pub preferred_channel: Option<String>,
    pub best_contact_times: Option<String>,
    #[serde(default, deserialize_with = "flag")]
    #[schema(value_type = bool)]
    pub do_not_contact: bool,
    /// A, B or C.
    pub tier: Option<String>,
    #[serde(default, deserialize_with = "list")]
    #[schema(value_type = Vec<String>)]
    pub tags: Vec<String>,
}

/// The validated fields of a stakeholder.
#[derive(Clone, Debug, PartialEq)]
pub struct StakeholderInput {
    pub kind: StakeholderKind,
    pub prefix: Option<String>,
    pub first_name: String,
    pub middle_name: Option<String>,
    pub last_name: String,
    pub suffix: Option<String>,
    pub credentials: Option<String>,
    pub npi: Option<Npi>,
    pub taxonomy_code: Option<String>,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    pub preferred_channel: Option<Channel>,
    pub best_contact_times: Option<String>,
    pub do_not_contact: bool,
    pub tier: Option<Tier>,
    pub tags: Vec<String>,
}

/// A phone number: digits with the usual punctuation, at least 7 digits.
pub fn valid_phone(p: &str) -> bool {
    p.chars().filter(char::is_ascii_digit).count() >= 7
        && p.chars()
            .all(|c| c.is_ascii_digit() || " +-().x".contains(c))
}

/// Trims tags, drops empties and case-insensitive repeats, keeps the first spelling.
pub fn clean_tags(tags: &[String]) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for t in tags.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        if t.chars().count() > 40 {
            return Err(format!("Tags have at most 40 characters; “{t}” is longer."));
        }
        if !out.iter().any(|o| o.eq_ignore_ascii_case(t)) {
            out.push(t.to_string());
        }
    }
    if out.len() > 20 {
        return Err("Use at most 20 tags.".into());
    }
    Ok(out)
}

impl StakeholderDraft {
    /// Checks every field; on failure returns a message per field.
    pub fn validate(&self) -> Result<StakeholderInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let kind = match StakeholderKind::parse(&self.kind) {
            Some(k) => Some(k),
            None if self.kind.trim().is_empty() => Some(StakeholderKind::Physician),
            None => {
                errors.insert("kind", "Choose a kind from the list.".into());
                None
            }
        };
        let mut opt = |field: &'static str, value: &Option<String>, max: usize| {
            clean_optional(value.as_deref(), max)
                .map_err(|e| errors.insert(field, e))
                .ok()
                .flatten()
        };
        let prefix = opt("prefix", &self.prefix, 20);
        let middle_name = opt("middle_name", &self.middle_name, 100);
        let suffix = opt("suffix", &self.suffix, 20);
        let credentials = opt("credentials", &self.credentials, 100);
        let best_contact_times = opt("best_contact_times", &self.best_contact_times, 200);
        let first_name = clean_required(&self.first_name, 100, "a first name")
            .map_err(|e| errors.insert("first_name", e))
            .ok();
        let last_name = clean_required(&self.last_name, 100, "a last name")
            .map_err(|e| errors.insert("last_name", e))
            .ok();
        let npi = match self.npi.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(n) => Npi::parse(n)
                .map_err(|e| errors.insert("npi", e.into()))
                .ok(),
        };
        let taxonomy_code = match self
            .taxonomy_code
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(c) => {
                let c = c.to_ascii_uppercase();
                if c.len() == 10
                    && c.ends_with('X')
                    && c.chars().all(|ch| ch.is_ascii_alphanumeric())
                {
                    Some(c)
                } else {
                    errors.insert("taxonomy_code", "Choose a specialty from the list.".into());
                    None
                }
            }
        };
        let mut emails = Vec::new();
        for e in self
            .emails
            .iter()
            .map(|e| e.trim())
            .filter(|e| !e.is_empty())
        {
            match Email::parse(e) {
                Ok(email) if !emails.contains(&email.as_str().to_string()) => {
                    emails.push(email.as_str().to_string())
                }
                Ok(_) => {}
                Err(_) => {
                    errors.insert(
                        "emails",
                        format!("“{e}” is not an email address like name@example.org."),
                    );
                }
            }
        }
        let mut phones = Vec::new();
        for p in self
            .phones
            .iter()
            .map(|p| p.trim())
            .filter(|p| !p.is_empty())
        {
            if valid_phone(p) {
                phones.push(p.to_string());
            } else {
                errors.insert(
                    "phones",
                    format!("“{p}” is not a phone number; use digits, spaces and + - ( )."),
                );
            }
        }
        if emails.len() > 5 || phones.len() > 5 {
            errors.insert(
                "emails",
                "Keep at most 5 emails and 5 phone numbers.".into(),
            );
        }
        let preferred_channel = match self
            .preferred_channel
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(c) => Channel::parse(c).or_else(|| {
                errors.insert(
                    "preferred_channel",
                    "Choose a channel from the list.".into(),
                );
                None
            }),
        };
        let tier = match self
            .tier
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(t) => Tier::parse(t).or_else(|| {
                errors.insert("tier", "Choose tier A, B or C.".into());
                None
            }),
        };
        let tags = clean_tags(&self.tags)
            .map_err(|e| errors.insert("tags", e))
            .unwrap_or_default();
        match (kind, first_name, last_name) {
            (Some(kind), Some(first_name), Some(last_name)) if errors.is_empty() => {
                Ok(StakeholderInput {
                    kind,
                    prefix,
                    first_name,
                    middle_name,
                    last_name,
                    suffix,
                    credentials,
                    npi,
                    taxonomy_code,
                    emails,
                    phones,
                    preferred_channel,
                    best_contact_times,
                    do_not_contact: self.do_not_contact,
                    tier,
                    tags,
                })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> StakeholderDraft {
        StakeholderDraft {
            kind: "physician".into(),
            first_name: " Ana ".into(),
            last_name: "Ruiz".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_minimal_physician_is_valid() {
        let s = draft().validate().expect("valid");
        assert_eq!(s.first_name, "Ana");
        assert_eq!(s.kind, StakeholderKind::Physician);
        assert!(s.npi.is_none() && s.tags.is_empty());
    }

    #[test]
    fn form_text_lists_are_split_and_cleaned() {
        let d: StakeholderDraft = serde_json::from_value(serde_json::json!({
            "first_name": "Ana", "last_name": "Ruiz",
            "emails": "ana@clinic.org, ANA@clinic.org", "tags": "Cardiology; cardiology,  key  ",
            "do_not_contact": "on"
        }))
        .expect("draft");
        let s = d.validate().expect("valid");
        assert_eq!(s.emails, vec!["ana@clinic.org"]);
        assert_eq!(s.tags, vec!["Cardiology", "key"]);
        assert!(s.do_not_contact);
    }

    #[test]
    fn every_bad_field_gets_its_own_message() {
        let errors = StakeholderDraft {
            kind: "wizard".into(),
            first_name: "".into(),
            npi: Some("1234567890".into()),
            taxonomy_code: Some("cardio".into()),
            emails: vec!["nope".into()],
            phones: vec!["call me".into()],
            tier: Some("D".into()),
            preferred_channel: Some("pigeon".into()),
            ..draft()
        }
        .validate()
        .expect_err("invalid");
        for field in [
            "kind",
            "first_name",
            "npi",
            "taxonomy_code",
            "emails",
            "phones",
            "tier",
            "preferred_channel",
        ] {
            assert!(errors.contains_key(field), "{field}");
        }
    }
}
