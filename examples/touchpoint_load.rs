//! Load generator for the touch-point write path: `concurrency` workers POST
//! `/api/v1/touchpoints` for `seconds`, each request with a fresh `Idempotency-Key` and a
//! random stakeholder, and report requests/s, latency percentiles, errors and the server's
//! peak RSS (sampled from /proc). Used by `bench/touchpoints.sh`.
//!
//! cargo run --release --example touchpoint_load -- <base-url> <token> <ids-file> \
//!     [concurrency=48] [seconds=30] [server-pid]
//!
//! With `LOAD_READ_ONLY=1` it sends `GET /api/v1/me` instead (HTTP and the token check
//! alone), to see what the write itself costs.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const CHANNELS: [&str; 5] = ["visit", "phone", "email", "lunch_learn", "portal"];
const OUTCOMES: [&str; 4] = ["positive", "neutral", "negative", "no_response"];

/// A tiny xorshift generator: the load needs spread, not statistics.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

fn rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    f64::from(sorted[i.min(sorted.len() - 1)]) / 1000.0
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, base, token, ids_file, rest @ ..] = args.as_slice() else {
        anyhow::bail!(
            "usage: touchpoint_load <base-url> <token> <ids-file> [concurrency] [seconds] [server-pid]"
        );
    };
    let concurrency: usize = rest.first().map_or(Ok(48), |s| s.parse())?;
    let seconds: u64 = rest.get(1).map_or(Ok(30), |s| s.parse())?;
    let pid: Option<u32> = rest.get(2).and_then(|s| s.parse().ok());
    let ids: Arc<Vec<String>> = Arc::new(
        std::fs::read_to_string(ids_file)?
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
    );
    anyhow::ensure!(!ids.is_empty(), "no stakeholder ids in {ids_file}");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .timeout(Duration::from_secs(10))
        .build()?;
    let read_only = std::env::var("LOAD_READ_ONLY").is_ok_and(|v| v == "1");
    let url = if read_only {
        format!("{}/api/v1/me", base.trim_end_matches('/'))
    } else {
        format!("{}/api/v1/touchpoints", base.trim_end_matches('/'))
    };
    let errors = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let peak_rss = Arc::new(AtomicU64::new(0));
    if let Some(pid) = pid {
        let peak = peak_rss.clone();
        tokio::spawn(async move {
            loop {
                if let Some(kb) = rss_kb(pid) {
                    peak.fetch_max(kb, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        });
    }
    let started = Instant::now();
    let mut workers = Vec::new();
    for w in 0..concurrency {
        let (client, url, token, ids, errors) = (
            client.clone(),
            url.clone(),
            token.clone(),
            ids.clone(),
            errors.clone(),
        );
        workers.push(tokio::spawn(async move {
            let mut rng =
                Rng(0x9E37_79B9_7F4A_7C15 ^ (w as u64 + 1).wrapping_mul(0xD1B5_4A32_D192_ED03));
            let mut latencies: Vec<u32> = Vec::with_capacity(100_000);
            while Instant::now() < deadline {
                let body = serde_json::json!({
                    "stakeholder_id": rng.pick(&ids),
                    "channel": rng.pick(&CHANNELS),
                    "outcome": rng.pick(&OUTCOMES),
                    "purpose": "Load test",
                });
                let t0 = Instant::now();
                let (request, expected) = if read_only {
                    (client.get(&url), reqwest::StatusCode::OK)
                } else {
                    (
                        client
                            .post(&url)
                            .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
                            .json(&body),
                        reqwest::StatusCode::CREATED,
                    )
                };
                let result = request.bearer_auth(&token).send().await;
                let ok = match result {
                    Ok(r) => r.status() == expected && r.bytes().await.is_ok(),
                    Err(_) => false,
                };
                latencies.push(t0.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
                if !ok {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
            }
            latencies
        }));
    }
    let mut all: Vec<u32> = Vec::new();
    for w in workers {
        all.extend(w.await?);
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort_unstable();
    let n = all.len();
    let errors = errors.load(Ordering::Relaxed);
    println!(
        "| concurrency | duration | requests | errors | requests/s | p50 ms | p95 ms | p99 ms | max ms | server peak RSS |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    println!(
        "| {concurrency} | {elapsed:.1} s | {n} | {errors} | {:.0} | {:.1} | {:.1} | {:.1} | {:.1} | {} |",
        n as f64 / elapsed,
        percentile(&all, 0.50),
        percentile(&all, 0.95),
        percentile(&all, 0.99),
        percentile(&all, 1.0),
        match peak_rss.load(Ordering::Relaxed) {
            0 => "n/a".to_string(),
            kb => format!("{} MB", kb / 1024),
        }
    );
    Ok(())
}
