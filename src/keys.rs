//! The keymap: one table that both the key handling and the help overlay read, so the help is always true.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

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
}

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Everywhere,
    Buckets,
    Files,
    Uploads,
    Lifecycle,
}

pub struct Binding {
    pub keys: &'static [KeyCode],
    pub label: &'static str,
    pub intent: Intent,
    pub scope: Scope,
    /// Shown in the footer, not only in the help overlay.
    pub hint: bool,
}

const fn bind(
    keys: &'static [KeyCode],
    label: &'static str,
    intent: Intent,
    scope: Scope,
    hint: bool,
) -> Binding {
    Binding {
        keys,
        label,
        intent,
        scope,
        hint,
    }
}

use KeyCode::{
    BackTab, Backspace, Char, Delete, Down, End, Enter, Esc, Home, PageDown, PageUp, Tab, Up,
};
use Scope::{Buckets, Everywhere, Files, Lifecycle, Uploads};

pub const BINDINGS: &[Binding] = &[
    bind(&[Enter], "open", Intent::Open, Buckets, true),
    bind(&[Char('u')], "uploads", Intent::OpenUploads, Buckets, true),
    bind(
        &[Char('x'), Delete],
        "delete bucket",
        Intent::DeleteBucket,
        Buckets,
        true,
    ),
    bind(&[Enter], "open folder", Intent::Open, Files, true),
    bind(&[Char('d'), Delete], "delete", Intent::Delete, Files, true),
    bind(&[Char(' ')], "mark", Intent::Mark, Files, false),
    bind(
        &[Char('d'), Delete],
        "abort upload",
        Intent::Delete,
        Uploads,
        true,
    ),
    bind(&[Char('D')], "clear all", Intent::ClearAll, Uploads, true),
    bind(&[Char(' ')], "mark", Intent::Mark, Uploads, false),
    bind(
        &[Char('a')],
        "mark all shown",
        Intent::MarkAll,
        Uploads,
        false,
    ),
    bind(&[Tab, BackTab], "next tab", Intent::NextTab, Files, true),
    bind(&[Tab, BackTab], "next tab", Intent::NextTab, Uploads, true),
    bind(&[Char('1')], "files tab", Intent::FilesTab, Files, false),
    bind(&[Char('1')], "files tab", Intent::FilesTab, Uploads, false),
    bind(
        &[Char('2')],
        "uploads tab",
        Intent::UploadsTab,
        Files,
        false,
    ),
    bind(
        &[Char('2')],
        "uploads tab",
        Intent::UploadsTab,
        Uploads,
        false,
    ),
    bind(
        &[Char('n'), Char('a')],
        "add rule",
        Intent::AddRule,
        Lifecycle,
        true,
    ),
    bind(
        &[Char('e'), Enter],
        "edit rule",
        Intent::EditRule,
        Lifecycle,
        true,
    ),
    bind(
        &[Char('d'), Delete],
        "delete rule",
        Intent::DeleteRule,
        Lifecycle,
        true,
    ),
    bind(
        &[Tab, BackTab],
        "next tab",
        Intent::NextTab,
        Lifecycle,
        true,
    ),
    bind(
        &[Char('1')],
        "files tab",
        Intent::FilesTab,
        Lifecycle,
        false,
    ),
    bind(
        &[Char('2')],
        "uploads tab",
        Intent::UploadsTab,
        Lifecycle,
        false,
    ),
    bind(
        &[Char('3')],
        "lifecycle tab",
        Intent::LifecycleTab,
        Files,
        false,
    ),
    bind(
        &[Char('3')],
        "lifecycle tab",
        Intent::LifecycleTab,
        Uploads,
        false,
    ),
    bind(
        &[Char('3')],
        "lifecycle tab",
        Intent::LifecycleTab,
        Lifecycle,
        false,
    ),
    bind(&[Esc, Backspace], "back", Intent::Back, Lifecycle, true),
    bind(&[Esc, Backspace], "back", Intent::Back, Files, true),
    bind(&[Esc, Backspace], "back", Intent::Back, Uploads, true),
    bind(&[Char('/')], "filter", Intent::Filter, Everywhere, true),
    bind(&[Char('s')], "sort", Intent::Sort, Everywhere, true),
    bind(
        &[Char('S')],
        "reverse sort",
        Intent::ReverseSort,
        Everywhere,
        false,
    ),
    bind(&[Char('r')], "refresh", Intent::Refresh, Everywhere, true),
    bind(&[Char('k'), Up], "up", Intent::Up, Everywhere, false),
    bind(&[Char('j'), Down], "down", Intent::Down, Everywhere, false),
    bind(&[PageUp], "page up", Intent::PageUp, Everywhere, false),
    bind(
        &[PageDown],
        "page down",
        Intent::PageDown,
        Everywhere,
        false,
    ),
    bind(
        &[Char('g'), Home],
        "first row",
        Intent::Top,
        Everywhere,
        false,
    ),
    bind(
        &[Char('G'), End],
        "last row",
        Intent::Bottom,
        Everywhere,
        false,
    ),
    bind(&[Char('?')], "help", Intent::Help, Everywhere, true),
    bind(&[Char('q')], "quit", Intent::Quit, Everywhere, true),
];

/// The intent of a key in a scope; bindings for the scope win over global ones.
pub fn intent(key: &KeyEvent, scope: Scope) -> Option<Intent> {
    // Terminals disagree on whether Shift+letter arrives with SHIFT set; the char is what counts.
    let code = key.code;
    if key
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
    {
        return None;
    }
    [scope, Everywhere].into_iter().find_map(|s| {
        BINDINGS
            .iter()
            .find(|b| b.scope == s && b.keys.contains(&code))
            .map(|b| b.intent)
    })
}

/// A short name for a key, as the help and footer show it.
pub fn key_name(code: &KeyCode) -> String {
    match code {
        Char(' ') => "space".into(),
        Char(c) => c.to_string(),
        Enter => "enter".into(),
        Esc => "esc".into(),
        Backspace => "bksp".into(),
        Tab => "tab".into(),
        BackTab => "S-tab".into(),
        Delete => "del".into(),
        Up => "↑".into(),
        Down => "↓".into(),
        PageUp => "pgup".into(),
        PageDown => "pgdn".into(),
        Home => "home".into(),
        End => "end".into(),
        other => format!("{other:?}").to_lowercase(),
    }
}

/// Footer hints for a scope: `(keys, label)` pairs.
pub fn hints(scope: Scope) -> Vec<(String, &'static str)> {
    BINDINGS
        .iter()
        .filter(|b| b.hint && (b.scope == scope || b.scope == Everywhere))
        .map(|b| (key_name(&b.keys[0]), b.label))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scoped_bindings_win() {
        let d = KeyEvent::from(Char('d'));
        assert_eq!(intent(&d, Uploads), Some(Intent::Delete));
        assert_eq!(intent(&d, Buckets), None);
        let q = KeyEvent::from(Char('q'));
        assert_eq!(intent(&q, Files), Some(Intent::Quit));
        let shift_d = KeyEvent::new(Char('D'), KeyModifiers::SHIFT);
        assert_eq!(intent(&shift_d, Uploads), Some(Intent::ClearAll));
        let ctrl_d = KeyEvent::new(Char('d'), KeyModifiers::CONTROL);
        assert_eq!(intent(&ctrl_d, Uploads), None);
    }
}
