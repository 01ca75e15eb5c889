//! Interop both ways between the `zkshare` CLI and the web page, on a real server and Redis:
//! a secret sent from the terminal opens in Chromium, and one made in Chromium opens with
//! `zkshare get`; a secret request made in either is answered in the other.

use zkshare_tests::browser::Chromium;
use zkshare_tests::cli;
use zkshare_tests::flows::{self, Revealed, ShareForm};
use zkshare_tests::redis_server::RedisServer;
use zkshare_tests::server::{ServerProcess, Store};

/// Runs `zkshare ARGS` with `stdin` and `env`; returns (exit code, stdout, stderr).
fn zkshare(args: &[&str], stdin: &str, env: &[(&str, &str)]) -> (i32, String, String) {
    let run = cli::zkshare(args, stdin.as_bytes(), env);
    let stdout = run.stdout_text();
    (run.code, stdout, run.stderr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_sent_from_the_cli_opens_in_the_browser() {
    let redis = RedisServer::start();
    let server = ServerProcess::start(Store::Redis(redis.url()), &[]);
    let secret = "ssh-ed25519 AAAAC3Nza… deploy@ci\nwith a second line ✓";
    let (code, link, stderr) = zkshare(
        &[
            "send",
            "--server",
            server.base_url(),
            "--views",
            "2",
            "--password-env",
            "PW",
        ],
        secret,
        &[("PW", "from the terminal")],
    );
    assert_eq!(code, 0, "send failed: {stderr}");
    let send_stderr = stderr;
    let link = link.trim();
    assert!(
        link.starts_with(&format!("{}/s/", server.base_url())),
        "{link}"
    );

    let browser = Chromium::launch().await;
    let (_, outcome) = flows::reveal(&browser, link, Some("from the terminal")).await;
    match outcome {
        Revealed::Secret { text, views_line } => {
            assert_eq!(text, secret);
            assert!(views_line.contains("1 more view"), "{views_line}");
        }
        other => panic!("the browser could not open the CLI's secret: {other:?}"),
    }
    // The sender's private status link, printed by `send`, shows the view just used.
    let status_link = send_stderr
        .split_whitespace()
        .find(|w| w.contains("/status#"))
        .unwrap_or_else(|| panic!("no status link in: {send_stderr}"));
    let status = browser.open(status_link).await;
    flows::wait_visible(&status, "#info").await;
    assert_eq!(flows::text(&status, "#st-views").await, "1");
    assert_ne!(flows::text(&status, "#st-viewed").await, "Not opened yet");
    // And the CLI reads the remaining view.
    let (code, out, stderr) = zkshare(
        &["get", link, "--password-env", "PW"],
        "",
        &[("PW", "from the terminal")],
    );
    assert_eq!(code, 0, "get failed: {stderr}");
    assert_eq!(out, secret);
    let status = browser.open(status_link).await;
    flows::wait_visible(&status, "#gone").await;
    // The gone secret's metadata answers 404, as expected; nothing else may be logged.
    let problems: Vec<_> = browser
        .problems()
        .into_iter()
        .filter(|p| !p.contains("404"))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_made_in_the_browser_opens_with_zkshare_get() {
    let redis = RedisServer::start();
    let server = ServerProcess::start(Store::Redis(redis.url()), &[]);
    let browser = Chromium::launch().await;
    let secret = "AKIAIOSFODNN7EXAMPLE / wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY 🔑";

    let (_, plain_link) = flows::share(
        &browser,
        server.base_url(),
        &ShareForm {
            secret,
            views: Some("1"),
            ..Default::default()
        },
    )
    .await;
    let (code, out, stderr) = zkshare(&["get", &plain_link], "", &[]);
    assert_eq!(code, 0, "get failed: {stderr}");
    assert_eq!(out, secret, "exactly the plaintext on stdout");
    // It was the only view: a second get is "gone" (exit 3).
    let (code, out, _) = zkshare(&["get", &plain_link], "", &[]);
    assert_eq!((code, out.as_str()), (3, ""));

    let (_, pw_link) = flows::share(
        &browser,
        server.base_url(),
        &ShareForm {
            secret,
            password: Some("browser pw"),
            ..Default::default()
        },
    )
    .await;
    // Without the password the CLI refuses before spending a view; with it, it opens.
    let (code, _, stderr) = zkshare(&["get", &pw_link], "", &[]);
    assert_ne!(code, 0, "no password available must fail: {stderr}");
    let (code, out, stderr) = zkshare(
        &["get", &pw_link, "--password-env", "PW"],
        "",
        &[("PW", "browser pw")],
    );
    assert_eq!(code, 0, "get with password failed: {stderr}");
    assert_eq!(out, secret);
    browser.close().await;
}

/// The requester link the CLI printed on stderr with `--print-requester-link`.
fn requester_link_in(stderr: &str, base: &str) -> String {
    stderr
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with(&format!("{base}/r/")) && l.contains("/open#"))
        .unwrap_or_else(|| panic!("no requester link in: {stderr}"))
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_made_in_the_cli_is_answered_in_the_browser() {
    let redis = RedisServer::start();
    let server = ServerProcess::start(Store::Redis(redis.url()), &[]);
    let base = server.base_url();
    let secret = "prod API key: zk_4711 ✓";
    let (code, answer_link, stderr) = zkshare(
        &[
            "request",
            "--server",
            base,
            "--name",
            "from the terminal",
            "--print-requester-link",
        ],
        "",
        &[],
    );
    assert_eq!(code, 0, "request failed: {stderr}");
    let requester_link = requester_link_in(&stderr, base);

    let browser = Chromium::launch().await;
    let page = browser.open(answer_link.trim()).await;
    zkshare_tests::pages::shown(&page, "#ask").await;
    zkshare_tests::pages::text_with(&page, "#meta-name", "from the terminal").await;
    flows::set_value(&page, "#secret", secret).await;
    flows::click(&page, "#send").await;
    zkshare_tests::pages::shown(&page, "#sent").await;
    browser.close().await;

    let (code, received, stderr) = zkshare(&["receive", &requester_link], "", &[]);
    assert_eq!(code, 0, "receive failed: {stderr}");
    assert_eq!(received, secret);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_made_in_the_browser_is_answered_from_the_cli() {
    let data = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(Store::Embedded(data.path()), &[]);
    let base = server.base_url();
    let secret = "ssh-ed25519 AAAAC3Nza… ci@example\nsecond line";

    let browser = Chromium::launch().await;
    let page = browser.open(&format!("{base}/request")).await;
    zkshare_tests::pages::until(&page, "!document.getElementById('create').disabled").await;
    flows::set_value(&page, "#name", "from the browser").await;
    flows::click(&page, "#create").await;
    zkshare_tests::pages::until(&page, "document.getElementById('requester-link').value").await;
    let answer_link = flows::text(&page, "#answer-link").await;
    let requester_link = flows::text(&page, "#requester-link").await;

    let (code, _, stderr) = zkshare(&["answer", &answer_link], secret, &[]);
    assert_eq!(code, 0, "answer failed: {stderr}");
    assert!(
        stderr.contains("from the browser"),
        "who asks is shown: {stderr}"
    );

    let page = browser.open(&requester_link).await;
    zkshare_tests::pages::shown(&page, "#reveal").await;
    flows::click(&page, "#reveal").await;
    zkshare_tests::pages::shown(&page, "#secret-view").await;
    let shown =
        zkshare_tests::browser::eval(&page, "document.getElementById('secret').value").await;
    assert_eq!(shown, secret);
    browser.close().await;
}
