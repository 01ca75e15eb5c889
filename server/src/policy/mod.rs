//! Access policy: pure decisions on who may create, view or list which secrets, and who may manage an organization, answered with a [`Denial`].
//!
//! A request's [`Principal`] is made once, by the HTTP layer, from a session cookie or a bearer
//! token, after the store confirmed that the session is live and that the user is still a
//! member of the organization named. Handlers and stores only ask the functions below. Nothing
//! here knows of HTTP: the HTTP layer turns a [`Denial`] into its error body.

pub mod sharing;

use crate::domain::{
    AccessType, Creator, IdentityId, OrgId, Owner, PrincipalKind, Restriction, UserId, ViewerClaims,
};

/// A member's role in an organization.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Manages members, invitations and machine identities.
    Admin,
    /// Shares within the organization.
    Member,
}

/// The organization a signed-in user acts in, with their role there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Membership {
    /// The organization.
    pub org: OrgId,
    /// The user's role in it.
    pub role: Role,
}

/// Who is making a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    /// No session and no machine identity.
    Anonymous,
    /// A signed-in user, acting in their current organization if they have one.
    User {
        /// The user.
        user: UserId,
        /// The user's verified e-mail address (normalized).
        email: String,
        /// The current organization and role; `None` for a user in no organization.
        org: Option<Membership>,
    },
    /// A machine identity; it always belongs to one organization.
    Machine {
        /// The identity.
        identity: IdentityId,
        /// Its organization.
        org: OrgId,
    },
}

impl Principal {
    /// The organization the principal acts in, if any.
    pub fn org(&self) -> Option<OrgId> {
        match self {
            Principal::Anonymous => None,
            Principal::User { org, .. } => org.map(|m| m.org),
            Principal::Machine { org, .. } => Some(*org),
        }
    }

    /// The kind of caller.
    pub fn kind(&self) -> PrincipalKind {
        match self {
            Principal::Anonymous => PrincipalKind::Anonymous,
            Principal::User { .. } => PrincipalKind::User,
            Principal::Machine { .. } => PrincipalKind::Machine,
        }
    }
}

/// Why the policy refuses a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Denial {
    /// Organization or e-mail restricted secrets need an account to create.
    RestrictedCreateNeedsAccount,
    /// Read receipts (`notifyOnView`) go to a signed-in user's address.
    ReceiptsNeedAccount,
    /// An organization secret needs a current organization to belong to.
    RestrictedCreateNeedsOrganization,
    /// The secret's access type needs a signed-in viewer.
    ViewNeedsAccount,
    /// The viewer is signed in but not in the secret's organization.
    ViewForbidden,
    /// The viewer is signed in but not one of the secret's recipients.
    NotRecipient,
    /// The caller did not create this secret (or acts in another organization now).
    NotCreator,
    /// Listing secrets needs an account.
    ListNeedsAccount,
    /// The request needs a signed-in user (not anonymous, not a machine identity).
    NeedsUser,
    /// The caller is not a member of the organization named.
    NotMember,
    /// The caller is a member but not an admin of the organization.
    NotAdmin,
}

/// The access type of a new secret when the request names none: `organization` (the
/// reference's default) when the caller acts in an organization, else `anyone`.
pub fn default_access_type(principal: &Principal) -> AccessType {
    match principal.org() {
        Some(_) => AccessType::Organization,
        None => AccessType::Anyone,
    }
}

/// May `principal` create a secret with this access type, restricted to e-mail addresses or
/// not? Asked before the request is validated, so that it needs nothing but these two facts.
pub fn authorize_create(
    principal: &Principal,
    access_type: AccessType,
    names_emails: bool,
) -> Result<(), Denial> {
    let restricted = access_type != AccessType::Anyone || names_emails;
    match principal {
        Principal::Anonymous if restricted => Err(Denial::RestrictedCreateNeedsAccount),
        _ if access_type == AccessType::Organization && principal.org().is_none() => {
            Err(Denial::RestrictedCreateNeedsOrganization)
        }
        _ => Ok(()),
    }
}

/// The owner recorded with a new secret: the creator and their current organization; none for
/// anonymous callers and for users in no organization.
pub fn owner(principal: &Principal) -> Option<Owner> {
    match principal {
        Principal::Anonymous => None,
        Principal::User { user, org, .. } => org.map(|m| Owner {
            org: m.org,
            creator: Creator::User(*user),
        }),
        Principal::Machine { identity, org } => Some(Owner {
            org: *org,
            creator: Creator::Machine(*identity),
        }),
    }
}

/// What the store's atomic consume step may compare with a secret's access rule.
pub fn viewer_claims(principal: &Principal) -> ViewerClaims {
    match principal {
        Principal::Anonymous => ViewerClaims::ANONYMOUS,
        Principal::User { email, org, .. } => ViewerClaims {
            kind: PrincipalKind::User,
            org_id: org.map(|m| m.org),
            verified_email: Some(email.clone()),
        },
        Principal::Machine { org, .. } => ViewerClaims {
            kind: PrincipalKind::Machine,
            org_id: Some(*org),
            verified_email: None,
        },
    }
}

/// Why a viewer the store found not allowed by `restriction` is refused: 401 for anonymous
/// callers (signing in may help), 403 for everyone else.
pub fn view_denied(principal: &Principal, restriction: Restriction) -> Denial {
    match (principal, restriction) {
        (Principal::Anonymous, _) => Denial::ViewNeedsAccount,
        (_, Restriction::Organization) => Denial::ViewForbidden,
        (_, Restriction::Emails) => Denial::NotRecipient,
    }
}

/// May `principal` read the access log of, or delete without its token, a secret owned by
/// `owner`? Only its creator, acting in the secret's organization.
pub fn authorize_creator(principal: &Principal, owner: Option<Owner>) -> Result<(), Denial> {
    match (self::owner(principal), owner) {
        (None, _) if *principal == Principal::Anonymous => Err(Denial::ListNeedsAccount),
        (Some(me), Some(it)) if me == it => Ok(()),
        _ => Err(Denial::NotCreator),
    }
}

/// May `principal` list its own secrets?
pub fn authorize_list(principal: &Principal) -> Result<(), Denial> {
    match principal {
        Principal::Anonymous => Err(Denial::ListNeedsAccount),
        _ => Ok(()),
    }
}

/// The signed-in user behind `principal` (account routes take no machine identity).
pub fn require_user(principal: &Principal) -> Result<UserId, Denial> {
    match principal {
        Principal::User { user, .. } => Ok(*user),
        _ => Err(Denial::NeedsUser),
    }
}

/// May a user with `role` in an organization (`None`: not a member) read its member list,
/// invitations and machine identities, or change them? Only admins.
pub fn authorize_admin(role: Option<Role>) -> Result<(), Denial> {
    match role {
        None => Err(Denial::NotMember),
        Some(Role::Member) => Err(Denial::NotAdmin),
        Some(Role::Admin) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(org: Option<Membership>) -> Principal {
        Principal::User {
            user: UserId::from_u128(1),
            email: "a@example.com".into(),
            org,
        }
    }

    #[test]
    fn anonymous_may_only_use_anyone() {
        let p = Principal::Anonymous;
        assert_eq!(default_access_type(&p), AccessType::Anyone);
        assert!(authorize_create(&p, AccessType::Anyone, false).is_ok());
        assert_eq!(
            authorize_create(&p, AccessType::Organization, false),
            Err(Denial::RestrictedCreateNeedsAccount)
        );
        assert!(authorize_create(&p, AccessType::Anyone, true).is_err());
        assert_eq!(viewer_claims(&p), ViewerClaims::ANONYMOUS);
        assert_eq!(authorize_list(&p), Err(Denial::ListNeedsAccount));
        assert_eq!(owner(&p), None);
        assert_eq!(
            view_denied(&p, Restriction::Organization),
            Denial::ViewNeedsAccount
        );
        assert_eq!(
            view_denied(&p, Restriction::Emails),
            Denial::ViewNeedsAccount
        );
        assert_eq!(authorize_creator(&p, None), Err(Denial::ListNeedsAccount));
    }

    #[test]
    fn a_member_defaults_to_organization_and_owns_what_they_create() {
        let org = OrgId::from_u128(7);
        let p = user(Some(Membership {
            org,
            role: Role::Member,
        }));
        assert_eq!(default_access_type(&p), AccessType::Organization);
        assert!(authorize_create(&p, AccessType::Organization, false).is_ok());
        assert_eq!(
            owner(&p),
            Some(Owner {
                org,
                creator: Creator::User(UserId::from_u128(1))
            })
        );
        assert_eq!(viewer_claims(&p).org_id, Some(org));
        assert_eq!(
            view_denied(&p, Restriction::Organization),
            Denial::ViewForbidden
        );
        assert_eq!(view_denied(&p, Restriction::Emails), Denial::NotRecipient);
        assert_eq!(authorize_creator(&p, owner(&p)), Ok(()));
        let other = Owner {
            org: OrgId::from_u128(8),
            creator: Creator::User(UserId::from_u128(1)),
        };
        assert_eq!(authorize_creator(&p, Some(other)), Err(Denial::NotCreator));
        assert_eq!(authorize_creator(&p, None), Err(Denial::NotCreator));
    }

    #[test]
    fn a_user_without_organization_cannot_restrict_to_one() {
        let p = user(None);
        assert_eq!(default_access_type(&p), AccessType::Anyone);
        assert_eq!(
            authorize_create(&p, AccessType::Organization, false),
            Err(Denial::RestrictedCreateNeedsOrganization)
        );
        assert_eq!(owner(&p), None);
        assert_eq!(require_user(&p), Ok(UserId::from_u128(1)));
    }

    #[test]
    fn machines_act_in_their_organization_and_are_no_users() {
        let p = Principal::Machine {
            identity: IdentityId::from_u128(3),
            org: OrgId::from_u128(9),
        };
        assert_eq!(default_access_type(&p), AccessType::Organization);
        assert_eq!(require_user(&p), Err(Denial::NeedsUser));
        assert_eq!(
            owner(&p).map(|o| o.creator),
            Some(Creator::Machine(IdentityId::from_u128(3)))
        );
    }

    #[test]
    fn only_admins_manage() {
        assert_eq!(authorize_admin(None), Err(Denial::NotMember));
        assert_eq!(authorize_admin(Some(Role::Member)), Err(Denial::NotAdmin));
        assert!(authorize_admin(Some(Role::Admin)).is_ok());
    }
}
