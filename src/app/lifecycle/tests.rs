use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::*;
use crate::action::Action;
use crate::app::Modal;
use crate::app::Tab;
use crate::s3::{Bucket, ErrorKind};
use aws_sdk_s3::types::{AbortIncompleteMultipartUpload, LifecycleExpiration};

fn key(code: KeyCode) -> Action {
    Action::Key(KeyEvent::from(code))
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        app.update(key(KeyCode::Char(c)));
    }
}

/// An app with two buckets listed and the first one open on its Lifecycle tab.
fn app_on_lifecycle_tab(read_only: bool, rules: Vec<LifecycleRule>) -> App {
    let mut app = App::new("test", read_only, 1_700_000_000);
    let request = match app.start().as_slice() {
        [Command::LoadBuckets { request }] => *request,
        other => panic!("unexpected start: {other:?}"),
    };
    let buckets = ["alpha", "beta"].map(|name| Bucket {
        name: name.into(),
        region: None,
        created: None,
    });
    let commands = app.update(Action::BucketsLoaded {
        request,
        result: Ok(buckets.to_vec()),
    });
    assert_eq!(
        commands[..1],
        [Command::Lifecycle(LifecycleCommand::LoadCoverage {
            buckets: vec!["alpha".into(), "beta".into()]
        })]
    );
    assert!(
        matches!(
            commands[1..],
            [Command::Sizes(
                crate::action::SizeCommand::ScanBuckets { .. }
            )]
        ),
        "the bucket list's sizes are read in the background: {commands:?}"
    );
    let commands = app.update(key(KeyCode::Enter));
    let lifecycle_request = commands
        .iter()
        .find_map(|c| match c {
            Command::Lifecycle(LifecycleCommand::Load { request, bucket }) if bucket == "alpha" => {
                Some(*request)
            }
            _ => None,
        })
        .expect("opening a bucket reads its lifecycle rules");
    app.update(key(KeyCode::Char('3')));
    assert_eq!(app.bucket.as_ref().map(|v| v.tab), Some(Tab::Lifecycle));
    app.update(Action::LifecycleLoaded {
        request: lifecycle_request,
        bucket: "alpha".into(),
        result: Ok(rules),
    });
    app
}

/// The form, wherever it is on the stack (a question may be over it).
fn open_form(app: &App) -> Option<&LifecycleForm> {
    app.modals.iter().find_map(|m| match m {
        Modal::Form(form) => Some(form),
        _ => None,
    })
}

fn asking(app: &App) -> bool {
    matches!(app.modal(), Some(Modal::Confirm { .. }))
}

fn abort(id: &str, prefix: &str, days: i32) -> LifecycleRule {
    LifecycleRule::new_abort(id, prefix, days, true).expect("rule")
}

#[test]
fn tab_cycles_through_files_uploads_and_lifecycle() {
    let mut app = app_on_lifecycle_tab(false, vec![]);
    let tabs: Vec<Tab> = (0..3)
        .map(|_| {
            app.update(key(KeyCode::Tab));
            app.bucket.as_ref().map(|v| v.tab).expect("open bucket")
        })
        .collect();
    assert_eq!(tabs, [Tab::Files, Tab::Uploads, Tab::Lifecycle]);
}

#[test]
fn the_bucket_list_learns_coverage_and_survives_access_errors() {
    let mut app = app_on_lifecycle_tab(false, vec![abort("weekly", "", 7)]);
    assert_eq!(app.coverage.get("alpha"), Some(&Coverage::WholeBucket(7)));
    let denied = S3Error::new(ErrorKind::AccessDenied, "Access Denied");
    app.update(Action::LifecycleLoaded {
        request: 0,
        bucket: "beta".into(),
        result: Err(denied),
    });
    assert_eq!(app.coverage.get("beta"), Some(&Coverage::Unknown));
    assert_eq!(app.buckets.table.items.len(), 2);
    assert!(app.buckets.error.is_none());
    // A bucket-list result never replaces the open pane's rules.
    app.update(Action::LifecycleLoaded {
        request: 0,
        bucket: "alpha".into(),
        result: Ok(vec![]),
    });
    let view = app.bucket.as_ref().expect("open bucket");
    assert_eq!(view.lifecycle.table.items.len(), 1);
}

#[test]
fn adding_a_rule_validates_then_confirms_then_writes() {
    let mut app = app_on_lifecycle_tab(false, vec![]);
    app.update(key(KeyCode::Char('n')));
    let form = open_form(&app).expect("form open");
    assert_eq!(form.id, "abort-incomplete-uploads");
    assert!(form.check.is_ok());
    // Scope → prefix, then type it; days → replace 7 with 0.
    app.update(key(KeyCode::Char(' ')));
    app.update(key(KeyCode::Tab));
    typed(&mut app, "tmp/");
    app.update(key(KeyCode::Tab));
    app.update(key(KeyCode::Backspace));
    typed(&mut app, "0");
    let form = open_form(&app).expect("form open");
    assert!(form.check.errors.iter().any(|e| e.contains("1 to 3650")));
    assert_eq!(app.update(key(KeyCode::Enter)), vec![]);
    assert!(!asking(&app), "an invalid form is not submitted");
    app.update(key(KeyCode::Backspace));
    typed(&mut app, "3");
    app.update(key(KeyCode::Enter));
    assert!(asking(&app));
    let commands = app.update(key(KeyCode::Char('y')));
    let expected = RuleChange::AddAbort {
        id: "abort-incomplete-uploads".into(),
        prefix: "tmp/".into(),
        days: 3,
        enabled: true,
    };
    let [
        Command::Lifecycle(LifecycleCommand::Change {
            request,
            bucket,
            change,
        }),
    ] = commands.as_slice()
    else {
        panic!("expected one change, got {commands:?}");
    };
    assert_eq!((bucket.as_str(), change), ("alpha", &expected));
    assert!(open_form(&app).is_none());
    let written = abort("abort-incomplete-uploads", "tmp/", 3);
    app.update(Action::LifecycleChanged {
        request: *request,
        bucket: "alpha".into(),
        change: expected,
        result: Ok(Written {
            read_back: Ok(vec![written.clone()]),
        }),
    });
    let view = app.bucket.as_ref().expect("open bucket");
    assert_eq!(view.lifecycle.table.items, [written]);
    assert!(!view.lifecycle.loading);
    assert_eq!(app.coverage.get("alpha"), Some(&Coverage::Partly(3)));
}

#[test]
fn cancelling_the_confirmation_returns_to_the_form() {
    let mut app = app_on_lifecycle_tab(false, vec![]);
    app.update(key(KeyCode::Char('a')));
    app.update(key(KeyCode::Enter));
    assert!(asking(&app));
    app.update(key(KeyCode::Char('n')));
    assert!(!asking(&app));
    assert!(open_form(&app).is_some(), "the typed form is kept");
    app.update(key(KeyCode::Esc));
    assert!(open_form(&app).is_none());
}

#[test]
fn deleting_the_last_rule_says_the_configuration_goes() {
    let mut app = app_on_lifecycle_tab(false, vec![abort("weekly", "", 7)]);
    app.update(key(KeyCode::Char('d')));
    let Some(Modal::Confirm { body, .. }) = app.modal() else {
        panic!("expected a confirmation");
    };
    assert!(body.iter().any(|l| l.contains("last rule")), "{body:?}");
    let commands = app.update(key(KeyCode::Char('y')));
    assert!(matches!(
        commands.as_slice(),
        [Command::Lifecycle(LifecycleCommand::Change { change: RuleChange::Delete { target }, .. })]
            if target.index == 0 && target.rule.id == "weekly"
    ));
}

#[test]
fn a_failed_change_rereads_the_rules() {
    let mut app = app_on_lifecycle_tab(false, vec![abort("weekly", "", 7)]);
    app.update(key(KeyCode::Char('d')));
    let commands = app.update(key(KeyCode::Char('y')));
    let [
        Command::Lifecycle(LifecycleCommand::Change {
            request, change, ..
        }),
    ] = commands.as_slice()
    else {
        panic!("expected one change, got {commands:?}");
    };
    let commands = app.update(Action::LifecycleChanged {
        request: *request,
        bucket: "alpha".into(),
        change: change.clone(),
        result: Err(S3Error::new(ErrorKind::AccessDenied, "Access Denied")),
    });
    assert!(matches!(
        commands.as_slice(),
        [Command::Lifecycle(LifecycleCommand::Load { .. })]
    ));
    let toast = app.toast.as_ref().expect("toast");
    assert!(toast.text.contains("failed"), "{}", toast.text);
}

#[test]
fn read_only_mode_refuses_add_edit_and_delete() {
    let mut app = app_on_lifecycle_tab(true, vec![abort("weekly", "", 7)]);
    for code in [KeyCode::Char('n'), KeyCode::Char('e'), KeyCode::Char('d')] {
        assert_eq!(app.update(key(code)), vec![]);
        assert!(app.modals.is_empty());
        let toast = app.toast.as_ref().expect("toast");
        assert!(toast.text.starts_with("read-only mode"), "{}", toast.text);
    }
}

fn without_id(rule: LifecycleRule) -> LifecycleRule {
    let mut raw = rule.sdk().clone();
    raw.id = None;
    LifecycleRule::from_sdk(raw)
}

/// A rule under `prefix` that expires objects after 30 days and aborts uploads after 7.
fn expiring_and_aborting(id: &str, prefix: &str) -> LifecycleRule {
    let mut raw = abort(id, prefix, 7).sdk().clone();
    raw.expiration = Some(LifecycleExpiration::builder().days(30).build());
    LifecycleRule::from_sdk(raw)
}

/// The one change the commands start.
fn change_in(commands: &[Command]) -> (RequestId, RuleChange) {
    match commands {
        [
            Command::Lifecycle(LifecycleCommand::Change {
                request, change, ..
            }),
        ] => (*request, change.clone()),
        other => panic!("expected one change, got {other:?}"),
    }
}

#[test]
fn a_rule_without_an_id_is_addressed_by_its_place_and_content() {
    let mut expire = without_id(expiring_and_aborting("", "logs/"));
    let mut raw = expire.sdk().clone();
    raw.abort_incomplete_multipart_upload = None;
    expire = LifecycleRule::from_sdk(raw);
    let rules = vec![expire, without_id(abort("", "", 7))];
    let mut app = app_on_lifecycle_tab(false, rules.clone());
    app.update(key(KeyCode::Char('j')));
    app.update(key(KeyCode::Char('e')));
    let form = open_form(&app).expect("form open");
    assert_eq!(form.editing.as_ref().map(|t| t.index), Some(1));
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Char('d')));
    let Some(Modal::Confirm { body, .. }) = app.modal() else {
        panic!("expected a confirmation");
    };
    assert!(body[0].starts_with("Delete rule 2 (no id)"), "{body:?}");
    assert!(
        body.iter()
            .any(|l| l.contains("abort incomplete uploads 7 days"))
    );
    let (_, change) = change_in(&app.update(key(KeyCode::Char('y'))));
    let RuleChange::Delete { target } = change else {
        panic!("expected a delete, got {change:?}");
    };
    assert_eq!((target.index, &*target.rule), (1, &rules[1]));
}

#[test]
fn a_rule_changed_on_the_server_meanwhile_is_refused_plainly_and_the_rules_reread() {
    let mut app = app_on_lifecycle_tab(false, vec![abort("weekly", "", 7)]);
    app.update(key(KeyCode::Char('d')));
    let (request, change) = change_in(&app.update(key(KeyCode::Char('y'))));
    let stale = S3Error::new(
        ErrorKind::Stale,
        "rule 1 \"weekly\" is no longer on the server as it was read (changed, moved or removed elsewhere): nothing was written",
    );
    let commands = app.update(Action::LifecycleChanged {
        request,
        bucket: "alpha".into(),
        change,
        result: Err(stale),
    });
    assert!(matches!(
        commands.as_slice(),
        [Command::Lifecycle(LifecycleCommand::Load { .. })]
    ));
    let toast = app.toast.as_ref().expect("toast");
    assert!(
        toast.text
            == "rule 1 \"weekly\" changed on the server since it was read: nothing written; the rules were read again",
        "{}",
        toast.text
    );
}

#[test]
fn a_failed_read_back_after_a_write_is_a_warning_not_a_failure() {
    let mut app = app_on_lifecycle_tab(false, vec![abort("weekly", "", 7)]);
    app.update(key(KeyCode::Char('d')));
    let (request, change) = change_in(&app.update(key(KeyCode::Char('y'))));
    let unreadable = S3Error::new(ErrorKind::Protocol, "the server's answer could not be read");
    let commands = app.update(Action::LifecycleChanged {
        request,
        bucket: "alpha".into(),
        change,
        result: Ok(Written {
            read_back: Err(unreadable),
        }),
    });
    let toast = app.toast.as_ref().expect("toast");
    assert_eq!(toast.level, Level::Warn);
    assert!(
        toast
            .text
            .contains("deleted: written; could not read back:"),
        "{}",
        toast.text
    );
    assert!(!toast.text.contains("failed"), "{}", toast.text);
    assert_eq!(
        commands,
        [],
        "reading again at once would replace the warning"
    );
    let view = app.bucket.as_ref().expect("open bucket");
    assert!(!view.lifecycle.loading);
    assert!(
        view.lifecycle.error.is_some(),
        "changes wait for a good read"
    );
}

/// Opens the edit form on the only rule and moves its scope to `tmp/`.
fn move_logs_rule_to_tmp(app: &mut App) {
    app.update(key(KeyCode::Char('e')));
    app.update(key(KeyCode::BackTab));
    for _ in 0.."logs/".len() {
        app.update(key(KeyCode::Backspace));
    }
    typed(app, "tmp/");
}

#[test]
fn moving_a_rule_that_also_expires_objects_says_so_and_offers_to_split_it() {
    let rules = vec![expiring_and_aborting("logs", "logs/")];
    let mut app = app_on_lifecycle_tab(false, rules.clone());
    move_logs_rule_to_tmp(&mut app);
    let form = open_form(&app).expect("form open");
    assert!(
        form.check.warnings.iter().any(|w| w.contains(
            "other actions (expire objects after 30 days): they move to the new scope too, prefix tmp/ instead of prefix logs/"
        )),
        "{:?}",
        form.check.warnings
    );
    app.update(key(KeyCode::Enter));
    let Some(Modal::ConfirmSplit { body, .. }) = app.modal() else {
        panic!("expected the save-or-split question, got {:?}", app.modal());
    };
    assert!(
        body.iter()
            .any(|l| l == "  also: expire objects after 30 days"),
        "{body:?}"
    );
    assert!(body.iter().any(|l| l.starts_with("Or split:")), "{body:?}");
    assert!(
        !body.iter().any(|l| l.contains("stay as they are")),
        "{body:?}"
    );

    let (_, split) = change_in(&app.update(key(KeyCode::Char('s'))));
    let expected = RuleChange::SplitAbort {
        target: RuleRef::at(&rules, 0).expect("rule"),
        id: "logs-abort".into(),
        prefix: "tmp/".into(),
        days: 7,
        enabled: true,
    };
    assert_eq!(split, expected);

    // Saving as it is moves the whole rule, as the question said.
    let mut app = app_on_lifecycle_tab(false, rules.clone());
    move_logs_rule_to_tmp(&mut app);
    app.update(key(KeyCode::Enter));
    let (_, edit) = change_in(&app.update(key(KeyCode::Char('y'))));
    assert!(
        matches!(&edit, RuleChange::Edit { prefix: Some(p), .. } if p == "tmp/"),
        "{edit:?}"
    );
}

#[test]
fn a_rule_that_only_aborts_moves_without_a_split_question() {
    let mut raw = abort("logs", "logs/", 7).sdk().clone();
    raw.abort_incomplete_multipart_upload = Some(
        AbortIncompleteMultipartUpload::builder()
            .days_after_initiation(7)
            .build(),
    );
    let mut app = app_on_lifecycle_tab(false, vec![LifecycleRule::from_sdk(raw)]);
    move_logs_rule_to_tmp(&mut app);
    assert!(open_form(&app).is_some_and(|f| f.check.warnings.is_empty()));
    app.update(key(KeyCode::Enter));
    assert!(asking(&app));
    // The split key does nothing where no split is offered.
    assert_eq!(app.update(key(KeyCode::Char('s'))), vec![]);
    assert!(asking(&app));
}
