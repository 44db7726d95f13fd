//! Server-rendered pages (askama + htmx): one module per area, each with its own router.

mod account;
mod affiliations;
mod assets;
mod assignments;
mod audit;
mod champions;
mod extract;
mod facilities;
mod feedback;
mod follow_ups;
mod health;
mod home;
mod layout;
mod login;
mod merge;
mod organizations;
mod pager;
mod soon;
mod stakeholders;
mod touchpoints;
mod users;

pub use extract::{Form, Path, Query};
pub use layout::Layout;
pub use pager::Pager;

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult, error_page};

/// Every page route.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(health::router())
        .merge(assets::router())
        .merge(login::router())
        .merge(home::router())
        .merge(facilities::router())
        .merge(merge::router())
        .merge(stakeholders::router())
        .merge(organizations::router())
        .merge(affiliations::router())
        .merge(assignments::router())
        .merge(champions::router())
        .merge(feedback::router())
        .merge(touchpoints::router())
        .merge(follow_ups::router())
        .merge(users::router())
        .merge(account::router())
        .merge(audit::router())
        .merge(soon::router())
}

/// The 404 page for unknown paths (problem+json under `/api/`).
pub async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path().starts_with("/api/") {
        return crate::error::ApiError(AppError::NotFound).into_response();
    }
    error_page(
        StatusCode::NOT_FOUND,
        "Page not found",
        "There is no page at this address. Check the link, or start again from the home page.",
    )
}

/// Percent-encodes `s` for use in a query string.
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// After a successful POST: leave a flash message and redirect (303) to `to`.
pub async fn redirect_with_flash(
    state: &AppState,
    user: &CurrentUser,
    to: &str,
    message: &str,
) -> AppResult<Response> {
    crate::auth::set_flash(state, user, message).await?;
    Ok(Redirect::to(to).into_response())
}

/// `on` from a checkbox, anything else off.
pub fn checkbox(value: &Option<String>) -> bool {
    matches!(value.as_deref(), Some("on" | "true" | "1"))
}
