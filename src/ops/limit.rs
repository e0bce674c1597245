//! How many calls of one job are in flight: an adaptive limit (AIMD), bounded by
//! `--concurrency`. It grows while calls succeed and latency holds, and shrinks when the
//! server pushes back (SlowDown, 503, 5xx, timeouts) or latency climbs far above the best
//! seen, so a throttling server gets fewer calls instead of failed uploads.

use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use crate::format;

/// Calls in flight when a job starts (or `--concurrency`, if lower).
pub const START: usize = 32;
/// On pushback the limit is multiplied by this (at most once per round trip).
const CUT: f64 = 0.7;
/// Latency above this multiple of the best seen stops the limit growing...
const HOLD_ABOVE: f64 = 8.0;
/// ...and above this one shrinks it, as pushback does.
const CUT_ABOVE: f64 = 16.0;
/// Samples of latency before the best seen counts: the first calls open connections.
const WARM_UP: u32 = 8;

/// What the limiter is doing, for the progress line and the summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pace {
    /// Calls allowed in flight now.
    pub limit: usize,
    pub in_flight: usize,
    /// The bound (`--concurrency`).
    pub max: usize,
    /// Answers that asked us to slow down (SlowDown, 503, 429), retries included.
    pub throttled: u64,
}

impl Pace {
    /// `12 times (SlowDown, 503)`, or `never`.
    pub fn throttled_words(&self) -> String {
        match self.throttled {
            0 => "never".into(),
            1 => "once (SlowDown, 503)".into(),
            n => format!("{} times (SlowDown, 503)", format::count(n)),
        }
    }

    /// `48 calls at once at the end (up to 256)`.
    pub fn limit_words(&self) -> String {
        format!(
            "{} at once at the end (up to {})",
            format::count(self.limit as u64),
            format::count(self.max as u64)
        )
    }
}

/// What a call's answer says about the server's load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// It answered (whatever it said): latency counts, the limit may grow.
    Answered(Duration),
    /// It pushed back; `throttled` when it said so in words (SlowDown, 503).
    Pushback { throttled: bool },
    /// No news about load (an access error, a cancelled call).
    Neutral,
}

/// The arithmetic, apart from waiting, so it can be tested with a made-up clock.
#[derive(Debug, Clone)]
struct Aimd {
    limit: f64,
    max: f64,
    in_flight: usize,
    /// Until the first pushback or latency hold, the limit grows by one per answer.
    slow_start: bool,
    last_cut: Option<Instant>,
    smoothed: Option<Duration>,
    best: Option<Duration>,
    samples: u32,
    throttled: u64,
}

impl Aimd {
    fn new(max: usize) -> Self {
        let max = max.max(1);
        Aimd {
            limit: START.min(max) as f64,
            max: max as f64,
            in_flight: 0,
            slow_start: true,
            last_cut: None,
            smoothed: None,
            best: None,
            samples: 0,
            throttled: 0,
        }
    }

    fn allowed(&self) -> usize {
        self.limit.floor().max(1.0) as usize
    }

    fn try_start(&mut self) -> bool {
        if self.in_flight < self.allowed() {
            self.in_flight += 1;
            true
        } else {
            false
        }
    }

    fn settle(&mut self, signal: Signal, now: Instant) {
        // Whether this call's answer came while every allowed slot was taken: only then
        // does it say anything about a higher limit.
        let busy = self.in_flight >= self.allowed();
        self.in_flight = self.in_flight.saturating_sub(1);
        match signal {
            Signal::Neutral => {}
            Signal::Pushback { throttled } => {
                if throttled {
                    self.throttled += 1;
                }
                self.cut(now);
            }
            Signal::Answered(latency) => {
                let ratio = self.observe(latency);
                if ratio > CUT_ABOVE {
                    self.cut(now);
                } else if ratio > HOLD_ABOVE {
                    self.slow_start = false;
                } else if busy {
                    let step = if self.slow_start {
                        1.0
                    } else {
                        1.0 / self.limit
                    };
                    self.limit = (self.limit + step).min(self.max);
                }
            }
        }
    }

    /// Smooths the latency and returns it over the best smoothed latency seen (1 while
    /// warming up).
    fn observe(&mut self, latency: Duration) -> f64 {
        let smoothed = match self.smoothed {
            None => latency,
            Some(previous) => (previous * 7 + latency) / 8,
        };
        self.smoothed = Some(smoothed);
        self.samples = self.samples.saturating_add(1);
        if self.samples < WARM_UP {
            return 1.0;
        }
        let best = self.best.map_or(smoothed, |best| best.min(smoothed));
        self.best = Some(best);
        smoothed.as_secs_f64() / best.as_secs_f64().max(1e-6)
    }

    /// Multiplicative decrease, at most once per round trip: the answers to calls sent
    /// before the last cut say nothing about the new limit.
    fn cut(&mut self, now: Instant) {
        let round_trip = self
            .smoothed
            .unwrap_or(Duration::from_millis(100))
            .max(Duration::from_millis(10));
        if self
            .last_cut
            .is_some_and(|at| now.duration_since(at) < round_trip)
        {
            return;
        }
        self.limit = (self.limit * CUT).max(1.0);
        self.slow_start = false;
        self.last_cut = Some(now);
    }

    fn pace(&self) -> Pace {
        Pace {
            limit: self.allowed(),
            in_flight: self.in_flight,
            max: self.max as usize,
            throttled: self.throttled,
        }
    }
}

/// The calls of one job take a [`Slot`] each before they go out.
#[derive(Debug)]
pub struct Limiter {
    aimd: Mutex<Aimd>,
    freed: Notify,
}

impl Limiter {
    /// Starts at [`START`] (or `max`, if lower) and never goes above `max`.
    pub fn new(max: usize) -> Self {
        Limiter {
            aimd: Mutex::new(Aimd::new(max)),
            freed: Notify::new(),
        }
    }

    fn aimd(&self) -> MutexGuard<'_, Aimd> {
        self.aimd
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Waits until one more call may go out.
    pub async fn acquire(&self) -> Slot<'_> {
        loop {
            let freed = self.freed.notified();
            tokio::pin!(freed);
            freed.as_mut().enable();
            if self.aimd().try_start() {
                return Slot {
                    limiter: self,
                    started: Instant::now(),
                    settled: false,
                };
            }
            freed.await;
        }
    }

    pub fn pace(&self) -> Pace {
        self.aimd().pace()
    }

    fn settle(&self, signal: Signal) {
        let free = {
            let mut aimd = self.aimd();
            aimd.settle(signal, Instant::now());
            aimd.allowed().saturating_sub(aimd.in_flight)
        };
        // One wake-up per free place: a grown limit lets several waiting calls go.
        for _ in 0..free {
            self.freed.notify_one();
        }
    }
}

/// One call in flight; settling it (or dropping it, for a call that was cancelled) frees
/// the place.
#[derive(Debug)]
pub struct Slot<'a> {
    limiter: &'a Limiter,
    started: Instant,
    settled: bool,
}

impl Slot<'_> {
    /// How long since the call went out.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    pub fn settle(mut self, signal: Signal) {
        self.settled = true;
        self.limiter.settle(signal);
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        if !self.settled {
            self.limiter.settle(Signal::Neutral);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RTT: Duration = Duration::from_millis(30);

    /// One round trip of a job with more work than slots: every call in flight is answered
    /// with `signal`, and each freed place is taken again at once, as waiting calls do.
    fn round(aimd: &mut Aimd, now: &mut Instant, signal: impl Fn(usize) -> Signal) {
        while aimd.try_start() {}
        let answered = aimd.in_flight;
        *now += RTT;
        for i in 0..answered {
            aimd.settle(signal(i), *now);
            while aimd.try_start() {}
        }
    }

    #[test]
    fn grows_fast_then_stops_at_the_bound() {
        let mut aimd = Aimd::new(256);
        assert_eq!(aimd.pace().limit, START);
        let mut now = Instant::now();
        round(&mut aimd, &mut now, |_| Signal::Answered(RTT));
        assert!(aimd.pace().limit >= 2 * START - 1, "{:?}", aimd.pace());
        for _ in 0..10 {
            round(&mut aimd, &mut now, |_| Signal::Answered(RTT));
        }
        assert_eq!(aimd.pace().limit, 256);
        assert_eq!(Aimd::new(4).pace().limit, 4, "never above --concurrency");
    }

    #[test]
    fn pushback_cuts_once_per_round_trip_and_never_below_one() {
        let mut aimd = Aimd::new(100);
        let mut now = Instant::now();
        round(&mut aimd, &mut now, |_| Signal::Answered(RTT));
        let before = aimd.pace().limit;
        // A whole round of SlowDown cuts once, not once per answer.
        round(&mut aimd, &mut now, |_| Signal::Pushback {
            throttled: true,
        });
        let after = aimd.pace().limit;
        assert_eq!(after, (before as f64 * CUT) as usize, "{:?}", aimd.pace());
        assert_eq!(aimd.pace().throttled, before as u64);
        for _ in 0..40 {
            round(&mut aimd, &mut now, |_| Signal::Pushback {
                throttled: false,
            });
        }
        assert_eq!(aimd.pace().limit, 1);
    }

    #[test]
    fn after_pushback_it_grows_by_one_per_round_trip() {
        let mut aimd = Aimd::new(256);
        let mut now = Instant::now();
        round(&mut aimd, &mut now, |i| {
            if i == 0 {
                Signal::Pushback { throttled: true }
            } else {
                Signal::Answered(RTT)
            }
        });
        let after_cut = aimd.pace().limit;
        for _ in 0..5 {
            round(&mut aimd, &mut now, |_| Signal::Answered(RTT));
        }
        let grown = aimd.pace().limit - after_cut;
        assert!((4..=6).contains(&grown), "{grown}: {:?}", aimd.pace());
    }

    #[test]
    fn latency_far_above_the_best_holds_then_cuts() {
        let mut aimd = Aimd::new(1000);
        let mut now = Instant::now();
        for _ in 0..3 {
            round(&mut aimd, &mut now, |_| Signal::Answered(RTT));
        }
        // Ten times the best: once the smoothed latency is there, no more growth.
        round(&mut aimd, &mut now, |_| Signal::Answered(RTT * 10));
        let steady = aimd.pace().limit;
        for _ in 0..3 {
            round(&mut aimd, &mut now, |_| Signal::Answered(RTT * 10));
        }
        assert_eq!(aimd.pace().limit, steady, "{:?}", aimd.pace());
        // Twenty times: the server is drowning; back off as on pushback.
        for _ in 0..5 {
            round(&mut aimd, &mut now, |_| Signal::Answered(RTT * 20));
        }
        assert!(aimd.pace().limit < steady, "{:?}", aimd.pace());
        assert_eq!(aimd.pace().throttled, 0);
    }

    #[tokio::test]
    async fn slots_wait_for_a_place_and_dropping_one_frees_it() {
        let limiter = Limiter::new(2);
        let first = limiter.acquire().await;
        let second = limiter.acquire().await;
        assert_eq!(limiter.pace().in_flight, 2);
        let waiting = tokio::time::timeout(Duration::from_millis(50), limiter.acquire()).await;
        assert!(waiting.is_err(), "a third call waits");
        drop(first);
        let third = tokio::time::timeout(Duration::from_secs(1), limiter.acquire())
            .await
            .expect("a dropped slot frees its place");
        second.settle(Signal::Neutral);
        third.settle(Signal::Neutral);
        assert_eq!(limiter.pace().in_flight, 0);
    }
}
