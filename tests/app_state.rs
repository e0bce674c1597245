//! `App::update` driven with keys and hand-made S3 results: what a user sees and what gets sent.

use partsweep::action::{Action, Command};
use partsweep::app::{App, Modal, RowState, Tab};
use partsweep::s3::{
    AbortOutcome, Bucket, Entry, EntryKind, ErrorKind, S3Error, Upload, UploadRef,
};
use ratatui::crossterm::event::{KeyCode, KeyEvent};

const NOW: i64 = 1_764_000_000;

fn key(code: KeyCode) -> Action {
    Action::Key(KeyEvent::from(code))
}

fn press(app: &mut App, keys: &str) -> Vec<Command> {
    keys.chars()
        .flat_map(|c| app.update(key(KeyCode::Char(c))))
        .collect()
}

fn upload(key: &str, id: &str, age_days: i64) -> Upload {
    Upload {
        key: key.into(),
        upload_id: id.into(),
        initiated: Some(NOW - age_days * 86_400),
        storage_class: None,
        key_undecodable: false,
    }
}

fn file(key: &str) -> Entry {
    Entry {
        kind: EntryKind::File,
        key: key.into(),
        size: 10,
        modified: Some(NOW),
        storage_class: None,
        key_undecodable: false,
    }
}

fn folder(key: &str) -> Entry {
    Entry {
        kind: EntryKind::Folder,
        key: key.into(),
        size: 0,
        modified: None,
        storage_class: None,
        key_undecodable: false,
    }
}

/// An app with buckets listed and `media` opened on the uploads tab, holding `uploads`.
fn opened(uploads: Vec<Upload>) -> (App, Vec<Command>) {
    let mut app = App::new("test", false, NOW);
    let start = app.start();
    let Command::LoadBuckets { request } = start[0] else {
        panic!("{start:?}")
    };
    app.update(Action::BucketsLoaded {
        request,
        result: Ok(vec![
            Bucket {
                name: "media".into(),
                region: None,
                created: Some(NOW),
            },
            Bucket {
                name: "zeta".into(),
                region: None,
                created: Some(NOW),
            },
        ]),
    });
    let commands = press(&mut app, "u");
    let uploads_request = commands
        .iter()
        .find_map(|c| match c {
            Command::LoadUploads { request, .. } => Some(*request),
            _ => None,
        })
        .expect("uploads are loaded when a bucket opens");
    app.update(Action::UploadsPage {
        request: uploads_request,
        result: Ok(uploads),
        done: true,
    });
    app.settle();
    (app, commands)
}

fn uploads_request(app: &App) -> u64 {
    app.bucket.as_ref().expect("open bucket").uploads.request
}

fn visible_keys(app: &App) -> Vec<String> {
    let view = app.bucket.as_ref().expect("open bucket");
    view.uploads
        .table
        .visible()
        .map(|r| r.upload.key().to_string())
        .collect()
}

#[test]
fn opening_a_bucket_lists_files_and_uploads() {
    let (app, commands) = opened(vec![]);
    assert!(
        commands
            .iter()
            .any(|c| matches!(c, Command::LoadFolder { bucket, prefix, .. } if bucket == "media" && prefix.is_empty()))
    );
    assert_eq!(app.bucket.as_ref().map(|v| v.tab), Some(Tab::Uploads));
}

#[test]
fn pages_append_and_stale_pages_are_dropped() {
    let (mut app, _) = opened(vec![upload("b", "1", 1)]);
    let request = uploads_request(&app);
    app.update(Action::UploadsPage {
        request: request + 100,
        result: Ok(vec![upload("stale", "9", 1)]),
        done: true,
    });
    app.update(Action::UploadsPage {
        request,
        result: Ok(vec![upload("a", "2", 1)]),
        done: true,
    });
    app.settle();
    assert_eq!(visible_keys(&app), ["a", "b"]);
}

#[test]
fn delete_asks_first_then_aborts_exactly_the_selected_upload() {
    let (mut app, _) = opened(vec![upload("a/one", "id-1", 3), upload("b/two", "id-2", 1)]);
    assert!(
        app.update(key(KeyCode::Delete)).is_empty(),
        "nothing is sent before confirmation"
    );
    let Some(Modal::Confirm { body, .. }) = app.modal() else {
        panic!("a confirmation")
    };
    let text = body.join("\n");
    assert!(
        text.contains("a/one") && text.contains("id-1") && text.contains("3d ago"),
        "{text}"
    );

    let commands = press(&mut app, "y");
    let [
        Command::AbortUploads {
            job,
            bucket,
            uploads,
        },
    ] = commands.as_slice()
    else {
        panic!("{commands:?}")
    };
    assert_eq!(bucket, "media");
    assert_eq!(uploads, &[UploadRef::new("a/one", "id-1")]);

    app.update(Action::Aborted {
        job: *job,
        upload: uploads[0].clone(),
        result: Ok(AbortOutcome::Aborted),
    });
    app.update(Action::JobFinished {
        job: *job,
        not_attempted: vec![],
    });
    assert_eq!(visible_keys(&app), ["b/two"]);
    assert!(app.toast.as_ref().is_some_and(|t| t.text.contains("a/one")));
    assert!(app.job.is_none());
}

#[test]
fn cancelling_the_dialog_sends_nothing() {
    let (mut app, _) = opened(vec![upload("a", "1", 1)]);
    press(&mut app, "d");
    assert!(app.update(key(KeyCode::Esc)).is_empty());
    assert!(app.modals.is_empty());
    assert_eq!(visible_keys(&app), ["a"]);
}

#[test]
fn an_upload_already_gone_is_not_an_error() {
    let (mut app, _) = opened(vec![upload("a", "1", 1)]);
    press(&mut app, "d");
    let commands = press(&mut app, "y");
    let [Command::AbortUploads { job, uploads, .. }] = commands.as_slice() else {
        panic!()
    };
    app.update(Action::Aborted {
        job: *job,
        upload: uploads[0].clone(),
        result: Ok(AbortOutcome::AlreadyGone),
    });
    app.update(Action::JobFinished {
        job: *job,
        not_attempted: vec![],
    });
    assert!(visible_keys(&app).is_empty());
    let toast = app.toast.as_ref().expect("a toast");
    assert!(toast.text.contains("already gone"), "{}", toast.text);
}

#[test]
fn clear_all_confirms_the_exact_count_and_aborts_that_set() {
    let uploads: Vec<Upload> = (0..1234)
        .map(|i| upload(&format!("k{i:04}"), &format!("id{i}"), 2))
        .collect();
    let (mut app, _) = opened(uploads);
    press(&mut app, "D");
    let Some(Modal::Confirm { body, .. }) = app.modal() else {
        panic!("a confirmation")
    };
    assert!(
        body[0].contains("Abort 1,234 incomplete uploads in bucket media?"),
        "{body:?}"
    );
    let commands = press(&mut app, "y");
    let [Command::AbortUploads { uploads, .. }] = commands.as_slice() else {
        panic!()
    };
    assert_eq!(uploads.len(), 1234);
}

#[test]
fn clear_all_with_a_filter_clears_only_what_is_shown() {
    let (mut app, _) = opened(vec![
        upload("tmp/a", "1", 10),
        upload("tmp/b", "2", 1),
        upload("keep/c", "3", 10),
    ]);
    press(&mut app, "/tmp >7d");
    app.update(key(KeyCode::Enter));
    assert_eq!(visible_keys(&app), ["tmp/a"]);
    press(&mut app, "D");
    let Some(Modal::Confirm { body, .. }) = app.modal() else {
        panic!()
    };
    assert!(body.iter().any(|l| l.contains("1 of 3 listed")), "{body:?}");
    let commands = press(&mut app, "y");
    let [Command::AbortUploads { uploads, .. }] = commands.as_slice() else {
        panic!()
    };
    assert_eq!(uploads, &[UploadRef::new("tmp/a", "1")]);
}

#[test]
fn clear_all_waits_for_the_complete_list() {
    let (mut app, _) = opened(vec![]);
    let commands = press(&mut app, "r");
    assert!(
        commands
            .iter()
            .any(|c| matches!(c, Command::LoadUploads { .. }))
    );
    let request = uploads_request(&app);
    app.update(Action::UploadsPage {
        request,
        result: Ok(vec![upload("a", "1", 1)]),
        done: false,
    });
    press(&mut app, "D");
    assert!(app.modals.is_empty());
    assert!(
        app.toast
            .as_ref()
            .is_some_and(|t| t.text.contains("still listing"))
    );
}

#[test]
fn esc_cancels_a_running_clear_and_the_summary_tells_everything() {
    let uploads: Vec<Upload> = (0..5)
        .map(|i| upload(&format!("k{i}"), &format!("id{i}"), 1))
        .collect();
    let (mut app, _) = opened(uploads);
    press(&mut app, "D");
    let commands = press(&mut app, "y");
    let [Command::AbortUploads { job, uploads, .. }] = commands.as_slice() else {
        panic!()
    };
    let job = *job;
    let cancel = app.update(key(KeyCode::Esc));
    assert_eq!(cancel, [Command::CancelJob { job }]);
    app.update(Action::Aborted {
        job,
        upload: uploads[0].clone(),
        result: Ok(AbortOutcome::Aborted),
    });
    app.update(Action::Aborted {
        job,
        upload: uploads[1].clone(),
        result: Ok(AbortOutcome::AlreadyGone),
    });
    let denied = S3Error {
        kind: ErrorKind::AccessDenied,
        code: Some("AccessDenied".into()),
        message: "Access Denied".into(),
        status: Some(403),
    };
    app.update(Action::Aborted {
        job,
        upload: uploads[2].clone(),
        result: Err(denied),
    });
    let after = app.update(Action::JobFinished {
        job,
        not_attempted: uploads[3..].to_vec(),
    });
    let Some(Modal::Summary { title, lines }) = app.modal() else {
        panic!("a summary")
    };
    assert_eq!(title, "Clear cancelled");
    let text = lines.join("\n");
    for expected in [
        "Aborted:        1",
        "Already gone:   1",
        "Failed:         1",
        "Not attempted:  2",
        "k2: Access Denied (AccessDenied)",
    ] {
        assert!(text.contains(expected), "{expected:?} in\n{text}");
    }
    assert!(
        after
            .iter()
            .any(|c| matches!(c, Command::LoadUploads { .. })),
        "the list is re-read: {after:?}"
    );

    // The re-read list marks the upload whose abort failed.
    let request = uploads_request(&app);
    app.update(Action::UploadsPage {
        request,
        result: Ok(vec![upload("k2", "id2", 1), upload("k3", "id3", 1)]),
        done: true,
    });
    let view = app.bucket.as_ref().expect("bucket");
    let states: Vec<RowState> = view.uploads.table.visible().map(|r| r.state).collect();
    assert_eq!(states, [RowState::Failed, RowState::Idle]);
}

#[test]
fn read_only_blocks_every_abort() {
    let (mut app, _) = opened(vec![upload("a", "1", 1)]);
    app.read_only = true;
    assert!(press(&mut app, "dD").is_empty());
    assert!(app.modals.is_empty());
    assert!(
        app.toast
            .as_ref()
            .is_some_and(|t| t.text.contains("read-only"))
    );
}

#[test]
fn marked_rows_are_aborted_together() {
    let (mut app, _) = opened(vec![
        upload("a", "1", 1),
        upload("b", "2", 1),
        upload("c", "3", 1),
    ]);
    press(&mut app, " ");
    app.update(key(KeyCode::Down));
    press(&mut app, " d");
    let Some(Modal::Confirm { body, .. }) = app.modal() else {
        panic!()
    };
    assert!(body[0].contains("Abort 2 marked"), "{body:?}");
    let commands = press(&mut app, "y");
    let [Command::AbortUploads { uploads, .. }] = commands.as_slice() else {
        panic!()
    };
    let keys: Vec<&str> = uploads.iter().map(|u| u.key()).collect();
    assert_eq!(keys, ["a", "c"]);
}

#[test]
fn folders_open_and_back_goes_up_then_out() {
    let (mut app, _) = opened(vec![]);
    app.update(key(KeyCode::Char('1')));
    let request = app
        .bucket
        .as_ref()
        .map(|v| v.files.request)
        .expect("bucket");
    app.update(Action::FolderPage {
        request,
        result: Ok(vec![file("top.txt"), folder("photos/")]),
        done: true,
    });
    app.settle();
    let commands = app.update(key(KeyCode::Enter));
    assert!(
        commands
            .iter()
            .any(|c| matches!(c, Command::LoadFolder { prefix, .. } if prefix == "photos/")),
        "folders sort first, so enter opens photos/: {commands:?}"
    );
    let commands = app.update(key(KeyCode::Backspace));
    assert!(
        commands
            .iter()
            .any(|c| matches!(c, Command::LoadFolder { prefix, .. } if prefix.is_empty()))
    );
    app.update(key(KeyCode::Esc));
    assert!(
        app.bucket.is_none(),
        "esc at the top goes back to the bucket list"
    );
}

#[test]
fn a_failed_listing_shows_the_error_and_the_console_goes_on() {
    let (mut app, _) = opened(vec![]);
    press(&mut app, "r");
    let request = uploads_request(&app);
    let denied = S3Error {
        kind: ErrorKind::AccessDenied,
        code: Some("AccessDenied".into()),
        message: "Access Denied".into(),
        status: Some(403),
    };
    app.update(Action::UploadsPage {
        request,
        result: Err(denied),
        done: true,
    });
    let view = app.bucket.as_ref().expect("bucket");
    assert!(view.uploads.error.is_some());
    assert!(!view.uploads.loading);
    app.update(key(KeyCode::Esc));
    assert!(press(&mut app, "j").is_empty());
    assert!(!app.quit);
}

#[test]
fn quit_and_ctrl_c() {
    let (mut app, _) = opened(vec![]);
    press(&mut app, "q");
    assert!(app.quit);
    let mut app = App::new("t", false, NOW);
    app.update(Action::Key(KeyEvent::new(
        KeyCode::Char('c'),
        ratatui::crossterm::event::KeyModifiers::CONTROL,
    )));
    assert!(app.quit);
}

/// Two keys whose fixed-key `DefaultHasher` fingerprints of (key, upload id) collide, found by
/// a birthday search (as an uploader could): the job's row map must still tell them apart.
const COLLIDING_KEYS: [&str; 2] = ["evil/b18949232b3c3677", "evil/2c51dc60a43a6cac"];
const COLLIDING_ID: &str = "2f1c9a";

#[test]
fn uploads_whose_fingerprints_collide_are_each_marked_and_removed_as_aborted() {
    let (mut app, _) = opened(vec![
        upload(COLLIDING_KEYS[0], COLLIDING_ID, 1),
        upload(COLLIDING_KEYS[1], COLLIDING_ID, 1),
    ]);
    press(&mut app, "a");
    let commands = press(&mut app, "dy");
    let [Command::AbortUploads { job, uploads, .. }] = commands.as_slice() else {
        panic!("{commands:?}")
    };
    assert_eq!(uploads.len(), 2);
    let states = |app: &App| -> Vec<RowState> {
        let view = app.bucket.as_ref().expect("open bucket");
        view.uploads.table.items.iter().map(|r| r.state).collect()
    };
    assert_eq!(states(&app), [RowState::Aborting, RowState::Aborting]);
    for upload in uploads {
        app.update(Action::Aborted {
            job: *job,
            upload: upload.clone(),
            result: Ok(AbortOutcome::Aborted),
        });
    }
    assert_eq!(states(&app), [RowState::Done, RowState::Done]);
    app.update(Action::JobFinished {
        job: *job,
        not_attempted: vec![],
    });
    assert!(
        visible_keys(&app).is_empty(),
        "both were aborted: {:?}",
        visible_keys(&app)
    );
}

#[test]
fn clear_all_after_a_failed_page_refuses_and_offers_to_read_the_list_again() {
    let (mut app, _) = opened(vec![]);
    press(&mut app, "r");
    let request = uploads_request(&app);
    app.update(Action::UploadsPage {
        request,
        result: Ok(vec![upload("a", "1", 1), upload("b", "2", 1)]),
        done: false,
    });
    app.update(Action::UploadsPage {
        request,
        result: Err(S3Error::new(ErrorKind::Transient, "connection reset")),
        done: true,
    });
    assert!(press(&mut app, "D").is_empty());
    assert!(app.modals.is_empty(), "no offer to abort a partial list");
    let toast = app.toast.as_ref().expect("a toast says why");
    assert!(
        toast.text.contains("complete list") && toast.text.contains("r reads it again"),
        "{}",
        toast.text
    );
    let commands = press(&mut app, "r");
    assert!(
        commands
            .iter()
            .any(|c| matches!(c, Command::LoadUploads { .. })),
        "{commands:?}"
    );
}

fn undecodable(encoded: &str, id: &str) -> Upload {
    Upload {
        key_undecodable: true,
        ..upload(encoded, id, 1)
    }
}

#[test]
fn an_upload_whose_key_is_not_utf8_is_never_aborted_and_the_console_says_why() {
    let (mut app, _) = opened(vec![undecodable("bad-%FF", "1"), upload("good", "2", 1)]);
    assert!(press(&mut app, "d").is_empty());
    assert!(app.modals.is_empty());
    let toast = app.toast.as_ref().expect("a refusal");
    assert!(
        toast
            .text
            .starts_with("bad-\\xff (undecodable): this key is not UTF-8"),
        "{}",
        toast.text
    );

    press(&mut app, " ");
    assert_eq!(app.bucket.as_ref().map(|v| v.marked), Some(0), "not marked");

    press(&mut app, "D");
    let Some(Modal::Confirm { body, .. }) = app.modal() else {
        panic!("clear all asks about the others")
    };
    assert!(body[0].contains("Abort 1 incomplete upload"), "{body:?}");
    assert!(
        body.iter()
            .any(|l| l.contains("1 upload whose key is not UTF-8 is left alone")),
        "{body:?}"
    );
    let commands = press(&mut app, "y");
    let [Command::AbortUploads { uploads, .. }] = commands.as_slice() else {
        panic!("{commands:?}")
    };
    assert_eq!(uploads, &[UploadRef::new("good", "2")]);
}

#[test]
fn a_file_or_folder_whose_key_is_not_utf8_is_never_deleted_or_opened() {
    let (mut app, _) = opened(vec![]);
    app.update(key(KeyCode::Char('1')));
    let request = app
        .bucket
        .as_ref()
        .map(|v| v.files.request)
        .expect("bucket");
    let undecodable = |entry: Entry| Entry {
        key_undecodable: true,
        ..entry
    };
    app.update(Action::FolderPage {
        request,
        result: Ok(vec![
            undecodable(folder("dir%FF/")),
            undecodable(file("bad-%FF")),
        ]),
        done: true,
    });
    app.settle();
    assert!(
        app.update(key(KeyCode::Enter)).is_empty(),
        "the folder is not opened"
    );
    assert!(
        app.toast
            .as_ref()
            .is_some_and(|t| t.text.starts_with("dir\\xff/ (undecodable)")),
        "{:?}",
        app.toast
    );
    assert!(press(&mut app, "d").is_empty());
    assert!(app.modals.is_empty());
    app.update(key(KeyCode::Down));
    press(&mut app, " ");
    assert_eq!(app.deletion.marked_in("media"), 0, "not marked");
    assert!(press(&mut app, "d").is_empty());
    assert!(app.modals.is_empty());
    assert!(
        app.toast
            .as_ref()
            .is_some_and(|t| t.text.starts_with("bad-\\xff (undecodable)")),
        "{:?}",
        app.toast
    );
}
