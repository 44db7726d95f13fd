//! `/api/v1` twins of the relationship pages: affiliations, assignments (relationship
//! managers) and the caller's book, stage moves, influence links and key influencers.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use serde::Deserialize;
use uuid::Uuid;

use super::{Json, ListOf, Path, Query};
use crate::app::AppState;
use crate::auth::{ApiUser, CurrentUser};
use crate::db::affiliations::{AffiliationFilter, AffiliationRow};
use crate::db::assignments::{AssignmentFilter, AssignmentRow, BookRow, BookView};
use crate::db::champions::{BoardCard, BoardFilter, StageChangeRow};
use crate::db::influence::InfluenceRow;
use crate::db::influence_scores::InfluencerRow;
use crate::db::merge::{DuplicatePair, MergeError, Related};
use crate::db::timeline::TimelineEntry;
use crate::db::{self, PageRequest};
use crate::domain::{
    AffiliationDraft, AssignmentRole, InfluenceDraft, StageMoveDraft, StakeholderId, optional_id,
};
use crate::error::{ApiResult, AppError, on_constraints};
use crate::postgres::tenant_tx;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/affiliations",
            get(list_affiliations).post(create_affiliation),
        )
        .route(
            "/affiliations/{id}",
            get(show_affiliation)
                .put(replace_affiliation)
                .delete(delete_affiliation),
        )
        .route(
            "/assignments",
            get(list_assignments).post(create_assignment),
        )
        .route("/assignments/{id}/end", post(end_assignment))
        .route("/my-stakeholders", get(my_stakeholders))
        .route("/stages", get(list_stages).post(move_stage))
        .route("/influence-links", get(list_links).post(create_link))
        .route(
            "/influence-links/{id}",
            get(show_link).put(replace_link).delete(delete_link),
        )
        .route("/key-influencers", get(key_influencers))
        .route("/stakeholders/{id}/timeline", get(timeline))
        .route("/stakeholders/duplicates", get(duplicates))
        .route("/stakeholders/merge", post(merge))
        .route("/cadence", get(cadence).put(set_cadence))
        .route("/champions/board", get(board))
}

fn uuid_param(v: &Option<String>, field: &'static str) -> Result<Option<Uuid>, AppError> {
    optional_id(v.as_deref(), "a record").map_err(|_| AppError::field(field, "Not a valid id."))
}

/// Checks the stakeholder exists in the caller's workspace (else 404).
async fn stakeholder_exists(conn: &mut sqlx::PgConnection, id: Uuid) -> ApiResult<()> {
    db::stakeholders::find(conn, StakeholderId(id))
        .await?
        .map(|_| ())
        .ok_or(AppError::NotFound.into())
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AffiliationParams {
    stakeholder_id: Option<String>,
    organization_id: Option<String>,
    facility_id: Option<String>,
    /// true: only affiliations that have not ended.
    current: Option<bool>,
    page: Option<i64>,
    per_page: Option<i64>,
}

/// Affiliations, newest first, filtered by stakeholder, organization or facility.
#[utoipa::path(get, path = "/api/v1/affiliations", tag = "affiliations", params(AffiliationParams),
    responses((status = 200, body = ListOf<AffiliationRow>), (status = 401, body = crate::error::Problem)))]
pub async fn list_affiliations(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(p): Query<AffiliationParams>,
) -> ApiResult<axum::Json<ListOf<AffiliationRow>>> {
    let filter = AffiliationFilter {
        stakeholder_id: uuid_param(&p.stakeholder_id, "stakeholder_id")?,
        organization_id: uuid_param(&p.organization_id, "organization_id")?,
        facility_id: uuid_param(&p.facility_id, "facility_id")?,
        current: p.current.unwrap_or(false),
    };
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let page =
        db::affiliations::list(&mut tx, &filter, PageRequest::new(p.page, p.per_page)).await?;
    tx.commit().await?;
    Ok(axum::Json(page.into()))
}

/// A new affiliation: the stakeholder plus exactly one of organization and facility.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewAffiliation {
    pub stakeholder_id: Uuid,
    #[serde(flatten)]
    pub affiliation: AffiliationDraft,
}

async fn fetch_affiliation(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
) -> ApiResult<AffiliationRow> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let row = db::affiliations::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(row)
}

async fn save_affiliation(
    state: &AppState,
    user: &CurrentUser,
    stakeholder: Uuid,
    id: Option<Uuid>,
    draft: &AffiliationDraft,
) -> ApiResult<Uuid> {
    user.require_book_editor()?;
    let input = draft.validate().map_err(AppError::Invalid)?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    stakeholder_exists(&mut tx, stakeholder).await?;
    let saved = db::affiliations::save_audited(&mut tx, &user.actor(), stakeholder, id, &input)
        .await
        .map_err(|e| on_constraints(e, db::affiliations::CONSTRAINTS))?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(saved)
}

/// Adds an affiliation (not executives).
#[utoipa::path(post, path = "/api/v1/affiliations", tag = "affiliations", request_body = NewAffiliation,
    responses((status = 201, body = AffiliationRow), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create_affiliation(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Json(body): Json<NewAffiliation>,
) -> ApiResult<(StatusCode, axum::Json<AffiliationRow>)> {
    let id = save_affiliation(&state, &user, body.stakeholder_id, None, &body.affiliation).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(fetch_affiliation(&state, &user, id).await?),
    ))
}

/// One affiliation.
#[utoipa::path(get, path = "/api/v1/affiliations/{id}", tag = "affiliations", params(("id" = Uuid, Path)),
    responses((status = 200, body = AffiliationRow), (status = 404, body = crate::error::Problem)))]
pub async fn show_affiliation(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<AffiliationRow>> {
    Ok(axum::Json(fetch_affiliation(&state, &user, id).await?))
}

/// Replaces an affiliation's fields (its stakeholder stays).
#[utoipa::path(put, path = "/api/v1/affiliations/{id}", tag = "affiliations", params(("id" = Uuid, Path)), request_body = AffiliationDraft,
    responses((status = 200, body = AffiliationRow), (status = 404, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn replace_affiliation(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
    Json(draft): Json<AffiliationDraft>,
) -> ApiResult<axum::Json<AffiliationRow>> {
    let current = fetch_affiliation(&state, &user, id).await?;
    save_affiliation(&state, &user, current.stakeholder_id, Some(id), &draft).await?;
    Ok(axum::Json(fetch_affiliation(&state, &user, id).await?))
}

/// Removes an affiliation entered by mistake (set `ends_on` for one that ended).
#[utoipa::path(delete, path = "/api/v1/affiliations/{id}", tag = "affiliations", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub async fn delete_affiliation(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    user.require_book_editor()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    db::affiliations::delete_audited(&mut tx, &user.actor(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssignmentParams {
    stakeholder_id: Option<String>,
    user_id: Option<String>,
    /// true: only current assignments.
    current: Option<bool>,
    page: Option<i64>,
    per_page: Option<i64>,
}

/// Relationship-manager assignments, current and past.
#[utoipa::path(get, path = "/api/v1/assignments", tag = "assignments", params(AssignmentParams),
    responses((status = 200, body = ListOf<AssignmentRow>), (status = 401, body = crate::error::Problem)))]
pub async fn list_assignments(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(p): Query<AssignmentParams>,
) -> ApiResult<axum::Json<ListOf<AssignmentRow>>> {
    let filter = AssignmentFilter {
        stakeholder_id: uuid_param(&p.stakeholder_id, "stakeholder_id")?,
        user_id: uuid_param(&p.user_id, "user_id")?,
        current: p.current.unwrap_or(false),
    };
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let page =
        db::assignments::list(&mut tx, &filter, PageRequest::new(p.page, p.per_page)).await?;
    tx.commit().await?;
    Ok(axum::Json(page.into()))
}

/// A new assignment. A new primary ends the previous primary's assignment (kept as history).
#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewAssignment {
    pub stakeholder_id: Uuid,
    pub user_id: Uuid,
    /// primary or secondary.
    pub role: String,
}

/// Assigns a relationship manager (not executives). Returns the stakeholder's current
/// assignments.
#[utoipa::path(post, path = "/api/v1/assignments", tag = "assignments", request_body = NewAssignment,
    responses((status = 201, body = Vec<AssignmentRow>), (status = 404, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn create_assignment(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Json(body): Json<NewAssignment>,
) -> ApiResult<(StatusCode, axum::Json<Vec<AssignmentRow>>)> {
    user.require_book_editor()?;
    let role = AssignmentRole::parse(&body.role)
        .ok_or_else(|| AppError::field("role", "Use primary or secondary."))?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    stakeholder_exists(&mut tx, body.stakeholder_id).await?;
    if !db::assignments::assignable(&mut tx, body.user_id).await? {
        return Err(AppError::field("user_id", "Choose an active user of this workspace.").into());
    }
    db::assignments::assign_audited(
        &mut tx,
        &user.actor(),
        &[body.stakeholder_id],
        body.user_id,
        role,
    )
    .await?;
    let rows = db::assignments::for_stakeholder(&mut tx, body.stakeholder_id).await?;
    tx.commit().await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(rows.into_iter().filter(|a| a.current()).collect()),
    ))
}

/// Ends an assignment today; it stays as history.
#[utoipa::path(post, path = "/api/v1/assignments/{id}/end", tag = "assignments", params(("id" = Uuid, Path)),
    responses((status = 200, body = AssignmentRow), (status = 404, body = crate::error::Problem)))]
pub async fn end_assignment(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<AssignmentRow>> {
    user.require_book_editor()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    db::assignments::end_audited(&mut tx, &user.actor(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let row = db::assignments::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(axum::Json(row))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BookParams {
    /// due (default: overdue or due within two weeks) or all.
    view: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

/// The caller's book: who is due for contact, most pressing first.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Book {
    pub items: Vec<BookRow>,
    pub counts: db::assignments::BookCounts,
    pub cadence: crate::domain::Cadence,
    pub page: i64,
    pub per_page: i64,
}

#[utoipa::path(get, path = "/api/v1/my-stakeholders", tag = "assignments", params(BookParams),
    responses((status = 200, body = Book), (status = 401, body = crate::error::Problem)))]
pub async fn my_stakeholders(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(p): Query<BookParams>,
) -> ApiResult<axum::Json<Book>> {
    let view = match p.view.as_deref() {
        Some("all") => BookView::All,
        _ => BookView::Due,
    };
    let page = PageRequest::new(p.page, p.per_page);
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let cadence = db::assignments::cadence(&mut tx).await?;
    let (items, counts) =
        db::assignments::book(&mut tx, user.user_id.0, cadence, view, page).await?;
    tx.commit().await?;
    Ok(axum::Json(Book {
        items,
        counts,
        cadence,
        page: page.page,
        per_page: page.per_page,
    }))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StakeholderScoped {
    stakeholder_id: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

/// Champion-stage moves, newest first.
#[utoipa::path(get, path = "/api/v1/stages", tag = "stages", params(StakeholderScoped),
    responses((status = 200, body = ListOf<StageChangeRow>), (status = 401, body = crate::error::Problem)))]
pub async fn list_stages(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(p): Query<StakeholderScoped>,
) -> ApiResult<axum::Json<ListOf<StageChangeRow>>> {
    let stakeholder = uuid_param(&p.stakeholder_id, "stakeholder_id")?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let page =
        db::champions::list(&mut tx, stakeholder, PageRequest::new(p.page, p.per_page)).await?;
    tx.commit().await?;
    Ok(axum::Json(page.into()))
}

/// A move: who, to which stage, why.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewStageMove {
    pub stakeholder_id: Uuid,
    #[serde(flatten)]
    pub stage_move: StageMoveDraft,
}

/// Moves a stakeholder in the champion pipeline. 201 with the recorded move; 200 with no
/// body change when they already were at that stage.
#[utoipa::path(post, path = "/api/v1/stages", tag = "stages", request_body = NewStageMove,
    responses((status = 201, body = StageChangeRow), (status = 200, body = StageChangeRow),
              (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn move_stage(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Json(body): Json<NewStageMove>,
) -> ApiResult<(StatusCode, axum::Json<Option<StageChangeRow>>)> {
    user.require_book_editor()?;
    let m = body.stage_move.validate().map_err(AppError::Invalid)?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    stakeholder_exists(&mut tx, body.stakeholder_id).await?;
    let moved =
        db::champions::move_audited(&mut tx, &user.actor(), &[body.stakeholder_id], &m).await?;
    let latest = db::champions::history(&mut tx, body.stakeholder_id)
        .await?
        .into_iter()
        .next();
    tx.commit().await?;
    let status = if moved > 0 {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, axum::Json(latest)))
}

/// Influence links, newest first; with `stakeholder_id`, those from or to that person.
#[utoipa::path(get, path = "/api/v1/influence-links", tag = "influence", params(StakeholderScoped),
    responses((status = 200, body = ListOf<InfluenceRow>), (status = 401, body = crate::error::Problem)))]
pub async fn list_links(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(p): Query<StakeholderScoped>,
) -> ApiResult<axum::Json<ListOf<InfluenceRow>>> {
    let stakeholder = uuid_param(&p.stakeholder_id, "stakeholder_id")?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let page =
        db::influence::list(&mut tx, stakeholder, PageRequest::new(p.page, p.per_page)).await?;
    tx.commit().await?;
    Ok(axum::Json(page.into()))
}

async fn fetch_link(state: &AppState, user: &CurrentUser, id: Uuid) -> ApiResult<InfluenceRow> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let row = db::influence::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(row)
}

async fn save_link(
    state: &AppState,
    user: &CurrentUser,
    id: Option<Uuid>,
    draft: &InfluenceDraft,
) -> ApiResult<Uuid> {
    user.require_book_editor()?;
    let input = draft.validate().map_err(AppError::Invalid)?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let saved = db::influence::save_audited(&mut tx, &user.actor(), id, &input)
        .await
        .map_err(|e| on_constraints(e, db::influence::CONSTRAINTS))?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(saved)
}

/// Records that `from_id` influences `to_id` (not executives).
#[utoipa::path(post, path = "/api/v1/influence-links", tag = "influence", request_body = InfluenceDraft,
    responses((status = 201, body = InfluenceRow), (status = 422, body = crate::error::Problem)))]
pub async fn create_link(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Json(draft): Json<InfluenceDraft>,
) -> ApiResult<(StatusCode, axum::Json<InfluenceRow>)> {
    let id = save_link(&state, &user, None, &draft).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(fetch_link(&state, &user, id).await?),
    ))
}

/// One influence link.
#[utoipa::path(get, path = "/api/v1/influence-links/{id}", tag = "influence", params(("id" = Uuid, Path)),
    responses((status = 200, body = InfluenceRow), (status = 404, body = crate::error::Problem)))]
pub async fn show_link(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<InfluenceRow>> {
    Ok(axum::Json(fetch_link(&state, &user, id).await?))
}

/// Replaces an influence link's fields.
#[utoipa::path(put, path = "/api/v1/influence-links/{id}", tag = "influence", params(("id" = Uuid, Path)), request_body = InfluenceDraft,
    responses((status = 200, body = InfluenceRow), (status = 404, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn replace_link(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
    Json(draft): Json<InfluenceDraft>,
) -> ApiResult<axum::Json<InfluenceRow>> {
    save_link(&state, &user, Some(id), &draft).await?;
    Ok(axum::Json(fetch_link(&state, &user, id).await?))
}

/// Removes an influence link.
#[utoipa::path(delete, path = "/api/v1/influence-links/{id}", tag = "influence", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
pub async fn delete_link(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    user.require_book_editor()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    db::influence::delete_audited(&mut tx, &user.actor(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Key influencers: the people others refer to or look to, ranked by influence score
/// (weighted PageRank over referrals and influence links), with who gives them most of it.
#[utoipa::path(get, path = "/api/v1/key-influencers", tag = "influence", params(super::ListParams),
    responses((status = 200, body = ListOf<InfluencerRow>), (status = 401, body = crate::error::Problem)))]
pub async fn key_influencers(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(p): Query<super::ListParams>,
) -> ApiResult<axum::Json<ListOf<InfluencerRow>>> {
    crate::jobs::influence::ensure_fresh(&state.pools.app, user.tenant_id)
        .await
        .map_err(AppError::Internal)?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let page = db::influence_scores::key_influencers(&mut tx, PageRequest::new(p.page, p.per_page))
        .await?;
    tx.commit().await?;
    Ok(axum::Json(page.into()))
}

/// A stakeholder's timeline, newest first (at most 200 events).
#[utoipa::path(get, path = "/api/v1/stakeholders/{id}/timeline", tag = "stakeholders", params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<TimelineEntry>), (status = 404, body = crate::error::Problem)))]
pub async fn timeline(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<Vec<TimelineEntry>>> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    stakeholder_exists(&mut tx, id).await?;
    let rows = db::timeline::for_stakeholder(&mut tx, id, 200).await?;
    tx.commit().await?;
    Ok(axum::Json(rows))
}

/// Likely duplicate pairs (the record with an NPI first: the one to keep).
#[utoipa::path(get, path = "/api/v1/stakeholders/duplicates", tag = "stakeholders",
    responses((status = 200, body = Vec<DuplicatePair>), (status = 401, body = crate::error::Problem)))]
pub async fn duplicates(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<axum::Json<Vec<DuplicatePair>>> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let pairs = db::merge::candidates(&mut tx, 200).await?;
    tx.commit().await?;
    Ok(axum::Json(pairs))
}

/// Which record to keep and which to merge into it.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct MergeRequest {
    pub keep: Uuid,
    pub other: Uuid,
}

/// Merges `other` into `keep`, moving every related record (not executives). Returns what
/// moved; 409 when the two cannot be merged (two NPIs).
#[utoipa::path(post, path = "/api/v1/stakeholders/merge", tag = "stakeholders", request_body = MergeRequest,
    responses((status = 200, body = Related), (status = 404, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem)))]
pub async fn merge(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Json(body): Json<MergeRequest>,
) -> ApiResult<axum::Json<Related>> {
    user.require_book_editor()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let moved = match db::merge::merge_audited(&mut tx, &user.actor(), body.keep, body.other).await
    {
        Ok(moved) => moved,
        Err(MergeError::NotFound) => return Err(AppError::NotFound.into()),
        Err(MergeError::Refused(why)) => return Err(AppError::Conflict(why.into()).into()),
        Err(MergeError::Db(e)) => return Err(e.into()),
    };
    tx.commit().await?;
    Ok(axum::Json(moved))
}

/// The workspace's contact cadence per tier, in days.
#[utoipa::path(get, path = "/api/v1/cadence", tag = "assignments",
    responses((status = 200, body = crate::domain::Cadence)))]
pub async fn cadence(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<axum::Json<crate::domain::Cadence>> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let c = db::assignments::cadence(&mut tx).await?;
    tx.commit().await?;
    Ok(axum::Json(c))
}

/// Days between contacts for tiers A, B and C (1 to 730 each).
#[derive(Deserialize, utoipa::ToSchema)]
pub struct CadenceBody {
    pub a: serde_json::Value,
    pub b: serde_json::Value,
    pub c: serde_json::Value,
}

/// Sets the cadence (admins).
#[utoipa::path(put, path = "/api/v1/cadence", tag = "assignments", request_body = CadenceBody,
    responses((status = 200, body = crate::domain::Cadence), (status = 403, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn set_cadence(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Json(body): Json<CadenceBody>,
) -> ApiResult<axum::Json<crate::domain::Cadence>> {
    user.require_admin()?;
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let c = crate::domain::Cadence::parse(&text(&body.a), &text(&body.b), &text(&body.c))
        .map_err(AppError::Invalid)?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    db::assignments::set_cadence_audited(&mut tx, &user.actor(), c).await?;
    tx.commit().await?;
    Ok(axum::Json(c))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BoardParams {
    facility_id: Option<String>,
    /// A NUCC taxonomy code.
    specialty: Option<String>,
    /// A current relationship manager.
    manager_id: Option<String>,
}

/// The champion board: per stage, the count and the most recently moved people (at most 12
/// each; `in_stage` is the stage's count under the filter).
#[utoipa::path(get, path = "/api/v1/champions/board", tag = "stages", params(BoardParams),
    responses((status = 200, body = Vec<BoardCard>), (status = 401, body = crate::error::Problem)))]
pub async fn board(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(p): Query<BoardParams>,
) -> ApiResult<axum::Json<Vec<BoardCard>>> {
    let filter = BoardFilter {
        facility_id: uuid_param(&p.facility_id, "facility_id")?,
        taxonomy_code: p
            .specialty
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty()),
        user_id: uuid_param(&p.manager_id, "manager_id")?,
    };
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let cards = db::champions::board(&mut tx, &filter).await?;
    tx.commit().await?;
    Ok(axum::Json(cards))
}
