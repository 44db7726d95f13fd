//! Relationship managers (who owns which relationship, with history), the contact cadence
//! per tier, and each user's book: who is due for contact.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::audit::Actor;
use crate::domain::{AssignmentRole, Cadence, Stage, Tier};

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct AssignmentRow {
    pub id: Uuid,
    pub stakeholder_id: Uuid,
    pub stakeholder_name: String,
    pub user_id: Uuid,
    pub user_name: String,
    /// primary or secondary.
    pub role: String,
    pub starts_on: NaiveDate,
    /// Set when the assignment ended; kept as history.
    pub ends_on: Option<NaiveDate>,
}

impl AssignmentRow {
    pub fn current(&self) -> bool {
        self.ends_on.is_none()
    }

    pub fn role_label(&self) -> &'static str {
        AssignmentRole::parse(&self.role)
            .map(AssignmentRole::label)
            .unwrap_or("Secondary")
    }
}

fn select(condition: &str) -> String {
    format!(
        "select a.id, a.stakeholder_id, {name} as stakeholder_name, a.user_id, u.name as user_name, a.role,
                a.starts_on, a.ends_on
         from assignments a
         join stakeholders s on s.id = a.stakeholder_id
         join users u on u.id = a.user_id
         where {condition}",
        name = super::stakeholders::name_sql("s")
    )
}

/// Current assignments first (primary first), then the history, newest first.
pub async fn for_stakeholder(
    conn: &mut PgConnection,
    id: Uuid,
) -> sqlx::Result<Vec<AssignmentRow>> {
    sqlx::query_as(&format!(
        "{} order by a.ends_on is not null, a.role, a.ends_on desc, a.starts_on desc, a.id",
        select("a.stakeholder_id = $1")
    ))
    .bind(id)
    .fetch_all(conn)
    .await
}

pub async fn find(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<AssignmentRow>> {
    sqlx::query_as(&select("a.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Filter for the assignments API.
#[derive(Clone, Debug, Default)]
pub struct AssignmentFilter {
    pub stakeholder_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    /// Only current assignments (not ended).
    pub current: bool,
}

pub async fn list(
    conn: &mut PgConnection,
    f: &AssignmentFilter,
    page: super::PageRequest,
) -> sqlx::Result<super::Page<AssignmentRow>> {
    let from = "assignments a join stakeholders s on s.id = a.stakeholder_id join users u on u.id = a.user_id";
    let columns = format!(
        "a.id, a.stakeholder_id, {} as stakeholder_name, a.user_id, u.name as user_name, a.role, a.starts_on, a.ends_on",
        super::stakeholders::name_sql("s")
    );
    super::fetch_page(
        conn,
        &columns,
        from,
        |qb| {
            qb.push(" where true");
            if let Some(s) = f.stakeholder_id {
                qb.push(" and a.stakeholder_id = ").push_bind(s);
            }
            if let Some(u) = f.user_id {
                qb.push(" and a.user_id = ").push_bind(u);
            }
            if f.current {
                qb.push(" and a.ends_on is null");
            }
        },
        "a.starts_on desc, a.id",
        page,
    )
    .await
}

/// Whether `user` is an active user of this workspace (who may own relationships).
pub async fn assignable(conn: &mut PgConnection, user: Uuid) -> sqlx::Result<bool> {
    sqlx::query_scalar("select exists(select 1 from users where id = $1 and active)")
        .bind(user)
        .fetch_one(conn)
        .await
}

/// Active users by name, for the assignment pickers.
pub async fn users(conn: &mut PgConnection) -> sqlx::Result<Vec<(Uuid, String)>> {
    sqlx::query_as("select id, name from users where active order by lower(name)")
        .fetch_all(conn)
        .await
}

/// Makes `user` a relationship manager of each stakeholder in `ids` as `role`. A new
/// primary ends the previous primary's assignment; a changed role ends the old one; both
/// stay as history. Returns how many stakeholders got a new assignment. Audited.
pub async fn assign_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    ids: &[Uuid],
    user: Uuid,
    role: AssignmentRole,
) -> sqlx::Result<u64> {
    let ended: Vec<(Uuid, Uuid, Uuid)> = sqlx::query_as(
        "update assignments set ends_on = current_date
         where stakeholder_id = any($1) and ends_on is null
           and ((user_id = $2 and role <> $3) or ($3 = 'primary' and role = 'primary' and user_id <> $2))
         returning id, stakeholder_id, user_id",
    )
    .bind(ids)
    .bind(user)
    .bind(role.as_str())
    .fetch_all(&mut *conn)
    .await?;
    let added: Vec<(Uuid, Uuid)> = sqlx::query_as(
        "insert into assignments (tenant_id, id, stakeholder_id, user_id, role)
         select $1, gen_random_uuid(), s.id, $3, $4 from stakeholders s
         where s.id = any($2) and s.status <> 'merged'
           and not exists (select 1 from assignments a where a.stakeholder_id = s.id and a.user_id = $3 and a.ends_on is null)
         returning id, stakeholder_id",
    )
    .bind(actor.tenant_id)
    .bind(ids)
    .bind(user)
    .bind(role.as_str())
    .fetch_all(&mut *conn)
    .await?;
    for (id, stakeholder, ended_user) in &ended {
        super::audit::record(
            &mut *conn,
            actor,
            "assignment.end",
            "assignment",
            Some(id.to_string()),
            serde_json::json!({ "stakeholder_id": stakeholder, "user_id": ended_user, "reason": "reassigned" }),
        )
        .await?;
    }
    for (id, stakeholder) in &added {
        super::audit::record(
            &mut *conn,
            actor,
            "assignment.create",
            "assignment",
            Some(id.to_string()),
            serde_json::json!({ "stakeholder_id": stakeholder, "user_id": user, "role": role.as_str() }),
        )
        .await?;
    }
    Ok(added.len() as u64)
}

/// Ends a current assignment today; `None` when not found, `Some(false)` when already ended.
pub async fn end_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    id: Uuid,
) -> sqlx::Result<Option<(Uuid, bool)>> {
    let Some(before) = find(&mut *conn, id).await? else {
        return Ok(None);
    };
    if !before.current() {
        return Ok(Some((before.stakeholder_id, false)));
    }
    sqlx::query("update assignments set ends_on = greatest(current_date, starts_on) where id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    super::audit::record(
        conn,
        actor,
        "assignment.end",
        "assignment",
        Some(id.to_string()),
        serde_json::json!({ "stakeholder_id": before.stakeholder_id, "user_id": before.user_id }),
    )
    .await?;
    Ok(Some((before.stakeholder_id, true)))
}

/// The workspace's cadence (defaults where it has not set a tier).
pub async fn cadence(conn: &mut PgConnection) -> sqlx::Result<Cadence> {
    let rows: Vec<(String, i32)> = sqlx::query_as("select tier, days from cadence_rules")
        .fetch_all(conn)
        .await?;
    let mut c = Cadence::default();
    for (tier, days) in rows {
        match Tier::parse(&tier) {
            Some(Tier::A) => c.a = days,
            Some(Tier::B) => c.b = days,
            Some(Tier::C) => c.c = days,
            None => {}
        }
    }
    Ok(c)
}

pub async fn set_cadence_audited(
    conn: &mut PgConnection,
    actor: &Actor,
    c: Cadence,
) -> sqlx::Result<()> {
    let before = cadence(&mut *conn).await?;
    sqlx::query(
        "insert into cadence_rules (tenant_id, tier, days)
         select $1, tier, days from unnest(array['A', 'B', 'C'], array[$2, $3, $4]::int[]) as t(tier, days)
         on conflict (tenant_id, tier) do update set days = excluded.days",
    )
    .bind(actor.tenant_id)
    .bind(c.a)
    .bind(c.b)
    .bind(c.c)
    .execute(&mut *conn)
    .await?;
    let view = |c: Cadence| serde_json::json!({ "tier_a_days": c.a, "tier_b_days": c.b, "tier_c_days": c.c });
    super::audit::record(
        conn,
        actor,
        "cadence.update",
        "cadence",
        None,
        super::audit::diff(&view(before), &view(c)),
    )
    .await
}

/// One stakeholder in a user's book.
#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct BookRow {
    pub id: Uuid,
    pub name: String,
    pub specialty: Option<String>,
    pub tier: Option<String>,
    pub stage: Option<String>,
    /// primary or secondary.
    pub role: String,
    pub do_not_contact: bool,
    pub last_contact_at: Option<DateTime<Utc>>,
    /// Days between contacts for the tier; none without a tier.
    pub cadence_days: Option<i32>,
    /// When contact is due; none without a tier.
    pub due_on: Option<NaiveDate>,
    /// Days until due; negative when overdue.
    pub days_left: Option<i32>,
}

impl BookRow {
    pub fn stage_label(&self) -> &'static str {
        self.stage
            .as_deref()
            .and_then(Stage::parse)
            .map(Stage::label)
            .unwrap_or("")
    }

    pub fn overdue(&self) -> bool {
        self.days_left.is_some_and(|d| d < 0)
    }

    /// "12 days overdue", "due today", "due in 5 days", "no cadence".
    pub fn due_text(&self) -> String {
        match self.days_left {
            None => "No tier, no cadence".into(),
            Some(0) => "Due today".into(),
            Some(1) => "Due tomorrow".into(),
            Some(-1) => "1 day overdue".into(),
            Some(d) if d < 0 => format!("{} days overdue", -d),
            Some(d) => format!("Due in {d} days"),
        }
    }
}

/// Which part of the book to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum BookView {
    /// Overdue or due within two weeks.
    #[default]
    Due,
    All,
}

/// Counts of a book for its summary line.
#[derive(Clone, Copy, Debug, Default, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct BookCounts {
    pub total: i64,
    pub overdue: i64,
    pub due_soon: i64,
}

pub(crate) const BOOK_FROM: &str = "(select s.id, s.npi, s.tier, s.stage, t.display_name as specialty, a.role, s.do_not_contact,
        s.last_contact_at, s.first_name, s.last_name, s.prefix, s.middle_name, s.suffix, s.credentials,
        case s.tier when 'A' then $2 when 'B' then $3 when 'C' then $4 end as cadence_days
      from assignments a
      join stakeholders s on s.id = a.stakeholder_id
      left join taxonomy t on t.code = s.taxonomy_code
      where a.user_id = $1 and a.ends_on is null and s.status = 'active') b
      cross join lateral (select case when b.cadence_days is null then null
                                      when b.last_contact_at is null then current_date
                                      else (b.last_contact_at at time zone 'UTC')::date + b.cadence_days end as due_on) d";

/// `user`'s current stakeholders by priority: overdue first (tier A before B before C, the
/// longest overdue first), then by due date; people without a tier last.
pub async fn book(
    conn: &mut PgConnection,
    user: Uuid,
    cadence: Cadence,
    view: BookView,
    page: super::PageRequest,
) -> sqlx::Result<(Vec<BookRow>, BookCounts)> {
    let condition = match view {
        BookView::Due => "where d.due_on <= current_date + 14",
        BookView::All => "",
    };
    let rows = sqlx::query_as(&format!(
        "select b.id, {name} as name, b.specialty, b.tier, b.stage, b.role, b.do_not_contact, b.last_contact_at,
                b.cadence_days, d.due_on, (d.due_on - current_date) as days_left
         from {BOOK_FROM} {condition}
         order by d.due_on < current_date desc nulls last, case when d.due_on < current_date then b.tier end,
                  d.due_on nulls last, b.tier nulls last, lower(b.last_name), b.id
         limit $5 offset $6",
        name = super::stakeholders::name_sql("b")
    ))
    .bind(user)
    .bind(cadence.a)
    .bind(cadence.b)
    .bind(cadence.c)
    .bind(page.per_page)
    .bind(page.offset())
    .fetch_all(&mut *conn)
    .await?;
    let counts = sqlx::query_as(&format!(
        "select count(*) as total, count(*) filter (where d.due_on < current_date) as overdue,
                count(*) filter (where d.due_on between current_date and current_date + 14) as due_soon
         from {BOOK_FROM}"
    ))
    .bind(user)
    .bind(cadence.a)
    .bind(cadence.b)
    .bind(cadence.c)
    .fetch_one(conn)
    .await?;
    Ok((rows, counts))
}
