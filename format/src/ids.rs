//! The syntax of the strings that name or unlock a secret: ids, link keys, access verifiers.
//!
//! PROTOCOL.md §3 (link: `https://HOST/s/{id}#{K64}`) and §6 (verifier). All are canonical
//! base64url of a fixed number of bytes; only the length tells them apart.

use crate::b64;

/// Bytes in a secret id, chosen by the server.
pub const SECRET_ID_LEN: usize = 16;
/// Characters in a secret id: `b64` of [`SECRET_ID_LEN`] bytes.
pub const SECRET_ID_CHARS: usize = b64::encoded_len(SECRET_ID_LEN);
/// Bytes in the link key `K`.
pub const LINK_KEY_LEN: usize = 32;
/// Characters in `K64 = b64(K)`, the link's fragment.
pub const LINK_KEY_CHARS: usize = b64::encoded_len(LINK_KEY_LEN);
/// What every access verifier starts with.
pub const VERIFIER_PREFIX: &str = "zkv1.";
/// Characters in an access verifier: the prefix and `b64(kauth)` of 32 bytes.
pub const VERIFIER_CHARS: usize = VERIFIER_PREFIX.len() + b64::encoded_len(32);

/// Whether `text` is canonical base64url of exactly `len` bytes.
fn is_b64_of_len(text: &str, len: usize) -> bool {
    text.len() == b64::encoded_len(len) && b64::decode(text).is_ok()
}

/// Whether `id` is a secret id: 16 bytes in canonical base64url, 22 characters (the last one
/// carries 2 bits and 4 zero bits, so it is one of `A`, `Q`, `g`, `w`).
#[must_use]
pub fn is_secret_id(id: &str) -> bool {
    is_b64_of_len(id, SECRET_ID_LEN)
}

/// Whether `k64` is a link key as written in a link: 43 canonical base64url characters.
#[must_use]
pub fn is_link_key(k64: &str) -> bool {
    is_b64_of_len(k64, LINK_KEY_LEN)
}

/// Whether `s` is an access verifier: `zkv1.` then 43 canonical base64url characters
/// (PROTOCOL.md §6). The server treats any other password as a plain one.
#[must_use]
pub fn is_verifier(s: &str) -> bool {
    s.strip_prefix(VERIFIER_PREFIX)
        .is_some_and(|rest| is_b64_of_len(rest, 32))
}

/// `verifier = "zkv1." || b64(kauth)`.
#[must_use]
pub fn write_verifier(kauth: &[u8; 32]) -> String {
    format!("{VERIFIER_PREFIX}{}", b64::encode(kauth))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths() {
        assert_eq!(
            (SECRET_ID_CHARS, LINK_KEY_CHARS, VERIFIER_CHARS),
            (22, 43, 48)
        );
        assert_eq!(write_verifier(&[0; 32]).len(), VERIFIER_CHARS);
    }

    #[test]
    fn verifiers() {
        let v = write_verifier(&[5; 32]);
        assert!(is_verifier(&v));
        assert!(!is_verifier(&v[..47]));
        assert!(!is_verifier(&format!("{v}A")));
        assert!(!is_verifier(&v.replace("zkv1.", "zkv2.")));
        assert!(!is_verifier(&v.replace("zkv1.", "")));
        assert!(!is_verifier("correct horse battery staple"));
        // 43 characters whose last one leaves non-zero trailing bits.
        let mut nc = write_verifier(&[0; 32]);
        nc.pop();
        nc.push('B');
        assert!(!is_verifier(&nc));
    }

    #[test]
    fn secret_ids() {
        let id = b64::encode(&[3; 16]);
        assert!(is_secret_id(&id));
        assert!(is_secret_id("q83vEjRWeJCrze8SNFZ4kA"));
        assert!(is_secret_id("AAAAAAAAAAAAAAAAAAAAAA"));
        assert!(!is_secret_id(&id[..21]));
        assert!(!is_secret_id(&format!("{id}A")));
        assert!(!is_secret_id("not-an-id"));
        assert!(!is_secret_id("AAAAAAAAAAAAAAAAAAAAAB")); // trailing bits set
        assert!(!is_secret_id("AAAAAAAAAAAAAAAAAAAA+A"));
        assert!(!is_secret_id("AAAAAAAAAAAAAAAAAAAA=A"));
        assert!(!is_secret_id(""));
        // Exactly the ids whose last character is one of A, Q, g, w.
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        for last in alphabet.chars() {
            let id = format!("{}{last}", &id[..21]);
            assert_eq!(is_secret_id(&id), "AQgw".contains(last), "{id}");
        }
    }

    #[test]
    fn link_keys() {
        let k64 = b64::encode(&[0xa5; 32]);
        assert!(is_link_key(&k64));
        assert!(!is_link_key(&k64[..42]));
        assert!(!is_link_key(&b64::encode(&[0xa5; 33])));
        assert!(!is_link_key(""));
    }
}
