//! All console state, and `update`: the one place it changes. No I/O here: `update`
//! returns [`Command`]s for the task runner, whose results come back as [`Action`]s.
//!
//! What is open over the panes is one stack, [`App::modals`]: its top gets the keys
//! (`routing.rs`) and the screen draws it bottom to top. One [`Job`] runs at a time.

pub mod delete;
mod history;
mod job;
pub mod lifecycle;
mod modal;
mod navigation;
mod routing;
mod rows;
pub mod sizes;
pub mod table;
#[cfg(test)]
mod tests;
mod uploads;

use std::collections::{HashMap, HashSet};

pub use delete::{BlockedChoice, DeleteJobKind, Deletion};
pub use history::{HISTORY_SORTS, HistoryRow, HistoryView};
pub use job::{AbortJob, Job, JobKind};
pub use lifecycle::{FormField, LIFECYCLE_SORTS, LifecycleForm};
pub use modal::{Modal, Pending};
pub use rows::{BUCKET_SORTS, FILE_SORTS, RowState, UPLOAD_FIXED_SORTS, UPLOAD_SORTS, UploadRow};
pub use sizes::{
    BucketRow, BucketScan, PaneSizes, RowSize, ScanProgress, SizeState, Sizes, UploadDetails,
};
use table::Table;

use crate::action::{Action, Command, DeleteEvent, RequestId};
use crate::keys::{Intent, Keymap, Scope};
use crate::ops::cost::DEFAULT_PRICE_PER_GB_MONTH;
use crate::ops::lifecycle::Coverage;
use crate::s3::{Entry, LifecycleRule, S3Error, Timestamp, UploadRef};

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
    /// Where sizes go in the uploads rows, and the age chart.
    pub sizes: PaneSizes,
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

#[derive(Debug)]
pub struct App {
    pub now: Timestamp,
    pub millis: u64,
    pub read_only: bool,
    /// Where we are connected, for the title bar.
    pub location: String,
    pub buckets: Listing<BucketRow>,
    pub bucket: Option<BucketView>,
    /// The History pane, open over the bucket list or the bucket shown.
    pub history: Option<HistoryView>,
    /// Why the journal cannot be written, once it failed.
    pub journal_problem: Option<String>,
    /// What is open over the panes, bottom to top; the top one gets the keys.
    pub modals: Vec<Modal>,
    pub toast: Option<Toast>,
    /// The one running job (aborts or deletes); the job's cancel key stops it.
    pub job: Option<Job>,
    /// Marked files, for deleting several at once.
    pub deletion: Deletion,
    pub quit: bool,
    /// Whether each bucket's incomplete uploads are aborted by a lifecycle rule.
    pub coverage: HashMap<String, Coverage>,
    /// Every key the console reacts to; the footer, help and dialogs show these.
    pub keymap: Keymap,
    /// What uploads hold, by bucket, and the scan of every bucket.
    pub sizes: Sizes,
    /// USD per GB-month, for the cost estimate.
    pub price_per_gb_month: f64,
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
            history: None,
            journal_problem: None,
            modals: Vec::new(),
            toast: None,
            job: None,
            deletion: Deletion::default(),
            quit: false,
            coverage: HashMap::new(),
            keymap: Keymap::default(),
            sizes: Sizes::default(),
            price_per_gb_month: DEFAULT_PRICE_PER_GB_MONTH,
            next_id: 1,
        }
    }

    pub fn with_price(mut self, price_per_gb_month: f64) -> Self {
        self.price_per_gb_month = price_per_gb_month;
        self
    }

    pub fn with_keymap(mut self, keymap: Keymap) -> Self {
        self.keymap = keymap;
        self
    }

    /// The commands to run at start-up.
    pub fn start(&mut self) -> Vec<Command> {
        vec![self.load_buckets()]
    }

    fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// The pane the keys go to when nothing is open over it.
    pub fn scope(&self) -> Scope {
        if self.history.is_some() {
            return Scope::History;
        }
        match &self.bucket {
            None => Scope::Buckets,
            Some(view) => match view.tab {
                Tab::Files => Scope::Files,
                Tab::Uploads => Scope::Uploads,
                Tab::Lifecycle => Scope::Lifecycle,
            },
        }
    }

    /// The top of the modal stack: what gets the next key.
    pub fn modal(&self) -> Option<&Modal> {
        self.modals.last()
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
        if let Some(view) = &mut self.history {
            view.listing.table.settle();
        }
        self.settle_sizes();
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
                if let Some(view) = &mut self.bucket {
                    view.uploads.table.prepare(UPLOAD_FIXED_SORTS);
                }
                self.prioritize_visible()
            }
            Action::BucketsLoaded { request, result } => self.on_buckets_loaded(request, result),
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
            } => self.on_uploads_page(request, result, done),
            Action::Aborted {
                job,
                upload,
                result,
            } => {
                self.on_aborted(job, upload, result);
                vec![]
            }
            Action::Paced { job, pace } => {
                self.on_paced(job, pace);
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
            Action::Delete(DeleteEvent::BucketCounted {
                request,
                bucket,
                result,
            }) => self.on_bucket_counted(request, bucket, result),
            Action::Delete(DeleteEvent::PrefixListed {
                request,
                bucket,
                prefix,
                result,
            }) => {
                self.on_prefix_listed(request, bucket, prefix, result);
                vec![]
            }
            Action::Delete(DeleteEvent::Progress { job, progress }) => {
                self.on_delete_progress(job, progress);
                vec![]
            }
            Action::Delete(DeleteEvent::ObjectsDeleted { job, report }) => {
                self.on_objects_deleted(job, report)
            }
            Action::Delete(DeleteEvent::BucketDeleted {
                job,
                bucket,
                result,
            }) => self.on_bucket_deleted(job, bucket, result),
            Action::Delete(DeleteEvent::BucketPurged { job, report }) => {
                self.on_bucket_purged(job, report)
            }
            Action::HistoryLoaded {
                request,
                journal,
                result,
            } => {
                self.on_history_loaded(request, journal, result);
                vec![]
            }
            Action::JournalFailed { problem } => {
                self.on_journal_failed(problem);
                vec![]
            }
            Action::Sizes(event) => self.on_size_event(event),
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

    /// How the screen names the first key of an action, for messages that mention it.
    fn key_name(&self, scope: Scope, intent: Intent) -> String {
        self.keymap.first(scope, intent)
    }

    fn refuse_if_read_only(&mut self, what: &str) -> bool {
        if self.read_only {
            self.toast(Level::Error, format!("read-only mode: {what} is disabled"));
        }
        self.read_only
    }

    /// A key that is not UTF-8 cannot be named in a request: say so instead of acting.
    fn refuse_undecodable(&mut self, shown_key: &str) {
        self.toast(
            Level::Warn,
            format!("{shown_key}: {}", S3Error::undecodable_key().message),
        );
    }

    fn refuse_if_busy(&mut self) -> bool {
        if self.job.is_some() {
            let cancel = self.key_name(Scope::Job, Intent::Cancel);
            self.toast(
                Level::Warn,
                format!("another job is running: wait for it or press {cancel} to cancel it"),
            );
            return true;
        }
        false
    }
}
