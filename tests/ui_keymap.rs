//! A user's keybindings file: the rebound key works, the old one no longer does, and the
//! footer, the help overlay and the dialogs name the new key. Mistakes name the line.

mod common;

use partsweep::action::{Action, Command};
use partsweep::app::{App, Modal};
use partsweep::keys::Keymap;
use partsweep::s3::{Bucket, Upload};
use ratatui::crossterm::event::{KeyCode, KeyEvent};

const NOW: i64 = 1_764_000_000;

fn press(app: &mut App, c: char) -> Vec<Command> {
    app.update(Action::Key(KeyEvent::from(KeyCode::Char(c))))
}

/// Writes `text` as a user's `keybindings.toml` and loads it as the console does.
fn load(text: &str) -> Result<Keymap, String> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("keybindings.toml");
    std::fs::write(&path, text).expect("write keybindings");
    Keymap::load(&path).map_err(|err| err.replace(&dir.path().display().to_string(), "DIR"))
}

/// `media-uploads` open on its uploads tab, with the user's keymap.
fn app_on_uploads(keymap: Keymap) -> App {
    let mut app = App::new("http://127.0.0.1:3900 · region garage", false, NOW).with_keymap(keymap);
    let Command::LoadBuckets { request } = app.start()[0] else {
        panic!("start-up lists buckets")
    };
    app.update(Action::BucketsLoaded {
        request,
        result: Ok(vec![Bucket {
            name: "media-uploads".into(),
            region: None,
            created: Some(NOW),
        }]),
    });
    press(&mut app, 'u');
    let request = app.bucket.as_ref().expect("open").uploads.request;
    app.update(Action::UploadsPage {
        request,
        result: Ok(vec![Upload {
            key: "videos/raw/clip-0001.mov".into(),
            upload_id: "2~Kq9xZ1b2c3".into(),
            initiated: Some(NOW - 3 * 86_400),
            storage_class: Some("STANDARD".into()),
            key_undecodable: false,
        }]),
        done: true,
    });
    app
}

fn screen_text(app: &mut App, width: u16, height: u16) -> String {
    let backend = common::draw(app, width, height);
    let buffer = backend.buffer();
    (0..height)
        .map(|y| {
            (0..width)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

const REBIND: &str = "# abort with x, not d\n[uploads]\nabort = [\"x\", \"delete\"]\n";

#[test]
fn a_rebound_key_acts_and_the_old_one_does_not() {
    let mut app = app_on_uploads(load(REBIND).expect("a valid file"));
    assert!(press(&mut app, 'd').is_empty());
    assert!(app.modal().is_none(), "d no longer aborts");
    press(&mut app, 'x');
    assert!(
        matches!(app.modal(), Some(Modal::Confirm { title, .. }) if title == "Abort incomplete upload")
    );
    let commands = press(&mut app, 'y');
    assert!(
        matches!(commands.as_slice(), [Command::AbortUploads { .. }]),
        "{commands:?}"
    );
}

#[test]
fn the_footer_and_help_show_the_rebound_key() {
    let mut app = app_on_uploads(load(REBIND).expect("a valid file"));
    let screen = screen_text(&mut app, 110, 14);
    let footer = screen.lines().last().unwrap_or_default();
    assert!(
        footer.starts_with(" x  abort upload  D  clear all"),
        "{footer}"
    );
    insta::assert_snapshot!("footer_after_rebind", footer);

    press(&mut app, '?');
    let help = screen_text(&mut app, 120, 36);
    assert!(help.contains("x del         abort upload"), "{help}");
    assert!(!help.contains("d del         abort upload"), "{help}");
    // Files keep d: only [uploads] abort was rebound.
    assert!(help.contains("d del         delete "), "{help}");
    insta::assert_snapshot!("help_after_rebind", common::draw(&mut app, 120, 36));
}

#[test]
fn dialogs_name_the_rebound_keys() {
    let keymap = load("[confirm]\nyes = [\"o\"]\nno = [\"esc\"]\n[job]\ncancel = [\"ctrl-x\"]\n")
        .expect("a valid file");
    let mut app = app_on_uploads(keymap);
    press(&mut app, 'D');
    let screen = screen_text(&mut app, 100, 20);
    assert!(screen.contains(" o  abort 1     esc  cancel"), "{screen}");
    assert!(screen.contains("ctrl-x cancels while it runs"), "{screen}");
    assert!(press(&mut app, 'y').is_empty(), "y is no longer yes");
    let commands = press(&mut app, 'o');
    assert!(matches!(
        commands.as_slice(),
        [Command::AbortUploads { .. }]
    ));
    let screen = screen_text(&mut app, 100, 14);
    assert!(
        screen.contains("· ctrl-x cancels"),
        "the progress line: {screen}"
    );
    assert!(
        screen.contains(" ctrl-x  cancel job"),
        "the footer: {screen}"
    );
}

#[test]
fn a_mistake_names_the_file_and_line() {
    let err = load("[uploads]\nclear_all = [\"D\"]\ndelet = [\"x\"]\n").expect_err("an error");
    assert_eq!(
        err,
        "DIR/keybindings.toml line 3: unknown action 'delet' in [uploads]"
    );
    let err = load("[uploads]\nabort = [\"ctl-x\"]\n").expect_err("an error");
    assert_eq!(err, "DIR/keybindings.toml line 2: unknown key 'ctl-x'");
    let err = load("[uploads]\nabort = [\"a\"]\n").expect_err("an error");
    assert!(
        err.starts_with("DIR/keybindings.toml line 2: 'a' is bound to both [uploads] abort and [uploads] mark_all"),
        "{err}"
    );
}

#[test]
fn no_file_means_the_defaults() {
    let dir = tempfile::tempdir().expect("temp dir");
    let keymap = Keymap::load(&dir.path().join("keybindings.toml")).expect("defaults");
    assert_eq!(keymap, Keymap::default());
}
