//! The command line: `serve` (default), `migrate`, `demo`, and workspace administration.

use std::io::Read;
use std::net::SocketAddr;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod export;
mod import;

use crate::app::{self, AppState};
use crate::auth::password::Hasher;
use crate::config::Config;
use crate::db::{self, audit::Actor};
use crate::domain::{Email, NewPassword, Role, Slug, clean_required};
use crate::postgres::{Database, migrate, tenant_tx};
use crate::{demo, telemetry};

#[derive(Parser, Debug)]
#[command(
    name = "rapport",
    version,
    about = "Relationship management for health systems"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the web app (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Create or refresh the demo workspace.
    Demo,
    /// Manage workspaces.
    Tenant {
        #[command(subcommand)]
        action: TenantAction,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Import files into a workspace and wait for the result (exits non-zero on failure).
    Import(import::ImportArgs),
    /// Write a whole workspace as one ZIP archive (a CSV or JSON Lines file per table).
    Export(export::ExportArgs),
    /// Recompute a workspace's influence scores now (imports and a nightly pass also do).
    Influence {
        /// Workspace slug.
        #[arg(long)]
        tenant: String,
    },
    /// Add generated stakeholders to a workspace (for benchmarks and load tests).
    Generate {
        /// Workspace slug; created if missing.
        #[arg(long)]
        tenant: String,
        /// How many stakeholders to add.
        #[arg(long, default_value_t = 50_000)]
        stakeholders: usize,
        /// The same seed makes the same people.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Subcommand, Debug)]
pub enum TenantAction {
    /// Create a workspace.
    Create {
        #[arg(long)]
        slug: String,
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserAction {
    /// Create a user; prints a generated password unless --password-stdin is given.
    Create {
        /// Workspace slug.
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// admin, marketer, liaison or executive.
        #[arg(long)]
        role: String,
        /// Read the password from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum TokenAction {
    /// Create an API token for a user; the token is printed once.
    Create {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        email: String,
        /// A label to recognise the token by.
        #[arg(long, default_value = "command line")]
        name: String,
    },
}

/// Parses the command line and runs it; errors print one clear line.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("rapport: {e}");
            return ExitCode::from(2);
        }
    };
    // Admin commands print their result; only warnings and errors from the machinery.
    let serving = matches!(cli.command, None | Some(Command::Serve));
    telemetry::init(config.log_json, if serving { "info" } else { "warn" });
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("rapport: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command.unwrap_or(Command::Serve), config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rapport: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    let database = Database::connect(&config).await?;
    let serving = matches!(command, Command::Serve);
    let result = async {
        migrate(&database.pools.owner).await?;
        match command {
            Command::Serve => serve(&database, config).await,
            Command::Migrate => {
                println!("migrations applied");
                Ok(())
            }
            Command::Demo => {
                demo::ensure(&database.pools, &Hasher::new()).await?;
                print_demo_logins();
                Ok(())
            }
            Command::Tenant { action } => tenant(&database, action).await,
            Command::User { action } => user(&database, action).await,
            Command::Token { action } => token(&database, action).await,
            Command::Import(args) => import::run(&database, args).await,
            Command::Export(args) => export::run(&database, args).await,
            Command::Influence { tenant } => influence(&database, &tenant).await,
            Command::Generate {
                tenant,
                stakeholders,
                seed,
            } => generate(&database, &tenant, stakeholders, seed).await,
        }
    }
    .await;
    database.shutdown(serving && result.is_ok()).await;
    result
}

async fn serve(database: &Database, config: Config) -> anyhow::Result<()> {
    let pools = database.pools.clone();
    let create_demo = match config.demo {
        Some(choice) => choice,
        None => {
            database.embedded.is_some()
                && db::tenants::count(&mut *pools.owner.acquire().await?).await? == 0
        }
    };
    let state = AppState::new(pools.clone(), config.clone());
    if create_demo {
        demo::ensure(&pools, &state.hasher).await?;
    }
    crate::jobs::spawn_workers(pools.app.clone(), state.jobs.clone(), config.import_workers);
    crate::jobs::influence::spawn_nightly(pools.app.clone());
    let router = app::build(state)?;
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {} (RAPPORT_BIND): {e}", config.bind))?;
    let url = match &config.public_url {
        Some(u) => u.clone(),
        None => format!("http://{}", listener.local_addr()?),
    };
    println!("\nRapport is running at {url}");
    if create_demo
        || db::tenants::find_by_slug(&mut *pools.owner.acquire().await?, demo::SLUG)
            .await?
            .is_some()
    {
        print_demo_logins();
    }
    println!("Press Ctrl-C to stop.\n");
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    tracing::info!("shutting down");
    Ok(())
}

fn print_demo_logins() {
    println!(
        "Demo workspace: {}  (password for every demo user: {})",
        demo::SLUG,
        demo::PASSWORD
    );
    for (role, email) in demo::logins() {
        println!("  {:<10} {email}", role.label());
    }
}

/// Resolves on Ctrl-C or SIGTERM, so the embedded cluster is stopped either way.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

fn cli_actor(tenant: crate::domain::TenantId) -> Actor {
    Actor {
        tenant_id: tenant,
        user_id: None,
        ip: None,
        request_id: Some("cli".into()),
    }
}

async fn find_tenant(database: &Database, slug: &str) -> anyhow::Result<db::tenants::Tenant> {
    db::tenants::find_by_slug(&mut *database.pools.app.acquire().await?, slug.trim())
        .await?
        .ok_or_else(|| anyhow::anyhow!("no workspace with slug {slug:?}"))
}

async fn tenant(database: &Database, action: TenantAction) -> anyhow::Result<()> {
    let TenantAction::Create { slug, name } = action;
    let slug = Slug::parse(&slug).map_err(|e| anyhow::anyhow!("--slug: {e}"))?;
    let name = clean_required(&name, 200, "a name").map_err(|e| anyhow::anyhow!("--name: {e}"))?;
    let mut owner = database.pools.owner.acquire().await?;
    if db::tenants::find_by_slug(&mut owner, slug.as_str())
        .await?
        .is_some()
    {
        anyhow::bail!("a workspace with slug {:?} already exists", slug.as_str());
    }
    let tenant = db::tenants::create(&mut owner, &slug, &name).await?;
    let mut tx = tenant_tx(&database.pools.app, tenant.id).await?;
    db::audit::record(
        &mut tx,
        &cli_actor(tenant.id),
        "tenant.create",
        "tenant",
        Some(tenant.id.to_string()),
        serde_json::json!({ "slug": tenant.slug, "name": tenant.name }),
    )
    .await?;
    tx.commit().await?;
    println!("created workspace {} ({})", tenant.slug, tenant.id);
    Ok(())
}

async fn user(database: &Database, action: UserAction) -> anyhow::Result<()> {
    let UserAction::Create {
        tenant,
        email,
        name,
        role,
        password_stdin,
    } = action;
    let tenant = find_tenant(database, &tenant).await?;
    let email = Email::parse(&email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
    let name = clean_required(&name, 200, "a name").map_err(|e| anyhow::anyhow!("--name: {e}"))?;
    let role = Role::parse(&role)
        .ok_or_else(|| anyhow::anyhow!("--role: use admin, marketer, liaison or executive"))?;
    let (password, generated) = if password_stdin {
        let mut input = String::new();
        std::io::stdin().read_to_string(&mut input)?;
        (input.trim_end_matches(['\r', '\n']).to_string(), false)
    } else {
        (crate::auth::secret::random_secret()[..20].to_string(), true)
    };
    let password = NewPassword::parse(&password).map_err(|e| anyhow::anyhow!("password: {e}"))?;
    let hash = Hasher::new().hash(password.expose()).await?;
    let mut tx = tenant_tx(&database.pools.app, tenant.id).await?;
    if db::users::find_by_email(&mut tx, email.as_str())
        .await?
        .is_some()
    {
        anyhow::bail!(
            "{} already has a user with email {}",
            tenant.slug,
            email.as_str()
        );
    }
    let new_user = db::users::NewUser {
        email: &email,
        name: &name,
        role,
        password_hash: &hash,
    };
    db::users::create_audited(&mut tx, &cli_actor(tenant.id), &new_user).await?;
    tx.commit().await?;
    println!(
        "created {} {} in {}",
        role.as_str(),
        email.as_str(),
        tenant.slug
    );
    if generated {
        println!("password (shown once): {}", password.expose());
    }
    Ok(())
}

async fn influence(database: &Database, slug: &str) -> anyhow::Result<()> {
    let tenant = find_tenant(database, slug).await?;
    let started = std::time::Instant::now();
    let done = crate::jobs::influence::recompute(&database.pools.app, tenant.id).await?;
    println!(
        "influence scores of {}: {} people, {} edges, {} ms",
        tenant.slug,
        done.people,
        done.edges,
        started.elapsed().as_millis()
    );
    Ok(())
}

async fn generate(database: &Database, slug: &str, count: usize, seed: u64) -> anyhow::Result<()> {
    let slug = Slug::parse(slug).map_err(|e| anyhow::anyhow!("--tenant: {e}"))?;
    let mut owner = database.pools.owner.acquire().await?;
    let tenant = match db::tenants::find_by_slug(&mut owner, slug.as_str()).await? {
        Some(t) => t,
        None => {
            db::tenants::create(&mut owner, &slug, &format!("{} (generated)", slug.as_str()))
                .await?
        }
    };
    drop(owner);
    let started = std::time::Instant::now();
    let people = demo::people_seeded(count, seed);
    let mut tx = tenant_tx(&database.pools.app, tenant.id).await?;
    let added = db::stakeholders::insert_many(&mut tx, &cli_actor(tenant.id), &people).await?;
    tx.commit().await?;
    println!(
        "added {added} stakeholders to {} in {:.1} s",
        tenant.slug,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn token(database: &Database, action: TokenAction) -> anyhow::Result<()> {
    let TokenAction::Create {
        tenant,
        email,
        name,
    } = action;
    let tenant = find_tenant(database, &tenant).await?;
    let email = Email::parse(&email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
    let name = clean_required(&name, 100, "a name").map_err(|e| anyhow::anyhow!("--name: {e}"))?;
    let mut tx = tenant_tx(&database.pools.app, tenant.id).await?;
    let user = db::users::find_by_email(&mut tx, email.as_str())
        .await?
        .filter(|u| u.active)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "{} has no active user with email {}",
                tenant.slug,
                email.as_str()
            )
        })?;
    let token =
        crate::auth::create_token(&mut tx, &cli_actor(tenant.id), tenant.id, user.id, &name)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    tx.commit().await?;
    println!("{token}");
    eprintln!("This token is shown once. Send it as: Authorization: Bearer <token>");
    Ok(())
}
