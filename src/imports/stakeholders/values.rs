//! The spellings other systems use for our choices (kind, tier, channel), phone numbers,
//! states and ZIP codes, read into the forms Rapport stores.

use super::mapping::{compact, listed};
use crate::domain::{Channel, StakeholderKind, Tier, valid_phone};

/// Friendly spellings of each kind, compact (lower-case letters and digits only). The key and
/// the label of each kind are accepted too.
const KINDS: &[(StakeholderKind, &str)] = &[
    (
        StakeholderKind::Physician,
        "physician physicians doctor md do mddo mbbs \
        surgeon attending hospitalist",
    ),
    (
        StakeholderKind::AdvancedPractice,
        "np pa pac app aprn fnp crna cnm cns \
        dnp nursepractitioner physicianassistant physicianassociate \
        advancedpractice advancedpracticeprovider advancedpracticepractitioner \
        advancedpracticenurse midlevel midlevelprovider",
    ),
    (
        StakeholderKind::ClinicalStaff,
        "nurse nurses rn lpn lvn cna ma \
        medicalassistant clinical registerednurse nursing nursenavigator \
        pharmacist therapist",
    ),
    (
        StakeholderKind::Executive,
        "exec executives ceo cmo cno cfo coo cio cmio \
        president vicepresident vp csuite leadership administrator",
    ),
    (
        StakeholderKind::Staff,
        "officestaff officemanager practicemanager \
        frontdesk receptionist scheduler coordinator referralcoordinator admin \
        administrative nonclinical",
    ),
    (
        StakeholderKind::CommunityLeader,
        "community communitypartner civicleader \
        faithleader",
    ),
];

/// A kind of stakeholder from its key, label or a common spelling ("NP", "RN", "Doctor").
pub fn kind(v: &str) -> Option<StakeholderKind> {
    let c = compact(v);
    StakeholderKind::ALL
        .iter()
        .copied()
        .find(|k| compact(k.as_str()) == c || compact(k.label()) == c)
        .or_else(|| {
            KINDS
                .iter()
                .find(|(_, words)| listed(words, &c))
                .map(|(k, _)| *k)
        })
}

/// "A", "tier b", "Tier-C"; 1, 2 and 3 mean A, B and C.
pub fn tier(v: &str) -> Option<Tier> {
    let c = compact(v);
    let c = c.strip_prefix("tier").unwrap_or(&c);
    match c {
        "a" | "1" => Some(Tier::A),
        "b" | "2" => Some(Tier::B),
        "c" | "3" => Some(Tier::C),
        _ => None,
    }
}

/// A channel from its key, label or a common spelling ("E-mail", "SMS", "In person").
pub fn channel(v: &str) -> Option<Channel> {
    let c = compact(v);
    let known = Channel::ALL
        .iter()
        .copied()
        .find(|k| compact(k.as_str()) == c || compact(k.label()) == c);
    known.or(match c.as_str() {
        "call" | "phonecall" | "telephone" | "tel" => Some(Channel::Phone),
        "sms" | "texting" => Some(Channel::Text),
        "inperson" | "inpersonvisit" | "facetoface" => Some(Channel::Visit),
        "letter" | "postalmail" | "directmail" | "post" => Some(Channel::Mail),
        "web" | "onlineportal" => Some(Channel::Portal),
        _ => None,
    })
}

/// A phone number as written, with "ext." shortened to "x", when it is one.
pub fn phone(v: &str) -> Option<String> {
    let lower = v.to_lowercase();
    let p = ["extension", "ext.", "ext"]
        .iter()
        .fold(lower, |p, ext| p.replace(ext, "x"));
    let p = p.split_whitespace().collect::<Vec<_>>().join(" ");
    valid_phone(&p).then_some(p)
}

/// Every state, district, territory and military "state" by code and name.
const STATES: &str = "AL:Alabama|AK:Alaska|AZ:Arizona|AR:Arkansas|CA:California|CO:Colorado|\
CT:Connecticut|DE:Delaware|DC:District of Columbia|FL:Florida|GA:Georgia|HI:Hawaii|ID:Idaho|\
IL:Illinois|IN:Indiana|IA:Iowa|KS:Kansas|KY:Kentucky|LA:Louisiana|ME:Maine|MD:Maryland|\
MA:Massachusetts|MI:Michigan|MN:Minnesota|MS:Mississippi|MO:Missouri|MT:Montana|NE:Nebraska|\
NV:Nevada|NH:New Hampshire|NJ:New Jersey|NM:New Mexico|NY:New York|NC:North Carolina|\
ND:North Dakota|OH:Ohio|OK:Oklahoma|OR:Oregon|PA:Pennsylvania|RI:Rhode Island|\
SC:South Carolina|SD:South Dakota|TN:Tennessee|TX:Texas|UT:Utah|VT:Vermont|VA:Virginia|\
WA:Washington|WV:West Virginia|WI:Wisconsin|WY:Wyoming|PR:Puerto Rico|GU:Guam|\
VI:Virgin Islands|AS:American Samoa|MP:Northern Mariana Islands|AA:Armed Forces Americas|\
AE:Armed Forces Europe|AP:Armed Forces Pacific";

/// Two upper-case letters, from a code ("or") or a name ("Oregon").
pub fn state(v: &str) -> Option<String> {
    let c = compact(v);
    STATES
        .split('|')
        .filter_map(|s| s.split_once(':'))
        .find(|(code, name)| code.eq_ignore_ascii_case(&c) || compact(name) == c)
        .map(|(code, _)| code.to_string())
}

/// Five digits from "97401", "97401-1234" or "974011234". Three, four, seven or eight digits
/// are a ZIP code a spreadsheet read as a number, dropping its leading zeros ("2134").
pub fn zip(v: &str) -> Option<String> {
    if !v
        .chars()
        .all(|c| c.is_ascii_digit() || c == '-' || c == ' ')
    {
        return None;
    }
    let digits: String = v.chars().filter(char::is_ascii_digit).collect();
    let width = match digits.len() {
        3..=5 => 5,
        7..=9 => 9,
        _ => return None,
    };
    Some(format!("{digits:0>width$}").chars().take(5).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_come_in_friendly_spellings() {
        use StakeholderKind::*;
        for (v, k) in [
            ("Physician", Physician),
            ("MD", Physician),
            ("advanced_practice", AdvancedPractice),
            ("NP", AdvancedPractice),
            ("PA-C", AdvancedPractice),
            ("Nurse Practitioner", AdvancedPractice),
            ("Advanced practice clinician", AdvancedPractice),
            ("Nurse", ClinicalStaff),
            ("RN", ClinicalStaff),
            ("Nurse / clinical staff", ClinicalStaff),
            ("CEO", Executive),
            ("Office Manager", Staff),
            ("community leader", CommunityLeader),
        ] {
            assert_eq!(kind(v), Some(k), "{v}");
        }
        assert_eq!(kind("wizard"), None);
    }

    #[test]
    fn tiers_channels_and_phones() {
        assert_eq!(tier("tier b"), Some(Tier::B));
        assert_eq!(tier("1"), Some(Tier::A));
        assert_eq!(tier("D"), None);
        assert_eq!(channel("E-mail"), Some(Channel::Email));
        assert_eq!(channel("In person"), Some(Channel::Visit));
        assert_eq!(channel("Text message"), Some(Channel::Text));
        assert_eq!(channel("pigeon"), None);
        assert_eq!(
            phone("(503) 555-0100 Ext. 12").as_deref(),
            Some("(503) 555-0100 x 12")
        );
        assert_eq!(phone("call me"), None);
    }

    #[test]
    fn states_and_zip_codes() {
        assert_eq!(state("or").as_deref(), Some("OR"));
        assert_eq!(state("New York").as_deref(), Some("NY"));
        assert_eq!(state("XX"), None);
        assert_eq!(zip("97401-1234").as_deref(), Some("97401"));
        assert_eq!(zip("974011234").as_deref(), Some("97401"));
        assert_eq!(zip("2134").as_deref(), Some("02134"));
        assert_eq!(zip("21341234").as_deref(), Some("02134"));
        assert_eq!(zip("K1A 0B6"), None);
        assert_eq!(zip("123456"), None);
    }
}
