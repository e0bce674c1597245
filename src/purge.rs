//! Deleting many objects, and emptying then deleting a bucket: the one implementation that
//! the console and `partsweep rb --force` share.

use futures::{StreamExt, stream};
use tokio_util::sync::CancellationToken;

use crate::format;
use crate::retry::Backoff;
use crate::s3::{
    BucketContents, KeyFailure, MAX_DELETE_BATCH, ObjectId, S3, S3Error, UploadRef, is_unsupported,
};
use crate::tasks::abort_all;

/// DeleteObjects calls in flight at once: each carries up to 1,000 keys, so a few suffice
/// and many would only provoke throttling.
pub const MAX_BATCHES_IN_FLIGHT: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    AbortUploads,
    DeleteVersions,
    DeleteObjects,
    AbortLateUploads,
    DeleteBucket,
}

impl Phase {
    pub const ALL: [Phase; 5] = [
        Phase::AbortUploads,
        Phase::DeleteVersions,
        Phase::DeleteObjects,
        Phase::AbortLateUploads,
        Phase::DeleteBucket,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Phase::AbortUploads => "abort incomplete uploads",
            Phase::DeleteVersions => "delete old versions and delete markers",
            Phase::DeleteObjects => "delete objects",
            Phase::AbortLateUploads => "abort uploads started meanwhile",
            Phase::DeleteBucket => "delete the bucket",
        }
    }
}

/// Where a run is: `listing` while it still counts what the phase will remove.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub phase: Phase,
    pub listing: bool,
    pub done: u64,
    pub total: u64,
}

/// What many deletes did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeleteReport {
    pub requested: usize,
    pub deleted: usize,
    pub failed: Vec<KeyFailure>,
    pub not_attempted: usize,
    pub cancelled: bool,
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
    let backoff = Backoff::default();
    let batch_count = objects.len().div_ceil(MAX_DELETE_BATCH);
    let objects = &objects;
    let mut results = stream::iter(0..batch_count)
        .take_while(|_| std::future::ready(!stop.is_cancelled()))
        .map(|i| {
            let backoff = &backoff;
            async move {
                let end = ((i + 1) * MAX_DELETE_BATCH).min(objects.len());
                let batch = &objects[i * MAX_DELETE_BATCH..end];
                let result = backoff.run(|| s3.delete_objects(bucket, batch)).await;
                (batch, result)
            }
        })
        .buffer_unordered(concurrency.clamp(1, MAX_BATCHES_IN_FLIGHT));
    let mut settled = 0;
    while let Some((batch, result)) = results.next().await {
        settled += batch.len();
        match result {
            Ok(outcome) => {
                report.deleted += outcome.deleted;
                report.failed.extend(outcome.failed);
            }
            Err(err) => report.failed.extend(batch.iter().map(|object| KeyFailure {
                key: object.key.clone(),
                version_id: object.version_id.clone(),
                code: err.code.clone(),
                message: err.display_line(),
            })),
        }
        if stop_on_failure && !report.failed.is_empty() {
            stop.cancel();
        }
        progress(settled);
    }
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

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PurgeEnd {
    BucketDeleted,
    Cancelled {
        phase: Phase,
    },
    /// A call failed or keys were refused; the run stopped there.
    Failed {
        phase: Phase,
        error: String,
    },
    /// Everything we could see was removed, and DeleteBucket still said no.
    BucketRefused(Refusal),
}

/// What an Empty-and-delete run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurgeReport {
    pub bucket: String,
    pub uploads_aborted: u64,
    pub versions_deleted: u64,
    pub objects_deleted: u64,
    /// The server cannot list versions, so that phase was skipped.
    pub versions_unsupported: bool,
    /// Per-key or per-upload failures, one line each.
    pub failures: Vec<String>,
    pub end: PurgeEnd,
    /// What is still there after a stop (counted again), when counting worked.
    pub left: Option<BucketContents>,
}

impl PurgeReport {
    pub fn removed_anything(&self) -> bool {
        self.uploads_aborted + self.versions_deleted + self.objects_deleted > 0
    }

    /// Lines for the summary dialog and the CLI.
    pub fn lines(&self) -> Vec<String> {
        let bucket = crate::text::escape(&self.bucket);
        let mut lines = vec![match &self.end {
            PurgeEnd::BucketDeleted => format!("Bucket {bucket} is deleted."),
            PurgeEnd::Cancelled { phase } => {
                format!(
                    "Cancelled during \"{}\"; bucket {bucket} remains.",
                    phase.label()
                )
            }
            PurgeEnd::Failed { phase, error } => {
                format!("Stopped at \"{}\": {error}", phase.label())
            }
            PurgeEnd::BucketRefused(_) => {
                format!("Bucket {bucket} was emptied but could not be deleted.")
            }
        }];
        lines.push(format!(
            "Uploads aborted: {} · versions and markers deleted: {} · objects deleted: {}",
            format::count(self.uploads_aborted),
            format::count(self.versions_deleted),
            format::count(self.objects_deleted)
        ));
        if self.versions_unsupported {
            lines.push("The server cannot list object versions; that phase was skipped.".into());
        }
        if let PurgeEnd::BucketRefused(refusal) = &self.end {
            lines.extend(refusal.explanation());
        } else if self.end != PurgeEnd::BucketDeleted {
            lines.push(match &self.left {
                Some(left) => format!("Left in the bucket: {}.", left.summary()),
                None => "Could not count what is left in the bucket.".into(),
            });
        }
        if !self.failures.is_empty() {
            lines.push(format!(
                "Failures ({}):",
                format::count(self.failures.len() as u64)
            ));
            lines.extend(self.failures.iter().take(8).map(|f| format!("  {f}")));
            if self.failures.len() > 8 {
                lines.push(format!("  … and {} more", self.failures.len() - 8));
            }
        }
        lines
    }
}

enum Stop {
    Cancelled,
    Failed(String),
}

/// Why [`list_everything`] stopped: a cancel, or the listing's own error with how many rows
/// had been read before it.
enum ListStop {
    Cancelled,
    Failed { error: S3Error, read: usize },
}

impl ListStop {
    fn into_stop(self, what: &str) -> Stop {
        match self {
            ListStop::Cancelled => Stop::Cancelled,
            ListStop::Failed { error, .. } => {
                Stop::Failed(format!("{what}: {}", error.display_line()))
            }
        }
    }
}

/// Reads every page of a listing into one list, reporting the count as it grows and then the
/// total, so a phase shows progress while it is still finding out what it has to do.
async fn list_everything<T, U>(
    pages: impl futures::Stream<Item = Result<Vec<T>, S3Error>>,
    phase: Phase,
    token: &CancellationToken,
    progress: &mut impl FnMut(Progress),
    mut each: impl FnMut(T) -> U,
) -> Result<Vec<U>, ListStop> {
    let mut rows = Vec::new();
    let mut pages = Box::pin(pages);
    while let Some(page) = pages.next().await {
        if token.is_cancelled() {
            return Err(ListStop::Cancelled);
        }
        let page = page.map_err(|error| ListStop::Failed {
            error,
            read: rows.len(),
        })?;
        rows.extend(page.into_iter().map(&mut each));
        progress(Progress {
            phase,
            listing: true,
            done: 0,
            total: rows.len() as u64,
        });
    }
    progress(Progress {
        phase,
        listing: false,
        done: 0,
        total: rows.len() as u64,
    });
    Ok(rows)
}

/// Empties `bucket` and deletes it: aborts incomplete uploads, deletes every version and
/// delete marker, then every object, aborts uploads that started meanwhile, then
/// DeleteBucket. Every call names `bucket`; nothing else is touched. Cancelling takes
/// effect between batches; the first failure stops the run and the report says what is left.
pub async fn empty_and_delete(
    s3: &S3,
    bucket: &str,
    concurrency: usize,
    token: &CancellationToken,
    mut progress: impl FnMut(Progress),
) -> PurgeReport {
    let mut report = PurgeReport {
        bucket: bucket.to_owned(),
        uploads_aborted: 0,
        versions_deleted: 0,
        objects_deleted: 0,
        versions_unsupported: false,
        failures: Vec::new(),
        end: PurgeEnd::BucketDeleted,
        left: None,
    };
    for phase in Phase::ALL {
        let step = match phase {
            Phase::AbortUploads | Phase::AbortLateUploads => {
                abort_phase(
                    s3,
                    bucket,
                    phase,
                    concurrency,
                    token,
                    &mut report,
                    &mut progress,
                )
                .await
            }
            Phase::DeleteVersions | Phase::DeleteObjects => {
                delete_phase(
                    s3,
                    bucket,
                    phase,
                    concurrency,
                    token,
                    &mut report,
                    &mut progress,
                )
                .await
            }
            Phase::DeleteBucket => {
                if token.is_cancelled() {
                    Err(Stop::Cancelled)
                } else {
                    progress(Progress {
                        phase,
                        listing: false,
                        done: 0,
                        total: 1,
                    });
                    match delete_bucket_explained(s3, bucket).await {
                        Ok(()) => {
                            progress(Progress {
                                phase,
                                listing: false,
                                done: 1,
                                total: 1,
                            });
                            Ok(())
                        }
                        Err(refusal) => {
                            report.left = refusal.left;
                            report.end = PurgeEnd::BucketRefused(refusal);
                            return report;
                        }
                    }
                }
            }
        };
        if let Err(stop) = step {
            report.end = match stop {
                Stop::Cancelled => PurgeEnd::Cancelled { phase },
                Stop::Failed(error) => PurgeEnd::Failed { phase, error },
            };
            report.left = s3.count_contents(bucket).await.ok();
            return report;
        }
    }
    report
}

async fn abort_phase(
    s3: &S3,
    bucket: &str,
    phase: Phase,
    concurrency: usize,
    token: &CancellationToken,
    report: &mut PurgeReport,
    progress: &mut impl FnMut(Progress),
) -> Result<(), Stop> {
    let uploads = list_everything(
        s3.list_uploads(bucket, None, None),
        phase,
        token,
        progress,
        |upload| UploadRef::from(&upload),
    )
    .await
    .map_err(|stop| stop.into_stop("listing uploads"))?;
    let total = uploads.len() as u64;
    let stop = token.child_token();
    let mut settled = 0;
    let mut first_failure: Option<String> = None;
    let not_attempted = abort_all(s3, bucket, uploads, concurrency, &stop, |upload, result| {
        settled += 1;
        match result {
            Ok(_) => report.uploads_aborted += 1,
            Err(err) => {
                let line = format!(
                    "upload {}: {}",
                    crate::text::escape(&upload.key),
                    err.display_line()
                );
                first_failure.get_or_insert_with(|| line.clone());
                report.failures.push(line);
                stop.cancel();
            }
        }
        progress(Progress {
            phase,
            listing: false,
            done: settled,
            total,
        });
    })
    .await;
    if let Some(failure) = first_failure {
        return Err(Stop::Failed(failure));
    }
    if token.is_cancelled() && !not_attempted.is_empty() {
        return Err(Stop::Cancelled);
    }
    Ok(())
}

async fn delete_phase(
    s3: &S3,
    bucket: &str,
    phase: Phase,
    concurrency: usize,
    token: &CancellationToken,
    report: &mut PurgeReport,
    progress: &mut impl FnMut(Progress),
) -> Result<(), Stop> {
    let listed = if phase == Phase::DeleteVersions {
        list_everything(
            s3.list_versions(bucket, ""),
            phase,
            token,
            progress,
            |entry| entry.id,
        )
        .await
    } else {
        let pages = s3.list_all_objects(bucket, "");
        list_everything(pages, phase, token, progress, |entry| {
            ObjectId::key(entry.key)
        })
        .await
    };
    let objects = match listed {
        // A server without versioning says so on the first page: skip the phase, and say so.
        Err(ListStop::Failed { error, read: 0 })
            if phase == Phase::DeleteVersions && is_unsupported(&error) =>
        {
            report.versions_unsupported = true;
            return Ok(());
        }
        listed => listed.map_err(|stop| stop.into_stop("listing"))?,
    };
    let total = objects.len() as u64;
    let result = delete_all(s3, bucket, objects, concurrency, token, true, |done| {
        progress(Progress {
            phase,
            listing: false,
            done: done as u64,
            total,
        })
    })
    .await;
    let deleted = result.deleted as u64;
    match phase {
        Phase::DeleteVersions => report.versions_deleted += deleted,
        _ => report.objects_deleted += deleted,
    }
    report
        .failures
        .extend(result.failed.iter().map(KeyFailure::display_line));
    if let Some(first) = result.failed.first() {
        return Err(Stop::Failed(first.display_line()));
    }
    if result.cancelled && result.not_attempted > 0 {
        return Err(Stop::Cancelled);
    }
    Ok(())
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

/// `delete objects: 1,000/2,100`, or `delete objects: listing… 3,000 found`.
impl Progress {
    pub fn line(&self) -> String {
        let progress = self;
        if progress.listing {
            format!(
                "{}: listing… {} found",
                progress.phase.label(),
                format::count(progress.total)
            )
        } else {
            format!(
                "{}: {}/{}",
                progress.phase.label(),
                format::count(progress.done),
                format::count(progress.total)
            )
        }
    }
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
