//! Health probes and the metrics listener: `/healthz`, `/readyz`, and `GET /metrics` on its own address.

use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::routing::get;

use super::AppState;
use super::error::ApiError;
use crate::metrics;
use crate::shares::password::argon2_queue;

/// The metrics listener's application: `GET /metrics` in the Prometheus text format.
pub fn metrics_app() -> Router {
    Router::new().route(
        "/metrics",
        get(|| async {
            let (waiting, running) = argon2_queue();
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

pub async fn healthz() -> &'static str {
    "ok"
}

pub async fn readyz(State(state): State<AppState>) -> Result<&'static str, ApiError> {
    match tokio::time::timeout(Duration::from_secs(2), state.store.ping()).await {
        Ok(Ok(())) => Ok("ready"),
        Ok(Err(e)) => Err(ApiError::unavailable(format!("readiness: {e}"))),
        Err(_) => Err(ApiError::unavailable("readiness: store ping timed out")),
    }
}
