//! Emptying a bucket and deleting it, phase by phase: the one implementation that the
//! console's Empty and delete and `partsweep rb --force` share.

use futures::StreamExt;
use tokio_util::sync::CancellationToken;

use super::abort::abort_all;
use super::delete::{Refusal, delete_all, delete_bucket_explained};
use super::journal::Journal;
use crate::format;
use crate::s3::{BucketContents, KeyFailure, ObjectId, S3, S3Error, UploadRef, is_unsupported};
use crate::text::escape;

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
    /// The count of what is left was stopped (a second cancel).
    pub left_not_counted: bool,
}

impl PurgeReport {
    pub fn removed_anything(&self) -> bool {
        self.uploads_aborted + self.versions_deleted + self.objects_deleted > 0
    }

    /// Lines for the summary dialog and the CLI.
    pub fn lines(&self) -> Vec<String> {
        let bucket = escape(&self.bucket);
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
                None if self.left_not_counted => {
                    "What is left in the bucket was not counted.".into()
                }
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
/// Every abort and delete goes to `journal` as it settles.
pub async fn empty_and_delete(
    s3: &S3,
    journal: &Journal,
    bucket: &str,
    concurrency: usize,
    token: &CancellationToken,
    progress: impl FnMut(Progress),
) -> PurgeReport {
    let never = CancellationToken::new();
    empty_and_delete_until(s3, journal, bucket, concurrency, token, &never, progress).await
}

/// [`empty_and_delete`], where `stop_counting` also ends the count of what is left after a
/// stop (which lists the whole bucket again): a second cancel.
pub async fn empty_and_delete_until(
    s3: &S3,
    journal: &Journal,
    bucket: &str,
    concurrency: usize,
    token: &CancellationToken,
    stop_counting: &CancellationToken,
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
        left_not_counted: false,
    };
    let run = Run {
        s3,
        journal,
        bucket,
        concurrency,
        token,
    };
    for phase in Phase::ALL {
        let step = match phase {
            Phase::AbortUploads | Phase::AbortLateUploads => {
                abort_phase(&run, phase, &mut report, &mut progress).await
            }
            Phase::DeleteVersions | Phase::DeleteObjects => {
                delete_phase(&run, phase, &mut report, &mut progress).await
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
                    match delete_bucket_explained(s3, journal, bucket).await {
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
            tokio::select! {
                _ = stop_counting.cancelled() => report.left_not_counted = true,
                left = s3.count_contents(bucket) => report.left = left.ok(),
            }
            return report;
        }
    }
    report
}

/// What every phase of one run works on.
struct Run<'a> {
    s3: &'a S3,
    journal: &'a Journal,
    bucket: &'a str,
    concurrency: usize,
    token: &'a CancellationToken,
}

async fn abort_phase(
    run: &Run<'_>,
    phase: Phase,
    report: &mut PurgeReport,
    progress: &mut impl FnMut(Progress),
) -> Result<(), Stop> {
    let Run {
        s3,
        journal,
        bucket,
        concurrency,
        token,
    } = *run;
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
    let not_attempted = abort_all(
        s3,
        journal,
        bucket,
        uploads,
        concurrency,
        &stop,
        |upload, result| {
            settled += 1;
            match result {
                Ok(_) => report.uploads_aborted += 1,
                Err(err) => {
                    let line = format!("upload {}: {}", escape(upload.key()), err.display_line());
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
        },
    )
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
    run: &Run<'_>,
    phase: Phase,
    report: &mut PurgeReport,
    progress: &mut impl FnMut(Progress),
) -> Result<(), Stop> {
    let Run {
        s3,
        journal,
        bucket,
        concurrency,
        token,
    } = *run;
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
        list_everything(pages, phase, token, progress, ObjectId::from).await
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
    // The first refused key stops the phase: no new batch starts.
    let stop = token.child_token();
    let result = delete_all(
        s3,
        journal,
        bucket,
        objects,
        concurrency,
        &stop,
        |done, so_far| {
            if !so_far.failed.is_empty() {
                stop.cancel();
            }
            progress(Progress {
                phase,
                listing: false,
                done: done as u64,
                total,
            })
        },
    )
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
