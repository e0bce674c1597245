//! Moving around: the selection, tabs, filter and sort of the pane shown, opening buckets
//! and folders, and the listings that fill the panes.

use std::collections::HashSet;

use super::table::{Row, Table};
use super::{
    App, BUCKET_SORTS, BucketRow, BucketView, FILE_SORTS, JobKind, LIFECYCLE_SORTS, Level, Listing,
    PaneSizes, Tab, UPLOAD_SORTS,
};
use crate::action::{Command, RequestId};
use crate::keys::{Intent, Scope};
use crate::s3::{Bucket, Entry, EntryKind, S3Error};

impl App {
    pub(super) fn move_selection(&mut self, delta: isize) {
        match &mut self.bucket {
            None => self.buckets.table.move_by(delta),
            Some(view) => match view.tab {
                Tab::Files => view.files.table.move_by(delta),
                Tab::Uploads => view.uploads.table.move_by(delta),
                Tab::Lifecycle => view.lifecycle.table.move_by(delta),
            },
        }
    }

    pub(super) fn page_size(&self) -> isize {
        match &self.bucket {
            None => self.buckets.table.page_size(),
            Some(view) => match view.tab {
                Tab::Files => view.files.table.page_size(),
                Tab::Uploads => view.uploads.table.page_size(),
                Tab::Lifecycle => view.lifecycle.table.page_size(),
            },
        }
    }

    pub(super) fn set_tab(&mut self, tab: Tab) {
        if let Some(view) = &mut self.bucket {
            view.tab = tab;
        }
    }

    pub(super) fn current_filter(&self) -> String {
        match &self.bucket {
            None => self.buckets.table.filter.text.clone(),
            Some(view) => match view.tab {
                Tab::Files => view.files.table.filter.text.clone(),
                Tab::Uploads => view.uploads.table.filter.text.clone(),
                Tab::Lifecycle => view.lifecycle.table.filter.text.clone(),
            },
        }
    }

    pub(super) fn apply_filter(&mut self, text: &str) {
        let now = self.now;
        match &mut self.bucket {
            None => self.buckets.table.set_filter(text, now),
            Some(view) => match view.tab {
                Tab::Files => view.files.table.set_filter(text, now),
                Tab::Uploads => view.uploads.table.set_filter(text, now),
                Tab::Lifecycle => view.lifecycle.table.set_filter(text, now),
            },
        }
    }

    pub(super) fn cycle_sort(&mut self, reverse: bool) {
        fn next<T: Row>(table: &mut Table<T>, columns: usize, reverse: bool) {
            if reverse {
                table.set_sort(table.sort, !table.descending);
            } else {
                table.set_sort((table.sort + 1) % columns, false);
            }
        }
        match &mut self.bucket {
            None => next(&mut self.buckets.table, BUCKET_SORTS.len(), reverse),
            Some(view) => match view.tab {
                Tab::Files => next(&mut view.files.table, FILE_SORTS.len(), reverse),
                Tab::Uploads => next(&mut view.uploads.table, UPLOAD_SORTS.len(), reverse),
                Tab::Lifecycle => next(&mut view.lifecycle.table, LIFECYCLE_SORTS.len(), reverse),
            },
        }
    }

    pub(super) fn load_buckets(&mut self) -> Command {
        let request = self.next_id();
        self.buckets.request = request;
        self.buckets.loading = true;
        self.buckets.error = None;
        Command::LoadBuckets { request }
    }

    pub(super) fn on_buckets_loaded(
        &mut self,
        request: RequestId,
        result: Result<Vec<Bucket>, S3Error>,
    ) -> Vec<Command> {
        if request != self.buckets.request {
            return vec![];
        }
        self.buckets.loading = false;
        match result {
            Ok(buckets) => {
                self.buckets.error = None;
                let rows = buckets.into_iter().map(BucketRow::from).collect();
                self.buckets.table.replace(rows, self.now);
                let mut commands = self.load_coverage();
                commands.extend(self.start_scan());
                commands
            }
            Err(err) => {
                let line = format!("listing buckets: {}", err.display_line());
                self.buckets.error = Some(err);
                self.toast(Level::Error, line);
                vec![]
            }
        }
    }

    pub(super) fn load_folder(&mut self) -> Vec<Command> {
        let request = self.next_id();
        let Some(view) = &mut self.bucket else {
            return vec![];
        };
        let previous = std::mem::replace(&mut view.files.request, request);
        view.files.loading = true;
        view.files.error = None;
        view.files.table.clear();
        vec![
            Command::CancelRequest { request: previous },
            Command::LoadFolder {
                request,
                bucket: view.name.clone(),
                prefix: view.prefix.clone(),
            },
        ]
    }

    pub(super) fn on_folder_page(
        &mut self,
        request: RequestId,
        result: Result<Vec<Entry>, S3Error>,
        done: bool,
    ) {
        let now = self.now;
        let Some(view) = self.bucket.as_mut().filter(|v| v.files.request == request) else {
            return;
        };
        match result {
            Ok(page) => {
                view.files.table.extend(page, now);
                if done {
                    view.files.loading = false;
                }
            }
            Err(err) => {
                view.files.loading = false;
                let line = format!("listing files: {}", err.display_line());
                view.files.error = Some(err);
                self.toast(Level::Error, line);
            }
        }
    }

    pub(super) fn refresh(&mut self) -> Vec<Command> {
        let Some(view) = &self.bucket else {
            return vec![self.load_buckets()];
        };
        match view.tab {
            Tab::Files => self.load_folder(),
            Tab::Uploads => {
                if self.abort_job_on(&view.name) {
                    let cancel = self.key_name(Scope::Job, Intent::Cancel);
                    self.toast(
                        Level::Warn,
                        format!(
                            "a clear is running here: refresh when it ends ({cancel} cancels it)"
                        ),
                    );
                    return vec![];
                }
                self.load_uploads()
            }
            Tab::Lifecycle => self.load_lifecycle(),
        }
    }

    /// An abort job is working on this bucket's uploads (its rows are on screen).
    fn abort_job_on(&self, bucket: &str) -> bool {
        self.job
            .as_ref()
            .is_some_and(|job| job.bucket == bucket && matches!(job.kind, JobKind::Abort(_)))
    }

    pub(super) fn open(&mut self) -> Vec<Command> {
        let Some(view) = &mut self.bucket else {
            return self.open_bucket(Tab::Files);
        };
        match view.tab {
            Tab::Files => match view.files.table.selected() {
                // Listing a folder names its prefix, which must be the folder's exact bytes.
                Some(entry) if entry.kind == EntryKind::Folder && entry.key_undecodable => {
                    let shown = entry.shown_key().into_owned();
                    self.refuse_undecodable(&shown);
                    vec![]
                }
                Some(entry) if entry.kind == EntryKind::Folder => {
                    view.prefix = entry.key.clone();
                    view.files.table.filter = Default::default();
                    self.load_folder()
                }
                _ => vec![],
            },
            Tab::Uploads => self.open_details(),
            Tab::Lifecycle => {
                self.open_edit_rule();
                vec![]
            }
        }
    }

    pub(super) fn open_bucket(&mut self, tab: Tab) -> Vec<Command> {
        let Some(bucket) = self.buckets.table.selected() else {
            return vec![];
        };
        self.bucket = Some(BucketView {
            name: bucket.name.clone(),
            tab,
            prefix: String::new(),
            files: Listing::default(),
            uploads: Listing::default(),
            lifecycle: Listing::default(),
            failed: HashSet::new(),
            marked: 0,
            sizes: PaneSizes::default(),
        });
        let mut commands = self.load_folder();
        commands.extend(self.load_uploads());
        commands.extend(self.load_lifecycle());
        commands.retain(|c| !matches!(c, Command::CancelRequest { request: 0 }));
        commands
    }

    pub(super) fn back(&mut self) -> Vec<Command> {
        let Some(view) = &mut self.bucket else {
            return vec![];
        };
        if view.tab == Tab::Files && !view.prefix.is_empty() {
            let trimmed = &view.prefix[..view.prefix.len() - 1];
            view.prefix = match trimmed.rfind('/') {
                Some(i) => trimmed[..=i].to_owned(),
                None => String::new(),
            };
            view.files.table.filter = Default::default();
            return self.load_folder();
        }
        let commands = vec![
            Command::CancelRequest {
                request: view.files.request,
            },
            Command::CancelRequest {
                request: view.uploads.request,
            },
        ];
        self.bucket = None;
        commands
    }
}
