//! The touch-point list (filters, pages, a stakeholder's latest) and the menus of the forms.

use chrono::NaiveDate;
use sqlx::{PgConnection, QueryBuilder};
use uuid::Uuid;

use super::{JOINS, TouchpointRow, columns};
use crate::db::{COUNT_CAP, Page, PageRequest};
use crate::domain::{Outcome, TouchChannel};

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
    page: PageRequest,
) -> sqlx::Result<Page<TouchpointRow>> {
    let mut count = QueryBuilder::new("select count(*) from (select 1 from touchpoints t");
    f.push(&mut count);
    count
        .push(" limit ")
        .push_bind(COUNT_CAP + 1)
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
    Ok(Page {
        items,
        total: counted.min(COUNT_CAP),
        total_capped: counted > COUNT_CAP,
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
    Ok(list(conn, &filter, PageRequest::new(Some(1), Some(limit)))
        .await?
        .items)
}

/// Campaigns a touch-point may name: planned or active ones, by name.
pub async fn open_campaigns(conn: &mut PgConnection) -> sqlx::Result<Vec<(Uuid, String)>> {
    sqlx::query_as(
        "select id, name from campaigns where status in ('planned', 'active') order by lower(name) limit 200",
    )
    .fetch_all(conn)
    .await
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
