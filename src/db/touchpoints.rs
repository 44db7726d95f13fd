//! Touch-points: logging one (or one per attendee of an event) in a single statement with
//! its audit events and the cadence clock, idempotently; the list, edits and deletes.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, QueryBuilder};
use uuid::Uuid;

use super::audit::Actor;
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
fn columns() -> String {
    format!(
        "t.id, t.stakeholder_id, {} as stakeholder_name, t.channel, t.direction, t.occurred_at, t.purpose,
         t.outcome, t.cost::text as cost, t.notes, t.campaign_id, c.name as campaign_name, t.variant_id,
         v.label as variant_label, t.group_id, t.created_by, u.name as created_by_name, t.created_at",
        super::stakeholders::name_sql("s")
    )
}

/// The joins [`columns`] needs, after `t`.
const JOINS: &str = "join stakeholders s on s.tenant_id = t.tenant_id and s.id = t.stakeholder_id
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

#[derive(Clone, Debug, Default)]
pub struct TouchpointFilter {
    pub stakeholder_id: Option<Uuid>,
    pub channel: Option<TouchChannel>,
    pub outcome: Option<Outcome>,
    pub campaign_id: Option<Uuid>,
    /// From this day on (UTC).
    pub from: Option<NaiveDate>,
    /// Up to and including this day (UTC).
    pub to: Option<NaiveDate>,
    pub created_by: Option<Uuid>,
    pub group_id: Option<Uuid>,
}

impl TouchpointFilter {
    fn push<'a>(&'a self, qb: &mut QueryBuilder<'a, sqlx::Postgres>) {
        qb.push(" where true");
        if let Some(s) = self.stakeholder_id {
            qb.push(" and t.stakeholder_id = ").push_bind(s);
        }
        if let Some(c) = self.channel {
            qb.push(" and t.channel = ").push_bind(c.as_str());
        }
        if let Some(o) = self.outcome {
            qb.push(" and t.outcome = ").push_bind(o.as_str());
        }
        if let Some(c) = self.campaign_id {
            qb.push(" and t.campaign_id = ").push_bind(c);
        }
        if let Some(d) = self.from {
            qb.push(" and t.occurred_at >= (")
                .push_bind(d)
                .push("::date)::timestamp at time zone 'UTC'");
        }
        if let Some(d) = self.to {
            qb.push(" and t.occurred_at < (")
                .push_bind(d)
                .push("::date + 1)::timestamp at time zone 'UTC'");
        }
        if let Some(u) = self.created_by {
            qb.push(" and t.created_by = ").push_bind(u);
        }
        if let Some(g) = self.group_id {
            qb.push(" and t.group_id = ").push_bind(g);
        }
    }
}

/// Touch-points matching the filter, newest first. Filters are on the touch-point's own
/// columns, so the (capped) count reads one index and no joins.
pub async fn list(
    conn: &mut PgConnection,
    f: &TouchpointFilter,
    page: super::PageRequest,
) -> sqlx::Result<super::Page<TouchpointRow>> {
    let mut count = QueryBuilder::new("select count(*) from (select 1 from touchpoints t");
    f.push(&mut count);
    count
        .push(" limit ")
        .push_bind(super::COUNT_CAP + 1)
        .push(") capped");
    let counted: i64 = count.build_query_scalar().fetch_one(&mut *conn).await?;
    // The page first (one index range), then the joins for those rows only.
    let mut rows = QueryBuilder::new(format!(
        "select {} from (select * from touchpoints t",
        columns()
    ));
    f.push(&mut rows);
    rows.push(" order by t.occurred_at desc, t.id desc limit ")
        .push_bind(page.per_page)
        .push(" offset ")
        .push_bind(page.offset())
        .push(format!(
            ") t {JOINS} order by t.occurred_at desc, t.id desc"
        ));
    let items = rows.build_query_as().fetch_all(conn).await?;
    Ok(super::Page {
        items,
        total: counted.min(super::COUNT_CAP),
        total_capped: counted > super::COUNT_CAP,
        page: page.page,
        per_page: page.per_page,
    })
}

/// The newest `limit` touch-points of one stakeholder.
pub async fn recent(
    conn: &mut PgConnection,
    stakeholder: Uuid,
    limit: i64,
) -> sqlx::Result<Vec<TouchpointRow>> {
    let filter = TouchpointFilter {
        stakeholder_id: Some(stakeholder),
        ..Default::default()
    };
    Ok(
        list(conn, &filter, super::PageRequest::new(Some(1), Some(limit)))
            .await?
            .items,
    )
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
            let source = super::follow_ups::Source::Touchpoint {
                stakeholder: r.stakeholder_id,
                touchpoint: r.id,
            };
            super::follow_ups::create_audited(&mut *conn, actor, source, plan).await?;
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

/// Campaigns a touch-point may name: planned or active ones, by name.
pub async fn open_campaigns(conn: &mut PgConnection) -> sqlx::Result<Vec<(Uuid, String)>> {
    sqlx::query_as(
        "select id, name from campaigns where status in ('planned', 'active') order by lower(name) limit 200",
    )
    .fetch_all(conn)
    .await
}

/// Changes a touch-point's fields (not its stakeholder), audited; moves the stakeholder's
/// last contact forward when the new time is later. `None` when not found.
pub async fn update_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    before: &TouchpointRow,
    t: &TouchpointInput,
) -> sqlx::Result<Result<TouchpointRow, FieldErrors>> {
    let mut errors = FieldErrors::new();
    if t.campaign_id.is_some() || t.variant_id.is_some() {
        let (campaign_ok, variant_ok): (bool, bool) = sqlx::query_as(
            "select $1::uuid is null or $1 = $3 or exists (select 1 from campaigns where id = $1 and status in ('planned', 'active')),
                    $2::uuid is null or exists (select 1 from message_variants where id = $2 and campaign_id = $1)",
        )
        .bind(t.campaign_id)
        .bind(t.variant_id)
        .bind(before.campaign_id)
        .fetch_one(&mut *conn)
        .await?;
        if !campaign_ok {
            errors.insert("campaign_id", CLOSED_CAMPAIGN.into());
        }
        if !variant_ok {
            errors.insert("variant_id", FOREIGN_VARIANT.into());
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    sqlx::query(
        "update touchpoints set channel = $2, direction = $3, occurred_at = $4, purpose = $5, outcome = $6,
            cost = $7::bigint / 100.0, notes = $8, campaign_id = $9, variant_id = $10
         where id = $1",
    )
    .bind(before.id)
    .bind(t.channel.as_str())
    .bind(t.direction.as_str())
    .bind(t.occurred_at)
    .bind(&t.purpose)
    .bind(t.outcome.map(Outcome::as_str))
    .bind(t.cost_cents)
    .bind(&t.notes)
    .bind(t.campaign_id)
    .bind(t.variant_id)
    .execute(&mut *conn)
    .await?;
    if t.counts_as_contact() {
        touch_contact(&mut *conn, before.stakeholder_id, t.occurred_at).await?;
    }
    let old = serde_json::json!({ "channel": before.channel, "direction": before.direction,
        "occurred_at": before.occurred_at, "outcome": before.outcome, "cost": before.cost,
        "campaign_id": before.campaign_id, "variant_id": before.variant_id,
        "purpose_recorded": before.purpose.is_some(), "notes_recorded": before.notes.is_some() });
    let new = serde_json::json!({ "channel": t.channel.as_str(), "direction": t.direction.as_str(),
        "occurred_at": t.occurred_at, "outcome": t.outcome.map(Outcome::as_str),
        "cost": t.cost_cents.map(crate::domain::format_cents), "campaign_id": t.campaign_id,
        "variant_id": t.variant_id, "purpose_recorded": t.purpose.is_some(), "notes_recorded": t.notes.is_some() });
    let mut changes = super::audit::diff(&old, &new);
    changes["stakeholder_id"] = serde_json::json!(before.stakeholder_id);
    super::audit::record(
        &mut *conn,
        actor,
        "touchpoint.update",
        "touchpoint",
        Some(before.id.to_string()),
        changes,
    )
    .await?;
    Ok(find(conn, before.id).await?.ok_or(FieldErrors::new()))
}

/// Moves a stakeholder's last contact forward to `at` (never back).
pub async fn touch_contact(
    conn: &mut PgConnection,
    stakeholder: Uuid,
    at: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query(
        "update stakeholders set last_contact_at = $2
         where id = $1 and (last_contact_at is null or last_contact_at < $2)",
    )
    .bind(stakeholder)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes a touch-point, audited; follow-ups that point at it keep their other fields.
/// The stakeholder's last contact stays where it is.
pub async fn delete_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    before: &TouchpointRow,
) -> sqlx::Result<()> {
    sqlx::query(
        "update follow_ups set touchpoint_id = case when touchpoint_id = $1 then null else touchpoint_id end,
            completed_touchpoint_id = case when completed_touchpoint_id = $1 then null else completed_touchpoint_id end
         where touchpoint_id = $1 or completed_touchpoint_id = $1",
    )
    .bind(before.id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("delete from touchpoints where id = $1")
        .bind(before.id)
        .execute(&mut *conn)
        .await?;
    super::audit::record(
        conn,
        actor,
        "touchpoint.delete",
        "touchpoint",
        Some(before.id.to_string()),
        serde_json::json!({ "stakeholder_id": before.stakeholder_id, "channel": before.channel,
            "occurred_at": before.occurred_at, "outcome": before.outcome }),
    )
    .await
}

/// Whether `user` may edit or delete `row`: its author, or an admin or marketer.
pub fn may_change(row: &TouchpointRow, user: Uuid, role: crate::domain::Role) -> bool {
    use crate::domain::Role;
    matches!(role, Role::Admin | Role::Marketer)
        || (role != Role::Executive && row.created_by == Some(user))
}

/// A stored touch-point as a draft, to lay a partial change over.
pub fn draft_of(row: &TouchpointRow) -> crate::domain::TouchpointDraft {
    crate::domain::TouchpointDraft {
        stakeholder_id: Some(row.stakeholder_id.to_string()),
        channel: Some(row.channel.clone()),
        direction: Some(row.direction.clone()),
        occurred_at: Some(row.occurred_at.to_rfc3339()),
        purpose: row.purpose.clone(),
        outcome: row.outcome.clone(),
        cost: row.cost.clone().map(serde_json::Value::String),
        notes: row.notes.clone(),
        campaign_id: row.campaign_id.map(|c| c.to_string()),
        variant_id: row.variant_id.map(|v| v.to_string()),
        ..Default::default()
    }
}

/// Resolves pasted attendees, one per line (or comma): an NPI, or a name that matches
/// exactly one active stakeholder. Returns the ids found and the lines that were not.
pub async fn resolve_attendees(
    conn: &mut PgConnection,
    text: &str,
) -> sqlx::Result<(Vec<super::stakeholders::PersonRef>, Vec<String>)> {
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for line in text
        .split(['\n', ',', ';'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(crate::domain::MAX_GROUP)
    {
        let people = super::stakeholders::pick(&mut *conn, line, 2).await?;
        match people.as_slice() {
            [one] => found.push(one.clone()),
            _ => missing.push(line.to_string()),
        }
    }
    Ok((found, missing))
}

/// Message variants of planned and active campaigns, labelled for a menu.
pub async fn open_variants(conn: &mut PgConnection) -> sqlx::Result<Vec<(Uuid, String)>> {
    sqlx::query_as(
        "select v.id, c.name || ' · ' || m.title || ' · ' || v.label || ' (' || v.channel || ')'
         from message_variants v join campaigns c on c.tenant_id = v.tenant_id and c.id = v.campaign_id
         join key_messages m on m.tenant_id = v.tenant_id and m.id = v.message_id
         where c.status in ('planned', 'active') order by lower(c.name), m.position, v.channel, v.label limit 500",
    )
    .fetch_all(conn)
    .await
}

/// Campaigns past their draft, for the list's filter.
pub async fn campaign_menu(conn: &mut PgConnection) -> sqlx::Result<Vec<(Uuid, String)>> {
    sqlx::query_as(
        "select id, name from campaigns where status <> 'draft' order by lower(name) limit 200",
    )
    .fetch_all(conn)
    .await
}
