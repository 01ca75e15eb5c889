//! Fuzzes the wire format's parsers (zkshare-format) against independent readings of PROTOCOL.md.
//!
//! The envelope shape the server requires, headers, payloads, base64url, the syntax of ids,
//! link keys and verifiers, and a secret request's public key and sealed answer. Never a panic; what parses has one spelling.
#![no_main]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use libfuzzer_sys::fuzz_target;
use zkshare_format::envelope::{self, ShapeError};
use zkshare_format::payload::{read_payload, write_payload};
use zkshare_format::request::{self, PublicKey};
use zkshare_format::{
    Header, MAX_ENVELOPE_CHARS, b64, header, is_link_key, is_secret_id, is_verifier,
};

fuzz_target!(|data: &[u8]| {
    // Any bytes as a decrypted payload (§7): accepted exactly in the one framing writers make.
    if let Ok((content_type, body)) = read_payload(data) {
        assert_eq!(&write_payload(content_type, body)[..], data);
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };

    // base64url: canonical, so decoding and encoding again gives the text back.
    if let Ok(bytes) = b64::decode(text) {
        assert_eq!(b64::encode(&bytes), text);
        assert_eq!(URL_SAFE_NO_PAD.decode(text).ok(), Some(bytes));
    }

    // A request's public key and sealed answer (§14): one spelling each; an accepted answer is
    // exactly the bytes it was read as, within the limit.
    if let Ok(key) = PublicKey::parse(text) {
        assert_eq!(key.to_b64(), text);
        assert_eq!(key.suite(), request::SUITE_X25519_SHA256_AES128GCM);
    }
    if let Ok(parts) = request::read_answer(text) {
        assert!(text.len() <= request::MAX_ANSWER_CHARS);
        let mut body = parts.enc.to_vec();
        body.extend_from_slice(&parts.sealed);
        assert_eq!(envelope::write_envelope(&parts.header, &body), text);
        assert_eq!((parts.sealed.len() - 16) % 256, 0);
    }

    // The envelope shape the server checks, against the oracle below.
    match envelope::check_shape(text) {
        Ok(header_b64) => {
            assert!(is_envelope_shape(text), "{text:?}");
            assert!(text.starts_with(header_b64) && text[header_b64.len()..].starts_with('.'));
        }
        Err(ShapeError::TooLong) => assert!(text.len() > MAX_ENVELOPE_CHARS),
        Err(ShapeError::Malformed) => assert!(!is_envelope_shape(text), "{text:?}"),
    }

    // Headers, as the server hands them out and as part of an envelope: one spelling, and a
    // reader's header is always one the server would store.
    if let Ok(parsed) = Header::parse_b64(text) {
        assert_eq!(parsed.to_b64(), text, "a header has one accepted spelling");
        assert!(header::has_layout(parsed.as_bytes()));
        assert_eq!(parsed.argon2_params().is_some(), parsed.needs_password());
        assert!(parsed.argon2_params().is_none_or(|p| p.within_bounds()));
    }
    if let Ok(parsed) = Header::from_envelope(text) {
        assert!(text.starts_with(&format!("{}.", parsed.to_b64())));
    }

    // Ids, link keys and verifiers: canonical base64url of 16, 32 and (after `zkv1.`) 32 bytes.
    let decoded_len = |s: &str| URL_SAFE_NO_PAD.decode(s).ok().map(|b| b.len());
    assert_eq!(
        is_secret_id(text),
        decoded_len(text) == Some(16),
        "{text:?}"
    );
    assert_eq!(is_link_key(text), decoded_len(text) == Some(32), "{text:?}");
    assert_eq!(
        is_verifier(text),
        text.strip_prefix("zkv1.").and_then(decoded_len) == Some(32),
        "{text:?}"
    );
});

/// PROTOCOL.md §4 and §8, read without the format crate's code: at most 53,690 characters,
/// version 1, a known mode with its header length, and a body of nonce, whole 256-byte blocks
/// and tag (Argon2id bounds are the reader's check, not the shape's).
fn is_envelope_shape(envelope: &str) -> bool {
    let Some((header, body)) = envelope.split_once('.') else {
        return false;
    };
    let (Ok(header), Ok(body)) = (URL_SAFE_NO_PAD.decode(header), URL_SAFE_NO_PAD.decode(body))
    else {
        return false;
    };
    let header_ok = match (header.first(), header.get(1)) {
        (Some(1), Some(1)) => header.len() == 34,
        (Some(1), Some(2 | 3)) => header.len() == 46,
        _ => false,
    };
    envelope.len() <= MAX_ENVELOPE_CHARS
        && header_ok
        && body.len() >= 12 + 256 + 16
        && (body.len() - 12 - 16) % 256 == 0
}
