//! Load limits: a global cap on requests in flight, and a per-client quota of new secrets.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Weak};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use governor::clock::{Clock as _, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use tokio::sync::Semaphore;

use crate::error::ApiError;
use crate::net::ClientIpKeyExtractor;

/// A rate limiter with one bucket per key.
pub type KeyedLimiter<K> = RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock>;

/// Said with the 503 of a request over the cap.
pub const BUSY_MESSAGE: &str = "The server is busy; try again in a moment";
/// Said with the 429 of a create over the quota.
pub const CREATE_QUOTA_MESSAGE: &str =
    "Too many secrets created from this address; try again later";

/// Health probes bypass the cap: an orchestrator must see a busy server as alive.
fn is_probe(path: &str) -> bool {
    path == "/healthz" || path == "/readyz"
}

/// Middleware: at most the semaphore's permits of requests run at once; any more are answered
/// 503 at once, so a flood (for example of slow bodies) costs a refusal, not a buffer.
pub async fn cap_concurrency(
    State(permits): State<Arc<Semaphore>>,
    request: Request,
    next: Next,
) -> Response {
    if is_probe(request.uri().path()) {
        return next.run(request).await;
    }
    match permits.try_acquire_owned() {
        Ok(permit) => {
            let response = next.run(request).await;
            drop(permit);
            response
        }
        Err(_) => with_retry_after(
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, BUSY_MESSAGE).into_response(),
            1,
        ),
    }
}

fn with_retry_after(mut response: Response, seconds: u64) -> Response {
    if let Ok(v) = HeaderValue::from_str(&seconds.max(1).to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}

/// The per-client quota of creates: `per_hour` may be made at once, and one more every
/// `3600 / per_hour` seconds.
#[derive(Clone)]
pub struct CreateQuota {
    limiter: Arc<KeyedLimiter<IpAddr>>,
    clients: ClientIpKeyExtractor,
}

impl CreateQuota {
    /// `None` when `per_hour` is 0 (no quota).
    pub fn new(per_hour: u32, clients: ClientIpKeyExtractor) -> Option<Self> {
        let per_hour = NonZeroU32::new(per_hour)?;
        let limiter = Arc::new(RateLimiter::keyed(Quota::per_hour(per_hour)));
        forget_idle_buckets(Arc::downgrade(&limiter));
        Some(Self { limiter, clients })
    }
}

/// Middleware on the create routes: 429 with the error body (and Retry-After) once a client
/// has used its quota.
pub async fn create_quota(
    State(quota): State<CreateQuota>,
    request: Request,
    next: Next,
) -> Response {
    let Some(bucket) = quota.clients.bucket(&request) else {
        return next.run(request).await;
    };
    match quota.limiter.check_key(&bucket) {
        Ok(()) => next.run(request).await,
        Err(not_until) => {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            with_retry_after(
                ApiError::new(StatusCode::TOO_MANY_REQUESTS, CREATE_QUOTA_MESSAGE).into_response(),
                wait.as_secs() + 1,
            )
        }
    }
}

/// Forgets idle buckets once a minute so the map does not grow without bound; stops when the
/// limiter is dropped.
pub fn forget_idle_buckets<K>(limiter: Weak<KeyedLimiter<K>>)
where
    K: std::hash::Hash + Eq + Clone + Send + Sync + 'static,
{
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    runtime.spawn(async move {
        let mut ticker = tokio::time::interval(Duration::from_secs(60));
        loop {
            ticker.tick().await;
            let Some(limiter) = limiter.upgrade() else {
                break;
            };
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    });
}
