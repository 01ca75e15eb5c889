//! Several server processes on one Redis Cluster: the exactly-k race across replicas, a killed
//! primary under load, and a clean exit on SIGTERM with requests in flight.

use std::collections::HashSet;
use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::{Duration, Instant};

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
    // The second starts with a seed node that does not answer first: the others suffice.
    let dead_seed = format!(
        "redis://127.0.0.1:{},{}",
        zkshare_tests::free_port(),
        cluster.nodes_arg()
    );
    let replicas = [
        ServerProcess::start_with_log(Store::RedisCluster(cluster.nodes_arg()), "warn", &[]),
        ServerProcess::start_with_log(Store::RedisCluster(dead_seed), "warn", &[]),
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

/// Sends the headers and half the body of a create, so that the request is in flight.
fn start_slow_create(addr: &str) -> (TcpStream, Vec<u8>) {
    let body = serde_json::to_vec(&json!({ "secretValue": envelope(), "maxViews": 1 })).unwrap();
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "POST /api/v1/shared-secrets HTTP/1.1\r\nHost: {addr}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    let half = body.len() / 2;
    stream.write_all(&body[..half]).unwrap();
    stream.flush().unwrap();
    (stream, body[half..].to_vec())
}

#[test]
fn sigterm_finishes_requests_in_flight_refuses_new_ones_and_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = ServerProcess::start_with_log(Store::Embedded(dir.path()), "info", &[]);
    let addr = server.addr().to_string();
    let in_flight: Vec<_> = (0..4).map(|_| start_slow_create(&addr)).collect();
    // The server has read the headers of all four before the signal.
    std::thread::sleep(Duration::from_millis(300));
    server.terminate();
    let deadline = Instant::now() + Duration::from_secs(5);
    while TcpStream::connect(&addr).is_ok() {
        assert!(Instant::now() < deadline, "still accepting after SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        server.wait_exit(Duration::from_millis(500)).is_none(),
        "exited with requests in flight"
    );
    for (mut stream, rest) in in_flight {
        stream.write_all(&rest).unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        let response = String::from_utf8_lossy(&response);
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        assert!(response.contains("\"deleteToken\""), "{response}");
    }
    let status = server
        .wait_exit(Duration::from_secs(5))
        .expect("exits once the requests are answered");
    assert_eq!(status.code(), Some(0), "{status}");
}

#[test]
fn sigterm_gives_up_on_a_stalled_request_after_the_timeout_and_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = ServerProcess::start_with_log(
        Store::Embedded(dir.path()),
        "info",
        &["--shutdown-timeout-secs", "1"],
    );
    let (_stalled, _rest) = start_slow_create(server.addr());
    std::thread::sleep(Duration::from_millis(300));
    let signalled = Instant::now();
    server.terminate();
    let status = server
        .wait_exit(Duration::from_secs(10))
        .expect("exits although a request never finishes");
    let waited = signalled.elapsed();
    assert_eq!(status.code(), Some(0), "{status}");
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(5),
        "exited after {waited:?}; the timeout is 1 s"
    );
    let logs = String::from_utf8_lossy(&server.logs()).into_owned();
    assert!(logs.contains("still in flight"), "{logs}");
}

/// One view attempt during the failover test.
struct Attempt {
    secret: usize,
    at: Instant,
    status: u16,
    views: Option<u64>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_killed_primary_costs_503s_for_a_moment_never_a_500_or_an_extra_view() {
    let mut cluster = tokio::task::spawn_blocking(|| start_cluster(3, 1))
        .await
        .unwrap();
    let server = ServerProcess::start_with_log(
        Store::RedisCluster(cluster.nodes_arg()),
        "warn",
        &["--redis-timeout-ms", "1000"],
    );
    let base = server.base_url().to_string();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    const MAX_VIEWS: u64 = 1000;
    let mut ids = Vec::new();
    for _ in 0..12 {
        ids.push(create(&http, &base, MAX_VIEWS as u32).await);
    }
    let target_key = format!("zkshare:s1:{{{}}}", ids[0]);
    let doomed = cluster.primary_of_slot(cluster.slot_of(&target_key));

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let workers: Vec<_> = (0..6)
        .map(|w| {
            let (http, base, ids, stop) = (http.clone(), base.clone(), ids.clone(), stop.clone());
            tokio::spawn(async move {
                let mut attempts = Vec::new();
                let mut i = w;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let secret = i % ids.len();
                    i += 1;
                    let (status, body) = access(&http, &base, &ids[secret]).await;
                    match status {
                        200 => {}
                        503 => {
                            assert_eq!(body["statusCode"], 503, "{body}");
                            assert!(body["message"].is_string(), "{body}");
                        }
                        other => panic!("during the failover: {other} {body}"),
                    }
                    attempts.push(Attempt {
                        secret,
                        at: Instant::now(),
                        status,
                        views: body["expiresAfterViews"].as_u64().filter(|_| status == 200),
                    });
                }
                attempts
            })
        })
        .collect();

    tokio::time::sleep(Duration::from_secs(1)).await;
    let killed_at = Instant::now();
    cluster.kill(doomed);
    // Load goes on until the killed primary's slot answers again, and a second more.
    let resumed = loop {
        let (status, body) = access(&http, &base, &ids[0]).await;
        match status {
            200 => break killed_at.elapsed(),
            503 => {}
            other => panic!("probe during the failover: {other} {body}"),
        }
        assert!(
            killed_at.elapsed() < Duration::from_secs(30),
            "service did not resume within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    tokio::time::sleep(Duration::from_secs(1)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut attempts = Vec::new();
    for w in workers {
        attempts.extend(w.await.unwrap());
    }

    let refused: Vec<&Attempt> = attempts.iter().filter(|a| a.status == 503).collect();
    let window = match (refused.first(), refused.iter().map(|a| a.at).max()) {
        (Some(_), Some(last)) => {
            let first = refused.iter().map(|a| a.at).min().unwrap();
            format!(
                "503s from {:?} to {:?} after the kill",
                first.saturating_duration_since(killed_at),
                last.saturating_duration_since(killed_at)
            )
        }
        _ => "no 503".to_string(),
    };
    eprintln!(
        "failover: {} attempts, {} answered 503 ({window}); the killed slot answered again {resumed:?} after the kill",
        attempts.len(),
        refused.len()
    );

    // No view was granted twice (a lost write would hand out a count again), and no secret
    // has more views granted plus left than it was created with.
    for (secret, id) in ids.iter().enumerate() {
        let granted: Vec<u64> = attempts
            .iter()
            .filter(|a| a.secret == secret)
            .filter_map(|a| a.views)
            .collect();
        let distinct: HashSet<u64> = granted.iter().copied().collect();
        assert_eq!(
            distinct.len(),
            granted.len(),
            "secret {secret}: a view count granted twice"
        );
        let r = http
            .get(format!("{base}/api/v1/shared-secrets/{id}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "secret {secret} is still there");
        let meta: Value = r.json().await.unwrap();
        let left = meta["expiresAfterViews"].as_u64().unwrap();
        // +1: the probe loop's successful view of secret 0 is not among the attempts.
        let probe = u64::from(secret == 0);
        assert!(
            granted.len() as u64 + left + probe <= MAX_VIEWS,
            "secret {secret}: {} granted + {left} left > {MAX_VIEWS}",
            granted.len()
        );
    }
}
