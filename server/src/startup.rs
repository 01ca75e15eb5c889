//! Starting and stopping: open the store, bind, start the background tasks, serve, shut down gracefully.

use std::future::Future;
use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;

use crate::config::{self, Config};
use crate::http::assets::WebAssets;
use crate::http::{AppState, health::metrics_app, router};
use crate::store::{Backend, EmbeddedStore, RedisStore};

/// Prints the SHA-256 of every web asset as it would be served (the JSON of `GET /assets.json`).
pub fn print_asset_hashes(config: &Config) -> anyhow::Result<()> {
    let assets = WebAssets::load(config.web_dir.as_deref())?;
    let mut out = std::io::stdout().lock();
    out.write_all(assets.manifest())?;
    out.write_all(b"\n")?;
    Ok(())
}

/// Opens the configured store: a Redis Cluster when `redis_cluster` lists nodes, Redis when
/// `redis_url` is set, else the embedded one.
pub async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn Backend>> {
    let timeout = Duration::from_millis(config.redis_timeout_ms.max(1));
    if !config.redis_cluster.is_empty() {
        let nodes: Vec<String> = config
            .redis_cluster
            .iter()
            .map(|node| node.expose().clone())
            .collect();
        return Ok(Arc::new(
            RedisStore::connect_cluster(&nodes, timeout).await?,
        ));
    }
    Ok(match &config.redis_url {
        Some(url) => Arc::new(RedisStore::connect(url.expose(), timeout).await?),
        None => EmbeddedStore::open_with_sweeper(config.data_dir.clone()).await?,
    })
}

/// Installs the log subscriber (stderr) with `filter` in EnvFilter syntax, as text for people
/// or as one JSON object per line for log shippers. Both print the same fields: what the
/// request log and the store put in them (see [`crate::http::layers::loggable_path`]), nothing else.
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
    // Mail settings are checked before anything is opened: a bad relay URL stops the start.
    let mailer = crate::mail::Mailer::from_config(&config)?;
    if mailer.as_ref().is_some_and(|m| m.is_console()) {
        eprintln!("{}", crate::mail::CONSOLE_WARNING);
        tracing::warn!("{}", crate::mail::CONSOLE_WARNING);
    }
    let store = open_store(&config).await?;
    let assets = Arc::new(WebAssets::load(config.web_dir.as_deref())?);
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    // Before the start line: a supervisor may send SIGTERM as soon as it reads it, and a signal
    // that arrives before its handler exists kills the process without a graceful shutdown.
    let shutdown = shutdown_signal().context("cannot handle shutdown signals")?;
    if config.public_url.is_none() {
        config.public_url = Some(format!("http://{addr}"));
    }
    println!(
        "zkshare listening on http://{addr} (store: {})",
        store.describe()
    );
    match &mailer {
        Some(mailer) => println!("zkshare mail: {}", mailer.describe()),
        None => println!("zkshare mail: off (no --smtp-url)"),
    }
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
    let state = AppState::with_assets(Arc::new(config), store, mailer.map(Arc::new), assets);
    run(listener, state, shutdown).await
}

/// Serves [`crate::http::app`] on `listener` (with peer addresses for the rate limit), with
/// its rate limiters' upkeep, until `shutdown`; then stops accepting, lets requests in flight
/// finish for up to `config.shutdown_timeout_secs`, and returns `Ok` either way.
pub async fn run(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let grace = Duration::from_secs(state.config.shutdown_timeout_secs);
    let (app, upkeep) = router(state);
    upkeep.start();
    let (stopping_tx, mut stopping) = tokio::sync::watch::channel(false);
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
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

/// Registers the handlers of SIGINT and SIGTERM now, and returns the future that ends at the
/// first of them. (`tokio::signal` registers a handler only when it is created; creating it
/// lazily, inside the server's first poll, would leave a window after start-up in which a
/// signal still has its default action and ends the process at once.)
fn shutdown_signal() -> std::io::Result<impl Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    let stopped = {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        async move {
            tokio::select! {
                _ = interrupt.recv() => {},
                _ = terminate.recv() => {},
            }
        }
    };
    #[cfg(not(unix))]
    let stopped = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    Ok(async move {
        stopped.await;
        tracing::info!("shutting down: no new connections; finishing requests in flight");
    })
}
