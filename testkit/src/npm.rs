//! JavaScript tools the browser tests inject into pages (axe-core, jsQR): installed once with npm, pinned, under the target directory.
//!
//! They are injected through the DevTools protocol (`Runtime.evaluate`), which the page's CSP
//! does not govern, so the pages are tested exactly as served.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;

use chromiumoxide::Page;
use chromiumoxide::cdp::js_protocol::runtime::EvaluateParams;

/// The pinned packages: (name, version, file to inject).
const PACKAGES: [(&str, &str, &str); 2] = [
    ("axe-core", "4.14.1", "axe.min.js"),
    ("jsqr", "1.4.0", "dist/jsQR.js"),
];

static INSTALL: Mutex<()> = Mutex::new(());

fn dir() -> PathBuf {
    crate::target_profile_dir()
        .parent()
        .expect("the profile directory has a parent")
        .join("npm-tools")
}

fn installed(name: &str, version: &str) -> bool {
    let manifest = dir().join("node_modules").join(name).join("package.json");
    std::fs::read_to_string(manifest)
        .ok()
        .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok())
        .is_some_and(|v| v["version"] == version)
}

/// The source of `name` (a package in [`PACKAGES`]), installing the pinned versions if needed.
pub fn script(name: &str) -> String {
    let (_, _, file) = PACKAGES
        .iter()
        .find(|(n, _, _)| *n == name)
        .unwrap_or_else(|| panic!("{name} is not a pinned package"));
    let _guard = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    if !PACKAGES.iter().all(|(n, v, _)| installed(n, v)) {
        let specs: Vec<String> = PACKAGES
            .iter()
            .map(|(n, v, _)| format!("{n}@{v}"))
            .collect();
        let command = format!(
            "npm install --prefix {} --no-audit --no-fund --no-save {}",
            dir().display(),
            specs.join(" ")
        );
        let npm = crate::find_program("npm").unwrap_or_else(|| {
            panic!("`npm` is not installed; this test needs it to install {specs:?}. Install Node.js and npm, or run:\n{command}")
        });
        std::fs::create_dir_all(dir()).expect("create the npm tools directory");
        let status = Command::new(npm)
            .args(["install", "--prefix"])
            .arg(dir())
            .args(["--no-audit", "--no-fund", "--no-save"])
            .args(&specs)
            .status()
            .expect("run npm");
        assert!(status.success(), "npm failed; the command was:\n{command}");
    }
    let path = dir().join("node_modules").join(name).join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Evaluates `expression` in `page` (awaiting a promise) and returns its JSON value.
pub async fn evaluate(page: &Page, expression: &str) -> serde_json::Value {
    let params = EvaluateParams::builder()
        .expression(expression)
        .await_promise(true)
        .return_by_value(true)
        .build()
        .expect("evaluate params");
    page.evaluate_expression(params)
        .await
        .unwrap_or_else(|e| panic!("evaluate: {e}"))
        .into_value()
        .unwrap_or(serde_json::Value::Null)
}

/// Loads `name` into `page` (once per document).
pub async fn inject(page: &Page, name: &str, global: &str) {
    let present = evaluate(page, &format!("typeof window.{global} !== 'undefined'")).await;
    if present != serde_json::Value::Bool(true) {
        evaluate(page, &format!("{};\ntrue", script(name))).await;
    }
}

/// axe-core's violations on `page` (WCAG 2.0/2.1/2.2 A and AA, best practices, and AAA
/// contrast), as "rule: targets" lines.
pub async fn axe_violations(page: &Page) -> Vec<String> {
    inject(page, "axe-core", "axe").await;
    let js = "axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', \
              'wcag21aa', 'wcag22aa', 'best-practice'] }, rules: { 'color-contrast-enhanced': { enabled: true } } })\
              .then((r) => r.violations.map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', ')))";
    let value = evaluate(page, js).await;
    serde_json::from_value(value).expect("a list of violations")
}

/// Decodes the QR code drawn on the canvas matching `selector` with jsQR.
pub async fn decode_qr(page: &Page, selector: &str) -> Option<String> {
    inject(page, "jsqr", "jsQR").await;
    let js = format!(
        "(() => {{ const c = document.querySelector({}); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height); \
         const r = jsQR(d.data, c.width, c.height); return r ? r.data : null; }})()",
        serde_json::to_string(selector).unwrap()
    );
    evaluate(page, &js).await.as_str().map(str::to_string)
}
