//! The test proxy's fault modes do what they say, in front of a real Garage: later tests and
//! benchmarks build on them (latency, throttling, dropped and stalled connections, 5xx storms,
//! hostile error text).

mod common;
mod proxy;

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use futures::{StreamExt, stream};
use partsweep::s3::{ErrorKind, S3};
use proxy::{Outcome, Proxy, RateLimit, Rules, Stall, Storm};

async fn client(proxy: &Proxy) -> S3 {
    S3::connect(&proxy.options()).await
}

fn count(proxy: &Proxy, outcome: impl Fn(&Outcome) -> bool) -> usize {
    proxy
        .seen()
        .iter()
        .filter(|seen| outcome(&seen.outcome))
        .count()
}

#[tokio::test]
async fn untouched_rules_forward_everything() {
    let proxy = Proxy::start(&common::options(), Rules::default());
    let s3 = client(&proxy).await;
    let bucket = common::bucket(&s3, "plain").await;
    s3.put_object(&bucket, "a.txt", b"a".to_vec())
        .await
        .expect("put through the proxy");
    assert!(
        s3.list_buckets()
            .await
            .expect("list")
            .iter()
            .any(|b| b.name == bucket)
    );
    assert!(proxy.refused().is_empty());
    assert_eq!(count(&proxy, |o| matches!(o, Outcome::Forwarded(200))), 3);
}

#[tokio::test]
async fn latency_delays_every_request() {
    let proxy = Proxy::start(
        &common::options(),
        Rules {
            latency: Duration::from_millis(300),
            ..Rules::default()
        },
    );
    let s3 = client(&proxy).await;
    let started = Instant::now();
    s3.list_buckets().await.expect("list");
    s3.list_buckets().await.expect("list");
    assert!(
        started.elapsed() >= Duration::from_millis(600),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_storm_answers_5xx_until_it_ends() {
    let proxy = Proxy::start(
        &common::options(),
        Rules {
            storm: Some(Storm::unavailable()),
            ..Rules::default()
        },
    );
    let s3 = client(&proxy).await;
    let err = s3.list_buckets().await.expect_err("storm");
    assert_eq!(err.status, Some(503), "{err:?}");
    assert_eq!(err.kind, ErrorKind::Transient, "{err:?}");
    let attempts = proxy.refused().len();
    assert!(attempts >= 1, "the SDK's own attempts all met the storm");

    // A storm of two errors: the SDK's retries get through.
    proxy.set_rules(Rules {
        storm: Some(Storm {
            limit: Some(2),
            ..Storm::unavailable()
        }),
        ..Rules::default()
    });
    s3.list_buckets().await.expect("the third attempt passes");
    assert_eq!(proxy.refused().len(), attempts + 2);
}

#[tokio::test]
async fn slow_down_above_a_rate_globally_and_per_prefix() {
    let garage = common::client().await;
    let bucket = common::bucket(&garage, "throttle").await;
    let proxy = Proxy::start(
        &common::options(),
        Rules {
            slow_down: Some(RateLimit {
                per_second: 2.0,
                burst: 2,
            }),
            ..Rules::default()
        },
    );
    let s3 = client(&proxy).await;
    let results: Vec<_> = stream::iter(0..8)
        .map(|_| s3.list_buckets())
        .buffer_unordered(8)
        .collect()
        .await;
    let slow_downs = count(
        &proxy,
        |o| matches!(o, Outcome::Refused(503, code) if code == "SlowDown"),
    );
    assert!(slow_downs >= 1, "{:?}", proxy.seen());
    if let Some(Err(err)) = results.iter().find(|r| r.is_err()) {
        assert_eq!(err.kind, ErrorKind::Throttled, "{err:?}");
    }

    proxy.set_rules(Rules {
        slow_down_per_prefix: vec![(
            "hot/".into(),
            RateLimit {
                per_second: 0.001,
                burst: 1,
            },
        )],
        ..Rules::default()
    });
    proxy.clear_seen();
    s3.put_object(&bucket, "cold/a", b"a".to_vec())
        .await
        .expect("cold 1");
    s3.put_object(&bucket, "cold/b", b"b".to_vec())
        .await
        .expect("cold 2");
    s3.put_object(&bucket, "hot/a", b"a".to_vec())
        .await
        .expect("the burst");
    let err = s3
        .put_object(&bucket, "hot/b", b"b".to_vec())
        .await
        .expect_err("above the prefix's rate");
    assert_eq!(err.code.as_deref(), Some("SlowDown"), "{err:?}");
    assert!(
        proxy
            .refused()
            .iter()
            .all(|seen| seen.path.contains("/hot/")),
        "{:?}",
        proxy.refused()
    );
}

#[tokio::test]
async fn dropped_and_stalled_connections_fail_the_call() {
    let proxy = Proxy::start(
        &common::options(),
        Rules {
            drop_share: 1.0,
            ..Rules::default()
        },
    );
    let s3 = client(&proxy).await;
    let err = s3
        .list_buckets()
        .await
        .expect_err("every connection dropped");
    assert!(err.message.contains("connection closed"), "{err:?}");
    assert!(count(&proxy, |o| *o == Outcome::Dropped) >= 1);

    proxy.set_rules(Rules {
        stall: Some(Stall {
            share: 1.0,
            duration: Duration::from_millis(400),
        }),
        ..Rules::default()
    });
    let started = Instant::now();
    s3.list_buckets()
        .await
        .expect_err("every request stalls, then is dropped");
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert!(count(&proxy, |o| *o == Outcome::Stalled) >= 1);
}

#[tokio::test]
async fn hostile_error_text_carries_escape_sequences() {
    let proxy = Proxy::start(
        &common::options(),
        Rules {
            storm: Some(Storm::unavailable()),
            hostile_error_text: true,
            ..Rules::default()
        },
    );
    let address = proxy.endpoint().trim_start_matches("http://").to_owned();
    let answer = tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(address).expect("connect");
        stream
            .write_all(b"GET / HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n")
            .expect("send");
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).expect("answer");
        String::from_utf8_lossy(&answer).into_owned()
    })
    .await
    .expect("raw request");
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(
        answer.contains("\x1b[31m") && answer.contains("\x1b]0;"),
        "{answer:?}"
    );
    assert!(answer.contains('\u{202e}'), "{answer:?}");
}
