//! `/api/v1/organizations`: list, create, show, replace, archive, restore.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde::Deserialize;
use uuid::Uuid;

use super::{Json, ListOf, Path, Query};
use crate::app::AppState;
use crate::auth::{ApiUser, CurrentUser};
use crate::db::organizations::{CONSTRAINTS, OrganizationFilter, OrganizationRow};
use crate::db::{self, PageRequest};
use crate::domain::{OrganizationDraft, OrganizationKind};
use crate::error::{ApiResult, AppError, on_constraints};
use crate::postgres::tenant_tx;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/organizations", get(list).post(create))
        .route("/organizations/{id}", get(show).put(replace))
        .route("/organizations/{id}/archive", post(archive))
        .route("/organizations/{id}/restore", post(restore))
}

/// An organization (`parent_name` is the parent's name, for display).
pub type Organization = OrganizationRow;

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrganizationParams {
    /// Name or city text, or an exact NPI.
    q: Option<String>,
    kind: Option<String>,
    /// active (default), archived or all.
    status: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

/// Organizations matching the filters, by name.
#[utoipa::path(get, path = "/api/v1/organizations", tag = "organizations", params(OrganizationParams),
    responses((status = 200, body = ListOf<OrganizationRow>), (status = 401, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(p): Query<OrganizationParams>,
) -> ApiResult<axum::Json<ListOf<Organization>>> {
    let filter = OrganizationFilter {
        q: p.q.map(|q| q.trim().to_string()).filter(|q| !q.is_empty()),
        kind: p.kind.as_deref().and_then(OrganizationKind::parse),
        archived: match p.status.as_deref() {
            Some("archived") => Some(true),
            Some("all") => None,
            _ => Some(false),
        },
    };
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let page =
        db::organizations::list(&mut tx, &filter, PageRequest::new(p.page, p.per_page)).await?;
    tx.commit().await?;
    Ok(axum::Json(page.into()))
}

async fn fetch(state: &AppState, user: &CurrentUser, id: Uuid) -> ApiResult<Organization> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let row = db::organizations::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(row)
}

async fn save(
    state: &AppState,
    user: &CurrentUser,
    id: Option<Uuid>,
    draft: &OrganizationDraft,
) -> ApiResult<Uuid> {
    user.require_book_editor()?;
    let input = draft.validate().map_err(AppError::Invalid)?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let saved = db::organizations::save_audited(&mut tx, &user.actor(), id, &input)
        .await
        .map_err(|e| on_constraints(e, CONSTRAINTS))?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(saved)
}

/// Adds an organization (not executives).
#[utoipa::path(post, path = "/api/v1/organizations", tag = "organizations", request_body = OrganizationDraft,
    responses((status = 201, body = OrganizationRow), (status = 403, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Json(draft): Json<OrganizationDraft>,
) -> ApiResult<(StatusCode, axum::Json<Organization>)> {
    let id = save(&state, &user, None, &draft).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(fetch(&state, &user, id).await?),
    ))
}

/// One organization.
#[utoipa::path(get, path = "/api/v1/organizations/{id}", tag = "organizations", params(("id" = Uuid, Path)),
    responses((status = 200, body = OrganizationRow), (status = 404, body = crate::error::Problem)))]
pub async fn show(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<Organization>> {
    Ok(axum::Json(fetch(&state, &user, id).await?))
}

/// Replaces an organization's fields.
#[utoipa::path(put, path = "/api/v1/organizations/{id}", tag = "organizations", params(("id" = Uuid, Path)), request_body = OrganizationDraft,
    responses((status = 200, body = OrganizationRow), (status = 404, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn replace(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
    Json(draft): Json<OrganizationDraft>,
) -> ApiResult<axum::Json<Organization>> {
    save(&state, &user, Some(id), &draft).await?;
    Ok(axum::Json(fetch(&state, &user, id).await?))
}

async fn set_archived(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    archived: bool,
) -> ApiResult<axum::Json<Organization>> {
    user.require_book_editor()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    if db::set_archived(
        &mut tx,
        &user.actor(),
        db::Archivable::Organization,
        id,
        archived,
    )
    .await?
    .is_none()
    {
        return Err(AppError::NotFound.into());
    }
    tx.commit().await?;
    Ok(axum::Json(fetch(state, user, id).await?))
}

/// Archives an organization.
#[utoipa::path(post, path = "/api/v1/organizations/{id}/archive", tag = "organizations", params(("id" = Uuid, Path)),
    responses((status = 200, body = OrganizationRow), (status = 404, body = crate::error::Problem)))]
pub async fn archive(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<Organization>> {
    set_archived(&state, &user, id, true).await
}

/// Restores an archived organization.
#[utoipa::path(post, path = "/api/v1/organizations/{id}/restore", tag = "organizations", params(("id" = Uuid, Path)),
    responses((status = 200, body = OrganizationRow), (status = 404, body = crate::error::Problem)))]
pub async fn restore(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<Organization>> {
    set_archived(&state, &user, id, false).await
}
