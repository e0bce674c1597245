//! `partsweep clear BUCKET[/PREFIX] [--older-than AGE] [--dry-run] [--yes]`: abort every
//! incomplete upload listed under a prefix, after asking.

use std::collections::HashMap;
use std::pin::pin;

use clap::Args;
use futures::{StreamExt, TryStreamExt};
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::abort::OutcomeRow;
use super::context::{Context, Exit};
use super::output::{Align, Format, OutputArgs, Table, UPLOAD_COLUMNS, UploadRow, upload_cells};
use super::prompt::{self, CancelOnCtrlC, Consent, NEEDS_YES};
use super::uploads::old_enough;
use super::{Location, parse_age, parse_location};
use crate::format;
use crate::ops::abort::abort_paced;
use crate::ops::cost::is_active;
use crate::ops::limit::{Limiter, Pace};
use crate::ops::list;
use crate::ops::sizes::{Size, measure_all};
use crate::s3::{AbortOutcome, S3Error, Upload, UploadRef};

#[derive(Debug, Clone, Args)]
pub struct ClearArgs {
    /// BUCKET or BUCKET/PREFIX (a key prefix, as for `uploads`).
    #[arg(value_name = "BUCKET[/PREFIX]", value_parser = parse_location)]
    pub location: Location,
    /// Only uploads started longer ago than this: 30m, 12h, 7d, 2w.
    #[arg(long, value_name = "AGE", value_parser = parse_age)]
    pub older_than: Option<i64>,
    /// Leave out uploads written to within this long (their newest part, or their start
    /// when they have none): 30m, 1h. One ListParts call per upload; an upload whose parts
    /// cannot be read counts as active.
    #[arg(long, value_name = "DURATION", value_parser = parse_age)]
    pub skip_active: Option<i64>,
    /// Print what would be aborted; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask; needed when stdin is not a terminal.
    #[arg(short, long)]
    pub yes: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Default, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct ClearSummary {
    pub listed: u64,
    /// Listed, but left alone by `--skip-active`.
    pub skipped_active: u64,
    pub aborted: u64,
    pub already_gone: u64,
    pub failed: u64,
    pub not_attempted: u64,
    /// Answers that asked to slow down (SlowDown, 503), retries included.
    pub throttled: u64,
    /// Aborts allowed in flight at the end, as the adaptive limit found it.
    pub concurrency: usize,
}

impl ClearSummary {
    fn add(&mut self, result: &Result<AbortOutcome, S3Error>) {
        match result {
            Ok(AbortOutcome::Aborted) => self.aborted += 1,
            Ok(AbortOutcome::AlreadyGone) => self.already_gone += 1,
            Err(_) => self.failed += 1,
        }
    }

    fn settled(&self) -> u64 {
        self.aborted + self.already_gone + self.failed
    }

    pub fn exit(&self) -> Exit {
        Exit::from_counts(
            self.aborted + self.already_gone,
            self.failed + self.not_attempted,
        )
    }

    fn line(&self, place: &str) -> String {
        let mut line = format!(
            "aborted {} of {} uploads in {place}; already gone {}, failed {}, not attempted {}",
            format::count(self.aborted),
            format::count(self.listed),
            format::count(self.already_gone),
            format::count(self.failed),
            format::count(self.not_attempted),
        );
        if self.skipped_active > 0 {
            line.push_str(&format!(
                ", left as active {}",
                format::count(self.skipped_active)
            ));
        }
        line
    }

    fn pace_line(pace: &Pace) -> String {
        format!(
            "throttled {}; {}",
            pace.throttled_words(),
            pace.limit_words()
        )
    }

    /// For a second Ctrl-C: what has settled, and that the rest is unknown or untouched.
    fn so_far(&self, place: &str) -> String {
        format!(
            "aborted {} of {} uploads in {place}; already gone {}, failed {}; the other {} were in flight (outcome unknown) or not attempted",
            format::count(self.aborted),
            format::count(self.listed),
            format::count(self.already_gone),
            format::count(self.failed),
            format::count(self.listed - self.settled()),
        )
    }
}

/// `clear --json`: everything in one document.
#[derive(Debug, Serialize)]
struct ClearReport<'a> {
    bucket: &'a str,
    prefix: &'a str,
    older_than_seconds: Option<i64>,
    skip_active_seconds: Option<i64>,
    dry_run: bool,
    summary: ClearSummary,
    uploads: Vec<OutcomeRow>,
}

impl<'a> ClearReport<'a> {
    fn new(args: &'a ClearArgs, summary: ClearSummary, uploads: Vec<OutcomeRow>) -> Self {
        ClearReport {
            bucket: &args.location.bucket,
            prefix: &args.location.prefix,
            older_than_seconds: args.older_than,
            skip_active_seconds: args.skip_active,
            dry_run: args.dry_run,
            summary,
            uploads,
        }
    }
}

pub async fn run(ctx: &mut Context, args: ClearArgs) -> Exit {
    let place = args.location.describe();
    if !args.dry_run
        && let Some(exit) = ctx.refuse_if_read_only(&format!(
            "clearing uploads in {place} (--dry-run shows what it would abort)"
        ))
    {
        return exit;
    }
    let uploads = match collect_uploads(ctx, &args.location, args.older_than).await {
        Ok(uploads) => uploads,
        Err(err) => {
            let context = format!("cannot list uploads in {place}; nothing aborted");
            ctx.messages.s3_error(&context, &err);
            return Exit::Failure;
        }
    };
    let listed = uploads.len() as u64;
    let (uploads, active) = match args.skip_active {
        None => (uploads, Vec::new()),
        Some(window) => match leave_out_active(ctx, &args.location.bucket, uploads, window).await {
            Ok(split) => split,
            Err(err) => {
                let context =
                    format!("cannot tell which uploads in {place} are active; nothing aborted");
                ctx.messages.s3_error(&context, &err);
                return Exit::Failure;
            }
        },
    };
    let plan = Plan {
        listed,
        uploads,
        active,
    };
    if let Some(window) = args.skip_active {
        note_active(ctx, &plan.active, window);
    }
    if plan.uploads.is_empty() || args.dry_run {
        print_plan(ctx, &args, &plan);
        return Exit::Success;
    }

    let count = format::count(plan.uploads.len() as u64);
    let consent = Consent::get(args.yes, || {
        prompt::yes_no(&format!("Abort {count} uploads in {place}?"))
    });
    match consent {
        Consent::Given => {}
        Consent::Declined => ctx.messages.note("nothing aborted"),
        Consent::NoTerminal => ctx
            .messages
            .error(&format!("refusing to abort {count} uploads {NEEDS_YES}")),
    }
    if let Some(exit) = consent.refusal_exit() {
        return exit;
    }
    abort_listed(ctx, &args, plan).await
}

/// What a clear aborts, and what `--skip-active` leaves.
struct Plan {
    /// Listed under the prefix and old enough, before `--skip-active`.
    listed: u64,
    uploads: Vec<Upload>,
    /// Left alone: written to recently, or of unknown activity (with the size found).
    active: Vec<(Upload, Size)>,
}

impl Plan {
    fn summary(&self) -> ClearSummary {
        ClearSummary {
            listed: self.listed,
            skipped_active: self.active.len() as u64,
            ..ClearSummary::default()
        }
    }

    fn active_rows(&self, bucket: &str) -> impl Iterator<Item = OutcomeRow> {
        self.active.iter().map(move |(upload, size)| OutcomeRow {
            upload: UploadRow::new(bucket, upload).with_size(size),
            outcome: "skipped_active",
            error: None,
        })
    }
}

/// Splits `uploads` into those idle for `window` seconds and those written to more recently
/// (or whose parts cannot be read). Uploads gone meanwhile are dropped.
async fn leave_out_active(
    ctx: &mut Context,
    bucket: &str,
    uploads: Vec<Upload>,
    window: i64,
) -> Result<(Vec<Upload>, Vec<(Upload, Size)>), S3Error> {
    let total = format::count(uploads.len() as u64);
    let (mut idle, mut active) = (Vec::new(), Vec::new());
    let mut measured = pin!(measure_all(&ctx.s3, bucket, uploads, ctx.concurrency, None));
    let mut checked = 0u64;
    while let Some((upload, size)) = measured.next().await {
        checked += 1;
        ctx.messages.progress(&format!(
            "checking recent activity… {}/{total}",
            format::count(checked)
        ));
        let Some(size) = size? else {
            continue;
        };
        if is_active(size.last_activity(), window, ctx.now) {
            active.push((upload, size));
        } else {
            idle.push(upload);
        }
    }
    ctx.messages.clear_progress();
    Ok((idle, active))
}

fn note_active(ctx: &mut Context, active: &[(Upload, Size)], window: i64) {
    if active.is_empty() {
        return;
    }
    let unknown = active
        .iter()
        .filter(|(_, size)| matches!(size, Size::Unknown(_)))
        .count() as u64;
    let mut note = format!(
        "leaving out {} uploads written to within the last {} (--skip-active)",
        format::count(active.len() as u64),
        format::span(window)
    );
    if unknown > 0 {
        note.push_str(&format!(
            "; {} of them because their parts could not be read",
            format::count(unknown)
        ));
    }
    ctx.messages.note(&note);
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

/// A dry run, or nothing to do: what would be aborted, and nothing changed.
fn print_plan(ctx: &mut Context, args: &ClearArgs, plan: &Plan) {
    let bucket = &args.location.bucket;
    let uploads = &plan.uploads;
    let summary = plan.summary();
    let rows: Vec<OutcomeRow> = uploads
        .iter()
        .map(|upload| OutcomeRow {
            upload: UploadRow::new(bucket, upload),
            outcome: "would_abort",
            error: None,
        })
        .chain(plan.active_rows(bucket))
        .collect();
    match ctx.format {
        Format::Json => ctx.out.json(&ClearReport::new(args, summary, rows)),
        Format::Jsonl => rows.iter().for_each(|row| ctx.out.json(row)),
        Format::Table => {
            let mut table = Table::new(UPLOAD_COLUMNS);
            for upload in uploads {
                table.push(upload_cells(bucket, upload, None, ctx.now));
            }
            if !uploads.is_empty() {
                table.print(&mut ctx.out);
            }
        }
    }
    ctx.out.flush();
    let place = args.location.describe();
    let message = if uploads.is_empty() {
        format!("no uploads to abort in {place}")
    } else {
        format!(
            "dry run: would abort {} uploads in {place}; nothing changed",
            format::count(uploads.len() as u64)
        )
    };
    ctx.messages.note(&message);
}

/// Aborts exactly `uploads`, `--concurrency` at a time, until done or Ctrl-C.
async fn abort_listed(ctx: &mut Context, args: &ClearArgs, plan: Plan) -> Exit {
    let bucket = &args.location.bucket;
    let mut summary = plan.summary();
    let uploads = &plan.uploads;
    let count = format::count(uploads.len() as u64);
    let refs: Vec<UploadRef> = UploadRef::page(uploads);
    let position: HashMap<UploadRef, usize> = refs
        .iter()
        .cloned()
        .enumerate()
        .map(|(i, upload)| (upload, i))
        .collect();
    let row_for = |upload: &UploadRef| match position.get(upload) {
        Some(&i) => UploadRow::new(bucket, &uploads[i]),
        None => UploadRow::unlisted(bucket, upload),
    };
    let token = CancellationToken::new();
    let ctrl_c = CancelOnCtrlC::new(&token);
    let limiter = Limiter::new(ctx.concurrency);
    let place = args.location.describe();
    let format = ctx.format;
    let mut kept_rows: Vec<OutcomeRow> = Vec::new();
    let (out, messages) = (&mut ctx.out, &mut ctx.messages);
    let not_attempted = abort_paced(
        &ctx.s3,
        &ctx.journal,
        bucket,
        refs,
        &limiter,
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
            ctrl_c.know(summary.so_far(&place));
            let settled = format::count(summary.settled());
            let pace = limiter.pace();
            messages.progress(&format!(
                "aborting… {settled}/{count} · {} in flight · {} throttled",
                pace.in_flight, pace.throttled
            ));
        },
    )
    .await;
    drop(ctrl_c);
    ctx.messages.clear_progress();
    summary.not_attempted = not_attempted.len() as u64;
    let pace = limiter.pace();
    summary.throttled = pace.throttled;
    summary.concurrency = pace.limit;
    let skipped = not_attempted.iter().map(|upload| OutcomeRow {
        upload: row_for(upload),
        outcome: "not_attempted",
        error: None,
    });
    let skipped = skipped.chain(plan.active_rows(bucket));
    match ctx.format {
        Format::Jsonl => {
            for row in skipped {
                ctx.out.json(&row);
            }
            ctx.messages.note(&summary.line(&place));
            ctx.messages.note(&ClearSummary::pace_line(&pace));
        }
        Format::Json => {
            kept_rows.extend(skipped);
            ctx.out.json(&ClearReport::new(args, summary, kept_rows));
        }
        Format::Table => {
            print_failures(ctx, &kept_rows);
            if token.is_cancelled() {
                ctx.out
                    .line("interrupted: uploads not yet attempted were left alone");
            }
            ctx.out.line(&summary.line(&place));
            ctx.messages.note(&ClearSummary::pace_line(&pace));
        }
    }
    ctx.out.flush();
    summary.exit()
}

fn print_failures(ctx: &mut Context, failed: &[OutcomeRow]) {
    if failed.is_empty() {
        return;
    }
    let mut table = Table::new(&[
        ("FAILED", Align::Left),
        ("UPLOAD ID", Align::Left),
        ("KEY", Align::Left),
    ]);
    for row in failed {
        table.push(vec![
            row.error.clone().unwrap_or_default(),
            row.upload.upload_id.clone(),
            row.upload.shown_key(),
        ]);
    }
    table.print(&mut ctx.out);
}

#[cfg(test)]
mod tests {
    use super::*;

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
