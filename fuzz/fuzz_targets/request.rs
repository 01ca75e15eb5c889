//! Fuzzes the API's request parsing and validation (`server/src/shares/validate.rs`): the JSON bodies
//! of create and of access exactly as the server reads them (serde_json into the same types),
//! and the field parsers on their own. Never a panic; every accepted value within its limit.
//! The envelope, id and verifier syntax the server applies is zkshare-format's, fuzzed against
//! its own oracles by the `format` target.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zkshare_format::envelope::{self, ShapeError};
use zkshare_server::http::shares::AccessRequest;
use zkshare_server::shares::validate::{
    self, CreateSecretRequest, MAX_AUTHORIZED_EMAILS, MAX_ENVELOPE_CHARS, MAX_EXPIRY_MS,
    MAX_NAME_CHARS, MAX_PLAIN_PASSWORD_CHARS, MAX_VIEWS, MIN_EXPIRY_MS,
};
use zkshare_server::store::AccessType;

fuzz_target!(|data: &[u8]| {
    // The same bytes as the body of create and of access (axum's Json is serde_json).
    if let Ok(request) = serde_json::from_slice::<CreateSecretRequest>(data) {
        check_create(request);
    }
    let _ = serde_json::from_slice::<AccessRequest>(data);

    if let Ok(text) = std::str::from_utf8(data) {
        check_fields(text);
    }
});

/// A create request is refused with a 400 and a message, or every accepted value respects
/// the documented limits (docs/API.md, docs/openapi.json).
fn check_create(request: CreateSecretRequest) {
    let emails_given = request.authorized_emails.clone();
    let valid = match validate::create(request) {
        Ok(valid) => valid,
        Err(invalid) => {
            assert!(!invalid.message.is_empty());
            let error = zkshare_server::ApiError::from(invalid);
            assert_eq!(error.status_code().as_u16(), 400);
            assert!(!error.message().is_empty());
            return;
        }
    };
    assert!(valid.envelope.len() <= MAX_ENVELOPE_CHARS);
    assert!(
        envelope::check_shape(&valid.envelope).is_ok(),
        "{:?}",
        valid.envelope
    );
    assert_eq!(
        Some(valid.envelope_header.as_str()),
        valid.envelope.split('.').next()
    );
    assert!(
        valid
            .name
            .as_ref()
            .is_none_or(|n| n.chars().count() <= MAX_NAME_CHARS)
    );
    if let Some(password) = &valid.password {
        assert!(!password.is_empty());
        assert!(
            validate::is_verifier(password) || password.chars().count() <= MAX_PLAIN_PASSWORD_CHARS
        );
    }
    assert!((MIN_EXPIRY_MS..=MAX_EXPIRY_MS).contains(&valid.lifetime_ms));
    assert!(valid.max_views.is_none_or(|v| (1..=MAX_VIEWS).contains(&v)));
    assert!(valid.authorized_emails.len() <= MAX_AUTHORIZED_EMAILS);
    for (i, email) in valid.authorized_emails.iter().enumerate() {
        assert_eq!(email.trim(), email);
        assert_eq!(&email.to_lowercase(), email);
        assert_eq!(email.matches('@').count(), 1, "{email:?}");
        assert!(!email.chars().any(char::is_control), "{email:?}");
        assert!(
            !valid.authorized_emails[..i].contains(email),
            "duplicate {email:?}"
        );
    }
    if valid.allow_external_emails {
        assert!(emails_given.is_some_and(|l| !l.is_empty()));
        assert_ne!(valid.access_type, Some(AccessType::Organization));
    }
}

/// The field parsers on arbitrary text, against independent readings of their rules.
fn check_fields(text: &str) {
    assert_eq!(
        validate::parse_expires_in(text).ok(),
        expected_lifetime(text),
        "expiresIn {text:?}"
    );
    // The server's envelope check is the format's shape check, with the API's two messages.
    match (validate::check_envelope(text), envelope::check_shape(text)) {
        (Ok(server), Ok(format)) => assert_eq!(server, format),
        (Err(message), Err(ShapeError::TooLong)) => {
            assert_eq!(message, validate::ENVELOPE_TOO_LONG);
            assert!(text.len() > MAX_ENVELOPE_CHARS);
        }
        (Err(message), Err(ShapeError::Malformed)) => {
            assert_eq!(message, validate::NOT_AN_ENVELOPE);
        }
        (server, format) => panic!("{text:?}: server {server:?}, format {format:?}"),
    }
}

/// `expiresIn`: ASCII digits then one of s, m, h, d, w; 5 minutes to 30 days.
fn expected_lifetime(text: &str) -> Option<i64> {
    let unit_ms: u128 = match text.as_bytes().last()? {
        b's' => 1_000,
        b'm' => 60_000,
        b'h' => 3_600_000,
        b'd' => 86_400_000,
        b'w' => 604_800_000,
        _ => return None,
    };
    let digits = &text[..text.len() - 1];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let significant = digits.trim_start_matches('0');
    if significant.len() > 20 {
        return None;
    }
    let n: u128 = if significant.is_empty() {
        0
    } else {
        significant.parse().ok()?
    };
    let ms = n * unit_ms;
    let range = u128::try_from(MIN_EXPIRY_MS).ok()?..=u128::try_from(MAX_EXPIRY_MS).ok()?;
    range
        .contains(&ms)
        .then(|| i64::try_from(ms).expect("within 30 days"))
}
