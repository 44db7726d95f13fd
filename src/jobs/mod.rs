//! Background import jobs on a PostgreSQL queue. Any app process runs workers; a worker
//! claims a job with `FOR UPDATE SKIP LOCKED` (through `import_queue_claim`) and holds that
//! row lock while the job runs. The job's rows, counts and errors commit in one transaction,
//! so a crash leaves nothing half-written; the lock ends with the dead connection and the
//! next worker runs the job again.

mod copy;
mod fhir;
pub mod influence;
mod nppes;
mod referrals;
mod source;
mod stakeholders;
pub mod upload;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use sqlx::PgPool;
use tokio::sync::Notify;
use uuid::Uuid;

pub use copy::Progress;
use source::{ChunkReader, Input};

use crate::db::{self, audit::Actor, imports::Counts};
use crate::domain::{ImportKind, ImportStatus, MAX_ATTEMPTS, TenantId};
use crate::imports::RowError;
use crate::postgres::tenant_tx;

/// Why a job stopped short.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Someone pressed cancel.
    #[error("cancelled")]
    Cancelled,
    /// The file as a whole cannot be imported; the message is for the user.
    #[error("{0}")]
    Rejected(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// What an importer hands back: counts, per-row errors, and facts about the whole file.
#[derive(Debug, Default)]
pub struct Outcome {
    pub counts: Counts,
    pub errors: Vec<RowError>,
    pub summary: serde_json::Value,
}

/// Everything an importer needs about its job.
pub struct JobContext {
    pub pool: PgPool,
    pub tenant: TenantId,
    pub job: db::imports::JobRow,
    pub actor: Actor,
    pub progress: Arc<Progress>,
}

/// Wakes idle workers at once when this process queues a job (other processes notice
/// within a poll interval).
#[derive(Clone, Default)]
pub struct Wakeup(Arc<Notify>);

impl Wakeup {
    pub fn job_queued(&self) {
        self.0.notify_one();
    }
}

const IDLE_POLL: Duration = Duration::from_secs(2);
const PROGRESS_EVERY: Duration = Duration::from_millis(400);

/// Starts `count` workers on the runtime; they run until the process ends.
pub fn spawn_workers(pool: PgPool, wakeup: Wakeup, count: usize) {
    for n in 0..count {
        let pool = pool.clone();
        let wakeup = wakeup.clone();
        tokio::spawn(async move {
            tracing::debug!(worker = n, "import worker started");
            loop {
                match claim_and_run(&pool, None).await {
                    Ok(true) => continue,
                    Ok(false) => {
                        let _ = tokio::time::timeout(IDLE_POLL, wakeup.0.notified()).await;
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "import worker");
                        tokio::time::sleep(IDLE_POLL).await;
                    }
                }
            }
        });
    }
}

/// Claims one job and runs it. `local` names the job a command queued for a file on its own
/// disk (only that command can run it). Returns whether a job was claimed.
pub async fn claim_and_run(
    pool: &PgPool,
    local: Option<(Uuid, std::path::PathBuf)>,
) -> anyhow::Result<bool> {
    let mut lock = pool.begin().await?;
    let claimed: Option<(Uuid, Uuid, String)> =
        sqlx::query_as("select tenant_id, job_id, storage from import_queue_claim($1)")
            .bind(local.as_ref().map(|(id, _)| *id))
            .fetch_optional(&mut *lock)
            .await?;
    let Some((tenant, job, storage)) = claimed else {
        return Ok(false);
    };
    let tenant = TenantId(tenant);
    let input = match (&local, storage.as_str()) {
        (Some((_, path)), _) => Some(Input::File(path.clone())),
        (None, "upload") => Some(Input::Chunks(ChunkReader::new(
            pool.clone(),
            tenant,
            job,
            tokio::runtime::Handle::current(),
        ))),
        // A command's job whose command died: its file is on that machine's disk.
        _ => None,
    };
    match input {
        Some(input) => run(pool, tenant, job, input).await?,
        None => {
            let mut tx = tenant_tx(pool, tenant).await?;
            if let Some(row) = db::imports::find(&mut tx, job).await?
                && !row.finished()
            {
                let actor = actor_for(tenant, &row);
                db::imports::finish_audited(
                        &mut tx,
                        &actor,
                        job,
                        ImportStatus::Failed,
                        &Counts::default(),
                        Some("The command that ran this import stopped before it finished; run it again."),
                        &serde_json::json!({}),
                    )
                    .await?;
            }
            tx.commit().await?;
        }
    }
    sqlx::query("select import_queue_done($1)")
        .bind(job)
        .execute(&mut *lock)
        .await?;
    lock.commit().await?;
    Ok(true)
}

fn actor_for(tenant: TenantId, job: &db::imports::JobRow) -> Actor {
    Actor {
        tenant_id: tenant,
        user_id: job.created_by.map(crate::domain::UserId),
        ip: None,
        request_id: Some(format!("import-{}", job.id)),
    }
}

async fn run(pool: &PgPool, tenant: TenantId, id: Uuid, input: Input) -> anyhow::Result<()> {
    let mut tx = tenant_tx(pool, tenant).await?;
    let Some(job) = db::imports::start(&mut tx, id).await? else {
        tx.commit().await?;
        return Ok(());
    };
    db::imports::reset_results(&mut tx, id).await?;
    tx.commit().await?;
    let actor = actor_for(tenant, &job);
    if job.attempts > MAX_ATTEMPTS {
        let mut tx = tenant_tx(pool, tenant).await?;
        let message = format!(
            "The import stopped {MAX_ATTEMPTS} times before it could finish; it was not tried again."
        );
        db::imports::finish_audited(
            &mut tx,
            &actor,
            id,
            ImportStatus::Failed,
            &Counts::default(),
            Some(&message),
            &serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        return Ok(());
    }
    let progress = Arc::new(Progress::default());
    let reporter = tokio::spawn(report_progress(pool.clone(), tenant, id, progress.clone()));
    let kind = job.kind();
    let ctx = JobContext {
        pool: pool.clone(),
        tenant,
        job,
        actor: actor.clone(),
        progress: progress.clone(),
    };
    tracing::info!(import.id = %id, import.kind = ctx.job.kind, "import started");
    let result = match kind {
        Some(ImportKind::Nppes) => nppes::run(&ctx, input).await,
        Some(ImportKind::Fhir) => fhir::run(&ctx, input).await,
        Some(ImportKind::Referrals) => referrals::run(&ctx, input).await,
        Some(ImportKind::Stakeholders) => stakeholders::run(&ctx, input).await,
        None => Err(JobError::Rejected("Unknown import kind.".into())),
    };
    reporter.abort();
    let (status, message) = match &result {
        Ok(()) => {
            tracing::info!(import.id = %id, "import finished");
            // New people and referrals move influence: recompute it now, not at night.
            if !ctx.job.dry_run
                && let Err(e) = influence::recompute(pool, tenant).await
            {
                tracing::warn!(import.id = %id, error = %e, "influence scores after an import");
            }
            return Ok(());
        }
        Err(JobError::Cancelled) => (ImportStatus::Cancelled, None),
        Err(JobError::Rejected(m)) => (ImportStatus::Failed, Some(m.clone())),
        Err(e) => {
            tracing::error!(import.id = %id, error = %e, "import failed");
            (
                ImportStatus::Failed,
                Some("The import stopped on an unexpected error; nothing was written. Try it again, and if it fails again, send the job id to your administrator.".to_string()),
            )
        }
    };
    let mut tx = tenant_tx(pool, tenant).await?;
    let counts = Counts {
        rows_read: progress.rows.load(Ordering::Relaxed) as i64,
        ..Counts::default()
    };
    db::imports::finish_audited(
        &mut tx,
        &actor,
        id,
        status,
        &counts,
        message.as_deref(),
        &serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The rows a job could not take: every one counted, the first
/// [`MAX_STORED_ERRORS`](crate::db::imports::MAX_STORED_ERRORS) kept for
/// the error report.
#[derive(Debug, Default)]
pub(crate) struct RowErrors {
    kept: Vec<RowError>,
    failed: i64,
}

impl RowErrors {
    pub(crate) fn push(&mut self, e: RowError) {
        self.failed += 1;
        if self.kept.len() < crate::db::imports::MAX_STORED_ERRORS {
            self.kept.push(e);
        }
    }

    pub(crate) fn failed(&self) -> i64 {
        self.failed
    }

    pub(crate) fn first(&self) -> Option<&RowError> {
        self.kept.first()
    }

    /// The kept errors in line order, for the report.
    pub(crate) fn into_sorted(mut self) -> Vec<RowError> {
        self.kept.sort_by_key(|e| e.line);
        self.kept
    }
}

/// Writes progress every few hundred milliseconds and picks up a cancel request.
async fn report_progress(pool: PgPool, tenant: TenantId, job: Uuid, progress: Arc<Progress>) {
    loop {
        tokio::time::sleep(PROGRESS_EVERY).await;
        let bytes = progress.bytes.load(Ordering::Relaxed) as i64;
        let rows = progress.rows.load(Ordering::Relaxed) as i64;
        let cancel = async {
            let mut tx = tenant_tx(&pool, tenant).await?;
            let cancel = db::imports::progress(&mut tx, job, bytes, rows).await?;
            tx.commit().await?;
            Ok::<bool, sqlx::Error>(cancel)
        }
        .await;
        match cancel {
            Ok(true) => progress.cancel.store(true, Ordering::Relaxed),
            Ok(false) => {}
            Err(e) => tracing::warn!(import.id = %job, error = %e, "import progress"),
        }
    }
}

/// Commits an importer's transaction together with the job's results and audit event.
pub async fn finish_in(
    tx: &mut sqlx::PgConnection,
    ctx: &JobContext,
    outcome: &Outcome,
) -> Result<(), JobError> {
    if ctx.progress.cancelled() {
        return Err(JobError::Cancelled);
    }
    db::imports::write_errors(tx, ctx.tenant, ctx.job.id, &outcome.errors).await?;
    db::imports::finish_audited(
        tx,
        &ctx.actor,
        ctx.job.id,
        ImportStatus::Succeeded,
        &outcome.counts,
        None,
        &outcome.summary,
    )
    .await?;
    Ok(())
}
