//! Touch-point pages: the list with its filters, logging one in seconds (also on a phone,
//! also without JavaScript), one touch-point with its edit and delete, and group logging
//! for an event.

mod form;
mod group;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use serde::Deserialize;
use uuid::Uuid;

use super::pager::query_base;
use super::{Layout, Pager, Query};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::db::touchpoints::{TouchpointFilter, TouchpointRow};
use crate::db::{self, PageRequest};
use crate::domain::{Outcome, StakeholderId, TouchChannel, optional_date};
use crate::error::AppResult;
use crate::postgres::tenant_tx;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/touchpoints", get(list).post(form::create))
        .route("/touchpoints/new", get(form::new))
        .route("/touchpoints/group", get(group::new).post(group::create))
        .route("/touchpoints/attendees", get(group::pick))
        .route("/touchpoints/who", get(group::who))
        .route("/touchpoints/{id}", get(form::show).post(form::update))
        .route("/touchpoints/{id}/delete", post(form::delete))
}

#[derive(Deserialize, Default, Clone)]
struct ListQuery {
    stakeholder_id: Option<String>,
    channel: Option<String>,
    outcome: Option<String>,
    campaign_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
    mine: Option<String>,
    group_id: Option<String>,
    page: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "touchpoints/list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<TouchpointRow>,
    pager: Pager,
    channels: &'static [TouchChannel],
    outcomes: &'static [Outcome],
    campaigns: Vec<(Uuid, String)>,
    person: Option<(Uuid, String)>,
    channel: String,
    outcome: String,
    campaign: String,
    from: String,
    to: String,
    mine: bool,
    group: String,
    filtered: bool,
    can_edit: bool,
}

async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> AppResult<ListPage> {
    let id = |v: &Option<String>| v.as_deref().and_then(|s| s.trim().parse::<Uuid>().ok());
    let date = |v: &Option<String>| optional_date(v.as_deref()).ok().flatten();
    let filter = TouchpointFilter {
        stakeholder_id: id(&q.stakeholder_id),
        channel: q.channel.as_deref().and_then(TouchChannel::parse),
        outcome: q.outcome.as_deref().and_then(Outcome::parse),
        campaign_id: id(&q.campaign_id),
        from: date(&q.from),
        to: date(&q.to),
        created_by: super::checkbox(&q.mine).then_some(user.user_id.0),
        group_id: id(&q.group_id),
    };
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let page = db::touchpoints::list(&mut tx, &filter, PageRequest::new(q.page, None)).await?;
    let campaigns = db::touchpoints::campaign_menu(&mut tx).await?;
    let person = match filter.stakeholder_id {
        Some(s) => db::stakeholders::find(&mut tx, StakeholderId(s))
            .await?
            .map(|p| (s, p.display_name())),
        None => None,
    };
    tx.commit().await?;
    let text = |v: Option<String>| v.unwrap_or_default();
    let stakeholder = text(filter.stakeholder_id.map(|s| s.to_string()));
    let campaign = text(filter.campaign_id.map(|s| s.to_string()));
    let from = text(filter.from.map(|d| d.to_string()));
    let to = text(filter.to.map(|d| d.to_string()));
    let group = text(filter.group_id.map(|d| d.to_string()));
    let base = query_base(
        "/touchpoints",
        &[
            ("stakeholder_id", Some(stakeholder.as_str())),
            ("channel", filter.channel.map(TouchChannel::as_str)),
            ("outcome", filter.outcome.map(Outcome::as_str)),
            ("campaign_id", Some(campaign.as_str())),
            ("from", Some(from.as_str())),
            ("to", Some(to.as_str())),
            ("mine", filter.created_by.is_some().then_some("on")),
            ("group_id", Some(group.as_str())),
        ],
    );
    Ok(ListPage {
        layout: Layout::new(&user, "Touch-points", "touchpoints"),
        pager: Pager::new(&page, &base),
        rows: page.items,
        channels: TouchChannel::ALL,
        outcomes: Outcome::ALL,
        campaigns,
        person,
        channel: filter
            .channel
            .map(|c| c.as_str().to_string())
            .unwrap_or_default(),
        outcome: filter
            .outcome
            .map(|c| c.as_str().to_string())
            .unwrap_or_default(),
        campaign,
        from,
        to,
        mine: filter.created_by.is_some(),
        group,
        filtered: base != "/touchpoints",
        can_edit: user.role.can_edit_book(),
    })
}
