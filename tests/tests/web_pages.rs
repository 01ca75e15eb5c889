//! The pages as people use them: reloads and bookmarks, the sender's status link, a deliberate
//! reveal, screen readers and keyboards, pasted links, phones, and axe-core on every state.

use std::time::Duration;

use chromiumoxide::Page;
use chromiumoxide::cdp::browser_protocol::emulation::{
    MediaFeature, SetDeviceMetricsOverrideParams,
};
use serde_json::Value;
use zkshare_tests::browser::{Chromium, eval, wait_for};
use zkshare_tests::flows::{self, Revealed, ShareForm, metadata, stack};
use zkshare_tests::npm;

const TIMEOUT: Duration = Duration::from_secs(30);

async fn wait_settled(page: &Page) {
    wait_for(
        page,
        "['ask', 'gone', 'broken', 'info', 'secret-view'].some((id) => { const e = document.getElementById(id); return e && !e.hidden; })",
        TIMEOUT,
    )
    .await;
}

/// Waits for `expression` to be true in the document a navigation loaded (the old document's
/// context may be gone while the new one is created).
async fn settle_after_navigation(page: &Page, expression: &str) {
    let deadline = std::time::Instant::now() + TIMEOUT;
    loop {
        if let Ok(v) = page.evaluate(expression).await
            && v.into_value::<bool>().unwrap_or(false)
        {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out: {expression}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Reloads `page` as the reload button does, and waits for the new document.
async fn reload(page: &Page) {
    eval(
        page,
        "window.beforeReload = true; setTimeout(() => location.reload(), 0); true",
    )
    .await;
    settle_after_navigation(
        page,
        "typeof window.beforeReload === 'undefined' && document.readyState === 'complete'",
    )
    .await;
}

async fn focused_id(page: &Page) -> String {
    eval(
        page,
        "document.activeElement ? document.activeElement.id : ''",
    )
    .await
    .as_str()
    .unwrap_or_default()
    .to_string()
}

async fn title(page: &Page) -> String {
    eval(page, "document.title")
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_or_bookmark_after_a_reveal_never_blames_the_sender() {
    let stack = stack();
    let base = stack.server.base_url();
    let sender = Chromium::launch().await;
    let (_, link) = flows::share(
        &sender,
        base,
        &ShareForm {
            secret: "three views",
            views: Some("3"),
            ..Default::default()
        },
    )
    .await;
    let (id, _) = flows::split_link(&link);

    let recipient = Chromium::launch().await;
    let (page, outcome) = flows::reveal(&recipient, &link, None).await;
    assert!(
        matches!(outcome, Revealed::Secret { ref text, .. } if text == "three views"),
        "{outcome:?}"
    );
    // A reload in the same tab: the key was kept for the tab, the remaining views are reachable.
    reload(&page).await;
    match flows::reveal_on(&page, None).await {
        Revealed::Secret { text, views_line } => {
            assert_eq!(text, "three views");
            assert!(views_line.contains("1 more view"), "{views_line}");
        }
        other => panic!("a reload must reopen the secret: {other:?}"),
    }
    // The address bar's copy (or a bookmark) in another tab has no key: explained, not blamed.
    let other_tab = recipient.open(&format!("{base}/s/{id}")).await;
    wait_settled(&other_tab).await;
    let broken = flows::visible_text(&other_tab, "#broken").await;
    assert!(
        broken.contains("You opened this link already on this device")
            && broken.contains("original link again"),
        "{broken}"
    );
    assert!(!broken.contains("Ask the sender"), "{broken}");
    assert!(
        eval(
            &other_tab,
            "!!document.querySelector('#broken a[href=\"/\"]')"
        )
        .await
        .as_bool()
        .unwrap(),
        "a way home"
    );
    // A reload reaches the third view, the last: the key is forgotten and the link reads as gone.
    page.bring_to_front().await.expect("back to the first tab");
    reload(&page).await;
    assert!(matches!(
        flows::reveal_on(&page, None).await,
        Revealed::Secret { .. }
    ));
    let (status, _) = metadata(base, &id).await;
    assert_eq!(status, 404, "three views were used");
    let page = recipient.open(&link).await;
    assert_eq!(flows::reveal_on(&page, None).await, Revealed::Gone);
    let kept = eval(&page, "sessionStorage.length + localStorage.length").await;
    assert_eq!(kept, 0, "nothing about a gone secret stays on the device");
    sender.close().await;
    recipient.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sender_keeps_a_private_status_link_with_delete_now() {
    let stack = stack();
    let base = stack.server.base_url();
    let sender = Chromium::launch().await;
    let (page, link) = flows::share(
        &sender,
        base,
        &ShareForm {
            secret: "status please",
            name: Some("wifi"),
            views: Some("2"),
            ..Default::default()
        },
    )
    .await;
    let (id, _) = flows::split_link(&link);
    let status_link = flows::text(&page, "#status-link").await;
    assert!(
        status_link.starts_with(&format!("{base}/s/{id}/status#")),
        "{status_link}"
    );

    // Later, in another browser: nothing opened yet.
    let later = Chromium::launch().await;
    let status = later.open(&status_link).await;
    wait_settled(&status).await;
    assert_eq!(flows::text(&status, "#st-views").await, "2");
    assert_eq!(flows::text(&status, "#st-viewed").await, "Not opened yet");
    assert_eq!(flows::text(&status, "#st-name").await, "wifi");
    assert!(title(&status).await.contains("status"));

    let recipient = Chromium::launch().await;
    let (_, outcome) = flows::reveal(&recipient, &link, None).await;
    assert!(matches!(outcome, Revealed::Secret { .. }), "{outcome:?}");

    reload(&status).await;
    wait_settled(&status).await;
    assert_eq!(flows::text(&status, "#st-views").await, "1");
    let viewed = flows::text(&status, "#st-viewed").await;
    assert!(
        viewed != "Not opened yet" && viewed.contains(':'),
        "{viewed}"
    );

    flows::click(&status, "#delete").await;
    flows::wait_visible(&status, "#gone").await;
    assert!(
        flows::text(&status, "#gone")
            .await
            .contains("You deleted it")
    );
    assert_eq!(metadata(base, &id).await.0, 404);
    // A reload of the status page now says it is gone, and the recipient's link too.
    reload(&status).await;
    flows::wait_visible(&status, "#gone").await;
    let (_, outcome) = flows::reveal(&recipient, &link, None).await;
    assert_eq!(outcome, Revealed::Gone);
    for browser in [sender, later, recipient] {
        browser.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revealing_is_deliberate_and_announced() {
    let stack = stack();
    let base = stack.server.base_url();
    let browser = Chromium::launch().await;
    let (_, link) = flows::share(
        &browser,
        base,
        &ShareForm {
            secret: "one look",
            views: Some("1"),
            ..Default::default()
        },
    )
    .await;
    let (id, _) = flows::split_link(&link);
    let page = browser.open(&link).await;
    flows::wait_visible(&page, "#ask").await;
    // Enter cannot spend the view by accident: focus is on the heading, not on the button.
    assert_eq!(focused_id(&page).await, "ask-title");
    assert!(title(&page).await.contains("shared a secret"));
    let described = eval(
        &page,
        "document.getElementById(document.getElementById('reveal').getAttribute('aria-describedby')).textContent",
    )
    .await;
    assert!(
        described
            .as_str()
            .unwrap()
            .contains("This is the last view: copy it before you leave"),
        "{described}"
    );
    page.find_element("body")
        .await
        .unwrap()
        .press_key("Enter")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(metadata(base, &id).await.1["expiresAfterViews"], 1);

    flows::click(&page, "#reveal").await;
    flows::wait_visible(&page, "#secret-view").await;
    assert_eq!(focused_id(&page).await, "secret-title");
    assert!(title(&page).await.contains("revealed"));
    let announced = flows::text(&page, "#announce").await;
    assert!(
        announced.contains("Secret revealed") && announced.contains("last view"),
        "{announced}"
    );
    assert_eq!(
        eval(
            &page,
            "document.getElementById('announce').getAttribute('role')"
        )
        .await,
        "status"
    );
    // The toggle's label says what it will do, and nothing contradicts it.
    assert_eq!(
        eval(&page, "document.getElementById('toggle').textContent").await,
        "Hide"
    );
    assert_eq!(
        eval(
            &page,
            "document.getElementById('toggle').getAttribute('aria-pressed')"
        )
        .await,
        Value::Null
    );
    flows::click(&page, "#toggle").await;
    assert_eq!(
        eval(&page, "document.getElementById('toggle').textContent").await,
        "Show"
    );
    assert_eq!(
        eval(
            &page,
            "document.getElementById('secret').classList.contains('masked')"
        )
        .await,
        true
    );
    flows::click(&page, "#copy").await;
    wait_for(
        &page,
        "document.getElementById('copy-status').textContent",
        TIMEOUT,
    )
    .await;
    assert_eq!(
        eval(
            &page,
            "document.getElementById('copy-status').getAttribute('role')"
        )
        .await,
        "status"
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_focus_ring_has_three_to_one_contrast_in_both_schemes() {
    let stack = stack();
    let base = stack.server.base_url();
    let browser = Chromium::launch().await;
    let page = browser.open(&format!("{base}/")).await;
    flows::share_form_ready(&page).await;
    for scheme in ["light", "dark"] {
        page.emulate_media_features(vec![MediaFeature::new("prefers-color-scheme", scheme)])
            .await
            .unwrap();
        let ratio = eval(
            &page,
            "(() => { const b = document.getElementById('create'); b.focus(); \
             const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number); \
             const lum = (c) => { const [r, g, b] = rgb(c).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; }; \
             const ring = getComputedStyle(b).outlineColor; \
             const card = getComputedStyle(document.querySelector('main')).backgroundColor; \
             const [a, c] = [lum(ring), lum(card)]; return (Math.max(a, c) + 0.05) / (Math.min(a, c) + 0.05); })()",
        )
        .await
        .as_f64()
        .unwrap();
        assert!(ratio >= 3.0, "{scheme}: focus ring contrast {ratio:.2}:1");
    }
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_with_punctuation_from_chat_clients_still_open() {
    let stack = stack();
    let base = stack.server.base_url();
    let browser = Chromium::launch().await;
    let (_, link) = flows::share(
        &browser,
        base,
        &ShareForm {
            secret: "punctuated",
            views: Some("5"),
            ..Default::default()
        },
    )
    .await;
    for tail in [".", ")", ").", "!"] {
        let (_, outcome) = flows::reveal(&browser, &format!("{link}{tail}"), None).await;
        assert!(
            matches!(outcome, Revealed::Secret { ref text, .. } if text == "punctuated"),
            "{tail}: {outcome:?}"
        );
    }
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_paths_get_a_page_with_a_way_home_and_the_api_keeps_json() {
    let stack = stack();
    let base = stack.server.base_url();
    let client = reqwest::Client::new();
    for path in ["/nope", "/s/", "/s/abc/def/ghi"] {
        let response = client.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(response.status(), 404, "{path}");
        let ct = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(ct.starts_with("text/html"), "{path}: {ct}");
        let csp = response.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval'"),
            "{csp}"
        );
        let html = response.text().await.unwrap();
        assert!(html.contains("href=\"/\""), "{path}: a way home");
    }
    let api = client
        .get(format!("{base}/api/v1/nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 404);
    assert!(
        api.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let body: Value = api.json().await.unwrap();
    assert_eq!(body["statusCode"], 404);

    let browser = Chromium::launch().await;
    let page = browser.open(&format!("{base}/nope")).await;
    let text = flows::text(&page, "main").await;
    assert!(
        text.contains("not found") || text.contains("Not found"),
        "{text}"
    );
    flows::click(&page, "main a[href=\"/\"]:not(.brand)").await;
    settle_after_navigation(&page, "!!document.getElementById('create-form')").await;
    assert!(
        browser.problems().iter().all(|p| p.contains("404")),
        "{:?}",
        browser.problems()
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_shows_the_whole_link_and_a_qr_code_that_decodes_to_it() {
    let stack = stack();
    let base = stack.server.base_url();
    let browser = Chromium::launch().await;
    let page = browser.open(&format!("{base}/")).await;
    page.execute(SetDeviceMetricsOverrideParams::new(375, 740, 2.0, true))
        .await
        .unwrap();
    flows::share_form_ready(&page).await;
    flows::set_value(&page, "#secret", "on a phone").await;
    flows::click(&page, "#create").await;
    flows::wait_visible(&page, "#result").await;
    let link = flows::text(&page, "#link").await;
    assert!(link.starts_with(&format!("{base}/s/")), "{link}");
    for field in ["#link", "#status-link"] {
        let fits = eval(
            &page,
            &format!(
                "(() => {{ const e = document.querySelector('{field}'); const r = e.getBoundingClientRect(); \
                 return e.scrollWidth <= e.clientWidth && e.scrollHeight <= e.clientHeight && r.right <= innerWidth; }})()"
            ),
        )
        .await;
        assert_eq!(
            fits, true,
            "{field} shows the whole link on a 375 px screen"
        );
    }
    assert!(flows::is_visible(&page, "#qr").await);
    assert_eq!(
        npm::decode_qr(&page, "#qr").await.as_deref(),
        Some(link.as_str())
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn is_password_protected_follows_the_envelope_mode() {
    let stack = stack();
    let base = stack.server.base_url();
    let browser = Chromium::launch().await;
    for (password, expected) in [(None, false), (Some("pw"), true)] {
        let (_, link) = flows::share(
            &browser,
            base,
            &ShareForm {
                secret: "mode",
                password,
                ..Default::default()
            },
        )
        .await;
        let (id, _) = flows::split_link(&link);
        let (_, meta) = metadata(base, &id).await;
        assert_eq!(
            meta["isPasswordProtected"], expected,
            "password {password:?}"
        );
    }
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axe_core_finds_nothing_in_any_state_light_or_dark() {
    let stack = stack();
    let base = stack.server.base_url();
    let browser = Chromium::launch().await;
    let mut report = Vec::new();
    for scheme in ["light", "dark"] {
        let mut check = async |page: &Page, state: &str| {
            page.emulate_media_features(vec![MediaFeature::new("prefers-color-scheme", scheme)])
                .await
                .unwrap();
            for v in npm::axe_violations(page).await {
                report.push(format!("{scheme} {state}: {v}"));
            }
        };
        let page = browser.open(&format!("{base}/")).await;
        flows::share_form_ready(&page).await;
        check(&page, "share form").await;
        flows::click(&page, "#create").await;
        flows::wait_visible(&page, "#create-error").await;
        check(&page, "share form with an error").await;
        let (page, link) = flows::share(
            &browser,
            base,
            &ShareForm {
                secret: "axe",
                password: Some("pw"),
                views: Some("2"),
                ..Default::default()
            },
        )
        .await;
        check(&page, "link").await;
        let status_link = flows::text(&page, "#status-link").await;
        let page = browser.open(&status_link).await;
        wait_settled(&page).await;
        check(&page, "status").await;
        let page = browser.open(&link).await;
        flows::wait_visible(&page, "#ask").await;
        check(&page, "reveal").await;
        assert!(matches!(
            flows::reveal_on(&page, Some("wrong")).await,
            Revealed::Error(_)
        ));
        check(&page, "wrong password").await;
        assert!(matches!(
            flows::reveal_on(&page, Some("pw")).await,
            Revealed::Secret { .. }
        ));
        check(&page, "revealed").await;
        let (id, _) = flows::split_link(&link);
        let page = browser.open(&format!("{base}/s/{id}")).await;
        wait_settled(&page).await;
        check(&page, "incomplete").await;
        let page = browser
            .open(&format!("{base}/s/AAAAAAAAAAAAAAAAAAAAAA#x"))
            .await;
        wait_settled(&page).await;
        check(&page, "gone").await;
        let page = browser.open(&format!("{base}/nope")).await;
        check(&page, "not found").await;
        let page = browser.open(&format!("{base}/hashes")).await;
        check(&page, "hashes").await;
    }
    assert!(
        report.is_empty(),
        "axe-core violations:\n{}",
        report.join("\n")
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_pages_say_how_it_works_with_the_security_model_and_readable_hashes() {
    let stack = stack();
    let base = stack.server.base_url();
    let browser = Chromium::launch().await;
    let manifest: Value = reqwest::get(format!("{base}/assets.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let reveal_sha = manifest["files"]["/js/reveal.js"]["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    for path in ["/", "/s/AAAAAAAAAAAAAAAAAAAAAA"] {
        let page = browser.open(&format!("{base}{path}")).await;
        wait_for(&page, "!!document.querySelector('details.how')", TIMEOUT).await;
        flows::click(&page, "details.how summary").await;
        let how = flows::visible_text(&page, "details.how").await;
        assert!(
            how.contains("encrypts") && how.contains("never send"),
            "{path}: {how}"
        );
        flows::click(&page, "details.how a[href=\"/hashes\"]").await;
        settle_after_navigation(&page, "document.title.includes('hashes')").await;
        let text = flows::visible_text(&page, "main").await;
        assert!(
            text.contains("/js/reveal.js") && text.contains(&reveal_sha),
            "{text}"
        );
        assert!(
            text.contains("cargo xtask check-wasm") && text.contains("print-asset-hashes"),
            "{text}"
        );
    }
    let security = reqwest::get(format!("{base}/security")).await.unwrap();
    assert_eq!(security.status(), 200);
    assert!(
        security
            .text()
            .await
            .unwrap()
            .contains("zkshare security model")
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_passwords_are_counted_down_next_to_the_field() {
    let stack = stack();
    let base = stack.server.base_url();
    let browser = Chromium::launch().await;
    let (_, link) = flows::share(
        &browser,
        base,
        &ShareForm {
            secret: "counted",
            password: Some("right"),
            ..Default::default()
        },
    )
    .await;
    let page = browser.open(&link).await;
    flows::wait_visible(&page, "#password").await;
    for left in [9, 8] {
        match flows::reveal_on(&page, Some("wrong")).await {
            Revealed::Error(message) => assert!(
                message.contains(&format!(
                    "Wrong password. {left} attempts left before the secret is destroyed."
                )),
                "{message}"
            ),
            other => panic!("expected an error, got {other:?}"),
        }
        assert_eq!(
            eval(
                &page,
                "document.getElementById('password').getAttribute('aria-invalid')"
            )
            .await,
            "true"
        );
        let described = eval(
            &page,
            "document.getElementById('password').getAttribute('aria-describedby')",
        )
        .await;
        assert!(
            described.as_str().unwrap().contains("reveal-error"),
            "{described}"
        );
    }
    assert!(matches!(
        flows::reveal_on(&page, Some("right")).await,
        Revealed::Secret { .. }
    ));
    browser.close().await;
}

/// A language's message catalog, as the repository holds it (`web/i18n/{lang}.json`).
fn catalog(lang: &str) -> serde_json::Map<String, Value> {
    let path = zkshare_tests::workspace_root().join(format!("web/i18n/{lang}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    match serde_json::from_str(&text) {
        Ok(Value::Object(map)) => map,
        other => panic!("{lang}.json is not an object: {other:?}"),
    }
}

/// The `{name}` arguments and `<tag>`s of a message (every plural form of it).
fn placeholders(message: &Value) -> std::collections::BTreeSet<String> {
    let mut out = std::collections::BTreeSet::new();
    let texts: Vec<&str> = match message {
        Value::String(s) => vec![s.as_str()],
        Value::Object(forms) => forms.values().filter_map(Value::as_str).collect(),
        _ => panic!("a message is a string or plural forms: {message}"),
    };
    for text in texts {
        for (open, close) in [('{', '}'), ('<', '>')] {
            let mut rest = text;
            while let Some(start) = rest.find(open) {
                let Some(end) = rest[start..].find(close) else {
                    break;
                };
                out.insert(rest[start..start + end + 1].to_string());
                rest = &rest[start + end + 1..];
            }
        }
    }
    out
}

#[test]
fn every_catalog_has_the_english_keys_arguments_and_plural_forms() {
    let english = catalog("en");
    for lang in ["de", "fr"] {
        let other = catalog(lang);
        let missing: Vec<_> = english.keys().filter(|k| !other.contains_key(*k)).collect();
        let extra: Vec<_> = other.keys().filter(|k| !english.contains_key(*k)).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{lang}.json: missing {missing:?}, not in English {extra:?}"
        );
        for (key, message) in &english {
            let theirs = &other[key];
            assert_eq!(
                placeholders(message),
                placeholders(theirs),
                "{lang}.json {key}: the same arguments and tags as English"
            );
            if let Value::Object(forms) = theirs {
                assert!(
                    forms.contains_key("one") && forms.contains_key("other"),
                    "{lang}.json {key}: plural forms one and other"
                );
            }
        }
    }
    // Every message the pages name exists.
    let web = zkshare_tests::workspace_root().join("web");
    for page in [
        "index.html",
        "reveal.html",
        "status.html",
        "404.html",
        "partials/how.html",
        "partials/language.html",
    ] {
        let html = std::fs::read_to_string(web.join(page)).unwrap();
        for attr in ["data-i18n=\"", "data-title=\""] {
            for piece in html.split(attr).skip(1) {
                let key = &piece[..piece.find('"').unwrap()];
                assert!(
                    english.contains_key(key),
                    "{page} names {key}, not in en.json"
                );
            }
        }
    }
}

/// Fails on a message key shown instead of its text, and on English left in another language:
/// any plain English message (no arguments) that differs from this language's must not show.
async fn assert_speaks(page: &Page, lang: &str, state: &str) {
    let english = catalog("en");
    let own = catalog(lang);
    wait_for(
        page,
        &format!("document.documentElement.lang === '{lang}'"),
        TIMEOUT,
    )
    .await;
    let text = eval(page, "document.title + '\\n' + document.body.innerText").await;
    let text = text.as_str().unwrap_or_default();
    for (key, message) in &english {
        if key.contains('.') {
            assert!(
                !text.contains(key.as_str()),
                "{lang} {state}: raw key {key} shown"
            );
        }
        if lang == "en" {
            continue;
        }
        if let Some(message) = message.as_str()
            && !message.contains('{')
            && !message.contains('<')
            && message.len() > 8
            && own[key] != *message
        {
            assert!(
                !text.contains(message),
                "{lang} {state}: English left: {message:?}\n{text}"
            );
        }
    }
    let raw = eval(
        page,
        "[...document.querySelectorAll('[data-i18n]')].filter((e) => e.textContent.trim() === e.dataset.i18n).length",
    )
    .await;
    assert_eq!(raw, 0, "{lang} {state}: an element shows its key");
}

/// The text of message `key` in `lang` with `{n}` = `n` (plural form `form`).
fn message(lang: &str, key: &str, form: &str, n: u64) -> String {
    let catalog = catalog(lang);
    let m = &catalog[key];
    m.get(form)
        .or(Some(m))
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{lang} {key}"))
        .replace("{n}", &n.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_speaks_the_browsers_language_with_dates_and_plurals_in_it() {
    let stack = stack();
    let base = stack.server.base_url();
    let mut report = Vec::new();
    // The browser's languages: German, French, and one the pages do not speak (English).
    for (accept, lang, in_an_hour) in [
        ("de-DE,de;q=0.9,en;q=0.5", "de", "in 1 Stunde"),
        ("fr-CH,fr;q=0.9", "fr", "dans 1 heure"),
        ("ja-JP,ja;q=0.9", "en", "in 1 hour"),
    ] {
        let browser = Chromium::launch_in(accept).await;
        let mut axe = async |page: &Page, state: &str| {
            for v in npm::axe_violations(page).await {
                report.push(format!("{lang} {state}: {v}"));
            }
        };
        let page = browser.open(&format!("{base}/")).await;
        flows::share_form_ready(&page).await;
        assert_speaks(&page, lang, "share form").await;
        assert_eq!(
            flows::visible_text(&page, "#create").await,
            message(lang, "create.submit", "", 0)
        );
        axe(&page, "share form").await;

        let (page, link) = flows::share(
            &browser,
            base,
            &ShareForm {
                secret: "Grüße",
                password: Some("pw"),
                views: Some("2"),
                ..Default::default()
            },
        )
        .await;
        assert_speaks(&page, lang, "link").await;
        let summary = flows::text(&page, "#summary").await;
        assert!(
            summary.contains(in_an_hour)
                && summary.contains("UTC")
                && summary.contains(&message(lang, "views.n", "other", 2)),
            "{lang}: {summary}"
        );
        axe(&page, "link").await;
        let status_link = flows::text(&page, "#status-link").await;

        let page = browser.open(&link).await;
        flows::wait_visible(&page, "#ask").await;
        assert_speaks(&page, lang, "reveal").await;
        let expires = flows::text(&page, "#meta-expires").await;
        assert!(expires.contains(in_an_hour), "{lang}: {expires}");
        assert_eq!(
            title(&page).await,
            format!("{} — zkshare", message(lang, "reveal.ask_title", "", 0))
        );
        match flows::reveal_on(&page, Some("wrong")).await {
            Revealed::Error(error) => {
                assert_eq!(error, message(lang, "reveal.pw_left", "other", 9), "{lang}")
            }
            other => panic!("{lang}: expected an error, got {other:?}"),
        }
        assert_speaks(&page, lang, "wrong password").await;
        axe(&page, "wrong password").await;
        match flows::reveal_on(&page, Some("pw")).await {
            Revealed::Secret { text, views_line } => {
                assert_eq!(text, "Grüße");
                assert_eq!(
                    views_line,
                    message(lang, "reveal.views_more", "one", 1),
                    "{lang}"
                );
            }
            other => panic!("{lang}: expected the secret, got {other:?}"),
        }
        assert_speaks(&page, lang, "revealed").await;
        axe(&page, "revealed").await;

        let page = browser.open(&status_link).await;
        flows::wait_visible(&page, "#info").await;
        assert_speaks(&page, lang, "status").await;
        let expires = flows::text(&page, "#st-expires").await;
        assert!(expires.contains(in_an_hour), "{lang}: {expires}");
        axe(&page, "status").await;

        let (id, _) = flows::split_link(&link);
        let page = browser.open(&format!("{base}/s/{id}")).await;
        wait_settled(&page).await;
        assert_speaks(&page, lang, "incomplete").await;
        let page = browser.open(&format!("{base}/nope")).await;
        assert_speaks(&page, lang, "not found").await;
        assert_eq!(
            flows::visible_text(&page, "#nf-title").await,
            message(lang, "nf.title", "", 0)
        );
        axe(&page, "not found").await;
        let page = browser.open(&format!("{base}/hashes")).await;
        assert_speaks(&page, lang, "hashes").await;
        assert_eq!(
            flows::visible_text(&page, "h2").await,
            message(lang, "hashes.title", "", 0)
        );
        axe(&page, "hashes").await;
        let problems: Vec<_> = (browser.problems().into_iter())
            // The 404 page and the wrong password's 401 are expected.
            .filter(|p| !p.contains("404 (Not Found)") && !p.contains("401 (Unauthorized)"))
            .collect();
        assert!(problems.is_empty(), "{lang}: {problems:#?}");
        browser.close().await;
    }
    assert!(
        report.is_empty(),
        "axe-core violations:\n{}",
        report.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_language_switcher_works_from_the_keyboard_and_is_remembered() {
    let stack = stack();
    let base = stack.server.base_url();
    let browser = Chromium::launch_in("en-GB,en;q=0.9").await;
    let (page, _) = flows::share(
        &browser,
        base,
        &ShareForm {
            secret: "switch",
            ..Default::default()
        },
    )
    .await;
    assert_speaks(&page, "en", "link").await;
    assert!(flows::text(&page, "#summary").await.contains("in 1 hour"));
    // The result stays on the page: the switch re-renders it, including the date.
    let switcher = page.find_element("#lang").await.expect("#lang");
    switcher.focus().await.expect("focus #lang");
    switcher.press_key("ArrowDown").await.expect("ArrowDown");
    assert_speaks(&page, "de", "link after the switch").await;
    switcher.press_key("ArrowDown").await.expect("ArrowDown");
    assert_speaks(&page, "fr", "link after the switch").await;
    assert_eq!(focused_id(&page).await, "lang");
    let summary = flows::text(&page, "#summary").await;
    assert!(summary.contains("dans 1 heure"), "{summary}");
    assert_eq!(
        title(&page).await,
        format!("{} — zkshare", message("fr", "link.title", "", 0))
    );
    let label = eval(
        &page,
        "document.querySelector('label[for=lang]').textContent",
    )
    .await;
    assert_eq!(label, "Langue");
    // Remembered on this device, over the browser's own language, on every page.
    let page = browser.open(&format!("{base}/nope")).await;
    assert_speaks(&page, "fr", "not found").await;
    let page = browser.open(&format!("{base}/")).await;
    assert_speaks(&page, "fr", "share form").await;
    let stored = eval(&page, "localStorage.getItem('zkshare.lang')").await;
    assert_eq!(stored, "fr");
    let problems: Vec<_> = (browser.problems().into_iter())
        .filter(|p| !p.contains("404 (Not Found)"))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
    browser.close().await;
}

/// What a page shows before its catalog loads (and without script) is its built-in English:
/// a second copy of `en.json`. Every text and attribute that names a message must say what the
/// English catalog says, so the pages read the same with and without the catalog.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pages_built_in_english_is_the_english_catalog() {
    let stack = stack();
    let base = stack.server.base_url();
    let browser = Chromium::launch_in("en-GB,en;q=0.9").await;
    let page = browser.open(&format!("{base}/")).await;
    flows::share_form_ready(&page).await;
    let id = "A".repeat(22);
    // The raw HTML as served (before any script), parsed by the browser: each element's
    // message key, arguments and text, and each translated attribute's value.
    let found = eval(
        &page,
        &format!(
            "Promise.all(['/', '/s/{id}', '/s/{id}/status', '/nope', '/hashes'].map(async (path) => {{ \
               const html = await (await fetch(path)).text(); \
               const doc = new DOMParser().parseFromString(html, 'text/html'); \
               const texts = [...doc.querySelectorAll('[data-i18n]')].map((e) => \
                 [path, e.dataset.i18n, e.dataset.i18nArgs || '{{}}', e.textContent]); \
               const attrs = [...doc.querySelectorAll('[data-i18n-attr]')].flatMap((e) => \
                 e.dataset.i18nAttr.trim().split(/\\s+/).map((pair) => {{ \
                   const [attr, key] = pair.split(':'); \
                   return [path, key, '{{}}', e.getAttribute(attr) || '']; \
                 }})); \
               return texts.concat(attrs); \
             }})).then((all) => all.flat())"
        ),
    )
    .await;
    let english = catalog("en");
    let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut checked = 0;
    let mut wrong = Vec::new();
    for item in found.as_array().expect("an array") {
        let field = |i: usize| item[i].as_str().unwrap_or_default().to_string();
        let (path, key, args, shown) = (field(0), field(1), field(2), field(3));
        if shown.trim().is_empty() {
            continue; // filled in by the page's script, from the catalog
        }
        let args: Value = serde_json::from_str(&args).unwrap_or(Value::Null);
        let Some(message) = english.get(&key) else {
            wrong.push(format!("{path}: {key} is not in en.json"));
            continue;
        };
        let n = args["n"].as_u64();
        let mut expected = match message {
            Value::Object(forms) => forms[if n == Some(1) { "one" } else { "other" }]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            other => other.as_str().unwrap_or_default().to_string(),
        };
        if let Some(args) = args.as_object() {
            for (name, value) in args {
                // Numbers as Intl.NumberFormat('en') writes them: 10000 → "10,000".
                let value = match value.as_u64() {
                    Some(number) => english_number(number),
                    None => value
                        .as_str()
                        .map_or_else(|| value.to_string(), str::to_string),
                };
                expected = expected.replace(&format!("{{{name}}}"), &value);
            }
        }
        for tag in ["<a>", "</a>", "<code>", "</code>"] {
            expected = expected.replace(tag, "");
        }
        checked += 1;
        if squash(&expected) != squash(&shown) {
            wrong.push(format!(
                "{path}: {key}\n  page:    {:?}\n  catalog: {:?}",
                squash(&shown),
                squash(&expected)
            ));
        }
    }
    assert!(checked > 60, "only {checked} built-in texts found");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    browser.close().await;
}

/// `n` with English thousands separators.
fn english_number(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
