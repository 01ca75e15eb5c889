//! The leak scanner of the zero-knowledge audit: every encoding a secret could travel in.
//!
//! A secret "leaks" into a captured channel if any of these byte strings occurs in it: the raw
//! bytes; lower- and upper-case hex; standard and URL-safe base64, padded or not, starting at
//! each of the three byte offsets a surrounding stream could put it at; percent-encoding (both
//! `encodeURIComponent` and form style); and JSON string escaping.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};

/// One way of writing a secret down, and the bytes to look for.
#[derive(Debug, Clone)]
pub struct Needle {
    /// e.g. `"password as base64url at offset 2"`.
    pub label: String,
    /// The bytes that must not appear.
    pub bytes: Vec<u8>,
}

/// All the needles for `secret` (named `name` in labels). Secrets shorter than 12 bytes are
/// refused: their base64 middles would be too short to mean anything.
pub fn needles(name: &str, secret: &[u8]) -> Vec<Needle> {
    assert!(
        secret.len() >= 12,
        "audit canaries must be at least 12 bytes"
    );
    let mut out = Vec::new();
    let mut push = |label: String, bytes: Vec<u8>| {
        if !out.iter().any(|n: &Needle| n.bytes == bytes) {
            out.push(Needle { label, bytes });
        }
    };
    push(format!("{name} raw"), secret.to_vec());
    push(format!("{name} hex"), hex::encode(secret).into_bytes());
    push(
        format!("{name} HEX"),
        hex::encode_upper(secret).into_bytes(),
    );
    for offset in 0..3usize {
        let mut shifted = vec![0u8; offset];
        shifted.extend_from_slice(secret);
        // Characters that depend on the zero prefix, or on whatever follows the secret, are
        // dropped: what is left occurs in ANY stream holding the secret at this offset mod 3.
        let skip = [0, 2, 3][offset];
        for (engine_name, encoded) in [
            ("base64", STANDARD.encode(&shifted)),
            ("base64 unpadded", STANDARD_NO_PAD.encode(&shifted)),
            ("base64url", URL_SAFE.encode(&shifted)),
            ("base64url unpadded", URL_SAFE_NO_PAD.encode(&shifted)),
        ] {
            let core = encoded.trim_end_matches('=');
            let middle = &core[skip..core.len() - 2];
            push(
                format!("{name} {engine_name} at offset {offset}"),
                middle.as_bytes().to_vec(),
            );
        }
    }
    if let Ok(text) = std::str::from_utf8(secret) {
        for (style_name, style) in [
            ("encodeURIComponent", Percent::Component),
            (
                "percent-encoded (RFC 3986 unreserved only)",
                Percent::Strict,
            ),
            ("form-encoded", Percent::Form),
        ] {
            let encoded = percent_encode(text, style);
            push(format!("{name} {style_name}"), encoded.clone().into_bytes());
            push(
                format!("{name} {style_name}, lower-case hex"),
                encoded.to_lowercase().into_bytes(),
            );
        }
        let json = serde_json::to_string(text).expect("json");
        push(
            format!("{name} JSON-escaped"),
            json.as_bytes()[1..json.len() - 1].to_vec(),
        );
    }
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Percent {
    /// JavaScript's `encodeURIComponent`: also leaves `!*'()` as they are.
    Component,
    /// Only RFC 3986 unreserved characters stay.
    Strict,
    /// `application/x-www-form-urlencoded`: space as `+`.
    Form,
}

fn percent_encode(text: &str, style: Percent) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b'!' | b'*' | b'\'' | b'(' | b')' if style == Percent::Component => out.push(b as char),
            b' ' if style == Percent::Form => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The labels of the needles found in `haystack`.
pub fn find(haystack: &[u8], needles: &[Needle]) -> Vec<String> {
    needles
        .iter()
        .filter(|n| {
            haystack
                .windows(n.bytes.len())
                .any(|w| w == n.bytes.as_slice())
        })
        .map(|n| n.label.clone())
        .collect()
}

/// Undoes the quoting Redis applies to arguments in `MONITOR` output (`sdscatrepr`: `\\`, `\"`,
/// `\n`, `\r`, `\t`, `\a`, `\b` and `\xHH` for other unprintable bytes), so that binary values
/// are scanned as the bytes Redis received. It is applied to the whole output; outside quotes
/// MONITOR prints no backslashes, so the rest passes through unchanged.
pub fn unescape_redis_monitor(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && i + 1 < bytes.len() {
            let (byte, used) = match bytes[i + 1] {
                b'n' => (b'\n', 2),
                b'r' => (b'\r', 2),
                b't' => (b'\t', 2),
                b'a' => (0x07, 2),
                b'b' => (0x08, 2),
                b'x' if i + 3 < bytes.len() => {
                    match std::str::from_utf8(&bytes[i + 2..i + 4])
                        .ok()
                        .and_then(|h| u8::from_str_radix(h, 16).ok())
                    {
                        Some(b) => (b, 4),
                        None => (b'\\', 1),
                    }
                }
                other => (other, 2),
            };
            out.push(byte);
            i += used;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monitor_quoting_is_undone() {
        let line = br#"+1.2 [0 127.0.0.1:1] "SET" "k" "\x00\xffab\"c\\d\n""#;
        let decoded = unescape_redis_monitor(line);
        let want: &[u8] = b"\x00\xffab\"c\\d\n";
        assert!(
            decoded.windows(want.len()).any(|w| w == want),
            "{decoded:?}"
        );
        // A secret stored as binary is found after decoding, not before.
        let secret = [
            0x01u8, 0x9a, 0x22, 0x5c, 0x0a, 0x41, 0xff, 0x00, 0x10, 0x7f, 0x80, 0x42, 0x07, 0x08,
            0x09, 0x0d,
        ];
        // Quoted as Redis's sdscatrepr does.
        let mut quoted = b"\"".to_vec();
        for b in secret {
            match b {
                b'\\' => quoted.extend_from_slice(b"\\\\"),
                b'"' => quoted.extend_from_slice(b"\\\""),
                b'\n' => quoted.extend_from_slice(b"\\n"),
                b'\r' => quoted.extend_from_slice(b"\\r"),
                b'\t' => quoted.extend_from_slice(b"\\t"),
                0x07 => quoted.extend_from_slice(b"\\a"),
                0x08 => quoted.extend_from_slice(b"\\b"),
                0x20..=0x7e => quoted.push(b),
                _ => quoted.extend_from_slice(format!("\\x{b:02x}").as_bytes()),
            }
        }
        quoted.push(b'"');
        let canary = needles("bin", &secret);
        assert!(find(&quoted, &canary).is_empty());
        assert!(!find(&unescape_redis_monitor(&quoted), &canary).is_empty());
    }

    #[test]
    fn finds_a_secret_in_every_encoding_and_offset() {
        let secret = b"canary-0123456789abcdef-secret";
        let canary = needles("canary", secret);
        for prefix_len in 0..3 {
            let mut stream = b"prefix:".to_vec();
            stream.extend(std::iter::repeat_n(b'x', prefix_len));
            stream.extend_from_slice(secret);
            stream.extend_from_slice(b"trailing bytes");
            for encoded in [
                STANDARD.encode(&stream),
                URL_SAFE_NO_PAD.encode(&stream),
                hex::encode(&stream),
                hex::encode_upper(&stream),
            ] {
                assert!(
                    !find(encoded.as_bytes(), &canary).is_empty(),
                    "missed the secret in {encoded}"
                );
            }
        }
        let json = serde_json::to_string("quote\"and\\slash canary text!").unwrap();
        assert!(
            !find(
                json.as_bytes(),
                &needles("q", b"quote\"and\\slash canary text!")
            )
            .is_empty()
        );
        assert!(
            !find(
                b"a=hello%20world%21%21%21",
                &needles("p", b"hello world!!!")
            )
            .is_empty()
        );
        assert!(!find(b"a=hello%20world!!!", &needles("p", b"hello world!!!")).is_empty());
        assert!(!find(b"a=hello+world%21%21%21", &needles("p", b"hello world!!!")).is_empty());
    }

    #[test]
    fn finds_nothing_in_unrelated_bytes() {
        let canary = needles("canary", b"canary-0123456789abcdef-secret");
        assert!(find(b"nothing to see here, just an envelope", &canary).is_empty());
    }
}
