//! The keymap: one table that key handling, the footer, the help overlay and every dialog
//! read, so what the screen says is what the keys do. The defaults are
//! `assets/keybindings.toml`; the user's `keybindings.toml` replaces actions one by one.

use std::fmt;
use std::path::Path;
use std::sync::OnceLock;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use toml::de::{DeTable, DeValue};

pub const DEFAULTS: &str = include_str!("../assets/keybindings.toml");
const DEFAULTS_NAME: &str = "assets/keybindings.toml (built in)";

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
}

impl Scope {
    const ALL: [Scope; 15] = [
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
    /// Parses `d`, `D`, `enter`, `ctrl-x`, `any`.
    pub fn parse(text: &str) -> Result<Key, String> {
        let unknown = || format!("unknown key '{text}'");
        if text.eq_ignore_ascii_case("any") {
            return Ok(Key::Any);
        }
        let (mut ctrl, mut alt, mut rest) = (false, false, text);
        loop {
            let lower = rest.to_ascii_lowercase();
            if rest.chars().count() > 1 && lower.starts_with("ctrl-") {
                (ctrl, rest) = (true, &rest[5..]);
            } else if rest.chars().count() > 1 && lower.starts_with("alt-") {
                (alt, rest) = (true, &rest[4..]);
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) if ctrl || alt => KeyCode::Char(c.to_ascii_lowercase()),
            (Some(c), None) => KeyCode::Char(c),
            _ => match rest.to_ascii_lowercase().as_str() {
                "space" => KeyCode::Char(' '),
                "enter" | "return" => KeyCode::Enter,
                "esc" | "escape" => KeyCode::Esc,
                "backspace" | "bksp" => KeyCode::Backspace,
                "tab" => KeyCode::Tab,
                "backtab" | "shift-tab" | "s-tab" => KeyCode::BackTab,
                "delete" | "del" => KeyCode::Delete,
                "insert" | "ins" => KeyCode::Insert,
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "pageup" | "pgup" => KeyCode::PageUp,
                "pagedown" | "pgdn" => KeyCode::PageDown,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                name => match name.strip_prefix('f').map(str::parse::<u8>) {
                    Some(Ok(n)) if (1..=12).contains(&n) => KeyCode::F(n),
                    _ => return Err(unknown()),
                },
            },
        };
        if ctrl && code == KeyCode::Char('c') {
            return Err("ctrl-c always quits; it cannot be bound".into());
        }
        Ok(Key::Press { code, ctrl, alt })
    }

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

impl Default for Keymap {
    fn default() -> Self {
        static DEFAULT: OnceLock<Keymap> = OnceLock::new();
        DEFAULT
            .get_or_init(|| {
                let mut keymap = Keymap {
                    keys: vec![Vec::new(); ACTIONS.len()],
                };
                let set = keymap
                    .overlay(DEFAULTS, DEFAULTS_NAME)
                    .unwrap_or_else(|err| panic!("{err}"));
                if let Some(missing) = set.iter().position(Option::is_none) {
                    let action = &ACTIONS[missing];
                    panic!(
                        "{DEFAULTS_NAME}: no keys for [{}] {}",
                        action.scope.name(),
                        action.name
                    );
                }
                keymap
                    .check_conflicts(DEFAULTS_NAME, &set)
                    .unwrap_or_else(|err| panic!("{err}"));
                keymap
            })
            .clone()
    }
}

impl Keymap {
    /// The defaults with the user's file at `path` laid over them; the defaults alone when
    /// there is no such file.
    pub fn load(path: &Path) -> Result<Keymap, String> {
        match std::fs::read_to_string(path) {
            Ok(text) => Keymap::with_overrides(&text, &path.display().to_string()),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Keymap::default()),
            Err(err) => Err(format!("cannot read {}: {err}", path.display())),
        }
    }

    /// The defaults with `text` laid over them; errors name `file` and the line.
    pub fn with_overrides(text: &str, file: &str) -> Result<Keymap, String> {
        let mut keymap = Keymap::default();
        let set = keymap.overlay(text, file)?;
        keymap.check_conflicts(file, &set)?;
        Ok(keymap)
    }

    /// Replaces the keys of every action `text` names; returns the line each one was set on.
    fn overlay(&mut self, text: &str, file: &str) -> Result<Vec<Option<usize>>, String> {
        let line_of = |offset: usize| {
            text.get(..offset)
                .map_or(1, |before| before.matches('\n').count() + 1)
        };
        let at =
            |offset: usize, message: String| format!("{file} line {}: {message}", line_of(offset));
        let table = DeTable::parse(text).map_err(|err| {
            let offset = err.span().map_or(0, |span| span.start);
            at(offset, err.message().to_owned())
        })?;
        let mut set = vec![None; ACTIONS.len()];
        for (section, value) in sorted(table.get_ref()) {
            let start = section.span().start;
            let Some(scope) = Scope::ALL
                .into_iter()
                .find(|s| s.name() == section.get_ref())
            else {
                let names: Vec<&str> = Scope::ALL.iter().map(|s| s.name()).collect();
                return Err(at(
                    start,
                    format!(
                        "unknown section [{}]; the sections are {}",
                        section.get_ref(),
                        names.join(", ")
                    ),
                ));
            };
            let DeValue::Table(actions) = value.get_ref() else {
                return Err(at(
                    start,
                    format!("[{}] must be a table of actions", scope.name()),
                ));
            };
            for (name, keys) in sorted(actions) {
                let start = name.span().start;
                let Some(index) = ACTIONS
                    .iter()
                    .position(|a| a.scope == scope && a.name == name.get_ref())
                else {
                    return Err(at(
                        start,
                        format!("unknown action '{}' in [{}]", name.get_ref(), scope.name()),
                    ));
                };
                let keys = parse_keys(scope, name.get_ref(), keys.get_ref())
                    .map_err(|message| at(start, message))?;
                self.keys[index] = keys;
                set[index] = Some(line_of(start));
            }
        }
        Ok(set)
    }

    /// Two actions that can be reached from the same place must not share a key.
    fn check_conflicts(&self, file: &str, set: &[Option<usize>]) -> Result<(), String> {
        for scope in Scope::ALL {
            let chain = scope.chain();
            let reachable: Vec<usize> = (0..ACTIONS.len())
                .filter(|&i| chain.contains(&ACTIONS[i].scope))
                .collect();
            for (n, &a) in reachable.iter().enumerate() {
                for &b in &reachable[n + 1..] {
                    let Some(key) = self.keys[a].iter().find(|k| self.keys[b].contains(k)) else {
                        continue;
                    };
                    let line = set[b]
                        .or(set[a])
                        .map_or(String::new(), |l| format!(" line {l}"));
                    return Err(format!(
                        "{file}{line}: '{key}' is bound to both [{}] {} and [{}] {}; give one of them other keys",
                        ACTIONS[a].scope.name(),
                        ACTIONS[a].name,
                        ACTIONS[b].scope.name(),
                        ACTIONS[b].name,
                    ));
                }
            }
        }
        Ok(())
    }

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

/// Entries in the order they appear in the file, so the first mistake is the one reported.
fn sorted<'a, 'i>(
    table: &'a DeTable<'i>,
) -> Vec<(
    &'a toml::Spanned<toml::de::DeString<'i>>,
    &'a toml::Spanned<DeValue<'i>>,
)> {
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(key, _)| key.span().start);
    entries
}

fn parse_keys(scope: Scope, action: &str, value: &DeValue) -> Result<Vec<Key>, String> {
    let texts: Vec<&str> = match value {
        DeValue::String(text) => vec![text.as_ref()],
        DeValue::Array(items) => items
            .iter()
            .map(|item| item.get_ref().as_str())
            .collect::<Option<_>>()
            .ok_or_else(|| {
                format!("{action}: keys are a list of strings, like [\"d\", \"delete\"]")
            })?,
        _ => {
            return Err(format!(
                "{action}: keys are a list of strings, like [\"d\", \"delete\"]"
            ));
        }
    };
    if texts.is_empty() {
        return Err(format!(
            "[{}] {action} needs at least one key",
            scope.name()
        ));
    }
    let mut keys = Vec::with_capacity(texts.len());
    for text in texts {
        let key = Key::parse(text)?;
        if key == Key::Any && !matches!(scope, Scope::Help | Scope::Summary) {
            return Err("'any' is allowed only in [help] and [summary]".into());
        }
        let types_here = match scope {
            Scope::Filter | Scope::TypeName => true,
            Scope::Form => action != "toggle",
            _ => false,
        };
        if types_here && key.types_text() {
            return Err(format!(
                "'{text}' types text in [{}]; bind {action} to a key that types nothing (enter, esc, tab, an arrow, ctrl-…)",
                scope.name()
            ));
        }
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_bind_every_action_without_conflicts() {
        let keymap = Keymap::default();
        for (action, keys) in ACTIONS.iter().zip(&keymap.keys) {
            assert!(!keys.is_empty(), "{}", action.name);
        }
    }

    #[test]
    fn scoped_bindings_win() {
        let keymap = Keymap::default();
        let d = KeyEvent::from(KeyCode::Char('d'));
        assert_eq!(keymap.intent(&d, Scope::Uploads), Some(Intent::Delete));
        assert_eq!(keymap.intent(&d, Scope::Buckets), None);
        let q = KeyEvent::from(KeyCode::Char('q'));
        assert_eq!(keymap.intent(&q, Scope::Files), Some(Intent::Quit));
        assert_eq!(keymap.intent(&q, Scope::Confirm), Some(Intent::Cancel));
        let shift_d = KeyEvent::new(KeyCode::Char('D'), KeyModifiers::SHIFT);
        assert_eq!(
            keymap.intent(&shift_d, Scope::Uploads),
            Some(Intent::ClearAll)
        );
        let ctrl_d = KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL);
        assert_eq!(keymap.intent(&ctrl_d, Scope::Uploads), None);
        let tab = KeyEvent::from(KeyCode::Tab);
        assert_eq!(keymap.intent(&tab, Scope::Lifecycle), Some(Intent::NextTab));
        assert_eq!(keymap.intent(&tab, Scope::Buckets), None);
    }

    #[test]
    fn a_user_file_replaces_only_the_actions_it_names() {
        let keymap = Keymap::with_overrides("[uploads]\nabort = [\"x\", \"ctrl-d\"]\n", "k.toml")
            .expect("valid");
        let x = KeyEvent::from(KeyCode::Char('x'));
        let d = KeyEvent::from(KeyCode::Char('d'));
        let ctrl_d = KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL);
        assert_eq!(keymap.intent(&x, Scope::Uploads), Some(Intent::Delete));
        assert_eq!(keymap.intent(&ctrl_d, Scope::Uploads), Some(Intent::Delete));
        assert_eq!(keymap.intent(&d, Scope::Uploads), None);
        assert_eq!(keymap.intent(&d, Scope::Files), Some(Intent::Delete));
        assert_eq!(keymap.first(Scope::Uploads, Intent::Delete), "x");
        assert_eq!(keymap.names(Scope::Uploads, Intent::Delete, 2), "x/ctrl-d");
    }

    #[test]
    fn key_names_parse_and_print() {
        for (text, shown) in [
            ("d", "d"),
            ("D", "D"),
            ("space", "space"),
            ("Enter", "enter"),
            ("shift-tab", "S-tab"),
            ("pagedown", "pgdn"),
            ("ctrl-X", "ctrl-x"),
            ("alt-enter", "alt-enter"),
            ("f5", "f5"),
            ("-", "-"),
            ("any", "any key"),
        ] {
            assert_eq!(
                Key::parse(text).map(|k| k.to_string()),
                Ok(shown.into()),
                "{text}"
            );
        }
        assert!(Key::parse("f13").is_err());
        assert!(Key::parse("ctrl-c").is_err_and(|e| e.contains("always quits")));
    }

    fn error(text: &str) -> String {
        Keymap::with_overrides(text, "keybindings.toml").expect_err("an error")
    }

    #[test]
    fn mistakes_name_the_file_and_line() {
        assert_eq!(
            error("# mine\n\n[uploads]\ndelet = [\"x\"]\n"),
            "keybindings.toml line 4: unknown action 'delet' in [uploads]"
        );
        assert!(
            error("[upload]\nabort = [\"x\"]\n")
                .starts_with("keybindings.toml line 1: unknown section [upload]; the sections are")
        );
        assert_eq!(
            error("[uploads]\nclear_all = [\"D\"]\nabort = [\"ctl-x\"]\n"),
            "keybindings.toml line 3: unknown key 'ctl-x'"
        );
        assert!(error("[uploads]\nabort = [\"x\"\n").starts_with("keybindings.toml line 2: "));
        assert_eq!(
            error("[confirm]\nno = []\n"),
            "keybindings.toml line 2: [confirm] no needs at least one key"
        );
        assert_eq!(
            error("[uploads]\nabort = 3\n"),
            "keybindings.toml line 2: abort: keys are a list of strings, like [\"d\", \"delete\"]"
        );
    }

    #[test]
    fn unsafe_bindings_are_refused() {
        assert_eq!(
            error("[uploads]\n\nabort = [\"a\"]\n"),
            "keybindings.toml line 3: 'a' is bound to both [uploads] abort and [uploads] mark_all; give one of them other keys"
        );
        assert!(
            error("[files]\ndelete = [\"s\"]\n").contains("[files] delete and [everywhere] sort")
        );
        assert!(error("[confirm]\nyes = [\"any\"]\n").contains("only in [help] and [summary]"));
        assert!(error("[filter]\nkeep = [\"k\"]\n").contains("'k' types text in [filter]"));
        // Where no text is typed, a letter is fine; the form's toggle is never on a text field.
        assert!(
            Keymap::with_overrides(
                "[help]\nclose = [\"esc\", \"q\"]\n[form]\ntoggle = [\"t\"]\n",
                "k"
            )
            .is_ok()
        );
    }
}
