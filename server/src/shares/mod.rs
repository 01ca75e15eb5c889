//! The shared-secret use cases: create, read metadata, view (consume) and delete, each one function over a store.

pub mod id;
pub mod password;
pub mod validate;

use crate::clock::now_millis;
use crate::metrics::{METRICS, Refusal};
use crate::policy::{self, Denial, Principal};
use crate::store::{
    ConsumeOutcome, ConsumeRequest, DeleteOutcome, GrantedView, NewSecret, SecretMeta, ShareStore,
    StoreError,
};

use self::password::{password_check, plain_proof, sha256};
use self::validate::CreateSecretRequest;

/// Why a use case did not go through.
#[derive(Debug)]
pub enum ShareError {
    /// The policy refused the caller.
    Denied(Denial),
    /// The request is malformed.
    Invalid(validate::Invalid),
    /// Unknown, expired or used up: one answer for all.
    NotFound,
    /// The secret needs a password and none was presented.
    PasswordRequired,
    /// The presented password or verifier is wrong.
    InvalidCredentials {
        /// Attempts left before the secret is destroyed, where failures are counted.
        attempts_left: Option<u32>,
    },
    /// The delete token does not match.
    WrongDeleteToken,
    /// The store failed.
    Store(StoreError),
    /// A bug or a failed computation; the cause is for the log.
    Internal(String),
}

impl From<StoreError> for ShareError {
    fn from(e: StoreError) -> Self {
        ShareError::Store(e)
    }
}

impl From<Denial> for ShareError {
    fn from(d: Denial) -> Self {
        ShareError::Denied(d)
    }
}

/// A created secret and the token that deletes it.
pub struct Created {
    /// The secret as stored.
    pub meta: SecretMeta,
    /// The delete token, shown to the creator once.
    pub delete_token: String,
}

/// Creates a secret: the policy first (it needs only the access type and whether e-mails were
/// named, so a caller who may not restrict a secret gets no work spent on a long list), then
/// validation, the password's digest, and one store call.
pub async fn create(
    store: &dyn ShareStore,
    principal: &Principal,
    request: CreateSecretRequest,
) -> Result<Created, ShareError> {
    let access_type = request
        .access_type
        .unwrap_or_else(|| policy::default_access_type(principal));
    let names_emails = request
        .authorized_emails
        .as_ref()
        .is_some_and(|list| !list.is_empty());
    policy::authorize_create(principal, access_type, names_emails)?;
    let valid = validate::create(request).map_err(ShareError::Invalid)?;
    let password = match valid.password {
        Some(pw) => Some(password_check(pw).await?),
        None => None,
    };
    let now = now_millis();
    let (id, delete_token) = id::mint();
    let secret = NewSecret {
        id: id.clone(),
        envelope: valid.envelope,
        envelope_header: valid.envelope_header,
        name: valid.name,
        access_type,
        created_at: now,
        expires_at: now + valid.lifetime_ms,
        max_views: valid.max_views,
        password,
        delete_token_digest: sha256(delete_token.as_bytes()),
        owner: policy::owner(principal),
    };
    let meta = SecretMeta {
        id,
        envelope_header: secret.envelope_header.clone(),
        name: secret.name.clone(),
        access_type,
        created_at: now,
        expires_at: secret.expires_at,
        views_remaining: secret.max_views,
        last_viewed_at: None,
        password_protected: secret.password.is_some(),
        password_salt: None,
        owner: secret.owner,
    };
    store.create(secret).await?;
    METRICS.secret_created();
    Ok(Created { meta, delete_token })
}

/// Lists the caller's secrets: there are no accounts yet, so the policy refuses every caller.
pub fn list(principal: &Principal) -> Result<(), ShareError> {
    policy::authorize_list(principal)?;
    Ok(())
}

/// A secret's metadata; never consumes a view.
pub async fn metadata(store: &dyn ShareStore, id: &str) -> Result<SecretMeta, ShareError> {
    store
        .metadata(id, now_millis())
        .await?
        .ok_or(ShareError::NotFound)
}

/// Whether a reader must type a password: the envelope's mode says so (`key+password` or
/// `password`), or a non-zkshare client set a plain password. A verifier alone is no password:
/// zkshare clients send one for every secret, and in mode `key` the link alone derives it.
pub fn needs_password(meta: &SecretMeta) -> bool {
    let mode = zkshare_format::b64::decode(&meta.envelope_header)
        .ok()
        .and_then(|header| header.get(1).copied())
        .and_then(zkshare_format::Mode::from_byte);
    mode.is_some_and(zkshare_format::Mode::needs_password) || meta.password_salt.is_some()
}

/// Consumes one view, atomically in the store, with the viewer's claims and the digest of the
/// presented password or verifier.
pub async fn view(
    store: &dyn ShareStore,
    principal: &Principal,
    id: &str,
    password: Option<String>,
    max_failures: u32,
) -> Result<GrantedView, ShareError> {
    let digest = match password.filter(|p| !p.is_empty()) {
        None => None,
        Some(pw) if validate::is_verifier(&pw) => Some(sha256(pw.as_bytes())),
        Some(pw) => {
            // A plain password: its Argon2id salt is per secret, so read it first.
            let meta = store
                .metadata(id, now_millis())
                .await?
                .ok_or(ShareError::NotFound)?;
            Some(plain_proof(pw, meta.password_salt).await?)
        }
    };
    let request = ConsumeRequest {
        digest,
        // Now, not earlier: an Argon2id computation may have waited for its turn.
        now: now_millis(),
        max_failures,
        viewer: policy::viewer_claims(principal),
    };
    match store.consume(id, request).await? {
        ConsumeOutcome::Granted(view) => {
            METRICS.view_granted();
            Ok(view)
        }
        ConsumeOutcome::NotFound => {
            METRICS.view_refused(Refusal::NotFound);
            Err(ShareError::NotFound)
        }
        ConsumeOutcome::Restricted(access_type) => {
            METRICS.view_refused(Refusal::Restricted);
            Err(policy::view_denied(principal, access_type).into())
        }
        ConsumeOutcome::PasswordRequired { destroyed, .. } => {
            METRICS.view_refused(Refusal::PasswordRequired);
            if destroyed {
                tracing::info!("secret destroyed after too many attempts without a password");
            }
            Err(ShareError::PasswordRequired)
        }
        ConsumeOutcome::InvalidCredentials {
            destroyed,
            failures,
        } => {
            METRICS.view_refused(Refusal::InvalidCredentials);
            if destroyed {
                tracing::info!("secret destroyed after too many wrong passwords");
            }
            // The reader may count down: "2 attempts left before the secret is destroyed". Only
            // where failures are counted: a counted failure makes `failures` at least 1, and a
            // key-mode secret, which no number of failures destroys, reports 0.
            let attempts_left =
                (failures > 0 && max_failures > 0).then(|| max_failures.saturating_sub(failures));
            Err(ShareError::InvalidCredentials { attempts_left })
        }
    }
}

/// Deletes a secret with its delete token.
pub async fn delete(
    store: &dyn ShareStore,
    id: &str,
    delete_token: &[u8],
) -> Result<SecretMeta, ShareError> {
    match store.delete(id, sha256(delete_token), now_millis()).await? {
        DeleteOutcome::Deleted(meta) => Ok(meta),
        DeleteOutcome::NotFound => Err(ShareError::NotFound),
        DeleteOutcome::Forbidden => Err(ShareError::WrongDeleteToken),
    }
}
