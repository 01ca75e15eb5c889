//! docs/openapi.json against the real server (over 400 lines: the document's checker and each provoked status).
//!
//! Every documented operation is called, every answer is validated against the document's
//! schema for its path, method and status, and a status the document does not list fails the
//! test.
//!
//! Statuses are provoked for real: 503 by stopping the Redis a server uses and by a server
//! whose one place for a request is taken, 429 with a server whose rate limit is one request
//! per second, 413 with a body over the limit, 408 with a body that never arrives at a server
//! whose timeout is one second. Only 500 (a bug
//! or a panic in the server) is documented but not provoked.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::Duration;

use reqwest::{Client, Method, RequestBuilder};
use serde_json::{Value, json};
use zkshare_crypto::{Credentials, LinkKey, seal_text};
use zkshare_tests::redis_server::RedisServer;
use zkshare_tests::server::{ServerProcess, Store};
use zkshare_tests::{workspace_binary, workspace_root};

#[path = "openapi_conformance/accounts.rs"]
mod accounts;
#[path = "openapi_conformance/branding.rs"]
mod branding;

const SECRETS: &str = "/api/v1/shared-secrets";
const PUBLIC: &str = "/api/v1/shared-secrets/public";
const SECRET: &str = "/api/v1/shared-secrets/{id}";
const ACCESS: &str = "/api/v1/shared-secrets/{id}/access";
const OPENAPI: &str = "/api/openapi.json";
const HEALTHZ: &str = "/healthz";
const READYZ: &str = "/readyz";

/// Well-formed ids that no server issued (the last character carries zero bits).
const UNKNOWN_ID: &str = "AAAAAAAAAAAAAAAAAAAAAA";
const MALFORMED_ID: &str = "not-a-secret-id";

/// Statuses the document lists that this test does not provoke, with the reason.
const NOT_PROVOKED: &[(u16, &str)] = &[(500, "a bug or panic in the server: nothing to provoke")];

fn load_document() -> Value {
    let path = workspace_root().join("docs/openapi.json");
    let text = std::fs::read_to_string(&path).expect("read docs/openapi.json");
    serde_json::from_str(&text).expect("docs/openapi.json is JSON")
}

/// `~` and `/` escaped for a JSON pointer segment (RFC 6901).
fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Follows a `$ref` to `#/...` inside the document.
fn follow<'a>(doc: &'a Value, value: &'a Value) -> (&'a Value, Option<String>) {
    match value.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let pointer = r.strip_prefix('#').expect("local $ref");
            let target = doc
                .pointer(pointer)
                .unwrap_or_else(|| panic!("$ref {r} does not resolve"));
            (target, Some(pointer.to_string()))
        }
        None => (value, None),
    }
}

/// The document, the validators built from it, and which (path, method, status) were seen.
struct Spec {
    doc: Value,
    validators: Mutex<HashMap<String, std::sync::Arc<jsonschema::Validator>>>,
    seen: Mutex<BTreeSet<(String, String, u16)>>,
}

impl Spec {
    fn new() -> Spec {
        Spec {
            doc: load_document(),
            validators: Mutex::new(HashMap::new()),
            seen: Mutex::new(BTreeSet::new()),
        }
    }

    /// Every (path, method, status) the document lists.
    fn documented(&self) -> BTreeSet<(String, String, u16)> {
        let mut out = BTreeSet::new();
        for (path, item) in self.doc["paths"].as_object().expect("paths") {
            for (method, op) in item.as_object().expect("path item") {
                if method == "parameters" {
                    continue;
                }
                for status in op["responses"].as_object().expect("responses").keys() {
                    out.insert((
                        path.clone(),
                        method.clone(),
                        status.parse().expect("numeric status"),
                    ));
                }
            }
        }
        out
    }

    /// The media type and JSON pointer of the response schema, if the status is documented: the
    /// documented media type the answer's Content-Type starts with, or the only one there is.
    fn response_schema(
        &self,
        path: &str,
        method: &str,
        status: u16,
        content_type: &str,
    ) -> Option<(String, String)> {
        let base = format!(
            "/paths/{}/{}/responses/{status}",
            escape(path),
            method.to_lowercase()
        );
        let response = self.doc.pointer(&base)?;
        let (response, moved) = follow(&self.doc, response);
        let base = moved.unwrap_or(base);
        // A response without content (204): no media type, no schema.
        let Some(content) = response.get("content").and_then(Value::as_object) else {
            return Some((String::new(), String::new()));
        };
        // One media type, or several that an answer tells apart by its Content-Type (the
        // branding images: image/png or image/jpeg).
        let (media, _) = content
            .iter()
            .find(|(media, _)| content_type.starts_with(media.as_str()))
            .or_else(|| (content.len() == 1).then(|| content.iter().next().unwrap()))
            .unwrap_or_else(|| panic!("{base}: no media type for Content-Type {content_type:?}"));
        Some((
            media.clone(),
            format!("{base}/content/{}/schema", escape(media)),
        ))
    }

    /// The request body schema pointer of an operation.
    fn request_schema(&self, path: &str, method: &str) -> String {
        let pointer = format!(
            "/paths/{}/{}/requestBody/content/application~1json/schema",
            escape(path),
            method.to_lowercase()
        );
        assert!(
            self.doc.pointer(&pointer).is_some(),
            "no request schema at {pointer}"
        );
        pointer
    }

    /// A validator for the schema at `pointer`, resolving `$ref`s against the whole document.
    fn validator(&self, pointer: &str) -> std::sync::Arc<jsonschema::Validator> {
        let mut cache = self.validators.lock().unwrap();
        cache
            .entry(pointer.to_string())
            .or_insert_with(|| {
                let mut root = self.doc.clone();
                // A URI fragment: the braces of `{id}` must be percent-encoded.
                let fragment = pointer.replace('{', "%7B").replace('}', "%7D");
                root["$ref"] = json!(format!("#{fragment}"));
                let validator = jsonschema::options()
                    .with_draft(jsonschema::Draft::Draft202012)
                    .should_validate_formats(true)
                    .build(&root)
                    .unwrap_or_else(|e| panic!("schema at {pointer} does not compile: {e}"));
                std::sync::Arc::new(validator)
            })
            .clone()
    }

    fn errors(&self, pointer: &str, instance: &Value) -> Vec<String> {
        self.validator(pointer)
            .iter_errors(instance)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect()
    }

    /// Asserts that `body` is valid for the operation's request schema.
    fn assert_valid_request(&self, path: &str, method: &str, body: &Value) {
        let errors = self.errors(&self.request_schema(path, method), body);
        assert!(
            errors.is_empty(),
            "{method} {path}: a request the server accepts is invalid for the document: {errors:#?}\n{body}"
        );
    }

    /// [`Spec::assert_valid_request`] for a request the server is expected to accept (2xx);
    /// requests meant to be refused may break the schema on purpose.
    fn assert_valid_request_lenient(&self, path: &str, method: &str, body: &Value, status: u16) {
        if status < 300 {
            self.assert_valid_request(path, &method.to_lowercase(), body);
        }
    }

    /// Sends, checks the status is documented, validates the body, records it.
    async fn exchange(&self, request: RequestBuilder, method: &str, path: &str) -> (u16, Value) {
        let response = request.send().await.expect("send request");
        self.exchange_text(response, method, path).await
    }

    /// [`Spec::exchange`] of an answer already received (whose headers the caller read).
    async fn exchange_text(
        &self,
        response: reqwest::Response,
        method: &str,
        path: &str,
    ) -> (u16, Value) {
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let text = response.text().await.expect("read body");
        (
            status,
            self.check(method, path, status, &content_type, &text),
        )
    }

    /// Checks one answer against the document and records it as seen.
    fn check(
        &self,
        method: &str,
        path: &str,
        status: u16,
        content_type: &str,
        text: &str,
    ) -> Value {
        let (media, pointer) = self.response_schema(path, method, status, content_type).unwrap_or_else(|| {
            panic!("{method} {path} answered {status}, which docs/openapi.json does not document; body: {text}")
        });
        if pointer.is_empty() {
            assert!(
                text.is_empty(),
                "{method} {path} {status}: the document says no content, the body is {text:?}"
            );
            self.seen
                .lock()
                .unwrap()
                .insert((path.to_string(), method.to_lowercase(), status));
            return Value::Null;
        }
        assert!(
            content_type.starts_with(&media),
            "{method} {path} {status}: Content-Type {content_type:?}, document says {media}"
        );
        let instance = if media == "application/json" {
            serde_json::from_str(text).unwrap_or_else(|e| {
                panic!("{method} {path} {status}: body is not JSON ({e}): {text}")
            })
        } else {
            Value::String(text.to_string())
        };
        let errors = self.errors(&pointer, &instance);
        assert!(
            errors.is_empty(),
            "{method} {path} {status}: body does not match {pointer}: {errors:#?}\nbody: {instance:#}"
        );
        self.seen
            .lock()
            .unwrap()
            .insert((path.to_string(), method.to_lowercase(), status));
        instance
    }
}

/// Sends only the head of a POST whose Content-Length is over the server's 128 KiB limit and
/// reads the answer. (Sending the body too races the server, which answers 413 and closes
/// before reading it.) Returns the status, Content-Type and body.
fn post_oversized_head(addr: &str, path: &str) -> (u16, String, String) {
    post_head(addr, path, 200 * 1024, "")
}

/// Sends the head of a POST announcing `content_length` bytes, then only `body`, and reads the
/// answer (the server answers before the rest could arrive). Returns the status, Content-Type
/// and body.
fn post_head(addr: &str, path: &str, content_length: usize, body: &str) -> (u16, String, String) {
    use std::io::{Read as _, Write as _};
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {content_length}\r\nConnection: close\r\n\r\n{body}"
    )
    .unwrap();
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let text = String::from_utf8(raw).expect("UTF-8 answer");
    let (head, body) = text.split_once("\r\n\r\n").expect("HTTP answer");
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("status line: {head}"));
    let header = |name: &str| {
        head.lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_string())
    };
    let body = if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        let mut out = String::new();
        let mut rest = body;
        while let Some((size, after)) = rest.split_once("\r\n") {
            let size = usize::from_str_radix(size.trim(), 16).expect("chunk size");
            if size == 0 {
                break;
            }
            out.push_str(&after[..size]);
            rest = &after[size + 2..];
        }
        out
    } else {
        body.to_string()
    };
    (status, header("content-type").unwrap_or_default(), body)
}

/// Calls operations of one running server.
struct Caller<'a> {
    spec: &'a Spec,
    http: Client,
    base: String,
}

impl<'a> Caller<'a> {
    fn new(spec: &'a Spec, base: &str) -> Caller<'a> {
        Caller {
            spec,
            http: Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
            base: base.trim_end_matches('/').to_string(),
        }
    }

    fn request(&self, method: &Method, template: &str, id: Option<&str>) -> RequestBuilder {
        let path = match id {
            Some(id) => template.replace("{id}", id),
            None => template.to_string(),
        };
        self.http
            .request(method.clone(), format!("{}{path}", self.base))
    }

    async fn call(
        &self,
        method: Method,
        template: &str,
        id: Option<&str>,
        build: impl FnOnce(RequestBuilder) -> RequestBuilder,
    ) -> (u16, Value) {
        let request = build(self.request(&method, template, id));
        self.spec.exchange(request, method.as_str(), template).await
    }

    /// A POST whose body is over the limit: 413.
    fn expect_oversized(&self, template: &str, path: &str) {
        let addr = self.base.trim_start_matches("http://");
        let (status, content_type, body) = post_oversized_head(addr, path);
        assert_eq!(status, 413, "POST {path}: {body}");
        self.spec
            .check("post", template, status, &content_type, &body);
    }

    /// A POST whose body never arrives, at a server with a one-second timeout: 408.
    fn expect_timeout(&self, template: &str, path: &str) {
        let addr = self.base.trim_start_matches("http://");
        let (status, content_type, body) = post_head(addr, path, 100, "{");
        assert_eq!(status, 408, "POST {path}: {body}");
        self.spec
            .check("post", template, status, &content_type, &body);
    }

    /// Calls and asserts the status.
    async fn expect(
        &self,
        status: u16,
        method: Method,
        template: &str,
        id: Option<&str>,
        build: impl FnOnce(RequestBuilder) -> RequestBuilder,
    ) -> Value {
        let (got, body) = self.call(method.clone(), template, id, build).await;
        assert_eq!(got, status, "{method} {template}: {body:#}");
        body
    }
}

fn envelope(password: Option<&str>) -> (String, String) {
    let key = LinkKey::generate();
    let creds = match password {
        Some(pw) => Credentials::KeyAndPassword(&key, pw),
        None => Credentials::Key(&key),
    };
    let sealed = seal_text("conformance", &creds).expect("seal");
    (sealed.envelope, sealed.verifier)
}

fn create_body(envelope: &str, verifier: &str, max_views: Option<u32>) -> Value {
    let mut body = json!({
        "secretValue": envelope,
        "password": verifier,
        "expiresIn": "1h",
        "name": "conformance",
    });
    if let Some(n) = max_views {
        body["maxViews"] = json!(n);
    }
    body
}

/// Everything a healthy server with the embedded store answers.
async fn healthy_server(spec: &Spec) {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(Store::Embedded(dir.path()), &[]);
    let api = Caller::new(spec, server.base_url());

    // Probes and the document itself.
    api.expect(200, Method::GET, HEALTHZ, None, |r| r).await;
    api.expect(200, Method::GET, READYZ, None, |r| r).await;
    let served = api.expect(200, Method::GET, OPENAPI, None, |r| r).await;
    assert_eq!(
        served, spec.doc,
        "GET /api/openapi.json serves docs/openapi.json"
    );

    // Create, on both create routes.
    let (env, verifier) = envelope(None);
    for path in [SECRETS, PUBLIC] {
        let body = create_body(&env, &verifier, Some(2));
        spec.assert_valid_request(path, "post", &body);
        let created = api
            .expect(200, Method::POST, path, None, |r| r.json(&body))
            .await;
        assert_eq!(created["expiresAfterViews"], 2);
        // Minimal request: only the envelope.
        let minimal = json!({ "secretValue": env });
        spec.assert_valid_request(path, "post", &minimal);
        api.expect(200, Method::POST, path, None, |r| r.json(&minimal))
            .await;
        // A plain password from a non-zkshare client is accepted too.
        let plain =
            json!({ "secretValue": env, "password": "hunter2", "maxViews": 1, "expiresIn": "5m" });
        spec.assert_valid_request(path, "post", &plain);
        api.expect(200, Method::POST, path, None, |r| r.json(&plain))
            .await;

        let invalid = [
            json!({ "secretValue": env, "expiresIn": "31d" }),
            json!({ "secretValue": env, "expiresIn": "4m" }),
            json!({ "secretValue": env, "expiresIn": "soon" }),
            json!({ "secretValue": "plaintext is refused" }),
            json!({ "secretValue": env, "maxViews": 0 }),
            json!({ "secretValue": env, "name": "n".repeat(51) }),
            json!({ "secretValue": env, "unknownField": true }),
            json!({ "name": "no secretValue" }),
        ];
        for body in &invalid {
            let error = api
                .expect(400, Method::POST, path, None, |r| r.json(body))
                .await;
            assert!(!error["message"].as_str().unwrap().is_empty());
        }
        let e = api
            .expect(400, Method::POST, path, None, |r| r.json(&invalid[0]))
            .await;
        assert_eq!(e["message"], "Expiration time cannot exceed 30 days");
        let e = api
            .expect(400, Method::POST, path, None, |r| r.json(&invalid[1]))
            .await;
        assert_eq!(
            e["message"],
            "Expiration time cannot be less than 5 minutes"
        );
        let e = api
            .expect(400, Method::POST, path, None, |r| r.json(&invalid[2]))
            .await;
        assert_eq!(e["message"], "Invalid duration format");
        api.expect(400, Method::POST, path, None, |r| {
            r.header("content-type", "application/json")
                .body("{not json")
        })
        .await;

        for needs_account in [
            json!({ "secretValue": env, "accessType": "organization" }),
            json!({ "secretValue": env, "authorizedEmails": ["a@example.com"] }),
        ] {
            api.expect(401, Method::POST, path, None, |r| r.json(&needs_account))
                .await;
        }
        api.expect_oversized(path, path);
    }

    // Listing needs an account.
    api.expect(401, Method::GET, SECRETS, None, |r| r).await;

    // Metadata, access, delete on one secret with two views.
    let created = api
        .expect(200, Method::POST, SECRETS, None, |r| {
            r.json(&create_body(&env, &verifier, Some(2)))
        })
        .await;
    let id = created["id"].as_str().unwrap().to_string();
    let token = created["deleteToken"].as_str().unwrap().to_string();
    let meta = api.expect(200, Method::GET, SECRET, Some(&id), |r| r).await;
    assert_eq!(meta["expiresAfterViews"], 2, "metadata spends no view");
    assert_eq!(meta["envelopeHeader"], env.split('.').next().unwrap());
    api.expect(400, Method::GET, SECRET, Some(MALFORMED_ID), |r| r)
        .await;
    api.expect(404, Method::GET, SECRET, Some(UNKNOWN_ID), |r| r)
        .await;

    let e = api
        .expect(401, Method::POST, ACCESS, Some(&id), |r| r)
        .await;
    assert_eq!(e["message"], "Password is required to access this secret");
    let (_, wrong) = envelope(None);
    let e = api
        .expect(401, Method::POST, ACCESS, Some(&id), |r| {
            r.json(&json!({ "password": wrong }))
        })
        .await;
    assert_eq!(e["message"], "Invalid credentials");
    let access = json!({ "password": verifier });
    spec.assert_valid_request(ACCESS, "post", &access);
    let opened = api
        .expect(200, Method::POST, ACCESS, Some(&id), |r| r.json(&access))
        .await;
    assert_eq!(opened["secretValue"], env.as_str());
    assert_eq!(opened["expiresAfterViews"], 2, "the count before this view");
    api.expect(400, Method::POST, ACCESS, Some(MALFORMED_ID), |r| {
        r.json(&access)
    })
    .await;
    api.expect(400, Method::POST, ACCESS, Some(&id), |r| {
        r.header("content-type", "application/json").body("[1,")
    })
    .await;
    api.expect(400, Method::POST, ACCESS, Some(&id), |r| {
        r.json(&json!({ "password": verifier, "extra": 1 }))
    })
    .await;
    api.expect_oversized(ACCESS, &ACCESS.replace("{id}", &id));
    for (template, path) in accounts::posts_with_bodies() {
        api.expect_oversized(template, &path);
    }
    api.expect(404, Method::POST, ACCESS, Some(UNKNOWN_ID), |r| {
        r.json(&access)
    })
    .await;

    api.expect(401, Method::DELETE, SECRET, Some(&id), |r| r)
        .await;
    api.expect(403, Method::DELETE, SECRET, Some(&id), |r| {
        r.header("X-Delete-Token", "not-the-token")
    })
    .await;
    api.expect(400, Method::DELETE, SECRET, Some(MALFORMED_ID), |r| {
        r.header("X-Delete-Token", &token)
    })
    .await;
    let deleted = api
        .expect(200, Method::DELETE, SECRET, Some(&id), |r| {
            r.header("X-Delete-Token", &token)
        })
        .await;
    assert_eq!(deleted["id"], id.as_str());
    api.expect(404, Method::DELETE, SECRET, Some(&id), |r| {
        r.header("X-Delete-Token", &token)
    })
    .await;
    api.expect(404, Method::POST, ACCESS, Some(&id), |r| r.json(&access))
        .await;

    // The last view deletes: maxViews 1 in key+password mode, then 404.
    let (env, verifier) = envelope(Some("pw"));
    let created = api
        .expect(200, Method::POST, SECRETS, None, |r| {
            r.json(&create_body(&env, &verifier, Some(1)))
        })
        .await;
    let id = created["id"].as_str().unwrap().to_string();
    let access = json!({ "password": verifier });
    let opened = api
        .expect(200, Method::POST, ACCESS, Some(&id), |r| r.json(&access))
        .await;
    assert_eq!(opened["expiresAfterViews"], 1);
    api.expect(404, Method::GET, SECRET, Some(&id), |r| r).await;
}

/// 503 from every operation that needs the store, with Redis stopped under the server.
async fn store_outage(spec: &Spec) {
    let mut redis = RedisServer::start();
    let server = ServerProcess::start(Store::Redis(redis.url()), &["--redis-timeout-ms", "300"]);
    let api = Caller::new(spec, server.base_url());
    let (env, verifier) = envelope(None);
    let body = create_body(&env, &verifier, None);
    let created = api
        .expect(200, Method::POST, SECRETS, None, |r| r.json(&body))
        .await;
    let id = created["id"].as_str().unwrap().to_string();
    api.expect(200, Method::GET, READYZ, None, |r| r).await;

    redis.stop();
    api.expect(503, Method::GET, READYZ, None, |r| r).await;
    api.expect(503, Method::POST, SECRETS, None, |r| r.json(&body))
        .await;
    api.expect(503, Method::POST, PUBLIC, None, |r| r.json(&body))
        .await;
    api.expect(503, Method::GET, SECRET, Some(&id), |r| r).await;
    api.expect(503, Method::POST, ACCESS, Some(&id), |r| {
        r.json(&json!({ "password": verifier }))
    })
    .await;
    api.expect(503, Method::DELETE, SECRET, Some(&id), |r| {
        r.header("X-Delete-Token", "x")
    })
    .await;
    // Every account operation, with a token the server must look up.
    for (method, template, path, body) in accounts::operations() {
        let request = api
            .http
            .request(method.clone(), format!("{}{path}", api.base))
            .bearer_auth(accounts::STRANGE_SESSION);
        let request = match &body {
            Some(b) => request.json(b),
            None => request,
        };
        let (got, answer) = spec.exchange(request, method.as_str(), template).await;
        assert_eq!(got, 503, "{method} {path} with Redis down: {answer:#}");
    }
    // The branding files beside the pages (no rate limit, so not among the API's operations).
    branding::outage(&api).await;
    // Liveness does not depend on the store.
    api.expect(200, Method::GET, HEALTHZ, None, |r| r).await;
}

/// 408 from every operation that reads a body, when the body does not arrive in time.
fn slow_bodies(spec: &Spec) {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(
        Store::Embedded(dir.path()),
        &["--request-timeout-secs", "1"],
    );
    let api = Caller::new(spec, server.base_url());
    for path in [SECRETS, PUBLIC] {
        api.expect_timeout(path, path);
    }
    api.expect_timeout(ACCESS, &ACCESS.replace("{id}", UNKNOWN_ID));
    for (template, path) in accounts::posts_with_bodies() {
        api.expect_timeout(template, &path);
    }
}

/// A server started with a rate limit (the harness always turns it off), or other limits.
struct LimitedServer {
    base_url: String,
    _server: ServerProcess,
    _dir: tempfile::TempDir,
}

impl LimitedServer {
    fn start() -> LimitedServer {
        Self::start_with(&["--rate-limit-per-second", "1", "--rate-limit-burst", "1"])
    }

    fn start_with(limits: &[&str]) -> LimitedServer {
        let dir = tempfile::tempdir().unwrap();
        let mut args = vec!["--log", "warn"];
        args.extend_from_slice(limits);
        args.extend(["--data-dir", dir.path().to_str().unwrap()]);
        let server = ServerProcess::launch(&workspace_binary("zkshare-server"), &args);
        LimitedServer {
            base_url: server.base_url().to_string(),
            _server: server,
            _dir: dir,
        }
    }
}

/// Calls every API operation until it answers `status`, at most `tries` times each with `pause`
/// after each miss; panics naming the first operation that never was `what`.
async fn every_operation_answers(
    api: &Caller<'_>,
    status: u16,
    tries: usize,
    pause: Duration,
    what: &str,
) {
    let (env, verifier) = envelope(None);
    let create = create_body(&env, &verifier, None);
    let access = json!({ "password": verifier });
    let operations: Vec<(Method, &str, Option<&str>, Option<&Value>)> = vec![
        (Method::POST, SECRETS, None, Some(&create)),
        (Method::POST, PUBLIC, None, Some(&create)),
        (Method::GET, SECRETS, None, None),
        (Method::GET, SECRET, Some(UNKNOWN_ID), None),
        (Method::POST, ACCESS, Some(UNKNOWN_ID), Some(&access)),
        (Method::DELETE, SECRET, Some(UNKNOWN_ID), None),
        (Method::GET, OPENAPI, None, None),
    ];
    for (method, path, id, body) in operations {
        let mut answered = false;
        let mut last = (0, Value::Null);
        for _ in 0..tries {
            last = api
                .call(method.clone(), path, id, |r| match body {
                    Some(b) => r.json(b).header("X-Delete-Token", "x"),
                    None => r.header("X-Delete-Token", "x"),
                })
                .await;
            if last.0 == status {
                answered = true;
                break;
            }
            if !pause.is_zero() {
                tokio::time::sleep(pause).await;
            }
        }
        assert!(
            answered,
            "{method} {path} was never {what}; the last answer: {} {}",
            last.0, last.1
        );
    }
    for (method, template, path, body) in accounts::operations() {
        let mut answered = false;
        for _ in 0..tries {
            let request = api
                .http
                .request(method.clone(), format!("{}{path}", api.base));
            let request = match &body {
                Some(b) => request.json(b),
                None => request,
            };
            let (got, _) = api.spec.exchange(request, method.as_str(), template).await;
            if got == status {
                answered = true;
                break;
            }
            if !pause.is_zero() {
                tokio::time::sleep(pause).await;
            }
        }
        assert!(answered, "{method} {path} was never {what}");
    }
}

/// 429 from every rate-limited operation.
async fn rate_limit(spec: &Spec) {
    let server = LimitedServer::start();
    let api = Caller::new(spec, &server.base_url);
    // With one request per second and a burst of one, the second of two quick calls is
    // limited; a few tries absorb a refill between them.
    every_operation_answers(&api, 429, 5, Duration::ZERO, "rate limited").await;
}

/// 503 from every API operation while the server is at its cap of requests in flight: one
/// request that promises a body and never sends it holds the only place.
async fn busy(spec: &Spec) {
    use std::io::Write as _;
    let server = LimitedServer::start_with(&["--max-concurrent-requests", "1"]);
    let api = Caller::new(spec, &server.base_url);
    let addr = server.base_url.trim_start_matches("http://").to_string();
    // The stalled request must be the one in flight: sent alone, given time to be read, and
    // checked to be still unanswered (were another request read first, the stalled one would
    // get the 503 itself and leave the place free).
    let stalled = (0..20)
        .find_map(|_| {
            let mut stalled = std::net::TcpStream::connect(&addr).unwrap();
            write!(
                stalled,
                "POST {SECRETS} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{"
            )
            .unwrap();
            std::thread::sleep(Duration::from_millis(300));
            stalled.set_nonblocking(true).unwrap();
            let unanswered = matches!(
                stalled.peek(&mut [0u8; 1]),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock
            );
            stalled.set_nonblocking(false).unwrap();
            unanswered.then_some(stalled)
        })
        .expect("a stalled request holds the one place");
    every_operation_answers(&api, 503, 500, Duration::from_millis(20), "refused as busy").await;
    // Probes bypass the cap.
    api.expect(200, Method::GET, HEALTHZ, None, |r| r).await;
    drop(stalled);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_operation_answers_as_documented() {
    let spec = Spec::new();
    healthy_server(&spec).await;
    accounts::account_operations(&spec).await;
    accounts::closed_sign_ups(&spec).await;
    store_outage(&spec).await;
    rate_limit(&spec).await;
    busy(&spec).await;
    slow_bodies(&spec);

    let seen = spec.seen.lock().unwrap().clone();
    let documented = spec.documented();
    let missing: Vec<_> = documented
        .iter()
        .filter(|(_, _, status)| !NOT_PROVOKED.iter().any(|(s, _)| s == status))
        .filter(|k| !seen.contains(*k))
        .collect();
    assert!(
        missing.is_empty(),
        "documented but never seen: {missing:#?}"
    );
    let operations: BTreeSet<_> = documented.iter().map(|(p, m, _)| (p, m)).collect();
    let called: BTreeSet<_> = seen.iter().map(|(p, m, _)| (p, m)).collect();
    assert_eq!(
        operations, called,
        "every path and method of the document is exercised"
    );
    eprintln!(
        "openapi conformance: {} (path, method, status) combinations seen, {} documented",
        seen.len(),
        documented.len()
    );
}

#[test]
fn the_document_is_openapi_3_1_with_json_schema_2020_12() {
    let doc = load_document();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(
        doc["jsonSchemaDialect"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    // OpenAPI 3.0's `nullable` means nothing in 3.1: nullable types are `["T", "null"]`.
    fn walk(value: &Value, at: &str, doc: &Value, problems: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    if k == "nullable" {
                        problems.push(format!("{at}: `nullable` is OpenAPI 3.0"));
                    }
                    if k == "$ref" {
                        let r = v.as_str().unwrap_or("");
                        let ok = r
                            .strip_prefix('#')
                            .is_some_and(|p| doc.pointer(p).is_some());
                        if !ok {
                            problems.push(format!("{at}: $ref {r} does not resolve"));
                        }
                    }
                    walk(v, &format!("{at}/{}", escape(k)), doc, problems);
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    walk(v, &format!("{at}/{i}"), doc, problems);
                }
            }
            _ => {}
        }
    }
    let mut problems = Vec::new();
    walk(&doc, "", &doc, &mut problems);
    assert!(problems.is_empty(), "{problems:#?}");

    // Limits the brief and the server agree on.
    let request = &doc["components"]["schemas"]["CreateSharedSecretRequest"];
    assert_eq!(request["additionalProperties"], false);
    assert_eq!(request["properties"]["name"]["maxLength"], 50);
    assert_eq!(
        doc["components"]["schemas"]["Envelope"]["maxLength"],
        zkshare_crypto::MAX_ENVELOPE_CHARS
    );
    assert_eq!(
        request["properties"]["maxViews"]["type"],
        json!(["integer", "null"])
    );
    assert_eq!(request["properties"]["maxViews"]["minimum"], 1);
    assert_eq!(request["properties"]["authorizedEmails"]["maxItems"], 100);

    // Every schema compiles, and each error schema rejects a body with the wrong status.
    let spec = Spec::new();
    for name in doc["components"]["schemas"].as_object().unwrap().keys() {
        spec.validator(&format!("/components/schemas/{}", escape(name)));
    }
    let wrong =
        json!({ "reqId": "req-x", "statusCode": 400, "message": "m", "error": "Not Found" });
    assert!(
        !spec
            .errors("/components/schemas/Error404", &wrong)
            .is_empty()
    );
    let right =
        json!({ "reqId": "req-x", "statusCode": 404, "message": "m", "error": "Not Found" });
    assert!(
        spec.errors("/components/schemas/Error404", &right)
            .is_empty()
    );
    let extra = json!({ "reqId": "req-x", "statusCode": 404, "message": "m", "error": "Not Found", "x": 1 });
    assert!(
        !spec
            .errors("/components/schemas/Error404", &extra)
            .is_empty()
    );

    // The composed share schemas (allOf + unevaluatedProperties) accept exactly their fields.
    let mut accessed = json!({
        "id": UNKNOWN_ID, "expiresAt": "2026-11-22T20:00:00.000Z",
        "createdAt": "2026-11-22T19:00:00.000Z", "updatedAt": "2026-11-22T19:00:00.000Z",
        "userId": null, "orgId": null, "expiresAfterViews": null, "accessType": "anyone",
        "name": null, "lastViewedAt": null, "type": "share", "authorizedEmails": null,
        "identityId": null, "allowExternalEmails": false, "recipientCount": 0,
        "notifyOnView": false, "secretValue": envelope(None).0,
    });
    let errors = spec.errors("/components/schemas/AccessedShare", &accessed);
    assert!(errors.is_empty(), "{errors:#?}");
    accessed["deleteToken"] = json!("x");
    assert!(
        !spec
            .errors("/components/schemas/AccessedShare", &accessed)
            .is_empty()
    );
    accessed.as_object_mut().unwrap().remove("deleteToken");
    accessed.as_object_mut().unwrap().remove("updatedAt");
    assert!(
        !spec
            .errors("/components/schemas/AccessedShare", &accessed)
            .is_empty()
    );
    accessed["updatedAt"] = json!("yesterday");
    assert!(
        !spec
            .errors("/components/schemas/AccessedShare", &accessed)
            .is_empty(),
        "formats are validated"
    );
}

/// The document's `RequestAnswer` pattern accepts exactly the answers the server accepts: every
/// size, and the near misses around them.
#[test]
fn the_answer_pattern_is_the_servers_rule() {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use rand::RngExt as _;
    use zkshare_server::requests::validate::answer;

    let spec = Spec::new();
    let key = accounts::request_key();
    let agree = |text: &str| {
        let documented = spec
            .errors("/components/schemas/RequestAnswer", &json!(text))
            .is_empty();
        assert_eq!(
            documented,
            answer(text, &key).is_ok(),
            "the document and the server disagree on {} characters: {text:.80}…",
            text.len()
        );
        documented
    };
    let mut rng = rand::rng();
    for blocks in 1..=158usize {
        for delta in [0i64, 0, -1, 1, -16, 256] {
            let header = if rng.random_bool(0.9) {
                [1u8, 0x10, 1]
            } else {
                [1, rng.random_range(0..0x20), rng.random_range(0..3)]
            };
            let len = (48 + 256 * blocks as i64 + delta) as usize;
            let mut body = vec![0u8; len];
            rand::fill(&mut body[..]);
            let text = format!(
                "{}.{}",
                URL_SAFE_NO_PAD.encode(header),
                URL_SAFE_NO_PAD.encode(&body)
            );
            let payload = len - 48;
            let expected = header == [1, 0x10, 1]
                && payload.is_multiple_of(256)
                && (1..=157).contains(&(payload / 256));
            assert_eq!(agree(&text), expected, "{blocks} blocks, {delta:+} bytes");
        }
    }
    for text in ["", "ARAB", "ARAB.", "AQ.AAAA", &accounts::request_key()] {
        assert!(!agree(text));
    }
}

/// The document's `Envelope` and `expiresIn` patterns accept exactly what the server accepts, so
/// that schema-valid requests are not refused and schema-invalid ones are (schemathesis checks
/// both from the outside: tests/tests/api_schema_fuzz.rs).
#[test]
fn the_patterns_are_the_servers_rules() {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use rand::{Rng as _, RngExt as _};
    use zkshare_server::shares::validate::{check_envelope, parse_expires_in};

    let spec = Spec::new();
    let envelope_schema = "/components/schemas/Envelope";
    let expires_schema = "/components/schemas/CreateSharedSecretRequest/properties/expiresIn";
    let agree = |text: &str| {
        let documented = spec.errors(envelope_schema, &json!(text)).is_empty();
        assert_eq!(
            documented,
            check_envelope(text).is_ok(),
            "the document and the server disagree on {} characters: {text:.80}…",
            text.len()
        );
        documented
    };

    // Real envelopes of every mode and size, and the vectors (malformed ones included).
    for text in ["", "x", "plain text"] {
        assert!(!agree(text));
    }
    let key = LinkKey::generate();
    for creds in [
        Credentials::Key(&key),
        Credentials::KeyAndPassword(&key, "pw"),
        Credentials::Password("pw"),
    ] {
        for len in [0, 251, 252, 1_000, 10_000] {
            let sealed = seal_text(&"é".repeat(len / 2), &creds).expect("seal");
            assert!(agree(&sealed.envelope));
        }
    }
    let vectors: Value = serde_json::from_str(
        &std::fs::read_to_string(workspace_root().join("tests/vectors/protocol-v1.json")).unwrap(),
    )
    .unwrap();
    for v in vectors["vectors"].as_array().unwrap() {
        agree(v["envelope"].as_str().unwrap());
    }

    // Near misses: every header and body length around the valid ones, each mode and version.
    let mut rng = rand::rng();
    let mut accepted = 0;
    for _ in 0..2_000 {
        let mut header = vec![0u8; [33, 34, 35, 45, 46, 47][rng.random_range(0..6)]];
        rng.fill_bytes(&mut header);
        header[0] = if rng.random_bool(0.9) { 1 } else { 2 };
        header[1] = rng.random_range(0..5);
        let blocks = rng.random_range(1..8);
        let body_len = (28 + 256 * blocks) as i64 + [0, 0, 0, -1, 1, -256][rng.random_range(0..6)];
        let mut body = vec![0u8; body_len as usize];
        rng.fill_bytes(&mut body);
        let mut text = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&header),
            URL_SAFE_NO_PAD.encode(&body)
        );
        if rng.random_bool(0.2) {
            // One character changed: other alphabets, padding, a dot, trailing bits.
            let at = rng.random_range(0..text.len());
            let with = ["+", "/", "=", ".", " ", "B", "_"][rng.random_range(0..7)];
            text.replace_range(at..at + 1, with);
        }
        accepted += usize::from(agree(&text));
    }
    assert!(accepted > 10, "the near misses include valid envelopes");

    // expiresIn: every value of every unit across the bounds, with and without leading zeros.
    for unit in ["s", "m", "h", "d", "w"] {
        let values = (0..3_000)
            .chain((40_000..45_000).step_by(7))
            .chain(2_591_990..2_592_010);
        for n in values {
            for text in [format!("{n}{unit}"), format!("00{n}{unit}")] {
                assert_eq!(
                    spec.errors(expires_schema, &json!(text)).is_empty(),
                    parse_expires_in(&text).is_ok(),
                    "expiresIn {text:?}"
                );
            }
        }
    }
    for text in [
        "",
        "m",
        "5",
        "5M",
        "+5m",
        "5 m",
        "1.5h",
        "99999999999999999999d",
    ] {
        assert!(!spec.errors(expires_schema, &json!(text)).is_empty());
        assert!(parse_expires_in(text).is_err());
    }
}

#[test]
fn the_e_mail_pattern_is_the_servers_rule() {
    use rand::RngExt as _;
    use zkshare_server::accounts::email::normalize;

    let spec = Spec::new();
    let schema = "/components/schemas/SignupRequest/properties/email";
    let agree = |text: &str| {
        let documented = spec.errors(schema, &json!(text)).is_empty();
        assert_eq!(
            documented,
            normalize(text).is_some(),
            "the document and the server disagree on {text:?}"
        );
        documented
    };
    for good in [
        "a@b.co",
        "Alice.Smith+ci@Example.COM",
        "x_y-z@mail-1.example.org",
    ] {
        assert!(agree(good), "{good}");
    }
    for bad in [
        "", "a", "a@b", "@b.co", "a@.co", "a@b..co", " a@b.co", "a@b.co ", "ä@b.co", "a@b_c.co",
    ] {
        assert!(!agree(bad), "{bad}");
    }
    let long_local = format!("{}@b.co", "a".repeat(65));
    assert!(!agree(&long_local));
    let long = format!("a@{}.co", "b".repeat(251));
    assert!(!agree(&long));
    let long_label = format!("a@{}.co", "b".repeat(64));
    assert!(!agree(&long_label));
    assert!(agree(&format!("a@{}.co", "b".repeat(63))));
    // Random strings over an alphabet of the characters that matter.
    let alphabet: Vec<char> = "aZ09.@-_+ !\"(<ä\t#%".chars().collect();
    let mut rng = rand::rng();
    let mut accepted = 0;
    for _ in 0..5_000 {
        let len = rng.random_range(0..14);
        let text: String = (0..len)
            .map(|_| alphabet[rng.random_range(0..alphabet.len())])
            .collect();
        accepted += usize::from(agree(&text));
    }
    let _ = accepted;
}
