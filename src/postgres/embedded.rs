//! The embedded default: a private PostgreSQL cluster started from the machine's own
//! PostgreSQL binaries, in a data folder of ours, listening only on a Unix socket inside it.
//!
//! Why our own module: the crates that do this either download binaries (no network here)
//! or refuse to run as root. This one finds `initdb`/`pg_ctl`, runs `initdb` once, starts the
//! server with `pg_ctl -w`, adopts a server that an earlier run left behind, clears a stale
//! pid file, and stops the server on request. PostgreSQL refuses to run as root, so when we
//! are root the cluster's processes run as the unprivileged `postgres` system user.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sqlx::postgres::PgConnectOptions;

/// The superuser name `initdb` creates in the private cluster.
pub const SUPERUSER: &str = "postgres";

/// What can go wrong while starting the private cluster; each message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    #[error(
        "no PostgreSQL server binaries found (looked for pg_ctl and initdb on PATH and under \
         /usr/lib/postgresql/*/bin). Install them, e.g. `sudo apt-get install postgresql` \
         (Debian/Ubuntu), `sudo dnf install postgresql-server` (Fedora/RHEL) or \
         `brew install postgresql@16` (macOS), or point Rapport at a server you run with \
         DATABASE_URL=postgres://user:password@host:5432/rapport"
    )]
    BinariesNotFound,
    #[error(
        "running as root, and PostgreSQL refuses to run as root; no unprivileged `postgres` \
         system user exists to run it as. Run Rapport as a normal user, create that user, or set DATABASE_URL"
    )]
    NoUnprivilegedUser,
    #[error(
        "the data folder {0} is not reachable by the `postgres` system user that runs the private \
         cluster (a parent folder is not world-searchable). Set RAPPORT_DATA_DIR to a folder it can reach, e.g. /var/tmp/rapport"
    )]
    NotReachable(PathBuf),
    #[error(
        "the socket path {0} is too long for a Unix socket (limit 107 bytes); set RAPPORT_DATA_DIR to a shorter path"
    )]
    SocketPathTooLong(PathBuf),
    #[error("{what} failed: {detail}")]
    Command { what: String, detail: String },
    #[error("file system error on {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> EmbeddedError + '_ {
    move |source| EmbeddedError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Knobs for the private cluster.
#[derive(Debug, Clone, Default)]
pub struct EmbeddedOptions {
    /// Trade durability for speed (fsync off): only for throwaway test clusters.
    pub unsafe_fast: bool,
}

/// A running private cluster. Dropping it does not stop the server: call [`Self::stop`].
#[derive(Debug)]
pub struct EmbeddedPostgres {
    bin_dir: PathBuf,
    pgdata: PathBuf,
    socket_dir: PathBuf,
    run_as: Option<SystemUser>,
    /// True when the server was already running (left by an earlier run) and we adopted it.
    pub adopted: bool,
}

#[derive(Debug, Clone)]
struct SystemUser {
    name: String,
    uid: u32,
    gid: u32,
}

impl EmbeddedPostgres {
    /// Finds the binaries, creates the cluster on first use and starts it (or adopts a
    /// server that is already running on this data folder).
    pub fn start(data_dir: &Path, options: &EmbeddedOptions) -> Result<Self, EmbeddedError> {
        let bin_dir = find_bin_dir().ok_or(EmbeddedError::BinariesNotFound)?;
        fs::create_dir_all(data_dir).map_err(io_err(data_dir))?;
        let data_dir = data_dir.canonicalize().map_err(io_err(data_dir))?;
        let run_as = if running_as_root() {
            let user = lookup_user("postgres").ok_or(EmbeddedError::NoUnprivilegedUser)?;
            check_reachable(&data_dir)?;
            tracing::info!(
                run_as = %user.name,
                "running as root: the private PostgreSQL cluster runs as the unprivileged `{}` user",
                user.name
            );
            Some(user)
        } else {
            None
        };
        let pgdata = data_dir.join("pgdata");
        let socket_dir = data_dir.join("run");
        let socket_file = socket_dir.join(".s.PGSQL.5432");
        if socket_file.as_os_str().len() > 107 {
            return Err(EmbeddedError::SocketPathTooLong(socket_file));
        }
        let cluster = Self {
            bin_dir,
            pgdata,
            socket_dir,
            run_as,
            adopted: false,
        };
        cluster.prepare_dir(&data_dir, 0o755)?;
        cluster.prepare_dir(&cluster.socket_dir, 0o700)?;
        if !cluster.pgdata.join("PG_VERSION").exists() {
            cluster.initdb()?;
        }
        cluster.start_server(&data_dir, options)
    }

    fn prepare_dir(&self, dir: &Path, mode: u32) -> Result<(), EmbeddedError> {
        fs::create_dir_all(dir).map_err(io_err(dir))?;
        fs::set_permissions(dir, fs::Permissions::from_mode(mode)).map_err(io_err(dir))?;
        if let Some(user) = &self.run_as {
            std::os::unix::fs::chown(dir, Some(user.uid), Some(user.gid)).map_err(io_err(dir))?;
        }
        Ok(())
    }

    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(self.bin_dir.join(program));
        command.env_remove("PGDATA").env("LC_ALL", "C");
        if let Some(user) = &self.run_as {
            command
                .uid(user.uid)
                .gid(user.gid)
                .current_dir(&self.socket_dir)
                .env("HOME", &self.socket_dir)
                .env("USER", &user.name);
        }
        command
    }

    fn initdb(&self) -> Result<(), EmbeddedError> {
        tracing::info!(pgdata = %self.pgdata.display(), "creating the private PostgreSQL cluster (first run)");
        let output = self
            .command("initdb")
            .arg("-D")
            .arg(&self.pgdata)
            .args(["-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--locale=C"])
            .output()
            .map_err(|e| EmbeddedError::Command {
                what: "initdb".into(),
                detail: e.to_string(),
            })?;
        check(output, "initdb")?;
        // Only a Unix socket inside the data folder: no TCP port to collide with.
        let conf = self.pgdata.join("postgresql.conf");
        let mut text = fs::read_to_string(&conf).map_err(io_err(&conf))?;
        text.push_str(&format!(
            "\n# rapport embedded default\nlisten_addresses = ''\nunix_socket_directories = '{}'\nmax_connections = 200\n",
            self.socket_dir.display()
        ));
        fs::write(&conf, text).map_err(io_err(&conf))?;
        Ok(())
    }

    /// Whether the postmaster named in `pid_file` is really running: on Linux, its
    /// `/proc` entry must exist, not be a zombie, and be a postgres process; elsewhere,
    /// `pg_ctl status` decides.
    fn server_alive(&self, pid_file: &Path) -> bool {
        let pid = fs::read_to_string(pid_file).ok().and_then(|text| {
            text.lines()
                .next()
                .and_then(|l| l.trim().parse::<u32>().ok())
        });
        let Some(pid) = pid else {
            return false;
        };
        if Path::new("/proc/self").exists() {
            let proc_dir = PathBuf::from(format!("/proc/{pid}"));
            let Ok(stat) = fs::read_to_string(proc_dir.join("stat")) else {
                return false;
            };
            // The state letter follows the parenthesised command name.
            let state = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.trim_start().chars().next());
            if matches!(state, None | Some('Z' | 'X')) {
                return false;
            }
            let cmdline = fs::read(proc_dir.join("cmdline")).unwrap_or_default();
            return String::from_utf8_lossy(&cmdline).contains("postgres");
        }
        self.command("pg_ctl")
            .arg("status")
            .arg("-D")
            .arg(&self.pgdata)
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    }

    fn start_server(
        mut self,
        data_dir: &Path,
        options: &EmbeddedOptions,
    ) -> Result<Self, EmbeddedError> {
        let pid_file = self.pgdata.join("postmaster.pid");
        if pid_file.exists() {
            if self.server_alive(&pid_file) {
                tracing::info!(
                    "adopting the private PostgreSQL server an earlier run left running"
                );
                self.adopted = true;
                return Ok(self);
            }
            // The server that wrote these is gone (killed, or a zombie nobody reaped):
            // PostgreSQL would refuse to start while they name a pid that still exists.
            tracing::warn!(
                "removing a stale postmaster.pid from an earlier run that did not stop cleanly"
            );
            fs::remove_file(&pid_file).map_err(io_err(&pid_file))?;
            let socket_lock = self.socket_dir.join(".s.PGSQL.5432.lock");
            if socket_lock.exists() {
                fs::remove_file(&socket_lock).map_err(io_err(&socket_lock))?;
            }
        }
        let log = data_dir.join("postgres.log");
        if !log.exists() {
            fs::write(&log, b"").map_err(io_err(&log))?;
        }
        if let Some(user) = &self.run_as {
            std::os::unix::fs::chown(&log, Some(user.uid), Some(user.gid)).map_err(io_err(&log))?;
        }
        let mut server_opts = format!("-k {}", self.socket_dir.display());
        if options.unsafe_fast {
            server_opts.push_str(" -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        }
        let output = self
            .command("pg_ctl")
            .arg("start")
            .arg("-D")
            .arg(&self.pgdata)
            .arg("-l")
            .arg(&log)
            .args(["-w", "-t", "60", "-o", &server_opts])
            .output()
            .map_err(|e| EmbeddedError::Command {
                what: "pg_ctl start".into(),
                detail: e.to_string(),
            })?;
        if let Err(e) = check(output, "pg_ctl start") {
            let tail = fs::read_to_string(&log).unwrap_or_default();
            let tail: Vec<&str> = tail.lines().rev().take(8).collect();
            tracing::error!(log = %log.display(), "PostgreSQL did not start; last log lines:\n{}", tail.into_iter().rev().collect::<Vec<_>>().join("\n"));
            return Err(e);
        }
        Ok(self)
    }

    /// Connection options for `database` over the private socket.
    pub fn connect_options(&self, database: &str) -> PgConnectOptions {
        PgConnectOptions::new()
            .socket(&self.socket_dir)
            .username(SUPERUSER)
            .database(database)
    }

    /// A `postgres://` URL for `database` over the private socket (for tools like psql).
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgres://{SUPERUSER}@localhost/{database}?host={}",
            self.socket_dir.display()
        )
    }

    /// Stops the server unless it was adopted (then another process may still need it).
    pub fn stop_if_started(&self) {
        if !self.adopted
            && let Err(e) = self.stop()
        {
            tracing::error!(error = %e, "could not stop the private PostgreSQL cluster");
        }
    }

    /// Stops the server (fast shutdown: open sessions are rolled back, data is safe).
    pub fn stop(&self) -> Result<(), EmbeddedError> {
        let output = self
            .command("pg_ctl")
            .arg("stop")
            .arg("-D")
            .arg(&self.pgdata)
            .args(["-m", "fast", "-w", "-t", "60"])
            .output()
            .map_err(|e| EmbeddedError::Command {
                what: "pg_ctl stop".into(),
                detail: e.to_string(),
            })?;
        check(output, "pg_ctl stop")
    }
}

fn check(output: Output, what: &str) -> Result<(), EmbeddedError> {
    if output.status.success() {
        return Ok(());
    }
    let mut detail = String::from_utf8_lossy(&output.stderr).trim().to_string();
    if detail.is_empty() {
        detail = String::from_utf8_lossy(&output.stdout).trim().to_string();
    }
    Err(EmbeddedError::Command {
        what: what.to_string(),
        detail,
    })
}

/// The folder holding `pg_ctl`, `initdb` and `postgres`, preferring PATH, then the newest
/// version under the Debian/Ubuntu and RHEL layouts.
fn find_bin_dir() -> Option<PathBuf> {
    let has_all = |dir: &Path| {
        ["pg_ctl", "initdb", "postgres"]
            .iter()
            .all(|b| dir.join(b).is_file())
    };
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join("pg_ctl");
            if candidate.is_file() {
                // Debian links /usr/bin/pg_ctl to a wrapper; follow links to the real folder.
                let real = candidate
                    .canonicalize()
                    .ok()
                    .and_then(|p| p.parent().map(Path::to_path_buf));
                if let Some(real) = real.filter(|r| has_all(r)) {
                    return Some(real);
                }
                if has_all(&dir) {
                    return Some(dir);
                }
            }
        }
    }
    let mut versioned: Vec<(u32, PathBuf)> = Vec::new();
    for (root, prefix) in [("/usr/lib/postgresql", ""), ("/usr", "pgsql-")] {
        let Ok(entries) = fs::read_dir(root) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            let Some(version) = name
                .strip_prefix(prefix)
                .and_then(|v| v.parse::<u32>().ok())
            else {
                continue;
            };
            let bin = entry.path().join("bin");
            if has_all(&bin) {
                versioned.push((version, bin));
            }
        }
    }
    versioned.sort();
    versioned.pop().map(|(_, bin)| bin)
}

fn running_as_root() -> bool {
    fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

fn lookup_user(name: &str) -> Option<SystemUser> {
    let passwd = fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        if fields.len() < 4 || fields[0] != name {
            return None;
        }
        Some(SystemUser {
            name: name.to_string(),
            uid: fields[2].parse().ok()?,
            gid: fields[3].parse().ok()?,
        })
    })
}

/// Every parent of `dir` must let others search it, or `postgres` cannot reach the cluster.
fn check_reachable(dir: &Path) -> Result<(), EmbeddedError> {
    for ancestor in dir.ancestors().skip(1) {
        let meta = fs::metadata(ancestor).map_err(io_err(ancestor))?;
        if meta.mode() & 0o001 == 0 {
            return Err(EmbeddedError::NotReachable(dir.to_path_buf()));
        }
    }
    Ok(())
}
