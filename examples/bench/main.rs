//! Clear-all at scale, measured against the peers. Starts one throwaway Garage on 127.0.0.1,
//! and for every tool seeds the same fresh set of incomplete uploads in a fresh bucket, runs
//! the tool as a subprocess (under `/usr/bin/time` for its peak memory), and prints a table.
//!
//! ```text
//! cargo run --release --example bench -- [--uploads N] [--loop-uploads M] [--tools a,b] [--out FILE]
//! ```
//! `scripts/bench.sh` installs the peers and runs this. partsweep itself runs as
//! `bench worker BUCKET CONCURRENCY`: the real `App` and `Tasks` driven by key presses
//! (`/bucket⏎ u D y`), or with `--via-cli` as `partsweep clear BUCKET --yes`.
//!
//! `tools.rs` runs each tool, `report.rs` reads the workers' figures and prints the table.

#[path = "../support/console.rs"]
mod console;
mod report;
mod tools;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use partsweep::app::Modal;
use partsweep::demo::garage::{GarageServer, REGION, find_binary};
use partsweep::s3::{ConnectOptions, S3};
use ratatui::crossterm::event::KeyCode;

use tools::{DEFAULT_TOOLS, Server, Tool};

type Error = Box<dyn std::error::Error>;

/// The per-call loops (one process per abort) get this many uploads unless told otherwise.
const LOOP_UPLOADS: usize = 200;

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
        match tools::measure(tool, &options, &server, &s3, index).await {
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
    let mut text = report::table(&rows, &options);
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
