//! UI at scale, no server: a million synthetic incomplete uploads fed to the real `App` as
//! listing pages, then filter, sort, one frame's draw (200×50 `TestBackend`), memory, and
//! how long a key waits while a clear's results flood in.
//!
//! `cargo run --release --example bench_ui -- [--rows N]`

#[path = "support/console.rs"]
mod console;

use std::sync::Arc;
use std::time::Instant;

use console::key;
use partsweep::action::Action;
use partsweep::app::App;
use partsweep::s3::{AbortOutcome, Bucket, Upload, UploadRef};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode;

type Error = Box<dyn std::error::Error>;

const PAGE: usize = 1_000;
const DAY: i64 = 86_400;

/// Targets from the issue.
const FILTER_SORT_TARGET_MS: f64 = 50.0;
const FRAME_TARGET_MS: f64 = 5.0;
const MEMORY_TARGET_MB: f64 = 400.0;

fn resident_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
            line.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// A Garage-like upload: a nested key, a 64-hex-digit id, an age spread over 60 days.
fn synthetic_upload(i: usize, now: i64, class: &Arc<str>) -> Upload {
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
        storage_class: Some(class.clone()),
    }
}

struct Timing {
    name: String,
    millis: f64,
    target: Option<f64>,
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1e3
}

struct Bench {
    app: App,
    terminal: Terminal<TestBackend>,
    timings: Vec<Timing>,
}

impl Bench {
    fn record(&mut self, name: impl Into<String>, millis: f64, target: Option<f64>) {
        let name = name.into();
        let verdict = match target {
            Some(t) if millis <= t => format!("  (target {t} ms: met)"),
            Some(t) => format!("  (target {t} ms: MISSED)"),
            None => String::new(),
        };
        eprintln!("{name}: {millis:.2} ms{verdict}");
        self.timings.push(Timing {
            name,
            millis,
            target,
        });
    }

    fn update(&mut self, action: Action) {
        let _ = self.app.update(action);
    }

    /// A key press as the event loop handles it: update, then settle before the next frame.
    fn timed_key(&mut self, name: &str, code: KeyCode, target: Option<f64>) {
        let started = Instant::now();
        self.update(key(code));
        self.app.settle();
        self.record(name, ms(started), target);
    }

    fn draw(&mut self) -> Result<f64, Error> {
        let started = Instant::now();
        self.app.settle();
        let app = &self.app;
        self.terminal
            .draw(|frame| partsweep::ui::draw(frame, app))?;
        Ok(ms(started))
    }

    /// The slowest of `n` frames: what a user feels is the worst one.
    fn frames(&mut self, name: &str, n: usize) -> Result<(), Error> {
        let mut slowest: f64 = 0.0;
        for _ in 0..n {
            slowest = slowest.max(self.draw()?);
        }
        self.record(
            format!("{name} (slowest of {n})"),
            slowest,
            Some(FRAME_TARGET_MS),
        );
        Ok(())
    }
}

fn main() -> Result<(), Error> {
    let mut rows: usize = 1_000_000;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rows" => rows = args.next().ok_or("--rows N")?.parse()?,
            other => return Err(format!("unknown argument {other:?}").into()),
        }
    }
    let now = console::unix_now();
    let mut bench = Bench {
        app: App::new("bench", false, now),
        terminal: Terminal::new(TestBackend::new(200, 50))?,
        timings: Vec::new(),
    };
    let _ = bench.app.start();
    let request = bench.app.buckets.request;
    bench.update(Action::BucketsLoaded {
        request,
        result: Ok(vec![Bucket {
            name: "big".into(),
            region: None,
            created: Some(now - 400 * DAY),
        }]),
    });
    bench.update(key(KeyCode::Char('u')));
    let request = bench
        .app
        .bucket
        .as_ref()
        .ok_or("the bucket did not open")?
        .uploads
        .request;

    let before = resident_mb();
    let class: Arc<str> = Arc::from("STANDARD");
    let started = Instant::now();
    let mut slowest_page: f64 = 0.0;
    let mut slowest_settle: f64 = 0.0;
    let mut sent = 0;
    while sent < rows {
        let end = (sent + PAGE).min(rows);
        let page: Vec<Upload> = (sent..end)
            .map(|i| synthetic_upload(i, now, &class))
            .collect();
        sent = end;
        let page_started = Instant::now();
        bench.update(Action::UploadsPage {
            request,
            result: Ok(page),
            done: sent == rows,
        });
        slowest_page = slowest_page.max(ms(page_started));
        // The console settles (sorts the new rows in) before each frame; here, the worst
        // case: a frame after every page.
        let settle_started = Instant::now();
        bench.app.settle();
        slowest_settle = slowest_settle.max(ms(settle_started));
    }
    let ingest = ms(started);
    let after = resident_mb();
    eprintln!("{rows} rows: RSS {before:.0} MB before, {after:.0} MB after");
    bench.record(
        format!("list {rows} rows in {PAGE}-row pages, sorted in after each"),
        ingest,
        None,
    );
    bench.record("slowest page (update)", slowest_page, None);
    bench.record(
        "slowest sort-in of a page (settle)",
        slowest_settle,
        Some(FILTER_SORT_TARGET_MS),
    );
    bench.frames("frame", 20)?;

    // Sorting: `s` cycles key → initiated → storage class → key.
    bench.timed_key(
        "sort by initiated (s)",
        KeyCode::Char('s'),
        Some(FILTER_SORT_TARGET_MS),
    );
    bench.timed_key(
        "sort by storage class (s)",
        KeyCode::Char('s'),
        Some(FILTER_SORT_TARGET_MS),
    );
    bench.timed_key(
        "sort by key (s)",
        KeyCode::Char('s'),
        Some(FILTER_SORT_TARGET_MS),
    );
    bench.timed_key(
        "reverse sort (S)",
        KeyCode::Char('S'),
        Some(FILTER_SORT_TARGET_MS),
    );
    bench.timed_key(
        "reverse back (S)",
        KeyCode::Char('S'),
        Some(FILTER_SORT_TARGET_MS),
    );

    // Filtering, one keystroke at a time, as typed.
    bench.update(key(KeyCode::Char('/')));
    let mut typed = String::new();
    for c in "host-1x".chars() {
        typed.push(c);
        bench.timed_key(
            &format!("filter keystroke -> {typed:?}"),
            KeyCode::Char(c),
            Some(FILTER_SORT_TARGET_MS),
        );
    }
    bench.frames("frame, filtered", 5)?;
    for n in 0..7 {
        bench.timed_key(
            &format!("filter backspace {}", n + 1),
            KeyCode::Backspace,
            Some(FILTER_SORT_TARGET_MS),
        );
    }
    bench.update(key(KeyCode::Esc));
    bench.update(key(KeyCode::Char('/')));
    bench.update(key(KeyCode::Char('>')));
    bench.update(key(KeyCode::Char('7')));
    bench.timed_key(
        "age filter '>7d'",
        KeyCode::Char('d'),
        Some(FILTER_SORT_TARGET_MS),
    );
    bench.timed_key(
        "age filter cleared (esc)",
        KeyCode::Esc,
        Some(FILTER_SORT_TARGET_MS),
    );

    // Marks: `a` marks every shown row; the pane title counts them every frame.
    bench.timed_key("mark all (a)", KeyCode::Char('a'), None);
    bench.frames("frame, all marked", 20)?;
    bench.timed_key("unmark all (a)", KeyCode::Char('a'), None);
    for _ in 0..3 {
        bench.update(key(KeyCode::Char(' ')));
    }
    bench.frames("frame, 3 marked", 20)?;

    // A clear of everything: D asks, y starts (this builds the job's bookkeeping).
    bench.update(key(KeyCode::Char('u')));
    bench.timed_key(
        "clear all: D opens the confirmation",
        KeyCode::Char('D'),
        None,
    );
    let uploads: Vec<UploadRef> = bench
        .app
        .bucket
        .as_ref()
        .map(|view| {
            view.uploads
                .table
                .items
                .iter()
                .map(|row| row.upload.clone())
                .collect()
        })
        .unwrap_or_default();
    bench.timed_key(
        "clear all: confirm (y) starts the job",
        KeyCode::Char('y'),
        None,
    );
    let job = bench.app.job.as_ref().ok_or("no job started")?.id;
    eprintln!("RSS with the job's bookkeeping: {:.0} MB", resident_mb());

    // Results arrive in batches of at most 4,096 per frame; a key waits behind one batch
    // and one frame at most.
    let mut slowest_batch: f64 = 0.0;
    let mut slowest_key: f64 = 0.0;
    let mut results = uploads.into_iter();
    loop {
        let batch: Vec<UploadRef> = results.by_ref().take(console::MAX_BATCH).collect();
        if batch.is_empty() {
            break;
        }
        let started = Instant::now();
        for upload in batch {
            bench.update(Action::Aborted {
                job,
                upload,
                result: Ok(AbortOutcome::Aborted),
            });
        }
        slowest_batch = slowest_batch.max(ms(started));
        let started = Instant::now();
        bench.update(key(KeyCode::Char('j')));
        slowest_key = slowest_key.max(ms(started));
    }
    bench.record("slowest batch of 4,096 abort results", slowest_batch, None);
    bench.record("a key handled between batches", slowest_key, None);
    bench.frames("frame while clearing", 5)?;
    let latency = slowest_batch + bench.timings.last().map(|t| t.millis).unwrap_or(0.0);
    bench.record(
        "worst key latency while a clear floods in (batch + frame)",
        latency,
        Some(FILTER_SORT_TARGET_MS),
    );
    let started = Instant::now();
    bench.update(Action::JobFinished {
        job,
        not_attempted: Vec::new(),
    });
    bench.record("job finished: drop the done rows", ms(started), None);

    println!("| measurement ({rows} rows) | ms | target |");
    println!("|---|---:|---|");
    for t in &bench.timings {
        let target = match t.target {
            Some(target) if t.millis <= target => format!("< {target} ms ✓"),
            Some(target) => format!("< {target} ms ✗"),
            None => String::new(),
        };
        println!("| {} | {:.2} | {} |", t.name, t.millis, target);
    }
    let grown = after - before;
    let verdict = if after <= MEMORY_TARGET_MB {
        "✓"
    } else {
        "✗"
    };
    println!(
        "| RSS with {rows} rows listed | {after:.0} MB ({grown:.0} MB for the rows) | < {MEMORY_TARGET_MB} MB {verdict} |"
    );
    Ok(())
}
