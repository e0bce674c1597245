//! The runner: executes [`Command`]s on tokio and sends results back as [`Action`]s.
//! Listings stream page by page; the work itself (aborts, deletes) is `ops`, here it is only
//! spawned, given a cancel token, and its reports turned into actions.

mod delete;
mod lifecycle;

use std::collections::HashMap;

use futures::StreamExt;
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

use crate::action::{Action, Command};
use crate::ops::abort::abort_all;
use crate::ops::list;
use crate::s3::{S3, S3Error};

pub const DEFAULT_CONCURRENCY: usize = 32;

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
                let pages = Box::pin(list::uploads(&s3, &bucket, None, self.page_size));
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
            Command::Lifecycle(command) => {
                tokio::spawn(lifecycle::run(s3, tx, command));
            }
            Command::Delete(command) => {
                let token = self.token(delete::cancel_id(&command));
                tokio::spawn(delete::run(s3, tx, command, self.concurrency, token));
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
