//! What each headless subcommand does. Rows go to stdout, errors and progress to stderr,
//! and every command returns the [`Exit`] a script sees.

use std::collections::HashMap;
use std::io::{self, BufRead, IsTerminal, Write};
use std::pin::pin;

use futures::{StreamExt, TryStreamExt, stream};
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::output::{
    Align, BucketRow, EntryRow, Format, Messages, Out, Rows, Table, UPLOAD_COLUMNS,
    UPLOAD_COLUMNS_WITH_PARTS, UploadRow, upload_cells,
};
use super::{AbortArgs, BucketsArgs, ClearArgs, Exit, Location, LsArgs, Resolved, UploadsArgs};
use crate::format;
use crate::ops::abort::abort_all;
use crate::ops::list;
use crate::ops::retry::Backoff;
use crate::s3::{
    AbortOutcome, Bucket, ErrorKind, PartsSummary, S3, S3Error, Timestamp, Upload, UploadRef,
};
use crate::text::escape;

/// What every headless command needs: the server, the merged settings, and where to print.
pub struct Context {
    pub s3: S3,
    pub read_only: bool,
    pub concurrency: usize,
    pub page_size: Option<i32>,
    /// One clock reading per run, so `--older-than` and ages agree across pages.
    pub now: Timestamp,
    pub out: Out,
    pub messages: Messages,
}

impl Context {
    pub fn new(s3: S3, resolved: &Resolved, no_color: bool) -> Self {
        Context {
            s3,
            read_only: resolved.read_only,
            concurrency: resolved.concurrency,
            page_size: resolved.page_size,
            now: time::OffsetDateTime::now_utc().unix_timestamp(),
            out: Out::default(),
            messages: Messages::new(no_color),
        }
    }

    /// In read-only mode, says so and returns the exit to use; `what` names the refused write.
    pub fn refuse_if_read_only(&mut self, what: &str) -> Option<Exit> {
        if !self.read_only {
            return None;
        }
        self.messages
            .error(&format!("read-only mode: {what} refused"));
        Some(Exit::Failure)
    }

    /// Progress would garble rows streaming to the same terminal.
    fn quiet_progress_if_streaming(&mut self, format: Format) {
        if format != Format::Table && io::stdout().is_terminal() {
            self.messages.disable_progress();
        }
    }
}

/// Started longer ago than `older_than` seconds. An upload with no start time never is.
pub fn old_enough(upload: &Upload, older_than: Option<i64>, now: Timestamp) -> bool {
    match older_than {
        None => true,
        Some(age) => upload
            .initiated
            .is_some_and(|started| started < now.saturating_sub(age)),
    }
}

/// Each upload with its parts, in listing order. Uploads that were completed or aborted
/// meanwhile are dropped: they no longer exist.
async fn with_parts(
    s3: &S3,
    bucket: &str,
    uploads: Vec<Upload>,
    concurrency: usize,
) -> Result<Vec<(Upload, PartsSummary)>, S3Error> {
    let backoff = Backoff::default();
    let backoff = &backoff;
    let summaries: Vec<(Upload, Result<PartsSummary, S3Error>)> = stream::iter(uploads)
        .map(|upload| async move {
            let summary = backoff
                .run(|| s3.parts_summary(bucket, &upload.key, &upload.upload_id))
                .await;
            (upload, summary)
        })
        .buffered(concurrency.max(1))
        .collect()
        .await;
    let mut with_parts = Vec::with_capacity(summaries.len());
    for (upload, summary) in summaries {
        match summary {
            Ok(summary) => with_parts.push((upload, summary)),
            Err(err) if err.kind == ErrorKind::NoSuchUpload => {}
            Err(err) => return Err(err),
        }
    }
    Ok(with_parts)
}

#[derive(Debug, Default, Clone, Copy)]
struct UploadTotals {
    uploads: u64,
    parts: u64,
    bytes: u64,
    oldest: Option<Timestamp>,
}

async fn upload_totals(ctx: &Context, bucket: &str) -> Result<UploadTotals, S3Error> {
    let mut pages = pin!(ctx.s3.list_uploads(bucket, None, ctx.page_size));
    let mut totals = UploadTotals::default();
    while let Some(page) = pages.try_next().await? {
        for (upload, parts) in with_parts(&ctx.s3, bucket, page, ctx.concurrency).await? {
            totals.uploads += 1;
            totals.parts += parts.parts;
            totals.bytes += parts.bytes;
            totals.oldest = match (totals.oldest, upload.initiated) {
                (Some(oldest), Some(started)) => Some(oldest.min(started)),
                (oldest, started) => oldest.or(started),
            };
        }
    }
    Ok(totals)
}

/// By name: some servers (Garage) list buckets in a different order each time.
async fn sorted_buckets(ctx: &Context) -> Result<Vec<Bucket>, S3Error> {
    let mut buckets = ctx.s3.list_buckets().await?;
    buckets.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(buckets)
}

pub async fn buckets(ctx: &mut Context, args: BucketsArgs) -> Exit {
    let format = args.output.format();
    ctx.quiet_progress_if_streaming(format);
    let buckets = match sorted_buckets(ctx).await {
        Ok(buckets) => buckets,
        Err(err) => {
            ctx.messages.s3_error("cannot list buckets", &err);
            return Exit::Failure;
        }
    };
    let columns: &[(&str, Align)] = if args.uploads {
        &[
            ("NAME", Align::Left),
            ("REGION", Align::Left),
            ("CREATED", Align::Left),
            ("UPLOADS", Align::Right),
            ("PARTS", Align::Right),
            ("SIZE", Align::Right),
            ("OLDEST", Align::Right),
        ]
    } else {
        &[
            ("NAME", Align::Left),
            ("REGION", Align::Left),
            ("CREATED", Align::Left),
        ]
    };
    let mut rows = Rows::new(format, columns);
    let (mut counted, mut failed) = (0, 0);
    for bucket in &buckets {
        let mut row = BucketRow::new(bucket);
        let mut cells = vec![
            bucket.name.clone(),
            bucket.region.clone().unwrap_or_else(|| "-".into()),
            format::date(bucket.created),
        ];
        if args.uploads {
            ctx.messages
                .progress(&format!("counting uploads in {}…", escape(&bucket.name)));
            match upload_totals(ctx, &bucket.name).await {
                Ok(totals) => {
                    counted += 1;
                    row.uploads = Some(totals.uploads);
                    row.parts = Some(totals.parts);
                    row.bytes = Some(totals.bytes);
                    row.oldest = format::rfc3339(totals.oldest);
                    cells.extend([
                        format::count(totals.uploads),
                        format::count(totals.parts),
                        format::bytes(totals.bytes),
                        format::age(totals.oldest, ctx.now),
                    ]);
                }
                Err(err) => {
                    failed += 1;
                    let context = format!("cannot list uploads in bucket {}", escape(&bucket.name));
                    ctx.messages.s3_error(&context, &err);
                    row.error = Some(err.display_line());
                    cells.extend(["?", "?", "?", "?"].map(String::from));
                }
            }
        }
        rows.push(&mut ctx.out, &row, || cells);
        ctx.out.flush();
    }
    ctx.messages.clear_progress();
    let listed = rows.count();
    rows.finish(&mut ctx.out);
    if listed == 0 && format == Format::Table {
        ctx.messages.note("no buckets");
    }
    Exit::from_counts(counted, failed)
}

pub async fn ls(ctx: &mut Context, args: LsArgs) -> Exit {
    let format = args.output.format();
    let Location { bucket, mut prefix } = args.location;
    if !prefix.is_empty() && !prefix.ends_with('/') {
        prefix.push('/');
    }
    let mut rows = Rows::new(
        format,
        &[
            ("KIND", Align::Left),
            ("SIZE", Align::Right),
            ("MODIFIED", Align::Left),
            ("CLASS", Align::Left),
            ("NAME", Align::Left),
        ],
    );
    let mut pages = pin!(ctx.s3.list_folder(&bucket, &prefix));
    let mut exit = Exit::Success;
    while let Some(page) = pages.next().await {
        let entries = match page {
            Ok(entries) => entries,
            Err(err) => {
                let place = Location {
                    bucket: bucket.clone(),
                    prefix: prefix.clone(),
                };
                ctx.messages
                    .s3_error(&format!("cannot list {}", place.describe()), &err);
                exit = Exit::Failure;
                break;
            }
        };
        for entry in &entries {
            let row = EntryRow::new(&bucket, entry);
            rows.push(&mut ctx.out, &row, || {
                let file = row.kind == "file";
                vec![
                    row.kind.to_owned(),
                    if file {
                        format::bytes(entry.size)
                    } else {
                        "-".into()
                    },
                    format::date(entry.modified),
                    entry.storage_class.as_deref().unwrap_or("-").to_owned(),
                    entry.name(&prefix).to_owned(),
                ]
            });
        }
        ctx.out.flush();
        if ctx.out.is_closed() {
            break;
        }
    }
    let listed = rows.count();
    rows.finish(&mut ctx.out);
    if listed == 0 && exit == Exit::Success && format == Format::Table {
        ctx.messages.note("nothing here");
    }
    exit
}

pub async fn uploads(ctx: &mut Context, args: UploadsArgs) -> Exit {
    let format = args.output.format();
    ctx.quiet_progress_if_streaming(format);
    let targets = match args.location {
        Some(location) => vec![location],
        None => match sorted_buckets(ctx).await {
            Ok(buckets) => buckets
                .into_iter()
                .map(|bucket| Location {
                    bucket: bucket.name,
                    prefix: String::new(),
                })
                .collect(),
            Err(err) => {
                ctx.messages.s3_error("cannot list buckets", &err);
                return Exit::Failure;
            }
        },
    };
    let columns = if args.parts {
        UPLOAD_COLUMNS_WITH_PARTS
    } else {
        UPLOAD_COLUMNS
    };
    let mut rows = Rows::new(format, columns);
    let (mut listed, mut failed) = (0, 0);
    for target in &targets {
        match print_uploads(ctx, target, args.older_than, args.parts, &mut rows).await {
            Ok(()) => listed += 1,
            Err(err) => {
                failed += 1;
                let context = format!("cannot list uploads in {}", target.describe());
                ctx.messages.s3_error(&context, &err);
            }
        }
        if ctx.out.is_closed() {
            break;
        }
    }
    ctx.messages.clear_progress();
    let count = rows.count();
    rows.finish(&mut ctx.out);
    if count == 0 && failed == 0 && format == Format::Table {
        ctx.messages.note("no incomplete uploads");
    }
    Exit::from_counts(listed, failed)
}

/// Streams one bucket's uploads into `rows`, page by page.
async fn print_uploads(
    ctx: &mut Context,
    target: &Location,
    older_than: Option<i64>,
    parts: bool,
    rows: &mut Rows,
) -> Result<(), S3Error> {
    let bucket = target.bucket.as_str();
    let now = ctx.now;
    let mut pages = pin!(list::uploads(
        &ctx.s3,
        bucket,
        Some(&target.prefix),
        ctx.page_size
    ));
    while let Some(page) = pages.try_next().await? {
        let page: Vec<Upload> = page
            .into_iter()
            .filter(|upload| old_enough(upload, older_than, now))
            .collect();
        if parts {
            for (upload, summary) in with_parts(&ctx.s3, bucket, page, ctx.concurrency).await? {
                let mut row = UploadRow::new(bucket, &upload);
                row.parts = Some(summary.parts);
                row.bytes = Some(summary.bytes);
                let parts = Some((summary.parts, summary.bytes));
                rows.push(&mut ctx.out, &row, || {
                    upload_cells(bucket, &upload, parts, now)
                });
            }
        } else {
            for upload in &page {
                let row = UploadRow::new(bucket, upload);
                rows.push(&mut ctx.out, &row, || {
                    upload_cells(bucket, upload, None, now)
                });
            }
        }
        ctx.out.flush();
        ctx.messages
            .progress(&format!("listing uploads… {}", format::count(rows.count())));
        if ctx.out.is_closed() {
            break;
        }
    }
    Ok(())
}

/// The result for one upload of `abort` or `clear`.
#[derive(Debug, Clone, Serialize)]
pub struct OutcomeRow {
    #[serde(flatten)]
    pub upload: UploadRow,
    /// `aborted`, `already_gone`, `failed`, `not_attempted`, or `would_abort` in a dry run.
    pub outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl OutcomeRow {
    fn new(upload: UploadRow, result: &Result<AbortOutcome, S3Error>) -> Self {
        let (outcome, error) = match result {
            Ok(AbortOutcome::Aborted) => ("aborted", None),
            Ok(AbortOutcome::AlreadyGone) => ("already_gone", None),
            Err(err) => ("failed", Some(err.display_line())),
        };
        OutcomeRow {
            upload,
            outcome,
            error,
        }
    }
}

pub async fn abort(ctx: &mut Context, args: AbortArgs) -> Exit {
    if let Some(exit) = ctx.refuse_if_read_only("abort") {
        return exit;
    }
    let upload = UploadRef {
        key: args.key.clone(),
        upload_id: args.upload_id.clone(),
    };
    let mut result = None;
    let never_started = CancellationToken::new();
    abort_all(
        &ctx.s3,
        &args.bucket,
        vec![upload],
        1,
        &never_started,
        |_, r| result = Some(r),
    )
    .await;
    let Some(result) = result else {
        ctx.messages.error("the abort was not attempted");
        return Exit::Failure;
    };
    let row = OutcomeRow::new(
        UploadRow {
            bucket: args.bucket.clone(),
            key: args.key.clone(),
            upload_id: args.upload_id.clone(),
            initiated: None,
            storage_class: None,
            parts: None,
            bytes: None,
        },
        &result,
    );
    if args.output.format() != Format::Table {
        ctx.out.json(&row);
    }
    let what = format!(
        "{} (upload {}) in bucket {}",
        escape(&args.key),
        escape(&args.upload_id),
        escape(&args.bucket)
    );
    match result {
        Ok(AbortOutcome::Aborted) => {
            if args.output.format() == Format::Table {
                ctx.out.line(&format!("aborted {what}"));
            }
            Exit::Success
        }
        Ok(AbortOutcome::AlreadyGone) => {
            if args.output.format() == Format::Table {
                ctx.out.line(&format!(
                    "already gone (completed, aborted or expired): {what}"
                ));
            }
            Exit::Success
        }
        Err(err) => {
            ctx.messages.s3_error(&format!("cannot abort {what}"), &err);
            Exit::Failure
        }
    }
}

#[derive(Debug, Default, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct ClearSummary {
    pub listed: u64,
    pub aborted: u64,
    pub already_gone: u64,
    pub failed: u64,
    pub not_attempted: u64,
}

impl ClearSummary {
    fn add(&mut self, result: &Result<AbortOutcome, S3Error>) {
        match result {
            Ok(AbortOutcome::Aborted) => self.aborted += 1,
            Ok(AbortOutcome::AlreadyGone) => self.already_gone += 1,
            Err(_) => self.failed += 1,
        }
    }

    pub fn exit(&self) -> Exit {
        Exit::from_counts(
            self.aborted + self.already_gone,
            self.failed + self.not_attempted,
        )
    }

    fn line(&self, place: &str) -> String {
        format!(
            "aborted {} of {} uploads in {place}; already gone {}, failed {}, not attempted {}",
            format::count(self.aborted),
            format::count(self.listed),
            format::count(self.already_gone),
            format::count(self.failed),
            format::count(self.not_attempted),
        )
    }
}

/// `clear --json`: everything in one document.
#[derive(Debug, Serialize)]
struct ClearReport<'a> {
    bucket: &'a str,
    prefix: &'a str,
    older_than_seconds: Option<i64>,
    dry_run: bool,
    summary: ClearSummary,
    uploads: Vec<OutcomeRow>,
}

async fn collect_uploads(
    ctx: &mut Context,
    target: &Location,
    older_than: Option<i64>,
) -> Result<Vec<Upload>, S3Error> {
    let now = ctx.now;
    let mut pages = pin!(list::uploads(
        &ctx.s3,
        &target.bucket,
        Some(&target.prefix),
        ctx.page_size
    ));
    let mut uploads = Vec::new();
    while let Some(page) = pages.try_next().await? {
        uploads.extend(
            page.into_iter()
                .filter(|upload| old_enough(upload, older_than, now)),
        );
        ctx.messages.progress(&format!(
            "listing uploads… {}",
            format::count(uploads.len() as u64)
        ));
    }
    ctx.messages.clear_progress();
    Ok(uploads)
}

fn confirm(question: &str) -> bool {
    eprint!("{question} [y/N] ");
    let _ = io::stderr().flush();
    let mut answer = String::new();
    if io::stdin().lock().read_line(&mut answer).is_err() {
        return false;
    }
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

pub async fn clear(ctx: &mut Context, args: ClearArgs) -> Exit {
    let format = args.output.format();
    ctx.quiet_progress_if_streaming(format);
    let target = &args.location;
    let place = target.describe();
    if !args.dry_run
        && let Some(exit) = ctx.refuse_if_read_only(&format!(
            "clearing uploads in {place} (--dry-run shows what it would abort)"
        ))
    {
        return exit;
    }
    let uploads = match collect_uploads(ctx, target, args.older_than).await {
        Ok(uploads) => uploads,
        Err(err) => {
            let context = format!("cannot list uploads in {place}; nothing aborted");
            ctx.messages.s3_error(&context, &err);
            return Exit::Failure;
        }
    };
    let mut summary = ClearSummary {
        listed: uploads.len() as u64,
        ..ClearSummary::default()
    };
    let count = format::count(summary.listed);
    let report = |summary: ClearSummary, rows: Vec<OutcomeRow>| ClearReport {
        bucket: &target.bucket,
        prefix: &target.prefix,
        older_than_seconds: args.older_than,
        dry_run: args.dry_run,
        summary,
        uploads: rows,
    };

    if uploads.is_empty() || args.dry_run {
        let rows: Vec<OutcomeRow> = uploads
            .iter()
            .map(|upload| OutcomeRow {
                upload: UploadRow::new(&target.bucket, upload),
                outcome: "would_abort",
                error: None,
            })
            .collect();
        match format {
            Format::Json => ctx.out.json(&report(summary, rows)),
            Format::Jsonl => rows.iter().for_each(|row| ctx.out.json(row)),
            Format::Table => {
                let mut table = Table::new(UPLOAD_COLUMNS);
                for upload in &uploads {
                    table.push(upload_cells(&target.bucket, upload, None, ctx.now));
                }
                if !uploads.is_empty() {
                    table.print(&mut ctx.out);
                }
            }
        }
        ctx.out.flush();
        let message = if uploads.is_empty() {
            format!("no uploads to abort in {place}")
        } else {
            format!("dry run: would abort {count} uploads in {place}; nothing changed")
        };
        ctx.messages.note(&message);
        return Exit::Success;
    }

    if !args.yes {
        if !io::stdin().is_terminal() {
            ctx.messages.error(&format!(
                "refusing to abort {count} uploads without --yes (stdin is not a terminal to ask on)"
            ));
            return Exit::Usage;
        }
        if !confirm(&format!("Abort {count} uploads in {place}?")) {
            ctx.messages.note("nothing aborted");
            return Exit::Failure;
        }
    }

    let refs: Vec<UploadRef> = uploads.iter().map(UploadRef::from).collect();
    let position: HashMap<UploadRef, usize> = refs
        .iter()
        .cloned()
        .enumerate()
        .map(|(i, upload)| (upload, i))
        .collect();
    let token = CancellationToken::new();
    let interrupt = tokio::spawn({
        let token = token.clone();
        async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                token.cancel();
            }
        }
    });
    let row_for = |upload: &UploadRef| match position.get(upload) {
        Some(&i) => UploadRow::new(&target.bucket, &uploads[i]),
        None => UploadRow {
            bucket: target.bucket.clone(),
            key: upload.key.clone(),
            upload_id: upload.upload_id.clone(),
            initiated: None,
            storage_class: None,
            parts: None,
            bytes: None,
        },
    };
    let mut kept_rows: Vec<OutcomeRow> = Vec::new();
    let (out, messages) = (&mut ctx.out, &mut ctx.messages);
    let not_attempted = abort_all(
        &ctx.s3,
        &target.bucket,
        refs,
        ctx.concurrency,
        &token,
        |upload, result| {
            summary.add(&result);
            let row = OutcomeRow::new(row_for(&upload), &result);
            match format {
                Format::Jsonl => {
                    out.json(&row);
                    out.flush();
                }
                Format::Json => kept_rows.push(row),
                Format::Table if row.outcome == "failed" => kept_rows.push(row),
                Format::Table => {}
            }
            let settled = summary.aborted + summary.already_gone + summary.failed;
            messages.progress(&format!("aborting… {}/{count}", format::count(settled)));
        },
    )
    .await;
    interrupt.abort();
    ctx.messages.clear_progress();
    summary.not_attempted = not_attempted.len() as u64;
    let skipped = not_attempted.iter().map(|upload| OutcomeRow {
        upload: row_for(upload),
        outcome: "not_attempted",
        error: None,
    });
    match format {
        Format::Jsonl => {
            for row in skipped {
                ctx.out.json(&row);
            }
            ctx.messages.note(&summary.line(&place));
        }
        Format::Json => {
            kept_rows.extend(skipped);
            ctx.out.json(&report(summary, kept_rows));
        }
        Format::Table => {
            if !kept_rows.is_empty() {
                let mut failures = Table::new(&[
                    ("FAILED", Align::Left),
                    ("UPLOAD ID", Align::Left),
                    ("KEY", Align::Left),
                ]);
                for row in &kept_rows {
                    failures.push(vec![
                        row.error.clone().unwrap_or_default(),
                        row.upload.upload_id.clone(),
                        row.upload.key.clone(),
                    ]);
                }
                failures.print(&mut ctx.out);
            }
            if token.is_cancelled() {
                ctx.out
                    .line("interrupted: uploads not yet attempted were left alone");
            }
            ctx.out.line(&summary.line(&place));
        }
    }
    ctx.out.flush();
    summary.exit()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upload(initiated: Option<Timestamp>) -> Upload {
        Upload {
            key: "k".into(),
            upload_id: "u".into(),
            initiated,
            storage_class: None,
        }
    }

    #[test]
    fn older_than_compares_start_times_and_never_matches_an_unknown_one() {
        let now = 1_000_000;
        assert!(old_enough(&upload(Some(now - 3_600)), Some(60), now));
        assert!(!old_enough(&upload(Some(now - 30)), Some(60), now));
        assert!(!old_enough(&upload(None), Some(60), now));
        assert!(old_enough(&upload(None), None, now));
    }

    #[test]
    fn a_clear_with_failures_or_leftovers_is_partial() {
        let done = ClearSummary {
            listed: 3,
            aborted: 2,
            already_gone: 1,
            ..ClearSummary::default()
        };
        assert_eq!(done.exit(), Exit::Success);
        let partial = ClearSummary { failed: 1, ..done };
        assert_eq!(partial.exit().code(), 3);
        let interrupted = ClearSummary {
            not_attempted: 4,
            ..done
        };
        assert_eq!(interrupted.exit().code(), 3);
        let hopeless = ClearSummary {
            listed: 2,
            failed: 2,
            ..ClearSummary::default()
        };
        assert_eq!(hopeless.exit(), Exit::Failure);
    }
}
