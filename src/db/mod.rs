//! All SQL, one module per aggregate. Functions take `&mut PgConnection` (the caller decides
//! pool or transaction); tenant data is read and written inside a tenant transaction
//! (`postgres::tenant_tx`), and row-level security backs every query up.

pub mod affiliations;
pub mod assignments;
pub mod audit;
pub mod campaign_members;
pub mod campaign_money;
pub mod campaigns;
pub mod champions;
pub mod content;
pub mod export;
pub mod facilities;
pub mod feedback;
pub mod follow_ups;
pub mod imports;
pub mod influence;
pub mod influence_scores;
pub mod lift;
pub mod merge;
pub mod messages;
pub mod organizations;
pub mod priorities;
pub mod referrals;
pub mod segments;
pub mod sessions;
pub mod settings;
pub mod stakeholders;
pub mod surveys;
pub mod taxonomy;
pub mod tenants;
pub mod throttle;
pub mod timeline;
pub mod tokens;
pub mod touchpoints;
pub mod users;

use sqlx::{PgConnection, Postgres, QueryBuilder};

/// One page of a list: 1-based page number and page size.
#[derive(Clone, Copy, Debug)]
pub struct PageRequest {
    pub page: i64,
    pub per_page: i64,
}

impl PageRequest {
    pub const DEFAULT_PER_PAGE: i64 = 25;
    pub const MAX_PER_PAGE: i64 = 200;

    pub fn new(page: Option<i64>, per_page: Option<i64>) -> Self {
        Self {
            page: page.unwrap_or(1).max(1),
            per_page: per_page
                .unwrap_or(Self::DEFAULT_PER_PAGE)
                .clamp(1, Self::MAX_PER_PAGE),
        }
    }

    pub fn offset(&self) -> i64 {
        (self.page - 1).saturating_mul(self.per_page)
    }
}

/// Records that are archived and restored rather than deleted.
#[derive(Clone, Copy, Debug)]
pub enum Archivable {
    Stakeholder,
    Organization,
}

impl Archivable {
    fn table(self) -> &'static str {
        match self {
            Self::Stakeholder => "stakeholders",
            Self::Organization => "organizations",
        }
    }

    fn entity(self) -> &'static str {
        match self {
            Self::Stakeholder => "stakeholder",
            Self::Organization => "organization",
        }
    }
}

/// Archives or restores one record, with its audit event. `None` when it does not exist;
/// `Some(false)` when it already was in that state.
pub async fn set_archived(
    conn: &mut PgConnection,
    actor: &audit::Actor,
    what: Archivable,
    id: uuid::Uuid,
    archived: bool,
) -> sqlx::Result<Option<bool>> {
    let status = if archived { "archived" } else { "active" };
    // The table name is one of ours, never input.
    let changed = sqlx::query(&format!(
        "update {} set status = $2, updated_at = now() where id = $1 and status <> $2",
        what.table()
    ))
    .bind(id)
    .bind(status)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    if !changed {
        let exists: bool = sqlx::query_scalar(&format!(
            "select exists(select 1 from {} where id = $1)",
            what.table()
        ))
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
        return Ok(exists.then_some(false));
    }
    let action = format!(
        "{}.{}",
        what.entity(),
        if archived { "archive" } else { "restore" }
    );
    audit::record(
        conn,
        actor,
        &action,
        what.entity(),
        Some(id.to_string()),
        serde_json::json!({ "status": status }),
    )
    .await?;
    Ok(Some(true))
}

/// Counting stops here: "10,000+" is as useful to a person as the exact number, and an
/// exact count of a large tenant reads every row.
pub const COUNT_CAP: i64 = 10_000;

/// A page of rows plus the total count for pagination.
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The number of matching rows, at most [`COUNT_CAP`].
    pub total: i64,
    /// True when more than [`COUNT_CAP`] rows match.
    pub total_capped: bool,
    pub page: i64,
    pub per_page: i64,
}

impl<T> Page<T> {
    pub fn pages(&self) -> i64 {
        ((self.total + self.per_page - 1) / self.per_page).max(1)
    }

    /// The same page with each item converted.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            total_capped: self.total_capped,
            page: self.page,
            per_page: self.per_page,
        }
    }
}

/// One page of `select {columns} from {from}` with the conditions `filters` pushes.
pub async fn fetch_rows<'a, T>(
    conn: &mut PgConnection,
    columns: &str,
    from: &str,
    filters: impl Fn(&mut QueryBuilder<'a, Postgres>),
    order_by: &str,
    page: PageRequest,
) -> sqlx::Result<Vec<T>>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
{
    let mut rows = QueryBuilder::new(format!("select {columns} from {from}"));
    filters(&mut rows);
    rows.push(" order by ")
        .push(order_by)
        .push(" limit ")
        .push_bind(page.per_page)
        .push(" offset ")
        .push_bind(page.offset());
    rows.build_query_as().fetch_all(conn).await
}

/// Runs a filtered list twice, `select count(*) from {from}` and `select {columns} from
/// {from}`, with the same conditions pushed by `filters` (which starts with ` where`),
/// then orders and cuts out one page. Values only ever travel as bound parameters.
pub async fn fetch_page<'a, T>(
    conn: &mut PgConnection,
    columns: &str,
    from: &str,
    filters: impl Fn(&mut QueryBuilder<'a, Postgres>),
    order_by: &str,
    page: PageRequest,
) -> sqlx::Result<Page<T>>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
{
    let mut count = QueryBuilder::new(format!("select count(*) from (select 1 from {from}"));
    filters(&mut count);
    count
        .push(" limit ")
        .push_bind(COUNT_CAP + 1)
        .push(") capped");
    let counted: i64 = count.build_query_scalar().fetch_one(&mut *conn).await?;
    let items = fetch_rows(conn, columns, from, filters, order_by, page).await?;
    Ok(Page {
        items,
        total: counted.min(COUNT_CAP),
        total_capped: counted > COUNT_CAP,
        page: page.page,
        per_page: page.per_page,
    })
}

/// Escapes `%`, `_` and `\` so user text matches literally inside `ILIKE`.
pub fn like_pattern(q: &str) -> String {
    let escaped = q
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}
