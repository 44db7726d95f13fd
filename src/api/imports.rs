//! `/api/v1/imports`: import jobs for admins. The file is the request body itself (any
//! content type), streamed into the job as it arrives; options travel in the query string.

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http_body_util::BodyExt;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{ListOf, Path, Query};
use crate::app::AppState;
use crate::auth::ApiUser;
use crate::db::imports::{ChangeRow, JobRow};
use crate::db::{self, PageRequest};
use crate::domain::{ImportOptionsDraft, ImportStatus};
use crate::error::{ApiResult, AppError};
use crate::imports::stakeholders::{self, Mapping};
use crate::jobs::upload::{Upload, UploadError};
use crate::postgres::tenant_tx;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/imports",
            get(list).post(create).layer(DefaultBodyLimit::disable()),
        )
        .route("/imports/{id}", get(show))
        .route("/imports/{id}/errors", get(errors))
        .route("/imports/{id}/changes", get(changes))
        .route("/imports/{id}/cancel", post(cancel))
        .route("/imports/{id}/mapping", post(map_columns))
}

/// Options of a new import, in the query string.
#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// nppes or referrals.
    kind: Option<String>,
    /// The file's name, for the job list (default "upload").
    file_name: Option<String>,
    /// true: check and count, write nothing.
    dry_run: Option<bool>,
    /// NPPES market: two-letter states, comma-separated.
    states: Option<String>,
    /// NPPES market: leading ZIP digits, comma-separated.
    zip_prefixes: Option<String>,
    /// NPPES market: leading taxonomy characters, comma-separated.
    taxonomy_prefixes: Option<String>,
    /// NPPES: also keep providers named in the workspace's referral data that it lacks,
    /// outside the market too (default true).
    referral_npis: Option<bool>,
    /// Referrals: canonical, cms or hop (detected when absent).
    layout: Option<String>,
    /// Referrals: the first day of the period a file without dates covers.
    period: Option<String>,
    /// Stakeholder CSV: the field of each column, in order, comma-separated
    /// (`first_name,last_name,npi,email,ignore`). When absent, columns are matched from the
    /// header; if that finds no name columns, the job waits in status `mapping` for
    /// `POST /api/v1/imports/{id}/mapping`.
    mapping: Option<String>,
}

/// Starts an import (admins). The body is the file; the job runs in the background: poll
/// `GET /api/v1/imports/{id}` until `status` is succeeded, failed or cancelled.
#[utoipa::path(post, path = "/api/v1/imports", tag = "imports", params(ImportParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The file"),
    responses((status = 202, body = JobRow), (status = 403, body = crate::error::Problem),
              (status = 413, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(p): Query<ImportParams>,
    body: Body,
) -> ApiResult<Response> {
    user.require_admin()?;
    let draft = ImportOptionsDraft {
        kind: p.kind,
        dry_run: p.dry_run.unwrap_or(false),
        states: p.states,
        zip_prefixes: p.zip_prefixes,
        taxonomy_prefixes: p.taxonomy_prefixes,
        referral_npis: p.referral_npis.map(|b| b.to_string()),
        layout: p.layout,
        period: p.period,
        mapping: p.mapping,
    };
    let (kind, dry_run, options) = draft.validate().map_err(AppError::Invalid)?;
    if !crate::domain::IMPORTABLE.contains(&kind) {
        return Err(AppError::field(
            "kind",
            format!("{} files cannot be imported yet.", kind.label()),
        )
        .into());
    }
    let mut upload = Upload::new(
        state.pools.app.clone(),
        user.actor(),
        kind,
        dry_run,
        options,
        p.file_name.as_deref().unwrap_or("upload"),
    );
    let refused = |e: UploadError| -> crate::error::ApiError {
        match e {
            UploadError::Refused(m) => AppError::field("file", m).into(),
            UploadError::Database(e) => e.into(),
        }
    };
    let mut body = body;
    while let Some(frame) = body.frame().await {
        let chunk = match frame {
            Ok(frame) => match frame.into_data() {
                Ok(data) => data,
                Err(_) => continue,
            },
            Err(e) => {
                upload
                    .abandon("The upload broke off before the whole file arrived.")
                    .await;
                return Err(too_large_or_broken(&e.to_string()).into());
            }
        };
        upload.write(&chunk).await.map_err(refused)?;
    }
    let id = upload.finish(&state.jobs).await.map_err(refused)?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let mut job = db::imports::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if job.status() == ImportStatus::Mapping {
        let suggested = db::imports::chunk(&mut tx, id, 0)
            .await?
            .and_then(|bytes| stakeholders::preview(bytes.as_slice(), 0).ok())
            .and_then(|p| Mapping::new(p.suggested).ok());
        if let Some(mapping) = suggested {
            let keys: Vec<String> = mapping
                .fields()
                .iter()
                .map(|f| f.key().to_string())
                .collect();
            db::imports::map_and_queue_audited(&mut tx, &user.actor(), id, &keys).await?;
            job = db::imports::find(&mut tx, id)
                .await?
                .ok_or(AppError::NotFound)?;
        }
    }
    tx.commit().await?;
    state.jobs.job_queued();
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, format!("/api/v1/imports/{id}"))],
        axum::Json(job),
    )
        .into_response())
}

fn too_large_or_broken(message: &str) -> AppError {
    if message.contains("length limit") {
        AppError::TooLarge(format!(
            "Files up to {} GB can be uploaded; use `rapport import` for larger ones.",
            crate::domain::MAX_FILE_BYTES >> 30
        ))
    } else {
        AppError::BadRequest("The upload broke off before the whole file arrived.".into())
    }
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// 1-based page number (default 1).
    page: Option<i64>,
    /// Rows per page (default 25, at most 200).
    per_page: Option<i64>,
}

/// Import jobs, newest first (admins).
#[utoipa::path(get, path = "/api/v1/imports", tag = "imports", params(PageParams),
    responses((status = 200, body = ListOf<JobRow>), (status = 403, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(p): Query<PageParams>,
) -> ApiResult<axum::Json<ListOf<JobRow>>> {
    user.require_admin()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let page = db::imports::list(&mut tx, PageRequest::new(p.page, p.per_page)).await?;
    tx.commit().await?;
    Ok(axum::Json(page.into()))
}

/// One import job with its progress and counts (admins).
#[utoipa::path(get, path = "/api/v1/imports/{id}", tag = "imports", params(("id" = Uuid, Path)),
    responses((status = 200, body = JobRow), (status = 404, body = crate::error::Problem)))]
pub async fn show(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<JobRow>> {
    user.require_admin()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let job = db::imports::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(axum::Json(job))
}

/// One row that could not be imported.
#[derive(Serialize, ToSchema)]
pub struct RowProblem {
    /// 1-based line in the file (the header is line 1).
    line: i64,
    column: Option<String>,
    reason: String,
}

/// The per-row error report, in file order (up to 10,000 rows).
#[utoipa::path(get, path = "/api/v1/imports/{id}/errors", tag = "imports", params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<RowProblem>), (status = 404, body = crate::error::Problem)))]
pub async fn errors(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<Vec<RowProblem>>> {
    user.require_admin()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    db::imports::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let rows = db::imports::errors(&mut tx, id, db::imports::MAX_STORED_ERRORS as i64).await?;
    tx.commit().await?;
    Ok(axum::Json(
        rows.into_iter()
            .map(|(line, column, reason)| RowProblem {
                line,
                column,
                reason,
            })
            .collect(),
    ))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangeParams {
    /// new, changed, deactivated or unknown.
    change: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

/// The change review: what the job changed (or in a dry run would change).
#[utoipa::path(get, path = "/api/v1/imports/{id}/changes", tag = "imports",
    params(("id" = Uuid, Path), ChangeParams),
    responses((status = 200, body = ListOf<ChangeRow>), (status = 404, body = crate::error::Problem)))]
pub async fn changes(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
    Query(p): Query<ChangeParams>,
) -> ApiResult<axum::Json<ListOf<ChangeRow>>> {
    user.require_admin()?;
    if let Some(c) = p.change.as_deref()
        && !matches!(c, "new" | "changed" | "deactivated" | "unknown")
    {
        return Err(AppError::field("change", "Use new, changed, deactivated or unknown.").into());
    }
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    db::imports::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let page = db::imports::changes(
        &mut tx,
        id,
        p.change.as_deref(),
        PageRequest::new(p.page, p.per_page),
    )
    .await?;
    tx.commit().await?;
    Ok(axum::Json(page.into()))
}

/// Cancels a job: a waiting one at once, a running one at its next progress report (its
/// rows are rolled back).
#[utoipa::path(post, path = "/api/v1/imports/{id}/cancel", tag = "imports", params(("id" = Uuid, Path)),
    responses((status = 200, body = JobRow), (status = 404, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem)))]
pub async fn cancel(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<JobRow>> {
    user.require_admin()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let done = db::imports::cancel_audited(&mut tx, &user.actor(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !done {
        return Err(AppError::Conflict("The import has already finished.".into()).into());
    }
    let job = db::imports::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(axum::Json(job))
}

/// The column mapping of a stakeholder CSV waiting for one.
#[derive(Deserialize, ToSchema)]
pub struct MappingBody {
    /// The field key of each column, in order: first_name, last_name, full_name,
    /// middle_name, prefix, suffix, credentials, npi, email, phone, kind, taxonomy_code, tags,
    /// tier, preferred_channel, organization_name, address_line, city, state, postal_code or
    /// ignore.
    mapping: Vec<String>,
}

/// Matches a waiting stakeholder CSV's columns and queues it (admins).
#[utoipa::path(post, path = "/api/v1/imports/{id}/mapping", tag = "imports", params(("id" = Uuid, Path)),
    request_body = MappingBody,
    responses((status = 200, body = JobRow), (status = 404, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn map_columns(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
    super::Json(body): super::Json<MappingBody>,
) -> ApiResult<axum::Json<JobRow>> {
    user.require_admin()?;
    let mapping = Mapping::from_keys(&body.mapping).map_err(|e| AppError::field("mapping", e))?;
    let keys: Vec<String> = mapping
        .fields()
        .iter()
        .map(|f| f.key().to_string())
        .collect();
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    db::imports::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !db::imports::map_and_queue_audited(&mut tx, &user.actor(), id, &keys).await? {
        return Err(
            AppError::Conflict("This import is not waiting for a column mapping.".into()).into(),
        );
    }
    let job = db::imports::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    state.jobs.job_queued();
    Ok(axum::Json(job))
}
