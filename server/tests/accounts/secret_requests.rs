//! Secret requests of signed-in requesters on every store: organization-only answering, reveal by session or bearer, the "Secret Request Completed" mail over real SMTP, the list, the organization's lifetime limit and the cap of open requests.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use zkshare_format::envelope::write_envelope;
use zkshare_format::request::{PublicKey, SUITE_X25519_SHA256_AES128GCM, answer_header};
use zkshare_server::domain::{Creator, Owner};
use zkshare_server::requests::record::{IndexEntry, OwnerIndex, index_key};
use zkshare_server::store::KvStore;

use super::*;

on_every_store!(
    a_member_answers_an_organization_request_and_the_requester_is_mailed,
    requesters_list_delete_and_meet_their_limits,
    a_machine_identity_requests_and_reveals_by_bearer,
);

const REQUESTS: &str = "/api/v1/shared-secrets/requests";

fn random<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).unwrap();
    b
}

fn public_key() -> String {
    PublicKey::new(SUITE_X25519_SHA256_AES128GCM, random::<32>())
        .unwrap()
        .to_b64()
}

fn answer() -> String {
    write_envelope(
        &answer_header(SUITE_X25519_SHA256_AES128GCM),
        &random::<{ 32 + 256 + 16 }>(),
    )
}

fn token() -> String {
    b64(&random::<32>())
}

fn cookie(user: &User) -> [(&str, &str); 2] {
    [("cookie", user.cookie.as_str()), ("origin", ORIGIN)]
}

/// Creates a request as whoever `headers` say, with `extra` fields; asserts 200.
async fn create(w: &World, headers: &[(&str, &str)], extra: Value) -> Value {
    let r = try_create(w, headers, extra).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json()
}

async fn try_create(w: &World, headers: &[(&str, &str)], extra: Value) -> Reply {
    let mut body = json!({ "publicKey": public_key(), "expiresIn": "1h" });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    w.send(Method::POST, REQUESTS, Some(body), headers).await
}

fn path(id: &str, action: &str) -> String {
    format!("{REQUESTS}/{id}{action}")
}

async fn set_value(w: &World, id: &str, headers: &[(&str, &str)], value: &str) -> Reply {
    w.send(
        Method::POST,
        &path(id, "/set-value"),
        Some(json!({ "secretValue": value })),
        headers,
    )
    .await
}

async fn reveal(w: &World, id: &str, headers: &[(&str, &str)]) -> Reply {
    w.send(Method::POST, &path(id, "/reveal-value"), None, headers)
        .await
}

async fn list(w: &World, headers: &[(&str, &str)], query: &str) -> Reply {
    w.send(Method::GET, &format!("{REQUESTS}{query}"), None, headers)
        .await
}

/// An organization "Acme" of alice (admin) and bob (member), and carol in "Other".
async fn team(w: &World) -> (User, User, User, String) {
    let alice = w.sign_up("alice@example.com").await;
    let org = w.create_org(&alice, "Acme").await;
    let invite = w.invite(&alice, &org, "bob@example.com").await;
    let bob = w.sign_up("bob@example.com").await;
    assert_eq!(w.accept(&bob, &invite).await.status, StatusCode::OK);
    let carol = w.sign_up("carol@example.com").await;
    w.create_org(&carol, "Other").await;
    (alice, bob, carol, org)
}

async fn a_member_answers_an_organization_request_and_the_requester_is_mailed(kind: StoreKind) {
    let w = World::new(kind).await;
    let (alice, bob, carol, _) = team(&w).await;
    let tok = token();
    let created = create(
        &w,
        &cookie(&alice),
        json!({ "name": "vpn key", "requesterToken": tok }),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_string();
    // A member's request is for the organization by default, and names its requester.
    assert_eq!(created["accessType"], "organization");
    assert_eq!(
        created["requester"],
        json!({ "name": "alice@example.com", "organization": "Acme" })
    );

    // Outside the organization: 401 without credentials, 403 for another organization.
    let r = w.send(Method::GET, &path(&id, ""), None, &[]).await;
    assert_eq!(
        r.assert_error(401),
        "Authentication required to view this secret request"
    );
    let r = set_value(&w, &id, &[], &answer()).await;
    r.assert_error(401);
    let r = w.as_user(&carol, Method::GET, &path(&id, ""), None).await;
    assert_eq!(
        r.assert_error(403),
        "You do not have access to this secret request"
    );
    set_value(&w, &id, &cookie(&carol), &answer())
        .await
        .assert_error(403);

    // A member sees and answers it.
    let r = w.as_user(&bob, Method::GET, &path(&id, ""), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["isAnswered"], false);
    let before = w.mail_to("alice@example.com").len();
    let value = answer();
    let r = set_value(&w, &id, &cookie(&bob), &value).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["isAnswered"], true);

    // The requester's mail: which request, the keyless link; no answer, key or token.
    let mail = w.wait_mail("alice@example.com", before + 1).await;
    assert!(mail.tls);
    assert!(
        mail.headers
            .iter()
            .any(|(name, value)| name.eq_ignore_ascii_case("subject")
                && value == "Secret Request Completed"),
        "{:?}",
        mail.headers
    );
    assert!(mail.body.contains("vpn key"), "{}", mail.body);
    assert!(
        mail.body
            .contains(&format!("https://zkshare.test/r/{id}/open\n")),
        "{}",
        mail.body
    );
    assert!(!mail.body.contains('#'), "no fragment: {}", mail.body);
    let key = created["publicKey"].as_str().unwrap();
    for leak in [
        &value[..],
        &value[5..45],
        &tok,
        key,
        "secretValue",
        "requesterToken",
    ] {
        assert!(!mail.raw.contains(leak), "the mail carries {leak}");
    }

    // Only the requester reveals: not a member, not another organization, not anonymous.
    let r = reveal(&w, &id, &[]).await;
    r.assert_error(401);
    let r = reveal(&w, &id, &cookie(&bob)).await;
    assert_eq!(
        r.assert_error(403),
        "You do not have access to this secret request"
    );
    reveal(&w, &id, &cookie(&carol)).await.assert_error(403);
    let r = reveal(&w, &id, &cookie(&alice)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["secretValue"], value);
    let r = w.as_user(&alice, Method::GET, &path(&id, ""), None).await;
    assert_eq!(r.assert_error(404), "Secret request not found");
    // One mail only.
    assert_eq!(w.mail_to("alice@example.com").len(), before + 1);
}

async fn requesters_list_delete_and_meet_their_limits(kind: StoreKind) {
    let w = World::new(kind).await;
    let (alice, bob, carol, org) = team(&w).await;
    let r = list(&w, &[], "").await;
    assert_eq!(r.assert_error(401), "Authentication required");

    let mut ids = Vec::new();
    for n in 0..3 {
        let v = create(
            &w,
            &cookie(&alice),
            json!({ "name": format!("r{n}"), "accessType": "anyone" }),
        )
        .await;
        ids.push(v["id"].as_str().unwrap().to_string());
        // Distinct creation times, so that "newest first" is one order.
        tokio::time::sleep(std::time::Duration::from_millis(3)).await;
    }
    let names = |r: &Reply| -> Vec<String> {
        r.json()["secretRequests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["name"].as_str().unwrap().to_string())
            .collect()
    };
    let r = list(&w, &cookie(&alice), "?limit=2").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(names(&r), ["r2", "r1"]);
    assert_eq!(r.json()["totalCount"], 3);
    let r = list(&w, &cookie(&alice), "?offset=2").await;
    assert_eq!(names(&r), ["r0"]);
    assert_eq!(r.json()["totalCount"], 3);
    for (query, message) in [
        ("?limit=0", "limit must be a whole number from 1 to 100"),
        ("?limit=101", "limit must be a whole number from 1 to 100"),
        (
            "?offset=-1",
            "offset must be a whole number from 0 to 1000000",
        ),
        (
            "?offset=1000001",
            "offset must be a whole number from 0 to 1000000",
        ),
    ] {
        let r = list(&w, &cookie(&alice), query).await;
        assert_eq!(r.assert_error(400), message, "{query}");
    }
    let r = list(&w, &cookie(&bob), "").await;
    assert_eq!(r.json(), json!({ "secretRequests": [], "totalCount": 0 }));

    // Delete by session: the requester only.
    let r = w
        .as_user(&bob, Method::DELETE, &path(&ids[1], ""), None)
        .await;
    r.assert_error(403);
    let r = w
        .as_user(&alice, Method::DELETE, &path(&ids[1], ""), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["name"], "r1");
    let r = list(&w, &cookie(&alice), "").await;
    assert_eq!(names(&r), ["r2", "r0"]);
    // Anyone may answer an `anyone` request; the revealed one leaves the list.
    let r = set_value(&w, &ids[2], &cookie(&carol), &answer()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        reveal(&w, &ids[2], &cookie(&alice)).await.status,
        StatusCode::OK
    );
    let r = list(&w, &cookie(&alice), "").await;
    assert_eq!(names(&r), ["r0"]);
    assert_eq!(r.json()["totalCount"], 1);

    // The organization's lifetime limit applies as for shares.
    let settings = format!("/api/v1/organizations/{org}/secret-sharing");
    let r = w
        .as_user(
            &alice,
            Method::PATCH,
            &settings,
            Some(json!({ "maxSharedSecretLifetime": 3600 })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = try_create(&w, &cookie(&bob), json!({ "expiresIn": "2h" })).await;
    assert_eq!(
        r.assert_error(400),
        "Secret lifetime exceeds organization limit"
    );
    create(&w, &cookie(&bob), json!({ "expiresIn": "1h" })).await;

    // At most 1,000 open requests a requester: the 1,001st is refused. Entries whose record
    // is gone are dropped by the next list.
    let owner = Owner {
        org: org.parse().unwrap(),
        creator: Creator::User(alice.id.parse().unwrap()),
    };
    let kv: std::sync::Arc<dyn KvStore> = w.app.store.clone();
    let now = zkshare_server::now_millis();
    let key = index_key(&owner);
    let current = kv.get(key.clone(), now).await.unwrap().unwrap();
    let mut index: OwnerIndex = serde_json::from_slice(&current).unwrap();
    index.entries.extend((0..999).map(|n| IndexEntry {
        id: format!("gone{n:018}"),
        created_at: now - 1,
        expires_at: now + 3_600_000,
    }));
    let bytes = serde_json::to_vec(&index).unwrap();
    assert!(
        kv.replace(key, current, bytes, Some(now + 3_600_000), now)
            .await
            .unwrap()
    );
    let r = try_create(&w, &cookie(&alice), json!({})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert!(r.assert_error(409).contains("1000 open secret requests"));
    let r = list(&w, &cookie(&alice), "?limit=100").await;
    assert_eq!(names(&r), ["r0"]);
    assert_eq!(r.json()["totalCount"], 1);
    create(&w, &cookie(&alice), json!({})).await;

    // A user in no organization: `anyone` requests, revealed by session, named without one.
    let dave = w.sign_up("dave@example.com").await;
    let r = try_create(&w, &cookie(&dave), json!({ "accessType": "organization" })).await;
    assert_eq!(
        r.assert_error(400),
        "Organization-only secret requests need a current organization: create or join one first"
    );
    let v = create(&w, &cookie(&dave), json!({})).await;
    assert_eq!(v["accessType"], "anyone");
    assert_eq!(
        v["requester"],
        json!({ "name": "dave@example.com", "organization": null })
    );
    let id = v["id"].as_str().unwrap();
    let r = reveal(&w, id, &cookie(&dave)).await;
    assert_eq!(
        r.assert_error(409),
        "Secret request has not been answered yet"
    );
    assert_eq!(
        set_value(&w, id, &[], &answer()).await.status,
        StatusCode::OK
    );
    reveal(&w, id, &cookie(&alice)).await.assert_error(403);
    assert_eq!(reveal(&w, id, &cookie(&dave)).await.status, StatusCode::OK);
    let r = list(&w, &cookie(&dave), "").await;
    assert_eq!(r.json()["totalCount"], 0);
}

async fn a_machine_identity_requests_and_reveals_by_bearer(kind: StoreKind) {
    let w = World::new(kind).await;
    let admin = w.sign_up("ops@example.com").await;
    let org = w.create_org(&admin, "CI").await;
    let made = w
        .as_user(
            &admin,
            Method::POST,
            &format!("/api/v1/organizations/{org}/identities"),
            Some(json!({ "name": "deploy bot" })),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    let made = made.json();
    let login = w
        .send(
            Method::POST,
            "/api/v1/auth/universal-auth/login",
            Some(json!({
                "clientId": made["identity"]["clientId"],
                "clientSecret": made["clientSecret"],
            })),
            &[],
        )
        .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
    let bearer = format!("Bearer {}", login.json()["accessToken"].as_str().unwrap());
    let bot = [("authorization", bearer.as_str())];

    let created = create(&w, &bot, json!({})).await;
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["accessType"], "organization");
    assert_eq!(
        created["requester"],
        json!({ "name": "deploy bot", "organization": "CI" })
    );
    let r = list(&w, &bot, "").await;
    assert_eq!(r.json()["totalCount"], 1);
    let before = w.sink.messages().len();
    let value = answer();
    let r = set_value(&w, &id, &cookie(&admin), &value).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // The admin is no requester; the bot is.
    reveal(&w, &id, &cookie(&admin)).await.assert_error(403);
    let r = reveal(&w, &id, &bot).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["secretValue"], value);
    // A machine identity has no address: no mail.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(w.sink.messages().len(), before);
}
