//! The secret-request use cases: a requester publishes a public key, someone seals a secret to it once, and only the requester reveals the sealed answer.
//!
//! The server stores and hands out ciphertext only: it checks the public key's and the
//! answer's shapes with zkshare-format and links no HPKE or AEAD (docs/PROTOCOL.md §14). Each
//! use case takes the time (`now`) as an argument, so tests may move it.
//!
//! Layout: [`record`] (what is stored under which key), [`validate`] (the input rules),
//! [`notify`] (the requester's "Secret Request Completed" mail).

pub mod notify;
pub mod record;
pub mod validate;

use crate::accounts::secrets::{digest_hex, same_digest};
use crate::accounts::{AccountError, Accounts};
use crate::domain::{AccessType, Creator, Owner};
use crate::policy::{self, Principal};
use crate::shares::id;
use crate::shares::validate::Invalid;
use crate::store::{KvStore, StoreError, UnixMillis};

use self::record::{
    IndexEntry, MAX_OPEN_PER_OWNER, OwnerIndex, RequestRecord, RequesterInfo, index_key,
    request_key, requester_owner,
};
use self::validate::CreateRequestBody;

/// How many times a compare-and-swap step is retried when another request changed the record
/// between the read and the write.
const CAS_RETRIES: usize = 16;

/// Why a secret-request use case did not go through.
#[derive(Debug)]
pub enum RequestError {
    /// The request body is malformed (400).
    Invalid(Invalid),
    /// Unknown, expired, revealed or deleted: one answer for all (404).
    NotFound,
    /// An anonymous caller asked for an organization-only request (401).
    CreateNeedsAccount,
    /// An organization-only request by a user in no organization (400).
    CreateNeedsOrganization,
    /// An organization-only request and no credentials (401).
    ViewNeedsAccount,
    /// An organization-only request and a caller of another organization (403).
    ViewForbidden,
    /// Neither the requester's session nor a requester token was presented (401).
    RequesterCredentialsRequired,
    /// The caller is not the requester and the token does not match (403).
    NotRequester,
    /// The request was answered already (409).
    AlreadyAnswered,
    /// The request has no answer yet (409).
    NotAnswered,
    /// The requester has [`MAX_OPEN_PER_OWNER`] open requests (409).
    TooManyOpen,
    /// Listing needs a signed-in caller (401).
    ListNeedsAccount,
    /// An account step failed (the organization's record).
    Account(AccountError),
    /// The store failed.
    Store(StoreError),
    /// A bug; the cause is for the log.
    Internal(String),
}

impl From<StoreError> for RequestError {
    fn from(e: StoreError) -> Self {
        RequestError::Store(e)
    }
}

impl From<AccountError> for RequestError {
    fn from(e: AccountError) -> Self {
        RequestError::Account(e)
    }
}

/// What the use cases need: the records, the account service (organizations, addresses, mail)
/// and the server's public address (for the link in the requester's mail).
pub struct Requests<'a> {
    /// Where requests and indexes are stored.
    pub kv: &'a dyn KvStore,
    /// Accounts and organizations.
    pub accounts: &'a Accounts,
    /// The public base URL, without a trailing `/`.
    pub base: String,
}

/// A page of a requester's own requests.
#[derive(Debug, Default)]
pub struct RequestPage {
    /// The requests on this page, newest first.
    pub requests: Vec<RequestRecord>,
    /// How many open requests the requester has in this organization.
    pub total: u64,
}

fn encode<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, RequestError> {
    serde_json::to_vec(value).map_err(|e| RequestError::Internal(format!("encode record: {e}")))
}

fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, RequestError> {
    serde_json::from_slice(bytes)
        .map_err(|e| RequestError::Store(StoreError::Internal(format!("corrupt record: {e}"))))
}

/// The owner a signed-in caller has (and would record): anonymous callers have none.
fn caller_owner(principal: &Principal) -> Option<Owner> {
    match principal {
        Principal::Anonymous => None,
        Principal::User { user, org, .. } => {
            Some(requester_owner(Creator::User(*user), org.map(|m| m.org)))
        }
        Principal::Machine { identity, org } => Some(Owner {
            org: *org,
            creator: Creator::Machine(*identity),
        }),
    }
}

impl Requests<'_> {
    /// The request and its stored bytes; `None` if unknown or expired at `now`.
    async fn load(
        &self,
        id: &str,
        now: UnixMillis,
    ) -> Result<Option<(RequestRecord, Vec<u8>)>, RequestError> {
        let Some(bytes) = self.kv.get(request_key(id), now).await? else {
            return Ok(None);
        };
        let record: RequestRecord = decode(&bytes)?;
        Ok((record.expires_at > now).then_some((record, bytes)))
    }

    /// Changes a requester's index with compare-and-swap; expired entries are dropped first.
    async fn update_index(
        &self,
        owner: &Owner,
        now: UnixMillis,
        change: impl Fn(&mut OwnerIndex) -> Result<(), RequestError>,
    ) -> Result<(), RequestError> {
        let key = index_key(owner);
        for _ in 0..CAS_RETRIES {
            let current = self.kv.get(key.clone(), now).await?;
            let mut index = match &current {
                Some(bytes) => decode::<OwnerIndex>(bytes)?.live(now),
                None => OwnerIndex::default(),
            };
            change(&mut index)?;
            let done = match (current, index.expires_at()) {
                (None, None) => true,
                (None, Some(expires_at)) => {
                    self.kv
                        .insert(key.clone(), encode(&index)?, Some(expires_at), now)
                        .await?
                }
                (Some(old), Some(expires_at)) => {
                    self.kv
                        .replace(key.clone(), old, encode(&index)?, Some(expires_at), now)
                        .await?
                }
                (Some(old), None) => self.kv.remove(key.clone(), Some(old), now).await?,
            };
            if done {
                return Ok(());
            }
        }
        Err(StoreError::Unavailable("too many concurrent changes of one index".into()).into())
    }

    /// Takes `ids` out of the requester's index; a failure only leaves entries that the next
    /// list drops.
    async fn forget(&self, record: &RequestRecord, now: UnixMillis) {
        let Some(owner) = record.owner() else {
            return;
        };
        let id = record.id.clone();
        let result = self
            .update_index(&owner, now, |index| {
                index.entries.retain(|e| e.id != id);
                Ok(())
            })
            .await;
        if let Err(e) = result {
            tracing::warn!(error = ?e, "removing a secret request from its requester's index failed");
        }
    }

    /// Who the answer page names as the requester, and the organization's lifetime limit.
    async fn requester(
        &self,
        principal: &Principal,
        now: UnixMillis,
    ) -> Result<(Option<RequesterInfo>, Option<u32>), RequestError> {
        let org = match principal.org() {
            Some(org) => Some(self.accounts.org_record(org, now).await?),
            None => None,
        };
        let name = match principal {
            Principal::Anonymous => return Ok((None, None)),
            Principal::User { email, .. } => email.clone(),
            Principal::Machine { identity, .. } => org
                .as_ref()
                .and_then(|o| o.identities.iter().find(|i| i.id == *identity))
                .map_or_else(|| "A machine identity".to_string(), |i| i.name.clone()),
        };
        let limit = org
            .as_ref()
            .and_then(|o| o.sharing.max_shared_secret_lifetime);
        Ok((
            Some(RequesterInfo {
                name,
                organization: org.map(|o| o.name),
            }),
            limit,
        ))
    }

    /// Makes a request: the policy (anonymous callers ask `anyone`, with a token), the
    /// body's rules, the organization's lifetime limit, the requester's index (at most
    /// [`MAX_OPEN_PER_OWNER`] open), then the record with the request's expiry.
    pub async fn create(
        &self,
        principal: &Principal,
        body: CreateRequestBody,
        now: UnixMillis,
    ) -> Result<RequestRecord, RequestError> {
        let access_type = body
            .access_type
            .unwrap_or_else(|| policy::default_access_type(principal));
        if access_type == AccessType::Organization {
            match principal {
                Principal::Anonymous => return Err(RequestError::CreateNeedsAccount),
                p if p.org().is_none() => return Err(RequestError::CreateNeedsOrganization),
                _ => {}
            }
        }
        let valid = validate::create(body).map_err(RequestError::Invalid)?;
        if *principal == Principal::Anonymous && valid.requester_token.is_none() {
            return Err(RequestError::Invalid(Invalid::single(
                "requesterToken",
                validate::TOKEN_REQUIRED,
            )));
        }
        let (requester, lifetime_limit) = self.requester(principal, now).await?;
        if lifetime_limit.is_some_and(|secs| valid.lifetime_ms > i64::from(secs) * 1000) {
            return Err(RequestError::Invalid(Invalid::single(
                "expiresIn",
                crate::policy::sharing::LIFETIME_EXCEEDED,
            )));
        }
        let owner = caller_owner(principal);
        let (id, _) = id::mint();
        let record = RequestRecord {
            id: id.clone(),
            name: valid.name,
            access_type,
            created_at: now,
            expires_at: now + valid.lifetime_ms,
            public_key: valid.public_key.to_b64(),
            token_digest: valid.requester_token.as_deref().map(digest_hex),
            owner: owner.map(|o| hex::encode(o.to_bytes())),
            requester,
            keep_answer: valid.keep_answer,
            answer: None,
            answered_at: None,
        };
        // The index first: a request never exists beyond the cap, and an entry whose record
        // was never written is dropped by the next list.
        if let Some(owner) = &owner {
            let entry = IndexEntry {
                id: id.clone(),
                created_at: now,
                expires_at: record.expires_at,
            };
            self.update_index(owner, now, |index| {
                if index.entries.len() >= MAX_OPEN_PER_OWNER {
                    return Err(RequestError::TooManyOpen);
                }
                index.entries.push(entry.clone());
                Ok(())
            })
            .await?;
        }
        let stored = self
            .kv
            .insert(
                request_key(&id),
                encode(&record)?,
                Some(record.expires_at),
                now,
            )
            .await?;
        if !stored {
            return Err(RequestError::Internal(
                "a request id was minted twice".into(),
            ));
        }
        Ok(record)
    }

    /// May `principal` see and answer `record`? Anyone for `anyone`; for `organization`, the
    /// members of the requester's organization (and the requester).
    fn authorize_answerer(
        principal: &Principal,
        record: &RequestRecord,
    ) -> Result<(), RequestError> {
        if record.access_type == AccessType::Anyone {
            return Ok(());
        }
        let same_org = record.org().is_some() && principal.org() == record.org();
        let requester = caller_owner(principal).is_some_and(|me| record.owner() == Some(me));
        match principal {
            _ if same_org || requester => Ok(()),
            Principal::Anonymous => Err(RequestError::ViewNeedsAccount),
            _ => Err(RequestError::ViewForbidden),
        }
    }

    /// Is the caller the requester: their session (the same creator in the same organization)
    /// or the requester token (compared as digests in constant time)?
    fn authorize_requester(
        principal: &Principal,
        token: Option<&str>,
        record: &RequestRecord,
    ) -> Result<(), RequestError> {
        let token = token.filter(|t| !t.is_empty());
        if let (Some(token), Some(stored)) = (token, record.token_digest.as_deref())
            && same_digest(&digest_hex(token), stored)
        {
            return Ok(());
        }
        if caller_owner(principal).is_some_and(|me| record.owner() == Some(me)) {
            return Ok(());
        }
        if token.is_none() && *principal == Principal::Anonymous {
            Err(RequestError::RequesterCredentialsRequired)
        } else {
            Err(RequestError::NotRequester)
        }
    }

    /// The request as its answer page shows it; spends nothing.
    pub async fn view(
        &self,
        principal: &Principal,
        id: &str,
        now: UnixMillis,
    ) -> Result<RequestRecord, RequestError> {
        let (record, _) = self.load(id, now).await?.ok_or(RequestError::NotFound)?;
        Self::authorize_answerer(principal, &record)?;
        Ok(record)
    }

    /// Stores the answer, once: compare-and-swap on the exact record read, so of many
    /// answerers at once exactly one succeeds. Then the requester is mailed (in the
    /// background: a failed mail does not undo the answer).
    pub async fn set_value(
        &self,
        principal: &Principal,
        id: &str,
        value: String,
        now: UnixMillis,
    ) -> Result<RequestRecord, RequestError> {
        let mut checked = false;
        for _ in 0..CAS_RETRIES {
            let (record, bytes) = self.load(id, now).await?.ok_or(RequestError::NotFound)?;
            Self::authorize_answerer(principal, &record)?;
            if !checked {
                validate::answer(&value, &record.public_key).map_err(RequestError::Invalid)?;
                checked = true;
            }
            if record.answer.is_some() {
                return Err(RequestError::AlreadyAnswered);
            }
            let answered = RequestRecord {
                answer: Some(value.clone()),
                answered_at: Some(now),
                ..record
            };
            if self
                .kv
                .replace(
                    request_key(id),
                    bytes,
                    encode(&answered)?,
                    Some(answered.expires_at),
                    now,
                )
                .await?
            {
                notify::answered(self.accounts, &self.base, &answered);
                return Ok(answered);
            }
        }
        Err(StoreError::Unavailable("too many concurrent changes of one request".into()).into())
    }

    /// The answer, for the requester only. Unless the request keeps its answer, it is deleted
    /// in the same step it is read (compare-and-delete of the exact record read: of two
    /// reveals at once, one gets the answer and the other 404).
    pub async fn reveal(
        &self,
        principal: &Principal,
        id: &str,
        token: Option<&str>,
        now: UnixMillis,
    ) -> Result<RequestRecord, RequestError> {
        for _ in 0..CAS_RETRIES {
            let (record, bytes) = self.load(id, now).await?.ok_or(RequestError::NotFound)?;
            Self::authorize_requester(principal, token, &record)?;
            if record.answer.is_none() {
                return Err(RequestError::NotAnswered);
            }
            if record.keep_answer {
                return Ok(record);
            }
            if self.kv.remove(request_key(id), Some(bytes), now).await? {
                self.forget(&record, now).await;
                return Ok(record);
            }
        }
        Err(StoreError::Unavailable("too many concurrent changes of one request".into()).into())
    }

    /// Deletes a request, for the requester only (answered or not).
    pub async fn delete(
        &self,
        principal: &Principal,
        id: &str,
        token: Option<&str>,
        now: UnixMillis,
    ) -> Result<RequestRecord, RequestError> {
        for _ in 0..CAS_RETRIES {
            let (record, bytes) = self.load(id, now).await?.ok_or(RequestError::NotFound)?;
            Self::authorize_requester(principal, token, &record)?;
            if self.kv.remove(request_key(id), Some(bytes), now).await? {
                self.forget(&record, now).await;
                return Ok(record);
            }
        }
        Err(StoreError::Unavailable("too many concurrent changes of one request".into()).into())
    }

    /// One page of the caller's open requests in their current organization, newest first.
    /// Entries whose record is gone (revealed, deleted, expired) are dropped from the index.
    pub async fn list(
        &self,
        principal: &Principal,
        offset: u64,
        limit: u64,
        now: UnixMillis,
    ) -> Result<RequestPage, RequestError> {
        let owner = caller_owner(principal).ok_or(RequestError::ListNeedsAccount)?;
        let index = match self.kv.get(index_key(&owner), now).await? {
            Some(bytes) => decode::<OwnerIndex>(&bytes)?.live(now),
            None => return Ok(RequestPage::default()),
        };
        let mut entries = index.entries;
        entries.reverse();
        entries.sort_by_key(|e| std::cmp::Reverse(e.created_at));
        let mut missing = Vec::new();
        let mut requests = Vec::new();
        let mut at = usize::try_from(offset).unwrap_or(usize::MAX);
        let want = usize::try_from(limit).unwrap_or(usize::MAX);
        // Entries of gone records are skipped, so that a page is full while there are more.
        while requests.len() < want && at < entries.len() {
            let entry = &entries[at];
            match self.load(&entry.id, now).await? {
                Some((record, _)) => requests.push(record),
                None => missing.push(entry.id.clone()),
            }
            at += 1;
        }
        if !missing.is_empty() {
            let result = self
                .update_index(&owner, now, |index| {
                    index.entries.retain(|e| !missing.contains(&e.id));
                    Ok(())
                })
                .await;
            if let Err(e) = result {
                tracing::warn!(error = ?e, "dropping gone secret requests from an index failed");
            }
        }
        Ok(RequestPage {
            requests,
            total: (entries.len() - missing.len()) as u64,
        })
    }
}
