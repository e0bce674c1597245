//! Aborting many incomplete uploads: the clear of the console, `partsweep clear` and the
//! abort phases of Empty and delete.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::{StreamExt, stream};
use tokio_util::sync::CancellationToken;

use super::retry::Backoff;
use crate::s3::{AbortOutcome, ErrorKind, S3, S3Error, UploadRef};

/// Connection failures in a row (each after its retries) that end a job early.
pub const GIVE_UP_AFTER_UNREACHABLE: usize = 8;

/// Aborts exactly `uploads`, at most `concurrency` at a time, retrying throttling and passing
/// faults. Cancelling stops new aborts at once; those in flight finish and are reported.
/// Returns the uploads that were never attempted.
pub async fn abort_all(
    s3: &S3,
    bucket: &str,
    uploads: Vec<UploadRef>,
    concurrency: usize,
    token: &CancellationToken,
    mut report: impl FnMut(UploadRef, Result<AbortOutcome, S3Error>),
) -> Vec<UploadRef> {
    let uploads = Arc::new(uploads);
    let started = AtomicUsize::new(0);
    let backoff = Backoff::default();
    // A server that stopped answering would fail every remaining upload one by one: stop
    // scheduling instead, and leave the rest as not attempted.
    let stop = token.child_token();
    let mut unreachable_in_a_row = 0;
    let mut results = stream::iter(0..uploads.len())
        .take_while(|_| std::future::ready(!stop.is_cancelled()))
        .map(|i| {
            started.fetch_add(1, Ordering::Relaxed);
            let upload = &uploads[i];
            let backoff = &backoff;
            async move {
                let upload_id = upload.upload_id();
                let result = backoff
                    .run(|| s3.abort_upload(bucket, upload.key(), &upload_id))
                    .await;
                (i, result)
            }
        })
        .buffer_unordered(concurrency.max(1));
    while let Some((i, result)) = results.next().await {
        match &result {
            Err(err) if matches!(err.kind, ErrorKind::Unreachable | ErrorKind::Timeout) => {
                unreachable_in_a_row += 1;
                if unreachable_in_a_row >= GIVE_UP_AFTER_UNREACHABLE {
                    stop.cancel();
                }
            }
            _ => unreachable_in_a_row = 0,
        }
        report(uploads[i].clone(), result);
    }
    drop(results);
    let started = started.load(Ordering::Relaxed);
    uploads[started..].to_vec()
}
