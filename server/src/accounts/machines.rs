//! Machine identities: created by admins, with client secrets shown once, logging in with the reference's Universal Auth shape for bearer access tokens.

use serde::Serialize;
use uuid::Uuid;

use super::limits::Window;
use super::records::{
    AccessTokenRecord, ClientSecret, IdentityEntry, IdentityRecord, OrgRecord, access_token_key,
    identity_key, org_key,
};
use super::secrets::{digest_hex, new_token, same_digest};
use super::sessions::ACCESS_TOKEN_PREFIX;
use super::users::{LOGIN_WINDOW_MS, MAX_ACCOUNT_FAILURES};
use super::{AccountError, Accounts, never};
use crate::clock::format_timestamp;
use crate::policy;
use crate::store::UnixMillis;

/// Most machine identities per organization.
pub const MAX_IDENTITIES: usize = 100;
/// Most live client secrets per identity.
pub const MAX_CLIENT_SECRETS: usize = 10;
/// Prefix of client secrets.
pub const CLIENT_SECRET_PREFIX: &str = "zkcs_";

/// A client secret as listed (never the secret).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientSecretView {
    /// Its id.
    pub id: Uuid,
    /// Its first characters.
    pub hint: String,
    /// Creation time (ISO 8601).
    pub created_at: String,
}

/// A machine identity as listed.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityView {
    /// Its id (`identityId` of the secrets it creates).
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// Its client id (for Universal Auth).
    pub client_id: Uuid,
    /// Its organization.
    pub org_id: Uuid,
    /// Creation time (ISO 8601).
    pub created_at: String,
    /// Its live client secrets.
    pub client_secrets: Vec<ClientSecretView>,
}

/// A new client secret, shown once.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewClientSecret {
    /// The secret's id (for revoking it).
    pub client_secret_id: Uuid,
    /// The secret itself: shown now and never again.
    pub client_secret: String,
}

/// Universal Auth's answer (the reference service's shape).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessToken {
    /// `Authorization: Bearer <accessToken>`.
    pub access_token: String,
    /// Seconds it is valid.
    pub expires_in: u32,
    /// Its longest lifetime (seconds); tokens are not renewed, so the same.
    #[serde(rename = "accessTokenMaxTTL")]
    pub access_token_max_ttl: u32,
    /// Always `Bearer`.
    pub token_type: &'static str,
}

fn view(identity: &IdentityRecord) -> IdentityView {
    IdentityView {
        id: identity.id,
        name: identity.name.clone(),
        client_id: identity.client_id,
        org_id: identity.org,
        created_at: format_timestamp(identity.created_at),
        client_secrets: identity
            .secrets
            .iter()
            .map(|s| ClientSecretView {
                id: s.id,
                hint: s.hint.clone(),
                created_at: format_timestamp(s.created_at),
            })
            .collect(),
    }
}

fn new_secret(now: UnixMillis) -> (ClientSecret, NewClientSecret) {
    let secret = new_token(CLIENT_SECRET_PREFIX);
    let record = ClientSecret {
        id: Uuid::new_v4(),
        digest: digest_hex(&secret),
        hint: secret
            .chars()
            .take(CLIENT_SECRET_PREFIX.len() + 4)
            .collect(),
        created_at: now,
    };
    let shown = NewClientSecret {
        client_secret_id: record.id,
        client_secret: secret,
    };
    (record, shown)
}

impl Accounts {
    /// The identity `id` of `org`, if the caller is its admin.
    async fn identity_as_admin(
        &self,
        org: Uuid,
        admin: Uuid,
        id: Uuid,
        now: UnixMillis,
    ) -> Result<Uuid, AccountError> {
        let record = self.org(org, now).await?;
        policy::authorize_admin(record.as_ref().and_then(|o| o.role_of(admin)))?;
        record
            .and_then(|o| o.identities.into_iter().find(|i| i.id == id))
            .map(|i| i.client_id)
            .ok_or(AccountError::NotFound("No such machine identity"))
    }

    /// Creates a machine identity (admins only), with its first client secret.
    pub async fn create_identity(
        &self,
        org: Uuid,
        admin: Uuid,
        name: &str,
        now: UnixMillis,
    ) -> Result<(IdentityView, NewClientSecret), AccountError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
            return Err(AccountError::Invalid(
                "Identity name must be 1 to 64 characters, without control characters".into(),
            ));
        }
        let (secret, shown) = new_secret(now);
        let identity = IdentityRecord {
            id: Uuid::new_v4(),
            org,
            name: name.to_string(),
            client_id: Uuid::new_v4(),
            created_at: now,
            secrets: vec![secret],
        };
        let entry = IdentityEntry {
            id: identity.id,
            client_id: identity.client_id,
            name: identity.name.clone(),
        };
        // The identity's record first: an identity the organization does not list cannot be
        // reached by its admins, but it can log in only if listed (checked below at login).
        self.kv
            .insert(
                identity_key(identity.client_id),
                super::encode(&identity)?,
                None,
                now,
            )
            .await?;
        let added = self
            .update(&org_key(org), now, never, |o: Option<OrgRecord>| {
                policy::authorize_admin(o.as_ref().and_then(|o| o.role_of(admin)))?;
                let mut o = o.expect("an admin's organization exists");
                if o.identities.len() >= MAX_IDENTITIES {
                    return Err(AccountError::Conflict("Too many machine identities"));
                }
                o.identities.push(entry.clone());
                Ok((Some(o), ()))
            })
            .await;
        if let Err(e) = added {
            self.kv
                .remove(identity_key(identity.client_id), None, now)
                .await?;
            return Err(e);
        }
        Ok((view(&identity), shown))
    }

    /// The organization's machine identities (admins only).
    pub async fn identities(
        &self,
        org: Uuid,
        admin: Uuid,
        now: UnixMillis,
    ) -> Result<Vec<IdentityView>, AccountError> {
        let record = self.org(org, now).await?;
        policy::authorize_admin(record.as_ref().and_then(|o| o.role_of(admin)))?;
        let mut out = Vec::new();
        for entry in record.map(|o| o.identities).unwrap_or_default() {
            if let Some((identity, _)) = self
                .load::<IdentityRecord>(identity_key(entry.client_id), now)
                .await?
            {
                out.push(view(&identity));
            }
        }
        Ok(out)
    }

    /// Adds a client secret (rotation: the old ones keep working until revoked).
    pub async fn add_client_secret(
        &self,
        org: Uuid,
        admin: Uuid,
        id: Uuid,
        now: UnixMillis,
    ) -> Result<NewClientSecret, AccountError> {
        let client_id = self.identity_as_admin(org, admin, id, now).await?;
        let (secret, shown) = new_secret(now);
        self.update(
            &identity_key(client_id),
            now,
            never,
            |i: Option<IdentityRecord>| {
                let mut i = i.ok_or(AccountError::NotFound("No such machine identity"))?;
                if i.secrets.len() >= MAX_CLIENT_SECRETS {
                    return Err(AccountError::Conflict(
                        "Too many client secrets: revoke one first",
                    ));
                }
                i.secrets.push(secret.clone());
                Ok((Some(i), ()))
            },
        )
        .await?;
        Ok(shown)
    }

    /// Revokes a client secret: it and every access token issued for it stop working at once.
    pub async fn revoke_client_secret(
        &self,
        org: Uuid,
        admin: Uuid,
        id: Uuid,
        secret: Uuid,
        now: UnixMillis,
    ) -> Result<(), AccountError> {
        let client_id = self.identity_as_admin(org, admin, id, now).await?;
        self.update(
            &identity_key(client_id),
            now,
            never,
            |i: Option<IdentityRecord>| {
                let mut i = i.ok_or(AccountError::NotFound("No such machine identity"))?;
                let before = i.secrets.len();
                i.secrets.retain(|s| s.id != secret);
                if i.secrets.len() == before {
                    return Err(AccountError::NotFound("No such client secret"));
                }
                Ok((Some(i), ()))
            },
        )
        .await
    }

    /// Deletes a machine identity: its tokens stop working at once.
    pub async fn delete_identity(
        &self,
        org: Uuid,
        admin: Uuid,
        id: Uuid,
        now: UnixMillis,
    ) -> Result<(), AccountError> {
        let client_id = self.identity_as_admin(org, admin, id, now).await?;
        self.kv.remove(identity_key(client_id), None, now).await?;
        self.update(&org_key(org), now, never, |o: Option<OrgRecord>| {
            let Some(mut o) = o else {
                return Ok((None, ()));
            };
            o.identities.retain(|i| i.id != id);
            Ok((Some(o), ()))
        })
        .await
    }

    /// Universal Auth: a client id and secret for an access token. Wrong and unknown client
    /// ids answer alike; failures per client id are limited like logins.
    pub async fn universal_auth_login(
        &self,
        client_id: &str,
        client_secret: &str,
        now: UnixMillis,
    ) -> Result<AccessToken, AccountError> {
        const WRONG: &str = "Invalid credentials";
        let Ok(client_id) = Uuid::parse_str(client_id.trim()) else {
            return Err(AccountError::Unauthorized(WRONG));
        };
        let failures = Window::of("machine", &client_id.to_string(), LOGIN_WINDOW_MS, now);
        if self.count(&failures, now).await? >= MAX_ACCOUNT_FAILURES {
            return Err(failures.refusal("Too many failed logins; try again later", now));
        }
        let presented = digest_hex(client_secret);
        let identity = self
            .load::<IdentityRecord>(identity_key(client_id), now)
            .await?
            .map(|(i, _)| i);
        let secret = identity.as_ref().and_then(|i| {
            i.secrets
                .iter()
                .find(|s| same_digest(&s.digest, &presented))
                .map(|s| s.id)
        });
        let listed = match &identity {
            Some(i) => self
                .org(i.org, now)
                .await?
                .is_some_and(|o| o.identities.iter().any(|e| e.id == i.id)),
            None => false,
        };
        let (Some(_), Some(secret_id), true) = (identity, secret, listed) else {
            self.bump(&failures, now).await?;
            return Err(AccountError::Unauthorized(WRONG));
        };
        let token = new_token(ACCESS_TOKEN_PREFIX);
        let ttl = self.settings.access_token_ttl_secs;
        let expires_at = now + i64::from(ttl) * 1000;
        let record = AccessTokenRecord {
            client_id,
            secret_id,
            expires_at,
        };
        self.kv
            .insert(
                access_token_key(&digest_hex(&token)),
                super::encode(&record)?,
                Some(expires_at),
                now,
            )
            .await?;
        Ok(AccessToken {
            access_token: token,
            expires_in: ttl,
            access_token_max_ttl: ttl,
            token_type: "Bearer",
        })
    }
}
