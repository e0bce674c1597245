//! What flows into `App::update` (intents and results) and what flows out (commands).

use ratatui::crossterm::event::{KeyEvent, MouseEvent};

use crate::ops::delete::{DeleteReport, Refusal};
use crate::ops::purge::{Progress, PurgeReport};
use crate::s3::{
    AbortOutcome, Bucket, BucketContents, Entry, LifecycleRule, RuleChange, S3Error, Timestamp,
    Upload, UploadRef,
};

/// Identifies one listing request, so results for a pane the user already left are dropped.
pub type RequestId = u64;
/// Identifies one long-running job (a clear), for progress and cancel.
pub type JobId = u64;

#[derive(Debug)]
pub enum Action {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize,
    /// The clock: wall time for ages, milliseconds since start for rates and spinners.
    Tick {
        now: Timestamp,
        millis: u64,
    },
    BucketsLoaded {
        request: RequestId,
        result: Result<Vec<Bucket>, S3Error>,
    },
    /// One page of a folder listing; `done` marks the last.
    FolderPage {
        request: RequestId,
        result: Result<Vec<Entry>, S3Error>,
        done: bool,
    },
    UploadsPage {
        request: RequestId,
        result: Result<Vec<Upload>, S3Error>,
        done: bool,
    },
    /// One upload of a job settled (after any retries).
    Aborted {
        job: JobId,
        upload: UploadRef,
        result: Result<AbortOutcome, S3Error>,
    },
    /// The job stopped: everything attempted has settled; `not_attempted` were never sent.
    JobFinished {
        job: JobId,
        not_attempted: Vec<UploadRef>,
    },
    /// A bucket's lifecycle rules, for its pane (`request`) or the bucket list (`request` 0).
    LifecycleLoaded {
        request: RequestId,
        bucket: String,
        result: Result<Vec<LifecycleRule>, S3Error>,
    },
    /// A rule change was written; `result` holds the rules read back afterwards.
    LifecycleChanged {
        request: RequestId,
        bucket: String,
        change: RuleChange,
        result: Result<Vec<LifecycleRule>, S3Error>,
    },
    /// What a [`DeleteCommand`] reported.
    Delete(DeleteEvent),
}

/// Progress and results of the delete commands, one variant per kind of news.
#[derive(Debug)]
pub enum DeleteEvent {
    /// The pre-check before deleting a bucket: what is in it.
    BucketCounted {
        request: RequestId,
        bucket: String,
        result: Result<BucketContents, S3Error>,
    },
    /// Every key under a folder, listed before asking to delete them.
    PrefixListed {
        request: RequestId,
        bucket: String,
        prefix: String,
        result: Result<Vec<String>, S3Error>,
    },
    /// A delete job moved on.
    Progress {
        job: JobId,
        progress: Progress,
    },
    ObjectsDeleted {
        job: JobId,
        report: DeleteReport,
    },
    /// A plain DeleteBucket of a bucket the pre-check found empty.
    BucketDeleted {
        job: JobId,
        bucket: String,
        result: Result<(), Refusal>,
    },
    /// Empty and delete ended (deleted, stopped, cancelled or refused).
    BucketPurged {
        job: JobId,
        report: PurgeReport,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    LoadBuckets {
        request: RequestId,
    },
    LoadFolder {
        request: RequestId,
        bucket: String,
        prefix: String,
    },
    LoadUploads {
        request: RequestId,
        bucket: String,
    },
    /// Stop a listing whose results nobody will look at.
    CancelRequest {
        request: RequestId,
    },
    /// Abort exactly these uploads (the confirmed set), with bounded concurrency.
    AbortUploads {
        job: JobId,
        bucket: String,
        uploads: Vec<UploadRef>,
    },
    /// Start nothing more for this job; in-flight calls finish.
    CancelJob {
        job: JobId,
    },
    Lifecycle(LifecycleCommand),
    Delete(DeleteCommand),
}

/// Reading and changing lifecycle rules (answered by `LifecycleLoaded` and `LifecycleChanged`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LifecycleCommand {
    Load {
        request: RequestId,
        bucket: String,
    },
    /// Read these buckets' lifecycle rules, a few at a time, for the bucket list's auto-clear column.
    LoadCoverage {
        buckets: Vec<String>,
    },
    /// Read the bucket's lifecycle configuration, apply `change`, write it all back, read again.
    Change {
        request: RequestId,
        bucket: String,
        change: RuleChange,
    },
}

/// Counting and listing before a delete, and the deletes themselves (answered by
/// [`DeleteEvent`]s).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeleteCommand {
    /// Count objects, versions, delete markers and uploads (answered by `BucketCounted`).
    CountBucket { request: RequestId, bucket: String },
    /// List every key under a prefix (answered by `PrefixListed`).
    ListPrefix {
        request: RequestId,
        bucket: String,
        prefix: String,
    },
    /// Delete exactly these keys (the confirmed set) with DeleteObjects batches.
    DeleteObjects {
        job: JobId,
        bucket: String,
        keys: Vec<String>,
        /// The folder these keys were listed under, when a whole folder is deleted: on a
        /// versioned bucket the report then says what the folder still stores.
        folder: Option<String>,
    },
    /// DeleteBucket alone, for a bucket found empty.
    DeleteBucket { job: JobId, bucket: String },
    /// Abort uploads, delete versions, markers and objects, then the bucket.
    EmptyAndDeleteBucket { job: JobId, bucket: String },
}
