//! The zkshare wire format (docs/PROTOCOL.md): the bytes and strings that cross the network.
//!
//! Envelope, header and payload layout, the size limits, canonical base64url, and the syntax
//! of secret ids, link keys and access verifiers. It holds no AEAD and no key derivation, so
//! the server, which must link no decrypting code, checks its input with the same rules the
//! clients write by: the protocol crate `zkshare-crypto` (browser, CLI, tests, bench) builds on
//! this crate, and so do `zkshare-server` and `zkshare-cli`.
//!
//! ```
//! use zkshare_format::{Header, Mode, envelope};
//!
//! let header = Header::new(Mode::Key, [7; 32], Default::default());
//! let body = [0u8; 12 + 256 + 16];
//! let text = envelope::write_envelope(header.as_bytes(), &body);
//! assert_eq!(envelope::check_shape(&text), Ok(header.to_b64().as_str()));
//! assert_eq!(Header::from_envelope(&text), Ok(header));
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod b64;
pub mod envelope;
mod error;
pub mod header;
pub mod ids;
mod limits;
pub mod payload;
pub mod request;

pub use error::OpenError;
pub use header::{Argon2Params, Header, Mode};
pub use ids::{is_link_key, is_secret_id, is_verifier};
pub use limits::{MAX_ENVELOPE_CHARS, MAX_TEXT_CHARS};
