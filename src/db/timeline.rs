//! One stakeholder's timeline: everything that happened with them, newest first. Each area
//! adds its events here (feedback, pipeline moves, relationship managers; touch-points and
//! referrals as they arrive).

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct TimelineEntry {
    pub at: DateTime<Utc>,
    /// feedback, stage, assignment, influence or touchpoint.
    pub kind: String,
    pub title: String,
    pub detail: Option<String>,
    /// Who did or logged it.
    pub by: Option<String>,
    pub href: Option<String>,
}

impl TimelineEntry {
    pub fn kind_label(&self) -> &'static str {
        match self.kind.as_str() {
            "feedback" => "Feedback",
            "stage" => "Pipeline",
            "assignment" => "Relationship manager",
            "influence" => "Influence",
            "touchpoint" => "Touch-point",
            _ => "Event",
        }
    }
}

/// The newest `limit` events of a stakeholder.
pub async fn for_stakeholder(
    conn: &mut PgConnection,
    id: Uuid,
    limit: i64,
) -> sqlx::Result<Vec<TimelineEntry>> {
    sqlx::query_as(
        "select * from (
           select (f.received_on::timestamp at time zone 'UTC') + (f.created_at - date_trunc('day', f.created_at)) as at,
                  'feedback' as kind,
                  t.name || ' · ' || case f.sentiment when -2 then 'very negative' when -1 then 'negative'
                      when 0 then 'neutral' when 1 then 'positive' else 'very positive' end
                      || ' · ' || case f.status when 'open' then 'open' when 'acknowledged' then 'acknowledged'
                      when 'resolved' then 'resolved' else 'stakeholder informed' end as title,
                  left(f.body, 300) as detail, u.name as by, '/feedback/' || f.id as href
           from feedback f join feedback_topics t on t.id = f.topic_id left join users u on u.id = f.created_by
           where f.stakeholder_id = $1
           union all
           select c.changed_at, 'stage',
                  'Moved to ' || replace(initcap(replace(c.to_stage, '_', ' ')), 'At Risk', 'At risk')
                      || coalesce(' from ' || replace(initcap(replace(c.from_stage, '_', ' ')), 'At Risk', 'At risk'), ''),
                  c.reason, u.name, null
           from stage_changes c left join users u on u.id = c.changed_by
           where c.stakeholder_id = $1
           union all
           select a.created_at, 'assignment', u.name || ' became ' || a.role || ' relationship manager', null, null, null
           from assignments a join users u on u.id = a.user_id
           where a.stakeholder_id = $1
           union all
           select a.ends_on::timestamp at time zone 'UTC' + interval '23 hours', 'assignment',
                  u.name || ' stopped as ' || a.role || ' relationship manager', null, null, null
           from assignments a join users u on u.id = a.user_id
           where a.stakeholder_id = $1 and a.ends_on is not null
           union all
           select * from (
             select t.occurred_at, 'touchpoint',
                    case t.channel when 'visit' then 'In-person visit' when 'phone' then 'Phone call'
                        when 'lunch_learn' then 'Lunch-and-learn' when 'social' then 'Social media'
                        when 'portal' then 'Portal message' else initcap(t.channel) end
                      || case when t.direction = 'inbound' then ' (they reached out)' else '' end
                      || coalesce(' · ' || t.purpose, '')
                      || coalesce(' · ' || replace(t.outcome, '_', ' '), ''),
                    left(t.notes, 300), u.name, '/touchpoints/' || t.id
             from touchpoints t left join users u on u.tenant_id = t.tenant_id and u.id = t.created_by
             where t.stakeholder_id = $1 order by t.occurred_at desc limit $2
           ) tp
         ) e order by at desc limit $2",
    )
    .bind(id)
    .bind(limit)
    .fetch_all(conn)
    .await
}
