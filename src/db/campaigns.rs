//! Campaigns: the record, its list, and its life from draft to archived. Going active
//! freezes the audience into a member list and records the variant split
//! (`campaign_members`); costs and KPIs are in `campaign_money`.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, QueryBuilder};
use uuid::Uuid;

use super::audit::Actor;
use crate::domain::{CampaignChannel, CampaignInput, CampaignStatus, Money};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CampaignRow {
    pub id: Uuid,
    pub name: String,
    pub objective: Option<String>,
    pub service_line: Option<String>,
    pub owner_id: Option<Uuid>,
    pub owner_name: Option<String>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub status: String,
    pub channels: Vec<String>,
    pub budget_cents: Option<i64>,
    pub segment_id: Option<Uuid>,
    pub segment_name: Option<String>,
    pub audience_frozen_at: Option<DateTime<Utc>>,
    /// Cost lines plus touch-point costs.
    pub spent_cents: i64,
    /// Current members (after the audience is frozen) or manual additions (before).
    pub members: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl CampaignRow {
    pub fn status(&self) -> CampaignStatus {
        CampaignStatus::parse(&self.status).unwrap_or(CampaignStatus::Draft)
    }

    pub fn status_label(&self) -> &'static str {
        self.status().label()
    }

    pub fn channel_labels(&self) -> Vec<&'static str> {
        self.channels
            .iter()
            .filter_map(|c| CampaignChannel::parse(c).map(CampaignChannel::label))
            .collect()
    }

    pub fn budget(&self) -> Option<Money> {
        self.budget_cents.map(Money)
    }

    pub fn spent(&self) -> Money {
        Money(self.spent_cents)
    }

    /// Spend as a share of the budget, 0-100+ (for the bar), when there is a budget.
    pub fn spent_pct(&self) -> Option<i64> {
        self.budget_cents
            .filter(|b| *b > 0)
            .map(|b| self.spent_cents * 100 / b)
    }

    pub fn over_budget(&self) -> bool {
        self.budget_cents.is_some_and(|b| self.spent_cents > b)
    }

    /// "Dec 1, 2026 – Feb 28, 2027", or what is known of it.
    pub fn dates(&self) -> String {
        let f = |d: NaiveDate| d.format("%b %-d, %Y").to_string();
        match (self.starts_on, self.ends_on) {
            (Some(s), Some(e)) => format!("{} – {}", f(s), f(e)),
            (Some(s), None) => format!("from {}", f(s)),
            (None, Some(e)) => format!("until {}", f(e)),
            (None, None) => "No dates yet".into(),
        }
    }
}

const COLUMNS: &str = "c.id, c.name, c.objective, c.service_line, c.owner_id, u.name as owner_name,
    c.starts_on, c.ends_on, c.status, c.channels, (c.budget * 100)::bigint as budget_cents,
    c.segment_id, g.name as segment_name, c.audience_frozen_at,
    (((select coalesce(sum(k.amount), 0) from campaign_costs k where k.campaign_id = c.id)
      + (select coalesce(sum(t.cost), 0) from touchpoints t where t.campaign_id = c.id and t.cost is not null)
     ) * 100)::bigint as spent_cents,
    (select count(*) from campaign_members m where m.campaign_id = c.id and m.removed_at is null) as members,
    c.created_at, c.updated_at";
const FROM: &str =
    "campaigns c left join users u on u.tenant_id = c.tenant_id and u.id = c.owner_id
    left join segments g on g.tenant_id = c.tenant_id and g.id = c.segment_id";

/// Which campaigns a list shows.
#[derive(Clone, Debug, Default)]
pub struct CampaignFilter {
    /// One status; none means everything but archived.
    pub status: Option<CampaignStatus>,
    pub owner_id: Option<Uuid>,
    /// Words of the name, objective or service line.
    pub q: Option<String>,
    pub channel: Option<CampaignChannel>,
}

pub async fn list(
    conn: &mut PgConnection,
    f: &CampaignFilter,
    page: super::PageRequest,
) -> sqlx::Result<super::Page<CampaignRow>> {
    super::fetch_page(
        conn,
        COLUMNS,
        FROM,
        |qb| {
            qb.push(" where true");
            match f.status {
                Some(s) => {
                    qb.push(" and c.status = ").push_bind(s.as_str());
                }
                None => {
                    qb.push(" and c.status <> 'archived'");
                }
            }
            if let Some(owner) = f.owner_id {
                qb.push(" and c.owner_id = ").push_bind(owner);
            }
            if let Some(ch) = f.channel {
                qb.push(" and ")
                    .push_bind(ch.as_str())
                    .push(" = any(c.channels)");
            }
            if let Some(q) = f.q.as_deref().filter(|q| !q.trim().is_empty()) {
                let pattern = super::like_pattern(q.trim());
                qb.push(" and (c.name ilike ")
                    .push_bind(pattern.clone())
                    .push(" or c.objective ilike ")
                    .push_bind(pattern.clone())
                    .push(" or c.service_line ilike ")
                    .push_bind(pattern)
                    .push(")");
            }
        },
        "case c.status when 'active' then 0 when 'planned' then 1 when 'draft' then 2 when 'completed' then 3 else 4 end,
         c.starts_on desc nulls last, lower(c.name), c.id",
        page,
    )
    .await
}

pub async fn find(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<CampaignRow>> {
    sqlx::query_as(&format!("select {COLUMNS} from {FROM} where c.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Campaigns a touch-point or feedback item can name: planned and active ones, by name.
pub async fn open_choices(conn: &mut PgConnection) -> sqlx::Result<Vec<(Uuid, String)>> {
    sqlx::query_as(
        "select id, name from campaigns where status in ('planned', 'active') order by lower(name) limit 200",
    )
    .fetch_all(conn)
    .await
}

pub const NAME_KEY: &str = "campaigns_name_key";
pub const CONSTRAINTS: &[(&str, &str, &str)] = &[
    (
        NAME_KEY,
        "name",
        "There is already a campaign with this name.",
    ),
    (
        "campaigns_tenant_id_owner_id_fkey",
        "owner_id",
        "Choose an owner from the list.",
    ),
    (
        "campaigns_tenant_id_segment_id_fkey",
        "segment_id",
        "Choose a segment from the list.",
    ),
];

fn audit_view(c: &CampaignInput) -> serde_json::Value {
    serde_json::json!({
        "name": c.name, "objective": c.objective, "service_line": c.service_line,
        "owner_id": c.owner_id, "starts_on": c.starts_on, "ends_on": c.ends_on,
        "channels": c.channels.iter().map(|ch| ch.as_str()).collect::<Vec<_>>(),
        "budget": c.budget.map(|b| b.plain()), "segment_id": c.segment_id,
    })
}

/// Why a campaign's segment cannot change: its audience is already a member list.
pub const SEGMENT_FROZEN: &str =
    "The audience was frozen when the campaign went active; add or remove members by hand instead.";

/// Creates a campaign (draft) or replaces one's fields. `Ok(None)`: not found.
/// `Err(Ok(message))`: the segment cannot change any more.
pub async fn save_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    id: Option<Uuid>,
    c: &CampaignInput,
) -> sqlx::Result<Result<Option<Uuid>, &'static str>> {
    let channels: Vec<&str> = c.channels.iter().map(|ch| ch.as_str()).collect();
    let owner = c.owner_id.or(actor.user_id.map(|u| u.0));
    let budget = c.budget.map(|b| b.cents());
    let saved = match id {
        None => {
            let id = Uuid::new_v4();
            sqlx::query(
                "insert into campaigns (tenant_id, id, name, objective, service_line, owner_id, starts_on, ends_on,
                   channels, budget, segment_id, created_by)
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::numeric / 100, $11, $12)",
            )
            .bind(actor.tenant_id)
            .bind(id)
            .bind(&c.name)
            .bind(&c.objective)
            .bind(&c.service_line)
            .bind(owner)
            .bind(c.starts_on)
            .bind(c.ends_on)
            .bind(&channels)
            .bind(budget)
            .bind(c.segment_id)
            .bind(actor.user_id)
            .execute(&mut *conn)
            .await?;
            id
        }
        Some(id) => {
            let current: Option<(Option<Uuid>, Option<DateTime<Utc>>)> = sqlx::query_as(
                "select segment_id, audience_frozen_at from campaigns where id = $1 for update",
            )
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
            let Some((segment, frozen)) = current else {
                return Ok(Ok(None));
            };
            if frozen.is_some() && segment != c.segment_id {
                return Ok(Err(SEGMENT_FROZEN));
            }
            sqlx::query(
                "update campaigns set name = $2, objective = $3, service_line = $4, owner_id = $5,
                   starts_on = $6, ends_on = $7, channels = $8, budget = $9::numeric / 100,
                   segment_id = $10, updated_at = now()
                 where id = $1",
            )
            .bind(id)
            .bind(&c.name)
            .bind(&c.objective)
            .bind(&c.service_line)
            .bind(owner)
            .bind(c.starts_on)
            .bind(c.ends_on)
            .bind(&channels)
            .bind(budget)
            .bind(c.segment_id)
            .execute(&mut *conn)
            .await?;
            id
        }
    };
    super::audit::record(
        conn,
        actor,
        if id.is_some() {
            "campaign.update"
        } else {
            "campaign.create"
        },
        "campaign",
        Some(saved.to_string()),
        audit_view(c),
    )
    .await?;
    Ok(Ok(Some(saved)))
}

/// Why a status move was refused.
#[derive(Debug, PartialEq)]
pub enum StatusRefusal {
    NotFound,
    NotAllowed { from: CampaignStatus },
    EmptyAudience,
}

/// Moves a campaign to `to`. Going active the first time freezes the audience (the
/// segment's matches plus manual additions, minus manual removals) and records the variant
/// split. Returns the members frozen (0 when nothing was frozen).
pub async fn set_status_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    id: Uuid,
    to: CampaignStatus,
) -> sqlx::Result<Result<i64, StatusRefusal>> {
    let row: Option<(String, Option<DateTime<Utc>>, Option<Uuid>)> = sqlx::query_as(
        "select status, audience_frozen_at, segment_id from campaigns where id = $1 for update",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((status, frozen, segment_id)) = row else {
        return Ok(Err(StatusRefusal::NotFound));
    };
    let from = CampaignStatus::parse(&status).unwrap_or(CampaignStatus::Draft);
    if !from.can_move_to(to) {
        return Ok(Err(StatusRefusal::NotAllowed { from }));
    }
    let mut frozen_members = 0;
    if to == CampaignStatus::Active && frozen.is_none() {
        let definition = match segment_id {
            Some(seg) => super::segments::find(conn, seg)
                .await?
                .map(|s| s.definition.0),
            None => None,
        };
        if let Some(d) = &definition {
            let mut qb = QueryBuilder::new(
                "insert into campaign_members (tenant_id, campaign_id, stakeholder_id, source, added_by)
                 select s.tenant_id, ",
            );
            qb.push_bind(id)
                .push(", s.id, 'segment', ")
                .push_bind(actor.user_id)
                .push(" from stakeholders s where true");
            super::segments::push_conditions(&mut qb, d);
            qb.push(" on conflict do nothing");
            qb.build().execute(&mut *conn).await?;
        }
        frozen_members = super::campaign_members::current_count(conn, id).await?;
        if frozen_members == 0 {
            return Ok(Err(StatusRefusal::EmptyAudience));
        }
        sqlx::query("update campaigns set audience_frozen_at = now() where id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?;
        super::campaign_members::assign_variants(conn, actor, id, None).await?;
    }
    sqlx::query("update campaigns set status = $2, updated_at = now() where id = $1")
        .bind(id)
        .bind(to.as_str())
        .execute(&mut *conn)
        .await?;
    let mut changes = serde_json::json!({ "status": { "from": from.as_str(), "to": to.as_str() } });
    if frozen_members > 0 {
        changes["audience_frozen"] = serde_json::json!(frozen_members);
    }
    super::audit::record(
        conn,
        actor,
        "campaign.status",
        "campaign",
        Some(id.to_string()),
        changes,
    )
    .await?;
    Ok(Ok(frozen_members))
}

/// Users who can own a campaign (active admins and marketers), by name.
pub async fn planners(conn: &mut PgConnection) -> sqlx::Result<Vec<(Uuid, String)>> {
    sqlx::query_as(
        "select id, name from users where active and role in ('admin', 'marketer') order by lower(name)",
    )
    .fetch_all(conn)
    .await
}
