//! `zkshare delete`: deletes a secret with the delete token its sender got, or as its logged-in creator.

use zeroize::Zeroizing;

use super::login::{token_for, token_for_link};
use super::stdio::{MAX_LINK_INPUT_BYTES, note, read_stdin_text, secret_from, write_stdout};
use crate::api::{Api, gone_or};
use crate::args::DeleteArgs;
use crate::error::{Exit, Failure, Result};
use crate::terminal;

/// `zkshare delete`.
pub(super) fn run(args: DeleteArgs, insecure_http: bool) -> Result<()> {
    let token_from_stdin = args.token.as_deref() == Some("-");
    let (link, from_link) = secret_from(&args.link, token_from_stdin)?;
    let deleted = match &args.token {
        Some(given) => {
            let token = if token_from_stdin {
                Zeroizing::new(read_stdin_text(MAX_LINK_INPUT_BYTES, "the delete token")?)
            } else {
                Zeroizing::new(given.clone())
            };
            let token = token.trim();
            if token.is_empty() {
                return Err(Failure::usage("the delete token is empty"));
            }
            let api = Api::new(&link.base, insecure_http)?;
            api.delete(&link.id, token)
                .map_err(|e| match e.status().map(|s| s.as_u16()) {
                    Some(401 | 403) => Failure::new(
                        Exit::Denied,
                        format!("the delete token is wrong ({})", e.message()),
                    ),
                    _ => gone_or(e),
                })?
        }
        None => {
            let login = if from_link {
                token_for_link(&link.base, true)?
            } else {
                token_for(&link.base)?
            };
            let Some(login) = login else {
                return Err(Failure::usage(format!(
                    "no delete token: give the token `send` printed (--token, or \
                     ZKSHARE_DELETE_TOKEN), or log in as the secret's creator first \
                     (`zkshare login --server {} --email ADDRESS`)",
                    link.base
                )));
            };
            let api = Api::new(&link.base, insecure_http)?.with_token(Some(login));
            api.delete_as_creator(&link.id)
                .map_err(|e| match e.status().map(|s| s.as_u16()) {
                    Some(401 | 403) => Failure::new(
                        Exit::Denied,
                        format!(
                            "{} (only the secret's creator, logged in, may delete it without \
                             its delete token)",
                            e.message().trim_end_matches('.')
                        ),
                    ),
                    _ => gone_or(e),
                })?
        }
    };
    if args.json {
        return write_stdout(
            format!("{}\n", terminal::escape_json(&deleted.to_string())).as_bytes(),
        );
    }
    note(&format!("Deleted secret {}.", link.id));
    Ok(())
}
