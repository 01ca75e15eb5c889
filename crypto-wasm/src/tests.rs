//! Tests of the public API, in one file around shared round-trip helpers (hence its length).
//!
//! Round trips, tampering with every byte, credentials, limits, zeroizing.
//!
//! Argon2id dominates the run time (about a second per call in a debug build), so tests of the
//! password modes count their derivations; the exhaustive bit-flipping runs in mode `key`.

use zeroize::{Zeroize, ZeroizeOnDrop};

use zkshare_format::b64;
use zkshare_format::envelope::{self, envelope_len};
use zkshare_format::header::{KEY_HEADER_LEN, PASSWORD_HEADER_LEN};

use super::*;

const MULTIBYTE: &str = "Grüße, 世界! 🔐 \u{1F3F3}\u{FE0F}\u{200D}\u{1F308} \0 end";

fn key() -> LinkKey {
    LinkKey::generate()
}

fn decode_envelope(envelope: &str) -> (Vec<u8>, Vec<u8>) {
    envelope::read_envelope(envelope).unwrap()
}

fn encode_envelope(header: &[u8], body: &[u8]) -> String {
    envelope::write_envelope(header, body)
}

/// Seals, derives the reader's keys from the served header, checks the verifier, and opens
/// both ways. Costs two Argon2id runs in password modes (writer and reader).
fn round_trip(text: &str, creds: &Credentials<'_>) -> Sealed {
    let sealed = seal_text(text, creds).unwrap();
    let header = Header::from_envelope(&sealed.envelope).unwrap();
    assert_eq!(header.mode(), creds.mode());
    let served = sealed.envelope.split_once('.').unwrap().0;
    assert_eq!(header.to_b64(), served);
    assert_eq!(Header::parse_b64(served).unwrap(), header);
    let keys = EnvelopeKeys::derive(&header, creds).unwrap();
    assert_eq!(keys.verifier(), sealed.verifier);
    assert!(is_verifier(&sealed.verifier));
    assert_eq!(*keys.open_text(&sealed.envelope).unwrap(), text);
    if creds.mode() == Mode::Key {
        assert_eq!(*open_text(&sealed.envelope, creds).unwrap(), text);
    }
    sealed
}

#[test]
fn round_trips_in_mode_key() {
    let k = key();
    for text in [
        "",
        "a",
        "hello, world",
        MULTIBYTE,
        &"x".repeat(251),
        &"y".repeat(252),
    ] {
        let sealed = round_trip(text, &Credentials::Key(&k));
        assert_eq!(sealed.envelope.split_once('.').unwrap().0.len(), 46);
    }
}

#[test]
fn round_trips_in_mode_key_and_password() {
    let k = key();
    let sealed = round_trip(
        MULTIBYTE,
        &Credentials::KeyAndPassword(&k, "correct horse ✓"),
    );
    assert_eq!(sealed.envelope.split_once('.').unwrap().0.len(), 62);
    let header = Header::from_envelope(&sealed.envelope).unwrap();
    assert!(header.needs_link_key() && header.needs_password());
    assert_eq!(header.argon2_params(), Some(Argon2Params::DEFAULT));
}

#[test]
fn round_trips_in_mode_password() {
    let sealed = round_trip("", &Credentials::Password("p"));
    let header = Header::from_envelope(&sealed.envelope).unwrap();
    assert!(!header.needs_link_key() && header.needs_password());
    // The password is used as the exact bytes typed: a differently normalized "é" is another
    // password (one more Argon2id run).
    let nfc = seal_text("x", &Credentials::Password("\u{e9}")).unwrap();
    let nfd = Credentials::Password("e\u{301}");
    assert_eq!(open_text(&nfc.envelope, &nfd), Err(OpenError));
}

#[test]
fn sealing_twice_gives_unrelated_envelopes() {
    let k = key();
    let a = seal_text("same", &Credentials::Key(&k)).unwrap();
    let b = seal_text("same", &Credentials::Key(&k)).unwrap();
    assert_ne!(a.envelope, b.envelope);
    assert_ne!(a.verifier, b.verifier);
    let (ha, ba) = decode_envelope(&a.envelope);
    let (hb, bb) = decode_envelope(&b.envelope);
    assert_ne!(ha[2..34], hb[2..34], "salts repeat");
    assert_ne!(ba[..12], bb[..12], "nonces repeat");
}

#[test]
fn flipping_any_bit_of_a_key_mode_envelope_fails() {
    let k = key();
    let creds = Credentials::Key(&k);
    let sealed = seal_text("flip me", &creds).unwrap();
    let (header, body) = decode_envelope(&sealed.envelope);
    let mut checked = 0;
    for part in 0..2 {
        let len = [header.len(), body.len()][part];
        for byte in 0..len {
            for bit in 0..8 {
                let (mut h, mut b) = (header.clone(), body.clone());
                [&mut h, &mut b][part][byte] ^= 1 << bit;
                let tampered = encode_envelope(&h, &b);
                assert_eq!(
                    open_text(&tampered, &creds),
                    Err(OpenError),
                    "{part}/{byte}/{bit}"
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 8 * (34 + 12 + 256 + 16));
}

#[test]
fn flipping_any_byte_of_a_key_and_password_envelope_fails() {
    let k = key();
    let creds = Credentials::KeyAndPassword(&k, "pw");
    let sealed = seal_text("flip me too", &creds).unwrap();
    let (header, body) = decode_envelope(&sealed.envelope);
    let keys =
        EnvelopeKeys::derive(&Header::from_envelope(&sealed.envelope).unwrap(), &creds).unwrap();
    for i in 0..body.len() {
        let mut b = body.clone();
        b[i] ^= 0x01;
        assert_eq!(
            keys.open_text(&encode_envelope(&header, &b)),
            Err(OpenError),
            "body {i}"
        );
    }
    // Every header byte through the full reader path, including the Argon2id parameters:
    // m = 19457 or t = 3 are still within bounds but must give other keys. Costs ~36 runs.
    for i in 0..header.len() {
        let mut h = header.clone();
        h[i] ^= 0x01;
        let tampered = encode_envelope(&h, &body);
        assert_eq!(open_text(&tampered, &creds), Err(OpenError), "header {i}");
        assert_eq!(keys.open_text(&tampered), Err(OpenError), "header {i}");
    }
}

#[test]
fn replacing_any_character_of_an_envelope_fails() {
    let k = key();
    let creds = Credentials::Key(&k);
    let sealed = seal_text("replace me", &creds).unwrap();
    for (i, c) in sealed.envelope.char_indices() {
        for replacement in ['A', 'B', '-', '_', '.', '+', '/', '=', ' '] {
            if replacement == c {
                continue;
            }
            let mut tampered = sealed.envelope.clone();
            tampered.replace_range(i..=i, &replacement.to_string());
            assert_eq!(
                open_text(&tampered, &creds),
                Err(OpenError),
                "{i} -> {replacement}"
            );
        }
    }
}

#[test]
fn truncating_or_extending_an_envelope_fails() {
    let k = key();
    let creds = Credentials::Key(&k);
    let sealed = seal_text("cut me", &creds).unwrap();
    let env = &sealed.envelope;
    for end in 0..env.len() {
        assert_eq!(
            open_text(&env[..end], &creds),
            Err(OpenError),
            "cut at {end}"
        );
    }
    for suffix in ["A", "AA", "AAAA", "=", "\n", ".", ".A"] {
        assert_eq!(
            open_text(&format!("{env}{suffix}"), &creds),
            Err(OpenError),
            "{suffix:?}"
        );
    }
    let (header, body) = decode_envelope(env);
    for cut in [1, 16, 17, 256] {
        let shorter = encode_envelope(&header, &body[..body.len() - cut]);
        assert_eq!(open_text(&shorter, &creds), Err(OpenError));
    }
    let mut longer = body.clone();
    longer.extend_from_slice(&[0; 256]);
    assert_eq!(
        open_text(&encode_envelope(&header, &longer), &creds),
        Err(OpenError)
    );
}

#[test]
fn credentials_of_another_mode_fail() {
    let (k, other) = (key(), key());
    let key_env = seal_text("k", &Credentials::Key(&k)).unwrap().envelope;
    for creds in [
        Credentials::Key(&other),
        Credentials::KeyAndPassword(&k, "pw"),
        Credentials::Password("pw"),
    ] {
        assert_eq!(open_text(&key_env, &creds), Err(OpenError), "{creds:?}");
    }
    // One Argon2id run to seal; the mismatched modes fail before any further run.
    let kp_env = seal_text("kp", &Credentials::KeyAndPassword(&k, "pw"))
        .unwrap()
        .envelope;
    for creds in [
        Credentials::Key(&k),
        Credentials::Password("pw"),
        Credentials::KeyAndPassword(&k, ""),
    ] {
        assert_eq!(open_text(&kp_env, &creds), Err(OpenError), "{creds:?}");
    }
    // Two more runs: the wrong password, and the right password with the wrong key.
    assert_eq!(
        open_text(&kp_env, &Credentials::KeyAndPassword(&k, "pW")),
        Err(OpenError)
    );
    assert_eq!(
        open_text(&kp_env, &Credentials::KeyAndPassword(&other, "pw")),
        Err(OpenError)
    );
    let pw_env = seal_text("p", &Credentials::Password("pw"))
        .unwrap()
        .envelope;
    for creds in [
        Credentials::Key(&k),
        Credentials::KeyAndPassword(&k, "pw"),
        Credentials::Password(""),
    ] {
        assert_eq!(open_text(&pw_env, &creds), Err(OpenError), "{creds:?}");
    }
}

#[test]
fn keys_refuse_an_envelope_with_another_header() {
    let k = key();
    let creds = Credentials::Key(&k);
    let a = seal_text("a", &creds).unwrap();
    let b = seal_text("b", &creds).unwrap();
    let keys_a =
        EnvelopeKeys::derive(&Header::from_envelope(&a.envelope).unwrap(), &creds).unwrap();
    assert_eq!(keys_a.open_text(&b.envelope), Err(OpenError));
    // Swapping in A's header in front of B's body fails too: the header is the AEAD's AAD.
    let (ha, _) = decode_envelope(&a.envelope);
    let (_, bb) = decode_envelope(&b.envelope);
    assert_eq!(keys_a.open_text(&encode_envelope(&ha, &bb)), Err(OpenError));
}

#[test]
fn text_limit_counts_characters_not_bytes() {
    let k = key();
    let creds = Credentials::Key(&k);
    let four_byte = "𝄞".repeat(MAX_TEXT_CHARS);
    assert_eq!(four_byte.len(), 40_000);
    assert_eq!(
        *open_text(&seal_text(&four_byte, &creds).unwrap().envelope, &creds).unwrap(),
        four_byte
    );
    assert!(seal_text(&"a".repeat(MAX_TEXT_CHARS), &creds).is_ok());
    for over in [
        "a".repeat(MAX_TEXT_CHARS + 1),
        "é".repeat(MAX_TEXT_CHARS + 1),
        format!("{four_byte}a"),
    ] {
        assert_eq!(seal_text(&over, &creds), Err(SealError::TooLong));
        // Checked before Argon2id: the error costs nothing in password modes either.
        assert_eq!(
            seal_text(&over, &Credentials::Password("pw")),
            Err(SealError::TooLong)
        );
    }
}

#[test]
fn max_envelope_chars_is_exactly_the_longest_envelope() {
    // By the length formula, over every text length and both header lengths...
    let longest = (0..=4 * MAX_TEXT_CHARS)
        .flat_map(|n| {
            [
                envelope_len(KEY_HEADER_LEN, n),
                envelope_len(PASSWORD_HEADER_LEN, n),
            ]
        })
        .max();
    assert_eq!(longest, Some(MAX_ENVELOPE_CHARS));
    // ...which matches what sealing really produces...
    let k = key();
    for n in [0, 1, 251, 252, 1000, MAX_TEXT_CHARS] {
        let sealed = seal_text(&"z".repeat(n), &Credentials::Key(&k)).unwrap();
        assert_eq!(
            sealed.envelope.len(),
            envelope_len(KEY_HEADER_LEN, n),
            "n = {n}"
        );
    }
    // ...and is reached by 10,000 four-byte characters in a password mode (two runs).
    let creds = Credentials::KeyAndPassword(&k, "pw");
    let text = "\u{10FFFF}".repeat(MAX_TEXT_CHARS);
    let sealed = seal_text(&text, &creds).unwrap();
    assert_eq!(sealed.envelope.len(), MAX_ENVELOPE_CHARS);
    assert_eq!(*open_text(&sealed.envelope, &creds).unwrap(), text);
}

#[test]
fn empty_passwords_are_refused() {
    let k = key();
    assert_eq!(
        seal_text("x", &Credentials::Password("")),
        Err(SealError::EmptyPassword)
    );
    assert_eq!(
        seal_text("x", &Credentials::KeyAndPassword(&k, "")),
        Err(SealError::EmptyPassword)
    );
}

#[test]
fn open_error_is_one_opaque_message() {
    assert_eq!(
        OpenError.to_string(),
        "cannot open this secret: wrong link key or password, or the data was altered"
    );
    let boxed: Box<dyn std::error::Error> = Box::new(OpenError);
    assert!(boxed.source().is_none());
}

#[test]
fn link_keys_are_43_canonical_characters() {
    let (a, b) = (key(), key());
    assert_ne!(a.to_b64(), b.to_b64());
    let text = a.to_b64();
    assert_eq!(text.len(), 43);
    assert_eq!(LinkKey::from_b64(&text).unwrap().to_b64(), text);
    for bad in [
        &text[..42],
        &format!("{text}A"),
        &format!("{text}="),
        &format!(" {text}"),
        &b64::encode(&[0; 31]),
        &b64::encode(&[0; 33]),
        "",
    ] {
        assert!(LinkKey::from_b64(bad).is_err(), "{bad:?}");
    }
    // The last character holds two unused bits: "AAA…AB" is not a key.
    assert!(LinkKey::from_b64(&format!("{}B", "A".repeat(42))).is_err());
    assert!(LinkKey::from_b64(&format!("{}A", "A".repeat(42))).is_ok());
    assert_eq!(format!("{a:?}"), "LinkKey(..)");
}

#[test]
fn debug_output_leaks_no_secret() {
    let k = LinkKey::from_bytes([0xab; 32]);
    let creds = Credentials::KeyAndPassword(&k, "hunter2");
    let shown = format!("{creds:?} {k:?}");
    assert!(!shown.contains("hunter2") && !shown.contains("171") && !shown.contains(&k.to_b64()));
    let header =
        Header::from_envelope(&seal_text("x", &Credentials::Key(&k)).unwrap().envelope).unwrap();
    let keys = EnvelopeKeys::derive(&header, &Credentials::Key(&k)).unwrap();
    let (kenc, kauth) = keys.raw();
    let shown = format!("{keys:?}");
    assert!(!shown.contains(&format!("{kenc:?}")) && !shown.contains(&format!("{kauth:?}")));
}

#[test]
fn verifiers_are_recognized_exactly() {
    let k = key();
    let verifier = seal_text("v", &Credentials::Key(&k)).unwrap().verifier;
    assert_eq!(verifier.len(), 48);
    assert!(is_verifier(&verifier));
    let body = &verifier[5..];
    for bad in [
        "",
        "zkv1.",
        &format!("zkv2.{body}"),
        &format!("ZKV1.{body}"),
        &verifier[..47],
        &format!("{verifier}A"),
        &format!("{verifier}="),
        &format!("zkv1.{}B", "A".repeat(42)),
        &format!("zkv1.{}", "+".repeat(43)),
        &format!(" {verifier}"),
        "hunter2",
    ] {
        assert!(!is_verifier(bad), "{bad:?}");
    }
    assert!(is_verifier(&format!("zkv1.{}A", "A".repeat(42))));
}

#[test]
fn secrets_zeroize_on_drop() {
    fn zeroize_on_drop<T: ZeroizeOnDrop>() {}
    zeroize_on_drop::<LinkKey>();
    zeroize_on_drop::<EnvelopeKeys>();

    let mut k = LinkKey::from_bytes([0x5a; 32]);
    k.zeroize();
    assert_eq!(k.as_bytes(), &[0; 32]);

    let k = key();
    let header =
        Header::from_envelope(&seal_text("x", &Credentials::Key(&k)).unwrap().envelope).unwrap();
    let mut keys = EnvelopeKeys::derive(&header, &Credentials::Key(&k)).unwrap();
    assert_ne!(keys.raw(), (&[0; 32], &[0; 32]));
    keys.zeroize();
    assert_eq!(keys.raw(), (&[0; 32], &[0; 32]));
}

#[test]
fn key_schedule_binds_every_input() {
    // One header, one key: changing the header (salt) or the key changes both outputs, and
    // kenc and kauth differ from each other.
    let k = key();
    let h1 = Header::new(Mode::Key, [1; 32], Argon2Params::DEFAULT);
    let h2 = Header::new(Mode::Key, [2; 32], Argon2Params::DEFAULT);
    let a = EnvelopeKeys::derive(&h1, &Credentials::Key(&k)).unwrap();
    let b = EnvelopeKeys::derive(&h2, &Credentials::Key(&k)).unwrap();
    let c = EnvelopeKeys::derive(&h1, &Credentials::Key(&key())).unwrap();
    assert_ne!(a.raw().0, a.raw().1);
    for other in [&b, &c] {
        assert_ne!(a.raw().0, other.raw().0);
        assert_ne!(a.raw().1, other.raw().1);
    }
}
