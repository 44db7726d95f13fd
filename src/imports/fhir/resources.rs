//! The four provider-directory resources Rapport keeps, as plain structs, and how each is
//! read from its JSON object.

use chrono::NaiveDate;
use serde_json::Value;

use super::values::{Fields, NUCC_SYSTEM, is_fhir_id, is_type_name, items};
use crate::imports::RowError;

/// A resource this reader keeps.
#[derive(Clone, Debug, PartialEq)]
pub enum Resource {
    Practitioner(Practitioner),
    Organization(Organization),
    Location(Location),
    Role(PractitionerRole),
}

impl Resource {
    /// The FHIR resource type.
    pub fn kind(&self) -> &'static str {
        match self {
            Resource::Practitioner(_) => "Practitioner",
            Resource::Organization(_) => "Organization",
            Resource::Location(_) => "Location",
            Resource::Role(_) => "PractitionerRole",
        }
    }

    pub fn id(&self) -> Option<&str> {
        match self {
            Resource::Practitioner(r) => r.id.as_deref(),
            Resource::Organization(r) => r.id.as_deref(),
            Resource::Location(r) => r.id.as_deref(),
            Resource::Role(r) => r.id.as_deref(),
        }
    }
}

/// Where a reference points.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Reference {
    /// `Organization/123`, also from an absolute URL, a `/_history/n` version, or a Bundle
    /// `urn:uuid:` fullUrl whose resource has an id.
    Literal { kind: String, id: String },
    /// A logical reference: `{"identifier": {"system": …, "value": …}}` (an NPI validated).
    Identifier {
        system: Option<String>,
        value: String,
    },
    /// Any other reference: an unresolved `urn:uuid:`, a contained `#id`, a URL.
    Url(String),
}

impl Reference {
    /// Reads a `reference` string.
    pub fn parse(s: &str) -> Reference {
        let s = s.trim();
        let absolute = s.contains("://");
        let path = match s.split_once("://") {
            Some((_, rest)) => rest.split_once('/').map_or("", |(_, path)| path),
            None => s,
        };
        let mut parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        if parts.len() >= 4 && parts.get(parts.len() - 2) == Some(&"_history") {
            parts.truncate(parts.len() - 2);
        }
        match parts.as_slice() {
            [.., kind, id]
                if (absolute || parts.len() == 2) && is_type_name(kind) && is_fhir_id(id) =>
            {
                Reference::Literal {
                    kind: kind.to_string(),
                    id: id.to_string(),
                }
            }
            _ => Reference::Url(s.to_string()),
        }
    }
}

/// An identifier other than the NPI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identifier {
    pub system: Option<String>,
    pub value: String,
}

/// The first address a resource lists.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Address {
    /// The first street line.
    pub line: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    /// Five digits for a US ZIP or ZIP+4; other countries' codes as written.
    pub postal_code: Option<String>,
    pub country: Option<String>,
}

/// A person who provides care. The name is the `official` one, else the first.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Practitioner {
    pub id: Option<String>,
    pub npi: Option<String>,
    pub identifiers: Vec<Identifier>,
    pub last_name: String,
    pub first_name: Option<String>,
    /// The given names after the first, space-separated.
    pub middle_name: Option<String>,
    pub prefix: Option<String>,
    /// Suffixes space-separated; FHIR often puts degrees ("MD") here.
    pub suffix: Option<String>,
    /// Each qualification's text, display or code, joined with ", ".
    pub credentials: Option<String>,
    pub active: Option<bool>,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
}

/// A hospital, practice, department or payer.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Organization {
    pub id: Option<String>,
    pub npi: Option<String>,
    pub identifiers: Vec<Identifier>,
    pub name: String,
    /// The first type's first coding code.
    pub type_code: Option<String>,
    /// The first type's text, else its first coding display or code.
    pub type_text: Option<String>,
    pub active: Option<bool>,
    pub address: Option<Address>,
    /// The first phone number.
    pub phone: Option<String>,
    pub part_of: Option<Reference>,
}

/// The status a Location has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LocationStatus {
    Active,
    Suspended,
    Inactive,
}

/// A place where care is given: a site, a wing, a vehicle.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Location {
    pub id: Option<String>,
    pub name: Option<String>,
    pub status: Option<LocationStatus>,
    pub address: Option<Address>,
    /// The first phone number.
    pub phone: Option<String>,
    pub managing_organization: Option<Reference>,
    /// The first type's text, else its first coding display or code.
    pub type_text: Option<String>,
}

/// A practitioner's role at an organization and its locations.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct PractitionerRole {
    pub id: Option<String>,
    pub practitioner: Option<Reference>,
    pub organization: Option<Reference>,
    pub locations: Vec<Reference>,
    /// The first code's text, else its first coding display or code.
    pub role: Option<String>,
    /// The first specialty's NUCC taxonomy code, when it has one.
    pub taxonomy: Option<String>,
    /// The first specialty's text, else its NUCC display, else its first display.
    pub specialty: Option<String>,
    /// The period's dates; a dateTime's date, a partial date's first day.
    pub start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
    pub active: Option<bool>,
}

/// Reads a resource of a kept type; None for the other types.
pub(super) fn read(kind: &str, f: &Fields) -> Option<Result<Resource, RowError>> {
    Some(match kind {
        "Practitioner" => practitioner(f).map(Resource::Practitioner),
        "Organization" => organization(f).map(Resource::Organization),
        "Location" => location(f).map(Resource::Location),
        "PractitionerRole" => role(f).map(Resource::Role),
        _ => return None,
    })
}

/// "Careful, Adam B" or "Adam B Careful" as (family, given names).
fn split_name(text: &str) -> Option<(String, Vec<String>)> {
    let words = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
    let (family, given) = match text.split_once(',') {
        Some((family, given)) => (family.trim().to_string(), words(given)),
        None => {
            let mut given = words(text);
            (given.pop()?, given)
        }
    };
    Some((family, given)).filter(|(family, _)| !family.is_empty())
}

fn practitioner(f: &Fields) -> Result<Practitioner, RowError> {
    let (npi, identifiers) = f.identifiers()?;
    let names = items(f.get("name"));
    let name = names
        .iter()
        .find(|n| n.get("use").and_then(Value::as_str) == Some("official"))
        .or(names.first());
    let field = |key: &str| name.and_then(|n| n.get(key));
    let mut last_name = f.text(field("family"), "name.family")?;
    let mut given = f.texts(field("given"), "name.given")?;
    if last_name.is_none()
        && let Some((family, split)) = f
            .text(field("text"), "name.text")?
            .and_then(|t| split_name(&t))
    {
        last_name = Some(family);
        if given.is_empty() {
            given = split;
        }
    }
    let last_name = last_name.ok_or_else(|| {
        f.err(
            "name",
            "a practitioner needs a family name (name.family, or a name.text to split)",
        )
    })?;
    let mut credentials: Vec<String> = Vec::new();
    for q in items(f.get("qualification")) {
        if let Some(c) = f.concept(q.get("code"), "qualification", true)?
            && !credentials.contains(&c)
        {
            credentials.push(c);
        }
    }
    Ok(Practitioner {
        id: f.id()?,
        npi,
        identifiers,
        last_name,
        first_name: given.first().cloned(),
        middle_name: f.joined(given.get(1..).unwrap_or_default(), " ", "name.given")?,
        prefix: f.joined(
            &f.texts(field("prefix"), "name.prefix")?,
            " ",
            "name.prefix",
        )?,
        suffix: f.joined(
            &f.texts(field("suffix"), "name.suffix")?,
            " ",
            "name.suffix",
        )?,
        credentials: f.joined(&credentials, ", ", "qualification")?,
        active: f.flag("active")?,
        emails: f.emails()?,
        phones: f.phones()?,
    })
}

fn organization(f: &Fields) -> Result<Organization, RowError> {
    let (npi, identifiers) = f.identifiers()?;
    let name = f
        .text(f.get("name"), "name")?
        .ok_or_else(|| f.err("name", "an organization needs a name"))?;
    let kind = items(f.get("type")).first();
    let coding = kind.and_then(|k| items(k.get("coding")).first());
    Ok(Organization {
        id: f.id()?,
        npi,
        identifiers,
        name,
        type_code: f.text(coding.and_then(|c| c.get("code")), "type")?,
        type_text: f.concept(kind, "type", true)?,
        active: f.flag("active")?,
        address: f.address()?,
        phone: f.phones()?.into_iter().next(),
        part_of: f.reference(f.get("partOf"), "partOf", "Organization")?,
    })
}

fn location(f: &Fields) -> Result<Location, RowError> {
    let status = match f.text(f.get("status"), "status")? {
        None => None,
        Some(s) => Some(match s.to_ascii_lowercase().as_str() {
            "active" => LocationStatus::Active,
            "suspended" => LocationStatus::Suspended,
            "inactive" => LocationStatus::Inactive,
            _ => {
                return Err(f.err(
                    "status",
                    format!("“{s}” is not active, suspended or inactive"),
                ));
            }
        }),
    };
    Ok(Location {
        id: f.id()?,
        name: f.text(f.get("name"), "name")?,
        status,
        address: f.address()?,
        phone: f.phones()?.into_iter().next(),
        managing_organization: f.reference(
            f.get("managingOrganization"),
            "managingOrganization",
            "Organization",
        )?,
        type_text: f.concept(items(f.get("type")).first(), "type", true)?,
    })
}

fn role(f: &Fields) -> Result<PractitionerRole, RowError> {
    let mut locations = Vec::new();
    for l in items(f.get("location")) {
        if let Some(r) = f.reference(Some(l), "location", "Location")? {
            locations.push(r);
        }
    }
    let specialty = items(f.get("specialty")).first();
    let nucc = specialty.and_then(|s| {
        items(s.get("coding"))
            .iter()
            .find(|c| c.get("system").and_then(Value::as_str) == Some(NUCC_SYSTEM))
    });
    let taxonomy = match f.text(nucc.and_then(|c| c.get("code")), "specialty")? {
        Some(code) if code.len() == 10 && code.bytes().all(|b| b.is_ascii_alphanumeric()) => {
            Some(code.to_ascii_uppercase())
        }
        Some(code) => {
            return Err(f.err("specialty", format!("“{code}” is not a NUCC taxonomy code")));
        }
        None => None,
    };
    let mut specialty_text = f.text(specialty.and_then(|s| s.get("text")), "specialty")?;
    if specialty_text.is_none() {
        specialty_text = f.text(nucc.and_then(|c| c.get("display")), "specialty")?;
    }
    if specialty_text.is_none() {
        specialty_text = f.concept(specialty, "specialty", false)?;
    }
    let period = f.get("period");
    let start = f.date(period.and_then(|p| p.get("start")), "period.start")?;
    let end = f.date(period.and_then(|p| p.get("end")), "period.end")?;
    if let (Some(s), Some(e)) = (start, end)
        && e < s
    {
        return Err(f.err("period", format!("ends ({e}) before it starts ({s})")));
    }
    Ok(PractitionerRole {
        id: f.id()?,
        practitioner: f.reference(f.get("practitioner"), "practitioner", "Practitioner")?,
        organization: f.reference(f.get("organization"), "organization", "Organization")?,
        locations,
        role: f.concept(items(f.get("code")).first(), "code", true)?,
        taxonomy,
        specialty: specialty_text,
        start,
        end,
        active: f.flag("active")?,
    })
}
