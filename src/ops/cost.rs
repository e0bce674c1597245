//! Pure decisions about what uploads cost and whether they are still in use, shared by the
//! console and the CLI. The clock is always passed in (`now`), so tests choose the time.

use crate::s3::Timestamp;

use super::sizes::BucketTotals;

/// AWS S3 Standard in us-east-1, first 50 TB: USD per GB-month (public price list).
pub const DEFAULT_PRICE_PER_GB_MONTH: f64 = 0.023;

/// AWS bills storage in binary gigabytes.
const GIB: f64 = (1u64 << 30) as f64;

const HOUR: i64 = 3_600;
const DAY: i64 = 24 * HOUR;

/// What Clear all in the console asks about: activity within the last hour.
pub const ACTIVE_WINDOW: i64 = HOUR;

/// An estimate of what `bytes` cost a month at `price_per_gb_month` dollars.
pub fn monthly_cost(bytes: u64, price_per_gb_month: f64) -> f64 {
    bytes as f64 / GIB * price_per_gb_month
}

/// Whether an upload was written to less than `window` seconds before `now`.
/// `last_activity` is its newest part's time (its start time without parts); when that is
/// unknown the upload counts as active, since aborting a running upload breaks a transfer.
pub fn is_active(last_activity: Option<Timestamp>, window: i64, now: Timestamp) -> bool {
    match last_activity {
        Some(last) => now.saturating_sub(last) < window,
        None => true,
    }
}

/// Age ranges of the histogram, by start time.
pub const AGE_BINS: [(&str, i64); 5] = [
    ("<1 d", DAY),
    ("1–7 d", 7 * DAY),
    ("7–30 d", 30 * DAY),
    ("30–90 d", 90 * DAY),
    (">90 d", i64::MAX),
];

/// Uploads by age: count and (known) bytes in each of [`AGE_BINS`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AgeHistogram {
    pub uploads: [u64; AGE_BINS.len()],
    pub bytes: [u64; AGE_BINS.len()],
    /// Uploads with no start time, in no bin.
    pub undated: u64,
}

impl AgeHistogram {
    /// Adds one upload started at `initiated` holding `bytes` (when known).
    pub fn add(&mut self, initiated: Option<Timestamp>, bytes: Option<u64>, now: Timestamp) {
        let Some(started) = initiated else {
            self.undated += 1;
            return;
        };
        let age = now.saturating_sub(started).max(0);
        let bin = AGE_BINS
            .iter()
            .position(|&(_, below)| age < below)
            .unwrap_or(AGE_BINS.len() - 1);
        self.uploads[bin] += 1;
        self.bytes[bin] += bytes.unwrap_or(0);
    }
}

/// The account at a glance: every bucket's totals together.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AccountSummary {
    pub uploads: u64,
    pub bytes: u64,
    /// Uploads whose size could not be read.
    pub unknown: u64,
    /// Buckets holding at least one incomplete upload.
    pub buckets_with_uploads: u64,
    /// Buckets scanned so far, and those that could not be read.
    pub buckets_scanned: u64,
    pub buckets_failed: u64,
    pub oldest: Option<Timestamp>,
}

impl AccountSummary {
    /// From each bucket's scan result: totals, or `None` for a bucket that failed.
    pub fn of<'a>(buckets: impl IntoIterator<Item = Option<&'a BucketTotals>>) -> Self {
        let mut summary = AccountSummary::default();
        for totals in buckets {
            summary.buckets_scanned += 1;
            let Some(totals) = totals else {
                summary.buckets_failed += 1;
                continue;
            };
            summary.uploads += totals.uploads;
            summary.bytes += totals.bytes;
            summary.unknown += totals.unknown;
            if totals.uploads > 0 {
                summary.buckets_with_uploads += 1;
            }
            summary.oldest = match (summary.oldest, totals.oldest) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        summary
    }

    /// "oldest 41 days", "oldest 1 day", or under a day its age: "oldest 5h", "oldest 12s".
    pub fn oldest_words(&self, now: Timestamp) -> Option<String> {
        let age = now.saturating_sub(self.oldest?).max(0);
        Some(match age / DAY {
            0 => format!("oldest {}", crate::format::span(age)),
            1 => "oldest 1 day".to_owned(),
            days => format!("oldest {days} days"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upload_written_to_within_the_window_is_active() {
        let now = 1_000_000;
        assert!(is_active(Some(now - 59), 60, now));
        assert!(!is_active(Some(now - 60), 60, now));
        assert!(!is_active(Some(now - 7 * DAY), ACTIVE_WINDOW, now));
        // The same upload, seen an hour later by an injected clock, is idle.
        assert!(is_active(Some(now - 10), ACTIVE_WINDOW, now));
        assert!(!is_active(Some(now - 10), ACTIVE_WINDOW, now + HOUR));
    }

    #[test]
    fn an_upload_of_unknown_activity_is_treated_as_active() {
        assert!(is_active(None, ACTIVE_WINDOW, 1_000_000));
    }

    #[test]
    fn a_gib_month_at_the_default_price_costs_two_cents_and_a_bit() {
        let cost = monthly_cost(1 << 30, DEFAULT_PRICE_PER_GB_MONTH);
        assert!((cost - 0.023).abs() < 1e-12, "{cost}");
        assert!((monthly_cost(500 << 30, 0.023) - 11.5).abs() < 1e-9);
        assert_eq!(monthly_cost(0, 0.023), 0.0);
    }

    #[test]
    fn uploads_fall_into_age_bins_by_start_time() {
        let now = 100 * DAY;
        let mut histogram = AgeHistogram::default();
        histogram.add(Some(now - HOUR), Some(10), now);
        histogram.add(Some(now - DAY), Some(20), now);
        histogram.add(Some(now - 7 * DAY - 1), None, now);
        histogram.add(Some(now - 45 * DAY), Some(40), now);
        histogram.add(Some(0), Some(50), now);
        histogram.add(None, Some(60), now);
        histogram.add(Some(now + 60), Some(1), now); // a clock ahead of ours: new
        assert_eq!(histogram.uploads, [2, 1, 1, 1, 1]);
        assert_eq!(histogram.bytes, [11, 20, 0, 40, 50]);
        assert_eq!(histogram.undated, 1);
    }

    #[test]
    fn the_account_summary_adds_buckets_and_counts_failures() {
        let a = BucketTotals {
            uploads: 2,
            parts: 4,
            bytes: 100,
            oldest: Some(50),
            unknown: 1,
        };
        let empty = BucketTotals::default();
        let b = BucketTotals {
            uploads: 1,
            parts: 1,
            bytes: 10,
            oldest: Some(20),
            unknown: 0,
        };
        let summary = AccountSummary::of([Some(&a), Some(&empty), None, Some(&b)]);
        assert_eq!(
            summary,
            AccountSummary {
                uploads: 3,
                bytes: 110,
                unknown: 1,
                buckets_with_uploads: 2,
                buckets_scanned: 4,
                buckets_failed: 1,
                oldest: Some(20),
            }
        );
        assert_eq!(
            summary.oldest_words(20 + 3 * DAY + 5).as_deref(),
            Some("oldest 3 days")
        );
        assert_eq!(
            summary.oldest_words(20 + 5 * 3_600).as_deref(),
            Some("oldest 5h")
        );
    }
}
