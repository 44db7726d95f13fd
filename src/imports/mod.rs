//! Reading the files people import: public provider and referral data as it really arrives
//! (BOMs, CRLF, Windows-1252 bytes, ragged rows, placeholder values). Readers here are pure:
//! they stream records from any `Read` and report every bad row with its line and column,
//! and never load a whole file into memory. Writing what they read belongs to the import jobs.

pub mod fhir;
pub mod nppes;
pub mod referrals;
pub mod stakeholders;
pub mod text;

/// What is wrong with one row: its line in the file (1-based, counting the header), the
/// column by name where known, and why.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RowError {
    pub line: u64,
    pub column: Option<String>,
    pub reason: String,
}

impl RowError {
    pub fn new(line: u64, column: Option<&str>, reason: impl Into<String>) -> Self {
        Self {
            line,
            column: column.map(str::to_string),
            reason: reason.into(),
        }
    }
}
