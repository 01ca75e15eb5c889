//! Metadata and access: views counted down atomically, unlimited, restricted, used up or cut off midway.

use super::*;
use uuid::Uuid;
use zkshare_server::domain::{Creator, Owner, PrincipalKind, ViewerClaims};

for_both_stores!(
    metadata_never_consumes,
    views_count_down_and_the_last_deletes,
    parallel_readers_get_exactly_k_views,
    unlimited_secrets_survive_many_views,
    unknown_expired_and_used_up_look_the_same,
    restricted_secrets_are_not_consumed_by_anonymous_viewers,
    organization_secrets_open_only_to_their_organization,
    a_request_dropped_midway_spends_one_view_or_none,
);

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
                viewer: zkshare_server::store::ViewerClaims::ANONYMOUS,
                email_digest: None,
                token_digest: None,
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
            owner: None,
            recipients: None,
            notify_on_view: false,
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
            owner: None,
            recipients: None,
            notify_on_view: false,
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
            owner: None,
            recipients: None,
            notify_on_view: false,
        })
        .await;
    assert!(matches!(
        dup,
        Err(zkshare_server::store::StoreError::Conflict)
    ));
}

/// A viewer whose current organization is `org` (`None`: anonymous).
fn viewer_in(org: Option<Uuid>) -> ViewerClaims {
    match org {
        None => ViewerClaims::ANONYMOUS,
        Some(org) => ViewerClaims {
            kind: PrincipalKind::User,
            org_id: Some(org),
            verified_email: Some("viewer@example.com".into()),
        },
    }
}

async fn organization_secrets_open_only_to_their_organization(kind: StoreKind) {
    let app = TestApp::new(kind).await;
    let now = now_millis();
    let ours = Uuid::from_u128(0x0123_4567_89ab_4def_8123_4567_89ab_cdef);
    let theirs = Uuid::from_u128(0x0123_4567_89ab_4def_8123_4567_89ab_cdee);
    let machine = Uuid::from_u128(0x0fed_cba9_8765_4321_8fed_cba9_8765_4321);
    let owner = Owner {
        org: ours,
        creator: Creator::Machine(machine),
    };
    let id = common::b64(&[0x0c; 16]);
    let env = small_envelope();
    app.store
        .create(NewSecret {
            id: id.clone(),
            envelope_header: env.split('.').next().unwrap().to_string(),
            envelope: env.clone(),
            name: Some("deploy key".into()),
            access_type: AccessType::Organization,
            created_at: now,
            expires_at: now + 600_000,
            max_views: Some(3),
            password: None,
            delete_token_digest: [3; 32],
            owner: Some(owner),
            recipients: None,
            notify_on_view: false,
        })
        .await
        .unwrap();
    let meta = app.store.metadata(&id, now).await.unwrap().unwrap();
    assert_eq!(meta.owner, Some(owner));
    assert_eq!(meta.name.as_deref(), Some("deploy key"));
    let consume = |org: Option<Uuid>| {
        app.store.consume(
            &id,
            ConsumeRequest {
                digest: None,
                now: now_millis(),
                max_failures: 5,
                viewer: viewer_in(org),
                email_digest: None,
                token_digest: None,
            },
        )
    };
    let views_left = || async {
        app.store
            .metadata(&id, now_millis())
            .await
            .unwrap()
            .unwrap()
            .views_remaining
    };

    // Another organization and no organization: refused, and no view is spent.
    for org in [Some(theirs), None] {
        let outcome = consume(org).await.unwrap();
        assert!(
            matches!(
                outcome,
                ConsumeOutcome::Restricted {
                    restriction: zkshare_server::domain::Restriction::Organization,
                    ..
                }
            ),
            "{org:?}: {outcome:?}"
        );
        assert_eq!(views_left().await, Some(3), "{org:?}: no view spent");
    }
    // The owner's organization: granted, one view spent, the owner kept.
    let ConsumeOutcome::Granted(view) = consume(Some(ours)).await.unwrap() else {
        panic!("a member of the owner's organization is let in");
    };
    assert_eq!(view.envelope, env);
    assert_eq!(view.views_before, Some(3));
    assert_eq!(view.meta.owner, Some(owner));
    assert_eq!(views_left().await, Some(2));
    // The API shows who owns it.
    let m = app.get(&id).await.json();
    assert_eq!(m["orgId"], ours.hyphenated().to_string());
    assert_eq!(m["identityId"], machine.hyphenated().to_string());
    assert!(m["userId"].is_null());
    assert_eq!(m["expiresAfterViews"], 2);

    // An organization secret without an owner opens to nobody, not even a member.
    let unowned = common::b64(&[0x0d; 16]);
    app.store
        .create(NewSecret {
            id: unowned.clone(),
            envelope_header: env.split('.').next().unwrap().to_string(),
            envelope: env.clone(),
            name: None,
            access_type: AccessType::Organization,
            created_at: now,
            expires_at: now + 600_000,
            max_views: Some(1),
            password: None,
            delete_token_digest: [3; 32],
            owner: None,
            recipients: None,
            notify_on_view: false,
        })
        .await
        .unwrap();
    let outcome = app
        .store
        .consume(
            &unowned,
            ConsumeRequest {
                digest: None,
                now: now_millis(),
                max_failures: 5,
                viewer: viewer_in(Some(ours)),
                email_digest: None,
                token_digest: None,
            },
        )
        .await
        .unwrap();
    assert!(
        matches!(outcome, ConsumeOutcome::Restricted { .. }),
        "{outcome:?}"
    );
    let meta = app.store.metadata(&unowned, now).await.unwrap().unwrap();
    assert_eq!((meta.owner, meta.views_remaining), (None, Some(1)));
    assert!(app.get(&unowned).await.json()["orgId"].is_null());

    // A user's secret open to anyone: userId and orgId, any viewer.
    let user = Uuid::from_u128(0x0abc_def0_1234_4567_89ab_cdef_0123_4567);
    let open = common::b64(&[0x0e; 16]);
    app.store
        .create(NewSecret {
            id: open.clone(),
            envelope_header: env.split('.').next().unwrap().to_string(),
            envelope: env.clone(),
            name: None,
            access_type: AccessType::Anyone,
            created_at: now,
            expires_at: now + 600_000,
            max_views: None,
            password: None,
            delete_token_digest: [3; 32],
            owner: Some(Owner {
                org: theirs,
                creator: Creator::User(user),
            }),
            recipients: None,
            notify_on_view: false,
        })
        .await
        .unwrap();
    let m = app.get(&open).await.json();
    assert_eq!(m["userId"], user.hyphenated().to_string());
    assert_eq!(m["orgId"], theirs.hyphenated().to_string());
    assert!(m["identityId"].is_null());
    let a = app.access(&open, None).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.json()["userId"], user.hyphenated().to_string());
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
