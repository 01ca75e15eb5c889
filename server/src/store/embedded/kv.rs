//! Embedded backend of the account records: one redb table of (expiry, value) under each key, and an expiry index for the sweeper.

use redb::{
    Database, ReadableDatabase as _, ReadableTable as _, TableDefinition, WriteTransaction,
};

use super::EmbeddedStore;
use super::tables::{db_error, expiry_key};
use crate::store::kv::KvStore;
use crate::store::{StoreError, StoreFuture, UnixMillis};

/// key → expiry (8 bytes, Unix ms big-endian; `i64::MAX` = never) followed by the value.
pub const RECORDS: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("account_record");
/// (expiry ms, key) → (): what the sweeper deletes, in order. Keys without expiry are absent.
pub const RECORD_EXPIRY: TableDefinition<'_, (u64, &str), ()> =
    TableDefinition::new("account_record_expiry");

const NEVER: i64 = i64::MAX;

fn pack(value: &[u8], expires_at: Option<UnixMillis>) -> Vec<u8> {
    let mut packed = Vec::with_capacity(8 + value.len());
    packed.extend_from_slice(&expires_at.unwrap_or(NEVER).to_be_bytes());
    packed.extend_from_slice(value);
    packed
}

fn unpack(packed: &[u8]) -> Result<(i64, &[u8]), StoreError> {
    let (at, value) = packed
        .split_at_checked(8)
        .ok_or_else(|| StoreError::Internal("corrupt account record".into()))?;
    let at = i64::from_be_bytes(at.try_into().expect("eight bytes"));
    Ok((at, value))
}

/// The live value and its expiry inside a write transaction; an expired one is removed.
fn read_live(
    txn: &WriteTransaction,
    key: &str,
    now: UnixMillis,
) -> Result<Option<(i64, Vec<u8>)>, StoreError> {
    let packed = {
        let table = txn.open_table(RECORDS).map_err(db_error)?;
        let found = table.get(key).map_err(db_error)?;
        found.map(|guard| guard.value().to_vec())
    };
    let Some(packed) = packed else {
        return Ok(None);
    };
    let (at, value) = unpack(&packed)?;
    if at <= now {
        delete(txn, key, at)?;
        return Ok(None);
    }
    Ok(Some((at, value.to_vec())))
}

fn delete(txn: &WriteTransaction, key: &str, at: i64) -> Result<(), StoreError> {
    txn.open_table(RECORDS)
        .map_err(db_error)?
        .remove(key)
        .map_err(db_error)?;
    if at != NEVER {
        txn.open_table(RECORD_EXPIRY)
            .map_err(db_error)?
            .remove((expiry_key(at), key))
            .map_err(db_error)?;
    }
    Ok(())
}

fn write(
    txn: &WriteTransaction,
    key: &str,
    old_at: Option<i64>,
    value: &[u8],
    expires_at: Option<UnixMillis>,
) -> Result<(), StoreError> {
    if let Some(at) = old_at {
        delete(txn, key, at)?;
    }
    txn.open_table(RECORDS)
        .map_err(db_error)?
        .insert(key, pack(value, expires_at).as_slice())
        .map_err(db_error)?;
    if let Some(at) = expires_at {
        txn.open_table(RECORD_EXPIRY)
            .map_err(db_error)?
            .insert((expiry_key(at), key), ())
            .map_err(db_error)?;
    }
    Ok(())
}

/// Runs `step` in one write transaction, committing what it changed.
fn in_write<T>(
    db: &Database,
    step: impl FnOnce(&WriteTransaction) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let txn = db.begin_write().map_err(db_error)?;
    let out = step(&txn)?;
    txn.commit().map_err(db_error)?;
    Ok(out)
}

/// Deletes every account record with expiry `<= now`; returns how many.
pub fn sweep(db: &Database, now: UnixMillis) -> Result<usize, StoreError> {
    in_write(db, |txn| {
        let due: Vec<(u64, String)> = {
            let expiry = txn.open_table(RECORD_EXPIRY).map_err(db_error)?;
            let end = expiry_key(now).saturating_add(1);
            let mut due = Vec::new();
            for entry in expiry.range((0u64, "")..(end, "")).map_err(db_error)? {
                let (key, _) = entry.map_err(db_error)?;
                let (at, name) = key.value();
                due.push((at, name.to_string()));
            }
            due
        };
        let mut records = txn.open_table(RECORDS).map_err(db_error)?;
        let mut expiry = txn.open_table(RECORD_EXPIRY).map_err(db_error)?;
        for (at, key) in &due {
            records.remove(key.as_str()).map_err(db_error)?;
            expiry.remove((*at, key.as_str())).map_err(db_error)?;
        }
        Ok(due.len())
    })
}

/// Creates both tables.
pub fn prepare(txn: &WriteTransaction) -> Result<(), StoreError> {
    txn.open_table(RECORDS).map_err(db_error)?;
    txn.open_table(RECORD_EXPIRY).map_err(db_error)?;
    Ok(())
}

impl KvStore for EmbeddedStore {
    fn get(&self, key: String, now: UnixMillis) -> StoreFuture<'_, Option<Vec<u8>>> {
        self.blocking(move |db| {
            let txn = db.begin_read().map_err(db_error)?;
            let table = txn.open_table(RECORDS).map_err(db_error)?;
            let Some(guard) = table.get(key.as_str()).map_err(db_error)? else {
                return Ok(None);
            };
            let (at, value) = unpack(guard.value())?;
            Ok((at > now).then(|| value.to_vec()))
        })
    }

    fn insert(
        &self,
        key: String,
        value: Vec<u8>,
        expires_at: Option<UnixMillis>,
        now: UnixMillis,
    ) -> StoreFuture<'_, bool> {
        self.blocking(move |db| {
            in_write(db, |txn| {
                if read_live(txn, &key, now)?.is_some() {
                    return Ok(false);
                }
                write(txn, &key, None, &value, expires_at)?;
                Ok(true)
            })
        })
    }

    fn replace(
        &self,
        key: String,
        expected: Vec<u8>,
        value: Vec<u8>,
        expires_at: Option<UnixMillis>,
        now: UnixMillis,
    ) -> StoreFuture<'_, bool> {
        self.blocking(move |db| {
            in_write(db, |txn| match read_live(txn, &key, now)? {
                Some((at, current)) if current == expected => {
                    write(txn, &key, Some(at), &value, expires_at)?;
                    Ok(true)
                }
                _ => Ok(false),
            })
        })
    }

    fn remove(
        &self,
        key: String,
        expected: Option<Vec<u8>>,
        now: UnixMillis,
    ) -> StoreFuture<'_, bool> {
        let deleted = self.deleted_flag();
        self.blocking(move |db| {
            let removed = in_write(db, |txn| match read_live(txn, &key, now)? {
                Some((at, current)) if expected.as_ref().is_none_or(|e| *e == current) => {
                    delete(txn, &key, at)?;
                    Ok(true)
                }
                _ => Ok(false),
            })?;
            if removed {
                deleted.store(true, std::sync::atomic::Ordering::Release);
            }
            Ok(removed)
        })
    }

    fn take(&self, key: String, now: UnixMillis) -> StoreFuture<'_, Option<Vec<u8>>> {
        let deleted = self.deleted_flag();
        self.blocking(move |db| {
            let taken = in_write(db, |txn| match read_live(txn, &key, now)? {
                Some((at, value)) => {
                    delete(txn, &key, at)?;
                    Ok(Some(value))
                }
                None => Ok(None),
            })?;
            if taken.is_some() {
                deleted.store(true, std::sync::atomic::Ordering::Release);
            }
            Ok(taken)
        })
    }

    fn increment(
        &self,
        key: String,
        expires_at: UnixMillis,
        now: UnixMillis,
    ) -> StoreFuture<'_, u64> {
        self.blocking(move |db| {
            in_write(db, |txn| {
                let (at, count) = match read_live(txn, &key, now)? {
                    Some((at, value)) => {
                        let count: u64 = std::str::from_utf8(&value)
                            .ok()
                            .and_then(|v| v.parse().ok())
                            .ok_or_else(|| StoreError::Internal("corrupt counter".into()))?;
                        (Some(at), count.saturating_add(1))
                    }
                    None => (None, 1),
                };
                // Stored as decimal text, as Redis's INCR does, so `get` reads both alike.
                let keep = at.unwrap_or(expires_at);
                write(txn, &key, at, count.to_string().as_bytes(), Some(keep))?;
                Ok(count)
            })
        })
    }
}
