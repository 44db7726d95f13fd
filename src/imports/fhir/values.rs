//! FHIR JSON values (text, dates, codes, references, identifiers, addresses, telecoms) read
//! into plain Rust. Each failure is a [`RowError`] naming the JSON field it came from.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde_json::{Map, Value};

use super::{Address, Identifier, Reference};
use crate::domain::{Email, Npi};
use crate::imports::RowError;

/// The identifier system of US National Provider Identifiers.
pub const NPI_SYSTEM: &str = "http://hl7.org/fhir/sid/us-npi";
/// The code system of NUCC Health Care Provider Taxonomy codes.
pub const NUCC_SYSTEM: &str = "http://nucc.org/provider-taxonomy";
/// The longest name, city, identifier value or other text kept.
pub const MAX_TEXT: usize = 200;
/// The longest URL (identifier system, reference, fullUrl) kept.
pub(super) const MAX_URL: usize = 1000;

/// Bundle `fullUrl`s and the resources they name, for `urn:uuid:` references.
pub(super) type FullUrls = HashMap<String, Reference>;

/// The values of a list field. A lone object counts as a list of one: Location.address is
/// single, Organization.address a list, and exporters mix them up.
pub(super) fn items(v: Option<&Value>) -> &[Value] {
    match v {
        Some(Value::Array(a)) => a,
        Some(v @ Value::Object(_)) => std::slice::from_ref(v),
        _ => &[],
    }
}

/// A FHIR id: 1 to 64 letters, digits, `-` and `.`.
pub(super) fn is_fhir_id(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

/// A resource type name such as `Organization`.
pub(super) fn is_type_name(s: &str) -> bool {
    s.len() <= 64
        && s.starts_with(|c: char| c.is_ascii_uppercase())
        && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A FHIR date or dateTime as its date; a partial date ("2012", "2012-01") is its first day.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let day = s.split('T').next().unwrap_or(s);
    let shaped = matches!(day.len(), 4 | 7 | 10)
        && day.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !shaped {
        return None;
    }
    let part = |from: usize| day.get(from..from + 2).and_then(|p| p.parse::<u32>().ok());
    let year = day.get(0..4)?.parse::<i32>().ok()?;
    NaiveDate::from_ymd_opt(year, part(5).unwrap_or(1), part(8).unwrap_or(1))
}

/// A US ZIP or ZIP+4 cut to five digits; None for anything else (other countries' codes).
fn us_zip(z: &str) -> Option<String> {
    let b = z.as_bytes();
    let digits = |r: &[u8]| r.iter().all(u8::is_ascii_digit);
    let us = match b.len() {
        5 | 9 => digits(b),
        10 => b.get(5) == Some(&b'-') && digits(&b[..5]) && digits(&b[6..]),
        _ => false,
    };
    us.then(|| z.chars().take(5).collect())
}

fn what(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "true/false",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// One resource being read: its fields, its position (for errors) and the Bundle's fullUrls.
pub(super) struct Fields<'a> {
    pub obj: &'a Map<String, Value>,
    pub line: u64,
    pub urls: &'a FullUrls,
}

impl<'a> Fields<'a> {
    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.obj.get(key)
    }

    pub fn err(&self, column: &str, reason: impl Into<String>) -> RowError {
        RowError::new(self.line, Some(column), reason)
    }

    /// Trimmed text of at most [`MAX_TEXT`] characters; absent, null or blank is None.
    pub fn text(&self, v: Option<&Value>, column: &str) -> Result<Option<String>, RowError> {
        self.text_max(v, column, MAX_TEXT)
    }

    pub fn text_max(
        &self,
        v: Option<&Value>,
        column: &str,
        max: usize,
    ) -> Result<Option<String>, RowError> {
        match v {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.trim().chars().count() > max => {
                Err(self.err(column, format!("longer than {max} characters")))
            }
            Some(Value::String(s)) => Ok(Some(s.trim().to_string()).filter(|s| !s.is_empty())),
            Some(other) => Err(self.err(column, format!("{} is not text", what(other)))),
        }
    }

    /// Every non-blank text of a list (a lone string counts as a list of one).
    pub fn texts(&self, v: Option<&Value>, column: &str) -> Result<Vec<String>, RowError> {
        match v {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|x| self.text(Some(x), column).transpose())
                .collect(),
            other => Ok(self.text(other, column)?.into_iter().collect()),
        }
    }

    /// Texts joined, None when there are none; the whole must fit [`MAX_TEXT`].
    pub fn joined(
        &self,
        parts: &[String],
        sep: &str,
        column: &str,
    ) -> Result<Option<String>, RowError> {
        let all = parts.join(sep);
        self.text(Some(&Value::String(all)), column)
    }

    pub fn flag(&self, key: &str) -> Result<Option<bool>, RowError> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(self.err(key, format!("{} is not true or false", what(other)))),
        }
    }

    pub fn id(&self) -> Result<Option<String>, RowError> {
        match self.text_max(self.get("id"), "id", 64)? {
            Some(id) if !is_fhir_id(&id) => Err(self.err(
                "id",
                format!("“{id}” is not a FHIR id (letters, digits, “-” and “.”)"),
            )),
            id => Ok(id),
        }
    }

    pub fn date(&self, v: Option<&Value>, column: &str) -> Result<Option<NaiveDate>, RowError> {
        let Some(s) = self.text(v, column)? else {
            return Ok(None);
        };
        parse_date(&s).map(Some).ok_or_else(|| {
            self.err(
                column,
                format!("“{s}” is not a date (YYYY, YYYY-MM or YYYY-MM-DD)"),
            )
        })
    }

    /// What a CodeableConcept says: its text, else the first coding display, else (when
    /// `or_code`) the first coding code.
    pub fn concept(
        &self,
        v: Option<&Value>,
        column: &str,
        or_code: bool,
    ) -> Result<Option<String>, RowError> {
        let Some(v) = v else { return Ok(None) };
        if let Some(t) = self.text(v.get("text"), column)? {
            return Ok(Some(t));
        }
        let keys: &[&str] = if or_code {
            &["display", "code"]
        } else {
            &["display"]
        };
        for key in keys {
            for coding in items(v.get("coding")) {
                if let Some(t) = self.text(coding.get(*key), column)? {
                    return Ok(Some(t));
                }
            }
        }
        Ok(None)
    }

    /// A Reference to a resource of type `kind`: its `reference` (relative, absolute, or a
    /// Bundle's `urn:uuid:`), else its `identifier`. A bare `display` is None.
    pub fn reference(
        &self,
        v: Option<&Value>,
        column: &str,
        kind: &str,
    ) -> Result<Option<Reference>, RowError> {
        let Some(v) = v.filter(|v| !v.is_null()) else {
            return Ok(None);
        };
        if !v.is_object() {
            return Err(self.err(column, format!("{} is not a reference", what(v))));
        }
        if let Some(r) = self.text_max(v.get("reference"), column, MAX_URL)? {
            let parsed = self
                .urls
                .get(&r)
                .cloned()
                .unwrap_or_else(|| Reference::parse(&r));
            if let Reference::Literal { kind: k, .. } = &parsed
                && k != kind
            {
                return Err(self.err(
                    column,
                    format!("“{r}” is not a reference to a {kind} resource"),
                ));
            }
            return Ok(Some(parsed));
        }
        let Some(i) = v.get("identifier") else {
            return Ok(None);
        };
        let system = self.text_max(i.get("system"), column, MAX_URL)?;
        let Some(mut value) = self.text(i.get("value"), column)? else {
            return Ok(None);
        };
        if system.as_deref() == Some(NPI_SYSTEM) {
            value = self.npi(&value, column)?;
        }
        Ok(Some(Reference::Identifier { system, value }))
    }

    fn npi(&self, value: &str, column: &str) -> Result<String, RowError> {
        Npi::parse(value)
            .map(|n| n.as_str().to_string())
            .map_err(|e| self.err(column, format!("“{value}”: {e}")))
    }

    /// The NPI (validated; at most one) and the other identifiers that have a value.
    pub fn identifiers(&self) -> Result<(Option<String>, Vec<Identifier>), RowError> {
        let (mut npi, mut others) = (None::<String>, Vec::new());
        for i in items(self.get("identifier")) {
            let system = self.text_max(i.get("system"), "identifier", MAX_URL)?;
            let Some(value) = self.text(i.get("value"), "identifier")? else {
                continue;
            };
            if system.as_deref() != Some(NPI_SYSTEM) {
                others.push(Identifier { system, value });
                continue;
            }
            let n = self.npi(&value, "identifier")?;
            if let Some(first) = npi.as_ref().filter(|first| **first != n) {
                return Err(self.err("identifier", format!("two NPIs, {first} and {n}")));
            }
            npi = Some(n);
        }
        Ok((npi, others))
    }

    /// The first address: first line, city, state, postal code (a US ZIP or ZIP+4 cut to
    /// five digits; other countries' codes as written), country.
    pub fn address(&self) -> Result<Option<Address>, RowError> {
        let Some(a) = items(self.get("address")).first() else {
            return Ok(None);
        };
        let postal_code = self.text(a.get("postalCode"), "address.postalCode")?;
        let address = Address {
            line: self
                .texts(a.get("line"), "address.line")?
                .into_iter()
                .next(),
            city: self.text(a.get("city"), "address.city")?,
            state: self.text(a.get("state"), "address.state")?,
            postal_code: postal_code.map(|z| us_zip(&z).unwrap_or(z)),
            country: self.text(a.get("country"), "address.country")?,
        };
        Ok(Some(address).filter(|a| *a != Address::default()))
    }

    fn telecoms(&self, system: &str) -> Result<Vec<String>, RowError> {
        let mut found = Vec::new();
        for t in items(self.get("telecom")) {
            if t.get("system").and_then(Value::as_str) == Some(system)
                && let Some(v) = self.text(t.get("value"), "telecom")?
            {
                found.push(v);
            }
        }
        Ok(found)
    }

    /// Phone numbers as written (not fax or pager).
    pub fn phones(&self) -> Result<Vec<String>, RowError> {
        self.telecoms("phone")
    }

    /// Email addresses, validated and lower-cased (a `mailto:` in front is dropped).
    pub fn emails(&self) -> Result<Vec<String>, RowError> {
        self.telecoms("email")?
            .iter()
            .map(|v| {
                Email::parse(v.trim_start_matches("mailto:"))
                    .map(|e| e.as_str().to_string())
                    .map_err(|e| self.err("telecom", format!("“{v}”: {e}")))
            })
            .collect()
    }
}
