//! Aborting many incomplete uploads: the clear of the console, `partsweep clear` and the
//! abort phases of Empty and delete.

use std::sync::atomic::{AtomicUsize, Ordering};

use futures::{StreamExt, stream};
use tokio_util::sync::CancellationToken;

use super::limit::Limiter;
use super::retry::{Backoff, Retry, RetryBudget, Tried};
use crate::s3::{AbortOutcome, ErrorKind, S3, S3Error, UploadRef};

/// Uploads failing in a row for the server's sake (each after its retries) that end a job
/// early: a server that stopped answering, or answers only 5xx (a cluster that lost its
/// quorum, a proxy answering 502), would otherwise fail every remaining upload one by one.
pub const GIVE_UP_AFTER_SERVER_FAILURES: usize = 8;

/// Aborts exactly `uploads`, at most `concurrency` at a time (see [`abort_paced`]).
pub async fn abort_all(
    s3: &S3,
    bucket: &str,
    uploads: Vec<UploadRef>,
    concurrency: usize,
    token: &CancellationToken,
    report: impl FnMut(UploadRef, Result<AbortOutcome, S3Error>),
) -> Vec<UploadRef> {
    let limiter = Limiter::new(concurrency);
    abort_paced(s3, bucket, uploads, &limiter, token, report).await
}

/// Aborts exactly `uploads`, as many at a time as `limiter` allows, retrying throttling and
/// passing faults on one budget for the job. Cancelling stops new aborts and retries at once;
/// calls in flight finish and are reported. Returns the uploads that were never attempted.
pub async fn abort_paced(
    s3: &S3,
    bucket: &str,
    uploads: Vec<UploadRef>,
    limiter: &Limiter,
    token: &CancellationToken,
    mut report: impl FnMut(UploadRef, Result<AbortOutcome, S3Error>),
) -> Vec<UploadRef> {
    let budget = RetryBudget::default();
    let stop = token.child_token();
    let retry = Retry {
        backoff: Backoff::default(),
        budget: &budget,
        limiter,
        token: &stop,
    };
    let pulled = AtomicUsize::new(0);
    let mut not_attempted = Vec::new();
    let mut failing_in_a_row = 0;
    let (uploads, retry) = (&uploads, &retry);
    let mut results = stream::iter(0..uploads.len())
        .take_while(|_| std::future::ready(!stop.is_cancelled()))
        .map(|i| {
            pulled.fetch_add(1, Ordering::Relaxed);
            let upload = &uploads[i];
            async move {
                let tried = retry.run(|| s3.abort_upload(bucket, upload)).await;
                (i, tried)
            }
        })
        .buffer_unordered(limiter.pace().max.max(1));
    while let Some((i, tried)) = results.next().await {
        let result = match tried {
            Tried::NotStarted => {
                not_attempted.push(i);
                continue;
            }
            Tried::Done(result) => result,
        };
        if result.as_ref().is_err_and(server_failing) {
            failing_in_a_row += 1;
            if failing_in_a_row >= GIVE_UP_AFTER_SERVER_FAILURES {
                stop.cancel();
            }
        } else {
            failing_in_a_row = 0;
        }
        report(uploads[i].clone(), result);
    }
    drop(results);
    not_attempted.extend(pulled.load(Ordering::Relaxed)..uploads.len());
    not_attempted.sort_unstable();
    not_attempted
        .into_iter()
        .map(|i| uploads[i].clone())
        .collect()
}

/// A failure that says the server is in trouble, not this upload.
pub fn server_failing(err: &S3Error) -> bool {
    matches!(
        err.kind,
        ErrorKind::Unreachable | ErrorKind::Timeout | ErrorKind::Transient | ErrorKind::Throttled
    )
}
