//! The add/edit rule form: its fields, checked on every keystroke, its keys, and the
//! question it asks before saving.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::DEFAULT_DAYS;
use crate::app::modal::typed_char;
use crate::app::{App, Level, Modal, Pending};
use crate::format;
use crate::keys::Intent;
use crate::ops::lifecycle::{
    RuleCheck, SCHEDULE_NOTE, can_split, check_abort_rule, default_rule_id, edit_side_effects,
    split_rule_id,
};
use crate::s3::{LifecycleRule, RuleChange, RuleRef, RuleScope};
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
#[derive(Debug, Clone, PartialEq)]
pub struct LifecycleForm {
    pub bucket: String,
    /// The rule being edited, at its place as read; `None` when adding.
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
            focus: FormField::Days,
            check: RuleCheck::default(),
            editing: Some(target),
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
        if let Some(target) = &self.editing {
            let effects = edit_side_effects(&target.rule, self.scope_prefix(), self.enabled);
            self.check.warnings.extend(effects);
        }
    }

    /// Instead of moving the whole rule to the new scope: the same rule without its abort
    /// action, and a new rule that aborts uploads under the new scope. `None` when the edit
    /// does not move other actions, or has no abort action to give a rule of its own.
    pub fn split(&self, existing: &[LifecycleRule]) -> Option<RuleChange> {
        let target = self.editing.as_ref()?;
        let prefix = self.scope_prefix();
        if !self.check.is_ok() || !can_split(&target.rule, prefix) {
            return None;
        }
        Some(RuleChange::SplitAbort {
            target: target.clone(),
            id: split_rule_id(existing, &target.rule),
            prefix: prefix?.to_owned(),
            days: self.check.days?,
            enabled: self.enabled,
        })
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

/// The question a valid form asks before saving; `existing` are the bucket's rules. An edit
/// that would move the rule's other actions to a new scope also offers the split.
fn save_question(form: &LifecycleForm, change: RuleChange, existing: &[LifecycleRule]) -> Modal {
    let total = existing.len();
    let enabled_word = |enabled: bool| if enabled { "enabled" } else { "disabled" };
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
                enabled_word(*enabled)
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
            let rule = &target.rule;
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
            let scope = match prefix {
                Some(prefix) => scope_words(prefix),
                None => escape(&rule.scope.describe()).into_owned(),
            };
            lines.push(format!("  scope: {scope} · {}", enabled_word(*enabled)));
            lines.extend(
                rule.other_actions
                    .iter()
                    .map(|action| format!("  also: {}", escape(action))),
            );
            lines.push("Every other rule stays as it is.".into());
            lines
        }
        RuleChange::SplitAbort { .. } | RuleChange::Delete { .. } => vec![],
    };
    body.extend(form.check.warnings.iter().map(|w| format!("Warning: {w}")));
    let split = form.split(existing);
    if let Some(RuleChange::SplitAbort {
        target,
        id,
        prefix,
        days,
        enabled,
    }) = &split
    {
        body.push(format!(
            "Or split: {} keeps its scope, status and other actions and stops aborting uploads; new rule {:?} aborts incomplete uploads {days} days after start · {} · {}.",
            target.label(),
            escape(id),
            scope_words(prefix),
            enabled_word(*enabled)
        ));
    }
    body.push(SCHEDULE_NOTE.into());
    let title = if form.editing.is_some() {
        "Change lifecycle rule"
    } else {
        "Add lifecycle rule"
    }
    .to_owned();
    let bucket = form.bucket.clone();
    let action = Pending::Lifecycle {
        bucket: bucket.clone(),
        change,
    };
    match split {
        Some(split) => Modal::ConfirmSplit {
            title,
            body,
            action,
            split: Pending::Lifecycle {
                bucket,
                change: split,
            },
        },
        None => Modal::Confirm {
            title,
            body,
            confirm: "save".into(),
            action,
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
                    let question = save_question(form, change, rules);
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
