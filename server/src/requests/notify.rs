//! The requester's "Secret Request Completed" mail: which request was answered and the keyless link to open it; never the answer, a key or a token.

use crate::accounts::Accounts;
use crate::clock::now_millis;
use crate::domain::Creator;
use crate::mail::Message;

use super::record::RequestRecord;

/// The subject of the mail (the reference's).
pub const SUBJECT: &str = "Secret Request Completed";

/// The mail to `to` saying that request `id` (named `name`) was answered. The link carries no
/// fragment: the requester's key stays where it is (their link or their browser).
pub fn message(to: &str, name: Option<&str>, id: &str, base: &str) -> Message {
    let what = match name {
        Some(name) => format!("Your secret request \"{name}\""),
        None => "Your secret request".to_string(),
    };
    Message {
        to: to.to_string(),
        subject: SUBJECT.into(),
        text: format!(
            "{what} has been answered.\n\n\
             Open it with the link you kept when you made the request, or here (you will need \
             the key on your requester link, or to be signed in where you made it):\n\
             {base}/r/{id}/open\n\n\
             The answer is encrypted to your key: this server cannot read it, and this mail \
             does not carry it.\n"
        ),
    }
}

/// Mails the requester of a just-answered request, in the background, if they are a user
/// whose account still has an address. Machine identities and anonymous requesters get none;
/// a failure is logged (without the address or any request data) and dropped.
pub fn answered(accounts: &Accounts, base: &str, record: &RequestRecord) {
    let Some(Creator::User(user)) = record.owner().map(|o| o.creator) else {
        return;
    };
    let accounts = accounts.clone();
    let base = base.to_string();
    let (name, id) = (record.name.clone(), record.id.clone());
    tokio::spawn(async move {
        let to = match accounts.user_email(user, now_millis()).await {
            Ok(Some(to)) => to,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(error = ?e, "reading a requester's address failed");
                return;
            }
        };
        if let Err(e) = accounts
            .mail(message(&to, name.as_deref(), &id, &base))
            .await
        {
            tracing::warn!(error = ?e, "sending a secret request's completion mail failed");
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mail_links_without_a_fragment() {
        let m = message("a@example.com", Some("db"), "abc", "https://z.test");
        assert_eq!(m.subject, SUBJECT);
        assert!(m.text.contains("https://z.test/r/abc/open\n"));
        assert!(!m.text.contains('#'));
        assert!(m.text.contains("\"db\""));
    }
}
