//! Canonical unpadded base64url (PROTOCOL.md §1): exactly one accepted encoding per byte string.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use crate::error::OpenError;

// Canonical means that the unused low bits of the last symbol (4 bits after a 2-symbol final
// group, 2 after a 3-symbol one) must be zero: otherwise one byte string would have several
// spellings, and a tampered envelope or verifier could pass string comparisons unnoticed.
// base64's stock URL_SAFE_NO_PAD already decodes this way (trailing bits are refused unless a
// config allows them); the config is spelled out so that the protocol's rule is stated here,
// not inherited from a library default, and the tests below check it.
const CANONICAL: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_encode_padding(false)
    .with_decode_padding_mode(DecodePaddingMode::RequireNone)
    .with_decode_allow_trailing_bits(false);

const ENGINE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, CANONICAL);

/// `b64(x)`: base64url without padding.
pub fn encode(bytes: &[u8]) -> String {
    ENGINE.encode(bytes)
}

/// Inverse of [`encode`]; rejects padding, other alphabets, whitespace, length 1 mod 4 and
/// non-zero trailing bits.
///
/// # Errors
/// [`OpenError`] for any text that [`encode`] does not produce.
pub fn decode(text: &str) -> Result<Vec<u8>, OpenError> {
    ENGINE.decode(text).map_err(|_| OpenError)
}

/// Whether `c` is one of base64url's 64 symbols (`A–Z a–z 0–9 - _`).
#[must_use]
pub const fn is_alphabet(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// The number of characters `encode` produces for `len` bytes.
pub const fn encoded_len(len: usize) -> usize {
    (len / 3) * 4 + [0, 2, 3][len % 3]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_length_and_matches_encoded_len() {
        let bytes: Vec<u8> = (0..=255u8).collect();
        for len in 0..bytes.len() {
            let text = encode(&bytes[..len]);
            assert_eq!(text.len(), encoded_len(len));
            assert_eq!(decode(&text).unwrap(), &bytes[..len]);
        }
    }

    #[test]
    fn rfc4648_examples_in_url_alphabet() {
        assert_eq!(encode(b""), "");
        assert_eq!(encode(b"f"), "Zg");
        assert_eq!(encode(b"fo"), "Zm8");
        assert_eq!(encode(b"foo"), "Zm9v");
        assert_eq!(encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(encode(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn rejects_non_canonical_inputs() {
        // "Zg" is b"f"; "Zh" has the same first byte with a non-zero unused bit.
        assert!(decode("Zg").is_ok());
        for bad in [
            "Zh", "Zm9=", "Zg==", "Zg=", "Zm8=", // trailing bits, padding
            "+_8", "-/8", "+/8", // standard alphabet
            " Zg", "Zg ", "Z g", "Zg\n", "Zm9v\r\n", "\tZg", // whitespace
            "Z", "Zm9vY", // length 1 mod 4
            "Zm9v.", "Zé", "Z\0",
        ] {
            assert!(decode(bad).is_err(), "accepted {bad:?}");
        }
    }

    #[test]
    fn unused_low_bits_of_the_last_symbol_must_be_zero() {
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        for (value, &symbol) in alphabet.iter().enumerate() {
            let symbol = char::from(symbol);
            // After "Z" (6 bits) a last symbol adds 2 bits of the byte and 4 unused ones;
            // after "Zm" (12 bits) it adds 4 bits and 2 unused ones.
            assert_eq!(
                decode(&format!("Z{symbol}")).is_ok(),
                value % 16 == 0,
                "Z{symbol}"
            );
            assert_eq!(
                decode(&format!("Zm{symbol}")).is_ok(),
                value % 4 == 0,
                "Zm{symbol}"
            );
        }
    }

    #[test]
    fn a_key_has_exactly_one_accepted_spelling() {
        let key = [0xa5u8; 32];
        let text = encode(&key);
        assert_eq!(text.len(), 43);
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let decoded: Vec<Vec<u8>> = alphabet
            .iter()
            .filter_map(|&c| {
                let mut s = text.as_bytes()[..42].to_vec();
                s.push(c);
                decode(std::str::from_utf8(&s).unwrap()).ok()
            })
            .collect();
        // 43 characters carry 258 bits for 256: only the 16 last characters whose two unused
        // bits are zero decode, and exactly one of them gives the key back.
        assert_eq!(decoded.len(), 16);
        assert_eq!(decoded.iter().filter(|d| d[..] == key[..]).count(), 1);
    }
}
