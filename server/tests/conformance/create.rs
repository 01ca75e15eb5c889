//! Creating a secret: the share answer and the public endpoint, on every store.

use super::*;

for_both_stores!(create_answers_the_share_shape, public_create_is_the_same,);

async fn create_and_metadata_shape_common(app: &TestApp, path: &str) {
    let envelope = small_envelope();
    let before = now_millis();
    let r = app
        .call(
            Method::POST,
            path,
            Some(json!({ "secretValue": envelope, "name": "db password", "maxViews": 3, "expiresIn": "1h" })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let v = r.json();
    let id = v["id"].as_str().unwrap();
    assert_eq!(id.len(), 22);
    assert!(zkshare_server::shares::validate::is_secret_id(id));
    let token = v["deleteToken"].as_str().unwrap();
    assert_eq!(token.len(), 43);
    assert_eq!(
        v["sharedSecretLink"],
        format!("https://zkshare.test/s/{id}")
    );
    for k in ["expiresAt", "createdAt", "updatedAt"] {
        assert!(is_timestamp(&v[k]), "{k}: {}", v[k]);
    }
    let expires = parse_ms(&v["expiresAt"]);
    assert!((expires - (before + 3_600_000)).abs() < 5_000);
    assert_eq!(v["expiresAfterViews"], 3);
    assert_eq!(v["accessType"], "anyone");
    assert_eq!(v["name"], "db password");
    assert_eq!(v["type"], "share");
    for k in [
        "userId",
        "orgId",
        "lastViewedAt",
        "authorizedEmails",
        "identityId",
    ] {
        assert!(v[k].is_null(), "{k}");
        assert!(v.as_object().unwrap().contains_key(k), "{k} missing");
    }
    assert_eq!(v["allowExternalEmails"], false);
    assert!(v.get("secretValue").is_none());

    let m = app.get(id).await;
    assert_eq!(m.status, 200);
    let m = m.json();
    assert_eq!(m["id"], id);
    assert_eq!(m["isPasswordProtected"], false);
    assert_eq!(m["envelopeHeader"], envelope.split('.').next().unwrap());
    assert_eq!(m["expiresAfterViews"], 3);
    assert_eq!(m["expiresAt"], v["expiresAt"]);
    assert!(m.get("secretValue").is_none());
    assert!(m.get("deleteToken").is_none());
    assert_eq!(
        m.get("sharedSecretLink"),
        None,
        "metadata does not need the link"
    );
}

async fn create_answers_the_share_shape(kind: StoreKind) {
    let app = TestApp::new(kind).await;
    create_and_metadata_shape_common(&app, "/api/v1/shared-secrets").await;
    // Defaults: 30 days, unlimited views, no name.
    let v = app.create(json!({ "secretValue": small_envelope() })).await;
    let lifetime = parse_ms(&v["expiresAt"]) - parse_ms(&v["createdAt"]);
    assert_eq!(lifetime, 30 * 86_400_000);
    assert!(v["expiresAfterViews"].is_null());
    assert!(v["name"].is_null());
}

async fn public_create_is_the_same(kind: StoreKind) {
    let app = TestApp::new(kind).await;
    create_and_metadata_shape_common(&app, "/api/v1/shared-secrets/public").await;
}
