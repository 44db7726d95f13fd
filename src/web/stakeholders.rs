//! Stakeholder pages: the list (search, filters, sort, pages, CSV export, bulk changes),
//! the profile page, and the create/edit form.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::pager::query_base;
use super::{Form, Layout, Pager, Path, Query, redirect_with_flash};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::db::affiliations::AffiliationRow;
use crate::db::assignments::AssignmentRow;
use crate::db::champions::StageChangeRow;
use crate::db::influence::InfluenceRow;
use crate::db::stakeholders::{
    BulkChange, CONSTRAINTS, StakeholderFilter, StakeholderRow, StakeholderSort,
};
use crate::db::taxonomy::Specialty;
use crate::db::timeline::TimelineEntry;
use crate::db::{self, PageRequest};
use crate::domain::{
    AssignmentRole, Channel, Stage, StageMoveDraft, StakeholderDraft, StakeholderId,
    StakeholderKind, Tier, clean_tags,
};
use crate::error::{AppError, AppResult, FieldErrors, on_constraints};
use crate::postgres::tenant_tx;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/stakeholders", get(list).post(create))
        .route("/stakeholders/export.csv", get(export))
        .route("/stakeholders/bulk", post(bulk))
        .route("/stakeholders/new", get(new))
        .route("/stakeholders/{id}", get(show).post(update))
        .route("/stakeholders/{id}/edit", get(edit))
        .route("/stakeholders/{id}/archive", post(archive))
        .route("/stakeholders/{id}/restore", post(restore))
}

#[derive(Deserialize, Default, Clone)]
struct ListQuery {
    q: Option<String>,
    kind: Option<String>,
    tier: Option<String>,
    specialty: Option<String>,
    tag: Option<String>,
    stage: Option<String>,
    org: Option<String>,
    facility: Option<String>,
    status: Option<String>,
    sort: Option<String>,
    page: Option<i64>,
}

impl ListQuery {
    fn filter(&self) -> StakeholderFilter {
        let text = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| s.chars().take(100).collect())
        };
        StakeholderFilter {
            q: text(&self.q),
            kind: self.kind.as_deref().and_then(StakeholderKind::parse),
            tier: self.tier.as_deref().and_then(Tier::parse),
            taxonomy_code: text(&self.specialty),
            tag: text(&self.tag).map(|t: String| t.to_lowercase()),
            stage: self.stage.as_deref().and_then(Stage::parse),
            organization_id: self.org.as_deref().and_then(|o| o.parse().ok()),
            facility_id: self.facility.as_deref().and_then(|f| f.parse().ok()),
            archived: match self.status.as_deref() {
                Some("archived") => Some(true),
                Some("all") => None,
                _ => Some(false),
            },
            sort: StakeholderSort::parse(self.sort.as_deref().unwrap_or("name")),
        }
    }

    /// The list's address with these filters (and no page number).
    fn base(&self, path: &str) -> String {
        let f = self.filter();
        query_base(
            path,
            &[
                ("q", f.q.as_deref()),
                ("kind", f.kind.map(StakeholderKind::as_str)),
                ("tier", f.tier.map(Tier::as_str)),
                ("specialty", f.taxonomy_code.as_deref()),
                ("tag", f.tag.as_deref()),
                ("stage", f.stage.map(Stage::as_str)),
                ("org", f.organization_id.map(|o| o.to_string()).as_deref()),
                ("facility", f.facility_id.map(|x| x.to_string()).as_deref()),
                (
                    "status",
                    self.status
                        .as_deref()
                        .filter(|s| *s == "archived" || *s == "all"),
                ),
                ("sort", Some(f.sort.as_str()).filter(|s| *s != "name")),
            ],
        )
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "stakeholders/list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<StakeholderRow>,
    pager: Pager,
    filter: StakeholderFilter,
    status: String,
    specialties: Vec<Specialty>,
    tags: Vec<String>,
    kinds: &'static [StakeholderKind],
    tiers: &'static [Tier],
    can_edit: bool,
    filtered: bool,
    export_href: String,
    users: Vec<(uuid::Uuid, String)>,
    stages: &'static [Stage],
    return_to: String,
    /// The organization the list is narrowed to, if any.
    organization: Option<(uuid::Uuid, String)>,
    facilities: Vec<(uuid::Uuid, String)>,
}

async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<ListQuery>,
) -> AppResult<ListPage> {
    let filter = query.filter();
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let page = db::stakeholders::list(&mut tx, &filter, PageRequest::new(query.page, None)).await?;
    let specialties = db::taxonomy::used(&mut tx).await?;
    let tags = db::stakeholders::tags(&mut tx).await?;
    let organization = match filter.organization_id {
        Some(id) => db::organizations::find(&mut tx, id)
            .await?
            .map(|o| (id, o.name)),
        None => None,
    };
    let facilities = db::facilities::choices(&mut tx).await?;
    let users = if user.role.can_edit_book() {
        db::assignments::users(&mut tx).await?
    } else {
        Vec::new()
    };
    tx.commit().await?;
    let base = query.base("/stakeholders");
    let filtered = filter.q.is_some()
        || filter.kind.is_some()
        || filter.tier.is_some()
        || filter.taxonomy_code.is_some()
        || filter.tag.is_some()
        || filter.stage.is_some()
        || filter.organization_id.is_some()
        || filter.facility_id.is_some()
        || filter.archived != Some(false);
    let return_to = match query.page {
        Some(p) if p > 1 => format!(
            "{base}{}page={p}",
            if base.contains('?') { '&' } else { '?' }
        ),
        _ => base.clone(),
    };
    Ok(ListPage {
        layout: Layout::new(&user, "Stakeholders", "stakeholders"),
        pager: Pager::new(&page, &base),
        rows: page.items,
        status: query.status.clone().unwrap_or_else(|| "active".into()),
        export_href: query.base("/stakeholders/export.csv"),
        filter,
        specialties,
        tags,
        kinds: StakeholderKind::ALL,
        tiers: Tier::ALL,
        can_edit: user.role.can_edit_book(),
        filtered,
        return_to,
        users,
        stages: Stage::ALL,
        organization,
        facilities,
    })
}

/// Most rows one export may hold.
const EXPORT_LIMIT: i64 = 100_000;

/// Spreadsheet programs run cells that start with these as formulas: neutralise them.
pub(super) fn csv_cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    let filter = query.filter();
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let rows = db::stakeholders::export(&mut tx, &filter, EXPORT_LIMIT).await?;
    db::audit::record(
        &mut tx,
        &user.actor(),
        "stakeholder.export",
        "stakeholder",
        None,
        serde_json::json!({ "rows": rows.len(), "filter": query.base("") }),
    )
    .await?;
    tx.commit().await?;
    let mut out = csv::Writer::from_writer(Vec::new());
    let header = [
        "id",
        "kind",
        "prefix",
        "first_name",
        "middle_name",
        "last_name",
        "suffix",
        "credentials",
        "npi",
        "taxonomy_code",
        "specialty",
        "emails",
        "phones",
        "preferred_channel",
        "best_contact_times",
        "do_not_contact",
        "tier",
        "tags",
        "status",
        "created_at",
        "updated_at",
    ];
    let write_err = |e: csv::Error| AppError::Internal(e.into());
    out.write_record(header).map_err(write_err)?;
    for r in &rows {
        let o = |v: &Option<String>| csv_cell(v.as_deref().unwrap_or_default());
        out.write_record([
            r.id.to_string(),
            r.kind.clone(),
            o(&r.prefix),
            csv_cell(&r.first_name),
            o(&r.middle_name),
            csv_cell(&r.last_name),
            o(&r.suffix),
            o(&r.credentials),
            o(&r.npi),
            o(&r.taxonomy_code),
            o(&r.specialty),
            csv_cell(&r.emails.join("; ")),
            csv_cell(&r.phones.join("; ")),
            o(&r.preferred_channel),
            o(&r.best_contact_times),
            r.do_not_contact.to_string(),
            o(&r.tier),
            csv_cell(&r.tags.join("; ")),
            r.status.clone(),
            r.created_at.to_rfc3339(),
            r.updated_at.to_rfc3339(),
        ])
        .map_err(write_err)?;
    }
    let body = out
        .into_inner()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("csv: {e}")))?;
    let filename = format!(
        "attachment; filename=\"stakeholders-{}.csv\"",
        chrono::Utc::now().format("%Y-%m-%d")
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, filename),
        ],
        body,
    )
        .into_response())
}

async fn bulk(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    user.require_book_editor()?;
    let value = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let return_to = Some(value("return"))
        .filter(|r| r.starts_with("/stakeholders") && !r.starts_with("//"))
        .unwrap_or_else(|| "/stakeholders".into());
    let ids: Vec<StakeholderId> = pairs
        .iter()
        .filter(|(k, _)| k == "id")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    if ids.is_empty() {
        return redirect_with_flash(
            &state,
            &user,
            &return_to,
            "Select at least one stakeholder first.",
        )
        .await;
    }
    let tag = value("value");
    let change = match value("action").as_str() {
        "add_tag" | "remove_tag" => {
            let cleaned = clean_tags(std::slice::from_ref(&tag))
                .ok()
                .and_then(|t| t.into_iter().next());
            let Some(tag) = cleaned else {
                return redirect_with_flash(
                    &state,
                    &user,
                    &return_to,
                    "Type the tag to add or remove (at most 40 characters).",
                )
                .await;
            };
            if value("action") == "add_tag" {
                BulkChange::AddTag(tag)
            } else {
                BulkChange::RemoveTag(tag)
            }
        }
        "set_tier" => match tag.as_str() {
            "" | "none" => BulkChange::SetTier(None),
            t => match Tier::parse(t) {
                Some(t) => BulkChange::SetTier(Some(t)),
                None => {
                    return redirect_with_flash(
                        &state,
                        &user,
                        &return_to,
                        "Choose tier A, B or C, or none.",
                    )
                    .await;
                }
            },
        },
        "archive" => BulkChange::Archive,
        "restore" => BulkChange::Restore,
        action @ ("assign_primary" | "assign_secondary") => {
            let role = if action == "assign_primary" {
                AssignmentRole::Primary
            } else {
                AssignmentRole::Secondary
            };
            let Ok(manager) = value("manager").parse::<uuid::Uuid>() else {
                return redirect_with_flash(
                    &state,
                    &user,
                    &return_to,
                    "Choose the relationship manager to assign.",
                )
                .await;
            };
            return bulk_apply(&state, &user, &return_to, &ids, Bulk::Assign(manager, role)).await;
        }
        "move_stage" => {
            let draft = StageMoveDraft {
                stage: value("stage"),
                reason: Some(value("value")),
            };
            let Ok(m) = draft.validate() else {
                return redirect_with_flash(
                    &state,
                    &user,
                    &return_to,
                    "Choose the stage to move them to.",
                )
                .await;
            };
            return bulk_apply(&state, &user, &return_to, &ids, Bulk::Stage(m)).await;
        }
        _ => {
            return redirect_with_flash(
                &state,
                &user,
                &return_to,
                "Choose what to do with the selected stakeholders.",
            )
            .await;
        }
    };
    bulk_apply(&state, &user, &return_to, &ids, Bulk::Record(change)).await
}

/// What a bulk action does to the selection.
enum Bulk {
    Record(BulkChange),
    Assign(uuid::Uuid, AssignmentRole),
    Stage(crate::domain::StageMove),
}

async fn bulk_apply(
    state: &AppState,
    user: &CurrentUser,
    return_to: &str,
    ids: &[StakeholderId],
    change: Bulk,
) -> AppResult<Response> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let changed = match change {
        Bulk::Record(change) => {
            db::stakeholders::bulk_audited(&mut tx, &user.actor(), ids, &change).await?
        }
        Bulk::Assign(manager, role) => {
            if !db::assignments::assignable(&mut tx, manager).await? {
                return redirect_with_flash(
                    state,
                    user,
                    return_to,
                    "Choose an active user to assign.",
                )
                .await;
            }
            let raw: Vec<uuid::Uuid> = ids.iter().map(|i| i.0).collect();
            db::assignments::assign_audited(&mut tx, &user.actor(), &raw, manager, role).await?
        }
        Bulk::Stage(m) => {
            let raw: Vec<uuid::Uuid> = ids.iter().map(|i| i.0).collect();
            db::champions::move_audited(&mut tx, &user.actor(), &raw, &m).await?
        }
    };
    tx.commit().await?;
    let noun = if changed == 1 {
        "stakeholder"
    } else {
        "stakeholders"
    };
    let unchanged = (ids.len() as u64).saturating_sub(changed);
    let message = if unchanged > 0 {
        format!("Changed {changed} {noun}; {unchanged} already matched.")
    } else {
        format!("Changed {changed} {noun}.")
    };
    redirect_with_flash(state, user, return_to, &message).await
}

#[derive(Template, WebTemplate)]
#[template(path = "stakeholders/show.html")]
struct ShowPage {
    layout: Layout,
    s: StakeholderRow,
    affiliations: Vec<AffiliationRow>,
    assignments: Vec<AssignmentRow>,
    stage_history: Vec<StageChangeRow>,
    influence: Vec<InfluenceRow>,
    timeline: Vec<TimelineEntry>,
    touchpoints: Vec<db::touchpoints::TouchpointRow>,
    follow_ups: Vec<db::follow_ups::FollowUpRow>,
    users: Vec<(uuid::Uuid, String)>,
    stages: &'static [Stage],
    can_edit: bool,
    is_admin: bool,
    today: String,
    referrals: super::referrals::PhysicianSection,
}

impl ShowPage {
    fn current_managers(&self) -> impl Iterator<Item = &AssignmentRow> {
        self.assignments.iter().filter(|a| a.current())
    }

    fn past_managers(&self) -> impl Iterator<Item = &AssignmentRow> {
        self.assignments.iter().filter(|a| !a.current())
    }

    fn influences(&self) -> impl Iterator<Item = &InfluenceRow> {
        self.influence.iter().filter(|l| l.from_id == self.s.id.0)
    }

    fn influenced_by(&self) -> impl Iterator<Item = &InfluenceRow> {
        self.influence.iter().filter(|l| l.to_id == self.s.id.0)
    }
}

/// Timeline entries shown on the profile.
const TIMELINE_SHOWN: i64 = 50;
/// The latest touch-points on a stakeholder's page (the rest are a link away).
const TOUCHPOINTS_SHOWN: i64 = 5;

async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<StakeholderId>,
    Query(range): Query<super::referrals::RangeQuery>,
) -> AppResult<Response> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let s = db::stakeholders::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Some(survivor) = s.merged_into {
        tx.commit().await?;
        return Ok(
            axum::response::Redirect::to(&format!("/stakeholders/{survivor}")).into_response(),
        );
    }
    let affiliations = db::affiliations::for_stakeholder(&mut tx, id.0).await?;
    let assignments = db::assignments::for_stakeholder(&mut tx, id.0).await?;
    let stage_history = db::champions::history(&mut tx, id.0).await?;
    let influence = db::influence::for_stakeholder(&mut tx, id.0).await?;
    let timeline = db::timeline::for_stakeholder(&mut tx, id.0, TIMELINE_SHOWN).await?;
    let touchpoints = db::touchpoints::recent(&mut tx, id.0, TOUCHPOINTS_SHOWN).await?;
    let follow_ups = db::follow_ups::list(
        &mut tx,
        &db::follow_ups::FollowUpFilter {
            stakeholder_id: Some(id.0),
            open_only: true,
            ..Default::default()
        },
        db::PageRequest::new(Some(1), Some(20)),
    )
    .await?
    .items;
    let users = if user.role.can_edit_book() {
        db::assignments::users(&mut tx).await?
    } else {
        Vec::new()
    };
    let referrals =
        super::referrals::physician_section(&mut tx, &user, id, s.npi.as_deref(), &range).await?;
    tx.commit().await?;
    Ok(ShowPage {
        referrals,
        layout: Layout::new(&user, s.display_name(), "stakeholders"),
        can_edit: user.role.can_edit_book(),
        s,
        affiliations,
        assignments,
        stage_history,
        influence,
        timeline,
        touchpoints,
        follow_ups,
        users,
        today: chrono::Utc::now().date_naive().to_string(),
        stages: Stage::ALL,
        is_admin: user.role == crate::domain::Role::Admin,
    }
    .into_response())
}

/// The form as typed: lists stay as the text the user entered.
#[derive(Deserialize, Default, Clone)]
struct StakeholderForm {
    #[serde(default)]
    kind: String,
    prefix: Option<String>,
    #[serde(default)]
    first_name: String,
    middle_name: Option<String>,
    #[serde(default)]
    last_name: String,
    suffix: Option<String>,
    credentials: Option<String>,
    npi: Option<String>,
    taxonomy_code: Option<String>,
    #[serde(default)]
    emails: String,
    #[serde(default)]
    phones: String,
    preferred_channel: Option<String>,
    best_contact_times: Option<String>,
    do_not_contact: Option<String>,
    tier: Option<String>,
    #[serde(default)]
    tags: String,
}

impl StakeholderForm {
    fn draft(&self) -> StakeholderDraft {
        let split = |s: &str| {
            s.split([',', ';', '\n'])
                .map(|p| p.trim().to_string())
                .filter(|p| !p.is_empty())
                .collect()
        };
        StakeholderDraft {
            kind: self.kind.clone(),
            prefix: self.prefix.clone(),
            first_name: self.first_name.clone(),
            middle_name: self.middle_name.clone(),
            last_name: self.last_name.clone(),
            suffix: self.suffix.clone(),
            credentials: self.credentials.clone(),
            npi: self.npi.clone(),
            taxonomy_code: self.taxonomy_code.clone(),
            emails: split(&self.emails),
            phones: split(&self.phones),
            preferred_channel: self.preferred_channel.clone(),
            best_contact_times: self.best_contact_times.clone(),
            do_not_contact: super::checkbox(&self.do_not_contact),
            tier: self.tier.clone(),
            tags: split(&self.tags),
        }
    }

    fn from_row(r: &StakeholderRow) -> Self {
        Self {
            kind: r.kind.clone(),
            prefix: r.prefix.clone(),
            first_name: r.first_name.clone(),
            middle_name: r.middle_name.clone(),
            last_name: r.last_name.clone(),
            suffix: r.suffix.clone(),
            credentials: r.credentials.clone(),
            npi: r.npi.clone(),
            taxonomy_code: r.taxonomy_code.clone(),
            emails: r.emails.join(", "),
            phones: r.phones.join(", "),
            preferred_channel: r.preferred_channel.clone(),
            best_contact_times: r.best_contact_times.clone(),
            do_not_contact: r.do_not_contact.then(|| "on".to_string()),
            tier: r.tier.clone(),
            tags: r.tags.join(", "),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "stakeholders/form.html")]
struct FormPage {
    layout: Layout,
    id: Option<StakeholderId>,
    form: StakeholderForm,
    errors: FieldErrors,
    specialties: Vec<Specialty>,
    kinds: &'static [StakeholderKind],
    tiers: &'static [Tier],
    channels: &'static [Channel],
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
    id: Option<StakeholderId>,
    form: StakeholderForm,
    errors: FieldErrors,
) -> AppResult<FormPage> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let specialties = db::taxonomy::all(&mut tx).await?;
    tx.commit().await?;
    let title = if id.is_some() {
        "Edit stakeholder"
    } else {
        "New stakeholder"
    };
    Ok(FormPage {
        layout: Layout::new(user, title, "stakeholders"),
        id,
        form,
        errors,
        specialties,
        kinds: StakeholderKind::ALL,
        tiers: Tier::ALL,
        channels: Channel::ALL,
    })
}

async fn new(State(state): State<AppState>, user: CurrentUser) -> AppResult<FormPage> {
    user.require_book_editor()?;
    let form = StakeholderForm {
        kind: "physician".into(),
        ..Default::default()
    };
    form_page(&state, &user, None, form, FieldErrors::new()).await
}

/// Saves a create or an update; a rejected form comes back as typed, with messages.
async fn save(
    state: &AppState,
    user: &CurrentUser,
    id: Option<StakeholderId>,
    form: StakeholderForm,
) -> AppResult<Response> {
    user.require_book_editor()?;
    let input = match form.draft().validate() {
        Ok(input) => input,
        Err(errors) => {
            let page = form_page(state, user, id, form, errors).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let result = match id {
        None => db::stakeholders::create_audited(&mut tx, &user.actor(), &input)
            .await
            .map(Some),
        Some(id) => db::stakeholders::update_audited(&mut tx, &user.actor(), id, &input)
            .await
            .map(|found| found.then_some(id)),
    };
    let saved = match result {
        Ok(Some(saved)) => saved,
        Ok(None) => return Err(AppError::NotFound),
        Err(e) => {
            return match on_constraints(e, CONSTRAINTS) {
                AppError::Invalid(errors) => {
                    drop(tx);
                    let page = form_page(state, user, id, form, errors).await?;
                    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
                }
                other => Err(other),
            };
        }
    };
    tx.commit().await?;
    let message = if id.is_some() {
        "Stakeholder saved.".to_string()
    } else {
        format!("{} {} added.", input.first_name, input.last_name)
    };
    redirect_with_flash(state, user, &format!("/stakeholders/{saved}"), &message).await
}

async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<StakeholderForm>,
) -> AppResult<Response> {
    save(&state, &user, None, form).await
}

async fn edit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<StakeholderId>,
) -> AppResult<FormPage> {
    user.require_book_editor()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let s = db::stakeholders::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    form_page(
        &state,
        &user,
        Some(id),
        StakeholderForm::from_row(&s),
        FieldErrors::new(),
    )
    .await
}

async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<StakeholderId>,
    Form(form): Form<StakeholderForm>,
) -> AppResult<Response> {
    save(&state, &user, Some(id), form).await
}

async fn set_archived(
    state: &AppState,
    user: &CurrentUser,
    id: StakeholderId,
    archived: bool,
) -> AppResult<Response> {
    user.require_book_editor()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    if db::set_archived(
        &mut tx,
        &user.actor(),
        db::Archivable::Stakeholder,
        id.0,
        archived,
    )
    .await?
    .is_none()
    {
        return Err(AppError::NotFound);
    }
    tx.commit().await?;
    let message = if archived {
        "Archived. They leave the default lists; their history stays, and you can restore them."
    } else {
        "Restored to the active list."
    };
    redirect_with_flash(state, user, &format!("/stakeholders/{id}"), message).await
}

async fn archive(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<StakeholderId>,
) -> AppResult<Response> {
    set_archived(&state, &user, id, true).await
}

async fn restore(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<StakeholderId>,
) -> AppResult<Response> {
    set_archived(&state, &user, id, false).await
}
