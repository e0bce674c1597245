//! The History pane: every abort, delete and rule change partsweep made, from the console
//! or the command line, as the journal recorded them, newest first. It opens over whatever
//! pane was shown, which is there again when it closes. The journal is read by the task
//! runner (`Command::LoadHistory`); nothing here touches a file.

use std::cmp::Ordering;

use super::table::{Filter, Row};
use super::{App, Level, Listing, Modal};
use crate::action::{Command, RequestId};
use crate::format;
use crate::ops::journal::{self, Entry, History};
use crate::s3::{ErrorKind, S3Error, Timestamp};
use crate::text::escape;

/// Newest first by default: `time` sorted descending.
pub const HISTORY_SORTS: &[&str] = &["time", "bucket", "action", "outcome"];

#[derive(Debug)]
pub struct HistoryView {
    pub listing: Listing<HistoryRow>,
    /// Where the journal is kept.
    pub journal: String,
    /// Lines of the journal that could not be read.
    pub unreadable: usize,
    /// Older entries past what the pane holds.
    pub left_out: usize,
}

/// One journal entry, with what the filter searches and its place in time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryRow {
    pub entry: Entry,
    /// Higher is newer: orders entries written in the same second as the journal did.
    order: u32,
    text: String,
}

impl HistoryRow {
    fn new(entry: Entry, order: u32) -> Self {
        let text = [
            entry.action.label(),
            entry.outcome.label(),
            &entry.bucket,
            entry.key.as_deref().unwrap_or(""),
            entry.upload_id.as_deref().unwrap_or(""),
            entry.version_id.as_deref().unwrap_or(""),
            entry.rule.as_deref().unwrap_or(""),
            entry.detail.as_deref().unwrap_or(""),
            entry.error.as_deref().unwrap_or(""),
            entry.endpoint.as_deref().unwrap_or(""),
        ]
        .join("\n");
        HistoryRow { entry, order, text }
    }
}

impl Row for HistoryRow {
    /// Words match any field (key, bucket, upload id, rule, action, outcome, error);
    /// `>7d` and `<1h` match the time of the write.
    fn matches(&self, filter: &Filter, now: Timestamp) -> bool {
        filter.matches_text(&self.text) && filter.matches_age(Some(self.entry.time), now)
    }

    fn compare(&self, other: &Self, column: usize) -> Ordering {
        let (a, b) = (&self.entry, &other.entry);
        match column {
            1 => a.bucket.cmp(&b.bucket),
            2 => a.action.label().cmp(b.action.label()),
            3 => a.outcome.label().cmp(b.outcome.label()),
            _ => Ordering::Equal,
        }
        .then_with(|| self.order.cmp(&other.order))
    }
}

impl App {
    pub fn history_open(&self) -> bool {
        self.history.is_some()
    }

    /// Opens the History pane and reads the journal, or closes it when it is open.
    pub(super) fn toggle_history(&mut self) -> Vec<Command> {
        if self.history.take().is_some() {
            return vec![];
        }
        let mut listing = Listing::default();
        listing.table.set_sort(0, true);
        self.history = Some(HistoryView {
            listing,
            journal: String::new(),
            unreadable: 0,
            left_out: 0,
        });
        self.load_history()
    }

    pub(super) fn load_history(&mut self) -> Vec<Command> {
        let request = self.next_id();
        let Some(view) = &mut self.history else {
            return vec![];
        };
        view.listing.request = request;
        view.listing.loading = true;
        view.listing.error = None;
        vec![Command::LoadHistory { request }]
    }

    pub(super) fn on_history_loaded(
        &mut self,
        request: RequestId,
        journal: String,
        result: Result<History, String>,
    ) {
        let now = self.now;
        let Some(view) = self
            .history
            .as_mut()
            .filter(|view| view.listing.request == request)
        else {
            return;
        };
        view.listing.loading = false;
        view.journal = journal;
        match result {
            Ok(history) => {
                view.listing.error = None;
                view.unreadable = history.unreadable;
                view.left_out = history.left_out;
                let count = history.entries.len();
                let rows = history
                    .entries
                    .into_iter()
                    .enumerate()
                    .map(|(i, entry)| HistoryRow::new(entry, (count - i) as u32))
                    .collect();
                view.listing.table.replace(rows, now);
            }
            Err(problem) => {
                self.toast(Level::Error, format!("history: {problem}"));
                if let Some(view) = &mut self.history {
                    view.listing.error = Some(S3Error::new(ErrorKind::Other, problem));
                }
            }
        }
    }

    /// Every field of the selected entry, in a box: the key and error in full.
    pub(super) fn show_history_entry(&mut self) {
        let Some(row) = self
            .history
            .as_ref()
            .and_then(|view| view.listing.table.selected())
        else {
            return;
        };
        let entry = &row.entry;
        let mut lines = vec![
            format!(
                "{}: {} · {}",
                journal::time_text(entry.time),
                entry.action.label(),
                entry.outcome.label()
            ),
            format!(
                "{} ago, from the {}",
                format::span(self.now - entry.time),
                match entry.via {
                    journal::Via::Console => "console",
                    journal::Via::Cli => "command line",
                }
            ),
            format!("endpoint: {}", escape(&entry.endpoint_text())),
            format!("bucket:   {}", escape(&entry.bucket)),
        ];
        let optional = [
            ("key:      ", &entry.key),
            ("version:  ", &entry.version_id),
            ("upload:   ", &entry.upload_id),
            ("rule:     ", &entry.rule),
            ("change:   ", &entry.detail),
            ("error:    ", &entry.error),
        ];
        for (label, value) in optional {
            if let Some(value) = value {
                lines.push(format!("{label}{}", escape(value)));
            }
        }
        self.push_modal(Modal::Summary {
            title: "A write on record".into(),
            lines,
        });
    }

    /// The journal cannot be written: said once, and kept for the History pane.
    pub(super) fn on_journal_failed(&mut self, problem: String) {
        self.toast(Level::Error, escape(&problem).into_owned());
        self.journal_problem = Some(problem);
    }
}
