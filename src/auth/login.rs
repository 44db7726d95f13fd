//! Signing in: throttling, constant-cost password checks, a fresh session, audit events.

use chrono::Utc;

use super::{RequestMeta, secret};
use crate::app::AppState;
use crate::db::{self, audit::Actor, throttle};
use crate::domain::{Email, Slug};
use crate::error::AppError;
use crate::postgres::tenant_tx;

/// What a sign-in attempt came to.
#[derive(Debug)]
pub enum LoginOutcome {
    /// Signed in: the cookie value to set.
    Success { cookie_value: String },
    /// Wrong workspace, email or password (deliberately not saying which).
    Invalid,
    /// Too many recent failures; try again after this many seconds.
    Throttled { retry_after_secs: i64 },
}

/// Checks a workspace/email/password triple and opens a session when it is right.
pub async fn login(
    state: &AppState,
    workspace: &str,
    email: &str,
    password: &str,
    meta: &RequestMeta,
) -> Result<LoginOutcome, AppError> {
    let slug = Slug::parse(workspace)
        .map(|s| s.as_str().to_string())
        .unwrap_or_else(|_| workspace.trim().to_lowercase());
    let email = Email::parse(email)
        .map(|e| e.as_str().to_string())
        .unwrap_or_else(|_| email.trim().to_lowercase());
    let account_key = format!("acct:{slug}:{email}");
    let address_key = meta.ip.map(|ip| format!("ip:{ip}"));

    let mut conn = state.pools.app.acquire().await?;
    let mut locked = throttle::locked_until(&mut conn, &account_key).await?;
    if let Some(key) = &address_key {
        let by_address = throttle::locked_until(&mut conn, key).await?;
        locked = locked.max(by_address);
    }
    if let Some(until) = locked {
        return Ok(LoginOutcome::Throttled {
            retry_after_secs: (until - Utc::now()).num_seconds().max(1),
        });
    }
    let tenant = db::tenants::find_by_slug(&mut conn, &slug).await?;
    drop(conn);

    let credentials = match &tenant {
        Some(t) => {
            let mut tx = tenant_tx(&state.pools.app, t.id).await?;
            let c = db::users::credentials_by_email(&mut tx, &email).await?;
            tx.commit().await?;
            c
        }
        None => None,
    };
    // No pooled connection is held while hashing. An unknown user still costs one hash.
    let hash = credentials
        .as_ref()
        .filter(|c| c.active)
        .map(|c| c.password_hash.clone());
    let verified = state.hasher.verify(password, hash).await?;

    let Some(tenant) = tenant else {
        record_failure(state, &account_key, address_key.as_deref()).await?;
        tracing::info!(workspace = %slug, "sign-in failed: unknown workspace");
        return Ok(LoginOutcome::Invalid);
    };
    let actor = Actor {
        tenant_id: tenant.id,
        user_id: credentials.as_ref().map(|c| c.id),
        ip: meta.ip,
        request_id: meta.request_id.clone(),
    };
    let user = match credentials {
        Some(c) if verified => c,
        other => {
            record_failure(state, &account_key, address_key.as_deref()).await?;
            let reason = match other {
                None => "unknown email",
                Some(c) if !c.active => "deactivated user",
                Some(_) => "wrong password",
            };
            let mut tx = tenant_tx(&state.pools.app, tenant.id).await?;
            db::audit::record(
                &mut tx,
                &actor,
                "auth.login_failed",
                "user",
                actor.user_id.map(|id| id.to_string()),
                serde_json::json!({ "email": email, "reason": reason }),
            )
            .await?;
            tx.commit().await?;
            return Ok(LoginOutcome::Invalid);
        }
    };

    let secret_value = secret::random_secret();
    let absolute = chrono::Duration::from_std(state.config.session_absolute)
        .unwrap_or(chrono::Duration::hours(12));
    let mut tx = tenant_tx(&state.pools.app, tenant.id).await?;
    db::sessions::delete_expired(&mut tx, state.config.session_idle.as_secs() as i64).await?;
    db::sessions::create(
        &mut tx,
        tenant.id,
        &db::sessions::NewSession {
            id_hash: &secret::hash_secret(&secret_value),
            user_id: user.id,
            expires_at: Utc::now() + absolute,
            ip: meta.ip.map(|ip| ip.to_string()),
            user_agent: meta.user_agent.clone(),
        },
    )
    .await?;
    db::users::touch_login(&mut tx, user.id).await?;
    db::audit::record(
        &mut tx,
        &actor,
        "auth.login",
        "user",
        Some(user.id.to_string()),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;

    let mut conn = state.pools.app.acquire().await?;
    throttle::clear(&mut conn, &account_key).await?;
    Ok(LoginOutcome::Success {
        cookie_value: secret::compose(tenant.id, &secret_value),
    })
}

async fn record_failure(
    state: &AppState,
    account_key: &str,
    address_key: Option<&str>,
) -> Result<(), AppError> {
    let mut conn = state.pools.app.acquire().await?;
    throttle::record_failure(&mut conn, account_key, throttle::ACCOUNT).await?;
    if let Some(key) = address_key {
        throttle::record_failure(&mut conn, key, throttle::ADDRESS).await?;
    }
    Ok(())
}
