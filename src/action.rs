//! What flows into `App::update` (intents and results) and what flows out (commands).

use ratatui::crossterm::event::{KeyEvent, MouseEvent};

use crate::ops::delete::{DeleteReport, Refusal};
use crate::ops::journal::History;
use crate::ops::limit::Pace;
use crate::ops::purge::{Progress, PurgeReport};
use crate::ops::sizes::{Measured, ScanEvent};
use crate::s3::{
    AbortOutcome, Bucket, BucketContents, Entry, LifecycleRule, RuleChange, S3Error, Timestamp,
    Upload, UploadParts, UploadRef, Written,
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
    /// How an abort job is pacing itself: calls in flight, its limit, throttling so far.
    Paced {
        job: JobId,
        pace: Pace,
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
    /// A rule change ended: refused or failed, or written (with the rules read back afterwards).
    LifecycleChanged {
        request: RequestId,
        bucket: String,
        change: RuleChange,
        result: Result<Written, S3Error>,
    },
    /// What a [`DeleteCommand`] reported.
    Delete(DeleteEvent),
    /// The journal read back for the History pane; `journal` says where it is kept.
    HistoryLoaded {
        request: RequestId,
        journal: String,
        result: Result<History, String>,
    },
    /// The journal cannot be written: the writes go on, unrecorded from here on.
    JournalFailed {
        problem: String,
    },
    /// What a [`SizeCommand`] reported.
    Sizes(SizeEvent),
}

/// Sizes of uploads as they arrive, one variant per kind of news.
#[derive(Debug)]
pub enum SizeEvent {
    /// News from a scan of every bucket.
    Scan { scan: JobId, event: ScanEvent },
    /// The scan started no new bucket and every bucket it started has reported.
    ScanFinished { scan: JobId },
    /// One upload of a `MeasureUploads` request, sized (`Ok(None)`: it is gone).
    Measured {
        request: RequestId,
        bucket: String,
        upload: UploadRef,
        result: Measured,
    },
    /// Every part of one upload, for its details.
    PartsRead {
        request: RequestId,
        bucket: String,
        upload: UploadRef,
        result: Result<UploadParts, S3Error>,
    },
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

#[derive(Debug, Clone, PartialEq)]
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
    /// Start nothing more for this job; in-flight calls finish. A second one also stops
    /// what would follow (the count after a stopped Empty and delete).
    CancelJob {
        job: JobId,
    },
    Lifecycle(LifecycleCommand),
    Delete(DeleteCommand),
    /// Read the journal, newest first (answered by `HistoryLoaded`).
    LoadHistory {
        request: RequestId,
    },
    Sizes(SizeCommand),
}

/// Reading what uploads hold, in the background (answered by [`SizeEvent`]s).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SizeCommand {
    /// Size every upload of these buckets, a few buckets at a time, each in its own region;
    /// stopped with `CancelJob { job: scan }`.
    ScanBuckets { scan: JobId, buckets: Vec<Bucket> },
    /// Size these uploads with the background workers; `first` puts them ahead of any
    /// still waiting (the rows on screen). Stopped with `CancelRequest { request }`.
    MeasureUploads {
        request: RequestId,
        bucket: String,
        uploads: Vec<UploadRef>,
        first: bool,
    },
    /// Every part of one upload, at once (the user asked).
    ReadParts {
        request: RequestId,
        bucket: String,
        upload: Upload,
    },
}

/// Reading and changing lifecycle rules (answered by `LifecycleLoaded` and `LifecycleChanged`).
#[derive(Debug, Clone, PartialEq)]
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
