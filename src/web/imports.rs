//! Import jobs for admins: the list, the upload form, and a job's page with a live progress
//! bar, cancel, its counts, the per-row error report (CSV) and the change review.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use uuid::Uuid;

use super::{Layout, Pager, Path, Query, redirect_with_flash};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::db::imports::{ChangeRow, JobRow};
use crate::db::{self, PageRequest};
use crate::domain::{IMPORTABLE, ImportKind, ImportOptionsDraft};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::jobs::upload::{Upload, UploadError};
use crate::postgres::tenant_tx;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/admin/imports",
            get(list).post(upload).layer(DefaultBodyLimit::disable()),
        )
        .route("/admin/imports/new", get(new))
        .route("/admin/imports/{id}", get(show))
        .route("/admin/imports/{id}/progress", get(progress))
        .route("/admin/imports/{id}/errors.csv", get(errors_csv))
        .route("/admin/imports/{id}/cancel", post(cancel))
        .route("/admin/imports/{id}/run", post(run_again))
}

/// The kinds the form offers.
const OFFERED: &[ImportKind] = IMPORTABLE;

#[derive(Template, WebTemplate)]
#[template(path = "imports/list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<JobRow>,
    pager: Pager,
}

#[derive(Deserialize)]
struct PageQuery {
    page: Option<i64>,
}

async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<PageQuery>,
) -> AppResult<ListPage> {
    user.require_admin()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let page = db::imports::list(&mut tx, PageRequest::new(q.page, None)).await?;
    tx.commit().await?;
    Ok(ListPage {
        layout: Layout::new(&user, "Imports", "imports"),
        pager: Pager::new(&page, "/admin/imports?"),
        rows: page.items,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "imports/new.html")]
struct NewPage {
    layout: Layout,
    form: ImportOptionsDraft,
    errors: FieldErrors,
    kinds: &'static [ImportKind],
}

impl NewPage {
    fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }

    fn is_kind(&self, k: &ImportKind) -> bool {
        self.form.kind.as_deref() == Some(k.as_str())
    }

    fn is_layout(&self, l: &str) -> bool {
        self.form.layout.as_deref().unwrap_or("auto") == l
    }

    fn referral_npis(&self) -> bool {
        !matches!(self.form.referral_npis.as_deref(), Some("off"))
    }

    fn value<'a>(&self, v: &'a Option<String>) -> &'a str {
        v.as_deref().unwrap_or("")
    }
}

#[derive(Deserialize)]
struct NewQuery {
    kind: Option<String>,
}

async fn new(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<NewQuery>,
) -> AppResult<NewPage> {
    user.require_admin()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let market = db::imports::last_options(&mut tx, ImportKind::Nppes).await?;
    tx.commit().await?;
    let market = market.unwrap_or_default();
    let form = ImportOptionsDraft {
        kind: Some(q.kind.unwrap_or_else(|| "nppes".into())),
        states: Some(market.states.join(", ")),
        zip_prefixes: Some(market.zip_prefixes.join(", ")),
        taxonomy_prefixes: Some(market.taxonomy_prefixes.join(", ")),
        ..ImportOptionsDraft::default()
    };
    Ok(NewPage {
        layout: Layout::new(&user, "New import", "imports"),
        form,
        errors: FieldErrors::new(),
        kinds: OFFERED,
    })
}

fn form_again(user: &CurrentUser, form: ImportOptionsDraft, errors: FieldErrors) -> Response {
    let mut response = NewPage {
        layout: Layout::new(user, "New import", "imports"),
        form,
        errors,
        kinds: OFFERED,
    }
    .into_response();
    *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    response
}

/// The upload form: the options, then the file, read as it streams in.
async fn upload(
    State(state): State<AppState>,
    user: CurrentUser,
    multipart: Result<Multipart, MultipartRejection>,
) -> AppResult<Response> {
    user.require_admin()?;
    let mut multipart = multipart
        .map_err(|e| AppError::BadRequest(format!("The upload could not be read: {e}")))?;
    let mut form = ImportOptionsDraft::default();
    let read_error = |e: axum::extract::multipart::MultipartError| {
        AppError::BadRequest(format!("The upload broke off: {}", e.body_text()))
    };
    while let Some(mut field) = multipart.next_field().await.map_err(read_error)? {
        let name = field.name().unwrap_or("").to_string();
        if name != "file" {
            let value = field.text().await.map_err(read_error)?;
            let slot = match name.as_str() {
                "kind" => &mut form.kind,
                "states" => &mut form.states,
                "zip_prefixes" => &mut form.zip_prefixes,
                "taxonomy_prefixes" => &mut form.taxonomy_prefixes,
                "referral_npis" => &mut form.referral_npis,
                "layout" => &mut form.layout,
                "period" => &mut form.period,
                "mapping" => &mut form.mapping,
                "dry_run" => {
                    form.dry_run = matches!(value.as_str(), "on" | "true" | "1");
                    continue;
                }
                _ => continue,
            };
            *slot = Some(value);
            continue;
        }
        let file_name = field.file_name().unwrap_or("").to_string();
        let (kind, dry_run, options) = match form.validate() {
            Ok(v) => v,
            Err(errors) => return Ok(form_again(&user, form, errors)),
        };
        if !OFFERED.contains(&kind) {
            let mut errors = FieldErrors::new();
            errors.insert(
                "kind",
                format!("{} files cannot be imported yet.", kind.label()),
            );
            return Ok(form_again(&user, form, errors));
        }
        if file_name.trim().is_empty() {
            let mut errors = FieldErrors::new();
            errors.insert("file", "Choose a file.".into());
            return Ok(form_again(&user, form, errors));
        }
        let mut upload = Upload::new(
            state.pools.app.clone(),
            user.actor(),
            kind,
            dry_run,
            options,
            &file_name,
        );
        loop {
            let chunk = match field.chunk().await {
                Ok(Some(c)) => c,
                Ok(None) => break,
                Err(e) => {
                    upload
                        .abandon("The upload broke off before the whole file arrived.")
                        .await;
                    return Err(read_error(e));
                }
            };
            if let Err(e) = upload.write(&chunk).await {
                return upload_failed(&user, form, e);
            }
        }
        let needs_mapping = kind == ImportKind::Stakeholders
            && form.mapping.as_deref().is_none_or(|m| m.trim().is_empty());
        return match upload.finish(&state.jobs).await {
            Ok(job) if needs_mapping => {
                redirect_with_flash(
                    &state,
                    &user,
                    &format!("/admin/imports/{job}/mapping"),
                    "File received. Check how its columns are matched, then import.",
                )
                .await
            }
            Ok(job) => {
                redirect_with_flash(
                    &state,
                    &user,
                    &format!("/admin/imports/{job}"),
                    "File received; the import is running.",
                )
                .await
            }
            Err(e) => upload_failed(&user, form, e),
        };
    }
    let mut errors = FieldErrors::new();
    errors.insert("file", "Choose a file.".into());
    Ok(form_again(&user, form, errors))
}

fn upload_failed(
    user: &CurrentUser,
    form: ImportOptionsDraft,
    e: UploadError,
) -> AppResult<Response> {
    match e {
        UploadError::Refused(message) => {
            let mut errors = FieldErrors::new();
            errors.insert("file", message);
            Ok(form_again(user, form, errors))
        }
        UploadError::Database(e) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "imports/show.html")]
struct ShowPage {
    layout: Layout,
    job: JobRow,
    errors: Vec<(i64, Option<String>, String)>,
    change_counts: Vec<(String, i64)>,
    change: Option<String>,
    changes: Vec<ChangeRow>,
    pager: Pager,
    can_run: bool,
}

impl ShowPage {
    fn change_label(c: &str) -> &'static str {
        match c {
            "new" => "New",
            "changed" => "Changed",
            "deactivated" => "Deactivated",
            "unknown" => "Unknown NPIs",
            _ => "Other",
        }
    }

    fn is_change(&self, c: &str) -> bool {
        self.change.as_deref() == Some(c)
    }
}

#[derive(Deserialize)]
struct ShowQuery {
    change: Option<String>,
    page: Option<i64>,
}

/// Rows of the error report shown on the page (all of them are in the CSV).
const ERRORS_SHOWN: i64 = 50;

async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Query(q): Query<ShowQuery>,
) -> AppResult<ShowPage> {
    user.require_admin()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let job = db::imports::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let errors = db::imports::errors(&mut tx, id, ERRORS_SHOWN).await?;
    let change_counts = db::imports::change_counts(&mut tx, id).await?;
    let change = q
        .change
        .filter(|c| change_counts.iter().any(|(k, _)| k == c))
        .or_else(|| change_counts.first().map(|(k, _)| k.clone()));
    let page = db::imports::changes(
        &mut tx,
        id,
        change.as_deref(),
        PageRequest::new(q.page, Some(50)),
    )
    .await?;
    let can_run = db::imports::can_run_again(&mut tx, &job).await?;
    tx.commit().await?;
    let base = format!(
        "/admin/imports/{id}?change={}&",
        change.as_deref().unwrap_or("")
    );
    Ok(ShowPage {
        layout: Layout::new(&user, format!("Import: {}", job.file_name), "imports"),
        pager: Pager::new(&page, &base),
        changes: page.items,
        change,
        change_counts,
        errors,
        can_run,
        job,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "imports/_progress.html")]
struct ProgressFragment {
    job: JobRow,
}

/// The progress bar alone, polled by the job page while the job runs. When the job has
/// finished, the page reloads to show the results.
async fn progress(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
) -> AppResult<Response> {
    user.require_admin()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let job = db::imports::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    let finished = job.finished();
    let mut response = ProgressFragment { job }.into_response();
    if finished && headers.contains_key("hx-request") {
        response
            .headers_mut()
            .insert("hx-refresh", header::HeaderValue::from_static("true"));
    }
    Ok(response)
}

async fn errors_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> AppResult<Response> {
    user.require_admin()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let job = db::imports::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let rows = db::imports::errors(&mut tx, id, db::imports::MAX_STORED_ERRORS as i64).await?;
    tx.commit().await?;
    let mut out = csv::Writer::from_writer(Vec::new());
    let write_err = |e: csv::Error| AppError::Internal(anyhow::anyhow!("csv: {e}"));
    out.write_record(["line", "column", "reason"])
        .map_err(write_err)?;
    for (line, column, reason) in rows {
        out.write_record([
            line.to_string(),
            super::stakeholders::csv_cell(column.as_deref().unwrap_or("")),
            super::stakeholders::csv_cell(&reason),
        ])
        .map_err(write_err)?;
    }
    let body = out
        .into_inner()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("csv: {e}")))?;
    let stem: String = job
        .file_name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .take(80)
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"errors-{stem}.csv\""),
            ),
        ],
        body,
    )
        .into_response())
}

async fn cancel(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> AppResult<Response> {
    user.require_admin()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let done = db::imports::cancel_audited(&mut tx, &user.actor(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    let message = if done {
        "Cancelling: nothing from this file will be kept."
    } else {
        "The import had already finished."
    };
    redirect_with_flash(&state, &user, &format!("/admin/imports/{id}"), message).await
}

/// Runs a finished dry run for real, or a failed job again, with the file already uploaded.
async fn run_again(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> AppResult<Response> {
    user.require_admin()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let job = db::imports::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !db::imports::can_run_again(&mut tx, &job).await? {
        return Err(AppError::Conflict(
            "This import cannot run again: it is running, it succeeded, or its file is no longer kept. Upload the file again.".into(),
        ));
    }
    db::imports::run_again_audited(&mut tx, &user.actor(), id).await?;
    tx.commit().await?;
    state.jobs.job_queued();
    redirect_with_flash(
        &state,
        &user,
        &format!("/admin/imports/{id}"),
        "The import is running.",
    )
    .await
}
