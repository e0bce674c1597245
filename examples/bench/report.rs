//! The workers' figures and the table they make.

use std::collections::BTreeMap;

use crate::tools::{Run, Tool, set_for};
use crate::{Error, Options};

/// One row of the table.
pub struct Measured {
    pub tool: Tool,
    pub set: usize,
    pub listed: Option<usize>,
    pub list_seconds: Option<f64>,
    pub aborted: usize,
    pub abort_seconds: f64,
    pub peak_kb: u64,
    pub left: usize,
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
    pub fn new(tool: Tool, set: usize) -> Self {
        Measured {
            tool,
            set,
            listed: None,
            list_seconds: None,
            aborted: 0,
            abort_seconds: 0.0,
            peak_kb: 0,
            left: 0,
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
    let failed: usize = value(&values, "FAILED")?;
    if failed > 0 {
        measured.note.push_str(&format!(" {failed} failed"));
    }
    Ok(())
}

pub fn table(rows: &[Measured], options: &Options) -> String {
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
