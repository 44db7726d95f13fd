//! Follow-ups: something to do for a stakeholder by a date, from a touch-point, a feedback
//! item or by hand; completed (with the touch-point that did it) or cancelled.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::audit::Actor;
use crate::domain::{FollowUpPlan, FollowUpStatus};

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct FollowUpRow {
    pub id: Uuid,
    pub stakeholder_id: Uuid,
    pub stakeholder_name: String,
    pub owner_id: Uuid,
    pub owner_name: String,
    pub due_on: NaiveDate,
    pub note: Option<String>,
    /// The touch-point it came from.
    pub touchpoint_id: Option<Uuid>,
    /// The feedback item it came from.
    pub feedback_id: Option<Uuid>,
    /// open, done or cancelled.
    pub status: String,
    pub completed_at: Option<DateTime<Utc>>,
    /// The touch-point logged when it was done.
    pub completed_touchpoint_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

impl FollowUpRow {
    pub fn open(&self) -> bool {
        self.status == "open"
    }

    pub fn overdue(&self) -> bool {
        self.open() && self.due_on < Utc::now().date_naive()
    }

    pub fn status_label(&self) -> &'static str {
        FollowUpStatus::parse(&self.status).map_or("Open", FollowUpStatus::label)
    }
}

fn columns() -> String {
    format!(
        "f.id, f.stakeholder_id, {} as stakeholder_name, f.owner_id, o.name as owner_name, f.due_on, f.note,
         f.touchpoint_id, f.feedback_id, f.status, f.completed_at, f.completed_touchpoint_id, f.created_by,
         f.created_at",
        super::stakeholders::name_sql("s")
    )
}

const FROM: &str =
    "follow_ups f join stakeholders s on s.tenant_id = f.tenant_id and s.id = f.stakeholder_id
    join users o on o.tenant_id = f.tenant_id and o.id = f.owner_id";

pub async fn find(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<FollowUpRow>> {
    sqlx::query_as(&format!("select {} from {FROM} where f.id = $1", columns()))
        .bind(id)
        .fetch_optional(conn)
        .await
}

#[derive(Clone, Debug, Default)]
pub struct FollowUpFilter {
    pub owner_id: Option<Uuid>,
    pub stakeholder_id: Option<Uuid>,
    /// Only open ones (the default lists); otherwise every status.
    pub open_only: bool,
}

/// Follow-ups by due date: overdue ones come first because they are due earliest.
pub async fn list(
    conn: &mut PgConnection,
    f: &FollowUpFilter,
    page: super::PageRequest,
) -> sqlx::Result<super::Page<FollowUpRow>> {
    super::fetch_page(
        conn,
        &columns(),
        FROM,
        |qb| {
            qb.push(" where true");
            if let Some(o) = f.owner_id {
                qb.push(" and f.owner_id = ").push_bind(o);
            }
            if let Some(s) = f.stakeholder_id {
                qb.push(" and f.stakeholder_id = ").push_bind(s);
            }
            if f.open_only {
                qb.push(" and f.status = 'open'");
            }
        },
        "(f.status = 'open') desc, f.due_on, f.created_at, f.id",
        page,
    )
    .await
}

/// How many open follow-ups of `owner` are past their due date.
pub async fn overdue_count(conn: &mut PgConnection, owner: Uuid) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "select count(*) from follow_ups where owner_id = $1 and status = 'open' and due_on < current_date",
    )
    .bind(owner)
    .fetch_one(conn)
    .await
}

pub const CONSTRAINTS: &[(&str, &str, &str)] = &[
    (
        "follow_ups_tenant_id_owner_id_fkey",
        "owner_id",
        "Choose an owner from the list.",
    ),
    (
        "follow_ups_tenant_id_stakeholder_id_fkey",
        "stakeholder_id",
        "That stakeholder does not exist.",
    ),
    (
        "follow_ups_tenant_id_feedback_id_fkey",
        "feedback_id",
        "That feedback item does not exist.",
    ),
];

/// Where a follow-up comes from.
#[derive(Clone, Copy, Debug)]
pub enum Source {
    Manual(Uuid),
    Touchpoint {
        stakeholder: Uuid,
        touchpoint: Uuid,
    },
    /// The stakeholder is the feedback item's.
    Feedback(Uuid),
}

/// Creates a follow-up, audited; the owner defaults to the author. `None` when the
/// feedback item it comes from is not found.
pub async fn create_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    source: Source,
    plan: &FollowUpPlan,
) -> sqlx::Result<Option<Uuid>> {
    let id = Uuid::now_v7();
    let (stakeholder, touchpoint, feedback) = match source {
        Source::Manual(s) => (Some(s), None, None),
        Source::Touchpoint {
            stakeholder,
            touchpoint,
        } => (Some(stakeholder), Some(touchpoint), None),
        Source::Feedback(f) => (None, None, Some(f)),
    };
    let inserted = sqlx::query(
        "insert into follow_ups (tenant_id, id, stakeholder_id, owner_id, due_on, note, touchpoint_id, feedback_id,
             created_by)
         select $1, $2, coalesce($3, (select stakeholder_id from feedback where id = $8)), coalesce($4, $9), $5, $6,
                $7, $8, $9
         where $3::uuid is not null or exists (select 1 from feedback where id = $8)",
    )
    .bind(actor.tenant_id)
    .bind(id)
    .bind(stakeholder)
    .bind(plan.owner_id)
    .bind(plan.due_on)
    .bind(&plan.note)
    .bind(touchpoint)
    .bind(feedback)
    .bind(actor.user_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if inserted == 0 {
        return Ok(None);
    }
    super::audit::record(
        conn,
        actor,
        "follow_up.create",
        "follow_up",
        Some(id.to_string()),
        serde_json::json!({ "stakeholder_id": stakeholder, "owner_id": plan.owner_id.or(actor.user_id.map(|u| u.0)),
            "due_on": plan.due_on, "touchpoint_id": touchpoint, "feedback_id": feedback }),
    )
    .await?;
    Ok(Some(id))
}

/// Closes an open follow-up as done (with the touch-point that did it) or cancelled,
/// audited. `false` when it was not open.
pub async fn close_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    id: Uuid,
    status: FollowUpStatus,
    touchpoint: Option<Uuid>,
) -> sqlx::Result<bool> {
    let closed = sqlx::query(
        "update follow_ups set status = $2, completed_at = now(), completed_touchpoint_id = $3, updated_at = now()
         where id = $1 and status = 'open'",
    )
    .bind(id)
    .bind(status.as_str())
    .bind(touchpoint)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    if closed {
        super::audit::record(
            conn,
            actor,
            &format!(
                "follow_up.{}",
                if status == FollowUpStatus::Done {
                    "complete"
                } else {
                    "cancel"
                }
            ),
            "follow_up",
            Some(id.to_string()),
            serde_json::json!({ "status": status.as_str(), "completed_touchpoint_id": touchpoint }),
        )
        .await?;
    }
    Ok(closed)
}

/// Completes an open follow-up, first logging the touch-point that did it when one is
/// given (no idempotency key: the follow-up's own state guards against a second submit).
/// `None` when it was not open; nothing is written then.
pub async fn complete_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    row: &FollowUpRow,
    touch: Option<&crate::domain::TouchpointInput>,
) -> sqlx::Result<Option<Result<Option<Uuid>, crate::error::FieldErrors>>> {
    let locked: Option<String> =
        sqlx::query_scalar("select status from follow_ups where id = $1 for update")
            .bind(row.id)
            .fetch_optional(&mut *conn)
            .await?;
    if locked.as_deref() != Some("open") {
        return Ok(None);
    }
    let touchpoint = match touch {
        None => None,
        Some(input) => {
            let new = super::touchpoints::NewTouchpoints {
                stakeholders: &[row.stakeholder_id],
                input,
                group_id: None,
                idempotency_key: None,
                request_hash: "",
            };
            match super::touchpoints::log_audited(&mut *conn, actor, &new).await? {
                super::touchpoints::Logged::Created(rows) => rows.first().map(|r| r.id),
                super::touchpoints::Logged::Invalid(errors) => return Ok(Some(Err(errors))),
                _ => None,
            }
        }
    };
    close_audited(conn, actor, row.id, FollowUpStatus::Done, touchpoint).await?;
    Ok(Some(Ok(touchpoint)))
}

/// Whether `user` may complete, cancel or change `row`: its owner or author, or a manager.
pub fn may_change(row: &FollowUpRow, user: Uuid, role: crate::domain::Role) -> bool {
    use crate::domain::Role;
    matches!(role, Role::Admin | Role::Marketer)
        || (role != Role::Executive && (row.owner_id == user || row.created_by == Some(user)))
}
