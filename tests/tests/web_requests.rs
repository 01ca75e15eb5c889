//! Secret requests in a real headless Chromium against the real server, on both stores: request, answer and read in the browser, a substituted key refused, and what the address bar and the server keep.

use std::time::{Duration, Instant};

use chromiumoxide::Page;
use serde_json::Value;
use zkshare_crypto::request::{RequestKeys, commitment};
use zkshare_tests::browser::{Chromium, eval};
use zkshare_tests::flows;
use zkshare_tests::hostile::key_swapping_proxy;
use zkshare_tests::pages::{problems, shot, shown, until};
use zkshare_tests::redis_server::RedisServer;
use zkshare_tests::server::{ServerProcess, Store};

const SECRET: &str = "deploy key: sk_live_4f9a 🔑 ünïcödé";
const REQUESTS: &str = "/api/v1/shared-secrets/requests";

/// The links the request page shows, and how long it took from the click.
struct Made {
    id: String,
    answer_link: String,
    requester_link: String,
}

/// Creates a request on `/request` (`name`, `keep`); returns its links and the time it took.
/// With `shoot`, the page is saved as a screenshot (the README's, in English and light).
async fn request(
    browser: &Chromium,
    base: &str,
    name: &str,
    keep: bool,
    shoot: bool,
) -> (Made, Duration) {
    let page = browser.open(&format!("{base}/request")).await;
    until(&page, "!document.getElementById('create').disabled").await;
    flows::set_value(&page, "#name", name).await;
    if keep {
        flows::click(&page, "#keep").await;
    }
    let started = Instant::now();
    flows::click(&page, "#create").await;
    until(&page, "document.getElementById('requester-link').value").await;
    let took = started.elapsed();
    let answer_link = flows::text(&page, "#answer-link").await;
    let requester_link = flows::text(&page, "#requester-link").await;
    if shoot {
        shot(&page, "request-created.png").await;
    }
    let id = answer_link
        .split("/r/")
        .nth(1)
        .and_then(|rest| rest.split('#').next())
        .expect("an answer link")
        .to_string();
    assert!(
        requester_link.starts_with(&format!("{base}/r/{id}/open#")),
        "{requester_link}"
    );
    (
        Made {
            id,
            answer_link,
            requester_link,
        },
        took,
    )
}

/// Opens an answer link, checks who asks, types `secret` and sends it; returns the page and
/// how long encrypting and sending took.
async fn answer(browser: &Chromium, link: &str, secret: &str, shoot: bool) -> (Page, Duration) {
    let page = browser.open(link).await;
    shown(&page, "#ask").await;
    assert_eq!(
        eval(&page, "location.hash").await,
        "",
        "the commitment left the address bar"
    );
    flows::set_value(&page, "#secret", secret).await;
    if shoot {
        shot(&page, "request-answer-page.png").await;
    }
    let started = Instant::now();
    flows::click(&page, "#send").await;
    until(
        &page,
        "!document.getElementById('sent').hidden || !document.getElementById('substituted').hidden || \
         (!document.getElementById('answer-error').hidden && document.getElementById('answer-error').textContent)",
    )
    .await;
    (page, started.elapsed())
}

/// Opens the requester link, reveals the answer; returns the page, the text shown and the time
/// from the click.
async fn receive(browser: &Chromium, link: &str) -> (Page, String, Duration) {
    let page = browser.open(link).await;
    shown(&page, "#reveal").await;
    assert_eq!(
        eval(&page, "location.hash").await,
        "",
        "the private key left the address bar"
    );
    let started = Instant::now();
    flows::click(&page, "#reveal").await;
    shown(&page, "#secret-view").await;
    let took = started.elapsed();
    let text = eval(&page, "document.getElementById('secret').value").await;
    (page, text.as_str().unwrap_or_default().to_string(), took)
}

async fn view(base: &str, id: &str) -> (u16, Value) {
    let response = reqwest::get(format!("{base}{REQUESTS}/{id}"))
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn round_trip(base: &str, label: &str) {
    let browser = Chromium::launch().await;
    let (made, requesting) = request(&browser, base, "staging database", false, true).await;
    let (status, before) = view(base, &made.id).await;
    assert_eq!(status, 200, "{before}");
    assert_eq!(before["isAnswered"], false);
    assert_eq!(before["name"], "staging database");

    // Before the answer, the requester's page waits and offers no reveal.
    let waiting = browser.open(&made.requester_link).await;
    shown(&waiting, "#check").await;
    assert!(!flows::is_visible(&waiting, "#reveal").await);

    let (page, answering) = answer(&browser, &made.answer_link, SECRET, true).await;
    assert!(
        flows::is_visible(&page, "#sent").await,
        "{}",
        flows::visible_text(&page, "main").await
    );
    shot(&page, "request-answered.png").await;
    assert_eq!(view(base, &made.id).await.1["isAnswered"], true);

    // A second answer through the same link is refused: the page says it was answered.
    let again = browser.open(&made.answer_link).await;
    shown(&again, "#answered").await;

    let (page, text, revealing) = receive(&browser, &made.requester_link).await;
    assert_eq!(text, SECRET);
    shot(&page, "request-revealed.png").await;
    // Read once: the request is gone from the server.
    assert_eq!(view(base, &made.id).await.0, 404);
    let gone = browser.open(&made.requester_link).await;
    shown(&gone, "#gone").await;

    eprintln!(
        "{label}: request {} ms, answer {} ms, reveal {} ms (browser, from the click)",
        requesting.as_millis(),
        answering.as_millis(),
        revealing.as_millis()
    );
    let problems = problems(&browser, &["404"]);
    assert!(problems.is_empty(), "{problems:#?}");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_answer_and_read_on_the_embedded_store() {
    let data = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(Store::Embedded(data.path()), &[]);
    round_trip(server.base_url(), "embedded").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_answer_and_read_on_redis() {
    let redis = RedisServer::start();
    let server = ServerProcess::start(Store::Redis(redis.url()), &[]);
    round_trip(server.base_url(), "redis").await;
    // Nothing of the request is left in Redis after it was read.
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("*")
        .query(&mut redis.connection())
        .unwrap();
    assert!(
        keys.iter().all(|k| !k.contains("request")),
        "left in Redis: {keys:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_answer_can_be_read_again_until_expiry() {
    let data = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(Store::Embedded(data.path()), &[]);
    let base = server.base_url();
    let browser = Chromium::launch().await;
    let (made, _) = request(&browser, base, "kept", true, false).await;
    answer(&browser, &made.answer_link, "kept secret", false).await;
    for _ in 0..2 {
        let (_, text, _) = receive(&browser, &made.requester_link).await;
        assert_eq!(text, "kept secret");
    }
    assert_eq!(view(base, &made.id).await.0, 200);
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_answer_page_refuses_a_key_the_server_swapped_and_sends_nothing() {
    let data = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(Store::Embedded(data.path()), &[]);
    let base = server.base_url();
    let browser = Chromium::launch().await;
    let (made, _) = request(&browser, base, "swapped", false, false).await;
    let fragment = made.answer_link.split_once('#').unwrap().1.to_string();

    // The hostile server serves a key of its own; the link commits to the requester's.
    let substitute = RequestKeys::generate().unwrap().public_key();
    assert_ne!(commitment(&substitute), fragment);
    let hostile = key_swapping_proxy(base, Some(substitute.to_b64()));
    let through = format!("{}/r/{}#{fragment}", hostile.base_url(), made.id);
    let (page, _) = answer(&browser, &through, SECRET, false).await;
    assert!(
        flows::is_visible(&page, "#substituted").await,
        "{}",
        flows::visible_text(&page, "main").await
    );
    shot(&page, "request-key-substituted.png").await;
    assert!(hostile.got("GET", &format!("{REQUESTS}/{}", made.id)));
    assert!(
        !hostile.got("POST", "/set-value"),
        "nothing may be sent: {:?}",
        hostile
            .requests()
            .iter()
            .map(|r| &r.path)
            .collect::<Vec<_>>()
    );
    assert_eq!(
        eval(&page, "document.getElementById('secret').value").await,
        ""
    );
    assert_eq!(view(base, &made.id).await.1["isAnswered"], false);

    // Positive control: the same proxy passing the key on lets the same page answer.
    let honest = key_swapping_proxy(base, None);
    let through = format!("{}/r/{}#{fragment}", honest.base_url(), made.id);
    let (page, _) = answer(&browser, &through, SECRET, false).await;
    assert!(flows::is_visible(&page, "#sent").await);
    assert!(honest.got("POST", "/set-value"));
    let (_, text, _) = receive(&browser, &made.requester_link).await;
    assert_eq!(text, SECRET);
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_and_unknown_links_say_so() {
    let data = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(Store::Embedded(data.path()), &[]);
    let base = server.base_url();
    let browser = Chromium::launch().await;
    // No commitment, a short one, and no private key: the link is incomplete.
    for link in [
        format!("{base}/r/AAAAAAAAAAAAAAAAAAAAAA"),
        format!("{base}/r/AAAAAAAAAAAAAAAAAAAAAA#short"),
        format!("{base}/r/AAAAAAAAAAAAAAAAAAAAAA/open"),
    ] {
        let page = browser.open(&link).await;
        shown(&page, "#broken").await;
    }
    // A well-formed link to a request that does not exist.
    let keys = RequestKeys::generate().unwrap();
    let page = browser
        .open(&format!(
            "{base}/r/AAAAAAAAAAAAAAAAAAAAAA#{}",
            commitment(&keys.public_key())
        ))
        .await;
    shown(&page, "#gone").await;
    let page = browser
        .open(&format!(
            "{base}/r/AAAAAAAAAAAAAAAAAAAAAA/open#{}",
            keys.to_b64().as_str()
        ))
        .await;
    shown(&page, "#gone").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axe_core_finds_nothing_on_the_request_pages_light_or_dark() {
    use chromiumoxide::cdp::browser_protocol::emulation::MediaFeature;
    use zkshare_tests::npm;

    let data = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(Store::Embedded(data.path()), &[]);
    let base = server.base_url();
    let mut report = Vec::new();
    for (languages, scheme) in [
        ("en", "light"),
        ("en", "dark"),
        ("de", "dark"),
        ("fr", "light"),
    ] {
        let browser = Chromium::launch_in(languages).await;
        let mut check = async |page: &Page, state: &str| {
            page.emulate_media_features(vec![MediaFeature::new("prefers-color-scheme", scheme)])
                .await
                .unwrap();
            for v in npm::axe_violations(page).await {
                report.push(format!("{languages} {scheme} {state}: {v}"));
            }
        };
        let page = browser.open(&format!("{base}/request")).await;
        until(&page, "!document.getElementById('create').disabled").await;
        check(&page, "request form").await;
        let (made, _) = request(&browser, base, "axe", false, false).await;
        let result = browser.open(&format!("{base}/request")).await;
        until(&result, "!document.getElementById('create').disabled").await;
        flows::click(&result, "#create").await;
        until(&result, "document.getElementById('requester-link').value").await;
        check(&result, "request links").await;
        let waiting = browser.open(&made.requester_link).await;
        shown(&waiting, "#check").await;
        check(&waiting, "waiting for the answer").await;
        let ask = browser.open(&made.answer_link).await;
        shown(&ask, "#ask").await;
        check(&ask, "answer form").await;
        let (sent, _) = answer(&browser, &made.answer_link, "axe", false).await;
        check(&sent, "sent").await;
        let answered = browser.open(&made.answer_link).await;
        shown(&answered, "#answered").await;
        check(&answered, "already answered").await;
        let (revealed, _, _) = receive(&browser, &made.requester_link).await;
        check(&revealed, "revealed").await;
        let gone = browser.open(&made.requester_link).await;
        shown(&gone, "#gone").await;
        check(&gone, "gone").await;
        browser.close().await;
    }
    assert!(
        report.is_empty(),
        "axe-core violations:\n{}",
        report.join("\n")
    );
}
