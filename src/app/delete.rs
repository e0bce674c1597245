//! Deleting files, folders and buckets: marks, the bucket pre-check, the type-the-name
//! gate, and the delete jobs' progress. Nothing is deleted that was not shown and confirmed.
//!
//! Longer than 600 lines on purpose: files, folders and buckets share the marks, the pre-check
//! and one job's handling; split by flow, that shared state would pass through every file.

use std::collections::HashSet;

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::modal::typed_char;
use super::{App, Job, JobKind, Level, Modal, Pending, Tab};
use crate::action::{Command, DeleteCommand, JobId, RequestId};
use crate::format;
use crate::keys::{Intent, Scope};
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

    /// Its action in the keymap's `[delete_bucket]` section.
    pub fn intent(self) -> Intent {
        match self {
            BlockedChoice::OpenFiles => Intent::OpenFiles,
            BlockedChoice::OpenUploads => Intent::OpenUploads,
            BlockedChoice::EmptyAndDelete => Intent::EmptyAndDelete,
            BlockedChoice::Cancel => Intent::Cancel,
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
pub enum DeleteJobKind {
    /// Files or a folder; `what` names them for the progress box.
    Objects {
        what: String,
    },
    DeleteBucket,
    EmptyAndDelete,
}

#[derive(Debug, Default)]
pub struct Deletion {
    /// Marked files (full keys) of `marked_bucket`.
    pub marked: HashSet<String>,
    marked_bucket: String,
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
        if entry.key_undecodable {
            let shown = entry.shown_key().into_owned();
            self.refuse_undecodable(&shown);
            return;
        }
        if entry.kind == EntryKind::Folder {
            let delete = self.keymap.first(Scope::Files, Intent::Delete);
            self.toast(
                Level::Info,
                format!(
                    "folders are not marked: {delete} on a folder counts and deletes everything under it"
                ),
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
            self.push_modal(Modal::Confirm {
                title: "Delete marked files".into(),
                body,
                confirm: format!("delete {}", format::count(n as u64)),
                action: Pending::DeleteObjects {
                    bucket,
                    what: plural(n, "marked file", "marked files"),
                    keys,
                    folder: None,
                },
            });
            return vec![];
        }
        let Some(entry) = view.files.table.selected() else {
            self.toast(Level::Info, "nothing selected");
            return vec![];
        };
        if entry.key_undecodable {
            let shown = entry.shown_key().into_owned();
            self.refuse_undecodable(&shown);
            return vec![];
        }
        if entry.kind == EntryKind::File {
            let question = Modal::Confirm {
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
                    folder: None,
                },
            };
            self.push_modal(question);
            return vec![];
        }
        let prefix = entry.key.clone();
        let request = self.next_id();
        self.push_modal(Modal::Counting {
            title: "Delete folder".into(),
            text: format!("Counting everything under {}…", escape(&prefix)),
            request,
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
        self.push_modal(Modal::Counting {
            title: "Delete bucket".into(),
            text: format!(
                "Checking what is in bucket {}: files, old versions, delete markers, incomplete uploads…",
                escape(&bucket)
            ),
            request,
        });
        vec![Command::Delete(DeleteCommand::CountBucket {
            request,
            bucket,
        })]
    }

    /// The counting dialog's cancel key stops the listing it waits for.
    pub(super) fn on_counting_key(&mut self, intent: Option<Intent>) -> Vec<Command> {
        let Some(Modal::Counting { request, .. }) = self.modals.last() else {
            return vec![];
        };
        if intent != Some(Intent::Cancel) {
            return vec![];
        }
        let request = *request;
        self.modals.pop();
        vec![Command::CancelRequest { request }]
    }

    /// A bucket that is not empty: move between the choices, or take one by its key.
    pub(super) fn on_blocked_key(&mut self, intent: Option<Intent>) -> Vec<Command> {
        let Some(Modal::Blocked { selected, .. }) = self.modals.last_mut() else {
            return vec![];
        };
        let last = BlockedChoice::ALL.len() - 1;
        let choice = match intent {
            Some(Intent::Up) => {
                *selected = selected.saturating_sub(1);
                return vec![];
            }
            Some(Intent::Down) => {
                *selected = (*selected + 1).min(last);
                return vec![];
            }
            Some(Intent::Accept) => BlockedChoice::ALL[(*selected).min(last)],
            Some(intent) => match BlockedChoice::ALL
                .into_iter()
                .find(|c| c.intent() == intent)
            {
                Some(choice) => choice,
                None => return vec![],
            },
            None => return vec![],
        };
        self.on_blocked_choice(choice)
    }

    /// Typing the bucket name; only the exact name lets Empty and delete start.
    pub(super) fn on_type_name_key(
        &mut self,
        key: KeyEvent,
        intent: Option<Intent>,
    ) -> Vec<Command> {
        let Some(Modal::TypeName { bucket, typed, .. }) = self.modals.last_mut() else {
            return vec![];
        };
        if let Some(c) = typed_char(&key) {
            typed.push(c);
            return vec![];
        }
        match intent {
            Some(Intent::Accept) if typed == bucket => {
                let bucket = std::mem::take(bucket);
                self.modals.pop();
                self.start_delete_job(bucket, DeleteJobKind::EmptyAndDelete)
            }
            Some(Intent::Cancel) => {
                self.modals.pop();
                vec![]
            }
            // A name that does not match yet: the dialog itself says so.
            Some(_) => vec![],
            None => {
                if key.code == KeyCode::Backspace {
                    typed.pop();
                }
                vec![]
            }
        }
    }

    fn on_blocked_choice(&mut self, choice: BlockedChoice) -> Vec<Command> {
        let Some(Modal::Blocked {
            bucket, contents, ..
        }) = self.modals.pop()
        else {
            return vec![];
        };
        let tab = match choice {
            BlockedChoice::Cancel => return vec![],
            BlockedChoice::EmptyAndDelete => {
                self.push_modal(Modal::TypeName {
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

    /// A confirmed delete of exactly these keys.
    pub(super) fn start_delete_objects(
        &mut self,
        bucket: String,
        keys: Vec<String>,
        what: String,
        folder: Option<String>,
    ) -> Vec<Command> {
        self.deletion.marked.clear();
        let job = self.start_job(
            bucket.clone(),
            JobKind::Delete {
                kind: DeleteJobKind::Objects { what },
                progress: None,
            },
        );
        vec![Command::Delete(DeleteCommand::DeleteObjects {
            job,
            bucket,
            keys,
            folder,
        })]
    }

    pub(super) fn start_delete_job(&mut self, bucket: String, kind: DeleteJobKind) -> Vec<Command> {
        let empty_first = kind == DeleteJobKind::EmptyAndDelete;
        let job = self.start_job(
            bucket.clone(),
            JobKind::Delete {
                kind,
                progress: None,
            },
        );
        if empty_first {
            vec![Command::Delete(DeleteCommand::EmptyAndDeleteBucket {
                job,
                bucket,
            })]
        } else {
            vec![Command::Delete(DeleteCommand::DeleteBucket { job, bucket })]
        }
    }

    /// The Counting dialog that waits for `request`, closed: its answer is here.
    fn close_counting(&mut self, request: RequestId) -> bool {
        let waiting = self
            .modals
            .iter()
            .position(|m| matches!(m, Modal::Counting { request: r, .. } if *r == request));
        if let Some(index) = waiting {
            self.modals.remove(index);
        }
        waiting.is_some()
    }

    pub(super) fn on_delete_progress(&mut self, id: JobId, update: Progress) {
        if let Some(Job {
            kind: JobKind::Delete { progress, .. },
            ..
        }) = self.job.as_mut().filter(|j| j.id == id)
        {
            *progress = Some(update);
        }
    }

    /// The delete job `id`, taken off: it has ended.
    fn take_delete_job(&mut self, id: JobId) -> Option<(String, DeleteJobKind)> {
        if !self
            .job
            .as_ref()
            .is_some_and(|j| j.id == id && j.holds_screen())
        {
            return None;
        }
        let Some(Job {
            bucket,
            kind: JobKind::Delete { kind, .. },
            ..
        }) = self.take_job(id)
        else {
            return None;
        };
        Some((bucket, kind))
    }

    pub(super) fn on_bucket_counted(
        &mut self,
        request: RequestId,
        bucket: String,
        result: Result<BucketContents, S3Error>,
    ) -> Vec<Command> {
        if !self.close_counting(request) {
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
            self.push_modal(Modal::Confirm {
                title: "Delete bucket".into(),
                body,
                confirm: "delete bucket".into(),
                action: Pending::DeleteBucket { bucket },
            });
        } else {
            self.push_modal(Modal::Blocked {
                bucket,
                contents,
                selected: 0,
            });
        }
        vec![]
    }

    pub(super) fn on_prefix_listed(
        &mut self,
        request: RequestId,
        bucket: String,
        prefix: String,
        result: Result<Vec<String>, S3Error>,
    ) {
        if !self.close_counting(request) {
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
        body.push(format!(
            "{} cancels while it runs. This cannot be undone.",
            self.keymap.first(Scope::Job, Intent::Cancel)
        ));
        self.push_modal(Modal::Confirm {
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
                folder: Some(prefix),
            },
        });
    }

    pub(super) fn on_objects_deleted(&mut self, id: JobId, report: DeleteReport) -> Vec<Command> {
        let Some((bucket, kind)) = self.take_delete_job(id) else {
            return vec![];
        };
        let what = match kind {
            DeleteJobKind::Objects { what } => what,
            DeleteJobKind::DeleteBucket | DeleteJobKind::EmptyAndDelete => String::new(),
        };
        if report.requested == 1 && report.deleted == 1 && report.left_behind.is_none() {
            self.toast(Level::Info, format!("deleted {what}"));
        } else {
            let mut lines = vec![
                format!("Bucket: {}", escape(&bucket)),
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
            if let Some(left) = &report.left_behind {
                lines.push(String::new());
                lines.push(left.clone());
            }
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
            self.push_modal(Modal::Summary {
                title: if report.cancelled {
                    "Delete cancelled"
                } else {
                    "Delete finished"
                }
                .into(),
                lines,
            });
        }
        if self.bucket.as_ref().is_some_and(|v| v.name == bucket) {
            return self.load_folder();
        }
        vec![]
    }

    pub(super) fn on_bucket_deleted(
        &mut self,
        id: JobId,
        bucket: String,
        result: Result<(), Refusal>,
    ) -> Vec<Command> {
        if self.take_delete_job(id).is_none() {
            return vec![];
        }
        match result {
            Ok(()) => self.toast(Level::Info, format!("deleted bucket {}", escape(&bucket))),
            Err(refusal) => self.push_modal(Modal::Summary {
                title: "Bucket not deleted".into(),
                lines: refusal.explanation(),
            }),
        }
        vec![self.load_buckets()]
    }

    pub(super) fn on_bucket_purged(&mut self, id: JobId, report: PurgeReport) -> Vec<Command> {
        if self.take_delete_job(id).is_none() {
            return vec![];
        }
        self.push_modal(Modal::Summary {
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
