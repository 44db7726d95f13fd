//! A realistic relationship book for the demo workspace: a few hundred stakeholders across
//! specialties and tiers, made deterministically (the same book on every machine), with
//! valid NPIs, reserved 555-01xx phone numbers and example.org addresses.

use crate::auth::secret::hex;
use crate::db::{self, audit::Actor};
use crate::domain::{Channel, Npi, StakeholderInput, StakeholderKind, Tier, npi_check_digit};

const FIRST: &[&str] = &[
    "Ana", "Benjamin", "Chloe", "David", "Elena", "Farid", "Grace", "Hiroshi", "Isabel", "James",
    "Keiko", "Luis", "Maya", "Nathan", "Olivia", "Priya", "Quentin", "Rosa", "Samuel", "Tamara",
    "Umar", "Valerie", "William", "Ximena", "Yusuf", "Zoe", "Adaeze", "Bogdan", "Carmen", "Dmitri",
    "Esther", "Fatima", "Gabriel", "Hannah", "Ibrahim", "Julia", "Kwame", "Leah", "Marcus",
    "Nadia", "Owen", "Paloma", "Rahul", "Sofia", "Thomas",
];
const LAST: &[&str] = &[
    "Abara",
    "Bennett",
    "Castillo",
    "Dubois",
    "Eriksen",
    "Fujimoto",
    "Garcia",
    "Haddad",
    "Ivanova",
    "Jensen",
    "Kowalski",
    "Lindqvist",
    "Morales",
    "Nakamura",
    "Okafor",
    "Patel",
    "Quinn",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Ueda",
    "Vargas",
    "Whitfield",
    "Xu",
    "Yilmaz",
    "Zimmerman",
    "Acheampong",
    "Brennan",
    "Chowdhury",
    "Delgado",
    "Espinoza",
    "Fitzgerald",
    "Gunawardena",
    "Holloway",
    "Iqbal",
    "Jovanovic",
    "Kim",
    "Larsen",
    "Mensah",
    "Novak",
    "Oyelaran",
    "Petrov",
    "Ramirez",
    "Sandoval",
    "Thornton",
    "Underwood",
    "Volkov",
    "Walsh",
];
/// (taxonomy code, kind, credentials, weight)
const SPECIALTIES: &[(&str, StakeholderKind, &str, u32)] = &[
    ("207Q00000X", StakeholderKind::Physician, "MD", 14),
    ("207R00000X", StakeholderKind::Physician, "MD", 14),
    ("208D00000X", StakeholderKind::Physician, "DO", 6),
    ("207RC0000X", StakeholderKind::Physician, "MD, FACC", 6),
    ("207X00000X", StakeholderKind::Physician, "MD", 5),
    ("207V00000X", StakeholderKind::Physician, "MD, FACOG", 4),
    ("207RG0100X", StakeholderKind::Physician, "MD", 3),
    ("207RE0101X", StakeholderKind::Physician, "MD", 2),
    ("208600000X", StakeholderKind::Physician, "MD, FACS", 4),
    ("2084N0400X", StakeholderKind::Physician, "MD", 3),
    ("207RP1001X", StakeholderKind::Physician, "MD", 2),
    ("207RH0003X", StakeholderKind::Physician, "MD", 2),
    ("2085R0202X", StakeholderKind::Physician, "MD", 2),
    ("207P00000X", StakeholderKind::Physician, "MD, FACEP", 3),
    ("208000000X", StakeholderKind::Physician, "MD, FAAP", 5),
    ("207W00000X", StakeholderKind::Physician, "MD", 1),
    ("207Y00000X", StakeholderKind::Physician, "MD", 2),
    ("2086S0122X", StakeholderKind::Physician, "MD", 1),
    ("363L00000X", StakeholderKind::AdvancedPractice, "NP", 6),
    ("363LF0000X", StakeholderKind::AdvancedPractice, "FNP-C", 4),
    ("363A00000X", StakeholderKind::AdvancedPractice, "PA-C", 5),
    ("163W00000X", StakeholderKind::ClinicalStaff, "RN", 3),
];
const EXECUTIVE_TITLES: &[&str] = &[
    "Chief Medical Officer",
    "VP Operations",
    "Practice Administrator",
    "Chief Nursing Officer",
];
const CONTACT_TIMES: &[&str] = &[
    "Mornings before clinic",
    "Tue/Thu after 4pm",
    "Lunch hour",
    "Fridays",
];
const TAGS: &[&str] = &[
    "key referrer",
    "cardiology service line",
    "orthopedics service line",
    "new to area",
    "EHR champion",
    "independent practice",
    "medical staff leader",
    "residency faculty",
    "rural outreach",
    "community board",
];

/// Syllables for the long tail of surnames in large generated books (a real registry has
/// hundreds of thousands of distinct surnames; a benchmark over 48 would be unrealistic).
const HEADS: &[&str] = &[
    "Ab", "Bal", "Car", "Dar", "El", "Fen", "Gor", "Hal", "Is", "Jar", "Kel", "Lom", "Mar", "Nor",
    "Ol", "Pen", "Quar", "Ros", "Sal", "Tor", "Ul", "Val", "Wes", "Yar", "Zan", "Bren", "Cas",
    "Dun", "Ev", "Fair", "Gal", "Har", "Ing", "Kirk", "Lind", "Mc", "Nak", "Os", "Pol", "Rad",
    "Stan", "Tam", "Ven", "Wil", "Hay", "Mor",
];
const TAILS: &[&str] = &[
    "aro", "bury", "castle", "dale", "ek", "ford", "gren", "ham", "ini", "jian", "kovic", "ley",
    "mann", "nez", "ova", "pour", "quist", "ridge", "sen", "ton", "uchi", "vik", "well", "yama",
    "zadeh", "berg", "court", "dottir", "eux", "field", "gaard", "holm", "ivar", "lund", "more",
    "nell", "ski", "stead", "wood", "worth",
];

/// A small deterministic generator (SplitMix64): demo data must not need a random crate.
pub(super) struct Seq(pub(super) u64);

impl Seq {
    pub(super) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub(super) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub(super) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    pub(super) fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// A valid NPI: 1 followed by eight digits, with its check digit.
fn npi(seq: &mut Seq) -> Option<Npi> {
    let base = format!("1{:08}", seq.next() % 100_000_000);
    let check = npi_check_digit(base.as_bytes());
    Npi::parse(&format!("{base}{check}")).ok()
}

/// Builds `count` demo stakeholders.
pub fn people(count: usize) -> Vec<StakeholderInput> {
    people_seeded(count, 0x5EED_0000_2026)
}

/// Builds `count` stakeholders from `seed` (the same seed gives the same people).
pub fn people_seeded(count: usize, seed: u64) -> Vec<StakeholderInput> {
    let mut seq = Seq(seed);
    let total_weight: u32 = SPECIALTIES.iter().map(|s| s.3).sum();
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let first = *seq.pick(FIRST);
        let last = if count > 1_000 && seq.chance(85) {
            format!("{}{}", seq.pick(HEADS), seq.pick(TAILS))
        } else {
            seq.pick(LAST).to_string()
        };
        let last = last.as_str();
        let (kind, code, credentials) = if i % 25 == 7 {
            (
                StakeholderKind::Executive,
                None,
                Some(seq.pick(EXECUTIVE_TITLES).to_string()),
            )
        } else if i % 40 == 13 {
            (StakeholderKind::CommunityLeader, None, None)
        } else {
            let mut roll = (seq.next() % u64::from(total_weight)) as u32;
            let mut chosen = &SPECIALTIES[0];
            for s in SPECIALTIES {
                if roll < s.3 {
                    chosen = s;
                    break;
                }
                roll -= s.3;
            }
            (
                chosen.1,
                Some(chosen.0.to_string()),
                Some(chosen.2.to_string()),
            )
        };
        let clinician = matches!(
            kind,
            StakeholderKind::Physician
                | StakeholderKind::AdvancedPractice
                | StakeholderKind::ClinicalStaff
        );
        let tier = match seq.below(10) {
            0 | 1 => Some(Tier::A),
            2..=4 => Some(Tier::B),
            5..=7 => Some(Tier::C),
            _ => None,
        };
        let mut tags = Vec::new();
        for _ in 0..seq.below(3) {
            let tag = seq.pick(TAGS).to_string();
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        let handle = format!("{}.{}", first.to_lowercase(), last.to_lowercase());
        let middle_name = if seq.chance(30) {
            Some(format!("{}.", (b'A' + seq.below(26) as u8) as char))
        } else {
            None
        };
        let best_contact_times = if seq.chance(35) {
            Some(seq.pick(CONTACT_TIMES).to_string())
        } else {
            None
        };
        out.push(StakeholderInput {
            kind,
            prefix: (kind == StakeholderKind::Physician).then(|| "Dr.".to_string()),
            first_name: first.to_string(),
            middle_name,
            last_name: last.to_string(),
            suffix: None,
            credentials,
            npi: if clinician { npi(&mut seq) } else { None },
            taxonomy_code: code,
            emails: vec![format!(
                "{handle}.{}@example.org",
                hex(&(i as u16).to_be_bytes())
            )],
            phones: vec![format!("(503) 555-01{:02}", seq.below(100))],
            preferred_channel: Some(*seq.pick(Channel::ALL)),
            best_contact_times,
            do_not_contact: seq.chance(2),
            tier,
            tags,
        });
    }
    // NPIs must be unique per workspace: drop a repeat (rare with 10^8 bases).
    let mut seen = std::collections::HashSet::new();
    for p in &mut out {
        if let Some(n) = &p.npi
            && !seen.insert(n.as_str().to_string())
        {
            p.npi = None;
        }
    }
    out
}

/// Adds the demo book to the workspace unless it already has stakeholders.
pub async fn ensure(conn: &mut sqlx::PgConnection, actor: &Actor) -> anyhow::Result<usize> {
    if db::stakeholders::count_active(&mut *conn).await? > 0 {
        return Ok(0);
    }
    let added = db::stakeholders::insert_many(conn, actor, &people(320)).await?;
    Ok(added as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_book_is_valid_and_the_same_every_time() {
        let a = people(320);
        assert_eq!(a.len(), 320);
        assert_eq!(a, people(320));
        assert!(a.iter().filter(|p| p.npi.is_some()).count() > 250);
        assert!(a.iter().any(|p| p.kind == StakeholderKind::Executive));
        assert!(a.iter().all(|p| p.tags.len() <= 2));
    }
}
