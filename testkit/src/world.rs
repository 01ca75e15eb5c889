//! A server with accounts that mails through a real SMTP sink, and people signed up on it: the setting of the CLI's account tests.
//!
//! Sign-up goes through the API with the code from the mail, as a user's would; each person
//! gets a bearer token and a config directory of their own for the CLI's saved login.

use std::time::Duration;

use serde_json::{Value, json};

use crate::server::{ServerProcess, Store};
use crate::smtp::{ReceivedMail, SinkSecurity, SmtpSink, code_in, token_after};

/// Every person's account password.
pub const ACCOUNT_PASSWORD: &str = "correct horse battery staple";

/// The server (embedded store) and the sink its mail goes to.
pub struct MailWorld {
    /// The server, mailing through [`MailWorld::sink`].
    pub server: ServerProcess,
    /// The SMTP server that receives its mail (STARTTLS).
    pub sink: SmtpSink,
    http: reqwest::blocking::Client,
    _data: tempfile::TempDir,
}

/// A signed-up user: a bearer token for the API and a config directory for the CLI.
pub struct Person {
    /// Their (verified) address.
    pub email: String,
    /// An access token from `POST /api/v1/auth/token`.
    pub bearer: String,
    /// Their `ZKSHARE_CONFIG_DIR`.
    pub config: tempfile::TempDir,
}

impl MailWorld {
    /// Starts the sink and a server on the embedded store that mails through it.
    pub fn start() -> MailWorld {
        let sink = SmtpSink::start(SinkSecurity::StartTls);
        let data = tempfile::tempdir().unwrap();
        let args = sink.server_args();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let server = ServerProcess::start(Store::Embedded(data.path()), &args);
        MailWorld {
            server,
            sink,
            http: reqwest::blocking::Client::new(),
            _data: data,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base(&self) -> &str {
        self.server.base_url()
    }

    /// `base` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base())
    }

    /// A blocking client for requests of a test's own.
    pub fn http(&self) -> &reqwest::blocking::Client {
        &self.http
    }

    /// `POST path` with a JSON body (and a bearer token); the status and the JSON answer
    /// (`null` when it is not JSON).
    pub fn post(&self, path: &str, bearer: Option<&str>, body: Value) -> (u16, Value) {
        let mut r = self.http.post(self.url(path)).json(&body);
        if let Some(token) = bearer {
            r = r.bearer_auth(token);
        }
        let r = r.send().unwrap();
        let status = r.status().as_u16();
        (status, r.json().unwrap_or(Value::Null))
    }

    /// The `n`th mail to `to` (waits for it).
    pub fn mail(&self, to: &str, n: usize) -> ReceivedMail {
        self.sink.wait_for_to(to, n, Duration::from_secs(15))
    }

    /// Signs `email` up with [`ACCOUNT_PASSWORD`] (the code from its first mail: each address
    /// signs up once) and returns a bearer token.
    pub fn sign_up(&self, email: &str) -> String {
        let (status, _) = self.post(
            "/api/v1/auth/signup",
            None,
            json!({ "email": email, "password": ACCOUNT_PASSWORD }),
        );
        assert_eq!(status, 202);
        let code = code_in(&self.mail(email, 1).body);
        let (status, _) = self.post(
            "/api/v1/auth/verify",
            None,
            json!({ "email": email, "code": code }),
        );
        assert_eq!(status, 201);
        let (status, body) = self.post(
            "/api/v1/auth/token",
            None,
            json!({ "email": email, "password": ACCOUNT_PASSWORD }),
        );
        assert_eq!(status, 200, "{body}");
        body["accessToken"].as_str().unwrap().to_string()
    }

    /// A new person: signed up, with an empty config directory.
    pub fn person(&self, email: &str) -> Person {
        Person {
            email: email.to_string(),
            bearer: self.sign_up(email),
            config: tempfile::tempdir().unwrap(),
        }
    }

    /// `person` creates an organization; returns its id.
    pub fn organization(&self, person: &Person, name: &str) -> String {
        let (status, org) = self.post(
            "/api/v1/organizations",
            Some(&person.bearer),
            json!({ "name": name }),
        );
        assert_eq!(status, 201, "{org}");
        org["organization"]["id"].as_str().unwrap().to_string()
    }

    /// `admin` invites `member` into `org`, and `member` accepts (their mail number `n`).
    pub fn join(&self, admin: &Person, org: &str, member: &Person, n: usize) {
        let (status, body) = self.post(
            &format!("/api/v1/organizations/{org}/invites"),
            Some(&admin.bearer),
            json!({ "email": member.email }),
        );
        assert_eq!(status, 201, "{body}");
        let token = token_after(&self.mail(&member.email, n).body, "/invite#");
        let (status, body) = self.post(
            "/api/v1/invites/accept",
            Some(&member.bearer),
            json!({ "token": token }),
        );
        assert!(status < 300, "{status} {body}");
    }
}
