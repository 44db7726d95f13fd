//! Changing and deleting a touch-point (audited), who may, and resolving pasted attendees.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{CLOSED_CAMPAIGN, FOREIGN_VARIANT, TouchpointRow, find};
use crate::db::audit::Actor;
use crate::domain::{Outcome, TouchpointInput};
use crate::error::FieldErrors;

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
    let mut changes = crate::db::audit::diff(&old, &new);
    changes["stakeholder_id"] = serde_json::json!(before.stakeholder_id);
    crate::db::audit::record(
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
    crate::db::audit::record(
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
) -> sqlx::Result<(Vec<crate::db::stakeholders::PersonRef>, Vec<String>)> {
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for line in text
        .split(['\n', ',', ';'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(crate::domain::MAX_GROUP)
    {
        let people = crate::db::stakeholders::pick(&mut *conn, line, 2).await?;
        match people.as_slice() {
            [one] => found.push(one.clone()),
            _ => missing.push(line.to_string()),
        }
    }
    Ok((found, missing))
}
