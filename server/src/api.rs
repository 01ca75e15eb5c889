//! The /api/v1/shared-secrets handlers: extract, call one store function, shape the response.

use std::sync::LazyLock;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest as _, Sha256};

use crate::blocking::BlockingLimit;
use crate::error::ApiError;
use crate::limits::{self, CreateQuota};
use crate::metrics::{METRICS, Refusal};
use crate::policy::{self, Principal};
use crate::store::{
    AccessType, ConsumeOutcome, ConsumeRequest, DeleteOutcome, Digest, NewSecret, PasswordCheck,
    PasswordSalt, SecretMeta,
};
use crate::validate::{self, CreateSecretRequest};
use crate::{AppState, format_timestamp, now_millis, random_bytes};

/// The one answer for unknown, expired and used-up secrets.
pub const NOT_FOUND_MESSAGE: &str =
    "The shared secret you are looking for is missing or has expired";

/// Routes under `/api` (nested by [`crate::app`]); creates count against `create_quota`.
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
pub const OPENAPI_JSON: &str = include_str!("../../docs/openapi.json");

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
        Self {
            id: meta.id.clone(),
            expires_at: format_timestamp(meta.expires_at),
            created_at: format_timestamp(meta.created_at),
            updated_at: format_timestamp(meta.updated_at()),
            user_id: None,
            org_id: None,
            expires_after_views,
            access_type: meta.access_type,
            name: meta.name.clone(),
            last_viewed_at: meta.last_viewed_at.map(format_timestamp),
            kind: "share",
            authorized_emails: None,
            identity_id: None,
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

fn sha256(bytes: &[u8]) -> Digest {
    Sha256::digest(bytes).into()
}

/// Argon2id computations at once: one per core. Each holds 19 MiB; without a bound, a burst of
/// plain-password requests would take memory in proportion to the burst.
static ARGON2_LIMIT: LazyLock<BlockingLimit> = LazyLock::new(|| BlockingLimit::per_core(1));

/// Argon2id hashes waiting for a thread, and running (for the metrics).
pub fn argon2_queue() -> (usize, usize) {
    (ARGON2_LIMIT.waiting(), ARGON2_LIMIT.running())
}

/// Argon2id(password, salt, m=19456 KiB, t=2, p=1), 32 bytes, on the blocking pool.
async fn argon2id(password: String, salt: PasswordSalt) -> Result<Digest, ApiError> {
    ARGON2_LIMIT
        .run(move || {
            let params = argon2::Params::new(19_456, 2, 1, Some(32))
                .map_err(|e| ApiError::internal(format!("argon2 params: {e}")))?;
            let argon =
                argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
            let mut out = [0u8; 32];
            argon
                .hash_password_into(password.as_bytes(), &salt, &mut out)
                .map_err(|e| ApiError::internal(format!("argon2: {e}")))?;
            Ok(out)
        })
        .await
        .map_err(|e| ApiError::internal(format!("argon2 task: {e}")))?
}

/// What to store for a creator's password: SHA-256 of a verifier, or Argon2id of a plain one.
async fn password_check(password: String) -> Result<PasswordCheck, ApiError> {
    if validate::is_verifier(&password) {
        return Ok(PasswordCheck {
            digest: sha256(password.as_bytes()),
            salt: None,
        });
    }
    let salt: PasswordSalt = random_bytes();
    Ok(PasswordCheck {
        digest: argon2id(password, salt).await?,
        salt: Some(salt),
    })
}

fn not_found() -> ApiError {
    ApiError::not_found(NOT_FOUND_MESSAGE)
}

/// `POST /api/v1/shared-secrets` and `POST /api/v1/shared-secrets/public`.
async fn create_secret(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(request): ApiJson<CreateSecretRequest>,
) -> Result<Json<CreatedShare>, ApiError> {
    // The policy first: it needs only the access type and whether e-mails were named, and a
    // caller who may not restrict a secret gets no work spent on validating a long list.
    let access_type = request
        .access_type
        .unwrap_or_else(|| policy::default_access_type(&principal));
    let names_emails = request
        .authorized_emails
        .as_ref()
        .is_some_and(|list| !list.is_empty());
    policy::authorize_create(&principal, access_type, names_emails)?;
    let valid = validate::create(request)?;
    let password = match valid.password {
        Some(pw) => Some(password_check(pw).await?),
        None => None,
    };
    let now = now_millis();
    // 16 bytes of id and 32 of delete token, in one request to the operating system.
    let random: [u8; 48] = random_bytes();
    let id = URL_SAFE_NO_PAD.encode(&random[..16]);
    let delete_token = URL_SAFE_NO_PAD.encode(&random[16..]);
    let secret = NewSecret {
        id: id.clone(),
        envelope: valid.envelope,
        envelope_header: valid.envelope_header,
        name: valid.name,
        access_type,
        created_at: now,
        expires_at: now + valid.lifetime_ms,
        max_views: valid.max_views,
        password,
        delete_token_digest: sha256(delete_token.as_bytes()),
    };
    let meta = SecretMeta {
        id: id.clone(),
        envelope_header: secret.envelope_header.clone(),
        name: secret.name.clone(),
        access_type,
        created_at: now,
        expires_at: secret.expires_at,
        views_remaining: secret.max_views,
        last_viewed_at: None,
        password_protected: secret.password.is_some(),
        password_salt: None,
    };
    state.store.create(secret).await?;
    METRICS.secret_created();
    Ok(Json(CreatedShare {
        share: ShareFields::new(&meta, meta.views_remaining),
        shared_secret_link: format!("{}/s/{id}", state.config.public_base()),
        delete_token,
    }))
}

/// `GET /api/v1/shared-secrets`: listing needs an account.
async fn list_secrets(principal: Principal) -> Result<Json<serde_json::Value>, ApiError> {
    policy::authorize_list(&principal)?;
    Ok(Json(json!({ "secrets": [], "totalCount": 0 })))
}

/// `GET /api/v1/shared-secrets/{id}`: metadata; never consumes a view.
async fn get_secret(
    State(state): State<AppState>,
    SecretId(id): SecretId,
) -> Result<Json<ShareMetadata>, ApiError> {
    let meta = state
        .store
        .metadata(&id, now_millis())
        .await?
        .ok_or_else(not_found)?;
    Ok(Json(ShareMetadata {
        share: ShareFields::new(&meta, meta.views_remaining),
        is_password_protected: needs_password(&meta),
        envelope_header: meta.envelope_header.clone(),
    }))
}

/// Whether a reader must type a password: the envelope's mode says so (`key+password` or
/// `password`), or a non-zkshare client set a plain password. A verifier alone is no password:
/// zkshare clients send one for every secret, and in mode `key` the link alone derives it.
fn needs_password(meta: &SecretMeta) -> bool {
    let mode = zkshare_format::b64::decode(&meta.envelope_header)
        .ok()
        .and_then(|header| header.get(1).copied())
        .and_then(zkshare_format::Mode::from_byte);
    mode.is_some_and(zkshare_format::Mode::needs_password) || meta.password_salt.is_some()
}

/// `POST /api/v1/shared-secrets/{id}/access`: consumes one view atomically.
async fn access_secret(
    State(state): State<AppState>,
    principal: Principal,
    SecretId(id): SecretId,
    AccessBody(body): AccessBody,
) -> Result<Json<AccessedShare>, ApiError> {
    let now = now_millis();
    let digest = match body.password.filter(|p| !p.is_empty()) {
        None => None,
        Some(pw) if validate::is_verifier(&pw) => Some(sha256(pw.as_bytes())),
        Some(pw) => {
            // A plain password: its Argon2id salt is per secret, so read it first.
            let meta = state
                .store
                .metadata(&id, now)
                .await?
                .ok_or_else(not_found)?;
            match meta.password_salt {
                Some(salt) if pw.chars().count() <= validate::MAX_PLAIN_PASSWORD_CHARS => {
                    Some(argon2id(pw, salt).await?)
                }
                _ => Some(sha256(pw.as_bytes())),
            }
        }
    };
    let request = ConsumeRequest {
        digest,
        // Again: an Argon2id computation may have waited for its turn.
        now: now_millis(),
        max_failures: state.config.max_password_failures,
        allow_restricted: policy::may_view_restricted(&principal),
    };
    match state.store.consume(&id, request).await? {
        ConsumeOutcome::Granted(view) => {
            METRICS.view_granted();
            Ok(Json(AccessedShare {
                share: ShareFields::new(&view.meta, view.views_before),
                secret_value: view.envelope,
            }))
        }
        ConsumeOutcome::NotFound => {
            METRICS.view_refused(Refusal::NotFound);
            Err(not_found())
        }
        ConsumeOutcome::Restricted(access_type) => {
            METRICS.view_refused(Refusal::Restricted);
            Err(policy::view_denied(&principal, access_type))
        }
        ConsumeOutcome::PasswordRequired { destroyed, .. } => {
            METRICS.view_refused(Refusal::PasswordRequired);
            if destroyed {
                tracing::info!("secret destroyed after too many attempts without a password");
            }
            Err(ApiError::unauthorized(
                "Password is required to access this secret",
            ))
        }
        ConsumeOutcome::InvalidCredentials {
            destroyed,
            failures,
        } => {
            METRICS.view_refused(Refusal::InvalidCredentials);
            if destroyed {
                tracing::info!("secret destroyed after too many wrong passwords");
            }
            let refused = ApiError::unauthorized("Invalid credentials");
            // The reader may count down: "2 attempts left before the secret is destroyed". Only
            // where failures are counted: a counted failure makes `failures` at least 1, and a
            // key-mode secret, which no number of failures destroys, reports 0.
            if failures == 0 || state.config.max_password_failures == 0 {
                return Err(refused);
            }
            let left = state.config.max_password_failures.saturating_sub(failures);
            Err(refused.with_attempts_left(left))
        }
    }
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
    let digest = sha256(token.as_bytes());
    match state.store.delete(&id, digest, now_millis()).await? {
        DeleteOutcome::Deleted(meta) => Ok(Json(ShareFields::new(&meta, meta.views_remaining))),
        DeleteOutcome::NotFound => Err(not_found()),
        DeleteOutcome::Forbidden => {
            Err(ApiError::forbidden("You do not have access to this secret"))
        }
    }
}
