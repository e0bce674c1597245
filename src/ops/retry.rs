//! The one retry layer for the calls a job repeats itself (aborts, DeleteObjects): the SDK
//! makes a single attempt for those, and this decides whether to try again. A try waits for
//! a place from the job's [`Limiter`]; retries wait with exponential backoff and full jitter
//! and draw on one [`RetryBudget`] for the whole job; cancelling stops a call waiting in
//! backoff at once.

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use rand::Rng;
use tokio_util::sync::CancellationToken;

use super::limit::{Limiter, Signal};
use crate::s3::{ErrorKind, S3Error};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub first: Duration,
    pub max: Duration,
    /// Tries in all, the first included.
    pub attempts: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            first: Duration::from_millis(100),
            max: Duration::from_secs(8),
            attempts: 6,
        }
    }
}

impl Backoff {
    /// The longest pause before try number `retry` (1 for the first retry): doubling, capped.
    pub fn ceiling(&self, retry: u32) -> Duration {
        let factor = 1u32
            .checked_shl(retry.saturating_sub(1))
            .unwrap_or(u32::MAX);
        self.first.saturating_mul(factor).min(self.max)
    }

    /// A random pause in `[0, ceiling]`, so many clients do not retry in lockstep.
    pub fn delay(&self, retry: u32) -> Duration {
        let ceiling = self.ceiling(retry).as_millis() as u64;
        Duration::from_millis(rand::rng().random_range(0..=ceiling))
    }
}

/// Retry tokens shared by every call of one job, as the SDK's retry quota is: a retry takes
/// a few, a retry that then succeeds gives them back, and every first-try success adds one.
/// A server failing everything drains it within ~100 retries, after which calls fail at
/// their first error (and the job stops early, see `ops::abort`); a healthy one keeps it full.
#[derive(Debug)]
pub struct RetryBudget {
    tokens: AtomicU32,
    capacity: u32,
}

const BUDGET: u32 = 500;
const RETRY_COST: u32 = 5;
const TIMEOUT_RETRY_COST: u32 = 10;

impl Default for RetryBudget {
    fn default() -> Self {
        RetryBudget::new(BUDGET)
    }
}

impl RetryBudget {
    pub fn new(capacity: u32) -> Self {
        RetryBudget {
            tokens: AtomicU32::new(capacity),
            capacity,
        }
    }

    pub fn left(&self) -> u32 {
        self.tokens.load(Ordering::Relaxed)
    }

    fn take(&self, cost: u32) -> bool {
        self.tokens
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |tokens| {
                tokens.checked_sub(cost)
            })
            .is_ok()
    }

    fn give(&self, tokens: u32) {
        let capacity = self.capacity;
        let _ = self
            .tokens
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |held| {
                Some(held.saturating_add(tokens).min(capacity))
            });
    }
}

/// How a repeated call ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tried<T> {
    /// At least one try went out; the last one's result.
    Done(Result<T, S3Error>),
    /// Cancelled before its first try: nothing was sent.
    NotStarted,
}

/// Everything one job's calls share: backoff, budget, limiter, and the token that stops it.
pub struct Retry<'a> {
    pub backoff: Backoff,
    pub budget: &'a RetryBudget,
    pub limiter: &'a Limiter,
    pub token: &'a CancellationToken,
}

impl Retry<'_> {
    /// Runs `call` until it succeeds, fails for good, the tries or the budget run out, or
    /// the token is cancelled (no try starts after that, including one waiting in backoff).
    pub async fn run<T, F, Fut>(&self, mut call: F) -> Tried<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, S3Error>>,
    {
        let mut retry = 0;
        let mut held_cost = 0;
        let mut last_error: Option<S3Error> = None;
        loop {
            let slot = tokio::select! {
                biased;
                _ = self.token.cancelled() => {
                    return match last_error {
                        None => Tried::NotStarted,
                        Some(err) => Tried::Done(Err(not_tried_again(err))),
                    };
                }
                slot = self.limiter.acquire() => slot,
            };
            let result = call().await;
            let err = match result {
                Ok(value) => {
                    let latency = slot.elapsed();
                    slot.settle(Signal::Answered(latency));
                    self.budget.give(if retry == 0 { 1 } else { held_cost });
                    return Tried::Done(Ok(value));
                }
                Err(err) => err,
            };
            slot.settle(signal_of(&err));
            let cost = if err.kind == ErrorKind::Timeout {
                TIMEOUT_RETRY_COST
            } else {
                RETRY_COST
            };
            if !err.is_retryable() || retry + 1 >= self.backoff.attempts || !self.budget.take(cost)
            {
                return Tried::Done(Err(err));
            }
            held_cost = cost;
            retry += 1;
            last_error = Some(err);
            tokio::select! {
                biased;
                _ = self.token.cancelled() => {}
                _ = tokio::time::sleep(self.backoff.delay(retry)) => {}
            }
        }
    }
}

/// What an error says about the server's load.
fn signal_of(err: &S3Error) -> Signal {
    if err.is_retryable() {
        Signal::Pushback {
            throttled: err.is_throttling(),
        }
    } else {
        Signal::Neutral
    }
}

fn not_tried_again(mut err: S3Error) -> S3Error {
    err.message.push_str(" (not tried again: cancelled)");
    err
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU32;

    #[test]
    fn ceiling_doubles_then_caps() {
        let b = Backoff::default();
        assert_eq!(b.ceiling(1), Duration::from_millis(100));
        assert_eq!(b.ceiling(2), Duration::from_millis(200));
        assert_eq!(b.ceiling(4), Duration::from_millis(800));
        assert_eq!(b.ceiling(20), Duration::from_secs(8));
        assert_eq!(b.ceiling(40), Duration::from_secs(8));
        for retry in 1..10 {
            assert!(b.delay(retry) <= b.ceiling(retry));
        }
    }

    fn quick() -> Backoff {
        Backoff {
            first: Duration::from_millis(1),
            max: Duration::from_millis(2),
            attempts: 4,
        }
    }

    struct Job {
        budget: RetryBudget,
        limiter: Limiter,
        token: CancellationToken,
    }

    impl Job {
        fn new(budget: u32) -> Self {
            Job {
                budget: RetryBudget::new(budget),
                limiter: Limiter::new(8),
                token: CancellationToken::new(),
            }
        }

        fn retry(&self, backoff: Backoff) -> Retry<'_> {
            Retry {
                backoff,
                budget: &self.budget,
                limiter: &self.limiter,
                token: &self.token,
            }
        }
    }

    #[tokio::test]
    async fn retries_throttling_until_success_and_counts_it() {
        let job = Job::new(BUDGET);
        let calls = AtomicU32::new(0);
        let result = job
            .retry(quick())
            .run(|| async {
                if calls.fetch_add(1, Ordering::SeqCst) < 2 {
                    Err(S3Error::new(ErrorKind::Throttled, "SlowDown"))
                } else {
                    Ok(7)
                }
            })
            .await;
        assert_eq!(result, Tried::Done(Ok(7)));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        assert_eq!(job.limiter.pace().throttled, 2);
        assert_eq!(job.limiter.pace().in_flight, 0);
        assert_eq!(
            job.budget.left(),
            BUDGET - RETRY_COST,
            "the successful retry gave its cost back"
        );
    }

    #[tokio::test]
    async fn gives_up_after_the_last_try_and_never_retries_permanent_errors() {
        let job = Job::new(BUDGET);
        let calls = AtomicU32::new(0);
        let result: Tried<()> = job
            .retry(quick())
            .run(|| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(S3Error::new(ErrorKind::Transient, "503"))
            })
            .await;
        assert!(matches!(result, Tried::Done(Err(_))));
        assert_eq!(calls.load(Ordering::SeqCst), 4);

        calls.store(0, Ordering::SeqCst);
        let _: Tried<()> = job
            .retry(quick())
            .run(|| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(S3Error::new(ErrorKind::AccessDenied, "no"))
            })
            .await;
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn an_empty_budget_stops_retries_for_every_call_of_the_job() {
        let job = Job::new(2 * RETRY_COST);
        let calls = AtomicU32::new(0);
        for _ in 0..3 {
            let _: Tried<()> = job
                .retry(quick())
                .run(|| async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    Err(S3Error::new(ErrorKind::Transient, "502"))
                })
                .await;
        }
        // Two retries in the budget, shared: 3 first tries + 2 retries.
        assert_eq!(calls.load(Ordering::SeqCst), 5);
        assert_eq!(job.budget.left(), 0);
    }

    #[tokio::test]
    async fn cancelling_stops_a_call_waiting_in_backoff() {
        let job = Job::new(BUDGET);
        let slow = Backoff {
            first: Duration::from_secs(60),
            max: Duration::from_secs(60),
            attempts: 6,
        };
        let calls = AtomicU32::new(0);
        let retry = job.retry(slow);
        let run = retry.run(|| async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err::<(), _>(S3Error::new(ErrorKind::Throttled, "SlowDown"))
        });
        let cancel = async {
            // The first try has failed by now; the backoff may be up to a minute.
            while calls.load(Ordering::SeqCst) == 0 {
                tokio::task::yield_now().await;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
            job.token.cancel();
        };
        let (result, ()) =
            tokio::time::timeout(Duration::from_secs(5), async { tokio::join!(run, cancel) })
                .await
                .expect("the cancel reached the backoff");
        let Tried::Done(Err(err)) = result else {
            panic!("{result:?}")
        };
        assert!(err.message.contains("not tried again"), "{err:?}");
        assert!(calls.load(Ordering::SeqCst) <= 2, "no new try after cancel");

        let never: Tried<()> = job.retry(quick()).run(|| async { Ok(()) }).await;
        assert_eq!(never, Tried::NotStarted, "cancelled before the first try");
    }
}
