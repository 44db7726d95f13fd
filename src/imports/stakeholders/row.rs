//! One data row: the mapped cells cleaned and checked with the domain's rules, so the
//! importer writes what a stakeholder form would have accepted.

use serde::Serialize;

use super::mapping::Field;
use super::names::split_name;
use super::values::{channel, kind, phone, state, tier, zip};
use crate::domain::{Channel, Email, Npi, StakeholderKind, Tier, clean_tags};
use crate::imports::RowError;
use crate::imports::text::{clean, decode, is_blank};

/// A stakeholder as one row of the file describes them, every value cleaned and checked.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StakeholderRow {
    /// Where the row starts in the file (1-based, the header is line 1).
    pub line: u64,
    pub prefix: Option<String>,
    pub first_name: String,
    pub middle_name: Option<String>,
    pub last_name: String,
    pub suffix: Option<String>,
    pub credentials: Option<String>,
    /// Ten digits with a valid check digit.
    pub npi: Option<String>,
    /// Lower-cased, without repeats, at most five.
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    /// None when the file does not say: the importer picks the default.
    pub kind: Option<StakeholderKind>,
    pub taxonomy_code: Option<String>,
    pub tags: Vec<String>,
    pub tier: Option<Tier>,
    pub preferred_channel: Option<Channel>,
    pub organization_name: Option<String>,
    pub address_line: Option<String>,
    pub city: Option<String>,
    /// Two upper-case letters.
    pub state: Option<String>,
    /// Five digits.
    pub postal_code: Option<String>,
}

/// What identifies a stakeholder across imports.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Key {
    Npi(String),
    Email(String),
}

impl StakeholderRow {
    /// The NPI when the row has one, else its first email: the importer updates the
    /// stakeholder with that key, or creates one when there is none.
    pub fn natural_key(&self) -> Option<Key> {
        self.npi
            .clone()
            .map(Key::Npi)
            .or_else(|| self.emails.first().cloned().map(Key::Email))
    }
}

/// The longest value a field takes, as the stakeholder form allows.
fn max_chars(field: Field) -> usize {
    match field {
        Field::Prefix | Field::Suffix => 20,
        Field::FullName | Field::OrganizationName | Field::AddressLine => 200,
        // A cell of several tags; clean_tags checks each.
        Field::Tags => 1000,
        _ => 100,
    }
}

/// Whitespace runs (new lines in a quoted cell too) become one space; other control
/// characters, which only binary junk carries, are refused.
fn text(v: &str, max: usize) -> Result<String, String> {
    let s = v.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().any(char::is_control) {
        return Err(format!("“{}” contains control characters", shown(&s)));
    }
    if s.chars().count() > max {
        return Err(format!("“{}…” is longer than {max} characters", shown(&s)));
    }
    Ok(s)
}

/// A value as quoted in an error: at most 40 characters.
pub(super) fn shown(v: &str) -> String {
    v.chars().take(40).collect()
}

/// Builds a row from a record. `headers` name the columns in errors.
pub(super) fn read(
    line: u64,
    headers: &[String],
    fields: &[Field],
    record: &csv::ByteRecord,
) -> Result<StakeholderRow, RowError> {
    let name = |i: usize| headers.get(i).map(String::as_str);
    let first_column = |f: Field| fields.iter().position(|g| *g == f);
    let mut row = StakeholderRow {
        line,
        ..Default::default()
    };
    let mut full_name = None;
    let mut tags = Vec::new();
    for (i, field) in fields.iter().copied().enumerate() {
        let Some(raw) = record.get(i).map(decode).filter(|v| !is_blank(v)) else {
            continue;
        };
        let v = if field == Field::AddressLine {
            // A street in two lines ("123 Main St\nSuite 4") is one address line.
            clean(&raw).lines().collect::<Vec<_>>().join(", ")
        } else {
            clean(&raw).to_string()
        };
        let err = |reason: String| RowError::new(line, name(i), reason);
        let value = || text(&v, max_chars(field)).map_err(err);
        let wrong = |what: &str| err(format!("“{}” {what}", shown(&v)));
        match field {
            Field::Ignore => {}
            Field::FirstName => row.first_name = value()?,
            Field::LastName => row.last_name = value()?,
            Field::FullName => full_name = Some((i, value()?)),
            Field::MiddleName => row.middle_name = Some(value()?),
            Field::Prefix => row.prefix = Some(value()?),
            Field::Suffix => row.suffix = Some(value()?),
            Field::Credentials => row.credentials = Some(value()?),
            Field::OrganizationName => row.organization_name = Some(value()?),
            Field::AddressLine => row.address_line = Some(value()?),
            Field::City => row.city = Some(value()?),
            Field::Npi => {
                let npi = Npi::parse(&v).map_err(|e| err(format!("“{}”: {e}", shown(&v))))?;
                row.npi = Some(npi.as_str().to_string());
            }
            Field::Email => {
                for e in v.split([',', ';', '|']).flat_map(str::split_whitespace) {
                    let email = Email::parse(e).map_err(|_| {
                        err(format!(
                            "“{}” is not an email address like name@example.org",
                            shown(e)
                        ))
                    })?;
                    if !row.emails.iter().any(|x| x == email.as_str()) {
                        row.emails.push(email.as_str().to_string());
                    }
                }
            }
            Field::Phone => {
                for p in v
                    .split([',', ';', '|', '\n'])
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                {
                    let p = phone(p).ok_or_else(|| {
                        err(format!(
                            "“{}” is not a phone number; use digits, spaces and + - ( ) x",
                            shown(p)
                        ))
                    })?;
                    if !row.phones.contains(&p) {
                        row.phones.push(p);
                    }
                }
            }
            Field::Kind => {
                row.kind = Some(kind(&v).ok_or_else(|| {
                    wrong("is not a kind of stakeholder: use physician, advanced practice (NP, PA), clinical staff (nurse, RN), executive, staff or community leader")
                })?);
            }
            Field::TaxonomyCode => {
                let c = v.to_ascii_uppercase();
                let b = c.as_bytes();
                let shape = b.len() == 10
                    && b[9] == b'X'
                    && b[..9]
                        .iter()
                        .all(|x| x.is_ascii_digit() || x.is_ascii_uppercase());
                if !shape {
                    return Err(wrong("is not a taxonomy code like 207RC0000X"));
                }
                row.taxonomy_code = Some(c);
            }
            Field::Tags => tags.extend(
                value()?
                    .split([';', ',', '|'])
                    .map(|t| t.trim().to_string()),
            ),
            Field::Tier => row.tier = Some(tier(&v).ok_or_else(|| wrong("is not tier A, B or C"))?),
            Field::PreferredChannel => {
                row.preferred_channel = Some(channel(&v).ok_or_else(|| {
                    wrong("is not a channel: use email, phone, text, visit, mail or portal")
                })?);
            }
            Field::State => row.state = Some(state(&v).ok_or_else(|| wrong("is not a US state"))?),
            Field::PostalCode => {
                row.postal_code =
                    Some(zip(&v).ok_or_else(|| wrong("is not a ZIP code (5 digits or ZIP+4)"))?);
            }
        }
    }
    let column_of = |f: Field| first_column(f).and_then(name);
    row.tags = clean_tags(&tags).map_err(|e| RowError::new(line, column_of(Field::Tags), e))?;
    if row.emails.len() > 5 {
        return Err(RowError::new(
            line,
            column_of(Field::Email),
            "more than 5 email addresses",
        ));
    }
    if row.phones.len() > 5 {
        return Err(RowError::new(
            line,
            column_of(Field::Phone),
            "more than 5 phone numbers",
        ));
    }
    if let Some((i, full)) =
        full_name.filter(|_| row.first_name.is_empty() || row.last_name.is_empty())
    {
        let err = |reason: String| RowError::new(line, name(i), reason);
        let parts = split_name(&full).ok_or_else(|| {
            err(format!(
                "“{}”: cannot tell the first name from the last name",
                shown(&full)
            ))
        })?;
        let fit =
            |part: Option<String>, max: usize| part.map(|p| text(&p, max).map_err(err)).transpose();
        if row.first_name.is_empty() {
            row.first_name = fit(Some(parts.first), 100)?.unwrap_or_default();
        }
        if row.last_name.is_empty() {
            row.last_name = fit(Some(parts.last), 100)?.unwrap_or_default();
        }
        if row.prefix.is_none() {
            row.prefix = fit(parts.prefix, 20)?;
        }
        if row.middle_name.is_none() {
            row.middle_name = fit(parts.middle, 100)?;
        }
        if row.suffix.is_none() {
            row.suffix = fit(parts.suffix, 20)?;
        }
        if row.credentials.is_none() {
            row.credentials = fit(parts.credentials, 100)?;
        }
    }
    let missing = |f: Field, what: &str| {
        let column = column_of(f).or_else(|| column_of(Field::FullName));
        RowError::new(line, column, format!("no {what}"))
    };
    if row.last_name.is_empty() {
        return Err(missing(Field::LastName, "last name"));
    }
    if row.first_name.is_empty() {
        return Err(missing(Field::FirstName, "first name"));
    }
    Ok(row)
}
