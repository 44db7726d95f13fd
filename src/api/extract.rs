//! API extractors: a rejection becomes problem+json.
#![allow(clippy::disallowed_types)]

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts};

use crate::error::{ApiError, AppError};

/// A JSON body; malformed JSON or a wrong content type is a 400/415-style problem.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Json<T>(pub T);

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

impl From<JsonRejection> for AppError {
    fn from(e: JsonRejection) -> Self {
        AppError::BadRequest(format!(
            "The JSON body could not be read: {}",
            e.body_text()
        ))
    }
}
