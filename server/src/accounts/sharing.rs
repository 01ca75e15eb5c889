//! What the shared-secret use cases ask of accounts: an organization's sharing settings (admins change them), its members' addresses, a creator's address, and sending their mail.

use uuid::Uuid;

use super::records::{OrgRecord, org_key};
use super::{AccountError, Accounts, never};
use crate::mail::Message;
use crate::policy::{self, sharing::SharingSettings};
use crate::store::UnixMillis;

impl Accounts {
    /// The organization, or 404 when it is gone.
    pub async fn org_record(&self, org: Uuid, now: UnixMillis) -> Result<OrgRecord, AccountError> {
        self.org(org, now)
            .await?
            .ok_or(AccountError::NotFound("Organization not found"))
    }

    /// The sharing settings of `org`, for any member (they shape the share form).
    pub async fn sharing_settings(
        &self,
        org: Uuid,
        user: Uuid,
        now: UnixMillis,
    ) -> Result<SharingSettings, AccountError> {
        let record = self.org(org, now).await?;
        match record {
            Some(o) if o.role_of(user).is_some() => Ok(o.sharing),
            _ => Err(policy::Denial::NotMember.into()),
        }
    }

    /// Replaces the sharing settings of `org` (admins only).
    pub async fn set_sharing_settings(
        &self,
        org: Uuid,
        user: Uuid,
        settings: SharingSettings,
        now: UnixMillis,
    ) -> Result<SharingSettings, AccountError> {
        settings.validate().map_err(AccountError::Invalid)?;
        self.update(&org_key(org), now, never, |o: Option<OrgRecord>| {
            let mut o = o.ok_or(AccountError::Denied(policy::Denial::NotMember))?;
            policy::authorize_admin(o.role_of(user))?;
            o.sharing = settings.clone();
            Ok((Some(o), settings.clone()))
        })
        .await
    }

    /// The verified address of a user, if the account still exists.
    pub async fn user_email(
        &self,
        user: Uuid,
        now: UnixMillis,
    ) -> Result<Option<String>, AccountError> {
        Ok(self.user(user, now).await?.map(|u| u.email))
    }

    /// Sends a message through the server's mailer (503 when there is none or it failed).
    pub async fn mail(&self, message: Message) -> Result<(), AccountError> {
        self.send_mail(message).await
    }
}
