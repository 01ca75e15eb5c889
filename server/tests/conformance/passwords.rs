//! Access verifiers and plain passwords: failures counted, the limit destroys, key mode never does.

use super::*;

for_both_stores!(
    verifier_protects_and_failures_below_limit_pass,
    failure_limit_destroys_the_secret,
    key_mode_secrets_survive_failed_accesses,
    plain_password_is_hashed_server_side,
);

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
