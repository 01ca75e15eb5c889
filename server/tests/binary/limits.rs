//! Limits over real TCP: rate limit, trusted proxies, oversized and slow bodies, many slow clients.

use super::*;

#[tokio::test]
async fn rate_limit_applies_to_the_api_and_branding_files_with_the_error_body() {
    let server = Server::start(&["--rate-limit-per-second", "1", "--rate-limit-burst", "3"]);
    let c = client();
    let url = server.url("/api/v1/shared-secrets/AAAAAAAAAAAAAAAAAAAAAA");
    for _ in 0..3 {
        assert_eq!(c.get(&url).send().await.unwrap().status(), 404);
    }
    let r = c.get(&url).send().await.unwrap();
    assert!(
        r.headers().contains_key("retry-after") || r.headers().contains_key("x-ratelimit-after")
    );
    assert_eq!(r.headers()["content-type"], "application/json");
    assert_eq!(r.headers()["x-frame-options"], "DENY");
    let (status, v) = json_of(r).await;
    assert_eq!(status, 429);
    assert_error_body(&v, 429);
    // The organizations' branding files read the store: the same client's limit.
    let theme = server.url("/branding/00000000-0000-4000-8000-000000000000/theme.css");
    assert_eq!(c.get(&theme).send().await.unwrap().status(), 429);
    // Probes and the web page are not limited.
    for _ in 0..10 {
        assert_eq!(
            c.get(server.url("/healthz")).send().await.unwrap().status(),
            200
        );
        assert_eq!(
            c.get(server.url("/assets.json"))
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
    }
}

#[tokio::test]
async fn forwarded_for_is_honoured_only_from_trusted_proxies() {
    let url_path = "/api/v1/shared-secrets/AAAAAAAAAAAAAAAAAAAAAA";
    let c = client();
    // Trusted: each forwarded client gets its own bucket.
    let trusted = Server::start(&[
        "--rate-limit-per-second",
        "1",
        "--rate-limit-burst",
        "2",
        "--trusted-proxies",
        "10.0.0.0/8,127.0.0.1",
    ]);
    let get = |server: &Server, xff: &str| {
        c.get(server.url(url_path))
            .header("x-forwarded-for", xff)
            .send()
    };
    assert_eq!(get(&trusted, "198.51.100.1").await.unwrap().status(), 404);
    assert_eq!(
        get(&trusted, "198.51.100.1, 10.1.1.1")
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(get(&trusted, "198.51.100.1").await.unwrap().status(), 429);
    assert_eq!(get(&trusted, "198.51.100.2").await.unwrap().status(), 404);
    // A spoofed left-most entry does not buy a new bucket.
    assert_eq!(
        get(&trusted, "1.2.3.4, 198.51.100.1")
            .await
            .unwrap()
            .status(),
        429
    );
    // Untrusted: the header is ignored, everyone is the peer 127.0.0.1.
    let untrusted = Server::start(&["--rate-limit-per-second", "1", "--rate-limit-burst", "2"]);
    assert_eq!(get(&untrusted, "198.51.100.1").await.unwrap().status(), 404);
    assert_eq!(get(&untrusted, "198.51.100.2").await.unwrap().status(), 404);
    assert_eq!(get(&untrusted, "198.51.100.3").await.unwrap().status(), 429);
}

#[test]
fn streamed_oversized_body_gets_413_with_the_error_body() {
    let server = Server::start(&["--rate-limit-per-second", "0"]);
    let mut req = format!(
        "POST /api/v1/shared-secrets HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        server.addr
    )
    .into_bytes();
    let chunk = vec![b'a'; 16 * 1024];
    req.extend(format!("{:x}\r\n", 16).as_bytes());
    req.extend(b"{\"secretValue\":\"");
    req.extend(b"\r\n");
    for _ in 0..10 {
        req.extend(format!("{:x}\r\n", chunk.len()).as_bytes());
        req.extend(&chunk);
        req.extend(b"\r\n");
    }
    req.extend(b"0\r\n\r\n");
    let raw = raw_http(&server.addr, &req, None);
    assert!(raw.starts_with("HTTP/1.1 413"), "{raw:.200}");
    assert_error_body(&body_json(&raw), 413);
}

#[test]
fn slow_request_times_out_with_the_error_body() {
    let server = Server::start(&[
        "--rate-limit-per-second",
        "0",
        "--request-timeout-secs",
        "1",
    ]);
    // Promise a body and never send it.
    let req = format!(
        "POST /api/v1/shared-secrets HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{",
        server.addr
    );
    let raw = raw_http(&server.addr, req.as_bytes(), None);
    assert!(raw.starts_with("HTTP/1.1 408"), "{raw:.200}");
    assert_error_body(&body_json(&raw), 408);
}

/// Like [`raw_http`], from another loopback address (another client to the server).
fn raw_http_from(local_ip: &str, addr: &str, request: &[u8]) -> String {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket
            .bind(format!("{local_ip}:0").parse().unwrap())
            .unwrap();
        let mut stream = socket.connect(addr.parse().unwrap()).await.unwrap();
        stream.write_all(request).await.unwrap();
        let mut out = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(15), stream.read_to_end(&mut out)).await;
        String::from_utf8_lossy(&out).into_owned()
    })
}

/// The server's resident memory in KiB (Linux `/proc`).
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/PID/status")
}

#[test]
fn a_thousand_slow_bodies_from_one_client_neither_grow_memory_nor_shut_others_out() {
    let started = std::time::Instant::now();
    let server = Server::start(&["--rate-limit-per-second", "0"]);
    let pid = server.process.pid();
    // 1,000 connections (1,000 descriptors here, as many in the server: well under the
    // usual limits) each promise a body of nearly 128 KiB, send half of it and stall.
    let head = format!(
        "POST /api/v1/shared-secrets HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{{\"secretValue\":\"",
        server.addr,
        128 * 1024 - 1
    );
    let half = vec![b'A'; 64 * 1024];
    let mut stalled = Vec::with_capacity(1000);
    for _ in 0..1000 {
        let mut s = TcpStream::connect(&server.addr).unwrap();
        s.set_write_timeout(Some(Duration::from_secs(2))).unwrap();
        // A refused request (503) may close the connection before all of it is written.
        let _ = s
            .write_all(head.as_bytes())
            .and_then(|_| s.write_all(&half));
        stalled.push(s);
    }
    std::thread::sleep(Duration::from_millis(500));
    let rss = rss_kib(pid);
    // Still alive, and the API says it is busy, with the error body.
    let health = raw_http(
        &server.addr,
        format!(
            "GET /healthz HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            server.addr
        )
        .as_bytes(),
        None,
    );
    assert!(health.starts_with("HTTP/1.1 200"), "{health:.200}");
    let busy = raw_http(
        &server.addr,
        format!(
            "GET /api/v1/shared-secrets/AAAAAAAAAAAAAAAAAAAAAA HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            server.addr
        )
        .as_bytes(),
        None,
    );
    assert!(
        rss < 64 * 1024,
        "server RSS {} MiB with 1,000 slow bodies",
        rss / 1024
    );
    // This client has used its share of the places: 429 with the error body.
    assert!(busy.starts_with("HTTP/1.1 429"), "{busy:.300}");
    assert_eq!(
        body_json(&busy)["message"],
        "Too many requests in flight from this address; try again in a moment"
    );
    assert_error_body(&body_json(&busy), 429);
    // Another client is served as usual.
    let other = raw_http_from(
        "127.0.0.2",
        &server.addr,
        format!(
            "GET /api/v1/shared-secrets/AAAAAAAAAAAAAAAAAAAAAA HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            server.addr
        )
        .as_bytes(),
    );
    assert!(other.starts_with("HTTP/1.1 404"), "{other:.300}");
    // Once they go, the API answers again.
    drop(stalled);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let again = raw_http(
            &server.addr,
            format!(
                "GET /api/v1/shared-secrets/AAAAAAAAAAAAAAAAAAAAAA HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
                server.addr
            )
            .as_bytes(),
            None,
        );
        if again.starts_with("HTTP/1.1 404") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{again:.300}");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(started.elapsed() < Duration::from_secs(40));
}
