//! `/api/v1/export`: the whole workspace as one ZIP archive (admins), the same archive as
//! the Export page and `rapport export`.

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use serde::Deserialize;
use utoipa::IntoParams;

use super::Query;
use crate::app::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiResult, AppError};
use crate::export::Format;

pub fn router() -> Router<AppState> {
    Router::new().route("/export", post(create))
}

#[derive(Deserialize, IntoParams)]
pub struct ExportParams {
    /// csv (default: a header line per file) or json (JSON Lines).
    format: Option<String>,
}

/// Exports the workspace: a ZIP archive with a file per table and `manifest.json` (admins).
/// The archive streams as it is written; the export is audited.
#[utoipa::path(post, path = "/api/v1/export", tag = "export", params(ExportParams),
    responses((status = 200, content_type = "application/zip", description = "The archive"),
              (status = 400, body = crate::error::Problem), (status = 403, body = crate::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(p): Query<ExportParams>,
) -> ApiResult<Response> {
    user.require_admin()?;
    let format = Format::parse(p.format.as_deref().unwrap_or("csv"))
        .ok_or_else(|| AppError::BadRequest("format: use csv or json".into()))?;
    Ok(crate::web::export_stream(&state, &user, format).await?)
}
