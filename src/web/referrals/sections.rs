//! The referral sections of a physician's, an organization's and a facility's page: each
//! with its range filter (htmx swaps the section; without script the form reloads the
//! page), a monthly chart with a table alternative, and CSV downloads.

use std::borrow::Borrow;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use sqlx::PgConnection;
use uuid::Uuid;

use super::chart::Chart;
use super::downloads;
use super::{RangeQuery, RangeView, percent, resolve_range};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::db;
use crate::db::facilities::FacilityRow;
use crate::db::referrals::MonthCount;
use crate::db::referrals::physician::Destination;
use crate::db::referrals::places::{MemberTotals, Referrer, ServiceLine};
use crate::domain::referral::{SmallCells, month_label};
use crate::domain::{FacilityId, StakeholderId};
use crate::error::{AppError, AppResult};
use crate::postgres::tenant_tx;
use crate::web::{Path, Query};

/// Rows a section's tables show (the CSV has them all, up to this many).
const SHOWN: i64 = 25;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/referrals/stakeholders/{id}/section",
            get(physician_fragment),
        )
        .route(
            "/referrals/stakeholders/{id}/{table}",
            get(downloads::physician_csv),
        )
        .route(
            "/referrals/organizations/{id}/section",
            get(organization_fragment),
        )
        .route(
            "/referrals/organizations/{id}/{table}",
            get(downloads::organization_csv),
        )
        .route("/referrals/facilities/{id}/section", get(facility_fragment))
        .route(
            "/referrals/facilities/{id}/{table}",
            get(downloads::facility_csv),
        )
}

/// What every section shares: the range, the setting, the months and their chart.
pub struct Common {
    pub range: RangeView,
    pub cells: SmallCells,
    pub months: Vec<MonthCount>,
    pub chart: Chart,
    pub total: i64,
    pub own: i64,
    /// The page the section sits on (`/stakeholders/…`), for the no-script form.
    pub page: String,
    /// Where the section's fragment and CSVs live (`/referrals/stakeholders/…`).
    pub base: String,
}

impl Common {
    pub(super) async fn new(
        conn: &mut PgConnection,
        user: &CurrentUser,
        q: &RangeQuery,
        page: String,
        base: String,
    ) -> AppResult<Self> {
        let range = resolve_range(&mut *conn, user.tenant_id, q).await?;
        let cells = db::settings::small_cells(conn, user.tenant_id).await?;
        Ok(Common {
            range,
            cells,
            months: Vec::new(),
            chart: Chart::new(&[], cells, false, "referrals"),
            total: 0,
            own: 0,
            page,
            base,
        })
    }

    pub(super) fn with_months(mut self, rows: Vec<MonthCount>, split: bool) -> Self {
        self.months = db::referrals::fill_months(&self.range.range, rows);
        self.total = self.months.iter().map(|m| m.total).sum();
        self.own = self.months.iter().map(|m| m.own).sum();
        self.chart = Chart::new(&self.months, self.cells, split, "referrals");
        self
    }

    /// A count as shown (templates pass values and references alike).
    pub fn n(&self, v: impl Borrow<i64>) -> String {
        super::grouped(self.cells.count(*v.borrow()))
    }

    /// Whether a count is withheld under small-cell suppression.
    pub fn hidden(&self, v: impl Borrow<i64>) -> bool {
        self.cells.count(*v.borrow()).is_suppressed()
    }

    pub fn share(&self, part: impl Borrow<i64>, total: impl Borrow<i64>) -> String {
        percent(self.cells.share(*part.borrow(), *total.borrow()))
    }

    pub fn month(&self, m: &MonthCount) -> String {
        month_label(m.period)
    }
}

/// A physician's referrals: trend and top destinations.
pub struct PhysicianSection {
    pub c: Common,
    pub npi: Option<String>,
    pub destinations: Vec<Destination>,
}

pub async fn physician_section(
    conn: &mut PgConnection,
    user: &CurrentUser,
    id: StakeholderId,
    npi: Option<&str>,
    q: &RangeQuery,
) -> AppResult<PhysicianSection> {
    let c = Common::new(
        &mut *conn,
        user,
        q,
        format!("/stakeholders/{id}"),
        format!("/referrals/stakeholders/{id}"),
    )
    .await?;
    let range = c.range.range;
    let Some(npi) = npi else {
        return Ok(PhysicianSection {
            c,
            npi: None,
            destinations: Vec::new(),
        });
    };
    let trend = db::referrals::physician::trend(&mut *conn, user.tenant_id, npi, &range).await?;
    let destinations =
        db::referrals::physician::destinations(conn, user.tenant_id, npi, &range, SHOWN).await?;
    Ok(PhysicianSection {
        c: c.with_months(trend, true),
        npi: Some(npi.to_string()),
        destinations,
    })
}

/// An organization's members (its child organizations' too) and their referrals.
pub struct OrganizationSection {
    pub c: Common,
    pub members: Vec<MemberTotals>,
}

pub async fn organization_section(
    conn: &mut PgConnection,
    user: &CurrentUser,
    id: Uuid,
    q: &RangeQuery,
) -> AppResult<OrganizationSection> {
    let c = Common::new(
        &mut *conn,
        user,
        q,
        format!("/organizations/{id}"),
        format!("/referrals/organizations/{id}"),
    )
    .await?;
    let range = c.range.range;
    let trend =
        db::referrals::places::organization_trend(&mut *conn, user.tenant_id, id, &range).await?;
    let members =
        db::referrals::places::organization_members(conn, user.tenant_id, id, &range, SHOWN)
            .await?;
    Ok(OrganizationSection {
        c: c.with_months(trend, true),
        members,
    })
}

/// Referrals into a facility: trend, service lines, referrers.
pub struct FacilitySection {
    pub c: Common,
    pub has_npi: bool,
    pub service_lines: Vec<ServiceLine>,
    pub referrers: Vec<Referrer>,
}

pub async fn facility_section(
    conn: &mut PgConnection,
    user: &CurrentUser,
    f: &FacilityRow,
    q: &RangeQuery,
) -> AppResult<FacilitySection> {
    let c = Common::new(
        &mut *conn,
        user,
        q,
        format!("/facilities/{}", f.id),
        format!("/referrals/facilities/{}", f.id),
    )
    .await?;
    let range = c.range.range;
    let npi = f.npi.as_deref();
    let r = &range;
    let trend =
        db::referrals::places::facility_trend(&mut *conn, user.tenant_id, f.id, npi, r).await?;
    let service_lines =
        db::referrals::places::facility_service_lines(&mut *conn, user.tenant_id, f.id, npi, r)
            .await?;
    let referrers =
        db::referrals::places::facility_referrers(conn, user.tenant_id, f.id, npi, r, SHOWN)
            .await?;
    Ok(FacilitySection {
        c: c.with_months(trend, false),
        has_npi: npi.is_some(),
        service_lines,
        referrers,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "referrals/_physician.html")]
struct PhysicianFragment {
    referrals: PhysicianSection,
}

#[derive(Template, WebTemplate)]
#[template(path = "referrals/_organization.html")]
struct OrganizationFragment {
    referrals: OrganizationSection,
}

#[derive(Template, WebTemplate)]
#[template(path = "referrals/_facility.html")]
struct FacilityFragment {
    referrals: FacilitySection,
}

/// Without htmx, the fragment's address sends the browser to the whole page.
fn page_instead(headers: &HeaderMap, page: &str, q: &RangeQuery) -> Option<Response> {
    if headers.contains_key("hx-request") {
        return None;
    }
    let query = super::super::pager::query_base(
        page,
        &[("from", q.from.as_deref()), ("to", q.to.as_deref())],
    );
    Some(Redirect::to(&format!("{query}#referrals")).into_response())
}

fn fragment(t: impl IntoResponse) -> Response {
    let mut r = t.into_response();
    r.headers_mut()
        .insert("vary", axum::http::HeaderValue::from_static("HX-Request"));
    r
}

async fn physician_fragment(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Path(id): Path<StakeholderId>,
    Query(q): Query<RangeQuery>,
) -> AppResult<Response> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let s = db::stakeholders::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Some(r) = page_instead(&headers, &format!("/stakeholders/{id}"), &q) {
        return Ok(r);
    }
    let referrals = physician_section(&mut tx, &user, id, s.npi.as_deref(), &q).await?;
    tx.commit().await?;
    Ok(fragment(PhysicianFragment { referrals }))
}

async fn organization_fragment(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Path(id): Path<Uuid>,
    Query(q): Query<RangeQuery>,
) -> AppResult<Response> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    db::organizations::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Some(r) = page_instead(&headers, &format!("/organizations/{id}"), &q) {
        return Ok(r);
    }
    let referrals = organization_section(&mut tx, &user, id, &q).await?;
    tx.commit().await?;
    Ok(fragment(OrganizationFragment { referrals }))
}

async fn facility_fragment(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Path(id): Path<FacilityId>,
    Query(q): Query<RangeQuery>,
) -> AppResult<Response> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let f = db::facilities::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Some(r) = page_instead(&headers, &format!("/facilities/{id}"), &q) {
        return Ok(r);
    }
    let referrals = facility_section(&mut tx, &user, &f, &q).await?;
    tx.commit().await?;
    Ok(fragment(FacilityFragment { referrals }))
}
