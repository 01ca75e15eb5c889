//! Parsing share links `https://HOST[/prefix]/s/{id}#{K64}` (PROTOCOL.md §3), and the two links of a secret request, as people paste them.
//!
//! A secret request has an answer link `https://HOST/r/{id}#{commitment}` (the commitment to
//! the requester's public key, 43 characters), which the requester sends to whoever has the
//! secret, and a requester link `https://HOST/r/{id}/open#{sk}` (the requester's private key,
//! 44 characters), which only the requester keeps. Neither fragment is ever sent to a server.
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
    let parts = split_link(input, EXPECTED_SHAPE)?;
    let (prefix, id) = parts
        .path
        .rsplit_once('/')
        .filter(|(prefix, _)| *prefix == "/s" || prefix.ends_with("/s"))
        .ok_or_else(|| format!("the link's path is not /s/ID; {EXPECTED_SHAPE}"))?;
    check_id(id)?;
    let base = parts.base(prefix, "/s");

    // A recipient token is not a key: the `r=` part can never be one.
    let (fragment, is_recipient) = match parts.fragment.as_deref().and_then(|f| {
        RECIPIENT_PREFIXES
            .iter()
            .find_map(|prefix| f.strip_prefix(prefix))
    }) {
        Some(token) => (Some(token), true),
        None => (parts.fragment.as_deref(), false),
    };
    let value = fragment_value(fragment);
    let (key, recipient_token) = if is_recipient {
        (None, value)
    } else {
        (value, None)
    };
    Ok(ShareLink {
        base,
        id: id.to_owned(),
        key,
        recipient_token,
    })
}

/// What a secret request's link must look like, for error messages.
pub const EXPECTED_REQUEST_SHAPE: &str = "expected a link like https://HOST/r/ID#COMMITMENT (to answer) or https://HOST/r/ID/open#KEY \
     (the requester's)";

/// Characters in an answer link's fragment: the key commitment, `b64` of 32 bytes.
pub const COMMITMENT_CHARS: usize = 43;

/// Characters in a requester link's fragment: the private key, `b64(suite || sk)`.
pub const REQUESTER_KEY_CHARS: usize = zkshare_format::request::PRIVATE_KEY_CHARS;

/// Which of a secret request's two links.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestLinkKind {
    /// `/r/{id}#{commitment}`: for whoever answers.
    Answer,
    /// `/r/{id}/open#{sk}`: the requester's, carrying the private key.
    Requester,
}

/// A parsed link of a secret request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestLink {
    /// Scheme, host, port and any path prefix before `/r/`, without a trailing slash.
    pub base: String,
    /// The request's id (22 base64url characters).
    pub id: String,
    /// Which link it is.
    pub kind: RequestLinkKind,
    /// The fragment as written (not yet checked): the commitment of an answer link, the
    /// private key of a requester link; `None` when there is none.
    pub fragment: Option<String>,
    /// Whether the fragment came after a `%23` (a `#` a mail scanner rewrote): opening such a
    /// link in a browser sent the fragment to the server.
    pub fragment_in_path: bool,
}

impl RequestLink {
    /// The answer link's key commitment: 43 base64url characters. The error is a sentence.
    pub fn commitment(&self) -> Result<&str, String> {
        if self.kind != RequestLinkKind::Answer {
            return Err(
                "this is a requester link (.../r/ID/open#...): it holds the requester's private \
                 key and is not for answering. Answer with the link the requester sent, \
                 https://HOST/r/ID#COMMITMENT"
                    .to_string(),
            );
        }
        match self.fragment.as_deref() {
            Some(c) if is_b64_of_len(c, COMMITMENT_CHARS) => Ok(c),
            Some(_) => Err(format!(
                "the answer link's key commitment (the part after #) is damaged: it is \
                 {COMMITMENT_CHARS} base64url characters; was the link cut short?"
            )),
            None => Err(
                "the answer link has no key commitment (the part after #), so the requester's \
                 key cannot be checked: ask the requester for the whole link"
                    .to_string(),
            ),
        }
    }

    /// The requester link's private key: 44 base64url characters, or `None` when the link
    /// has no fragment. The error is a sentence.
    pub fn requester_key(&self) -> Result<Option<&str>, String> {
        match (self.kind, self.fragment.as_deref()) {
            (RequestLinkKind::Requester, Some(k)) if is_b64_of_len(k, REQUESTER_KEY_CHARS) => {
                Ok(Some(k))
            }
            (RequestLinkKind::Requester, Some(_)) => Err(format!(
                "the requester link's key (the part after #) is damaged: it is \
                 {REQUESTER_KEY_CHARS} base64url characters; was the link cut short?"
            )),
            _ => Ok(None),
        }
    }

    /// The answer link `{base}/r/{id}`, without its fragment.
    pub fn answer_url(&self) -> String {
        format!("{}/r/{}", self.base, self.id)
    }
}

/// Whether `s` is `len` base64url characters.
fn is_b64_of_len(s: &str, len: usize) -> bool {
    s.len() == len && s.chars().all(b64::is_alphabet)
}

/// Parses an answer link or a requester link of a secret request. The error is a sentence.
pub fn parse_request(input: &str) -> Result<RequestLink, String> {
    let parts = split_link(input, EXPECTED_REQUEST_SHAPE)?;
    let (path, kind) = match parts.path.strip_suffix("/open") {
        Some(path) => (path, RequestLinkKind::Requester),
        None => (parts.path.as_str(), RequestLinkKind::Answer),
    };
    let (prefix, id) = path
        .rsplit_once('/')
        .filter(|(prefix, _)| *prefix == "/r" || prefix.ends_with("/r"))
        .ok_or_else(|| {
            format!("the link's path is not /r/ID or /r/ID/open; {EXPECTED_REQUEST_SHAPE}")
        })?;
    check_id(id)?;
    Ok(RequestLink {
        base: parts.base(prefix, "/r"),
        id: id.to_owned(),
        kind,
        fragment: fragment_value(parts.fragment.as_deref()),
        fragment_in_path: parts.fragment_in_path,
    })
}

/// A link cut into its parts, the mangling of mail undone.
struct LinkParts {
    scheme: &'static str,
    authority: String,
    /// The path with a leading and no trailing `/`.
    path: String,
    fragment: Option<String>,
    fragment_in_path: bool,
}

impl LinkParts {
    /// The base URL: scheme, authority and the path before `marker` (`/s` or `/r`).
    fn base(&self, prefix: &str, marker: &str) -> String {
        // `https://h//s/ID` (a base URL written with a trailing slash) gives the base
        // `https://h`, as documented; `Api::new` trims slashes too, so `{base}/api/v1` is
        // right either way.
        let prefix = prefix[..prefix.len() - marker.len()].trim_end_matches('/');
        format!("{}://{}{prefix}", self.scheme, self.authority)
    }
}

/// Undoes line wrapping, quotes and angle brackets, then splits off the fragment (at `#` or
/// `%23`), drops a query string, and checks the scheme and host. `shape` ends the messages.
fn split_link(input: &str, shape: &str) -> Result<LinkParts, String> {
    // A URL never contains raw whitespace: whatever is there came from line wrapping.
    let compact: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    let trimmed = compact
        .trim_start_matches(['<', '"', '\''])
        .trim_end_matches(['>', '"', '\'']);
    if trimmed.is_empty() {
        return Err(format!("the link is empty; {shape}"));
    }

    let (url, fragment, fragment_in_path) = split_fragment(trimmed);
    // A query string (tracking parameters added by a mail system) is not part of the link.
    let url = url.split_once('?').map_or(url, |(before, _)| before);

    let (scheme, rest) =
        split_scheme(url).ok_or_else(|| format!("{input:?} is not an http(s) link; {shape}"))?;
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    if authority.is_empty() {
        return Err(format!("the link has no host; {shape}"));
    }
    Ok(LinkParts {
        scheme,
        authority: authority.to_owned(),
        path: format!("/{}", path.trim_end_matches('/')),
        fragment: fragment.map(str::to_owned),
        fragment_in_path,
    })
}

/// The fragment's value: its base64url characters, without trailing punctuation.
fn fragment_value(fragment: Option<&str>) -> Option<String> {
    fragment
        .map(|f| f.trim_end_matches(|c| !b64::is_alphabet(c)))
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// Refuses an id that is not a secret id, saying so.
fn check_id(id: &str) -> Result<(), String> {
    if is_secret_id(id) {
        Ok(())
    } else {
        Err(format!(
            "the link's id {id:?} is not a zkshare secret id (22 base64url characters); \
             was the link cut short?"
        ))
    }
}

/// Splits at the first `#`, or else at the first `%23` (a `#` that a mail scanner encoded);
/// says which.
fn split_fragment(s: &str) -> (&str, Option<&str>, bool) {
    if let Some((url, fragment)) = s.split_once('#') {
        return (url, Some(fragment), false);
    }
    match s.find("%23") {
        Some(i) => (&s[..i], Some(&s[i + 3..]), true),
        None => (s, None, false),
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

    /// A commitment (43 characters) and a requester key (44 characters) of the right shape.
    const COMMITMENT: &str = "3q2-7wABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGho";
    const SK: &str = "AQ3q2-7wABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGh";

    fn request(input: &str) -> RequestLink {
        parse_request(input).unwrap_or_else(|e| panic!("{input:?}: {e}"))
    }

    #[test]
    fn answer_links() {
        for input in [
            format!("https://h.example/r/{ID}#{COMMITMENT}"),
            format!("https://h.example/r/{ID}/#{COMMITMENT}."),
            format!("<https://h.example/r/{ID}?utm=x#{COMMITMENT}>"),
            format!(
                "https://h.example/r/{}\n  {}#{COMMITMENT}",
                &ID[..9],
                &ID[9..]
            ),
        ] {
            let link = request(&input);
            assert_eq!(link.base, "https://h.example", "{input}");
            assert_eq!(link.id, ID, "{input}");
            assert_eq!(link.kind, RequestLinkKind::Answer, "{input}");
            assert_eq!(link.commitment(), Ok(COMMITMENT), "{input}");
            assert!(!link.fragment_in_path, "{input}");
            assert_eq!(link.requester_key(), Ok(None), "{input}");
            assert_eq!(link.answer_url(), format!("https://h.example/r/{ID}"));
        }
        let link = request(&format!("http://127.0.0.1:8080/zk//r/{ID}#{COMMITMENT}"));
        assert_eq!(link.base, "http://127.0.0.1:8080/zk");
    }

    #[test]
    fn requester_links() {
        for input in [
            format!("https://h.example/r/{ID}/open#{SK}"),
            format!("https://h.example/r/{ID}/open/#{SK}"),
            format!("\"https://h.example/r/{ID}/open#{SK}\""),
            format!(
                "https://h.example/r/{ID}/open#{}\r\n{}",
                &SK[..30],
                &SK[30..]
            ),
        ] {
            let link = request(&input);
            assert_eq!(link.id, ID, "{input}");
            assert_eq!(link.kind, RequestLinkKind::Requester, "{input}");
            assert_eq!(link.requester_key(), Ok(Some(SK)), "{input}");
            // A requester link is never taken for an answer link.
            assert!(link.commitment().unwrap_err().contains("private key"));
        }
        let bare = request(&format!("https://h.example/r/{ID}/open"));
        assert_eq!(
            (bare.kind, bare.requester_key()),
            (RequestLinkKind::Requester, Ok(None))
        );
    }

    #[test]
    fn request_links_with_a_mangled_hash() {
        let link = request(&format!("https://h.example/r/{ID}%23{COMMITMENT}"));
        assert_eq!(link.commitment(), Ok(COMMITMENT));
        assert!(link.fragment_in_path);
        let link = request(&format!("https://h.example/r/{ID}/open%23{SK}"));
        assert_eq!(link.kind, RequestLinkKind::Requester);
        assert_eq!(link.requester_key(), Ok(Some(SK)));
        assert!(link.fragment_in_path);
    }

    #[test]
    fn request_links_without_a_whole_fragment() {
        for input in [
            format!("https://h.example/r/{ID}"),
            format!("https://h.example/r/{ID}#"),
            format!("https://h.example/r/{ID}%23"),
        ] {
            let e = request(&input).commitment().unwrap_err();
            assert!(e.contains("no key commitment"), "{input}: {e}");
        }
        for input in [
            format!("https://h.example/r/{ID}#{}", &COMMITMENT[..42]),
            format!("https://h.example/r/{ID}#{COMMITMENT}A"),
            format!(
                "https://h.example/r/{ID}#{}+{}",
                &COMMITMENT[..20],
                &COMMITMENT[21..]
            ),
        ] {
            let e = request(&input).commitment().unwrap_err();
            assert!(e.contains("damaged") && e.contains("43"), "{input}: {e}");
        }
        for input in [
            format!("https://h.example/r/{ID}/open#{}", &SK[..43]),
            format!("https://h.example/r/{ID}/open#{SK}A"),
        ] {
            let e = request(&input).requester_key().unwrap_err();
            assert!(e.contains("damaged") && e.contains("44"), "{input}: {e}");
        }
    }

    #[test]
    fn request_and_share_links_are_not_each_other() {
        for share in [
            format!("https://h.example/r/{ID}#{KEY}"),
            format!("https://h.example/r/{ID}/open#{SK}"),
            format!("https://h.example/s/{ID}/open#{KEY}"),
        ] {
            assert!(parse(&share).is_err(), "{share:?} is no share link");
        }
        for bad in [
            format!("https://h.example/s/{ID}#{COMMITMENT}"),
            format!("https://h.example/r/{ID}/opened#{SK}"),
            format!("https://h.example/r/{ID}/open/open#{SK}"),
            format!("https://h.example/r/open#{SK}"),
            format!("https://h.example/r/{}#{COMMITMENT}", &ID[..21]),
            format!("https://h.example/{ID}/open#{SK}"),
            format!("ftp://h.example/r/{ID}#{COMMITMENT}"),
            format!("https:///r/{ID}#{COMMITMENT}"),
            String::new(),
            "%23".into(),
        ] {
            assert!(parse_request(&bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn odd_request_input_never_panics() {
        let parts = [
            "", "https://", "/r/", "/open", ID, "#", "%23", "%2", "?", "é", " ", SK, "/",
        ];
        for a in parts {
            for b in parts {
                for c in parts {
                    let _ = parse_request(&format!("{a}{b}{c}"));
                    let _ = parse_request(&format!("https://h{a}/r/{b}{c}"));
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
