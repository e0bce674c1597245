//! Deleting many objects, and deleting a bucket with an explanation when the server refuses:
//! what the console's file deletes and `partsweep rb` share.

use futures::{StreamExt, stream};
use tokio_util::sync::CancellationToken;

use super::limit::Limiter;
use super::retry::{Backoff, Retry, RetryBudget, Tried};
use crate::format;
use crate::s3::{BucketContents, KeyFailure, MAX_DELETE_BATCH, ObjectId, S3, S3Error};

/// DeleteObjects calls in flight at once: each carries up to 1,000 keys, so a few suffice
/// and many would only provoke throttling.
pub const MAX_BATCHES_IN_FLIGHT: usize = 8;

/// What many deletes did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeleteReport {
    pub requested: usize,
    pub deleted: usize,
    pub failed: Vec<KeyFailure>,
    pub not_attempted: usize,
    pub cancelled: bool,
    /// What a versioned bucket still stores under the deleted folder (older versions,
    /// delete markers), in words; `None` when nothing or when not asked.
    pub left_behind: Option<String>,
}

/// Deletes exactly `objects`, in DeleteObjects batches of up to 1,000, a few batches at a
/// time. Cancelling (or, with `stop_on_failure`, the first refused key) starts no new batch;
/// batches in flight finish and are counted. `progress` gets the number settled so far.
pub async fn delete_all(
    s3: &S3,
    bucket: &str,
    objects: Vec<ObjectId>,
    concurrency: usize,
    token: &CancellationToken,
    stop_on_failure: bool,
    mut progress: impl FnMut(usize),
) -> DeleteReport {
    let mut report = DeleteReport {
        requested: objects.len(),
        ..DeleteReport::default()
    };
    let stop = token.child_token();
    let limiter = Limiter::new(concurrency.clamp(1, MAX_BATCHES_IN_FLIGHT));
    let budget = RetryBudget::default();
    let retry = Retry {
        backoff: Backoff::default(),
        budget: &budget,
        limiter: &limiter,
        token: &stop,
    };
    let batch_count = objects.len().div_ceil(MAX_DELETE_BATCH);
    let (objects, retry) = (&objects, &retry);
    let mut results = stream::iter(0..batch_count)
        .take_while(|_| std::future::ready(!stop.is_cancelled()))
        .map(|i| async move {
            let end = ((i + 1) * MAX_DELETE_BATCH).min(objects.len());
            let batch = &objects[i * MAX_DELETE_BATCH..end];
            (batch, retry.run(|| s3.delete_objects(bucket, batch)).await)
        })
        .buffer_unordered(MAX_BATCHES_IN_FLIGHT);
    let mut settled = 0;
    while let Some((batch, tried)) = results.next().await {
        let Tried::Done(result) = tried else {
            continue;
        };
        settled += batch.len();
        match result {
            Ok(outcome) => {
                report.deleted += outcome.deleted;
                report.failed.extend(outcome.failed);
            }
            Err(err) => report
                .failed
                .extend(batch.iter().map(|object| KeyFailure::of(object, &err))),
        }
        if stop_on_failure && !report.failed.is_empty() {
            stop.cancel();
        }
        progress(settled);
    }
    drop(results);
    report.not_attempted = report.requested - settled;
    report.cancelled = token.is_cancelled();
    report
}

/// DeleteBucket refused: the server's own words, and what is still there by our count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub error: S3Error,
    /// `None` when counting failed too.
    pub left: Option<BucketContents>,
}

impl Refusal {
    /// Lines for a dialog or stderr: the server's message, then what partsweep knows.
    pub fn explanation(&self) -> Vec<String> {
        let mut lines = vec![format!("The server refused: {}", self.error.display_line())];
        let Some(left) = &self.left else {
            lines.push("partsweep could not count what is left in the bucket.".into());
            return lines;
        };
        let stored =
            left.objects + left.old_versions.unwrap_or(0) + left.delete_markers.unwrap_or(0);
        if stored > 0 {
            lines.push(format!("Still in the bucket: {}.", left.summary()));
        } else if left.uploads > 0 {
            lines.push(format!(
                "No objects are left, but this provider also counts incomplete uploads; {} remain{}.",
                format::count(left.uploads),
                if left.uploads == 1 { "s" } else { "" }
            ));
        } else if !left.versions_listed() {
            lines.push(
                "No objects or uploads are listed; this server cannot list versions, so old versions it keeps are invisible to partsweep.".into(),
            );
        } else {
            lines.push(
                "partsweep counts nothing left: something may have been written meanwhile; try again.".into(),
            );
        }
        lines
    }
}

/// DeleteBucket, explained when refused.
pub async fn delete_bucket_explained(s3: &S3, bucket: &str) -> Result<(), Refusal> {
    match s3.delete_bucket(bucket).await {
        Ok(()) => Ok(()),
        Err(error) => Err(Refusal {
            error,
            left: s3.count_contents(bucket).await.ok(),
        }),
    }
}

/// What keeps a non-empty bucket from being deleted, provider by provider.
pub fn blockers(contents: &BucketContents) -> Vec<String> {
    let mut lines = Vec::new();
    let stored = contents.objects
        + contents.old_versions.unwrap_or(0)
        + contents.delete_markers.unwrap_or(0);
    if stored > 0 {
        lines.push(
            "every provider refuses to delete a bucket that still holds objects or object versions"
                .into(),
        );
    }
    if contents.uploads > 0 {
        lines.push(format!(
            "{} incomplete upload{}: Tencent COS, Alibaba OSS, Oracle and CoreWeave refuse to delete the bucket until they are aborted",
            format::count(contents.uploads),
            if contents.uploads == 1 { "" } else { "s" }
        ));
    }
    if !contents.versions_listed() {
        lines.push(
            "this server cannot list object versions, so partsweep cannot count old versions"
                .into(),
        );
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::s3::ErrorKind;

    fn refusal(left: Option<BucketContents>) -> Refusal {
        Refusal {
            error: S3Error {
                kind: ErrorKind::Other,
                code: Some("BucketNotEmpty".into()),
                message: "Deletion failed. Please delete the valid data in the bucket first".into(),
                status: Some(409),
            },
            left,
        }
    }

    #[test]
    fn a_refusal_over_uploads_names_them() {
        let lines = refusal(Some(BucketContents {
            objects: 0,
            old_versions: Some(0),
            delete_markers: Some(0),
            uploads: 3,
        }))
        .explanation();
        assert!(
            lines[0].contains("Please delete the valid data"),
            "{lines:?}"
        );
        assert!(
            lines[1].contains("this provider also counts incomplete uploads; 3 remain"),
            "{lines:?}"
        );
    }

    #[test]
    fn a_refusal_over_objects_counts_them() {
        let lines = refusal(Some(BucketContents {
            objects: 2,
            old_versions: None,
            delete_markers: None,
            uploads: 0,
        }))
        .explanation();
        assert!(lines[1].contains("2 files"), "{lines:?}");
        let unknown = refusal(None).explanation();
        assert!(unknown[1].contains("could not count"), "{unknown:?}");
    }
}
