//! The error of sealing. Opening has one opaque error, `zkshare_format::OpenError`.

use std::fmt;

/// Why a secret could not be sealed. These describe the caller's input or the platform,
/// never anything secret, so they can be shown to the user as they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealError {
    /// The text has more than [`crate::MAX_TEXT_CHARS`] Unicode scalar values.
    TooLong,
    /// A password mode was asked for with an empty password.
    EmptyPassword,
    /// The operating system's random number generator failed.
    Random,
    /// Argon2id could not run (in practice: its memory could not be allocated).
    KeyDerivation,
    /// A secret request's public key is malformed or does not match the commitment in its
    /// link: the server may have substituted it, so nothing was sealed.
    KeyMismatch,
}

impl fmt::Display for SealError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SealError::TooLong => "the secret is longer than 10000 characters",
            SealError::EmptyPassword => "the password is empty",
            SealError::Random => "the system's random number generator failed",
            SealError::KeyDerivation => "the password key derivation failed (out of memory?)",
            SealError::KeyMismatch => {
                "the requester's key does not match the link: the server may have replaced it, so nothing was encrypted"
            }
        })
    }
}

impl std::error::Error for SealError {}
