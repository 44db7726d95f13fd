//! A campaign's cost lines (spend against budget) and KPIs (target, baseline, actual).

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::audit::Actor;
use super::campaign_members::CampaignStats;
use crate::domain::{CostCategory, CostInput, KpiInput, KpiMeasure, Money, show_hundredths};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CostRow {
    pub id: Uuid,
    pub spent_on: NaiveDate,
    pub category: String,
    pub amount_cents: i64,
    pub note: Option<String>,
    pub created_by_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl CostRow {
    pub fn amount(&self) -> Money {
        Money(self.amount_cents)
    }

    pub fn category_label(&self) -> &'static str {
        CostCategory::parse(&self.category)
            .map(CostCategory::label)
            .unwrap_or("")
    }
}

pub async fn costs(conn: &mut PgConnection, campaign: Uuid) -> sqlx::Result<Vec<CostRow>> {
    sqlx::query_as(
        "select k.id, k.spent_on, k.category, (k.amount * 100)::bigint as amount_cents, k.note,
           u.name as created_by_name, k.created_at
         from campaign_costs k left join users u on u.tenant_id = k.tenant_id and u.id = k.created_by
         where k.campaign_id = $1 order by k.spent_on desc, k.created_at desc",
    )
    .bind(campaign)
    .fetch_all(conn)
    .await
}

/// Adds a cost line; `None` when the campaign does not exist.
pub async fn add_cost_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    campaign: Uuid,
    c: &CostInput,
) -> sqlx::Result<Option<Uuid>> {
    let id = Uuid::new_v4();
    let n = sqlx::query(
        "insert into campaign_costs (tenant_id, id, campaign_id, spent_on, category, amount, note, created_by)
         select $1, $2, c.id, $4, $5, $6::numeric / 100, $7, $8 from campaigns c where c.id = $3",
    )
    .bind(actor.tenant_id)
    .bind(id)
    .bind(campaign)
    .bind(c.spent_on)
    .bind(c.category.as_str())
    .bind(c.amount.cents())
    .bind(&c.note)
    .bind(actor.user_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        return Ok(None);
    }
    super::audit::record(
        conn,
        actor,
        "campaign.cost_add",
        "campaign",
        Some(campaign.to_string()),
        serde_json::json!({ "cost_id": id, "spent_on": c.spent_on, "category": c.category.as_str(),
                            "amount": c.amount.plain(), "note": c.note }),
    )
    .await?;
    Ok(Some(id))
}

/// Deletes a cost line; false when it is not one of the campaign's.
pub async fn delete_cost_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    campaign: Uuid,
    id: Uuid,
) -> sqlx::Result<bool> {
    let gone: Option<(String, i64)> = sqlx::query_as(
        "delete from campaign_costs where id = $1 and campaign_id = $2
         returning category, (amount * 100)::bigint",
    )
    .bind(id)
    .bind(campaign)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((category, cents)) = gone else {
        return Ok(false);
    };
    super::audit::record(
        conn,
        actor,
        "campaign.cost_delete",
        "campaign",
        Some(campaign.to_string()),
        serde_json::json!({ "cost_id": id, "category": category, "amount": Money(cents).plain() }),
    )
    .await?;
    Ok(true)
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct KpiRow {
    pub id: Uuid,
    pub label: String,
    pub measure: String,
    /// Hundredths.
    pub target: i64,
    pub baseline: Option<i64>,
    /// Hundredths; only for hand-entered KPIs.
    pub actual: Option<i64>,
}

/// A KPI with its actual value worked out.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct KpiView {
    pub id: Uuid,
    pub label: String,
    pub measure: String,
    pub target: f64,
    pub baseline: Option<f64>,
    /// None when it cannot be known yet (no survey or referral data, nothing entered).
    pub actual: Option<f64>,
    /// Why there is no actual value.
    pub pending: Option<String>,
    pub met: Option<bool>,
}

impl KpiView {
    fn num(v: f64) -> String {
        show_hundredths((v * 100.0).round() as i64)
    }

    fn unit(&self) -> &'static str {
        match KpiMeasure::parse(&self.measure) {
            Some(m) if m.is_percent() => "%",
            _ => "",
        }
    }

    pub fn measure_label(&self) -> &'static str {
        KpiMeasure::parse(&self.measure)
            .map(KpiMeasure::label)
            .unwrap_or("")
    }

    pub fn target_text(&self) -> String {
        format!("{}{}", Self::num(self.target), self.unit())
    }

    pub fn baseline_text(&self) -> Option<String> {
        self.baseline
            .map(|b| format!("{}{}", Self::num(b), self.unit()))
    }

    pub fn actual_text(&self) -> Option<String> {
        self.actual
            .map(|a| format!("{}{}", Self::num(a), self.unit()))
    }

    /// Progress toward the target, 0-100, for the bar.
    pub fn progress(&self) -> i64 {
        match self.actual {
            Some(a) if self.target > 0.0 => ((a / self.target) * 100.0).clamp(0.0, 100.0) as i64,
            _ => 0,
        }
    }
}

pub async fn kpis(conn: &mut PgConnection, campaign: Uuid) -> sqlx::Result<Vec<KpiRow>> {
    sqlx::query_as(
        "select id, label, measure, (target * 100)::bigint as target, (baseline * 100)::bigint as baseline,
           (actual * 100)::bigint as actual
         from campaign_kpis where campaign_id = $1 order by position, created_at, id",
    )
    .bind(campaign)
    .fetch_all(conn)
    .await
}

/// The KPIs with their actual values from the campaign's numbers (`lift_percent`: the
/// referral lift against the touched physicians' baseline, when there is enough data).
pub fn kpi_views(
    rows: Vec<KpiRow>,
    stats: &CampaignStats,
    lift_percent: Option<f64>,
) -> Vec<KpiView> {
    rows.into_iter()
        .map(|k| {
            let measure = KpiMeasure::parse(&k.measure).unwrap_or(KpiMeasure::Manual);
            let (actual, pending) = match measure {
                KpiMeasure::Reach => (stats.reach_pct(), Some("No members yet.")),
                KpiMeasure::ResponseRate => (stats.response_pct(), Some("Nobody reached yet.")),
                KpiMeasure::Touches => (Some(stats.touches as f64), None),
                KpiMeasure::SurveyAgreement => (
                    stats.survey_agreement,
                    Some("Measured once a survey of the campaign has answers."),
                ),
                KpiMeasure::ReferralLift => (
                    lift_percent,
                    Some("Measured once there is enough referral data before and after the start."),
                ),
                KpiMeasure::Manual => {
                    (k.actual.map(|a| a as f64 / 100.0), Some("Not entered yet."))
                }
            };
            let target = k.target as f64 / 100.0;
            KpiView {
                id: k.id,
                label: k.label,
                measure: k.measure,
                target,
                baseline: k.baseline.map(|b| b as f64 / 100.0),
                met: actual.map(|a| a >= target),
                pending: if actual.is_none() {
                    pending.map(Into::into)
                } else {
                    None
                },
                actual,
            }
        })
        .collect()
}

/// Adds a KPI at the end; `None` when the campaign does not exist.
pub async fn add_kpi_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    campaign: Uuid,
    k: &KpiInput,
) -> sqlx::Result<Option<Uuid>> {
    let id = Uuid::new_v4();
    let n = sqlx::query(
        "insert into campaign_kpis (tenant_id, id, campaign_id, label, measure, target, baseline, actual, position)
         select $1, $2, c.id, $4, $5, $6::numeric / 100, $7::numeric / 100, $8::numeric / 100,
           coalesce((select max(position) + 1 from campaign_kpis where campaign_id = c.id), 0)
         from campaigns c where c.id = $3",
    )
    .bind(actor.tenant_id)
    .bind(id)
    .bind(campaign)
    .bind(&k.label)
    .bind(k.measure.as_str())
    .bind(k.target)
    .bind(k.baseline)
    .bind(k.actual)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        return Ok(None);
    }
    super::audit::record(
        conn,
        actor,
        "campaign.kpi_add",
        "campaign",
        Some(campaign.to_string()),
        serde_json::json!({ "kpi_id": id, "label": k.label, "measure": k.measure.as_str(),
                            "target": show_hundredths(k.target) }),
    )
    .await?;
    Ok(Some(id))
}

/// Deletes a KPI; false when it is not one of the campaign's.
pub async fn delete_kpi_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    campaign: Uuid,
    id: Uuid,
) -> sqlx::Result<bool> {
    let gone: Option<String> = sqlx::query_scalar(
        "delete from campaign_kpis where id = $1 and campaign_id = $2 returning label",
    )
    .bind(id)
    .bind(campaign)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(label) = gone else {
        return Ok(false);
    };
    super::audit::record(
        conn,
        actor,
        "campaign.kpi_delete",
        "campaign",
        Some(campaign.to_string()),
        serde_json::json!({ "kpi_id": id, "label": label }),
    )
    .await?;
    Ok(true)
}

/// Feedback that names the campaign: how many items, their mean sentiment, the latest.
#[derive(Clone, Debug, Default, serde::Serialize, utoipa::ToSchema)]
pub struct CampaignFeedback {
    pub items: i64,
    pub mean_sentiment: Option<f64>,
    pub open_concerns: i64,
}

pub async fn feedback(conn: &mut PgConnection, campaign: Uuid) -> sqlx::Result<CampaignFeedback> {
    let (items, mean, open): (i64, Option<f64>, i64) = sqlx::query_as(
        "select count(*), avg(sentiment)::float8,
           count(*) filter (where sentiment < 0 and status in ('open', 'acknowledged'))
         from feedback where campaign_id = $1",
    )
    .bind(campaign)
    .fetch_one(conn)
    .await?;
    Ok(CampaignFeedback {
        items,
        mean_sentiment: mean,
        open_concerns: open,
    })
}
