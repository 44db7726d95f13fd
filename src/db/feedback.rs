//! Feedback and its topics: what stakeholders said, who closes the loop, and the escalation
//! queue of open concerns.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::audit::Actor;
use crate::domain::{FeedbackInput, FeedbackStatus, FeedbackStep, sentiment_label};

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct TopicRow {
    pub id: Uuid,
    pub name: String,
    pub archived: bool,
    /// Feedback items on this topic.
    pub items: i64,
}

/// Topics by name (archived ones only when asked), with their item counts.
pub async fn topics(conn: &mut PgConnection, with_archived: bool) -> sqlx::Result<Vec<TopicRow>> {
    sqlx::query_as(
        "select t.id, t.name, t.archived, (select count(*) from feedback f where f.topic_id = t.id) as items
         from feedback_topics t where $1 or not t.archived order by t.archived, lower(t.name)",
    )
    .bind(with_archived)
    .fetch_all(conn)
    .await
}

pub const TOPIC_NAME_KEY: &str = "feedback_topics_name_key";

/// Adds a topic (`id` none) or renames and archives/restores one; `None` when not found.
pub async fn save_topic_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    id: Option<Uuid>,
    name: &str,
    archived: bool,
) -> sqlx::Result<Option<Uuid>> {
    let saved = match id {
        None => {
            let id = Uuid::new_v4();
            sqlx::query("insert into feedback_topics (tenant_id, id, name) values ($1, $2, $3)")
                .bind(actor.tenant_id)
                .bind(id)
                .bind(name)
                .execute(&mut *conn)
                .await?;
            id
        }
        Some(id) => {
            let found =
                sqlx::query("update feedback_topics set name = $2, archived = $3 where id = $1")
                    .bind(id)
                    .bind(name)
                    .bind(archived)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected();
            if found == 0 {
                return Ok(None);
            }
            id
        }
    };
    let action = if id.is_some() {
        "topic.update"
    } else {
        "topic.create"
    };
    super::audit::record(
        conn,
        actor,
        action,
        "topic",
        Some(saved.to_string()),
        serde_json::json!({ "name": name, "archived": archived }),
    )
    .await?;
    Ok(Some(saved))
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct FeedbackRow {
    pub id: Uuid,
    pub stakeholder_id: Uuid,
    pub stakeholder_name: String,
    pub topic_id: Uuid,
    pub topic: String,
    /// -2 (very negative) to 2 (very positive).
    pub sentiment: i16,
    pub body: String,
    pub received_on: NaiveDate,
    pub owner_id: Option<Uuid>,
    pub owner_name: Option<String>,
    pub due_on: Option<NaiveDate>,
    /// open, acknowledged, resolved or informed.
    pub status: String,
    pub resolution: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub created_by_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl FeedbackRow {
    pub fn sentiment_label(&self) -> &'static str {
        sentiment_label(self.sentiment)
    }

    /// "-2" .. "+2".
    pub fn sentiment_sign(&self) -> String {
        if self.sentiment > 0 {
            format!("+{}", self.sentiment)
        } else {
            self.sentiment.to_string()
        }
    }

    /// CSS modifier for the sentiment badge.
    pub fn sentiment_class(&self) -> &'static str {
        match self.sentiment {
            i16::MIN..=-1 => "badge-red",
            0 => "badge-gray",
            _ => "badge-green",
        }
    }

    pub fn status_label(&self) -> &'static str {
        FeedbackStatus::parse(&self.status)
            .map(FeedbackStatus::label)
            .unwrap_or("Open")
    }

    pub fn closed(&self) -> bool {
        FeedbackStatus::parse(&self.status).is_some_and(FeedbackStatus::is_closed)
    }

    pub fn concern(&self) -> bool {
        self.sentiment < 0
    }

    pub fn overdue(&self) -> bool {
        !self.closed() && self.due_on.is_some_and(|d| d < Utc::now().date_naive())
    }

    /// Days since it was heard.
    pub fn age_days(&self) -> i64 {
        (Utc::now().date_naive() - self.received_on).num_days()
    }
}

const COLUMNS_FROM: &str = "f.id, f.stakeholder_id, %NAME% as stakeholder_name, f.topic_id, t.name as topic,
    f.sentiment, f.body, f.received_on, f.owner_id, o.name as owner_name, f.due_on, f.status, f.resolution,
    f.closed_at, c.name as created_by_name, f.created_at";
const FROM: &str = "feedback f join stakeholders s on s.id = f.stakeholder_id
    join feedback_topics t on t.id = f.topic_id
    left join users o on o.id = f.owner_id left join users c on c.id = f.created_by";

fn columns() -> String {
    COLUMNS_FROM.replace("%NAME%", &super::stakeholders::name_sql("s"))
}

pub async fn find(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<FeedbackRow>> {
    sqlx::query_as(&format!("select {} from {FROM} where f.id = $1", columns()))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Which items a list shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StatusGroup {
    /// Open or acknowledged.
    #[default]
    Open,
    Closed,
    All,
}

#[derive(Clone, Debug, Default)]
pub struct FeedbackFilter {
    pub stakeholder_id: Option<Uuid>,
    /// Feedback that names this campaign.
    pub campaign_id: Option<Uuid>,
    pub topic_id: Option<Uuid>,
    pub owner_id: Option<Uuid>,
    pub status: StatusGroup,
    /// Only negative sentiment.
    pub concerns: bool,
    /// Only items past their due date (and still open).
    pub overdue: bool,
}

/// Feedback matching the filter, newest first (oldest first for open concerns: the queue).
pub async fn list(
    conn: &mut PgConnection,
    f: &FeedbackFilter,
    page: super::PageRequest,
) -> sqlx::Result<super::Page<FeedbackRow>> {
    let order = if f.concerns && f.status == StatusGroup::Open {
        "f.received_on, f.id"
    } else {
        "f.received_on desc, f.created_at desc, f.id"
    };
    super::fetch_page(
        conn,
        &columns(),
        FROM,
        |qb| {
            qb.push(" where true");
            if let Some(c) = f.campaign_id {
                qb.push(" and f.campaign_id = ").push_bind(c);
            }
            if let Some(s) = f.stakeholder_id {
                qb.push(" and f.stakeholder_id = ").push_bind(s);
            }
            if let Some(t) = f.topic_id {
                qb.push(" and f.topic_id = ").push_bind(t);
            }
            if let Some(o) = f.owner_id {
                qb.push(" and f.owner_id = ").push_bind(o);
            }
            match f.status {
                StatusGroup::Open => {
                    qb.push(" and f.status in ('open', 'acknowledged')");
                }
                StatusGroup::Closed => {
                    qb.push(" and f.status in ('resolved', 'informed')");
                }
                StatusGroup::All => {}
            }
            if f.concerns {
                qb.push(" and f.sentiment < 0");
            }
            if f.overdue {
                qb.push(" and f.status in ('open', 'acknowledged') and f.due_on < current_date");
            }
        },
        order,
        page,
    )
    .await
}

fn view(f: &FeedbackInput) -> serde_json::Value {
    // The body is what a person said: it stays out of the audit trail.
    serde_json::json!({
        "stakeholder_id": f.stakeholder_id, "topic_id": f.topic_id, "sentiment": f.sentiment,
        "received_on": f.received_on, "owner_id": f.owner_id, "due_on": f.due_on,
        "campaign_id": f.campaign_id,
    })
}

pub const CONSTRAINTS: &[(&str, &str, &str)] = &[
    (
        "feedback_tenant_id_stakeholder_id_fkey",
        "stakeholder_id",
        "That stakeholder does not exist.",
    ),
    (
        "feedback_tenant_id_topic_id_fkey",
        "topic_id",
        "Choose a topic from the list.",
    ),
    (
        "feedback_tenant_id_owner_id_fkey",
        "owner_id",
        "Choose an owner from the list.",
    ),
    (
        "feedback_tenant_id_campaign_id_fkey",
        "campaign_id",
        "Choose a campaign from the list.",
    ),
];

/// Whether `topic` is a topic of this workspace that is still offered (not archived).
pub async fn topic_open(conn: &mut PgConnection, topic: Uuid) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "select exists(select 1 from feedback_topics where id = $1 and not archived)",
    )
    .bind(topic)
    .fetch_one(conn)
    .await
}

pub const TOPIC_CLOSED: &str = "Choose a topic from the list; that one is archived or unknown.";

/// Logs feedback, audited. Hearing from someone counts as contact: it moves their last
/// contact forward (the cadence clock).
pub async fn create_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    f: &FeedbackInput,
) -> sqlx::Result<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query(
        "insert into feedback (tenant_id, id, stakeholder_id, topic_id, sentiment, body, received_on, owner_id,
            due_on, created_by, campaign_id)
         values ($1, $2, $3, $4, $5, $6, $7, coalesce($8, $9), $10, $9, $11)",
    )
    .bind(actor.tenant_id)
    .bind(id)
    .bind(f.stakeholder_id)
    .bind(f.topic_id)
    .bind(f.sentiment)
    .bind(&f.body)
    .bind(f.received_on)
    .bind(f.owner_id)
    .bind(actor.user_id)
    .bind(f.due_on)
    .bind(f.campaign_id)
    .execute(&mut *conn)
    .await?;
    touch_contact(&mut *conn, f.stakeholder_id, f.received_on).await?;
    super::audit::record(
        conn,
        actor,
        "feedback.create",
        "feedback",
        Some(id.to_string()),
        view(f),
    )
    .await?;
    Ok(id)
}

/// Moves a stakeholder's last contact forward to `on` (never back).
pub async fn touch_contact(
    conn: &mut PgConnection,
    stakeholder: Uuid,
    on: NaiveDate,
) -> sqlx::Result<()> {
    sqlx::query(
        "update stakeholders set last_contact_at = ($2::date)::timestamp at time zone 'UTC'
         where id = $1 and (last_contact_at is null or last_contact_at < ($2::date)::timestamp at time zone 'UTC')",
    )
    .bind(stakeholder)
    .bind(on)
    .execute(conn)
    .await?;
    Ok(())
}

/// Takes a step in the loop (status, resolution, owner, due date), audited; `None` when not
/// found.
pub async fn step_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    id: Uuid,
    s: &FeedbackStep,
) -> sqlx::Result<Option<FeedbackRow>> {
    let Some(before) = find(&mut *conn, id).await? else {
        return Ok(None);
    };
    sqlx::query(
        "update feedback set status = $2, resolution = coalesce($3, resolution), owner_id = coalesce($4, owner_id),
            due_on = coalesce($5, due_on),
            closed_at = case when $2 in ('resolved', 'informed') then coalesce(closed_at, now()) end,
            updated_at = now()
         where id = $1",
    )
    .bind(id)
    .bind(s.status.as_str())
    .bind(&s.resolution)
    .bind(s.owner_id)
    .bind(s.due_on)
    .execute(&mut *conn)
    .await?;
    let old = serde_json::json!({ "status": before.status, "owner_id": before.owner_id, "due_on": before.due_on,
        "resolution_recorded": before.resolution.is_some() });
    let new = serde_json::json!({ "status": s.status.as_str(), "owner_id": s.owner_id.or(before.owner_id),
        "due_on": s.due_on.or(before.due_on), "resolution_recorded": s.resolution.is_some() || before.resolution.is_some() });
    let mut changes = super::audit::diff(&old, &new);
    changes["stakeholder_id"] = serde_json::json!(before.stakeholder_id);
    super::audit::record(
        &mut *conn,
        actor,
        "feedback.step",
        "feedback",
        Some(id.to_string()),
        changes,
    )
    .await?;
    find(conn, id).await
}

/// One topic's open concerns by age, for the escalation queue.
#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct QueueRow {
    pub topic_id: Uuid,
    pub topic: String,
    pub open: i64,
    /// Heard in the last 7 days.
    pub week: i64,
    /// 8 to 30 days old.
    pub month: i64,
    /// Older than 30 days.
    pub older: i64,
    /// Past their due date.
    pub overdue: i64,
    /// Mean sentiment of the open concerns (-2 to -1).
    pub mean_sentiment: f64,
    pub oldest: NaiveDate,
}

/// Open concerns (negative, not yet resolved) by topic, the most pressing first.
pub async fn queue(conn: &mut PgConnection) -> sqlx::Result<Vec<QueueRow>> {
    sqlx::query_as(
        "select t.id as topic_id, t.name as topic, count(*) as open,
                count(*) filter (where f.received_on > current_date - 8) as week,
                count(*) filter (where f.received_on between current_date - 30 and current_date - 8) as month,
                count(*) filter (where f.received_on < current_date - 30) as older,
                count(*) filter (where f.due_on < current_date) as overdue,
                avg(f.sentiment)::float8 as mean_sentiment, min(f.received_on) as oldest
         from feedback f join feedback_topics t on t.id = f.topic_id
         where f.status in ('open', 'acknowledged') and f.sentiment < 0
         group by t.id, t.name
         order by count(*) filter (where f.due_on < current_date) desc, count(*) desc, t.name",
    )
    .fetch_all(conn)
    .await
}

/// Open concerns past their due date (the managers' warning on the home page).
pub async fn overdue_concerns(conn: &mut PgConnection) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "select count(*) from feedback where status in ('open', 'acknowledged') and sentiment < 0 and due_on < current_date",
    )
    .fetch_one(conn)
    .await
}
