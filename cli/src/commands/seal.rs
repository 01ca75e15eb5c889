//! `zkshare seal`: seals stdin offline and prints the envelope, verifier and link key as JSON.

use serde_json::json;
use zkshare_crypto::LinkKey;

use super::credentials::seal_with_new_key;
use super::stdio::{read_secret, write_stdout};
use crate::args::SealArgs;
use crate::error::{Failure, Result};

/// `zkshare seal`.
pub(super) fn run(args: SealArgs) -> Result<()> {
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
