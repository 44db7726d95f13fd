//! Affiliation forms: add, change or remove where a stakeholder works or holds privileges.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use uuid::Uuid;

use super::{Form, Layout, Path, redirect_with_flash};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::db::{self, affiliations::Place};
use crate::domain::{AffiliationDraft, AffiliationRole};
use crate::error::{AppError, AppResult, FieldErrors, on_constraints};
use crate::postgres::tenant_tx;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/stakeholders/{id}/affiliations", post(create))
        .route("/stakeholders/{id}/affiliations/new", get(new))
        .route("/affiliations/{id}", post(update))
        .route("/affiliations/{id}/edit", get(edit))
        .route("/affiliations/{id}/delete", post(delete))
}

/// The form as typed; `place` is `o:<id>` or `f:<id>`.
#[derive(Deserialize, Default, Clone)]
struct AffiliationForm {
    #[serde(default)]
    place: String,
    #[serde(default)]
    role: String,
    title: Option<String>,
    is_primary: Option<String>,
    starts_on: Option<String>,
    ends_on: Option<String>,
}

impl AffiliationForm {
    fn draft(&self) -> AffiliationDraft {
        let (org, facility) = match self.place.split_once(':') {
            Some(("o", id)) => (Some(id.to_string()), None),
            Some(("f", id)) => (None, Some(id.to_string())),
            _ => (None, None),
        };
        AffiliationDraft {
            organization_id: org,
            facility_id: facility,
            role: self.role.clone(),
            title: self.title.clone(),
            is_primary: super::checkbox(&self.is_primary),
            starts_on: self.starts_on.clone(),
            ends_on: self.ends_on.clone(),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "affiliations/form.html")]
struct FormPage {
    layout: Layout,
    stakeholder_id: Uuid,
    stakeholder_name: String,
    id: Option<Uuid>,
    form: AffiliationForm,
    errors: FieldErrors,
    places: Vec<Place>,
    roles: &'static [AffiliationRole],
}

impl FormPage {
    fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }

    fn opt<'a>(&self, v: &'a Option<String>) -> &'a str {
        v.as_deref().unwrap_or_default()
    }
}

async fn form_page(
    state: &AppState,
    user: &CurrentUser,
    stakeholder: Uuid,
    id: Option<Uuid>,
    form: AffiliationForm,
    mut errors: FieldErrors,
) -> AppResult<FormPage> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let person = db::stakeholders::find(&mut tx, crate::domain::StakeholderId(stakeholder))
        .await?
        .ok_or(AppError::NotFound)?;
    let mut places = db::affiliations::places(&mut tx).await?;
    if !form.place.is_empty()
        && !places.iter().any(|p| p.key == form.place)
        && let Some(current) = db::affiliations::place(&mut tx, &form.place).await?
    {
        places.insert(0, current);
    }
    tx.commit().await?;
    // The place select reports as one field.
    for field in ["organization_id", "facility_id"] {
        if let Some(e) = errors.remove(field) {
            errors.insert("place", e);
        }
    }
    let title = if id.is_some() {
        "Edit affiliation"
    } else {
        "Add affiliation"
    };
    Ok(FormPage {
        layout: Layout::new(user, title, "stakeholders"),
        stakeholder_id: stakeholder,
        stakeholder_name: person.display_name(),
        id,
        form,
        errors,
        places,
        roles: AffiliationRole::ALL,
    })
}

async fn new(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> AppResult<FormPage> {
    user.require_book_editor()?;
    let form = AffiliationForm {
        role: "practices_at".into(),
        ..Default::default()
    };
    form_page(&state, &user, id, None, form, FieldErrors::new()).await
}

async fn save(
    state: &AppState,
    user: &CurrentUser,
    stakeholder: Uuid,
    id: Option<Uuid>,
    form: AffiliationForm,
) -> AppResult<Response> {
    user.require_book_editor()?;
    let input = match form.draft().validate() {
        Ok(input) => input,
        Err(errors) => {
            let page = form_page(state, user, stakeholder, id, form, errors).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    if db::stakeholders::find(&mut tx, crate::domain::StakeholderId(stakeholder))
        .await?
        .is_none()
    {
        return Err(AppError::NotFound);
    }
    match db::affiliations::save_audited(&mut tx, &user.actor(), stakeholder, id, &input).await {
        Ok(Some(_)) => {}
        Ok(None) => return Err(AppError::NotFound),
        Err(e) => {
            return match on_constraints(e, db::affiliations::CONSTRAINTS) {
                AppError::Invalid(errors) => {
                    drop(tx);
                    let page = form_page(state, user, stakeholder, id, form, errors).await?;
                    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
                }
                other => Err(other),
            };
        }
    }
    tx.commit().await?;
    let message = if id.is_some() {
        "Affiliation saved."
    } else {
        "Affiliation added."
    };
    redirect_with_flash(
        state,
        user,
        &format!("/stakeholders/{stakeholder}#affiliations"),
        message,
    )
    .await
}

async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<AffiliationForm>,
) -> AppResult<Response> {
    save(&state, &user, id, None, form).await
}

async fn edit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> AppResult<FormPage> {
    user.require_book_editor()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let a = db::affiliations::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    let place = match (a.organization_id, a.facility_id) {
        (Some(o), _) => format!("o:{o}"),
        (_, Some(f)) => format!("f:{f}"),
        _ => String::new(),
    };
    let form = AffiliationForm {
        place,
        role: a.role.clone(),
        title: a.title.clone(),
        is_primary: a.is_primary.then(|| "on".into()),
        starts_on: a.starts_on.map(|d| d.to_string()),
        ends_on: a.ends_on.map(|d| d.to_string()),
    };
    form_page(
        &state,
        &user,
        a.stakeholder_id,
        Some(id),
        form,
        FieldErrors::new(),
    )
    .await
}

async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<AffiliationForm>,
) -> AppResult<Response> {
    user.require_book_editor()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let a = db::affiliations::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    save(&state, &user, a.stakeholder_id, Some(id), form).await
}

async fn delete(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> AppResult<Response> {
    user.require_book_editor()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let stakeholder = db::affiliations::delete_audited(&mut tx, &user.actor(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    redirect_with_flash(
        &state,
        &user,
        &format!("/stakeholders/{stakeholder}#affiliations"),
        "Affiliation removed.",
    )
    .await
}
