//! E-mail address rules for accounts: normalization and the shape accepted.

/// The longest address accepted (RFC 5321's path limit less the angle brackets).
pub const MAX_EMAIL_LEN: usize = 254;

/// The address in the one form that is stored and compared: trimmed and lower-cased. Dots
/// and `+tags` are kept, because their meaning depends on the mail provider. `None` when it is
/// not a plausible address: one `@`, a local part of 1 to 64 characters, a domain with a dot
/// and no empty label, no spaces, controls or angle brackets, at most 254 characters.
pub fn normalize(address: &str) -> Option<String> {
    let address = address.trim().to_lowercase();
    if address.is_empty() || address.len() > MAX_EMAIL_LEN {
        return None;
    }
    let (local, domain) = address.split_once('@')?;
    let bad = |c: char| c.is_whitespace() || c.is_control() || "<>()[],;:\\\"@".contains(c);
    if local.is_empty() || local.len() > 64 || local.chars().any(bad) {
        return None;
    }
    if !domain.contains('.')
        || domain.split('.').any(str::is_empty)
        || domain.chars().any(|c| bad(c) || c == '_')
    {
        return None;
    }
    Some(address)
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn normalizes_case_and_space_and_keeps_tags() {
        assert_eq!(
            normalize("  Alice.Smith+ci@Example.COM ").as_deref(),
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
        ] {
            assert_eq!(normalize(bad), None, "{bad:?}");
        }
        let long = format!("{}@example.com", "a".repeat(65));
        assert_eq!(normalize(&long), None);
    }
}
