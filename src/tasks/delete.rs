//! Runs the delete commands on tokio and reports back as actions: the bucket pre-check,
//! folder listings before a delete, object deletes and Empty-and-delete.

use futures::{FutureExt, TryStreamExt};
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

use crate::action::{Action, DeleteCommand, DeleteEvent, RequestId};
use crate::ops::delete::{delete_all, delete_bucket_explained};
use crate::ops::purge::{Phase, Progress, empty_and_delete_until};
use crate::s3::{Entry, ErrorKind, ObjectId, S3, S3Error};

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

/// Runs one delete command to its end; a cancelled listing sends nothing. `token` stops
/// scheduling, `now` also the count after a stopped Empty and delete.
pub async fn run(
    s3: S3,
    tx: UnboundedSender<Action>,
    command: DeleteCommand,
    concurrency: usize,
    (token, now): (CancellationToken, CancellationToken),
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
                .try_concat()
                .map(|listed| listed.and_then(folder_keys));
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
            let report =
                empty_and_delete_until(&s3, &bucket, concurrency, &token, &now, |progress| {
                    let _ = tx.send(Action::Delete(DeleteEvent::Progress { job, progress }));
                })
                .await;
            DeleteEvent::BucketPurged { job, report }
        }
    };
    let _ = tx.send(Action::Delete(event));
}

/// The keys under a folder, to delete them all; a key that is not UTF-8 among them refuses
/// the whole delete (the folder could not be emptied, and it must never become another key).
fn folder_keys(entries: Vec<Entry>) -> Result<Vec<String>, S3Error> {
    if let Some(undecodable) = entries.iter().find(|entry| entry.key_undecodable) {
        return Err(S3Error::new(
            ErrorKind::UndecodableKey,
            format!(
                "{} is not UTF-8, and partsweep can only name keys as text: it deletes nothing \
                 under this folder rather than act on a different key",
                undecodable.shown_key()
            ),
        ));
    }
    Ok(entries.into_iter().map(|entry| entry.key).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::s3::EntryKind;

    fn file(key: &str, key_undecodable: bool) -> Entry {
        Entry {
            kind: EntryKind::File,
            key: key.into(),
            size: 1,
            modified: None,
            storage_class: None,
            key_undecodable,
        }
    }

    #[test]
    fn a_folder_holding_a_key_that_is_not_utf8_is_not_deleted_at_all() {
        let err = folder_keys(vec![file("d/a.txt", false), file("d/bad-%FF", true)])
            .expect_err("refused");
        assert_eq!(err.kind, ErrorKind::UndecodableKey);
        assert!(
            err.message
                .starts_with("d/bad-\\xff (undecodable) is not UTF-8"),
            "{}",
            err.message
        );
        assert_eq!(
            folder_keys(vec![file("d/a.txt", false)]),
            Ok(vec!["d/a.txt".to_owned()])
        );
    }
}
