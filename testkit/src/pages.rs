//! Waiting on and acting in the web pages from a test: conditions polled across navigations, forms submitted once their script is ready, screenshots, and the browser's logged problems.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use chromiumoxide::Page;
use serde_json::Value;

use crate::browser::Chromium;
use crate::flows;

/// How long a page may take to reach a condition.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// Polls `expression` until it is truthy, across navigations (a document being replaced cannot
/// answer for a moment); panics with the page's address and text after [`TIMEOUT`].
pub async fn until(page: &Page, expression: &str) -> Value {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if let Ok(v) = page.evaluate(expression).await {
            let v = v.into_value::<Value>().unwrap_or(Value::Null);
            let truthy = match &v {
                Value::Null => false,
                Value::Bool(b) => *b,
                Value::String(s) => !s.is_empty(),
                _ => true,
            };
            if truthy {
                return v;
            }
        }
        if Instant::now() > deadline {
            let text = page
                .evaluate("location.href + '\\n' + document.body.innerText")
                .await
                .ok()
                .and_then(|v| v.into_value::<String>().ok());
            panic!("timed out waiting for `{expression}`; page:\n{text:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until the element `selector` is shown (across navigations).
pub async fn shown(page: &Page, selector: &str) {
    until(
        page,
        &format!(
            "(() => {{ const el = document.querySelector({}); return !!el && !el.closest('[hidden]'); }})()",
            serde_json::to_string(selector).unwrap()
        ),
    )
    .await;
}

/// Waits until the text of `selector` (a field's value; the text of a list item, a button or any
/// other element) contains `needle`; returns the text.
pub async fn text_with(page: &Page, selector: &str, needle: &str) -> String {
    until(
        page,
        &format!(
            "(() => {{ const el = document.querySelector({}); const t = el ? (el.value !== undefined && !['LI', 'BUTTON'].includes(el.tagName) ? el.value : el.textContent) : ''; return t.includes({}) ? t : ''; }})()",
            serde_json::to_string(selector).unwrap(),
            serde_json::to_string(needle).unwrap()
        ),
    )
    .await
    .as_str()
    .unwrap_or_default()
    .to_string()
}

/// Submits the form `form` once its script is ready (its button starts disabled).
pub async fn submit(page: &Page, form: &str) {
    until(
        page,
        &format!("!document.querySelector('{form} button[type=submit]').disabled"),
    )
    .await;
    flows::click(page, &format!("{form} button[type=submit]")).await;
}

/// Waits until the page is at `path`.
pub async fn path_is(page: &Page, path: &str) {
    until(page, &format!("location.pathname === '{path}'")).await;
}

/// Where screenshots go: docs/screenshots with `ZKSHARE_UPDATE_SCREENSHOTS=1`, else the target
/// directory.
pub fn screenshot_dir() -> PathBuf {
    let dir = if std::env::var_os("ZKSHARE_UPDATE_SCREENSHOTS").is_some() {
        crate::workspace_root().join("docs/screenshots")
    } else {
        crate::target_profile_dir().join("screenshots")
    };
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A full-page PNG of `page` named `name` in [`screenshot_dir`]; checks it is a real picture.
pub async fn shot(page: &Page, name: &str) {
    use chromiumoxide::cdp::browser_protocol::page::CaptureScreenshotFormat;
    use chromiumoxide::page::ScreenshotParams;
    let path = screenshot_dir().join(name);
    page.save_screenshot(
        ScreenshotParams::builder()
            .format(CaptureScreenshotFormat::Png)
            .full_page(true)
            .build(),
        &path,
    )
    .await
    .unwrap_or_else(|e| panic!("screenshot {}: {e}", path.display()));
    let bytes = std::fs::read(&path).unwrap();
    assert!(
        bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000,
        "{name}"
    );
}

/// Problems a browser logged, without the refusals a test provokes (answers with the
/// `expected` statuses, e.g. "401").
pub fn problems(browser: &Chromium, expected: &[&str]) -> Vec<String> {
    (browser.problems().into_iter())
        .filter(|p| !expected.iter().any(|s| p.contains(s)))
        .collect()
}
