//! `/referrals`: the workspace's referrals over a range of months, top referrers with their
//! loyalty, the physicians sending most elsewhere, and the decline list; each as CSV.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::Response;

use super::chart::Chart;
use super::sections::Common;
use super::{RangeQuery, audit_export, csv_download, resolve_range};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::db;
use crate::db::referrals::overview::{Lists, Ranked};
use crate::domain::referral::{
    BASELINE_MONTHS, MIN_BASELINE, MIN_DROP_PERCENT, RECENT_MONTHS, month_label,
};
use crate::error::{AppError, AppResult};
use crate::postgres::tenant_tx;
use crate::web::{Layout, Path, Query};

/// Rows each list shows on the page (the CSV has them all).
const SHOWN: usize = 25;

#[derive(Template, WebTemplate)]
#[template(path = "referrals/overview.html")]
pub struct OverviewPage {
    layout: Layout,
    c: Common,
    lists: Lists,
    /// Facilities carry NPIs (or referrals name facilities): loyalty means something.
    knows_own: bool,
    can_import: bool,
    recent_months: u32,
    baseline_months: u32,
    min_baseline: i64,
    min_drop: i64,
    recent_label: String,
}

impl OverviewPage {
    fn href(&self, r: &Ranked) -> Option<String> {
        r.stakeholder_id.map(|id| format!("/stakeholders/{id}"))
    }
}

pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<RangeQuery>,
) -> AppResult<OverviewPage> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let range = resolve_range(&mut tx, user.tenant_id, &q).await?;
    let cells = db::settings::small_cells(&mut tx, user.tenant_id).await?;
    let lists =
        db::referrals::overview::lists(&mut tx, user.tenant_id, &range.range, Some(SHOWN)).await?;
    let monthly = db::referrals::overview::monthly(&mut tx, user.tenant_id, &range.range).await?;
    let knows_own: bool = sqlx::query_scalar(
        "select exists(select 1 from facilities where tenant_id = $1 and npi is not null)",
    )
    .bind(user.tenant_id)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    let months = db::referrals::fill_months(&range.range, monthly);
    let total = months.iter().map(|m| m.total).sum();
    let own = months.iter().map(|m| m.own).sum();
    let recent_label = format!(
        "{} – {}",
        month_label(range.range.recent_from()),
        month_label(range.range.to)
    );
    Ok(OverviewPage {
        layout: Layout::new(&user, "Referrals", "referrals"),
        knows_own: knows_own || lists.own > 0,
        can_import: user.is_admin(),
        c: Common {
            chart: Chart::new(&months, cells, true, "referrals"),
            range,
            cells,
            months,
            total,
            own,
            page: "/referrals".into(),
            base: "/referrals".into(),
        },
        lists,
        recent_months: RECENT_MONTHS,
        baseline_months: BASELINE_MONTHS,
        min_baseline: MIN_BASELINE,
        min_drop: MIN_DROP_PERCENT,
        recent_label,
    })
}

fn person(r: &Ranked) -> Vec<String> {
    vec![
        r.totals.from_npi.clone(),
        r.name.clone().unwrap_or_default(),
        r.stakeholder_id.map(|i| i.to_string()).unwrap_or_default(),
    ]
}

/// `/referrals/{table}.csv`: top-referrers, leakage or declines, every row.
pub async fn csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(file): Path<String>,
    Query(q): Query<RangeQuery>,
) -> AppResult<Response> {
    let table = file.strip_suffix(".csv").ok_or(AppError::NotFound)?;
    if !["top-referrers", "leakage", "declines"].contains(&table) {
        return Err(AppError::NotFound);
    }
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let range = resolve_range(&mut tx, user.tenant_id, &q).await?;
    let cells = db::settings::small_cells(&mut tx, user.tenant_id).await?;
    let lists = db::referrals::overview::lists(&mut tx, user.tenant_id, &range.range, None).await?;
    let (header, rows): (&[&str], Vec<Vec<String>>) = match table {
        "top-referrers" | "leakage" => {
            let list = if table == "leakage" {
                &lists.leakage
            } else {
                &lists.top
            };
            (
                &[
                    "npi",
                    "name",
                    "stakeholder_id",
                    "referrals",
                    "own_facilities",
                    "elsewhere",
                    "loyalty_percent",
                    "leakage_percent",
                ],
                list.iter()
                    .map(|r| {
                        let t = &r.totals;
                        let mut row = person(r);
                        row.extend([
                            cells.count(t.total).to_string(),
                            cells.count(t.own).to_string(),
                            cells.count(t.elsewhere()).to_string(),
                            cells
                                .share(t.own, t.total)
                                .map(|p| p.to_string())
                                .unwrap_or_default(),
                            cells
                                .share(t.elsewhere(), t.total)
                                .map(|p| p.to_string())
                                .unwrap_or_default(),
                        ]);
                        row
                    })
                    .collect(),
            )
        }
        _ => (
            &[
                "npi",
                "name",
                "stakeholder_id",
                "recent_3_months",
                "baseline_12_months",
                "recent_monthly_average",
                "baseline_monthly_average",
                "change_percent",
            ],
            lists
                .declines
                .iter()
                .map(|r| {
                    let t = &r.totals;
                    let hidden = cells.count(t.recent).is_suppressed()
                        || cells.count(t.baseline).is_suppressed();
                    let mut row = person(r);
                    row.extend([
                        cells.count(t.recent).to_string(),
                        cells.count(t.baseline).to_string(),
                        r.decline
                            .filter(|_| !hidden)
                            .map(|d| format!("{:.1}", d.recent_monthly))
                            .unwrap_or_default(),
                        r.decline
                            .filter(|_| !hidden)
                            .map(|d| format!("{:.1}", d.baseline_monthly))
                            .unwrap_or_default(),
                        r.decline
                            .filter(|_| !hidden)
                            .map(|d| d.change_percent.to_string())
                            .unwrap_or_default(),
                    ]);
                    row
                })
                .collect(),
        ),
    };
    audit_export(&mut tx, &user, table, None, rows.len(), &range.range).await?;
    tx.commit().await?;
    csv_download(&format!("referrals-{table}"), &range.range, header, rows)
}
