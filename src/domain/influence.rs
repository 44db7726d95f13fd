//! Influence links: one stakeholder influences another.

use serde::Deserialize;

use super::text::{clean_optional, optional_id};
use crate::error::FieldErrors;

choice!(
    /// How A influences B.
    InfluenceKind {
        RefersTo = "refers_to": "Refers patients to",
        OpinionLeader = "opinion_leader": "Opinion leader for",
        Peer = "peer": "Peer of",
        FamilyFriend = "family_friend": "Family or friend of",
    }
);

choice!(
    /// Where a link came from.
    InfluenceSource {
        Entered = "entered": "Entered",
        Referrals = "referrals": "From referral data",
    }
);

/// A link as typed. `from_id` influences `to_id`.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct InfluenceDraft {
    pub from_id: Option<String>,
    pub to_id: Option<String>,
    /// refers_to, opinion_leader, peer or family_friend.
    #[serde(default)]
    pub kind: String,
    /// 1 (slight) to 5 (decisive).
    #[schema(value_type = Option<i16>)]
    pub strength: Option<serde_json::Value>,
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct InfluenceInput {
    pub from_id: uuid::Uuid,
    pub to_id: uuid::Uuid,
    pub kind: InfluenceKind,
    pub strength: i16,
    pub note: Option<String>,
}

impl InfluenceDraft {
    pub fn validate(&self) -> Result<InfluenceInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut id = |field: &'static str, v: &Option<String>| match optional_id(
            v.as_deref(),
            "a stakeholder",
        ) {
            Ok(Some(id)) => Some(id),
            Ok(None) => {
                errors.insert(field, "Choose the stakeholder.".into());
                None
            }
            Err(e) => {
                errors.insert(field, e);
                None
            }
        };
        let from_id = id("from_id", &self.from_id);
        let to_id = id("to_id", &self.to_id);
        if from_id.is_some() && from_id == to_id {
            errors.insert("to_id", "A person cannot influence themselves.".into());
        }
        let kind = InfluenceKind::parse(&self.kind);
        if kind.is_none() {
            errors.insert("kind", "Choose how they influence them.".into());
        }
        let strength = match &self.strength {
            None => Some(3),
            Some(serde_json::Value::Number(n)) => n.as_i64(),
            Some(serde_json::Value::String(s)) if s.trim().is_empty() => Some(3),
            Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
            Some(_) => None,
        }
        .filter(|s| (1..=5).contains(s));
        if strength.is_none() {
            errors.insert("strength", "Strength is a whole number from 1 to 5.".into());
        }
        let note = clean_optional(self.note.as_deref(), 1000)
            .map_err(|e| errors.insert("note", e))
            .ok()
            .flatten();
        match (from_id, to_id, kind, strength) {
            (Some(from_id), Some(to_id), Some(kind), Some(strength)) if errors.is_empty() => {
                Ok(InfluenceInput {
                    from_id,
                    to_id,
                    kind,
                    strength: strength as i16,
                    note,
                })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_joins_two_different_people_with_a_strength_of_1_to_5() {
        let a = uuid::Uuid::new_v4().to_string();
        let b = uuid::Uuid::new_v4().to_string();
        let ok = InfluenceDraft {
            from_id: Some(a.clone()),
            to_id: Some(b),
            kind: "opinion_leader".into(),
            strength: Some(serde_json::json!("4")),
            note: None,
        }
        .validate()
        .expect("valid");
        assert_eq!(ok.strength, 4);
        let errors = InfluenceDraft {
            from_id: Some(a.clone()),
            to_id: Some(a),
            kind: "boss".into(),
            strength: Some(serde_json::json!(9)),
            note: None,
        }
        .validate()
        .expect_err("invalid");
        for f in ["to_id", "kind", "strength"] {
            assert!(errors.contains_key(f), "{f}");
        }
    }
}
