//! The commands: read input, seal or open with zkshare-crypto, call the API, write output.
//!
//! stdout carries only the command's product (a link, a secret, JSON); notes, tokens and
//! errors go to stderr, so `zkshare get LINK > file` writes exactly the secret.

use std::io::{self, IsTerminal, Read, Write};
use std::path::Path;

use reqwest::Url;
use serde_json::{Value, json};
use zeroize::Zeroizing;
use zkshare_crypto::{
    Credentials, Header, LinkKey, MAX_TEXT_CHARS, OpenError, EnvelopeKeys, SealError, Sealed,
    seal_text, vectors,
};

use crate::api::{Api, ApiFailure, CreateRequest};
use crate::args::{
    Cli, Command, DeleteArgs, GetArgs, InspectArgs, LinkArg, OpenArgs, SealArgs, SendArgs,
    VectorsArgs, VerifierArgs,
};
use crate::error::{Exit, Failure, Result};
use crate::link::{self, ShareLink};
use crate::password::{Password, PasswordArgs};
use crate::terminal;

/// Most bytes a secret can have: `MAX_TEXT_CHARS` four-byte characters. One more byte read
/// proves the input too long without reading all of it.
const MAX_SECRET_BYTES: usize = 4 * MAX_TEXT_CHARS;
/// A generous bound on an envelope or access answer read from stdin.
const MAX_ENVELOPE_INPUT_BYTES: u64 = 1024 * 1024;
/// A generous bound on a link or delete token read from stdin.
const MAX_LINK_INPUT_BYTES: u64 = 64 * 1024;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    let prompt_allowed = !cli.no_prompt;
    let insecure_http = cli.insecure_http;
    match cli.command {
        Command::Send(args) => send(args, insecure_http),
        Command::Get(args) => get(args, prompt_allowed, insecure_http),
        Command::Inspect(args) => inspect(args, insecure_http),
        Command::Delete(args) => delete(args, insecure_http),
        Command::Seal(args) => seal(args),
        Command::Open(args) => open(args, prompt_allowed),
        Command::Verifier(args) => verifier(args, prompt_allowed),
        Command::Vectors(args) => check_vectors(args),
    }
}

/// `zkshare send`.
fn send(args: SendArgs, insecure_http: bool) -> Result<()> {
    if args.no_key && !args.password.given() {
        return Err(Failure::usage(
            "--no-key makes a password-only link: add --password, --password-file or --password-env",
        ));
    }
    let scheme = args
        .server
        .split_once("://")
        .map(|(s, _)| s.to_ascii_lowercase());
    if !matches!(scheme.as_deref(), Some("http" | "https")) {
        return Err(Failure::usage(format!(
            "--server {:?} is not an http(s) URL; e.g. --server https://share.example.com",
            args.server
        )));
    }
    // Before reading the secret, so that a refused address costs the user nothing.
    let api = Api::new(&args.server, insecure_http)?;
    let text = read_secret(args.file.as_deref())?;
    if text.trim().is_empty() {
        return Err(Failure::usage(
            "the secret is empty: pipe it on stdin (printf '%s' SECRET | zkshare send) or use --file",
        ));
    }
    let password = args.password.for_sealing()?;
    let (key, sealed) =
        seal_with_new_key(&text, args.no_key, password.as_deref().map(String::as_str))?;
    drop(text);

    let created = api
        .create(&CreateRequest {
            secret_value: &sealed.envelope,
            password: &sealed.verifier,
            expires_in: &args.expires,
            max_views: args.views.0,
            name: args.name.as_deref(),
        })
        .map_err(|e| with_context(e, "the server refused the secret"))?;

    // The link must point at the server the secret was sent to: a link to another origin
    // would send readers (and their verifiers) to a server the sender never chose.
    let returned = link::parse(&created.shared_secret_link).ok();
    let well_formed = created
        .shared_secret_link
        .chars()
        .all(|c| c.is_ascii_graphic())
        && returned
            .as_ref()
            .is_some_and(|l| l.id == created.id && l.key.is_none());
    if !well_formed || !same_origin(&args.server, &created.shared_secret_link) {
        let deleted = link::is_secret_id(&created.id)
            && api.delete(&created.id, &created.delete_token).is_ok();
        return Err(Failure::other(format!(
            "the server returned the link {:?} for secret {}, which is not {}/s/ID on the \
             server given with --server; it is refused (a link must lead readers back to that \
             server). {}",
            terminal::escape(&created.shared_secret_link),
            terminal::escape(&created.id),
            args.server.trim_end_matches('/'),
            if deleted {
                "The secret was deleted again."
            } else {
                "The secret could not be deleted; it expires on its own."
            }
        )));
    }
    let link = match &key {
        Some(key) => Zeroizing::new(format!("{}#{}", created.shared_secret_link, key.to_b64())),
        None => Zeroizing::new(created.shared_secret_link.clone()),
    };

    // The sender's private page (views left, last view, "Delete now"): the delete token rides
    // in its fragment, which the browser never sends.
    let status_link = Zeroizing::new(format!(
        "{}/status#{}",
        created.shared_secret_link, created.delete_token
    ));
    if args.json {
        let out = json!({
            "link": link.as_str(),
            "id": created.id,
            "expiresAt": created.expires_at,
            "expiresAfterViews": created.expires_after_views,
            "deleteToken": created.delete_token,
            "statusLink": status_link.as_str(),
        });
        return write_stdout(format!("{}\n", terminal::escape_json(&out.to_string())).as_bytes());
    }
    write_stdout(format!("{}\n", link.as_str()).as_bytes())?;
    let views = match created.expires_after_views {
        Some(1) => "once".to_string(),
        Some(n) => format!("{n} times"),
        None => "any number of times".to_string(),
    };
    let who = match (&key, &password) {
        (Some(_), None) => "Anyone with the full link",
        (Some(_), Some(_)) => "Whoever has the full link and the password",
        (None, _) => "Whoever has the link and the password",
    };
    note(&format!(
        "{who} can open it {views} until {}.\n\
         Private status link (for you, not the recipient; shows views left and has \"Delete now\"):\n  \
         {status}\n\
         Delete token: {token}\n  \
         To delete the secret before it is read: zkshare delete {plain} --token {token}",
        created.expires_at,
        status = status_link.as_str(),
        token = created.delete_token,
        plain = created.shared_secret_link,
    ));
    Ok(())
}

/// `zkshare get`.
fn get(args: GetArgs, prompt_allowed: bool, insecure_http: bool) -> Result<()> {
    let link = link_from(&args.link, false)?;
    let api = Api::new(&link.base, insecure_http)?;
    let (meta, _) = api.metadata(&link.id).map_err(gone_or)?;
    let header = server_header(&meta.envelope_header)?;

    // Everything that can be checked before the view is spent is checked here.
    let key = match (header.needs_link_key(), &link.key) {
        (true, None) => {
            return Err(Failure::usage(
                "the link has no key (the part after #): ask the sender for the whole link",
            ));
        }
        (true, Some(k64)) => Some(link_key(k64, "the link's key (the part after #)")?),
        // A reader holding a key never accepts a header that does not use it (PROTOCOL.md
        // §9): the verifier would then depend on the password alone, which the server could
        // guess offline, and the server could forge a password-mode envelope.
        (false, Some(_)) => {
            return Err(Failure::other(format!(
                "the link has a key, but the server says this secret is mode {} and needs no \
                 key. zkshare never makes such links: the server, or someone between you and \
                 it, may be trying to learn the password. Refused before asking for a \
                 password; no view was used",
                header.mode()
            )));
        }
        (false, None) => None,
    };
    let password = opening_password(&header, &args.password, prompt_allowed, "this secret")?;
    let keys = derive_keys(&header, key.as_ref(), password.as_ref())?;

    let accessed = api.access(&link.id, &keys.verifier()).map_err(|e| {
        match e.status().map(|s| s.as_u16()) {
            Some(401) => Failure::new(
                Exit::Denied,
                format!(
                    "wrong link key or password ({}); the server counts failed attempts",
                    e.message()
                ),
            ),
            _ => gone_or(e),
        }
    })?;
    let text = keys
        .open_text(&accessed.secret_value)
        .map_err(|e| Failure::new(Exit::Denied, e.to_string()))?;
    if io::stdout().is_terminal() {
        // A terminal obeys escape sequences; the sender's text must not drive it. Redirected
        // output stays byte for byte what was sent.
        let shown = terminal::escape_for_display(&text);
        write_stdout(shown.as_bytes())?;
        if !text.ends_with('\n') {
            // Keeps the shell prompt off the secret's last line without touching stdout.
            note("");
        }
        if *shown != *text {
            note(
                "note: control characters in the secret are shown escaped (\\u{...}); \
                 redirect stdout to a file to get it exactly",
            );
        }
    } else {
        write_stdout(text.as_bytes())?;
    }
    note(&match accessed.expires_after_views {
        Some(0 | 1) => "That was the last view: the secret is now deleted from the server.".into(),
        Some(n) => format!(
            "{} more view{} left; expires {}.",
            n - 1,
            if n == 2 { "" } else { "s" },
            accessed.expires_at
        ),
        None => format!("Unlimited views; expires {}.", accessed.expires_at),
    });
    Ok(())
}

/// `zkshare inspect`.
fn inspect(args: InspectArgs, insecure_http: bool) -> Result<()> {
    let link = link_from(&args.link, false)?;
    let api = Api::new(&link.base, insecure_http)?;
    let (meta, mut raw) = api.metadata(&link.id).map_err(gone_or)?;
    let mode = Header::parse_b64(&meta.envelope_header)
        .ok()
        .map(|h| h.mode());
    if args.json {
        if let Value::Object(map) = &mut raw {
            map.insert("mode".into(), json!(mode.map(|m| m.name())));
        }
        return write_stdout(format!("{}\n", terminal::escape_json(&raw.to_string())).as_bytes());
    }
    let protection = match mode {
        Some(m) if m.needs_link_key() && m.needs_password() => {
            "link key and password (mode key+password)"
        }
        Some(m) if m.needs_password() => "password only (mode password)",
        Some(_) => "link key (mode key)",
        None => "unknown: not a zkshare v1 envelope header",
    };
    let key_note = match (mode.map(|m| m.needs_link_key()), &link.key) {
        (Some(true), None) => "missing: this link cannot open the secret",
        (Some(true), Some(_)) => "present",
        (Some(false), Some(_)) => "present, but this mode does not use it: `get` refuses it",
        _ => "not needed",
    };
    let views = meta
        .expires_after_views
        .map_or_else(|| "unlimited".to_string(), |n| n.to_string());
    // Every field but the ones computed here comes from the server.
    let text = format!(
        "Secret:       {}\n\
         Name:         {}\n\
         Protection:   {protection}\n\
         Link key:     {key_note}\n\
         Created:      {}\n\
         Expires:      {}\n\
         Views left:   {views}\n\
         Last viewed:  {}\n",
        terminal::escape(&meta.id),
        terminal::escape(meta.name.as_deref().unwrap_or("(none)")),
        terminal::escape(&meta.created_at),
        terminal::escape(&meta.expires_at),
        terminal::escape(meta.last_viewed_at.as_deref().unwrap_or("never")),
    );
    write_stdout(text.as_bytes())
}

/// `zkshare delete`.
fn delete(args: DeleteArgs, insecure_http: bool) -> Result<()> {
    let token_from_stdin = args.token == "-";
    let link = link_from(&args.link, token_from_stdin)?;
    let token = if token_from_stdin {
        Zeroizing::new(read_stdin_text(MAX_LINK_INPUT_BYTES, "the delete token")?)
    } else {
        Zeroizing::new(args.token.clone())
    };
    let token = token.trim();
    if token.is_empty() {
        return Err(Failure::usage("the delete token is empty"));
    }
    let api = Api::new(&link.base, insecure_http)?;
    let deleted =
        api.delete(&link.id, token)
            .map_err(|e| match e.status().map(|s| s.as_u16()) {
                Some(401 | 403) => Failure::new(
                    Exit::Denied,
                    format!("the delete token is wrong ({})", e.message()),
                ),
                _ => gone_or(e),
            })?;
    if args.json {
        return write_stdout(
            format!("{}\n", terminal::escape_json(&deleted.to_string())).as_bytes(),
        );
    }
    note(&format!("Deleted secret {}.", link.id));
    Ok(())
}

/// `zkshare seal`.
fn seal(args: SealArgs) -> Result<()> {
    if args.no_key && !args.password.given() {
        return Err(Failure::usage(
            "--no-key seals for a password only: add --password, --password-file or --password-env",
        ));
    }
    let text = read_secret(None)?;
    let password = args.password.for_sealing()?;
    let (key, sealed) =
        seal_with_new_key(&text, args.no_key, password.as_deref().map(String::as_str))?;
    let header = sealed
        .envelope
        .split_once('.')
        .map_or("", |(header, _)| header);
    let out = json!({
        "envelope": sealed.envelope,
        "verifier": sealed.verifier,
        "linkKey": key.as_ref().map(LinkKey::to_b64),
        "header": header,
    });
    write_stdout(format!("{out}\n").as_bytes())
}

/// `zkshare open`.
fn open(args: OpenArgs, prompt_allowed: bool) -> Result<()> {
    let input = read_stdin_text(MAX_ENVELOPE_INPUT_BYTES, "the envelope")?;
    let envelope = envelope_from_input(&input)?;
    let header = Header::from_envelope(&envelope).map_err(open_failure)?;
    let key = offline_key(&header, args.key.value.as_deref())?;
    let password = opening_password(&header, &args.password, prompt_allowed, "this envelope")?;
    let keys = derive_keys(&header, key.as_ref(), password.as_ref())?;
    let text = keys.open_text(&envelope).map_err(open_failure)?;
    write_stdout(text.as_bytes())
}

/// `zkshare verifier`.
fn verifier(args: VerifierArgs, prompt_allowed: bool) -> Result<()> {
    let header = Header::parse_b64(args.header.trim()).map_err(|_| {
        Failure::usage(
            "--header is not a zkshare v1 envelope header (the envelopeHeader field, base64url)",
        )
    })?;
    let key = offline_key(&header, args.key.value.as_deref())?;
    let password = opening_password(&header, &args.password, prompt_allowed, "this header")?;
    let keys = derive_keys(&header, key.as_ref(), password.as_ref())?;
    write_stdout(format!("{}\n", keys.verifier()).as_bytes())
}

/// `zkshare vectors`.
fn check_vectors(args: VectorsArgs) -> Result<()> {
    let json = std::fs::read_to_string(&args.file)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", args.file.display())))?;
    let report = vectors::check_vectors(&json);
    for detail in &report.details {
        note(&format!("FAILED {detail}"));
    }
    write_stdout(format!("{} passed, {} failed\n", report.passed, report.failed).as_bytes())?;
    if report.is_ok() {
        Ok(())
    } else if report.passed + report.failed == 0 {
        Err(Failure::other(format!(
            "{} holds no vectors",
            args.file.display()
        )))
    } else {
        Err(Failure::other(format!(
            "{} of {} vectors failed",
            report.failed,
            report.passed + report.failed
        )))
    }
}

/// Seals `text` under a fresh link key (none with `no_key`) and `password`; returns the key.
fn seal_with_new_key(
    text: &str,
    no_key: bool,
    password: Option<&str>,
) -> Result<(Option<LinkKey>, Sealed)> {
    let key = if no_key {
        None
    } else {
        Some(LinkKey::try_generate().map_err(seal_failure)?)
    };
    let creds = credentials(key.as_ref(), password)
        .ok_or_else(|| Failure::other("no link key and no password to seal with"))?;
    let sealed = seal_text(text, &creds).map_err(seal_failure)?;
    Ok((key, sealed))
}

/// The credentials for these inputs; `None` when there are neither key nor password.
fn credentials<'a>(key: Option<&'a LinkKey>, password: Option<&'a str>) -> Option<Credentials<'a>> {
    match (key, password) {
        (Some(key), None) => Some(Credentials::Key(key)),
        (Some(key), Some(password)) => Some(Credentials::KeyAndPassword(key, password)),
        (None, Some(password)) => Some(Credentials::Password(password)),
        (None, None) => None,
    }
}

/// Runs the key schedule (Argon2id in the password modes) for `header`.
fn derive_keys(
    header: &Header,
    key: Option<&LinkKey>,
    password: Option<&Password>,
) -> Result<EnvelopeKeys> {
    let creds = credentials(key, password.map(|p| p.as_str()))
        .ok_or_else(|| Failure::usage("neither a link key nor a password was given"))?;
    EnvelopeKeys::derive(header, &creds).map_err(open_failure)
}

/// The password `header`'s mode needs, or `None`; a password given for a mode without one
/// is ignored with a note.
fn opening_password(
    header: &Header,
    args: &PasswordArgs,
    prompt_allowed: bool,
    what: &str,
) -> Result<Option<Password>> {
    if header.needs_password() {
        let why = format!("{what} is protected by a password");
        return args.for_opening(prompt_allowed, &why).map(Some);
    }
    if args.given() {
        note(&format!(
            "note: {what} needs no password; the password option is ignored"
        ));
    }
    Ok(None)
}

/// The `--key` of `open` and `verifier`, as `header`'s mode needs it.
fn offline_key(header: &Header, key: Option<&str>) -> Result<Option<LinkKey>> {
    match (header.needs_link_key(), key) {
        (true, None) => Err(Failure::usage(format!(
            "mode {} needs the link key: pass --key K64 (the part of the link after #)",
            header.mode()
        ))),
        (true, Some(k64)) => link_key(k64.trim(), "--key").map(Some),
        // The rule of `get` (PROTOCOL.md §9): a key is never dropped to open a key-less mode.
        (false, Some(_)) => Err(Failure::usage(format!(
            "a link key was given (--key or ZKSHARE_LINK_KEY), but this is mode {}, which does \
             not use one; refusing, since a reader with a key never falls back to a \
             password-only secret. Leave the key out if you expect a password-only secret",
            header.mode()
        ))),
        (false, None) => Ok(None),
    }
}

/// Parses `K64`; `what` names where it came from.
fn link_key(k64: &str, what: &str) -> Result<LinkKey> {
    LinkKey::from_b64(k64).map_err(|_| {
        Failure::usage(format!(
            "{what} is damaged: a link key is 43 base64url characters; was the link cut short?"
        ))
    })
}

/// The header the server handed out for a secret.
fn server_header(envelope_header: &str) -> Result<Header> {
    Header::parse_b64(envelope_header).map_err(|_| {
        Failure::other(
            "the server's envelope header is not zkshare protocol v1 (unknown version, mode or \
             parameters): this client cannot open the secret, so no view was used",
        )
    })
}

fn parse_link(input: &str) -> Result<ShareLink> {
    link::parse(input).map_err(Failure::usage)
}

/// The link from the argument, from stdin when it is `-`, or from `ZKSHARE_LINK` (which
/// clap puts in the argument). `stdin_taken` says another input already comes from stdin.
fn link_from(arg: &LinkArg, stdin_taken: bool) -> Result<ShareLink> {
    match arg.value.as_deref() {
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
            parse_link(&input)
        }
        Some(input) => parse_link(input),
    }
}

/// Whether two URLs have the same scheme, host and port.
fn same_origin(a: &str, b: &str) -> bool {
    match (Url::parse(a), Url::parse(b)) {
        (Ok(a), Ok(b)) => a.origin() == b.origin() && a.origin().is_tuple(),
        _ => false,
    }
}

/// The envelope in `open`'s input: the bare envelope, or `secretValue` / `envelope` of a
/// JSON object (the access answer, or `zkshare seal`'s output).
fn envelope_from_input(input: &str) -> Result<String> {
    let trimmed = input.trim();
    if !trimmed.starts_with('{') {
        return Ok(trimmed.to_string());
    }
    let value: Value = serde_json::from_str(trimmed)
        .map_err(|e| Failure::usage(format!("stdin looks like JSON but is not: {e}")))?;
    ["secretValue", "envelope"]
        .iter()
        .find_map(|field| value.get(field).and_then(Value::as_str))
        .map(str::to_owned)
        .ok_or_else(|| {
            Failure::usage("the JSON on stdin has no secretValue or envelope string field")
        })
}

/// The secret to seal, from `file` or stdin: UTF-8, at most `MAX_TEXT_CHARS` characters.
fn read_secret(file: Option<&Path>) -> Result<Zeroizing<String>> {
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
fn read_stdin_text(limit: u64, what: &str) -> Result<String> {
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

fn seal_failure(e: SealError) -> Failure {
    match e {
        SealError::TooLong | SealError::EmptyPassword => Failure::usage(e.to_string()),
        _ => Failure::other(format!("cannot encrypt: {e}")),
    }
}

fn open_failure(e: OpenError) -> Failure {
    Failure::new(Exit::Denied, e.to_string())
}

/// A 404 as "gone" (with the server's message), everything else by the default mapping.
fn gone_or(e: ApiFailure) -> Failure {
    if e.status().is_some_and(|s| s.as_u16() == 404) {
        return Failure::new(
            Exit::Gone,
            format!(
                "{} (it does not exist, expired, was viewed as often as allowed, or was deleted)",
                e.message().trim_end_matches('.')
            ),
        );
    }
    e.into()
}

/// The default mapping, with `context` before a 400's message.
fn with_context(e: ApiFailure, context: &str) -> Failure {
    let status = e.status().map(|s| s.as_u16());
    let mut failure: Failure = e.into();
    if matches!(status, Some(400 | 401 | 403 | 413)) {
        failure.message = format!("{context}: {}", failure.message);
    }
    failure
}

/// Writes the command's product to stdout.
fn write_stdout(bytes: &[u8]) -> Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| Failure::other(format!("cannot write to stdout: {e}")))
}

/// A line for the user on stderr (a closed stderr is not worth failing over). Notes quote
/// the server (dates, tokens), so they are escaped for the terminal.
fn note(line: &str) {
    let _ = writeln!(io::stderr().lock(), "{}", terminal::escape_lines(line));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_accepts_bare_envelopes_and_json() {
        assert_eq!(envelope_from_input(" AAA.BBB\n").unwrap(), "AAA.BBB");
        assert_eq!(
            envelope_from_input(r#"{"secretValue":"AAA.BBB","id":"x"}"#).unwrap(),
            "AAA.BBB"
        );
        assert_eq!(
            envelope_from_input(r#"{"envelope":"AAA.BBB","linkKey":null}"#).unwrap(),
            "AAA.BBB"
        );
        assert!(envelope_from_input(r#"{"other":1}"#).is_err());
        assert!(envelope_from_input("{not json").is_err());
    }

    #[test]
    fn credentials_follow_what_is_present() {
        let key = LinkKey::generate();
        assert!(matches!(
            credentials(Some(&key), None),
            Some(Credentials::Key(_))
        ));
        assert!(matches!(
            credentials(Some(&key), Some("pw")),
            Some(Credentials::KeyAndPassword(..))
        ));
        assert!(matches!(
            credentials(None, Some("pw")),
            Some(Credentials::Password(_))
        ));
        assert!(credentials(None, None).is_none());
    }

    #[test]
    fn damaged_keys_are_usage_errors() {
        let e = link_key("abc", "the link's key").unwrap_err();
        assert_eq!(e.exit, Exit::Usage);
        assert!(link_key(&LinkKey::generate().to_b64(), "k").is_ok());
    }
}
