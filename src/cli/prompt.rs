//! Asking before destructive work, and Ctrl-C during it: the same rules for every subcommand.

use std::io::{self, BufRead, IsTerminal, Write};
use std::sync::{Arc, Mutex};

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::context::Exit;

/// Whether a destructive command may go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consent {
    /// `--yes`, or the person at the terminal agreed.
    Given,
    /// The person at the terminal said no.
    Declined,
    /// No `--yes` and no terminal on stdin to ask on.
    NoTerminal,
}

impl Consent {
    /// `--yes` goes on without asking; otherwise `ask` runs only when stdin is a terminal.
    pub fn get(yes: bool, ask: impl FnOnce() -> bool) -> Consent {
        if yes {
            Consent::Given
        } else if !io::stdin().is_terminal() {
            Consent::NoTerminal
        } else if ask() {
            Consent::Given
        } else {
            Consent::Declined
        }
    }

    /// The exit when the command does not go on: a missing `--yes` is a usage refusal,
    /// a "no" a failure.
    pub fn refusal_exit(self) -> Option<Exit> {
        match self {
            Consent::Given => None,
            Consent::Declined => Some(Exit::Failure),
            Consent::NoTerminal => Some(Exit::Usage),
        }
    }
}

/// The end of the message for [`Consent::NoTerminal`], after "refusing to …".
pub const NEEDS_YES: &str = "without --yes (stdin is not a terminal to ask on)";

fn read_answer(prompt: &str) -> Option<String> {
    eprint!("{}", crate::text::escape(prompt));
    let _ = io::stderr().flush();
    let mut answer = String::new();
    io::stdin().lock().read_line(&mut answer).ok()?;
    Some(answer.trim_end_matches(['\r', '\n']).to_owned())
}

/// `question [y/N]`: only `y` or `yes` agrees.
pub fn yes_no(question: &str) -> bool {
    read_answer(&format!("{question} [y/N] "))
        .is_some_and(|answer| matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes"))
}

/// Agrees only when the person types `expected` exactly.
pub fn typed(prompt: &str, expected: &str) -> bool {
    read_answer(prompt).is_some_and(|answer| answer == expected)
}

/// The exit code after a second Ctrl-C, as a shell reports a process ended by SIGINT.
pub const INTERRUPTED: i32 = 130;

/// While alive, Ctrl-C cancels `token`: nothing new starts (no retry either), calls in
/// flight finish, and the command reports what was left alone. A second Ctrl-C exits at
/// once with [`INTERRUPTED`], after printing what is known (see [`CancelOnCtrlC::know`]).
pub struct CancelOnCtrlC {
    task: JoinHandle<()>,
    known: Arc<Mutex<String>>,
}

impl CancelOnCtrlC {
    pub fn new(token: &CancellationToken) -> Self {
        let token = token.clone();
        let known = Arc::new(Mutex::new(String::new()));
        let task = tokio::spawn({
            let known = known.clone();
            async move {
                if tokio::signal::ctrl_c().await.is_err() {
                    return;
                }
                eprintln!(
                    "\npartsweep: cancelling: calls in flight finish, nothing new starts (Ctrl-C again stops at once)"
                );
                token.cancel();
                if tokio::signal::ctrl_c().await.is_err() {
                    return;
                }
                let known = known.lock().map(|known| known.clone()).unwrap_or_default();
                eprintln!("\npartsweep: stopped at once; calls in flight were not waited for");
                if !known.is_empty() {
                    eprintln!("partsweep: so far: {known}");
                }
                let _ = io::stderr().flush();
                std::process::exit(INTERRUPTED);
            }
        });
        CancelOnCtrlC { task, known }
    }

    /// What a second Ctrl-C prints: the command keeps it current as results arrive.
    pub fn know(&self, text: impl Into<String>) {
        if let Ok(mut known) = self.known.lock() {
            *known = text.into();
        }
    }
}

impl Drop for CancelOnCtrlC {
    fn drop(&mut self) {
        self.task.abort();
    }
}
