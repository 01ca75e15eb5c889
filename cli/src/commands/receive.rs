//! `zkshare receive`: fetches the answer to a secret request with the requester token, opens it with the private key, prints it.

use std::path::{Path, PathBuf};

use zeroize::Zeroizing;
use zkshare_crypto::request::RequestKeys;

use super::key_file;
use super::login::token_for_link;
use super::stdio::{MAX_LINK_INPUT_BYTES, note, read_stdin_text, write_secret};
use crate::api::{Api, ApiFailure};
use crate::args::ReceiveArgs;
use crate::error::{Exit, Failure, Result};
use crate::link::{self, RequestLink};
use crate::login_store::server_key;

/// `zkshare receive`.
pub(super) fn run(args: ReceiveArgs, insecure_http: bool) -> Result<()> {
    let (link, private_key) = request_and_key(args.link.as_deref(), args.key_file.as_deref())?;
    let keys = RequestKeys::from_b64(&private_key).map_err(|_| {
        Failure::usage(
            "the requester link's key (the part after #) is not a zkshare request key; was the \
             link cut short or changed?",
        )
    })?;

    let login = token_for_link(&link.base, false)?;
    let api = Api::new(&link.base, insecure_http)?.with_token(login);
    let revealed = api
        .reveal_request(&link.id, &keys.requester_token())
        .map_err(refusal)?;
    let text = keys
        .open_answer(&link.id, &revealed.secret_value)
        .map_err(|e| Failure::new(Exit::Denied, e.to_string()))?;
    write_secret(&text)?;
    match revealed.keep_answer {
        Some(true) => note(&format!(
            "The answer stays on the server until the request expires ({}); this key reads it \
             again.",
            revealed.expires_at
        )),
        Some(false) => note("The answer is now deleted from the server."),
        None => {}
    }
    Ok(())
}

/// The request and its private key, from a requester link, or from an answer link or id
/// and a key file (given, or the default one of that id when it exists).
fn request_and_key(
    given: Option<&str>,
    key_file: Option<&Path>,
) -> Result<(RequestLink, Zeroizing<String>)> {
    let given = match given {
        Some("-") => {
            let input = Zeroizing::new(read_stdin_text(MAX_LINK_INPUT_BYTES, "the link")?);
            if input.trim().is_empty() {
                return Err(Failure::usage(format!(
                    "stdin is empty; {}",
                    link::EXPECTED_REQUEST_SHAPE
                )));
            }
            Some(input)
        }
        Some(value) => Some(Zeroizing::new(value.to_string())),
        None => None,
    };
    // What was given: a bare id, or a link (with its key, if it is a requester link).
    let (id, from_arg) = match given.as_deref().map(|s| s.trim()) {
        None => (None, None),
        Some(id) if link::is_secret_id(id) => (Some(id.to_string()), None),
        Some(text) => {
            let parsed = link::parse_request(text).map_err(Failure::usage)?;
            (Some(parsed.id.clone()), Some(parsed))
        }
    };
    if let Some(parsed) = &from_arg
        && let Some(key) = parsed.requester_key().map_err(Failure::usage)?
    {
        if key_file.is_some() {
            return Err(Failure::usage(
                "the requester link carries the key already: give the link or --key-file, not \
                 both",
            ));
        }
        if parsed.fragment_in_path {
            note(
                "note: this link's '#' was rewritten to %23 (by a mail scanner?), so whoever \
                 opened it in a browser sent the private key to the server and to anything on \
                 the way. If that may have happened, treat the answer as exposed: have the \
                 secret changed, and make a new request.",
            );
        }
        let key = Zeroizing::new(key.to_string());
        return Ok((parsed.clone(), key));
    }

    // The key comes from a file.
    let path: PathBuf = match (key_file, &id) {
        (Some(path), _) => path.to_path_buf(),
        (None, Some(id)) if key_file::default_path(id).exists() => key_file::default_path(id),
        (None, Some(_)) => {
            return Err(Failure::usage(
                "no key: give the requester link https://HOST/r/ID/open#KEY that `zkshare \
                 request` made, or --key-file with the file it wrote",
            ));
        }
        (None, None) => {
            return Err(Failure::usage(
                "no request: give the requester link (https://HOST/r/ID/open#KEY), '-' to read \
                 it from stdin, or --key-file with the file `zkshare request` wrote",
            ));
        }
    };
    let content = key_file::read(&path)?;
    let from_file = link::parse_request(&content)
        .ok()
        .filter(|l| l.kind == link::RequestLinkKind::Requester);
    let (in_file, key) = match from_file {
        Some(l) => match l.requester_key() {
            Ok(Some(key)) => {
                let key = Zeroizing::new(key.to_string());
                (l, key)
            }
            _ => return Err(not_a_key_file(&path)),
        },
        None => return Err(not_a_key_file(&path)),
    };
    // The file must be the key of the request named, on the server named.
    let same_request = id.as_ref().is_none_or(|id| *id == in_file.id)
        && from_arg
            .as_ref()
            .is_none_or(|l| server_key(&l.base) == server_key(&in_file.base));
    if !same_request {
        return Err(Failure::usage(format!(
            "the key file {} is for request {} on {}, not the one given",
            path.display(),
            in_file.id,
            in_file.base
        )));
    }
    Ok((in_file, key))
}

/// The refusal of a file that holds no requester link with its key.
fn not_a_key_file(path: &Path) -> Failure {
    Failure::usage(format!(
        "{} is not a zkshare key file: it holds the requester link \
         https://HOST/r/ID/open#KEY (44 characters after '#') that `zkshare request` wrote",
        path.display()
    ))
}

/// A failed reveal, in words for the requester.
fn refusal(e: ApiFailure) -> Failure {
    let message = e.message();
    match e.status().map(|s| s.as_u16()) {
        Some(409) => Failure::new(
            Exit::NotYet,
            format!(
                "{} (nothing was used up); run `zkshare receive` again later",
                message.trim_end_matches('.')
            ),
        ),
        Some(404) => Failure::new(
            Exit::Gone,
            format!(
                "{} (the request does not exist, expired or was deleted, or its answer was read \
                 already)",
                message.trim_end_matches('.')
            ),
        ),
        Some(401 | 403) => Failure::new(
            Exit::Denied,
            format!(
                "{} (the server did not accept this key for the request: is it the requester \
                 link or key file of this request?)",
                message.trim_end_matches('.')
            ),
        ),
        _ => e.into(),
    }
}
