//! The web page: assets embedded at build time (or read from --web-dir), SRI templating, published hashes (over 400 lines: its tests included).
//!
//! Everything is loaded once at startup so that `/assets.json` describes exactly the bytes that
//! are served: in an `.html` file, `{{include:/partials/NAME.html}}` becomes that fragment (the
//! parts every page shares; fragments are not served themselves), then `{{sri:/app.js}}` becomes
//! `sha384-…` of `/app.js`, and then every file (templated HTML included) gets its SHA-256 and
//! SHA-384. The `/hashes` page is made here too, once.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rust_embed::RustEmbed;
use serde_json::json;
use sha2::{Digest as _, Sha256, Sha384};

use crate::http::error::{ApiError, ErrorBodyMarker};

/// The threat model, served at `/security` as the build's own copy (the pages link to it).
pub const SECURITY_MD: &str = include_str!("../../../docs/SECURITY.md");

#[derive(RustEmbed)]
#[folder = "../web"]
#[allow_missing = true]
#[exclude = ".*"]
#[exclude = "*/.*"]
struct EmbeddedWeb;

/// One file as served.
pub struct Asset {
    /// The bytes served (after templating for HTML).
    pub bytes: Bytes,
    /// Its Content-Type.
    pub content_type: &'static str,
    /// SHA-256, lowercase hex.
    pub sha256_hex: String,
    /// `sha384-` + base64 SHA-384: the Subresource Integrity value.
    pub sri: String,
}

/// All web files by URL path (`/app.js`), plus the `/assets.json` manifest.
pub struct WebAssets {
    files: BTreeMap<String, Asset>,
    manifest: Bytes,
    hashes_page: Bytes,
}

/// Where the fragments the pages include live (`web/partials/`).
const PARTIALS: &str = "/partials/";

/// The Content-Type for a file name.
pub fn content_type_for(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("json") => "application/json",
        Some("webmanifest") => "application/manifest+json",
        Some("txt" | "md") => "text/plain; charset=utf-8",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    }
}

fn is_html(path: &str) -> bool {
    path.ends_with(".html") || path.ends_with(".htm")
}

/// Replaces each `{{KIND:PATH}}` token of `html` with `value(PATH)`; a token whose path has no
/// value is left as it is and logged.
fn replace_tokens(
    path: &str,
    html: &str,
    kind: &str,
    value: impl Fn(&str) -> Option<String>,
) -> String {
    let open = format!("{{{{{kind}:");
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find(&open) {
        out.push_str(&rest[..start]);
        let after = &rest[start + open.len()..];
        match after.find("}}") {
            Some(end) => {
                let target = after[..end].trim();
                match value(target) {
                    Some(v) => out.push_str(&v),
                    None => {
                        tracing::warn!(
                            file = path,
                            target,
                            kind,
                            "template token names an unknown file"
                        );
                        out.push_str(&rest[start..start + open.len() + end + 2]);
                    }
                }
                rest = &after[end + 2..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Expands `{{include:/partials/…}}` (a fragment without its first-line comment, trimmed), then
/// `{{sri:PATH}}` (the SRI value of PATH).
fn template(
    path: &str,
    html: &str,
    partials: &BTreeMap<String, String>,
    sri_of: &BTreeMap<String, String>,
) -> String {
    let included = replace_tokens(path, html, "include", |target| {
        let fragment = partials.get(target)?;
        let body = match fragment.trim_start().strip_prefix("<!--") {
            Some(comment) => comment.split_once("-->").map_or("", |(_, rest)| rest),
            None => fragment,
        };
        Some(body.trim().to_string())
    });
    replace_tokens(path, &included, "sri", |target| sri_of.get(target).cloned())
}

/// `/hashes`: the published hashes of `files` as a page people can read, with the commands that
/// reproduce them from the source. Made on the server, so it reads without script (in English);
/// with script, i18n.js shows it in the visitor's language like the other pages. A template:
/// its includes and SRI values are filled like a page's.
fn hashes_page(files: &BTreeMap<String, Asset>) -> String {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let rows: String = files
        .iter()
        .map(|(path, a)| {
            format!(
                "<tr><td><code>{}</code></td><td>{}</td><td><code class=\"hash\">{}</code></td></tr>\n",
                escape(path),
                a.bytes.len(),
                a.sha256_hex
            )
        })
        .collect();
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"color-scheme\" content=\"light dark\">\n\
         {{{{include:/partials/i18n-meta.html}}}}\n\
         <title data-i18n=\"title.hashes\">Published hashes — zkshare</title>\n\
         <link rel=\"stylesheet\" href=\"/style.css\" integrity=\"{{{{sri:/style.css}}}}\">\n\
         <script type=\"module\" src=\"/js/i18n.js\" integrity=\"{{{{sri:/js/i18n.js}}}}\"></script>\n\
         </head>\n<body>\n<main>\n\
         <header><h1><a href=\"/\" class=\"brand\">zkshare</a></h1></header>\n\
         <h2 data-i18n=\"hashes.title\">The code this server sends to your browser</h2>\n\
         <p data-i18n=\"hashes.p1\">Every file the pages are made of, with its SHA-256 as \
         served (the same list as <a href=\"/assets.json\">/assets.json</a>). To check it, \
         build the server from the source and compare:</p>\n\
         <pre><code>cargo xtask check-wasm\n\
         cargo run -q --release -p zkshare-server -- print-asset-hashes</code></pre>\n\
         <p data-i18n=\"hashes.p2\">The first rebuilds the WebAssembly and fails unless it \
         equals the committed copy; the second prints this list as that build would serve \
         it. <a href=\"/security\">What the server can and cannot do</a>.</p>\n\
         <div class=\"table\"><table>\n<thead><tr>\
         <th scope=\"col\" data-i18n=\"hashes.file\">file</th>\
         <th scope=\"col\" data-i18n=\"hashes.bytes\">bytes</th>\
         <th scope=\"col\" data-i18n=\"hashes.sha256\">SHA-256</th></tr></thead>\n\
         <tbody>\n{rows}</tbody></table></div>\n\
         <p><a href=\"/\" data-i18n=\"link.share_own\">Share a secret of your own</a></p>\n\
         <footer>{{{{include:/partials/language.html}}}}</footer>\n\
         </main>\n</body>\n</html>\n"
    )
}

fn sri(bytes: &[u8]) -> String {
    format!("sha384-{}", STANDARD.encode(Sha384::digest(bytes)))
}

impl WebAssets {
    /// Loads from `web_dir`, or from the copy embedded at build time.
    pub fn load(web_dir: Option<&Path>) -> anyhow::Result<Self> {
        let raw = match web_dir {
            Some(dir) => read_dir_files(dir)?,
            None => EmbeddedWeb::iter()
                .filter_map(|name| {
                    EmbeddedWeb::get(&name).map(|f| (format!("/{name}"), f.data.into_owned()))
                })
                .collect(),
        };
        let assets = Self::from_files(raw);
        if assets.files.is_empty() {
            tracing::warn!("no web assets found: the web page is not served");
        } else if !assets.files.keys().any(|k| k.starts_with("/pkg/")) {
            tracing::warn!(
                "web/pkg is missing: the page cannot encrypt until the wasm build is added"
            );
        }
        Ok(assets)
    }

    /// Templates and hashes `raw` (URL path → bytes).
    pub fn from_files(mut raw: BTreeMap<String, Vec<u8>>) -> Self {
        let partial_paths: Vec<String> = (raw.keys())
            .filter(|path| path.starts_with(PARTIALS))
            .cloned()
            .collect();
        let partials: BTreeMap<String, String> = (partial_paths.into_iter())
            .filter_map(|path| {
                let bytes = raw.remove(&path)?;
                Some((path, String::from_utf8_lossy(&bytes).into_owned()))
            })
            .collect();
        let sri_of: BTreeMap<String, String> = raw
            .iter()
            .filter(|(path, _)| !is_html(path))
            .map(|(path, bytes)| (path.clone(), sri(bytes)))
            .collect();
        let mut files = BTreeMap::new();
        for (path, bytes) in raw {
            let bytes = if is_html(&path) {
                match String::from_utf8(bytes) {
                    Ok(html) => template(&path, &html, &partials, &sri_of).into_bytes(),
                    Err(e) => e.into_bytes(),
                }
            } else {
                bytes
            };
            let asset = Asset {
                content_type: content_type_for(&path),
                sha256_hex: hex::encode(Sha256::digest(&bytes)),
                sri: sri(&bytes),
                bytes: Bytes::from(bytes),
            };
            files.insert(path, asset);
        }
        let manifest: serde_json::Map<String, serde_json::Value> = files
            .iter()
            .map(|(path, a)| {
                (
                    path.clone(),
                    json!({ "sha256": a.sha256_hex, "sha384": a.sri, "bytes": a.bytes.len() }),
                )
            })
            .collect();
        let manifest = serde_json::to_vec_pretty(&json!({ "files": manifest }))
            .expect("a JSON map serializes");
        let hashes_page = template("/hashes", &hashes_page(&files), &partials, &sri_of);
        Self {
            files,
            manifest: Bytes::from(manifest),
            hashes_page: Bytes::from(hashes_page),
        }
    }

    /// The file at URL path `path`.
    pub fn get(&self, path: &str) -> Option<&Asset> {
        self.files.get(path)
    }

    /// The `/hashes` page (see [`hashes_page`]).
    pub fn hashes_page(&self) -> &Bytes {
        &self.hashes_page
    }

    /// The `/assets.json` document.
    pub fn manifest(&self) -> &Bytes {
        &self.manifest
    }

    /// Answers a GET/HEAD for `path`, honouring If-None-Match. An unknown path gets the page
    /// `/404.html` with status 404 (people follow links; the API keeps its JSON 404 body).
    pub fn respond(&self, path: &str, headers: &HeaderMap) -> Response {
        let Some(asset) = self.get(path) else {
            let api = path == "/api" || path.starts_with("/api/");
            return match self.get("/404.html").filter(|_| !api) {
                Some(page) => {
                    let mut response = Response::new(Body::from(page.bytes.clone()));
                    *response.status_mut() = StatusCode::NOT_FOUND;
                    response.headers_mut().insert(
                        header::CONTENT_TYPE,
                        HeaderValue::from_static(page.content_type),
                    );
                    response.extensions_mut().insert(ErrorBodyMarker);
                    response
                }
                None => ApiError::for_status(StatusCode::NOT_FOUND).into_response(),
            };
        };
        let etag = format!("\"{}\"", &asset.sha256_hex[..32]);
        let cache = if is_html(path) {
            "no-store"
        } else {
            "no-cache"
        };
        let not_modified = headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
        let mut response = if not_modified {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            Response::new(Body::from(asset.bytes.clone()))
        };
        let h = response.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(asset.content_type),
        );
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        if let Ok(v) = HeaderValue::from_str(&etag) {
            h.insert(header::ETAG, v);
        }
        response
    }
}

fn read_dir_files(root: &Path) -> anyhow::Result<BTreeMap<String, Vec<u8>>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let name = entry.file_name();
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            let path = entry.path();
            let meta = std::fs::metadata(&path)?;
            if meta.is_dir() {
                walk(root, &path, out)?;
            } else if meta.is_file() {
                let rel = path.strip_prefix(root).unwrap_or(&path);
                let url = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                out.insert(format!("/{url}"), std::fs::read(&path)?);
            }
        }
        Ok(())
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out)
        .map_err(|e| anyhow::anyhow!("cannot read web directory {}: {e}", root.display()))?;
    Ok(out)
}

/// The account pages: each path is served its `.html` file (they take no server-side data).
pub const ACCOUNT_PAGES: [(&str, &str); 7] = [
    ("/signup", "/signup.html"),
    ("/login", "/login.html"),
    ("/reset", "/reset.html"),
    ("/invite", "/invite.html"),
    ("/account", "/account.html"),
    ("/org", "/org.html"),
    ("/shares", "/shares.html"),
];

/// The secret request pages: request one, answer one (`/r/{id}#commitment`), and the
/// requester's page (`/r/{id}/open#private-key`). The fragments never reach the server.
pub const REQUEST_PAGES: [(&str, &str); 3] = [
    ("/request", "/request.html"),
    ("/r/{id}", "/answer.html"),
    ("/r/{id}/open", "/receive.html"),
];

/// Routes of the web page: `/`, `/s/{id}`, the sender's `/s/{id}/status`, the account pages
/// ([`ACCOUNT_PAGES`]), the request pages ([`REQUEST_PAGES`]), `/assets.json` and every file by its path; anything else is the HTML
/// page `/404.html`.
pub fn router<S: Clone + Send + Sync + 'static>(assets: Arc<WebAssets>) -> Router<S> {
    let index = Arc::clone(&assets);
    let reveal = Arc::clone(&assets);
    let status = Arc::clone(&assets);
    let hashes = Arc::clone(&assets);
    let manifest = Arc::clone(&assets);
    let mut router = Router::new();
    for (path, file) in ACCOUNT_PAGES.into_iter().chain(REQUEST_PAGES) {
        let page = Arc::clone(&assets);
        router = router.route(
            path,
            get(move |headers: HeaderMap| async move { page.respond(file, &headers) }),
        );
    }
    router
        .route(
            "/",
            get(move |headers: HeaderMap| async move { index.respond("/index.html", &headers) }),
        )
        .route(
            "/s/{id}",
            get(move |headers: HeaderMap| async move { reveal.respond("/reveal.html", &headers) }),
        )
        .route(
            "/s/{id}/status",
            get(move |headers: HeaderMap| async move { status.respond("/status.html", &headers) }),
        )
        .route(
            "/hashes",
            get(move || async move {
                (
                    [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                    hashes.hashes_page().clone(),
                )
            }),
        )
        .route(
            "/security",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                    SECURITY_MD,
                )
            }),
        )
        .route(
            "/assets.json",
            get(move || async move {
                (
                    [
                        (header::CONTENT_TYPE, "application/json"),
                        (header::CACHE_CONTROL, "no-cache"),
                    ],
                    manifest.manifest().clone(),
                )
            }),
        )
        .fallback(move |req: Request| async move {
            if req.method() != Method::GET && req.method() != Method::HEAD {
                let status = if assets.get(req.uri().path()).is_some() {
                    StatusCode::METHOD_NOT_ALLOWED
                } else {
                    StatusCode::NOT_FOUND
                };
                return ApiError::for_status(status).into_response();
            }
            assets.respond(req.uri().path(), req.headers())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_sri_and_hashes_served_bytes() {
        let mut raw = BTreeMap::new();
        raw.insert(
            "/index.html".to_string(),
            b"<script src=\"/app.js\" integrity=\"{{sri:/app.js}}\"></script>{{sri:/nope.js}}"
                .to_vec(),
        );
        raw.insert("/app.js".to_string(), b"console.log(1)".to_vec());
        raw.insert("/pkg/x.wasm".to_string(), vec![0, 97, 115, 109]);
        let assets = WebAssets::from_files(raw);
        let js_sri = sri(b"console.log(1)");
        let html = std::str::from_utf8(&assets.get("/index.html").unwrap().bytes).unwrap();
        assert!(html.contains(&format!("integrity=\"{js_sri}\"")));
        assert!(html.contains("{{sri:/nope.js}}"));
        let manifest: serde_json::Value = serde_json::from_slice(assets.manifest()).unwrap();
        let served = &assets.get("/index.html").unwrap().bytes;
        assert_eq!(
            manifest["files"]["/index.html"]["sha256"],
            hex::encode(Sha256::digest(served))
        );
        assert_eq!(manifest["files"]["/app.js"]["sha384"], js_sri);
        assert_eq!(manifest["files"]["/pkg/x.wasm"]["bytes"], 4);
        assert_eq!(
            assets.get("/pkg/x.wasm").unwrap().content_type,
            "application/wasm"
        );
    }

    #[test]
    fn pages_include_fragments_which_are_not_served() {
        let mut raw = BTreeMap::new();
        raw.insert(
            "/index.html".to_string(),
            b"<head>\n  {{include:/partials/meta.html}}\n</head>{{include:/partials/nope.html}}"
                .to_vec(),
        );
        raw.insert(
            "/partials/meta.html".to_string(),
            b"<!-- What the fragment is for. -->\n  <link href=\"/a.css\" integrity=\"{{sri:/a.css}}\">\n"
                .to_vec(),
        );
        raw.insert("/a.css".to_string(), b"body{}".to_vec());
        let assets = WebAssets::from_files(raw);
        let html = std::str::from_utf8(&assets.get("/index.html").unwrap().bytes).unwrap();
        assert_eq!(
            html,
            format!(
                "<head>\n  <link href=\"/a.css\" integrity=\"{}\">\n</head>{{{{include:/partials/nope.html}}}}",
                sri(b"body{}")
            )
        );
        assert!(assets.get("/partials/meta.html").is_none());
        let manifest: serde_json::Value = serde_json::from_slice(assets.manifest()).unwrap();
        assert!(manifest["files"].get("/partials/meta.html").is_none());
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type_for("/a.js"), "text/javascript; charset=utf-8");
        assert_eq!(content_type_for("/a.css"), "text/css; charset=utf-8");
        assert_eq!(content_type_for("/a.svg"), "image/svg+xml");
        assert_eq!(content_type_for("/a.png"), "image/png");
        assert_eq!(content_type_for("/a.json"), "application/json");
        assert_eq!(content_type_for("/a"), "application/octet-stream");
    }
}
