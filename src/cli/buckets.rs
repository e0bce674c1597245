//! `partsweep buckets [--uploads]`: every bucket, and with `--uploads` what its incomplete
//! uploads hold.

use std::pin::pin;

use clap::Args;
use futures::TryStreamExt;

use super::context::{Context, Exit};
use super::output::{Align, BucketRow, Format, OutputArgs, Rows};
use super::uploads::{sorted_buckets, with_parts};
use crate::format;
use crate::s3::{S3Error, Timestamp};
use crate::text::escape;

#[derive(Debug, Clone, Args)]
pub struct BucketsArgs {
    /// Also count each bucket's incomplete uploads, their parts and bytes, and the oldest.
    #[arg(long)]
    pub uploads: bool,
    #[command(flatten)]
    pub output: OutputArgs,
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

pub async fn run(ctx: &mut Context, args: BucketsArgs) -> Exit {
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
    let mut rows = Rows::new(ctx.format, columns);
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
    if listed == 0 && ctx.format == Format::Table {
        ctx.messages.note("no buckets");
    }
    Exit::from_counts(counted, failed)
}
