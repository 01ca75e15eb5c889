//! The WebAssembly API of the request pages (feature `wasm-requests`): a module of its own, so the share pages never load HPKE.
//!
//! Thin wrappers over [`crate::request`], camelCase names. Errors become `JsError`s carrying the
//! crate's messages; opening errors stay opaque.

use wasm_bindgen::prelude::*;

use zkshare_format::MAX_TEXT_CHARS;

use crate::request::{self, RequestKeys};
use crate::request_vectors::{RequestCase, RfcCase, check_request_case};

/// A requester's keys as the page needs them.
#[wasm_bindgen(getter_with_clone)]
pub struct RequesterKeys {
    /// `b64(suite || sk)`: the requester link's fragment. Never sent to the server.
    #[wasm_bindgen(js_name = privateKey)]
    pub private_key: String,
    /// The API's `publicKey`.
    #[wasm_bindgen(js_name = publicKey)]
    pub public_key: String,
    /// The API's `requesterToken`.
    #[wasm_bindgen(js_name = requesterToken)]
    pub requester_token: String,
    /// The answer link's fragment.
    pub commitment: String,
}

fn describe(keys: &RequestKeys) -> RequesterKeys {
    RequesterKeys {
        private_key: keys.to_b64().as_str().to_owned(),
        public_key: keys.public_key().to_b64(),
        requester_token: keys.requester_token(),
        commitment: request::commitment(&keys.public_key()),
    }
}

/// A new key pair for a request.
///
/// # Errors
/// If the platform's random number generator fails.
#[wasm_bindgen(js_name = generateRequesterKeys)]
pub fn generate_requester_keys() -> Result<RequesterKeys, JsError> {
    Ok(describe(&RequestKeys::generate()?))
}

/// The keys of a requester link's fragment.
///
/// # Errors
/// The opaque opening error for a fragment that is not a private key.
#[wasm_bindgen(js_name = requesterKeysFromLink)]
pub fn requester_keys_from_link(private_key: &str) -> Result<RequesterKeys, JsError> {
    Ok(describe(&RequestKeys::from_b64(private_key)?))
}

/// Seals `text` to the request's key after checking it against the answer link's commitment;
/// returns the API's `secretValue`.
///
/// # Errors
/// The key does not match the commitment (nothing is sealed), too long a text, or a platform
/// failure.
#[wasm_bindgen(js_name = sealAnswer)]
pub fn seal_answer(
    request_id: &str,
    public_key: &str,
    commitment: &str,
    text: &str,
) -> Result<String, JsError> {
    Ok(request::seal_answer(
        request_id, public_key, commitment, text,
    )?)
}

/// Opens the answer with the requester link's private key.
///
/// # Errors
/// The opaque opening error.
#[wasm_bindgen(js_name = openAnswer)]
pub fn open_answer(private_key: &str, request_id: &str, answer: &str) -> Result<String, JsError> {
    let keys = RequestKeys::from_b64(private_key)?;
    Ok(keys.open_answer(request_id, answer)?.as_str().to_owned())
}

/// [`MAX_TEXT_CHARS`]: the answer page's character limit (Unicode scalar values).
#[wasm_bindgen(js_name = maxTextChars)]
#[must_use]
pub fn max_text_chars() -> usize {
    MAX_TEXT_CHARS
}

/// Checks RFC 9180's known answer from the vectors file's `rfc9180` fields; `""` if it holds,
/// else why not. (The page's test harness parses the file: this module has no JSON parser.)
#[wasm_bindgen(js_name = checkRfc9180)]
#[must_use]
#[allow(clippy::too_many_arguments)]
pub fn check_rfc9180(
    suite: &str,
    ikm_r: &str,
    pk_rm: &str,
    ikm_e: &str,
    enc: &str,
    info: &str,
    aad: &str,
    pt: &str,
    ct: &str,
) -> String {
    crate::request_vectors::check_rfc9180(&RfcCase {
        suite,
        ikm_r,
        pk_rm,
        ikm_e,
        enc,
        info,
        aad,
        pt,
        ct,
    })
    .err()
    .unwrap_or_default()
}

/// Checks one scenario of the vectors file from its fields; `""` if it gives its expected
/// outcome, else why not. It returns no ciphertext, so it seals nothing a page could use.
#[wasm_bindgen(js_name = checkRequestVector)]
#[must_use]
#[allow(clippy::too_many_arguments)]
pub fn check_request_vector(
    request_id: &str,
    private_key: &str,
    public_key: &str,
    commitment: &str,
    answer: Option<String>,
    expected: &str,
    plaintext: Option<String>,
    ikm_e: Option<String>,
    requester_token: Option<String>,
) -> String {
    check_request_case(&RequestCase {
        request_id,
        private_key,
        public_key,
        commitment,
        answer: answer.as_deref(),
        expected,
        plaintext: plaintext.as_deref(),
        ikm_e: ikm_e.as_deref(),
        requester_token: requester_token.as_deref(),
    })
    .err()
    .unwrap_or_default()
}
