//! Deleting a secret takes its delete token.

use super::*;

for_both_stores!(delete_needs_the_token,);

async fn delete_needs_the_token(kind: StoreKind) {
    let app = TestApp::new(kind).await;
    let v = app
        .create(json!({ "secretValue": small_envelope(), "name": "n", "maxViews": 4 }))
        .await;
    let id = v["id"].as_str().unwrap();
    let token = v["deleteToken"].as_str().unwrap();
    let path = format!("/api/v1/shared-secrets/{id}");
    let del = |tok: Option<&str>, path: &str| {
        let mut b = Request::delete(path);
        if let Some(t) = tok {
            b = b.header("x-delete-token", t);
        }
        b.body(Body::empty()).unwrap()
    };
    app.raw(del(None, &path)).await.assert_error(401);
    assert_eq!(
        app.raw(del(Some("wrong"), &path)).await.assert_error(403),
        "You do not have access to this secret"
    );
    assert_eq!(
        app.get(id).await.status,
        200,
        "a failed delete changes nothing"
    );
    let r = app.raw(del(Some(token), &path)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let d = r.json();
    assert_eq!(d["id"], id);
    assert_eq!(d["name"], "n");
    assert_eq!(d["expiresAfterViews"], 4);
    assert!(d.get("secretValue").is_none());
    app.raw(del(Some(token), &path)).await.assert_error(404);
    app.get(id).await.assert_error(404);
    app.raw(del(Some(token), "/api/v1/shared-secrets/nope"))
        .await
        .assert_error(400);
}
