//! The campaign list.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::db::campaigns::{CampaignFilter, CampaignRow};
use crate::db::{self, PageRequest};
use crate::domain::{CampaignChannel, CampaignStatus};
use crate::error::AppResult;
use crate::postgres::tenant_tx;
use crate::web::pager::query_base;
use crate::web::{Layout, Pager, Query};

#[derive(Deserialize, Default)]
pub struct ListQuery {
    q: Option<String>,
    status: Option<String>,
    channel: Option<String>,
    mine: Option<String>,
    page: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "campaigns/list.html")]
pub struct ListPage {
    layout: Layout,
    rows: Vec<CampaignRow>,
    pager: Pager,
    q: String,
    status: String,
    channel: String,
    mine: bool,
    filtered: bool,
    can_plan: bool,
    statuses: &'static [CampaignStatus],
    channels: &'static [CampaignChannel],
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> AppResult<ListPage> {
    let status = q.status.as_deref().and_then(CampaignStatus::parse);
    let channel = q.channel.as_deref().and_then(CampaignChannel::parse);
    let mine = crate::web::checkbox(&q.mine);
    let filter = CampaignFilter {
        status,
        owner_id: mine.then_some(user.user_id.0),
        q: q.q.clone().filter(|s| !s.trim().is_empty()),
        channel,
    };
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let page = db::campaigns::list(&mut tx, &filter, PageRequest::new(q.page, None)).await?;
    tx.commit().await?;
    let base = query_base(
        "/campaigns",
        &[
            ("q", filter.q.as_deref()),
            ("status", status.map(|s| s.as_str())),
            ("channel", channel.map(|c| c.as_str())),
            ("mine", mine.then_some("on")),
        ],
    );
    Ok(ListPage {
        layout: Layout::new(&user, "Campaigns", "campaigns"),
        pager: Pager::new(&page, &base),
        rows: page.items,
        q: filter.q.unwrap_or_default(),
        status: status.map(|s| s.as_str().to_string()).unwrap_or_default(),
        channel: channel.map(|c| c.as_str().to_string()).unwrap_or_default(),
        mine,
        filtered: base != "/campaigns",
        can_plan: user.role.can_plan_campaigns(),
        statuses: CampaignStatus::ALL,
        channels: CampaignChannel::ALL,
    })
}
