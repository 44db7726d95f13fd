//! FHIR resources as rows of one staging table: the four kinds share it (a connection runs
//! one COPY at a time) and an `entity` column says which record each becomes. Here names are
//! tidied, degrees told from generational suffixes, role codes mapped to affiliation roles,
//! and references written as the keys they are looked up by.

use serde_json::json;

use super::super::copy::CopySink;
use crate::domain::{AffiliationRole, OrganizationKind};
use crate::imports::RowError;
use crate::imports::fhir::{
    Address, Entry, Identifier, Location, NPI_SYSTEM, Organization, Practitioner,
    PractitionerRole, Reference, Resource,
};
use crate::imports::text::tidy_case;

pub(super) const STAGE: &str = "create temp table stage_fhir (
    line bigint primary key, entity text not null, resource text not null, source text not null,
    rid text, full_url text, npi text, identifiers jsonb not null,
    first_name text, middle_name text, last_name text, prefix text, suffix text, credentials text,
    emails text[] not null, phones text[] not null,
    name text, org_kind text, address_line text, city text, state text, postal_code text, phone text,
    parent jsonb, practitioner jsonb, places jsonb,
    role text, title text, taxonomy text, starts_on date, ends_on date,
    target uuid, is_new boolean not null default false, writer boolean not null default false,
    linked boolean not null default false, parent_id uuid, stakeholder_id uuid, organization_id uuid,
    change text, fields text[] not null default '{}'
  ) on commit drop";

pub(super) const COPY: &str = "copy stage_fhir (line, entity, resource, source, rid, full_url, npi,
    identifiers, first_name, middle_name, last_name, prefix, suffix, credentials, emails, phones, name,
    org_kind, address_line, city, state, postal_code, phone, parent, practitioner, places, role, title,
    taxonomy, starts_on, ends_on) from stdin";

/// The source of resource ids in files that do not name their server.
const FILE_SOURCE: &str = "fhir:file";
/// The longest first or last name a stakeholder has.
const MAX_NAME: usize = 100;

/// One staging row; `None` is SQL null.
#[derive(Default)]
struct Row {
    entity: &'static str,
    source: String,
    rid: Option<String>,
    full_url: Option<String>,
    npi: Option<String>,
    identifiers: String,
    first_name: Option<String>,
    middle_name: Option<String>,
    last_name: Option<String>,
    prefix: Option<String>,
    suffix: Option<String>,
    credentials: Option<String>,
    emails: String,
    phones: String,
    name: Option<String>,
    org_kind: Option<&'static str>,
    address: Address,
    phone: Option<String>,
    parent: Option<String>,
    practitioner: Option<String>,
    places: Option<String>,
    role: Option<&'static str>,
    title: Option<String>,
    taxonomy: Option<String>,
    starts_on: Option<String>,
    ends_on: Option<String>,
}

/// Checks one resource and writes its staging row.
pub(super) fn stage(entry: &Entry, sink: &mut CopySink) -> Result<(), RowError> {
    let source = source(entry);
    let mut row = match &entry.resource {
        Resource::Practitioner(p) => practitioner(p),
        Resource::Organization(o) => organization(o, &source),
        Resource::Location(l) => location(l, &source, entry.position)?,
        Resource::Role(r) => role(r, &source),
    };
    row.rid = entry
        .resource
        .id()
        .map(|id| format!("{}/{id}", entry.resource.kind()));
    row.full_url = entry.full_url.clone();
    row.source = source;
    let line = entry.position.to_string();
    let a = &row.address;
    sink.row(&[
        Some(&line),
        Some(row.entity),
        Some(entry.resource.kind()),
        Some(&row.source),
        row.rid.as_deref(),
        row.full_url.as_deref(),
        row.npi.as_deref(),
        Some(&row.identifiers),
        row.first_name.as_deref(),
        row.middle_name.as_deref(),
        row.last_name.as_deref(),
        row.prefix.as_deref(),
        row.suffix.as_deref(),
        row.credentials.as_deref(),
        Some(&row.emails),
        Some(&row.phones),
        row.name.as_deref(),
        row.org_kind,
        a.line.as_deref(),
        a.city.as_deref(),
        a.state.as_deref(),
        a.postal_code.as_deref(),
        row.phone.as_deref(),
        row.parent.as_deref(),
        row.practitioner.as_deref(),
        row.places.as_deref(),
        row.role,
        row.title.as_deref(),
        row.taxonomy.as_deref(),
        row.starts_on.as_deref(),
        row.ends_on.as_deref(),
    ]);
    Ok(())
}

/// Where a resource's id is stable: the server its Bundle `fullUrl` names
/// (`fhir:http://example.org/fhir` for `http://example.org/fhir/Practitioner/1`), else the
/// file's source, which is assumed to be one directory per workspace.
fn source(entry: &Entry) -> String {
    let (Some(url), Some(id)) = (entry.full_url.as_deref(), entry.resource.id()) else {
        return FILE_SOURCE.into();
    };
    let tail = format!("/{}/{id}", entry.resource.kind());
    match url.trim_end_matches('/').strip_suffix(&tail) {
        Some(base) if url.contains("://") && !base.ends_with(':') && !base.ends_with('/') => {
            format!("fhir:{base}")
        }
        _ => FILE_SOURCE.into(),
    }
}

/// A reference as the keys it is looked up by: an NPI, a system and value (a resource id
/// within `source`, or a business identifier), or a URL (a Bundle `urn:uuid:`); `label` names
/// it in an error.
fn reference(r: &Reference, source: &str) -> serde_json::Value {
    match r {
        Reference::Literal { kind, id } => {
            let value = format!("{kind}/{id}");
            json!({ "system": source, "value": value, "label": value })
        }
        Reference::Identifier { system, value } if system.as_deref() == Some(NPI_SYSTEM) => {
            json!({ "npi": value, "label": format!("NPI {value}") })
        }
        Reference::Identifier { system, value } => {
            let label = match system {
                Some(s) => format!("identifier {s}|{value}"),
                None => format!("identifier {value} (without a system)"),
            };
            json!({ "system": system, "value": value, "label": label })
        }
        Reference::Url(url) => json!({ "url": url, "label": url }),
    }
}

/// Business identifiers that can be looked up: those with a system.
fn identifiers(ids: &[Identifier]) -> String {
    let keyed: Vec<serde_json::Value> = ids
        .iter()
        .filter_map(|i| {
            let system = i.system.as_deref()?;
            Some(json!({ "system": system, "value": i.value }))
        })
        .collect();
    serde_json::Value::Array(keyed).to_string()
}

/// A PostgreSQL text array literal (`{"a","b \"c\""}`).
pub(super) fn text_array(items: &[String]) -> String {
    let mut out = String::from("{");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('"');
        for c in item.chars() {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('"');
    }
    out.push('}');
    out
}

fn cut(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

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

fn practitioner(p: &Practitioner) -> Row {
    let (suffix, degrees) = split_suffix(p.suffix.as_deref());
    let tidy = |s: &Option<String>| s.as_deref().map(tidy_case);
    Row {
        entity: "stakeholder",
        npi: p.npi.clone(),
        identifiers: identifiers(&p.identifiers),
        first_name: p.first_name.as_deref().map(|f| tidy_case(&cut(f, MAX_NAME))),
        middle_name: tidy(&p.middle_name),
        last_name: Some(tidy_case(&cut(&p.last_name, MAX_NAME))),
        prefix: tidy(&p.prefix),
        suffix,
        credentials: degrees.or_else(|| p.credentials.clone()),
        emails: text_array(&p.emails),
        phones: text_array(&p.phones),
        ..Row::default()
    }
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
    if ["medical group", "physician group", "provider group", "group practice"]
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

fn organization(o: &Organization, source: &str) -> Row {
    Row {
        entity: "organization",
        npi: o.npi.clone(),
        identifiers: identifiers(&o.identifiers),
        name: Some(o.name.clone()),
        org_kind: Some(organization_kind(o.type_code.as_deref(), o.type_text.as_deref()).as_str()),
        address: o.address.clone().unwrap_or_default(),
        phone: o.phone.clone(),
        parent: o.part_of.as_ref().map(|r| reference(r, source).to_string()),
        emails: text_array(&[]),
        phones: text_array(&[]),
        ..Row::default()
    }
}

fn location(l: &Location, source: &str, line: u64) -> Result<Row, RowError> {
    // A location becomes an organization, which needs a name: its own, else its street.
    let name = l
        .name
        .clone()
        .or_else(|| l.address.as_ref().and_then(|a| a.line.clone()))
        .ok_or_else(|| {
            RowError::new(
                line,
                Some("name"),
                "a location needs a name (or an address line) to become an organization",
            )
        })?;
    Ok(Row {
        entity: "organization",
        identifiers: "[]".into(),
        name: Some(name),
        org_kind: Some(OrganizationKind::Other.as_str()),
        address: l.address.clone().unwrap_or_default(),
        phone: l.phone.clone(),
        parent: l
            .managing_organization
            .as_ref()
            .map(|r| reference(r, source).to_string()),
        emails: text_array(&[]),
        phones: text_array(&[]),
        ..Row::default()
    })
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
    } else if has(&["director", "chief", "president", "officer", "administrator", "manager"]) {
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

fn role(r: &PractitionerRole, source: &str) -> Row {
    let (role, title) = affiliation_role(r.role.as_deref());
    // The organization first, then the locations: the first that resolves is the place.
    let places: Vec<serde_json::Value> = r
        .organization
        .iter()
        .chain(&r.locations)
        .map(|p| reference(p, source))
        .collect();
    Row {
        entity: "affiliation",
        identifiers: "[]".into(),
        practitioner: r
            .practitioner
            .as_ref()
            .map(|p| reference(p, source).to_string()),
        places: Some(serde_json::Value::Array(places).to_string()),
        role: Some(role.as_str()),
        title,
        taxonomy: r.taxonomy.clone(),
        starts_on: r.start.map(|d| d.to_string()),
        ends_on: r.end.map(|d| d.to_string()),
        emails: text_array(&[]),
        phones: text_array(&[]),
        ..Row::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_arrays_quote_every_item() {
        assert_eq!(text_array(&[]), "{}");
        assert_eq!(
            text_array(&["a b".into(), "say \"hi\"\\".into(), "NULL".into()]),
            r#"{"a b","say \"hi\"\\","NULL"}"#
        );
    }

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
        assert_eq!(affiliation_role(Some("Chief Medical Officer")).0, Leadership);
        assert_eq!(affiliation_role(Some("Board of Directors")).0, BoardMember);
    }

    #[test]
    fn organization_types_become_kinds() {
        use OrganizationKind::*;
        assert_eq!(organization_kind(Some("prov"), Some("Healthcare Provider")), Other);
        assert_eq!(organization_kind(Some("V6"), Some("University Medical Hospital")), Other);
        assert_eq!(organization_kind(Some("prvgrp"), None), MedicalGroup);
        assert_eq!(organization_kind(None, Some("Family Practice")), Practice);
        assert_eq!(organization_kind(None, Some("Multispecialty medical group")), MedicalGroup);
        assert_eq!(organization_kind(Some("pay"), Some("Payer")), HealthPlan);
        assert_eq!(organization_kind(None, None), Other);
    }

    fn entry(full_url: Option<&str>, id: Option<&str>) -> Entry {
        Entry {
            position: 1,
            full_url: full_url.map(str::to_string),
            resource: Resource::Practitioner(Practitioner {
                id: id.map(str::to_string),
                last_name: "Careful".into(),
                ..Practitioner::default()
            }),
        }
    }

    #[test]
    fn ids_are_stable_within_the_server_a_full_url_names() {
        assert_eq!(
            source(&entry(Some("http://hl7.org/fhir/Practitioner/example"), Some("example"))),
            "fhir:http://hl7.org/fhir"
        );
        for (url, id) in [
            (None, Some("example")),
            (Some("urn:uuid:4f6a30fb-cd3c-4ab6-8757-532101f72065"), Some("example")),
            (Some("http://hl7.org/fhir/Practitioner/other"), Some("example")),
            (Some("http://hl7.org/fhir/Practitioner/example"), None),
        ] {
            assert_eq!(source(&entry(url, id)), FILE_SOURCE, "{url:?}");
        }
    }

    #[test]
    fn references_are_written_as_their_lookup_keys() {
        let literal = Reference::Literal {
            kind: "Organization".into(),
            id: "f001".into(),
        };
        assert_eq!(
            reference(&literal, "fhir:file"),
            json!({"system": "fhir:file", "value": "Organization/f001", "label": "Organization/f001"})
        );
        let npi = Reference::Identifier {
            system: Some(NPI_SYSTEM.into()),
            value: "1234567893".into(),
        };
        assert_eq!(reference(&npi, "fhir:file")["npi"], "1234567893");
        let url = Reference::Url("urn:uuid:1".into());
        assert_eq!(reference(&url, "fhir:file")["url"], "urn:uuid:1");
    }
}
