//! The History pane: what the journal holds, newest first, filtered, in detail; opened and
//! closed over the pane the user was on. State tests on `App` and snapshots.

mod common;

use common::{key, keys};
use partsweep::action::{Action, Command};
use partsweep::app::{App, Modal};
use partsweep::ops::journal::{Entry, History, Outcome, Via, WriteKind};
use partsweep::s3::Bucket;
use ratatui::crossterm::event::KeyCode;

const NOW: i64 = 1_764_000_000; // 2025-11-24 16:00 UTC

fn entry(action: WriteKind, bucket: &str, age: i64, outcome: Outcome) -> Entry {
    Entry {
        time: NOW - age,
        via: Via::Console,
        endpoint: Some("http://127.0.0.1:3900".into()),
        region: "garage".into(),
        action,
        bucket: bucket.into(),
        key: None,
        version_id: None,
        upload_id: None,
        rule: None,
        detail: None,
        outcome,
        error: None,
    }
}

/// As the journal reads back: newest first.
fn journal() -> History {
    let mut abort = entry(
        WriteKind::AbortUpload,
        "media-uploads",
        60,
        Outcome::Aborted,
    );
    abort.key = Some("weird/escape-\x1b[31mred\x1b[0m.bin".into());
    abort.upload_id = Some("2~Kq9xZ1b2c3d4e5f6".into());
    let mut refused = entry(WriteKind::DeleteObject, "backups", 3_600, Outcome::Failed);
    refused.key = Some("daily/locked.dump".into());
    refused.error = Some("Access Denied (AccessDenied)".into());
    let mut rule = entry(WriteKind::AddRule, "backups", 2 * 86_400, Outcome::Changed);
    rule.rule = Some("abort-incomplete-uploads".into());
    rule.detail = Some("abort incomplete uploads 7 days after start; whole bucket; enabled".into());
    let bucket = entry(
        WriteKind::DeleteBucket,
        "old-logs",
        9 * 86_400,
        Outcome::Deleted,
    );
    History {
        entries: vec![abort, refused, rule, bucket],
        unreadable: 0,
        left_out: 0,
    }
}

fn app_with_buckets() -> App {
    let mut app = App::new("http://127.0.0.1:3900 · region garage", false, NOW);
    let Command::LoadBuckets { request } = app.start()[0] else {
        panic!("the console starts by listing buckets")
    };
    app.update(Action::BucketsLoaded {
        request,
        result: Ok(vec![Bucket {
            name: "backups".into(),
            region: None,
            created: Some(NOW - 86_400),
        }]),
    });
    app
}

/// Presses H and answers the journal read with `history`.
fn open_history(app: &mut App, history: Result<History, String>) {
    let request = match key(app, KeyCode::Char('H')).as_slice() {
        [Command::LoadHistory { request }] => *request,
        other => panic!("H should read the journal, got {other:?}"),
    };
    app.update(Action::HistoryLoaded {
        request,
        journal: "/home/ann/.local/state/partsweep/journal.jsonl".into(),
        result: history,
    });
}

fn listed(app: &App) -> Vec<String> {
    let view = app.history.as_ref().expect("history open");
    view.listing
        .table
        .visible()
        .map(|row| format!("{} {}", row.entry.action.label(), row.entry.target()))
        .collect()
}

#[test]
fn history_lists_the_journal_newest_first_and_filters_it() {
    let mut app = app_with_buckets();
    open_history(&mut app, Ok(journal()));
    assert_eq!(
        listed(&app),
        [
            "abort upload weird/escape-\x1b[31mred\x1b[0m.bin",
            "delete object daily/locked.dump",
            "add rule abort-incomplete-uploads",
            "delete bucket old-logs",
        ]
    );
    insta::assert_snapshot!("history_pane", common::draw(&mut app, 120, 14));

    key(&mut app, KeyCode::Char('/'));
    keys(&mut app, "backups");
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        listed(&app),
        [
            "delete object daily/locked.dump",
            "add rule abort-incomplete-uploads"
        ]
    );
    key(&mut app, KeyCode::Char('/'));
    keys(&mut app, " >1d");
    key(&mut app, KeyCode::Enter);
    assert_eq!(listed(&app), ["add rule abort-incomplete-uploads"]);
    key(&mut app, KeyCode::Char('/'));
    key(&mut app, KeyCode::Esc);
    keys(&mut app, "/denied");
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        listed(&app),
        ["delete object daily/locked.dump"],
        "the error text is searched too"
    );
}

#[test]
fn enter_shows_every_field_of_a_write_and_esc_goes_back_where_the_user_was() {
    let mut app = app_with_buckets();
    key(&mut app, KeyCode::Enter);
    assert!(app.bucket.is_some(), "in the bucket");
    open_history(&mut app, Ok(journal()));
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Enter);
    let Some(Modal::Summary { lines, .. }) = app.modal() else {
        panic!("Enter shows the entry: {:?}", app.modal())
    };
    let text = lines.join("\n");
    for expected in [
        "2025-11-24 15:00:00: delete object · failed",
        "bucket:   backups",
        "key:      daily/locked.dump",
        "error:    Access Denied (AccessDenied)",
        "endpoint: http://127.0.0.1:3900",
    ] {
        assert!(text.contains(expected), "{expected:?} in:\n{text}");
    }
    key(&mut app, KeyCode::Esc);
    assert!(app.modal().is_none());
    key(&mut app, KeyCode::Esc);
    assert!(app.history.is_none(), "esc closes the History pane");
    assert_eq!(
        app.bucket.as_ref().map(|view| view.name.as_str()),
        Some("backups"),
        "and the bucket is shown as it was"
    );
    assert!(key(&mut app, KeyCode::Char('H')).len() == 1);
    assert!(
        key(&mut app, KeyCode::Char('H')).is_empty() && app.history.is_none(),
        "H again closes it"
    );
}

#[test]
fn a_journal_that_cannot_be_read_or_written_is_said_so() {
    let mut app = app_with_buckets();
    open_history(
        &mut app,
        Err("cannot read /home/ann/.local/state/partsweep/journal.jsonl: Permission denied".into()),
    );
    app.update(Action::JournalFailed {
        problem: "journal: cannot open /full/journal.jsonl: No space left on device; the writes of this run are not recorded from here on".into(),
    });
    let toast = app
        .toast
        .as_ref()
        .map(|t| t.text.clone())
        .unwrap_or_default();
    assert!(toast.contains("No space left on device"), "{toast}");
    insta::assert_snapshot!("history_unreadable", common::draw(&mut app, 120, 12));

    // A fresh read replaces the error; nothing in the journal says so.
    let request = match key(&mut app, KeyCode::Char('r')).as_slice() {
        [Command::LoadHistory { request }] => *request,
        other => panic!("r reads the journal again, got {other:?}"),
    };
    app.update(Action::HistoryLoaded {
        request,
        journal: "/home/ann/.local/state/partsweep/journal.jsonl".into(),
        result: Ok(History::default()),
    });
    let text = format!("{:?}", common::draw(&mut app, 120, 12));
    assert!(text.contains("no writes on record yet"), "{text}");
}
