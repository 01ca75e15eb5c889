//! zkshare server: the HTTP API over a ciphertext-only secret store, and the static web page.
//!
//! `main.rs` parses [`Config`], calls [`init_tracing`] and [`serve`]. Tests build the router
//! with [`app`] over any [`SecretStore`], or run it on a listener with [`run`].

pub mod blocking;
pub mod config;
pub mod http;
pub mod metrics;
pub mod net;
pub mod policy;
pub mod shares;
pub mod store;

pub use crate::http::shares as api;
pub use crate::http::{assets, error, layers, limits};
pub use crate::shares::validate;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::get;
use tower_governor::GovernorLayer;
use tower_governor::governor::GovernorConfigBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

pub use crate::config::Config;
pub use crate::error::ApiError;
pub use crate::store::{EmbeddedStore, RedisStore, SecretStore};

/// Largest accepted request body: 128 KiB (an envelope is at most 53,690 characters).
pub const BODY_LIMIT_BYTES: usize = 128 * 1024;

/// How many times one client's API rate an IPv6 /48 may use in all (the rate limit's second tier).
pub const SITE_RATE_FACTOR: u32 = 8;

/// What every handler gets.
#[derive(Clone)]
pub struct AppState {
    /// The server's configuration.
    pub config: Arc<Config>,
    /// Where secrets live.
    pub store: Arc<dyn SecretStore>,
}

/// `N` bytes from the operating system's CSPRNG (ids, delete tokens, salts, request ids).
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the operating system's random number generator failed");
    bytes
}

/// Now, as Unix milliseconds.
pub fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// RFC 3339 UTC with milliseconds, e.g. `2026-11-22T20:00:00.000Z` (proleptic Gregorian
/// calendar; times outside the years 0000–9999 print as the epoch).
pub fn format_timestamp(ms: i64) -> String {
    const EPOCH: &str = "1970-01-01T00:00:00.000Z";
    let days = ms.div_euclid(86_400_000);
    let in_day = ms.rem_euclid(86_400_000);
    // Days since 1970-01-01 to a civil date (H. Hinnant, "chrono-Compatible Low-Level Date
    // Algorithms", days_from_civil's inverse), in eras of 400 years starting on 0000-03-01.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    if !(0..=9999).contains(&year) {
        return EPOCH.to_string();
    }
    let fields: [(i64, usize); 7] = [
        (year, 4),
        (month, 2),
        (day, 2),
        (in_day / 3_600_000, 2),
        (in_day / 60_000 % 60, 2),
        (in_day / 1_000 % 60, 2),
        (in_day % 1_000, 3),
    ];
    let mut out = String::with_capacity(EPOCH.len());
    for ((value, width), separator) in fields.into_iter().zip(["-", "-", "T", ":", ":", ".", "Z"]) {
        let mut digits = [b'0'; 4];
        let mut v = value;
        for slot in digits[..width].iter_mut().rev() {
            *slot = b'0' + (v % 10) as u8;
            v /= 10;
        }
        digits[..width]
            .iter()
            .for_each(|&d| out.push(char::from(d)));
        out.push_str(separator);
    }
    out
}

/// The whole HTTP application: API (rate-limited), health probes, web page, and the layers
/// (body limit, timeout, panic guard, error bodies, security headers, request logs).
pub fn app(state: AppState) -> Router {
    let config = Arc::clone(&state.config);
    let assets = Arc::new(match assets::WebAssets::load(config.web_dir.as_deref()) {
        Ok(a) => a,
        Err(e) => {
            tracing::error!(error = %e, "web assets could not be loaded; serving none");
            assets::WebAssets::from_files(Default::default())
        }
    });
    let finalize = layers::Finalize {
        assets: Arc::clone(&assets),
        hsts: config
            .public_base()
            .get(..8)
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://")),
    };

    let create_quota = limits::CreateQuota::new(
        config.creates_per_hour,
        net::ClientIpKeyExtractor::new(config.trusted_proxies.clone()),
    );
    let mut api = api::router(create_quota);
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
            limits::forget_idle_buckets(Arc::downgrade(governor.limiter()));
            api = api.layer(GovernorLayer::<_, _, axum::body::Body>::new(governor));
        }
    }

    let app = Router::new()
        .nest("/api", api)
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(state)
        .merge(assets::router(assets))
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(config.request_timeout_secs.max(1)),
        ))
        .layer(CatchPanicLayer::new());
    let app = match config.max_concurrent_requests {
        0 => app,
        total => app.layer(axum::middleware::from_fn_with_state(
            Arc::new(limits::InFlight::new(
                total,
                config.max_concurrent_requests_per_client,
                net::ClientIpKeyExtractor::new(config.trusted_proxies.clone()),
            )),
            limits::cap_concurrency,
        )),
    };
    app.layer(axum::middleware::from_fn_with_state(
        finalize,
        layers::finalize,
    ))
}

/// The metrics listener's application: `GET /metrics` in the Prometheus text format.
pub fn metrics_app() -> Router {
    Router::new().route(
        "/metrics",
        get(|| async {
            let (waiting, running) = api::argon2_queue();
            (
                [(
                    axum::http::header::CONTENT_TYPE,
                    "text/plain; version=0.0.4; charset=utf-8",
                )],
                metrics::METRICS.render(waiting, running),
            )
        }),
    )
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> Result<&'static str, ApiError> {
    match tokio::time::timeout(Duration::from_secs(2), state.store.ping()).await {
        Ok(Ok(())) => Ok("ready"),
        Ok(Err(e)) => Err(ApiError::unavailable(format!("readiness: {e}"))),
        Err(_) => Err(ApiError::unavailable("readiness: store ping timed out")),
    }
}

/// Opens the configured store: a Redis Cluster when `redis_cluster` lists nodes, Redis when
/// `redis_url` is set, else the embedded one.
pub async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn SecretStore>> {
    let timeout = Duration::from_millis(config.redis_timeout_ms.max(1));
    if !config.redis_cluster.is_empty() {
        return Ok(Arc::new(
            RedisStore::connect_cluster(&config.redis_cluster, timeout).await?,
        ));
    }
    Ok(match &config.redis_url {
        Some(url) => Arc::new(RedisStore::connect(url, timeout).await?),
        None => EmbeddedStore::open_with_sweeper(config.data_dir.clone()).await?,
    })
}

/// Installs the log subscriber (stderr) with `filter` in EnvFilter syntax, as text for people
/// or as one JSON object per line for log shippers. Both print the same fields: what the
/// request log and the store put in them (see [`layers::loggable_path`]), nothing else.
pub fn init_tracing(filter: &str, format: config::LogFormat) -> anyhow::Result<()> {
    // axum logs the text of body rejections at TRACE; serde's messages can quote request
    // fields, so that target stays off whatever the filter says.
    let filter = tracing_subscriber::EnvFilter::try_new(format!("{filter},axum::rejection=off"))
        .with_context(|| format!("invalid log filter {filter:?}"))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        config::LogFormat::Text => builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .try_init(),
        config::LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    }
    .map_err(|e| anyhow::anyhow!("cannot install the logger: {e}"))
}

/// Opens the store, binds, prints the start line and serves until Ctrl-C or SIGTERM.
pub async fn serve(mut config: Config) -> anyhow::Result<()> {
    let store = open_store(&config).await?;
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    if config.public_url.is_none() {
        config.public_url = Some(format!("http://{addr}"));
    }
    println!(
        "zkshare listening on http://{addr} (store: {})",
        store.describe()
    );
    if let Some(metrics_listen) = &config.metrics_listen {
        let metrics_listener = tokio::net::TcpListener::bind(metrics_listen)
            .await
            .with_context(|| format!("cannot listen for metrics on {metrics_listen}"))?;
        println!(
            "zkshare metrics on http://{}/metrics",
            metrics_listener.local_addr()?
        );
        tokio::spawn(async move {
            if let Err(e) = axum::serve(metrics_listener, metrics_app()).await {
                tracing::error!(error = %e, "the metrics listener failed");
            }
        });
    }
    let state = AppState {
        config: Arc::new(config),
        store,
    };
    run(listener, state, shutdown_signal()).await
}

/// Serves [`app`] on `listener` (with peer addresses for the rate limit) until `shutdown`;
/// then stops accepting, lets requests in flight finish for up to
/// `config.shutdown_timeout_secs`, and returns `Ok` either way.
pub async fn run(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let grace = Duration::from_secs(state.config.shutdown_timeout_secs);
    let (stopping_tx, mut stopping) = tokio::sync::watch::channel(false);
    let server = axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown.await;
        let _ = stopping_tx.send(true);
    });
    // A client that never finishes its request must not hold the process: after the grace
    // period the remaining connections are dropped with the runtime.
    let deadline = async move {
        if stopping.wait_for(|stop| *stop).await.is_err() {
            std::future::pending::<()>().await;
        }
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        served = std::future::IntoFuture::into_future(server) => {
            served.context("server failed")?;
            tracing::info!("all requests answered; exiting");
        }
        () = deadline => tracing::warn!(
            "requests still in flight {} s after the shutdown signal; exiting without them",
            grace.as_secs()
        ),
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: no new connections; finishing requests in flight");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_milliseconds() {
        assert_eq!(format_timestamp(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            format_timestamp(1_795_377_600_123),
            "2026-11-22T20:00:00.123Z"
        );
        assert_eq!(
            format_timestamp(951_782_400_000),
            "2000-02-29T00:00:00.000Z"
        );
        assert_eq!(format_timestamp(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(
            format_timestamp(253_402_300_799_999),
            "9999-12-31T23:59:59.999Z"
        );
        assert_eq!(
            format_timestamp(253_402_300_800_000),
            "1970-01-01T00:00:00.000Z"
        );
        assert_eq!(format_timestamp(i64::MIN), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_timestamp(i64::MAX), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn timestamps_agree_with_the_time_crate() {
        use rand::RngExt as _;
        let fmt = time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
        );
        let reference = |ms: i64| {
            time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
                .unwrap()
                .format(&fmt)
                .unwrap()
        };
        let mut rng = rand::rng();
        // Every day boundary from 1900 to 2200, and random instants from year 0 to 9999.
        let day = 86_400_000i64;
        for d in (-25_567..84_000).step_by(7) {
            for ms in [d * day, d * day - 1, d * day + 43_200_123] {
                assert_eq!(format_timestamp(ms), reference(ms), "{ms}");
            }
        }
        for _ in 0..100_000 {
            let ms = rng.random_range(-62_167_219_200_000..253_402_300_800_000i64);
            assert_eq!(format_timestamp(ms), reference(ms), "{ms}");
        }
    }
}
