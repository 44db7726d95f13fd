//! `/api/v1/content-items`: the content calendar.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use chrono::NaiveDate;
use serde::Deserialize;
use uuid::Uuid;

use super::{Json, Path, Query};
use crate::app::AppState;
use crate::auth::{ApiUser, CurrentUser};
use crate::db;
use crate::db::content::{ContentFilter, ContentRow, Refusal};
use crate::domain::{ContentChannel, ContentDraft, ContentStatus};
use crate::error::{ApiResult, AppError, on_constraints};
use crate::postgres::tenant_tx;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/content-items", get(list).post(create))
        .route("/content-items/{id}", get(show).put(replace).delete(remove))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContentParams {
    /// First day, YYYY-MM-DD (default: today).
    from: Option<NaiveDate>,
    /// Last day, YYYY-MM-DD (default: 90 days after `from`).
    to: Option<NaiveDate>,
    campaign_id: Option<Uuid>,
    /// email, social, print, web, event, mail or portal.
    channel: Option<String>,
    /// planned, ready or published.
    status: Option<String>,
}

/// Content items in date order (at most 1,000, and at most a year at a time).
#[utoipa::path(get, path = "/api/v1/content-items", tag = "campaigns", params(ContentParams),
    responses((status = 200, body = Vec<ContentRow>), (status = 422, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(p): Query<ContentParams>,
) -> ApiResult<axum::Json<Vec<ContentRow>>> {
    let from = p.from.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let to =
        p.to.unwrap_or_else(|| from.checked_add_days(chrono::Days::new(90)).unwrap_or(from));
    if to < from || (to - from).num_days() > 366 {
        return Err(AppError::field(
            "to",
            "Ask for at most a year, with `to` on or after `from`.",
        )
        .into());
    }
    let parse = |v: &Option<String>, field: &'static str, ok: bool| -> Result<(), AppError> {
        if v.as_deref().is_some_and(|s| !s.is_empty()) && !ok {
            return Err(AppError::field(field, "Not one of the allowed values."));
        }
        Ok(())
    };
    let channel = p.channel.as_deref().and_then(ContentChannel::parse);
    let status = p.status.as_deref().and_then(ContentStatus::parse);
    parse(&p.channel, "channel", channel.is_some())?;
    parse(&p.status, "status", status.is_some())?;
    let filter = ContentFilter {
        from: Some(from),
        to: Some(to),
        campaign_id: p.campaign_id,
        channel,
        status,
    };
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let rows = db::content::list(&mut tx, &filter, 1000).await?;
    tx.commit().await?;
    Ok(axum::Json(rows))
}

async fn fetch(state: &AppState, user: &CurrentUser, id: Uuid) -> ApiResult<ContentRow> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let row = db::content::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(row)
}

async fn save(
    state: &AppState,
    user: &CurrentUser,
    id: Option<Uuid>,
    draft: ContentDraft,
) -> ApiResult<Uuid> {
    user.require_campaign_planner()?;
    let input = draft.validate().map_err(AppError::Invalid)?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let saved = match db::content::save_audited(&mut tx, &user.actor(), id, &input)
        .await
        .map_err(|e| on_constraints(e, db::content::CONSTRAINTS))?
    {
        Ok(saved) => saved,
        Err(Refusal::NotFound) => return Err(AppError::NotFound.into()),
        Err(Refusal::MessageElsewhere) => {
            return Err(
                AppError::field("message_id", "That message belongs to another campaign.").into(),
            );
        }
    };
    tx.commit().await?;
    Ok(saved)
}

/// Puts an item on the calendar (admins and marketers).
#[utoipa::path(post, path = "/api/v1/content-items", tag = "campaigns", request_body = ContentDraft,
    responses((status = 201, body = ContentRow), (status = 403, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Json(draft): Json<ContentDraft>,
) -> ApiResult<(StatusCode, axum::Json<ContentRow>)> {
    let id = save(&state, &user, None, draft).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(fetch(&state, &user, id).await?),
    ))
}

/// One content item.
#[utoipa::path(get, path = "/api/v1/content-items/{id}", tag = "campaigns", params(("id" = Uuid, Path)),
    responses((status = 200, body = ContentRow), (status = 404, body = crate::error::Problem)))]
pub async fn show(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<ContentRow>> {
    Ok(axum::Json(fetch(&state, &user, id).await?))
}

/// Replaces a content item (move its day, mark it ready or published).
#[utoipa::path(put, path = "/api/v1/content-items/{id}", tag = "campaigns", params(("id" = Uuid, Path)), request_body = ContentDraft,
    responses((status = 200, body = ContentRow), (status = 404, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn replace(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
    Json(draft): Json<ContentDraft>,
) -> ApiResult<axum::Json<ContentRow>> {
    save(&state, &user, Some(id), draft).await?;
    Ok(axum::Json(fetch(&state, &user, id).await?))
}

/// Takes an item off the calendar.
#[utoipa::path(delete, path = "/api/v1/content-items/{id}", tag = "campaigns", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub async fn remove(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    user.require_campaign_planner()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    if !db::content::delete_audited(&mut tx, &user.actor(), id).await? {
        return Err(AppError::NotFound.into());
    }
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
