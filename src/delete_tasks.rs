//! Runs the delete commands on tokio and reports back as actions: the bucket pre-check,
//! folder listings before a delete, object deletes and Empty-and-delete.

use futures::TryStreamExt;
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

use crate::action::{Action, Command};
use crate::purge::{self, Phase, Progress};
use crate::s3::{ObjectId, S3};

/// Runs one delete command to its end; a cancelled listing sends nothing.
pub async fn run(
    s3: S3,
    tx: UnboundedSender<Action>,
    command: Command,
    concurrency: usize,
    token: CancellationToken,
) {
    let action = match command {
        Command::CountBucket { request, bucket } => {
            let result = tokio::select! {
                _ = token.cancelled() => return,
                result = s3.count_contents(&bucket) => result,
            };
            Action::BucketCounted {
                request,
                bucket,
                result,
            }
        }
        Command::ListPrefix {
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
            Action::PrefixListed {
                request,
                bucket,
                prefix,
                result,
            }
        }
        Command::DeleteObjects { job, bucket, keys } => {
            let total = keys.len() as u64;
            let objects = keys.into_iter().map(ObjectId::key).collect();
            let report =
                purge::delete_all(&s3, &bucket, objects, concurrency, &token, false, |done| {
                    let _ = tx.send(Action::DeleteProgress {
                        job,
                        progress: Progress {
                            phase: Phase::DeleteObjects,
                            listing: false,
                            done: done as u64,
                            total,
                        },
                    });
                })
                .await;
            Action::ObjectsDeleted { job, report }
        }
        Command::DeleteBucket { job, bucket } => {
            let result = purge::delete_bucket_explained(&s3, &bucket).await;
            Action::BucketDeleted {
                job,
                bucket,
                result,
            }
        }
        Command::EmptyAndDeleteBucket { job, bucket } => {
            let report = purge::empty_and_delete(&s3, &bucket, concurrency, &token, |progress| {
                let _ = tx.send(Action::DeleteProgress { job, progress });
            })
            .await;
            Action::BucketPurged { job, report }
        }
        _ => return,
    };
    let _ = tx.send(action);
}
