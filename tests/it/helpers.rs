//! `TestApp`: spawns the real app on a fresh database cloned from a migrated template.
//! Uses `DATABASE_URL` (a superuser connection to a server you run) when set; otherwise it
//! starts a private cluster for this test run and stops it when the run ends.

use std::net::SocketAddr;
use std::sync::OnceLock;

use rapport::app::{self, AppState};
use rapport::config::Config;
use rapport::db;
use rapport::domain::{Email, Role, Slug, TenantId, UserId};
use rapport::postgres::embedded::{EmbeddedOptions, EmbeddedPostgres};
use rapport::postgres::{Pools, connect_pools, migrate, tenant_tx};
use reqwest::StatusCode;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Executor};

/// Every test user's password.
pub const PASSWORD: &str = "test password 123";

struct TestEnv {
    maintenance: PgConnectOptions,
    template: String,
}

static ENV: OnceLock<Result<TestEnv, String>> = OnceLock::new();
static CLUSTER: OnceLock<EmbeddedPostgres> = OnceLock::new();

extern "C" fn stop_cluster() {
    if let Some(cluster) = CLUSTER.get() {
        let _ = cluster.stop();
        if let Some(dir) = cluster_dir() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

fn cluster_dir() -> Option<std::path::PathBuf> {
    Some(std::env::temp_dir().join(format!("rapport-test-{}", std::process::id())))
}

fn env() -> &'static TestEnv {
    let result = ENV.get_or_init(|| {
        // Set up on a thread of its own with its own runtime: each test has its own runtime,
        // and pools must not outlive the runtime that made them.
        std::thread::spawn(|| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(setup()).map_err(|e| format!("{e:#}"))
        })
        .join()
        .unwrap_or_else(|_| Err("test setup panicked".into()))
    });
    match result {
        Ok(env) => env,
        Err(e) => panic!("cannot set up the test database: {e}"),
    }
}

async fn setup() -> anyhow::Result<TestEnv> {
    let maintenance = match std::env::var("DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => url.parse::<PgConnectOptions>()?.database("postgres"),
        _ => {
            let dir = cluster_dir().ok_or_else(|| anyhow::anyhow!("no temp dir"))?;
            let cluster = EmbeddedPostgres::start(&dir, &EmbeddedOptions { unsafe_fast: true })?;
            let options = cluster.connect_options("postgres");
            let _ = CLUSTER.set(cluster);
            // SAFETY: registering a plain extern "C" function with no captured state.
            unsafe {
                libc::atexit(stop_cluster);
            }
            options
        }
    };
    let maintenance = maintenance.disable_statement_logging();
    let checksum: Vec<u8> = rapport::postgres::MIGRATOR
        .iter()
        .flat_map(|m| m.checksum.iter().copied())
        .collect();
    let digest = rapport::auth::secret::hex(&rapport::auth::secret::hash_secret(
        &rapport::auth::secret::hex(&checksum),
    ));
    let template = format!("rapport_tpl_{}", &digest[..16]);
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(maintenance.clone())
        .await?;
    let mut conn = pool.acquire().await?;
    // One template per migration set; the lock keeps parallel runs from racing to build it.
    conn.execute("select pg_advisory_lock(7431001)").await?;
    let exists: bool =
        sqlx::query_scalar("select exists(select 1 from pg_database where datname = $1)")
            .bind(&template)
            .fetch_one(&mut *conn)
            .await?;
    if !exists {
        let building = format!("{template}_building");
        conn.execute(format!("drop database if exists {building}").as_str())
            .await?;
        conn.execute(format!("create database {building}").as_str())
            .await?;
        let owner = PgPoolOptions::new()
            .max_connections(1)
            .connect_with(maintenance.clone().database(&building))
            .await?;
        migrate(&owner).await?;
        owner.close().await;
        conn.execute(format!("alter database {building} rename to {template}").as_str())
            .await?;
    }
    conn.execute("select pg_advisory_unlock(7431001)").await?;
    drop(conn);
    pool.close().await;
    Ok(TestEnv {
        maintenance,
        template,
    })
}

/// The app running on its own database, with helpers to drive it over HTTP.
pub struct TestApp {
    pub addr: SocketAddr,
    pub pools: Pools,
    pub state: AppState,
    db_name: String,
}

/// A signed-in browser: a cookie jar that does not follow redirects.
pub struct Session {
    pub client: reqwest::Client,
    pub base: String,
    pub tenant: TenantId,
    pub user: UserId,
    pub email: String,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    /// Spawns with a configuration adjusted by `tweak`.
    pub async fn spawn_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
        let env = env();
        let db_name = format!("rapport_t_{}", uuid::Uuid::new_v4().simple());
        let admin = PgPoolOptions::new()
            .max_connections(1)
            .connect_with(env.maintenance.clone())
            .await
            .expect("connect to the maintenance database");
        admin
            .execute(format!("create database {db_name} template {}", env.template).as_str())
            .await
            .expect("clone the template database");
        admin.close().await;
        let owner = env.maintenance.clone().database(&db_name);
        let pools = connect_pools(owner, None, 8).await.expect("connect pools");
        let mut config = Config::from_lookup(|_| None).expect("default config");
        tweak(&mut config);
        let state = AppState::new(pools.clone(), config);
        rapport::jobs::spawn_workers(
            pools.app.clone(),
            state.jobs.clone(),
            state.config.import_workers,
        );
        let router = app::build(state.clone()).expect("build the app");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("local addr");
        tokio::spawn(async move {
            let _ = axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await;
        });
        TestApp {
            addr,
            pools,
            state,
            db_name,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// A fresh browser-like client: cookies kept, redirects not followed.
    pub fn client() -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }

    pub async fn create_tenant(&self, slug: &str) -> TenantId {
        let mut conn = self.pools.owner.acquire().await.expect("conn");
        let slug = Slug::parse(slug).expect("slug");
        db::tenants::create(&mut conn, &slug, &format!("{} Health", slug.as_str()))
            .await
            .expect("tenant")
            .id
    }

    pub async fn create_user(&self, tenant: TenantId, role: Role, email: &str) -> UserId {
        let hash = self.state.hasher.hash(PASSWORD).await.expect("hash");
        let email = Email::parse(email).expect("email");
        let mut tx = tenant_tx(&self.pools.app, tenant).await.expect("tx");
        let user = db::users::create(
            &mut tx,
            tenant,
            &db::users::NewUser {
                email: &email,
                name: &format!("Test {}", role.label()),
                role,
                password_hash: &hash,
            },
        )
        .await
        .expect("user");
        tx.commit().await.expect("commit");
        user.id
    }

    /// Posts the login form; returns the response.
    pub async fn login(
        &self,
        client: &reqwest::Client,
        workspace: &str,
        email: &str,
        password: &str,
    ) -> reqwest::Response {
        client
            .post(self.url("/login"))
            .form(&[
                ("workspace", workspace),
                ("email", email),
                ("password", password),
            ])
            .send()
            .await
            .expect("post /login")
    }

    /// A new tenant `slug` (created unless it exists) with a signed-in user of `role`.
    pub async fn signed_in(&self, slug: &str, role: Role) -> Session {
        let mut conn = self.pools.owner.acquire().await.expect("conn");
        let tenant = match db::tenants::find_by_slug(&mut conn, slug)
            .await
            .expect("find")
        {
            Some(t) => t.id,
            None => self.create_tenant(slug).await,
        };
        drop(conn);
        let email = format!(
            "{}-{}@{slug}.test",
            role.as_str(),
            &uuid::Uuid::new_v4().simple().to_string()[..6]
        );
        let user = self.create_user(tenant, role, &email).await;
        let client = Self::client();
        let response = self.login(&client, slug, &email, PASSWORD).await;
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "login as {email} should redirect"
        );
        Session {
            client,
            base: self.url(""),
            tenant,
            user,
            email,
        }
    }

    /// Runs `sql` as the owner inside a tenant transaction (test set-up and inspection).
    pub async fn owner_exec(&self, tenant: TenantId, sql: &str) {
        let mut tx = tenant_tx(&self.pools.owner, tenant).await.expect("tx");
        tx.execute(sql).await.expect("owner sql");
        tx.commit().await.expect("commit");
    }

    /// A count over a tenant table as the runtime role (row-level security applies).
    pub async fn count(&self, tenant: TenantId, sql: &str) -> i64 {
        let mut tx = tenant_tx(&self.pools.app, tenant).await.expect("tx");
        let n: i64 = sqlx::query_scalar(sql)
            .fetch_one(&mut *tx)
            .await
            .expect("count");
        tx.commit().await.expect("commit");
        n
    }

    /// An API client that sends `token`.
    pub fn api(&self, token: &str) -> Api {
        Api {
            client: reqwest::Client::new(),
            base: self.url(""),
            token: token.to_string(),
        }
    }

    /// Adds physicians named "Pat <last name>" through the data layer (as an import would).
    pub async fn add_people(&self, tenant: TenantId, last_names: &[String]) {
        let people: Vec<rapport::domain::StakeholderInput> = last_names
            .iter()
            .map(|last| {
                rapport::domain::StakeholderDraft {
                    first_name: "Pat".into(),
                    last_name: last.clone(),
                    ..Default::default()
                }
                .validate()
                .expect("valid person")
            })
            .collect();
        let mut tx = tenant_tx(&self.pools.app, tenant).await.expect("tx");
        let actor = db::audit::Actor {
            tenant_id: tenant,
            user_id: None,
            ip: None,
            request_id: None,
        };
        db::stakeholders::insert_many(&mut tx, &actor, &people)
            .await
            .expect("insert");
        tx.commit().await.expect("commit");
    }

    /// Creates an API token for `user` and returns its text.
    pub async fn token(&self, tenant: TenantId, user: UserId) -> String {
        let mut tx = tenant_tx(&self.pools.app, tenant).await.expect("tx");
        let actor = db::audit::Actor {
            tenant_id: tenant,
            user_id: Some(user),
            ip: None,
            request_id: None,
        };
        let token = rapport::auth::create_token(&mut tx, &actor, tenant, user, "test")
            .await
            .expect("token");
        tx.commit().await.expect("commit");
        token
    }
}

/// An API client holding one bearer token.
pub struct Api {
    client: reqwest::Client,
    base: String,
    token: String,
}

impl Api {
    /// The underlying client, for requests with extra headers.
    pub fn raw(&self) -> reqwest::Client {
        self.client.clone()
    }

    pub fn token(&self) -> &str {
        &self.token
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("GET")
    }

    pub async fn post(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .expect("POST")
    }

    pub async fn put(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.client
            .put(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .expect("PUT")
    }

    pub async fn delete(&self, path: &str) -> reqwest::Response {
        self.client
            .delete(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("DELETE")
    }

    pub async fn patch(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.client
            .patch(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .expect("PATCH")
    }
}

impl Session {
    /// GET `path` with this session's cookies.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("GET")
    }

    /// The body of GET `path`.
    pub async fn text(&self, path: &str) -> String {
        self.get(path).await.text().await.expect("body")
    }

    /// POST a form to `path` with this session's cookies.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.base))
            .form(form)
            .send()
            .await
            .expect("POST")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let name = self.db_name.clone();
        let maintenance = env().maintenance.clone();
        // Drop the test database from a thread of its own: Drop cannot await.
        let _ = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async move {
                if let Ok(pool) = PgPoolOptions::new()
                    .max_connections(1)
                    .connect_with(maintenance)
                    .await
                {
                    let _ = pool
                        .execute(format!("drop database if exists {name} with (force)").as_str())
                        .await;
                    pool.close().await;
                }
            });
        })
        .join();
    }
}

/// The `Location` header of a redirect.
pub fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// A signed-in user's API client, with the tenant and user ids.
pub struct Caller {
    pub api: Api,
    pub tenant: TenantId,
    pub user: uuid::Uuid,
}

/// Signs a `role` user into workspace `slug` and gives them an API token.
pub async fn caller(app: &TestApp, slug: &str, role: Role) -> Caller {
    let s = app.signed_in(slug, role).await;
    let token = app.token(s.tenant, s.user).await;
    Caller {
        api: app.api(&token),
        tenant: s.tenant,
        user: s.user.0,
    }
}

/// The JSON body of a response.
pub async fn json_of(r: reqwest::Response) -> serde_json::Value {
    r.json().await.expect("json")
}

/// Uploads an import through the page (a multipart form with `kind`, options and `file`);
/// returns the job id from the redirect.
pub async fn upload_import(s: &Session, form: reqwest::multipart::Form) -> uuid::Uuid {
    let r = s
        .client
        .post(format!("{}/admin/imports", s.base))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "upload should redirect");
    let to = location(&r);
    to.rsplit('/')
        .next()
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no job id in {to:?}"))
}

/// The import job's row once it has finished, as the API shows it (waits up to a minute).
pub async fn finished_job(app: &TestApp, tenant: TenantId, job: uuid::Uuid) -> serde_json::Value {
    for _ in 0..600 {
        let mut tx = tenant_tx(&app.pools.app, tenant).await.expect("tx");
        let row = db::imports::find(&mut tx, job)
            .await
            .expect("find")
            .expect("job");
        tx.commit().await.expect("commit");
        if row.finished() {
            return serde_json::to_value(row).expect("json");
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("job {job} did not finish");
}

/// A finished job's counts: read, created, updated, unchanged, skipped, failed.
pub fn job_counts(job: &serde_json::Value) -> [i64; 6] {
    [
        "rows_read",
        "created",
        "updated",
        "unchanged",
        "skipped",
        "failed",
    ]
    .map(|k| job[k].as_i64().unwrap_or(-1))
}
