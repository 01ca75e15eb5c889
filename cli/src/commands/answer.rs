//! `zkshare answer`: seals a secret from stdin to a request's public key, checked against its answer link, and sends it.

use std::io::{self, IsTerminal};

use zkshare_crypto::SealError;
use zkshare_crypto::request::{commitment, seal_answer};
use zkshare_format::request::PublicKey;

use super::login::token_for_link;
use super::stdio::{MAX_LINK_INPUT_BYTES, note, read_secret, read_stdin_text};
use crate::api::{Api, ApiFailure, SecretRequestView};
use crate::args::AnswerArgs;
use crate::error::{Exit, Failure, Result};
use crate::link;
use crate::terminal;

/// `zkshare answer`.
pub(super) fn run(args: AnswerArgs, insecure_http: bool) -> Result<()> {
    let text = if args.link == "-" {
        if args.file.is_none() {
            return Err(Failure::usage(
                "the link and the secret cannot both come from stdin: give the link as an \
                 argument, or the secret with --file",
            ));
        }
        read_stdin_text(MAX_LINK_INPUT_BYTES, "the link")?
    } else {
        args.link.clone()
    };
    let link = link::parse_request(&text).map_err(Failure::usage)?;
    let expected = link.commitment().map_err(Failure::usage)?.to_owned();

    // An organization's request needs the answerer's login; it goes only to the server it
    // was saved for.
    let login = token_for_link(&link.base, false)?;
    let signed_in = login.is_some();
    let api = Api::new(&link.base, insecure_http)?.with_token(login);
    let refused = |e: ApiFailure| refusal(e, &link.base, signed_in);
    let view = api.request_view(&link.id).map_err(refused)?;
    if view.is_answered {
        return Err(already_answered(None));
    }
    // Checked before the secret is read, so that a substituted key costs nothing; sealing
    // checks it again.
    let matches = PublicKey::parse(&view.public_key).is_ok_and(|k| commitment(&k) == expected);
    if !matches {
        return Err(key_mismatch());
    }
    // Someone about to type the secret sees first who asks for it; otherwise it is said with
    // the result, so that a failure stays one `zkshare: ` line.
    let about = describe(&view);
    let typing = args.file.is_none() && io::stdin().is_terminal();
    if typing {
        note(&about);
    }

    let secret = read_secret(args.file.as_deref())?;
    if secret.trim().is_empty() {
        return Err(Failure::usage(
            "the secret is empty: pipe it on stdin (printf '%s' SECRET | zkshare answer LINK) or \
             use --file",
        ));
    }
    let sealed =
        seal_answer(&link.id, &view.public_key, &expected, &secret).map_err(|e| match e {
            SealError::KeyMismatch => key_mismatch(),
            SealError::TooLong => Failure::usage(e.to_string()),
            other => Failure::other(other.to_string()),
        })?;
    drop(secret);
    api.answer_request(&link.id, &sealed).map_err(|e| {
        if e.status().is_some_and(|s| s.as_u16() == 409) {
            already_answered(Some(&e.message()))
        } else {
            refused(e)
        }
    })?;
    if !typing {
        note(&about);
    }
    note(
        "Answered: the secret was encrypted on this machine to the requester's key and sent; \
         only the requester's own link can open it.",
    );
    Ok(())
}

/// Who asks, for what, and until when (every part from the server, escaped).
fn describe(view: &SecretRequestView) -> String {
    let who = match &view.requester {
        Some(r) => {
            let name = r
                .name
                .as_deref()
                .map_or_else(|| "a signed-in requester".to_string(), terminal::escape);
            match r.organization.as_deref() {
                Some(org) => format!("{name} ({})", terminal::escape(org)),
                None => name,
            }
        }
        None => "an anonymous requester (not signed in: the server cannot say who)".to_string(),
    };
    let what = view
        .name
        .as_deref()
        .map_or_else(String::new, |n| format!(" \"{}\"", terminal::escape(n)));
    format!(
        "Secret request{what} from {who}; it expires {}.",
        terminal::escape(&view.expires_at)
    )
}

/// The refusal of a key that does not match the answer link.
fn key_mismatch() -> Failure {
    Failure::other(
        "the public key the server gave for this request does not match the answer link (the \
         part after #): the server, or someone between you and it, may have substituted a key \
         of its own to read your answer. Nothing was encrypted or sent; ask the requester for \
         the link again, another way",
    )
}

/// The refusal of a request that has its answer.
fn already_answered(server_said: Option<&str>) -> Failure {
    Failure::new(
        Exit::Gone,
        format!(
            "this request has been answered already{}: a request takes one answer, so yours \
             was not sent",
            server_said.map_or_else(String::new, |m| format!(" ({})", m.trim_end_matches('.')))
        ),
    )
}

/// A failed call about the request, in words for the one answering.
fn refusal(e: ApiFailure, base: &str, signed_in: bool) -> Failure {
    let message = e.message();
    match e.status().map(|s| s.as_u16()) {
        Some(404) => Failure::new(
            Exit::Gone,
            format!(
                "{} (the request does not exist, expired or was deleted); nothing was sent",
                message.trim_end_matches('.')
            ),
        ),
        Some(401) => Failure::new(
            Exit::Denied,
            format!(
                "{} (only signed-in members of the requester's organization may answer it: \
                 `zkshare login --server {base} --email ADDRESS`{}); nothing was sent",
                message.trim_end_matches('.'),
                if signed_in {
                    "; the saved login was not accepted"
                } else {
                    ""
                }
            ),
        ),
        Some(403) => Failure::new(
            Exit::Denied,
            format!(
                "{} ({}); nothing was sent",
                message.trim_end_matches('.'),
                if signed_in {
                    "the login saved for this server may not answer it"
                } else {
                    "log in with an account that may answer it"
                }
            ),
        ),
        _ => e.into(),
    }
}
