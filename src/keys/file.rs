//! Reading keybindings: `assets/keybindings.toml` built in, the user's file over it, and
//! every mistake reported with the file and line.

use std::path::Path;
use std::sync::OnceLock;

use ratatui::crossterm::event::KeyCode;
use toml::de::{DeTable, DeValue};

use super::{ACTIONS, Key, Keymap, Scope};

pub const DEFAULTS: &str = include_str!("../../assets/keybindings.toml");
const DEFAULTS_NAME: &str = "assets/keybindings.toml (built in)";

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
