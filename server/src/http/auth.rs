//! The account API: sign-up, verification, login and logout, the session's profile and organization, password change and reset, Universal Auth for machine identities, and invitations.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::AppState;
use super::error::ApiError;
use super::extract::{
    ApiJson, Caller, ClientKey, Credential, SECURE_SESSION_COOKIE, SESSION_COOKIE,
};
use crate::accounts::AccountError;
use crate::accounts::sessions::SignedIn;
use crate::clock::now_millis;
use crate::policy;

/// Routes under `/api`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/signup", post(sign_up))
        .route("/api/v1/auth/verify", post(verify))
        .route("/api/v1/auth/login", post(log_in))
        .route("/api/v1/auth/token", post(token))
        .route("/api/v1/auth/logout", post(log_out))
        .route("/api/v1/auth/logout-all", post(log_out_everywhere))
        .route("/api/v1/auth/me", get(me).delete(delete_account))
        .route("/api/v1/auth/session", get(session))
        .route("/api/v1/auth/password", post(change_password))
        .route("/api/v1/auth/password-reset", post(request_reset))
        .route("/api/v1/auth/password-reset/confirm", post(confirm_reset))
        .route("/api/v1/auth/current-organization", post(set_current_org))
        .route(
            "/api/v1/auth/universal-auth/login",
            post(universal_auth_login),
        )
        .route("/api/v1/invites/lookup", post(lookup_invite))
        .route("/api/v1/invites/accept", post(accept_invite))
}

/// The API's answer to an account use case that did not go through.
impl From<AccountError> for ApiError {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::Denied(denial) => denial.into(),
            AccountError::Invalid(message) => ApiError::bad_request(message),
            AccountError::Unauthorized(message) => ApiError::unauthorized(message),
            AccountError::Forbidden(message) => ApiError::forbidden(message),
            AccountError::NotFound(message) => ApiError::not_found(message),
            AccountError::Conflict(message) => ApiError::new(StatusCode::CONFLICT, message),
            AccountError::TooMany {
                message,
                retry_after_secs,
            } => ApiError::new(StatusCode::TOO_MANY_REQUESTS, message)
                .with_retry_after(retry_after_secs),
            AccountError::MailUnavailable => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "This server cannot send e-mail right now, and this needs one",
            ),
            AccountError::Store(e) => e.into(),
            AccountError::Internal(cause) => ApiError::internal(cause),
        }
    }
}

/// The `Set-Cookie` value of a session (`max_age` 0 clears it).
pub fn session_cookie(state: &AppState, token: &str, max_age: i64) -> HeaderValue {
    let cookie = if state.config.is_https() {
        format!(
            "{SECURE_SESSION_COOKIE}={token}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax; Secure"
        )
    } else {
        format!("{SESSION_COOKIE}={token}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax")
    };
    HeaderValue::from_str(&cookie).expect("tokens are base64url")
}

/// 204 with the session cookie cleared.
fn signed_out(state: &AppState) -> Response {
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session_cookie(state, "", 0));
    response
}

/// A signed-in answer: the cookie and the profile.
async fn signed_in(
    state: &AppState,
    session: SignedIn,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let profile = state
        .accounts
        .profile(session.user.id, session.current_org, now_millis())
        .await?;
    let mut response = (status, Json(json!({ "user": profile }))).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie(state, &session.token, session.max_age_secs),
    );
    Ok(response)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SignUp {
    email: String,
    password: String,
    #[serde(default)]
    invite_token: Option<String>,
}

/// `POST /api/v1/auth/signup`: e-mails a code; the same answer whether or not the address
/// has an account.
async fn sign_up(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<SignUp>,
) -> Result<Response, ApiError> {
    let started = state
        .accounts
        .sign_up(
            &body.email,
            body.password,
            body.invite_token.as_deref(),
            now_millis(),
        )
        .await?;
    Ok((StatusCode::ACCEPTED, Json(started)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Verify {
    email: String,
    code: String,
}

/// `POST /api/v1/auth/verify`: the e-mailed code creates the account and signs it in.
async fn verify(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<Verify>,
) -> Result<Response, ApiError> {
    let session = state
        .accounts
        .verify_sign_up(&body.email, &body.code, now_millis())
        .await?;
    signed_in(&state, session, StatusCode::CREATED).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Login {
    email: String,
    password: String,
}

/// `POST /api/v1/auth/login`: a session cookie.
async fn log_in(
    State(state): State<AppState>,
    ClientKey(client): ClientKey,
    ApiJson(body): ApiJson<Login>,
) -> Result<Response, ApiError> {
    let session = state
        .accounts
        .log_in(&body.email, body.password, &client, now_millis())
        .await?;
    signed_in(&state, session, StatusCode::OK).await
}

/// `POST /api/v1/auth/token`: the same check as login, answered with a bearer token instead of
/// a cookie (for the CLI and scripts of a user).
async fn token(
    State(state): State<AppState>,
    ClientKey(client): ClientKey,
    ApiJson(body): ApiJson<Login>,
) -> Result<Response, ApiError> {
    let session = state
        .accounts
        .log_in(&body.email, body.password, &client, now_millis())
        .await?;
    Ok(Json(json!({
        "accessToken": session.token,
        "expiresIn": session.max_age_secs,
        "tokenType": "Bearer",
        "userId": session.user.id,
        "currentOrganizationId": session.current_org,
    }))
    .into_response())
}

/// `POST /api/v1/auth/logout`: ends this session (cookie or bearer) and clears the cookie.
async fn log_out(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    if let Some(token) = caller.session_token() {
        state.accounts.end_session(token, now_millis()).await?;
    }
    Ok(signed_out(&state))
}

/// `POST /api/v1/auth/logout-all`: ends every session of the user, everywhere.
async fn log_out_everywhere(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let user = policy::require_user(&caller.principal)?;
    state.accounts.end_all_sessions(user, now_millis()).await?;
    Ok(signed_out(&state))
}

/// `GET /api/v1/auth/me`: the user, their organizations and the current one.
async fn me(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    let user = policy::require_user(&caller.principal)?;
    let profile = state
        .accounts
        .profile(user, caller.principal.org(), now_millis())
        .await?;
    Ok(Json(json!({ "user": profile })).into_response())
}

/// `GET /api/v1/auth/session`: `{user}` with the profile when signed in, `{user: null}` when
/// not. The share pages ask it on every visit, so an anonymous visitor gets an answer, not a 401.
async fn session(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    let Ok(user) = policy::require_user(&caller.principal) else {
        return Ok(Json(json!({ "user": null })).into_response());
    };
    let profile = state
        .accounts
        .profile(user, caller.principal.org(), now_millis())
        .await?;
    Ok(Json(json!({ "user": profile })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordOnly {
    password: String,
}

/// `DELETE /api/v1/auth/me` with `{password}`: deletes the account.
async fn delete_account(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<PasswordOnly>,
) -> Result<Response, ApiError> {
    let user = policy::require_user(&caller.principal)?;
    state
        .accounts
        .delete_account(user, body.password, now_millis())
        .await?;
    Ok(signed_out(&state))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ChangePassword {
    current_password: String,
    new_password: String,
}

/// `POST /api/v1/auth/password`: every session ends; the caller gets a new cookie.
async fn change_password(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<ChangePassword>,
) -> Result<Response, ApiError> {
    let user = policy::require_user(&caller.principal)?;
    let session = state
        .accounts
        .change_password(
            user,
            body.current_password,
            body.new_password,
            caller.principal.org(),
            now_millis(),
        )
        .await?;
    let bearer = matches!(caller.credential, Credential::Bearer(_));
    if bearer {
        return Ok(Json(json!({
            "accessToken": session.token,
            "expiresIn": session.max_age_secs,
            "tokenType": "Bearer",
        }))
        .into_response());
    }
    signed_in(&state, session, StatusCode::OK).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResetRequest {
    email: String,
}

/// `POST /api/v1/auth/password-reset`: e-mails a reset link if the address has an account;
/// the answer is the same either way.
async fn request_reset(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<ResetRequest>,
) -> Result<Response, ApiError> {
    state
        .accounts
        .request_reset(&body.email, now_millis())
        .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ "message": "If this address has an account, a reset link is on its way" })),
    )
        .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ConfirmReset {
    token: String,
    new_password: String,
}

/// `POST /api/v1/auth/password-reset/confirm`: the link's token sets a new password, once.
async fn confirm_reset(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<ConfirmReset>,
) -> Result<Response, ApiError> {
    state
        .accounts
        .confirm_reset(&body.token, body.new_password, now_millis())
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct CurrentOrg {
    organization_id: Option<Uuid>,
}

/// `POST /api/v1/auth/current-organization`: the organization this session acts in.
async fn set_current_org(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<CurrentOrg>,
) -> Result<Response, ApiError> {
    let user = policy::require_user(&caller.principal)?;
    let token = caller
        .session_token()
        .ok_or_else(|| ApiError::unauthorized("Authentication required"))?;
    let now = now_millis();
    state
        .accounts
        .set_current_org(token, user, body.organization_id, now)
        .await?;
    let profile = state
        .accounts
        .profile(user, body.organization_id, now)
        .await?;
    Ok(Json(json!({ "user": profile })).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct UniversalAuth {
    client_id: String,
    client_secret: String,
}

/// `POST /api/v1/auth/universal-auth/login`: a machine identity's access token.
async fn universal_auth_login(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<UniversalAuth>,
) -> Result<Response, ApiError> {
    let token = state
        .accounts
        .universal_auth_login(&body.client_id, &body.client_secret, now_millis())
        .await?;
    Ok(Json(token).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InviteToken {
    token: String,
}

/// `POST /api/v1/invites/lookup`: what an invitation is for (the token travels in the body,
/// never in a URL).
async fn lookup_invite(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<InviteToken>,
) -> Result<Response, ApiError> {
    let view = state
        .accounts
        .describe_invitation(&body.token, now_millis())
        .await?;
    Ok(Json(json!({ "invitation": view })).into_response())
}

/// `POST /api/v1/invites/accept`: joins the organization (signed in with the invited address).
async fn accept_invite(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<InviteToken>,
) -> Result<Response, ApiError> {
    let user = policy::require_user(&caller.principal)?;
    let now = now_millis();
    let org = state.accounts.accept_invite(&body.token, user, now).await?;
    if let Some(token) = caller.session_token() {
        state
            .accounts
            .set_current_org(token, user, Some(org), now)
            .await?;
    }
    let profile = state.accounts.profile(user, Some(org), now).await?;
    Ok(Json(json!({ "user": profile })).into_response())
}
