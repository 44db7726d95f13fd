//! `/api/v1/referrals`: the referral views as JSON: top referrers, leakage, declines, and
//! one physician's months and destinations. Counts follow the workspace's small-cell
//! setting: with suppression on, 1 to 10 come as the string "<11".

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{Path, Query};
use crate::app::AppState;
use crate::auth::ApiUser;
use crate::db;
use crate::db::referrals::overview::Ranked;
use crate::domain::StakeholderId;
use crate::domain::referral::{MonthRange, Shown, SmallCells};
use crate::error::{ApiResult, AppError};
use crate::postgres::tenant_tx;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/referrals/top-referrers", get(top_referrers))
        .route("/referrals/leakage", get(leakage))
        .route("/referrals/declines", get(declines))
        .route("/referrals/stakeholders/{id}", get(stakeholder))
}

/// The months to cover; by default the 12 ending at the latest month with data.
#[derive(Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RangeParams {
    /// First month, `2025-01`.
    pub from: Option<String>,
    /// Last month, `2025-12`.
    pub to: Option<String>,
    /// Rows to return, 1 to 1,000 (default 25).
    pub limit: Option<usize>,
}

async fn range_of(
    conn: &mut sqlx::PgConnection,
    user: &crate::auth::CurrentUser,
    p: &RangeParams,
) -> Result<(MonthRange, SmallCells), AppError> {
    let latest = db::referrals::latest_period(&mut *conn, user.tenant_id).await?;
    let range = MonthRange::resolve(
        p.from.as_deref(),
        p.to.as_deref(),
        latest,
        chrono::Utc::now().date_naive(),
    );
    let cells = db::settings::small_cells(conn, user.tenant_id).await?;
    Ok((range, cells))
}

/// A referring physician's numbers over the range.
#[derive(Serialize, ToSchema)]
pub struct Referrer {
    pub npi: String,
    /// The stakeholder with this NPI, when the workspace has one.
    pub stakeholder_id: Option<Uuid>,
    pub name: Option<String>,
    pub referrals: Shown,
    /// To the workspace's own facilities.
    pub own: Shown,
    pub elsewhere: Shown,
    /// Own as a share of all, in percent; null when withheld or without referrals.
    pub loyalty_percent: Option<i64>,
}

/// A physician whose referrals fell against their trailing baseline.
#[derive(Serialize, ToSchema)]
pub struct Declining {
    pub npi: String,
    pub stakeholder_id: Option<Uuid>,
    pub name: Option<String>,
    /// Referrals in the range's last 3 months.
    pub recent: Shown,
    /// Referrals in the 12 months before them.
    pub baseline: Shown,
    /// Change of the monthly average, in percent; null when it would reveal a small cell.
    pub change_percent: Option<i64>,
}

/// One of the overview lists.
#[derive(Serialize, ToSchema)]
pub struct ReferralList<T> {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub small_cell_suppression: bool,
    pub items: Vec<T>,
}

fn referrer(r: &Ranked, cells: SmallCells) -> Referrer {
    let t = &r.totals;
    Referrer {
        npi: t.from_npi.clone(),
        stakeholder_id: r.stakeholder_id,
        name: r.name.clone(),
        referrals: cells.count(t.total),
        own: cells.count(t.own),
        elsewhere: cells.count(t.elsewhere()),
        loyalty_percent: cells.share(t.own, t.total),
    }
}

async fn lists(
    state: &AppState,
    user: &crate::auth::CurrentUser,
    p: &RangeParams,
) -> Result<(MonthRange, SmallCells, db::referrals::overview::Lists), AppError> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let (range, cells) = range_of(&mut tx, user, p).await?;
    let limit = p.limit.unwrap_or(25).clamp(1, 1000);
    let lists =
        db::referrals::overview::lists(&mut tx, user.tenant_id, &range, Some(limit)).await?;
    tx.commit().await?;
    Ok((range, cells, lists))
}

/// Physicians by referrals over the range, most first, with their loyalty.
#[utoipa::path(get, path = "/api/v1/referrals/top-referrers", tag = "referrals", params(RangeParams),
    responses((status = 200, body = ReferralList<Referrer>), (status = 401, body = crate::error::Problem)))]
pub async fn top_referrers(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(p): Query<RangeParams>,
) -> ApiResult<axum::Json<ReferralList<Referrer>>> {
    let (range, cells, lists) = lists(&state, &user, &p).await?;
    Ok(axum::Json(ReferralList {
        from: range.from,
        to: range.to,
        small_cell_suppression: cells.suppress,
        items: lists.top.iter().map(|r| referrer(r, cells)).collect(),
    }))
}

/// Physicians by referrals sent elsewhere (not to the workspace's facilities), most first.
#[utoipa::path(get, path = "/api/v1/referrals/leakage", tag = "referrals", params(RangeParams),
    responses((status = 200, body = ReferralList<Referrer>), (status = 401, body = crate::error::Problem)))]
pub async fn leakage(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(p): Query<RangeParams>,
) -> ApiResult<axum::Json<ReferralList<Referrer>>> {
    let (range, cells, lists) = lists(&state, &user, &p).await?;
    Ok(axum::Json(ReferralList {
        from: range.from,
        to: range.to,
        small_cell_suppression: cells.suppress,
        items: lists.leakage.iter().map(|r| referrer(r, cells)).collect(),
    }))
}

/// Physicians whose last 3 months fell at least 30% below their previous 12 (biggest drop
/// first), among those with at least 24 referrals in the 12.
#[utoipa::path(get, path = "/api/v1/referrals/declines", tag = "referrals", params(RangeParams),
    responses((status = 200, body = ReferralList<Declining>), (status = 401, body = crate::error::Problem)))]
pub async fn declines(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Query(p): Query<RangeParams>,
) -> ApiResult<axum::Json<ReferralList<Declining>>> {
    let (range, cells, lists) = lists(&state, &user, &p).await?;
    let items = lists
        .declines
        .iter()
        .map(|r| {
            let t = &r.totals;
            let hidden =
                cells.count(t.recent).is_suppressed() || cells.count(t.baseline).is_suppressed();
            Declining {
                npi: t.from_npi.clone(),
                stakeholder_id: r.stakeholder_id,
                name: r.name.clone(),
                recent: cells.count(t.recent),
                baseline: cells.count(t.baseline),
                change_percent: r.decline.filter(|_| !hidden).map(|d| d.change_percent),
            }
        })
        .collect();
    Ok(axum::Json(ReferralList {
        from: range.from,
        to: range.to,
        small_cell_suppression: cells.suppress,
        items,
    }))
}

/// One month of a physician's referrals.
#[derive(Serialize, ToSchema)]
pub struct Month {
    /// The month's first day.
    pub month: NaiveDate,
    pub referrals: Shown,
    pub own: Shown,
    pub elsewhere: Shown,
}

/// Where a physician's referrals went.
#[derive(Serialize, ToSchema)]
pub struct Destination {
    /// The name the workspace knows (facility, person, organization, service line), else "NPI …".
    pub name: String,
    pub npi: Option<String>,
    pub facility_id: Option<Uuid>,
    pub stakeholder_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
    /// One of the workspace's own facilities.
    pub own: bool,
    pub referrals: Shown,
}

/// A physician's referrals over the range.
#[derive(Serialize, ToSchema)]
pub struct PhysicianReferrals {
    pub stakeholder_id: StakeholderId,
    pub npi: Option<String>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub small_cell_suppression: bool,
    pub referrals: Shown,
    pub own: Shown,
    pub loyalty_percent: Option<i64>,
    /// Every month of the range, oldest first.
    pub months: Vec<Month>,
    /// Top destinations, most referrals first.
    pub destinations: Vec<Destination>,
}

/// A stakeholder's referrals: monthly trend and top destinations (empty without an NPI).
#[utoipa::path(get, path = "/api/v1/referrals/stakeholders/{id}", tag = "referrals",
    params(("id" = StakeholderId, Path), RangeParams),
    responses((status = 200, body = PhysicianReferrals), (status = 404, body = crate::error::Problem)))]
pub async fn stakeholder(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(id): Path<StakeholderId>,
    Query(p): Query<RangeParams>,
) -> ApiResult<axum::Json<PhysicianReferrals>> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let s = db::stakeholders::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (range, cells) = range_of(&mut tx, &user, &p).await?;
    let (trend, destinations) = match s.npi.as_deref() {
        Some(npi) => (
            db::referrals::physician::trend(&mut tx, user.tenant_id, npi, &range).await?,
            db::referrals::physician::destinations(
                &mut tx,
                user.tenant_id,
                npi,
                &range,
                p.limit.unwrap_or(25).clamp(1, 1000) as i64,
            )
            .await?,
        ),
        None => (Vec::new(), Vec::new()),
    };
    tx.commit().await?;
    let months = db::referrals::fill_months(&range, trend);
    let total: i64 = months.iter().map(|m| m.total).sum();
    let own: i64 = months.iter().map(|m| m.own).sum();
    Ok(axum::Json(PhysicianReferrals {
        stakeholder_id: id,
        npi: s.npi,
        from: range.from,
        to: range.to,
        small_cell_suppression: cells.suppress,
        referrals: cells.count(total),
        own: cells.count(own),
        loyalty_percent: cells.share(own, total),
        months: months
            .iter()
            .map(|m| Month {
                month: m.period,
                referrals: cells.count(m.total),
                own: cells.count(m.own),
                elsewhere: cells.count(m.total - m.own),
            })
            .collect(),
        destinations: destinations
            .iter()
            .map(|d| Destination {
                name: d.name(),
                npi: d.to_npi.clone(),
                facility_id: d.facility_id,
                stakeholder_id: d.stakeholder_id,
                organization_id: d.organization_id,
                own: d.own,
                referrals: cells.count(d.total),
            })
            .collect(),
    }))
}
