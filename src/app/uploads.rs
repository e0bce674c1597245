//! The incomplete uploads pane: its listing, marks, the abort and clear-all questions, and
//! the abort job's results.

use super::rows::RowIndex;
use super::{AbortJob, App, Job, JobKind, Level, Modal, Pending, RowState, SizeState, UploadRow};
use crate::action::{Command, JobId, RequestId};
use crate::format;
use crate::keys::{Intent, Scope};
use crate::ops::cost::{ACTIVE_WINDOW, is_active};
use crate::ops::limit::Pace;
use crate::s3::{AbortOutcome, S3Error, Upload, UploadRef};
use crate::text::escape;

impl App {
    pub(super) fn load_uploads(&mut self) -> Vec<Command> {
        let request = self.next_id();
        let Some(view) = &mut self.bucket else {
            return vec![];
        };
        let previous = std::mem::replace(&mut view.uploads.request, request);
        view.uploads.loading = true;
        view.uploads.error = None;
        view.uploads.table.clear();
        view.marked = 0;
        view.sizes.prioritized_clear();
        self.reindex_upload_rows();
        let Some(view) = &self.bucket else {
            return vec![];
        };
        vec![
            Command::CancelRequest { request: previous },
            Command::LoadUploads {
                request,
                bucket: view.name.clone(),
            },
        ]
    }

    pub(super) fn on_uploads_page(
        &mut self,
        request: RequestId,
        result: Result<Vec<Upload>, S3Error>,
        done: bool,
    ) -> Vec<Command> {
        let now = self.now;
        let Some(view) = self
            .bucket
            .as_mut()
            .filter(|v| v.uploads.request == request)
        else {
            return vec![];
        };
        match result {
            Ok(page) => {
                let failed = &view.failed;
                let first_new = view.uploads.table.items.len();
                view.uploads.table.extend(
                    UploadRow::page(&page).map(|mut row| {
                        if !failed.is_empty() && failed.contains(&row.upload) {
                            row.state = RowState::Failed;
                        }
                        row
                    }),
                    now,
                );
                if done {
                    view.uploads.loading = false;
                }
                let commands = self.size_new_rows(first_new);
                if done {
                    self.forget_unlisted();
                }
                commands
            }
            Err(err) => {
                view.uploads.loading = false;
                let line = format!("listing uploads: {}", err.display_line());
                view.uploads.error = Some(err);
                self.toast(Level::Error, line);
                vec![]
            }
        }
    }

    pub(super) fn ask_abort_selected(&mut self) {
        if self.refuse_if_read_only("aborting uploads") || self.refuse_if_busy() {
            return;
        }
        let Some(view) = &self.bucket else { return };
        let marked: Vec<UploadRef> = view
            .uploads
            .table
            .items
            .iter()
            .filter(|row| row.marked)
            .map(|row| row.upload.clone())
            .collect();
        let bucket = view.name.clone();
        if !marked.is_empty() {
            let n = marked.len();
            self.push_modal(Modal::Confirm {
                title: "Abort marked uploads".into(),
                body: vec![
                    format!(
                        "Abort {} marked incomplete upload{} in bucket {}?",
                        format::count(n as u64),
                        if n == 1 { "" } else { "s" },
                        escape(&bucket)
                    ),
                    "Their uploaded parts are deleted. Objects are not touched.".into(),
                ],
                confirm: format!("abort {}", format::count(n as u64)),
                action: Pending::Abort {
                    bucket,
                    uploads: marked,
                    clear_all: true,
                    active: Vec::new(),
                },
            });
            return;
        }
        let Some(row) = view.uploads.table.selected() else {
            self.toast(Level::Info, "no upload selected");
            return;
        };
        let upload = &row.upload;
        if upload.key_undecodable() {
            let shown = upload.shown_key().into_owned();
            self.refuse_undecodable(&shown);
            return;
        }
        let question = Modal::Confirm {
            title: "Abort incomplete upload".into(),
            body: vec![
                format!("Bucket:    {}", escape(&bucket)),
                format!("Key:       {}", upload.shown_key()),
                format!("Upload id: {}", escape(&upload.upload_id())),
                format!(
                    "Started:   {} ({})",
                    format::date(upload.initiated()),
                    format::age(upload.initiated(), self.now)
                ),
                "Its uploaded parts are deleted. This cannot be undone.".into(),
            ],
            confirm: "abort".into(),
            action: Pending::Abort {
                bucket,
                uploads: vec![upload.clone()],
                clear_all: false,
                active: Vec::new(),
            },
        };
        self.push_modal(question);
    }

    pub(super) fn ask_clear_all(&mut self) {
        if self.refuse_if_read_only("clearing uploads") || self.refuse_if_busy() {
            return;
        }
        let Some(view) = &self.bucket else { return };
        if view.uploads.loading {
            self.toast(
                Level::Warn,
                "still listing: clear all works on the complete list, wait for it to finish",
            );
            return;
        }
        if view.uploads.error.is_some() {
            let refresh = self.key_name(Scope::Everywhere, Intent::Refresh);
            self.toast(
                Level::Warn,
                format!(
                    "clear all needs the complete list, and reading it failed: {refresh} reads it again"
                ),
            );
            return;
        }
        let table = &view.uploads.table;
        let (undecodable, decodable): (Vec<&UploadRow>, Vec<&UploadRow>) = table
            .visible()
            .partition(|row| row.upload.key_undecodable());
        let uploads: Vec<UploadRef> = decodable
            .into_iter()
            .map(|row| row.upload.clone())
            .collect();
        let now = self.now;
        // Unreadable counts as active: aborting a running upload breaks someone's transfer.
        let active: Vec<UploadRef> = table
            .visible()
            .filter(|row| match row.size.state() {
                SizeState::Unread => false,
                SizeState::Unknown => true,
                SizeState::Known(summary) => is_active(summary.last_activity, ACTIVE_WINDOW, now),
            })
            .map(|row| row.upload.clone())
            .collect();
        let unread = table.visible().filter(|row| row.size.is_unread()).count();
        if uploads.is_empty() {
            match undecodable.first() {
                Some(row) => {
                    let shown = row.upload.shown_key().into_owned();
                    self.refuse_undecodable(&shown);
                }
                None => self.toast(Level::Info, "nothing to clear: no incomplete uploads shown"),
            }
            return;
        }
        let bucket = view.name.clone();
        let n = format::count(uploads.len() as u64);
        let mut body = vec![format!(
            "Abort {n} incomplete upload{} in bucket {}?",
            if uploads.len() == 1 { "" } else { "s" },
            escape(&bucket)
        )];
        if !table.filter.is_empty() {
            body.push(format!(
                "Only those matching the filter {:?} ({} of {} listed).",
                escape(&table.filter.text),
                n,
                format::count(table.items.len() as u64)
            ));
        }
        if !undecodable.is_empty() {
            let n = undecodable.len();
            body.push(format!(
                "{} upload{} whose key{} not UTF-8 {} left alone: partsweep cannot name {}.",
                format::count(n as u64),
                if n == 1 { "" } else { "s" },
                if n == 1 { " is" } else { "s are" },
                if n == 1 { "is" } else { "are" },
                if n == 1 { "it" } else { "them" },
            ));
        }
        body.push(
            "Their uploaded parts are deleted. Objects in the bucket are not touched.".into(),
        );
        if !active.is_empty() {
            body.push(format!(
                "{} of them {} written to in the last hour (or could not be read): they may be running. {} leaves them out.",
                format::count(active.len() as u64),
                if active.len() == 1 { "was" } else { "were" },
                self.key_name(Scope::Confirm, Intent::LeaveOutActive)
            ));
        }
        if unread > 0 {
            body.push(format!(
                "The last activity of {} is not read yet (the Size column is still filling).",
                format::count(unread as u64)
            ));
        }
        body.push(format!(
            "{} cancels while it runs; what has not started is left alone.",
            self.key_name(Scope::Job, Intent::Cancel)
        ));
        self.push_modal(Modal::Confirm {
            title: "Clear all incomplete uploads".into(),
            body,
            confirm: format!("abort {n}"),
            action: Pending::Abort {
                bucket,
                uploads,
                clear_all: true,
                active,
            },
        });
    }

    pub(super) fn toggle_mark(&mut self) {
        let undecodable = self
            .bucket
            .as_ref()
            .and_then(|view| view.uploads.table.selected())
            .filter(|row| row.upload.key_undecodable())
            .map(|row| row.upload.shown_key().into_owned());
        if let Some(shown) = undecodable {
            self.refuse_undecodable(&shown);
            return;
        }
        if let Some(view) = &mut self.bucket {
            if let Some(row) = view.uploads.table.selected_mut() {
                row.marked = !row.marked;
                if row.marked {
                    view.marked += 1;
                } else {
                    view.marked = view.marked.saturating_sub(1);
                }
            }
            view.uploads.table.move_by(1);
        }
    }

    pub(super) fn toggle_mark_all(&mut self) {
        let Some(view) = &mut self.bucket else { return };
        let table = &mut view.uploads.table;
        let indices: Vec<u32> = table
            .visible_indices()
            .iter()
            .copied()
            .filter(|&i| !table.items[i as usize].upload.key_undecodable())
            .collect();
        let all_marked = indices.iter().all(|&i| table.items[i as usize].marked);
        for i in indices {
            let row = &mut table.items[i as usize];
            if row.marked == all_marked {
                row.marked = !all_marked;
                if all_marked {
                    view.marked = view.marked.saturating_sub(1);
                } else {
                    view.marked += 1;
                }
            }
        }
    }

    /// A confirmed abort: the rows show it running until each result comes.
    pub(super) fn start_aborts(
        &mut self,
        bucket: String,
        uploads: Vec<UploadRef>,
        clear_all: bool,
    ) -> Vec<Command> {
        let mut rows = RowIndex::default();
        let mut rows_request = 0;
        if let Some(view) = self.bucket.as_mut().filter(|v| v.name == bucket) {
            rows_request = view.uploads.request;
            let items = &mut view.uploads.table.items;
            rows = RowIndex::of(items);
            for upload in &uploads {
                let Some(row) = rows.find(items, upload) else {
                    continue;
                };
                row.state = RowState::Aborting;
                if row.marked {
                    view.marked = view.marked.saturating_sub(1);
                }
                row.marked = false;
            }
        }
        let aborts = AbortJob {
            total: uploads.len(),
            aborted: 0,
            gone: 0,
            failed: Vec::new(),
            clear_all,
            rows,
            first_key: uploads.first().map(|u| u.key().to_owned()),
            rows_request,
        };
        let job = self.start_job(bucket.clone(), JobKind::Abort(aborts));
        vec![Command::AbortUploads {
            job,
            bucket,
            uploads,
        }]
    }

    fn job_row(&mut self, upload: &UploadRef) -> Option<&mut UploadRow> {
        let job = self.job.as_mut()?;
        let JobKind::Abort(aborts) = &mut job.kind else {
            return None;
        };
        let view = self
            .bucket
            .as_mut()
            .filter(|v| v.name == job.bucket && v.uploads.request == aborts.rows_request)?;
        aborts.rows.find(&mut view.uploads.table.items, upload)
    }

    pub(super) fn on_aborted(
        &mut self,
        id: JobId,
        upload: UploadRef,
        result: Result<AbortOutcome, S3Error>,
    ) {
        let Some(job) = self.job.as_mut().filter(|j| j.id == id) else {
            return;
        };
        let JobKind::Abort(aborts) = &mut job.kind else {
            return;
        };
        let state = match result {
            Ok(AbortOutcome::Aborted) => {
                aborts.aborted += 1;
                RowState::Done
            }
            Ok(AbortOutcome::AlreadyGone) => {
                aborts.gone += 1;
                RowState::Done
            }
            Err(err) => {
                aborts.failed.push((upload.clone(), err));
                RowState::Failed
            }
        };
        if state == RowState::Done {
            let bucket = job.bucket.clone();
            self.forget_size(&bucket, &upload);
        }
        if let Some(row) = self.job_row(&upload) {
            row.state = state;
        }
    }

    pub(super) fn on_job_finished(
        &mut self,
        id: JobId,
        not_attempted: Vec<UploadRef>,
    ) -> Vec<Command> {
        let ours = |job: &Job| job.id == id && matches!(job.kind, JobKind::Abort(_));
        if !self.job.as_ref().is_some_and(ours) {
            return vec![];
        }
        for upload in &not_attempted {
            if let Some(row) = self.job_row(upload) {
                row.state = RowState::Idle;
            }
        }
        let Some(Job {
            bucket,
            cancelling,
            pace,
            kind: JobKind::Abort(aborts),
            ..
        }) = self.take_job(id)
        else {
            return vec![];
        };
        let now = self.now;
        let mut commands = vec![];
        if let Some(view) = self.bucket.as_mut().filter(|v| v.name == bucket) {
            view.failed
                .extend(aborts.failed.iter().map(|(u, _)| u.clone()));
            if view.uploads.request == aborts.rows_request {
                view.uploads
                    .table
                    .remove_where(|row| row.state == RowState::Done, now);
                view.marked = view.uploads.table.items.iter().filter(|r| r.marked).count();
                self.reindex_upload_rows();
            }
        }
        if aborts.clear_all {
            self.push_modal(Modal::Summary {
                title: if cancelling {
                    "Clear cancelled"
                } else {
                    "Clear finished"
                }
                .into(),
                lines: summary_lines(&bucket, &aborts, &not_attempted, pace),
            });
            if self.bucket.as_ref().is_some_and(|v| v.name == bucket) {
                commands = self.load_uploads();
            }
            return commands;
        }
        match aborts.failed.first() {
            Some((upload, err)) => self.toast(
                Level::Error,
                format!(
                    "abort of {} failed: {}",
                    upload.shown_key(),
                    err.display_line()
                ),
            ),
            None if aborts.gone > 0 => self.toast(
                Level::Info,
                "that upload was already gone (completed or aborted elsewhere)",
            ),
            None if aborts.aborted > 0 => {
                let what = aborts.first_key.as_deref().map(|k| escape(k).into_owned());
                self.toast(
                    Level::Info,
                    format!("aborted the upload of {}", what.unwrap_or_default()),
                )
            }
            None => {}
        }
        commands
    }
}

/// An upload's key and id in 8 bytes, for the sizes' index of rows.
pub(super) fn row_fingerprint(key: &str, upload_id: &str) -> u64 {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut hasher = DefaultHasher::new();
    key.hash(&mut hasher);
    upload_id.hash(&mut hasher);
    hasher.finish()
}

/// What a finished clear did, for its summary.
fn summary_lines(
    bucket: &str,
    aborts: &AbortJob,
    not_attempted: &[UploadRef],
    pace: Option<Pace>,
) -> Vec<String> {
    let mut lines = vec![
        format!("Bucket: {}", escape(bucket)),
        format!("Aborted:        {}", format::count(aborts.aborted as u64)),
        format!("Already gone:   {}", format::count(aborts.gone as u64)),
        format!(
            "Failed:         {}",
            format::count(aborts.failed.len() as u64)
        ),
        format!(
            "Not attempted:  {}",
            format::count(not_attempted.len() as u64)
        ),
    ];
    if let Some(pace) = pace {
        lines.push(format!("Throttled:      {}", pace.throttled_words()));
        lines.push(format!("Concurrency:    {}", pace.limit_words()));
    }
    if !aborts.failed.is_empty() {
        lines.push(String::new());
        lines.push("Failures (they stay in the list, marked):".into());
        for (upload, err) in aborts.failed.iter().take(8) {
            lines.push(format!("  {}: {}", upload.shown_key(), err.display_line()));
        }
        if aborts.failed.len() > 8 {
            lines.push(format!("  … and {} more", aborts.failed.len() - 8));
        }
    }
    lines
}
