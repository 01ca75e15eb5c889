//! Accounts, sessions, organizations and machine identities through the HTTP router, on every store, with account e-mail through a real SMTP server.
//!
//! Modules: `records` (the account store's atomic steps), `flows` (sign-up to organization
//! shares, machine identities), `refusals` (wrong, expired, reused, revoked, cross-site,
//! cross-organization, non-admin, lockout), `restricted` (restricted shares), `secret_requests`
//! (requests of signed-in requesters), `branding` (organizations' branding and its uploads). Every refusal is checked for the API's error body.

#[path = "../common/mod.rs"]
mod common;

mod branding;
mod flows;
mod records;
mod refusals;
mod restricted;
mod secret_requests;

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::*;
use serde_json::{Value, json};
use zkshare_server::accounts::Accounts;
use zkshare_server::config::Redacted;
use zkshare_server::mail::Mailer;
use zkshare_testkit::smtp::{ReceivedMail, SinkSecurity, SmtpSink};

/// Instantiates each listed `async fn(StoreKind)` once per store.
macro_rules! on_every_store {
    ($($name:ident),* $(,)?) => {
        mod on_redis {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name(crate::common::StoreKind::Redis).await;
                }
            )*
        }
        mod on_cluster {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name(crate::common::StoreKind::Cluster).await;
                }
            )*
        }
        mod on_embedded {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name(crate::common::StoreKind::Embedded).await;
                }
            )*
        }
    };
}
pub(crate) use on_every_store;

/// The public origin of the test configuration.
pub const ORIGIN: &str = "https://zkshare.test";
pub const PASSWORD: &str = "correct horse battery staple";

/// A server on one store, mailing through a real SMTP server (STARTTLS, its own CA).
pub struct World {
    pub app: TestApp,
    pub sink: SmtpSink,
}

/// A signed-in user: their session cookie (`name=value`) and id.
#[derive(Clone, Debug)]
pub struct User {
    pub email: String,
    pub cookie: String,
    pub id: String,
}

impl World {
    pub async fn new(kind: StoreKind) -> Self {
        Self::with(kind, |_| {}).await
    }

    pub async fn with(kind: StoreKind, tune: impl FnOnce(&mut zkshare_server::Config)) -> Self {
        let sink = tokio::task::spawn_blocking(|| SmtpSink::start(SinkSecurity::StartTls))
            .await
            .unwrap();
        let mut config = test_config();
        config.smtp_url = Some(Redacted::new(sink.url()));
        config.smtp_ca_file = Some(sink.ca_file().to_path_buf());
        config.mail_from = Some("zkshare <noreply@zkshare.test>".into());
        tune(&mut config);
        let mailer = Mailer::from_config(&config).unwrap().map(Arc::new);
        let app = TestApp::with_mail(kind, config, mailer).await;
        World { app, sink }
    }

    /// The account service over the same store, for steps at a chosen time.
    pub fn accounts(&self) -> Accounts {
        Accounts::new(
            Arc::clone(&self.app.store) as Arc<dyn zkshare_server::store::KvStore>,
            None,
            self.app.config.account_settings(),
        )
    }

    /// A request with optional JSON body and extra headers (the cookie, Origin, ...).
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut b = Request::builder().method(method).uri(path);
        for (name, value) in headers {
            b = b.header(*name, *value);
        }
        let body = match body {
            Some(v) => {
                b = b.header("content-type", "application/json");
                Body::from(serde_json::to_vec(&v).unwrap())
            }
            None => Body::empty(),
        };
        self.app.raw(b.body(body).unwrap()).await
    }

    /// A request as `user` from this site's own page (cookie and same Origin).
    pub async fn as_user(
        &self,
        user: &User,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Reply {
        self.send(
            method,
            path,
            body,
            &[("cookie", &user.cookie), ("origin", ORIGIN)],
        )
        .await
    }

    /// Messages received for `to` so far.
    pub fn mail_to(&self, to: &str) -> Vec<ReceivedMail> {
        self.sink
            .messages()
            .into_iter()
            .filter(|m| m.rcpt_to.iter().any(|r| r == to))
            .collect()
    }

    /// Waits for the `n`th message (1-based) to `to`.
    pub async fn wait_mail(&self, to: &str, n: usize) -> ReceivedMail {
        for _ in 0..400 {
            let mails = self.mail_to(to);
            if mails.len() >= n {
                return mails[n - 1].clone();
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("no message {n} to {to}: {:#?}", self.sink.messages());
    }

    /// Signs up, reads the code from the e-mail, verifies: a signed-in user.
    pub async fn sign_up(&self, email: &str) -> User {
        let before = self.mail_to(email).len();
        let r = self
            .send(
                Method::POST,
                "/api/v1/auth/signup",
                Some(json!({ "email": email, "password": PASSWORD })),
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
        let mail = self.wait_mail(email, before + 1).await;
        let code = code_in(&mail.body);
        let r = self
            .send(
                Method::POST,
                "/api/v1/auth/verify",
                Some(json!({ "email": email, "code": code })),
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        User {
            email: email.to_string(),
            cookie: cookie_of(&r),
            id: r.json()["user"]["id"].as_str().unwrap().to_string(),
        }
    }

    /// Creates an organization as `admin`; returns its id.
    pub async fn create_org(&self, admin: &User, name: &str) -> String {
        let r = self
            .as_user(
                admin,
                Method::POST,
                "/api/v1/organizations",
                Some(json!({ "name": name })),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.json()["organization"]["id"].as_str().unwrap().to_string()
    }

    /// `admin` invites `email` to `org`; returns the token from the e-mailed link.
    pub async fn invite(&self, admin: &User, org: &str, email: &str) -> String {
        let before = self.mail_to(email).len();
        let r = self
            .as_user(
                admin,
                Method::POST,
                &format!("/api/v1/organizations/{org}/invites"),
                Some(json!({ "email": email })),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let mail = self.wait_mail(email, before + 1).await;
        link_token(&mail.body, "/invite#")
    }

    /// `user` accepts an invitation.
    pub async fn accept(&self, user: &User, token: &str) -> Reply {
        self.as_user(
            user,
            Method::POST,
            "/api/v1/invites/accept",
            Some(json!({ "token": token })),
        )
        .await
    }

    /// Creates a share as whoever `headers` say; returns the response.
    pub async fn create_share(&self, headers: &[(&str, &str)], extra: Value) -> Reply {
        let mut body = json!({ "secretValue": small_envelope(), "expiresIn": "1h" });
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                b.insert(k.clone(), v.clone());
            }
        }
        self.send(Method::POST, "/api/v1/shared-secrets", Some(body), headers)
            .await
    }
}

/// The session cookie (`name=value`) a response sets.
pub fn cookie_of(r: &Reply) -> String {
    let set = r
        .headers
        .get("set-cookie")
        .expect("a Set-Cookie header")
        .to_str()
        .unwrap();
    set.split(';').next().unwrap().trim().to_string()
}

pub use zkshare_testkit::smtp::{code_in, token_after as link_token};
