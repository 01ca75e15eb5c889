//! Escaping text for the terminal, so that a string chosen by a server cannot drive it.
//!
//! A terminal obeys escape sequences (ESC, CSI as U+009B, OSC …) and a bidi control such as
//! U+202E reorders what follows it on screen. Anything a server sends (names, dates, error
//! messages, links) is printed through [`escape`], which writes such characters as `\u{202e}`.

/// Whether `c` must not reach a terminal raw: C0 and C1 controls, DEL, and the Unicode
/// format characters that reorder or hide text (bidi embeddings, overrides and isolates, the
/// directional marks, and the zero-width characters that can hide a difference).
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{2069}'
                | '\u{feff}'
        )
}

/// `s` with every unsafe character written as `\u{…}` (so also newlines and tabs: a server
/// string is one line).
pub fn escape(s: &str) -> String {
    escape_except(s, |_| false)
}

/// `s` with every unsafe character except `keep` written as `\u{…}`.
pub fn escape_except(s: &str, keep: impl Fn(char) -> bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if is_unsafe(c) && !keep(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Lines meant for the user (messages and notes): newlines are kept, everything else unsafe
/// is escaped.
pub fn escape_lines(s: &str) -> String {
    escape_except(s, |c| c == '\n')
}

/// A secret shown on a terminal: line breaks and tabs stay as they are, every other unsafe
/// character is escaped (redirected output is not touched; see `get`).
pub fn escape_for_display(s: &str) -> String {
    escape_except(s, |c| c == '\n' || c == '\t')
}

/// Serialized JSON with every unsafe non-ASCII character written as a JSON `\uXXXX` escape.
/// Such characters can only occur inside JSON strings and serde_json already escapes the
/// ASCII controls, so the result is valid JSON with the same value.
pub fn escape_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if is_unsafe(c) {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_are_escaped() {
        assert_eq!(escape("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(escape("evil\u{202e}txt.exe"), "evil\\u{202e}txt.exe");
        assert_eq!(escape("\u{9b}31m"), "\\u{9b}31m");
        for c in [
            '\u{0}', '\u{7}', '\n', '\r', '\t', '\u{7f}', '\u{85}', '\u{9f}', '\u{200e}',
            '\u{200f}', '\u{202a}', '\u{202e}', '\u{2066}', '\u{2069}', '\u{61c}',
        ] {
            let escaped = escape(&c.to_string());
            assert!(escaped.starts_with("\\u{"), "{c:?} → {escaped}");
            assert!(!escaped.chars().any(is_unsafe));
        }
    }

    #[test]
    fn ordinary_text_is_untouched() {
        for s in [
            "prod database",
            "ünïcödé 🔑",
            "日本語",
            "عربى",
            "a-b_c.d/e?f=g",
        ] {
            assert_eq!(escape(s), s);
        }
    }

    #[test]
    fn lines_keep_newlines_and_display_keeps_tabs() {
        assert_eq!(escape_lines("a\nb\u{1b}"), "a\nb\\u{1b}");
        assert_eq!(escape_lines("a\tb"), "a\\u{9}b");
        assert_eq!(escape_for_display("a\tb\nc\u{202e}"), "a\tb\nc\\u{202e}");
    }

    #[test]
    fn json_stays_valid_and_equal() {
        let value = serde_json::json!({"name": "x\u{202e}y\u{9b}z\u{1b}", "n": 1});
        let json = value.to_string();
        let escaped = escape_json(&json);
        assert!(!escaped.chars().any(is_unsafe), "{escaped}");
        let back: serde_json::Value = serde_json::from_str(&escaped).unwrap();
        assert_eq!(back, value);
    }
}
