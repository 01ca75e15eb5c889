//! Embedded store only: restarts, expiry sweeps, and deleted envelopes gone from the file.

use super::*;

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
    let dyn_store: Arc<dyn zkshare_server::store::Backend> = store.clone();
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
            owner: None,
            recipients: None,
            notify_on_view: false,
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_expired_but_unswept_ids_answer_like_unknown_ones() {
    let dir = tempfile::tempdir().unwrap();
    let config = Arc::new(test_config());
    let store = Arc::new(zkshare_server::EmbeddedStore::open(dir.path()).unwrap());
    let dyn_store: Arc<dyn zkshare_server::store::Backend> = store.clone();
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
            owner: None,
            recipients: None,
            notify_on_view: false,
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
        let dyn_store: Arc<dyn zkshare_server::store::Backend> = store.clone();
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
