//! Audience segments: the list, the form with a live count and preview, delete.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use uuid::Uuid;

use super::{Form, Layout, Pairs, Path, Query, redirect_with_flash};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::db::segments::AudienceRow;
use crate::db::taxonomy::Specialty;
use crate::db::{self, PageRequest};
use crate::domain::{SegmentDraft, Stage, StakeholderKind, Tier};
use crate::error::{AppError, AppResult, FieldErrors, on_constraints};
use crate::postgres::tenant_tx;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/segments", get(list).post(create))
        .route("/segments/new", get(new))
        .route("/segments/preview", get(preview))
        .route("/segments/organizations", get(organizations))
        .route("/segments/{id}", get(show).post(update))
        .route("/segments/{id}/delete", post(delete))
}

/// A segment in the list, with its conditions in words and its live count.
pub struct SegmentItem {
    pub id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub summary: String,
    pub count: i64,
    pub campaigns: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "segments/list.html")]
struct ListPage {
    layout: Layout,
    items: Vec<SegmentItem>,
    can_plan: bool,
}

async fn list(State(state): State<AppState>, user: CurrentUser) -> AppResult<ListPage> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let segments = db::segments::list(&mut tx).await?;
    let defs: Vec<_> = segments.iter().map(|s| &s.definition.0).collect();
    let summaries = db::segments::summaries(&mut tx, &defs).await?;
    let mut items = Vec::new();
    for (s, summary) in segments.into_iter().zip(summaries) {
        items.push(SegmentItem {
            count: db::segments::count(&mut tx, &s.definition.0).await?,
            summary,
            id: s.id,
            name: s.name,
            description: s.description,
            campaigns: s.campaigns,
        });
    }
    tx.commit().await?;
    Ok(ListPage {
        layout: Layout::new(&user, "Segments", "segments"),
        items,
        can_plan: user.role.can_plan_campaigns(),
    })
}

/// The menus the form offers.
struct Choices {
    specialties: Vec<Specialty>,
    /// The organizations the segment names (others are found by the search).
    organizations: Vec<(Uuid, String)>,
    facilities: Vec<(Uuid, String)>,
    users: Vec<(Uuid, String)>,
    tags: Vec<String>,
}

async fn choices(tx: &mut sqlx::PgConnection, form: &SegmentDraft) -> AppResult<Choices> {
    let chosen: Vec<Uuid> = form
        .organization_ids
        .iter()
        .filter_map(|v| v.trim().parse().ok())
        .collect();
    let organizations = if chosen.is_empty() {
        Vec::new()
    } else {
        sqlx::query_as("select id, name from organizations where id = any($1) order by lower(name)")
            .bind(&chosen)
            .fetch_all(&mut *tx)
            .await?
    };
    Ok(Choices {
        specialties: db::taxonomy::used(tx).await?,
        organizations,
        facilities: db::facilities::choices(tx).await?,
        users: db::assignments::users(tx).await?,
        tags: db::stakeholders::tags(tx).await?,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "segments/form.html")]
struct FormPage {
    layout: Layout,
    id: Option<Uuid>,
    form: SegmentDraft,
    errors: FieldErrors,
    choices: Choices,
    /// The rendered preview fragment.
    preview: String,
    campaigns: i64,
    can_plan: bool,
}

impl FormPage {
    fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }

    fn kinds(&self) -> &'static [StakeholderKind] {
        StakeholderKind::ALL
    }

    fn tiers(&self) -> &'static [Tier] {
        Tier::ALL
    }

    fn stages(&self) -> &'static [Stage] {
        Stage::ALL
    }

    fn has(&self, list: &[String], v: &str) -> bool {
        list.iter().any(|x| x.eq_ignore_ascii_case(v))
    }

    fn has_id(&self, list: &[String], v: &Uuid) -> bool {
        let v = v.to_string();
        list.contains(&v)
    }

    fn joined(&self, list: &[String]) -> String {
        list.join(", ")
    }

    fn action(&self) -> String {
        match self.id {
            Some(id) => format!("/segments/{id}"),
            None => "/segments".into(),
        }
    }
}

/// The live count and the first people of a definition (an htmx fragment of the form).
#[derive(Template, WebTemplate)]
#[template(path = "segments/_preview.html")]
pub struct PreviewPart {
    pub count: i64,
    pub people: Vec<AudienceRow>,
    pub summary: String,
    pub invalid: bool,
}

fn draft_of(p: &Pairs) -> SegmentDraft {
    SegmentDraft {
        name: p.text("name"),
        description: p.one("description"),
        kinds: p.all("kinds"),
        taxonomy_codes: p.all("taxonomy_codes"),
        organization_ids: p.all("organization_ids"),
        facility_ids: p.all("facility_ids"),
        states: p.list("states"),
        cities: p.list("cities"),
        zips: p.list("zips"),
        tiers: p.all("tiers"),
        tags: p.list("tags"),
        stages: p.all("stages"),
        manager_ids: p.all("manager_ids"),
        include_do_not_contact: super::checkbox(&p.one("include_do_not_contact")),
    }
}

async fn preview_of(tx: &mut sqlx::PgConnection, draft: &SegmentDraft) -> AppResult<PreviewPart> {
    // The preview counts even before the segment has a name.
    let named = SegmentDraft {
        name: if draft.name.trim().is_empty() {
            "preview".into()
        } else {
            draft.name.clone()
        },
        ..draft.clone()
    };
    let Ok(input) = named.validate() else {
        return Ok(PreviewPart {
            count: 0,
            people: Vec::new(),
            summary: String::new(),
            invalid: true,
        });
    };
    let d = &input.definition;
    let page = db::segments::preview(tx, d, PageRequest::new(Some(1), Some(8))).await?;
    Ok(PreviewPart {
        count: db::segments::count(tx, d).await?,
        people: page.items,
        summary: db::segments::summary(tx, d).await?,
        invalid: false,
    })
}

async fn form_page(
    state: &AppState,
    user: &CurrentUser,
    id: Option<Uuid>,
    form: SegmentDraft,
    errors: FieldErrors,
    campaigns: i64,
) -> AppResult<FormPage> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let choices = choices(&mut tx, &form).await?;
    let preview = preview_of(&mut tx, &form)
        .await?
        .render()
        .map_err(|e| AppError::Internal(e.into()))?;
    tx.commit().await?;
    let title = if id.is_some() {
        format!("Segment: {}", form.name)
    } else {
        "New segment".into()
    };
    Ok(FormPage {
        layout: Layout::new(user, title, "segments"),
        id,
        form,
        errors,
        choices,
        preview,
        campaigns,
        can_plan: user.role.can_plan_campaigns(),
    })
}

async fn new(State(state): State<AppState>, user: CurrentUser) -> AppResult<FormPage> {
    user.require_campaign_planner()?;
    let form = SegmentDraft {
        kinds: vec!["physician".into()],
        ..Default::default()
    };
    form_page(&state, &user, None, form, FieldErrors::new(), 0).await
}

async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> AppResult<FormPage> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let s = db::segments::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    let form = SegmentDraft::from_definition(&s.name, s.description.as_deref(), &s.definition.0);
    form_page(
        &state,
        &user,
        Some(id),
        form,
        FieldErrors::new(),
        s.campaigns,
    )
    .await
}

async fn preview(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(pairs): Query<Vec<(String, String)>>,
) -> AppResult<Response> {
    let draft = draft_of(&Pairs(pairs));
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let part = preview_of(&mut tx, &draft).await?;
    tx.commit().await?;
    let mut headers = HeaderMap::new();
    headers.insert("vary", axum::http::HeaderValue::from_static("HX-Request"));
    Ok((headers, part).into_response())
}

async fn save(
    state: &AppState,
    user: &CurrentUser,
    id: Option<Uuid>,
    pairs: Vec<(String, String)>,
) -> AppResult<Response> {
    user.require_campaign_planner()?;
    let draft = draft_of(&Pairs(pairs));
    let campaigns = match id {
        Some(id) => {
            let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
            let s = db::segments::find(&mut tx, id)
                .await?
                .ok_or(AppError::NotFound)?;
            s.campaigns
        }
        None => 0,
    };
    let input = match draft.validate() {
        Ok(i) => i,
        Err(errors) => {
            let page = form_page(state, user, id, draft, errors, campaigns).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let saved = match db::segments::save_audited(&mut tx, &user.actor(), id, &input).await {
        Ok(saved) => saved.ok_or(AppError::NotFound)?,
        Err(e) => {
            return match on_constraints(e, db::segments::CONSTRAINTS) {
                AppError::Invalid(errors) => {
                    drop(tx);
                    let page = form_page(state, user, id, draft, errors, campaigns).await?;
                    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
                }
                other => Err(other),
            };
        }
    };
    tx.commit().await?;
    redirect_with_flash(
        state,
        user,
        &format!("/segments/{saved}"),
        "Segment saved. Campaigns that are still being planned follow it; active ones keep their frozen member list.",
    )
    .await
}

async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    save(&state, &user, None, pairs).await
}

async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    save(&state, &user, Some(id), pairs).await
}

async fn delete(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> AppResult<Response> {
    user.require_campaign_planner()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    match db::segments::delete_audited(&mut tx, &user.actor(), id).await? {
        None => Err(AppError::NotFound),
        Some(false) => {
            drop(tx);
            redirect_with_flash(
                &state,
                &user,
                &format!("/segments/{id}"),
                "This segment defines the audience of a campaign, so it stays. Choose another segment for those campaigns first.",
            )
            .await
        }
        Some(true) => {
            tx.commit().await?;
            redirect_with_flash(&state, &user, "/segments", "Segment deleted.").await
        }
    }
}

#[derive(serde::Deserialize, Default)]
struct OrgQuery {
    org_q: Option<String>,
}

/// Up to ten organizations matching the search, as checkboxes for the segment form.
#[derive(Template, WebTemplate)]
#[template(path = "segments/_orgs.html")]
struct OrgsPart {
    orgs: Vec<(Uuid, String, Option<String>)>,
    searched: bool,
}

async fn organizations(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<OrgQuery>,
) -> AppResult<OrgsPart> {
    let text = q.org_q.unwrap_or_default();
    let filter = db::organizations::OrganizationFilter {
        q: Some(text.trim().chars().take(100).collect::<String>()).filter(|t| !t.is_empty()),
        kind: None,
        archived: Some(false),
    };
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let page =
        db::organizations::list(&mut tx, &filter, PageRequest::new(Some(1), Some(10))).await?;
    tx.commit().await?;
    Ok(OrgsPart {
        orgs: page
            .items
            .into_iter()
            .map(|o| (o.id, o.name, o.city))
            .collect(),
        searched: filter.q.is_some(),
    })
}
