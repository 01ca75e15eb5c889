//! The `zkshare` CLI's login and logout against a real server that mails through a real SMTP server: user and machine-identity logins, the token file, and shares created as the one logged in.

use std::os::unix::fs::PermissionsExt as _;

use serde_json::{Value, json};
use zkshare_tests::cli::zkshare;
use zkshare_tests::world::{ACCOUNT_PASSWORD as PASSWORD, MailWorld};

/// What these tests ask the server besides the world's steps.
trait Metadata {
    fn metadata(&self, link: &str) -> Value;
}

impl Metadata for MailWorld {
    /// The metadata of the secret behind `link`.
    fn metadata(&self, link: &str) -> Value {
        let id = link
            .trim()
            .rsplit("/s/")
            .next()
            .unwrap()
            .split('#')
            .next()
            .unwrap();
        self.http()
            .get(self.url(&format!("/api/v1/shared-secrets/{id}")))
            .send()
            .unwrap()
            .json()
            .unwrap()
    }
}

#[test]
fn a_user_logs_in_sends_as_themselves_and_logs_out() {
    let w = MailWorld::start();
    let bearer = w.sign_up("cli@example.com");
    let (status, org) = w.post(
        "/api/v1/organizations",
        Some(&bearer),
        json!({ "name": "Ops" }),
    );
    assert_eq!(status, 201, "{org}");
    let org_id = org["organization"]["id"].as_str().unwrap().to_string();

    let config = tempfile::tempdir().unwrap();
    let config_dir = config.path().join("zk");
    let dir = config_dir.to_str().unwrap();
    let server = w.server.base_url();
    let env = [("ZKSHARE_CONFIG_DIR", dir), ("ACCOUNT_PW", PASSWORD)];

    // A wrong password: denied (exit 4), nothing saved.
    let wrong = zkshare(
        &[
            "login",
            "--server",
            server,
            "--email",
            "cli@example.com",
            "--password-env",
            "NOPE",
        ],
        b"",
        &[("ZKSHARE_CONFIG_DIR", dir), ("NOPE", "not the password")],
    );
    assert!(
        wrong.fails(4).contains("Invalid e-mail or password"),
        "{}",
        wrong.stderr
    );
    assert!(!config_dir.join("logins.json").exists());

    let login = zkshare(
        &[
            "login",
            "--server",
            server,
            "--email",
            "cli@example.com",
            "--password-env",
            "ACCOUNT_PW",
        ],
        b"",
        &env,
    );
    login.ok();
    let file = config_dir.join("logins.json");
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the token file is the user's alone");
    let dir_mode = std::fs::metadata(&config_dir).unwrap().permissions().mode() & 0o777;
    assert_eq!(dir_mode, 0o700);
    let saved = std::fs::read_to_string(&file).unwrap();
    assert!(saved.contains("zks_"), "{saved}");
    assert!(!saved.contains(PASSWORD), "the password is never saved");

    // `send` now creates the secret as the user, in their organization.
    let link = zkshare(&["send", "--server", server], b"from the cli", &env).ok();
    let meta = w.metadata(&link);
    assert_eq!(meta["orgId"], json!(org_id), "{meta}");
    assert_eq!(meta["accessType"], "organization");
    assert!(meta["userId"].is_string());
    // --anonymous ignores the login.
    let link = zkshare(&["send", "--server", server, "--anonymous"], b"anon", &env).ok();
    assert_eq!(w.metadata(&link)["orgId"], Value::Null);

    // Logout ends the session on the server and removes the token.
    let token = saved
        .split("\"token\": \"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    zkshare(&["logout", "--server", server], b"", &env).ok();
    assert!(!std::fs::read_to_string(&file).unwrap().contains(&token));
    let me = w
        .http()
        .get(w.url("/api/v1/auth/me"))
        .bearer_auth(&token)
        .send()
        .unwrap();
    assert_eq!(me.status().as_u16(), 401);
    let link = zkshare(&["send", "--server", server], b"after logout", &env).ok();
    assert_eq!(w.metadata(&link)["orgId"], Value::Null);
}

#[test]
fn a_machine_identity_logs_in_with_its_client_secret_and_its_shares_name_it() {
    let w = MailWorld::start();
    let bearer = w.sign_up("admin@example.com");
    let (_, org) = w.post(
        "/api/v1/organizations",
        Some(&bearer),
        json!({ "name": "CI" }),
    );
    let org_id = org["organization"]["id"].as_str().unwrap().to_string();
    let (status, made) = w.post(
        &format!("/api/v1/organizations/{org_id}/identities"),
        Some(&bearer),
        json!({ "name": "pipeline" }),
    );
    assert_eq!(status, 201, "{made}");
    let client_id = made["identity"]["clientId"].as_str().unwrap().to_string();
    let identity_id = made["identity"]["id"].as_str().unwrap().to_string();
    let secret = made["clientSecret"].as_str().unwrap().to_string();

    let config = tempfile::tempdir().unwrap();
    let dir = config.path().to_str().unwrap();
    let server = w.server.base_url();

    // A wrong secret is denied.
    let wrong = zkshare(
        &[
            "login",
            "--server",
            server,
            "--client-id",
            &client_id,
            "--client-secret",
            "-",
        ],
        b"zkcs_wrong\n",
        &[("ZKSHARE_CONFIG_DIR", dir)],
    );
    assert!(
        wrong.fails(4).contains("Invalid credentials"),
        "{}",
        wrong.stderr
    );

    // The secret from stdin, as a CI job would pipe it.
    zkshare(
        &[
            "login",
            "--server",
            server,
            "--client-id",
            &client_id,
            "--client-secret",
            "-",
        ],
        format!("{secret}\n").as_bytes(),
        &[("ZKSHARE_CONFIG_DIR", dir)],
    )
    .ok();
    let saved = std::fs::read_to_string(config.path().join("logins.json")).unwrap();
    assert!(!saved.contains(&secret), "the client secret is never saved");
    let link = zkshare(
        &["send", "--server", server],
        b"deploy key",
        &[("ZKSHARE_CONFIG_DIR", dir)],
    )
    .ok();
    let meta = w.metadata(&link);
    assert_eq!(meta["identityId"], json!(identity_id), "{meta}");
    assert_eq!(meta["orgId"], json!(org_id));

    // ZKSHARE_TOKEN: a token from Universal Auth used directly, no file.
    let (_, token) = w.post(
        "/api/v1/auth/universal-auth/login",
        None,
        json!({ "clientId": client_id, "clientSecret": secret }),
    );
    let token = token["accessToken"].as_str().unwrap();
    let empty = tempfile::tempdir().unwrap();
    let link = zkshare(
        &["send", "--server", server],
        b"with env token",
        &[
            ("ZKSHARE_CONFIG_DIR", empty.path().to_str().unwrap()),
            ("ZKSHARE_TOKEN", token),
        ],
    )
    .ok();
    assert_eq!(w.metadata(&link)["identityId"], json!(identity_id));
    // A token the server does not know is refused, not silently dropped.
    let refused = zkshare(
        &["send", "--server", server],
        b"x",
        &[
            ("ZKSHARE_CONFIG_DIR", empty.path().to_str().unwrap()),
            ("ZKSHARE_TOKEN", "zkm_not_a_token"),
        ],
    );
    assert!(
        refused.fails(4).contains("Invalid or expired access token"),
        "{}",
        refused.stderr
    );
}
