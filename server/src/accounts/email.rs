//! E-mail address rules for accounts: normalization and the shape accepted.

/// The longest address accepted (RFC 5321's path limit less the angle brackets).
pub const MAX_EMAIL_LEN: usize = 254;

/// Characters allowed in the local part (RFC 5322 `atext` and the dot).
const LOCAL_CHARS: &str = ".!#$%&'*+/=?^_`{|}~-";

/// The address in the one form that is stored and compared: lower-cased. Dots and `+tags` are
/// kept, because their meaning depends on the mail provider. `None` unless it is a plain ASCII
/// address: a local part of 1 to 64 letters, digits and ``.!#$%&'*+/=?^_`{|}~-``, one `@`, a
/// domain of at least two labels of 1 to 63 letters, digits and `-`, at most 254 characters in all
/// (docs/openapi.json states the same rule as a pattern). Surrounding spaces are refused, not
/// trimmed: the clients trim what people type.
pub fn normalize(address: &str) -> Option<String> {
    if address.is_empty() || address.len() > MAX_EMAIL_LEN {
        return None;
    }
    let (local, domain) = address.split_once('@')?;
    let local_ok = (1..=64).contains(&local.len())
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || LOCAL_CHARS.contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|label| {
            (1..=63).contains(&label.len())
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    (local_ok && domain_ok).then(|| address.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn normalizes_case_and_keeps_tags() {
        assert_eq!(
            normalize("Alice.Smith+ci@Example.COM").as_deref(),
            Some("alice.smith+ci@example.com")
        );
    }

    #[test]
    fn refuses_what_is_no_address() {
        for bad in [
            "",
            "alice",
            "@example.com",
            "alice@",
            "alice@localhost",
            "alice@example..com",
            "a b@example.com",
            "alice@exa mple.com",
            "alice@@example.com",
            "<alice@example.com>",
            "alice@example.com\r\nBcc: x@y.z",
            " alice@example.com",
            "älice@example.com",
            "alice@exämple.com",
            "alice@example.com.",
        ] {
            assert_eq!(normalize(bad), None, "{bad:?}");
        }
        let long = format!("{}@example.com", "a".repeat(65));
        assert_eq!(normalize(&long), None);
    }
}
