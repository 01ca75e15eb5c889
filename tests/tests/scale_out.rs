//! Several server processes on one Redis Cluster: the exactly-k race across replicas.

use std::collections::HashSet;
use std::time::Instant;

use serde_json::{Value, json};
use zkshare_crypto::{Credentials, LinkKey, seal_text};
use zkshare_tests::redis_cluster::RedisCluster;
use zkshare_tests::server::{ServerProcess, Store};

fn envelope() -> String {
    seal_text("scale-out", &Credentials::Key(&LinkKey::generate()))
        .expect("seal")
        .envelope
}

async fn create(http: &reqwest::Client, base: &str, max_views: u32) -> String {
    let r = http
        .post(format!("{base}/api/v1/shared-secrets"))
        .json(&json!({ "secretValue": envelope(), "maxViews": max_views, "expiresIn": "1h" }))
        .send()
        .await
        .expect("create");
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.expect("create body");
    v["id"].as_str().expect("id").to_string()
}

/// One view attempt: the status and the body (the error body on failures).
async fn access(http: &reqwest::Client, base: &str, id: &str) -> (u16, Value) {
    match http
        .post(format!("{base}/api/v1/shared-secrets/{id}/access"))
        .json(&json!({}))
        .send()
        .await
    {
        Ok(r) => {
            let status = r.status().as_u16();
            let text = r.text().await.unwrap_or_default();
            let body = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("status {status}, not JSON ({e}): {text:?}"));
            (status, body)
        }
        Err(e) => panic!("no answer from {base}: {e}"),
    }
}

fn start_cluster(primaries: usize, replicas: usize) -> RedisCluster {
    let cluster = RedisCluster::start(primaries, replicas);
    eprintln!(
        "{}-node cluster started in {:?}",
        primaries * (1 + replicas),
        cluster.started_in()
    );
    cluster
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_replicas_on_one_cluster_grant_exactly_k_views() {
    let cluster = tokio::task::spawn_blocking(|| start_cluster(3, 0))
        .await
        .unwrap();
    let replicas = [
        ServerProcess::start_with_log(Store::RedisCluster(cluster.nodes_arg()), "warn", &[]),
        ServerProcess::start_with_log(Store::RedisCluster(cluster.nodes_arg()), "warn", &[]),
    ];
    let bases: Vec<String> = replicas.iter().map(|s| s.base_url().to_string()).collect();
    let http = reqwest::Client::new();
    let started = Instant::now();
    let rounds = 30;
    let mut total_by_replica = [0; 2];
    for round in 0..rounds {
        let k = 1 + (round * 7 % 12) as u32;
        let id = create(&http, &bases[round % 2], k).await;
        let tasks: Vec<_> = (0..64)
            .map(|i| {
                let (http, base, id) = (http.clone(), bases[i % 2].clone(), id.clone());
                tokio::spawn(async move { (i % 2, access(&http, &base, &id).await) })
            })
            .collect();
        let mut granted = Vec::new();
        let mut by_replica = [0; 2];
        for t in tasks {
            let (replica, (status, body)) = t.await.unwrap();
            match status {
                200 => {
                    granted.push(body["expiresAfterViews"].as_u64().unwrap());
                    by_replica[replica] += 1;
                }
                404 => assert_eq!(body["statusCode"], 404, "{body}"),
                other => panic!("round {round}: unexpected {other}: {body}"),
            }
        }
        assert_eq!(granted.len(), k as usize, "round {round}: k={k}");
        let seen: HashSet<u64> = granted.into_iter().collect();
        assert_eq!(seen, (1..=u64::from(k)).collect::<HashSet<_>>());
        total_by_replica[0] += by_replica[0];
        total_by_replica[1] += by_replica[1];
    }
    // Both processes took part in the races, or this would test one process twice.
    assert!(
        total_by_replica.iter().all(|&n| n > 0),
        "views granted by replica: {total_by_replica:?}"
    );
    eprintln!("views granted by replica: {total_by_replica:?}");
    eprintln!(
        "{rounds} rounds of 64 accesses over two replicas in {:?}",
        started.elapsed()
    );
}
