//! Domain words shared by the policy, the use cases and the stores: who may view, and who asks.

use serde::{Deserialize, Serialize};

/// Who may consume a view, as chosen by the creator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccessType {
    /// Anyone holding the link.
    Anyone,
    /// Members of the creator's organization (needs accounts; not creatable yet).
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

/// What kind of caller a request comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum PrincipalKind {
    /// No session and no machine identity.
    #[default]
    Anonymous,
}

/// What the store's atomic consume step knows about the viewer, to compare with the secret's
/// access rule (`store::rules`). Made by the policy from the request's principal; anonymous
/// viewers have no organization and no verified e-mail address.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ViewerClaims {
    /// The kind of caller.
    pub kind: PrincipalKind,
    /// The organization the viewer belongs to, when signed in as a member of one.
    pub org_id: Option<String>,
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
