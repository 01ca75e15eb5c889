//! Embedded backend on redb: one file, no server. The same record bytes and the same state machine (`rules`) as Redis; one write transaction per change.

mod kv;
mod tables;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock, Weak};
use std::time::Duration;

use redb::{Database, ReadableDatabase, ReadableTable as _};

use self::tables::{
    BODIES, EXPIRY, HEADS, LOG_EXPIRY, LOGS, OWNED, db_error, expiry_key, owned_key, read_head,
    remove_secret,
};
use super::rules::{self, Removal, Step, View};
use super::{
    AccessLog, ConsumeOutcome, ConsumeRequest, DeleteOutcome, DeleteProof, GrantedView,
    MAX_LOG_ENTRIES, NewSecret, OwnedPage, Owner, SecretMeta, ShareStore, StoreError, StoreFuture,
    UnixMillis, record,
};
use crate::blocking::BlockingLimit;

/// The file name inside the data directory.
pub const DB_FILE: &str = "zkshare.redb";

/// How often the background sweeper deletes expired secrets.
pub const SWEEP_INTERVAL: Duration = Duration::from_secs(30);

/// redb's page cache. Its default (1 GiB) lets the cache grow with the file; secrets are small
/// and short-lived, and the interior B-tree pages of even a large store fit in a few MiB.
const PAGE_CACHE_BYTES: usize = 16 * 1024 * 1024;

/// A [`ShareStore`] in one redb file. Survives restarts; a sweeper deletes expired secrets and
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
        tables::prepare(&db).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
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
                let now = crate::clock::now_millis();
                match store.sweep_expired(now).await {
                    Ok(0) => {}
                    Ok(n) => tracing::debug!(removed = n, "swept expired secrets"),
                    Err(e) => tracing::warn!(error = %e, "sweeping expired secrets failed"),
                }
                if let Err(e) = store.sweep_expired_records(now).await {
                    tracing::warn!(error = %e, "sweeping expired account records failed");
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
                let due = due(&txn, EXPIRY, now)?;
                let logs_due = sweep_logs(&txn, now)?;
                if due.is_empty() {
                    if logs_due == 0 {
                        txn.abort().map_err(db_error)?;
                    } else {
                        txn.commit().map_err(db_error)?;
                    }
                    return Ok(0);
                }
                for (at, id) in &due {
                    match read_head(&txn, id)? {
                        Some(head) => remove_secret(&txn, id, &head)?,
                        None => {
                            txn.open_table(EXPIRY)
                                .map_err(db_error)?
                                .remove((*at, id.as_str()))
                                .map_err(db_error)?;
                        }
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

    /// Deletes every account record (session, invitation, code) with expiry `<= now`.
    pub async fn sweep_expired_records(&self, now: UnixMillis) -> Result<usize, StoreError> {
        let swept = self.blocking(move |db| kv::sweep(db, now)).await?;
        if swept > 0 {
            self.deleted.store(true, Ordering::Release);
        }
        Ok(swept)
    }

    /// The flag that asks the next [`Self::scrub`] to compact the file.
    fn deleted_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.deleted)
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

impl ShareStore for EmbeddedStore {
    fn describe(&self) -> String {
        format!("embedded at {}", self.path.display())
    }

    fn create(&self, secret: NewSecret) -> StoreFuture<'_, ()> {
        self.blocking(move |db| {
            let record = record::encode(&secret)?;
            let (head, body) = record.split_at(record::head_len(&record)?);
            let txn = db.begin_write().map_err(db_error)?;
            if read_head(&txn, &secret.id)?.is_some() {
                txn.abort().map_err(db_error)?;
                return Err(StoreError::Conflict);
            }
            let id = secret.id.as_str();
            txn.open_table(HEADS)
                .map_err(db_error)?
                .insert(id, head)
                .map_err(db_error)?;
            txn.open_table(BODIES)
                .map_err(db_error)?
                .insert(id, body)
                .map_err(db_error)?;
            txn.open_table(EXPIRY)
                .map_err(db_error)?
                .insert((expiry_key(secret.expires_at), id), ())
                .map_err(db_error)?;
            if let Some(owner) = &secret.owner {
                txn.open_table(OWNED)
                    .map_err(db_error)?
                    .insert(
                        owned_key(owner, secret.created_at, id).as_slice(),
                        expiry_key(secret.expires_at),
                    )
                    .map_err(db_error)?;
            }
            txn.commit().map_err(db_error)?;
            Ok(())
        })
    }

    fn metadata<'a>(&'a self, id: &'a str, now: UnixMillis) -> StoreFuture<'a, Option<SecretMeta>> {
        let id = id.to_string();
        self.blocking(move |db| {
            let txn = db.begin_read().map_err(db_error)?;
            let table = txn.open_table(HEADS).map_err(db_error)?;
            let Some(guard) = table.get(id.as_str()).map_err(db_error)? else {
                return Ok(None);
            };
            let head = guard.value();
            // Expired and unknown alike: `None` (the sweeper deletes the expired one).
            if !rules::is_live(head, now)? {
                return Ok(None);
            }
            record::decode_meta(&id, head).map(Some)
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
            let Some(mut head) = read_head(&txn, &id)? else {
                txn.abort().map_err(db_error)?;
                return Ok((ConsumeOutcome::NotFound, false));
            };
            let (view, step) = rules::consume(&mut head, &request)?;
            let outcome = match view {
                View::NotFound => ConsumeOutcome::NotFound,
                View::Restricted(restriction) => ConsumeOutcome::Restricted {
                    restriction,
                    meta: Box::new(record::decode_meta(&id, &head)?),
                },
                View::Refused {
                    proof_presented,
                    failures,
                    destroyed,
                } => ConsumeOutcome::refused(
                    proof_presented,
                    failures,
                    destroyed,
                    record::decode_meta(&id, &head)?,
                ),
                View::Granted { views_before } => {
                    let bodies = txn.open_table(BODIES).map_err(db_error)?;
                    let body = bodies
                        .get(id.as_str())
                        .map_err(db_error)?
                        .ok_or_else(|| StoreError::Internal("envelope body missing".into()))?;
                    let (meta, envelope) = record::decode_split(&id, &head, body.value())?;
                    ConsumeOutcome::Granted(GrantedView {
                        meta,
                        views_before,
                        envelope,
                    })
                }
            };
            // An expired secret the sweeper has not reached is an unknown id: the same answer
            // by the same path, with no write (the sweeper deletes it).
            let step = if view == View::NotFound {
                Step::Keep
            } else {
                step
            };
            let gone = apply(txn, &id, &head, step)?;
            Ok((outcome, gone))
        });
        let deleted = Arc::clone(&self.deleted);
        Box::pin(async move {
            let (outcome, gone) = consumed.await?;
            if gone {
                deleted.store(true, Ordering::Release);
            }
            Ok(outcome)
        })
    }

    fn delete<'a>(
        &'a self,
        id: &'a str,
        proof: DeleteProof,
        now: UnixMillis,
    ) -> StoreFuture<'a, DeleteOutcome> {
        let id = id.to_string();
        let deletion = self.blocking(move |db| {
            let txn = db.begin_write().map_err(db_error)?;
            let Some(head) = read_head(&txn, &id)? else {
                txn.abort().map_err(db_error)?;
                return Ok(DeleteOutcome::NotFound);
            };
            match rules::delete(&head, &proof, now)? {
                (Removal::Deleted, step) => {
                    let meta = record::decode_meta(&id, &head)?;
                    apply(txn, &id, &head, step)?;
                    Ok(DeleteOutcome::Deleted(meta))
                }
                // Expired: left to the sweeper, as in consume.
                (Removal::NotFound, _) => {
                    txn.abort().map_err(db_error)?;
                    Ok(DeleteOutcome::NotFound)
                }
                (Removal::Forbidden, step) => {
                    apply(txn, &id, &head, step)?;
                    Ok(DeleteOutcome::Forbidden)
                }
            }
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

    fn list_owned(
        &self,
        owner: Owner,
        now: UnixMillis,
        offset: u64,
        limit: u64,
    ) -> StoreFuture<'_, OwnedPage> {
        self.blocking(move |db| {
            let txn = db.begin_read().map_err(db_error)?;
            let owned = txn.open_table(OWNED).map_err(db_error)?;
            let heads = txn.open_table(HEADS).map_err(db_error)?;
            let start = owner.to_bytes().to_vec();
            let mut end = start.clone();
            end.extend_from_slice(&[0xff; 9]);
            let mut page = OwnedPage::default();
            // Newest first; rows of secrets that expired but were not swept yet are skipped.
            for row in owned
                .range(start.as_slice()..end.as_slice())
                .map_err(db_error)?
                .rev()
            {
                let (key, expires_at) = row.map_err(db_error)?;
                if expires_at.value() <= expiry_key(now) {
                    continue;
                }
                let id = std::str::from_utf8(&key.value()[33 + 8..])
                    .map_err(|_| StoreError::Internal("corrupt owned index key".into()))?
                    .to_string();
                let live = match heads.get(id.as_str()).map_err(db_error)? {
                    Some(head) => rules::is_live(head.value(), now)?.then(|| head.value().to_vec()),
                    None => None,
                };
                let Some(head) = live else { continue };
                if page.total >= offset && (page.total - offset) < limit {
                    page.secrets.push(record::decode_meta(&id, &head)?);
                }
                page.total += 1;
            }
            Ok(page)
        })
    }

    fn log_access<'a>(
        &'a self,
        id: &'a str,
        owner: Owner,
        entry: Vec<u8>,
        expires_at: UnixMillis,
    ) -> StoreFuture<'a, ()> {
        let id = id.to_string();
        self.blocking(move |db| {
            let txn = db.begin_write().map_err(db_error)?;
            {
                let mut logs = txn.open_table(LOGS).map_err(db_error)?;
                let mut entries = match logs.get(id.as_str()).map_err(db_error)? {
                    Some(stored) => parse_log(stored.value())?.1,
                    None => {
                        txn.open_table(LOG_EXPIRY)
                            .map_err(db_error)?
                            .insert((expiry_key(expires_at), id.as_str()), ())
                            .map_err(db_error)?;
                        Vec::new()
                    }
                };
                entries.push(entry);
                if entries.len() > MAX_LOG_ENTRIES {
                    entries.drain(..entries.len() - MAX_LOG_ENTRIES);
                }
                let value = encode_log(expires_at, &owner, &entries);
                logs.insert(id.as_str(), value.as_slice())
                    .map_err(db_error)?;
            }
            txn.commit().map_err(db_error)
        })
    }

    fn access_log<'a>(
        &'a self,
        id: &'a str,
        now: UnixMillis,
    ) -> StoreFuture<'a, Option<AccessLog>> {
        let id = id.to_string();
        self.blocking(move |db| {
            let txn = db.begin_read().map_err(db_error)?;
            let logs = txn.open_table(LOGS).map_err(db_error)?;
            let Some(stored) = logs.get(id.as_str()).map_err(db_error)? else {
                return Ok(None);
            };
            let (expires_at, entries, owner) = {
                let (expires_at, entries) = parse_log(stored.value())?;
                let owner = Owner::from_bytes(&stored.value()[8..41])
                    .ok_or_else(|| StoreError::Internal("corrupt access log owner".into()))?;
                (expires_at, entries, owner)
            };
            if expires_at <= now {
                return Ok(None);
            }
            Ok(Some(AccessLog { owner, entries }))
        })
    }

    fn ping(&self) -> StoreFuture<'_, ()> {
        self.blocking(|db| {
            db.begin_read().map_err(db_error)?;
            Ok(())
        })
    }
}

/// Carries out a [`Step`] on the record's head and ends the transaction; returns whether the
/// secret was deleted.
fn apply(
    txn: redb::WriteTransaction,
    id: &str,
    head: &[u8],
    step: Step,
) -> Result<bool, StoreError> {
    match step {
        Step::Keep => {
            txn.abort().map_err(db_error)?;
            return Ok(false);
        }
        Step::Write => {
            txn.open_table(HEADS)
                .map_err(db_error)?
                .insert(id, head)
                .map_err(db_error)?;
        }
        Step::Delete => remove_secret(&txn, id, head)?,
    }
    txn.commit().map_err(db_error)?;
    Ok(step == Step::Delete)
}

/// An access log as stored: expiresAt, owner, then each entry with its 4-byte length.
fn encode_log(expires_at: UnixMillis, owner: &Owner, entries: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&expires_at.to_be_bytes());
    out.extend_from_slice(&owner.to_bytes());
    for entry in entries {
        out.extend_from_slice(&u32::try_from(entry.len()).unwrap_or(u32::MAX).to_be_bytes());
        out.extend_from_slice(entry);
    }
    out
}

/// Reads [`encode_log`]: the expiry and the entries.
fn parse_log(stored: &[u8]) -> Result<(UnixMillis, Vec<Vec<u8>>), StoreError> {
    let corrupt = || StoreError::Internal("corrupt access log".into());
    if stored.len() < 41 {
        return Err(corrupt());
    }
    let expires_at = record::be_i64(stored, 0);
    let mut rest = &stored[41..];
    let mut entries = Vec::new();
    while !rest.is_empty() {
        if rest.len() < 4 {
            return Err(corrupt());
        }
        let len = record::be_u32(rest, 0) as usize;
        let entry = rest.get(4..4 + len).ok_or_else(corrupt)?;
        entries.push(entry.to_vec());
        rest = &rest[4 + len..];
    }
    Ok((expires_at, entries))
}

/// The entries of an expiry index (`EXPIRY`, `LOG_EXPIRY`) due at `now`: (expiresAt, id).
fn due(
    txn: &redb::WriteTransaction,
    index: redb::TableDefinition<'_, (u64, &str), ()>,
    now: UnixMillis,
) -> Result<Vec<(u64, String)>, StoreError> {
    let expiry = txn.open_table(index).map_err(db_error)?;
    let end = expiry_key(now).saturating_add(1);
    let mut due = Vec::new();
    for entry in expiry.range((0u64, "")..(end, "")).map_err(db_error)? {
        let (key, _) = entry.map_err(db_error)?;
        let (at, id) = key.value();
        due.push((at, id.to_string()));
    }
    Ok(due)
}

/// Deletes the access logs whose expiry is `<= now`; returns how many.
fn sweep_logs(txn: &redb::WriteTransaction, now: UnixMillis) -> Result<usize, StoreError> {
    let due = due(txn, LOG_EXPIRY, now)?;
    let mut logs = txn.open_table(LOGS).map_err(db_error)?;
    let mut expiry = txn.open_table(LOG_EXPIRY).map_err(db_error)?;
    for (at, id) in &due {
        logs.remove(id.as_str()).map_err(db_error)?;
        expiry.remove((*at, id.as_str())).map_err(db_error)?;
    }
    Ok(due.len())
}
