//! One real Garage server per test binary, and unique bucket names per test.
#![allow(dead_code)]

use std::io::Read;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub mod cli;
pub mod pty;

use partsweep::demo::garage::{GarageServer, find_binary};
use partsweep::s3::{ConnectOptions, S3};

struct Shared {
    options: ConnectOptions,
    // Kept alive for the whole test binary; its watchdog stops garage when the process exits.
    _server: Option<GarageServer>,
}

static SERVER: OnceLock<Shared> = OnceLock::new();

fn shared() -> &'static Shared {
    SERVER.get_or_init(|| {
        std::thread::spawn(|| {
            let runtime = tokio::runtime::Runtime::new().expect("runtime for garage start-up");
            runtime.block_on(async {
                let binary = find_binary(None).expect(
                    "garage is needed for these tests: run scripts/test.sh, which installs it",
                );
                let server = GarageServer::start(&binary).await.expect("garage starts");
                Shared {
                    options: server.connect_options(),
                    _server: Some(server),
                }
            })
        })
        .join()
        .expect("garage start-up thread")
    })
}

/// How to reach the test server.
pub fn options() -> ConnectOptions {
    shared().options.clone()
}

/// A client for this test's runtime.
pub async fn client() -> S3 {
    S3::connect(&options()).await
}

/// A bucket name no other test uses (S3 names: lowercase, digits, dashes).
pub fn unique_bucket(label: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("t-{label}-{}-{n}-{nanos:x}", std::process::id())
}

/// Creates a fresh bucket and returns its name.
pub async fn bucket(s3: &S3, label: &str) -> String {
    let name = unique_bucket(label);
    s3.create_bucket(&name).await.expect("create bucket");
    name
}

/// Starts `n` incomplete uploads under `prefix`, returning (key, upload id) pairs.
pub async fn start_uploads(s3: &S3, bucket: &str, prefix: &str, n: usize) -> Vec<(String, String)> {
    use futures::{StreamExt, TryStreamExt, stream};
    stream::iter(0..n)
        .map(|i| async move {
            let key = format!("{prefix}{i:05}.bin");
            let id = s3.create_upload(bucket, &key).await?;
            Ok::<_, partsweep::s3::S3Error>((key, id))
        })
        .buffer_unordered(32)
        .try_collect()
        .await
        .expect("create uploads")
}

/// Every upload left in a bucket.
pub async fn all_uploads(s3: &S3, bucket: &str) -> Vec<partsweep::s3::Upload> {
    use futures::TryStreamExt;
    let pages: Vec<Vec<_>> = s3
        .list_uploads(bucket, None, None)
        .try_collect()
        .await
        .expect("list uploads");
    pages.into_iter().flatten().collect()
}

/// What `abort_all` takes, from the pairs `start_uploads` returns.
pub fn refs(uploads: &[(String, String)]) -> Vec<partsweep::s3::UploadRef> {
    uploads
        .iter()
        .map(|(key, upload_id)| partsweep::s3::UploadRef::new(key.clone(), upload_id.clone()))
        .collect()
}

/// Draws the console into a fixed-size test terminal, as the event loop does before a frame.
pub fn draw(
    app: &mut partsweep::app::App,
    width: u16,
    height: u16,
) -> ratatui::backend::TestBackend {
    app.settle();
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(width, height))
        .expect("test terminal");
    terminal
        .draw(|frame| partsweep::ui::draw(frame, app))
        .expect("draw");
    terminal.backend().clone()
}

/// Longer than any command a test runs takes on a busy machine; a hang fails the test instead
/// of stalling the run.
pub const CHILD_TIMEOUT: Duration = Duration::from_secs(120);

/// Waits for `child`, killing it and failing the test once it has run for [`CHILD_TIMEOUT`].
pub fn wait_or_kill(child: &mut Child, what: &str) -> ExitStatus {
    let deadline = Instant::now() + CHILD_TIMEOUT;
    loop {
        if let Some(status) = child.try_wait().expect("wait for child") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} was still running after {CHILD_TIMEOUT:?}; killed");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Everything a child writes to `pipe`, read on a thread of its own so the child never blocks.
pub fn read_all(pipe: Option<impl Read + Send + 'static>) -> JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        bytes
    })
}

/// `Command::output`, with stdin closed and a timeout.
pub fn output_within_timeout(command: &mut Command) -> Output {
    let what = format!("{command:?}");
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let stdout = read_all(child.stdout.take());
    let stderr = read_all(child.stderr.take());
    let status = wait_or_kill(&mut child, &what);
    Output {
        status,
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
    }
}

/// One key press into the app, as the event loop delivers it; the commands it gave.
pub fn key(
    app: &mut partsweep::app::App,
    code: ratatui::crossterm::event::KeyCode,
) -> Vec<partsweep::action::Command> {
    app.update(partsweep::action::Action::Key(
        ratatui::crossterm::event::KeyEvent::from(code),
    ))
}

/// Each character of `text` as a key press; every command they gave.
pub fn keys(app: &mut partsweep::app::App, text: &str) -> Vec<partsweep::action::Command> {
    text.chars()
        .flat_map(|c| key(app, ratatui::crossterm::event::KeyCode::Char(c)))
        .collect()
}

/// The keys of every object in `bucket` under `prefix`, sorted.
pub async fn object_keys(s3: &S3, bucket: &str, prefix: &str) -> Vec<String> {
    use futures::TryStreamExt;
    let mut keys: Vec<String> = s3
        .list_all_objects(bucket, prefix)
        .try_collect::<Vec<_>>()
        .await
        .expect("list objects")
        .concat()
        .into_iter()
        .map(|entry| entry.key)
        .collect();
    keys.sort();
    keys
}

pub async fn bucket_exists(s3: &S3, bucket: &str) -> bool {
    s3.list_buckets()
        .await
        .expect("list buckets")
        .iter()
        .any(|b| b.name == bucket)
}
