//! The access log of an owned secret and its read receipts: each view and refused attempt with time, outcome and who — never secret data.

use serde::{Deserialize, Serialize};

use crate::clock::format_timestamp;
use crate::mail::Message;
use crate::policy::Principal;

/// What happened in one attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A view was consumed.
    Viewed,
    /// The viewer is not allowed (organization or recipients).
    NotAllowed,
    /// No password was given.
    PasswordRequired,
    /// A wrong password was given.
    WrongPassword,
}

/// Who tried.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Viewer {
    /// A signed-in user.
    User {
        /// The user's id.
        id: String,
        /// Their verified address.
        email: String,
    },
    /// A machine identity.
    Identity {
        /// Its id.
        id: String,
    },
    /// An external recipient, by the token of their mailed link.
    Recipient,
    /// Nobody signed in.
    Anonymous,
}

impl Viewer {
    /// The viewer behind `principal`; a granted view by a caller with a recipient token and no
    /// account is an external recipient's.
    pub fn of(principal: &Principal, by_token: bool) -> Viewer {
        match principal {
            Principal::User { user, email, .. } => Viewer::User {
                id: user.to_string(),
                email: email.clone(),
            },
            Principal::Machine { identity, .. } => Viewer::Identity {
                id: identity.to_string(),
            },
            Principal::Anonymous if by_token => Viewer::Recipient,
            Principal::Anonymous => Viewer::Anonymous,
        }
    }

    fn describe(&self) -> String {
        match self {
            Viewer::User { email, .. } => email.clone(),
            Viewer::Identity { id } => format!("machine identity {id}"),
            Viewer::Recipient => "an external recipient (by the link e-mailed to them)".into(),
            Viewer::Anonymous => "someone who was not signed in".into(),
        }
    }
}

/// One entry of an access log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// When (Unix ms).
    pub at: i64,
    /// What happened.
    pub outcome: Outcome,
    /// The secret was deleted by this attempt (its last view, or the failure limit).
    pub burned: bool,
    /// Who.
    pub viewer: Viewer,
}

impl Entry {
    /// The stored bytes.
    pub fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Reads [`Entry::encode`]; `None` for bytes it did not write.
    pub fn decode(bytes: &[u8]) -> Option<Entry> {
        serde_json::from_slice(bytes).ok()
    }
}

/// An entry as the API shows it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryView {
    at: String,
    outcome: Outcome,
    burned: bool,
    viewer: Viewer,
}

impl From<Entry> for EntryView {
    fn from(e: Entry) -> Self {
        EntryView {
            at: format_timestamp(e.at),
            outcome: e.outcome,
            burned: e.burned,
            viewer: e.viewer,
        }
    }
}

/// The read receipt mailed to the creator of a secret with `notifyOnView`: who, when, and
/// whether it is gone. No secret data.
pub fn receipt(
    to: &str,
    name: Option<&str>,
    entry: &Entry,
    views_left: Option<u32>,
    base: &str,
) -> Message {
    let name = name.map(|n| format!(" \"{n}\"")).unwrap_or_default();
    let when = format_timestamp(entry.at);
    let who = entry.viewer.describe();
    let (subject, what) = match entry.outcome {
        Outcome::Viewed if entry.burned => (
            format!("Your secret{name} was viewed for the last time"),
            format!("was viewed by {who} at {when}. That was its last view: it is deleted now."),
        ),
        Outcome::Viewed => (
            format!("Your secret{name} was viewed"),
            format!(
                "was viewed by {who} at {when}. {}",
                match views_left {
                    Some(n) => format!("{n} views are left."),
                    None => "It can be viewed again until it expires.".into(),
                }
            ),
        ),
        _ => (
            format!("Your secret{name} was destroyed"),
            format!(
                "was destroyed at {when} after too many attempts without the right \
                 password (the last by {who}). Nobody can open it now."
            ),
        ),
    };
    Message {
        to: to.to_string(),
        subject,
        text: format!(
            "Your shared secret{name} {what}\n\n\
             Its access log is on your shares page: {base}/shares\n"
        ),
    }
}
