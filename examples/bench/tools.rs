//! The tools measured: how each is seeded, run, timed and checked.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use std::sync::Arc;

use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use futures::{StreamExt, TryStreamExt, stream};
use partsweep::demo::garage::{GarageServer, REGION};
use partsweep::ops::list::{ListingCounts, uploads_counted};
use partsweep::s3::{ConnectOptions, S3, UploadRef};

use crate::proxy::Proxy;
use crate::report::{Listing, Measured, read_worker};
use crate::{Error, Options, Scenario};

/// s3cmd's listing loops forever past 1,000 uploads, so it never gets more than that.
const S3CMD_MAX: usize = 1_000;
const SEED_IN_FLIGHT: usize = 64;
const OBJECTS_PER_BUCKET: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// The console with this `--concurrency` bound; `quiet`: its background sizing held to one
    /// ListParts call at a time (pane and scan each), to see what that sizing costs a clear.
    Partsweep {
        bound: usize,
        quiet: bool,
    },
    /// The bare program with this many aborts in flight; with the SDK's adaptive retry mode
    /// (client-side rate limiting) when `adaptive`, else its standard mode.
    BareSdk {
        in_flight: usize,
        adaptive: bool,
    },
    Boto3,
    Rclone,
    AwsCli,
    S3cmd,
}

impl Tool {
    pub fn parse(name: &str) -> Option<Tool> {
        Some(match name {
            "partsweep" => Tool::Partsweep {
                bound: partsweep::tasks::DEFAULT_CONCURRENCY,
                quiet: false,
            },
            "partsweep-quiet" => Tool::Partsweep {
                bound: partsweep::tasks::DEFAULT_CONCURRENCY,
                quiet: true,
            },
            "bare" | "bare-sdk" => Tool::BareSdk {
                in_flight: 64,
                adaptive: false,
            },
            "boto3" => Tool::Boto3,
            "rclone" => Tool::Rclone,
            "awscli" | "aws" => Tool::AwsCli,
            "s3cmd" => Tool::S3cmd,
            other => {
                if let Some(n) = other.strip_prefix("bare-sdk-adaptive-") {
                    Tool::BareSdk {
                        in_flight: n.parse().ok()?,
                        adaptive: true,
                    }
                } else if let Some(n) = other.strip_prefix("bare-sdk-") {
                    Tool::BareSdk {
                        in_flight: n.parse().ok()?,
                        adaptive: false,
                    }
                } else {
                    let bound = other.strip_prefix("partsweep-")?;
                    let (bound, quiet) = match bound.strip_suffix("-quiet") {
                        Some(bound) => (bound, true),
                        None => (bound, false),
                    };
                    Tool::Partsweep {
                        bound: bound.parse().ok()?,
                        quiet,
                    }
                }
            }
        })
    }

    pub fn label(self) -> String {
        match self {
            Tool::Partsweep {
                bound,
                quiet: false,
            } => {
                format!("partsweep (adaptive, at most {bound})")
            }
            Tool::Partsweep { bound, quiet: true } => {
                format!("partsweep (adaptive, at most {bound}; sizing 1 at a time)")
            }
            Tool::BareSdk {
                in_flight,
                adaptive: false,
            } => format!("bare aws-sdk-s3 ({in_flight} in flight)"),
            Tool::BareSdk {
                in_flight,
                adaptive: true,
            } => format!("bare aws-sdk-s3, adaptive retry ({in_flight} in flight)"),
            Tool::Boto3 => "boto3 (32 threads)".into(),
            Tool::Rclone => "rclone backend cleanup".into(),
            Tool::AwsCli => "aws s3api (one call per upload)".into(),
            Tool::S3cmd => "s3cmd abortmp (one call per upload)".into(),
        }
    }
}

pub const DEFAULT_TOOLS: &str = "partsweep,partsweep-32,bare-sdk,boto3,rclone,awscli,s3cmd";

/// Where the tools reach the server (Garage, or the proxy in front of it), for the
/// subprocesses; and a client straight to Garage that reads objects' ETags.
pub struct Server {
    pub endpoint: String,
    pub access_key: String,
    pub secret_key: String,
    pub scratch: tempfile::TempDir,
    direct: aws_sdk_s3::Client,
}

impl Server {
    pub fn new(endpoint: &str, garage: &GarageServer) -> Result<Server, Error> {
        let config = aws_sdk_s3::config::Builder::new()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(REGION))
            .endpoint_url(&garage.endpoint)
            .credentials_provider(Credentials::new(
                &garage.access_key,
                &garage.secret_key,
                None,
                None,
                "bench",
            ))
            .force_path_style(true)
            .build();
        let server = Server {
            endpoint: endpoint.to_owned(),
            access_key: garage.access_key.clone(),
            secret_key: garage.secret_key.clone(),
            scratch: tempfile::Builder::new()
                .prefix("partsweep-bench-")
                .tempdir()?,
            direct: aws_sdk_s3::Client::from_conf(config),
        };
        server.write_configs()?;
        Ok(server)
    }

    /// Every object of `bucket` with its ETag, size and time, as the server holds them.
    async fn objects(&self, bucket: &str) -> Result<Vec<String>, Error> {
        let page = self.direct.list_objects_v2().bucket(bucket).send().await?;
        let mut objects: Vec<String> = page
            .contents()
            .iter()
            .map(|o| {
                format!(
                    "{:?} {:?} {:?} {:?}",
                    o.key(),
                    o.e_tag(),
                    o.size(),
                    o.last_modified().map(|t| t.secs())
                )
            })
            .collect();
        objects.sort();
        Ok(objects)
    }

    fn port(&self) -> &str {
        self.endpoint.rsplit(':').next().unwrap_or("")
    }

    fn aws_config(&self) -> PathBuf {
        self.scratch.path().join("aws-config")
    }

    fn s3cmd_config(&self) -> PathBuf {
        self.scratch.path().join("s3cmd.cfg")
    }

    pub fn write_configs(&self) -> std::io::Result<()> {
        std::fs::write(
            self.aws_config(),
            format!("[default]\nregion = {REGION}\ns3 =\n    addressing_style = path\n"),
        )?;
        let port = self.port();
        std::fs::write(
            self.s3cmd_config(),
            format!(
                "[default]\naccess_key = {}\nsecret_key = {}\nhost_base = 127.0.0.1:{port}\n\
                 host_bucket = 127.0.0.1:{port}\nuse_https = False\nbucket_location = {REGION}\n\
                 signature_v2 = False\n",
                self.access_key, self.secret_key
            ),
        )
    }

    /// Only our server and keys: nothing from the caller's AWS setup leaks in.
    fn command(&self, program: &Path) -> tokio::process::Command {
        let mut command = tokio::process::Command::new(program);
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy().into_owned();
            if name.starts_with("AWS_") || name.starts_with("RCLONE_") {
                command.env_remove(name);
            }
        }
        let remote = "RCLONE_CONFIG_BENCH_";
        command
            .env("AWS_ACCESS_KEY_ID", &self.access_key)
            .env("AWS_SECRET_ACCESS_KEY", &self.secret_key)
            .env("AWS_REGION", REGION)
            .env("AWS_DEFAULT_REGION", REGION)
            .env("AWS_ENDPOINT_URL", &self.endpoint)
            .env("AWS_CONFIG_FILE", self.aws_config())
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                self.scratch.path().join("none"),
            )
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env(format!("{remote}TYPE"), "s3")
            .env(format!("{remote}PROVIDER"), "Other")
            .env(format!("{remote}ACCESS_KEY_ID"), &self.access_key)
            .env(format!("{remote}SECRET_ACCESS_KEY"), &self.secret_key)
            .env(format!("{remote}ENDPOINT"), &self.endpoint)
            .env(format!("{remote}REGION"), REGION)
            .env(format!("{remote}FORCE_PATH_STYLE"), "true")
            .env("RCLONE_CONFIG", self.scratch.path().join("rclone.conf"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .process_group(0);
        command
    }
}

pub struct Run {
    pub seconds: f64,
    pub peak_kb: u64,
    pub stdout: String,
}

/// A tool still running at its time limit, killed.
#[derive(Debug)]
pub struct TimedOut {
    program: PathBuf,
    limit: Duration,
}

impl std::fmt::Display for TimedOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} did not finish within {}s",
            self.program.display(),
            self.limit.as_secs()
        )
    }
}

impl std::error::Error for TimedOut {}

/// Runs `program args` to completion within `limit`, timing it and reading its peak memory.
async fn run_measured(
    server: &Server,
    program: &Path,
    args: &[&str],
    limit: Duration,
) -> Result<Run, Error> {
    let time_file = server.scratch.path().join("time.out");
    let _ = std::fs::remove_file(&time_file);
    let gnu_time = Path::new("/usr/bin/time");
    let mut command = if gnu_time.is_file() {
        let mut command = server.command(gnu_time);
        command
            .arg("-f")
            .arg("%M")
            .arg("-o")
            .arg(&time_file)
            .arg(program);
        command
    } else {
        server.command(program)
    };
    command.args(args);
    let started = Instant::now();
    let child = command
        .spawn()
        .map_err(|e| format!("{}: {e}", program.display()))?;
    let pid = child.id();
    let output = match tokio::time::timeout(limit, child.wait_with_output()).await {
        Ok(output) => output?,
        Err(_) => {
            if let Some(pid) = pid {
                // The whole process group we started: the timer and the tool under it.
                let _ = std::process::Command::new("kill")
                    .args(["-KILL", "--", &format!("-{pid}")])
                    .status();
            }
            return Err(TimedOut {
                program: program.to_owned(),
                limit,
            }
            .into());
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(6).collect();
        return Err(format!(
            "{} {} failed ({}): {}",
            program.display(),
            args.first().copied().unwrap_or(""),
            output.status,
            tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
        )
        .into());
    }
    let peak_kb = std::fs::read_to_string(&time_file)
        .ok()
        .and_then(|text| text.lines().last()?.trim().parse().ok())
        .unwrap_or(0);
    Ok(Run {
        seconds,
        peak_kb,
        stdout,
    })
}

/// A program by env override, or by name on PATH.
fn program(variable: &str, name: &str) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(variable).map(PathBuf::from) {
        return path.is_file().then_some(path);
    }
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

fn sibling_binary(name: &str) -> Result<PathBuf, Error> {
    let me = std::env::current_exe()?;
    let dir = me.parent().ok_or("no directory for the bench binary")?;
    let path = dir.join(name);
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!(
            "{} is not built (cargo build --release --examples)",
            path.display()
        )
        .into())
    }
}

async fn seed(s3: &S3, bucket: &str, count: usize) -> Result<(), Error> {
    s3.create_bucket(bucket).await?;
    for i in 0..OBJECTS_PER_BUCKET {
        let body = format!("keep me, object {i}").into_bytes();
        s3.put_object(bucket, &format!("kept/object-{i}"), body)
            .await?;
    }
    seed_uploads(s3, bucket, count, 100).await
}

/// `count` uploads spread over `prefixes` prefixes: `bench/NNN/NNNNNNN.bin`.
async fn seed_uploads(s3: &S3, bucket: &str, count: usize, prefixes: usize) -> Result<(), Error> {
    stream::iter(0..count)
        .map(|i| async move {
            let key = format!("bench/{:03}/{i:07}.bin", i % prefixes);
            s3.create_upload(bucket, &key).await.map(|_| ())
        })
        .buffer_unordered(SEED_IN_FLIGHT)
        .try_collect::<()>()
        .await?;
    Ok(())
}

/// Counts the uploads a tool left, then aborts them (directly): the console of a later run
/// sizes every bucket's uploads in the background, so leftovers would weigh on it.
async fn uploads_left(s3: &S3, bucket: &str) -> Result<usize, Error> {
    let pages: Vec<Vec<_>> = s3.list_uploads(bucket, None, None).try_collect().await?;
    let left = pages.concat();
    stream::iter(&left)
        .map(|upload| async move { s3.abort_upload(bucket, &UploadRef::from(upload)).await })
        .buffer_unordered(SEED_IN_FLIGHT)
        .try_collect::<Vec<_>>()
        .await?;
    Ok(left.len())
}

/// The set size a tool gets.
pub fn set_for(tool: Tool, options: &Options) -> usize {
    match tool {
        Tool::S3cmd => options.loop_uploads.min(options.uploads).min(S3CMD_MAX),
        Tool::AwsCli => options.loop_uploads.min(options.uploads),
        _ => options.uploads,
    }
}

/// Generous but finite: a stuck tool is killed, never waited on forever.
fn limit_for(count: usize, scenario: Scenario) -> Duration {
    let per_upload = match scenario {
        Scenario::Direct => Duration::from_millis(50),
        Scenario::Latency(delay) => Duration::from_millis(50) + delay * 2,
        Scenario::Throttled {
            latency,
            per_second,
        } => Duration::from_millis(50) + latency * 2 + Duration::from_secs_f64(4.0 / per_second),
    };
    Duration::from_secs(300) + per_upload * count as u32
}

/// Seeds a fresh bucket with `tool`'s set, runs the tool (through `proxy`, if the scenario
/// has one), and checks what it left.
pub async fn measure(
    tool: Tool,
    scenario: Scenario,
    options: &Options,
    server: &Server,
    proxy: Option<&Proxy>,
    s3: &S3,
) -> Result<Measured, Error> {
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let set = set_for(tool, options);
    let bucket = format!("bench-{run}-{}", std::process::id());
    let seeding = Instant::now();
    seed(s3, &bucket, set).await?;
    let objects_before = server.objects(&bucket).await?;
    eprintln!(
        "  seeded {set} uploads in {bucket} in {:.1}s",
        seeding.elapsed().as_secs_f64()
    );
    // rclone's cleanup only takes uploads older than max-age (1s).
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let limit = options
        .time_limit
        .unwrap_or_else(|| limit_for(set, scenario));
    let mut measured = Measured::new(tool, scenario, set);
    if let Some(proxy) = proxy {
        // Its tally counts this run's requests only.
        proxy.clear_seen();
    }
    let started = Instant::now();
    // A tool killed at its time limit is measured by what it did until then.
    let stopped = match run_tool(tool, options, server, &bucket, limit, &mut measured).await {
        Ok(()) => None,
        Err(err) if err.is::<TimedOut>() => {
            eprintln!("  {err}: counting what it aborted until then");
            Some(started.elapsed())
        }
        Err(err) => return Err(err),
    };
    measured.proxy = proxy.map(Proxy::tally);
    measured.left = uploads_left(s3, &bucket).await?;
    if tool == Tool::Rclone {
        measured.aborted = set.saturating_sub(measured.left);
    }
    if let Some(elapsed) = stopped {
        measured.aborted = set.saturating_sub(measured.left);
        measured.abort_seconds = elapsed.as_secs_f64();
        measured.failed = measured.left;
        measured.note.push_str(&format!(
            " killed after {}s (list and abort: its rate is over both)",
            limit.as_secs()
        ));
    }
    measured.objects_untouched = server.objects(&bucket).await? == objects_before
        && objects_before.len() == OBJECTS_PER_BUCKET;
    if let Some(listed) = measured.listed
        && listed != set
    {
        measured
            .note
            .push_str(&format!(" listed {listed} of {set}"));
    }
    Ok(measured)
}

/// Runs `tool` on `bucket`, filling in what it reports.
async fn run_tool(
    tool: Tool,
    options: &Options,
    server: &Server,
    bucket: &str,
    limit: Duration,
    measured: &mut Measured,
) -> Result<(), Error> {
    match tool {
        Tool::Partsweep {
            bound: concurrency, ..
        } if options.via_cli => partsweep_cli(measured, server, bucket, concurrency, limit).await?,
        Tool::Partsweep {
            bound: concurrency,
            quiet,
        } => {
            let me = std::env::current_exe()?;
            let concurrency = concurrency.to_string();
            let mut args = vec!["worker", bucket, concurrency.as_str()];
            if quiet {
                args.push("quiet");
            }
            let run = run_measured(server, &me, &args, limit).await?;
            read_worker(measured, &run)?;
            measured.note = "the console's App + Tasks, driven by keys".into();
        }
        Tool::BareSdk {
            in_flight,
            adaptive,
        } => {
            let binary = sibling_binary("bare_abort")?;
            let in_flight = in_flight.to_string();
            let mut args = vec![bucket, in_flight.as_str()];
            if adaptive {
                args.push("adaptive");
            }
            let run = run_measured(server, &binary, &args, limit).await?;
            read_worker(measured, &run)?;
        }
        Tool::Boto3 => {
            let python = program("BENCH_PYTHON", "python3").ok_or("no python3")?;
            let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/bench_boto3.py");
            let script = script.to_string_lossy();
            let run = run_measured(server, &python, &[&script, bucket, "32"], limit).await?;
            read_worker(measured, &run)?;
        }
        Tool::Rclone => rclone(measured, server, bucket, limit).await?,
        Tool::AwsCli => aws_cli(measured, server, bucket, limit).await?,
        Tool::S3cmd => s3cmd(measured, server, bucket, limit).await?,
    }
    Ok(())
}

async fn partsweep_cli(
    measured: &mut Measured,
    server: &Server,
    bucket: &str,
    concurrency: usize,
    limit: Duration,
) -> Result<(), Error> {
    let binary = sibling_binary("../partsweep")?;
    let concurrency = concurrency.to_string();
    let args = [
        "clear",
        bucket,
        "--yes",
        "--endpoint-url",
        &server.endpoint,
        "--region",
        REGION,
        "--path-style",
        "--concurrency",
        &concurrency,
    ];
    let run = run_measured(server, &binary, &args, limit).await?;
    measured.abort_seconds = run.seconds;
    measured.aborted = measured.set;
    measured.peak_kb = run.peak_kb;
    measured.note = "`partsweep clear --yes`: list + abort in one".into();
    Ok(())
}

async fn rclone(
    measured: &mut Measured,
    server: &Server,
    bucket: &str,
    limit: Duration,
) -> Result<(), Error> {
    let rclone = program("BENCH_RCLONE", "rclone").ok_or("rclone is not installed")?;
    let remote = format!("bench:{bucket}");
    let run = run_measured(
        server,
        &rclone,
        &["backend", "list-multipart-uploads", &remote],
        limit,
    )
    .await?;
    let listing: serde_json::Value = serde_json::from_str(&run.stdout)?;
    let listed = listing
        .as_object()
        .map(|buckets| {
            buckets
                .values()
                .filter_map(|uploads| uploads.as_array().map(Vec::len))
                .sum()
        })
        .unwrap_or(0);
    measured.listed = Some(listed);
    measured.list_seconds = Some(run.seconds);
    let cleanup = run_measured(
        server,
        &rclone,
        &["backend", "cleanup", &remote, "-o", "max-age=1s"],
        limit,
    )
    .await?;
    measured.abort_seconds = cleanup.seconds;
    measured.peak_kb = run.peak_kb.max(cleanup.peak_kb);
    measured.note = "cleanup lists again itself".into();
    Ok(())
}

async fn aws_cli(
    measured: &mut Measured,
    server: &Server,
    bucket: &str,
    limit: Duration,
) -> Result<(), Error> {
    let aws = program("BENCH_AWS", "aws").ok_or("awscli is not installed")?;
    let run = run_measured(
        server,
        &aws,
        &[
            "--endpoint-url",
            &server.endpoint,
            "s3api",
            "list-multipart-uploads",
            "--bucket",
            bucket,
            "--output",
            "json",
        ],
        limit,
    )
    .await?;
    let listing: serde_json::Value = serde_json::from_str(&run.stdout)?;
    let uploads: Vec<(String, String)> = listing["Uploads"]
        .as_array()
        .map(|uploads| {
            uploads
                .iter()
                .filter_map(|u| {
                    Some((
                        u["Key"].as_str()?.to_owned(),
                        u["UploadId"].as_str()?.to_owned(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    measured.listed = Some(uploads.len());
    measured.list_seconds = Some(run.seconds);
    measured.peak_kb = run.peak_kb;
    let per_call = Duration::from_secs(60);
    abort_loop(measured, &uploads, limit, |key, id| {
        let args: Vec<String> = [
            "--endpoint-url",
            &server.endpoint,
            "s3api",
            "abort-multipart-upload",
            "--bucket",
            bucket,
            "--key",
            key,
            "--upload-id",
            id,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let aws = aws.clone();
        async move {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            run_measured(server, &aws, &args, per_call).await
        }
    })
    .await;
    Ok(())
}

async fn s3cmd(
    measured: &mut Measured,
    server: &Server,
    bucket: &str,
    limit: Duration,
) -> Result<(), Error> {
    let s3cmd = program("BENCH_S3CMD", "s3cmd").ok_or("s3cmd is not installed")?;
    let config = server.s3cmd_config();
    let config = config.to_string_lossy();
    let target = format!("s3://{bucket}");
    let run = run_measured(
        server,
        &s3cmd,
        &["-c", &config, "multipart", &target],
        limit,
    )
    .await?;
    let prefix = format!("s3://{bucket}/");
    let uploads: Vec<(String, String)> = run
        .stdout
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            let path = fields.iter().find(|f| f.starts_with(&prefix))?;
            let key = path.strip_prefix(&prefix).filter(|k| !k.is_empty())?;
            Some((key.to_owned(), fields.last()?.trim().to_owned()))
        })
        .collect();
    measured.listed = Some(uploads.len());
    measured.list_seconds = Some(run.seconds);
    measured.peak_kb = run.peak_kb;
    let per_call = Duration::from_secs(60);
    abort_loop(measured, &uploads, limit, |key, id| {
        let object = format!("{prefix}{key}");
        let (s3cmd, config, id) = (s3cmd.clone(), config.to_string(), id.to_owned());
        async move {
            let args = ["-c", &config, "abortmp", &object, &id];
            run_measured(server, &s3cmd, &args, per_call).await
        }
    })
    .await;
    Ok(())
}

/// One process per upload, in order, bounded by the set size and by `limit` in all.
async fn abort_loop<F, Fut>(
    measured: &mut Measured,
    uploads: &[(String, String)],
    limit: Duration,
    mut call: F,
) where
    F: FnMut(&str, &str) -> Fut,
    Fut: std::future::Future<Output = Result<Run, Error>>,
{
    let started = Instant::now();
    let mut failures = 0;
    for (key, id) in uploads {
        if started.elapsed() > limit {
            measured
                .note
                .push_str(&format!(" stopped after {}s", limit.as_secs()));
            break;
        }
        match call(key, id).await {
            Ok(run) => {
                measured.aborted += 1;
                measured.peak_kb = measured.peak_kb.max(run.peak_kb);
            }
            Err(err) => {
                failures += 1;
                if failures <= 3 {
                    eprintln!("  abort of {key} failed: {err}");
                }
            }
        }
    }
    measured.abort_seconds = started.elapsed().as_secs_f64();
    measured.failed = failures;
}

/// A big bucket (`list_uploads` uploads over `list_prefixes` prefixes), listed through the
/// proxy by partsweep's split listing and by plain sequential paging, `repeats` times each.
pub async fn compare_listings(
    options: &Options,
    s3: &S3,
    through: ConnectOptions,
) -> Result<Listing, Error> {
    let bucket = format!("bench-listing-{}", std::process::id());
    let seeding = Instant::now();
    s3.create_bucket(&bucket).await?;
    seed_uploads(s3, &bucket, options.list_uploads, options.list_prefixes).await?;
    eprintln!(
        "listing: seeded {} uploads over {} prefixes in {:.1}s",
        options.list_uploads,
        options.list_prefixes,
        seeding.elapsed().as_secs_f64()
    );
    let remote = S3::connect(&through).await;
    let mut listing = Listing::new(options.list_uploads, options.list_prefixes);
    for repeat in 0..options.repeats {
        let counts = Arc::new(ListingCounts::default());
        let started = Instant::now();
        let pages: Vec<Vec<_>> = uploads_counted(&remote, &bucket, None, None, counts.clone())
            .try_collect()
            .await?;
        let split_seconds = started.elapsed().as_secs_f64();
        let mut split: Vec<(String, String)> = pages
            .concat()
            .into_iter()
            .map(|u| (u.key.into(), u.upload_id.into()))
            .collect();

        let started = Instant::now();
        let pages: Vec<Vec<_>> = remote
            .list_uploads(&bucket, None, None)
            .try_collect()
            .await?;
        let sequential_seconds = started.elapsed().as_secs_f64();
        let requests = pages.len();
        let mut sequential: Vec<(String, String)> = pages
            .concat()
            .into_iter()
            .map(|u| (u.key.into(), u.upload_id.into()))
            .collect();
        split.sort();
        sequential.sort();
        eprintln!(
            "listing run {}/{}: split {split_seconds:.2}s ({} requests, {} ranges), sequential \
             {sequential_seconds:.2}s ({requests} requests), same set: {}",
            repeat + 1,
            options.repeats,
            counts.requests.load(std::sync::atomic::Ordering::Relaxed),
            counts.ranges.load(std::sync::atomic::Ordering::Relaxed),
            split == sequential
        );
        listing.record(
            split_seconds,
            counts.requests.load(std::sync::atomic::Ordering::Relaxed),
            sequential_seconds,
            requests,
            split.len(),
            split == sequential && split.len() == options.list_uploads,
        );
    }
    Ok(listing)
}
