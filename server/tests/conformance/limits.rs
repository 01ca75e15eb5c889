//! What a create may hold (sizes, names, email lists) and how many an hour one client may make.

use super::*;

for_both_stores!(
    create_validation_limits,
    envelope_length_limit,
    names_with_control_or_bidi_characters_are_refused,
    anonymous_email_lists_are_refused_before_they_are_read,
);

async fn create_validation_limits(kind: StoreKind) {
    let app = TestApp::new(kind).await;
    let env = small_envelope();
    let ok = |extra: Value| {
        let mut body = json!({ "secretValue": env });
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    // name: 50 ok, 51 not (characters, not bytes).
    app.create(ok(json!({ "name": "é".repeat(50) }))).await;
    assert_eq!(
        create_400(&app, ok(json!({ "name": "n".repeat(51) }))).await,
        "name must be at most 50 characters"
    );
    // expiresIn.
    for good in ["5m", "30d", "1w", "24h", "30m", "7d"] {
        app.create(ok(json!({ "expiresIn": good }))).await;
    }
    for (bad, msg) in [
        ("4m", "Expiration time cannot be less than 5 minutes"),
        ("31d", "Expiration time cannot exceed 30 days"),
        ("5w", "Expiration time cannot exceed 30 days"),
        ("garbage", "Invalid duration format"),
        ("", "Invalid duration format"),
        ("10", "Invalid duration format"),
    ] {
        assert_eq!(
            create_400(&app, ok(json!({ "expiresIn": bad }))).await,
            msg,
            "{bad}"
        );
    }
    // maxViews.
    app.create(ok(json!({ "maxViews": 1 }))).await;
    let most = app.create(ok(json!({ "maxViews": 1_000_000 }))).await;
    let most = app.get(most["id"].as_str().unwrap()).await.json();
    assert_eq!(most["expiresAfterViews"], 1_000_000);
    for bad in [
        json!(0),
        json!(-1),
        json!(1.5),
        json!("2"),
        json!(true),
        json!(1e20),
        json!(1_000_001),
        json!(4_294_967_295u64),
        json!(4_294_967_296u64),
    ] {
        create_400(&app, ok(json!({ "maxViews": bad }))).await;
    }
    assert_eq!(
        create_400(&app, ok(json!({ "maxViews": 4_294_967_295u64 }))).await,
        "maxViews must be at most 1000000"
    );
    // password.
    assert_eq!(
        create_400(&app, ok(json!({ "password": "" }))).await,
        "password must not be empty"
    );
    create_400(&app, ok(json!({ "password": "p".repeat(1025) }))).await;
    app.create(ok(json!({ "password": "p".repeat(1024) })))
        .await;
    // accessType / e-mails: the policy (401) comes first, so an anonymous caller's list is
    // never read; lists are validated (400) only for callers who may send one.
    let emails = |n: usize| {
        (0..n)
            .map(|i| format!("user{i}@example.com"))
            .collect::<Vec<_>>()
    };
    let r = app
        .try_create(ok(json!({ "authorizedEmails": emails(100) })))
        .await;
    assert_eq!(
        r.assert_error(401),
        "Authentication required to create organization or email-restricted secrets"
    );
    assert!(r.json().get("details").is_none());
    let r = app
        .try_create(ok(json!({ "authorizedEmails": emails(101) })))
        .await;
    r.assert_error(401);
    let mut dup = emails(100);
    dup.push("USER7@example.com".into());
    let r = app.try_create(ok(json!({ "authorizedEmails": dup }))).await;
    r.assert_error(401); // 100 after de-duplication: valid, but needs an account
    let r = app
        .try_create(ok(json!({ "accessType": "organization" })))
        .await;
    r.assert_error(401);
    app.create(ok(json!({ "accessType": "anyone" }))).await;
    create_400(&app, ok(json!({ "accessType": "everyone" }))).await;
    assert_eq!(
        create_400(&app, ok(json!({ "allowExternalEmails": true }))).await,
        "Emails are required when allowing external emails"
    );
    let r = app.try_create(ok(
                json!({ "allowExternalEmails": true, "authorizedEmails": ["a@example.com"], "accessType": "organization" }),
            )).await;
    r.assert_error(401);
    app.create(ok(json!({ "allowExternalEmails": false })))
        .await;
    // secretValue must be an envelope.
    for bad in [
        json!("my plaintext password"),
        json!(""),
        json!(format!("{}x", env)),
        json!(envelope(4, 1)),
    ] {
        assert!(
            create_400(&app, json!({ "secretValue": bad }))
                .await
                .starts_with("secretValue must be a zkshare envelope")
        );
    }
    // Several broken fields: the first is the message, all are in details.
    let r = app
        .try_create(json!({ "secretValue": "x", "expiresIn": "1y", "name": "n".repeat(60) }))
        .await;
    r.assert_error(400);
    assert_eq!(r.json()["details"].as_array().unwrap().len(), 3);
}

async fn envelope_length_limit(kind: StoreKind) {
    let app = TestApp::new(kind).await;
    let largest = largest_envelope();
    let v = app
        .create(json!({ "secretValue": largest, "password": verifier() }))
        .await;
    let id = v["id"].as_str().unwrap();
    // GET does not carry the body; access returns it whole.
    let m = app.get(id).await;
    assert!(m.text.len() < 2_000);
    assert_eq!(m.json()["envelopeHeader"].as_str().unwrap().len(), 62);
    let too_long = format!("{largest}A");
    assert_eq!(too_long.len(), 53_691);
    assert!(
        create_400(&app, json!({ "secretValue": too_long }))
            .await
            .starts_with("secretValue is too long")
    );
}

async fn names_with_control_or_bidi_characters_are_refused(kind: StoreKind) {
    let app = TestApp::new(kind).await;
    let mut refused: Vec<char> = (0x00..=0x1f)
        .chain(0x7f..=0x9f)
        .filter_map(char::from_u32)
        .collect();
    refused.extend([
        '\u{061C}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}',
        '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
    ]);
    for c in refused {
        let name = format!("deploy{c}key");
        let r = app
            .try_create(json!({ "secretValue": small_envelope(), "name": name }))
            .await;
        assert_eq!(
            r.assert_error(400),
            "name must not contain control or bidirectional formatting characters",
            "U+{:04X}",
            c as u32
        );
        assert_eq!(r.json()["details"][0]["path"][0], "name");
    }
    // Ordinary text, right-to-left scripts and emoji stay allowed.
    for name in [
        "déploiement ✓",
        "מפתח API",
        "مفتاح",
        "key 🔑",
        "tab-free name",
    ] {
        let v = app
            .create(json!({ "secretValue": small_envelope(), "name": name }))
            .await;
        assert_eq!(v["name"], name);
    }
}

async fn anonymous_email_lists_are_refused_before_they_are_read(kind: StoreKind) {
    let app = TestApp::new(kind).await;
    // About the most a 128 KiB body can carry: refused by the policy, not validated one by one.
    let emails: Vec<String> = (0..8_000).map(|i| format!("u{i}@ex.co")).collect();
    let body = json!({ "secretValue": small_envelope(), "authorizedEmails": emails });
    assert!(serde_json::to_vec(&body).unwrap().len() < zkshare_server::BODY_LIMIT_BYTES);
    let r = app.try_create(body).await;
    assert_eq!(
        r.assert_error(401),
        "Authentication required to create organization or email-restricted secrets"
    );
    let r = app
        .try_create(
            json!({ "secretValue": small_envelope(), "authorizedEmails": ["not-an-email"] }),
        )
        .await;
    r.assert_error(401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creates_beyond_the_hourly_quota_get_429_with_the_error_body() {
    let mut config = test_config();
    config.creates_per_hour = 3;
    let app = TestApp::with_config(StoreKind::Embedded, config).await;
    let mut ids = Vec::new();
    for path in [
        "/api/v1/shared-secrets",
        "/api/v1/shared-secrets/public",
        "/api/v1/shared-secrets",
    ] {
        let r = app
            .call(
                Method::POST,
                path,
                Some(json!({ "secretValue": small_envelope() })),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        ids.push(r.json()["id"].as_str().unwrap().to_string());
    }
    for path in ["/api/v1/shared-secrets", "/api/v1/shared-secrets/public"] {
        let r = app
            .call(
                Method::POST,
                path,
                Some(json!({ "secretValue": small_envelope() })),
            )
            .await;
        assert_eq!(
            r.assert_error(429),
            "Too many secrets created from this address; try again later"
        );
        let retry: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=1200).contains(&retry), "{retry}");
    }
    // Reading is not creating: the quota does not touch the other routes.
    assert_eq!(app.get(&ids[0]).await.status, 200);
    assert_eq!(app.access(&ids[0], None).await.status, 200);
    // Another client has its own quota.
    let mut other = Request::post("/api/v1/shared-secrets")
        .header("content-type", "application/json")
        .body(Body::from(
            json!({ "secretValue": small_envelope() }).to_string(),
        ))
        .unwrap();
    other
        .extensions_mut()
        .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
            [192, 0, 2, 7],
            5000,
        ))));
    assert_eq!(app.raw(other).await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ipv6_clients_rotating_through_their_slash_64s_share_the_slash_48s_limit() {
    let mut config = test_config();
    config.rate_limit_per_second = 1;
    config.rate_limit_burst = 2;
    let app = TestApp::with_config(StoreKind::Embedded, config).await;
    let from = |ip: std::net::IpAddr| {
        let mut r = Request::get("/api/v1/shared-secrets/AAAAAAAAAAAAAAAAAAAAAA")
            .body(Body::empty())
            .unwrap();
        r.extensions_mut()
            .insert(axum::extract::ConnectInfo(std::net::SocketAddr::new(
                ip, 5000,
            )));
        r
    };
    // One /64: its own burst of 2.
    let one: std::net::IpAddr = "2001:db8:1:1::1".parse().unwrap();
    assert_eq!(app.raw(from(one)).await.status, 404);
    assert_eq!(app.raw(from(one)).await.status, 404);
    app.raw(from(one)).await.assert_error(429);
    // A new /64 for every request, all in one /48: the /48 runs out after 8 × 2 requests
    // (minus the 2 already spent above), whatever the /64.
    let mut statuses = Vec::new();
    for i in 0..40u16 {
        let ip = std::net::IpAddr::V6(std::net::Ipv6Addr::new(
            0x2001,
            0xdb8,
            1,
            100 + i,
            0,
            0,
            0,
            1,
        ));
        statuses.push(app.raw(from(ip)).await.status.as_u16());
    }
    let allowed = statuses.iter().filter(|s| **s == 404).count();
    assert!(
        (13..=16).contains(&allowed),
        "{allowed} of 40 /64s got through: {statuses:?}"
    );
    assert_eq!(statuses.last(), Some(&429));
    // Another /48 is not affected.
    let elsewhere: std::net::IpAddr = "2001:db8:2::1".parse().unwrap();
    assert_eq!(app.raw(from(elsewhere)).await.status, 404);
}
