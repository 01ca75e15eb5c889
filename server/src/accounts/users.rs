//! User accounts: sign-up with an e-mailed code, login with failure limits, password change and reset, deletion.

use serde::Serialize;
use uuid::Uuid;

use super::email::normalize;
use super::limits::Window;
use super::records::{
    PendingSignup, ResetRecord, UserRecord, email_key, reset_key, signup_key, user_key,
};
use super::secrets::{
    check_password_rule, digest_hex, hash_password, new_code, new_token, same_digest,
    verify_password,
};
use super::sessions::SignedIn;
use super::{AccountError, Accounts, Signups, messages, never};
use crate::store::UnixMillis;

/// A sign-up's code lives this long.
pub const SIGNUP_TTL_MS: i64 = 15 * 60_000;
/// Wrong codes after which a sign-up is dropped (a new sign-up sends a new code).
pub const MAX_CODE_ATTEMPTS: u32 = 5;
/// Sign-up mails to one address per hour.
pub const SIGNUP_MAILS_PER_HOUR: u64 = 5;
/// A reset link lives this long.
pub const RESET_TTL_MS: i64 = 30 * 60_000;
/// The window of the failed-login counters.
pub const LOGIN_WINDOW_MS: i64 = 15 * 60_000;
/// Failed logins for one address within the window before its logins are refused.
pub const MAX_ACCOUNT_FAILURES: u64 = 10;
/// Failed logins from one client within the window before its logins are refused.
pub const MAX_CLIENT_FAILURES: u64 = 100;

/// The one answer to a wrong password and an unknown address.
pub const WRONG_LOGIN: &str = "Invalid e-mail or password";
const WRONG_CODE: &str = "Invalid or expired verification code";
const WRONG_RESET: &str = "Invalid or expired reset link";
const LOCKED: &str = "Too many failed logins; try again later";

/// What sign-up answers, whatever the address: the caller cannot tell whether it is taken.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignupStarted {
    /// For people.
    pub message: &'static str,
    /// Seconds the code stays valid.
    pub expires_in: i64,
}

fn parse_email(email: &str) -> Result<String, AccountError> {
    normalize(email).ok_or_else(|| AccountError::Invalid("Invalid e-mail address".into()))
}

impl Accounts {
    /// Starts a sign-up: e-mails a code (or, if the address has an account, a notice instead).
    /// `invite_token` is required when sign-ups are invite-only, and must be an open
    /// invitation for this address.
    pub async fn sign_up(
        &self,
        email: &str,
        password: String,
        invite_token: Option<&str>,
        now: UnixMillis,
    ) -> Result<SignupStarted, AccountError> {
        let email = parse_email(email)?;
        check_password_rule(&password)?;
        match self.settings.signups {
            Signups::Open => {}
            Signups::Closed => {
                return Err(AccountError::Forbidden(
                    "Sign-ups are closed on this server",
                ));
            }
            Signups::InviteOnly => {
                let invite = match invite_token {
                    Some(token) => self.invitation(token, now).await?,
                    None => None,
                };
                if invite.is_none_or(|i| i.email != email) {
                    return Err(AccountError::Forbidden(
                        "Sign-ups on this server need an invitation for this e-mail address",
                    ));
                }
            }
        }
        if !self.can_send_mail() {
            return Err(AccountError::MailUnavailable);
        }
        let address = digest_hex(&email);
        let mails = Window::of("signup-mail", &address, 3_600_000, now);
        if self.bump(&mails, now).await? > SIGNUP_MAILS_PER_HOUR {
            return Err(mails.refusal("Too many e-mails to this address; try again later", now));
        }
        let base = self.settings.public_base.clone();
        if self.kv.get(email_key(&address), now).await?.is_some() {
            // Same work and the same answer as a new address, so the answer tells nothing.
            let _ = hash_password(password).await?;
            self.send_mail(messages::already_registered(&email, &base))
                .await?;
        } else {
            let code = new_code();
            let pending = PendingSignup {
                email: email.clone(),
                password_hash: hash_password(password).await?,
                code_digest: digest_hex(&format!("{email}\n{code}")),
                attempts: 0,
                expires_at: now + SIGNUP_TTL_MS,
            };
            // A new sign-up replaces an older one for the address (and its code).
            self.kv.remove(signup_key(&address), None, now).await?;
            self.kv
                .insert(
                    signup_key(&address),
                    super::encode(&pending)?,
                    Some(now + SIGNUP_TTL_MS),
                    now,
                )
                .await?;
            self.send_mail(messages::signup_code(&email, &code, &base))
                .await?;
        }
        Ok(SignupStarted {
            message: "Check your e-mail for a verification code",
            expires_in: SIGNUP_TTL_MS / 1000,
        })
    }

    /// Proves the address with the e-mailed code: creates the account and signs it in. A code
    /// works once; five wrong ones void the sign-up.
    pub async fn verify_sign_up(
        &self,
        email: &str,
        code: &str,
        now: UnixMillis,
    ) -> Result<SignedIn, AccountError> {
        let email = parse_email(email)?;
        let address = digest_hex(&email);
        let key = signup_key(&address);
        let presented = digest_hex(&format!("{email}\n{}", code.trim()));
        let pending: Option<PendingSignup> = self
            .update(
                &key,
                now,
                |p: &PendingSignup| Some(p.expires_at),
                |pending: Option<PendingSignup>| {
                    let Some(mut pending) = pending else {
                        return Ok((None, None));
                    };
                    if pending.expires_at <= now {
                        return Ok((None, None));
                    }
                    if same_digest(&pending.code_digest, &presented) {
                        // Redeemed: removed in the same step, so a second use finds nothing.
                        return Ok((None, Some(pending)));
                    }
                    pending.attempts += 1;
                    if pending.attempts >= MAX_CODE_ATTEMPTS {
                        Ok((None, None))
                    } else {
                        Ok((Some(pending), None))
                    }
                },
            )
            .await?;
        let Some(pending) = pending else {
            return Err(AccountError::Unauthorized(WRONG_CODE));
        };
        let user = UserRecord {
            id: Uuid::new_v4(),
            email: pending.email,
            password_hash: pending.password_hash,
            created_at: now,
            session_epoch: 0,
            orgs: Vec::new(),
        };
        if !self
            .kv
            .insert(
                email_key(&address),
                user.id.to_string().into_bytes(),
                None,
                now,
            )
            .await?
        {
            return Err(AccountError::Conflict(
                "An account with this e-mail address already exists",
            ));
        }
        self.kv
            .insert(user_key(user.id), super::encode(&user)?, None, now)
            .await?;
        self.start_session(&user, None, now).await
    }

    /// The user whose verified address is `email`, with their record's bytes.
    pub(super) async fn user_by_email(
        &self,
        email: &str,
        now: UnixMillis,
    ) -> Result<Option<UserRecord>, AccountError> {
        let Some(id) = self.kv.get(email_key(&digest_hex(email)), now).await? else {
            return Ok(None);
        };
        let id = std::str::from_utf8(&id)
            .ok()
            .and_then(|s| Uuid::parse_str(s).ok())
            .ok_or_else(|| AccountError::Internal("corrupt e-mail claim".into()))?;
        self.user(id, now).await
    }

    /// A user by id.
    pub async fn user(
        &self,
        id: Uuid,
        now: UnixMillis,
    ) -> Result<Option<UserRecord>, AccountError> {
        Ok(self.load(user_key(id), now).await?.map(|(u, _)| u))
    }

    /// Checks an address and password: the same answer, after the same Argon2id work, for a
    /// wrong password and an unknown address. Failures are counted per address (10 in 15
    /// minutes lock that address's logins for the rest of the window) and per client (100).
    pub async fn check_login(
        &self,
        email: &str,
        password: String,
        client: &str,
        now: UnixMillis,
    ) -> Result<UserRecord, AccountError> {
        let email = normalize(email).unwrap_or_default();
        let account = Window::of("account", &digest_hex(&email), LOGIN_WINDOW_MS, now);
        let client = Window::of("client", client, LOGIN_WINDOW_MS, now);
        if self.count(&account, now).await? >= MAX_ACCOUNT_FAILURES {
            return Err(account.refusal(LOCKED, now));
        }
        if self.count(&client, now).await? >= MAX_CLIENT_FAILURES {
            return Err(client.refusal(LOCKED, now));
        }
        let user = if email.is_empty() {
            None
        } else {
            self.user_by_email(&email, now).await?
        };
        let ok = verify_password(password, user.as_ref().map(|u| u.password_hash.clone())).await?;
        match user {
            Some(user) if ok => {
                self.clear(&account, now).await?;
                Ok(user)
            }
            _ => {
                self.bump(&account, now).await?;
                self.bump(&client, now).await?;
                Err(AccountError::Unauthorized(WRONG_LOGIN))
            }
        }
    }

    /// Logs in: a new session for the user.
    pub async fn log_in(
        &self,
        email: &str,
        password: String,
        client: &str,
        now: UnixMillis,
    ) -> Result<SignedIn, AccountError> {
        let user = self.check_login(email, password, client, now).await?;
        let first_org = user.orgs.first().copied();
        self.start_session(&user, first_org, now).await
    }

    /// Changes the password (the current one is asked again): every session ends, and the
    /// caller gets a new one.
    pub async fn change_password(
        &self,
        user_id: Uuid,
        current: String,
        new: String,
        current_org: Option<Uuid>,
        now: UnixMillis,
    ) -> Result<SignedIn, AccountError> {
        check_password_rule(&new)?;
        let user = self
            .user(user_id, now)
            .await?
            .ok_or(AccountError::Unauthorized("Authentication required"))?;
        if !verify_password(current, Some(user.password_hash.clone())).await? {
            return Err(AccountError::Unauthorized("The current password is wrong"));
        }
        let hash = hash_password(new).await?;
        let user = self.set_password(user_id, hash, None, now).await?;
        self.start_session(&user, current_org, now).await
    }

    /// Stores a new password hash and ends every session (`epoch`: only if unchanged since).
    async fn set_password(
        &self,
        user_id: Uuid,
        hash: String,
        epoch: Option<u32>,
        now: UnixMillis,
    ) -> Result<UserRecord, AccountError> {
        self.update(
            &user_key(user_id),
            now,
            never,
            |user: Option<UserRecord>| {
                let mut user = user.ok_or(AccountError::Unauthorized(WRONG_RESET))?;
                if epoch.is_some_and(|e| e != user.session_epoch) {
                    return Err(AccountError::Unauthorized(WRONG_RESET));
                }
                user.password_hash = hash.clone();
                user.session_epoch += 1;
                Ok((Some(user.clone()), user))
            },
        )
        .await
    }

    /// Ends every session of the user ("log out everywhere").
    pub async fn end_all_sessions(
        &self,
        user_id: Uuid,
        now: UnixMillis,
    ) -> Result<(), AccountError> {
        self.update(
            &user_key(user_id),
            now,
            never,
            |user: Option<UserRecord>| {
                let mut user = user.ok_or(AccountError::Unauthorized("Authentication required"))?;
                user.session_epoch += 1;
                Ok((Some(user), ()))
            },
        )
        .await
    }

    /// E-mails a reset link if the address has an account; the answer is the same either way.
    pub async fn request_reset(&self, email: &str, now: UnixMillis) -> Result<(), AccountError> {
        let email = parse_email(email)?;
        if !self.can_send_mail() {
            return Err(AccountError::MailUnavailable);
        }
        let mails = Window::of("reset-mail", &digest_hex(&email), 3_600_000, now);
        if self.bump(&mails, now).await? > SIGNUP_MAILS_PER_HOUR {
            return Ok(());
        }
        if let Some(user) = self.user_by_email(&email, now).await? {
            let token = new_token("zkr_");
            let reset = ResetRecord {
                user: user.id,
                epoch: user.session_epoch,
                expires_at: now + RESET_TTL_MS,
            };
            self.kv
                .insert(
                    reset_key(&digest_hex(&token)),
                    super::encode(&reset)?,
                    Some(now + RESET_TTL_MS),
                    now,
                )
                .await?;
            let base = self.settings.public_base.clone();
            self.send_mail(messages::password_reset(&user.email, &token, &base))
                .await?;
        }
        Ok(())
    }

    /// Sets a new password with a reset link's token (once), ending every session.
    pub async fn confirm_reset(
        &self,
        token: &str,
        new: String,
        now: UnixMillis,
    ) -> Result<(), AccountError> {
        check_password_rule(&new)?;
        let Some(bytes) = self.kv.take(reset_key(&digest_hex(token)), now).await? else {
            return Err(AccountError::Unauthorized(WRONG_RESET));
        };
        let reset: ResetRecord = super::decode(&bytes)?;
        if reset.expires_at <= now {
            return Err(AccountError::Unauthorized(WRONG_RESET));
        }
        let hash = hash_password(new).await?;
        self.set_password(reset.user, hash, Some(reset.epoch), now)
            .await?;
        if let Some(user) = self.user(reset.user, now).await? {
            let account = Window::of("account", &digest_hex(&user.email), LOGIN_WINDOW_MS, now);
            self.clear(&account, now).await?;
        }
        Ok(())
    }

    /// Deletes the account (the password is asked again). Refused while the user is the last
    /// admin of an organization that has other members; organizations where the user is the
    /// only member are deleted with it.
    pub async fn delete_account(
        &self,
        user_id: Uuid,
        password: String,
        now: UnixMillis,
    ) -> Result<(), AccountError> {
        let user = self
            .user(user_id, now)
            .await?
            .ok_or(AccountError::Unauthorized("Authentication required"))?;
        if !verify_password(password, Some(user.password_hash.clone())).await? {
            return Err(AccountError::Unauthorized("The password is wrong"));
        }
        self.leave_all_for_deletion(&user, now).await?;
        self.kv.remove(user_key(user_id), None, now).await?;
        self.kv
            .remove(email_key(&digest_hex(&user.email)), None, now)
            .await?;
        Ok(())
    }
}
