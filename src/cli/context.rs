//! What every headless subcommand runs on: one [`Context`] and one [`Exit`].

use std::io::{self, IsTerminal};
use std::process::ExitCode;

use super::Resolved;
use super::output::{Format, Messages, Out};
use crate::s3::{S3, Timestamp};

/// How a headless command ended, as the process exit code scripts see (README "Exit codes").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Success,
    /// A server error, a write refused by `--read-only`, a "no" at a prompt, a bucket `rb`
    /// will not delete.
    Failure,
    /// Bad input, or a destructive command refused for want of `--yes` off a terminal.
    Usage,
    /// Some items failed and others did not; the summary names the failures.
    Partial,
}

impl Exit {
    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Failure => 1,
            Exit::Usage => 2,
            Exit::Partial => 3,
        }
    }

    /// From how many items succeeded and how many failed (not attempted counts as failed).
    pub fn from_counts(succeeded: u64, failed: u64) -> Exit {
        match (succeeded, failed) {
            (_, 0) => Exit::Success,
            (0, _) => Exit::Failure,
            _ => Exit::Partial,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit.code())
    }
}

/// The server, the merged settings, the output format, and where to print.
pub struct Context {
    pub s3: S3,
    pub read_only: bool,
    pub concurrency: usize,
    pub page_size: Option<i32>,
    /// USD per GB-month, for cost estimates.
    pub price_per_gb_month: f64,
    pub format: Format,
    /// One clock reading per run, so `--older-than` and ages agree across pages.
    pub now: Timestamp,
    pub out: Out,
    pub messages: Messages,
}

impl Context {
    pub fn new(s3: S3, resolved: &Resolved, format: Format, no_color: bool) -> Self {
        let mut messages = Messages::new(no_color);
        // Progress would garble JSON streaming to the same terminal.
        if format != Format::Table && io::stdout().is_terminal() {
            messages.disable_progress();
        }
        Context {
            s3,
            read_only: resolved.read_only,
            concurrency: resolved.concurrency,
            page_size: resolved.page_size,
            price_per_gb_month: resolved.price_per_gb_month,
            format,
            now: time::OffsetDateTime::now_utc().unix_timestamp(),
            out: Out::default(),
            messages,
        }
    }

    /// In read-only mode, says so and returns the exit to use; `what` names the refused write.
    pub fn refuse_if_read_only(&mut self, what: &str) -> Option<Exit> {
        if !self.read_only {
            return None;
        }
        self.messages
            .error(&format!("read-only mode: {what} refused"));
        Some(Exit::Failure)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_scripts_rely_on() {
        assert_eq!(Exit::from_counts(5, 0).code(), 0);
        assert_eq!(Exit::from_counts(0, 0).code(), 0);
        assert_eq!(Exit::from_counts(0, 3).code(), 1);
        assert_eq!(Exit::from_counts(4, 1).code(), 3);
        assert_eq!(Exit::Usage.code(), 2);
    }
}
