//! The keymap: defaults, lookups, the user's file and its mistakes.

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
    assert!(error("[files]\ndelete = [\"s\"]\n").contains("[files] delete and [everywhere] sort"));
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
