//! The add/edit rule form: its fields, checked on every keystroke, its keys, and the
//! question it asks before saving.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::DEFAULT_DAYS;
use crate::app::modal::typed_char;
use crate::app::{App, Level, Modal, Pending};
use crate::format;
use crate::keys::Intent;
use crate::ops::lifecycle::{RuleCheck, SCHEDULE_NOTE, check_abort_rule, default_rule_id};
use crate::s3::{LifecycleRule, RuleChange, RuleScope};
use crate::text::escape;

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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LifecycleForm {
    pub bucket: String,
    /// The id of the rule being edited; `None` when adding.
    pub editing: Option<String>,
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

    pub fn edit(bucket: &str, rule: &LifecycleRule, existing: &[LifecycleRule]) -> Self {
        let (whole_bucket, prefix, fixed_scope) = match &rule.scope {
            RuleScope::WholeBucket => (true, String::new(), None),
            RuleScope::Prefix(prefix) => (false, prefix.clone(), None),
            RuleScope::Filtered(text) => (false, String::new(), Some(text.clone())),
        };
        let mut form = LifecycleForm {
            bucket: bucket.to_owned(),
            editing: Some(rule.id.clone()),
            whole_bucket,
            prefix,
            fixed_scope,
            days: rule.abort_days.map(|d| d.to_string()).unwrap_or_default(),
            id: rule.id.clone(),
            enabled: rule.enabled,
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
            self.editing.as_deref(),
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
            Some(id) => RuleChange::Edit {
                id: id.clone(),
                days: self.check.days,
                prefix,
                enabled: self.enabled,
            },
        })
    }
}

/// The question a valid form asks before saving; `total` is how many rules the bucket has.
fn save_question(form: &LifecycleForm, change: RuleChange, total: usize) -> Modal {
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
            id,
            days,
            prefix,
            enabled,
        } => {
            let mut lines = vec![format!(
                "Change rule {} in bucket {}:",
                escape(id),
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
        RuleChange::Delete { .. } => vec![],
    };
    body.extend(form.check.warnings.iter().map(|w| format!("Warning: {w}")));
    body.push(SCHEDULE_NOTE.into());
    Modal::Confirm {
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
    }
}

impl App {
    /// A key for the form on top: text types into the focused field, bindings do the rest.
    pub(in crate::app) fn on_form_key(&mut self, key: KeyEvent, intent: Option<Intent>) {
        let rules = match &self.bucket {
            Some(view) => view.lifecycle.table.items.as_slice(),
            None => &[],
        };
        let Some(Modal::Form(form)) = self.modals.last_mut() else {
            return;
        };
        if let Some(c) = typed_char(&key)
            && let Some(text) = form_text(form)
        {
            text.push(c);
        } else {
            match intent {
                Some(Intent::Cancel) => {
                    self.modals.pop();
                    return;
                }
                Some(Intent::Accept) => {
                    let Some(change) = form.change() else {
                        self.toast(Level::Warn, "fix the form first (see the messages in red)");
                        return;
                    };
                    // The form stays open behind the question.
                    let question = save_question(form, change, rules.len());
                    self.push_modal(question);
                    return;
                }
                Some(Intent::Down) => form.move_focus(true),
                Some(Intent::Up) => form.move_focus(false),
                Some(Intent::Toggle) => match form.focus {
                    FormField::Scope => form.whole_bucket = !form.whole_bucket,
                    FormField::Enabled => form.enabled = !form.enabled,
                    FormField::Prefix | FormField::Days | FormField::Id => {}
                },
                _ if key.code == KeyCode::Backspace => {
                    if let Some(text) = form_text(form) {
                        text.pop();
                    }
                }
                _ => {}
            }
        }
        form.recheck(rules);
    }
}

fn scope_words(prefix: &str) -> String {
    if prefix.is_empty() {
        "whole bucket".into()
    } else {
        format!("prefix {}", escape(prefix))
    }
}

fn form_text(form: &mut LifecycleForm) -> Option<&mut String> {
    match form.focus {
        FormField::Prefix => Some(&mut form.prefix),
        FormField::Days => Some(&mut form.days),
        FormField::Id if form.editing.is_none() => Some(&mut form.id),
        _ => None,
    }
}
