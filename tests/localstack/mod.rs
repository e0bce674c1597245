//! One LocalStack S3 per test binary: the AWS-faithful server with object versioning that
//! Garage lacks. `scripts/test.sh` installs it (a Python venv under
//! `~/.cache/partsweep/localstack`, or `$PARTSWEEP_LOCALSTACK`); this starts it on a free
//! 127.0.0.1 port with its files in a temporary directory. A watchdog shell kills it by pid
//! when the test binary ends, however it ends.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use partsweep::s3::{ConnectOptions, S3};

pub const REGION: &str = "us-east-1";

const WATCHDOG: &str = r#"pid_file=$1; shift
"$@" </dev/null & pid=$!
echo "$pid" > "$pid_file"
read -r _ignored
kill "$pid" 2>/dev/null
wait "$pid"
"#;

pub struct LocalStack {
    child: Child,
    dir: tempfile::TempDir,
    pub endpoint: String,
}

/// The venv holding LocalStack: `$PARTSWEEP_LOCALSTACK`, else the cache dir scripts/lib.sh uses.
fn venv() -> PathBuf {
    if let Some(dir) = std::env::var_os("PARTSWEEP_LOCALSTACK") {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    home.join(".cache/partsweep/localstack")
}

impl LocalStack {
    pub async fn start() -> Result<Self, String> {
        let python = venv().join("bin/python");
        if !python.is_file() {
            return Err(format!(
                "LocalStack is needed for these tests and {} is missing: run scripts/test.sh, which installs it",
                python.display()
            ));
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port: {e}"))?
            .port();
        let dir = tempfile::Builder::new()
            .prefix("partsweep-localstack-")
            .tempdir()
            .map_err(|e| e.to_string())?;
        let log =
            std::fs::File::create(dir.path().join("localstack.log")).map_err(|e| e.to_string())?;
        let address = format!("127.0.0.1:{port}");
        let child = Command::new("sh")
            .arg("-c")
            .arg(WATCHDOG)
            .arg("localstack")
            .arg(dir.path().join("localstack.pid"))
            .arg(&python)
            .args(["-m", "localstack.runtime.main"])
            .env("GATEWAY_LISTEN", &address)
            .env("LOCALSTACK_HOST", &address)
            .env("SERVICES", "s3")
            .env("PERSISTENCE", "0")
            .env("SKIP_SSL_CERT_DOWNLOAD", "1")
            .env("DNS_ADDRESS", "0")
            .env("DISABLE_EVENTS", "1")
            // Host mode keeps its files under our temporary directory, not /var/lib/localstack.
            .env("OVERRIDE_IN_DOCKER", "0")
            .env("FILESYSTEM_ROOT", dir.path().join("fs"))
            .stdin(Stdio::piped())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start LocalStack: {e}"))?;
        let mut server = LocalStack {
            child,
            dir,
            endpoint: format!("http://{address}"),
        };
        server.wait_ready(Duration::from_secs(120)).await?;
        Ok(server)
    }

    async fn wait_ready(&mut self, limit: Duration) -> Result<(), String> {
        let s3 = S3::connect(&self.options()).await;
        let started = Instant::now();
        loop {
            if s3.list_buckets().await.is_ok() {
                return Ok(());
            }
            if matches!(self.child.try_wait(), Ok(Some(_))) || started.elapsed() > limit {
                let log = std::fs::read_to_string(self.dir.path().join("localstack.log"))
                    .unwrap_or_default();
                let tail: Vec<&str> = log.lines().rev().take(30).collect();
                return Err(format!(
                    "LocalStack did not answer within {}s; its log ends with:\n{}",
                    started.elapsed().as_secs(),
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                ));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// LocalStack accepts any key; `test`/`test` is its convention.
    pub fn options(&self) -> ConnectOptions {
        ConnectOptions {
            profile: None,
            region: Some(REGION.to_owned()),
            endpoint_url: Some(self.endpoint.clone()),
            path_style: true,
            static_keys: Some(("test".into(), "test".into())),
        }
    }
}

impl Drop for LocalStack {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

/// The test binary's LocalStack, started on first use.
pub fn options() -> ConnectOptions {
    static SERVER: OnceLock<(ConnectOptions, LocalStack)> = OnceLock::new();
    SERVER
        .get_or_init(|| {
            std::thread::spawn(|| {
                let runtime =
                    tokio::runtime::Runtime::new().expect("runtime for LocalStack start-up");
                runtime.block_on(async {
                    let server = LocalStack::start()
                        .await
                        .unwrap_or_else(|problem| panic!("{problem}"));
                    (server.options(), server)
                })
            })
            .join()
            .expect("LocalStack start-up thread")
        })
        .0
        .clone()
}

pub async fn client() -> S3 {
    S3::connect(&options()).await
}
