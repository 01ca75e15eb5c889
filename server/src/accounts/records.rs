//! What the account features store, under which key: one JSON record per user, session, organization, invitation, identity and token.
//!
//! | key | record | expiry |
//! | --- | --- | --- |
//! | `user:<id>` | [`UserRecord`] | none |
//! | `email:<sha256 of the address>` | the user's id (claims a verified address once) | none |
//! | `signup:<sha256 of the address>` | [`PendingSignup`] | 15 minutes |
//! | `session:<sha256 of the token>` | [`SessionRecord`] | idle, capped by absolute |
//! | `org:<id>` | [`OrgRecord`] (members, open invitations, identities) | none |
//! | `invite:<sha256 of the token>` | [`InviteRecord`] | 7 days |
//! | `reset:<sha256 of the token>` | [`ResetRecord`] | 30 minutes |
//! | `identity:<client id>` | [`IdentityRecord`] | none |
//! | `mtoken:<sha256 of the token>` | [`AccessTokenRecord`] | token lifetime |
//! | `fail:<kind>:<subject>` | a counter of failed logins | its window |
//!
//! Every step reads or changes one key. An organization's record is the authority on
//! membership (a user's list of organizations is an index that is filtered through it), so a
//! member removed from it loses access with the next request.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::policy::Role;
use crate::policy::sharing::SharingSettings;
use crate::store::UnixMillis;

/// The key of a user.
pub fn user_key(id: Uuid) -> String {
    format!("user:{id}")
}

/// The key that claims a verified address for one user.
pub fn email_key(address_digest: &str) -> String {
    format!("email:{address_digest}")
}

/// The key of a sign-up waiting for its code.
pub fn signup_key(address_digest: &str) -> String {
    format!("signup:{address_digest}")
}

/// The key of a session, by its token's digest.
pub fn session_key(token_digest: &str) -> String {
    format!("session:{token_digest}")
}

/// The key of an organization.
pub fn org_key(id: Uuid) -> String {
    format!("org:{id}")
}

/// The key of an invitation, by its token's digest.
pub fn invite_key(token_digest: &str) -> String {
    format!("invite:{token_digest}")
}

/// The key of a password reset, by its token's digest.
pub fn reset_key(token_digest: &str) -> String {
    format!("reset:{token_digest}")
}

/// The key of a machine identity, by its client id.
pub fn identity_key(client_id: Uuid) -> String {
    format!("identity:{client_id}")
}

/// The key of a machine identity's access token, by its digest.
pub fn access_token_key(token_digest: &str) -> String {
    format!("mtoken:{token_digest}")
}

/// The key of a failed-login counter (`kind`: `account`, `client` or `machine`).
pub fn failure_key(kind: &str, subject: &str) -> String {
    format!("fail:{kind}:{subject}")
}

/// A verified account.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct UserRecord {
    /// The user's id.
    pub id: Uuid,
    /// The verified address, normalized.
    pub email: String,
    /// Argon2id PHC string of the account password.
    pub password_hash: String,
    /// Creation time.
    pub created_at: UnixMillis,
    /// Sessions made before the last change of this number are void ("log out everywhere",
    /// password change and reset).
    pub session_epoch: u32,
    /// The organizations the user joined (an index: each organization's record decides).
    pub orgs: Vec<Uuid>,
}

/// A sign-up whose address is not yet proved.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct PendingSignup {
    /// The address, normalized.
    pub email: String,
    /// Argon2id PHC string of the chosen password.
    pub password_hash: String,
    /// SHA-256 (hex) of the address and the e-mailed code.
    pub code_digest: String,
    /// Wrong codes so far.
    pub attempts: u32,
    /// Expiry (also the key's; checked here too, by the server's clock).
    pub expires_at: UnixMillis,
}

/// A signed-in session (browser cookie or a bearer token from `zkshare login`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct SessionRecord {
    /// Whose session.
    pub user: Uuid,
    /// The user's session epoch when it was made.
    pub epoch: u32,
    /// Sign-in time (the absolute lifetime counts from here).
    pub created_at: UnixMillis,
    /// Last use, to the minute (the idle lifetime counts from here).
    pub last_seen_at: UnixMillis,
    /// The organization the user acts in, if any.
    pub current_org: Option<Uuid>,
}

/// A member of an organization.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Member {
    /// The user.
    pub user: Uuid,
    /// Their verified address (for the member list).
    pub email: String,
    /// Their role.
    pub role: Role,
    /// When they joined.
    pub joined_at: UnixMillis,
}

/// An invitation not yet accepted, as the organization lists it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct PendingInvite {
    /// The invitation's id (for revoking it).
    pub id: Uuid,
    /// SHA-256 (hex) of its token: the key of its [`InviteRecord`].
    pub token_digest: String,
    /// The invited address.
    pub email: String,
    /// The role on acceptance.
    pub role: Role,
    /// Expiry.
    pub expires_at: UnixMillis,
}

/// A machine identity, as the organization lists it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct IdentityEntry {
    /// The identity's id.
    pub id: Uuid,
    /// Its client id (the key of its [`IdentityRecord`]).
    pub client_id: Uuid,
    /// Its name.
    pub name: String,
}

/// An organization.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct OrgRecord {
    /// Its id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// Creation time.
    pub created_at: UnixMillis,
    /// Its members: the authority on membership and roles.
    pub members: Vec<Member>,
    /// Open invitations (expired ones are dropped when the record changes).
    pub invites: Vec<PendingInvite>,
    /// Its machine identities.
    pub identities: Vec<IdentityEntry>,
    /// What its admins decided about shared secrets (the defaults for older records).
    #[serde(default)]
    pub sharing: SharingSettings,
}

impl OrgRecord {
    /// Whether `email` (normalized) is the verified address of a member.
    pub fn has_member_email(&self, email: &str) -> bool {
        self.members.iter().any(|m| m.email == email)
    }

    /// The role of `user`, if a member.
    pub fn role_of(&self, user: Uuid) -> Option<Role> {
        self.members.iter().find(|m| m.user == user).map(|m| m.role)
    }

    /// How many admins it has.
    pub fn admins(&self) -> usize {
        self.members
            .iter()
            .filter(|m| m.role == Role::Admin)
            .count()
    }
}

/// An invitation, under its token's digest.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct InviteRecord {
    /// The invitation's id (as listed in [`OrgRecord::invites`]).
    pub id: Uuid,
    /// The organization.
    pub org: Uuid,
    /// The invited address, normalized: only a user verified with it may accept.
    pub email: String,
    /// The role on acceptance.
    pub role: Role,
    /// Who invited.
    pub invited_by: Uuid,
    /// Expiry.
    pub expires_at: UnixMillis,
}

/// A password reset, under its token's digest.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ResetRecord {
    /// Whose password.
    pub user: Uuid,
    /// The user's session epoch when asked: a reset dies with any later password change.
    pub epoch: u32,
    /// Expiry (also the key's; checked here too, by the server's clock).
    pub expires_at: UnixMillis,
}

/// One client secret of a machine identity.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ClientSecret {
    /// Its id (for revoking it).
    pub id: Uuid,
    /// SHA-256 (hex) of the secret.
    pub digest: String,
    /// Its first characters, to tell secrets apart in a list.
    pub hint: String,
    /// Creation time.
    pub created_at: UnixMillis,
}

/// A machine identity, under its client id.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct IdentityRecord {
    /// Its id (what secrets it creates record as `identityId`).
    pub id: Uuid,
    /// Its organization.
    pub org: Uuid,
    /// Its name.
    pub name: String,
    /// Its client id.
    pub client_id: Uuid,
    /// Creation time.
    pub created_at: UnixMillis,
    /// Live client secrets (rotation adds one; revocation removes one).
    pub secrets: Vec<ClientSecret>,
}

/// An access token issued to a machine identity.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccessTokenRecord {
    /// The identity's client id.
    pub client_id: Uuid,
    /// The client secret it was issued for: revoking that secret voids the token.
    pub secret_id: Uuid,
    /// Expiry (also the key's; checked here too, by the server's clock).
    pub expires_at: UnixMillis,
}
