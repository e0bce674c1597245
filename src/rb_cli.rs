//! `partsweep rb BUCKET [--force] [--yes]`: delete a bucket from a script, with the same
//! pre-check and the same Empty-and-delete pipeline as the console.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use color_eyre::Result;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::ops::delete::{blockers, delete_bucket_explained};
use crate::ops::purge::{PurgeEnd, PurgeReport, empty_and_delete};
use crate::s3::{BucketContents, S3};
use crate::text::escape;

const EXIT_FAILURE: u8 = 1;
const EXIT_PARTIAL: u8 = 3;

/// Delete a bucket. Without --force only an empty bucket is deleted; otherwise partsweep
/// says what is in it (files, old versions, delete markers, incomplete uploads) and exits 1.
#[derive(Debug, Clone, clap::Args)]
pub struct RbArgs {
    /// The bucket to delete.
    pub bucket: String,
    /// Empty the bucket first: abort incomplete uploads, delete every version, delete
    /// marker and object, then delete the bucket.
    #[arg(long)]
    pub force: bool,
    /// Skip typing the bucket name to confirm --force (required when stdin is not a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
}

fn contents_json(contents: &BucketContents) -> Value {
    json!({
        "objects": contents.objects,
        "old_versions": contents.old_versions,
        "delete_markers": contents.delete_markers,
        "incomplete_uploads": contents.uploads,
    })
}

/// Prints the outcome as text (stderr for problems) or one JSON object on stdout.
fn finish(json_mode: bool, code: u8, outcome: &str, lines: &[String], extra: Value) -> ExitCode {
    if json_mode {
        let mut object = json!({ "outcome": outcome, "exit_code": code, "message": lines });
        if let (Some(target), Value::Object(more)) = (object.as_object_mut(), extra) {
            target.extend(more);
        }
        println!("{object}");
    } else if code == 0 {
        for line in lines {
            println!("{line}");
        }
    } else {
        for line in lines {
            eprintln!("{line}");
        }
    }
    ExitCode::from(code)
}

pub async fn run(
    s3: &S3,
    args: RbArgs,
    read_only: bool,
    concurrency: usize,
    json: bool,
) -> Result<ExitCode> {
    let bucket = args.bucket.as_str();
    let shown = escape(bucket).into_owned();
    if read_only {
        return Ok(finish(
            json,
            EXIT_FAILURE,
            "read_only",
            &[format!(
                "read-only mode: refusing to delete bucket {shown}; nothing was changed"
            )],
            json!({ "bucket": bucket }),
        ));
    }
    let before = match s3.count_contents(bucket).await {
        Ok(contents) => contents,
        Err(err) => {
            return Ok(finish(
                json,
                EXIT_FAILURE,
                "failed",
                &[format!(
                    "cannot look into bucket {shown}: {}",
                    err.display_line()
                )],
                json!({ "bucket": bucket }),
            ));
        }
    };
    let extra = |more: Value| {
        let mut base = json!({ "bucket": bucket, "before": contents_json(&before) });
        if let (Some(target), Value::Object(more)) = (base.as_object_mut(), more) {
            target.extend(more);
        }
        base
    };

    if !args.force {
        if !before.is_empty() {
            let mut lines = vec![format!(
                "bucket {shown} is not empty: {}.",
                before.summary()
            )];
            lines.extend(blockers(&before));
            lines.push(format!(
                "nothing was deleted; `partsweep rb {shown} --force` empties and deletes it"
            ));
            return Ok(finish(
                json,
                EXIT_FAILURE,
                "not_empty",
                &lines,
                extra(json!({})),
            ));
        }
        return Ok(match delete_bucket_explained(s3, bucket).await {
            Ok(()) => finish(
                json,
                0,
                "deleted",
                &[format!("deleted bucket {shown}")],
                extra(json!({})),
            ),
            Err(refusal) => finish(
                json,
                EXIT_FAILURE,
                "refused",
                &refusal.explanation(),
                extra(json!({ "left": refusal.left.as_ref().map(contents_json) })),
            ),
        });
    }

    if !args.yes {
        if !std::io::stdin().is_terminal() {
            return Ok(finish(
                json,
                EXIT_FAILURE,
                "not_confirmed",
                &["--force deletes everything in the bucket: pass --yes when stdin is not a terminal; nothing was deleted".into()],
                extra(json!({})),
            ));
        }
        eprintln!(
            "bucket {shown} holds {}. Empty and delete removes all of it for good.",
            before.summary()
        );
        eprint!("type the bucket name to confirm: ");
        let _ = std::io::stderr().flush();
        let mut typed = String::new();
        std::io::stdin().lock().read_line(&mut typed)?;
        if typed.trim_end_matches(['\r', '\n']) != bucket {
            return Ok(finish(
                json,
                EXIT_FAILURE,
                "not_confirmed",
                &["the name does not match; nothing was deleted".into()],
                extra(json!({})),
            ));
        }
    }

    let token = CancellationToken::new();
    let on_interrupt = token.clone();
    let watcher = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("\ncancelling: batches in flight finish, nothing new starts");
            on_interrupt.cancel();
        }
    });
    let show_progress = !json && std::io::stderr().is_terminal();
    let report = empty_and_delete(s3, bucket, concurrency, &token, |progress| {
        if show_progress {
            eprint!("\r\x1b[K{}", progress.line());
        }
    })
    .await;
    watcher.abort();
    if show_progress {
        eprintln!();
    }
    Ok(report_exit(json, &before, &report, extra))
}

fn report_exit(
    json: bool,
    before: &BucketContents,
    report: &PurgeReport,
    extra: impl Fn(Value) -> Value,
) -> ExitCode {
    let (code, outcome) = match &report.end {
        PurgeEnd::BucketDeleted => (0, "deleted"),
        _ if report.removed_anything() => (
            EXIT_PARTIAL,
            match report.end {
                PurgeEnd::Cancelled { .. } => "cancelled",
                PurgeEnd::BucketRefused(_) => "refused",
                _ => "failed",
            },
        ),
        PurgeEnd::Cancelled { .. } => (EXIT_FAILURE, "cancelled"),
        PurgeEnd::BucketRefused(_) => (EXIT_FAILURE, "refused"),
        PurgeEnd::Failed { .. } => (EXIT_FAILURE, "failed"),
    };
    let mut lines = vec![format!("before: {}", before.summary())];
    lines.extend(report.lines());
    finish(
        json,
        code,
        outcome,
        &lines,
        extra(json!({
            "uploads_aborted": report.uploads_aborted,
            "versions_deleted": report.versions_deleted,
            "objects_deleted": report.objects_deleted,
            "versions_listed": !report.versions_unsupported,
            "left": report.left.as_ref().map(contents_json),
            "failures": report.failures,
        })),
    )
}
