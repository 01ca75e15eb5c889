//! The HTTP client for `/api/v1/shared-secrets` (docs/openapi.json). It only ever sends
//! envelopes and verifiers; plaintext, link keys and passwords never reach this module.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::blocking::{Client, RequestBuilder};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{Exit, Failure};

/// Body of `POST /api/v1/shared-secrets`.
#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct CreateRequest<'a> {
    /// The envelope (PROTOCOL.md §8).
    pub secret_value: &'a str,
    /// The access verifier (PROTOCOL.md §6).
    pub password: &'a str,
    /// Lifetime, e.g. `1h`.
    pub expires_in: &'a str,
    /// Views allowed; `None` is unlimited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_views: Option<u32>,
    /// Optional label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
}

/// The answer to create (the fields the CLI uses).
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct CreatedShare {
    /// The secret's id.
    pub id: String,
    /// RFC 3339.
    pub expires_at: String,
    /// Views allowed; `None` is unlimited.
    pub expires_after_views: Option<u64>,
    /// `<public-url>/s/<id>`, without the key.
    pub shared_secret_link: String,
    /// Deletes the secret before it is read (`X-Delete-Token`).
    pub delete_token: String,
}

/// The answer to `GET /{id}` (the fields the CLI uses).
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct ShareMetadata {
    /// The secret's id.
    pub id: String,
    /// Optional label.
    pub name: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub expires_at: String,
    /// Views left; `None` is unlimited.
    pub expires_after_views: Option<u64>,
    /// RFC 3339, or `None` before the first view.
    pub last_viewed_at: Option<String>,
    /// `b64(header)` of the envelope (PROTOCOL.md §4).
    pub envelope_header: String,
}

/// The answer to `POST /{id}/access` (the fields the CLI uses).
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct AccessedShare {
    /// The envelope.
    pub secret_value: String,
    /// Views left *before* this one; `None` is unlimited.
    pub expires_after_views: Option<u64>,
    /// RFC 3339.
    pub expires_at: String,
}

/// Body of `POST /{id}/access`.
#[derive(Serialize)]
struct AccessRequest<'a> {
    password: &'a str,
}

/// A failed API call.
#[derive(Debug)]
pub enum ApiFailure {
    /// No answer: connection refused, DNS, TLS, timeout.
    Unreachable {
        /// The URL called.
        url: String,
        /// The innermost cause.
        cause: String,
    },
    /// An error status, with the server's `message` when its body had one.
    Status {
        /// The HTTP status.
        status: StatusCode,
        /// The server's `message`, or the status's reason.
        message: String,
    },
    /// A success status with a body that is not what the API documents.
    BadAnswer(String),
}

impl ApiFailure {
    /// The HTTP status, for an answered call.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            ApiFailure::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The server's message (or a description of the failure).
    pub fn message(&self) -> String {
        match self {
            ApiFailure::Unreachable { url, cause } => {
                format!("cannot reach the server at {url}: {cause}")
            }
            ApiFailure::Status { message, .. } => message.clone(),
            ApiFailure::BadAnswer(what) => what.clone(),
        }
    }
}

/// The exit code of a failed call, and its message with `context` when it was answered.
impl From<ApiFailure> for Failure {
    fn from(failure: ApiFailure) -> Self {
        let exit = match failure.status() {
            None if matches!(failure, ApiFailure::Unreachable { .. }) => Exit::Unavailable,
            None => Exit::Other,
            Some(StatusCode::NOT_FOUND) => Exit::Gone,
            Some(StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) => Exit::Denied,
            Some(StatusCode::BAD_REQUEST | StatusCode::PAYLOAD_TOO_LARGE) => Exit::Usage,
            Some(s) if s.is_server_error() => Exit::Unavailable,
            Some(_) => Exit::Other,
        };
        let message = match failure.status() {
            Some(status) if status.is_server_error() => {
                format!(
                    "the server failed (HTTP {}): {}",
                    status.as_u16(),
                    failure.message()
                )
            }
            Some(StatusCode::TOO_MANY_REQUESTS) => format!(
                "the server is limiting requests (HTTP 429): {}",
                failure.message()
            ),
            _ => failure.message(),
        };
        Failure::new(exit, message)
    }
}

/// A client for one server's `/api/v1/shared-secrets`.
pub struct Api {
    http: Client,
    /// `{base}/api/v1/shared-secrets`.
    secrets_url: String,
}

impl Api {
    /// A client for the server whose public base URL is `base` (`https://host[/prefix]`).
    pub fn new(base: &str) -> Result<Api, Failure> {
        let http = Client::builder()
            .user_agent(concat!("zkshare-cli/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| Failure::other(format!("cannot set up the HTTP client: {e}")))?;
        Ok(Api {
            http,
            secrets_url: format!("{}/api/v1/shared-secrets", base.trim_end_matches('/')),
        })
    }

    /// `POST /api/v1/shared-secrets`.
    pub fn create(&self, request: &CreateRequest<'_>) -> Result<CreatedShare, ApiFailure> {
        call(self.http.post(&self.secrets_url).json(request))
    }

    /// `GET /api/v1/shared-secrets/{id}`, as the typed fields and the whole JSON object.
    pub fn metadata(&self, id: &str) -> Result<(ShareMetadata, serde_json::Value), ApiFailure> {
        let raw: serde_json::Value = call(self.http.get(self.secret_url(id)))?;
        let meta = serde_json::from_value(raw.clone()).map_err(|e| {
            ApiFailure::BadAnswer(format!("unexpected metadata from the server: {e}"))
        })?;
        Ok((meta, raw))
    }

    /// `POST /api/v1/shared-secrets/{id}/access` with the verifier: consumes one view.
    pub fn access(&self, id: &str, verifier: &str) -> Result<AccessedShare, ApiFailure> {
        let url = format!("{}/access", self.secret_url(id));
        call(
            self.http
                .post(url)
                .json(&AccessRequest { password: verifier }),
        )
    }

    /// `DELETE /api/v1/shared-secrets/{id}` with `X-Delete-Token`.
    pub fn delete(&self, id: &str, token: &str) -> Result<serde_json::Value, ApiFailure> {
        call(
            self.http
                .delete(self.secret_url(id))
                .header("X-Delete-Token", token),
        )
    }

    fn secret_url(&self, id: &str) -> String {
        format!("{}/{id}", self.secrets_url)
    }
}

/// Sends, and reads the JSON answer or the API's error body.
fn call<T: DeserializeOwned>(request: RequestBuilder) -> Result<T, ApiFailure> {
    let response = request.send().map_err(|e| ApiFailure::Unreachable {
        url: e.url().map_or_else(String::new, |u| u.as_str().to_string()),
        cause: innermost_cause(&e),
    })?;
    let status = response.status();
    let url = response.url().to_string();
    let body = response.bytes().map_err(|e| ApiFailure::Unreachable {
        url: url.clone(),
        cause: innermost_cause(&e),
    })?;
    if status.is_success() {
        return serde_json::from_slice(&body).map_err(|e| {
            ApiFailure::BadAnswer(format!(
                "unexpected answer from {url} (HTTP {}): {e}; is this a zkshare server?",
                status.as_u16()
            ))
        });
    }
    let message = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("message")?.as_str().map(str::to_owned))
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| {
            format!(
                "HTTP {} {}",
                status.as_u16(),
                status.canonical_reason().unwrap_or("")
            )
            .trim_end()
            .to_string()
        });
    Err(ApiFailure::Status { status, message })
}

/// The deepest `source()` of an error: "Connection refused (os error 111)" rather than
/// "error sending request for url".
fn innermost_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut current = e;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}
