//! The keymap: one table that key handling, the footer, the help overlay and every dialog
//! read, so what the screen says is what the keys do. The defaults are
//! `assets/keybindings.toml`; the user's `keybindings.toml` replaces actions one by one.

mod file;

use std::fmt;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

pub use file::DEFAULTS;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    Quit,
    Help,
    Refresh,
    Filter,
    Sort,
    ReverseSort,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Open,
    Back,
    NextTab,
    FilesTab,
    UploadsTab,
    OpenUploads,
    Delete,
    ClearAll,
    Mark,
    MarkAll,
    LifecycleTab,
    AddRule,
    EditRule,
    DeleteRule,
    DeleteBucket,
    /// Yes, keep, save, choose: the way forward out of a dialog.
    Accept,
    /// No, close, clear: the way back out of a dialog, or stopping a job.
    Cancel,
    OpenFiles,
    EmptyAndDelete,
    Toggle,
    /// Give a rule's abort action a rule of its own instead of moving the whole rule.
    Split,
    /// Show or hide the uploads' age chart.
    ToggleChart,
    /// Clear all without the uploads written to in the last hour.
    LeaveOutActive,
}

/// Where a binding applies: a pane, or what is open on top of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every pane (not dialogs).
    Everywhere,
    Buckets,
    /// Inside a bucket, on every tab.
    Bucket,
    Files,
    Uploads,
    Lifecycle,
    /// While a job runs, before the pane's keys.
    Job,
    Help,
    Filter,
    Confirm,
    Summary,
    Counting,
    DeleteBucket,
    TypeName,
    Form,
    /// One upload's details and parts.
    Details,
}

impl Scope {
    const ALL: [Scope; 16] = [
        Scope::Everywhere,
        Scope::Buckets,
        Scope::Bucket,
        Scope::Files,
        Scope::Uploads,
        Scope::Lifecycle,
        Scope::Job,
        Scope::Help,
        Scope::Filter,
        Scope::Confirm,
        Scope::Summary,
        Scope::Counting,
        Scope::DeleteBucket,
        Scope::TypeName,
        Scope::Form,
        Scope::Details,
    ];

    /// The section name in `keybindings.toml`.
    pub fn name(self) -> &'static str {
        match self {
            Scope::Everywhere => "everywhere",
            Scope::Buckets => "buckets",
            Scope::Bucket => "bucket",
            Scope::Files => "files",
            Scope::Uploads => "uploads",
            Scope::Lifecycle => "lifecycle",
            Scope::Job => "job",
            Scope::Help => "help",
            Scope::Filter => "filter",
            Scope::Confirm => "confirm",
            Scope::Summary => "summary",
            Scope::Counting => "counting",
            Scope::DeleteBucket => "delete_bucket",
            Scope::TypeName => "type_name",
            Scope::Form => "form",
            Scope::Details => "details",
        }
    }

    /// Where a key is looked up, in order: a pane's own keys win over those of every pane.
    fn chain(self) -> &'static [Scope] {
        use Scope::*;
        match self {
            Everywhere => &[Everywhere],
            Buckets => &[Buckets, Everywhere],
            Bucket => &[Bucket, Everywhere],
            Files => &[Files, Bucket, Everywhere],
            Uploads => &[Uploads, Bucket, Everywhere],
            Lifecycle => &[Lifecycle, Bucket, Everywhere],
            Job => &[Job],
            Help => &[Help],
            Filter => &[Filter],
            Confirm => &[Confirm],
            Summary => &[Summary],
            Counting => &[Counting],
            DeleteBucket => &[DeleteBucket],
            TypeName => &[TypeName],
            Form => &[Form],
            Details => &[Details],
        }
    }
}

/// One thing a key can do somewhere.
pub struct Action {
    pub scope: Scope,
    /// Its name in `keybindings.toml`.
    pub name: &'static str,
    pub intent: Intent,
    /// As the help overlay and the footer say it.
    pub label: &'static str,
    /// Shown in the footer, not only in the help overlay.
    pub hint: bool,
}

const fn action(
    scope: Scope,
    name: &'static str,
    intent: Intent,
    label: &'static str,
    hint: bool,
) -> Action {
    Action {
        scope,
        name,
        intent,
        label,
        hint,
    }
}

/// Every action, in the order the help overlay and the footer list them.
pub const ACTIONS: &[Action] = {
    use Intent as I;
    use Scope::*;
    &[
        action(Buckets, "open", I::Open, "open", true),
        action(Buckets, "open_uploads", I::OpenUploads, "uploads", true),
        action(
            Buckets,
            "delete_bucket",
            I::DeleteBucket,
            "delete bucket",
            true,
        ),
        action(Files, "open_folder", I::Open, "open folder", true),
        action(Files, "delete", I::Delete, "delete", true),
        action(Files, "mark", I::Mark, "mark", false),
        action(Uploads, "abort", I::Delete, "abort upload", true),
        action(Uploads, "clear_all", I::ClearAll, "clear all", true),
        action(Uploads, "details", I::Open, "details", false),
        action(Uploads, "chart", I::ToggleChart, "age chart", true),
        action(Uploads, "mark", I::Mark, "mark", false),
        action(Uploads, "mark_all", I::MarkAll, "mark all shown", false),
        action(Lifecycle, "add_rule", I::AddRule, "add rule", true),
        action(Lifecycle, "edit_rule", I::EditRule, "edit rule", true),
        action(Lifecycle, "delete_rule", I::DeleteRule, "delete rule", true),
        action(Bucket, "next_tab", I::NextTab, "next tab", true),
        action(Bucket, "files_tab", I::FilesTab, "files tab", false),
        action(Bucket, "uploads_tab", I::UploadsTab, "uploads tab", false),
        action(
            Bucket,
            "lifecycle_tab",
            I::LifecycleTab,
            "lifecycle tab",
            false,
        ),
        action(Bucket, "back", I::Back, "back", true),
        action(Everywhere, "filter", I::Filter, "filter", true),
        action(Everywhere, "sort", I::Sort, "sort", true),
        action(
            Everywhere,
            "reverse_sort",
            I::ReverseSort,
            "reverse sort",
            false,
        ),
        action(Everywhere, "refresh", I::Refresh, "refresh", true),
        action(Everywhere, "up", I::Up, "up", false),
        action(Everywhere, "down", I::Down, "down", false),
        action(Everywhere, "page_up", I::PageUp, "page up", false),
        action(Everywhere, "page_down", I::PageDown, "page down", false),
        action(Everywhere, "first_row", I::Top, "first row", false),
        action(Everywhere, "last_row", I::Bottom, "last row", false),
        action(Everywhere, "help", I::Help, "help", true),
        action(Everywhere, "quit", I::Quit, "quit", true),
        action(Job, "cancel", I::Cancel, "cancel a running job", true),
        action(Help, "close", I::Cancel, "close the help", true),
        action(Filter, "keep", I::Accept, "keeps", true),
        action(Filter, "clear", I::Cancel, "clears", true),
        action(Confirm, "yes", I::Accept, "yes", true),
        action(Confirm, "no", I::Cancel, "cancel", true),
        action(
            Confirm,
            "split",
            I::Split,
            "split the abort action off into a rule of its own",
            false,
        ),
        action(
            Confirm,
            "leave_out_active",
            I::LeaveOutActive,
            "clear all but the uploads active in the last hour",
            true,
        ),
        action(Summary, "close", I::Cancel, "close", true),
        action(Counting, "cancel", I::Cancel, "cancels", true),
        action(DeleteBucket, "up", I::Up, "up", true),
        action(DeleteBucket, "down", I::Down, "down", true),
        action(DeleteBucket, "choose", I::Accept, "acts", true),
        action(
            DeleteBucket,
            "open_files",
            I::OpenFiles,
            "open the file list",
            true,
        ),
        action(
            DeleteBucket,
            "open_uploads",
            I::OpenUploads,
            "open the incomplete uploads",
            true,
        ),
        action(
            DeleteBucket,
            "empty_and_delete",
            I::EmptyAndDelete,
            "Empty and delete…",
            true,
        ),
        action(DeleteBucket, "cancel", I::Cancel, "cancel", true),
        action(TypeName, "confirm", I::Accept, "empty and delete", true),
        action(TypeName, "cancel", I::Cancel, "cancel", true),
        action(Form, "save", I::Accept, "save", true),
        action(Form, "next", I::Down, "next", true),
        action(Form, "previous", I::Up, "previous", true),
        action(Form, "toggle", I::Toggle, "toggles", true),
        action(Form, "cancel", I::Cancel, "cancel", true),
        action(Details, "close", I::Cancel, "close", true),
        action(Details, "up", I::Up, "scroll up", true),
        action(Details, "down", I::Down, "scroll down", true),
    ]
};

/// A key as the keymap names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// Every key: only for closing the help and summaries.
    Any,
    Press {
        code: KeyCode,
        ctrl: bool,
        alt: bool,
    },
}

impl Key {
    pub fn matches(self, event: &KeyEvent) -> bool {
        let Key::Press { code, ctrl, alt } = self else {
            return true;
        };
        let modifiers = event.modifiers;
        if modifiers.contains(KeyModifiers::CONTROL) != ctrl
            || modifiers.contains(KeyModifiers::ALT) != alt
        {
            return false;
        }
        // Terminals disagree on whether Shift+letter arrives with SHIFT set: the char counts.
        match (code, event.code) {
            (KeyCode::Char(want), KeyCode::Char(got)) if ctrl || alt => {
                want == got.to_ascii_lowercase()
            }
            (want, got) => want == got,
        }
    }

    /// A plain character, which types itself where text is typed.
    fn types_text(self) -> bool {
        matches!(
            self,
            Key::Press {
                code: KeyCode::Char(_),
                ctrl: false,
                alt: false,
            }
        )
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Key::Press { code, ctrl, alt } = *self else {
            return f.write_str("any key");
        };
        if ctrl {
            f.write_str("ctrl-")?;
        }
        if alt {
            f.write_str("alt-")?;
        }
        match code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("enter"),
            KeyCode::Esc => f.write_str("esc"),
            KeyCode::Backspace => f.write_str("bksp"),
            KeyCode::Tab => f.write_str("tab"),
            KeyCode::BackTab => f.write_str("S-tab"),
            KeyCode::Delete => f.write_str("del"),
            KeyCode::Insert => f.write_str("ins"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::PageUp => f.write_str("pgup"),
            KeyCode::PageDown => f.write_str("pgdn"),
            KeyCode::Home => f.write_str("home"),
            KeyCode::End => f.write_str("end"),
            KeyCode::F(n) => write!(f, "f{n}"),
            other => write!(f, "{}", format!("{other:?}").to_lowercase()),
        }
    }
}

/// The keys of every action in [`ACTIONS`], by index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    keys: Vec<Vec<Key>>,
}

impl Keymap {
    /// What `event` does in `scope`: a pane's own bindings win over those of every pane.
    pub fn intent(&self, event: &KeyEvent, scope: Scope) -> Option<Intent> {
        scope.chain().iter().find_map(|&s| {
            ACTIONS
                .iter()
                .zip(&self.keys)
                .find(|(a, keys)| a.scope == s && keys.iter().any(|k| k.matches(event)))
                .map(|(a, _)| a.intent)
        })
    }

    /// The keys of the action for `intent` in exactly `scope`.
    pub fn keys(&self, scope: Scope, intent: Intent) -> &[Key] {
        ACTIONS
            .iter()
            .zip(&self.keys)
            .find(|(a, _)| a.scope == scope && a.intent == intent)
            .map_or(&[], |(_, keys)| keys.as_slice())
    }

    /// Up to `n` of its keys as the screen names them, joined by `/`.
    pub fn names(&self, scope: Scope, intent: Intent, n: usize) -> String {
        let names: Vec<String> = self
            .keys(scope, intent)
            .iter()
            .take(n)
            .map(Key::to_string)
            .collect();
        names.join("/")
    }

    /// The first key, as the screen names it.
    pub fn first(&self, scope: Scope, intent: Intent) -> String {
        self.names(scope, intent, 1)
    }

    /// The first key that does not type a character (`esc` rather than `n`), else the first.
    pub fn first_named(&self, scope: Scope, intent: Intent) -> String {
        let keys = self.keys(scope, intent);
        keys.iter()
            .find(|k| !k.types_text())
            .or(keys.first())
            .map_or(String::new(), Key::to_string)
    }

    /// Every action of `scope` alone, with its keys, for the help overlay.
    pub fn section(&self, scope: Scope) -> impl Iterator<Item = (&'static Action, &[Key])> {
        ACTIONS
            .iter()
            .zip(&self.keys)
            .filter(move |(a, _)| a.scope == scope)
            .map(|(a, keys)| (a, keys.as_slice()))
    }

    /// Footer hints for a pane: `(first key, label)`, the pane's own first.
    pub fn hints(&self, scope: Scope) -> Vec<(String, &'static str)> {
        let chain = scope.chain();
        ACTIONS
            .iter()
            .zip(&self.keys)
            .filter(|(a, _)| a.hint && chain.contains(&a.scope))
            .filter_map(|(a, keys)| Some((keys.first()?.to_string(), a.label)))
            .collect()
    }
}

#[cfg(test)]
mod tests;
