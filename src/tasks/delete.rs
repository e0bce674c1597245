//! Runs the delete commands on tokio and reports back as actions: the bucket pre-check,
//! folder listings before a delete, object deletes and Empty-and-delete.

use futures::TryStreamExt;
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

use crate::action::{Action, DeleteCommand, DeleteEvent, RequestId};
use crate::ops::delete::{delete_all, delete_bucket_explained};
use crate::ops::purge::{Phase, Progress, empty_and_delete};
use crate::s3::{ObjectId, S3};

/// The id a cancel names: the request of a count or listing, the job of a delete.
pub fn cancel_id(command: &DeleteCommand) -> RequestId {
    match command {
        DeleteCommand::CountBucket { request, .. } | DeleteCommand::ListPrefix { request, .. } => {
            *request
        }
        DeleteCommand::DeleteObjects { job, .. }
        | DeleteCommand::DeleteBucket { job, .. }
        | DeleteCommand::EmptyAndDeleteBucket { job, .. } => *job,
    }
}

/// Runs one delete command to its end; a cancelled listing sends nothing.
pub async fn run(
    s3: S3,
    tx: UnboundedSender<Action>,
    command: DeleteCommand,
    concurrency: usize,
    token: CancellationToken,
) {
    let event = match command {
        DeleteCommand::CountBucket { request, bucket } => {
            let result = tokio::select! {
                _ = token.cancelled() => return,
                result = s3.count_contents(&bucket) => result,
            };
            DeleteEvent::BucketCounted {
                request,
                bucket,
                result,
            }
        }
        DeleteCommand::ListPrefix {
            request,
            bucket,
            prefix,
        } => {
            let listing = s3
                .list_all_objects(&bucket, &prefix)
                .map_ok(|page| page.into_iter().map(|entry| entry.key).collect::<Vec<_>>())
                .try_concat();
            let result = tokio::select! {
                _ = token.cancelled() => return,
                result = listing => result,
            };
            DeleteEvent::PrefixListed {
                request,
                bucket,
                prefix,
                result,
            }
        }
        DeleteCommand::DeleteObjects {
            job,
            bucket,
            keys,
            folder,
        } => {
            let total = keys.len() as u64;
            let objects = keys.into_iter().map(ObjectId::key).collect();
            let report = delete_all(&s3, &bucket, objects, concurrency, &token, false, |done| {
                let _ = tx.send(Action::Delete(DeleteEvent::Progress {
                    job,
                    progress: Progress {
                        phase: Phase::DeleteObjects,
                        listing: false,
                        done: done as u64,
                        total,
                    },
                }));
            })
            .await;
            let mut report = report;
            if let Some(prefix) = folder
                && let Ok(Some(counts)) = s3.count_versions(&bucket, &prefix).await
            {
                report.left_behind = counts.left_after_delete(&prefix);
            }
            DeleteEvent::ObjectsDeleted { job, report }
        }
        DeleteCommand::DeleteBucket { job, bucket } => {
            let result = delete_bucket_explained(&s3, &bucket).await;
            DeleteEvent::BucketDeleted {
                job,
                bucket,
                result,
            }
        }
        DeleteCommand::EmptyAndDeleteBucket { job, bucket } => {
            let report = empty_and_delete(&s3, &bucket, concurrency, &token, |progress| {
                let _ = tx.send(Action::Delete(DeleteEvent::Progress { job, progress }));
            })
            .await;
            DeleteEvent::BucketPurged { job, report }
        }
    };
    let _ = tx.send(Action::Delete(event));
}
