//! Per-organization branding: two colours, a display name, a logo and a favicon, set by the organization's admins and shown on the pages of its links.
//!
//! Branding is data, never code: the pages read the colours as CSS custom properties from a
//! same-origin stylesheet and the images as same-origin files, so the JavaScript and WebAssembly
//! every organization gets are the same bytes, and their published hashes hold.
//!
//! Layout: [`colour`] (the `#rrggbb` syntax and the contrast rule), [`image`] (what an upload
//! must be, and its re-encoding), and here the records and the use cases.
//!
//! | key | value | expiry |
//! | --- | --- | --- |
//! | `branding:<org>` | [`BrandingRecord`], JSON: colours, name, each image's kind and version | none |
//! | `branding-logo:<org>`, `branding-favicon:<org>` | one byte of kind (`p`, `j`), then the re-encoded file | none |
//!
//! Every step is one atomic step on one key (compare-and-swap of the settings), so Redis, Redis
//! Cluster and the embedded store behave alike. An image is written before the settings name
//! it (and an upload then makes them name what is stored, in case another upload came between),
//! and forgotten by the settings before it is deleted, so a page never
//! links a missing image for long; a version (the first 16 hex digits of the file's SHA-256) in each image's URL keeps
//! a cached old image from being shown after a new upload.

pub mod colour;
pub mod image;

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use uuid::Uuid;

use self::image::{CleanImage, ImageError, ImageKind, ImageRole};
use crate::accounts::{AccountError, Accounts};
use crate::blocking::BlockingLimit;
use crate::policy::{self, Denial, Role};
use crate::shares::validate::{Invalid, is_refused_in_name};
use crate::store::{KvStore, StoreError, UnixMillis};

/// Longest display name, in characters.
pub const MAX_DISPLAY_NAME_CHARS: usize = 64;

/// How many times a compare-and-swap of the settings is retried.
const CAS_RETRIES: usize = 16;

/// Decoding and encoding images: one at a time per core, beside the request threads.
static IMAGE_LIMIT: std::sync::LazyLock<BlockingLimit> =
    std::sync::LazyLock::new(|| BlockingLimit::per_core(1));

/// The key of an organization's branding settings.
pub fn settings_key(org: Uuid) -> String {
    format!("branding:{org}")
}

/// The key of an organization's logo or favicon.
pub fn image_key(org: Uuid, role: ImageRole) -> String {
    format!("branding-{}:{org}", role.name())
}

/// Every key of an organization's branding (deleted with the organization).
pub fn keys(org: Uuid) -> [String; 3] {
    [
        settings_key(org),
        image_key(org, ImageRole::Logo),
        image_key(org, ImageRole::Favicon),
    ]
}

/// A stored image as the settings know it: its kind and version.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ImageRef {
    /// PNG or JPEG.
    pub kind: ImageKind,
    /// The first 16 hex digits of the SHA-256 of the stored file.
    pub version: String,
}

/// An organization's branding settings. All `None` is no branding (the key is then deleted).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct BrandingRecord {
    /// `#rrggbb`, behind the pages' buttons.
    pub primary_color: Option<String>,
    /// `#rrggbb`, behind the header band.
    pub secondary_color: Option<String>,
    /// The name shown in the header band.
    pub display_name: Option<String>,
    /// The logo, when one is stored.
    pub logo: Option<ImageRef>,
    /// The favicon, when one is stored.
    pub favicon: Option<ImageRef>,
}

impl BrandingRecord {
    fn is_empty(&self) -> bool {
        *self == BrandingRecord::default()
    }

    fn image_mut(&mut self, role: ImageRole) -> &mut Option<ImageRef> {
        match role {
            ImageRole::Logo => &mut self.logo,
            ImageRole::Favicon => &mut self.favicon,
        }
    }
}

/// A change of the settings: for each field, absent (keep), `Some(None)` (clear) or a value.
#[derive(Debug, Default)]
pub struct BrandingChange {
    /// `primaryColor`.
    pub primary_color: Option<Option<String>>,
    /// `secondaryColor`.
    pub secondary_color: Option<Option<String>>,
    /// `displayName`.
    pub display_name: Option<Option<String>>,
}

/// A stored image: its kind and the file.
#[derive(Debug)]
pub struct StoredImage {
    /// PNG or JPEG.
    pub kind: ImageKind,
    /// The re-encoded file.
    pub bytes: Vec<u8>,
}

impl StoredImage {
    fn encode(kind: ImageKind, bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(bytes.len() + 1);
        out.push(match kind {
            ImageKind::Png => b'p',
            ImageKind::Jpeg => b'j',
        });
        out.extend_from_slice(bytes);
        out
    }

    fn decode(mut value: Vec<u8>) -> Result<Self, BrandingError> {
        let kind = match value.first() {
            Some(b'p') => ImageKind::Png,
            Some(b'j') => ImageKind::Jpeg,
            _ => {
                return Err(BrandingError::Store(StoreError::Internal(
                    "corrupt branding image record".into(),
                )));
            }
        };
        value.remove(0);
        Ok(StoredImage { kind, bytes: value })
    }
}

/// Why a branding use case did not go through.
#[derive(Debug)]
pub enum BrandingError {
    /// The policy refused the caller.
    Denied(Denial),
    /// A malformed field (400).
    Invalid(Invalid),
    /// A refused upload (400, or 413 when too large).
    Image(ImageRole, ImageError),
    /// No branding (404).
    NotFound,
    /// An account step failed.
    Account(AccountError),
    /// The store failed.
    Store(StoreError),
    /// A bug; the cause is for the log.
    Internal(String),
}

impl From<StoreError> for BrandingError {
    fn from(e: StoreError) -> Self {
        BrandingError::Store(e)
    }
}

impl From<AccountError> for BrandingError {
    fn from(e: AccountError) -> Self {
        BrandingError::Account(e)
    }
}

impl From<Denial> for BrandingError {
    fn from(d: Denial) -> Self {
        BrandingError::Denied(d)
    }
}

/// The first 16 hex digits of the SHA-256 of `bytes`: the version in an image's URL.
pub fn version_of(bytes: &[u8]) -> String {
    hex::encode(&Sha256::digest(bytes)[..8])
}

/// Checks a change and applies it to `record`.
fn apply(record: &mut BrandingRecord, change: &BrandingChange) -> Result<(), Invalid> {
    for (field, value, slot) in [
        (
            "primaryColor",
            &change.primary_color,
            &mut record.primary_color,
        ),
        (
            "secondaryColor",
            &change.secondary_color,
            &mut record.secondary_color,
        ),
    ] {
        match value {
            None => {}
            Some(None) => *slot = None,
            Some(Some(text)) => {
                *slot = Some(colour::check(field, text).map_err(|m| Invalid::single(field, &m))?);
            }
        }
    }
    match &change.display_name {
        None => {}
        Some(None) => record.display_name = None,
        Some(Some(name)) => {
            let field = "displayName";
            if name.trim().is_empty() {
                return Err(Invalid::single(
                    field,
                    "displayName must not be empty: send null to remove it",
                ));
            }
            if name.chars().count() > MAX_DISPLAY_NAME_CHARS {
                return Err(Invalid::single(
                    field,
                    &format!("displayName must be at most {MAX_DISPLAY_NAME_CHARS} characters"),
                ));
            }
            if name.chars().any(is_refused_in_name) {
                return Err(Invalid::single(
                    field,
                    "displayName must not contain control or bidirectional formatting characters",
                ));
            }
            record.display_name = Some(name.clone());
        }
    }
    Ok(())
}

fn decode_record(bytes: &[u8]) -> Result<BrandingRecord, BrandingError> {
    serde_json::from_slice(bytes)
        .map_err(|e| BrandingError::Store(StoreError::Internal(format!("corrupt record: {e}"))))
}

/// The branding use cases over the store and the account service.
pub struct Branding<'a> {
    /// Where the records are.
    pub kv: &'a dyn KvStore,
    /// Organizations and their members.
    pub accounts: &'a Accounts,
}

impl Branding<'_> {
    /// The caller's role in `org`; an organization that does not exist has no members.
    async fn role(
        &self,
        org: Uuid,
        user: Uuid,
        now: UnixMillis,
    ) -> Result<Option<Role>, BrandingError> {
        Ok(self
            .accounts
            .org(org, now)
            .await?
            .and_then(|o| o.role_of(user)))
    }

    /// Refuses everyone but an admin of `org` (403, as the sharing settings do).
    pub async fn authorize_admin(
        &self,
        org: Uuid,
        user: Uuid,
        now: UnixMillis,
    ) -> Result<(), BrandingError> {
        Ok(policy::authorize_admin(self.role(org, user, now).await?)?)
    }

    /// The stored settings (the default when there are none).
    pub async fn record(
        &self,
        org: Uuid,
        now: UnixMillis,
    ) -> Result<Option<BrandingRecord>, BrandingError> {
        match self.kv.get(settings_key(org), now).await? {
            None => Ok(None),
            Some(bytes) => decode_record(&bytes).map(Some),
        }
    }

    /// The settings, for any member of `org`.
    pub async fn settings(
        &self,
        org: Uuid,
        user: Uuid,
        now: UnixMillis,
    ) -> Result<BrandingRecord, BrandingError> {
        if self.role(org, user, now).await?.is_none() {
            return Err(Denial::NotMember.into());
        }
        Ok(self.record(org, now).await?.unwrap_or_default())
    }

    /// Read-modify-write of the settings with compare-and-swap; an empty record is deleted.
    async fn update(
        &self,
        org: Uuid,
        now: UnixMillis,
        change: impl Fn(&mut BrandingRecord) -> Result<(), BrandingError>,
    ) -> Result<BrandingRecord, BrandingError> {
        let key = settings_key(org);
        for _ in 0..CAS_RETRIES {
            let old = self.kv.get(key.clone(), now).await?;
            let mut record = match &old {
                Some(bytes) => decode_record(bytes)?,
                None => BrandingRecord::default(),
            };
            change(&mut record)?;
            let new = (!record.is_empty())
                .then(|| serde_json::to_vec(&record))
                .transpose()
                .map_err(|e| BrandingError::Internal(format!("encode record: {e}")))?;
            let done = match (old, new) {
                (None, None) => true,
                (None, Some(new)) => self.kv.insert(key.clone(), new, None, now).await?,
                (Some(old), Some(new)) => self.kv.replace(key.clone(), old, new, None, now).await?,
                (Some(old), None) => self.kv.remove(key.clone(), Some(old), now).await?,
            };
            if done {
                return Ok(record);
            }
        }
        Err(StoreError::Unavailable("too many concurrent changes of one record".into()).into())
    }

    /// Changes the colours and the display name (admins).
    pub async fn change(
        &self,
        org: Uuid,
        user: Uuid,
        change: BrandingChange,
        now: UnixMillis,
    ) -> Result<BrandingRecord, BrandingError> {
        self.authorize_admin(org, user, now).await?;
        // Checked once before the store is touched, then applied to the record read.
        apply(&mut BrandingRecord::default(), &change).map_err(BrandingError::Invalid)?;
        self.update(org, now, |record| {
            apply(record, &change).map_err(BrandingError::Invalid)
        })
        .await
    }

    /// Removes all branding of `org`: settings and both images (admins).
    pub async fn reset(&self, org: Uuid, user: Uuid, now: UnixMillis) -> Result<(), BrandingError> {
        self.authorize_admin(org, user, now).await?;
        self.delete_all(org, now).await
    }

    /// Deletes every branding key of `org` (also when the organization is deleted).
    pub async fn delete_all(&self, org: Uuid, now: UnixMillis) -> Result<(), BrandingError> {
        for key in keys(org) {
            self.kv.remove(key, None, now).await?;
        }
        Ok(())
    }

    /// Checks and re-encodes an upload on the blocking pool, stores it and names it in the
    /// settings (admins; the caller checked the admin before reading the upload).
    pub async fn upload(
        &self,
        org: Uuid,
        role: ImageRole,
        declared: String,
        bytes: Vec<u8>,
        now: UnixMillis,
    ) -> Result<BrandingRecord, BrandingError> {
        let clean: CleanImage = IMAGE_LIMIT
            .run(move || self::image::process(&declared, &bytes, role))
            .await
            .map_err(|e| BrandingError::Internal(format!("image task failed: {e}")))?
            .map_err(|e| BrandingError::Image(role, e))?;
        let image = ImageRef {
            kind: clean.kind,
            version: version_of(&clean.bytes),
        };
        let value = StoredImage::encode(clean.kind, &clean.bytes);
        let key = image_key(org, role);
        let mut stored = false;
        for _ in 0..CAS_RETRIES {
            stored = match self.kv.get(key.clone(), now).await? {
                None => {
                    self.kv
                        .insert(key.clone(), value.clone(), None, now)
                        .await?
                }
                Some(old) => {
                    self.kv
                        .replace(key.clone(), old, value.clone(), None, now)
                        .await?
                }
            };
            if stored {
                break;
            }
        }
        if !stored {
            return Err(StoreError::Unavailable("too many concurrent uploads".into()).into());
        }
        let mut record = self
            .update(org, now, |record| {
                *record.image_mut(role) = Some(image.clone());
                Ok(())
            })
            .await?;
        // Other uploads may have written the image between these two writes: until the settings
        // name the file that is stored, they are made to, so that whichever upload finishes last
        // leaves the URL's version equal to the served file's.
        for _ in 0..CAS_RETRIES {
            let stored = self.image(org, role, now).await?.map(|s| ImageRef {
                kind: s.kind,
                version: version_of(&s.bytes),
            });
            if record.image_mut(role).as_ref() == stored.as_ref() {
                break;
            }
            record = self
                .update(org, now, |record| {
                    *record.image_mut(role) = stored.clone();
                    Ok(())
                })
                .await?;
        }
        Ok(record)
    }

    /// Removes the logo or the favicon (admins).
    pub async fn remove_image(
        &self,
        org: Uuid,
        user: Uuid,
        role: ImageRole,
        now: UnixMillis,
    ) -> Result<BrandingRecord, BrandingError> {
        self.authorize_admin(org, user, now).await?;
        let record = self
            .update(org, now, |record| {
                *record.image_mut(role) = None;
                Ok(())
            })
            .await?;
        self.kv.remove(image_key(org, role), None, now).await?;
        Ok(record)
    }

    /// The stored logo or favicon, for anyone.
    pub async fn image(
        &self,
        org: Uuid,
        role: ImageRole,
        now: UnixMillis,
    ) -> Result<Option<StoredImage>, BrandingError> {
        match self.kv.get(image_key(org, role), now).await? {
            None => Ok(None),
            Some(value) => StoredImage::decode(value).map(Some),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_checked_and_null_clears() {
        let mut record = BrandingRecord::default();
        apply(
            &mut record,
            &BrandingChange {
                primary_color: Some(Some("#1A2B3C".into())),
                display_name: Some(Some("Acme".into())),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(record.primary_color.as_deref(), Some("#1a2b3c"));
        assert_eq!(record.display_name.as_deref(), Some("Acme"));
        apply(
            &mut record,
            &BrandingChange {
                primary_color: Some(None),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(record.primary_color, None);
        assert_eq!(record.display_name.as_deref(), Some("Acme"));
        for name in ["", "  ", "a\u{202E}b", "a\nb", &"x".repeat(65)] {
            let change = BrandingChange {
                display_name: Some(Some(name.to_string())),
                ..Default::default()
            };
            assert!(apply(&mut record, &change).is_err(), "{name:?}");
        }
        let change = BrandingChange {
            display_name: Some(Some("é".repeat(64))),
            ..Default::default()
        };
        assert!(apply(&mut record, &change).is_ok());
    }

    #[test]
    fn stored_images_round_trip() {
        let value = StoredImage::encode(ImageKind::Jpeg, b"abc");
        let image = StoredImage::decode(value).unwrap();
        assert_eq!(
            (image.kind, image.bytes.as_slice()),
            (ImageKind::Jpeg, &b"abc"[..])
        );
        assert!(StoredImage::decode(b"xabc".to_vec()).is_err());
        assert_eq!(version_of(b"").len(), 16);
    }
}
