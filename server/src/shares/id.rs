//! Minting of secret ids and delete tokens.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::random::random_bytes;

/// A new secret's id (16 random bytes) and delete token (32), base64url, from one request to
/// the operating system's random number generator.
pub fn mint() -> (String, String) {
    let random: [u8; 48] = random_bytes();
    (
        URL_SAFE_NO_PAD.encode(&random[..16]),
        URL_SAFE_NO_PAD.encode(&random[16..]),
    )
}
