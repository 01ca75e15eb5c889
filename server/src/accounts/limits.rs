//! Fixed-window counters of failed logins and of mails sent, one record per subject and window.

use super::records::failure_key;
use super::{AccountError, Accounts};
use crate::store::UnixMillis;

/// One subject's counter in the window that holds `now`. The window's index is part of the
/// key, so a new window starts from zero by the server's clock on every backend, and the
/// record expires when its window ends.
pub struct Window {
    key: String,
    ends_at: UnixMillis,
}

impl Window {
    /// The window of length `length_ms` around `now` for `kind`/`subject`.
    pub fn of(kind: &str, subject: &str, length_ms: i64, now: UnixMillis) -> Window {
        let index = now.div_euclid(length_ms);
        Window {
            key: failure_key(kind, &format!("{subject}:{index}")),
            ends_at: (index + 1) * length_ms,
        }
    }

    /// The refusal while the window is full: 429 with the seconds until it ends.
    pub fn refusal(&self, message: &'static str, now: UnixMillis) -> AccountError {
        AccountError::TooMany {
            message,
            retry_after_secs: u64::try_from((self.ends_at - now + 999) / 1000)
                .unwrap_or(1)
                .max(1),
        }
    }
}

impl Accounts {
    /// The count so far in `window`.
    pub(super) async fn count(
        &self,
        window: &Window,
        now: UnixMillis,
    ) -> Result<u64, AccountError> {
        Ok(self
            .kv
            .get(window.key.clone(), now)
            .await?
            .and_then(|v| std::str::from_utf8(&v).ok()?.parse().ok())
            .unwrap_or(0))
    }

    /// Adds one; returns the new count.
    pub(super) async fn bump(&self, window: &Window, now: UnixMillis) -> Result<u64, AccountError> {
        Ok(self
            .kv
            .increment(window.key.clone(), window.ends_at, now)
            .await?)
    }

    /// Starts the window's count over.
    pub(super) async fn clear(&self, window: &Window, now: UnixMillis) -> Result<(), AccountError> {
        self.kv.remove(window.key.clone(), None, now).await?;
        Ok(())
    }
}
