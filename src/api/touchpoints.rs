//! `/api/v1/touchpoints`: list with filters, log one (idempotent with an `Idempotency-Key`
//! header), log one per attendee of an event, show, change and delete.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Json, ListOf, Path, Query};
use crate::app::AppState;
use crate::auth::{ApiUser, CurrentUser};
use crate::db::touchpoints::{Logged, NewTouchpoints, TouchpointFilter, TouchpointRow};
use crate::db::{self, PageRequest};
use crate::domain::{
    MAX_GROUP, Outcome, TouchChannel, TouchpointDraft, idempotency_key, optional_date, optional_id,
};
use crate::error::{ApiResult, AppError};
use crate::postgres::{tenant_tx, tenant_tx_generic_plans};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/touchpoints", get(list).post(create))
        .route("/touchpoints/batch", post(batch))
        .route("/touchpoints/{id}", get(show).patch(update).delete(delete))
}

/// The message of the 422 for a key used before with another body.
pub const KEY_REUSED: &str = "Idempotency-Key reused with a different request";

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TouchpointParams {
    stakeholder_id: Option<String>,
    /// visit, phone, email, event, lunch_learn, social, mail, portal or survey.
    channel: Option<String>,
    /// positive, neutral, negative or no_response.
    outcome: Option<String>,
    campaign_id: Option<String>,
    /// YYYY-MM-DD (UTC), inclusive.
    from: Option<String>,
    /// YYYY-MM-DD (UTC), inclusive.
    to: Option<String>,
    /// Only touch-points this user logged.
    created_by: Option<String>,
    /// true: only the caller's.
    mine: Option<bool>,
    /// The touch-points of one group submit.
    group_id: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
}

impl TouchpointParams {
    fn filter(&self, user: &CurrentUser) -> Result<TouchpointFilter, AppError> {
        let id = |v: &Option<String>, field: &'static str| {
            optional_id(v.as_deref(), "a record")
                .map_err(|_| AppError::field(field, "Not a valid id."))
        };
        let choice = |v: &Option<String>, field: &'static str, ok: bool| {
            if v.as_deref().is_some_and(|s| !s.trim().is_empty()) && !ok {
                Err(AppError::field(field, "Not one of the options."))
            } else {
                Ok(())
            }
        };
        let channel = self.channel.as_deref().and_then(TouchChannel::parse);
        choice(&self.channel, "channel", channel.is_some())?;
        let outcome = self.outcome.as_deref().and_then(Outcome::parse);
        choice(&self.outcome, "outcome", outcome.is_some())?;
        let date = |v: &Option<String>, field: &'static str| {
            optional_date(v.as_deref()).map_err(|e| AppError::field(field, e))
        };
        let created_by = if self.mine.unwrap_or(false) {
            Some(user.user_id.0)
        } else {
            id(&self.created_by, "created_by")?
        };
        Ok(TouchpointFilter {
            stakeholder_id: id(&self.stakeholder_id, "stakeholder_id")?,
            channel,
            outcome,
            campaign_id: id(&self.campaign_id, "campaign_id")?,
            from: date(&self.from, "from")?,
            to: date(&self.to, "to")?,
            created_by,
            group_id: id(&self.group_id, "group_id")?,
        })
    }
}

/// Touch-points matching the filters, newest first.
#[utoipa::path(get, path = "/api/v1/touchpoints", tag = "touchpoints", params(TouchpointParams),
    responses((status = 200, body = ListOf<TouchpointRow>), (status = 401, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(p): Query<TouchpointParams>,
) -> ApiResult<axum::Json<ListOf<TouchpointRow>>> {
    let filter = p.filter(&user)?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let page =
        db::touchpoints::list(&mut tx, &filter, PageRequest::new(p.page, p.per_page)).await?;
    tx.commit().await?;
    Ok(axum::Json(page.into()))
}

/// The `Idempotency-Key` header, if sent.
fn key_of(headers: &HeaderMap) -> Result<Option<String>, AppError> {
    match headers.get("idempotency-key") {
        None => Ok(None),
        Some(v) => {
            let text = v
                .to_str()
                .map_err(|_| AppError::field("idempotency_key", "Use visible ASCII characters."))?;
            idempotency_key(text)
                .map(Some)
                .map_err(|e| AppError::field("idempotency_key", e))
        }
    }
}

/// The hash stored with a keyed request.
pub fn request_hash(canonical: &str) -> String {
    crate::auth::secret::hex(&crate::auth::secret::hash_secret(canonical))
}

/// The advisory-lock number of one user's idempotency key (64 bits of its hash).
fn key_lock(tenant: crate::domain::TenantId, user: crate::domain::UserId, key: &str) -> i64 {
    let hash =
        crate::auth::secret::hash_secret(&format!("touchpoint-key\n{tenant}\n{user}\n{key}"));
    let mut bytes = [0u8; 8];
    for (b, h) in bytes.iter_mut().zip(hash.iter()) {
        *b = *h;
    }
    i64::from_le_bytes(bytes)
}

/// Writes the submit; a replay answers as the first time did (201 with the same rows).
pub async fn write(
    state: &AppState,
    user: &CurrentUser,
    new: &NewTouchpoints<'_>,
) -> Result<(Vec<TouchpointRow>, bool), AppError> {
    // Requests with the same key queue behind one another (a lock on the key, taken with
    // BEGIN), so the second sees what the first wrote, whichever stakeholder it names.
    let lock = new
        .idempotency_key
        .map(|key| key_lock(user.tenant_id, user.user_id, key));
    let mut tx = tenant_tx_generic_plans(&state.pools.app, user.tenant_id, lock).await?;
    let logged = db::touchpoints::log_with_follow_ups(&mut tx, &user.actor(), new)
        .await
        .map_err(|e| {
            crate::error::on_constraints(
                e,
                &[(
                    "follow_ups_tenant_id_owner_id_fkey",
                    "follow_up_owner_id",
                    "Choose an owner from the list.",
                )],
            )
        })?;
    match logged {
        Logged::Created(rows) => {
            tx.commit().await?;
            Ok((rows, false))
        }
        Logged::Replayed(rows) => Ok((rows, true)),
        Logged::KeyReused => Err(AppError::field("idempotency_key", KEY_REUSED)),
        Logged::Invalid(errors) => Err(AppError::Invalid(errors)),
    }
}

fn created<T: Serialize>(body: T, replayed: bool) -> Response {
    let mut response = (StatusCode::CREATED, axum::Json(body)).into_response();
    if replayed {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    response
}

/// Logs a touch-point (not executives). Send an `Idempotency-Key` header (e.g. a fresh
/// UUID) to retry safely: the same key and body answer with the touch-point written the
/// first time; the same key with another body is a 422. The stakeholder's last contact
/// moves to `occurred_at` when later, unless the outcome is no_response.
#[utoipa::path(post, path = "/api/v1/touchpoints", tag = "touchpoints", request_body = TouchpointDraft,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe; 1 to 200 characters.")),
    responses((status = 201, body = TouchpointRow), (status = 403, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    Json(draft): Json<TouchpointDraft>,
) -> ApiResult<Response> {
    user.require_book_editor()?;
    let key = key_of(&headers)?;
    let (stakeholder, input) = draft
        .validate(chrono::Utc::now())
        .map_err(AppError::Invalid)?;
    let hash = request_hash(&draft.canonical(&[stakeholder]));
    let new = NewTouchpoints {
        stakeholders: &[stakeholder],
        input: &input,
        group_id: None,
        idempotency_key: key.as_deref(),
        request_hash: &hash,
    };
    let (mut rows, replayed) = write(&state, &user, &new).await?;
    let row = rows.pop().ok_or(AppError::NotFound)?;
    Ok(created(row, replayed))
}

/// A touch-point shared by the attendees of one event.
#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct BatchDraft {
    /// The attendees (repeats are dropped), 1 to 500.
    #[serde(default)]
    pub stakeholder_ids: Vec<String>,
    #[serde(flatten)]
    pub touchpoint: TouchpointDraft,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct BatchResult {
    pub group_id: Option<Uuid>,
    pub items: Vec<TouchpointRow>,
}

/// The attendees as ids, in order, without repeats.
pub fn attendees(raw: &[String]) -> Result<Vec<Uuid>, AppError> {
    let mut ids: Vec<Uuid> = Vec::new();
    for s in raw {
        let id = s.trim().parse::<Uuid>().map_err(|_| {
            AppError::field(
                "stakeholder_ids",
                "Every attendee must be a stakeholder id.",
            )
        })?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if ids.is_empty() {
        return Err(AppError::field("stakeholder_ids", "Choose who attended."));
    }
    if ids.len() > MAX_GROUP {
        return Err(AppError::field(
            "stakeholder_ids",
            format!("At most {MAX_GROUP} attendees at a time."),
        ));
    }
    Ok(ids)
}

/// Logs one touch-point per attendee with a shared `group_id`, all or nothing; the channel
/// defaults to event. Idempotent like a single touch-point: one key covers the whole batch.
#[utoipa::path(post, path = "/api/v1/touchpoints/batch", tag = "touchpoints", request_body = BatchDraft,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe; 1 to 200 characters.")),
    responses((status = 201, body = BatchResult), (status = 403, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn batch(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    headers: HeaderMap,
    Json(mut draft): Json<BatchDraft>,
) -> ApiResult<Response> {
    user.require_book_editor()?;
    let key = key_of(&headers)?;
    let ids = attendees(&draft.stakeholder_ids)?;
    if draft
        .touchpoint
        .channel
        .as_deref()
        .is_none_or(|c| c.trim().is_empty())
    {
        draft.touchpoint.channel = Some("event".into());
    }
    let input = draft
        .touchpoint
        .validate_shared(chrono::Utc::now())
        .map_err(AppError::Invalid)?;
    let hash = request_hash(&draft.touchpoint.canonical(&ids));
    let new = NewTouchpoints {
        stakeholders: &ids,
        input: &input,
        group_id: Some(Uuid::now_v7()),
        idempotency_key: key.as_deref(),
        request_hash: &hash,
    };
    let (items, replayed) = write(&state, &user, &new).await?;
    let group_id = items.first().and_then(|r| r.group_id);
    Ok(created(BatchResult { group_id, items }, replayed))
}

async fn fetch(state: &AppState, user: &CurrentUser, id: Uuid) -> Result<TouchpointRow, AppError> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let row = db::touchpoints::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(row)
}

/// One touch-point.
#[utoipa::path(get, path = "/api/v1/touchpoints/{id}", tag = "touchpoints", params(("id" = Uuid, Path)),
    responses((status = 200, body = TouchpointRow), (status = 404, body = crate::error::Problem)))]
pub async fn show(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<TouchpointRow>> {
    Ok(axum::Json(fetch(&state, &user, id).await?))
}

/// Changes the fields sent (by its author, an admin or a marketer); the stakeholder stays.
#[utoipa::path(patch, path = "/api/v1/touchpoints/{id}", tag = "touchpoints", params(("id" = Uuid, Path)),
    request_body = TouchpointDraft,
    responses((status = 200, body = TouchpointRow), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn update(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
    Json(patch): Json<serde_json::Map<String, serde_json::Value>>,
) -> ApiResult<axum::Json<TouchpointRow>> {
    user.require_book_editor()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let before = db::touchpoints::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !db::touchpoints::may_change(&before, user.user_id.0, user.role) {
        return Err(AppError::Forbidden.into());
    }
    let mut merged = serde_json::to_value(db::touchpoints::draft_of(&before))
        .map_err(|e| AppError::Internal(e.into()))?;
    for (k, v) in patch {
        if k != "stakeholder_id" {
            merged[k] = v;
        }
    }
    let draft: TouchpointDraft = serde_json::from_value(merged)
        .map_err(|e| AppError::BadRequest(format!("The JSON body could not be read: {e}")))?;
    let (_, input) = draft
        .validate(chrono::Utc::now())
        .map_err(AppError::Invalid)?;
    let row = db::touchpoints::update_audited(&mut tx, &user.actor(), &before, &input)
        .await?
        .map_err(AppError::Invalid)?;
    tx.commit().await?;
    Ok(axum::Json(row))
}

/// Deletes a touch-point (its author, an admin or a marketer).
#[utoipa::path(delete, path = "/api/v1/touchpoints/{id}", tag = "touchpoints", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn delete(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    user.require_book_editor()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let before = db::touchpoints::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !db::touchpoints::may_change(&before, user.user_id.0, user.role) {
        return Err(AppError::Forbidden.into());
    }
    db::touchpoints::delete_audited(&mut tx, &user.actor(), &before).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
