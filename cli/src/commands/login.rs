//! `zkshare login` and `zkshare logout`: a bearer token for a user (e-mail and password) or a machine identity (client id and secret), saved per server.

use std::time::{SystemTime, UNIX_EPOCH};

use super::stdio::note;
use crate::api::{Api, with_context};
use crate::args::{LoginArgs, LogoutArgs};
use crate::error::{Failure, Result};
use crate::login_store::{self, SavedLogin};
use crate::password::Password;

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The client secret: from `--client-secret -` (stdin), the environment
/// (`ZKSHARE_CLIENT_SECRET`), or the argument.
fn client_secret(value: &str) -> Result<Password> {
    if value == "-" {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map_err(|e| {
            Failure::usage(format!("cannot read the client secret from stdin: {e}"))
        })?;
        let secret = line.trim().to_string();
        if secret.is_empty() {
            return Err(Failure::usage("the client secret on stdin is empty"));
        }
        return Ok(Password::new(secret));
    }
    Ok(Password::new(value.to_string()))
}

/// `zkshare login`.
pub(super) fn run(args: LoginArgs, prompt_allowed: bool, insecure_http: bool) -> Result<()> {
    let api = Api::new(&args.server, insecure_http)?;
    let (kind, who, answer) = match (&args.client_id, &args.email) {
        (Some(client_id), None) => {
            let value = args.client_secret.as_deref().ok_or_else(|| {
                Failure::usage(
                    "a machine identity logs in with --client-id and --client-secret \
                     (or ZKSHARE_CLIENT_SECRET; '-' reads it from stdin)",
                )
            })?;
            let secret = client_secret(value)?;
            let answer = api
                .machine_login(client_id, &secret)
                .map_err(|e| with_context(e, "the server refused the login"))?;
            ("machine", client_id.clone(), answer)
        }
        (None, Some(email)) => {
            let password = args
                .password
                .for_opening(prompt_allowed, "the account password is needed")?;
            let answer = api
                .user_login(email, &password)
                .map_err(|e| with_context(e, "the server refused the login"))?;
            ("user", email.clone(), answer)
        }
        _ => {
            return Err(Failure::usage(
                "log in with --email (and a password) or with --client-id and --client-secret",
            ));
        }
    };
    let path = login_store::save(
        &args.server,
        SavedLogin {
            kind: kind.to_string(),
            token: answer.access_token,
            expires_at: now_secs() + answer.expires_in,
            who: who.clone(),
        },
    )?;
    note(&format!(
        "logged in to {} as {who}; the token is saved in {} (valid for {} s). \
         `zkshare send` to this server now creates secrets as {who}.",
        args.server.trim_end_matches('/'),
        path.display(),
        answer.expires_in
    ));
    Ok(())
}

/// `zkshare logout`: the server ends the session, and the saved token is removed.
pub(super) fn logout(args: LogoutArgs, insecure_http: bool) -> Result<()> {
    let Some(saved) = login_store::remove(&args.server)? else {
        note(&format!(
            "not logged in to {}",
            args.server.trim_end_matches('/')
        ));
        return Ok(());
    };
    // A machine identity's token simply expires; a user's session is ended on the server.
    if saved.kind == "user" {
        let api = Api::new(&args.server, insecure_http)?;
        if let Err(e) = api.logout(&saved.token) {
            note(&format!(
                "the saved token is removed, but the server could not be told: {}",
                e.message()
            ));
            return Ok(());
        }
    }
    note(&format!(
        "logged out of {} ({})",
        args.server.trim_end_matches('/'),
        saved.who
    ));
    Ok(())
}

/// `ZKSHARE_TOKEN`, when set and not blank.
fn env_token() -> Option<String> {
    std::env::var("ZKSHARE_TOKEN")
        .ok()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
}

/// The refusal of an expired saved login.
fn expired(server: &str, saved: &SavedLogin) -> Failure {
    Failure::new(
        crate::error::Exit::Denied,
        format!(
            "the saved login for {} ({}) has expired: run `zkshare login` again, \
             `zkshare logout` to go on without it, or pass --anonymous to `send`",
            server.trim_end_matches('/'),
            saved.who
        ),
    )
}

/// The token for `server` as given with `--server` (`send`, `list`, and `delete`/`log` given
/// an id): `ZKSHARE_TOKEN`, else a saved login that has not expired; `None` when anonymous.
pub(super) fn token_for(server: &str) -> Result<Option<String>> {
    if let Some(token) = env_token() {
        return Ok(Some(token));
    }
    match login_store::load(server)? {
        Some(saved) if saved.expires_at > now_secs() => Ok(Some(saved.token)),
        Some(saved) => Err(expired(server, &saved)),
        None => Ok(None),
    }
}

/// The token for a server named by a link (`get`, and `delete`/`log` given a link): a saved
/// login for exactly that server; `ZKSHARE_TOKEN` only when `ZKSHARE_SERVER` names that same
/// server, since a link may come from anyone and must not collect a token meant for another
/// server. An expired saved login is an error when `required`, else left out with a note.
pub(super) fn token_for_link(base: &str, required: bool) -> Result<Option<String>> {
    let env_names_it = std::env::var("ZKSHARE_SERVER")
        .is_ok_and(|s| login_store::server_key(&s) == login_store::server_key(base));
    if env_names_it && let Some(token) = env_token() {
        return Ok(Some(token));
    }
    match login_store::load(base)? {
        Some(saved) if saved.expires_at > now_secs() => Ok(Some(saved.token)),
        Some(saved) if required => Err(expired(base, &saved)),
        Some(saved) => {
            note(&format!(
                "note: {}; going on without it",
                expired(base, &saved).message
            ));
            Ok(None)
        }
        None => Ok(None),
    }
}

/// The error for a command that needs a login to `server` and has none.
pub(super) fn needs_login(what: &str, server: &str) -> Failure {
    Failure::usage(format!(
        "{what} needs a login: run `zkshare login --server {} --email ADDRESS` first \
         (or set ZKSHARE_TOKEN)",
        server.trim_end_matches('/')
    ))
}
