//! All console state, and `update`: the one place it changes. No I/O here: `update`
//! returns [`Command`]s for the task runner, whose results come back as [`Action`]s.

pub mod delete;
pub mod lifecycle;
mod rows;
pub mod table;

use std::collections::{HashMap, HashSet};

use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEvent, MouseEventKind,
};

pub use delete::{BlockedChoice, DeleteDialog, DeleteJob, DeleteJobKind, Deletion};
pub use lifecycle::{FormField, LIFECYCLE_SORTS, LifecycleForm};
pub use rows::{BUCKET_SORTS, FILE_SORTS, RowState, UPLOAD_SORTS, UploadRow};
use table::{Row, Table};

use crate::action::{Action, Command, JobId, RequestId};
use crate::format;
use crate::keys::{self, Intent, Scope};
use crate::ops::lifecycle::Coverage;
use crate::s3::{AbortOutcome, Bucket, Entry, EntryKind, S3Error, Timestamp, UploadRef};
use crate::s3::{LifecycleRule, RuleChange};
use crate::text::escape;

/// A table plus the state of the request that fills it.
#[derive(Debug)]
pub struct Listing<T> {
    pub table: Table<T>,
    pub loading: bool,
    pub error: Option<S3Error>,
    pub request: RequestId,
}

impl<T> Default for Listing<T> {
    fn default() -> Self {
        Listing {
            table: Table::default(),
            loading: false,
            error: None,
            request: 0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Files,
    Uploads,
    Lifecycle,
}

/// An open bucket: its folder view and its incomplete uploads.
#[derive(Debug)]
pub struct BucketView {
    pub name: String,
    pub tab: Tab,
    /// The folder shown, ending in `/` (empty at the top).
    pub prefix: String,
    pub files: Listing<Entry>,
    pub uploads: Listing<UploadRow>,
    pub lifecycle: Listing<LifecycleRule>,
    /// Uploads whose abort failed, re-marked when the list is read again.
    failed: HashSet<UploadRef>,
    /// How many upload rows are marked, kept in step with every mark change so a frame
    /// never counts a million rows.
    pub marked: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

#[derive(Debug, Clone)]
pub struct Toast {
    pub text: String,
    pub level: Level,
    pub until: u64,
}

/// What a confirmed dialog does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pending {
    Abort {
        bucket: String,
        uploads: Vec<UploadRef>,
        clear_all: bool,
    },
    Lifecycle {
        bucket: String,
        change: RuleChange,
    },
    /// Delete exactly these keys; `what` names them in the progress and summary.
    DeleteObjects {
        bucket: String,
        keys: Vec<String>,
        what: String,
    },
    /// DeleteBucket on a bucket the pre-check found empty.
    DeleteBucket {
        bucket: String,
    },
}

#[derive(Debug, Clone)]
pub enum Dialog {
    Confirm {
        title: String,
        body: Vec<String>,
        confirm: String,
        action: Pending,
    },
    /// The end of a job: what happened to every item. Any key closes it.
    Summary { title: String, lines: Vec<String> },
}

/// A running (or just finished) abort job.
#[derive(Debug)]
pub struct Job {
    pub id: JobId,
    pub bucket: String,
    pub total: usize,
    pub aborted: usize,
    pub gone: usize,
    pub failed: Vec<(UploadRef, S3Error)>,
    pub started: u64,
    pub cancelling: bool,
    clear_all: bool,
    /// Which table rows the job's uploads are, while that listing is still on screen,
    /// by [`row_fingerprint`]: a clear of a million uploads copies no keys for this.
    rows: HashMap<u64, u32>,
    /// The first upload's key, to name it when a single abort succeeds.
    first_key: Option<String>,
    rows_request: RequestId,
}

impl Job {
    pub fn done(&self) -> usize {
        self.aborted + self.gone + self.failed.len()
    }
}

#[derive(Debug)]
pub struct App {
    pub now: Timestamp,
    pub millis: u64,
    pub read_only: bool,
    /// Where we are connected, for the title bar.
    pub location: String,
    pub buckets: Listing<Bucket>,
    pub bucket: Option<BucketView>,
    /// The filter being typed, if the filter line is open.
    pub filter_input: Option<String>,
    pub dialog: Option<Dialog>,
    pub help: bool,
    pub toast: Option<Toast>,
    pub job: Option<Job>,
    /// File and bucket deletes: marks, their dialogs and their job.
    pub deletion: Deletion,
    pub quit: bool,
    /// Whether each bucket's incomplete uploads are aborted by a lifecycle rule.
    pub coverage: HashMap<String, Coverage>,
    /// The add/edit lifecycle rule form, when open.
    pub lifecycle_form: Option<LifecycleForm>,
    next_id: u64,
}

const TOAST_MILLIS: u64 = 5_000;

impl App {
    pub fn new(location: impl Into<String>, read_only: bool, now: Timestamp) -> Self {
        App {
            now,
            millis: 0,
            read_only,
            location: location.into(),
            buckets: Listing::default(),
            bucket: None,
            filter_input: None,
            dialog: None,
            help: false,
            toast: None,
            job: None,
            deletion: Deletion::default(),
            quit: false,
            coverage: HashMap::new(),
            lifecycle_form: None,
            next_id: 1,
        }
    }

    /// The commands to run at start-up.
    pub fn start(&mut self) -> Vec<Command> {
        vec![self.load_buckets()]
    }

    fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    pub fn scope(&self) -> Scope {
        match &self.bucket {
            None => Scope::Buckets,
            Some(view) if view.tab == Tab::Files => Scope::Files,
            Some(view) if view.tab == Tab::Lifecycle => Scope::Lifecycle,
            Some(_) => Scope::Uploads,
        }
    }

    pub fn job_running(&self) -> bool {
        self.job.is_some()
    }

    /// Sort rows that arrived since the last frame; called before each draw.
    pub fn settle(&mut self) {
        self.buckets.table.settle();
        if let Some(view) = &mut self.bucket {
            view.files.table.settle();
            view.uploads.table.settle();
            view.lifecycle.table.settle();
        }
        if self.toast.as_ref().is_some_and(|t| t.until <= self.millis) {
            self.toast = None;
        }
    }

    pub fn update(&mut self, action: Action) -> Vec<Command> {
        match action {
            // Keys act on the rows as drawn: sort in what arrived since the last frame first.
            Action::Key(key) => {
                self.settle();
                self.on_key(key)
            }
            Action::Mouse(mouse) => {
                self.settle();
                self.on_mouse(mouse);
                vec![]
            }
            Action::Resize => vec![],
            Action::Tick { now, millis } => {
                self.now = now;
                self.millis = millis;
                vec![]
            }
            Action::BucketsLoaded { request, result } => {
                if request == self.buckets.request {
                    self.buckets.loading = false;
                    match result {
                        Ok(buckets) => {
                            self.buckets.error = None;
                            self.buckets.table.replace(buckets, self.now);
                            return self.load_coverage();
                        }
                        Err(err) => {
                            let line = format!("listing buckets: {}", err.display_line());
                            self.buckets.error = Some(err);
                            self.toast(Level::Error, line);
                        }
                    }
                }
                vec![]
            }
            Action::FolderPage {
                request,
                result,
                done,
            } => {
                self.on_folder_page(request, result, done);
                vec![]
            }
            Action::UploadsPage {
                request,
                result,
                done,
            } => {
                self.on_uploads_page(request, result, done);
                vec![]
            }
            Action::Aborted {
                job,
                upload,
                result,
            } => {
                self.on_aborted(job, upload, result);
                vec![]
            }
            Action::JobFinished { job, not_attempted } => self.on_job_finished(job, not_attempted),
            Action::LifecycleLoaded {
                request,
                bucket,
                result,
            } => {
                self.on_lifecycle_loaded(request, bucket, result);
                vec![]
            }
            Action::LifecycleChanged {
                request,
                bucket,
                change,
                result,
            } => self.on_lifecycle_changed(request, bucket, change, result),
            Action::Delete(event) => self.on_delete_event(event),
            Action::Sizes(_) => vec![],
        }
    }

    pub fn toast(&mut self, level: Level, text: impl Into<String>) {
        let millis = if level == Level::Error {
            2 * TOAST_MILLIS
        } else {
            TOAST_MILLIS
        };
        self.toast = Some(Toast {
            text: text.into(),
            level,
            until: self.millis + millis,
        });
    }

    fn on_folder_page(
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

    fn on_uploads_page(
        &mut self,
        request: RequestId,
        result: Result<Vec<crate::s3::Upload>, S3Error>,
        done: bool,
    ) {
        let now = self.now;
        let Some(view) = self
            .bucket
            .as_mut()
            .filter(|v| v.uploads.request == request)
        else {
            return;
        };
        match result {
            Ok(page) => {
                let failed = &view.failed;
                view.uploads.table.extend(
                    page.into_iter().map(|upload| {
                        let mut row = UploadRow::from(upload);
                        if !failed.is_empty() && failed.contains(&UploadRef::from(&row.upload)) {
                            row.state = RowState::Failed;
                        }
                        row
                    }),
                    now,
                );
                if done {
                    view.uploads.loading = false;
                }
            }
            Err(err) => {
                view.uploads.loading = false;
                let line = format!("listing uploads: {}", err.display_line());
                view.uploads.error = Some(err);
                self.toast(Level::Error, line);
            }
        }
    }

    fn on_key(&mut self, key: KeyEvent) -> Vec<Command> {
        if key.kind == KeyEventKind::Release {
            return vec![];
        }
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            self.quit = true;
            return self.cancel_everything();
        }
        if self.help {
            self.help = false;
            return vec![];
        }
        if let Some(commands) = self.on_delete_key(key) {
            return commands;
        }
        if self.dialog.is_some() {
            return self.on_dialog_key(key);
        }
        if self.lifecycle_form.is_some() {
            return self.on_lifecycle_form_key(key);
        }
        if self.filter_input.is_some() {
            self.on_filter_key(key);
            return vec![];
        }
        if key.code == KeyCode::Esc
            && let Some(job) = &mut self.job
        {
            if !job.cancelling {
                job.cancelling = true;
                let job = job.id;
                self.toast(
                    Level::Warn,
                    "cancelling: no new aborts start; those in flight finish",
                );
                return vec![Command::CancelJob { job }];
            }
            return vec![];
        }
        match keys::intent(&key, self.scope()) {
            Some(intent) => self.on_intent(intent),
            None => vec![],
        }
    }

    fn on_mouse(&mut self, mouse: MouseEvent) {
        if self.dialog.is_some() || self.help || self.lifecycle_form.is_some() {
            return;
        }
        match mouse.kind {
            MouseEventKind::ScrollDown => self.move_selection(3),
            MouseEventKind::ScrollUp => self.move_selection(-3),
            _ => {}
        }
    }

    fn move_selection(&mut self, delta: isize) {
        let scope = self.scope();
        match (&mut self.bucket, scope) {
            (Some(view), Scope::Files) => view.files.table.move_by(delta),
            (Some(view), Scope::Uploads) => view.uploads.table.move_by(delta),
            (Some(view), Scope::Lifecycle) => view.lifecycle.table.move_by(delta),
            _ => self.buckets.table.move_by(delta),
        }
    }

    fn page_size(&self) -> isize {
        match (&self.bucket, self.scope()) {
            (Some(view), Scope::Files) => view.files.table.page_size(),
            (Some(view), Scope::Uploads) => view.uploads.table.page_size(),
            (Some(view), Scope::Lifecycle) => view.lifecycle.table.page_size(),
            _ => self.buckets.table.page_size(),
        }
    }

    fn on_intent(&mut self, intent: Intent) -> Vec<Command> {
        match intent {
            Intent::Quit => {
                self.quit = true;
                return self.cancel_everything();
            }
            Intent::Help => self.help = true,
            Intent::Refresh => return self.refresh(),
            Intent::Filter => self.filter_input = Some(self.current_filter()),
            Intent::Sort => self.cycle_sort(false),
            Intent::ReverseSort => self.cycle_sort(true),
            Intent::Up => self.move_selection(-1),
            Intent::Down => self.move_selection(1),
            Intent::PageUp => self.move_selection(-self.page_size()),
            Intent::PageDown => self.move_selection(self.page_size()),
            Intent::Top => self.move_selection(isize::MIN / 2),
            Intent::Bottom => self.move_selection(isize::MAX / 2),
            Intent::Open => return self.open(),
            Intent::OpenUploads => return self.open_bucket(Tab::Uploads),
            Intent::Back => return self.back(),
            Intent::NextTab => {
                if let Some(view) = &mut self.bucket {
                    view.tab = match view.tab {
                        Tab::Files => Tab::Uploads,
                        Tab::Uploads => Tab::Lifecycle,
                        Tab::Lifecycle => Tab::Files,
                    };
                }
            }
            Intent::FilesTab => self.set_tab(Tab::Files),
            Intent::UploadsTab => self.set_tab(Tab::Uploads),
            Intent::LifecycleTab => self.set_tab(Tab::Lifecycle),
            Intent::AddRule => self.open_add_rule(),
            Intent::EditRule => self.open_edit_rule(),
            Intent::DeleteRule => self.ask_delete_rule(),
            Intent::Delete if self.scope() == Scope::Files => return self.ask_delete_files(),
            Intent::Mark if self.scope() == Scope::Files => self.toggle_file_mark(),
            Intent::DeleteBucket => return self.ask_delete_bucket(),
            Intent::Delete => self.ask_abort_selected(),
            Intent::ClearAll => self.ask_clear_all(),
            Intent::Mark => self.toggle_mark(),
            Intent::MarkAll => self.toggle_mark_all(),
        }
        vec![]
    }

    fn set_tab(&mut self, tab: Tab) {
        if let Some(view) = &mut self.bucket {
            view.tab = tab;
        }
    }

    fn current_filter(&self) -> String {
        match (&self.bucket, self.scope()) {
            (Some(view), Scope::Files) => view.files.table.filter.text.clone(),
            (Some(view), Scope::Uploads) => view.uploads.table.filter.text.clone(),
            (Some(view), Scope::Lifecycle) => view.lifecycle.table.filter.text.clone(),
            _ => self.buckets.table.filter.text.clone(),
        }
    }

    fn apply_filter(&mut self, text: &str) {
        let now = self.now;
        let scope = self.scope();
        match (&mut self.bucket, scope) {
            (Some(view), Scope::Files) => view.files.table.set_filter(text, now),
            (Some(view), Scope::Uploads) => view.uploads.table.set_filter(text, now),
            (Some(view), Scope::Lifecycle) => view.lifecycle.table.set_filter(text, now),
            _ => self.buckets.table.set_filter(text, now),
        }
    }

    fn on_filter_key(&mut self, key: KeyEvent) {
        let Some(mut text) = self.filter_input.take() else {
            return;
        };
        match key.code {
            KeyCode::Enter => return,
            KeyCode::Esc => text.clear(),
            KeyCode::Backspace => {
                text.pop();
            }
            KeyCode::Char(c)
                if !key
                    .modifiers
                    .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
            {
                text.push(c)
            }
            _ => {}
        }
        self.apply_filter(&text);
        if key.code != KeyCode::Esc {
            self.filter_input = Some(text);
        }
    }

    fn cycle_sort(&mut self, reverse: bool) {
        fn next<T: Row>(table: &mut Table<T>, columns: usize, reverse: bool) {
            if reverse {
                table.set_sort(table.sort, !table.descending);
            } else {
                table.set_sort((table.sort + 1) % columns, false);
            }
        }
        let scope = self.scope();
        match (&mut self.bucket, scope) {
            (Some(view), Scope::Files) => next(&mut view.files.table, FILE_SORTS.len(), reverse),
            (Some(view), Scope::Uploads) => {
                next(&mut view.uploads.table, UPLOAD_SORTS.len(), reverse)
            }
            (Some(view), Scope::Lifecycle) => {
                next(&mut view.lifecycle.table, LIFECYCLE_SORTS.len(), reverse)
            }
            _ => next(&mut self.buckets.table, BUCKET_SORTS.len(), reverse),
        }
    }

    fn load_buckets(&mut self) -> Command {
        let request = self.next_id();
        self.buckets.request = request;
        self.buckets.loading = true;
        self.buckets.error = None;
        Command::LoadBuckets { request }
    }

    fn load_folder(&mut self) -> Vec<Command> {
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

    fn load_uploads(&mut self) -> Vec<Command> {
        let request = self.next_id();
        let Some(view) = &mut self.bucket else {
            return vec![];
        };
        let previous = std::mem::replace(&mut view.uploads.request, request);
        view.uploads.loading = true;
        view.uploads.error = None;
        view.uploads.table.clear();
        view.marked = 0;
        vec![
            Command::CancelRequest { request: previous },
            Command::LoadUploads {
                request,
                bucket: view.name.clone(),
            },
        ]
    }

    fn refresh(&mut self) -> Vec<Command> {
        match self.scope() {
            Scope::Buckets | Scope::Everywhere => vec![self.load_buckets()],
            Scope::Files => self.load_folder(),
            Scope::Uploads => {
                if self.job_on_open_bucket() {
                    self.toast(
                        Level::Warn,
                        "a clear is running here: refresh when it ends (esc cancels it)",
                    );
                    return vec![];
                }
                self.load_uploads()
            }
            Scope::Lifecycle => self.load_lifecycle(),
        }
    }

    fn job_on_open_bucket(&self) -> bool {
        match (&self.job, &self.bucket) {
            (Some(job), Some(view)) => job.bucket == view.name,
            _ => false,
        }
    }

    fn open(&mut self) -> Vec<Command> {
        match self.scope() {
            Scope::Buckets | Scope::Everywhere => self.open_bucket(Tab::Files),
            Scope::Files => {
                let Some(view) = &mut self.bucket else {
                    return vec![];
                };
                match view.files.table.selected() {
                    Some(entry) if entry.kind == EntryKind::Folder => {
                        view.prefix = entry.key.clone();
                        view.files.table.filter = Default::default();
                        self.load_folder()
                    }
                    _ => vec![],
                }
            }
            Scope::Uploads => vec![],
            Scope::Lifecycle => {
                self.open_edit_rule();
                vec![]
            }
        }
    }

    fn open_bucket(&mut self, tab: Tab) -> Vec<Command> {
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
        });
        let mut commands = self.load_folder();
        commands.extend(self.load_uploads());
        commands.extend(self.load_lifecycle());
        commands.retain(|c| !matches!(c, Command::CancelRequest { request: 0 }));
        commands
    }

    fn back(&mut self) -> Vec<Command> {
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
        self.lifecycle_form = None;
        self.bucket = None;
        commands
    }

    fn cancel_everything(&mut self) -> Vec<Command> {
        let mut commands = Vec::new();
        if let Some(job) = &self.job {
            commands.push(Command::CancelJob { job: job.id });
        }
        if let Some(job) = &self.deletion.job {
            commands.push(Command::CancelJob { job: job.id });
        }
        commands
    }

    fn refuse_if_read_only(&mut self, what: &str) -> bool {
        if self.read_only {
            self.toast(Level::Error, format!("read-only mode: {what} is disabled"));
        }
        self.read_only
    }

    fn refuse_if_busy(&mut self) -> bool {
        if self.job.is_some() || self.deletion.job.is_some() {
            self.toast(
                Level::Warn,
                "another job is running: wait for it or press esc to cancel it",
            );
            return true;
        }
        false
    }

    fn ask_abort_selected(&mut self) {
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
            .map(|row| UploadRef::from(&row.upload))
            .collect();
        let bucket = view.name.clone();
        if !marked.is_empty() {
            let n = marked.len();
            self.dialog = Some(Dialog::Confirm {
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
                },
            });
            return;
        }
        let Some(row) = view.uploads.table.selected() else {
            self.toast(Level::Info, "no upload selected");
            return;
        };
        let upload = &row.upload;
        self.dialog = Some(Dialog::Confirm {
            title: "Abort incomplete upload".into(),
            body: vec![
                format!("Bucket:    {}", escape(&bucket)),
                format!("Key:       {}", escape(&upload.key)),
                format!("Upload id: {}", escape(&upload.upload_id)),
                format!(
                    "Started:   {} ({})",
                    format::date(upload.initiated),
                    format::age(upload.initiated, self.now)
                ),
                "Its uploaded parts are deleted. This cannot be undone.".into(),
            ],
            confirm: "abort".into(),
            action: Pending::Abort {
                bucket,
                uploads: vec![UploadRef::from(upload)],
                clear_all: false,
            },
        });
    }

    fn ask_clear_all(&mut self) {
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
        let table = &view.uploads.table;
        let uploads: Vec<UploadRef> = table
            .visible()
            .map(|row| UploadRef::from(&row.upload))
            .collect();
        if uploads.is_empty() {
            self.toast(Level::Info, "nothing to clear: no incomplete uploads shown");
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
        body.push(
            "Their uploaded parts are deleted. Objects in the bucket are not touched.".into(),
        );
        body.push("esc cancels while it runs; what has not started is left alone.".into());
        self.dialog = Some(Dialog::Confirm {
            title: "Clear all incomplete uploads".into(),
            body,
            confirm: format!("abort {n}"),
            action: Pending::Abort {
                bucket,
                uploads,
                clear_all: true,
            },
        });
    }

    fn toggle_mark(&mut self) {
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

    fn toggle_mark_all(&mut self) {
        let Some(view) = &mut self.bucket else { return };
        let table = &mut view.uploads.table;
        let indices: Vec<u32> = table.visible_indices().to_vec();
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

    fn on_dialog_key(&mut self, key: KeyEvent) -> Vec<Command> {
        let Some(dialog) = self.dialog.take() else {
            return vec![];
        };
        match dialog {
            Dialog::Summary { .. } => vec![],
            Dialog::Confirm { action, .. }
                if matches!(key.code, KeyCode::Char('y') | KeyCode::Enter) =>
            {
                self.run_pending(action)
            }
            confirm @ Dialog::Confirm { .. } => {
                if !matches!(
                    key.code,
                    KeyCode::Char('n') | KeyCode::Esc | KeyCode::Char('q')
                ) {
                    self.dialog = Some(confirm);
                }
                vec![]
            }
        }
    }

    fn run_pending(&mut self, action: Pending) -> Vec<Command> {
        match action {
            Pending::Abort {
                bucket,
                uploads,
                clear_all,
            } => {
                let id = self.next_id();
                let mut rows = HashMap::new();
                let mut rows_request = 0;
                if let Some(view) = self.bucket.as_mut().filter(|v| v.name == bucket) {
                    rows_request = view.uploads.request;
                    let wanted: HashMap<u64, &UploadRef> = uploads
                        .iter()
                        .map(|u| (row_fingerprint(&u.key, &u.upload_id), u))
                        .collect();
                    rows.reserve(wanted.len());
                    for (i, row) in view.uploads.table.items.iter_mut().enumerate() {
                        let fingerprint = row_fingerprint(&row.upload.key, &row.upload.upload_id);
                        if wanted
                            .get(&fingerprint)
                            .is_some_and(|wanted| is_row_of(row, wanted))
                        {
                            row.state = RowState::Aborting;
                            if row.marked {
                                view.marked = view.marked.saturating_sub(1);
                            }
                            row.marked = false;
                            rows.insert(fingerprint, i as u32);
                        }
                    }
                }
                let first_key = uploads.first().map(|u| u.key.clone());
                self.job = Some(Job {
                    id,
                    bucket: bucket.clone(),
                    total: uploads.len(),
                    aborted: 0,
                    gone: 0,
                    failed: Vec::new(),
                    started: self.millis,
                    cancelling: false,
                    clear_all,
                    rows,
                    first_key,
                    rows_request,
                });
                vec![Command::AbortUploads {
                    job: id,
                    bucket,
                    uploads,
                }]
            }
            Pending::Lifecycle { bucket, change } => self.run_lifecycle_change(bucket, change),
            other => self.run_delete_pending(other),
        }
    }

    fn job_row(&mut self, upload: &UploadRef) -> Option<&mut UploadRow> {
        let job = self.job.as_ref()?;
        let row = *job
            .rows
            .get(&row_fingerprint(&upload.key, &upload.upload_id))?;
        let view = self
            .bucket
            .as_mut()
            .filter(|v| v.name == job.bucket && v.uploads.request == job.rows_request)?;
        view.uploads
            .table
            .items
            .get_mut(row as usize)
            .filter(|row| is_row_of(row, upload))
    }

    fn on_aborted(&mut self, id: JobId, upload: UploadRef, result: Result<AbortOutcome, S3Error>) {
        let Some(job) = self.job.as_mut().filter(|j| j.id == id) else {
            return;
        };
        let state = match result {
            Ok(AbortOutcome::Aborted) => {
                job.aborted += 1;
                RowState::Done
            }
            Ok(AbortOutcome::AlreadyGone) => {
                job.gone += 1;
                RowState::Done
            }
            Err(err) => {
                job.failed.push((upload.clone(), err));
                RowState::Failed
            }
        };
        if let Some(row) = self.job_row(&upload) {
            row.state = state;
        }
    }

    fn on_job_finished(&mut self, id: JobId, not_attempted: Vec<UploadRef>) -> Vec<Command> {
        if self.job.as_ref().is_none_or(|j| j.id != id) {
            return vec![];
        }
        for upload in &not_attempted {
            if let Some(row) = self.job_row(upload) {
                row.state = RowState::Idle;
            }
        }
        let Some(job) = self.job.take() else {
            return vec![];
        };
        let now = self.now;
        let mut commands = vec![];
        if let Some(view) = self.bucket.as_mut().filter(|v| v.name == job.bucket) {
            view.failed
                .extend(job.failed.iter().map(|(u, _)| u.clone()));
            if view.uploads.request == job.rows_request {
                view.uploads
                    .table
                    .remove_where(|row| row.state == RowState::Done, now);
                view.marked = view.uploads.table.items.iter().filter(|r| r.marked).count();
            }
        }
        if job.clear_all {
            self.dialog = Some(Dialog::Summary {
                title: if job.cancelling {
                    "Clear cancelled"
                } else {
                    "Clear finished"
                }
                .into(),
                lines: summary_lines(&job, &not_attempted),
            });
            if self.bucket.as_ref().is_some_and(|v| v.name == job.bucket) {
                commands = self.load_uploads();
            }
        } else {
            match job.failed.first() {
                Some((upload, err)) => self.toast(
                    Level::Error,
                    format!(
                        "abort of {} failed: {}",
                        escape(&upload.key),
                        err.display_line()
                    ),
                ),
                None if job.gone > 0 => self.toast(
                    Level::Info,
                    "that upload was already gone (completed or aborted elsewhere)",
                ),
                None if job.aborted > 0 => {
                    let what = job.first_key.as_deref().map(|k| escape(k).into_owned());
                    self.toast(
                        Level::Info,
                        format!("aborted the upload of {}", what.unwrap_or_default()),
                    )
                }
                None => {}
            }
        }
        commands
    }
}

/// An upload row's key and id in 8 bytes; [`is_row_of`] confirms a match.
fn row_fingerprint(key: &str, upload_id: &str) -> u64 {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut hasher = DefaultHasher::new();
    key.hash(&mut hasher);
    upload_id.hash(&mut hasher);
    hasher.finish()
}

fn is_row_of(row: &UploadRow, upload: &UploadRef) -> bool {
    *row.upload.key == *upload.key && *row.upload.upload_id == *upload.upload_id
}

/// What a finished job did, for the summary dialog and the CLI.
pub fn summary_lines(job: &Job, not_attempted: &[UploadRef]) -> Vec<String> {
    let mut lines = vec![
        format!("Bucket: {}", escape(&job.bucket)),
        format!("Aborted:        {}", format::count(job.aborted as u64)),
        format!("Already gone:   {}", format::count(job.gone as u64)),
        format!("Failed:         {}", format::count(job.failed.len() as u64)),
        format!(
            "Not attempted:  {}",
            format::count(not_attempted.len() as u64)
        ),
    ];
    if !job.failed.is_empty() {
        lines.push(String::new());
        lines.push("Failures (they stay in the list, marked):".into());
        for (upload, err) in job.failed.iter().take(8) {
            lines.push(format!("  {}: {}", escape(&upload.key), err.display_line()));
        }
        if job.failed.len() > 8 {
            lines.push(format!("  … and {} more", job.failed.len() - 8));
        }
    }
    lines
}
