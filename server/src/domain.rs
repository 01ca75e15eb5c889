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
