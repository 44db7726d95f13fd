//! Configuration from the environment, typed and checked once at start: a missing or bad
//! value stops the binary with one clear line naming the variable.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Everything the app reads from the environment. See the README's configuration table.
#[derive(Clone, Debug)]
pub struct Config {
    /// Owner connection (runs migrations). `None`: start the embedded cluster.
    pub database_url: Option<String>,
    /// Optional separate login for the runtime role; else the owner login does `SET ROLE`.
    pub app_database_url: Option<String>,
    pub bind: SocketAddr,
    pub data_dir: PathBuf,
    /// External URL, e.g. `https://rapport.example.org`. HTTPS turns on secure cookies and HSTS.
    pub public_url: Option<String>,
    pub session_idle: Duration,
    pub session_absolute: Duration,
    pub db_max_connections: u32,
    /// Import workers this process runs (0: this process runs none, another one does).
    pub import_workers: usize,
    pub log_json: bool,
    /// Create the demo workspace on start: `Some(true)` always, `Some(false)` never,
    /// `None` only with the embedded default when no workspace exists yet.
    pub demo: Option<bool>,
}

/// A configuration problem, shown to the operator as one line.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {var} {problem}")]
pub struct ConfigError {
    pub var: &'static str,
    pub problem: String,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Reads configuration through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |key: &str| {
            lookup(key)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let database_url = get("DATABASE_URL");
        if let Some(url) = &database_url {
            check_pg_url("DATABASE_URL", url)?;
        }
        let app_database_url = get("RAPPORT_APP_DATABASE_URL");
        if let Some(url) = &app_database_url {
            check_pg_url("RAPPORT_APP_DATABASE_URL", url)?;
        }
        let bind = match get("RAPPORT_BIND") {
            None => SocketAddr::from(([127, 0, 0, 1], 3000)),
            Some(v) => v.parse().map_err(|_| ConfigError {
                var: "RAPPORT_BIND",
                problem: format!(
                    "must be an address and port like 127.0.0.1:3000 or 0.0.0.0:8080, got {v:?}"
                ),
            })?,
        };
        let data_dir =
            PathBuf::from(get("RAPPORT_DATA_DIR").unwrap_or_else(|| "./.rapport".into()));
        let public_url = match get("RAPPORT_PUBLIC_URL") {
            None => None,
            Some(v) => {
                let v = v.trim_end_matches('/').to_string();
                let rest = v
                    .strip_prefix("https://")
                    .or_else(|| v.strip_prefix("http://"))
                    .ok_or_else(|| ConfigError {
                        var: "RAPPORT_PUBLIC_URL",
                        problem: format!("must start with https:// or http://, got {v:?}"),
                    })?;
                if rest.is_empty() || rest.contains('/') {
                    return Err(ConfigError {
                        var: "RAPPORT_PUBLIC_URL",
                        problem: format!(
                            "must be an origin without a path, like https://rapport.example.org, got {v:?}"
                        ),
                    });
                }
                Some(v)
            }
        };
        let idle = number(&get, "RAPPORT_SESSION_IDLE_MINUTES", 15, 1, 24 * 60)?;
        let absolute = number(&get, "RAPPORT_SESSION_ABSOLUTE_HOURS", 12, 1, 24 * 30)?;
        let db_max_connections = number(&get, "RAPPORT_DB_MAX_CONNECTIONS", 16, 1, 500)? as u32;
        let import_workers = number(&get, "RAPPORT_IMPORT_WORKERS", 1, 0, 16)? as usize;
        let log_json = match get("RAPPORT_LOG_FORMAT").as_deref() {
            None | Some("pretty") => false,
            Some("json") => true,
            Some(other) => {
                return Err(ConfigError {
                    var: "RAPPORT_LOG_FORMAT",
                    problem: format!("must be pretty or json, got {other:?}"),
                });
            }
        };
        let demo = match get("RAPPORT_DEMO").as_deref() {
            None | Some("auto") => None,
            Some("1" | "true" | "yes") => Some(true),
            Some("0" | "false" | "no") => Some(false),
            Some(other) => {
                return Err(ConfigError {
                    var: "RAPPORT_DEMO",
                    problem: format!("must be auto, 1 or 0, got {other:?}"),
                });
            }
        };
        Ok(Self {
            database_url,
            app_database_url,
            bind,
            data_dir,
            public_url,
            session_idle: Duration::from_secs(idle * 60),
            session_absolute: Duration::from_secs(absolute * 3600),
            db_max_connections,
            import_workers,
            log_json,
            demo,
        })
    }

    /// True when the app is served over HTTPS (secure cookies, `__Host-` prefix, HSTS).
    pub fn https(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }
}

fn check_pg_url(var: &'static str, url: &str) -> Result<(), ConfigError> {
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(ConfigError {
            var,
            problem:
                "must be a postgres:// URL, e.g. postgres://user:password@localhost:5432/rapport"
                    .into(),
        });
    }
    url.parse::<sqlx::postgres::PgConnectOptions>()
        .map_err(|e| ConfigError {
            var,
            problem: format!("is not a valid PostgreSQL URL: {e}"),
        })?;
    Ok(())
}

fn number(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    default: u64,
    min: u64,
    max: u64,
) -> Result<u64, ConfigError> {
    match get(var) {
        None => Ok(default),
        Some(v) => match v.parse::<u64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(ConfigError {
                var,
                problem: format!("must be a whole number from {min} to {max}, got {v:?}"),
            }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_need_no_environment() {
        let c = config(&[]).expect("defaults");
        assert_eq!(c.bind.to_string(), "127.0.0.1:3000");
        assert_eq!(c.session_idle, Duration::from_secs(15 * 60));
        assert_eq!(c.session_absolute, Duration::from_secs(12 * 3600));
        assert!(c.database_url.is_none());
        assert!(!c.https());
    }

    #[test]
    fn a_bad_bind_address_names_the_variable() {
        let e = config(&[("RAPPORT_BIND", "localhost")]).expect_err("bad bind");
        assert_eq!(e.var, "RAPPORT_BIND");
    }

    #[test]
    fn a_non_postgres_database_url_is_refused() {
        let e = config(&[("DATABASE_URL", "mysql://x@y/z")]).expect_err("bad url");
        assert_eq!(e.var, "DATABASE_URL");
    }

    #[test]
    fn session_timeouts_must_be_in_range() {
        assert!(config(&[("RAPPORT_SESSION_IDLE_MINUTES", "0")]).is_err());
        assert!(config(&[("RAPPORT_SESSION_IDLE_MINUTES", "abc")]).is_err());
        let c = config(&[("RAPPORT_SESSION_IDLE_MINUTES", "30")]).expect("30 minutes");
        assert_eq!(c.session_idle, Duration::from_secs(1800));
    }

    #[test]
    fn https_public_url_turns_on_secure_cookies() {
        let c = config(&[("RAPPORT_PUBLIC_URL", "https://crm.example.org/")]).expect("https");
        assert!(c.https());
        assert_eq!(c.public_url.as_deref(), Some("https://crm.example.org"));
        assert!(config(&[("RAPPORT_PUBLIC_URL", "crm.example.org")]).is_err());
    }
}
