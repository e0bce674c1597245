//! Runs [`Command`]s on tokio and sends results back as [`Action`]s.
//! Listings stream page by page; aborts run with bounded concurrency, retries and cancel.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::{StreamExt, stream};
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

use crate::action::{Action, Command};
use crate::retry::Backoff;
use crate::s3::{AbortOutcome, ErrorKind, S3, S3Error, UploadRef};

pub const DEFAULT_CONCURRENCY: usize = 32;
/// Connection failures in a row (each after its retries) that end a job early.
pub const GIVE_UP_AFTER_UNREACHABLE: usize = 8;
/// Lifecycle reads in flight at once for the bucket list: light, and never crowding out the UI's own calls.
const COVERAGE_CONCURRENCY: usize = 8;

pub struct Tasks {
    s3: S3,
    tx: UnboundedSender<Action>,
    pub concurrency: usize,
    pub page_size: Option<i32>,
    running: HashMap<u64, CancellationToken>,
}

impl Tasks {
    pub fn new(s3: S3, tx: UnboundedSender<Action>) -> Self {
        Tasks {
            s3,
            tx,
            concurrency: DEFAULT_CONCURRENCY,
            page_size: None,
            running: HashMap::new(),
        }
    }

    fn token(&mut self, id: u64) -> CancellationToken {
        self.running.retain(|_, token| !token.is_cancelled());
        let token = CancellationToken::new();
        self.running.insert(id, token.clone());
        token
    }

    fn cancel(&mut self, id: u64) {
        if let Some(token) = self.running.remove(&id) {
            token.cancel();
        }
    }

    pub fn run(&mut self, command: Command) {
        let (s3, tx) = (self.s3.clone(), self.tx.clone());
        match command {
            Command::LoadBuckets { request } => {
                tokio::spawn(async move {
                    let result = s3.list_buckets().await;
                    let _ = tx.send(Action::BucketsLoaded { request, result });
                });
            }
            Command::LoadFolder {
                request,
                bucket,
                prefix,
            } => {
                let token = self.token(request);
                let pages = Box::pin(s3.list_folder(&bucket, &prefix));
                tokio::spawn(forward_pages(pages, token, tx, move |result, done| {
                    Action::FolderPage {
                        request,
                        result,
                        done,
                    }
                }));
            }
            Command::LoadUploads { request, bucket } => {
                let token = self.token(request);
                let pages = Box::pin(s3.list_uploads(&bucket, None, self.page_size));
                tokio::spawn(forward_pages(pages, token, tx, move |result, done| {
                    Action::UploadsPage {
                        request,
                        result,
                        done,
                    }
                }));
            }
            Command::CancelRequest { request } | Command::CancelJob { job: request } => {
                self.cancel(request)
            }
            Command::LoadLifecycle { request, bucket } => {
                tokio::spawn(async move {
                    let result = s3.lifecycle_rules(&bucket).await;
                    let _ = tx.send(Action::LifecycleLoaded {
                        request,
                        bucket,
                        result,
                    });
                });
            }
            Command::LoadCoverage { buckets } => {
                tokio::spawn(async move {
                    let mut results = stream::iter(buckets)
                        .map(|bucket| {
                            let s3 = &s3;
                            async move {
                                let result = s3.lifecycle_rules(&bucket).await;
                                (bucket, result)
                            }
                        })
                        .buffer_unordered(COVERAGE_CONCURRENCY);
                    while let Some((bucket, result)) = results.next().await {
                        let action = Action::LifecycleLoaded {
                            request: 0,
                            bucket,
                            result,
                        };
                        if tx.send(action).is_err() {
                            return;
                        }
                    }
                });
            }
            Command::ChangeLifecycle {
                request,
                bucket,
                change,
            } => {
                tokio::spawn(async move {
                    let result = s3.change_lifecycle(&bucket, &change).await;
                    let _ = tx.send(Action::LifecycleChanged {
                        request,
                        bucket,
                        change,
                        result,
                    });
                });
            }
            Command::AbortUploads {
                job,
                bucket,
                uploads,
            } => {
                let token = self.token(job);
                let concurrency = self.concurrency;
                tokio::spawn(async move {
                    let not_attempted = abort_all(
                        &s3,
                        &bucket,
                        uploads,
                        concurrency,
                        &token,
                        |upload, result| {
                            let _ = tx.send(Action::Aborted {
                                job,
                                upload,
                                result,
                            });
                        },
                    )
                    .await;
                    let _ = tx.send(Action::JobFinished { job, not_attempted });
                });
            }
            command @ (Command::CountBucket { .. }
            | Command::ListPrefix { .. }
            | Command::DeleteObjects { .. }
            | Command::DeleteBucket { .. }
            | Command::EmptyAndDeleteBucket { .. }) => {
                let id = match &command {
                    Command::CountBucket { request, .. } | Command::ListPrefix { request, .. } => {
                        *request
                    }
                    Command::DeleteObjects { job, .. }
                    | Command::DeleteBucket { job, .. }
                    | Command::EmptyAndDeleteBucket { job, .. } => *job,
                    _ => 0,
                };
                let token = self.token(id);
                tokio::spawn(crate::delete_tasks::run(
                    s3,
                    tx,
                    command,
                    self.concurrency,
                    token,
                ));
            }
        }
    }
}

/// Sends each page as an action until the stream ends, fails, or is cancelled.
async fn forward_pages<T, S>(
    mut pages: S,
    token: CancellationToken,
    tx: UnboundedSender<Action>,
    wrap: impl Fn(Result<Vec<T>, S3Error>, bool) -> Action,
) where
    S: futures::Stream<Item = Result<Vec<T>, S3Error>> + Unpin,
{
    loop {
        let next = tokio::select! {
            _ = token.cancelled() => return,
            next = pages.next() => next,
        };
        let action = match next {
            Some(Ok(page)) => wrap(Ok(page), false),
            Some(Err(err)) => {
                let _ = tx.send(wrap(Err(err), true));
                return;
            }
            None => {
                let _ = tx.send(wrap(Ok(Vec::new()), true));
                return;
            }
        };
        if tx.send(action).is_err() {
            return;
        }
    }
}

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
                let result = backoff
                    .run(|| s3.abort_upload(bucket, &upload.key, &upload.upload_id))
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
