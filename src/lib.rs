//! partsweep: a terminal console for S3 incomplete multipart uploads, lifecycle rules and bucket cleanup.

pub mod action;
pub mod app;
pub mod cli;
pub mod config;
pub mod demo;
pub mod format;
pub mod keys;
pub mod ops;
pub mod s3;
pub mod tasks;
pub mod text;
pub mod tui;
pub mod ui;
