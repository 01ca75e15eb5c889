//! Credentials for sealing and opening: new and given link keys, passwords, key derivation.

use zkshare_crypto::{
    Credentials, EnvelopeKeys, Header, LinkKey, OpenError, SealError, Sealed, seal_text,
};

use super::stdio::note;
use crate::error::{Exit, Failure, Result};
use crate::password::{Password, PasswordArgs};

/// Seals `text` under a fresh link key (none with `no_key`) and `password`; returns the key.
pub(super) fn seal_with_new_key(
    text: &str,
    no_key: bool,
    password: Option<&str>,
) -> Result<(Option<LinkKey>, Sealed)> {
    let key = if no_key {
        None
    } else {
        Some(LinkKey::try_generate().map_err(seal_failure)?)
    };
    let creds = credentials(key.as_ref(), password)
        .ok_or_else(|| Failure::other("no link key and no password to seal with"))?;
    let sealed = seal_text(text, &creds).map_err(seal_failure)?;
    Ok((key, sealed))
}

/// The credentials for these inputs; `None` when there are neither key nor password.
pub(super) fn credentials<'a>(
    key: Option<&'a LinkKey>,
    password: Option<&'a str>,
) -> Option<Credentials<'a>> {
    match (key, password) {
        (Some(key), None) => Some(Credentials::Key(key)),
        (Some(key), Some(password)) => Some(Credentials::KeyAndPassword(key, password)),
        (None, Some(password)) => Some(Credentials::Password(password)),
        (None, None) => None,
    }
}

/// Runs the key schedule (Argon2id in the password modes) for `header`.
pub(super) fn derive_keys(
    header: &Header,
    key: Option<&LinkKey>,
    password: Option<&Password>,
) -> Result<EnvelopeKeys> {
    let creds = credentials(key, password.map(|p| p.as_str()))
        .ok_or_else(|| Failure::usage("neither a link key nor a password was given"))?;
    EnvelopeKeys::derive(header, &creds).map_err(open_failure)
}

/// The password `header`'s mode needs, or `None`; a password given for a mode without one
/// is ignored with a note.
pub(super) fn opening_password(
    header: &Header,
    args: &PasswordArgs,
    prompt_allowed: bool,
    what: &str,
) -> Result<Option<Password>> {
    if header.needs_password() {
        let why = format!("{what} is protected by a password");
        return args.for_opening(prompt_allowed, &why).map(Some);
    }
    if args.given() {
        note(&format!(
            "note: {what} needs no password; the password option is ignored"
        ));
    }
    Ok(None)
}

/// The `--key` of `open` and `verifier`, as `header`'s mode needs it.
pub(super) fn offline_key(header: &Header, key: Option<&str>) -> Result<Option<LinkKey>> {
    match (header.needs_link_key(), key) {
        (true, None) => Err(Failure::usage(format!(
            "mode {} needs the link key: pass --key K64 (the part of the link after #)",
            header.mode()
        ))),
        (true, Some(k64)) => link_key(k64.trim(), "--key").map(Some),
        // The rule of `get` (PROTOCOL.md §9): a key is never dropped to open a key-less mode.
        (false, Some(_)) => Err(Failure::usage(format!(
            "a link key was given (--key or ZKSHARE_LINK_KEY), but this is mode {}, which does \
             not use one; refusing, since a reader with a key never falls back to a \
             password-only secret. Leave the key out if you expect a password-only secret",
            header.mode()
        ))),
        (false, None) => Ok(None),
    }
}

/// Parses `K64`; `what` names where it came from.
pub(super) fn link_key(k64: &str, what: &str) -> Result<LinkKey> {
    LinkKey::from_b64(k64).map_err(|_| {
        Failure::usage(format!(
            "{what} is damaged: a link key is 43 base64url characters; was the link cut short?"
        ))
    })
}

pub(super) fn seal_failure(e: SealError) -> Failure {
    match e {
        SealError::TooLong | SealError::EmptyPassword => Failure::usage(e.to_string()),
        _ => Failure::other(format!("cannot encrypt: {e}")),
    }
}

pub(super) fn open_failure(e: OpenError) -> Failure {
    Failure::new(Exit::Denied, e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_follow_what_is_present() {
        let key = LinkKey::generate();
        assert!(matches!(
            credentials(Some(&key), None),
            Some(Credentials::Key(_))
        ));
        assert!(matches!(
            credentials(Some(&key), Some("pw")),
            Some(Credentials::KeyAndPassword(..))
        ));
        assert!(matches!(
            credentials(None, Some("pw")),
            Some(Credentials::Password(_))
        ));
        assert!(credentials(None, None).is_none());
    }

    #[test]
    fn damaged_keys_are_usage_errors() {
        let e = link_key("abc", "the link's key").unwrap_err();
        assert_eq!(e.exit, Exit::Usage);
        assert!(link_key(&LinkKey::generate().to_b64(), "k").is_ok());
    }
}
