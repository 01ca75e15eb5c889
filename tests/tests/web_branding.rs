//! An organization's branding in a real headless Chromium: its share and request pages show its logo, colours and name (light and dark), the page's code and CSP stay exactly the published ones, and anonymous pages look as before.

use std::time::Duration;

use chromiumoxide::Page;
use chromiumoxide::cdp::browser_protocol::emulation::MediaFeature;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use zkshare_crypto::request::{RequestKeys, commitment};
use zkshare_crypto::{Credentials, LinkKey, seal_text};
use zkshare_tests::browser::{Chromium, eval};
use zkshare_tests::flows;
use zkshare_tests::pages::{shot, shown, until};
use zkshare_tests::world::{MailWorld, Person};

const PRIMARY: &str = "#5b21b6";
const SECONDARY: &str = "#9d174d";
const NAME: &str = "Acme Vault";

/// A PNG of `width`×`height`: a disc and three bars in `rgb` on a transparent ground (a logo).
fn png(width: u32, height: u32, rgb: [u8; 3]) -> Vec<u8> {
    let [r, g, b] = rgb;
    let r0 = height as i64 / 2;
    let image = image::RgbaImage::from_fn(width, height, |x, y| {
        let (dx, dy) = (x as i64 - r0, y as i64 - r0);
        let disc = dx * dx + dy * dy <= (r0 - 4) * (r0 - 4);
        let bar = x as i64 > 2 * r0 + 8 && (y as i64 - 8) % 18 < 10 && y as i64 >= 8;
        if disc || bar {
            image::Rgba([r, g, b, 255])
        } else {
            image::Rgba([0, 0, 0, 0])
        }
    });
    let mut bytes = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut bytes, image::ImageFormat::Png)
        .expect("encode a PNG");
    bytes.into_inner()
}

/// A server, an admin and an organization with branding: colours, name, logo and favicon.
fn branded_world() -> (MailWorld, Person, String) {
    let world = MailWorld::start();
    let admin = world.person("admin@acme.example");
    let org = world.organization(&admin, "Acme");
    let http = world.http();
    let patched = http
        .patch(world.url(&format!("/api/v1/organizations/{org}/branding")))
        .bearer_auth(&admin.bearer)
        .json(&json!({ "primaryColor": PRIMARY, "secondaryColor": SECONDARY, "displayName": NAME }))
        .send()
        .unwrap();
    assert_eq!(patched.status(), 200, "{}", patched.text().unwrap());
    for (route, bytes) in [
        ("brand-logo", png(240, 64, [250, 250, 250])),
        ("brand-favicon", png(32, 32, [157, 23, 77])),
    ] {
        let part = reqwest::blocking::multipart::Part::bytes(bytes)
            .file_name("image.png")
            .mime_str("image/png")
            .unwrap();
        let uploaded = http
            .post(world.url(&format!("/api/v1/organizations/{org}/branding/{route}")))
            .bearer_auth(&admin.bearer)
            .multipart(reqwest::blocking::multipart::Form::new().part("file", part))
            .send()
            .unwrap();
        assert!(
            uploaded.status().is_success(),
            "{route}: {}",
            uploaded.text().unwrap()
        );
    }
    (world, admin, org)
}

/// A share created through the API (as `bearer`, open to anyone); returns its link and the
/// sender's status link.
fn share(world: &MailWorld, bearer: Option<&str>, text: &str) -> (String, String) {
    let key = LinkKey::generate();
    let sealed = seal_text(text, &Credentials::Key(&key)).unwrap();
    let mut request = world
        .http()
        .post(world.url("/api/v1/shared-secrets"))
        .json(&json!({ "secretValue": sealed.envelope, "password": sealed.verifier, "accessType": "anyone" }));
    if let Some(bearer) = bearer {
        request = request.bearer_auth(bearer);
    }
    let created: Value = request.send().unwrap().json().unwrap();
    let id = created["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"));
    let token = created["deleteToken"].as_str().unwrap();
    (
        format!("{}/s/{id}#{}", world.base(), key.to_b64()),
        format!("{}/s/{id}/status#{token}", world.base()),
    )
}

/// `rgb(r, g, b)` of `#rrggbb`, as computed styles give it.
fn rgb(hex: &str) -> String {
    let n = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap();
    format!("rgb({}, {}, {})", n(1), n(3), n(5))
}

async fn style(page: &Page, selector: &str, property: &str) -> String {
    let js = format!(
        "getComputedStyle(document.querySelector({})).{property}",
        serde_json::to_string(selector).unwrap()
    );
    eval(page, &js)
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Every script and WebAssembly file the page loaded has the SHA-256 that /assets.json publishes.
async fn loaded_code_is_the_published_code(page: &Page, base: &str) {
    let loaded = eval(
        page,
        "JSON.stringify(performance.getEntriesByType('resource').map(e => new URL(e.name).pathname)\
           .filter(p => p.endsWith('.js') || p.endsWith('.wasm')))",
    )
    .await;
    let loaded: Vec<String> = serde_json::from_str(loaded.as_str().unwrap()).unwrap();
    assert!(loaded.iter().any(|p| p.ends_with(".wasm")), "{loaded:?}");
    assert!(loaded.iter().any(|p| p == "/js/brand.js"), "{loaded:?}");
    let manifest: Value = reqwest::get(format!("{base}/assets.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for path in loaded {
        let bytes = reqwest::get(format!("{base}{path}"))
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert_eq!(
            manifest["files"][&path]["sha256"],
            hex::encode(Sha256::digest(&bytes)),
            "{path} is not the published code"
        );
    }
}

async fn csp(url: &str) -> String {
    let response = reqwest::get(url).await.unwrap();
    response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organizations_pages_show_its_branding_and_keep_the_published_code() {
    let (world, admin, org, (link, status), anonymous) = tokio::task::spawn_blocking(|| {
        let (world, admin, org) = branded_world();
        let (link, status) = share(&world, Some(&admin.bearer), "branded secret");
        let (anonymous, _) = share(&world, None, "plain secret");
        (world, admin, org, (link, status), anonymous)
    })
    .await
    .unwrap();
    let base = world.base().to_string();

    let browser = Chromium::launch().await;
    for scheme in ["light", "dark"] {
        let page = browser.open(&link).await;
        page.emulate_media_features(vec![MediaFeature::new("prefers-color-scheme", scheme)])
            .await
            .unwrap();
        shown(&page, "#ask").await;
        until(
            &page,
            "document.documentElement.classList.contains('brand-secondary')",
        )
        .await;
        until(&page, "getComputedStyle(document.querySelector('header h1')).backgroundColor !== 'rgba(0, 0, 0, 0)'").await;
        assert_eq!(flows::text(&page, "header h1").await.trim(), NAME);
        let logo = eval(
            &page,
            "document.querySelector('header h1 img').getAttribute('src')",
        )
        .await;
        assert!(
            logo.as_str()
                .unwrap()
                .starts_with(&format!("/branding/{org}/logo")),
            "{logo}"
        );
        until(&page, "document.querySelector('header h1 img').complete && document.querySelector('header h1 img').naturalWidth === 240").await;
        assert_eq!(
            style(&page, "header h1", "backgroundColor").await,
            rgb(SECONDARY)
        );
        assert_eq!(
            style(&page, "#reveal", "backgroundColor").await,
            rgb(PRIMARY)
        );
        let title = eval(&page, "document.title").await;
        assert!(
            title.as_str().unwrap().contains(NAME) && !title.as_str().unwrap().contains("zkshare"),
            "{title}"
        );
        let icon = eval(
            &page,
            "document.querySelector('link[rel=icon]').getAttribute('href')",
        )
        .await;
        assert!(
            icon.as_str()
                .unwrap()
                .starts_with(&format!("/branding/{org}/favicon")),
            "{icon}"
        );
        let verify = eval(
            &page,
            "document.querySelector('footer a[href=\"/assets.json\"]').textContent",
        )
        .await;
        assert_eq!(verify, "Verify this page");
        shot(
            &page,
            &format!(
                "branded-reveal{}.png",
                if scheme == "dark" { "-dark" } else { "" }
            ),
        )
        .await;
        if scheme == "light" {
            loaded_code_is_the_published_code(&page, &base).await;
            // It still reveals the secret.
            flows::click(&page, "#reveal").await;
            shown(&page, "#secret-view").await;
            assert_eq!(
                eval(&page, "document.getElementById('secret').value").await,
                "branded secret"
            );
        }
    }

    // The same page for an anonymous secret: zkshare's own look.
    let page = browser.open(&anonymous).await;
    shown(&page, "#ask").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        eval(
            &page,
            "document.documentElement.classList.contains('branded')"
        )
        .await,
        false
    );
    assert_eq!(flows::text(&page, "header h1").await.trim(), "zkshare");
    assert!(
        eval(&page, "document.title")
            .await
            .as_str()
            .unwrap()
            .contains("zkshare")
    );
    shot(&page, "unbranded-reveal.png").await;
    // One CSP for both: branding changes no header of the page.
    assert_eq!(csp(&link).await, csp(&anonymous).await);

    // The sender's status page of the organization's share is branded too.
    let page = browser.open(&status).await;
    shown(&page, "#info").await;
    until(
        &page,
        "document.documentElement.classList.contains('brand-secondary') && \
         !!document.querySelector('header h1 img') && document.querySelector('header h1 img').naturalWidth === 240",
    )
    .await;
    assert_eq!(flows::text(&page, "header h1").await.trim(), NAME);
    assert_eq!(
        style(&page, "header h1", "backgroundColor").await,
        rgb(SECONDARY)
    );

    // A request of the organization: its answer page is branded too.
    let keys = RequestKeys::generate().unwrap();
    let created: Value = reqwest::Client::new()
        .post(format!("{base}/api/v1/shared-secrets/requests"))
        .bearer_auth(&admin.bearer)
        .json(&json!({ "expiresIn": "1h", "accessType": "anyone", "publicKey": keys.public_key().to_b64(), "requesterToken": keys.requester_token() }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"));
    let page = browser
        .open(&format!("{base}/r/{id}#{}", commitment(&keys.public_key())))
        .await;
    shown(&page, "#ask").await;
    until(
        &page,
        "document.documentElement.classList.contains('brand-primary')",
    )
    .await;
    assert_eq!(flows::text(&page, "header h1").await.trim(), NAME);
    assert_eq!(style(&page, "#send", "backgroundColor").await, rgb(PRIMARY));
    shot(&page, "branded-answer.png").await;
    browser.close().await;
    tokio::task::spawn_blocking(move || drop(world))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_sets_the_branding_on_the_organization_page() {
    let (world, admin, org) = tokio::task::spawn_blocking(|| {
        let world = MailWorld::start();
        let admin = world.person("owner@acme.example");
        let org = world.organization(&admin, "Acme");
        (world, admin, org)
    })
    .await
    .unwrap();
    let base = world.base().to_string();
    let browser = Chromium::launch().await;
    let page = flows::log_in(
        &browser,
        &base,
        &admin.email,
        zkshare_tests::world::ACCOUNT_PASSWORD,
    )
    .await;
    let page = {
        drop(page);
        browser.open(&format!("{base}/org")).await
    };
    shown(&page, "#branding-form").await;
    until(
        &page,
        "!document.querySelector('#branding-form button[type=submit]').disabled",
    )
    .await;

    // A colour too light for white text is refused, with the server's reason under the form.
    flows::set_value(&page, "#brand-name", NAME).await;
    flows::set_value(&page, "#brand-primary", "#ffcc00").await;
    flows::click(&page, "#branding-form button[type=submit]").await;
    let refusal = zkshare_tests::pages::text_with(&page, "#branding-form .error", "4.5:1").await;
    assert!(refusal.contains("primaryColor"), "{refusal}");

    flows::set_value(&page, "#brand-primary", PRIMARY).await;
    flows::set_value(&page, "#brand-secondary", SECONDARY).await;
    flows::click(&page, "#branding-form button[type=submit]").await;
    zkshare_tests::pages::text_with(&page, "#org-status", "Branding saved.").await;
    shot(&page, "org-branding.png").await;
    let saved: Value = reqwest::get(format!("{base}/api/v1/branding/{org}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(saved["displayName"], NAME, "{saved}");
    assert_eq!(saved["primaryColor"], PRIMARY, "{saved}");
    assert_eq!(saved["secondaryColor"], SECONDARY, "{saved}");

    // "Restore the defaults" clears it all.
    flows::click(&page, "#brand-reset").await;
    zkshare_tests::pages::text_with(&page, "#org-status", "The default look is back.").await;
    assert_eq!(
        eval(&page, "document.getElementById('brand-primary').value").await,
        ""
    );
    browser.close().await;
    tokio::task::spawn_blocking(move || drop(world))
        .await
        .unwrap();
}
