//! Rebuilds when a migration changes: `sqlx::migrate!` embeds the migrations at compile
//! time, and without this an incremental build keeps the old ones.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
