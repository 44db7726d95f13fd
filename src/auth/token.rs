//! API tokens: `Authorization: Bearer rpt_<tenant>.<secret>`, shown once, stored hashed.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use super::{CurrentUser, RequestMeta, secret};
use crate::app::AppState;
use crate::db;
use crate::domain::{Role, TenantId, UserId};
use crate::error::{ApiError, AppError};
use crate::postgres::tenant_tx;

const PREFIX: &str = "rpt_";

/// The user behind a valid bearer token, for `/api/v1`.
#[derive(Clone, Debug)]
pub struct ApiUser(pub CurrentUser);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .ok_or(AppError::Unauthorized)?;
        let (tenant, secret_value) = bearer
            .strip_prefix(PREFIX)
            .and_then(secret::decompose)
            .ok_or(AppError::Unauthorized)?;
        let hash = secret::hash_secret(secret_value);
        let mut tx = tenant_tx(&state.pools.app, tenant)
            .await
            .map_err(AppError::from)?;
        let found = db::tokens::find_active(&mut tx, &hash)
            .await
            .map_err(AppError::from)?;
        let Some(t) = found.filter(|t| t.active) else {
            return Err(AppError::Unauthorized.into());
        };
        if t.stale {
            db::tokens::touch(&mut tx, t.token_id)
                .await
                .map_err(AppError::from)?;
        }
        tx.commit().await.map_err(AppError::from)?;
        let user = CurrentUser {
            tenant_id: tenant,
            tenant_name: t.tenant_name,
            user_id: t.user_id,
            email: t.email,
            name: t.name,
            role: Role::parse(&t.role).unwrap_or(Role::Executive),
            session: None,
            flash: None,
            meta: RequestMeta::from_parts(parts),
        };
        user.record_in_span();
        Ok(ApiUser(user))
    }
}

/// Creates a token for `user` named `name`; returns the token text, which is shown once.
pub async fn create_token(
    conn: &mut sqlx::PgConnection,
    actor: &db::audit::Actor,
    tenant: TenantId,
    user: UserId,
    name: &str,
) -> Result<String, AppError> {
    let secret_value = secret::random_secret();
    let token = format!("{PREFIX}{}", secret::compose(tenant, &secret_value));
    let hint = format!("…{}", &secret_value[secret_value.len() - 6..]);
    let id = db::tokens::create(
        conn,
        tenant,
        user,
        name,
        &secret::hash_secret(&secret_value),
        &hint,
    )
    .await?;
    db::audit::record(
        conn,
        actor,
        "token.create",
        "api_token",
        Some(id.to_string()),
        serde_json::json!({ "name": name, "user_id": user }),
    )
    .await?;
    Ok(token)
}
