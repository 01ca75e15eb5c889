//! Input rules of the API: envelope shape (docs/PROTOCOL.md §4, §8), verifiers, ids, expiresIn, limits (over 400 lines: 245 are its tests).

use std::collections::HashSet;

use serde::Deserialize;
use serde_json::{Value, json};
use zkshare_format::envelope::{self, ShapeError};
// The wire format's own rules, shared with the clients: this crate may not link decrypting code,
// so the format lives apart from the protocol crate (zkshare-format, PROTOCOL.md §3–§8).
pub use zkshare_format::{MAX_ENVELOPE_CHARS, is_secret_id, is_verifier};

use crate::store::AccessType;

/// Most views a secret may allow (`maxViews`); without one, views are unlimited.
pub const MAX_VIEWS: u32 = 1_000_000;
/// Longest `name`, in characters.
pub const MAX_NAME_CHARS: usize = 50;
/// Longest plain password from a non-zkshare client, in characters.
pub const MAX_PLAIN_PASSWORD_CHARS: usize = 1024;
/// Most `authorizedEmails` after de-duplication.
pub const MAX_AUTHORIZED_EMAILS: usize = 100;
/// `expiresIn` when none is given.
pub const DEFAULT_EXPIRES_IN: &str = "30d";
/// Shortest lifetime: 5 minutes.
pub const MIN_EXPIRY_MS: i64 = 5 * 60 * 1000;
/// Longest lifetime: 30 days.
pub const MAX_EXPIRY_MS: i64 = 30 * 24 * 60 * 60 * 1000;

/// Said whenever `secretValue` is not an envelope.
pub const NOT_AN_ENVELOPE: &str = "secretValue must be a zkshare envelope (docs/PROTOCOL.md): \
     encrypt on the client, e.g. with `zkshare seal`";
/// Said when `secretValue` is longer than any envelope can be.
pub const ENVELOPE_TOO_LONG: &str = "secretValue is too long: a zkshare envelope has at most \
     53,690 characters (10,000 characters of text)";

/// Said when `name` holds a control or bidirectional formatting character.
pub const NAME_FORMATTING: &str =
    "name must not contain control or bidirectional formatting characters";

/// Whether `c` may not appear in a `name`: C0 and C1 control characters (terminal escape
/// sequences, line breaks) and the bidirectional formatting characters (U+061C, U+200E,
/// U+200F, U+202A–U+202E, U+2066–U+2069), which can make a label read differently from its
/// bytes on a terminal or a page.
pub fn is_refused_in_name(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// Body of `POST /api/v1/shared-secrets` and `POST /api/v1/shared-secrets/public`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateSecretRequest {
    /// The envelope.
    pub secret_value: String,
    /// Optional label.
    #[serde(default)]
    pub name: Option<String>,
    /// Verifier (zkshare clients) or plain password (other clients).
    #[serde(default)]
    pub password: Option<String>,
    /// Lifetime such as `30m`, `24h`, `7d`, `1w`.
    #[serde(default)]
    pub expires_in: Option<String>,
    /// Views allowed; any JSON number here, checked to be a positive integer.
    #[serde(default)]
    pub max_views: Option<serde_json::Number>,
    /// Who may view it.
    #[serde(default)]
    pub access_type: Option<AccessType>,
    /// E-mail addresses allowed to view it; past one more than the limit, the rest of the list
    /// is skipped while it is parsed ([`bounded_emails`]).
    #[serde(default, deserialize_with = "bounded_emails")]
    pub authorized_emails: Option<Vec<String>>,
    /// Allow addresses outside the organization.
    #[serde(default)]
    pub allow_external_emails: Option<bool>,
    /// Mail the creator on each view (and when the secret is destroyed).
    #[serde(default)]
    pub notify_on_view: Option<bool>,
}

/// A create request that passed every rule.
pub struct ValidCreate {
    /// The envelope.
    pub envelope: String,
    /// Its header part (base64url).
    pub envelope_header: String,
    /// Optional label.
    pub name: Option<String>,
    /// Non-empty password or verifier.
    pub password: Option<String>,
    /// Lifetime in milliseconds.
    pub lifetime_ms: i64,
    /// Views allowed.
    pub max_views: Option<u32>,
    /// As requested; the policy picks the default.
    pub access_type: Option<AccessType>,
    /// De-duplicated, lower-cased.
    pub authorized_emails: Vec<String>,
    /// As requested.
    pub allow_external_emails: bool,
    /// As requested.
    pub notify_on_view: bool,
}

/// One rule a field broke.
struct Issue {
    field: &'static str,
    message: String,
}

/// A refused create request: the first problem's message, and every problem as the error
/// body's `details` (`[{path, message}]`).
#[derive(Clone, Debug, PartialEq)]
pub struct Invalid {
    /// The first problem.
    pub message: String,
    /// Every problem, in the API's `details` shape.
    pub details: Value,
}

impl Invalid {
    /// One problem with one field.
    pub fn single(field: &str, message: &str) -> Self {
        Invalid {
            message: message.to_string(),
            details: json!([{ "path": [field], "message": message }]),
        }
    }

    /// The first problem.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// Checks a create request; the first broken rule is the message, all of them are `details`.
pub fn create(req: CreateSecretRequest) -> Result<ValidCreate, Invalid> {
    let mut issues: Vec<Issue> = Vec::new();
    let mut issue = |field: &'static str, message: &str| {
        issues.push(Issue {
            field,
            message: message.to_string(),
        })
    };

    let envelope_header = match check_envelope(&req.secret_value) {
        Ok(header) => header.to_string(),
        Err(message) => {
            issue("secretValue", message);
            String::new()
        }
    };
    if let Some(name) = &req.name {
        if name.chars().count() > MAX_NAME_CHARS {
            issue("name", "name must be at most 50 characters");
        } else if name.chars().any(is_refused_in_name) {
            issue("name", NAME_FORMATTING);
        }
    }
    if let Some(password) = &req.password {
        if password.is_empty() {
            issue("password", "password must not be empty");
        } else if !is_verifier(password) && password.chars().count() > MAX_PLAIN_PASSWORD_CHARS {
            issue("password", "password must be at most 1024 characters");
        }
    }
    let lifetime_ms =
        match parse_expires_in(req.expires_in.as_deref().unwrap_or(DEFAULT_EXPIRES_IN)) {
            Ok(ms) => ms,
            Err(message) => {
                issue("expiresIn", message);
                0
            }
        };
    let max_views = match &req.max_views {
        None => None,
        Some(n) => match whole_number(n).filter(|v| *v >= 1).map(u32::try_from) {
            Some(Ok(v)) if v <= MAX_VIEWS => Some(v),
            Some(_) => {
                issue("maxViews", "maxViews must be at most 1000000");
                None
            }
            None => {
                issue("maxViews", "maxViews must be a whole number of at least 1");
                None
            }
        },
    };
    let authorized_emails = match normalize_emails(req.authorized_emails.as_deref().unwrap_or(&[]))
    {
        Ok(list) => list,
        Err(message) => {
            issue("authorizedEmails", &message);
            Vec::new()
        }
    };
    let allow_external_emails = req.allow_external_emails.unwrap_or(false);
    if allow_external_emails {
        if req.authorized_emails.as_ref().is_none_or(|l| l.is_empty()) {
            issue(
                "allowExternalEmails",
                "Emails are required when allowing external emails",
            );
        }
        if req.access_type == Some(AccessType::Organization) {
            issue(
                "allowExternalEmails",
                "Cannot allow external emails when access is restricted to organization members",
            );
        }
    }

    if let Some(first) = issues.first() {
        let details: Vec<Value> = issues
            .iter()
            .map(|i| json!({ "path": [i.field], "message": i.message }))
            .collect();
        return Err(Invalid {
            message: first.message.clone(),
            details: Value::Array(details),
        });
    }
    Ok(ValidCreate {
        envelope: req.secret_value,
        envelope_header,
        name: req.name,
        password: req.password,
        lifetime_ms,
        max_views,
        access_type: req.access_type,
        authorized_emails,
        allow_external_emails,
        notify_on_view: req.notify_on_view.unwrap_or(false),
    })
}

/// A JSON number that is a whole number, as `u64` (saturating): `3`, and also `3.0` or `3e0`,
/// which JSON (and OpenAPI's `integer`) do not tell apart from it. `None` for fractions and
/// negative numbers.
pub fn whole_number(n: &serde_json::Number) -> Option<u64> {
    n.as_u64().or_else(|| {
        let f = n.as_f64()?;
        // `as` saturates: anything at or above 2^64 becomes u64::MAX, which no limit allows.
        (f.fract() == 0.0 && f >= 0.0).then_some(f as u64)
    })
}

/// Parses `expiresIn`: an integer and one unit of `s`, `m`, `h`, `d`, `w`; 5 minutes to 30 days.
/// Returns milliseconds or the API's message.
pub fn parse_expires_in(s: &str) -> Result<i64, &'static str> {
    const INVALID: &str = "Invalid duration format";
    const TOO_LONG: &str = "Expiration time cannot exceed 30 days";
    const TOO_SHORT: &str = "Expiration time cannot be less than 5 minutes";
    let Some(unit) = s.chars().last() else {
        return Err(INVALID);
    };
    let digits = &s[..s.len() - unit.len_utf8()];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(INVALID);
    }
    let unit_ms: i64 = match unit {
        's' => 1_000,
        'm' => 60_000,
        'h' => 3_600_000,
        'd' => 86_400_000,
        'w' => 604_800_000,
        _ => return Err(INVALID),
    };
    // All digits: a parse failure can only be overflow, i.e. far too long.
    let ms = digits
        .parse::<i64>()
        .ok()
        .and_then(|n| n.checked_mul(unit_ms))
        .ok_or(TOO_LONG)?;
    if ms > MAX_EXPIRY_MS {
        Err(TOO_LONG)
    } else if ms < MIN_EXPIRY_MS {
        Err(TOO_SHORT)
    } else {
        Ok(ms)
    }
}

/// Checks that `s` has the shape of a zkshare envelope (`b64(header).b64(body)`, PROTOCOL.md
/// §4 and §8) and returns its header part. The server cannot and does not decrypt it.
pub fn check_envelope(s: &str) -> Result<&str, &'static str> {
    envelope::check_shape(s).map_err(|e| match e {
        ShapeError::TooLong => ENVELOPE_TOO_LONG,
        ShapeError::Malformed => NOT_AN_ENVELOPE,
    })
}

/// Reads `authorizedEmails` keeping at most one address more than [`MAX_AUTHORIZED_EMAILS`]:
/// that is enough to refuse the list as too long, and the rest of it (a 128 KiB body holds some
/// 13,000 addresses) is only skipped over, so a long list costs no more memory than its bytes.
fn bounded_emails<'de, D>(deserializer: D) -> Result<Option<Vec<String>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    struct Bounded;
    impl<'de> serde::de::Visitor<'de> for Bounded {
        type Value = Option<Vec<String>>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a list of e-mail addresses")
        }

        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D2: serde::Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_seq(Bounded)
        }

        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            let mut kept = Vec::new();
            while kept.len() <= MAX_AUTHORIZED_EMAILS {
                match seq.next_element::<String>()? {
                    Some(email) => kept.push(email),
                    None => return Ok(Some(kept)),
                }
            }
            while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
            Ok(Some(kept))
        }
    }
    deserializer.deserialize_option(Bounded)
}

/// Trims, lower-cases and de-duplicates e-mail addresses; checks each and the count.
///
/// A list of more than [`MAX_AUTHORIZED_EMAILS`] entries is refused as soon as entry 101 is
/// seen, without reading the rest (a 128 KiB body holds some 13,000 addresses), and duplicates
/// are found with a set: the work is linear and bounded by the limit.
pub fn normalize_emails<I>(list: I) -> Result<Vec<String>, String>
where
    I: IntoIterator,
    I::Item: AsRef<str>,
{
    let mut seen: HashSet<String> = HashSet::new();
    let mut out: Vec<String> = Vec::new();
    for (i, raw) in list.into_iter().enumerate() {
        if i >= MAX_AUTHORIZED_EMAILS {
            return Err(format!(
                "authorizedEmails can hold at most {MAX_AUTHORIZED_EMAILS} addresses"
            ));
        }
        // The account rule: a listed address is compared with verified account addresses, and
        // must be one the mailer can send to.
        let Some(email) = crate::accounts::email::normalize(raw.as_ref().trim()) else {
            return Err(format!(
                "authorizedEmails[{i}] is not a valid e-mail address"
            ));
        };
        if seen.insert(email.clone()) {
            out.push(email);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_long_email_list_is_kept_only_up_to_one_past_the_limit_while_parsing() {
        let emails: Vec<String> = (0..13_000).map(|i| format!("u{i}@ex.co")).collect();
        let body = serde_json::json!({ "secretValue": "x", "authorizedEmails": emails });
        let req: super::CreateSecretRequest = serde_json::from_value(body).unwrap();
        let kept = req.authorized_emails.expect("a list");
        assert_eq!(kept.len(), super::MAX_AUTHORIZED_EMAILS + 1);
        assert_eq!(kept[0], "u0@ex.co");
        // Short lists, null and absence read as before.
        for (body, want) in [
            (
                serde_json::json!({ "secretValue": "x", "authorizedEmails": ["a@b.co"] }),
                Some(1),
            ),
            (
                serde_json::json!({ "secretValue": "x", "authorizedEmails": null }),
                None,
            ),
            (serde_json::json!({ "secretValue": "x" }), None),
        ] {
            let req: super::CreateSecretRequest = serde_json::from_value(body).unwrap();
            assert_eq!(req.authorized_emails.map(|l| l.len()), want);
        }
        // A wrong type is still a parse error.
        let bad = serde_json::json!({ "secretValue": "x", "authorizedEmails": [1] });
        assert!(serde_json::from_value::<super::CreateSecretRequest>(bad).is_err());
    }

    use super::*;
    use zkshare_format::b64::encode as b64;

    fn envelope(mode: u8, header_len: usize, body_len: usize) -> String {
        let mut header = vec![7u8; header_len];
        header[0] = 1;
        header[1] = mode;
        format!("{}.{}", b64(&header), b64(&vec![9u8; body_len]))
    }

    #[test]
    fn durations() {
        assert_eq!(parse_expires_in("5m"), Ok(300_000));
        assert_eq!(parse_expires_in("30d"), Ok(MAX_EXPIRY_MS));
        assert_eq!(parse_expires_in("1w"), Ok(7 * 86_400_000));
        assert_eq!(parse_expires_in("24h"), Ok(86_400_000));
        assert_eq!(parse_expires_in("300s"), Ok(300_000));
        assert_eq!(parse_expires_in("720h"), Ok(MAX_EXPIRY_MS));
        for bad in [
            "", "m", "5", "5x", "-5m", "+5m", "5 m", "5M", "1.5h", "five", "5mm", "٥m",
        ] {
            assert_eq!(
                parse_expires_in(bad),
                Err("Invalid duration format"),
                "{bad:?}"
            );
        }
        for long in ["31d", "5w", "721h", "99999999999999999999999d"] {
            assert_eq!(
                parse_expires_in(long),
                Err("Expiration time cannot exceed 30 days"),
                "{long:?}"
            );
        }
        for short in ["4m", "0m", "299s", "0d"] {
            assert_eq!(
                parse_expires_in(short),
                Err("Expiration time cannot be less than 5 minutes"),
                "{short:?}"
            );
        }
    }

    #[test]
    fn max_views_is_any_json_number_that_is_a_whole_number() {
        // JSON has one number type: `3.0` and `3e0` are the integer 3 (OpenAPI's `integer`
        // says so too), so they are accepted like `3`.
        let max_views = |views: &str| {
            let body = format!(
                r#"{{"secretValue":"{}","maxViews":{views}}}"#,
                envelope(1, 34, 284)
            );
            let request: CreateSecretRequest = serde_json::from_str(&body).unwrap();
            create(request)
                .map(|v| v.max_views)
                .map_err(|e| e.message().to_string())
        };
        for (views, expected) in [
            ("3", 3),
            ("3.0", 3),
            ("3e0", 3),
            ("131072.0", 131_072),
            ("1e6", 1_000_000),
            ("1000000.0", 1_000_000),
        ] {
            assert_eq!(max_views(views), Ok(Some(expected)), "{views}");
        }
        for (views, message) in [
            ("0", "maxViews must be a whole number of at least 1"),
            ("0.0", "maxViews must be a whole number of at least 1"),
            ("-0.0", "maxViews must be a whole number of at least 1"),
            ("-1", "maxViews must be a whole number of at least 1"),
            ("1.5", "maxViews must be a whole number of at least 1"),
            ("1000001", "maxViews must be at most 1000000"),
            ("1000000.5", "maxViews must be a whole number of at least 1"),
            ("1e7", "maxViews must be at most 1000000"),
            ("1e300", "maxViews must be at most 1000000"),
            ("18446744073709551616", "maxViews must be at most 1000000"),
        ] {
            assert_eq!(max_views(views), Err(message.to_string()), "{views}");
        }
    }

    #[test]
    fn envelopes() {
        assert!(check_envelope(&envelope(1, 34, 284)).is_ok());
        assert!(check_envelope(&envelope(2, 46, 284 + 256)).is_ok());
        assert!(check_envelope(&envelope(3, 46, 284)).is_ok());
        let e = envelope(1, 34, 284);
        assert_eq!(check_envelope(&e).unwrap(), e.split('.').next().unwrap());
        for bad in [
            envelope(1, 46, 284), // mode/length mismatch
            envelope(2, 34, 284), // mode/length mismatch
            envelope(4, 46, 284), // unknown mode
            envelope(0, 34, 284), // unknown mode
            envelope(1, 34, 283), // truncated
            envelope(1, 34, 285), // not block-padded
            envelope(1, 33, 284), // short header
            "".to_string(),
            "plaintext secret".to_string(),
            format!("{}=", envelope(1, 34, 284)), // padding
            envelope(1, 34, 284).replace('.', ""),
            format!("{}.x", envelope(1, 34, 284)),
        ] {
            assert_eq!(check_envelope(&bad), Err(NOT_AN_ENVELOPE), "{bad:?}");
        }
        // Version byte other than 1.
        let mut header = vec![0u8; 34];
        header[0] = 2;
        header[1] = 1;
        let v2 = format!("{}.{}", b64(&header), b64(&[0u8; 284]));
        assert_eq!(check_envelope(&v2), Err(NOT_AN_ENVELOPE));
        // Non-canonical trailing bits: 34 bytes end in a 2-character group whose last
        // character carries 4 unused bits; 'B' sets one of them.
        let good = envelope(1, 34, 284);
        let (h, b) = good.split_once('.').unwrap();
        let noncanonical = format!("{}B.{b}", &h[..h.len() - 1]);
        assert_eq!(check_envelope(&noncanonical), Err(NOT_AN_ENVELOPE));
        // Limit.
        let long = "a".repeat(MAX_ENVELOPE_CHARS + 1);
        assert_eq!(check_envelope(&long), Err(ENVELOPE_TOO_LONG));
    }

    #[test]
    fn verifiers_and_ids() {
        let v = format!("zkv1.{}", b64(&[5u8; 32]));
        assert_eq!(v.len(), 48);
        assert!(is_verifier(&v));
        assert!(!is_verifier(&v[..47]));
        assert!(!is_verifier(&format!("zkv2.{}", b64(&[5u8; 32]))));
        assert!(!is_verifier("correct horse battery staple"));
        // 43 chars whose last one leaves non-zero trailing bits.
        let mut nc = format!("zkv1.{}", b64(&[0u8; 32]));
        nc.pop();
        nc.push('B');
        assert!(!is_verifier(&nc));

        let id = b64(&[3u8; 16]);
        assert!(is_secret_id(&id));
        assert!(!is_secret_id(&id[..21]));
        assert!(!is_secret_id("not-an-id"));
        assert!(!is_secret_id("AAAAAAAAAAAAAAAAAAAAAB")); // trailing bits set
        assert!(!is_secret_id("AAAAAAAAAAAAAAAAAAAA+A"));
    }

    #[test]
    fn emails() {
        assert_eq!(
            normalize_emails(["A@Example.com", " a@example.com "]).unwrap(),
            vec!["a@example.com".to_string()]
        );
        for bad in [
            "",
            "a",
            "a@b",
            "@b.c",
            "a b@c.d",
            "a@b..c",
            "a@-b.c",
            "a@b.c@d.e",
        ] {
            assert!(normalize_emails(&[bad.to_string()]).is_err(), "{bad:?}");
        }
        let many: Vec<String> = (0..101).map(|i| format!("u{i}@example.com")).collect();
        assert!(normalize_emails(&many[..100]).is_ok());
        assert!(normalize_emails(&many).is_err());
        let mut dup = many[..99].to_vec();
        dup.push("U0@example.com".into());
        assert_eq!(normalize_emails(&dup).unwrap().len(), 99);
    }

    #[test]
    fn a_list_longer_than_the_limit_is_refused_after_limit_plus_one_addresses() {
        // About as many addresses as a 128 KiB body carries.
        let pulled = std::cell::Cell::new(0usize);
        let list = (0..13_000).map(|i| {
            pulled.set(pulled.get() + 1);
            format!("user{i}@example.com")
        });
        let e = normalize_emails(list).unwrap_err();
        assert!(e.contains("at most 100"), "{e}");
        assert!(
            pulled.get() <= MAX_AUTHORIZED_EMAILS + 1,
            "examined {} addresses",
            pulled.get()
        );
        // The same when every address is the same one: the count is of entries.
        pulled.set(0);
        let same = (0..13_000).map(|_| {
            pulled.set(pulled.get() + 1);
            "same@example.com"
        });
        assert!(normalize_emails(same).is_err());
        assert!(pulled.get() <= MAX_AUTHORIZED_EMAILS + 1);
    }
}
