//! The envelope string (PROTOCOL.md §8): `b64(header) "." b64(nonce || ciphertext || tag)`.

use crate::aead::{NONCE_LEN, TAG_LEN};
use crate::header::PASSWORD_HEADER_LEN;
use crate::payload::{BLOCK, padded_len};
use crate::{MAX_ENVELOPE_CHARS, MAX_TEXT_CHARS, OpenError, b64};

/// Splits at the envelope's only `.` into `(b64(header), b64(body))`.
pub(crate) fn split(envelope: &str) -> Result<(&str, &str), OpenError> {
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
pub(crate) fn write_envelope(header: &[u8], body: &[u8]) -> String {
    let mut envelope = b64::encode(header);
    envelope.push('.');
    envelope.push_str(&b64::encode(body));
    envelope
}

/// Decodes both parts of an envelope (canonical base64 only).
pub(crate) fn read_envelope(envelope: &str) -> Result<(Vec<u8>, Vec<u8>), OpenError> {
    let (header, body) = split(envelope)?;
    Ok((b64::decode(header)?, b64::decode(body)?))
}

/// `body = nonce || ciphertext || tag`: splits off the nonce, refusing bodies whose
/// ciphertext could not hold a whole number of 256-byte payload blocks.
pub(crate) fn split_body(body: &[u8]) -> Result<(&[u8; NONCE_LEN], &[u8]), OpenError> {
    let (nonce, sealed) = body.split_first_chunk::<NONCE_LEN>().ok_or(OpenError)?;
    let payload_len = sealed.len().checked_sub(TAG_LEN).ok_or(OpenError)?;
    if payload_len == 0 || payload_len % BLOCK != 0 {
        return Err(OpenError);
    }
    Ok((nonce, sealed))
}

// The constant is the longest envelope: 10,000 four-byte characters behind a password-mode
// header. Envelope length only grows with the header and data lengths, so this is its maximum.
const _: () = assert!(
    envelope_len(PASSWORD_HEADER_LEN, 4 * MAX_TEXT_CHARS) == MAX_ENVELOPE_CHARS,
    "MAX_ENVELOPE_CHARS must be the longest envelope a writer produces"
);

/// The length in characters of the envelope for a header of `header_len` bytes and
/// `data_len` bytes of payload data.
pub(crate) const fn envelope_len(header_len: usize, data_len: usize) -> usize {
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
    }

    #[test]
    fn body_lengths() {
        let ok = |len: usize| split_body(&vec![0; len]).is_ok();
        assert!(!ok(0) && !ok(11) && !ok(12 + 16) && !ok(12 + 255 + 16) && !ok(12 + 257 + 16));
        assert!(ok(12 + 256 + 16) && ok(12 + 512 + 16));
    }
}
