//! The column-mapping screen of a stakeholder CSV import: each column with the field it was
//! matched to from its header (changeable), and the first rows as they will be read.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use uuid::Uuid;

use super::{Form, Layout, Path, redirect_with_flash};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::db;
use crate::db::imports::JobRow;
use crate::domain::ImportStatus;
use crate::error::{AppError, AppResult};
use crate::imports::stakeholders::{self, Field, Mapping, Preview};
use crate::postgres::tenant_tx;

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/imports/{id}/mapping", get(page).post(save))
}

/// Rows shown under the columns.
const PREVIEW_ROWS: usize = 5;

#[derive(Template, WebTemplate)]
#[template(path = "imports/mapping.html")]
struct MappingPage {
    layout: Layout,
    job: JobRow,
    preview: Result<Preview, String>,
    chosen: Vec<Field>,
    error: Option<String>,
    fields: &'static [Field],
}

impl MappingPage {
    fn is_chosen(&self, column: &usize, field: &Field) -> bool {
        self.chosen.get(*column) == Some(field)
    }
}

async fn load(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
) -> AppResult<(JobRow, Result<Preview, String>)> {
    user.require_admin()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let job = db::imports::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let first = db::imports::chunk(&mut tx, id, 0).await?;
    tx.commit().await?;
    if job.status() != ImportStatus::Mapping {
        return Err(AppError::Conflict(
            "This import is not waiting for its columns to be matched.".into(),
        ));
    }
    let preview = match first {
        Some(bytes) => stakeholders::preview(bytes.as_slice(), PREVIEW_ROWS),
        None => Err("The uploaded file is no longer kept: upload it again.".into()),
    };
    Ok((job, preview))
}

async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> AppResult<Response> {
    let (job, preview) = match load(&state, &user, id).await {
        Err(AppError::Conflict(_)) => {
            return Ok(
                axum::response::Redirect::to(&format!("/admin/imports/{id}")).into_response(),
            );
        }
        other => other?,
    };
    let chosen = preview
        .as_ref()
        .map(|p| p.suggested.clone())
        .unwrap_or_default();
    Ok(MappingPage {
        layout: Layout::new(&user, "Match the columns", "imports"),
        job,
        preview,
        chosen,
        error: None,
        fields: Field::ALL,
    }
    .into_response())
}

async fn save(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let (job, preview) = load(&state, &user, id).await?;
    let keys: Vec<String> = pairs
        .into_iter()
        .filter(|(k, _)| k == "field")
        .map(|(_, v)| v)
        .collect();
    let columns = preview.as_ref().map(|p| p.headers.len()).unwrap_or(0);
    let checked = if keys.len() != columns {
        Err(format!(
            "Choose a field for each of the {columns} columns (got {}).",
            keys.len()
        ))
    } else {
        Mapping::from_keys(&keys)
    };
    let mapping = match checked {
        Ok(m) => m,
        Err(message) => {
            let chosen = keys
                .iter()
                .map(|k| Field::parse(k).unwrap_or(Field::Ignore))
                .collect();
            let mut response = MappingPage {
                layout: Layout::new(&user, "Match the columns", "imports"),
                job,
                preview,
                chosen,
                error: Some(message),
                fields: Field::ALL,
            }
            .into_response();
            *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(response);
        }
    };
    let keys: Vec<String> = mapping
        .fields()
        .iter()
        .map(|f| f.key().to_string())
        .collect();
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    if !db::imports::map_and_queue_audited(&mut tx, &user.actor(), id, &keys).await? {
        return Err(AppError::Conflict(
            "This import is not waiting for its columns to be matched.".into(),
        ));
    }
    tx.commit().await?;
    state.jobs.job_queued();
    redirect_with_flash(
        &state,
        &user,
        &format!("/admin/imports/{id}"),
        "Columns matched; the import is running.",
    )
    .await
}
