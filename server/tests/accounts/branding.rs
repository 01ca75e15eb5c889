//! Organization branding on every store: who may change it, the colour and name rules, the public JSON and stylesheet, uploads checked, refused and re-encoded, the served images' headers, and the request view's orgId.

use std::io::{Cursor, Write as _};
use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use image::{DynamicImage, ImageBuffer, ImageFormat, Rgb};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use zkshare_server::http::layers::CONTENT_SECURITY_POLICY;

use super::*;

on_every_store!(
    only_admins_change_branding_and_anyone_reads_it,
    uploads_are_checked_refused_and_re_encoded,
);

const PAGE_CSP_IMAGES: &str = "img-src 'self'";
const PAGE_CSP_STYLES: &str = "style-src 'self'";
const BOUNDARY: &str = "zkshare-test-boundary-7f3a";

fn cookie(user: &User) -> Vec<(&str, &str)> {
    vec![("cookie", user.cookie.as_str()), ("origin", ORIGIN)]
}

fn branding(org: &str) -> String {
    format!("/api/v1/organizations/{org}/branding")
}

/// An organization "Acme" of alice (admin) and bob (member), and carol, admin of "Other".
async fn team(w: &World) -> (User, User, User, String, String) {
    let alice = w.sign_up("alice@example.com").await;
    let org = w.create_org(&alice, "Acme").await;
    let invite = w.invite(&alice, &org, "bob@example.com").await;
    let bob = w.sign_up("bob@example.com").await;
    assert_eq!(w.accept(&bob, &invite).await.status, StatusCode::OK);
    let carol = w.sign_up("carol@example.com").await;
    let other = w.create_org(&carol, "Other").await;
    (alice, bob, carol, org, other)
}

/// A `multipart/form-data` body of `(name, content type, bytes)` parts.
fn multipart(parts: &[(&str, &str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, content_type, bytes) in parts {
        write!(
            body,
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"upload\"\r\nContent-Type: {content_type}\r\n\r\n"
        )
        .unwrap();
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    write!(body, "--{BOUNDARY}--\r\n").unwrap();
    body
}

/// Uploads `bytes` declared as `content_type` to `brand-logo` or `brand-favicon`.
async fn upload(
    w: &World,
    who: Option<&User>,
    org: &str,
    which: &str,
    content_type: &str,
    bytes: &[u8],
) -> Reply {
    let mut b = Request::builder()
        .method(Method::POST)
        .uri(format!("{}/{which}", branding(org)))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        );
    if let Some(user) = who {
        b = b.header("cookie", &user.cookie).header("origin", ORIGIN);
    }
    let body = multipart(&[("file", content_type, bytes)]);
    w.app.raw(b.body(Body::from(body)).unwrap()).await
}

fn encode(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).unwrap();
    out.into_inner()
}

fn gradient(width: u32, height: u32) -> DynamicImage {
    DynamicImage::ImageRgb8(ImageBuffer::from_fn(width, height, |x, y| {
        Rgb([(x * 4) as u8, (y * 4) as u8, 128])
    }))
}

/// A PNG chunk: length, type, data, CRC-32 of type and data.
fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut crc = flate2::Crc::new();
    crc.update(kind);
    crc.update(data);
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    out.extend_from_slice(&crc.sum().to_be_bytes());
    out
}

/// A PNG of `width` × `height` (`depth` bits, colour type `colour`) whose image data is `idat`.
fn handmade_png(width: u32, height: u32, depth: u8, colour: u8, idat: &[u8]) -> Vec<u8> {
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[depth, colour, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(chunk(b"IHDR", &ihdr));
    png.extend(chunk(b"IDAT", idat));
    png.extend(chunk(b"IEND", b""));
    png
}

/// A real decompression bomb: a complete, valid 2048 × 2048 PNG in 16-bit RGBA (32 MiB of
/// pixels, over the 24 MiB a decode may take) whose all-zero rows deflate to a few kilobytes.
fn bomb() -> &'static [u8] {
    static BOMB: OnceLock<Vec<u8>> = OnceLock::new();
    BOMB.get_or_init(|| {
        let side = 2048u32;
        let row = 1 + side as usize * 8;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0u8; row * 64];
        for _ in 0..side / 64 {
            z.write_all(&zeros).unwrap();
        }
        let idat = z.finish().unwrap();
        let png = handmade_png(side, side, 16, 6, &idat);
        assert!(
            png.len() < 256 * 1024,
            "the bomb is small: {} bytes",
            png.len()
        );
        png
    })
}

/// A JPEG with an APP1 "Exif" segment carrying `marker`, right after SOI.
fn jpeg_with_exif(marker: &str) -> Vec<u8> {
    let mut payload = b"Exif\0\0MM\0*\0\0\0\x08".to_vec();
    payload.extend_from_slice(marker.as_bytes());
    jpeg_with_app1(&payload)
}

/// A 48 × 40 JPEG whose EXIF says "rotate 90° clockwise to display" (orientation 6).
fn jpeg_turned() -> Vec<u8> {
    let mut payload = b"Exif\0\0MM\0*\0\0\0\x08".to_vec();
    payload.extend_from_slice(&1u16.to_be_bytes());
    payload.extend_from_slice(&[0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1, 0, 6, 0, 0]);
    payload.extend_from_slice(&0u32.to_be_bytes());
    jpeg_with_app1(&payload)
}

fn jpeg_with_app1(payload: &[u8]) -> Vec<u8> {
    let jpeg = encode(&gradient(48, 40), ImageFormat::Jpeg);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(payload);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// A PNG with a tEXt chunk carrying `marker`, right after IHDR.
fn png_with_text(marker: &str) -> Vec<u8> {
    let png = encode(&gradient(64, 32), ImageFormat::Png);
    let after_ihdr = 8 + 8 + 13 + 4;
    let mut text = b"Comment\0".to_vec();
    text.extend_from_slice(marker.as_bytes());
    let mut out = png[..after_ihdr].to_vec();
    out.extend(chunk(b"tEXt", &text));
    out.extend_from_slice(&png[after_ihdr..]);
    out
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// GETs `path` and returns the reply with the raw body bytes.
async fn get_bytes(w: &World, path: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    use tower::ServiceExt as _;
    let response = w
        .app
        .router
        .clone()
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, headers, bytes.to_vec())
}

fn header<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
}

/// The served image at `url` (a `…?v=` URL from the JSON): checked headers, version and bytes.
async fn served_image(w: &World, url: &str, media_type: &str) -> Vec<u8> {
    let (status, headers, bytes) = get_bytes(w, url).await;
    assert_eq!(status, StatusCode::OK, "{url}");
    assert_eq!(header(&headers, "content-type"), media_type);
    assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
    assert_eq!(
        header(&headers, "content-security-policy"),
        "default-src 'none'"
    );
    assert_eq!(header(&headers, "cache-control"), "public, max-age=3600");
    let version = url.split_once("?v=").unwrap().1;
    assert_eq!(version, &hex::encode(Sha256::digest(&bytes))[..16]);
    bytes
}

async fn only_admins_change_branding_and_anyone_reads_it(kind: StoreKind) {
    let w = World::new(kind).await;
    let (alice, bob, carol, org, other) = team(&w).await;
    let path = branding(&org);
    let nulls = json!({
        "primaryColor": null, "secondaryColor": null, "displayName": null,
        "logoUrl": null, "faviconUrl": null,
    });

    // Members read the defaults; outsiders and visitors do not.
    let r = w.as_user(&bob, Method::GET, &path, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json(), nulls);
    let r = w.as_user(&carol, Method::GET, &path, None).await;
    assert_eq!(
        r.assert_error(403),
        "You are not a member of this organization"
    );
    w.send(Method::GET, &path, None, &[])
        .await
        .assert_error(401);
    w.send(Method::GET, &branding("nope"), None, &cookie(&alice))
        .await
        .assert_error(400);

    // Only its admins change it: a member, another organization's admin and a visitor may not.
    let change = json!({ "primaryColor": "#1D4ED8", "secondaryColor": "#0f172a", "displayName": "Acme Corp" });
    let r = w
        .as_user(&bob, Method::PATCH, &path, Some(change.clone()))
        .await;
    assert_eq!(
        r.assert_error(403),
        "Only an admin of this organization may do this"
    );
    let r = w
        .as_user(&carol, Method::PATCH, &path, Some(change.clone()))
        .await;
    assert_eq!(
        r.assert_error(403),
        "You are not a member of this organization"
    );
    w.send(Method::PATCH, &path, Some(change.clone()), &[])
        .await
        .assert_error(401);
    for (who, status) in [(Some(&bob), 403), (Some(&carol), 403), (None, 401)] {
        let png = encode(&gradient(8, 8), ImageFormat::Png);
        upload(&w, who, &org, "brand-logo", "image/png", &png)
            .await
            .assert_error(status);
        let r = match who {
            Some(u) => w.as_user(u, Method::DELETE, &path, None).await,
            None => w.send(Method::DELETE, &path, None, &[]).await,
        };
        r.assert_error(status);
        let r = match who {
            Some(u) => {
                w.as_user(u, Method::DELETE, &format!("{path}/brand-favicon"), None)
                    .await
            }
            None => {
                w.send(Method::DELETE, &format!("{path}/brand-favicon"), None, &[])
                    .await
            }
        };
        r.assert_error(status);
    }

    // Colours: the reference's syntax, and white text must be readable on them.
    for (body, message) in [
        (
            json!({ "primaryColor": "#ffcc00" }),
            "primaryColor #ffcc00 has a contrast of 1.5:1 against white text; at least 4.5:1 is needed",
        ),
        (
            json!({ "secondaryColor": "#777777" }),
            "secondaryColor #777777 has a contrast of 4.4:1 against white text; at least 4.5:1 is needed",
        ),
        (
            json!({ "primaryColor": "#12345" }),
            "primaryColor must be a colour like #1a2b3c (# and six hexadecimal digits)",
        ),
        (
            json!({ "displayName": "x".repeat(65) }),
            "displayName must be at most 64 characters",
        ),
        (
            json!({ "displayName": "Acme\u{202E}gnp.exe" }),
            "displayName must not contain control or bidirectional formatting characters",
        ),
    ] {
        let r = w.as_user(&alice, Method::PATCH, &path, Some(body)).await;
        assert_eq!(r.assert_error(400), message);
    }
    w.as_user(
        &alice,
        Method::PATCH,
        &path,
        Some(json!({ "colour": "#000000" })),
    )
    .await
    .assert_error(400);
    // Nothing was saved by the refusals.
    assert_eq!(
        w.as_user(&alice, Method::GET, &path, None).await.json(),
        nulls
    );

    let r = w.as_user(&alice, Method::PATCH, &path, Some(change)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let saved = json!({
        "primaryColor": "#1d4ed8", "secondaryColor": "#0f172a", "displayName": "Acme Corp",
        "logoUrl": null, "faviconUrl": null,
    });
    assert_eq!(r.json(), saved);
    assert_eq!(
        w.as_user(&bob, Method::GET, &path, None).await.json(),
        saved
    );

    // Anyone reads the public branding and the stylesheet.
    let r = w
        .send(Method::GET, &format!("/api/v1/branding/{org}"), None, &[])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.json(),
        json!({
            "orgId": org, "displayName": "Acme Corp", "primaryColor": "#1d4ed8",
            "secondaryColor": "#0f172a", "logoUrl": null, "faviconUrl": null,
        })
    );
    let (status, headers, css) = get_bytes(&w, &format!("/branding/{org}/theme.css")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        String::from_utf8(css).unwrap(),
        ":root { --brand-primary: #1d4ed8; --brand-secondary: #0f172a; }\n"
    );
    assert_eq!(header(&headers, "content-type"), "text/css; charset=utf-8");
    assert_eq!(header(&headers, "x-content-type-options"), "nosniff");
    assert_eq!(header(&headers, "cache-control"), "public, max-age=300");
    // The pages' policy is unchanged, and it allows same-origin stylesheets and images.
    let (_, page, _) = get_bytes(&w, "/").await;
    assert_eq!(
        header(&page, "content-security-policy"),
        CONTENT_SECURITY_POLICY
    );
    assert!(CONTENT_SECURITY_POLICY.contains(PAGE_CSP_IMAGES));
    assert!(CONTENT_SECURITY_POLICY.contains(PAGE_CSP_STYLES));

    // No branding and no organization: the same answer, all nulls.
    let none = w
        .send(Method::GET, &format!("/api/v1/branding/{other}"), None, &[])
        .await;
    let unknown = w
        .send(
            Method::GET,
            "/api/v1/branding/00000000-0000-4000-8000-000000000000",
            None,
            &[],
        )
        .await;
    assert_eq!(none.status, StatusCode::OK, "{}", none.text);
    assert_eq!(none.json()["displayName"], serde_json::Value::Null);
    assert_eq!(none.json()["logoUrl"], serde_json::Value::Null);
    assert_eq!(unknown.status, StatusCode::OK, "{}", unknown.text);
    let nothing = |r: &serde_json::Value| {
        let mut r = r.clone();
        r.as_object_mut().unwrap().remove("orgId");
        r
    };
    assert_eq!(nothing(&none.json()), nothing(&unknown.json()));
    w.send(Method::GET, "/api/v1/branding/nope", None, &[])
        .await
        .assert_error(400);

    // null clears one field.
    let r = w
        .as_user(
            &alice,
            Method::PATCH,
            &path,
            Some(json!({ "displayName": null })),
        )
        .await;
    assert_eq!(r.json()["displayName"], Value::Null);
    assert_eq!(r.json()["primaryColor"], "#1d4ed8");

    // Delete restores the defaults: nulls, no public branding, no images, an empty theme.
    let png = encode(&gradient(8, 8), ImageFormat::Png);
    let r = upload(&w, Some(&alice), &org, "brand-logo", "image/png", &png).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = w.as_user(&alice, Method::DELETE, &path, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json(), nulls);
    assert_eq!(
        w.as_user(&bob, Method::GET, &path, None).await.json(),
        nulls
    );
    let public = w
        .send(Method::GET, &format!("/api/v1/branding/{org}"), None, &[])
        .await;
    assert_eq!(public.status, StatusCode::OK, "{}", public.text);
    assert_eq!(public.json()["primaryColor"], serde_json::Value::Null);
    for image in ["logo", "favicon"] {
        w.send(Method::GET, &format!("/branding/{org}/{image}"), None, &[])
            .await
            .assert_error(404);
    }
    let (_, _, css) = get_bytes(&w, &format!("/branding/{org}/theme.css")).await;
    assert_eq!(css, b":root { }\n");

    // The request view names the requester's organization, so its answer page can be branded.
    let key = {
        let mut k = [1u8; 33];
        getrandom::fill(&mut k[1..]).unwrap();
        b64(&k)
    };
    let r = w
        .send(
            Method::POST,
            "/api/v1/shared-secrets/requests",
            Some(json!({ "publicKey": key, "expiresIn": "1h" })),
            &cookie(&alice),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let id = r.json()["id"].as_str().unwrap().to_string();
    assert_eq!(r.json()["orgId"], json!(org));
    let r = w
        .send(
            Method::GET,
            &format!("/api/v1/shared-secrets/requests/{id}"),
            None,
            &cookie(&bob),
        )
        .await;
    assert_eq!(r.json()["orgId"], json!(org));
    let r = w
        .send(
            Method::POST,
            "/api/v1/shared-secrets/requests",
            Some(json!({ "publicKey": key, "requesterToken": b64(&[7u8; 32]) })),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["orgId"], Value::Null);
}

async fn uploads_are_checked_refused_and_re_encoded(kind: StoreKind) {
    let w = World::new(kind).await;
    let alice = w.sign_up("alice@example.com").await;
    let org = w.create_org(&alice, "Acme").await;
    let me = Some(&alice);

    // A PNG with a text chunk: accepted, served re-encoded, same size, the text gone.
    let marker = "MARKER-PNG-TEXT-5d2e";
    let png = png_with_text(marker);
    assert!(contains(&png, marker));
    let r = upload(&w, me, &org, "brand-logo", "image/png", &png).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let logo_url = r.json()["logoUrl"].as_str().unwrap().to_string();
    assert!(
        logo_url.starts_with(&format!("/branding/{org}/logo?v=")),
        "{logo_url}"
    );
    let served = served_image(&w, &logo_url, "image/png").await;
    assert!(!contains(&served, marker), "the text chunk is gone");
    assert_ne!(served, png);
    let decoded = image::load_from_memory_with_format(&served, ImageFormat::Png).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (64, 32));

    // A JPEG with EXIF: accepted as the favicon, served re-encoded without it.
    let marker = "MARKER-JPEG-EXIF-7c1f";
    let jpeg = jpeg_with_exif(marker);
    assert!(contains(&jpeg, marker));
    let r = upload(&w, me, &org, "brand-favicon", "image/jpeg", &jpeg).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let body = r.json();
    assert_eq!(body["logoUrl"], json!(logo_url), "the logo stays");
    let favicon_url = body["faviconUrl"].as_str().unwrap().to_string();
    let served = served_image(&w, &favicon_url, "image/jpeg").await;
    assert!(!contains(&served, marker), "the EXIF segment is gone");
    assert!(!contains(&served, "Exif"));
    let decoded = image::load_from_memory_with_format(&served, ImageFormat::Jpeg).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (48, 40));
    let public = w
        .send(Method::GET, &format!("/api/v1/branding/{org}"), None, &[])
        .await;
    assert_eq!(public.json()["logoUrl"], json!(logo_url));
    assert_eq!(public.json()["faviconUrl"], json!(favicon_url));

    // An EXIF orientation is applied to the pixels before the EXIF goes.
    let r = upload(&w, me, &org, "brand-logo", "image/jpeg", &jpeg_turned()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let turned_url = r.json()["logoUrl"].as_str().unwrap().to_string();
    let served = served_image(&w, &turned_url, "image/jpeg").await;
    assert!(!contains(&served, "Exif"));
    let decoded = image::load_from_memory_with_format(&served, ImageFormat::Jpeg).unwrap();
    assert_eq!(
        (decoded.width(), decoded.height()),
        (40, 48),
        "turned upright"
    );

    // A new upload gets a new version.
    let png2 = encode(&gradient(20, 10), ImageFormat::Png);
    let r = upload(&w, me, &org, "brand-logo", "image/png", &png2).await;
    let new_url = r.json()["logoUrl"].as_str().unwrap().to_string();
    assert_ne!(new_url, logo_url);
    served_image(&w, &new_url, "image/png").await;

    // Refusals, each with the API's error body and nothing stored.
    let small_png = encode(&gradient(16, 16), ImageFormat::Png);
    let mut polyglot = small_png.clone();
    polyglot.extend_from_slice(b"<html><script>alert(document.domain)</script></html>");
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
    let html = b"<!doctype html><html><script>alert(1)</script></html>";
    let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";
    let mut too_big = small_png.clone();
    too_big.resize(1024 * 1024 + 1, 0);
    let idat = {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        z.write_all(&[0u8; 64]).unwrap();
        z.finish().unwrap()
    };
    let huge_header = handmade_png(20_000, 20_000, 8, 2, &idat);
    let cases: Vec<(&str, &str, Vec<u8>, u16, &str)> = vec![
        (
            "a PNG declared as JPEG",
            "image/jpeg",
            small_png.clone(),
            400,
            "The logo was sent as image/jpeg but its content is image/png",
        ),
        (
            "a GIF",
            "image/gif",
            gif.to_vec(),
            400,
            "The logo must be sent as image/png or image/jpeg, not \"image/gif\"",
        ),
        (
            "a GIF declared as PNG",
            "image/png",
            gif.to_vec(),
            400,
            "The logo must be a PNG or JPEG image",
        ),
        (
            "an SVG",
            "image/svg+xml",
            svg.to_vec(),
            400,
            "The logo must be sent as image/png or image/jpeg, not \"image/svg+xml\"",
        ),
        (
            "an SVG declared as PNG",
            "image/png",
            svg.to_vec(),
            400,
            "The logo must be a PNG or JPEG image",
        ),
        (
            "an HTML page declared as PNG",
            "image/png",
            html.to_vec(),
            400,
            "The logo must be a PNG or JPEG image",
        ),
        (
            "a PNG with an HTML page after IEND",
            "image/png",
            polyglot,
            400,
            "The logo has data after the end of the image: only the image itself is accepted",
        ),
        (
            "1 MiB and one byte",
            "image/png",
            too_big,
            413,
            "The logo is too large: at most 1 MiB (1048576 bytes) is accepted",
        ),
        (
            "a header of 20000 × 20000",
            "image/png",
            huge_header,
            400,
            "The logo is 20000×20000 pixels: at most 2048×2048 is accepted",
        ),
        (
            "a decompression bomb",
            "image/png",
            bomb().to_vec(),
            400,
            "The logo would take too much memory to decode: use fewer pixels or 8 bits per channel",
        ),
    ];
    for (what, declared, bytes, status, message) in cases {
        let r = upload(&w, me, &org, "brand-logo", declared, &bytes).await;
        assert_eq!(r.assert_error(status), message, "{what}");
    }
    let (_, _, still) = get_bytes(&w, &new_url).await;
    assert_eq!(
        &hex::encode(Sha256::digest(&still))[..16],
        new_url.split_once("?v=").unwrap().1
    );

    // A favicon has its own, smaller limit.
    let wide = encode(&gradient(600, 8), ImageFormat::Png);
    let r = upload(&w, me, &org, "brand-favicon", "image/png", &wide).await;
    assert_eq!(
        r.assert_error(400),
        "The favicon is 600×8 pixels: at most 512×512 is accepted"
    );

    // Not multipart, no part `file`, a body over the route's limit.
    let r = w
        .as_user(
            &alice,
            Method::POST,
            &format!("{}/brand-logo", branding(&org)),
            Some(json!({})),
        )
        .await;
    assert!(
        r.assert_error(400)
            .starts_with("Expected a multipart/form-data body")
    );
    let body = multipart(&[("image", "image/png", &small_png)]);
    let request = Request::post(format!("{}/brand-logo", branding(&org)))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .header("cookie", &alice.cookie)
        .header("origin", ORIGIN)
        .body(Body::from(body))
        .unwrap();
    w.app.raw(request).await.assert_error(400);
    let mut huge = small_png.clone();
    huge.resize(3 * 1024 * 1024, 0);
    let r = upload(&w, me, &org, "brand-logo", "image/png", &huge).await;
    assert_eq!(
        r.assert_error(413),
        "The logo is too large: at most 1 MiB (1048576 bytes) is accepted"
    );
    // Other API bodies keep their 128 KiB limit.
    let big_patch = json!({ "displayName": "x".repeat(200 * 1024) });
    w.as_user(&alice, Method::PATCH, &branding(&org), Some(big_patch))
        .await
        .assert_error(413);

    // Racing uploads: whichever file is stored last, the URL's version is that file's.
    let racing: Vec<Vec<u8>> = (1..=4)
        .map(|i| encode(&gradient(8 + i, 8), ImageFormat::Png))
        .collect();
    let (a, b, c, d) = tokio::join!(
        upload(&w, me, &org, "brand-logo", "image/png", &racing[0]),
        upload(&w, me, &org, "brand-logo", "image/png", &racing[1]),
        upload(&w, me, &org, "brand-logo", "image/png", &racing[2]),
        upload(&w, me, &org, "brand-logo", "image/png", &racing[3]),
    );
    for r in [a, b, c, d] {
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    let public = w
        .send(Method::GET, &format!("/api/v1/branding/{org}"), None, &[])
        .await;
    served_image(&w, public.json()["logoUrl"].as_str().unwrap(), "image/png").await;

    // Removing one image leaves the other.
    let r = w
        .as_user(
            &alice,
            Method::DELETE,
            &format!("{}/brand-logo", branding(&org)),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["logoUrl"], Value::Null);
    assert_eq!(r.json()["faviconUrl"], json!(favicon_url));
    w.send(Method::GET, &format!("/branding/{org}/logo"), None, &[])
        .await
        .assert_error(404);
    served_image(&w, &favicon_url, "image/jpeg").await;
}
