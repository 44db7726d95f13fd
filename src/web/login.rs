//! Sign in and sign out.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::{Form, Query};
use crate::app::AppState;
use crate::auth::{
    RequestMeta, end_session,
    login::{LoginOutcome, login},
};
use crate::error::AppResult;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(show).post(submit))
        .route("/logout", post(logout))
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    workspace: String,
    email: String,
    next: String,
    notice: Option<&'static str>,
    error: Option<String>,
    asset_version: &'static str,
}

#[derive(Deserialize, Default)]
struct LoginQuery {
    next: Option<String>,
    expired: Option<String>,
    signed_out: Option<String>,
    workspace: Option<String>,
}

/// Only a local path may follow sign-in: no `//host`, no scheme, no backslash tricks.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.contains("://") =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

async fn show(Query(q): Query<LoginQuery>) -> LoginPage {
    let notice = if q.signed_out.is_some() {
        Some("You have been signed out.")
    } else if q.expired.is_some() {
        Some("Your session ended after a period of inactivity. Sign in again to continue.")
    } else {
        None
    };
    LoginPage {
        workspace: q.workspace.unwrap_or_default(),
        email: String::new(),
        next: safe_next(q.next.as_deref()),
        notice,
        error: None,
        asset_version: super::assets::VERSION,
    }
}

#[derive(Deserialize)]
struct LoginForm {
    workspace: String,
    email: String,
    password: String,
    next: Option<String>,
}

async fn submit(
    State(state): State<AppState>,
    meta: RequestMeta,
    headers: axum::http::HeaderMap,
    Form(form): Form<LoginForm>,
) -> AppResult<Response> {
    let next = safe_next(form.next.as_deref());
    let page = |error: String, status: StatusCode| {
        (
            status,
            LoginPage {
                workspace: form.workspace.trim().to_string(),
                email: form.email.trim().to_string(),
                next: next.clone(),
                notice: None,
                error: Some(error),
                asset_version: super::assets::VERSION,
            },
        )
            .into_response()
    };
    if form.workspace.trim().is_empty() || form.email.trim().is_empty() || form.password.is_empty()
    {
        return Ok(page(
            "Enter your workspace, email and password.".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    }
    if form.password.len() > 1024 {
        return Ok(page(
            "Workspace, email or password is not right.".into(),
            StatusCode::UNAUTHORIZED,
        ));
    }
    match login(&state, &form.workspace, &form.email, &form.password, &meta).await? {
        LoginOutcome::Success { cookie_value } => {
            // A new session id on every sign-in: any session the browser had is ended.
            let cookie = state.cookie();
            if let Some(old) = cookie.read(&headers) {
                end_session(&state, &old, &meta).await?;
            }
            let mut response = Redirect::to(&next).into_response();
            response
                .headers_mut()
                .append(header::SET_COOKIE, cookie.set(&cookie_value));
            Ok(response)
        }
        LoginOutcome::Invalid => Ok(page(
            "Workspace, email or password is not right.".into(),
            StatusCode::UNAUTHORIZED,
        )),
        LoginOutcome::Throttled { retry_after_secs } => {
            let wait = if retry_after_secs > 90 {
                format!("{} minutes", (retry_after_secs + 59) / 60)
            } else {
                format!("{retry_after_secs} seconds")
            };
            let mut response = page(
                format!(
                    "Too many failed sign-in attempts. For your security, try again in {wait}."
                ),
                StatusCode::TOO_MANY_REQUESTS,
            );
            if let Ok(v) = header::HeaderValue::from_str(&retry_after_secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
            Ok(response)
        }
    }
}

async fn logout(
    State(state): State<AppState>,
    meta: RequestMeta,
    headers: axum::http::HeaderMap,
) -> AppResult<Response> {
    let cookie = state.cookie();
    if let Some(raw) = cookie.read(&headers) {
        end_session(&state, &raw, &meta).await?;
    }
    let mut response = Redirect::to("/login?signed_out=1").into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, cookie.clear());
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_follow_sign_in() {
        assert_eq!(safe_next(Some("/facilities?page=2")), "/facilities?page=2");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "evil",
            "/x?u=http://e",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
