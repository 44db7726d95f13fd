//! `rapport import <kind> FILE... --tenant SLUG`: queues one job per file, runs it in this
//! process straight from the disk (a 10 GB registry file is never copied into the database),
//! prints each job's summary, and fails when a job fails.

use std::path::PathBuf;

use clap::Args;

use super::{cli_actor, find_tenant};
use crate::db;
use crate::domain::{ImportKind, ImportOptionsDraft, ImportStatus};
use crate::imports::stakeholders::{self, Mapping};
use crate::postgres::{Database, tenant_tx};

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// What the files hold: nppes, referrals, fhir or stakeholders.
    pub kind: String,
    /// One or more files; each becomes its own job.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Workspace slug.
    #[arg(long)]
    pub tenant: String,
    /// Check and count without writing.
    #[arg(long)]
    pub dry_run: bool,
    /// NPPES: keep providers practising in these states (e.g. "OR,WA").
    #[arg(long)]
    pub states: Option<String>,
    /// NPPES: keep practice ZIP codes starting with these digits (e.g. "974,975").
    #[arg(long)]
    pub zip_prefixes: Option<String>,
    /// NPPES: keep providers with a taxonomy code starting with these (e.g. "207R,363L").
    #[arg(long)]
    pub taxonomy_prefixes: Option<String>,
    /// NPPES: keep only the market, not also the providers referral data names.
    #[arg(long)]
    pub market_only: bool,
    /// Stakeholder CSV: the field of each column in order, comma-separated
    /// (first_name,last_name,npi,email,ignore,…); matched from the header when left out.
    #[arg(long)]
    pub mapping: Option<String>,
    /// Referrals: canonical, cms or hop (detected when left out).
    #[arg(long)]
    pub layout: Option<String>,
    /// Referrals: the first day of the period a file without dates covers (YYYY-MM-DD).
    #[arg(long)]
    pub period: Option<String>,
}

pub async fn run(database: &Database, args: ImportArgs) -> anyhow::Result<()> {
    let draft = ImportOptionsDraft {
        kind: Some(args.kind.clone()),
        dry_run: args.dry_run,
        states: args.states.clone(),
        zip_prefixes: args.zip_prefixes.clone(),
        taxonomy_prefixes: args.taxonomy_prefixes.clone(),
        referral_npis: args.market_only.then(|| "off".to_string()),
        layout: args.layout.clone(),
        period: args.period.clone(),
        mapping: args.mapping.clone(),
    };
    let (kind, dry_run, options) = draft.validate().map_err(|errors| {
        let lines: Vec<String> = errors
            .iter()
            .map(|(field, e)| format!("--{}: {e}", field.replace('_', "-")))
            .collect();
        anyhow::anyhow!(lines.join("\n"))
    })?;
    let tenant = find_tenant(database, &args.tenant).await?;
    let actor = cli_actor(tenant.id);
    let mut failures = 0;
    for path in &args.files {
        let meta =
            std::fs::metadata(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        if !meta.is_file() {
            anyhow::bail!("{}: not a file", path.display());
        }
        let name: String = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "file".into())
            .chars()
            .take(255)
            .collect();
        let path = std::fs::canonicalize(path)?;
        let mut options = options.clone();
        if kind == ImportKind::Stakeholders && options.mapping.is_empty() {
            options.mapping = suggested_mapping(&path)?;
        }
        let mut tx = tenant_tx(&database.pools.app, tenant.id).await?;
        let job =
            db::imports::create_audited(&mut tx, &actor, kind, dry_run, &options, &name, "local")
                .await?;
        sqlx::query("update import_jobs set file_size = $2 where id = $1")
            .bind(job)
            .bind(i64::try_from(meta.len()).unwrap_or(i64::MAX))
            .execute(&mut *tx)
            .await?;
        db::imports::enqueue(&mut tx, job, "local").await?;
        tx.commit().await?;
        eprintln!(
            "importing {} as {} (job {job})…",
            path.display(),
            kind.label()
        );
        let started = std::time::Instant::now();
        crate::jobs::claim_and_run(&database.pools.app, Some((job, path.clone()))).await?;
        let mut tx = tenant_tx(&database.pools.app, tenant.id).await?;
        let row = db::imports::find(&mut tx, job)
            .await?
            .ok_or_else(|| anyhow::anyhow!("job {job} disappeared"))?;
        let errors = db::imports::errors(&mut tx, job, 10).await?;
        tx.commit().await?;
        let secs = started.elapsed().as_secs_f64();
        println!(
            "{}: {}{} in {secs:.1} s ({:.0} rows/s)",
            name,
            row.status_label(),
            if row.dry_run { " (dry run)" } else { "" },
            row.rows_read as f64 / secs.max(0.001),
        );
        println!("  {}", row.summary_line());
        if let Some(m) = &row.message {
            println!("  {m}");
        }
        for (line, column, reason) in &errors {
            match column {
                Some(c) => println!("  line {line}, {c}: {reason}"),
                None => println!("  line {line}: {reason}"),
            }
        }
        if row.failed > errors.len() as i64 {
            println!(
                "  … {} more row errors (see the import page)",
                row.failed - errors.len() as i64
            );
        }
        if row.status() != ImportStatus::Succeeded {
            failures += 1;
        }
    }
    if failures > 0 {
        anyhow::bail!("{failures} of {} imports did not succeed", args.files.len());
    }
    Ok(())
}

/// The columns of a stakeholder CSV matched from its header, or an error listing the
/// header so `--mapping` can be written.
fn suggested_mapping(path: &std::path::Path) -> anyhow::Result<Vec<String>> {
    let file = std::fs::File::open(path)?;
    let preview = stakeholders::preview(std::io::BufReader::new(file), 0)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let keys: Vec<String> = preview
        .suggested
        .iter()
        .map(|f| f.key().to_string())
        .collect();
    match Mapping::new(preview.suggested.clone()) {
        Ok(_) => {
            eprintln!(
                "columns: {}",
                preview
                    .headers
                    .iter()
                    .zip(&keys)
                    .map(|(h, k)| format!("{h} → {k}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            Ok(keys)
        }
        Err(e) => anyhow::bail!(
            "{}: {e}\nits columns are: {}\nsay which field each one is with --mapping (e.g. --mapping {})",
            path.display(),
            preview.headers.join(", "),
            keys.join(",")
        ),
    }
}
