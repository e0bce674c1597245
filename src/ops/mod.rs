//! Work of many S3 calls that the console (through the task runner) and the CLI share: one
//! implementation, so both behave the same. Below the runner and the app: this layer uses
//! only `s3`, `format` and `text`, and reports through callbacks and return values.

pub mod abort;
pub mod cost;
pub mod delete;
pub mod journal;
pub mod lifecycle;
pub mod limit;
pub mod list;
pub mod purge;
pub mod retry;
pub mod sizes;
