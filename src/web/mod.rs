//! Server-rendered pages (askama + htmx): one module per area, each with its own router.

mod account;
mod affiliations;
mod assets;
mod assignments;
mod audit;
mod calendar;
mod campaigns;
mod champions;
mod export;
mod extract;
mod facilities;
mod feedback;
mod follow_ups;
mod health;
mod home;
mod import_mapping;
mod imports;
mod layout;
mod login;
mod merge;
mod organizations;
mod pager;
mod referrals;
mod segments;
mod settings;
mod soon;
mod stakeholders;
mod survey_public;
mod surveys;
mod touchpoints;
mod users;

pub(crate) use export::stream as export_stream;
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
        .merge(segments::router())
        .merge(campaigns::router())
        .merge(calendar::router())
        .merge(surveys::router())
        .merge(survey_public::router())
        .merge(touchpoints::router())
        .merge(follow_ups::router())
        .merge(users::router())
        .merge(account::router())
        .merge(audit::router())
        .merge(imports::router())
        .merge(export::router())
        .merge(import_mapping::router())
        .merge(referrals::router())
        .merge(settings::router())
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

/// A form's fields as sent, for forms with repeated names (checkbox groups, multi-selects).
pub struct Pairs(pub Vec<(String, String)>);

impl Pairs {
    /// Every value sent under `key`, in order.
    pub fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// The first value sent under `key`.
    pub fn one(&self, key: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    }

    /// A text field: its value, or empty.
    pub fn text(&self, key: &str) -> String {
        self.one(key).unwrap_or_default()
    }

    /// A list typed into one text field ("CA, NV") or sent as repeated fields.
    pub fn list(&self, key: &str) -> Vec<String> {
        self.all(key)
            .iter()
            .flat_map(|v| v.split([',', ';', '\n']))
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect()
    }
}

/// The origin that links sent outside the app start with (survey links): the configured
/// public URL, else the host the request came to.
pub fn link_origin(state: &AppState, headers: &axum::http::HeaderMap) -> String {
    if let Some(url) = &state.config.public_url {
        return url.trim_end_matches('/').to_string();
    }
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".:-[]".contains(c))
        })
        .unwrap_or("localhost");
    format!("http://{host}")
}
