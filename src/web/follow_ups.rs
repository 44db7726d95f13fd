//! "My follow-ups": overdue first, then due; managers pick whose. Completing one can log the
//! touch-point that did it in the same submit. Small forms elsewhere (feedback, the
//! stakeholder page) create them here.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use uuid::Uuid;

use super::pager::query_base;
use super::{Form, Layout, Pager, Path, Query, redirect_with_flash};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::db::follow_ups::{FollowUpFilter, FollowUpRow};
use crate::db::{self, PageRequest};
use crate::domain::{CompleteDraft, FollowUpDraft, FollowUpStatus, Outcome, Role, TouchChannel};
use crate::error::{AppError, AppResult};
use crate::postgres::tenant_tx;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/follow-ups", get(list).post(create))
        .route("/follow-ups/{id}/complete", post(complete))
        .route("/follow-ups/{id}/cancel", post(cancel))
}

#[derive(Deserialize, Default)]
struct ListQuery {
    owner: Option<String>,
    status: Option<String>,
    page: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "follow_ups/list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<FollowUpRow>,
    pager: Pager,
    /// Managers choose whose follow-ups to see.
    users: Vec<(Uuid, String)>,
    owner: String,
    all: bool,
    me: Uuid,
    role: Role,
    channels: &'static [TouchChannel],
    outcomes: &'static [Outcome],
}

impl ListPage {
    fn may_change(&self, row: &FollowUpRow) -> bool {
        db::follow_ups::may_change(row, self.me, self.role)
    }
}

fn is_manager(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Marketer | Role::Executive)
}

async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> AppResult<ListPage> {
    let manager = is_manager(user.role);
    let owner = match q.owner.as_deref().map(str::trim) {
        Some("all") if manager => None,
        Some(o) if manager => o.parse::<Uuid>().ok().or(Some(user.user_id.0)),
        _ => Some(user.user_id.0),
    };
    let all = q.status.as_deref() == Some("all");
    let filter = FollowUpFilter {
        owner_id: owner,
        stakeholder_id: None,
        open_only: !all,
    };
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let page = db::follow_ups::list(&mut tx, &filter, PageRequest::new(q.page, None)).await?;
    let users = if manager {
        db::assignments::users(&mut tx).await?
    } else {
        Vec::new()
    };
    tx.commit().await?;
    let owner_key = owner.map_or("all".to_string(), |o| o.to_string());
    let base = query_base(
        "/follow-ups",
        &[
            (
                "owner",
                Some(owner_key.as_str()).filter(|o| *o != user.user_id.0.to_string()),
            ),
            ("status", all.then_some("all")),
        ],
    );
    let title = if owner == Some(user.user_id.0) {
        "My follow-ups"
    } else {
        "Follow-ups"
    };
    Ok(ListPage {
        layout: Layout::new(&user, title, "follow_ups"),
        pager: Pager::new(&page, &base),
        rows: page.items,
        users,
        owner: owner_key,
        all,
        me: user.user_id.0,
        role: user.role,
        channels: TouchChannel::ALL,
        outcomes: Outcome::ALL,
    })
}

/// Where to go after a write: a relative path of ours, or the list.
fn back_to(back: Option<&str>) -> String {
    back.filter(|b| b.starts_with('/') && !b.starts_with("//"))
        .unwrap_or("/follow-ups")
        .to_string()
}

#[derive(Deserialize, Default)]
struct CreateForm {
    stakeholder_id: Option<String>,
    feedback_id: Option<String>,
    owner_id: Option<String>,
    due_on: Option<String>,
    note: Option<String>,
    back: Option<String>,
}

/// Creates a follow-up from a small form (feedback page, stakeholder page); a problem goes
/// back as a flash message, the form being three fields.
async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<CreateForm>,
) -> AppResult<Response> {
    user.require_book_editor()?;
    let back = back_to(form.back.as_deref());
    let draft = FollowUpDraft {
        stakeholder_id: form.stakeholder_id,
        owner_id: form.owner_id,
        due_on: form.due_on,
        note: form.note,
        feedback_id: form.feedback_id,
    };
    let message = match crate::api::follow_ups::create_follow_up(&state, &user, &draft).await {
        Ok(_) => "Follow-up added.".to_string(),
        Err(AppError::Invalid(errors)) => format!(
            "The follow-up was not added: {}",
            errors.into_values().collect::<Vec<_>>().join(" ")
        ),
        Err(e) => return Err(e),
    };
    redirect_with_flash(&state, &user, &back, &message).await
}

#[derive(Deserialize, Default)]
struct CloseForm {
    channel: Option<String>,
    outcome: Option<String>,
    notes: Option<String>,
    back: Option<String>,
}

async fn close(
    state: AppState,
    user: CurrentUser,
    id: Uuid,
    status: FollowUpStatus,
    form: CloseForm,
) -> AppResult<Response> {
    let back = back_to(form.back.as_deref());
    let draft = CompleteDraft {
        channel: form.channel,
        outcome: form.outcome,
        notes: form.notes,
    };
    let message = match crate::api::follow_ups::close(&state, &user, id, status, &draft).await {
        Ok(row) if row.completed_touchpoint_id.is_some() => {
            "Follow-up done, and the touch-point is logged.".to_string()
        }
        Ok(_) if status == FollowUpStatus::Done => "Follow-up done.".to_string(),
        Ok(_) => "Follow-up cancelled.".to_string(),
        Err(AppError::Invalid(errors)) => format!(
            "Nothing was saved: {}",
            errors.into_values().collect::<Vec<_>>().join(" ")
        ),
        Err(AppError::Conflict(m)) => m,
        Err(e) => return Err(e),
    };
    redirect_with_flash(&state, &user, &back, &message).await
}

async fn complete(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<CloseForm>,
) -> AppResult<Response> {
    close(state, user, id, FollowUpStatus::Done, form).await
}

async fn cancel(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<CloseForm>,
) -> AppResult<Response> {
    close(state, user, id, FollowUpStatus::Cancelled, form).await
}
