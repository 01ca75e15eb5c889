//! Redis backend of what a creator sees of their secrets: the per-creator index behind the list, and each secret's access log.
//!
//! The index of one creator in one organization is two sorted sets under one hash tag (the
//! owner's bytes in hex), so every step stays on one Cluster slot: `…:c` scores each secret id
//! by its creation time (the list's order), `…:e` by its expiry. Each step first drops the ids
//! whose expiry has passed, and both keys expire with the last secret in them, so the index
//! holds only secrets that have not expired. A secret deleted earlier (last view, failure
//! limit, delete) leaves the index right after, in a second step on the index's slot; a list
//! that still finds an id without a secret (a crash between the two steps) drops it then.
//!
//! The access log of a secret is a list under the secret's own hash tag: its first element is
//! the owner (who may read it), then the entries, at most [`MAX_LOG_ENTRIES`].

use redis::{Script, Value};

use super::{RedisStore, bytes, corrupt, store_error};
use crate::store::{AccessLog, MAX_LOG_ENTRIES, OwnedPage, Owner, StoreError, UnixMillis};

/// The two index keys of `owner`: by creation, by expiry.
pub fn index_keys(owner: &Owner) -> [String; 2] {
    let tag = hex::encode(owner.to_bytes());
    [
        format!("zkshare:o1:{{{tag}}}:c"),
        format!("zkshare:o1:{{{tag}}}:e"),
    ]
}

/// The access log key of a secret (same slot as the secret).
pub fn log_key(id: &str) -> String {
    format!("zkshare:l1:{{{id}}}")
}

/// Drops the expired ids (shared prelude of the index scripts). KEYS[1] by creation, KEYS[2] by
/// expiry; ARGV[1] now (Unix ms).
const PRUNE: &str = r"
local dead = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
for _, id in ipairs(dead) do
  redis.call('ZREM', KEYS[1], id)
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])
";

/// Adds a secret. ARGV[2] id, ARGV[3] createdAt, ARGV[4] expiresAt. Both keys expire with the
/// latest expiry in the index. Returns 1.
const INDEX_LUA: &str = r"
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[2])
local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], last[2])
redis.call('PEXPIREAT', KEYS[2], last[2])
return 1
";

/// One page. ARGV[2] offset, ARGV[3] limit (≥ 1). Returns {total, id…} newest first.
const LIST_LUA: &str = r"
local total = redis.call('ZCARD', KEYS[1])
local first = tonumber(ARGV[2])
local page = redis.call('ZREVRANGE', KEYS[1], first, first + tonumber(ARGV[3]) - 1)
table.insert(page, 1, tostring(total))
return page
";

/// Removes one id. ARGV[1] id.
const UNINDEX_LUA: &str = r"
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
";

/// Appends to a log. KEYS[1] the log; ARGV[1] the owner's bytes; ARGV[2] the entry; ARGV[3]
/// expiry (Unix ms); ARGV[4] most entries kept. The first element stays the owner.
const LOG_LUA: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('RPUSH', KEYS[1], ARGV[1])
end
redis.call('RPUSH', KEYS[1], ARGV[2])
local most = tonumber(ARGV[4])
if redis.call('LLEN', KEYS[1]) > most + 1 then
  local owner = redis.call('LINDEX', KEYS[1], 0)
  redis.call('LTRIM', KEYS[1], -most, -1)
  redis.call('LPUSH', KEYS[1], owner)
end
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
return 1
";

/// The index and log scripts, compiled once per store.
pub(super) struct OwnedScripts {
    index: Script,
    list: Script,
    unindex: Script,
    log: Script,
}

impl OwnedScripts {
    pub(super) fn new() -> Self {
        Self {
            index: Script::new(&format!("{PRUNE}{INDEX_LUA}")),
            list: Script::new(&format!("{PRUNE}{LIST_LUA}")),
            unindex: Script::new(UNINDEX_LUA),
            log: Script::new(LOG_LUA),
        }
    }

    /// Every script, for loading on each primary at start.
    pub(super) fn all(&self) -> [&Script; 4] {
        [&self.index, &self.list, &self.unindex, &self.log]
    }
}

impl RedisStore {
    /// Adds a new owned secret to its creator's index.
    pub(super) async fn index_secret(
        &self,
        owner: &Owner,
        id: &str,
        created_at: UnixMillis,
        expires_at: UnixMillis,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        let [by_creation, by_expiry] = index_keys(owner);
        let _: i64 = self
            .owned_scripts
            .index
            .key(by_creation)
            .key(by_expiry)
            .arg(created_at)
            .arg(id)
            .arg(created_at)
            .arg(expires_at)
            .invoke_async(&mut conn)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    /// Removes a deleted secret from its creator's index.
    pub(super) async fn unindex_secret(&self, owner: &Owner, id: &str) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        let [by_creation, by_expiry] = index_keys(owner);
        let _: i64 = self
            .owned_scripts
            .unindex
            .key(by_creation)
            .key(by_expiry)
            .arg(id)
            .invoke_async(&mut conn)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    /// [`crate::store::ShareStore::list_owned`].
    pub(super) async fn list_page(
        &self,
        owner: Owner,
        now: UnixMillis,
        offset: u64,
        limit: u64,
    ) -> Result<OwnedPage, StoreError> {
        let mut conn = self.conn.clone();
        let [by_creation, by_expiry] = index_keys(&owner);
        let reply: Value = self
            .owned_scripts
            .list
            .key(by_creation)
            .key(by_expiry)
            .arg(now)
            .arg(offset)
            .arg(limit.max(1))
            .invoke_async(&mut conn)
            .await
            .map_err(store_error)?;
        let Value::Array(items) = reply else {
            return Err(corrupt("list reply"));
        };
        let (total, ids) = items.split_first().ok_or_else(|| corrupt("list reply"))?;
        let mut total: u64 = std::str::from_utf8(bytes(total)?)
            .ok()
            .and_then(|t| t.parse().ok())
            .ok_or_else(|| corrupt("list total"))?;
        let mut secrets = Vec::with_capacity(ids.len());
        for id in ids {
            let id = std::str::from_utf8(bytes(id)?).map_err(|_| corrupt("secret id"))?;
            match crate::store::ShareStore::metadata(self, id, now).await? {
                Some(meta) => secrets.push(meta),
                None => {
                    // Deleted without leaving the index (a crash between the two steps).
                    self.unindex_secret(&owner, id).await?;
                    total = total.saturating_sub(1);
                }
            }
        }
        Ok(OwnedPage { secrets, total })
    }

    /// [`crate::store::ShareStore::log_access`].
    pub(super) async fn append_log(
        &self,
        id: &str,
        owner: &Owner,
        entry: Vec<u8>,
        expires_at: UnixMillis,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        let _: i64 = self
            .owned_scripts
            .log
            .key(log_key(id))
            .arg(&owner.to_bytes()[..])
            .arg(entry)
            .arg(expires_at)
            .arg(MAX_LOG_ENTRIES)
            .invoke_async(&mut conn)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    /// [`crate::store::ShareStore::access_log`].
    pub(super) async fn read_log(&self, id: &str) -> Result<Option<AccessLog>, StoreError> {
        let mut conn = self.conn.clone();
        let items: Vec<Vec<u8>> = redis::cmd("LRANGE")
            .arg(log_key(id))
            .arg(0)
            .arg(-1)
            .query_async(&mut conn)
            .await
            .map_err(store_error)?;
        let Some((owner, entries)) = items.split_first() else {
            return Ok(None);
        };
        let owner = Owner::from_bytes(owner).ok_or_else(|| corrupt("log owner"))?;
        Ok(Some(AccessLog {
            owner,
            entries: entries.to_vec(),
        }))
    }
}
