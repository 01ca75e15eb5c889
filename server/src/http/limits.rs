//! Load limits: caps on requests in flight (in all and per client), a per-client quota of new secrets.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use governor::clock::{Clock as _, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use tokio::sync::Semaphore;

use crate::http::error::ApiError;
use crate::net::ClientIpKeyExtractor;

/// A rate limiter with one bucket per key.
pub type KeyedLimiter<K> = RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock>;

/// Said with the 503 of a request over the cap.
pub const BUSY_MESSAGE: &str = "The server is busy; try again in a moment";
/// Said with the 429 of a request over its client's share of the cap.
pub const CLIENT_BUSY_MESSAGE: &str =
    "Too many requests in flight from this address; try again in a moment";
/// Said with the 429 of a create over the quota.
pub const CREATE_QUOTA_MESSAGE: &str =
    "Too many secrets created from this address; try again later";

/// Health probes bypass the cap: an orchestrator must see a busy server as alive.
fn is_probe(path: &str) -> bool {
    path == "/healthz" || path == "/readyz"
}

/// Requests in flight: a global cap, and a share of it per client.
pub struct InFlight {
    permits: Arc<Semaphore>,
    per_client: usize,
    clients: ClientIpKeyExtractor,
    counts: Mutex<HashMap<IpAddr, usize>>,
}

impl InFlight {
    /// At most `total` requests at once, and at most `per_client` of them from one client (an
    /// IP, or an IPv6 /64); a `per_client` of 0 means only the global cap applies.
    pub fn new(total: usize, per_client: usize, clients: ClientIpKeyExtractor) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(total.min(Semaphore::MAX_PERMITS))),
            per_client,
            clients,
            counts: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one more request of `client`, if it has room.
    fn enter(self: &Arc<Self>, client: IpAddr) -> Option<ClientSlot> {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        let count = counts.entry(client).or_insert(0);
        if *count >= self.per_client {
            return None;
        }
        *count += 1;
        Some(ClientSlot {
            in_flight: Arc::clone(self),
            client,
        })
    }
}

/// One request of a client in flight; dropped (answered, failed or cancelled), it leaves.
struct ClientSlot {
    in_flight: Arc<InFlight>,
    client: IpAddr,
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let mut counts = self
            .in_flight
            .counts
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = counts.get_mut(&self.client) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.client);
            }
        }
    }
}

/// Middleware: at most the cap of requests run at once, any more are answered 503 at once, so
/// a flood (for example of slow bodies) costs a refusal, not a buffer; and one client may hold
/// only its share of the cap (429 beyond it), so that it cannot keep everyone else out.
pub async fn cap_concurrency(
    State(in_flight): State<Arc<InFlight>>,
    request: Request,
    next: Next,
) -> Response {
    if is_probe(request.uri().path()) {
        return next.run(request).await;
    }
    let Ok(permit) = Arc::clone(&in_flight.permits).try_acquire_owned() else {
        return with_retry_after(
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, BUSY_MESSAGE).into_response(),
            1,
        );
    };
    let slot = match in_flight.clients.bucket(&request) {
        Some(client) if in_flight.per_client > 0 => match in_flight.enter(client) {
            Some(slot) => Some(slot),
            None => {
                return with_retry_after(
                    ApiError::new(StatusCode::TOO_MANY_REQUESTS, CLIENT_BUSY_MESSAGE)
                        .into_response(),
                    1,
                );
            }
        },
        _ => None,
    };
    let response = next.run(request).await;
    drop((slot, permit));
    response
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
        Some(Self { limiter, clients })
    }

    /// The limiter, for the [`Upkeep`] that forgets its idle buckets.
    pub fn limiter(&self) -> Weak<KeyedLimiter<IpAddr>> {
        Arc::downgrade(&self.limiter)
    }
}

/// What the router's rate limiters need while it serves: their idle clients' buckets forgotten
/// now and then. Building the router only collects it; whoever serves starts it.
#[derive(Default)]
pub struct Upkeep {
    limiters: Vec<Weak<KeyedLimiter<IpAddr>>>,
}

impl Upkeep {
    /// Adds a limiter to look after.
    pub fn add(&mut self, limiter: Weak<KeyedLimiter<IpAddr>>) {
        self.limiters.push(limiter);
    }

    /// Starts one background task per limiter (on the current Tokio runtime, if any); each
    /// ends when its limiter is dropped.
    pub fn start(self) {
        for limiter in self.limiters {
            forget_idle_buckets(limiter);
        }
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
