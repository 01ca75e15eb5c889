//! The API's one error type and its body `{reqId, statusCode, message, error, details?}`.

use std::borrow::Cow;

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde_json::{Value, json};

use crate::store::StoreError;

tokio::task_local! {
    /// The id of the request being served, set by the outermost middleware.
    pub static REQUEST_ID: String;
}

/// A new random request id, `req-` + 16 base64url characters. Drawn from a thread-local
/// CSPRNG seeded by the operating system (no system call per request); ids and tokens of
/// secrets come straight from the operating system ([`crate::random::random_bytes`]).
pub fn new_request_id() -> String {
    use rand::Rng as _;
    let mut bytes = [0u8; 12];
    rand::rng().fill_bytes(&mut bytes);
    let mut id = String::with_capacity(20);
    id.push_str("req-");
    URL_SAFE_NO_PAD.encode_string(bytes, &mut id);
    id
}

/// The current request's id (or a fresh one outside a request).
pub fn current_request_id() -> String {
    REQUEST_ID
        .try_with(Clone::clone)
        .unwrap_or_else(|_| new_request_id())
}

/// Marks a response whose body is final: the API error body, or the page for unknown paths.
#[derive(Clone, Copy, Debug)]
pub struct ErrorBodyMarker;

/// The error body of every failed request.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// Correlates the response with the server log.
    pub req_id: String,
    /// The HTTP status code.
    pub status_code: u16,
    /// What went wrong, for people.
    pub message: String,
    /// The status name, e.g. "Bad Request".
    pub error: String,
    /// Per-field issues (400) or context (403).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<Value>,
    /// Wrong passwords still allowed before the secret is destroyed (a refused access only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts_left: Option<u32>,
}

/// An error answered to the client. 5xx keep their cause for the log only.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: Cow<'static, str>,
    details: Option<Value>,
    attempts_left: Option<u32>,
    retry_after_secs: Option<u64>,
    cause: Option<String>,
}

impl ApiError {
    /// An error with this status and message.
    pub fn new(status: StatusCode, message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            status,
            message: message.into(),
            details: None,
            attempts_left: None,
            retry_after_secs: None,
            cause: None,
        }
    }

    /// 400.
    pub fn bad_request(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// 401.
    pub fn unauthorized(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }

    /// 403.
    pub fn forbidden(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    /// 404.
    pub fn not_found(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    /// 500 with a generic message; `cause` goes to the log only.
    pub fn internal(cause: impl Into<String>) -> Self {
        Self {
            cause: Some(cause.into()),
            ..Self::new(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong")
        }
    }

    /// 503 with a generic message; `cause` goes to the log only.
    pub fn unavailable(cause: impl Into<String>) -> Self {
        Self {
            cause: Some(cause.into()),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "Service temporarily unavailable",
            )
        }
    }

    /// The generic error of a status produced outside the handlers (404 route, 405, 408, 413,
    /// 429, ...).
    pub fn for_status(status: StatusCode) -> Self {
        let message: &'static str = match status {
            StatusCode::NOT_FOUND => "Route not found",
            StatusCode::METHOD_NOT_ALLOWED => "Method not allowed",
            StatusCode::REQUEST_TIMEOUT => "Request timed out",
            StatusCode::PAYLOAD_TOO_LARGE => "Request body is too large (the limit is 128 KiB)",
            StatusCode::TOO_MANY_REQUESTS => "Too many requests: slow down and retry later",
            StatusCode::SERVICE_UNAVAILABLE => "Service temporarily unavailable",
            s if s.is_server_error() => "Something went wrong",
            s => s.canonical_reason().unwrap_or("Request failed"),
        };
        Self::new(status, message)
    }

    /// Attaches `details`.
    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    /// Adds a `Retry-After` header (seconds).
    pub fn with_retry_after(mut self, secs: u64) -> Self {
        self.retry_after_secs = Some(secs);
        self
    }

    /// Adds the attempts still allowed (a refused access of a password-protected secret).
    pub fn with_attempts_left(mut self, left: u32) -> Self {
        self.attempts_left = Some(left);
        self
    }

    /// The HTTP status.
    pub fn status_code(&self) -> StatusCode {
        self.status
    }

    /// The client-facing message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The body for this error in the current request.
    pub fn body(&self) -> ErrorBody {
        let details = match (&self.details, self.status) {
            (Some(d), _) => Some(d.clone()),
            (None, StatusCode::BAD_REQUEST | StatusCode::FORBIDDEN) => Some(json!([])),
            (None, _) => None,
        };
        ErrorBody {
            req_id: current_request_id(),
            status_code: self.status.as_u16(),
            message: self.message.to_string(),
            error: self
                .status
                .canonical_reason()
                .unwrap_or("Error")
                .to_string(),
            details,
            attempts_left: self.attempts_left,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Some(cause) = &self.cause {
            tracing::error!(status = self.status.as_u16(), cause = %cause, "request failed");
        }
        let mut response = (self.status, Json(self.body())).into_response();
        if let Some(secs) = self.retry_after_secs {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        response.extensions_mut().insert(ErrorBodyMarker);
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        crate::metrics::METRICS.store_error(match e {
            StoreError::Unavailable(_) => "unavailable",
            StoreError::Conflict => "conflict",
            StoreError::Internal(_) => "internal",
        });
        match e {
            StoreError::Unavailable(_) => ApiError::unavailable(e.to_string()),
            StoreError::Conflict | StoreError::Internal(_) => ApiError::internal(e.to_string()),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        // 413 stays 413; every other body problem (missing content type, bad JSON, wrong
        // types, unknown fields) is the client's mistake: 400.
        let status = if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            StatusCode::PAYLOAD_TOO_LARGE
        } else {
            StatusCode::BAD_REQUEST
        };
        let text = rejection.body_text();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            return ApiError::for_status(status);
        }
        ApiError::new(status, text.clone()).with_details(json!([{ "message": text }]))
    }
}

impl From<PathRejection> for ApiError {
    fn from(_: PathRejection) -> Self {
        ApiError::bad_request("Invalid shared secret ID")
    }
}
