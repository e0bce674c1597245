//! The lifecycle pane: its rules, the auto-clear coverage of every bucket, and the
//! read-change-write round trips that the form (`form.rs`) and delete start. The rule
//! checks shared with the CLI are in `ops::lifecycle`.

mod form;
#[cfg(test)]
mod tests;

use std::cmp::Ordering;

pub use form::{FormField, LifecycleForm};

use super::table::{Filter, Row};
use super::{App, BucketView, Level, Modal, Pending};
use crate::action::{Command, LifecycleCommand, RequestId};
use crate::format;
use crate::keys::{Intent, Scope};
use crate::ops::lifecycle::Coverage;
use crate::s3::{ErrorKind, LifecycleRule, RuleChange, RuleRef, S3Error, Timestamp, Written};
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

impl App {
    fn lifecycle_rules(&self) -> &[LifecycleRule] {
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
            // The server took the change; only showing it failed. The pane shows that error
            // (changes wait for `r`) rather than reading again at once, which would hide this.
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
                self.coverage.insert(bucket.clone(), Coverage::Unknown);
                if let Some(view) = self
                    .bucket
                    .as_mut()
                    .filter(|v| v.name == bucket && v.lifecycle.request == request)
                {
                    view.lifecycle.loading = false;
                    view.lifecycle.error = Some(err);
                }
                return vec![];
            }
            Err(err) if err.kind == ErrorKind::Stale => {
                self.toast(
                    Level::Error,
                    format!(
                        "{what} changed on the server since it was read: nothing written; the rules were read again"
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
                format!(
                    "the rules could not be read, so they cannot be changed safely ({} retries)",
                    self.key_name(Scope::Everywhere, Intent::Refresh)
                ),
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
        let form = LifecycleForm::add(&view.name, self.lifecycle_rules());
        self.push_modal(Modal::Form(form));
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
        let form = LifecycleForm::edit(&view.name, target, self.lifecycle_rules());
        self.push_modal(Modal::Form(form));
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
                "Delete {} from bucket {}?",
                target.label(),
                escape(&view.name)
            ),
            format!("Scope: {}", escape(&rule.scope.describe())),
        ];
        body.extend(rule.actions.iter().map(|a| format!("  · {}", escape(a))));
        body.push(if others == 0 {
            "It is the last rule: the bucket's lifecycle configuration is removed.".into()
        } else {
            format!(
                "The other {} rule{} stay as they are.",
                format::count(others as u64),
                if others == 1 { "" } else { "s" }
            )
        });
        let question = Modal::Confirm {
            title: "Delete lifecycle rule".into(),
            body,
            confirm: "delete".into(),
            action: Pending::Lifecycle {
                bucket: view.name.clone(),
                change: RuleChange::Delete { target },
            },
        };
        self.push_modal(question);
    }

    /// Runs a confirmed change: the pane shows it loading until the server's answer comes.
    pub(super) fn run_lifecycle_change(
        &mut self,
        bucket: String,
        change: RuleChange,
    ) -> Vec<Command> {
        self.modals.retain(|m| !matches!(m, Modal::Form(_)));
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

/// The selected rule at its place in the configuration: the table keeps its items in the
/// order the server sent them and sorts only a view of them.
fn selected_rule(view: &BucketView) -> Option<RuleRef> {
    let table = &view.lifecycle.table;
    RuleRef::at(&table.items, table.selected_index()?)
}
