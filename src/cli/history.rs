//! `partsweep history [--bucket B] [--since AGE] [FILTER…]`: every write partsweep made, from
//! the console or the command line, newest first, as the journal recorded it.

use clap::Args;

use super::context::Exit;
use super::output::{Align, Format, Messages, Out, OutputArgs, Rows};
use super::parse_age;
use crate::format;
use crate::ops::journal::{self, HistoryFilter};

#[derive(Debug, Clone, Args)]
pub struct HistoryArgs {
    /// Only entries with every word in them (key, bucket, upload id, rule, action, outcome, error).
    #[arg(value_name = "FILTER")]
    pub words: Vec<String>,
    /// Only writes to this bucket.
    #[arg(long, value_name = "B")]
    pub bucket: Option<String>,
    /// Only writes newer than this: 30m, 12h, 7d, 2w.
    #[arg(long, value_name = "AGE", value_parser = parse_age)]
    pub since: Option<i64>,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Reads the journal only: no server is contacted.
pub fn run(args: HistoryArgs, no_color: bool) -> Exit {
    let format = args.output.format();
    let mut out = Out::default();
    let mut messages = Messages::new(no_color);
    let Some(path) = journal::default_path() else {
        messages.error(&format!(
            "no journal: set XDG_STATE_HOME, HOME or {}",
            journal::PATH_VAR
        ));
        return Exit::Failure;
    };
    let history = match journal::read(&path, None) {
        Ok(history) => history,
        Err(err) => {
            messages.error(&format!("cannot read {}: {err}", path.display()));
            return Exit::Failure;
        }
    };
    if history.unreadable > 0 {
        messages.warning(&format!(
            "{} lines of {} are not journal entries; skipped",
            format::count(history.unreadable as u64),
            path.display()
        ));
    }
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let filter = HistoryFilter {
        bucket: args.bucket,
        since: args.since.map(|age| now - age),
        words: args.words,
    };
    let mut rows = Rows::new(
        format,
        &[
            ("TIME (UTC)", Align::Left),
            ("ENDPOINT", Align::Left),
            ("ACTION", Align::Left),
            ("OUTCOME", Align::Left),
            ("BUCKET", Align::Left),
            ("KEY / RULE", Align::Left),
            ("DETAIL", Align::Left),
        ],
    );
    for entry in history.entries.iter().filter(|entry| filter.keeps(entry)) {
        rows.push(&mut out, entry, || {
            vec![
                journal::time_text(entry.time),
                entry.endpoint_text(),
                entry.action.label().to_owned(),
                entry.outcome.label().to_owned(),
                entry.bucket.clone(),
                if entry.key.is_some() || entry.rule.is_some() {
                    entry.target().to_owned()
                } else {
                    "-".to_owned()
                },
                entry.detail_text(),
            ]
        });
        if out.is_closed() {
            break;
        }
    }
    let listed = rows.count();
    rows.finish(&mut out);
    if listed == 0 && format == Format::Table {
        messages.note(&if history.entries.is_empty() {
            format!("no writes recorded yet in {}", path.display())
        } else {
            "no write in the journal matches".to_owned()
        });
    }
    Exit::Success
}
