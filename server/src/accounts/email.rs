//! E-mail address rules for accounts: normalization and the shape accepted.

/// The longest address accepted (RFC 5321's path limit less the angle brackets).
pub const MAX_EMAIL_LEN: usize = 254;

/// Characters allowed in the local part besides letters and digits (RFC 5322 `atext`).
const LOCAL_CHARS: &str = "!#$%&'*+/=?^_`{|}~-";

/// The address in the one form that is stored and compared: lower-cased. Dots and `+tags` are
/// kept, because their meaning depends on the mail provider. `None` unless it is a plain ASCII
/// address a mail relay takes: a local part of 1 to 64 characters, runs of letters, digits and
/// ``!#$%&'*+/=?^_`{|}~-`` joined by single dots (RFC 5322 `dot-atom`), one `@`, a domain of at
/// least two labels of 1 to 63 letters, digits and `-` that start and end with a letter or digit,
/// at most 254 characters in all (docs/openapi.json states the same rule as a pattern).
/// Surrounding spaces are refused, not trimmed: the clients trim what people type.
pub fn normalize(address: &str) -> Option<String> {
    if address.is_empty() || address.len() > MAX_EMAIL_LEN {
        return None;
    }
    let (local, domain) = address.split_once('@')?;
    let local_ok = (1..=64).contains(&local.len())
        && local.split('.').all(|atom| {
            !atom.is_empty()
                && atom
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || LOCAL_CHARS.contains(c))
        });
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|label| {
            (1..=63).contains(&label.len())
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
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
            "*.@example.com",
            ".alice@example.com",
            "al..ice@example.com",
            "alice@-example.com",
            "alice@example-.com",
        ] {
            assert_eq!(normalize(bad), None, "{bad:?}");
        }
        let long = format!("{}@example.com", "a".repeat(65));
        assert_eq!(normalize(&long), None);
    }

    /// Every address the rule accepts is one the mailer can send to (lettre parses it), so an
    /// accepted sign-up or recipient never fails at the relay for its shape.
    #[test]
    fn every_accepted_address_is_one_the_mailer_takes() {
        use rand::RngExt as _;
        let local: Vec<char> = "aZ09.-_+*!#%'`{}~".chars().collect();
        let label: Vec<char> = "aZ09-".chars().collect();
        let mut rng = rand::rng();
        let mut accepted = 0;
        let mut pick = |from: &[char], len: usize| -> String {
            (0..len)
                .map(|_| from[rng.random_range(0..from.len())])
                .collect()
        };
        for i in 0..20_000 {
            let labels: Vec<String> = (0..2 + i % 2).map(|_| pick(&label, 1 + i % 5)).collect();
            let text = format!("{}@{}", pick(&local, 1 + i % 7), labels.join("."));
            if let Some(address) = normalize(&text) {
                accepted += 1;
                assert!(
                    address.parse::<lettre::Address>().is_ok(),
                    "accepted but not sendable: {text:?}"
                );
            }
        }
        assert!(
            accepted > 100,
            "the sample reached the accepting branch: {accepted}"
        );
    }
}
