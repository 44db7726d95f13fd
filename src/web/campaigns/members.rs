//! A campaign's members: the audience as a list, adding people by hand (one through the
//! typeahead, or many by pasting NPIs) and removing them, each audited.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use uuid::Uuid;

use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::db::campaign_members::MemberRow;
use crate::db::campaigns::CampaignRow;
use crate::db::{self, PageRequest};
use crate::error::{AppError, AppResult};
use crate::postgres::tenant_tx;
use crate::web::pager::query_base;
use crate::web::{Form, Layout, Pager, Pairs, Path, Query, redirect_with_flash};

#[derive(Deserialize, Default)]
pub struct MembersQuery {
    q: Option<String>,
    page: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "campaigns/members.html")]
pub struct MembersPage {
    layout: Layout,
    c: CampaignRow,
    rows: Vec<MemberRow>,
    pager: Pager,
    q: String,
    live: bool,
    audience_summary: Option<String>,
    can_plan: bool,
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Query(q): Query<MembersQuery>,
) -> AppResult<MembersPage> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let c = db::campaigns::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (audience, audience_summary) = db::campaign_members::audience_for(&mut tx, &c).await?;
    let search = q.q.clone().filter(|s| !s.trim().is_empty());
    let page = db::campaign_members::list(
        &mut tx,
        &audience,
        search.as_deref(),
        PageRequest::new(q.page, Some(50)),
    )
    .await?;
    tx.commit().await?;
    let base = query_base(
        &format!("/campaigns/{id}/members"),
        &[("q", search.as_deref())],
    );
    Ok(MembersPage {
        layout: Layout::new(&user, format!("Members of {}", c.name), "campaigns"),
        pager: Pager::new(&page, &base),
        rows: page.items,
        q: search.unwrap_or_default(),
        live: c.audience_frozen_at.is_none(),
        audience_summary,
        can_plan: user.role.can_plan_campaigns(),
        c,
    })
}

/// The ids a form names: chosen people (`stakeholder_id`, `id`) and pasted NPIs (`npis`).
/// Returns the ids and the NPIs that matched nobody or were not valid.
async fn named_people(
    tx: &mut sqlx::PgConnection,
    p: &Pairs,
) -> AppResult<(Vec<Uuid>, Vec<String>)> {
    let mut ids: Vec<Uuid> = p
        .all("stakeholder_id")
        .into_iter()
        .chain(p.all("id"))
        .filter_map(|v| v.trim().parse().ok())
        .collect();
    let pasted: Vec<String> = p
        .list("npis")
        .iter()
        .flat_map(|l| l.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .collect();
    let (found, unknown) = db::stakeholders::resolve_npis(tx, &pasted).await?;
    ids.extend(found);
    ids.sort();
    ids.dedup();
    Ok((ids, unknown))
}

pub async fn add(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    user.require_campaign_planner()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let c = db::campaigns::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (ids, unknown) = named_people(&mut tx, &Pairs(pairs)).await?;
    let added = if ids.is_empty() {
        0
    } else {
        db::campaign_members::add_audited(
            &mut tx,
            &user.actor(),
            id,
            &ids,
            c.audience_frozen_at.is_some(),
        )
        .await?
    };
    tx.commit().await?;
    let mut message = match added {
        0 if ids.is_empty() && unknown.is_empty() => {
            "Choose someone to add, or paste their NPIs.".to_string()
        }
        0 => "Nobody new: everyone named is already a member.".to_string(),
        1 => "1 member added by hand.".to_string(),
        n => format!("{n} members added by hand."),
    };
    if !unknown.is_empty() {
        let shown: Vec<&str> = unknown.iter().take(10).map(String::as_str).collect();
        message.push_str(&format!(
            " Not found or not an NPI: {}{}.",
            shown.join(", "),
            if unknown.len() > 10 { ", …" } else { "" }
        ));
    }
    redirect_with_flash(&state, &user, &format!("/campaigns/{id}/members"), &message).await
}

pub async fn remove(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    user.require_campaign_planner()?;
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    db::campaigns::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let ids: Vec<Uuid> = Pairs(pairs)
        .all("id")
        .iter()
        .filter_map(|v| v.parse().ok())
        .collect();
    let removed = db::campaign_members::remove_audited(&mut tx, &user.actor(), id, &ids).await?;
    tx.commit().await?;
    let message = match removed {
        0 => "Tick the people to remove first.".to_string(),
        1 => "1 member removed. Their touch-points stay; they no longer count toward reach."
            .to_string(),
        n => format!(
            "{n} members removed. Their touch-points stay; they no longer count toward reach."
        ),
    };
    redirect_with_flash(&state, &user, &format!("/campaigns/{id}/members"), &message).await
}
