//! Runs the size commands: the scan of every bucket, background ListParts for the uploads
//! pane (the rows on screen first), and one upload's parts for its details view.
//!
//! Background sizing has its own few workers and queue, and each of its calls takes one of a
//! few permits, which a write job takes while it runs: the user's own calls (listings, aborts,
//! details) never wait behind it.

use std::collections::VecDeque;
use std::pin::pin;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::{Notify, Semaphore};
use tokio_util::sync::CancellationToken;

use crate::action::{Action, JobId, RequestId, SizeEvent};
use crate::ops::sizes::{Sizing, measure, read_parts, scan_buckets};
use crate::s3::{Bucket, S3, Upload, UploadRef};

/// ListParts calls in flight for the background: the uploads pane and the bucket scan each.
pub const SIZE_CONCURRENCY: usize = 16;

struct Waiting {
    request: RequestId,
    bucket: Arc<str>,
    upload: UploadRef,
}

#[derive(Default)]
struct Queue {
    waiting: Mutex<VecDeque<Waiting>>,
    wake: Notify,
}

impl Queue {
    fn with_waiting<T>(&self, change: impl FnOnce(&mut VecDeque<Waiting>) -> T) -> T {
        let mut waiting = self.waiting.lock().unwrap_or_else(PoisonError::into_inner);
        change(&mut waiting)
    }
}

/// The background sizing workers, started on first use.
#[derive(Default)]
pub struct Sizer {
    queue: Arc<Queue>,
    started: bool,
}

impl Sizer {
    /// Queues `uploads` (at the front when `first`, keeping their order).
    #[allow(clippy::too_many_arguments)]
    pub fn enqueue(
        &mut self,
        s3: &S3,
        tx: &UnboundedSender<Action>,
        workers: usize,
        permits: &Arc<Semaphore>,
        request: RequestId,
        bucket: String,
        uploads: Vec<UploadRef>,
        first: bool,
    ) {
        if !self.started {
            self.started = true;
            for _ in 0..workers.max(1) {
                tokio::spawn(work(
                    s3.clone(),
                    tx.clone(),
                    self.queue.clone(),
                    permits.clone(),
                ));
            }
        }
        let bucket: Arc<str> = bucket.into();
        let items = uploads.into_iter().map(|upload| Waiting {
            request,
            bucket: bucket.clone(),
            upload,
        });
        self.queue
            .with_waiting(|waiting| queue_up(waiting, items, first));
        self.queue.wake.notify_waiters();
    }

    /// Forgets what `request` still has waiting; calls in flight finish.
    pub fn cancel(&self, request: RequestId) {
        self.queue
            .with_waiting(|waiting| waiting.retain(|w| w.request != request));
    }
}

/// At the back, or at the front in their own order.
fn queue_up<T>(waiting: &mut VecDeque<T>, items: impl Iterator<Item = T>, first: bool) {
    if first {
        let items: Vec<T> = items.collect();
        for item in items.into_iter().rev() {
            waiting.push_front(item);
        }
    } else {
        waiting.extend(items);
    }
}

async fn work(s3: S3, tx: UnboundedSender<Action>, queue: Arc<Queue>, permits: Arc<Semaphore>) {
    loop {
        let mut woken = pin!(queue.wake.notified());
        woken.as_mut().enable();
        let Some(next) = queue.with_waiting(VecDeque::pop_front) else {
            woken.await;
            continue;
        };
        // Taken only for the call: an idle worker holds none, so a job can take them all.
        let Ok(_permit) = permits.acquire().await else {
            return;
        };
        let result = measure(&s3, &next.bucket, &next.upload.to_upload(), None).await;
        // The row's own handle goes back: the pane finds its row by it without hashing.
        let event = SizeEvent::Measured {
            request: next.request,
            bucket: next.bucket.to_string(),
            upload: next.upload,
            result,
        };
        if tx.send(Action::Sizes(event)).is_err() {
            return;
        }
    }
}

/// Sizes every upload of `buckets`, reporting as it goes, then says it finished.
pub async fn scan(
    s3: S3,
    tx: UnboundedSender<Action>,
    scan: JobId,
    buckets: Vec<Bucket>,
    sizing: Sizing,
    permits: Arc<Semaphore>,
    token: CancellationToken,
) {
    scan_buckets(&s3, buckets, sizing, &permits, &token, |event| {
        let _ = tx.send(Action::Sizes(SizeEvent::Scan { scan, event }));
    })
    .await;
    let _ = tx.send(Action::Sizes(SizeEvent::ScanFinished { scan }));
}

/// Every part of one upload, for its details.
pub async fn parts(
    s3: S3,
    tx: UnboundedSender<Action>,
    request: RequestId,
    bucket: String,
    upload: Upload,
) {
    let result = read_parts(&s3, &bucket, &upload, None).await;
    let _ = tx.send(Action::Sizes(SizeEvent::PartsRead {
        request,
        upload: UploadRef::from(&upload),
        bucket,
        result,
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_on_screen_go_ahead_of_the_rest_in_their_own_order() {
        let mut waiting = VecDeque::new();
        queue_up(&mut waiting, ["rest-1", "rest-2"].into_iter(), false);
        queue_up(&mut waiting, ["shown-1", "shown-2"].into_iter(), true);
        queue_up(&mut waiting, ["later"].into_iter(), false);
        assert_eq!(
            Vec::from(waiting),
            ["shown-1", "shown-2", "rest-1", "rest-2", "later"]
        );
    }
}
