//! Request extractors: JSON bodies with the API's error body, secret ids, the access body, and the caller's principal.

use std::convert::Infallible;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::Deserialize;
use serde_json::json;

use super::error::ApiError;
use crate::policy::Principal;
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
}

/// The access body: an empty body is `{}`; a body without Content-Type is read as JSON;
/// any other non-JSON Content-Type is refused.
pub struct AccessBody(pub AccessRequest);

impl<S: Send + Sync> FromRequest<S> for AccessBody {
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
            return Ok(AccessBody(AccessRequest::default()));
        }
        if let Some(ct) = &content_type {
            let essence = ct.split(';').next().unwrap_or("").trim();
            if essence != "application/json" && !essence.ends_with("+json") {
                return Err(ApiError::bad_request(
                    "Expected request with `Content-Type: application/json`",
                ));
            }
        }
        serde_json::from_slice(&bytes).map(AccessBody).map_err(|e| {
            let message = format!("Failed to deserialize the JSON body: {e}");
            ApiError::bad_request(message.clone()).with_details(json!([{ "message": message }]))
        })
    }
}

/// Every request is anonymous until there are sessions and machine identities.
impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = Infallible;

    async fn from_request_parts(_parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Principal::Anonymous)
    }
}
