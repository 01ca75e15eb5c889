//! Redis backend of the share store: one packed record per secret, every change one command or one Lua script.
//!
//! One packed string per secret ([`record`]) under a hash-tagged key, deleted by Redis at its
//! expiry (`SET … NX PXAT`); every later change is one Lua script. Works on one Redis (or a
//! managed one with failover behind one address) and on a Redis Cluster.

use redis::{ErrorKind, RedisError, Script, ServerErrorKind, Value};

use super::{
    AccessLog, ConsumeOutcome, ConsumeRequest, DeleteOutcome, DeleteProof, GrantedView, NewSecret,
    OwnedPage, Owner, Restriction, SecretMeta, ShareStore, StoreError, StoreFuture, UnixMillis,
    record, rules,
};

mod connect;
mod kv;
mod owned;
mod script;

pub use self::script::{CONSUME_VIEW_LUA, DELETE_SECRET_LUA};

use self::connect::Connection;
use self::kv::KvScripts;
pub use self::kv::record_key;
use self::owned::OwnedScripts;
pub use self::owned::{index_keys, log_key};

/// The Redis key of a secret: `s1` for a record of layout 1 (earlier layouts used other keys,
/// so their leftovers are never misread and expire on their own). The `{id}` hash tag keeps
/// every script on one Cluster slot.
pub fn secret_key(id: &str) -> String {
    format!("zkshare:s1:{{{id}}}")
}

/// A [`ShareStore`] on Redis through a self-reconnecting `ConnectionManager`, or on a
/// Redis Cluster through the cluster client (which follows `MOVED` after a failover).
pub struct RedisStore {
    conn: Connection,
    address: String,
    consume_script: Script,
    delete_script: Script,
    kv_scripts: KvScripts,
    owned_scripts: OwnedScripts,
}

fn store_error(e: RedisError) -> StoreError {
    // OOM: Redis is full and refuses writes (maxmemory-policy noeviction); expiries free it.
    // The cluster errors (CLUSTERDOWN, TRYAGAIN, MOVED/ASK still unresolved after retries, no
    // connection to a slot's node) and MASTERDOWN, READONLY, LOADING mean a failover or a
    // restart is under way: retrying soon works.
    if e.is_io_error()
        || e.is_cluster_error()
        || matches!(
            e.kind(),
            ErrorKind::ClusterConnectionNotFound
                | ErrorKind::Server(
                    ServerErrorKind::MasterDown
                        | ServerErrorKind::ReadOnly
                        | ServerErrorKind::BusyLoading
                )
        )
        || e.code() == Some("OOM")
        || e.is_timeout()
        || e.is_connection_dropped()
        || e.is_connection_refusal()
        || e.is_unrecoverable_error()
    {
        StoreError::Unavailable(e.to_string())
    } else {
        StoreError::Internal(e.to_string())
    }
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Internal(format!("unexpected Redis reply: {what}"))
}

/// A script's reply: an array whose first element is the status.
fn reply_items(reply: Value) -> Result<(String, Vec<Value>), StoreError> {
    let Value::Array(mut items) = reply else {
        return Err(corrupt("not an array"));
    };
    if items.is_empty() {
        return Err(corrupt("missing status"));
    }
    let status = match items.remove(0) {
        Value::BulkString(b) => String::from_utf8(b).map_err(|_| corrupt("status"))?,
        Value::SimpleString(s) => s,
        _ => return Err(corrupt("status type")),
    };
    Ok((status, items))
}

fn bytes(v: &Value) -> Result<&[u8], StoreError> {
    match v {
        Value::BulkString(b) => Ok(b),
        _ => Err(corrupt("expected a bulk string")),
    }
}

fn number(v: &Value, what: &str) -> Result<u32, StoreError> {
    std::str::from_utf8(bytes(v)?)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| corrupt(what))
}

/// The owner of a secret a consume step left deleted (last view, or the failure limit); `None`
/// for anything else.
pub(crate) fn deleted_owned(outcome: &ConsumeOutcome) -> Option<Owner> {
    match outcome {
        ConsumeOutcome::Granted(view) if view.meta.views_remaining == Some(0) => view.meta.owner,
        ConsumeOutcome::PasswordRequired {
            destroyed: true,
            meta,
            ..
        }
        | ConsumeOutcome::InvalidCredentials {
            destroyed: true,
            meta,
            ..
        } => meta.owner,
        _ => None,
    }
}

impl ShareStore for RedisStore {
    fn describe(&self) -> String {
        format!("redis at {}", self.address)
    }

    fn create(&self, secret: NewSecret) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let record = record::encode(&secret)?;
            // Indexed first: an index entry without its secret is dropped by the next list,
            // while a secret missing from its creator's list would be lost to them.
            if let Some(owner) = &secret.owner {
                self.index_secret(owner, &secret.id, secret.created_at, secret.expires_at)
                    .await?;
            }
            // One command: stored only if the id is new, deleted by Redis at expiresAt.
            let created: Option<String> = redis::cmd("SET")
                .arg(secret_key(&secret.id))
                .arg(record)
                .arg("NX")
                .arg("PXAT")
                .arg(secret.expires_at)
                .query_async(&mut conn)
                .await
                .map_err(store_error)?;
            if created.is_some() {
                Ok(())
            } else {
                Err(StoreError::Conflict)
            }
        })
    }

    fn metadata<'a>(&'a self, id: &'a str, now: UnixMillis) -> StoreFuture<'a, Option<SecretMeta>> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            // The metadata prefix only: a large secret's body is never read here.
            let prefix: Vec<u8> = redis::cmd("GETRANGE")
                .arg(secret_key(id))
                .arg(0)
                .arg(record::MAX_META_LEN - 1)
                .query_async(&mut conn)
                .await
                .map_err(store_error)?;
            if prefix.is_empty() {
                return Ok(None);
            }
            // Redis deletes at expiresAt by its own clock; this applies the server's clock too,
            // as the scripts do.
            if !rules::is_live(&prefix, now)? {
                return Ok(None);
            }
            Ok(Some(record::decode_meta(id, &prefix)?))
        })
    }

    fn consume<'a>(
        &'a self,
        id: &'a str,
        request: ConsumeRequest,
    ) -> StoreFuture<'a, ConsumeOutcome> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let reply: Value = self
                .consume_script
                .key(secret_key(id))
                .arg(request.now)
                .arg(request.digest.as_ref().map_or(&[][..], |d| &d[..]))
                .arg(request.max_failures)
                // The script's ARGV[4]: compared with the owner's organization in the record.
                .arg(
                    request
                        .viewer
                        .org_id
                        .as_ref()
                        .map_or(&[][..], |org| &org.as_bytes()[..]),
                )
                .arg(request.email_digest.as_ref().map_or(&[][..], |d| &d[..]))
                .arg(request.token_digest.as_ref().map_or(&[][..], |d| &d[..]))
                .invoke_async(&mut conn)
                .await
                .map_err(store_error)?;
            let (status, items) = reply_items(reply)?;
            let meta = |v: &Value| record::decode_meta(id, bytes(v)?).map(Box::new);
            let outcome = match (status.as_str(), items.as_slice()) {
                ("not_found", []) => ConsumeOutcome::NotFound,
                ("restricted", [rule, prefix]) => ConsumeOutcome::Restricted {
                    restriction: std::str::from_utf8(bytes(rule)?)
                        .ok()
                        .and_then(Restriction::parse)
                        .ok_or_else(|| corrupt("restriction"))?,
                    meta: meta(prefix)?,
                },
                (
                    status @ ("invalid_credentials" | "password_required"),
                    [failures, destroyed, prefix],
                ) => ConsumeOutcome::refused(
                    status == "invalid_credentials",
                    number(failures, "failures")?,
                    bytes(destroyed)? == b"1",
                    *meta(prefix)?,
                ),
                ("granted", [after]) => {
                    let (meta, envelope) = record::decode(id, bytes(after)?)?;
                    ConsumeOutcome::Granted(GrantedView {
                        views_before: meta.views_remaining.map(|v| v + 1),
                        meta,
                        envelope,
                    })
                }
                _ => return Err(corrupt("consume_view status")),
            };
            if let Some(owner) = deleted_owned(&outcome) {
                self.unindex_secret(&owner, id).await?;
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
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let (presented, mode) = match &proof {
                DeleteProof::Token(digest) => (digest.to_vec(), "token"),
                DeleteProof::Owner(owner) => (owner.to_bytes().to_vec(), "owner"),
            };
            let reply: Value = self
                .delete_script
                .key(secret_key(id))
                .arg(now)
                .arg(presented)
                .arg(mode)
                .invoke_async(&mut conn)
                .await
                .map_err(store_error)?;
            let (status, items) = reply_items(reply)?;
            match (status.as_str(), items.as_slice()) {
                ("not_found", []) => Ok(DeleteOutcome::NotFound),
                ("forbidden", []) => Ok(DeleteOutcome::Forbidden),
                ("deleted", [meta]) => {
                    let meta = record::decode_meta(id, bytes(meta)?)?;
                    if let Some(owner) = &meta.owner {
                        self.unindex_secret(owner, id).await?;
                    }
                    Ok(DeleteOutcome::Deleted(meta))
                }
                _ => Err(corrupt("delete_secret status")),
            }
        })
    }

    fn list_owned(
        &self,
        owner: Owner,
        now: UnixMillis,
        offset: u64,
        limit: u64,
    ) -> StoreFuture<'_, OwnedPage> {
        Box::pin(self.list_page(owner, now, offset, limit))
    }

    fn log_access<'a>(
        &'a self,
        id: &'a str,
        owner: Owner,
        entry: Vec<u8>,
        expires_at: UnixMillis,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move { self.append_log(id, &owner, entry, expires_at).await })
    }

    fn access_log<'a>(
        &'a self,
        id: &'a str,
        _now: UnixMillis,
    ) -> StoreFuture<'a, Option<AccessLog>> {
        // Redis deletes the log at its expiry.
        Box::pin(self.read_log(id))
    }

    fn ping(&self) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let _: String = redis::cmd("PING")
                .query_async(&mut conn)
                .await
                .map_err(store_error)?;
            Ok(())
        })
    }
}
