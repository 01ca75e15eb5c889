//! zkshare server: the HTTP API over a ciphertext-only secret store, and the static web page.
//!
//! Layers, from the outside in: [`http`] (routes, extractors, error bodies, middleware) calls
//! the use cases in [`shares`], [`requests`], [`accounts`] and [`branding`], which ask [`policy`] and call a
//! [`store`]. `main.rs` parses [`Config`] and calls [`serve`] ([`startup`]). Tests build the
//! router with [`app`] over any [`ShareStore`], or run it on a listener with [`run`].

pub mod accounts;
pub mod blocking;
pub mod branding;
pub mod clock;
pub mod config;
pub mod domain;
pub mod http;
pub mod mail;
pub mod metrics;
pub mod net;
pub mod policy;
pub mod random;
pub mod requests;
pub mod shares;
pub mod startup;
pub mod store;

// The names the binary, the tests, the fuzz targets and the benchmarks use most.
pub use crate::clock::{format_timestamp, now_millis};
pub use crate::config::Config;
pub use crate::http::error::ApiError;
pub use crate::http::{AppState, BODY_LIMIT_BYTES, SITE_RATE_FACTOR, app};
pub use crate::startup::{init_tracing, open_store, run, serve};
pub use crate::store::{EmbeddedStore, RedisStore, ShareStore};
