//! The shared protocol vectors, checked by the WebAssembly build the server actually serves,
//! inside headless Chromium (the same file the native tests and the CLI check).

use std::time::Duration;

use zkshare_tests::browser::{Chromium, eval, wait_for};
use zkshare_tests::server::{ServerProcess, Store};
use zkshare_tests::workspace_root;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_served_wasm_passes_every_protocol_vector() {
    let data = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(Store::Embedded(data.path()), &[]);
    let vectors = std::fs::read_to_string(workspace_root().join("tests/vectors/protocol-v1.json"))
        .expect("tests/vectors/protocol-v1.json");
    let expected: serde_json::Value = serde_json::from_str(&vectors).unwrap();
    let count = expected["vectors"].as_array().expect("vectors array").len();
    assert!(count >= 20, "the vector file has {count} vectors");

    let browser = Chromium::launch().await;
    let page = browser.open(&format!("{}/", server.base_url())).await;
    let js = format!(
        "window.__vectors = null; import('/js/zk.js').then(m => m.protocol()).then(zk => {{ \
           window.__vectors = zk.runVectors({}); }}).catch(e => {{ window.__vectors = 'ERROR ' + e; }}); true",
        serde_json::to_string(&vectors).unwrap()
    );
    eval(&page, &js).await;
    let report = wait_for(&page, "window.__vectors", Duration::from_secs(120)).await;
    let report = report.as_str().expect("runVectors returns a JSON string");
    assert!(!report.starts_with("ERROR"), "{report}");
    let report: serde_json::Value = serde_json::from_str(report).expect("report is JSON");
    assert_eq!(
        report["failed"], 0,
        "vectors failed in the browser: {report}"
    );
    assert_eq!(
        report["passed"].as_u64(),
        Some(count as u64),
        "every vector ran: {report}"
    );
    let problems = browser.problems();
    assert!(problems.is_empty(), "{problems:#?}");
    browser.close().await;
}
