//! Sealing a text into an envelope and opening it again (PROTOCOL.md §8–9).

use zeroize::Zeroizing;

use zkshare_format::header::SALT_LEN;
use zkshare_format::payload::{CONTENT_TEXT, write_payload};
use zkshare_format::{Argon2Params, Header, MAX_TEXT_CHARS, OpenError};

use crate::aead::NONCE_LEN;
use crate::error::SealError;
use crate::keys::{Credentials, EnvelopeKeys};
use crate::random::random;

/// A sealed secret: what the client sends to the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    /// The API's `secretValue`: `b64(header) "." b64(body)`.
    pub envelope: String,
    /// The API's `password`: `zkv1.` followed by `b64(kauth)`.
    pub verifier: String,
}

/// Seals `text` in the mode that `creds` implies, with a fresh random salt and nonce and the
/// default Argon2id parameters.
///
/// # Errors
/// [`SealError::TooLong`] over [`MAX_TEXT_CHARS`] characters, [`SealError::EmptyPassword`],
/// [`SealError::Random`] or [`SealError::KeyDerivation`] if the platform fails.
pub fn seal_text(text: &str, creds: &Credentials<'_>) -> Result<Sealed, SealError> {
    check_inputs(text, creds)?;
    let salt = random::<SALT_LEN>()?;
    let nonce = random::<NONCE_LEN>()?;
    seal_with(text, creds, salt, nonce, Argon2Params::DEFAULT)
}

fn check_inputs(text: &str, creds: &Credentials<'_>) -> Result<(), SealError> {
    // The limit is in Unicode scalar values, as the API counts them, not UTF-8 bytes.
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(SealError::TooLong);
    }
    if creds.password() == Some("") {
        return Err(SealError::EmptyPassword);
    }
    Ok(())
}

/// The one sealing path. Only [`seal_text`] (random inputs) and the test-only deterministic
/// entry points reach it; nothing public lets a caller choose a salt or nonce otherwise.
pub(crate) fn seal_with(
    text: &str,
    creds: &Credentials<'_>,
    salt: [u8; SALT_LEN],
    nonce: [u8; NONCE_LEN],
    params: Argon2Params,
) -> Result<Sealed, SealError> {
    check_inputs(text, creds)?;
    let header = Header::new(creds.mode(), salt, params);
    let keys = EnvelopeKeys::schedule(&header, creds).map_err(|_| SealError::KeyDerivation)?;
    let payload = write_payload(CONTENT_TEXT, text.as_bytes());
    Ok(Sealed {
        envelope: keys.seal_payload(&payload, &nonce),
        verifier: keys.verifier(),
    })
}

/// Opens a text envelope with the reader's credentials (PROTOCOL.md §9).
///
/// # Errors
/// The one opaque [`OpenError`] for every failure.
pub fn open_text(envelope: &str, creds: &Credentials<'_>) -> Result<Zeroizing<String>, OpenError> {
    let header = Header::from_envelope(envelope)?;
    EnvelopeKeys::derive(&header, creds)?.open_text(envelope)
}

/// **Test-only** (feature `vectors`): [`seal_text`] with the salt, nonce and Argon2id
/// parameters given, so that test vectors are reproducible. Reusing a salt or nonce in real
/// use would break the protocol's guarantees; shipped binaries never enable this feature.
/// `params` is ignored in mode `key`; parameters outside PROTOCOL.md §4's bounds produce an
/// envelope that no reader opens.
///
/// # Errors
/// As [`seal_text`].
#[cfg(feature = "vectors")]
pub fn seal_text_deterministic(
    text: &str,
    creds: &Credentials<'_>,
    salt: [u8; SALT_LEN],
    nonce: [u8; NONCE_LEN],
    params: Argon2Params,
) -> Result<Sealed, SealError> {
    seal_with(text, creds, salt, nonce, params)
}
