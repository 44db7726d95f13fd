//! Receiving an uploaded file for a job: it is written to PostgreSQL in chunks of a few
//! MiB as it arrives (each chunk its own short transaction), so a 2 GB upload never sits in
//! memory, and the job joins the queue only once the whole file is in.

use sqlx::PgPool;
use uuid::Uuid;

use super::Wakeup;
use crate::db::{self, audit::Actor, imports::Counts};
use crate::domain::{ImportKind, ImportOptions, ImportStatus, MAX_FILE_BYTES, TenantId};
use crate::postgres::tenant_tx;

const CHUNK: usize = 4 << 20;

/// Why an upload was refused.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// The bytes that start common files people upload by mistake instead of a text file.
fn binary_kind(head: &[u8]) -> Option<&'static str> {
    const SIGNATURES: &[(&[u8], &str)] = &[
        (b"PK\x03\x04", "a ZIP archive or an Excel workbook (.xlsx)"),
        (
            b"\xd0\xcf\x11\xe0",
            "an old Excel or Word file (.xls, .doc)",
        ),
        (b"%PDF", "a PDF"),
        (b"\x89PNG", "a PNG image"),
        (b"\xff\xd8\xff", "a JPEG image"),
        (b"\x1f\x8b", "a gzip archive"),
    ];
    SIGNATURES
        .iter()
        .find(|(sig, _)| head.starts_with(sig))
        .map(|(_, what)| *what)
        .or_else(|| {
            head.contains(&0)
                .then_some("a binary file (or UTF-16 text)")
        })
}

/// A job's file on its way in.
pub struct Upload {
    pool: PgPool,
    tenant: TenantId,
    actor: Actor,
    kind: ImportKind,
    dry_run: bool,
    options: ImportOptions,
    file_name: String,
    job: Option<Uuid>,
    seq: i32,
    buf: Vec<u8>,
    total: u64,
}

impl Upload {
    pub fn new(
        pool: PgPool,
        actor: Actor,
        kind: ImportKind,
        dry_run: bool,
        options: ImportOptions,
        file_name: &str,
    ) -> Self {
        let name: String = file_name.trim().chars().take(255).collect();
        Self {
            pool,
            tenant: actor.tenant_id,
            actor,
            kind,
            dry_run,
            options,
            file_name: if name.is_empty() {
                "upload".into()
            } else {
                name
            },
            job: None,
            seq: 0,
            buf: Vec::with_capacity(CHUNK),
            total: 0,
        }
    }

    /// Takes the next bytes of the file.
    pub async fn write(&mut self, data: &[u8]) -> Result<(), UploadError> {
        if self.total == 0
            && let Some(what) = binary_kind(&data[..data.len().min(4096)])
        {
            return Err(UploadError::Refused(format!(
                "This file is {what}, not a text file. Save or export it as CSV (or JSON for FHIR) and upload that."
            )));
        }
        self.total += data.len() as u64;
        if self.total > MAX_FILE_BYTES {
            self.abandon("The file is larger than Rapport accepts by upload.")
                .await;
            return Err(UploadError::Refused(format!(
                "Files up to {} GB can be uploaded. Import a larger file with the command line (rapport import), which reads it from disk.",
                MAX_FILE_BYTES >> 30
            )));
        }
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), UploadError> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let mut tx = tenant_tx(&self.pool, self.tenant).await?;
        let job = match self.job {
            Some(job) => job,
            None => {
                let job = db::imports::create_audited(
                    &mut tx,
                    &self.actor,
                    self.kind,
                    self.dry_run,
                    &self.options,
                    &self.file_name,
                    "upload",
                )
                .await?;
                self.job = Some(job);
                job
            }
        };
        db::imports::append_chunk(&mut tx, self.tenant, job, self.seq, &self.buf).await?;
        tx.commit().await?;
        self.seq += 1;
        self.buf.clear();
        Ok(())
    }

    /// The whole file is in: the job joins the queue, or, for a stakeholder CSV without a
    /// column mapping, waits for one (status `mapping`). Returns its id.
    pub async fn finish(mut self, wakeup: &Wakeup) -> Result<Uuid, UploadError> {
        if self.total == 0 {
            return Err(UploadError::Refused(
                "The file is empty: choose the file again, or check that it was saved.".into(),
            ));
        }
        self.flush().await?;
        let job = self
            .job
            .ok_or_else(|| UploadError::Refused("The file is empty.".into()))?;
        let mut tx = tenant_tx(&self.pool, self.tenant).await?;
        if self.kind == ImportKind::Stakeholders && self.options.mapping.is_empty() {
            db::imports::await_mapping(&mut tx, job).await?;
            tx.commit().await?;
            return Ok(job);
        }
        db::imports::enqueue(&mut tx, job, "upload").await?;
        tx.commit().await?;
        wakeup.job_queued();
        Ok(job)
    }

    /// The upload broke off: the job, if one was started, is marked failed.
    pub async fn abandon(&mut self, reason: &str) {
        let Some(job) = self.job.take() else {
            return;
        };
        let result = async {
            let mut tx = tenant_tx(&self.pool, self.tenant).await?;
            db::imports::finish_audited(
                &mut tx,
                &self.actor,
                job,
                ImportStatus::Cancelled,
                &Counts::default(),
                Some(reason),
                &serde_json::json!({}),
            )
            .await?;
            tx.commit().await
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(import.id = %job, error = %e, "could not close an abandoned upload");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreadsheets_images_and_binaries_are_named() {
        assert!(binary_kind(b"PK\x03\x04rest").is_some_and(|w| w.contains("Excel")));
        assert!(binary_kind(b"\x89PNG\r\n").is_some_and(|w| w.contains("PNG")));
        assert!(binary_kind(b"abc\0def").is_some());
        assert_eq!(binary_kind(b"\xef\xbb\xbfNPI,Entity Type Code\r\n"), None);
        assert_eq!(binary_kind("Müller,José\n".as_bytes()), None);
    }
}
