//! What opens over the panes: help, the filter line, questions, summaries, the rule form
//! and the delete dialogs. They live on one stack; the top one gets the keys.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{App, LifecycleForm, UploadDetails};
use crate::action::{Command, RequestId};
use crate::keys::{Intent, Scope};
use crate::s3::{BucketContents, RuleChange, UploadRef};

/// What a confirmed question does.
#[derive(Debug, Clone, PartialEq)]
pub enum Pending {
    Abort {
        bucket: String,
        uploads: Vec<UploadRef>,
        clear_all: bool,
        /// Of `uploads`, those written to in the last hour (or unreadable): the leave-out
        /// key aborts the others.
        active: Vec<UploadRef>,
    },
    Lifecycle {
        bucket: String,
        change: RuleChange,
    },
    /// Delete exactly these keys; `what` names them in the progress and summary.
    DeleteObjects {
        bucket: String,
        keys: Vec<String>,
        what: String,
        /// Set when the keys are a whole folder's listing.
        folder: Option<String>,
    },
    /// DeleteBucket on a bucket the pre-check found empty.
    DeleteBucket {
        bucket: String,
    },
    /// Quit while a job runs.
    Quit,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Modal {
    /// The `?` overlay.
    Help,
    /// The filter line, with what is typed so far (applied as it is typed).
    Filter(String),
    /// A question before something is aborted, deleted or changed.
    Confirm {
        title: String,
        body: Vec<String>,
        /// What the yes key is labelled.
        confirm: String,
        action: Pending,
    },
    /// A rule edit that would move the rule's other actions to a new scope: save it so
    /// (`action`), give the abort action a rule of its own instead (`split`), or cancel.
    ConfirmSplit {
        title: String,
        body: Vec<String>,
        action: Pending,
        split: Pending,
    },
    /// The end of a job: what happened to every item.
    Summary { title: String, lines: Vec<String> },
    /// The add/edit lifecycle rule form.
    Form(LifecycleForm),
    /// Listing or counting before a delete is asked; `request` is the answer it waits for.
    Counting {
        title: String,
        text: String,
        request: RequestId,
    },
    /// A bucket that is not empty: what blocks deletion, and what to do.
    Blocked {
        bucket: String,
        contents: BucketContents,
        selected: usize,
    },
    /// Empty and delete waits until the bucket name is typed exactly.
    TypeName {
        bucket: String,
        contents: BucketContents,
        typed: String,
    },
    /// One upload: what is known of it, and its parts.
    Details(Box<UploadDetails>),
}

impl Modal {
    /// Whose keys apply while this is on top.
    pub fn scope(&self) -> Scope {
        match self {
            Modal::Help => Scope::Help,
            Modal::Filter(_) => Scope::Filter,
            Modal::Confirm { .. } | Modal::ConfirmSplit { .. } => Scope::Confirm,
            Modal::Summary { .. } => Scope::Summary,
            Modal::Form(_) => Scope::Form,
            Modal::Counting { .. } => Scope::Counting,
            Modal::Blocked { .. } => Scope::DeleteBucket,
            Modal::TypeName { .. } => Scope::TypeName,
            Modal::Details(_) => Scope::Details,
        }
    }

    /// The typed name matches: only then can Empty and delete start.
    pub fn name_matches(&self) -> bool {
        matches!(self, Modal::TypeName { bucket, typed, .. } if bucket == typed)
    }
}

/// The character a key types into a text field; keys with Ctrl or Alt type nothing.
pub(super) fn typed_char(key: &KeyEvent) -> Option<char> {
    match key.code {
        KeyCode::Char(c)
            if !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
        {
            Some(c)
        }
        _ => None,
    }
}

impl App {
    pub(super) fn push_modal(&mut self, modal: Modal) {
        self.modals.push(modal);
    }

    /// A key for the top of the stack.
    pub(super) fn on_modal_key(&mut self, key: KeyEvent) -> Vec<Command> {
        let Some(top) = self.modals.last() else {
            return vec![];
        };
        let intent = self.keymap.intent(&key, top.scope());
        match top {
            Modal::Help | Modal::Summary { .. } => {
                if intent == Some(Intent::Cancel) {
                    self.modals.pop();
                }
                vec![]
            }
            Modal::Filter(_) => {
                self.on_filter_key(key, intent);
                vec![]
            }
            Modal::Confirm { .. } | Modal::ConfirmSplit { .. } => match intent {
                Some(Intent::Accept | Intent::Split) => {
                    let chosen = match self.modals.pop() {
                        Some(Modal::Confirm { action, .. }) if intent == Some(Intent::Accept) => {
                            action
                        }
                        Some(Modal::ConfirmSplit { action, split, .. }) => {
                            if intent == Some(Intent::Split) {
                                split
                            } else {
                                action
                            }
                        }
                        // Split asked of a question that offers none: it stays open.
                        Some(other) => {
                            self.modals.push(other);
                            return vec![];
                        }
                        None => return vec![],
                    };
                    self.run_pending(chosen)
                }
                Some(Intent::Cancel) => {
                    self.modals.pop();
                    vec![]
                }
                Some(Intent::LeaveOutActive) => self.clear_all_but_active(),
                _ => vec![],
            },
            Modal::Form(_) => {
                self.on_form_key(key, intent);
                vec![]
            }
            Modal::Counting { .. } => self.on_counting_key(intent),
            Modal::Blocked { .. } => self.on_blocked_key(intent),
            Modal::TypeName { .. } => self.on_type_name_key(key, intent),
            Modal::Details(_) => {
                self.on_details_key(intent);
                vec![]
            }
        }
    }

    fn on_details_key(&mut self, intent: Option<Intent>) {
        let Some(Modal::Details(details)) = self.modals.last_mut() else {
            return;
        };
        match intent {
            Some(Intent::Cancel) => {
                self.modals.pop();
            }
            Some(Intent::Up) => details.scroll = details.scroll.saturating_sub(1),
            Some(Intent::Down) => {
                let parts = match &details.parts {
                    Some(Ok(parts)) => parts.parts.len(),
                    _ => 0,
                };
                details.scroll = (details.scroll + 1).min(parts.saturating_sub(1));
            }
            _ => {}
        }
    }

    /// Clear all, leaving out the uploads written to in the last hour: offered only when
    /// the question counted some.
    fn clear_all_but_active(&mut self) -> Vec<Command> {
        let Some(Modal::Confirm {
            action: Pending::Abort { active, .. },
            ..
        }) = self.modals.last()
        else {
            return vec![];
        };
        if active.is_empty() {
            return vec![];
        }
        let Some(Modal::Confirm {
            action:
                Pending::Abort {
                    bucket,
                    mut uploads,
                    clear_all,
                    active,
                },
            ..
        }) = self.modals.pop()
        else {
            return vec![];
        };
        let active: std::collections::HashSet<UploadRef> = active.into_iter().collect();
        uploads.retain(|upload| !active.contains(upload));
        if uploads.is_empty() {
            self.toast(
                super::Level::Info,
                "nothing left to clear: every upload shown was active in the last hour",
            );
            return vec![];
        }
        self.start_aborts(bucket, uploads, clear_all)
    }

    /// Typing filters as it goes; the keep key closes the line, the clear key empties it.
    fn on_filter_key(&mut self, key: KeyEvent, intent: Option<Intent>) {
        let Some(Modal::Filter(text)) = self.modals.last_mut() else {
            return;
        };
        if let Some(c) = typed_char(&key) {
            text.push(c);
        } else {
            match intent {
                Some(Intent::Accept) => {
                    self.modals.pop();
                    return;
                }
                Some(Intent::Cancel) => {
                    self.modals.pop();
                    self.apply_filter("");
                    return;
                }
                _ if key.code == KeyCode::Backspace => {
                    text.pop();
                }
                _ => return,
            }
        }
        let text = text.clone();
        self.apply_filter(&text);
    }

    pub(super) fn run_pending(&mut self, action: Pending) -> Vec<Command> {
        match action {
            Pending::Abort {
                bucket,
                uploads,
                clear_all,
                ..
            } => self.start_aborts(bucket, uploads, clear_all),
            Pending::Lifecycle { bucket, change } => self.run_lifecycle_change(bucket, change),
            Pending::DeleteObjects {
                bucket,
                keys,
                what,
                folder,
            } => self.start_delete_objects(bucket, keys, what, folder),
            Pending::DeleteBucket { bucket } => {
                self.start_delete_job(bucket, super::DeleteJobKind::DeleteBucket)
            }
            Pending::Quit => {
                self.quit = true;
                self.cancel_everything()
            }
        }
    }
}
