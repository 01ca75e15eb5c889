//! `zkshare verifier`: derives the access verifier for an envelope header offline.

use zkshare_crypto::Header;

use super::credentials::{derive_keys, offline_key, opening_password};
use super::stdio::write_stdout;
use crate::args::VerifierArgs;
use crate::error::{Failure, Result};

/// `zkshare verifier`.
pub(super) fn run(args: VerifierArgs, prompt_allowed: bool) -> Result<()> {
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
