//! Group logging for an event: many attendees (picked one by one, or pasted as NPIs and
//! names), one shared channel, time, purpose, outcome and campaign; one submit writes one
//! touch-point per attendee with a shared group id, all in one transaction.

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
use crate::db::touchpoints::NewTouchpoints;
use crate::domain::{MAX_GROUP, Outcome, StakeholderId, TouchChannel, TouchpointDraft};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::postgres::tenant_tx;
use crate::web::{Form, Layout, Query, redirect_with_flash};

/// The form as typed: `stakeholder_ids` repeats, one per chosen attendee; `pasted` holds
/// NPIs or names, one per line.
struct GroupForm {
    stakeholder_ids: Vec<String>,
    pasted: Option<String>,
    touch: super::form::LogForm,
}

impl GroupForm {
    fn from_pairs(pairs: Vec<(String, String)>) -> AppResult<Self> {
        let mut stakeholder_ids = Vec::new();
        let mut rest = serde_json::Map::new();
        for (k, v) in pairs {
            if k == "stakeholder_ids" {
                stakeholder_ids.push(v);
            } else {
                rest.insert(k, serde_json::Value::String(v));
            }
        }
        let pasted = rest
            .remove("pasted")
            .and_then(|v| v.as_str().map(str::to_string));
        let touch = serde_json::from_value(serde_json::Value::Object(rest))
            .map_err(|_| AppError::BadRequest("The form could not be read.".into()))?;
        Ok(Self {
            stakeholder_ids,
            pasted,
            touch,
        })
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "touchpoints/group.html")]
pub struct GroupPage {
    layout: Layout,
    form: super::form::LogForm,
    attendees: Vec<PersonRef>,
    pasted: String,
    channels: &'static [TouchChannel],
    outcomes: &'static [Outcome],
    campaigns: Vec<(Uuid, String)>,
    errors: FieldErrors,
}

impl GroupPage {
    fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    mut form: super::form::LogForm,
    attendees: Vec<PersonRef>,
    pasted: String,
    errors: FieldErrors,
) -> AppResult<GroupPage> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let campaigns = db::touchpoints::open_campaigns(&mut tx).await?;
    tx.commit().await?;
    if form.idempotency_key.as_deref().is_none_or(str::is_empty) {
        form.idempotency_key = Some(Uuid::now_v7().to_string());
    }
    if form.channel.as_deref().is_none_or(str::is_empty) {
        form.channel = Some("event".into());
    }
    Ok(GroupPage {
        layout: Layout::new(user, "Log an event", "touchpoints"),
        form,
        attendees,
        pasted,
        channels: TouchChannel::ALL,
        outcomes: Outcome::ALL,
        campaigns,
        errors,
    })
}

pub async fn new(State(state): State<AppState>, user: CurrentUser) -> AppResult<GroupPage> {
    user.require_book_editor()?;
    page(
        &state,
        &user,
        Default::default(),
        Vec::new(),
        String::new(),
        FieldErrors::new(),
    )
    .await
}

pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    user.require_book_editor()?;
    let form = GroupForm::from_pairs(pairs)?;
    let mut errors = FieldErrors::new();
    let mut attendees: Vec<PersonRef> = Vec::new();
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    for raw in &form.stakeholder_ids {
        if let Ok(id) = raw.trim().parse::<Uuid>()
            && !attendees.iter().any(|p| p.id == id)
            && let Some(s) = db::stakeholders::find(&mut tx, StakeholderId(id)).await?
            && s.merged_into.is_none()
        {
            attendees.push(PersonRef {
                id,
                name: s.display_name(),
                specialty: s.specialty,
            });
        }
    }
    let pasted = form.pasted.clone().unwrap_or_default();
    let (found, missing) = db::touchpoints::resolve_attendees(&mut tx, &pasted).await?;
    tx.commit().await?;
    for p in found {
        if !attendees.iter().any(|a| a.id == p.id) {
            attendees.push(p);
        }
    }
    if !missing.is_empty() {
        errors.insert(
            "pasted",
            format!(
                "Not found, or more than one match (use the NPI): {}. The others are added above.",
                missing.join(", ")
            ),
        );
    }
    if attendees.is_empty() && errors.is_empty() {
        errors.insert("stakeholder_ids", "Add who attended.".into());
    }
    if attendees.len() > MAX_GROUP {
        errors.insert(
            "stakeholder_ids",
            format!("At most {MAX_GROUP} attendees at a time."),
        );
    }
    let mut draft: TouchpointDraft = form.touch.draft();
    if draft.channel.as_deref().is_none_or(str::is_empty) {
        draft.channel = Some("event".into());
    }
    let input = match draft.validate_shared(chrono::Utc::now()) {
        Ok(input) if errors.is_empty() => input,
        Ok(_) => {
            // Keep what resolved as chosen attendees; only the unresolved lines stay pasted.
            let p = page(
                &state,
                &user,
                form.touch,
                attendees,
                missing.join("\n"),
                errors,
            )
            .await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
        }
        Err(more) => {
            errors.extend(more);
            let p = page(
                &state,
                &user,
                form.touch,
                attendees,
                missing.join("\n"),
                errors,
            )
            .await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
        }
    };
    let ids: Vec<Uuid> = attendees.iter().map(|p| p.id).collect();
    let key = form
        .touch
        .idempotency_key
        .as_deref()
        .and_then(|k| crate::domain::idempotency_key(k).ok());
    let hash = crate::api::touchpoints::request_hash(&draft.canonical(&ids));
    let new = NewTouchpoints {
        stakeholders: &ids,
        input: &input,
        group_id: Some(Uuid::now_v7()),
        idempotency_key: key.as_deref(),
        request_hash: &hash,
    };
    let rows = match crate::api::touchpoints::write(&state, &user, &new).await {
        Ok((rows, _)) => rows,
        Err(AppError::Invalid(errors)) => {
            let p = page(&state, &user, form.touch, attendees, String::new(), errors).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
        }
        Err(e) => return Err(e),
    };
    let group = rows.first().and_then(|r| r.group_id);
    let to = match group {
        Some(g) => format!("/touchpoints?group_id={g}"),
        None => "/touchpoints".into(),
    };
    redirect_with_flash(
        &state,
        &user,
        &to,
        &format!("Logged {} touch-points, one per attendee.", rows.len()),
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct PickQuery {
    q: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "touchpoints/_attendees.html")]
pub struct PickFragment {
    people: Vec<PersonRef>,
    searched: bool,
}

/// The attendee typeahead: checkboxes for up to 8 matches (the page's script moves a
/// checked one into the chosen list).
pub async fn pick(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<PickQuery>,
) -> AppResult<PickFragment> {
    let text = q.q.as_deref().map(str::trim).unwrap_or_default();
    let searched = text.chars().count() >= 2;
    let people = if searched {
        let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
        let found = db::stakeholders::pick(&mut tx, text, 8).await?;
        tx.commit().await?;
        found
    } else {
        Vec::new()
    };
    Ok(PickFragment { people, searched })
}

#[derive(Template, WebTemplate)]
#[template(path = "touchpoints/_who.html")]
pub struct WhoFragment {
    people: Vec<PersonRef>,
    searched: bool,
}

/// The log form's typeahead: radio buttons for up to 8 matches, the only one already
/// chosen (one tap fewer for the common case of a unique name).
pub async fn who(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<PickQuery>,
) -> AppResult<WhoFragment> {
    let PickFragment { people, searched } = pick(State(state), user, Query(q)).await?;
    Ok(WhoFragment { people, searched })
}
