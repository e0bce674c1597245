//! The workers' figures and the table they make.

use std::collections::BTreeMap;

use crate::proxy::Tally;
use crate::tools::{Run, Tool, set_for};
use crate::{Error, Options, Scenario};

/// One run of one tool.
pub struct Measured {
    pub tool: Tool,
    pub scenario: Scenario,
    pub set: usize,
    pub listed: Option<usize>,
    pub list_seconds: Option<f64>,
    pub aborted: usize,
    pub abort_seconds: f64,
    pub peak_kb: u64,
    pub left: usize,
    /// Aborts the tool itself reported as failed (or not attempted).
    pub failed: usize,
    /// The requests the proxy saw during the run, and those it refused (SlowDown).
    pub proxy: Option<Tally>,
    /// partsweep only: what its summary says (answers that asked it to slow down, retries
    /// included; calls in flight allowed at the end) and the highest limit its gauge showed.
    pub throttled: Option<u64>,
    pub limit_end: Option<u64>,
    pub limit_peak: Option<u64>,
    /// Every object still there with the ETag, size and time it was seeded with.
    pub objects_untouched: bool,
    pub note: String,
}

impl Measured {
    pub fn rate(&self) -> f64 {
        if self.abort_seconds > 0.0 {
            self.aborted as f64 / self.abort_seconds
        } else {
            0.0
        }
    }
}

impl Measured {
    pub fn new(tool: Tool, scenario: Scenario, set: usize) -> Self {
        Measured {
            tool,
            scenario,
            set,
            listed: None,
            list_seconds: None,
            aborted: 0,
            abort_seconds: 0.0,
            peak_kb: 0,
            left: 0,
            failed: 0,
            proxy: None,
            throttled: None,
            limit_end: None,
            limit_peak: None,
            objects_untouched: false,
            note: String::new(),
        }
    }
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

pub fn read_worker(measured: &mut Measured, run: &Run) -> Result<(), Error> {
    let values = report_values(&run.stdout);
    measured.listed = Some(value(&values, "LISTED")?);
    measured.list_seconds = Some(value(&values, "LIST_SECONDS")?);
    measured.aborted = value(&values, "ABORTED")?;
    measured.abort_seconds = value(&values, "ABORT_SECONDS")?;
    measured.peak_kb = run.peak_kb;
    measured.failed = value(&values, "FAILED")?;
    measured.throttled = value(&values, "THROTTLED").ok();
    measured.limit_end = value(&values, "LIMIT_END").ok();
    measured.limit_peak = value(&values, "LIMIT_PEAK").ok();
    Ok(())
}

/// The median and the range of some figures, as `median (min–max)`.
fn spread(values: &[f64], digits: usize) -> String {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    let Some((&low, &high)) = sorted.first().zip(sorted.last()) else {
        return "–".into();
    };
    let median = median(&sorted);
    if sorted.len() == 1 {
        format!("{median:.digits$}")
    } else {
        format!("{median:.digits$} ({low:.digits$}–{high:.digits$})")
    }
}

fn median(sorted: &[f64]) -> f64 {
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// One line per tool and scenario: the median and range of its runs.
pub fn summary(rows: &[Measured], options: &Options) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "{} uploads per tool and run (the one-call-per-upload loops: {}); {} runs each; \
         median (min–max). \"of the rate limit\": aborted/s over the requests a second the \
         throttled scenario allows. \"failed\" and \"left\": the most of any run (aborts the tool \
         reported failed or not attempted; uploads still there). \"refused by the server\": the proxy's 503 \
         SlowDown answers in the run, retries included; \"ListParts\": the ListParts calls it \
         saw in the run (the console sizes uploads in the background, clear or not). \
         \"throttled, limit\": partsweep's \
         summary (times it was told to slow down; calls in flight allowed at the end) and the \
         highest limit its progress gauge showed.\n\n",
        options.uploads,
        set_for(Tool::AwsCli, options),
        options.repeats
    ));
    out.push_str(
        "| tool | scenario | uploads | runs | aborted/s | of the rate limit | list s | \
         peak RSS MB | failed | left | refused by the server | ListParts | \
         throttled, limit at end / peak | objects untouched | note |\n",
    );
    out.push_str("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|\n");
    let mut groups: Vec<(Tool, Scenario)> = Vec::new();
    for row in rows {
        if !groups.contains(&(row.tool, row.scenario)) {
            groups.push((row.tool, row.scenario));
        }
    }
    for (tool, scenario) in groups {
        let runs: Vec<&Measured> = rows
            .iter()
            .filter(|r| r.tool == tool && r.scenario == scenario)
            .collect();
        let figures = |f: &dyn Fn(&Measured) -> Option<f64>| -> Vec<f64> {
            runs.iter().filter_map(|r| f(r)).collect()
        };
        let rate = figures(&|r| Some(r.rate()));
        let digits = if rate.iter().all(|r| *r >= 10.0) {
            0
        } else {
            1
        };
        let of_limit = match scenario.rate_limit() {
            Some(limit) => {
                let shares = figures(&|r| Some(100.0 * r.rate() / limit));
                format!("{} %", spread(&shares, 0))
            }
            None => "–".into(),
        };
        let tally = |f: fn(Tally) -> u64| {
            if runs.iter().any(|r| r.proxy.is_some()) {
                spread(&figures(&|r| r.proxy.map(|t| f(t) as f64)), 0)
            } else {
                "–".into()
            }
        };
        let refused = tally(|t| t.refused);
        let list_parts = tally(|t| t.list_parts);
        let pace = if runs.iter().any(|r| r.throttled.is_some()) {
            format!(
                "{}; {} / {}",
                spread(&figures(&|r| r.throttled.map(|n| n as f64)), 0),
                spread(&figures(&|r| r.limit_end.map(|n| n as f64)), 0),
                spread(&figures(&|r| r.limit_peak.map(|n| n as f64)), 0),
            )
        } else {
            "–".into()
        };
        let mut notes: Vec<&str> = runs.iter().map(|r| r.note.trim()).collect();
        notes.dedup();
        let untouched = runs.iter().all(|r| r.objects_untouched);
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {of_limit} | {} | {} | {} | {} | {refused} | {list_parts} | {pace} | {} | {} |\n",
            tool.label(),
            scenario.label(),
            runs.first().map_or(0, |r| r.set),
            runs.len(),
            spread(&rate, digits),
            spread(&figures(&|r| r.list_seconds), 2),
            spread(&figures(&|r| (r.peak_kb > 0).then(|| r.peak_kb as f64 / 1024.0)), 1),
            runs.iter().map(|r| r.failed).max().unwrap_or(0),
            runs.iter().map(|r| r.left).max().unwrap_or(0),
            if untouched { "yes" } else { "NO" },
            notes.join("; ")
        ));
    }
    out
}

/// A big bucket listed through the proxy, split over prefixes and sequentially.
pub struct Listing {
    uploads: usize,
    prefixes: usize,
    split_seconds: Vec<f64>,
    split_requests: Vec<usize>,
    sequential_seconds: Vec<f64>,
    sequential_requests: Vec<usize>,
    listed: Vec<usize>,
    same: bool,
}

impl Listing {
    pub fn new(uploads: usize, prefixes: usize) -> Self {
        Listing {
            uploads,
            prefixes,
            split_seconds: Vec::new(),
            split_requests: Vec::new(),
            sequential_seconds: Vec::new(),
            sequential_requests: Vec::new(),
            listed: Vec::new(),
            same: true,
        }
    }

    pub fn record(
        &mut self,
        split_seconds: f64,
        split_requests: usize,
        sequential_seconds: f64,
        sequential_requests: usize,
        listed: usize,
        same: bool,
    ) {
        self.split_seconds.push(split_seconds);
        self.split_requests.push(split_requests);
        self.sequential_seconds.push(sequential_seconds);
        self.sequential_requests.push(sequential_requests);
        self.listed.push(listed);
        self.same &= same;
    }

    /// Both listings found exactly the uploads seeded, every run.
    pub fn same_sets(&self) -> bool {
        self.same
    }
}

pub fn listings(listing: &Listing, options: &Options) -> String {
    let sorted = |values: &[f64]| {
        let mut values = values.to_vec();
        values.sort_by(f64::total_cmp);
        values
    };
    let speedup =
        median(&sorted(&listing.sequential_seconds)) / median(&sorted(&listing.split_seconds));
    let requests =
        |values: &[usize]| spread(&values.iter().map(|&v| v as f64).collect::<Vec<_>>(), 0);
    let rate = |seconds: &[f64]| {
        let rates: Vec<f64> = seconds.iter().map(|s| listing.uploads as f64 / s).collect();
        spread(&rates, 0)
    };
    let mut out = format!(
        "\nListing {} uploads over {} prefixes through the proxy ({} ms a request), {} runs; \
         median (min–max).\n\n",
        listing.uploads,
        listing.prefixes,
        options.latency.as_millis(),
        listing.split_seconds.len()
    );
    out.push_str("| listing | seconds | uploads/s | requests | same set as seeded |\n");
    out.push_str("|---|---:|---:|---:|---|\n");
    let same = if listing.same { "yes" } else { "NO" };
    out.push_str(&format!(
        "| partsweep, split over prefixes ({} in flight) | {} | {} | {} | {same} |\n",
        partsweep::ops::list::PAGES_IN_FLIGHT,
        spread(&listing.split_seconds, 2),
        rate(&listing.split_seconds),
        requests(&listing.split_requests),
    ));
    out.push_str(&format!(
        "| sequential paging | {} | {} | {} | {same} |\n",
        spread(&listing.sequential_seconds, 2),
        rate(&listing.sequential_seconds),
        requests(&listing.sequential_requests),
    ));
    out.push_str(&format!(
        "\nSplit over sequential: {speedup:.1}× faster (median over median; goal ≥ 5×); {} listed per run.\n",
        listing.listed.first().copied().unwrap_or(0)
    ));
    out
}
