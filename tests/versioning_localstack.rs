//! Versioned buckets against LocalStack, which versions as AWS does (Garage has no versioning):
//! the pre-check counts old versions and delete markers, Empty and delete removes them, a
//! folder delete says what versioning keeps, and the version listing survives hostile keys.

mod localstack;

use futures::TryStreamExt;
use partsweep::action::{Action, Command, DeleteCommand, DeleteEvent};
use partsweep::ops::purge::{PurgeEnd, empty_and_delete};
use partsweep::s3::{BucketContents, ObjectId, S3, VersionCounts, VersionKind};
use partsweep::tasks::Tasks;
use tokio_util::sync::CancellationToken;

fn unique(label: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    format!(
        "v-{label}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    )
}

async fn versioned_bucket(s3: &S3, label: &str) -> String {
    let bucket = unique(label);
    s3.create_bucket(&bucket).await.expect("create bucket");
    s3.enable_versioning(&bucket).await.expect("versioning on");
    bucket
}

async fn put_versions(s3: &S3, bucket: &str, key: &str, versions: usize) {
    for i in 0..versions {
        s3.put_object(bucket, key, format!("version {i}").into_bytes())
            .await
            .expect("put");
    }
}

/// A delete without a version id: on a versioned bucket, a delete marker.
async fn delete_current(s3: &S3, bucket: &str, keys: &[&str]) {
    let objects: Vec<ObjectId> = keys.iter().map(|k| ObjectId::key(*k)).collect();
    let outcome = s3.delete_objects(bucket, &objects).await.expect("delete");
    assert!(outcome.failed.is_empty(), "{outcome:?}");
}

async fn bucket_exists(s3: &S3, bucket: &str) -> bool {
    s3.list_buckets()
        .await
        .expect("list buckets")
        .iter()
        .any(|b| b.name == bucket)
}

#[tokio::test]
async fn a_versioned_bucket_is_counted_right_then_emptied_and_deleted() {
    let s3 = localstack::client().await;
    let bucket = versioned_bucket(&s3, "purge").await;
    put_versions(&s3, &bucket, "a.txt", 3).await;
    put_versions(&s3, &bucket, "docs/b.txt", 2).await;
    put_versions(&s3, &bucket, "c.txt", 1).await;
    put_versions(&s3, &bucket, "gone/d.txt", 1).await;
    delete_current(&s3, &bucket, &["c.txt", "gone/d.txt"]).await;
    for i in 0..3 {
        s3.create_upload(&bucket, &format!("big/{i}.bin"))
            .await
            .expect("upload");
    }

    let contents = s3.count_contents(&bucket).await.expect("count");
    assert_eq!(
        contents,
        BucketContents {
            objects: 2,
            old_versions: Some(5),
            delete_markers: Some(2),
            uploads: 3,
        }
    );
    assert_eq!(
        contents.summary(),
        "2 files, 5 old versions, 2 delete markers, 3 incomplete uploads"
    );

    let report = empty_and_delete(&s3, &bucket, 8, &CancellationToken::new(), |_| {}).await;
    assert_eq!(report.end, PurgeEnd::BucketDeleted, "{:?}", report.lines());
    assert!(!report.versions_unsupported);
    assert_eq!(report.uploads_aborted, 3);
    assert_eq!(report.versions_deleted, 9, "every version and marker");
    assert!(!bucket_exists(&s3, &bucket).await);
}

#[tokio::test]
async fn a_folder_delete_in_a_versioned_bucket_says_what_versioning_keeps() {
    let s3 = localstack::client().await;
    let bucket = versioned_bucket(&s3, "folder").await;
    put_versions(&s3, &bucket, "photos/a.jpg", 2).await;
    put_versions(&s3, &bucket, "photos/b.jpg", 1).await;
    put_versions(&s3, &bucket, "photos.txt", 1).await;

    let keys: Vec<String> = s3
        .list_all_objects(&bucket, "photos/")
        .try_collect::<Vec<_>>()
        .await
        .expect("list")
        .concat()
        .into_iter()
        .map(|entry| entry.key)
        .collect();
    // The console's own path: the folder delete goes through the task runner, whose report
    // carries what the versioned folder still stores.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut tasks = Tasks::new(s3.clone(), tx);
    tasks.run(Command::Delete(DeleteCommand::DeleteObjects {
        job: 1,
        bucket: bucket.clone(),
        keys,
        folder: Some("photos/".into()),
    }));
    let report = loop {
        match rx.recv().await.expect("the runner answers") {
            Action::Delete(DeleteEvent::ObjectsDeleted { report, .. }) => break report,
            _ => continue,
        }
    };
    assert_eq!(report.deleted, 2);
    assert!(report.failed.is_empty(), "{report:?}");
    let said = report.left_behind.as_deref().unwrap_or_default();
    assert!(
        said.contains("photos/ still holds 3 older versions and 2 delete markers"),
        "{said:?}"
    );

    let shown: Vec<Vec<_>> = s3
        .list_all_objects(&bucket, "photos/")
        .try_collect()
        .await
        .expect("list");
    assert!(
        shown.concat().is_empty(),
        "the file list shows the folder gone"
    );
    let left = s3
        .count_versions(&bucket, "photos/")
        .await
        .expect("count versions")
        .expect("LocalStack lists versions");
    assert_eq!(
        left,
        VersionCounts {
            current: 0,
            old: 3,
            delete_markers: 2,
        }
    );
    let said = left
        .left_after_delete("photos/")
        .expect("something is left");
    assert!(
        said.contains("3 older versions and 2 delete markers"),
        "{said}"
    );

    let report = empty_and_delete(&s3, &bucket, 8, &CancellationToken::new(), |_| {}).await;
    assert_eq!(report.end, PurgeEnd::BucketDeleted, "{:?}", report.lines());
}

#[tokio::test]
async fn the_version_listing_returns_hostile_keys_exactly() {
    let s3 = localstack::client().await;
    let bucket = versioned_bucket(&s3, "hostile").await;
    let hostile = "weird/esc-\x1b[31mred\x1b[0m\nline \u{202e}gpj.exe+%41";
    put_versions(&s3, &bucket, hostile, 2).await;
    put_versions(&s3, &bucket, "plain.txt", 1).await;

    let entries: Vec<_> = s3
        .list_versions(&bucket, "")
        .try_collect::<Vec<_>>()
        .await
        .expect("the version listing reads a page holding an ESC")
        .concat();
    let mut hostile_kinds: Vec<VersionKind> = entries
        .iter()
        .filter(|entry| entry.id.key == hostile)
        .map(|entry| entry.kind)
        .collect();
    hostile_kinds.sort_by_key(|kind| *kind as u8);
    assert_eq!(
        hostile_kinds,
        [VersionKind::Current, VersionKind::Old],
        "{entries:?}"
    );
    assert_eq!(entries.len(), 3, "{entries:?}");

    let contents = s3.count_contents(&bucket).await.expect("count");
    assert_eq!((contents.objects, contents.old_versions), (2, Some(1)));
    let report = empty_and_delete(&s3, &bucket, 8, &CancellationToken::new(), |_| {}).await;
    assert_eq!(report.end, PurgeEnd::BucketDeleted, "{:?}", report.lines());
}
