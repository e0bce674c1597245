//! The one job that may run at a time, and its one cancel path.

use super::delete::DeleteJobKind;
use super::uploads::JobRows;
use super::{App, Level};
use crate::action::{Command, JobId, RequestId};
use crate::ops::purge::Progress;
use crate::s3::{S3Error, UploadRef};

#[derive(Debug)]
pub struct Job {
    pub id: JobId,
    pub bucket: String,
    /// When it started, in app milliseconds.
    pub started: u64,
    pub cancelling: bool,
    pub kind: JobKind,
}

#[derive(Debug)]
pub enum JobKind {
    /// Aborting uploads: a gauge in the status line, and the console stays usable.
    Abort(AbortJob),
    /// Deleting files or a bucket: a progress box holds the screen until it ends.
    Delete {
        kind: DeleteJobKind,
        progress: Option<Progress>,
    },
}

/// The counts of an abort job, and where its uploads are in the table.
#[derive(Debug)]
pub struct AbortJob {
    pub total: usize,
    pub aborted: usize,
    pub gone: usize,
    pub failed: Vec<(UploadRef, S3Error)>,
    pub(super) clear_all: bool,
    /// Which table rows the job's uploads are, while that listing is still on screen.
    pub(super) rows: JobRows,
    /// The first upload's key, to name it when a single abort succeeds.
    pub(super) first_key: Option<String>,
    pub(super) rows_request: RequestId,
}

impl AbortJob {
    pub fn done(&self) -> usize {
        self.aborted + self.gone + self.failed.len()
    }
}

impl Job {
    /// A delete job's progress box takes every key but its cancel key.
    pub fn holds_screen(&self) -> bool {
        matches!(self.kind, JobKind::Delete { .. })
    }
}

impl App {
    pub(super) fn start_job(&mut self, bucket: String, kind: JobKind) -> JobId {
        let id = self.next_id();
        self.job = Some(Job {
            id,
            bucket,
            started: self.millis,
            cancelling: false,
            kind,
        });
        id
    }

    /// The job's cancel key: nothing new starts; what is in flight finishes.
    pub(super) fn cancel_job(&mut self) -> Vec<Command> {
        let Some(job) = self.job.as_mut().filter(|job| !job.cancelling) else {
            return vec![];
        };
        job.cancelling = true;
        let id = job.id;
        let what = match job.kind {
            JobKind::Abort(_) => "cancelling: no new aborts start; those in flight finish",
            JobKind::Delete { .. } => "cancelling: no new batch starts; those in flight finish",
        };
        self.toast(Level::Warn, what);
        vec![Command::CancelJob { job: id }]
    }

    /// The job, if it is `id`, taken off: it has ended.
    pub(super) fn take_job(&mut self, id: JobId) -> Option<Job> {
        if self.job.as_ref().is_some_and(|job| job.id == id) {
            self.job.take()
        } else {
            None
        }
    }
}
