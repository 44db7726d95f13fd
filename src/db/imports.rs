//! Import jobs: the job rows users see, the uploaded file's chunks, per-row errors, the change
//! review, and the queue a worker claims jobs from.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, QueryBuilder};
use uuid::Uuid;

use super::audit::{self, Actor};
use super::{Page, PageRequest, fetch_page};
use crate::domain::{ImportKind, ImportOptions, ImportStatus, TenantId};
use crate::imports::RowError;

/// Most per-row errors kept for a job (the count goes on past it).
pub const MAX_STORED_ERRORS: usize = 10_000;

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct JobRow {
    pub id: Uuid,
    pub kind: String,
    pub status: String,
    pub dry_run: bool,
    #[schema(value_type = Object)]
    pub options: serde_json::Value,
    pub file_name: String,
    pub file_size: i64,
    pub created_by: Option<Uuid>,
    pub created_by_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub attempts: i32,
    pub cancel_requested: bool,
    pub bytes_done: i64,
    pub rows_read: i64,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub skipped: i64,
    pub failed: i64,
    pub message: Option<String>,
    #[schema(value_type = Object)]
    pub summary: serde_json::Value,
}

impl JobRow {
    pub fn status(&self) -> ImportStatus {
        ImportStatus::parse(&self.status).unwrap_or(ImportStatus::Failed)
    }

    pub fn kind(&self) -> Option<ImportKind> {
        ImportKind::parse(&self.kind)
    }

    pub fn kind_label(&self) -> &'static str {
        self.kind().map(ImportKind::label).unwrap_or("")
    }

    pub fn status_label(&self) -> &'static str {
        self.status().label()
    }

    pub fn badge_class(&self) -> &'static str {
        match self.status() {
            ImportStatus::Succeeded => "badge-green",
            ImportStatus::Failed => "badge-red",
            ImportStatus::Running | ImportStatus::Queued => "badge-blue",
            ImportStatus::Uploading | ImportStatus::Mapping => "badge-amber",
            ImportStatus::Cancelled => "badge-gray",
        }
    }

    /// The file size for people ("12.4 MB").
    pub fn size_text(&self) -> String {
        let b = self.file_size as f64;
        if b >= 1e9 {
            format!("{:.1} GB", b / 1e9)
        } else if b >= 1e6 {
            format!("{:.1} MB", b / 1e6)
        } else if b >= 1e3 {
            format!("{:.0} KB", b / 1e3)
        } else {
            format!("{} bytes", self.file_size)
        }
    }

    /// What the summary says about the whole file, as sentences.
    pub fn notes(&self) -> Vec<String> {
        let s = &self.summary;
        let n = |k: &str| s.get(k).and_then(serde_json::Value::as_i64).unwrap_or(0);
        let mut out = Vec::new();
        if let Some(layout) = s.get("layout").and_then(serde_json::Value::as_str) {
            out.push(format!("Read as {layout}."));
        }
        if n("outside_market") > 0 {
            out.push(format!(
                "{} providers outside the market were skipped.",
                n("outside_market")
            ));
        }
        if n("from_referrals") > 0 {
            out.push(format!(
                "{} providers outside the market were kept because your referral data names them.",
                n("from_referrals")
            ));
        }
        if n("deactivated_not_in_workspace") > 0 {
            out.push(format!(
                "{} deactivated NPIs were not in the workspace and were skipped.",
                n("deactivated_not_in_workspace")
            ));
        }
        if n("unknown_npis") > 0 {
            out.push(format!(
                "{} NPIs in the file are not in the workspace (listed under Unknown NPIs). Import the NPPES registry file next (or again): it adds them, even outside your market.",
                n("unknown_npis")
            ));
        }
        if n("influence_links") > 0 {
            out.push(format!(
                "{} “refers to” influence links between people in the workspace were added or updated from this data.",
                n("influence_links")
            ));
        }
        out
    }

    pub fn finished(&self) -> bool {
        self.status().finished()
    }

    pub fn options(&self) -> ImportOptions {
        serde_json::from_value(self.options.clone()).unwrap_or_default()
    }

    /// How far the job has read its file, in per cent (100 once finished).
    pub fn percent(&self) -> i64 {
        if self.finished() {
            100
        } else if self.file_size > 0 {
            (self.bytes_done.saturating_mul(100) / self.file_size).clamp(0, 99)
        } else {
            0
        }
    }

    /// A line for the command line and lists: "1,204 read: 980 new, 12 updated, …".
    pub fn summary_line(&self) -> String {
        format!(
            "{} read: {} new, {} updated, {} unchanged, {} skipped, {} failed",
            self.rows_read, self.created, self.updated, self.unchanged, self.skipped, self.failed
        )
    }
}

const SELECT: &str = "select j.id, j.kind, j.status, j.dry_run, j.options, j.file_name, j.file_size, j.created_by,
    u.name as created_by_name, j.created_at, j.started_at, j.finished_at, j.attempts, j.cancel_requested,
    j.bytes_done, j.rows_read, j.created, j.updated, j.unchanged, j.skipped, j.failed, j.message, j.summary";
const FROM: &str =
    "import_jobs j left join users u on u.tenant_id = j.tenant_id and u.id = j.created_by";

/// A new job waiting for its file (`storage` is `upload` or `local`).
pub async fn create_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    kind: ImportKind,
    dry_run: bool,
    options: &ImportOptions,
    file_name: &str,
    storage: &str,
) -> sqlx::Result<Uuid> {
    let id = Uuid::now_v7();
    let options = serde_json::to_value(options).unwrap_or_default();
    sqlx::query(
        "insert into import_jobs (tenant_id, id, kind, dry_run, options, file_name, storage, created_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(actor.tenant_id)
    .bind(id)
    .bind(kind.as_str())
    .bind(dry_run)
    .bind(&options)
    .bind(file_name)
    .bind(storage)
    .bind(actor.user_id)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        actor,
        "import.create",
        "import",
        Some(id.to_string()),
        serde_json::json!({ "kind": kind.as_str(), "file_name": file_name, "dry_run": dry_run, "options": options }),
    )
    .await?;
    Ok(id)
}

/// Appends one piece of an uploaded file.
pub async fn append_chunk(
    conn: &mut PgConnection,
    tenant: TenantId,
    job: Uuid,
    seq: i32,
    data: &[u8],
) -> sqlx::Result<()> {
    sqlx::query(
        "with c as (insert into import_chunks (tenant_id, job_id, seq, data) values ($1, $2, $3, $4))
         update import_jobs set file_size = file_size + $5 where id = $2",
    )
    .bind(tenant)
    .bind(job)
    .bind(seq)
    .bind(data)
    .bind(data.len() as i64)
    .execute(conn)
    .await?;
    Ok(())
}

/// One piece of a job's file, in order from 0; `None` past the last.
pub async fn chunk(conn: &mut PgConnection, job: Uuid, seq: i32) -> sqlx::Result<Option<Vec<u8>>> {
    sqlx::query_scalar("select data from import_chunks where job_id = $1 and seq = $2")
        .bind(job)
        .bind(seq)
        .fetch_optional(conn)
        .await
}

/// The file is complete: the job joins the queue.
pub async fn enqueue(conn: &mut PgConnection, job: Uuid, storage: &str) -> sqlx::Result<()> {
    sqlx::query("update import_jobs set status = 'queued' where id = $1 and status = 'uploading'")
        .bind(job)
        .execute(&mut *conn)
        .await?;
    sqlx::query("select import_queue_push($1, $2)")
        .bind(job)
        .bind(storage)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn find(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<JobRow>> {
    sqlx::query_as(&format!("{SELECT} from {FROM} where j.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Jobs, newest first.
pub async fn list(conn: &mut PgConnection, page: PageRequest) -> sqlx::Result<Page<JobRow>> {
    fetch_page(
        conn,
        &SELECT["select ".len()..],
        FROM,
        |_qb| {},
        "j.created_at desc, j.id desc",
        page,
    )
    .await
}

/// Asks a job to stop. A job not yet running is cancelled at once; a running one stops at
/// its next progress report and rolls back. `None` when there is no such job, `Some(false)`
/// when it had already finished.
pub async fn cancel_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    id: Uuid,
) -> sqlx::Result<Option<bool>> {
    let status: Option<String> =
        sqlx::query_scalar("select status from import_jobs where id = $1 for update")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    let Some(status) = status.as_deref().and_then(ImportStatus::parse) else {
        return Ok(None);
    };
    if status.finished() {
        return Ok(Some(false));
    }
    if status == ImportStatus::Running {
        sqlx::query("update import_jobs set cancel_requested = true where id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?;
    } else {
        sqlx::query(
            "update import_jobs set status = 'cancelled', cancel_requested = true, finished_at = now() where id = $1",
        )
        .bind(id)
        .execute(&mut *conn)
        .await?;
        sqlx::query("delete from import_chunks where job_id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    audit::record(
        conn,
        actor,
        "import.cancel",
        "import",
        Some(id.to_string()),
        serde_json::json!({ "status": status.as_str() }),
    )
    .await?;
    Ok(Some(true))
}

/// Per-row errors in file order.
pub async fn errors(
    conn: &mut PgConnection,
    job: Uuid,
    limit: i64,
) -> sqlx::Result<Vec<(i64, Option<String>, String)>> {
    sqlx::query_as(
        "select line, column_name, reason from import_errors where job_id = $1 order by line, seq limit $2",
    )
    .bind(job)
    .bind(limit)
    .fetch_all(conn)
    .await
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct ChangeRow {
    pub change: String,
    pub target: String,
    pub npi: Option<String>,
    pub label: String,
    pub fields: Vec<String>,
}

/// The change review: new, changed, deactivated or unknown, one page at a time.
pub async fn changes(
    conn: &mut PgConnection,
    job: Uuid,
    change: Option<&str>,
    page: PageRequest,
) -> sqlx::Result<Page<ChangeRow>> {
    fetch_page(
        conn,
        "change, target, npi, label, fields",
        "import_changes",
        |qb: &mut QueryBuilder<'_, sqlx::Postgres>| {
            qb.push(" where job_id = ").push_bind(job);
            if let Some(c) = change {
                qb.push(" and change = ").push_bind(c.to_string());
            }
        },
        "seq",
        page,
    )
    .await
}

/// How many changes of each kind a job recorded.
pub async fn change_counts(conn: &mut PgConnection, job: Uuid) -> sqlx::Result<Vec<(String, i64)>> {
    sqlx::query_as(
        "select change, count(*) from import_changes where job_id = $1 group by change order by change",
    )
    .bind(job)
    .fetch_all(conn)
    .await
}

// ---- The worker's side ----

/// Marks a claimed job running (one more attempt); returns it, or `None` when it is gone or
/// already finished (cancelled while waiting, or finished just before a crash).
pub async fn start(conn: &mut PgConnection, job: Uuid) -> sqlx::Result<Option<JobRow>> {
    let started: Option<Uuid> = sqlx::query_scalar(
        "update import_jobs set status = 'running', attempts = attempts + 1, started_at = now(),
                bytes_done = 0, rows_read = 0, message = null
         where id = $1 and status in ('queued', 'running') returning id",
    )
    .bind(job)
    .fetch_optional(&mut *conn)
    .await?;
    match started {
        Some(id) => find(conn, id).await,
        None => Ok(None),
    }
}

/// Records progress; returns whether a cancel was asked for.
pub async fn progress(
    conn: &mut PgConnection,
    job: Uuid,
    bytes_done: i64,
    rows_read: i64,
) -> sqlx::Result<bool> {
    let cancel: Option<bool> = sqlx::query_scalar(
        "update import_jobs set bytes_done = $2, rows_read = $3 where id = $1 and status = 'running'
         returning cancel_requested",
    )
    .bind(job)
    .bind(bytes_done)
    .bind(rows_read)
    .fetch_optional(conn)
    .await?;
    Ok(cancel.unwrap_or(true))
}

/// What a finished job counted.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Counts {
    pub rows_read: i64,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub skipped: i64,
    pub failed: i64,
}

/// Writes the per-row errors (up to [`MAX_STORED_ERRORS`]).
pub async fn write_errors(
    conn: &mut PgConnection,
    tenant: TenantId,
    job: Uuid,
    errors: &[RowError],
) -> sqlx::Result<()> {
    let errors = &errors[..errors.len().min(MAX_STORED_ERRORS)];
    for (n, chunk) in errors.chunks(5_000).enumerate() {
        let mut qb = QueryBuilder::new(
            "insert into import_errors (tenant_id, job_id, seq, line, column_name, reason) ",
        );
        qb.push_values(chunk.iter().enumerate(), |mut b, (i, e)| {
            b.push_bind(tenant)
                .push_bind(job)
                .push_bind((n * 5_000 + i) as i32)
                .push_bind(e.line as i64)
                .push_bind(e.column.as_deref())
                .push_bind(e.reason.as_str());
        });
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Closes a job: its status, counts, message and summary, the audit event, and (once it
/// will not run again) its uploaded file.
#[allow(clippy::too_many_arguments)]
pub async fn finish_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    job: Uuid,
    status: ImportStatus,
    counts: &Counts,
    message: Option<&str>,
    summary: &serde_json::Value,
) -> sqlx::Result<()> {
    sqlx::query(
        "update import_jobs set status = $2, finished_at = now(), bytes_done = file_size, rows_read = $3,
                created = $4, updated = $5, unchanged = $6, skipped = $7, failed = $8, message = $9, summary = $10
         where id = $1",
    )
    .bind(job)
    .bind(status.as_str())
    .bind(counts.rows_read)
    .bind(counts.created)
    .bind(counts.updated)
    .bind(counts.unchanged)
    .bind(counts.skipped)
    .bind(counts.failed)
    .bind(message)
    .bind(summary)
    .execute(&mut *conn)
    .await?;
    // The file stays for a dry run (to import it for real) and a failure (to retry).
    let dry_run: bool = sqlx::query_scalar("select dry_run from import_jobs where id = $1")
        .bind(job)
        .fetch_one(&mut *conn)
        .await?;
    if status == ImportStatus::Cancelled || (status == ImportStatus::Succeeded && !dry_run) {
        sqlx::query("delete from import_chunks where job_id = $1")
            .bind(job)
            .execute(&mut *conn)
            .await?;
    }
    audit::record(
        conn,
        actor,
        &format!("import.{}", status.as_str()),
        "import",
        Some(job.to_string()),
        serde_json::json!({ "counts": counts, "message": message }),
    )
    .await
}

/// Clears what an earlier attempt of this job wrote outside its own transaction (nothing
/// else survives a crash: the data and the results commit together).
pub async fn reset_results(conn: &mut PgConnection, job: Uuid) -> sqlx::Result<()> {
    sqlx::query("delete from import_errors where job_id = $1")
        .bind(job)
        .execute(&mut *conn)
        .await?;
    sqlx::query("delete from import_changes where job_id = $1")
        .bind(job)
        .execute(conn)
        .await?;
    Ok(())
}

/// The options of the latest job of `kind` (the import form starts from the last market).
pub async fn last_options(
    conn: &mut PgConnection,
    kind: ImportKind,
) -> sqlx::Result<Option<ImportOptions>> {
    let options: Option<serde_json::Value> = sqlx::query_scalar(
        "select options from import_jobs where kind = $1 order by created_at desc limit 1",
    )
    .bind(kind.as_str())
    .fetch_optional(conn)
    .await?;
    Ok(options.and_then(|o| serde_json::from_value(o).ok()))
}

/// Whether a finished job can run again from its kept upload: a dry run (for real now) or
/// a failure (a retry).
pub async fn can_run_again(conn: &mut PgConnection, job: &JobRow) -> sqlx::Result<bool> {
    let status = job.status();
    if !(status == ImportStatus::Failed || (status == ImportStatus::Succeeded && job.dry_run)) {
        return Ok(false);
    }
    sqlx::query_scalar("select exists(select 1 from import_chunks where job_id = $1)")
        .bind(job.id)
        .fetch_one(conn)
        .await
}

/// Queues a finished dry run or failed job again, for real, with its results cleared.
pub async fn run_again_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    job: Uuid,
) -> sqlx::Result<()> {
    sqlx::query(
        "update import_jobs set status = 'queued', dry_run = false, attempts = 0, cancel_requested = false,
                started_at = null, finished_at = null, bytes_done = 0, rows_read = 0, created = 0, updated = 0,
                unchanged = 0, skipped = 0, failed = 0, message = null, summary = '{}'
         where id = $1",
    )
    .bind(job)
    .execute(&mut *conn)
    .await?;
    reset_results(conn, job).await?;
    sqlx::query("select import_queue_push($1, 'upload')")
        .bind(job)
        .execute(&mut *conn)
        .await?;
    audit::record(
        conn,
        actor,
        "import.run",
        "import",
        Some(job.to_string()),
        serde_json::json!({}),
    )
    .await
}

/// The file is in but its columns need matching (a stakeholder CSV without a mapping).
pub async fn await_mapping(conn: &mut PgConnection, job: Uuid) -> sqlx::Result<()> {
    sqlx::query("update import_jobs set status = 'mapping' where id = $1 and status = 'uploading'")
        .bind(job)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records the confirmed column mapping of a job waiting for it and queues the job.
/// Returns false when the job is not waiting for a mapping.
pub async fn map_and_queue_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    job: Uuid,
    mapping: &[String],
) -> sqlx::Result<bool> {
    let updated = sqlx::query(
        "update import_jobs set options = jsonb_set(options, '{mapping}', to_jsonb($2::text[])), status = 'queued'
         where id = $1 and status = 'mapping'",
    )
    .bind(job)
    .bind(mapping)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if updated == 0 {
        return Ok(false);
    }
    sqlx::query("select import_queue_push($1, 'upload')")
        .bind(job)
        .execute(&mut *conn)
        .await?;
    audit::record(
        conn,
        actor,
        "import.map",
        "import",
        Some(job.to_string()),
        serde_json::json!({ "mapping": mapping }),
    )
    .await?;
    Ok(true)
}
