//! A campaign's key messages and their variants per channel.

use sqlx::PgConnection;
use uuid::Uuid;

use super::audit::Actor;
use crate::domain::{CampaignChannel, MessageInput, VariantInput};

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct MessageRow {
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub title: String,
    pub body: Option<String>,
    pub position: i16,
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct VariantRow {
    pub id: Uuid,
    pub message_id: Uuid,
    pub channel: String,
    pub label: String,
    pub body: Option<String>,
    pub weight: i16,
}

impl VariantRow {
    pub fn channel_label(&self) -> &'static str {
        CampaignChannel::parse(&self.channel)
            .map(CampaignChannel::label)
            .unwrap_or("")
    }
}

/// A message with its variants, grouped by channel.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct MessageWithVariants {
    #[serde(flatten)]
    pub message: MessageRow,
    pub variants: Vec<VariantRow>,
}

impl MessageWithVariants {
    /// Channels where members are split between two or more variants.
    pub fn tested_channels(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for v in &self.variants {
            let n = self
                .variants
                .iter()
                .filter(|w| w.channel == v.channel)
                .count();
            if n > 1 && !out.contains(&v.channel.as_str()) {
                out.push(&v.channel);
            }
        }
        out
    }
}

/// The campaign's messages in order, each with its variants (by channel, then label).
pub async fn list(
    conn: &mut PgConnection,
    campaign: Uuid,
) -> sqlx::Result<Vec<MessageWithVariants>> {
    let messages: Vec<MessageRow> = sqlx::query_as(
        "select id, campaign_id, title, body, position from key_messages where campaign_id = $1
         order by position, created_at, id",
    )
    .bind(campaign)
    .fetch_all(&mut *conn)
    .await?;
    let variants: Vec<VariantRow> = sqlx::query_as(
        "select id, message_id, channel, label, body, weight from message_variants where campaign_id = $1
         order by channel, lower(label), id",
    )
    .bind(campaign)
    .fetch_all(&mut *conn)
    .await?;
    Ok(messages
        .into_iter()
        .map(|m| MessageWithVariants {
            variants: variants
                .iter()
                .filter(|v| v.message_id == m.id)
                .cloned()
                .collect(),
            message: m,
        })
        .collect())
}

/// Adds a message at the end (`id` none) or replaces one's text. `None`: not found.
pub async fn save_message_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    campaign: Uuid,
    id: Option<Uuid>,
    m: &MessageInput,
) -> sqlx::Result<Option<Uuid>> {
    let saved = match id {
        None => {
            let id = Uuid::new_v4();
            let n = sqlx::query(
                "insert into key_messages (tenant_id, id, campaign_id, title, body, position)
                 select $1, $2, c.id, $4, $5,
                   coalesce((select max(position) + 1 from key_messages where campaign_id = c.id), 0)
                 from campaigns c where c.id = $3",
            )
            .bind(actor.tenant_id)
            .bind(id)
            .bind(campaign)
            .bind(&m.title)
            .bind(&m.body)
            .execute(&mut *conn)
            .await?
            .rows_affected();
            if n == 0 {
                return Ok(None);
            }
            id
        }
        Some(id) => {
            let n = sqlx::query(
                "update key_messages set title = $3, body = $4, updated_at = now()
                 where id = $1 and campaign_id = $2",
            )
            .bind(id)
            .bind(campaign)
            .bind(&m.title)
            .bind(&m.body)
            .execute(&mut *conn)
            .await?
            .rows_affected();
            if n == 0 {
                return Ok(None);
            }
            id
        }
    };
    super::audit::record(
        conn,
        actor,
        if id.is_some() {
            "message.update"
        } else {
            "message.create"
        },
        "campaign",
        Some(campaign.to_string()),
        serde_json::json!({ "message_id": saved, "title": m.title }),
    )
    .await?;
    Ok(Some(saved))
}

pub const VARIANT_LABEL_KEY: &str = "message_variants_label_key";
pub const VARIANT_CONSTRAINTS: &[(&str, &str, &str)] = &[(
    VARIANT_LABEL_KEY,
    "label",
    "This message already has a variant with this name on this channel.",
)];

/// Why the split of an active campaign cannot change.
pub const SPLIT_FIXED: &str = "The campaign is active, so its message test is fixed: variants can no longer be added or removed (their text can still be edited).";

/// Whether variants may still be added and removed (the split is not recorded yet).
pub async fn split_open(conn: &mut PgConnection, campaign: Uuid) -> sqlx::Result<Option<bool>> {
    sqlx::query_scalar("select audience_frozen_at is null from campaigns where id = $1")
        .bind(campaign)
        .fetch_optional(conn)
        .await
}

/// Adds a variant to a message, or replaces one. `None`: the message (or variant) is not
/// part of the campaign. Changing the channel or weight of a variant after the split is
/// recorded is refused by the caller through [`split_open`].
pub async fn save_variant_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    campaign: Uuid,
    message: Uuid,
    id: Option<Uuid>,
    v: &VariantInput,
) -> sqlx::Result<Option<Uuid>> {
    let saved = match id {
        None => {
            let id = Uuid::new_v4();
            let n = sqlx::query(
                "insert into message_variants (tenant_id, id, campaign_id, message_id, channel, label, body, weight)
                 select $1, $2, m.campaign_id, m.id, $5, $6, $7, $8 from key_messages m
                 where m.id = $4 and m.campaign_id = $3",
            )
            .bind(actor.tenant_id)
            .bind(id)
            .bind(campaign)
            .bind(message)
            .bind(v.channel.as_str())
            .bind(&v.label)
            .bind(&v.body)
            .bind(v.weight)
            .execute(&mut *conn)
            .await?
            .rows_affected();
            if n == 0 {
                return Ok(None);
            }
            id
        }
        Some(id) => {
            let n = sqlx::query(
                "update message_variants set channel = $4, label = $5, body = $6, weight = $7
                 where id = $1 and campaign_id = $2 and message_id = $3",
            )
            .bind(id)
            .bind(campaign)
            .bind(message)
            .bind(v.channel.as_str())
            .bind(&v.label)
            .bind(&v.body)
            .bind(v.weight)
            .execute(&mut *conn)
            .await?
            .rows_affected();
            if n == 0 {
                return Ok(None);
            }
            id
        }
    };
    super::audit::record(
        conn,
        actor,
        if id.is_some() {
            "variant.update"
        } else {
            "variant.create"
        },
        "campaign",
        Some(campaign.to_string()),
        serde_json::json!({ "message_id": message, "variant_id": saved, "channel": v.channel.as_str(),
                            "label": v.label, "weight": v.weight }),
    )
    .await?;
    Ok(Some(saved))
}

/// One variant of the campaign, for checks before an edit.
pub async fn find_variant(
    conn: &mut PgConnection,
    campaign: Uuid,
    id: Uuid,
) -> sqlx::Result<Option<VariantRow>> {
    sqlx::query_as(
        "select id, message_id, channel, label, body, weight from message_variants
         where id = $1 and campaign_id = $2",
    )
    .bind(id)
    .bind(campaign)
    .fetch_optional(conn)
    .await
}

/// What a delete found.
#[derive(Debug, PartialEq)]
pub enum Deleted {
    Yes,
    NotFound,
    /// Touch-points name it.
    InUse,
}

/// Deletes a message (with its variants) or one variant, unless touch-points name it.
pub async fn delete_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    campaign: Uuid,
    message: Uuid,
    variant: Option<Uuid>,
) -> sqlx::Result<Deleted> {
    let used: bool = sqlx::query_scalar(
        "select exists(select 1 from touchpoints t join message_variants v on v.tenant_id = t.tenant_id and v.id = t.variant_id
           where t.campaign_id = $1 and v.message_id = $2 and ($3::uuid is null or v.id = $3))",
    )
    .bind(campaign)
    .bind(message)
    .bind(variant)
    .fetch_one(&mut *conn)
    .await?;
    if used {
        return Ok(Deleted::InUse);
    }
    let n = match variant {
        Some(v) => sqlx::query(
            "delete from message_variants where id = $1 and message_id = $2 and campaign_id = $3",
        )
        .bind(v)
        .bind(message)
        .bind(campaign),
        None => sqlx::query("delete from key_messages where id = $1 and campaign_id = $2")
            .bind(message)
            .bind(campaign),
    }
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        return Ok(Deleted::NotFound);
    }
    // Feedback about a deleted message keeps its campaign and loses the message.
    super::audit::record(
        conn,
        actor,
        if variant.is_some() {
            "variant.delete"
        } else {
            "message.delete"
        },
        "campaign",
        Some(campaign.to_string()),
        serde_json::json!({ "message_id": message, "variant_id": variant }),
    )
    .await?;
    Ok(Deleted::Yes)
}
