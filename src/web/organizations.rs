//! Organization pages: list (search, kind, status, pages), profile with child
//! organizations, create and edit (not executives), archive and restore.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use uuid::Uuid;

use super::pager::query_base;
use super::{Form, Layout, Pager, Path, Query, redirect_with_flash};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::db::organizations::{CONSTRAINTS, OrganizationFilter, OrganizationRow};
use crate::db::{self, PageRequest};
use crate::domain::{OrganizationDraft, OrganizationKind};
use crate::error::{AppError, AppResult, FieldErrors, on_constraints};
use crate::postgres::tenant_tx;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/organizations", get(list).post(create))
        .route("/organizations/new", get(new))
        .route("/organizations/{id}", get(show).post(update))
        .route("/organizations/{id}/edit", get(edit))
        .route("/organizations/{id}/archive", post(archive))
        .route("/organizations/{id}/restore", post(restore))
}

#[derive(Deserialize, Default)]
struct ListQuery {
    q: Option<String>,
    kind: Option<String>,
    status: Option<String>,
    page: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "organizations/list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<OrganizationRow>,
    pager: Pager,
    q: String,
    kind: String,
    status: String,
    kinds: &'static [OrganizationKind],
    can_edit: bool,
    filtered: bool,
}

async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<ListQuery>,
) -> AppResult<ListPage> {
    let q = query
        .q
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.chars().take(100).collect::<String>());
    let kind = query.kind.as_deref().and_then(OrganizationKind::parse);
    let status = query.status.clone().unwrap_or_else(|| "active".into());
    let filter = OrganizationFilter {
        q: q.clone(),
        kind,
        archived: match status.as_str() {
            "archived" => Some(true),
            "all" => None,
            _ => Some(false),
        },
    };
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let page =
        db::organizations::list(&mut tx, &filter, PageRequest::new(query.page, None)).await?;
    tx.commit().await?;
    let base = query_base(
        "/organizations",
        &[
            ("q", q.as_deref()),
            ("kind", kind.map(OrganizationKind::as_str)),
            ("status", query.status.as_deref()),
        ],
    );
    Ok(ListPage {
        layout: Layout::new(&user, "Organizations", "organizations"),
        pager: Pager::new(&page, &base),
        rows: page.items,
        filtered: q.is_some() || kind.is_some() || status != "active",
        q: q.unwrap_or_default(),
        kind: kind.map(|k| k.as_str().to_string()).unwrap_or_default(),
        status,
        kinds: OrganizationKind::ALL,
        can_edit: user.role.can_edit_book(),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "organizations/show.html")]
struct ShowPage {
    layout: Layout,
    o: OrganizationRow,
    children: Vec<(Uuid, String)>,
    people: Vec<db::affiliations::AffiliationRow>,
    people_shown: i64,
    people_list_href: Option<String>,
    can_edit: bool,
    referrals: super::referrals::OrganizationSection,
}

/// People listed on an organization's page.
const PEOPLE_SHOWN: i64 = 200;

async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Query(range): Query<super::referrals::RangeQuery>,
) -> AppResult<ShowPage> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let o = db::organizations::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let children = db::organizations::children(&mut tx, id).await?;
    let people = db::affiliations::people_at(
        &mut tx,
        crate::domain::AffiliationTarget::Organization(id),
        PEOPLE_SHOWN,
    )
    .await?;
    let referrals = super::referrals::organization_section(&mut tx, &user, id, &range).await?;
    tx.commit().await?;
    Ok(ShowPage {
        referrals,
        layout: Layout::new(&user, o.name.clone(), "organizations"),
        o,
        children,
        people,
        people_shown: PEOPLE_SHOWN,
        people_list_href: Some(format!("/stakeholders?org={id}")),
        can_edit: user.role.can_edit_book(),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "organizations/form.html")]
struct FormPage {
    layout: Layout,
    id: Option<Uuid>,
    form: OrganizationDraft,
    errors: FieldErrors,
    parents: Vec<(Uuid, String)>,
    kinds: &'static [OrganizationKind],
}

impl FormPage {
    fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }

    fn opt<'a>(&self, v: &'a Option<String>) -> &'a str {
        v.as_deref().unwrap_or_default()
    }

    fn is_parent(&self, id: &Uuid) -> bool {
        self.form.parent_id.as_deref() == Some(id.to_string().as_str())
    }
}

async fn form_page(
    state: &AppState,
    user: &CurrentUser,
    id: Option<Uuid>,
    form: OrganizationDraft,
    errors: FieldErrors,
) -> AppResult<FormPage> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let parents = db::organizations::choices(&mut tx)
        .await?
        .into_iter()
        .filter(|(p, _)| Some(*p) != id)
        .collect();
    tx.commit().await?;
    Ok(FormPage {
        layout: Layout::new(
            user,
            if id.is_some() {
                "Edit organization"
            } else {
                "New organization"
            },
            "organizations",
        ),
        id,
        form,
        errors,
        parents,
        kinds: OrganizationKind::ALL,
    })
}

async fn new(State(state): State<AppState>, user: CurrentUser) -> AppResult<FormPage> {
    user.require_book_editor()?;
    let form = OrganizationDraft {
        kind: "practice".into(),
        ..Default::default()
    };
    form_page(&state, &user, None, form, FieldErrors::new()).await
}

async fn save(
    state: &AppState,
    user: &CurrentUser,
    id: Option<Uuid>,
    form: OrganizationDraft,
) -> AppResult<Response> {
    user.require_book_editor()?;
    let input = match form.validate() {
        Ok(input) => input,
        Err(errors) => {
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                form_page(state, user, id, form, errors).await?,
            )
                .into_response());
        }
    };
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let saved = match db::organizations::save_audited(&mut tx, &user.actor(), id, &input).await {
        Ok(Some(saved)) => saved,
        Ok(None) => return Err(AppError::NotFound),
        Err(e) => {
            drop(tx);
            return match on_constraints(e, CONSTRAINTS) {
                AppError::Invalid(errors) => Ok((
                    StatusCode::UNPROCESSABLE_ENTITY,
                    form_page(state, user, id, form, errors).await?,
                )
                    .into_response()),
                other => Err(other),
            };
        }
    };
    tx.commit().await?;
    let message = if id.is_some() {
        "Organization saved.".to_string()
    } else {
        format!("{} added.", input.name)
    };
    redirect_with_flash(state, user, &format!("/organizations/{saved}"), &message).await
}

async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<OrganizationDraft>,
) -> AppResult<Response> {
    save(&state, &user, None, form).await
}

async fn edit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> AppResult<FormPage> {
    user.require_book_editor()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let o = db::organizations::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    let form = OrganizationDraft {
        name: o.name,
        kind: o.kind,
        parent_id: o.parent_id.map(|p| p.to_string()),
        npi: o.npi,
        address_line: o.address_line,
        city: o.city,
        state: o.state,
        postal_code: o.postal_code,
        phone: o.phone,
        website: o.website,
    };
    form_page(&state, &user, Some(id), form, FieldErrors::new()).await
}

async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<OrganizationDraft>,
) -> AppResult<Response> {
    save(&state, &user, Some(id), form).await
}

async fn set_archived(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    archived: bool,
) -> AppResult<Response> {
    user.require_book_editor()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    if db::set_archived(
        &mut tx,
        &user.actor(),
        db::Archivable::Organization,
        id,
        archived,
    )
    .await?
    .is_none()
    {
        return Err(AppError::NotFound);
    }
    tx.commit().await?;
    let message = if archived {
        "Archived: it leaves the default lists and keeps its history."
    } else {
        "Restored to the active list."
    };
    redirect_with_flash(state, user, &format!("/organizations/{id}"), message).await
}

async fn archive(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> AppResult<Response> {
    set_archived(&state, &user, id, true).await
}

async fn restore(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> AppResult<Response> {
    set_archived(&state, &user, id, false).await
}
