//! The shared-secrets API (`/api/v1/shared-secrets`): each handler extracts, calls one use case, and shapes the response.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use serde::Serialize;

use super::AppState;
use super::error::ApiError;
pub use super::extract::{AccessBody, AccessRequest, ApiJson, SecretId};
use super::limits::{self, CreateQuota};
use crate::clock::format_timestamp;
use crate::domain::Creator;
use crate::policy::{Denial, Principal};
use crate::shares::validate::{CreateSecretRequest, Invalid};
use crate::shares::{self, ShareError};
use crate::store::{AccessType, SecretMeta};

/// The one answer for unknown, expired and used-up secrets.
pub const NOT_FOUND_MESSAGE: &str =
    "The shared secret you are looking for is missing or has expired";

/// Routes under `/api` (nested by [`super::app`]); creates count against `create_quota`.
pub fn router(create_quota: Option<CreateQuota>) -> Router<AppState> {
    let create = || {
        let route = post(create_secret);
        match &create_quota {
            Some(quota) => route.layer(axum::middleware::from_fn_with_state(
                quota.clone(),
                limits::create_quota,
            )),
            None => route,
        }
    };
    Router::new()
        .route("/v1/shared-secrets", create().get(list_secrets))
        .route("/v1/shared-secrets/public", create())
        .route(
            "/v1/shared-secrets/{id}",
            get(get_secret).delete(delete_secret),
        )
        .route("/v1/shared-secrets/{id}/access", post(access_secret))
        .route("/openapi.json", get(openapi_document))
        .fallback(route_not_found)
}

/// The OpenAPI 3.1 description of this API (`docs/openapi.json`, compiled in).
pub const OPENAPI_JSON: &str = include_str!("../../../docs/openapi.json");

/// `GET /api/openapi.json`.
async fn openapi_document() -> impl axum::response::IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        OPENAPI_JSON,
    )
}

async fn route_not_found() -> ApiError {
    ApiError::for_status(StatusCode::NOT_FOUND)
}

/// The fields of a share, common to every answer (reference API shape).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShareFields {
    id: String,
    expires_at: String,
    created_at: String,
    updated_at: String,
    user_id: Option<String>,
    org_id: Option<String>,
    expires_after_views: Option<u32>,
    access_type: AccessType,
    name: Option<String>,
    last_viewed_at: Option<String>,
    #[serde(rename = "type")]
    kind: &'static str,
    authorized_emails: Option<Vec<String>>,
    identity_id: Option<String>,
    allow_external_emails: bool,
}

impl ShareFields {
    fn new(meta: &SecretMeta, expires_after_views: Option<u32>) -> Self {
        let (user_id, identity_id) = match meta.owner.map(|o| o.creator) {
            Some(Creator::User(id)) => (Some(id.to_string()), None),
            Some(Creator::Machine(id)) => (None, Some(id.to_string())),
            None => (None, None),
        };
        Self {
            id: meta.id.clone(),
            expires_at: format_timestamp(meta.expires_at),
            created_at: format_timestamp(meta.created_at),
            updated_at: format_timestamp(meta.updated_at()),
            user_id,
            org_id: meta.owner.map(|o| o.org.to_string()),
            expires_after_views,
            access_type: meta.access_type,
            name: meta.name.clone(),
            last_viewed_at: meta.last_viewed_at.map(format_timestamp),
            kind: "share",
            authorized_emails: None,
            identity_id,
            allow_external_emails: false,
        }
    }
}

/// Answer to create.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedShare {
    #[serde(flatten)]
    share: ShareFields,
    shared_secret_link: String,
    delete_token: String,
}

/// Answer to `GET /{id}`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShareMetadata {
    #[serde(flatten)]
    share: ShareFields,
    is_password_protected: bool,
    envelope_header: String,
}

/// Answer to `POST /{id}/access`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessedShare {
    #[serde(flatten)]
    share: ShareFields,
    secret_value: String,
}

fn not_found() -> ApiError {
    ApiError::not_found(NOT_FOUND_MESSAGE)
}

/// A refused create request: 400 with every problem in `details`.
impl From<Invalid> for ApiError {
    fn from(invalid: Invalid) -> Self {
        ApiError::bad_request(invalid.message).with_details(invalid.details)
    }
}

/// The API's answer to a policy refusal: 401 where signing in may help, else 403.
impl From<Denial> for ApiError {
    fn from(denial: Denial) -> Self {
        match denial {
            Denial::RestrictedCreateNeedsAccount => ApiError::unauthorized(
                "Authentication required to create organization or email-restricted secrets",
            ),
            Denial::ViewNeedsAccount => {
                ApiError::unauthorized("Authentication required to view this secret")
            }
            Denial::ListNeedsAccount | Denial::NeedsUser => {
                ApiError::unauthorized("Authentication required")
            }
            Denial::RestrictedCreateNeedsOrganization => ApiError::bad_request(
                "Organization secrets need a current organization: create or join one first",
            ),
            Denial::ViewForbidden => ApiError::forbidden("You do not have access to this secret"),
            Denial::NotMember => ApiError::forbidden("You are not a member of this organization"),
            Denial::NotAdmin => {
                ApiError::forbidden("Only an admin of this organization may do this")
            }
        }
    }
}

impl From<ShareError> for ApiError {
    fn from(e: ShareError) -> Self {
        match e {
            ShareError::Denied(denial) => denial.into(),
            ShareError::Invalid(invalid) => invalid.into(),
            ShareError::NotFound => not_found(),
            ShareError::PasswordRequired => {
                ApiError::unauthorized("Password is required to access this secret")
            }
            ShareError::InvalidCredentials { attempts_left } => {
                let refused = ApiError::unauthorized("Invalid credentials");
                match attempts_left {
                    Some(left) => refused.with_attempts_left(left),
                    None => refused,
                }
            }
            ShareError::WrongDeleteToken => {
                ApiError::forbidden("You do not have access to this secret")
            }
            ShareError::Store(e) => e.into(),
            ShareError::Internal(cause) => ApiError::internal(cause),
        }
    }
}

/// `POST /api/v1/shared-secrets` and `POST /api/v1/shared-secrets/public`.
async fn create_secret(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(request): ApiJson<CreateSecretRequest>,
) -> Result<Json<CreatedShare>, ApiError> {
    let created = shares::create(state.store.as_ref(), &principal, request).await?;
    let meta = &created.meta;
    Ok(Json(CreatedShare {
        share: ShareFields::new(meta, meta.views_remaining),
        shared_secret_link: format!("{}/s/{}", state.config.public_base(), meta.id),
        delete_token: created.delete_token,
    }))
}

/// `GET /api/v1/shared-secrets`: listing needs an account, and this server keeps no index of
/// a creator's secrets, so a signed-in caller is told so (501) rather than shown an empty list.
async fn list_secrets(principal: Principal) -> Result<Json<serde_json::Value>, ApiError> {
    shares::list(&principal)?;
    Err(ApiError::new(
        StatusCode::NOT_IMPLEMENTED,
        "This server does not list shared secrets",
    ))
}

/// `GET /api/v1/shared-secrets/{id}`: metadata; never consumes a view.
async fn get_secret(
    State(state): State<AppState>,
    SecretId(id): SecretId,
) -> Result<Json<ShareMetadata>, ApiError> {
    let meta = shares::metadata(state.store.as_ref(), &id).await?;
    Ok(Json(ShareMetadata {
        share: ShareFields::new(&meta, meta.views_remaining),
        is_password_protected: shares::needs_password(&meta),
        envelope_header: meta.envelope_header.clone(),
    }))
}

/// `POST /api/v1/shared-secrets/{id}/access`: consumes one view atomically.
async fn access_secret(
    State(state): State<AppState>,
    principal: Principal,
    SecretId(id): SecretId,
    AccessBody(body): AccessBody,
) -> Result<Json<AccessedShare>, ApiError> {
    let max_failures = state.config.max_password_failures;
    let view = shares::view(
        state.store.as_ref(),
        &principal,
        &id,
        body.password,
        max_failures,
    )
    .await?;
    Ok(Json(AccessedShare {
        share: ShareFields::new(&view.meta, view.views_before),
        secret_value: view.envelope,
    }))
}

/// `DELETE /api/v1/shared-secrets/{id}` with `X-Delete-Token`.
async fn delete_secret(
    State(state): State<AppState>,
    SecretId(id): SecretId,
    headers: HeaderMap,
) -> Result<Json<ShareFields>, ApiError> {
    let token = headers.get("x-delete-token").ok_or_else(|| {
        ApiError::unauthorized("A delete token is required: send it in the X-Delete-Token header")
    })?;
    let meta = shares::delete(state.store.as_ref(), &id, token.as_bytes()).await?;
    Ok(Json(ShareFields::new(&meta, meta.views_remaining)))
}
