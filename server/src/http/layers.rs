//! Cross-cutting HTTP behaviour: request ids, request logs, the error body on every error, security headers.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument as _;

use crate::http::assets::WebAssets;
use crate::http::error::{ApiError, ErrorBodyMarker, REQUEST_ID, new_request_id};
use crate::metrics;
use crate::shares::validate;

/// The Content-Security-Policy of every response: same-origin only, WASM allowed, no inline code.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The Strict-Transport-Security of every response when the public URL is https: two years,
/// subdomains included.
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=63072000; includeSubDomains";

/// What [`finalize`] knows of the application.
#[derive(Clone)]
pub struct Finalize {
    /// The web page's files: their paths are logged as they are.
    pub assets: Arc<WebAssets>,
    /// Whether to send [`STRICT_TRANSPORT_SECURITY`] (the public URL is https).
    pub hsts: bool,
}

/// The request path as it may be logged: a route, with a secret's id but nothing after it.
///
/// A link key can arrive in the path: a mail scanner's `%23` for `#` makes the browser ask for
/// `/s/{id}%23{key}`, and a careless client may append a key to an API path. So the log gets
/// the fixed routes, the web page's own files (`is_asset`), and `/s/{id}` or
/// `/api/v1/shared-secrets/{id}[/access]` or `/api/v1/shared-secrets/requests/{id}[/set-value|
/// /reveal-value]` with a well-formed id; whatever else follows the id
/// becomes `…`, and any other path is `/…`. The query string is never part of it.
pub fn loggable_path(path: &str, is_asset: impl Fn(&str) -> bool) -> String {
    if metrics::FIXED_ROUTES.contains(&path) || is_asset(path) {
        return path.to_string();
    }
    for (prefix, routes) in [
        ("/s/", &[""][..]),
        (
            "/api/v1/shared-secrets/requests/",
            &["", "/set-value", "/reveal-value"][..],
        ),
        ("/api/v1/shared-secrets/", &["", "/access"][..]),
    ] {
        if let Some(rest) = path.strip_prefix(prefix) {
            return match rest.get(..22).filter(|id| validate::is_secret_id(id)) {
                Some(_) if routes.contains(&&rest[22..]) => path.to_string(),
                Some(id) => format!("{prefix}{id}…"),
                None => format!("{prefix}…"),
            };
        }
    }
    "/…".to_string()
}

/// Outermost middleware. Gives the request an id and a log span, logs method, route, status
/// and latency (never bodies, headers, query strings or anything after a secret's id; see
/// [`loggable_path`]), turns every error without the API's body (404 route, 405, 408, 413,
/// 429, panics) into one, and adds the security headers.
pub async fn finalize(State(app): State<Finalize>, request: Request, next: Next) -> Response {
    let req_id = new_request_id();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let logged_path = loggable_path(&path, |p| app.assets.get(p).is_some());
    let route = metrics::route_label(&path, |p| app.assets.get(p).is_some());
    let method_label = metrics::method_label(&method);
    let span =
        tracing::info_span!("request", req_id = %req_id, method = %method, path = %logged_path);
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
    // A branding image carries a stricter policy of its own (`default-src 'none'`), and keeps
    // it; every other response, pages included, gets the pages' policy, whatever it carried.
    let own_policy = headers
        .get(header::CONTENT_SECURITY_POLICY)
        .is_some_and(|v| v == crate::http::branding::IMAGE_CSP);
    if !own_policy {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
    }
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if app.hsts {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(STRICT_TRANSPORT_SECURITY),
        );
    }
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

    let took = started.elapsed();
    metrics::METRICS.request(route, method_label, response.status().as_u16(), took);
    let latency_ms = took.as_secs_f64() * 1000.0;
    span.in_scope(|| {
        tracing::info!(
            status = response.status().as_u16(),
            latency_ms = format_args!("{latency_ms:.1}"),
            "request"
        )
    });
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logged_paths_end_at_the_secret_id() {
        let id = "AAAAAAAAAAAAAAAAAAAAAA";
        let key = "kE7E1KDcDz_36bpcYxK-KcB6Wr-Hw5WvnabbM4TSSw0";
        let asset = |p: &str| p == "/js/app.js";
        for (path, logged) in [
            ("/", "/".to_string()),
            ("/healthz", "/healthz".to_string()),
            ("/js/app.js", "/js/app.js".to_string()),
            (
                "/api/v1/shared-secrets",
                "/api/v1/shared-secrets".to_string(),
            ),
            (&format!("/s/{id}"), format!("/s/{id}")),
            (&format!("/s/{id}%23{key}"), format!("/s/{id}…")),
            (&format!("/s/{id}/{key}"), format!("/s/{id}…")),
            (&format!("/s/{key}"), "/s/…".to_string()),
            (
                &format!("/api/v1/shared-secrets/{id}"),
                format!("/api/v1/shared-secrets/{id}"),
            ),
            (
                &format!("/api/v1/shared-secrets/{id}/access"),
                format!("/api/v1/shared-secrets/{id}/access"),
            ),
            (
                &format!("/api/v1/shared-secrets/{id}{key}"),
                format!("/api/v1/shared-secrets/{id}…"),
            ),
            (
                &format!("/api/v1/shared-secrets/requests/{id}/reveal-value"),
                format!("/api/v1/shared-secrets/requests/{id}/reveal-value"),
            ),
            (
                &format!("/api/v1/shared-secrets/requests/{id}%23{key}"),
                format!("/api/v1/shared-secrets/requests/{id}…"),
            ),
            (
                "/api/v1/shared-secrets/requests",
                "/api/v1/shared-secrets/requests".to_string(),
            ),
            (&format!("/{key}"), "/…".to_string()),
            ("/s/é", "/s/…".to_string()),
        ] {
            assert_eq!(loggable_path(path, asset), logged, "{path}");
        }
    }
}
