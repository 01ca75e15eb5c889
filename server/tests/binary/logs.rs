//! Log hygiene at every level and format: no envelopes, verifiers, passwords, tokens or link keys.

use super::*;

/// Every secret-bearing string (and a long piece of each) that appears in `log`.
fn leaks<'a>(log: &str, secrets: &'a [(&'a str, String)]) -> Vec<&'a str> {
    secrets
        .iter()
        .filter(|(_, s)| {
            let piece = &s[s.len().saturating_sub(24)..];
            log.contains(s.as_str()) || log.contains(piece)
        })
        .map(|(name, _)| *name)
        .collect()
}

async fn exercise_and_check_logs(server: &Server) {
    let c = client();
    let env = envelope(2, 2);
    let header = env.split('.').next().unwrap().to_string();
    let good = verifier();
    let wrong = verifier();
    let plain = "tr0ub4dor&3-plain-password".to_string();
    let env2 = envelope(1, 1);

    let create = |body: Value| {
        c.post(server.url("/api/v1/shared-secrets"))
            .json(&body)
            .send()
    };
    let (s1, v1) = json_of(
        create(json!({ "secretValue": env, "password": good, "maxViews": 3 }))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s1, 200);
    let id = v1["id"].as_str().unwrap().to_string();
    let token = v1["deleteToken"].as_str().unwrap().to_string();
    let (s2, v2) = json_of(
        create(json!({ "secretValue": env2, "password": plain }))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s2, 200);
    let id2 = v2["id"].as_str().unwrap().to_string();
    let token2 = v2["deleteToken"].as_str().unwrap().to_string();
    // Rejections that echo request data in their messages.
    let (s, _) = json_of(
        create(json!({ "secretValue": env, "maxViews": good }))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 400);
    let (s, _) = json_of(create(json!({ "secretValue": plain })).await.unwrap()).await;
    assert_eq!(s, 400);

    let access = |id: &str, pw: &str| {
        c.post(server.url(&format!("/api/v1/shared-secrets/{id}/access")))
            .json(&json!({ "password": pw }))
            .send()
    };
    assert_eq!(
        c.get(server.url(&format!("/api/v1/shared-secrets/{id}")))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(access(&id, &wrong).await.unwrap().status(), 401);
    assert_eq!(access(&id, &good).await.unwrap().status(), 200);
    assert_eq!(access(&id2, "not it").await.unwrap().status(), 401);
    assert_eq!(access(&id2, &plain).await.unwrap().status(), 200);
    let del = |id: &str, tok: &str| {
        c.delete(server.url(&format!("/api/v1/shared-secrets/{id}")))
            .header("x-delete-token", tok)
            .send()
    };
    assert_eq!(del(&id, &token2).await.unwrap().status(), 403);
    assert_eq!(del(&id, &token).await.unwrap().status(), 200);
    assert_eq!(del(&id2, &token2).await.unwrap().status(), 200);

    tokio::time::sleep(Duration::from_millis(300)).await;
    let log = server.stderr();
    // The log is really there, at TRACE, with request lines (else this test proves nothing).
    assert!(
        log.contains("TRACE") || log.contains("DEBUG"),
        "log not at trace level"
    );
    // Text (`path=…`) or JSON (`"path":"…"`) lines.
    assert!(
        log.contains(&format!("path=/api/v1/shared-secrets/{id}/access"))
            || log.contains(&format!("\"path\":\"/api/v1/shared-secrets/{id}/access\"")),
        "{log}"
    );
    assert!(
        log.contains("req_id=req-") || log.contains("\"req_id\":\"req-"),
        "{log}"
    );
    assert!(
        log.contains("status=401") || log.contains("\"status\":401"),
        "{log}"
    );

    let body_of = |e: &str| e.split('.').nth(1).unwrap().to_string();
    let secrets = [
        ("envelope body", body_of(&env)),
        ("second envelope body", body_of(&env2)),
        ("envelope header", header),
        ("verifier", good.clone()),
        ("wrong verifier", wrong.clone()),
        ("plain password", plain.clone()),
        ("delete token", token.clone()),
        ("second delete token", token2.clone()),
    ];
    // Plant a leak first: the scanner must find it.
    let planted = format!("{log}\nDEBUG something token={token} pw={plain}");
    assert_eq!(
        leaks(&planted, &secrets),
        vec!["plain password", "delete token"]
    );
    assert_eq!(
        leaks(&log, &secrets),
        Vec::<&str>::new(),
        "secrets in the log"
    );
}

#[tokio::test]
async fn logs_at_trace_never_contain_envelopes_verifiers_passwords_or_tokens() {
    let embedded = Server::start(&["--rate-limit-per-second", "0", "--log", "trace"]);
    exercise_and_check_logs(&embedded).await;
    let redis = RedisServer::start();
    let on_redis = Server::start(&[
        "--rate-limit-per-second",
        "0",
        "--log",
        "trace",
        "--redis-url",
        &redis.url(),
    ]);
    exercise_and_check_logs(&on_redis).await;
}

/// Requests that carry a link key `k` in their path or query, the ways a mangled link or a
/// careless client sends one.
fn key_bearing_paths(id: &str, k: &str) -> Vec<String> {
    vec![
        format!("/s/{id}%23{k}"),
        format!("/s/{id}/{k}"),
        format!("/s/{id}?k={k}"),
        format!("/s/{id}{k}"),
        format!("/api/v1/shared-secrets/{id}%23{k}"),
        format!("/api/v1/shared-secrets/{id}/{k}"),
        format!("/api/v1/shared-secrets/{id}{k}"),
        format!("/api/v1/shared-secrets/{id}/access/{k}"),
        format!("/api/v1/shared-secrets/{id}?k={k}"),
        format!("/{k}"),
        format!("/s/%23{k}"),
    ]
}

#[tokio::test]
async fn json_logs_are_one_object_per_line_and_as_discreet_as_text() {
    let server = Server::start(&[
        "--rate-limit-per-second",
        "0",
        "--log",
        "trace",
        "--log-format",
        "json",
    ]);
    exercise_and_check_logs(&server).await;
    let log = server.stderr();
    let mut requests = 0;
    for line in log.lines().filter(|l| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line}"));
        assert!(v["level"].is_string() && v["fields"].is_object(), "{line}");
        if v["fields"]["message"] == "request" {
            requests += 1;
            assert!(v["span"]["path"].is_string(), "{line}");
            assert!(v["fields"]["status"].is_number(), "{line}");
        }
    }
    assert!(requests > 0, "no request lines in:\n{log}");
}

#[tokio::test]
async fn link_keys_in_paths_never_reach_the_log_at_any_level() {
    let levels = ["error", "warn", "info", "debug", "trace"];
    for (level, format) in levels
        .iter()
        .map(|l| (*l, "text"))
        .chain([("trace", "json")])
    {
        let server = Server::start(&[
            "--rate-limit-per-second",
            "0",
            "--log",
            level,
            "--log-format",
            format,
        ]);
        let c = client();
        let (status, v) = json_of(
            c.post(server.url("/api/v1/shared-secrets"))
                .json(&json!({ "secretValue": envelope(1, 1), "password": verifier() }))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 200);
        let id = v["id"].as_str().unwrap().to_string();
        let k = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(verifier().as_bytes())
            .chars()
            .take(43)
            .collect::<String>();
        for path in key_bearing_paths(&id, &k) {
            for method in [reqwest::Method::GET, reqwest::Method::POST] {
                let r = c
                    .request(method.clone(), server.url(&path))
                    .send()
                    .await
                    .unwrap();
                assert!(r.status().as_u16() < 500, "{method} {path}: {}", r.status());
            }
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        let log = server.stderr();
        // The request lines are there at info and below (else the scan proves nothing), and
        // a planted key is found.
        if matches!(level, "info" | "debug" | "trace") {
            assert!(log.contains(&format!("/s/{id}")), "{level}: {log}");
        }
        let secrets = [("link key", k.clone())];
        let planted = format!("{log}\nINFO request path=/s/{id}%23{k}");
        assert_eq!(leaks(&planted, &secrets), vec!["link key"]);
        assert_eq!(
            leaks(&log, &secrets),
            Vec::<&str>::new(),
            "{level}: the link key is in the log:\n{log}"
        );
    }
}
