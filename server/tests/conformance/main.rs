//! One conformance suite through the HTTP router, run against both stores (real Redis and redb),
//! plus the store-specific checks: Redis TTLs, outage and recovery, Lua contracts; embedded restarts and expiry.

#[path = "../common/mod.rs"]
mod common;

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::*;
use redis::AsyncCommands as _;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use tower::ServiceExt as _;
use zkshare_server::api::NOT_FOUND_MESSAGE;
use zkshare_server::now_millis;
use zkshare_server::store::{
    AccessType, ConsumeOutcome, ConsumeRequest, Digest, NewSecret, PasswordCheck, SecretStore,
    record,
};

/// Instantiates each listed `async fn(StoreKind)` once per store: Redis, a Redis Cluster (where
/// a step touching keys of two hash slots fails), and the embedded store.
macro_rules! for_both_stores {
    ($($name:ident),* $(,)?) => {
        mod on_redis {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name(super::StoreKind::Redis).await;
                }
            )*
        }
        mod on_cluster {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name(super::StoreKind::Cluster).await;
                }
            )*
        }
        mod on_embedded {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name(super::StoreKind::Embedded).await;
                }
            )*
        }
    };
}

for_both_stores!(
    create_answers_the_share_shape,
    public_create_is_the_same,
    metadata_never_consumes,
    views_count_down_and_the_last_deletes,
    parallel_readers_get_exactly_k_views,
    unlimited_secrets_survive_many_views,
    verifier_protects_and_failures_below_limit_pass,
    failure_limit_destroys_the_secret,
    key_mode_secrets_survive_failed_accesses,
    plain_password_is_hashed_server_side,
    delete_needs_the_token,
    unknown_expired_and_used_up_look_the_same,
    restricted_secrets_are_not_consumed_by_anonymous_viewers,
    create_validation_limits,
    envelope_length_limit,
    request_shape_errors,
    routes_and_ids,
    headers_and_probes,
    names_with_control_or_bidi_characters_are_refused,
    anonymous_email_lists_are_refused_before_they_are_read,
    a_request_dropped_midway_spends_one_view_or_none,
);

fn is_timestamp(v: &Value) -> bool {
    let s = v.as_str().unwrap_or("");
    s.len() == 24 && s.ends_with('Z') && s.as_bytes()[19] == b'.' && s.as_bytes()[10] == b'T'
}

fn parse_ms(v: &Value) -> i64 {
    let s = v.as_str().unwrap();
    let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).unwrap();
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

async fn create_and_metadata_shape_common(app: &TestApp, path: &str) {
    let envelope = small_envelope();
    let before = now_millis();
    let r = app
        .call(
            Method::POST,
            path,
            Some(json!({ "secretValue": envelope, "name": "db password", "maxViews": 3, "expiresIn": "1h" })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let v = r.json();
    let id = v["id"].as_str().unwrap();
    assert_eq!(id.len(), 22);
    assert!(zkshare_server::validate::is_secret_id(id));
    let token = v["deleteToken"].as_str().unwrap();
    assert_eq!(token.len(), 43);
    assert_eq!(
        v["sharedSecretLink"],
        format!("https://zkshare.test/s/{id}")
    );
    for k in ["expiresAt", "createdAt", "updatedAt"] {
        assert!(is_timestamp(&v[k]), "{k}: {}", v[k]);
    }
    let expires = parse_ms(&v["expiresAt"]);
    assert!((expires - (before + 3_600_000)).abs() < 5_000);
    assert_eq!(v["expiresAfterViews"], 3);
    assert_eq!(v["accessType"], "anyone");
    assert_eq!(v["name"], "db password");
    assert_eq!(v["type"], "share");
    for k in [
        "userId",
        "orgId",
        "lastViewedAt",
        "authorizedEmails",
        "identityId",
    ] {
        assert!(v[k].is_null(), "{k}");
        assert!(v.as_object().unwrap().contains_key(k), "{k} missing");
    }
    assert_eq!(v["allowExternalEmails"], false);
    assert!(v.get("secretValue").is_none());

    let m = app.get(id).await;
    assert_eq!(m.status, 200);
    let m = m.json();
    assert_eq!(m["id"], id);
    assert_eq!(m["isPasswordProtected"], false);
    assert_eq!(m["envelopeHeader"], envelope.split('.').next().unwrap());
    assert_eq!(m["expiresAfterViews"], 3);
    assert_eq!(m["expiresAt"], v["expiresAt"]);
    assert!(m.get("secretValue").is_none());
    assert!(m.get("deleteToken").is_none());
    assert_eq!(
        m.get("sharedSecretLink"),
        None,
        "metadata does not need the link"
    );
}

async fn create_answers_the_share_shape(kind: StoreKind) {
    let app = TestApp::new(kind).await;
    create_and_metadata_shape_common(&app, "/api/v1/shared-secrets").await;
    // Defaults: 30 days, unlimited views, no name.
    let v = app.create(json!({ "secretValue": small_envelope() })).await;
    let lifetime = parse_ms(&v["expiresAt"]) - parse_ms(&v["createdAt"]);
    assert_eq!(lifetime, 30 * 86_400_000);
    assert!(v["expiresAfterViews"].is_null());
    assert!(v["name"].is_null());
}

async fn public_create_is_the_same(kind: StoreKind) {
    let app = TestApp::new(kind).await;
    create_and_metadata_shape_common(&app, "/api/v1/shared-secrets/public").await;
}

async fn metadata_never_consumes(kind: StoreKind) {
    let app = TestApp::new(kind).await;
    let v = app
        .create(json!({ "secretValue": small_envelope(), "maxViews": 2 }))
        .await;
    let id = v["id"].as_str().unwrap();
    let first = app.get(id).await.json();
    for _ in 0..20 {
        let m = app.get(id).await;
        assert_eq!(m.status, 200);
        assert_eq!(m.json(), first, "GET changed something");
    }
    assert_eq!(first["expiresAfterViews"], 2);
    assert_eq!(app.access(id, None).await.status, 200);
    assert_eq!(app.access(id, None).await.status, 200);
    app.access(id, None).await.assert_error(404);
}

async fn views_count_down_and_the_last_deletes(kind: StoreKind) {
    let app = TestApp::new(kind).await;
    let envelope = envelope(1, 3);
    let v = app
        .create(json!({ "secretValue": envelope, "maxViews": 3 }))
        .await;
    let id = v["id"].as_str().unwrap();
    for before in [3, 2, 1] {
        let r = app.access(id, None).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let a = r.json();
        assert_eq!(a["secretValue"], envelope);
        assert_eq!(a["expiresAfterViews"], before, "count before this view");
        assert!(is_timestamp(&a["lastViewedAt"]));
        assert_eq!(a["updatedAt"], a["lastViewedAt"]);
        assert!(a.get("deleteToken").is_none());
        if before > 1 {
            let m = app.get(id).await.json();
            assert_eq!(m["expiresAfterViews"], before - 1);
            assert_eq!(m["lastViewedAt"], a["lastViewedAt"]);
        }
    }
    assert_eq!(app.get(id).await.assert_error(404), NOT_FOUND_MESSAGE);
    assert_eq!(
        app.access(id, None).await.assert_error(404),
        NOT_FOUND_MESSAGE
    );
    if let Some(mut c) = app.inspector().await {
        let exists: i64 = c
            .exists(zkshare_server::store::redis::secret_key(id))
            .await
            .unwrap();
        assert_eq!(exists, 0, "key must be gone after the last view");
    }
}

async fn parallel_readers_get_exactly_k_views(kind: StoreKind) {
    let app = TestApp::new(kind).await;
    let started = Instant::now();
    let rounds = 100;
    for round in 0..rounds {
        let k = 1 + (round * 7 % 12); // 1..=12, varying
        let v = app
            .create(json!({ "secretValue": small_envelope(), "maxViews": k }))
            .await;
        let id = v["id"].as_str().unwrap().to_string();
        let mut tasks = Vec::new();
        for _ in 0..64 {
            let router = app.router.clone();
            let uri = format!("/api/v1/shared-secrets/{id}/access");
            tasks.push(tokio::spawn(async move {
                let req = Request::post(uri).body(Body::empty()).unwrap();
                let resp = router.oneshot(req).await.unwrap();
                let status = resp.status();
                let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
                    .await
                    .unwrap();
                (status, serde_json::from_slice::<Value>(&body).unwrap())
            }));
        }
        let mut granted = Vec::new();
        for t in tasks {
            let (status, body) = t.await.unwrap();
            match status {
                StatusCode::OK => granted.push(body["expiresAfterViews"].as_u64().unwrap()),
                StatusCode::NOT_FOUND => assert_eq!(body["message"], NOT_FOUND_MESSAGE),
                other => panic!("unexpected {other}: {body}"),
            }
        }
        assert_eq!(granted.len(), k as usize, "round {round}: k={k}");
        // Each success saw a distinct count: k, k-1, ..., 1.
        let seen: HashSet<u64> = granted.into_iter().collect();
        assert_eq!(seen, (1..=k as u64).collect::<HashSet<_>>());
        app.get(&id).await.assert_error(404);
    }
    eprintln!(
        "{kind:?}: {rounds} rounds of 64 parallel readers in {:?}",
        started.elapsed()
    );
}

async fn unlimited_secrets_survive_many_views(kind: StoreKind) {
    let app = TestApp::new(kind).await;
    let v = app.create(json!({ "secretValue": small_envelope() })).await;
    let id = v["id"].as_str().unwrap().to_string();
    let mut tasks = Vec::new();
    for _ in 0..200 {
        let router = app.router.clone();
        let uri = format!("/api/v1/shared-secrets/{id}/access");
        tasks.push(tokio::spawn(async move {
            let req = Request::post(uri).body(Body::empty()).unwrap();
            router.oneshot(req).await.unwrap().status()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::OK);
    }
    let m = app.get(&id).await.json();
    assert!(m["expiresAfterViews"].is_null());
    assert!(!m["lastViewedAt"].is_null());
}

async fn verifier_protects_and_failures_below_limit_pass(kind: StoreKind) {
    let app = TestApp::new(kind).await;
    let good = verifier();
    let v = app
        .create(json!({ "secretValue": envelope(2, 1), "password": good, "maxViews": 2 }))
        .await;
    let id = v["id"].as_str().unwrap();
    assert_eq!(app.get(id).await.json()["isPasswordProtected"], true);
    assert_eq!(
        app.access(id, None).await.assert_error(401),
        "Password is required to access this secret"
    );
    // Empty password counts as none.
    assert_eq!(
        app.access(id, Some("")).await.assert_error(401),
        "Password is required to access this secret"
    );
    assert_eq!(
        app.access(id, Some(&verifier())).await.assert_error(401),
        "Invalid credentials"
    );
    // A plain string against a verifier-protected secret is also just wrong.
    app.access(id, Some("guess")).await.assert_error(401);
    // 4 failures (two missing proofs, two wrong ones) < limit 5: the right verifier still
    // works, and views were not spent.
    let a = app.access(id, Some(&good)).await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.json()["expiresAfterViews"], 2);
}

async fn failure_limit_destroys_the_secret(kind: StoreKind) {
    let app = TestApp::new(kind).await; // limit 5
    let good = verifier();
    // Mode password: the verifier is derived from the password alone, so it can be guessed.
    let v = app
        .create(json!({ "secretValue": envelope(3, 1), "password": good }))
        .await;
    let id = v["id"].as_str().unwrap();
    for attempt in 1..=5u32 {
        // The attempt that reaches the limit still answers 401, and counts down to 0.
        let refused = app.access(id, Some(&verifier())).await;
        assert_eq!(refused.assert_error(401), "Invalid credentials");
        assert_eq!(refused.json()["attemptsLeft"], 5 - attempt);
    }
    assert_eq!(
        app.access(id, Some(&good)).await.assert_error(404),
        NOT_FOUND_MESSAGE
    );
    app.get(id).await.assert_error(404);
    // Mode key+password, with missing proofs: they count too.
    let other = app
        .create(json!({ "secretValue": envelope(2, 1), "password": verifier() }))
        .await;
    let other = other["id"].as_str().unwrap();
    for _ in 0..5 {
        app.access(other, None).await.assert_error(401);
    }
    app.get(other).await.assert_error(404);
    // A plain password on a key-mode envelope: the server hashes it, and it can be guessed.
    let plain = app
        .create(json!({ "secretValue": envelope(1, 1), "password": "hunter2-plain" }))
        .await;
    let plain = plain["id"].as_str().unwrap();
    for _ in 0..5 {
        app.access(plain, Some("not it")).await.assert_error(401);
    }
    app.access(plain, Some("hunter2-plain"))
        .await
        .assert_error(404);
    if let Some(mut c) = app.inspector().await {
        for gone in [id, other, plain] {
            let exists: i64 = c
                .exists(zkshare_server::store::redis::secret_key(gone))
                .await
                .unwrap();
            assert_eq!(exists, 0);
        }
    }
}

async fn key_mode_secrets_survive_failed_accesses(kind: StoreKind) {
    let app = TestApp::new(kind).await; // limit 5
    let good = verifier();
    let v = app
        .create(json!({ "secretValue": envelope(1, 1), "password": good, "maxViews": 2 }))
        .await;
    let id = v["id"].as_str().unwrap();
    // Fifty refusals from someone who saw the id but not the link key: empty bodies, empty
    // passwords, wrong verifiers and plain guesses.
    for i in 0..50 {
        let r = match i % 4 {
            0 => {
                app.call(
                    Method::POST,
                    &format!("/api/v1/shared-secrets/{id}/access"),
                    None,
                )
                .await
            }
            1 => app.access(id, Some("")).await,
            2 => app.access(id, Some(&verifier())).await,
            _ => app.access(id, Some("guess")).await,
        };
        r.assert_error(401);
        // Nothing counts down: no number of failures destroys a key-mode secret.
        assert!(r.json().get("attemptsLeft").is_none(), "{}", r.text);
    }
    assert_eq!(app.get(id).await.json()["expiresAfterViews"], 2);
    let a = app.access(id, Some(&good)).await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.json()["expiresAfterViews"], 2);
}

async fn plain_password_is_hashed_server_side(kind: StoreKind) {
    let app = TestApp::new(kind).await;
    let v = app
        .create(
            json!({ "secretValue": envelope(1, 1), "password": "correct horse battery staple" }),
        )
        .await;
    let id = v["id"].as_str().unwrap();
    assert_eq!(app.get(id).await.json()["isPasswordProtected"], true);
    assert_eq!(
        app.access(id, Some("Correct horse battery staple"))
            .await
            .assert_error(401),
        "Invalid credentials"
    );
    app.access(id, Some(&verifier())).await.assert_error(401);
    let a = app.access(id, Some("correct horse battery staple")).await;
    assert_eq!(a.status, 200, "{}", a.text);
    if let Some(mut c) = app.inspector().await {
        // Stored: an Argon2id digest and its salt; never the password.
        let stored: Vec<u8> = c
            .get(zkshare_server::store::redis::secret_key(id))
            .await
            .unwrap();
        assert!(!contains(&stored, b"correct horse"));
        assert_eq!(stored[record::OFF_PASSWORD], 2, "digest and salt");
        let digest = &stored[record::OFF_PASSWORD_DIGEST..record::OFF_PASSWORD_DIGEST + 32];
        let salt = &stored[record::OFF_PASSWORD_SALT..record::OFF_PASSWORD_SALT + 16];
        assert_ne!(digest, &[0u8; 32][..]);
        assert_ne!(salt, &[0u8; 16][..]);
        assert_ne!(digest, &Sha256::digest(b"correct horse battery staple")[..]);
    }
    // An unknown id with a plain password: the same 404.
    app.access("AAAAAAAAAAAAAAAAAAAAAA", Some("x"))
        .await
        .assert_error(404);
}

async fn delete_needs_the_token(kind: StoreKind) {
    let app = TestApp::new(kind).await;
    let v = app
        .create(json!({ "secretValue": small_envelope(), "name": "n", "maxViews": 4 }))
        .await;
    let id = v["id"].as_str().unwrap();
    let token = v["deleteToken"].as_str().unwrap();
    let path = format!("/api/v1/shared-secrets/{id}");
    let del = |tok: Option<&str>, path: &str| {
        let mut b = Request::delete(path);
        if let Some(t) = tok {
            b = b.header("x-delete-token", t);
        }
        b.body(Body::empty()).unwrap()
    };
    app.raw(del(None, &path)).await.assert_error(401);
    assert_eq!(
        app.raw(del(Some("wrong"), &path)).await.assert_error(403),
        "You do not have access to this secret"
    );
    assert_eq!(
        app.get(id).await.status,
        200,
        "a failed delete changes nothing"
    );
    let r = app.raw(del(Some(token), &path)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let d = r.json();
    assert_eq!(d["id"], id);
    assert_eq!(d["name"], "n");
    assert_eq!(d["expiresAfterViews"], 4);
    assert!(d.get("secretValue").is_none());
    app.raw(del(Some(token), &path)).await.assert_error(404);
    app.get(id).await.assert_error(404);
    app.raw(del(Some(token), "/api/v1/shared-secrets/nope"))
        .await
        .assert_error(400);
}

async fn unknown_expired_and_used_up_look_the_same(kind: StoreKind) {
    let app = TestApp::new(kind).await;
    let unknown = app.access("AAAAAAAAAAAAAAAAAAAAAA", None).await;
    assert_eq!(unknown.assert_error(404), NOT_FOUND_MESSAGE);

    let used = app
        .create(json!({ "secretValue": small_envelope(), "maxViews": 1 }))
        .await;
    let used = used["id"].as_str().unwrap();
    assert_eq!(app.access(used, None).await.status, 200);
    let used_up = app.access(used, None).await;
    assert_eq!(used_up.assert_error(404), NOT_FOUND_MESSAGE);

    // Expiry: ask the store with a clock 31 days ahead; then, over HTTP, a secret stored with
    // an expiry already past (Redis drops it at once, the embedded store leaves it to its
    // sweeper).
    let exp = app.create(json!({ "secretValue": small_envelope() })).await;
    let exp = exp["id"].as_str().unwrap();
    let later = now_millis() + 31 * 86_400_000;
    assert!(app.store.metadata(exp, later).await.unwrap().is_none());
    let outcome = app
        .store
        .consume(
            exp,
            ConsumeRequest {
                digest: None,
                now: later,
                max_failures: 5,
                allow_restricted: false,
            },
        )
        .await
        .unwrap();
    assert!(matches!(outcome, ConsumeOutcome::NotFound));
    let past = common::b64(&[5u8; 16]);
    let env = small_envelope();
    app.store
        .create(NewSecret {
            id: past.clone(),
            envelope_header: env.split('.').next().unwrap().to_string(),
            envelope: env,
            name: None,
            access_type: AccessType::Anyone,
            created_at: now_millis() - 600_000,
            expires_at: now_millis() - 1_000,
            max_views: None,
            password: None,
            delete_token_digest: [1; 32],
        })
        .await
        .unwrap();
    let expired = app.access(&past, None).await;
    assert_eq!(expired.assert_error(404), NOT_FOUND_MESSAGE);

    // Same body apart from the request id.
    let strip = |r: &Reply| {
        let mut v = r.json();
        v.as_object_mut().unwrap().remove("reqId");
        v
    };
    assert_eq!(strip(&unknown), strip(&used_up));
    assert_eq!(strip(&unknown), strip(&expired));
}

async fn restricted_secrets_are_not_consumed_by_anonymous_viewers(kind: StoreKind) {
    let app = TestApp::new(kind).await;
    let now = now_millis();
    let id = common::b64(&[7u8; 16]);
    app.store
        .create(NewSecret {
            id: id.clone(),
            envelope: small_envelope(),
            envelope_header: "h".into(),
            name: None,
            access_type: AccessType::Organization,
            created_at: now,
            expires_at: now + 600_000,
            max_views: Some(1),
            password: Some(PasswordCheck {
                digest: [1; 32],
                salt: None,
            }),
            delete_token_digest: [2; 32],
        })
        .await
        .unwrap();
    assert_eq!(
        app.access(&id, Some(&verifier())).await.assert_error(401),
        "Authentication required to view this secret"
    );
    let m = app
        .store
        .metadata(&id, now_millis())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(m.views_remaining, Some(1), "no view spent");
    // And no failure was counted: policy comes before the password.
    for _ in 0..10 {
        app.access(&id, Some(&verifier())).await.assert_error(401);
    }
    assert!(
        app.store
            .metadata(&id, now_millis())
            .await
            .unwrap()
            .is_some()
    );
    // A duplicate id is refused by the store.
    let dup = app
        .store
        .create(NewSecret {
            id: id.clone(),
            envelope: small_envelope(),
            envelope_header: "h".into(),
            name: None,
            access_type: AccessType::Anyone,
            created_at: now,
            expires_at: now + 600_000,
            max_views: None,
            password: None,
            delete_token_digest: [2; 32],
        })
        .await;
    assert!(matches!(
        dup,
        Err(zkshare_server::store::StoreError::Conflict)
    ));
}

async fn create_400(app: &TestApp, body: Value) -> String {
    let r = app
        .call(Method::POST, "/api/v1/shared-secrets", Some(body.clone()))
        .await;
    let message = r.assert_error(400);
    assert!(r.json()["details"].is_array(), "{body}");
    message
}

async fn create_validation_limits(kind: StoreKind) {
    let app = TestApp::new(kind).await;
    let env = small_envelope();
    let ok = |extra: Value| {
        let mut body = json!({ "secretValue": env });
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    // name: 50 ok, 51 not (characters, not bytes).
    app.create(ok(json!({ "name": "é".repeat(50) }))).await;
    assert_eq!(
        create_400(&app, ok(json!({ "name": "n".repeat(51) }))).await,
        "name must be at most 50 characters"
    );
    // expiresIn.
    for good in ["5m", "30d", "1w", "24h", "30m", "7d"] {
        app.create(ok(json!({ "expiresIn": good }))).await;
    }
    for (bad, msg) in [
        ("4m", "Expiration time cannot be less than 5 minutes"),
        ("31d", "Expiration time cannot exceed 30 days"),
        ("5w", "Expiration time cannot exceed 30 days"),
        ("garbage", "Invalid duration format"),
        ("", "Invalid duration format"),
        ("10", "Invalid duration format"),
    ] {
        assert_eq!(
            create_400(&app, ok(json!({ "expiresIn": bad }))).await,
            msg,
            "{bad}"
        );
    }
    // maxViews.
    app.create(ok(json!({ "maxViews": 1 }))).await;
    let most = app.create(ok(json!({ "maxViews": 1_000_000 }))).await;
    let most = app.get(most["id"].as_str().unwrap()).await.json();
    assert_eq!(most["expiresAfterViews"], 1_000_000);
    for bad in [
        json!(0),
        json!(-1),
        json!(1.5),
        json!("2"),
        json!(true),
        json!(1e20),
        json!(1_000_001),
        json!(4_294_967_295u64),
        json!(4_294_967_296u64),
    ] {
        create_400(&app, ok(json!({ "maxViews": bad }))).await;
    }
    assert_eq!(
        create_400(&app, ok(json!({ "maxViews": 4_294_967_295u64 }))).await,
        "maxViews must be at most 1000000"
    );
    // password.
    assert_eq!(
        create_400(&app, ok(json!({ "password": "" }))).await,
        "password must not be empty"
    );
    create_400(&app, ok(json!({ "password": "p".repeat(1025) }))).await;
    app.create(ok(json!({ "password": "p".repeat(1024) })))
        .await;
    // accessType / e-mails: the policy (401) comes first, so an anonymous caller's list is
    // never read; lists are validated (400) only for callers who may send one.
    let emails = |n: usize| {
        (0..n)
            .map(|i| format!("user{i}@example.com"))
            .collect::<Vec<_>>()
    };
    let r = app
        .call(
            Method::POST,
            "/api/v1/shared-secrets",
            Some(ok(json!({ "authorizedEmails": emails(100) }))),
        )
        .await;
    assert_eq!(
        r.assert_error(401),
        "Authentication required to create organization or email-restricted secrets"
    );
    assert!(r.json().get("details").is_none());
    let r = app
        .call(
            Method::POST,
            "/api/v1/shared-secrets",
            Some(ok(json!({ "authorizedEmails": emails(101) }))),
        )
        .await;
    r.assert_error(401);
    let mut dup = emails(100);
    dup.push("USER7@example.com".into());
    let r = app
        .call(
            Method::POST,
            "/api/v1/shared-secrets",
            Some(ok(json!({ "authorizedEmails": dup }))),
        )
        .await;
    r.assert_error(401); // 100 after de-duplication: valid, but needs an account
    let r = app
        .call(
            Method::POST,
            "/api/v1/shared-secrets",
            Some(ok(json!({ "accessType": "organization" }))),
        )
        .await;
    r.assert_error(401);
    app.create(ok(json!({ "accessType": "anyone" }))).await;
    create_400(&app, ok(json!({ "accessType": "everyone" }))).await;
    assert_eq!(
        create_400(&app, ok(json!({ "allowExternalEmails": true }))).await,
        "Emails are required when allowing external emails"
    );
    let r = app
        .call(
            Method::POST,
            "/api/v1/shared-secrets",
            Some(ok(
                json!({ "allowExternalEmails": true, "authorizedEmails": ["a@example.com"], "accessType": "organization" }),
            )),
        )
        .await;
    r.assert_error(401);
    app.create(ok(json!({ "allowExternalEmails": false })))
        .await;
    // secretValue must be an envelope.
    for bad in [
        json!("my plaintext password"),
        json!(""),
        json!(format!("{}x", env)),
        json!(envelope(4, 1)),
    ] {
        assert!(
            create_400(&app, json!({ "secretValue": bad }))
                .await
                .starts_with("secretValue must be a zkshare envelope")
        );
    }
    // Several broken fields: the first is the message, all are in details.
    let r = app
        .call(
            Method::POST,
            "/api/v1/shared-secrets",
            Some(json!({ "secretValue": "x", "expiresIn": "1y", "name": "n".repeat(60) })),
        )
        .await;
    r.assert_error(400);
    assert_eq!(r.json()["details"].as_array().unwrap().len(), 3);
}

async fn envelope_length_limit(kind: StoreKind) {
    let app = TestApp::new(kind).await;
    let largest = largest_envelope();
    let v = app
        .create(json!({ "secretValue": largest, "password": verifier() }))
        .await;
    let id = v["id"].as_str().unwrap();
    // GET does not carry the body; access returns it whole.
    let m = app.get(id).await;
    assert!(m.text.len() < 2_000);
    assert_eq!(m.json()["envelopeHeader"].as_str().unwrap().len(), 62);
    let too_long = format!("{largest}A");
    assert_eq!(too_long.len(), 53_691);
    assert!(
        create_400(&app, json!({ "secretValue": too_long }))
            .await
            .starts_with("secretValue is too long")
    );
}

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
    // (The chunked variant, without Content-Length, is in tests/binary.rs over real TCP.)

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
        app.call(
            Method::POST,
            "/api/v1/shared-secrets",
            Some(json!({ "secretValue": small_envelope() })),
        )
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

async fn names_with_control_or_bidi_characters_are_refused(kind: StoreKind) {
    let app = TestApp::new(kind).await;
    let mut refused: Vec<char> = (0x00..=0x1f)
        .chain(0x7f..=0x9f)
        .filter_map(char::from_u32)
        .collect();
    refused.extend([
        '\u{061C}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}',
        '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
    ]);
    for c in refused {
        let name = format!("deploy{c}key");
        let r = app
            .call(
                Method::POST,
                "/api/v1/shared-secrets",
                Some(json!({ "secretValue": small_envelope(), "name": name })),
            )
            .await;
        assert_eq!(
            r.assert_error(400),
            "name must not contain control or bidirectional formatting characters",
            "U+{:04X}",
            c as u32
        );
        assert_eq!(r.json()["details"][0]["path"][0], "name");
    }
    // Ordinary text, right-to-left scripts and emoji stay allowed.
    for name in [
        "déploiement ✓",
        "מפתח API",
        "مفتاح",
        "key 🔑",
        "tab-free name",
    ] {
        let v = app
            .create(json!({ "secretValue": small_envelope(), "name": name }))
            .await;
        assert_eq!(v["name"], name);
    }
}

async fn anonymous_email_lists_are_refused_before_they_are_read(kind: StoreKind) {
    let app = TestApp::new(kind).await;
    // About the most a 128 KiB body can carry: refused by the policy, not validated one by one.
    let emails: Vec<String> = (0..8_000).map(|i| format!("u{i}@ex.co")).collect();
    let body = json!({ "secretValue": small_envelope(), "authorizedEmails": emails });
    assert!(serde_json::to_vec(&body).unwrap().len() < zkshare_server::BODY_LIMIT_BYTES);
    let r = app
        .call(Method::POST, "/api/v1/shared-secrets", Some(body))
        .await;
    assert_eq!(
        r.assert_error(401),
        "Authentication required to create organization or email-restricted secrets"
    );
    let r = app
        .call(
            Method::POST,
            "/api/v1/shared-secrets",
            Some(json!({ "secretValue": small_envelope(), "authorizedEmails": ["not-an-email"] })),
        )
        .await;
    r.assert_error(401);
}

/// Polls `future` once and drops it if it is not ready: a request cut the moment it started.
fn poll_once<F: std::future::Future>(future: F) -> Option<F::Output> {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(output) => Some(output),
        std::task::Poll::Pending => None,
    }
}

async fn a_request_dropped_midway_spends_one_view_or_none(kind: StoreKind) {
    let app = TestApp::new(kind).await;
    let v = app
        .create(json!({ "secretValue": small_envelope(), "maxViews": 1000 }))
        .await;
    let id = v["id"].as_str().unwrap().to_string();
    // 200 accesses cut at different points, as a timeout or a client that hangs up would: a
    // third after one poll (the handler has started; the store's step may be under way), a third
    // after a growing delay (before, during or after that step), a third seen through.
    let (mut answered, mut dropped) = (0u32, 0u32);
    for i in 0..200u64 {
        let request = Request::post(format!("/api/v1/shared-secrets/{id}/access"))
            .body(Body::empty())
            .unwrap();
        let call = app.router.clone().oneshot(request);
        let outcome = match i % 3 {
            0 => poll_once(call),
            1 => tokio::time::timeout(Duration::from_micros(i * i), call)
                .await
                .ok(),
            _ => Some(call.await),
        };
        match outcome {
            Some(response) => {
                assert_eq!(response.unwrap().status(), 200);
                answered += 1;
            }
            None => dropped += 1,
        }
    }
    assert!(
        answered > 0 && dropped > 0,
        "{answered} answered, {dropped} dropped"
    );
    // Let steps already handed to the store finish.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let left = app.get(&id).await.json()["expiresAfterViews"]
        .as_u64()
        .unwrap();
    let spent = 1000 - left;
    // Every answered view was spent; a dropped one was spent whole or not at all.
    assert!(
        spent >= u64::from(answered) && spent <= u64::from(answered + dropped),
        "{spent} spent, {answered} answered, {dropped} dropped"
    );
    // The count is intact: the next view sees exactly what metadata said, and takes one.
    let a = app.access(&id, None).await;
    assert_eq!(a.json()["expiresAfterViews"].as_u64(), Some(left));
    assert_eq!(
        app.get(&id).await.json()["expiresAfterViews"].as_u64(),
        Some(left - 1)
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

// ---------------------------------------------------------------------------------------------
// Redis Cluster only.

/// The `on_cluster` suite proves that every atomic step stays in one hash slot only if the
/// cluster really refuses steps that do not: this shows it does, for a command, a script's
/// declared keys and a key a script touches without declaring it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_refuses_any_step_across_two_slots() {
    let cluster = tokio::task::spawn_blocking(|| RedisCluster::start(3, 0))
        .await
        .unwrap();
    eprintln!("3-primary cluster started in {:?}", cluster.started_in());
    let mut c = cluster_client(&cluster).await;
    let (a, b) = (
        zkshare_server::store::redis::secret_key("AAAAAAAAAAAAAAAAAAAAAA"),
        zkshare_server::store::redis::secret_key("BBBBBBBBBBBBBBBBBBBBBB"),
    );
    assert_ne!(
        cluster.slot_of(&a),
        cluster.slot_of(&b),
        "pick ids of two slots"
    );
    // Sent to one node as is (the cluster client would split a multi-key MSET by slot).
    let owner = cluster.primary_of_slot(cluster.slot_of(&a));
    let crossed = cluster.query(owner, &["MSET", &a, "1", &b, "2"]);
    assert!(
        crossed
            .as_ref()
            .is_err_and(|e| e.code() == Some("CROSSSLOT")),
        "{crossed:?}"
    );
    let declared: redis::RedisResult<redis::Value> =
        redis::Script::new("return redis.call('MGET', KEYS[1], KEYS[2])")
            .key(&a)
            .key(&b)
            .invoke_async(&mut c)
            .await;
    let e = declared.unwrap_err();
    assert_eq!(e.code(), Some("CROSSSLOT"), "{e}");
    let undeclared: redis::RedisResult<redis::Value> =
        redis::Script::new("redis.call('SET', KEYS[1], 1); return redis.call('GET', ARGV[1])")
            .key(&a)
            .arg(&b)
            .invoke_async(&mut c)
            .await;
    assert!(
        undeclared.is_err(),
        "a script reaching into another slot must fail"
    );
    // The store's own key: the hash tag puts it in the slot of the bare id.
    assert_eq!(
        cluster.slot_of(&a),
        cluster.slot_of("AAAAAAAAAAAAAAAAAAAAAA")
    );
}

/// After a failover the promoted replica has an empty script cache; the store must load the
/// script again on NOSCRIPT instead of failing the request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cluster_scripts_are_reloaded_after_noscript() {
    let app = TestApp::new(StoreKind::Cluster).await;
    let Backing::Cluster(cluster) = &app.backing else {
        unreachable!()
    };
    let v = app
        .create(json!({ "secretValue": small_envelope(), "maxViews": 3 }))
        .await;
    let id = v["id"].as_str().unwrap();
    let token = v["deleteToken"].as_str().unwrap();
    for step in 0..2 {
        cluster.on_every_node(&["SCRIPT", "FLUSH"]);
        let a = app.access(id, None).await;
        assert_eq!(a.status, 200, "view after SCRIPT FLUSH #{step}: {}", a.text);
    }
    cluster.on_every_node(&["SCRIPT", "FLUSH"]);
    let d = app
        .raw(
            Request::delete(format!("/api/v1/shared-secrets/{id}"))
                .header("x-delete-token", token)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(d.status, 200, "delete after SCRIPT FLUSH: {}", d.text);
    app.get(id).await.assert_error(404);
}

// ---------------------------------------------------------------------------------------------
// Redis only.

fn redis_app_required(app: &TestApp) -> &RedisServer {
    app.redis().expect("redis app")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_key_ttl_matches_expires_at() {
    let app = TestApp::new(StoreKind::Redis).await;
    let redis = redis_app_required(&app);
    let mut c = redis.async_connection().await;
    for expires_in in ["5m", "24h", "30d"] {
        let v = app
            .create(json!({ "secretValue": small_envelope(), "expiresIn": expires_in }))
            .await;
        let id = v["id"].as_str().unwrap();
        let key = zkshare_server::store::redis::secret_key(id);
        assert!(key.contains(&format!("{{{id}}}")), "hash tag");
        let expire_at: i64 = redis::cmd("PEXPIRETIME")
            .arg(&key)
            .query_async(&mut c)
            .await
            .unwrap();
        assert_eq!(expire_at, parse_ms(&v["expiresAt"]), "{expires_in}");
        let pttl: i64 = c.pttl(&key).await.unwrap();
        let expected = parse_ms(&v["expiresAt"]) - now_millis();
        assert!((pttl - expected).abs() < 1_000, "pttl {pttl} vs {expected}");
        // A view keeps the TTL.
        assert_eq!(app.access(id, None).await.status, 200);
        let after: i64 = redis::cmd("PEXPIRETIME")
            .arg(&key)
            .query_async(&mut c)
            .await
            .unwrap();
        assert_eq!(after, expire_at);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_stores_only_ciphertext_and_digests() {
    let app = TestApp::new(StoreKind::Redis).await;
    let redis = redis_app_required(&app);
    let good = verifier();
    let envelope = envelope(2, 2);
    let v = app
        .create(json!({ "secretValue": envelope, "password": good, "name": "x" }))
        .await;
    let id = v["id"].as_str().unwrap();
    let token = v["deleteToken"].as_str().unwrap();
    let mut c = redis.async_connection().await;
    let key = zkshare_server::store::redis::secret_key(id);
    let kind: String = redis::cmd("TYPE")
        .arg(&key)
        .query_async(&mut c)
        .await
        .unwrap();
    assert_eq!(kind, "string", "one packed string per secret");
    let stored: Vec<u8> = c.get(&key).await.unwrap();
    assert!(!contains(&stored, good.as_bytes()), "verifier stored");
    assert!(!contains(&stored, token.as_bytes()), "delete token stored");
    assert!(
        !contains(&stored, &URL_SAFE_NO_PAD.decode(&good[5..]).unwrap()),
        "raw verifier"
    );
    // The layout of record.rs, field by field.
    let (header_b64, body_b64) = envelope.split_once('.').unwrap();
    let header = URL_SAFE_NO_PAD.decode(header_b64).unwrap();
    let body = URL_SAFE_NO_PAD.decode(body_b64).unwrap();
    assert_eq!(stored[0], record::LAYOUT_VERSION);
    assert_eq!(stored[record::OFF_ACCESS], 0, "anyone");
    assert_eq!(
        stored[record::OFF_PASSWORD],
        1,
        "a verifier digest, no salt"
    );
    assert_eq!(
        &stored[record::OFF_PASSWORD_DIGEST..record::OFF_PASSWORD_DIGEST + 32],
        &Sha256::digest(good.as_bytes())[..]
    );
    assert_eq!(
        &stored[record::OFF_PASSWORD_SALT..record::FIXED_LEN],
        &[0u8; 16][..]
    );
    assert_eq!(
        &stored[record::OFF_DELETE_DIGEST..record::OFF_DELETE_DIGEST + 32],
        &Sha256::digest(token.as_bytes())[..]
    );
    assert_eq!(
        &stored[record::OFF_VIEWS..record::OFF_VIEWS + 4],
        &record::UNLIMITED_VIEWS.to_be_bytes()
    );
    assert_eq!(
        &stored[record::OFF_FAILURES..record::OFF_FAILURES + 4],
        &[0u8; 4]
    );
    let h = record::FIXED_LEN;
    assert_eq!(&stored[h..h + header.len()], &header[..]);
    assert_eq!(
        &stored[h + header.len()..h + header.len() + 1],
        b"x",
        "the name"
    );
    assert_eq!(
        &stored[h + header.len() + 1..],
        &body[..],
        "the body, as bytes"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_outage_answers_503_and_recovers_without_restart() {
    let mut app = TestApp::new(StoreKind::Redis).await;
    let v = app.create(json!({ "secretValue": small_envelope() })).await;
    let id = v["id"].as_str().unwrap().to_string();

    app.redis_mut().unwrap().stop();
    let started = Instant::now();
    let r = app
        .call(
            Method::POST,
            "/api/v1/shared-secrets",
            Some(json!({ "secretValue": small_envelope() })),
        )
        .await;
    assert_eq!(r.assert_error(503), "Service temporarily unavailable");
    app.get(&id).await.assert_error(503);
    app.access(&id, None).await.assert_error(503);
    app.call(Method::GET, "/readyz", None)
        .await
        .assert_error(503);
    eprintln!(
        "four requests against a dead Redis took {:?}",
        started.elapsed()
    );
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "a dead Redis must fail fast, took {:?}",
        started.elapsed()
    );
    assert_eq!(app.call(Method::GET, "/healthz", None).await.status, 200);

    app.redis_mut().unwrap().restart();
    let restarted = Instant::now();
    let deadline = restarted + Duration::from_secs(20);
    loop {
        let r = app
            .call(
                Method::POST,
                "/api/v1/shared-secrets",
                Some(json!({ "secretValue": small_envelope() })),
            )
            .await;
        if r.status == 200 {
            break;
        }
        r.assert_error(503);
        assert!(Instant::now() < deadline, "did not recover");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!("recovered {:?} after the restart", restarted.elapsed());
    assert_eq!(app.call(Method::GET, "/readyz", None).await.status, 200);
    // The data did not survive (no persistence): the old id is simply gone.
    app.get(&id).await.assert_error(404);
}

/// The `--` comment block that opens a script.
fn header_comment(script: &str) -> String {
    script
        .lines()
        .take_while(|l| l.starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every KEYS[i]/ARGV[i] the code uses and every status it returns is in its contract.
fn contract_covers_code(script: &str) -> Result<(), String> {
    let header = header_comment(script);
    if header.is_empty() {
        return Err("no contract comment".into());
    }
    if !header.contains("Returns") {
        return Err("no Returns section".into());
    }
    let code: String = script
        .lines()
        .filter(|l| !l.starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n");
    for word in ["KEYS[", "ARGV["] {
        let mut rest = code.as_str();
        while let Some(i) = rest.find(word) {
            let tail = &rest[i..];
            let end = tail.find(']').unwrap();
            let used = &tail[..=end];
            if !header.contains(used) {
                return Err(format!("{used} used but not documented"));
            }
            rest = &tail[end..];
        }
    }
    let mut rest = code.as_str();
    while let Some(i) = rest.find("return {'") {
        let tail = &rest[i + 9..];
        let end = tail.find('\'').unwrap();
        let status = &tail[..end];
        if !header.contains(&format!("\"{status}\"")) {
            return Err(format!(
                "returns {status:?} but the contract does not say so"
            ));
        }
        rest = &tail[end..];
    }
    Ok(())
}

#[test]
fn lua_contract_comments_cover_the_code() {
    use zkshare_server::store::redis::{CONSUME_VIEW_LUA, DELETE_SECRET_LUA};
    for (name, script) in [
        ("consume_view.lua", CONSUME_VIEW_LUA),
        ("delete_secret.lua", DELETE_SECRET_LUA),
    ] {
        assert_eq!(contract_covers_code(script), Ok(()), "{name}");
    }
    // The checker itself catches drift.
    let undocumented_status = "-- KEYS[1] key\n-- Returns {\"a\"}\nreturn {'b'}\n";
    assert!(contract_covers_code(undocumented_status).is_err());
    let undocumented_arg = "-- KEYS[1] key\n-- Returns {\"a\"}\nlocal x = ARGV[1]\nreturn {'a'}\n";
    assert!(contract_covers_code(undocumented_arg).is_err());
}

/// `local NAME = number` lines of a script.
fn lua_constants(script: &str) -> Vec<(String, usize)> {
    script
        .lines()
        .filter_map(|line| {
            let (name, value) = line.strip_prefix("local ")?.split_once(" = ")?;
            let name = name.trim();
            let is_constant = name.chars().all(|c| c.is_ascii_uppercase() || c == '_');
            Some((
                name.to_string(),
                value.trim().parse().ok().filter(|_| is_constant)?,
            ))
        })
        .collect()
}

#[test]
fn lua_layout_constants_match_record_rs() {
    use zkshare_server::store::redis::{CONSUME_VIEW_LUA, DELETE_SECRET_LUA};
    for (name, script) in [
        ("consume_view.lua", CONSUME_VIEW_LUA),
        ("delete_secret.lua", DELETE_SECRET_LUA),
    ] {
        let found = lua_constants(script);
        assert!(found.len() >= 4, "{name}: {found:?}");
        for (constant, value) in found {
            let expected = record::LUA_CONSTANTS
                .iter()
                .find(|(n, _)| *n == constant)
                .unwrap_or_else(|| panic!("{name}: {constant} is not a record.rs constant"));
            assert_eq!(value, expected.1, "{name}: {constant}");
        }
    }
    // The parser sees drift.
    assert_eq!(
        lua_constants("local OFF_VIEWS = 31\nlocal key = KEYS[1]\n"),
        vec![("OFF_VIEWS".to_string(), 31)]
    );
}

/// A script reply: the status and the other elements as bytes.
fn reply(v: redis::Value) -> (String, Vec<Vec<u8>>) {
    let redis::Value::Array(items) = v else {
        panic!("not an array: {v:?}")
    };
    let mut items = items.into_iter().map(|i| match i {
        redis::Value::BulkString(b) => b,
        other => panic!("unexpected {other:?}"),
    });
    let status = String::from_utf8(items.next().expect("a status")).unwrap();
    (status, items.collect())
}

fn words(items: &[Vec<u8>]) -> Vec<&str> {
    items
        .iter()
        .map(|b| std::str::from_utf8(b).unwrap())
        .collect()
}

/// A record as the server would store it; a password-mode envelope when `password` is set.
fn packed(views: Option<u32>, password: Option<Digest>, access: AccessType) -> Vec<u8> {
    let mode = if password.is_some() { 3 } else { 1 };
    let password = password.map(|digest| PasswordCheck { digest, salt: None });
    packed_with(mode, views, password, access)
}

fn packed_with(
    mode: u8,
    views: Option<u32>,
    password: Option<PasswordCheck>,
    access: AccessType,
) -> Vec<u8> {
    let envelope = envelope(mode, 1);
    record::encode(&NewSecret {
        id: "AAAAAAAAAAAAAAAAAAAAAA".into(),
        envelope_header: envelope.split('.').next().unwrap().to_string(),
        envelope,
        name: Some("n".into()),
        access_type: access,
        created_at: 1,
        expires_at: 2_000_000,
        max_views: views,
        password,
        delete_token_digest: [0xdd; 32],
    })
    .unwrap()
}

async fn put(c: &mut redis::aio::MultiplexedConnection, key: &str, value: &[u8]) {
    let _: () = c.set(key, value).await.unwrap();
}

async fn stored(c: &mut redis::aio::MultiplexedConnection, key: &str) -> Option<Vec<u8>> {
    c.get(key).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lua_consume_view_contract() {
    use zkshare_server::store::redis::CONSUME_VIEW_LUA;
    let redis = RedisServer::start();
    let mut c = redis.async_connection().await;
    let conn = c.clone();
    let script = redis::Script::new(CONSUME_VIEW_LUA);
    let now = 1_000_000i64;
    let call = |key: &'static str, now: i64, digest: &[u8], limit: u32, restricted: &str| {
        let (script, digest, restricted) =
            (script.clone(), digest.to_vec(), restricted.to_string());
        let mut c = conn.clone();
        async move {
            let v: Result<redis::Value, _> = script
                .key(key)
                .arg(now)
                .arg(digest)
                .arg(limit)
                .arg(restricted)
                .invoke_async(&mut c)
                .await;
            v.map(reply)
        }
    };
    let good = [0xaa; 32];
    let bad = [0xbb; 32];
    let open = packed(None, None, AccessType::Anyone);
    let failures = |r: &[u8]| u32::from_be_bytes(r[34..38].try_into().unwrap());

    // not_found: unknown.
    let r = call("k:none", now, b"", 3, "0").await.unwrap();
    assert_eq!((r.0.as_str(), r.1.len()), ("not_found", 0));
    // not_found: expired (by the caller's clock) → deleted.
    put(&mut c, "k:exp", &open).await;
    let r = call("k:exp", 2_000_000, b"", 3, "0").await.unwrap();
    assert_eq!(r.0, "not_found");
    assert_eq!(stored(&mut c, "k:exp").await, None);
    // not_found: no views left → deleted.
    put(&mut c, "k:zero", &packed(Some(0), None, AccessType::Anyone)).await;
    assert_eq!(
        call("k:zero", now, b"", 3, "0").await.unwrap().0,
        "not_found"
    );
    assert_eq!(stored(&mut c, "k:zero").await, None);
    // restricted: checked before the password; nothing changes.
    let org = packed(Some(1), Some(good), AccessType::Organization);
    put(&mut c, "k:org", &org).await;
    let r = call("k:org", now, &bad, 3, "0").await.unwrap();
    assert_eq!(
        (r.0.as_str(), words(&r.1)),
        ("restricted", vec!["organization"])
    );
    assert_eq!(stored(&mut c, "k:org").await.unwrap(), org);
    // ARGV[4] = "1" lets it through to the password check.
    assert_eq!(
        call("k:org", now, &good, 3, "1").await.unwrap().0,
        "granted"
    );

    // password_required / invalid_credentials / destroyed at the limit.
    let pw = packed(Some(5), Some(good), AccessType::Anyone);
    put(&mut c, "k:pw", &pw).await;
    let r = call("k:pw", now, b"", 4, "0").await.unwrap();
    assert_eq!(
        (r.0.as_str(), words(&r.1)),
        ("password_required", vec!["1", "0"])
    );
    let r = call("k:pw", now, &bad, 4, "0").await.unwrap();
    assert_eq!(
        (r.0.as_str(), words(&r.1)),
        ("invalid_credentials", vec!["2", "0"])
    );
    let r = call("k:pw", now, &good[..31], 4, "0").await.unwrap();
    assert_eq!(
        (r.0.as_str(), words(&r.1)),
        ("invalid_credentials", vec!["3", "0"])
    );
    let after_failures = stored(&mut c, "k:pw").await.unwrap();
    assert_eq!(failures(&after_failures), 3);
    assert_eq!(after_failures[38..], pw[38..], "only the counter changed");
    assert_eq!(after_failures[..34], pw[..34], "only the counter changed");
    // granted below the limit: the record as after the view.
    let r = call("k:pw", now, &good, 4, "0").await.unwrap();
    assert_eq!((r.0.as_str(), r.1.len()), ("granted", 1));
    let (meta, envelope) = record::decode("k", &r.1[0]).unwrap();
    assert_eq!(meta.views_remaining, Some(4));
    assert_eq!(meta.last_viewed_at, Some(now));
    assert_eq!(meta.name.as_deref(), Some("n"));
    assert_eq!(envelope, record::decode("k", &pw).unwrap().1);
    assert_eq!(
        stored(&mut c, "k:pw").await.unwrap(),
        r.1[0],
        "returned = stored"
    );
    let r = call("k:pw", now, &bad, 4, "0").await.unwrap();
    assert_eq!(
        (r.0.as_str(), words(&r.1)),
        ("invalid_credentials", vec!["4", "1"])
    );
    assert_eq!(stored(&mut c, "k:pw").await, None);

    // Mode key with a verifier: refusals are not counted and change nothing.
    let key_mode = packed_with(
        1,
        Some(1),
        Some(PasswordCheck {
            digest: good,
            salt: None,
        }),
        AccessType::Anyone,
    );
    put(&mut c, "k:keymode", &key_mode).await;
    for digest in [&b""[..], &bad[..], &bad[..], &bad[..], &bad[..]] {
        let r = call("k:keymode", now, digest, 2, "0").await.unwrap();
        assert_eq!(words(&r.1), vec!["0", "0"]);
    }
    assert_eq!(stored(&mut c, "k:keymode").await.unwrap(), key_mode);
    assert_eq!(
        call("k:keymode", now, &good, 2, "0").await.unwrap().0,
        "granted"
    );
    // Mode key with a plain password (digest and salt): counted.
    let plain = packed_with(
        1,
        None,
        Some(PasswordCheck {
            digest: good,
            salt: Some([3; 16]),
        }),
        AccessType::Anyone,
    );
    put(&mut c, "k:plain", &plain).await;
    let r = call("k:plain", now, &bad, 2, "0").await.unwrap();
    assert_eq!(words(&r.1), vec!["1", "0"]);
    let r = call("k:plain", now, &bad, 2, "0").await.unwrap();
    assert_eq!(words(&r.1), vec!["2", "1"]);
    assert_eq!(stored(&mut c, "k:plain").await, None);

    // limit 0 = never destroyed.
    put(
        &mut c,
        "k:nolimit",
        &packed(None, Some(good), AccessType::Anyone),
    )
    .await;
    for i in 1..=20 {
        let r = call("k:nolimit", now, &bad, 0, "0").await.unwrap();
        let i = i.to_string();
        assert_eq!(
            (r.0.as_str(), words(&r.1)),
            ("invalid_credentials", vec![i.as_str(), "0"])
        );
    }
    // unlimited stays unlimited.
    let r = call("k:nolimit", now + 1, &good, 0, "0").await.unwrap();
    let meta = record::decode_meta("k", &r.1[0]).unwrap();
    assert_eq!(
        (meta.views_remaining, meta.last_viewed_at),
        (None, Some(now + 1))
    );
    // The last view deletes and still returns the record, with no views left.
    put(&mut c, "k:last", &packed(Some(1), None, AccessType::Anyone)).await;
    let r = call("k:last", now, b"", 3, "0").await.unwrap();
    assert_eq!(r.0, "granted");
    assert_eq!(
        record::decode_meta("k", &r.1[0]).unwrap().views_remaining,
        Some(0)
    );
    assert_eq!(stored(&mut c, "k:last").await, None);
    // No password stored: a presented digest is ignored.
    put(&mut c, "k:open", &open).await;
    assert_eq!(
        call("k:open", now, &bad, 3, "0").await.unwrap().0,
        "granted"
    );
    // Not a record of this layout: an error, and the value is left alone.
    put(&mut c, "k:other", b"\x02whatever").await;
    let err = call("k:other", now, b"", 3, "0")
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown record layout"), "{err}");
    assert_eq!(stored(&mut c, "k:other").await.unwrap(), b"\x02whatever");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lua_delete_secret_contract() {
    use zkshare_server::store::redis::DELETE_SECRET_LUA;
    let redis = RedisServer::start();
    let mut c = redis.async_connection().await;
    let conn = c.clone();
    let script = redis::Script::new(DELETE_SECRET_LUA);
    let call = |key: &'static str, now: i64, digest: &[u8]| {
        let (script, digest) = (script.clone(), digest.to_vec());
        let mut c = conn.clone();
        async move {
            let v: Result<redis::Value, _> = script
                .key(key)
                .arg(now)
                .arg(digest)
                .invoke_async(&mut c)
                .await;
            v.map(reply)
        }
    };
    let secret = packed(Some(3), None, AccessType::Anyone);
    let token = [0xdd; 32];
    assert_eq!(call("d:none", 5, &token).await.unwrap().0, "not_found");
    put(&mut c, "d:1", &secret).await;
    assert_eq!(call("d:1", 5, &[0xde; 32]).await.unwrap().0, "forbidden");
    assert_eq!(call("d:1", 5, b"").await.unwrap().0, "forbidden");
    assert_eq!(stored(&mut c, "d:1").await.unwrap(), secret, "unchanged");
    let r = call("d:1", 5, &token).await.unwrap();
    assert_eq!((r.0.as_str(), r.1.len()), ("deleted", 1));
    let meta_len = record::FIXED_LEN + usize::from(secret[4]) + usize::from(secret[5]);
    assert_eq!(r.1[0], secret[..meta_len], "the metadata prefix, no body");
    assert_eq!(
        record::decode_meta("k", &r.1[0]).unwrap(),
        record::decode_meta("k", &secret).unwrap()
    );
    assert_eq!(stored(&mut c, "d:1").await, None);
    put(&mut c, "d:exp", &secret).await;
    assert_eq!(
        call("d:exp", 2_000_000, &token).await.unwrap().0,
        "not_found"
    );
    assert_eq!(stored(&mut c, "d:exp").await, None);
    // No views left counts as gone, as in consume_view.lua.
    put(&mut c, "d:used", &packed(Some(0), None, AccessType::Anyone)).await;
    assert_eq!(call("d:used", 5, &token).await.unwrap().0, "not_found");
    assert_eq!(stored(&mut c, "d:used").await, None);
    put(&mut c, "d:other", b"\x02whatever").await;
    let err = call("d:other", 5, &token).await.unwrap_err().to_string();
    assert!(err.contains("unknown record layout"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_reads_never_load_a_large_secrets_body() {
    // The metadata read is one GETRANGE of at most MAX_META_LEN bytes.
    let app = TestApp::new(StoreKind::Redis).await;
    let redis = redis_app_required(&app);
    let v = app
        .create(json!({ "secretValue": largest_envelope(), "name": "big" }))
        .await;
    let id = v["id"].as_str().unwrap();
    let mut c = redis.async_connection().await;
    let before: String = redis::cmd("INFO")
        .arg("stats")
        .query_async(&mut c)
        .await
        .unwrap();
    let r = app.get(id).await;
    assert_eq!(r.json()["name"], "big");
    let after: String = redis::cmd("INFO")
        .arg("stats")
        .query_async(&mut c)
        .await
        .unwrap();
    let output_bytes = |info: &str| -> i64 {
        info.lines()
            .find_map(|l| l.strip_prefix("total_net_output_bytes:"))
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    let sent = output_bytes(&after) - output_bytes(&before);
    // Redis sent the metadata prefix and the INFO reply, not the 40 KB body.
    assert!(
        sent < (record::MAX_META_LEN + 8_000) as i64,
        "Redis sent {sent} bytes for a metadata read"
    );
    assert!(sent > record::FIXED_LEN as i64, "{sent}");
}

// ---------------------------------------------------------------------------------------------
// Embedded only.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_secrets_survive_a_restart_and_expired_ones_are_swept() {
    let dir = tempfile::tempdir().unwrap();
    let config = Arc::new(test_config());
    let (kept, expiring, token) = {
        let store = embedded_store(dir.path());
        let router = router_for(Arc::clone(&config), Arc::clone(&store));
        let create = |body: Value| {
            Request::post("/api/v1/shared-secrets")
                .header("content-type", "application/json")
                .body(Body::from(body.to_string()))
                .unwrap()
        };
        let kept = send(
            &router,
            create(json!({ "secretValue": small_envelope(), "maxViews": 3, "password": "pw" })),
        )
        .await
        .json();
        assert_eq!(
            send(
                &router,
                Request::post(format!(
                    "/api/v1/shared-secrets/{}/access",
                    kept["id"].as_str().unwrap()
                ))
                .header("content-type", "application/json")
                .body(Body::from(r#"{"password":"pw"}"#))
                .unwrap()
            )
            .await
            .status,
            200
        );
        let expiring = send(
            &router,
            create(json!({ "secretValue": small_envelope(), "expiresIn": "5m" })),
        )
        .await
        .json();
        (
            kept["id"].as_str().unwrap().to_string(),
            expiring["id"].as_str().unwrap().to_string(),
            kept["deleteToken"].as_str().unwrap().to_string(),
        )
        // router and store dropped here: the database file is closed.
    };

    // Restart: same file, state intact (views, password salt, delete token).
    let store = Arc::new(zkshare_server::EmbeddedStore::open(dir.path()).unwrap());
    let dyn_store: Arc<dyn SecretStore> = store.clone();
    let router = router_for(Arc::clone(&config), dyn_store.clone());
    let m = send(
        &router,
        Request::get(format!("/api/v1/shared-secrets/{kept}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await
    .json();
    assert_eq!(m["expiresAfterViews"], 2);
    assert_eq!(m["isPasswordProtected"], true);
    let a = send(
        &router,
        Request::post(format!("/api/v1/shared-secrets/{kept}/access"))
            .header("content-type", "application/json")
            .body(Body::from(r#"{"password":"pw"}"#))
            .unwrap(),
    )
    .await;
    assert_eq!(a.status, 200);
    assert!(
        dyn_store
            .metadata(&expiring, now_millis())
            .await
            .unwrap()
            .is_some()
    );

    // Ten minutes later: the 5-minute secret is gone to readers and the sweeper deletes it.
    let later = now_millis() + 10 * 60_000;
    assert!(
        dyn_store
            .metadata(&expiring, later)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(store.sweep_expired(now_millis()).await.unwrap(), 0);
    assert_eq!(store.sweep_expired(later).await.unwrap(), 1);
    assert_eq!(
        store.sweep_expired(later).await.unwrap(),
        0,
        "really deleted"
    );
    assert!(
        dyn_store
            .metadata(&expiring, now_millis())
            .await
            .unwrap()
            .is_none()
    );
    assert!(dyn_store.metadata(&kept, later).await.unwrap().is_some());

    // The delete token survived the restart too.
    let d = send(
        &router,
        Request::delete(format!("/api/v1/shared-secrets/{kept}"))
            .header("x-delete-token", token)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(d.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_background_sweeper_runs() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(zkshare_server::EmbeddedStore::open(dir.path()).unwrap());
    let expired = |byte: u8| {
        let now = now_millis();
        NewSecret {
            id: common::b64(&[byte; 16]),
            envelope: small_envelope(),
            envelope_header: "h".into(),
            name: None,
            access_type: AccessType::Anyone,
            created_at: now - 10_000,
            expires_at: now - 1,
            max_views: None,
            password: None,
            delete_token_digest: [0; 32],
        }
    };
    // A manual sweep counts an expired record (so 0 below means someone else removed it).
    store.create(expired(9)).await.unwrap();
    assert_eq!(store.sweep_expired(now_millis()).await.unwrap(), 1);
    store.create(expired(8)).await.unwrap();
    let handle = store.spawn_sweeper(Duration::from_millis(50));
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        store.sweep_expired(now_millis()).await.unwrap(),
        0,
        "the background sweeper should already have removed it"
    );
    // The sweeper stops when the store is dropped.
    drop(store);
    tokio::time::timeout(Duration::from_secs(2), handle)
        .await
        .expect("sweeper did not stop")
        .unwrap();
}

/// Whether `needle` occurs in `haystack`.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_expired_but_unswept_ids_answer_like_unknown_ones() {
    let dir = tempfile::tempdir().unwrap();
    let config = Arc::new(test_config());
    let store = Arc::new(zkshare_server::EmbeddedStore::open(dir.path()).unwrap());
    let dyn_store: Arc<dyn SecretStore> = store.clone();
    let router = router_for(Arc::clone(&config), Arc::clone(&dyn_store));
    let now = now_millis();
    let token = "a-delete-token";
    let expired = common::b64(&[9u8; 16]);
    let unknown = common::b64(&[8u8; 16]);
    let envelope = small_envelope();
    dyn_store
        .create(NewSecret {
            id: expired.clone(),
            envelope_header: envelope.split('.').next().unwrap().to_string(),
            envelope,
            name: None,
            access_type: AccessType::Anyone,
            created_at: now - 600_000,
            expires_at: now - 1_000,
            max_views: Some(3),
            password: None,
            delete_token_digest: Sha256::digest(token.as_bytes()).into(),
        })
        .await
        .unwrap();
    let requests = |id: &str| {
        let path = format!("/api/v1/shared-secrets/{id}");
        vec![
            Request::get(&path).body(Body::empty()).unwrap(),
            Request::post(format!("{path}/access"))
                .body(Body::empty())
                .unwrap(),
            Request::post(format!("{path}/access"))
                .header("content-type", "application/json")
                .body(Body::from(json!({ "password": verifier() }).to_string()))
                .unwrap(),
            Request::delete(&path)
                .header("x-delete-token", token)
                .body(Body::empty())
                .unwrap(),
        ]
    };
    let strip = |r: &Reply| {
        let mut v = r.json();
        v.as_object_mut().unwrap().remove("reqId");
        (r.status, v)
    };
    for (a, b) in requests(&expired).into_iter().zip(requests(&unknown)) {
        let (a, b) = (send(&router, a).await, send(&router, b).await);
        assert_eq!(a.status, 404, "{}", a.text);
        assert_eq!(strip(&a), strip(&b));
    }
    // None of those requests wrote anything: the expired secret is left for the sweeper, as an
    // unknown id leaves nothing, so both take the same read-only path.
    assert_eq!(store.sweep_expired(now_millis()).await.unwrap(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creates_beyond_the_hourly_quota_get_429_with_the_error_body() {
    let mut config = test_config();
    config.creates_per_hour = 3;
    let app = TestApp::with_config(StoreKind::Embedded, config).await;
    let mut ids = Vec::new();
    for path in [
        "/api/v1/shared-secrets",
        "/api/v1/shared-secrets/public",
        "/api/v1/shared-secrets",
    ] {
        let r = app
            .call(
                Method::POST,
                path,
                Some(json!({ "secretValue": small_envelope() })),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        ids.push(r.json()["id"].as_str().unwrap().to_string());
    }
    for path in ["/api/v1/shared-secrets", "/api/v1/shared-secrets/public"] {
        let r = app
            .call(
                Method::POST,
                path,
                Some(json!({ "secretValue": small_envelope() })),
            )
            .await;
        assert_eq!(
            r.assert_error(429),
            "Too many secrets created from this address; try again later"
        );
        let retry: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=1200).contains(&retry), "{retry}");
    }
    // Reading is not creating: the quota does not touch the other routes.
    assert_eq!(app.get(&ids[0]).await.status, 200);
    assert_eq!(app.access(&ids[0], None).await.status, 200);
    // Another client has its own quota.
    let mut other = Request::post("/api/v1/shared-secrets")
        .header("content-type", "application/json")
        .body(Body::from(
            json!({ "secretValue": small_envelope() }).to_string(),
        ))
        .unwrap();
    other
        .extensions_mut()
        .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
            [192, 0, 2, 7],
            5000,
        ))));
    assert_eq!(app.raw(other).await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ipv6_clients_rotating_through_their_slash_64s_share_the_slash_48s_limit() {
    let mut config = test_config();
    config.rate_limit_per_second = 1;
    config.rate_limit_burst = 2;
    let app = TestApp::with_config(StoreKind::Embedded, config).await;
    let from = |ip: std::net::IpAddr| {
        let mut r = Request::get("/api/v1/shared-secrets/AAAAAAAAAAAAAAAAAAAAAA")
            .body(Body::empty())
            .unwrap();
        r.extensions_mut()
            .insert(axum::extract::ConnectInfo(std::net::SocketAddr::new(
                ip, 5000,
            )));
        r
    };
    // One /64: its own burst of 2.
    let one: std::net::IpAddr = "2001:db8:1:1::1".parse().unwrap();
    assert_eq!(app.raw(from(one)).await.status, 404);
    assert_eq!(app.raw(from(one)).await.status, 404);
    app.raw(from(one)).await.assert_error(429);
    // A new /64 for every request, all in one /48: the /48 runs out after 8 × 2 requests
    // (minus the 2 already spent above), whatever the /64.
    let mut statuses = Vec::new();
    for i in 0..40u16 {
        let ip = std::net::IpAddr::V6(std::net::Ipv6Addr::new(
            0x2001,
            0xdb8,
            1,
            100 + i,
            0,
            0,
            0,
            1,
        ));
        statuses.push(app.raw(from(ip)).await.status.as_u16());
    }
    let allowed = statuses.iter().filter(|s| **s == 404).count();
    assert!(
        (13..=16).contains(&allowed),
        "{allowed} of 40 /64s got through: {statuses:?}"
    );
    assert_eq!(statuses.last(), Some(&429));
    // Another /48 is not affected.
    let elsewhere: std::net::IpAddr = "2001:db8:2::1".parse().unwrap();
    assert_eq!(app.raw(from(elsewhere)).await.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_deleted_secrets_leave_no_envelope_bytes_in_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = Arc::new(test_config());
    // Distinct, random, several blocks each: a piece of one cannot appear by chance.
    let consumed = envelope(1, 6);
    let deleted = envelope(2, 6);
    let expired = envelope(1, 6);
    let kept = envelope(1, 6);
    {
        let store = Arc::new(zkshare_server::EmbeddedStore::open(dir.path()).unwrap());
        let dyn_store: Arc<dyn SecretStore> = store.clone();
        let router = router_for(Arc::clone(&config), Arc::clone(&dyn_store));
        let create = |body: Value| {
            let router = router.clone();
            async move {
                let r = send(
                    &router,
                    Request::post("/api/v1/shared-secrets")
                        .header("content-type", "application/json")
                        .body(Body::from(body.to_string()))
                        .unwrap(),
                )
                .await;
                assert_eq!(r.status, 200, "{}", r.text);
                let v = r.json();
                (
                    v["id"].as_str().unwrap().to_string(),
                    v["deleteToken"].as_str().unwrap().to_string(),
                )
            }
        };
        // The three that go, then live ones after them (so their pages lie inside the file,
        // not at its end, where a shrinking file would cut them off); nothing is written after
        // they go, so no later write happens to reuse (and overwrite) their pages.
        let (consumed_id, _) = create(json!({ "secretValue": consumed, "maxViews": 1 })).await;
        let (deleted_id, token) = create(json!({ "secretValue": deleted })).await;
        let (_, _) = create(json!({ "secretValue": expired, "expiresIn": "5m" })).await;
        create(json!({ "secretValue": kept })).await;
        for _ in 0..40 {
            create(json!({ "secretValue": envelope(1, 6) })).await;
        }
        // The one-view secret, viewed.
        let id = consumed_id;
        let r = send(
            &router,
            Request::post(format!("/api/v1/shared-secrets/{id}/access"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(r.status, 200);
        // One deleted with its token.
        let id = deleted_id;
        let r = send(
            &router,
            Request::delete(format!("/api/v1/shared-secrets/{id}"))
                .header("x-delete-token", token)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(r.status, 200);
        // One that expires and is swept.
        assert_eq!(
            store
                .sweep_expired(now_millis() + 10 * 60_000)
                .await
                .unwrap(),
            1
        );
        // The router and the store are dropped here: the file is closed.
    }
    let file = std::fs::read(dir.path().join(zkshare_server::store::embedded::DB_FILE)).unwrap();
    let pieces = |envelope: &str| {
        let body = envelope.split_once('.').unwrap().1;
        let raw = URL_SAFE_NO_PAD.decode(body).unwrap();
        [
            body.as_bytes()[100..148].to_vec(),
            body.as_bytes()[body.len() - 60..body.len() - 12].to_vec(),
            raw[200..232].to_vec(),
        ]
    };
    // The scan sees a live secret's bytes (else it proves nothing).
    assert!(
        pieces(&kept).iter().any(|p| contains(&file, p)),
        "the kept envelope is not found in the file"
    );
    for (what, envelope) in [
        ("consumed", &consumed),
        ("deleted", &deleted),
        ("swept", &expired),
    ] {
        for piece in pieces(envelope) {
            assert!(
                !contains(&file, &piece),
                "the {what} secret's envelope is still in the data file"
            );
        }
    }
}
