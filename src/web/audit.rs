//! The audit log (admins only), filterable by action, entity, user and date.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use chrono::{NaiveDate, TimeZone, Utc};
use serde::Deserialize;

use super::pager::query_base;
use super::{Layout, Pager, Query};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::db::{
    self, PageRequest,
    audit::{AuditFilter, AuditRow},
    users::UserFilter,
};
use crate::domain::UserId;
use crate::error::AppResult;
use crate::postgres::tenant_tx;

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/audit", get(list))
}

#[derive(Deserialize, Default)]
struct AuditQuery {
    action: Option<String>,
    entity: Option<String>,
    user: Option<String>,
    from: Option<String>,
    to: Option<String>,
    page: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "audit.html")]
struct AuditPage {
    layout: Layout,
    rows: Vec<AuditRow>,
    pager: Pager,
    actions: Vec<String>,
    users: Vec<(String, String)>,
    action: String,
    user: String,
    from: String,
    to: String,
    date_error: bool,
}

fn date(s: &Option<String>) -> Result<Option<NaiveDate>, ()> {
    match s.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| ()),
    }
}

async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<AuditQuery>,
) -> AppResult<AuditPage> {
    user.require_admin()?;
    let from = date(&q.from);
    let to = date(&q.to);
    let date_error = from.is_err() || to.is_err();
    let midnight = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map(|t| Utc.from_utc_datetime(&t));
    let filter = AuditFilter {
        action: q.action.clone().filter(|s| !s.is_empty()),
        entity: q.entity.clone().filter(|s| !s.is_empty()),
        user_id: q.user.as_deref().and_then(|u| u.parse::<UserId>().ok()),
        from: from.ok().flatten().and_then(midnight),
        to: to
            .ok()
            .flatten()
            .and_then(|d| d.succ_opt())
            .and_then(midnight),
    };
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let page = db::audit::list(&mut tx, &filter, PageRequest::new(q.page, Some(50))).await?;
    let actions = db::audit::actions(&mut tx).await?;
    let users = db::users::list(
        &mut tx,
        &UserFilter::default(),
        PageRequest::new(Some(1), Some(200)),
    )
    .await?;
    tx.commit().await?;
    let base = query_base(
        "/admin/audit",
        &[
            ("action", q.action.as_deref()),
            ("entity", q.entity.as_deref()),
            ("user", q.user.as_deref()),
            ("from", q.from.as_deref()),
            ("to", q.to.as_deref()),
        ],
    );
    Ok(AuditPage {
        layout: Layout::new(&user, "Audit log", "audit"),
        pager: Pager::new(&page, &base),
        rows: page.items,
        actions,
        users: users
            .items
            .into_iter()
            .map(|u| (u.id.to_string(), u.name))
            .collect(),
        action: q.action.unwrap_or_default(),
        user: q.user.unwrap_or_default(),
        from: q.from.unwrap_or_default(),
        to: q.to.unwrap_or_default(),
        date_error,
    })
}
