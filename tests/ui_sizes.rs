//! What uploads cost, in the console: the bucket list's Uploads / Size / Oldest columns and
//! the account summary, the uploads pane's Parts / Size / Last active columns, an upload's
//! details, the age chart, and every total following an abort. Driven with hand-made results.

mod common;

use common::{key, keys};
use partsweep::action::{Action, Command, SizeCommand, SizeEvent};
use partsweep::app::{App, BucketScan, Modal};
use partsweep::ops::sizes::{BucketTotals, ScanEvent, Size};
use partsweep::s3::{
    AbortOutcome, Bucket, ErrorKind, Part, PartsSummary, S3Error, Upload, UploadParts, UploadRef,
};
use ratatui::crossterm::event::KeyCode;

const NOW: i64 = 1_764_000_000; // 2025-11-24 16:00 UTC
const DAY: i64 = 86_400;
const MIB: u64 = 1 << 20;

fn upload(key: &str, age: i64) -> Upload {
    Upload {
        key: key.into(),
        upload_id: format!("id-{key}").into(),
        initiated: Some(NOW - age),
        storage_class: Some("STANDARD".into()),
        key_undecodable: false,
    }
}

fn known(parts: u64, bytes: u64, last_activity: i64) -> Size {
    Size::Known(PartsSummary {
        parts,
        bytes,
        last_activity: Some(last_activity),
    })
}

/// The uploads of `media` with their sizes: a year-old leftover, a week-old one, one written
/// to a minute ago, and one whose ListParts answer could not be parsed.
fn media_uploads() -> Vec<(Upload, Size)> {
    vec![
        (
            upload("backups/db-2024.dump", 400 * DAY),
            known(40, 2_000 * MIB, NOW - 399 * DAY),
        ),
        (
            upload("videos/raw/clip-0001.mov", 8 * DAY),
            known(3, 300 * MIB, NOW - 8 * DAY),
        ),
        (
            upload("videos/raw/clip-0002.mov", 2 * 3_600),
            known(12, 600 * MIB, NOW - 60),
        ),
        (
            upload("weird/escape-\x1b[31mred\x1b[0m.bin", 3 * DAY),
            Size::Unknown(
                "the server's answer could not be read (HTTP 200): non-XML character '\\u{1b}'"
                    .into(),
            ),
        ),
    ]
}

/// Three buckets listed; the scan has read `media` and `logs`, and `private` refused.
fn scanned() -> App {
    let mut app = App::new("http://127.0.0.1:3900 · region garage", false, NOW);
    let Command::LoadBuckets { request } = app.start()[0] else {
        panic!("start-up lists buckets")
    };
    let commands = app.update(Action::BucketsLoaded {
        request,
        result: Ok(["logs", "media", "private"]
            .map(|name| Bucket {
                name: name.into(),
                region: None,
                created: Some(NOW - 90 * DAY),
            })
            .to_vec()),
    });
    let scan = commands
        .iter()
        .find_map(|c| match c {
            Command::Sizes(SizeCommand::ScanBuckets { scan, buckets }) => {
                assert_eq!(buckets.len(), 3);
                Some(*scan)
            }
            _ => None,
        })
        .expect("the bucket list starts a scan");
    let event = |event| Action::Sizes(SizeEvent::Scan { scan, event });
    app.update(event(ScanEvent::Sized {
        bucket: "media".into(),
        uploads: media_uploads(),
    }));
    app.update(event(ScanEvent::BucketDone {
        bucket: "media".into(),
        result: Ok(BucketTotals::default()),
    }));
    app.update(event(ScanEvent::Sized {
        bucket: "logs".into(),
        uploads: vec![(
            upload("app/partial.log.gz", 2 * DAY),
            known(1, 5 * MIB, NOW),
        )],
    }));
    app.update(event(ScanEvent::BucketDone {
        bucket: "logs".into(),
        result: Ok(BucketTotals::default()),
    }));
    app.update(event(ScanEvent::BucketDone {
        bucket: "private".into(),
        result: Err(S3Error {
            kind: ErrorKind::AccessDenied,
            code: Some("AccessDenied".into()),
            message: "Access Denied".into(),
            status: Some(403),
        }),
    }));
    app.update(Action::Sizes(SizeEvent::ScanFinished { scan }));
    app
}

fn totals(app: &mut App, bucket: &str) -> BucketTotals {
    app.settle();
    let row = app
        .buckets
        .table
        .items
        .iter()
        .find(|row| row.name == bucket)
        .expect("listed");
    *row.scan.totals().expect("scanned")
}

/// `media` open on its uploads tab, the list read, the sizes known from the scan.
fn media_pane() -> App {
    let mut app = scanned();
    key(&mut app, KeyCode::Down);
    keys(&mut app, "u");
    let request = app.bucket.as_ref().expect("open").uploads.request;
    let commands = app.update(Action::UploadsPage {
        request,
        result: Ok(media_uploads().into_iter().map(|(u, _)| u).collect()),
        done: true,
    });
    assert!(
        commands.is_empty(),
        "sizes the scan read are not read again: {commands:?}"
    );
    app
}

#[test]
fn the_bucket_list_shows_what_each_bucket_holds_and_the_account_summary() {
    let mut app = scanned();
    assert_eq!(
        totals(&mut app, "media"),
        BucketTotals {
            uploads: 4,
            parts: 55,
            bytes: 2_900 * MIB,
            oldest: Some(NOW - 400 * DAY),
            unknown: 1,
        }
    );
    insta::assert_snapshot!("bucket_list_with_sizes", common::draw(&mut app, 120, 10));
}

/// A wide terminal reads the summary in full; a narrow one the same counts in fewer words.
#[test]
fn the_account_summary_keeps_every_count_in_a_narrow_terminal() {
    let mut app = scanned();
    let summary_of = |screen: ratatui::backend::TestBackend| {
        let screen = screen.to_string();
        let line = screen.lines().nth(2).unwrap_or_default();
        line.trim_matches(|c: char| c == '"' || c == ' ').to_owned()
    };
    let wide = summary_of(common::draw(&mut app, 200, 10));
    assert_eq!(
        wide,
        "5 incomplete uploads · 2.8 GiB ≈ $0.07/month (estimate at $0.023/GB-month) · in 2 of 3 \
         buckets · oldest 400 days · 1 bucket unreadable, 1 upload of unknown size"
    );
    let narrow = summary_of(common::draw(&mut app, 120, 10));
    assert_eq!(
        narrow,
        "5 incomplete uploads · 2.8 GiB ≈ $0.07/month (est.) · in 2 of 3 buckets · oldest 400 \
         days · 1 unreadable, 1 unsized"
    );
}

#[test]
fn the_costliest_bucket_sorts_to_the_top() {
    let mut app = scanned();
    keys(&mut app, "ssss"); // name → created → region → uploads → size
    keys(&mut app, "S"); // the biggest first
    app.settle();
    let order: Vec<&str> = app
        .buckets
        .table
        .visible()
        .map(|row| row.name.as_str())
        .collect();
    assert_eq!(order, ["media", "logs", "private"]);
}

#[test]
fn a_bucket_that_cannot_be_read_says_why_in_its_row() {
    let app = scanned();
    let private = app
        .buckets
        .table
        .items
        .iter()
        .find(|row| row.name == "private")
        .expect("listed");
    assert!(
        matches!(&private.scan, BucketScan::Failed(err) if err.kind == ErrorKind::AccessDenied)
    );
}

#[test]
fn the_uploads_pane_shows_parts_size_and_last_activity() {
    let mut app = media_pane();
    insta::assert_snapshot!("uploads_with_sizes", common::draw(&mut app, 140, 12));
    // Sorted by size, biggest first.
    keys(&mut app, "sss");
    keys(&mut app, "S");
    app.settle();
    let first = app
        .bucket
        .as_ref()
        .and_then(|v| v.uploads.table.visible().next())
        .map(|row| row.upload.key().to_string());
    assert_eq!(first.as_deref(), Some("backups/db-2024.dump"));
}

#[test]
fn enter_opens_an_uploads_details_and_its_parts() {
    let mut app = media_pane();
    let commands = key(&mut app, KeyCode::Enter);
    let [
        Command::Sizes(SizeCommand::ReadParts {
            request, upload, ..
        }),
    ] = &commands[..]
    else {
        panic!("enter reads the parts: {commands:?}")
    };
    assert_eq!(&*upload.key, "backups/db-2024.dump");
    let parts = UploadParts {
        summary: PartsSummary {
            parts: 3,
            bytes: 15 * MIB + 17,
            last_activity: Some(NOW - 399 * DAY),
        },
        parts: (1..=3)
            .map(|number| Part {
                number,
                size: if number == 3 { 17 } else { 5 * MIB + 8 },
                etag: format!("\"{number:0>32}\""),
                last_modified: Some(NOW - 400 * DAY + i64::from(number) * 60),
            })
            .collect(),
        initiator: Some("backup-robot".into()),
        owner: Some("ops-team".into()),
        storage_class: Some("STANDARD".into()),
    };
    app.update(Action::Sizes(SizeEvent::PartsRead {
        request: *request,
        bucket: "media".into(),
        upload: UploadRef::from(upload),
        result: Ok(parts),
    }));
    insta::assert_snapshot!("upload_details", common::draw(&mut app, 100, 30));
    key(&mut app, KeyCode::Esc);
    assert!(app.modals.is_empty());
}

#[test]
fn the_details_of_an_unreadable_upload_say_why() {
    let mut app = media_pane();
    keys(&mut app, "G"); // the last row by key: the hostile one
    key(&mut app, KeyCode::Enter);
    let Some(Modal::Details(details)) = app.modal() else {
        panic!("details open")
    };
    assert!(matches!(&details.size, Some(Size::Unknown(reason)) if reason.contains("non-XML")));
}

#[test]
fn the_age_chart_counts_uploads_and_bytes_by_age() {
    let mut app = media_pane();
    keys(&mut app, "c");
    app.settle();
    let histogram = app.bucket.as_ref().expect("open").sizes.histogram;
    assert_eq!(histogram.uploads, [1, 1, 1, 0, 1]);
    assert_eq!(
        histogram.bytes,
        [600 * MIB, 0, 300 * MIB, 0, 2_000 * MIB],
        "the unreadable one counts, with no bytes"
    );
    insta::assert_snapshot!("uploads_with_age_chart", common::draw(&mut app, 110, 18));
}

#[test]
fn aborting_updates_the_bucket_totals_the_chart_and_the_summary_at_once() {
    let mut app = media_pane();
    keys(&mut app, "c");
    let commands = keys(&mut app, "d");
    assert!(commands.is_empty());
    let commands = keys(&mut app, "y");
    let [Command::AbortUploads { job, uploads, .. }] = &commands[..] else {
        panic!("y aborts: {commands:?}")
    };
    assert_eq!(uploads[0].key(), "backups/db-2024.dump");
    app.update(Action::Aborted {
        job: *job,
        upload: uploads[0].clone(),
        result: Ok(AbortOutcome::Aborted),
    });
    let media = totals(&mut app, "media");
    assert_eq!((media.uploads, media.bytes), (3, 900 * MIB));
    assert_eq!(media.oldest, Some(NOW - 8 * DAY));
    let histogram = app.bucket.as_ref().expect("open").sizes.histogram;
    assert_eq!(histogram.uploads, [1, 1, 1, 0, 0]);
    let summary = app.account_summary();
    assert_eq!((summary.uploads, summary.bytes), (4, 905 * MIB));
}

#[test]
fn clear_all_counts_the_active_uploads_and_one_key_leaves_them_out() {
    let mut app = media_pane();
    keys(&mut app, "D");
    let Some(Modal::Confirm { body, .. }) = app.modal() else {
        panic!("D asks first")
    };
    let text = body.join("\n");
    assert!(
        text.contains("2 of them were written to in the last hour (or could not be read)"),
        "{text}"
    );
    assert!(text.contains("l leaves them out"), "{text}");
    insta::assert_snapshot!(
        "clear_all_with_active_uploads",
        common::draw(&mut app, 100, 20)
    );
    let commands = keys(&mut app, "l");
    let [Command::AbortUploads { uploads, .. }] = &commands[..] else {
        panic!("l clears the rest: {commands:?}")
    };
    let mut keys: Vec<&str> = uploads.iter().map(|u| u.key()).collect();
    keys.sort();
    assert_eq!(keys, ["backups/db-2024.dump", "videos/raw/clip-0001.mov"]);
}

#[test]
fn rows_on_screen_are_sized_first_and_the_rest_after() {
    let mut app = scanned();
    keys(&mut app, "u"); // logs: its one upload is known; these are new
    let request = app.bucket.as_ref().expect("open").uploads.request;
    let fresh: Vec<Upload> = (0..50)
        .map(|i| upload(&format!("new/{i:02}.bin"), 60))
        .collect();
    let commands = app.update(Action::UploadsPage {
        request,
        result: Ok(fresh.clone()),
        done: true,
    });
    let [
        Command::Sizes(SizeCommand::MeasureUploads {
            uploads: queued,
            first: false,
            ..
        }),
    ] = &commands[..]
    else {
        panic!("new rows are queued for sizing: {commands:?}")
    };
    assert_eq!(queued.len(), 50);
    common::draw(&mut app, 100, 14); // 7 rows fit
    let commands = app.update(Action::Tick {
        now: NOW,
        millis: 100,
    });
    let [
        Command::Sizes(SizeCommand::MeasureUploads {
            uploads: shown,
            first: true,
            ..
        }),
    ] = &commands[..]
    else {
        panic!("the rows on screen go first: {commands:?}")
    };
    let keys: Vec<&str> = shown.iter().map(|u| u.key()).collect();
    let on_screen: Vec<String> = (0..7).map(|i| format!("new/{i:02}.bin")).collect();
    assert_eq!(keys, on_screen);
    let again = app.update(Action::Tick {
        now: NOW,
        millis: 200,
    });
    assert!(again.is_empty(), "asked once: {again:?}");
    // A size arrives: its row shows it and the bucket's totals follow.
    app.update(Action::Sizes(SizeEvent::Measured {
        request,
        bucket: "logs".into(),
        upload: UploadRef::from(&fresh[0]),
        result: Ok(Some(known(2, 10 * MIB, NOW - 30))),
    }));
    let logs = totals(&mut app, "logs");
    assert_eq!(
        (logs.uploads, logs.bytes),
        (50, 10 * MIB),
        "the listing replaced what the scan saw; bytes follow as sizes arrive"
    );
}

#[test]
fn a_pane_opened_while_the_scan_is_still_to_come_leaves_the_bulk_to_the_scan() {
    let mut app = App::new("test", false, NOW);
    let Command::LoadBuckets { request } = app.start()[0] else {
        panic!("start-up lists buckets")
    };
    let commands = app.update(Action::BucketsLoaded {
        request,
        result: Ok(vec![Bucket {
            name: "big".into(),
            region: None,
            created: None,
        }]),
    });
    let scan = commands
        .iter()
        .find_map(|c| match c {
            Command::Sizes(SizeCommand::ScanBuckets { scan, .. }) => Some(*scan),
            _ => None,
        })
        .expect("a scan");
    keys(&mut app, "u");
    let request = app.bucket.as_ref().expect("open").uploads.request;
    let uploads: Vec<Upload> = (0..30).map(|i| upload(&format!("u/{i:02}"), DAY)).collect();
    let commands = app.update(Action::UploadsPage {
        request,
        result: Ok(uploads.clone()),
        done: true,
    });
    assert!(
        commands.is_empty(),
        "the scan sizes them; asking twice would halve both: {commands:?}"
    );
    // The scan reads all but the last five (started after it listed them).
    app.update(Action::Sizes(SizeEvent::Scan {
        scan,
        event: ScanEvent::Sized {
            bucket: "big".into(),
            uploads: uploads[..25]
                .iter()
                .map(|u| (u.clone(), known(1, MIB, NOW - DAY)))
                .collect(),
        },
    }));
    let commands = app.update(Action::Sizes(SizeEvent::Scan {
        scan,
        event: ScanEvent::BucketDone {
            bucket: "big".into(),
            result: Ok(BucketTotals::default()),
        },
    }));
    let [Command::Sizes(SizeCommand::MeasureUploads { uploads: rest, .. })] = &commands[..] else {
        panic!("what the scan did not size goes to the pane's workers: {commands:?}")
    };
    assert_eq!(rest.len(), 5);
    assert_eq!(rest[0].key(), "u/25");
}
