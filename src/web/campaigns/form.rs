//! Creating and editing a campaign.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::db;
use crate::domain::{CampaignChannel, CampaignDraft, Money};
use crate::error::{AppError, AppResult, FieldErrors, on_constraints};
use crate::postgres::tenant_tx;
use crate::web::{Form, Layout, Pairs, Path, redirect_with_flash};

#[derive(Template, WebTemplate)]
#[template(path = "campaigns/form.html")]
pub struct FormPage {
    layout: Layout,
    id: Option<Uuid>,
    form: CampaignDraft,
    errors: FieldErrors,
    owners: Vec<(Uuid, String)>,
    segments: Vec<(Uuid, String)>,
    me: Uuid,
    /// The audience is a frozen member list: the segment cannot change.
    frozen: bool,
}

impl FormPage {
    fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }

    fn opt<'a>(&self, v: &'a Option<String>) -> &'a str {
        v.as_deref().unwrap_or_default()
    }

    fn channels(&self) -> &'static [CampaignChannel] {
        CampaignChannel::ALL
    }

    fn has_channel(&self, c: &CampaignChannel) -> bool {
        self.form.channels.iter().any(|x| x == c.as_str())
    }

    fn is(&self, v: &Option<String>, id: &Uuid) -> bool {
        v.as_deref() == Some(id.to_string().as_str())
    }
}

async fn form_page(
    state: &AppState,
    user: &CurrentUser,
    id: Option<Uuid>,
    form: CampaignDraft,
    errors: FieldErrors,
    frozen: bool,
) -> AppResult<FormPage> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let owners = db::campaigns::planners(&mut tx).await?;
    let segments = db::segments::list(&mut tx)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    tx.commit().await?;
    let title = match id {
        Some(_) => format!("Edit {}", form.name),
        None => "New campaign".into(),
    };
    Ok(FormPage {
        layout: Layout::new(user, title, "campaigns"),
        id,
        form,
        errors,
        owners,
        segments,
        me: user.user_id.0,
        frozen,
    })
}

fn draft_of(p: &Pairs) -> CampaignDraft {
    CampaignDraft {
        name: p.text("name"),
        objective: p.one("objective"),
        service_line: p.one("service_line"),
        owner_id: p.one("owner_id"),
        starts_on: p.one("starts_on"),
        ends_on: p.one("ends_on"),
        channels: p.all("channels"),
        budget: p.one("budget"),
        segment_id: p.one("segment_id"),
    }
}

pub async fn new(State(state): State<AppState>, user: CurrentUser) -> AppResult<FormPage> {
    user.require_campaign_planner()?;
    form_page(
        &state,
        &user,
        None,
        CampaignDraft::default(),
        FieldErrors::new(),
        false,
    )
    .await
}

pub async fn edit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> AppResult<FormPage> {
    user.require_campaign_planner()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let c = db::campaigns::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    let form = CampaignDraft {
        name: c.name.clone(),
        objective: c.objective.clone(),
        service_line: c.service_line.clone(),
        owner_id: c.owner_id.map(|o| o.to_string()),
        starts_on: c.starts_on.map(|d| d.to_string()),
        ends_on: c.ends_on.map(|d| d.to_string()),
        channels: c.channels.clone(),
        budget: c.budget_cents.map(|b| Money(b).plain()),
        segment_id: c.segment_id.map(|s| s.to_string()),
    };
    let frozen = c.audience_frozen_at.is_some();
    form_page(&state, &user, Some(id), form, FieldErrors::new(), frozen).await
}

async fn save(
    state: &AppState,
    user: &CurrentUser,
    id: Option<Uuid>,
    pairs: Vec<(String, String)>,
) -> AppResult<Response> {
    user.require_campaign_planner()?;
    let draft = draft_of(&Pairs(pairs));
    let frozen = match id {
        Some(id) => {
            let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
            let c = db::campaigns::find(&mut tx, id)
                .await?
                .ok_or(AppError::NotFound)?;
            c.audience_frozen_at.is_some()
        }
        None => false,
    };
    let invalid = |errors: FieldErrors, draft: CampaignDraft| async move {
        let page = form_page(state, user, id, draft, errors, frozen).await?;
        Ok::<Response, AppError>((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
    };
    let input = match draft.validate() {
        Ok(i) => i,
        Err(errors) => return invalid(errors, draft).await,
    };
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let saved = match db::campaigns::save_audited(&mut tx, &user.actor(), id, &input).await {
        Ok(Ok(saved)) => saved.ok_or(AppError::NotFound)?,
        Ok(Err(refusal)) => {
            drop(tx);
            let mut errors = FieldErrors::new();
            errors.insert("segment_id", refusal.into());
            return invalid(errors, draft).await;
        }
        Err(e) => {
            return match on_constraints(e, db::campaigns::CONSTRAINTS) {
                AppError::Invalid(errors) => {
                    drop(tx);
                    invalid(errors, draft).await
                }
                other => Err(other),
            };
        }
    };
    tx.commit().await?;
    let message = if id.is_some() {
        "Campaign saved."
    } else {
        "Campaign created as a draft. Add its key messages, KPIs and budget, then plan or launch it."
    };
    redirect_with_flash(state, user, &format!("/campaigns/{saved}"), message).await
}

pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    save(&state, &user, None, pairs).await
}

pub async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    save(&state, &user, Some(id), pairs).await
}
