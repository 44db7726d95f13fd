//! `/api/v1/surveys`: pulse surveys, sending private links, results and recipients.
//! Answers come in only through the private links (`/s/<token>`), never through the API.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Json, ListOf, ListParams, Path, Query};
use crate::app::AppState;
use crate::auth::{ApiUser, CurrentUser};
use crate::db::surveys::{NewLink, QuestionResult, QuestionRow, RecipientRow, SurveyRow};
use crate::db::{self, PageRequest};
use crate::domain::{SurveyDraft, SurveyStatus};
use crate::error::{ApiResult, AppError, on_constraints};
use crate::postgres::tenant_tx;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/surveys", get(list).post(create))
        .route("/surveys/{id}", get(show).put(replace))
        .route("/surveys/{id}/status", post(set_status))
        .route("/surveys/{id}/send", post(send))
        .route("/surveys/{id}/results", get(results))
        .route("/surveys/{id}/recipients", get(recipients))
        .route("/surveys/{id}/recipients/{rid}/revoke", post(revoke))
        .route("/surveys/{id}/recipients/{rid}/reissue", post(reissue))
}

/// A survey with its questions.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Survey {
    #[serde(flatten)]
    pub survey: SurveyRow,
    pub questions: Vec<QuestionRow>,
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SurveyParams {
    campaign_id: Option<Uuid>,
}

/// Surveys: open first, then drafts, then closed.
#[utoipa::path(get, path = "/api/v1/surveys", tag = "surveys", params(SurveyParams),
    responses((status = 200, body = Vec<SurveyRow>), (status = 401, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(p): Query<SurveyParams>,
) -> ApiResult<axum::Json<Vec<SurveyRow>>> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let rows = db::surveys::list(&mut tx, p.campaign_id).await?;
    tx.commit().await?;
    Ok(axum::Json(rows))
}

async fn fetch(state: &AppState, user: &CurrentUser, id: Uuid) -> ApiResult<Survey> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let survey = db::surveys::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let questions = db::surveys::questions(&mut tx, id).await?;
    tx.commit().await?;
    Ok(Survey { survey, questions })
}

async fn save(
    state: &AppState,
    user: &CurrentUser,
    id: Option<Uuid>,
    draft: SurveyDraft,
) -> ApiResult<Uuid> {
    user.require_campaign_planner()?;
    let input = draft.validate().map_err(AppError::Invalid)?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let saved = match db::surveys::save_audited(&mut tx, &user.actor(), id, &input)
        .await
        .map_err(|e| on_constraints(e, db::surveys::CONSTRAINTS))?
    {
        Ok(Some(saved)) => saved,
        Ok(None) => return Err(AppError::NotFound.into()),
        Err(fixed) => return Err(AppError::Conflict(fixed.into()).into()),
    };
    tx.commit().await?;
    Ok(saved)
}

/// Creates a draft survey (admins and marketers): 1 to 12 questions, `likert` (1-5) or
/// `text`, required unless `required: false`.
#[utoipa::path(post, path = "/api/v1/surveys", tag = "surveys", request_body = SurveyDraft,
    responses((status = 201, body = Survey), (status = 403, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Json(draft): Json<SurveyDraft>,
) -> ApiResult<(StatusCode, axum::Json<Survey>)> {
    let id = save(&state, &user, None, draft).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(fetch(&state, &user, id).await?),
    ))
}

/// One survey with its questions.
#[utoipa::path(get, path = "/api/v1/surveys/{id}", tag = "surveys", params(("id" = Uuid, Path)),
    responses((status = 200, body = Survey), (status = 404, body = crate::error::Problem)))]
pub async fn show(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<Survey>> {
    Ok(axum::Json(fetch(&state, &user, id).await?))
}

/// Replaces a draft survey (409 once links have gone out).
#[utoipa::path(put, path = "/api/v1/surveys/{id}", tag = "surveys", params(("id" = Uuid, Path)), request_body = SurveyDraft,
    responses((status = 200, body = Survey), (status = 404, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn replace(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
    Json(draft): Json<SurveyDraft>,
) -> ApiResult<axum::Json<Survey>> {
    save(&state, &user, Some(id), draft).await?;
    Ok(axum::Json(fetch(&state, &user, id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct SurveyStatusChange {
    /// open or closed. A closed survey's links take no answers.
    pub status: String,
}

/// Opens or closes a survey.
#[utoipa::path(post, path = "/api/v1/surveys/{id}/status", tag = "surveys", params(("id" = Uuid, Path)), request_body = SurveyStatusChange,
    responses((status = 200, body = Survey), (status = 404, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn set_status(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
    Json(change): Json<SurveyStatusChange>,
) -> ApiResult<axum::Json<Survey>> {
    user.require_campaign_planner()?;
    let to = SurveyStatus::parse(&change.status)
        .filter(|s| *s != SurveyStatus::Draft)
        .ok_or_else(|| AppError::field("status", "Use open or closed."))?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    db::surveys::set_status_audited(&mut tx, &user.actor(), id, to)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(axum::Json(fetch(&state, &user, id).await?))
}

/// Whom to send private links to: exactly one of a segment, a campaign's audience, or
/// named stakeholders.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct SendTo {
    pub segment_id: Option<Uuid>,
    pub campaign_id: Option<Uuid>,
    #[serde(default)]
    pub stakeholder_ids: Vec<Uuid>,
}

/// A private link, with its full address.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Link {
    #[serde(flatten)]
    pub link: NewLink,
    pub url: String,
}

/// The links just made: this response is the only time they can be read.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Sent {
    pub links: Vec<Link>,
    /// People left out: they already had a link, may not be contacted, or are archived.
    pub skipped: i64,
}

fn with_url(state: &AppState, headers: &HeaderMap, links: Vec<NewLink>) -> Vec<Link> {
    let base = crate::web::link_origin(state, headers);
    links
        .into_iter()
        .map(|l| Link {
            url: format!("{base}{}", l.path),
            link: l,
        })
        .collect()
}

/// Makes one private link per person who has none yet (and opens a draft survey).
#[utoipa::path(post, path = "/api/v1/surveys/{id}/send", tag = "surveys", params(("id" = Uuid, Path)), request_body = SendTo,
    responses((status = 200, body = Sent), (status = 404, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn send(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
    Json(to): Json<SendTo>,
) -> ApiResult<axum::Json<Sent>> {
    user.require_campaign_planner()?;
    let chosen = usize::from(to.segment_id.is_some())
        + usize::from(to.campaign_id.is_some())
        + usize::from(!to.stakeholder_ids.is_empty());
    if chosen != 1 {
        return Err(AppError::field(
            "segment_id",
            "Give exactly one of segment_id, campaign_id or stakeholder_ids.",
        )
        .into());
    }
    if to.stakeholder_ids.len() > 20_000 {
        return Err(
            AppError::field("stakeholder_ids", "Send at most 20,000 links at once.").into(),
        );
    }
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let survey = db::surveys::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if survey.status() == SurveyStatus::Closed {
        return Err(AppError::Conflict(
            "The survey is closed; open it again before sending links.".into(),
        )
        .into());
    }
    let people = if let Some(seg) = to.segment_id {
        let g = db::segments::find(&mut tx, seg)
            .await?
            .ok_or_else(|| AppError::field("segment_id", "No such segment."))?;
        db::segments::member_ids(&mut tx, &g.definition.0, 20_000).await?
    } else if let Some(cid) = to.campaign_id {
        let c = db::campaigns::find(&mut tx, cid)
            .await?
            .ok_or_else(|| AppError::field("campaign_id", "No such campaign."))?;
        let (audience, _) = db::campaign_members::audience_for(&mut tx, &c).await?;
        db::campaign_members::audience_ids(&mut tx, &audience, 20_000).await?
    } else {
        to.stakeholder_ids.clone()
    };
    let (links, skipped) = db::surveys::send_audited(&mut tx, &user.actor(), id, &people).await?;
    tx.commit().await?;
    Ok(axum::Json(Sent {
        links: with_url(&state, &headers, links),
        skipped,
    }))
}

/// Results per question: distributions, mean and agreement for scales, the latest texts.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Results {
    pub survey: SurveyRow,
    pub questions: Vec<QuestionResult>,
}

#[utoipa::path(get, path = "/api/v1/surveys/{id}/results", tag = "surveys", params(("id" = Uuid, Path)),
    responses((status = 200, body = Results), (status = 404, body = crate::error::Problem)))]
pub async fn results(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<Results>> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let survey = db::surveys::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let questions = db::surveys::results(&mut tx, id).await?;
    tx.commit().await?;
    Ok(axum::Json(Results { survey, questions }))
}

/// Who has a link, and who answered.
#[utoipa::path(get, path = "/api/v1/surveys/{id}/recipients", tag = "surveys", params(("id" = Uuid, Path), ListParams),
    responses((status = 200, body = ListOf<RecipientRow>), (status = 404, body = crate::error::Problem)))]
pub async fn recipients(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
    Query(p): Query<ListParams>,
) -> ApiResult<axum::Json<ListOf<RecipientRow>>> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    db::surveys::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let page = db::surveys::recipients(&mut tx, id, PageRequest::new(p.page, p.per_page)).await?;
    tx.commit().await?;
    Ok(axum::Json(page.into()))
}

/// Revokes one unanswered link.
#[utoipa::path(post, path = "/api/v1/surveys/{id}/recipients/{rid}/revoke", tag = "surveys",
    params(("id" = Uuid, Path), ("rid" = Uuid, Path)),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub async fn revoke(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path((id, rid)): Path<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    user.require_campaign_planner()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    if !db::surveys::revoke_audited(&mut tx, &user.actor(), id, rid).await? {
        return Err(AppError::NotFound.into());
    }
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Replaces one unanswered link with a new one (the old one stops working).
#[utoipa::path(post, path = "/api/v1/surveys/{id}/recipients/{rid}/reissue", tag = "surveys",
    params(("id" = Uuid, Path), ("rid" = Uuid, Path)),
    responses((status = 200, body = Link), (status = 404, body = crate::error::Problem)))]
pub async fn reissue(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    Path((id, rid)): Path<(Uuid, Uuid)>,
) -> ApiResult<axum::Json<Link>> {
    user.require_campaign_planner()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let link = db::surveys::reissue_audited(&mut tx, &user.actor(), id, rid)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    let link = with_url(&state, &headers, vec![link])
        .into_iter()
        .next()
        .ok_or(AppError::NotFound)?;
    Ok(axum::Json(link))
}
