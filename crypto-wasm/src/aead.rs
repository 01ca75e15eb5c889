//! Raw AES-256-GCM (NIST SP 800-38D, 96-bit nonce, 128-bit tag): the crate's only AEAD calls.
//!
//! Caveats, which the callers in this crate are written around:
//! - A key must never seal two messages under one nonce: GCM would leak the XOR of the
//!   plaintexts and the authentication key. Every envelope gets a fresh `kenc` (fresh salt in
//!   the header, which is the HKDF salt) *and* a fresh random nonce. Only the sealing path
//!   (`seal.rs`) picks nonces, from the OS CSPRNG; nothing outside the crate can.
//! - GCM is not key-committing: a crafted ciphertext can open under two different keys. A
//!   successful open says the data is authentic for *this* key, not which password the
//!   writer had in mind; nothing here uses it as a password oracle beyond that.
//! - [`open`] is all-or-nothing: no plaintext exists before the tag has been checked, and
//!   every failure is the one opaque [`OpenError`], never why.
//! - The decrypted plaintext is secret; it is returned in [`Zeroizing`].

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{Aead, KeyInit, Nonce, Payload};
use zeroize::Zeroizing;

use zkshare_format::OpenError;
// 96-bit nonces, the length GCM is specified for without GHASH-ing it, as the envelope's
// body lays them out; its 16-byte tags are `zkshare_format::envelope::TAG_LEN`.
pub(crate) use zkshare_format::envelope::NONCE_LEN;

fn cipher(key: &[u8; 32]) -> Aes256Gcm {
    // Borrowing the array in place keeps no unzeroized copy of the key on the stack.
    Aes256Gcm::new(key.into())
}

/// `AES-256-GCM-Seal(key, nonce, aad, pt)`, returning `ciphertext || tag`.
pub(crate) fn seal(key: &[u8; 32], nonce: &[u8; NONCE_LEN], aad: &[u8], pt: &[u8]) -> Vec<u8> {
    let nonce: &Nonce<Aes256Gcm> = nonce.into();
    cipher(key)
        .encrypt(nonce, Payload { msg: pt, aad })
        .expect("payloads are far below GCM's 2^36-byte limit")
}

/// `AES-256-GCM-Open(key, nonce, aad, ciphertext || tag)`.
pub(crate) fn open(
    key: &[u8; 32],
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    ciphertext_and_tag: &[u8],
) -> Result<Zeroizing<Vec<u8>>, OpenError> {
    let nonce: &Nonce<Aes256Gcm> = nonce.into();
    cipher(key)
        .decrypt(
            nonce,
            Payload {
                msg: ciphertext_and_tag,
                aad,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| OpenError)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::primitives::tests::hex;

    fn check(key: &str, nonce: &str, pt: &str, aad: &str, ct: &str, tag: &str) {
        let key: [u8; 32] = hex(key).try_into().unwrap();
        let nonce: [u8; 12] = hex(nonce).try_into().unwrap();
        let (pt, aad) = (hex(pt), hex(aad));
        let mut expected = hex(ct);
        expected.extend(hex(tag));
        let sealed = seal(&key, &nonce, &aad, &pt);
        assert_eq!(sealed, expected);
        assert_eq!(*open(&key, &nonce, &aad, &sealed).unwrap(), pt);
        for i in 0..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 0x01;
            assert!(open(&key, &nonce, &aad, &bad).is_err());
        }
        let mut bad_aad = aad.clone();
        bad_aad.push(0);
        assert!(open(&key, &nonce, &bad_aad, &sealed).is_err());
    }

    // NIST CAVP gcmEncryptExtIV256.rsp (Keylen 256, IVlen 96, Taglen 128), as also used by
    // RustCrypto's aes-gcm tests.
    #[test]
    fn nist_cavp_empty_plaintext_empty_aad() {
        check(
            "b52c505a37d78eda5dd34f20c22540ea1b58963cf8e5bf8ffa85f9f2492505b4",
            "516c33929df5a3284ff463d7",
            "",
            "",
            "",
            "bdc1ac884d332457a1d2664f168c76f0",
        );
    }

    #[test]
    fn nist_cavp_with_aad() {
        check(
            "92e11dcdaa866f5ce790fd24501f92509aacf4cb8b1339d50c9c1240935dd08b",
            "ac93a1a6145299bde902f21a",
            "2d71bcfa914e4ac045b2aa60955fad24",
            "1e0889016f67601c8ebea4943bc23ad6",
            "8995ae2e6df3dbf96fac7b7137bae67f",
            "eca5aa77d51d4a0a14d9c51e1da474ab",
        );
    }

    #[test]
    fn nist_cavp_two_block_plaintext() {
        check(
            "268ed1b5d7c9c7304f9cae5fc437b4cd3aebe2ec65f0d85c3918d3d3b5bba89b",
            "9ed9d8180564e0e945f5e5d4",
            "fe29a40d8ebf57262bdb87191d01843f4ca4b2de97d88273154a0b7d9e2fdb80",
            "",
            "791a4a026f16f3a5ea06274bf02baab469860abde5e645f3dd473a5acddeecfc",
            "05b2b74db0662550435ef1900e136b15",
        );
    }
}
