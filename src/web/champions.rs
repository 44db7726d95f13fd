//! The champion pipeline (stage moves and the board), influence links (form, typeahead,
//! removal) and the key-influencers list.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use uuid::Uuid;

use super::{Form, Layout, Pager, Path, Query, redirect_with_flash};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::db::champions::{BoardCard, BoardFilter};
use crate::db::influence_scores::InfluencerRow;
use crate::db::stakeholders::PersonRef;
use crate::db::taxonomy::Specialty;
use crate::db::{self, PageRequest};
use crate::domain::{InfluenceDraft, InfluenceKind, Stage, StageMoveDraft, StakeholderId};
use crate::error::{AppError, AppResult, FieldErrors, on_constraints};
use crate::postgres::tenant_tx;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/stakeholders/{id}/stage", get(move_page).post(move_stage))
        .route("/champions", get(board))
        .route("/champions/influencers", get(influencers))
        .route("/stakeholders/pick", get(pick))
        .route("/stakeholders/{id}/influence", post(create_link))
        .route("/stakeholders/{id}/influence/new", get(new_link))
        .route("/influence/{id}/delete", post(delete_link))
}

#[derive(Template, WebTemplate)]
#[template(path = "champions/move.html")]
struct MovePage {
    layout: Layout,
    id: Uuid,
    name: String,
    current: Option<String>,
    form: StageMoveDraft,
    errors: FieldErrors,
    stages: &'static [Stage],
}

async fn move_form(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    form: StageMoveDraft,
    errors: FieldErrors,
) -> AppResult<MovePage> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let s = db::stakeholders::find(&mut tx, StakeholderId(id))
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(MovePage {
        layout: Layout::new(user, "Move in the pipeline", "champions"),
        id,
        name: s.display_name(),
        current: s.stage.clone(),
        form,
        errors,
        stages: Stage::ALL,
    })
}

async fn move_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> AppResult<MovePage> {
    user.require_book_editor()?;
    move_form(
        &state,
        &user,
        id,
        StageMoveDraft::default(),
        FieldErrors::new(),
    )
    .await
}

async fn move_stage(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<StageMoveDraft>,
) -> AppResult<Response> {
    user.require_book_editor()?;
    let m = match form.validate() {
        Ok(m) => m,
        Err(errors) => {
            let page = move_form(&state, &user, id, form, errors).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    if db::stakeholders::find(&mut tx, StakeholderId(id))
        .await?
        .is_none()
    {
        return Err(AppError::NotFound);
    }
    let moved = db::champions::move_audited(&mut tx, &user.actor(), &[id], &m).await?;
    tx.commit().await?;
    let message = if moved == 0 {
        format!("Already at {}.", m.stage.label())
    } else {
        format!("Moved to {}.", m.stage.label())
    };
    redirect_with_flash(
        &state,
        &user,
        &format!("/stakeholders/{id}#pipeline"),
        &message,
    )
    .await
}

#[derive(Deserialize, Default)]
struct BoardQuery {
    facility: Option<String>,
    specialty: Option<String>,
    manager: Option<String>,
}

pub struct Column {
    pub stage: Stage,
    pub count: i64,
    pub cards: Vec<BoardCard>,
}

#[derive(Template, WebTemplate)]
#[template(path = "champions/board.html")]
struct BoardPage {
    layout: Layout,
    columns: Vec<Column>,
    facilities: Vec<(Uuid, String)>,
    specialties: Vec<Specialty>,
    users: Vec<(Uuid, String)>,
    facility: String,
    specialty: String,
    manager: String,
    filtered: bool,
    per_stage: i64,
}

async fn board(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<BoardQuery>,
) -> AppResult<BoardPage> {
    let id = |v: &Option<String>| v.as_deref().and_then(|s| s.parse::<Uuid>().ok());
    let filter = BoardFilter {
        facility_id: id(&q.facility),
        taxonomy_code: q
            .specialty
            .clone()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty()),
        user_id: id(&q.manager),
    };
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let cards = db::champions::board(&mut tx, &filter).await?;
    let facilities = db::facilities::choices(&mut tx).await?;
    let specialties = db::taxonomy::used(&mut tx).await?;
    let users = db::assignments::users(&mut tx).await?;
    tx.commit().await?;
    let columns = Stage::ALL
        .iter()
        .map(|stage| {
            let cards: Vec<BoardCard> = cards
                .iter()
                .filter(|c| c.stage == stage.as_str())
                .cloned()
                .collect();
            Column {
                stage: *stage,
                count: cards.first().map(|c| c.in_stage).unwrap_or(0),
                cards,
            }
        })
        .collect();
    Ok(BoardPage {
        layout: Layout::new(&user, "Champion pipeline", "champions"),
        columns,
        facilities,
        specialties,
        users,
        filtered: filter.facility_id.is_some()
            || filter.taxonomy_code.is_some()
            || filter.user_id.is_some(),
        facility: filter
            .facility_id
            .map(|f| f.to_string())
            .unwrap_or_default(),
        specialty: filter.taxonomy_code.unwrap_or_default(),
        manager: filter.user_id.map(|f| f.to_string()).unwrap_or_default(),
        per_stage: db::champions::CARDS_PER_STAGE,
    })
}

#[derive(Deserialize, Default)]
struct PageQuery {
    page: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "champions/influencers.html")]
struct InfluencersPage {
    layout: Layout,
    rows: Vec<InfluencerRow>,
    pager: Pager,
}

async fn influencers(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<PageQuery>,
) -> AppResult<InfluencersPage> {
    let request = PageRequest::new(q.page, None);
    crate::jobs::influence::ensure_fresh(&state.pools.app, user.tenant_id)
        .await
        .map_err(AppError::Internal)?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let page = db::influence_scores::key_influencers(&mut tx, request).await?;
    tx.commit().await?;
    Ok(InfluencersPage {
        layout: Layout::new(&user, "Key influencers", "champions"),
        pager: Pager::new(&page, "/champions/influencers"),
        rows: page.items,
    })
}

#[derive(Deserialize, Default)]
struct PickQuery {
    q: Option<String>,
    /// The form field the choice fills.
    name: Option<String>,
    /// A stakeholder to leave out (the one whose page this is).
    not: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "champions/_pick.html")]
struct PickFragment {
    name: String,
    people: Vec<PersonRef>,
    searched: bool,
}

/// The stakeholder typeahead: radio buttons for up to 8 matches.
async fn pick(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<PickQuery>,
) -> AppResult<PickFragment> {
    let text = q.q.as_deref().map(str::trim).unwrap_or_default();
    let name = match q.name.as_deref() {
        Some(n @ ("other_id" | "stakeholder_id")) => n.to_string(),
        _ => "stakeholder_id".to_string(),
    };
    let not = q.not.as_deref().and_then(|s| s.parse::<Uuid>().ok());
    let people = if text.chars().count() >= 2 {
        let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
        let found = db::stakeholders::pick(&mut tx, text, 9).await?;
        tx.commit().await?;
        found
            .into_iter()
            .filter(|p| Some(p.id) != not)
            .take(8)
            .collect()
    } else {
        Vec::new()
    };
    Ok(PickFragment {
        name,
        people,
        searched: text.chars().count() >= 2,
    })
}

/// The influence form as typed: a direction relative to the page's stakeholder.
#[derive(Deserialize, Default, Clone)]
struct LinkForm {
    /// `out`: this person influences the other; `in`: the other influences them.
    #[serde(default)]
    direction: String,
    other_id: Option<String>,
    #[serde(default)]
    kind: String,
    strength: Option<String>,
    note: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "champions/link_form.html")]
struct LinkPage {
    layout: Layout,
    id: Uuid,
    name: String,
    form: LinkForm,
    other: Option<PersonRef>,
    errors: FieldErrors,
    kinds: &'static [InfluenceKind],
}

impl LinkPage {
    fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }
}

async fn link_page(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    form: LinkForm,
    mut errors: FieldErrors,
) -> AppResult<LinkPage> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let s = db::stakeholders::find(&mut tx, StakeholderId(id))
        .await?
        .ok_or(AppError::NotFound)?;
    let other = match form
        .other_id
        .as_deref()
        .and_then(|o| o.parse::<Uuid>().ok())
    {
        Some(o) => db::stakeholders::find(&mut tx, StakeholderId(o))
            .await?
            .map(|p| PersonRef {
                id: o,
                name: p.display_name(),
                specialty: p.specialty,
            }),
        None => None,
    };
    tx.commit().await?;
    // The other person is one field on this form, whichever end they are.
    for field in ["from_id", "to_id"] {
        if let Some(e) = errors.remove(field) {
            errors.insert("other_id", e);
        }
    }
    Ok(LinkPage {
        layout: Layout::new(user, "Add influence link", "champions"),
        id,
        name: s.display_name(),
        form,
        other,
        errors,
        kinds: InfluenceKind::ALL,
    })
}

async fn new_link(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> AppResult<LinkPage> {
    user.require_book_editor()?;
    let form = LinkForm {
        direction: "out".into(),
        kind: "opinion_leader".into(),
        strength: Some("3".into()),
        ..Default::default()
    };
    link_page(&state, &user, id, form, FieldErrors::new()).await
}

async fn create_link(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<LinkForm>,
) -> AppResult<Response> {
    user.require_book_editor()?;
    let me = Some(id.to_string());
    let (from_id, to_id) = if form.direction == "in" {
        (form.other_id.clone(), me)
    } else {
        (me, form.other_id.clone())
    };
    let draft = InfluenceDraft {
        from_id,
        to_id,
        kind: form.kind.clone(),
        strength: form.strength.clone().map(serde_json::Value::String),
        note: form.note.clone(),
    };
    let input = match draft.validate() {
        Ok(i) => i,
        Err(errors) => {
            let page = link_page(&state, &user, id, form, errors).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    if db::stakeholders::find(&mut tx, StakeholderId(id))
        .await?
        .is_none()
    {
        return Err(AppError::NotFound);
    }
    if let Err(e) = db::influence::save_audited(&mut tx, &user.actor(), None, &input).await {
        return match on_constraints(e, db::influence::CONSTRAINTS) {
            AppError::Invalid(errors) => {
                drop(tx);
                let page = link_page(&state, &user, id, form, errors).await?;
                Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
            }
            other => Err(other),
        };
    }
    tx.commit().await?;
    redirect_with_flash(
        &state,
        &user,
        &format!("/stakeholders/{id}#influence"),
        "Influence link added.",
    )
    .await
}

#[derive(Deserialize, Default)]
struct DeleteForm {
    /// The stakeholder page to go back to.
    back: Option<String>,
}

async fn delete_link(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<DeleteForm>,
) -> AppResult<Response> {
    user.require_book_editor()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let link = db::influence::delete_audited(&mut tx, &user.actor(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    let back = form
        .back
        .and_then(|b| b.parse::<Uuid>().ok())
        .filter(|b| *b == link.to_id)
        .unwrap_or(link.from_id);
    redirect_with_flash(
        &state,
        &user,
        &format!("/stakeholders/{back}#influence"),
        "Influence link removed.",
    )
    .await
}
