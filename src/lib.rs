//! partsweep: a terminal console for S3 incomplete multipart uploads, lifecycle rules and bucket cleanup.

pub mod action;
pub mod app;
pub mod cli;
pub mod config;
pub mod delete_tasks;
pub mod demo;
pub mod format;
pub mod garage;
pub mod keys;
pub mod purge;
pub mod retry;
pub mod s3;
pub mod tasks;
pub mod text;
pub mod tui;
pub mod ui;
