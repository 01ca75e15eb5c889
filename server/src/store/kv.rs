//! The storage contract of accounts: small records under string keys, each with an optional expiry, every change one atomic step on one key.
//!
//! Users, sessions, organizations, invitations and machine identities (`crate::accounts`) are
//! stored through this trait, in the same two backends as secrets. Each method touches exactly
//! one key, so on Redis Cluster every step stays on one slot, and updates of a record that
//! more than one request may change at once (an organization's members) are compare-and-swap
//! loops over [`KvStore::replace`]. Expiry is absolute (Unix ms): Redis deletes the key by its
//! own clock (`PXAT`); the embedded store treats a key as gone from `expires_at` on, and its
//! sweeper deletes it.

use super::{StoreFuture, UnixMillis};

/// Small records with an optional expiry. Keys are short ASCII strings chosen by the caller
/// (`user:<uuid>`, `session:<digest>`); the backend adds its own prefix.
pub trait KvStore: Send + Sync + 'static {
    /// The value, or `None` if absent or expired at `now`.
    fn get(&self, key: String, now: UnixMillis) -> StoreFuture<'_, Option<Vec<u8>>>;

    /// Stores `value` unless the key exists (and is live); `true` if stored.
    fn insert(
        &self,
        key: String,
        value: Vec<u8>,
        expires_at: Option<UnixMillis>,
        now: UnixMillis,
    ) -> StoreFuture<'_, bool>;

    /// Replaces the value if it is still exactly `expected`; `true` if replaced. The new expiry
    /// replaces the old one (`None`: never expires).
    fn replace(
        &self,
        key: String,
        expected: Vec<u8>,
        value: Vec<u8>,
        expires_at: Option<UnixMillis>,
        now: UnixMillis,
    ) -> StoreFuture<'_, bool>;

    /// Deletes the key if its value is `expected` (any value when `None`); `true` if deleted.
    fn remove(
        &self,
        key: String,
        expected: Option<Vec<u8>>,
        now: UnixMillis,
    ) -> StoreFuture<'_, bool>;

    /// Reads and deletes in one step: a single-use token is redeemed by one caller only.
    fn take(&self, key: String, now: UnixMillis) -> StoreFuture<'_, Option<Vec<u8>>>;

    /// Adds one to a counter, creating it at 1 with `expires_at` (later calls keep that expiry);
    /// returns the new count. The value is the count in decimal text (what [`KvStore::get`] reads).
    fn increment(
        &self,
        key: String,
        expires_at: UnixMillis,
        now: UnixMillis,
    ) -> StoreFuture<'_, u64>;
}
