//! The real binary over real TCP: start line, --help, rate limit and trusted proxies, timeouts,
//! streamed oversized bodies, the web page with SRI and published hashes, and log hygiene at TRACE.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use base64::Engine as _;
use common::{assert_error_body, envelope, verifier};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256, Sha384};
use zkshare_testkit::redis_server::RedisServer;
use zkshare_testkit::server::ServerProcess;

/// The binary under test on its own embedded store (`--data-dir`), killed on drop.
struct Server {
    process: ServerProcess,
    addr: String,
    line: String,
    dir: tempfile::TempDir,
}

impl Server {
    fn start(args: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let mut all = vec!["--data-dir", data.to_str().unwrap()];
        all.extend_from_slice(args);
        let process = ServerProcess::launch(Path::new(env!("CARGO_BIN_EXE_zkshare-server")), &all);
        Self {
            addr: process.addr().to_string(),
            line: process.start_line().to_string(),
            process,
            dir,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn data_dir(&self) -> std::path::PathBuf {
        self.dir.path().join("data")
    }

    fn stderr(&self) -> String {
        self.process.stderr()
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

async fn json_of(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text:?}")),
    )
}

/// Sends raw bytes and returns the whole response text (the server closes or we time out).
fn raw_http(addr: &str, request: &[u8], pause_after: Option<Duration>) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    s.write_all(request).unwrap();
    if let Some(p) = pause_after {
        std::thread::sleep(p);
    }
    let mut out = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                out.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&out);
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let len = head.lines().find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse::<usize>().unwrap())
                    });
                    if len.is_some_and(|len| body.len() >= len) {
                        break;
                    }
                }
            }
            Err(_) => break,
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn body_json(raw: &str) -> Value {
    let (_, body) = raw.split_once("\r\n\r\n").expect("a response");
    serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {raw:?}"))
}

#[tokio::test]
async fn start_line_and_embedded_store() {
    let server = Server::start(&["--rate-limit-per-second", "0"]);
    let port: u16 = server.addr.rsplit(':').next().unwrap().parse().unwrap();
    assert_ne!(port, 0);
    let expected = format!(
        "zkshare listening on http://127.0.0.1:{port} (store: embedded at {})",
        server.data_dir().join("zkshare.redb").display()
    );
    assert_eq!(server.line, expected);
    let c = client();
    assert_eq!(
        c.get(server.url("/healthz"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "ok"
    );
    assert_eq!(
        c.get(server.url("/readyz")).send().await.unwrap().status(),
        200
    );
    let (status, v) = json_of(
        c.post(server.url("/api/v1/shared-secrets"))
            .json(&json!({ "secretValue": envelope(1, 1) }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let id = v["id"].as_str().unwrap();
    // Default public URL: the bound address.
    assert_eq!(
        v["sharedSecretLink"],
        format!("http://127.0.0.1:{port}/s/{id}")
    );
}

#[tokio::test]
async fn start_line_with_redis_and_public_url() {
    let redis = RedisServer::start();
    let server = Server::start(&[
        "--redis-url",
        &redis.url(),
        "--public-url",
        "https://share.example.com/",
    ]);
    assert_eq!(
        server.line,
        format!(
            "zkshare listening on http://{} (store: redis at 127.0.0.1:{})",
            server.addr,
            redis.port()
        )
    );
    let (status, v) = json_of(
        client()
            .post(server.url("/api/v1/shared-secrets/public"))
            .json(&json!({ "secretValue": envelope(1, 1) }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        v["sharedSecretLink"],
        format!("https://share.example.com/s/{}", v["id"].as_str().unwrap())
    );
}

#[test]
fn help_documents_every_option_and_its_environment_variable() {
    let out = Command::new(env!("CARGO_BIN_EXE_zkshare-server"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for (flag, env) in [
        ("--listen", "ZKSHARE_LISTEN"),
        ("--redis-url", "REDIS_URL"),
        ("--data-dir", "ZKSHARE_DATA_DIR"),
        ("--public-url", "ZKSHARE_PUBLIC_URL"),
        ("--max-password-failures", "ZKSHARE_MAX_PASSWORD_FAILURES"),
        ("--trusted-proxies", "ZKSHARE_TRUSTED_PROXIES"),
        ("--rate-limit-per-second", "ZKSHARE_RATE_LIMIT_PER_SECOND"),
        ("--rate-limit-burst", "ZKSHARE_RATE_LIMIT_BURST"),
        (
            "--max-concurrent-requests",
            "ZKSHARE_MAX_CONCURRENT_REQUESTS",
        ),
        ("--creates-per-hour", "ZKSHARE_CREATES_PER_HOUR"),
        ("--request-timeout-secs", "ZKSHARE_REQUEST_TIMEOUT_SECS"),
        ("--log", "ZKSHARE_LOG"),
        ("--web-dir", "ZKSHARE_WEB_DIR"),
    ] {
        assert!(help.contains(flag), "{flag} missing from --help");
        assert!(help.contains(env), "{env} missing from --help");
    }
}

#[test]
fn unreachable_redis_fails_startup_with_a_clear_message() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = Command::new(env!("CARGO_BIN_EXE_zkshare-server"))
        .args(["--listen", "127.0.0.1:0", "--redis-timeout-ms", "500"])
        .arg("--redis-url")
        .arg(format!("redis://:hunter2@127.0.0.1:{port}"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("cannot connect to Redis at 127.0.0.1:{port}")),
        "{err}"
    );
    assert!(!err.contains("hunter2"), "the Redis password leaked: {err}");
}

#[tokio::test]
async fn rate_limit_applies_to_the_api_only_with_the_error_body() {
    let server = Server::start(&["--rate-limit-per-second", "1", "--rate-limit-burst", "3"]);
    let c = client();
    let url = server.url("/api/v1/shared-secrets/AAAAAAAAAAAAAAAAAAAAAA");
    for _ in 0..3 {
        assert_eq!(c.get(&url).send().await.unwrap().status(), 404);
    }
    let r = c.get(&url).send().await.unwrap();
    assert!(
        r.headers().contains_key("retry-after") || r.headers().contains_key("x-ratelimit-after")
    );
    assert_eq!(r.headers()["content-type"], "application/json");
    assert_eq!(r.headers()["x-frame-options"], "DENY");
    let (status, v) = json_of(r).await;
    assert_eq!(status, 429);
    assert_error_body(&v, 429);
    // Probes and the web page are not limited.
    for _ in 0..10 {
        assert_eq!(
            c.get(server.url("/healthz")).send().await.unwrap().status(),
            200
        );
        assert_eq!(
            c.get(server.url("/assets.json"))
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
    }
}

#[tokio::test]
async fn forwarded_for_is_honoured_only_from_trusted_proxies() {
    let url_path = "/api/v1/shared-secrets/AAAAAAAAAAAAAAAAAAAAAA";
    let c = client();
    // Trusted: each forwarded client gets its own bucket.
    let trusted = Server::start(&[
        "--rate-limit-per-second",
        "1",
        "--rate-limit-burst",
        "2",
        "--trusted-proxies",
        "10.0.0.0/8,127.0.0.1",
    ]);
    let get = |server: &Server, xff: &str| {
        c.get(server.url(url_path))
            .header("x-forwarded-for", xff)
            .send()
    };
    assert_eq!(get(&trusted, "198.51.100.1").await.unwrap().status(), 404);
    assert_eq!(
        get(&trusted, "198.51.100.1, 10.1.1.1")
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(get(&trusted, "198.51.100.1").await.unwrap().status(), 429);
    assert_eq!(get(&trusted, "198.51.100.2").await.unwrap().status(), 404);
    // A spoofed left-most entry does not buy a new bucket.
    assert_eq!(
        get(&trusted, "1.2.3.4, 198.51.100.1")
            .await
            .unwrap()
            .status(),
        429
    );
    // Untrusted: the header is ignored, everyone is the peer 127.0.0.1.
    let untrusted = Server::start(&["--rate-limit-per-second", "1", "--rate-limit-burst", "2"]);
    assert_eq!(get(&untrusted, "198.51.100.1").await.unwrap().status(), 404);
    assert_eq!(get(&untrusted, "198.51.100.2").await.unwrap().status(), 404);
    assert_eq!(get(&untrusted, "198.51.100.3").await.unwrap().status(), 429);
}

#[test]
fn streamed_oversized_body_gets_413_with_the_error_body() {
    let server = Server::start(&["--rate-limit-per-second", "0"]);
    let mut req = format!(
        "POST /api/v1/shared-secrets HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        server.addr
    )
    .into_bytes();
    let chunk = vec![b'a'; 16 * 1024];
    req.extend(format!("{:x}\r\n", 16).as_bytes());
    req.extend(b"{\"secretValue\":\"");
    req.extend(b"\r\n");
    for _ in 0..10 {
        req.extend(format!("{:x}\r\n", chunk.len()).as_bytes());
        req.extend(&chunk);
        req.extend(b"\r\n");
    }
    req.extend(b"0\r\n\r\n");
    let raw = raw_http(&server.addr, &req, None);
    assert!(raw.starts_with("HTTP/1.1 413"), "{raw:.200}");
    assert_error_body(&body_json(&raw), 413);
}

#[test]
fn slow_request_times_out_with_the_error_body() {
    let server = Server::start(&[
        "--rate-limit-per-second",
        "0",
        "--request-timeout-secs",
        "1",
    ]);
    // Promise a body and never send it.
    let req = format!(
        "POST /api/v1/shared-secrets HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{",
        server.addr
    );
    let raw = raw_http(&server.addr, req.as_bytes(), None);
    assert!(raw.starts_with("HTTP/1.1 408"), "{raw:.200}");
    assert_error_body(&body_json(&raw), 408);
}

fn write(dir: &Path, rel: &str, bytes: &[u8]) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

#[tokio::test]
async fn web_page_with_sri_and_published_hashes() {
    let web = tempfile::tempdir().unwrap();
    let js = b"import init from './pkg/zkshare.js'; console.log('app');".to_vec();
    write(
        web.path(),
        "index.html",
        b"<!doctype html><script type=\"module\" src=\"/app.js\" integrity=\"{{sri:/app.js}}\"></script><link rel=\"stylesheet\" href=\"/style.css\" integrity=\"{{sri:/style.css}}\">",
    );
    write(
        web.path(),
        "reveal.html",
        b"<!doctype html><title>reveal</title>{{sri:/app.js}}",
    );
    write(web.path(), "app.js", &js);
    write(web.path(), "style.css", b"body{margin:0}");
    write(web.path(), "pkg/zkshare_bg.wasm", b"\0asm\x01\0\0\0");
    write(
        web.path(),
        "pkg/zkshare.js",
        b"export default function init(){}",
    );
    write(web.path(), "logo.svg", b"<svg/>");
    write(web.path(), ".hidden", b"secret");

    let server = Server::start(&[
        "--rate-limit-per-second",
        "0",
        "--web-dir",
        web.path().to_str().unwrap(),
    ]);
    let c = client();
    let js_sri = format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(Sha384::digest(&js))
    );

    let index = c.get(server.url("/")).send().await.unwrap();
    assert_eq!(index.status(), 200);
    assert_eq!(index.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(index.headers()["cache-control"], "no-store");
    assert!(
        index.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("'wasm-unsafe-eval'")
    );
    let html = index.text().await.unwrap();
    assert!(html.contains(&format!("integrity=\"{js_sri}\"")), "{html}");
    assert!(!html.contains("{{sri:"));

    let reveal = c
        .get(server.url("/s/AAAAAAAAAAAAAAAAAAAAAA"))
        .send()
        .await
        .unwrap();
    assert_eq!(reveal.headers()["cache-control"], "no-store");
    assert!(
        reveal
            .text()
            .await
            .unwrap()
            .contains("<title>reveal</title>")
    );

    for (path, ct) in [
        ("/app.js", "text/javascript; charset=utf-8"),
        ("/style.css", "text/css; charset=utf-8"),
        ("/pkg/zkshare_bg.wasm", "application/wasm"),
        ("/logo.svg", "image/svg+xml"),
        ("/assets.json", "application/json"),
    ] {
        let r = c.get(server.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()["content-type"], ct, "{path}");
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    }
    assert_eq!(
        c.get(server.url("/.hidden")).send().await.unwrap().status(),
        404
    );

    // The manifest describes exactly the bytes served.
    let manifest: Value = c
        .get(server.url("/assets.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let files = manifest["files"].as_object().unwrap();
    assert_eq!(files.len(), 7, "{manifest}");
    for (path, entry) in files {
        let served = c
            .get(server.url(path))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert_eq!(
            entry["sha256"],
            hex::encode(Sha256::digest(&served)),
            "{path}"
        );
        assert_eq!(
            entry["sha384"],
            format!(
                "sha384-{}",
                base64::engine::general_purpose::STANDARD.encode(Sha384::digest(&served))
            ),
            "{path}"
        );
        assert_eq!(entry["bytes"], served.len(), "{path}");
    }
    assert_eq!(files["/app.js"]["sha384"], js_sri);

    // Conditional GET.
    let etag = c.get(server.url("/app.js")).send().await.unwrap().headers()["etag"].clone();
    let r = c
        .get(server.url("/app.js"))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);
}

/// Every secret-bearing string (and a long piece of each) that appears in `log`.
fn leaks<'a>(log: &str, secrets: &'a [(&'a str, String)]) -> Vec<&'a str> {
    secrets
        .iter()
        .filter(|(_, s)| {
            let piece = &s[s.len().saturating_sub(24)..];
            log.contains(s.as_str()) || log.contains(piece)
        })
        .map(|(name, _)| *name)
        .collect()
}

async fn exercise_and_check_logs(server: &Server) {
    let c = client();
    let env = envelope(2, 2);
    let header = env.split('.').next().unwrap().to_string();
    let good = verifier();
    let wrong = verifier();
    let plain = "tr0ub4dor&3-plain-password".to_string();
    let env2 = envelope(1, 1);

    let create = |body: Value| {
        c.post(server.url("/api/v1/shared-secrets"))
            .json(&body)
            .send()
    };
    let (s1, v1) = json_of(
        create(json!({ "secretValue": env, "password": good, "maxViews": 3 }))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s1, 200);
    let id = v1["id"].as_str().unwrap().to_string();
    let token = v1["deleteToken"].as_str().unwrap().to_string();
    let (s2, v2) = json_of(
        create(json!({ "secretValue": env2, "password": plain }))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s2, 200);
    let id2 = v2["id"].as_str().unwrap().to_string();
    let token2 = v2["deleteToken"].as_str().unwrap().to_string();
    // Rejections that echo request data in their messages.
    let (s, _) = json_of(
        create(json!({ "secretValue": env, "maxViews": good }))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 400);
    let (s, _) = json_of(create(json!({ "secretValue": plain })).await.unwrap()).await;
    assert_eq!(s, 400);

    let access = |id: &str, pw: &str| {
        c.post(server.url(&format!("/api/v1/shared-secrets/{id}/access")))
            .json(&json!({ "password": pw }))
            .send()
    };
    assert_eq!(
        c.get(server.url(&format!("/api/v1/shared-secrets/{id}")))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(access(&id, &wrong).await.unwrap().status(), 401);
    assert_eq!(access(&id, &good).await.unwrap().status(), 200);
    assert_eq!(access(&id2, "not it").await.unwrap().status(), 401);
    assert_eq!(access(&id2, &plain).await.unwrap().status(), 200);
    let del = |id: &str, tok: &str| {
        c.delete(server.url(&format!("/api/v1/shared-secrets/{id}")))
            .header("x-delete-token", tok)
            .send()
    };
    assert_eq!(del(&id, &token2).await.unwrap().status(), 403);
    assert_eq!(del(&id, &token).await.unwrap().status(), 200);
    assert_eq!(del(&id2, &token2).await.unwrap().status(), 200);

    tokio::time::sleep(Duration::from_millis(300)).await;
    let log = server.stderr();
    // The log is really there, at TRACE, with request lines (else this test proves nothing).
    assert!(
        log.contains("TRACE") || log.contains("DEBUG"),
        "log not at trace level"
    );
    // Text (`path=…`) or JSON (`"path":"…"`) lines.
    assert!(
        log.contains(&format!("path=/api/v1/shared-secrets/{id}/access"))
            || log.contains(&format!("\"path\":\"/api/v1/shared-secrets/{id}/access\"")),
        "{log}"
    );
    assert!(
        log.contains("req_id=req-") || log.contains("\"req_id\":\"req-"),
        "{log}"
    );
    assert!(
        log.contains("status=401") || log.contains("\"status\":401"),
        "{log}"
    );

    let body_of = |e: &str| e.split('.').nth(1).unwrap().to_string();
    let secrets = [
        ("envelope body", body_of(&env)),
        ("second envelope body", body_of(&env2)),
        ("envelope header", header),
        ("verifier", good.clone()),
        ("wrong verifier", wrong.clone()),
        ("plain password", plain.clone()),
        ("delete token", token.clone()),
        ("second delete token", token2.clone()),
    ];
    // Plant a leak first: the scanner must find it.
    let planted = format!("{log}\nDEBUG something token={token} pw={plain}");
    assert_eq!(
        leaks(&planted, &secrets),
        vec!["plain password", "delete token"]
    );
    assert_eq!(
        leaks(&log, &secrets),
        Vec::<&str>::new(),
        "secrets in the log"
    );
}

#[tokio::test]
async fn logs_at_trace_never_contain_envelopes_verifiers_passwords_or_tokens() {
    let embedded = Server::start(&["--rate-limit-per-second", "0", "--log", "trace"]);
    exercise_and_check_logs(&embedded).await;
    let redis = RedisServer::start();
    let on_redis = Server::start(&[
        "--rate-limit-per-second",
        "0",
        "--log",
        "trace",
        "--redis-url",
        &redis.url(),
    ]);
    exercise_and_check_logs(&on_redis).await;
}

/// Requests that carry a link key `k` in their path or query, the ways a mangled link or a
/// careless client sends one.
fn key_bearing_paths(id: &str, k: &str) -> Vec<String> {
    vec![
        format!("/s/{id}%23{k}"),
        format!("/s/{id}/{k}"),
        format!("/s/{id}?k={k}"),
        format!("/s/{id}{k}"),
        format!("/api/v1/shared-secrets/{id}%23{k}"),
        format!("/api/v1/shared-secrets/{id}/{k}"),
        format!("/api/v1/shared-secrets/{id}{k}"),
        format!("/api/v1/shared-secrets/{id}/access/{k}"),
        format!("/api/v1/shared-secrets/{id}?k={k}"),
        format!("/{k}"),
        format!("/s/%23{k}"),
    ]
}

#[tokio::test]
async fn json_logs_are_one_object_per_line_and_as_discreet_as_text() {
    let server = Server::start(&[
        "--rate-limit-per-second",
        "0",
        "--log",
        "trace",
        "--log-format",
        "json",
    ]);
    exercise_and_check_logs(&server).await;
    let log = server.stderr();
    let mut requests = 0;
    for line in log.lines().filter(|l| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line}"));
        assert!(v["level"].is_string() && v["fields"].is_object(), "{line}");
        if v["fields"]["message"] == "request" {
            requests += 1;
            assert!(v["span"]["path"].is_string(), "{line}");
            assert!(v["fields"]["status"].is_number(), "{line}");
        }
    }
    assert!(requests > 0, "no request lines in:\n{log}");
}

#[tokio::test]
async fn link_keys_in_paths_never_reach_the_log_at_any_level() {
    let levels = ["error", "warn", "info", "debug", "trace"];
    for (level, format) in levels
        .iter()
        .map(|l| (*l, "text"))
        .chain([("trace", "json")])
    {
        let server = Server::start(&[
            "--rate-limit-per-second",
            "0",
            "--log",
            level,
            "--log-format",
            format,
        ]);
        let c = client();
        let (status, v) = json_of(
            c.post(server.url("/api/v1/shared-secrets"))
                .json(&json!({ "secretValue": envelope(1, 1), "password": verifier() }))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 200);
        let id = v["id"].as_str().unwrap().to_string();
        let k = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(verifier().as_bytes())
            .chars()
            .take(43)
            .collect::<String>();
        for path in key_bearing_paths(&id, &k) {
            for method in [reqwest::Method::GET, reqwest::Method::POST] {
                let r = c
                    .request(method.clone(), server.url(&path))
                    .send()
                    .await
                    .unwrap();
                assert!(r.status().as_u16() < 500, "{method} {path}: {}", r.status());
            }
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        let log = server.stderr();
        // The request lines are there at info and below (else the scan proves nothing), and
        // a planted key is found.
        if matches!(level, "info" | "debug" | "trace") {
            assert!(log.contains(&format!("/s/{id}")), "{level}: {log}");
        }
        let secrets = [("link key", k.clone())];
        let planted = format!("{log}\nINFO request path=/s/{id}%23{k}");
        assert_eq!(leaks(&planted, &secrets), vec!["link key"]);
        assert_eq!(
            leaks(&log, &secrets),
            Vec::<&str>::new(),
            "{level}: the link key is in the log:\n{log}"
        );
    }
}

/// Like [`raw_http`], from another loopback address (another client to the server).
fn raw_http_from(local_ip: &str, addr: &str, request: &[u8]) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket
            .bind(format!("{local_ip}:0").parse().unwrap())
            .unwrap();
        let mut stream = socket.connect(addr.parse().unwrap()).await.unwrap();
        stream.write_all(request).await.unwrap();
        let mut out = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(15), stream.read_to_end(&mut out)).await;
        String::from_utf8_lossy(&out).into_owned()
    })
}

/// The server's resident memory in KiB (Linux `/proc`).
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/PID/status")
}

#[test]
fn a_thousand_slow_bodies_from_one_client_neither_grow_memory_nor_shut_others_out() {
    let started = std::time::Instant::now();
    let server = Server::start(&["--rate-limit-per-second", "0"]);
    let pid = server.process.pid();
    // 1,000 connections (1,000 descriptors here, as many in the server: well under the
    // usual limits) each promise a body of nearly 128 KiB, send half of it and stall.
    let head = format!(
        "POST /api/v1/shared-secrets HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{{\"secretValue\":\"",
        server.addr,
        128 * 1024 - 1
    );
    let half = vec![b'A'; 64 * 1024];
    let mut stalled = Vec::with_capacity(1000);
    for _ in 0..1000 {
        let mut s = TcpStream::connect(&server.addr).unwrap();
        s.set_write_timeout(Some(Duration::from_secs(2))).unwrap();
        // A refused request (503) may close the connection before all of it is written.
        let _ = s
            .write_all(head.as_bytes())
            .and_then(|_| s.write_all(&half));
        stalled.push(s);
    }
    std::thread::sleep(Duration::from_millis(500));
    let rss = rss_kib(pid);
    // Still alive, and the API says it is busy, with the error body.
    let health = raw_http(
        &server.addr,
        format!(
            "GET /healthz HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            server.addr
        )
        .as_bytes(),
        None,
    );
    assert!(health.starts_with("HTTP/1.1 200"), "{health:.200}");
    let busy = raw_http(
        &server.addr,
        format!(
            "GET /api/v1/shared-secrets/AAAAAAAAAAAAAAAAAAAAAA HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            server.addr
        )
        .as_bytes(),
        None,
    );
    assert!(
        rss < 64 * 1024,
        "server RSS {} MiB with 1,000 slow bodies",
        rss / 1024
    );
    // This client has used its share of the places: 429 with the error body.
    assert!(busy.starts_with("HTTP/1.1 429"), "{busy:.300}");
    assert_eq!(
        body_json(&busy)["message"],
        "Too many requests in flight from this address; try again in a moment"
    );
    assert_error_body(&body_json(&busy), 429);
    // Another client is served as usual.
    let other = raw_http_from(
        "127.0.0.2",
        &server.addr,
        format!(
            "GET /api/v1/shared-secrets/AAAAAAAAAAAAAAAAAAAAAA HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            server.addr
        )
        .as_bytes(),
    );
    assert!(other.starts_with("HTTP/1.1 404"), "{other:.300}");
    // Once they go, the API answers again.
    drop(stalled);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let again = raw_http(
            &server.addr,
            format!(
                "GET /api/v1/shared-secrets/AAAAAAAAAAAAAAAAAAAAAA HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
                server.addr
            )
            .as_bytes(),
            None,
        );
        if again.starts_with("HTTP/1.1 404") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{again:.300}");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(started.elapsed() < Duration::from_secs(40));
}

#[tokio::test]
async fn a_redis_that_may_evict_keys_is_warned_about_at_start() {
    let evicting = RedisServer::start_with(&["--maxmemory-policy", "allkeys-lru"]);
    let server = Server::start(&["--redis-url", &evicting.url()]);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let log = server.stderr();
    assert!(
        log.contains("WARN") && log.contains("maxmemory-policy allkeys-lru"),
        "{log}"
    );
    assert!(log.contains("noeviction"), "{log}");
    // The recommended policy: no warning.
    let safe = RedisServer::start_with(&["--maxmemory-policy", "noeviction"]);
    let server = Server::start(&["--redis-url", &safe.url()]);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !server.stderr().contains("maxmemory-policy"),
        "{}",
        server.stderr()
    );
}
