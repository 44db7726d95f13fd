//! What FHIR codes and name parts mean in Rapport: generational suffixes and degrees,
//! organization types as organization kinds, PractitionerRole codes as affiliation roles.

use crate::domain::{AffiliationRole, OrganizationKind};

/// Generational suffixes; other suffixes ("MD", "PhD", "FACP") are degrees.
fn generational(part: &str) -> bool {
    let key: String = part
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect::<String>()
        .to_ascii_uppercase();
    matches!(
        key.as_str(),
        "JR" | "SR" | "II" | "III" | "IV" | "V" | "2ND" | "3RD"
    )
}

/// The suffix split into the generational part and the degrees.
pub(super) fn split_suffix(suffix: Option<&str>) -> (Option<String>, Option<String>) {
    let (mut kept, mut degrees) = (Vec::new(), Vec::new());
    for part in suffix.unwrap_or("").split_whitespace() {
        if generational(part) {
            kept.push(part);
        } else {
            degrees.push(part.trim_end_matches(','));
        }
    }
    let join = |v: Vec<&str>, sep: &str| Some(v.join(sep)).filter(|s| !s.is_empty());
    (join(kept, " "), join(degrees, ", "))
}

/// The kind of organization a FHIR organization type says: the HL7 organization-type codes
/// (and the provider-directory "prvgrp"), else the words of the type's text.
pub(super) fn organization_kind(code: Option<&str>, text: Option<&str>) -> OrganizationKind {
    let code = code.unwrap_or("").trim().to_ascii_lowercase();
    match code.as_str() {
        "prvgrp" => return OrganizationKind::MedicalGroup,
        "pay" | "ins" => return OrganizationKind::HealthPlan,
        "edu" => return OrganizationKind::School,
        "cg" | "reli" => return OrganizationKind::Community,
        "bus" => return OrganizationKind::Employer,
        _ => {}
    }
    let text = text.unwrap_or("").to_lowercase();
    if [
        "medical group",
        "physician group",
        "provider group",
        "group practice",
    ]
    .iter()
    .any(|w| text.contains(w))
    {
        OrganizationKind::MedicalGroup
    } else if text.contains("practice") {
        OrganizationKind::Practice
    } else {
        OrganizationKind::Other
    }
}

/// The affiliation role a PractitionerRole code says, and the title shown for it: the
/// practitioner-role and v2-0286 codes by name, other text by its words; practices at
/// unless it says otherwise.
pub(super) fn affiliation_role(code: Option<&str>) -> (AffiliationRole, Option<String>) {
    use AffiliationRole::*;
    let Some(text) = code.map(str::trim).filter(|t| !t.is_empty()) else {
        return (PracticesAt, None);
    };
    let known = match text.to_ascii_lowercase().as_str() {
        "doctor" => Some((PracticesAt, "Doctor")),
        "nurse" => Some((PracticesAt, "Nurse")),
        "pharmacist" => Some((PracticesAt, "Pharmacist")),
        "researcher" => Some((Other, "Researcher")),
        "teacher" => Some((Other, "Teacher/educator")),
        "ict" => Some((EmployedBy, "ICT professional")),
        "rp" => Some((PracticesAt, "Referring provider")),
        "cp" => Some((PracticesAt, "Consulting provider")),
        "pp" => Some((PracticesAt, "Primary care provider")),
        "ap" => Some((Privileges, "Admitting provider")),
        _ => None,
    };
    if let Some((role, title)) = known {
        return (role, Some(title.to_string()));
    }
    let words = text.to_lowercase();
    let has = |w: &[&str]| w.iter().any(|w| words.contains(w));
    let role = if has(&["medical director"]) {
        MedicalDirector
    } else if has(&["board"]) {
        BoardMember
    } else if has(&["owner", "partner"]) {
        Owner
    } else if has(&["privilege", "admitting", "attending"]) {
        Privileges
    } else if has(&[
        "director",
        "chief",
        "president",
        "officer",
        "administrator",
        "manager",
    ]) {
        Leadership
    } else if has(&["employ"]) {
        EmployedBy
    } else if has(&["member"]) {
        Member
    } else {
        PracticesAt
    };
    (role, Some(text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn degrees_leave_the_suffix_and_generations_stay() {
        assert_eq!(split_suffix(Some("MD")), (None, Some("MD".into())));
        assert_eq!(
            split_suffix(Some("Jr. MD, PhD")),
            (Some("Jr.".into()), Some("MD, PhD".into()))
        );
        assert_eq!(split_suffix(Some("III")), (Some("III".into()), None));
        assert_eq!(split_suffix(None), (None, None));
    }

    #[test]
    fn role_codes_become_affiliation_roles() {
        use AffiliationRole::*;
        assert_eq!(affiliation_role(None), (PracticesAt, None));
        assert_eq!(
            affiliation_role(Some("RP")),
            (PracticesAt, Some("Referring provider".into()))
        );
        assert_eq!(affiliation_role(Some("doctor")).0, PracticesAt);
        assert_eq!(affiliation_role(Some("MD")).0, PracticesAt);
        assert_eq!(affiliation_role(Some("AP")).0, Privileges);
        assert_eq!(
            affiliation_role(Some("Medical Director")),
            (MedicalDirector, Some("Medical Director".into()))
        );
        assert_eq!(
            affiliation_role(Some("Chief Medical Officer")).0,
            Leadership
        );
        assert_eq!(affiliation_role(Some("Board of Directors")).0, BoardMember);
    }

    #[test]
    fn organization_types_become_kinds() {
        use OrganizationKind::*;
        assert_eq!(
            organization_kind(Some("prov"), Some("Healthcare Provider")),
            Other
        );
        assert_eq!(
            organization_kind(Some("V6"), Some("University Medical Hospital")),
            Other
        );
        assert_eq!(organization_kind(Some("prvgrp"), None), MedicalGroup);
        assert_eq!(organization_kind(None, Some("Family Practice")), Practice);
        assert_eq!(
            organization_kind(None, Some("Multispecialty medical group")),
            MedicalGroup
        );
        assert_eq!(organization_kind(Some("pay"), Some("Payer")), HealthPlan);
        assert_eq!(organization_kind(None, None), Other);
    }
}
