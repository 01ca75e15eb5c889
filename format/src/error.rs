//! The one opaque error of opening (PROTOCOL.md §9), shared by format checks and decryption.

use std::fmt;

/// The one error for every failure to open (PROTOCOL.md §9): malformed encoding, unknown
/// version or mode, truncation, wrong key or password, tampering, bad padding. It carries
/// nothing that would tell an attacker which check failed. The format checks of this crate are
/// steps 1, 2 and 5 of opening, so they fail with it too, and `zkshare-crypto` re-exports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OpenError;

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("cannot open this secret: wrong link key or password, or the data was altered")
    }
}

impl std::error::Error for OpenError {}
