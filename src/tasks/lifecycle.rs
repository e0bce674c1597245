//! Runs the lifecycle commands: one bucket's rules, every bucket's rules for the bucket list,
//! and a rule change.

use futures::{StreamExt, stream};
use tokio::sync::mpsc::UnboundedSender;

use crate::action::{Action, LifecycleCommand};
use crate::ops::journal::Journal;
use crate::ops::lifecycle;
use crate::s3::S3;

/// Lifecycle reads in flight at once for the bucket list: light, and never crowding out the UI's own calls.
const COVERAGE_CONCURRENCY: usize = 8;

pub async fn run(s3: S3, journal: Journal, tx: UnboundedSender<Action>, command: LifecycleCommand) {
    match command {
        LifecycleCommand::Load { request, bucket } => {
            let result = s3.lifecycle_rules(&bucket).await;
            let _ = tx.send(Action::LifecycleLoaded {
                request,
                bucket,
                result,
            });
        }
        LifecycleCommand::LoadCoverage { buckets } => {
            let mut results = stream::iter(buckets)
                .map(|bucket| {
                    let s3 = &s3;
                    async move {
                        let result = s3.lifecycle_rules(&bucket).await;
                        (bucket, result)
                    }
                })
                .buffer_unordered(COVERAGE_CONCURRENCY);
            while let Some((bucket, result)) = results.next().await {
                let action = Action::LifecycleLoaded {
                    request: 0,
                    bucket,
                    result,
                };
                if tx.send(action).is_err() {
                    return;
                }
            }
        }
        LifecycleCommand::Change {
            request,
            bucket,
            change,
        } => {
            let result = lifecycle::change(&s3, &journal, &bucket, &change).await;
            let _ = tx.send(Action::LifecycleChanged {
                request,
                bucket,
                change,
                result,
            });
        }
    }
}
