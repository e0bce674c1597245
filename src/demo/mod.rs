//! `partsweep demo`: a throwaway Garage seeded with buckets, folders of files and a few
//! hundred incomplete uploads with awkward keys, then the console against it. [`garage`] starts
//! that server (the tests start theirs with it too).

pub mod garage;

use futures::{StreamExt, TryStreamExt, stream};

use crate::s3::{ErrorKind, S3, S3Error};

/// Names of the demo's buckets, each with what it holds.
pub const BUCKETS: &[&str] = &["backups", "media-uploads", "logs-archive", "empty-bucket"];

/// Keys that test how a console copes with what uploaders send.
pub const AWKWARD_KEYS: &[&str] = &[
    "weird/escape-\x1b[31mred\x1b[0m.bin",
    "weird/new\nline.txt",
    "weird/tab\there.dat",
    "weird/日本語のファイル名.mp4",
    "weird/Ünïcödé-ключ-키.zip",
    "weird/rtl-\u{202e}gpj.exe",
];

fn body(size: usize) -> Vec<u8> {
    vec![b'x'; size]
}

/// Fills `s3` with the demo's data. Uploads get 0–3 small parts each.
pub async fn seed(s3: &S3, uploads_per_bucket: usize) -> Result<(), S3Error> {
    for bucket in BUCKETS {
        s3.create_bucket(bucket).await?;
    }
    let mut objects: Vec<(&str, String, usize)> = Vec::new();
    for day in 1..=5 {
        objects.push((
            "backups",
            format!("daily/2026-11-{day:02}/db.dump"),
            40_000 * day,
        ));
        objects.push((
            "backups",
            format!("daily/2026-11-{day:02}/manifest.json"),
            300,
        ));
    }
    objects.push(("backups", "README.txt".into(), 1_200));
    for i in 0..25 {
        objects.push((
            "media-uploads",
            format!("photos/2026/IMG_{i:04}.jpg"),
            2_000 + i * 37,
        ));
    }
    objects.push(("media-uploads", "videos/intro.mp4".into(), 90_000));
    for i in 0..12 {
        objects.push(("logs-archive", format!("app/{i:02}.log.gz"), 5_000));
    }
    stream::iter(objects)
        .map(|(bucket, key, size)| async move { s3.put_object(bucket, &key, body(size)).await })
        .buffer_unordered(16)
        .try_collect::<Vec<()>>()
        .await?;

    let mut uploads: Vec<(&str, String, i32)> = Vec::new();
    for i in 0..uploads_per_bucket {
        uploads.push((
            "backups",
            format!("daily/2026-11-{:02}/db.dump", i % 28 + 1),
            (i % 4) as i32,
        ));
        uploads.push((
            "media-uploads",
            format!("videos/raw/clip-{i:04}.mov"),
            (i % 3) as i32,
        ));
    }
    for i in 0..uploads_per_bucket / 4 {
        uploads.push(("logs-archive", format!("app/partial-{i:03}.log.gz"), 1));
    }
    uploads.push((
        "media-uploads",
        format!("very/long/{}name.bin", "deep-folder-name/".repeat(40)),
        0,
    ));
    stream::iter(uploads)
        .map(|(bucket, key, parts)| async move {
            let id = s3.create_upload(bucket, &key).await?;
            for part in 1..=parts {
                s3.upload_part(bucket, &key, &id, part, body(1_024 * part as usize))
                    .await?;
            }
            Ok::<(), S3Error>(())
        })
        .buffer_unordered(16)
        .try_collect::<Vec<()>>()
        .await?;
    // Some servers create these uploads but echo the raw key in XML that no client can
    // parse (ESC is not allowed in XML): the upload exists all the same, so go on.
    for key in AWKWARD_KEYS {
        match s3.create_upload("media-uploads", key).await {
            Ok(id) => {
                s3.upload_part("media-uploads", key, &id, 1, body(1_024))
                    .await?
            }
            Err(err) if err.kind == ErrorKind::Protocol => {}
            Err(err) => return Err(err),
        }
    }
    Ok(())
}
