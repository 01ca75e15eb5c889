//! The organization API: create and list organizations; members, roles, invitations and machine identities (admins).

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, patch, post};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::AppState;
use super::error::ApiError;
use super::extract::{ApiJson, Caller};
use crate::clock::{format_timestamp, now_millis};
use crate::policy::{self, Role};

/// Routes under `/api`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/organizations", get(list_orgs).post(create_org))
        .route("/api/v1/organizations/{org}/members", get(members))
        .route(
            "/api/v1/organizations/{org}/secret-sharing",
            get(sharing_settings).patch(change_sharing_settings),
        )
        .route(
            "/api/v1/organizations/{org}/members/{user}",
            patch(set_role).delete(remove_member),
        )
        .route(
            "/api/v1/organizations/{org}/invites",
            get(invites).post(invite),
        )
        .route(
            "/api/v1/organizations/{org}/invites/{invite}",
            delete(revoke_invite),
        )
        .route(
            "/api/v1/organizations/{org}/identities",
            get(identities).post(create_identity),
        )
        .route(
            "/api/v1/organizations/{org}/identities/{identity}",
            delete(delete_identity),
        )
        .route(
            "/api/v1/organizations/{org}/identities/{identity}/client-secrets",
            post(add_client_secret),
        )
        .route(
            "/api/v1/organizations/{org}/identities/{identity}/client-secrets/{secret}",
            delete(revoke_client_secret),
        )
}

/// Path segments that must be UUIDs (400 otherwise).
pub(crate) fn ids<const N: usize>(segments: Vec<String>) -> Result<[Uuid; N], ApiError> {
    let parsed: Vec<Uuid> = segments
        .iter()
        .map(|s| Uuid::parse_str(s).map_err(|_| ApiError::bad_request("Invalid id in the path")))
        .collect::<Result<_, _>>()?;
    parsed
        .try_into()
        .map_err(|_| ApiError::bad_request("Invalid id in the path"))
}

/// The signed-in user behind a request (organization routes take no machine identity).
pub(crate) fn user(caller: &Caller) -> Result<Uuid, ApiError> {
    Ok(policy::require_user(&caller.principal)?)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewOrg {
    name: String,
}

/// `POST /api/v1/organizations`: the caller becomes its admin, and the session acts in it.
async fn create_org(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewOrg>,
) -> Result<Response, ApiError> {
    let me = user(&caller)?;
    let now = now_millis();
    let org = state.accounts.create_org(me, &body.name, now).await?;
    if let Some(token) = caller.session_token() {
        state
            .accounts
            .set_current_org(token, me, Some(org.id), now)
            .await?;
    }
    Ok((
        StatusCode::CREATED,
        Json(json!({ "organization": {
            "id": org.id,
            "name": org.name,
            "createdAt": format_timestamp(org.created_at),
            "role": Role::Admin,
        }})),
    )
        .into_response())
}

/// `GET /api/v1/organizations`: the caller's organizations.
async fn list_orgs(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    let me = user(&caller)?;
    let profile = state
        .accounts
        .profile(me, caller.principal.org(), now_millis())
        .await?;
    Ok(Json(json!({
        "organizations": profile.organizations,
        "currentOrganizationId": profile.current_organization_id,
    }))
    .into_response())
}

/// `GET /api/v1/organizations/{org}/members` (admins).
async fn members(
    State(state): State<AppState>,
    caller: Caller,
    Path(org): Path<String>,
) -> Result<Response, ApiError> {
    let [org] = ids(vec![org])?;
    let members = state
        .accounts
        .members(org, user(&caller)?, now_millis())
        .await?;
    Ok(Json(json!({ "members": members })).into_response())
}

/// `GET /api/v1/organizations/{org}/secret-sharing` (members): the organization's sharing
/// settings.
async fn sharing_settings(
    State(state): State<AppState>,
    caller: Caller,
    Path(org): Path<String>,
) -> Result<Response, ApiError> {
    let [org] = ids(vec![org])?;
    let settings = state
        .accounts
        .sharing_settings(org, user(&caller)?, now_millis())
        .await?;
    Ok(Json(settings).into_response())
}

/// A field that may be absent (keep), `null` (clear) or a value.
pub(crate) fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// Body of `PATCH …/secret-sharing`: the fields to change. The limits are any JSON number
/// (`3600` and `3600.0` are the same integer to JSON and to OpenAPI), checked to be whole and in
/// range.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SharingChange {
    #[serde(default)]
    allow_secret_sharing_outside_organization: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    max_shared_secret_lifetime: Option<Option<serde_json::Number>>,
    #[serde(default, deserialize_with = "present")]
    max_shared_secret_view_limit: Option<Option<serde_json::Number>>,
    #[serde(default)]
    require_shared_secret_password: Option<bool>,
}

/// A limit as a `u32`, or the setting's message (400) for a fraction, a negative number or one
/// too large; the bounds themselves are checked with the others (`SharingSettings::validate`).
fn limit(value: Option<serde_json::Number>, name: &str) -> Result<Option<u32>, ApiError> {
    let Some(n) = value else {
        return Ok(None);
    };
    match crate::shares::validate::whole_number(&n).map(u32::try_from) {
        Some(Ok(v)) => Ok(Some(v)),
        _ => Err(ApiError::bad_request(format!(
            "{name} must be a whole number in its range"
        ))),
    }
}

/// `PATCH /api/v1/organizations/{org}/secret-sharing` (admins): changes the named settings;
/// `null` clears a limit.
async fn change_sharing_settings(
    State(state): State<AppState>,
    caller: Caller,
    Path(org): Path<String>,
    ApiJson(change): ApiJson<SharingChange>,
) -> Result<Response, ApiError> {
    let [org] = ids(vec![org])?;
    let me = user(&caller)?;
    let now = now_millis();
    let mut settings = state.accounts.sharing_settings(org, me, now).await?;
    if let Some(v) = change.allow_secret_sharing_outside_organization {
        settings.allow_secret_sharing_outside_organization = v;
    }
    if let Some(v) = change.max_shared_secret_lifetime {
        settings.max_shared_secret_lifetime = limit(v, "maxSharedSecretLifetime")?;
    }
    if let Some(v) = change.max_shared_secret_view_limit {
        settings.max_shared_secret_view_limit = limit(v, "maxSharedSecretViewLimit")?;
    }
    if let Some(v) = change.require_shared_secret_password {
        settings.require_shared_secret_password = v;
    }
    let saved = state
        .accounts
        .set_sharing_settings(org, me, settings, now)
        .await?;
    Ok(Json(saved).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetRole {
    role: Role,
}

/// `PATCH /api/v1/organizations/{org}/members/{user}` `{role}` (admins).
async fn set_role(
    State(state): State<AppState>,
    caller: Caller,
    Path((org, member)): Path<(String, String)>,
    ApiJson(body): ApiJson<SetRole>,
) -> Result<Response, ApiError> {
    let [org, member] = ids(vec![org, member])?;
    let view = state
        .accounts
        .set_role(org, user(&caller)?, member, body.role, now_millis())
        .await?;
    Ok(Json(json!({ "member": view })).into_response())
}

/// `DELETE /api/v1/organizations/{org}/members/{user}`: an admin removes a member, or a
/// member leaves.
async fn remove_member(
    State(state): State<AppState>,
    caller: Caller,
    Path((org, member)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let [org, member] = ids(vec![org, member])?;
    state
        .accounts
        .remove_member(org, user(&caller)?, member, now_millis())
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewInvite {
    email: String,
    #[serde(default)]
    role: Option<Role>,
}

/// `POST /api/v1/organizations/{org}/invites` `{email, role?}` (admins): e-mails the link.
async fn invite(
    State(state): State<AppState>,
    caller: Caller,
    Path(org): Path<String>,
    ApiJson(body): ApiJson<NewInvite>,
) -> Result<Response, ApiError> {
    let [org] = ids(vec![org])?;
    let view = state
        .accounts
        .invite(
            org,
            user(&caller)?,
            &body.email,
            body.role.unwrap_or(Role::Member),
            now_millis(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(json!({ "invite": view }))).into_response())
}

/// `GET /api/v1/organizations/{org}/invites` (admins).
async fn invites(
    State(state): State<AppState>,
    caller: Caller,
    Path(org): Path<String>,
) -> Result<Response, ApiError> {
    let [org] = ids(vec![org])?;
    let list = state
        .accounts
        .invites(org, user(&caller)?, now_millis())
        .await?;
    Ok(Json(json!({ "invites": list })).into_response())
}

/// `DELETE /api/v1/organizations/{org}/invites/{invite}` (admins).
async fn revoke_invite(
    State(state): State<AppState>,
    caller: Caller,
    Path((org, invite)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let [org, invite] = ids(vec![org, invite])?;
    state
        .accounts
        .revoke_invite(org, user(&caller)?, invite, now_millis())
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewIdentity {
    name: String,
}

/// `POST /api/v1/organizations/{org}/identities` `{name}` (admins): the client secret is in
/// this answer only.
async fn create_identity(
    State(state): State<AppState>,
    caller: Caller,
    Path(org): Path<String>,
    ApiJson(body): ApiJson<NewIdentity>,
) -> Result<Response, ApiError> {
    let [org] = ids(vec![org])?;
    let (identity, secret) = state
        .accounts
        .create_identity(org, user(&caller)?, &body.name, now_millis())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "identity": identity,
            "clientSecretId": secret.client_secret_id,
            "clientSecret": secret.client_secret,
        })),
    )
        .into_response())
}

/// `GET /api/v1/organizations/{org}/identities` (admins).
async fn identities(
    State(state): State<AppState>,
    caller: Caller,
    Path(org): Path<String>,
) -> Result<Response, ApiError> {
    let [org] = ids(vec![org])?;
    let list = state
        .accounts
        .identities(org, user(&caller)?, now_millis())
        .await?;
    Ok(Json(json!({ "identities": list })).into_response())
}

/// `DELETE /api/v1/organizations/{org}/identities/{identity}` (admins).
async fn delete_identity(
    State(state): State<AppState>,
    caller: Caller,
    Path((org, identity)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let [org, identity] = ids(vec![org, identity])?;
    state
        .accounts
        .delete_identity(org, user(&caller)?, identity, now_millis())
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /api/v1/organizations/{org}/identities/{identity}/client-secrets` (admins): rotation.
async fn add_client_secret(
    State(state): State<AppState>,
    caller: Caller,
    Path((org, identity)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let [org, identity] = ids(vec![org, identity])?;
    let secret = state
        .accounts
        .add_client_secret(org, user(&caller)?, identity, now_millis())
        .await?;
    Ok((StatusCode::CREATED, Json(secret)).into_response())
}

/// `DELETE …/client-secrets/{secret}` (admins): revocation, effective at once.
async fn revoke_client_secret(
    State(state): State<AppState>,
    caller: Caller,
    Path((org, identity, secret)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let [org, identity, secret] = ids(vec![org, identity, secret])?;
    state
        .accounts
        .revoke_client_secret(org, user(&caller)?, identity, secret, now_millis())
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
