//! Retry with exponential backoff and full jitter, for throttling and passing faults.

use std::future::Future;
use std::time::Duration;

use rand::Rng;

use crate::s3::S3Error;

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

    /// Runs `call` until it succeeds, fails for good, or the tries run out.
    pub async fn run<T, F, Fut>(&self, mut call: F) -> Result<T, S3Error>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, S3Error>>,
    {
        let mut retry = 0;
        loop {
            match call().await {
                Err(err) if err.is_retryable() && retry + 1 < self.attempts => {
                    retry += 1;
                    tokio::time::sleep(self.delay(retry)).await;
                }
                other => return other,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::s3::ErrorKind;
    use std::sync::atomic::{AtomicU32, Ordering};

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

    #[tokio::test]
    async fn retries_throttling_until_success() {
        let calls = AtomicU32::new(0);
        let result = quick()
            .run(|| async {
                if calls.fetch_add(1, Ordering::SeqCst) < 2 {
                    Err(S3Error::new(ErrorKind::Throttled, "SlowDown"))
                } else {
                    Ok(7)
                }
            })
            .await;
        assert_eq!(result, Ok(7));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn gives_up_after_the_last_try_and_never_retries_permanent_errors() {
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = quick()
            .run(|| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(S3Error::new(ErrorKind::Transient, "503"))
            })
            .await;
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 4);

        calls.store(0, Ordering::SeqCst);
        let _: Result<(), _> = quick()
            .run(|| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(S3Error::new(ErrorKind::AccessDenied, "no"))
            })
            .await;
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
