//! `partsweep buckets [--uploads]`: every bucket, and with `--uploads` what its incomplete
//! uploads hold.

use clap::Args;
use tokio_util::sync::CancellationToken;

use super::context::{Context, Exit};
use super::output::{Align, BucketRow, Format, OutputArgs, Rows};
use super::uploads::{sorted_buckets, unknown_sizes_note};
use crate::format;
use crate::ops::cost::{AccountSummary, monthly_cost};
use crate::ops::sizes::{BucketTotals, Sizing, size_bucket_in_its_region};
use crate::text::escape;

#[derive(Debug, Clone, Args)]
pub struct BucketsArgs {
    /// Also count each bucket's incomplete uploads, their parts and bytes, and the oldest.
    #[arg(long)]
    pub uploads: bool,
    #[command(flatten)]
    pub output: OutputArgs,
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
    let sizing = Sizing {
        concurrency: ctx.concurrency,
        uploads_page: ctx.page_size,
        parts_page: None,
    };
    let never_cancelled = CancellationToken::new();
    let mut scanned: Vec<Option<BucketTotals>> = Vec::new();
    for bucket in &buckets {
        let mut row = BucketRow::new(bucket);
        let mut cells = vec![
            bucket.name.clone(),
            bucket.region.clone().unwrap_or_else(|| "-".into()),
            format::date(bucket.created),
        ];
        if args.uploads {
            let name = escape(&bucket.name);
            ctx.messages
                .progress(&format!("counting uploads in {name}…"));
            let totals =
                size_bucket_in_its_region(&ctx.s3, bucket, sizing, &never_cancelled, |_| {}).await;
            match totals {
                Ok(totals) => {
                    row = row.with_totals(&totals);
                    let size = match totals.unknown {
                        0 => format::bytes(totals.bytes),
                        _ => format!("{}+?", format::bytes(totals.bytes)),
                    };
                    cells.extend([
                        format::count(totals.uploads),
                        format::count(totals.parts),
                        size,
                        format::age(totals.oldest, ctx.now),
                    ]);
                    scanned.push(Some(totals));
                }
                Err(err) => {
                    let context = format!("cannot list uploads in bucket {name}");
                    ctx.messages.s3_error(&context, &err);
                    row.error = Some(err.exact_line());
                    cells.extend(["?", "?", "?", "?"].map(String::from));
                    scanned.push(None);
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
    if !args.uploads {
        return Exit::Success;
    }
    let summary = AccountSummary::of(scanned.iter().map(Option::as_ref));
    if summary.unknown > 0 {
        ctx.messages.note(&unknown_sizes_note(summary.unknown));
    }
    if listed > 0 {
        ctx.messages
            .note(&account_line(&summary, ctx.price_per_gb_month, ctx.now));
    }
    let failed = summary.buckets_failed;
    Exit::from_counts(summary.buckets_scanned - failed, failed)
}

/// The account at a glance, with the cost estimate: "total: 12 incomplete uploads, 3.2 GiB,
/// in 2 of 5 buckets, oldest 41 days; ≈ $0.07/month (estimate at $0.023/GB-month)".
pub fn account_line(summary: &AccountSummary, price: f64, now: crate::s3::Timestamp) -> String {
    let mut line = format!(
        "total: {} incomplete uploads, {}, in {} of {} buckets",
        format::count(summary.uploads),
        format::bytes(summary.bytes),
        format::count(summary.buckets_with_uploads),
        format::count(summary.buckets_scanned),
    );
    if let Some(oldest) = summary.oldest_words(now) {
        line.push_str(&format!(", {oldest}"));
    }
    line.push_str(&format!(
        "; ≈ ${:.2}/month (estimate at ${price}/GB-month)",
        monthly_cost(summary.bytes, price)
    ));
    if summary.buckets_failed > 0 {
        line.push_str(&format!(
            "; {} buckets could not be read",
            format::count(summary.buckets_failed)
        ));
    }
    line
}
