//! Every incomplete upload of a bucket, fast where each page is a slow round trip.
//!
//! ListMultipartUploads is paged, each page after the last: a million uploads at 30 ms a page
//! is 30 s at best. Here the key space is split on the delimiter's sub-prefixes, their pages
//! load side by side (at most [`PAGES_IN_FLIGHT`] at once), and the pieces come back merged
//! in key order, each page as soon as every key before it is out.
//!
//! One stretch of keys (a [`Range`]) is listed so:
//! 1. One plain page. If that was all, done: a small prefix costs one request.
//! 2. If there is more, and the page's rows fall in few sub-prefixes (many rows each), the
//!    rest is listed with the delimiter from where that page ended: direct uploads come back
//!    as rows, sub-prefixes as new ranges (small neighbours grouped so that each is about half
//!    a page), listed in parallel in the same way. The sub-prefix the page ended inside goes
//!    on from there as a range of its own.
//! 3. If the rows fall in many sub-prefixes (a few rows each), a range per sub-prefix would
//!    cost a request per handful of rows: the next plain page follows, and step 2 is
//!    considered again.
//!
//! A bucket with nothing to split on is therefore paged sequentially, as before.

use std::cmp::Ordering;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};

use futures::Stream;
use tokio::sync::Semaphore;
use tokio::sync::mpsc::{
    UnboundedReceiver, UnboundedSender, error::TryRecvError, unbounded_channel,
};
use tokio_util::sync::{CancellationToken, DropGuard};

use crate::s3::{ErrorKind, MAX_PAGE, S3, S3Error, Upload, UploadMarker, UploadPage};

/// Where keys are split into sub-prefixes, as in the console's folders.
pub const DELIMITER: char = '/';

/// ListMultipartUploads requests in flight at once, for one listing.
pub const PAGES_IN_FLIGHT: usize = 16;

/// The first delimiter page's size where sub-prefixes are expected.
const DISCOVERY_PAGE: i32 = 100;

/// A piece is split only when its rows average at least this many per sub-prefix.
const ROWS_PER_PREFIX_TO_SPLIT: usize = 4;

/// Rows handed on at once when several pieces are ready together.
const BATCH: usize = 1_000;

/// Every incomplete upload in `bucket` under `prefix`, in key order, page by page as they
/// arrive. Each upload (key and upload id) comes once, even if the server repeats it. Dropping
/// the stream stops every request it started.
pub fn uploads(
    s3: &S3,
    bucket: &str,
    prefix: Option<&str>,
    page_size: Option<i32>,
) -> impl Stream<Item = Result<Vec<Upload>, S3Error>> + Send + 'static {
    uploads_counted(s3, bucket, prefix, page_size, Arc::default())
}

/// What a listing cost: for the bench, and for tests that check a listing was split.
#[derive(Debug, Default)]
pub struct ListingCounts {
    /// ListMultipartUploads requests sent.
    pub requests: AtomicUsize,
    /// Ranges listed by a task of their own (1 when nothing was split).
    pub ranges: AtomicUsize,
}

/// [`uploads`], counting its requests and ranges into `counts`.
pub fn uploads_counted(
    s3: &S3,
    bucket: &str,
    prefix: Option<&str>,
    page_size: Option<i32>,
    counts: Arc<ListingCounts>,
) -> impl Stream<Item = Result<Vec<Upload>, S3Error>> + Send + 'static {
    let (failures_tx, failures) = unbounded_channel();
    let cancel = CancellationToken::new();
    let lister = Arc::new(Lister {
        s3: s3.clone(),
        bucket: bucket.to_owned(),
        page_size,
        slots: Semaphore::new(PAGES_IN_FLIGHT),
        cancel: cancel.clone(),
        failures: failures_tx,
        counts,
    });
    let merge = Merge {
        lister,
        root: Some(Range {
            prefix: prefix.unwrap_or_default().to_owned(),
            after: None,
            before: None,
        }),
        stack: Vec::new(),
        failures,
        seen: InKeyOrder::default(),
        done: false,
        _stop_on_drop: cancel.drop_guard(),
    };
    futures::stream::unfold(merge, |mut merge| async move {
        let next = merge.next().await?;
        Some((next, merge))
    })
}

/// A stretch of the key space that one task lists.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Range {
    /// The request's prefix: every key in the range starts with it.
    prefix: String,
    /// Listed already up to here.
    after: Option<UploadMarker>,
    /// Keys from this one on belong to a later range.
    before: Option<String>,
}

impl Range {
    fn holds(&self, key: &str) -> bool {
        key.starts_with(&self.prefix) && self.before.as_deref().is_none_or(|end| key < end)
    }

    fn is_past(&self, key: &str) -> bool {
        self.before.as_deref().is_some_and(|end| key >= end)
    }

    /// Moves on to `next`, refusing a marker that does not move forward (a server that would
    /// otherwise have us loop).
    fn advance(&mut self, next: UploadMarker) -> Result<(), S3Error> {
        if let Some(previous) = &self.after
            && (next.key < previous.key || next == *previous)
        {
            return Err(S3Error::new(
                ErrorKind::Protocol,
                format!(
                    "the server sent a paging marker that does not move forward (key {:?}); stopped instead of looping",
                    next.key
                ),
            ));
        }
        self.after = Some(next);
        Ok(())
    }

    /// The page's rows that belong here, in key order. Rows before the marker were listed
    /// already (a server repeating itself).
    fn keep(&self, mut uploads: Vec<Upload>) -> Vec<Upload> {
        let after = self.after.as_ref().map(|m| m.key.as_str());
        uploads.retain(|u| self.holds(&u.key) && after.is_none_or(|after| *u.key >= *after));
        uploads.sort_unstable_by(|a, b| (&a.key, &a.upload_id).cmp(&(&b.key, &b.upload_id)));
        uploads
    }
}

/// The sub-prefix of `key` one level below `prefix`: `a/b/` for `a/b/c/d` under `a/`.
fn sub_prefix<'k>(prefix: &str, key: &'k str) -> Option<&'k str> {
    let rest = key.strip_prefix(prefix)?;
    let end = rest.find(DELIMITER)?;
    Some(&key[..prefix.len() + end + DELIMITER.len_utf8()])
}

/// The first string after every key that starts with `prefix` (which ends in the delimiter).
fn past_prefix(prefix: &str) -> String {
    let stem = prefix.strip_suffix(DELIMITER).unwrap_or(prefix);
    let next = char::from_u32(DELIMITER as u32 + 1).unwrap_or(DELIMITER);
    format!("{stem}{next}")
}

/// How many sub-prefixes `rows` (in key order) fall in.
fn spread(prefix: &str, rows: &[Upload]) -> usize {
    let mut count = 0;
    let mut last: Option<&str> = None;
    for row in rows {
        if let Some(sub) = sub_prefix(prefix, &row.key)
            && last != Some(sub)
        {
            count += 1;
            last = Some(sub);
        }
    }
    count
}

/// Whether a page of `rows` rows over `spread` sub-prefixes is worth splitting: always when
/// the page did not leave one sub-prefix.
fn worth_splitting(rows: usize, spread: usize) -> bool {
    spread <= 1 || spread * ROWS_PER_PREFIX_TO_SPLIT <= rows
}

/// Sub-prefixes per range, so that a range holds about half a page if the prefixes ahead are
/// like those seen.
fn group_size(spread: usize) -> usize {
    (spread / 2).max(1)
}

/// What the next range's listing starts after.
enum Boundary {
    /// An upload key: every upload of it is listed.
    Key(String),
    /// A sub-prefix: everything under it is listed.
    Prefix(String),
}

impl Boundary {
    fn marker(&self) -> UploadMarker {
        let key = match self {
            Boundary::Key(key) => key.clone(),
            Boundary::Prefix(prefix) => past_prefix(prefix),
        };
        UploadMarker {
            key,
            upload_id: None,
        }
    }
}

enum Piece {
    Rows(Vec<Upload>),
    /// A sub-range, listed in parallel; its rows come next in key order.
    Range(UnboundedReceiver<Piece>),
    Failed(S3Error),
}

struct Lister {
    s3: S3,
    bucket: String,
    page_size: Option<i32>,
    slots: Semaphore,
    cancel: CancellationToken,
    /// A failure anywhere ends the listing at once, not when the merge reaches its range.
    failures: UnboundedSender<S3Error>,
    counts: Arc<ListingCounts>,
}

impl Lister {
    /// One page, when a slot is free; `None` once the listing was dropped.
    async fn page(
        &self,
        prefix: &str,
        delimiter: bool,
        after: Option<&UploadMarker>,
        size: Option<i32>,
    ) -> Result<Option<UploadPage>, S3Error> {
        let delimiter = delimiter.then(|| DELIMITER.to_string());
        let request = async {
            let _slot = self.slots.acquire().await;
            self.counts.requests.fetch_add(1, AtomicOrdering::Relaxed);
            self.s3
                .list_uploads_page(&self.bucket, prefix, delimiter.as_deref(), after, size)
                .await
        };
        tokio::select! {
            _ = self.cancel.cancelled() => Ok(None),
            page = request => page.map(Some),
        }
    }

    fn spawn(self: &Arc<Self>, range: Range) -> UnboundedReceiver<Piece> {
        self.counts.ranges.fetch_add(1, AtomicOrdering::Relaxed);
        let (tx, rx) = unbounded_channel();
        let lister = self.clone();
        tokio::spawn(async move {
            if let Err(err) = lister.list(range, &tx).await {
                let _ = lister.failures.send(err.clone());
                let _ = tx.send(Piece::Failed(err));
            }
        });
        rx
    }

    /// Lists `range` into `out`; returns early (and quietly) once nobody listens.
    async fn list(
        self: &Arc<Self>,
        mut range: Range,
        out: &UnboundedSender<Piece>,
    ) -> Result<(), S3Error> {
        loop {
            let Some(page) = self
                .page(&range.prefix, false, range.after.as_ref(), self.page_size)
                .await?
            else {
                return Ok(());
            };
            let ended = page.uploads.iter().any(|u| range.is_past(&u.key));
            let rows = range.keep(page.uploads);
            let (count, spread) = (rows.len(), spread(&range.prefix, &rows));
            if out.send(Piece::Rows(rows)).is_err() {
                return Ok(());
            }
            match page.next {
                Some(next) if !ended && range.holds(&next.key) => range.advance(next)?,
                _ => return Ok(()),
            }
            if worth_splitting(count, spread) {
                match self.split(range, spread, out).await? {
                    Some(unreadable) => range = unreadable,
                    None => return Ok(()),
                }
            }
        }
    }

    /// Lists the rest of `range` (after its marker) with the delimiter, handing each
    /// sub-prefix (or group of `group` neighbours) to a range of its own. Returns what is left
    /// to list without the delimiter when a page with it could not be read.
    async fn split(
        self: &Arc<Self>,
        mut range: Range,
        spread: usize,
        out: &UnboundedSender<Piece>,
    ) -> Result<Option<Range>, S3Error> {
        let group = group_size(spread);
        // Where sub-prefixes are expected, the first pages are small: Garage reads up to a
        // page of keys under each prefix it rolls up, so a full page would read most of the
        // bucket before the first sub-range could start. Pages grow while there is more.
        let full = self.page_size.unwrap_or(MAX_PAGE);
        let mut size = if spread > 0 {
            DISCOVERY_PAGE.min(full)
        } else {
            full
        };
        let Some(start) = range.after.clone() else {
            return Ok(None);
        };
        // The sub-prefix the plain page ended inside goes on from the same marker.
        let mut last_prefix: Option<String> = None;
        let mut boundary = Boundary::Key(start.key.clone());
        if let Some(inside) = sub_prefix(&range.prefix, &start.key) {
            let rest = Range {
                prefix: inside.to_owned(),
                after: Some(start.clone()),
                before: None,
            };
            if out.send(Piece::Range(self.spawn(rest))).is_err() {
                return Ok(None);
            }
            last_prefix = Some(inside.to_owned());
            boundary = Boundary::Prefix(inside.to_owned());
        }
        loop {
            let page = match self
                .page(&range.prefix, true, range.after.as_ref(), Some(size))
                .await
            {
                Ok(Some(page)) => page,
                Ok(None) => return Ok(None),
                // A key XML cannot carry raw: the plain listing encodes it. What is already
                // handed to sub-ranges is listed twice then, and dropped once by the merge.
                Err(err) if err.kind == ErrorKind::Protocol => return Ok(Some(range)),
                Err(err) => return Err(err),
            };
            let marker = range
                .after
                .as_ref()
                .map(|m| m.key.clone())
                .unwrap_or_default();
            let mut ended = page.uploads.iter().any(|u| range.is_past(&u.key));
            let mut items: Vec<Item> = range
                .keep(page.uploads)
                .into_iter()
                .map(Item::Row)
                .collect();
            for prefix in page.prefixes {
                if !prefix.ends_with(DELIMITER)
                    || !prefix.starts_with(&range.prefix)
                    || prefix.len() <= range.prefix.len()
                {
                    return Err(S3Error::new(
                        ErrorKind::Protocol,
                        format!(
                            "the server rolled keys up into {prefix:?}, which is no sub-prefix of {:?}",
                            range.prefix
                        ),
                    ));
                }
                if range.is_past(&prefix) {
                    ended = true;
                } else if prefix > marker && last_prefix.as_ref().is_none_or(|last| prefix > *last)
                {
                    items.push(Item::Prefix(prefix));
                }
            }
            items.sort_by(Item::order);

            let mut rows = Vec::new();
            let mut prefixes: Vec<String> = Vec::new();
            let mut group_after = boundary.marker();
            for item in items {
                match item {
                    Item::Row(upload) => {
                        if !prefixes.is_empty() {
                            self.send_group(
                                &range,
                                std::mem::take(&mut prefixes),
                                &group_after,
                                out,
                            );
                        }
                        boundary = Boundary::Key(upload.key.to_string());
                        rows.push(upload);
                    }
                    Item::Prefix(prefix) => {
                        if !rows.is_empty()
                            && out.send(Piece::Rows(std::mem::take(&mut rows))).is_err()
                        {
                            return Ok(None);
                        }
                        if prefixes.is_empty() {
                            group_after = boundary.marker();
                        }
                        last_prefix = Some(prefix.clone());
                        boundary = Boundary::Prefix(prefix.clone());
                        prefixes.push(prefix);
                        if prefixes.len() >= group {
                            self.send_group(
                                &range,
                                std::mem::take(&mut prefixes),
                                &group_after,
                                out,
                            );
                        }
                    }
                }
            }
            if !prefixes.is_empty() {
                self.send_group(&range, prefixes, &group_after, out);
            }
            if !rows.is_empty() && out.send(Piece::Rows(rows)).is_err() {
                return Ok(None);
            }
            match page.next {
                Some(next) if !ended && range.holds(&next.key) => range.advance(next)?,
                _ => return Ok(None),
            }
            size = size.saturating_mul(2).min(full);
        }
    }

    /// Starts the listing of `prefixes` (neighbours, in order) as one range.
    fn send_group(
        self: &Arc<Self>,
        parent: &Range,
        prefixes: Vec<String>,
        after: &UploadMarker,
        out: &UnboundedSender<Piece>,
    ) {
        let range = match prefixes.as_slice() {
            [only] => Range {
                prefix: only.clone(),
                after: None,
                before: None,
            },
            [.., last] => Range {
                prefix: parent.prefix.clone(),
                after: Some(after.clone()),
                before: Some(past_prefix(last)),
            },
            [] => return,
        };
        // A closed channel means the listing was dropped: nothing to report.
        let _ = out.send(Piece::Range(self.spawn(range)));
    }
}

enum Item {
    Row(Upload),
    Prefix(String),
}

impl Item {
    fn key(&self) -> &str {
        match self {
            Item::Row(upload) => &upload.key,
            Item::Prefix(prefix) => prefix,
        }
    }

    fn order(a: &Item, b: &Item) -> Ordering {
        let rank = |item: &Item| matches!(item, Item::Prefix(_));
        a.key().cmp(b.key()).then_with(|| rank(a).cmp(&rank(b)))
    }
}

/// Exact de-duplication of a listing that runs in key order: only the uploads of the current
/// key need remembering.
#[derive(Default)]
struct InKeyOrder {
    key: Box<str>,
    upload_ids: Vec<Box<str>>,
}

impl InKeyOrder {
    /// True the first time an upload (key and id together) is seen. A key before the current
    /// one was listed already.
    fn first_sighting(&mut self, upload: &Upload) -> bool {
        match (*upload.key).cmp(&*self.key) {
            Ordering::Greater => {
                self.key = upload.key.clone();
                self.upload_ids.clear();
                self.upload_ids.push(upload.upload_id.clone());
                true
            }
            Ordering::Equal if !self.upload_ids.contains(&upload.upload_id) => {
                self.upload_ids.push(upload.upload_id.clone());
                true
            }
            _ => false,
        }
    }
}

/// Walks the ranges depth first, so rows come out in key order.
struct Merge {
    lister: Arc<Lister>,
    root: Option<Range>,
    stack: Vec<UnboundedReceiver<Piece>>,
    failures: UnboundedReceiver<S3Error>,
    seen: InKeyOrder,
    done: bool,
    _stop_on_drop: DropGuard,
}

impl Merge {
    async fn next(&mut self) -> Option<Result<Vec<Upload>, S3Error>> {
        if self.done {
            return None;
        }
        if let Some(root) = self.root.take() {
            self.stack.push(self.lister.spawn(root));
        }
        let mut batch: Vec<Upload> = Vec::new();
        loop {
            let Some(top) = self.stack.last_mut() else {
                self.done = true;
                return (!batch.is_empty()).then_some(Ok(batch));
            };
            let piece = if batch.is_empty() {
                tokio::select! {
                    biased;
                    Some(err) = self.failures.recv() => Some(Piece::Failed(err)),
                    piece = top.recv() => piece,
                }
            } else {
                match top.try_recv() {
                    Ok(piece) => Some(piece),
                    Err(TryRecvError::Disconnected) => None,
                    Err(TryRecvError::Empty) => return Some(Ok(batch)),
                }
            };
            match piece {
                Some(Piece::Rows(rows)) => {
                    batch.extend(rows.into_iter().filter(|u| self.seen.first_sighting(u)));
                    if batch.len() >= BATCH {
                        return Some(Ok(batch));
                    }
                }
                Some(Piece::Range(range)) => self.stack.push(range),
                Some(Piece::Failed(err)) => {
                    self.done = true;
                    self.stack.clear();
                    return Some(Err(err));
                }
                None => {
                    self.stack.pop();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upload(key: &str, id: &str) -> Upload {
        Upload {
            key: key.into(),
            upload_id: id.into(),
            initiated: None,
            storage_class: None,
            key_undecodable: false,
        }
    }

    #[test]
    fn sub_prefixes_are_one_level_below() {
        assert_eq!(sub_prefix("a/", "a/b/c/d"), Some("a/b/"));
        assert_eq!(sub_prefix("", "a/b"), Some("a/"));
        assert_eq!(sub_prefix("", "/a"), Some("/"));
        assert_eq!(sub_prefix("/", "//"), Some("//"));
        assert_eq!(sub_prefix("a/", "a/"), None);
        assert_eq!(sub_prefix("a/", "a/file"), None);
        assert_eq!(sub_prefix("b/", "a/file"), None);
        assert_eq!(sub_prefix("日本/", "日本/語/x"), Some("日本/語/"));
    }

    #[test]
    fn past_a_prefix_comes_after_all_its_keys_and_before_the_next() {
        let end = past_prefix("a/b/");
        assert_eq!(end, "a/b0");
        for inside in ["a/b/", "a/b/\u{10FFFF}", "a/b/zzz/"] {
            assert!(inside < end.as_str(), "{inside:?}");
        }
        for outside in ["a/b0", "a/b0/x", "a/c/"] {
            assert!(outside >= end.as_str(), "{outside:?}");
        }
        // A neighbour that sorts between `a/b` and `a/b/` is not inside.
        assert!("a/b-x/" < "a/b/");
    }

    #[test]
    fn spread_counts_sub_prefixes_not_rows() {
        let rows = [
            upload("a", "1"),
            upload("b/1", "1"),
            upload("b/2", "1"),
            upload("b/2", "2"),
            upload("c/1/x", "1"),
            upload("d", "1"),
        ];
        assert_eq!(spread("", &rows), 2);
        assert_eq!(spread("b/", &rows[1..4]), 0);
    }

    #[test]
    fn dense_pages_are_not_split() {
        assert!(worth_splitting(1_000, 1));
        assert!(worth_splitting(1_000, 0));
        assert!(worth_splitting(1_000, 250));
        assert!(!worth_splitting(1_000, 251));
        assert!(worth_splitting(1, 1));
        assert!(!worth_splitting(2, 2));
    }

    #[test]
    fn a_range_keeps_its_own_rows_in_key_order() {
        let range = Range {
            prefix: "p/".into(),
            after: Some(UploadMarker {
                key: "p/b".into(),
                upload_id: Some("2".into()),
            }),
            before: Some("p/d".into()),
        };
        let kept = range.keep(vec![
            upload("p/c", "9"),
            upload("p/b", "3"),
            upload("p/a", "1"),
            upload("p/d", "1"),
            upload("q/c", "1"),
            upload("p/c", "1"),
        ]);
        let keys: Vec<(&str, &str)> = kept.iter().map(|u| (&*u.key, &*u.upload_id)).collect();
        assert_eq!(keys, [("p/b", "3"), ("p/c", "1"), ("p/c", "9")]);
    }

    #[test]
    fn markers_must_move_forward() {
        let marker = |key: &str, id: Option<&str>| UploadMarker {
            key: key.into(),
            upload_id: id.map(str::to_owned),
        };
        let mut range = Range {
            prefix: String::new(),
            after: None,
            before: None,
        };
        assert!(range.advance(marker("b", Some("1"))).is_ok());
        assert!(range.advance(marker("b", Some("2"))).is_ok());
        assert!(range.advance(marker("b", Some("2"))).is_err());
        assert!(range.advance(marker("a", None)).is_err());
        assert!(range.advance(marker("c", None)).is_ok());
    }

    #[test]
    fn in_key_order_each_upload_passes_once() {
        let mut seen = InKeyOrder::default();
        let passed: Vec<bool> = [
            upload("a", "1"),
            upload("a", "2"),
            upload("a", "1"),
            upload("b", "1"),
            upload("a", "3"),
            upload("b", "1"),
            upload("b", "2"),
        ]
        .iter()
        .map(|u| seen.first_sighting(u))
        .collect();
        assert_eq!(passed, [true, true, false, true, false, false, true]);
    }
}
