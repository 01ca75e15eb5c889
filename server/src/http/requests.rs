//! The secret-requests API (`/api/v1/shared-secrets/requests`): create, view, answer once (`set-value`), reveal and delete by the requester, list own.

use axum::Json;
use axum::Router;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::error::ApiError;
use super::extract::{ApiJson, OptionalJson};
use super::limits::{self, CreateQuota};
use super::shares::{DEFAULT_PAGE, ListQuery, MAX_PAGE, query_number};
use crate::clock::{format_timestamp, now_millis};
use crate::domain::AccessType;
use crate::policy::Principal;
use crate::requests::record::{MAX_OPEN_PER_OWNER, RequestRecord, RequesterInfo};
use crate::requests::validate::CreateRequestBody;
use crate::requests::{RequestError, Requests};

/// The one answer for unknown, expired, revealed and deleted requests.
pub const NOT_FOUND_MESSAGE: &str = "Secret request not found";
/// Said to every answer after the first.
pub const ALREADY_ANSWERED: &str = "Secret request has already been fulfilled";
/// Said to a reveal before the answer.
pub const NOT_ANSWERED: &str = "Secret request has not been answered yet";
/// Said to an anonymous requester without a requester token.
pub const TOKEN_REQUIRED: &str = "Authentication required: sign in, or send a requesterToken \
     (with it, and only with it, you reveal the answer)";
/// The header that carries the requester token on `DELETE` (which has no body).
pub const TOKEN_HEADER: &str = "x-requester-token";

/// Routes under `/api` (merged by [`super::router`]); creates count against `create_quota`.
pub fn router(create_quota: Option<CreateQuota>) -> Router<AppState> {
    let create = match create_quota {
        Some(quota) => post(create_request).layer(axum::middleware::from_fn_with_state(
            quota,
            limits::create_quota,
        )),
        None => post(create_request),
    };
    Router::new()
        .route("/api/v1/shared-secrets/requests", create.get(list_requests))
        .route(
            "/api/v1/shared-secrets/requests/{id}",
            get(get_request).delete(delete_request),
        )
        .route(
            "/api/v1/shared-secrets/requests/{id}/set-value",
            post(set_value),
        )
        .route(
            "/api/v1/shared-secrets/requests/{id}/reveal-value",
            post(reveal_value),
        )
}

impl From<RequestError> for ApiError {
    fn from(e: RequestError) -> Self {
        match e {
            RequestError::Invalid(invalid) => invalid.into(),
            RequestError::NotFound => ApiError::not_found(NOT_FOUND_MESSAGE),
            RequestError::CreateNeedsAccount => ApiError::unauthorized(
                "Authentication required to create organization-only secret requests",
            ),
            RequestError::TokenRequired => ApiError::unauthorized(TOKEN_REQUIRED),
            RequestError::CreateNeedsOrganization => ApiError::bad_request(
                "Organization-only secret requests need a current organization: create or join one first",
            ),
            RequestError::ViewNeedsAccount => {
                ApiError::unauthorized("Authentication required to view this secret request")
            }
            RequestError::ViewForbidden | RequestError::NotRequester => {
                ApiError::forbidden("You do not have access to this secret request")
            }
            RequestError::RequesterCredentialsRequired => ApiError::unauthorized(
                "Authentication required: sign in as the requester, or send the requester token",
            ),
            RequestError::AlreadyAnswered => ApiError::new(StatusCode::CONFLICT, ALREADY_ANSWERED),
            RequestError::NotAnswered => ApiError::new(StatusCode::CONFLICT, NOT_ANSWERED),
            RequestError::TooManyOpen => ApiError::new(
                StatusCode::CONFLICT,
                format!(
                    "You have {MAX_OPEN_PER_OWNER} open secret requests: delete some, or wait \
                     for them to be answered or to expire, before making more"
                ),
            ),
            RequestError::ListNeedsAccount => ApiError::unauthorized("Authentication required"),
            RequestError::Account(e) => e.into(),
            RequestError::Store(e) => e.into(),
            RequestError::Internal(cause) => ApiError::internal(cause),
        }
    }
}

/// A path `{id}` that is a well-formed request id (else 400 "Invalid secret request ID").
pub struct RequestId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for RequestId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let invalid = || ApiError::bad_request("Invalid secret request ID");
        let Path(id) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| invalid())?;
        if crate::shares::validate::is_secret_id(&id) {
            Ok(RequestId(id))
        } else {
            Err(invalid())
        }
    }
}

/// A request as every answer shows it (never the answer, the token's digest or the owner).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestView {
    id: String,
    name: Option<String>,
    access_type: AccessType,
    created_at: String,
    expires_at: String,
    public_key: String,
    is_answered: bool,
    answered_at: Option<String>,
    keep_answer: bool,
    requester: Option<RequesterInfo>,
    /// The requester's organization, so the answer page can load its branding.
    org_id: Option<String>,
}

impl From<&RequestRecord> for RequestView {
    fn from(r: &RequestRecord) -> Self {
        Self {
            id: r.id.clone(),
            name: r.name.clone(),
            access_type: r.access_type,
            created_at: format_timestamp(r.created_at),
            expires_at: format_timestamp(r.expires_at),
            public_key: r.public_key.clone(),
            is_answered: r.answer.is_some(),
            answered_at: r.answered_at.map(format_timestamp),
            keep_answer: r.keep_answer,
            requester: r.requester.clone(),
            org_id: r.org().map(|org| org.to_string()),
        }
    }
}

/// Answer to create: the view and the two links (clients add their fragments).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreatedRequest {
    #[serde(flatten)]
    request: RequestView,
    answer_link: String,
    requester_link: String,
}

/// Answer to `reveal-value`: the view and the sealed answer.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RevealedRequest {
    #[serde(flatten)]
    request: RequestView,
    secret_value: String,
}

/// A page of own requests.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RequestList {
    secret_requests: Vec<RequestView>,
    total_count: u64,
}

/// Body of `set-value`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SetValueBody {
    secret_value: String,
}

/// Body of `reveal-value` (may be empty).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RevealBody {
    #[serde(default)]
    requester_token: Option<String>,
}

fn requests(state: &AppState) -> Requests<'_> {
    Requests {
        kv: state.kv.as_ref(),
        accounts: state.accounts.as_ref(),
        base: state.config.public_base(),
    }
}

/// `POST /api/v1/shared-secrets/requests`.
async fn create_request(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(body): ApiJson<CreateRequestBody>,
) -> Result<Json<CreatedRequest>, ApiError> {
    let record = requests(&state)
        .create(&principal, body, now_millis())
        .await?;
    let base = state.config.public_base();
    Ok(Json(CreatedRequest {
        answer_link: format!("{base}/r/{}", record.id),
        requester_link: format!("{base}/r/{}/open", record.id),
        request: RequestView::from(&record),
    }))
}

/// `GET /api/v1/shared-secrets/requests/{id}`: the request; spends nothing.
async fn get_request(
    State(state): State<AppState>,
    principal: Principal,
    RequestId(id): RequestId,
) -> Result<Json<RequestView>, ApiError> {
    let record = requests(&state).view(&principal, &id, now_millis()).await?;
    Ok(Json(RequestView::from(&record)))
}

/// `POST /api/v1/shared-secrets/requests/{id}/set-value`: the answer, once.
async fn set_value(
    State(state): State<AppState>,
    principal: Principal,
    RequestId(id): RequestId,
    ApiJson(body): ApiJson<SetValueBody>,
) -> Result<Json<RequestView>, ApiError> {
    let record = requests(&state)
        .set_value(&principal, &id, body.secret_value, now_millis())
        .await?;
    Ok(Json(RequestView::from(&record)))
}

/// `POST /api/v1/shared-secrets/requests/{id}/reveal-value`: the sealed answer, for the requester.
async fn reveal_value(
    State(state): State<AppState>,
    principal: Principal,
    RequestId(id): RequestId,
    OptionalJson(body): OptionalJson<RevealBody>,
) -> Result<Json<RevealedRequest>, ApiError> {
    let mut record = requests(&state)
        .reveal(
            &principal,
            &id,
            body.requester_token.as_deref(),
            now_millis(),
        )
        .await?;
    let secret_value = record.answer.take().unwrap_or_default();
    Ok(Json(RevealedRequest {
        request: RequestView {
            is_answered: true,
            ..RequestView::from(&record)
        },
        secret_value,
    }))
}

/// `DELETE /api/v1/shared-secrets/requests/{id}`: by the requester (session or `X-Requester-Token`).
async fn delete_request(
    State(state): State<AppState>,
    principal: Principal,
    RequestId(id): RequestId,
    headers: HeaderMap,
) -> Result<Json<RequestView>, ApiError> {
    let token = headers.get(TOKEN_HEADER).and_then(|t| t.to_str().ok());
    let record = requests(&state)
        .delete(&principal, &id, token, now_millis())
        .await?;
    Ok(Json(RequestView::from(&record)))
}

/// `GET /api/v1/shared-secrets/requests?offset=&limit=`: the caller's open requests in their
/// current organization, newest first, and how many there are.
async fn list_requests(
    State(state): State<AppState>,
    principal: Principal,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<RequestList>, ApiError> {
    if principal == Principal::Anonymous {
        return Err(RequestError::ListNeedsAccount.into());
    }
    let Query(query) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let offset = query_number(query.offset.as_deref(), "offset", 0, 0..=1_000_000)?;
    let limit = query_number(query.limit.as_deref(), "limit", DEFAULT_PAGE, 1..=MAX_PAGE)?;
    let page = requests(&state)
        .list(&principal, offset, limit, now_millis())
        .await?;
    Ok(Json(RequestList {
        secret_requests: page.requests.iter().map(RequestView::from).collect(),
        total_count: page.total,
    }))
}
