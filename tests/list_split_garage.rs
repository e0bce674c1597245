//! The prefix-split listing against a real Garage: it must return exactly what the plain
//! sequential listing returns, whatever the keys, and split where there is something to split.
//! Small page sizes make a few dozen uploads behave like a big bucket.

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use futures::TryStreamExt;
use partsweep::ops::list::{ListingCounts, uploads_counted};
use partsweep::s3::S3;

type Listed = Vec<(String, String)>;

/// (key, upload id) pairs as listed, in the listing's order.
async fn split(s3: &S3, bucket: &str, prefix: Option<&str>, page: i32) -> (Listed, usize) {
    let counts = Arc::new(ListingCounts::default());
    let pages: Vec<Vec<_>> = uploads_counted(s3, bucket, prefix, Some(page), counts.clone())
        .try_collect()
        .await
        .expect("split listing");
    let listed = pages
        .concat()
        .into_iter()
        .map(|u| (u.key.to_string(), u.upload_id.to_string()))
        .collect();
    (listed, counts.ranges.load(Ordering::Relaxed))
}

async fn sequential(s3: &S3, bucket: &str, prefix: Option<&str>, page: i32) -> Listed {
    let pages: Vec<Vec<_>> = s3
        .list_uploads(bucket, prefix, Some(page))
        .try_collect()
        .await
        .expect("sequential listing");
    let mut listed: Listed = pages
        .concat()
        .into_iter()
        .map(|u| (u.key.to_string(), u.upload_id.to_string()))
        .collect();
    listed.sort();
    listed
}

/// The split listing equals the sequential one as a set, comes in key order with no upload
/// twice, and returns how many ranges it listed.
async fn same_as_sequential(s3: &S3, bucket: &str, prefix: Option<&str>, page: i32) -> usize {
    let (listed, ranges) = split(s3, bucket, prefix, page).await;
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!(listed, sorted, "rows come in key order");
    let mut unique = sorted.clone();
    unique.dedup();
    assert_eq!(unique.len(), sorted.len(), "no upload twice");
    let expected = sequential(s3, bucket, prefix, page).await;
    assert_eq!(sorted, expected, "page size {page}, prefix {prefix:?}");
    ranges
}

/// Starts an upload of each key; keys the server cannot echo back (ESC) exist all the same.
async fn start(s3: &S3, bucket: &str, keys: &[String]) {
    use futures::{StreamExt, stream};
    stream::iter(keys)
        .for_each_concurrent(16, |key| async move {
            let _ = s3.create_upload(bucket, key).await;
        })
        .await;
}

fn keys(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i:03}")).collect()
}

#[tokio::test]
async fn nested_prefixes_are_split_level_by_level_and_lose_nothing() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "split-nested").await;
    let mut all = Vec::new();
    all.extend(keys("n/a/b/c/", 10));
    all.extend(keys("n/a/b/", 3));
    all.extend(keys("n/a/y", 6));
    all.extend(keys("n/q/", 9));
    all.extend(keys("n/z", 2));
    all.extend(keys("o/", 7));
    all.extend(keys("top", 3));
    start(&s3, &bucket, &all).await;
    // A second upload of one key: both are kept.
    s3.create_upload(&bucket, "n/a/b/c/004")
        .await
        .expect("second upload of a key");

    for page in [1, 2, 3, 4, 7, 1000] {
        let ranges = same_as_sequential(&s3, &bucket, None, page).await;
        if page <= 7 {
            assert!(ranges > 3, "page {page}: split into {ranges} ranges");
        }
    }
    let (listed, _) = split(&s3, &bucket, None, 4).await;
    assert_eq!(listed.len(), all.len() + 1);
    assert_eq!(listed.iter().filter(|(k, _)| k == "n/a/b/c/004").count(), 2);
    for prefix in ["n/", "n/a/", "n/a/b", "o/0", "nothing/"] {
        same_as_sequential(&s3, &bucket, Some(prefix), 3).await;
    }
}

#[tokio::test]
async fn a_prefix_holding_many_pages_and_neighbours_that_sort_around_it() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "split-big").await;
    let mut all = Vec::new();
    all.extend(keys("big/", 40));
    // Names that sort just before and just after `m/a/`: '-' and '.' come before '/', '0' after.
    for stem in ["m/a", "m/a-b", "m/a.c", "m/a0", "m/a/"] {
        all.push(stem.to_owned());
        all.extend(keys(&format!("{stem}/"), 5));
    }
    all.extend(keys("m/a-", 4));
    // Many small neighbours, grouped into shared ranges.
    for g in 0..24 {
        all.extend(keys(&format!("g/{g:02}/"), 5));
    }
    start(&s3, &bucket, &all).await;
    for page in [2, 5, 8, 20, 1000] {
        let ranges = same_as_sequential(&s3, &bucket, None, page).await;
        if page < 1000 {
            assert!(ranges > 1, "page {page}: {ranges} ranges");
        }
    }
    let (listed, _) = split(&s3, &bucket, None, 5).await;
    assert_eq!(listed.len(), all.len());
    same_as_sequential(&s3, &bucket, Some("g/"), 12).await;
    same_as_sequential(&s3, &bucket, Some("m/"), 3).await;
}

/// Garage drops a key's leading slashes (`/a` is stored as `a`), so a key that starts with the
/// delimiter is tested one level down: below `s/`, `s//a` is `/a`.
#[tokio::test]
async fn the_delimiter_at_the_start_or_end_of_keys() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "split-slashes").await;
    let mut all: Vec<String> = [
        "s/", "s//", "s///", "s//a", "s/a/", "s/a//", "s/a//b", "s///x/", "s/a", "a/", "a//",
        "a//b", "a",
    ]
    .map(str::to_owned)
    .to_vec();
    all.extend(keys("s/", 6));
    all.extend(keys("s//", 6));
    all.extend(keys("s///", 4));
    all.extend(keys("a//", 6));
    start(&s3, &bucket, &all).await;
    for page in [1, 2, 3, 5, 1000] {
        same_as_sequential(&s3, &bucket, None, page).await;
    }
    let (listed, _) = split(&s3, &bucket, None, 2).await;
    let mut listed: Vec<String> = listed.into_iter().map(|(k, _)| k).collect();
    listed.sort();
    all.sort();
    assert_eq!(listed, all);
    for prefix in ["s/", "s//", "a/"] {
        for page in [1, 2, 4] {
            same_as_sequential(&s3, &bucket, Some(prefix), page).await;
        }
    }
}

#[tokio::test]
async fn hostile_keys_are_split_and_listed_exactly() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "split-hostile").await;
    let long = format!("{}end", "very-long-folder-name/".repeat(40));
    let mut all = Vec::new();
    for stem in [
        "esc-\x1b[31mred\x1b[0m/",
        "new\nline/",
        "日本語のフォルダ/",
        "Ünïcödé-ключ-키/",
        "rtl-\u{202e}/",
        "tab\tand space+plus/",
        long.as_str(),
    ] {
        all.push(stem.to_owned());
        all.extend(keys(stem, 4));
        all.extend(keys(&format!("{stem}\x1b/"), 3));
    }
    start(&s3, &bucket, &all).await;
    for page in [1, 3, 4, 1000] {
        same_as_sequential(&s3, &bucket, None, page).await;
    }
    let (listed, ranges) = split(&s3, &bucket, None, 3).await;
    assert!(ranges > 1);
    let mut listed: Vec<String> = listed.into_iter().map(|(k, _)| k).collect();
    listed.sort();
    all.sort();
    assert_eq!(listed, all);
}

#[tokio::test]
async fn a_bucket_with_nothing_to_split_is_paged_in_one_range() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "split-flat").await;
    start(&s3, &bucket, &keys("flat-", 25)).await;
    assert_eq!(same_as_sequential(&s3, &bucket, None, 4).await, 1);
    // Many tiny folders: a split would cost a request per upload, so it pages on.
    let tiny: Vec<String> = (0..30).map(|i| format!("job-{i:02}/part")).collect();
    start(&s3, &bucket, &tiny).await;
    assert_eq!(same_as_sequential(&s3, &bucket, Some("job-"), 8).await, 1);
}
