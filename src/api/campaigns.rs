//! `/api/v1/campaigns`: campaigns, their status, results and members. Messages, variants,
//! costs and KPIs are in `campaign_plan`. Amounts travel as decimal strings ("1250.00").

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Json, ListOf, Path, Query};
use crate::app::AppState;
use crate::auth::{ApiUser, CurrentUser};
use crate::db::campaign_members::{CampaignStats, MemberRow, VariantStats};
use crate::db::campaign_money::{CampaignFeedback, KpiView};
use crate::db::campaigns::{CampaignFilter, CampaignRow, StatusRefusal};
use crate::db::{self, PageRequest};
use crate::domain::{CampaignChannel, CampaignDraft, CampaignStatus, Money};
use crate::error::{ApiResult, AppError, on_constraints};
use crate::postgres::tenant_tx;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/campaigns", get(list).post(create))
        .route("/campaigns/{id}", get(show).put(replace))
        .route("/campaigns/{id}/status", post(set_status))
        .route("/campaigns/{id}/results", get(results))
        .route("/campaigns/{id}/members", get(members).post(add_members))
        .route("/campaigns/{id}/members/remove", post(remove_members))
}

/// A campaign.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Campaign {
    pub id: Uuid,
    pub name: String,
    pub objective: Option<String>,
    pub service_line: Option<String>,
    pub owner_id: Option<Uuid>,
    pub owner_name: Option<String>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    /// draft, planned, active, completed or archived.
    pub status: String,
    pub channels: Vec<String>,
    /// Decimal string, e.g. "45000.00".
    pub budget: Option<String>,
    /// Cost lines plus touch-point costs, decimal string.
    pub spent: String,
    pub segment_id: Option<Uuid>,
    pub segment_name: Option<String>,
    /// When the audience became a member list (the first launch).
    pub audience_frozen_at: Option<DateTime<Utc>>,
    /// Current members once frozen; people added by hand before.
    pub members: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<CampaignRow> for Campaign {
    fn from(c: CampaignRow) -> Self {
        Campaign {
            budget: c.budget().map(Money::plain),
            spent: c.spent().plain(),
            id: c.id,
            name: c.name,
            objective: c.objective,
            service_line: c.service_line,
            owner_id: c.owner_id,
            owner_name: c.owner_name,
            starts_on: c.starts_on,
            ends_on: c.ends_on,
            status: c.status,
            channels: c.channels,
            segment_id: c.segment_id,
            segment_name: c.segment_name,
            audience_frozen_at: c.audience_frozen_at,
            members: c.members,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CampaignParams {
    /// Words of the name, objective or service line.
    q: Option<String>,
    /// One status; default: all but archived.
    status: Option<String>,
    channel: Option<String>,
    owner_id: Option<Uuid>,
    page: Option<i64>,
    per_page: Option<i64>,
}

/// Campaigns: active first, then planned, drafts, completed.
#[utoipa::path(get, path = "/api/v1/campaigns", tag = "campaigns", params(CampaignParams),
    responses((status = 200, body = ListOf<Campaign>), (status = 401, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(p): Query<CampaignParams>,
) -> ApiResult<axum::Json<ListOf<Campaign>>> {
    let status = match p.status.as_deref() {
        None | Some("") => None,
        Some(s) => Some(
            CampaignStatus::parse(s).ok_or_else(|| AppError::field("status", "Not a status."))?,
        ),
    };
    let channel = match p.channel.as_deref() {
        None | Some("") => None,
        Some(c) => Some(
            CampaignChannel::parse(c)
                .ok_or_else(|| AppError::field("channel", "Not a channel."))?,
        ),
    };
    let filter = CampaignFilter {
        status,
        owner_id: p.owner_id,
        q: p.q,
        channel,
    };
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let page = db::campaigns::list(&mut tx, &filter, PageRequest::new(p.page, p.per_page)).await?;
    tx.commit().await?;
    Ok(axum::Json(ListOf::from(page.map(Campaign::from))))
}

async fn fetch(state: &AppState, user: &CurrentUser, id: Uuid) -> ApiResult<CampaignRow> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let c = db::campaigns::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(c)
}

async fn save(
    state: &AppState,
    user: &CurrentUser,
    id: Option<Uuid>,
    draft: CampaignDraft,
) -> ApiResult<Uuid> {
    user.require_campaign_planner()?;
    let input = draft.validate().map_err(AppError::Invalid)?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let saved = db::campaigns::save_audited(&mut tx, &user.actor(), id, &input)
        .await
        .map_err(|e| on_constraints(e, db::campaigns::CONSTRAINTS))?
        .map_err(|refusal| AppError::field("segment_id", refusal))?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(saved)
}

/// Creates a campaign as a draft (admins and marketers); the owner defaults to the caller.
#[utoipa::path(post, path = "/api/v1/campaigns", tag = "campaigns", request_body = CampaignDraft,
    responses((status = 201, body = Campaign), (status = 403, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Json(draft): Json<CampaignDraft>,
) -> ApiResult<(StatusCode, axum::Json<Campaign>)> {
    let id = save(&state, &user, None, draft).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(fetch(&state, &user, id).await?.into()),
    ))
}

/// One campaign.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}", tag = "campaigns", params(("id" = Uuid, Path)),
    responses((status = 200, body = Campaign), (status = 404, body = crate::error::Problem)))]
pub async fn show(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<Campaign>> {
    Ok(axum::Json(fetch(&state, &user, id).await?.into()))
}

/// Replaces a campaign's fields (not its status). The segment cannot change once the
/// audience is frozen.
#[utoipa::path(put, path = "/api/v1/campaigns/{id}", tag = "campaigns", params(("id" = Uuid, Path)), request_body = CampaignDraft,
    responses((status = 200, body = Campaign), (status = 404, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn replace(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
    Json(draft): Json<CampaignDraft>,
) -> ApiResult<axum::Json<Campaign>> {
    save(&state, &user, Some(id), draft).await?;
    Ok(axum::Json(fetch(&state, &user, id).await?.into()))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct StatusChange {
    /// draft, planned, active, completed or archived.
    pub status: String,
}

/// Moves a campaign: draft → planned → active → completed → archived (and back where it
/// makes sense). The first move to active freezes the audience and records the variant
/// split; it is refused (422) when the audience is empty.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/status", tag = "campaigns", params(("id" = Uuid, Path)), request_body = StatusChange,
    responses((status = 200, body = Campaign), (status = 404, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn set_status(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
    Json(change): Json<StatusChange>,
) -> ApiResult<axum::Json<Campaign>> {
    user.require_campaign_planner()?;
    let to = CampaignStatus::parse(&change.status)
        .ok_or_else(|| AppError::field("status", "Not a status."))?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    match db::campaigns::set_status_audited(&mut tx, &user.actor(), id, to).await? {
        Ok(_) => {}
        Err(StatusRefusal::NotFound) => return Err(AppError::NotFound.into()),
        Err(StatusRefusal::NotAllowed { from }) => {
            return Err(AppError::field(
                "status",
                format!(
                    "A {} campaign cannot become {}.",
                    from.as_str(),
                    to.as_str()
                ),
            )
            .into());
        }
        Err(StatusRefusal::EmptyAudience) => {
            return Err(AppError::field(
                "status",
                "The audience is empty: choose a segment that matches people or add members first.",
            )
            .into());
        }
    }
    tx.commit().await?;
    Ok(axum::Json(fetch(&state, &user, id).await?.into()))
}

/// A campaign's results: reach, response, touches by channel and outcome, KPIs, the
/// message test per variant, spend and linked feedback.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Results {
    pub stats: CampaignStats,
    pub kpis: Vec<KpiView>,
    pub variants: Vec<VariantStats>,
    /// Cost lines plus touch-point costs, decimal string.
    pub spent: String,
    pub budget: Option<String>,
    pub feedback: CampaignFeedback,
    /// Referral lift: touched members against a comparison group, before and after the start.
    pub referral_lift: Option<crate::db::lift::LiftView>,
}

#[utoipa::path(get, path = "/api/v1/campaigns/{id}/results", tag = "campaigns", params(("id" = Uuid, Path)),
    responses((status = 200, body = Results), (status = 404, body = crate::error::Problem)))]
pub async fn results(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<Results>> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let c = db::campaigns::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (audience, _) = db::campaign_members::audience_for(&mut tx, &c).await?;
    let stats = db::campaign_members::stats(&mut tx, &audience).await?;
    let lift = db::lift::campaign_lift(&mut tx, id).await?;
    let kpis = db::campaign_money::kpi_views(
        db::campaign_money::kpis(&mut tx, id).await?,
        &stats,
        lift.as_ref().and_then(|l| l.percent),
    );
    let variants = db::campaign_members::variant_stats(&mut tx, id).await?;
    let feedback = db::campaign_money::feedback(&mut tx, id).await?;
    tx.commit().await?;
    Ok(axum::Json(Results {
        stats,
        kpis,
        variants,
        spent: c.spent().plain(),
        budget: c.budget().map(Money::plain),
        feedback,
        referral_lift: lift,
    }))
}

/// The audience: live (segment plus and minus hand changes) until launch, the frozen
/// member list after; with touches and message-test variants.
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/members", tag = "campaigns", params(("id" = Uuid, Path), super::ListParams),
    responses((status = 200, body = ListOf<MemberRow>), (status = 404, body = crate::error::Problem)))]
pub async fn members(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
    Query(p): Query<super::ListParams>,
) -> ApiResult<axum::Json<ListOf<MemberRow>>> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let c = db::campaigns::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (audience, _) = db::campaign_members::audience_for(&mut tx, &c).await?;
    let page = db::campaign_members::list(
        &mut tx,
        &audience,
        p.q.as_deref(),
        PageRequest::new(p.page, p.per_page),
    )
    .await?;
    tx.commit().await?;
    Ok(axum::Json(page.into()))
}

/// People to add or remove, by id or NPI.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct MemberChange {
    #[serde(default)]
    pub stakeholder_ids: Vec<Uuid>,
    /// Only for adding.
    #[serde(default)]
    pub npis: Vec<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MemberChangeResult {
    /// People added or removed (those already in that state are not counted).
    pub changed: i64,
    /// NPIs that are not valid or match nobody active.
    pub unknown_npis: Vec<String>,
}

/// Adds people by hand (after launch they get their variants at once). Audited.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/members", tag = "campaigns", params(("id" = Uuid, Path)), request_body = MemberChange,
    responses((status = 200, body = MemberChangeResult), (status = 404, body = crate::error::Problem)))]
pub async fn add_members(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
    Json(change): Json<MemberChange>,
) -> ApiResult<axum::Json<MemberChangeResult>> {
    user.require_campaign_planner()?;
    if change.stakeholder_ids.len() + change.npis.len() > 10_000 {
        return Err(
            AppError::field("stakeholder_ids", "Send at most 10,000 people at once.").into(),
        );
    }
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let c = db::campaigns::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (found, unknown) = db::stakeholders::resolve_npis(&mut tx, &change.npis).await?;
    let mut ids = change.stakeholder_ids.clone();
    ids.extend(found);
    ids.sort();
    ids.dedup();
    let changed = db::campaign_members::add_audited(
        &mut tx,
        &user.actor(),
        id,
        &ids,
        c.audience_frozen_at.is_some(),
    )
    .await?;
    tx.commit().await?;
    Ok(axum::Json(MemberChangeResult {
        changed,
        unknown_npis: unknown,
    }))
}

/// Removes people from the audience; the row stays as history. Audited.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/members/remove", tag = "campaigns", params(("id" = Uuid, Path)), request_body = MemberChange,
    responses((status = 200, body = MemberChangeResult), (status = 404, body = crate::error::Problem)))]
pub async fn remove_members(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
    Json(change): Json<MemberChange>,
) -> ApiResult<axum::Json<MemberChangeResult>> {
    user.require_campaign_planner()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    db::campaigns::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let changed =
        db::campaign_members::remove_audited(&mut tx, &user.actor(), id, &change.stakeholder_ids)
            .await?;
    tx.commit().await?;
    Ok(axum::Json(MemberChangeResult {
        changed,
        unknown_npis: Vec::new(),
    }))
}
