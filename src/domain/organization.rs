//! Organizations: the practices, groups, plans, employers and partners stakeholders work in.

use serde::Deserialize;

use super::npi::Npi;
use super::text::{clean_optional, clean_required};
use crate::error::FieldErrors;

/// What an organization is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrganizationKind {
    Practice,
    MedicalGroup,
    HealthPlan,
    Employer,
    School,
    Community,
    Other,
}

impl OrganizationKind {
    pub const ALL: &'static [OrganizationKind] = &[
        Self::Practice,
        Self::MedicalGroup,
        Self::HealthPlan,
        Self::Employer,
        Self::School,
        Self::Community,
        Self::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Practice => "practice",
            Self::MedicalGroup => "medical_group",
            Self::HealthPlan => "health_plan",
            Self::Employer => "employer",
            Self::School => "school",
            Self::Community => "community",
            Self::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Practice => "Physician practice",
            Self::MedicalGroup => "Medical group",
            Self::HealthPlan => "Health plan",
            Self::Employer => "Employer",
            Self::School => "School",
            Self::Community => "Community organization",
            Self::Other => "Other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.as_str() == s.trim())
    }
}

/// An organization as typed into a form or JSON, before validation.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct OrganizationDraft {
    #[serde(default)]
    pub name: String,
    /// practice, medical_group, health_plan, employer, school, community or other.
    #[serde(default)]
    pub kind: String,
    /// The parent organization's id, e.g. the medical group a practice belongs to.
    pub parent_id: Option<String>,
    /// The organization's own NPI (type 2), if it has one.
    pub npi: Option<String>,
    pub address_line: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub postal_code: Option<String>,
    pub phone: Option<String>,
    pub website: Option<String>,
}

/// The validated fields of an organization.
#[derive(Clone, Debug, PartialEq)]
pub struct OrganizationInput {
    pub name: String,
    pub kind: OrganizationKind,
    pub parent_id: Option<uuid::Uuid>,
    pub npi: Option<Npi>,
    pub address_line: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub postal_code: Option<String>,
    pub phone: Option<String>,
    pub website: Option<String>,
}

impl OrganizationDraft {
    pub fn validate(&self) -> Result<OrganizationInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = clean_required(&self.name, 200, "the organization's name")
            .map_err(|e| errors.insert("name", e))
            .ok();
        let kind = if self.kind.trim().is_empty() {
            Some(OrganizationKind::Practice)
        } else {
            OrganizationKind::parse(&self.kind).or_else(|| {
                errors.insert("kind", "Choose a kind from the list.".into());
                None
            })
        };
        let parent_id = match self
            .parent_id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(p) => uuid::Uuid::parse_str(p)
                .map_err(|_| errors.insert("parent_id", "Choose a parent from the list.".into()))
                .ok(),
        };
        let npi = match self.npi.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(n) => Npi::parse(n)
                .map_err(|e| errors.insert("npi", e.into()))
                .ok(),
        };
        let mut opt = |field: &'static str, value: &Option<String>, max: usize| {
            clean_optional(value.as_deref(), max)
                .map_err(|e| errors.insert(field, e))
                .ok()
                .flatten()
        };
        let address_line = opt("address_line", &self.address_line, 200);
        let city = opt("city", &self.city, 100);
        let state = opt("state", &self.state, 2).map(|s| s.to_ascii_uppercase());
        let postal_code = opt("postal_code", &self.postal_code, 10);
        let phone = opt("phone", &self.phone, 30);
        let website = opt("website", &self.website, 200);
        if state
            .as_deref()
            .is_some_and(|s| s.len() != 2 || !s.chars().all(|c| c.is_ascii_alphabetic()))
        {
            errors.insert("state", "Use the two-letter code, like OR or NY.".into());
        }
        if phone.as_deref().is_some_and(|p| !super::valid_phone(p)) {
            errors.insert(
                "phone",
                "Use digits, spaces and + - ( ) only, like (503) 555-0100.".into(),
            );
        }
        if website.as_deref().is_some_and(|w| {
            !(w.starts_with("https://") || w.starts_with("http://"))
                || w.contains(char::is_whitespace)
        }) {
            errors.insert("website", "Start the address with https://".into());
        }
        match (name, kind) {
            (Some(name), Some(kind)) if errors.is_empty() => Ok(OrganizationInput {
                name,
                kind,
                parent_id,
                npi,
                address_line,
                city,
                state,
                postal_code,
                phone,
                website,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_named_practice_is_valid() {
        let o = OrganizationDraft {
            name: " Westside Cardiology ".into(),
            ..Default::default()
        }
        .validate()
        .expect("valid");
        assert_eq!(o.name, "Westside Cardiology");
        assert_eq!(o.kind, OrganizationKind::Practice);
    }

    #[test]
    fn bad_fields_each_get_a_message() {
        let e = OrganizationDraft {
            name: "".into(),
            kind: "castle".into(),
            parent_id: Some("nope".into()),
            npi: Some("123".into()),
            website: Some("example.org".into()),
            ..Default::default()
        }
        .validate()
        .expect_err("invalid");
        for f in ["name", "kind", "parent_id", "npi", "website"] {
            assert!(e.contains_key(f), "{f}");
        }
    }
}
