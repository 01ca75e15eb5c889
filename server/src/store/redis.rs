//! Redis backend: one hash per secret under a hash-tagged key, TTL by PEXPIREAT, Lua for every change.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{ConnectionAddr, RedisError, Script, Value};

use super::{
    AccessType, ConsumeOutcome, ConsumeRequest, DeleteOutcome, Digest, GrantedView, NewSecret,
    SecretMeta, SecretStore, StoreError, StoreFuture, UnixMillis, salt_from_hex,
};

/// `create_secret.lua`: see its header for the KEYS/ARGV/returns contract.
pub const CREATE_SECRET_LUA: &str = include_str!("../../lua/create_secret.lua");
/// `consume_view.lua`: see its header for the KEYS/ARGV/returns contract.
pub const CONSUME_VIEW_LUA: &str = include_str!("../../lua/consume_view.lua");
/// `delete_secret.lua`: see its header for the KEYS/ARGV/returns contract.
pub const DELETE_SECRET_LUA: &str = include_str!("../../lua/delete_secret.lua");

/// The small fields read for metadata, in the order the scripts return them.
const META_FIELDS: [&str; 9] = [
    "header",
    "name",
    "accessType",
    "createdAt",
    "expiresAt",
    "views",
    "lastViewedAt",
    "vdig",
    "pwsalt",
];

/// The Redis key of a secret. The `{id}` hash tag keeps every script on one Cluster slot.
pub fn secret_key(id: &str) -> String {
    format!("zkshare:secret:{{{id}}}")
}

/// A [`SecretStore`] on Redis through a self-reconnecting [`ConnectionManager`].
pub struct RedisStore {
    conn: ConnectionManager,
    address: String,
    create_script: Script,
    consume_script: Script,
    delete_script: Script,
}

impl RedisStore {
    /// Connects to `url`. `timeout` bounds connecting and every command, so a dead Redis turns
    /// into a quick [`StoreError::Unavailable`] instead of a hanging request.
    pub async fn connect(url: &str, timeout: Duration) -> anyhow::Result<Self> {
        let client = redis::Client::open(url)
            .map_err(|e| anyhow::anyhow!("invalid Redis URL: {}", e.kind_description()))?;
        let address = describe_addr(client.get_connection_info().addr());
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(2)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_millis(500));
        let conn = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(|e| anyhow::anyhow!("cannot connect to Redis at {address}: {e}"))?;
        Ok(Self {
            conn,
            address,
            create_script: Script::new(CREATE_SECRET_LUA),
            consume_script: Script::new(CONSUME_VIEW_LUA),
            delete_script: Script::new(DELETE_SECRET_LUA),
        })
    }
}

trait KindDescription {
    fn kind_description(&self) -> String;
}

impl KindDescription for RedisError {
    // The URL may hold a password; describe the error by kind only.
    fn kind_description(&self) -> String {
        format!("{:?}", self.kind())
    }
}

fn describe_addr(addr: &ConnectionAddr) -> String {
    match addr {
        ConnectionAddr::Tcp(host, port) => format!("{host}:{port}"),
        ConnectionAddr::TcpTls { host, port, .. } => format!("{host}:{port} (TLS)"),
        ConnectionAddr::Unix(path) => format!("unix:{}", path.display()),
        #[allow(unreachable_patterns)]
        _ => "unknown address".to_string(),
    }
}

fn store_error(e: RedisError) -> StoreError {
    if e.is_io_error()
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

/// A reply element as an optional string (nil → None).
fn opt_string(v: &Value) -> Result<Option<String>, StoreError> {
    match v {
        Value::Nil => Ok(None),
        Value::BulkString(b) => String::from_utf8(b.clone())
            .map(Some)
            .map_err(|_| corrupt("non-UTF-8 field")),
        Value::SimpleString(s) => Ok(Some(s.clone())),
        Value::Int(i) => Ok(Some(i.to_string())),
        _ => Err(corrupt("field type")),
    }
}

fn strings(reply: Value) -> Result<Vec<Option<String>>, StoreError> {
    match reply {
        Value::Array(items) => items.iter().map(opt_string).collect(),
        _ => Err(corrupt("not an array")),
    }
}

fn parse_i64(v: &Option<String>, what: &str) -> Result<i64, StoreError> {
    v.as_deref()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| corrupt(what))
}

/// Builds metadata from the nine [`META_FIELDS`] values.
fn meta_from_fields(id: &str, f: &[Option<String>]) -> Result<SecretMeta, StoreError> {
    if f.len() != META_FIELDS.len() {
        return Err(corrupt("field count"));
    }
    let views = parse_i64(&f[5], "views")?;
    Ok(SecretMeta {
        id: id.to_string(),
        envelope_header: f[0].clone().ok_or_else(|| corrupt("header"))?,
        name: f[1].clone(),
        access_type: f[2]
            .as_deref()
            .and_then(AccessType::parse)
            .ok_or_else(|| corrupt("accessType"))?,
        created_at: parse_i64(&f[3], "createdAt")?,
        expires_at: parse_i64(&f[4], "expiresAt")?,
        views_remaining: if views < 0 {
            None
        } else {
            Some(u32::try_from(views).map_err(|_| corrupt("views"))?)
        },
        last_viewed_at: match &f[6] {
            Some(s) if !s.is_empty() => Some(s.parse().map_err(|_| corrupt("lastViewedAt"))?),
            _ => None,
        },
        password_protected: f[7].as_deref().is_some_and(|s| !s.is_empty()),
        password_salt: match f[8].as_deref() {
            Some(s) if !s.is_empty() => Some(salt_from_hex(s).ok_or_else(|| corrupt("pwsalt"))?),
            _ => None,
        },
    })
}

fn status(items: &[Option<String>]) -> Result<&str, StoreError> {
    items
        .first()
        .and_then(|s| s.as_deref())
        .ok_or_else(|| corrupt("missing status"))
}

impl SecretStore for RedisStore {
    fn describe(&self) -> String {
        format!("redis at {}", self.address)
    }

    fn create(&self, secret: NewSecret) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let mut invocation = self.create_script.key(secret_key(&secret.id));
            invocation
                .arg(secret.expires_at)
                .arg("envelope")
                .arg(&secret.envelope)
                .arg("header")
                .arg(&secret.envelope_header)
                .arg("accessType")
                .arg(secret.access_type.as_str())
                .arg("createdAt")
                .arg(secret.created_at)
                .arg("expiresAt")
                .arg(secret.expires_at)
                .arg("views")
                .arg(secret.max_views.map_or(-1, i64::from))
                .arg("failures")
                .arg(0)
                .arg("dtok")
                .arg(hex::encode(secret.delete_token_digest));
            if let Some(name) = &secret.name {
                invocation.arg("name").arg(name);
            }
            if let Some(check) = &secret.password {
                invocation.arg("vdig").arg(hex::encode(check.digest));
                if let Some(salt) = check.salt {
                    invocation.arg("pwsalt").arg(hex::encode(salt));
                }
            }
            let created: i64 = invocation
                .invoke_async(&mut conn)
                .await
                .map_err(store_error)?;
            if created == 1 {
                Ok(())
            } else {
                Err(StoreError::Conflict)
            }
        })
    }

    fn metadata<'a>(&'a self, id: &'a str, now: UnixMillis) -> StoreFuture<'a, Option<SecretMeta>> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let reply: Value = redis::cmd("HMGET")
                .arg(secret_key(id))
                .arg(&META_FIELDS[..])
                .query_async(&mut conn)
                .await
                .map_err(store_error)?;
            let fields = strings(reply)?;
            if fields.first().is_none_or(|h| h.is_none()) {
                return Ok(None);
            }
            let meta = meta_from_fields(id, &fields)?;
            // Redis deletes at expiresAt on its own; this closes the gap of its lazy expiry.
            if meta.expires_at <= now || meta.views_remaining == Some(0) {
                return Ok(None);
            }
            Ok(Some(meta))
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
                .arg(request.digest.map(hex::encode).unwrap_or_default())
                .arg(request.max_failures)
                .arg(if request.allow_restricted { "1" } else { "0" })
                .invoke_async(&mut conn)
                .await
                .map_err(store_error)?;
            let items = strings(reply)?;
            match status(&items)? {
                "not_found" => Ok(ConsumeOutcome::NotFound),
                "restricted" => Ok(ConsumeOutcome::Restricted(
                    items
                        .get(1)
                        .and_then(|s| s.as_deref())
                        .and_then(AccessType::parse)
                        .unwrap_or(AccessType::Organization),
                )),
                status @ ("invalid_credentials" | "password_required") if items.len() == 3 => {
                    let failures = u32::try_from(parse_i64(&items[1], "failures")?)
                        .map_err(|_| corrupt("failures"))?;
                    let destroyed = items[2].as_deref() == Some("1");
                    Ok(if status == "password_required" {
                        ConsumeOutcome::PasswordRequired {
                            failures,
                            destroyed,
                        }
                    } else {
                        ConsumeOutcome::InvalidCredentials {
                            failures,
                            destroyed,
                        }
                    })
                }
                "granted" if items.len() == 3 + META_FIELDS.len() => {
                    let envelope = items[1].clone().ok_or_else(|| corrupt("envelope"))?;
                    let before = parse_i64(&items[2], "viewsBefore")?;
                    let meta = meta_from_fields(id, &items[3..])?;
                    Ok(ConsumeOutcome::Granted(GrantedView {
                        meta,
                        views_before: if before < 0 {
                            None
                        } else {
                            Some(u32::try_from(before).map_err(|_| corrupt("viewsBefore"))?)
                        },
                        envelope,
                    }))
                }
                _ => Err(corrupt("consume_view status")),
            }
        })
    }

    fn delete<'a>(
        &'a self,
        id: &'a str,
        token_digest: Digest,
        now: UnixMillis,
    ) -> StoreFuture<'a, DeleteOutcome> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let reply: Value = self
                .delete_script
                .key(secret_key(id))
                .arg(now)
                .arg(hex::encode(token_digest))
                .invoke_async(&mut conn)
                .await
                .map_err(store_error)?;
            let items = strings(reply)?;
            match status(&items)? {
                "not_found" => Ok(DeleteOutcome::NotFound),
                "forbidden" => Ok(DeleteOutcome::Forbidden),
                "deleted" if items.len() == 1 + META_FIELDS.len() => {
                    Ok(DeleteOutcome::Deleted(meta_from_fields(id, &items[1..])?))
                }
                _ => Err(corrupt("delete_secret status")),
            }
        })
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
