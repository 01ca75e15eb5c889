//! The real `zkshare` binary against stub servers that lie: a key-less header for a keyed link,
//! redirects, a link to another origin, plain HTTP, terminal escapes in what they send.

use serde_json::{Value, json};
use zkshare_crypto::{Credentials, LinkKey, seal_text};
use zkshare_tests::cli::{self, CliRun};
use zkshare_tests::stub::{Reply, StubServer};

const ID: &str = "q83vEjRWeJCrze8SNFZ4kA";
const PASSWORD: &str = "correct horse battery staple";

/// Runs `zkshare ARGS` with `stdin` and `env` (plus `PW`, the password for `--password-env PW`).
fn zkshare(args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> CliRun {
    let mut env = env.to_vec();
    env.push(("PW", PASSWORD));
    cli::zkshare(args, stdin, &env)
}

/// A valid mode-`password` envelope (what a malicious server can make on its own).
fn password_only_envelope() -> String {
    seal_text("forged by the server", &Credentials::Password(PASSWORD))
        .expect("seal")
        .envelope
}

fn header_of(envelope: &str) -> String {
    envelope.split_once('.').expect("envelope").0.to_string()
}

/// The metadata answer for `header`, with `name`.
fn metadata(header: &str, name: &str) -> Value {
    json!({
        "id": ID,
        "name": name,
        "createdAt": "2026-11-28T10:00:00.000Z",
        "expiresAt": "2026-11-29T10:00:00.000Z",
        "expiresAfterViews": 1,
        "lastViewedAt": null,
        "isPasswordProtected": true,
        "envelopeHeader": header,
    })
}

/// A stub that serves a password-only secret: metadata, and the forged envelope on access.
fn downgrading_server() -> StubServer {
    let envelope = password_only_envelope();
    let header = header_of(&envelope);
    StubServer::start(move |request| {
        if request.method == "POST" && request.path.ends_with("/access") {
            Reply::json(
                200,
                &json!({
                    "id": ID, "secretValue": envelope, "expiresAfterViews": 1,
                    "expiresAt": "2026-11-29T10:00:00.000Z",
                }),
            )
        } else {
            Reply::json(200, &metadata(&header, "x"))
        }
    })
}

fn assert_failed(run: &CliRun) {
    assert_ne!(run.code, 0, "must fail; stderr: {}", run.stderr);
    assert!(
        run.stdout.is_empty(),
        "nothing on stdout: {:?}",
        run.stdout_text()
    );
    assert!(run.stderr.starts_with("zkshare: "), "{:?}", run.stderr);
}

#[test]
fn get_refuses_a_key_less_header_when_the_link_has_a_key() {
    let stub = downgrading_server();
    let key = LinkKey::generate().to_b64();
    let link = format!("{}/s/{ID}#{key}", stub.base_url());

    // With a password at hand, and without one (it must refuse before wanting one).
    for args in [
        vec!["get", "--password-env", "PW", link.as_str()],
        vec!["get", link.as_str()],
    ] {
        let run = zkshare(&args, b"", &[]);
        assert_failed(&run);
        assert!(
            run.stderr.contains("needs no key") && run.stderr.contains("no view was used"),
            "{}",
            run.stderr
        );
        assert!(
            !run.stderr.contains("protected by a password"),
            "refused before asking for a password: {}",
            run.stderr
        );
    }
    assert!(stub.got("GET", &format!("/api/v1/shared-secrets/{ID}")));
    assert!(
        !stub.got("POST", "/access"),
        "no view may be spent: {:?}",
        stub.requests()
    );

    // A link without a key still opens a password-only secret (positive control).
    let run = zkshare(
        &[
            "get",
            "--password-env",
            "PW",
            &format!("{}/s/{ID}", stub.base_url()),
        ],
        b"",
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout_text(), "forged by the server");
    assert!(stub.got("POST", "/access"));
}

#[test]
fn open_and_verifier_refuse_a_key_less_header_with_a_key() {
    let envelope = password_only_envelope();
    let header = header_of(&envelope);
    let key = LinkKey::generate().to_b64();

    let run = zkshare(
        &["open", "--key", &key, "--password-env", "PW"],
        envelope.as_bytes(),
        &[],
    );
    assert_failed(&run);
    assert!(run.stderr.contains("does not use one"), "{}", run.stderr);
    let run = zkshare(
        &[
            "verifier",
            "--header",
            &header,
            "--key",
            &key,
            "--password-env",
            "PW",
        ],
        b"",
        &[],
    );
    assert_failed(&run);
    // The key from the environment counts as held too.
    let run = zkshare(
        &["open", "--password-env", "PW"],
        envelope.as_bytes(),
        &[("ZKSHARE_LINK_KEY", &key)],
    );
    assert_failed(&run);

    // Without a key both work (positive control).
    let run = zkshare(&["open", "--password-env", "PW"], envelope.as_bytes(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout_text(), "forged by the server");
    let run = zkshare(
        &["verifier", "--header", &header, "--password-env", "PW"],
        b"",
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout_text().starts_with("zkv1."),
        "{}",
        run.stdout_text()
    );
}

#[test]
fn plain_http_needs_a_loopback_host_or_insecure_http() {
    let key = LinkKey::generate().to_b64();
    let stub = StubServer::start(|_| Reply::not_found("Secret not found"));
    let port = stub.port();
    // 0.0.0.0 reaches this machine on Linux but is not a loopback address: it stands in for
    // a remote host that the test can still observe.
    let remote = format!("http://0.0.0.0:{port}");
    let link = format!("{remote}/s/{ID}#{key}");
    for args in [
        vec!["get", link.as_str()],
        vec!["inspect", link.as_str()],
        vec!["delete", link.as_str(), "--token", "t"],
        vec!["send", "--server", remote.as_str()],
    ] {
        let run = zkshare(&args, b"secret", &[]);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("refusing plain http://") && run.stderr.contains("--insecure-http"),
            "{}",
            run.stderr
        );
    }
    assert!(stub.requests().is_empty(), "nothing was sent");

    // --insecure-http (or its variable) lets it through: the stub's 404 comes back.
    let run = zkshare(&["--insecure-http", "inspect", &link], b"", &[]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    let run = zkshare(&["get", &link], b"", &[("ZKSHARE_INSECURE_HTTP", "1")]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert_eq!(stub.requests().len(), 2);

    // Loopback names and addresses need no flag.
    for host in ["127.0.0.1", "localhost"] {
        let run = zkshare(
            &["inspect", &format!("http://{host}:{port}/s/{ID}")],
            b"",
            &[],
        );
        assert_eq!(run.code, 3, "{host}: {}", run.stderr);
    }
    // The rest of 127.0.0.0/8 and ::1 are tried too (the stub is not there: unreachable).
    for host in ["127.0.0.2", "[::1]"] {
        let run = zkshare(
            &["inspect", &format!("http://{host}:{port}/s/{ID}")],
            b"",
            &[],
        );
        assert_eq!(run.code, 5, "{host}: {}", run.stderr);
        assert!(run.stderr.contains("cannot reach"), "{}", run.stderr);
    }
    // https:// is never refused by this rule (nothing listens there: unreachable, exit 5).
    let run = zkshare(
        &["inspect", &format!("https://127.0.0.1:1/s/{ID}")],
        b"",
        &[],
    );
    assert_eq!(run.code, 5, "{}", run.stderr);
}

#[test]
fn redirects_are_not_followed() {
    let elsewhere = StubServer::start(|_| Reply::not_found("Secret not found"));
    let target = elsewhere.base_url();
    let redirecting = StubServer::start(move |request| {
        Reply::redirect(307, &format!("{target}{}", request.path))
    });
    let key = LinkKey::generate().to_b64();
    let link = format!("{}/s/{ID}#{key}", redirecting.base_url());

    for args in [
        vec!["get", link.as_str()],
        vec!["inspect", link.as_str()],
        vec!["delete", link.as_str(), "--token", "the-delete-token"],
    ] {
        let run = zkshare(&args, b"", &[]);
        assert_failed(&run);
        assert!(
            run.stderr.contains("redirect") && run.stderr.contains("307"),
            "{args:?}: {}",
            run.stderr
        );
    }
    let run = zkshare(
        &["send", "--server", &redirecting.base_url()],
        b"secret",
        &[],
    );
    assert_failed(&run);
    assert_eq!(redirecting.requests().len(), 4);
    assert!(
        elsewhere.requests().is_empty(),
        "the redirect target received {:?}",
        elsewhere.requests()
    );
}

#[test]
fn send_refuses_a_link_to_another_origin() {
    let stub = StubServer::start(|request| {
        if request.method == "DELETE" {
            return Reply::json(200, &json!({"id": ID}));
        }
        Reply::json(
            200,
            &json!({
                "id": ID,
                "createdAt": "2026-11-28T10:00:00.000Z",
                "expiresAt": "2026-11-28T11:00:00.000Z",
                "expiresAfterViews": 1,
                "lastViewedAt": null,
                "isPasswordProtected": true,
                "sharedSecretLink": format!("https://attacker.example/s/{ID}"),
                "deleteToken": "the-delete-token",
            }),
        )
    });
    let run = zkshare(&["send", "--server", &stub.base_url()], b"secret", &[]);
    assert_failed(&run);
    assert!(
        run.stderr.contains("attacker.example") && run.stderr.contains("refused"),
        "{}",
        run.stderr
    );
    assert!(stub.got("POST", "/api/v1/shared-secrets"));
    // The secret it made is removed again rather than left behind.
    let delete = stub
        .requests()
        .into_iter()
        .find(|r| r.method == "DELETE")
        .expect("a DELETE for the refused secret");
    assert!(
        delete
            .path
            .ends_with(&format!("/api/v1/shared-secrets/{ID}"))
    );
    assert_eq!(delete.header("x-delete-token"), Some("the-delete-token"));
}

#[test]
fn strings_from_the_server_cannot_drive_the_terminal() {
    let key = LinkKey::generate();
    let sealed = seal_text("ok", &Credentials::Key(&key)).unwrap();
    let header = header_of(&sealed.envelope);
    let name = "invoice\u{202e}fdp.exe\u{1b}]0;owned\u{7}\u{9b}2J";
    let stub = StubServer::start(move |request| {
        if request.path.ends_with("/AAAAAAAAAAAAAAAAAAAAAA") {
            return Reply::not_found("Secret not found\u{1b}[2J\u{2066}");
        }
        Reply::json(200, &metadata(&header, name))
    });
    let unsafe_chars = |s: &str| {
        s.chars()
            .filter(|c| {
                (c.is_control() && *c != '\n')
                    || ('\u{2066}'..='\u{2069}').contains(c)
                    || *c == '\u{202e}'
            })
            .collect::<Vec<_>>()
    };

    let link = format!("{}/s/{ID}#{}", stub.base_url(), key.to_b64());
    let run = zkshare(&["inspect", &link], b"", &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        unsafe_chars(&run.stdout_text()).is_empty(),
        "{:?}",
        run.stdout_text()
    );
    assert!(
        run.stdout_text()
            .contains("invoice\\u{202e}fdp.exe\\u{1b}]0;owned\\u{7}\\u{9b}2J"),
        "{}",
        run.stdout_text()
    );

    // --json stays valid JSON with the same value, but escaped.
    let run = zkshare(&["inspect", "--json", &link], b"", &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        unsafe_chars(&run.stdout_text()).is_empty(),
        "{:?}",
        run.stdout_text()
    );
    let value: Value = serde_json::from_str(&run.stdout_text()).expect("JSON");
    assert_eq!(value["name"], name);

    // An error message from the server.
    let gone = format!("{}/s/AAAAAAAAAAAAAAAAAAAAAA", stub.base_url());
    let run = zkshare(&["inspect", &gone], b"", &[]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(unsafe_chars(&run.stderr).is_empty(), "{:?}", run.stderr);
    assert!(run.stderr.contains("\\u{1b}[2J"), "{}", run.stderr);
}
