//! Redis Cluster only: steps across two hash slots are refused, scripts reload after a failover.

use super::*;

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
