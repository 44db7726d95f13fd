//! Touch-points: logging one (or one per attendee of an event) in a single statement with
//! its audit events and the cadence clock, idempotently (here); the list and its menus
//! (`list`); edits, deletes and pasted attendees (`edit`).

mod edit;
mod list;

pub use edit::{
    delete_audited, draft_of, may_change, resolve_attendees, touch_contact, update_audited,
};
pub use list::{TouchpointFilter, campaign_menu, list, open_campaigns, open_variants, recent};

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::db::audit::Actor;
use crate::domain::{Outcome, TouchChannel, TouchpointInput};
use crate::error::FieldErrors;

#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct TouchpointRow {
    pub id: Uuid,
    pub stakeholder_id: Uuid,
    pub stakeholder_name: String,
    /// visit, phone, email, event, lunch_learn, social, mail, portal or survey.
    pub channel: String,
    /// outbound or inbound.
    pub direction: String,
    pub occurred_at: DateTime<Utc>,
    pub purpose: Option<String>,
    /// positive, neutral, negative or no_response.
    pub outcome: Option<String>,
    /// Decimal text with two places, e.g. "45.50".
    pub cost: Option<String>,
    pub notes: Option<String>,
    pub campaign_id: Option<Uuid>,
    pub campaign_name: Option<String>,
    pub variant_id: Option<Uuid>,
    pub variant_label: Option<String>,
    /// Shared by the touch-points of one group submit (an event's attendees).
    pub group_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
    pub created_by_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl TouchpointRow {
    pub fn channel_label(&self) -> &'static str {
        TouchChannel::parse(&self.channel).map_or("Other", TouchChannel::label)
    }

    pub fn outcome_label(&self) -> &'static str {
        self.outcome
            .as_deref()
            .and_then(Outcome::parse)
            .map_or("", Outcome::label)
    }

    /// CSS modifier for the outcome badge.
    pub fn outcome_class(&self) -> &'static str {
        match self.outcome.as_deref() {
            Some("positive") => "badge-green",
            Some("negative") => "badge-red",
            _ => "badge-gray",
        }
    }

    pub fn inbound(&self) -> bool {
        self.direction == "inbound"
    }
}

/// Columns of [`TouchpointRow`] over `t` (touch-points or the rows just inserted).
pub(super) fn columns() -> String {
    format!(
        "t.id, t.stakeholder_id, {} as stakeholder_name, t.channel, t.direction, t.occurred_at, t.purpose,
         t.outcome, t.cost::text as cost, t.notes, t.campaign_id, c.name as campaign_name, t.variant_id,
         v.label as variant_label, t.group_id, t.created_by, u.name as created_by_name, t.created_at",
        crate::db::stakeholders::name_sql("s")
    )
}

/// The joins [`columns`] needs, after `t`.
pub(super) const JOINS: &str =
    "join stakeholders s on s.tenant_id = t.tenant_id and s.id = t.stakeholder_id
    left join campaigns c on c.tenant_id = t.tenant_id and c.id = t.campaign_id
    left join message_variants v on v.tenant_id = t.tenant_id and v.id = t.variant_id
    left join users u on u.tenant_id = t.tenant_id and u.id = t.created_by";

pub async fn find(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<TouchpointRow>> {
    sqlx::query_as(&format!(
        "select {} from touchpoints t {JOINS} where t.id = $1",
        columns()
    ))
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// What one submit is: who, the shared fields, and the idempotency key with the hash of
/// the canonical request.
pub struct NewTouchpoints<'a> {
    pub stakeholders: &'a [Uuid],
    pub input: &'a TouchpointInput,
    /// Set for group submits (more than one attendee).
    pub group_id: Option<Uuid>,
    pub idempotency_key: Option<&'a str>,
    pub request_hash: &'a str,
}

/// How a submit went.
#[derive(Debug)]
pub enum Logged {
    /// Written now.
    Created(Vec<TouchpointRow>),
    /// The key was used before for this same request: the rows it wrote then.
    Replayed(Vec<TouchpointRow>),
    /// The key was used before for a different request.
    KeyReused,
    /// Nothing written: a stakeholder, the campaign or the variant is not acceptable.
    Invalid(FieldErrors),
}

/// The one statement of the hot path: insert the touch-points (skipping a key already
/// used), move each stakeholder's last contact forward (unless nobody responded), and
/// write an audit event per row; it returns the rows as the API shows them. Only when
/// nothing was written does a second query tell a replay from bad input.
pub async fn log_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    new: &NewTouchpoints<'_>,
) -> sqlx::Result<Logged> {
    let t = new.input;
    let ids: Vec<Uuid> = new.stakeholders.iter().map(|_| Uuid::now_v7()).collect();
    let sql = format!(
        "with ins as (
           insert into touchpoints (tenant_id, id, stakeholder_id, channel, direction, occurred_at, purpose,
               outcome, cost, notes, campaign_id, variant_id, group_id, idempotency_key, request_hash, created_by)
           select $1, p.id, p.stakeholder_id, $4, $5, $6, $7, $8, $9::bigint / 100.0, $10, $11,
               coalesce($12, (select va.variant_id from variant_assignments va
                              where va.campaign_id = $11 and va.stakeholder_id = p.stakeholder_id and va.channel = $4
                              order by va.assigned_at, va.message_id limit 1)),
               $13, $14, $15, $16
           from unnest($2::uuid[], $3::uuid[]) as p(id, stakeholder_id)
           join stakeholders st on st.id = p.stakeholder_id and st.status <> 'merged'
           where not exists (select 1 from touchpoints k where k.tenant_id = $1 and k.created_by = $16
                             and k.idempotency_key = $14)
             and ($11::uuid is null or exists (select 1 from campaigns c where c.id = $11
                                               and c.status in ('planned', 'active')))
             and ($12::uuid is null or exists (select 1 from message_variants v where v.id = $12 and v.campaign_id = $11))
           on conflict (tenant_id, created_by, idempotency_key, stakeholder_id) where idempotency_key is not null
           do nothing
           returning *
         ), contact as (
           update stakeholders s set last_contact_at = i.occurred_at from ins i
           where $17 and s.id = i.stakeholder_id and (s.last_contact_at is null or s.last_contact_at < i.occurred_at)
         ), audit as (
           insert into audit_events (tenant_id, user_id, action, entity, entity_id, ip, request_id, changes)
           select $1, $16, 'touchpoint.create', 'touchpoint', i.id::text, $18::inet, $19,
                  jsonb_strip_nulls(jsonb_build_object('stakeholder_id', i.stakeholder_id, 'channel', i.channel,
                      'outcome', i.outcome, 'occurred_at', i.occurred_at, 'campaign_id', i.campaign_id,
                      'variant_id', i.variant_id, 'group_id', i.group_id))
           from ins i
         )
         select {} from ins t {JOINS} order by t.id",
        columns()
    );
    let rows: Vec<TouchpointRow> = sqlx::query_as(&sql)
        .bind(actor.tenant_id)
        .bind(&ids)
        .bind(new.stakeholders)
        .bind(t.channel.as_str())
        .bind(t.direction.as_str())
        .bind(t.occurred_at)
        .bind(&t.purpose)
        .bind(t.outcome.map(Outcome::as_str))
        .bind(t.cost_cents)
        .bind(&t.notes)
        .bind(t.campaign_id)
        .bind(t.variant_id)
        .bind(new.group_id)
        .bind(new.idempotency_key)
        .bind(new.request_hash)
        .bind(actor.user_id)
        .bind(t.counts_as_contact())
        .bind(actor.ip.map(|ip| ip.to_string()))
        .bind(&actor.request_id)
        .fetch_all(&mut *conn)
        .await?;
    if rows.len() == new.stakeholders.len() {
        return Ok(Logged::Created(rows));
    }
    if !rows.is_empty() {
        // Some attendees were written and some not (merged away meanwhile): all or nothing.
        return Ok(Logged::Invalid(diagnose(conn, new).await?));
    }
    if let Some(key) = new.idempotency_key {
        let earlier = by_key(conn, actor, key).await?;
        if let Some((hash, _)) = earlier.first() {
            return Ok(if hash.as_deref() == Some(new.request_hash) {
                Logged::Replayed(earlier.into_iter().map(|(_, r)| r).collect())
            } else {
                Logged::KeyReused
            });
        }
    }
    Ok(Logged::Invalid(diagnose(conn, new).await?))
}

/// [`log_audited`], then the follow-up the submit asked for (one per new touch-point).
pub async fn log_with_follow_ups(
    conn: &mut PgConnection,
    actor: &Actor,
    new: &NewTouchpoints<'_>,
) -> sqlx::Result<Logged> {
    let logged = log_audited(&mut *conn, actor, new).await?;
    if let (Logged::Created(rows), Some(plan)) = (&logged, &new.input.follow_up) {
        for r in rows {
            let source = crate::db::follow_ups::Source::Touchpoint {
                stakeholder: r.stakeholder_id,
                touchpoint: r.id,
            };
            crate::db::follow_ups::create_audited(&mut *conn, actor, source, plan).await?;
        }
    }
    Ok(logged)
}

/// The touch-points the caller wrote with `key`, with the request hash they were written for.
async fn by_key(
    conn: &mut PgConnection,
    actor: &Actor,
    key: &str,
) -> sqlx::Result<Vec<(Option<String>, TouchpointRow)>> {
    #[derive(sqlx::FromRow)]
    struct Keyed {
        request_hash: Option<String>,
        #[sqlx(flatten)]
        row: TouchpointRow,
    }
    let rows: Vec<Keyed> = sqlx::query_as(&format!(
        "select t.request_hash, {} from touchpoints t {JOINS}
         where t.tenant_id = $1 and t.created_by = $2 and t.idempotency_key = $3 order by t.id",
        columns()
    ))
    .bind(actor.tenant_id)
    .bind(actor.user_id)
    .bind(key)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|k| (k.request_hash, k.row)).collect())
}

pub const UNKNOWN_STAKEHOLDER: &str =
    "That stakeholder does not exist, or was merged into another record.";
pub const CLOSED_CAMPAIGN: &str = "Choose a planned or active campaign.";
pub const FOREIGN_VARIANT: &str = "Choose a message variant of that campaign.";

/// Why nothing was written (the slow path, after a refused insert).
async fn diagnose(conn: &mut PgConnection, new: &NewTouchpoints<'_>) -> sqlx::Result<FieldErrors> {
    let (known, campaign_ok, variant_ok): (i64, bool, bool) = sqlx::query_as(
        "select (select count(*) from stakeholders where id = any($1) and status <> 'merged'),
                $2::uuid is null or exists (select 1 from campaigns where id = $2 and status in ('planned', 'active')),
                $3::uuid is null or exists (select 1 from message_variants where id = $3 and campaign_id = $2)",
    )
    .bind(new.stakeholders)
    .bind(new.input.campaign_id)
    .bind(new.input.variant_id)
    .fetch_one(conn)
    .await?;
    let mut errors = FieldErrors::new();
    if known < new.stakeholders.len() as i64 {
        errors.insert("stakeholder_id", UNKNOWN_STAKEHOLDER.into());
    }
    if !campaign_ok {
        errors.insert("campaign_id", CLOSED_CAMPAIGN.into());
    }
    if !variant_ok {
        errors.insert("variant_id", FOREIGN_VARIANT.into());
    }
    if errors.is_empty() {
        errors.insert(
            "stakeholder_id",
            "Nothing was written; try again.".to_string(),
        );
    }
    Ok(errors)
}
