//! Session cookies: parsing, the `CurrentUser` extractor for pages, idle and absolute
//! timeouts, flash messages, and ending sessions.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;

use super::{CurrentUser, RequestMeta, secret};
use crate::app::AppState;
use crate::db;
use crate::domain::{Role, TenantId};
use crate::error::AppError;
use crate::postgres::tenant_tx;

/// Builds and reads the session cookie (`__Host-` prefixed and `Secure` under HTTPS).
#[derive(Clone, Copy, Debug)]
pub struct SessionCookie {
    pub https: bool,
}

impl SessionCookie {
    pub fn name(self) -> &'static str {
        if self.https {
            "__Host-rapport_session"
        } else {
            "rapport_session"
        }
    }

    /// `Set-Cookie` value for a new session. No Max-Age: the browser drops it on exit,
    /// and the server enforces the idle and absolute timeouts.
    pub fn set(self, value: &str) -> HeaderValue {
        let secure = if self.https { "; Secure" } else { "" };
        HeaderValue::from_str(&format!(
            "{}={value}; Path=/; HttpOnly; SameSite=Lax{secure}",
            self.name()
        ))
        .unwrap_or_else(|_| HeaderValue::from_static(""))
    }

    pub fn clear(self) -> HeaderValue {
        let secure = if self.https { "; Secure" } else { "" };
        HeaderValue::from_str(&format!(
            "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}",
            self.name()
        ))
        .unwrap_or_else(|_| HeaderValue::from_static(""))
    }

    /// The session credential in `headers`, if any.
    pub fn read(self, headers: &HeaderMap) -> Option<String> {
        let name = self.name();
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    }
}

/// Why a page request has no user: never signed in, or the session timed out.
pub enum AuthRejection {
    SignIn {
        next: String,
        expired: bool,
        htmx: bool,
        clear: Option<HeaderValue>,
    },
    Error(AppError),
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        match self {
            AuthRejection::Error(e) => e.into_response(),
            AuthRejection::SignIn {
                next,
                expired,
                htmx,
                clear,
            } => {
                let mut target = String::from("/login");
                let mut params = Vec::new();
                if expired {
                    params.push("expired=1".to_string());
                }
                if next != "/" {
                    params.push(format!("next={}", crate::web::urlencode(&next)));
                }
                if !params.is_empty() {
                    target.push('?');
                    target.push_str(&params.join("&"));
                }
                let mut response = if htmx {
                    let mut r = axum::http::StatusCode::NO_CONTENT.into_response();
                    if let Ok(v) = HeaderValue::from_str(&target) {
                        r.headers_mut().insert("hx-redirect", v);
                    }
                    r
                } else {
                    Redirect::to(&target).into_response()
                };
                if let Some(clear) = clear {
                    response.headers_mut().append(header::SET_COOKIE, clear);
                }
                response
            }
        }
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AuthRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let cookie = state.cookie();
        let htmx = parts.headers.contains_key("hx-request");
        let next = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into());
        let next = if parts.method == Method::GET {
            next
        } else {
            "/".into()
        };
        let sign_in = |expired: bool, had_cookie: bool| AuthRejection::SignIn {
            next: next.clone(),
            expired,
            htmx,
            clear: had_cookie.then(|| cookie.clear()),
        };
        let Some(raw) = cookie.read(&parts.headers) else {
            return Err(sign_in(false, false));
        };
        let Some((tenant, secret_value)) = secret::decompose(&raw) else {
            return Err(sign_in(false, true));
        };
        let hash = secret::hash_secret(secret_value);
        let take_flash = parts.method == Method::GET && !htmx;
        let found = load(state, tenant, &hash, take_flash)
            .await
            .map_err(AuthRejection::Error)?;
        match found {
            Lookup::Missing => Err(sign_in(false, true)),
            Lookup::Expired => Err(sign_in(true, true)),
            Lookup::Found(mut user) => {
                user.meta = RequestMeta::from_parts(parts);
                user.record_in_span();
                Ok(*user)
            }
        }
    }
}

enum Lookup {
    Missing,
    Expired,
    Found(Box<CurrentUser>),
}

async fn load(
    state: &AppState,
    tenant: TenantId,
    hash: &[u8],
    take_flash: bool,
) -> Result<Lookup, AppError> {
    let mut tx = tenant_tx(&state.pools.app, tenant).await?;
    let Some(s) = db::sessions::find(&mut tx, hash).await? else {
        return Ok(Lookup::Missing);
    };
    let now = Utc::now();
    let idle = chrono::Duration::from_std(state.config.session_idle)
        .unwrap_or(chrono::Duration::minutes(15));
    if now > s.expires_at || now - s.last_seen_at > idle || !s.active {
        db::sessions::delete(&mut tx, hash).await?;
        tx.commit().await?;
        return Ok(Lookup::Expired);
    }
    // Writing on every request is wasted work: refresh the idle clock at most every 30 s.
    let stale = now - s.last_seen_at > chrono::Duration::seconds(30);
    // The flash is shown once, on the next full page; only then is it cleared.
    let show_flash = take_flash && s.flash.is_some();
    if show_flash || stale {
        db::sessions::touch(&mut tx, hash, show_flash).await?;
    }
    let flash = if show_flash { s.flash } else { None };
    tx.commit().await?;
    Ok(Lookup::Found(Box::new(CurrentUser {
        tenant_id: tenant,
        tenant_name: s.tenant_name,
        user_id: s.user_id,
        email: s.email,
        name: s.name,
        role: Role::parse(&s.role).unwrap_or(Role::Executive),
        session: Some(hash.to_vec()),
        flash,
        meta: RequestMeta::default(),
    })))
}

/// Leaves a one-time message for the user's next page.
pub async fn set_flash(
    state: &AppState,
    user: &CurrentUser,
    message: &str,
) -> Result<(), AppError> {
    if let Some(hash) = &user.session {
        let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
        db::sessions::set_flash(&mut tx, hash, message).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Deletes the session behind `raw` (a cookie value), if it exists; returns whether it did.
pub async fn end_session(
    state: &AppState,
    raw: &str,
    meta: &RequestMeta,
) -> Result<bool, AppError> {
    let Some((tenant, secret_value)) = secret::decompose(raw) else {
        return Ok(false);
    };
    let hash = secret::hash_secret(secret_value);
    let mut tx = tenant_tx(&state.pools.app, tenant).await?;
    let Some(s) = db::sessions::find(&mut tx, &hash).await? else {
        return Ok(false);
    };
    db::sessions::delete(&mut tx, &hash).await?;
    let actor = db::audit::Actor {
        tenant_id: tenant,
        user_id: Some(s.user_id),
        ip: meta.ip,
        request_id: meta.request_id.clone(),
    };
    db::audit::record(
        &mut tx,
        &actor,
        "auth.logout",
        "user",
        Some(s.user_id.to_string()),
        serde_json::json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}
