//! Starts a throwaway single-node Garage server on 127.0.0.1, for the demo and the tests.
//! The server lives in a temporary directory and is killed (by pid) when dropped.

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rand::Rng;

use crate::s3::{ConnectOptions, S3};

pub const GARAGE_VERSION: &str = "2.5.0";
pub const REGION: &str = "garage";

#[derive(Debug, thiserror::Error)]
pub enum GarageError {
    #[error(
        "no garage binary found (looked at --garage, $PARTSWEEP_GARAGE, PATH and ~/.cargo/bin); install it with: cargo install garage --version {GARAGE_VERSION} --locked"
    )]
    NotFound,
    #[error("could not start garage: {0}")]
    Io(#[from] std::io::Error),
    #[error("garage did not become ready within {seconds}s; its log ends with:\n{log}")]
    NotReady { seconds: u64, log: String },
}

const WATCHDOG: &str = r#"pid_file=$1; shift
"$@" </dev/null & pid=$!
echo "$pid" > "$pid_file"
stop() { kill "$pid" 2>/dev/null; wait "$pid"; rm -rf "$(dirname "$pid_file")"; exit 0; }
trap stop HUP INT TERM
read -r _ignored
stop
"#;

pub struct GarageServer {
    child: Child,
    dir: tempfile::TempDir,
    pub endpoint: String,
    pub access_key: String,
    pub secret_key: String,
}

/// The garage binary: an explicit path, `$PARTSWEEP_GARAGE`, `PATH`, then `~/.cargo/bin`.
pub fn find_binary(explicit: Option<&Path>) -> Result<PathBuf, GarageError> {
    if let Some(path) = explicit {
        return if path.is_file() {
            Ok(path.to_owned())
        } else {
            Err(GarageError::NotFound)
        };
    }
    if let Some(path) = std::env::var_os("PARTSWEEP_GARAGE").map(PathBuf::from)
        && path.is_file()
    {
        return Ok(path);
    }
    let mut candidates: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|paths| {
            std::env::split_paths(&paths)
                .map(|d| d.join("garage"))
                .collect()
        })
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("HOME") {
        candidates.push(Path::new(&home).join(".cargo/bin/garage"));
    }
    candidates
        .into_iter()
        .find(|p| p.is_file())
        .ok_or(GarageError::NotFound)
}

/// A port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn random_hex(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from_digit(rng.random_range(0..16), 16).unwrap_or('0'))
        .collect()
}

/// Garage's metadata store. The demo and the tests use SQLite; LMDB (Garage's own default)
/// spends less CPU per listing page, for benches where the server's work should not hide
/// the client's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DbEngine {
    #[default]
    Sqlite,
    Lmdb,
}

impl DbEngine {
    pub fn name(self) -> &'static str {
        match self {
            DbEngine::Sqlite => "sqlite",
            DbEngine::Lmdb => "lmdb",
        }
    }
}

/// One node's garage.toml: its metadata and data under `dir`, on 127.0.0.1.
pub fn node_config(
    dir: &Path,
    db_engine: DbEngine,
    replication_factor: u8,
    rpc_port: u16,
    s3_port: u16,
    rpc_secret: &str,
) -> String {
    format!(
        r#"metadata_dir = "{meta}"
data_dir = "{data}"
db_engine = "{engine}"
replication_factor = {replication_factor}
rpc_bind_addr = "127.0.0.1:{rpc_port}"
rpc_public_addr = "127.0.0.1:{rpc_port}"
rpc_secret = "{rpc_secret}"

[s3_api]
s3_region = "{REGION}"
api_bind_addr = "127.0.0.1:{s3_port}"
root_domain = ".s3.garage.localhost"
"#,
        engine = db_engine.name(),
        meta = dir.join("meta").display(),
        data = dir.join("data").display(),
    )
}

/// A command that runs `binary` under a watchdog shell, which writes garage's pid to
/// `pid_file` and waits on its stdin: when the caller drops that pipe, or dies however it
/// dies, the shell kills garage by its pid and removes `pid_file`'s directory. Spawn it with
/// `stdin(Stdio::piped())` and add garage's own arguments.
pub fn watched(binary: &Path, pid_file: &Path) -> Command {
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(WATCHDOG)
        .arg("garage")
        .arg(pid_file)
        .arg(binary);
    command
}

impl GarageServer {
    /// Starts the server (on SQLite) and waits until its S3 API answers with the default key.
    pub async fn start(binary: &Path) -> Result<Self, GarageError> {
        Self::start_on(binary, DbEngine::Sqlite).await
    }

    /// [`start`](Self::start) with the metadata in `db_engine`.
    pub async fn start_on(binary: &Path, db_engine: DbEngine) -> Result<Self, GarageError> {
        let dir = tempfile::Builder::new()
            .prefix("partsweep-garage-")
            .tempdir()?;
        let s3_port = free_port()?;
        let rpc_port = free_port()?;
        let root = dir.path();
        let config = node_config(root, db_engine, 1, rpc_port, s3_port, &random_hex(64));
        let config_path = root.join("garage.toml");
        std::fs::write(&config_path, config)?;
        let log_path = root.join("garage.log");
        let log = std::fs::File::create(&log_path)?;
        let access_key = format!("GK{}", random_hex(24));
        let secret_key = random_hex(64);
        let pid_file = root.join("garage.pid");
        // The watchdog shell starts garage, then waits on our pipe: when we drop it, or
        // this process dies however it dies, the shell kills garage by its pid.
        let child = watched(binary, &pid_file)
            .arg("-c")
            .arg(&config_path)
            .args(["server", "--single-node", "--default-access-key"])
            .env("GARAGE_DEFAULT_ACCESS_KEY", &access_key)
            .env("GARAGE_DEFAULT_SECRET_KEY", &secret_key)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()?;
        let mut server = GarageServer {
            child,
            dir,
            endpoint: format!("http://127.0.0.1:{s3_port}"),
            access_key,
            secret_key,
        };
        server.wait_ready(Duration::from_secs(60)).await?;
        Ok(server)
    }

    async fn wait_ready(&mut self, limit: Duration) -> Result<(), GarageError> {
        let s3 = S3::connect(&self.connect_options()).await;
        let started = Instant::now();
        loop {
            if s3.list_buckets().await.is_ok() {
                return Ok(());
            }
            let exited = matches!(self.child.try_wait(), Ok(Some(_)))
                || self
                    .pid()
                    .is_some_and(|pid| !Path::new(&format!("/proc/{pid}")).exists());
            if exited || started.elapsed() > limit {
                return Err(GarageError::NotReady {
                    seconds: started.elapsed().as_secs(),
                    log: self.log_tail(),
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn log_tail(&self) -> String {
        let mut text = String::new();
        if let Ok(mut file) = std::fs::File::open(self.dir.path().join("garage.log")) {
            let _ = file.read_to_string(&mut text);
        }
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// The server's own temporary directory (config, data, log), removed when it stops.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The garage process's pid (not the watchdog's).
    pub fn pid(&self) -> Option<u32> {
        std::fs::read_to_string(self.dir.path().join("garage.pid"))
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    /// How partsweep reaches this server: its endpoint, region and default key, path-style.
    pub fn connect_options(&self) -> ConnectOptions {
        ConnectOptions {
            profile: None,
            region: Some(REGION.to_owned()),
            endpoint_url: Some(self.endpoint.clone()),
            path_style: true,
            static_keys: Some((self.access_key.clone(), self.secret_key.clone())),
        }
    }

    pub async fn client(&self) -> S3 {
        S3::connect(&self.connect_options()).await
    }

    /// Kills the server now (tests use this to see how clients cope with a dead server).
    pub fn kill(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

impl Drop for GarageServer {
    fn drop(&mut self) {
        self.kill();
    }
}

#[cfg(test)]
mod tests {
    use std::process::Stdio;
    use std::time::{Duration, Instant};

    use super::*;

    fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !done() {
            assert!(Instant::now() < deadline, "{what}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// A terminal closed under `partsweep demo` hangs up its process group: Garage itself
    /// ignores SIGHUP, so the watchdog must stop it, and remove its directory.
    #[test]
    fn a_hung_up_watchdog_stops_the_server_and_removes_its_directory() {
        let dir = tempfile::tempdir().expect("temp dir");
        let run = dir.path().join("run");
        std::fs::create_dir(&run).expect("run dir");
        let pid_file = run.join("pid");
        let mut watchdog = watched(Path::new("/bin/sleep"), &pid_file)
            .arg("300")
            .stdin(Stdio::piped())
            .spawn()
            .expect("watchdog starts");
        let mut server = None;
        wait_until("the watchdog writes the server's pid", || {
            server = std::fs::read_to_string(&pid_file)
                .ok()
                .and_then(|text| text.trim().parse::<u32>().ok());
            server.is_some()
        });
        let status = Command::new("kill")
            .args(["-HUP", &watchdog.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        watchdog.wait().expect("the watchdog ends");
        let server = Path::new("/proc").join(server.unwrap_or_default().to_string());
        wait_until("the server ends with its watchdog", || !server.exists());
        assert!(!run.exists(), "the server's directory is removed");
    }
}
