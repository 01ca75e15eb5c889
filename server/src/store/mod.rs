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
pub use crate::domain::{AccessType, Owner, ViewerClaims};

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

/// Result of [`ShareStore::consume`].
#[derive(Clone, Debug)]
pub enum ConsumeOutcome {
    /// One view was consumed; the secret was deleted if it was the last.
    Granted(GrantedView),
    /// Unknown, expired or used up: deliberately indistinguishable.
    NotFound,
    /// The access type needs a viewer the policy did not allow.
    Restricted(AccessType),
    /// A password or verifier is needed and none was presented; counted like a wrong one.
    PasswordRequired {
        /// Failures so far, including this one.
        failures: u32,
        /// The failure limit was reached and the secret was deleted.
        destroyed: bool,
    },
    /// The presented digest is wrong; the failure was counted where the secret counts them.
    InvalidCredentials {
        /// Failures so far, including this one; 0 for a secret that counts none
        /// ([`rules::counts_failures`]).
        failures: u32,
        /// The failure limit was reached and the secret was deleted.
        destroyed: bool,
    },
}

impl ConsumeOutcome {
    /// A refused view of a password-protected secret: [`ConsumeOutcome::PasswordRequired`]
    /// when no proof was presented, else [`ConsumeOutcome::InvalidCredentials`].
    pub fn refused(proof_presented: bool, failures: u32, destroyed: bool) -> Self {
        if proof_presented {
            ConsumeOutcome::InvalidCredentials {
                failures,
                destroyed,
            }
        } else {
            ConsumeOutcome::PasswordRequired {
                failures,
                destroyed,
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

    /// Atomically checks the delete-token digest and deletes.
    fn delete<'a>(
        &'a self,
        id: &'a str,
        token_digest: Digest,
        now: UnixMillis,
    ) -> StoreFuture<'a, DeleteOutcome>;

    /// Succeeds when the backend answers.
    fn ping(&self) -> StoreFuture<'_, ()>;
}

/// A backend that stores both secrets and account records (both backends do).
pub trait Backend: ShareStore + KvStore {}

impl<T: ShareStore + KvStore> Backend for T {}
