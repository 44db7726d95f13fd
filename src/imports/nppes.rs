//! The CMS NPPES NPI registry file (`npidata_pfile_*.csv`): about 330 quoted columns, 9M+
//! rows. Columns are found by header name, never by position (releases rename and append
//! columns). Rows stream one at a time, and [`Market`] filters them on the way in, so a
//! 10 GB file never sits in memory.

use std::collections::HashMap;
use std::io::Read;

use chrono::NaiveDate;

use super::RowError;
use super::text::{clean, decode, is_blank};
use crate::domain::Npi;

/// Whether the NPI belongs to a person or an organization.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entity {
    Individual,
    Organization,
}

/// One provider as the registry describes them.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Provider {
    pub npi: String,
    /// None for a deactivated NPI (the registry blanks everything else).
    pub entity: Option<Entity>,
    pub deactivated_on: Option<NaiveDate>,
    pub organization_name: Option<String>,
    pub last_name: Option<String>,
    pub first_name: Option<String>,
    pub middle_name: Option<String>,
    pub prefix: Option<String>,
    pub suffix: Option<String>,
    pub credentials: Option<String>,
    /// The taxonomy marked primary ("Y"), else the first one listed.
    pub primary_taxonomy: Option<String>,
    /// Every taxonomy code listed, in column order, without repeats.
    pub taxonomies: Vec<String>,
    pub address_line: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    /// Five digits (the registry writes nine without a hyphen).
    pub postal_code: Option<String>,
    pub phone: Option<String>,
}

impl Provider {
    pub fn is_deactivated(&self) -> bool {
        self.deactivated_on.is_some() && self.entity.is_none()
    }
}

/// Which providers a workspace keeps: its market. An empty list means any.
#[derive(Clone, Debug, Default)]
pub struct Market {
    /// Two-letter states of the practice location.
    pub states: Vec<String>,
    /// Leading digits of the practice ZIP code ("974", "97401").
    pub zip_prefixes: Vec<String>,
    /// Leading characters of any listed taxonomy ("207R" keeps internal medicine and its
    /// subspecialties).
    pub taxonomy_prefixes: Vec<String>,
}

impl Market {
    /// Deactivated NPIs always pass: the workspace may hold them and must mark them.
    pub fn keeps(&self, p: &Provider) -> bool {
        if p.is_deactivated() {
            return true;
        }
        let state_ok = self.states.is_empty()
            || p.state
                .as_deref()
                .is_some_and(|s| self.states.iter().any(|w| w.eq_ignore_ascii_case(s)));
        let zip_ok = self.zip_prefixes.is_empty()
            || p.postal_code
                .as_deref()
                .is_some_and(|z| self.zip_prefixes.iter().any(|w| z.starts_with(w.as_str())));
        let taxonomy_ok = self.taxonomy_prefixes.is_empty()
            || p.taxonomies.iter().any(|t| {
                self.taxonomy_prefixes
                    .iter()
                    .any(|w| t.starts_with(w.as_str()))
            });
        state_ok && zip_ok && taxonomy_ok
    }
}

/// Where the fields sit in this release's header.
struct Columns {
    npi: usize,
    entity: usize,
    fields: HashMap<&'static str, usize>,
    /// (taxonomy code column, primary switch column) pairs, in order.
    taxonomies: Vec<(usize, Option<usize>)>,
}

const FIELDS: &[(&str, &str)] = &[
    (
        "organization_name",
        "provider organization name (legal business name)",
    ),
    ("last_name", "provider last name (legal name)"),
    ("first_name", "provider first name"),
    ("middle_name", "provider middle name"),
    ("prefix", "provider name prefix text"),
    ("suffix", "provider name suffix text"),
    ("credentials", "provider credential text"),
    (
        "address_line",
        "provider first line business practice location address",
    ),
    (
        "city",
        "provider business practice location address city name",
    ),
    (
        "state",
        "provider business practice location address state name",
    ),
    (
        "postal_code",
        "provider business practice location address postal code",
    ),
    (
        "phone",
        "provider business practice location address telephone number",
    ),
    ("deactivated_on", "npi deactivation date"),
];

/// A streaming reader of registry rows.
pub struct NppesReader<R: Read> {
    records: csv::Reader<R>,
    columns: Columns,
    line: u64,
}

/// Opens a registry file; fails with a message when the header is not the registry's.
pub fn open<R: Read>(input: R) -> Result<NppesReader<R>, String> {
    let mut records = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(input);
    let mut header = csv::ByteRecord::new();
    let has_header = records
        .read_byte_record(&mut header)
        .map_err(|e| format!("The file cannot be read as CSV: {e}."))?;
    if !has_header {
        return Err("The file is empty.".into());
    }
    let names: Vec<String> = header
        .iter()
        .map(|f| clean(&decode(f)).to_ascii_lowercase())
        .collect();
    let position = |name: &str| names.iter().position(|n| n == name);
    let (Some(npi), Some(entity)) = (position("npi"), position("entity type code")) else {
        return Err("This is not an NPPES registry file: its header has no \"NPI\" and \"Entity Type Code\" columns.".into());
    };
    let fields = FIELDS
        .iter()
        .filter_map(|(key, name)| position(name).map(|i| (*key, i)))
        .collect();
    let mut taxonomies = Vec::new();
    for n in 1..=50 {
        match position(&format!("healthcare provider taxonomy code_{n}")) {
            Some(code) => taxonomies.push((
                code,
                position(&format!("healthcare provider primary taxonomy switch_{n}")),
            )),
            None => break,
        }
    }
    Ok(NppesReader {
        records,
        columns: Columns {
            npi,
            entity,
            fields,
            taxonomies,
        },
        line: 1,
    })
}

impl<R: Read> NppesReader<R> {
    /// The line of the row last read (1-based, the header is line 1).
    pub fn line(&self) -> u64 {
        self.line
    }

    fn provider(&self, record: &csv::ByteRecord) -> Result<Provider, RowError> {
        let line = self.line;
        let c = &self.columns;
        let value = |i: usize| {
            record
                .get(i)
                .map(decode)
                .filter(|v| !is_blank(v))
                .map(|v| clean(&v).to_string())
        };
        let field = |key: &str| c.fields.get(key).and_then(|i| value(*i));
        let raw_npi = value(c.npi).unwrap_or_default();
        let npi = Npi::parse(&raw_npi)
            .map_err(|e| RowError::new(line, Some("NPI"), format!("“{raw_npi}”: {e}")))?
            .as_str()
            .to_string();
        let deactivated_on = match field("deactivated_on") {
            None => None,
            Some(d) => Some(
                NaiveDate::parse_from_str(&d, "%m/%d/%Y")
                    .or_else(|_| NaiveDate::parse_from_str(&d, "%Y-%m-%d"))
                    .map_err(|_| {
                        RowError::new(
                            line,
                            Some("NPI Deactivation Date"),
                            format!("“{d}” is not a date"),
                        )
                    })?,
            ),
        };
        let entity = match value(c.entity).as_deref() {
            Some("1") => Some(Entity::Individual),
            Some("2") => Some(Entity::Organization),
            None if deactivated_on.is_some() => None,
            other => {
                return Err(RowError::new(
                    line,
                    Some("Entity Type Code"),
                    format!(
                        "“{}” is neither 1 (individual) nor 2 (organization)",
                        other.unwrap_or_default()
                    ),
                ));
            }
        };
        let mut taxonomies: Vec<String> = Vec::new();
        let mut primary = None;
        for (code, switch) in &c.taxonomies {
            let Some(t) = value(*code).map(|t| t.to_ascii_uppercase()) else {
                continue;
            };
            if switch
                .and_then(value)
                .is_some_and(|s| s.eq_ignore_ascii_case("y"))
                && primary.is_none()
            {
                primary = Some(t.clone());
            }
            if !taxonomies.contains(&t) {
                taxonomies.push(t);
            }
        }
        let postal_code = field("postal_code").map(|z| {
            z.chars()
                .filter(char::is_ascii_digit)
                .take(5)
                .collect::<String>()
        });
        Ok(Provider {
            npi,
            entity,
            deactivated_on,
            organization_name: field("organization_name"),
            last_name: field("last_name"),
            first_name: field("first_name"),
            middle_name: field("middle_name"),
            prefix: field("prefix"),
            suffix: field("suffix"),
            credentials: field("credentials"),
            primary_taxonomy: primary.or_else(|| taxonomies.first().cloned()),
            taxonomies,
            address_line: field("address_line"),
            city: field("city"),
            state: field("state").map(|s| s.to_ascii_uppercase()),
            postal_code: postal_code.filter(|z| !z.is_empty()),
            phone: field("phone"),
        })
    }
}

impl<R: Read> Iterator for NppesReader<R> {
    type Item = Result<Provider, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut record = csv::ByteRecord::new();
        loop {
            match self.records.read_byte_record(&mut record) {
                Ok(true) => {}
                Ok(false) => return None,
                Err(e) => {
                    self.line += 1;
                    return Some(Err(RowError::new(
                        self.line,
                        None,
                        format!("unreadable: {e}"),
                    )));
                }
            }
            self.line += 1;
            if record.iter().all(super::text::blank_bytes) {
                continue;
            }
            return Some(self.provider(&record));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &[u8] = include_bytes!("../../tests/fixtures/nppes_2019_head19.csv");

    fn all(bytes: &[u8]) -> (Vec<Provider>, Vec<RowError>) {
        let (mut ok, mut bad) = (Vec::new(), Vec::new());
        for r in open(bytes).expect("opens") {
            match r {
                Ok(p) => ok.push(p),
                Err(e) => bad.push(e),
            }
        }
        (ok, bad)
    }

    #[test]
    fn the_real_2019_extract_reads_people_and_organizations() {
        let (ok, bad) = all(SAMPLE);
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!(ok.len(), 19);
        let people = ok
            .iter()
            .filter(|p| p.entity == Some(Entity::Individual))
            .count();
        assert_eq!((people, ok.len() - people), (16, 3));
        let wiebe = &ok[0];
        assert_eq!(wiebe.npi, "1679576722");
        assert_eq!(
            (wiebe.last_name.as_deref(), wiebe.first_name.as_deref()),
            (Some("WIEBE"), Some("DAVID"))
        );
        assert_eq!(wiebe.credentials.as_deref(), Some("M.D."));
        assert_eq!(wiebe.primary_taxonomy.as_deref(), Some("207X00000X"));
        assert_eq!(
            (
                wiebe.city.as_deref(),
                wiebe.state.as_deref(),
                wiebe.postal_code.as_deref()
            ),
            (Some("KEARNEY"), Some("NE"), Some("68847"))
        );
        let hospital = &ok[2];
        assert_eq!(
            hospital.organization_name.as_deref(),
            Some("CUMBERLAND COUNTY HOSPITAL SYSTEM, INC")
        );
        assert_eq!(hospital.entity, Some(Entity::Organization));
    }

    #[test]
    fn the_primary_taxonomy_is_the_one_switched_on_not_the_first() {
        let (ok, _) = all(SAMPLE);
        let gressot = ok
            .iter()
            .find(|p| p.npi == "1215930367")
            .expect("in the sample");
        assert_eq!(gressot.taxonomies, vec!["174400000X", "207RH0003X"]);
        assert_eq!(gressot.primary_taxonomy.as_deref(), Some("207RH0003X"));
        let adusumilli = ok
            .iter()
            .find(|p| p.npi == "1932102084")
            .expect("in the sample");
        assert_eq!(
            adusumilli.taxonomies,
            vec!["207RC0000X"],
            "a code listed twice counts once"
        );
    }

    #[test]
    fn columns_are_found_by_name_in_any_order_and_deactivations_are_kept() {
        let file = b"\xef\xbb\xbf\"Provider Sex Code\",\"Entity Type Code\",\"NPI\",\"NPI Deactivation Date\",\"Provider Last Name (Legal Name)\",\"Healthcare Provider Taxonomy Code_1\",\"Healthcare Provider Primary Taxonomy Switch_1\"\r\n\
\"F\",\"1\",\"1679576722\",\"\",\"WIEBE\",\"207x00000x\",\"Y\"\r\n\
\"\",\"\",\"1588667638\",\"05/17/2019\",\"\",\"\",\"\"\r\n\
\"\",\"3\",\"1497758544\",\"\",\"\",\"\",\"\"\r\n\
\"\",\"1\",\"1234567890\",\"\",\"\",\"\",\"\"\r\n\
\"\",\"1\",\"<UNAVAIL>\",\"\",\"\",\"\",\"\"\r\n";
        let (ok, bad) = all(file);
        assert_eq!(ok.len(), 2);
        assert_eq!(ok[0].primary_taxonomy.as_deref(), Some("207X00000X"));
        assert!(ok[1].is_deactivated());
        assert_eq!(ok[1].deactivated_on, NaiveDate::from_ymd_opt(2019, 5, 17));
        let lines: Vec<(u64, Option<&str>)> =
            bad.iter().map(|e| (e.line, e.column.as_deref())).collect();
        assert_eq!(
            lines,
            vec![
                (4, Some("Entity Type Code")),
                (5, Some("NPI")),
                (6, Some("NPI"))
            ]
        );
    }

    #[test]
    fn the_market_filter_keeps_the_workspace_region_and_every_deactivation() {
        let (ok, _) = all(SAMPLE);
        let texas_internists = Market {
            states: vec!["tx".into()],
            taxonomy_prefixes: vec!["207R".into()],
            ..Default::default()
        };
        let kept: Vec<&str> = ok
            .iter()
            .filter(|p| texas_internists.keeps(p))
            .map(|p| p.npi.as_str())
            .collect();
        assert_eq!(kept, vec!["1215930367", "1750384806"]);
        let by_zip = Market {
            zip_prefixes: vec!["770".into(), "323".into()],
            ..Default::default()
        };
        assert_eq!(ok.iter().filter(|p| by_zip.keeps(p)).count(), 2);
        let gone = Provider {
            npi: "1588667638".into(),
            deactivated_on: NaiveDate::from_ymd_opt(2019, 5, 17),
            ..Default::default()
        };
        assert!(texas_internists.keeps(&gone));
        assert!(Market::default().keeps(&ok[0]));
    }

    #[test]
    fn files_that_are_not_the_registry_are_refused() {
        assert_eq!(open(&b""[..]).err().as_deref(), Some("The file is empty."));
        assert!(
            open(&b"from_npi,to_npi\n1,2\n"[..])
                .err()
                .unwrap_or_default()
                .contains("not an NPPES")
        );
    }
}
