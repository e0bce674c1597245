//! Sizes at scale: how fast the console learns what every incomplete upload holds, against a
//! bare aws-sdk-s3 ListParts loop with the same number of calls in flight, and how long a
//! keystroke takes while the sizes stream in. One throwaway Garage on 127.0.0.1.
//!
//! ```text
//! cargo run --release --example bench_sizes -- [--uploads N] [--concurrency C] [--repeats R]
//! ```
//! Seeds one bucket with N uploads holding 0, 1 or 2 parts of 1 KiB, then measures:
//! - bare: list every upload, then ListParts for each, C at a time (`buffer_unordered`);
//! - the bucket list: the real `App` and `Tasks` (as in `tui.rs`, drawing into a test
//!   terminal) from start-up until its background scan has sized every upload, C in flight,
//!   with a key pressed every 50 ms (each timed with the frame it causes);
//! - the uploads pane: a fresh console, the bucket opened at once, until every row shows its
//!   size (its own workers and the scan together).
//!
//! The bucket is seeded once; with `--repeats R` the three measurements run R times over it
//! (they only read). Prints a Markdown table, a row per path and run; nothing leaves the
//! machine.

#[path = "support/console.rs"]
mod console;

use std::time::{Duration, Instant};

use aws_sdk_s3::Client;
use futures::{StreamExt, TryStreamExt, stream};
use partsweep::app::App;
use partsweep::demo::garage::{GarageServer, REGION, find_binary};
use partsweep::s3::S3;
use ratatui::crossterm::event::KeyCode;

type Error = Box<dyn std::error::Error>;

const BUCKET: &str = "sizes-bench";
const SEED_IN_FLIGHT: usize = 64;
const PART: usize = 1_024;

struct Options {
    uploads: usize,
    concurrency: usize,
    repeats: usize,
}

fn parse_options() -> Result<Options, Error> {
    let mut options = Options {
        uploads: 2_000,
        concurrency: partsweep::tasks::SIZE_CONCURRENCY,
        repeats: 1,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--uploads" => options.uploads = value()?.parse()?,
            "--full" => options.uploads = 100_000,
            "--concurrency" => options.concurrency = value()?.parse()?,
            "--repeats" => options.repeats = value()?.parse::<usize>()?.max(1),
            other => return Err(format!("unknown argument {other:?}").into()),
        }
    }
    Ok(options)
}

/// N uploads; upload i holds i % 3 parts. Returns the bytes they hold.
async fn seed(s3: &S3, count: usize) -> Result<u64, Error> {
    s3.create_bucket(BUCKET).await?;
    stream::iter(0..count)
        .map(|i| async move {
            let key = format!("data/{:03}/{i:07}.bin", i % 997);
            let id = s3.create_upload(BUCKET, &key).await?;
            for part in 1..=(i % 3) as i32 {
                s3.upload_part(BUCKET, &key, &id, part, vec![b'x'; PART])
                    .await?;
            }
            Ok::<_, partsweep::s3::S3Error>(())
        })
        .buffer_unordered(SEED_IN_FLIGHT)
        .try_collect::<Vec<()>>()
        .await?;
    Ok((0..count).map(|i| (i % 3 * PART) as u64).sum())
}

/// The reference: the SDK alone, no console. Returns the seconds for the listing and the
/// ListParts calls together, those for ListParts alone, and the bytes.
async fn bare(garage: &GarageServer, concurrency: usize) -> Result<(f64, f64, u64), Error> {
    let options = garage.connect_options();
    let (id, secret) = options.static_keys.clone().ok_or("no keys")?;
    let shared = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(REGION))
        .endpoint_url(&garage.endpoint)
        .credentials_provider(aws_sdk_s3::config::Credentials::new(
            id, secret, None, None, "bench",
        ))
        .load()
        .await;
    let client = Client::from_conf(
        aws_sdk_s3::config::Builder::from(&shared)
            .force_path_style(true)
            .build(),
    );
    let listing = Instant::now();
    let mut uploads: Vec<(String, String)> = Vec::new();
    let (mut key_marker, mut id_marker) = (None, None);
    loop {
        let page = client
            .list_multipart_uploads()
            .bucket(BUCKET)
            .set_key_marker(key_marker.take())
            .set_upload_id_marker(id_marker.take())
            .send()
            .await?;
        uploads.extend(
            page.uploads()
                .iter()
                .filter_map(|u| Some((u.key()?.to_owned(), u.upload_id()?.to_owned()))),
        );
        if page.is_truncated() != Some(true) {
            break;
        }
        key_marker = page.next_key_marker().map(str::to_owned);
        id_marker = page.next_upload_id_marker().map(str::to_owned);
    }
    let started = Instant::now();
    let bytes: Vec<u64> = stream::iter(&uploads)
        .map(|(key, id)| {
            let client = &client;
            async move {
                let mut bytes = 0u64;
                let mut marker = None;
                loop {
                    let page = client
                        .list_parts()
                        .bucket(BUCKET)
                        .key(key)
                        .upload_id(id)
                        .set_part_number_marker(marker.take())
                        .send()
                        .await?;
                    bytes += page
                        .parts()
                        .iter()
                        .map(|p| p.size().unwrap_or(0) as u64)
                        .sum::<u64>();
                    match page.next_part_number_marker() {
                        Some(next) if page.is_truncated() == Some(true) => {
                            marker = Some(next.to_owned())
                        }
                        _ => break,
                    }
                }
                Ok::<u64, Error>(bytes)
            }
        })
        .buffer_unordered(concurrency)
        .try_collect()
        .await?;
    Ok((
        listing.elapsed().as_secs_f64(),
        started.elapsed().as_secs_f64(),
        bytes.iter().sum(),
    ))
}

struct ConsoleRun {
    seconds: f64,
    bytes: u64,
    keys: Keys,
    slowest_frame_ms: f64,
}

/// Every key pressed while sizes streamed in, each timed with the frame it caused.
#[derive(Default)]
struct Keys(Vec<Duration>);

impl Keys {
    /// The time under which `share` of the keys were handled and drawn, in milliseconds.
    fn percentile_ms(&self, share: f64) -> f64 {
        let mut sorted = self.0.clone();
        sorted.sort();
        let at = ((sorted.len() as f64 * share).ceil() as usize).clamp(1, sorted.len().max(1));
        sorted.get(at - 1).map_or(0.0, |d| d.as_secs_f64() * 1e3)
    }
}

/// Runs the console until `done`, pressing a key (alternately down and up) every 50 ms and
/// timing each with the frame it causes.
async fn drive(
    console: &mut console::Console,
    limit: Duration,
    done: impl Fn(&App) -> bool,
) -> Result<Keys, Error> {
    let deadline = Instant::now() + limit;
    let mut keys = Keys::default();
    while !done(&console.app) {
        if Instant::now() > deadline {
            return Err(format!("not done after {}s", limit.as_secs()).into());
        }
        // The error is only "not done yet": the loop checks `done` itself.
        let _ = console
            .run_until(Duration::from_millis(50), "sizes", &done)
            .await;
        let code = if keys.0.len() % 2 == 0 {
            KeyCode::Down
        } else {
            KeyCode::Up
        };
        keys.0.push(console.keystroke(code)?);
    }
    Ok(keys)
}

fn scan_finished(app: &App) -> bool {
    !app.buckets.loading && app.sizes.scan.is_some_and(|s| s.finished)
}

async fn bucket_list(s3: &S3, concurrency: usize) -> Result<ConsoleRun, Error> {
    let started = Instant::now();
    let mut console = console::Console::new(s3.clone(), 32)?.with_size_concurrency(concurrency);
    let keys = drive(&mut console, Duration::from_secs(3_600), scan_finished).await?;
    let seconds = started.elapsed().as_secs_f64();
    let summary = console.app.account_summary();
    Ok(ConsoleRun {
        seconds,
        bytes: summary.bytes,
        keys,
        slowest_frame_ms: console.slowest_frame.as_secs_f64() * 1e3,
    })
}

fn every_row_sized(app: &App) -> bool {
    app.bucket.as_ref().is_some_and(|view| {
        !view.uploads.loading
            && !view.uploads.table.items.is_empty()
            && view
                .uploads
                .table
                .items
                .iter()
                .all(|row| !row.size.is_unread())
    })
}

async fn uploads_pane(s3: &S3, concurrency: usize) -> Result<ConsoleRun, Error> {
    let mut console = console::Console::new(s3.clone(), 32)?.with_size_concurrency(concurrency);
    console
        .run_until(Duration::from_secs(60), "listing buckets", |app| {
            !app.buckets.loading
        })
        .await?;
    let started = Instant::now();
    console.press(KeyCode::Char('u'));
    let keys = drive(&mut console, Duration::from_secs(3_600), every_row_sized).await?;
    let seconds = started.elapsed().as_secs_f64();
    let bytes = console.app.bucket.as_ref().map_or(0, |view| {
        view.uploads
            .table
            .items
            .iter()
            .filter_map(|row| row.size.summary().map(|s| s.bytes))
            .sum()
    });
    Ok(ConsoleRun {
        seconds,
        bytes,
        keys,
        slowest_frame_ms: console.slowest_frame.as_secs_f64() * 1e3,
    })
}

/// One measurement of the three paths over the seeded bucket: a table row each.
async fn measure_round(
    garage: &GarageServer,
    s3: &S3,
    options: &Options,
    expected: u64,
    run: usize,
) -> Result<(), Error> {
    let (n, c) = (options.uploads, options.concurrency);
    eprintln!("bare aws-sdk-s3, {c} in flight…");
    let (bare_seconds, parts_seconds, bare_bytes) = bare(garage, c).await?;
    eprintln!("  {bare_seconds:.2}s ({parts_seconds:.2}s of them ListParts)");
    eprintln!("partsweep bucket list (scan), {c} in flight…");
    let list = bucket_list(s3, c).await?;
    eprintln!("  {:.2}s", list.seconds);
    eprintln!("partsweep uploads pane, {c} workers and the scan…");
    let pane = uploads_pane(s3, c).await?;
    eprintln!("  {:.2}s", pane.seconds);

    for (what, bytes) in [
        ("bare", bare_bytes),
        ("bucket list", list.bytes),
        ("uploads pane", pane.bytes),
    ] {
        if bytes != expected {
            return Err(format!("{what} counted {bytes} bytes, {expected} were uploaded").into());
        }
    }
    let rate = |seconds: f64| n as f64 / seconds;
    println!(
        "| {run} | bare aws-sdk-s3: list, then a ListParts loop | {bare_seconds:.2} | {:.0} | 100 % | - | - | - | - | - |",
        rate(bare_seconds)
    );
    println!(
        "| {run} | (of which the ListParts loop alone) | {parts_seconds:.2} | {:.0} | | | | | | |",
        rate(parts_seconds)
    );
    for (what, path) in [
        ("partsweep bucket list (scan, from start-up)", &list),
        (
            "partsweep uploads pane (opened at once, with the scan)",
            &pane,
        ),
    ] {
        println!(
            "| {run} | {what} | {:.2} | {:.0} | {:.0} % | {} | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms |",
            path.seconds,
            rate(path.seconds),
            100.0 * bare_seconds / path.seconds,
            path.keys.0.len(),
            path.keys.percentile_ms(0.5),
            path.keys.percentile_ms(0.99),
            path.keys.percentile_ms(1.0),
            path.slowest_frame_ms
        );
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let options = parse_options()?;
    let (n, c) = (options.uploads, options.concurrency);
    let garage = GarageServer::start(&find_binary(None)?).await?;
    let s3 = garage.client().await;
    eprintln!("seeding {n} uploads…");
    let seeding = Instant::now();
    let expected = seed(&s3, n).await?;
    eprintln!("  {:.1}s", seeding.elapsed().as_secs_f64());

    println!(
        "Sizes of {n} incomplete uploads (0–2 parts each), ListParts {c} in flight; seconds from \
         nothing known to every size known (listing included):\n"
    );
    println!(
        "| run | path | seconds | uploads/s | vs bare | keys pressed | key + frame, median | 99th percentile | slowest | slowest frame |"
    );
    println!("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for run in 1..=options.repeats {
        eprintln!("run {run}/{}", options.repeats);
        measure_round(&garage, &s3, &options, expected, run).await?;
    }
    drop(garage);
    Ok(())
}
