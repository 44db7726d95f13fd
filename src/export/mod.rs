//! The workspace export: one ZIP archive with a file per table (CSV with a header line, or
//! JSON Lines) and a `manifest.json` that names the workspace, the time, and each file's row
//! count. It reads one repeatable-read snapshot, so the files agree with each other, and
//! streams: each table is copied out of PostgreSQL, deflated and handed on in pieces, never
//! held whole. Values are written as stored (no spreadsheet-formula escaping: the archive is
//! for moving data, and JSON is there for tools).

use std::io;

use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use serde_json::json;
use sqlx::PgConnection;
use tokio::sync::mpsc;

use crate::db;
use crate::db::audit::Actor;
use crate::db::tenants::Tenant;
use crate::postgres::{tenant_snapshot_tx, tenant_tx};

mod zip;

pub use zip::ZipWriter;

/// The archive is handed on in pieces of about this size.
const PIECE: usize = 256 * 1024;

/// CSV or JSON Lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "json" | "jsonl" | "ndjson" => Some(Format::Json),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Json => "jsonl",
        }
    }
}

/// One file of the archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRows {
    pub table: String,
    pub file: String,
    pub rows: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("archive: {0}")]
    Archive(#[from] io::Error),
    /// The reader went away (a download was abandoned).
    #[error("the download was stopped")]
    Closed,
}

/// The archive's name: `rapport-<workspace>-<date>.zip`.
pub fn file_name(tenant: &Tenant, at: DateTime<Utc>) -> String {
    format!("rapport-{}-{}.zip", tenant.slug, at.format("%Y%m%d-%H%M"))
}

/// Exports `tenant` to `out` and audits it: who asked for which format before the first byte
/// leaves, and the files and row counts (or why it stopped) after. The sender is dropped when
/// the archive is complete; a reader that sees the channel close without it got an error.
pub async fn run_audited(
    pool: &sqlx::PgPool,
    tenant: &Tenant,
    actor: &Actor,
    format: Format,
    out: mpsc::Sender<io::Result<Vec<u8>>>,
) -> Result<Vec<TableRows>, ExportError> {
    let at = Utc::now();
    let id = Some(tenant.id.to_string());
    let mut tx = tenant_tx(pool, tenant.id).await?;
    db::audit::record(
        &mut tx,
        actor,
        "workspace.export",
        "workspace",
        id.clone(),
        json!({ "format": format.as_str() }),
    )
    .await?;
    tx.commit().await?;
    let result = async {
        let mut snapshot = tenant_snapshot_tx(pool, tenant.id).await?;
        let files = write(&mut snapshot, tenant, format, at, &out).await?;
        snapshot.commit().await?;
        Ok::<_, ExportError>(files)
    }
    .await;
    let (action, changes) = match &result {
        Ok(files) => (
            "workspace.export.finished",
            json!({
                "format": format.as_str(),
                "rows": files.iter().map(|f| (f.table.clone(), json!(f.rows))).collect::<serde_json::Map<_, _>>(),
            }),
        ),
        Err(e) => (
            "workspace.export.stopped",
            json!({ "format": format.as_str(), "reason": e.to_string() }),
        ),
    };
    if let Err(e) = &result
        && !matches!(e, ExportError::Closed)
    {
        tracing::error!(error = %e, "workspace export failed");
        let _ = out
            .send(Err(io::Error::other("the export stopped on an error")))
            .await;
    }
    let mut tx = tenant_tx(pool, tenant.id).await?;
    db::audit::record(&mut tx, actor, action, "workspace", id, changes).await?;
    tx.commit().await?;
    result
}

/// Writes the archive of `tenant` to `out`, piece by piece. `conn` must be a transaction set
/// to the workspace ([`crate::postgres::tenant_snapshot_tx`]).
pub async fn write(
    conn: &mut PgConnection,
    tenant: &Tenant,
    format: Format,
    at: DateTime<Utc>,
    out: &mpsc::Sender<io::Result<Vec<u8>>>,
) -> Result<Vec<TableRows>, ExportError> {
    let tables = db::export::tables(conn).await?;
    let mut zip = ZipWriter::new(at.naive_utc());
    let mut written = Vec::with_capacity(tables.len());
    for table in &tables {
        let file = format!("{}.{}", table.name, format.extension());
        zip.start(&file)?;
        let statement = match format {
            Format::Csv => table.copy_csv(),
            Format::Json => table.copy_json(),
        };
        let mut rows = RowCount::new(format);
        let mut copy = conn.copy_out_raw(&statement).await?;
        while let Some(piece) = copy.try_next().await? {
            rows.feed(&piece);
            zip.write(&piece)?;
            if zip.pending() >= PIECE {
                send(out, zip.take()).await?;
            }
        }
        drop(copy);
        written.push(TableRows {
            table: table.name.clone(),
            file,
            rows: rows.rows(),
        });
    }
    zip.start("manifest.json")?;
    zip.write(&manifest(tenant, format, at, &written))?;
    send(out, zip.finish()?).await?;
    Ok(written)
}

async fn send(out: &mpsc::Sender<io::Result<Vec<u8>>>, piece: Vec<u8>) -> Result<(), ExportError> {
    if piece.is_empty() {
        return Ok(());
    }
    out.send(Ok(piece)).await.map_err(|_| ExportError::Closed)
}

fn manifest(tenant: &Tenant, format: Format, at: DateTime<Utc>, files: &[TableRows]) -> Vec<u8> {
    let tables: Vec<_> = files
        .iter()
        .map(|f| json!({ "table": f.table, "file": f.file, "rows": f.rows }))
        .collect();
    let manifest = json!({
        "workspace": { "id": tenant.id.0, "slug": tenant.slug, "name": tenant.name },
        "exported_at": at.to_rfc3339(),
        "format": format.as_str(),
        "rapport_version": env!("CARGO_PKG_VERSION"),
        "tables": tables,
        "left_out": {
            "tables": db::export::LEFT_OUT_TABLES,
            "columns": db::export::LEFT_OUT_COLUMNS,
            "why": "sessions, API tokens, password and link hashes, uploaded import files and derived search terms are not exported",
        },
    });
    let mut bytes = serde_json::to_vec_pretty(&manifest).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// Counts records in COPY output as it passes: lines, except (in CSV) line breaks inside a
/// quoted field, and less the header line.
struct RowCount {
    csv: bool,
    quoted: bool,
    lines: u64,
}

impl RowCount {
    fn new(format: Format) -> RowCount {
        RowCount {
            csv: format == Format::Csv,
            quoted: false,
            lines: 0,
        }
    }

    fn feed(&mut self, bytes: &[u8]) {
        if !self.csv {
            self.lines += bytes.iter().filter(|&&b| b == b'\n').count() as u64;
            return;
        }
        for &b in bytes {
            match b {
                b'"' => self.quoted = !self.quoted,
                b'\n' if !self.quoted => self.lines += 1,
                _ => {}
            }
        }
    }

    fn rows(&self) -> u64 {
        if self.csv {
            self.lines.saturating_sub(1)
        } else {
            self.lines
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_skip_the_header_and_line_breaks_in_quotes() {
        let mut count = RowCount::new(Format::Csv);
        count.feed(b"id,note\n1,\"two\nlines, and \"\"quotes\"\"");
        count.feed(b"\"\n2,plain\n");
        assert_eq!(count.rows(), 2);
        assert_eq!(RowCount::new(Format::Csv).rows(), 0);
    }

    #[test]
    fn json_rows_are_lines() {
        let mut count = RowCount::new(Format::Json);
        count.feed(b"{\"note\":\"a \\\"q\\\"\\nb\"}\n{\"a\":1}\n");
        assert_eq!(count.rows(), 2);
    }

    #[test]
    fn formats_parse_loosely_and_name_their_files() {
        assert_eq!(Format::parse(" CSV "), Some(Format::Csv));
        assert_eq!(Format::parse("ndjson"), Some(Format::Json));
        assert_eq!(Format::parse("xml"), None);
        assert_eq!(Format::Json.extension(), "jsonl");
    }
}
