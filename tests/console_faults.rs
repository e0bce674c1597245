//! The console while a job meets throttling or is stopped: the gauge and the summary show the
//! live concurrency and the throttle count, `q` asks before quitting a running job, and a
//! second Esc during Empty and delete skips the count of what is left.

mod common;

use partsweep::action::{Action, Command, DeleteCommand, DeleteEvent};
use partsweep::app::{App, Modal};
use partsweep::ops::limit::Pace;
use partsweep::ops::purge::{Phase, Progress};
use partsweep::s3::{AbortOutcome, Bucket, BucketContents, Upload};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

const NOW: i64 = 1_780_000_000;

fn press(app: &mut App, code: KeyCode) -> Vec<Command> {
    app.update(Action::Key(KeyEvent::from(code)))
}

fn screen(app: &mut App) -> String {
    let backend = common::draw(app, 140, 24);
    let buffer = backend.buffer();
    (0..buffer.area.height)
        .map(|y| {
            (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn with_bucket() -> App {
    let mut app = App::new("test", false, NOW);
    let request = match app.start().as_slice() {
        [Command::LoadBuckets { request }] => *request,
        other => panic!("{other:?}"),
    };
    app.update(Action::BucketsLoaded {
        request,
        result: Ok(vec![Bucket {
            name: "media".into(),
            region: None,
            created: Some(NOW),
        }]),
    });
    app
}

/// `media` open on its uploads, a clear of all 100 confirmed: the job id.
fn clearing() -> (App, u64) {
    let mut app = with_bucket();
    let request = press(&mut app, KeyCode::Char('u'))
        .iter()
        .find_map(|c| match c {
            Command::LoadUploads { request, .. } => Some(*request),
            _ => None,
        })
        .expect("uploads listed");
    app.update(Action::UploadsPage {
        request,
        result: Ok((0..100)
            .map(|i| Upload {
                key: format!("k/{i:03}").into(),
                upload_id: format!("id-{i}").into(),
                initiated: Some(NOW - 86_400),
                storage_class: None,
                key_undecodable: false,
            })
            .collect()),
        done: true,
    });
    press(&mut app, KeyCode::Char('D'));
    let job = match press(&mut app, KeyCode::Char('y')).as_slice() {
        [Command::AbortUploads { job, .. }] => *job,
        other => panic!("{other:?}"),
    };
    (app, job)
}

fn pace(in_flight: usize, limit: usize, throttled: u64) -> Pace {
    Pace {
        limit,
        in_flight,
        max: 256,
        throttled,
    }
}

#[test]
fn the_gauge_and_the_summary_show_the_live_concurrency_and_the_throttle_count() {
    let (mut app, job) = clearing();
    let uploads: Vec<_> = app
        .bucket
        .as_ref()
        .expect("open")
        .uploads
        .table
        .items
        .iter()
        .map(|row| row.upload.clone())
        .collect();
    for upload in &uploads[..40] {
        app.update(Action::Aborted {
            job,
            upload: upload.clone(),
            result: Ok(AbortOutcome::Aborted),
        });
    }
    app.update(Action::Paced {
        job,
        pace: pace(17, 18, 12),
    });
    let shown = screen(&mut app);
    assert!(
        shown.contains("40/100") && shown.contains("17 in flight (limit 18) · 12 throttled"),
        "{shown}"
    );

    for upload in &uploads[40..] {
        app.update(Action::Aborted {
            job,
            upload: upload.clone(),
            result: Ok(AbortOutcome::Aborted),
        });
    }
    app.update(Action::Paced {
        job,
        pace: pace(0, 24, 15),
    });
    app.update(Action::JobFinished {
        job,
        not_attempted: vec![],
    });
    let Some(Modal::Summary { lines, .. }) = app.modal() else {
        panic!("{:?}", app.modal())
    };
    let text = lines.join("\n");
    assert!(
        text.contains("Throttled:      15 times (SlowDown, 503)"),
        "{text}"
    );
    assert!(
        text.contains("Concurrency:    24 at once at the end (up to 256)"),
        "{text}"
    );
}

#[test]
fn q_during_a_job_asks_first_and_says_what_is_in_flight() {
    let (mut app, job) = clearing();
    app.update(Action::Paced {
        job,
        pace: pace(32, 32, 0),
    });
    assert!(press(&mut app, KeyCode::Char('q')).is_empty());
    assert!(!app.quit, "a running job is not dropped on one key");
    let Some(Modal::Confirm { title, body, .. }) = app.modal() else {
        panic!("{:?}", app.modal())
    };
    assert_eq!(title, "Quit while a job runs?");
    let body = body.join("\n");
    assert!(body.contains("0 of 100 done"), "{body}");
    assert!(body.contains("In flight now: 32 aborts"), "{body}");
    assert!(body.contains("Not started: 68 uploads"), "{body}");
    let shown = screen(&mut app);
    assert!(shown.contains("Quit while a job runs?"), "{shown}");

    // The confirm keys of assets/keybindings.toml: `n` stays, the job runs on.
    assert!(press(&mut app, KeyCode::Char('n')).is_empty());
    assert!(!app.quit && app.modal().is_none() && app.job.is_some());

    press(&mut app, KeyCode::Char('q'));
    let commands = press(&mut app, KeyCode::Char('y'));
    assert!(app.quit);
    assert_eq!(commands, [Command::CancelJob { job }]);
}

#[test]
fn q_with_no_job_quits_at_once_and_ctrl_c_always_does() {
    let mut app = with_bucket();
    press(&mut app, KeyCode::Char('q'));
    assert!(app.quit && app.modal().is_none());

    let (mut app, job) = clearing();
    let commands = app.update(Action::Key(KeyEvent::new(
        KeyCode::Char('c'),
        KeyModifiers::CONTROL,
    )));
    assert!(app.quit);
    assert_eq!(commands, [Command::CancelJob { job }]);
}

#[test]
fn a_second_esc_during_empty_and_delete_skips_the_count_of_what_is_left() {
    let mut app = with_bucket();
    let request = match press(&mut app, KeyCode::Char('x')).as_slice() {
        [Command::Delete(DeleteCommand::CountBucket { request, .. })] => *request,
        other => panic!("{other:?}"),
    };
    app.update(Action::Delete(DeleteEvent::BucketCounted {
        request,
        bucket: "media".into(),
        result: Ok(BucketContents {
            objects: 5,
            old_versions: Some(0),
            delete_markers: Some(0),
            uploads: 2,
        }),
    }));
    press(&mut app, KeyCode::Char('e'));
    for c in "media".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    let job = match press(&mut app, KeyCode::Enter).as_slice() {
        [Command::Delete(DeleteCommand::EmptyAndDeleteBucket { job, .. })] => *job,
        other => panic!("{other:?}"),
    };
    app.update(Action::Delete(DeleteEvent::Progress {
        job,
        progress: Progress {
            phase: Phase::DeleteObjects,
            listing: false,
            done: 1,
            total: 5,
        },
    }));
    // `q` asks here too, although the progress box holds every other key.
    press(&mut app, KeyCode::Char('q'));
    let Some(Modal::Confirm { body, .. }) = app.modal() else {
        panic!("{:?}", app.modal())
    };
    assert!(
        body.iter().any(|line| line.contains("delete objects: 1/5")),
        "{body:?}"
    );
    press(&mut app, KeyCode::Esc);

    assert_eq!(press(&mut app, KeyCode::Esc), [Command::CancelJob { job }]);
    assert_eq!(
        press(&mut app, KeyCode::Esc),
        [Command::CancelJob { job }],
        "a second Esc stops what would follow"
    );
    assert!(
        app.toast
            .as_ref()
            .is_some_and(|toast| toast.text.contains("will not be counted")),
        "{:?}",
        app.toast
    );
    assert!(
        press(&mut app, KeyCode::Esc).is_empty(),
        "nothing more to stop"
    );
}
