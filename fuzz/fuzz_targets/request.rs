//! Fuzzes the API's request parsing and validation (`server/src/shares/validate.rs`): the JSON bodies
//! of create and of access exactly as the server reads them (serde_json into the same types),
//! and the field parsers on their own. Never a panic; every accepted value within its limit.
#![no_main]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use libfuzzer_sys::fuzz_target;
use zkshare_server::api::AccessRequest;
use zkshare_server::store::AccessType;
use zkshare_server::validate::{
    self, CreateSecretRequest, MAX_AUTHORIZED_EMAILS, MAX_ENVELOPE_CHARS, MAX_EXPIRY_MS,
    MAX_NAME_CHARS, MAX_PLAIN_PASSWORD_CHARS, MAX_VIEWS, MIN_EXPIRY_MS,
};

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
    assert!(is_envelope_shape(&valid.envelope), "{:?}", valid.envelope);
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

/// PROTOCOL.md §4 and §8, read without the server's code: version 1, a known mode with its
/// header length, and a body of nonce, whole 256-byte blocks and tag.
fn is_envelope_shape(envelope: &str) -> bool {
    let Some((header, body)) = envelope.split_once('.') else {
        return false;
    };
    let (Ok(header), Ok(body)) = (URL_SAFE_NO_PAD.decode(header), URL_SAFE_NO_PAD.decode(body))
    else {
        return false;
    };
    let header_ok = match (header.first(), header.get(1)) {
        (Some(1), Some(1)) => header.len() == 34,
        (Some(1), Some(2 | 3)) => header.len() == 46,
        _ => false,
    };
    header_ok && body.len() >= 12 + 256 + 16 && (body.len() - 12 - 16) % 256 == 0
}

/// The field parsers on arbitrary text, against independent readings of their rules.
fn check_fields(text: &str) {
    assert_eq!(
        validate::parse_expires_in(text).ok(),
        expected_lifetime(text),
        "expiresIn {text:?}"
    );
    if let Ok(header) = validate::check_envelope(text) {
        assert!(is_envelope_shape(text));
        assert!(text.starts_with(header) && text[header.len()..].starts_with('.'));
    } else {
        assert!(!is_envelope_shape(text) || text.len() > MAX_ENVELOPE_CHARS);
    }
    if validate::is_verifier(text) {
        assert!(text.len() == 48 && text.starts_with("zkv1."));
        assert_eq!(URL_SAFE_NO_PAD.decode(&text[5..]).map(|b| b.len()), Ok(32));
    }
    if validate::is_secret_id(text) {
        assert_eq!(URL_SAFE_NO_PAD.decode(text).map(|b| b.len()), Ok(16));
    }
    // The three id checks of the project agree: server, CLI link parser.
    assert_eq!(
        validate::is_secret_id(text),
        zkshare_cli::link::is_secret_id(text),
        "{text:?}"
    );
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
