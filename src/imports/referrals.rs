//! Referral files in the three layouts they arrive in, detected from the first line or
//! chosen by the user:
//! - **canonical**: a header with `from_npi`, `to_npi` (or `to_facility` / `service_line`),
//!   `period`, `count` and optionally `patients`;
//! - **CMS Physician Shared Patient Patterns**: no header, five columns (from NPI, to NPI,
//!   pair count, beneficiary count, same-day count); merged copies with an
//!   `Initial,Secondary,Total…,Unique…` header are read too;
//! - **DocGraph Hop Teaming**: `from_npi, to_npi, patient_count, transaction_count, …`, often
//!   with extra columns and the literal `NULL`.
//!
//! Rows stream one at a time; each is a [`Referral`] or a [`RowError`] naming its line.

use std::io::Read;

use chrono::NaiveDate;

use super::RowError;
use super::text::{clean, decode, is_blank};
use crate::domain::Npi;

/// The layouts a referral file comes in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    Canonical,
    CmsSharedPatients,
    HopTeaming,
}

impl Layout {
    pub fn parse(s: &str) -> Option<Layout> {
        match s.trim().to_ascii_lowercase().as_str() {
            "canonical" | "csv" => Some(Layout::Canonical),
            "cms" | "shared_patients" | "cms_shared_patients" => Some(Layout::CmsSharedPatients),
            "hop" | "hop_teaming" | "docgraph" => Some(Layout::HopTeaming),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Layout::Canonical => "Rapport referral CSV",
            Layout::CmsSharedPatients => "CMS Physician Shared Patient Patterns",
            Layout::HopTeaming => "DocGraph Hop Teaming",
        }
    }
}

/// One referral record: from a physician to a physician, a facility or a service line.
#[derive(Clone, Debug, PartialEq)]
pub struct Referral {
    pub from_npi: String,
    pub to_npi: Option<String>,
    pub to_facility: Option<String>,
    pub service_line: Option<String>,
    /// The first day of the period, when the file says.
    pub period: Option<NaiveDate>,
    pub count: i64,
    pub patients: Option<i64>,
}

/// Where each value sits in a row.
#[derive(Clone, Debug, Default)]
struct Columns {
    from: usize,
    to: Option<usize>,
    to_facility: Option<usize>,
    service_line: Option<usize>,
    period: Option<usize>,
    /// Alternatives in order: the first non-blank one counts.
    count: Vec<usize>,
    patients: Vec<usize>,
    names: Vec<String>,
}

impl Columns {
    fn name(&self, i: usize) -> Option<&str> {
        self.names.get(i).map(String::as_str)
    }
}

/// A streaming reader of referral rows.
pub struct ReferralReader<R: Read> {
    records: csv::Reader<R>,
    layout: Layout,
    columns: Columns,
    /// A first row that was data, not a header (headerless CMS files).
    pending: Option<csv::ByteRecord>,
    line: u64,
}

fn header_names(record: &csv::ByteRecord) -> Vec<String> {
    record
        .iter()
        .map(|f| clean(&decode(f)).to_ascii_lowercase())
        .collect()
}

fn find(names: &[String], wanted: &[&str]) -> Option<usize> {
    wanted
        .iter()
        .find_map(|w| names.iter().position(|n| n == w))
}

fn looks_like_npi(field: &[u8]) -> bool {
    let s = decode(field);
    let s = clean(&s);
    s.len() == 10 && s.bytes().all(|b| b.is_ascii_digit())
}

const HEADER_HELP: &str = "The first line is not a referral header this reader knows. Use from_npi,to_npi,period,count[,patients] (Rapport's layout), the CMS shared-patient layout (no header: from NPI, to NPI, pair count, beneficiaries, same-day count) or DocGraph Hop Teaming (from_npi,to_npi,patient_count,transaction_count,…).";

/// Opens a referral file. `layout` forces a layout; otherwise it is detected from the first
/// line. Fails (with a message for the user) on an empty file or an unknown header.
pub fn open<R: Read>(input: R, layout: Option<Layout>) -> Result<ReferralReader<R>, String> {
    let mut records = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(input);
    let mut first = csv::ByteRecord::new();
    let has_first = records
        .read_byte_record(&mut first)
        .map_err(|e| format!("The file cannot be read as CSV: {e}."))?;
    if !has_first || first.iter().all(|f| clean(&decode(f)).is_empty()) {
        return Err("The file is empty.".into());
    }
    let headerless = looks_like_npi(first.get(0).unwrap_or_default());
    let names = if headerless {
        Vec::new()
    } else {
        header_names(&first)
    };
    let merged_cms = names.iter().any(|n| n == "initial") && names.iter().any(|n| n == "secondary");
    let detected = if headerless || merged_cms {
        Layout::CmsSharedPatients
    } else if find(&names, &["transaction_count"]).is_some() {
        Layout::HopTeaming
    } else if find(&names, &["from_npi"]).is_some() {
        Layout::Canonical
    } else {
        return Err(HEADER_HELP.into());
    };
    let layout = layout.unwrap_or(detected);
    let columns = if headerless {
        Columns {
            from: 0,
            to: Some(1),
            count: vec![2],
            patients: vec![3],
            names: [
                "from NPI",
                "to NPI",
                "pair count",
                "beneficiaries",
                "same-day count",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            ..Default::default()
        }
    } else {
        columns_for(layout, &names)?
    };
    Ok(ReferralReader {
        records,
        layout,
        columns,
        pending: headerless.then_some(first),
        line: if headerless { 0 } else { 1 },
    })
}

fn columns_for(layout: Layout, names: &[String]) -> Result<Columns, String> {
    let need = |wanted: &[&str], what: &str| {
        find(names, wanted)
            .ok_or_else(|| format!("The header has no {what} column ({}).", wanted.join(" or ")))
    };
    let all = |pred: &dyn Fn(&str) -> bool| -> Vec<usize> {
        names
            .iter()
            .enumerate()
            .filter(|(_, n)| pred(n))
            .map(|(i, _)| i)
            .collect()
    };
    let c = match layout {
        Layout::Canonical => {
            let to = find(names, &["to_npi"]);
            let to_facility = find(names, &["to_facility", "facility"]);
            let service_line = find(names, &["service_line"]);
            if to.is_none() && to_facility.is_none() && service_line.is_none() {
                return Err(
                    "The header needs a to_npi, to_facility or service_line column.".into(),
                );
            }
            Columns {
                from: need(&["from_npi"], "from NPI")?,
                to,
                to_facility,
                service_line,
                period: find(names, &["period", "month", "period_start"]),
                count: vec![need(&["count", "referrals", "referral_count"], "count")?],
                patients: find(names, &["patients", "patient_count"])
                    .into_iter()
                    .collect(),
                names: names.to_vec(),
            }
        }
        Layout::CmsSharedPatients => Columns {
            from: need(&["initial", "from_npi", "npi1"], "from NPI")?,
            to: Some(need(&["secondary", "to_npi", "npi2"], "to NPI")?),
            count: all(&|n: &str| n.starts_with("total") || n == "pair_count"),
            patients: all(&|n: &str| n.starts_with("unique") || n == "beneficiary_count"),
            names: names.to_vec(),
            ..Default::default()
        },
        Layout::HopTeaming => Columns {
            from: need(&["from_npi"], "from NPI")?,
            to: Some(need(&["to_npi"], "to NPI")?),
            count: vec![need(&["transaction_count"], "transaction count")?],
            patients: find(names, &["patient_count"]).into_iter().collect(),
            names: names.to_vec(),
            ..Default::default()
        },
    };
    if c.count.is_empty() {
        return Err("The header has no count column.".into());
    }
    Ok(c)
}

impl<R: Read> ReferralReader<R> {
    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// Whether rows carry their own period (else the import must be told which it is).
    pub fn has_period(&self) -> bool {
        self.columns.period.is_some()
    }

    /// The line of the row last read (1-based).
    pub fn line(&self) -> u64 {
        self.line
    }

    fn row(&self, record: &csv::ByteRecord) -> Result<Referral, RowError> {
        let c = &self.columns;
        let line = self.line;
        let field = |i: usize| record.get(i).map(decode);
        let err = |i: usize, reason: String| RowError::new(line, c.name(i), reason);
        let npi = |i: usize, required: bool| -> Result<Option<String>, RowError> {
            match field(i) {
                Some(v) if !is_blank(&v) => Npi::parse(clean(&v))
                    .map(|n| Some(n.as_str().to_string()))
                    .map_err(|e| err(i, format!("“{}”: {e}", clean(&v)))),
                _ if required => Err(err(i, "missing".into())),
                _ => Ok(None),
            }
        };
        let number = |i: usize| -> Result<Option<i64>, RowError> {
            let Some(v) = field(i).filter(|v| !is_blank(v)) else {
                return Ok(None);
            };
            let v = clean(&v).to_string();
            let n: f64 = v
                .parse()
                .map_err(|_| err(i, format!("“{v}” is not a number")))?;
            if n < 0.0 || n.fract() != 0.0 || n > 1e15 {
                return Err(err(i, format!("“{v}” is not a whole count")));
            }
            Ok(Some(n as i64))
        };
        let first_number = |cols: &[usize]| -> Result<Option<i64>, RowError> {
            for i in cols {
                if let Some(n) = number(*i)? {
                    return Ok(Some(n));
                }
            }
            Ok(None)
        };
        let text = |i: Option<usize>| {
            i.and_then(field)
                .filter(|v| !is_blank(v))
                .map(|v| clean(&v).to_string())
        };
        let from_npi = npi(c.from, true)?.unwrap_or_default();
        let to_npi = match c.to {
            Some(i) => npi(i, self.layout != Layout::Canonical)?,
            None => None,
        };
        let to_facility = text(c.to_facility);
        let service_line = text(c.service_line);
        if to_npi.is_none() && to_facility.is_none() && service_line.is_none() {
            return Err(RowError::new(
                line,
                c.to.and_then(|i| c.name(i)),
                "no destination (to_npi, to_facility or service_line)",
            ));
        }
        let count = first_number(&c.count)?.ok_or_else(|| err(c.count[0], "missing".into()))?;
        let patients = first_number(&c.patients)?;
        let period = match c
            .period
            .and_then(|i| field(i).filter(|v| !is_blank(v)).map(|v| (i, v)))
        {
            None => None,
            Some((i, v)) => {
                let v = clean(&v).to_string();
                let day = NaiveDate::parse_from_str(&v, "%Y-%m-%d")
                    .or_else(|_| NaiveDate::parse_from_str(&format!("{v}-01"), "%Y-%m-%d"))
                    .map_err(|_| {
                        err(
                            i,
                            format!("“{v}” is not a period; use YYYY-MM or YYYY-MM-DD"),
                        )
                    })?;
                Some(day)
            }
        };
        Ok(Referral {
            from_npi,
            to_npi,
            to_facility,
            service_line,
            period,
            count,
            patients,
        })
    }
}

impl<R: Read> Iterator for ReferralReader<R> {
    type Item = Result<Referral, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let record = match self.pending.take() {
                Some(r) => r,
                None => {
                    let mut r = csv::ByteRecord::new();
                    match self.records.read_byte_record(&mut r) {
                        Ok(true) => r,
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
                }
            };
            self.line += 1;
            if record.iter().all(super::text::blank_bytes) {
                continue;
            }
            return Some(self.row(&record));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(bytes: &[u8]) -> (Layout, Vec<Referral>, Vec<RowError>) {
        let reader = open(bytes, None).expect("opens");
        let layout = reader.layout();
        let (mut ok, mut bad) = (Vec::new(), Vec::new());
        for r in reader {
            match r {
                Ok(v) => ok.push(v),
                Err(e) => bad.push(e),
            }
        }
        (layout, ok, bad)
    }

    #[test]
    fn the_real_cms_sample_reads_every_pair() {
        let (layout, ok, bad) = read(include_bytes!(
            "../../tests/fixtures/referrals_cms_shared_patients_sample200.csv"
        ));
        assert_eq!(layout, Layout::CmsSharedPatients);
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!(ok.len(), 200);
        // "1003033051,1154584084,,,,,,,69.0,11.0,0.0": the combined columns.
        assert_eq!(ok[0].from_npi, "1003033051");
        assert_eq!(ok[0].to_npi.as_deref(), Some("1154584084"));
        assert_eq!((ok[0].count, ok[0].patients), (69, Some(11)));
        // "1003884362,1740271386,18.0,13.0,…": the 2014 columns.
        assert_eq!((ok[2].count, ok[2].patients), (18, Some(13)));
    }

    #[test]
    fn headerless_cms_files_with_a_bom_and_crlf_are_read() {
        let file =
            b"\xef\xbb\xbf1003033051,1154584084,69,11,0\r\n1003865999,1851318554,38,16,0\r\n";
        let (layout, ok, bad) = read(file);
        assert_eq!(layout, Layout::CmsSharedPatients);
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!(ok.len(), 2);
        assert_eq!((ok[1].count, ok[1].patients), (38, Some(16)));
    }

    #[test]
    fn hop_teaming_with_null_and_extra_columns() {
        let file = b"from_npi,to_npi,patient_count,transaction_count,average_day_wait,std_day_wait,from_name\n\
1003033051,1154584084,NULL,120,4.5,NULL,\"Smith, Ana\"\n\
1003865999,1851318554,15,31,2.0,1.1,Jones\n";
        let (layout, ok, bad) = read(file);
        assert_eq!(layout, Layout::HopTeaming);
        assert!(bad.is_empty(), "{bad:?}");
        assert_eq!((ok[0].count, ok[0].patients), (120, None));
        assert_eq!((ok[1].count, ok[1].patients), (31, Some(15)));
    }

    #[test]
    fn canonical_rows_name_a_physician_or_a_service_line_and_a_period() {
        let file = "from_npi,to_npi,service_line,period,count,patients\n\
1003033051,1154584084,,2026-10,12,9\n\
1003033051,,Cardiology,2026-10-01,4,\n"
            .as_bytes();
        let (layout, ok, bad) = read(file);
        assert_eq!(layout, Layout::Canonical);
        assert!(bad.is_empty(), "{bad:?}");
        let october = NaiveDate::from_ymd_opt(2026, 10, 1);
        assert_eq!(ok[0].period, october);
        assert_eq!(ok[1].service_line.as_deref(), Some("Cardiology"));
        assert_eq!((ok[1].to_npi.clone(), ok[1].patients), (None, None));
    }

    #[test]
    fn bad_rows_say_which_line_and_column_and_the_rest_still_read() {
        let file = "from_npi,to_npi,period,count\n\
1003033051,1154584084,2026-10,12\n\
1003033052,1154584084,2026-10,12\n\
1003033051,1154584084,October,12\n\
1003033051,1154584084,2026-10,-3\n\
1003033051,1154584084,2026-10,2.5\n\
1003033051\n\
\n\
1003033051,1154584084,2026-11,7\n"
            .as_bytes();
        let (_, ok, bad) = read(file);
        assert_eq!(ok.len(), 2);
        let summary: Vec<(u64, Option<&str>)> =
            bad.iter().map(|e| (e.line, e.column.as_deref())).collect();
        assert_eq!(
            summary,
            vec![
                (3, Some("from_npi")),
                (4, Some("period")),
                (5, Some("count")),
                (6, Some("count")),
                (7, Some("to_npi"))
            ]
        );
        assert!(bad[0].reason.contains("1003033052"));
    }

    #[test]
    fn windows_1252_bytes_do_not_fail_a_row() {
        let file = b"from_npi,service_line,period,count\n1003033051,Cardiolog\xeda,2026-10,3\n";
        let (_, ok, bad) = read(file);
        assert!(bad.is_empty());
        assert_eq!(ok[0].service_line.as_deref(), Some("Cardiología"));
    }

    #[test]
    fn empty_files_unknown_headers_and_binary_are_refused_with_a_reason() {
        assert_eq!(
            open(&b""[..], None).err().as_deref(),
            Some("The file is empty.")
        );
        assert_eq!(
            open(&b"\n\n"[..], None).err().as_deref(),
            Some("The file is empty.")
        );
        assert!(
            open(&b"name,email\nAna,a@x.org\n"[..], None)
                .err()
                .unwrap_or_default()
                .contains("not a referral header")
        );
        let binary: Vec<u8> = (0u8..=255).cycle().take(4096).collect();
        assert!(open(&binary[..], None).is_err());
        assert!(
            open(&b"from_npi,to_npi,period\n"[..], None)
                .err()
                .unwrap_or_default()
                .contains("count")
        );
    }

    #[test]
    fn layouts_can_be_named() {
        assert_eq!(Layout::parse("Hop"), Some(Layout::HopTeaming));
        assert_eq!(Layout::parse("cms"), Some(Layout::CmsSharedPatients));
        assert_eq!(Layout::parse("xml"), None);
    }
}
