//! Logging one touch-point, and one touch-point's page with its edit form and delete.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use uuid::Uuid;

use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::db;
use crate::db::stakeholders::PersonRef;
use crate::db::touchpoints::{NewTouchpoints, TouchpointRow};
use crate::domain::{
    Direction, Outcome, StakeholderId, TouchChannel, TouchpointDraft, join_date_time,
};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::postgres::tenant_tx;
use crate::web::{Form, Layout, Path, Query, redirect_with_flash};

/// The log and edit form as typed. The time comes as a date and a time (UTC, as the app
/// shows times); blank means now.
#[derive(Deserialize, Default, Clone)]
pub struct LogForm {
    pub stakeholder_id: Option<String>,
    /// The typeahead's text: without JavaScript, a unique match is taken as the choice.
    pub q: Option<String>,
    pub channel: Option<String>,
    pub direction: Option<String>,
    pub date: Option<String>,
    pub time: Option<String>,
    pub purpose: Option<String>,
    pub outcome: Option<String>,
    pub cost: Option<String>,
    pub notes: Option<String>,
    pub campaign_id: Option<String>,
    pub variant_id: Option<String>,
    pub follow_up_on: Option<String>,
    pub follow_up_owner_id: Option<String>,
    pub follow_up_note: Option<String>,
    pub idempotency_key: Option<String>,
}

impl LogForm {
    pub fn draft(&self) -> TouchpointDraft {
        let date = self.date.as_deref().map(str::trim).unwrap_or_default();
        let time = self.time.as_deref().map(str::trim).unwrap_or_default();
        let occurred_at = match (date, time) {
            ("", "") => None,
            ("", t) => {
                let today = chrono::Utc::now().date_naive().to_string();
                Some(join_date_time(&today, t).map_or(t.to_string(), |d| d.to_rfc3339()))
            }
            (d, t) => Some(join_date_time(d, t).map_or(format!("{d} {t}"), |d| d.to_rfc3339())),
        };
        TouchpointDraft {
            stakeholder_id: self.stakeholder_id.clone(),
            channel: self.channel.clone(),
            direction: self.direction.clone(),
            occurred_at,
            purpose: self.purpose.clone(),
            outcome: self.outcome.clone(),
            cost: self.cost.clone().map(serde_json::Value::String),
            notes: self.notes.clone(),
            campaign_id: self.campaign_id.clone(),
            variant_id: self.variant_id.clone(),
            follow_up_on: self.follow_up_on.clone(),
            follow_up_owner_id: self.follow_up_owner_id.clone(),
            follow_up_note: self.follow_up_note.clone(),
        }
    }

    pub fn of(row: &TouchpointRow) -> Self {
        LogForm {
            stakeholder_id: Some(row.stakeholder_id.to_string()),
            channel: Some(row.channel.clone()),
            direction: Some(row.direction.clone()),
            date: Some(row.occurred_at.format("%Y-%m-%d").to_string()),
            time: Some(row.occurred_at.format("%H:%M").to_string()),
            purpose: row.purpose.clone(),
            outcome: row.outcome.clone(),
            cost: row.cost.clone(),
            notes: row.notes.clone(),
            campaign_id: row.campaign_id.map(|c| c.to_string()),
            variant_id: row.variant_id.map(|c| c.to_string()),
            ..Default::default()
        }
    }

    fn is(&self, v: &Option<String>, key: &str) -> bool {
        v.as_deref().map(str::trim) == Some(key)
    }

    pub fn channel_is(&self, c: &&TouchChannel) -> bool {
        match self.channel.as_deref().map(str::trim) {
            None | Some("") => **c == TouchChannel::Visit,
            Some(_) => self.is(&self.channel, c.as_str()),
        }
    }

    pub fn outcome_is(&self, o: &str) -> bool {
        match self.outcome.as_deref().map(str::trim) {
            None | Some("") => o.is_empty(),
            Some(v) => v == o,
        }
    }

    pub fn inbound(&self) -> bool {
        self.is(&self.direction, "inbound")
    }

    pub fn opt<'a>(&self, v: &'a Option<String>) -> &'a str {
        v.as_deref().unwrap_or_default()
    }

    pub fn selected(&self, v: &Option<String>, id: &Uuid) -> bool {
        v.as_deref().map(str::trim) == Some(id.to_string().as_str())
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "touchpoints/form.html")]
pub struct FormPage {
    layout: Layout,
    form: LogForm,
    /// The chosen stakeholder, or the matches of a typed name to choose from.
    person: Option<PersonRef>,
    matches: Vec<PersonRef>,
    /// Set when editing.
    row: Option<TouchpointRow>,
    channels: &'static [TouchChannel],
    outcomes: &'static [Outcome],
    directions: &'static [Direction],
    campaigns: Vec<(Uuid, String)>,
    variants: Vec<(Uuid, String)>,
    users: Vec<(Uuid, String)>,
    me: Uuid,
    errors: FieldErrors,
    can_change: bool,
}

impl FormPage {
    fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }

    fn action(&self) -> String {
        match &self.row {
            Some(r) => format!("/touchpoints/{}", r.id),
            None => "/touchpoints".into(),
        }
    }

    /// Whether the optional details start open (something in them was typed or is wrong).
    fn more_open(&self) -> bool {
        let f = &self.form;
        [&f.date, &f.time, &f.cost, &f.campaign_id, &f.variant_id]
            .iter()
            .any(|v| v.as_deref().is_some_and(|s| !s.trim().is_empty()))
            || f.inbound()
            || [
                "occurred_at",
                "cost",
                "campaign_id",
                "variant_id",
                "direction",
            ]
            .iter()
            .any(|k| self.errors.contains_key(k))
    }

    fn follow_up_open(&self) -> bool {
        let f = &self.form;
        f.follow_up_on
            .as_deref()
            .is_some_and(|s| !s.trim().is_empty())
            || self.errors.keys().any(|k| k.starts_with("follow_up"))
    }
}

async fn person_of(
    conn: &mut sqlx::PgConnection,
    id: Option<&str>,
) -> sqlx::Result<Option<PersonRef>> {
    match id.and_then(|s| s.trim().parse::<Uuid>().ok()) {
        Some(id) => Ok(db::stakeholders::find(conn, StakeholderId(id))
            .await?
            .filter(|s| s.merged_into.is_none())
            .map(|s| PersonRef {
                id,
                name: s.display_name(),
                specialty: s.specialty,
            })),
        None => Ok(None),
    }
}

pub async fn form_page(
    state: &AppState,
    user: &CurrentUser,
    mut form: LogForm,
    row: Option<TouchpointRow>,
    errors: FieldErrors,
) -> AppResult<FormPage> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let person = person_of(&mut tx, form.stakeholder_id.as_deref()).await?;
    let typed = form.q.as_deref().map(str::trim).unwrap_or_default();
    let matches = if person.is_none() && typed.chars().count() >= 2 {
        db::stakeholders::pick(&mut tx, typed, 8).await?
    } else {
        Vec::new()
    };
    let campaigns = db::touchpoints::open_campaigns(&mut tx).await?;
    let variants = db::touchpoints::open_variants(&mut tx).await?;
    let users = db::assignments::users(&mut tx).await?;
    tx.commit().await?;
    if form.idempotency_key.as_deref().is_none_or(str::is_empty) {
        form.idempotency_key = Some(Uuid::now_v7().to_string());
    }
    let title = if row.is_some() {
        "Touch-point"
    } else {
        "Log a touch-point"
    };
    Ok(FormPage {
        layout: Layout::new(user, title, "touchpoints"),
        can_change: row
            .as_ref()
            .is_none_or(|r| db::touchpoints::may_change(r, user.user_id.0, user.role)),
        form,
        person,
        matches,
        row,
        channels: TouchChannel::ALL,
        outcomes: Outcome::ALL,
        directions: Direction::ALL,
        campaigns,
        variants,
        users,
        me: user.user_id.0,
        errors,
    })
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    stakeholder_id: Option<String>,
}

pub async fn new(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<NewQuery>,
) -> AppResult<FormPage> {
    user.require_book_editor()?;
    let form = LogForm {
        stakeholder_id: q.stakeholder_id,
        ..Default::default()
    };
    form_page(&state, &user, form, None, FieldErrors::new()).await
}

fn invalid(page: FormPage) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
}

pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(mut form): Form<LogForm>,
) -> AppResult<Response> {
    user.require_book_editor()?;
    // Without JavaScript the typeahead is a plain text field: one match is the choice.
    if form
        .stakeholder_id
        .as_deref()
        .is_none_or(|s| s.trim().is_empty())
        && let Some(typed) = form
            .q
            .as_deref()
            .map(str::trim)
            .filter(|t| t.chars().count() >= 2)
    {
        let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
        let found = db::stakeholders::pick(&mut tx, typed, 2).await?;
        tx.commit().await?;
        if let [one] = found.as_slice() {
            form.stakeholder_id = Some(one.id.to_string());
        }
    }
    let draft = form.draft();
    let (stakeholder, input) = match draft.validate(chrono::Utc::now()) {
        Ok(v) => v,
        Err(errors) => return Ok(invalid(form_page(&state, &user, form, None, errors).await?)),
    };
    let key = form
        .idempotency_key
        .as_deref()
        .and_then(|k| crate::domain::idempotency_key(k).ok());
    let hash = crate::api::touchpoints::request_hash(&draft.canonical(&[stakeholder]));
    let new = NewTouchpoints {
        stakeholders: &[stakeholder],
        input: &input,
        group_id: None,
        idempotency_key: key.as_deref(),
        request_hash: &hash,
    };
    match crate::api::touchpoints::write(&state, &user, &new).await {
        Ok(_) => {}
        Err(AppError::Invalid(errors)) => {
            return Ok(invalid(form_page(&state, &user, form, None, errors).await?));
        }
        Err(e) => return Err(e),
    }
    let message = if input.counts_as_contact() {
        "Touch-point logged."
    } else {
        "Touch-point logged. No response does not count as contact, so the cadence clock did not move."
    };
    redirect_with_flash(
        &state,
        &user,
        &format!("/stakeholders/{stakeholder}#touchpoints"),
        message,
    )
    .await
}

async fn fetch(state: &AppState, user: &CurrentUser, id: Uuid) -> AppResult<TouchpointRow> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let row = db::touchpoints::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(row)
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> AppResult<FormPage> {
    let row = fetch(&state, &user, id).await?;
    form_page(
        &state,
        &user,
        LogForm::of(&row),
        Some(row),
        FieldErrors::new(),
    )
    .await
}

pub async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<LogForm>,
) -> AppResult<Response> {
    user.require_book_editor()?;
    let before = fetch(&state, &user, id).await?;
    if !db::touchpoints::may_change(&before, user.user_id.0, user.role) {
        return Err(AppError::Forbidden);
    }
    let mut draft = form.draft();
    draft.stakeholder_id = Some(before.stakeholder_id.to_string());
    draft.follow_up_on = None;
    draft.follow_up_owner_id = None;
    draft.follow_up_note = None;
    let input = match draft.validate(chrono::Utc::now()) {
        Ok((_, input)) => input,
        Err(errors) => {
            let page = form_page(&state, &user, form, Some(before), errors).await?;
            return Ok(invalid(page));
        }
    };
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    match db::touchpoints::update_audited(&mut tx, &user.actor(), &before, &input).await? {
        Ok(_) => tx.commit().await?,
        Err(errors) => {
            drop(tx);
            let page = form_page(&state, &user, form, Some(before), errors).await?;
            return Ok(invalid(page));
        }
    }
    redirect_with_flash(
        &state,
        &user,
        &format!("/touchpoints/{id}"),
        "Touch-point saved.",
    )
    .await
}

pub async fn delete(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> AppResult<Response> {
    user.require_book_editor()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let before = db::touchpoints::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !db::touchpoints::may_change(&before, user.user_id.0, user.role) {
        return Err(AppError::Forbidden);
    }
    db::touchpoints::delete_audited(&mut tx, &user.actor(), &before).await?;
    tx.commit().await?;
    redirect_with_flash(
        &state,
        &user,
        &format!("/stakeholders/{}#touchpoints", before.stakeholder_id),
        "Touch-point deleted.",
    )
    .await
}
