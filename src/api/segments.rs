//! `/api/v1/segments`: saved audience definitions, their live count and preview.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Json, ListOf, Path, Query};
use crate::app::AppState;
use crate::auth::{ApiUser, CurrentUser};
use crate::db::segments::{AudienceRow, SegmentRecord};
use crate::db::{self, PageRequest};
use crate::domain::{SegmentDefinition, SegmentDraft};
use crate::error::{ApiResult, AppError, on_constraints};
use crate::postgres::tenant_tx;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/segments", get(list).post(create))
        .route("/segments/preview", post(preview_draft))
        .route("/segments/{id}", get(show).put(replace).delete(remove))
        .route("/segments/{id}/preview", get(preview))
}

/// A saved segment with its conditions in words and how many people it matches now.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Segment {
    pub id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub definition: SegmentDefinition,
    /// The conditions in words.
    pub summary: String,
    /// People matching now.
    pub count: i64,
    /// Campaigns that use it.
    pub campaigns: i64,
    pub updated_at: DateTime<Utc>,
}

/// The API view of a segment whose summary is already worked out.
async fn view(
    tx: &mut sqlx::PgConnection,
    s: SegmentRecord,
    summary: String,
) -> ApiResult<Segment> {
    let d = s.definition.0;
    Ok(Segment {
        summary,
        count: db::segments::count(tx, &d).await?,
        id: s.id,
        name: s.name,
        description: s.description,
        definition: d,
        campaigns: s.campaigns,
        updated_at: s.updated_at,
    })
}

async fn fetch(state: &AppState, user: &CurrentUser, id: Uuid) -> ApiResult<Segment> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let s = db::segments::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let summary = db::segments::summary(&mut tx, &s.definition.0).await?;
    let v = view(&mut tx, s, summary).await?;
    tx.commit().await?;
    Ok(v)
}

/// Every segment, by name, with live counts.
#[utoipa::path(get, path = "/api/v1/segments", tag = "campaigns",
    responses((status = 200, body = Vec<Segment>), (status = 401, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<axum::Json<Vec<Segment>>> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let segments = db::segments::list(&mut tx).await?;
    let defs: Vec<_> = segments.iter().map(|s| &s.definition.0).collect();
    let summaries = db::segments::summaries(&mut tx, &defs).await?;
    let mut out = Vec::new();
    for (s, summary) in segments.into_iter().zip(summaries) {
        out.push(view(&mut tx, s, summary).await?);
    }
    tx.commit().await?;
    Ok(axum::Json(out))
}

async fn save(
    state: &AppState,
    user: &CurrentUser,
    id: Option<Uuid>,
    draft: SegmentDraft,
) -> ApiResult<Uuid> {
    user.require_campaign_planner()?;
    let input = draft.validate().map_err(AppError::Invalid)?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let saved = db::segments::save_audited(&mut tx, &user.actor(), id, &input)
        .await
        .map_err(|e| on_constraints(e, db::segments::CONSTRAINTS))?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(saved)
}

/// Saves a segment (admins and marketers). Each condition is a list; every condition set
/// must hold, any value within one will do.
#[utoipa::path(post, path = "/api/v1/segments", tag = "campaigns", request_body = SegmentDraft,
    responses((status = 201, body = Segment), (status = 403, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Json(draft): Json<SegmentDraft>,
) -> ApiResult<(StatusCode, axum::Json<Segment>)> {
    let id = save(&state, &user, None, draft).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(fetch(&state, &user, id).await?),
    ))
}

/// One segment.
#[utoipa::path(get, path = "/api/v1/segments/{id}", tag = "campaigns", params(("id" = Uuid, Path)),
    responses((status = 200, body = Segment), (status = 404, body = crate::error::Problem)))]
pub async fn show(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<Segment>> {
    Ok(axum::Json(fetch(&state, &user, id).await?))
}

/// Replaces a segment. Campaigns still being planned follow it; active ones keep their
/// frozen member list.
#[utoipa::path(put, path = "/api/v1/segments/{id}", tag = "campaigns", params(("id" = Uuid, Path)), request_body = SegmentDraft,
    responses((status = 200, body = Segment), (status = 404, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn replace(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
    Json(draft): Json<SegmentDraft>,
) -> ApiResult<axum::Json<Segment>> {
    save(&state, &user, Some(id), draft).await?;
    Ok(axum::Json(fetch(&state, &user, id).await?))
}

/// Deletes a segment no campaign uses (409 when one does).
#[utoipa::path(delete, path = "/api/v1/segments/{id}", tag = "campaigns", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn remove(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    user.require_campaign_planner()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    match db::segments::delete_audited(&mut tx, &user.actor(), id).await? {
        None => Err(AppError::NotFound.into()),
        Some(false) => Err(AppError::Conflict(
            "A campaign's audience uses this segment; choose another segment for it first.".into(),
        )
        .into()),
        Some(true) => {
            tx.commit().await?;
            Ok(StatusCode::NO_CONTENT)
        }
    }
}

/// The people a definition matches: the count and one page, by name.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Preview {
    pub count: i64,
    pub summary: String,
    pub people: ListOf<AudienceRow>,
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PreviewParams {
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

async fn preview_of(
    state: &AppState,
    user: &CurrentUser,
    d: &SegmentDefinition,
    p: &PreviewParams,
) -> ApiResult<Preview> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let people = db::segments::preview(&mut tx, d, PageRequest::new(p.page, p.per_page)).await?;
    let out = Preview {
        count: db::segments::count(&mut tx, d).await?,
        summary: db::segments::summary(&mut tx, d).await?,
        people: people.into(),
    };
    tx.commit().await?;
    Ok(out)
}

/// Who a saved segment matches now.
#[utoipa::path(get, path = "/api/v1/segments/{id}/preview", tag = "campaigns", params(("id" = Uuid, Path), PreviewParams),
    responses((status = 200, body = Preview), (status = 404, body = crate::error::Problem)))]
pub async fn preview(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
    Query(p): Query<PreviewParams>,
) -> ApiResult<axum::Json<Preview>> {
    let d = fetch(&state, &user, id).await?.definition;
    Ok(axum::Json(preview_of(&state, &user, &d, &p).await?))
}

/// Who a definition would match, without saving it (the name may be blank).
#[utoipa::path(post, path = "/api/v1/segments/preview", tag = "campaigns", params(PreviewParams), request_body = SegmentDraft,
    responses((status = 200, body = Preview), (status = 422, body = crate::error::Problem)))]
pub async fn preview_draft(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(p): Query<PreviewParams>,
    Json(mut draft): Json<SegmentDraft>,
) -> ApiResult<axum::Json<Preview>> {
    if draft.name.trim().is_empty() {
        draft.name = "preview".into();
    }
    let input = draft.validate().map_err(AppError::Invalid)?;
    Ok(axum::Json(
        preview_of(&state, &user, &input.definition, &p).await?,
    ))
}
