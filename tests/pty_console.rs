//! The real binary in a pseudo-terminal against Garage: a user deletes an upload with keys,
//! and the server no longer has it. Also checks the terminal is restored on quit.

mod common;

use std::path::Path;
use std::time::Duration;

use common::cli::{UNSET, isolated_env, server_args};
use common::pty::Console;
use portable_pty::CommandBuilder;

/// The console against Garage (or `endpoint`), its journal and log under `state`, its
/// keybindings file under `config_home` (none if not given).
fn spawn_console(
    endpoint: Option<&str>,
    state: &Path,
    extra_args: &[&str],
    config_home: Option<&Path>,
) -> Console {
    let state = state.display().to_string();
    spawn_console_with_env(
        endpoint,
        extra_args,
        config_home,
        &[("XDG_STATE_HOME", state.as_str())],
    )
}

fn spawn_console_with_env(
    endpoint: Option<&str>,
    extra_args: &[&str],
    config_home: Option<&Path>,
    env: &[(&str, &str)],
) -> Console {
    let options = common::options();
    let mut args = server_args(&options);
    if let Some(endpoint) = endpoint {
        args[1] = endpoint.to_owned();
    }
    args.extend(extra_args.iter().map(|arg| arg.to_string()));
    let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_partsweep"));
    command.args(&args);
    for name in UNSET {
        command.env_remove(name);
    }
    let home = config_home.unwrap_or(Path::new("/nonexistent"));
    for (name, value) in isolated_env(&options, home) {
        command.env(name, value);
    }
    for (name, value) in env {
        command.env(name, value);
    }
    Console::spawn(command, 30, 120)
}

/// How long `q` may take to end the console.
const QUIT: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread")]
async fn deleting_an_upload_with_keypresses_removes_it_from_the_server() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "pty").await;
    let uploads = common::start_uploads(&s3, &bucket, "pty/", 3).await;
    let mut sorted = uploads.clone();
    sorted.sort();
    let (first_key, first_id) = sorted[0].clone();

    let state = tempfile::tempdir().expect("state dir");
    let state_home = state.path().to_owned();
    let mut console =
        tokio::task::spawn_blocking(move || spawn_console(None, &state_home, &[], None))
            .await
            .expect("spawn");
    let bucket_name = bucket.clone();
    let dialog_key = first_key.clone();
    let result = tokio::task::spawn_blocking(move || {
        console.wait_for(&bucket_name);
        console.send(&format!("/{bucket_name}\r"));
        console.send("u");
        console.wait_for("pty/00002.bin");
        console.send("d");
        console.wait_for("Abort incomplete upload");
        // The key is in the table behind the dialog too: look for it on the dialog's own line.
        let text = console.text();
        assert!(
            text.lines().any(|line| line
                .split_once("Key:")
                .is_some_and(|(_, shown)| shown.contains(&dialog_key))),
            "the dialog names the key:\n{text}"
        );
        console.send("y");
        console.wait_for("aborted the upload");
        console.send("q");
        let status = console.wait_exit(QUIT);
        assert!(status.success(), "exit status {status:?}");
        let raw = console.raw();
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

    let journal = std::fs::read_to_string(state.path().join("partsweep/journal.jsonl"))
        .expect("the console keeps a journal");
    let lines: Vec<serde_json::Value> = journal
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 1, "{journal}");
    let line = &lines[0];
    assert_eq!(
        (
            &line["via"],
            &line["action"],
            &line["bucket"],
            &line["key"],
            &line["upload_id"],
            &line["outcome"],
        ),
        (
            &"console".into(),
            &"abort_upload".into(),
            &bucket.as_str().into(),
            &first_key.as_str().into(),
            &result.as_str().into(),
            &"aborted".into(),
        ),
        "{journal}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn read_only_console_refuses_to_abort() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "ro").await;
    common::start_uploads(&s3, &bucket, "ro/", 1).await;
    let state = tempfile::tempdir().expect("state dir");
    let state_home = state.path().to_owned();
    let mut console = tokio::task::spawn_blocking(move || {
        spawn_console(None, &state_home, &["--read-only"], None)
    })
    .await
    .expect("spawn");
    let bucket_name = bucket.clone();
    tokio::task::spawn_blocking(move || {
        console.wait_for("READ-ONLY");
        console.wait_for(&bucket_name);
        console.send(&format!("/{bucket_name}\r"));
        console.send("u");
        console.wait_for("ro/00000.bin");
        console.send("d");
        console.wait_for("read-only mode");
        console.send("q");
        console.wait_exit(QUIT);
    })
    .await
    .expect("console session");
    assert_eq!(common::all_uploads(&s3, &bucket).await.len(), 1);
    assert!(
        !state.path().join("partsweep/journal.jsonl").exists(),
        "a refused write is not a write"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dead_endpoint_is_shown_not_crashed_on() {
    let state = tempfile::tempdir().expect("state dir");
    let state_home = state.path().to_owned();
    let mut console = tokio::task::spawn_blocking(move || {
        spawn_console(Some("http://127.0.0.1:9"), &state_home, &[], None)
    })
    .await
    .expect("spawn");
    tokio::task::spawn_blocking(move || {
        console.wait_for("listing buckets");
        console.send("q");
        assert!(console.wait_exit(QUIT).success());
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
    let mut console = tokio::task::spawn_blocking(move || {
        spawn_console(None, &config_home, &[], Some(&config_home))
    })
    .await
    .expect("spawn");
    let bucket_name = bucket.clone();
    tokio::task::spawn_blocking(move || {
        console.wait_for(&bucket_name);
        console.send(&format!("/{bucket_name}\r"));
        console.send("u");
        console.wait_for("rebind/00001.bin");
        console.wait_for(" x  abort upload ");
        console.send("d");
        assert!(
            !console.text().contains("Abort incomplete upload"),
            "d no longer aborts:\n{}",
            console.text()
        );
        console.send("?");
        console.wait_for("x             abort upload");
        console.send("?");
        console.send("x");
        console.wait_for("Abort incomplete upload");
        console.send("y");
        console.wait_for("aborted the upload");
        console.send("q");
        assert!(console.wait_exit(QUIT).success());
    })
    .await
    .expect("console session");
    assert_eq!(common::all_uploads(&s3, &bucket).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mistake_in_the_keybindings_file_stops_the_console_and_names_the_line() {
    let home = keybindings("[uploads]\n\ndelet = [\"x\"]\n");
    let config_home = home.path().to_owned();
    let mut console = tokio::task::spawn_blocking(move || {
        spawn_console(
            Some("http://127.0.0.1:9"),
            &config_home,
            &[],
            Some(&config_home),
        )
    })
    .await
    .expect("spawn");
    tokio::task::spawn_blocking(move || {
        console.wait_for("keybindings.toml line 3: unknown action 'delet' in [uploads]");
        assert!(!console.wait_exit(QUIT).success());
    })
    .await
    .expect("console session");
}

/// Opens the console with `-v` and a state directory of its own, waits for `bucket`, quits.
fn verbose_console_session(bucket: String, state_home: String) {
    let mut console = spawn_console_with_env(
        None,
        &["-v"],
        None,
        &[("XDG_STATE_HOME", state_home.as_str())],
    );
    console.wait_for(&bucket);
    console.send("q");
    assert!(console.wait_exit(QUIT).success());
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
    let mut console = tokio::task::spawn_blocking(|| {
        spawn_console_with_env(None, &[], None, &[("PARTSWEEP_PANIC_FOR_TEST", "1")])
    })
    .await
    .expect("spawn");
    let (status, raw) = tokio::task::spawn_blocking(move || {
        let status = console.wait_exit(Duration::from_secs(30));
        (status, console.raw())
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
