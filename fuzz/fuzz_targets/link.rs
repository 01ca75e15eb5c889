//! Fuzzes the CLI's link parsers (`cli/src/link.rs`), share links and request links: any text gives a link or a message,
//! never a panic; a parsed link has a valid id and an http(s) base, and a share link parses to
//! itself when written out again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zkshare_cli::link::{self, ShareLink};

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    match link::parse(input) {
        Ok(parsed) => check(&parsed),
        Err(message) => assert!(!message.is_empty()),
    }
    match link::parse_request(input) {
        Ok(parsed) => {
            assert!(link::is_secret_id(&parsed.id), "{parsed:?}");
            assert!(
                parsed.base.starts_with("https://") || parsed.base.starts_with("http://"),
                "{parsed:?}"
            );
            assert!(!parsed.base.ends_with('/'), "{parsed:?}");
        }
        Err(message) => assert!(!message.is_empty()),
    }
});

fn check(parsed: &ShareLink) {
    assert!(link::is_secret_id(&parsed.id), "{parsed:?}");
    assert!(
        parsed.base.starts_with("https://") || parsed.base.starts_with("http://"),
        "{parsed:?}"
    );
    let authority = parsed.base.split_once("://").map_or("", |(_, rest)| rest);
    assert!(
        !authority.is_empty() && !authority.starts_with('/'),
        "{parsed:?}"
    );
    assert!(!parsed.base.chars().any(char::is_whitespace), "{parsed:?}");
    // The API lives at `{base}/api/v1/...`: a trailing slash would double it.
    assert!(!parsed.base.ends_with('/'), "{parsed:?}");
    assert!(
        parsed.key.as_ref().is_none_or(|k| !k.is_empty()),
        "{parsed:?}"
    );
    // A link has a key or a recipient token, never both.
    assert!(
        parsed.key.is_none() || parsed.recipient_token.is_none(),
        "{parsed:?}"
    );
    // Written out as a link (always with a `#`, so a `%23` in the host stays part of it), it
    // parses to the same thing.
    let fragment = match (&parsed.key, &parsed.recipient_token) {
        (_, Some(token)) => format!("r={token}"),
        (key, None) => key.clone().unwrap_or_default(),
    };
    let written = format!("{}/s/{}#{fragment}", parsed.base, parsed.id);
    assert_eq!(link::parse(&written).as_ref(), Ok(parsed), "{written:?}");
}
