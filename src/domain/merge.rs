//! Merging two records of the same person: which values the kept record ends up with, and
//! how alike two names are (for finding likely duplicates). Pure rules, no I/O.

use super::{StakeholderInput, Tier};

/// The fields of `keep` after `other` is merged into it: `keep`'s values win, gaps are filled
/// from `other`, lists are joined (without repeats, within their limits), the stricter
/// do-not-contact wins, and the higher tier is kept.
pub fn merge_fields(keep: &StakeholderInput, other: &StakeholderInput) -> StakeholderInput {
    fn fill<T: Clone>(a: &Option<T>, b: &Option<T>) -> Option<T> {
        a.clone().or_else(|| b.clone())
    }
    fn join(a: &[String], b: &[String], limit: usize) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for v in a.iter().chain(b) {
            if out.len() < limit && !out.iter().any(|o| o.eq_ignore_ascii_case(v)) {
                out.push(v.clone());
            }
        }
        out
    }
    let tier = match (keep.tier, other.tier) {
        (Some(a), Some(b)) => Some(if rank(a) <= rank(b) { a } else { b }),
        (a, b) => a.or(b),
    };
    StakeholderInput {
        kind: keep.kind,
        prefix: fill(&keep.prefix, &other.prefix),
        first_name: keep.first_name.clone(),
        middle_name: fill(&keep.middle_name, &other.middle_name),
        last_name: keep.last_name.clone(),
        suffix: fill(&keep.suffix, &other.suffix),
        credentials: fill(&keep.credentials, &other.credentials),
        npi: fill(&keep.npi, &other.npi),
        taxonomy_code: fill(&keep.taxonomy_code, &other.taxonomy_code),
        emails: join(&keep.emails, &other.emails, 5),
        phones: join(&keep.phones, &other.phones, 5),
        preferred_channel: fill(&keep.preferred_channel, &other.preferred_channel),
        best_contact_times: fill(&keep.best_contact_times, &other.best_contact_times),
        do_not_contact: keep.do_not_contact || other.do_not_contact,
        tier,
        tags: join(&keep.tags, &other.tags, 20),
    }
}

fn rank(t: Tier) -> u8 {
    match t {
        Tier::A => 0,
        Tier::B => 1,
        Tier::C => 2,
    }
}

/// Jaro-Winkler similarity of two names, case-insensitive, from 0.0 to 1.0.
pub fn name_similarity(a: &str, b: &str) -> f64 {
    let a: Vec<char> = a
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect();
    let b: Vec<char> = b
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect();
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
    let mut a_hit = vec![false; a.len()];
    let mut b_hit = vec![false; b.len()];
    let mut matches = 0usize;
    for (i, ca) in a.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(b.len());
        for j in lo..hi {
            if !b_hit[j] && b[j] == *ca {
                a_hit[i] = true;
                b_hit[j] = true;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let a_seq = a.iter().zip(&a_hit).filter(|(_, h)| **h).map(|(c, _)| c);
    let b_seq = b.iter().zip(&b_hit).filter(|(_, h)| **h).map(|(c, _)| c);
    let transpositions = a_seq.zip(b_seq).filter(|(x, y)| x != y).count() / 2;
    let m = matches as f64;
    let jaro = (m / a.len() as f64 + m / b.len() as f64 + (m - transpositions as f64) / m) / 3.0;
    let prefix = a.iter().zip(&b).take(4).take_while(|(x, y)| x == y).count() as f64;
    jaro + prefix * 0.1 * (1.0 - jaro)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{StakeholderDraft, StakeholderKind};
    use proptest::prelude::*;

    fn person(first: &str, last: &str) -> StakeholderInput {
        StakeholderDraft {
            kind: "physician".into(),
            first_name: first.into(),
            last_name: last.into(),
            ..Default::default()
        }
        .validate()
        .expect("valid")
    }

    #[test]
    fn names_that_differ_by_a_typo_are_similar() {
        assert!(name_similarity("Katherine", "Kathrine") > 0.9);
        assert!(name_similarity("MARTHA", "marhta") > 0.95);
        assert!(name_similarity("Okafor", "Lindqvist") < 0.6);
        assert_eq!(name_similarity("Ana", "ana"), 1.0);
        assert_eq!(name_similarity("", "Ana"), 0.0);
    }

    #[test]
    fn the_kept_record_wins_and_gaps_are_filled() {
        let mut keep = person("Ana", "Ruiz");
        keep.tier = Some(Tier::B);
        keep.emails = vec!["ana@clinic.org".into()];
        let mut other = person("Anna", "Ruiz");
        other.credentials = Some("MD".into());
        other.tier = Some(Tier::A);
        other.emails = vec!["ANA@clinic.org".into(), "ruiz@home.net".into()];
        other.do_not_contact = true;
        let m = merge_fields(&keep, &other);
        assert_eq!(m.first_name, "Ana");
        assert_eq!(m.credentials.as_deref(), Some("MD"));
        assert_eq!(m.tier, Some(Tier::A));
        assert_eq!(m.emails, vec!["ana@clinic.org", "ruiz@home.net"]);
        assert!(m.do_not_contact);
        assert_eq!(m.kind, StakeholderKind::Physician);
    }

    fn arb_person() -> impl Strategy<Value = StakeholderInput> {
        (
            "[A-Z][a-z]{1,8}",
            proptest::option::of("[A-Z]{2}"),
            proptest::collection::vec("[a-z]{1,5}@x\\.org", 0..5),
            proptest::collection::vec("[a-z]{1,6}", 0..20),
            proptest::option::of(0u8..3),
            any::<bool>(),
        )
            .prop_map(|(last, cred, emails, tags, tier, dnc)| {
                let mut p = person("Pat", &last);
                p.credentials = cred;
                // As validation leaves them: no repeats.
                let mut emails = emails;
                emails.sort();
                emails.dedup();
                p.emails = emails;
                p.tags = crate::domain::clean_tags(&tags).unwrap_or_default();
                p.tier = tier.map(|t| [Tier::A, Tier::B, Tier::C][t as usize]);
                p.do_not_contact = dnc;
                p
            })
    }

    proptest! {
        #[test]
        fn merging_keeps_every_value_it_can_and_invents_none(keep in arb_person(), other in arb_person()) {
            let m = merge_fields(&keep, &other);
            // Every value comes from one of the two records.
            prop_assert!(m.credentials == keep.credentials || m.credentials == other.credentials);
            prop_assert_eq!(&m.last_name, &keep.last_name);
            for e in &m.emails {
                prop_assert!(keep.emails.contains(e) || other.emails.contains(e));
            }
            for t in &m.tags {
                prop_assert!(keep.tags.contains(t) || other.tags.contains(t));
            }
            // Nothing of the kept record is lost, and the other's fill the room left.
            for e in &keep.emails {
                prop_assert!(m.emails.iter().any(|x| x.eq_ignore_ascii_case(e)) || keep.emails.len() > 5);
            }
            let room = 5usize.saturating_sub(m.emails.len());
            let missing = other.emails.iter().filter(|e| !m.emails.iter().any(|x| x.eq_ignore_ascii_case(e))).count();
            prop_assert!(missing == 0 || room == 0);
            prop_assert!(m.tags.len() <= 20 && m.emails.len() <= 5);
            // Stricter and better wins.
            prop_assert_eq!(m.do_not_contact, keep.do_not_contact || other.do_not_contact);
            if keep.credentials.is_some() { prop_assert_eq!(&m.credentials, &keep.credentials); }
            if let (Some(a), Some(b)) = (keep.tier, other.tier) {
                prop_assert_eq!(m.tier.map(rank), Some(rank(a).min(rank(b))));
            }
        }

        #[test]
        fn merging_a_record_with_itself_changes_nothing(p in arb_person()) {
            prop_assert_eq!(merge_fields(&p, &p), p);
        }

        #[test]
        fn name_similarity_is_symmetric_and_bounded(a in "[A-Za-z]{0,12}", b in "[A-Za-z]{0,12}") {
            let s = name_similarity(&a, &b);
            prop_assert!((0.0..=1.0).contains(&s));
            prop_assert!((s - name_similarity(&b, &a)).abs() < 1e-9);
        }
    }
}
