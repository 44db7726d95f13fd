//! One error type for the web pages and one wrapper for the API. 4xx errors carry a
//! message for the user; 5xx errors show a generic page and the cause is logged once, here.

use std::collections::BTreeMap;

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

/// Field name to message, in a stable order.
pub type FieldErrors = BTreeMap<&'static str, String>;

/// Everything a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("sign in required")]
    Unauthorized,
    #[error("forbidden")]
    Forbidden,
    #[error("invalid input")]
    Invalid(FieldErrors),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    TooManyRequests(String),
    #[error("{0}")]
    TooLarge(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => AppError::NotFound,
            other => AppError::Internal(other.into()),
        }
    }
}

impl AppError {
    /// A single field error.
    pub fn field(name: &'static str, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::new();
        errors.insert(name, message.into());
        AppError::Invalid(errors)
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Title and detail a user may see (never internal causes).
    pub fn public_text(&self) -> (&'static str, String) {
        match self {
            AppError::NotFound => (
                "Not found",
                "There is nothing here, or it is not yours to see.".into(),
            ),
            AppError::Unauthorized => ("Sign in required", "Sign in to continue.".into()),
            AppError::Forbidden => (
                "Not allowed",
                "Your role does not allow this. Ask a workspace admin if you need it.".into(),
            ),
            AppError::Invalid(errors) => (
                "Check the input",
                errors
                    .iter()
                    .map(|(k, v)| format!("{k}: {v}"))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            AppError::BadRequest(m) => ("Bad request", m.clone()),
            AppError::Conflict(m) => ("Conflict", m.clone()),
            AppError::TooManyRequests(m) => ("Too many requests", m.clone()),
            AppError::TooLarge(m) => ("Too large", m.clone()),
            AppError::Internal(_) => (
                "Something went wrong",
                "The error has been logged. Try again in a moment.".into(),
            ),
        }
    }

    fn log(&self) {
        if let AppError::Internal(cause) = self {
            tracing::error!(error = ?cause, "request failed");
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    title: &'a str,
    detail: &'a str,
}

/// Renders the friendly error page for `status`.
pub fn error_page(status: StatusCode, title: &str, detail: &str) -> Response {
    let page = ErrorPage {
        status: status.as_u16(),
        title,
        detail,
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, title.to_string()).into_response(),
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        let status = self.status();
        let (title, detail) = self.public_text();
        error_page(status, title, &detail)
    }
}

/// An [`AppError`] rendered as RFC 9457 `application/problem+json`, for `/api/v1`.
#[derive(Debug)]
pub struct ApiError(pub AppError);

pub type ApiResult<T> = Result<T, ApiError>;

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

/// RFC 9457 problem details.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the problem type (`about:blank` when the status says it all).
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Per-field messages for validation errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<BTreeMap<String, String>>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.log();
        let status = self.0.status();
        let (title, detail) = self.0.public_text();
        let errors = match &self.0 {
            AppError::Invalid(fields) => Some(
                fields
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .collect(),
            ),
            _ => None,
        };
        let problem = Problem {
            kind: "about:blank".into(),
            title: title.into(),
            status: status.as_u16(),
            detail,
            errors,
        };
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (
            status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body,
        )
            .into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer realm=\"rapport\""),
            );
        }
        response
    }
}

/// Maps a violation of one of the named constraints to its field error; anything else stays
/// an error (internal, logged once).
pub fn on_constraints(e: sqlx::Error, map: &[(&str, &'static str, &str)]) -> AppError {
    if let sqlx::Error::Database(db) = &e
        && let Some((_, field, message)) = map
            .iter()
            .find(|(name, _, _)| db.constraint() == Some(*name))
    {
        return AppError::field(field, *message);
    }
    AppError::from(e)
}

/// Maps a violation of `constraint` to a field error on `field`.
pub fn on_constraint(
    e: sqlx::Error,
    constraint: &str,
    field: &'static str,
    message: &str,
) -> AppError {
    on_constraints(e, &[(constraint, field, message)])
}
