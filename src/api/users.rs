//! `/api/v1/users`: list, show (everyone); create and update (admins).

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
    users::{UserFilter, UserRow},
};
use crate::domain::{Email, NewPassword, Role, UserId, clean_required};
use crate::error::{ApiResult, AppError, FieldErrors, on_constraint};
use crate::postgres::tenant_tx;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users", get(list).post(create))
        .route("/users/{id}", get(show).patch(update))
}

#[derive(Serialize, ToSchema)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub active: bool,
    pub last_login_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<UserRow> for User {
    fn from(u: UserRow) -> Self {
        Self {
            role: u.role(),
            id: u.id,
            email: u.email,
            name: u.name,
            active: u.active,
            last_login_at: u.last_login_at,
            created_at: u.created_at,
        }
    }
}

/// Users of the workspace, by name.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(ListParams),
    responses((status = 200, body = ListOf<User>), (status = 401, body = crate::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(params): Query<ListParams>,
) -> ApiResult<axum::Json<ListOf<User>>> {
    let filter = UserFilter {
        q: params.q.filter(|q| !q.trim().is_empty()),
        ..Default::default()
    };
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let page = db::users::list(
        &mut tx,
        &filter,
        PageRequest::new(params.page, params.per_page),
    )
    .await?;
    tx.commit().await?;
    Ok(axum::Json(page.map(User::from).into()))
}

/// A new user; the password must have at least 12 characters.
#[derive(Deserialize, ToSchema)]
pub struct NewUserBody {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub password: String,
}

/// Adds a user (admins).
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUserBody,
    responses((status = 201, body = User), (status = 403, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Json(body): Json<NewUserBody>,
) -> ApiResult<(StatusCode, axum::Json<User>)> {
    user.require_admin()?;
    let mut errors = FieldErrors::new();
    let email = Email::parse(&body.email)
        .map_err(|e| errors.insert("email", e.into()))
        .ok();
    let name = clean_required(&body.name, 200, "the person's name")
        .map_err(|e| errors.insert("name", e))
        .ok();
    let password = NewPassword::parse(&body.password)
        .map_err(|e| errors.insert("password", e.into()))
        .ok();
    let (Some(email), Some(name), Some(password)) = (email, name, password) else {
        return Err(AppError::Invalid(errors).into());
    };
    let hash = state.hasher.hash(password.expose()).await?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let new_user = db::users::NewUser {
        email: &email,
        name: &name,
        role: body.role,
        password_hash: &hash,
    };
    let row = db::users::create_audited(&mut tx, &user.actor(), &new_user)
        .await
        .map_err(|e| on_constraint(e, db::users::EMAIL_KEY, "email", db::users::EMAIL_TAKEN))?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, axum::Json(row.into())))
}

/// One user.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", params(("id" = UserId, Path)),
    responses((status = 200, body = User), (status = 404, body = crate::error::Problem)))]
pub async fn show(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<UserId>,
) -> ApiResult<axum::Json<User>> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let row = db::users::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(axum::Json(row.into()))
}

/// Fields to change; absent fields keep their value.
#[derive(Deserialize, ToSchema)]
pub struct UserPatch {
    pub name: Option<String>,
    pub role: Option<Role>,
    pub active: Option<bool>,
}

/// Changes name, role or status (admins). Deactivating ends sessions and revokes tokens.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", params(("id" = UserId, Path)), request_body = UserPatch,
    responses((status = 200, body = User), (status = 404, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
pub async fn update(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<UserId>,
    Json(patch): Json<UserPatch>,
) -> ApiResult<axum::Json<User>> {
    user.require_admin()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let current = db::users::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let name = clean_required(
        patch.name.as_deref().unwrap_or(&current.name),
        200,
        "the person's name",
    )
    .map_err(|e| AppError::field("name", e))?;
    let role = patch.role.unwrap_or(current.role());
    let active = patch.active.unwrap_or(current.active);
    if current.role() == Role::Admin
        && current.active
        && (role != Role::Admin || !active)
        && db::users::other_active_admins(&mut tx, id).await? == 0
    {
        return Err(AppError::field("role", "This is the workspace's last active admin.").into());
    }
    let row = db::users::update_audited(&mut tx, &user.actor(), id, &name, role, active)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(axum::Json(row.into()))
}
