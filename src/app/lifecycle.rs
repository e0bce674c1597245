//! The lifecycle pane and its add/edit form: state and the read-change-write round trips they
//! start. The rule checks themselves are `ops::lifecycle`, shared with the CLI.

use std::cmp::Ordering;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::table::{Filter, Row};
use super::{App, BucketView, Dialog, Level, Pending};
use crate::action::{Command, LifecycleCommand, RequestId};
use crate::format;
use crate::ops::lifecycle::{
    Coverage, RuleCheck, SCHEDULE_NOTE, check_abort_rule, default_rule_id,
};
use crate::s3::{LifecycleRule, RuleChange, RuleRef, RuleScope, S3Error, Timestamp, Written};
use crate::text::escape;

pub const DEFAULT_DAYS: i32 = 7;
pub const LIFECYCLE_SORTS: &[&str] = &["id", "abort days", "status"];

impl Row for LifecycleRule {
    fn matches(&self, filter: &Filter, _now: Timestamp) -> bool {
        filter.matches_text(&self.id) || filter.matches_text(&self.scope.describe())
    }

    fn compare(&self, other: &Self, column: usize) -> Ordering {
        match column {
            1 => self.abort_days.cmp(&other.abort_days),
            2 => other.enabled.cmp(&self.enabled),
            _ => Ordering::Equal,
        }
        .then_with(|| self.id.cmp(&other.id))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormField {
    Scope,
    Prefix,
    Days,
    Id,
    Enabled,
}

const FIELDS: [FormField; 5] = [
    FormField::Scope,
    FormField::Prefix,
    FormField::Days,
    FormField::Id,
    FormField::Enabled,
];

/// The add/edit rule form. Checked on every keystroke, so its messages are always current.
#[derive(Debug, Clone, PartialEq)]
pub struct LifecycleForm {
    pub bucket: String,
    /// The rule being edited, as read; `None` when adding.
    pub editing: Option<RuleRef>,
    pub whole_bucket: bool,
    pub prefix: String,
    /// Set when the rule filters by tags or size: its scope is shown, not edited.
    pub fixed_scope: Option<String>,
    pub days: String,
    pub id: String,
    pub enabled: bool,
    pub focus: FormField,
    pub check: RuleCheck,
}

impl LifecycleForm {
    pub fn add(bucket: &str, existing: &[LifecycleRule]) -> Self {
        let mut form = LifecycleForm {
            bucket: bucket.to_owned(),
            editing: None,
            whole_bucket: true,
            prefix: String::new(),
            fixed_scope: None,
            days: DEFAULT_DAYS.to_string(),
            id: default_rule_id(existing),
            enabled: true,
            focus: FormField::Scope,
            check: RuleCheck::default(),
        };
        form.recheck(existing);
        form
    }

    pub fn edit(bucket: &str, target: RuleRef, existing: &[LifecycleRule]) -> Self {
        let rule = &target.rule;
        let (whole_bucket, prefix, fixed_scope) = match &rule.scope {
            RuleScope::WholeBucket => (true, String::new(), None),
            RuleScope::Prefix(prefix) => (false, prefix.clone(), None),
            RuleScope::Filtered(text) => (false, String::new(), Some(text.clone())),
        };
        let mut form = LifecycleForm {
            bucket: bucket.to_owned(),
            whole_bucket,
            prefix,
            fixed_scope,
            days: rule.abort_days.map(|d| d.to_string()).unwrap_or_default(),
            id: rule.id.clone(),
            enabled: rule.enabled,
            editing: Some(target),
            focus: FormField::Days,
            check: RuleCheck::default(),
        };
        form.recheck(existing);
        form
    }

    /// The prefix to write: `None` leaves a filtered rule's scope alone.
    fn scope_prefix(&self) -> Option<&str> {
        match (&self.fixed_scope, self.whole_bucket) {
            (Some(_), _) => None,
            (None, true) => Some(""),
            (None, false) => Some(&self.prefix),
        }
    }

    pub fn field_active(&self, field: FormField) -> bool {
        match field {
            FormField::Scope => self.fixed_scope.is_none(),
            FormField::Prefix => self.fixed_scope.is_none() && !self.whole_bucket,
            FormField::Id => self.editing.is_none(),
            FormField::Days | FormField::Enabled => true,
        }
    }

    fn recheck(&mut self, existing: &[LifecycleRule]) {
        self.check = check_abort_rule(
            existing,
            self.editing.as_ref().map(|target| target.index),
            &self.id,
            self.scope_prefix(),
            &self.days,
        );
        if self.fixed_scope.is_none() && !self.whole_bucket && self.prefix.is_empty() {
            self.check
                .errors
                .push("type a prefix, or choose the whole bucket".into());
        }
    }

    fn move_focus(&mut self, forward: bool) {
        let current = FIELDS.iter().position(|f| *f == self.focus).unwrap_or(0);
        let n = FIELDS.len();
        for step in 1..=n {
            let index = if forward {
                (current + step) % n
            } else {
                (current + n - step) % n
            };
            if self.field_active(FIELDS[index]) {
                self.focus = FIELDS[index];
                return;
            }
        }
    }

    /// The change the form describes, if it is valid.
    pub fn change(&self) -> Option<RuleChange> {
        if !self.check.is_ok() {
            return None;
        }
        let prefix = self.scope_prefix().map(str::to_owned);
        Some(match &self.editing {
            None => RuleChange::AddAbort {
                id: self.id.trim().to_owned(),
                prefix: prefix.unwrap_or_default(),
                days: self.check.days?,
                enabled: self.enabled,
            },
            Some(target) => RuleChange::Edit {
                target: target.clone(),
                days: self.check.days,
                prefix,
                enabled: self.enabled,
            },
        })
    }
}

fn scope_words(prefix: &str) -> String {
    if prefix.is_empty() {
        "whole bucket".into()
    } else {
        format!("prefix {}", escape(prefix))
    }
}

impl App {
    pub(super) fn lifecycle_rules(&self) -> &[LifecycleRule] {
        self.bucket
            .as_ref()
            .map(|v| v.lifecycle.table.items.as_slice())
            .unwrap_or(&[])
    }

    pub(super) fn load_lifecycle(&mut self) -> Vec<Command> {
        let request = self.next_id();
        let Some(view) = &mut self.bucket else {
            return vec![];
        };
        view.lifecycle.request = request;
        view.lifecycle.loading = true;
        view.lifecycle.error = None;
        vec![Command::Lifecycle(LifecycleCommand::Load {
            request,
            bucket: view.name.clone(),
        })]
    }

    /// After the bucket list loads: read every bucket's rules in the background.
    pub(super) fn load_coverage(&mut self) -> Vec<Command> {
        let buckets: Vec<String> = self
            .buckets
            .table
            .items
            .iter()
            .map(|b| b.name.clone())
            .filter(|name| !self.coverage.contains_key(name))
            .collect();
        if buckets.is_empty() {
            return vec![];
        }
        vec![Command::Lifecycle(LifecycleCommand::LoadCoverage {
            buckets,
        })]
    }

    pub(super) fn on_lifecycle_loaded(
        &mut self,
        request: RequestId,
        bucket: String,
        result: Result<Vec<LifecycleRule>, S3Error>,
    ) {
        let coverage = match &result {
            Ok(rules) => Coverage::of(rules),
            Err(_) => Coverage::Unknown,
        };
        self.coverage.insert(bucket, coverage);
        let now = self.now;
        let Some(view) = self
            .bucket
            .as_mut()
            .filter(|v| v.lifecycle.request == request && request != 0)
        else {
            return;
        };
        view.lifecycle.loading = false;
        match result {
            Ok(rules) => {
                view.lifecycle.error = None;
                view.lifecycle.table.replace(rules, now);
            }
            Err(err) => {
                self.toast(
                    Level::Error,
                    format!("reading lifecycle rules: {}", err.display_line()),
                );
                if let Some(view) = &mut self.bucket {
                    view.lifecycle.error = Some(err);
                }
            }
        }
    }

    pub(super) fn on_lifecycle_changed(
        &mut self,
        request: RequestId,
        bucket: String,
        change: RuleChange,
        result: Result<Written, S3Error>,
    ) -> Vec<Command> {
        let what = change.describe();
        let done = match change {
            RuleChange::AddAbort { .. } => "added",
            RuleChange::Edit { .. } => "updated",
            RuleChange::SplitAbort { .. } => "written",
            RuleChange::Delete { .. } => "deleted",
        };
        let rules = match result {
            Ok(Written {
                read_back: Ok(rules),
            }) => {
                self.toast(
                    Level::Info,
                    format!("{what} {done}; the list shows what the server now holds"),
                );
                Some(rules)
            }
            Ok(Written {
                read_back: Err(err),
            }) => {
                self.toast(
                    Level::Warn,
                    format!(
                        "{what} {done}: written; could not read back: {}",
                        err.display_line()
                    ),
                );
                None
            }
            Err(err) => {
                self.toast(
                    Level::Error,
                    format!("changing {what} failed: {}", err.display_line()),
                );
                None
            }
        };
        let open_here = self
            .bucket
            .as_ref()
            .is_some_and(|v| v.name == bucket && v.lifecycle.request == request);
        match rules {
            Some(rules) => {
                self.on_lifecycle_loaded(request, bucket, Ok(rules));
                vec![]
            }
            // Show what the server holds now, which may or may not include the change.
            None if open_here => self.load_lifecycle(),
            None => vec![],
        }
    }

    fn refuse_lifecycle_change(&mut self) -> bool {
        if self.refuse_if_read_only("changing lifecycle rules") {
            return true;
        }
        if self.bucket.as_ref().is_some_and(|v| v.lifecycle.loading) {
            self.toast(Level::Warn, "wait for the lifecycle rules to load");
            return true;
        }
        if self
            .bucket
            .as_ref()
            .is_some_and(|v| v.lifecycle.error.is_some())
        {
            self.toast(
                Level::Warn,
                "the rules could not be read, so they cannot be changed safely (r retries)",
            );
            return true;
        }
        false
    }

    pub(super) fn open_add_rule(&mut self) {
        if self.refuse_lifecycle_change() {
            return;
        }
        let Some(view) = &self.bucket else { return };
        self.lifecycle_form = Some(LifecycleForm::add(&view.name, self.lifecycle_rules()));
    }

    pub(super) fn open_edit_rule(&mut self) {
        if self.refuse_lifecycle_change() {
            return;
        }
        let Some(view) = &self.bucket else { return };
        let Some(target) = selected_rule(view) else {
            self.toast(Level::Info, "no rule selected");
            return;
        };
        self.lifecycle_form = Some(LifecycleForm::edit(
            &view.name,
            target,
            self.lifecycle_rules(),
        ));
    }

    pub(super) fn ask_delete_rule(&mut self) {
        if self.refuse_lifecycle_change() {
            return;
        }
        let Some(view) = &self.bucket else { return };
        let Some(target) = selected_rule(view) else {
            self.toast(Level::Info, "no rule selected");
            return;
        };
        let rule = &target.rule;
        let others = view.lifecycle.table.items.len() - 1;
        let mut body = vec![
            format!(
                "Delete rule {} from bucket {}?",
                escape(&rule.id),
                escape(&view.name)
            ),
            format!("Scope: {}", rule.scope.describe()),
        ];
        body.extend(rule.actions.iter().map(|a| format!("  · {a}")));
        body.push(if others == 0 {
            "It is the last rule: the bucket's lifecycle configuration is removed.".into()
        } else {
            format!(
                "The other {} rule{} stay as they are.",
                format::count(others as u64),
                if others == 1 { "" } else { "s" }
            )
        });
        self.dialog = Some(Dialog::Confirm {
            title: "Delete lifecycle rule".into(),
            body,
            confirm: "delete".into(),
            action: Pending::Lifecycle {
                bucket: view.name.clone(),
                change: RuleChange::Delete { target },
            },
        });
    }

    pub(super) fn on_lifecycle_form_key(&mut self, key: KeyEvent) -> Vec<Command> {
        let Some(mut form) = self.lifecycle_form.take() else {
            return vec![];
        };
        let plain = !key
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        match key.code {
            KeyCode::Esc => return vec![],
            KeyCode::Enter => {
                self.submit_form(&form);
            }
            KeyCode::Tab | KeyCode::Down => form.move_focus(true),
            KeyCode::BackTab | KeyCode::Up => form.move_focus(false),
            KeyCode::Char(' ') | KeyCode::Left | KeyCode::Right
                if matches!(form.focus, FormField::Scope | FormField::Enabled) =>
            {
                if form.focus == FormField::Scope {
                    form.whole_bucket = !form.whole_bucket;
                } else {
                    form.enabled = !form.enabled;
                }
            }
            KeyCode::Backspace => {
                if let Some(text) = form_text(&mut form) {
                    text.pop();
                }
            }
            KeyCode::Char(c) if plain => {
                if let Some(text) = form_text(&mut form) {
                    text.push(c);
                }
            }
            _ => {}
        }
        form.recheck(self.lifecycle_rules());
        self.lifecycle_form = Some(form);
        vec![]
    }

    /// Asks for confirmation of a valid form; the form stays open behind the dialog.
    fn submit_form(&mut self, form: &LifecycleForm) {
        let Some(change) = form.change() else {
            self.toast(Level::Warn, "fix the form first (see the messages in red)");
            return;
        };
        let total = self.lifecycle_rules().len();
        let mut body = match &change {
            RuleChange::AddAbort {
                id,
                prefix,
                days,
                enabled,
            } => vec![
                format!(
                    "Add rule {} to bucket {}:",
                    escape(id),
                    escape(&form.bucket)
                ),
                format!(
                    "  abort incomplete uploads {days} days after start · {} · {}",
                    scope_words(prefix),
                    if *enabled { "enabled" } else { "disabled" }
                ),
                format!(
                    "The {} existing rule{} are written back unchanged.",
                    format::count(total as u64),
                    if total == 1 { "" } else { "s" }
                ),
            ],
            RuleChange::Edit {
                target,
                days,
                prefix,
                enabled,
            } => {
                let mut lines = vec![format!(
                    "Change {} in bucket {}:",
                    target.label(),
                    escape(&form.bucket)
                )];
                if let Some(days) = days {
                    lines.push(format!(
                        "  abort incomplete uploads {days} days after start"
                    ));
                }
                if let Some(prefix) = prefix {
                    lines.push(format!("  scope: {}", scope_words(prefix)));
                }
                lines.push(format!(
                    "  {}",
                    if *enabled { "enabled" } else { "disabled" }
                ));
                lines.push("Its other actions and every other rule stay as they are.".into());
                lines
            }
            RuleChange::SplitAbort { .. } | RuleChange::Delete { .. } => vec![],
        };
        body.extend(form.check.warnings.iter().map(|w| format!("Warning: {w}")));
        body.push(SCHEDULE_NOTE.into());
        self.dialog = Some(Dialog::Confirm {
            title: if form.editing.is_some() {
                "Change lifecycle rule"
            } else {
                "Add lifecycle rule"
            }
            .into(),
            body,
            confirm: "save".into(),
            action: Pending::Lifecycle {
                bucket: form.bucket.clone(),
                change,
            },
        });
    }

    /// Runs a confirmed change: the pane shows it loading until the server's answer comes.
    pub(super) fn run_lifecycle_change(
        &mut self,
        bucket: String,
        change: RuleChange,
    ) -> Vec<Command> {
        self.lifecycle_form = None;
        let request = self.next_id();
        if let Some(view) = self.bucket.as_mut().filter(|v| v.name == bucket) {
            view.lifecycle.request = request;
            view.lifecycle.loading = true;
        }
        vec![Command::Lifecycle(LifecycleCommand::Change {
            request,
            bucket,
            change,
        })]
    }
}

/// The selected rule with its place in the configuration: the table keeps its items in the
/// order the server sent them and only sorts a view of them.
fn selected_rule(view: &BucketView) -> Option<RuleRef> {
    let table = &view.lifecycle.table;
    RuleRef::at(&table.items, table.selected_index()?)
}

fn form_text(form: &mut LifecycleForm) -> Option<&mut String> {
    match form.focus {
        FormField::Prefix => Some(&mut form.prefix),
        FormField::Days => Some(&mut form.days),
        FormField::Id if form.editing.is_none() => Some(&mut form.id),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::Action;
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
                Command::Lifecycle(LifecycleCommand::Load { request, bucket })
                    if bucket == "alpha" =>
                {
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
        let form = app.lifecycle_form.as_ref().expect("form open");
        assert_eq!(form.id, "abort-incomplete-uploads");
        assert!(form.check.is_ok());
        // Scope → prefix, then type it; days → replace 7 with 0.
        app.update(key(KeyCode::Char(' ')));
        app.update(key(KeyCode::Tab));
        typed(&mut app, "tmp/");
        app.update(key(KeyCode::Tab));
        app.update(key(KeyCode::Backspace));
        typed(&mut app, "0");
        let form = app.lifecycle_form.as_ref().expect("form open");
        assert!(form.check.errors.iter().any(|e| e.contains("1 to 3650")));
        assert_eq!(app.update(key(KeyCode::Enter)), vec![]);
        assert!(app.dialog.is_none(), "an invalid form is not submitted");
        app.update(key(KeyCode::Backspace));
        typed(&mut app, "3");
        app.update(key(KeyCode::Enter));
        assert!(matches!(app.dialog, Some(Dialog::Confirm { .. })));
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
        assert!(app.lifecycle_form.is_none());
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
        assert!(app.dialog.is_some());
        app.update(key(KeyCode::Char('n')));
        assert!(app.dialog.is_none());
        assert!(app.lifecycle_form.is_some(), "the typed form is kept");
        app.update(key(KeyCode::Esc));
        assert!(app.lifecycle_form.is_none());
    }

    #[test]
    fn deleting_the_last_rule_says_the_configuration_goes() {
        let mut app = app_on_lifecycle_tab(false, vec![abort("weekly", "", 7)]);
        app.update(key(KeyCode::Char('d')));
        let Some(Dialog::Confirm { body, .. }) = &app.dialog else {
            panic!("expected a confirmation");
        };
        assert!(body.iter().any(|l| l.contains("last rule")), "{body:?}");
        let commands = app.update(key(KeyCode::Char('y')));
        assert!(matches!(
            commands.as_slice(),
            [Command::Lifecycle(LifecycleCommand::Change { change: RuleChange::Delete { target }, .. })] if target.index == 0 && target.rule.id == "weekly"
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
            assert!(app.lifecycle_form.is_none() && app.dialog.is_none());
            let toast = app.toast.as_ref().expect("toast");
            assert!(toast.text.starts_with("read-only mode"), "{}", toast.text);
        }
    }
}
