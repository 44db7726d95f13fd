//! Facilities pages: list (search, filter, sort, paginate), show, create and edit (admins).

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use super::pager::query_base;
use super::{Form, Layout, Pager, Path, Query, checkbox, redirect_with_flash};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::db::{
    self, PageRequest,
    facilities::{FacilityFilter, FacilityRow, FacilitySort},
};
use crate::domain::{FacilityDraft, FacilityId, FacilityKind, Npi};
use crate::error::{AppError, AppResult, FieldErrors, on_constraints};
use crate::postgres::tenant_tx;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/facilities", get(list).post(create))
        .route("/facilities/new", get(new))
        .route("/facilities/{id}", get(show).post(update))
        .route("/facilities/{id}/edit", get(edit))
}

const DUPLICATE: &str = "A facility with this name already exists in your workspace.";
const DUPLICATE_NPI: &str = "Another facility of your workspace has this NPI.";

/// Name and NPI clashes as field errors.
fn clash(e: sqlx::Error) -> AppError {
    on_constraints(
        e,
        &[
            (db::facilities::NAME_KEY, "name", DUPLICATE),
            (db::facilities::NPI_KEY, "npi", DUPLICATE_NPI),
        ],
    )
}

/// The NPI field: empty is none; anything else must be a valid NPI.
fn parse_npi(raw: &Option<String>, errors: &mut FieldErrors) -> Option<Npi> {
    let raw = raw.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
    Npi::parse(raw)
        .map_err(|e| errors.insert("npi", e.to_string()))
        .ok()
}

#[derive(Deserialize, Default)]
struct ListQuery {
    q: Option<String>,
    kind: Option<String>,
    status: Option<String>,
    sort: Option<String>,
    page: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "facilities/list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<FacilityRow>,
    pager: Pager,
    q: String,
    kind: String,
    status: String,
    sort: String,
    kinds: [FacilityKind; 8],
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
    let kind = query.kind.as_deref().and_then(FacilityKind::parse);
    let status = query.status.clone().unwrap_or_else(|| "active".into());
    let active = match status.as_str() {
        "all" => None,
        "archived" => Some(false),
        _ => Some(true),
    };
    let sort = FacilitySort::parse(query.sort.as_deref().unwrap_or("name"));
    let filter = FacilityFilter {
        q: q.clone(),
        kind,
        active,
        sort,
    };
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let page = db::facilities::list(&mut tx, &filter, PageRequest::new(query.page, None)).await?;
    tx.commit().await?;
    let sort_key = query.sort.clone().unwrap_or_default();
    let base = query_base(
        "/facilities",
        &[
            ("q", q.as_deref()),
            ("kind", kind.map(|k| k.as_str())),
            ("status", query.status.as_deref()),
            ("sort", query.sort.as_deref()),
        ],
    );
    Ok(ListPage {
        layout: Layout::new(&user, "Facilities", "facilities"),
        pager: Pager::new(&page, &base),
        rows: page.items,
        filtered: q.is_some() || kind.is_some() || status != "active",
        q: q.unwrap_or_default(),
        kind: kind.map(|k| k.as_str().to_string()).unwrap_or_default(),
        status,
        sort: sort_key,
        kinds: FacilityKind::ALL,
        can_edit: user.is_admin(),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "facilities/show.html")]
struct ShowPage {
    layout: Layout,
    f: FacilityRow,
    people: Vec<db::affiliations::AffiliationRow>,
    people_shown: i64,
    people_list_href: Option<String>,
    can_edit: bool,
    referrals: super::referrals::FacilitySection,
}

/// People listed on a facility's page.
const PEOPLE_SHOWN: i64 = 200;

async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<FacilityId>,
    Query(range): Query<super::referrals::RangeQuery>,
) -> AppResult<ShowPage> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let f = db::facilities::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let people = db::affiliations::people_at(
        &mut tx,
        crate::domain::AffiliationTarget::Facility(id.0),
        PEOPLE_SHOWN,
    )
    .await?;
    let referrals = super::referrals::facility_section(&mut tx, &user, &f, &range).await?;
    tx.commit().await?;
    Ok(ShowPage {
        referrals,
        layout: Layout::new(&user, f.name.clone(), "facilities"),
        f,
        people,
        people_shown: PEOPLE_SHOWN,
        people_list_href: Some(format!("/stakeholders?facility={id}")),
        can_edit: user.is_admin(),
    })
}

/// The form's fields as typed, so a rejected form comes back as the user left it.
#[derive(Deserialize, Default)]
struct FacilityForm {
    #[serde(flatten)]
    draft: FacilityDraft,
    active: Option<String>,
    npi: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "facilities/form.html")]
struct FormPage {
    layout: Layout,
    /// `None` for a new facility.
    id: Option<FacilityId>,
    form: FacilityDraft,
    /// The NPI as typed.
    npi: String,
    active: bool,
    errors: FieldErrors,
    kinds: [FacilityKind; 8],
}

impl FormPage {
    fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }
}

fn form_page(
    user: &CurrentUser,
    id: Option<FacilityId>,
    form: FacilityDraft,
    npi: Option<String>,
    active: bool,
    errors: FieldErrors,
) -> FormPage {
    let title = if id.is_some() {
        "Edit facility"
    } else {
        "New facility"
    };
    FormPage {
        layout: Layout::new(user, title, "facilities"),
        id,
        form,
        npi: npi.unwrap_or_default(),
        active,
        errors,
        kinds: FacilityKind::ALL,
    }
}

fn rejected(page: FormPage) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
}

async fn new(user: CurrentUser) -> AppResult<FormPage> {
    user.require_admin()?;
    let draft = FacilityDraft {
        kind: "hospital".into(),
        ..Default::default()
    };
    Ok(form_page(
        &user,
        None,
        draft,
        None,
        true,
        FieldErrors::new(),
    ))
}

async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<FacilityForm>,
) -> AppResult<Response> {
    user.require_admin()?;
    let validated = form.draft.validate(true);
    let mut errors = validated.as_ref().err().cloned().unwrap_or_default();
    let npi = parse_npi(&form.npi, &mut errors);
    let input = match validated {
        Ok(input) if errors.is_empty() => input,
        _ => {
            return Ok(rejected(form_page(
                &user, None, form.draft, form.npi, true, errors,
            )));
        }
    };
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let written = match db::facilities::create_audited(&mut tx, &user.actor(), &input).await {
        Ok(row) => db::facilities::set_npi_audited(&mut tx, &user.actor(), row.id, npi.as_ref())
            .await
            .map(|after| after.unwrap_or(row)),
        Err(e) => Err(e),
    };
    let row = match written {
        Ok(row) => row,
        Err(e) => {
            return match clash(e) {
                AppError::Invalid(errors) => Ok(rejected(form_page(
                    &user, None, form.draft, form.npi, true, errors,
                ))),
                other => Err(other),
            };
        }
    };
    tx.commit().await?;
    redirect_with_flash(
        &state,
        &user,
        &format!("/facilities/{}", row.id),
        &format!("Facility “{}” created.", row.name),
    )
    .await
}

async fn edit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<FacilityId>,
) -> AppResult<FormPage> {
    user.require_admin()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let f = db::facilities::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    let draft = FacilityDraft {
        name: f.name,
        kind: f.kind,
        address_line: f.address_line,
        city: f.city,
        state: f.state,
        postal_code: f.postal_code,
        phone: f.phone,
    };
    Ok(form_page(
        &user,
        Some(id),
        draft,
        f.npi,
        f.active,
        FieldErrors::new(),
    ))
}

async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<FacilityId>,
    Form(form): Form<FacilityForm>,
) -> AppResult<Response> {
    user.require_admin()?;
    let active = checkbox(&form.active);
    let validated = form.draft.validate(active);
    let mut errors = validated.as_ref().err().cloned().unwrap_or_default();
    let npi = parse_npi(&form.npi, &mut errors);
    let input = match validated {
        Ok(input) if errors.is_empty() => input,
        _ => {
            return Ok(rejected(form_page(
                &user,
                Some(id),
                form.draft,
                form.npi,
                active,
                errors,
            )));
        }
    };
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let written = match db::facilities::update_audited(&mut tx, &user.actor(), id, &input).await {
        Ok(Some(_)) => {
            db::facilities::set_npi_audited(&mut tx, &user.actor(), id, npi.as_ref()).await
        }
        other => other,
    };
    let row = match written {
        Ok(Some(row)) => row,
        Ok(None) => return Err(AppError::NotFound),
        Err(e) => {
            return match clash(e) {
                AppError::Invalid(errors) => Ok(rejected(form_page(
                    &user,
                    Some(id),
                    form.draft,
                    form.npi,
                    active,
                    errors,
                ))),
                other => Err(other),
            };
        }
    };
    tx.commit().await?;
    redirect_with_flash(
        &state,
        &user,
        &format!("/facilities/{}", row.id),
        "Facility saved.",
    )
    .await
}
