//! Headless Chromium (Debian's `/usr/bin/chromium`) driven over the DevTools protocol.
//!
//! Each [`Chromium`] is its own browser process with its own fresh profile, so "open the link in
//! a fresh browser" means exactly that. Console errors, uncaught exceptions and browser log
//! entries (CSP violations, failed loads) of every page it opens are collected for assertions.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chromiumoxide::Page;
use chromiumoxide::browser::{Browser, BrowserConfig};
use chromiumoxide::cdp::browser_protocol::emulation::SetUserAgentOverrideParams;
use chromiumoxide::cdp::browser_protocol::log::{EnableParams as LogEnable, EventEntryAdded};
use chromiumoxide::cdp::js_protocol::runtime::{
    ConsoleApiCalledType, EventConsoleApiCalled, EventExceptionThrown,
};
use futures::StreamExt;

use crate::require_program;

/// One headless Chromium process with a private profile.
pub struct Chromium {
    browser: Browser,
    handler: tokio::task::JoinHandle<()>,
    problems: Arc<Mutex<Vec<String>>>,
    _profile: tempfile::TempDir,
    accept_language: Option<String>,
}

impl Chromium {
    /// Launches Chromium; panics with the install command when it is missing.
    pub async fn launch() -> Chromium {
        let executable = require_program("chromium", "chromium");
        let profile = tempfile::tempdir().expect("profile dir");
        let config = BrowserConfig::builder()
            .chrome_executable(executable)
            .new_headless_mode()
            .no_sandbox()
            .user_data_dir(profile.path())
            .window_size(1100, 900)
            .viewport(None)
            .args([
                "--disable-gpu",
                "--disable-component-update",
                "--disable-quic",
                "--disable-domain-reliability",
                "--no-default-browser-check",
            ])
            .launch_timeout(Duration::from_secs(60))
            .request_timeout(Duration::from_secs(60))
            .build()
            .expect("browser config");
        let (browser, mut handler) = Browser::launch(config).await.expect("launch chromium");
        let handler = tokio::spawn(async move {
            while let Some(event) = handler.next().await {
                if event.is_err() {
                    // Unknown CDP messages from a newer Chromium are not fatal.
                    continue;
                }
            }
        });
        Chromium {
            browser,
            handler,
            problems: Arc::new(Mutex::new(Vec::new())),
            _profile: profile,
            accept_language: None,
        }
    }

    /// Launches Chromium as a person whose browser prefers `languages` (an `Accept-Language`
    /// value, e.g. `de-DE,de;q=0.9`): every page it opens gets them as `navigator.languages`
    /// and in the header.
    pub async fn launch_in(languages: &str) -> Chromium {
        let mut browser = Self::launch().await;
        browser.accept_language = Some(languages.to_string());
        browser
    }

    /// Opens `url` in a new tab, with console and log capture attached before navigation.
    pub async fn open(&self, url: &str) -> Page {
        let page = self
            .browser
            .new_page("about:blank")
            .await
            .expect("new page");
        self.watch(&page).await;
        if let Some(languages) = &self.accept_language {
            let user_agent = self
                .browser
                .version()
                .await
                .expect("browser version")
                .user_agent;
            page.execute(
                SetUserAgentOverrideParams::builder()
                    .user_agent(user_agent)
                    .accept_language(languages.clone())
                    .build()
                    .expect("user agent override"),
            )
            .await
            .expect("Emulation.setUserAgentOverride");
        }
        page.goto(url).await.expect("navigate");
        page
    }

    /// Like [`Chromium::open`] with another User-Agent (link-preview bots, mail scanners).
    pub async fn open_as(&self, url: &str, user_agent: &str) -> Page {
        let page = self
            .browser
            .new_page("about:blank")
            .await
            .expect("new page");
        self.watch(&page).await;
        page.set_user_agent(user_agent)
            .await
            .expect("set user agent");
        page.goto(url).await.expect("navigate");
        page
    }

    async fn watch(&self, page: &Page) {
        page.execute(LogEnable::default())
            .await
            .expect("Log.enable");
        let mut console = page
            .event_listener::<EventConsoleApiCalled>()
            .await
            .expect("console events");
        let mut exceptions = page
            .event_listener::<EventExceptionThrown>()
            .await
            .expect("exception events");
        let mut log = page
            .event_listener::<EventEntryAdded>()
            .await
            .expect("log events");
        let problems = self.problems.clone();
        tokio::spawn(async move {
            loop {
                let line = tokio::select! {
                    Some(e) = console.next() => {
                        if !matches!(e.r#type, ConsoleApiCalledType::Error | ConsoleApiCalledType::Warning | ConsoleApiCalledType::Assert) {
                            continue;
                        }
                        let args: Vec<String> = e.args.iter().map(|a| {
                            a.value.as_ref().map(|v| v.to_string()).or_else(|| a.description.clone()).unwrap_or_default()
                        }).collect();
                        format!("console.{:?}: {}", e.r#type, args.join(" "))
                    }
                    Some(e) = exceptions.next() => format!("exception: {}", e.exception_details.exception.as_ref().and_then(|x| x.description.clone()).unwrap_or_else(|| e.exception_details.text.clone())),
                    Some(e) = log.next() => {
                        let level = format!("{:?}", e.entry.level).to_lowercase();
                        if level != "error" && level != "warning" {
                            continue;
                        }
                        format!("log.{level} ({:?}): {} {}", e.entry.source, e.entry.text, e.entry.url.clone().unwrap_or_default())
                    }
                    else => break,
                };
                problems.lock().unwrap().push(line);
            }
        });
    }

    /// Console errors and warnings, uncaught exceptions and error log entries seen so far.
    pub fn problems(&self) -> Vec<String> {
        self.problems.lock().unwrap().clone()
    }

    /// Closes the browser.
    pub async fn close(mut self) {
        let _ = self.browser.close().await;
        let _ = self.browser.wait().await;
        self.handler.abort();
    }
}

/// Evaluates `expression` in `page` and returns its JSON value.
pub async fn eval(page: &Page, expression: &str) -> serde_json::Value {
    page.evaluate(expression)
        .await
        .unwrap_or_else(|e| panic!("evaluate {expression}: {e}"))
        .into_value()
        .unwrap_or(serde_json::Value::Null)
}

/// Polls `expression` until it is truthy (returns its value) or `timeout` passes (panics,
/// showing the page's visible text). An evaluation that fails because the page is navigating
/// (its context is gone) counts as not yet.
pub async fn wait_for(page: &Page, expression: &str, timeout: Duration) -> serde_json::Value {
    let deadline = Instant::now() + timeout;
    loop {
        let value = match page.evaluate(expression).await {
            Ok(v) => v.into_value().unwrap_or(serde_json::Value::Null),
            Err(_) => serde_json::Value::Null,
        };
        let truthy = match &value {
            serde_json::Value::Null => false,
            serde_json::Value::Bool(b) => *b,
            serde_json::Value::String(s) => !s.is_empty(),
            serde_json::Value::Number(n) => n.as_f64() != Some(0.0),
            _ => true,
        };
        if truthy {
            return value;
        }
        if Instant::now() > deadline {
            let body = eval(page, "document.body ? document.body.innerText : ''").await;
            panic!("timed out waiting for `{expression}`; page text:\n{body}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
