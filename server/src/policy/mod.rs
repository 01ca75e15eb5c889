//! Access policy: pure decisions on who may create, view or list which secrets, answered with a [`Denial`].
//!
//! There are no accounts yet, so every request is [`Principal::Anonymous`]: it may create and
//! view `accessType: anyone` secrets only. Users, organizations and machine identities extend
//! [`Principal`] and the functions below; handlers and stores only ask. Nothing here knows of
//! HTTP: the HTTP layer turns a [`Denial`] into its error body.

use crate::domain::{AccessType, ViewerClaims};

/// Who is making a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    /// No session and no machine identity.
    Anonymous,
}

/// Why the policy refuses a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Denial {
    /// Organization or e-mail restricted secrets need an account to create.
    RestrictedCreateNeedsAccount,
    /// The secret's access type needs a signed-in viewer.
    ViewNeedsAccount,
    /// Listing secrets needs an account.
    ListNeedsAccount,
}

/// The access type of a new secret when the request names none.
pub fn default_access_type(principal: &Principal) -> AccessType {
    match principal {
        Principal::Anonymous => AccessType::Anyone,
    }
}

/// May `principal` create a secret with this access type, restricted to e-mail addresses or
/// not? Asked before the request is validated, so that it needs nothing but these two facts.
pub fn authorize_create(
    principal: &Principal,
    access_type: AccessType,
    names_emails: bool,
) -> Result<(), Denial> {
    match principal {
        Principal::Anonymous if access_type != AccessType::Anyone || names_emails => {
            Err(Denial::RestrictedCreateNeedsAccount)
        }
        Principal::Anonymous => Ok(()),
    }
}

/// What the store's atomic consume step may compare with a secret's access rule.
pub fn viewer_claims(principal: &Principal) -> ViewerClaims {
    match principal {
        Principal::Anonymous => ViewerClaims::ANONYMOUS,
    }
}

/// Why a viewer the store found not allowed for `access_type` is refused.
pub fn view_denied(principal: &Principal, access_type: AccessType) -> Denial {
    match (principal, access_type) {
        (Principal::Anonymous, _) => Denial::ViewNeedsAccount,
    }
}

/// May `principal` list its own secrets?
pub fn authorize_list(principal: &Principal) -> Result<(), Denial> {
    match principal {
        Principal::Anonymous => Err(Denial::ListNeedsAccount),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
