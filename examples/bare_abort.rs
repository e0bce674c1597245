//! The reference: a bare aws-sdk-s3 program with no console around it. Lists every page of
//! incomplete uploads, then aborts them all with 64 in flight. Prints `NAME=value` lines.
//! The SDK's standard retry mode (3 tries), or with `adaptive` its adaptive mode, which adds
//! a client-side rate limiter that backs off on throttling.
//!
//! `cargo run --release --example bare_abort -- BUCKET [CONCURRENCY] [adaptive]`, with
//! AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_REGION set.

use std::time::Instant;

use aws_config::BehaviorVersion;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::retry::RetryConfig;
use futures::{StreamExt, stream};

const DEFAULT_IN_FLIGHT: usize = 64;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let bucket = args
        .next()
        .ok_or("usage: bare_abort BUCKET [CONCURRENCY] [adaptive]")?;
    let in_flight: usize = match args.next() {
        Some(n) => n.parse()?,
        None => DEFAULT_IN_FLIGHT,
    };
    let retry = match args.next().as_deref() {
        Some("adaptive") => RetryConfig::adaptive(),
        None => RetryConfig::standard(),
        Some(other) => return Err(format!("unknown retry mode {other:?}").into()),
    };
    let shared = aws_config::defaults(BehaviorVersion::latest()).load().await;
    let config = aws_sdk_s3::config::Builder::from(&shared)
        .force_path_style(true)
        .retry_config(retry)
        .build();
    let client = Client::from_conf(config);

    let listing_started = Instant::now();
    let mut uploads: Vec<(String, String)> = Vec::new();
    let (mut key_marker, mut upload_id_marker) = (None, None);
    loop {
        let page = client
            .list_multipart_uploads()
            .bucket(&bucket)
            .set_key_marker(key_marker.take())
            .set_upload_id_marker(upload_id_marker.take())
            .send()
            .await?;
        for upload in page.uploads() {
            if let (Some(key), Some(id)) = (upload.key(), upload.upload_id()) {
                uploads.push((key.to_owned(), id.to_owned()));
            }
        }
        if page.is_truncated() != Some(true) {
            break;
        }
        key_marker = page.next_key_marker().map(str::to_owned);
        upload_id_marker = page.next_upload_id_marker().map(str::to_owned);
        if key_marker.is_none() {
            return Err("the server said there is more but sent no marker".into());
        }
    }
    let list_seconds = listing_started.elapsed().as_secs_f64();

    let abort_started = Instant::now();
    let failed = stream::iter(&uploads)
        .map(|(key, id)| {
            client
                .abort_multipart_upload()
                .bucket(&bucket)
                .key(key)
                .upload_id(id)
                .send()
        })
        .buffer_unordered(in_flight.max(1))
        .filter(|result| std::future::ready(result.is_err()))
        .count()
        .await;
    let abort_seconds = abort_started.elapsed().as_secs_f64();

    println!("LISTED={}", uploads.len());
    println!("LIST_SECONDS={list_seconds:.3}");
    println!("ABORTED={}", uploads.len() - failed);
    println!("FAILED={failed}");
    println!("ABORT_SECONDS={abort_seconds:.3}");
    Ok(())
}
