//! The real binary through the test proxy: exit codes when the server fails some or all
//! aborts, and a second Ctrl-C that exits at once with 130.

mod common;
mod proxy;

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::cli::{Invocation, invocation};
use partsweep::s3::ConnectOptions;
use proxy::{Proxy, Rules, Stall, Storm};

const CHILD_TIMEOUT: Duration = Duration::from_secs(120);

/// partsweep started against `options`' server with a config and state directory of its own
/// (kept alive by the returned invocation), stdout and stderr piped.
fn spawn(options: &ConnectOptions, args: &[&str]) -> (Invocation, Child) {
    let run = invocation(options, args);
    let child = run
        .command()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn partsweep");
    (run, child)
}

/// Waits for `child` at most `limit`, killing it after; returns the code and stderr.
fn finish(mut child: Child, limit: Duration) -> (Option<i32>, String, Duration) {
    let started = Instant::now();
    let mut stderr = child.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            break child.wait().expect("wait after kill");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    (
        status.code(),
        reader.join().expect("stderr reader"),
        started.elapsed(),
    )
}

fn interrupt(child: &Child) {
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill -INT");
    assert!(sent.success());
}

fn run(options: &ConnectOptions, args: &[&str]) -> (Option<i32>, String) {
    let (_run, child) = spawn(options, args);
    let (code, stderr, _) = finish(child, CHILD_TIMEOUT);
    (code, stderr)
}

#[tokio::test]
async fn clear_exits_3_when_the_server_refuses_some_aborts_and_1_when_it_refuses_all() {
    let garage = common::client().await;
    let bucket = common::bucket(&garage, "cli-denied").await;
    common::start_uploads(&garage, &bucket, "", 40).await;
    let proxy = Proxy::start(
        &common::options(),
        Rules {
            storm: Some(Storm::denied(0.5)),
            fault_methods: vec!["DELETE".into()],
            seed: 3,
            ..Rules::default()
        },
    );
    let (code, stderr) = run(&proxy.options(), &["clear", &bucket, "--yes"]);
    assert_eq!(code, Some(3), "{stderr}");
    let left = common::all_uploads(&garage, &bucket).await.len();
    assert!(left > 0 && left < 40, "{left} left");

    proxy.set_rules(Rules {
        storm: Some(Storm::denied(1.0)),
        fault_methods: vec!["DELETE".into()],
        ..Rules::default()
    });
    let (code, stderr) = run(&proxy.options(), &["clear", &bucket, "--yes"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(common::all_uploads(&garage, &bucket).await.len(), left);
}

#[tokio::test]
async fn a_second_ctrl_c_exits_130_at_once_and_says_what_is_known() {
    let garage = common::client().await;
    let bucket = common::bucket(&garage, "cli-twice").await;
    common::start_uploads(&garage, &bucket, "", 50).await;
    // Every abort hangs for a minute: the first Ctrl-C waits for them, the second does not.
    let proxy = Proxy::start(
        &common::options(),
        Rules {
            stall: Some(Stall {
                share: 1.0,
                duration: Duration::from_secs(60),
            }),
            fault_methods: vec!["DELETE".into()],
            ..Rules::default()
        },
    );
    let (_run, child) = spawn(
        &proxy.options(),
        &["clear", &bucket, "--yes", "--concurrency", "4"],
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while !proxy.seen().iter().any(|seen| seen.method == "DELETE") {
        assert!(Instant::now() < deadline, "no abort was sent");
        std::thread::sleep(Duration::from_millis(50));
    }
    interrupt(&child);
    std::thread::sleep(Duration::from_millis(500));
    interrupt(&child);
    let (code, stderr, waited) = finish(child, Duration::from_secs(20));
    assert_eq!(code, Some(130), "{stderr}");
    assert!(waited < Duration::from_secs(5), "{waited:?}: {stderr}");
    assert!(stderr.contains("cancelling"), "{stderr}");
    assert!(stderr.contains("stopped at once"), "{stderr}");
    assert_eq!(common::all_uploads(&garage, &bucket).await.len(), 50);
}

#[tokio::test]
async fn rb_force_stopped_by_ctrl_c_then_a_second_one_skips_the_recount_with_130() {
    let garage = common::client().await;
    let bucket = common::bucket(&garage, "cli-rb-twice").await;
    garage
        .put_object(&bucket, "kept.txt", b"x".to_vec())
        .await
        .expect("put");
    common::start_uploads(&garage, &bucket, "", 20).await;
    let proxy = Proxy::start(
        &common::options(),
        Rules {
            stall: Some(Stall {
                share: 1.0,
                duration: Duration::from_secs(2),
            }),
            fault_methods: vec!["DELETE".into()],
            ..Rules::default()
        },
    );
    let (_run, child) = spawn(&proxy.options(), &["rb", &bucket, "--force", "--yes"]);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !proxy.seen().iter().any(|seen| seen.method == "DELETE") {
        assert!(Instant::now() < deadline, "no abort was sent");
        std::thread::sleep(Duration::from_millis(50));
    }
    // From now on every listing, the count of what is left included, takes 20 s a page.
    proxy.set_rules(Rules {
        latency: Duration::from_secs(20),
        ..Rules::default()
    });
    interrupt(&child);
    // The stalled aborts end after 2 s; then the count of what is left starts.
    std::thread::sleep(Duration::from_secs(4));
    interrupt(&child);
    let (code, stderr, waited) = finish(child, Duration::from_secs(20));
    assert_eq!(code, Some(130), "{stderr}");
    assert!(waited < Duration::from_secs(5), "{waited:?}: {stderr}");
    assert!(stderr.contains("stopped during"), "{stderr}");
}
