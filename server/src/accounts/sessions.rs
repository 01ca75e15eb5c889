//! Sessions: made at sign-in, kept as a digest with an idle and an absolute lifetime, and turned into the request's principal.

use serde::Serialize;
use uuid::Uuid;

use super::records::{
    AccessTokenRecord, IdentityRecord, OrgRecord, SessionRecord, UserRecord, access_token_key,
    identity_key, org_key, session_key, user_key,
};
use super::secrets::{digest_hex, new_token};
use super::{AccountError, Accounts};
use crate::policy::{Membership, Principal, Role};
use crate::store::UnixMillis;

/// Prefix of session tokens (cookie value, or the bearer token of `zkshare login`).
pub const SESSION_PREFIX: &str = "zks_";
/// Prefix of machine identities' access tokens.
pub const ACCESS_TOKEN_PREFIX: &str = "zkm_";

/// A session's last use is written at most this often.
const TOUCH_EVERY_MS: i64 = 60_000;

/// A new session: its token (shown once: in a cookie or to the CLI) and who it is for.
pub struct SignedIn {
    /// The token.
    pub token: String,
    /// Seconds until the session ends at the latest.
    pub max_age_secs: i64,
    /// The user.
    pub user: UserRecord,
    /// The organization the session acts in.
    pub current_org: Option<Uuid>,
}

/// Why a presented credential gave no principal.
#[derive(Debug)]
pub enum Rejected {
    /// Unknown, expired, revoked or malformed.
    Invalid,
    /// The organization asked for (header) is not one of the caller's.
    NotMember,
    /// The store failed.
    Failed(AccountError),
}

/// An organization as its member sees it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrgSummary {
    /// Its id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// The member's role.
    pub role: Role,
}

/// The signed-in user, their organizations and the current one (`GET /auth/me`).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    /// The user's id.
    pub id: Uuid,
    /// The verified address.
    pub email: String,
    /// Creation time (ISO 8601).
    pub created_at: String,
    /// The organizations the user is a member of.
    pub organizations: Vec<OrgSummary>,
    /// The organization the session acts in.
    pub current_organization_id: Option<Uuid>,
}

/// The session ends at the first of: `idle` after its last use, `absolute` after sign-in.
fn session_expiry(s: &SessionRecord, idle: i64, absolute: i64) -> UnixMillis {
    (s.last_seen_at + idle).min(s.created_at + absolute)
}

impl Accounts {
    /// Starts a session for `user`, acting in `org`.
    pub(super) async fn start_session(
        &self,
        user: &UserRecord,
        org: Option<Uuid>,
        now: UnixMillis,
    ) -> Result<SignedIn, AccountError> {
        let token = new_token(SESSION_PREFIX);
        let record = SessionRecord {
            user: user.id,
            epoch: user.session_epoch,
            created_at: now,
            last_seen_at: now,
            current_org: org,
        };
        let expires_at = session_expiry(
            &record,
            self.settings.session_idle_ms,
            self.settings.session_absolute_ms,
        );
        self.kv
            .insert(
                session_key(&digest_hex(&token)),
                super::encode(&record)?,
                Some(expires_at),
                now,
            )
            .await?;
        Ok(SignedIn {
            token,
            max_age_secs: self.settings.session_absolute_ms / 1000,
            user: user.clone(),
            current_org: org,
        })
    }

    /// Ends one session (logout). Unknown tokens are ignored.
    pub async fn end_session(&self, token: &str, now: UnixMillis) -> Result<(), AccountError> {
        self.kv
            .remove(session_key(&digest_hex(token)), None, now)
            .await?;
        Ok(())
    }

    /// The live session of `token` and its user; extends the idle lifetime.
    async fn live_session(
        &self,
        token: &str,
        now: UnixMillis,
    ) -> Result<Option<(SessionRecord, UserRecord)>, AccountError> {
        if !token.starts_with(SESSION_PREFIX) || token.len() > 64 {
            return Ok(None);
        }
        let key = session_key(&digest_hex(token));
        let Some((session, bytes)) = self.load::<SessionRecord>(key.clone(), now).await? else {
            return Ok(None);
        };
        let (idle, absolute) = (
            self.settings.session_idle_ms,
            self.settings.session_absolute_ms,
        );
        if session_expiry(&session, idle, absolute) <= now {
            return Ok(None);
        }
        let Some((user, _)) = self.load::<UserRecord>(user_key(session.user), now).await? else {
            return Ok(None);
        };
        if user.session_epoch != session.epoch {
            return Ok(None);
        }
        if now - session.last_seen_at >= TOUCH_EVERY_MS {
            let mut touched = session.clone();
            touched.last_seen_at = now;
            let expires_at = session_expiry(&touched, idle, absolute);
            // A lost race only means another request touched it first.
            self.kv
                .replace(key, bytes, super::encode(&touched)?, Some(expires_at), now)
                .await?;
        }
        Ok(Some((session, user)))
    }

    /// The organization record, if it exists.
    pub async fn org(&self, id: Uuid, now: UnixMillis) -> Result<Option<OrgRecord>, AccountError> {
        Ok(self.load(org_key(id), now).await?.map(|(o, _)| o))
    }

    /// The principal of a session token; `wanted_org` (the request's organization header)
    /// overrides the session's current organization and must be one of the user's.
    pub async fn principal_for_session(
        &self,
        token: &str,
        wanted_org: Option<Uuid>,
        now: UnixMillis,
    ) -> Result<Principal, Rejected> {
        let (session, user) = self
            .live_session(token, now)
            .await
            .map_err(Rejected::Failed)?
            .ok_or(Rejected::Invalid)?;
        let org = match wanted_org.or(session.current_org) {
            None => None,
            Some(org_id) => {
                let role = self
                    .org(org_id, now)
                    .await
                    .map_err(Rejected::Failed)?
                    .and_then(|org| org.role_of(user.id));
                match role {
                    Some(role) => Some(Membership { org: org_id, role }),
                    // Removed since: the session acts in no organization from now on.
                    None if wanted_org.is_none() => None,
                    None => return Err(Rejected::NotMember),
                }
            }
        };
        Ok(Principal::User {
            user: user.id,
            email: user.email,
            org,
        })
    }

    /// The principal of a machine identity's access token: valid while the token lives, the
    /// identity exists, and the client secret it was issued for is not revoked.
    pub async fn principal_for_access_token(
        &self,
        token: &str,
        now: UnixMillis,
    ) -> Result<Principal, Rejected> {
        if !token.starts_with(ACCESS_TOKEN_PREFIX) || token.len() > 64 {
            return Err(Rejected::Invalid);
        }
        let (issued, _) = self
            .load::<AccessTokenRecord>(access_token_key(&digest_hex(token)), now)
            .await
            .map_err(Rejected::Failed)?
            .ok_or(Rejected::Invalid)?;
        if issued.expires_at <= now {
            return Err(Rejected::Invalid);
        }
        let (identity, _) = self
            .load::<IdentityRecord>(identity_key(issued.client_id), now)
            .await
            .map_err(Rejected::Failed)?
            .ok_or(Rejected::Invalid)?;
        if !identity.secrets.iter().any(|s| s.id == issued.secret_id) {
            return Err(Rejected::Invalid);
        }
        Ok(Principal::Machine {
            identity: identity.id,
            org: identity.org,
        })
    }

    /// Chooses the organization a session acts in (`None`: none); the user must be a member.
    pub async fn set_current_org(
        &self,
        token: &str,
        user: Uuid,
        org: Option<Uuid>,
        now: UnixMillis,
    ) -> Result<(), AccountError> {
        if let Some(org_id) = org {
            let member = self
                .org(org_id, now)
                .await?
                .is_some_and(|o| o.role_of(user).is_some());
            if !member {
                return Err(AccountError::Forbidden(
                    "You are not a member of this organization",
                ));
            }
        }
        let key = session_key(&digest_hex(token));
        let (idle, absolute) = (
            self.settings.session_idle_ms,
            self.settings.session_absolute_ms,
        );
        for _ in 0..super::CAS_RETRIES {
            let Some((mut session, bytes)) = self.load::<SessionRecord>(key.clone(), now).await?
            else {
                return Err(AccountError::Unauthorized("Authentication required"));
            };
            session.current_org = org;
            let expires_at = session_expiry(&session, idle, absolute);
            if self
                .kv
                .replace(
                    key.clone(),
                    bytes,
                    super::encode(&session)?,
                    Some(expires_at),
                    now,
                )
                .await?
            {
                return Ok(());
            }
        }
        Err(AccountError::Internal("session kept changing".into()))
    }

    /// The user's profile: their organizations (as each organization's record has them) and
    /// the current one.
    pub async fn profile(
        &self,
        user_id: Uuid,
        current: Option<Uuid>,
        now: UnixMillis,
    ) -> Result<Profile, AccountError> {
        let user = self
            .user(user_id, now)
            .await?
            .ok_or(AccountError::Unauthorized("Authentication required"))?;
        let mut organizations = Vec::new();
        for id in &user.orgs {
            if let Some(org) = self.org(*id, now).await?
                && let Some(role) = org.role_of(user.id)
            {
                organizations.push(OrgSummary {
                    id: org.id,
                    name: org.name,
                    role,
                });
            }
        }
        Ok(Profile {
            id: user.id,
            email: user.email,
            created_at: crate::clock::format_timestamp(user.created_at),
            organizations,
            current_organization_id: current,
        })
    }
}
