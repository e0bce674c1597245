//! What incomplete uploads hold: ListParts per upload, totals per bucket, and a scan of many
//! buckets. One unreadable upload never hides a bucket's totals: its size is unknown, with
//! the reason, and it is counted.

use std::pin::pin;
use std::sync::{Mutex, PoisonError};

use futures::{Stream, StreamExt, TryStreamExt, stream};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::s3::{Bucket, ErrorKind, PartsSummary, S3, S3Error, Timestamp, Upload, UploadParts};

/// Buckets scanned at once; they share one limit of ListParts calls in flight.
pub const BUCKETS_AT_ONCE: usize = 4;

/// How hard to ask: ListParts calls in flight, and page sizes (`None`: the server's default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sizing {
    pub concurrency: usize,
    /// Uploads per ListMultipartUploads page.
    pub uploads_page: Option<i32>,
    /// Parts per ListParts page.
    pub parts_page: Option<i32>,
}

/// An upload's size, or why it could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Size {
    Known(PartsSummary),
    /// ListParts answered, but not readably (or not at all, for the console): the reason.
    Unknown(String),
}

impl Size {
    pub fn summary(&self) -> Option<&PartsSummary> {
        match self {
            Size::Known(summary) => Some(summary),
            Size::Unknown(_) => None,
        }
    }

    pub fn bytes(&self) -> Option<u64> {
        self.summary().map(|s| s.bytes)
    }

    pub fn parts(&self) -> Option<u64> {
        self.summary().map(|s| s.parts)
    }

    /// The newest part's time, or the start time without parts; `None` when unknown.
    pub fn last_activity(&self) -> Option<Timestamp> {
        self.summary().and_then(|s| s.last_activity)
    }
}

/// What measuring one upload found. `Ok(None)`: the upload is gone (completed or aborted
/// meanwhile). An answer that cannot be parsed is `Unknown`; anything else that still fails
/// after retries is an error.
pub type Measured = Result<Option<Size>, S3Error>;

/// ListParts of one upload, with every part. Like every listing, it is retried by the SDK's
/// standard retry (3 tries): one retry layer, never two.
pub async fn read_parts(
    s3: &S3,
    bucket: &str,
    upload: &Upload,
    page_size: Option<i32>,
) -> Result<UploadParts, S3Error> {
    // ListParts would have to name the key, and a key that is not UTF-8 cannot be named.
    if upload.key_undecodable {
        return Err(S3Error::undecodable_key());
    }
    s3.list_parts(
        bucket,
        &upload.key,
        &upload.upload_id,
        upload.initiated,
        page_size,
    )
    .await
}

/// One upload's size; see [`Measured`].
pub async fn measure(s3: &S3, bucket: &str, upload: &Upload, page_size: Option<i32>) -> Measured {
    match read_parts(s3, bucket, upload, page_size).await {
        Ok(parts) => Ok(Some(Size::Known(parts.summary))),
        Err(err) => classify(err),
    }
}

fn classify(err: S3Error) -> Measured {
    match err.kind {
        ErrorKind::NoSuchUpload => Ok(None),
        ErrorKind::Protocol | ErrorKind::UndecodableKey => {
            Ok(Some(Size::Unknown(err.display_line())))
        }
        _ => Err(err),
    }
}

/// Measures `uploads`, `concurrency` at a time, yielding them in the order given.
pub fn measure_all<'a>(
    s3: &'a S3,
    bucket: &'a str,
    uploads: Vec<Upload>,
    concurrency: usize,
    page_size: Option<i32>,
) -> impl Stream<Item = (Upload, Measured)> + 'a {
    stream::iter(uploads)
        .map(move |upload| async move {
            let measured = measure(s3, bucket, &upload, page_size).await;
            (upload, measured)
        })
        .buffered(concurrency.max(1))
}

/// A bucket's incomplete uploads in numbers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BucketTotals {
    /// Every upload, those of unknown size included.
    pub uploads: u64,
    pub parts: u64,
    pub bytes: u64,
    /// The earliest start time.
    pub oldest: Option<Timestamp>,
    /// Uploads whose size could not be read (counted in `uploads`, not in `parts`/`bytes`).
    pub unknown: u64,
}

impl BucketTotals {
    pub fn add(&mut self, upload: &Upload, size: &Size) {
        self.uploads += 1;
        match size {
            Size::Known(summary) => {
                self.parts += summary.parts;
                self.bytes += summary.bytes;
            }
            Size::Unknown(_) => self.unknown += 1,
        }
        self.oldest = match (self.oldest, upload.initiated) {
            (Some(oldest), Some(started)) => Some(oldest.min(started)),
            (oldest, started) => oldest.or(started),
        };
    }

    /// Totals of many uploads, for a bucket read in full.
    pub fn of<'a>(uploads: impl IntoIterator<Item = (&'a Upload, &'a Size)>) -> Self {
        let mut totals = BucketTotals::default();
        for (upload, size) in uploads {
            totals.add(upload, size);
        }
        totals
    }
}

/// Every upload of one bucket, sized as the listing goes on. `sized` gets the uploads with
/// their sizes in batches (gone ones dropped). A failing listing or ListParts (other than an
/// unreadable answer) ends with the error; cancelling ends with what was counted so far.
pub async fn size_bucket(
    s3: &S3,
    bucket: &str,
    sizing: Sizing,
    token: &CancellationToken,
    sized: impl FnMut(Vec<(Upload, Size)>),
) -> Result<BucketTotals, S3Error> {
    let permits = Semaphore::new(sizing.concurrency.max(1));
    size_bucket_sharing(s3, bucket, sizing, &permits, token, sized).await
}

/// Uploads handed to `sized` at once: often enough for a screen to fill as they arrive.
const SIZED_BATCH: usize = 100;

/// [`size_bucket`] with ListParts calls limited by `permits`, which other buckets may share.
async fn size_bucket_sharing(
    s3: &S3,
    bucket: &str,
    sizing: Sizing,
    permits: &Semaphore,
    token: &CancellationToken,
    mut sized: impl FnMut(Vec<(Upload, Size)>),
) -> Result<BucketTotals, S3Error> {
    // One stream of uploads across pages, so ListParts calls never wait for a page boundary.
    let uploads = s3
        .list_uploads(bucket, None, sizing.uploads_page)
        .map_ok(|page| stream::iter(page.into_iter().map(Ok::<_, S3Error>)))
        .try_flatten();
    let mut measured = pin!(
        uploads
            .map(|upload| async move {
                let upload = upload?;
                let _permit = permits.acquire().await;
                let size = measure(s3, bucket, &upload, sizing.parts_page).await?;
                Ok::<_, S3Error>((upload, size))
            })
            .buffered(sizing.concurrency.max(1))
    );
    let mut totals = BucketTotals::default();
    let mut found = Vec::new();
    loop {
        let next = tokio::select! {
            _ = token.cancelled() => None,
            next = measured.next() => next,
        };
        let Some(next) = next else {
            break;
        };
        if let (upload, Some(size)) = next? {
            totals.add(&upload, &size);
            found.push((upload, size));
            if found.len() >= SIZED_BATCH {
                sized(std::mem::take(&mut found));
            }
        }
    }
    if !found.is_empty() {
        sized(found);
    }
    Ok(totals)
}

/// News from a scan of many buckets.
#[derive(Debug)]
pub enum ScanEvent {
    /// Some uploads of `bucket`, with their sizes.
    Sized {
        bucket: String,
        uploads: Vec<(Upload, Size)>,
    },
    /// `bucket` is done: its totals, or why it could not be read.
    BucketDone {
        bucket: String,
        result: Result<BucketTotals, S3Error>,
    },
}

/// Sizes every upload of every bucket, a few buckets at a time, each ListParts call taking one
/// of `permits` (one limit for every bucket: a single big bucket may use all of it; a caller
/// that takes them stops new calls). A bucket in another region is read in its own region
/// (from ListBuckets, or asked when the server says the region is wrong). A bucket that fails
/// reports its error and the scan goes on; cancelling starts no new bucket.
pub async fn scan_buckets(
    s3: &S3,
    buckets: Vec<Bucket>,
    sizing: Sizing,
    permits: &Semaphore,
    token: &CancellationToken,
    mut report: impl FnMut(ScanEvent),
) {
    // Held only for one call of `report`, never across an await.
    let report = Mutex::new(&mut report);
    let send = |event| (report.lock().unwrap_or_else(PoisonError::into_inner))(event);
    stream::iter(buckets)
        .take_while(|_| std::future::ready(!token.is_cancelled()))
        .map(|bucket| {
            let send = &send;
            async move {
                let result = in_its_region(s3, &bucket, sizing, permits, token, |uploads| {
                    send(ScanEvent::Sized {
                        bucket: bucket.name.clone(),
                        uploads,
                    })
                })
                .await;
                send(ScanEvent::BucketDone {
                    bucket: bucket.name,
                    result,
                });
            }
        })
        .buffer_unordered(BUCKETS_AT_ONCE)
        .collect::<()>()
        .await;
}

/// [`size_bucket`] in the bucket's own region: the one ListBuckets named, or else the one the
/// server names when it says the region is wrong.
pub async fn size_bucket_in_its_region(
    s3: &S3,
    bucket: &Bucket,
    sizing: Sizing,
    token: &CancellationToken,
    sized: impl FnMut(Vec<(Upload, Size)>),
) -> Result<BucketTotals, S3Error> {
    let permits = Semaphore::new(sizing.concurrency.max(1));
    in_its_region(s3, bucket, sizing, &permits, token, sized).await
}

async fn in_its_region(
    s3: &S3,
    bucket: &Bucket,
    sizing: Sizing,
    permits: &Semaphore,
    token: &CancellationToken,
    mut sized: impl FnMut(Vec<(Upload, Size)>),
) -> Result<BucketTotals, S3Error> {
    let regional = match &bucket.region {
        Some(region) if !region.is_empty() => s3.in_region(region),
        _ => s3.clone(),
    };
    let first =
        size_bucket_sharing(&regional, &bucket.name, sizing, permits, token, &mut sized).await;
    match first {
        Err(err) if err.is_wrong_region() => {
            let Ok(region) = s3.bucket_region(&bucket.name).await else {
                return Err(err);
            };
            if region == regional.region() {
                return Err(err);
            }
            let regional = s3.in_region(&region);
            size_bucket_sharing(&regional, &bucket.name, sizing, permits, token, sized).await
        }
        other => other,
    }
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

    fn known(parts: u64, bytes: u64) -> Size {
        Size::Known(PartsSummary {
            parts,
            bytes,
            last_activity: None,
        })
    }

    #[test]
    fn totals_count_unknown_uploads_and_keep_the_rest() {
        let a = upload(Some(300));
        let b = upload(Some(100));
        let c = upload(None);
        let unknown = Size::Unknown("non-XML character".into());
        let sizes = [known(2, 10), unknown, known(1, 5)];
        let totals = BucketTotals::of([(&a, &sizes[0]), (&b, &sizes[1]), (&c, &sizes[2])]);
        assert_eq!(
            totals,
            BucketTotals {
                uploads: 3,
                parts: 3,
                bytes: 15,
                oldest: Some(100),
                unknown: 1,
            }
        );
    }

    #[test]
    fn an_unreadable_answer_is_an_unknown_size_and_a_gone_upload_is_dropped() {
        let unreadable = S3Error::new(ErrorKind::Protocol, "non-XML character '\\u{1b}'");
        assert!(
            matches!(classify(unreadable), Ok(Some(Size::Unknown(reason))) if reason.contains("non-XML"))
        );
        assert_eq!(
            classify(S3Error::new(ErrorKind::NoSuchUpload, "gone")),
            Ok(None)
        );
        assert!(classify(S3Error::new(ErrorKind::AccessDenied, "no")).is_err());
    }
}
