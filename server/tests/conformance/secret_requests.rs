//! Secret requests through the HTTP router on every store, as anonymous requesters: create rules, the view, answering once (a 64-way race), reveal and delete by token, expiry.

use zkshare_format::envelope::write_envelope;
use zkshare_format::request::{PublicKey, SUITE_X25519_SHA256_AES128GCM, answer_header};
use zkshare_server::http::requests::{ALREADY_ANSWERED, NOT_ANSWERED};
use zkshare_server::requests::Requests;
use zkshare_server::requests::record::request_key;
use zkshare_server::requests::validate::{
    ANSWER_TOO_LONG, BAD_PUBLIC_KEY, BAD_TOKEN, CreateRequestBody, NOT_AN_ANSWER, TOKEN_REQUIRED,
};
use zkshare_server::store::KvStore;

use super::*;

for_both_stores!(
    secret_request_create_rules,
    secret_request_answered_once_and_revealed_by_token,
    secret_request_kept_answer_and_delete,
    secret_request_answer_race_has_one_winner,
    secret_request_expires_and_leaves_no_key,
);

pub const REQUESTS: &str = "/api/v1/shared-secrets/requests";

fn random<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).unwrap();
    b
}

/// A requester's public key as the API carries it.
pub fn public_key() -> String {
    PublicKey::new(SUITE_X25519_SHA256_AES128GCM, random::<32>())
        .unwrap()
        .to_b64()
}

/// A well-formed answer: the answer header and `enc || one block || tag` of random bytes.
pub fn answer() -> String {
    write_envelope(
        &answer_header(SUITE_X25519_SHA256_AES128GCM),
        &random::<{ 32 + 256 + 16 }>(),
    )
}

/// A requester token.
pub fn token() -> String {
    b64(&random::<32>())
}

fn path(id: &str, action: &str) -> String {
    format!("{REQUESTS}/{id}{action}")
}

/// Creates an anonymous request with `extra` fields; returns (answer, token).
async fn create(app: &TestApp, extra: Value) -> (Value, String) {
    let token = token();
    let mut body = json!({ "publicKey": public_key(), "expiresIn": "1h", "requesterToken": token });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let r = app.call(Method::POST, REQUESTS, Some(body)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    (r.json(), token)
}

async fn set_value(app: &TestApp, id: &str, value: &str) -> Reply {
    app.call(
        Method::POST,
        &path(id, "/set-value"),
        Some(json!({ "secretValue": value })),
    )
    .await
}

async fn reveal(app: &TestApp, id: &str, token: Option<&str>) -> Reply {
    let body = token.map(|t| json!({ "requesterToken": t }));
    app.call(Method::POST, &path(id, "/reveal-value"), body)
        .await
}

async fn delete(app: &TestApp, id: &str, token: Option<&str>) -> Reply {
    let mut b = Request::delete(path(id, ""));
    if let Some(t) = token {
        b = b.header("x-requester-token", t);
    }
    app.raw(b.body(Body::empty()).unwrap()).await
}

fn assert_not_found(r: &Reply) {
    assert_eq!(r.assert_error(404), "Secret request not found");
}

async fn secret_request_create_rules(kind: StoreKind) {
    let app = TestApp::new(kind).await;
    let post = |body: Value| app.call(Method::POST, REQUESTS, Some(body));
    let key = public_key();
    let tok = token();
    let refused = |r: Reply, field: &str| {
        let message = r.assert_error(400);
        let details = r.json()["details"].clone();
        assert!(
            details
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["path"] == json!([field])),
            "{field}: {details}"
        );
        message
    };
    // The public key: a share envelope, a short string, an unknown suite, padding.
    let mut unknown_suite = PublicKey::parse(&key).unwrap().to_bytes();
    unknown_suite[0] = 2;
    for bad in [
        small_envelope(),
        "AAAA".to_string(),
        b64(&unknown_suite),
        format!("{}=", &key[..43]),
        String::new(),
    ] {
        let r = post(json!({ "publicKey": bad, "requesterToken": tok })).await;
        assert_eq!(refused(r, "publicKey"), BAD_PUBLIC_KEY);
    }
    // Anonymous requesters need a token, of the right shape.
    let r = post(json!({ "publicKey": key })).await;
    assert_eq!(refused(r, "requesterToken"), TOKEN_REQUIRED);
    for bad in [
        "short",
        &tok[..42],
        &format!("{tok}A"),
        "!".repeat(43).as_str(),
    ] {
        let r = post(json!({ "publicKey": key, "requesterToken": bad })).await;
        assert_eq!(refused(r, "requesterToken"), BAD_TOKEN);
    }
    // The name and expiresIn as for shares.
    let r = post(json!({ "publicKey": key, "requesterToken": tok, "name": "x".repeat(51) })).await;
    assert_eq!(refused(r, "name"), "name must be at most 50 characters");
    let r = post(json!({ "publicKey": key, "requesterToken": tok, "name": "a\u{202E}b" })).await;
    refused(r, "name");
    for (bad, message) in [
        ("soon", "Invalid duration format"),
        ("31d", "Expiration time cannot exceed 30 days"),
        ("4m", "Expiration time cannot be less than 5 minutes"),
    ] {
        let r = post(json!({ "publicKey": key, "requesterToken": tok, "expiresIn": bad })).await;
        assert_eq!(refused(r, "expiresIn"), message);
    }
    // Organization-only requests need an account.
    let r = post(json!({ "publicKey": key, "requesterToken": tok, "accessType": "organization" }))
        .await;
    assert_eq!(
        r.assert_error(401),
        "Authentication required to create organization-only secret requests"
    );
    // Shape errors: unknown fields, wrong types, no body.
    for bad in [
        json!({ "publicKey": key, "requesterToken": tok, "colour": "red" }),
        json!({ "requesterToken": tok }),
        json!({ "publicKey": 5, "requesterToken": tok }),
        json!({ "publicKey": key, "requesterToken": tok, "keepAnswer": "yes" }),
        json!({ "publicKey": key, "requesterToken": tok, "accessType": "everyone" }),
    ] {
        post(bad).await.assert_error(400);
    }
    // Accepted: the view, the links, the defaults; no token or digest in the answer.
    let r = post(json!({ "publicKey": key, "requesterToken": tok, "name": "x".repeat(50) })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let v = r.json();
    let id = v["id"].as_str().unwrap();
    assert_eq!(id.len(), 22);
    assert_eq!(v["answerLink"], format!("https://zkshare.test/r/{id}"));
    assert_eq!(
        v["requesterLink"],
        format!("https://zkshare.test/r/{id}/open")
    );
    assert_eq!(v["accessType"], "anyone");
    assert_eq!(v["publicKey"], key);
    assert_eq!(v["isAnswered"], false);
    assert_eq!(v["answeredAt"], Value::Null);
    assert_eq!(v["keepAnswer"], false);
    assert_eq!(v["requester"], Value::Null);
    assert!(is_timestamp(&v["createdAt"]) && is_timestamp(&v["expiresAt"]));
    assert_eq!(
        parse_ms(&v["expiresAt"]) - parse_ms(&v["createdAt"]),
        30 * 86_400_000
    );
    assert!(!r.text.contains(&tok), "the token is not echoed");
}

async fn secret_request_answered_once_and_revealed_by_token(kind: StoreKind) {
    let app = TestApp::new(kind).await;
    let (created, tok) = create(&app, json!({ "name": "db password" })).await;
    let id = created["id"].as_str().unwrap().to_string();

    // The view: the same fields as create's answer, without the links; spends nothing.
    for _ in 0..2 {
        let r = app.call(Method::GET, &path(&id, ""), None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let mut expected = created.clone();
        expected.as_object_mut().unwrap().remove("answerLink");
        expected.as_object_mut().unwrap().remove("requesterLink");
        assert_eq!(r.json(), expected);
    }
    // Unknown and malformed ids.
    assert_not_found(
        &app.call(Method::GET, &path("AAAAAAAAAAAAAAAAAAAAAA", ""), None)
            .await,
    );
    assert_not_found(&set_value(&app, "AAAAAAAAAAAAAAAAAAAAAA", &answer()).await);
    app.call(Method::GET, &path("not-an-id", ""), None)
        .await
        .assert_error(400);

    // Not answered yet: the requester learns so.
    let r = reveal(&app, &id, Some(&tok)).await;
    assert_eq!(r.assert_error(409), NOT_ANSWERED);

    // Answers of the wrong shape: a share envelope, base64 noise, a header of another kind,
    // an answer over the limit (a 128 KiB body holds it: 400, not 413).
    for bad in [
        small_envelope(),
        b64(&random::<300>()),
        write_envelope(&[1, 0x10, 2], &random::<{ 32 + 256 + 16 }>()),
        write_envelope(&answer_header(1), &random::<{ 32 + 16 }>()),
        String::new(),
    ] {
        let r = set_value(&app, &id, &bad).await;
        assert_eq!(r.assert_error(400), NOT_AN_ANSWER, "{bad}");
    }
    let long = format!("{}.{}", b64(&answer_header(1)), "A".repeat(54_000));
    assert_eq!(
        set_value(&app, &id, &long).await.assert_error(400),
        ANSWER_TOO_LONG
    );
    let r = app
        .call(
            Method::POST,
            &path(&id, "/set-value"),
            Some(json!({ "secretValue": answer(), "extra": 1 })),
        )
        .await;
    r.assert_error(400);

    // The answer, once.
    let value = answer();
    let r = set_value(&app, &id, &value).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let v = r.json();
    assert_eq!(v["isAnswered"], true);
    assert!(is_timestamp(&v["answeredAt"]));
    assert!(
        v.get("secretValue").is_none(),
        "set-value does not echo the answer"
    );
    let r = set_value(&app, &id, &answer()).await;
    assert_eq!(r.assert_error(409), ALREADY_ANSWERED);
    let r = app.call(Method::GET, &path(&id, ""), None).await;
    assert_eq!(r.json()["isAnswered"], true);
    assert!(
        !r.text.contains(&value[10..60]),
        "the view never carries the answer"
    );

    // Reveal: no credentials 401, a wrong token 403 (both spend nothing), the token 200.
    let r = reveal(&app, &id, None).await;
    assert_eq!(
        r.assert_error(401),
        "Authentication required: sign in as the requester, or send the requester token"
    );
    let r = reveal(&app, &id, Some(&token())).await;
    assert_eq!(
        r.assert_error(403),
        "You do not have access to this secret request"
    );
    reveal(&app, &id, Some("not a token"))
        .await
        .assert_error(403);
    let r = reveal(&app, &id, Some(&tok)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["secretValue"], value);
    assert_eq!(r.json()["isAnswered"], true);
    assert_eq!(r.json()["name"], "db password");
    // Gone with the reveal.
    assert_not_found(&reveal(&app, &id, Some(&tok)).await);
    assert_not_found(&app.call(Method::GET, &path(&id, ""), None).await);
    assert_not_found(&set_value(&app, &id, &answer()).await);
    if let Some(mut redis) = app.inspector().await {
        let key = zkshare_server::store::redis::record_key(&request_key(&id));
        let exists: i64 = redis::cmd("EXISTS")
            .arg(&key)
            .query_async(&mut redis)
            .await
            .unwrap();
        assert_eq!(exists, 0);
    }
}

async fn secret_request_kept_answer_and_delete(kind: StoreKind) {
    let app = TestApp::new(kind).await;
    let (created, tok) = create(&app, json!({ "keepAnswer": true })).await;
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["keepAnswer"], true);
    let value = answer();
    assert_eq!(set_value(&app, &id, &value).await.status, StatusCode::OK);
    // Kept: revealed again and again.
    for _ in 0..3 {
        let r = reveal(&app, &id, Some(&tok)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.json()["secretValue"], value);
    }
    // Delete: the token in a header; none 401, wrong 403, right 200 with the view.
    let r = delete(&app, &id, None).await;
    r.assert_error(401);
    let r = delete(&app, &id, Some(&token())).await;
    assert_eq!(
        r.assert_error(403),
        "You do not have access to this secret request"
    );
    let r = delete(&app, &id, Some(&tok)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["id"], id);
    assert!(r.json().get("secretValue").is_none());
    assert_not_found(&delete(&app, &id, Some(&tok)).await);
    assert_not_found(&reveal(&app, &id, Some(&tok)).await);
    assert_not_found(&app.call(Method::GET, &path(&id, ""), None).await);

    // An unanswered request is deleted the same way.
    let (created, tok) = create(&app, json!({})).await;
    let id = created["id"].as_str().unwrap();
    assert_eq!(delete(&app, id, Some(&tok)).await.status, StatusCode::OK);
    assert_not_found(&set_value(&app, id, &answer()).await);
}

async fn secret_request_answer_race_has_one_winner(kind: StoreKind) {
    let app = Arc::new(TestApp::new(kind).await);
    let (created, tok) = create(&app, json!({})).await;
    let id = created["id"].as_str().unwrap().to_string();
    let answers: Vec<String> = (0..64).map(|_| answer()).collect();
    let mut tasks = Vec::new();
    for value in answers.clone() {
        let (app, id) = (Arc::clone(&app), id.clone());
        tasks.push(tokio::spawn(async move {
            let r = set_value(&app, &id, &value).await;
            (r, value)
        }));
    }
    let mut winners = Vec::new();
    for task in tasks {
        let (r, value) = task.await.unwrap();
        match r.status.as_u16() {
            200 => winners.push(value),
            _ => assert_eq!(r.assert_error(409), ALREADY_ANSWERED),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one answer is stored");
    // The stored answer is the winner's; two reveals at once: one gets it, the other 404.
    let mut reveals = Vec::new();
    for _ in 0..8 {
        let (app, id, tok) = (Arc::clone(&app), id.clone(), tok.clone());
        reveals.push(tokio::spawn(
            async move { reveal(&app, &id, Some(&tok)).await },
        ));
    }
    let mut revealed = 0;
    for task in reveals {
        let r = task.await.unwrap();
        if r.status == StatusCode::OK {
            assert_eq!(r.json()["secretValue"], winners[0]);
            revealed += 1;
        } else {
            assert_not_found(&r);
        }
    }
    assert_eq!(revealed, 1, "an answer that is not kept is revealed once");
}

async fn secret_request_expires_and_leaves_no_key(kind: StoreKind) {
    let app = TestApp::new(kind).await;
    // The key's expiry is the request's: a one-hour request's key lives one hour.
    let (created, _) = create(&app, json!({ "expiresIn": "1h" })).await;
    let id = created["id"].as_str().unwrap().to_string();
    let expires_at = parse_ms(&created["expiresAt"]);
    let kv: Arc<dyn KvStore> = Arc::clone(&app.store) as Arc<dyn KvStore>;
    if let Some(mut redis) = app.inspector().await {
        let key = zkshare_server::store::redis::record_key(&request_key(&id));
        let at: i64 = redis::cmd("PEXPIRETIME")
            .arg(&key)
            .query_async(&mut redis)
            .await
            .unwrap();
        assert_eq!(at, expires_at);
    } else {
        assert!(
            kv.get(request_key(&id), expires_at - 1)
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            kv.get(request_key(&id), expires_at)
                .await
                .unwrap()
                .is_none()
        );
    }

    // A request made (by the use case, at a chosen time) so that it expires in a second.
    let accounts = zkshare_server::accounts::Accounts::new(
        Arc::clone(&kv),
        None,
        app.config.account_settings(),
    );
    let requests = Requests {
        kv: kv.as_ref(),
        accounts: &accounts,
        base: app.config.public_base(),
    };
    let tok = token();
    let body: CreateRequestBody = serde_json::from_value(
        json!({ "publicKey": public_key(), "expiresIn": "5m", "requesterToken": tok }),
    )
    .unwrap();
    let made_at = now_millis() - 5 * 60_000 + 1_000;
    let record = requests
        .create(&zkshare_server::policy::Principal::Anonymous, body, made_at)
        .await
        .unwrap();
    let id = record.id;
    assert_eq!(
        app.call(Method::GET, &path(&id, ""), None).await.status,
        StatusCode::OK
    );
    tokio::time::sleep(Duration::from_millis(1_300)).await;
    assert_not_found(&app.call(Method::GET, &path(&id, ""), None).await);
    assert_not_found(&set_value(&app, &id, &answer()).await);
    assert_not_found(&reveal(&app, &id, Some(&tok)).await);
    assert_not_found(&delete(&app, &id, Some(&tok)).await);
    // Deleted by the store's TTL, never flagged: no key is left.
    if let Some(mut redis) = app.inspector().await {
        let key = zkshare_server::store::redis::record_key(&request_key(&id));
        let exists: i64 = redis::cmd("EXISTS")
            .arg(&key)
            .query_async(&mut redis)
            .await
            .unwrap();
        assert_eq!(exists, 0);
    }
    assert!(
        kv.get(request_key(&id), now_millis())
            .await
            .unwrap()
            .is_none()
    );
}
