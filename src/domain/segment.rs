//! Audience segments: a saved definition over stakeholders. Every condition that is set must
//! hold (AND); the values within one condition are alternatives (OR). Do-not-contact people
//! are left out unless the segment says otherwise.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::text::{clean_optional, clean_required, flag, list};
use super::{Stage, StakeholderKind, Tier};
use crate::error::FieldErrors;

/// The conditions of a segment, as stored (`segments.definition`) and evaluated.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct SegmentDefinition {
    /// Stakeholder kinds (physician, advanced_practice, ...).
    pub kinds: Vec<String>,
    /// NUCC taxonomy codes (specialties).
    pub taxonomy_codes: Vec<String>,
    /// Current affiliation with one of these organizations.
    pub organization_ids: Vec<Uuid>,
    /// Current affiliation with one of these facilities.
    pub facility_ids: Vec<Uuid>,
    /// Two-letter states of a current place of work (organization or facility address).
    pub states: Vec<String>,
    /// Cities of a current place of work.
    pub cities: Vec<String>,
    /// ZIP codes or their first three digits, of a current place of work.
    pub zips: Vec<String>,
    /// A, B, C.
    pub tiers: Vec<String>,
    /// Any of these tags.
    pub tags: Vec<String>,
    /// Champion stages.
    pub stages: Vec<String>,
    /// Current relationship managers (primary or secondary).
    pub manager_ids: Vec<Uuid>,
    /// Include people marked do-not-contact (left out by default).
    pub include_do_not_contact: bool,
}

/// A segment as typed: name, description and the conditions, each list as a JSON array or
/// one comma-separated string.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct SegmentDraft {
    #[serde(default)]
    pub name: String,
    pub description: Option<String>,
    #[serde(default, deserialize_with = "list")]
    pub kinds: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub taxonomy_codes: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub organization_ids: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub facility_ids: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub states: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub cities: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub zips: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub tiers: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub tags: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub stages: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub manager_ids: Vec<String>,
    #[serde(default, deserialize_with = "flag")]
    pub include_do_not_contact: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SegmentInput {
    pub name: String,
    pub description: Option<String>,
    pub definition: SegmentDefinition,
}

const MAX_VALUES: usize = 200;

fn nonblank(v: &[String]) -> impl Iterator<Item = &str> {
    v.iter().map(|s| s.trim()).filter(|s| !s.is_empty())
}

fn push_unique(out: &mut Vec<String>, v: String) {
    if !out.contains(&v) {
        out.push(v);
    }
}

/// Keys of a closed choice, each checked by `parse`.
fn keys(
    values: &[String],
    field: &'static str,
    what: &str,
    parse: impl Fn(&str) -> Option<&'static str>,
    errors: &mut FieldErrors,
) -> Vec<String> {
    let mut out = Vec::new();
    for v in nonblank(values) {
        match parse(v) {
            Some(k) => push_unique(&mut out, k.to_string()),
            None => {
                errors.insert(field, format!("“{v}” is not {what}."));
            }
        }
    }
    out
}

fn ids(values: &[String], field: &'static str, what: &str, errors: &mut FieldErrors) -> Vec<Uuid> {
    let mut out = Vec::new();
    for v in nonblank(values) {
        match Uuid::parse_str(v) {
            Ok(id) if !out.contains(&id) => out.push(id),
            Ok(_) => {}
            Err(_) => {
                errors.insert(field, format!("Choose {what} from the list."));
            }
        }
    }
    out
}

impl SegmentDraft {
    pub fn validate(&self) -> Result<SegmentInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = clean_required(&self.name, 120, "a segment name")
            .map_err(|e| errors.insert("name", e))
            .ok();
        let description = clean_optional(self.description.as_deref(), 1000)
            .map_err(|e| errors.insert("description", e))
            .ok()
            .flatten();
        let kinds = keys(
            &self.kinds,
            "kinds",
            "a kind of stakeholder",
            |v| StakeholderKind::parse(v).map(StakeholderKind::as_str),
            &mut errors,
        );
        let tiers = keys(
            &self.tiers,
            "tiers",
            "a tier (A, B or C)",
            |v| Tier::parse(v).map(Tier::as_str),
            &mut errors,
        );
        let stages = keys(
            &self.stages,
            "stages",
            "a champion stage",
            |v| Stage::parse(v).map(Stage::as_str),
            &mut errors,
        );
        let mut taxonomy_codes = Vec::new();
        for v in nonblank(&self.taxonomy_codes) {
            let code = v.to_ascii_uppercase();
            if code.len() == 10 && code.chars().all(|c| c.is_ascii_alphanumeric()) {
                push_unique(&mut taxonomy_codes, code);
            } else {
                errors.insert(
                    "taxonomy_codes",
                    format!(
                        "“{v}” is not a taxonomy code (10 letters and digits, like 207RC0000X)."
                    ),
                );
            }
        }
        let mut states = Vec::new();
        for v in nonblank(&self.states) {
            if v.len() == 2 && v.chars().all(|c| c.is_ascii_alphabetic()) {
                push_unique(&mut states, v.to_ascii_uppercase());
            } else {
                errors.insert("states", format!("“{v}” is not a two-letter state."));
            }
        }
        let mut cities = Vec::new();
        for v in nonblank(&self.cities) {
            if v.chars().count() > 80 || v.chars().any(char::is_control) {
                errors.insert("cities", format!("“{v}” is not a city name."));
            } else {
                push_unique(&mut cities, v.to_lowercase());
            }
        }
        let mut zips = Vec::new();
        for v in nonblank(&self.zips) {
            let digits: String = v.chars().take_while(|c| *c != '-').collect();
            if (digits.len() == 3 || digits.len() == 5)
                && digits.chars().all(|c| c.is_ascii_digit())
            {
                push_unique(&mut zips, digits);
            } else {
                errors.insert(
                    "zips",
                    format!("“{v}” is not a ZIP code (5 digits) or ZIP prefix (3 digits)."),
                );
            }
        }
        let tags = match super::clean_tags(&self.tags) {
            Ok(t) => t.into_iter().map(|t| t.to_lowercase()).collect(),
            Err(e) => {
                errors.insert("tags", e);
                Vec::new()
            }
        };
        let definition = SegmentDefinition {
            kinds,
            taxonomy_codes,
            organization_ids: ids(
                &self.organization_ids,
                "organization_ids",
                "an organization",
                &mut errors,
            ),
            facility_ids: ids(
                &self.facility_ids,
                "facility_ids",
                "a facility",
                &mut errors,
            ),
            states,
            cities,
            zips,
            tiers,
            tags,
            stages,
            manager_ids: ids(
                &self.manager_ids,
                "manager_ids",
                "a relationship manager",
                &mut errors,
            ),
            include_do_not_contact: self.include_do_not_contact,
        };
        for (field, n) in definition.sizes() {
            if n > MAX_VALUES {
                errors.insert(field, format!("Use at most {MAX_VALUES} values."));
            }
        }
        match name {
            Some(name) if errors.is_empty() => Ok(SegmentInput {
                name,
                description,
                definition,
            }),
            _ => Err(errors),
        }
    }

    /// The draft that shows a stored segment in its form.
    pub fn from_definition(name: &str, description: Option<&str>, d: &SegmentDefinition) -> Self {
        let strings = |v: &[Uuid]| v.iter().map(Uuid::to_string).collect();
        SegmentDraft {
            name: name.into(),
            description: description.map(Into::into),
            kinds: d.kinds.clone(),
            taxonomy_codes: d.taxonomy_codes.clone(),
            organization_ids: strings(&d.organization_ids),
            facility_ids: strings(&d.facility_ids),
            states: d.states.clone(),
            cities: d.cities.clone(),
            zips: d.zips.clone(),
            tiers: d.tiers.clone(),
            tags: d.tags.clone(),
            stages: d.stages.clone(),
            manager_ids: strings(&d.manager_ids),
            include_do_not_contact: d.include_do_not_contact,
        }
    }
}

impl SegmentDefinition {
    fn sizes(&self) -> [(&'static str, usize); 11] {
        [
            ("kinds", self.kinds.len()),
            ("taxonomy_codes", self.taxonomy_codes.len()),
            ("organization_ids", self.organization_ids.len()),
            ("facility_ids", self.facility_ids.len()),
            ("states", self.states.len()),
            ("cities", self.cities.len()),
            ("zips", self.zips.len()),
            ("tiers", self.tiers.len()),
            ("tags", self.tags.len()),
            ("stages", self.stages.len()),
            ("manager_ids", self.manager_ids.len()),
        ]
    }

    /// Whether no condition is set (the segment is every stakeholder who may be contacted).
    pub fn is_everyone(&self) -> bool {
        self.sizes().iter().all(|(_, n)| *n == 0)
    }

    /// The ZIP conditions split into whole codes and three-digit prefixes.
    pub fn zip_parts(&self) -> (Vec<String>, Vec<String>) {
        self.zips.iter().cloned().partition(|z| z.len() == 5)
    }

    /// The conditions in words, for lists and the campaign page ("Physician · Tier A, B · CA").
    /// Names of organizations, facilities, specialties and managers come from `names`.
    pub fn summary(&self, names: &dyn Fn(&str, &str) -> String) -> String {
        let mut parts: Vec<String> = Vec::new();
        let label = |k: &str| {
            StakeholderKind::parse(k)
                .map(StakeholderKind::label)
                .unwrap_or("?")
                .to_string()
        };
        if !self.kinds.is_empty() {
            parts.push(
                self.kinds
                    .iter()
                    .map(|k| label(k))
                    .collect::<Vec<_>>()
                    .join(" or "),
            );
        }
        let named = |kind: &str, values: &[String]| {
            values
                .iter()
                .map(|v| names(kind, v))
                .collect::<Vec<_>>()
                .join(" or ")
        };
        if !self.taxonomy_codes.is_empty() {
            parts.push(named("taxonomy", &self.taxonomy_codes));
        }
        let ids = |v: &[Uuid]| v.iter().map(Uuid::to_string).collect::<Vec<_>>();
        if !self.organization_ids.is_empty() {
            parts.push(format!(
                "at {}",
                named("organization", &ids(&self.organization_ids))
            ));
        }
        if !self.facility_ids.is_empty() {
            parts.push(format!(
                "at {}",
                named("facility", &ids(&self.facility_ids))
            ));
        }
        if !self.states.is_empty() {
            parts.push(self.states.join(" or "));
        }
        if !self.cities.is_empty() {
            parts.push(format!("in {}", self.cities.join(" or ")));
        }
        if !self.zips.is_empty() {
            parts.push(format!("ZIP {}", self.zips.join(", ")));
        }
        if !self.tiers.is_empty() {
            parts.push(format!("Tier {}", self.tiers.join(", ")));
        }
        if !self.tags.is_empty() {
            parts.push(format!("tagged {}", self.tags.join(" or ")));
        }
        if !self.stages.is_empty() {
            let stages: Vec<&str> = self
                .stages
                .iter()
                .filter_map(|s| Stage::parse(s).map(Stage::label))
                .collect();
            parts.push(stages.join(" or "));
        }
        if !self.manager_ids.is_empty() {
            parts.push(format!(
                "managed by {}",
                named("user", &ids(&self.manager_ids))
            ));
        }
        if parts.is_empty() {
            parts.push("Every active stakeholder".into());
        }
        if self.include_do_not_contact {
            parts.push("do-not-contact included".into());
        }
        parts.join(" · ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_segment_reads_lists_and_normalises_values() {
        let d = SegmentDraft {
            name: "Cardiology A-tier, Bay Area".into(),
            kinds: vec!["Physician".into()],
            taxonomy_codes: vec!["207rc0000x".into()],
            states: vec!["ca".into(), "CA".into()],
            cities: vec![" San Mateo ".into()],
            zips: vec!["94401-1234".into(), "940".into()],
            tiers: vec!["a".into(), "B".into()],
            tags: vec!["OneCare".into(), "onecare".into()],
            stages: vec!["champion".into()],
            ..Default::default()
        };
        let s = d.validate().expect("valid");
        let def = s.definition;
        assert_eq!(def.kinds, vec!["physician"]);
        assert_eq!(def.taxonomy_codes, vec!["207RC0000X"]);
        assert_eq!(def.states, vec!["CA"]);
        assert_eq!(def.cities, vec!["san mateo"]);
        assert_eq!(
            def.zip_parts(),
            (vec!["94401".to_string()], vec!["940".to_string()])
        );
        assert_eq!(def.tiers, vec!["A", "B"]);
        assert_eq!(def.tags, vec!["onecare"]);
        assert!(!def.is_everyone());
    }

    #[test]
    fn bad_values_name_the_value() {
        let d = SegmentDraft {
            name: "x".into(),
            kinds: vec!["surgeon".into()],
            states: vec!["Calif".into()],
            zips: vec!["9440".into()],
            tiers: vec!["D".into()],
            organization_ids: vec!["acme".into()],
            ..Default::default()
        };
        let e = d.validate().expect_err("invalid");
        assert!(e["kinds"].contains("surgeon"));
        assert!(e["states"].contains("Calif"));
        assert!(e["zips"].contains("9440"));
        assert!(e["tiers"].contains("D"));
        assert!(e.contains_key("organization_ids"));
    }

    #[test]
    fn an_empty_definition_is_everyone_who_may_be_contacted() {
        let def = SegmentDefinition::default();
        assert!(def.is_everyone());
        assert_eq!(
            def.summary(&|_, v| v.to_string()),
            "Every active stakeholder"
        );
    }

    #[test]
    fn the_summary_names_each_condition() {
        let def = SegmentDefinition {
            kinds: vec!["physician".into()],
            taxonomy_codes: vec!["207RC0000X".into()],
            tiers: vec!["A".into()],
            states: vec!["CA".into()],
            ..Default::default()
        };
        let s = def.summary(&|kind, v| {
            if kind == "taxonomy" && v == "207RC0000X" {
                "Cardiovascular Disease".into()
            } else {
                v.into()
            }
        });
        assert_eq!(s, "Physician · Cardiovascular Disease · CA · Tier A");
    }

    #[test]
    fn definitions_round_trip_through_json_and_the_form() {
        let def = SegmentDefinition {
            tags: vec!["onecare".into()],
            manager_ids: vec![Uuid::nil()],
            include_do_not_contact: true,
            ..Default::default()
        };
        let json = serde_json::to_value(&def).expect("json");
        let back: SegmentDefinition = serde_json::from_value(json).expect("back");
        assert_eq!(back, def);
        let again = SegmentDraft::from_definition("n", None, &def)
            .validate()
            .expect("valid");
        assert_eq!(again.definition, def);
    }
}
