//! Your account: change your password (ends your other sessions) and manage API tokens.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use uuid::Uuid;

use super::{Form, Layout, Path, redirect_with_flash};
use crate::app::AppState;
use crate::auth::{CurrentUser, create_token};
use crate::db::{self, tokens::TokenRow};
use crate::domain::{NewPassword, clean_required};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::postgres::tenant_tx;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/account", get(show))
        .route("/account/password", post(change_password))
        .route("/account/tokens", post(new_token))
        .route("/account/tokens/{id}/revoke", post(revoke_token))
}

#[derive(Template, WebTemplate)]
#[template(path = "account.html")]
struct AccountPage {
    layout: Layout,
    email: String,
    role: &'static str,
    tokens: Vec<TokenRow>,
    errors: FieldErrors,
    new_token: Option<String>,
    token_name: String,
}

impl AccountPage {
    fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    errors: FieldErrors,
    new_token: Option<String>,
) -> AppResult<AccountPage> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let tokens = db::tokens::list_for_user(&mut tx, user.user_id).await?;
    tx.commit().await?;
    Ok(AccountPage {
        layout: Layout::new(user, "Your account", "account"),
        email: user.email.clone(),
        role: user.role.label(),
        tokens,
        errors,
        new_token,
        token_name: String::new(),
    })
}

async fn show(State(state): State<AppState>, user: CurrentUser) -> AppResult<AccountPage> {
    page(&state, &user, FieldErrors::new(), None).await
}

#[derive(Deserialize)]
struct PasswordForm {
    current: String,
    new: String,
    confirm: String,
}

async fn change_password(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<PasswordForm>,
) -> AppResult<Response> {
    let mut errors = FieldErrors::new();
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let hash = db::users::password_hash(&mut tx, user.user_id).await?;
    tx.commit().await?;
    if !state.hasher.verify(&form.current, hash).await? {
        errors.insert("current", "This is not your current password.".into());
    }
    let new = NewPassword::parse(&form.new)
        .map_err(|e| errors.insert("new", e.into()))
        .ok();
    if form.new != form.confirm {
        errors.insert("confirm", "The two new passwords do not match.".into());
    }
    let (Some(new), true) = (new, errors.is_empty()) else {
        let page = page(&state, &user, errors, None).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let hash = state.hasher.hash(new.expose()).await?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    db::users::set_password(&mut tx, user.user_id, &hash).await?;
    let ended =
        db::sessions::delete_for_user(&mut tx, user.user_id, user.session.as_deref()).await?;
    db::audit::record(
        &mut tx,
        &user.actor(),
        "user.password_change",
        "user",
        Some(user.user_id.to_string()),
        serde_json::json!({ "other_sessions_ended": ended }),
    )
    .await?;
    tx.commit().await?;
    redirect_with_flash(
        &state,
        &user,
        "/account",
        "Password changed. Your other sessions were signed out.",
    )
    .await
}

#[derive(Deserialize)]
struct TokenForm {
    name: String,
}

async fn new_token(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<TokenForm>,
) -> AppResult<Response> {
    let name = match clean_required(&form.name, 100, "a name for the token") {
        Ok(n) => n,
        Err(e) => {
            let mut errors = FieldErrors::new();
            errors.insert("name", e);
            let mut page = page(&state, &user, errors, None).await?;
            page.token_name = form.name;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let token = create_token(&mut tx, &user.actor(), user.tenant_id, user.user_id, &name).await?;
    tx.commit().await?;
    // Shown once, on this response only: never stored, never put in a redirect.
    Ok(page(&state, &user, FieldErrors::new(), Some(token))
        .await?
        .into_response())
}

async fn revoke_token(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> AppResult<Response> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    if !db::tokens::revoke(&mut tx, user.user_id, id).await? {
        return Err(AppError::NotFound);
    }
    db::audit::record(
        &mut tx,
        &user.actor(),
        "token.revoke",
        "api_token",
        Some(id.to_string()),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    redirect_with_flash(
        &state,
        &user,
        "/account",
        "Token revoked. Programs using it can no longer sign in.",
    )
    .await
}
