//! The workspace export (admins only): a page that says what the archive holds and lists
//! recent exports, and the download itself, streamed as it is written.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use tokio::sync::mpsc;

use super::{Form, Layout};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::export::{self, Format};
use crate::postgres::tenant_tx;

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/export", get(page).post(download))
}

#[derive(Template, WebTemplate)]
#[template(path = "export.html")]
struct ExportPage {
    layout: Layout,
    recent: Vec<db::export::PastExport>,
}

async fn page(State(state): State<AppState>, user: CurrentUser) -> AppResult<ExportPage> {
    user.require_admin()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let recent = db::export::recent(&mut tx, 10).await?;
    tx.commit().await?;
    Ok(ExportPage {
        layout: Layout::new(&user, "Export the workspace", "export"),
        recent,
    })
}

#[derive(Deserialize)]
struct DownloadForm {
    format: Option<String>,
}

async fn download(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<DownloadForm>,
) -> AppResult<Response> {
    user.require_admin()?;
    let format = Format::parse(form.format.as_deref().unwrap_or("csv"))
        .ok_or_else(|| AppError::BadRequest("Choose CSV or JSON.".into()))?;
    stream(&state, &user, format).await
}

/// Starts the export and answers with the archive as it is written. The export runs in its
/// own task; if the download is abandoned, the task stops at its next piece.
pub async fn stream(state: &AppState, user: &CurrentUser, format: Format) -> AppResult<Response> {
    let mut conn = state.pools.app.acquire().await?;
    let tenant = db::tenants::find(&mut conn, user.tenant_id)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(conn);
    let name = export::file_name(&tenant, chrono::Utc::now());
    let (sender, receiver) = mpsc::channel(8);
    let pool = state.pools.app.clone();
    let actor = user.actor();
    tokio::spawn(async move {
        // The outcome is audited inside; a stopped download is not an error worth more.
        let _ = export::run_audited(&pool, &tenant, &actor, format, sender).await;
    });
    let pieces = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|piece| (piece, receiver))
    });
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            // Deflated already: the compression layer leaves a response with an encoding alone.
            (header::CONTENT_ENCODING, "identity".to_string()),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        Body::from_stream(pieces),
    )
        .into_response())
}
