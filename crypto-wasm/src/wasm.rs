//! The WebAssembly API the web page calls (feature `wasm`): thin wrappers, camelCase names.
//!
//! Its classes have the Rust API's names: [`Sealed`] and [`EnvelopeKeys`].
//! Empty strings from form fields count as absent, so a page can pass `input.value` as it is.
//! Errors become `JsError`s carrying the crate's messages; opening errors stay opaque.

use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use zkshare_format::{Header, MAX_TEXT_CHARS, OpenError};

use crate::keys::{self, Credentials, LinkKey};
use crate::seal::seal_text;

/// What `sealText` returns: `envelope` is the API's `secretValue`, `verifier` its `password`.
#[wasm_bindgen(getter_with_clone)]
pub struct Sealed {
    /// `b64(header) "." b64(body)`.
    pub envelope: String,
    /// `zkv1.` followed by `b64(kauth)`.
    pub verifier: String,
}

/// A new random link key, `K64` (43 characters) for the link's fragment.
#[wasm_bindgen(js_name = generateLinkKey)]
#[must_use]
pub fn generate_link_key() -> String {
    LinkKey::generate().to_b64()
}

fn present(value: Option<String>) -> Option<Zeroizing<String>> {
    value.filter(|v| !v.is_empty()).map(Zeroizing::new)
}

/// Builds credentials from what the page has; the mode follows from which are present.
fn with_credentials<T>(
    link_key: Option<String>,
    password: Option<String>,
    f: impl FnOnce(&Credentials<'_>) -> Result<T, JsError>,
) -> Result<T, JsError> {
    let key = match present(link_key) {
        Some(k) => {
            Some(LinkKey::from_b64(&k).map_err(|_| JsError::new("the link key is not valid"))?)
        }
        None => None,
    };
    let password = present(password);
    let creds = match (&key, password.as_deref()) {
        (Some(k), None) => Credentials::Key(k),
        (Some(k), Some(p)) => Credentials::KeyAndPassword(k, p),
        (None, Some(p)) => Credentials::Password(p),
        (None, None) => return Err(JsError::new("a link key or a password is needed")),
    };
    f(&creds)
}

/// Seals `text`: mode `key` with a link key only, `key+password` with both, `password` with
/// a password only.
///
/// # Errors
/// Neither given, an invalid link key, too long a text, or a platform failure.
#[wasm_bindgen(js_name = sealText)]
pub fn seal_text_js(
    text: &str,
    link_key: Option<String>,
    password: Option<String>,
) -> Result<Sealed, JsError> {
    with_credentials(link_key, password, |creds| {
        let sealed = seal_text(text, creds)?;
        Ok(Sealed {
            envelope: sealed.envelope,
            verifier: sealed.verifier,
        })
    })
}

/// Whether the envelope header (`envelopeHeader`, base64url) asks for a password.
///
/// # Errors
/// The opaque opening error if the header is invalid.
#[wasm_bindgen(js_name = headerNeedsPassword)]
pub fn header_needs_password(header_b64: &str) -> Result<bool, JsError> {
    Ok(Header::parse_b64(header_b64)?.needs_password())
}

/// Whether the envelope header asks for the link key.
///
/// # Errors
/// The opaque opening error if the header is invalid.
#[wasm_bindgen(js_name = headerNeedsLinkKey)]
pub fn header_needs_link_key(header_b64: &str) -> Result<bool, JsError> {
    Ok(Header::parse_b64(header_b64)?.needs_link_key())
}

/// The reader's [`keys::EnvelopeKeys`] for one header: Argon2id runs once, in the constructor;
/// then `verifier()` for the consume request and `openText()` for the envelope it returns.
#[wasm_bindgen]
pub struct EnvelopeKeys {
    keys: keys::EnvelopeKeys,
}

#[wasm_bindgen]
impl EnvelopeKeys {
    /// Derives the keys for `headerB64` from the link key and/or password.
    ///
    /// # Errors
    /// The opaque opening error for an invalid header, credentials of the wrong mode or a
    /// malformed link key.
    #[wasm_bindgen(constructor)]
    pub fn new(
        header_b64: &str,
        link_key: Option<String>,
        password: Option<String>,
    ) -> Result<EnvelopeKeys, JsError> {
        let header = Header::parse_b64(header_b64)?;
        with_credentials(link_key, password, |creds| {
            Ok(EnvelopeKeys {
                keys: keys::EnvelopeKeys::derive(&header, creds)?,
            })
        })
        // A malformed link key is indistinguishable from a wrong one to the reader.
        .map_err(|_| JsError::from(OpenError))
    }

    /// The access verifier to send as the API's `password`.
    #[must_use]
    pub fn verifier(&self) -> String {
        self.keys.verifier()
    }

    /// Opens the envelope the server returned; its header must be the one given before.
    ///
    /// # Errors
    /// The opaque opening error.
    #[wasm_bindgen(js_name = openText)]
    pub fn open_text(&self, envelope: &str) -> Result<String, JsError> {
        // The JS string is a copy the page owns; the Rust-side copy is zeroized on drop.
        Ok(self.keys.open_text(envelope)?.as_str().to_owned())
    }
}

/// [`MAX_TEXT_CHARS`]: the page's character limit (Unicode scalar values, not UTF-16 units).
#[wasm_bindgen(js_name = maxTextChars)]
#[must_use]
pub fn max_text_chars() -> usize {
    MAX_TEXT_CHARS
}

/// Checks one vector of tests/vectors/protocol-v1.json from its fields; `""` if it gives its
/// expected outcome, else why not. (The page's test harness parses the file: this module has no
/// JSON parser.) It returns no envelope, so it seals nothing a page could use.
#[wasm_bindgen(js_name = checkVector)]
#[must_use]
#[allow(clippy::too_many_arguments)]
pub fn check_vector(
    mode: &str,
    link_key: Option<String>,
    password: Option<String>,
    envelope: &str,
    expected: &str,
    plaintext: Option<String>,
    verifier: Option<String>,
    salt: Option<String>,
    nonce: Option<String>,
    m: Option<u32>,
    t: Option<u32>,
    p: Option<u32>,
) -> String {
    crate::share_vectors::check_share_case(&crate::share_vectors::ShareCase {
        mode,
        link_key: link_key.as_deref(),
        password: password.as_deref(),
        envelope,
        expected,
        plaintext: plaintext.as_deref(),
        verifier: verifier.as_deref(),
        salt: salt.as_deref(),
        nonce: nonce.as_deref(),
        m,
        t,
        p,
    })
    .err()
    .unwrap_or_default()
}
