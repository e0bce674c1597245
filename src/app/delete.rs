//! Deleting files, folders and buckets: marks, the bucket pre-check, the type-the-name
//! gate, and the delete jobs' progress. Nothing is deleted that was not shown and confirmed.

use std::collections::HashSet;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{App, Dialog, Level, Pending, Tab};
use crate::action::{Command, DeleteCommand, DeleteEvent, JobId, RequestId};
use crate::format;
use crate::ops::delete::{DeleteReport, Refusal};
use crate::ops::purge::{Progress, PurgeEnd, PurgeReport};
use crate::s3::{BucketContents, EntryKind, S3Error};
use crate::text::escape;

/// How many names a confirmation lists before "… and N more".
const NAMES_SHOWN: usize = 6;
/// How many per-key failures a summary lists.
const FAILURES_SHOWN: usize = 10;

/// The choices a non-empty bucket offers, in the order shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockedChoice {
    OpenFiles,
    OpenUploads,
    EmptyAndDelete,
    Cancel,
}

impl BlockedChoice {
    pub const ALL: [BlockedChoice; 4] = [
        BlockedChoice::OpenFiles,
        BlockedChoice::OpenUploads,
        BlockedChoice::EmptyAndDelete,
        BlockedChoice::Cancel,
    ];

    pub fn key(self) -> char {
        match self {
            BlockedChoice::OpenFiles => 'f',
            BlockedChoice::OpenUploads => 'u',
            BlockedChoice::EmptyAndDelete => 'e',
            BlockedChoice::Cancel => 'n',
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            BlockedChoice::OpenFiles => "open the file list",
            BlockedChoice::OpenUploads => "open the incomplete uploads",
            BlockedChoice::EmptyAndDelete => "Empty and delete…",
            BlockedChoice::Cancel => "cancel",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeleteDialog {
    /// Listing or counting before anything is asked.
    Counting { title: String, text: String },
    /// A bucket that is not empty: what blocks deletion, and what to do.
    Blocked {
        bucket: String,
        contents: BucketContents,
        selected: usize,
    },
    /// Empty and delete waits until the bucket name is typed exactly.
    TypeName {
        bucket: String,
        contents: BucketContents,
        typed: String,
    },
}

impl DeleteDialog {
    /// The typed name matches: only then can Empty and delete start.
    pub fn name_matches(&self) -> bool {
        matches!(self, DeleteDialog::TypeName { bucket, typed, .. } if bucket == typed)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeleteJobKind {
    /// Files or a folder; `what` names them for the progress box.
    Objects {
        what: String,
    },
    DeleteBucket,
    EmptyAndDelete,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteJob {
    pub id: JobId,
    pub bucket: String,
    pub kind: DeleteJobKind,
    pub progress: Option<Progress>,
    pub started: u64,
    pub cancelling: bool,
}

#[derive(Debug, Default)]
pub struct Deletion {
    /// Marked files (full keys) of `marked_bucket`.
    pub marked: HashSet<String>,
    marked_bucket: String,
    pub dialog: Option<DeleteDialog>,
    pub job: Option<DeleteJob>,
    /// The listing or count the open `Counting` dialog waits for.
    request: RequestId,
}

impl Deletion {
    pub fn is_marked(&self, bucket: &str, key: &str) -> bool {
        self.marked_bucket == bucket && self.marked.contains(key)
    }

    pub fn marked_in(&self, bucket: &str) -> usize {
        if self.marked_bucket == bucket {
            self.marked.len()
        } else {
            0
        }
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!(
        "{} {}",
        format::count(n as u64),
        if n == 1 { one } else { many }
    )
}

impl App {
    pub(super) fn toggle_file_mark(&mut self) {
        let Some(view) = &mut self.bucket else { return };
        let Some(entry) = view.files.table.selected() else {
            return;
        };
        if entry.kind == EntryKind::Folder {
            self.toast(
                Level::Info,
                "folders are not marked: d on a folder counts and deletes everything under it",
            );
            return;
        }
        let deletion = &mut self.deletion;
        if deletion.marked_bucket != view.name {
            deletion.marked.clear();
            deletion.marked_bucket = view.name.clone();
        }
        if !deletion.marked.remove(&entry.key) {
            deletion.marked.insert(entry.key.clone());
        }
        view.files.table.move_by(1);
    }

    /// `d` in the file list: the marked files, else the selected file, else the selected
    /// folder after listing everything under it.
    pub(super) fn ask_delete_files(&mut self) -> Vec<Command> {
        if self.refuse_if_read_only("deleting files") || self.refuse_if_busy() {
            return vec![];
        }
        let Some(view) = &self.bucket else {
            return vec![];
        };
        let bucket = view.name.clone();
        if self.deletion.marked_in(&bucket) > 0 {
            let mut keys: Vec<String> = self.deletion.marked.iter().cloned().collect();
            keys.sort();
            let n = keys.len();
            let mut body = vec![format!(
                "Delete {} in bucket {}?",
                plural(n, "marked file", "marked files"),
                escape(&bucket)
            )];
            body.extend(names_preview(&keys));
            body.push("This cannot be undone.".into());
            self.dialog = Some(Dialog::Confirm {
                title: "Delete marked files".into(),
                body,
                confirm: format!("delete {}", format::count(n as u64)),
                action: Pending::DeleteObjects {
                    bucket,
                    what: plural(n, "marked file", "marked files"),
                    keys,
                },
            });
            return vec![];
        }
        let Some(entry) = view.files.table.selected() else {
            self.toast(Level::Info, "nothing selected");
            return vec![];
        };
        if entry.kind == EntryKind::File {
            self.dialog = Some(Dialog::Confirm {
                title: "Delete file".into(),
                body: vec![
                    format!("Bucket: {}", escape(&bucket)),
                    format!("File:   {}", escape(&entry.key)),
                    format!(
                        "Size:   {} · modified {}",
                        format::bytes(entry.size),
                        format::date(entry.modified)
                    ),
                    "This cannot be undone.".into(),
                ],
                confirm: "delete".into(),
                action: Pending::DeleteObjects {
                    bucket,
                    what: escape(&entry.key).into_owned(),
                    keys: vec![entry.key.clone()],
                },
            });
            return vec![];
        }
        let prefix = entry.key.clone();
        let request = self.next_id();
        self.deletion.request = request;
        self.deletion.dialog = Some(DeleteDialog::Counting {
            title: "Delete folder".into(),
            text: format!("Counting everything under {}…", escape(&prefix)),
        });
        vec![Command::Delete(DeleteCommand::ListPrefix {
            request,
            bucket,
            prefix,
        })]
    }

    /// `x` in the bucket list: count first, then ask.
    pub(super) fn ask_delete_bucket(&mut self) -> Vec<Command> {
        if self.refuse_if_read_only("deleting buckets") || self.refuse_if_busy() {
            return vec![];
        }
        let Some(bucket) = self.buckets.table.selected().map(|b| b.name.clone()) else {
            self.toast(Level::Info, "no bucket selected");
            return vec![];
        };
        let request = self.next_id();
        self.deletion.request = request;
        self.deletion.dialog = Some(DeleteDialog::Counting {
            title: "Delete bucket".into(),
            text: format!(
                "Checking what is in bucket {}: files, old versions, delete markers, incomplete uploads…",
                escape(&bucket)
            ),
        });
        vec![Command::Delete(DeleteCommand::CountBucket {
            request,
            bucket,
        })]
    }

    /// Keys for the delete dialogs and the running delete job; `None` when neither is open.
    pub(super) fn on_delete_key(&mut self, key: KeyEvent) -> Option<Vec<Command>> {
        if let Some(job) = &mut self.deletion.job {
            if key.code == KeyCode::Esc && !job.cancelling {
                job.cancelling = true;
                let job = job.id;
                self.toast(
                    Level::Warn,
                    "cancelling: no new batch starts; those in flight finish",
                );
                return Some(vec![Command::CancelJob { job }]);
            }
            return Some(vec![]);
        }
        let dialog = self.deletion.dialog.take()?;
        Some(match dialog {
            DeleteDialog::Counting { .. } => {
                if matches!(
                    key.code,
                    KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('n')
                ) {
                    vec![Command::CancelRequest {
                        request: self.deletion.request,
                    }]
                } else {
                    self.deletion.dialog = Some(dialog);
                    vec![]
                }
            }
            DeleteDialog::Blocked {
                bucket,
                contents,
                selected,
            } => {
                let last = BlockedChoice::ALL.len() - 1;
                let choice = match key.code {
                    KeyCode::Up | KeyCode::Char('k') => {
                        self.deletion.dialog = Some(DeleteDialog::Blocked {
                            bucket,
                            contents,
                            selected: selected.saturating_sub(1),
                        });
                        return Some(vec![]);
                    }
                    KeyCode::Down | KeyCode::Char('j') | KeyCode::Tab => {
                        self.deletion.dialog = Some(DeleteDialog::Blocked {
                            bucket,
                            contents,
                            selected: (selected + 1).min(last),
                        });
                        return Some(vec![]);
                    }
                    KeyCode::Enter => BlockedChoice::ALL[selected.min(last)],
                    KeyCode::Esc | KeyCode::Char('q') => BlockedChoice::Cancel,
                    KeyCode::Char(c) => {
                        match BlockedChoice::ALL.into_iter().find(|b| b.key() == c) {
                            Some(choice) => choice,
                            None => {
                                self.deletion.dialog = Some(DeleteDialog::Blocked {
                                    bucket,
                                    contents,
                                    selected,
                                });
                                return Some(vec![]);
                            }
                        }
                    }
                    _ => {
                        self.deletion.dialog = Some(DeleteDialog::Blocked {
                            bucket,
                            contents,
                            selected,
                        });
                        return Some(vec![]);
                    }
                };
                self.on_blocked_choice(choice, bucket, contents)
            }
            DeleteDialog::TypeName {
                bucket,
                contents,
                mut typed,
            } => {
                match key.code {
                    KeyCode::Esc => return Some(vec![]),
                    KeyCode::Enter if typed == bucket => {
                        return Some(self.start_delete_job(bucket, DeleteJobKind::EmptyAndDelete));
                    }
                    // The dialog itself says the name does not match yet.
                    KeyCode::Enter => {}
                    KeyCode::Backspace => {
                        typed.pop();
                    }
                    KeyCode::Char(c)
                        if !key
                            .modifiers
                            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
                    {
                        typed.push(c)
                    }
                    _ => {}
                }
                self.deletion.dialog = Some(DeleteDialog::TypeName {
                    bucket,
                    contents,
                    typed,
                });
                vec![]
            }
        })
    }

    fn on_blocked_choice(
        &mut self,
        choice: BlockedChoice,
        bucket: String,
        contents: BucketContents,
    ) -> Vec<Command> {
        let tab = match choice {
            BlockedChoice::Cancel => return vec![],
            BlockedChoice::EmptyAndDelete => {
                self.deletion.dialog = Some(DeleteDialog::TypeName {
                    bucket,
                    contents,
                    typed: String::new(),
                });
                return vec![];
            }
            BlockedChoice::OpenFiles => Tab::Files,
            BlockedChoice::OpenUploads => Tab::Uploads,
        };
        if self.buckets.table.selected().map(|b| b.name.as_str()) != Some(bucket.as_str()) {
            self.toast(
                Level::Warn,
                "the bucket list changed: select the bucket again",
            );
            return vec![];
        }
        self.open_bucket(tab)
    }

    /// A confirmed delete from the shared Confirm dialog.
    pub(super) fn run_delete_pending(&mut self, pending: Pending) -> Vec<Command> {
        match pending {
            Pending::DeleteObjects { bucket, keys, what } => {
                self.deletion.marked.clear();
                let id = self.next_id();
                self.deletion.job = Some(DeleteJob {
                    id,
                    bucket: bucket.clone(),
                    kind: DeleteJobKind::Objects { what },
                    progress: None,
                    started: self.millis,
                    cancelling: false,
                });
                vec![Command::Delete(DeleteCommand::DeleteObjects {
                    job: id,
                    bucket,
                    keys,
                })]
            }
            Pending::DeleteBucket { bucket } => {
                self.start_delete_job(bucket, DeleteJobKind::DeleteBucket)
            }
            Pending::Abort { .. } | Pending::Lifecycle { .. } => vec![],
        }
    }

    fn start_delete_job(&mut self, bucket: String, kind: DeleteJobKind) -> Vec<Command> {
        let id = self.next_id();
        let command = match kind {
            DeleteJobKind::EmptyAndDelete => DeleteCommand::EmptyAndDeleteBucket {
                job: id,
                bucket: bucket.clone(),
            },
            _ => DeleteCommand::DeleteBucket {
                job: id,
                bucket: bucket.clone(),
            },
        };
        self.deletion.job = Some(DeleteJob {
            id,
            bucket,
            kind,
            progress: None,
            started: self.millis,
            cancelling: false,
        });
        vec![Command::Delete(command)]
    }

    fn running_delete_job(&mut self, id: JobId) -> Option<DeleteJob> {
        if self.deletion.job.as_ref().is_some_and(|j| j.id == id) {
            self.deletion.job.take()
        } else {
            None
        }
    }

    /// Progress and results of the delete commands.
    pub(super) fn on_delete_event(&mut self, event: DeleteEvent) -> Vec<Command> {
        match event {
            DeleteEvent::BucketCounted {
                request,
                bucket,
                result,
            } if request == self.deletion.request => self.on_bucket_counted(bucket, result),
            DeleteEvent::PrefixListed {
                request,
                bucket,
                prefix,
                result,
            } if request == self.deletion.request => {
                self.on_prefix_listed(bucket, prefix, result);
                vec![]
            }
            DeleteEvent::Progress { job, progress } => {
                if let Some(running) = self.deletion.job.as_mut().filter(|j| j.id == job) {
                    running.progress = Some(progress);
                }
                vec![]
            }
            DeleteEvent::ObjectsDeleted { job, report } => match self.running_delete_job(job) {
                Some(job) => self.on_objects_deleted(job, report),
                None => vec![],
            },
            DeleteEvent::BucketDeleted {
                job,
                bucket,
                result,
            } => match self.running_delete_job(job) {
                Some(_) => self.on_bucket_deleted(bucket, result),
                None => vec![],
            },
            DeleteEvent::BucketPurged { job, report } => match self.running_delete_job(job) {
                Some(_) => self.on_bucket_purged(report),
                None => vec![],
            },
            // A count or listing for a dialog the user has since closed.
            DeleteEvent::BucketCounted { .. } | DeleteEvent::PrefixListed { .. } => vec![],
        }
    }

    fn close_counting(&mut self) -> bool {
        if matches!(self.deletion.dialog, Some(DeleteDialog::Counting { .. })) {
            self.deletion.dialog = None;
            true
        } else {
            false
        }
    }

    fn on_bucket_counted(
        &mut self,
        bucket: String,
        result: Result<BucketContents, S3Error>,
    ) -> Vec<Command> {
        if !self.close_counting() {
            return vec![];
        }
        let contents = match result {
            Ok(contents) => contents,
            Err(err) => {
                self.toast(
                    Level::Error,
                    format!(
                        "cannot check bucket {}: {}",
                        escape(&bucket),
                        err.display_line()
                    ),
                );
                return vec![];
            }
        };
        if contents.is_empty() {
            let mut body = vec![
                format!(
                    "Bucket {} is empty: {}.",
                    escape(&bucket),
                    contents.summary()
                ),
                "Delete it?".into(),
            ];
            if !contents.versions_listed() {
                body.insert(
                    1,
                    "(This server cannot list object versions; partsweep cannot count them.)"
                        .into(),
                );
            }
            self.dialog = Some(Dialog::Confirm {
                title: "Delete bucket".into(),
                body,
                confirm: "delete bucket".into(),
                action: Pending::DeleteBucket { bucket },
            });
        } else {
            self.deletion.dialog = Some(DeleteDialog::Blocked {
                bucket,
                contents,
                selected: 0,
            });
        }
        vec![]
    }

    fn on_prefix_listed(
        &mut self,
        bucket: String,
        prefix: String,
        result: Result<Vec<String>, S3Error>,
    ) {
        if !self.close_counting() {
            return;
        }
        let mut keys = match result {
            Ok(keys) => keys,
            Err(err) => {
                self.toast(
                    Level::Error,
                    format!("cannot list {}: {}", escape(&prefix), err.display_line()),
                );
                return;
            }
        };
        if keys.is_empty() {
            self.toast(
                Level::Info,
                format!("nothing under {} any more", escape(&prefix)),
            );
            return;
        }
        keys.sort();
        let n = keys.len();
        let mut body = vec![format!(
            "Delete {} under {} in bucket {}?",
            plural(n, "object", "objects"),
            escape(&prefix),
            escape(&bucket)
        )];
        body.extend(names_preview(&keys));
        body.push("Exactly these listed objects are deleted; anything written later stays.".into());
        body.push("esc cancels while it runs. This cannot be undone.".into());
        self.dialog = Some(Dialog::Confirm {
            title: "Delete folder".into(),
            body,
            confirm: format!("delete {}", format::count(n as u64)),
            action: Pending::DeleteObjects {
                bucket,
                what: format!(
                    "{} under {}",
                    plural(n, "object", "objects"),
                    escape(&prefix)
                ),
                keys,
            },
        });
    }

    fn on_objects_deleted(&mut self, job: DeleteJob, report: DeleteReport) -> Vec<Command> {
        let what = match &job.kind {
            DeleteJobKind::Objects { what } => what.clone(),
            _ => String::new(),
        };
        if report.requested == 1 && report.deleted == 1 {
            self.toast(Level::Info, format!("deleted {what}"));
        } else {
            let mut lines = vec![
                format!("Bucket: {}", escape(&job.bucket)),
                format!("Deleted:        {}", format::count(report.deleted as u64)),
                format!(
                    "Failed:         {}",
                    format::count(report.failed.len() as u64)
                ),
                format!(
                    "Not attempted:  {}",
                    format::count(report.not_attempted as u64)
                ),
            ];
            if !report.failed.is_empty() {
                lines.push(String::new());
                lines.push("The server refused these keys:".into());
                for failure in report.failed.iter().take(FAILURES_SHOWN) {
                    lines.push(format!("  {}", failure.display_line()));
                }
                if report.failed.len() > FAILURES_SHOWN {
                    lines.push(format!(
                        "  … and {} more",
                        format::count((report.failed.len() - FAILURES_SHOWN) as u64)
                    ));
                }
            }
            self.dialog = Some(Dialog::Summary {
                title: if report.cancelled {
                    "Delete cancelled"
                } else {
                    "Delete finished"
                }
                .into(),
                lines,
            });
        }
        if self.bucket.as_ref().is_some_and(|v| v.name == job.bucket) {
            return self.load_folder();
        }
        vec![]
    }

    fn on_bucket_deleted(&mut self, bucket: String, result: Result<(), Refusal>) -> Vec<Command> {
        match result {
            Ok(()) => self.toast(Level::Info, format!("deleted bucket {}", escape(&bucket))),
            Err(refusal) => {
                self.dialog = Some(Dialog::Summary {
                    title: "Bucket not deleted".into(),
                    lines: refusal.explanation(),
                })
            }
        }
        vec![self.load_buckets()]
    }

    fn on_bucket_purged(&mut self, report: PurgeReport) -> Vec<Command> {
        self.dialog = Some(Dialog::Summary {
            title: match report.end {
                PurgeEnd::BucketDeleted => "Bucket deleted",
                PurgeEnd::Cancelled { .. } => "Empty and delete cancelled",
                PurgeEnd::Failed { .. } => "Empty and delete stopped",
                PurgeEnd::BucketRefused(_) => "Bucket not deleted",
            }
            .into(),
            lines: report.lines(),
        });
        vec![self.load_buckets()]
    }
}

/// The first few names, then how many more.
fn names_preview(keys: &[String]) -> Vec<String> {
    let mut lines: Vec<String> = keys
        .iter()
        .take(NAMES_SHOWN)
        .map(|k| format!("  {}", escape(k)))
        .collect();
    if keys.len() > NAMES_SHOWN {
        lines.push(format!(
            "  … and {} more",
            format::count((keys.len() - NAMES_SHOWN) as u64)
        ));
    }
    lines
}
