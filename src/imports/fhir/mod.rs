//! FHIR R4 provider-directory data: Practitioner, PractitionerRole, Organization and
//! Location, in the three shapes it arrives in, told apart by the content:
//! - **one resource**, a JSON document;
//! - **a Bundle** (`"resourceType": "Bundle"`), its resources in `entry[].resource`;
//! - **NDJSON** (bulk export), one resource a line, read line by line and never whole.
//!
//! A document (one resource or a Bundle) is read whole, up to [`MAX_DOCUMENT_BYTES`].
//! Resources stream one at a time: each is an [`Entry`] or a [`RowError`] whose `line` is the
//! NDJSON line (1-based, blank lines counted), the Bundle entry's index + 1, or 1 for a single
//! resource. Resources of other types are skipped and counted, not failed.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, BufReader, Cursor, Read};

use serde_json::{Map, Value};

use super::RowError;
use lines::{Input, parse, peek, read_line, skip_blank, unread};
use values::{FullUrls, MAX_URL, is_fhir_id, is_type_name};

mod lines;
mod resources;
#[cfg(test)]
mod tests;
mod values;

pub use resources::{
    Address, Identifier, Location, LocationStatus, Organization, Practitioner, PractitionerRole,
    Reference, Resource,
};
pub use values::{MAX_TEXT, NPI_SYSTEM, NUCC_SYSTEM, parse_date};

/// The largest single resource or Bundle read (NDJSON streams, and caps each line at this).
pub const MAX_DOCUMENT_BYTES: u64 = 256 * 1024 * 1024;
/// Skipped types are counted by name up to this many names, the rest as "(other)".
const MAX_SKIPPED_TYPES: usize = 100;

/// The shapes FHIR data arrives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Resource,
    Bundle,
    Ndjson,
}

impl Format {
    pub fn label(self) -> &'static str {
        match self {
            Format::Resource => "FHIR resource",
            Format::Bundle => "FHIR Bundle",
            Format::Ndjson => "FHIR NDJSON (bulk export)",
        }
    }
}

/// One resource read, and where it was.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// The NDJSON line, the Bundle entry's index + 1, or 1 for a single resource: the same
    /// number a [`RowError`] for it would carry.
    pub position: u64,
    /// The Bundle entry's `fullUrl`: references by `urn:uuid:` to a resource without an id
    /// stay [`Reference::Url`] and match this.
    pub full_url: Option<String>,
    pub resource: Resource,
}

enum Source<R: Read> {
    /// Bundle entries (a single resource as an entry of its own), in memory.
    Document {
        entries: std::vec::IntoIter<Value>,
        position: u64,
    },
    Lines {
        input: Input<R>,
        /// The last line read.
        line: u64,
        /// The first line, read to tell NDJSON from a document.
        pending: Option<(u64, Result<Value, RowError>)>,
        max_line: u64,
        done: bool,
    },
}

/// Resources of other types, counted.
#[derive(Default)]
struct Skipped {
    total: u64,
    by_type: BTreeMap<String, u64>,
}

impl Skipped {
    fn count(&mut self, kind: &str) {
        self.total += 1;
        let key = if self.by_type.len() < MAX_SKIPPED_TYPES || self.by_type.contains_key(kind) {
            kind
        } else {
            "(other)"
        };
        *self.by_type.entry(key.to_string()).or_default() += 1;
    }
}

/// A streaming reader of provider-directory resources.
pub struct FhirReader<R: Read> {
    format: Format,
    source: Source<R>,
    urls: FullUrls,
    skipped: Skipped,
}

fn unreadable(e: io::Error) -> String {
    format!("The file cannot be read: {e}.")
}

/// A size limit for people: "256 MiB".
fn size(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{bytes} bytes")
    }
}

fn too_large(max: u64) -> String {
    format!(
        "The file is larger than the {} a FHIR resource or Bundle may be here; export it as NDJSON (bulk export), which is read line by line.",
        size(max)
    )
}

fn not_fhir(first: u8) -> String {
    let hint = match first {
        b'<' => " It looks like XML or HTML; export the FHIR data as JSON.",
        b'[' => " It is a JSON list, not a FHIR resource or Bundle.",
        _ => "",
    };
    format!(
        "This is not FHIR JSON: it should start with “{{” (one resource, a Bundle, or NDJSON with one resource a line).{hint}"
    )
}

/// Opens FHIR data: one resource, a Bundle or NDJSON, told apart by the content. Fails with
/// a message for the user on an empty file, on one that is not FHIR JSON, and on a
/// document over [`MAX_DOCUMENT_BYTES`].
pub fn open<R: Read>(input: R) -> Result<FhirReader<R>, String> {
    open_capped(input, MAX_DOCUMENT_BYTES)
}

fn open_capped<R: Read>(input: R, max: u64) -> Result<FhirReader<R>, String> {
    let mut input = BufReader::new(input);
    let mut head = Vec::new();
    (&mut input)
        .take(3)
        .read_to_end(&mut head)
        .map_err(unreadable)?;
    if head == b"\xef\xbb\xbf" {
        head.clear();
    }
    let mut input: Input<R> = Cursor::new(head).chain(input);
    let mut line = skip_blank(&mut input).map_err(unreadable)?;
    match peek(&mut input).map_err(unreadable)? {
        None => return Err("The file is empty.".into()),
        Some(b'{') => {}
        Some(b) => return Err(not_fhir(b)),
    }
    let mut first = Vec::new();
    if read_line(&mut input, &mut first, max)
        .map_err(unreadable)?
        .1
    {
        return Err(too_large(max));
    }
    line += 1;
    let lines = |input, line, pending| Source::Lines {
        input,
        line,
        pending: Some(pending),
        max_line: max,
        done: false,
    };
    let parsed = parse(&first);
    let blank = skip_blank(&mut input).map_err(unreadable)?;
    let next = peek(&mut input).map_err(unreadable)?;
    let source = match parsed {
        Ok(value) if next.is_none() => return document(value),
        Ok(value) => lines(input, line + blank, (line, Ok(value))),
        Err(e) => {
            // An incomplete first line starts a document spread over lines, unless the next
            // line is a resource of its own (NDJSON whose first line was cut short).
            let mut second = Vec::new();
            if e.is_eof()
                && next == Some(b'{')
                && read_line(&mut input, &mut second, max)
                    .map_err(unreadable)?
                    .1
            {
                return Err(too_large(max));
            }
            let resource_next = parse(&second).is_ok_and(|v| v.get("resourceType").is_some());
            input = unread(input, second);
            if next == Some(b'{') && (resource_next || !e.is_eof()) {
                let bad = RowError::new(line, None, format!("not valid JSON: {e}"));
                lines(input, line + blank, (line, Err(bad)))
            } else if e.is_eof() && next.is_some() {
                let room = max.saturating_sub(first.len() as u64);
                input
                    .take(room.saturating_add(1))
                    .read_to_end(&mut first)
                    .map_err(unreadable)?;
                if first.len() as u64 > max {
                    return Err(too_large(max));
                }
                return parse(&first)
                    .map_err(|e| format!("This is not valid JSON: {e}."))
                    .and_then(document);
            } else {
                return Err(format!("This is not valid JSON: {e}."));
            }
        }
    };
    Ok(FhirReader {
        format: Format::Ndjson,
        source,
        urls: HashMap::new(),
        skipped: Skipped::default(),
    })
}

/// A reader over a whole document: a Bundle's entries, or one resource.
fn document<R: Read>(mut value: Value) -> Result<FhirReader<R>, String> {
    let bundle = value.get("resourceType").and_then(Value::as_str) == Some("Bundle");
    let (format, entries) = if bundle {
        match value.get_mut("entry").map(Value::take) {
            None | Some(Value::Null) => (Format::Bundle, Vec::new()),
            Some(Value::Array(entries)) => (Format::Bundle, entries),
            Some(_) => return Err("This Bundle's “entry” is not a list.".into()),
        }
    } else {
        let entry = Map::from_iter([("resource".to_string(), value)]);
        (Format::Resource, vec![Value::Object(entry)])
    };
    Ok(FhirReader {
        format,
        urls: full_urls(&entries),
        source: Source::Document {
            entries: entries.into_iter(),
            position: 0,
        },
        skipped: Skipped::default(),
    })
}

/// What each Bundle `fullUrl` names, for the entries whose resource has a type and an id.
fn full_urls(entries: &[Value]) -> FullUrls {
    entries
        .iter()
        .filter_map(|e| {
            let url = e.get("fullUrl")?.as_str()?;
            let r = e.get("resource")?;
            let kind = r.get("resourceType")?.as_str()?;
            let id = r.get("id")?.as_str()?;
            (is_type_name(kind) && is_fhir_id(id)).then(|| {
                let literal = Reference::Literal {
                    kind: kind.to_string(),
                    id: id.to_string(),
                };
                (url.trim().to_string(), literal)
            })
        })
        .collect()
}

impl<R: Read> FhirReader<R> {
    pub fn format(&self) -> Format {
        self.format
    }

    /// How many resources of other types were skipped so far.
    pub fn skipped(&self) -> u64 {
        self.skipped.total
    }

    /// The skipped resources by type, so far.
    pub fn skipped_types(&self) -> &BTreeMap<String, u64> {
        &self.skipped.by_type
    }
}

/// Reads one resource object; None when its type is not kept.
fn item(
    position: u64,
    full_url: Option<String>,
    value: Value,
    urls: &FullUrls,
    skipped: &mut Skipped,
) -> Option<Result<Entry, RowError>> {
    let err =
        |column: Option<&str>, reason: &str| Some(Err(RowError::new(position, column, reason)));
    let Value::Object(obj) = value else {
        return err(None, "not a JSON object");
    };
    let kind = match obj.get("resourceType") {
        Some(Value::String(k)) if is_type_name(k) => k.as_str(),
        Some(_) => return err(Some("resourceType"), "not a FHIR resource type"),
        None => return err(Some("resourceType"), "missing"),
    };
    let fields = values::Fields {
        obj: &obj,
        line: position,
        urls,
    };
    let Some(resource) = resources::read(kind, &fields) else {
        skipped.count(kind);
        return None;
    };
    Some(resource.map(|resource| Entry {
        position,
        full_url,
        resource,
    }))
}

impl<R: Read> Iterator for FhirReader<R> {
    type Item = Result<Entry, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        let FhirReader {
            source,
            urls,
            skipped,
            ..
        } = self;
        loop {
            let (position, full_url, value) = match source {
                Source::Document { entries, position } => {
                    let mut entry = entries.next()?;
                    *position += 1;
                    let full_url = match entry.get("fullUrl") {
                        None | Some(Value::Null) => None,
                        Some(Value::String(u)) if u.len() <= MAX_URL => Some(u.trim().to_string()),
                        Some(_) => {
                            let reason = format!("not a URL of at most {MAX_URL} characters");
                            return Some(Err(RowError::new(*position, Some("fullUrl"), reason)));
                        }
                    };
                    match entry.get_mut("resource").map(Value::take) {
                        Some(resource) if resource.is_object() => (*position, full_url, resource),
                        _ => {
                            let reason = "the Bundle entry holds no resource";
                            return Some(Err(RowError::new(*position, Some("resource"), reason)));
                        }
                    }
                }
                Source::Lines {
                    input,
                    line,
                    pending,
                    max_line,
                    done,
                } => match pending.take() {
                    Some((at, Ok(value))) => (at, None, value),
                    Some((_, Err(e))) => return Some(Err(e)),
                    None if *done => return None,
                    None => {
                        let mut buf = Vec::new();
                        let read = read_line(input, &mut buf, *max_line);
                        *line += 1;
                        let parsed = match read {
                            Ok((0, _)) => {
                                *done = true;
                                return None;
                            }
                            Ok((_, false)) if buf.iter().all(u8::is_ascii_whitespace) => continue,
                            Ok((_, false)) => match parse(&buf) {
                                Ok(value) => Ok(value),
                                Err(e) => Err(format!("not valid JSON: {e}")),
                            },
                            Ok((_, true)) => {
                                Err(format!("longer than the {} a line may be", size(*max_line)))
                            }
                            Err(e) => {
                                *done = true;
                                Err(format!("unreadable: {e}"))
                            }
                        };
                        match parsed {
                            Ok(value) => (*line, None, value),
                            Err(reason) => return Some(Err(RowError::new(*line, None, reason))),
                        }
                    }
                },
            };
            if let Some(item) = item(position, full_url, value, urls, skipped) {
                return Some(item);
            }
        }
    }
}
