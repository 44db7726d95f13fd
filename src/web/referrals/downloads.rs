//! The CSV downloads of the referral sections on a physician's, an organization's and a
//! facility's page: every row of each table, counts through the small-cell setting, audited.

use axum::extract::State;
use axum::response::Response;
use uuid::Uuid;

use super::sections::Common;
use super::{RangeQuery, audit_export, csv_download};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::db;
use crate::domain::{FacilityId, StakeholderId};
use crate::error::{AppError, AppResult};
use crate::postgres::tenant_tx;
use crate::web::{Path, Query};

const CSV_ROWS: i64 = 100_000;

fn month_rows(c: &Common, with_own: bool) -> Vec<Vec<String>> {
    c.months
        .iter()
        .map(|m| {
            let mut row = vec![
                m.period.format("%Y-%m").to_string(),
                c.cells.count(m.total).to_string(),
            ];
            if with_own {
                row.push(c.cells.count(m.own).to_string());
                row.push(c.cells.count(m.total - m.own).to_string());
            }
            row
        })
        .collect()
}

const MONTH_HEADER: &[&str] = &["month", "referrals", "own_facilities", "elsewhere"];

pub(super) async fn physician_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, table)): Path<(StakeholderId, String)>,
    Query(q): Query<RangeQuery>,
) -> AppResult<Response> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let s = db::stakeholders::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let npi = s.npi.clone().unwrap_or_default();
    let c = Common::new(&mut tx, &user, &q, String::new(), String::new()).await?;
    let range = c.range.range;
    let (name, header, rows): (&str, &[&str], Vec<Vec<String>>) = match table.as_str() {
        "trend.csv" => {
            let trend =
                db::referrals::physician::trend(&mut tx, user.tenant_id, &npi, &range).await?;
            let c = c.with_months(trend, true);
            ("trend", MONTH_HEADER, month_rows(&c, true))
        }
        "destinations.csv" => {
            let rows = db::referrals::physician::destinations(
                &mut tx,
                user.tenant_id,
                &npi,
                &range,
                CSV_ROWS,
            )
            .await?;
            (
                "destinations",
                &["destination", "npi", "own_facility", "referrals"],
                rows.iter()
                    .map(|d| {
                        vec![
                            d.name(),
                            d.to_npi.clone().unwrap_or_default(),
                            if d.own { "yes" } else { "no" }.to_string(),
                            c.cells.count(d.total).to_string(),
                        ]
                    })
                    .collect(),
            )
        }
        _ => return Err(AppError::NotFound),
    };
    audit_export(
        &mut tx,
        &user,
        name,
        Some(id.to_string()),
        rows.len(),
        &range,
    )
    .await?;
    tx.commit().await?;
    csv_download(
        &format!(
            "referrals-{}-{name}",
            s.npi.as_deref().unwrap_or("physician")
        ),
        &range,
        header,
        rows,
    )
}

pub(super) async fn organization_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, table)): Path<(Uuid, String)>,
    Query(q): Query<RangeQuery>,
) -> AppResult<Response> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    db::organizations::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let c = Common::new(&mut tx, &user, &q, String::new(), String::new()).await?;
    let range = c.range.range;
    let (name, header, rows): (&str, &[&str], Vec<Vec<String>>) = match table.as_str() {
        "trend.csv" => {
            let trend =
                db::referrals::places::organization_trend(&mut tx, user.tenant_id, id, &range)
                    .await?;
            let c = c.with_months(trend, true);
            ("trend", MONTH_HEADER, month_rows(&c, true))
        }
        "members.csv" => {
            let rows = db::referrals::places::organization_members(
                &mut tx,
                user.tenant_id,
                id,
                &range,
                CSV_ROWS,
            )
            .await?;
            (
                "members",
                &[
                    "npi",
                    "name",
                    "stakeholder_id",
                    "referrals",
                    "own_facilities",
                    "elsewhere",
                    "loyalty_percent",
                ],
                rows.iter()
                    .map(|m| {
                        vec![
                            m.npi.clone(),
                            m.name.clone(),
                            m.stakeholder_id.to_string(),
                            c.cells.count(m.total).to_string(),
                            c.cells.count(m.own).to_string(),
                            c.cells.count(m.total - m.own).to_string(),
                            c.cells
                                .share(m.own, m.total)
                                .map(|p| p.to_string())
                                .unwrap_or_default(),
                        ]
                    })
                    .collect(),
            )
        }
        _ => return Err(AppError::NotFound),
    };
    audit_export(
        &mut tx,
        &user,
        name,
        Some(id.to_string()),
        rows.len(),
        &range,
    )
    .await?;
    tx.commit().await?;
    csv_download(
        &format!("referrals-organization-{name}"),
        &range,
        header,
        rows,
    )
}

pub(super) async fn facility_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, table)): Path<(FacilityId, String)>,
    Query(q): Query<RangeQuery>,
) -> AppResult<Response> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let f = db::facilities::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let npi = f.npi.as_deref();
    let c = Common::new(&mut tx, &user, &q, String::new(), String::new()).await?;
    let range = c.range.range;
    let r = &range;
    let (name, header, rows): (&str, &[&str], Vec<Vec<String>>) = match table.as_str() {
        "trend.csv" => {
            let trend =
                db::referrals::places::facility_trend(&mut tx, user.tenant_id, id, npi, r).await?;
            let c = c.with_months(trend, false);
            ("trend", &["month", "referrals"], month_rows(&c, false))
        }
        "service-lines.csv" => {
            let rows =
                db::referrals::places::facility_service_lines(&mut tx, user.tenant_id, id, npi, r)
                    .await?;
            (
                "service-lines",
                &["service_line", "referrals", "referring_physicians"],
                rows.iter()
                    .map(|s| {
                        vec![
                            s.service_line.clone().unwrap_or_default(),
                            c.cells.count(s.total).to_string(),
                            c.cells.count(s.referrers).to_string(),
                        ]
                    })
                    .collect(),
            )
        }
        "referrers.csv" => {
            let rows = db::referrals::places::facility_referrers(
                &mut tx,
                user.tenant_id,
                id,
                npi,
                r,
                CSV_ROWS,
            )
            .await?;
            (
                "referrers",
                &["npi", "name", "stakeholder_id", "referrals"],
                rows.iter()
                    .map(|x| {
                        vec![
                            x.from_npi.clone(),
                            x.name.clone().unwrap_or_default(),
                            x.stakeholder_id.map(|i| i.to_string()).unwrap_or_default(),
                            c.cells.count(x.total).to_string(),
                        ]
                    })
                    .collect(),
            )
        }
        _ => return Err(AppError::NotFound),
    };
    audit_export(&mut tx, &user, name, Some(id.to_string()), rows.len(), r).await?;
    tx.commit().await?;
    csv_download(&format!("referrals-facility-{name}"), r, header, rows)
}
