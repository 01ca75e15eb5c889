//! The zkshare protocol: seals a secret into a versioned envelope and opens it again.
//!
//! `docs/PROTOCOL.md` is normative; this crate is its reference implementation: the key
//! schedule, AES-256-GCM sealing and opening, and Argon2id. It is used natively by the CLI, the
//! tests and the bench and, compiled to WebAssembly (feature `wasm`), by the web page. The byte
//! layout, limits and string syntax it reads and writes are `zkshare-format`'s, re-exported here
//! where callers need them.
//!
//! ```
//! use zkshare_crypto::{Credentials, LinkKey, open_text, seal_text};
//!
//! let key = LinkKey::generate();
//! let sealed = seal_text("the secret", &Credentials::Key(&key))?;
//! // The server stores `sealed.envelope` and a digest of `sealed.verifier`.
//! let text = open_text(&sealed.envelope, &Credentials::Key(&key))?;
//! assert_eq!(*text, "the secret");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod aead;
mod error;
#[cfg(any(feature = "vector-check", feature = "requests", feature = "wasm"))]
mod hex;
mod keys;
mod primitives;
mod random;
#[cfg(feature = "requests")]
pub mod request;
#[cfg(feature = "requests")]
#[doc(hidden)]
pub mod request_vectors;
mod seal;
#[cfg(any(feature = "vector-check", feature = "wasm"))]
#[doc(hidden)]
pub mod share_vectors;
#[cfg(test)]
mod tests;
#[cfg(feature = "vector-check")]
#[doc(hidden)]
pub mod vectors;
#[cfg(feature = "wasm")]
pub mod wasm;
#[cfg(feature = "wasm-requests")]
pub mod wasm_requests;

pub use error::SealError;
pub use keys::{Credentials, EnvelopeKeys, LinkKey};
#[cfg(feature = "vectors")]
pub use seal::seal_text_deterministic;
pub use seal::{Sealed, open_text, seal_text};
pub use zkshare_format::{
    Argon2Params, Header, MAX_ENVELOPE_CHARS, MAX_TEXT_CHARS, Mode, OpenError, is_verifier,
};
