//! What a workspace export reads: every table that holds workspace rows, found in the
//! catalog so a table added later is exported without a change here, minus what is not the
//! workspace's data to take away (sessions, token and password hashes, uploaded import files,
//! the queue, and search terms derived from other tables).

use sqlx::PgConnection;

/// Tables left out whole.
pub const LEFT_OUT_TABLES: &[&str] = &[
    "sessions",
    "api_tokens",
    "login_throttle",
    "import_chunks",
    "import_queue",
    "stakeholder_terms",
];

/// Columns left out wherever they are (binary columns are always left out: they hold hashes).
pub const LEFT_OUT_COLUMNS: &[&str] = &["password_hash", "request_hash"];

/// One table to export and the statement that reads the workspace's rows from it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Table {
    pub name: String,
    /// Its columns, quoted, in table order.
    pub columns: String,
}

/// The tables to export, by name.
pub async fn tables(conn: &mut PgConnection) -> sqlx::Result<Vec<Table>> {
    sqlx::query_as(
        "select c.relname::text as name,
                string_agg(quote_ident(a.attname), ', ' order by a.attnum) as columns
           from pg_class c
           join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
          where c.relnamespace = current_schema()::regnamespace
            and c.relkind in ('r', 'p') and not c.relispartition
            and exists (select 1 from pg_attribute t
                         where t.attrelid = c.oid and t.attname = 'tenant_id' and not t.attisdropped)
            and has_table_privilege(c.oid, 'select')
            and c.relname <> all($1)
            and a.attname <> all($2)
            and a.atttypid <> 'bytea'::regtype
          group by c.relname
          order by c.relname",
    )
    .bind(LEFT_OUT_TABLES)
    .bind(LEFT_OUT_COLUMNS)
    .fetch_all(conn)
    .await
}

impl Table {
    /// A COPY of the workspace's rows as CSV with a header line. The names come from the
    /// catalog, quoted there; the workspace is the one the transaction is set to (and row-level
    /// security would hold the statement to it regardless).
    pub fn copy_csv(&self) -> String {
        format!(
            "copy (select {} from {} where tenant_id = current_setting('app.tenant_id')::uuid) \
             to stdout with (format csv, header)",
            self.columns,
            quote(&self.name)
        )
    }

    /// A COPY of the workspace's rows as JSON, one object a line. CSV format with a quote and
    /// a delimiter that JSON text never holds raw (it escapes every control character) writes
    /// each object exactly as PostgreSQL made it; the text format would escape backslashes.
    pub fn copy_json(&self) -> String {
        format!(
            "copy (select row_to_json(r) from (select {} from {} \
             where tenant_id = current_setting('app.tenant_id')::uuid) r) \
             to stdout with (format csv, quote e'\\x01', delimiter e'\\x02')",
            self.columns,
            quote(&self.name)
        )
    }
}

/// A catalog name as an SQL identifier.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A finished export, from the audit log.
#[derive(Debug, sqlx::FromRow)]
pub struct PastExport {
    pub occurred_at: chrono::DateTime<chrono::Utc>,
    pub user_name: Option<String>,
    pub format: Option<String>,
}

/// The workspace's most recent finished exports, newest first.
pub async fn recent(conn: &mut PgConnection, limit: i64) -> sqlx::Result<Vec<PastExport>> {
    sqlx::query_as(
        "select e.occurred_at, u.name as user_name, e.changes ->> 'format' as format
           from audit_events e left join users u on u.tenant_id = e.tenant_id and u.id = e.user_id
          where e.action = 'workspace.export.finished'
            and e.tenant_id = current_setting('app.tenant_id')::uuid
          order by e.occurred_at desc
          limit $1",
    )
    .bind(limit)
    .fetch_all(conn)
    .await
}
