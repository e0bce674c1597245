//! `partsweep uploads [BUCKET[/PREFIX]] [--older-than AGE] [--parts]`: incomplete uploads,
//! streamed page by page, in one bucket or in every bucket.

use std::pin::pin;

use clap::Args;
use futures::{StreamExt, TryStreamExt, stream};

use super::context::{Context, Exit};
use super::output::{
    Format, OutputArgs, Rows, UPLOAD_COLUMNS, UPLOAD_COLUMNS_WITH_PARTS, UploadRow, upload_cells,
};
use super::{Location, parse_age, parse_location};
use crate::format;
use crate::ops::list;
use crate::ops::retry::Backoff;
use crate::s3::{Bucket, ErrorKind, PartsSummary, S3, S3Error, Timestamp, Upload};

#[derive(Debug, Clone, Args)]
pub struct UploadsArgs {
    /// BUCKET or BUCKET/PREFIX (a key prefix: `b/tmp` matches `tmp1/x` and `tmp.bin`); every bucket if left out.
    #[arg(value_name = "BUCKET[/PREFIX]", value_parser = parse_location)]
    pub location: Option<Location>,
    /// Only uploads started longer ago than this: 30m, 12h, 7d, 2w.
    #[arg(long, value_name = "AGE", value_parser = parse_age)]
    pub older_than: Option<i64>,
    /// Also count each upload's parts and bytes (one ListParts call per upload).
    #[arg(long)]
    pub parts: bool,
    #[command(flatten)]
    pub output: OutputArgs,
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
pub async fn with_parts(
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

/// By name: some servers (Garage) list buckets in a different order each time.
pub async fn sorted_buckets(ctx: &Context) -> Result<Vec<Bucket>, S3Error> {
    let mut buckets = ctx.s3.list_buckets().await?;
    buckets.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(buckets)
}

pub async fn run(ctx: &mut Context, args: UploadsArgs) -> Exit {
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
    let mut rows = Rows::new(ctx.format, columns);
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
    if count == 0 && failed == 0 && ctx.format == Format::Table {
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
}
