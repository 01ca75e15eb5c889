//! Redis only: key TTLs, only ciphertext and digests stored, outage and recovery, metadata reads stay small.

use super::*;

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
        .try_create(json!({ "secretValue": small_envelope() }))
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
            .try_create(json!({ "secretValue": small_envelope() }))
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
