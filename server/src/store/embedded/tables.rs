//! The embedded store's redb tables, and the one-time move of files written in the older JSON layout.

use redb::{Database, ReadableTable, TableDefinition, TableHandle as _, WriteTransaction};
use serde::Deserialize;

use crate::domain::AccessType;
use crate::store::{NewSecret, PasswordCheck, StoreError, record};

/// id → the record's metadata prefix (fixed part, envelope header, name; `record.rs`).
pub const HEADS: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("share_head");
/// id → the rest of the record, the envelope body. Apart from the head so that metadata reads
/// never load it; head and body together are the bytes Redis stores.
pub const BODIES: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("share_body");
/// (expiresAt ms, id) → (): lets the sweeper find expired secrets in order.
pub const EXPIRY: TableDefinition<'_, (u64, &str), ()> = TableDefinition::new("secret_expiry");

/// owner (33 bytes) ‖ createdAt (8, big-endian) ‖ id → expiresAt: each creator's secrets in
/// creation order, for the list. A row leaves with its secret (delete, last view, sweep).
pub const OWNED: TableDefinition<'_, &[u8], u64> = TableDefinition::new("secret_owned");
/// id → a secret's access log: expiresAt (8) ‖ owner (33) ‖ entries, each a 4-byte length and
/// its bytes. Outlives the secret, to its expiry.
pub const LOGS: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("secret_log");
/// (expiresAt ms, id) → (): lets the sweeper find expired access logs.
pub const LOG_EXPIRY: TableDefinition<'_, (u64, &str), ()> = TableDefinition::new("log_expiry");

/// The older layout: id → JSON of the metadata, and id → envelope text.
const OLD_META: TableDefinition<'_, &str, &[u8]> = TableDefinition::new("secret_meta");
const OLD_ENVELOPES: TableDefinition<'_, &str, &str> = TableDefinition::new("secret_envelope");

pub fn db_error(e: impl Into<redb::Error>) -> StoreError {
    StoreError::Internal(e.into().to_string())
}

pub fn expiry_key(expires_at: i64) -> u64 {
    u64::try_from(expires_at).unwrap_or(0)
}

/// A secret's head inside a write transaction, copied out so a step can update it.
pub fn read_head(txn: &WriteTransaction, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
    let table = txn.open_table(HEADS).map_err(db_error)?;
    let head = table.get(id).map_err(db_error)?;
    Ok(head.map(|guard| guard.value().to_vec()))
}

/// The [`OWNED`] key of a secret.
pub fn owned_key(owner: &crate::domain::Owner, created_at: i64, id: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(33 + 8 + id.len());
    key.extend_from_slice(&owner.to_bytes());
    key.extend_from_slice(&created_at.to_be_bytes());
    key.extend_from_slice(id.as_bytes());
    key
}

/// Removes a secret from all its tables, its head read from `head` (for its expiry and owner).
pub fn remove_secret(txn: &WriteTransaction, id: &str, head: &[u8]) -> Result<(), StoreError> {
    let expires_at = record::be_i64(head, record::OFF_EXPIRES_AT);
    if let Some(owner) = record::owner(head)? {
        let created_at = record::be_i64(head, record::OFF_CREATED_AT);
        txn.open_table(OWNED)
            .map_err(db_error)?
            .remove(owned_key(&owner, created_at, id).as_slice())
            .map_err(db_error)?;
    }
    txn.open_table(HEADS)
        .map_err(db_error)?
        .remove(id)
        .map_err(db_error)?;
    txn.open_table(BODIES)
        .map_err(db_error)?
        .remove(id)
        .map_err(db_error)?;
    txn.open_table(EXPIRY)
        .map_err(db_error)?
        .remove((expiry_key(expires_at), id))
        .map_err(db_error)?;
    Ok(())
}

/// Creates the tables, and moves the secrets of a file in the older layout into them.
pub fn prepare(db: &Database) -> Result<(), StoreError> {
    let txn = db.begin_write().map_err(db_error)?;
    let old = txn
        .list_tables()
        .map_err(db_error)?
        .any(|table| table.name() == OLD_META.name());
    if old {
        let moved = migrate(&txn)?;
        tracing::info!(
            secrets = moved,
            "moved the embedded store to the packed record layout"
        );
    }
    txn.open_table(HEADS).map_err(db_error)?;
    txn.open_table(BODIES).map_err(db_error)?;
    txn.open_table(EXPIRY).map_err(db_error)?;
    txn.open_table(OWNED).map_err(db_error)?;
    txn.open_table(LOGS).map_err(db_error)?;
    txn.open_table(LOG_EXPIRY).map_err(db_error)?;
    super::kv::prepare(&txn)?;
    txn.commit().map_err(db_error)
}

/// The older layout's metadata.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OldMeta {
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

fn old_corrupt(what: &str) -> StoreError {
    StoreError::Internal(format!("corrupt secret in the older layout: {what}"))
}

fn hex_array<const N: usize>(s: &str, what: &str) -> Result<[u8; N], StoreError> {
    hex::decode(s)
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or_else(|| old_corrupt(what))
}

/// Rewrites every secret of the older tables as a packed record, then drops those tables.
/// Records with no views left are dropped (they were dead already).
fn migrate(txn: &WriteTransaction) -> Result<usize, StoreError> {
    let mut moved = 0;
    {
        let old_meta = txn.open_table(OLD_META).map_err(db_error)?;
        let old_envelopes = txn.open_table(OLD_ENVELOPES).map_err(db_error)?;
        let mut heads = txn.open_table(HEADS).map_err(db_error)?;
        let mut bodies = txn.open_table(BODIES).map_err(db_error)?;
        for entry in old_meta.iter().map_err(db_error)? {
            let (id, json) = entry.map_err(db_error)?;
            let id = id.value();
            let old: OldMeta =
                serde_json::from_slice(json.value()).map_err(|_| old_corrupt("metadata"))?;
            let Some(envelope) = old_envelopes.get(id).map_err(db_error)? else {
                continue;
            };
            if old.views == Some(0) {
                continue;
            }
            let password = match &old.vdig {
                Some(digest) => Some(PasswordCheck {
                    digest: hex_array(digest, "vdig")?,
                    salt: old
                        .pwsalt
                        .as_deref()
                        .map(|s| hex_array(s, "pwsalt"))
                        .transpose()?,
                }),
                None => None,
            };
            let mut packed = record::encode(&NewSecret {
                id: id.to_string(),
                envelope: envelope.value().to_string(),
                envelope_header: old.header,
                name: old.name,
                access_type: old.access_type,
                created_at: old.created_at,
                expires_at: old.expires_at,
                max_views: old.views,
                password,
                delete_token_digest: hex_array(&old.dtok, "dtok")?,
                owner: None,
                recipients: None,
                notify_on_view: false,
            })?;
            record::put_i64(
                &mut packed,
                record::OFF_LAST_VIEWED_AT,
                old.last_viewed_at.unwrap_or(0),
            );
            record::put_u32(&mut packed, record::OFF_FAILURES, old.failures);
            let (head, body) = packed.split_at(record::head_len(&packed)?);
            heads.insert(id, head).map_err(db_error)?;
            bodies.insert(id, body).map_err(db_error)?;
            moved += 1;
        }
    }
    txn.delete_table(OLD_META).map_err(db_error)?;
    txn.delete_table(OLD_ENVELOPES).map_err(db_error)?;
    Ok(moved)
}
