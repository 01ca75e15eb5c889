//! `zkshare request`: makes a key pair, creates a secret request, prints its answer link and keeps the requester link.

use zeroize::Zeroizing;
use zkshare_crypto::request::{RequestKeys, commitment};

use super::key_file::{self, NewKeyFile};
use super::send::same_origin;
use super::stdio::{note, write_stdout};
use crate::api::{Api, CreateSecretRequest, CreatedSecretRequest, with_context};
use crate::args::RequestArgs;
use crate::error::{Failure, Result};
use crate::link::{self, RequestLinkKind};
use crate::terminal;

/// `zkshare request`.
pub(super) fn run(args: RequestArgs, insecure_http: bool) -> Result<()> {
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
    let token = super::login::token_for(&args.server)?;
    if token.is_none() && args.org_only {
        return Err(super::login::needs_login("--org-only", &args.server));
    }
    let api = Api::new(&args.server, insecure_http)?.with_token(token);
    // A key file named on the command line is made before the request, so that a path that
    // cannot be used costs nothing.
    let early_file = args
        .key_file
        .as_deref()
        .map(NewKeyFile::create)
        .transpose()?;

    let keys = RequestKeys::generate().map_err(|e| Failure::other(e.to_string()))?;
    let public_key = keys.public_key().to_b64();
    let requester_token = keys.requester_token();
    let created = api
        .create_request(&CreateSecretRequest {
            name: args.name.as_deref(),
            expires_in: &args.expires,
            access_type: if args.org_only {
                "organization"
            } else {
                "anyone"
            },
            public_key: &public_key,
            requester_token: &requester_token,
            keep_answer: args.keep,
        })
        .map_err(|e| with_context(e, "the server refused the request"))?;
    // From here on, a failure deletes the request again: without its private key it is no use.
    let undo = |failure: Failure| -> Failure {
        let deleted = link::is_secret_id(&created.id)
            && api.delete_request(&created.id, &requester_token).is_ok();
        Failure::new(
            failure.exit,
            format!(
                "{}. {}",
                failure.message.trim_end_matches('.'),
                if deleted {
                    "The request was deleted again."
                } else {
                    "The request could not be deleted; it expires on its own."
                }
            ),
        )
    };
    let answer_url = checked_links(&args.server, &created, &public_key).map_err(undo)?;

    let answer_link = format!("{answer_url}#{}", commitment(&keys.public_key()));
    let requester_link = Zeroizing::new(format!("{answer_url}/open#{}", keys.to_b64().as_str()));
    let kept = if args.print_requester_link {
        None
    } else {
        let file = match early_file {
            Some(file) => file,
            None => NewKeyFile::create(&key_file::default_path(&created.id)).map_err(undo)?,
        };
        let path = file.path().to_path_buf();
        file.write(&requester_link).map_err(undo)?;
        Some(path)
    };

    write_stdout(format!("{answer_link}\n").as_bytes())?;
    let who = if args.org_only {
        "Members of your organization with this link"
    } else {
        "Anyone with this link"
    };
    note(&format!(
        "Send the link above to the person who has the secret. {who} can answer once, until {}; \
         the answer is encrypted to a key only you hold.",
        created.expires_at
    ));
    match kept {
        Some(path) => note(&format!(
            "Your requester link (the private key that opens the answer) is in {} (mode 0600); \
             keep it safe, it is not stored anywhere else.\n  \
             To read the answer: zkshare receive --key-file {}",
            path.display(),
            path.display()
        )),
        None => note(&format!(
            "Requester link (your private key; shown once, keep it secret):\n  \
             {}\n  \
             To read the answer: zkshare receive REQUESTER-LINK",
            requester_link.as_str()
        )),
    }
    if args.keep {
        note(
            "With --keep the answer stays on the server after it is read, until the request expires.",
        );
    }
    Ok(())
}

/// Checks the server's answer and returns the answer link without its fragment. The links
/// must point at the server the request was made on (a link to another origin would send the
/// answer to a server the requester never chose), and the stored public key must be ours.
fn checked_links(server: &str, created: &CreatedSecretRequest, public_key: &str) -> Result<String> {
    if created.public_key != public_key {
        return Err(Failure::other(
            "the server stored another public key than the one sent; it is refused, since an \
             answer would be encrypted to a key that is not yours.",
        ));
    }
    let answer = link::parse_request(&created.answer_link).ok();
    let requester = link::parse_request(&created.requester_link).ok();
    let plain = |s: &str| s.chars().all(|c| c.is_ascii_graphic());
    let well_formed = plain(&created.answer_link)
        && plain(&created.requester_link)
        && answer.as_ref().is_some_and(|l| {
            l.id == created.id && l.kind == RequestLinkKind::Answer && l.fragment.is_none()
        })
        && requester.as_ref().is_some_and(|l| {
            l.id == created.id && l.kind == RequestLinkKind::Requester && l.fragment.is_none()
        })
        && answer.as_ref().map(|l| &l.base) == requester.as_ref().map(|l| &l.base);
    match answer {
        Some(answer) if well_formed && same_origin(server, &created.answer_link) => {
            Ok(answer.answer_url())
        }
        _ => Err(Failure::other(format!(
            "the server returned the links {:?} and {:?} for request {}, which are not \
             {}/r/ID and {}/r/ID/open on the server given with --server; they are refused (the \
             links must lead back to that server).",
            terminal::escape(&created.answer_link),
            terminal::escape(&created.requester_link),
            terminal::escape(&created.id),
            server.trim_end_matches('/'),
            server.trim_end_matches('/'),
        ))),
    }
}
