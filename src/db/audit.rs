//! The audit trail: one helper every write calls, in the same transaction as the write.
//! `changes` holds changed field names and values, never note bodies or secrets.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgConnection, QueryBuilder};

use crate::domain::{TenantId, UserId};

/// Who is acting, and from where.
#[derive(Clone, Debug)]
pub struct Actor {
    pub tenant_id: TenantId,
    pub user_id: Option<UserId>,
    pub ip: Option<IpAddr>,
    pub request_id: Option<String>,
}

/// Records one audit event.
pub async fn record(
    conn: &mut PgConnection,
    actor: &Actor,
    action: &str,
    entity: &str,
    entity_id: Option<String>,
    changes: Value,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into audit_events (tenant_id, user_id, action, entity, entity_id, ip, request_id, changes)
         values ($1, $2, $3, $4, $5, $6::inet, $7, $8)",
    )
    .bind(actor.tenant_id)
    .bind(actor.user_id)
    .bind(action)
    .bind(entity)
    .bind(entity_id)
    .bind(actor.ip.map(|ip| ip.to_string()))
    .bind(&actor.request_id)
    .bind(changes)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, sqlx::FromRow, serde::Serialize)]
pub struct AuditRow {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub user_id: Option<UserId>,
    pub user_name: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub ip: Option<String>,
    pub changes: Value,
}

impl AuditRow {
    /// The changes as readable `(field, value)` lines: `from → to` for changed fields.
    pub fn details(&self) -> Vec<(String, String)> {
        fn show(v: &Value) -> String {
            match v {
                Value::Null => "(empty)".into(),
                Value::String(s) => s.clone(),
                other => other.to_string(),
            }
        }
        let Some(map) = self.changes.as_object() else {
            return Vec::new();
        };
        map.iter()
            .map(|(k, v)| {
                let text = match (v.get("from"), v.get("to")) {
                    (Some(from), Some(to)) if v.as_object().is_some_and(|o| o.len() == 2) => {
                        format!("{} → {}", show(from), show(to))
                    }
                    _ => show(v),
                };
                (k.replace('_', " "), text)
            })
            .collect()
    }
}

/// Filters for the audit log page.
#[derive(Debug, Default)]
pub struct AuditFilter {
    pub action: Option<String>,
    pub entity: Option<String>,
    pub user_id: Option<UserId>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

pub async fn list(
    conn: &mut PgConnection,
    filter: &AuditFilter,
    page: super::PageRequest,
) -> sqlx::Result<super::Page<AuditRow>> {
    fn push_filters<'a>(qb: &mut QueryBuilder<'a, sqlx::Postgres>, f: &'a AuditFilter) {
        qb.push(" where true");
        if let Some(action) = &f.action {
            qb.push(" and a.action like ")
                .push_bind(format!("{}%", action.replace('%', "")));
        }
        if let Some(entity) = &f.entity {
            qb.push(" and a.entity = ").push_bind(entity);
        }
        if let Some(user) = f.user_id {
            qb.push(" and a.user_id = ").push_bind(user);
        }
        if let Some(from) = f.from {
            qb.push(" and a.occurred_at >= ").push_bind(from);
        }
        if let Some(to) = f.to {
            qb.push(" and a.occurred_at < ").push_bind(to);
        }
    }
    super::fetch_page(conn, "a.id, a.occurred_at, a.user_id, u.name as user_name, a.action, a.entity, a.entity_id, host(a.ip) as ip, a.changes", "audit_events a left join users u on u.tenant_id = a.tenant_id and u.id = a.user_id", |qb| push_filters(qb, filter), "a.occurred_at desc, a.id desc", page).await
}

/// The distinct actions recorded so far, for the filter menu.
pub async fn actions(conn: &mut PgConnection) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("select distinct action from audit_events order by action")
        .fetch_all(conn)
        .await
}

/// The fields that differ between two JSON objects, as `{field: {"from": a, "to": b}}`.
pub fn diff(before: &Value, after: &Value) -> Value {
    let mut out = serde_json::Map::new();
    if let (Some(b), Some(a)) = (before.as_object(), after.as_object()) {
        for (key, new) in a {
            let old = b.get(key).unwrap_or(&Value::Null);
            if old != new {
                out.insert(key.clone(), serde_json::json!({ "from": old, "to": new }));
            }
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::diff;
    use serde_json::json;

    #[test]
    fn diff_lists_only_changed_fields() {
        let d = diff(
            &json!({"name": "A", "city": "X"}),
            &json!({"name": "B", "city": "X"}),
        );
        assert_eq!(d, json!({"name": {"from": "A", "to": "B"}}));
    }
}
