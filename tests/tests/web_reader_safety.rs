//! The reveal page in a real Chromium when the link, the server or the page itself is not what
//! it should be: a keyed link to a key-less secret, a key in the path, a malformed link, a
//! page whose WebAssembly integrity value is missing.

use std::time::Duration;

use serde_json::{Value, json};
use zkshare_crypto::{Credentials, LinkKey, seal_text};
use zkshare_tests::browser::{Chromium, eval, wait_for};
use zkshare_tests::flows::{self, Revealed};
use zkshare_tests::proxy::RecordingProxy;
use zkshare_tests::redis_server::RedisServer;
use zkshare_tests::server::{ServerProcess, Store};

const PASSWORD: &str = "correct horse battery staple";
const TIMEOUT: Duration = Duration::from_secs(30);

/// Creates a secret through the API as a client would; returns its id.
async fn create(base: &str, text: &str, creds: &Credentials<'_>, views: u32) -> String {
    let sealed = seal_text(text, creds).expect("seal");
    let created: Value = reqwest::Client::new()
        .post(format!("{base}/api/v1/shared-secrets"))
        .json(&json!({
            "secretValue": sealed.envelope, "password": sealed.verifier,
            "expiresIn": "10m", "maxViews": views,
        }))
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("JSON");
    created["id"].as_str().expect("id").to_string()
}

async fn views_left(base: &str, id: &str) -> Value {
    let meta: Value = reqwest::get(format!("{base}/api/v1/shared-secrets/{id}"))
        .await
        .expect("metadata")
        .json()
        .await
        .expect("JSON");
    meta["expiresAfterViews"].clone()
}

fn sent_access(proxy: &RecordingProxy) -> bool {
    String::from_utf8_lossy(&proxy.received()).contains("/access")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keyed_link_to_a_password_only_secret_is_refused_before_the_password() {
    let redis = RedisServer::start();
    let server = ServerProcess::start(Store::Redis(redis.url()), &[]);
    // A real mode-password secret stands for a header a malicious server hands out.
    let id = create(
        server.base_url(),
        "password only",
        &Credentials::Password(PASSWORD),
        2,
    )
    .await;
    let proxy = RecordingProxy::start(server.addr()).await;
    let base = proxy.base_url();
    let key = LinkKey::generate().to_b64();

    let browser = Chromium::launch().await;
    let (page, outcome) =
        flows::reveal(&browser, &format!("{base}/s/{id}#{key}"), Some(PASSWORD)).await;
    assert!(
        matches!(outcome, Revealed::Error(ref m) if m.contains("needs only a password")),
        "{outcome:?}"
    );
    assert!(!flows::is_visible(&page, "#password").await, "never asked");
    assert!(!flows::is_visible(&page, "#reveal").await);
    assert!(!sent_access(&proxy), "no /access may be sent");
    assert_eq!(views_left(server.base_url(), &id).await, 2);

    // The same secret through a link without a key asks for the password (positive control).
    let page = browser.open(&format!("{base}/s/{id}")).await;
    flows::wait_visible(&page, "#password").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_that_came_in_the_path_still_opens_with_a_warning() {
    let redis = RedisServer::start();
    let server = ServerProcess::start(Store::Redis(redis.url()), &[]);
    let base = server.base_url();
    let key = LinkKey::generate();
    let id = create(base, "mail scanner", &Credentials::Key(&key), 2).await;
    let k64 = key.to_b64();

    let browser = Chromium::launch().await;
    // A normal link: no warning.
    let page = browser.open(&format!("{base}/s/{id}#{k64}")).await;
    flows::wait_visible(&page, "#ask").await;
    assert!(!flows::is_visible(&page, "#key-exposed").await);

    // '#' rewritten to '%23': the key was in the request line; the page says so and opens.
    let page = browser.open(&format!("{base}/s/{id}%23{k64}")).await;
    flows::wait_visible(&page, "#ask").await;
    assert!(flows::is_visible(&page, "#key-exposed").await);
    let warning = flows::text(&page, "#key-exposed").await;
    assert!(
        warning.contains("server") && warning.contains("new link"),
        "{warning}"
    );
    let href = eval(&page, "location.href").await;
    assert!(!href.as_str().unwrap().contains(&k64), "{href}");
    match flows::reveal_on(&page, None).await {
        Revealed::Secret { text, .. } => assert_eq!(text, "mail scanner"),
        other => panic!("expected the secret, got {other:?}"),
    }
    assert!(
        flows::is_visible(&page, "#key-exposed").await,
        "still shown"
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_link_loses_its_key_from_the_address_bar() {
    let redis = RedisServer::start();
    let server = ServerProcess::start(Store::Redis(redis.url()), &[]);
    let base = server.base_url();
    let key = LinkKey::generate();
    let id = create(base, "x", &Credentials::Key(&key), 1).await;
    let k64 = key.to_b64();

    let browser = Chromium::launch().await;
    // %FF is a valid escape of a byte that is not UTF-8: decoding the path throws.
    for link in [
        format!("{base}/s/{id}%FF#{k64}"),
        format!("{base}/s/{id}%FF%23{k64}"),
    ] {
        let page = browser.open(&link).await;
        wait_for(&page, "!document.querySelector('#broken').hidden", TIMEOUT).await;
        let reason = flows::visible_text(&page, "#broken").await;
        assert!(reason.contains("damaged"), "{reason}");
        let href = eval(&page, "location.href").await;
        assert!(!href.as_str().unwrap().contains(&k64), "{link}: {href}");
    }
    assert_eq!(views_left(base, &id).await, 1);
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_refuses_webassembly_it_cannot_check() {
    // The page as served from a copy of web/ whose WebAssembly integrity value is empty.
    let web = tempfile::tempdir().unwrap();
    copy_dir(&zkshare_tests::workspace_root().join("web"), web.path());
    for page in ["index.html", "reveal.html"] {
        let path = web.path().join(page);
        let html = std::fs::read_to_string(&path).unwrap();
        let stripped = html.replace("{{sri:/pkg/zkshare_crypto_bg.wasm}}", "");
        assert_ne!(stripped, html, "{page} has the placeholder");
        std::fs::write(&path, stripped).unwrap();
    }
    let redis = RedisServer::start();
    let server = ServerProcess::start(
        Store::Redis(redis.url()),
        &["--web-dir", web.path().to_str().unwrap()],
    );
    let key = LinkKey::generate();
    let id = create(server.base_url(), "x", &Credentials::Key(&key), 1).await;
    let proxy = RecordingProxy::start(server.addr()).await;
    let base = proxy.base_url();

    let browser = Chromium::launch().await;
    let (_, outcome) =
        flows::reveal(&browser, &format!("{base}/s/{id}#{}", key.to_b64()), None).await;
    assert!(
        matches!(outcome, Revealed::Error(ref m) if m.contains("cannot check its encryption code")),
        "{outcome:?}"
    );
    let page = browser.open(&format!("{base}/")).await;
    wait_for(
        &page,
        "!document.querySelector('#create-error').hidden",
        TIMEOUT,
    )
    .await;
    let error = flows::text(&page, "#create-error").await;
    assert!(
        error.contains("cannot check its encryption code"),
        "{error}"
    );

    let sent = String::from_utf8_lossy(&proxy.received()).into_owned();
    assert!(sent.contains("GET /s/"), "the proxy saw the page load");
    assert!(
        !sent.contains("zkshare_crypto_bg.wasm"),
        "the WebAssembly was never fetched"
    );
    assert_eq!(views_left(server.base_url(), &id).await, 1);
    browser.close().await;
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
