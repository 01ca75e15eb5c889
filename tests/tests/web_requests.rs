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
        format!("{base}/r/AAAAAAAAAAAAAAAAAAAAAA/open#short"),
    ] {
        let page = browser.open(&link).await;
        shown(&page, "#broken").await;
    }
    // A requester page without a key, in a browser that keeps none for it: where the key is.
    let page = browser
        .open(&format!("{base}/r/AAAAAAAAAAAAAAAAAAAAAA/open"))
        .await;
    shown(&page, "#elsewhere").await;
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
        let elsewhere = browser.open(&format!("{base}/r/{}/open", made.id)).await;
        shown(&elsewhere, "#elsewhere").await;
        check(&elsewhere, "key not in this browser").await;
        browser.close().await;
    }
    assert!(
        report.is_empty(),
        "axe-core violations:\n{}",
        report.join("\n")
    );
}

/// What the request page keeps for request `id` in this browser's IndexedDB, as a script of the
/// origin sees it (null when nothing), and the signed-in user's id.
async fn kept_record(page: &Page, id: &str) -> Value {
    eval(
        page,
        &format!(
            r#"(async () => {{
              const user = (await (await fetch('/api/v1/auth/session')).json()).user;
              const names = (await indexedDB.databases()).map((d) => d.name);
              if (!names.includes('zkshare-requester-keys')) return {{ user: user && user.id, record: null }};
              const record = await new Promise((resolve, reject) => {{
                const open = indexedDB.open('zkshare-requester-keys');
                open.onerror = () => reject(open.error);
                open.onsuccess = () => {{
                  const db = open.result;
                  const get = db.transaction('keys').objectStore('keys').get('{id}');
                  get.onsuccess = () => {{ db.close(); resolve(get.result || null); }};
                  get.onerror = () => reject(get.error);
                }};
              }});
              if (!record) return {{ user: user && user.id, record: null }};
              let exported = 'refused';
              try {{ await crypto.subtle.exportKey('raw', record.wrappingKey); exported = 'exported'; }} catch (e) {{}}
              return {{
                user: user && user.id,
                record: {{
                  fields: Object.keys(record).sort(),
                  user: record.user,
                  expiresAt: record.expiresAt,
                  algorithm: record.wrappingKey.algorithm.name,
                  length: record.wrappingKey.algorithm.length,
                  extractable: record.wrappingKey.extractable,
                  exported,
                  iv: record.iv.byteLength,
                  sealed: record.sealed.byteLength,
                }},
              }};
            }})()"#
        ),
    )
    .await
}

/// Signs in on the login page `page` is on and waits until it has gone back to `path`.
async fn sign_in_back_to(page: &Page, email: &str, path: &str) {
    until(
        page,
        "location.pathname === '/login' && !!document.querySelector('#login-form button[type=submit]') \
         && !document.querySelector('#login-form button[type=submit]').disabled",
    )
    .await;
    flows::set_value(page, "#email", email).await;
    flows::set_value(page, "#password", zkshare_tests::world::ACCOUNT_PASSWORD).await;
    flows::click(page, "#login-form button[type=submit]").await;
    until(page, &format!("location.pathname === '{path}'")).await;
}

/// Signs `email` in and opens the request page, ready, with the choice to keep the key here.
async fn signed_in_request_page(browser: &Chromium, base: &str, email: &str) -> Page {
    flows::log_in(browser, base, email, zkshare_tests::world::ACCOUNT_PASSWORD).await;
    let page = browser.open(&format!("{base}/request")).await;
    until(
        &page,
        "!document.getElementById('create').disabled && !document.getElementById('keep-here-row').hidden",
    )
    .await;
    page
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_in_requester_can_keep_the_key_in_the_browser_instead_of_a_link() {
    use zkshare_tests::npm;
    use zkshare_tests::world::{ACCOUNT_PASSWORD, MailWorld};

    let (world, alice, bob) = tokio::task::spawn_blocking(|| {
        let world = MailWorld::start();
        let alice = world.person("alice@acme.example");
        world.organization(&alice, "Acme");
        let bob = world.person("bob@acme.example");
        (world, alice, bob)
    })
    .await
    .unwrap();
    let base = world.base().to_string();

    // Signed out, the page offers no such choice.
    let mine = Chromium::launch().await;
    let page = mine.open(&format!("{base}/request")).await;
    until(&page, "!document.getElementById('create').disabled").await;
    assert!(!flows::is_visible(&page, "#keep-here").await);

    let page = signed_in_request_page(&mine, &base, &alice.email).await;
    flows::set_value(&page, "#name", "kept here").await;
    flows::click(&page, "#org-only").await;
    flows::click(&page, "#keep-here").await;
    flows::click(&page, "#create").await;
    shown(&page, "#kept-here").await;
    assert!(!flows::is_visible(&page, "#requester-block").await);
    assert_eq!(
        eval(&page, "document.getElementById('requester-link').value").await,
        "",
        "no private link is shown"
    );
    let answer_link = flows::text(&page, "#answer-link").await;
    let id = answer_link
        .split("/r/")
        .nth(1)
        .and_then(|rest| rest.split('#').next())
        .expect("an answer link")
        .to_string();
    let open = format!("{base}/r/{id}/open");
    assert_eq!(flows::text(&page, "#open-link").await, open);
    assert_eq!(
        eval(&page, "document.getElementById('open-link').href").await,
        open.as_str()
    );
    let violations = npm::axe_violations(&page).await;
    assert!(violations.is_empty(), "{violations:#?}");

    // What the browser keeps: the key sealed under a WebCrypto key no script can export, for
    // alice, until the request expires.
    let kept = kept_record(&page, &id).await;
    let record = &kept["record"];
    assert_eq!(
        record["fields"],
        serde_json::json!(["expiresAt", "id", "iv", "sealed", "user", "wrappingKey"]),
        "{kept}"
    );
    assert_eq!(record["user"], kept["user"], "{kept}");
    assert_eq!(record["algorithm"], "AES-GCM", "{kept}");
    assert_eq!(record["length"], 256, "{kept}");
    assert_eq!(record["extractable"], false, "{kept}");
    assert_eq!(record["exported"], "refused", "{kept}");
    assert_eq!(record["iv"], 12, "{kept}");
    assert_eq!(
        record["sealed"],
        44 + 16,
        "the 44-character key and a tag: {kept}"
    );
    let (status, before) = view(&base, &id).await;
    assert_eq!(status, 200);
    assert_eq!(record["expiresAt"], before["expiresAt"], "{kept}");

    // Someone without an account answers.
    let theirs = Chromium::launch().await;
    let (sent, _) = answer(&theirs, &answer_link, SECRET, false).await;
    assert!(flows::is_visible(&sent, "#sent").await);
    theirs.close().await;

    // Alice in another browser: the key is not there, and the server is not asked for the answer.
    let elsewhere = Chromium::launch().await;
    flows::log_in(&elsewhere, &base, &alice.email, ACCOUNT_PASSWORD).await;
    let page = elsewhere.open(&open).await;
    shown(&page, "#elsewhere").await;
    assert!(!flows::is_visible(&page, "#reveal").await);
    elsewhere.close().await;
    assert_eq!(view(&base, &id).await.1["isAnswered"], true);

    // The mail announces it with the keyless link.
    let mail = tokio::task::spawn_blocking({
        let email = alice.email.clone();
        move || {
            let mail = world.mail(&email, 2);
            (world, mail)
        }
    })
    .await
    .unwrap();
    let (world, mail) = mail;
    assert!(mail.body.contains(&format!("{open}\n")), "{}", mail.body);

    // In alice's browser, signed in as bob: the key is for alice's account, so no reveal.
    flows::log_in(&mine, &base, &bob.email, ACCOUNT_PASSWORD).await;
    let page = mine.open(&open).await;
    shown(&page, "#sign-in-here").await;
    assert!(!flows::is_visible(&page, "#reveal").await);
    // "Sign in" returns to this page, which then reveals.
    flows::click(&page, "#sign-in-here-link").await;
    sign_in_back_to(&page, &alice.email, &format!("/r/{id}/open")).await;
    shown(&page, "#reveal").await;
    flows::click(&page, "#reveal").await;
    shown(&page, "#secret-view").await;
    assert_eq!(
        eval(&page, "document.getElementById('secret').value").await,
        SECRET
    );
    // Read once: the answer is gone from the server, and the key from the browser.
    assert_eq!(view(&base, &id).await.0, 404);
    assert_eq!(kept_record(&page, &id).await["record"], Value::Null);

    let problems = problems(&mine, &[]);
    assert!(problems.is_empty(), "{problems:#?}");
    mine.close().await;
    tokio::task::spawn_blocking(move || drop(world))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_the_browser_cannot_keep_the_key_the_private_link_is_shown() {
    use zkshare_tests::world::MailWorld;

    let (world, alice) = tokio::task::spawn_blocking(|| {
        let world = MailWorld::start();
        let alice = world.person("alice@example.test");
        (world, alice)
    })
    .await
    .unwrap();
    let base = world.base().to_string();
    let browser = Chromium::launch().await;
    let page = signed_in_request_page(&browser, &base, &alice.email).await;
    // IndexedDB refuses from now on, as in some private modes.
    eval(
        &page,
        "IDBFactory.prototype.open = () => { throw new DOMException('storage off', 'InvalidStateError'); }; true",
    )
    .await;
    flows::click(&page, "#keep-here").await;
    flows::click(&page, "#create").await;
    until(&page, "document.getElementById('requester-link').value").await;
    assert!(flows::is_visible(&page, "#requester-block").await);
    assert!(!flows::is_visible(&page, "#kept-here").await);
    let status = flows::text(&page, "#result-status").await;
    assert!(status.contains("could not keep the key"), "{status}");
    let requester_link = flows::text(&page, "#requester-link").await;

    // The private link works as ever.
    let answer_link = flows::text(&page, "#answer-link").await;
    let (sent, _) = answer(&browser, &answer_link, SECRET, false).await;
    assert!(flows::is_visible(&sent, "#sent").await);
    let (_, text, _) = receive(&browser, &requester_link).await;
    assert_eq!(text, SECRET);
    browser.close().await;
    tokio::task::spawn_blocking(move || drop(world))
        .await
        .unwrap();
}
