//! `rapport export --tenant SLUG [--format csv|json] [--output FILE]`: writes the whole
//! workspace as one ZIP archive (see [`crate::export`]) and prints what it holds. The archive
//! is written beside its final name and renamed when complete, so a failed export leaves no
//! file that looks whole.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use tokio::sync::mpsc;

use super::{cli_actor, find_tenant};
use crate::export::{self, Format};
use crate::postgres::Database;

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Workspace slug.
    #[arg(long)]
    pub tenant: String,
    /// csv (a header line per file) or json (JSON Lines: one object a line).
    #[arg(long, default_value = "csv")]
    pub format: String,
    /// Where to write the archive; rapport-<workspace>-<date>.zip in this folder if left out.
    #[arg(long)]
    pub output: Option<PathBuf>,
}

pub async fn run(database: &Database, args: ExportArgs) -> anyhow::Result<()> {
    let format =
        Format::parse(&args.format).ok_or_else(|| anyhow::anyhow!("--format: use csv or json"))?;
    let tenant = find_tenant(database, &args.tenant).await?;
    let path = args
        .output
        .unwrap_or_else(|| PathBuf::from(export::file_name(&tenant, chrono::Utc::now())));
    let partial = path.with_extension("zip.part");
    let mut file = std::fs::File::create(&partial)
        .with_context(|| format!("cannot write {}", partial.display()))?;
    let (sender, mut receiver) = mpsc::channel(8);
    let actor = cli_actor(tenant.id);
    let producer = export::run_audited(&database.pools.app, &tenant, &actor, format, sender);
    let consumer = async {
        let mut bytes = 0u64;
        while let Some(piece) = receiver.recv().await {
            let piece = piece?;
            file.write_all(&piece)?;
            bytes += piece.len() as u64;
        }
        file.sync_all()?;
        Ok::<u64, std::io::Error>(bytes)
    };
    let (files, bytes) = tokio::join!(producer, consumer);
    let files = match (files, bytes) {
        (Ok(files), Ok(bytes)) => {
            std::fs::rename(&partial, &path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            println!("{} ({} bytes)", path.display(), bytes);
            files
        }
        (Err(e), _) => {
            let _ = std::fs::remove_file(&partial);
            return Err(anyhow::anyhow!("export failed: {e}"));
        }
        (_, Err(e)) => {
            let _ = std::fs::remove_file(&partial);
            return Err(anyhow::anyhow!("cannot write {}: {e}", partial.display()));
        }
    };
    for f in files.iter().filter(|f| f.rows > 0) {
        println!("  {:<28} {:>10} rows", f.file, f.rows);
    }
    let empty = files.iter().filter(|f| f.rows == 0).count();
    if empty > 0 {
        println!("  and {empty} empty files");
    }
    Ok(())
}
