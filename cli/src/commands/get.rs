//! `zkshare get`: reads a secret behind a link, spending one view, and writes it to stdout.

use zkshare_crypto::Header;

use super::credentials::{derive_keys, link_key, opening_password};
use super::login::token_for_link;
use super::stdio::{link_from, note, write_secret};
use crate::api::{Api, gone_or};
use crate::args::GetArgs;
use crate::error::{Exit, Failure, Result};

/// `zkshare get`.
pub(super) fn run(args: GetArgs, prompt_allowed: bool, insecure_http: bool) -> Result<()> {
    let link = link_from(&args.link, false)?;
    if let Some(token) = &link.recipient_token
        && !is_recipient_token(token)
    {
        return Err(Failure::usage(
            "the link's recipient token (the part after #r=) is damaged: it is 43 base64url \
             characters; was the link cut short?",
        ));
    }
    // Organization and mailed secrets need the reader's login; it goes only to the server it
    // was saved for.
    let login = token_for_link(&link.base, false)?;
    let signed_in = login.is_some();
    let api = Api::new(&link.base, insecure_http)?.with_token(login);
    let (meta, _) = api.metadata(&link.id).map_err(gone_or)?;
    let header = server_header(&meta.envelope_header)?;

    // Everything that can be checked before the view is spent is checked here.
    let key = match (header.needs_link_key(), &link.key) {
        (true, None) if link.recipient_token.is_some() => {
            return Err(Failure::other(
                "this is a link mailed to a recipient (#r=...), but the server says the secret \
                 needs a link key, which mailed links never carry. Refused; no view was used",
            ));
        }
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

    let accessed = api
        .access(&link.id, &keys.verifier(), link.recipient_token.as_deref())
        .map_err(|e| {
            let message = e.message();
            match e.status().map(|s| s.as_u16()) {
                Some(401) if message.starts_with("Authentication required") => Failure::new(
                    Exit::Denied,
                    format!(
                        "{} ({}); no view was used",
                        message.trim_end_matches('.'),
                        if link.recipient_token.is_some() {
                            "the recipient token of this link was not accepted: use the whole \
                         link from your e-mail"
                                .to_string()
                        } else {
                            format!(
                                "only signed-in readers may open it: `zkshare login --server {} \
                             --email ADDRESS`, with the address it was sent to{}",
                                link.base,
                                if signed_in {
                                    "; the saved login was not accepted"
                                } else {
                                    ""
                                }
                            )
                        }
                    ),
                ),
                Some(403) => Failure::new(
                    Exit::Denied,
                    format!(
                        "{} ({}); no view was used",
                        message.trim_end_matches('.'),
                        if link.recipient_token.is_some() {
                            "the recipient token of this link is not one the server sent for it"
                        } else if signed_in {
                            "the login saved for this server is not allowed to open it"
                        } else {
                            "log in with an account that may open it"
                        }
                    ),
                ),
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
    write_secret(&text)?;
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

/// Whether `token` looks like a recipient token: 43 base64url characters (32 bytes).
fn is_recipient_token(token: &str) -> bool {
    token.len() == 43 && token.chars().all(zkshare_format::b64::is_alphabet)
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
