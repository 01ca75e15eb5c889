//! The shared protocol vectors, checked by the WebAssembly builds the server actually serves (the share pages' and the request pages' modules),
//! inside headless Chromium (the same files the native tests and the CLI check).

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
    // The module has no JSON parser: the page parses the file and hands each vector's fields
    // to `checkVector`, which answers "" or why the vector failed.
    let js = format!(
        "window.__vectors = null; import('/js/zk.js').then(m => m.protocol()).then(zk => {{ \
           const file = JSON.parse({}); const failures = []; let passed = 0; \
           for (const v of file.vectors) {{ \
             const why = zk.checkVector(v.mode, v.linkKey ?? undefined, v.password ?? undefined, v.envelope, \
               v.expected, v.plaintext ?? undefined, v.verifier ?? undefined, v.salt ?? undefined, \
               v.nonce ?? undefined, v.m ?? undefined, v.t ?? undefined, v.p ?? undefined); \
             if (why) failures.push(v.name + ': ' + why); else passed++; }} \
           window.__vectors = {{ passed, failures }}; }}).catch(e => {{ window.__vectors = 'ERROR ' + e; }}); true",
        serde_json::to_string(&vectors).unwrap()
    );
    eval(&page, &js).await;
    let report = wait_for(&page, "window.__vectors", Duration::from_secs(120)).await;
    assert!(!report.is_string(), "{report}");
    assert_eq!(
        report["failures"],
        serde_json::json!([]),
        "vectors failed in the browser: {report}"
    );
    assert_eq!(
        report["passed"].as_u64(),
        Some(count as u64),
        "every vector ran: {report}"
    );

    // The checker can fail in the browser too: one altered vector is named.
    let js = format!(
        "window.__altered = null; import('/js/zk.js').then(m => m.protocol()).then(zk => {{ \
           const v = JSON.parse({}).vectors.find(v => v.name === 'success-key'); \
           window.__altered = zk.checkVector(v.mode, v.linkKey, undefined, v.envelope, v.expected, \
             'another text', v.verifier, v.salt, v.nonce); }}); true",
        serde_json::to_string(&vectors).unwrap()
    );
    eval(&page, &js).await;
    let altered = wait_for(&page, "window.__altered", Duration::from_secs(60)).await;
    assert_eq!(altered, "opens to another text");
    let problems = browser.problems();
    assert!(problems.is_empty(), "{problems:#?}");
    browser.close().await;
}

/// The requests' vectors, checked by the request pages' own module as the server serves it. That
/// module has no JSON parser: the page's `JSON.parse` reads the file and hands each vector's fields
/// to `checkRequestVector` (and RFC 9180's known answer to `checkRfc9180`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_served_request_module_passes_every_request_vector() {
    let data = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(Store::Embedded(data.path()), &[]);
    let vectors = std::fs::read_to_string(workspace_root().join("tests/vectors/requests-v1.json"))
        .expect("tests/vectors/requests-v1.json");
    let expected: serde_json::Value = serde_json::from_str(&vectors).unwrap();
    let count = expected["vectors"].as_array().expect("vectors array").len();
    assert!(count >= 14, "the requests vector file has {count} vectors");

    let browser = Chromium::launch().await;
    let page = browser
        .open(&format!("{}/request", server.base_url()))
        .await;
    let js = format!(
        "window.__vectors = null; import('/requests/rq.js').then(m => m.requestProtocol()).then(zk => {{ \
           const file = JSON.parse({}); const failures = []; let passed = 0; \
           const r = file.rfc9180; \
           const rfc = zk.checkRfc9180(r.suite, r.ikmR, r.pkRm, r.ikmE, r.enc, r.info, r.aad, r.pt, r.ct); \
           if (rfc) failures.push('rfc9180-a.1.1: ' + rfc); else passed++; \
           for (const v of file.vectors) {{ \
             const why = zk.checkRequestVector(v.requestId, v.privateKey, v.publicKey, v.commitment, \
               v.answer ?? undefined, v.expected, v.plaintext ?? undefined, v.ikmE ?? undefined, v.requesterToken ?? undefined); \
             if (why) failures.push(v.name + ': ' + why); else passed++; }} \
           window.__vectors = {{ passed, failures }}; }}).catch(e => {{ window.__vectors = 'ERROR ' + e; }}); true",
        serde_json::to_string(&vectors).unwrap()
    );
    eval(&page, &js).await;
    let report = wait_for(&page, "window.__vectors", Duration::from_secs(120)).await;
    assert!(!report.is_string(), "{report}");
    assert_eq!(report["failures"], serde_json::json!([]), "{report}");
    assert_eq!(
        report["passed"].as_u64(),
        Some(count as u64 + 1),
        "{report}"
    );

    // The checker can fail in the browser too: one altered vector is named.
    let js = format!(
        "window.__altered = null; import('/requests/rq.js').then(m => m.requestProtocol()).then(zk => {{ \
           const v = JSON.parse({}).vectors.find(v => v.name === 'success'); \
           window.__altered = zk.checkRequestVector(v.requestId, v.privateKey, v.publicKey, v.commitment, \
             v.answer, v.expected, 'another text', v.ikmE, v.requesterToken); }}); true",
        serde_json::to_string(&vectors).unwrap()
    );
    eval(&page, &js).await;
    let altered = wait_for(&page, "window.__altered", Duration::from_secs(60)).await;
    assert_eq!(altered, "opens to another text");
    let problems = browser.problems();
    assert!(problems.is_empty(), "{problems:#?}");
    browser.close().await;
}
