//! Sizes against a real Garage: ListParts details across pages, bucket totals, a scan of
//! several buckets, unreadable uploads, and which uploads are still active.

mod common;
mod proxy;

use futures::TryStreamExt;
use partsweep::ops::cost::is_active;
use partsweep::ops::journal::Journal;
use partsweep::ops::sizes::{BucketTotals, ScanEvent, Size, Sizing, scan_buckets, size_bucket};
use partsweep::s3::{Bucket, S3, Upload, UploadRef};
use tokio_util::sync::CancellationToken;

const SIZING: Sizing = Sizing {
    concurrency: 8,
    uploads_page: None,
    parts_page: None,
};

/// Starts an upload of `key` with parts of these sizes (part numbers 1, 2, ...).
async fn upload_with_parts(s3: &S3, bucket: &str, key: &str, sizes: &[usize]) -> String {
    let id = s3.create_upload(bucket, key).await.expect("create upload");
    for (i, size) in sizes.iter().enumerate() {
        s3.upload_part(bucket, key, &id, i as i32 + 1, vec![b'p'; *size])
            .await
            .expect("upload part");
    }
    id
}

fn find<'a>(uploads: &'a [Upload], key: &str) -> &'a Upload {
    uploads
        .iter()
        .find(|u| &*u.key == key)
        .expect("upload listed")
}

#[tokio::test]
async fn parts_and_bytes_are_exact_across_list_parts_pages() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "parts").await;
    let sizes = [1_000, 2_000, 3_000, 4_000, 5_000, 6_000, 7_001];
    let id = upload_with_parts(&s3, &bucket, "big.bin", &sizes).await;
    let listed = common::all_uploads(&s3, &bucket).await;
    let initiated = find(&listed, "big.bin").initiated;

    // Two parts a page: four ListParts pages.
    let found = s3
        .list_parts(&bucket, "big.bin", &id, initiated, Some(2))
        .await
        .expect("list parts");
    let numbers: Vec<i32> = found.parts.iter().map(|p| p.number).collect();
    assert_eq!(numbers, [1, 2, 3, 4, 5, 6, 7]);
    let part_sizes: Vec<u64> = found.parts.iter().map(|p| p.size).collect();
    assert_eq!(part_sizes, sizes.map(|s| s as u64));
    assert!(found.parts.iter().all(|p| !p.etag.is_empty()));
    assert_eq!(found.summary.parts, 7);
    assert_eq!(found.summary.bytes, 28_001);
    let newest = found.parts.iter().filter_map(|p| p.last_modified).max();
    assert!(newest.is_some());
    assert_eq!(found.summary.last_activity, newest);
    assert!(newest >= initiated, "{newest:?} {initiated:?}");

    // One page holds them all: the same answer.
    let whole = s3
        .list_parts(&bucket, "big.bin", &id, initiated, None)
        .await
        .expect("list parts");
    assert_eq!(whole.parts, found.parts);
}

#[tokio::test]
async fn an_upload_without_parts_was_last_active_when_it_started() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "noparts").await;
    let id = upload_with_parts(&s3, &bucket, "empty.bin", &[]).await;
    let found = s3
        .list_parts(&bucket, "empty.bin", &id, Some(12_345), None)
        .await
        .expect("list parts");
    assert!(found.parts.is_empty());
    assert_eq!(found.summary.parts, 0);
    assert_eq!(found.summary.bytes, 0);
    assert_eq!(found.summary.last_activity, Some(12_345));
}

#[tokio::test]
async fn bucket_totals_equal_the_sum_of_each_upload() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "totals").await;
    let plan: [(&str, &[usize]); 4] = [
        ("a.bin", &[100, 200]),
        ("b.bin", &[]),
        ("dir/c.bin", &[5_000, 5_000, 1]),
        ("dir/d.bin", &[7]),
    ];
    for (key, sizes) in plan {
        upload_with_parts(&s3, &bucket, key, sizes).await;
    }
    let mut sized = Vec::new();
    let small_pages = Sizing {
        concurrency: 3,
        uploads_page: Some(1),
        parts_page: Some(1),
    };
    let totals = size_bucket(
        &s3,
        &bucket,
        small_pages,
        &CancellationToken::new(),
        |page| sized.extend(page),
    )
    .await
    .expect("size bucket");
    assert_eq!(sized.len(), 4);
    let listed = common::all_uploads(&s3, &bucket).await;
    assert_eq!(
        totals,
        BucketTotals {
            uploads: 4,
            parts: 6,
            bytes: 10_308,
            oldest: listed.iter().filter_map(|u| u.initiated).min(),
            unknown: 0,
        }
    );
    let by_key = |key: &str| {
        sized
            .iter()
            .find(|(u, _)| &*u.key == key)
            .and_then(|(_, size)| size.bytes())
    };
    assert_eq!(by_key("dir/c.bin"), Some(10_001));
    assert_eq!(by_key("b.bin"), Some(0));
}

#[tokio::test]
async fn an_unreadable_upload_is_counted_with_an_unknown_size_and_the_rest_kept() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "unreadable").await;
    upload_with_parts(&s3, &bucket, "plain.bin", &[300, 400]).await;
    let hostile = "esc-\x1b[31mred\x1b[0m.bin";
    // Garage creates the upload but cannot echo its key in valid XML.
    let _ = s3.create_upload(&bucket, hostile).await;
    let listed = common::all_uploads(&s3, &bucket).await;
    let escaped = find(&listed, hostile);
    s3.upload_part(&bucket, hostile, &escaped.upload_id, 1, vec![0; 50])
        .await
        .expect("a part for the hostile key");

    let mut sized = Vec::new();
    let totals = size_bucket(&s3, &bucket, SIZING, &CancellationToken::new(), |page| {
        sized.extend(page)
    })
    .await
    .expect("the bucket is read despite one unreadable upload");
    assert_eq!(totals.uploads, 2);
    assert_eq!(totals.unknown, 1);
    assert_eq!((totals.parts, totals.bytes), (2, 700));
    let (_, size) = sized
        .iter()
        .find(|(u, _)| &*u.key == hostile)
        .expect("the hostile upload is listed");
    match size {
        Size::Unknown(reason) => assert!(reason.contains("could not be read"), "{reason}"),
        Size::Known(summary) => panic!("expected an unknown size, got {summary:?}"),
    }
}

#[tokio::test]
async fn a_scan_reports_a_bucket_deleted_mid_scan_and_the_others_totals() {
    let s3 = common::client().await;
    let first = common::bucket(&s3, "scan-a").await;
    let doomed = common::bucket(&s3, "scan-b").await;
    let last = common::bucket(&s3, "scan-c").await;
    upload_with_parts(&s3, &first, "one.bin", &[10, 20]).await;
    upload_with_parts(&s3, &doomed, "two.bin", &[30]).await;
    upload_with_parts(&s3, &last, "three.bin", &[]).await;
    upload_with_parts(&s3, &last, "four.bin", &[40]).await;
    let buckets: Vec<Bucket> = s3
        .list_buckets()
        .await
        .expect("buckets")
        .into_iter()
        .filter(|b| [&first, &doomed, &last].contains(&&b.name))
        .collect();
    assert_eq!(buckets.len(), 3);
    // Deleted after the bucket list was read, before its uploads are.
    s3.delete_bucket(&doomed).await.expect("delete bucket");

    let mut done = Vec::new();
    let mut sized_uploads = 0;
    scan_buckets(
        &s3,
        buckets,
        SIZING,
        &tokio::sync::Semaphore::new(SIZING.concurrency),
        &CancellationToken::new(),
        |event| match event {
            ScanEvent::Sized { uploads, .. } => sized_uploads += uploads.len(),
            ScanEvent::BucketDone { bucket, result } => done.push((bucket, result)),
        },
    )
    .await;
    assert_eq!(done.len(), 3, "every bucket reports once: {done:?}");
    let result = |name: &str| {
        done.iter()
            .find(|(bucket, _)| bucket == name)
            .map(|(_, result)| result.clone())
            .expect("reported")
    };
    let err = result(&doomed).expect_err("the deleted bucket fails");
    assert!(err.display_line().contains("NoSuchBucket") || err.message.contains("not exist"));
    let a = result(&first).expect("first bucket read");
    assert_eq!((a.uploads, a.parts, a.bytes), (1, 2, 30));
    let c = result(&last).expect("last bucket read");
    assert_eq!((c.uploads, c.parts, c.bytes), (2, 1, 40));
    assert_eq!(sized_uploads, 3);
}

#[tokio::test]
async fn a_bucket_listed_in_another_region_is_read_in_the_region_the_server_names() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "region").await;
    upload_with_parts(&s3, &bucket, "r.bin", &[64]).await;
    assert_eq!(
        s3.bucket_region(&bucket).await.expect("region"),
        s3.region()
    );
    // A stale region: the first listing is refused, the bucket's own region answers.
    let refused = s3
        .in_region("elsewhere-1")
        .list_uploads(&bucket, None, None)
        .try_collect::<Vec<_>>()
        .await
        .expect_err("signed for the wrong region");
    assert!(refused.is_wrong_region(), "{refused:?}");
    let elsewhere = Bucket {
        name: bucket.clone(),
        region: Some("elsewhere-1".into()),
        created: None,
    };
    let mut done = Vec::new();
    scan_buckets(
        &s3,
        vec![elsewhere],
        SIZING,
        &tokio::sync::Semaphore::new(SIZING.concurrency),
        &CancellationToken::new(),
        |event| {
            if let ScanEvent::BucketDone { result, .. } = event {
                done.push(result);
            }
        },
    )
    .await;
    let totals = done.pop().expect("reported").expect("read in its region");
    assert_eq!((totals.uploads, totals.bytes), (1, 64));
}

#[tokio::test]
async fn an_upload_that_just_received_a_part_is_active_and_an_idle_one_is_not() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "active").await;
    upload_with_parts(&s3, &bucket, "idle.bin", &[]).await;
    // Timestamps have whole seconds: a little over one apart.
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    upload_with_parts(&s3, &bucket, "running.bin", &[10]).await;
    let mut sized = Vec::new();
    size_bucket(&s3, &bucket, SIZING, &CancellationToken::new(), |page| {
        sized.extend(page)
    })
    .await
    .expect("size bucket");
    let activity = |key: &str| {
        sized
            .iter()
            .find(|(u, _)| &*u.key == key)
            .and_then(|(_, size)| size.last_activity())
    };
    let running = activity("running.bin").expect("last activity of the running upload");
    // The clock, injected: the instant the running upload got its part, and an hour later.
    let now = running;
    assert!(is_active(Some(running), 1, now));
    assert!(!is_active(activity("idle.bin"), 1, now));
    assert!(!is_active(Some(running), 3_600, now + 3_600));
}

#[tokio::test]
async fn the_runner_sizes_every_upload_asked_for_and_reads_one_uploads_parts() {
    use partsweep::action::{Action, Command, SizeCommand, SizeEvent};
    use partsweep::tasks::Tasks;

    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "runner").await;
    for i in 0..20 {
        upload_with_parts(&s3, &bucket, &format!("u{i:02}.bin"), &[100 + i]).await;
    }
    let uploads = common::all_uploads(&s3, &bucket).await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut tasks = Tasks::new(s3.clone(), tx, Journal::off());
    let (shown, rest) = uploads.split_at(5);
    tasks.run(Command::Sizes(SizeCommand::MeasureUploads {
        request: 7,
        bucket: bucket.clone(),
        uploads: rest.iter().map(UploadRef::from).collect(),
        first: false,
    }));
    tasks.run(Command::Sizes(SizeCommand::MeasureUploads {
        request: 7,
        bucket: bucket.clone(),
        uploads: shown.iter().map(UploadRef::from).collect(),
        first: true,
    }));
    let mut bytes = 0;
    for _ in 0..uploads.len() {
        let action = tokio::time::timeout(std::time::Duration::from_secs(30), rx.recv())
            .await
            .expect("sizes arrive")
            .expect("runner alive");
        let Action::Sizes(SizeEvent::Measured {
            request, result, ..
        }) = action
        else {
            panic!("unexpected {action:?}");
        };
        assert_eq!(request, 7);
        bytes += result
            .expect("measured")
            .and_then(|size| size.bytes())
            .expect("known");
    }
    assert_eq!(bytes, (0..20).map(|i| 100 + i).sum::<u64>());

    tasks.run(Command::Sizes(SizeCommand::ReadParts {
        request: 8,
        bucket: bucket.clone(),
        upload: uploads[0].clone(),
    }));
    let action = tokio::time::timeout(std::time::Duration::from_secs(30), rx.recv())
        .await
        .expect("parts arrive")
        .expect("runner alive");
    let Action::Sizes(SizeEvent::PartsRead { result, .. }) = action else {
        panic!("unexpected {action:?}");
    };
    let parts = result.expect("parts");
    assert_eq!(parts.parts.len(), 1);
    assert_eq!(parts.parts[0].number, 1);
}

/// Sizes nobody asked for never crowd out the user's own work: once a clear starts,
/// background ListParts calls (the bucket scan and the pane's workers) start no more until it
/// ends; only those already in flight finish.
#[tokio::test(flavor = "multi_thread")]
async fn background_sizing_stands_aside_while_a_clear_runs() {
    use partsweep::action::{Action, Command, SizeCommand};
    use partsweep::tasks::{SIZE_CONCURRENCY, Tasks};
    use std::time::Duration;

    let garage = common::client().await;
    let bucket = common::bucket(&garage, "quiet").await;
    let started = common::start_uploads(&garage, &bucket, "quiet/", 600).await;
    let proxy = proxy::Proxy::start(
        &common::options(),
        proxy::Rules {
            latency: Duration::from_millis(20),
            ..proxy::Rules::default()
        },
    );
    let s3 = S3::connect(&proxy.options()).await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut tasks = Tasks::new(s3, tx, Journal::off());
    tasks.run(Command::Sizes(SizeCommand::ScanBuckets {
        scan: 1,
        buckets: vec![Bucket {
            name: bucket.clone(),
            region: None,
            created: None,
        }],
    }));
    tasks.run(Command::Sizes(SizeCommand::MeasureUploads {
        request: 2,
        bucket: bucket.clone(),
        uploads: common::all_uploads(&garage, &bucket)
            .await
            .iter()
            .map(UploadRef::from)
            .collect(),
        first: false,
    }));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while proxy.seen().iter().filter(|s| s.is_list_parts()).count() < 50 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "sizing never started"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    tasks.run(Command::AbortUploads {
        job: 3,
        bucket: bucket.clone(),
        uploads: common::refs(&started),
    });
    loop {
        let action = tokio::time::timeout(Duration::from_secs(60), rx.recv())
            .await
            .expect("the clear ends")
            .expect("runner alive");
        if let Action::JobFinished {
            job: 3,
            not_attempted,
        } = action
        {
            assert!(not_attempted.is_empty());
            break;
        }
    }
    let seen = proxy.seen();
    let aborts: Vec<usize> = (0..seen.len())
        .filter(|&i| seen[i].method == "DELETE")
        .collect();
    assert_eq!(aborts.len(), 600, "every upload aborted once");
    let (first, last) = (aborts[0], aborts[aborts.len() - 1]);
    let during = seen[first..=last]
        .iter()
        .filter(|s| s.is_list_parts())
        .count();
    assert!(
        during <= SIZE_CONCURRENCY,
        "{during} ListParts calls answered during the clear; at most the {SIZE_CONCURRENCY} in flight when it started may finish"
    );
    assert!(common::all_uploads(&garage, &bucket).await.is_empty());
}
