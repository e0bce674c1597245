//! UI at scale, no server: a million synthetic incomplete uploads fed to the console as listing
//! pages, then sorting and filtering key by key, memory, and a clear of everything, all
//! through the console's event loop (`support/console.rs`: the rules of `tui.rs`, drawing
//! 200×50 into a `TestBackend`). A key's time runs from the key press to the end of the frame
//! that shows its effect.
//!
//! `cargo run --release --example bench_ui -- [--rows N] [--repeats R] [--sizes]`
//! (`--sizes`: before the clear, every row's size arrives, and the memory they take is shown)

#[path = "support/console.rs"]
mod console;

use std::sync::Arc;
use std::time::{Duration, Instant};

use console::Console;
use partsweep::action::{Action, Command, SizeEvent};
use partsweep::ops::sizes::Size;
use partsweep::s3::{AbortOutcome, Bucket, PartsSummary, Upload};
use ratatui::crossterm::event::KeyCode;

type Error = Box<dyn std::error::Error>;

const PAGE: usize = 1_000;
const DAY: i64 = 86_400;
const LIMIT: Duration = Duration::from_secs(600);

/// Targets from the issue.
const KEY_TARGET_MS: f64 = 16.0;
const ROWS_TARGET_MB: f64 = 150.0;
const CLEAR_TARGET_MB: f64 = 250.0;

/// Names longer than 8 bytes (`INTELLIGENT_TIERING`, `STANDARD_IA`) tie on their sort hint and
/// take the slower path of the class sort.
const CLASSES: &[&str] = &[
    "STANDARD",
    "STANDARD_IA",
    "INTELLIGENT_TIERING",
    "GLACIER",
    "GLACIER_IR",
    "DEEP_ARCHIVE",
    "ONEZONE_IA",
    "REDUCED_REDUNDANCY",
];

fn status_mb(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with(field))?;
            line.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

fn resident_mb() -> f64 {
    status_mb("VmRSS:")
}

/// Starts the peak (`VmHWM`) afresh from the current size.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// A Garage-like upload: a nested key, a 64-hex-digit id, an age spread over 60 days, a class
/// out of eight.
fn synthetic_upload(i: usize, now: i64, classes: &[Arc<str>]) -> Upload {
    let mix = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    Upload {
        key: format!(
            "backups/host-{:03}/2025-{:02}/{i:07}-{:x}.tar.zst",
            mix % 500,
            1 + (mix >> 9) % 12,
            mix >> 40
        )
        .into(),
        upload_id: format!("{mix:016x}{:016x}{:016x}{:016x}", !mix, mix ^ 0xabc, i).into(),
        initiated: Some(now - (mix % (60 * DAY as u64)) as i64),
        storage_class: Some(classes[(mix >> 20) as usize % classes.len()].clone()),
        key_undecodable: false,
    }
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

/// The value below which `share` of `values` fall (nearest rank).
fn percentile(values: &[f64], share: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((share * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len().max(1));
    sorted.get(rank - 1).copied().unwrap_or(0.0)
}

struct Bench {
    console: Console,
    rows: Vec<(String, String, String)>,
    /// Each key's times over the rounds, in the order first pressed; whether it counts.
    keys: Vec<(String, bool, Vec<f64>)>,
}

impl Bench {
    fn row(&mut self, name: impl Into<String>, value: String, target: impl Into<String>) {
        let name = name.into();
        eprintln!("{name}: {value}");
        self.rows.push((name, value, target.into()));
    }

    /// A key through the event loop; sorts and filter keys count towards the key target.
    /// Each key in turn: (name, key, counted in the goal's figures).
    async fn keys(&mut self, steps: &[(&str, KeyCode, bool)]) -> Result<(), Error> {
        for &(name, code, counted) in steps {
            self.key(name, code, counted).await?;
        }
        Ok(())
    }

    async fn key(&mut self, name: &str, code: KeyCode, counted: bool) -> Result<f64, Error> {
        let millis = ms(self.console.timed_key(code).await?);
        eprintln!("{name}: {millis:.2} ms");
        match self.keys.iter_mut().find(|(n, _, _)| n == name) {
            Some((_, _, times)) => times.push(millis),
            None => self.keys.push((name.to_owned(), counted, vec![millis])),
        }
        Ok(millis)
    }

    /// Every counted key's times, all rounds.
    fn counted(&self) -> Vec<f64> {
        let counted = self.keys.iter().filter(|(_, counted, _)| *counted);
        counted
            .flat_map(|(_, _, times)| times.iter().copied())
            .collect()
    }

    async fn settle(&mut self, what: &str) -> Result<(), Error> {
        let handled = self.console.actions;
        self.console
            .run(LIMIT, what, |c| c.actions > handled)
            .await?;
        Ok(())
    }
}

fn verdict(value: f64, target: f64, unit: &str) -> String {
    let mark = if value <= target { "✓" } else { "✗" };
    format!("≤ {target} {unit} {mark}")
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let mut rows: usize = 1_000_000;
    let mut rounds: usize = 3;
    let mut with_sizes = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rows" => rows = args.next().ok_or("--rows N")?.parse()?,
            "--repeats" => rounds = args.next().ok_or("--repeats N")?.parse::<usize>()?.max(1),
            "--sizes" => with_sizes = true,
            other => return Err(format!("unknown argument {other:?}").into()),
        }
    }
    let now = console::unix_now();
    let mut bench = Bench {
        console: Console::offline()?,
        rows: Vec::new(),
        keys: Vec::new(),
    };
    let request = bench.console.app.buckets.request;
    bench.console.inject(Action::BucketsLoaded {
        request,
        result: Ok(vec![Bucket {
            name: "big".into(),
            region: None,
            created: Some(now - 400 * DAY),
        }]),
    });
    bench.settle("the bucket list").await?;
    bench
        .key("open the bucket's uploads (u)", KeyCode::Char('u'), false)
        .await?;
    let request = bench
        .console
        .app
        .bucket
        .as_ref()
        .ok_or("the bucket did not open")?
        .uploads
        .request;

    // The listing: pages arrive a few at a time while the loop runs, as from the network.
    let before = resident_mb();
    let classes: Vec<Arc<str>> = CLASSES.iter().map(|c| Arc::from(*c)).collect();
    let started = Instant::now();
    bench.console.slowest_frame = Duration::ZERO;
    let mut sent = 0;
    while sent < rows {
        for _ in 0..8 {
            let end = (sent + PAGE).min(rows);
            let page: Vec<Upload> = (sent..end)
                .map(|i| synthetic_upload(i, now, &classes))
                .collect();
            sent = end;
            bench.console.inject(Action::UploadsPage {
                request,
                result: Ok(page),
                done: sent == rows,
            });
            if sent == rows {
                break;
            }
        }
        let handled = bench.console.actions;
        bench
            .console
            .run(LIMIT, "listing pages", |c| c.actions > handled)
            .await?;
    }
    bench
        .console
        .run_until(LIMIT, "the listing", |app| {
            app.bucket.as_ref().is_some_and(|v| !v.uploads.loading)
        })
        .await?;
    let ingest = started.elapsed();
    let listed = resident_mb();
    // A user looks at the list before the first key: the clock ticks meanwhile.
    let ticks = bench.console.actions;
    bench
        .console
        .run(LIMIT, "a pause", |c| c.actions >= ticks + 3)
        .await?;
    bench.row(
        format!("list {rows} rows, {PAGE} a page, 8 pages between frames"),
        format!("{:.0} ms", ms(ingest)),
        "",
    );
    bench.row(
        "slowest frame while listing (sorts new rows in)",
        format!("{:.2} ms", ms(bench.console.slowest_frame)),
        "",
    );
    bench.row(
        format!("RSS with {rows} rows listed"),
        format!("{listed:.0} MB ({:.0} MB for the rows)", listed - before),
        verdict(listed, ROWS_TARGET_MB, "MB"),
    );

    // The same keys, round after round: each ends as it began (by key, no filter).
    for _ in 0..rounds {
        // Sorting: `s` cycles key → initiated → storage class → key.
        bench
            .keys(&[
                ("sort by initiated (s)", KeyCode::Char('s'), true),
                ("sort by storage class (s)", KeyCode::Char('s'), true),
                ("sort by key (s)", KeyCode::Char('s'), true),
                ("reverse sort (S)", KeyCode::Char('S'), true),
                ("reverse back (S)", KeyCode::Char('S'), true),
                ("sort by initiated again (s)", KeyCode::Char('s'), true),
            ])
            .await?;

        // Filtering, one keystroke at a time, as typed, then taken back.
        bench
            .key("open the filter (/)", KeyCode::Char('/'), false)
            .await?;
        let mut typed = String::new();
        for c in "host-1x".chars() {
            typed.push(c);
            bench
                .key(
                    &format!("filter keystroke -> {typed:?}"),
                    KeyCode::Char(c),
                    true,
                )
                .await?;
        }
        for n in 0..7 {
            bench
                .key(
                    &format!("filter backspace {}", n + 1),
                    KeyCode::Backspace,
                    true,
                )
                .await?;
        }
        typed.clear();
        for c in "2025-07".chars() {
            typed.push(c);
            bench
                .key(
                    &format!("filter keystroke -> {typed:?}"),
                    KeyCode::Char(c),
                    true,
                )
                .await?;
        }
        bench
            .keys(&[
                ("filter cleared (esc)", KeyCode::Esc, true),
                ("open the filter (/)", KeyCode::Char('/'), false),
                ("age filter '>'", KeyCode::Char('>'), true),
                ("age filter '>7'", KeyCode::Char('7'), true),
                ("age filter '>7d'", KeyCode::Char('d'), true),
                ("age filter cleared (esc)", KeyCode::Esc, true),
                ("sort by storage class (s)", KeyCode::Char('s'), true),
                ("sort by key (s)", KeyCode::Char('s'), true),
            ])
            .await?;
    }

    // Marks: `a` marks every shown row; the pane title counts them every frame.
    bench.key("mark all (a)", KeyCode::Char('a'), false).await?;
    bench
        .key("unmark all (a)", KeyCode::Char('a'), false)
        .await?;

    // `--sizes`: every row's size arrives, as background ListParts would bring them.
    if with_sizes {
        let handles: Vec<_> = bench
            .console
            .app
            .bucket
            .as_ref()
            .ok_or("the bucket closed")?
            .uploads
            .table
            .items
            .iter()
            .map(|row| row.upload.clone())
            .collect();
        let started = Instant::now();
        for (batch, handles) in handles.chunks(console::MAX_BATCH).enumerate() {
            for (i, upload) in handles.iter().enumerate() {
                let parts = ((batch + i) % 3) as u64;
                let result = Ok(Some(Size::Known(PartsSummary {
                    parts,
                    bytes: parts * (8 << 20),
                    last_activity: Some(now - DAY),
                })));
                bench.console.inject(Action::Sizes(SizeEvent::Measured {
                    request,
                    bucket: "big".into(),
                    upload: upload.clone(),
                    result,
                }));
            }
            let all = bench.console.actions + handles.len() as u64;
            bench
                .console
                .run(LIMIT, "sizes", |c| c.actions >= all)
                .await?;
        }
        drop(handles);
        bench.row(
            format!("sizes of all {rows} rows arrive (--sizes)"),
            format!("{:.0} ms", ms(started.elapsed())),
            "",
        );
        bench.row(
            "RSS with every size read (--sizes)",
            format!("{:.0} MB", resident_mb()),
            "",
        );
    }

    // A clear of everything: D asks, y starts; the results flood back as the tasks would send
    // them, with a key pressed between floods.
    reset_peak();
    bench
        .key(
            "clear all: D opens the confirmation",
            KeyCode::Char('D'),
            false,
        )
        .await?;
    bench
        .key(
            "clear all: confirm (y) starts the job",
            KeyCode::Char('y'),
            false,
        )
        .await?;
    let (job, uploads) = bench
        .console
        .commands
        .drain(..)
        .find_map(|command| match command {
            Command::AbortUploads { job, uploads, .. } => Some((job, uploads)),
            _ => None,
        })
        .ok_or("no abort job started")?;
    let cleared = uploads.len();
    let started = Instant::now();
    let mut slowest_key: f64 = 0.0;
    let mut results = uploads.into_iter();
    loop {
        let batch: Vec<_> = results.by_ref().take(console::MAX_BATCH).collect();
        if batch.is_empty() {
            break;
        }
        for upload in batch {
            bench.console.inject(Action::Aborted {
                job,
                upload,
                result: Ok(AbortOutcome::Aborted),
            });
        }
        slowest_key = slowest_key.max(ms(bench.console.timed_key(KeyCode::Char('j')).await?));
    }
    bench.console.inject(Action::JobFinished {
        job,
        not_attempted: Vec::new(),
    });
    bench
        .console
        .run_until(LIMIT, "the clear", |app| app.job.is_none())
        .await?;
    let clear = started.elapsed();
    let peak = status_mb("VmHWM:");
    bench.row(
        format!("clear all: {cleared} results handled"),
        format!("{:.0} ms", ms(clear)),
        "",
    );
    bench.row(
        "a key pressed while results flood in (4,096 between keys)",
        format!("{slowest_key:.2} ms (slowest)"),
        "",
    );
    bench.row(
        "peak RSS from the confirmation to the end of the clear",
        format!("{peak:.0} MB"),
        verdict(peak, CLEAR_TARGET_MB, "MB"),
    );

    let counted = bench.counted();
    let p50 = percentile(&counted, 0.5);
    let p95 = percentile(&counted, 0.95);
    let worst = percentile(&counted, 1.0);
    let summary = format!(
        "p50 {p50:.2} ms, p95 {p95:.2} ms, slowest {worst:.2} ms over {} keys",
        counted.len()
    );
    bench.row(
        "every sort and filter key, press to drawn frame",
        summary,
        verdict(p95, KEY_TARGET_MS, "ms at p95"),
    );

    let keys = std::mem::take(&mut bench.keys);
    for (name, counted, times) in keys {
        let value = format!(
            "{:.2} ms ({:.2}–{:.2}, {} rounds)",
            percentile(&times, 0.5),
            percentile(&times, 0.0),
            percentile(&times, 1.0),
            times.len()
        );
        let target = if counted { "counted in p95" } else { "" };
        bench.rows.push((name, value, target.into()));
    }
    println!("| measurement ({rows} rows; keys: median (min–max)) | value | target |");
    println!("|---|---:|---|");
    for (name, value, target) in &bench.rows {
        println!("| {name} | {value} | {target} |");
    }
    Ok(())
}
