//! A throwaway three-node Garage cluster on 127.0.0.1 (replication factor 3), whose nodes the
//! tests stop and start again. Every node has its own ports, metadata and data directories
//! under one temporary directory; each runs under the watchdog of `partsweep::demo::garage`,
//! so none outlives the test binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use partsweep::demo::garage::{DbEngine, REGION, free_port, node_config, watched};
use partsweep::s3::{ConnectOptions, S3};

/// How long a node may take to come up, or the cluster to be whole again.
const READY_WITHIN: Duration = Duration::from_secs(60);
/// One `garage` admin command (they answer in well under a second).
const ADMIN_TIMEOUT: Duration = Duration::from_secs(20);

const ACCESS_KEY: &str = "GK0c1a55e7c1a55e7c1a55e7c1";
const SECRET_KEY: &str = "5ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7";

struct Node {
    dir: PathBuf,
    config: PathBuf,
    endpoint: String,
    rpc_addr: String,
    /// `<full node id>@127.0.0.1:<rpc port>`, once known.
    id: String,
    /// The watchdog shell; `None` while the node is stopped.
    watchdog: Option<Child>,
    /// Starts so far: each run keeps its pid file in a directory of its own, which the
    /// watchdog removes when garage exits.
    runs: u32,
}

pub struct Cluster {
    binary: PathBuf,
    nodes: Vec<Node>,
    dir: tempfile::TempDir,
}

impl Cluster {
    /// Starts three nodes, connects them, gives each a zone in one layout, imports a key
    /// allowed to create buckets, and waits until every node reports the cluster healthy.
    pub fn start() -> Cluster {
        let binary = partsweep::demo::garage::find_binary(None)
            .expect("garage is needed for these tests: run scripts/test.sh, which installs it");
        let dir = tempfile::Builder::new()
            .prefix("partsweep-cluster-")
            .tempdir()
            .expect("cluster temp dir");
        // A secret of its own, so that no node ever joins another test's cluster.
        let secret: String = rand::random::<[u8; 32]>()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        let mut cluster = Cluster {
            binary,
            nodes: Vec::new(),
            dir,
        };
        for n in 0..3 {
            let node_dir = cluster.dir.path().join(format!("node{n}"));
            std::fs::create_dir_all(&node_dir).expect("node dir");
            let s3_port = free_port().expect("free port");
            let rpc_port = free_port().expect("free port");
            let config = node_config(&node_dir, DbEngine::Sqlite, 3, rpc_port, s3_port, &secret);
            let config_path = node_dir.join("garage.toml");
            std::fs::write(&config_path, config).expect("write node config");
            cluster.nodes.push(Node {
                dir: node_dir,
                config: config_path,
                endpoint: format!("http://127.0.0.1:{s3_port}"),
                rpc_addr: format!("127.0.0.1:{rpc_port}"),
                id: String::new(),
                watchdog: None,
                runs: 0,
            });
        }
        for n in 0..3 {
            cluster.spawn(n);
        }
        for n in 0..3 {
            let id = cluster.wait_for_rpc(n);
            cluster.nodes[n].id = id;
        }
        for n in 1..3 {
            let id = cluster.nodes[n].id.clone();
            cluster
                .admin(0, &["node", "connect", &id])
                .expect("connect the nodes");
        }
        for n in 0..3 {
            let short = cluster.nodes[n].id[..16].to_owned();
            let zone = format!("dc{n}");
            cluster
                .admin(0, &["layout", "assign", "-z", &zone, "-c", "1G", &short])
                .expect("assign a role");
        }
        cluster
            .admin(0, &["layout", "apply", "--version", "1"])
            .expect("apply the layout");
        cluster
            .admin(0, &["key", "import", "--yes", ACCESS_KEY, SECRET_KEY])
            .expect("import the key");
        cluster
            .admin(0, &["key", "allow", "--create-bucket", ACCESS_KEY])
            .expect("allow the key to create buckets");
        cluster.wait_healthy();
        cluster
    }

    /// How partsweep reaches node `n`'s S3 API.
    pub fn options(&self, n: usize) -> ConnectOptions {
        ConnectOptions {
            profile: None,
            region: Some(REGION.to_owned()),
            endpoint_url: Some(self.nodes[n].endpoint.clone()),
            path_style: true,
            static_keys: Some((ACCESS_KEY.to_owned(), SECRET_KEY.to_owned())),
        }
    }

    pub async fn client(&self, n: usize) -> S3 {
        S3::connect(&self.options(n)).await
    }

    /// Kills node `n` at once (SIGKILL), as a crash or a pulled plug would.
    pub fn kill(&mut self, n: usize) {
        let killed = self.kill_now(n);
        assert!(killed, "node {n}'s garage could not be killed by its pid");
    }

    /// SIGKILLs node `n`'s garage and reaps its watchdog; whether garage was found and killed.
    fn kill_now(&mut self, n: usize) -> bool {
        let node = &mut self.nodes[n];
        let Some(mut watchdog) = node.watchdog.take() else {
            return false;
        };
        let pid_file = node
            .dir
            .join(format!("run{}", node.runs))
            .join("garage.pid");
        let killed = std::fs::read_to_string(&pid_file).is_ok_and(|pid| {
            Command::new("kill")
                .args(["-KILL", pid.trim()])
                .status()
                .is_ok_and(|status| status.success())
        });
        // The watchdog's `wait` returns as garage dies; it then removes the run directory.
        // (Had the kill failed, closing its stdin makes it stop garage itself.)
        drop(watchdog.stdin.take());
        let _ = watchdog.wait();
        killed
    }

    /// Starts node `n` again with its configuration and data, and waits until every node
    /// sees the whole cluster healthy again.
    pub fn restart(&mut self, n: usize) {
        self.spawn(n);
        self.wait_for_rpc(n);
        self.wait_healthy();
    }

    fn spawn(&mut self, n: usize) {
        let binary = self.binary.clone();
        let node = &mut self.nodes[n];
        assert!(node.watchdog.is_none(), "node {n} is already running");
        node.runs += 1;
        let run_dir = node.dir.join(format!("run{}", node.runs));
        std::fs::create_dir_all(&run_dir).expect("run dir");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(node.dir.join("garage.log"))
            .expect("node log");
        let child = watched(&binary, &run_dir.join("garage.pid"))
            .arg("-c")
            .arg(&node.config)
            .arg("server")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(log.try_clone().expect("node log"))
            .stderr(log)
            .spawn()
            .expect("start garage");
        node.watchdog = Some(child);
    }

    /// Waits until node `n` answers on its RPC port; returns its `id@address`.
    fn wait_for_rpc(&self, n: usize) -> String {
        let started = Instant::now();
        loop {
            match self.admin(n, &["node", "id", "-q"]) {
                Ok(id) if id.trim().contains('@') => return id.trim().to_owned(),
                answer if started.elapsed() > READY_WITHIN => panic!(
                    "node {n} did not answer within {READY_WITHIN:?}: {answer:?}\n{}",
                    self.log_tail(n)
                ),
                _ => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }

    /// Waits until each node reports all three nodes up and every partition fully
    /// replicated, reconnecting the nodes meanwhile (a node that was down is otherwise only
    /// retried after a while).
    fn wait_healthy(&self) {
        let started = Instant::now();
        loop {
            let statuses: Vec<String> = (0..self.nodes.len())
                .map(|n| self.health(n).unwrap_or_else(|err| err))
                .collect();
            if statuses.iter().all(|status| status == "healthy") {
                return;
            }
            if started.elapsed() > READY_WITHIN {
                panic!("the cluster was not healthy within {READY_WITHIN:?}: {statuses:?}");
            }
            for from in 0..self.nodes.len() {
                for to in 0..self.nodes.len() {
                    if from != to {
                        let _ = self.admin(from, &["node", "connect", &self.nodes[to].id]);
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    /// Node `n`'s view of the cluster: `healthy`, `degraded` or `unavailable`.
    fn health(&self, n: usize) -> Result<String, String> {
        let answer = self.admin(n, &["json-api", "GetClusterHealth"])?;
        let health: serde_json::Value =
            serde_json::from_str(&answer).map_err(|err| format!("{err}: {answer}"))?;
        health["status"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| answer.clone())
    }

    /// Runs `garage -c <node n's config> ARGS`, with a timeout; its stdout, or why not.
    fn admin(&self, n: usize, args: &[&str]) -> Result<String, String> {
        let mut child = Command::new(&self.binary)
            .arg("-c")
            .arg(&self.nodes[n].config)
            .args(args)
            .env("RUST_LOG", "error")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|err| err.to_string())?;
        let stdout = super::common::read_all(child.stdout.take());
        let stderr = super::common::read_all(child.stderr.take());
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().map_err(|err| err.to_string())? {
                break status;
            }
            if started.elapsed() > ADMIN_TIMEOUT {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "garage {args:?} still running after {ADMIN_TIMEOUT:?}"
                ));
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let stdout = String::from_utf8_lossy(&stdout.join().unwrap_or_default()).into_owned();
        let stderr = String::from_utf8_lossy(&stderr.join().unwrap_or_default()).into_owned();
        if status.success() {
            Ok(stdout)
        } else {
            Err(format!("garage {args:?}: {status}: {stderr}{stdout}"))
        }
    }

    fn log_tail(&self, n: usize) -> String {
        let text =
            std::fs::read_to_string(self.nodes[n].dir.join("garage.log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// Starts a full sync of the metadata tables on every node (`garage repair tables`),
    /// which brings a node that was down up to date at once instead of at the next
    /// anti-entropy round.
    pub fn repair_tables(&self) {
        self.admin(0, &["repair", "--all-nodes", "--yes", "tables"])
            .expect("start a table sync");
    }

    pub fn rpc_addr(&self, n: usize) -> &str {
        &self.nodes[n].rpc_addr
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // The data is thrown away: kill every node at once rather than wait for each to
        // shut down in turn.
        for n in 0..self.nodes.len() {
            self.kill_now(n);
        }
    }
}

/// Where the test's journal is kept and how many lines it has so far.
pub fn journal_lines(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}
