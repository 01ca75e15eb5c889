//! The account e-mails: sign-up code, existing account notice, invitation and password reset. None carries a secret, a secret's key or a password.

use crate::mail::Message;

/// The verification code for a new account.
pub fn signup_code(to: &str, code: &str, base: &str) -> Message {
    Message {
        to: to.to_string(),
        subject: format!("Your zkshare verification code: {code}"),
        text: format!(
            "Someone (hopefully you) signed up for zkshare at {base} with this address.\n\n\
             Your verification code is: {code}\n\n\
             It works once, for 15 minutes. If this was not you, ignore this message: no \
             account is made without the code.\n"
        ),
    }
}

/// Sent instead of a code when the address already has an account, so that sign-up does not
/// tell a stranger which addresses are registered.
pub fn already_registered(to: &str, base: &str) -> Message {
    Message {
        to: to.to_string(),
        subject: "Sign-up attempt for your zkshare account".into(),
        text: format!(
            "Someone tried to sign up at {base} with this address, which already has an \
             account. If this was you, log in instead, or reset your password at \
             {base}/account#reset.\n\nIf it was not you, you can ignore this message.\n"
        ),
    }
}

/// An invitation to an organization. The token is in the link's fragment, which browsers do
/// not send to servers or put in logs.
pub fn invitation(to: &str, org_name: &str, inviter: &str, token: &str, base: &str) -> Message {
    Message {
        to: to.to_string(),
        subject: format!("You are invited to join {org_name} on zkshare"),
        text: format!(
            "{inviter} invited you to join the organization \"{org_name}\" on zkshare.\n\n\
             Accept the invitation (sign up or log in with this address first):\n\
             {base}/invite#{token}\n\n\
             The invitation works once and expires in 7 days.\n"
        ),
    }
}

/// A password reset link.
pub fn password_reset(to: &str, token: &str, base: &str) -> Message {
    Message {
        to: to.to_string(),
        subject: "Reset your zkshare password".into(),
        text: format!(
            "Someone (hopefully you) asked to reset the password of your zkshare account.\n\n\
             Choose a new password here within 30 minutes:\n{base}/reset#{token}\n\n\
             Resetting signs you out everywhere. If this was not you, ignore this message.\n"
        ),
    }
}
