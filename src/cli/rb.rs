//! `partsweep rb BUCKET [--force] [--yes]`: delete a bucket, with the same pre-check and the
//! same Empty-and-delete pipeline as the console.

use clap::Args;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::context::{Context, Exit};
use super::output::{Format, OutputArgs};
use super::prompt::{self, CancelOnCtrlC, Consent, NEEDS_YES};
use crate::ops::delete::{blockers, delete_bucket_explained};
use crate::ops::purge::{PurgeEnd, PurgeReport, empty_and_delete};
use crate::s3::BucketContents;
use crate::text::escape;

/// Delete a bucket. Without --force only an empty bucket is deleted; otherwise partsweep
/// says what is in it (files, old versions, delete markers, incomplete uploads) and exits 1.
#[derive(Debug, Clone, Args)]
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
    #[command(flatten)]
    pub output: OutputArgs,
}

fn contents_json(contents: &BucketContents) -> Value {
    json!({
        "objects": contents.objects,
        "old_versions": contents.old_versions,
        "delete_markers": contents.delete_markers,
        "incomplete_uploads": contents.uploads,
    })
}

/// How `rb` ended: `outcome` names it for scripts, `lines` say it for people, `fields` are
/// the rest of the JSON object.
struct Ending {
    exit: Exit,
    outcome: &'static str,
    lines: Vec<String>,
    fields: Value,
}

impl Ending {
    fn new(exit: Exit, outcome: &'static str, lines: Vec<String>) -> Self {
        Ending {
            exit,
            outcome,
            lines,
            fields: json!({}),
        }
    }

    fn with(mut self, fields: Value) -> Self {
        if let (Some(all), Value::Object(more)) = (self.fields.as_object_mut(), fields) {
            all.extend(more);
        }
        self
    }

    /// Text goes to stdout on success and to stderr otherwise; JSON is one object on stdout.
    fn print(self, ctx: &mut Context, bucket: &str) -> Exit {
        match ctx.format {
            Format::Json | Format::Jsonl => {
                let mut object = json!({
                    "bucket": bucket,
                    "outcome": self.outcome,
                    "exit_code": self.exit.code(),
                    "message": self.lines,
                });
                if let (Some(all), Value::Object(more)) = (object.as_object_mut(), self.fields) {
                    all.extend(more);
                }
                ctx.out.json(&object);
                if self.exit != Exit::Success
                    && let Some(first) = self.lines.first()
                {
                    ctx.messages.error(first);
                }
            }
            Format::Table if self.exit == Exit::Success => {
                for line in &self.lines {
                    ctx.out.line(line);
                }
            }
            Format::Table => {
                let mut lines = self.lines.iter();
                if let Some(first) = lines.next() {
                    ctx.messages.error(first);
                }
                for line in lines {
                    ctx.messages.note(line);
                }
            }
        }
        ctx.out.flush();
        self.exit
    }
}

pub async fn run(ctx: &mut Context, args: RbArgs) -> Exit {
    let bucket = args.bucket.clone();
    ending(ctx, args).await.print(ctx, &bucket)
}

async fn ending(ctx: &mut Context, args: RbArgs) -> Ending {
    let bucket = args.bucket.as_str();
    let shown = escape(bucket).into_owned();
    if ctx.read_only {
        return Ending::new(
            Exit::Failure,
            "read_only",
            vec![format!(
                "read-only mode: deleting bucket {shown} refused; nothing was changed"
            )],
        );
    }
    let before = match ctx.s3.count_contents(bucket).await {
        Ok(contents) => contents,
        Err(err) => {
            return Ending::new(
                Exit::Failure,
                "failed",
                vec![format!(
                    "cannot look into bucket {shown}: {}",
                    err.display_line()
                )],
            );
        }
    };
    let with_before = |ending: Ending| ending.with(json!({ "before": contents_json(&before) }));

    if !args.force {
        return with_before(delete_if_empty(ctx, bucket, &before).await);
    }

    let consent = Consent::get(args.yes, || {
        eprintln!(
            "bucket {shown} holds {}. Empty and delete removes all of it for good.",
            before.summary()
        );
        prompt::typed("type the bucket name to confirm: ", bucket)
    });
    let refused = match consent {
        Consent::Given => None,
        Consent::Declined => Some("the name does not match; nothing was deleted".to_owned()),
        Consent::NoTerminal => Some(format!(
            "refusing to empty and delete bucket {shown} {NEEDS_YES}; nothing was deleted"
        )),
    };
    if let (Some(exit), Some(line)) = (consent.refusal_exit(), refused) {
        return with_before(Ending::new(exit, "not_confirmed", vec![line]));
    }

    let token = CancellationToken::new();
    let ctrl_c = CancelOnCtrlC::new(&token);
    let messages = &mut ctx.messages;
    let report = empty_and_delete(&ctx.s3, bucket, ctx.concurrency, &token, |progress| {
        // A second Ctrl-C (during the count of what is left, say) prints where it was.
        ctrl_c.know(format!(
            "bucket {shown}: stopped during \"{}\"",
            progress.line()
        ));
        messages.progress(&progress.line());
    })
    .await;
    drop(ctrl_c);
    ctx.messages.clear_progress();
    with_before(purge_ending(&before, &report))
}

/// Without --force: only an empty bucket is deleted; otherwise say what blocks it.
async fn delete_if_empty(ctx: &mut Context, bucket: &str, before: &BucketContents) -> Ending {
    let shown = escape(bucket);
    if !before.is_empty() {
        let mut lines = vec![format!(
            "bucket {shown} is not empty: {}.",
            before.summary()
        )];
        lines.extend(blockers(before));
        lines.push(format!(
            "nothing was deleted; `partsweep rb {shown} --force` empties and deletes it"
        ));
        return Ending::new(Exit::Failure, "not_empty", lines);
    }
    match delete_bucket_explained(&ctx.s3, bucket).await {
        Ok(()) => Ending::new(
            Exit::Success,
            "deleted",
            vec![format!("deleted bucket {shown}")],
        ),
        Err(refusal) => Ending::new(Exit::Failure, "refused", refusal.explanation())
            .with(json!({ "left": refusal.left.as_ref().map(contents_json) })),
    }
}

fn purge_ending(before: &BucketContents, report: &PurgeReport) -> Ending {
    let (exit, outcome) = match &report.end {
        PurgeEnd::BucketDeleted => (Exit::Success, "deleted"),
        PurgeEnd::Cancelled { .. } => (Exit::Failure, "cancelled"),
        PurgeEnd::BucketRefused(_) => (Exit::Failure, "refused"),
        PurgeEnd::Failed { .. } => (Exit::Failure, "failed"),
    };
    let exit = if exit == Exit::Failure && report.removed_anything() {
        Exit::Partial
    } else {
        exit
    };
    // The report's headline first: on failure it is the error line.
    let mut lines = report.lines();
    lines.insert(1.min(lines.len()), format!("before: {}", before.summary()));
    Ending::new(exit, outcome, lines).with(json!({
        "uploads_aborted": report.uploads_aborted,
        "versions_deleted": report.versions_deleted,
        "objects_deleted": report.objects_deleted,
        "versions_listed": !report.versions_unsupported,
        "left": report.left.as_ref().map(contents_json),
        "failures": report.failures,
    }))
}
