//! The embedded default: first start, adoption of a running server, stale pid recovery.

use rapport::postgres::embedded::{EmbeddedError, EmbeddedOptions, EmbeddedPostgres};
use sqlx::postgres::PgPoolOptions;

async fn answers(cluster: &EmbeddedPostgres) -> bool {
    match PgPoolOptions::new()
        .max_connections(1)
        .connect_with(cluster.connect_options("postgres"))
        .await
    {
        Ok(pool) => {
            let one: Result<i32, _> = sqlx::query_scalar("select 1").fetch_one(&pool).await;
            pool.close().await;
            one.is_ok()
        }
        Err(_) => false,
    }
}

#[tokio::test]
async fn the_private_cluster_starts_is_adopted_and_survives_a_stale_pid_file() {
    let dir = std::env::temp_dir().join(format!(
        "rapport-embedded-{}",
        uuid::Uuid::new_v4().simple()
    ));
    let options = EmbeddedOptions { unsafe_fast: true };
    let first = match EmbeddedPostgres::start(&dir, &options) {
        Ok(c) => c,
        Err(EmbeddedError::BinariesNotFound) if std::env::var("DATABASE_URL").is_ok() => {
            eprintln!("no PostgreSQL binaries here; the embedded default is not tested");
            return;
        }
        Err(e) => panic!("first start: {e}"),
    };
    assert!(!first.adopted);
    assert!(answers(&first).await, "the new cluster answers");

    let second = EmbeddedPostgres::start(&dir, &options).expect("second start");
    assert!(
        second.adopted,
        "a running server is adopted, not started twice"
    );

    first.stop().expect("stop");
    assert!(!answers(&first).await, "stopped");
    // A pid file naming a process that does not exist, as after a crash.
    std::fs::write(dir.join("pgdata/postmaster.pid"), "999999\n").expect("write pid");
    let third = EmbeddedPostgres::start(&dir, &options).expect("start over a stale pid file");
    assert!(!third.adopted);
    assert!(answers(&third).await, "the restarted cluster answers");
    third.stop().expect("stop");
    let _ = std::fs::remove_dir_all(&dir);
}
