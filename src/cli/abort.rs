//! `partsweep abort BUCKET KEY UPLOAD_ID`: abort one incomplete upload.

use clap::Args;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::context::{Context, Exit};
use super::output::{Format, OutputArgs, UploadRow};
use crate::ops::abort::abort_all;
use crate::s3::{AbortOutcome, S3Error, UploadRef};
use crate::text::escape;

#[derive(Debug, Clone, Args)]
pub struct AbortArgs {
    pub bucket: String,
    pub key: String,
    pub upload_id: String,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// The result for one upload of `abort` or `clear`.
#[derive(Debug, Clone, Serialize)]
pub struct OutcomeRow {
    #[serde(flatten)]
    pub upload: UploadRow,
    /// `aborted`, `already_gone`, `failed`, `not_attempted`, or `would_abort` in a dry run.
    pub outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl OutcomeRow {
    pub fn new(upload: UploadRow, result: &Result<AbortOutcome, S3Error>) -> Self {
        let (outcome, error) = match result {
            Ok(AbortOutcome::Aborted) => ("aborted", None),
            Ok(AbortOutcome::AlreadyGone) => ("already_gone", None),
            Err(err) => ("failed", Some(err.exact_line())),
        };
        OutcomeRow {
            upload,
            outcome,
            error,
        }
    }
}

pub async fn run(ctx: &mut Context, args: AbortArgs) -> Exit {
    if let Some(exit) = ctx.refuse_if_read_only("abort") {
        return exit;
    }
    let upload = UploadRef::new(args.key.clone(), args.upload_id.clone());
    let mut result = None;
    let never_started = CancellationToken::new();
    abort_all(
        &ctx.s3,
        &args.bucket,
        vec![upload.clone()],
        1,
        &never_started,
        |_, r| result = Some(r),
    )
    .await;
    let Some(result) = result else {
        ctx.messages.error("the abort was not attempted");
        return Exit::Failure;
    };
    if ctx.format != Format::Table {
        let row = OutcomeRow::new(UploadRow::unlisted(&args.bucket, &upload), &result);
        ctx.out.json(&row);
    }
    let what = format!(
        "{} (upload {}) in bucket {}",
        escape(&args.key),
        escape(&args.upload_id),
        escape(&args.bucket)
    );
    let table = ctx.format == Format::Table;
    match result {
        Ok(AbortOutcome::Aborted) => {
            if table {
                ctx.out.line(&format!("aborted {what}"));
            }
            Exit::Success
        }
        Ok(AbortOutcome::AlreadyGone) => {
            if table {
                ctx.out.line(&format!(
                    "already gone (completed, aborted or expired): {what}"
                ));
            }
            Exit::Success
        }
        Err(err) => {
            ctx.messages.s3_error(&format!("cannot abort {what}"), &err);
            Exit::Failure
        }
    }
}
