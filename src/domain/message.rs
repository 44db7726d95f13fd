//! Key messages, their variants per channel, and the split of a campaign's members among
//! variants: deterministic, so the same member always gets the same variant and anyone can
//! reproduce the split from the recorded buckets.

use blake2::{Blake2b512, Digest};
use serde::Deserialize;
use uuid::Uuid;

use super::CampaignChannel;
use super::text::{clean_optional, clean_required};
use crate::error::FieldErrors;

/// A key message as typed.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct MessageDraft {
    /// The message in a line, e.g. "OneCare: one call books any specialist".
    #[serde(default)]
    pub title: String,
    pub body: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MessageInput {
    pub title: String,
    pub body: Option<String>,
}

impl MessageDraft {
    pub fn validate(&self) -> Result<MessageInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let title = clean_required(&self.title, 200, "the message")
            .map_err(|e| errors.insert("title", e))
            .ok();
        let body = clean_optional(self.body.as_deref(), 5000)
            .map_err(|e| errors.insert("body", e))
            .ok()
            .flatten();
        match title {
            Some(title) if errors.is_empty() => Ok(MessageInput { title, body }),
            _ => Err(errors),
        }
    }
}

/// A variant as typed.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct VariantDraft {
    pub channel: Option<String>,
    /// A short name, e.g. "A" or "Outcomes-led".
    #[serde(default)]
    pub label: String,
    pub body: Option<String>,
    /// Share of the split relative to the other variants (1-100); 1 when blank.
    #[schema(value_type = Option<String>)]
    pub weight: Option<serde_json::Value>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct VariantInput {
    pub channel: CampaignChannel,
    pub label: String,
    pub body: Option<String>,
    pub weight: i16,
}

impl VariantDraft {
    pub fn validate(&self) -> Result<VariantInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let channel = self.channel.as_deref().and_then(CampaignChannel::parse);
        if channel.is_none() {
            errors.insert("channel", "Choose the channel this version is for.".into());
        }
        let label = clean_required(&self.label, 40, "a short name, like A or B")
            .map_err(|e| errors.insert("label", e))
            .ok();
        let body = clean_optional(self.body.as_deref(), 5000)
            .map_err(|e| errors.insert("body", e))
            .ok()
            .flatten();
        let weight = match &self.weight {
            None | Some(serde_json::Value::Null) => Some(1),
            Some(serde_json::Value::String(s)) if s.trim().is_empty() => Some(1),
            Some(serde_json::Value::Number(n)) => n.as_i64(),
            Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        }
        .filter(|w| (1..=100).contains(w));
        if weight.is_none() {
            errors.insert("weight", "Use a whole number from 1 to 100.".into());
        }
        match (channel, label, weight) {
            (Some(channel), Some(label), Some(weight)) if errors.is_empty() => Ok(VariantInput {
                channel,
                label,
                body,
                weight: weight as i16,
            }),
            _ => Err(errors),
        }
    }
}

/// Buckets a member can fall in; a variant with weight w of total W covers w/W of them.
pub const BUCKETS: u32 = 10_000;

/// The bucket of a member in one (message, channel) test: a hash of the campaign, message,
/// channel and member, so it never depends on the order members were added.
pub fn bucket(campaign: Uuid, message: Uuid, channel: &str, member: Uuid) -> u32 {
    let mut h = Blake2b512::new();
    h.update(campaign.as_bytes());
    h.update(message.as_bytes());
    h.update(channel.as_bytes());
    h.update(member.as_bytes());
    let digest = h.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(first) % u64::from(BUCKETS)) as u32
}

/// Which of `variants` (id, weight) covers `bucket`. Variants are taken in the order given;
/// callers pass them sorted by a stable key (label, then id) so the split is reproducible.
pub fn pick_variant(variants: &[(Uuid, i16)], bucket: u32) -> Option<Uuid> {
    let total: u64 = variants
        .iter()
        .map(|(_, w)| u64::from(w.max(&1).unsigned_abs()))
        .sum();
    if total == 0 {
        return None;
    }
    let point = u64::from(bucket) * total / u64::from(BUCKETS);
    let mut upper = 0;
    for (id, w) in variants {
        upper += u64::from(w.max(&1).unsigned_abs());
        if point < upper {
            return Some(*id);
        }
    }
    variants.last().map(|(id, _)| *id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[test]
    fn variants_need_a_channel_a_label_and_a_sane_weight() {
        let v = VariantDraft {
            channel: Some("email".into()),
            label: " A ".into(),
            body: None,
            weight: None,
        }
        .validate()
        .expect("valid");
        assert_eq!((v.label.as_str(), v.weight), ("A", 1));
        let e = VariantDraft {
            channel: Some("fax".into()),
            label: "".into(),
            body: None,
            weight: Some(serde_json::json!(0)),
        }
        .validate()
        .expect_err("invalid");
        assert!(e.contains_key("channel") && e.contains_key("label") && e.contains_key("weight"));
    }

    #[test]
    fn an_even_split_of_many_members_is_close_to_half() {
        let variants = [(id(1), 1), (id(2), 1)];
        let a = (0..4000u128)
            .filter(|n| {
                let b = bucket(id(7), id(8), "email", id(1000 + n));
                pick_variant(&variants, b) == Some(id(1))
            })
            .count();
        assert!((1800..=2200).contains(&a), "{a} of 4000 got A");
    }

    #[test]
    fn weights_shift_the_split() {
        let variants = [(id(1), 3), (id(2), 1)];
        let a = (0..4000u128)
            .filter(|n| {
                pick_variant(&variants, bucket(id(7), id(8), "print", id(n + 1))) == Some(id(1))
            })
            .count();
        assert!(
            (2800..=3200).contains(&a),
            "{a} of 4000 got the 3:1 variant"
        );
    }

    #[test]
    fn no_variants_means_no_pick() {
        assert_eq!(pick_variant(&[], 5), None);
    }

    proptest! {
        #[test]
        fn the_same_member_always_gets_the_same_variant(c in any::<u128>(), m in any::<u128>(), s in any::<u128>(), weights in proptest::collection::vec(1i16..=100, 1..5)) {
            let variants: Vec<(Uuid, i16)> = weights.iter().enumerate().map(|(i, w)| (id(i as u128 + 1), *w)).collect();
            let b1 = bucket(id(c), id(m), "email", id(s));
            let b2 = bucket(id(c), id(m), "email", id(s));
            prop_assert_eq!(b1, b2);
            prop_assert!(b1 < BUCKETS);
            let v = pick_variant(&variants, b1);
            prop_assert!(v.is_some());
            prop_assert_eq!(v, pick_variant(&variants, b2));
        }

        #[test]
        fn every_bucket_lands_on_a_variant_in_weight_order(b in 0u32..BUCKETS, weights in proptest::collection::vec(1i16..=100, 1..6)) {
            let variants: Vec<(Uuid, i16)> = weights.iter().enumerate().map(|(i, w)| (id(i as u128 + 1), *w)).collect();
            let picked = pick_variant(&variants, b).expect("a variant");
            let lower = pick_variant(&variants, b.saturating_sub(1)).expect("a variant");
            // Buckets grow with the variant index: a lower bucket never picks a later variant.
            let pos = |v: Uuid| variants.iter().position(|(i, _)| *i == v).unwrap_or(usize::MAX);
            prop_assert!(pos(lower) <= pos(picked));
        }
    }
}
