//! Fuzzes the payload reader (PROTOCOL.md §7) behind a real AEAD: arbitrary bytes are sealed
//! properly under a fixed key, so that opening reaches the payload checks with any content.
//!
//! A payload must open exactly when it is the one framing the writer makes of some text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zkshare_crypto::vectors::{RawHeader, seal_raw_deterministic};
use zkshare_crypto::{
    Argon2Params, Credentials, LinkKey, OpenError, open_text, seal_text_deterministic,
};

const VECTOR_KEY: &str = "kE7E1KDcDz_36bpcYxK-KcB6Wr-Hw5WvnabbM4TSSw0";
const SALT: [u8; 32] = [0x5a; 32];
const NONCE: [u8; 12] = [0xa5; 12];

fuzz_target!(|payload: &[u8]| {
    let key = LinkKey::from_b64(VECTOR_KEY).expect("the vectors' link key");
    let creds = Credentials::Key(&key);
    let header = RawHeader {
        version: 1,
        mode: 1,
        salt: SALT,
        params: None,
    };
    let envelope =
        seal_raw_deterministic(&header, &creds, payload, NONCE).expect("mode key needs no KDF");
    match open_text(&envelope, &creds) {
        Ok(text) => {
            let sealed = seal_text_deterministic(&text, &creds, SALT, NONCE, Argon2Params::DEFAULT)
                .expect("a text that opened can be sealed");
            assert_eq!(
                sealed.envelope, envelope,
                "a payload opened that no writer makes"
            );
        }
        Err(OpenError) => {
            // Then no text frames to exactly these bytes: check the one candidate there is.
            if let Some(text) = framed_text(payload) {
                let sealed =
                    seal_text_deterministic(text, &creds, SALT, NONCE, Argon2Params::DEFAULT);
                assert!(
                    sealed.map_or(true, |s| s.envelope != envelope),
                    "a payload the writer makes was refused"
                );
            }
        }
    }
});

/// The text a well-framed type-1 payload would carry, read without the crate's code.
fn framed_text(payload: &[u8]) -> Option<&str> {
    let (&[content_type, a, b, c, d], rest) = payload.split_first_chunk::<5>()?;
    let n = usize::try_from(u32::from_be_bytes([a, b, c, d])).ok()?;
    if content_type != 1 || n > rest.len() {
        return None;
    }
    std::str::from_utf8(&rest[..n]).ok()
}
