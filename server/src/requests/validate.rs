//! Input rules of secret requests: the create body, the public key, the requester token and the answer's shape (zkshare-format's `request` module checks the wire format).

use serde::Deserialize;
use serde_json::{Value, json};
use zkshare_format::request::{self, MAX_ANSWER_CHARS, PublicKey};

use crate::domain::AccessType;
use crate::shares::validate::{
    DEFAULT_EXPIRES_IN, Invalid, MAX_NAME_CHARS, NAME_FORMATTING, is_refused_in_name,
    parse_expires_in,
};

/// Said when `publicKey` is not a request public key.
pub const BAD_PUBLIC_KEY: &str = "publicKey must be a secret request public key (docs/PROTOCOL.md): \
     44 base64url characters of the suite byte and a 32-byte X25519 key";
/// Said when `requesterToken` is not a token.
pub const BAD_TOKEN: &str = "requesterToken must be 43 base64url characters (32 random bytes)";
/// Said when an anonymous requester sends no token.
pub const TOKEN_REQUIRED: &str = "requesterToken is required without signing in: it is what \
     lets you reveal the answer (or sign in to reveal it with your session)";
/// Said when `secretValue` is not an answer sealed for the request's key.
pub const NOT_AN_ANSWER: &str = "secretValue must be an answer sealed to this request's public \
     key (docs/PROTOCOL.md): encrypt it on the client";
/// Said when `secretValue` is longer than any answer.
pub const ANSWER_TOO_LONG: &str =
    "secretValue is too long: an answer has at most 53,659 characters (10,000 characters of text)";

// The message's number is the format's limit.
const _: () = assert!(MAX_ANSWER_CHARS == 53_659);

/// Body of `POST /api/v1/shared-secrets/requests`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateRequestBody {
    /// Optional label.
    #[serde(default)]
    pub name: Option<String>,
    /// Lifetime such as `30m`, `24h`, `7d`, `1w` (as for shares).
    #[serde(default)]
    pub expires_in: Option<String>,
    /// Who may answer.
    #[serde(default)]
    pub access_type: Option<AccessType>,
    /// The requester's public key, `b64(suite || pk)`.
    pub public_key: String,
    /// The requester's token (43 base64url characters); required without signing in.
    #[serde(default)]
    pub requester_token: Option<String>,
    /// Keep the answer after it was revealed.
    #[serde(default)]
    pub keep_answer: Option<bool>,
}

/// A create body that passed every rule.
pub struct ValidRequest {
    /// Optional label.
    pub name: Option<String>,
    /// Lifetime in milliseconds.
    pub lifetime_ms: i64,
    /// As requested; the policy picks the default.
    pub access_type: Option<AccessType>,
    /// The public key, canonical.
    pub public_key: PublicKey,
    /// The requester token, if given.
    pub requester_token: Option<String>,
    /// As requested.
    pub keep_answer: bool,
}

/// Checks a create body; the first broken rule is the message, all of them are `details`.
pub fn create(body: CreateRequestBody) -> Result<ValidRequest, Invalid> {
    let mut issues: Vec<(&str, &str)> = Vec::new();
    if let Some(name) = &body.name {
        if name.chars().count() > MAX_NAME_CHARS {
            issues.push(("name", "name must be at most 50 characters"));
        } else if name.chars().any(is_refused_in_name) {
            issues.push(("name", NAME_FORMATTING));
        }
    }
    let lifetime_ms =
        match parse_expires_in(body.expires_in.as_deref().unwrap_or(DEFAULT_EXPIRES_IN)) {
            Ok(ms) => ms,
            Err(message) => {
                issues.push(("expiresIn", message));
                0
            }
        };
    let public_key = PublicKey::parse(&body.public_key).ok();
    if public_key.is_none() {
        issues.push(("publicKey", BAD_PUBLIC_KEY));
    }
    if body
        .requester_token
        .as_deref()
        .is_some_and(|t| !request::is_token(t))
    {
        issues.push(("requesterToken", BAD_TOKEN));
    }
    match (issues.first(), public_key) {
        (None, Some(public_key)) => Ok(ValidRequest {
            name: body.name,
            lifetime_ms,
            access_type: body.access_type,
            public_key,
            requester_token: body.requester_token,
            keep_answer: body.keep_answer.unwrap_or(false),
        }),
        (first, _) => {
            let details: Vec<Value> = issues
                .iter()
                .map(|(field, message)| json!({ "path": [field], "message": message }))
                .collect();
            Err(Invalid {
                message: first.map_or(BAD_PUBLIC_KEY, |(_, m)| m).to_string(),
                details: Value::Array(details),
            })
        }
    }
}

/// Checks an answer against the request's public key: its length first (a long string is
/// refused unread), then its shape.
pub fn answer(value: &str, public_key: &str) -> Result<(), Invalid> {
    if value.len() > MAX_ANSWER_CHARS {
        return Err(Invalid::single("secretValue", ANSWER_TOO_LONG));
    }
    let key =
        PublicKey::parse(public_key).map_err(|_| Invalid::single("publicKey", BAD_PUBLIC_KEY))?;
    if request::is_answer_for(value, &key) {
        Ok(())
    } else {
        Err(Invalid::single("secretValue", NOT_AN_ANSWER))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkshare_format::envelope::write_envelope;
    use zkshare_format::request::{SUITE_X25519_SHA256_AES128GCM, answer_header};

    fn key() -> String {
        PublicKey::new(SUITE_X25519_SHA256_AES128GCM, [3; 32])
            .unwrap()
            .to_b64()
    }

    fn body(extra: Value) -> CreateRequestBody {
        let mut v = json!({ "publicKey": key(), "expiresIn": "1h" });
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn create_rules() {
        let ok = create(body(json!({}))).unwrap();
        assert_eq!(ok.lifetime_ms, 3_600_000);
        assert!(!ok.keep_answer);
        let e = create(body(json!({ "publicKey": "AAAA", "name": "x".repeat(51) })))
            .err()
            .unwrap();
        assert_eq!(e.message, "name must be at most 50 characters");
        assert_eq!(e.details.as_array().unwrap().len(), 2);
        let e = create(body(json!({ "expiresIn": "soon" }))).err().unwrap();
        assert_eq!(e.message, "Invalid duration format");
        let e = create(body(json!({ "requesterToken": "short" })))
            .err()
            .unwrap();
        assert_eq!(e.message, BAD_TOKEN);
        assert!(create(body(json!({ "name": "x".repeat(50) }))).is_ok());
    }

    #[test]
    fn answers() {
        let good = write_envelope(
            &answer_header(SUITE_X25519_SHA256_AES128GCM),
            &[1u8; 32 + 256 + 16],
        );
        assert!(answer(&good, &key()).is_ok());
        let share = write_envelope(&[1, 1, 0], &[1u8; 12 + 256 + 16]);
        assert_eq!(answer(&share, &key()).err().unwrap().message, NOT_AN_ANSWER);
        let long = "A".repeat(MAX_ANSWER_CHARS + 1);
        assert_eq!(
            answer(&long, &key()).err().unwrap().message,
            ANSWER_TOO_LONG
        );
    }
}
