//! How headless commands print: aligned tables for people, JSON for scripts, and
//! messages on stderr. Shared by every subcommand (uploads, clear, lifecycle, rb, ...).

use std::io::{self, BufWriter, IsTerminal, StdoutLock, Write};

use clap::Args;
use serde::Serialize;
use unicode_width::UnicodeWidthStr;

use crate::format;
use crate::ops::sizes::{BucketTotals, Size};
use crate::s3::{Bucket, Entry, EntryKind, S3Error, Timestamp, Upload, UploadRef, shown_key};
use crate::text;

/// `--json` / `--jsonl`, flattened into every headless subcommand (global, so that
/// `lifecycle BUCKET rm ID --json` takes them after the action too).
#[derive(Debug, Clone, Copy, Default, Args)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// Print one JSON document instead of a table.
    #[arg(long, global = true, conflicts_with = "jsonl")]
    pub json: bool,
    /// Print one JSON object per line, as results arrive.
    #[arg(long, global = true)]
    pub jsonl: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Jsonl,
}

impl OutputArgs {
    pub fn format(&self) -> Format {
        if self.json {
            Format::Json
        } else if self.jsonl {
            Format::Jsonl
        } else {
            Format::Table
        }
    }
}

/// Buffered stdout that goes quiet, instead of panicking, once its reader has gone
/// (`partsweep uploads | head`).
pub struct Out {
    writer: BufWriter<StdoutLock<'static>>,
    closed: bool,
}

impl Default for Out {
    fn default() -> Self {
        Out {
            writer: BufWriter::new(io::stdout().lock()),
            closed: false,
        }
    }
}

impl Out {
    pub fn line(&mut self, text: &str) {
        self.write(text);
        self.write("\n");
    }

    pub fn write(&mut self, text: &str) {
        if !self.closed && self.writer.write_all(text.as_bytes()).is_err() {
            self.closed = true;
        }
    }

    pub fn json<T: Serialize>(&mut self, value: &T) {
        match serde_json::to_string(value) {
            Ok(text) => self.line(&text),
            Err(err) => eprintln!("partsweep: cannot write JSON: {err}"),
        }
    }

    pub fn flush(&mut self) {
        if !self.closed && self.writer.flush().is_err() {
            self.closed = true;
        }
    }

    /// The reader went away: listing more is pointless.
    pub fn is_closed(&self) -> bool {
        self.closed
    }
}

impl Drop for Out {
    fn drop(&mut self) {
        self.flush();
    }
}

/// Messages for people, on stderr: errors, warnings, and progress that is only drawn on a terminal.
pub struct Messages {
    color: bool,
    progress: bool,
    progress_shown: bool,
}

impl Messages {
    pub fn new(no_color: bool) -> Self {
        let terminal = io::stderr().is_terminal();
        Messages {
            color: terminal && !no_color && std::env::var_os("NO_COLOR").is_none(),
            progress: terminal,
            progress_shown: false,
        }
    }

    // Everything printed here may quote a server (an error message, a rule, a bucket name):
    // it is escaped on the way out, which leaves text already escaped as it was.

    pub fn error(&mut self, text: &str) {
        let text = text::escape(text);
        self.clear_progress();
        if self.color {
            eprintln!("\x1b[31mpartsweep:\x1b[0m {text}");
        } else {
            eprintln!("partsweep: {text}");
        }
    }

    pub fn warning(&mut self, text: &str) {
        let text = text::escape(text);
        self.clear_progress();
        if self.color {
            eprintln!("\x1b[33mpartsweep: warning:\x1b[0m {text}");
        } else {
            eprintln!("partsweep: warning: {text}");
        }
    }

    /// A warning that can be given from anywhere, later (the journal's): it clears a progress
    /// line first when progress is drawn.
    pub fn warning_printer(&self) -> impl Fn(&str) + Send + Sync + 'static {
        let (color, progress) = (self.color, self.progress);
        move |text| {
            let clear = if progress { "\r\x1b[2K" } else { "" };
            if color {
                eprintln!("{clear}\x1b[33mpartsweep: warning:\x1b[0m {text}");
            } else {
                eprintln!("{clear}partsweep: warning: {text}");
            }
        }
    }

    pub fn s3_error(&mut self, context: &str, err: &S3Error) {
        self.error(&format!("{context}: {}", err.display_line()));
    }

    pub fn note(&mut self, text: &str) {
        let text = text::escape(text);
        self.clear_progress();
        eprintln!("{text}");
    }

    /// One self-overwriting status line; nothing at all when stderr is not a terminal.
    pub fn progress(&mut self, text: &str) {
        if self.progress {
            eprint!("\r\x1b[2K{}", text::escape(text));
            self.progress_shown = true;
        }
    }

    pub fn disable_progress(&mut self) {
        self.clear_progress();
        self.progress = false;
    }

    pub fn clear_progress(&mut self) {
        if self.progress_shown {
            eprint!("\r\x1b[2K");
            self.progress_shown = false;
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// Columns sized to their widest cell (in terminal columns); cells are escaped on the way in.
pub struct Table {
    headers: Vec<&'static str>,
    aligns: Vec<Align>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(columns: &[(&'static str, Align)]) -> Self {
        Table {
            headers: columns.iter().map(|(name, _)| *name).collect(),
            aligns: columns.iter().map(|(_, align)| *align).collect(),
            rows: Vec::new(),
        }
    }

    pub fn push(&mut self, cells: Vec<String>) {
        let escaped = cells
            .into_iter()
            .map(|cell| text::escape(&cell).into_owned())
            .collect();
        self.rows.push(escaped);
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn render(&self) -> Vec<String> {
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.width()).collect();
        for row in &self.rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.width());
            }
        }
        let header: Vec<String> = self.headers.iter().map(|h| h.to_string()).collect();
        std::iter::once(&header)
            .chain(&self.rows)
            .map(|row| self.render_row(row, &widths))
            .collect()
    }

    fn render_row(&self, row: &[String], widths: &[usize]) -> String {
        let last = row.len().saturating_sub(1);
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            let pad = widths[i].saturating_sub(cell.width());
            let align = self.aligns.get(i).copied().unwrap_or(Align::Left);
            if align == Align::Right {
                line.push_str(&" ".repeat(pad));
            }
            line.push_str(cell);
            if align == Align::Left && i != last {
                line.push_str(&" ".repeat(pad));
            }
        }
        line
    }

    pub fn print(&self, out: &mut Out) {
        for line in self.render() {
            out.line(&line);
        }
    }
}

/// Rows of one kind in the chosen format: a table printed at the end (it needs every
/// width), a JSON array or JSON lines printed as rows arrive.
pub struct Rows {
    format: Format,
    table: Table,
    opened: bool,
    count: u64,
}

impl Rows {
    pub fn new(format: Format, columns: &[(&'static str, Align)]) -> Self {
        Rows {
            format,
            table: Table::new(columns),
            opened: false,
            count: 0,
        }
    }

    /// `cells` is only built for tables.
    pub fn push<T: Serialize>(
        &mut self,
        out: &mut Out,
        value: &T,
        cells: impl FnOnce() -> Vec<String>,
    ) {
        self.count += 1;
        match self.format {
            Format::Table => self.table.push(cells()),
            Format::Jsonl => out.json(value),
            Format::Json => {
                let text = match serde_json::to_string(value) {
                    Ok(text) => text,
                    Err(err) => {
                        eprintln!("partsweep: cannot write JSON: {err}");
                        return;
                    }
                };
                let separator = if self.opened { ",\n  " } else { "[\n  " };
                self.opened = true;
                out.write(separator);
                out.write(&text);
            }
        }
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn finish(self, out: &mut Out) {
        match self.format {
            Format::Table => {
                if !self.table.is_empty() {
                    self.table.print(out);
                }
            }
            Format::Json => out.line(if self.opened { "\n]" } else { "[]" }),
            Format::Jsonl => {}
        }
        out.flush();
    }
}

/// An upload as scripts see it. `parts`, `bytes` and `last_activity` are null unless asked
/// for (`--parts`), and when the upload's parts could not be read (`size_error` says why).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct UploadRow {
    pub bucket: String,
    /// Exactly the key; null for one that is not UTF-8, which JSON cannot carry.
    pub key: Option<String>,
    /// Only for a key that is not UTF-8: as the server URL-encoded it (a space as `+`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_url_encoded: Option<String>,
    pub upload_id: String,
    pub initiated: Option<String>,
    pub storage_class: Option<String>,
    pub parts: Option<u64>,
    pub bytes: Option<u64>,
    /// The newest part's time; the start time when there is no part.
    pub last_activity: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size_error: Option<String>,
}

impl UploadRow {
    pub fn new(bucket: &str, upload: &Upload) -> Self {
        UploadRow {
            bucket: bucket.to_owned(),
            key: (!upload.key_undecodable).then(|| upload.key.to_string()),
            key_url_encoded: upload.key_undecodable.then(|| upload.key.to_string()),
            upload_id: upload.upload_id.to_string(),
            initiated: format::rfc3339(upload.initiated),
            storage_class: upload.storage_class.as_deref().map(str::to_owned),
            parts: None,
            bytes: None,
            last_activity: None,
            size_error: None,
        }
    }

    /// Fills in what ListParts found.
    pub fn with_size(mut self, size: &Size) -> Self {
        match size {
            Size::Known(summary) => {
                self.parts = Some(summary.parts);
                self.bytes = Some(summary.bytes);
                self.last_activity = format::rfc3339(summary.last_activity);
            }
            Size::Unknown(reason) => self.size_error = Some(reason.clone()),
        }
        self
    }

    /// An upload known only by its key and id (not from a listing).
    pub fn unlisted(bucket: &str, upload: &UploadRef) -> Self {
        UploadRow {
            bucket: bucket.to_owned(),
            key: (!upload.key_undecodable()).then(|| upload.key().to_owned()),
            key_url_encoded: upload.key_undecodable().then(|| upload.key().to_owned()),
            upload_id: upload.upload_id().into_owned(),
            initiated: None,
            storage_class: None,
            parts: None,
            bytes: None,
            last_activity: None,
            size_error: None,
        }
    }

    /// The key for a table: see [`shown_key`].
    pub fn shown_key(&self) -> String {
        match (&self.key, &self.key_url_encoded) {
            (Some(key), _) => key.clone(),
            (None, encoded) => shown_key(encoded.as_deref().unwrap_or(""), true).into_owned(),
        }
    }
}

pub const UPLOAD_COLUMNS: &[(&str, Align)] = &[
    ("BUCKET", Align::Left),
    ("INITIATED", Align::Left),
    ("AGE", Align::Right),
    ("CLASS", Align::Left),
    ("UPLOAD ID", Align::Left),
    ("KEY", Align::Left),
];

pub const UPLOAD_COLUMNS_WITH_PARTS: &[(&str, Align)] = &[
    ("BUCKET", Align::Left),
    ("INITIATED", Align::Left),
    ("AGE", Align::Right),
    ("CLASS", Align::Left),
    ("PARTS", Align::Right),
    ("SIZE", Align::Right),
    ("LAST ACTIVITY", Align::Right),
    ("UPLOAD ID", Align::Left),
    ("KEY", Align::Left),
];

/// Table cells in the order of [`UPLOAD_COLUMNS`], or of [`UPLOAD_COLUMNS_WITH_PARTS`] with
/// a size (`?` where it could not be read).
pub fn upload_cells(
    bucket: &str,
    upload: &Upload,
    size: Option<&Size>,
    now: Timestamp,
) -> Vec<String> {
    let mut cells = vec![
        bucket.to_owned(),
        format::date(upload.initiated),
        format::age(upload.initiated, now),
        upload.storage_class.as_deref().unwrap_or("-").to_owned(),
    ];
    match size {
        Some(Size::Known(summary)) => cells.extend([
            format::count(summary.parts),
            format::bytes(summary.bytes),
            format::age(summary.last_activity, now),
        ]),
        Some(Size::Unknown(_)) => cells.extend(["?", "?", "?"].map(String::from)),
        None => {}
    }
    cells.push(upload.upload_id.to_string());
    cells.push(upload.shown_key().into_owned());
    cells
}

/// A bucket as scripts see it; the upload fields are null without `--uploads`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct BucketRow {
    pub name: String,
    pub region: Option<String>,
    pub created: Option<String>,
    pub uploads: Option<u64>,
    pub parts: Option<u64>,
    pub bytes: Option<u64>,
    pub oldest: Option<String>,
    /// Uploads counted in `uploads` whose parts could not be read (not in `parts`/`bytes`).
    pub size_unknown: Option<u64>,
    /// Why the upload fields are missing, when listing them failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl BucketRow {
    pub fn new(bucket: &Bucket) -> Self {
        BucketRow {
            name: bucket.name.clone(),
            region: bucket.region.clone(),
            created: format::rfc3339(bucket.created),
            uploads: None,
            parts: None,
            bytes: None,
            oldest: None,
            size_unknown: None,
            error: None,
        }
    }

    pub fn with_totals(mut self, totals: &BucketTotals) -> Self {
        self.uploads = Some(totals.uploads);
        self.parts = Some(totals.parts);
        self.bytes = Some(totals.bytes);
        self.oldest = format::rfc3339(totals.oldest);
        self.size_unknown = Some(totals.unknown);
        self
    }
}

/// One row of `ls`. Folders have no size, date or class.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct EntryRow {
    pub bucket: String,
    /// Exactly the key; null for one that is not UTF-8, which JSON cannot carry.
    pub key: Option<String>,
    /// Only for a key that is not UTF-8: as the server URL-encoded it (a space as `+`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_url_encoded: Option<String>,
    pub kind: &'static str,
    pub size: Option<u64>,
    pub modified: Option<String>,
    pub storage_class: Option<String>,
}

impl EntryRow {
    pub fn new(bucket: &str, entry: &Entry) -> Self {
        let file = entry.kind == EntryKind::File;
        EntryRow {
            bucket: bucket.to_owned(),
            key: (!entry.key_undecodable).then(|| entry.key.clone()),
            key_url_encoded: entry.key_undecodable.then(|| entry.key.clone()),
            kind: if file { "file" } else { "folder" },
            size: file.then_some(entry.size),
            modified: format::rfc3339(entry.modified),
            storage_class: entry.storage_class.as_deref().map(str::to_owned),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_that_is_not_utf8_is_null_in_json_and_marked_in_tables_never_another_key() {
        let upload = Upload {
            key: "bad-%FF".into(),
            upload_id: "id-1".into(),
            initiated: None,
            storage_class: None,
            key_undecodable: true,
        };
        let json = serde_json::to_value(UploadRow::new("media", &upload)).expect("json");
        assert_eq!(json["key"], serde_json::Value::Null);
        assert_eq!(json["key_url_encoded"], "bad-%FF");
        let cells = upload_cells(
            "media",
            &upload,
            Some(&Size::Unknown("not UTF-8".into())),
            0,
        );
        assert_eq!(
            cells.last().map(String::as_str),
            Some("bad-\\xff (undecodable)")
        );
        assert_eq!(cells[4..7], ["?", "?", "?"], "its parts cannot be listed");

        let plain = Upload {
            key_undecodable: false,
            ..upload
        };
        let json = serde_json::to_value(UploadRow::new("media", &plain)).expect("json");
        assert_eq!(json["key"], "bad-%FF");
        assert!(json.get("key_url_encoded").is_none(), "{json}");
    }

    #[test]
    fn tables_align_by_terminal_columns_and_escape_hostile_text() {
        let mut table = Table::new(&[
            ("NAME", Align::Left),
            ("SIZE", Align::Right),
            ("NOTE", Align::Left),
        ]);
        table.push(vec!["日本語".into(), "5 B".into(), "x".into()]);
        table.push(vec!["a\x1b[31m".into(), "10 KiB".into(), "y".into()]);
        let lines = table.render();
        assert_eq!(lines[0], "NAME         SIZE  NOTE");
        assert_eq!(lines[1], "日本語        5 B  x");
        assert_eq!(lines[2], "a\\x1b[31m  10 KiB  y");
    }
}
