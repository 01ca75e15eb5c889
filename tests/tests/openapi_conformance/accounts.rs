//! The account and organization operations of docs/openapi.json, called for real (with a real SMTP server for the mails) until each documented status has been seen.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use zkshare_tests::server::{ServerProcess, Store};
use zkshare_tests::smtp::{SinkSecurity, SmtpSink, code_in, token_after};

use super::{Caller, Spec};

const PASSWORD: &str = "correct horse battery staple";
const NOBODY: &str = "00000000-0000-4000-8000-000000000000";
const EVIL: &str = "https://evil.example";
/// A token of the right shape that no server issued.
pub const STRANGE_SESSION: &str = "zks_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

pub const SIGNUP: &str = "/api/v1/auth/signup";
pub const VERIFY: &str = "/api/v1/auth/verify";
pub const LOGIN: &str = "/api/v1/auth/login";
pub const TOKEN: &str = "/api/v1/auth/token";
pub const LOGOUT: &str = "/api/v1/auth/logout";
pub const LOGOUT_ALL: &str = "/api/v1/auth/logout-all";
pub const ME: &str = "/api/v1/auth/me";
pub const SESSION: &str = "/api/v1/auth/session";
pub const PASSWORD_CHANGE: &str = "/api/v1/auth/password";
pub const RESET: &str = "/api/v1/auth/password-reset";
pub const RESET_CONFIRM: &str = "/api/v1/auth/password-reset/confirm";
pub const CURRENT_ORG: &str = "/api/v1/auth/current-organization";
pub const UNIVERSAL: &str = "/api/v1/auth/universal-auth/login";
pub const LOOKUP: &str = "/api/v1/invites/lookup";
pub const ACCEPT: &str = "/api/v1/invites/accept";
pub const ORGS: &str = "/api/v1/organizations";
pub const MEMBERS: &str = "/api/v1/organizations/{org}/members";
pub const MEMBER: &str = "/api/v1/organizations/{org}/members/{user}";
pub const INVITES: &str = "/api/v1/organizations/{org}/invites";
pub const INVITE: &str = "/api/v1/organizations/{org}/invites/{invite}";
pub const IDENTITIES: &str = "/api/v1/organizations/{org}/identities";
pub const IDENTITY: &str = "/api/v1/organizations/{org}/identities/{identity}";
pub const SECRETS_OF: &str = "/api/v1/organizations/{org}/identities/{identity}/client-secrets";
pub const ACCESS_LOG: &str = "/api/v1/shared-secrets/{id}/access-log";
pub const SHARING: &str = "/api/v1/organizations/{org}/secret-sharing";
pub const BRANDING: &str = "/api/v1/organizations/{org}/branding";
pub const BRAND_LOGO: &str = "/api/v1/organizations/{org}/branding/brand-logo";
pub const BRAND_FAVICON: &str = "/api/v1/organizations/{org}/branding/brand-favicon";
pub const PUBLIC_BRANDING: &str = "/api/v1/branding/{org}";
pub const CLIENT_SECRET: &str =
    "/api/v1/organizations/{org}/identities/{identity}/client-secrets/{secret}";
pub const REQUESTS: &str = "/api/v1/shared-secrets/requests";
pub const REQUEST: &str = "/api/v1/shared-secrets/requests/{id}";
pub const SET_VALUE: &str = "/api/v1/shared-secrets/requests/{id}/set-value";
pub const REVEAL: &str = "/api/v1/shared-secrets/requests/{id}/reveal-value";

/// `b64(bytes)`, base64url without padding.
fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A requester's public key of the one suite (its bytes are random: the server checks shape).
pub fn request_key() -> String {
    let mut key = [1u8; 33];
    rand::fill(&mut key[1..]);
    b64(&key)
}

/// A requester token: 32 random bytes.
pub fn request_token() -> String {
    b64(&rand::random::<[u8; 32]>())
}

/// An answer of the right shape: header `version || 0x10 || suite`, then `enc`, one 256-byte
/// payload block and the tag (random bytes: only the requester's key could tell).
pub fn request_answer() -> String {
    let mut body = vec![0u8; 32 + 256 + 16];
    rand::fill(&mut body[..]);
    format!("{}.{}", b64(&[1, 0x10, 1]), b64(&body))
}

/// `template` with its `{name}` segments filled in order.
pub fn fill(template: &str, values: &[&str]) -> String {
    let mut out = String::new();
    let mut rest = template;
    let mut values = values.iter();
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').unwrap() + open;
        out.push_str(&rest[..open]);
        out.push_str(values.next().expect("a value for each segment"));
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

/// Every account operation with a body the server accepts the shape of, on made-up ids: for
/// the statuses every operation answers alike (429, 503).
pub fn operations() -> Vec<(Method, &'static str, String, Option<Value>)> {
    let n = NOBODY;
    let unknown = "AAAAAAAAAAAAAAAAAAAAAA";
    let login = json!({ "email": "x@example.com", "password": PASSWORD });
    let token = json!({ "token": "zki_x" });
    let name = json!({ "name": "x" });
    vec![
        (Method::POST, SIGNUP, SIGNUP.into(), Some(login.clone())),
        (
            Method::POST,
            VERIFY,
            VERIFY.into(),
            Some(json!({ "email": "x@example.com", "code": "00000000" })),
        ),
        (Method::POST, LOGIN, LOGIN.into(), Some(login.clone())),
        (Method::POST, TOKEN, TOKEN.into(), Some(login)),
        (Method::POST, LOGOUT, LOGOUT.into(), None),
        (Method::POST, LOGOUT_ALL, LOGOUT_ALL.into(), None),
        (Method::GET, ME, ME.into(), None),
        (Method::GET, SESSION, SESSION.into(), None),
        (
            Method::DELETE,
            ME,
            ME.into(),
            Some(json!({ "password": PASSWORD })),
        ),
        (
            Method::POST,
            PASSWORD_CHANGE,
            PASSWORD_CHANGE.into(),
            Some(json!({ "currentPassword": PASSWORD, "newPassword": PASSWORD })),
        ),
        (
            Method::POST,
            RESET,
            RESET.into(),
            Some(json!({ "email": "x@example.com" })),
        ),
        (
            Method::POST,
            RESET_CONFIRM,
            RESET_CONFIRM.into(),
            Some(json!({ "token": "zkr_x", "newPassword": PASSWORD })),
        ),
        (
            Method::POST,
            CURRENT_ORG,
            CURRENT_ORG.into(),
            Some(json!({ "organizationId": n })),
        ),
        (
            Method::POST,
            UNIVERSAL,
            UNIVERSAL.into(),
            Some(json!({ "clientId": n, "clientSecret": "zkcs_x" })),
        ),
        (Method::POST, LOOKUP, LOOKUP.into(), Some(token.clone())),
        (Method::POST, ACCEPT, ACCEPT.into(), Some(token)),
        (Method::GET, ORGS, ORGS.into(), None),
        (Method::POST, ORGS, ORGS.into(), Some(name.clone())),
        (Method::GET, MEMBERS, fill(MEMBERS, &[n]), None),
        (Method::GET, SHARING, fill(SHARING, &[n]), None),
        (Method::GET, BRANDING, fill(BRANDING, &[n]), None),
        (
            Method::PATCH,
            BRANDING,
            fill(BRANDING, &[n]),
            Some(json!({ "displayName": "x" })),
        ),
        (Method::DELETE, BRANDING, fill(BRANDING, &[n]), None),
        // The uploads read their multipart body after the caller is known: without a body
        // they answer 429 and 503 like the rest.
        (Method::POST, BRAND_LOGO, fill(BRAND_LOGO, &[n]), None),
        (Method::DELETE, BRAND_LOGO, fill(BRAND_LOGO, &[n]), None),
        (Method::POST, BRAND_FAVICON, fill(BRAND_FAVICON, &[n]), None),
        (
            Method::DELETE,
            BRAND_FAVICON,
            fill(BRAND_FAVICON, &[n]),
            None,
        ),
        (
            Method::GET,
            PUBLIC_BRANDING,
            fill(PUBLIC_BRANDING, &[n]),
            None,
        ),
        (
            Method::PATCH,
            SHARING,
            fill(SHARING, &[n]),
            Some(json!({ "requireSharedSecretPassword": true })),
        ),
        (
            Method::GET,
            ACCESS_LOG,
            fill(ACCESS_LOG, &["AAAAAAAAAAAAAAAAAAAAAA"]),
            None,
        ),
        (
            Method::PATCH,
            MEMBER,
            fill(MEMBER, &[n, n]),
            Some(json!({ "role": "member" })),
        ),
        (Method::DELETE, MEMBER, fill(MEMBER, &[n, n]), None),
        (Method::GET, INVITES, fill(INVITES, &[n]), None),
        (
            Method::POST,
            INVITES,
            fill(INVITES, &[n]),
            Some(json!({ "email": "x@example.com" })),
        ),
        (Method::DELETE, INVITE, fill(INVITE, &[n, n]), None),
        (Method::GET, IDENTITIES, fill(IDENTITIES, &[n]), None),
        (Method::POST, IDENTITIES, fill(IDENTITIES, &[n]), Some(name)),
        (Method::DELETE, IDENTITY, fill(IDENTITY, &[n, n]), None),
        (Method::POST, SECRETS_OF, fill(SECRETS_OF, &[n, n]), None),
        (
            Method::DELETE,
            CLIENT_SECRET,
            fill(CLIENT_SECRET, &[n, n, n]),
            None,
        ),
        (
            Method::POST,
            REQUESTS,
            REQUESTS.into(),
            Some(json!({ "publicKey": request_key(), "requesterToken": request_token() })),
        ),
        (Method::GET, REQUESTS, REQUESTS.into(), None),
        (Method::GET, REQUEST, fill(REQUEST, &[unknown]), None),
        (Method::DELETE, REQUEST, fill(REQUEST, &[unknown]), None),
        (
            Method::POST,
            SET_VALUE,
            fill(SET_VALUE, &[unknown]),
            Some(json!({ "secretValue": request_answer() })),
        ),
        (
            Method::POST,
            REVEAL,
            fill(REVEAL, &[unknown]),
            Some(json!({ "requesterToken": request_token() })),
        ),
    ]
}

/// The operations whose handler reads a JSON body from a POST (for 408 and 413).
pub fn posts_with_bodies() -> Vec<(&'static str, String)> {
    operations()
        .into_iter()
        .filter(|(m, _, _, body)| *m == Method::POST && body.is_some())
        .map(|(_, template, path, _)| (template, path))
        .collect()
}

/// Who calls: nobody, a bearer token, or the session cookie with an Origin.
#[derive(Clone, Copy)]
enum As<'a> {
    Anonymous,
    Bearer(&'a str),
    Cookie(&'a str, &'a str),
}

struct Api<'a> {
    caller: Caller<'a>,
    base: String,
}

impl Api<'_> {
    async fn expect(
        &self,
        status: u16,
        method: Method,
        template: &str,
        path: &str,
        who: As<'_>,
        body: Option<Value>,
    ) -> Value {
        let mut r = self
            .caller
            .http
            .request(method.clone(), format!("{}{path}", self.base));
        r = match who {
            As::Anonymous => r,
            As::Bearer(t) => r.bearer_auth(t),
            As::Cookie(c, origin) => r.header("cookie", c).header("origin", origin),
        };
        if let Some(b) = &body {
            self.caller
                .spec
                .assert_valid_request_lenient(template, method.as_str(), b, status);
            r = r.json(b);
        }
        let (got, answer) = self
            .caller
            .spec
            .exchange(r, method.as_str(), template)
            .await;
        assert_eq!(got, status, "{method} {path}: {answer:#}");
        answer
    }
}

/// The healthy account flows, through every documented status but 408, 413, 429, 500, 503.
pub async fn account_operations(spec: &Spec) {
    let sink = SmtpSink::start(SinkSecurity::StartTls);
    let dir = tempfile::tempdir().unwrap();
    let args = sink.server_args();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let server = ServerProcess::start(Store::Embedded(dir.path()), &args);
    let base = server.base_url().to_string();
    let api = Api {
        caller: Caller::new(spec, &base),
        base: base.clone(),
    };
    let mail_to = |to: &str, n: usize| sink.wait_for_to(to, n, Duration::from_secs(10)).body;
    use As::*;
    let post = Method::POST;

    // Sign-up and verification.
    let sign_up = |email: &'static str| {
        let api = &api;
        async move {
            api.expect(
                202,
                Method::POST,
                SIGNUP,
                SIGNUP,
                Anonymous,
                Some(json!({ "email": email, "password": PASSWORD })),
            )
            .await;
        }
    };
    api.expect(
        400,
        post.clone(),
        SIGNUP,
        SIGNUP,
        Anonymous,
        Some(json!({ "email": "not an address", "password": PASSWORD })),
    )
    .await;
    sign_up("admin@example.com").await;
    let code = code_in(&mail_to("admin@example.com", 1));
    api.expect(
        401,
        post.clone(),
        VERIFY,
        VERIFY,
        Anonymous,
        Some(json!({ "email": "admin@example.com", "code": "12345678x" })),
    )
    .await;
    api.expect(
        400,
        post.clone(),
        VERIFY,
        VERIFY,
        Anonymous,
        Some(json!({ "email": "not an address", "code": "12345678" })),
    )
    .await;
    let verified = api
        .expect(
            201,
            post.clone(),
            VERIFY,
            VERIFY,
            Anonymous,
            Some(json!({ "email": "admin@example.com", "code": code })),
        )
        .await;
    let admin_id = verified["user"]["id"].as_str().unwrap().to_string();

    // Login, tokens, the profile.
    api.expect(
        400,
        post.clone(),
        LOGIN,
        LOGIN,
        Anonymous,
        Some(json!({ "email": "admin@example.com" })),
    )
    .await;
    api.expect(
        401,
        post.clone(),
        LOGIN,
        LOGIN,
        Anonymous,
        Some(json!({ "email": "admin@example.com", "password": "wrong password" })),
    )
    .await;
    let login = api
        .caller
        .http
        .post(format!("{base}{LOGIN}"))
        .json(&json!({ "email": "admin@example.com", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    let cookie = login.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let (status, _) = spec.exchange_text(login, "post", LOGIN).await;
    assert_eq!(status, 200);
    let cookie = cookie.as_str();
    api.expect(
        400,
        post.clone(),
        TOKEN,
        TOKEN,
        Anonymous,
        Some(json!({ "password": PASSWORD })),
    )
    .await;
    api.expect(
        401,
        post.clone(),
        TOKEN,
        TOKEN,
        Anonymous,
        Some(json!({ "email": "nobody@example.com", "password": PASSWORD })),
    )
    .await;
    let token = api
        .expect(
            200,
            post.clone(),
            TOKEN,
            TOKEN,
            Anonymous,
            Some(json!({ "email": "admin@example.com", "password": PASSWORD })),
        )
        .await;
    let bearer = token["accessToken"].as_str().unwrap().to_string();
    let b = bearer.as_str();
    api.expect(200, Method::GET, ME, ME, Bearer(b), None).await;
    api.expect(401, Method::GET, ME, ME, Anonymous, None).await;

    // The session probe: null for a visitor, the profile when signed in.
    api.expect(200, Method::GET, SESSION, SESSION, Anonymous, None)
        .await;
    api.expect(200, Method::GET, SESSION, SESSION, Bearer(b), None)
        .await;
    api.expect(
        401,
        Method::GET,
        SESSION,
        SESSION,
        Bearer(STRANGE_SESSION),
        None,
    )
    .await;
    for (header, status) in [("nope", 400), (NOBODY, 403)] {
        let r = api
            .caller
            .http
            .get(format!("{base}{SESSION}"))
            .bearer_auth(b)
            .header("x-organization-id", header);
        let (s, _) = spec.exchange(r, "get", SESSION).await;
        assert_eq!(s, status);
    }

    // Organizations.
    api.expect(401, Method::GET, ORGS, ORGS, Anonymous, None)
        .await;
    api.expect(
        401,
        post.clone(),
        ORGS,
        ORGS,
        Anonymous,
        Some(json!({ "name": "Acme" })),
    )
    .await;
    api.expect(
        400,
        post.clone(),
        ORGS,
        ORGS,
        Bearer(b),
        Some(json!({ "name": "   " })),
    )
    .await;
    api.expect(
        403,
        post.clone(),
        ORGS,
        ORGS,
        Cookie(cookie, EVIL),
        Some(json!({ "name": "Acme" })),
    )
    .await;
    let org = api
        .expect(
            201,
            post.clone(),
            ORGS,
            ORGS,
            Bearer(b),
            Some(json!({ "name": "Acme" })),
        )
        .await;
    let org = org["organization"]["id"].as_str().unwrap().to_string();
    api.expect(200, Method::GET, ORGS, ORGS, Bearer(b), None)
        .await;

    // The current organization; a request for an organization one is not in.
    api.expect(
        401,
        post.clone(),
        CURRENT_ORG,
        CURRENT_ORG,
        Anonymous,
        Some(json!({ "organizationId": org })),
    )
    .await;
    api.expect(
        400,
        post.clone(),
        CURRENT_ORG,
        CURRENT_ORG,
        Bearer(b),
        Some(json!({ "organizationId": "nope" })),
    )
    .await;
    api.expect(
        403,
        post.clone(),
        CURRENT_ORG,
        CURRENT_ORG,
        Bearer(b),
        Some(json!({ "organizationId": NOBODY })),
    )
    .await;
    api.expect(
        200,
        post.clone(),
        CURRENT_ORG,
        CURRENT_ORG,
        Bearer(b),
        Some(json!({ "organizationId": org })),
    )
    .await;
    let mut r = api
        .caller
        .http
        .get(format!("{base}{ME}"))
        .bearer_auth(b)
        .header("x-organization-id", "nope");
    let (s, _) = spec.exchange(r, "get", ME).await;
    assert_eq!(s, 400);
    r = api
        .caller
        .http
        .get(format!("{base}{ME}"))
        .bearer_auth(b)
        .header("x-organization-id", NOBODY);
    let (s, _) = spec.exchange(r, "get", ME).await;
    assert_eq!(s, 403);

    // Invitations: a member joins.
    let invites = fill(INVITES, &[&org]);
    api.expect(
        401,
        post.clone(),
        INVITES,
        &invites,
        Anonymous,
        Some(json!({ "email": "bob@example.com" })),
    )
    .await;
    api.expect(
        400,
        post.clone(),
        INVITES,
        &invites,
        Bearer(b),
        Some(json!({ "email": "nope" })),
    )
    .await;
    api.expect(
        409,
        post.clone(),
        INVITES,
        &invites,
        Bearer(b),
        Some(json!({ "email": "admin@example.com" })),
    )
    .await;
    let invited = api
        .expect(
            201,
            post.clone(),
            INVITES,
            &invites,
            Bearer(b),
            Some(json!({ "email": "bob@example.com" })),
        )
        .await;
    let invite_token = token_after(&mail_to("bob@example.com", 1), "/invite#");
    api.expect(200, Method::GET, INVITES, &invites, Bearer(b), None)
        .await;
    api.expect(401, Method::GET, INVITES, &invites, Anonymous, None)
        .await;
    api.expect(
        400,
        Method::GET,
        INVITES,
        &fill(INVITES, &["nope"]),
        Bearer(b),
        None,
    )
    .await;
    api.expect(
        200,
        post.clone(),
        LOOKUP,
        LOOKUP,
        Anonymous,
        Some(json!({ "token": invite_token })),
    )
    .await;
    api.expect(
        404,
        post.clone(),
        LOOKUP,
        LOOKUP,
        Anonymous,
        Some(json!({ "token": "zki_unknown" })),
    )
    .await;
    api.expect(
        400,
        post.clone(),
        LOOKUP,
        LOOKUP,
        Anonymous,
        Some(json!({})),
    )
    .await;
    sign_up("bob@example.com").await;
    let code = code_in(&mail_to("bob@example.com", 2));
    api.expect(
        201,
        post.clone(),
        VERIFY,
        VERIFY,
        Anonymous,
        Some(json!({ "email": "bob@example.com", "code": code })),
    )
    .await;
    let bob = api
        .expect(
            200,
            post.clone(),
            TOKEN,
            TOKEN,
            Anonymous,
            Some(json!({ "email": "bob@example.com", "password": PASSWORD })),
        )
        .await;
    let bob_token = bob["accessToken"].as_str().unwrap().to_string();
    let bob_id = bob["userId"].as_str().unwrap().to_string();
    let bb = bob_token.as_str();
    api.expect(
        401,
        post.clone(),
        ACCEPT,
        ACCEPT,
        Anonymous,
        Some(json!({ "token": invite_token })),
    )
    .await;
    api.expect(
        400,
        post.clone(),
        ACCEPT,
        ACCEPT,
        Bearer(bb),
        Some(json!({})),
    )
    .await;
    api.expect(
        404,
        post.clone(),
        ACCEPT,
        ACCEPT,
        Bearer(bb),
        Some(json!({ "token": "zki_unknown" })),
    )
    .await;
    api.expect(
        403,
        post.clone(),
        ACCEPT,
        ACCEPT,
        Bearer(b),
        Some(json!({ "token": invite_token })),
    )
    .await;
    api.expect(
        200,
        post.clone(),
        ACCEPT,
        ACCEPT,
        Bearer(bb),
        Some(json!({ "token": invite_token })),
    )
    .await;
    // Revoking an invitation.
    let second = api
        .expect(
            201,
            post.clone(),
            INVITES,
            &invites,
            Bearer(b),
            Some(json!({ "email": "carol@example.com" })),
        )
        .await;
    let second = second["invite"]["id"].as_str().unwrap().to_string();
    let _ = invited;
    api.expect(
        403,
        Method::DELETE,
        INVITE,
        &fill(INVITE, &[&org, &second]),
        Bearer(bb),
        None,
    )
    .await;
    api.expect(
        401,
        Method::DELETE,
        INVITE,
        &fill(INVITE, &[&org, &second]),
        Anonymous,
        None,
    )
    .await;
    api.expect(
        400,
        Method::DELETE,
        INVITE,
        &fill(INVITE, &[&org, "nope"]),
        Bearer(b),
        None,
    )
    .await;
    api.expect(
        204,
        Method::DELETE,
        INVITE,
        &fill(INVITE, &[&org, &second]),
        Bearer(b),
        None,
    )
    .await;
    api.expect(
        404,
        Method::DELETE,
        INVITE,
        &fill(INVITE, &[&org, &second]),
        Bearer(b),
        None,
    )
    .await;
    // A member is not an admin.
    api.expect(
        403,
        post.clone(),
        INVITES,
        &invites,
        Bearer(bb),
        Some(json!({ "email": "dan@example.com" })),
    )
    .await;
    api.expect(403, Method::GET, INVITES, &invites, Bearer(bb), None)
        .await;

    // Members and roles.
    let members = fill(MEMBERS, &[&org]);
    api.expect(200, Method::GET, MEMBERS, &members, Bearer(b), None)
        .await;
    api.expect(401, Method::GET, MEMBERS, &members, Anonymous, None)
        .await;
    api.expect(403, Method::GET, MEMBERS, &members, Bearer(bb), None)
        .await;
    api.expect(
        400,
        Method::GET,
        MEMBERS,
        &fill(MEMBERS, &["nope"]),
        Bearer(b),
        None,
    )
    .await;
    let admin_member = fill(MEMBER, &[&org, &admin_id]);
    let bob_member = fill(MEMBER, &[&org, &bob_id]);
    let role = |r: &str| Some(json!({ "role": r }));
    api.expect(
        409,
        Method::PATCH,
        MEMBER,
        &admin_member,
        Bearer(b),
        role("member"),
    )
    .await;
    api.expect(
        400,
        Method::PATCH,
        MEMBER,
        &bob_member,
        Bearer(b),
        role("owner"),
    )
    .await;
    api.expect(
        401,
        Method::PATCH,
        MEMBER,
        &bob_member,
        Anonymous,
        role("admin"),
    )
    .await;
    api.expect(
        403,
        Method::PATCH,
        MEMBER,
        &admin_member,
        Bearer(bb),
        role("member"),
    )
    .await;
    api.expect(
        404,
        Method::PATCH,
        MEMBER,
        &fill(MEMBER, &[&org, NOBODY]),
        Bearer(b),
        role("admin"),
    )
    .await;
    api.expect(
        200,
        Method::PATCH,
        MEMBER,
        &bob_member,
        Bearer(b),
        role("member"),
    )
    .await;
    api.expect(409, Method::DELETE, MEMBER, &admin_member, Bearer(b), None)
        .await;
    api.expect(401, Method::DELETE, MEMBER, &bob_member, Anonymous, None)
        .await;
    api.expect(403, Method::DELETE, MEMBER, &admin_member, Bearer(bb), None)
        .await;
    api.expect(
        400,
        Method::DELETE,
        MEMBER,
        &fill(MEMBER, &[&org, "nope"]),
        Bearer(b),
        None,
    )
    .await;
    api.expect(
        404,
        Method::DELETE,
        MEMBER,
        &fill(MEMBER, &[&org, NOBODY]),
        Bearer(b),
        None,
    )
    .await;
    // Deleting an account that is the last admin of an organization with others: 409.
    api.expect(
        409,
        Method::DELETE,
        ME,
        ME,
        Bearer(b),
        Some(json!({ "password": PASSWORD })),
    )
    .await;

    // Machine identities.
    let identities = fill(IDENTITIES, &[&org]);
    let name = Some(json!({ "name": "deploy" }));
    api.expect(
        401,
        post.clone(),
        IDENTITIES,
        &identities,
        Anonymous,
        name.clone(),
    )
    .await;
    api.expect(
        403,
        post.clone(),
        IDENTITIES,
        &identities,
        Bearer(bb),
        name.clone(),
    )
    .await;
    api.expect(
        400,
        post.clone(),
        IDENTITIES,
        &identities,
        Bearer(b),
        Some(json!({ "name": "" })),
    )
    .await;
    let made = api
        .expect(201, post.clone(), IDENTITIES, &identities, Bearer(b), name)
        .await;
    api.expect(200, Method::GET, IDENTITIES, &identities, Bearer(b), None)
        .await;
    api.expect(401, Method::GET, IDENTITIES, &identities, Anonymous, None)
        .await;
    api.expect(403, Method::GET, IDENTITIES, &identities, Bearer(bb), None)
        .await;
    api.expect(
        400,
        Method::GET,
        IDENTITIES,
        &fill(IDENTITIES, &["nope"]),
        Bearer(b),
        None,
    )
    .await;
    let identity = made["identity"]["id"].as_str().unwrap().to_string();
    let client_id = made["identity"]["clientId"].as_str().unwrap().to_string();
    let first = made["clientSecretId"].as_str().unwrap().to_string();
    let client_secret = made["clientSecret"].as_str().unwrap().to_string();
    api.expect(
        400,
        post.clone(),
        UNIVERSAL,
        UNIVERSAL,
        Anonymous,
        Some(json!({ "clientId": client_id })),
    )
    .await;
    api.expect(
        401,
        post.clone(),
        UNIVERSAL,
        UNIVERSAL,
        Anonymous,
        Some(json!({ "clientId": client_id, "clientSecret": "zkcs_wrong" })),
    )
    .await;
    let machine = api
        .expect(
            200,
            post.clone(),
            UNIVERSAL,
            UNIVERSAL,
            Anonymous,
            Some(json!({ "clientId": client_id, "clientSecret": client_secret })),
        )
        .await;
    let machine = machine["accessToken"].as_str().unwrap().to_string();
    let secrets_of = fill(SECRETS_OF, &[&org, &identity]);
    api.expect(201, post.clone(), SECRETS_OF, &secrets_of, Bearer(b), None)
        .await;
    api.expect(401, post.clone(), SECRETS_OF, &secrets_of, Anonymous, None)
        .await;
    api.expect(403, post.clone(), SECRETS_OF, &secrets_of, Bearer(bb), None)
        .await;
    api.expect(
        400,
        post.clone(),
        SECRETS_OF,
        &fill(SECRETS_OF, &[&org, "nope"]),
        Bearer(b),
        None,
    )
    .await;
    api.expect(
        404,
        post.clone(),
        SECRETS_OF,
        &fill(SECRETS_OF, &[&org, NOBODY]),
        Bearer(b),
        None,
    )
    .await;
    let revoke = fill(CLIENT_SECRET, &[&org, &identity, &first]);
    api.expect(401, Method::DELETE, CLIENT_SECRET, &revoke, Anonymous, None)
        .await;
    api.expect(
        403,
        Method::DELETE,
        CLIENT_SECRET,
        &revoke,
        Bearer(bb),
        None,
    )
    .await;
    api.expect(
        400,
        Method::DELETE,
        CLIENT_SECRET,
        &fill(CLIENT_SECRET, &[&org, &identity, "nope"]),
        Bearer(b),
        None,
    )
    .await;
    api.expect(204, Method::DELETE, CLIENT_SECRET, &revoke, Bearer(b), None)
        .await;
    api.expect(404, Method::DELETE, CLIENT_SECRET, &revoke, Bearer(b), None)
        .await;
    // The revoked secret's token is refused; a machine identity manages nothing.
    api.expect(401, Method::GET, ORGS, ORGS, Bearer(&machine), None)
        .await;
    let id_path = fill(IDENTITY, &[&org, &identity]);
    api.expect(401, Method::DELETE, IDENTITY, &id_path, Anonymous, None)
        .await;
    api.expect(403, Method::DELETE, IDENTITY, &id_path, Bearer(bb), None)
        .await;
    api.expect(
        400,
        Method::DELETE,
        IDENTITY,
        &fill(IDENTITY, &[&org, "nope"]),
        Bearer(b),
        None,
    )
    .await;
    api.expect(204, Method::DELETE, IDENTITY, &id_path, Bearer(b), None)
        .await;
    api.expect(404, Method::DELETE, IDENTITY, &id_path, Bearer(b), None)
        .await;

    // The admin removes the member.
    api.expect(204, Method::DELETE, MEMBER, &bob_member, Bearer(b), None)
        .await;

    // Restricted shares: e-mail recipients, the creator's list, delete, access log, and the
    // organization's sharing settings. Bob is no member any more: he is the outsider.
    restricted_shares(&api, &org, b, bb, &sink).await;
    // Secret requests: the admin asks, the outsider is refused, the admin answers and reveals.
    secret_requests(&api, b, bb, &sink).await;
    // Branding: the admin sets and uploads, the outsider and visitors are refused.
    super::branding::flow(spec, &base, &org, b, bb).await;

    // Password change, reset, logout.
    let change =
        |current: &str, new: &str| Some(json!({ "currentPassword": current, "newPassword": new }));
    api.expect(
        401,
        post.clone(),
        PASSWORD_CHANGE,
        PASSWORD_CHANGE,
        Anonymous,
        change(PASSWORD, "another long passphrase"),
    )
    .await;
    api.expect(
        401,
        post.clone(),
        PASSWORD_CHANGE,
        PASSWORD_CHANGE,
        Bearer(bb),
        change("wrong password", "another long passphrase"),
    )
    .await;
    api.expect(
        400,
        post.clone(),
        PASSWORD_CHANGE,
        PASSWORD_CHANGE,
        Bearer(bb),
        change(PASSWORD, "short"),
    )
    .await;
    api.expect(
        403,
        post.clone(),
        PASSWORD_CHANGE,
        PASSWORD_CHANGE,
        Cookie(cookie, EVIL),
        change(PASSWORD, "another long passphrase"),
    )
    .await;
    let renewed = api
        .expect(
            200,
            post.clone(),
            PASSWORD_CHANGE,
            PASSWORD_CHANGE,
            Bearer(bb),
            change(PASSWORD, "another long passphrase"),
        )
        .await;
    let _ = renewed;
    // With the cookie, the answer is the profile (also documented as 200).
    let cookie_change = api
        .caller
        .http
        .post(format!("{base}{PASSWORD_CHANGE}"))
        .header("cookie", cookie)
        .header("origin", base.as_str())
        .json(&json!({ "currentPassword": PASSWORD, "newPassword": PASSWORD }))
        .send()
        .await
        .unwrap();
    let cookie = cookie_change.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let (s, _) = spec
        .exchange_text(cookie_change, "post", PASSWORD_CHANGE)
        .await;
    assert_eq!(s, 200);
    let cookie = cookie.as_str();
    api.expect(
        400,
        post.clone(),
        RESET,
        RESET,
        Anonymous,
        Some(json!({ "email": "nope" })),
    )
    .await;
    api.expect(
        202,
        post.clone(),
        RESET,
        RESET,
        Anonymous,
        Some(json!({ "email": "bob@example.com" })),
    )
    .await;
    let reset = token_after(&mail_to("bob@example.com", 3), "/reset#");
    api.expect(
        401,
        post.clone(),
        RESET_CONFIRM,
        RESET_CONFIRM,
        Anonymous,
        Some(json!({ "token": "zkr_unknown", "newPassword": PASSWORD })),
    )
    .await;
    api.expect(
        400,
        post.clone(),
        RESET_CONFIRM,
        RESET_CONFIRM,
        Anonymous,
        Some(json!({ "token": "zkr_unknown", "newPassword": "short" })),
    )
    .await;
    api.expect(
        204,
        post.clone(),
        RESET_CONFIRM,
        RESET_CONFIRM,
        Anonymous,
        Some(json!({ "token": reset, "newPassword": PASSWORD })),
    )
    .await;

    api.expect(
        403,
        post.clone(),
        LOGOUT,
        LOGOUT,
        Cookie(cookie, EVIL),
        None,
    )
    .await;
    api.expect(
        403,
        post.clone(),
        LOGOUT_ALL,
        LOGOUT_ALL,
        Cookie(cookie, EVIL),
        None,
    )
    .await;
    api.expect(401, post.clone(), LOGOUT_ALL, LOGOUT_ALL, Anonymous, None)
        .await;
    api.expect(
        204,
        post.clone(),
        LOGOUT,
        LOGOUT,
        Cookie(cookie, &base),
        None,
    )
    .await;
    let b2 = api
        .expect(
            200,
            post.clone(),
            TOKEN,
            TOKEN,
            Anonymous,
            Some(json!({ "email": "admin@example.com", "password": PASSWORD })),
        )
        .await;
    let b2 = b2["accessToken"].as_str().unwrap().to_string();
    api.expect(204, post.clone(), LOGOUT_ALL, LOGOUT_ALL, Bearer(&b2), None)
        .await;
    api.expect(401, Method::GET, ME, ME, Bearer(&b2), None)
        .await;

    // Deleting accounts: wrong password, missing body, a cross-site attempt, then for real.
    let bob = api
        .expect(
            200,
            post.clone(),
            TOKEN,
            TOKEN,
            Anonymous,
            Some(json!({ "email": "bob@example.com", "password": PASSWORD })),
        )
        .await;
    let bb = bob["accessToken"].as_str().unwrap().to_string();
    api.expect(
        401,
        Method::DELETE,
        ME,
        ME,
        Bearer(&bb),
        Some(json!({ "password": "wrong password" })),
    )
    .await;
    api.expect(400, Method::DELETE, ME, ME, Bearer(&bb), Some(json!({})))
        .await;
    let login = api
        .caller
        .http
        .post(format!("{base}{LOGIN}"))
        .json(&json!({ "email": "bob@example.com", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    let bob_cookie = login.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    api.expect(
        403,
        Method::DELETE,
        ME,
        ME,
        Cookie(&bob_cookie, EVIL),
        Some(json!({ "password": PASSWORD })),
    )
    .await;
    api.expect(
        204,
        Method::DELETE,
        ME,
        ME,
        Bearer(&bb),
        Some(json!({ "password": PASSWORD })),
    )
    .await;
}

/// Sign-ups refused by configuration: 403.
pub async fn closed_sign_ups(spec: &Spec) {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(Store::Embedded(dir.path()), &["--signups", "closed"]);
    let base = server.base_url().to_string();
    let api = Api {
        caller: Caller::new(spec, &base),
        base,
    };
    api.expect(
        403,
        Method::POST,
        SIGNUP,
        SIGNUP,
        As::Anonymous,
        Some(json!({ "email": "x@example.com", "password": PASSWORD })),
    )
    .await;
}

/// The restricted-share operations with `admin` (bearer `a`, admin of `org`) and `outsider`
/// (bearer `o`, in no organization of theirs): every documented status but 429, 500, 503.
async fn restricted_shares(api: &Api<'_>, org: &str, a: &str, o: &str, sink: &SmtpSink) {
    use As::*;
    use zkshare_crypto::{Credentials, seal_text};
    let secrets = super::SECRETS;
    let secret = super::SECRET;
    let access = super::ACCESS;
    let sealed = seal_text("for the admin", &Credentials::Password("pw for mail")).unwrap();
    let mailed = json!({ "secretValue": sealed.envelope, "password": sealed.verifier,
        "authorizedEmails": ["admin@example.com"], "name": "mailed", "notifyOnView": true });
    let created = api
        .expect(
            200,
            Method::POST,
            secrets,
            secrets,
            Bearer(a),
            Some(mailed.clone()),
        )
        .await;
    assert_eq!(created["authorizedEmails"], json!(["admin@example.com"]));
    assert_eq!(created["recipientCount"], json!(1));
    let id = created["id"].as_str().unwrap().to_string();
    let link = format!("/s/{id}");
    let mailed_to_admin = (0..400).any(|_| {
        let found = sink
            .messages_to("admin@example.com")
            .iter()
            .any(|m| m.body.contains(&link));
        if !found {
            std::thread::sleep(Duration::from_millis(25));
        }
        found
    });
    assert!(mailed_to_admin, "the recipient's mail with {link}");
    // 400: e-mails without a password, and to someone outside the organization.
    let mut no_password = mailed.clone();
    no_password.as_object_mut().unwrap().remove("password");
    api.expect(
        400,
        Method::POST,
        secrets,
        secrets,
        Bearer(a),
        Some(no_password),
    )
    .await;
    let mut outside = mailed.clone();
    outside["authorizedEmails"] = json!(["stranger@example.com"]);
    api.expect(
        400,
        Method::POST,
        secrets,
        secrets,
        Bearer(a),
        Some(outside),
    )
    .await;
    // Access: the outsider is refused (403), the admin opens it with the verifier.
    let proof = json!({ "password": sealed.verifier });
    let path = format!("/api/v1/shared-secrets/{id}/access");
    let refused = api
        .expect(
            403,
            Method::POST,
            access,
            &path,
            Bearer(o),
            Some(proof.clone()),
        )
        .await;
    assert_eq!(refused["message"], "You do not have access to this secret");
    api.expect(200, Method::POST, access, &path, Bearer(a), Some(proof))
        .await;

    // The list.
    let page = api
        .expect(
            200,
            Method::GET,
            secrets,
            &format!("{secrets}?limit=1"),
            Bearer(a),
            None,
        )
        .await;
    assert_eq!(page["secrets"].as_array().unwrap().len(), 1);
    api.expect(
        400,
        Method::GET,
        secrets,
        &format!("{secrets}?limit=0"),
        Bearer(a),
        None,
    )
    .await;
    api.expect(401, Method::GET, secrets, secrets, Anonymous, None)
        .await;

    // The access log.
    let log = fill(ACCESS_LOG, &[&id]);
    let events = api
        .expect(200, Method::GET, ACCESS_LOG, &log, Bearer(a), None)
        .await;
    assert_eq!(events["events"][0]["outcome"], "not_allowed");
    api.expect(401, Method::GET, ACCESS_LOG, &log, Anonymous, None)
        .await;
    api.expect(403, Method::GET, ACCESS_LOG, &log, Bearer(o), None)
        .await;
    api.expect(
        400,
        Method::GET,
        ACCESS_LOG,
        &fill(ACCESS_LOG, &["nope"]),
        Bearer(a),
        None,
    )
    .await;
    api.expect(
        404,
        Method::GET,
        ACCESS_LOG,
        &fill(ACCESS_LOG, &["AAAAAAAAAAAAAAAAAAAAAA"]),
        Bearer(a),
        None,
    )
    .await;

    // Delete as the creator, without the token; the outsider may not.
    let other = api
        .expect(
            200,
            Method::POST,
            secrets,
            secrets,
            Bearer(a),
            Some(json!({ "secretValue": sealed.envelope })),
        )
        .await;
    let other = fill(secret, &[other["id"].as_str().unwrap()]);
    api.expect(403, Method::DELETE, secret, &other, Bearer(o), None)
        .await;
    let deleted = api
        .expect(200, Method::DELETE, secret, &other, Bearer(a), None)
        .await;
    assert_eq!(deleted["orgId"], json!(org));

    // The organization's sharing settings.
    let sharing = fill(SHARING, &[org]);
    let settings = api
        .expect(200, Method::GET, SHARING, &sharing, Bearer(a), None)
        .await;
    assert_eq!(
        settings["allowSecretSharingOutsideOrganization"],
        json!(true)
    );
    api.expect(401, Method::GET, SHARING, &sharing, Anonymous, None)
        .await;
    api.expect(403, Method::GET, SHARING, &sharing, Bearer(o), None)
        .await;
    api.expect(
        400,
        Method::GET,
        SHARING,
        &fill(SHARING, &["nope"]),
        Bearer(a),
        None,
    )
    .await;
    let change = Some(json!({ "maxSharedSecretLifetime": 3600, "maxSharedSecretViewLimit": 5 }));
    let changed = api
        .expect(
            200,
            Method::PATCH,
            SHARING,
            &sharing,
            Bearer(a),
            change.clone(),
        )
        .await;
    assert_eq!(changed["maxSharedSecretViewLimit"], json!(5));
    api.expect(
        401,
        Method::PATCH,
        SHARING,
        &sharing,
        Anonymous,
        change.clone(),
    )
    .await;
    api.expect(403, Method::PATCH, SHARING, &sharing, Bearer(o), change)
        .await;
    api.expect(
        400,
        Method::PATCH,
        SHARING,
        &sharing,
        Bearer(a),
        Some(json!({ "maxSharedSecretLifetime": 10 })),
    )
    .await;
    let refused = api
        .expect(
            400,
            Method::POST,
            secrets,
            secrets,
            Bearer(a),
            Some(json!({ "secretValue": sealed.envelope, "expiresIn": "2h", "maxViews": 1 })),
        )
        .await;
    assert_eq!(
        refused["message"],
        "Secret lifetime exceeds organization limit"
    );
    api.expect(
        200,
        Method::PATCH,
        SHARING,
        &sharing,
        Bearer(a),
        Some(json!({ "maxSharedSecretLifetime": null, "maxSharedSecretViewLimit": null })),
    )
    .await;
}

/// The secret-request operations with `requester` (bearer `a`, acting in an organization) and
/// `outsider` (bearer `o`, in none of it): every documented status but 408, 413, 429, 500, 503.
async fn secret_requests(api: &Api<'_>, a: &str, o: &str, sink: &SmtpSink) {
    use As::*;
    let (get, post, delete) = (Method::GET, Method::POST, Method::DELETE);
    let unknown = "AAAAAAAAAAAAAAAAAAAAAA";

    // Create: 200 (for the organization, by default), 400, 401 (anonymous without a token).
    let asked = json!({ "publicKey": request_key(), "expiresIn": "1h", "name": "conformance" });
    let created = api
        .expect(
            200,
            post.clone(),
            REQUESTS,
            REQUESTS,
            Bearer(a),
            Some(asked),
        )
        .await;
    assert_eq!(created["accessType"], "organization");
    let id = created["id"].as_str().unwrap().to_string();
    let (request, set_value, reveal) = (
        fill(REQUEST, &[&id]),
        fill(SET_VALUE, &[&id]),
        fill(REVEAL, &[&id]),
    );
    let bad_key = json!({ "publicKey": "AAAA", "requesterToken": request_token() });
    api.expect(
        400,
        post.clone(),
        REQUESTS,
        REQUESTS,
        Anonymous,
        Some(bad_key),
    )
    .await;
    let no_token = json!({ "publicKey": request_key() });
    api.expect(
        401,
        post.clone(),
        REQUESTS,
        REQUESTS,
        Anonymous,
        Some(no_token),
    )
    .await;

    // Get: 200, 400, 401 and 403 (organization only), 404.
    api.expect(200, get.clone(), REQUEST, &request, Bearer(a), None)
        .await;
    let malformed = fill(REQUEST, &["not-a-request-id"]);
    api.expect(400, get.clone(), REQUEST, &malformed, Anonymous, None)
        .await;
    api.expect(401, get.clone(), REQUEST, &request, Anonymous, None)
        .await;
    api.expect(403, get.clone(), REQUEST, &request, Bearer(o), None)
        .await;
    let nowhere = fill(REQUEST, &[unknown]);
    api.expect(404, get.clone(), REQUEST, &nowhere, Anonymous, None)
        .await;

    // Set-value: 400, 401, 403, 404, then 200 once and 409.
    let value = request_answer();
    let answer = json!({ "secretValue": value });
    let not_an_answer = json!({ "secretValue": "AQ.AAAA" });
    api.expect(
        400,
        post.clone(),
        SET_VALUE,
        &set_value,
        Bearer(a),
        Some(not_an_answer),
    )
    .await;
    api.expect(
        401,
        post.clone(),
        SET_VALUE,
        &set_value,
        Anonymous,
        Some(answer.clone()),
    )
    .await;
    api.expect(
        403,
        post.clone(),
        SET_VALUE,
        &set_value,
        Bearer(o),
        Some(answer.clone()),
    )
    .await;
    let unknown_set = fill(SET_VALUE, &[unknown]);
    api.expect(
        404,
        post.clone(),
        SET_VALUE,
        &unknown_set,
        Anonymous,
        Some(answer.clone()),
    )
    .await;
    let answered = api
        .expect(
            200,
            post.clone(),
            SET_VALUE,
            &set_value,
            Bearer(a),
            Some(answer),
        )
        .await;
    assert_eq!(answered["isAnswered"], true);
    let again = json!({ "secretValue": request_answer() });
    api.expect(
        409,
        post.clone(),
        SET_VALUE,
        &set_value,
        Bearer(a),
        Some(again),
    )
    .await;
    // The requester's mail names the request's page, without the answer.
    let page = format!("/r/{id}/open");
    let mailed = (0..400).any(|_| {
        let found = sink
            .messages_to("admin@example.com")
            .iter()
            .any(|m| m.body.contains(&page) && !m.raw.contains(&value[5..45]));
        if !found {
            std::thread::sleep(Duration::from_millis(25));
        }
        found
    });
    assert!(mailed, "the requester's mail with {page}");

    // Reveal: 401, 403, 400, then 200 to the requester, and 404 (it went with the reveal).
    api.expect(401, post.clone(), REVEAL, &reveal, Anonymous, None)
        .await;
    api.expect(403, post.clone(), REVEAL, &reveal, Bearer(o), None)
        .await;
    let bad_body = json!({ "requesterToken": 5 });
    api.expect(
        400,
        post.clone(),
        REVEAL,
        &reveal,
        Bearer(a),
        Some(bad_body),
    )
    .await;
    let revealed = api
        .expect(200, post.clone(), REVEAL, &reveal, Bearer(a), None)
        .await;
    assert_eq!(revealed["secretValue"], json!(value));
    api.expect(404, post.clone(), REVEAL, &reveal, Bearer(a), None)
        .await;

    // An anonymous request: reveal before the answer is 409; delete 400, 401, 403, 200, 404.
    let token = request_token();
    let asked = json!({ "publicKey": request_key(), "requesterToken": token });
    let created = api
        .expect(
            200,
            post.clone(),
            REQUESTS,
            REQUESTS,
            Anonymous,
            Some(asked),
        )
        .await;
    let id = created["id"].as_str().unwrap().to_string();
    let (request, reveal) = (fill(REQUEST, &[&id]), fill(REVEAL, &[&id]));
    let with_token = json!({ "requesterToken": token });
    api.expect(
        409,
        post.clone(),
        REVEAL,
        &reveal,
        Anonymous,
        Some(with_token),
    )
    .await;
    api.expect(400, delete.clone(), REQUEST, &malformed, Anonymous, None)
        .await;
    api.expect(401, delete.clone(), REQUEST, &request, Anonymous, None)
        .await;
    api.expect(403, delete.clone(), REQUEST, &request, Bearer(o), None)
        .await;
    let deleted = api
        .caller
        .http
        .delete(format!("{}{request}", api.base))
        .header("X-Requester-Token", &token);
    let (status, body) = api.caller.spec.exchange(deleted, "DELETE", REQUEST).await;
    assert_eq!(status, 200, "{body:#}");
    api.expect(404, delete.clone(), REQUEST, &request, Anonymous, None)
        .await;

    // The list: 401, 400, 200; then the cap of open requests (409 on the 1,001st).
    api.expect(401, get.clone(), REQUESTS, REQUESTS, Anonymous, None)
        .await;
    let bad_page = format!("{REQUESTS}?limit=0");
    api.expect(400, get.clone(), REQUESTS, &bad_page, Bearer(o), None)
        .await;
    for _ in 0..1_000 {
        let asked = json!({ "publicKey": request_key(), "accessType": "anyone" });
        let r = api
            .caller
            .http
            .post(format!("{}{REQUESTS}", api.base))
            .bearer_auth(o)
            .json(&asked)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
    }
    let page = format!("{REQUESTS}?limit=100");
    let listed = api
        .expect(200, get.clone(), REQUESTS, &page, Bearer(o), None)
        .await;
    assert_eq!(listed["totalCount"], json!(1_000));
    assert_eq!(listed["secretRequests"].as_array().unwrap().len(), 100);
    let asked = json!({ "publicKey": request_key(), "accessType": "anyone" });
    api.expect(409, post, REQUESTS, REQUESTS, Bearer(o), Some(asked))
        .await;
}
