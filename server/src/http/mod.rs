//! The HTTP layer: router assembly, extractors, error bodies, middleware, and one file per route group.
//!
//! Route groups: [`shares`] (the shared-secrets API), [`requests`] (secret requests), [`auth`] (accounts, sessions, Universal
//! Auth, invitations), [`orgs`] (organizations, members, machine identities), [`branding`]
//! (organizations' colours, names, logos and favicons), [`assets`] (the
//! web pages), [`health`] (probes and metrics). Middleware: [`layers`] (error bodies, security headers, request logs)
//! and [`limits`] (rate limits, quotas, concurrency caps).

pub mod assets;
pub mod auth;
pub mod branding;
pub mod error;
pub mod extract;
pub mod health;
pub mod layers;
pub mod limits;
pub mod orgs;
pub mod requests;
pub mod shares;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use tower::ServiceBuilder;
use tower_governor::GovernorLayer;
use tower_governor::governor::GovernorConfigBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

use crate::accounts::Accounts;
use crate::config::Config;
use crate::mail::Mailer;
use crate::net;
use crate::store::{Backend, KvStore, ShareStore};

/// Largest accepted request body: 128 KiB (an envelope is at most 53,690 characters).
pub const BODY_LIMIT_BYTES: usize = 128 * 1024;

/// How many times one client's API rate an IPv6 /48 may use in all (the rate limit's second tier).
pub const SITE_RATE_FACTOR: u32 = 8;

/// What every handler gets: one `Arc`, as axum clones the state for every handler call and
/// extractor (one atomic count per clone, not one per field).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

/// The parts of [`AppState`].
pub struct Shared {
    /// The server's configuration.
    pub config: Arc<Config>,
    /// Where secrets live.
    pub store: Arc<dyn ShareStore>,
    /// The same backend's small records (secret requests; accounts keep their own handle).
    pub kv: Arc<dyn KvStore>,
    /// Users, sessions, organizations and machine identities (in the same backend).
    pub accounts: Arc<Accounts>,
    /// The web page's files, templated and hashed once.
    pub assets: Arc<assets::WebAssets>,
}

impl AppState {
    /// The state over `backend`, sending account mail through `mailer`, with the web page's
    /// files from `config.web_dir` or the copy embedded at build time (the one step that reads
    /// files; [`app`] reads none).
    pub fn new(
        config: Arc<Config>,
        backend: Arc<dyn Backend>,
        mailer: Option<Arc<Mailer>>,
    ) -> anyhow::Result<Self> {
        let assets = Arc::new(assets::WebAssets::load(config.web_dir.as_deref())?);
        Ok(Self::with_assets(config, backend, mailer, assets))
    }

    /// [`AppState::new`] with the web page's files already loaded.
    pub fn with_assets(
        config: Arc<Config>,
        backend: Arc<dyn Backend>,
        mailer: Option<Arc<Mailer>>,
        assets: Arc<assets::WebAssets>,
    ) -> Self {
        let accounts = Arc::new(Accounts::new(
            backend.clone(),
            mailer,
            config.account_settings(),
        ));
        Self(Arc::new(Shared {
            config,
            kv: backend.clone(),
            store: backend,
            accounts,
            assets,
        }))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The whole HTTP application: API and branding files (rate-limited), health probes, web page,
/// and the layers (body limit, timeout, panic guard, error bodies, security headers, request
/// logs). Reads no file and starts nothing: serving for long also needs the [`limits::Upkeep`]
/// that [`router`] returns.
pub fn app(state: AppState) -> Router {
    router(state).0
}

/// [`app`], and the upkeep its rate limiters need while it serves.
pub fn router(state: AppState) -> (Router, limits::Upkeep) {
    let config = Arc::clone(&state.config);
    let mut upkeep = limits::Upkeep::default();
    let assets = Arc::clone(&state.assets);
    let finalize = layers::Finalize {
        assets: Arc::clone(&assets),
        hsts: config.is_https(),
    };

    let create_quota = limits::CreateQuota::new(
        config.creates_per_hour,
        net::ClientIpKeyExtractor::new(config.trusted_proxies.clone()),
    );
    if let Some(quota) = &create_quota {
        upkeep.add(quota.limiter());
    }
    let mut api = shares::router(create_quota.clone())
        .merge(requests::router(create_quota))
        .merge(auth::router())
        .merge(orgs::router())
        .merge(branding::router());
    // The image uploads: the same rate limits, their own body limit (merged below).
    let mut uploads = branding::upload_router();
    // The organizations' logos, favicons and stylesheets read the store: the same rate limits.
    let mut branding_files = branding::public_router();
    if config.rate_limit_per_second > 0 && config.rate_limit_burst > 0 {
        let period_ns = (1_000_000_000 / u64::from(config.rate_limit_per_second)).max(1);
        // Two tiers: each client (an IPv6 /64) has the configured rate, and each IPv6 /48 has
        // SITE_RATE_FACTOR times it, so a client cannot multiply its share by rotating
        // through the /64s of its site. For IPv4 both tiers key on the address, and the first
        // is the one that binds.
        for (ipv6_prefix, factor) in [
            (net::CLIENT_IPV6_PREFIX, 1),
            (net::SITE_IPV6_PREFIX, SITE_RATE_FACTOR),
        ] {
            let governor = GovernorConfigBuilder::default()
                .per_nanosecond((period_ns / u64::from(factor)).max(1))
                .burst_size(config.rate_limit_burst.saturating_mul(factor))
                .key_extractor(net::ClientIpKeyExtractor::with_ipv6_prefix(
                    config.trusted_proxies.clone(),
                    ipv6_prefix,
                ))
                .finish()
                .expect("rate and burst are non-zero");
            upkeep.add(Arc::downgrade(governor.limiter()));
            let layer = GovernorLayer::<_, _, axum::body::Body>::new(governor);
            uploads = uploads.layer(layer.clone());
            branding_files = branding_files.layer(layer.clone());
            api = api.layer(layer);
        }
    }

    // The layers every request passes are put around the whole router as one service, not
    // layered route by route (`Router::layer` boxes every route once per layer, and each request
    // clones its route's boxes). Only the uploads take bodies over BODY_LIMIT_BYTES: they are
    // matched first, with axum's limit (which their multipart reader obeys, so that a body too
    // large gets the upload's own 413 message) at the image limit and its framing; everything
    // else is behind the general limit.
    let uploads = uploads
        .with_state(state.clone())
        .layer(DefaultBodyLimit::max(branding::UPLOAD_BODY_LIMIT));
    let rest = Router::new()
        .merge(api)
        .merge(branding_files)
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .with_state(state)
        .merge(assets::router(assets));
    let limited = ServiceBuilder::new()
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT_BYTES))
        .map_request(|request: axum::http::Request<_>| request.map(axum::body::Body::new))
        .map_response(IntoResponse::into_response)
        .service(rest);
    let routes = uploads.fallback_service(limited);
    let in_flight = (config.max_concurrent_requests > 0).then(|| {
        axum::middleware::from_fn_with_state(
            Arc::new(limits::InFlight::new(
                config.max_concurrent_requests,
                config.max_concurrent_requests_per_client,
                net::ClientIpKeyExtractor::new(config.trusted_proxies.clone()),
            )),
            limits::cap_concurrency,
        )
    });
    let around = ServiceBuilder::new()
        .layer(axum::middleware::from_fn_with_state(
            finalize,
            layers::finalize,
        ))
        .option_layer(in_flight)
        .map_response(IntoResponse::into_response)
        .layer(CatchPanicLayer::new())
        .map_response(IntoResponse::into_response)
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(config.request_timeout_secs.max(1)),
        ))
        .service(routes);
    let app = Router::new().fallback_service(around);
    (app, upkeep)
}
