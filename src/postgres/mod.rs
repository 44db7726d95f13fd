//! PostgreSQL: connecting (to `DATABASE_URL` or the embedded default), migrating as the owner,
//! the runtime role that row-level security applies to, and the tenant transaction.

pub mod embedded;

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Executor, PgPool, Postgres, Transaction};

use crate::config::Config;
use crate::domain::TenantId;
use embedded::{EmbeddedOptions, EmbeddedPostgres};

/// The role every request's queries run as: not a superuser, not the tables' owner, no BYPASSRLS.
pub const APP_ROLE: &str = "rapport_app";

/// Name of the database the embedded default creates for the app.
pub const EMBEDDED_DATABASE: &str = "rapport";

/// The two pools: `owner` migrates and creates tenants; `app` serves requests under RLS.
#[derive(Clone, Debug)]
pub struct Pools {
    pub owner: PgPool,
    pub app: PgPool,
}

/// A connected database plus, for the embedded default, the cluster to stop on exit.
pub struct Database {
    pub pools: Pools,
    pub embedded: Option<EmbeddedPostgres>,
}

impl Database {
    /// Connects to `DATABASE_URL`, or starts the embedded cluster when it is unset.
    pub async fn connect(config: &Config) -> anyhow::Result<Self> {
        let (owner_options, embedded) = match &config.database_url {
            Some(url) => (url.parse::<PgConnectOptions>()?, None),
            None => {
                let data_dir = config.data_dir.clone();
                let cluster = tokio::task::spawn_blocking(move || {
                    EmbeddedPostgres::start(&data_dir, &EmbeddedOptions::default())
                })
                .await??;
                if let Err(e) =
                    ensure_database(&cluster.connect_options("postgres"), EMBEDDED_DATABASE).await
                {
                    cluster.stop_if_started();
                    return Err(e);
                }
                (cluster.connect_options(EMBEDDED_DATABASE), Some(cluster))
            }
        };
        let app_options = match &config.app_database_url {
            Some(url) => Some(url.parse::<PgConnectOptions>()?),
            None => None,
        };
        let result = connect_pools(owner_options, app_options, config.db_max_connections).await;
        match result {
            Ok(pools) => Ok(Self { pools, embedded }),
            Err(e) => {
                if let Some(cluster) = &embedded {
                    cluster.stop_if_started();
                }
                Err(e)
            }
        }
    }

    /// Closes the pools and stops the embedded cluster if we started it, or also when we
    /// adopted it and `stop_adopted` (a `serve` that ran and ended cleanly owns the cluster;
    /// an admin command running beside a live server must leave it alone).
    pub async fn shutdown(self, stop_adopted: bool) {
        self.pools.app.close().await;
        self.pools.owner.close().await;
        if let Some(cluster) = self.embedded {
            if cluster.adopted && !stop_adopted {
                // Another process (a running `rapport serve`, say) may be using it.
                tracing::info!(
                    "leaving the private PostgreSQL cluster running: this process did not start it"
                );
                return;
            }
            match tokio::task::spawn_blocking(move || cluster.stop()).await {
                Ok(Ok(())) => tracing::info!("stopped the private PostgreSQL cluster"),
                Ok(Err(e)) => {
                    tracing::error!(error = %e, "could not stop the private PostgreSQL cluster")
                }
                Err(e) => {
                    tracing::error!(error = %e, "could not stop the private PostgreSQL cluster")
                }
            }
        }
    }
}

/// Creates `database` on the server behind `maintenance` unless it exists.
pub async fn ensure_database(maintenance: &PgConnectOptions, database: &str) -> anyhow::Result<()> {
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(maintenance.clone())
        .await?;
    let exists: bool =
        sqlx::query_scalar("select exists(select 1 from pg_database where datname = $1)")
            .bind(database)
            .fetch_one(&pool)
            .await?;
    if !exists {
        // Identifiers cannot be bound; the name is ours, quoted to be safe.
        let sql = format!("create database \"{}\"", database.replace('"', "\"\""));
        if let Err(e) = pool.execute(sql.as_str()).await {
            // Another process may have created it in between.
            let again: bool =
                sqlx::query_scalar("select exists(select 1 from pg_database where datname = $1)")
                    .bind(database)
                    .fetch_one(&pool)
                    .await?;
            if !again {
                return Err(e.into());
            }
        }
    }
    pool.close().await;
    Ok(())
}

/// Builds the owner pool and the app pool. Without a separate app URL, the app pool logs in
/// with the owner's credentials and switches every connection to [`APP_ROLE`] at once.
pub async fn connect_pools(
    owner: PgConnectOptions,
    app: Option<PgConnectOptions>,
    max_connections: u32,
) -> anyhow::Result<Pools> {
    let owner_pool = PgPoolOptions::new()
        .max_connections(2)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(owner.clone())
        .await?;
    let set_role = app.is_none();
    let app_pool = PgPoolOptions::new()
        .max_connections(max_connections)
        .min_connections(0)
        // No ping before every checkout (a round trip per transaction on the hottest path);
        // a connection that died is dropped on its first error, and the next checkout
        // opens a fresh one.
        .test_before_acquire(false)
        .acquire_timeout(Duration::from_secs(5))
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                if set_role {
                    conn.execute(format!("set role {APP_ROLE}").as_str())
                        .await?;
                }
                Ok(())
            })
        })
        .connect_lazy_with(app.unwrap_or(owner));
    Ok(Pools {
        owner: owner_pool,
        app: app_pool,
    })
}

/// The migrations in `migrations/`, compiled in. Tests name their template database after
/// these very checksums, so a template always matches what [`migrate`] applies.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Runs the migrations in `migrations/` as the owner (sqlx holds an advisory lock meanwhile),
/// then loads the reference data compiled into the binary.
pub async fn migrate(owner: &PgPool) -> anyhow::Result<()> {
    MIGRATOR.run(owner).await?;
    crate::db::taxonomy::load(owner).await?;
    Ok(())
}

/// Begins a transaction scoped to one tenant: row-level security sees only its rows.
/// The setting is transaction-local, so it never leaks to the next user of the connection.
/// `BEGIN` and the setting travel as one simple query (one round trip, not two): the
/// tenant id is a UUID we format ourselves, never text from a request.
pub async fn tenant_tx(
    pool: &PgPool,
    tenant: TenantId,
) -> sqlx::Result<Transaction<'static, Postgres>> {
    let id: uuid::Uuid = tenant.0;
    pool.begin_with(format!(
        "begin; select set_config('app.tenant_id', '{}', true)",
        id.hyphenated()
    ))
    .await
}

/// [`tenant_tx`] as one read-only snapshot: every statement in it sees the same data (an
/// export whose files must agree with each other).
pub async fn tenant_snapshot_tx(
    pool: &PgPool,
    tenant: TenantId,
) -> sqlx::Result<Transaction<'static, Postgres>> {
    let id: uuid::Uuid = tenant.0;
    pool.begin_with(format!(
        "begin isolation level repeatable read, read only; select set_config('app.tenant_id', '{}', true)",
        id.hyphenated()
    ))
    .await
}

/// [`tenant_tx`] for a hot write whose statement has optional parts (`$n is null or ...`):
/// its prepared statement keeps one generic plan per connection. Left to choose, PostgreSQL
/// finds the custom plans cheaper (they fold the absent parts away) and plans the statement
/// again on every call, which cost more than running it (the touch-point benchmark went from
/// about 1,000 to 1,700 writes/s with this alone). With `lock`, the transaction first takes
/// that transaction-level advisory lock (e.g. one idempotency key), still in one round trip.
pub async fn tenant_tx_generic_plans(
    pool: &PgPool,
    tenant: TenantId,
    lock: Option<i64>,
) -> sqlx::Result<Transaction<'static, Postgres>> {
    let id: uuid::Uuid = tenant.0;
    let lock = lock
        .map(|n| format!(", pg_advisory_xact_lock({n})"))
        .unwrap_or_default();
    pool.begin_with(format!(
        "begin; select set_config('app.tenant_id', '{}', true), \
         set_config('plan_cache_mode', 'force_generic_plan', true){lock}",
        id.hyphenated()
    ))
    .await
}
