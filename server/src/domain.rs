//! Domain words shared by the policy, the use cases and the stores: who may view, who asks, and who owns a secret.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Who may consume a view, as chosen by the creator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccessType {
    /// Anyone holding the link.
    Anyone,
    /// Members of the creator's organization.
    Organization,
}

impl AccessType {
    /// The API and storage spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            AccessType::Anyone => "anyone",
            AccessType::Organization => "organization",
        }
    }

    /// Parses the storage spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "anyone" => Some(AccessType::Anyone),
            "organization" => Some(AccessType::Organization),
            _ => None,
        }
    }
}

/// Why the store refused a viewer before any password check: the rule the viewer did not meet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Restriction {
    /// The secret is for members of its organization (`accessType: organization`).
    Organization,
    /// The secret is for the addresses it was sent to (`authorizedEmails`).
    Emails,
}

impl Restriction {
    /// The spelling the Redis scripts answer with.
    pub fn as_str(self) -> &'static str {
        match self {
            Restriction::Organization => "organization",
            Restriction::Emails => "emails",
        }
    }

    /// Parses [`Restriction::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "organization" => Some(Restriction::Organization),
            "emails" => Some(Restriction::Emails),
            _ => None,
        }
    }
}

/// A user account's id (a random UUID).
pub type UserId = Uuid;
/// An organization's id (a random UUID).
pub type OrgId = Uuid;
/// A machine identity's id (a random UUID).
pub type IdentityId = Uuid;

/// Who created a secret on behalf of an organization.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Creator {
    /// A signed-in user.
    User(UserId),
    /// A machine identity.
    Machine(IdentityId),
}

/// The organization a secret belongs to and who created it; anonymous secrets have none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Owner {
    /// The creator's current organization when the secret was made.
    pub org: OrgId,
    /// The user or machine identity that made it.
    pub creator: Creator,
}

impl Owner {
    /// The owner as stored: the creator's kind (1 a user, 2 a machine identity), the
    /// organization's UUID, the creator's UUID.
    pub fn to_bytes(&self) -> [u8; 33] {
        let (kind, creator) = match self.creator {
            Creator::User(id) => (1, id),
            Creator::Machine(id) => (2, id),
        };
        let mut out = [0u8; 33];
        out[0] = kind;
        out[1..17].copy_from_slice(self.org.as_bytes());
        out[17..].copy_from_slice(creator.as_bytes());
        out
    }

    /// Reads [`Owner::to_bytes`]; `None` for another length or an unknown kind.
    pub fn from_bytes(b: &[u8]) -> Option<Owner> {
        let b: &[u8; 33] = b.try_into().ok()?;
        let uuid = |at: usize| {
            let mut u = [0u8; 16];
            u.copy_from_slice(&b[at..at + 16]);
            Uuid::from_bytes(u)
        };
        let creator = match b[0] {
            1 => Creator::User(uuid(17)),
            2 => Creator::Machine(uuid(17)),
            _ => return None,
        };
        Some(Owner {
            org: uuid(1),
            creator,
        })
    }
}

/// What kind of caller a request comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum PrincipalKind {
    /// No session and no machine identity.
    #[default]
    Anonymous,
    /// A signed-in user (session cookie or user token).
    User,
    /// A machine identity (bearer access token).
    Machine,
}

/// What the store's atomic consume step knows about the viewer, to compare with the secret's
/// access rule (`store::rules`). Made by the policy from the request's principal; anonymous
/// viewers have no organization and no verified e-mail address.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ViewerClaims {
    /// The kind of caller.
    pub kind: PrincipalKind,
    /// The organization the viewer is a member of right now (checked when the request came).
    pub org_id: Option<OrgId>,
    /// The viewer's verified e-mail address, when signed in with one.
    pub verified_email: Option<String>,
}

impl ViewerClaims {
    /// The claims of a request without a session: none.
    pub const ANONYMOUS: ViewerClaims = ViewerClaims {
        kind: PrincipalKind::Anonymous,
        org_id: None,
        verified_email: None,
    };
}
