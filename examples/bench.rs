//! Clear-all at scale, measured against the peers. Starts one throwaway Garage on 127.0.0.1,
//! and for every tool seeds the same fresh set of incomplete uploads in a fresh bucket, runs
//! the tool as a subprocess (under `/usr/bin/time` for its peak memory), and prints a table.
//!
//! ```text
//! cargo run --release --example bench -- [--uploads N] [--loop-uploads M] [--tools a,b] [--out FILE]
//! ```
//! `scripts/bench.sh` installs the peers and runs this. partsweep itself runs as
//! `bench worker BUCKET CONCURRENCY`: the real `App` and `Tasks` driven by key presses
//! (`/bucket⏎ u D y`), or with `--via-cli` as `partsweep clear BUCKET --yes` once that
//! subcommand exists.

#[path = "support/console.rs"]
mod console;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt, stream};
use partsweep::app::Modal;
use partsweep::garage::{GarageServer, REGION, find_binary};
use partsweep::s3::{ConnectOptions, S3};
use ratatui::crossterm::event::KeyCode;

type Error = Box<dyn std::error::Error>;

/// The per-call loops (one process per abort) get this many uploads unless told otherwise;
/// s3cmd's listing loops forever past 1,000 uploads, so it never gets more than that.
const LOOP_UPLOADS: usize = 200;
const S3CMD_MAX: usize = 1_000;
const SEED_IN_FLIGHT: usize = 64;
const OBJECTS_PER_BUCKET: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tool {
    Partsweep(usize),
    BareSdk,
    Boto3,
    Rclone,
    AwsCli,
    S3cmd,
}

impl Tool {
    fn parse(name: &str) -> Option<Tool> {
        Some(match name {
            "partsweep" | "partsweep-32" => Tool::Partsweep(32),
            "bare" | "bare-sdk" => Tool::BareSdk,
            "boto3" => Tool::Boto3,
            "rclone" => Tool::Rclone,
            "awscli" | "aws" => Tool::AwsCli,
            "s3cmd" => Tool::S3cmd,
            other => Tool::Partsweep(other.strip_prefix("partsweep-")?.parse().ok()?),
        })
    }

    fn label(self) -> String {
        match self {
            Tool::Partsweep(n) => format!("partsweep (concurrency {n})"),
            Tool::BareSdk => "bare aws-sdk-s3 (64 in flight)".into(),
            Tool::Boto3 => "boto3 (32 threads)".into(),
            Tool::Rclone => "rclone backend cleanup".into(),
            Tool::AwsCli => "aws s3api (one call per upload)".into(),
            Tool::S3cmd => "s3cmd abortmp (one call per upload)".into(),
        }
    }
}

const DEFAULT_TOOLS: &str =
    "partsweep-32,partsweep-8,partsweep-128,bare-sdk,boto3,rclone,awscli,s3cmd";

struct Options {
    uploads: usize,
    loop_uploads: usize,
    tools: Vec<Tool>,
    out: Option<PathBuf>,
    via_cli: bool,
}

fn parse_options(args: &[String]) -> Result<Options, Error> {
    let mut options = Options {
        uploads: 2_000,
        loop_uploads: LOOP_UPLOADS,
        tools: Vec::new(),
        out: None,
        via_cli: false,
    };
    let mut tools = DEFAULT_TOOLS.to_owned();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--uploads" => options.uploads = value()?.parse()?,
            "--full" => options.uploads = 100_000,
            "--loop-uploads" => options.loop_uploads = value()?.parse()?,
            "--tools" => tools = value()?.clone(),
            "--out" => options.out = Some(PathBuf::from(value()?)),
            "--via-cli" => options.via_cli = true,
            other => return Err(format!("unknown argument {other:?}").into()),
        }
    }
    for name in tools.split(',').filter(|n| !n.is_empty()) {
        options
            .tools
            .push(Tool::parse(name).ok_or(format!("unknown tool {name:?}"))?);
    }
    Ok(options)
}

/// One row of the table.
struct Measured {
    tool: Tool,
    set: usize,
    listed: Option<usize>,
    list_seconds: Option<f64>,
    aborted: usize,
    abort_seconds: f64,
    peak_kb: u64,
    left: usize,
    note: String,
}

impl Measured {
    fn rate(&self) -> f64 {
        if self.abort_seconds > 0.0 {
            self.aborted as f64 / self.abort_seconds
        } else {
            0.0
        }
    }
}

/// Where the server is, for the subprocesses.
struct Server {
    endpoint: String,
    access_key: String,
    secret_key: String,
    scratch: tempfile::TempDir,
}

impl Server {
    fn port(&self) -> &str {
        self.endpoint.rsplit(':').next().unwrap_or("")
    }

    fn aws_config(&self) -> PathBuf {
        self.scratch.path().join("aws-config")
    }

    fn s3cmd_config(&self) -> PathBuf {
        self.scratch.path().join("s3cmd.cfg")
    }

    fn write_configs(&self) -> std::io::Result<()> {
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

struct Run {
    seconds: f64,
    peak_kb: u64,
    stdout: String,
}

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
            return Err(format!(
                "{} did not finish within {}s",
                program.display(),
                limit.as_secs()
            )
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

/// `NAME=value` lines, as every worker prints them.
fn report_values(stdout: &str) -> BTreeMap<String, String> {
    stdout
        .lines()
        .filter_map(|line| line.split_once('='))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .collect()
}

fn value<T: std::str::FromStr>(values: &BTreeMap<String, String>, name: &str) -> Result<T, Error> {
    values
        .get(name)
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("the worker did not report {name}").into())
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
        s3.put_object(bucket, &format!("kept/object-{i}"), b"keep me".to_vec())
            .await?;
    }
    stream::iter(0..count)
        .map(|i| async move {
            let key = format!("bench/{:03}/{i:07}.bin", i % 100);
            s3.create_upload(bucket, &key).await.map(|_| ())
        })
        .buffer_unordered(SEED_IN_FLIGHT)
        .try_collect::<()>()
        .await?;
    Ok(())
}

async fn uploads_left(s3: &S3, bucket: &str) -> Result<usize, Error> {
    let pages: Vec<Vec<_>> = s3.list_uploads(bucket, None, None).try_collect().await?;
    Ok(pages.iter().map(Vec::len).sum())
}

async fn objects_left(s3: &S3, bucket: &str) -> Result<usize, Error> {
    let pages: Vec<Vec<_>> = s3.list_all_objects(bucket, "").try_collect().await?;
    Ok(pages.iter().map(Vec::len).sum())
}

/// The set size a tool gets.
fn set_for(tool: Tool, options: &Options) -> usize {
    match tool {
        Tool::S3cmd => options.loop_uploads.min(options.uploads).min(S3CMD_MAX),
        Tool::AwsCli => options.loop_uploads.min(options.uploads),
        _ => options.uploads,
    }
}

/// Generous but finite: a stuck tool is killed, never waited on forever.
fn limit_for(count: usize) -> Duration {
    Duration::from_secs(300 + count as u64 / 20)
}

async fn measure_tool(
    tool: Tool,
    options: &Options,
    server: &Server,
    s3: &S3,
    index: usize,
) -> Result<Measured, Error> {
    let set = set_for(tool, options);
    let bucket = format!("bench-{index}-{}", std::process::id());
    let seeding = Instant::now();
    seed(s3, &bucket, set).await?;
    eprintln!(
        "  seeded {set} uploads in {bucket} in {:.1}s",
        seeding.elapsed().as_secs_f64()
    );
    // rclone's cleanup only takes uploads older than max-age (1s).
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let limit = limit_for(set);
    let mut measured = Measured {
        tool,
        set,
        listed: None,
        list_seconds: None,
        aborted: 0,
        abort_seconds: 0.0,
        peak_kb: 0,
        left: 0,
        note: String::new(),
    };
    match tool {
        Tool::Partsweep(concurrency) if options.via_cli => {
            let binary = sibling_binary("../partsweep")?;
            let concurrency = concurrency.to_string();
            let args = [
                "clear",
                &bucket,
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
            measured.aborted = set;
            measured.peak_kb = run.peak_kb;
            measured.note = "`partsweep clear --yes`: list + abort in one".into();
        }
        Tool::Partsweep(concurrency) => {
            let me = std::env::current_exe()?;
            let concurrency = concurrency.to_string();
            let run = run_measured(server, &me, &["worker", &bucket, &concurrency], limit).await?;
            read_worker(&mut measured, &run)?;
            measured.note = "the console's App + Tasks, driven by keys".into();
        }
        Tool::BareSdk => {
            let binary = sibling_binary("bare_abort")?;
            let run = run_measured(server, &binary, &[&bucket, "64"], limit).await?;
            read_worker(&mut measured, &run)?;
        }
        Tool::Boto3 => {
            let python = program("BENCH_PYTHON", "python3").ok_or("no python3")?;
            let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/bench_boto3.py");
            let script = script.to_string_lossy();
            let run = run_measured(server, &python, &[&script, &bucket, "32"], limit).await?;
            read_worker(&mut measured, &run)?;
        }
        Tool::Rclone => {
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
        }
        Tool::AwsCli => {
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
                    &bucket,
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
            abort_loop(&mut measured, &uploads, limit, |key, id| {
                let args: Vec<String> = [
                    "--endpoint-url",
                    &server.endpoint,
                    "s3api",
                    "abort-multipart-upload",
                    "--bucket",
                    &bucket,
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
        }
        Tool::S3cmd => {
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
            abort_loop(&mut measured, &uploads, limit, |key, id| {
                let object = format!("{prefix}{key}");
                let (s3cmd, config, id) = (s3cmd.clone(), config.to_string(), id.to_owned());
                async move {
                    let args = ["-c", &config, "abortmp", &object, &id];
                    run_measured(server, &s3cmd, &args, per_call).await
                }
            })
            .await;
        }
    }
    measured.left = uploads_left(s3, &bucket).await?;
    if tool == Tool::Rclone {
        measured.aborted = set.saturating_sub(measured.left);
    }
    let objects = objects_left(s3, &bucket).await?;
    if objects != OBJECTS_PER_BUCKET {
        measured
            .note
            .push_str(&format!(" OBJECTS CHANGED: {objects} left"));
    }
    if let Some(listed) = measured.listed
        && listed != set
    {
        measured
            .note
            .push_str(&format!(" listed {listed} of {set}"));
    }
    Ok(measured)
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
    if failures > 0 {
        measured.note.push_str(&format!(" {failures} calls failed"));
    }
}

fn read_worker(measured: &mut Measured, run: &Run) -> Result<(), Error> {
    let values = report_values(&run.stdout);
    measured.listed = Some(value(&values, "LISTED")?);
    measured.list_seconds = Some(value(&values, "LIST_SECONDS")?);
    measured.aborted = value(&values, "ABORTED")?;
    measured.abort_seconds = value(&values, "ABORT_SECONDS")?;
    measured.peak_kb = run.peak_kb;
    let failed: usize = value(&values, "FAILED")?;
    if failed > 0 {
        measured.note.push_str(&format!(" {failed} failed"));
    }
    Ok(())
}

fn table(rows: &[Measured], options: &Options) -> String {
    let reference = rows
        .iter()
        .find(|r| r.tool == Tool::Partsweep(32))
        .map(Measured::rate)
        .filter(|rate| *rate > 0.0);
    let mut out = String::new();
    out.push_str(&format!(
        "{} uploads per tool (the one-call-per-upload loops: {}).\n\n",
        options.uploads,
        set_for(Tool::AwsCli, options)
    ));
    out.push_str(
        "| tool | uploads | list s | abort s | aborted/s | vs partsweep | peak RSS MB | left | note |\n",
    );
    out.push_str("|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
    for row in rows {
        let list = row
            .list_seconds
            .map(|s| format!("{s:.2}"))
            .unwrap_or_else(|| "–".into());
        let ratio = reference
            .map(|r| row.rate() / r)
            .map(|ratio| match ratio {
                r if r >= 0.1 => format!("{r:.2}×"),
                r => format!("{r:.4}×"),
            })
            .unwrap_or_else(|| "–".into());
        let rate = match row.rate() {
            r if r >= 10.0 => format!("{r:.0}"),
            r => format!("{r:.1}"),
        };
        out.push_str(&format!(
            "| {} | {} | {} | {:.2} | {} | {} | {:.1} | {} | {} |\n",
            row.tool.label(),
            row.set,
            list,
            row.abort_seconds,
            rate,
            ratio,
            row.peak_kb as f64 / 1024.0,
            row.left,
            row.note.trim()
        ));
    }
    out
}

async fn orchestrate(options: Options) -> Result<(), Error> {
    let binary = find_binary(None)?;
    let garage = GarageServer::start(&binary).await?;
    eprintln!("garage {} at {}", binary.display(), garage.endpoint);
    let server = Server {
        endpoint: garage.endpoint.clone(),
        access_key: garage.access_key.clone(),
        secret_key: garage.secret_key.clone(),
        scratch: tempfile::Builder::new()
            .prefix("partsweep-bench-")
            .tempdir()?,
    };
    server.write_configs()?;
    let s3 = garage.client().await;
    let mut rows = Vec::new();
    let mut skipped = Vec::new();
    for (index, &tool) in options.tools.iter().enumerate() {
        eprintln!("{}…", tool.label());
        match measure_tool(tool, &options, &server, &s3, index).await {
            Ok(row) => {
                eprintln!(
                    "  list {:?}s, abort {:.2}s ({:.0}/s), peak {} KB, left {}",
                    row.list_seconds,
                    row.abort_seconds,
                    row.rate(),
                    row.peak_kb,
                    row.left
                );
                rows.push(row);
            }
            Err(err) => {
                eprintln!("  skipped: {err}");
                skipped.push(format!("{}: {err}", tool.label()));
            }
        }
    }
    let mut text = table(&rows, &options);
    for line in &skipped {
        text.push_str(&format!("\nNot measured: {line}\n"));
    }
    println!("{text}");
    if let Some(out) = &options.out {
        std::fs::write(out, &text)?;
    }
    drop(garage);
    Ok(())
}

/// partsweep as a user drives it: `/bucket⏎`, `u`, wait for the list, `D`, `y`, wait.
async fn worker(bucket: &str, concurrency: usize) -> Result<(), Error> {
    let options = ConnectOptions {
        profile: None,
        region: Some(REGION.to_owned()),
        endpoint_url: Some(std::env::var("AWS_ENDPOINT_URL")?),
        path_style: true,
        static_keys: Some((
            std::env::var("AWS_ACCESS_KEY_ID")?,
            std::env::var("AWS_SECRET_ACCESS_KEY")?,
        )),
    };
    let s3 = S3::connect(&options).await;
    let limit = Duration::from_secs(3_600);
    let mut console = console::Console::new(s3, concurrency)?;
    console
        .run_until(Duration::from_secs(60), "listing buckets", |app| {
            !app.buckets.loading
        })
        .await?;
    console.press(KeyCode::Char('/'));
    console.type_text(bucket);
    console.press(KeyCode::Enter);
    let chosen = console.app.buckets.table.selected().map(|b| b.name.clone());
    if chosen.as_deref() != Some(bucket) {
        return Err(format!("selected {chosen:?}, wanted {bucket}").into());
    }

    let listing_started = Instant::now();
    console.press(KeyCode::Char('u'));
    console
        .run_until(limit, "listing uploads", |app| {
            app.bucket.as_ref().is_some_and(|v| !v.uploads.loading)
        })
        .await?;
    let list_seconds = listing_started.elapsed().as_secs_f64();
    let view = console.app.bucket.as_ref().ok_or("no bucket open")?;
    if let Some(err) = &view.uploads.error {
        return Err(format!("listing failed: {}", err.display_line()).into());
    }
    let listed = view.uploads.table.items.len();

    let clear_started = Instant::now();
    console.press(KeyCode::Char('D'));
    if !matches!(console.app.modal(), Some(Modal::Confirm { .. })) {
        return Err("D did not ask to clear".into());
    }
    console.press(KeyCode::Char('y'));
    console
        .run_until(limit, "clearing", |app| app.job.is_none())
        .await?;
    let abort_seconds = clear_started.elapsed().as_secs_f64();
    let Some(Modal::Summary { lines, .. }) = console.app.modal() else {
        return Err("no summary after the clear".into());
    };
    let count = |label: &str| -> usize {
        lines
            .iter()
            .find_map(|line| line.strip_prefix(label))
            .map(|rest| {
                rest.chars()
                    .filter(char::is_ascii_digit)
                    .collect::<String>()
            })
            .and_then(|digits| digits.parse().ok())
            .unwrap_or(0)
    };
    println!("LISTED={listed}");
    println!("LIST_SECONDS={list_seconds:.3}");
    println!("ABORTED={}", count("Aborted:") + count("Already gone:"));
    println!("FAILED={}", count("Failed:") + count("Not attempted:"));
    println!("ABORT_SECONDS={abort_seconds:.3}");
    println!("FRAMES={}", console.frames);
    println!(
        "SLOWEST_FRAME_MS={:.2}",
        console.slowest_frame.as_secs_f64() * 1e3
    );
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("worker") {
        let bucket = args.get(1).ok_or("worker BUCKET CONCURRENCY")?;
        let concurrency = args.get(2).ok_or("worker BUCKET CONCURRENCY")?.parse()?;
        return worker(bucket, concurrency).await;
    }
    orchestrate(parse_options(&args)?).await
}
