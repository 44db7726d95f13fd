//! Affiliations: where a stakeholder works, leads or holds privileges, with dates.

use chrono::NaiveDate;
use serde::Deserialize;
use uuid::Uuid;

use super::text::{clean_optional, flag, optional_date, optional_id};
use crate::error::FieldErrors;

choice!(
    /// What a stakeholder is to an organization or facility.
    AffiliationRole {
        PracticesAt = "practices_at": "Practices at",
        EmployedBy = "employed_by": "Employed by",
        Owner = "owner": "Owner / partner",
        Privileges = "privileges": "Holds privileges at",
        MedicalDirector = "medical_director": "Medical director",
        Leadership = "leadership": "Leadership",
        BoardMember = "board_member": "Board member",
        Member = "member": "Member",
        Other = "other": "Other",
    }
);

/// The organization or facility an affiliation points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AffiliationTarget {
    Organization(Uuid),
    Facility(Uuid),
}

/// An affiliation as typed, before validation. Name exactly one of organization and facility.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct AffiliationDraft {
    pub organization_id: Option<String>,
    pub facility_id: Option<String>,
    /// practices_at, employed_by, owner, privileges, medical_director, leadership,
    /// board_member, member or other.
    #[serde(default)]
    pub role: String,
    /// Their title there, e.g. "Chief of Cardiology".
    pub title: Option<String>,
    /// Their main place of work.
    #[serde(default, deserialize_with = "flag")]
    #[schema(value_type = bool)]
    pub is_primary: bool,
    /// YYYY-MM-DD.
    pub starts_on: Option<String>,
    /// YYYY-MM-DD; blank while it lasts.
    pub ends_on: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AffiliationInput {
    pub target: AffiliationTarget,
    pub role: AffiliationRole,
    pub title: Option<String>,
    pub is_primary: bool,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
}

impl AffiliationDraft {
    pub fn validate(&self) -> Result<AffiliationInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let org = optional_id(self.organization_id.as_deref(), "an organization")
            .map_err(|e| errors.insert("organization_id", e))
            .ok()
            .flatten();
        let facility = optional_id(self.facility_id.as_deref(), "a facility")
            .map_err(|e| errors.insert("facility_id", e))
            .ok()
            .flatten();
        let target = match (org, facility) {
            (Some(o), None) => Some(AffiliationTarget::Organization(o)),
            (None, Some(f)) => Some(AffiliationTarget::Facility(f)),
            (Some(_), Some(_)) => {
                errors.insert(
                    "organization_id",
                    "Choose an organization or a facility, not both.".into(),
                );
                None
            }
            (None, None) => {
                if !errors.contains_key("organization_id") && !errors.contains_key("facility_id") {
                    errors.insert(
                        "organization_id",
                        "Choose the organization or facility.".into(),
                    );
                }
                None
            }
        };
        let role = AffiliationRole::parse(&self.role);
        if role.is_none() {
            errors.insert("role", "Choose a role from the list.".into());
        }
        let title = clean_optional(self.title.as_deref(), 200)
            .map_err(|e| errors.insert("title", e))
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
            errors.insert("ends_on", "The end comes before the start.".into());
        }
        match (target, role) {
            (Some(target), Some(role)) if errors.is_empty() => Ok(AffiliationInput {
                target,
                role,
                title,
                is_primary: self.is_primary,
                starts_on,
                ends_on,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_affiliation_names_exactly_one_place() {
        let id = Uuid::new_v4().to_string();
        let ok = AffiliationDraft {
            facility_id: Some(id.clone()),
            role: "privileges".into(),
            ..Default::default()
        }
        .validate()
        .expect("valid");
        assert!(matches!(ok.target, AffiliationTarget::Facility(_)));
        let both = AffiliationDraft {
            facility_id: Some(id.clone()),
            organization_id: Some(id),
            role: "privileges".into(),
            ..Default::default()
        }
        .validate()
        .expect_err("both");
        assert!(both.contains_key("organization_id"));
        let neither = AffiliationDraft::default().validate().expect_err("neither");
        assert!(neither.contains_key("organization_id") && neither.contains_key("role"));
    }

    #[test]
    fn dates_must_be_real_and_in_order() {
        let errors = AffiliationDraft {
            organization_id: Some(Uuid::new_v4().to_string()),
            role: "practices_at".into(),
            starts_on: Some("2024-05-01".into()),
            ends_on: Some("2023-01-01".into()),
            ..Default::default()
        }
        .validate()
        .expect_err("order");
        assert!(errors.contains_key("ends_on"));
        let errors = AffiliationDraft {
            organization_id: Some(Uuid::new_v4().to_string()),
            role: "practices_at".into(),
            starts_on: Some("2024-02-30".into()),
            ..Default::default()
        }
        .validate()
        .expect_err("date");
        assert!(errors.contains_key("starts_on"));
    }
}
