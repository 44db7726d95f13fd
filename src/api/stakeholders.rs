//! `/api/v1/stakeholders`: list with the page's filters, create, show, update, archive.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Json, ListOf, Path, Query};
use crate::app::AppState;
use crate::auth::ApiUser;
use crate::db::stakeholders::{CONSTRAINTS, StakeholderFilter, StakeholderRow, StakeholderSort};
use crate::db::{self, PageRequest};
use crate::domain::{StakeholderDraft, StakeholderId, StakeholderKind, Tier};
use crate::error::{ApiResult, AppError, on_constraints};
use crate::postgres::tenant_tx;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/stakeholders", get(list).post(create))
        .route("/stakeholders/{id}", get(show).put(replace))
        .route("/stakeholders/{id}/archive", post(archive))
        .route("/stakeholders/{id}/restore", post(restore))
}

/// A person in the relationship book: the stored fields plus the name as addressed.
#[derive(Serialize, ToSchema)]
pub struct Stakeholder {
    /// E.g. "Dr. Ana M. Ruiz, MD, FACC".
    pub display_name: String,
    #[serde(flatten)]
    pub record: StakeholderRow,
}

impl From<StakeholderRow> for Stakeholder {
    fn from(record: StakeholderRow) -> Self {
        Self {
            display_name: record.display_name(),
            record,
        }
    }
}

/// Search and filters, as on the Stakeholders page.
#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StakeholderParams {
    /// Name, NPI, credentials, tag or specialty text.
    q: Option<String>,
    kind: Option<String>,
    tier: Option<String>,
    /// A NUCC taxonomy code.
    specialty: Option<String>,
    tag: Option<String>,
    /// Champion stage: identified, engaged, supporter, champion, advocate or at_risk.
    stage: Option<String>,
    /// People currently affiliated with this organization.
    organization_id: Option<String>,
    /// People currently affiliated with this facility.
    facility_id: Option<String>,
    /// active (default), archived or all.
    status: Option<String>,
    /// name (default), tier or newest.
    sort: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

/// Stakeholders matching the filters, one page at a time.
#[utoipa::path(get, path = "/api/v1/stakeholders", tag = "stakeholders", params(StakeholderParams),
    responses((status = 200, body = ListOf<Stakeholder>), (status = 401, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(p): Query<StakeholderParams>,
) -> ApiResult<axum::Json<ListOf<Stakeholder>>> {
    let text = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let filter = StakeholderFilter {
        q: text(p.q),
        kind: p.kind.as_deref().and_then(StakeholderKind::parse),
        tier: p.tier.as_deref().and_then(Tier::parse),
        taxonomy_code: text(p.specialty),
        tag: text(p.tag),
        stage: p.stage.as_deref().and_then(crate::domain::Stage::parse),
        organization_id: p.organization_id.as_deref().and_then(|o| o.parse().ok()),
        facility_id: p.facility_id.as_deref().and_then(|f| f.parse().ok()),
        archived: match p.status.as_deref() {
            Some("archived") => Some(true),
            Some("all") => None,
            _ => Some(false),
        },
        sort: StakeholderSort::parse(p.sort.as_deref().unwrap_or("name")),
    };
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let page =
        db::stakeholders::list(&mut tx, &filter, PageRequest::new(p.page, p.per_page)).await?;
    tx.commit().await?;
    Ok(axum::Json(page.map(Stakeholder::from).into()))
}

async fn fetch(
    state: &AppState,
    tenant: crate::domain::TenantId,
    id: StakeholderId,
) -> ApiResult<Stakeholder> {
    let mut tx = tenant_tx(&state.pools.app, tenant).await?;
    let row = db::stakeholders::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(row.into())
}

/// Adds a stakeholder (not executives).
#[utoipa::path(post, path = "/api/v1/stakeholders", tag = "stakeholders", request_body = StakeholderDraft,
    responses((status = 201, body = Stakeholder), (status = 403, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Json(draft): Json<StakeholderDraft>,
) -> ApiResult<(StatusCode, axum::Json<Stakeholder>)> {
    user.require_book_editor()?;
    let input = draft.validate().map_err(AppError::Invalid)?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let id = db::stakeholders::create_audited(&mut tx, &user.actor(), &input)
        .await
        .map_err(|e| on_constraints(e, CONSTRAINTS))?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(fetch(&state, user.tenant_id, id).await?),
    ))
}

/// One stakeholder.
#[utoipa::path(get, path = "/api/v1/stakeholders/{id}", tag = "stakeholders", params(("id" = StakeholderId, Path)),
    responses((status = 200, body = Stakeholder), (status = 404, body = crate::error::Problem)))]
pub async fn show(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<StakeholderId>,
) -> ApiResult<axum::Json<Stakeholder>> {
    Ok(axum::Json(fetch(&state, user.tenant_id, id).await?))
}

/// Replaces a stakeholder's fields (send them all, as for create).
#[utoipa::path(put, path = "/api/v1/stakeholders/{id}", tag = "stakeholders", params(("id" = StakeholderId, Path)),
    request_body = StakeholderDraft,
    responses((status = 200, body = Stakeholder), (status = 404, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn replace(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<StakeholderId>,
    Json(draft): Json<StakeholderDraft>,
) -> ApiResult<axum::Json<Stakeholder>> {
    user.require_book_editor()?;
    let input = draft.validate().map_err(AppError::Invalid)?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let found = db::stakeholders::update_audited(&mut tx, &user.actor(), id, &input)
        .await
        .map_err(|e| on_constraints(e, CONSTRAINTS))?;
    if !found {
        return Err(AppError::NotFound.into());
    }
    tx.commit().await?;
    Ok(axum::Json(fetch(&state, user.tenant_id, id).await?))
}

async fn set_archived(
    state: &AppState,
    user: &crate::auth::CurrentUser,
    id: StakeholderId,
    archived: bool,
) -> ApiResult<axum::Json<Stakeholder>> {
    user.require_book_editor()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    if db::set_archived(
        &mut tx,
        &user.actor(),
        db::Archivable::Stakeholder,
        id.0,
        archived,
    )
    .await?
    .is_none()
    {
        return Err(AppError::NotFound.into());
    }
    tx.commit().await?;
    Ok(axum::Json(fetch(state, user.tenant_id, id).await?))
}

/// Archives a stakeholder: out of the default lists, history kept.
#[utoipa::path(post, path = "/api/v1/stakeholders/{id}/archive", tag = "stakeholders", params(("id" = StakeholderId, Path)),
    responses((status = 200, body = Stakeholder), (status = 404, body = crate::error::Problem)))]
pub async fn archive(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<StakeholderId>,
) -> ApiResult<axum::Json<Stakeholder>> {
    set_archived(&state, &user, id, true).await
}

/// Restores an archived stakeholder.
#[utoipa::path(post, path = "/api/v1/stakeholders/{id}/restore", tag = "stakeholders", params(("id" = StakeholderId, Path)),
    responses((status = 200, body = Stakeholder), (status = 404, body = crate::error::Problem)))]
pub async fn restore(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<StakeholderId>,
) -> ApiResult<axum::Json<Stakeholder>> {
    set_archived(&state, &user, id, false).await
}
