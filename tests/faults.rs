//! Faults and cancel on the write paths, through the test proxy in front of Garage: one retry
//! layer with a shared budget, an adaptive concurrency that yields to throttling, 5xx storms
//! that end a job early, cancels that reach calls waiting in backoff.

mod common;
mod proxy;

use std::time::{Duration, Instant};

use partsweep::ops::abort::{abort_all, abort_paced};
use partsweep::ops::limit::Limiter;
use partsweep::ops::purge::{PurgeEnd, empty_and_delete_until};
use partsweep::s3::{ErrorKind, S3, S3Error, UploadRef};
use proxy::{Outcome, Proxy, RateLimit, Rules, Storm};
use tokio_util::sync::CancellationToken;

/// No test here may hang: a job that does not end fails the test.
const LIMIT: Duration = Duration::from_secs(90);

fn on_deletes(rules: Rules) -> Rules {
    Rules {
        fault_methods: vec!["DELETE".into()],
        ..rules
    }
}

fn deletes_seen(proxy: &Proxy) -> usize {
    proxy
        .seen()
        .iter()
        .filter(|seen| seen.method == "DELETE")
        .count()
}

/// Seeds `n` uploads on Garage directly, and a client that goes through the proxy.
async fn setup(label: &str, n: usize, rules: Rules) -> (S3, String, Vec<UploadRef>, Proxy, S3) {
    let garage = common::client().await;
    let bucket = common::bucket(&garage, label).await;
    let uploads = common::refs(&common::start_uploads(&garage, &bucket, "f/", n).await);
    let proxy = Proxy::start(&common::options(), rules);
    let s3 = S3::connect(&proxy.options()).await;
    (garage, bucket, uploads, proxy, s3)
}

type Results = Vec<(UploadRef, Result<partsweep::s3::AbortOutcome, S3Error>)>;

async fn abort_within_limit(
    s3: &S3,
    bucket: &str,
    uploads: Vec<UploadRef>,
    limiter: &Limiter,
    token: &CancellationToken,
) -> (Results, Vec<UploadRef>) {
    let mut results = Vec::new();
    let not_attempted = tokio::time::timeout(
        LIMIT,
        abort_paced(s3, bucket, uploads, limiter, token, |upload, result| {
            results.push((upload, result))
        }),
    )
    .await
    .expect("the job ends");
    (results, not_attempted)
}

#[tokio::test]
async fn a_connection_closed_after_the_request_was_sent_is_retried() {
    let (garage, bucket, uploads, proxy, s3) = setup(
        "dropped",
        60,
        on_deletes(Rules {
            drop_share: 1.0,
            ..Rules::default()
        }),
    )
    .await;
    let err = s3
        .abort_upload(&bucket, &uploads[0])
        .await
        .expect_err("the proxy closes the connection");
    assert_eq!(err.kind, ErrorKind::Transient, "{err:?}");
    assert!(err.is_retryable(), "{err:?}");

    proxy.set_rules(on_deletes(Rules {
        drop_share: 0.3,
        seed: 7,
        ..Rules::default()
    }));
    let limiter = Limiter::new(8);
    let (results, not_attempted) =
        abort_within_limit(&s3, &bucket, uploads, &limiter, &CancellationToken::new()).await;
    let failed: Vec<_> = results.iter().filter(|(_, r)| r.is_err()).collect();
    assert!(failed.is_empty(), "{failed:?}");
    assert!(not_attempted.is_empty());
    assert!(
        proxy
            .seen()
            .iter()
            .any(|seen| seen.outcome == Outcome::Dropped),
        "some connections were dropped"
    );
    assert!(common::all_uploads(&garage, &bucket).await.is_empty());
}

#[tokio::test]
async fn one_retry_layer_an_abort_is_tried_six_times_at_most() {
    let (garage, bucket, uploads, proxy, s3) = setup(
        "one-layer",
        1,
        on_deletes(Rules {
            storm: Some(Storm::unavailable()),
            ..Rules::default()
        }),
    )
    .await;
    let (results, _) = abort_within_limit(
        &s3,
        &bucket,
        uploads,
        &Limiter::new(4),
        &CancellationToken::new(),
    )
    .await;
    assert!(results[0].1.is_err(), "{results:?}");
    // Today's 6 tries of ops' backoff, each once: not 6 × the SDK's 3.
    assert_eq!(deletes_seen(&proxy), 6, "{:?}", proxy.seen());
    assert_eq!(common::all_uploads(&garage, &bucket).await.len(), 1);
}

#[tokio::test]
async fn a_5xx_storm_ends_the_job_early_and_leaves_the_rest_not_attempted() {
    let (garage, bucket, uploads, proxy, s3) = setup(
        "storm",
        400,
        on_deletes(Rules {
            storm: Some(Storm {
                status: 502,
                code: "BadGateway".into(),
                ..Storm::unavailable()
            }),
            ..Rules::default()
        }),
    )
    .await;
    let started = Instant::now();
    let (results, not_attempted) = abort_within_limit(
        &s3,
        &bucket,
        uploads,
        &Limiter::new(32),
        &CancellationToken::new(),
    )
    .await;
    assert!(results.iter().all(|(_, r)| r.is_err()), "{results:?}");
    assert_eq!(results.len() + not_attempted.len(), 400);
    assert!(
        not_attempted.len() >= 300,
        "stopped early: {} attempted",
        results.len()
    );
    // The job's retries share one budget: a few hundred requests, not 400 × 6.
    assert!(
        deletes_seen(&proxy) < 400,
        "{} requests",
        deletes_seen(&proxy)
    );
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(common::all_uploads(&garage, &bucket).await.len(), 400);
}

#[tokio::test]
async fn under_throttling_a_clear_finishes_with_nothing_failed_and_nothing_left() {
    let per_second = 150.0;
    let (garage, bucket, uploads, proxy, s3) = setup(
        "throttled",
        600,
        on_deletes(Rules {
            latency: Duration::from_millis(20),
            slow_down: Some(RateLimit {
                per_second,
                burst: 10,
            }),
            ..Rules::default()
        }),
    )
    .await;
    let limiter = Limiter::new(256);
    let started = Instant::now();
    let (results, not_attempted) =
        abort_within_limit(&s3, &bucket, uploads, &limiter, &CancellationToken::new()).await;
    let seconds = started.elapsed().as_secs_f64();
    let failed: Vec<_> = results.iter().filter(|(_, r)| r.is_err()).collect();
    assert!(
        failed.is_empty(),
        "{} failed: {:?}",
        failed.len(),
        failed.first()
    );
    assert!(not_attempted.is_empty());
    assert!(common::all_uploads(&garage, &bucket).await.is_empty());
    let pace = limiter.pace();
    assert!(pace.throttled > 0, "{pace:?}");
    assert!(
        pace.throttled as usize == proxy.refused().len(),
        "every SlowDown counted: {pace:?}"
    );
    assert!(pace.limit < 32, "the limit came down: {pace:?}");
    eprintln!(
        "600 aborts at {per_second}/s allowed: {seconds:.1}s ({:.0}/s), {pace:?}",
        600.0 / seconds
    );
}

#[tokio::test]
async fn cancel_reaches_calls_waiting_in_backoff() {
    let (garage, bucket, uploads, proxy, s3) = setup(
        "cancel-backoff",
        20,
        on_deletes(Rules {
            slow_down: Some(RateLimit {
                per_second: 0.001,
                burst: 1,
            }),
            ..Rules::default()
        }),
    )
    .await;
    let token = CancellationToken::new();
    let limiter = Limiter::new(4);
    let cancel = async {
        // Every abort but one is throttled and waits in backoff by now.
        tokio::time::sleep(Duration::from_millis(600)).await;
        token.cancel();
        // Calls already sent may still be answered (and only then seen by the proxy).
        let in_flight = limiter.pace().in_flight;
        (Instant::now(), deletes_seen(&proxy) + in_flight)
    };
    let (((results, not_attempted), ended), (cancelled_at, seen_at_cancel)) = tokio::join!(
        async {
            let outcome = abort_within_limit(&s3, &bucket, uploads, &limiter, &token).await;
            (outcome, Instant::now())
        },
        cancel
    );
    assert!(
        ended.duration_since(cancelled_at) < Duration::from_millis(500),
        "the job ended at once, not after its backoffs: {:?}",
        ended.duration_since(cancelled_at)
    );
    assert!(
        deletes_seen(&proxy) <= seen_at_cancel,
        "no try after the cancel: {} > {seen_at_cancel}",
        deletes_seen(&proxy)
    );
    let aborted = results.iter().filter(|(_, r)| r.is_ok()).count();
    let interrupted: Vec<_> = results.iter().filter(|(_, r)| r.is_err()).collect();
    // A call may have spent its tries before the cancel; the others stopped in backoff.
    assert!(
        interrupted.iter().any(|(_, r)| r
            .as_ref()
            .is_err_and(|e| e.message.contains("not tried again"))),
        "{interrupted:?}"
    );
    assert_eq!(aborted + interrupted.len() + not_attempted.len(), 20);
    assert!(!not_attempted.is_empty(), "waiting for a place, never sent");
    assert_eq!(
        common::all_uploads(&garage, &bucket).await.len(),
        20 - aborted
    );
}

#[tokio::test]
async fn a_second_cancel_skips_the_count_after_a_stopped_empty_and_delete() {
    let garage = common::client().await;
    let bucket = common::bucket(&garage, "recount").await;
    garage
        .put_object(&bucket, "kept.txt", b"x".to_vec())
        .await
        .expect("put");
    common::start_uploads(&garage, &bucket, "u/", 3).await;
    // Every listing through the proxy takes seconds: the count after a stop would too.
    let proxy = Proxy::start(
        &common::options(),
        Rules {
            latency: Duration::from_secs(4),
            ..Rules::default()
        },
    );
    let s3 = S3::connect(&proxy.options()).await;
    let (token, stop_counting) = (CancellationToken::new(), CancellationToken::new());
    let started = Instant::now();
    let report = tokio::time::timeout(
        LIMIT,
        empty_and_delete_until(&s3, &bucket, 8, &token, &stop_counting, |_| {
            token.cancel();
            stop_counting.cancel();
        }),
    )
    .await
    .expect("the run ends");
    assert!(
        matches!(report.end, PurgeEnd::Cancelled { .. }),
        "{report:?}"
    );
    assert!(
        report.left_not_counted && report.left.is_none(),
        "{report:?}"
    );
    assert!(
        report
            .lines()
            .iter()
            .any(|line| line.contains("was not counted")),
        "{report:?}"
    );
    // One listing page (4 s), and no count of what is left (several more).
    assert!(
        started.elapsed() < Duration::from_secs(7),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(common::all_uploads(&garage, &bucket).await.len(), 3);
}

#[tokio::test]
async fn a_clear_with_the_default_bound_matches_the_old_fixed_concurrency_on_a_plain_server() {
    // No throttling, no latency: the adaptive limit must not get in the way.
    let garage = common::client().await;
    let bucket = common::bucket(&garage, "plain").await;
    let uploads = common::refs(&common::start_uploads(&garage, &bucket, "", 300).await);
    let mut failed = 0;
    let not_attempted = abort_all(
        &garage,
        &bucket,
        uploads,
        256,
        &CancellationToken::new(),
        |_, result| failed += usize::from(result.is_err()),
    )
    .await;
    assert_eq!((failed, not_attempted.len()), (0, 0));
    assert!(common::all_uploads(&garage, &bucket).await.is_empty());
}
