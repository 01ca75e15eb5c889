//! The packed record a secret is stored as, in every backend: one binary string per secret (about 590 lines: 215 are its tests).
//!
//! A fixed 118-byte part (integers big-endian), then the envelope header, the name, the owner
//! (when there is one) and the envelope body, the envelope as bytes rather than base64url:
//!
//! | offset | bytes | field |
//! | ---: | ---: | --- |
//! | 0 | 1 | layout version, 1 |
//! | 1 | 1 | access type: 0 `anyone`, 1 `organization` |
//! | 2 | 1 | password check: 0 none, 1 digest, 2 digest and Argon2id salt |
//! | 3 | 1 | flags: bit 0 the secret has a name, bit 1 it has an owner, bit 2 it has recipients, bit 3 they may be external, bit 4 notify on view; other bits 0 |
//! | 4 | 1 | H, the envelope header's length in bytes |
//! | 5 | 1 | N, the name's length in bytes (UTF-8) |
//! | 6 | 8 | createdAt, Unix ms (signed) |
//! | 14 | 8 | expiresAt, Unix ms (signed) |
//! | 22 | 8 | lastViewedAt, Unix ms (signed); 0 = never viewed |
//! | 30 | 4 | views left; 0xFFFFFFFF = unlimited |
//! | 34 | 4 | failed password attempts |
//! | 38 | 32 | SHA-256 of the delete token |
//! | 70 | 32 | password digest: SHA-256 of the verifier or Argon2id of a plain password; zeros if none |
//! | 102 | 16 | Argon2id salt of a plain password; zeros if none |
//! | 118 | H | envelope header; its byte 1 (offset 119) is the mode, which decides whether failures count |
//! | 118+H | N | name |
//! | 118+H+N | O | owner, only when flag bit 1 is set (O = 33, else O = 0): |
//! | 118+H+N | 1 | … creator kind: 1 a user, 2 a machine identity |
//! | 119+H+N | 16 | … the organization's UUID |
//! | 135+H+N | 16 | … the creator's UUID (the user's or the machine identity's) |
//! | 118+H+N+O | R | recipients, only when flag bit 2 is set (it needs bit 1; else R = 0): |
//! | 118+H+N+O | 1 | … n, the number of addresses (1 to 100) |
//! | 119+H+N+O | 32·n | … each address's digest (`store::recipient_digest`: salted with the id) |
//! | 119+H+N+O+32·n | 32·n | … only with flag bit 3: SHA-256 of each recipient's mailed token |
//! | 118+H+N+O+R | rest | envelope body (nonce, ciphertext, tag) |
//!
//! A record without flag bit 1 (every record written before owners existed) has no owner
//! segment and reads exactly as it always did; one without bit 2 has no recipients; the layout
//! version stays 1. The metadata prefix ends after the recipients' count byte; the digests
//! after it belong to the head (what the consume step reads), not to the metadata.
//!
//! Both backends store exactly these bytes. The state machine (`rules.rs`) and the Lua scripts
//! (`server/lua/*.lua`) read and update the fixed part in place with these offsets; the scripts
//! get them as Lua locals written from [`LUA_CONSTANTS`] when they are compiled in
//! (`store/redis/script.rs`). The metadata prefix is the fixed part, the header, the name and the
//! owner; metadata reads fetch at most [`MAX_META_LEN`] bytes, so they never load the body of a
//! large secret.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::{AccessType, NewSecret, SecretMeta, StoreError};
use crate::domain::{OrgId, Owner};

/// The first byte of every record of this layout.
pub const LAYOUT_VERSION: u8 = 1;
/// Offset of the access-type byte.
pub const OFF_ACCESS: usize = 1;
/// Offset of the password-check byte.
pub const OFF_PASSWORD: usize = 2;
/// Offset of the flags byte ([`FLAG_NAME`], [`FLAG_OWNER`]).
pub const OFF_FLAGS: usize = 3;
/// Flag: the secret has a name (possibly empty).
pub const FLAG_NAME: u8 = 1;
/// Flag: an owner segment ([`OWNER_LEN`] bytes) follows the name.
pub const FLAG_OWNER: u8 = 2;
/// Flag: a recipients segment follows the owner.
pub const FLAG_RECIPIENTS: u8 = 4;
/// Flag: the recipients segment also holds each recipient's token digest.
pub const FLAG_EXTERNAL: u8 = 8;
/// Flag: the creator asked for an e-mail on each view.
pub const FLAG_NOTIFY: u8 = 16;
/// Every flag this layout knows.
const KNOWN_FLAGS: u8 = FLAG_NAME | FLAG_OWNER | FLAG_RECIPIENTS | FLAG_EXTERNAL | FLAG_NOTIFY;
/// Length of the owner segment: creator kind, organization UUID, creator UUID.
pub const OWNER_LEN: usize = 1 + 16 + 16;
/// The owner segment's creator kind of a signed-in user.
pub const CREATOR_USER: u8 = 1;
/// The owner segment's creator kind of a machine identity.
pub const CREATOR_MACHINE: u8 = 2;
/// Offset of the header-length byte.
pub const OFF_HEADER_LEN: usize = 4;
/// Offset of the name-length byte.
pub const OFF_NAME_LEN: usize = 5;
/// Offset of createdAt.
pub const OFF_CREATED_AT: usize = 6;
/// Offset of expiresAt.
pub const OFF_EXPIRES_AT: usize = 14;
/// Offset of lastViewedAt.
pub const OFF_LAST_VIEWED_AT: usize = 22;
/// Offset of the views-left counter.
pub const OFF_VIEWS: usize = 30;
/// Offset of the failure counter.
pub const OFF_FAILURES: usize = 34;
/// Offset of the delete-token digest.
pub const OFF_DELETE_DIGEST: usize = 38;
/// Offset of the password digest.
pub const OFF_PASSWORD_DIGEST: usize = 70;
/// Offset of the Argon2id salt.
pub const OFF_PASSWORD_SALT: usize = 102;
/// Length of the fixed part; the header starts here.
pub const FIXED_LEN: usize = 118;
/// Offset of the envelope's mode byte (the header's second byte, PROTOCOL.md §4).
pub const OFF_ENVELOPE_MODE: usize = FIXED_LEN + 1;
/// The envelope mode `key` (PROTOCOL.md §2): no password, nothing to guess.
pub const ENVELOPE_MODE_KEY: u8 = zkshare_format::Mode::Key.byte();
/// The password-check byte of a plain (non-verifier) password, hashed with Argon2id.
pub const PASSWORD_PLAIN: u8 = PASSWORD_DIGEST_AND_SALT;
/// The views-left value of a secret without a view limit.
pub const UNLIMITED_VIEWS: u32 = u32::MAX;
/// The longest prefix that holds a record's metadata (fixed part, header, name, owner and the
/// recipients' count).
pub const MAX_META_LEN: usize = FIXED_LEN + 255 + 255 + OWNER_LEN + 1;
/// Most recipients a record holds.
pub const MAX_RECIPIENTS: usize = 100;

/// The record password byte of a secret without a password.
pub const PASSWORD_NONE: u8 = 0;

/// The names and values the Lua scripts see as locals (prepended to each script's code).
pub const LUA_CONSTANTS: &[(&str, usize)] = &[
    ("LAYOUT_VERSION", LAYOUT_VERSION as usize),
    ("PASSWORD_NONE", PASSWORD_NONE as usize),
    ("OFF_ACCESS", OFF_ACCESS),
    ("OFF_PASSWORD", OFF_PASSWORD),
    ("OFF_FLAGS", OFF_FLAGS),
    ("FLAG_OWNER", FLAG_OWNER as usize),
    ("FLAG_RECIPIENTS", FLAG_RECIPIENTS as usize),
    ("FLAG_EXTERNAL", FLAG_EXTERNAL as usize),
    ("OWNER_LEN", OWNER_LEN),
    ("OFF_HEADER_LEN", OFF_HEADER_LEN),
    ("OFF_NAME_LEN", OFF_NAME_LEN),
    ("OFF_EXPIRES_AT", OFF_EXPIRES_AT),
    ("OFF_LAST_VIEWED_AT", OFF_LAST_VIEWED_AT),
    ("OFF_VIEWS", OFF_VIEWS),
    ("OFF_FAILURES", OFF_FAILURES),
    ("OFF_DELETE_DIGEST", OFF_DELETE_DIGEST),
    ("OFF_PASSWORD_DIGEST", OFF_PASSWORD_DIGEST),
    ("FIXED_LEN", FIXED_LEN),
    ("OFF_ENVELOPE_MODE", OFF_ENVELOPE_MODE),
    ("ENVELOPE_MODE_KEY", ENVELOPE_MODE_KEY as usize),
    ("PASSWORD_PLAIN", PASSWORD_PLAIN as usize),
    ("UNLIMITED_VIEWS", UNLIMITED_VIEWS as usize),
];

const PASSWORD_DIGEST: u8 = 1;
const PASSWORD_DIGEST_AND_SALT: u8 = 2;

fn corrupt(what: &str) -> StoreError {
    StoreError::Internal(format!("corrupt secret record: {what}"))
}

/// Packs a new secret. The envelope must already be validated (`b64(header).b64(body)`).
pub fn encode(secret: &NewSecret) -> Result<Vec<u8>, StoreError> {
    let (header_b64, body_b64) = secret
        .envelope
        .split_once('.')
        .ok_or_else(|| corrupt("envelope without a header"))?;
    let header = URL_SAFE_NO_PAD
        .decode(header_b64)
        .map_err(|_| corrupt("envelope header"))?;
    let body = URL_SAFE_NO_PAD
        .decode(body_b64)
        .map_err(|_| corrupt("envelope body"))?;
    let name = secret.name.as_deref().unwrap_or("").as_bytes();
    let header_len = u8::try_from(header.len()).map_err(|_| corrupt("header too long"))?;
    let name_len = u8::try_from(name.len()).map_err(|_| corrupt("name too long"))?;
    let views = match secret.max_views {
        Some(v) if v < UNLIMITED_VIEWS => v,
        Some(_) => return Err(corrupt("view limit too large")),
        None => UNLIMITED_VIEWS,
    };

    let owner_len = if secret.owner.is_some() { OWNER_LEN } else { 0 };
    let recipients_len = match &secret.recipients {
        None => 0,
        Some(r) => {
            let n = r.emails.len();
            if secret.owner.is_none() || n == 0 || n > MAX_RECIPIENTS {
                return Err(corrupt("recipients without an owner, or too many"));
            }
            if r.tokens.as_ref().is_some_and(|t| t.len() != n) {
                return Err(corrupt("a token digest per recipient"));
            }
            1 + 32 * n * if r.tokens.is_some() { 2 } else { 1 }
        }
    };
    let mut out = Vec::with_capacity(
        FIXED_LEN + header.len() + name.len() + owner_len + recipients_len + body.len(),
    );
    out.push(LAYOUT_VERSION);
    out.push(match secret.access_type {
        AccessType::Anyone => 0,
        AccessType::Organization => 1,
    });
    out.push(match &secret.password {
        None => PASSWORD_NONE,
        Some(check) if check.salt.is_some() => PASSWORD_DIGEST_AND_SALT,
        Some(_) => PASSWORD_DIGEST,
    });
    let mut flags = 0;
    if secret.name.is_some() {
        flags |= FLAG_NAME;
    }
    if secret.owner.is_some() {
        flags |= FLAG_OWNER;
    }
    if let Some(r) = &secret.recipients {
        flags |= FLAG_RECIPIENTS;
        if r.tokens.is_some() {
            flags |= FLAG_EXTERNAL;
        }
    }
    if secret.notify_on_view {
        flags |= FLAG_NOTIFY;
    }
    out.push(flags);
    out.push(header_len);
    out.push(name_len);
    out.extend_from_slice(&secret.created_at.to_be_bytes());
    out.extend_from_slice(&secret.expires_at.to_be_bytes());
    out.extend_from_slice(&0i64.to_be_bytes());
    out.extend_from_slice(&views.to_be_bytes());
    out.extend_from_slice(&0u32.to_be_bytes());
    out.extend_from_slice(&secret.delete_token_digest);
    match &secret.password {
        Some(check) => {
            out.extend_from_slice(&check.digest);
            out.extend_from_slice(&check.salt.unwrap_or_default());
        }
        None => out.extend_from_slice(&[0u8; 32 + 16]),
    }
    debug_assert_eq!(out.len(), FIXED_LEN);
    out.extend_from_slice(&header);
    out.extend_from_slice(name);
    if let Some(owner) = &secret.owner {
        out.extend_from_slice(&owner.to_bytes());
    }
    if let Some(r) = &secret.recipients {
        // At most MAX_RECIPIENTS, checked above.
        out.push(r.emails.len() as u8);
        for digest in r.emails.iter().chain(r.tokens.iter().flatten()) {
            out.extend_from_slice(digest);
        }
    }
    out.extend_from_slice(&body);
    Ok(out)
}

/// The big-endian `i64` at `at` (the caller has checked the record's length).
pub fn be_i64(r: &[u8], at: usize) -> i64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&r[at..at + 8]);
    i64::from_be_bytes(b)
}

/// The big-endian `u32` at `at` (the caller has checked the record's length).
pub fn be_u32(r: &[u8], at: usize) -> u32 {
    let mut b = [0u8; 4];
    b.copy_from_slice(&r[at..at + 4]);
    u32::from_be_bytes(b)
}

/// Writes `value` big-endian at `at`.
pub fn put_i64(r: &mut [u8], at: usize, value: i64) {
    r[at..at + 8].copy_from_slice(&value.to_be_bytes());
}

/// Writes `value` big-endian at `at`.
pub fn put_u32(r: &mut [u8], at: usize, value: u32) {
    r[at..at + 4].copy_from_slice(&value.to_be_bytes());
}

/// Checks that `record` starts with a fixed part of this layout.
pub fn check_fixed(record: &[u8]) -> Result<(), StoreError> {
    if record.len() < FIXED_LEN {
        return Err(corrupt("shorter than its fixed part"));
    }
    if record[0] != LAYOUT_VERSION {
        return Err(corrupt("unknown layout version"));
    }
    Ok(())
}

/// Where the owner segment starts (or would start): after the fixed part, header and name.
/// The caller has checked the fixed part.
fn owner_offset(record: &[u8]) -> usize {
    FIXED_LEN + usize::from(record[OFF_HEADER_LEN]) + usize::from(record[OFF_NAME_LEN])
}

/// The length of the metadata prefix (fixed part, header, name, owner, recipients' count) of a
/// record, after checking that `record` holds at least that much.
pub fn meta_len(record: &[u8]) -> Result<usize, StoreError> {
    check_fixed(record)?;
    let mut len = owner_offset(record);
    let flags = record[OFF_FLAGS];
    if flags & FLAG_OWNER != 0 {
        len += OWNER_LEN;
    }
    if flags & FLAG_RECIPIENTS != 0 {
        len += 1;
    }
    if record.len() < len {
        return Err(corrupt("shorter than its header, name and owner"));
    }
    Ok(len)
}

/// The recipients of a record: their count, where their address digests start, and where
/// their token digests start (only with external recipients). `None` without recipients.
pub fn recipients(record: &[u8]) -> Result<Option<(usize, usize, Option<usize>)>, StoreError> {
    let end = meta_len(record)?;
    let flags = record[OFF_FLAGS];
    if flags & FLAG_RECIPIENTS == 0 {
        return Ok(None);
    }
    let n = usize::from(record[end - 1]);
    let tokens = (flags & FLAG_EXTERNAL != 0).then_some(end + 32 * n);
    let head = head_len(record)?;
    if record.len() < head {
        return Err(corrupt("shorter than its recipients"));
    }
    Ok(Some((n, end, tokens)))
}

/// The length of the head: the metadata prefix and the recipients' digests, everything before
/// the envelope body (what the consume step reads; the embedded store keeps it apart).
pub fn head_len(record: &[u8]) -> Result<usize, StoreError> {
    let end = meta_len(record)?;
    let flags = record[OFF_FLAGS];
    if flags & FLAG_RECIPIENTS == 0 {
        return Ok(end);
    }
    let n = usize::from(record[end - 1]);
    let lists = if flags & FLAG_EXTERNAL != 0 { 2 } else { 1 };
    Ok(end + 32 * n * lists)
}

/// The organization a record belongs to, if it has an owner: the bytes the consume step
/// compares with the viewer's organization. Reads only the fixed part and the owner segment.
pub fn owner_org(record: &[u8]) -> Result<Option<OrgId>, StoreError> {
    meta_len(record)?;
    if record[OFF_FLAGS] & FLAG_OWNER == 0 {
        return Ok(None);
    }
    let at = owner_offset(record) + 1;
    Ok(Some(OrgId::from_bytes(uuid_at(record, at))))
}

/// The record's owner, if it has one; a creator kind other than 1 or 2 is an error.
pub fn owner(record: &[u8]) -> Result<Option<Owner>, StoreError> {
    meta_len(record)?;
    if record[OFF_FLAGS] & FLAG_OWNER == 0 {
        return Ok(None);
    }
    let at = owner_offset(record);
    Owner::from_bytes(&record[at..at + OWNER_LEN])
        .map(Some)
        .ok_or_else(|| corrupt("owner's creator kind"))
}

/// The 16 bytes at `at` (the caller has checked the record's length).
fn uuid_at(r: &[u8], at: usize) -> [u8; 16] {
    let mut b = [0u8; 16];
    b.copy_from_slice(&r[at..at + 16]);
    b
}

/// Decodes the metadata from a record or from any prefix of it at least [`meta_len`] long
/// (what a metadata read of [`MAX_META_LEN`] bytes returns).
pub fn decode_meta(id: &str, record: &[u8]) -> Result<SecretMeta, StoreError> {
    meta_len(record)?;
    let header_end = FIXED_LEN + usize::from(record[OFF_HEADER_LEN]);
    let name_end = header_end + usize::from(record[OFF_NAME_LEN]);
    let flags = record[OFF_FLAGS];
    if flags & !KNOWN_FLAGS != 0
        || (flags & FLAG_RECIPIENTS != 0 && flags & FLAG_OWNER == 0)
        || (flags & FLAG_EXTERNAL != 0 && flags & FLAG_RECIPIENTS == 0)
    {
        return Err(corrupt("flags byte"));
    }
    let name = if flags & FLAG_NAME != 0 {
        Some(
            std::str::from_utf8(&record[header_end..name_end])
                .map_err(|_| corrupt("name is not UTF-8"))?
                .to_string(),
        )
    } else {
        None
    };
    let owner = owner(record)?;
    let views = be_u32(record, OFF_VIEWS);
    let last_viewed_at = be_i64(record, OFF_LAST_VIEWED_AT);
    let password = record[OFF_PASSWORD];
    Ok(SecretMeta {
        id: id.to_string(),
        envelope_header: URL_SAFE_NO_PAD.encode(&record[FIXED_LEN..header_end]),
        name,
        access_type: match record[OFF_ACCESS] {
            0 => AccessType::Anyone,
            1 => AccessType::Organization,
            _ => return Err(corrupt("access type")),
        },
        created_at: be_i64(record, OFF_CREATED_AT),
        expires_at: be_i64(record, OFF_EXPIRES_AT),
        views_remaining: (views != UNLIMITED_VIEWS).then_some(views),
        last_viewed_at: (last_viewed_at != 0).then_some(last_viewed_at),
        password_protected: match password {
            PASSWORD_NONE => false,
            PASSWORD_DIGEST | PASSWORD_DIGEST_AND_SALT => true,
            _ => return Err(corrupt("password byte")),
        },
        password_salt: (password == PASSWORD_DIGEST_AND_SALT).then(|| {
            let mut salt = [0u8; 16];
            salt.copy_from_slice(&record[OFF_PASSWORD_SALT..OFF_PASSWORD_SALT + 16]);
            salt
        }),
        owner,
        recipients: if flags & FLAG_RECIPIENTS != 0 {
            record[meta_len(record)? - 1]
        } else {
            0
        },
        external_recipients: flags & FLAG_EXTERNAL != 0,
        notify_on_view: flags & FLAG_NOTIFY != 0,
    })
}

/// Decodes a whole record: its metadata and the envelope as the client sent it.
pub fn decode(id: &str, record: &[u8]) -> Result<(SecretMeta, String), StoreError> {
    let split = head_len(record)?;
    if record.len() < split {
        return Err(corrupt("shorter than its recipients"));
    }
    decode_split(id, &record[..split], &record[split..])
}

/// Decodes a record kept in two parts: its head ([`head_len`] bytes) and the rest, the envelope
/// body.
pub fn decode_split(
    id: &str,
    record: &[u8],
    body: &[u8],
) -> Result<(SecretMeta, String), StoreError> {
    let meta = decode_meta(id, record)?;
    let header_end = FIXED_LEN + usize::from(record[OFF_HEADER_LEN]);
    if record.len() != head_len(record)? {
        return Err(corrupt("head of the wrong length"));
    }
    if body.is_empty() {
        return Err(corrupt("no envelope body"));
    }
    let mut envelope = String::with_capacity((header_end - FIXED_LEN + body.len()) * 4 / 3 + 4);
    URL_SAFE_NO_PAD.encode_string(&record[FIXED_LEN..header_end], &mut envelope);
    envelope.push('.');
    URL_SAFE_NO_PAD.encode_string(body, &mut envelope);
    Ok((meta, envelope))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Creator;
    use crate::store::PasswordCheck;

    fn b64(bytes: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    fn secret(name: Option<&str>, password: Option<PasswordCheck>) -> NewSecret {
        let mut header = vec![0x01, 0x02];
        header.extend((2u8..46).collect::<Vec<_>>());
        let body: Vec<u8> = (0..12 + 256 + 16).map(|i| (i % 251) as u8).collect();
        let envelope = format!("{}.{}", b64(&header), b64(&body));
        NewSecret {
            id: "AAAAAAAAAAAAAAAAAAAAAA".into(),
            envelope_header: b64(&header),
            envelope,
            name: name.map(str::to_string),
            access_type: AccessType::Anyone,
            created_at: 1_795_000_000_123,
            expires_at: 1_795_000_360_123,
            max_views: Some(3),
            password,
            delete_token_digest: [7; 32],
            owner: None,
            recipients: None,
            notify_on_view: false,
        }
    }

    fn owners() -> [Owner; 2] {
        [
            Owner {
                org: uuid::Uuid::from_u128(0x0123_4567_89ab_cdef_0011_2233_4455_6677),
                creator: Creator::User(uuid::Uuid::from_u128(0xfeed)),
            },
            Owner {
                org: uuid::Uuid::from_u128(u128::MAX - 1),
                creator: Creator::Machine(uuid::Uuid::from_u128(1 << 100)),
            },
        ]
    }

    #[test]
    fn round_trip_with_every_optional_part() {
        let check = PasswordCheck {
            digest: [9; 32],
            salt: Some([5; 16]),
        };
        for (name, password) in [
            (None, None),
            (Some(""), None),
            (Some("déploiement ✓"), Some(check.clone())),
            (
                Some("n"),
                Some(PasswordCheck {
                    digest: [1; 32],
                    salt: None,
                }),
            ),
        ] {
            let s = secret(name, password.clone());
            let record = encode(&s).unwrap();
            let (meta, envelope) = decode(&s.id, &record).unwrap();
            assert_eq!(envelope, s.envelope);
            assert_eq!(meta.envelope_header, s.envelope_header);
            assert_eq!(meta.name.as_deref(), name);
            assert_eq!(meta.created_at, s.created_at);
            assert_eq!(meta.expires_at, s.expires_at);
            assert_eq!(meta.views_remaining, Some(3));
            assert_eq!(meta.last_viewed_at, None);
            assert_eq!(meta.password_protected, password.is_some());
            assert_eq!(meta.password_salt, password.and_then(|p| p.salt));
            assert_eq!(meta.owner, None);
            assert_eq!(owner_org(&record).unwrap(), None);
            // Metadata decodes from the prefix alone.
            let prefix = &record[..FIXED_LEN + 46 + name.map_or(0, str::len)];
            assert_eq!(decode_meta(&s.id, prefix).unwrap(), meta);
            assert!(decode(&s.id, prefix).is_err(), "no body");
        }
    }

    #[test]
    fn round_trip_with_an_owner() {
        for (name, owner) in [None, Some("déploiement ✓")].into_iter().zip(owners()) {
            let mut s = secret(name, None);
            s.owner = Some(owner);
            let record = encode(&s).unwrap();
            let name_len = name.map_or(0, str::len);
            let owner_at = FIXED_LEN + 46 + name_len;
            assert_eq!(record.len(), owner_at + OWNER_LEN + 12 + 256 + 16);
            assert_eq!(
                record[OFF_FLAGS],
                FLAG_OWNER | if name.is_some() { FLAG_NAME } else { 0 }
            );
            let (kind, creator) = match owner.creator {
                Creator::User(id) => (CREATOR_USER, id),
                Creator::Machine(id) => (CREATOR_MACHINE, id),
            };
            assert_eq!(record[owner_at], kind);
            assert_eq!(&record[owner_at + 1..owner_at + 17], owner.org.as_bytes());
            assert_eq!(&record[owner_at + 17..owner_at + 33], creator.as_bytes());
            let (meta, envelope) = decode(&s.id, &record).unwrap();
            assert_eq!(envelope, s.envelope, "the body follows the owner");
            assert_eq!(meta.name.as_deref(), name);
            assert_eq!(meta.owner, Some(owner));
            assert_eq!(owner_org(&record).unwrap(), Some(owner.org));
            // The metadata prefix includes the owner, and metadata needs it.
            assert_eq!(meta_len(&record).unwrap(), owner_at + OWNER_LEN);
            let prefix = &record[..owner_at + OWNER_LEN];
            assert_eq!(decode_meta(&s.id, prefix).unwrap(), meta);
            assert!(decode_meta(&s.id, &record[..owner_at + OWNER_LEN - 1]).is_err());
            assert!(owner_org(&record[..owner_at + OWNER_LEN - 1]).is_err());
            assert!(decode(&s.id, prefix).is_err(), "no body");
        }
    }

    #[test]
    fn fixed_fields_sit_at_their_offsets() {
        let mut s = secret(Some("ab"), None);
        s.max_views = None;
        let r = encode(&s).unwrap();
        assert_eq!(r.len(), FIXED_LEN + 46 + 2 + 12 + 256 + 16);
        assert_eq!(r[0], LAYOUT_VERSION);
        assert_eq!(r[OFF_HEADER_LEN], 46);
        assert_eq!(r[OFF_NAME_LEN], 2);
        assert_eq!(be_i64(&r, OFF_EXPIRES_AT), s.expires_at);
        assert_eq!(be_u32(&r, OFF_VIEWS), UNLIMITED_VIEWS);
        assert_eq!(be_u32(&r, OFF_FAILURES), 0);
        assert_eq!(&r[OFF_DELETE_DIGEST..OFF_DELETE_DIGEST + 32], &[7; 32]);
        assert_eq!(&r[OFF_PASSWORD_DIGEST..FIXED_LEN], &[0; 48]);
        assert_eq!(&r[FIXED_LEN + 46..FIXED_LEN + 48], b"ab");
        let meta = decode_meta("x", &r).unwrap();
        assert_eq!(meta.views_remaining, None);
        // An in-place update (what consume_view.lua does) is read back.
        let mut updated = r.clone();
        updated[OFF_LAST_VIEWED_AT..OFF_LAST_VIEWED_AT + 8]
            .copy_from_slice(&1_795_000_000_999i64.to_be_bytes());
        updated[OFF_VIEWS..OFF_VIEWS + 4].copy_from_slice(&2u32.to_be_bytes());
        let meta = decode_meta("x", &updated).unwrap();
        assert_eq!(meta.last_viewed_at, Some(1_795_000_000_999));
        assert_eq!(meta.views_remaining, Some(2));
    }

    #[test]
    fn corrupt_records_are_errors_not_panics() {
        let r = encode(&secret(Some("name"), None)).unwrap();
        for len in 0..r.len() {
            let _ = decode("x", &r[..len]);
            let _ = decode_meta("x", &r[..len]);
        }
        for (at, value) in [
            (0, 2),
            (OFF_ACCESS, 7),
            (OFF_PASSWORD, 3),
            (OFF_FLAGS, 4),
            (OFF_FLAGS, 0x81),
        ] {
            let mut bad = r.clone();
            bad[at] = value;
            assert!(decode_meta("x", &bad).is_err(), "byte {at} = {value}");
        }
        let mut long_name = r.clone();
        long_name[OFF_NAME_LEN] = 255;
        assert!(decode_meta("x", &long_name).is_err());

        // An owner segment with an unknown creator kind.
        let mut s = secret(Some("name"), None);
        s.owner = Some(owners()[0]);
        let owned = encode(&s).unwrap();
        let kind_at = FIXED_LEN + 46 + 4;
        for len in 0..owned.len() {
            let _ = decode("x", &owned[..len]);
            let _ = decode_meta("x", &owned[..len]);
            let _ = owner_org(&owned[..len]);
        }
        for kind in [0, 3, 0xff] {
            let mut bad = owned.clone();
            bad[kind_at] = kind;
            for result in [
                decode_meta("x", &bad).map(|_| ()),
                decode("x", &bad).map(|_| ()),
                owner(&bad).map(|_| ()),
            ] {
                assert!(
                    matches!(result, Err(StoreError::Internal(_))),
                    "kind {kind}: {result:?}"
                );
            }
        }
        // An owner flag on a record too short to hold the segment.
        let mut no_room = r[..FIXED_LEN + 46 + 4].to_vec();
        no_room[OFF_FLAGS] |= FLAG_OWNER;
        assert!(decode_meta("x", &no_room).is_err());
        assert!(owner_org(&no_room).is_err());
    }

    #[test]
    fn the_metadata_prefix_bound_covers_the_longest_header_and_name() {
        // The longest name the API accepts: 50 characters of four UTF-8 bytes each.
        let longest = "\u{10348}".repeat(crate::shares::validate::MAX_NAME_CHARS);
        let mut s = secret(Some(&longest), None);
        s.owner = Some(owners()[1]);
        let r = encode(&s).unwrap();
        let meta = decode_meta("x", &r[..MAX_META_LEN]).unwrap();
        assert_eq!(meta.name.as_deref(), Some(longest.as_str()));
        assert_eq!(meta.owner, s.owner);
        // And the longest header and name the layout can hold, with an owner and recipients,
        // fit it exactly.
        let mut most = r[..FIXED_LEN].to_vec();
        most[OFF_HEADER_LEN] = 255;
        most[OFF_NAME_LEN] = 255;
        most[OFF_FLAGS] = FLAG_OWNER | FLAG_RECIPIENTS;
        most.resize(MAX_META_LEN, 0);
        most[FIXED_LEN + 510] = CREATOR_USER;
        assert_eq!(meta_len(&most).unwrap(), MAX_META_LEN);
    }

    #[test]
    fn recipients_are_kept_as_digests_between_the_owner_and_the_body() {
        let mut s = secret(Some("n"), None);
        s.owner = Some(owners()[0]);
        s.notify_on_view = true;
        let emails = vec![[1u8; 32], [2u8; 32]];
        let tokens = vec![[3u8; 32], [4u8; 32]];
        s.recipients = Some(crate::store::Recipients {
            emails: emails.clone(),
            tokens: Some(tokens.clone()),
        });
        let r = encode(&s).unwrap();
        let meta = decode_meta("x", &r[..MAX_META_LEN.min(r.len())]).unwrap();
        assert_eq!(meta.recipients, 2);
        assert!(meta.external_recipients && meta.notify_on_view);
        let (n, emails_at, tokens_at) = recipients(&r).unwrap().unwrap();
        assert_eq!(n, 2);
        assert_eq!(&r[emails_at..emails_at + 32], &emails[0]);
        assert_eq!(
            &r[tokens_at.unwrap() + 32..tokens_at.unwrap() + 64],
            &tokens[1]
        );
        assert_eq!(head_len(&r).unwrap(), meta_len(&r).unwrap() + 128);
        // The body after the digests decodes to the same envelope.
        let (_, envelope) = decode("x", &r).unwrap();
        assert_eq!(envelope, s.envelope);
        // Recipients without an owner cannot be written.
        s.owner = None;
        assert!(encode(&s).is_err());
        // Nor a recipient flag without the owner flag read.
        let mut bad = encode(&secret(None, None)).unwrap();
        bad[OFF_FLAGS] |= FLAG_RECIPIENTS;
        assert!(decode_meta("x", &bad).is_err());
    }
}
