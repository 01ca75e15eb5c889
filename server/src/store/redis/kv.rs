//! Redis backend of the account records: one string per key under a hash-tagged name, changes by one command or one short Lua script.

use redis::Script;

use super::{RedisStore, store_error};
use crate::store::kv::KvStore;
use crate::store::{StoreFuture, UnixMillis};

/// The Redis key of an account record. The whole caller key is the hash tag: one record, one
/// slot, and every step below touches one record.
pub fn record_key(key: &str) -> String {
    format!("zkshare:a1:{{{key}}}")
}

/// Compare-and-swap. KEYS[1] the record; ARGV[1] expected value; ARGV[2] new value; ARGV[3]
/// expiry in Unix ms, or "" for none. Returns 1 if replaced, else 0.
const REPLACE_LUA: &str = r"
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[3] == '' then
  redis.call('SET', KEYS[1], ARGV[2])
else
  redis.call('SET', KEYS[1], ARGV[2], 'PXAT', ARGV[3])
end
return 1
";

/// Compare-and-delete. KEYS[1] the record; ARGV[1] expected value. Returns 1 if deleted.
const REMOVE_IF_LUA: &str = r"
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
";

/// Counter with an expiry set at creation. KEYS[1] the counter; ARGV[1] expiry in Unix ms.
const INCREMENT_LUA: &str = r"
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIREAT', KEYS[1], ARGV[1]) end
return n
";

/// The account scripts, compiled once per store.
pub(super) struct KvScripts {
    replace: Script,
    remove_if: Script,
    increment: Script,
}

impl KvScripts {
    pub(super) fn new() -> Self {
        Self {
            replace: Script::new(REPLACE_LUA),
            remove_if: Script::new(REMOVE_IF_LUA),
            increment: Script::new(INCREMENT_LUA),
        }
    }

    /// Every script, for loading on each primary at start.
    pub(super) fn all(&self) -> [&Script; 3] {
        [&self.replace, &self.remove_if, &self.increment]
    }
}

impl KvStore for RedisStore {
    fn get(&self, key: String, _now: UnixMillis) -> StoreFuture<'_, Option<Vec<u8>>> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            redis::cmd("GET")
                .arg(record_key(&key))
                .query_async(&mut conn)
                .await
                .map_err(store_error)
        })
    }

    fn insert(
        &self,
        key: String,
        value: Vec<u8>,
        expires_at: Option<UnixMillis>,
        _now: UnixMillis,
    ) -> StoreFuture<'_, bool> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let mut cmd = redis::cmd("SET");
            cmd.arg(record_key(&key)).arg(value).arg("NX");
            if let Some(at) = expires_at {
                cmd.arg("PXAT").arg(at);
            }
            let reply: Option<String> = cmd.query_async(&mut conn).await.map_err(store_error)?;
            Ok(reply.is_some())
        })
    }

    fn replace(
        &self,
        key: String,
        expected: Vec<u8>,
        value: Vec<u8>,
        expires_at: Option<UnixMillis>,
        _now: UnixMillis,
    ) -> StoreFuture<'_, bool> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let replaced: i64 = self
                .kv_scripts
                .replace
                .key(record_key(&key))
                .arg(expected)
                .arg(value)
                .arg(expires_at.map(|at| at.to_string()).unwrap_or_default())
                .invoke_async(&mut conn)
                .await
                .map_err(store_error)?;
            Ok(replaced == 1)
        })
    }

    fn remove(
        &self,
        key: String,
        expected: Option<Vec<u8>>,
        _now: UnixMillis,
    ) -> StoreFuture<'_, bool> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let removed: i64 = match expected {
                None => redis::cmd("DEL")
                    .arg(record_key(&key))
                    .query_async(&mut conn)
                    .await
                    .map_err(store_error)?,
                Some(expected) => self
                    .kv_scripts
                    .remove_if
                    .key(record_key(&key))
                    .arg(expected)
                    .invoke_async(&mut conn)
                    .await
                    .map_err(store_error)?,
            };
            Ok(removed == 1)
        })
    }

    fn take(&self, key: String, _now: UnixMillis) -> StoreFuture<'_, Option<Vec<u8>>> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            redis::cmd("GETDEL")
                .arg(record_key(&key))
                .query_async(&mut conn)
                .await
                .map_err(store_error)
        })
    }

    fn increment(
        &self,
        key: String,
        expires_at: UnixMillis,
        _now: UnixMillis,
    ) -> StoreFuture<'_, u64> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            self.kv_scripts
                .increment
                .key(record_key(&key))
                .arg(expires_at)
                .invoke_async(&mut conn)
                .await
                .map_err(store_error)
        })
    }
}
