//! `partsweep uploads [BUCKET[/PREFIX]] [--older-than AGE] [--parts]`: incomplete uploads,
//! streamed page by page, in one bucket or in every bucket.

use std::pin::pin;

use clap::Args;
use futures::{StreamExt, TryStreamExt};

use super::context::{Context, Exit};
use super::output::{
    Format, OutputArgs, Rows, UPLOAD_COLUMNS, UPLOAD_COLUMNS_WITH_PARTS, UploadRow, upload_cells,
};
use super::{Location, parse_age, parse_location};
use crate::format;
use crate::ops::list;
use crate::ops::sizes::{Size, measure_all};
use crate::s3::{Bucket, S3Error, Timestamp, Upload};

#[derive(Debug, Clone, Args)]
pub struct UploadsArgs {
    /// BUCKET or BUCKET/PREFIX (a key prefix: `b/tmp` matches `tmp1/x` and `tmp.bin`); every bucket if left out.
    #[arg(value_name = "BUCKET[/PREFIX]", value_parser = parse_location)]
    pub location: Option<Location>,
    /// Only uploads started longer ago than this: 30m, 12h, 7d, 2w.
    #[arg(long, value_name = "AGE", value_parser = parse_age)]
    pub older_than: Option<i64>,
    /// Also show each upload's parts, bytes and last activity (one ListParts call per upload).
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
    let (mut listed, mut failed, mut unknown) = (0, 0, 0);
    for target in &targets {
        match print_uploads(ctx, target, args.older_than, args.parts, &mut rows).await {
            Ok(unreadable) => {
                listed += 1;
                unknown += unreadable;
            }
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
    if unknown > 0 {
        ctx.messages.note(&unknown_sizes_note(unknown));
    }
    Exit::from_counts(listed, failed)
}

/// Streams one bucket's uploads into `rows`, page by page. Returns how many uploads'
/// sizes could not be read (listed with `?`).
async fn print_uploads(
    ctx: &mut Context,
    target: &Location,
    older_than: Option<i64>,
    parts: bool,
    rows: &mut Rows,
) -> Result<u64, S3Error> {
    let bucket = target.bucket.as_str();
    let now = ctx.now;
    let mut unknown = 0;
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
            let mut sized = pin!(measure_all(&ctx.s3, bucket, page, ctx.concurrency, None));
            while let Some((upload, measured)) = sized.next().await {
                // None: completed or aborted meanwhile, so no longer an incomplete upload.
                let Some(size) = measured? else {
                    continue;
                };
                if matches!(size, Size::Unknown(_)) {
                    unknown += 1;
                }
                let row = UploadRow::new(bucket, &upload).with_size(&size);
                rows.push(&mut ctx.out, &row, || {
                    upload_cells(bucket, &upload, Some(&size), now)
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
    Ok(unknown)
}

/// Said on stderr when some uploads' parts could not be read; the rest was.
pub fn unknown_sizes_note(unknown: u64) -> String {
    let (uploads, was) = if unknown == 1 {
        ("upload", "its size is")
    } else {
        ("uploads", "their sizes are")
    };
    format!(
        "note: the server's ListParts answer for {} {uploads} could not be read (Garage, for one, writes \
         a key's control characters raw into its XML); {was} unknown (?, size_error in JSON), everything else was read",
        format::count(unknown)
    )
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
            key_undecodable: false,
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
