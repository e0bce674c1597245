//! The runner: executes [`Command`]s on tokio and sends results back as [`Action`]s.
//! Listings stream page by page; the work itself (aborts, deletes) is `ops`, here it is only
//! spawned, given a cancel token, and its reports turned into actions.

mod delete;
mod lifecycle;
mod sizes;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::action::{Action, Command, SizeCommand};
use crate::ops::abort::abort_paced;
use crate::ops::journal::{self, Journal};
use crate::ops::limit::Limiter;
use crate::ops::list;
use crate::ops::sizes::Sizing;
use crate::s3::{S3, S3Error};

pub use sizes::SIZE_CONCURRENCY;
/// The default bound of the adaptive limit (`--concurrency`); jobs start at
/// [`crate::ops::limit::START`] and find their pace below it.
pub const DEFAULT_CONCURRENCY: usize = 256;
/// The newest journal entries the History pane holds; `partsweep history` lists them all.
pub const HISTORY_LIMIT: usize = 100_000;

/// How often a running abort job reports its pace (calls in flight, throttling).
const PACE_EVERY: Duration = Duration::from_millis(250);

/// A running request or job: `token` stops scheduling (a first cancel), `now` also stops
/// what would still follow, such as a count after a stopped Empty and delete (a second one).
struct Running {
    token: CancellationToken,
    now: CancellationToken,
}

pub struct Tasks {
    s3: S3,
    tx: UnboundedSender<Action>,
    /// Every write is recorded here as its result arrives.
    journal: Journal,
    pub concurrency: usize,
    pub page_size: Option<i32>,
    /// ListParts calls in flight for background sizes (the pane and the scan together).
    size_concurrency: usize,
    /// One per background ListParts call; a write job takes them all while it runs.
    background: Arc<Semaphore>,
    running: HashMap<u64, Running>,
    sizer: sizes::Sizer,
}

/// While it lives, background sizing starts no new call (those in flight finish): a write job
/// never shares the server, or its rate limit, with sizes nobody asked for. The job itself
/// does not wait for it.
struct Quiet(JoinHandle<Option<OwnedSemaphorePermit>>);

impl Drop for Quiet {
    fn drop(&mut self) {
        // Not yet taken: stop waiting. Taken: dropping the handle drops the permits with it.
        self.0.abort();
    }
}

impl Tasks {
    pub fn new(s3: S3, tx: UnboundedSender<Action>, journal: Journal) -> Self {
        Tasks {
            s3,
            tx,
            journal,
            concurrency: DEFAULT_CONCURRENCY,
            page_size: None,
            size_concurrency: SIZE_CONCURRENCY,
            background: Arc::new(Semaphore::new(SIZE_CONCURRENCY)),
            running: HashMap::new(),
            sizer: sizes::Sizer::default(),
        }
    }

    /// Background ListParts calls in flight at most; set before the first command.
    pub fn set_size_concurrency(&mut self, n: usize) {
        self.size_concurrency = n.max(1);
        self.background = Arc::new(Semaphore::new(self.size_concurrency));
    }

    fn quiet(&self) -> Quiet {
        let permits = self.background.clone();
        let all = u32::try_from(self.size_concurrency).unwrap_or(u32::MAX);
        Quiet(tokio::spawn(async move {
            permits.acquire_many_owned(all).await.ok()
        }))
    }

    fn token(&mut self, id: u64) -> CancellationToken {
        self.tokens(id).0
    }

    /// The tokens of a new request or job: (stop scheduling, stop everything).
    fn tokens(&mut self, id: u64) -> (CancellationToken, CancellationToken) {
        self.running
            .retain(|_, running| !running.now.is_cancelled());
        let now = CancellationToken::new();
        let token = now.child_token();
        self.running.insert(
            id,
            Running {
                token: token.clone(),
                now: now.clone(),
            },
        );
        (token, now)
    }

    /// A listing nobody will look at: stop it all.
    fn cancel(&mut self, id: u64) {
        if let Some(running) = self.running.remove(&id) {
            running.now.cancel();
        }
    }

    /// A job's cancel: the first stops scheduling, a second one everything.
    fn cancel_job(&mut self, id: u64) {
        let Some(running) = self.running.get(&id) else {
            return;
        };
        if running.token.is_cancelled() {
            self.cancel(id);
        } else {
            running.token.cancel();
        }
        self.sizer.cancel(id);
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
            Command::CancelRequest { request } => self.cancel(request),
            Command::CancelJob { job } => self.cancel_job(job),
            Command::AbortUploads {
                job,
                bucket,
                uploads,
            } => {
                let token = self.token(job);
                let concurrency = self.concurrency;
                let journal = self.journal.clone();
                let quiet = self.quiet();
                tokio::spawn(async move {
                    let _quiet = quiet;
                    let limiter = Limiter::new(concurrency);
                    let work = abort_paced(
                        &s3,
                        &journal,
                        &bucket,
                        uploads,
                        &limiter,
                        &token,
                        |upload, result| {
                            let _ = tx.send(Action::Aborted {
                                job,
                                upload,
                                result,
                            });
                        },
                    );
                    tokio::pin!(work);
                    let mut every = tokio::time::interval(PACE_EVERY);
                    let not_attempted = loop {
                        tokio::select! {
                            not_attempted = &mut work => break not_attempted,
                            _ = every.tick() => {
                                let _ = tx.send(Action::Paced { job, pace: limiter.pace() });
                            }
                        }
                    };
                    let _ = tx.send(Action::Paced {
                        job,
                        pace: limiter.pace(),
                    });
                    let _ = tx.send(Action::JobFinished { job, not_attempted });
                });
            }
            Command::Lifecycle(command) => {
                tokio::spawn(lifecycle::run(s3, self.journal.clone(), tx, command));
            }
            Command::LoadHistory { request } => {
                let path = self.journal.path().map(Path::to_owned);
                tokio::spawn(async move {
                    let (journal, result) = match path {
                        Some(path) => {
                            let shown = path.display().to_string();
                            let read = tokio::task::spawn_blocking(move || {
                                journal::read(&path, Some(HISTORY_LIMIT))
                            })
                            .await;
                            let result = match read {
                                Ok(Ok(history)) => Ok(history),
                                Ok(Err(err)) => Err(format!("cannot read {shown}: {err}")),
                                Err(err) => Err(format!("cannot read {shown}: {err}")),
                            };
                            (shown, result)
                        }
                        None => (
                            "nowhere".to_owned(),
                            Err(format!(
                                "no journal: set XDG_STATE_HOME, HOME or {}",
                                journal::PATH_VAR
                            )),
                        ),
                    };
                    let _ = tx.send(Action::HistoryLoaded {
                        request,
                        journal,
                        result,
                    });
                });
            }
            Command::Delete(command) => {
                let tokens = self.tokens(delete::cancel_id(&command));
                let journal = self.journal.clone();
                let quiet = self.quiet();
                let concurrency = self.concurrency;
                tokio::spawn(async move {
                    let _quiet = quiet;
                    delete::run(s3, journal, tx, command, concurrency, tokens).await;
                });
            }
            Command::Sizes(command) => self.run_sizes(s3, tx, command),
        }
    }

    fn run_sizes(&mut self, s3: S3, tx: UnboundedSender<Action>, command: SizeCommand) {
        match command {
            SizeCommand::ScanBuckets { scan, buckets } => {
                let token = self.token(scan);
                let sizing = Sizing {
                    concurrency: self.size_concurrency,
                    uploads_page: self.page_size,
                    parts_page: None,
                };
                let permits = self.background.clone();
                tokio::spawn(sizes::scan(s3, tx, scan, buckets, sizing, permits, token));
            }
            SizeCommand::MeasureUploads {
                request,
                bucket,
                uploads,
                first,
            } => {
                let workers = self.size_concurrency;
                let permits = self.background.clone();
                self.sizer
                    .enqueue(&s3, &tx, workers, &permits, request, bucket, uploads, first);
            }
            SizeCommand::ReadParts {
                request,
                bucket,
                upload,
            } => {
                tokio::spawn(sizes::parts(s3, tx, request, bucket, upload));
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
