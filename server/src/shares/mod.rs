//! The shared-secret use cases: create, read metadata, view (consume) and delete, each one function over a store.

pub mod id;
pub mod log;
pub mod password;
pub mod recipients;
pub mod validate;

use crate::accounts::{AccountError, Accounts};
use crate::clock::now_millis;
use crate::domain::Creator;
use crate::metrics::{METRICS, Refusal};
use crate::policy::sharing::{self, Proposed};
use crate::policy::{self, Denial, Principal};
use crate::store::{
    AccessLog, ConsumeOutcome, ConsumeRequest, DeleteOutcome, DeleteProof, GrantedView, NewSecret,
    OwnedPage, SecretMeta, ShareStore, StoreError, recipient_digest,
};

use self::log::{Entry, Outcome, Viewer};
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
    /// The delete token does not match (or the caller is not the creator).
    WrongDeleteToken,
    /// An anonymous caller sent no delete token.
    DeleteTokenRequired,
    /// An account step failed (the organization's settings, sending mail).
    Account(AccountError),
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

impl From<AccountError> for ShareError {
    fn from(e: AccountError) -> Self {
        ShareError::Account(e)
    }
}

/// What the use cases need besides the principal: the store, the account service (settings,
/// addresses, mail) and the server's public address (for links in mails).
pub struct Sharing<'a> {
    /// The secrets.
    pub store: &'a dyn crate::store::ShareStore,
    /// Accounts and organizations.
    pub accounts: &'a Accounts,
    /// The public base URL, without a trailing `/`.
    pub base: String,
}

fn invalid(field: &'static str, message: &str) -> ShareError {
    ShareError::Invalid(validate::Invalid::single(field, message))
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
/// validation, the organization's settings, the recipients, the password's digest, one store
/// call, and the recipients' mails (if one cannot be sent, the secret is deleted again and the
/// caller told).
pub async fn create(
    ctx: &Sharing<'_>,
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
    let owner = policy::owner(principal);
    let emails = valid.authorized_emails;
    let external = valid.allow_external_emails;
    if !emails.is_empty() && owner.is_none() {
        return Err(Denial::RestrictedCreateNeedsOrganization.into());
    }
    let mode = envelope_mode(&valid.envelope_header);
    let has_password = valid.password.is_some()
        && (mode.is_some_and(zkshare_format::Mode::needs_password)
            || !validate::is_verifier(valid.password.as_deref().unwrap_or("")));
    let now = now_millis();
    let org = match owner {
        Some(o) => Some(ctx.accounts.org_record(o.org, now).await?),
        None => None,
    };
    if let Some(org) = &org {
        let proposed = Proposed {
            access_type,
            external,
            lifetime_ms: valid.lifetime_ms,
            max_views: valid.max_views,
            has_password,
        };
        if let Some(message) = sharing::violation(&org.sharing, &proposed) {
            return Err(ShareError::Invalid(validate::Invalid::single(
                "organization",
                message,
            )));
        }
    }
    if !emails.is_empty() {
        if valid.password.is_none() {
            return Err(invalid("password", recipients::NEEDS_PASSWORD));
        }
        if mode != Some(zkshare_format::Mode::Password) {
            return Err(invalid("secretValue", recipients::NEEDS_PASSWORD_MODE));
        }
        if !external && let Some(org) = &org {
            let outside = recipients::outsiders(org, &emails);
            if !outside.is_empty() {
                let details = serde_json::json!([{
                    "path": ["authorizedEmails"],
                    "message": recipients::NOT_MEMBERS,
                    "emails": outside,
                }]);
                return Err(ShareError::Invalid(validate::Invalid {
                    message: recipients::NOT_MEMBERS.into(),
                    details,
                }));
            }
        }
        if !ctx.accounts.can_send_mail() {
            return Err(AccountError::MailUnavailable.into());
        }
    }
    match principal {
        _ if !valid.notify_on_view => {}
        Principal::Anonymous => return Err(Denial::ReceiptsNeedAccount.into()),
        Principal::Machine { .. } => {
            return Err(invalid("notifyOnView", recipients::NOTIFY_NEEDS_USER));
        }
        Principal::User { org: None, .. } => {
            return Err(invalid(
                "notifyOnView",
                recipients::NOTIFY_NEEDS_ORGANIZATION,
            ));
        }
        Principal::User { .. } => {}
    }
    let password = match valid.password {
        Some(pw) => Some(password_check(pw).await?),
        None => None,
    };
    let now = now_millis();
    let (id, delete_token) = id::mint();
    let addressed = (!emails.is_empty()).then(|| recipients::address(&id, emails, external));
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
        owner,
        recipients: addressed.as_ref().map(|a| a.recipients.clone()),
        notify_on_view: valid.notify_on_view,
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
        recipients: addressed.as_ref().map_or(0, |a| a.mails.len() as u8),
        external_recipients: external && addressed.is_some(),
        notify_on_view: secret.notify_on_view,
    };
    store_and_mail(ctx, principal, secret, addressed, &org).await?;
    METRICS.secret_created();
    Ok(Created { meta, delete_token })
}

/// Stores the secret, then mails its recipients; a mail that cannot be sent deletes the secret.
async fn store_and_mail(
    ctx: &Sharing<'_>,
    principal: &Principal,
    secret: NewSecret,
    addressed: Option<recipients::Addressed>,
    org: &Option<crate::accounts::records::OrgRecord>,
) -> Result<(), ShareError> {
    let (id, name, expires_at, max_views, owner) = (
        secret.id.clone(),
        secret.name.clone(),
        secret.expires_at,
        secret.max_views,
        secret.owner,
    );
    ctx.store.create(secret).await?;
    let Some(addressed) = addressed else {
        return Ok(());
    };
    let sender = match principal {
        Principal::User { email, .. } => email.clone(),
        _ => format!(
            "An automated sender of {}",
            org.as_ref().map_or("an organization", |o| o.name.as_str())
        ),
    };
    let shared = recipients::Shared {
        sender: &sender,
        name: name.as_deref(),
        id: &id,
        expires_at,
        max_views,
        base: &ctx.base,
    };
    for (to, token) in &addressed.mails {
        let message = recipients::mail(to, token.as_deref(), &shared);
        if let Err(e) = ctx.accounts.mail(message).await {
            if let Some(owner) = owner {
                let _ = ctx
                    .store
                    .delete(&id, DeleteProof::Owner(owner), now_millis())
                    .await;
            }
            return Err(match e {
                AccountError::Invalid(_) => invalid(
                    "authorizedEmails",
                    &format!("{to} cannot receive mail; the secret was not kept"),
                ),
                e => e.into(),
            });
        }
    }
    Ok(())
}

/// One page of the caller's own secrets in their current organization, newest first. A user
/// in no organization has none (their secrets are anonymous).
pub async fn list(
    store: &dyn ShareStore,
    principal: &Principal,
    offset: u64,
    limit: u64,
) -> Result<OwnedPage, ShareError> {
    policy::authorize_list(principal)?;
    match policy::owner(principal) {
        Some(owner) => Ok(store.list_owned(owner, now_millis(), offset, limit).await?),
        None => Ok(OwnedPage::default()),
    }
}

/// The access log of a secret, for its creator: entries oldest first. A live secret of the
/// caller's that nobody tried yet has an empty log.
pub async fn access_log(
    store: &dyn ShareStore,
    principal: &Principal,
    id: &str,
) -> Result<Vec<Entry>, ShareError> {
    let now = now_millis();
    let log = match store.access_log(id, now).await? {
        Some(log) => log,
        None => {
            let meta = store.metadata(id, now).await?.ok_or(ShareError::NotFound)?;
            AccessLog {
                owner: meta.owner.ok_or(Denial::NotCreator)?,
                entries: Vec::new(),
            }
        }
    };
    policy::authorize_creator(principal, Some(log.owner))?;
    Ok(log
        .entries
        .iter()
        .filter_map(|e| Entry::decode(e))
        .collect())
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
    envelope_mode(&meta.envelope_header).is_some_and(zkshare_format::Mode::needs_password)
        || meta.password_salt.is_some()
}

/// The mode of an envelope from its header part (base64url); `None` if it names none.
fn envelope_mode(header_b64: &str) -> Option<zkshare_format::Mode> {
    zkshare_format::b64::decode(header_b64)
        .ok()
        .and_then(|header| header.get(1).copied())
        .and_then(zkshare_format::Mode::from_byte)
}

/// Consumes one view, atomically in the store, with the viewer's claims, the digest of the
/// presented password or verifier and of a recipient token; then writes the access log of an
/// owned secret and sends its read receipt.
pub async fn view(
    ctx: &Sharing<'_>,
    principal: &Principal,
    id: &str,
    password: Option<String>,
    recipient_token: Option<String>,
    max_failures: u32,
) -> Result<GrantedView, ShareError> {
    let store = ctx.store;
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
    let viewer = policy::viewer_claims(principal);
    let email_digest = viewer
        .verified_email
        .as_deref()
        .map(|email| recipient_digest(id, email));
    let token_digest = recipient_token
        .filter(|t| !t.is_empty())
        .map(|t| sha256(t.as_bytes()));
    let by_token = token_digest.is_some();
    let request = ConsumeRequest {
        digest,
        // Now, not earlier: an Argon2id computation may have waited for its turn.
        now: now_millis(),
        max_failures,
        viewer,
        email_digest,
        token_digest,
    };
    let now = request.now;
    let outcome = store.consume(id, request).await?;
    record_attempt(ctx, principal, id, &outcome, by_token, now).await;
    match outcome {
        ConsumeOutcome::Granted(view) => {
            METRICS.view_granted();
            Ok(view)
        }
        ConsumeOutcome::NotFound => {
            METRICS.view_refused(Refusal::NotFound);
            Err(ShareError::NotFound)
        }
        ConsumeOutcome::Restricted { restriction, .. } => {
            METRICS.view_refused(Refusal::Restricted);
            Err(policy::view_denied(principal, restriction).into())
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
            ..
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

/// Writes the access log entry of an attempt on an owned secret and, for a secret with
/// `notifyOnView`, mails the creator when it was viewed or destroyed. Neither may fail the view:
/// a failure is logged (without request data) and dropped; the mail goes out in the background.
async fn record_attempt(
    ctx: &Sharing<'_>,
    principal: &Principal,
    id: &str,
    outcome: &ConsumeOutcome,
    by_token: bool,
    now: i64,
) {
    let (meta, result, burned) = match outcome {
        ConsumeOutcome::NotFound => return,
        ConsumeOutcome::Granted(view) => (
            &view.meta,
            Outcome::Viewed,
            view.meta.views_remaining == Some(0),
        ),
        ConsumeOutcome::Restricted { meta, .. } => (meta.as_ref(), Outcome::NotAllowed, false),
        ConsumeOutcome::PasswordRequired {
            meta, destroyed, ..
        } => (meta.as_ref(), Outcome::PasswordRequired, *destroyed),
        ConsumeOutcome::InvalidCredentials {
            meta, destroyed, ..
        } => (meta.as_ref(), Outcome::WrongPassword, *destroyed),
    };
    let Some(owner) = meta.owner else {
        return;
    };
    let granted = result == Outcome::Viewed;
    let entry = Entry {
        at: now,
        outcome: result,
        burned,
        viewer: Viewer::of(principal, by_token && granted),
    };
    if let Err(e) = ctx
        .store
        .log_access(id, owner, entry.encode(), meta.expires_at)
        .await
    {
        tracing::warn!(error = %e, "writing an access log entry failed");
    }
    let (Creator::User(creator), true) =
        (owner.creator, meta.notify_on_view && (granted || burned))
    else {
        return;
    };
    let accounts = ctx.accounts.clone();
    let base = ctx.base.clone();
    let name = meta.name.clone();
    let views_left = meta.views_remaining;
    tokio::spawn(async move {
        let to = match accounts.user_email(creator, now_millis()).await {
            Ok(Some(to)) => to,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(error = ?e, "reading a creator's address for a read receipt failed");
                return;
            }
        };
        let message = log::receipt(&to, name.as_deref(), &entry, views_left, &base);
        if let Err(e) = accounts.mail(message).await {
            tracing::warn!(error = ?e, "sending a read receipt failed");
        }
    });
}

/// Deletes a secret with its delete token, or as its creator (no token needed).
pub async fn delete(
    store: &dyn ShareStore,
    principal: &Principal,
    id: &str,
    delete_token: Option<&[u8]>,
) -> Result<SecretMeta, ShareError> {
    let proof = match delete_token {
        Some(token) => DeleteProof::Token(sha256(token)),
        None => match policy::owner(principal) {
            Some(owner) => DeleteProof::Owner(owner),
            None if *principal == Principal::Anonymous => {
                return Err(ShareError::DeleteTokenRequired);
            }
            None => return Err(Denial::NotCreator.into()),
        },
    };
    match store.delete(id, proof, now_millis()).await? {
        DeleteOutcome::Deleted(meta) => Ok(meta),
        DeleteOutcome::NotFound => Err(ShareError::NotFound),
        DeleteOutcome::Forbidden => Err(ShareError::WrongDeleteToken),
    }
}
