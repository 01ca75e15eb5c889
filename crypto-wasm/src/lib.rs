//! The zkshare protocol: seals a secret into a versioned envelope and opens it again.
//!
//! `docs/PROTOCOL.md` is normative; this crate is its reference implementation, used natively
//! by the CLI and tests and, compiled to WebAssembly (feature `wasm`), by the web page.
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
mod b64;
mod envelope;
mod error;
mod header;
mod keys;
mod payload;
mod primitives;
mod seal;
#[cfg(test)]
mod tests;
#[cfg(feature = "vector-check")]
#[doc(hidden)]
pub mod vectors;
#[cfg(feature = "wasm")]
pub mod wasm;

pub use error::{OpenError, SealError};
pub use header::{Argon2Params, Header, Mode};
pub use keys::{Credentials, LinkKey, OpeningKeys, is_verifier};
#[cfg(feature = "vectors")]
pub use seal::seal_text_deterministic;
pub use seal::{Sealed, open_text, seal_text};

/// The most text a secret may hold, in Unicode scalar values (the API's `secretValue` limit).
pub const MAX_TEXT_CHARS: usize = 10_000;

/// The longest envelope any writer produces (PROTOCOL.md §8): 10,000 four-byte characters in
/// a password mode, `62 + 1 + 53627` characters. Readers refuse longer ones unread.
pub const MAX_ENVELOPE_CHARS: usize = 53_690;
