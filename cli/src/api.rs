//! The HTTP client for `/api/v1/shared-secrets` (docs/openapi.json). It only ever sends
//! envelopes and verifiers; plaintext, link keys and passwords never reach this module.
//! For secret requests (`/api/v1/shared-secrets/requests`) it sends the requester's public key,
//! requester token and sealed answers; never the private key or the key commitment.
//!
//! Transport rules (SECURITY.md, "The CLI's transport"): plain `http://` only to loopback
//! unless `--insecure-http`, and redirects are never followed, because following one would
//! resend the verifier or the delete token to wherever the answer points.

use std::net::IpAddr;
use std::time::Duration;

use reqwest::blocking::{Client, RequestBuilder};
use reqwest::{StatusCode, Url, redirect};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{Exit, Failure};
use crate::terminal;

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
    /// `anyone` or `organization`; the server's default when `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_type: Option<&'a str>,
    /// Addresses the server mails a keyless link to (password mode only).
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub authorized_emails: &'a [String],
    /// Whether `authorized_emails` may name people outside the organization.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub allow_external_emails: bool,
    /// Mail the creator when the secret is viewed.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub notify_on_view: bool,
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
    /// The recipients as the server normalized them (only in this answer).
    #[serde(default)]
    pub authorized_emails: Option<Vec<String>>,
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
#[serde(rename_all = "camelCase")]
struct AccessRequest<'a> {
    password: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    recipient_token: Option<&'a str>,
}

/// One secret of the creator's list (the fields the CLI shows).
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct ListedShare {
    /// The secret's id.
    pub id: String,
    /// Optional label.
    pub name: Option<String>,
    /// RFC 3339.
    pub expires_at: String,
    /// Views left; `None` is unlimited.
    pub expires_after_views: Option<u64>,
    /// `anyone` or `organization`.
    pub access_type: String,
    /// How many addresses it was mailed to.
    #[serde(default)]
    pub recipient_count: u64,
    /// Whether the recipients may be outside the organization.
    #[serde(default)]
    pub allow_external_emails: bool,
}

/// The answer to `GET /api/v1/shared-secrets` (the fields the CLI uses).
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct SecretList {
    /// One page, newest first.
    pub secrets: Vec<ListedShare>,
    /// How many there are in all.
    pub total_count: u64,
}

/// One attempt in a secret's access log.
#[derive(Deserialize, Debug)]
pub struct LogEvent {
    /// ISO 8601.
    pub at: String,
    /// `viewed`, `not_allowed`, `password_required` or `wrong_password`.
    pub outcome: String,
    /// Whether this attempt destroyed the secret (last view, or too many failures).
    #[serde(default)]
    pub burned: bool,
    /// Who tried: `{type: user, id, email}`, `{type: identity, id}`, `{type: recipient}` or
    /// `{type: anonymous}`.
    pub viewer: serde_json::Value,
}

/// The answer to `GET /{id}/access-log`.
#[derive(Deserialize, Debug)]
pub struct AccessLog {
    /// Oldest first.
    pub events: Vec<LogEvent>,
}

/// Body of `POST /api/v1/shared-secrets/requests`.
#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct CreateSecretRequest<'a> {
    /// Optional label, shown to whoever answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'a str>,
    /// Lifetime, e.g. `1h`.
    pub expires_in: &'a str,
    /// `anyone` or `organization`: who may answer.
    pub access_type: &'a str,
    /// `b64(suite || pk)`, the requester's public key.
    pub public_key: &'a str,
    /// Proves the private key to the server when the answer is read (it stores a digest).
    pub requester_token: &'a str,
    /// Keep the answer after it is read, until the request expires.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub keep_answer: bool,
}

/// The answer to creating a secret request (the fields the CLI uses).
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct CreatedSecretRequest {
    /// The request's id.
    pub id: String,
    /// RFC 3339.
    pub expires_at: String,
    /// The public key as the server stored it.
    pub public_key: String,
    /// `<public-url>/r/<id>`, without the commitment.
    pub answer_link: String,
    /// `<public-url>/r/<id>/open`, without the private key.
    pub requester_link: String,
}

/// Who made a secret request, as the server knows them.
#[derive(Deserialize, Debug, Default)]
pub struct Requester {
    /// Their name or address.
    #[serde(default)]
    pub name: Option<String>,
    /// Their organization's name.
    #[serde(default)]
    pub organization: Option<String>,
}

/// The answer to `GET /requests/{id}` (the fields the CLI uses).
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct SecretRequestView {
    /// The requester's public key, `b64(suite || pk)`: checked against the answer link's
    /// commitment before anything is sealed to it.
    pub public_key: String,
    /// Optional label.
    #[serde(default)]
    pub name: Option<String>,
    /// Who asks; `None` for a request made without a login.
    #[serde(default)]
    pub requester: Option<Requester>,
    /// RFC 3339.
    pub expires_at: String,
    /// Whether it has an answer already.
    #[serde(default)]
    pub is_answered: bool,
}

/// The answer to `POST /requests/{id}/reveal-value` (the fields the CLI uses).
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct RevealedAnswer {
    /// The sealed answer.
    pub secret_value: String,
    /// RFC 3339.
    pub expires_at: String,
    /// Whether the server keeps the answer after this reading.
    #[serde(default)]
    pub keep_answer: Option<bool>,
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
    /// A redirect, which is not followed.
    Redirect {
        /// The URL called.
        url: String,
        /// The HTTP status (3xx).
        status: StatusCode,
        /// Where the server pointed (escaped for the terminal).
        location: String,
    },
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
            ApiFailure::Redirect {
                url,
                status,
                location,
            } => format!(
                "{url} answered with a redirect (HTTP {}) to {location}; zkshare does not follow \
                 redirects, since that would send the verifier or delete token on to another \
                 address: use the final address of the server yourself",
                status.as_u16()
            ),
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

/// A 404 as "gone" (with the server's message), everything else by the default mapping.
pub fn gone_or(e: ApiFailure) -> Failure {
    if e.status().is_some_and(|s| s.as_u16() == 404) {
        return Failure::new(
            Exit::Gone,
            format!(
                "{} (it does not exist, expired, was viewed as often as allowed, or was deleted)",
                e.message().trim_end_matches('.')
            ),
        );
    }
    e.into()
}

/// The default mapping, with `context` before a 400's message.
pub fn with_context(e: ApiFailure, context: &str) -> Failure {
    let status = e.status().map(|s| s.as_u16());
    let mut failure: Failure = e.into();
    if matches!(status, Some(400 | 401 | 403 | 413)) {
        failure.message = format!("{context}: {}", failure.message);
    }
    failure
}

/// A client for one server's `/api/v1/shared-secrets`.
pub struct Api {
    http: Client,
    /// `{base}/api/v1/shared-secrets`.
    secrets_url: String,
    /// `{base}/api/v1`.
    api_url: String,
    /// `{base}/api/v1/shared-secrets/requests`.
    requests_url: String,
    /// The bearer token of a login, sent with every call but metadata and login.
    token: Option<String>,
}

/// The answer to a login (`/auth/token` or Universal Auth).
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct LoginAnswer {
    /// The bearer token.
    pub access_token: String,
    /// Seconds it is valid.
    pub expires_in: u64,
}

impl Api {
    /// A client for the server whose public base URL is `base` (`https://host[/prefix]`).
    /// `http://` is refused unless the host is loopback or `insecure_http` is set.
    pub fn new(base: &str, insecure_http: bool) -> Result<Api, Failure> {
        check_transport(base, insecure_http)?;
        let http = Client::builder()
            .user_agent(concat!("zkshare-cli/", env!("CARGO_PKG_VERSION")))
            .redirect(redirect::Policy::none())
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| Failure::other(format!("cannot set up the HTTP client: {e}")))?;
        let base = base.trim_end_matches('/');
        Ok(Api {
            http,
            secrets_url: format!("{base}/api/v1/shared-secrets"),
            api_url: format!("{base}/api/v1"),
            requests_url: format!("{base}/api/v1/shared-secrets/requests"),
            token: None,
        })
    }

    /// This client, acting as the holder of `token` (a login's bearer token).
    pub fn with_token(mut self, token: Option<String>) -> Api {
        self.token = token;
        self
    }

    /// `request` with the login's bearer token, if there is one.
    fn signed(&self, request: RequestBuilder) -> RequestBuilder {
        match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    /// `POST /api/v1/shared-secrets` (with the login's token, if any).
    pub fn create(&self, request: &CreateRequest<'_>) -> Result<CreatedShare, ApiFailure> {
        call(self.signed(self.http.post(&self.secrets_url).json(request)))
    }

    /// `GET /api/v1/shared-secrets?offset=&limit=`: the caller's own live secrets, as the
    /// typed page and the whole JSON object.
    pub fn list(
        &self,
        offset: u64,
        limit: u64,
    ) -> Result<(SecretList, serde_json::Value), ApiFailure> {
        let url = format!("{}?offset={offset}&limit={limit}", self.secrets_url);
        let raw: serde_json::Value = call(self.signed(self.http.get(url)))?;
        let list = serde_json::from_value(raw.clone()).map_err(|e| {
            ApiFailure::BadAnswer(format!(
                "unexpected list from the server: {}",
                terminal::escape(&e.to_string())
            ))
        })?;
        Ok((list, raw))
    }

    /// `GET /api/v1/shared-secrets/{id}/access-log` (the creator's login), typed and whole.
    pub fn access_log(&self, id: &str) -> Result<(AccessLog, serde_json::Value), ApiFailure> {
        let url = format!("{}/access-log", self.secret_url(id));
        let raw: serde_json::Value = call(self.signed(self.http.get(url)))?;
        let log = serde_json::from_value(raw.clone()).map_err(|e| {
            ApiFailure::BadAnswer(format!(
                "unexpected access log from the server: {}",
                terminal::escape(&e.to_string())
            ))
        })?;
        Ok((log, raw))
    }

    /// `POST /api/v1/auth/token`: a user's bearer token for an e-mail address and password.
    pub fn user_login(&self, email: &str, password: &str) -> Result<LoginAnswer, ApiFailure> {
        call(
            self.http
                .post(format!("{}/auth/token", self.api_url))
                .json(&serde_json::json!({ "email": email, "password": password })),
        )
    }

    /// `POST /api/v1/auth/universal-auth/login`: a machine identity's access token.
    pub fn machine_login(
        &self,
        client_id: &str,
        client_secret: &str,
    ) -> Result<LoginAnswer, ApiFailure> {
        call(
            self.http
                .post(format!("{}/auth/universal-auth/login", self.api_url))
                .json(&serde_json::json!({ "clientId": client_id, "clientSecret": client_secret })),
        )
    }

    /// `POST /api/v1/auth/logout` with `token`: the server forgets the session.
    pub fn logout(&self, token: &str) -> Result<(), ApiFailure> {
        call_empty(
            self.http
                .post(format!("{}/auth/logout", self.api_url))
                .bearer_auth(token),
        )
    }

    /// `GET /api/v1/shared-secrets/{id}`, as the typed fields and the whole JSON object.
    pub fn metadata(&self, id: &str) -> Result<(ShareMetadata, serde_json::Value), ApiFailure> {
        let raw: serde_json::Value = call(self.http.get(self.secret_url(id)))?;
        let meta = serde_json::from_value(raw.clone()).map_err(|e| {
            ApiFailure::BadAnswer(format!(
                "unexpected metadata from the server: {}",
                terminal::escape(&e.to_string())
            ))
        })?;
        Ok((meta, raw))
    }

    /// `POST /api/v1/shared-secrets/{id}/access` with the verifier (and a mailed link's
    /// recipient token, and the login's bearer token): consumes one view.
    pub fn access(
        &self,
        id: &str,
        verifier: &str,
        recipient_token: Option<&str>,
    ) -> Result<AccessedShare, ApiFailure> {
        let url = format!("{}/access", self.secret_url(id));
        call(self.signed(self.http.post(url).json(&AccessRequest {
            password: verifier,
            recipient_token,
        })))
    }

    /// `DELETE /api/v1/shared-secrets/{id}` with `X-Delete-Token`.
    pub fn delete(&self, id: &str, token: &str) -> Result<serde_json::Value, ApiFailure> {
        call(
            self.http
                .delete(self.secret_url(id))
                .header("X-Delete-Token", token),
        )
    }

    /// `DELETE /api/v1/shared-secrets/{id}` without a token, as the signed-in creator.
    pub fn delete_as_creator(&self, id: &str) -> Result<serde_json::Value, ApiFailure> {
        call(self.signed(self.http.delete(self.secret_url(id))))
    }

    fn secret_url(&self, id: &str) -> String {
        format!("{}/{id}", self.secrets_url)
    }

    /// `POST /api/v1/shared-secrets/requests` (with the login's token, if any).
    pub fn create_request(
        &self,
        request: &CreateSecretRequest<'_>,
    ) -> Result<CreatedSecretRequest, ApiFailure> {
        call(self.signed(self.http.post(&self.requests_url).json(request)))
    }

    /// `GET /api/v1/shared-secrets/requests/{id}` (with the login's token, if any).
    pub fn request_view(&self, id: &str) -> Result<SecretRequestView, ApiFailure> {
        call(self.signed(self.http.get(self.request_url(id))))
    }

    /// `POST /api/v1/shared-secrets/requests/{id}/set-value`: the sealed answer.
    pub fn answer_request(&self, id: &str, sealed: &str) -> Result<(), ApiFailure> {
        let url = format!("{}/set-value", self.request_url(id));
        call_empty(
            self.signed(
                self.http
                    .post(url)
                    .json(&serde_json::json!({ "secretValue": sealed })),
            ),
        )
    }

    /// `POST /api/v1/shared-secrets/requests/{id}/reveal-value` with the requester token.
    pub fn reveal_request(
        &self,
        id: &str,
        requester_token: &str,
    ) -> Result<RevealedAnswer, ApiFailure> {
        let url = format!("{}/reveal-value", self.request_url(id));
        call(
            self.signed(
                self.http
                    .post(url)
                    .json(&serde_json::json!({ "requesterToken": requester_token })),
            ),
        )
    }

    /// `DELETE /api/v1/shared-secrets/requests/{id}` with `X-Requester-Token`.
    pub fn delete_request(&self, id: &str, requester_token: &str) -> Result<(), ApiFailure> {
        call_empty(
            self.http
                .delete(self.request_url(id))
                .header("X-Requester-Token", requester_token),
        )
    }

    fn request_url(&self, id: &str) -> String {
        format!("{}/{id}", self.requests_url)
    }
}

/// Refuses a base URL that is not `https://`, or `http://` to a loopback host (127.0.0.0/8,
/// `::1`, `localhost`), unless `insecure_http`: over plain HTTP anyone on the path reads the
/// verifier and the delete token and can rewrite the server's answers.
pub fn check_transport(base: &str, insecure_http: bool) -> Result<(), Failure> {
    let url = Url::parse(base).map_err(|e| {
        Failure::usage(format!(
            "{:?} is not a URL ({e}); e.g. https://share.example.com",
            terminal::escape(base)
        ))
    })?;
    match url.scheme() {
        "https" => Ok(()),
        "http" if insecure_http || is_loopback(&url) => Ok(()),
        "http" => Err(Failure::usage(format!(
            "refusing plain http:// to {}: the verifier, the envelope and the delete token would \
             cross the network unencrypted, and anyone on the way could alter the answers. Use \
             https://, or pass --insecure-http to accept that",
            terminal::escape(url.host_str().unwrap_or("?"))
        ))),
        other => Err(Failure::usage(format!(
            "{other}:// is not supported: use an https:// server address"
        ))),
    }
}

/// Whether `url`'s host is this machine's loopback: 127.0.0.0/8, `::1` or `localhost`.
fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}

/// Sends, and reads the JSON answer or the API's error body.
fn call<T: DeserializeOwned>(request: RequestBuilder) -> Result<T, ApiFailure> {
    let (status, url, body) = call_bytes(request)?;
    serde_json::from_slice(&body).map_err(|e| {
        ApiFailure::BadAnswer(format!(
            "unexpected answer from {url} (HTTP {}): {}; is this a zkshare server?",
            status.as_u16(),
            terminal::escape(&e.to_string())
        ))
    })
}

/// Sends, and expects a success without a body to read (or the API's error body).
fn call_empty(request: RequestBuilder) -> Result<(), ApiFailure> {
    call_bytes(request).map(|_| ())
}

/// Sends; a success's status, URL and body, or the failure with the API's error message.
fn call_bytes(request: RequestBuilder) -> Result<(StatusCode, String, Vec<u8>), ApiFailure> {
    let response = request.send().map_err(|e| ApiFailure::Unreachable {
        url: e.url().map_or_else(String::new, |u| u.as_str().to_string()),
        cause: innermost_cause(&e),
    })?;
    let status = response.status();
    let url = response.url().to_string();
    if status.is_redirection() {
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .map(|v| terminal::escape(&String::from_utf8_lossy(v.as_bytes())))
            .unwrap_or_else(|| "(no Location)".to_string());
        return Err(ApiFailure::Redirect {
            url,
            status,
            location,
        });
    }
    let body = response.bytes().map_err(|e| ApiFailure::Unreachable {
        url: url.clone(),
        cause: innermost_cause(&e),
    })?;
    if status.is_success() {
        return Ok((status, url, body.to_vec()));
    }
    let message = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("message")?.as_str().map(terminal::escape))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_to_loopback_unless_allowed() {
        for ok in [
            "https://share.example.com",
            "https://192.0.2.1:8443/prefix",
            "http://127.0.0.1:8080",
            "http://127.255.0.9",
            "http://[::1]:8080",
            "http://localhost:8080",
            "http://LOCALHOST",
        ] {
            assert!(check_transport(ok, false).is_ok(), "{ok}");
        }
        for refused in [
            "http://share.example.com",
            "http://192.0.2.1",
            "http://0.0.0.0:8080",
            "http://[::ffff:127.0.0.1]",
            "http://localhost.example.com",
            "http://128.0.0.1",
        ] {
            let e = check_transport(refused, false).unwrap_err();
            assert_eq!(e.exit, Exit::Usage, "{refused}");
            assert!(e.message.contains("--insecure-http"), "{}", e.message);
            assert!(check_transport(refused, true).is_ok(), "{refused}");
        }
        assert!(check_transport("ftp://h", true).is_err());
        assert!(check_transport("not a url", true).is_err());
    }
}
