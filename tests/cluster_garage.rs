//! A distributed server losing a node: `clear` and `rb --force` against a three-node Garage
//! cluster (replication factor 3), one node killed mid-run and started again. A run must
//! finish, and nothing it reports aborted or deleted may still exist once the node is back.

mod cluster;
mod common;

use std::collections::HashSet;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cluster::{Cluster, journal_lines};
use common::cli::{self, Run, run_to_end};
use common::{CHILD_TIMEOUT, all_uploads, read_all, start_uploads, unique_bucket, wait_or_kill};
use futures::{StreamExt, stream};
use partsweep::ops::abort::GIVE_UP_AFTER_SERVER_FAILURES;
use partsweep::s3::{ConnectOptions, ErrorKind, S3};

/// One cluster at a time: three garage processes each are plenty for a shared machine.
static ONE_CLUSTER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// How long the nodes' listings may take to agree after a full table sync.
const SYNC_WITHIN: Duration = Duration::from_secs(60);

/// The node the client talks to, and a peer of it.
const CLIENT_NODE: usize = 0;
const PEER: usize = 2;

/// partsweep against `options`' node, nothing from the host, its journal at `journal`,
/// stdout and stderr piped.
fn partsweep(options: &ConnectOptions, journal: &Path, args: &[&str]) -> Command {
    let home = journal.parent().expect("the journal's directory");
    let mut command = Command::new(env!("CARGO_BIN_EXE_partsweep"));
    for name in cli::UNSET {
        command.env_remove(name);
    }
    command
        .args(cli::server_args(options))
        .args(args)
        .envs(cli::isolated_env(options, home))
        .env("PARTSWEEP_JOURNAL", journal)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// What happened around the outage.
struct Outage {
    run: Run,
    /// Journal lines when the node was killed, and when it was started again.
    lines_at_kill: usize,
    lines_at_restart: usize,
    /// partsweep had already exited when the node was started again.
    exited_before_restart: bool,
}

/// Runs `command`; once its journal has `kill_at` lines, kills node `victim`; once the
/// journal has grown by `restart_after` more lines (or partsweep has exited), starts the node
/// again and waits for the cluster to be healthy; then waits for partsweep to finish.
fn run_through_outage(
    cluster: &mut Cluster,
    victim: usize,
    mut command: Command,
    journal: &Path,
    kill_at: usize,
    restart_after: usize,
) -> Outage {
    let what = format!("{command:?}");
    let mut child = command.spawn().expect("spawn partsweep");
    let stdout = read_all(child.stdout.take());
    let stderr = read_all(child.stderr.take());
    let lines_at_kill = wait_for(&mut child, journal, kill_at);
    assert!(
        child.try_wait().expect("wait").is_none(),
        "partsweep finished before the node was stopped ({lines_at_kill} journal lines): \
         the run is too short to test an outage"
    );
    cluster.kill(victim);
    let lines_at_restart = wait_for(
        &mut child,
        journal,
        lines_at_kill.saturating_add(restart_after),
    );
    let exited_before_restart = child.try_wait().expect("wait").is_some();
    cluster.restart(victim);
    let status = wait_or_kill(&mut child, &what);
    Outage {
        run: Run {
            code: status.code().expect("partsweep exited, not killed"),
            stdout: String::from_utf8_lossy(&stdout.join().expect("stdout")).into_owned(),
            stderr: String::from_utf8_lossy(&stderr.join().expect("stderr")).into_owned(),
        },
        lines_at_kill,
        lines_at_restart,
        exited_before_restart,
    }
}

/// Waits until `journal` has `lines` lines or `child` has exited (at most [`CHILD_TIMEOUT`]);
/// returns how many lines it has.
fn wait_for(child: &mut Child, journal: &Path, lines: usize) -> usize {
    let started = Instant::now();
    loop {
        let now = journal_lines(journal).len();
        if now >= lines
            || child.try_wait().expect("wait").is_some()
            || started.elapsed() > CHILD_TIMEOUT
        {
            return now;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// The journal's writes of `action` on `bucket`, as (key, upload id, outcome).
fn written(journal: &Path, bucket: &str, action: &str) -> Vec<(String, String, String)> {
    journal_lines(journal)
        .into_iter()
        .filter(|entry| entry["bucket"] == bucket && entry["action"] == action)
        .map(|entry| {
            let text = |field: &str| entry[field].as_str().unwrap_or_default().to_owned();
            (text("key"), text("upload_id"), text("outcome"))
        })
        .collect()
}

/// The uploads left in `bucket`, as each node lists them.
async fn uploads_on_every_node(cluster: &Cluster, bucket: &str) -> Vec<HashSet<(String, String)>> {
    let mut listings = Vec::new();
    for n in 0..3 {
        let s3 = cluster.client(n).await;
        let listed = all_uploads(&s3, bucket)
            .await
            .into_iter()
            .map(|upload| (upload.key.to_string(), upload.upload_id.to_string()))
            .collect();
        listings.push(listed);
    }
    listings
}

/// Checks the run's claims against the cluster, once the node is back: no upload reported
/// aborted (or already gone) still exists, and every upload created is reported done,
/// reported failed, or still there. Returns how many are left.
///
/// A node that was down lists, for a while, uploads aborted while it was away: Garage filters
/// ListMultipartUploads on each node before merging the answers, so the restarted node's
/// stale "uploading" entry is not outvoted until anti-entropy syncs it. Each such entry must
/// be gone when asked about directly (ListParts through that node answers NoSuchUpload: the
/// quorum knows it is aborted); then a full table sync must leave every node's listing
/// without it.
async fn check_aborts(
    cluster: &Cluster,
    journal: &Path,
    bucket: &str,
    created: &[(String, String)],
) -> usize {
    let written = written(journal, bucket, "abort_upload");
    let done: HashSet<(String, String)> = written
        .iter()
        .filter(|(_, _, outcome)| outcome == "aborted" || outcome == "already_gone")
        .map(|(key, id, _)| (key.clone(), id.clone()))
        .collect();
    let failed: HashSet<(String, String)> = written
        .iter()
        .filter(|(_, _, outcome)| outcome == "failed")
        .map(|(key, id, _)| (key.clone(), id.clone()))
        .collect();

    for (n, left) in uploads_on_every_node(cluster, bucket)
        .await
        .iter()
        .enumerate()
    {
        let s3 = cluster.client(n).await;
        let stale: Vec<_> = left.intersection(&done).collect();
        let answers: Vec<_> = stream::iter(&stale)
            .map(|(key, upload_id)| {
                let s3 = &s3;
                async move {
                    let parts = s3.list_parts(bucket, key, upload_id, None, None).await;
                    (key, upload_id, parts)
                }
            })
            .buffer_unordered(32)
            .collect()
            .await;
        for (key, upload_id, parts) in answers {
            assert!(
                parts
                    .as_ref()
                    .is_err_and(|err| err.kind == ErrorKind::NoSuchUpload),
                "node {n} lists {key} {upload_id}, reported aborted, and ListParts says {parts:?}"
            );
        }
        if !stale.is_empty() {
            eprintln!(
                "node {n} still listed {} uploads reported aborted; each answers NoSuchUpload",
                stale.len()
            );
        }
    }

    cluster.repair_tables();
    let started = Instant::now();
    let listings = loop {
        let listings = uploads_on_every_node(cluster, bucket).await;
        let settled = listings.iter().all(|left| left.is_disjoint(&done))
            && listings.iter().all(|left| *left == listings[0]);
        if settled {
            break listings;
        }
        if started.elapsed() > SYNC_WITHIN {
            let counts: Vec<_> = listings
                .iter()
                .map(|left| (left.len(), left.intersection(&done).count()))
                .collect();
            panic!(
                "after a table sync and {SYNC_WITHIN:?}, the nodes list (uploads, of them \
                 reported aborted): {counts:?}"
            );
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    let left = &listings[0];
    let vanished: Vec<_> = created
        .iter()
        .filter(|upload| !done.contains(*upload) && !failed.contains(*upload))
        .filter(|upload| !left.contains(*upload))
        .take(5)
        .collect();
    assert!(
        vanished.is_empty(),
        "uploads never reported done are no longer listed: {vanished:?}"
    );
    left.len()
}

#[tokio::test]
async fn clear_finishes_while_a_peer_node_is_killed_and_restarted() {
    let _one = ONE_CLUSTER.lock().await;
    let mut cluster = Cluster::start();
    let s3 = cluster.client(CLIENT_NODE).await;
    let bucket = unique_bucket("cluster-clear");
    s3.create_bucket(&bucket).await.expect("create bucket");
    let created = start_uploads(&s3, &bucket, "up/", 2000).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let journal = dir.path().join("journal.jsonl");

    let command = partsweep(
        &cluster.options(CLIENT_NODE),
        &journal,
        &["--concurrency", "16", "clear", &bucket, "--yes", "--json"],
    );
    let outage = run_through_outage(&mut cluster, PEER, command, &journal, 200, 600);
    let run = &outage.run;
    assert!(
        outage.lines_at_restart > outage.lines_at_kill,
        "no abort finished while the node was down"
    );
    // Two nodes of three are a quorum: the run goes on without the third.
    assert_eq!(run.code, 0, "{run:?}");
    let summary = &run.json()["summary"];
    assert_eq!(summary["listed"], 2000, "{run:?}");
    assert_eq!(summary["aborted"], 2000, "{run:?}");

    let left = check_aborts(&cluster, &journal, &bucket, &created).await;
    assert_eq!(left, 0, "every upload was reported aborted");
    eprintln!(
        "killed node {PEER} at {} aborts, restarted at {} (partsweep exited before: {})",
        outage.lines_at_kill, outage.lines_at_restart, outage.exited_before_restart
    );
}

#[tokio::test]
async fn clear_stops_with_an_error_when_its_own_node_dies_and_a_rerun_finishes() {
    let _one = ONE_CLUSTER.lock().await;
    let mut cluster = Cluster::start();
    let s3 = cluster.client(PEER).await;
    let bucket = unique_bucket("cluster-own");
    s3.create_bucket(&bucket).await.expect("create bucket");
    let created = start_uploads(&s3, &bucket, "up/", 2000).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let journal = dir.path().join("journal.jsonl");

    // partsweep talks to the node that dies; the node comes back only after partsweep ends.
    let command = partsweep(
        &cluster.options(PEER),
        &journal,
        &["--concurrency", "16", "clear", &bucket, "--yes", "--json"],
    );
    let outage = run_through_outage(&mut cluster, PEER, command, &journal, 200, usize::MAX);
    let run = &outage.run;
    assert!(outage.exited_before_restart, "{run:?}");
    assert_eq!(run.code, 3, "some aborted, the rest not: {run:?}");
    let summary = &run.json()["summary"];
    let count = |field: &str| summary[field].as_u64().expect("a count");
    assert_eq!(count("listed"), 2000, "{run:?}");
    assert!(count("aborted") >= 200, "{run:?}");
    assert!(count("failed") + count("not_attempted") > 0, "{run:?}");
    assert_eq!(
        count("aborted") + count("already_gone") + count("failed") + count("not_attempted"),
        2000,
        "every listed upload is accounted for: {run:?}"
    );
    // Each failure says why, in the client's words: the node stopped answering.
    let report = run.json();
    let rows = report["uploads"].as_array().expect("uploads");
    let failures: Vec<&str> = rows
        .iter()
        .filter(|row| row["outcome"] == "failed")
        .map(|row| row["error"].as_str().unwrap_or_default())
        .collect();
    eprintln!(
        "{} failed, the first with: {:?}",
        failures.len(),
        failures.first()
    );
    assert!(
        failures.len() >= GIVE_UP_AFTER_SERVER_FAILURES,
        "the job ends once the server fails {GIVE_UP_AFTER_SERVER_FAILURES} in a row: {run:?}"
    );
    assert!(
        failures.iter().all(|error| !error.is_empty()),
        "every failure has its reason: {failures:?}"
    );
    let journal_aborted = written(&journal, &bucket, "abort_upload")
        .iter()
        .filter(|(_, _, outcome)| outcome == "aborted")
        .count() as u64;
    assert_eq!(journal_aborted, count("aborted"), "{run:?}");

    let left = check_aborts(&cluster, &journal, &bucket, &created).await;
    assert!(
        left > 0,
        "the node died before the run could abort everything"
    );

    // With the node back, the same command finishes the job.
    let rerun = run_to_end(&mut partsweep(
        &cluster.options(PEER),
        &journal,
        &["clear", &bucket, "--yes", "--json"],
    ));
    assert_eq!(rerun.code, 0, "{rerun:?}");
    assert_eq!(rerun.json()["summary"]["listed"], left as u64, "{rerun:?}");
    assert_eq!(check_aborts(&cluster, &journal, &bucket, &created).await, 0);
}

#[tokio::test]
async fn empty_and_delete_finishes_while_a_peer_node_is_killed_and_restarted() {
    let _one = ONE_CLUSTER.lock().await;
    let mut cluster = Cluster::start();
    let s3 = cluster.client(CLIENT_NODE).await;
    let bucket = unique_bucket("cluster-rb");
    s3.create_bucket(&bucket).await.expect("create bucket");
    let created = start_uploads(&s3, &bucket, "up/", 1500).await;
    put_objects(&s3, &bucket, 300).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let journal = dir.path().join("journal.jsonl");

    let command = partsweep(
        &cluster.options(CLIENT_NODE),
        &journal,
        &[
            "--concurrency",
            "16",
            "rb",
            &bucket,
            "--force",
            "--yes",
            "--json",
        ],
    );
    // Down during the aborts, back during the object deletes or after.
    let outage = run_through_outage(&mut cluster, PEER, command, &journal, 200, 1400);
    let run = &outage.run;
    assert!(
        outage.lines_at_restart > outage.lines_at_kill,
        "nothing was removed while the node was down"
    );
    let report = run.json();
    eprintln!(
        "killed node {PEER} at {} journal lines, restarted at {} (partsweep exited before: {}); \
         outcome {}",
        outage.lines_at_kill,
        outage.lines_at_restart,
        outage.exited_before_restart,
        report["outcome"]
    );
    if report["outcome"] != "deleted" {
        // The node rejoining while DeleteBucket ran can make Garage still see what was removed
        // while it was away (BucketNotEmpty): a stop that says so, and a rerun deletes.
        assert_eq!(run.code, 3, "{run:?}");
        cluster.repair_tables();
        let rerun = run_to_end(&mut partsweep(
            &cluster.options(CLIENT_NODE),
            &journal,
            &["rb", &bucket, "--force", "--yes", "--json"],
        ));
        assert_eq!(rerun.code, 0, "{rerun:?}");
        assert_eq!(rerun.json()["outcome"], "deleted", "{rerun:?}");
    } else {
        assert_eq!(run.code, 0, "{run:?}");
        assert_eq!(report["objects_deleted"], 300, "{run:?}");
    }

    // Every upload was aborted, every object deleted (a node that was down may list a few of
    // them again; aborting those again answers NoSuchUpload, deleting them again succeeds),
    // and nothing failed.
    let aborted = written(&journal, &bucket, "abort_upload");
    let deleted = written(&journal, &bucket, "delete_object");
    let bucket_deleted = written(&journal, &bucket, "delete_bucket");
    let first_time: HashSet<(String, String)> = aborted
        .iter()
        .filter(|(_, _, outcome)| outcome == "aborted")
        .map(|(key, id, _)| (key.clone(), id.clone()))
        .collect();
    assert!(
        created.iter().all(|upload| first_time.contains(upload)),
        "every upload is reported aborted: {run:?}"
    );
    assert!(
        aborted
            .iter()
            .all(|(_, _, outcome)| outcome == "aborted" || outcome == "already_gone"),
        "{aborted:?}"
    );
    let deleted_keys: HashSet<&str> = deleted.iter().map(|(key, _, _)| key.as_str()).collect();
    assert_eq!(deleted_keys.len(), 300, "{run:?}");
    assert!(deleted.iter().all(|(_, _, outcome)| outcome == "deleted"));
    assert_eq!(
        bucket_deleted
            .last()
            .map(|(_, _, outcome)| outcome.as_str()),
        Some("deleted"),
        "{run:?}"
    );

    // Reported deleted: no node lists the bucket.
    for n in 0..3 {
        assert!(
            !common::bucket_exists(&cluster.client(n).await, &bucket).await,
            "node {n} still lists bucket {bucket}"
        );
    }
}

async fn put_objects(s3: &S3, bucket: &str, n: usize) {
    use futures::{StreamExt, TryStreamExt, stream};
    stream::iter(0..n)
        .map(|i| async move {
            s3.put_object(bucket, &format!("obj/{i:05}"), vec![b'x'; 10])
                .await
        })
        .buffer_unordered(32)
        .try_collect::<Vec<_>>()
        .await
        .expect("put objects");
}
