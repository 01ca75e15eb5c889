//! `zkshare send`: seals stdin or a file, creates the secret on the server, prints the link.

use reqwest::Url;
use serde_json::json;
use zeroize::Zeroizing;

use super::credentials::seal_with_new_key;
use super::stdio::{note, read_secret, write_stdout};
use crate::api::{Api, CreateRequest, with_context};
use crate::args::SendArgs;
use crate::error::{Failure, Result};
use crate::link;
use crate::terminal;

/// `zkshare send`.
pub(super) fn run(args: SendArgs, insecure_http: bool) -> Result<()> {
    let by_email = !args.emails.is_empty();
    if by_email && !args.password.given() {
        return Err(Failure::usage(
            "--email needs a password (--password, --password-file or --password-env): the \
             server mails each recipient a link that carries no key, so the secret is sealed \
             with the password alone and the recipients open it with the password, which you \
             give them another way",
        ));
    }
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
    let token = if args.anonymous {
        None
    } else {
        super::login::token_for(&args.server)?
    };
    if token.is_none() && (args.org || by_email || args.notify) {
        let what = if by_email {
            "--email"
        } else if args.org {
            "--org"
        } else {
            "--notify"
        };
        return Err(super::login::needs_login(what, &args.server));
    }
    let api = Api::new(&args.server, insecure_http)?.with_token(token);
    let text = read_secret(args.file.as_deref())?;
    if text.trim().is_empty() {
        return Err(Failure::usage(
            "the secret is empty: pipe it on stdin (printf '%s' SECRET | zkshare send) or use --file",
        ));
    }
    let password = args.password.for_sealing()?;
    // A mailed link carries no key (the server never has one): mode `password`.
    let (key, sealed) = seal_with_new_key(
        &text,
        args.no_key || by_email,
        password.as_deref().map(String::as_str),
    )?;
    drop(text);

    let created = api
        .create(&CreateRequest {
            secret_value: &sealed.envelope,
            password: &sealed.verifier,
            expires_in: &args.expires,
            max_views: args.views.0,
            name: args.name.as_deref(),
            // External recipients open their link without an account: `anyone` with their
            // mailed token; `organization` would turn them away.
            access_type: if args.org {
                Some("organization")
            } else if args.external {
                Some("anyone")
            } else {
                None
            },
            authorized_emails: &args.emails,
            allow_external_emails: args.external,
            notify_on_view: args.notify,
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
    let recipients = created
        .authorized_emails
        .clone()
        .unwrap_or_else(|| args.emails.clone());
    if args.json {
        let mut out = json!({
            "link": link.as_str(),
            "id": created.id,
            "expiresAt": created.expires_at,
            "expiresAfterViews": created.expires_after_views,
            "deleteToken": created.delete_token,
            "statusLink": status_link.as_str(),
        });
        if by_email {
            out["authorizedEmails"] = json!(recipients);
            out["allowExternalEmails"] = json!(args.external);
        }
        return write_stdout(format!("{}\n", terminal::escape_json(&out.to_string())).as_bytes());
    }
    write_stdout(format!("{}\n", link.as_str()).as_bytes())?;
    let views = match created.expires_after_views {
        Some(1) => "once".to_string(),
        Some(n) => format!("{n} times"),
        None => "any number of times".to_string(),
    };
    let who = match (&key, &password) {
        _ if by_email && args.external => {
            "The recipients, each with their own mailed link and the password,"
        }
        _ if by_email => "The recipients, logged in with their address and with the password,",
        (Some(_), None) if args.org => "Members of your organization with the full link",
        (Some(_), Some(_)) if args.org => {
            "Members of your organization with the full link and the password"
        }
        (None, _) if args.org => "Members of your organization with the link and the password",
        (Some(_), None) => "Anyone with the full link",
        (Some(_), Some(_)) => "Whoever has the full link and the password",
        (None, _) => "Whoever has the link and the password",
    };
    if by_email {
        let list: Vec<String> = recipients.iter().map(|r| terminal::escape(r)).collect();
        note(&format!(
            "The server mailed a link to {} ({}). The link carries no key: the recipients \
             need the password, which you give them another way (not by the same e-mail).{}",
            if list.len() == 1 {
                "1 recipient".to_string()
            } else {
                format!("{} recipients", list.len())
            },
            list.join(", "),
            if args.external {
                " Each mailed link is the recipient's own; the link above opens only for \
                 someone logged in with a listed address."
            } else {
                " They open it logged in with that address (`zkshare login`, then `zkshare get`)."
            }
        ));
    }
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

/// Whether two URLs have the same scheme, host and port.
pub(super) fn same_origin(a: &str, b: &str) -> bool {
    match (Url::parse(a), Url::parse(b)) {
        (Ok(a), Ok(b)) => a.origin() == b.origin() && a.origin().is_tuple(),
        _ => false,
    }
}
