//! Cross-cutting HTTP behaviour: request ids, request logs, the error body on every error, security headers.

use std::time::Instant;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument as _;

use crate::error::{ApiError, ErrorBodyMarker, REQUEST_ID, new_request_id};

/// The Content-Security-Policy of every response: same-origin only, WASM allowed, no inline code.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Outermost middleware. Gives the request an id and a log span, logs method, path, status and
/// latency (never bodies, headers or query strings), turns every error without the API's body
/// (404 route, 405, 408, 413, 429, panics) into one, and adds the security headers.
pub async fn finalize(request: Request, next: Next) -> Response {
    let req_id = new_request_id();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let span = tracing::info_span!("request", req_id = %req_id, method = %method, path = %path);
    let started = Instant::now();

    let response = REQUEST_ID
        .scope(req_id.clone(), next.run(request))
        .instrument(span.clone())
        .await;

    let status = response.status();
    let mut response = if (status.is_client_error() || status.is_server_error())
        && response.extensions().get::<ErrorBodyMarker>().is_none()
    {
        let error = if status == StatusCode::NOT_FOUND {
            ApiError::new(status, format!("Route {method}:{path} not found"))
        } else {
            ApiError::for_status(status)
        };
        if status.is_server_error() {
            span.in_scope(|| {
                tracing::error!(status = status.as_u16(), "request failed outside a handler")
            });
        }
        let body = REQUEST_ID.sync_scope(req_id, || error.body());
        let (mut parts, _) = response.into_parts();
        parts.headers.remove(header::CONTENT_LENGTH);
        parts.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        let bytes = serde_json::to_vec(&body).unwrap_or_default();
        Response::from_parts(parts, Body::from(bytes))
    } else {
        response
    };

    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let is_api = path == "/api" || path.starts_with("/api/");
    if is_api || is_html || status.is_client_error() || status.is_server_error() {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }

    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    span.in_scope(|| {
        tracing::info!(
            status = response.status().as_u16(),
            latency_ms = format_args!("{latency_ms:.1}"),
            "request"
        )
    });
    response
}
