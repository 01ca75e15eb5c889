//! Restricted shares through the HTTP router on every store: authorized e-mails (members and external recipients, mails over real SMTP), organization sharing settings, the creator's list, delete, access log and read receipts, and races.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use super::*;

on_every_store!(
    a_share_e_mailed_to_members_opens_for_them_only,
    e_mailed_shares_need_a_password_mode_envelope_and_members,
    an_external_recipient_opens_with_the_token_of_their_link,
    organization_settings_limit_what_members_create,
    the_creator_lists_deletes_and_reads_the_access_log,
    a_race_of_members_on_a_k_view_share_gets_exactly_k,
    a_member_removed_during_a_race_is_refused_after,
);

/// An organization "Acme" of alice (admin) and bob (member), and carol in "Other".
struct Team {
    alice: User,
    bob: User,
    carol: User,
    org: String,
}

async fn team(w: &World) -> Team {
    let alice = w.sign_up("alice@example.com").await;
    let org = w.create_org(&alice, "Acme").await;
    let token = w.invite(&alice, &org, "bob@example.com").await;
    let bob = w.sign_up("bob@example.com").await;
    let r = w.accept(&bob, &token).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let carol = w.sign_up("carol@example.com").await;
    w.create_org(&carol, "Other").await;
    Team {
        alice,
        bob,
        carol,
        org,
    }
}

fn cookie(user: &User) -> [(&str, &str); 2] {
    [("cookie", user.cookie.as_str()), ("origin", ORIGIN)]
}

/// A password-mode share by `user` with `extra` fields; returns (id, verifier, envelope).
async fn mailed_share(w: &World, user: &User, extra: Value) -> (String, String, String) {
    let verifier = verifier();
    let envelope = envelope(3, 1);
    let mut body = json!({ "secretValue": envelope, "password": verifier, "expiresIn": "1h" });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let r = w
        .send(
            Method::POST,
            "/api/v1/shared-secrets",
            Some(body),
            &cookie(user),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    (
        r.json()["id"].as_str().unwrap().to_string(),
        verifier,
        envelope,
    )
}

async fn access(w: &World, id: &str, headers: &[(&str, &str)], body: Value) -> Reply {
    w.send(
        Method::POST,
        &format!("/api/v1/shared-secrets/{id}/access"),
        Some(body),
        headers,
    )
    .await
}

/// The raw bytes of a secret's record on Redis (`None` on the embedded store).
async fn raw_record(w: &World, id: &str) -> Option<Vec<u8>> {
    let mut inspector = w.app.inspector().await?;
    redis::cmd("GET")
        .arg(zkshare_server::store::redis::secret_key(id))
        .query_async(&mut inspector)
        .await
        .unwrap()
}

async fn a_share_e_mailed_to_members_opens_for_them_only(kind: StoreKind) {
    let w = World::new(kind).await;
    let t = team(&w).await;
    let before = w.mail_to("bob@example.com").len();
    let (id, key_proof, envelope) = mailed_share(
        &w,
        &t.alice,
        json!({ "authorizedEmails": ["Bob@Example.com"], "name": "db password", "maxViews": 2 }),
    )
    .await;

    // Bob's mail: a keyless link, the sender, the name; no key, password or ciphertext.
    let mail = w.wait_mail("bob@example.com", before + 1).await;
    assert!(mail.tls, "recipient mail goes over TLS");
    assert!(
        mail.raw.contains("A secret has been shared with you"),
        "{}",
        mail.raw
    );
    assert!(
        mail.body
            .contains(&format!("https://zkshare.test/s/{id}\n")),
        "{}",
        mail.body
    );
    assert!(
        !mail.body.contains(&format!("/s/{id}#")),
        "no fragment: {}",
        mail.body
    );
    assert!(mail.body.contains("alice@example.com"));
    assert!(mail.body.contains("db password"));
    for leak in [key_proof.as_str(), envelope.as_str(), &envelope[..40]] {
        assert!(!mail.raw.contains(leak), "the mail carries {leak}");
    }
    // The store keeps digests, not the address.
    if let Some(raw) = raw_record(&w, &id).await {
        assert!(!raw.windows(15).any(|w| w == b"bob@example.com"));
    }

    let ok = json!({ "password": key_proof });
    let anon = access(&w, &id, &[], ok.clone()).await;
    assert_eq!(
        anon.assert_error(401),
        "Authentication required to view this secret"
    );
    // The check order of the reference: the organization first (carol is in another), then
    // the addresses (alice, the creator, is in the organization but not listed).
    let r = access(&w, &id, &cookie(&t.carol), ok.clone()).await;
    assert_eq!(r.assert_error(403), "You do not have access to this secret");
    let r = access(&w, &id, &cookie(&t.alice), ok.clone()).await;
    assert_eq!(
        r.assert_error(403),
        "You are not authorized to view this secret"
    );
    // Nothing was spent by the refusals; bob with a wrong password is counted, then views.
    let wrong = access(&w, &id, &cookie(&t.bob), json!({ "password": verifier() })).await;
    assert_eq!(wrong.assert_error(401), "Invalid credentials");
    let viewed = access(&w, &id, &cookie(&t.bob), ok.clone()).await;
    assert_eq!(viewed.status, StatusCode::OK, "{}", viewed.text);
    assert_eq!(viewed.json()["secretValue"], json!(envelope));
    assert_eq!(viewed.json()["expiresAfterViews"], json!(2));
    // Metadata tells a page that the share is for recipients, never who they are.
    let meta = w
        .send(
            Method::GET,
            &format!("/api/v1/shared-secrets/{id}"),
            None,
            &[],
        )
        .await
        .json();
    assert_eq!(meta["recipientCount"], json!(1));
    assert_eq!(meta["authorizedEmails"], json!(null));
}

async fn e_mailed_shares_need_a_password_mode_envelope_and_members(kind: StoreKind) {
    let w = World::new(kind).await;
    let t = team(&w).await;
    let create = |body: Value, who: Option<User>| {
        let w = &w;
        async move {
            let headers: Vec<(&str, &str)> = match &who {
                Some(u) => vec![("cookie", u.cookie.as_str()), ("origin", ORIGIN)],
                None => Vec::new(),
            };
            w.send(Method::POST, "/api/v1/shared-secrets", Some(body), &headers)
                .await
        }
    };
    let to_bob = json!(["bob@example.com"]);
    // No password.
    let r = create(
        json!({ "secretValue": envelope(3, 1), "authorizedEmails": to_bob }),
        Some(t.alice.clone()),
    )
    .await;
    assert!(
        r.assert_error(400)
            .starts_with("A password is required to share a secret by email")
    );
    // A key-mode envelope: the mailed link would need the key the server never has.
    let r = create(
        json!({ "secretValue": envelope(1, 1), "password": verifier(), "authorizedEmails": to_bob }),
        Some(t.alice.clone()),
    )
    .await;
    assert!(
        r.assert_error(400)
            .starts_with("Secrets shared by email must be sealed in password mode")
    );
    // An address outside the organization without allowExternalEmails.
    let r = create(
        json!({ "secretValue": envelope(3, 1), "password": verifier(),
                "authorizedEmails": ["carol@example.com", "bob@example.com"] }),
        Some(t.alice.clone()),
    )
    .await;
    assert!(
        r.assert_error(400)
            .starts_with("Every email must belong to a member")
    );
    assert_eq!(
        r.json()["details"][0]["emails"],
        json!(["carol@example.com"])
    );
    // The reference's rules on allowExternalEmails.
    let r = create(
        json!({ "secretValue": envelope(3, 1), "password": verifier(), "allowExternalEmails": true }),
        Some(t.alice.clone()),
    )
    .await;
    assert_eq!(
        r.assert_error(400),
        "Emails are required when allowing external emails"
    );
    let r = create(
        json!({ "secretValue": envelope(3, 1), "password": verifier(), "allowExternalEmails": true,
                "authorizedEmails": ["x@outside.test"], "accessType": "organization" }),
        Some(t.alice.clone()),
    )
    .await;
    assert_eq!(
        r.assert_error(400),
        "Cannot allow external emails when access is restricted to organization members"
    );
    // Anonymous callers cannot restrict to addresses.
    let r = create(
        json!({ "secretValue": envelope(3, 1), "password": verifier(), "authorizedEmails": to_bob }),
        None,
    )
    .await;
    r.assert_error(401);
    // No mail went out for any refused create.
    assert!(
        w.mail_to("bob@example.com")
            .iter()
            .all(|m| !m.raw.contains("A secret has been shared"))
    );
    assert!(
        w.mail_to("carol@example.com")
            .iter()
            .all(|m| !m.raw.contains("A secret has been shared"))
    );
}

async fn an_external_recipient_opens_with_the_token_of_their_link(kind: StoreKind) {
    let w = World::new(kind).await;
    let t = team(&w).await;
    let (id, proof, _) = mailed_share(
        &w,
        &t.alice,
        json!({ "authorizedEmails": ["ext@outside.test", "bob@example.com"],
                "allowExternalEmails": true, "accessType": "anyone" }),
    )
    .await;
    let mail = w.wait_mail("ext@outside.test", 1).await;
    let token = link_token(&mail.body, &format!("/s/{id}#r="));
    assert_eq!(token.len(), 43, "{}", mail.body);
    assert!(!mail.raw.contains(&proof));
    // Bob's link carries his own token.
    let bob_mail = w
        .mail_to("bob@example.com")
        .into_iter()
        .find(|m| m.raw.contains("A secret has been shared"))
        .unwrap();
    let bob_token = link_token(&bob_mail.body, &format!("/s/{id}#r="));
    assert_ne!(bob_token, token);

    // The link without the token, or with another share's token: refused, nothing spent.
    let (other, _, _) = mailed_share(
        &w,
        &t.alice,
        json!({ "authorizedEmails": ["ext@outside.test"], "allowExternalEmails": true,
                "accessType": "anyone" }),
    )
    .await;
    let other_mail = w.wait_mail("ext@outside.test", 2).await;
    let other_token = link_token(&other_mail.body, &format!("/s/{other}#r="));
    for body in [
        json!({ "password": proof }),
        json!({ "password": proof, "recipientToken": other_token }),
        json!({ "password": proof, "recipientToken": "x" }),
    ] {
        let r = access(&w, &id, &[], body).await;
        assert_eq!(
            r.assert_error(401),
            "Authentication required to view this secret"
        );
    }
    // The token and a wrong password: a counted failure.
    let r = access(
        &w,
        &id,
        &[],
        json!({ "password": verifier(), "recipientToken": token }),
    )
    .await;
    assert_eq!(r.assert_error(401), "Invalid credentials");
    assert_eq!(r.json()["attemptsLeft"], json!(4), "{}", r.text);
    // The token and the password open it; so does bob signed in, without a token.
    let r = access(
        &w,
        &id,
        &[],
        json!({ "password": proof, "recipientToken": token }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = access(&w, &id, &cookie(&t.bob), json!({ "password": proof })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // Carol (signed in, not listed, no token) is refused as a non-recipient.
    let r = access(&w, &id, &cookie(&t.carol), json!({ "password": proof })).await;
    assert_eq!(
        r.assert_error(403),
        "You are not authorized to view this secret"
    );
}

async fn organization_settings_limit_what_members_create(kind: StoreKind) {
    let w = World::new(kind).await;
    let t = team(&w).await;
    let path = format!("/api/v1/organizations/{}/secret-sharing", t.org);
    // Members read the settings (they shape the form); only admins change them.
    let r = w.as_user(&t.bob, Method::GET, &path, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.json(),
        json!({ "allowSecretSharingOutsideOrganization": true, "maxSharedSecretLifetime": null,
                "maxSharedSecretViewLimit": null, "requireSharedSecretPassword": false })
    );
    let change = json!({ "maxSharedSecretLifetime": 3600 });
    w.as_user(&t.bob, Method::PATCH, &path, Some(change.clone()))
        .await
        .assert_error(403);
    w.as_user(&t.carol, Method::PATCH, &path, Some(change.clone()))
        .await
        .assert_error(403);
    w.as_user(&t.carol, Method::GET, &path, None)
        .await
        .assert_error(403);
    for bad in [
        json!({ "maxSharedSecretLifetime": 299 }),
        json!({ "maxSharedSecretLifetime": 2_592_001 }),
        json!({ "maxSharedSecretViewLimit": 0 }),
        json!({ "maxSharedSecretViewLimit": 1001 }),
        json!({ "colour": "red" }),
    ] {
        w.as_user(&t.alice, Method::PATCH, &path, Some(bad))
            .await
            .assert_error(400);
    }
    let set = |body: Value| {
        let (w, alice, path) = (&w, &t.alice, &path);
        async move {
            let r = w.as_user(alice, Method::PATCH, path, Some(body)).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            r.json()
        }
    };
    let bob_headers = cookie(&t.bob);
    let as_bob = |extra: Value| w.create_share(&bob_headers, extra);

    set(json!({ "maxSharedSecretLifetime": 3600 })).await;
    assert_eq!(
        as_bob(json!({ "expiresIn": "1h" })).await.status,
        StatusCode::OK
    );
    assert_eq!(
        as_bob(json!({ "expiresIn": "61m" }))
            .await
            .assert_error(400),
        "Secret lifetime exceeds organization limit"
    );

    let now = set(json!({ "maxSharedSecretLifetime": null, "maxSharedSecretViewLimit": 3 })).await;
    assert_eq!(now["maxSharedSecretLifetime"], json!(null));
    assert_eq!(
        as_bob(json!({ "maxViews": 3 })).await.status,
        StatusCode::OK
    );
    for extra in [json!({ "maxViews": 4 }), json!({})] {
        assert_eq!(
            as_bob(extra).await.assert_error(400),
            "Secret max views parameter exceeds organization limit"
        );
    }

    set(
        json!({ "maxSharedSecretViewLimit": null, "allowSecretSharingOutsideOrganization": false }),
    )
    .await;
    assert_eq!(
        as_bob(json!({})).await.status,
        StatusCode::OK,
        "organization is fine"
    );
    assert_eq!(
        as_bob(json!({ "accessType": "anyone" }))
            .await
            .assert_error(400),
        "Organization does not allow sharing secrets to members outside of this organization"
    );

    set(json!({ "allowSecretSharingOutsideOrganization": true, "requireSharedSecretPassword": true }))
        .await;
    assert_eq!(
        as_bob(json!({})).await.assert_error(400),
        "This organization requires a password on every shared secret"
    );
    // A verifier alone is no password (mode key derives it from the link); a password mode is.
    assert_eq!(
        as_bob(json!({ "password": verifier() }))
            .await
            .assert_error(400),
        "This organization requires a password on every shared secret"
    );
    let r = as_bob(json!({ "secretValue": envelope(3, 1), "password": verifier() })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // Anonymous shares know no organization's settings.
    assert_eq!(w.create_share(&[], json!({})).await.status, StatusCode::OK);
}

async fn the_creator_lists_deletes_and_reads_the_access_log(kind: StoreKind) {
    let w = World::new(kind).await;
    let t = team(&w).await;
    let list = |user: &User, query: &str| {
        let (w, user, path) = (&w, user.clone(), format!("/api/v1/shared-secrets{query}"));
        async move { w.as_user(&user, Method::GET, &path, None).await }
    };
    // Empty, then three of alice's, newest first; bob's are not in her list.
    let r = list(&t.alice, "").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json(), json!({ "secrets": [], "totalCount": 0 }));
    let mut ids = Vec::new();
    for (i, extra) in [
        json!({ "name": "first" }),
        json!({ "name": "second", "maxViews": 1, "notifyOnView": true }),
        json!({ "name": "third" }),
    ]
    .into_iter()
    .enumerate()
    {
        let r = w.create_share(&cookie(&t.alice), extra).await;
        assert_eq!(r.status, StatusCode::OK, "{i}: {}", r.text);
        ids.push(r.json()["id"].as_str().unwrap().to_string());
        tokio::time::sleep(std::time::Duration::from_millis(3)).await;
    }
    w.create_share(&cookie(&t.bob), json!({})).await;
    let all = list(&t.alice, "").await.json();
    assert_eq!(all["totalCount"], json!(3));
    let names: Vec<&str> = all["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["third", "second", "first"]);
    let page = list(&t.alice, "?offset=1&limit=1").await.json();
    assert_eq!(page["totalCount"], json!(3));
    assert_eq!(page["secrets"][0]["name"], "second");
    for bad in [
        "?limit=0",
        "?limit=101",
        "?offset=-1",
        "?limit=x",
        "?other=1",
    ] {
        list(&t.alice, bad).await.assert_error(400);
    }
    w.send(Method::GET, "/api/v1/shared-secrets", None, &[])
        .await
        .assert_error(401);

    // Bob views the one-view share with read receipts: it leaves the list, alice gets a mail.
    let before = w.mail_to("alice@example.com").len();
    let refused = access(&w, &ids[1], &cookie(&t.carol), json!({})).await;
    refused.assert_error(403);
    let viewed = access(&w, &ids[1], &cookie(&t.bob), json!({})).await;
    assert_eq!(viewed.status, StatusCode::OK, "{}", viewed.text);
    let receipt = w.wait_mail("alice@example.com", before + 1).await;
    assert!(
        receipt.raw.contains("was viewed for the last time"),
        "{}",
        receipt.raw
    );
    assert!(receipt.body.contains("bob@example.com"));
    assert!(
        !receipt
            .raw
            .contains(viewed.json()["secretValue"].as_str().unwrap())
    );
    assert_eq!(list(&t.alice, "").await.json()["totalCount"], json!(2));

    // The access log: each attempt with who and the outcome, for the creator only, after burn.
    let log_path = format!("/api/v1/shared-secrets/{}/access-log", ids[1]);
    let log = w.as_user(&t.alice, Method::GET, &log_path, None).await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.text);
    let events = log.json()["events"].clone();
    assert_eq!(events[0]["outcome"], "not_allowed");
    assert_eq!(events[0]["viewer"]["email"], "carol@example.com");
    assert_eq!(events[1]["outcome"], "viewed");
    assert_eq!(events[1]["burned"], json!(true));
    assert_eq!(
        events[1]["viewer"],
        json!({ "type": "user", "id": t.bob.id, "email": "bob@example.com" })
    );
    assert!(
        !log.text
            .contains(viewed.json()["secretValue"].as_str().unwrap())
    );
    w.as_user(&t.bob, Method::GET, &log_path, None)
        .await
        .assert_error(403);
    w.send(Method::GET, &log_path, None, &[])
        .await
        .assert_error(401);
    // A live share nobody opened has an empty log.
    let empty = w
        .as_user(
            &t.alice,
            Method::GET,
            &format!("/api/v1/shared-secrets/{}/access-log", ids[0]),
            None,
        )
        .await;
    assert_eq!(empty.json()["events"], json!([]));

    // Delete without the token: the creator only, and the deleted share comes back.
    let path = format!("/api/v1/shared-secrets/{}", ids[0]);
    w.as_user(&t.bob, Method::DELETE, &path, None)
        .await
        .assert_error(403);
    w.send(Method::DELETE, &path, None, &[])
        .await
        .assert_error(401);
    let deleted = w.as_user(&t.alice, Method::DELETE, &path, None).await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.text);
    assert_eq!(deleted.json()["name"], "first");
    w.as_user(&t.alice, Method::DELETE, &path, None)
        .await
        .assert_error(404);
    let left = list(&t.alice, "").await.json();
    assert_eq!(left["totalCount"], json!(1));
    assert_eq!(left["secrets"][0]["name"], "third");
}

/// 64 members' views of a 5-view organization share: exactly 5 succeed.
async fn a_race_of_members_on_a_k_view_share_gets_exactly_k(kind: StoreKind) {
    let w = std::sync::Arc::new(World::new(kind).await);
    let t = team(&w).await;
    let r = w
        .create_share(
            &cookie(&t.alice),
            json!({ "maxViews": 5, "accessType": "organization" }),
        )
        .await;
    let id = r.json()["id"].as_str().unwrap().to_string();
    let mut tasks = Vec::new();
    for i in 0..64 {
        let (w, id) = (std::sync::Arc::clone(&w), id.clone());
        let user = if i % 2 == 0 {
            t.alice.clone()
        } else {
            t.bob.clone()
        };
        tasks.push(tokio::spawn(async move {
            access(&w, &id, &cookie(&user), json!({})).await.status
        }));
    }
    let mut granted = 0;
    for task in tasks {
        match task.await.unwrap() {
            StatusCode::OK => granted += 1,
            StatusCode::NOT_FOUND => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(granted, 5);
}

/// A member removed while views race in: every answer is a view or a refusal, and from the
/// removal on, the member is refused.
async fn a_member_removed_during_a_race_is_refused_after(kind: StoreKind) {
    let w = std::sync::Arc::new(World::new(kind).await);
    let t = team(&w).await;
    let r = w
        .create_share(&cookie(&t.alice), json!({ "accessType": "organization" }))
        .await;
    let id = r.json()["id"].as_str().unwrap().to_string();
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let (w, id, bob) = (std::sync::Arc::clone(&w), id.clone(), t.bob.clone());
        tasks.push(tokio::spawn(async move {
            access(&w, &id, &cookie(&bob), json!({})).await.status
        }));
    }
    let removed = w
        .as_user(
            &t.alice,
            Method::DELETE,
            &format!("/api/v1/organizations/{}/members/{}", t.org, t.bob.id),
            None,
        )
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.text);
    for task in tasks {
        let status = task.await.unwrap();
        assert!(
            matches!(
                status,
                StatusCode::OK | StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED
            ),
            "{status}"
        );
    }
    let after = access(&w, &id, &cookie(&t.bob), json!({})).await;
    assert!(matches!(after.status.as_u16(), 401 | 403), "{}", after.text);
    // Alice still views it.
    assert_eq!(
        access(&w, &id, &cookie(&t.alice), json!({})).await.status,
        StatusCode::OK
    );
}
