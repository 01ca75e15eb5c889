//! Credentials and the key schedule (PROTOCOL.md §5–6): link key and/or password → `kenc`, `kauth`.

use std::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use zkshare_format::header::SALT_LEN;
use zkshare_format::ids::write_verifier;
use zkshare_format::{Argon2Params, Header, Mode, OpenError, b64, envelope, payload};

use crate::aead::{self, NONCE_LEN};
use crate::error::SealError;
use crate::primitives::{argon2id, hkdf_expand, hkdf_extract};

/// HKDF info for the content-encryption key.
pub(crate) const ENC_LABEL: &[u8] = b"zkshare/v1/enc";
/// HKDF info for the access-verifier key.
pub(crate) const AUTH_LABEL: &[u8] = b"zkshare/v1/auth";

/// The 32-byte link key `K`, carried only in the link's fragment. Zeroized on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct LinkKey([u8; 32]);

impl LinkKey {
    /// A new key from the operating system's CSPRNG.
    ///
    /// # Panics
    /// If the operating system's random number generator fails; use
    /// [`LinkKey::try_generate`] to handle that instead.
    #[must_use]
    pub fn generate() -> LinkKey {
        LinkKey::try_generate().expect("the operating system's random number generator failed")
    }

    /// A new key from the operating system's CSPRNG.
    ///
    /// # Errors
    /// [`SealError::Random`] if the random number generator fails.
    pub fn try_generate() -> Result<LinkKey, SealError> {
        crate::random::random().map(LinkKey)
    }

    /// Parses `K64` (43 canonical base64url characters).
    ///
    /// # Errors
    /// [`OpenError`] for anything else: a mistyped key looks like a wrong key.
    pub fn from_b64(s: &str) -> Result<LinkKey, OpenError> {
        let bytes = Zeroizing::new(b64::decode(s)?);
        <[u8; 32]>::try_from(bytes.as_slice())
            .map(LinkKey)
            .map_err(|_| OpenError)
    }

    /// `K64 = b64(K)`, the link's fragment.
    #[must_use]
    pub fn to_b64(&self) -> String {
        b64::encode(&self.0)
    }

    pub(crate) fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    #[cfg(any(test, feature = "vectors"))]
    pub(crate) fn from_bytes(bytes: [u8; 32]) -> LinkKey {
        LinkKey(bytes)
    }
}

impl fmt::Debug for LinkKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LinkKey(..)")
    }
}

/// What the writer seals with, or the reader presents. The variant decides the mode.
#[derive(Clone, Copy)]
pub enum Credentials<'a> {
    /// Mode `key`.
    Key(&'a LinkKey),
    /// Mode `key+password`: the link key and the password's exact UTF-8 bytes.
    KeyAndPassword(&'a LinkKey, &'a str),
    /// Mode `password`.
    Password(&'a str),
}

impl Credentials<'_> {
    /// The mode these credentials seal in or can open.
    #[must_use]
    pub fn mode(&self) -> Mode {
        match self {
            Credentials::Key(_) => Mode::Key,
            Credentials::KeyAndPassword(..) => Mode::KeyAndPassword,
            Credentials::Password(_) => Mode::Password,
        }
    }

    pub(crate) fn password(&self) -> Option<&str> {
        match self {
            Credentials::Key(_) => None,
            Credentials::KeyAndPassword(_, password) | Credentials::Password(password) => {
                Some(password)
            }
        }
    }
}

impl fmt::Debug for Credentials<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Credentials::{:?}(..)", self.mode())
    }
}

/// `ikm` of PROTOCOL.md §5: `K`, `K || pw` or `pw`, with `pw = Argon2id(password, salt, m, t, p)`.
pub(crate) fn input_key_material(
    creds: &Credentials<'_>,
    salt: &[u8; SALT_LEN],
    params: Argon2Params,
) -> Result<Zeroizing<Vec<u8>>, argon2::Error> {
    let mut ikm = Zeroizing::new(Vec::with_capacity(64));
    match creds {
        Credentials::Key(key) => ikm.extend_from_slice(key.as_bytes()),
        Credentials::KeyAndPassword(key, password) => {
            ikm.extend_from_slice(key.as_bytes());
            ikm.extend_from_slice(argon2id(password.as_bytes(), salt, params)?.as_ref());
        }
        Credentials::Password(password) => {
            ikm.extend_from_slice(argon2id(password.as_bytes(), salt, params)?.as_ref());
        }
    }
    Ok(ikm)
}

/// `prk = HKDF-Extract(salt = header, IKM = ikm)`, `kenc = HKDF-Expand(prk, "zkshare/v1/enc", 32)`,
/// `kauth = HKDF-Expand(prk, "zkshare/v1/auth", 32)`.
pub(crate) fn key_schedule(
    header: &[u8],
    ikm: &[u8],
) -> (Zeroizing<[u8; 32]>, Zeroizing<[u8; 32]>) {
    let prk = hkdf_extract(header, ikm);
    (hkdf_expand(&prk, ENC_LABEL), hkdf_expand(&prk, AUTH_LABEL))
}

/// The keys of one envelope (PROTOCOL.md §5), for one header and one set of credentials:
/// `kenc` to seal or open the body, `kauth` for the access verifier. Deriving them runs
/// Argon2id (password modes) exactly once, so a reader can send the verifier and later open
/// the envelope without paying for it twice.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct EnvelopeKeys {
    #[zeroize(skip)]
    header: Header,
    kenc: [u8; 32],
    kauth: [u8; 32],
}

impl EnvelopeKeys {
    /// Derives the keys for `header` (PROTOCOL.md §5), after checking that the credentials
    /// fit its mode.
    ///
    /// # Errors
    /// [`OpenError`] if the credentials are of another mode, the password is empty, or
    /// Argon2id cannot run.
    pub fn derive(header: &Header, creds: &Credentials<'_>) -> Result<EnvelopeKeys, OpenError> {
        // No envelope has an empty password (sealing refuses one), so skip Argon2id for it.
        if creds.mode() != header.mode() || creds.password() == Some("") {
            return Err(OpenError);
        }
        EnvelopeKeys::schedule(header, creds).map_err(|_| OpenError)
    }

    pub(crate) fn schedule(
        header: &Header,
        creds: &Credentials<'_>,
    ) -> Result<EnvelopeKeys, argon2::Error> {
        let params = header.argon2_params().unwrap_or_default();
        let ikm = input_key_material(creds, header.salt(), params)?;
        let (kenc, kauth) = key_schedule(header.as_bytes(), &ikm);
        Ok(EnvelopeKeys {
            header: header.clone(),
            kenc: *kenc,
            kauth: *kauth,
        })
    }

    /// The header these keys were derived from.
    #[must_use]
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The access verifier the API takes as `password` (PROTOCOL.md §6).
    #[must_use]
    pub fn verifier(&self) -> String {
        write_verifier(&self.kauth)
    }

    /// Opens a text envelope whose header is byte for byte the one these keys came from.
    ///
    /// # Errors
    /// [`OpenError`] for any failure in PROTOCOL.md §9.
    pub fn open_text(&self, envelope: &str) -> Result<Zeroizing<String>, OpenError> {
        let (header, body) = envelope::read_envelope(envelope)?;
        // Otherwise a server could hand out one header for the verifier and another envelope.
        if header != self.header.as_bytes() {
            return Err(OpenError);
        }
        let (nonce, sealed) = envelope::split_body(&body)?;
        let payload = aead::open(&self.kenc, nonce, &header, sealed)?;
        let text = payload::read_text(&payload)?;
        Ok(Zeroizing::new(text.to_owned()))
    }

    /// `envelope = b64(header) "." b64(nonce || AES-256-GCM-Seal(kenc, nonce, header, payload))`.
    pub(crate) fn seal_payload(&self, payload: &[u8], nonce: &[u8; NONCE_LEN]) -> String {
        let header = self.header.as_bytes();
        let mut body = nonce.to_vec();
        body.extend(aead::seal(&self.kenc, nonce, header, payload));
        envelope::write_envelope(header, &body)
    }

    #[cfg(test)]
    pub(crate) fn raw(&self) -> (&[u8; 32], &[u8; 32]) {
        (&self.kenc, &self.kauth)
    }
}

impl fmt::Debug for EnvelopeKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnvelopeKeys")
            .field("header", &self.header)
            .finish_non_exhaustive()
    }
}
