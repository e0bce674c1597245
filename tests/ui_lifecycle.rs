//! Snapshots of the Lifecycle pane, the rule form and the bucket list's auto-clear column.

mod common;

use aws_sdk_s3::types::{
    self as sdk, ExpirationStatus, LifecycleExpiration, LifecycleRuleAndOperator,
    LifecycleRuleFilter, Tag, Transition, TransitionStorageClass,
};
use common::key;
use partsweep::action::{Action, Command, LifecycleCommand};
use partsweep::app::App;
use partsweep::s3::{Bucket, LifecycleRule};
use ratatui::crossterm::event::{KeyCode, KeyEvent};

const NOW: i64 = 1_767_225_600; // 2026-01-01 00:00 UTC

fn rules() -> Vec<LifecycleRule> {
    let tagged = sdk::LifecycleRule::builder()
        .id("archive-tagged")
        .status(ExpirationStatus::Enabled)
        .filter(
            LifecycleRuleFilter::builder()
                .and(
                    LifecycleRuleAndOperator::builder()
                        .prefix("data/")
                        .tags(
                            Tag::builder()
                                .key("tier")
                                .value("cold")
                                .build()
                                .expect("tag"),
                        )
                        .build(),
                )
                .build(),
        )
        .transitions(
            Transition::builder()
                .days(90)
                .storage_class(TransitionStorageClass::Glacier)
                .build(),
        )
        .build()
        .expect("rule");
    let logs = sdk::LifecycleRule::builder()
        .id("expire-logs")
        .status(ExpirationStatus::Disabled)
        .filter(LifecycleRuleFilter::builder().prefix("logs/").build())
        .expiration(LifecycleExpiration::builder().days(30).build())
        .build()
        .expect("rule");
    vec![
        LifecycleRule::new_abort("abort-incomplete-uploads", "", 7, true).expect("rule"),
        LifecycleRule::from_sdk(logs),
        LifecycleRule::from_sdk(tagged),
    ]
}

/// The console with buckets `photos` and `logs` listed, coverage known for both.
fn app_with_buckets() -> App {
    let mut app = App::new("http://127.0.0.1:3900 · region garage", false, NOW);
    let request = match app.start().as_slice() {
        [Command::LoadBuckets { request }] => *request,
        other => panic!("unexpected start: {other:?}"),
    };
    let bucket = |name: &str| Bucket {
        name: name.into(),
        region: Some("garage".into()),
        created: Some(NOW - 40 * 86_400),
    };
    app.update(Action::BucketsLoaded {
        request,
        result: Ok(vec![bucket("photos"), bucket("scratch")]),
    });
    app.update(Action::LifecycleLoaded {
        request: 0,
        bucket: "photos".into(),
        result: Ok(rules()),
    });
    app.update(Action::LifecycleLoaded {
        request: 0,
        bucket: "scratch".into(),
        result: Ok(vec![]),
    });
    app
}

/// `photos` open on its Lifecycle tab with three rules.
fn app_on_lifecycle_tab() -> App {
    app_on_lifecycle_tab_with(rules())
}

/// `photos` open on its Lifecycle tab with `rules`.
fn app_on_lifecycle_tab_with(rules: Vec<LifecycleRule>) -> App {
    let mut app = app_with_buckets();
    let commands = app.update(Action::Key(KeyEvent::from(KeyCode::Enter)));
    let request = commands
        .iter()
        .find_map(|c| match c {
            Command::Lifecycle(LifecycleCommand::Load { request, .. }) => Some(*request),
            _ => None,
        })
        .expect("lifecycle read");
    key(&mut app, KeyCode::Char('3'));
    app.update(Action::LifecycleLoaded {
        request,
        bucket: "photos".into(),
        result: Ok(rules),
    });
    app
}

#[test]
fn bucket_list_shows_which_buckets_are_auto_cleared() {
    let mut app = app_with_buckets();
    insta::assert_snapshot!(common::draw(&mut app, 100, 24));
}

#[test]
fn lifecycle_pane_lists_every_rule_with_its_actions_in_words() {
    let mut app = app_on_lifecycle_tab();
    insta::assert_snapshot!(common::draw(&mut app, 100, 24));
}

#[test]
fn add_rule_form_shows_errors_and_overlap_warnings() {
    let mut app = app_on_lifecycle_tab();
    key(&mut app, KeyCode::Char('n'));
    key(&mut app, KeyCode::Char(' '));
    key(&mut app, KeyCode::Tab);
    for c in "tmp/".chars() {
        key(&mut app, KeyCode::Char(c));
    }
    key(&mut app, KeyCode::Tab);
    for c in "000".chars() {
        key(&mut app, KeyCode::Char(c));
    }
    insta::assert_snapshot!(common::draw(&mut app, 100, 24));
}

#[test]
fn edit_form_keeps_a_filtered_scope_read_only() {
    let mut app = app_on_lifecycle_tab();
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('e'));
    insta::assert_snapshot!(common::draw(&mut app, 100, 24));
}

/// Every symbol the terminal would be sent, row by row.
fn screen(backend: &ratatui::backend::TestBackend) -> String {
    let buffer = backend.buffer();
    let width = buffer.area.width as usize;
    buffer
        .content()
        .chunks(width)
        .map(|row| row.iter().map(|cell| cell.symbol()).collect::<String>() + "\n")
        .collect()
}

#[test]
fn rule_text_from_the_server_reaches_dialogs_and_warnings_escaped() {
    let mut app = app_on_lifecycle_tab();
    // A rule as a server may hold it: its prefix turns the text after it right to left.
    let hostile =
        LifecycleRule::new_abort("hostile", "tmp/\u{202e}gpj.exe", 3, true).expect("rule");
    let request = app.bucket.as_ref().expect("open").lifecycle.request;
    app.update(Action::LifecycleLoaded {
        request,
        bucket: "photos".into(),
        result: Ok(vec![hostile]),
    });

    key(&mut app, KeyCode::Char('d'));
    let dialog = screen(&common::draw(&mut app, 100, 24));
    assert!(dialog.contains("Delete lifecycle rule"), "{dialog}");
    assert!(!dialog.contains('\u{202e}'), "{dialog}");
    assert!(
        dialog.contains("Scope: prefix tmp/\\u{202e}gpj.exe"),
        "{dialog}"
    );

    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('n'));
    key(&mut app, KeyCode::Char(' '));
    key(&mut app, KeyCode::Tab);
    for c in "tmp/".chars() {
        key(&mut app, KeyCode::Char(c));
    }
    let form = screen(&common::draw(&mut app, 100, 24));
    assert!(form.contains("overlaps rule"), "{form}");
    assert!(!form.contains('\u{202e}'), "{form}");
}

/// Rules another tool wrote: `logs` expires objects under logs/ after 30 days and aborts
/// uploads after 7; the second has no id (Garage accepts that) and aborts under tmp/.
fn rules_with_shared_actions() -> Vec<LifecycleRule> {
    let logs = sdk::LifecycleRule::builder()
        .id("logs")
        .status(ExpirationStatus::Enabled)
        .filter(LifecycleRuleFilter::builder().prefix("logs/").build())
        .expiration(LifecycleExpiration::builder().days(30).build())
        .abort_incomplete_multipart_upload(
            sdk::AbortIncompleteMultipartUpload::builder()
                .days_after_initiation(7)
                .build(),
        )
        .build()
        .expect("rule");
    let mut no_id = LifecycleRule::new_abort("x", "tmp/", 3, true)
        .expect("rule")
        .sdk()
        .clone();
    no_id.id = None;
    vec![
        LifecycleRule::from_sdk(logs),
        LifecycleRule::from_sdk(no_id),
    ]
}

#[test]
fn the_pane_numbers_rules_by_their_place_so_rules_without_an_id_differ() {
    let mut app = app_on_lifecycle_tab_with(rules_with_shared_actions());
    insta::assert_snapshot!(common::draw(&mut app, 100, 12));
}

#[test]
fn deleting_a_rule_without_an_id_names_it_by_its_place() {
    let mut app = app_on_lifecycle_tab_with(rules_with_shared_actions());
    key(&mut app, KeyCode::Char('d'));
    insta::assert_snapshot!(common::draw(&mut app, 100, 20));
}

/// The edit form on `logs`, its prefix changed to new/.
fn moving_logs() -> App {
    let mut app = app_on_lifecycle_tab_with(rules_with_shared_actions());
    key(&mut app, KeyCode::Char('j'));
    key(&mut app, KeyCode::Char('e'));
    key(&mut app, KeyCode::BackTab);
    for _ in 0.."logs/".len() {
        key(&mut app, KeyCode::Backspace);
    }
    for c in "new/".chars() {
        key(&mut app, KeyCode::Char(c));
    }
    app
}

#[test]
fn edit_form_shows_every_action_and_says_a_new_scope_moves_them() {
    let mut app = moving_logs();
    insta::assert_snapshot!(common::draw(&mut app, 100, 24));
}

#[test]
fn saving_a_new_scope_asks_to_move_the_whole_rule_or_split_the_abort_action() {
    let mut app = moving_logs();
    key(&mut app, KeyCode::Enter);
    insta::assert_snapshot!(common::draw(&mut app, 100, 30));
}
