//! `/api/v1/campaigns/{id}/…`: a campaign's key messages and variants, cost lines and KPIs.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, post, put};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::{Json, Path};
use crate::app::AppState;
use crate::auth::{ApiUser, CurrentUser};
use crate::db;
use crate::db::campaign_money::KpiView;
use crate::db::messages::{Deleted, MessageWithVariants, SPLIT_FIXED};
use crate::domain::{CostDraft, KpiDraft, MessageDraft, VariantDraft};
use crate::error::{ApiResult, AppError, on_constraints};
use crate::postgres::tenant_tx;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/campaigns/{id}/messages",
            get(messages).post(create_message),
        )
        .route(
            "/campaigns/{id}/messages/{mid}",
            put(replace_message).delete(delete_message),
        )
        .route(
            "/campaigns/{id}/messages/{mid}/variants",
            post(create_variant),
        )
        .route(
            "/campaigns/{id}/messages/{mid}/variants/{vid}",
            put(replace_variant).delete(delete_variant),
        )
        .route("/campaigns/{id}/costs", get(costs).post(create_cost))
        .route("/campaigns/{id}/costs/{cid}", delete(delete_cost))
        .route("/campaigns/{id}/kpis", get(kpis).post(create_kpi))
        .route("/campaigns/{id}/kpis/{kid}", delete(delete_kpi))
}

async fn message_list(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
) -> ApiResult<Vec<MessageWithVariants>> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    if db::messages::split_open(&mut tx, id).await?.is_none() {
        return Err(AppError::NotFound.into());
    }
    let list = db::messages::list(&mut tx, id).await?;
    tx.commit().await?;
    Ok(list)
}

/// The campaign's key messages in order, each with its variants.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/messages", tag = "campaigns", params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<MessageWithVariants>), (status = 404, body = crate::error::Problem)))]
pub async fn messages(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<Vec<MessageWithVariants>>> {
    Ok(axum::Json(message_list(&state, &user, id).await?))
}

async fn save_message(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    mid: Option<Uuid>,
    draft: MessageDraft,
) -> ApiResult<Uuid> {
    user.require_campaign_planner()?;
    let input = draft.validate().map_err(AppError::Invalid)?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let saved = db::messages::save_message_audited(&mut tx, &user.actor(), id, mid, &input)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(saved)
}

fn one_message(list: Vec<MessageWithVariants>, mid: Uuid) -> ApiResult<MessageWithVariants> {
    Ok(list
        .into_iter()
        .find(|m| m.message.id == mid)
        .ok_or(AppError::NotFound)?)
}

/// Adds a key message at the end.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/messages", tag = "campaigns", params(("id" = Uuid, Path)), request_body = MessageDraft,
    responses((status = 201, body = MessageWithVariants), (status = 404, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn create_message(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
    Json(draft): Json<MessageDraft>,
) -> ApiResult<(StatusCode, axum::Json<MessageWithVariants>)> {
    let mid = save_message(&state, &user, id, None, draft).await?;
    let m = one_message(message_list(&state, &user, id).await?, mid)?;
    Ok((StatusCode::CREATED, axum::Json(m)))
}

/// Replaces a message's text.
#[utoipa::path(put, path = "/api/v1/campaigns/{id}/messages/{mid}", tag = "campaigns",
    params(("id" = Uuid, Path), ("mid" = Uuid, Path)), request_body = MessageDraft,
    responses((status = 200, body = MessageWithVariants), (status = 404, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn replace_message(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, mid)): Path<(Uuid, Uuid)>,
    Json(draft): Json<MessageDraft>,
) -> ApiResult<axum::Json<MessageWithVariants>> {
    save_message(&state, &user, id, Some(mid), draft).await?;
    Ok(axum::Json(one_message(
        message_list(&state, &user, id).await?,
        mid,
    )?))
}

async fn remove(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    mid: Uuid,
    vid: Option<Uuid>,
) -> ApiResult<StatusCode> {
    user.require_campaign_planner()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let open = db::messages::split_open(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !open {
        return Err(AppError::Conflict(SPLIT_FIXED.into()).into());
    }
    match db::messages::delete_audited(&mut tx, &user.actor(), id, mid, vid).await? {
        Deleted::Yes => {
            tx.commit().await?;
            Ok(StatusCode::NO_CONTENT)
        }
        Deleted::NotFound => Err(AppError::NotFound.into()),
        Deleted::InUse => Err(AppError::Conflict(
            "Touch-points already name it, and the message test needs them.".into(),
        )
        .into()),
    }
}

/// Deletes a message with its variants, until the campaign launches (409 after, or when
/// touch-points name one of its variants).
#[utoipa::path(delete, path = "/api/v1/campaigns/{id}/messages/{mid}", tag = "campaigns",
    params(("id" = Uuid, Path), ("mid" = Uuid, Path)),
    responses((status = 204), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn delete_message(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, mid)): Path<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    remove(&state, &user, id, mid, None).await
}

async fn save_variant(
    state: &AppState,
    user: &CurrentUser,
    (id, mid, vid): (Uuid, Uuid, Option<Uuid>),
    draft: VariantDraft,
) -> ApiResult<axum::Json<MessageWithVariants>> {
    user.require_campaign_planner()?;
    let input = draft.validate().map_err(AppError::Invalid)?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let open = db::messages::split_open(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !open {
        // After launch only the wording of an existing variant may change.
        let same_split = match vid {
            Some(v) => db::messages::find_variant(&mut tx, id, v)
                .await?
                .is_some_and(|old| {
                    old.channel == input.channel.as_str() && old.weight == input.weight
                }),
            None => false,
        };
        if !same_split {
            return Err(AppError::Conflict(SPLIT_FIXED.into()).into());
        }
    }
    db::messages::save_variant_audited(&mut tx, &user.actor(), id, mid, vid, &input)
        .await
        .map_err(|e| on_constraints(e, db::messages::VARIANT_CONSTRAINTS))?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(axum::Json(one_message(
        message_list(state, user, id).await?,
        mid,
    )?))
}

/// Adds a variant of the message for one channel (before launch). Two or more variants on
/// a channel make a message test: members are split among them at launch.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/messages/{mid}/variants", tag = "campaigns",
    params(("id" = Uuid, Path), ("mid" = Uuid, Path)), request_body = VariantDraft,
    responses((status = 201, body = MessageWithVariants), (status = 404, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create_variant(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, mid)): Path<(Uuid, Uuid)>,
    Json(draft): Json<VariantDraft>,
) -> ApiResult<(StatusCode, axum::Json<MessageWithVariants>)> {
    let m = save_variant(&state, &user, (id, mid, None), draft).await?;
    Ok((StatusCode::CREATED, m))
}

/// Replaces a variant. After launch only its name and wording may change.
#[utoipa::path(put, path = "/api/v1/campaigns/{id}/messages/{mid}/variants/{vid}", tag = "campaigns",
    params(("id" = Uuid, Path), ("mid" = Uuid, Path), ("vid" = Uuid, Path)), request_body = VariantDraft,
    responses((status = 200, body = MessageWithVariants), (status = 404, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn replace_variant(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, mid, vid)): Path<(Uuid, Uuid, Uuid)>,
    Json(draft): Json<VariantDraft>,
) -> ApiResult<axum::Json<MessageWithVariants>> {
    save_variant(&state, &user, (id, mid, Some(vid)), draft).await
}

/// Deletes a variant (before launch, and only when no touch-point names it).
#[utoipa::path(delete, path = "/api/v1/campaigns/{id}/messages/{mid}/variants/{vid}", tag = "campaigns",
    params(("id" = Uuid, Path), ("mid" = Uuid, Path), ("vid" = Uuid, Path)),
    responses((status = 204), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn delete_variant(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, mid, vid)): Path<(Uuid, Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    remove(&state, &user, id, mid, Some(vid)).await
}

/// A cost line.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Cost {
    pub id: Uuid,
    pub spent_on: NaiveDate,
    pub category: String,
    /// Decimal string.
    pub amount: String,
    pub note: Option<String>,
    pub created_by_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

async fn cost_list(state: &AppState, user: &CurrentUser, id: Uuid) -> ApiResult<Vec<Cost>> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    if db::messages::split_open(&mut tx, id).await?.is_none() {
        return Err(AppError::NotFound.into());
    }
    let rows = db::campaign_money::costs(&mut tx, id).await?;
    tx.commit().await?;
    Ok(rows
        .into_iter()
        .map(|k| Cost {
            amount: k.amount().plain(),
            id: k.id,
            spent_on: k.spent_on,
            category: k.category,
            note: k.note,
            created_by_name: k.created_by_name,
            created_at: k.created_at,
        })
        .collect())
}

/// Cost lines, newest first.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/costs", tag = "campaigns", params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<Cost>), (status = 404, body = crate::error::Problem)))]
pub async fn costs(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<Vec<Cost>>> {
    Ok(axum::Json(cost_list(&state, &user, id).await?))
}

/// Adds a cost line (amount above zero, at most two decimals).
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/costs", tag = "campaigns", params(("id" = Uuid, Path)), request_body = CostDraft,
    responses((status = 201, body = Cost), (status = 404, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn create_cost(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
    Json(draft): Json<CostDraft>,
) -> ApiResult<(StatusCode, axum::Json<Cost>)> {
    user.require_campaign_planner()?;
    let input = draft
        .validate(Utc::now().date_naive())
        .map_err(AppError::Invalid)?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let cid = db::campaign_money::add_cost_audited(&mut tx, &user.actor(), id, &input)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    let cost = cost_list(&state, &user, id)
        .await?
        .into_iter()
        .find(|k| k.id == cid)
        .ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, axum::Json(cost)))
}

/// Deletes a cost line.
#[utoipa::path(delete, path = "/api/v1/campaigns/{id}/costs/{cid}", tag = "campaigns",
    params(("id" = Uuid, Path), ("cid" = Uuid, Path)),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub async fn delete_cost(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, cid)): Path<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    user.require_campaign_planner()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    if !db::campaign_money::delete_cost_audited(&mut tx, &user.actor(), id, cid).await? {
        return Err(AppError::NotFound.into());
    }
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn kpi_list(state: &AppState, user: &CurrentUser, id: Uuid) -> ApiResult<Vec<KpiView>> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let c = db::campaigns::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (audience, _) = db::campaign_members::audience_for(&mut tx, &c).await?;
    let stats = db::campaign_members::stats(&mut tx, &audience).await?;
    let lift = db::lift::campaign_lift(&mut tx, id).await?;
    let views = db::campaign_money::kpi_views(
        db::campaign_money::kpis(&mut tx, id).await?,
        &stats,
        lift.as_ref().and_then(|l| l.percent),
    );
    tx.commit().await?;
    Ok(views)
}

/// KPIs with their actual values (computed, or entered by hand for `manual`).
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/kpis", tag = "campaigns", params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<KpiView>), (status = 404, body = crate::error::Problem)))]
pub async fn kpis(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<Vec<KpiView>>> {
    Ok(axum::Json(kpi_list(&state, &user, id).await?))
}

/// Adds a KPI. `measure`: reach, response_rate, survey_agreement, touches, referral_lift
/// or manual; percentages as numbers (80 for 80%).
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/kpis", tag = "campaigns", params(("id" = Uuid, Path)), request_body = KpiDraft,
    responses((status = 201, body = KpiView), (status = 404, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn create_kpi(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
    Json(draft): Json<KpiDraft>,
) -> ApiResult<(StatusCode, axum::Json<KpiView>)> {
    user.require_campaign_planner()?;
    let input = draft.validate().map_err(AppError::Invalid)?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let kid = db::campaign_money::add_kpi_audited(&mut tx, &user.actor(), id, &input)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    let kpi = kpi_list(&state, &user, id)
        .await?
        .into_iter()
        .find(|k| k.id == kid)
        .ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, axum::Json(kpi)))
}

/// Deletes a KPI.
#[utoipa::path(delete, path = "/api/v1/campaigns/{id}/kpis/{kid}", tag = "campaigns",
    params(("id" = Uuid, Path), ("kid" = Uuid, Path)),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub async fn delete_kpi(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, kid)): Path<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    user.require_campaign_planner()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    if !db::campaign_money::delete_kpi_audited(&mut tx, &user.actor(), id, kid).await? {
        return Err(AppError::NotFound.into());
    }
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
