//! What incomplete uploads cost, in the console: each upload's size (cached per bucket, so a
//! bucket opened again or listed again is not read twice), the scan that fills the bucket
//! list's Uploads / Size / Oldest columns, the account summary, the uploads pane's age chart,
//! and one upload's details. No I/O: sizes arrive as [`SizeEvent`]s.
//!
//! Longer than 600 lines on purpose: sizes, the scan, the summary and the chart all read and
//! update one per-bucket cache, and an abort must change them together.

use std::collections::{HashMap, HashSet};
use std::ops::Deref;

use super::rows::{FIRST_SCAN_SORT, FIRST_SIZE_SORT, RowIndex};
use super::uploads::row_fingerprint;
use super::{App, Modal, RowState, Tab, UploadRow};
use crate::action::{Command, JobId, RequestId, SizeCommand, SizeEvent};
use crate::ops::cost::{AccountSummary, AgeHistogram};
use crate::ops::sizes::{BucketTotals, Measured, ScanEvent, Size};
use crate::s3::{Bucket, PartsSummary, S3Error, Timestamp, Upload, UploadParts, UploadRef};

/// While sizes stream in, a pane sorted by size is sorted again at most this often.
const RESORT_MILLIS: u64 = 250;
/// A chart over this many rows is recounted at most every [`RESORT_MILLIS`].
const LARGE_PANE: usize = 20_000;

/// A bucket in the bucket list, with what the scan found in it.
#[derive(Debug, Clone, PartialEq)]
pub struct BucketRow {
    pub bucket: Bucket,
    pub scan: BucketScan,
}

impl Deref for BucketRow {
    type Target = Bucket;

    fn deref(&self) -> &Bucket {
        &self.bucket
    }
}

impl From<Bucket> for BucketRow {
    fn from(bucket: Bucket) -> Self {
        BucketRow {
            bucket,
            scan: BucketScan::Waiting,
        }
    }
}

/// A bucket's incomplete uploads in numbers, once the scan has read them.
#[derive(Debug, Clone, PartialEq)]
pub enum BucketScan {
    Waiting,
    Done(BucketTotals),
    /// The bucket could not be read: why.
    Failed(S3Error),
}

impl BucketScan {
    pub fn totals(&self) -> Option<&BucketTotals> {
        match self {
            BucketScan::Done(totals) => Some(totals),
            _ => None,
        }
    }
}

/// An upload row's size in 8 bytes (a million rows hold 8 MB, not 40, before any is read):
/// nothing until ListParts has answered, then its answer, boxed. The reason for an unknown one
/// stays in the cache.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowSize(Option<Box<SizeRead>>);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SizeRead {
    Known(PartsSummary),
    /// ListParts failed or could not be parsed; the details say why.
    Unknown,
}

/// What a [`RowSize`] holds, to match on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeState<'a> {
    /// Not read yet.
    Unread,
    Known(&'a PartsSummary),
    Unknown,
}

impl RowSize {
    pub const UNREAD: RowSize = RowSize(None);

    pub fn state(&self) -> SizeState<'_> {
        match self.0.as_deref() {
            None => SizeState::Unread,
            Some(SizeRead::Known(summary)) => SizeState::Known(summary),
            Some(SizeRead::Unknown) => SizeState::Unknown,
        }
    }

    pub fn is_unread(&self) -> bool {
        self.0.is_none()
    }

    pub fn summary(&self) -> Option<&PartsSummary> {
        match self.state() {
            SizeState::Known(summary) => Some(summary),
            _ => None,
        }
    }
}

impl From<&Size> for RowSize {
    fn from(size: &Size) -> Self {
        RowSize(Some(Box::new(match size {
            Size::Known(summary) => SizeRead::Known(*summary),
            Size::Unknown(_) => SizeRead::Unknown,
        })))
    }
}

/// One cached upload in 16 bytes: a bucket of a million takes 50 MB of map, not 130.
#[derive(Debug)]
struct Cached {
    /// [`NO_TIME`] when the listing gave none.
    initiated: Timestamp,
    /// `None` while it is being read: counted as an upload, without bytes yet.
    size: Option<Box<Size>>,
}

const NO_TIME: Timestamp = Timestamp::MIN;

impl Cached {
    fn new(initiated: Option<Timestamp>, size: Option<Size>) -> Self {
        Cached {
            initiated: initiated.unwrap_or(NO_TIME),
            size: size.map(Box::new),
        }
    }

    fn initiated(&self) -> Option<Timestamp> {
        (self.initiated != NO_TIME).then_some(self.initiated)
    }
}

/// The scan of every bucket: how far it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanProgress {
    pub id: JobId,
    pub buckets: usize,
    pub done: usize,
    pub finished: bool,
}

/// One bucket's uploads with what they hold, and their totals kept in step, so a frame never
/// adds up a hundred thousand uploads again.
#[derive(Debug, Default)]
struct BucketSizes {
    uploads: HashMap<u64, Cached>,
    totals: BucketTotals,
    /// The oldest upload went: find the next oldest before the totals are shown.
    oldest_stale: bool,
}

impl BucketSizes {
    fn count(&mut self, cached: &Cached, sign: i64) {
        let apply = |total: &mut u64, n: u64| {
            *total = if sign > 0 {
                total.saturating_add(n)
            } else {
                total.saturating_sub(n)
            }
        };
        apply(&mut self.totals.uploads, 1);
        match cached.size.as_deref() {
            Some(Size::Known(summary)) => {
                apply(&mut self.totals.parts, summary.parts);
                apply(&mut self.totals.bytes, summary.bytes);
            }
            Some(Size::Unknown(_)) => apply(&mut self.totals.unknown, 1),
            None => {}
        }
        if sign > 0 {
            self.totals.oldest = match (self.totals.oldest, cached.initiated()) {
                (Some(oldest), Some(started)) => Some(oldest.min(started)),
                (oldest, started) => oldest.or(started),
            };
        } else if cached.initiated().is_some() && cached.initiated() == self.totals.oldest {
            self.oldest_stale = true;
        }
    }

    fn insert(&mut self, fingerprint: u64, cached: Cached) {
        self.count(&cached, 1);
        if let Some(previous) = self.uploads.insert(fingerprint, cached) {
            self.count(&previous, -1);
        }
    }

    fn remove(&mut self, fingerprint: u64) -> bool {
        match self.uploads.remove(&fingerprint) {
            Some(gone) => {
                self.count(&gone, -1);
                true
            }
            None => false,
        }
    }

    fn retain(&mut self, kept: &HashSet<u64>) {
        let gone: Vec<u64> = self
            .uploads
            .keys()
            .filter(|fingerprint| !kept.contains(fingerprint))
            .copied()
            .collect();
        for fingerprint in gone {
            self.remove(fingerprint);
        }
    }

    fn totals(&mut self) -> BucketTotals {
        if self.oldest_stale {
            self.totals.oldest = self.uploads.values().filter_map(Cached::initiated).min();
            self.oldest_stale = false;
        }
        self.totals
    }
}

/// Every size the console has read, by bucket and upload.
#[derive(Debug, Default)]
pub struct Sizes {
    by_bucket: HashMap<String, BucketSizes>,
    /// Buckets whose totals changed since the last frame.
    dirty: HashSet<String>,
    /// What the scan has reported so far in each bucket, to forget what it no longer finds.
    seen: HashMap<String, HashSet<u64>>,
    pub scan: Option<ScanProgress>,
}

impl Sizes {
    pub fn get(&self, bucket: &str, upload: &Upload) -> Option<&Size> {
        self.by_bucket
            .get(bucket)?
            .uploads
            .get(&row_fingerprint(&upload.key, &upload.upload_id))
            .and_then(|cached| cached.size.as_deref())
    }

    fn put(&mut self, bucket: &str, upload: &Upload, size: Option<Size>) -> u64 {
        let fingerprint = row_fingerprint(&upload.key, &upload.upload_id);
        self.by_bucket
            .entry(bucket.to_owned())
            .or_default()
            .insert(fingerprint, Cached::new(upload.initiated, size));
        self.dirty.insert(bucket.to_owned());
        fingerprint
    }

    fn forget(&mut self, bucket: &str, fingerprint: u64) {
        if let Some(uploads) = self.by_bucket.get_mut(bucket)
            && uploads.remove(fingerprint)
        {
            self.dirty.insert(bucket.to_owned());
        }
    }

    /// Keeps only `kept` of a bucket's uploads: a complete listing or scan found no others.
    fn keep_only(&mut self, bucket: &str, kept: &HashSet<u64>) {
        if let Some(uploads) = self.by_bucket.get_mut(bucket) {
            uploads.retain(kept);
            self.dirty.insert(bucket.to_owned());
        }
    }

    fn totals(&mut self, bucket: &str) -> BucketTotals {
        self.by_bucket
            .get_mut(bucket)
            .map(BucketSizes::totals)
            .unwrap_or_default()
    }
}

/// What the uploads pane keeps for its sizes.
#[derive(Debug, Default)]
pub struct PaneSizes {
    /// Where each upload's row is, to put an arriving size in it.
    rows: RowIndex,
    /// Uploads already asked for ahead of the rest (they were on screen).
    prioritized: HashSet<u64>,
    /// Sizes arrived since the last sort by a size column.
    changed: bool,
    last_sort: u64,
    /// The age chart is shown above the list.
    pub show_chart: bool,
    /// Uploads by age, counted over the rows not aborted.
    pub histogram: AgeHistogram,
    histogram_stale: bool,
    last_count: u64,
}

impl PaneSizes {
    pub(super) fn prioritized_clear(&mut self) {
        self.prioritized.clear();
    }
}

/// One upload's details (Enter on an upload): what the list knows, then what ListParts says.
#[derive(Debug, Clone, PartialEq)]
pub struct UploadDetails {
    pub bucket: String,
    pub upload: Upload,
    /// What was known when it opened (the unknown reason among it).
    pub size: Option<Size>,
    /// Every part, once read.
    pub parts: Option<Result<UploadParts, S3Error>>,
    pub request: RequestId,
    /// First part row shown.
    pub scroll: usize,
}

impl App {
    /// Sizes every upload of every listed bucket, for the bucket list and the summary.
    pub(super) fn start_scan(&mut self) -> Vec<Command> {
        let mut commands = Vec::new();
        if let Some(old) = self.sizes.scan.take()
            && !old.finished
        {
            commands.push(Command::CancelJob { job: old.id });
        }
        self.sizes.seen.clear();
        let buckets: Vec<Bucket> = self
            .buckets
            .table
            .items
            .iter()
            .map(|row| row.bucket.clone())
            .collect();
        if buckets.is_empty() {
            return commands;
        }
        let scan = self.next_id();
        self.sizes.scan = Some(ScanProgress {
            id: scan,
            buckets: buckets.len(),
            done: 0,
            finished: false,
        });
        commands.push(Command::Sizes(SizeCommand::ScanBuckets { scan, buckets }));
        commands
    }

    pub(super) fn on_size_event(&mut self, event: SizeEvent) -> Vec<Command> {
        match event {
            SizeEvent::Scan { scan, event } => {
                if self.sizes.scan.is_some_and(|s| s.id == scan) {
                    return self.on_scan_event(event);
                }
            }
            SizeEvent::ScanFinished { scan } => {
                if let Some(progress) = self.sizes.scan.as_mut().filter(|s| s.id == scan) {
                    progress.finished = true;
                }
            }
            SizeEvent::Measured {
                request,
                bucket,
                upload,
                result,
            } => self.on_measured(request, &bucket, &upload, result),
            SizeEvent::PartsRead {
                request,
                bucket,
                upload,
                result,
            } => self.on_parts_read(request, &bucket, &upload, result),
        }
        vec![]
    }

    fn on_scan_event(&mut self, event: ScanEvent) -> Vec<Command> {
        match event {
            ScanEvent::Sized { bucket, uploads } => {
                for (upload, size) in uploads {
                    let fingerprint = self.sizes.put(&bucket, &upload, Some(size.clone()));
                    self.sizes
                        .seen
                        .entry(bucket.clone())
                        .or_default()
                        .insert(fingerprint);
                    self.fill_row(&bucket, &UploadRef::from(&upload), &size);
                }
                vec![]
            }
            ScanEvent::BucketDone { bucket, result } => {
                if let Some(progress) = &mut self.sizes.scan {
                    progress.done += 1;
                }
                let scan = match result {
                    Ok(_) => {
                        let seen = self.sizes.seen.remove(&bucket).unwrap_or_default();
                        self.sizes.keep_only(&bucket, &seen);
                        BucketScan::Done(self.sizes.totals(&bucket))
                    }
                    Err(err) => BucketScan::Failed(err),
                };
                if let Some(row) = self
                    .buckets
                    .table
                    .items
                    .iter_mut()
                    .find(|r| r.name == bucket)
                {
                    row.scan = scan;
                }
                self.resort_buckets_if_by_scan();
                // What the scan did not size (it failed, or the uploads are newer): the pane's own.
                let shown = self.bucket.as_ref().is_some_and(|v| v.name == bucket);
                if shown {
                    self.queue_unread_rows()
                } else {
                    vec![]
                }
            }
        }
    }

    fn on_measured(
        &mut self,
        request: RequestId,
        bucket: &str,
        upload: &UploadRef,
        result: Measured,
    ) {
        let size = match result {
            Ok(Some(size)) => {
                let row = self.row_of(bucket, upload);
                let listed = Upload {
                    key: upload.key().into(),
                    upload_id: upload.upload_id().into(),
                    initiated: row.and_then(|row| row.upload.initiated()),
                    storage_class: None,
                    key_undecodable: row.is_some_and(|row| row.upload.key_undecodable()),
                };
                self.sizes.put(bucket, &listed, Some(size.clone()));
                size
            }
            Ok(None) => {
                self.sizes
                    .forget(bucket, row_fingerprint(upload.key(), &upload.upload_id()));
                Size::Unknown(
                    "this upload no longer exists (completed or aborted elsewhere)".into(),
                )
            }
            // Not cached: another look (the list read again) may succeed.
            Err(err) => Size::Unknown(err.display_line()),
        };
        if self
            .bucket
            .as_ref()
            .is_some_and(|v| v.uploads.request == request)
        {
            self.fill_row(bucket, upload, &size);
        }
    }

    fn on_parts_read(
        &mut self,
        request: RequestId,
        bucket: &str,
        upload: &UploadRef,
        result: Result<UploadParts, S3Error>,
    ) {
        let Some(Modal::Details(details)) = self.modals.last_mut() else {
            return;
        };
        if details.request != request {
            return;
        }
        if let Ok(parts) = &result {
            let size = Size::Known(parts.summary);
            details.size = Some(size.clone());
            let listed = details.upload.clone();
            self.sizes.put(bucket, &listed, Some(size.clone()));
            self.fill_row(bucket, upload, &size);
        }
        if let Some(Modal::Details(details)) = self.modals.last_mut() {
            details.parts = Some(result);
        }
    }

    fn row_of(&mut self, bucket: &str, upload: &UploadRef) -> Option<&UploadRow> {
        let view = self.bucket.as_mut().filter(|v| v.name == bucket)?;
        let items = &view.uploads.table.items;
        items.get(view.sizes.rows.position(items, upload)?)
    }

    /// Puts a size in the open pane's row for that upload, if the pane shows it.
    fn fill_row(&mut self, bucket: &str, upload: &UploadRef, size: &Size) {
        let Some(view) = self.bucket.as_mut().filter(|v| v.name == bucket) else {
            return;
        };
        if let Some(row) = view.sizes.rows.find(&mut view.uploads.table.items, upload) {
            row.size = RowSize::from(size);
            view.sizes.changed = true;
            view.sizes.histogram_stale = true;
        }
    }

    /// New rows of the uploads pane: sizes already read go in at once, the others are asked
    /// for (behind whatever is on screen).
    pub(super) fn size_new_rows(&mut self, first_new: usize) -> Vec<Command> {
        let Some(view) = &mut self.bucket else {
            return vec![];
        };
        view.sizes.rows.extend(&view.uploads.table.items, first_new);
        view.sizes.changed = true;
        view.sizes.histogram_stale = true;
        let scan = self
            .buckets
            .table
            .items
            .iter()
            .find(|row| row.name == view.name);
        // Unread uploads count in the bucket's totals at once (their bytes follow), where the
        // bucket list shows totals; elsewhere the scan will count them.
        let totals_shown = scan.is_some_and(|row| matches!(row.scan, BucketScan::Done(_)));
        // The scan will size them anyway: asking twice would halve both. Rows on screen go
        // ahead all the same (`prioritize_visible`).
        let scan_pending = self.sizes.scan.is_some_and(|s| !s.finished)
            && scan.is_some_and(|row| row.scan == BucketScan::Waiting);
        let cached = self.sizes.by_bucket.entry(view.name.clone()).or_default();
        if cached.uploads.is_empty() && !totals_shown && scan_pending {
            // Nothing to fill in, count or ask for: a million rows cost no hashing here.
            return vec![];
        }
        let mut unread = Vec::new();
        for row in view.uploads.table.items.iter_mut().skip(first_new) {
            let fingerprint = row_fingerprint(row.upload.key(), &row.upload.upload_id());
            match cached.uploads.get(&fingerprint) {
                Some(Cached {
                    size: Some(size), ..
                }) => row.size = RowSize::from(&**size),
                Some(Cached { size: None, .. }) => unread.push(row.upload.clone()),
                None => {
                    if totals_shown {
                        cached.insert(fingerprint, Cached::new(row.upload.initiated(), None));
                    }
                    unread.push(row.upload.clone());
                }
            }
        }
        self.sizes.dirty.insert(view.name.clone());
        if unread.is_empty() || scan_pending {
            return vec![];
        }
        vec![Command::Sizes(SizeCommand::MeasureUploads {
            request: view.uploads.request,
            bucket: view.name.clone(),
            uploads: unread,
            first: false,
        })]
    }

    /// Every row of the pane still without a size, not already asked for, to the workers.
    fn queue_unread_rows(&mut self) -> Vec<Command> {
        let Some(view) = &self.bucket else {
            return vec![];
        };
        let unread: Vec<UploadRef> = view
            .uploads
            .table
            .items
            .iter()
            .filter(|row| row.size.is_unread())
            .filter(|row| {
                !view
                    .sizes
                    .prioritized
                    .contains(&row_fingerprint(row.upload.key(), &row.upload.upload_id()))
            })
            .map(|row| row.upload.clone())
            .collect();
        if unread.is_empty() {
            return vec![];
        }
        vec![Command::Sizes(SizeCommand::MeasureUploads {
            request: view.uploads.request,
            bucket: view.name.clone(),
            uploads: unread,
            first: false,
        })]
    }

    /// The pane's rows moved (cleared, or aborted rows removed): find them again.
    pub(super) fn reindex_upload_rows(&mut self) {
        let Some(view) = &mut self.bucket else { return };
        view.sizes.rows = RowIndex::of(&view.uploads.table.items);
        view.sizes.histogram_stale = true;
    }

    /// The complete listing of a bucket's uploads: sizes of uploads it no longer holds go.
    pub(super) fn forget_unlisted(&mut self) {
        let Some(view) = &self.bucket else { return };
        if self
            .sizes
            .by_bucket
            .get(&view.name)
            .is_none_or(|cached| cached.uploads.is_empty())
        {
            return;
        }
        let listed: HashSet<u64> = view
            .uploads
            .table
            .items
            .iter()
            .map(|row| row_fingerprint(row.upload.key(), &row.upload.upload_id()))
            .collect();
        self.sizes.keep_only(&view.name.clone(), &listed);
    }

    /// An upload was aborted (or found gone): it costs nothing any more.
    pub(super) fn forget_size(&mut self, bucket: &str, upload: &UploadRef) {
        self.sizes
            .forget(bucket, row_fingerprint(upload.key(), &upload.upload_id()));
        if let Some(view) = self.bucket.as_mut().filter(|v| v.name == bucket) {
            view.sizes.histogram_stale = true;
        }
    }

    /// The rows on screen that have no size yet go ahead of the rest (on each tick).
    pub(super) fn prioritize_visible(&mut self) -> Vec<Command> {
        let Some(view) = self.bucket.as_mut().filter(|v| v.tab == Tab::Uploads) else {
            return vec![];
        };
        let table = &view.uploads.table;
        let shown = table.page.get().max(1);
        let selected = table.selected_position();
        let offset = table
            .offset
            .get()
            .max((selected + 1).saturating_sub(shown))
            .min(selected);
        let wanted: Vec<UploadRef> = table
            .window(offset, shown)
            .filter(|row| row.size.is_unread())
            .filter(|row| {
                view.sizes
                    .prioritized
                    .insert(row_fingerprint(row.upload.key(), &row.upload.upload_id()))
            })
            .map(|row| row.upload.clone())
            .collect();
        if wanted.is_empty() {
            return vec![];
        }
        vec![Command::Sizes(SizeCommand::MeasureUploads {
            request: view.uploads.request,
            bucket: view.name.clone(),
            uploads: wanted,
            first: true,
        })]
    }

    /// Before a frame: totals of buckets whose uploads changed, the pane's order when sorted
    /// by size, and its age chart.
    pub(super) fn settle_sizes(&mut self) {
        let dirty: Vec<String> = self.sizes.dirty.drain().collect();
        let mut changed = false;
        for bucket in dirty {
            if let Some(row) = self
                .buckets
                .table
                .items
                .iter_mut()
                .find(|r| r.name == bucket && matches!(r.scan, BucketScan::Done(_)))
            {
                row.scan = BucketScan::Done(self.sizes.totals(&bucket));
                changed = true;
            }
        }
        if changed {
            self.resort_buckets_if_by_scan();
        }
        let (now, millis) = (self.now, self.millis);
        let Some(view) = &mut self.bucket else { return };
        let table = &mut view.uploads.table;
        let streaming = view.uploads.loading;
        let sorted_by_size = table.sort >= FIRST_SIZE_SORT;
        let due = !streaming || millis.saturating_sub(view.sizes.last_sort) >= RESORT_MILLIS;
        if view.sizes.changed && sorted_by_size && due {
            table.resort();
            view.sizes.last_sort = millis;
        }
        if view.sizes.changed && due {
            view.sizes.changed = false;
        }
        let large = table.items.len() > LARGE_PANE;
        let count_due = !large || millis.saturating_sub(view.sizes.last_count) >= RESORT_MILLIS;
        if view.sizes.show_chart && view.sizes.histogram_stale && count_due {
            let mut histogram = AgeHistogram::default();
            for row in table.items.iter().filter(|r| r.state != RowState::Done) {
                histogram.add(
                    row.upload.initiated(),
                    row.size.summary().map(|s| s.bytes),
                    now,
                );
            }
            view.sizes.histogram = histogram;
            view.sizes.histogram_stale = false;
            view.sizes.last_count = millis;
        }
    }

    fn resort_buckets_if_by_scan(&mut self) {
        let table = &mut self.buckets.table;
        if table.sort >= FIRST_SCAN_SORT {
            table.resort();
        }
    }

    /// Every bucket's totals together, for the summary line.
    pub fn account_summary(&self) -> AccountSummary {
        AccountSummary::of(
            self.buckets
                .table
                .items
                .iter()
                .filter(|row| !matches!(row.scan, BucketScan::Waiting))
                .map(|row| row.scan.totals()),
        )
    }

    pub(super) fn toggle_chart(&mut self) {
        if let Some(view) = &mut self.bucket {
            view.sizes.show_chart = !view.sizes.show_chart;
            view.sizes.histogram_stale = true;
        }
    }

    /// Enter on an upload: its details, and its parts read at once.
    pub(super) fn open_details(&mut self) -> Vec<Command> {
        let Some(view) = &self.bucket else {
            return vec![];
        };
        let Some(row) = view.uploads.table.selected() else {
            return vec![];
        };
        let bucket = view.name.clone();
        let upload = row.upload.to_upload();
        let size = self.sizes.get(&bucket, &upload).cloned();
        let request = self.next_id();
        self.push_modal(Modal::Details(Box::new(UploadDetails {
            bucket: bucket.clone(),
            upload: upload.clone(),
            size,
            parts: None,
            request,
            scroll: 0,
        })));
        vec![Command::Sizes(SizeCommand::ReadParts {
            request,
            bucket,
            upload,
        })]
    }
}
