//! The storage contract: one object-safe trait per aggregate ([`ShareStore`] for shared secrets), one folder per backend.
//!
//! Every state change of a secret (create, consume a view, count a failed password, delete) is
//! one atomic step inside the backend, so any number of server replicas can share one store.
//! Both backends keep the same packed record ([`record`]) and follow the same state machine
//! ([`rules`]): the embedded store calls it, the Redis scripts implement it in Lua.

pub mod embedded;
pub mod kv;
pub mod record;
pub mod redis;
pub mod rules;

use std::future::Future;
use std::pin::Pin;

/// The name the store's trait had before there were other aggregates.
pub use self::embedded::EmbeddedStore;
pub use self::kv::KvStore;
pub use self::redis::RedisStore;
pub use crate::domain::{AccessType, Owner, Restriction, ViewerClaims};

/// A SHA-256 or Argon2id output: what the store keeps instead of a verifier, password or token.
pub type Digest = [u8; 32];

/// The per-secret salt of a plain (non-verifier) password, hashed server-side with Argon2id.
pub type PasswordSalt = [u8; 16];

/// Unix time in milliseconds. Passed into the store so tests can move the clock.
pub type UnixMillis = i64;

/// The boxed future every store method returns (keeps the trait object-safe).
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// What the store keeps to check a presented password or verifier.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordCheck {
    /// SHA-256 of a verifier, or Argon2id(password, salt) of a plain password.
    pub digest: Digest,
    /// Present only for plain passwords.
    pub salt: Option<PasswordSalt>,
}

/// A secret about to be stored.
#[derive(Clone)]
pub struct NewSecret {
    /// 16 random bytes, base64url (22 characters).
    pub id: String,
    /// The client's ciphertext: `b64(header).b64(body)`.
    pub envelope: String,
    /// The header part of the envelope, kept apart so metadata reads never touch the body.
    pub envelope_header: String,
    /// Optional label chosen by the creator.
    pub name: Option<String>,
    /// Who may view it.
    pub access_type: AccessType,
    /// Creation time.
    pub created_at: UnixMillis,
    /// The secret is deleted at this time.
    pub expires_at: UnixMillis,
    /// Views allowed; `None` = unlimited until expiry.
    pub max_views: Option<u32>,
    /// Present when the secret needs a password or verifier to be viewed.
    pub password: Option<PasswordCheck>,
    /// SHA-256 of the delete token handed to the creator.
    pub delete_token_digest: Digest,
    /// The organization it belongs to and who made it; `None` for an anonymous creator.
    pub owner: Option<Owner>,
    /// The addresses it was sent to, as digests; needs an owner.
    pub recipients: Option<Recipients>,
    /// The creator asked for an e-mail on each view.
    pub notify_on_view: bool,
}

/// What the store keeps of a secret's `authorizedEmails`: digests only, never the addresses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipients {
    /// [`recipient_digest`] of each address, in the order they were given (1 to 100).
    pub emails: Vec<Digest>,
    /// With `allowExternalEmails`: SHA-256 of each recipient's mailed token, in the same order.
    pub tokens: Option<Vec<Digest>>,
}

/// The digest of an address on a secret's `authorizedEmails`: SHA-256 over a label, the
/// secret's id (its salt: the same address gives another digest on every secret) and the
/// normalized address.
pub fn recipient_digest(id: &str, email: &str) -> Digest {
    use sha2::Digest as _;
    let mut h = sha2::Sha256::new();
    h.update(b"zkshare recipient v1\0");
    h.update(id.as_bytes());
    h.update(b"\0");
    h.update(email.as_bytes());
    h.finalize().into()
}

/// Everything about a stored secret except the envelope body and the digests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretMeta {
    /// The secret's id.
    pub id: String,
    /// The envelope's header (base64url).
    pub envelope_header: String,
    /// Optional label.
    pub name: Option<String>,
    /// Who may view it.
    pub access_type: AccessType,
    /// Creation time.
    pub created_at: UnixMillis,
    /// Expiry time.
    pub expires_at: UnixMillis,
    /// Views left; `None` = unlimited.
    pub views_remaining: Option<u32>,
    /// Time of the last successful view.
    pub last_viewed_at: Option<UnixMillis>,
    /// Whether a password or verifier is required.
    pub password_protected: bool,
    /// The Argon2id salt when the secret was protected by a plain password.
    pub password_salt: Option<PasswordSalt>,
    /// The organization it belongs to and who made it; `None` for an anonymous creator.
    pub owner: Option<Owner>,
    /// How many addresses it was sent to (`authorizedEmails`); 0 for none.
    pub recipients: u8,
    /// External recipients (`allowExternalEmails`) may open it with their mailed token.
    pub external_recipients: bool,
    /// The creator asked for an e-mail on each view.
    pub notify_on_view: bool,
}

impl SecretMeta {
    /// The last change visible to clients: the last view, or creation.
    pub fn updated_at(&self) -> UnixMillis {
        self.last_viewed_at.unwrap_or(self.created_at)
    }
}

/// Parameters of one attempt to consume a view.
#[derive(Clone, Debug)]
pub struct ConsumeRequest {
    /// Digest of the presented password or verifier; `None` when none was presented.
    pub digest: Option<Digest>,
    /// The current time.
    pub now: UnixMillis,
    /// Failed attempts after which the secret is destroyed; 0 = never.
    pub max_failures: u32,
    /// What is known of the viewer (made by the policy), compared with the secret's access
    /// type inside the atomic step ([`rules::may_view`]), before any password check or decrement.
    pub viewer: ViewerClaims,
    /// [`recipient_digest`] of the viewer's verified address, for secrets sent to addresses.
    pub email_digest: Option<Digest>,
    /// SHA-256 of the recipient token the viewer presented (from a mailed link), if any.
    pub token_digest: Option<Digest>,
}

/// A successful view.
#[derive(Clone, Debug)]
pub struct GrantedView {
    /// The secret as it is after this view (`views_remaining` decremented, `last_viewed_at` set).
    pub meta: SecretMeta,
    /// Views left before this one; `None` = unlimited.
    pub views_before: Option<u32>,
    /// The envelope.
    pub envelope: String,
}

/// Result of [`ShareStore::consume`]. Every refusal of a live secret carries its metadata as
/// after the step (the access log and read receipts need its owner).
#[derive(Clone, Debug)]
pub enum ConsumeOutcome {
    /// One view was consumed; the secret was deleted if it was the last.
    Granted(GrantedView),
    /// Unknown, expired or used up: deliberately indistinguishable.
    NotFound,
    /// The viewer does not meet the secret's restriction; nothing is changed.
    Restricted {
        /// The rule not met.
        restriction: Restriction,
        /// The secret.
        meta: Box<SecretMeta>,
    },
    /// A password or verifier is needed and none was presented; counted like a wrong one.
    PasswordRequired {
        /// Failures so far, including this one.
        failures: u32,
        /// The failure limit was reached and the secret was deleted.
        destroyed: bool,
        /// The secret.
        meta: Box<SecretMeta>,
    },
    /// The presented digest is wrong; the failure was counted where the secret counts them.
    InvalidCredentials {
        /// Failures so far, including this one; 0 for a secret that counts none
        /// ([`rules::counts_failures`]).
        failures: u32,
        /// The failure limit was reached and the secret was deleted.
        destroyed: bool,
        /// The secret.
        meta: Box<SecretMeta>,
    },
}

impl ConsumeOutcome {
    /// A refused view of a password-protected secret: [`ConsumeOutcome::PasswordRequired`]
    /// when no proof was presented, else [`ConsumeOutcome::InvalidCredentials`].
    pub fn refused(
        proof_presented: bool,
        failures: u32,
        destroyed: bool,
        meta: SecretMeta,
    ) -> Self {
        let meta = Box::new(meta);
        if proof_presented {
            ConsumeOutcome::InvalidCredentials {
                failures,
                destroyed,
                meta,
            }
        } else {
            ConsumeOutcome::PasswordRequired {
                failures,
                destroyed,
                meta,
            }
        }
    }
}

/// Result of [`ShareStore::delete`].
#[derive(Clone, Debug)]
pub enum DeleteOutcome {
    /// Deleted; the secret as it was.
    Deleted(SecretMeta),
    /// Unknown or expired.
    NotFound,
    /// The delete token does not match.
    Forbidden,
}

/// What a delete presents: the delete token handed out at creation, or the creator's identity.
#[derive(Clone, Copy, Debug)]
pub enum DeleteProof {
    /// SHA-256 of the presented delete token.
    Token(Digest),
    /// The caller as an owner (creator and current organization): matches the owner recorded.
    Owner(Owner),
}

/// One page of a creator's secrets, newest first.
#[derive(Clone, Debug, Default)]
pub struct OwnedPage {
    /// The secrets on this page.
    pub secrets: Vec<SecretMeta>,
    /// How many live secrets the creator has in this organization.
    pub total: u64,
}

/// A secret's access log as stored: its owner (who may read it) and its entries, oldest first.
#[derive(Clone, Debug)]
pub struct AccessLog {
    /// The secret's owner.
    pub owner: Owner,
    /// The entries (opaque to the store), oldest first; at most [`MAX_LOG_ENTRIES`].
    pub entries: Vec<Vec<u8>>,
}

/// Most entries an access log keeps (the oldest are dropped first).
pub const MAX_LOG_ENTRIES: usize = 200;

/// Why a store call failed. Never carries request data.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The backend cannot be reached right now (Redis down, timeout); retrying may work.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// A secret with this id already exists.
    #[error("a secret with this id already exists")]
    Conflict,
    /// Corrupt data or a bug.
    #[error("store failure: {0}")]
    Internal(String),
}

/// Storage of shared secrets. Implementations make each method one atomic step.
pub trait ShareStore: Send + Sync + 'static {
    /// For the start line: `embedded at PATH` or `redis at HOST:PORT`.
    fn describe(&self) -> String;

    /// Stores a new secret; [`StoreError::Conflict`] if the id exists.
    fn create(&self, secret: NewSecret) -> StoreFuture<'_, ()>;

    /// Reads the small fields (never the envelope body). `None` if unknown or expired at `now`.
    fn metadata<'a>(&'a self, id: &'a str, now: UnixMillis) -> StoreFuture<'a, Option<SecretMeta>>;

    /// Atomically: existence and expiry, policy, password check (counting failures and
    /// destroying the secret at the limit), decrement, return the envelope, delete at zero.
    fn consume<'a>(
        &'a self,
        id: &'a str,
        request: ConsumeRequest,
    ) -> StoreFuture<'a, ConsumeOutcome>;

    /// Atomically checks the delete token's digest (or that the caller is the owner) and deletes.
    fn delete<'a>(
        &'a self,
        id: &'a str,
        proof: DeleteProof,
        now: UnixMillis,
    ) -> StoreFuture<'a, DeleteOutcome>;

    /// One page of the live secrets `owner` created (that creator in that organization),
    /// newest first. The index behind it holds only secrets that have not expired, and a
    /// secret leaves it when it is deleted (last view, failures, delete).
    fn list_owned(
        &self,
        owner: Owner,
        now: UnixMillis,
        offset: u64,
        limit: u64,
    ) -> StoreFuture<'_, OwnedPage>;

    /// Appends an entry to the access log of an owned secret; the log lives until `expires_at`
    /// (the secret's expiry), after the secret itself is gone.
    fn log_access<'a>(
        &'a self,
        id: &'a str,
        owner: Owner,
        entry: Vec<u8>,
        expires_at: UnixMillis,
    ) -> StoreFuture<'a, ()>;

    /// The access log of a secret, if it has one that has not expired.
    fn access_log<'a>(&'a self, id: &'a str, now: UnixMillis)
    -> StoreFuture<'a, Option<AccessLog>>;

    /// Succeeds when the backend answers.
    fn ping(&self) -> StoreFuture<'_, ()>;
}

/// A backend that stores both secrets and account records (both backends do).
pub trait Backend: ShareStore + KvStore {}

impl<T: ShareStore + KvStore> Backend for T {}
