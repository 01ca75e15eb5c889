//! Checking one secret-request test vector with no JSON parser: the core the native, CLI and browser checkers share.
//!
//! The browser's request module is shipped without a JSON parser (it would double its size), so
//! the page's test harness parses tests/vectors/requests-v1.json with `JSON.parse` and hands each
//! vector's fields here; natively, `vectors::check_request_vectors` does the same from serde.

use crate::error::SealError;
use crate::hex::{hex_array, hex_bytes, to_hex};
use crate::request::{RequestKeys, commitment, hpke_seal, seal_answer_with};

/// The suite's name as the vectors file writes it.
pub const RFC9180_SUITE: &str = "DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM";

/// One scenario's fields, as in the file (PROTOCOL.md §14.7).
#[derive(Debug, Clone, Copy)]
#[allow(missing_docs)]
pub struct RequestCase<'a> {
    pub request_id: &'a str,
    pub private_key: &'a str,
    pub public_key: &'a str,
    pub commitment: &'a str,
    pub answer: Option<&'a str>,
    /// `success`, `open_error` or `key_mismatch`.
    pub expected: &'a str,
    pub plaintext: Option<&'a str>,
    pub ikm_e: Option<&'a str>,
    pub requester_token: Option<&'a str>,
}

/// RFC 9180's known answer, hex fields with the RFC's names.
#[derive(Debug, Clone, Copy)]
#[allow(missing_docs)]
pub struct RfcCase<'a> {
    pub suite: &'a str,
    pub ikm_r: &'a str,
    pub pk_rm: &'a str,
    pub ikm_e: &'a str,
    pub enc: &'a str,
    pub info: &'a str,
    pub aad: &'a str,
    pub pt: &'a str,
    pub ct: &'a str,
}

fn hex_of(hex: &str, field: &str) -> Result<Vec<u8>, String> {
    hex_bytes(hex).ok_or_else(|| format!("{field} is not hex"))
}

/// Derives `pkRm` from `ikmR` and seals `pt` with the ephemeral key of `ikmE` through the
/// function answers are sealed with; `enc` and `ct` must be the RFC's.
///
/// # Errors
/// Why the known answer was not reproduced.
pub fn check_rfc9180(v: &RfcCase<'_>) -> Result<(), String> {
    if v.suite != RFC9180_SUITE {
        return Err(format!("suite {:?}", v.suite));
    }
    let keys = RequestKeys::derive(&hex_of(v.ikm_r, "ikmR")?);
    if to_hex(keys.public_key().key()) != v.pk_rm {
        return Err("DeriveKeyPair(ikmR) gives another pkRm".to_owned());
    }
    let ikm_e = hex_array::<32>(Some(v.ikm_e)).ok_or("ikmE is not 32 bytes of hex")?;
    let (enc, ct) = hpke_seal(
        keys.public_key().key(),
        &hex_of(v.info, "info")?,
        &hex_of(v.aad, "aad")?,
        &hex_of(v.pt, "pt")?,
        &ikm_e,
    )
    .map_err(|e| format!("seal: {e}"))?;
    if to_hex(&enc) != v.enc {
        return Err("another enc".to_owned());
    }
    if to_hex(&ct) != v.ct {
        return Err("another ct".to_owned());
    }
    Ok(())
}

/// Checks one scenario: `open_error` answers do not open; `key_mismatch` is refused before
/// sealing; `success` opens to `plaintext` with the keys, token and commitment given, and
/// re-sealing with `ikmE` reproduces the answer byte for byte.
///
/// # Errors
/// Why the vector did not give its expected outcome.
pub fn check_request_case(v: &RequestCase<'_>) -> Result<(), String> {
    let keys = RequestKeys::from_b64(v.private_key).map_err(|_| "privateKey is not a key")?;
    match v.expected {
        "open_error" => {
            let answer = v.answer.ok_or("open_error without answer")?;
            match keys.open_answer(v.request_id, answer) {
                Ok(_) => Err("opened, but must fail".to_owned()),
                Err(_) => Ok(()),
            }
        }
        "key_mismatch" => {
            let plaintext = v.plaintext.ok_or("no plaintext")?;
            let ikm_e = hex_array::<32>(v.ikm_e).ok_or("ikmE is not 32 bytes")?;
            match seal_answer_with(v.request_id, v.public_key, v.commitment, plaintext, &ikm_e) {
                Err(SealError::KeyMismatch) => Ok(()),
                Ok(_) => Err("sealed to a key that does not match the commitment".to_owned()),
                Err(e) => Err(format!("refused for another reason: {e}")),
            }
        }
        "success" => {
            let answer = v.answer.ok_or("success without answer")?;
            let plaintext = v.plaintext.ok_or("success without plaintext")?;
            if keys.public_key().to_b64() != v.public_key {
                return Err("privateKey does not give publicKey".to_owned());
            }
            if commitment(&keys.public_key()) != v.commitment {
                return Err("commitment differs".to_owned());
            }
            if v.requester_token != Some(keys.requester_token().as_str()) {
                return Err("requesterToken differs".to_owned());
            }
            let text = keys
                .open_answer(v.request_id, answer)
                .map_err(|_| "does not open")?;
            if *text != plaintext {
                return Err("opens to another text".to_owned());
            }
            let ikm_e = hex_array::<32>(v.ikm_e).ok_or("ikmE is not 32 bytes")?;
            let resealed =
                seal_answer_with(v.request_id, v.public_key, v.commitment, plaintext, &ikm_e)
                    .map_err(|e| format!("re-seal: {e}"))?;
            if resealed != answer {
                return Err("re-sealing gives another answer".to_owned());
            }
            Ok(())
        }
        other => Err(format!("unknown expected outcome {other:?}")),
    }
}
