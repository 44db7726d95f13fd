//! The content calendar's items.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, QueryBuilder};
use uuid::Uuid;

use super::audit::Actor;
use crate::domain::{ContentChannel, ContentInput, ContentStatus};

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct ContentRow {
    pub id: Uuid,
    pub title: String,
    pub channel: String,
    pub publish_on: NaiveDate,
    pub status: String,
    pub campaign_id: Option<Uuid>,
    pub campaign_name: Option<String>,
    pub message_id: Option<Uuid>,
    pub message_title: Option<String>,
    pub owner_id: Option<Uuid>,
    pub owner_name: Option<String>,
    pub notes: Option<String>,
    pub updated_at: DateTime<Utc>,
}

impl ContentRow {
    pub fn channel_label(&self) -> &'static str {
        ContentChannel::parse(&self.channel)
            .map(ContentChannel::label)
            .unwrap_or("")
    }

    pub fn status_label(&self) -> &'static str {
        ContentStatus::parse(&self.status)
            .map(ContentStatus::label)
            .unwrap_or("")
    }

    /// Not published although its day has passed.
    pub fn late(&self, today: &NaiveDate) -> bool {
        self.status != "published" && self.publish_on < *today
    }
}

const SELECT: &str = "select i.id, i.title, i.channel, i.publish_on, i.status, i.campaign_id, c.name as campaign_name,
    i.message_id, m.title as message_title, i.owner_id, u.name as owner_name, i.notes, i.updated_at
    from content_items i
    left join campaigns c on c.tenant_id = i.tenant_id and c.id = i.campaign_id
    left join key_messages m on m.tenant_id = i.tenant_id and m.id = i.message_id
    left join users u on u.tenant_id = i.tenant_id and u.id = i.owner_id";

/// Which items a calendar shows.
#[derive(Clone, Debug, Default)]
pub struct ContentFilter {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub campaign_id: Option<Uuid>,
    pub channel: Option<ContentChannel>,
    pub status: Option<ContentStatus>,
}

/// Items in date order, at most `limit`.
pub async fn list(
    conn: &mut PgConnection,
    f: &ContentFilter,
    limit: i64,
) -> sqlx::Result<Vec<ContentRow>> {
    let mut qb = QueryBuilder::new(SELECT);
    qb.push(" where true");
    if let Some(from) = f.from {
        qb.push(" and i.publish_on >= ").push_bind(from);
    }
    if let Some(to) = f.to {
        qb.push(" and i.publish_on <= ").push_bind(to);
    }
    if let Some(c) = f.campaign_id {
        qb.push(" and i.campaign_id = ").push_bind(c);
    }
    if let Some(ch) = f.channel {
        qb.push(" and i.channel = ").push_bind(ch.as_str());
    }
    if let Some(s) = f.status {
        qb.push(" and i.status = ").push_bind(s.as_str());
    }
    qb.push(" order by i.publish_on, lower(i.title), i.id limit ")
        .push_bind(limit);
    qb.build_query_as().fetch_all(conn).await
}

pub async fn find(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<ContentRow>> {
    sqlx::query_as(&format!("{SELECT} where i.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub const CONSTRAINTS: &[(&str, &str, &str)] = &[
    (
        "content_items_tenant_id_campaign_id_fkey",
        "campaign_id",
        "Choose a campaign from the list.",
    ),
    (
        "content_items_tenant_id_owner_id_fkey",
        "owner_id",
        "Choose an owner from the list.",
    ),
];

/// Why an item was not saved.
#[derive(Debug, PartialEq)]
pub enum Refusal {
    NotFound,
    /// The message is not one of the chosen campaign's.
    MessageElsewhere,
}

/// Adds an item (`id` none) or replaces one.
pub async fn save_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    id: Option<Uuid>,
    c: &ContentInput,
) -> sqlx::Result<Result<Uuid, Refusal>> {
    if let (Some(m), Some(campaign)) = (c.message_id, c.campaign_id) {
        let ok: bool = sqlx::query_scalar(
            "select exists(select 1 from key_messages where id = $1 and campaign_id = $2)",
        )
        .bind(m)
        .bind(campaign)
        .fetch_one(&mut *conn)
        .await?;
        if !ok {
            return Ok(Err(Refusal::MessageElsewhere));
        }
    }
    let owner = c.owner_id.or(actor.user_id.map(|u| u.0));
    let saved = match id {
        None => {
            let id = Uuid::new_v4();
            sqlx::query(
                "insert into content_items (tenant_id, id, campaign_id, message_id, title, channel, publish_on,
                   owner_id, status, notes, created_by)
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(actor.tenant_id)
            .bind(id)
            .bind(c.campaign_id)
            .bind(c.message_id)
            .bind(&c.title)
            .bind(c.channel.as_str())
            .bind(c.publish_on)
            .bind(owner)
            .bind(c.status.as_str())
            .bind(&c.notes)
            .bind(actor.user_id)
            .execute(&mut *conn)
            .await?;
            id
        }
        Some(id) => {
            let n = sqlx::query(
                "update content_items set campaign_id = $2, message_id = $3, title = $4, channel = $5,
                   publish_on = $6, owner_id = $7, status = $8, notes = $9, updated_at = now()
                 where id = $1",
            )
            .bind(id)
            .bind(c.campaign_id)
            .bind(c.message_id)
            .bind(&c.title)
            .bind(c.channel.as_str())
            .bind(c.publish_on)
            .bind(owner)
            .bind(c.status.as_str())
            .bind(&c.notes)
            .execute(&mut *conn)
            .await?
            .rows_affected();
            if n == 0 {
                return Ok(Err(Refusal::NotFound));
            }
            id
        }
    };
    super::audit::record(
        conn,
        actor,
        if id.is_some() { "content.update" } else { "content.create" },
        "content",
        Some(saved.to_string()),
        serde_json::json!({ "title": c.title, "channel": c.channel.as_str(), "publish_on": c.publish_on,
                            "status": c.status.as_str(), "campaign_id": c.campaign_id }),
    )
    .await?;
    Ok(Ok(saved))
}

/// Deletes an item; false when it does not exist.
pub async fn delete_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    id: Uuid,
) -> sqlx::Result<bool> {
    let gone: Option<String> =
        sqlx::query_scalar("delete from content_items where id = $1 returning title")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    let Some(title) = gone else {
        return Ok(false);
    };
    super::audit::record(
        conn,
        actor,
        "content.delete",
        "content",
        Some(id.to_string()),
        serde_json::json!({ "title": title }),
    )
    .await?;
    Ok(true)
}

/// Campaigns an item can belong to (all but archived), by name.
pub async fn campaign_choices(conn: &mut PgConnection) -> sqlx::Result<Vec<(Uuid, String)>> {
    sqlx::query_as(
        "select id, name from campaigns where status <> 'archived' order by lower(name) limit 500",
    )
    .fetch_all(conn)
    .await
}

/// Every key message with its campaign, for the message menu ("Campaign: message").
pub async fn message_choices(conn: &mut PgConnection) -> sqlx::Result<Vec<(Uuid, Uuid, String)>> {
    sqlx::query_as(
        "select m.id, m.campaign_id, c.name || ': ' || m.title from key_messages m
         join campaigns c on c.tenant_id = m.tenant_id and c.id = m.campaign_id
         where c.status <> 'archived' order by lower(c.name), m.position limit 1000",
    )
    .fetch_all(conn)
    .await
}
