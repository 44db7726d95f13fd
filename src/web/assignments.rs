//! Relationship managers: assign and end, each user's book ("My stakeholders"), and the
//! workspace's contact cadence.

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
use crate::db::assignments::{BookCounts, BookRow, BookView};
use crate::db::{self, PageRequest};
use crate::domain::{AssignmentRole, Cadence, Role};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::postgres::tenant_tx;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/stakeholders/{id}/assignments", post(assign))
        .route("/assignments/{id}/end", post(end))
        .route("/my-stakeholders", get(book))
        .route("/admin/cadence", get(cadence_page).post(save_cadence))
}

#[derive(Deserialize)]
struct AssignForm {
    #[serde(default)]
    user_id: String,
    #[serde(default)]
    role: String,
}

async fn assign(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<AssignForm>,
) -> AppResult<Response> {
    user.require_book_editor()?;
    let back = format!("/stakeholders/{id}#managers");
    let (Ok(manager), Some(role)) = (
        form.user_id.trim().parse::<Uuid>(),
        AssignmentRole::parse(&form.role),
    ) else {
        return redirect_with_flash(&state, &user, &back, "Choose a user and a role.").await;
    };
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    if db::stakeholders::find(&mut tx, crate::domain::StakeholderId(id))
        .await?
        .is_none()
    {
        return Err(AppError::NotFound);
    }
    if !db::assignments::assignable(&mut tx, manager).await? {
        return redirect_with_flash(
            &state,
            &user,
            &back,
            "That user is not an active user of this workspace.",
        )
        .await;
    }
    let added =
        db::assignments::assign_audited(&mut tx, &user.actor(), &[id], manager, role).await?;
    tx.commit().await?;
    let message = if added == 0 {
        "Already assigned that way; nothing changed."
    } else {
        "Relationship manager assigned. The previous assignment stays in the history."
    };
    redirect_with_flash(&state, &user, &back, message).await
}

async fn end(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> AppResult<Response> {
    user.require_book_editor()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let (stakeholder, ended) = db::assignments::end_audited(&mut tx, &user.actor(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    let message = if ended {
        "Assignment ended; it stays in the history."
    } else {
        "That assignment had already ended."
    };
    redirect_with_flash(
        &state,
        &user,
        &format!("/stakeholders/{stakeholder}#managers"),
        message,
    )
    .await
}

#[derive(Deserialize, Default)]
struct BookQuery {
    view: Option<String>,
    user: Option<String>,
    page: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "assignments/book.html")]
struct BookPage {
    layout: Layout,
    rows: Vec<BookRow>,
    counts: BookCounts,
    pager: Pager,
    view_all: bool,
    cadence: Cadence,
    /// Whose book: none for the signed-in user.
    owner: Option<(Uuid, String)>,
    /// Users whose books this user may look at (managers only).
    users: Vec<(Uuid, String)>,
    is_admin: bool,
    /// Who to see next, with the reasons.
    see_next: Vec<db::priorities::PriorityRow>,
}

/// How many people the "see next" list shows.
const SEE_NEXT: usize = 10;

/// "My stakeholders": who in the signed-in user's book is due or overdue for contact.
/// Admins, marketers and executives may open another user's book.
async fn book(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<BookQuery>,
) -> AppResult<BookPage> {
    let view = match q.view.as_deref() {
        Some("all") => BookView::All,
        _ => BookView::Due,
    };
    let may_see_others = user.role != Role::Liaison;
    let other = q
        .user
        .as_deref()
        .filter(|u| !u.is_empty())
        .map(|u| u.parse::<Uuid>().map_err(|_| AppError::NotFound))
        .transpose()?
        .filter(|u| *u != user.user_id.0);
    if other.is_some() && !may_see_others {
        return Err(AppError::Forbidden);
    }
    let whose = other.unwrap_or(user.user_id.0);
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let users = if may_see_others {
        db::assignments::users(&mut tx).await?
    } else {
        Vec::new()
    };
    // Any user of the workspace, deactivated ones too: their book still needs reassigning.
    let owner = match other {
        Some(id) => Some(
            db::users::find(&mut tx, crate::domain::UserId(id))
                .await?
                .map(|u| (id, u.name))
                .ok_or(AppError::NotFound)?,
        ),
        None => None,
    };
    let cadence = db::assignments::cadence(&mut tx).await?;
    let page = PageRequest::new(q.page, Some(50));
    let (rows, counts) = db::assignments::book(&mut tx, whose, cadence, view, page).await?;
    let see_next = db::priorities::see_next(&mut tx, whose, cadence, SEE_NEXT).await?;
    tx.commit().await?;
    let shown = match view {
        BookView::Due => counts.overdue + counts.due_soon,
        BookView::All => counts.total,
    };
    let base = query_base(
        "/my-stakeholders",
        &[
            ("view", (view == BookView::All).then_some("all")),
            ("user", other.map(|u| u.to_string()).as_deref()),
        ],
    );
    let db_page = db::Page {
        items: rows,
        total: shown,
        total_capped: false,
        page: page.page,
        per_page: page.per_page,
    };
    let title = match &owner {
        Some((_, name)) => format!("{name}'s stakeholders"),
        None => "My stakeholders".into(),
    };
    Ok(BookPage {
        layout: Layout::new(&user, title, "my"),
        pager: Pager::new(&db_page, &base),
        rows: db_page.items,
        counts,
        view_all: view == BookView::All,
        cadence,
        owner,
        users,
        is_admin: user.role == Role::Admin,
        see_next,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "assignments/cadence.html")]
struct CadencePage {
    layout: Layout,
    a: String,
    b: String,
    c: String,
    errors: FieldErrors,
}

async fn cadence_page(State(state): State<AppState>, user: CurrentUser) -> AppResult<CadencePage> {
    user.require_admin()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let c = db::assignments::cadence(&mut tx).await?;
    tx.commit().await?;
    Ok(CadencePage {
        layout: Layout::new(&user, "Contact cadence", "cadence"),
        a: c.a.to_string(),
        b: c.b.to_string(),
        c: c.c.to_string(),
        errors: FieldErrors::new(),
    })
}

#[derive(Deserialize)]
struct CadenceForm {
    #[serde(default)]
    a: String,
    #[serde(default)]
    b: String,
    #[serde(default)]
    c: String,
}

async fn save_cadence(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<CadenceForm>,
) -> AppResult<Response> {
    user.require_admin()?;
    let cadence = match Cadence::parse(&form.a, &form.b, &form.c) {
        Ok(c) => c,
        Err(errors) => {
            let page = CadencePage {
                layout: Layout::new(&user, "Contact cadence", "cadence"),
                a: form.a,
                b: form.b,
                c: form.c,
                errors,
            };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    db::assignments::set_cadence_audited(&mut tx, &user.actor(), cadence).await?;
    tx.commit().await?;
    redirect_with_flash(
        &state,
        &user,
        "/admin/cadence",
        "Cadence saved. Every book now counts due dates with it.",
    )
    .await
}
