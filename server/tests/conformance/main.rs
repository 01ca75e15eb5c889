//! One conformance suite through the HTTP router, run against every store (Redis, a Redis Cluster, redb), plus each store's own checks.
//!
//! One module an area: `create`, `view` (metadata and access), `passwords`, `delete`,
//! `limits`, `requests` (the HTTP surface), `owned` (the creator's index and access log),
//! `secret_requests` (secret requests of anonymous requesters) run on every store through
//! [`for_both_stores`];
//! `redis_only`, `cluster_only`, `embedded_only` and `lua` (the scripts' contracts) check one.

#[path = "../common/mod.rs"]
mod common;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::*;
use redis::AsyncCommands as _;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use tower::ServiceExt as _;
use zkshare_server::http::shares::NOT_FOUND_MESSAGE;
use zkshare_server::now_millis;
use zkshare_server::store::{
    AccessType, ConsumeOutcome, ConsumeRequest, Digest, NewSecret, PasswordCheck, ShareStore,
    record,
};

/// Instantiates each listed `async fn(StoreKind)` once per store: Redis, a Redis Cluster (where
/// a step touching keys of two hash slots fails), and the embedded store.
macro_rules! for_both_stores {
    ($($name:ident),* $(,)?) => {
        mod on_redis {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name(super::StoreKind::Redis).await;
                }
            )*
        }
        mod on_cluster {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name(super::StoreKind::Cluster).await;
                }
            )*
        }
        mod on_embedded {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name(super::StoreKind::Embedded).await;
                }
            )*
        }
    };
}

mod cluster_only;
mod create;
mod delete;
mod embedded_only;
mod limits;
mod lua;
mod owned;
mod passwords;
mod redis_only;
mod requests;
mod secret_requests;
mod view;

fn is_timestamp(v: &Value) -> bool {
    let s = v.as_str().unwrap_or("");
    s.len() == 24 && s.ends_with('Z') && s.as_bytes()[19] == b'.' && s.as_bytes()[10] == b'T'
}

fn parse_ms(v: &Value) -> i64 {
    let s = v.as_str().unwrap();
    let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).unwrap();
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

async fn create_400(app: &TestApp, body: Value) -> String {
    let r = app.try_create(body.clone()).await;
    let message = r.assert_error(400);
    assert!(r.json()["details"].is_array(), "{body}");
    message
}

fn redis_app_required(app: &TestApp) -> &RedisServer {
    app.redis().expect("redis app")
}

/// Whether `needle` occurs in `haystack`.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}
