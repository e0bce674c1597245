//! Every pane and dialog drawn into a fixed-size test terminal and compared with its snapshot.

mod common;

use common::{key, keys};
use partsweep::action::{Action, Command};
use partsweep::app::App;
use partsweep::s3::{Bucket, Entry, EntryKind, ErrorKind, S3Error, Upload};
use ratatui::crossterm::event::KeyCode;

const NOW: i64 = 1_764_000_000; // 2025-11-24 16:00 UTC

fn upload(key: &str, id: &str, age_secs: i64) -> Upload {
    Upload {
        key: key.into(),
        upload_id: id.into(),
        initiated: Some(NOW - age_secs),
        storage_class: Some("STANDARD".into()),
        key_undecodable: false,
    }
}

fn app_with_buckets() -> App {
    let mut app = App::new("http://127.0.0.1:3900 · region garage", false, NOW);
    let Command::LoadBuckets { request } = app.start()[0] else {
        panic!()
    };
    app.update(Action::BucketsLoaded {
        request,
        result: Ok(vec![
            Bucket {
                name: "backups".into(),
                region: Some("garage".into()),
                created: Some(NOW - 40 * 86_400),
            },
            Bucket {
                name: "media-uploads".into(),
                region: None,
                created: Some(NOW - 3 * 3_600),
            },
            Bucket {
                name: "日本語-bucket".into(),
                region: None,
                created: None,
            },
        ]),
    });
    app
}

/// `media-uploads` opened on the uploads tab with awkward keys.
fn app_with_uploads() -> App {
    let mut app = app_with_buckets();
    key(&mut app, KeyCode::Down);
    keys(&mut app, "u");
    let view = app.bucket.as_ref().expect("open");
    let (files, uploads) = (view.files.request, view.uploads.request);
    app.update(Action::FolderPage {
        request: files,
        result: Ok(vec![
            Entry {
                kind: EntryKind::Folder,
                key: "photos/".into(),
                size: 0,
                modified: None,
                storage_class: None,
                key_undecodable: false,
            },
            Entry {
                kind: EntryKind::File,
                key: "README.txt".into(),
                size: 1_234,
                modified: Some(NOW - 600),
                storage_class: Some("STANDARD".into()),
                key_undecodable: false,
            },
            Entry {
                kind: EntryKind::File,
                key: "video-日本語.mp4".into(),
                size: 5 * 1024 * 1024 * 1024,
                modified: Some(NOW - 86_400 * 9),
                storage_class: Some("STANDARD".into()),
                key_undecodable: false,
            },
        ]),
        done: true,
    });
    app.update(Action::UploadsPage {
        request: uploads,
        result: Ok(vec![
            upload(
                "videos/raw/clip-0001.mov",
                "2~Kq9xZ1b2c3d4e5f6g7h8i9j0",
                3 * 86_400,
            ),
            upload("weird/escape-\x1b[31mred\x1b[0m.bin", "2~escape", 7_200),
            upload("weird/new\nline.txt", "2~newline", 50),
            upload("weird/日本語のファイル名.mp4", "2~cjk", 20 * 86_400),
            upload(
                &format!("very/long/{}name.bin", "deep-folder/".repeat(20)),
                "2~long",
                400 * 86_400,
            ),
        ]),
        done: true,
    });
    app
}

#[test]
fn bucket_list() {
    insta::assert_snapshot!(common::draw(&mut app_with_buckets(), 90, 14));
}

#[test]
fn file_list() {
    let mut app = app_with_uploads();
    keys(&mut app, "1");
    insta::assert_snapshot!(common::draw(&mut app, 90, 14));
}

#[test]
fn uploads_pane_escapes_hostile_keys_and_aligns_wide_ones() {
    let mut app = app_with_uploads();
    insta::assert_snapshot!(common::draw(&mut app, 110, 14));
}

#[test]
fn uploads_pane_filtered_and_marked() {
    let mut app = app_with_uploads();
    keys(&mut app, "/weird");
    key(&mut app, KeyCode::Enter);
    keys(&mut app, " ");
    insta::assert_snapshot!(common::draw(&mut app, 110, 12));
}

#[test]
fn delete_confirmation_names_key_and_upload() {
    let mut app = app_with_uploads();
    keys(&mut app, "d");
    insta::assert_snapshot!(common::draw(&mut app, 100, 20));
}

#[test]
fn clear_all_confirmation_and_progress() {
    let mut app = app_with_uploads();
    keys(&mut app, "D");
    insta::assert_snapshot!("clear_all_confirmation", common::draw(&mut app, 100, 20));
    let commands = {
        let mut c = Vec::new();
        c.extend(key(&mut app, KeyCode::Char('y')));
        c
    };
    let Some(Command::AbortUploads { job, uploads, .. }) = commands.first() else {
        panic!()
    };
    app.update(Action::Tick {
        now: NOW,
        millis: 0,
    });
    app.update(Action::Aborted {
        job: *job,
        upload: uploads[0].clone(),
        result: Ok(partsweep::s3::AbortOutcome::Aborted),
    });
    app.update(Action::Aborted {
        job: *job,
        upload: uploads[1].clone(),
        result: Ok(partsweep::s3::AbortOutcome::Aborted),
    });
    app.update(Action::Tick {
        now: NOW,
        millis: 2_000,
    });
    insta::assert_snapshot!("clear_all_progress", common::draw(&mut app, 100, 14));
    app.update(Action::JobFinished {
        job: *job,
        not_attempted: uploads[2..].to_vec(),
    });
    insta::assert_snapshot!("clear_all_summary", common::draw(&mut app, 100, 20));
}

#[test]
fn help_overlay() {
    let mut app = app_with_buckets();
    keys(&mut app, "?");
    insta::assert_snapshot!(common::draw(&mut app, 120, 36));
}

#[test]
fn listing_error_is_explained() {
    let mut app = app_with_uploads();
    keys(&mut app, "r");
    let request = app.bucket.as_ref().expect("open").uploads.request;
    app.update(Action::UploadsPage {
        request,
        result: Err(S3Error {
            kind: ErrorKind::AccessDenied,
            code: Some("AccessDenied".into()),
            message: "Access Denied".into(),
            status: Some(403),
        }),
        done: true,
    });
    insta::assert_snapshot!(common::draw(&mut app, 90, 14));
}

#[test]
fn empty_uploads_say_so() {
    let mut app = app_with_buckets();
    keys(&mut app, "u");
    let request = app.bucket.as_ref().expect("open").uploads.request;
    app.update(Action::UploadsPage {
        request,
        result: Ok(vec![]),
        done: true,
    });
    insta::assert_snapshot!(common::draw(&mut app, 90, 12));
}

#[test]
fn tiny_terminal_does_not_panic() {
    let mut app = app_with_uploads();
    insta::assert_snapshot!(common::draw(&mut app, 20, 5));
    for (w, h) in [(1, 1), (0, 0), (39, 9), (40, 10), (41, 3), (3, 40)] {
        common::draw(&mut app, w, h);
        keys(&mut app, "D");
        common::draw(&mut app, w, h);
        key(&mut app, KeyCode::Esc);
        keys(&mut app, "?");
        common::draw(&mut app, w, h);
        keys(&mut app, "?");
    }
}
