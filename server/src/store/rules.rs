//! The one state machine of a stored secret: liveness, consuming a view, counting failed passwords, deleting.
//!
//! Pure: each step reads a packed record ([`record`]), updates its fixed part in place and says
//! what the backend must do with it ([`Step`]). The embedded store runs these functions inside
//! one write transaction; Redis runs `server/lua/consume_view.lua` and `delete_secret.lua`,
//! which implement the same steps, and the randomized test `server/tests/rules_vs_lua.rs`
//! drives both with the same operations and requires the same answers and the same bytes.

use subtle::ConstantTimeEq as _;

use super::record::{
    self, ENVELOPE_MODE_KEY, OFF_ACCESS, OFF_DELETE_DIGEST, OFF_ENVELOPE_MODE, OFF_EXPIRES_AT,
    OFF_FAILURES, OFF_LAST_VIEWED_AT, OFF_PASSWORD, OFF_PASSWORD_DIGEST, OFF_VIEWS, PASSWORD_NONE,
    PASSWORD_PLAIN, UNLIMITED_VIEWS,
};
use super::{ConsumeRequest, DeleteProof, Digest, StoreError, UnixMillis};
use crate::domain::{AccessType, OrgId, Restriction, ViewerClaims};

/// What the backend does with the stored record after a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Nothing changed.
    Keep,
    /// Store the record as the step left it.
    Write,
    /// Delete the secret.
    Delete,
}

/// The answer to one attempt to consume a view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    /// Expired or used up (an absent record is the backend's to answer, the same way).
    NotFound,
    /// The secret's access type or recipients ask for claims the viewer does not have;
    /// nothing changed.
    Restricted(Restriction),
    /// The password or verifier is missing or wrong.
    Refused {
        /// Whether a proof was presented (wrong) or not (missing).
        proof_presented: bool,
        /// Failures so far, including this one where it was counted.
        failures: u32,
        /// The failure limit was reached: the step is [`Step::Delete`].
        destroyed: bool,
    },
    /// One view consumed; the record now holds the views left and `lastViewedAt`.
    Granted {
        /// Views left before this one; `None` = unlimited.
        views_before: Option<u32>,
    },
}

/// The answer to a delete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Removal {
    /// Expired or used up.
    NotFound,
    /// The delete token does not match; nothing changed.
    Forbidden,
    /// The token matched: the step is [`Step::Delete`].
    Deleted,
}

/// Whether a secret is live at `now`: not expired and with views left. A dead one reads as
/// absent everywhere, and the next step that finds it deletes it.
pub fn is_live(record: &[u8], now: UnixMillis) -> Result<bool, StoreError> {
    record::check_fixed(record)?;
    Ok(record::be_i64(record, OFF_EXPIRES_AT) > now && record::be_u32(record, OFF_VIEWS) != 0)
}

/// May a viewer with `viewer`'s claims open a secret of `access` that belongs to `owner_org`
/// (the organization in the record's owner segment)? An organization secret asks for
/// membership of that organization, right now; one without an owner is open to nobody.
pub fn may_view(access: AccessType, owner_org: Option<OrgId>, viewer: &ViewerClaims) -> bool {
    match access {
        AccessType::Anyone => true,
        AccessType::Organization => owner_org.is_some() && viewer.org_id == owner_org,
    }
}

/// Whether refused views of a secret count toward the failure limit (`--max-password-failures`).
///
/// The limit exists to stop password guessing, so it applies only where a guess can succeed: a
/// plain password (hashed by the server), or an envelope in a password mode (`key+password`,
/// `password`), whose verifier is derived from a password. In mode `key` the verifier carries
/// the link key's 256 bits; counting there would let anyone who saw the id destroy the secret
/// with a few requests.
pub fn counts_failures(envelope_mode: u8, plain_password: bool) -> bool {
    plain_password || envelope_mode != ENVELOPE_MODE_KEY
}

/// May a viewer open a secret sent to recipients? With the digest of one of their mailed tokens
/// (external recipients only), or signed in with a verified address on the list. `record` has
/// recipients at `at` (from [`record::recipients`]).
fn admits_recipient(
    record: &[u8],
    (n, emails_at, tokens_at): (usize, usize, Option<usize>),
    request: &ConsumeRequest,
) -> bool {
    let listed = |start: usize, digest: &Digest| {
        (0..n).any(|i| digest_matches(record, start + 32 * i, digest))
    };
    let by_token = tokens_at
        .zip(request.token_digest.as_ref())
        .is_some_and(|(at, d)| listed(at, d));
    by_token
        || request
            .email_digest
            .as_ref()
            .is_some_and(|d| listed(emails_at, d))
}

fn access_type(record: &[u8]) -> Result<AccessType, StoreError> {
    match record[OFF_ACCESS] {
        0 => Ok(AccessType::Anyone),
        1 => Ok(AccessType::Organization),
        _ => Err(StoreError::Internal(
            "corrupt secret record: access type".into(),
        )),
    }
}

fn digest_matches(record: &[u8], at: usize, presented: &Digest) -> bool {
    bool::from(record[at..at + 32].ct_eq(presented))
}

/// One attempt to consume a view, in this order: liveness, the viewer's claims against the
/// access type, against the recipients (a mailed token or a listed verified address), the password (counting a missing or wrong one where guessing can succeed, and
/// destroying the secret at the limit), then the view. `record` is the whole record or its
/// head ([`record::head_len`]): only the fixed part is written; the envelope's mode byte, the
/// owner's organization and the recipients are read.
pub fn consume(record: &mut [u8], request: &ConsumeRequest) -> Result<(View, Step), StoreError> {
    if !is_live(record, request.now)? {
        return Ok((View::NotFound, Step::Delete));
    }
    let access = access_type(record)?;
    // The owner segment is read only where it matters, as the script does.
    let owner_org = match access {
        AccessType::Anyone => None,
        AccessType::Organization => record::owner_org(record)?,
    };
    if !may_view(access, owner_org, &request.viewer) {
        return Ok((View::Restricted(Restriction::Organization), Step::Keep));
    }
    if let Some(recipients) = record::recipients(record)?
        && !admits_recipient(record, recipients, request)
    {
        return Ok((View::Restricted(Restriction::Emails), Step::Keep));
    }
    let password = record[OFF_PASSWORD];
    if password != PASSWORD_NONE
        && !request
            .digest
            .is_some_and(|d| digest_matches(record, OFF_PASSWORD_DIGEST, &d))
    {
        let proof_presented = request.digest.is_some();
        let failures = record::be_u32(record, OFF_FAILURES);
        // A missing or unreadable mode byte counts as a password mode.
        let mode = record.get(OFF_ENVELOPE_MODE).copied().unwrap_or(0);
        if !counts_failures(mode, password == PASSWORD_PLAIN) {
            let refused = View::Refused {
                proof_presented,
                failures,
                destroyed: false,
            };
            return Ok((refused, Step::Keep));
        }
        let failures = failures.saturating_add(1);
        let destroyed = request.max_failures > 0 && failures >= request.max_failures;
        record::put_u32(record, OFF_FAILURES, failures);
        let refused = View::Refused {
            proof_presented,
            failures,
            destroyed,
        };
        return Ok((refused, if destroyed { Step::Delete } else { Step::Write }));
    }
    let views = record::be_u32(record, OFF_VIEWS);
    let after = if views == UNLIMITED_VIEWS {
        views
    } else {
        views - 1
    };
    record::put_i64(record, OFF_LAST_VIEWED_AT, request.now);
    record::put_u32(record, OFF_VIEWS, after);
    let granted = View::Granted {
        views_before: (views != UNLIMITED_VIEWS).then_some(views),
    };
    Ok((
        granted,
        if after == 0 {
            Step::Delete
        } else {
            Step::Write
        },
    ))
}

/// A delete with the SHA-256 of a presented delete token, or by the secret's owner (the same
/// creator in the same organization; a secret without owner has none).
pub fn delete(
    record: &[u8],
    proof: &DeleteProof,
    now: UnixMillis,
) -> Result<(Removal, Step), StoreError> {
    if !is_live(record, now)? {
        return Ok((Removal::NotFound, Step::Delete));
    }
    let allowed = match proof {
        DeleteProof::Token(digest) => digest_matches(record, OFF_DELETE_DIGEST, digest),
        DeleteProof::Owner(caller) => record::owner(record)?.as_ref() == Some(caller),
    };
    if !allowed {
        return Ok((Removal::Forbidden, Step::Keep));
    }
    Ok((Removal::Deleted, Step::Delete))
}
