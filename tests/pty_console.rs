//! The real binary in a pseudo-terminal against Garage: a user deletes an upload with keys,
//! and the server no longer has it. Also checks the terminal is restored on quit.

mod common;

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

struct Screen {
    parser: Arc<Mutex<vt100::Parser>>,
    raw: Arc<Mutex<Vec<u8>>>,
}

impl Screen {
    fn text(&self) -> String {
        self.parser
            .lock()
            .map(|p| p.screen().contents())
            .unwrap_or_default()
    }

    fn wait_for(&self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if self.text().contains(needle) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "{needle:?} never appeared; the screen was:\n{}",
            self.text()
        );
    }
}

fn spawn_console(
    endpoint: Option<&str>,
    extra_args: &[&str],
    config_home: Option<&std::path::Path>,
) -> (
    Box<dyn portable_pty::Child + Send + Sync>,
    Box<dyn Write + Send>,
    Screen,
) {
    spawn_console_with_env(endpoint, extra_args, config_home, &[])
}

fn spawn_console_with_env(
    endpoint: Option<&str>,
    extra_args: &[&str],
    config_home: Option<&std::path::Path>,
    env: &[(&str, &str)],
) -> (
    Box<dyn portable_pty::Child + Send + Sync>,
    Box<dyn Write + Send>,
    Screen,
) {
    let options = common::options();
    let (access, secret) = options.static_keys.clone().expect("garage keys");
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 30,
            cols: 120,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("pty");
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_partsweep"));
    let endpoint = endpoint
        .or(options.endpoint_url.as_deref())
        .expect("endpoint");
    cmd.args(["--endpoint-url", endpoint, "--region", "garage"]);
    cmd.args(extra_args);
    cmd.env("AWS_ACCESS_KEY_ID", access);
    cmd.env("AWS_SECRET_ACCESS_KEY", secret);
    cmd.env("AWS_CONFIG_FILE", "/nonexistent/partsweep-test-config");
    cmd.env(
        "AWS_SHARED_CREDENTIALS_FILE",
        "/nonexistent/partsweep-test-credentials",
    );
    match config_home {
        Some(dir) => cmd.env("XDG_CONFIG_HOME", dir),
        None => cmd.env("XDG_CONFIG_HOME", "/nonexistent"),
    }
    cmd.env("TERM", "xterm-256color");
    for (name, value) in env {
        cmd.env(name, value);
    }
    let child = pair.slave.spawn_command(cmd).expect("spawn partsweep");
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().expect("pty reader");
    let writer = pair.master.take_writer().expect("pty writer");
    let parser = Arc::new(Mutex::new(vt100::Parser::new(30, 120, 0)));
    let raw = Arc::new(Mutex::new(Vec::new()));
    let (p, r) = (parser.clone(), raw.clone());
    std::thread::spawn(move || {
        let _master = pair.master; // keep the pty open while reading
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            if let Ok(mut parser) = p.lock() {
                parser.process(&buf[..n]);
            }
            if let Ok(mut raw) = r.lock() {
                raw.extend_from_slice(&buf[..n]);
            }
        }
    });
    (child, writer, Screen { parser, raw })
}

fn send(writer: &mut Box<dyn Write + Send>, keys: &str) {
    writer.write_all(keys.as_bytes()).expect("type");
    writer.flush().expect("flush");
    std::thread::sleep(Duration::from_millis(150));
}

fn wait_exit(child: &mut Box<dyn portable_pty::Child + Send + Sync>) -> portable_pty::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("partsweep did not exit after q");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_an_upload_with_keypresses_removes_it_from_the_server() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "pty").await;
    let uploads = common::start_uploads(&s3, &bucket, "pty/", 3).await;
    let mut sorted = uploads.clone();
    sorted.sort();
    let (first_key, first_id) = sorted[0].clone();

    let (mut child, mut keys, screen) =
        tokio::task::spawn_blocking(|| spawn_console(None, &[], None))
            .await
            .expect("spawn");
    let bucket_name = bucket.clone();
    let result = tokio::task::spawn_blocking(move || {
        screen.wait_for(&bucket_name);
        send(&mut keys, &format!("/{bucket_name}\r"));
        send(&mut keys, "u");
        screen.wait_for("pty/00002.bin");
        send(&mut keys, "d");
        screen.wait_for("Abort incomplete upload");
        // The key is in the table behind the dialog too: look for it on the dialog's own line.
        let text = screen.text();
        assert!(
            text.lines().any(|line| line
                .split_once("Key:")
                .is_some_and(|(_, shown)| shown.contains(&first_key))),
            "the dialog names the key:\n{text}"
        );
        send(&mut keys, "y");
        screen.wait_for("aborted the upload");
        send(&mut keys, "q");
        let status = wait_exit(&mut child);
        assert!(status.success(), "exit status {status:?}");
        let raw = screen.raw.lock().map(|r| r.clone()).unwrap_or_default();
        let raw = String::from_utf8_lossy(&raw);
        assert!(
            raw.contains("\x1b[?1049l"),
            "the alternate screen is left on exit"
        );
        first_id
    })
    .await
    .expect("console session");

    let left = common::all_uploads(&s3, &bucket).await;
    assert_eq!(left.len(), 2);
    assert!(
        left.iter().all(|u| *u.upload_id != *result),
        "the aborted upload is gone"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn read_only_console_refuses_to_abort() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "ro").await;
    common::start_uploads(&s3, &bucket, "ro/", 1).await;
    let (mut child, mut keys, screen) =
        tokio::task::spawn_blocking(|| spawn_console(None, &["--read-only"], None))
            .await
            .expect("spawn");
    let bucket_name = bucket.clone();
    tokio::task::spawn_blocking(move || {
        screen.wait_for("READ-ONLY");
        screen.wait_for(&bucket_name);
        send(&mut keys, &format!("/{bucket_name}\r"));
        send(&mut keys, "u");
        screen.wait_for("ro/00000.bin");
        send(&mut keys, "d");
        screen.wait_for("read-only mode");
        send(&mut keys, "q");
        wait_exit(&mut child);
    })
    .await
    .expect("console session");
    assert_eq!(common::all_uploads(&s3, &bucket).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dead_endpoint_is_shown_not_crashed_on() {
    let (mut child, mut keys, screen) =
        tokio::task::spawn_blocking(|| spawn_console(Some("http://127.0.0.1:9"), &[], None))
            .await
            .expect("spawn");
    tokio::task::spawn_blocking(move || {
        screen.wait_for("listing buckets");
        send(&mut keys, "q");
        assert!(wait_exit(&mut child).success());
    })
    .await
    .expect("console session");
}

/// A config directory holding `keybindings.toml` with `text`.
fn keybindings(text: &str) -> tempfile::TempDir {
    let home = tempfile::tempdir().expect("config home");
    let dir = home.path().join("partsweep");
    std::fs::create_dir_all(&dir).expect("config dir");
    std::fs::write(dir.join("keybindings.toml"), text).expect("keybindings file");
    home
}

#[tokio::test(flavor = "multi_thread")]
async fn a_key_rebound_in_the_users_file_aborts_and_the_old_key_does_not() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "rebind").await;
    common::start_uploads(&s3, &bucket, "rebind/", 2).await;
    let home = keybindings("[uploads]\nabort = [\"x\"]\n");
    let config_home = home.path().to_owned();
    let (mut child, mut keys, screen) =
        tokio::task::spawn_blocking(move || spawn_console(None, &[], Some(&config_home)))
            .await
            .expect("spawn");
    let bucket_name = bucket.clone();
    tokio::task::spawn_blocking(move || {
        screen.wait_for(&bucket_name);
        send(&mut keys, &format!("/{bucket_name}\r"));
        send(&mut keys, "u");
        screen.wait_for("rebind/00001.bin");
        screen.wait_for(" x  abort upload ");
        send(&mut keys, "d");
        assert!(
            !screen.text().contains("Abort incomplete upload"),
            "d no longer aborts:\n{}",
            screen.text()
        );
        send(&mut keys, "?");
        screen.wait_for("x             abort upload");
        send(&mut keys, "?");
        send(&mut keys, "x");
        screen.wait_for("Abort incomplete upload");
        send(&mut keys, "y");
        screen.wait_for("aborted the upload");
        send(&mut keys, "q");
        assert!(wait_exit(&mut child).success());
    })
    .await
    .expect("console session");
    assert_eq!(common::all_uploads(&s3, &bucket).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mistake_in_the_keybindings_file_stops_the_console_and_names_the_line() {
    let home = keybindings("[uploads]\n\ndelet = [\"x\"]\n");
    let config_home = home.path().to_owned();
    let (mut child, _keys, screen) = tokio::task::spawn_blocking(move || {
        spawn_console(Some("http://127.0.0.1:9"), &[], Some(&config_home))
    })
    .await
    .expect("spawn");
    tokio::task::spawn_blocking(move || {
        screen.wait_for("keybindings.toml line 3: unknown action 'delet' in [uploads]");
        assert!(!wait_exit(&mut child).success());
    })
    .await
    .expect("console session");
}

/// Opens the console with `-v` and a state directory of its own, waits for `bucket`, quits.
fn verbose_console_session(bucket: String, state_home: String) {
    let (mut child, mut keys, screen) = spawn_console_with_env(
        None,
        &["-v"],
        None,
        &[("XDG_STATE_HOME", state_home.as_str())],
    );
    screen.wait_for(&bucket);
    send(&mut keys, "q");
    assert!(wait_exit(&mut child).success());
}

#[tokio::test(flavor = "multi_thread")]
async fn verbose_console_logs_s3_calls_to_a_file_only_its_owner_may_read() {
    use std::os::unix::fs::PermissionsExt;

    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "logged").await;
    let state = tempfile::tempdir().expect("state dir");
    let log = state.path().join("partsweep/partsweep.log");
    let state_home = state.path().display().to_string();
    let mode = |log: &std::path::Path| {
        std::fs::metadata(log)
            .expect("the log exists")
            .permissions()
            .mode()
            & 0o777
    };

    tokio::task::spawn_blocking({
        let (bucket, state_home) = (bucket.clone(), state_home.clone());
        move || verbose_console_session(bucket, state_home)
    })
    .await
    .expect("console session");
    assert_eq!(mode(&log), 0o600, "a new log is the owner's alone");
    let text = std::fs::read_to_string(&log).expect("read the log");
    assert!(
        text.lines()
            .any(|line| line.contains("ListBuckets bucket= key= status=200")),
        "{text}"
    );

    std::fs::set_permissions(&log, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    tokio::task::spawn_blocking(move || verbose_console_session(bucket, state_home))
        .await
        .expect("console session");
    assert_eq!(mode(&log), 0o600, "an older, readable log is closed too");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_panic_gives_the_terminal_back_with_mouse_capture_off_and_reports_it() {
    let (mut child, _keys, screen) = tokio::task::spawn_blocking(|| {
        spawn_console_with_env(None, &[], None, &[("PARTSWEEP_PANIC_FOR_TEST", "1")])
    })
    .await
    .expect("spawn");
    let (status, raw) = tokio::task::spawn_blocking(move || {
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Ok(Some(status)) = child.try_wait() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("partsweep did not end after its panic:\n{}", screen.text());
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        // Let the reader drain what was written just before the exit.
        std::thread::sleep(Duration::from_millis(200));
        let raw = screen.raw.lock().map(|r| r.clone()).unwrap_or_default();
        (status, String::from_utf8_lossy(&raw).into_owned())
    })
    .await
    .expect("console session");
    assert!(!status.success());
    let captured = raw.rfind("\x1b[?1000h").expect("mouse capture was on");
    let released = raw.rfind("\x1b[?1000l");
    assert!(
        released.is_some_and(|at| at > captured),
        "mouse capture is still on after the panic"
    );
    assert!(raw.contains("\x1b[?1049l"), "the alternate screen is left");
    assert!(
        raw.contains("PARTSWEEP_PANIC_FOR_TEST is set"),
        "color-eyre's report follows"
    );
}
