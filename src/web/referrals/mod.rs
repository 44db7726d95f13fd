//! Referral views: the overview (top referrers with their loyalty, leakage, the decline
//! list), the sections on a physician's, an organization's and a facility's page, and a
//! CSV download (audited) of every table. Counts go through the workspace's small-cell
//! setting on the way out.

mod chart;
mod downloads;
mod overview;
mod sections;

pub use sections::{
    FacilitySection, OrganizationSection, PhysicianSection, facility_section, organization_section,
    physician_section,
};

use axum::Router;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use sqlx::PgConnection;

use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::db;
use crate::domain::TenantId;
use crate::domain::referral::{MonthRange, Shown};
use crate::error::{AppError, AppResult};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/referrals", get(overview::page))
        .route("/referrals/{table}", get(overview::csv))
        .merge(sections::router())
}

/// The months a view covers, as the filter sends them (`2025-01`).
#[derive(Deserialize, Default, Clone, Debug)]
pub struct RangeQuery {
    pub from: Option<String>,
    pub to: Option<String>,
}

/// The resolved range with what the filter form and links need.
pub struct RangeView {
    pub range: MonthRange,
    /// `2025-01`, for `<input type="month">`.
    pub from: String,
    pub to: String,
    pub label: String,
    /// `from=2025-01&to=2025-12`, for links that keep the range.
    pub query: String,
    /// The workspace has any referral data at all.
    pub has_data: bool,
}

/// Resolves `q` against the workspace's latest referral month.
pub async fn resolve_range(
    conn: &mut PgConnection,
    tenant: TenantId,
    q: &RangeQuery,
) -> sqlx::Result<RangeView> {
    let latest = db::referrals::latest_period(conn, tenant).await?;
    let range = MonthRange::resolve(
        q.from.as_deref(),
        q.to.as_deref(),
        latest,
        chrono::Utc::now().date_naive(),
    );
    let from = range.from.format("%Y-%m").to_string();
    let to = range.to.format("%Y-%m").to_string();
    Ok(RangeView {
        label: range.label(),
        query: format!("from={from}&to={to}"),
        from,
        to,
        range,
        has_data: latest.is_some(),
    })
}

/// Records a referral table's download.
async fn audit_export(
    conn: &mut PgConnection,
    user: &CurrentUser,
    table: &str,
    subject: Option<String>,
    rows: usize,
    range: &MonthRange,
) -> AppResult<()> {
    db::audit::record(
        conn,
        &user.actor(),
        "referral.export",
        "referral",
        subject,
        serde_json::json!({
            "table": table, "rows": rows,
            "from": range.from.to_string(), "to": range.to.to_string(),
        }),
    )
    .await?;
    Ok(())
}

/// A CSV download named `{name}-{from}-{to}.csv`.
fn csv_download(
    name: &str,
    range: &MonthRange,
    header_row: &[&str],
    rows: Vec<Vec<String>>,
) -> AppResult<Response> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let write_err = |e: csv::Error| AppError::Internal(e.into());
    out.write_record(header_row).map_err(write_err)?;
    for row in rows {
        out.write_record(row.iter().map(|c| super::stakeholders::csv_cell(c)))
            .map_err(write_err)?;
    }
    let body = out
        .into_inner()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("csv: {e}")))?;
    let disposition = format!(
        "attachment; filename=\"{name}-{}-{}.csv\"",
        range.from.format("%Y-%m"),
        range.to.format("%Y-%m")
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

/// A count for a page: "1,234" (or "<11").
pub fn grouped(shown: Shown) -> String {
    match shown {
        Shown::Under11 => "<11".into(),
        Shown::Exact(n) => {
            let digits = n.unsigned_abs().to_string();
            let mut out = String::new();
            for (i, c) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i) % 3 == 0 {
                    out.push(',');
                }
                out.push(c);
            }
            if n < 0 { format!("-{out}") } else { out }
        }
    }
}

/// "42%" or "—" when withheld (no total, or it would reveal a small cell).
pub fn percent(p: Option<i64>) -> String {
    p.map(|p| format!("{p}%")).unwrap_or_else(|| "—".into())
}
