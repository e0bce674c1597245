//! The one job that may run at a time, and its one cancel path.

use super::delete::DeleteJobKind;
use super::rows::RowIndex;
use super::{App, Level, Modal, Pending};
use crate::action::{Command, JobId, RequestId};
use crate::format;
use crate::keys::{Intent, Scope};
use crate::ops::limit::Pace;
use crate::ops::purge::Progress;
use crate::s3::{S3Error, UploadRef};
use crate::text::escape;

#[derive(Debug)]
pub struct Job {
    pub id: JobId,
    pub bucket: String,
    /// When it started, in app milliseconds.
    pub started: u64,
    pub cancelling: bool,
    /// A second cancel was asked for: nothing that would follow runs either.
    pub stopping: bool,
    /// Calls in flight, their limit and throttling so far, as last reported.
    pub pace: Option<Pace>,
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
    pub(super) rows: RowIndex,
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
            stopping: false,
            pace: None,
            kind,
        });
        id
    }

    /// The job's cancel key: nothing new starts; what is in flight finishes. Pressed again
    /// during a delete, it also skips what would follow (the count of what is left).
    pub(super) fn cancel_job(&mut self) -> Vec<Command> {
        let Some(job) = self.job.as_mut() else {
            return vec![];
        };
        let id = job.id;
        let what = match (&job.kind, job.cancelling) {
            (_, false) => {
                job.cancelling = true;
                match job.kind {
                    JobKind::Abort(_) => {
                        "cancelling: no new aborts start and no retries; those in flight finish"
                    }
                    JobKind::Delete { .. } => {
                        "cancelling: no new batch starts; those in flight finish (again: do not count what is left)"
                    }
                }
            }
            (JobKind::Delete { .. }, true) if !job.stopping => {
                job.stopping = true;
                "stopping: what is left in the bucket will not be counted"
            }
            _ => return vec![],
        };
        self.toast(Level::Warn, what);
        vec![Command::CancelJob { job: id }]
    }

    pub(super) fn on_paced(&mut self, id: JobId, pace: Pace) {
        if let Some(job) = self.job.as_mut().filter(|job| job.id == id) {
            job.pace = Some(pace);
        }
    }

    /// `q` while a job runs: ask first, saying what is still in flight.
    pub(super) fn ask_quit(&mut self) {
        let Some(job) = &self.job else { return };
        let bucket = escape(&job.bucket);
        let mut body = match &job.kind {
            JobKind::Abort(aborts) => {
                let left = aborts.total.saturating_sub(aborts.done());
                let in_flight = job.pace.map_or(left, |pace| pace.in_flight.min(left));
                vec![
                    format!(
                        "Aborting uploads in bucket {bucket}: {} of {} done.",
                        format::count(aborts.done() as u64),
                        format::count(aborts.total as u64)
                    ),
                    format!(
                        "In flight now: {} abort{}; quitting leaves their outcome unknown.",
                        format::count(in_flight as u64),
                        if in_flight == 1 { "" } else { "s" }
                    ),
                    format!(
                        "Not started: {} upload{}, left as they are.",
                        format::count(left.saturating_sub(in_flight) as u64),
                        if left.saturating_sub(in_flight) == 1 {
                            ""
                        } else {
                            "s"
                        }
                    ),
                ]
            }
            JobKind::Delete { progress, .. } => {
                let mut lines = vec![format!("Deleting in bucket {bucket}.")];
                if let Some(progress) = progress {
                    lines.push(format!("Now: {}.", progress.line()));
                }
                lines.push(
                    "In flight: the batch of deletes under way; quitting leaves its outcome unknown, and nothing more is deleted."
                        .into(),
                );
                lines
            }
        };
        body.push(format!(
            "{} cancels the job instead and waits for what is in flight.",
            self.key_name(Scope::Job, Intent::Cancel)
        ));
        self.push_modal(Modal::Confirm {
            title: "Quit while a job runs?".into(),
            body,
            confirm: "quit".into(),
            action: Pending::Quit,
        });
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
