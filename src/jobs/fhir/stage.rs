//! FHIR resources as rows of one staging table: the four kinds share it (a connection runs
//! one COPY at a time) and an `entity` column says which record each becomes. Here names are
//! tidied, codes mapped ([`super::codes`]), and each resource and reference written as the
//! keys it is matched by:
//! - `keys`, matched within the file: `id:<id>`, `url:<fullUrl>`, `npi:<npi>`,
//!   `identifier:<system>|<value>`, and for an organization without an NPI `name:<name>`
//!   (organizations without NPIs have unique names);
//! - `ids`, matched against `external_ids` (what earlier imports recorded): the resource id
//!   within its server (`{"system": "fhir:file", "value": "f001"}`) and each identifier.

use serde_json::json;

use super::super::copy::CopySink;
use super::codes::{affiliation_role, organization_kind, split_suffix};
use crate::imports::fhir::{
    Address, Entry, Identifier, Location, NPI_SYSTEM, Organization, Practitioner, PractitionerRole,
    Reference, Resource,
};
use crate::imports::text::tidy_case;

pub(super) const STAGE: &str = "create temp table stage_fhir (
    line bigint primary key, entity text not null, resource text not null, label text not null,
    keys text[] not null, ids jsonb not null, npi text,
    first_name text, middle_name text, last_name text, prefix text, suffix text, credentials text,
    emails text[] not null, phones text[] not null,
    name text, org_kind text, address_line text, city text, state text, postal_code text, phone text,
    parent jsonb, practitioner jsonb, places jsonb,
    role text, title text, taxonomy text, starts_on date, ends_on date, active boolean,
    target uuid, is_new boolean not null default false, writer boolean not null default true,
    first_line bigint, parent_id uuid, stakeholder_id uuid, organization_id uuid, facility_id uuid
  ) on commit drop";

pub(super) const COPY: &str = "copy stage_fhir (line, entity, resource, label, keys, ids, npi,
    first_name, middle_name, last_name, prefix, suffix, credentials, emails, phones, name,
    org_kind, address_line, city, state, postal_code, phone, parent, practitioner, places, role, title,
    taxonomy, starts_on, ends_on, active) from stdin";

/// The source of resource ids in files that do not name their server.
pub(super) const FILE_SOURCE: &str = "fhir:file";
/// The longest first or last name a stakeholder has.
const MAX_NAME: usize = 100;
/// The longest identifier system `external_ids` keeps.
const MAX_SYSTEM: usize = 1000;

/// One staging row; `None` is SQL null.
#[derive(Default)]
struct Row {
    entity: &'static str,
    keys: Vec<String>,
    ids: Vec<serde_json::Value>,
    npi: Option<String>,
    first_name: Option<String>,
    middle_name: Option<String>,
    last_name: Option<String>,
    prefix: Option<String>,
    suffix: Option<String>,
    credentials: Option<String>,
    emails: Vec<String>,
    phones: Vec<String>,
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
    active: Option<bool>,
}

/// Checks one resource and writes its staging row.
pub(super) fn stage(entry: &Entry, sink: &mut CopySink) {
    let source = source(entry);
    let mut row = match &entry.resource {
        Resource::Practitioner(p) => practitioner(p),
        Resource::Organization(o) => organization(o, &source),
        Resource::Location(l) => location(l, &source),
        Resource::Role(r) => role(r, &source),
    };
    let kind = entry.resource.kind();
    let label = match entry.resource.id() {
        Some(id) => {
            row.keys.push(format!("id:{id}"));
            // The resource id is looked up before the business identifiers.
            row.ids.insert(0, json!({ "system": source, "value": id }));
            format!("{kind}/{id}")
        }
        None => format!("{kind} on line {}", entry.position),
    };
    if let Some(url) = &entry.full_url {
        row.keys.push(format!("url:{url}"));
    }
    if let Some(npi) = &row.npi {
        row.keys.push(format!("npi:{npi}"));
    }
    let line = entry.position.to_string();
    let a = &row.address;
    let bool_text = |b: bool| if b { "t" } else { "f" };
    sink.row(&[
        Some(&line),
        Some(row.entity),
        Some(kind),
        Some(&label),
        Some(&text_array(&row.keys)),
        Some(&serde_json::Value::Array(row.ids.clone()).to_string()),
        row.npi.as_deref(),
        row.first_name.as_deref(),
        row.middle_name.as_deref(),
        row.last_name.as_deref(),
        row.prefix.as_deref(),
        row.suffix.as_deref(),
        row.credentials.as_deref(),
        Some(&text_array(&row.emails)),
        Some(&text_array(&row.phones)),
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
        row.active.map(bool_text),
    ]);
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
        Some(base)
            if url.contains("://")
                && !base.ends_with(':')
                && !base.ends_with('/')
                && base.len() + 5 <= MAX_SYSTEM =>
        {
            format!("fhir:{base}")
        }
        _ => FILE_SOURCE.into(),
    }
}

/// A reference as the keys it is looked up by (see the module doc): `keys` within the file,
/// `ids` in `external_ids`, `npi` among the workspace's NPIs; `label` names it in an error.
fn reference(r: &Reference, source: &str) -> serde_json::Value {
    match r {
        Reference::Literal { kind, id } => json!({
            "keys": [format!("id:{id}")],
            "ids": [{ "system": source, "value": id }],
            "label": format!("{kind}/{id}"),
        }),
        Reference::Identifier { system, value } if system.as_deref() == Some(NPI_SYSTEM) => {
            json!({ "keys": [format!("npi:{value}")], "ids": [], "npi": value, "label": format!("NPI {value}") })
        }
        Reference::Identifier {
            system: Some(system),
            value,
        } => json!({
            "keys": [format!("identifier:{system}|{value}")],
            "ids": [{ "system": system, "value": value }],
            "label": format!("identifier {system}|{value}"),
        }),
        Reference::Identifier {
            system: None,
            value,
        } => json!({
            "keys": [], "ids": [],
            "label": format!("identifier {value} (without a system, so it cannot be looked up)"),
        }),
        Reference::Url(url) => json!({ "keys": [format!("url:{url}")], "ids": [], "label": url }),
    }
}

/// The keys and ids of business identifiers: those with a system (the NPI is kept apart).
fn identifiers(ids: &[Identifier], row: &mut Row) {
    for i in ids {
        let Some(system) = i.system.as_deref().filter(|s| s.len() <= MAX_SYSTEM) else {
            continue;
        };
        row.keys.push(format!("identifier:{system}|{}", i.value));
        row.ids.push(json!({ "system": system, "value": i.value }));
    }
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

fn practitioner(p: &Practitioner) -> Row {
    let (suffix, degrees) = split_suffix(p.suffix.as_deref());
    let tidy = |s: &Option<String>| s.as_deref().map(tidy_case);
    let mut row = Row {
        entity: "stakeholder",
        npi: p.npi.clone(),
        first_name: p
            .first_name
            .as_deref()
            .map(|f| tidy_case(&cut(f, MAX_NAME))),
        middle_name: tidy(&p.middle_name),
        last_name: Some(tidy_case(&cut(&p.last_name, MAX_NAME))),
        prefix: tidy(&p.prefix),
        suffix,
        credentials: degrees.or_else(|| p.credentials.clone()),
        emails: p.emails.clone(),
        phones: p.phones.clone(),
        active: p.active,
        ..Row::default()
    };
    identifiers(&p.identifiers, &mut row);
    row
}

fn organization(o: &Organization, source: &str) -> Row {
    let mut row = Row {
        entity: "organization",
        npi: o.npi.clone(),
        name: Some(o.name.clone()),
        org_kind: Some(organization_kind(o.type_code.as_deref(), o.type_text.as_deref()).as_str()),
        address: o.address.clone().unwrap_or_default(),
        phone: o.phone.clone(),
        parent: o.part_of.as_ref().map(|r| reference(r, source).to_string()),
        active: o.active,
        ..Row::default()
    };
    if o.npi.is_none() {
        row.keys.push(format!("name:{}", o.name.to_lowercase()));
    }
    identifiers(&o.identifiers, &mut row);
    row
}

/// A location is matched to one of the workspace's facilities by name; otherwise it is an
/// address of its managing organization.
fn location(l: &Location, source: &str) -> Row {
    Row {
        entity: "location",
        name: l.name.clone(),
        address: l.address.clone().unwrap_or_default(),
        phone: l.phone.clone(),
        parent: l
            .managing_organization
            .as_ref()
            .map(|r| reference(r, source).to_string()),
        ..Row::default()
    }
}

fn role(r: &PractitionerRole, source: &str) -> Row {
    // A role without a code keeps the role an earlier import or a person gave.
    let (role, title) = match r.role.as_deref() {
        Some(code) => {
            let (role, title) = affiliation_role(Some(code));
            (Some(role.as_str()), title)
        }
        None => (None, None),
    };
    let place = |kind: &str, p: &Reference| {
        let mut v = reference(p, source);
        v["kind"] = json!(kind);
        v
    };
    let places: Vec<serde_json::Value> = r
        .organization
        .iter()
        .map(|p| place("Organization", p))
        .chain(r.locations.iter().map(|p| place("Location", p)))
        .collect();
    Row {
        entity: "affiliation",
        practitioner: r
            .practitioner
            .as_ref()
            .map(|p| reference(p, source).to_string()),
        places: Some(serde_json::Value::Array(places).to_string()),
        role,
        title: title.map(|t| cut(&t, 200)),
        taxonomy: r.taxonomy.clone(),
        starts_on: r.start.map(|d| d.to_string()),
        ends_on: r.end.map(|d| d.to_string()),
        active: r.active,
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
            source(&entry(
                Some("http://hl7.org/fhir/Practitioner/example"),
                Some("example")
            )),
            "fhir:http://hl7.org/fhir"
        );
        for (url, id) in [
            (None, Some("example")),
            (
                Some("urn:uuid:4f6a30fb-cd3c-4ab6-8757-532101f72065"),
                Some("example"),
            ),
            (
                Some("http://hl7.org/fhir/Practitioner/other"),
                Some("example"),
            ),
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
            json!({
                "keys": ["id:f001"],
                "ids": [{"system": "fhir:file", "value": "f001"}],
                "label": "Organization/f001",
            })
        );
        let npi = Reference::Identifier {
            system: Some(NPI_SYSTEM.into()),
            value: "1234567893".into(),
        };
        let npi = reference(&npi, "fhir:file");
        assert_eq!(npi["npi"], "1234567893");
        assert_eq!(npi["keys"], json!(["npi:1234567893"]));
        let acme = Reference::Identifier {
            system: Some("http://www.acme.org/practitioners".into()),
            value: "23".into(),
        };
        assert_eq!(
            reference(&acme, "fhir:file")["ids"],
            json!([{"system": "http://www.acme.org/practitioners", "value": "23"}])
        );
        let bare = Reference::Identifier {
            system: None,
            value: "23".into(),
        };
        assert_eq!(reference(&bare, "fhir:file")["keys"], json!([]));
        let url = Reference::Url("urn:uuid:1".into());
        assert_eq!(
            reference(&url, "fhir:file")["keys"],
            json!(["url:urn:uuid:1"])
        );
    }

    #[test]
    fn organizations_without_an_npi_are_matched_by_name_in_the_file() {
        let o = Organization {
            name: "Burgers University Medical Center".into(),
            identifiers: vec![Identifier {
                system: Some("urn:oid:2.16.528.1".into()),
                value: "91654".into(),
            }],
            ..Organization::default()
        };
        let row = organization(&o, FILE_SOURCE);
        assert_eq!(
            row.keys,
            [
                "name:burgers university medical center",
                "identifier:urn:oid:2.16.528.1|91654"
            ]
        );
        let with_npi = Organization {
            npi: Some("1234567893".into()),
            ..o
        };
        assert!(
            !organization(&with_npi, FILE_SOURCE)
                .keys
                .iter()
                .any(|k| k.starts_with("name:"))
        );
    }
}
