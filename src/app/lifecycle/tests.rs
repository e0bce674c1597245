use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::*;
use crate::action::Action;
use crate::app::Modal;
use crate::app::Tab;
use crate::s3::{Bucket, ErrorKind};

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
        commands,
        [Command::Lifecycle(LifecycleCommand::LoadCoverage {
            buckets: vec!["alpha".into(), "beta".into()]
        })]
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
        result: Ok(vec![written.clone()]),
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
        [Command::Lifecycle(LifecycleCommand::Change { change: RuleChange::Delete { id }, .. })] if id == "weekly"
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
