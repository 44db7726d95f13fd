//! `/api/v1/facilities`: list, create (admin), show, update (admin).

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Json, ListOf, ListParams, Path, Query};
use crate::app::AppState;
use crate::auth::ApiUser;
use crate::db::{
    self, PageRequest,
    facilities::{FacilityFilter, FacilityRow},
};
use crate::domain::{FacilityDraft, FacilityId, FacilityKind, Npi};
use crate::error::{ApiResult, AppError, on_constraints};
use crate::postgres::tenant_tx;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/facilities", get(list).post(create))
        .route("/facilities/{id}", get(show).patch(update))
}

const DUPLICATE: &str = "A facility with this name already exists in your workspace.";
const DUPLICATE_NPI: &str = "Another facility of your workspace has this NPI.";

fn clash(e: sqlx::Error) -> AppError {
    on_constraints(
        e,
        &[
            (db::facilities::NAME_KEY, "name", DUPLICATE),
            (db::facilities::NPI_KEY, "npi", DUPLICATE_NPI),
        ],
    )
}

/// An NPI field: blank or null is none; otherwise it must be a valid NPI.
fn parse_npi(raw: Option<&str>) -> Result<Option<Npi>, AppError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(n) => Npi::parse(n)
            .map(Some)
            .map_err(|e| AppError::field("npi", e)),
    }
}

/// A new facility: its fields and, optionally, its NPI.
#[derive(Deserialize, ToSchema)]
pub struct NewFacility {
    #[serde(flatten)]
    pub facility: FacilityDraft,
    /// 10 digits with the CMS check digit; referrals to it count as the workspace's own.
    pub npi: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Facility {
    pub id: FacilityId,
    pub name: String,
    pub kind: FacilityKind,
    pub address_line: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub postal_code: Option<String>,
    pub phone: Option<String>,
    /// Referrals to this NPI count as the workspace's own (loyalty).
    pub npi: Option<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<FacilityRow> for Facility {
    fn from(f: FacilityRow) -> Self {
        Self {
            id: f.id,
            kind: f.kind(),
            name: f.name,
            address_line: f.address_line,
            city: f.city,
            state: f.state,
            postal_code: f.postal_code,
            phone: f.phone,
            npi: f.npi,
            active: f.active,
            created_at: f.created_at,
            updated_at: f.updated_at,
        }
    }
}

/// Facilities, by name. Archived ones only with `include_archived=true`.
#[utoipa::path(get, path = "/api/v1/facilities", tag = "facilities", params(ListParams, ("include_archived" = Option<bool>, Query)),
    responses((status = 200, body = ListOf<Facility>), (status = 401, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(params): Query<ListParams>,
    Query(archived): Query<Archived>,
) -> ApiResult<axum::Json<ListOf<Facility>>> {
    let filter = FacilityFilter {
        q: params.q.filter(|q| !q.trim().is_empty()),
        active: if archived.include_archived.unwrap_or(false) {
            None
        } else {
            Some(true)
        },
        ..Default::default()
    };
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let page = db::facilities::list(
        &mut tx,
        &filter,
        PageRequest::new(params.page, params.per_page),
    )
    .await?;
    tx.commit().await?;
    Ok(axum::Json(page.map(Facility::from).into()))
}

#[derive(Deserialize, Default)]
pub struct Archived {
    include_archived: Option<bool>,
}

/// Adds a facility (admins).
#[utoipa::path(post, path = "/api/v1/facilities", tag = "facilities", request_body = NewFacility,
    responses((status = 201, body = Facility), (status = 403, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Json(body): Json<NewFacility>,
) -> ApiResult<(StatusCode, axum::Json<Facility>)> {
    user.require_admin()?;
    let validated = body.facility.validate(true);
    let npi = parse_npi(body.npi.as_deref());
    let (input, npi) = match (validated, npi) {
        (Ok(input), Ok(npi)) => (input, npi),
        (Err(mut errors), npi) => {
            if let Err(AppError::Invalid(more)) = npi {
                errors.extend(more);
            }
            return Err(AppError::Invalid(errors).into());
        }
        (Ok(_), Err(e)) => return Err(e.into()),
    };
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let row = db::facilities::create_audited(&mut tx, &user.actor(), &input)
        .await
        .map_err(clash)?;
    let row = db::facilities::set_npi_audited(&mut tx, &user.actor(), row.id, npi.as_ref())
        .await
        .map_err(clash)?
        .unwrap_or(row);
    tx.commit().await?;
    Ok((StatusCode::CREATED, axum::Json(row.into())))
}

/// One facility.
#[utoipa::path(get, path = "/api/v1/facilities/{id}", tag = "facilities", params(("id" = FacilityId, Path)),
    responses((status = 200, body = Facility), (status = 404, body = crate::error::Problem)))]
pub async fn show(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<FacilityId>,
) -> ApiResult<axum::Json<Facility>> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let row = db::facilities::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(axum::Json(row.into()))
}

/// Fields to change; absent fields keep their value, `null` clears an optional one.
#[derive(Deserialize, ToSchema, Default)]
pub struct FacilityPatch {
    pub name: Option<String>,
    pub kind: Option<String>,
    #[serde(default, with = "double_option")]
    pub address_line: Option<Option<String>>,
    #[serde(default, with = "double_option")]
    pub city: Option<Option<String>>,
    #[serde(default, with = "double_option")]
    pub state: Option<Option<String>>,
    #[serde(default, with = "double_option")]
    pub postal_code: Option<Option<String>>,
    #[serde(default, with = "double_option")]
    pub phone: Option<Option<String>>,
    /// An NPI, or `null` to clear it.
    #[serde(default, with = "double_option")]
    pub npi: Option<Option<String>>,
    pub active: Option<bool>,
}

mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<String>>, D::Error> {
        Option::<String>::deserialize(d).map(Some)
    }
}

/// Changes a facility (admins).
#[utoipa::path(patch, path = "/api/v1/facilities/{id}", tag = "facilities", params(("id" = FacilityId, Path)),
    request_body = FacilityPatch,
    responses((status = 200, body = Facility), (status = 404, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn update(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<FacilityId>,
    Json(patch): Json<FacilityPatch>,
) -> ApiResult<axum::Json<Facility>> {
    user.require_admin()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let current = db::facilities::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let draft = FacilityDraft {
        name: patch.name.unwrap_or(current.name),
        kind: patch.kind.unwrap_or(current.kind),
        address_line: patch.address_line.unwrap_or(current.address_line),
        city: patch.city.unwrap_or(current.city),
        state: patch.state.unwrap_or(current.state),
        postal_code: patch.postal_code.unwrap_or(current.postal_code),
        phone: patch.phone.unwrap_or(current.phone),
    };
    let input = draft
        .validate(patch.active.unwrap_or(current.active))
        .map_err(AppError::Invalid)?;
    // Absent keeps the NPI; null or blank clears it.
    let npi = match &patch.npi {
        Some(raw) => Some(parse_npi(raw.as_deref())?),
        None => None,
    };
    let mut row = db::facilities::update_audited(&mut tx, &user.actor(), id, &input)
        .await
        .map_err(clash)?
        .ok_or(AppError::NotFound)?;
    if let Some(npi) = npi {
        row = db::facilities::set_npi_audited(&mut tx, &user.actor(), id, npi.as_ref())
            .await
            .map_err(clash)?
            .ok_or(AppError::NotFound)?;
    }
    tx.commit().await?;
    Ok(axum::Json(row.into()))
}
