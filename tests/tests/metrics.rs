//! The metrics listener of the real server: it counts what happened and carries nothing a
//! request brought (ids, names, e-mails, tokens, passwords, paths, headers).

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use zkshare_crypto::{Credentials, LinkKey, seal_text};
use zkshare_tests::server::{ServerProcess, Store};

/// The metrics URL the server printed at start.
fn metrics_url(server: &ServerProcess) -> Option<String> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let logs = String::from_utf8_lossy(&server.logs()).into_owned();
        if let Some(url) = logs
            .split_whitespace()
            .find(|w| w.starts_with("http://") && w.ends_with("/metrics"))
        {
            return Some(url.to_string());
        }
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn random_word(prefix: &str) -> String {
    format!("{prefix}{}", hex::encode(rand::random::<[u8; 8]>()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_requests_and_carry_nothing_from_them() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(
        Store::Embedded(dir.path()),
        &["--metrics-listen", "127.0.0.1:0"],
    );
    let metrics = metrics_url(&server).expect("the server prints its metrics URL");
    let base = server.base_url().to_string();
    let http = reqwest::Client::new();

    let name = random_word("canaryname");
    let password = random_word("canarypassword");
    let email = format!("{}@example.org", random_word("canarymail"));
    let agent = random_word("canaryagent");
    let path_key = LinkKey::generate().to_b64();
    let sealed = seal_text("metrics", &Credentials::Key(&LinkKey::generate())).unwrap();
    let mut needles = vec![
        name.clone(),
        password.clone(),
        email.clone(),
        agent.clone(),
        path_key.clone(),
    ];
    needles.extend(sealed.envelope.split('.').map(str::to_string));

    let post = |path: String, body: Value| {
        http.post(format!("{base}{path}"))
            .header("user-agent", &agent)
            .json(&body)
            .send()
    };
    let created: Value = post(
        "/api/v1/shared-secrets".into(),
        json!({ "secretValue": sealed.envelope, "name": name, "password": password, "maxViews": 2 }),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let id = created["id"].as_str().unwrap().to_string();
    let token = created["deleteToken"].as_str().unwrap().to_string();
    needles.extend([id.clone(), token.clone()]);
    let refused = post(
        "/api/v1/shared-secrets".into(),
        json!({ "secretValue": sealed.envelope, "authorizedEmails": [email] }),
    )
    .await
    .unwrap();
    assert!(refused.status().is_client_error());
    let wrong = post(
        format!("/api/v1/shared-secrets/{id}/access"),
        json!({ "password": format!("{password}x") }),
    )
    .await
    .unwrap();
    assert_eq!(wrong.status(), 401);
    let right = post(
        format!("/api/v1/shared-secrets/{id}/access"),
        json!({ "password": password }),
    )
    .await
    .unwrap();
    assert_eq!(right.status(), 200);
    let keyed_path = http
        .get(format!("{base}/s/{id}%23{path_key}"))
        .send()
        .await
        .unwrap();
    assert!(keyed_path.status().as_u16() < 500);
    let deleted = http
        .delete(format!("{base}/api/v1/shared-secrets/{id}"))
        .header("x-delete-token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 200);
    let gone = post(format!("/api/v1/shared-secrets/{id}/access"), json!({}))
        .await
        .unwrap();
    assert_eq!(gone.status(), 404);

    let scraped = http.get(&metrics).send().await.unwrap();
    assert_eq!(scraped.status(), 200);
    let content_type = scraped.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let text = scraped.text().await.unwrap();

    // What happened is counted.
    for line in [
        "zkshare_secrets_created_total 1",
        "zkshare_views_granted_total 1",
        "zkshare_views_refused_total{reason=\"invalid_credentials\"} 1",
        "zkshare_views_refused_total{reason=\"not_found\"} 1",
        "zkshare_http_requests_total{route=\"/api/v1/shared-secrets/{id}/access\",method=\"POST\",status=\"200\"} 1",
        "zkshare_http_requests_total{route=\"/api/v1/shared-secrets/{id}\",method=\"DELETE\",status=\"200\"} 1",
        "zkshare_http_request_duration_seconds_count{route=\"/api/v1/shared-secrets\"} 2",
        "zkshare_argon2_queue_depth 0",
    ] {
        assert!(text.lines().any(|l| l == line), "{line} missing in\n{text}");
    }
    assert!(text.contains("route=\"/s/{id}\""), "{text}");
    assert!(text.contains("zkshare_store_errors_total"), "{text}");
    assert!(
        text.contains("zkshare_rate_limited_requests_total 0"),
        "{text}"
    );

    // Nothing a request carried. The search itself is proven on a text that has them all.
    let control = format!("{needles:?}");
    for needle in &needles {
        assert!(
            control.contains(needle.as_str()),
            "the search misses {needle}"
        );
        assert!(
            !text.contains(needle.as_str()),
            "{needle} leaked into the metrics:\n{text}"
        );
    }
    // Every sample line is a known family with labels from fixed sets.
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        assert!(line.starts_with("zkshare_"), "{line}");
        assert!(!line.contains('@') && !line.contains("%23"), "{line}");
    }
}

#[test]
fn metrics_are_off_unless_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(Store::Embedded(dir.path()), &[]);
    std::thread::sleep(Duration::from_millis(300));
    let logs = String::from_utf8_lossy(&server.logs()).into_owned();
    assert!(!logs.contains("/metrics"), "{logs}");
}
