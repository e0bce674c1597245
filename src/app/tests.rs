//! `App::update` routing: which modal gets a key, and what a running job lets through.

use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEvent, MouseEventKind,
};

use super::*;
use crate::action::{DeleteCommand, JobId};
use crate::s3::{Bucket, BucketContents, Upload};

const NOW: i64 = 1_764_000_000;

fn key(app: &mut App, code: KeyCode) -> Vec<Command> {
    app.update(Action::Key(KeyEvent::from(code)))
}

fn keys(app: &mut App, text: &str) -> Vec<Command> {
    text.chars()
        .flat_map(|c| key(app, KeyCode::Char(c)))
        .collect()
}

fn ctrl_c(app: &mut App) -> Vec<Command> {
    app.update(Action::Key(KeyEvent::new(
        KeyCode::Char('c'),
        KeyModifiers::CONTROL,
    )))
}

fn upload(key: &str) -> Upload {
    Upload {
        key: key.into(),
        upload_id: format!("id-{key}").into(),
        initiated: Some(NOW - 86_400),
        storage_class: None,
        key_undecodable: false,
    }
}

/// Buckets `media` and `zeta` listed, `media` open on its uploads tab with three uploads.
fn on_uploads() -> App {
    let mut app = App::new("test", false, NOW);
    let [Command::LoadBuckets { request }] = app.start()[..] else {
        panic!("start-up lists buckets")
    };
    app.update(Action::BucketsLoaded {
        request,
        result: Ok(["media", "zeta"]
            .map(|name| Bucket {
                name: name.into(),
                region: None,
                created: Some(NOW),
            })
            .to_vec()),
    });
    keys(&mut app, "u");
    let request = app.bucket.as_ref().map(|v| v.uploads.request).unwrap_or(0);
    app.update(Action::UploadsPage {
        request,
        result: Ok(vec![upload("a"), upload("b"), upload("c")]),
        done: true,
    });
    app.settle();
    app
}

/// A clear of every upload shown, confirmed: an abort job runs.
fn clearing(app: &mut App) -> JobId {
    keys(app, "D");
    match keys(app, "y")[..] {
        [Command::AbortUploads { job, .. }] => job,
        ref other => panic!("expected a clear, got {other:?}"),
    }
}

/// Empty and delete of `zeta`, confirmed by its name: a delete job holds the screen.
fn emptying(app: &mut App) -> JobId {
    key(app, KeyCode::Esc);
    key(app, KeyCode::Down);
    let [Command::Delete(DeleteCommand::CountBucket { request, .. })] = keys(app, "x")[..] else {
        panic!("x counts the bucket first")
    };
    app.update(Action::Delete(DeleteEvent::BucketCounted {
        request,
        bucket: "zeta".into(),
        result: Ok(BucketContents {
            objects: 3,
            ..BucketContents::default()
        }),
    }));
    keys(app, "ezeta");
    match key(app, KeyCode::Enter)[..] {
        [Command::Delete(DeleteCommand::EmptyAndDeleteBucket { job, .. })] => job,
        ref other => panic!("expected empty and delete, got {other:?}"),
    }
}

fn selected_key(app: &App) -> Option<String> {
    let view = app.bucket.as_ref()?;
    Some(view.uploads.table.selected()?.upload.key().to_string())
}

fn question(text: &str) -> Modal {
    Modal::Confirm {
        title: "Abort".into(),
        body: vec![text.into()],
        confirm: "abort".into(),
        action: Pending::Abort {
            bucket: "media".into(),
            uploads: vec![UploadRef::new("a", "id-a")],
            clear_all: false,
            active: Vec::new(),
        },
    }
}

#[test]
fn help_on_top_of_a_question_takes_the_key_and_the_question_waits() {
    let mut app = on_uploads();
    app.push_modal(question("abort a?"));
    app.push_modal(Modal::Help);
    assert!(keys(&mut app, "y").is_empty(), "y only closes the help");
    assert!(matches!(app.modal(), Some(Modal::Confirm { .. })));
    let commands = keys(&mut app, "y");
    assert!(
        matches!(commands[..], [Command::AbortUploads { .. }]),
        "{commands:?}"
    );
    assert!(app.modals.is_empty());
}

#[test]
fn a_summary_that_arrives_over_the_help_closes_first() {
    let mut app = on_uploads();
    let job = clearing(&mut app);
    keys(&mut app, "?");
    app.update(Action::JobFinished {
        job,
        not_attempted: vec![],
    });
    assert!(matches!(
        app.modals[..],
        [Modal::Help, Modal::Summary { .. }]
    ));
    assert!(keys(&mut app, "q").is_empty());
    assert_eq!(app.modals, [Modal::Help]);
    keys(&mut app, "q");
    assert!(app.modals.is_empty());
    assert!(!app.quit, "each q only closed something");
}

#[test]
fn typing_a_filter_triggers_no_action() {
    let mut app = on_uploads();
    keys(&mut app, "/");
    // Each of these is bound in the uploads pane or everywhere.
    assert!(keys(&mut app, "dDq?ar").is_empty());
    assert_eq!(app.modals, [Modal::Filter("dDq?ar".into())]);
    assert!(!app.quit);
    key(&mut app, KeyCode::Backspace);
    key(&mut app, KeyCode::Backspace);
    key(&mut app, KeyCode::Backspace);
    assert_eq!(app.modals, [Modal::Filter("dDq".into())]);
    key(&mut app, KeyCode::Enter);
    assert!(
        app.modals.is_empty(),
        "enter keeps the filter and closes the line"
    );
    let view = app.bucket.as_ref().expect("open bucket");
    assert_eq!(view.uploads.table.filter.text, "dDq");
    keys(&mut app, "q");
    assert!(app.quit, "with the line closed, q quits again");
}

#[test]
fn esc_in_the_filter_clears_it_and_does_not_go_back() {
    let mut app = on_uploads();
    keys(&mut app, "/b");
    assert_eq!(selected_key(&app).as_deref(), Some("b"));
    key(&mut app, KeyCode::Esc);
    assert!(app.modals.is_empty());
    assert!(app.bucket.is_some(), "still in the bucket");
    let view = app.bucket.as_ref().expect("open bucket");
    assert_eq!(view.uploads.table.len(), 3);
}

#[test]
fn esc_cancels_the_running_abort_job_once_and_otherwise_goes_back() {
    let mut app = on_uploads();
    let job = clearing(&mut app);
    assert_eq!(key(&mut app, KeyCode::Esc), [Command::CancelJob { job }]);
    assert!(app.job.as_ref().is_some_and(|j| j.cancelling));
    assert!(key(&mut app, KeyCode::Esc).is_empty(), "already cancelling");
    assert!(app.bucket.is_some(), "esc went to the job, not back");
    app.update(Action::JobFinished {
        job,
        not_attempted: vec![],
    });
    key(&mut app, KeyCode::Esc); // closes the summary
    key(&mut app, KeyCode::Esc);
    assert!(app.bucket.is_none(), "with no job, esc goes back");
}

#[test]
fn esc_cancels_a_delete_job_through_the_same_path() {
    let mut app = on_uploads();
    let job = emptying(&mut app);
    assert!(app.job.as_ref().is_some_and(Job::holds_screen));
    assert_eq!(key(&mut app, KeyCode::Esc), [Command::CancelJob { job }]);
    // Again: also skip the count of what is left after the stop.
    assert_eq!(key(&mut app, KeyCode::Esc), [Command::CancelJob { job }]);
    assert!(key(&mut app, KeyCode::Esc).is_empty());
}

#[test]
fn an_abort_job_leaves_the_console_usable_but_refuses_a_second_job() {
    let mut app = on_uploads();
    clearing(&mut app);
    key(&mut app, KeyCode::Up);
    keys(&mut app, "j");
    assert_eq!(selected_key(&app).as_deref(), Some("b"), "moving works");
    assert!(keys(&mut app, "d").is_empty());
    assert!(app.modals.is_empty());
    let toast = app.toast.as_ref().map(|t| t.text.as_str()).unwrap_or("");
    assert!(toast.contains("press esc to cancel it"), "{toast}");
    assert!(
        keys(&mut app, "r").is_empty(),
        "no re-read under a running clear"
    );
    keys(&mut app, "?");
    assert_eq!(app.modals, [Modal::Help]);
}

#[test]
fn a_delete_job_takes_no_key_but_its_cancel_and_quit_keys() {
    let mut app = on_uploads();
    emptying(&mut app);
    let before = app.buckets.table.selected().map(|b| b.name.clone());
    assert!(keys(&mut app, "k?x/").is_empty());
    assert!(!app.quit && app.modals.is_empty());
    assert_eq!(app.buckets.table.selected().map(|b| b.name.clone()), before);
}

#[test]
fn ctrl_c_quits_from_anywhere_and_cancels_the_job() {
    let mut app = on_uploads();
    keys(&mut app, "/ab");
    assert!(ctrl_c(&mut app).is_empty());
    assert!(app.quit, "from the filter line");

    let mut app = on_uploads();
    let request = app
        .bucket
        .as_ref()
        .map(|v| v.lifecycle.request)
        .unwrap_or(0);
    app.update(Action::LifecycleLoaded {
        request,
        bucket: "media".into(),
        result: Ok(vec![]),
    });
    keys(&mut app, "3n");
    assert!(matches!(app.modal(), Some(Modal::Form(_))));
    ctrl_c(&mut app);
    assert!(app.quit, "from the rule form");

    let mut app = on_uploads();
    let job = emptying(&mut app);
    assert_eq!(ctrl_c(&mut app), [Command::CancelJob { job }]);
    assert!(app.quit, "from a delete job");

    let mut app = on_uploads();
    let job = clearing(&mut app);
    keys(&mut app, "?");
    assert_eq!(ctrl_c(&mut app), [Command::CancelJob { job }]);
    assert!(app.quit, "from the help over a clear");
}

#[test]
fn the_type_name_dialog_types_letters_that_are_bound_elsewhere() {
    let mut app = on_uploads();
    key(&mut app, KeyCode::Esc);
    let [Command::Delete(DeleteCommand::CountBucket { request, .. })] = keys(&mut app, "x")[..]
    else {
        panic!("x counts the bucket first")
    };
    app.update(Action::Delete(DeleteEvent::BucketCounted {
        request,
        bucket: "media".into(),
        result: Ok(BucketContents {
            objects: 1,
            ..BucketContents::default()
        }),
    }));
    keys(&mut app, "e");
    // n and q cancel the choice dialog, but here they are part of a name.
    keys(&mut app, "nq");
    assert!(matches!(
        app.modal(),
        Some(Modal::TypeName { typed, .. }) if typed == "nq"
    ));
}

#[test]
fn key_releases_are_ignored() {
    let mut app = on_uploads();
    let mut release = KeyEvent::from(KeyCode::Char('q'));
    release.kind = KeyEventKind::Release;
    app.update(Action::Key(release));
    assert!(!app.quit);
}

#[test]
fn the_wheel_scrolls_under_the_filter_line_but_not_under_a_question() {
    let wheel = || {
        Action::Mouse(MouseEvent {
            kind: MouseEventKind::ScrollDown,
            column: 0,
            row: 0,
            modifiers: KeyModifiers::NONE,
        })
    };
    let mut app = on_uploads();
    keys(&mut app, "/");
    app.update(wheel());
    assert_eq!(selected_key(&app).as_deref(), Some("c"));
    key(&mut app, KeyCode::Enter);
    keys(&mut app, "g");
    app.push_modal(question("abort a?"));
    app.update(wheel());
    assert_eq!(selected_key(&app).as_deref(), Some("a"));
}
