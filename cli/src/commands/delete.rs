//! `zkshare delete`: deletes a secret with the delete token its sender got.

use zeroize::Zeroizing;

use super::stdio::{MAX_LINK_INPUT_BYTES, link_from, note, read_stdin_text, write_stdout};
use crate::api::{Api, gone_or};
use crate::args::DeleteArgs;
use crate::error::{Exit, Failure, Result};
use crate::terminal;

/// `zkshare delete`.
pub(super) fn run(args: DeleteArgs, insecure_http: bool) -> Result<()> {
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
