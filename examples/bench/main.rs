//! Clear-all and listing at scale, measured against the peers, directly, at a remote server's
//! latency, and at that latency under a request-rate limit. Starts one throwaway Garage on
//! 127.0.0.1 and, for the latency and throttled scenarios, the project's test proxy in front
//! of it (`tests/proxy`: a fixed delay per request; `throttled` adds 503 SlowDown above `--rate`
//! requests a second, counted over all requests, as a provider's request-rate limit does). For
//! every scenario, tool and repeat it seeds the same fresh set of incomplete uploads (and three
//! objects) in a fresh bucket, runs the tool as a subprocess (under `/usr/bin/time` for its peak
//! memory), then counts the uploads left and compares the objects' ETags with those seeded.
//! Then it lists a big bucket over many prefixes through the proxy, split and sequentially.
//! One summary table: median and spread of the repeats. Exits 1 if a tool left an upload or
//! touched an object, or the two listings disagree.
//!
//! ```text
//! cargo run --release --example bench -- [--uploads N] [--loop-uploads M] [--tools a,b]
//!     [--repeats R] [--scenarios direct,latency,throttled] [--latency-ms 30] [--rate 1000]
//!     [--list-uploads N] [--list-prefixes P] [--time-limit SECONDS] [--out FILE]
//! ```
//! Tools: `partsweep` or `partsweep-N` (N: its `--concurrency` bound; 256 unless told),
//! `partsweep-quiet` or `partsweep-N-quiet` (its background sizing one ListParts at a time, to
//! see what that costs a clear), `bare-sdk` (64 in flight),
//! `bare-sdk-N`, `bare-sdk-adaptive-N` (the SDK's adaptive retry mode), `boto3`, `rclone`,
//! `awscli`, `s3cmd`. `--tools ''` measures no tool (only the listing).
//! `scripts/bench.sh` installs the peers and runs this. partsweep itself runs as
//! `bench worker BUCKET CONCURRENCY [quiet]`: the real `App` and `Tasks` driven by key presses
//! (`/bucket⏎ u D y`), or with `--via-cli` as `partsweep clear BUCKET --yes`.
//!
//! `tools.rs` runs each tool and the listings, `report.rs` reads the workers' figures and
//! prints the table.

#[path = "../support/console.rs"]
mod console;
#[path = "../../tests/proxy/mod.rs"]
mod proxy;
mod report;
mod tools;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use partsweep::app::Modal;
use partsweep::demo::garage::{DbEngine, GarageServer, REGION, find_binary};
use partsweep::s3::{ConnectOptions, S3};
use ratatui::crossterm::event::KeyCode;

use report::{Listing, Measured};
use tools::{DEFAULT_TOOLS, Server, Tool};

type Error = Box<dyn std::error::Error>;

/// The per-call loops (one process per upload) get this many uploads unless told otherwise.
const LOOP_UPLOADS: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scenario {
    /// Garage on 127.0.0.1, well under a millisecond a request.
    Direct,
    /// Through the test proxy, which delays every request by this much.
    Latency(Duration),
    /// Through the proxy with that delay, answering 503 SlowDown above `per_second`
    /// requests a second (all requests, listings included), as a provider's limit would.
    Throttled { latency: Duration, per_second: f64 },
}

impl Scenario {
    pub fn label(self) -> String {
        match self {
            Scenario::Direct => "direct".into(),
            Scenario::Latency(delay) => format!("{} ms a request", delay.as_millis()),
            Scenario::Throttled {
                latency,
                per_second,
            } => format!(
                "{} ms, SlowDown above {per_second:.0}/s",
                latency.as_millis()
            ),
        }
    }

    /// The requests a second the server allows, if it limits them.
    pub fn rate_limit(self) -> Option<f64> {
        match self {
            Scenario::Throttled { per_second, .. } => Some(per_second),
            _ => None,
        }
    }

    /// What the proxy does in this scenario; `None`: no proxy.
    fn rules(self) -> Option<proxy::Rules> {
        match self {
            Scenario::Direct => None,
            Scenario::Latency(latency) => Some(proxy::Rules {
                latency,
                ..proxy::Rules::default()
            }),
            Scenario::Throttled {
                latency,
                per_second,
            } => Some(proxy::Rules {
                latency,
                slow_down: Some(proxy::RateLimit {
                    per_second,
                    burst: 20,
                }),
                ..proxy::Rules::default()
            }),
        }
    }
}

pub struct Options {
    uploads: usize,
    loop_uploads: usize,
    tools: Vec<Tool>,
    repeats: usize,
    scenarios: Vec<Scenario>,
    latency: Duration,
    rate: f64,
    list_uploads: usize,
    list_prefixes: usize,
    out: Option<PathBuf>,
    via_cli: bool,
    /// Each tool's run is killed past this (default: generous, by set size and scenario) and
    /// measured by what it aborted until then.
    time_limit: Option<Duration>,
    /// Garage's metadata store (`--garage-db sqlite|lmdb`).
    garage_db: DbEngine,
}

fn parse_options(args: &[String]) -> Result<Options, Error> {
    let mut options = Options {
        uploads: 2_000,
        loop_uploads: LOOP_UPLOADS,
        tools: Vec::new(),
        repeats: 3,
        scenarios: Vec::new(),
        latency: Duration::from_millis(30),
        rate: 1_000.0,
        list_uploads: 20_000,
        list_prefixes: 64,
        out: None,
        via_cli: false,
        time_limit: None,
        garage_db: DbEngine::Sqlite,
    };
    let mut tools = DEFAULT_TOOLS.to_owned();
    let mut scenarios = "direct,latency".to_owned();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--uploads" => options.uploads = value()?.parse()?,
            "--full" => {
                options.uploads = 100_000;
                options.list_uploads = 100_000;
            }
            "--loop-uploads" => options.loop_uploads = value()?.parse()?,
            "--tools" => tools = value()?.clone(),
            "--repeats" => options.repeats = value()?.parse::<usize>()?.max(1),
            "--scenarios" => scenarios = value()?.clone(),
            "--latency-ms" => options.latency = Duration::from_millis(value()?.parse()?),
            "--rate" => options.rate = value()?.parse::<f64>()?.max(1.0),
            "--list-uploads" => options.list_uploads = value()?.parse()?,
            "--list-prefixes" => options.list_prefixes = value()?.parse::<usize>()?.max(1),
            "--garage-db" => {
                options.garage_db = match value()?.as_str() {
                    "sqlite" => DbEngine::Sqlite,
                    "lmdb" => DbEngine::Lmdb,
                    other => return Err(format!("--garage-db sqlite|lmdb, not {other:?}").into()),
                }
            }
            "--out" => options.out = Some(PathBuf::from(value()?)),
            "--via-cli" => options.via_cli = true,
            "--time-limit" => {
                options.time_limit = Some(Duration::from_secs(value()?.parse()?));
            }
            other => return Err(format!("unknown argument {other:?}").into()),
        }
    }
    for name in tools.split(',').filter(|n| !n.is_empty()) {
        options
            .tools
            .push(Tool::parse(name).ok_or(format!("unknown tool {name:?}"))?);
    }
    for name in scenarios.split(',').filter(|n| !n.is_empty()) {
        options.scenarios.push(match name {
            "direct" => Scenario::Direct,
            "latency" => Scenario::Latency(options.latency),
            "throttled" => Scenario::Throttled {
                latency: options.latency,
                per_second: options.rate,
            },
            other => return Err(format!("unknown scenario {other:?}").into()),
        });
    }
    Ok(options)
}

/// Runs everything; `Ok(false)` when a tool left uploads or touched objects.
async fn orchestrate(options: Options) -> Result<bool, Error> {
    let binary = find_binary(None)?;
    let garage = GarageServer::start_on(&binary, options.garage_db).await?;
    eprintln!(
        "garage {} at {} (metadata in {})",
        binary.display(),
        garage.endpoint,
        options.garage_db.name()
    );
    let s3 = garage.client().await;
    let mut rows: Vec<Measured> = Vec::new();
    let mut skipped = Vec::new();
    let mut listing = None;
    for &scenario in &options.scenarios {
        let proxy = scenario
            .rules()
            .map(|rules| proxy::Proxy::start(&garage.connect_options(), rules));
        let server = Server::new(
            proxy.as_ref().map_or(&*garage.endpoint, |p| p.endpoint()),
            &garage,
        )?;
        // Round by round, each tool once a round: load that drifts during the bench (a shared
        // machine) weighs on every tool alike. A tool that fails is not run again.
        let mut given_up: Vec<Tool> = Vec::new();
        for repeat in 0..options.repeats {
            for &tool in &options.tools {
                if given_up.contains(&tool) {
                    continue;
                }
                eprintln!(
                    "{} · {} · run {}/{}…",
                    tool.label(),
                    scenario.label(),
                    repeat + 1,
                    options.repeats
                );
                let run = tools::measure(tool, scenario, &options, &server, proxy.as_ref(), &s3);
                match run.await {
                    Ok(row) => {
                        eprintln!(
                            "  list {:?}s, abort {:.2}s ({:.0}/s), peak {} KB, left {}, \
                             failed {}, proxy {:?}, objects {}",
                            row.list_seconds,
                            row.abort_seconds,
                            row.rate(),
                            row.peak_kb,
                            row.left,
                            row.failed,
                            row.proxy,
                            if row.objects_untouched {
                                "untouched"
                            } else {
                                "CHANGED"
                            }
                        );
                        rows.push(row);
                    }
                    Err(err) => {
                        eprintln!("  skipped: {err}");
                        skipped.push(format!("{} ({}): {err}", tool.label(), scenario.label()));
                        given_up.push(tool);
                    }
                }
            }
        }
        if let (Some(proxy), Scenario::Latency(_)) = (&proxy, scenario)
            && options.list_uploads > 0
        {
            listing = Some(tools::compare_listings(&options, &s3, proxy.options()).await?);
        }
    }
    let mut text = report::summary(&rows, &options);
    if let Some(listing) = &listing {
        text.push_str(&report::listings(listing, &options));
    }
    for line in &skipped {
        text.push_str(&format!("\nNot measured: {line}\n"));
    }
    let unclean: Vec<String> = rows
        .iter()
        .filter(|r| r.left > 0 || !r.objects_untouched)
        .map(|r| {
            format!(
                "{} ({}): {} uploads left, objects {}",
                r.tool.label(),
                r.scenario.label(),
                r.left,
                if r.objects_untouched {
                    "untouched"
                } else {
                    "CHANGED"
                }
            )
        })
        .collect();
    let listings_agree = listing.as_ref().is_none_or(Listing::same_sets);
    let clean = unclean.is_empty() && listings_agree;
    if !clean {
        text.push_str(
            "\nFAILED: a tool left uploads or touched an object, or the listings differ.\n",
        );
        for line in &unclean {
            text.push_str(&format!("- {line}\n"));
        }
        if !listings_agree {
            text.push_str("- the split and the sequential listing differ\n");
        }
    }
    println!("{text}");
    if let Some(out) = &options.out {
        std::fs::write(out, &text)?;
    }
    drop(garage);
    Ok(clean)
}

/// partsweep as a user drives it: `/bucket⏎`, `u`, wait for the list, `D`, `y`, wait.
/// `quiet`: the background sizing one ListParts call at a time (pane and scan each).
async fn worker(bucket: &str, concurrency: usize, quiet: bool) -> Result<(), Error> {
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
    if quiet {
        console = console.with_size_concurrency(1);
    }
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
    // The highest limit the progress gauge showed (it is read after every frame).
    let peak_limit = std::cell::Cell::new(0);
    console
        .run_until(limit, "clearing", |app| {
            let pace = app.job.as_ref().and_then(|job| job.pace);
            if let Some(pace) = pace {
                peak_limit.set(peak_limit.get().max(pace.limit));
            }
            app.job.is_none()
        })
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
    // As the summary words them: `Throttled: never | once (…) | 1,234 times (…)` and
    // `Concurrency: 48 at once at the end (up to 256)`.
    let first_number = |label: &str| -> Option<u64> {
        let rest = lines
            .iter()
            .find_map(|line| line.strip_prefix(label))?
            .trim();
        match rest.split_whitespace().next()? {
            "never" => Some(0),
            "once" => Some(1),
            word => word.replace(',', "").parse().ok(),
        }
    };
    if let Some(throttled) = first_number("Throttled:") {
        println!("THROTTLED={throttled}");
    }
    let limit_end = first_number("Concurrency:");
    if let Some(limit) = limit_end {
        println!("LIMIT_END={limit}");
    }
    // A short job may end between two gauge updates: the summary's limit counts too.
    let peak = (peak_limit.get() as u64).max(limit_end.unwrap_or(0));
    println!("LIMIT_PEAK={peak}");
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
        const USAGE: &str = "worker BUCKET CONCURRENCY [quiet]";
        let bucket = args.get(1).ok_or(USAGE)?;
        let concurrency = args.get(2).ok_or(USAGE)?.parse()?;
        let quiet = match args.get(3).map(String::as_str) {
            None => false,
            Some("quiet") => true,
            Some(_) => return Err(USAGE.into()),
        };
        return worker(bucket, concurrency, quiet).await;
    }
    if !orchestrate(parse_options(&args)?).await? {
        std::process::exit(1);
    }
    Ok(())
}
