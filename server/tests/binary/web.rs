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
