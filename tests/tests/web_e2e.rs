//! The share and reveal pages in a real headless Chromium against the real server on real Redis.

use std::time::Duration;

use serde_json::Value;
use zkshare_tests::browser::{Chromium, eval};
use zkshare_tests::flows::{self, Revealed, ShareForm, metadata, stack};

fn assert_clean(browser: &Chromium) {
    let problems = browser.problems();
    assert!(
        problems.is_empty(),
        "the page logged problems: {problems:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn share_in_one_browser_reveal_in_a_fresh_one() {
    let stack = stack();
    let base = stack.server.base_url();
    let secret = "postgres://admin:S3cr3t!@db.internal:5432/prod\nline two: ünïcødé ✓ 🔑";

    let sender = Chromium::launch().await;
    let (share_page, link) = flows::share(
        &sender,
        base,
        &ShareForm {
            secret,
            name: Some("prod database"),
            views: Some("2"),
            ..Default::default()
        },
    )
    .await;
    assert!(link.starts_with(&format!("{base}/s/")), "link {link}");
    let summary = flows::text(&share_page, "#summary").await;
    assert!(summary.contains("2 views"), "summary: {summary}");
    let (id, key) = flows::split_link(&link);
    assert_eq!(key.len(), 43, "a 32-byte key in base64url");

    let recipient = Chromium::launch().await;
    let page = recipient.open(&link).await;
    flows::wait_visible(&page, "#ask").await;
    // Opening the page consumed nothing, and the key is gone from the address bar.
    let (status, meta) = metadata(base, &id).await;
    assert_eq!(status, 200);
    assert_eq!(meta["expiresAfterViews"], 2);
    let href = eval(&page, "location.href").await;
    assert_eq!(
        href.as_str().unwrap(),
        format!("{base}/s/{id}"),
        "the key must leave the address bar"
    );
    assert_eq!(flows::text(&page, "#meta-name").await, "prod database");

    match flows::reveal_on(&page, None).await {
        Revealed::Secret { text, views_line } => {
            assert_eq!(text, secret);
            assert!(
                views_line.contains("1 more view remaining"),
                "views line: {views_line}"
            );
        }
        other => panic!("expected the secret, got {other:?}"),
    }
    let (_, meta) = metadata(base, &id).await;
    assert_eq!(meta["expiresAfterViews"], 1, "exactly one view was used");
    assert_clean(&sender);
    assert_clean(&recipient);
    sender.close().await;
    recipient.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_then_right_one() {
    let stack = stack();
    let base = stack.server.base_url();
    let sender = Chromium::launch().await;
    let (_, link) = flows::share(
        &sender,
        base,
        &ShareForm {
            secret: "api key: zk_live_123",
            password: Some("correct horse"),
            ..Default::default()
        },
    )
    .await;
    let (id, _) = flows::split_link(&link);

    let recipient = Chromium::launch().await;
    let page = recipient.open(&link).await;
    flows::wait_visible(&page, "#password").await;
    match flows::reveal_on(&page, Some("wrong horse")).await {
        Revealed::Error(message) => {
            assert!(message.contains("Wrong password"), "message: {message}")
        }
        other => panic!("expected a wrong-password error, got {other:?}"),
    }
    let (_, meta) = metadata(base, &id).await;
    assert_eq!(
        meta["expiresAfterViews"], 1,
        "a wrong password uses no view"
    );

    match flows::reveal_on(&page, Some("correct horse")).await {
        Revealed::Secret { text, views_line } => {
            assert_eq!(text, "api key: zk_live_123");
            assert!(views_line.contains("last view"), "views line: {views_line}");
        }
        other => panic!("expected the secret, got {other:?}"),
    }
    // 401s for the wrong password are expected network errors; nothing else may be logged.
    let problems: Vec<_> = recipient
        .problems()
        .into_iter()
        .filter(|p| !p.contains("401"))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
    assert_clean(&sender);
    sender.close().await;
    recipient.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_view_secret_is_gone_after_its_view() {
    let stack = stack();
    let base = stack.server.base_url();
    let browser = Chromium::launch().await;
    let (_, link) = flows::share(
        &browser,
        base,
        &ShareForm {
            secret: "one time only",
            views: Some("1"),
            ..Default::default()
        },
    )
    .await;
    let (id, _) = flows::split_link(&link);

    let (_, first) = flows::reveal(&browser, &link, None).await;
    match first {
        Revealed::Secret { text, views_line } => {
            assert_eq!(text, "one time only");
            assert!(
                views_line.contains("This was the last view"),
                "{views_line}"
            );
        }
        other => panic!("expected the secret, got {other:?}"),
    }
    let key = zkshare_server::store::redis::secret_key(&id);
    let exists: i64 = redis::cmd("EXISTS")
        .arg(&key)
        .query(&mut stack.redis.connection())
        .unwrap();
    assert_eq!(
        exists, 0,
        "the ciphertext is deleted at the last view, not flagged"
    );

    let fresh = Chromium::launch().await;
    let (page, second) = flows::reveal(&fresh, &link, None).await;
    assert_eq!(second, Revealed::Gone);
    let text = flows::text(&page, "#gone").await;
    assert!(text.contains("missing or has expired"), "{text}");
    browser.close().await;
    fresh.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_secret_reads_as_gone() {
    let stack = stack();
    let base = stack.server.base_url();
    let browser = Chromium::launch().await;
    let (_, link) = flows::share(
        &browser,
        base,
        &ShareForm {
            secret: "short lived",
            expires: Some("5m"),
            ..Default::default()
        },
    )
    .await;
    let (id, _) = flows::split_link(&link);
    // Expire it in the store instead of waiting five minutes.
    let key = zkshare_server::store::redis::secret_key(&id);
    let set: i64 = redis::cmd("PEXPIRE")
        .arg(&key)
        .arg(1)
        .query(&mut stack.redis.connection())
        .unwrap();
    assert_eq!(set, 1, "the secret's key exists under the documented name");
    tokio::time::sleep(Duration::from_millis(20)).await;

    let (_, outcome) = flows::reveal(&browser, &link, None).await;
    assert_eq!(outcome, Revealed::Gone);
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_previews_bots_and_plain_gets_consume_nothing() {
    let stack = stack();
    let base = stack.server.base_url().to_string();
    let browser = Chromium::launch().await;
    let (_, link) = flows::share(
        &browser,
        &base,
        &ShareForm {
            secret: "preview-proof",
            views: Some("1"),
            ..Default::default()
        },
    )
    .await;
    let (id, _) = flows::split_link(&link);

    let bots = [
        "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "Twitterbot/1.0",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; Microsoft Office/16.0; ms-office; MSOffice 16)",
        "curl/8.5.0",
        "WhatsApp/2.23.20.0",
        "TelegramBot (like TwitterBot)",
        "Discordbot/2.0",
        "LinkedInBot/1.0",
    ];
    // 20 GETs without JavaScript: the page, the link with its fragment as text, and metadata.
    let client = reqwest::Client::new();
    for i in 0..20 {
        let ua = bots[i % bots.len()];
        let url = if i % 2 == 0 {
            format!("{base}/s/{id}")
        } else {
            format!("{base}/api/v1/shared-secrets/{id}")
        };
        let response = client
            .get(&url)
            .header("User-Agent", ua)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "GET {url} as {ua}");
    }
    // Bots that do run JavaScript load the page but never click "Reveal".
    for ua in &bots[..3] {
        let page = browser.open_as(&link, ua).await;
        flows::wait_visible(&page, "#ask").await;
        page.close().await.unwrap();
    }
    let (status, meta) = metadata(&base, &id).await;
    assert_eq!(status, 200);
    assert_eq!(meta["expiresAfterViews"], 1, "nothing consumed a view");

    let (_, outcome) = flows::reveal(&browser, &link, None).await;
    assert!(
        matches!(outcome, Revealed::Secret { ref text, .. } if text == "preview-proof"),
        "{outcome:?}"
    );
    assert_clean(&browser);
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_are_served_under_a_strict_csp_and_run_without_console_errors() {
    let stack = stack();
    let base = stack.server.base_url();
    let client = reqwest::Client::new();
    for path in [
        "/",
        "/s/AAAAAAAAAAAAAAAAAAAAAA",
        "/s/AAAAAAAAAAAAAAAAAAAAAA/status",
    ] {
        let response = client.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let h = response.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'self'"), "{csp}");
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval'"),
            "{csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(h["referrer-policy"], "no-referrer");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["cache-control"], "no-store", "{path}");
        let html = response.text().await.unwrap();
        assert!(
            !html.contains("{{sri:"),
            "every integrity placeholder is filled"
        );
        assert!(
            !html.contains("<script>") && !html.contains("onclick="),
            "no inline script"
        );
        // Every script and stylesheet carries an integrity hash that matches the served bytes.
        let code = |t: &&str| {
            t.starts_with("script")
                || (t.starts_with("link")
                    && (t.contains("rel=\"stylesheet\"") || t.contains("rel=\"modulepreload\"")))
        };
        for tag in html.split('<').filter(code) {
            if let Some(src) = attr(tag, "src").or_else(|| attr(tag, "href")) {
                let integrity =
                    attr(tag, "integrity").unwrap_or_else(|| panic!("no integrity on <{tag}"));
                let bytes = client
                    .get(format!("{base}{src}"))
                    .send()
                    .await
                    .unwrap()
                    .bytes()
                    .await
                    .unwrap();
                assert_eq!(integrity, sri(&bytes), "integrity of {src}");
            }
        }
    }
    let api = client
        .get(format!(
            "{base}/api/v1/shared-secrets/AAAAAAAAAAAAAAAAAAAAAA"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(api.headers()["cache-control"], "no-store");

    let browser = Chromium::launch().await;
    let (_, link) = flows::share(
        &browser,
        base,
        &ShareForm {
            secret: "csp check",
            ..Default::default()
        },
    )
    .await;
    let (_, outcome) = flows::reveal(&browser, &link, None).await;
    assert!(matches!(outcome, Revealed::Secret { .. }), "{outcome:?}");
    assert_clean(&browser);
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn published_asset_hashes_match_the_served_bytes_and_a_local_build() {
    let stack = stack();
    let base = stack.server.base_url();
    let client = reqwest::Client::new();
    let manifest: Value = client
        .get(format!("{base}/assets.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let files = manifest["files"].as_object().expect("files map");
    for path in [
        "/index.html",
        "/reveal.html",
        "/js/zk.js",
        "/js/create.js",
        "/js/reveal.js",
        "/js/status.js",
        "/js/qr.js",
        "/js/i18n.js",
        "/js/session.js",
        "/accounts/account.js",
        "/accounts/accounts.css",
        "/accounts/i18n/en.json",
        "/account.html",
        "/org.html",
        "/i18n/en.json",
        "/i18n/de.json",
        "/i18n/fr.json",
        "/status.html",
        "/404.html",
        "/style.css",
        "/pkg/zkshare_crypto.js",
        "/pkg/zkshare_crypto_bg.wasm",
    ] {
        let entry = files
            .get(path)
            .unwrap_or_else(|| panic!("{path} is not in /assets.json"));
        let bytes = client
            .get(format!("{base}{path}"))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        use sha2::Digest as _;
        assert_eq!(
            entry["sha256"].as_str().unwrap(),
            hex::encode(sha2::Sha256::digest(&bytes)),
            "sha256 of {path}"
        );
        assert_eq!(
            entry["sha384"].as_str().unwrap(),
            sri(&bytes),
            "sha384 of {path}"
        );
    }
    // A reviewer's build prints the same list offline.
    let offline = std::process::Command::new(zkshare_tests::workspace_binary("zkshare-server"))
        .arg("print-asset-hashes")
        .output()
        .expect("run print-asset-hashes");
    assert!(offline.status.success());
    let offline: Value = serde_json::from_slice(&offline.stdout).expect("JSON");
    assert_eq!(offline, manifest, "print-asset-hashes matches /assets.json");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_characters_fit_and_one_more_does_not() {
    let stack = stack();
    let base = stack.server.base_url();
    let browser = Chromium::launch().await;
    // Four-byte characters: the largest envelope the protocol can produce.
    let max: String = "🔑".repeat(10_000);
    let (page, link) = flows::share(
        &browser,
        base,
        &ShareForm {
            secret: &max,
            ..Default::default()
        },
    )
    .await;
    assert!(flows::text(&page, "#summary").await.contains("1 view"));
    let (_, outcome) = flows::reveal(&browser, &link, None).await;
    assert!(
        matches!(outcome, Revealed::Secret { ref text, .. } if *text == max),
        "10,000 characters round trip"
    );

    let page = browser.open(&format!("{base}/")).await;
    flows::share_form_ready(&page).await;
    flows::set_value(&page, "#secret", &"a".repeat(10_001)).await;
    // The counter is rendered once the page's language has loaded, which may be just after.
    zkshare_tests::pages::text_with(&page, "#secret-count", "10,001 / 10,000").await;
    flows::click(&page, "#create").await;
    flows::wait_visible(&page, "#create-error").await;
    let error = flows::text(&page, "#create-error").await;
    assert!(error.contains("limit is 10,000"), "{error}");
    assert!(!flows::is_visible(&page, "#result").await);
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn damaged_links_say_so_without_using_a_view() {
    let stack = stack();
    let base = stack.server.base_url();
    let browser = Chromium::launch().await;
    let (_, link) = flows::share(
        &browser,
        base,
        &ShareForm {
            secret: "mail scanners",
            views: Some("3"),
            ..Default::default()
        },
    )
    .await;
    let (id, key) = flows::split_link(&link);

    // No key: the page explains, and consumes nothing.
    let (_, outcome) = flows::reveal(&browser, &format!("{base}/s/{id}"), None).await;
    assert!(
        matches!(outcome, Revealed::Error(ref m) if m.contains("incomplete")),
        "{outcome:?}"
    );
    // A key that does not match: the server refuses the proof; no view is used.
    let wrong_key = format!(
        "{}{}",
        if key.starts_with('A') { "B" } else { "A" },
        &key[1..]
    );
    let (_, outcome) = flows::reveal(&browser, &format!("{base}/s/{id}#{wrong_key}"), None).await;
    assert!(
        matches!(outcome, Revealed::Error(ref m) if m.contains("does not match")),
        "{outcome:?}"
    );
    let (_, meta) = metadata(base, &id).await;
    assert_eq!(meta["expiresAfterViews"], 3);
    // '#' rewritten to '%23' by a mail scanner still opens.
    let (page, outcome) = flows::reveal(&browser, &format!("{base}/s/{id}%23{key}"), None).await;
    assert!(
        matches!(outcome, Revealed::Secret { ref text, .. } if text == "mail scanners"),
        "{outcome:?}"
    );
    let href = eval(&page, "location.href").await;
    assert!(
        !href.as_str().unwrap().contains(&key),
        "the key left the address bar"
    );
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screenshots_of_both_pages() {
    // Writes docs/screenshots/*.png when ZKSHARE_UPDATE_SCREENSHOTS=1 (`just screenshots`);
    // otherwise into the target directory, so every run proves the pages render.
    let stack = stack();
    let base = stack.server.base_url();
    let dir = if std::env::var_os("ZKSHARE_UPDATE_SCREENSHOTS").is_some() {
        zkshare_tests::workspace_root().join("docs/screenshots")
    } else {
        zkshare_tests::target_profile_dir().join("screenshots")
    };
    std::fs::create_dir_all(&dir).unwrap();
    let browser = Chromium::launch().await;
    let page = browser.open(&format!("{base}/")).await;
    flows::share_form_ready(&page).await;
    flows::set_value(
        &page,
        "#secret",
        "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    )
    .await;
    flows::set_value(&page, "#name", "AWS deploy key").await;
    shot(&page, &dir.join("share.png")).await;
    let (page, link) = flows::share(
        &browser,
        base,
        &ShareForm {
            secret: "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            name: Some("AWS deploy key"),
            password: Some("pw"),
            views: Some("2"),
            ..Default::default()
        },
    )
    .await;
    shot(&page, &dir.join("link.png")).await;
    let link_page = page;
    let page = browser.open(&link).await;
    flows::wait_visible(&page, "#ask").await;
    shot(&page, &dir.join("reveal.png")).await;
    let outcome = flows::reveal_on(&page, Some("pw")).await;
    assert!(matches!(outcome, Revealed::Secret { .. }), "{outcome:?}");
    shot(&page, &dir.join("revealed.png")).await;
    // The sender's status page, the result on a phone, and the reveal page in the dark scheme.
    let status_link = flows::text(&link_page, "#status-link").await;
    let page = browser.open(&status_link).await;
    flows::wait_visible(&page, "#info").await;
    shot(&page, &dir.join("status.png")).await;
    use chromiumoxide::cdp::browser_protocol::emulation::{
        MediaFeature, SetDeviceMetricsOverrideParams,
    };
    link_page
        .execute(SetDeviceMetricsOverrideParams::new(375, 740, 2.0, true))
        .await
        .unwrap();
    shot(&link_page, &dir.join("link-mobile.png")).await;
    let page = browser.open(&link).await;
    page.emulate_media_features(vec![MediaFeature::new("prefers-color-scheme", "dark")])
        .await
        .unwrap();
    flows::wait_visible(&page, "#ask").await;
    shot(&page, &dir.join("reveal-dark.png")).await;
    browser.close().await;
    // The same pages for a browser that prefers German: desktop, phone, and the dark scheme.
    let browser = Chromium::launch_in("de-DE,de;q=0.9").await;
    let page = browser.open(&format!("{base}/")).await;
    flows::share_form_ready(&page).await;
    zkshare_tests::browser::wait_for(
        &page,
        "document.documentElement.lang === 'de'",
        Duration::from_secs(30),
    )
    .await;
    flows::set_value(&page, "#secret", "DB_PASSWORT=Kx9!vR2#mQ7z").await;
    flows::set_value(&page, "#name", "Produktionsdatenbank").await;
    shot(&page, &dir.join("share-de.png")).await;
    let (page, link) = flows::share(
        &browser,
        base,
        &ShareForm {
            secret: "DB_PASSWORT=Kx9!vR2#mQ7z",
            name: Some("Produktionsdatenbank"),
            password: Some("pw"),
            views: Some("2"),
            ..Default::default()
        },
    )
    .await;
    page.execute(SetDeviceMetricsOverrideParams::new(375, 740, 2.0, true))
        .await
        .unwrap();
    shot(&page, &dir.join("link-mobile-de.png")).await;
    let page = browser.open(&link).await;
    page.emulate_media_features(vec![MediaFeature::new("prefers-color-scheme", "dark")])
        .await
        .unwrap();
    flows::wait_visible(&page, "#ask").await;
    shot(&page, &dir.join("reveal-dark-de.png")).await;
    for name in [
        "share.png",
        "link.png",
        "reveal.png",
        "revealed.png",
        "status.png",
        "link-mobile.png",
        "reveal-dark.png",
        "share-de.png",
        "link-mobile-de.png",
        "reveal-dark-de.png",
    ] {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        assert!(
            bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000,
            "{name} is a real screenshot"
        );
    }
    browser.close().await;
}

async fn shot(page: &chromiumoxide::Page, path: &std::path::Path) {
    use chromiumoxide::cdp::browser_protocol::page::CaptureScreenshotFormat;
    use chromiumoxide::page::ScreenshotParams;
    page.save_screenshot(
        ScreenshotParams::builder()
            .format(CaptureScreenshotFormat::Png)
            .full_page(true)
            .build(),
        path,
    )
    .await
    .unwrap_or_else(|e| panic!("screenshot {}: {e}", path.display()));
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let end = tag[start..].find('"')? + start;
    Some(tag[start..end].to_string())
}

fn sri(bytes: &[u8]) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha384::digest(bytes))
    )
}
