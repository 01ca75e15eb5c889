//! Secrets sent to e-mail addresses: the rules a recipient list must meet, the digests the store keeps instead of the addresses, and the mails (a keyless link, never a key).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::password::sha256;
use crate::accounts::records::OrgRecord;
use crate::clock::format_timestamp;
use crate::mail::Message;
use crate::random::random_bytes;
use crate::store::{Digest, Recipients, recipient_digest};

/// Said when e-mails would be sent for a secret without a password.
pub const NEEDS_PASSWORD: &str = "A password is required to share a secret by email: \
     the emailed link carries no key, so recipients open it with the password";
/// Said when e-mails would be sent for a secret that is not sealed in password mode.
pub const NEEDS_PASSWORD_MODE: &str = "Secrets shared by email must be sealed in password mode \
     (docs/PROTOCOL.md): the server never has the link key, so the emailed link carries none";
/// Said when an address is not a member's and external recipients are not allowed.
pub const NOT_MEMBERS: &str = "Every email must belong to a member of your organization \
     unless allowExternalEmails is set";
/// Said when a machine identity asks for read receipts.
pub const NOTIFY_NEEDS_USER: &str =
    "notifyOnView needs a signed-in user: a machine identity has no mailbox";
/// Said when a user in no organization asks for read receipts (their secrets have no owner).
pub const NOTIFY_NEEDS_ORGANIZATION: &str =
    "notifyOnView needs a current organization: create or join one first";
/// The prefix of a recipient token in a link's fragment (`#r=<token>`); never a link key.
pub const TOKEN_FRAGMENT: &str = "r=";

/// The addresses of `emails` that are no member's verified address in `org`.
pub fn outsiders<'a>(org: &OrgRecord, emails: &'a [String]) -> Vec<&'a str> {
    emails
        .iter()
        .filter(|e| !org.has_member_email(e))
        .map(String::as_str)
        .collect()
}

/// What is stored and what is mailed for one secret's recipients.
pub struct Addressed {
    /// The digests the store keeps.
    pub recipients: Recipients,
    /// Each address with its token (external recipients) for its mail.
    pub mails: Vec<(String, Option<String>)>,
}

/// Digests of `emails` salted with the secret's `id`, and with `external` a random token per
/// recipient (stored as its SHA-256; only the mail carries it).
pub fn address(id: &str, emails: Vec<String>, external: bool) -> Addressed {
    let digests: Vec<Digest> = emails.iter().map(|e| recipient_digest(id, e)).collect();
    let tokens: Option<Vec<String>> = external.then(|| {
        emails
            .iter()
            .map(|_| URL_SAFE_NO_PAD.encode(random_bytes::<32>()))
            .collect()
    });
    let token_digests = tokens
        .as_ref()
        .map(|t| t.iter().map(|t| sha256(t.as_bytes())).collect());
    let mails = match tokens {
        Some(tokens) => emails
            .into_iter()
            .zip(tokens.into_iter().map(Some))
            .collect(),
        None => emails.into_iter().map(|e| (e, None)).collect(),
    };
    Addressed {
        recipients: Recipients {
            emails: digests,
            tokens: token_digests,
        },
        mails,
    }
}

/// What a recipient's mail says about the secret.
pub struct Shared<'a> {
    /// Who shared it: the creator's address, or a description of a machine identity.
    pub sender: &'a str,
    /// Its name, if any (the reference's mail shows it too).
    pub name: Option<&'a str>,
    /// Its id.
    pub id: &'a str,
    /// When it expires.
    pub expires_at: i64,
    /// Its view limit.
    pub max_views: Option<u32>,
    /// The server's public address.
    pub base: &'a str,
}

/// The mail to one recipient: a keyless link (with the recipient's token in its fragment for
/// external recipients), who shared it, its name, expiry and views, and that it needs the
/// password. No key, no password, no ciphertext.
pub fn mail(to: &str, token: Option<&str>, shared: &Shared<'_>) -> Message {
    let link = match token {
        Some(token) => format!("{}/s/{}#{TOKEN_FRAGMENT}{token}", shared.base, shared.id),
        None => format!("{}/s/{}", shared.base, shared.id),
    };
    let name = shared.name.map(|n| format!(" \"{n}\"")).unwrap_or_default();
    let views = match shared.max_views {
        Some(1) => "It can be viewed once.".to_string(),
        Some(n) => format!("It can be viewed {n} times."),
        None => "It can be viewed any number of times until then.".to_string(),
    };
    let how = if token.is_some() {
        "Open the link and enter the password."
    } else {
        "Open the link, sign in with this address, and enter the password."
    };
    Message {
        to: to.to_string(),
        subject: "A secret has been shared with you".into(),
        text: format!(
            "{sender} shared a secret{name} with you on zkshare.\n\n\
             View Secret: {link}\n\n\
             {how} The password is not in this e-mail: ask {sender} for it through another \
             channel. The secret is encrypted end to end; this e-mail holds neither the secret \
             nor a key to it.\n\n\
             It expires on {expires}. {views}\n",
            sender = shared.sender,
            expires = format_timestamp(shared.expires_at),
        ),
    }
}
