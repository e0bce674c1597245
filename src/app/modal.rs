//! What opens over the panes: help, the filter line, questions, summaries, the rule form
//! and the delete dialogs. They live on one stack; the top one gets the keys.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{App, LifecycleForm};
use crate::action::{Command, RequestId};
use crate::keys::{Intent, Scope};
use crate::s3::{BucketContents, RuleChange, UploadRef};

/// What a confirmed question does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pending {
    Abort {
        bucket: String,
        uploads: Vec<UploadRef>,
        clear_all: bool,
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
}

impl Modal {
    /// Whose keys apply while this is on top.
    pub fn scope(&self) -> Scope {
        match self {
            Modal::Help => Scope::Help,
            Modal::Filter(_) => Scope::Filter,
            Modal::Confirm { .. } => Scope::Confirm,
            Modal::Summary { .. } => Scope::Summary,
            Modal::Form(_) => Scope::Form,
            Modal::Counting { .. } => Scope::Counting,
            Modal::Blocked { .. } => Scope::DeleteBucket,
            Modal::TypeName { .. } => Scope::TypeName,
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
            Modal::Confirm { .. } => match intent {
                Some(Intent::Accept) => {
                    let Some(Modal::Confirm { action, .. }) = self.modals.pop() else {
                        return vec![];
                    };
                    self.run_pending(action)
                }
                Some(Intent::Cancel) => {
                    self.modals.pop();
                    vec![]
                }
                _ => vec![],
            },
            Modal::Form(_) => {
                self.on_form_key(key, intent);
                vec![]
            }
            Modal::Counting { .. } => self.on_counting_key(intent),
            Modal::Blocked { .. } => self.on_blocked_key(intent),
            Modal::TypeName { .. } => self.on_type_name_key(key, intent),
        }
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
        }
    }
}
