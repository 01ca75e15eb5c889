//! The envelope string (PROTOCOL.md §8): `b64(header) "." b64(nonce || ciphertext || tag)`.

use crate::b64;
use crate::error::OpenError;
use crate::header::{self, Header, PASSWORD_HEADER_LEN};
use crate::limits::{MAX_ENVELOPE_CHARS, MAX_TEXT_CHARS};
use crate::payload::{BLOCK, padded_len};

/// Nonce length in bytes: AES-256-GCM's 96-bit nonce, the first bytes of the body.
pub const NONCE_LEN: usize = 12;
/// Authentication tag length in bytes: GCM's 128-bit tag, the last bytes of the body.
pub const TAG_LEN: usize = 16;

/// Splits at the envelope's only `.` into `(b64(header), b64(body))`.
///
/// # Errors
/// [`OpenError`] for an envelope over [`MAX_ENVELOPE_CHARS`] or without exactly one `.`.
pub fn split(envelope: &str) -> Result<(&str, &str), OpenError> {
    // No writer produces more; refusing early bounds the work a hostile server can cause.
    if envelope.len() > MAX_ENVELOPE_CHARS {
        return Err(OpenError);
    }
    match envelope.split_once('.') {
        Some((header, body)) if !body.contains('.') => Ok((header, body)),
        _ => Err(OpenError),
    }
}

/// `envelope = b64(header) || "." || b64(body)`.
#[must_use]
pub fn write_envelope(header: &[u8], body: &[u8]) -> String {
    let mut envelope = b64::encode(header);
    envelope.push('.');
    envelope.push_str(&b64::encode(body));
    envelope
}

/// Decodes both parts of an envelope (canonical base64 only).
///
/// # Errors
/// [`OpenError`] as [`split`], or for either part not in canonical base64url.
pub fn read_envelope(envelope: &str) -> Result<(Vec<u8>, Vec<u8>), OpenError> {
    let (header, body) = split(envelope)?;
    Ok((b64::decode(header)?, b64::decode(body)?))
}

/// `body = nonce || ciphertext || tag`: splits off the nonce, refusing bodies whose
/// ciphertext could not hold a whole number of 256-byte payload blocks.
///
/// # Errors
/// [`OpenError`] unless the body is `12 + 256·k + 16` bytes for some `k ≥ 1`.
pub fn split_body(body: &[u8]) -> Result<(&[u8; NONCE_LEN], &[u8]), OpenError> {
    let (nonce, sealed) = body.split_first_chunk::<NONCE_LEN>().ok_or(OpenError)?;
    let payload_len = sealed.len().checked_sub(TAG_LEN).ok_or(OpenError)?;
    if payload_len == 0 || payload_len % BLOCK != 0 {
        return Err(OpenError);
    }
    Ok((nonce, sealed))
}

impl Header {
    /// Parses the header part of a whole envelope. The body is not looked at.
    ///
    /// # Errors
    /// [`OpenError`] if the envelope does not split at exactly one `.` or the header is invalid.
    pub fn from_envelope(envelope: &str) -> Result<Header, OpenError> {
        let (header_b64, _) = split(envelope)?;
        Header::parse_b64(header_b64)
    }
}

/// Why a string is not the shape of an envelope ([`check_shape`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShapeError {
    /// Longer than [`MAX_ENVELOPE_CHARS`]: no writer makes it, and it was not read further.
    TooLong,
    /// Anything else: not one `.`, not canonical base64url, a header without the §4 layout, or
    /// a body of another length than `12 + 256·k + 16`.
    Malformed,
}

/// Checks everything about an envelope that needs no key (PROTOCOL.md §9 steps 1 and 2, but
/// for the Argon2id bounds, see [`header::has_layout`]) and returns its `b64(header)` part.
/// This is what the server, which cannot decrypt, requires of every `secretValue`.
///
/// # Errors
/// [`ShapeError::TooLong`] before anything is decoded, else [`ShapeError::Malformed`].
pub fn check_shape(envelope: &str) -> Result<&str, ShapeError> {
    if envelope.len() > MAX_ENVELOPE_CHARS {
        return Err(ShapeError::TooLong);
    }
    let (header_b64, body_b64) = split(envelope).map_err(|_| ShapeError::Malformed)?;
    let well_formed = b64::decode(header_b64).is_ok_and(|h| header::has_layout(&h))
        && b64::decode(body_b64).is_ok_and(|b| split_body(&b).is_ok());
    if well_formed {
        Ok(header_b64)
    } else {
        Err(ShapeError::Malformed)
    }
}

// The constant is the longest envelope: 10,000 four-byte characters behind a password-mode
// header. Envelope length only grows with the header and data lengths, so this is its maximum.
const _: () = assert!(
    envelope_len(PASSWORD_HEADER_LEN, 4 * MAX_TEXT_CHARS) == MAX_ENVELOPE_CHARS,
    "MAX_ENVELOPE_CHARS must be the longest envelope a writer produces"
);

/// The length in characters of the envelope for a header of `header_len` bytes and
/// `data_len` bytes of payload data.
#[must_use]
pub const fn envelope_len(header_len: usize, data_len: usize) -> usize {
    let body_len = NONCE_LEN + padded_len(data_len) + TAG_LEN;
    b64::encoded_len(header_len) + 1 + b64::encoded_len(body_len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_exactly_one_dot() {
        assert_eq!(split("aa.bb").unwrap(), ("aa", "bb"));
        assert_eq!(split(".").unwrap(), ("", ""));
        for bad in ["", "aabb", "aa.bb.", ".aa.bb", "aa..bb", "a.b.c"] {
            assert!(split(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn refuses_oversized_envelopes_before_decoding() {
        let at_limit = format!("AA.{}", "A".repeat(MAX_ENVELOPE_CHARS - 3));
        assert!(split(&at_limit).is_ok());
        let over = format!("AA.{}", "A".repeat(MAX_ENVELOPE_CHARS - 2));
        assert!(split(&over).is_err());
        assert_eq!(check_shape(&over), Err(ShapeError::TooLong));
    }

    #[test]
    fn body_lengths() {
        let ok = |len: usize| split_body(&vec![0; len]).is_ok();
        assert!(!ok(0) && !ok(11) && !ok(12 + 16) && !ok(12 + 255 + 16) && !ok(12 + 257 + 16));
        assert!(ok(12 + 256 + 16) && ok(12 + 512 + 16));
    }

    fn raw_envelope(version: u8, mode: u8, header_len: usize, body_len: usize) -> String {
        let mut header = vec![0u8; header_len];
        header[..2].copy_from_slice(&[version, mode]);
        write_envelope(&header, &vec![9u8; body_len])
    }

    #[test]
    fn shape_is_layout_and_lengths_but_not_argon2_bounds() {
        for (mode, header_len) in [(1, 34), (2, 46), (3, 46)] {
            let envelope = raw_envelope(1, mode, header_len, 284 + 256);
            // All-zero Argon2id parameters: out of bounds for a reader, a shape for the server.
            assert_eq!(
                check_shape(&envelope),
                Ok(envelope.split('.').next().unwrap())
            );
        }
        for bad in [
            raw_envelope(1, 1, 46, 284),
            raw_envelope(1, 2, 34, 284),
            raw_envelope(1, 4, 46, 284),
            raw_envelope(2, 1, 34, 284),
            raw_envelope(1, 1, 34, 283),
            raw_envelope(1, 1, 34, 285),
            format!("{}.", raw_envelope(1, 1, 34, 284)),
            String::new(),
        ] {
            assert_eq!(check_shape(&bad), Err(ShapeError::Malformed), "{bad:?}");
        }
    }
}
