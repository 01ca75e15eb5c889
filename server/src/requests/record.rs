//! What a secret request stores, under which key: the request record and its requester's index, both JSON through the [`KvStore`](crate::store::KvStore).
//!
//! | key | record | expiry |
//! | --- | --- | --- |
//! | `request:<id>` | [`RequestRecord`] | the request's own expiry |
//! | `requests-of:<owner, hex>` | [`OwnerIndex`] | the latest expiry of its entries |
//!
//! A request is deleted by the store's TTL when it expires, never flagged. Every change is one
//! atomic step on one key (insert, compare-and-swap, compare-and-delete of the exact bytes
//! read), so Redis, Redis Cluster and the embedded store behave alike with no script of their own.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::{AccessType, Creator, Owner};
use crate::store::UnixMillis;

/// Most open requests one requester (a creator in an organization) may have at once.
pub const MAX_OPEN_PER_OWNER: usize = 1_000;

/// The key of a request.
pub fn request_key(id: &str) -> String {
    format!("request:{id}")
}

/// The key of a requester's index.
pub fn index_key(owner: &Owner) -> String {
    format!("requests-of:{}", hex::encode(owner.to_bytes()))
}

/// The owner of a signed-in user's requests: the user in their current organization, or in
/// the nil organization (which no real organization has) when they are in none, so that a user
/// without an organization still reveals and lists their requests by session.
pub fn requester_owner(creator: Creator, org: Option<Uuid>) -> Owner {
    Owner {
        org: org.unwrap_or(Uuid::nil()),
        creator,
    }
}

/// Who asked, as the answer page shows them: a snapshot taken when the request was made.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct RequesterInfo {
    /// The user's e-mail address or the machine identity's name.
    pub name: String,
    /// The organization's name, if the requester acted in one.
    pub organization: Option<String>,
}

/// A secret request: the requester's public key and, once answered, the sealed answer.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct RequestRecord {
    /// 16 random bytes, base64url.
    pub id: String,
    /// Optional label.
    pub name: Option<String>,
    /// Who may answer.
    pub access_type: AccessType,
    /// Creation time.
    pub created_at: UnixMillis,
    /// Expiry (also the key's; checked here too, by the server's clock).
    pub expires_at: UnixMillis,
    /// The requester's public key, `b64(suite || pk)`.
    pub public_key: String,
    /// SHA-256 (hex) of the requester token, when one was given.
    pub token_digest: Option<String>,
    /// The signed-in requester ([`Owner::to_bytes`], hex), when there was one.
    pub owner: Option<String>,
    /// Who asked, for the answer page.
    pub requester: Option<RequesterInfo>,
    /// Keep the answer after it was revealed.
    pub keep_answer: bool,
    /// The sealed answer, once given.
    pub answer: Option<String>,
    /// When it was given.
    pub answered_at: Option<UnixMillis>,
}

impl RequestRecord {
    /// The signed-in requester, if any.
    pub fn owner(&self) -> Option<Owner> {
        let bytes = hex::decode(self.owner.as_deref()?).ok()?;
        Owner::from_bytes(&bytes)
    }

    /// The organization whose members may answer an `organization` request.
    pub fn org(&self) -> Option<Uuid> {
        self.owner().map(|o| o.org).filter(|org| !org.is_nil())
    }
}

/// One open request in a requester's index.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct IndexEntry {
    /// The request's id.
    pub id: String,
    /// Its creation time (the list is newest first).
    pub created_at: UnixMillis,
    /// Its expiry: an entry past it is dropped.
    pub expires_at: UnixMillis,
}

/// A requester's open requests, oldest first.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct OwnerIndex {
    /// The entries.
    pub entries: Vec<IndexEntry>,
}

impl OwnerIndex {
    /// The index without the entries expired at `now`.
    pub fn live(mut self, now: UnixMillis) -> Self {
        self.entries.retain(|e| e.expires_at > now);
        self
    }

    /// When the index may go: with its last entry.
    pub fn expires_at(&self) -> Option<UnixMillis> {
        self.entries.iter().map(|e| e.expires_at).max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_round_trip_through_the_record() {
        let owner = requester_owner(
            Creator::Machine(Uuid::from_u128(5)),
            Some(Uuid::from_u128(9)),
        );
        let record = RequestRecord {
            id: "x".into(),
            name: None,
            access_type: AccessType::Anyone,
            created_at: 0,
            expires_at: 1,
            public_key: String::new(),
            token_digest: None,
            owner: Some(hex::encode(owner.to_bytes())),
            requester: None,
            keep_answer: false,
            answer: None,
            answered_at: None,
        };
        assert_eq!(record.owner(), Some(owner));
        assert_eq!(record.org(), Some(Uuid::from_u128(9)));
        let alone = requester_owner(Creator::User(Uuid::from_u128(5)), None);
        let record = RequestRecord {
            owner: Some(hex::encode(alone.to_bytes())),
            ..record
        };
        assert_eq!(record.owner(), Some(alone));
        assert_eq!(record.org(), None);
    }

    #[test]
    fn expired_entries_leave_the_index() {
        let entry = |id: &str, expires_at| IndexEntry {
            id: id.into(),
            created_at: 0,
            expires_at,
        };
        let index = OwnerIndex {
            entries: vec![entry("a", 10), entry("b", 30), entry("c", 20)],
        }
        .live(20);
        assert_eq!(index.entries, vec![entry("b", 30)]);
        assert_eq!(index.expires_at(), Some(30));
        assert_eq!(OwnerIndex::default().expires_at(), None);
    }
}
