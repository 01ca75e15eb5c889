//! Writes the vectors file and worked example (feature `vectors`); long: it spells out 48 vectors.
//!
//! Every salt, nonce and key is SHA-256 of a label, so the same code always writes the same
//! file; a test regenerates it and compares. Malformed envelopes are made by editing the bytes
//! or the text of a well-formed one, or by sealing a malformed header or payload properly, so
//! that a reader must reject them for the stated reason and no other.

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use zkshare_format::envelope::{read_envelope, write_envelope};
use zkshare_format::header::{SALT_LEN, VERSION, write_header};
use zkshare_format::ids::write_verifier as verifier;
use zkshare_format::payload::{CONTENT_TEXT, write_payload};
use zkshare_format::{Argon2Params, MAX_ENVELOPE_CHARS, MAX_TEXT_CHARS, Mode};

use super::{Expected, PROTOCOL, Vector, VectorFile, to_hex};
use crate::aead::{self, NONCE_LEN};
use crate::error::SealError;
use crate::keys::{AUTH_LABEL, Credentials, ENC_LABEL, LinkKey, input_key_material, key_schedule};
use crate::primitives::{argon2id, hkdf_expand, hkdf_extract};
use crate::seal::seal_with;

/// The exact command that writes `tests/vectors/protocol-v1.json` (run from the workspace root).
pub const GENERATOR: &str = "cargo run -p zkshare-crypto --features vectors --example gen_vectors > tests/vectors/protocol-v1.json";

const PASSWORD: &str = "correct horse battery staple";
const PASSWORD_UNICODE: &str = "pässwörd 🔑";
const WORKED_TEXT: &str = "The vault code is 4711.";

/// **Test-only**: a header with arbitrary field values, including ones readers must reject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawHeader {
    /// Version byte.
    pub version: u8,
    /// Mode byte.
    pub mode: u8,
    /// Salt (HKDF salt via the header, and Argon2id's salt).
    pub salt: [u8; SALT_LEN],
    /// Written after the salt if present; Argon2id uses the default if absent.
    pub params: Option<Argon2Params>,
}

/// **Test-only** (feature `vectors`): seals `payload` verbatim — no PROTOCOL.md §7 framing or
/// checks — under the §5 keys for `header`'s bytes. The credentials' variant, not
/// `header.mode`, decides `ikm`; Argon2id runs with `header.salt` and `header.params`. This
/// makes properly encrypted envelopes that a reader must still reject (unknown version or
/// mode, weak parameters, bad padding, wrong length field, unknown content type).
///
/// # Errors
/// [`SealError::KeyDerivation`] if Argon2id refuses the parameters.
pub fn seal_raw_deterministic(
    header: &RawHeader,
    creds: &Credentials<'_>,
    payload: &[u8],
    nonce: [u8; NONCE_LEN],
) -> Result<String, SealError> {
    let bytes = write_header(header.version, header.mode, &header.salt, header.params);
    let ikm = input_key_material(creds, &header.salt, header.params.unwrap_or_default())
        .map_err(|_| SealError::KeyDerivation)?;
    let (kenc, _) = key_schedule(&bytes, &ikm);
    let mut body = nonce.to_vec();
    body.extend(aead::seal(&kenc, &nonce, &bytes, payload));
    Ok(write_envelope(&bytes, &body))
}

/// The first `N` bytes of SHA-256("zkshare v1 test vector: " || label).
fn fixed<const N: usize>(label: &str) -> [u8; N] {
    let digest = Sha256::digest(format!("zkshare v1 test vector: {label}").as_bytes());
    digest[..N].try_into().expect("N ≤ 32")
}

fn link_key() -> LinkKey {
    LinkKey::from_bytes(fixed("link key"))
}

fn vector(name: &str, scenario: &str, comment: &str, creds: &Credentials<'_>) -> Vector {
    let (link_key, password) = match creds {
        Credentials::Key(k) => (Some(k.to_b64()), None),
        Credentials::KeyAndPassword(k, p) => (Some(k.to_b64()), Some((*p).to_owned())),
        Credentials::Password(p) => (None, Some((*p).to_owned())),
    };
    Vector {
        name: name.to_owned(),
        scenario: scenario.to_owned(),
        comment: comment.to_owned(),
        mode: creds.mode().name().to_owned(),
        link_key,
        password,
        plaintext: None,
        envelope: String::new(),
        verifier: None,
        expected: Expected::OpenError,
        salt: None,
        nonce: None,
        m: None,
        t: None,
        p: None,
    }
}

struct Vectors(Vec<Vector>);

impl Vectors {
    /// A well-formed envelope sealed through the production path; returns it.
    fn success(
        &mut self,
        name: &str,
        scenario: &str,
        comment: &str,
        text: &str,
        creds: &Credentials<'_>,
    ) -> String {
        let salt = fixed(&format!("{name}/salt"));
        let nonce = fixed(&format!("{name}/nonce"));
        let params = Argon2Params::DEFAULT;
        let sealed = seal_with(text, creds, salt, nonce, params).expect("valid inputs");
        let mut v = vector(name, scenario, comment, creds);
        v.plaintext = Some(text.to_owned());
        v.envelope = sealed.envelope.clone();
        v.verifier = Some(sealed.verifier);
        v.expected = Expected::Success;
        v.salt = Some(to_hex(&salt));
        v.nonce = Some(to_hex(&nonce));
        if creds.mode().needs_password() {
            (v.m, v.t, v.p) = (Some(params.m), Some(params.t), Some(params.p));
        }
        self.0.push(v);
        sealed.envelope
    }

    fn failure(
        &mut self,
        name: &str,
        scenario: &str,
        comment: &str,
        creds: &Credentials<'_>,
        envelope: String,
    ) {
        let mut v = vector(name, scenario, comment, creds);
        v.envelope = envelope;
        self.0.push(v);
    }

    /// A properly encrypted envelope with a raw header and payload, which must still fail.
    fn raw(
        &mut self,
        name: &str,
        scenario: &str,
        comment: &str,
        creds: &Credentials<'_>,
        (version, mode, params): (u8, u8, Option<Argon2Params>),
        payload: &[u8],
    ) -> String {
        let header = RawHeader {
            version,
            mode,
            salt: fixed(&format!("{name}/salt")),
            params,
        };
        let envelope =
            seal_raw_deterministic(&header, creds, payload, fixed(&format!("{name}/nonce")))
                .expect("Argon2id accepts these parameters");
        self.failure(name, scenario, comment, creds, envelope.clone());
        envelope
    }
}

fn flipped(bytes: &[u8], index: usize, mask: u8) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out[index] ^= mask;
    out
}

/// Sets the lowest unused bit of the last base64 character (canonical ones have it zero).
fn with_trailing_bit(b64_text: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let (head, last) = b64_text.split_at(b64_text.len() - 1);
    let index = ALPHABET
        .iter()
        .position(|&c| c == last.as_bytes()[0])
        .expect("base64url");
    assert_eq!(index & 1, 0, "the last character must leave unused bits");
    format!("{head}{}", ALPHABET[index | 1] as char)
}

fn payload_with(data: &[u8], edit: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut payload = write_payload(CONTENT_TEXT, data).to_vec();
    edit(&mut payload);
    payload
}

/// Builds every vector. Runs Argon2id a handful of times.
#[must_use]
pub fn generate() -> VectorFile {
    let k = link_key();
    let other = LinkKey::from_bytes(fixed("another link key"));
    let key = Credentials::Key(&k);
    let kp = Credentials::KeyAndPassword(&k, PASSWORD);
    let pw = Credentials::Password(PASSWORD_UNICODE);
    let key_only = (VERSION, Mode::Key.byte(), None);
    let d = Argon2Params::DEFAULT;
    let mut v = Vectors(Vec::new());

    // Successes.
    let base = v.success(
        "success-key",
        "success in mode key",
        "Sealed with the link key only. The tampering vectors below start from this envelope.",
        "Hello from zkshare!",
        &key,
    );
    let kp_env = v.success(
        "success-key-password",
        "success in mode key+password",
        "Sealed with the link key and a password, default Argon2id parameters. PROTOCOL.md §13 \
         shows every intermediate value of this vector.",
        WORKED_TEXT,
        &kp,
    );
    let pw_env = v.success(
        "success-password",
        "success in mode password",
        "Sealed with a password alone (a link without a key). The password is non-ASCII and is \
         used as its exact UTF-8 bytes.",
        "Sent without a link key.",
        &pw,
    );
    v.success(
        "success-empty-text",
        "empty text",
        "The empty text: n = 0, one all-zero block.",
        "",
        &key,
    );
    v.success(
        "success-multibyte",
        "multibyte UTF-8 text",
        "2-, 3- and 4-byte UTF-8 sequences, a ZWJ emoji sequence and a NUL character.",
        "Grüße, 世界! 🔐 \u{1F3F3}\u{FE0F}\u{200D}\u{1F308} \0 end",
        &key,
    );
    v.success(
        "success-exact-block",
        "payload of exactly one block",
        "251 bytes of text: 5 + 251 = 256, so there are zero padding bytes.",
        &"0123456789".repeat(26)[..251],
        &key,
    );
    let max_text: String = (0..MAX_TEXT_CHARS)
        .map(|i| char::from_u32(0x1F600 + u32::try_from(i % 64).expect("small")).expect("emoji"))
        .collect();
    let max_env = v.success(
        "success-max-length",
        "10,000-character text",
        "10,000 four-byte characters in mode key+password: the longest possible envelope, \
         exactly 53690 characters (PROTOCOL.md §8).",
        &max_text,
        &kp,
    );
    assert_eq!(max_env.len(), MAX_ENVELOPE_CHARS);

    // Wrong credentials.
    v.failure(
        "wrong-key",
        "wrong link key",
        "success-key's envelope, another link key.",
        &Credentials::Key(&other),
        base.clone(),
    );
    v.failure(
        "wrong-password",
        "wrong password",
        "success-key-password's envelope, the right link key, the password with one letter's case changed.",
        &Credentials::KeyAndPassword(&k, "Correct horse battery staple"),
        kp_env.clone(),
    );
    v.failure(
        "wrong-mode-password-for-key",
        "credentials of the wrong mode",
        "A mode key envelope (success-key) with a password instead of the link key.",
        &Credentials::Password(PASSWORD),
        base.clone(),
    );
    v.failure(
        "wrong-mode-key-for-key-password",
        "credentials of the wrong mode",
        "A mode key+password envelope (success-key-password) with the right link key but no password.",
        &key,
        kp_env.clone(),
    );
    v.failure(
        "wrong-mode-key-and-password-for-password",
        "credentials of the wrong mode",
        "A mode password envelope (success-password) with the right password plus a link key.",
        &Credentials::KeyAndPassword(&k, PASSWORD_UNICODE),
        pw_env,
    );

    // Tampering with the bytes (re-encoded canonically).
    let (h, b) = read_envelope(&base).expect("well-formed");
    let (kp_h, kp_b) = read_envelope(&kp_env).expect("well-formed");
    v.failure(
        "header-tampered-salt",
        "header tampered",
        "success-key with bit 0 of header byte 9 (in the salt) flipped. The header is the HKDF salt and the AEAD's associated data.",
        &key,
        write_envelope(&flipped(&h, 9, 0x01), &b),
    );
    v.failure(
        "header-tampered-mode",
        "header tampered: mode downgrade",
        "success-key-password with its mode byte changed from 0x02 to 0x03 (password); the reader presents the password alone, as the altered header asks.",
        &Credentials::Password(PASSWORD),
        write_envelope(&flipped(&kp_h, 1, 0x01), &kp_b),
    );
    v.failure(
        "header-tampered-argon2-memory",
        "header tampered: Argon2id parameters",
        "success-key-password with m raised from 19456 to 19457 (still within bounds): the parameters are bound into the keys.",
        &kp,
        write_envelope(&flipped(&kp_h, 37, 0x01), &kp_b),
    );
    v.failure(
        "ciphertext-tampered",
        "ciphertext tampered",
        "success-key with bit 0 of body byte 17 (ciphertext) flipped.",
        &key,
        write_envelope(&h, &flipped(&b, 17, 0x01)),
    );
    v.failure(
        "tag-tampered",
        "tag tampered",
        "success-key with bit 7 of the body's last byte (the tag) flipped.",
        &key,
        write_envelope(&h, &flipped(&b, b.len() - 1, 0x80)),
    );
    v.failure(
        "nonce-tampered",
        "nonce tampered",
        "success-key with bit 0 of body byte 0 (the nonce) flipped.",
        &key,
        write_envelope(&h, &flipped(&b, 0, 0x01)),
    );
    v.failure(
        "truncated-body",
        "truncated body",
        "success-key with the body's last byte removed.",
        &key,
        write_envelope(&h, &b[..b.len() - 1]),
    );
    v.failure(
        "truncated-body-tag",
        "truncated body",
        "success-key with the 16-byte tag removed: the rest is a whole number of blocks.",
        &key,
        write_envelope(&h, &b[..b.len() - 16]),
    );
    v.failure(
        "truncated-header",
        "truncated header",
        "success-key with the header's last byte removed (33 bytes).",
        &key,
        write_envelope(&h[..h.len() - 1], &b),
    );

    // Headers a reader must refuse, each properly encrypted so that nothing else is wrong.
    let text = write_payload(CONTENT_TEXT, b"a valid text payload");
    v.raw(
        "unknown-version",
        "unknown version",
        "Version byte 0x02, otherwise a valid mode key envelope.",
        &key,
        (0x02, Mode::Key.byte(), None),
        &text,
    );
    v.raw(
        "unknown-mode",
        "unknown mode",
        "Mode byte 0x04 with a 34-byte header, sealed with the link key as ikm.",
        &key,
        (VERSION, 0x04, None),
        &text,
    );
    let weak = v.raw(
        "weak-argon2-memory",
        "weak Argon2id parameters in header",
        "Mode password with m = 8192 < 19456, sealed with those parameters: only the bounds check stops a reader from running the cheap KDF.",
        &pw,
        (VERSION, Mode::Password.byte(), Some(Argon2Params { m: 8192, ..d })),
        &text,
    );
    v.raw(
        "weak-argon2-passes",
        "weak Argon2id parameters in header",
        "Mode password with t = 1 < 2, sealed with those parameters.",
        &pw,
        (
            VERSION,
            Mode::Password.byte(),
            Some(Argon2Params { t: 1, ..d }),
        ),
        &text,
    );
    v.raw(
        "argon2-lanes-above-bound",
        "Argon2id parameters above bounds",
        "Mode password with p = 5 > 4, sealed with those parameters.",
        &pw,
        (
            VERSION,
            Mode::Password.byte(),
            Some(Argon2Params { p: 5, ..d }),
        ),
        &text,
    );
    let (weak_h, weak_b) = read_envelope(&weak).expect("well-formed");
    let mut big_h = weak_h.clone();
    big_h[34..38].copy_from_slice(&262_145u32.to_be_bytes());
    v.failure(
        "argon2-memory-above-bound",
        "Argon2id parameters above bounds",
        "weak-argon2-memory's envelope with m = 262145 > 262144 (256 MiB + 1 KiB). Not re-sealed (that would take the memory the bound protects); a reader must refuse before deriving anything.",
        &pw,
        write_envelope(&big_h, &weak_b),
    );

    // The text encoding.
    let (h64, b64_body) = base.split_once('.').expect("one dot");
    v.failure(
        "non-canonical-trailing-bits-header",
        "non-canonical base64: trailing bits",
        "success-key with a non-zero unused bit in the header's last character.",
        &key,
        format!("{}.{b64_body}", with_trailing_bit(h64)),
    );
    v.failure(
        "non-canonical-trailing-bits-body",
        "non-canonical base64: trailing bits",
        "success-key with a non-zero unused bit in the body's last character.",
        &key,
        format!("{h64}.{}", with_trailing_bit(b64_body)),
    );
    v.failure(
        "non-canonical-padding-header",
        "non-canonical base64: padding",
        "success-key with '==' padding on the header (34 bytes).",
        &key,
        format!("{h64}==.{b64_body}"),
    );
    v.failure(
        "non-canonical-padding-body",
        "non-canonical base64: padding",
        "success-key with '=' padding on the body (284 bytes).",
        &key,
        format!("{h64}.{b64_body}="),
    );
    let standard = base.replacen('-', "+", 1).replacen('_', "/", 1);
    assert_ne!(
        standard, base,
        "success-key's envelope has a '-' or '_' to replace"
    );
    v.failure("non-canonical-alphabet", "non-canonical base64: standard alphabet", "success-key with its first '-' and '_' written as '+' and '/' (RFC 4648 §4 instead of §5).", &key, standard);
    v.failure(
        "non-canonical-whitespace",
        "non-canonical base64: whitespace",
        "success-key with a line break inside the body.",
        &key,
        format!("{h64}.{}\n{}", &b64_body[..40], &b64_body[40..]),
    );
    v.failure("trailing-newline", "non-canonical base64: whitespace", "success-key followed by a newline (clients trim input before opening, the protocol does not).", &key, format!("{base}\n"));
    v.failure(
        "missing-dot",
        "missing '.'",
        "success-key with the '.' removed.",
        &key,
        format!("{h64}{b64_body}"),
    );
    v.failure(
        "extra-dot",
        "extra '.'",
        "success-key with a second '.' inside the body.",
        &key,
        format!("{h64}.{}.{}", &b64_body[..40], &b64_body[40..]),
    );
    v.failure(
        "trailing-dot",
        "extra '.'",
        "success-key followed by a '.'.",
        &key,
        format!("{base}."),
    );
    v.failure(
        "empty-envelope",
        "missing '.'",
        "The empty string.",
        &key,
        String::new(),
    );

    // Payloads a reader must refuse, each properly encrypted in mode key.
    let hello = b"hello";
    v.raw(
        "bad-padding-byte",
        "bad padding bytes",
        "Payload for \"hello\" with padding byte 200 set to 0x01.",
        &key,
        key_only,
        &payload_with(hello, |p| p[200] = 0x01),
    );
    v.raw(
        "bad-padding-last-byte",
        "bad padding bytes",
        "Payload for \"hello\" with its last padding byte set to 0x80.",
        &key,
        key_only,
        &payload_with(hello, |p| p[255] = 0x80),
    );
    v.raw(
        "length-field-too-long",
        "wrong length field",
        "Payload for \"hello\" with n = 300: more data than the 256-byte payload holds.",
        &key,
        key_only,
        &payload_with(hello, |p| p[1..5].copy_from_slice(&300u32.to_be_bytes())),
    );
    v.raw(
        "length-field-max",
        "wrong length field",
        "Payload for \"hello\" with n = 2^32 - 1 (5 + n overflows 32 bits).",
        &key,
        key_only,
        &payload_with(hello, |p| p[1..5].copy_from_slice(&u32::MAX.to_be_bytes())),
    );
    v.raw(
        "length-field-too-short",
        "wrong length field",
        "Payload for \"hello\" with n = 4: the 'o' lands in the padding.",
        &key,
        key_only,
        &payload_with(hello, |p| p[4] = 4),
    );
    v.raw(
        "extra-padding-block",
        "wrong length field",
        "Payload for \"hello\" padded to 512 bytes: n implies exactly 256.",
        &key,
        key_only,
        &payload_with(hello, |p| p.resize(512, 0)),
    );
    v.raw(
        "payload-not-block-multiple",
        "wrong length field",
        "A 255-byte payload for \"hello\" (the last padding byte dropped).",
        &key,
        key_only,
        &payload_with(hello, |p| p.truncate(255)),
    );
    v.raw(
        "payload-empty",
        "truncated body",
        "An empty payload: the body is nonce and tag only.",
        &key,
        key_only,
        &[],
    );
    v.raw(
        "unknown-content-type",
        "unknown content type",
        "Content type 0x02 (reserved for files), otherwise a valid payload.",
        &key,
        key_only,
        &payload_with(hello, |p| p[0] = 0x02),
    );
    v.raw(
        "invalid-utf8",
        "invalid UTF-8 text",
        "Content type 0x01 with data ff fe.",
        &key,
        key_only,
        &write_payload(CONTENT_TEXT, &[0xff, 0xfe]),
    );

    VectorFile {
        protocol: PROTOCOL.to_owned(),
        generator: GENERATOR.to_owned(),
        vectors: v.0,
    }
}

/// The vectors file exactly as committed: pretty JSON and a final newline.
#[must_use]
pub fn generate_json() -> String {
    let mut json = serde_json::to_string_pretty(&generate()).expect("vectors serialize");
    json.push('\n');
    json
}

/// PROTOCOL.md §13: `success-key-password` recomputed step by step with the primitives, and
/// checked against the sealing path. The test suite asserts PROTOCOL.md contains this text.
///
/// # Panics
/// If the step-by-step computation and [`crate::seal_text`]'s path disagree.
#[must_use]
pub fn worked_example() -> String {
    let k = link_key();
    let salt: [u8; SALT_LEN] = fixed("success-key-password/salt");
    let nonce: [u8; NONCE_LEN] = fixed("success-key-password/nonce");
    let params = Argon2Params::DEFAULT;

    let header = write_header(VERSION, Mode::KeyAndPassword.byte(), &salt, Some(params));
    let pw = argon2id(PASSWORD.as_bytes(), &salt, params).expect("default parameters");
    let mut ikm = Zeroizing::new(k.as_bytes().to_vec());
    ikm.extend_from_slice(pw.as_ref());
    let prk = hkdf_extract(&header, &ikm);
    let kenc: Zeroizing<[u8; 32]> = hkdf_expand(&prk, ENC_LABEL);
    let kauth: Zeroizing<[u8; 32]> = hkdf_expand(&prk, AUTH_LABEL);
    let verifier = verifier(&kauth);
    let payload = write_payload(CONTENT_TEXT, WORKED_TEXT.as_bytes());
    let mut body = nonce.to_vec();
    body.extend(aead::seal(&kenc, &nonce, &header, &payload));
    let envelope = write_envelope(&header, &body);

    let sealed = seal_with(
        WORKED_TEXT,
        &Credentials::KeyAndPassword(&k, PASSWORD),
        salt,
        nonce,
        params,
    )
    .expect("valid inputs");
    assert_eq!((&envelope, &verifier), (&sealed.envelope, &sealed.verifier));

    let n = WORKED_TEXT.len();
    let mut out = String::new();
    let mut field = |name: &str, formula: &str, value: &str| {
        out.push_str(&format!("{name:<9}= {formula}\n"));
        for chunk in value.as_bytes().chunks(64) {
            out.push_str(&format!(
                "{:<9}  {}\n",
                "",
                std::str::from_utf8(chunk).expect("ASCII")
            ));
        }
    };
    field(
        "text",
        &format!("{WORKED_TEXT:?} ({n} bytes of UTF-8)"),
        &to_hex(WORKED_TEXT.as_bytes()),
    );
    field("K64", "b64(K), the link's fragment", &k.to_b64());
    field("K", "32 random bytes", &to_hex(k.as_bytes()));
    field(
        "password",
        &format!("{PASSWORD:?}"),
        &to_hex(PASSWORD.as_bytes()),
    );
    field("salt", "32 random bytes", &to_hex(&salt));
    field(
        "header",
        "01 02 || salt || u32be(19456) || u32be(2) || u32be(1)   (46 bytes)",
        &to_hex(&header),
    );
    field(
        "pw",
        "Argon2id(password, salt, m = 19456, t = 2, p = 1)",
        &to_hex(pw.as_ref()),
    );
    field(
        "prk",
        "HKDF-Extract(salt = header, IKM = K || pw)",
        &to_hex(prk.as_ref()),
    );
    field(
        "kenc",
        "HKDF-Expand(prk, \"zkshare/v1/enc\", 32)",
        &to_hex(kenc.as_ref()),
    );
    field(
        "kauth",
        "HKDF-Expand(prk, \"zkshare/v1/auth\", 32)",
        &to_hex(kauth.as_ref()),
    );
    field("verifier", "\"zkv1.\" || b64(kauth)", &verifier);
    let zeros = payload.len() - 5 - n;
    field(
        "payload",
        &format!("01 || u32be({n}) || text || {zeros} zero bytes   (256 bytes)"),
        &to_hex(&payload),
    );
    field("nonce", "12 random bytes", &to_hex(&nonce));
    let body_formula = format!(
        "nonce || AES-256-GCM-Seal(kenc, nonce, aad = header, payload)   ({} bytes)",
        body.len()
    );
    field("body", &body_formula, &to_hex(&body));
    let envelope_formula = format!(
        "b64(header) || \".\" || b64(body)   ({} characters)",
        envelope.len()
    );
    field("envelope", &envelope_formula, &envelope);
    out
}
