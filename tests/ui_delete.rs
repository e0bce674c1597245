//! Deleting from the console: dialog state and what the user sees (snapshots, 100×24).

mod common;

use partsweep::action::{Action, Command, DeleteCommand, DeleteEvent};
use partsweep::app::{App, Modal, Pending};
use partsweep::ops::delete::DeleteReport;
use partsweep::ops::purge::{Phase, Progress};
use partsweep::s3::{Bucket, BucketContents, Entry, EntryKind, KeyFailure};
use ratatui::crossterm::event::{KeyCode, KeyEvent};

const NOW: i64 = 1_780_000_000;

fn press(app: &mut App, code: KeyCode) -> Vec<Command> {
    app.update(Action::Key(KeyEvent::from(code)))
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

fn app_with_bucket(read_only: bool) -> App {
    let mut app = App::new("http://127.0.0.1:3900 · region garage", read_only, NOW);
    let request = match app.start().as_slice() {
        [Command::LoadBuckets { request }] => *request,
        other => panic!("unexpected start: {other:?}"),
    };
    app.update(Action::BucketsLoaded {
        request,
        result: Ok(vec![Bucket {
            name: "photos".into(),
            region: Some("garage".into()),
            created: Some(NOW - 86_400 * 30),
        }]),
    });
    app
}

fn non_empty() -> BucketContents {
    BucketContents {
        objects: 214,
        old_versions: Some(0),
        delete_markers: Some(0),
        uploads: 37,
    }
}

/// Presses `x` and answers the pre-check with `contents`.
fn precheck(app: &mut App, contents: BucketContents) {
    let commands = press(app, KeyCode::Char('x'));
    let request = match commands.as_slice() {
        [Command::Delete(DeleteCommand::CountBucket { request, bucket })] if bucket == "photos" => {
            *request
        }
        other => panic!("expected a pre-check, got {other:?}"),
    };
    app.update(Action::Delete(DeleteEvent::BucketCounted {
        request,
        bucket: "photos".into(),
        result: Ok(contents),
    }));
}

#[test]
fn precheck_of_a_non_empty_bucket_says_what_blocks_it() {
    let mut app = app_with_bucket(false);
    precheck(&mut app, non_empty());
    assert!(matches!(app.modal(), Some(Modal::Blocked { .. })));
    insta::assert_snapshot!(common::draw(&mut app, 100, 24));
}

#[test]
fn empty_and_delete_starts_only_when_the_name_is_typed_exactly() {
    let mut app = app_with_bucket(false);
    precheck(&mut app, non_empty());
    assert!(press(&mut app, KeyCode::Char('e')).is_empty());
    type_text(&mut app, "photo");
    assert!(
        press(&mut app, KeyCode::Enter).is_empty(),
        "a partial name must not confirm"
    );
    assert!(matches!(app.modal(), Some(Modal::TypeName { .. })));
    insta::assert_snapshot!("type_name_mismatch", common::draw(&mut app, 100, 24));

    type_text(&mut app, "sX");
    assert!(press(&mut app, KeyCode::Enter).is_empty(), "photosX");
    press(&mut app, KeyCode::Backspace);
    assert!(app.modal().is_some_and(Modal::name_matches));
    insta::assert_snapshot!("type_name_match", common::draw(&mut app, 100, 24));
    let commands = press(&mut app, KeyCode::Enter);
    assert!(
        matches!(commands.as_slice(), [Command::Delete(DeleteCommand::EmptyAndDeleteBucket { bucket, .. })] if bucket == "photos"),
        "{commands:?}"
    );
}

#[test]
fn esc_in_the_type_name_dialog_deletes_nothing() {
    let mut app = app_with_bucket(false);
    precheck(&mut app, non_empty());
    press(&mut app, KeyCode::Char('e'));
    type_text(&mut app, "photos");
    assert!(press(&mut app, KeyCode::Esc).is_empty());
    assert!(app.modals.is_empty() && app.job.is_none());
}

#[test]
fn the_blocked_dialog_opens_the_uploads_pane() {
    let mut app = app_with_bucket(false);
    precheck(&mut app, non_empty());
    let commands = press(&mut app, KeyCode::Char('u'));
    assert!(
        commands
            .iter()
            .any(|c| matches!(c, Command::LoadUploads { bucket, .. } if bucket == "photos"))
    );
    assert_eq!(
        app.bucket.as_ref().map(|v| v.tab),
        Some(partsweep::app::Tab::Uploads)
    );
}

#[test]
fn an_empty_bucket_gets_a_plain_confirmation() {
    let mut app = app_with_bucket(false);
    precheck(
        &mut app,
        BucketContents {
            old_versions: Some(0),
            delete_markers: Some(0),
            ..BucketContents::default()
        },
    );
    assert!(matches!(
        app.modal(),
        Some(Modal::Confirm { action: Pending::DeleteBucket { bucket }, .. }) if bucket == "photos"
    ));
    let commands = press(&mut app, KeyCode::Char('y'));
    assert!(matches!(
        commands.as_slice(),
        [Command::Delete(DeleteCommand::DeleteBucket { .. })]
    ));
}

#[test]
fn read_only_blocks_every_delete() {
    let mut app = app_with_bucket(true);
    assert!(press(&mut app, KeyCode::Char('x')).is_empty());
    let toast = app
        .toast
        .as_ref()
        .map(|t| t.text.clone())
        .unwrap_or_default();
    assert!(toast.starts_with("read-only mode"), "{toast}");
    assert!(app.modals.is_empty());

    open_folder(&mut app);
    assert!(press(&mut app, KeyCode::Char('d')).is_empty());
    assert!(app.modals.is_empty());
}

/// Opens the bucket and shows a folder listing: one folder, two files.
fn open_folder(app: &mut App) {
    let commands = press(app, KeyCode::Enter);
    let request = commands
        .iter()
        .find_map(|c| match c {
            Command::LoadFolder { request, .. } => Some(*request),
            _ => None,
        })
        .expect("folder load");
    let entry = |kind, key: &str| Entry {
        kind,
        key: key.into(),
        size: 2048,
        modified: Some(NOW - 3_600),
        storage_class: None,
        key_undecodable: false,
    };
    app.update(Action::FolderPage {
        request,
        result: Ok(vec![
            entry(EntryKind::Folder, "photos/"),
            entry(EntryKind::File, "a.txt"),
            entry(EntryKind::File, "b.txt"),
        ]),
        done: true,
    });
    app.settle();
}

#[test]
fn deleting_a_folder_counts_first_and_deletes_exactly_what_was_listed() {
    let mut app = app_with_bucket(false);
    open_folder(&mut app);
    let commands = press(&mut app, KeyCode::Char('d'));
    let request = match commands.as_slice() {
        [
            Command::Delete(DeleteCommand::ListPrefix {
                request, prefix, ..
            }),
        ] if prefix == "photos/" => *request,
        other => panic!("expected a listing, got {other:?}"),
    };
    let keys: Vec<String> = (0..1_234).map(|i| format!("photos/{i:04}.jpg")).collect();
    app.update(Action::Delete(DeleteEvent::PrefixListed {
        request,
        bucket: "photos".into(),
        prefix: "photos/".into(),
        result: Ok(keys.clone()),
    }));
    let Some(Modal::Confirm { body, .. }) = app.modal() else {
        panic!("expected a confirmation");
    };
    assert_eq!(
        body[0],
        "Delete 1,234 objects under photos/ in bucket photos?"
    );
    let commands = press(&mut app, KeyCode::Char('y'));
    let job = match commands.as_slice() {
        [
            Command::Delete(DeleteCommand::DeleteObjects {
                job,
                keys: sent,
                folder: Some(folder),
                ..
            }),
        ] if *sent == keys && folder == "photos/" => *job,
        other => panic!("expected the listed keys under photos/, got {other:?}"),
    };

    // On a versioned bucket the folder leaves the file list but its data stays: the summary
    // says so instead of implying the folder is gone.
    let left = "Versioning is on: photos/ still holds 1,234 older versions and 1,234 delete markers (stored and billed, not shown in the file list). Empty and delete removes them with the bucket.";
    app.update(Action::Delete(DeleteEvent::ObjectsDeleted {
        job,
        report: DeleteReport {
            requested: 1_234,
            deleted: 1_234,
            left_behind: Some(left.into()),
            ..DeleteReport::default()
        },
    }));
    let Some(Modal::Summary { lines, .. }) = app.modal() else {
        panic!("expected a summary");
    };
    assert!(lines.contains(&left.to_owned()), "{lines:?}");
}

#[test]
fn marked_files_are_named_and_deleted_together() {
    let mut app = app_with_bucket(false);
    open_folder(&mut app);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char(' '));
    press(&mut app, KeyCode::Char(' '));
    assert_eq!(app.deletion.marked_in("photos"), 2);
    press(&mut app, KeyCode::Char('d'));
    let Some(Modal::Confirm { body, .. }) = app.modal() else {
        panic!("expected a confirmation");
    };
    assert!(body.contains(&"  a.txt".to_owned()) && body.contains(&"  b.txt".to_owned()));
    let commands = press(&mut app, KeyCode::Enter);
    assert!(matches!(
        commands.as_slice(),
        [Command::Delete(DeleteCommand::DeleteObjects { keys, .. })] if *keys == ["a.txt", "b.txt"]
    ));
}

#[test]
fn per_key_failures_are_listed_and_the_folder_is_read_again() {
    let mut app = app_with_bucket(false);
    open_folder(&mut app);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char(' '));
    press(&mut app, KeyCode::Char(' '));
    press(&mut app, KeyCode::Char('d'));
    let job = match press(&mut app, KeyCode::Char('y')).as_slice() {
        [Command::Delete(DeleteCommand::DeleteObjects { job, .. })] => *job,
        other => panic!("{other:?}"),
    };
    let commands = app.update(Action::Delete(DeleteEvent::ObjectsDeleted {
        job,
        report: DeleteReport {
            requested: 2,
            deleted: 1,
            failed: vec![KeyFailure {
                key: "b.txt".into(),
                version_id: None,
                code: Some("AccessDenied".into()),
                message: "Access Denied".into(),
                key_undecodable: false,
            }],
            not_attempted: 0,
            cancelled: false,
            left_behind: None,
        },
    }));
    assert!(
        commands
            .iter()
            .any(|c| matches!(c, Command::LoadFolder { .. }))
    );
    let Some(Modal::Summary { lines, .. }) = app.modal() else {
        panic!("expected a summary");
    };
    assert!(
        lines.contains(&"  b.txt: Access Denied (AccessDenied)".to_owned()),
        "{lines:?}"
    );
}

#[test]
fn empty_and_delete_shows_phase_progress_and_esc_cancels() {
    let mut app = app_with_bucket(false);
    precheck(&mut app, non_empty());
    press(&mut app, KeyCode::Char('e'));
    type_text(&mut app, "photos");
    let job = match press(&mut app, KeyCode::Enter).as_slice() {
        [Command::Delete(DeleteCommand::EmptyAndDeleteBucket { job, .. })] => *job,
        other => panic!("{other:?}"),
    };
    app.update(Action::Delete(DeleteEvent::Progress {
        job,
        progress: Progress {
            phase: Phase::DeleteObjects,
            listing: false,
            done: 1_000,
            total: 2_100,
        },
    }));
    insta::assert_snapshot!(common::draw(&mut app, 100, 24));
    let commands = press(&mut app, KeyCode::Esc);
    assert_eq!(commands, [Command::CancelJob { job }]);
    assert!(app.job.as_ref().is_some_and(|j| j.cancelling));
}
