//! The branding operations of docs/openapi.json, called for real: settings, uploads (multipart), the public branding, the images and the stylesheet, through each documented status but 429, 500, 503 (those come with the other operations).

use std::io::Cursor;

use reqwest::Method;
use serde_json::{Value, json};

use super::accounts::{BRAND_FAVICON, BRAND_LOGO, BRANDING, PUBLIC_BRANDING, fill};
use super::{Caller, Spec};

pub const LOGO: &str = "/branding/{org}/logo";
pub const FAVICON: &str = "/branding/{org}/favicon";
pub const THEME: &str = "/branding/{org}/theme.css";
const NOBODY: &str = "00000000-0000-4000-8000-000000000000";
const BOUNDARY: &str = "conformance-boundary-51c0";

/// A request body.
enum Body {
    None,
    Json(Value),
    /// One multipart part `file` with this Content-Type.
    Upload(&'static str, Vec<u8>),
}

struct Api<'a> {
    spec: &'a Spec,
    http: reqwest::Client,
    base: String,
}

impl Api<'_> {
    async fn send(
        &self,
        method: Method,
        template: &str,
        path: &str,
        bearer: Option<&str>,
        body: Body,
    ) -> (u16, Value, reqwest::header::HeaderMap) {
        let mut r = self
            .http
            .request(method.clone(), format!("{}{path}", self.base));
        if let Some(token) = bearer {
            r = r.bearer_auth(token);
        }
        let json_body = match &body {
            Body::Json(v) => Some(v.clone()),
            _ => None,
        };
        r = match body {
            Body::None => r,
            Body::Json(v) => r.json(&v),
            Body::Upload(content_type, bytes) => {
                let mut payload = format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f\"\r\nContent-Type: {content_type}\r\n\r\n"
                )
                .into_bytes();
                payload.extend_from_slice(&bytes);
                payload.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
                r.header(
                    "content-type",
                    format!("multipart/form-data; boundary={BOUNDARY}"),
                )
                .body(payload)
            }
        };
        let response = r.send().await.expect("send");
        let headers = response.headers().clone();
        let (status, answer) = self
            .spec
            .exchange_text(response, method.as_str(), template)
            .await;
        if let Some(b) = json_body {
            self.spec
                .assert_valid_request_lenient(template, method.as_str(), &b, status);
        }
        (status, answer, headers)
    }

    async fn expect(
        &self,
        status: u16,
        method: Method,
        template: &str,
        path: &str,
        bearer: Option<&str>,
        body: Body,
    ) -> Value {
        let (got, answer, _) = self
            .send(method.clone(), template, path, bearer, body)
            .await;
        assert_eq!(got, status, "{method} {path}: {answer:#}");
        answer
    }
}

fn image(format: image::ImageFormat, width: u32, height: u32) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::new_rgb8(width, height)
        .write_to(&mut out, format)
        .unwrap();
    out.into_inner()
}

/// Every branding operation as the organization's admin (`a`), an outsider (`o`) and a visitor.
pub async fn flow(spec: &Spec, base: &str, org: &str, a: &str, o: &str) {
    let api = Api {
        spec,
        http: reqwest::Client::new(),
        base: base.to_string(),
    };
    let (get, patch, post, delete) = (Method::GET, Method::PATCH, Method::POST, Method::DELETE);
    let settings = fill(BRANDING, &[org]);
    let bad = fill(BRANDING, &["nope"]);

    api.expect(200, get.clone(), BRANDING, &settings, Some(a), Body::None)
        .await;
    api.expect(401, get.clone(), BRANDING, &settings, None, Body::None)
        .await;
    api.expect(403, get.clone(), BRANDING, &settings, Some(o), Body::None)
        .await;
    api.expect(400, get.clone(), BRANDING, &bad, Some(a), Body::None)
        .await;

    let change =
        json!({ "primaryColor": "#1d4ed8", "secondaryColor": "#0f172a", "displayName": "Acme" });
    let saved = api
        .expect(
            200,
            patch.clone(),
            BRANDING,
            &settings,
            Some(a),
            Body::Json(change.clone()),
        )
        .await;
    assert_eq!(saved["displayName"], "Acme");
    for (status, who) in [(401, None), (403, Some(o))] {
        api.expect(
            status,
            patch.clone(),
            BRANDING,
            &settings,
            who,
            Body::Json(change.clone()),
        )
        .await;
    }
    let light = api
        .expect(
            400,
            patch.clone(),
            BRANDING,
            &settings,
            Some(a),
            Body::Json(json!({ "primaryColor": "#ffcc00" })),
        )
        .await;
    assert!(light["message"].as_str().unwrap().contains("contrast"));

    // Uploads: accepted, refused, too large, not allowed.
    let png = image(image::ImageFormat::Png, 40, 20);
    let jpeg = image(image::ImageFormat::Jpeg, 32, 32);
    let gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;".to_vec();
    let mut too_big = png.clone();
    too_big.resize(1024 * 1024 + 1, 0);
    for (template, accepted) in [
        (BRAND_LOGO, ("image/png", &png)),
        (BRAND_FAVICON, ("image/jpeg", &jpeg)),
    ] {
        let path = fill(template, &[org]);
        let answer = api
            .expect(
                200,
                post.clone(),
                template,
                &path,
                Some(a),
                Body::Upload(accepted.0, accepted.1.clone()),
            )
            .await;
        assert!(answer["logoUrl"].is_string() || template == BRAND_FAVICON);
        api.expect(
            400,
            post.clone(),
            template,
            &path,
            Some(a),
            Body::Upload("image/gif", gif.clone()),
        )
        .await;
        api.expect(
            400,
            post.clone(),
            template,
            &fill(template, &["nope"]),
            Some(a),
            Body::Upload("image/png", png.clone()),
        )
        .await;
        api.expect(
            413,
            post.clone(),
            template,
            &path,
            Some(a),
            Body::Upload("image/png", too_big.clone()),
        )
        .await;
        for (status, who) in [(401, None), (403, Some(o))] {
            api.expect(
                status,
                post.clone(),
                template,
                &path,
                who,
                Body::Upload("image/png", png.clone()),
            )
            .await;
        }
    }

    // What anyone reads.
    let public = api
        .expect(
            200,
            get.clone(),
            PUBLIC_BRANDING,
            &fill(PUBLIC_BRANDING, &[org]),
            None,
            Body::None,
        )
        .await;
    api.expect(
        200,
        get.clone(),
        PUBLIC_BRANDING,
        &fill(PUBLIC_BRANDING, &[NOBODY]),
        None,
        Body::None,
    )
    .await;
    api.expect(
        400,
        get.clone(),
        PUBLIC_BRANDING,
        &fill(PUBLIC_BRANDING, &["nope"]),
        None,
        Body::None,
    )
    .await;
    for (template, field, media) in [
        (LOGO, "logoUrl", "image/png"),
        (FAVICON, "faviconUrl", "image/jpeg"),
    ] {
        let url = public[field].as_str().unwrap();
        let (status, _, headers) = api.send(get.clone(), template, url, None, Body::None).await;
        assert_eq!(status, 200, "{url}");
        assert_eq!(headers["content-type"], media);
        assert_eq!(headers["content-security-policy"], "default-src 'none'");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(headers["cache-control"], "public, max-age=3600");
        api.expect(
            404,
            get.clone(),
            template,
            &fill(template, &[NOBODY]),
            None,
            Body::None,
        )
        .await;
    }
    let css = api
        .expect(
            200,
            get.clone(),
            THEME,
            &fill(THEME, &[org]),
            None,
            Body::None,
        )
        .await;
    assert_eq!(
        css,
        ":root { --brand-primary: #1d4ed8; --brand-secondary: #0f172a; }\n"
    );
    api.expect(
        404,
        get.clone(),
        THEME,
        &fill(THEME, &["nope"]),
        None,
        Body::None,
    )
    .await;

    // Removing: each image, then everything.
    for template in [BRAND_LOGO, BRAND_FAVICON] {
        let path = fill(template, &[org]);
        for (status, who) in [(401, None), (403, Some(o))] {
            api.expect(status, delete.clone(), template, &path, who, Body::None)
                .await;
        }
        api.expect(
            400,
            delete.clone(),
            template,
            &fill(template, &["nope"]),
            Some(a),
            Body::None,
        )
        .await;
        api.expect(200, delete.clone(), template, &path, Some(a), Body::None)
            .await;
    }
    for (status, who) in [(401, None), (403, Some(o))] {
        api.expect(status, delete.clone(), BRANDING, &settings, who, Body::None)
            .await;
    }
    api.expect(400, delete.clone(), BRANDING, &bad, Some(a), Body::None)
        .await;
    let reset = api
        .expect(
            200,
            delete.clone(),
            BRANDING,
            &settings,
            Some(a),
            Body::None,
        )
        .await;
    assert_eq!(reset["primaryColor"], Value::Null);
}

/// 503 from the branding files beside the pages, with the store down under the server.
pub async fn outage(api: &Caller<'_>) {
    for template in [LOGO, FAVICON, THEME] {
        let path = fill(template, &[NOBODY]);
        let request = api.http.get(format!("{}{path}", api.base));
        let (status, answer) = api.spec.exchange(request, "GET", template).await;
        assert_eq!(status, 503, "GET {path} with the store down: {answer:#}");
    }
}
