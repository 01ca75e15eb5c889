//! The account flows end to end: sign-up by e-mailed code, an organization, an invitation accepted, organization shares; a machine identity's Universal Auth and its rotation.

use axum::http::{Method, StatusCode};
use serde_json::json;

use super::*;

on_every_store!(
    sign_up_create_an_organization_invite_and_share_within_it,
    a_machine_identity_logs_in_creates_shares_and_rotates_its_secret,
    a_password_is_reset_by_e_mail_and_every_session_ends,
);

async fn sign_up_create_an_organization_invite_and_share_within_it(kind: StoreKind) {
    let w = World::new(kind).await;
    let alice = w.sign_up("alice@example.com").await;

    // The cookie: HttpOnly, SameSite=Lax, and Secure with the __Host- prefix over https.
    let r = w
        .send(
            Method::POST,
            "/api/v1/auth/login",
            Some(json!({ "email": "Alice@Example.COM", "password": PASSWORD })),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let set = r.headers["set-cookie"].to_str().unwrap();
    for attribute in [
        "__Host-zkshare_session=zks_",
        "HttpOnly",
        "SameSite=Lax",
        "Secure",
        "Path=/",
    ] {
        assert!(set.contains(attribute), "{attribute} missing from {set}");
    }
    // The code mail holds no password; the token is nowhere in it either.
    let code_mail = &w.mail_to("alice@example.com")[0];
    assert!(code_mail.tls, "account mail goes over TLS");
    assert!(!code_mail.raw.contains(PASSWORD));

    let org = w.create_org(&alice, "Acme").await;
    let me = w
        .as_user(&alice, Method::GET, "/api/v1/auth/me", None)
        .await
        .json();
    assert_eq!(me["user"]["currentOrganizationId"], json!(org));
    assert_eq!(me["user"]["organizations"][0]["role"], "admin");
    // The share pages' question "who is signed in?": the same profile, or null without a 401.
    let session = w
        .as_user(&alice, Method::GET, "/api/v1/auth/session", None)
        .await;
    assert_eq!(session.status, StatusCode::OK, "{}", session.text);
    assert_eq!(session.json(), me);
    let anonymous = w.send(Method::GET, "/api/v1/auth/session", None, &[]).await;
    assert_eq!(anonymous.status, StatusCode::OK, "{}", anonymous.text);
    assert_eq!(anonymous.json(), json!({ "user": null }));

    let token = w.invite(&alice, &org, "bob@example.com").await;
    assert!(token.starts_with("zki_"));
    let bob = w.sign_up("bob@example.com").await;
    let lookup = w
        .send(
            Method::POST,
            "/api/v1/invites/lookup",
            Some(json!({ "token": token })),
            &[],
        )
        .await;
    assert_eq!(lookup.status, StatusCode::OK, "{}", lookup.text);
    assert_eq!(lookup.json()["invitation"]["organizationName"], "Acme");
    let accepted = w.accept(&bob, &token).await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.text);
    assert_eq!(accepted.json()["user"]["currentOrganizationId"], json!(org));
    // Once only.
    w.accept(&bob, &token).await.assert_error(404);

    let members = w
        .as_user(
            &alice,
            Method::GET,
            &format!("/api/v1/organizations/{org}/members"),
            None,
        )
        .await;
    assert_eq!(members.status, StatusCode::OK, "{}", members.text);
    assert_eq!(members.json()["members"].as_array().unwrap().len(), 2);

    // Bob's share defaults to his organization, and names him and it.
    let share = w
        .create_share(&[("cookie", &bob.cookie), ("origin", ORIGIN)], json!({}))
        .await;
    assert_eq!(share.status, StatusCode::OK, "{}", share.text);
    // The share's fields are at the top level of the answer, as in the reference.
    let fields = share.json();
    assert_eq!(fields["accessType"], "organization", "{fields}");
    assert_eq!(fields["orgId"], json!(org));
    assert_eq!(fields["userId"], json!(bob.id));
    assert_eq!(fields["identityId"], json!(null));
    let id = fields["id"].as_str().unwrap().to_string();

    // Anonymous viewers are asked to sign in; another organization is refused; a member views.
    let access = format!("/api/v1/shared-secrets/{id}/access");
    let anon = w.send(Method::POST, &access, Some(json!({})), &[]).await;
    assert_eq!(
        anon.assert_error(401),
        "Authentication required to view this secret"
    );
    let carol = w.sign_up("carol@example.com").await;
    w.create_org(&carol, "Other").await;
    let other = w
        .as_user(&carol, Method::POST, &access, Some(json!({})))
        .await;
    assert_eq!(
        other.assert_error(403),
        "You do not have access to this secret"
    );
    let viewed = w
        .as_user(&alice, Method::POST, &access, Some(json!({})))
        .await;
    assert_eq!(viewed.status, StatusCode::OK, "{}", viewed.text);

    // Anonymous creation is exactly as before.
    let anon_share = w.create_share(&[], json!({})).await;
    assert_eq!(anon_share.status, StatusCode::OK, "{}", anon_share.text);
    // The share's fields are at the top level of the answer, as in the reference.
    let body = anon_share.json();
    assert_eq!(body["accessType"], "anyone");
    assert_eq!(body["orgId"], json!(null));
    assert_eq!(body["userId"], json!(null));

    // Logging out ends the session on the server, not only in the browser.
    let out = w
        .as_user(&bob, Method::POST, "/api/v1/auth/logout", None)
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    w.as_user(&bob, Method::GET, "/api/v1/auth/me", None)
        .await
        .assert_error(401);
}

async fn a_machine_identity_logs_in_creates_shares_and_rotates_its_secret(kind: StoreKind) {
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
    let identity = made["identity"]["id"].as_str().unwrap().to_string();
    let client_id = made["identity"]["clientId"].as_str().unwrap().to_string();
    let first_secret = made["clientSecret"].as_str().unwrap().to_string();
    let first_secret_id = made["clientSecretId"].as_str().unwrap().to_string();
    // The secret is shown once: the list has a hint only.
    let list = w
        .as_user(
            &admin,
            Method::GET,
            &format!("/api/v1/organizations/{org}/identities"),
            None,
        )
        .await;
    assert!(!list.text.contains(&first_secret), "{}", list.text);

    let login = |secret: String| {
        let w = &w;
        let client_id = client_id.clone();
        async move {
            w.send(
                Method::POST,
                "/api/v1/auth/universal-auth/login",
                Some(json!({ "clientId": client_id, "clientSecret": secret })),
                &[],
            )
            .await
        }
    };
    let r = login(first_secret.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let body = r.json();
    assert_eq!(body["tokenType"], "Bearer");
    assert_eq!(body["expiresIn"], json!(7200));
    assert_eq!(body["accessTokenMaxTTL"], json!(7200));
    let token = body["accessToken"].as_str().unwrap().to_string();
    let bearer = format!("Bearer {token}");

    let share = w
        .create_share(&[("authorization", &bearer)], json!({}))
        .await;
    assert_eq!(share.status, StatusCode::OK, "{}", share.text);
    // The share's fields are at the top level of the answer, as in the reference.
    let fields = share.json();
    assert_eq!(fields["identityId"], json!(identity));
    assert_eq!(fields["orgId"], json!(org));
    assert_eq!(fields["userId"], json!(null));
    assert_eq!(fields["accessType"], "organization");
    // Bearer requests are not cookie-bound: a foreign Origin does not matter.
    let foreign = w
        .create_share(
            &[
                ("authorization", &bearer),
                ("origin", "https://elsewhere.example"),
            ],
            json!({}),
        )
        .await;
    assert_eq!(foreign.status, StatusCode::OK, "{}", foreign.text);

    // Rotation: a second secret works; revoking the first voids its tokens at once.
    let rotated = w
        .as_user(
            &admin,
            Method::POST,
            &format!("/api/v1/organizations/{org}/identities/{identity}/client-secrets"),
            None,
        )
        .await;
    assert_eq!(rotated.status, StatusCode::CREATED, "{}", rotated.text);
    let second = rotated.json()["clientSecret"].as_str().unwrap().to_string();
    let second_token = login(second.clone()).await.json()["accessToken"]
        .as_str()
        .unwrap()
        .to_string();
    let revoked = w
        .as_user(
            &admin,
            Method::DELETE,
            &format!(
                "/api/v1/organizations/{org}/identities/{identity}/client-secrets/{first_secret_id}"
            ),
            None,
        )
        .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT, "{}", revoked.text);
    let refused = w
        .create_share(&[("authorization", &bearer)], json!({}))
        .await;
    assert_eq!(refused.assert_error(401), "Invalid or expired access token");
    assert_eq!(
        login(first_secret).await.assert_error(401),
        "Invalid credentials"
    );
    let still = w
        .create_share(
            &[("authorization", &format!("Bearer {second_token}"))],
            json!({}),
        )
        .await;
    assert_eq!(still.status, StatusCode::OK, "{}", still.text);

    // Deleting the identity voids every token.
    let deleted = w
        .as_user(
            &admin,
            Method::DELETE,
            &format!("/api/v1/organizations/{org}/identities/{identity}"),
            None,
        )
        .await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    w.create_share(
        &[("authorization", &format!("Bearer {second_token}"))],
        json!({}),
    )
    .await
    .assert_error(401);
    login(second).await.assert_error(401);
}

async fn a_password_is_reset_by_e_mail_and_every_session_ends(kind: StoreKind) {
    let w = World::new(kind).await;
    let dana = w.sign_up("dana@example.com").await;
    let unknown = w
        .send(
            Method::POST,
            "/api/v1/auth/password-reset",
            Some(json!({ "email": "nobody@example.com" })),
            &[],
        )
        .await;
    let known = w
        .send(
            Method::POST,
            "/api/v1/auth/password-reset",
            Some(json!({ "email": "dana@example.com" })),
            &[],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::ACCEPTED);
    assert_eq!(unknown.text, known.text, "the answer tells nothing");
    let mail = w.wait_mail("dana@example.com", 2).await;
    let token = link_token(&mail.body, "/reset#");
    assert!(w.mail_to("nobody@example.com").is_empty());

    let new_password = "a brand new passphrase";
    let confirm = |token: String| {
        let w = &w;
        async move {
            w.send(
                Method::POST,
                "/api/v1/auth/password-reset/confirm",
                Some(json!({ "token": token, "newPassword": new_password })),
                &[],
            )
            .await
        }
    };
    assert_eq!(confirm(token.clone()).await.status, StatusCode::NO_CONTENT);
    assert_eq!(
        confirm(token).await.assert_error(401),
        "Invalid or expired reset link"
    );
    // The old session ended; the old password no longer works; the new one does.
    w.as_user(&dana, Method::GET, "/api/v1/auth/me", None)
        .await
        .assert_error(401);
    let login = |password: &'static str| {
        let w = &w;
        async move {
            w.send(
                Method::POST,
                "/api/v1/auth/login",
                Some(json!({ "email": "dana@example.com", "password": password })),
                &[],
            )
            .await
        }
    };
    login(PASSWORD).await.assert_error(401);
    assert_eq!(login(new_password).await.status, StatusCode::OK);
}
