//! Clear all and paging at scale, against a real Garage server. Correctness only: how fast
//! is the benchmark's business (`scripts/bench.sh`), never a test's.

mod common;

use std::collections::HashSet;

use futures::TryStreamExt;
use partsweep::ops::abort::abort_all;
use partsweep::ops::journal::Journal;
use partsweep::s3::{AbortOutcome, UploadRef};
use tokio_util::sync::CancellationToken;

const OBJECTS: [&str; 3] = ["kept/a.txt", "kept/b.txt", "bench/not-an-upload.bin"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clearing_thousands_with_small_concurrency_leaves_nothing_and_objects_untouched() {
    const UPLOADS: usize = 3_000;
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "scale-clear").await;
    for key in OBJECTS {
        s3.put_object(&bucket, key, key.as_bytes().to_vec())
            .await
            .expect("put object");
    }
    let created = common::start_uploads(&s3, &bucket, "bench/", UPLOADS).await;
    let listed = common::all_uploads(&s3, &bucket).await;
    assert_eq!(listed.len(), UPLOADS);
    let uploads: Vec<UploadRef> = listed.iter().map(UploadRef::from).collect();

    let mut reported = Vec::with_capacity(UPLOADS);
    let not_attempted = abort_all(
        &s3,
        &Journal::off(),
        &bucket,
        uploads.clone(),
        4,
        &CancellationToken::new(),
        |upload, result| reported.push((upload, result)),
    )
    .await;

    assert!(
        not_attempted.is_empty(),
        "{} not attempted",
        not_attempted.len()
    );
    assert_eq!(reported.len(), UPLOADS, "every upload is reported once");
    let failures: Vec<_> = reported
        .iter()
        .filter(|(_, result)| !matches!(result, Ok(AbortOutcome::Aborted)))
        .collect();
    assert!(
        failures.is_empty(),
        "first failures: {:?}",
        &failures[..failures.len().min(3)]
    );
    let reported_set: HashSet<&UploadRef> = reported.iter().map(|(u, _)| u).collect();
    let created_set: HashSet<UploadRef> = created
        .into_iter()
        .map(|(key, upload_id)| UploadRef::new(key, upload_id))
        .collect();
    assert_eq!(reported_set.len(), UPLOADS, "no upload reported twice");
    assert!(created_set.iter().all(|u| reported_set.contains(u)));

    assert!(
        common::all_uploads(&s3, &bucket).await.is_empty(),
        "uploads left"
    );
    let objects = common::object_keys(&s3, &bucket, "").await;
    let mut expected: Vec<String> = OBJECTS.iter().map(|k| k.to_string()).collect();
    expected.sort();
    let mut objects = objects;
    objects.sort();
    assert_eq!(objects, expected, "objects are never touched");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tiny_pages_over_hundreds_of_uploads_lose_and_repeat_nothing() {
    const PAGE: i32 = 7;
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "scale-pages").await;
    let mut created = common::start_uploads(&s3, &bucket, "p/", 300).await;
    // Several uploads of the same keys, so pages also break between upload ids of one key.
    for key in ["p/00000.bin", "p/00150.bin", "p/00299.bin"] {
        for _ in 0..4 {
            let id = s3.create_upload(&bucket, key).await.expect("create upload");
            created.push((key.to_owned(), id));
        }
    }

    let pages: Vec<Vec<_>> = s3
        .list_uploads(&bucket, None, Some(PAGE))
        .try_collect()
        .await
        .expect("list in tiny pages");

    // The listing drops an upload it has already seen, so "no repeats" in its output proves
    // nothing. Full pages do: a server made to resume at the wrong place by a wrong marker
    // repeats uploads, and a page the listing thinned is shorter than the server's.
    let sizes: Vec<usize> = pages.iter().map(Vec::len).collect();
    let (last, full) = sizes.split_last().expect("pages");
    assert!(
        full.iter().all(|&size| size == PAGE as usize) && *last <= PAGE as usize,
        "pages of {PAGE}, then the rest: {sizes:?}"
    );
    assert_eq!(
        pages.len(),
        created.len().div_ceil(PAGE as usize),
        "{sizes:?}"
    );
    let listed: Vec<(String, String)> = pages
        .into_iter()
        .flatten()
        .map(|u| (u.key.into(), u.upload_id.into()))
        .collect();
    assert_eq!(listed.len(), created.len(), "lost or repeated uploads");
    let listed: HashSet<&(String, String)> = listed.iter().collect();
    let wanted: HashSet<&(String, String)> = created.iter().collect();
    assert_eq!(listed, wanted, "lost or invented uploads");
}
