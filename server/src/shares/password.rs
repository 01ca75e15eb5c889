//! Password handling: SHA-256 of verifiers and delete tokens, Argon2id of plain passwords on a bounded blocking pool.

use std::sync::LazyLock;

use sha2::{Digest as _, Sha256};

use super::ShareError;
use super::validate;
use crate::blocking::BlockingLimit;
use crate::random::random_bytes;
use crate::store::{Digest, PasswordCheck, PasswordSalt};

/// SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> Digest {
    Sha256::digest(bytes).into()
}

/// Argon2id computations at once: one per core. Each holds 19 MiB; without a bound, a burst of
/// plain-password requests would take memory in proportion to the burst.
static ARGON2_LIMIT: LazyLock<BlockingLimit> = LazyLock::new(|| BlockingLimit::per_core(1));

/// Argon2id hashes waiting for a thread, and running (for the metrics).
pub fn argon2_queue() -> (usize, usize) {
    (ARGON2_LIMIT.waiting(), ARGON2_LIMIT.running())
}

/// Runs `f` (an Argon2id computation) on the bounded pool that every Argon2id of the server
/// shares, so that plain-password secrets and account logins together stay within one bound.
pub async fn on_argon2_pool<T, F>(f: F) -> Result<T, tokio::task::JoinError>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    ARGON2_LIMIT.run(f).await
}

/// Argon2id(password, salt, m=19456 KiB, t=2, p=1), 32 bytes, on the blocking pool.
pub async fn argon2id(password: String, salt: PasswordSalt) -> Result<Digest, ShareError> {
    ARGON2_LIMIT
        .run(move || {
            let params = argon2::Params::new(19_456, 2, 1, Some(32))
                .map_err(|e| ShareError::Internal(format!("argon2 params: {e}")))?;
            let argon =
                argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
            let mut out = [0u8; 32];
            argon
                .hash_password_into(password.as_bytes(), &salt, &mut out)
                .map_err(|e| ShareError::Internal(format!("argon2: {e}")))?;
            Ok(out)
        })
        .await
        .map_err(|e| ShareError::Internal(format!("argon2 task: {e}")))?
}

/// What to store for a creator's password: SHA-256 of a verifier, or Argon2id of a plain one.
pub async fn password_check(password: String) -> Result<PasswordCheck, ShareError> {
    if validate::is_verifier(&password) {
        return Ok(PasswordCheck {
            digest: sha256(password.as_bytes()),
            salt: None,
        });
    }
    let salt: PasswordSalt = random_bytes();
    Ok(PasswordCheck {
        digest: argon2id(password, salt).await?,
        salt: Some(salt),
    })
}

/// The digest a reader's plain password is checked with: Argon2id with the secret's salt, or
/// SHA-256 when the secret has no plain password (or the password is too long to hash), which
/// then fails the comparison like any wrong one.
pub async fn plain_proof(
    password: String,
    salt: Option<PasswordSalt>,
) -> Result<Digest, ShareError> {
    match salt {
        Some(salt) if password.chars().count() <= validate::MAX_PLAIN_PASSWORD_CHARS => {
            argon2id(password, salt).await
        }
        _ => Ok(sha256(password.as_bytes())),
    }
}
