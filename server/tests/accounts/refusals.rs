//! What accounts refuse: wrong and unknown logins alike, expired and reused codes, expired and revoked sessions, cross-site posts, non-admins, removed members, other organizations, and the login lockout.

use std::time::Instant;

use axum::http::{Method, StatusCode};
use serde_json::json;
use zkshare_server::accounts::sessions::Rejected;
use zkshare_server::accounts::users::{MAX_ACCOUNT_FAILURES, MAX_CLIENT_FAILURES};
use zkshare_server::now_millis;

use super::*;

on_every_store!(
    a_wrong_password_and_an_unknown_address_get_the_same_answer,
    codes_expire_work_once_and_die_after_five_wrong_tries,
    sessions_end_when_idle_at_their_age_at_logout_and_everywhere,
    a_cross_site_post_with_the_cookie_is_refused,
    only_admins_manage_and_a_removed_member_loses_access_at_once,
    wrong_logins_lock_the_account_then_the_client,
    sign_ups_follow_the_configured_mode,
);

fn login_body(email: &str, password: &str) -> Option<serde_json::Value> {
    Some(json!({ "email": email, "password": password }))
}

/// The error body without its request id.
fn without_req_id(r: &Reply) -> serde_json::Value {
    let mut v = r.json();
    v.as_object_mut().unwrap().remove("reqId");
    v
}

async fn a_wrong_password_and_an_unknown_address_get_the_same_answer(kind: StoreKind) {
    let w = World::new(kind).await;
    w.sign_up("erin@example.com").await;
    let mut wrong_ms = Vec::new();
    let mut unknown_ms = Vec::new();
    let mut bodies = Vec::new();
    for round in 0..3 {
        for (email, times) in [
            ("erin@example.com", &mut wrong_ms),
            ("nobody@example.com", &mut unknown_ms),
        ] {
            let start = Instant::now();
            let r = w
                .send(
                    Method::POST,
                    "/api/v1/auth/login",
                    login_body(email, &format!("not it {round} xx")),
                    &[],
                )
                .await;
            times.push(start.elapsed().as_secs_f64() * 1e3);
            assert_eq!(r.assert_error(401), "Invalid e-mail or password");
            assert!(r.headers.get("set-cookie").is_none());
            bodies.push(without_req_id(&r));
        }
    }
    assert!(bodies.windows(2).all(|p| p[0] == p[1]), "{bodies:?}");
    // Both run Argon2id: an unknown address is not answered faster than a known one.
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (wrong, unknown) = (median(&mut wrong_ms), median(&mut unknown_ms));
    assert!(
        unknown > wrong * 0.5,
        "unknown address {unknown:.1} ms vs wrong password {wrong:.1} ms"
    );
}

async fn codes_expire_work_once_and_die_after_five_wrong_tries(kind: StoreKind) {
    let w = World::new(kind).await;
    let accounts = w.accounts();
    let verify = |email: &'static str, code: String| {
        let w = &w;
        async move {
            w.send(
                Method::POST,
                "/api/v1/auth/verify",
                Some(json!({ "email": email, "code": code })),
                &[],
            )
            .await
        }
    };
    let sign_up = |email: &'static str| {
        let w = &w;
        async move {
            let r = w
                .send(
                    Method::POST,
                    "/api/v1/auth/signup",
                    login_body(email, PASSWORD),
                    &[],
                )
                .await;
            assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
            code_in(&w.wait_mail(email, 1).await.body)
        }
    };

    // Expired: 15 minutes and one second later (the server's clock decides, on every store).
    let code = sign_up("late@example.com").await;
    let later = now_millis() + 15 * 60_000 + 1_000;
    let expired = accounts
        .verify_sign_up("late@example.com", &code, later)
        .await;
    assert!(expired.is_err(), "an expired code was accepted");

    // Reused: the second use of a right code is refused.
    let code = sign_up("once@example.com").await;
    assert_eq!(
        verify("once@example.com", code.clone()).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        verify("once@example.com", code).await.assert_error(401),
        "Invalid or expired verification code"
    );

    // Five wrong codes void the sign-up: the right one no longer works.
    let code = sign_up("guess@example.com").await;
    let wrong = if code == "00000000" {
        "11111111"
    } else {
        "00000000"
    };
    for _ in 0..5 {
        verify("guess@example.com", wrong.to_string())
            .await
            .assert_error(401);
    }
    verify("guess@example.com", code).await.assert_error(401);
    // And a code is bound to its address.
    let code = sign_up("mine@example.com").await;
    verify("once@example.com", code).await.assert_error(401);
}

async fn sessions_end_when_idle_at_their_age_at_logout_and_everywhere(kind: StoreKind) {
    let w = World::new(kind).await;
    let accounts = w.accounts();
    let fay = w.sign_up("fay@example.com").await;
    let token = fay.cookie.split_once('=').unwrap().1.to_string();
    let settings = w.app.config.account_settings();
    let now = now_millis();
    // Idle: unused for the idle lifetime.
    assert!(matches!(
        accounts
            .principal_for_session(&token, None, now + settings.session_idle_ms + 1_000)
            .await,
        Err(Rejected::Invalid)
    ));
    // Absolute: even when used every hour, it ends at its age limit.
    let mut t = now;
    while t < now + settings.session_absolute_ms - 3_600_000 {
        t += 3_600_000;
        assert!(
            accounts
                .principal_for_session(&token, None, t)
                .await
                .is_ok(),
            "at +{} h",
            (t - now) / 3_600_000
        );
    }
    assert!(matches!(
        accounts
            .principal_for_session(&token, None, now + settings.session_absolute_ms + 1_000)
            .await,
        Err(Rejected::Invalid)
    ));

    // A second session (CLI token) and "log out everywhere".
    let token2 = w
        .send(
            Method::POST,
            "/api/v1/auth/token",
            login_body("fay@example.com", PASSWORD),
            &[],
        )
        .await
        .json()["accessToken"]
        .as_str()
        .unwrap()
        .to_string();
    let bearer = format!("Bearer {token2}");
    let me = w
        .send(
            Method::GET,
            "/api/v1/auth/me",
            None,
            &[("authorization", &bearer)],
        )
        .await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    let fresh = w
        .send(
            Method::POST,
            "/api/v1/auth/login",
            login_body("fay@example.com", PASSWORD),
            &[],
        )
        .await;
    let fresh = User {
        cookie: cookie_of(&fresh),
        ..fay.clone()
    };
    let all = w
        .as_user(&fresh, Method::POST, "/api/v1/auth/logout-all", None)
        .await;
    assert_eq!(all.status, StatusCode::NO_CONTENT);
    assert_eq!(
        w.send(
            Method::GET,
            "/api/v1/auth/me",
            None,
            &[("authorization", &bearer)]
        )
        .await
        .assert_error(401),
        "Invalid or expired access token"
    );
    w.as_user(&fresh, Method::GET, "/api/v1/auth/me", None)
        .await
        .assert_error(401);
    // A stale cookie makes a request anonymous, not broken: anonymous shares still work.
    let anon = w
        .create_share(&[("cookie", &fresh.cookie), ("origin", ORIGIN)], json!({}))
        .await;
    assert_eq!(anon.status, StatusCode::OK, "{}", anon.text);
    assert_eq!(anon.json()["userId"], json!(null));
}

async fn a_cross_site_post_with_the_cookie_is_refused(kind: StoreKind) {
    let w = World::new(kind).await;
    let gus = w.sign_up("gus@example.com").await;
    let create = |headers: Vec<(&'static str, String)>| {
        let w = &w;
        async move {
            let h: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
            w.send(
                Method::POST,
                "/api/v1/organizations",
                Some(json!({ "name": "X" })),
                &h,
            )
            .await
        }
    };
    for evil in [
        vec![
            ("cookie", gus.cookie.clone()),
            ("origin", "https://evil.example".to_string()),
        ],
        vec![
            ("cookie", gus.cookie.clone()),
            ("origin", "null".to_string()),
        ],
        vec![
            ("cookie", gus.cookie.clone()),
            ("sec-fetch-site", "cross-site".to_string()),
        ],
        vec![
            ("cookie", gus.cookie.clone()),
            ("origin", "http://zkshare.test".to_string()),
        ],
    ] {
        let r = create(evil.clone()).await;
        let message = r.assert_error(403);
        assert!(
            message.starts_with("Cross-site request refused"),
            "{evil:?}: {message}"
        );
    }
    // Nothing was created by those.
    let me = w
        .as_user(&gus, Method::GET, "/api/v1/auth/me", None)
        .await
        .json();
    assert_eq!(me["user"]["organizations"], json!([]));
    // The site's own page, and a same-origin fetch without Origin, go through.
    assert_eq!(
        create(vec![
            ("cookie", gus.cookie.clone()),
            ("origin", ORIGIN.to_string())
        ])
        .await
        .status,
        StatusCode::CREATED
    );
    assert_eq!(
        create(vec![
            ("cookie", gus.cookie.clone()),
            ("sec-fetch-site", "same-origin".to_string())
        ])
        .await
        .status,
        StatusCode::CREATED
    );
    // Logout is state-changing too.
    let r = w
        .send(
            Method::POST,
            "/api/v1/auth/logout",
            None,
            &[("cookie", &gus.cookie), ("origin", "https://evil.example")],
        )
        .await;
    r.assert_error(403);
    assert_eq!(
        w.as_user(&gus, Method::GET, "/api/v1/auth/me", None)
            .await
            .status,
        StatusCode::OK
    );
}

async fn only_admins_manage_and_a_removed_member_loses_access_at_once(kind: StoreKind) {
    let w = World::new(kind).await;
    let admin = w.sign_up("hal@example.com").await;
    let org = w.create_org(&admin, "Acme").await;
    let token = w.invite(&admin, &org, "ivy@example.com").await;
    let ivy = w.sign_up("ivy@example.com").await;
    assert_eq!(w.accept(&ivy, &token).await.status, StatusCode::OK);
    let outsider = w.sign_up("jon@example.com").await;

    // A member may not invite, list members or make machine identities; an outsider is no member.
    let invite = format!("/api/v1/organizations/{org}/invites");
    let r = w
        .as_user(
            &ivy,
            Method::POST,
            &invite,
            Some(json!({ "email": "kim@example.com" })),
        )
        .await;
    assert_eq!(
        r.assert_error(403),
        "Only an admin of this organization may do this"
    );
    assert!(w.mail_to("kim@example.com").is_empty());
    let members = format!("/api/v1/organizations/{org}/members");
    w.as_user(&ivy, Method::GET, &members, None)
        .await
        .assert_error(403);
    let identities = format!("/api/v1/organizations/{org}/identities");
    w.as_user(
        &ivy,
        Method::POST,
        &identities,
        Some(json!({ "name": "bot" })),
    )
    .await
    .assert_error(403);
    let r = w.as_user(&outsider, Method::GET, &members, None).await;
    assert_eq!(
        r.assert_error(403),
        "You are not a member of this organization"
    );
    // Acting in another's organization by header is refused.
    let r = w
        .send(
            Method::GET,
            "/api/v1/auth/me",
            None,
            &[("cookie", &outsider.cookie), ("x-organization-id", &org)],
        )
        .await;
    r.assert_error(403);
    // A machine identity cannot manage an organization.
    let made = w
        .as_user(
            &admin,
            Method::POST,
            &identities,
            Some(json!({ "name": "bot" })),
        )
        .await
        .json();
    let token = w
        .send(
            Method::POST,
            "/api/v1/auth/universal-auth/login",
            Some(json!({ "clientId": made["identity"]["clientId"], "clientSecret": made["clientSecret"] })),
            &[],
        )
        .await
        .json()["accessToken"]
        .as_str()
        .unwrap()
        .to_string();
    let r = w
        .send(
            Method::GET,
            &members,
            None,
            &[("authorization", &format!("Bearer {token}"))],
        )
        .await;
    assert_eq!(r.assert_error(401), "Authentication required");

    // The last admin cannot step down or leave.
    let me = format!("/api/v1/organizations/{org}/members/{}", admin.id);
    w.as_user(
        &admin,
        Method::PATCH,
        &me,
        Some(json!({ "role": "member" })),
    )
    .await
    .assert_error(409);
    w.as_user(&admin, Method::DELETE, &me, None)
        .await
        .assert_error(409);

    // An organization share, then Ivy is removed: her very next request is refused.
    let share = w
        .create_share(&[("cookie", &admin.cookie), ("origin", ORIGIN)], json!({}))
        .await;
    let id = share.json()["id"].as_str().unwrap().to_string();
    let access = format!("/api/v1/shared-secrets/{id}/access");
    let metadata = w
        .as_user(
            &ivy,
            Method::GET,
            &format!("/api/v1/shared-secrets/{id}"),
            None,
        )
        .await;
    assert_eq!(metadata.status, StatusCode::OK);
    let removed = w
        .as_user(
            &admin,
            Method::DELETE,
            &format!("/api/v1/organizations/{org}/members/{}", ivy.id),
            None,
        )
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.text);
    let r = w
        .as_user(&ivy, Method::POST, &access, Some(json!({})))
        .await;
    assert_eq!(r.assert_error(403), "You do not have access to this secret");
    let r = w
        .create_share(
            &[("cookie", &ivy.cookie), ("origin", ORIGIN)],
            json!({ "accessType": "organization" }),
        )
        .await;
    r.assert_error(400);
    let r = w
        .send(
            Method::GET,
            "/api/v1/auth/me",
            None,
            &[("cookie", &ivy.cookie), ("x-organization-id", &org)],
        )
        .await;
    r.assert_error(403);
    // The view was not spent by the refusals: the admin still views it.
    let viewed = w
        .as_user(&admin, Method::POST, &access, Some(json!({})))
        .await;
    assert_eq!(viewed.status, StatusCode::OK, "{}", viewed.text);
}

async fn wrong_logins_lock_the_account_then_the_client(kind: StoreKind) {
    // Failures count in 15-minute windows of the clock: a run that crossed into the next
    // window would start counting again, so it starts clear of a window's end.
    clear_of_window_end(zkshare_server::accounts::users::LOGIN_WINDOW_MS, 90_000).await;
    let w = World::new(kind).await;
    w.sign_up("lee@example.com").await;
    let mut statuses = Vec::new();
    for i in 0..100 {
        let r = w
            .send(
                Method::POST,
                "/api/v1/auth/login",
                login_body("lee@example.com", &format!("wrong guess {i}")),
                &[],
            )
            .await;
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            assert_eq!(
                r.assert_error(429),
                "Too many failed logins; try again later"
            );
            assert!(r.headers.get("retry-after").is_some());
        } else {
            r.assert_error(401);
        }
        statuses.push(r.status.as_u16());
    }
    let locked_at = statuses
        .iter()
        .position(|s| *s == 429)
        .expect("the account locked");
    assert_eq!(locked_at as u64, MAX_ACCOUNT_FAILURES, "{statuses:?}");
    assert!(statuses[locked_at..].iter().all(|s| *s == 429));
    // Locked means locked: the right password is refused too, until the window ends.
    w.send(
        Method::POST,
        "/api/v1/auth/login",
        login_body("lee@example.com", PASSWORD),
        &[],
    )
    .await
    .assert_error(429);
    let later = now_millis() + 16 * 60_000;
    assert!(
        w.accounts()
            .check_login("lee@example.com", PASSWORD.into(), "other-client", later)
            .await
            .is_ok()
    );

    // One client guessing many addresses is stopped by the per-client limit.
    let failed_so_far = MAX_ACCOUNT_FAILURES;
    for i in 0..(MAX_CLIENT_FAILURES - failed_so_far) {
        w.send(
            Method::POST,
            "/api/v1/auth/login",
            login_body(&format!("u{i}@example.com"), "wrong guess xx"),
            &[],
        )
        .await
        .assert_error(401);
    }
    w.send(
        Method::POST,
        "/api/v1/auth/login",
        login_body("new@example.com", "wrong guess xx"),
        &[],
    )
    .await
    .assert_error(429);
}

async fn sign_ups_follow_the_configured_mode(kind: StoreKind) {
    use zkshare_server::accounts::Signups;
    let closed = World::with(kind, |c| c.signups = Signups::Closed).await;
    let r = closed
        .send(
            Method::POST,
            "/api/v1/auth/signup",
            login_body("m@example.com", PASSWORD),
            &[],
        )
        .await;
    assert_eq!(r.assert_error(403), "Sign-ups are closed on this server");
    assert!(closed.sink.messages().is_empty());

    let w = World::with(kind, |c| c.signups = Signups::InviteOnly).await;
    w.send(
        Method::POST,
        "/api/v1/auth/signup",
        login_body("n@example.com", PASSWORD),
        &[],
    )
    .await
    .assert_error(403);
    // An admin (signed up through an open service over the same store) invites; only the
    // invited address may then sign up.
    let mailer = Mailer::from_config(&w.app.config).unwrap().map(Arc::new);
    let open = Accounts::new(
        Arc::clone(&w.app.store) as Arc<dyn zkshare_server::store::KvStore>,
        mailer,
        zkshare_server::accounts::Settings {
            signups: Signups::Open,
            ..w.app.config.account_settings()
        },
    );
    let now = now_millis();
    open.sign_up("admin@example.com", PASSWORD.into(), None, now)
        .await
        .unwrap();
    let code = code_in(&w.wait_mail("admin@example.com", 1).await.body);
    let session = open
        .verify_sign_up("admin@example.com", &code, now)
        .await
        .unwrap();
    let admin = User {
        email: "admin@example.com".into(),
        cookie: format!("__Host-zkshare_session={}", session.token),
        id: session.user.id.to_string(),
    };
    let org = w.create_org(&admin, "Invite only").await;
    let token = w.invite(&admin, &org, "o@example.com").await;
    let with = |email: &'static str| {
        let w = &w;
        let token = token.clone();
        async move {
            w.send(
                Method::POST,
                "/api/v1/auth/signup",
                Some(json!({ "email": email, "password": PASSWORD, "inviteToken": token })),
                &[],
            )
            .await
        }
    };
    with("p@example.com").await.assert_error(403);
    assert_eq!(with("o@example.com").await.status, StatusCode::ACCEPTED);
}

/// Sleeps into the next window of `window_ms` (windows start at multiples of it, as the
/// server's failure counters do) when fewer than `margin_ms` of the current one are left.
async fn clear_of_window_end(window_ms: i64, margin_ms: i64) {
    let left = window_ms - now_millis().rem_euclid(window_ms);
    if left < margin_ms {
        tokio::time::sleep(std::time::Duration::from_millis(left as u64 + 50)).await;
    }
}
