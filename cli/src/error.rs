//! The CLI's one error: a message for people and the exit code that classifies it.

use std::fmt;
use std::process::ExitCode;

/// The documented exit codes (`zkshare --help`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 1: anything not classified below.
    Other = 1,
    /// 2: bad arguments or input, a malformed link, or a request the server refused (400).
    Usage = 2,
    /// 3: the secret is gone: unknown, expired, used up or deleted (404).
    Gone = 3,
    /// 4: wrong password, link key or delete token (401/403), or the envelope did not open.
    Denied = 4,
    /// 5: the server cannot be reached or failed (5xx).
    Unavailable = 5,
    /// 6: a secret request has no answer yet (`receive`; try again later).
    NotYet = 6,
}

/// A failure to report as `zkshare: <message>` with its exit code.
#[derive(Debug)]
pub struct Failure {
    /// How the process exits.
    pub exit: Exit,
    /// What went wrong, in words a user can act on.
    pub message: String,
}

impl Failure {
    /// A failure with this class and message.
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        Failure {
            exit,
            message: message.into(),
        }
    }

    /// Exit code 2.
    pub fn usage(message: impl Into<String>) -> Self {
        Failure::new(Exit::Usage, message)
    }

    /// Exit code 1.
    pub fn other(message: impl Into<String>) -> Self {
        Failure::new(Exit::Other, message)
    }

    /// The process exit code.
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.exit as u8)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The result of every command.
pub type Result<T, E = Failure> = std::result::Result<T, E>;
