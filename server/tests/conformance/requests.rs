//! The HTTP surface: malformed requests, routes and ids, headers, probes and HSTS.

use super::*;

for_both_stores!(request_shape_errors, routes_and_ids, headers_and_probes,);

async fn request_shape_errors(kind: StoreKind) {
    let app = TestApp::new(kind).await;
    let env = small_envelope();
    // Unknown field.
    let m = create_400(&app, json!({ "secretValue": env, "colour": "red" })).await;
    assert!(m.contains("colour"), "{m}");
    // Missing field, wrong types.
    create_400(&app, json!({ "name": "x" })).await;
    create_400(&app, json!({ "secretValue": 5 })).await;
    create_400(&app, json!({ "secretValue": env, "name": 5 })).await;
    create_400(
        &app,
        json!({ "secretValue": env, "allowExternalEmails": "yes" }),
    )
    .await;
    create_400(&app, json!([1, 2])).await;
    // Invalid JSON, missing or wrong content type.
    let post = |body: &'static str, ct: Option<&str>| {
        let mut b = Request::post("/api/v1/shared-secrets");
        if let Some(ct) = ct {
            b = b.header("content-type", ct);
        }
        b.body(Body::from(body)).unwrap()
    };
    app.raw(post("{not json", Some("application/json")))
        .await
        .assert_error(400);
    app.raw(post("{}", None)).await.assert_error(400);
    app.raw(post("{}", Some("text/plain")))
        .await
        .assert_error(400);
    app.raw(post("", Some("application/json")))
        .await
        .assert_error(400);
    // Oversized body: 413 with the error body (with and without Content-Length).
    let big = format!("{{\"secretValue\":\"{}\"}}", "a".repeat(200 * 1024));
    let r = app
        .raw(
            Request::post("/api/v1/shared-secrets")
                .header("content-type", "application/json")
                .body(Body::from(big.clone()))
                .unwrap(),
        )
        .await;
    r.assert_error(413);
    // (The chunked variant, without Content-Length, is in server/tests/binary/limits.rs over real TCP.)

    // Access body: empty or {} = no password; unknown field 400; no content type parsed as JSON.
    let v = app.create(json!({ "secretValue": env })).await;
    let id = v["id"].as_str().unwrap();
    let access = |body: &'static str, ct: Option<&str>| {
        let mut b = Request::post(format!("/api/v1/shared-secrets/{id}/access"));
        if let Some(ct) = ct {
            b = b.header("content-type", ct);
        }
        b.body(Body::from(body)).unwrap()
    };
    assert_eq!(app.raw(access("", None)).await.status, 200);
    assert_eq!(app.raw(access("{}", None)).await.status, 200);
    assert_eq!(
        app.raw(access("{}", Some("application/json"))).await.status,
        200
    );
    app.raw(access("{\"pass\":\"x\"}", Some("application/json")))
        .await
        .assert_error(400);
    app.raw(access("{\"password\":5}", Some("application/json")))
        .await
        .assert_error(400);
    app.raw(access("{\"password\":\"x\"}", Some("text/plain")))
        .await
        .assert_error(400);
    app.raw(access("nope", None)).await.assert_error(400);
}

async fn routes_and_ids(kind: StoreKind) {
    let app = TestApp::new(kind).await;
    let r = app.call(Method::GET, "/api/v1/nothing-here", None).await;
    r.assert_error(404);
    let r = app.call(Method::GET, "/api", None).await;
    r.assert_error(404);
    let r = app.call(Method::PUT, "/api/v1/shared-secrets", None).await;
    r.assert_error(405);
    let r = app
        .call(
            Method::PATCH,
            "/api/v1/shared-secrets/AAAAAAAAAAAAAAAAAAAAAA",
            None,
        )
        .await;
    r.assert_error(405);
    assert_eq!(
        app.call(Method::GET, "/api/v1/shared-secrets", None)
            .await
            .assert_error(401),
        "Authentication required"
    );
    for bad in [
        "short",
        "AAAAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAAB",
        "AAAAAAAAAAAAAAAAAAAA%2F",
    ] {
        assert_eq!(
            app.get(bad).await.assert_error(400),
            "Invalid shared secret ID",
            "{bad}"
        );
        app.access(bad, None).await.assert_error(400);
    }
    app.get("AAAAAAAAAAAAAAAAAAAAAA").await.assert_error(404);
    // Non-API unknown path: the page for people, with status 404.
    let r = app.call(Method::GET, "/no/such/file.js", None).await;
    assert_eq!(r.status, 404);
    assert!(r.text.contains("Page not found"), "{}", r.text);
    // An unknown path under /api is an API error body, whatever the method.
    for (method, path) in [
        (Method::GET, "/api"),
        (Method::GET, "/api/"),
        (Method::GET, "/api/v1/nope"),
        (Method::POST, "/api/v2/shared-secrets"),
        (
            Method::DELETE,
            "/api/v1/shared-secrets/AAAAAAAAAAAAAAAAAAAAAA/access/more",
        ),
    ] {
        let r = app.call(method.clone(), path, None).await;
        r.assert_error(404);
        assert!(
            !r.text.contains("Page not found"),
            "{method} {path}: {}",
            r.text
        );
    }
}

async fn headers_and_probes(kind: StoreKind) {
    let app = TestApp::new(kind).await;
    let h = app.call(Method::GET, "/healthz", None).await;
    assert_eq!(h.status, 200);
    assert_eq!(h.text, "ok");
    assert_eq!(app.call(Method::GET, "/readyz", None).await.status, 200);
    let api = app.create(json!({ "secretValue": small_envelope() })).await;
    let _ = api;
    let responses = [
        app.try_create(json!({ "secretValue": small_envelope() }))
            .await,
        app.get("AAAAAAAAAAAAAAAAAAAAAA").await,
        app.call(Method::GET, "/healthz", None).await,
    ];
    for r in &responses {
        let h = &r.headers;
        assert_eq!(
            h["content-security-policy"],
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        );
        assert_eq!(h["referrer-policy"], "no-referrer");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["x-frame-options"], "DENY");
        assert_eq!(h["cross-origin-opener-policy"], "same-origin");
    }
    assert_eq!(responses[0].headers["cache-control"], "no-store");
    assert_eq!(responses[1].headers["cache-control"], "no-store");
    assert!(
        responses[0].headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hsts_is_sent_only_when_the_public_url_is_https() {
    let https = TestApp::new(StoreKind::Embedded).await; // public URL https://zkshare.test
    for path in [
        "/healthz",
        "/api/v1/shared-secrets/AAAAAAAAAAAAAAAAAAAAAA",
        "/nope",
    ] {
        let r = https.call(Method::GET, path, None).await;
        assert_eq!(
            r.headers["strict-transport-security"], "max-age=63072000; includeSubDomains",
            "{path}"
        );
    }
    let mut config = test_config();
    config.public_url = Some("http://127.0.0.1:8080".into());
    let http = TestApp::with_config(StoreKind::Embedded, config).await;
    let r = http.call(Method::GET, "/healthz", None).await;
    assert!(r.headers.get("strict-transport-security").is_none());
    let mut config = test_config();
    config.public_url = None;
    let default = TestApp::with_config(StoreKind::Embedded, config).await;
    let r = default.call(Method::GET, "/healthz", None).await;
    assert!(r.headers.get("strict-transport-security").is_none());
}
