//! The commands' input and output: bounded reads, the link argument, product vs notes.
//!
//! Reads of stdin and files are bounded; the product goes to stdout and notes to stderr.

use std::io::{self, IsTerminal, Read, Write};
use std::path::Path;

use zeroize::Zeroizing;
use zkshare_crypto::MAX_TEXT_CHARS;

use crate::args::{LinkArg, SecretArg};
use crate::error::{Failure, Result};
use crate::link::{self, ShareLink};
use crate::terminal;

/// Most bytes a secret can have: `MAX_TEXT_CHARS` four-byte characters. One more byte read
/// proves the input too long without reading all of it.
const MAX_SECRET_BYTES: usize = 4 * MAX_TEXT_CHARS;
/// A generous bound on an envelope or access answer read from stdin.
pub(super) const MAX_ENVELOPE_INPUT_BYTES: u64 = 1024 * 1024;
/// A generous bound on a link or delete token read from stdin.
pub(super) const MAX_LINK_INPUT_BYTES: u64 = 64 * 1024;

fn parse_link(input: &str) -> Result<ShareLink> {
    link::parse(input).map_err(Failure::usage)
}

/// The link from the argument, from stdin when it is `-`, or from `ZKSHARE_LINK` (which
/// clap puts in the argument). `stdin_taken` says another input already comes from stdin.
pub(super) fn link_from(arg: &LinkArg, stdin_taken: bool) -> Result<ShareLink> {
    parse_link(&link_text(arg.value.as_deref(), stdin_taken)?)
}

/// The secret a creator's command names: a link, or a bare id on `--server`; and whether it
/// was a link (whose server the login must then be saved for).
pub(super) fn secret_from(arg: &SecretArg, stdin_taken: bool) -> Result<(ShareLink, bool)> {
    let text = link_text(arg.value.as_deref(), stdin_taken)?;
    let trimmed = text.trim();
    if link::is_secret_id(trimmed) {
        crate::api::check_transport(&arg.server, true)?;
        let link = ShareLink {
            base: arg.server.trim_end_matches('/').to_string(),
            id: trimmed.to_string(),
            key: None,
            recipient_token: None,
        };
        return Ok((link, false));
    }
    parse_link(&text).map(|link| (link, true))
}

/// The text of a link argument: itself, or stdin for `-`.
fn link_text(value: Option<&str>, stdin_taken: bool) -> Result<Zeroizing<String>> {
    match value {
        None => Err(Failure::usage(
            "no link: give it as an argument, as '-' to read it from stdin, or in ZKSHARE_LINK",
        )),
        Some("-") if stdin_taken => Err(Failure::usage(
            "the link and the delete token cannot both come from stdin: give one of them \
             another way (ZKSHARE_LINK, ZKSHARE_DELETE_TOKEN)",
        )),
        Some("-") => {
            let input = Zeroizing::new(read_stdin_text(MAX_LINK_INPUT_BYTES, "the link")?);
            if input.trim().is_empty() {
                return Err(Failure::usage(format!(
                    "stdin is empty; {}",
                    link::EXPECTED_SHAPE
                )));
            }
            Ok(input)
        }
        Some(input) => Ok(Zeroizing::new(input.to_string())),
    }
}

/// The secret to seal, from `file` or stdin: UTF-8, at most `MAX_TEXT_CHARS` characters.
pub(super) fn read_secret(file: Option<&Path>) -> Result<Zeroizing<String>> {
    let mut bytes = Zeroizing::new(Vec::new());
    let limit = MAX_SECRET_BYTES as u64 + 1;
    let what = match file {
        Some(path) => {
            let f = std::fs::File::open(path)
                .map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display())))?;
            f.take(limit)
                .read_to_end(&mut bytes)
                .map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display())))?;
            path.display().to_string()
        }
        None => {
            if io::stdin().is_terminal() {
                note("Type or paste the secret, then press Ctrl-D on a new line:");
            }
            io::stdin()
                .lock()
                .take(limit)
                .read_to_end(&mut bytes)
                .map_err(|e| Failure::other(format!("cannot read stdin: {e}")))?;
            "stdin".to_string()
        }
    };
    let too_long = || {
        Failure::usage(format!(
            "the secret is longer than {MAX_TEXT_CHARS} characters"
        ))
    };
    if bytes.len() > MAX_SECRET_BYTES {
        return Err(too_long());
    }
    let text = std::str::from_utf8(&bytes).map_err(|_| {
        Failure::usage(format!(
            "{what} is not UTF-8 text: zkshare shares text (at most {MAX_TEXT_CHARS} characters)"
        ))
    })?;
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(too_long());
    }
    Ok(Zeroizing::new(text.to_owned()))
}

/// stdin as UTF-8 text, at most `limit` bytes.
pub(super) fn read_stdin_text(limit: u64, what: &str) -> Result<String> {
    let mut bytes = Vec::new();
    io::stdin()
        .lock()
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Failure::other(format!("cannot read stdin: {e}")))?;
    if bytes.len() as u64 > limit {
        return Err(Failure::usage(format!("{what} on stdin is too large")));
    }
    String::from_utf8(bytes).map_err(|_| Failure::usage(format!("{what} on stdin is not UTF-8")))
}

/// Writes the command's product to stdout.
pub(super) fn write_stdout(bytes: &[u8]) -> Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| Failure::other(format!("cannot write to stdout: {e}")))
}

/// Writes an opened secret to stdout: exactly, or with its control characters escaped when
/// stdout is a terminal (a terminal obeys escape sequences; the sender's text must not drive
/// it). Redirected output stays byte for byte what was sent.
pub(super) fn write_secret(text: &str) -> Result<()> {
    if !io::stdout().is_terminal() {
        return write_stdout(text.as_bytes());
    }
    let shown = terminal::escape_for_display(text);
    write_stdout(shown.as_bytes())?;
    if !text.ends_with('\n') {
        // Keeps the shell prompt off the secret's last line without touching stdout.
        note("");
    }
    if shown != text {
        note(
            "note: control characters in the secret are shown escaped (\\u{...}); \
             redirect stdout to a file to get it exactly",
        );
    }
    Ok(())
}

/// A line for the user on stderr (a closed stderr is not worth failing over). Notes quote
/// the server (dates, tokens), so they are escaped for the terminal.
pub(super) fn note(line: &str) {
    let _ = writeln!(io::stderr().lock(), "{}", terminal::escape_lines(line));
}
