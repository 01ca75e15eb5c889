//! The wire format of secret requests (PROTOCOL.md §14): the requester's public key, the answer's header and shape.
//!
//! A requester publishes an HPKE public key; whoever answers seals the secret to it, and the
//! server stores the sealed answer. This module is what the server checks such strings with;
//! it holds no HPKE, no curve and no AEAD (the sealing is `zkshare-crypto`'s).

use crate::b64;
use crate::envelope::{self, TAG_LEN};
use crate::error::OpenError;
use crate::header::VERSION;
use crate::limits::MAX_TEXT_CHARS;
use crate::payload::{BLOCK, padded_len};

/// The one suite of version 1: HPKE (RFC 9180) base mode with DHKEM(X25519, HKDF-SHA256),
/// HKDF-SHA256 and AES-128-GCM — the suite of RFC 9180 Appendix A.1. Other values are
/// reserved (a hybrid post-quantum KEM would be a new suite byte, not a new format).
pub const SUITE_X25519_SHA256_AES128GCM: u8 = 0x01;

/// The answer header's kind byte. It is not a share mode (`0x01`–`0x03`), so an answer is
/// never read as a share envelope, nor a share envelope as an answer.
pub const ANSWER_KIND: u8 = 0x10;

/// Bytes in a public or private key of the suite (X25519), and in its encapsulated key.
pub const KEY_LEN: usize = 32;

/// Characters in a public key as the API carries it: `b64(suite || pk)`, 33 bytes.
pub const PUBLIC_KEY_CHARS: usize = b64::encoded_len(1 + KEY_LEN);

/// Characters in a requester's private key as its link carries it: `b64(suite || sk)`.
pub const PRIVATE_KEY_CHARS: usize = b64::encoded_len(1 + KEY_LEN);

/// Bytes in the answer header: version, kind, suite.
pub const ANSWER_HEADER_LEN: usize = 3;

/// Bytes in a requester token and in a key commitment (both 32 bytes, 43 characters).
pub const TOKEN_LEN: usize = 32;

/// The longest answer any writer produces: the header, `.`, and `b64(enc || ciphertext || tag)`
/// for 10,000 four-byte characters. Servers and readers refuse longer ones unread.
pub const MAX_ANSWER_CHARS: usize = b64::encoded_len(ANSWER_HEADER_LEN)
    + 1
    + b64::encoded_len(KEY_LEN + padded_len(4 * MAX_TEXT_CHARS) + TAG_LEN);

// Every answer fits the envelope limit, so the envelope's splitting rules apply unchanged.
const _: () = assert!(MAX_ANSWER_CHARS <= crate::limits::MAX_ENVELOPE_CHARS);

/// A requester's public key: the suite and the key bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicKey {
    suite: u8,
    key: [u8; KEY_LEN],
}

impl PublicKey {
    /// A key of the suite `suite`.
    ///
    /// # Errors
    /// [`OpenError`] for a suite this version does not know.
    pub fn new(suite: u8, key: [u8; KEY_LEN]) -> Result<Self, OpenError> {
        if suite != SUITE_X25519_SHA256_AES128GCM {
            return Err(OpenError);
        }
        Ok(Self { suite, key })
    }

    /// Parses `b64(suite || pk)`: canonical base64url of 33 bytes with a known suite.
    ///
    /// # Errors
    /// [`OpenError`] for anything else.
    pub fn parse(text: &str) -> Result<Self, OpenError> {
        if text.len() != PUBLIC_KEY_CHARS {
            return Err(OpenError);
        }
        let bytes = b64::decode(text)?;
        let (&suite, key) = bytes.split_first().ok_or(OpenError)?;
        Self::new(suite, key.try_into().map_err(|_| OpenError)?)
    }

    /// The suite byte.
    #[must_use]
    pub const fn suite(&self) -> u8 {
        self.suite
    }

    /// The key bytes (`pkR` of RFC 9180).
    #[must_use]
    pub const fn key(&self) -> &[u8; KEY_LEN] {
        &self.key
    }

    /// `suite || pk`, the bytes the commitment and the HPKE info cover.
    #[must_use]
    pub fn to_bytes(&self) -> [u8; 1 + KEY_LEN] {
        let mut bytes = [0u8; 1 + KEY_LEN];
        bytes[0] = self.suite;
        bytes[1..].copy_from_slice(&self.key);
        bytes
    }

    /// `b64(suite || pk)`, 44 characters: the API's `publicKey`.
    #[must_use]
    pub fn to_b64(&self) -> String {
        b64::encode(&self.to_bytes())
    }
}

/// The answer header for `suite`: `version || kind || suite`.
#[must_use]
pub const fn answer_header(suite: u8) -> [u8; ANSWER_HEADER_LEN] {
    [VERSION, ANSWER_KIND, suite]
}

/// An answer split into its parts, every length checked.
#[derive(Debug, PartialEq, Eq)]
pub struct AnswerParts {
    /// The header bytes (the AAD of the seal).
    pub header: [u8; ANSWER_HEADER_LEN],
    /// The encapsulated key `enc`.
    pub enc: [u8; KEY_LEN],
    /// The AEAD ciphertext and tag of the padded payload.
    pub sealed: Vec<u8>,
}

/// Reads an answer `b64(header) "." b64(enc || ciphertext || tag)` (PROTOCOL.md §14.4):
/// at most [`MAX_ANSWER_CHARS`], canonical base64url, a version-1 answer header of a known
/// suite, and a ciphertext of a whole number (at least one) of 256-byte payload blocks.
///
/// # Errors
/// The one [`OpenError`] for anything else.
pub fn read_answer(answer: &str) -> Result<AnswerParts, OpenError> {
    if answer.len() > MAX_ANSWER_CHARS {
        return Err(OpenError);
    }
    let (header, body) = envelope::read_envelope(answer)?;
    let header: [u8; ANSWER_HEADER_LEN] = header.try_into().map_err(|_| OpenError)?;
    if header != answer_header(SUITE_X25519_SHA256_AES128GCM) {
        return Err(OpenError);
    }
    let (enc, sealed) = body.split_first_chunk::<KEY_LEN>().ok_or(OpenError)?;
    let payload_len = sealed.len().checked_sub(TAG_LEN).ok_or(OpenError)?;
    if payload_len == 0 || payload_len % BLOCK != 0 || payload_len > padded_len(4 * MAX_TEXT_CHARS)
    {
        return Err(OpenError);
    }
    Ok(AnswerParts {
        header,
        enc: *enc,
        sealed: sealed.to_vec(),
    })
}

/// Whether `answer` is an answer sealed for a key of `key`'s suite: what the server checks
/// before it stores one. It cannot check more: only the private key opens it.
#[must_use]
pub fn is_answer_for(answer: &str, key: &PublicKey) -> bool {
    read_answer(answer).is_ok_and(|parts| parts.header[2] == key.suite())
}

/// Whether `text` is a requester token or a key commitment as written: 43 canonical
/// base64url characters (32 bytes).
#[must_use]
pub fn is_token(text: &str) -> bool {
    text.len() == b64::encoded_len(TOKEN_LEN) && b64::decode(text).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(enc_and_sealed: usize) -> String {
        envelope::write_envelope(
            &answer_header(SUITE_X25519_SHA256_AES128GCM),
            &vec![7u8; enc_and_sealed],
        )
    }

    #[test]
    fn lengths() {
        assert_eq!(PUBLIC_KEY_CHARS, 44);
        assert_eq!(PRIVATE_KEY_CHARS, 44);
        // 4 + 1 + b64(32 + 40,192 + 16) characters.
        assert_eq!(MAX_ANSWER_CHARS, 4 + 1 + 53_654);
    }

    #[test]
    fn public_keys_round_trip_and_unknown_suites_are_refused() {
        let key = PublicKey::new(SUITE_X25519_SHA256_AES128GCM, [9; KEY_LEN]).unwrap();
        assert_eq!(PublicKey::parse(&key.to_b64()), Ok(key));
        assert_eq!(key.to_b64().len(), PUBLIC_KEY_CHARS);
        for suite in [0x00, 0x02, 0xff] {
            let mut bytes = key.to_bytes();
            bytes[0] = suite;
            assert_eq!(PublicKey::parse(&b64::encode(&bytes)), Err(OpenError));
        }
        assert_eq!(PublicKey::parse(&b64::encode(&[1u8; 32])), Err(OpenError));
        assert_eq!(PublicKey::parse(&b64::encode(&[1u8; 34])), Err(OpenError));
        assert_eq!(PublicKey::parse(""), Err(OpenError));
        assert_eq!(
            PublicKey::parse(&format!("{}=", &key.to_b64()[..43])),
            Err(OpenError)
        );
    }

    #[test]
    fn answers_have_exactly_one_shape() {
        let key = PublicKey::new(SUITE_X25519_SHA256_AES128GCM, [9; KEY_LEN]).unwrap();
        assert!(is_answer_for(&answer(32 + 256 + 16), &key));
        assert!(is_answer_for(&answer(32 + 512 + 16), &key));
        assert!(is_answer_for(&answer(32 + 40_192 + 16), &key));
        for bad in [
            answer(32 + 16),
            answer(32 + 255 + 16),
            answer(32 + 40_448 + 16),
            answer(31),
            answer(0),
        ] {
            assert!(!is_answer_for(&bad, &key), "{} chars", bad.len());
        }
        let body = b64::encode(&[7u8; 32 + 256 + 16]);
        for header in [[1u8, 0x10, 0x02], [2, 0x10, 0x01], [1, 0x01, 0x01]] {
            let text = format!("{}.{body}", b64::encode(&header));
            assert!(read_answer(&text).is_err(), "{header:?}");
        }
        assert!(read_answer(&format!("{}.{body}", b64::encode(&[1u8, 0x10]))).is_err());
        assert!(read_answer(&body).is_err());
        assert!(read_answer(&format!("{}.{body}.", b64::encode(&[1u8, 0x10, 1]))).is_err());
    }

    #[test]
    fn tokens() {
        assert!(is_token(&b64::encode(&[1u8; 32])));
        assert!(!is_token(&b64::encode(&[1u8; 31])));
        assert!(!is_token(&b64::encode(&[1u8; 33])));
        assert!(!is_token("not a token"));
    }
}
