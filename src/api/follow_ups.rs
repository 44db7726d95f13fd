//! `/api/v1/follow-ups`: the caller's (or anyone's) follow-ups, creating one, completing it
//! (optionally logging the touch-point that did it) or cancelling it.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde::Deserialize;
use uuid::Uuid;

use super::{Json, ListOf, Path, Query};
use crate::app::AppState;
use crate::auth::{ApiUser, CurrentUser};
use crate::db::follow_ups::{FollowUpFilter, FollowUpRow, Source};
use crate::db::{self, PageRequest};
use crate::domain::{CompleteDraft, FollowUpDraft, FollowUpPlan, FollowUpStatus, optional_id};
use crate::error::{ApiResult, AppError, on_constraints};
use crate::postgres::tenant_tx;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/follow-ups", get(list).post(create))
        .route("/follow-ups/{id}", get(show))
        .route("/follow-ups/{id}/complete", post(complete))
        .route("/follow-ups/{id}/cancel", post(cancel))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FollowUpParams {
    /// A user id, or `all`; the caller when absent.
    owner_id: Option<String>,
    stakeholder_id: Option<String>,
    /// open (default) or all.
    status: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

/// Follow-ups by due date, overdue first; by default the caller's open ones.
#[utoipa::path(get, path = "/api/v1/follow-ups", tag = "follow-ups", params(FollowUpParams),
    responses((status = 200, body = ListOf<FollowUpRow>), (status = 401, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(p): Query<FollowUpParams>,
) -> ApiResult<axum::Json<ListOf<FollowUpRow>>> {
    let id = |v: Option<&str>, field: &'static str| {
        optional_id(v, "a record").map_err(|_| AppError::field(field, "Not a valid id."))
    };
    let owner_id = match p.owner_id.as_deref().map(str::trim) {
        Some("all") => None,
        None | Some("") => Some(user.user_id.0),
        Some(other) => id(Some(other), "owner_id")?,
    };
    let filter = FollowUpFilter {
        owner_id,
        stakeholder_id: id(p.stakeholder_id.as_deref(), "stakeholder_id")?,
        open_only: p.status.as_deref() != Some("all"),
    };
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let page = db::follow_ups::list(&mut tx, &filter, PageRequest::new(p.page, p.per_page)).await?;
    tx.commit().await?;
    Ok(axum::Json(page.into()))
}

async fn fetch(state: &AppState, user: &CurrentUser, id: Uuid) -> Result<FollowUpRow, AppError> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let row = db::follow_ups::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(row)
}

/// Creates a follow-up for a stakeholder, or for the stakeholder of a feedback item.
#[utoipa::path(post, path = "/api/v1/follow-ups", tag = "follow-ups", request_body = FollowUpDraft,
    responses((status = 201, body = FollowUpRow), (status = 403, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Json(draft): Json<FollowUpDraft>,
) -> ApiResult<(StatusCode, axum::Json<FollowUpRow>)> {
    user.require_book_editor()?;
    let id = create_follow_up(&state, &user, &draft).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(fetch(&state, &user, id).await?),
    ))
}

/// Validates and writes a follow-up (the page form and the API).
pub async fn create_follow_up(
    state: &AppState,
    user: &CurrentUser,
    draft: &FollowUpDraft,
) -> Result<Uuid, AppError> {
    let input = draft.validate().map_err(AppError::Invalid)?;
    let source = match (input.feedback_id, input.stakeholder_id) {
        (Some(f), _) => Source::Feedback(f),
        (None, Some(s)) => Source::Manual(s),
        (None, None) => {
            return Err(AppError::field(
                "stakeholder_id",
                "Choose whom to follow up with.",
            ));
        }
    };
    let plan = FollowUpPlan {
        due_on: input.due_on,
        owner_id: input.owner_id,
        note: input.note,
    };
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let id = db::follow_ups::create_audited(&mut tx, &user.actor(), source, &plan)
        .await
        .map_err(|e| on_constraints(e, db::follow_ups::CONSTRAINTS))?
        .ok_or_else(|| AppError::field("feedback_id", "That feedback item does not exist."))?;
    tx.commit().await?;
    Ok(id)
}

/// One follow-up.
#[utoipa::path(get, path = "/api/v1/follow-ups/{id}", tag = "follow-ups", params(("id" = Uuid, Path)),
    responses((status = 200, body = FollowUpRow), (status = 404, body = crate::error::Problem)))]
pub async fn show(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<FollowUpRow>> {
    Ok(axum::Json(fetch(&state, &user, id).await?))
}

/// Completes or cancels an open follow-up (the page form and the API). With a channel,
/// completing also logs the touch-point that did it.
pub async fn close(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    status: FollowUpStatus,
    draft: &CompleteDraft,
) -> Result<FollowUpRow, AppError> {
    user.require_book_editor()?;
    let touch = if status == FollowUpStatus::Done {
        draft
            .touchpoint(chrono::Utc::now())
            .map_err(AppError::Invalid)?
    } else {
        None
    };
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let row = db::follow_ups::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !db::follow_ups::may_change(&row, user.user_id.0, user.role) {
        return Err(AppError::Forbidden);
    }
    let not_open = || AppError::Conflict("This follow-up is already closed.".into());
    if status == FollowUpStatus::Done {
        db::follow_ups::complete_audited(&mut tx, &user.actor(), &row, touch.as_ref())
            .await?
            .ok_or_else(not_open)?
            .map_err(AppError::Invalid)?;
    } else if !db::follow_ups::close_audited(&mut tx, &user.actor(), id, status, None).await? {
        return Err(not_open());
    }
    let row = db::follow_ups::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(row)
}

/// Marks a follow-up done; send a channel (and outcome, notes) to log the touch-point too.
#[utoipa::path(post, path = "/api/v1/follow-ups/{id}/complete", tag = "follow-ups", params(("id" = Uuid, Path)),
    request_body = CompleteDraft,
    responses((status = 200, body = FollowUpRow), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn complete(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
    Json(draft): Json<CompleteDraft>,
) -> ApiResult<axum::Json<FollowUpRow>> {
    Ok(axum::Json(
        close(&state, &user, id, FollowUpStatus::Done, &draft).await?,
    ))
}

/// Cancels a follow-up.
#[utoipa::path(post, path = "/api/v1/follow-ups/{id}/cancel", tag = "follow-ups", params(("id" = Uuid, Path)),
    responses((status = 200, body = FollowUpRow), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn cancel(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<FollowUpRow>> {
    Ok(axum::Json(
        close(
            &state,
            &user,
            id,
            FollowUpStatus::Cancelled,
            &CompleteDraft::default(),
        )
        .await?,
    ))
}
