//! Request extractors: JSON bodies with the API's error body (required or optional), secret ids, the access body, and the caller's principal.

use std::convert::Infallible;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use serde::Deserialize;
use serde_json::json;

use super::AppState;
use super::error::ApiError;
use crate::accounts::sessions::Rejected;
use crate::policy::{Denial, Principal};
use crate::shares::validate;

/// `axum::Json` whose rejections are [`ApiError`]s with the API's error body.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// A path `{id}` that is a well-formed secret id (else 400 "Invalid shared secret ID").
pub struct SecretId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for SecretId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(id) = Path::<String>::from_request_parts(parts, state).await?;
        if validate::is_secret_id(&id) {
            Ok(SecretId(id))
        } else {
            Err(ApiError::bad_request("Invalid shared secret ID"))
        }
    }
}

/// Body of `POST /{id}/access`.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct AccessRequest {
    /// Verifier or plain password.
    #[serde(default)]
    pub password: Option<String>,
    /// The recipient token of a link mailed to an external recipient (`#r=<token>`).
    #[serde(default, rename = "recipientToken")]
    pub recipient_token: Option<String>,
}

/// The access body: an empty body is `{}`; a body without Content-Type is read as JSON;
/// any other non-JSON Content-Type is refused.
pub struct AccessBody(pub AccessRequest);

impl<S: Send + Sync> FromRequest<S> for AccessBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let OptionalJson(body) = OptionalJson::from_request(req, state).await?;
        Ok(AccessBody(body))
    }
}

/// A JSON body that may be left out: an empty body is `T::default()`; a body without
/// Content-Type is read as JSON; any other non-JSON Content-Type is refused.
pub struct OptionalJson<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned + Default> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.to_ascii_lowercase());
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::for_status(StatusCode::PAYLOAD_TOO_LARGE)
            } else {
                ApiError::bad_request("Failed to read the request body")
            }
        })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(T::default()));
        }
        if let Some(ct) = &content_type {
            let essence = ct.split(';').next().unwrap_or("").trim();
            if essence != "application/json" && !essence.ends_with("+json") {
                return Err(ApiError::bad_request(
                    "Expected request with `Content-Type: application/json`",
                ));
            }
        }
        serde_json::from_slice(&bytes)
            .map(OptionalJson)
            .map_err(|e| {
                let message = format!("Failed to deserialize the JSON body: {e}");
                ApiError::bad_request(message.clone()).with_details(json!([{ "message": message }]))
            })
    }
}

/// The session cookie's name over http; over https it is `__Host-` + this (bound to this
/// host, Secure, Path=/).
pub const SESSION_COOKIE: &str = "zkshare_session";

/// The session cookie's name over https.
pub const SECURE_SESSION_COOKIE: &str = "__Host-zkshare_session";

/// The header that names the organization a request acts in (else the session's current one).
pub const ORG_HEADER: &str = "x-organization-id";

/// How the caller proved who they are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credential {
    /// Nothing (or a stale cookie).
    None,
    /// A session token from the cookie.
    Cookie(String),
    /// A session or access token from `Authorization: Bearer`.
    Bearer(String),
}

/// The caller: the principal, and the credential it came from (logout and the organization
/// switch need the session token). Extracted once per request; an anonymous request costs no
/// store call.
pub struct Caller {
    /// Who is asking.
    pub principal: Principal,
    /// The credential presented.
    pub credential: Credential,
}

impl Caller {
    /// The session token, when the caller is signed in with one (cookie or bearer).
    pub fn session_token(&self) -> Option<&str> {
        match &self.credential {
            Credential::Cookie(t) | Credential::Bearer(t)
                if t.starts_with(crate::accounts::sessions::SESSION_PREFIX) =>
            {
                Some(t)
            }
            _ => None,
        }
    }
}

fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE || *name == SECURE_SESSION_COOKIE)
        .map(|(_, value)| value.trim().to_string())
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

/// Whether a cookie-authenticated request that changes state comes from this site: its
/// `Origin` (or, without one, `Sec-Fetch-Site`) must say so. A request with neither comes from
/// a client that is not a browser, which a cross-site page cannot drive with the user's cookie.
pub fn same_site_request(parts: &Parts, public_base: Option<&str>) -> bool {
    if parts.method.is_safe() {
        return true;
    }
    let headers = &parts.headers;
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        let origin = origin.trim().trim_end_matches('/');
        if origin.eq_ignore_ascii_case("null") {
            return false;
        }
        // The configured public origin (a proxy may rewrite Host), or this request's Host: a
        // cross-site page's origin is neither, and the browser sets Origin, not the page.
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
        let origin_host = origin.split_once("://").map(|(_, h)| h);
        return public_base.is_some_and(|b| origin.eq_ignore_ascii_case(b.trim_end_matches('/')))
            || (host.is_some()
                && origin_host.is_some_and(|h| h.eq_ignore_ascii_case(host.unwrap_or_default())));
    }
    match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some(site) => site == "same-origin" || site == "none",
        None => true,
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let wanted_org = match parts.headers.get(ORG_HEADER) {
            None => None,
            Some(v) => Some(
                v.to_str()
                    .ok()
                    .and_then(|v| uuid::Uuid::parse_str(v.trim()).ok())
                    .ok_or_else(|| ApiError::bad_request("Invalid X-Organization-Id header"))?,
            ),
        };
        let now = crate::clock::now_millis();
        let accounts = &state.accounts;
        if let Some(token) = bearer(&parts.headers) {
            let resolved = if token.starts_with(crate::accounts::sessions::ACCESS_TOKEN_PREFIX) {
                accounts.principal_for_access_token(&token, now).await
            } else {
                accounts
                    .principal_for_session(&token, wanted_org, now)
                    .await
            };
            return match resolved {
                Ok(principal) => Ok(Caller {
                    principal,
                    credential: Credential::Bearer(token),
                }),
                Err(Rejected::Invalid) => {
                    Err(ApiError::unauthorized("Invalid or expired access token"))
                }
                Err(Rejected::NotMember) => Err(Denial::NotMember.into()),
                Err(Rejected::Failed(e)) => Err(e.into()),
            };
        }
        let Some(token) = session_cookie(&parts.headers) else {
            return Ok(Caller {
                principal: Principal::Anonymous,
                credential: Credential::None,
            });
        };
        let base = state.config.public_url.as_deref();
        if !same_site_request(parts, base) {
            return Err(ApiError::forbidden(
                "Cross-site request refused: this action must come from this site's own pages",
            ));
        }
        match accounts
            .principal_for_session(&token, wanted_org, now)
            .await
        {
            Ok(principal) => Ok(Caller {
                principal,
                credential: Credential::Cookie(token),
            }),
            // A stale cookie is no credential: the request goes on as anonymous.
            Err(Rejected::Invalid) => Ok(Caller {
                principal: Principal::Anonymous,
                credential: Credential::None,
            }),
            Err(Rejected::NotMember) => Err(Denial::NotMember.into()),
            Err(Rejected::Failed(e)) => Err(e.into()),
        }
    }
}

/// The caller's principal (see [`Caller`]).
impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Caller::from_request_parts(parts, state)
            .await
            .map(|c| c.principal)
    }
}

/// The client's address key, for per-client counters (failed logins).
pub struct ClientKey(pub String);

impl FromRequestParts<AppState> for ClientKey {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ip = crate::net::client_ip_of(
            &parts.extensions,
            &parts.headers,
            &state.config.trusted_proxies,
        );
        Ok(ClientKey(
            ip.map(|ip| crate::net::bucket_of(ip).to_string())
                .unwrap_or_else(|| "unknown".into()),
        ))
    }
}
