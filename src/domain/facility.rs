//! Kinds of facility a health system runs.

use serde::{Deserialize, Serialize};

/// What a facility is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FacilityKind {
    Hospital,
    Clinic,
    AmbulatorySurgery,
    UrgentCare,
    Imaging,
    Laboratory,
    Rehabilitation,
    Other,
}

impl FacilityKind {
    pub const ALL: [FacilityKind; 8] = [
        FacilityKind::Hospital,
        FacilityKind::Clinic,
        FacilityKind::AmbulatorySurgery,
        FacilityKind::UrgentCare,
        FacilityKind::Imaging,
        FacilityKind::Laboratory,
        FacilityKind::Rehabilitation,
        FacilityKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FacilityKind::Hospital => "hospital",
            FacilityKind::Clinic => "clinic",
            FacilityKind::AmbulatorySurgery => "ambulatory_surgery",
            FacilityKind::UrgentCare => "urgent_care",
            FacilityKind::Imaging => "imaging",
            FacilityKind::Laboratory => "laboratory",
            FacilityKind::Rehabilitation => "rehabilitation",
            FacilityKind::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            FacilityKind::Hospital => "Hospital",
            FacilityKind::Clinic => "Clinic",
            FacilityKind::AmbulatorySurgery => "Ambulatory surgery center",
            FacilityKind::UrgentCare => "Urgent care",
            FacilityKind::Imaging => "Imaging center",
            FacilityKind::Laboratory => "Laboratory",
            FacilityKind::Rehabilitation => "Rehabilitation",
            FacilityKind::Other => "Other",
        }
    }

    pub fn parse(s: &str) -> Option<FacilityKind> {
        FacilityKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
    }
}

/// The validated fields of a facility.
#[derive(Clone, Debug)]
pub struct FacilityInput {
    pub name: String,
    pub kind: FacilityKind,
    pub address_line: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub postal_code: Option<String>,
    pub phone: Option<String>,
    pub active: bool,
}

/// A facility as typed into a form or JSON, before validation.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct FacilityDraft {
    pub name: String,
    /// One of hospital, clinic, ambulatory_surgery, urgent_care, imaging, laboratory,
    /// rehabilitation, other. Defaults to other.
    #[serde(default)]
    pub kind: String,
    pub address_line: Option<String>,
    pub city: Option<String>,
    /// Two-letter US state or territory code.
    pub state: Option<String>,
    pub postal_code: Option<String>,
    pub phone: Option<String>,
}

impl FacilityDraft {
    /// Checks every field; on failure returns a message per field.
    pub fn validate(&self, active: bool) -> Result<FacilityInput, crate::error::FieldErrors> {
        use super::text::{clean_optional, clean_required};
        let mut errors = crate::error::FieldErrors::new();
        let name = clean_required(&self.name, 200, "the facility's name")
            .map_err(|e| errors.insert("name", e))
            .ok();
        let kind = if self.kind.trim().is_empty() {
            Some(FacilityKind::Other)
        } else {
            FacilityKind::parse(&self.kind).or_else(|| {
                errors.insert("kind", "Choose a kind from the list.".into());
                None
            })
        };
        let address_line = clean_optional(self.address_line.as_deref(), 200)
            .map_err(|e| errors.insert("address_line", e))
            .ok()
            .flatten();
        let city = clean_optional(self.city.as_deref(), 100)
            .map_err(|e| errors.insert("city", e))
            .ok()
            .flatten();
        let state = match clean_optional(self.state.as_deref(), 2) {
            Ok(Some(s)) if s.chars().all(|c| c.is_ascii_alphabetic()) && s.len() == 2 => {
                Some(s.to_ascii_uppercase())
            }
            Ok(None) => None,
            _ => {
                errors.insert("state", "Use the two-letter code, like OR or NY.".into());
                None
            }
        };
        let postal_code = match clean_optional(self.postal_code.as_deref(), 10) {
            Ok(Some(z)) if is_zip(&z) => Some(z),
            Ok(None) => None,
            _ => {
                errors.insert(
                    "postal_code",
                    "Use a ZIP code like 97201 or 97201-1234.".into(),
                );
                None
            }
        };
        let phone = match clean_optional(self.phone.as_deref(), 30) {
            Ok(Some(p)) if super::valid_phone(&p) => Some(p),
            Ok(None) => None,
            _ => {
                errors.insert(
                    "phone",
                    "Use digits, spaces and + - ( ) only, like (503) 555-0100.".into(),
                );
                None
            }
        };
        match (name, kind) {
            (Some(name), Some(kind)) if errors.is_empty() => Ok(FacilityInput {
                name,
                kind,
                address_line,
                city,
                state,
                postal_code,
                phone,
                active,
            }),
            _ => Err(errors),
        }
    }
}

fn is_zip(z: &str) -> bool {
    let b = z.as_bytes();
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    (b.len() == 5 && digits(b))
        || (b.len() == 10 && digits(&b[..5]) && b[5] == b'-' && digits(&b[6..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(name: &str) -> FacilityDraft {
        FacilityDraft {
            name: name.into(),
            kind: "clinic".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_named_facility_is_valid_and_trimmed() {
        let f = FacilityDraft {
            state: Some("or".into()),
            postal_code: Some("97201".into()),
            ..draft("  Riverside Clinic ")
        }
        .validate(true)
        .expect("valid");
        assert_eq!(f.name, "Riverside Clinic");
        assert_eq!(f.state.as_deref(), Some("OR"));
        assert_eq!(f.kind, FacilityKind::Clinic);
    }

    #[test]
    fn every_bad_field_gets_its_own_message() {
        let errors = FacilityDraft {
            kind: "castle".into(),
            state: Some("Oregon".into()),
            postal_code: Some("9720".into()),
            phone: Some("call me".into()),
            ..draft(" ")
        }
        .validate(true)
        .expect_err("invalid");
        for field in ["name", "kind", "state", "postal_code", "phone"] {
            assert!(errors.contains_key(field), "{field} should have an error");
        }
    }
}
