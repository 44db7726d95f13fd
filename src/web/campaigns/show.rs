//! The campaign page: status and plan, audience, results (reach, response, touches by
//! channel and outcome, spend, linked feedback), KPIs, messages and variants, costs.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use uuid::Uuid;

use crate::analytics::message_test::{self, Tally};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::db;
use crate::db::campaign_members::{CampaignStats, VariantStats};
use crate::db::campaign_money::{CampaignFeedback, CostRow, KpiView};
use crate::db::campaigns::CampaignRow;
use crate::db::messages::MessageWithVariants;
use crate::domain::{
    CampaignChannel, CampaignStatus, CostCategory, CostDraft, KpiDraft, KpiMeasure, MessageDraft,
    Money, VariantDraft,
};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::postgres::tenant_tx;
use crate::web::{Layout, Path};

/// Which form on the page an error belongs to, and what was typed there.
#[derive(Default)]
pub struct PageForms {
    pub message: MessageDraft,
    pub variant: VariantDraft,
    /// The message whose variant form failed.
    pub variant_for: Option<Uuid>,
    pub cost: CostDraft,
    pub kpi: KpiDraft,
    /// "message", "variant", "cost" or "kpi".
    pub failed: &'static str,
    pub errors: FieldErrors,
}

/// One row of the touches table: a channel and its counts per outcome.
pub struct ChannelRow {
    pub channel: String,
    pub positive: i64,
    pub neutral: i64,
    pub negative: i64,
    pub no_response: i64,
    pub unknown: i64,
    pub total: i64,
}

/// A message test as the campaign page shows it.
struct TestView {
    verdict: String,
    rows: Vec<TestRow>,
}

struct TestRow {
    name: String,
    counts: String,
    rate: String,
    interval: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "campaigns/show.html")]
pub struct ShowPage {
    layout: Layout,
    c: CampaignRow,
    audience_summary: Option<String>,
    live: bool,
    stats: CampaignStats,
    channel_rows: Vec<ChannelRow>,
    kpis: Vec<KpiView>,
    messages: Vec<MessageWithVariants>,
    variant_stats: HashMap<Uuid, VariantStats>,
    lift: Option<db::lift::LiftView>,
    costs: Vec<CostRow>,
    cost_total: Money,
    feedback: CampaignFeedback,
    surveys: Vec<crate::db::surveys::SurveyRow>,
    forms: PageForms,
    can_plan: bool,
    today: String,
}

impl ShowPage {
    fn error(&self, form: &str, field: &str) -> Option<&String> {
        (self.forms.failed == form)
            .then(|| self.forms.errors.get(field))
            .flatten()
    }

    fn variant_error(&self, message: &Uuid, field: &str) -> Option<&String> {
        (self.forms.variant_for == Some(*message))
            .then(|| self.error("variant", field))
            .flatten()
    }

    /// What was typed into a message's failed variant form.
    fn variant_value(&self, message: &Uuid, field: &str) -> String {
        if self.forms.variant_for != Some(*message) {
            return if field == "weight" {
                "1".into()
            } else {
                String::new()
            };
        }
        let v = &self.forms.variant;
        match field {
            "label" => v.label.clone(),
            "body" => v.body.clone().unwrap_or_default(),
            "channel" => v.channel.clone().unwrap_or_default(),
            _ => v
                .weight
                .as_ref()
                .map(|w| {
                    w.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| w.to_string())
                })
                .unwrap_or_default(),
        }
    }

    fn next(&self) -> &'static [CampaignStatus] {
        self.c.status().next()
    }

    fn channels(&self) -> &'static [CampaignChannel] {
        CampaignChannel::ALL
    }

    fn categories(&self) -> &'static [CostCategory] {
        CostCategory::ALL
    }

    fn measures(&self) -> &'static [KpiMeasure] {
        KpiMeasure::ALL
    }

    fn channel_label(&self, key: &str) -> &'static str {
        CampaignChannel::parse(key)
            .map(CampaignChannel::label)
            .unwrap_or("Other")
    }

    fn pct(&self, v: Option<f64>) -> String {
        v.map(|p| format!("{p:.0}%")).unwrap_or_else(|| "—".into())
    }

    fn touch_cost(&self) -> Money {
        Money(self.stats.touch_cost_cents)
    }

    fn vstats(&self, variant: &Uuid) -> Option<&VariantStats> {
        self.variant_stats.get(variant)
    }

    /// The message test on `channel` read out: each variant's response rate among the members
    /// it reached, with its interval, and the verdict. Only once the split is recorded.
    fn test_result(&self, mw: &MessageWithVariants, channel: &str) -> Option<TestView> {
        self.c.audience_frozen_at?;
        let tallies: Vec<Tally> = mw
            .variants
            .iter()
            .filter(|v| v.channel == channel)
            .map(|v| {
                let s = self.variant_stats.get(&v.id);
                Tally {
                    name: v.label.clone(),
                    responses: s.map_or(0, |s| s.responded.max(0) as u64),
                    recipients: s.map_or(0, |s| s.reached.max(0) as u64),
                }
            })
            .collect();
        let test = message_test::read(&tallies);
        Some(TestView {
            verdict: test.verdict,
            rows: tallies
                .iter()
                .zip(test.variants)
                .map(|(t, v)| TestRow {
                    name: t.name.clone(),
                    counts: format!("{} of {}", t.responses, t.recipients),
                    rate: v
                        .rate
                        .map_or("—".into(), |p| format!("{:.1}%", p.rate * 100.0)),
                    interval: v.rate.map_or("—".into(), |p| {
                        format!("{:.1}% to {:.1}%", p.low * 100.0, p.high * 100.0)
                    }),
                })
                .collect(),
        })
    }

    fn status_class(&self) -> &'static str {
        match self.c.status() {
            CampaignStatus::Active => "badge-green",
            CampaignStatus::Planned => "badge-blue",
            CampaignStatus::Completed => "badge-gray",
            CampaignStatus::Draft | CampaignStatus::Archived => "badge-amber",
        }
    }

    fn step_label(&self, to: &CampaignStatus) -> &'static str {
        match (self.c.status(), to) {
            (_, CampaignStatus::Active) if self.c.audience_frozen_at.is_none() => {
                "Launch (freeze audience)"
            }
            (CampaignStatus::Completed, CampaignStatus::Active) => "Reopen",
            (_, CampaignStatus::Active) => "Launch",
            (_, CampaignStatus::Planned) => "Mark planned",
            (_, CampaignStatus::Completed) => "Complete",
            (_, CampaignStatus::Archived) => "Archive",
            (CampaignStatus::Archived, CampaignStatus::Draft) => "Restore as draft",
            (_, CampaignStatus::Draft) => "Back to draft",
        }
    }

    fn mean_sentiment(&self) -> String {
        self.feedback
            .mean_sentiment
            .map(|m| format!("{m:+.1}"))
            .unwrap_or_else(|| "—".into())
    }
}

fn channel_rows(stats: &CampaignStats) -> Vec<ChannelRow> {
    let mut rows: Vec<ChannelRow> = Vec::new();
    for cc in &stats.by_channel {
        let (channel, outcome, n) = (&cc.channel, &cc.outcome, &cc.count);
        let pos = match rows.iter().position(|r| r.channel == *channel) {
            Some(p) => p,
            None => {
                rows.push(ChannelRow {
                    channel: channel.clone(),
                    positive: 0,
                    neutral: 0,
                    negative: 0,
                    no_response: 0,
                    unknown: 0,
                    total: 0,
                });
                rows.len() - 1
            }
        };
        let r = &mut rows[pos];
        match outcome.as_str() {
            "positive" => r.positive += n,
            "neutral" => r.neutral += n,
            "negative" => r.negative += n,
            "no_response" => r.no_response += n,
            _ => r.unknown += n,
        }
        r.total += n;
    }
    rows.sort_by_key(|r| std::cmp::Reverse(r.total));
    rows
}

pub async fn show_page(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    forms: PageForms,
) -> AppResult<ShowPage> {
    let mut tx = tenant_tx(&state.pools.app, user.tenant_id).await?;
    let c = db::campaigns::find(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (audience, audience_summary) = db::campaign_members::audience_for(&mut tx, &c).await?;
    let stats = db::campaign_members::stats(&mut tx, &audience).await?;
    let lift = db::lift::campaign_lift(&mut tx, id).await?;
    let kpis = db::campaign_money::kpi_views(
        db::campaign_money::kpis(&mut tx, id).await?,
        &stats,
        lift.as_ref().and_then(|l| l.percent),
    );
    let messages = db::messages::list(&mut tx, id).await?;
    let variant_stats = db::campaign_members::variant_stats(&mut tx, id)
        .await?
        .into_iter()
        .map(|v| (v.variant_id, v))
        .collect();
    let costs = db::campaign_money::costs(&mut tx, id).await?;
    let feedback = db::campaign_money::feedback(&mut tx, id).await?;
    let surveys = db::surveys::list(&mut tx, Some(id)).await?;
    tx.commit().await?;
    Ok(ShowPage {
        layout: Layout::new(user, c.name.clone(), "campaigns"),
        live: audience.live_segment.is_some() || c.audience_frozen_at.is_none(),
        audience_summary,
        channel_rows: channel_rows(&stats),
        stats,
        kpis,
        messages,
        variant_stats,
        lift,
        cost_total: Money(costs.iter().map(|k| k.amount_cents).sum()),
        costs,
        feedback,
        surveys,
        forms,
        can_plan: user.role.can_plan_campaigns(),
        today: chrono::Utc::now().date_naive().to_string(),
        c,
    })
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> AppResult<ShowPage> {
    show_page(&state, &user, id, PageForms::default()).await
}
