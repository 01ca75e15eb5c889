//! Parsing share links `https://HOST[/prefix]/s/{id}#{K64}` (PROTOCOL.md §3), as people paste them.
//!
//! A link the server mailed to an external recipient has `#r={token}` instead: the token proves
//! the mailbox to the server and is no key (`=` is not in the base64url alphabet, so no key can
//! start with `r=`); such a link opens a password-only secret.
//!
//! Links arrive mangled: wrapped across lines by mail clients, `#` rewritten to `%23` by mail
//! scanners, in angle brackets, with a trailing slash or full stop. The parser undoes exactly
//! those; anything else is refused with a message saying what a link looks like.

use zkshare_format::b64;
/// Whether `id` is a secret id: 22 canonical base64url characters (zkshare-format's rule, the
/// one the server applies).
pub use zkshare_format::is_secret_id;

/// What a link must look like, for error messages.
pub const EXPECTED_SHAPE: &str = "expected a link like https://HOST/s/ID#KEY";

/// A parsed share link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareLink {
    /// Scheme, host, port and any path prefix before `/s/`, without a trailing slash; the API
    /// lives under it (`{base}/api/v1/...`).
    pub base: String,
    /// The secret's id (22 base64url characters).
    pub id: String,
    /// The fragment, i.e. the link key `K64` as written (not yet checked); `None` when the link
    /// has no key, as in password-only links and recipient links.
    pub key: Option<String>,
    /// The recipient token of a mailed link (`#r={token}`, not yet checked); never a key.
    pub recipient_token: Option<String>,
}

/// The fragment prefix of a recipient link (`#r=`), also as a mail scanner may encode it.
const RECIPIENT_PREFIXES: [&str; 3] = ["r=", "r%3D", "r%3d"];

/// Parses a share link. The error is a sentence for the user.
pub fn parse(input: &str) -> Result<ShareLink, String> {
    // A URL never contains raw whitespace: whatever is there came from line wrapping.
    let compact: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    let trimmed = compact
        .trim_start_matches(['<', '"', '\''])
        .trim_end_matches(['>', '"', '\'']);
    if trimmed.is_empty() {
        return Err(format!("the link is empty; {EXPECTED_SHAPE}"));
    }

    let (url, fragment) = split_fragment(trimmed);
    // A query string (tracking parameters added by a mail system) is not part of the link.
    let url = url.split_once('?').map_or(url, |(before, _)| before);

    let (scheme, rest) = split_scheme(url)
        .ok_or_else(|| format!("{input:?} is not an http(s) link; {EXPECTED_SHAPE}"))?;
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    if authority.is_empty() {
        return Err(format!("the link has no host; {EXPECTED_SHAPE}"));
    }
    let path = format!("/{}", path.trim_end_matches('/'));
    let (prefix, id) = path
        .rsplit_once('/')
        .filter(|(prefix, _)| *prefix == "/s" || prefix.ends_with("/s"))
        .ok_or_else(|| format!("the link's path is not /s/ID; {EXPECTED_SHAPE}"))?;
    if !is_secret_id(id) {
        return Err(format!(
            "the link's id {id:?} is not a zkshare secret id (22 base64url characters); \
             was the link cut short?"
        ));
    }
    // `https://h//s/ID` (a base URL written with a trailing slash) gives the base `https://h`,
    // as documented; `Api::new` trims slashes too, so `{base}/api/v1` is right either way.
    let prefix = prefix[..prefix.len() - "/s".len()].trim_end_matches('/');

    // A recipient token is not a key: the `r=` part can never be one.
    let (fragment, is_recipient) = match fragment.and_then(|f| {
        RECIPIENT_PREFIXES
            .iter()
            .find_map(|prefix| f.strip_prefix(prefix))
    }) {
        Some(token) => (Some(token), true),
        None => (fragment, false),
    };
    let value = fragment
        .map(|f| f.trim_end_matches(|c| !b64::is_alphabet(c)))
        .filter(|v| !v.is_empty())
        .map(str::to_owned);
    let (key, recipient_token) = if is_recipient {
        (None, value)
    } else {
        (value, None)
    };
    Ok(ShareLink {
        base: format!("{scheme}://{authority}{prefix}"),
        id: id.to_owned(),
        key,
        recipient_token,
    })
}

/// Splits at the first `#`, or else at the first `%23` (a `#` that a mail scanner encoded).
fn split_fragment(s: &str) -> (&str, Option<&str>) {
    if let Some((url, fragment)) = s.split_once('#') {
        return (url, Some(fragment));
    }
    match s.find("%23") {
        Some(i) => (&s[..i], Some(&s[i + 3..])),
        None => (s, None),
    }
}

/// `("https", rest)` for `https://rest`, case-insensitively; `None` for other schemes.
fn split_scheme(url: &str) -> Option<(&'static str, &str)> {
    for scheme in ["https", "http"] {
        let head_len = scheme.len() + 3;
        if url.len() >= head_len
            && url.is_char_boundary(head_len)
            && url[..head_len].eq_ignore_ascii_case(&format!("{scheme}://"))
        {
            return Some((scheme, &url[head_len..]));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "q83vEjRWeJCrze8SNFZ4kA";
    const KEY: &str = "3q2-7wABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGho";

    fn ok(input: &str) -> ShareLink {
        parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"))
    }

    #[test]
    fn plain_link() {
        let link = ok(&format!("https://share.example.com/s/{ID}#{KEY}"));
        assert_eq!(link.base, "https://share.example.com");
        assert_eq!(link.id, ID);
        assert_eq!(link.key.as_deref(), Some(KEY));
    }

    #[test]
    fn port_http_and_path_prefix() {
        let link = ok(&format!("http://127.0.0.1:8080/s/{ID}#{KEY}"));
        assert_eq!(link.base, "http://127.0.0.1:8080");
        let link = ok(&format!("https://example.com/tools/zk/s/{ID}#{KEY}"));
        assert_eq!(link.base, "https://example.com/tools/zk");
        assert_eq!(link.id, ID);
        let link = ok(&format!("HTTPS://Example.com/s/{ID}#{KEY}"));
        assert_eq!(link.base, "https://Example.com");
    }

    #[test]
    fn base_never_ends_with_a_slash() {
        for (input, base) in [
            (
                format!("https://h.example//s/{ID}#{KEY}"),
                "https://h.example",
            ),
            (format!("https://h.example///s/{ID}"), "https://h.example"),
            (
                format!("https://example.com/tools/zk//s/{ID}#{KEY}"),
                "https://example.com/tools/zk",
            ),
            (
                format!("https://example.com/tools/zk/s/{ID}#{KEY}"),
                "https://example.com/tools/zk",
            ),
        ] {
            let link = ok(&input);
            assert_eq!(link.base, base, "{input}");
            assert_eq!(link.id, ID, "{input}");
        }
    }

    #[test]
    fn percent_encoded_hash() {
        let link = ok(&format!("https://h.example/s/{ID}%23{KEY}"));
        assert_eq!(link.id, ID);
        assert_eq!(link.key.as_deref(), Some(KEY));
    }

    #[test]
    fn trailing_slashes_and_punctuation() {
        for input in [
            format!("https://h.example/s/{ID}/#{KEY}"),
            format!("https://h.example/s/{ID}//#{KEY}/"),
            format!("https://h.example/s/{ID}#{KEY}."),
            format!("<https://h.example/s/{ID}#{KEY}>"),
            format!("\"https://h.example/s/{ID}#{KEY}\""),
        ] {
            let link = ok(&input);
            assert_eq!(link.id, ID, "{input}");
            assert_eq!(link.key.as_deref(), Some(KEY), "{input}");
        }
        let link = ok(&format!("https://h.example/s/{ID}/"));
        assert_eq!((link.id.as_str(), link.key), (ID, None));
    }

    #[test]
    fn whitespace_and_line_wrapping() {
        let wrapped = format!(
            "  https://h.example/s/{}\n  {}#{}\r\n{}\t\n",
            &ID[..10],
            &ID[10..],
            &KEY[..20],
            &KEY[20..]
        );
        let link = ok(&wrapped);
        assert_eq!(link.id, ID);
        assert_eq!(link.key.as_deref(), Some(KEY));
    }

    #[test]
    fn query_strings_are_dropped() {
        let link = ok(&format!("https://h.example/s/{ID}?utm_source=mail#{KEY}"));
        assert_eq!(link.id, ID);
        assert_eq!(link.key.as_deref(), Some(KEY));
    }

    #[test]
    fn no_key() {
        assert_eq!(ok(&format!("https://h.example/s/{ID}")).key, None);
        assert_eq!(ok(&format!("https://h.example/s/{ID}#")).key, None);
        assert_eq!(ok(&format!("https://h.example/s/{ID}%23")).key, None);
    }

    #[test]
    fn key_is_not_checked_here() {
        // A damaged key is reported when it is used, with its own message.
        assert_eq!(
            ok(&format!("https://h.example/s/{ID}#abc")).key.as_deref(),
            Some("abc")
        );
    }

    const TOKEN: &str = "Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycA-";

    #[test]
    fn recipient_links_carry_a_token_and_no_key() {
        for input in [
            format!("https://h.example/s/{ID}#r={TOKEN}"),
            format!("https://h.example/s/{ID}%23r={TOKEN}"),
            format!("https://h.example/s/{ID}%23r%3D{TOKEN}"),
            format!("https://h.example/s/{ID}%23r%3d{TOKEN}"),
            format!("<https://h.example/s/{ID}#r={TOKEN}>."),
            format!(
                "https://h.example/s/{ID}#r={}\n  {}",
                &TOKEN[..20],
                &TOKEN[20..]
            ),
        ] {
            let link = ok(&input);
            assert_eq!(link.id, ID, "{input}");
            assert_eq!(link.key, None, "{input}: a recipient token is never a key");
            assert_eq!(link.recipient_token.as_deref(), Some(TOKEN), "{input}");
            // Written out again (as the fuzz target does), it parses to itself.
            let written = format!("{}/s/{}#r={TOKEN}", link.base, link.id);
            assert_eq!(parse(&written), Ok(link), "{written}");
        }
        // `r=` with nothing after it: neither a key nor a token.
        let link = ok(&format!("https://h.example/s/{ID}#r="));
        assert_eq!((link.key, link.recipient_token), (None, None));
        // A real key keeps being a key, even one starting with `r`.
        let key = format!("r{}", &KEY[1..]);
        let link = ok(&format!("https://h.example/s/{ID}#{key}"));
        assert_eq!(link.key.as_deref(), Some(key.as_str()));
        assert_eq!(link.recipient_token, None);
        assert_eq!(
            ok(&format!("https://h.example/s/{ID}#{KEY}")).recipient_token,
            None
        );
    }

    #[test]
    fn refusals() {
        for bad in [
            String::new(),
            "   ".into(),
            format!("h.example/s/{ID}#{KEY}"),
            format!("ftp://h.example/s/{ID}#{KEY}"),
            format!("https:///s/{ID}#{KEY}"),
            format!("https://h.example/x/{ID}#{KEY}"),
            format!("https://h.example/{ID}#{KEY}"),
            format!("https://h.example/s/#{KEY}"),
            format!("https://h.example/s/{}#{KEY}", &ID[..21]),
            format!("https://h.example/s/{ID}A#{KEY}"),
            format!("https://h.example/s/{}B#{KEY}", &ID[..21]),
            format!("https://h.example/s/{}+A#{KEY}", &ID[..20]),
            format!("https://h.example/s/{ID}/extra#{KEY}"),
            "https://h.example/s/é#k".into(),
            "httpsé://x".into(),
            "#".into(),
            "%23".into(),
        ] {
            assert!(parse(&bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn odd_input_never_panics() {
        let parts = [
            "", "https://", "http://", "HTTP://", "é", "🔑", "/", "/s", "/s/", ID, "#", "%23",
            "%2", "?", "<", ">", " ", "\n", KEY, "s", ".", "%",
        ];
        for a in parts {
            for b in parts {
                for c in parts {
                    let _ = parse(&format!("{a}{b}{c}"));
                    let _ = parse(&format!("https://h{a}/s/{b}{c}"));
                }
            }
        }
    }

    #[test]
    fn secret_ids() {
        assert!(is_secret_id(ID));
        assert!(is_secret_id("AAAAAAAAAAAAAAAAAAAAAA"));
        assert!(!is_secret_id("AAAAAAAAAAAAAAAAAAAAAB"));
        assert!(!is_secret_id("AAAAAAAAAAAAAAAAAAAA=A"));
        assert!(!is_secret_id(""));
    }
}
