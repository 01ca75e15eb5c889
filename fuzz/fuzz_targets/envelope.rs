//! Fuzzes the envelope reader: header parsing, envelope parsing and opening with a fixed key.
//!
//! Any text must give a value or the one opaque `OpenError`, never a panic; what parses must be
//! the one canonical spelling, and what opens must be exactly what sealing those bytes makes.
#![no_main]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use libfuzzer_sys::fuzz_target;
use zkshare_crypto::{
    Argon2Params, Credentials, EnvelopeKeys, Header, LinkKey, Mode, OpenError, is_verifier,
    open_text, seal_text_deterministic,
};

/// The link key of tests/vectors/protocol-v1.json, so that the seed envelopes open.
const VECTOR_KEY: &str = "kE7E1KDcDz_36bpcYxK-KcB6Wr-Hw5WvnabbM4TSSw0";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let key = LinkKey::from_b64(VECTOR_KEY).expect("the vectors' link key");
    let creds = Credentials::Key(&key);

    // The header alone, as the server hands it out (`envelopeHeader`).
    if let Ok(header) = Header::parse_b64(text) {
        assert_eq!(header.to_b64(), text, "a header has one accepted spelling");
        assert_eq!(header.argon2_params().is_some(), header.needs_password());
        assert!(header.argon2_params().is_none_or(|p| p.within_bounds()));
    }

    // The header part of a whole envelope.
    let header = Header::from_envelope(text);
    if let Ok(header) = &header {
        let prefix = format!("{}.", header.to_b64());
        assert!(
            text.starts_with(&prefix),
            "the header is the part before the dot"
        );
    }

    // Opening: a text or the one opaque error (`|OpenError|` is irrefutable: it is a unit).
    let opened = open_text(text, &creds).inspect_err(|OpenError| {}).ok();
    if let Some(plain) = &opened {
        let header = header
            .as_ref()
            .expect("an envelope that opens has a header");
        assert_eq!(header.mode(), Mode::Key);
        // Sealing the text again with the same salt and nonce gives back the same envelope:
        // an envelope that opens has exactly one accepted encoding.
        let (header_b64, body_b64) = text.split_once('.').expect("one dot");
        let header_bytes = URL_SAFE_NO_PAD
            .decode(header_b64)
            .expect("canonical header");
        let body = URL_SAFE_NO_PAD.decode(body_b64).expect("canonical body");
        let salt = header_bytes[2..34].try_into().expect("a 32-byte salt");
        let nonce = body[..12].try_into().expect("a 12-byte nonce");
        let sealed = seal_text_deterministic(plain, &creds, salt, nonce, Argon2Params::DEFAULT)
            .expect("a text that opened can be sealed");
        assert_eq!(
            sealed.envelope, text,
            "opened, but not the canonical envelope"
        );
    }

    // The reader's two-step path (derive from the served header, then open) agrees. Only mode
    // key: the password modes would run Argon2id, and the key-only credentials refuse them
    // before that anyway.
    if let Ok(header) = &header
        && header.mode() == Mode::Key
    {
        let keys = EnvelopeKeys::derive(header, &creds).expect("key credentials fit mode key");
        let again = keys.open_text(text).ok();
        assert_eq!(again.as_deref(), opened.as_deref());
        assert!(is_verifier(&keys.verifier()));
    }

    // Link keys and verifiers, as typed or pasted.
    if let Ok(key) = LinkKey::from_b64(text) {
        assert_eq!(key.to_b64(), text, "a link key has one accepted spelling");
    }
    if is_verifier(text) {
        assert_eq!(text.len(), 48);
    }
});
