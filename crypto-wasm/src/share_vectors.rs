//! Checking one share test vector with no JSON parser: the core the native, CLI and browser checkers share.
//!
//! The share pages' module ships without a JSON parser (it would cost them a third of their size),
//! so the browser test parses tests/vectors/protocol-v1.json with `JSON.parse` and hands each
//! vector's fields here; natively, `vectors::check_vectors` does the same from serde.

use zkshare_format::{Argon2Params, Header};

use crate::hex::hex_array;
use crate::keys::{Credentials, EnvelopeKeys, LinkKey};
use crate::seal::{open_text, seal_with};

/// One vector's fields, as in the file (PROTOCOL.md §12).
#[derive(Debug, Clone, Copy)]
#[allow(missing_docs)]
pub struct ShareCase<'a> {
    /// `key`, `key+password` or `password`: the mode of the reader's credentials.
    pub mode: &'a str,
    pub link_key: Option<&'a str>,
    pub password: Option<&'a str>,
    pub envelope: &'a str,
    /// `success` or `open_error`.
    pub expected: &'a str,
    pub plaintext: Option<&'a str>,
    pub verifier: Option<&'a str>,
    pub salt: Option<&'a str>,
    pub nonce: Option<&'a str>,
    pub m: Option<u32>,
    pub t: Option<u32>,
    pub p: Option<u32>,
}

/// Checks one vector: its credentials fit `mode`; `open_error` vectors fail to open;
/// `success` vectors open to `plaintext` with `verifier`, and re-sealing the plaintext with
/// the recorded salt, nonce and parameters reproduces `envelope` byte for byte.
///
/// # Errors
/// Why the vector did not give its expected outcome.
pub fn check_share_case(v: &ShareCase<'_>) -> Result<(), String> {
    let key = match v.link_key {
        Some(k) => Some(LinkKey::from_b64(k).map_err(|_| "linkKey is not a link key")?),
        None => None,
    };
    let creds = match (&key, v.password) {
        (Some(k), None) => Credentials::Key(k),
        (Some(k), Some(p)) => Credentials::KeyAndPassword(k, p),
        (None, Some(p)) => Credentials::Password(p),
        (None, None) => return Err("neither linkKey nor password".to_owned()),
    };
    if creds.mode().name() != v.mode {
        return Err(format!(
            "mode {:?} does not match the credentials given",
            v.mode
        ));
    }
    match v.expected {
        "open_error" => match open_text(v.envelope, &creds) {
            Ok(_) => Err("opened, but must fail".to_owned()),
            Err(_) => Ok(()),
        },
        "success" => check_success(v, &creds),
        other => Err(format!("unknown expected outcome {other:?}")),
    }
}

fn check_success(v: &ShareCase<'_>, creds: &Credentials<'_>) -> Result<(), String> {
    let plaintext = v.plaintext.ok_or("success without plaintext")?;
    let verifier = v.verifier.ok_or("success without verifier")?;
    // The reader's path: keys from the served header, the verifier, then the envelope.
    let header = Header::from_envelope(v.envelope).map_err(|_| "header rejected")?;
    let keys = EnvelopeKeys::derive(&header, creds).map_err(|_| "cannot derive keys")?;
    if keys.verifier() != verifier {
        return Err(format!("verifier is {}", keys.verifier()));
    }
    let text = keys.open_text(v.envelope).map_err(|_| "does not open")?;
    if *text != plaintext {
        return Err("opens to another text".to_owned());
    }
    // The writer's path, deterministically.
    let salt = hex_array(v.salt).ok_or("salt is not 32 bytes of hex")?;
    let nonce = hex_array(v.nonce).ok_or("nonce is not 12 bytes of hex")?;
    let params = match (header.argon2_params(), v.m, v.t, v.p) {
        (Some(_), Some(m), Some(t), Some(p)) => Argon2Params { m, t, p },
        (None, None, None, None) => Argon2Params::DEFAULT,
        _ => return Err("m, t, p must be given exactly in password modes".to_owned()),
    };
    let resealed =
        seal_with(plaintext, creds, salt, nonce, params).map_err(|e| format!("re-seal: {e}"))?;
    if resealed.envelope != v.envelope {
        return Err("re-sealing gives another envelope".to_owned());
    }
    if resealed.verifier != verifier {
        return Err("re-sealing gives another verifier".to_owned());
    }
    Ok(())
}
