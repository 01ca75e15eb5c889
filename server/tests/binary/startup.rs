//! Starting up: the start line per store, --help, an unreachable Redis or web directory, a Redis that may evict keys.

use super::*;

#[tokio::test]
async fn start_line_and_embedded_store() {
    let server = Server::start(&["--rate-limit-per-second", "0"]);
    let port: u16 = server.addr.rsplit(':').next().unwrap().parse().unwrap();
    assert_ne!(port, 0);
    let expected = format!(
        "zkshare listening on http://127.0.0.1:{port} (store: embedded at {})",
        server.data_dir().join("zkshare.redb").display()
    );
    assert_eq!(server.line, expected);
    let c = client();
    assert_eq!(
        c.get(server.url("/healthz"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "ok"
    );
    assert_eq!(
        c.get(server.url("/readyz")).send().await.unwrap().status(),
        200
    );
    let (status, v) = json_of(
        c.post(server.url("/api/v1/shared-secrets"))
            .json(&json!({ "secretValue": envelope(1, 1) }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    let id = v["id"].as_str().unwrap();
    // Default public URL: the bound address.
    assert_eq!(
        v["sharedSecretLink"],
        format!("http://127.0.0.1:{port}/s/{id}")
    );
}

#[tokio::test]
async fn start_line_with_redis_and_public_url() {
    let redis = RedisServer::start();
    let server = Server::start(&[
        "--redis-url",
        &redis.url(),
        "--public-url",
        "https://share.example.com/",
    ]);
    assert_eq!(
        server.line,
        format!(
            "zkshare listening on http://{} (store: redis at 127.0.0.1:{})",
            server.addr,
            redis.port()
        )
    );
    let (status, v) = json_of(
        client()
            .post(server.url("/api/v1/shared-secrets/public"))
            .json(&json!({ "secretValue": envelope(1, 1) }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        v["sharedSecretLink"],
        format!("https://share.example.com/s/{}", v["id"].as_str().unwrap())
    );
}

#[test]
fn help_documents_every_option_and_its_environment_variable() {
    let out = Command::new(env!("CARGO_BIN_EXE_zkshare-server"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for (flag, env) in [
        ("--listen", "ZKSHARE_LISTEN"),
        ("--redis-url", "REDIS_URL"),
        ("--data-dir", "ZKSHARE_DATA_DIR"),
        ("--public-url", "ZKSHARE_PUBLIC_URL"),
        ("--max-password-failures", "ZKSHARE_MAX_PASSWORD_FAILURES"),
        ("--trusted-proxies", "ZKSHARE_TRUSTED_PROXIES"),
        ("--rate-limit-per-second", "ZKSHARE_RATE_LIMIT_PER_SECOND"),
        ("--rate-limit-burst", "ZKSHARE_RATE_LIMIT_BURST"),
        (
            "--max-concurrent-requests",
            "ZKSHARE_MAX_CONCURRENT_REQUESTS",
        ),
        ("--creates-per-hour", "ZKSHARE_CREATES_PER_HOUR"),
        ("--request-timeout-secs", "ZKSHARE_REQUEST_TIMEOUT_SECS"),
        ("--log", "ZKSHARE_LOG"),
        ("--web-dir", "ZKSHARE_WEB_DIR"),
    ] {
        assert!(help.contains(flag), "{flag} missing from --help");
        assert!(help.contains(env), "{env} missing from --help");
    }
}

#[test]
fn unreachable_redis_fails_startup_with_a_clear_message() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = Command::new(env!("CARGO_BIN_EXE_zkshare-server"))
        .args(["--listen", "127.0.0.1:0", "--redis-timeout-ms", "500"])
        .arg("--redis-url")
        .arg(format!("redis://:hunter2@127.0.0.1:{port}"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("cannot connect to Redis at 127.0.0.1:{port}")),
        "{err}"
    );
    assert!(!err.contains("hunter2"), "the Redis password leaked: {err}");
}

/// A `--web-dir` that cannot be read stops the start with the reason: serving no page at all
/// would look like a working server to its health checks.
#[test]
fn an_unreadable_web_dir_fails_startup_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-web-dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_zkshare-server"))
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path().join("data"))
        .arg("--web-dir")
        .arg(&missing)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("still running with an unreadable --web-dir");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("cannot read web directory {}", missing.display())),
        "{err}"
    );
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("listening"),
        "announced itself before failing"
    );
}

#[tokio::test]
async fn a_redis_that_may_evict_keys_is_warned_about_at_start() {
    let evicting = RedisServer::start_with(&["--maxmemory-policy", "allkeys-lru"]);
    let server = Server::start(&["--redis-url", &evicting.url()]);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let log = server.stderr();
    assert!(
        log.contains("WARN") && log.contains("maxmemory-policy allkeys-lru"),
        "{log}"
    );
    assert!(log.contains("noeviction"), "{log}");
    // The recommended policy: no warning.
    let safe = RedisServer::start_with(&["--maxmemory-policy", "noeviction"]);
    let server = Server::start(&["--redis-url", &safe.url()]);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !server.stderr().contains("maxmemory-policy"),
        "{}",
        server.stderr()
    );
}

#[tokio::test]
async fn a_redis_without_append_only_file_is_warned_about_at_start() {
    let volatile = RedisServer::start_with(&["--appendonly", "no"]);
    let server = Server::start(&["--redis-url", &volatile.url()]);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let log = server.stderr();
    assert!(
        log.contains("WARN") && log.contains("appendonly no") && log.contains("accounts"),
        "{log}"
    );
    let durable = RedisServer::start_with(&["--appendonly", "yes"]);
    let server = Server::start(&["--redis-url", &durable.url()]);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !server.stderr().contains("appendonly"),
        "{}",
        server.stderr()
    );
}

/// A supervisor may stop the server as soon as it has announced itself: the signal handlers
/// exist before the start line, so even an immediate SIGTERM is a graceful shutdown (exit 0),
/// never death by the signal.
#[test]
fn sigterm_right_after_the_start_line_is_a_graceful_shutdown() {
    for round in 0..10 {
        let mut server = Server::start(&[]);
        server.process.terminate();
        let status = server
            .process
            .wait_exit(Duration::from_secs(20))
            .expect("exits after SIGTERM");
        assert!(
            status.success(),
            "round {round}: {status:?} instead of a graceful exit; stderr:\n{}",
            server.stderr()
        );
    }
}
