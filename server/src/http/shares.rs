//! The shared-secrets API (`/api/v1/shared-secrets`): each handler extracts, calls one use case, and shapes the response.

use axum::Json;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::error::ApiError;
pub use super::extract::{AccessBody, AccessRequest, ApiJson, SecretId};
use super::limits::{self, CreateQuota};
use crate::clock::format_timestamp;
use crate::domain::Creator;
use crate::policy::{Denial, Principal};
use crate::shares::log::EntryView;
use crate::shares::validate::{CreateSecretRequest, Invalid};
use crate::shares::{self, ShareError, Sharing};
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
        .route("/api/v1/shared-secrets", create().get(list_secrets))
        .route("/api/v1/shared-secrets/public", create())
        .route(
            "/api/v1/shared-secrets/{id}",
            get(get_secret).delete(delete_secret),
        )
        .route("/api/v1/shared-secrets/{id}/access", post(access_secret))
        .route("/api/v1/shared-secrets/{id}/access-log", get(access_log))
        .route("/api/openapi.json", get(openapi_document))
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
    recipient_count: u8,
    notify_on_view: bool,
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
            allow_external_emails: meta.external_recipients,
            recipient_count: meta.recipients,
            notify_on_view: meta.notify_on_view,
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
            Denial::ReceiptsNeedAccount => ApiError::unauthorized(
                "Authentication required for read receipts (notifyOnView): they go to your account's address",
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
            Denial::ViewForbidden | Denial::NotCreator => {
                ApiError::forbidden("You do not have access to this secret")
            }
            Denial::NotRecipient => {
                ApiError::forbidden("You are not authorized to view this secret")
            }
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
            ShareError::DeleteTokenRequired => ApiError::unauthorized(
                "A delete token is required: send it in the X-Delete-Token header, or sign in as the creator",
            ),
            ShareError::Account(e) => e.into(),
            ShareError::Store(e) => e.into(),
            ShareError::Internal(cause) => ApiError::internal(cause),
        }
    }
}

/// The use cases' view of the state.
fn sharing(state: &AppState) -> Sharing<'_> {
    Sharing {
        store: state.store.as_ref(),
        accounts: state.accounts.as_ref(),
        base: state.config.public_base(),
    }
}

/// `POST /api/v1/shared-secrets` and `POST /api/v1/shared-secrets/public`.
async fn create_secret(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(request): ApiJson<CreateSecretRequest>,
) -> Result<Json<CreatedShare>, ApiError> {
    let emails = request.authorized_emails.clone();
    let created = shares::create(&sharing(&state), &principal, request).await?;
    let meta = &created.meta;
    let mut share = ShareFields::new(meta, meta.views_remaining);
    // The creator sees the list once, in this answer; the store keeps digests only.
    if meta.recipients > 0 {
        share.authorized_emails =
            emails.map(|list| crate::shares::validate::normalize_emails(list).unwrap_or_default());
    }
    Ok(Json(CreatedShare {
        share,
        shared_secret_link: format!("{}/s/{}", state.config.public_base(), meta.id),
        delete_token: created.delete_token,
    }))
}

/// Query of `GET /api/v1/shared-secrets`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ListQuery {
    pub(super) offset: Option<String>,
    pub(super) limit: Option<String>,
}

/// Most secrets on one page.
pub const MAX_PAGE: u64 = 100;
/// Secrets on a page when the query names no `limit`.
pub const DEFAULT_PAGE: u64 = 25;

/// A page of own secrets.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SecretList {
    secrets: Vec<ListedShare>,
    total_count: u64,
}

/// A secret as its creator's list shows it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ListedShare {
    #[serde(flatten)]
    share: ShareFields,
    is_password_protected: bool,
}

pub(super) fn query_number(
    value: Option<&str>,
    name: &str,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
) -> Result<u64, ApiError> {
    let Some(value) = value else {
        return Ok(default);
    };
    value
        .parse::<u64>()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| {
            let message = format!(
                "{name} must be a whole number from {} to {}",
                range.start(),
                range.end()
            );
            ApiError::bad_request(message.clone())
                .with_details(serde_json::json!([{ "path": [name], "message": message }]))
        })
}

/// `GET /api/v1/shared-secrets?offset=&limit=`: the caller's live secrets in their current
/// organization, newest first, and how many there are.
async fn list_secrets(
    State(state): State<AppState>,
    principal: Principal,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<SecretList>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let offset = query_number(query.offset.as_deref(), "offset", 0, 0..=1_000_000)?;
    let limit = query_number(query.limit.as_deref(), "limit", DEFAULT_PAGE, 1..=MAX_PAGE)?;
    let page = shares::list(state.store.as_ref(), &principal, offset, limit).await?;
    Ok(Json(SecretList {
        secrets: page
            .secrets
            .iter()
            .map(|meta| ListedShare {
                share: ShareFields::new(meta, meta.views_remaining),
                is_password_protected: shares::needs_password(meta),
            })
            .collect(),
        total_count: page.total,
    }))
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
        &sharing(&state),
        &principal,
        &id,
        body.password,
        body.recipient_token,
        max_failures,
    )
    .await?;
    Ok(Json(AccessedShare {
        share: ShareFields::new(&view.meta, view.views_before),
        secret_value: view.envelope,
    }))
}

/// The access log of one secret.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AccessLogView {
    id: String,
    events: Vec<EntryView>,
}

/// `GET /api/v1/shared-secrets/{id}/access-log`: for the creator only.
async fn access_log(
    State(state): State<AppState>,
    principal: Principal,
    SecretId(id): SecretId,
) -> Result<Json<AccessLogView>, ApiError> {
    let entries = shares::access_log(state.store.as_ref(), &principal, &id).await?;
    Ok(Json(AccessLogView {
        id,
        events: entries.into_iter().map(EntryView::from).collect(),
    }))
}

/// `DELETE /api/v1/shared-secrets/{id}`: with `X-Delete-Token`, or by the signed-in creator.
async fn delete_secret(
    State(state): State<AppState>,
    principal: Principal,
    SecretId(id): SecretId,
    headers: HeaderMap,
) -> Result<Json<ShareFields>, ApiError> {
    let token = headers.get("x-delete-token").map(|t| t.as_bytes());
    let meta = shares::delete(state.store.as_ref(), &principal, &id, token).await?;
    Ok(Json(ShareFields::new(&meta, meta.views_remaining)))
}
