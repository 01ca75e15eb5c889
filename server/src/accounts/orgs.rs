//! Organizations: creation, members and roles, invitations by e-mail and their acceptance.

use serde::Serialize;
use uuid::Uuid;

use super::email::normalize;
use super::records::{
    InviteRecord, Member, OrgRecord, PendingInvite, UserRecord, invite_key, org_key, user_key,
};
use super::secrets::{digest_hex, new_token};
use super::{AccountError, Accounts, messages, never};
use crate::clock::format_timestamp;
use crate::policy::{self, Role};
use crate::store::UnixMillis;

/// An invitation lives this long.
pub const INVITE_TTL_MS: i64 = 7 * 24 * 3_600_000;
/// Most members of one organization.
pub const MAX_MEMBERS: usize = 1_000;
/// Most open invitations of one organization.
pub const MAX_OPEN_INVITES: usize = 200;
/// Longest organization name (characters).
pub const MAX_ORG_NAME_CHARS: usize = 64;

const LAST_ADMIN: &str = "An organization needs an admin: make another member admin first";

/// A member as the member list shows it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberView {
    /// The user's id.
    pub user_id: Uuid,
    /// Their verified address.
    pub email: String,
    /// Their role.
    pub role: Role,
    /// When they joined (ISO 8601).
    pub joined_at: String,
}

/// An open invitation as the organization lists it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InviteView {
    /// Its id.
    pub id: Uuid,
    /// The invited address.
    pub email: String,
    /// The role on acceptance.
    pub role: Role,
    /// Expiry (ISO 8601).
    pub expires_at: String,
}

/// What the invitation page shows before it is accepted.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InvitationView {
    /// The organization's id.
    pub organization_id: Uuid,
    /// Its name.
    pub organization_name: String,
    /// The invited address (only a user verified with it may accept).
    pub email: String,
    /// The role on acceptance.
    pub role: Role,
    /// Expiry (ISO 8601).
    pub expires_at: String,
}

impl From<&Member> for MemberView {
    fn from(m: &Member) -> Self {
        MemberView {
            user_id: m.user,
            email: m.email.clone(),
            role: m.role,
            joined_at: format_timestamp(m.joined_at),
        }
    }
}

fn org_name(name: &str) -> Result<String, AccountError> {
    let name = name.trim();
    let chars = name.chars().count();
    if chars == 0 || chars > MAX_ORG_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(AccountError::Invalid(format!(
            "Organization name must be 1 to {MAX_ORG_NAME_CHARS} characters, without control characters"
        )));
    }
    Ok(name.to_string())
}

impl Accounts {
    /// The caller's role in `org` (`None`: not a member, or no such organization).
    pub async fn role_in(
        &self,
        org: Uuid,
        user: Uuid,
        now: UnixMillis,
    ) -> Result<Option<Role>, AccountError> {
        Ok(self.org(org, now).await?.and_then(|o| o.role_of(user)))
    }

    /// The organization, if `user` is its admin (403 otherwise).
    async fn org_as_admin(
        &self,
        org: Uuid,
        user: Uuid,
        now: UnixMillis,
    ) -> Result<OrgRecord, AccountError> {
        let record = self.org(org, now).await?;
        policy::authorize_admin(record.as_ref().and_then(|o| o.role_of(user)))?;
        record.ok_or(AccountError::Internal(
            "admin of a missing organization".into(),
        ))
    }

    async fn add_org_to_user(
        &self,
        user: Uuid,
        org: Uuid,
        now: UnixMillis,
    ) -> Result<(), AccountError> {
        self.update(&user_key(user), now, never, |u: Option<UserRecord>| {
            let mut u = u.ok_or(AccountError::Unauthorized("Authentication required"))?;
            if !u.orgs.contains(&org) {
                u.orgs.push(org);
            }
            Ok((Some(u), ()))
        })
        .await
    }

    async fn drop_org_from_user(
        &self,
        user: Uuid,
        org: Uuid,
        now: UnixMillis,
    ) -> Result<(), AccountError> {
        self.update(
            &user_key(user),
            now,
            never,
            |u: Option<UserRecord>| match u {
                None => Ok((None, ())),
                Some(mut u) => {
                    u.orgs.retain(|o| *o != org);
                    Ok((Some(u), ()))
                }
            },
        )
        .await
    }

    /// Creates an organization with `user` as its admin.
    pub async fn create_org(
        &self,
        user: Uuid,
        name: &str,
        now: UnixMillis,
    ) -> Result<OrgRecord, AccountError> {
        let name = org_name(name)?;
        let me = self
            .user(user, now)
            .await?
            .ok_or(AccountError::Unauthorized("Authentication required"))?;
        let org = OrgRecord {
            id: Uuid::new_v4(),
            name,
            created_at: now,
            members: vec![Member {
                user,
                email: me.email,
                role: Role::Admin,
                joined_at: now,
            }],
            invites: Vec::new(),
            sharing: Default::default(),
            identities: Vec::new(),
        };
        // The user's index first: if the second step fails, it points at nothing, which the
        // profile filters out.
        self.add_org_to_user(user, org.id, now).await?;
        self.kv
            .insert(org_key(org.id), super::encode(&org)?, None, now)
            .await?;
        Ok(org)
    }

    /// The members (admins only).
    pub async fn members(
        &self,
        org: Uuid,
        user: Uuid,
        now: UnixMillis,
    ) -> Result<Vec<MemberView>, AccountError> {
        let org = self.org_as_admin(org, user, now).await?;
        Ok(org.members.iter().map(MemberView::from).collect())
    }

    /// Changes a member's role (admins only); the last admin stays admin.
    pub async fn set_role(
        &self,
        org: Uuid,
        admin: Uuid,
        member: Uuid,
        role: Role,
        now: UnixMillis,
    ) -> Result<MemberView, AccountError> {
        self.update(&org_key(org), now, never, |o: Option<OrgRecord>| {
            policy::authorize_admin(o.as_ref().and_then(|o| o.role_of(admin)))?;
            let mut o = o.expect("an admin's organization exists");
            let admins = o.admins();
            let m = o
                .members
                .iter_mut()
                .find(|m| m.user == member)
                .ok_or(AccountError::NotFound("No such member"))?;
            if m.role == Role::Admin && role != Role::Admin && admins == 1 {
                return Err(AccountError::Conflict(LAST_ADMIN));
            }
            m.role = role;
            let view = MemberView::from(&*m);
            Ok((Some(o), view))
        })
        .await
    }

    /// Removes a member: an admin removes anyone, a member removes themselves (leaves). The
    /// last admin cannot leave while others remain; a sole member leaving deletes the
    /// organization. Takes effect with the member's next request.
    pub async fn remove_member(
        &self,
        org: Uuid,
        caller: Uuid,
        member: Uuid,
        now: UnixMillis,
    ) -> Result<(), AccountError> {
        let deleted = self
            .update(&org_key(org), now, never, |o: Option<OrgRecord>| {
                let caller_role = o.as_ref().and_then(|o| o.role_of(caller));
                if caller != member {
                    policy::authorize_admin(caller_role)?;
                } else if caller_role.is_none() {
                    return Err(policy::Denial::NotMember.into());
                }
                let mut o = o.expect("a member's organization exists");
                let role = o
                    .role_of(member)
                    .ok_or(AccountError::NotFound("No such member"))?;
                if o.members.len() == 1 {
                    return Ok((None, Some(o)));
                }
                if role == Role::Admin && o.admins() == 1 {
                    return Err(AccountError::Conflict(LAST_ADMIN));
                }
                o.members.retain(|m| m.user != member);
                Ok((Some(o), None))
            })
            .await?;
        self.drop_org_from_user(member, org, now).await?;
        if let Some(org) = deleted {
            self.delete_org_parts(&org, now).await?;
        }
        Ok(())
    }

    /// Removes what hangs off a deleted organization: open invitations, identities and its
    /// branding.
    async fn delete_org_parts(&self, org: &OrgRecord, now: UnixMillis) -> Result<(), AccountError> {
        for key in crate::branding::keys(org.id) {
            self.kv.remove(key, None, now).await?;
        }
        for invite in &org.invites {
            self.kv
                .remove(invite_key(&invite.token_digest), None, now)
                .await?;
        }
        for identity in &org.identities {
            self.kv
                .remove(super::records::identity_key(identity.client_id), None, now)
                .await?;
        }
        Ok(())
    }

    /// Before an account is deleted: refuses if the user is the last admin of an organization
    /// with other members, else removes them from every organization.
    pub(super) async fn leave_all_for_deletion(
        &self,
        user: &UserRecord,
        now: UnixMillis,
    ) -> Result<(), AccountError> {
        for id in &user.orgs {
            if let Some(org) = self.org(*id, now).await?
                && org.role_of(user.id) == Some(Role::Admin)
                && org.admins() == 1
                && org.members.len() > 1
            {
                return Err(AccountError::Conflict(
                    "You are the last admin of an organization with other members: make another member admin first",
                ));
            }
        }
        for id in &user.orgs {
            if self.role_in(*id, user.id, now).await?.is_some() {
                self.remove_member(*id, user.id, user.id, now).await?;
            }
        }
        Ok(())
    }

    /// Invites an address (admins only): e-mails a link with a single-use token.
    pub async fn invite(
        &self,
        org: Uuid,
        admin: Uuid,
        email: &str,
        role: Role,
        now: UnixMillis,
    ) -> Result<InviteView, AccountError> {
        let email = normalize(email)
            .ok_or_else(|| AccountError::Invalid("Invalid e-mail address".into()))?;
        if !self.can_send_mail() {
            return Err(AccountError::MailUnavailable);
        }
        let inviter = self
            .user(admin, now)
            .await?
            .ok_or(AccountError::Unauthorized("Authentication required"))?;
        let token = new_token("zki_");
        let token_digest = digest_hex(&token);
        let pending = PendingInvite {
            id: Uuid::new_v4(),
            token_digest: token_digest.clone(),
            email: email.clone(),
            role,
            expires_at: now + INVITE_TTL_MS,
        };
        let org_record = self
            .update(&org_key(org), now, never, |o: Option<OrgRecord>| {
                policy::authorize_admin(o.as_ref().and_then(|o| o.role_of(admin)))?;
                let mut o = o.expect("an admin's organization exists");
                if o.members.iter().any(|m| m.email == email) {
                    return Err(AccountError::Conflict(
                        "This address already belongs to a member",
                    ));
                }
                o.invites.retain(|i| i.expires_at > now);
                if o.invites.len() >= MAX_OPEN_INVITES {
                    return Err(AccountError::Conflict("Too many open invitations"));
                }
                o.invites.push(pending.clone());
                Ok((Some(o.clone()), o))
            })
            .await?;
        let record = InviteRecord {
            id: pending.id,
            org,
            email: email.clone(),
            role,
            invited_by: admin,
            expires_at: pending.expires_at,
        };
        self.kv
            .insert(
                invite_key(&token_digest),
                super::encode(&record)?,
                Some(pending.expires_at),
                now,
            )
            .await?;
        let base = self.settings.public_base.clone();
        self.send_mail(messages::invitation(
            &email,
            &org_record.name,
            &inviter.email,
            &token,
            &base,
        ))
        .await?;
        Ok(InviteView {
            id: pending.id,
            email,
            role,
            expires_at: format_timestamp(pending.expires_at),
        })
    }

    /// Open invitations (admins only).
    pub async fn invites(
        &self,
        org: Uuid,
        admin: Uuid,
        now: UnixMillis,
    ) -> Result<Vec<InviteView>, AccountError> {
        let org = self.org_as_admin(org, admin, now).await?;
        Ok(org
            .invites
            .iter()
            .filter(|i| i.expires_at > now)
            .map(|i| InviteView {
                id: i.id,
                email: i.email.clone(),
                role: i.role,
                expires_at: format_timestamp(i.expires_at),
            })
            .collect())
    }

    /// Revokes an open invitation (admins only).
    pub async fn revoke_invite(
        &self,
        org: Uuid,
        admin: Uuid,
        invite: Uuid,
        now: UnixMillis,
    ) -> Result<(), AccountError> {
        let digest = self
            .update(&org_key(org), now, never, |o: Option<OrgRecord>| {
                policy::authorize_admin(o.as_ref().and_then(|o| o.role_of(admin)))?;
                let mut o = o.expect("an admin's organization exists");
                let found = o
                    .invites
                    .iter()
                    .position(|i| i.id == invite)
                    .ok_or(AccountError::NotFound("No such invitation"))?;
                let removed = o.invites.remove(found);
                Ok((Some(o), removed.token_digest))
            })
            .await?;
        self.kv.remove(invite_key(&digest), None, now).await?;
        Ok(())
    }

    /// The open invitation of `token`, if any.
    pub async fn invitation(
        &self,
        token: &str,
        now: UnixMillis,
    ) -> Result<Option<InviteRecord>, AccountError> {
        if !token.starts_with("zki_") || token.len() > 64 {
            return Ok(None);
        }
        Ok(self
            .load::<InviteRecord>(invite_key(&digest_hex(token)), now)
            .await?
            .map(|(i, _)| i))
    }

    /// What the invitation page shows.
    pub async fn describe_invitation(
        &self,
        token: &str,
        now: UnixMillis,
    ) -> Result<InvitationView, AccountError> {
        let invite = self
            .invitation(token, now)
            .await?
            .ok_or(AccountError::NotFound("Invalid or expired invitation"))?;
        let org = self
            .org(invite.org, now)
            .await?
            .ok_or(AccountError::NotFound("Invalid or expired invitation"))?;
        Ok(InvitationView {
            organization_id: org.id,
            organization_name: org.name,
            email: invite.email,
            role: invite.role,
            expires_at: format_timestamp(invite.expires_at),
        })
    }

    /// Accepts an invitation (once): the signed-in user's verified address must be the
    /// invited one. Returns the organization joined.
    pub async fn accept_invite(
        &self,
        token: &str,
        user: Uuid,
        now: UnixMillis,
    ) -> Result<Uuid, AccountError> {
        let me = self
            .user(user, now)
            .await?
            .ok_or(AccountError::Unauthorized("Authentication required"))?;
        let invite = self
            .invitation(token, now)
            .await?
            .ok_or(AccountError::NotFound("Invalid or expired invitation"))?;
        if invite.email != me.email {
            return Err(AccountError::Forbidden(
                "This invitation is for another e-mail address",
            ));
        }
        // Redeemed once: whoever takes the record first joins.
        if self
            .kv
            .take(invite_key(&digest_hex(token)), now)
            .await?
            .is_none()
        {
            return Err(AccountError::NotFound("Invalid or expired invitation"));
        }
        self.add_org_to_user(user, invite.org, now).await?;
        self.update(&org_key(invite.org), now, never, |o: Option<OrgRecord>| {
            let mut o = o.ok_or(AccountError::NotFound("Invalid or expired invitation"))?;
            o.invites
                .retain(|i| i.id != invite.id && i.expires_at > now);
            if o.role_of(user).is_none() {
                if o.members.len() >= MAX_MEMBERS {
                    return Err(AccountError::Conflict("The organization is full"));
                }
                o.members.push(Member {
                    user,
                    email: me.email.clone(),
                    role: invite.role,
                    joined_at: now,
                });
            }
            Ok((Some(o), ()))
        })
        .await?;
        Ok(invite.org)
    }
}
