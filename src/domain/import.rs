//! Import jobs as users ask for them: which importer, which options (the market an NPPES
//! file is cut to, a referral file's layout and period), and where a job is in its life.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::StakeholderKind;
use super::text::optional_date;
use crate::error::FieldErrors;

choice!(
    /// What a file holds, and so which importer reads it.
    ImportKind {
        Nppes = "nppes": "NPPES provider registry",
        Fhir = "fhir": "FHIR R4 directory",
        Referrals = "referrals": "Referrals",
        Stakeholders = "stakeholders": "Stakeholder CSV",
    }
);

choice!(
    /// Where a job is.
    ImportStatus {
        Uploading = "uploading": "Uploading",
        Mapping = "mapping": "Needs its columns matched",
        Queued = "queued": "Waiting",
        Running = "running": "Running",
        Succeeded = "succeeded": "Done",
        Failed = "failed": "Failed",
        Cancelled = "cancelled": "Cancelled",
    }
);

impl ImportStatus {
    pub fn finished(self) -> bool {
        matches!(
            self,
            ImportStatus::Succeeded | ImportStatus::Failed | ImportStatus::Cancelled
        )
    }
}

/// The kinds this release imports.
pub const IMPORTABLE: &[ImportKind] = &[
    ImportKind::Nppes,
    ImportKind::Fhir,
    ImportKind::Referrals,
    ImportKind::Stakeholders,
];

/// The most times a job is started before it is marked failed (a job that crashes its
/// worker every time must not loop forever).
pub const MAX_ATTEMPTS: i32 = 3;

/// Largest file accepted (bytes): the whole NPPES registry is about 10 GB, but a
/// workspace imports its market cut or a monthly update.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024 * 1024;

/// Options as typed in the import form or sent to the API.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ImportOptionsDraft {
    /// nppes, fhir, referrals or stakeholders.
    pub kind: Option<String>,
    /// Count and check without writing.
    #[serde(default, deserialize_with = "super::text::flag")]
    pub dry_run: bool,
    /// NPPES market: two-letter states, separated by commas or spaces.
    pub states: Option<String>,
    /// NPPES market: leading ZIP digits ("974, 97401").
    pub zip_prefixes: Option<String>,
    /// NPPES market: leading taxonomy characters ("207R, 363L").
    pub taxonomy_prefixes: Option<String>,
    /// NPPES: also keep providers the workspace's referral data names but lacks, even
    /// outside the market (default yes; "off", "false" or "0" for the market alone).
    pub referral_npis: Option<String>,
    /// Referrals: canonical, cms or hop; detected from the first line when blank.
    pub layout: Option<String>,
    /// Referrals: the first day of the period a file without dates covers (YYYY-MM-DD).
    pub period: Option<String>,
    /// Stakeholder CSV: the field of each column, in order, comma-separated keys
    /// (`first_name,last_name,npi,ignore,…`); suggested from the header when blank.
    pub mapping: Option<String>,
}

/// Validated options, stored with the job as JSON.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ImportOptions {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub states: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub zip_prefixes: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub taxonomy_prefixes: Vec<String>,
    /// Keep providers named in referral data the workspace lacks, whatever the market.
    #[serde(default)]
    pub referral_npis: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layout: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<NaiveDate>,
    /// Stakeholder CSV: the field key of each column, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mapping: Vec<String>,
}

fn items(s: Option<&str>) -> Vec<String> {
    s.unwrap_or("")
        .split(|c: char| c == ',' || c.is_whitespace() || c == ';')
        .filter(|w| !w.is_empty())
        .map(|w| w.to_ascii_uppercase())
        .collect()
}

impl ImportOptionsDraft {
    pub fn validate(&self) -> Result<(ImportKind, bool, ImportOptions), FieldErrors> {
        let mut errors = FieldErrors::new();
        let kind = self.kind.as_deref().and_then(ImportKind::parse);
        if kind.is_none() {
            errors.insert(
                "kind",
                "Choose what the file holds: NPPES, FHIR, referrals or stakeholders.".into(),
            );
        }
        let states = items(self.states.as_deref());
        if let Some(bad) = states
            .iter()
            .find(|s| s.len() != 2 || !s.chars().all(|c| c.is_ascii_alphabetic()))
        {
            errors.insert(
                "states",
                format!("“{bad}” is not a two-letter state (e.g. OR, WA)."),
            );
        }
        let zip_prefixes = items(self.zip_prefixes.as_deref());
        if let Some(bad) = zip_prefixes
            .iter()
            .find(|z| z.is_empty() || z.len() > 5 || !z.chars().all(|c| c.is_ascii_digit()))
        {
            errors.insert(
                "zip_prefixes",
                format!("“{bad}” is not a ZIP prefix (one to five digits)."),
            );
        }
        let taxonomy_prefixes = items(self.taxonomy_prefixes.as_deref());
        if let Some(bad) = taxonomy_prefixes
            .iter()
            .find(|t| t.len() > 10 || !t.chars().all(|c| c.is_ascii_alphanumeric()))
        {
            errors.insert(
                "taxonomy_prefixes",
                format!("“{bad}” is not the start of a taxonomy code (e.g. 207R)."),
            );
        }
        let layout = match self
            .layout
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty() && *s != "auto")
        {
            None => None,
            Some(l) => match crate::imports::referrals::Layout::parse(l) {
                Some(_) => Some(l.to_ascii_lowercase()),
                None => {
                    errors.insert(
                        "layout",
                        "Choose canonical, cms or hop, or leave it to be detected.".into(),
                    );
                    None
                }
            },
        };
        let period = match optional_date(self.period.as_deref()) {
            Ok(d) => d.map(|d| d.with_day(1).unwrap_or(d)),
            Err(e) => {
                errors.insert("period", e);
                None
            }
        };
        match kind {
            Some(kind) if errors.is_empty() => Ok((
                kind,
                self.dry_run,
                ImportOptions {
                    states,
                    zip_prefixes,
                    taxonomy_prefixes,
                    referral_npis: !matches!(
                        self.referral_npis.as_deref().map(str::trim),
                        Some("off" | "false" | "0" | "no")
                    ),
                    layout,
                    period,
                    mapping: self
                        .mapping
                        .as_deref()
                        .unwrap_or("")
                        .split(',')
                        .map(|k| k.trim().to_ascii_lowercase())
                        .filter(|k| !k.is_empty())
                        .collect(),
                },
            )),
            _ => Err(errors),
        }
    }
}

/// The kind of stakeholder a registry taxonomy code describes: physicians (allopathic,
/// osteopathic, podiatric), advanced practice (physician assistants, nurse practitioners,
/// clinical nurse specialists, nurse anesthetists and midwives), everyone else clinical staff.
pub fn kind_for_taxonomy(code: Option<&str>) -> StakeholderKind {
    match code {
        Some(c) if c.starts_with("20") || c.starts_with("213E") => StakeholderKind::Physician,
        Some(c) if c.starts_with("363") || c.starts_with("364S") || c.starts_with("367") => {
            StakeholderKind::AdvancedPractice
        }
        _ => StakeholderKind::ClinicalStaff,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(kind: &str) -> ImportOptionsDraft {
        ImportOptionsDraft {
            kind: Some(kind.into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_market_is_read_from_lists_typed_any_way() {
        let d = ImportOptionsDraft {
            states: Some("or, wa;ID".into()),
            zip_prefixes: Some("974 97401".into()),
            taxonomy_prefixes: Some("207r".into()),
            ..draft("nppes")
        };
        let (kind, dry, o) = d.validate().expect("valid");
        assert_eq!(kind, ImportKind::Nppes);
        assert!(!dry);
        assert_eq!(o.states, ["OR", "WA", "ID"]);
        assert_eq!(o.zip_prefixes, ["974", "97401"]);
        assert_eq!(o.taxonomy_prefixes, ["207R"]);
    }

    #[test]
    fn bad_options_name_their_field() {
        let d = ImportOptionsDraft {
            states: Some("Oregon".into()),
            zip_prefixes: Some("97-4".into()),
            layout: Some("excel".into()),
            period: Some("2024-13-01".into()),
            ..draft("referrals")
        };
        let e = d.validate().expect_err("invalid");
        for field in ["states", "zip_prefixes", "layout", "period"] {
            assert!(e.contains_key(field), "{field}");
        }
        assert!(draft("pdf").validate().is_err());
    }

    #[test]
    fn a_period_is_the_first_of_its_month() {
        let d = ImportOptionsDraft {
            period: Some("2024-03-17".into()),
            layout: Some("cms".into()),
            ..draft("referrals")
        };
        let (_, _, o) = d.validate().expect("valid");
        assert_eq!(o.period, NaiveDate::from_ymd_opt(2024, 3, 1));
        assert_eq!(o.layout.as_deref(), Some("cms"));
    }

    #[test]
    fn taxonomy_codes_map_to_stakeholder_kinds() {
        assert_eq!(
            kind_for_taxonomy(Some("207RC0000X")),
            StakeholderKind::Physician
        );
        assert_eq!(
            kind_for_taxonomy(Some("363LF0000X")),
            StakeholderKind::AdvancedPractice
        );
        assert_eq!(
            kind_for_taxonomy(Some("163W00000X")),
            StakeholderKind::ClinicalStaff
        );
        assert_eq!(kind_for_taxonomy(None), StakeholderKind::ClinicalStaff);
    }
}
