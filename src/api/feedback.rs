//! `/api/v1/feedback`: list with filters, log, show, take a step in the loop; the topics and
//! the escalation queue.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde::Deserialize;
use uuid::Uuid;

use super::{Json, ListOf, Path, Query};
use crate::app::AppState;
use crate::auth::{ApiUser, CurrentUser};
use crate::db::feedback::{FeedbackFilter, FeedbackRow, QueueRow, StatusGroup, TopicRow};
use crate::db::{self, PageRequest};
use crate::domain::{FeedbackDraft, FeedbackStepDraft, optional_id};
use crate::error::{ApiResult, AppError, on_constraints};
use crate::postgres::tenant_tx;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/feedback", get(list).post(create))
        .route("/feedback/queue", get(queue))
        .route("/feedback/{id}", get(show))
        .route("/feedback/{id}/step", post(step))
        .route("/feedback-topics", get(topics))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedbackParams {
    stakeholder_id: Option<String>,
    /// Feedback that names this campaign.
    campaign_id: Option<String>,
    topic_id: Option<String>,
    owner_id: Option<String>,
    /// open (default: open and acknowledged), closed (resolved and informed) or all.
    status: Option<String>,
    /// true: only negative sentiment.
    concerns: Option<bool>,
    /// true: only open items past their due date.
    overdue: Option<bool>,
    page: Option<i64>,
    per_page: Option<i64>,
}

/// Feedback matching the filters, newest first.
#[utoipa::path(get, path = "/api/v1/feedback", tag = "feedback", params(FeedbackParams),
    responses((status = 200, body = ListOf<FeedbackRow>), (status = 401, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(p): Query<FeedbackParams>,
) -> ApiResult<axum::Json<ListOf<FeedbackRow>>> {
    let id = |v: &Option<String>, field: &'static str| {
        optional_id(v.as_deref(), "a record").map_err(|_| AppError::field(field, "Not a valid id."))
    };
    let filter = FeedbackFilter {
        stakeholder_id: id(&p.stakeholder_id, "stakeholder_id")?,
        campaign_id: id(&p.campaign_id, "campaign_id")?,
        topic_id: id(&p.topic_id, "topic_id")?,
        owner_id: id(&p.owner_id, "owner_id")?,
        status: match p.status.as_deref() {
            Some("closed") => StatusGroup::Closed,
            Some("all") => StatusGroup::All,
            _ => StatusGroup::Open,
        },
        concerns: p.concerns.unwrap_or(false),
        overdue: p.overdue.unwrap_or(false),
    };
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let page = db::feedback::list(&mut tx, &filter, PageRequest::new(p.page, p.per_page)).await?;
    tx.commit().await?;
    Ok(axum::Json(page.into()))
}

async fn fetch(state: &AppState, user: &CurrentUser, id: Uuid) -> ApiResult<FeedbackRow> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let row = db::feedback::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(row)
}

/// Logs feedback (not executives). Concerns are due a week later unless `due_on` says
/// otherwise; the owner defaults to the caller.
#[utoipa::path(post, path = "/api/v1/feedback", tag = "feedback", request_body = FeedbackDraft,
    responses((status = 201, body = FeedbackRow), (status = 403, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Json(draft): Json<FeedbackDraft>,
) -> ApiResult<(StatusCode, axum::Json<FeedbackRow>)> {
    user.require_book_editor()?;
    let input = draft
        .validate(chrono::Utc::now().date_naive())
        .map_err(AppError::Invalid)?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    if !db::feedback::topic_open(&mut tx, input.topic_id).await? {
        return Err(AppError::field("topic_id", db::feedback::TOPIC_CLOSED).into());
    }
    let id = db::feedback::create_audited(&mut tx, &user.actor(), &input)
        .await
        .map_err(|e| on_constraints(e, db::feedback::CONSTRAINTS))?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(fetch(&state, &user, id).await?),
    ))
}

/// One feedback item.
#[utoipa::path(get, path = "/api/v1/feedback/{id}", tag = "feedback", params(("id" = Uuid, Path)),
    responses((status = 200, body = FeedbackRow), (status = 404, body = crate::error::Problem)))]
pub async fn show(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<FeedbackRow>> {
    Ok(axum::Json(fetch(&state, &user, id).await?))
}

/// Takes a step in the loop: acknowledge, resolve (with what was done), inform the
/// stakeholder; or hand the item to another owner or due date.
#[utoipa::path(post, path = "/api/v1/feedback/{id}/step", tag = "feedback", params(("id" = Uuid, Path)), request_body = FeedbackStepDraft,
    responses((status = 200, body = FeedbackRow), (status = 404, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn step(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
    Json(draft): Json<FeedbackStepDraft>,
) -> ApiResult<axum::Json<FeedbackRow>> {
    user.require_book_editor()?;
    let s = draft.validate().map_err(AppError::Invalid)?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let row = db::feedback::step_audited(&mut tx, &user.actor(), id, &s)
        .await
        .map_err(|e| on_constraints(e, db::feedback::CONSTRAINTS))?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(axum::Json(row))
}

/// Open concerns by topic and age (the escalation queue).
#[utoipa::path(get, path = "/api/v1/feedback/queue", tag = "feedback",
    responses((status = 200, body = Vec<QueueRow>), (status = 401, body = crate::error::Problem)))]
pub async fn queue(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<axum::Json<Vec<QueueRow>>> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let rows = db::feedback::queue(&mut tx).await?;
    tx.commit().await?;
    Ok(axum::Json(rows))
}

/// The workspace's feedback topics (archived ones included, flagged).
#[utoipa::path(get, path = "/api/v1/feedback-topics", tag = "feedback",
    responses((status = 200, body = Vec<TopicRow>), (status = 401, body = crate::error::Problem)))]
pub async fn topics(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<axum::Json<Vec<TopicRow>>> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let rows = db::feedback::topics(&mut tx, true).await?;
    tx.commit().await?;
    Ok(axum::Json(rows))
}
