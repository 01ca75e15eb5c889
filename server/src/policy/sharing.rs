//! An organization's sharing settings and the pure check of a new secret against them (the reference's names and messages, plus "require a password").

use serde::{Deserialize, Serialize};

use crate::domain::AccessType;

/// Shortest `maxSharedSecretLifetime` an admin may set, in seconds (5 minutes).
pub const MIN_LIFETIME_SECS: u32 = 300;
/// Longest `maxSharedSecretLifetime`, in seconds (30 days).
pub const MAX_LIFETIME_SECS: u32 = 2_592_000;
/// Highest `maxSharedSecretViewLimit`.
pub const MAX_VIEW_LIMIT: u32 = 1_000;

/// Said when the organization forbids `anyone` secrets or external recipients.
pub const OUTSIDE_FORBIDDEN: &str =
    "Organization does not allow sharing secrets to members outside of this organization";
/// Said when `expiresIn` is longer than the organization allows.
pub const LIFETIME_EXCEEDED: &str = "Secret lifetime exceeds organization limit";
/// Said when `maxViews` is missing or above the organization's limit.
pub const VIEWS_EXCEEDED: &str = "Secret max views parameter exceeds organization limit";
/// Said when the organization requires a password and the secret has none.
pub const PASSWORD_REQUIRED: &str = "This organization requires a password on every shared secret";

/// What an organization's admins decide about the secrets its members and machine identities
/// share. The defaults allow everything the API allows.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SharingSettings {
    /// `false` forbids `accessType: anyone` and external recipients.
    pub allow_secret_sharing_outside_organization: bool,
    /// Longest lifetime in seconds ([`MIN_LIFETIME_SECS`]..=[`MAX_LIFETIME_SECS`]), or none.
    pub max_shared_secret_lifetime: Option<u32>,
    /// Most views (1..=[`MAX_VIEW_LIMIT`]); when set, `maxViews` is required.
    pub max_shared_secret_view_limit: Option<u32>,
    /// Every secret needs a password (a setting the reference lacks).
    pub require_shared_secret_password: bool,
}

impl Default for SharingSettings {
    fn default() -> Self {
        Self {
            allow_secret_sharing_outside_organization: true,
            max_shared_secret_lifetime: None,
            max_shared_secret_view_limit: None,
            require_shared_secret_password: false,
        }
    }
}

impl SharingSettings {
    /// Checks the bounds of the numbers an admin set; the message says which one is wrong.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(secs) = self.max_shared_secret_lifetime
            && !(MIN_LIFETIME_SECS..=MAX_LIFETIME_SECS).contains(&secs)
        {
            return Err(format!(
                "maxSharedSecretLifetime must be {MIN_LIFETIME_SECS} to {MAX_LIFETIME_SECS} seconds"
            ));
        }
        if let Some(views) = self.max_shared_secret_view_limit
            && !(1..=MAX_VIEW_LIMIT).contains(&views)
        {
            return Err(format!(
                "maxSharedSecretViewLimit must be 1 to {MAX_VIEW_LIMIT}"
            ));
        }
        Ok(())
    }
}

/// The facts of a new secret the settings look at.
#[derive(Clone, Copy, Debug)]
pub struct Proposed {
    /// Who may view it.
    pub access_type: AccessType,
    /// It goes to external recipients (`allowExternalEmails`).
    pub external: bool,
    /// Its lifetime in milliseconds.
    pub lifetime_ms: i64,
    /// Its view limit.
    pub max_views: Option<u32>,
    /// It has a password (or a password-mode envelope).
    pub has_password: bool,
}

/// The first setting `secret` breaks, as the API's message; `None` if it meets them all.
pub fn violation(settings: &SharingSettings, secret: &Proposed) -> Option<&'static str> {
    if !settings.allow_secret_sharing_outside_organization
        && (secret.access_type == AccessType::Anyone || secret.external)
    {
        return Some(OUTSIDE_FORBIDDEN);
    }
    if let Some(secs) = settings.max_shared_secret_lifetime
        && secret.lifetime_ms > i64::from(secs) * 1000
    {
        return Some(LIFETIME_EXCEEDED);
    }
    if let Some(limit) = settings.max_shared_secret_view_limit
        && secret.max_views.is_none_or(|v| v > limit)
    {
        return Some(VIEWS_EXCEEDED);
    }
    if settings.require_shared_secret_password && !secret.has_password {
        return Some(PASSWORD_REQUIRED);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proposed() -> Proposed {
        Proposed {
            access_type: AccessType::Organization,
            external: false,
            lifetime_ms: 3_600_000,
            max_views: Some(3),
            has_password: false,
        }
    }

    #[test]
    fn the_defaults_allow_everything() {
        let s = SharingSettings::default();
        let mut p = proposed();
        p.access_type = AccessType::Anyone;
        p.external = true;
        p.max_views = None;
        assert_eq!(violation(&s, &p), None);
    }

    #[test]
    fn each_setting_refuses_with_the_reference_message() {
        let outside = SharingSettings {
            allow_secret_sharing_outside_organization: false,
            ..SharingSettings::default()
        };
        let mut p = proposed();
        assert_eq!(violation(&outside, &p), None);
        p.access_type = AccessType::Anyone;
        assert_eq!(violation(&outside, &p), Some(OUTSIDE_FORBIDDEN));
        let mut p = proposed();
        p.external = true;
        assert_eq!(violation(&outside, &p), Some(OUTSIDE_FORBIDDEN));

        let lifetime = SharingSettings {
            max_shared_secret_lifetime: Some(3600),
            ..SharingSettings::default()
        };
        let mut p = proposed();
        assert_eq!(violation(&lifetime, &p), None);
        p.lifetime_ms = 3_600_001;
        assert_eq!(violation(&lifetime, &p), Some(LIFETIME_EXCEEDED));

        let views = SharingSettings {
            max_shared_secret_view_limit: Some(3),
            ..SharingSettings::default()
        };
        let mut p = proposed();
        assert_eq!(violation(&views, &p), None);
        p.max_views = Some(4);
        assert_eq!(violation(&views, &p), Some(VIEWS_EXCEEDED));
        p.max_views = None;
        assert_eq!(violation(&views, &p), Some(VIEWS_EXCEEDED));

        let password = SharingSettings {
            require_shared_secret_password: true,
            ..SharingSettings::default()
        };
        let mut p = proposed();
        assert_eq!(violation(&password, &p), Some(PASSWORD_REQUIRED));
        p.has_password = true;
        assert_eq!(violation(&password, &p), None);
    }

    #[test]
    fn bounds_of_the_settings() {
        let mut s = SharingSettings::default();
        assert!(s.validate().is_ok());
        s.max_shared_secret_lifetime = Some(299);
        assert!(s.validate().is_err());
        s.max_shared_secret_lifetime = Some(2_592_000);
        assert!(s.validate().is_ok());
        s.max_shared_secret_view_limit = Some(0);
        assert!(s.validate().is_err());
        s.max_shared_secret_view_limit = Some(1001);
        assert!(s.validate().is_err());
    }
}
