//! The branding API: admins set an organization's colours, name, logo and favicon; members read them; anyone reads the public branding, the images and the theme stylesheet.
//!
//! Three routers, because the uploads need a larger body limit than the rest of the API and the
//! images and stylesheet are served beside the pages, not under `/api`:
//! [`router`] (JSON, under `/api`), [`upload_router`] (multipart, full paths) and
//! [`public_router`] (`/branding/{org}/…`).

use axum::Json;
use axum::Router;
use axum::extract::multipart::{Multipart, MultipartError, MultipartRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::AppState;
use super::error::ApiError;
use super::extract::{ApiJson, Caller};
use super::orgs::{ids, present, user};
use crate::branding::image::{ImageError, ImageRole, MAX_IMAGE_BYTES};
use crate::branding::{Branding, BrandingChange, BrandingError, BrandingRecord};
use crate::clock::now_millis;

/// The body limit of the two upload routes: the largest image and room for the multipart
/// framing (boundaries and part headers).
pub const UPLOAD_BODY_LIMIT: usize = MAX_IMAGE_BYTES + 16 * 1024;

/// The Content-Security-Policy of a served image: it may load nothing and run nothing, even
/// when opened on its own.
pub const IMAGE_CSP: &str = "default-src 'none'";

/// Said when an organization has no branding, or does not exist.
pub const NOT_FOUND: &str = "Branding not found";

/// Said when the upload is not `multipart/form-data` with a part `file`.
pub const EXPECTED_MULTIPART: &str =
    "Expected a multipart/form-data body with one part named file (the image)";

/// JSON routes under `/api`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/organizations/{org}/branding",
            get(settings).patch(change).delete(reset),
        )
        .route("/api/v1/branding/{org}", get(public_branding))
}

/// The upload routes (full paths: merged beside `/api` with their own body limit).
pub fn upload_router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/organizations/{org}/branding/brand-logo",
            post(upload_logo).delete(remove_logo),
        )
        .route(
            "/api/v1/organizations/{org}/branding/brand-favicon",
            post(upload_favicon).delete(remove_favicon),
        )
}

/// The images and the stylesheet the pages load, same-origin.
pub fn public_router() -> Router<AppState> {
    Router::new()
        .route("/branding/{org}/logo", get(logo))
        .route("/branding/{org}/favicon", get(favicon))
        .route("/branding/{org}/theme.css", get(theme))
}

impl From<BrandingError> for ApiError {
    fn from(e: BrandingError) -> Self {
        match e {
            BrandingError::Denied(denial) => denial.into(),
            BrandingError::Invalid(invalid) => invalid.into(),
            BrandingError::Image(role, e) => image_error(role, &e),
            BrandingError::NotFound => ApiError::not_found(NOT_FOUND),
            BrandingError::Account(e) => e.into(),
            BrandingError::Store(e) => e.into(),
            BrandingError::Internal(cause) => ApiError::internal(cause),
        }
    }
}

fn image_error(role: ImageRole, e: &ImageError) -> ApiError {
    let message = e.message(role);
    match e {
        ImageError::TooLarge => ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, message),
        _ => ApiError::bad_request(message.clone())
            .with_details(json!([{ "path": ["file"], "message": message }])),
    }
}

fn branding(state: &AppState) -> Branding<'_> {
    Branding {
        kv: &*state.kv,
        accounts: &state.accounts,
    }
}

/// The same-origin URL of an image, with its version.
fn image_url(org: Uuid, role: ImageRole, version: &str) -> String {
    format!("/branding/{org}/{}?v={version}", role.name())
}

/// The branding as its admins and members see it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BrandingView {
    primary_color: Option<String>,
    secondary_color: Option<String>,
    display_name: Option<String>,
    logo_url: Option<String>,
    favicon_url: Option<String>,
}

impl BrandingView {
    fn of(org: Uuid, r: BrandingRecord) -> Self {
        Self {
            logo_url: r.logo.map(|i| image_url(org, ImageRole::Logo, &i.version)),
            favicon_url: r
                .favicon
                .map(|i| image_url(org, ImageRole::Favicon, &i.version)),
            primary_color: r.primary_color,
            secondary_color: r.secondary_color,
            display_name: r.display_name,
        }
    }
}

/// `GET /api/v1/organizations/{org}/branding` (members).
async fn settings(
    State(state): State<AppState>,
    caller: Caller,
    Path(org): Path<String>,
) -> Result<Response, ApiError> {
    let [org] = ids(vec![org])?;
    let record = branding(&state)
        .settings(org, user(&caller)?, now_millis())
        .await?;
    Ok(Json(BrandingView::of(org, record)).into_response())
}

/// Body of `PATCH …/branding`: absent keeps a field, `null` clears it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Change {
    #[serde(default, deserialize_with = "present")]
    primary_color: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    secondary_color: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    display_name: Option<Option<String>>,
}

/// `PATCH /api/v1/organizations/{org}/branding` (admins).
async fn change(
    State(state): State<AppState>,
    caller: Caller,
    Path(org): Path<String>,
    ApiJson(body): ApiJson<Change>,
) -> Result<Response, ApiError> {
    let [org] = ids(vec![org])?;
    let me = user(&caller)?;
    let change = BrandingChange {
        primary_color: body.primary_color,
        secondary_color: body.secondary_color,
        display_name: body.display_name,
    };
    let record = branding(&state)
        .change(org, me, change, now_millis())
        .await?;
    Ok(Json(BrandingView::of(org, record)).into_response())
}

/// `DELETE /api/v1/organizations/{org}/branding` (admins): back to the defaults.
async fn reset(
    State(state): State<AppState>,
    caller: Caller,
    Path(org): Path<String>,
) -> Result<Response, ApiError> {
    let [org] = ids(vec![org])?;
    branding(&state)
        .reset(org, user(&caller)?, now_millis())
        .await?;
    Ok(Json(BrandingView::of(org, BrandingRecord::default())).into_response())
}

/// The public branding of an organization.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PublicBranding {
    org_id: Uuid,
    display_name: Option<String>,
    primary_color: Option<String>,
    secondary_color: Option<String>,
    logo_url: Option<String>,
    favicon_url: Option<String>,
}

/// `GET /api/v1/branding/{org}` (anyone): 404 when there is none, or no such organization.
async fn public_branding(
    State(state): State<AppState>,
    Path(org): Path<String>,
) -> Result<Response, ApiError> {
    let [org] = ids(vec![org])?;
    // No branding and no such organization give the same answer: all nulls. Every page of an
    // organization's links asks, so an organization without branding must not cost its
    // visitors a failed request (browsers log a 404 as an error).
    let record = branding(&state)
        .record(org, now_millis())
        .await?
        .unwrap_or_default();
    let view = BrandingView::of(org, record);
    Ok(Json(PublicBranding {
        org_id: org,
        display_name: view.display_name,
        primary_color: view.primary_color,
        secondary_color: view.secondary_color,
        logo_url: view.logo_url,
        favicon_url: view.favicon_url,
    })
    .into_response())
}

/// The error of a broken multipart body: 413 with the image limit when it is too large.
fn multipart_error(role: ImageRole, e: &MultipartError) -> ApiError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        image_error(role, &ImageError::TooLarge)
    } else {
        ApiError::bad_request(EXPECTED_MULTIPART)
    }
}

/// The one part `file` of an upload: its declared Content-Type and its bytes, read no further
/// than one byte past [`MAX_IMAGE_BYTES`].
async fn read_file(
    multipart: &mut Multipart,
    role: ImageRole,
) -> Result<(String, Vec<u8>), ApiError> {
    let mut file = None;
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|e| multipart_error(role, &e))?
    {
        if field.name() != Some("file") || file.is_some() {
            return Err(ApiError::bad_request(EXPECTED_MULTIPART));
        }
        let declared = field.content_type().unwrap_or("(none)").to_string();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(|e| multipart_error(role, &e))? {
            if bytes.len() + chunk.len() > MAX_IMAGE_BYTES {
                return Err(image_error(role, &ImageError::TooLarge));
            }
            bytes.extend_from_slice(&chunk);
        }
        file = Some((declared, bytes));
    }
    file.ok_or_else(|| ApiError::bad_request(EXPECTED_MULTIPART))
}

/// An upload: the admin is checked before the body is read, the image on the blocking pool.
async fn upload(
    state: AppState,
    caller: Caller,
    org: String,
    multipart: Result<Multipart, MultipartRejection>,
    role: ImageRole,
) -> Result<Response, ApiError> {
    let [org] = ids(vec![org])?;
    let me = user(&caller)?;
    let b = branding(&state);
    let now = now_millis();
    b.authorize_admin(org, me, now).await?;
    let mut multipart = multipart.map_err(|_| ApiError::bad_request(EXPECTED_MULTIPART))?;
    let (declared, bytes) = read_file(&mut multipart, role).await?;
    let record = b.upload(org, role, declared, bytes, now).await?;
    Ok(Json(BrandingView::of(org, record)).into_response())
}

/// `POST /api/v1/organizations/{org}/branding/brand-logo` (admins), multipart part `file`.
async fn upload_logo(
    State(state): State<AppState>,
    caller: Caller,
    Path(org): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    upload(state, caller, org, multipart, ImageRole::Logo).await
}

/// `POST /api/v1/organizations/{org}/branding/brand-favicon` (admins), multipart part `file`.
async fn upload_favicon(
    State(state): State<AppState>,
    caller: Caller,
    Path(org): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    upload(state, caller, org, multipart, ImageRole::Favicon).await
}

async fn remove(
    state: AppState,
    caller: Caller,
    org: String,
    role: ImageRole,
) -> Result<Response, ApiError> {
    let [org] = ids(vec![org])?;
    let record = branding(&state)
        .remove_image(org, user(&caller)?, role, now_millis())
        .await?;
    Ok(Json(BrandingView::of(org, record)).into_response())
}

/// `DELETE /api/v1/organizations/{org}/branding/brand-logo` (admins).
async fn remove_logo(
    State(state): State<AppState>,
    caller: Caller,
    Path(org): Path<String>,
) -> Result<Response, ApiError> {
    remove(state, caller, org, ImageRole::Logo).await
}

/// `DELETE /api/v1/organizations/{org}/branding/brand-favicon` (admins).
async fn remove_favicon(
    State(state): State<AppState>,
    caller: Caller,
    Path(org): Path<String>,
) -> Result<Response, ApiError> {
    remove(state, caller, org, ImageRole::Favicon).await
}

/// The public organization id of a `/branding/{org}/…` path; anything else is not found.
fn public_org(org: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(org).map_err(|_| ApiError::not_found(NOT_FOUND))
}

async fn serve_image(state: AppState, org: String, role: ImageRole) -> Result<Response, ApiError> {
    let org = public_org(&org)?;
    let image = branding(&state)
        .image(org, role, now_millis())
        .await?
        .ok_or_else(|| ApiError::not_found(NOT_FOUND))?;
    let mut response = image.bytes.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(image.kind.media_type()),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(IMAGE_CSP),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    Ok(response)
}

/// `GET /branding/{org}/logo` (anyone).
async fn logo(
    State(state): State<AppState>,
    Path(org): Path<String>,
) -> Result<Response, ApiError> {
    serve_image(state, org, ImageRole::Logo).await
}

/// `GET /branding/{org}/favicon` (anyone).
async fn favicon(
    State(state): State<AppState>,
    Path(org): Path<String>,
) -> Result<Response, ApiError> {
    serve_image(state, org, ImageRole::Favicon).await
}

/// The stylesheet of an organization's colours: `:root { --brand-primary: #rrggbb;
/// --brand-secondary: #rrggbb; }` with the colours that are set (an empty rule when none is).
/// The colours are `#` and six hex digits (checked when saved), so nothing else can be in it.
pub fn theme_css(record: &BrandingRecord) -> String {
    let mut css = String::from(":root {");
    for (name, colour) in [
        ("--brand-primary", &record.primary_color),
        ("--brand-secondary", &record.secondary_color),
    ] {
        if let Some(c) = colour.as_deref().and_then(crate::branding::colour::parse) {
            css.push_str(&format!(" {name}: {c};"));
        }
    }
    css.push_str(" }\n");
    css
}

/// `GET /branding/{org}/theme.css` (anyone).
async fn theme(
    State(state): State<AppState>,
    Path(org): Path<String>,
) -> Result<Response, ApiError> {
    let org = public_org(&org)?;
    let record = branding(&state)
        .record(org, now_millis())
        .await?
        .unwrap_or_default();
    let mut response = theme_css(&record).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    Ok(response)
}
