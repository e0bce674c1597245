//! The `partsweep` binary run headless, as a script would, against a real Garage server.

mod common;
mod proxy;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::cli::{Run, invocation, partsweep_at};
use common::{CHILD_TIMEOUT, output_within_timeout, read_all, wait_or_kill};

use serde_json::Value;

/// Runs partsweep in a pseudo-terminal, answers its first question with `answer`, and
/// returns the exit code and everything the terminal showed.
fn partsweep_in_terminal(args: &[&str], question: &str, answer: &str) -> (u32, String) {
    in_terminal(args, Some((question, answer)))
}

/// Runs partsweep in a pseudo-terminal to its end, answering `question` if one is given.
fn in_terminal(args: &[&str], question: Option<(&str, &str)>) -> (u32, String) {
    let invocation = invocation(&common::options(), args);
    let mut console = invocation.in_terminal(40, 200);
    if let Some((question, answer)) = question {
        console.wait_for_raw(question);
        console.send(answer);
    }
    let status = console.wait_exit(CHILD_TIMEOUT);
    (status.exit_code(), console.raw())
}

fn partsweep(args: &[&str]) -> Run {
    partsweep_at(&common::options(), args)
}

async fn upload_ids(s3: &partsweep::s3::S3, bucket: &str) -> BTreeSet<String> {
    common::all_uploads(s3, bucket)
        .await
        .into_iter()
        .map(|upload| upload.upload_id.to_string())
        .collect()
}

/// A Garage of the test's own, for listings of every bucket: on the shared server another
/// test may delete a bucket between ListBuckets and the listing of its uploads, and the run
/// would be partial (exit 3) for a reason that has nothing to do with the test.
async fn own_server() -> partsweep::demo::garage::GarageServer {
    let binary = partsweep::demo::garage::find_binary(None).expect("garage binary");
    partsweep::demo::garage::GarageServer::start(&binary)
        .await
        .expect("garage starts")
}

fn field<'a>(value: &'a Value, name: &str) -> &'a str {
    value[name]
        .as_str()
        .unwrap_or_else(|| panic!("{name} is not a string in {value}"))
}

#[tokio::test]
async fn buckets_lists_names_and_with_uploads_their_totals() {
    let server = own_server().await;
    let s3 = server.client().await;
    let bucket = common::bucket(&s3, "cli-buckets").await;
    let empty = common::bucket(&s3, "cli-buckets-empty").await;
    let uploads = common::start_uploads(&s3, &bucket, "big/", 3).await;
    let (key, id) = &uploads[0];
    s3.upload_part(&bucket, key, id, 1, vec![b'x'; 1000])
        .await
        .expect("upload part");
    let options = server.connect_options();

    let table = partsweep_at(&options, &["buckets"]);
    assert_eq!(table.code, 0, "{table:?}");
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert!(lines[0].starts_with("NAME"), "{table:?}");
    let mut names: Vec<&str> = lines[1..]
        .iter()
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    names.sort();
    let mut ours = [bucket.as_str(), empty.as_str()];
    ours.sort();
    assert_eq!(names, ours, "{table:?}");

    let json = partsweep_at(&options, &["buckets", "--uploads", "--json"]);
    assert_eq!(json.code, 0, "{json:?}");
    let rows = json.json();
    let rows = rows.as_array().expect("an array of buckets");
    assert_eq!(rows.len(), 2, "{json:?}");
    let row = |name: &str| {
        rows.iter()
            .find(|row| row["name"] == name)
            .unwrap_or_else(|| panic!("{name} is listed: {json:?}"))
    };
    assert_eq!(row(&bucket)["uploads"], 3);
    assert_eq!(row(&bucket)["parts"], 1);
    assert_eq!(row(&bucket)["bytes"], 1000);
    assert!(row(&bucket)["oldest"].is_string(), "{json:?}");
    assert!(row(&bucket)["created"].is_string(), "{json:?}");
    assert_eq!(row(&empty)["uploads"], 0);
    assert!(row(&empty)["oldest"].is_null(), "{json:?}");
}

#[tokio::test]
async fn ls_shows_one_folder_level_in_every_format() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "cli-ls").await;
    for key in ["top.txt", "photos/a.jpg", "photos/2024/b.jpg"] {
        s3.put_object(&bucket, key, b"12345".to_vec())
            .await
            .expect("put");
    }

    let json = partsweep(&["ls", &bucket, "--json"]);
    assert_eq!(json.code, 0, "{json:?}");
    let mut seen: Vec<(String, String, Value)> = json
        .json()
        .as_array()
        .expect("array")
        .iter()
        .map(|row| {
            (
                field(row, "kind").to_owned(),
                field(row, "key").to_owned(),
                row["size"].clone(),
            )
        })
        .collect();
    seen.sort_by(|a, b| a.1.cmp(&b.1));
    assert_eq!(
        seen,
        [
            ("folder".into(), "photos/".into(), Value::Null),
            ("file".into(), "top.txt".into(), Value::from(5)),
        ]
    );

    // A prefix without its slash still means the folder.
    let table = partsweep(&["ls", &format!("{bucket}/photos")]);
    assert_eq!(table.code, 0, "{table:?}");
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{table:?}");
    assert!(lines[0].starts_with("KIND"), "{table:?}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("folder") && l.ends_with("2024/"))
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("file") && l.ends_with("a.jpg"))
    );

    let jsonl = partsweep(&["ls", &format!("{bucket}/photos/"), "--jsonl"]);
    assert_eq!(jsonl.json_lines().len(), 2, "{jsonl:?}");
}

#[tokio::test]
async fn uploads_json_matches_what_the_server_holds_and_tables_escape_hostile_keys() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "cli-uploads").await;
    let mut created = common::start_uploads(&s3, &bucket, "data/", 4).await;
    // Garage cannot send C0 escapes in its XML, so the hostile key uses a bidi override and a tab.
    let hostile = "weird/rtl-\u{202e}gpj.exe\tx";
    let id = s3.create_upload(&bucket, hostile).await.expect("upload");
    created.push((hostile.to_owned(), id));

    let json = partsweep(&["uploads", &bucket, "--json"]);
    assert_eq!(json.code, 0, "{json:?}");
    let rows = json.json();
    let rows = rows.as_array().expect("array");
    let listed: BTreeSet<(String, String)> = rows
        .iter()
        .map(|row| {
            (
                field(row, "key").to_owned(),
                field(row, "upload_id").to_owned(),
            )
        })
        .collect();
    // What the server answered when each upload was made, not another listing: a listing
    // bug shared by both would hide itself.
    assert_eq!(rows.len(), created.len(), "{json:?}");
    assert_eq!(listed, created.into_iter().collect());
    assert!(
        listed.iter().any(|(key, _)| key == hostile),
        "keys are exact in JSON"
    );
    for row in rows {
        assert_eq!(field(row, "bucket"), bucket);
        let initiated = field(row, "initiated");
        time::OffsetDateTime::parse(initiated, &time::format_description::well_known::Rfc3339)
            .expect("initiated is RFC 3339");
        assert!(row.get("storage_class").is_some() && row["parts"].is_null());
    }

    let with_parts = partsweep(&["uploads", &format!("{bucket}/data/"), "--parts", "--jsonl"]);
    assert_eq!(with_parts.code, 0, "{with_parts:?}");
    let lines = with_parts.json_lines();
    assert_eq!(lines.len(), 4, "the prefix leaves the hostile key out");
    assert!(
        lines
            .iter()
            .all(|row| row["parts"] == 0 && row["bytes"] == 0)
    );

    let table = partsweep(&["uploads", &bucket]);
    assert_eq!(table.code, 0, "{table:?}");
    assert!(
        !table.stdout.contains('\u{202e}') && !table.stdout.contains('\t'),
        "raw control text reached the terminal: {table:?}"
    );
    assert!(
        table.stdout.contains("weird/rtl-\\u{202e}gpj.exe\\tx"),
        "{table:?}"
    );
    assert_eq!(
        table.stdout.lines().count(),
        6,
        "header and five uploads: {table:?}"
    );
}

#[tokio::test]
async fn uploads_with_no_bucket_named_covers_every_bucket() {
    let server = own_server().await;
    let s3 = server.client().await;
    let first = common::bucket(&s3, "cli-all-a").await;
    let second = common::bucket(&s3, "cli-all-b").await;
    let mut created = common::start_uploads(&s3, &first, "", 2).await;
    created.extend(common::start_uploads(&s3, &second, "", 3).await);

    let run = partsweep_at(&server.connect_options(), &["uploads", "--jsonl"]);
    assert_eq!(run.code, 0, "{run:?}");
    let rows = run.json_lines();
    let count_in = |bucket: &str| rows.iter().filter(|row| row["bucket"] == bucket).count();
    assert_eq!((count_in(&first), count_in(&second)), (2, 3), "{run:?}");
    let listed: BTreeSet<(String, String)> = rows
        .iter()
        .map(|row| {
            (
                field(row, "key").to_owned(),
                field(row, "upload_id").to_owned(),
            )
        })
        .collect();
    assert_eq!(listed, created.into_iter().collect(), "{run:?}");
}

#[tokio::test]
async fn abort_removes_the_upload_and_a_second_abort_says_already_gone() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "cli-abort").await;
    let uploads = common::start_uploads(&s3, &bucket, "", 2).await;
    let (key, id) = &uploads[0];

    let first = partsweep(&["abort", &bucket, key, id]);
    assert_eq!(first.code, 0, "{first:?}");
    assert!(first.stdout.starts_with("aborted "), "{first:?}");
    assert_eq!(
        upload_ids(&s3, &bucket).await,
        BTreeSet::from([uploads[1].1.clone()])
    );

    let again = partsweep(&["abort", &bucket, key, id, "--json"]);
    assert_eq!(again.code, 0, "{again:?}");
    assert_eq!(again.json()["outcome"], "already_gone");
}

#[tokio::test]
async fn clear_dry_run_prints_the_uploads_and_changes_nothing() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "cli-dry").await;
    common::start_uploads(&s3, &bucket, "", 3).await;
    let before = upload_ids(&s3, &bucket).await;

    let run = partsweep(&["clear", &bucket, "--dry-run", "--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let report = run.json();
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["summary"]["listed"], 3);
    assert_eq!(report["summary"]["aborted"], 0);
    let planned: BTreeSet<String> = report["uploads"]
        .as_array()
        .expect("uploads")
        .iter()
        .map(|row| field(row, "upload_id").to_owned())
        .collect();
    assert_eq!(planned, before);
    assert!(run.stderr.contains("would abort 3 uploads"), "{run:?}");
    assert_eq!(upload_ids(&s3, &bucket).await, before);
}

#[tokio::test]
async fn clear_with_yes_aborts_exactly_the_prefix() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "cli-clear").await;
    common::start_uploads(&s3, &bucket, "junk/", 25).await;
    let keep = common::start_uploads(&s3, &bucket, "keep/", 2).await;

    let run = partsweep(&[
        "clear",
        &format!("{bucket}/junk/"),
        "--yes",
        "--concurrency",
        "4",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("aborted 25 of 25 uploads")
            && run.stdout.contains("failed 0, not attempted 0"),
        "{run:?}"
    );
    let kept: BTreeSet<String> = keep.into_iter().map(|(_, id)| id).collect();
    assert_eq!(upload_ids(&s3, &bucket).await, kept);
}

#[tokio::test]
async fn clear_older_than_leaves_newer_uploads() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "cli-older").await;
    let old: BTreeSet<String> = common::start_uploads(&s3, &bucket, "old/", 3)
        .await
        .into_iter()
        .map(|(_, id)| id)
        .collect();
    // Start times have one-second resolution: a 3 s gap against a 2 s limit leaves
    // a full second of margin on both sides.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let new: BTreeSet<String> = common::start_uploads(&s3, &bucket, "new/", 2)
        .await
        .into_iter()
        .map(|(_, id)| id)
        .collect();

    let run = partsweep(&["clear", &bucket, "--older-than", "2s", "--yes", "--jsonl"]);
    assert_eq!(run.code, 0, "{run:?}");
    let aborted: BTreeSet<String> = run
        .json_lines()
        .iter()
        .inspect(|row| assert_eq!(row["outcome"], "aborted"))
        .map(|row| field(row, "upload_id").to_owned())
        .collect();
    assert_eq!(aborted, old);
    assert_eq!(upload_ids(&s3, &bucket).await, new);
}

#[tokio::test]
async fn clear_without_yes_and_without_a_terminal_refuses_with_exit_2() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "cli-refuse").await;
    common::start_uploads(&s3, &bucket, "", 3).await;
    let before = upload_ids(&s3, &bucket).await;

    let run = partsweep(&["clear", &bucket]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .contains("refusing to abort 3 uploads without --yes"),
        "{run:?}"
    );
    assert_eq!(upload_ids(&s3, &bucket).await, before);
}

#[tokio::test]
async fn clear_on_a_terminal_asks_first_and_a_no_aborts_nothing() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "cli-ask").await;
    common::start_uploads(&s3, &bucket, "", 3).await;
    let before = upload_ids(&s3, &bucket).await;
    let question = format!("Abort 3 uploads in bucket {bucket}? [y/N]");

    let (code, shown) = partsweep_in_terminal(&["clear", &bucket], &question, "n\r");
    assert_eq!(code, 1, "{shown}");
    assert!(shown.contains("nothing aborted"), "{shown}");
    assert_eq!(upload_ids(&s3, &bucket).await, before);

    let (code, shown) = partsweep_in_terminal(&["clear", &bucket], &question, "y\r");
    assert_eq!(code, 0, "{shown}");
    assert!(shown.contains("aborted 3 of 3 uploads"), "{shown}");
    assert!(upload_ids(&s3, &bucket).await.is_empty());
}

#[tokio::test]
async fn read_only_refuses_abort_and_clear_but_allows_a_dry_run() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "cli-ro").await;
    let uploads = common::start_uploads(&s3, &bucket, "", 2).await;
    let before = upload_ids(&s3, &bucket).await;
    let (key, id) = &uploads[0];

    let abort = partsweep(&["--read-only", "abort", &bucket, key, id]);
    assert_eq!(abort.code, 1, "{abort:?}");
    assert!(
        abort.stderr.contains("read-only mode: abort refused"),
        "{abort:?}"
    );

    let clear = partsweep(&["clear", &bucket, "--yes", "--read-only"]);
    assert_eq!(clear.code, 1, "{clear:?}");
    assert!(clear.stderr.contains("read-only mode"), "{clear:?}");

    let dry = partsweep(&["--read-only", "clear", &bucket, "--dry-run"]);
    assert_eq!(dry.code, 0, "{dry:?}");
    assert_eq!(upload_ids(&s3, &bucket).await, before);
}

#[tokio::test]
async fn read_only_refuses_lifecycle_changes_and_rb_with_exit_1() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "cli-ro-rb").await;
    let b = bucket.as_str();
    common::start_uploads(&s3, b, "", 2).await;
    let add = partsweep(&["lifecycle", b, "add-abort", "--days", "7", "--id", "keep"]);
    assert_eq!(add.code, 0, "{add:?}");
    let rules = s3.lifecycle_rules(b).await.expect("rules");

    for args in [
        &["--read-only", "lifecycle", b, "add-abort", "--days", "3"][..],
        &["--read-only", "lifecycle", b, "rm", "keep", "--json"],
        &["--read-only", "rb", b],
        &["--read-only", "rb", b, "--force", "--yes"],
        &["--read-only", "rb", b, "--force", "--yes", "--jsonl"],
    ] {
        let run = partsweep(args);
        assert_eq!(run.code, 1, "{args:?}: {run:?}");
        assert!(
            run.stderr.contains("read-only mode") && run.stderr.contains("refused"),
            "{args:?}: {run:?}"
        );
    }
    let listed = partsweep(&["--read-only", "lifecycle", b, "--jsonl"]);
    assert_eq!(listed.code, 0, "listing still works: {listed:?}");
    assert_eq!(s3.lifecycle_rules(b).await.expect("rules"), rules);
    assert_eq!(common::all_uploads(&s3, b).await.len(), 2);
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["uploads", "some-bucket", "--older-than", "soon"][..],
        &["uploads", "--frobnicate"],
        &["clear"],
        &["ls"],
        &["ls", "/no-bucket"],
        &["abort", "some-bucket", "key-without-upload-id"],
        &["uploads", "--json", "--jsonl"],
        &["buckets", "--jsonl", "--json"],
        &["--concurrency", "0", "buckets"],
        &["lifecycle"],
        &["lifecycle", "some-bucket", "frobnicate"],
        &["lifecycle", "some-bucket", "add-abort"],
        &["lifecycle", "some-bucket", "add-abort", "--days", "soon"],
        &[
            "lifecycle",
            "some-bucket",
            "rm",
            "an-id",
            "--json",
            "--jsonl",
        ],
        &["rb"],
        &["rb", "some-bucket", "--frobnicate"],
        &["rb", "some-bucket", "--json", "--jsonl"],
        &["completions", "klingon"],
    ] {
        let run = partsweep(args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(run.stdout.is_empty(), "{args:?}: {run:?}");
    }
}

#[test]
fn a_config_file_with_a_typo_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "regoin = \"garage\"\n").expect("write config");
    let config = config.display().to_string();
    for command in [
        &["buckets"][..],
        &["rb", "some-bucket"],
        &["lifecycle", "some-bucket"],
    ] {
        let run = partsweep(&[&["--config", config.as_str()][..], command].concat());
        assert_eq!(run.code, 2, "{command:?}: {run:?}");
        assert!(
            run.stderr.contains("config") && run.stderr.contains("regoin"),
            "{command:?}: {run:?}"
        );
    }
}

#[test]
fn a_server_error_is_explained_with_exit_1() {
    let missing = common::unique_bucket("cli-missing");
    let run = partsweep(&["uploads", &missing]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains(&missing) && run.stderr.contains("NoSuchBucket"),
        "{run:?}"
    );
}

#[test]
fn completions_bash_prints_a_script() {
    let output = output_within_timeout(
        Command::new(env!("CARGO_BIN_EXE_partsweep")).args(["completions", "bash"]),
    );
    assert!(output.status.success());
    let script = String::from_utf8_lossy(&output.stdout);
    assert!(script.contains("_partsweep()"), "{script}");
    assert!(script.contains("complete -F _partsweep"), "{script}");
    assert!(script.contains("--older-than"), "{script}");
}

/// The `-c CONFIG` a running garage was started with, so its own CLI can administer it.
fn garage_config(server: &partsweep::demo::garage::GarageServer) -> std::path::PathBuf {
    let pid = server.pid().expect("garage pid");
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).expect("garage cmdline");
    let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
    let at = args
        .iter()
        .position(|a| *a == b"-c")
        .expect("-c in cmdline");
    Path::new(std::str::from_utf8(args[at + 1]).expect("utf-8 path")).to_owned()
}

fn garage_admin(binary: &Path, config: &Path, args: &[&str]) {
    let output = output_within_timeout(Command::new(binary).arg("-c").arg(config).args(args));
    assert!(
        output.status.success(),
        "garage {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn a_key_denied_on_some_buckets_makes_uploads_buckets_and_rb_partial_with_exit_3() {
    // A server of its own: this test hands out a key that may only write to one bucket,
    // so ListBuckets shows that bucket but listing its uploads is denied; and a key that may
    // empty a bucket but not delete it (DeleteBucket needs the owner permission).
    let binary = partsweep::demo::garage::find_binary(None).expect("garage binary");
    let server = partsweep::demo::garage::GarageServer::start(&binary)
        .await
        .expect("garage starts");
    let config = garage_config(&server);
    let (key_id, secret) = ("GK0123456789abcdef01234567", "0".repeat(64));
    garage_admin(
        &binary,
        &config,
        &["key", "import", key_id, &secret, "--yes"],
    );
    // Buckets made with garage's own CLI have global names its `bucket allow` can find.
    for bucket in ["readable", "write-only"] {
        garage_admin(&binary, &config, &["bucket", "create", bucket]);
        let allow_owner = [
            "bucket", "allow", "--read", "--write", "--owner", bucket, "--key",
        ];
        garage_admin(
            &binary,
            &config,
            &[&allow_owner[..], &[&server.access_key]].concat(),
        );
    }
    let owner = server.client().await;
    common::start_uploads(&owner, "readable", "", 2).await;
    common::start_uploads(&owner, "write-only", "", 2).await;

    garage_admin(
        &binary,
        &config,
        &["bucket", "allow", "--read", "readable", "--key", key_id],
    );
    garage_admin(
        &binary,
        &config,
        &["bucket", "allow", "--write", "write-only", "--key", key_id],
    );

    let mut limited = server.connect_options();
    limited.static_keys = Some((key_id.to_owned(), secret.clone()));
    let run = partsweep_at(&limited, &["uploads", "--jsonl"]);
    assert_eq!(run.code, 3, "{run:?}");
    let rows = run.json_lines();
    assert_eq!(rows.len(), 2, "{run:?}");
    assert!(rows.iter().all(|row| row["bucket"] == "readable"));
    assert!(
        run.stderr.contains("write-only") && run.stderr.contains("AccessDenied"),
        "{run:?}"
    );

    let clear = partsweep_at(&limited, &["clear", "write-only", "--yes"]);
    assert_eq!(clear.code, 1, "{clear:?}");
    assert_eq!(common::all_uploads(&owner, "write-only").await.len(), 2);

    let buckets = partsweep_at(&limited, &["buckets", "--uploads", "--json"]);
    assert_eq!(buckets.code, 3, "{buckets:?}");
    let rows = buckets.json();
    let row = |name: &str| {
        rows.as_array()
            .and_then(|rows| rows.iter().find(|row| row["name"] == name))
            .unwrap_or_else(|| panic!("{name} is listed: {buckets:?}"))
            .clone()
    };
    assert_eq!(row("readable")["uploads"], 2, "{buckets:?}");
    assert!(
        row("write-only")["error"]
            .as_str()
            .is_some_and(|error| error.contains("AccessDenied")),
        "{buckets:?}"
    );

    garage_admin(&binary, &config, &["bucket", "create", "not-mine"]);
    garage_admin(
        &binary,
        &config,
        &[
            "bucket", "allow", "--read", "--write", "not-mine", "--key", key_id,
        ],
    );
    let not_mine = partsweep::s3::S3::connect(&limited).await;
    not_mine
        .put_object("not-mine", "file.txt", b"x".to_vec())
        .await
        .expect("put");
    common::start_uploads(&not_mine, "not-mine", "", 2).await;
    let rb = partsweep_at(&limited, &["rb", "not-mine", "--force", "--yes", "--json"]);
    assert_eq!(rb.code, 3, "emptied but not deleted: {rb:?}");
    let report = rb.json();
    assert_eq!(report["outcome"], "refused", "{rb:?}");
    assert_eq!(report["exit_code"], 3, "{rb:?}");
    assert_eq!(report["uploads_aborted"], 2, "{rb:?}");
    assert_eq!(report["objects_deleted"], 1, "{rb:?}");
    assert!(
        rb.stdout.contains("AccessDenied"),
        "the server's reason: {rb:?}"
    );
    assert!(rb.stderr.contains("could not be deleted"), "{rb:?}");
    assert!(
        not_mine
            .list_buckets()
            .await
            .expect("list")
            .iter()
            .any(|bucket| bucket.name == "not-mine"),
        "the bucket is still there"
    );
}

#[tokio::test]
async fn lifecycle_subcommand_adds_lists_and_removes_an_abort_rule() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "cli-lc").await;
    let b = bucket.as_str();
    let add = partsweep(&[
        "lifecycle",
        b,
        "add-abort",
        "--days",
        "7",
        "--id",
        "abort-7d",
    ]);
    assert_eq!(add.code, 0, "{add:?}");
    let list = partsweep(&["lifecycle", b, "--json"]);
    assert_eq!(list.code, 0, "{list:?}");
    let rules = list.json();
    assert_eq!(rules.as_array().map(Vec::len), Some(1), "{rules}");
    assert!(list.stdout.contains("abort-7d"), "{}", list.stdout);
    let bad = partsweep(&["lifecycle", b, "add-abort", "--days", "0"]);
    assert_eq!(bad.code, 2, "{bad:?}");
    let read_only = partsweep(&["--read-only", "lifecycle", b, "rm", "abort-7d"]);
    assert_eq!(read_only.code, 1, "{read_only:?}");
    assert!(read_only.stderr.contains("read-only"), "{read_only:?}");
    let rm = partsweep(&["lifecycle", b, "rm", "abort-7d"]);
    assert_eq!(rm.code, 0, "{rm:?}");
    assert!(s3.lifecycle_rules(b).await.expect("rules").is_empty());
}

#[tokio::test]
async fn lifecycle_takes_jsonl_and_no_color_and_refuses_bad_input_with_exit_2() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "cli-lc-out").await;
    let b = bucket.as_str();
    let add = partsweep(&["lifecycle", b, "add-abort", "--days", "7", "--jsonl"]);
    assert_eq!(add.code, 0, "{add:?}");
    let rules = add.json_lines();
    assert_eq!(rules.len(), 1, "{add:?}");
    assert_eq!(rules[0]["abort_days"], 7);
    assert_eq!(rules[0]["scope"], "bucket");
    assert_eq!(rules[0]["enabled"], true);
    let id = field(&rules[0], "id").to_owned();

    let prefixed = [
        "--no-color",
        "lifecycle",
        b,
        "add-abort",
        "--days",
        "2",
        "--prefix",
        "tmp/",
        "--id",
        "abort-tmp",
    ];
    let table = partsweep(&prefixed);
    assert_eq!(table.code, 0, "{table:?}");
    assert!(table.stdout.starts_with("INDEX  ID"), "{table:?}");
    assert!(
        table.stdout.contains(&id) && table.stdout.contains("abort-tmp"),
        "{table:?}"
    );
    assert!(table.stdout.contains("auto-clear: 7d"), "{table:?}");
    assert!(!table.stderr.contains('\x1b'), "{table:?}");
    let before = s3.lifecycle_rules(b).await.expect("rules");

    for args in [
        &["lifecycle", b, "add-abort", "--days", "0"][..],
        &["lifecycle", b, "add-abort", "--days", "3651"],
        &[
            "lifecycle",
            b,
            "add-abort",
            "--days",
            "5",
            "--id",
            "abort-tmp",
        ],
        &["lifecycle", b, "rm", "no-such-rule", "--jsonl"],
    ] {
        let run = partsweep(args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert!(run.stdout.is_empty(), "{args:?}: {run:?}");
    }
    assert_eq!(s3.lifecycle_rules(b).await.expect("rules"), before);

    let listed = partsweep(&["lifecycle", b, "--jsonl", "--no-color"]);
    assert_eq!(listed.code, 0, "{listed:?}");
    assert_eq!(listed.json_lines().len(), 2, "{listed:?}");
}

/// An expiration rule and an abort rule, neither with an id: Garage accepts them.
fn rules_without_ids() -> Vec<partsweep::s3::LifecycleRule> {
    use aws_sdk_s3::types::{
        ExpirationStatus, LifecycleExpiration, LifecycleRule, LifecycleRuleFilter,
    };
    let expire = LifecycleRule::builder()
        .status(ExpirationStatus::Enabled)
        .filter(LifecycleRuleFilter::builder().prefix("logs/").build())
        .expiration(LifecycleExpiration::builder().days(30).build())
        .build()
        .expect("rule");
    let mut abort = partsweep::s3::LifecycleRule::new_abort("x", "", 7, true)
        .expect("rule")
        .sdk()
        .clone();
    abort.id = None;
    [expire, abort]
        .into_iter()
        .map(partsweep::s3::LifecycleRule::from_sdk)
        .collect()
}

#[tokio::test]
async fn lifecycle_rm_refuses_an_id_several_rules_carry_and_takes_the_listed_index() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "cli-lc-index").await;
    let b = bucket.as_str();
    let rules = rules_without_ids();
    s3.put_lifecycle_rules(b, &rules).await.expect("put");

    let rm = partsweep(&["lifecycle", b, "rm", ""]);
    assert_eq!(rm.code, 2, "{rm:?}");
    assert!(
        rm.stderr
            .contains("rule 1 (no id): prefix logs/; expire objects after 30 days")
            && rm
                .stderr
                .contains("rule 2 (no id): whole bucket; abort incomplete uploads"),
        "names both rules: {rm:?}"
    );
    assert!(rm.stderr.contains("--index"), "{rm:?}");
    assert_eq!(s3.lifecycle_rules(b).await.expect("rules"), rules);

    let table = partsweep(&["lifecycle", b]);
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert!(lines[0].starts_with("INDEX  ID"), "{table:?}");
    assert!(lines[2].trim_start().starts_with("2  (no id)"), "{table:?}");
    let listed = partsweep(&["lifecycle", b, "--json"]).json();
    assert_eq!(listed[1]["index"], 2, "{listed}");
    assert_eq!(listed[1]["abort_days"], 7, "{listed}");

    let rm = partsweep(&["lifecycle", b, "rm", "--index", "2", "--json"]);
    assert_eq!(rm.code, 0, "{rm:?}");
    assert_eq!(s3.lifecycle_rules(b).await.expect("rules"), rules[..1]);
}

#[tokio::test]
async fn a_lifecycle_change_whose_read_back_fails_is_written_with_a_warning_and_exit_0() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "cli-lc-readback").await;
    let b = bucket.as_str();
    // Garage stores this id, then answers every read with XML no client can parse.
    let add = partsweep(&[
        "lifecycle",
        b,
        "add-abort",
        "--days",
        "3",
        "--id",
        "bad\u{1}id",
    ]);
    assert_eq!(add.code, 0, "{add:?}");
    assert!(
        add.stderr.contains("warning: changed rule")
            && add.stderr.contains("written; could not read back:"),
        "{add:?}"
    );
    assert!(!add.stderr.contains("cannot change"), "{add:?}");
    assert!(
        s3.lifecycle_rules(b).await.is_err(),
        "the rule is on the server"
    );
    s3.put_lifecycle_rules(b, &[]).await.expect("clean up");
}

#[tokio::test]
async fn a_missing_bucket_is_a_server_error_with_exit_1_for_every_subcommand() {
    let missing = common::unique_bucket("cli-gone");
    let m = missing.as_str();
    for args in [
        &["ls", m][..],
        &["uploads", m, "--json"],
        &["abort", m, "key", "upload-id"],
        &["clear", m, "--yes"],
        &["lifecycle", m],
        &["lifecycle", m, "rm", "an-id", "--jsonl"],
        &["rb", m],
        &["rb", m, "--force", "--yes", "--json"],
    ] {
        let run = partsweep(args);
        assert_eq!(run.code, 1, "{args:?}: {run:?}");
        assert!(
            run.stderr.contains(m) && run.stderr.contains("NoSuchBucket"),
            "{args:?}: {run:?}"
        );
    }
}

#[test]
fn errors_on_a_terminal_are_red_unless_no_color_for_rb_and_lifecycle_too() {
    let missing = common::unique_bucket("cli-colour");
    for command in [["rb", missing.as_str()], ["lifecycle", missing.as_str()]] {
        let (code, shown) = in_terminal(&command, None);
        assert_eq!(code, 1, "{command:?}: {shown}");
        assert!(
            shown.contains("\x1b[31mpartsweep:"),
            "{command:?}: {shown:?}"
        );

        let (code, shown) = in_terminal(&[&["--no-color"][..], &command].concat(), None);
        assert_eq!(code, 1, "{command:?}: {shown}");
        assert!(shown.contains("partsweep: "), "{command:?}: {shown:?}");
        assert!(!shown.contains("\x1b[31m"), "{command:?}: {shown:?}");
    }
}

#[tokio::test]
async fn rb_subcommand_refuses_a_full_bucket_and_force_yes_empties_it() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "cli-rb").await;
    s3.put_object(&bucket, "f/file.txt", b"x".to_vec())
        .await
        .expect("put");
    common::start_uploads(&s3, &bucket, "u/", 3).await;
    let refused = partsweep(&["rb", &bucket]);
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(
        s3.list_buckets()
            .await
            .expect("list")
            .iter()
            .any(|b| b.name == bucket)
    );
    let forced = partsweep(&["rb", &bucket, "--force", "--yes", "--json"]);
    assert_eq!(forced.code, 0, "{forced:?}");
    let report = forced.json();
    assert_eq!(report["outcome"], "deleted", "{forced:?}");
    assert_eq!(report["before"]["incomplete_uploads"], 3, "{forced:?}");
    assert_eq!(report["uploads_aborted"], 3, "{forced:?}");
    assert!(
        !s3.list_buckets()
            .await
            .expect("list")
            .iter()
            .any(|b| b.name == bucket)
    );
}

#[tokio::test]
async fn rb_force_without_yes_and_without_a_terminal_refuses_with_exit_2() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "cli-rb-refuse").await;
    s3.put_object(&bucket, "file.txt", b"x".to_vec())
        .await
        .expect("put");

    let run = partsweep(&["rb", &bucket, "--force"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("without --yes"), "{run:?}");

    let json = partsweep(&["rb", &bucket, "--force", "--json"]);
    assert_eq!(json.code, 2, "{json:?}");
    assert_eq!(json.json()["outcome"], "not_confirmed", "{json:?}");
    assert_eq!(json.json()["exit_code"], 2, "{json:?}");
    assert!(common::bucket_exists(&s3, &bucket).await);
}

#[tokio::test]
async fn rb_force_on_a_terminal_deletes_only_when_the_name_is_typed() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "cli-rb-ask").await;
    s3.put_object(&bucket, "file.txt", b"x".to_vec())
        .await
        .expect("put");
    let question = "type the bucket name to confirm: ";

    let (code, shown) = partsweep_in_terminal(&["rb", &bucket, "--force"], question, "nope\r");
    assert_eq!(code, 1, "{shown}");
    assert!(shown.contains("nothing was deleted"), "{shown}");
    assert!(common::bucket_exists(&s3, &bucket).await);

    let answer = format!("{bucket}\r");
    let (code, shown) = partsweep_in_terminal(&["rb", &bucket, "--force"], question, &answer);
    assert_eq!(code, 0, "{shown}");
    assert!(!common::bucket_exists(&s3, &bucket).await);
}

#[tokio::test]
async fn rb_takes_jsonl_and_no_color() {
    let s3 = common::client().await;
    let full = common::bucket(&s3, "cli-rb-full").await;
    s3.put_object(&full, "file.txt", b"x".to_vec())
        .await
        .expect("put");
    let refused = partsweep(&["rb", &full, "--no-color"]);
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(refused.stderr.contains("is not empty"), "{refused:?}");
    assert!(!refused.stderr.contains('\x1b'), "{refused:?}");

    let empty = common::bucket(&s3, "cli-rb-jsonl").await;
    let run = partsweep(&["rb", &empty, "--jsonl", "--no-color"]);
    assert_eq!(run.code, 0, "{run:?}");
    let lines = run.json_lines();
    assert_eq!(lines.len(), 1, "{run:?}");
    assert_eq!(lines[0]["outcome"], "deleted", "{run:?}");
    assert_eq!(lines[0]["bucket"], empty.as_str(), "{run:?}");
    assert!(!common::bucket_exists(&s3, &empty).await);
    assert!(common::bucket_exists(&s3, &full).await);
}

#[tokio::test]
async fn clear_interrupted_by_ctrl_c_is_partial_with_exit_3() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "cli-ctrl-c").await;
    common::start_uploads(&s3, &bucket, "", 300).await;

    let invocation = invocation(
        &common::options(),
        &["clear", &bucket, "--yes", "--jsonl", "--concurrency", "1"],
    );
    let mut child = invocation
        .command()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn partsweep");
    let stderr = read_all(child.stderr.take());
    let (lines_tx, lines) = std::sync::mpsc::channel();
    let stdout = BufReader::new(child.stdout.take().expect("stdout"));
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut rows = vec![lines.recv_timeout(CHILD_TIMEOUT).expect("a first abort")];
    let interrupt =
        output_within_timeout(Command::new("kill").args(["-INT", &child.id().to_string()]));
    assert!(interrupt.status.success(), "{interrupt:?}");
    let status = wait_or_kill(&mut child, "partsweep clear");
    rows.extend(lines.iter());
    let stderr = String::from_utf8_lossy(&stderr.join().expect("stderr")).into_owned();
    assert_eq!(status.code(), Some(3), "{stderr}\n{rows:#?}");

    let rows: Vec<Value> = rows
        .iter()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect();
    let count = |outcome: &str| rows.iter().filter(|row| row["outcome"] == outcome).count();
    let (aborted, skipped) = (count("aborted"), count("not_attempted"));
    assert!(aborted >= 1 && skipped >= 1, "{rows:#?}");
    assert_eq!(aborted + skipped, 300, "{rows:#?}");
    assert!(stderr.contains("cancelling"), "{stderr}");
    assert!(
        stderr.contains(&format!("not attempted {skipped}")),
        "{stderr}"
    );
    assert_eq!(common::all_uploads(&s3, &bucket).await.len(), skipped);
}

#[test]
fn missing_credentials_are_explained_not_crashed_on() {
    let home = tempfile::tempdir().expect("empty home");
    let output = output_within_timeout(
        Command::new(env!("CARGO_BIN_EXE_partsweep"))
            .env_clear()
            .env("HOME", home.path())
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .args([
                "--endpoint-url",
                "http://127.0.0.1:9",
                "--region",
                "garage",
                "buckets",
            ]),
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no usable credentials"), "{stderr}");
    assert!(
        stderr.contains("AWS_ACCESS_KEY_ID"),
        "a hint says what to set: {stderr}"
    );
}

/// Runs partsweep with `name` set to `value` (over the test's own settings).
fn partsweep_with(name: &'static str, value: &Path, args: &[&str]) -> Run {
    let mut invocation = invocation(&common::options(), args);
    invocation.env.retain(|(set, _)| *set != name);
    invocation.env.push((name, value.display().to_string()));
    invocation.run()
}

fn journal_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|line| serde_json::from_str(line).expect("each journal line is one JSON object"))
        .collect()
}

/// `(action, bucket, key or rule, outcome)` of a journal entry.
fn journal_summary(entry: &Value) -> (String, String, String, String) {
    let text = |name: &str| entry[name].as_str().unwrap_or("").to_owned();
    let target = entry["key"]
        .as_str()
        .or(entry["rule"].as_str())
        .unwrap_or("");
    (
        text("action"),
        text("bucket"),
        target.to_owned(),
        text("outcome"),
    )
}

#[tokio::test]
async fn every_write_of_the_command_line_is_journaled_and_history_lists_it_newest_first() {
    let s3 = common::client().await;
    let state = tempfile::tempdir().expect("state dir");
    let state = state.path();
    let run = |args: &[&str]| partsweep_with("XDG_STATE_HOME", state, args);
    let journal = state.join("partsweep/journal.jsonl");

    let bucket = common::bucket(&s3, "journal").await;
    let hostile = "weird/escape-\x1b[31mred\x1b[0m\nline\u{202e}.bin";
    // Garage echoes the key in XML that no client can parse (ESC is not allowed in XML): the
    // upload exists all the same, and the listing (URL-encoded) reads it.
    let _ = s3.create_upload(&bucket, hostile).await;
    let hostile_id = common::all_uploads(&s3, &bucket)
        .await
        .into_iter()
        .find(|upload| &*upload.key == hostile)
        .expect("the hostile upload is listed")
        .upload_id
        .to_string();
    let junk = common::start_uploads(&s3, &bucket, "junk/", 3).await;
    let doomed = common::bucket(&s3, "journal-rb").await;
    // DeleteObjects is XML too, and cannot carry ESC: a bidi override and a tab it can.
    let doomed_file = "f/rtl-\u{202e}gpj.exe\tx";
    s3.put_object(&doomed, doomed_file, b"x".to_vec())
        .await
        .expect("put");
    let doomed_uploads = common::start_uploads(&s3, &doomed, "u/", 1).await;

    // Nothing written, nothing recorded.
    assert_eq!(run(&["clear", &bucket, "--dry-run"]).code, 0);
    assert_eq!(
        run(&["--read-only", "abort", &bucket, hostile, &hostile_id]).code,
        1
    );
    assert!(
        !journal.exists(),
        "a dry run and a refusal leave no journal"
    );

    for args in [
        vec!["abort", &bucket, hostile, &hostile_id],
        vec!["abort", &bucket, hostile, &hostile_id],
        vec!["clear", &format!("{bucket}/junk/"), "--yes"],
        vec![
            "lifecycle",
            &bucket,
            "add-abort",
            "--days",
            "7",
            "--id",
            "weekly",
        ],
        vec!["lifecycle", &bucket, "rm", "weekly"],
        vec!["rb", &doomed, "--force", "--yes"],
    ] {
        let done = run(&args);
        assert_eq!(done.code, 0, "{args:?}: {done:?}");
    }

    let lines = journal_lines(&journal);
    let summary: Vec<_> = lines.iter().map(journal_summary).collect();
    let entry = |action: &str, bucket: &str, target: &str, outcome: &str| {
        (action.into(), bucket.into(), target.into(), outcome.into())
    };
    assert_eq!(summary.len(), 10, "{lines:#?}");
    assert_eq!(
        summary[..2],
        [
            entry("abort_upload", &bucket, hostile, "aborted"),
            entry("abort_upload", &bucket, hostile, "already_gone"),
        ]
    );
    assert_eq!(lines[0]["upload_id"], hostile_id.as_str());
    let mut cleared: Vec<_> = summary[2..5].to_vec();
    cleared.sort();
    let mut expected: Vec<_> = junk
        .iter()
        .map(|(key, _)| entry("abort_upload", &bucket, key, "aborted"))
        .collect();
    expected.sort();
    assert_eq!(cleared, expected);
    let cleared_ids: BTreeSet<&str> = lines[2..5]
        .iter()
        .map(|line| field(line, "upload_id"))
        .collect();
    assert_eq!(
        cleared_ids,
        junk.iter().map(|(_, id)| id.as_str()).collect()
    );
    assert_eq!(
        summary[5..7],
        [
            entry("add_rule", &bucket, "weekly", "changed"),
            entry("delete_rule", &bucket, "weekly", "changed"),
        ]
    );
    assert_eq!(
        lines[5]["detail"],
        "abort incomplete uploads 7 days after start; whole bucket; enabled"
    );
    assert_eq!(
        lines[6]["detail"],
        "rule 1 was: whole bucket; abort incomplete uploads 7 days after start; enabled",
        "a deleted rule's record says what it did"
    );
    assert_eq!(
        summary[7..],
        [
            entry("abort_upload", &doomed, &doomed_uploads[0].0, "aborted"),
            entry("delete_object", &doomed, doomed_file, "deleted"),
            entry("delete_bucket", &doomed, "", "deleted"),
        ]
    );
    let endpoint = common::options().endpoint_url.expect("endpoint");
    for line in &lines {
        assert_eq!(line["via"], "cli", "{line}");
        assert_eq!(line["endpoint"], endpoint.as_str(), "{line}");
        assert_eq!(line["region"], "garage", "{line}");
        assert!(line["error"].is_null(), "{line}");
        assert!(
            field(line, "time").ends_with('Z'),
            "RFC 3339 in UTC: {line}"
        );
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&journal)
            .expect("journal")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "only its owner can read the journal");
    }

    // A write from long ago, as an older partsweep left it: listed last, and left out by --since.
    let mut old = lines[0].clone();
    old["time"] = "2020-01-02T03:04:05Z".into();
    old["key"] = "old/forgotten.bin".into();
    let mut text = std::fs::read_to_string(&journal).expect("journal");
    text.push_str(&format!("{old}\n"));
    std::fs::write(&journal, text).expect("journal");

    let history = run(&["history", "--json"]);
    assert_eq!(history.code, 0, "{history:?}");
    let newest_first: Vec<Value> = lines.iter().rev().cloned().collect();
    assert_eq!(
        history.json(),
        Value::Array([newest_first.clone(), vec![old]].concat())
    );
    let recent = run(&["history", "--json", "--since", "1h"]);
    assert_eq!(recent.json(), Value::Array(newest_first));

    let doomed_only = run(&["history", "--json", "--bucket", &doomed]).json();
    let doomed_only: Vec<_> = doomed_only
        .as_array()
        .expect("array")
        .iter()
        .map(journal_summary)
        .collect();
    assert_eq!(
        doomed_only,
        summary[7..].iter().rev().cloned().collect::<Vec<_>>()
    );
    let rules = run(&["history", "--jsonl", "WEEKLY"]).json_lines();
    assert_eq!(
        rules.iter().map(journal_summary).collect::<Vec<_>>(),
        [summary[6].clone(), summary[5].clone()]
    );
    let gone = run(&["history", "--json", "--since", "1h", "already", "gone"]).json();
    assert_eq!(gone.as_array().map(Vec::len), Some(1), "{gone}");

    let table = run(&["history", "--bucket", &bucket]);
    assert_eq!(table.code, 0, "{table:?}");
    assert!(
        table
            .stdout
            .contains("weird/escape-\\x1b[31mred\\x1b[0m\\nline\\u{202e}.bin"),
        "{table:?}"
    );
    assert!(
        !table.stdout.contains('\x1b'),
        "keys are escaped in the table"
    );
    assert_eq!(table.stdout.lines().count(), 1 + 7 + 1, "{table:?}");
    assert_eq!(run(&["history", "--since", "soon"]).code, 2);
}

#[tokio::test]
async fn a_journal_that_cannot_be_written_warns_once_and_the_clear_goes_on() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "journal-broken").await;
    common::start_uploads(&s3, &bucket, "", 3).await;
    let dir = tempfile::tempdir().expect("dir");
    let blocker = dir.path().join("a-file");
    std::fs::write(&blocker, b"").expect("file");
    let unwritable = blocker.join("journal.jsonl");

    let run = partsweep_with(
        "PARTSWEEP_JOURNAL",
        &unwritable,
        &["clear", &bucket, "--yes"],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("aborted 3 of 3"), "{run:?}");
    assert_eq!(
        run.stderr.matches("warning: journal:").count(),
        1,
        "{run:?}"
    );
    assert!(run.stderr.contains("not recorded"), "{run:?}");
    assert!(upload_ids(&s3, &bucket).await.is_empty());

    let history = partsweep_with("PARTSWEEP_JOURNAL", &unwritable, &["history"]);
    assert_eq!(history.code, 1, "{history:?}");
}

#[tokio::test]
async fn verbose_logs_every_s3_call_with_its_bucket_key_status_and_time() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "cli-verbose").await;
    let uploads = common::start_uploads(&s3, &bucket, "logged/", 1).await;
    let (key, id) = &uploads[0];

    let listing = partsweep(&["-v", "uploads", &bucket, "--json"]);
    assert_eq!(listing.code, 0, "{listing:?}");
    let logged = |run: &Run, operation: &str, key: &str| {
        run.stderr.lines().any(|line| {
            line.contains(&format!("{operation} bucket={bucket} key={key} status="))
                && line.ends_with("ms")
        })
    };
    assert!(
        logged(&listing, "ListMultipartUploads", "") && listing.stderr.contains("status=200"),
        "{listing:?}"
    );
    assert!(
        listing
            .json()
            .as_array()
            .is_some_and(|rows| rows.len() == 1),
        "the log stays on stderr: {listing:?}"
    );

    let abort = partsweep(&["-v", "abort", &bucket, key, id]);
    assert_eq!(abort.code, 0, "{abort:?}");
    assert!(logged(&abort, "AbortMultipartUpload", key), "{abort:?}");

    let quiet = partsweep(&["uploads", &bucket]);
    assert!(!quiet.stderr.contains("ListMultipartUploads"), "{quiet:?}");
}

/// What a server says reaches stderr escaped, in one line; JSON carries it exactly. (The SDK
/// cannot read an error body with a raw ESC, which XML forbids; an 8-bit CSI, a newline and a
/// direction override are valid XML and do reach partsweep.)
#[tokio::test]
async fn a_hostile_server_error_is_escaped_on_stderr_and_exact_in_json() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "cli-hostile-error").await;
    let hostile_code = "Denied\u{9b}2J\u{202e}exe.txt\nsecond line";
    let proxy = proxy::Proxy::start(
        &common::options(),
        proxy::Rules {
            storm: Some(proxy::Storm {
                share: 1.0,
                status: 403,
                code: hostile_code.into(),
                limit: None,
            }),
            ..proxy::Rules::default()
        },
    );
    let raw = ['\u{9b}', '\u{202e}'];

    let listing = partsweep_at(&proxy.options(), &["uploads", &bucket]);
    assert_eq!(listing.code, 1, "{listing:?}");
    assert!(!listing.stderr.contains(raw), "{listing:?}");
    assert!(
        listing
            .stderr
            .contains("(Denied\\x9b2J\\u{202e}exe.txt\\nsecond line)"),
        "{listing:?}"
    );
    assert_eq!(listing.stderr.lines().count(), 1, "{listing:?}");

    let abort = partsweep_at(&proxy.options(), &["abort", &bucket, "k", "id", "--json"]);
    assert_eq!(abort.code, 1, "{abort:?}");
    assert!(!abort.stderr.contains(raw), "{abort:?}");
    let error = abort.json()["error"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        error.contains(hostile_code),
        "JSON keeps the server's words exactly: {abort:?}"
    );
}

#[tokio::test]
async fn a_rule_held_by_the_server_is_quoted_escaped_in_warnings() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "cli-hostile-rule").await;
    let b = bucket.as_str();
    s3.change_lifecycle(
        b,
        &partsweep::s3::RuleChange::AddAbort {
            id: "hostile".into(),
            prefix: "tmp/\u{202e}gpj.exe".into(),
            days: 3,
            enabled: true,
        },
    )
    .await
    .expect("a rule with a bidi override in its prefix");

    let add = partsweep(&[
        "lifecycle",
        b,
        "add-abort",
        "--days",
        "5",
        "--prefix",
        "tmp/",
    ]);
    assert_eq!(add.code, 0, "{add:?}");
    assert!(add.stderr.contains("overlaps rule"), "{add:?}");
    assert!(!add.stderr.contains('\u{202e}'), "{add:?}");
    assert!(add.stderr.contains("tmp/\\u{202e}gpj.exe"), "{add:?}");
}

#[tokio::test]
async fn one_unreadable_upload_keeps_the_totals_of_uploads_parts_and_buckets_uploads() {
    // A server of its own: `buckets --uploads` reads every bucket, and other tests delete theirs.
    let server = own_server().await;
    let s3 = server.client().await;
    let options = server.connect_options();
    let bucket = common::bucket(&s3, "cli-unreadable").await;
    let plain = common::start_uploads(&s3, &bucket, "plain/", 2).await;
    for (key, id) in &plain {
        s3.upload_part(&bucket, key, id, 1, vec![b'x'; 700])
            .await
            .expect("upload part");
    }
    // Garage creates this upload, but its ListParts answer carries the raw ESC: unparseable.
    let hostile = "esc-\x1b[31mred\x1b[0m.bin";
    let _ = s3.create_upload(&bucket, hostile).await;

    let run = partsweep_at(&options, &["uploads", &bucket, "--parts", "--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stderr.contains("could not be read"), "{run:?}");
    let rows = run.json();
    let rows = rows.as_array().expect("array");
    assert_eq!(rows.len(), 3, "{run:?}");
    let unreadable = rows
        .iter()
        .find(|row| row["key"] == hostile)
        .expect("the hostile upload is listed");
    assert!(unreadable["parts"].is_null() && unreadable["bytes"].is_null());
    assert!(unreadable["size_error"].is_string(), "{unreadable}");
    for row in rows.iter().filter(|row| row["key"] != hostile) {
        assert_eq!(
            (row["parts"].as_u64(), row["bytes"].as_u64()),
            (Some(1), Some(700))
        );
        assert!(row["last_activity"].is_string(), "{row}");
        assert!(row.get("size_error").is_none(), "{row}");
    }

    let table = partsweep_at(&options, &["uploads", &bucket, "--parts"]);
    assert_eq!(table.code, 0, "{table:?}");
    let header = table.stdout.lines().next().unwrap_or_default();
    assert!(header.contains("LAST ACTIVITY"), "{table:?}");

    let buckets = partsweep_at(&options, &["buckets", "--uploads", "--json"]);
    assert_eq!(buckets.code, 0, "{buckets:?}");
    assert!(buckets.stderr.contains("estimate"), "{buckets:?}");
    let all = buckets.json();
    let row = all
        .as_array()
        .expect("an array of buckets")
        .iter()
        .find(|row| row["name"] == bucket.as_str())
        .expect("our bucket is listed");
    assert_eq!(row["uploads"], 3, "{row}");
    assert_eq!(row["size_unknown"], 1, "{row}");
    assert_eq!(
        (row["parts"].as_u64(), row["bytes"].as_u64()),
        (Some(2), Some(1_400))
    );
    assert!(row.get("error").is_none(), "{row}");
}

#[tokio::test]
async fn clear_skip_active_leaves_an_upload_that_just_received_a_part() {
    let s3 = common::client().await;
    let bucket = common::bucket(&s3, "cli-active").await;
    let idle = s3.create_upload(&bucket, "idle.bin").await.expect("upload");
    let running = s3
        .create_upload(&bucket, "running.bin")
        .await
        .expect("upload");
    // Both started 3 s ago; one gets a part now. Times have one-second resolution, so a 2 s
    // window leaves a second of margin on both sides.
    tokio::time::sleep(Duration::from_secs(3)).await;
    s3.upload_part(&bucket, "running.bin", &running, 1, vec![b'r'; 10])
        .await
        .expect("upload part");

    let dry = partsweep(&[
        "clear",
        &bucket,
        "--skip-active",
        "2s",
        "--dry-run",
        "--json",
    ]);
    assert_eq!(dry.code, 0, "{dry:?}");
    let report = dry.json();
    assert_eq!(report["skip_active_seconds"], 2);
    assert_eq!(report["summary"]["skipped_active"], 1, "{dry:?}");
    assert!(dry.stderr.contains("leaving out 1 uploads"), "{dry:?}");

    let run = partsweep(&["clear", &bucket, "--skip-active", "2s", "--yes", "--jsonl"]);
    assert_eq!(run.code, 0, "{run:?}");
    let outcomes: BTreeSet<(String, String)> = run
        .json_lines()
        .iter()
        .map(|row| {
            (
                field(row, "upload_id").to_owned(),
                field(row, "outcome").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        BTreeSet::from([
            (idle.clone(), "aborted".to_owned()),
            (running.clone(), "skipped_active".to_owned()),
        ])
    );
    assert_eq!(upload_ids(&s3, &bucket).await, BTreeSet::from([running]));
}
