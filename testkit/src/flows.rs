//! The share and reveal pages driven as a person would: type, choose, click, read.

use std::time::Duration;

use chromiumoxide::Page;

use crate::browser::{Chromium, eval, wait_for};

const PAGE_TIMEOUT: Duration = Duration::from_secs(30);

/// What to put in the share form.
#[derive(Debug, Clone, Default)]
pub struct ShareForm<'a> {
    /// The secret text.
    pub secret: &'a str,
    /// Optional password.
    pub password: Option<&'a str>,
    /// Optional name.
    pub name: Option<&'a str>,
    /// `expires` select value (`5m` … `30d`); the page default when `None`.
    pub expires: Option<&'a str>,
    /// `views` select value (`"1"`, `"2"`, … or `""` for unlimited); page default when `None`.
    pub views: Option<&'a str>,
}

/// Sets a form field's value and fires `input`, as typing would (fast for long values).
pub async fn set_value(page: &Page, selector: &str, value: &str) {
    let js = format!(
        "(() => {{ const el = document.querySelector({sel}); el.value = {val}; \
         el.dispatchEvent(new Event('input', {{bubbles: true}})); \
         el.dispatchEvent(new Event('change', {{bubbles: true}})); return true; }})()",
        sel = serde_json::to_string(selector).unwrap(),
        val = serde_json::to_string(value).unwrap(),
    );
    eval(page, &js).await;
}

/// Types `text` into the field `selector` with real key events, after focusing it (a focus, not
/// a mouse click: a click lands wherever the field was when its position was read).
pub async fn type_into(page: &Page, selector: &str, text: &str) {
    page.find_element(selector)
        .await
        .unwrap_or_else(|e| panic!("find {selector}: {e}"))
        .focus()
        .await
        .unwrap_or_else(|e| panic!("focus {selector}: {e}"))
        .type_str(text)
        .await
        .unwrap_or_else(|e| panic!("type into {selector}: {e}"));
    let typed = format!(
        "document.querySelector({}).value === {}",
        serde_json::to_string(selector).unwrap(),
        serde_json::to_string(text).unwrap()
    );
    wait_for(page, &typed, PAGE_TIMEOUT).await;
}

/// Waits until the share page's form is shown and its script owns it (the create button starts
/// disabled until `create.js` has attached its handlers: typing before that is not counted).
pub async fn share_form_ready(page: &Page) {
    wait_for(
        page,
        "(() => { const f = document.querySelector('#create-form'); const b = document.querySelector('#create'); \
          return !!f && !f.closest('[hidden]') && !!b && !b.disabled; })()",
        PAGE_TIMEOUT,
    )
    .await;
}

/// Clicks the element matching `selector`.
///
/// A mouse click lands where the element was when its position was read: a page that is still
/// laying itself out (a script adding controls above it) would move it away. So the click waits
/// until the element has stood still for two reads 50 ms apart (at most 5 s).
pub async fn click(page: &Page, selector: &str) {
    let rect = format!(
        "(() => {{ const el = document.querySelector({}); if (!el) return ''; const r = el.getBoundingClientRect(); return [r.x, r.y, r.width, r.height, document.documentElement.scrollHeight].join(); }})()",
        serde_json::to_string(selector).unwrap()
    );
    let mut last = String::new();
    for _ in 0..100 {
        let now = eval(page, &rect).await.as_str().unwrap_or("").to_string();
        if !now.is_empty() && now == last {
            break;
        }
        last = now;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    page.find_element(selector)
        .await
        .unwrap_or_else(|e| panic!("find {selector}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {selector}: {e}"));
}

/// Whether the element matching `selector` is shown.
pub async fn is_visible(page: &Page, selector: &str) -> bool {
    let js = format!(
        "(() => {{ const el = document.querySelector({}); return !!el && !el.closest('[hidden]'); }})()",
        serde_json::to_string(selector).unwrap()
    );
    eval(page, &js).await.as_bool().unwrap_or(false)
}

/// Waits until the element matching `selector` is shown.
pub async fn wait_visible(page: &Page, selector: &str) {
    let js = format!(
        "(() => {{ const el = document.querySelector({}); return !!el && !el.closest('[hidden]'); }})()",
        serde_json::to_string(selector).unwrap()
    );
    wait_for(page, &js, PAGE_TIMEOUT).await;
}

/// Text content of the element matching `selector`.
pub async fn text(page: &Page, selector: &str) -> String {
    let js = format!(
        "(() => {{ const el = document.querySelector({}); return el ? (el.value !== undefined && el.tagName !== 'P' && el.tagName !== 'DD' ? el.value : el.textContent) : null; }})()",
        serde_json::to_string(selector).unwrap()
    );
    eval(page, &js)
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// The text of the element matching `selector` as shown (hidden parts left out).
pub async fn visible_text(page: &Page, selector: &str) -> String {
    let js = format!(
        "(() => {{ const el = document.querySelector({}); return el ? el.innerText : null; }})()",
        serde_json::to_string(selector).unwrap()
    );
    eval(page, &js)
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Opens the share page at `base_url`, fills the form, submits it and returns the link shown.
pub async fn share(browser: &Chromium, base_url: &str, form: &ShareForm<'_>) -> (Page, String) {
    let page = browser.open(&format!("{base_url}/")).await;
    share_form_ready(&page).await;
    set_value(&page, "#secret", form.secret).await;
    if let Some(password) = form.password {
        type_into(&page, "#password", password).await;
    }
    if let Some(name) = form.name {
        set_value(&page, "#name", name).await;
    }
    if let Some(expires) = form.expires {
        set_value(&page, "#expires", expires).await;
    }
    if let Some(views) = form.views {
        set_value(&page, "#views", views).await;
    }
    click(&page, "#create").await;
    wait_for(
        &page,
        "(() => { const r = document.querySelector('#result'); const e = document.querySelector('#create-error'); \
          return (!r.hidden && document.querySelector('#link').value) || (!e.hidden && ('ERROR: ' + e.textContent)); })()",
        PAGE_TIMEOUT,
    )
    .await;
    let link = text(&page, "#link").await;
    assert!(
        !link.is_empty(),
        "the page showed an error instead of a link: {}",
        text(&page, "#create-error").await
    );
    (page, link)
}

/// How a reveal attempt ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Revealed {
    /// The secret text and the views-left line.
    Secret { text: String, views_line: String },
    /// The "missing or has expired" panel.
    Gone,
    /// An error under the reveal button (e.g. wrong password).
    Error(String),
}

/// Opens `link`, waits for the page to settle, optionally types `password`, clicks Reveal.
pub async fn reveal(browser: &Chromium, link: &str, password: Option<&str>) -> (Page, Revealed) {
    let page = browser.open(link).await;
    let outcome = reveal_on(&page, password).await;
    (page, outcome)
}

/// Waits for the ask/gone panel on an opened reveal page, then reveals as [`reveal`] does.
pub async fn reveal_on(page: &Page, password: Option<&str>) -> Revealed {
    wait_for(
        page,
        "!document.querySelector('#ask').hidden || !document.querySelector('#gone').hidden || !document.querySelector('#broken').hidden",
        PAGE_TIMEOUT,
    )
    .await;
    if is_visible(page, "#gone").await {
        return Revealed::Gone;
    }
    if is_visible(page, "#broken").await {
        return Revealed::Error(visible_text(page, "#broken").await);
    }
    if let Some(password) = password {
        set_value(page, "#password", password).await;
    }
    click(page, "#reveal").await;
    wait_for(
        page,
        "!document.querySelector('#secret-view').hidden || !document.querySelector('#gone').hidden || \
         (!document.querySelector('#reveal-error').hidden && !document.querySelector('#reveal').disabled)",
        PAGE_TIMEOUT,
    )
    .await;
    if is_visible(page, "#secret-view").await {
        Revealed::Secret {
            text: text(page, "#secret").await,
            views_line: text(page, "#views-left").await,
        }
    } else if is_visible(page, "#gone").await {
        Revealed::Gone
    } else {
        Revealed::Error(text(page, "#reveal-error").await)
    }
}

/// Splits a link `http://host/s/{id}#{key}` into `(id, key)`.
pub fn split_link(link: &str) -> (String, String) {
    let (path, key) = link.split_once('#').expect("link has a #fragment");
    let id = path.rsplit('/').next().expect("link has an id");
    (id.to_string(), key.to_string())
}

/// A real Redis and a real server on it, for the page tests; both stop when dropped.
pub struct Stack {
    /// The Redis the server stores in.
    pub redis: crate::redis_server::RedisServer,
    /// The server, on a free port.
    pub server: crate::server::ServerProcess,
}

/// Starts a [`Stack`].
pub fn stack() -> Stack {
    let redis = crate::redis_server::RedisServer::start();
    let server = crate::server::ServerProcess::start(crate::server::Store::Redis(redis.url()), &[]);
    Stack { redis, server }
}

/// `GET /api/v1/shared-secrets/{id}` → (status, body; `null` when it is not JSON). Uses no view.
pub async fn metadata(base: &str, id: &str) -> (u16, serde_json::Value) {
    let response = reqwest::get(format!("{base}/api/v1/shared-secrets/{id}"))
        .await
        .expect("GET metadata");
    let status = response.status().as_u16();
    (
        status,
        response.json().await.unwrap_or(serde_json::Value::Null),
    )
}

/// Signs in on the `/login` page with `email` and `password` and waits for the account page;
/// the browser then holds the session cookie.
pub async fn log_in(browser: &Chromium, base_url: &str, email: &str, password: &str) -> Page {
    let page = browser.open(&format!("{base_url}/login")).await;
    wait_for(
        &page,
        "!!document.querySelector('#login-form button[type=submit]') && \
         !document.querySelector('#login-form button[type=submit]').disabled",
        PAGE_TIMEOUT,
    )
    .await;
    set_value(&page, "#email", email).await;
    set_value(&page, "#password", password).await;
    click(&page, "#login-form button[type=submit]").await;
    wait_for(&page, "location.pathname === '/account'", PAGE_TIMEOUT).await;
    page
}
