//! The home page: who you are, what the workspace holds so far, where to go next.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::routing::get;

use super::Layout;
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::db;
use crate::error::AppResult;
use crate::postgres::tenant_tx;

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(home))
}

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    stakeholders: i64,
    facilities: i64,
    users: i64,
    /// The signed-in user's book: overdue and due soon.
    book: db::assignments::BookCounts,
    /// Open concerns past their due date (shown to admins, marketers and executives).
    overdue_concerns: Option<i64>,
    /// The signed-in user's open follow-ups past their due date.
    overdue_follow_ups: i64,
    is_admin: bool,
}

async fn home(State(state): State<AppState>, user: CurrentUser) -> AppResult<HomePage> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let stakeholders = db::stakeholders::count_active(&mut tx).await?;
    let facilities = db::facilities::count_active(&mut tx).await?;
    let users = db::users::count_active(&mut tx).await?;
    let cadence = db::assignments::cadence(&mut tx).await?;
    let (_, book) = db::assignments::book(
        &mut tx,
        user.user_id.0,
        cadence,
        db::assignments::BookView::Due,
        db::PageRequest::new(Some(1), Some(1)),
    )
    .await?;
    let overdue_concerns = if user.role == crate::domain::Role::Liaison {
        None
    } else {
        Some(db::feedback::overdue_concerns(&mut tx).await?)
    };
    let overdue_follow_ups = db::follow_ups::overdue_count(&mut tx, user.user_id.0).await?;
    tx.commit().await?;
    Ok(HomePage {
        overdue_follow_ups,
        layout: Layout::new(&user, "Home", "home"),
        stakeholders,
        facilities,
        users,
        book,
        overdue_concerns,
        is_admin: user.is_admin(),
    })
}
