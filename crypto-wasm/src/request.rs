//! Secret requests (PROTOCOL.md §14): the requester's HPKE key pair, the key commitment, sealing an answer to it and opening it.
//!
//! HPKE (RFC 9180) is the `hpke` crate's, in base mode with the suite of RFC 9180 Appendix A.1:
//! DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM. This module only binds it to the
//! protocol: which bytes are the info and the AAD, how keys and answers are written, and the
//! commitment that lets an answerer refuse a key the server substituted.

use hpke::aead::AesGcm128;
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
use hpke::rand_core::{TryCryptoRng, TryRng};
use hpke::{Deserializable, Kem as _, OpModeR, OpModeS, Serializable};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use zkshare_format::payload::{CONTENT_TEXT, read_text, write_payload};
use zkshare_format::request::{
    KEY_LEN, PRIVATE_KEY_CHARS, PublicKey, SUITE_X25519_SHA256_AES128GCM, TOKEN_LEN, answer_header,
    read_answer,
};
use zkshare_format::{MAX_TEXT_CHARS, OpenError, b64, envelope, is_secret_id};

use crate::error::SealError;
use crate::primitives::{hkdf_expand, hkdf_extract};
use crate::random::random;

type Kem = X25519HkdfSha256;

/// The prefix of the HPKE `info` (PROTOCOL.md §14.4).
const INFO_LABEL: &[u8] = b"zkshare v1 request answer";
/// The prefix of the key commitment's hash input (§14.2).
const COMMIT_LABEL: &[u8] = b"zkshare v1 request key";
/// The HKDF salt and info of the requester token (§14.3).
const TOKEN_SALT: &[u8] = b"zkshare v1 request";
const TOKEN_INFO: &[u8] = b"requester token";

/// A requester's key pair. The private key never leaves the requester's client: it travels
/// only in the requester's link's fragment (or a file of the CLI).
pub struct RequestKeys {
    private: Zeroizing<[u8; KEY_LEN]>,
    public: PublicKey,
}

impl RequestKeys {
    /// A new key pair: `DeriveKeyPair(ikm)` of 32 bytes from the operating system's CSPRNG.
    ///
    /// # Errors
    /// [`SealError::Random`] if the platform's random number generator fails.
    pub fn generate() -> Result<Self, SealError> {
        let ikm = Zeroizing::new(random::<KEY_LEN>()?);
        Ok(Self::derive(ikm.as_ref()))
    }

    /// `DeriveKeyPair(ikm)` of RFC 9180 §7.1.3 (test vectors; [`RequestKeys::generate`]).
    pub(crate) fn derive(ikm: &[u8]) -> Self {
        let (private, public) = Kem::derive_keypair(ikm);
        Self::from_parts(&private, &public)
    }

    fn from_parts(
        private: &<Kem as hpke::Kem>::PrivateKey,
        public: &<Kem as hpke::Kem>::PublicKey,
    ) -> Self {
        let mut sk = Zeroizing::new([0u8; KEY_LEN]);
        private.write_exact(sk.as_mut());
        let mut pk = [0u8; KEY_LEN];
        public.write_exact(&mut pk);
        Self {
            private: sk,
            public: PublicKey::new(SUITE_X25519_SHA256_AES128GCM, pk)
                .expect("the suite is version 1's"),
        }
    }

    /// Reads the requester link's fragment `b64(suite || sk)` (44 characters).
    ///
    /// # Errors
    /// The opaque [`OpenError`] for anything that is not a private key of a known suite.
    pub fn from_b64(text: &str) -> Result<Self, OpenError> {
        if text.len() != PRIVATE_KEY_CHARS {
            return Err(OpenError);
        }
        let bytes = Zeroizing::new(b64::decode(text)?);
        let (&suite, sk) = bytes.split_first().ok_or(OpenError)?;
        if suite != SUITE_X25519_SHA256_AES128GCM {
            return Err(OpenError);
        }
        let private = <Kem as hpke::Kem>::PrivateKey::from_bytes(sk).map_err(|_| OpenError)?;
        let public = Kem::sk_to_pk(&private);
        Ok(Self::from_parts(&private, &public))
    }

    /// `b64(suite || sk)`: the requester link's fragment. Treat it like a link key.
    #[must_use]
    pub fn to_b64(&self) -> Zeroizing<String> {
        let mut bytes = Zeroizing::new([0u8; 1 + KEY_LEN]);
        bytes[0] = self.public.suite();
        bytes[1..].copy_from_slice(self.private.as_ref());
        Zeroizing::new(b64::encode(bytes.as_ref()))
    }

    /// The public key the requester publishes (the API's `publicKey`).
    #[must_use]
    pub fn public_key(&self) -> PublicKey {
        self.public
    }

    /// The requester token, `b64(HKDF-Expand(HKDF-Extract("zkshare v1 request", suite || sk),
    /// "requester token", 32))`: proves to the server that the caller holds the private key
    /// without revealing it. The server stores its SHA-256.
    #[must_use]
    pub fn requester_token(&self) -> String {
        let mut ikm = Zeroizing::new([0u8; 1 + KEY_LEN]);
        ikm[0] = self.public.suite();
        ikm[1..].copy_from_slice(self.private.as_ref());
        let prk = hkdf_extract(TOKEN_SALT, ikm.as_ref());
        let token: Zeroizing<[u8; TOKEN_LEN]> = hkdf_expand(&prk, TOKEN_INFO);
        b64::encode(token.as_ref())
    }

    /// Opens an answer sealed for request `request_id` to this key (PROTOCOL.md §14.5).
    ///
    /// # Errors
    /// The one opaque [`OpenError`] for every failure: malformed, another request, another
    /// key, tampered or truncated.
    pub fn open_answer(
        &self,
        request_id: &str,
        answer: &str,
    ) -> Result<Zeroizing<String>, OpenError> {
        if !is_secret_id(request_id) {
            return Err(OpenError);
        }
        let parts = read_answer(answer)?;
        if parts.header[2] != self.public.suite() {
            return Err(OpenError);
        }
        let private = <Kem as hpke::Kem>::PrivateKey::from_bytes(self.private.as_ref())
            .map_err(|_| OpenError)?;
        let enc = <Kem as hpke::Kem>::EncappedKey::from_bytes(&parts.enc).map_err(|_| OpenError)?;
        let payload = Zeroizing::new(
            hpke::single_shot_open::<AesGcm128, HkdfSha256, Kem>(
                &OpModeR::Base,
                &private,
                &enc,
                &info(request_id, &self.public),
                &parts.sealed,
                &parts.header,
            )
            .map_err(|_| OpenError)?,
        );
        Ok(Zeroizing::new(read_text(&payload)?.to_owned()))
    }
}

/// The key commitment `b64(SHA-256("zkshare v1 request key" || 0x00 || suite || pk))`, 43
/// characters: the answer link's fragment.
#[must_use]
pub fn commitment(key: &PublicKey) -> String {
    let mut hash = Sha256::new();
    hash.update(COMMIT_LABEL);
    hash.update([0u8]);
    hash.update(key.to_bytes());
    b64::encode(&hash.finalize())
}

/// `info = "zkshare v1 request answer" || 0x00 || id || suite || pk`, `id` as its 22 ASCII
/// characters: binds an answer to one request and one key.
fn info(request_id: &str, key: &PublicKey) -> Vec<u8> {
    let mut info = Vec::with_capacity(INFO_LABEL.len() + 1 + request_id.len() + 1 + KEY_LEN);
    info.extend_from_slice(INFO_LABEL);
    info.push(0);
    info.extend_from_slice(request_id.as_bytes());
    info.extend_from_slice(&key.to_bytes());
    info
}

/// Seals `text` as the answer to request `request_id`, whose public key the server served as
/// `public_key`, after checking it against `commitment` from the answer link's fragment
/// (PROTOCOL.md §14.4). Returns the API's `secretValue`.
///
/// # Errors
/// [`SealError::KeyMismatch`] if the key is malformed or does not match the commitment (the
/// server may have substituted it; nothing is sealed), [`SealError::TooLong`],
/// [`SealError::Random`].
pub fn seal_answer(
    request_id: &str,
    public_key: &str,
    commitment: &str,
    text: &str,
) -> Result<String, SealError> {
    let ikm = Zeroizing::new(random::<KEY_LEN>()?);
    seal_answer_with(request_id, public_key, commitment, text, &ikm)
}

/// The one sealing path: [`seal_answer`] with the ephemeral key's `ikmE` given. Only it and
/// the test vectors reach this.
pub(crate) fn seal_answer_with(
    request_id: &str,
    public_key: &str,
    expected_commitment: &str,
    text: &str,
    ikm_e: &[u8; KEY_LEN],
) -> Result<String, SealError> {
    let key = PublicKey::parse(public_key).map_err(|_| SealError::KeyMismatch)?;
    // A public comparison: the commitment is in the link, the key is in the server's answer.
    if commitment(&key) != expected_commitment || !is_secret_id(request_id) {
        return Err(SealError::KeyMismatch);
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(SealError::TooLong);
    }
    let payload = write_payload(CONTENT_TEXT, text.as_bytes());
    let header = answer_header(key.suite());
    let (enc, sealed) = hpke_seal(key.key(), &info(request_id, &key), &header, &payload, ikm_e)?;
    let mut body = Zeroizing::new(Vec::with_capacity(KEY_LEN + sealed.len()));
    body.extend_from_slice(&enc);
    body.extend_from_slice(&sealed);
    Ok(envelope::write_envelope(&header, &body))
}

/// `SealBase(pkR, info, aad, pt)` of RFC 9180 §6.1 with the ephemeral key pair
/// `DeriveKeyPair(ikm_e)`: returns `(enc, ct)`.
pub(crate) fn hpke_seal(
    pk: &[u8; KEY_LEN],
    info: &[u8],
    aad: &[u8],
    plaintext: &[u8],
    ikm_e: &[u8; KEY_LEN],
) -> Result<([u8; KEY_LEN], Vec<u8>), SealError> {
    let pk = <Kem as hpke::Kem>::PublicKey::from_bytes(pk).map_err(|_| SealError::KeyMismatch)?;
    let mut rng = OnceRng {
        bytes: Some(Zeroizing::new(*ikm_e)),
        overdrawn: false,
    };
    let (enc, ct) = hpke::single_shot_seal_with_rng::<AesGcm128, HkdfSha256, Kem>(
        &OpModeS::Base,
        &pk,
        info,
        plaintext,
        aad,
        &mut rng,
    )
    .map_err(|_| SealError::KeyMismatch)?;
    // Encap draws exactly one `ikmE`; anything else would have sealed with a known key.
    if rng.overdrawn || rng.bytes.is_some() {
        return Err(SealError::Random);
    }
    let mut enc_bytes = [0u8; KEY_LEN];
    enc.write_exact(&mut enc_bytes);
    Ok((enc_bytes, ct))
}

/// Hands HPKE's `Encap` the 32 bytes `ikmE` once, so the ephemeral key is exactly
/// `DeriveKeyPair(ikmE)` (RFC 9180 §4.1) and known-answer tests reach the real sealing path.
/// A second draw gets zeros and is reported, and the seal discarded.
struct OnceRng {
    bytes: Option<Zeroizing<[u8; KEY_LEN]>>,
    overdrawn: bool,
}

impl TryRng for OnceRng {
    type Error = core::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        self.overdrawn = true;
        Ok(0)
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        self.overdrawn = true;
        Ok(0)
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        match self.bytes.take() {
            Some(bytes) if dst.len() == KEY_LEN => dst.copy_from_slice(bytes.as_ref()),
            _ => {
                dst.fill(0);
                self.overdrawn = true;
            }
        }
        Ok(())
    }
}

impl TryCryptoRng for OnceRng {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::primitives::tests::hex;

    /// RFC 9180 Appendix A.1.1: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, base
    /// mode, the first encryption (sequence number 0), through the same sealing function.
    #[test]
    fn rfc_9180_appendix_a_1_1() {
        let ikm_r = hex("6db9df30aa07dd42ee5e8181afdb977e538f5e1fec8a06223f33f7013e525037");
        let keys = RequestKeys::derive(&ikm_r);
        // The crate writes the private scalar clamped (RFC 7748 §5), the RFC prints it as
        // derived: the same X25519 key. Clamp the RFC's bytes to compare.
        let mut sk_rm = hex("4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8");
        sk_rm[0] &= 248;
        sk_rm[31] = (sk_rm[31] & 127) | 64;
        assert_eq!(keys.private.to_vec(), sk_rm);
        assert_eq!(
            keys.public.key().to_vec(),
            hex("3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d")
        );
        let ikm_e: [u8; 32] =
            hex("7268600d403fce431561aef583ee1613527cff655c1343f29812e66706df3234")
                .try_into()
                .unwrap();
        let info = hex("4f6465206f6e2061204772656369616e2055726e");
        let aad = hex("436f756e742d30");
        let pt = hex("4265617574792069732074727574682c20747275746820626561757479");
        let (enc, ct) = hpke_seal(keys.public.key(), &info, &aad, &pt, &ikm_e).unwrap();
        assert_eq!(
            enc.to_vec(),
            hex("37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431")
        );
        assert_eq!(
            ct,
            hex(
                "f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a"
            )
        );
        let private = <Kem as hpke::Kem>::PrivateKey::from_bytes(keys.private.as_ref()).unwrap();
        let enc = <Kem as hpke::Kem>::EncappedKey::from_bytes(&enc).unwrap();
        let opened = hpke::single_shot_open::<AesGcm128, HkdfSha256, Kem>(
            &OpModeR::Base,
            &private,
            &enc,
            &info,
            &ct,
            &aad,
        )
        .unwrap();
        assert_eq!(opened, pt);
    }

    const ID: &str = "AAECAwQFBgcICQoLDA0ODw";
    const OTHER_ID: &str = "EBESExQVFhcYGRobHB0eHw";

    #[test]
    fn an_answer_opens_for_its_request_and_key_only() {
        let keys = RequestKeys::generate().unwrap();
        let public = keys.public_key().to_b64();
        let c = commitment(&keys.public_key());
        let answer = seal_answer(ID, &public, &c, "the db password").unwrap();
        assert_eq!(*keys.open_answer(ID, &answer).unwrap(), "the db password");
        // Another request, another key, and the same key read back from its link all behave.
        assert_eq!(keys.open_answer(OTHER_ID, &answer), Err(OpenError));
        let other = RequestKeys::generate().unwrap();
        assert_eq!(other.open_answer(ID, &answer), Err(OpenError));
        let again = RequestKeys::from_b64(&keys.to_b64()).unwrap();
        assert_eq!(again.public_key(), keys.public_key());
        assert_eq!(again.requester_token(), keys.requester_token());
        assert_eq!(*again.open_answer(ID, &answer).unwrap(), "the db password");
        // Two seals of the same text differ (fresh ephemeral key).
        assert_ne!(
            answer,
            seal_answer(ID, &public, &c, "the db password").unwrap()
        );
    }

    #[test]
    fn a_substituted_key_is_refused_before_sealing() {
        let keys = RequestKeys::generate().unwrap();
        let server_key = RequestKeys::generate().unwrap();
        let c = commitment(&keys.public_key());
        assert_eq!(
            seal_answer(ID, &server_key.public_key().to_b64(), &c, "x"),
            Err(SealError::KeyMismatch)
        );
        assert_eq!(
            seal_answer(ID, "not a key", &c, "x"),
            Err(SealError::KeyMismatch)
        );
        assert_eq!(
            seal_answer("not an id", &keys.public_key().to_b64(), &c, "x"),
            Err(SealError::KeyMismatch)
        );
    }

    #[test]
    fn limits_and_malformed_keys() {
        let keys = RequestKeys::generate().unwrap();
        let public = keys.public_key().to_b64();
        let c = commitment(&keys.public_key());
        let max = "€".repeat(MAX_TEXT_CHARS);
        let answer = seal_answer(ID, &public, &c, &max).unwrap();
        assert!(answer.len() <= zkshare_format::request::MAX_ANSWER_CHARS);
        assert_eq!(*keys.open_answer(ID, &answer).unwrap(), max);
        assert_eq!(
            seal_answer(ID, &public, &c, &format!("{max}x")),
            Err(SealError::TooLong)
        );
        let sk = keys.to_b64();
        assert!(RequestKeys::from_b64(&sk[..43]).is_err());
        let mut other_suite = b64::decode(&sk).unwrap();
        other_suite[0] = 2;
        assert!(RequestKeys::from_b64(&b64::encode(&other_suite)).is_err());
        assert_eq!(c.len(), 43);
        assert_eq!(keys.requester_token().len(), 43);
        assert_ne!(keys.requester_token(), c);
    }
}
