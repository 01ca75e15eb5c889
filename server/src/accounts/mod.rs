//! The account use cases: users, sessions, organizations, invitations and machine identities, over the account records of a [`KvStore`].
//!
//! Everything here proves *who* a caller is, so that the server may refuse; nothing here can
//! decrypt a secret. Account passwords are hashed with Argon2id and never stored or logged;
//! session tokens, access tokens, client secrets, invitation and reset tokens and e-mailed
//! codes are random, handed out once, and stored only as SHA-256 digests.
//!
//! Layout: [`records`] (what is stored under which key), [`email`] (address rules),
//! [`secrets`] (tokens, digests, Argon2id), [`limits`] (counters of failures and mails), [`users`] (sign-up, verification, login, password
//! change and reset, deletion), [`sessions`] (cookie and bearer sessions, the principal),
//! [`orgs`] (organizations, members, roles, invitations), [`machines`] (machine identities and
//! their Universal Auth login), [`messages`] (the e-mails sent).

pub mod email;
pub mod limits;
pub mod machines;
pub mod messages;
pub mod orgs;
pub mod records;
pub mod secrets;
pub mod sessions;
pub mod sharing;
pub mod users;

use std::sync::Arc;

use serde::{Serialize, de::DeserializeOwned};

use crate::mail::{Mailer, Message};
use crate::policy::Denial;
use crate::store::{KvStore, StoreError, UnixMillis};

/// Who may create an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Signups {
    /// Anyone with an e-mail address.
    #[default]
    Open,
    /// Only people holding an invitation to an organization, with the invited address.
    InviteOnly,
    /// Nobody; existing accounts keep working.
    Closed,
}

/// Lifetimes and rules of the account features, from the configuration.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Who may sign up.
    pub signups: Signups,
    /// A session unused this long ends (ms).
    pub session_idle_ms: i64,
    /// A session ends this long after sign-in, used or not (ms).
    pub session_absolute_ms: i64,
    /// Lifetime of a machine identity's access token (seconds).
    pub access_token_ttl_secs: u32,
    /// The server's public base URL, for links in e-mails (no trailing slash).
    pub public_base: String,
}

/// Why an account use case did not go through. Messages are for the API's error body and
/// never carry a password, token or code.
#[derive(Debug)]
pub enum AccountError {
    /// The policy refused the caller.
    Denied(Denial),
    /// Malformed input (400).
    Invalid(String),
    /// Wrong or expired credentials (401).
    Unauthorized(&'static str),
    /// Not allowed (403).
    Forbidden(&'static str),
    /// No such thing, or not visible to the caller (404).
    NotFound(&'static str),
    /// The request contradicts the current state (409).
    Conflict(&'static str),
    /// Too many attempts; retry after this many seconds (429).
    TooMany {
        /// The message.
        message: &'static str,
        /// Seconds until the window ends.
        retry_after_secs: u64,
    },
    /// The server sends no e-mail, and this needs one (503).
    MailUnavailable,
    /// The store failed.
    Store(StoreError),
    /// A bug or a failed computation; the cause is for the log.
    Internal(String),
}

impl From<StoreError> for AccountError {
    fn from(e: StoreError) -> Self {
        AccountError::Store(e)
    }
}

impl From<Denial> for AccountError {
    fn from(d: Denial) -> Self {
        AccountError::Denied(d)
    }
}

/// The account service: the store, the mailer and the settings.
#[derive(Clone)]
pub struct Accounts {
    kv: Arc<dyn KvStore>,
    mailer: Option<Arc<Mailer>>,
    settings: Arc<Settings>,
}

/// How many times a compare-and-swap update is retried before giving up (concurrent changes
/// of one organization are rare; each retry reads the record again).
const CAS_RETRIES: usize = 16;

impl Accounts {
    /// The service over `kv`, sending mail through `mailer` when there is one.
    pub fn new(kv: Arc<dyn KvStore>, mailer: Option<Arc<Mailer>>, settings: Settings) -> Self {
        Self {
            kv,
            mailer,
            settings: Arc::new(settings),
        }
    }

    /// Whether mail can be sent at all (sign-up, invitations and resets need it).
    pub fn can_send_mail(&self) -> bool {
        self.mailer.is_some()
    }

    async fn send_mail(&self, message: Message) -> Result<(), AccountError> {
        let mailer = self.mailer.as_ref().ok_or(AccountError::MailUnavailable)?;
        mailer.send(&message).await.map_err(|e| match e {
            crate::mail::MailError::InvalidRecipient => {
                AccountError::Invalid("This e-mail address cannot receive mail".into())
            }
            e => {
                // The error names the relay's answer kind, never the recipient.
                tracing::warn!(error = %e, "sending an account e-mail failed");
                AccountError::MailUnavailable
            }
        })
    }

    async fn load<T: DeserializeOwned>(
        &self,
        key: String,
        now: UnixMillis,
    ) -> Result<Option<(T, Vec<u8>)>, AccountError> {
        match self.kv.get(key, now).await? {
            None => Ok(None),
            Some(bytes) => Ok(Some((decode(&bytes)?, bytes))),
        }
    }

    /// Read-modify-write of one record with compare-and-swap: `change` gets the current value
    /// (or `None`) and returns the new one (`None`: delete) and a result; retried on races.
    /// `expiry` gives the stored value's expiry (`None`: never).
    async fn update<T, R>(
        &self,
        key: &str,
        now: UnixMillis,
        expiry: fn(&T) -> Option<UnixMillis>,
        mut change: impl FnMut(Option<T>) -> Result<(Option<T>, R), AccountError>,
    ) -> Result<R, AccountError>
    where
        T: Serialize + DeserializeOwned,
    {
        for _ in 0..CAS_RETRIES {
            let current = self.load::<T>(key.to_string(), now).await?;
            let (old_bytes, old) = match current {
                Some((value, bytes)) => (Some(bytes), Some(value)),
                None => (None, None),
            };
            let (new, result) = change(old)?;
            let expires_at = new.as_ref().and_then(expiry);
            let done = match (old_bytes, new) {
                (None, None) => true,
                (None, Some(new)) => {
                    self.kv
                        .insert(key.to_string(), encode(&new)?, expires_at, now)
                        .await?
                }
                (Some(old), Some(new)) => {
                    self.kv
                        .replace(key.to_string(), old, encode(&new)?, expires_at, now)
                        .await?
                }
                (Some(old), None) => self.kv.remove(key.to_string(), Some(old), now).await?,
            };
            if done {
                return Ok(result);
            }
        }
        Err(AccountError::Store(StoreError::Unavailable(
            "too many concurrent changes of one record".into(),
        )))
    }
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, AccountError> {
    serde_json::to_vec(value).map_err(|e| AccountError::Internal(format!("encode record: {e}")))
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AccountError> {
    serde_json::from_slice(bytes)
        .map_err(|e| AccountError::Store(StoreError::Internal(format!("corrupt record: {e}"))))
}

/// The expiry of records that never expire (for [`Accounts::update`]).
fn never<T>(_: &T) -> Option<UnixMillis> {
    None
}
