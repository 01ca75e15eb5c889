//! Access policy: the one place that decides who may create, view or list which secrets.
//!
//! There are no accounts yet, so every request is [`Principal::Anonymous`]: it may create and
//! view `accessType: anyone` secrets only. The issue that adds users, organizations and machine
//! identities extends [`Principal`] and the functions below; handlers and stores only ask.

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::error::ApiError;
use crate::store::AccessType;

/// Who is making a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    /// No session and no machine identity.
    Anonymous,
}

impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = Infallible;

    async fn from_request_parts(_parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Principal::Anonymous)
    }
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
) -> Result<(), ApiError> {
    match principal {
        Principal::Anonymous if access_type != AccessType::Anyone || names_emails => {
            Err(ApiError::unauthorized(
                "Authentication required to create organization or email-restricted secrets",
            ))
        }
        Principal::Anonymous => Ok(()),
    }
}

/// May `principal` view secrets whose access type is not `anyone`? Passed into the store's
/// atomic consume so that no view is spent before this is decided.
pub fn may_view_restricted(principal: &Principal) -> bool {
    match principal {
        Principal::Anonymous => false,
    }
}

/// The error for a viewer the store reported as not allowed for `access_type`.
pub fn view_denied(principal: &Principal, access_type: AccessType) -> ApiError {
    match (principal, access_type) {
        (Principal::Anonymous, _) => {
            ApiError::unauthorized("Authentication required to view this secret")
        }
    }
}

/// May `principal` list its own secrets?
pub fn authorize_list(principal: &Principal) -> Result<(), ApiError> {
    match principal {
        Principal::Anonymous => Err(ApiError::unauthorized("Authentication required")),
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
        let e = authorize_create(&p, AccessType::Organization, false).unwrap_err();
        assert_eq!(e.status_code(), 401);
        assert!(authorize_create(&p, AccessType::Anyone, true).is_err());
        assert!(!may_view_restricted(&p));
        assert!(authorize_list(&p).is_err());
    }
}
