//! zkshare server: the HTTP API over a ciphertext-only secret store, and the static web page.
//!
//! Layers, from the outside in: [`http`] (routes, extractors, error bodies, middleware) calls
//! the use cases in [`shares`], which ask [`policy`] and call a [`store`]. `main.rs` parses
//! [`Config`] and calls [`serve`] ([`startup`]). Tests build the router with [`app`] over any
//! [`ShareStore`], or run it on a listener with [`run`].

pub mod blocking;
pub mod clock;
pub mod config;
pub mod domain;
pub mod http;
pub mod metrics;
pub mod net;
pub mod policy;
pub mod shares;
pub mod startup;
pub mod store;

// The names callers use, some under the paths they had before the layers (`api`, `assets`,
// `validate`, `SecretStore`), for the tests, fuzz targets and benchmarks that use them.
pub use crate::clock::{format_timestamp, now_millis};
pub use crate::config::Config;
pub use crate::http::error::ApiError;
pub use crate::http::shares as api;
pub use crate::http::{AppState, BODY_LIMIT_BYTES, SITE_RATE_FACTOR, app, assets};
pub use crate::shares::validate;
pub use crate::startup::{init_tracing, open_store, run, serve};
pub use crate::store::{EmbeddedStore, RedisStore, SecretStore, ShareStore};

/// `N` bytes from the operating system's CSPRNG (ids, delete tokens, salts, request ids).
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the operating system's random number generator failed");
    bytes
}
