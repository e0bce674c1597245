//! How headless commands print: aligned tables for people, JSON for scripts, and
//! messages on stderr. Shared by every subcommand (uploads, clear, lifecycle, rb, ...).

use std::io::{self, BufWriter, IsTerminal, StdoutLock, Write};

use clap::Args;
use serde::Serialize;
use unicode_width::UnicodeWidthStr;

use crate::format;
use crate::s3::{Bucket, Entry, EntryKind, S3Error, Timestamp, Upload, UploadRef};
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

    pub fn error(&mut self, text: &str) {
        self.clear_progress();
        if self.color {
            eprintln!("\x1b[31mpartsweep:\x1b[0m {text}");
        } else {
            eprintln!("partsweep: {text}");
        }
    }

    pub fn warning(&mut self, text: &str) {
        self.clear_progress();
        if self.color {
            eprintln!("\x1b[33mpartsweep: warning:\x1b[0m {text}");
        } else {
            eprintln!("partsweep: warning: {text}");
        }
    }

    pub fn s3_error(&mut self, context: &str, err: &S3Error) {
        self.error(&format!("{context}: {}", err.display_line()));
    }

    pub fn note(&mut self, text: &str) {
        self.clear_progress();
        eprintln!("{text}");
    }

    /// One self-overwriting status line; nothing at all when stderr is not a terminal.
    pub fn progress(&mut self, text: &str) {
        if self.progress {
            eprint!("\r\x1b[2K{text}");
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

/// An upload as scripts see it. `parts` and `bytes` are null unless asked for (`--parts`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct UploadRow {
    pub bucket: String,
    pub key: String,
    pub upload_id: String,
    pub initiated: Option<String>,
    pub storage_class: Option<String>,
    pub parts: Option<u64>,
    pub bytes: Option<u64>,
}

impl UploadRow {
    pub fn new(bucket: &str, upload: &Upload) -> Self {
        UploadRow {
            bucket: bucket.to_owned(),
            key: upload.key.to_string(),
            upload_id: upload.upload_id.to_string(),
            initiated: format::rfc3339(upload.initiated),
            storage_class: upload.storage_class.as_deref().map(str::to_owned),
            parts: None,
            bytes: None,
        }
    }

    /// An upload known only by its key and id (not from a listing).
    pub fn unlisted(bucket: &str, upload: &UploadRef) -> Self {
        UploadRow {
            bucket: bucket.to_owned(),
            key: upload.key().to_owned(),
            upload_id: upload.upload_id().into_owned(),
            initiated: None,
            storage_class: None,
            parts: None,
            bytes: None,
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
    ("UPLOAD ID", Align::Left),
    ("KEY", Align::Left),
];

/// Table cells in the order of [`UPLOAD_COLUMNS`] (or [`UPLOAD_COLUMNS_WITH_PARTS`] when
/// `parts` and `bytes` are known).
pub fn upload_cells(
    bucket: &str,
    upload: &Upload,
    parts: Option<(u64, u64)>,
    now: Timestamp,
) -> Vec<String> {
    let mut cells = vec![
        bucket.to_owned(),
        format::date(upload.initiated),
        format::age(upload.initiated, now),
        upload.storage_class.as_deref().unwrap_or("-").to_owned(),
    ];
    if let Some((parts, bytes)) = parts {
        cells.push(format::count(parts));
        cells.push(format::bytes(bytes));
    }
    cells.push(upload.upload_id.to_string());
    cells.push(upload.key.to_string());
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
            error: None,
        }
    }
}

/// One row of `ls`. Folders have no size, date or class.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct EntryRow {
    pub bucket: String,
    pub key: String,
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
            key: entry.key.clone(),
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
