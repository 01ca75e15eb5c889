//! The web page from --web-dir: SRI on every script and style, and the published hashes.

use super::*;

fn write(dir: &Path, rel: &str, bytes: &[u8]) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

#[tokio::test]
async fn web_page_with_sri_and_published_hashes() {
    let web = tempfile::tempdir().unwrap();
    let js = b"import init from './pkg/zkshare.js'; console.log('app');".to_vec();
    write(
        web.path(),
        "index.html",
        b"<!doctype html><script type=\"module\" src=\"/app.js\" integrity=\"{{sri:/app.js}}\"></script><link rel=\"stylesheet\" href=\"/style.css\" integrity=\"{{sri:/style.css}}\">",
    );
    write(
        web.path(),
        "reveal.html",
        b"<!doctype html><title>reveal</title>{{sri:/app.js}}",
    );
    write(web.path(), "app.js", &js);
    write(web.path(), "style.css", b"body{margin:0}");
    write(web.path(), "pkg/zkshare_bg.wasm", b"\0asm\x01\0\0\0");
    write(
        web.path(),
        "pkg/zkshare.js",
        b"export default function init(){}",
    );
    write(web.path(), "logo.svg", b"<svg/>");
    write(web.path(), ".hidden", b"secret");

    let server = Server::start(&[
        "--rate-limit-per-second",
        "0",
        "--web-dir",
        web.path().to_str().unwrap(),
    ]);
    let c = client();
    let js_sri = format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(Sha384::digest(&js))
    );

    let index = c.get(server.url("/")).send().await.unwrap();
    assert_eq!(index.status(), 200);
    assert_eq!(index.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(index.headers()["cache-control"], "no-store");
    assert!(
        index.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("'wasm-unsafe-eval'")
    );
    let html = index.text().await.unwrap();
    assert!(html.contains(&format!("integrity=\"{js_sri}\"")), "{html}");
    assert!(!html.contains("{{sri:"));

    let reveal = c
        .get(server.url("/s/AAAAAAAAAAAAAAAAAAAAAA"))
        .send()
        .await
        .unwrap();
    assert_eq!(reveal.headers()["cache-control"], "no-store");
    assert!(
        reveal
            .text()
            .await
            .unwrap()
            .contains("<title>reveal</title>")
    );

    for (path, ct) in [
        ("/app.js", "text/javascript; charset=utf-8"),
        ("/style.css", "text/css; charset=utf-8"),
        ("/pkg/zkshare_bg.wasm", "application/wasm"),
        ("/logo.svg", "image/svg+xml"),
        ("/assets.json", "application/json"),
    ] {
        let r = c.get(server.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()["content-type"], ct, "{path}");
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    }
    assert_eq!(
        c.get(server.url("/.hidden")).send().await.unwrap().status(),
        404
    );

    // The manifest describes exactly the bytes served.
    let manifest: Value = c
        .get(server.url("/assets.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let files = manifest["files"].as_object().unwrap();
    assert_eq!(files.len(), 7, "{manifest}");
    for (path, entry) in files {
        let served = c
            .get(server.url(path))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert_eq!(
            entry["sha256"],
            hex::encode(Sha256::digest(&served)),
            "{path}"
        );
        assert_eq!(
            entry["sha384"],
            format!(
                "sha384-{}",
                base64::engine::general_purpose::STANDARD.encode(Sha384::digest(&served))
            ),
            "{path}"
        );
        assert_eq!(entry["bytes"], served.len(), "{path}");
    }
    assert_eq!(files["/app.js"]["sha384"], js_sri);

    // Conditional GET.
    let etag = c.get(server.url("/app.js")).send().await.unwrap().headers()["etag"].clone();
    let r = c
        .get(server.url("/app.js"))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);
}

/// The opening tag of the element with `id` in `html`.
fn tag_with_id<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in the page"));
    let start = html[..at].rfind('<').unwrap();
    let end = at + html[at..].find('>').unwrap();
    &html[start..=end]
}

/// A form sent before its script is ready goes to the server as a plain GET with every named
/// field in the URL. The share and reveal pages' secret fields have no name (nothing to
/// serialize), and the share button starts disabled until the script takes the form over.
#[tokio::test]
async fn secret_fields_cannot_reach_the_server_by_a_plain_form_submit() {
    let server = Server::start(&["--rate-limit-per-second", "0"]);
    let c = client();
    let index = c
        .get(server.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for id in ["secret", "password"] {
        let tag = tag_with_id(&index, id);
        assert!(
            !tag.contains(" name="),
            "the share page's #{id} has a name: {tag}"
        );
    }
    let button = tag_with_id(&index, "create");
    assert!(
        button.contains(" disabled"),
        "the share button starts enabled: {button}"
    );
    let reveal = c
        .get(server.url("/s/AAAAAAAAAAAAAAAAAAAAAA"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let tag = tag_with_id(&reveal, "password");
    assert!(
        !tag.contains(" name="),
        "the reveal page's #password has a name: {tag}"
    );
}
