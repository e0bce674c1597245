//! Deleting files, folders and whole buckets against a real Garage server.

mod common;

use futures::TryStreamExt;
use partsweep::ops::delete::{delete_all, delete_bucket_explained};
use partsweep::ops::journal::Journal;
use partsweep::ops::purge::{PurgeEnd, empty_and_delete};
use partsweep::s3::{ErrorKind, ObjectId, S3, is_unsupported};
use tokio_util::sync::CancellationToken;

async fn put_all(s3: &S3, bucket: &str, keys: &[&str]) {
    for key in keys {
        s3.put_object(bucket, key, b"data".to_vec())
            .await
            .expect("put");
    }
}

/// Garage has no object versioning: ListObjectVersions is answered "not implemented".
/// If that changes, the version counts must be real numbers.
#[tokio::test]
async fn precheck_counts_files_versions_and_uploads() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "count").await;
    put_all(
        &s3,
        &bucket,
        &[
            "top.txt",
            "photos/a.jpg",
            "photos/b.jpg",
            "photos/2024/c.jpg",
        ],
    )
    .await;
    common::start_uploads(&s3, &bucket, "big/", 3).await;

    let versions = s3.list_versions(&bucket, "").try_collect::<Vec<_>>().await;
    let contents = s3.count_contents(&bucket).await.expect("count");
    assert_eq!(contents.objects, 4);
    assert_eq!(contents.uploads, 3);
    match versions {
        Err(err) => {
            assert!(is_unsupported(&err), "{err:?}");
            assert_eq!(contents.old_versions, None);
            assert!(contents.summary().contains("old versions not listed"));
        }
        Ok(_) => {
            assert_eq!(contents.old_versions, Some(0));
            assert_eq!(contents.delete_markers, Some(0));
        }
    }
    assert!(
        contents.summary().starts_with("4 files"),
        "{}",
        contents.summary()
    );
}

#[tokio::test]
async fn refused_delete_bucket_says_what_is_left() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "refused").await;
    put_all(&s3, &bucket, &["keep/one.txt", "keep/two.txt"]).await;
    let refusal = delete_bucket_explained(&s3, &Journal::off(), &bucket)
        .await
        .expect_err("a bucket with objects cannot be deleted");
    assert_eq!(refusal.error.kind, ErrorKind::BucketNotEmpty, "{refusal:?}");
    let lines = refusal.explanation();
    assert!(lines[0].contains("The server refused"), "{lines:?}");
    assert!(lines[1].contains("2 files"), "{lines:?}");
    assert!(common::bucket_exists(&s3, &bucket).await);
}

#[tokio::test]
async fn deleting_a_folder_deletes_exactly_that_prefix() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "prefix").await;
    put_all(
        &s3,
        &bucket,
        &[
            "photos/a.jpg",
            "photos/2024/b.jpg",
            "photos2/c.jpg",
            "photo",
            "photos.txt",
        ],
    )
    .await;
    let under: Vec<ObjectId> = common::object_keys(&s3, &bucket, "photos/")
        .await
        .into_iter()
        .map(ObjectId::key)
        .collect();
    assert_eq!(under.len(), 2);
    let mut settled = Vec::new();
    let report = delete_all(
        &s3,
        &Journal::off(),
        &bucket,
        under,
        4,
        &CancellationToken::new(),
        |n, _| settled.push(n),
    )
    .await;
    assert_eq!(report.deleted, 2);
    assert!(report.failed.is_empty(), "{report:?}");
    assert_eq!(settled.last(), Some(&2));
    assert_eq!(
        common::object_keys(&s3, &bucket, "").await,
        ["photo", "photos.txt", "photos2/c.jpg"]
    );
}

#[tokio::test]
async fn deletes_more_than_one_batch_and_cancel_leaves_the_rest() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "batches").await;
    let names: Vec<String> = (0..2_100).map(|i| format!("many/{i:05}")).collect();
    {
        use futures::{StreamExt, stream};
        let s3 = &s3;
        let bucket = &bucket;
        stream::iter(&names)
            .map(|key| async move { s3.put_object(bucket, key, Vec::new()).await })
            .buffer_unordered(32)
            .try_collect::<Vec<_>>()
            .await
            .expect("put");
    }
    let objects: Vec<ObjectId> = names.iter().map(ObjectId::key).collect();

    let token = CancellationToken::new();
    let report = delete_all(
        &s3,
        &Journal::off(),
        &bucket,
        objects.clone(),
        1,
        &token,
        |_, _| token.cancel(),
    )
    .await;
    assert!(report.cancelled);
    assert_eq!(report.deleted, 1_000);
    assert_eq!(report.not_attempted, 1_100);
    assert_eq!(common::object_keys(&s3, &bucket, "").await.len(), 1_100);

    let report = delete_all(
        &s3,
        &Journal::off(),
        &bucket,
        objects,
        4,
        &CancellationToken::new(),
        |_, _| {},
    )
    .await;
    // Keys already gone count as deleted: S3 deletes are idempotent.
    assert_eq!(report.deleted, 2_100);
    assert!(common::object_keys(&s3, &bucket, "").await.is_empty());
}

#[tokio::test]
async fn empty_and_delete_removes_the_bucket_and_nothing_else() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "purge").await;
    let neighbour = format!("{bucket}-2");
    s3.create_bucket(&neighbour).await.expect("neighbour");
    for name in [&bucket, &neighbour] {
        put_all(&s3, name, &["photos/a.jpg", "photos/2024/b.jpg", "top.txt"]).await;
        common::start_uploads(&s3, name, "big/", 5).await;
    }

    let mut phases = Vec::new();
    let report = empty_and_delete(
        &s3,
        &Journal::off(),
        &bucket,
        8,
        &CancellationToken::new(),
        |p| {
            if phases.last() != Some(&p.phase) {
                phases.push(p.phase);
            }
        },
    )
    .await;
    assert_eq!(report.end, PurgeEnd::BucketDeleted, "{:?}", report.lines());
    assert_eq!(report.uploads_aborted, 5);
    assert_eq!(report.objects_deleted, 3);
    assert!(phases.len() >= 4, "{phases:?}");
    assert!(!common::bucket_exists(&s3, &bucket).await);

    assert!(common::bucket_exists(&s3, &neighbour).await);
    assert_eq!(
        common::object_keys(&s3, &neighbour, "").await,
        ["photos/2024/b.jpg", "photos/a.jpg", "top.txt"]
    );
    assert_eq!(common::all_uploads(&s3, &neighbour).await.len(), 5);
}

#[tokio::test]
async fn a_cancelled_purge_keeps_the_bucket_and_says_what_is_left() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "purge-cancel").await;
    put_all(&s3, &bucket, &["a.txt", "b.txt"]).await;
    common::start_uploads(&s3, &bucket, "big/", 2).await;
    let token = CancellationToken::new();
    token.cancel();
    let report = empty_and_delete(&s3, &Journal::off(), &bucket, 8, &token, |_| {}).await;
    assert!(
        matches!(report.end, PurgeEnd::Cancelled { .. }),
        "{report:?}"
    );
    assert!(!report.removed_anything());
    let left = report.left.expect("counted what is left");
    assert_eq!((left.objects, left.uploads), (2, 2));
    assert!(common::bucket_exists(&s3, &bucket).await);
}

async fn rb(s3: &S3, bucket: &str, force: bool, read_only: bool) -> std::process::ExitCode {
    use partsweep::cli::{Context, Resolved, output::Format, rb};
    let settings = Resolved {
        connect: Default::default(),
        read_only,
        concurrency: 8,
        page_size: None,
        price_per_gb_month: partsweep::ops::cost::DEFAULT_PRICE_PER_GB_MONTH,
    };
    let mut ctx = Context::new(s3.clone(), &settings, Format::Json, true);
    let args = rb::RbArgs {
        bucket: bucket.to_owned(),
        force,
        yes: true,
        output: Default::default(),
    };
    rb::run(&mut ctx, args).await.into()
}

#[tokio::test]
async fn rb_deletes_only_empty_buckets_unless_forced() {
    use std::process::ExitCode;
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "rb").await;
    put_all(&s3, &bucket, &["a.txt"]).await;
    common::start_uploads(&s3, &bucket, "big/", 2).await;

    let code = rb(&s3, &bucket, false, false).await;
    assert_eq!(code, ExitCode::from(1));
    assert_eq!(
        common::object_keys(&s3, &bucket, "").await,
        ["a.txt"],
        "nothing deleted without --force"
    );

    let code = rb(&s3, &bucket, true, true).await;
    assert_eq!(code, ExitCode::from(1), "read-only refuses");
    assert!(common::bucket_exists(&s3, &bucket).await);

    let code = rb(&s3, &bucket, true, false).await;
    assert_eq!(code, ExitCode::SUCCESS);
    assert!(!common::bucket_exists(&s3, &bucket).await);

    let empty = common::bucket(&s3, "rb-empty").await;
    let code = rb(&s3, &empty, false, false).await;
    assert_eq!(code, ExitCode::SUCCESS);
    assert!(!common::bucket_exists(&s3, &empty).await);
}
