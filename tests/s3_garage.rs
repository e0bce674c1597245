//! The S3 layer and the task runner against a real Garage server.

mod common;

use futures::TryStreamExt;
use partsweep::ops::abort::abort_all;
use partsweep::ops::journal::Journal;
use partsweep::s3::{AbortOutcome, EntryKind, ErrorKind, UploadRef};
use tokio_util::sync::CancellationToken;

#[tokio::test]
async fn lists_the_buckets_it_created() {
    let s3 = common::client().await;
    let a = common::bucket(&s3, "list-a").await;
    let b = common::bucket(&s3, "list-b").await;
    let names: Vec<String> = s3
        .list_buckets()
        .await
        .expect("list")
        .into_iter()
        .map(|b| b.name)
        .collect();
    assert!(names.contains(&a) && names.contains(&b), "{names:?}");
}

#[tokio::test]
async fn folder_listing_shows_folders_and_files_of_one_level() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "folders").await;
    for key in [
        "top.txt",
        "photos/a.jpg",
        "photos/b.jpg",
        "photos/2024/c.jpg",
        "docs/readme.md",
    ] {
        s3.put_object(&bucket, key, b"data".to_vec())
            .await
            .expect("put");
    }
    let entries: Vec<_> = s3
        .list_folder(&bucket, "")
        .try_collect::<Vec<_>>()
        .await
        .expect("list")
        .concat();
    let mut seen: Vec<(EntryKind, &str)> =
        entries.iter().map(|e| (e.kind, e.key.as_str())).collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            (EntryKind::Folder, "docs/"),
            (EntryKind::Folder, "photos/"),
            (EntryKind::File, "top.txt")
        ]
    );
    let photos: Vec<_> = s3
        .list_folder(&bucket, "photos/")
        .try_collect::<Vec<_>>()
        .await
        .expect("list")
        .concat();
    let names: Vec<&str> = photos.iter().map(|e| e.name("photos/")).collect();
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(names.contains(&"2024/") && names.contains(&"a.jpg"));
    let file = photos
        .iter()
        .find(|e| e.key == "photos/a.jpg")
        .expect("a.jpg");
    assert_eq!(file.size, 4);
    assert!(file.modified.is_some());
}

#[tokio::test]
async fn uploads_are_listed_across_pages_without_loss_or_duplicates() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "pages").await;
    let created = common::start_uploads(&s3, &bucket, "p/", 57).await;
    // A second upload of the same key: both must be listed.
    let again = s3
        .create_upload(&bucket, "p/00000.bin")
        .await
        .expect("upload");
    let pages: Vec<Vec<_>> = s3
        .list_uploads(&bucket, None, Some(5))
        .try_collect()
        .await
        .expect("list");
    assert!(
        pages.len() >= 12,
        "expected many pages, got {}",
        pages.len()
    );
    let mut listed: Vec<(String, String)> = pages
        .concat()
        .into_iter()
        .map(|u| (u.key.to_string(), u.upload_id.to_string()))
        .collect();
    listed.sort();
    let mut expected = created.clone();
    expected.push(("p/00000.bin".into(), again));
    expected.sort();
    assert_eq!(listed, expected);
}

#[tokio::test]
async fn abort_removes_one_upload_and_a_second_abort_is_already_gone() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "abort").await;
    let uploads = common::start_uploads(&s3, &bucket, "", 2).await;
    let upload = &common::refs(&uploads)[0];
    assert_eq!(
        s3.abort_upload(&bucket, upload).await,
        Ok(AbortOutcome::Aborted)
    );
    assert_eq!(
        s3.abort_upload(&bucket, upload).await,
        Ok(AbortOutcome::AlreadyGone)
    );
    let left = common::all_uploads(&s3, &bucket).await;
    assert_eq!(left.len(), 1);
    assert_eq!(&*left[0].upload_id, uploads[1].1.as_str());
}

#[tokio::test]
async fn clear_all_aborts_every_upload_and_leaves_objects_alone() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "clear").await;
    s3.put_object(&bucket, "keep/me.txt", b"precious".to_vec())
        .await
        .expect("put");
    let uploads = common::start_uploads(&s3, &bucket, "junk/", 300).await;
    let refs = common::refs(&uploads);
    let mut outcomes = Vec::new();
    let left = abort_all(
        &s3,
        &Journal::off(),
        &bucket,
        refs,
        4,
        &CancellationToken::new(),
        |_, r| outcomes.push(r),
    )
    .await;
    assert!(left.is_empty());
    assert_eq!(outcomes.len(), 300);
    assert!(outcomes.iter().all(|r| *r == Ok(AbortOutcome::Aborted)));
    assert!(common::all_uploads(&s3, &bucket).await.is_empty());
    let objects: Vec<_> = s3
        .list_all_objects(&bucket, "")
        .try_collect::<Vec<_>>()
        .await
        .expect("list")
        .concat();
    assert_eq!(objects.len(), 1);
    assert_eq!(objects[0].key, "keep/me.txt");
}

#[tokio::test]
async fn cancel_leaves_exactly_the_uploads_not_attempted() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "cancel").await;
    let uploads = common::start_uploads(&s3, &bucket, "", 200).await;
    let refs = common::refs(&uploads);
    let token = CancellationToken::new();
    let mut settled = 0;
    let not_attempted = abort_all(&s3, &Journal::off(), &bucket, refs, 2, &token, |_, r| {
        assert!(r.is_ok());
        settled += 1;
        if settled == 50 {
            token.cancel();
        }
    })
    .await;
    assert!((50..=52).contains(&settled), "{settled} settled");
    assert_eq!(settled + not_attempted.len(), 200);
    let mut left: Vec<String> = common::all_uploads(&s3, &bucket)
        .await
        .into_iter()
        .map(|u| u.upload_id.to_string())
        .collect();
    let mut expected: Vec<String> = not_attempted
        .iter()
        .map(|u| u.upload_id().into_owned())
        .collect();
    left.sort();
    expected.sort();
    assert_eq!(left, expected);
}

#[tokio::test]
async fn a_missing_bucket_is_a_clear_error() {
    let s3 = common::client().await;
    let missing = common::unique_bucket("missing");
    let err = s3
        .list_uploads(&missing, None, None)
        .try_collect::<Vec<_>>()
        .await
        .expect_err("no such bucket");
    assert_eq!(err.kind, ErrorKind::NoSuchBucket, "{err:?}");
    assert!(
        err.display_line().contains("NoSuchBucket")
            || err.message.to_lowercase().contains("bucket")
    );
}

#[tokio::test]
async fn a_wrong_region_and_a_dead_endpoint_are_explained() {
    let mut options = common::options();
    options.region = Some("us-west-2".into());
    let wrong_region = partsweep::s3::S3::connect(&options).await;
    let err = wrong_region
        .list_buckets()
        .await
        .expect_err("region mismatch");
    assert_eq!(err.kind, ErrorKind::BadSignature, "{err:?}");
    assert!(err.display_line().contains("--region"));

    let mut options = common::options();
    options.endpoint_url = Some("http://127.0.0.1:9".into());
    let dead = partsweep::s3::S3::connect(&options).await;
    let err = dead
        .list_buckets()
        .await
        .expect_err("nothing listens on port 9");
    assert!(
        matches!(err.kind, ErrorKind::Unreachable | ErrorKind::Transient),
        "{err:?}"
    );
    assert!(!err.display_line().is_empty());
}

#[tokio::test]
async fn hostile_keys_are_listed_and_aborted_exactly() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "hostile").await;
    let long = format!("{}end.bin", "very-long-folder-name/".repeat(40));
    let keys = [
        "esc-\x1b[31mred\x1b[0m.bin",
        "new\nline.txt",
        "tab\there plus+sign and space.dat",
        "日本語のファイル名.mp4",
        "rtl-\u{202e}gpj.exe",
        long.as_str(),
    ];
    for key in keys {
        // The server creates the upload even when it cannot echo the key back in valid XML.
        let _ = s3.create_upload(&bucket, key).await;
        // A distinct key: on Garage a newer object discards older uploads of the same key.
        s3.put_object(&bucket, &format!("obj/{key}"), b"x".to_vec())
            .await
            .expect("put object");
    }
    let uploads = common::all_uploads(&s3, &bucket).await;
    let mut listed: Vec<&str> = uploads.iter().map(|u| &*u.key).collect();
    listed.sort();
    let mut expected = keys.to_vec();
    expected.sort();
    assert_eq!(listed, expected);

    let objects: Vec<String> = s3
        .list_folder(&bucket, "")
        .try_collect::<Vec<_>>()
        .await
        .expect("list objects")
        .concat()
        .into_iter()
        .map(|e| e.key)
        .collect();
    assert_eq!(objects, ["obj/"], "objects are listed under their folder");
    let objects: Vec<String> = s3
        .list_folder(&bucket, "obj/")
        .try_collect::<Vec<_>>()
        .await
        .expect("list objects")
        .concat()
        .into_iter()
        .map(|e| e.key)
        .collect();
    assert!(
        objects.iter().any(|k| k == &format!("obj/{}", keys[0])),
        "{objects:?}"
    );

    for upload in &uploads {
        let outcome = s3.abort_upload(&bucket, &UploadRef::from(upload)).await;
        assert_eq!(outcome, Ok(AbortOutcome::Aborted), "{:?}", upload.key);
    }
    assert!(common::all_uploads(&s3, &bucket).await.is_empty());
}

#[tokio::test]
async fn a_server_that_dies_mid_clear_ends_the_job_with_the_rest_not_attempted() {
    // A server of its own, to kill.
    let binary = partsweep::demo::garage::find_binary(None).expect("garage");
    let mut server = partsweep::demo::garage::GarageServer::start(&binary)
        .await
        .expect("garage");
    let s3 = server.client().await;
    let bucket = common::bucket(&s3, "dies").await;
    let uploads = common::start_uploads(&s3, &bucket, "", 400).await;
    let refs = common::refs(&uploads);
    let mut aborted = 0;
    let mut failed = 0;
    let not_attempted = abort_all(
        &s3,
        &Journal::off(),
        &bucket,
        refs,
        4,
        &CancellationToken::new(),
        |_, result| {
            match result {
                Ok(_) => aborted += 1,
                Err(err) => {
                    assert!(
                        matches!(
                            err.kind,
                            ErrorKind::Unreachable | ErrorKind::Timeout | ErrorKind::Transient
                        ),
                        "{err:?}"
                    );
                    failed += 1;
                }
            }
            if aborted == 20 {
                server.kill();
            }
        },
    )
    .await;
    assert!(aborted >= 20, "{aborted}");
    assert!(
        (1..40).contains(&failed),
        "stopped early, not after every upload failed: {failed}"
    );
    assert_eq!(aborted + failed + not_attempted.len(), 400);
}
