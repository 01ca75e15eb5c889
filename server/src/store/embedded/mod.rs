//! Embedded backend on redb: one file, no server. Same semantics as Redis; one write transaction per change.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock, Weak};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition, WriteTransaction};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use crate::blocking::BlockingLimit;

use super::{
    AccessType, ConsumeOutcome, ConsumeRequest, DeleteOutcome, Digest, GrantedView, NewSecret,
    SecretMeta, SecretStore, StoreError, StoreFuture, UnixMillis, counts_failures, digest_from_hex,
    salt_from_hex,
};

/// id → JSON of [`StoredMeta`] (everything but the envelope).
const META: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("secret_meta");
/// id → envelope. Apart from the metadata so that metadata reads never load it.
const ENVELOPES: TableDefinition<'_, &str, &str> = TableDefinition::new("secret_envelope");
/// (expiresAt ms, id) → (): lets the sweeper find expired secrets in order.
const EXPIRY: TableDefinition<'_, (u64, &str), ()> = TableDefinition::new("secret_expiry");

/// The file name inside the data directory.
pub const DB_FILE: &str = "zkshare.redb";

/// How often the background sweeper deletes expired secrets.
pub const SWEEP_INTERVAL: Duration = Duration::from_secs(30);

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredMeta {
    header: String,
    name: Option<String>,
    access_type: AccessType,
    created_at: i64,
    expires_at: i64,
    views: Option<u32>,
    last_viewed_at: Option<i64>,
    vdig: Option<String>,
    pwsalt: Option<String>,
    failures: u32,
    dtok: String,
}

impl StoredMeta {
    fn to_meta(&self, id: &str) -> Result<SecretMeta, StoreError> {
        Ok(SecretMeta {
            id: id.to_string(),
            envelope_header: self.header.clone(),
            name: self.name.clone(),
            access_type: self.access_type,
            created_at: self.created_at,
            expires_at: self.expires_at,
            views_remaining: self.views,
            last_viewed_at: self.last_viewed_at,
            password_protected: self.vdig.is_some(),
            password_salt: match &self.pwsalt {
                Some(s) => Some(salt_from_hex(s).ok_or_else(|| corrupt("pwsalt"))?),
                None => None,
            },
        })
    }

    /// The envelope's mode byte (PROTOCOL.md §4), from the first four base64url characters of
    /// the header; 0 (counted as a password mode) if it cannot be read.
    fn envelope_mode(&self) -> u8 {
        self.header
            .get(..4)
            .and_then(|prefix| URL_SAFE_NO_PAD.decode(prefix).ok())
            .and_then(|bytes| bytes.get(1).copied())
            .unwrap_or(0)
    }

    fn is_dead(&self, now: UnixMillis) -> bool {
        self.expires_at <= now || self.views == Some(0)
    }
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Internal(format!("corrupt embedded record: {what}"))
}

fn db_error(e: impl Into<redb::Error>) -> StoreError {
    StoreError::Internal(e.into().to_string())
}

fn expiry_key(expires_at: i64) -> u64 {
    u64::try_from(expires_at).unwrap_or(0)
}

fn decode(raw: &[u8]) -> Result<StoredMeta, StoreError> {
    serde_json::from_slice(raw).map_err(|_| corrupt("metadata"))
}

fn encode(meta: &StoredMeta) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(meta).map_err(|_| corrupt("metadata"))
}

/// Reads a secret's metadata inside a write transaction.
fn read_meta(txn: &WriteTransaction, id: &str) -> Result<Option<StoredMeta>, StoreError> {
    let table = txn.open_table(META).map_err(db_error)?;
    let raw = table.get(id).map_err(db_error)?;
    raw.map(|guard| decode(guard.value())).transpose()
}

/// A secret's metadata if it exists and is live at `now`; expired or used up reads as absent.
fn live_meta(
    txn: &WriteTransaction,
    id: &str,
    now: UnixMillis,
) -> Result<Option<StoredMeta>, StoreError> {
    Ok(read_meta(txn, id)?.filter(|stored| !stored.is_dead(now)))
}

fn write_meta(txn: &WriteTransaction, id: &str, meta: &StoredMeta) -> Result<(), StoreError> {
    let mut table = txn.open_table(META).map_err(db_error)?;
    table
        .insert(id, encode(meta)?.as_slice())
        .map_err(db_error)?;
    Ok(())
}

/// Removes a secret from all three tables.
fn remove_secret(txn: &WriteTransaction, id: &str, expires_at: i64) -> Result<(), StoreError> {
    txn.open_table(META)
        .map_err(db_error)?
        .remove(id)
        .map_err(db_error)?;
    txn.open_table(ENVELOPES)
        .map_err(db_error)?
        .remove(id)
        .map_err(db_error)?;
    txn.open_table(EXPIRY)
        .map_err(db_error)?
        .remove((expiry_key(expires_at), id))
        .map_err(db_error)?;
    Ok(())
}

fn digests_equal(stored_hex: &str, presented: &Digest) -> bool {
    match digest_from_hex(stored_hex) {
        Some(stored) => bool::from(stored.ct_eq(presented)),
        None => false,
    }
}

/// redb's page cache. Its default (1 GiB) lets the cache grow with the file; secrets are small
/// and short-lived, and the interior B-tree pages of even a large store fit in a few MiB.
const PAGE_CACHE_BYTES: usize = 16 * 1024 * 1024;

/// A [`SecretStore`] in one redb file. Survives restarts; a sweeper deletes expired secrets and
/// then compacts the file, so that deleted envelopes do not stay on disk (see [`Self::scrub`]).
pub struct EmbeddedStore {
    /// Store operations share it; [`Self::scrub`] takes it alone to compact the file.
    db: Arc<RwLock<Database>>,
    path: PathBuf,
    /// redb serialises write transactions; more threads than this only wait on its lock.
    limit: BlockingLimit,
    /// A secret was deleted since the last compaction.
    deleted: Arc<AtomicBool>,
}

/// Compacts until redb finds nothing more to move (bounded, in case it keeps finding some).
fn compact(db: &RwLock<Database>) -> Result<(), StoreError> {
    let mut db = db.write().unwrap_or_else(PoisonError::into_inner);
    for _ in 0..64 {
        if !db.compact().map_err(db_error)? {
            break;
        }
    }
    Ok(())
}

impl Drop for EmbeddedStore {
    // Closing the store leaves no deleted envelope behind in the file.
    fn drop(&mut self) {
        if self.deleted.load(Ordering::Acquire)
            && let Err(e) = compact(&self.db)
        {
            tracing::warn!(error = %e, "compacting the embedded store at close failed");
        }
    }
}

/// Store operations running at once, per CPU core.
const OPERATIONS_PER_CORE: usize = 4;

impl EmbeddedStore {
    /// Opens (or creates) `<data_dir>/zkshare.redb`, creating the directory (mode 0700) if needed.
    /// Blocking: call from `spawn_blocking` or before the runtime is busy.
    pub fn open(data_dir: &Path) -> anyhow::Result<Self> {
        if !data_dir.exists() {
            let mut builder = std::fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            builder.create(data_dir).map_err(|e| {
                anyhow::anyhow!("cannot create data directory {}: {e}", data_dir.display())
            })?;
        }
        let path = data_dir.join(DB_FILE);
        let db = redb::Builder::new()
            .set_cache_size(PAGE_CACHE_BYTES)
            .create(&path)
            .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))?;
        let txn = db.begin_write()?;
        txn.open_table(META)?;
        txn.open_table(ENVELOPES)?;
        txn.open_table(EXPIRY)?;
        txn.commit()?;
        Ok(Self {
            db: Arc::new(RwLock::new(db)),
            path,
            limit: BlockingLimit::per_core(OPERATIONS_PER_CORE),
            deleted: Arc::new(AtomicBool::new(false)),
        })
    }

    /// Opens the store off the async threads and starts its background sweeper.
    pub async fn open_with_sweeper(data_dir: PathBuf) -> anyhow::Result<Arc<Self>> {
        let store = tokio::task::spawn_blocking(move || Self::open(&data_dir)).await??;
        let store = Arc::new(store);
        store.spawn_sweeper(SWEEP_INTERVAL);
        Ok(store)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Deletes expired secrets every `every`. Stops once the store is dropped.
    pub fn spawn_sweeper(self: &Arc<Self>, every: Duration) -> tokio::task::JoinHandle<()> {
        let weak: Weak<Self> = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(every);
            ticker.tick().await;
            loop {
                ticker.tick().await;
                let Some(store) = weak.upgrade() else { break };
                match store.sweep_expired(crate::now_millis()).await {
                    Ok(0) => {}
                    Ok(n) => tracing::debug!(removed = n, "swept expired secrets"),
                    Err(e) => tracing::warn!(error = %e, "sweeping expired secrets failed"),
                }
                if let Err(e) = store.scrub().await {
                    tracing::warn!(error = %e, "compacting the embedded store failed");
                }
            }
        })
    }

    /// Compacts the file if a secret was deleted since the last time; returns whether it did.
    ///
    /// redb copies a page on write and frees the old one, and a freed page keeps its bytes
    /// until it is reused: a deleted envelope would stay in the file for an unknown time.
    /// Compaction moves the live pages down over the free ones and cuts the file after them.
    /// Store operations wait while it runs (milliseconds for a small store; see SECURITY.md).
    pub async fn scrub(&self) -> Result<bool, StoreError> {
        if !self.deleted.swap(false, Ordering::AcqRel) {
            return Ok(false);
        }
        let db = Arc::clone(&self.db);
        let deleted = Arc::clone(&self.deleted);
        tokio::task::spawn_blocking(move || {
            compact(&db).inspect_err(|_| deleted.store(true, Ordering::Release))
        })
        .await
        .map_err(|e| StoreError::Internal(format!("compaction task failed: {e}")))??;
        Ok(true)
    }

    /// Deletes every secret with `expiresAt <= now`; returns how many.
    pub async fn sweep_expired(&self, now: UnixMillis) -> Result<usize, StoreError> {
        let deleted = Arc::clone(&self.deleted);
        let swept = self
            .blocking(move |db| {
                let txn = db.begin_write().map_err(db_error)?;
                let due: Vec<(u64, String)> = {
                    let expiry = txn.open_table(EXPIRY).map_err(db_error)?;
                    let end = expiry_key(now).saturating_add(1);
                    let mut due = Vec::new();
                    for entry in expiry.range((0u64, "")..(end, "")).map_err(db_error)? {
                        let (key, _) = entry.map_err(db_error)?;
                        let (at, id) = key.value();
                        due.push((at, id.to_string()));
                    }
                    due
                };
                if due.is_empty() {
                    txn.abort().map_err(db_error)?;
                    return Ok(0);
                }
                {
                    let mut meta = txn.open_table(META).map_err(db_error)?;
                    let mut envelopes = txn.open_table(ENVELOPES).map_err(db_error)?;
                    let mut expiry = txn.open_table(EXPIRY).map_err(db_error)?;
                    for (at, id) in &due {
                        meta.remove(id.as_str()).map_err(db_error)?;
                        envelopes.remove(id.as_str()).map_err(db_error)?;
                        expiry.remove((*at, id.as_str())).map_err(db_error)?;
                    }
                }
                txn.commit().map_err(db_error)?;
                Ok(due.len())
            })
            .await?;
        if swept > 0 {
            deleted.store(true, Ordering::Release);
        }
        Ok(swept)
    }

    /// Runs `f` on the blocking pool (redb does file I/O and fsync), a few at a time.
    fn blocking<T, F>(&self, f: F) -> StoreFuture<'static, T>
    where
        T: Send + 'static,
        F: FnOnce(&Database) -> Result<T, StoreError> + Send + 'static,
    {
        let db = Arc::clone(&self.db);
        let limit = self.limit.clone();
        Box::pin(async move {
            limit
                .run(move || f(&db.read().unwrap_or_else(PoisonError::into_inner)))
                .await
                .map_err(|e| StoreError::Internal(format!("store task failed: {e}")))?
        })
    }
}

impl SecretStore for EmbeddedStore {
    fn describe(&self) -> String {
        format!("embedded at {}", self.path.display())
    }

    fn create(&self, secret: NewSecret) -> StoreFuture<'_, ()> {
        self.blocking(move |db| {
            let txn = db.begin_write().map_err(db_error)?;
            if read_meta(&txn, &secret.id)?.is_some() {
                txn.abort().map_err(db_error)?;
                return Err(StoreError::Conflict);
            }
            let meta = StoredMeta {
                header: secret.envelope_header,
                name: secret.name,
                access_type: secret.access_type,
                created_at: secret.created_at,
                expires_at: secret.expires_at,
                views: secret.max_views,
                last_viewed_at: None,
                vdig: secret.password.as_ref().map(|p| hex::encode(p.digest)),
                pwsalt: secret
                    .password
                    .as_ref()
                    .and_then(|p| p.salt)
                    .map(hex::encode),
                failures: 0,
                dtok: hex::encode(secret.delete_token_digest),
            };
            write_meta(&txn, &secret.id, &meta)?;
            txn.open_table(ENVELOPES)
                .map_err(db_error)?
                .insert(secret.id.as_str(), secret.envelope.as_str())
                .map_err(db_error)?;
            txn.open_table(EXPIRY)
                .map_err(db_error)?
                .insert((expiry_key(meta.expires_at), secret.id.as_str()), ())
                .map_err(db_error)?;
            txn.commit().map_err(db_error)?;
            Ok(())
        })
    }

    fn metadata<'a>(&'a self, id: &'a str, now: UnixMillis) -> StoreFuture<'a, Option<SecretMeta>> {
        let id = id.to_string();
        self.blocking(move |db| {
            let txn = db.begin_read().map_err(db_error)?;
            let table = txn.open_table(META).map_err(db_error)?;
            let raw = table.get(id.as_str()).map_err(db_error)?;
            // Expired and unknown alike: `None` (the sweeper deletes the expired one).
            raw.map(|guard| decode(guard.value()))
                .transpose()?
                .filter(|stored| !stored.is_dead(now))
                .map(|stored| stored.to_meta(&id))
                .transpose()
        })
    }

    fn consume<'a>(
        &'a self,
        id: &'a str,
        request: ConsumeRequest,
    ) -> StoreFuture<'a, ConsumeOutcome> {
        let id = id.to_string();
        let consumed = self.blocking(move |db| {
            let txn = db.begin_write().map_err(db_error)?;
            // An expired secret the sweeper has not reached is an unknown id: the same answer
            // by the same path, with no write (the sweeper deletes it).
            let Some(mut stored) = live_meta(&txn, &id, request.now)? else {
                txn.abort().map_err(db_error)?;
                return Ok(ConsumeOutcome::NotFound);
            };
            if stored.access_type != AccessType::Anyone && !request.allow_restricted {
                txn.abort().map_err(db_error)?;
                return Ok(ConsumeOutcome::Restricted(stored.access_type));
            }
            if let Some(vdig) = &stored.vdig {
                let presented = request.digest.as_ref();
                if !presented.is_some_and(|p| digests_equal(vdig, p)) {
                    if !counts_failures(stored.envelope_mode(), stored.pwsalt.is_some()) {
                        // Nothing to guess: refused, and nothing changes.
                        txn.abort().map_err(db_error)?;
                        return Ok(ConsumeOutcome::refused(
                            presented.is_some(),
                            stored.failures,
                            false,
                        ));
                    }
                    // A missing proof counts like a wrong one.
                    stored.failures = stored.failures.saturating_add(1);
                    let failures = stored.failures;
                    let destroyed = request.max_failures > 0 && failures >= request.max_failures;
                    if destroyed {
                        remove_secret(&txn, &id, stored.expires_at)?;
                    } else {
                        write_meta(&txn, &id, &stored)?;
                    }
                    txn.commit().map_err(db_error)?;
                    return Ok(ConsumeOutcome::refused(
                        presented.is_some(),
                        failures,
                        destroyed,
                    ));
                }
            }
            let envelope = txn
                .open_table(ENVELOPES)
                .map_err(db_error)?
                .get(id.as_str())
                .map_err(db_error)?
                .map(|g| g.value().to_string())
                .ok_or_else(|| corrupt("envelope missing"))?;
            let views_before = stored.views;
            stored.views = stored.views.map(|v| v.saturating_sub(1));
            stored.last_viewed_at = Some(request.now);
            if stored.views == Some(0) {
                remove_secret(&txn, &id, stored.expires_at)?;
            } else {
                write_meta(&txn, &id, &stored)?;
            }
            txn.commit().map_err(db_error)?;
            Ok(ConsumeOutcome::Granted(GrantedView {
                meta: stored.to_meta(&id)?,
                views_before,
                envelope,
            }))
        });
        let deleted = Arc::clone(&self.deleted);
        Box::pin(async move {
            let outcome = consumed.await?;
            let gone = match &outcome {
                ConsumeOutcome::Granted(view) => view.meta.views_remaining == Some(0),
                ConsumeOutcome::PasswordRequired { destroyed, .. }
                | ConsumeOutcome::InvalidCredentials { destroyed, .. } => *destroyed,
                ConsumeOutcome::NotFound | ConsumeOutcome::Restricted(_) => false,
            };
            if gone {
                deleted.store(true, Ordering::Release);
            }
            Ok(outcome)
        })
    }

    fn delete<'a>(
        &'a self,
        id: &'a str,
        token_digest: Digest,
        now: UnixMillis,
    ) -> StoreFuture<'a, DeleteOutcome> {
        let id = id.to_string();
        let deletion = self.blocking(move |db| {
            let txn = db.begin_write().map_err(db_error)?;
            let Some(stored) = live_meta(&txn, &id, now)? else {
                txn.abort().map_err(db_error)?;
                return Ok(DeleteOutcome::NotFound);
            };
            if !digests_equal(&stored.dtok, &token_digest) {
                txn.abort().map_err(db_error)?;
                return Ok(DeleteOutcome::Forbidden);
            }
            remove_secret(&txn, &id, stored.expires_at)?;
            txn.commit().map_err(db_error)?;
            Ok(DeleteOutcome::Deleted(stored.to_meta(&id)?))
        });
        let deleted = Arc::clone(&self.deleted);
        Box::pin(async move {
            let outcome = deletion.await?;
            if matches!(outcome, DeleteOutcome::Deleted(_)) {
                deleted.store(true, Ordering::Release);
            }
            Ok(outcome)
        })
    }

    fn ping(&self) -> StoreFuture<'_, ()> {
        self.blocking(|db| {
            db.begin_read().map_err(db_error)?;
            Ok(())
        })
    }
}
