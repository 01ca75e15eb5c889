//! The real `zkshare` CLI against a real `zkshare-server` (over 400 lines: one scenario a command and exit code).
//!
//! Send, get, inspect, delete, the offline seal/verifier/open tools with raw HTTP in between,
//! exit codes and messages.

use std::process::{Command, Stdio};

use serde_json::{Value, json};
use zkshare_crypto::LinkKey;
use zkshare_tests::cli::{self, zkshare};
use zkshare_tests::redis_server::RedisServer;
use zkshare_tests::server::{ServerProcess, Store};
use zkshare_tests::{free_port, workspace_root};

/// `zkshare send` → the link (its only stdout line).
fn send(server: &ServerProcess, secret: &[u8], extra: &[&str], env: &[(&str, &str)]) -> String {
    let mut args = vec!["send", "--server", server.base_url()];
    args.extend_from_slice(extra);
    let run = zkshare(&args, secret, env);
    let out = run.ok();
    assert!(
        out.ends_with('\n') && out.lines().count() == 1,
        "only the link: {out:?}"
    );
    let link = out.trim_end().to_string();
    assert!(
        link.starts_with(&format!("{}/s/", server.base_url())),
        "{link} uses the server's public URL"
    );
    assert!(run.stderr.contains("Delete token: "), "{}", run.stderr);
    assert!(
        run.stderr
            .contains(&format!("{}/status#", link.split('#').next().unwrap())),
        "the private status link: {}",
        run.stderr
    );
    link
}

fn inspect_json(link: &str) -> Value {
    serde_json::from_str(&zkshare(&["inspect", "--json", link], b"", &[]).ok()).expect("JSON")
}

fn embedded() -> (tempfile::TempDir, ServerProcess) {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(Store::Embedded(dir.path()), &[]);
    (dir, server)
}

/// Blocking HTTP for the raw-API steps, like curl.
fn http(method: &str, url: &str, body: Option<&Value>, headers: &[(&str, &str)]) -> (u16, Value) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = reqwest::Client::new();
        let mut request = client.request(method.parse().unwrap(), url);
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.expect("HTTP request");
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON body"))
    })
}

#[test]
fn send_and_get_in_key_mode_is_exact_and_uses_one_view() {
    let (_dir, server) = embedded();
    let secret = "line one\nünïcödé 🔑\n  trailing spaces and newline  \n".as_bytes();
    let link = send(&server, secret, &[], &[]);
    let (_, key) = link.split_once('#').expect("the link carries the key");
    assert_eq!(key.len(), 43);

    let run = zkshare(&["get", &link], b"", &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, secret, "stdout is exactly the secret");
    assert!(run.stderr.contains("last view"), "{}", run.stderr);

    let err = zkshare(&["get", &link], b"", &[]).fails(3).to_string();
    assert!(err.contains("missing or has expired"), "{err}");
}

#[test]
fn passwords_from_env_and_file_and_wrong_password_exit_4() {
    let (dir, server) = embedded();
    let pw_file = dir.path().join("pw.txt");
    std::fs::write(&pw_file, "correct horse battery staple\n").unwrap();
    let pw_file = pw_file.to_str().unwrap();
    let env = [("SENDER_PW", "correct horse battery staple")];
    let link = send(
        &server,
        b"s3cr3t",
        &["--password-env", "SENDER_PW", "--views", "3"],
        &env,
    );
    assert_eq!(inspect_json(&link)["mode"], "key+password");

    // No password available: refused before any view is spent.
    let err = zkshare(&["get", &link], b"", &[]).fails(2).to_string();
    assert!(err.contains("protected by a password"), "{err}");
    assert_eq!(inspect_json(&link)["expiresAfterViews"], 3);

    // Wrong password: the server says no (401), no view spent.
    let err = zkshare(
        &["get", "--password-env", "PW", &link],
        b"",
        &[("PW", "wrong")],
    )
    .fails(4)
    .to_string();
    assert!(err.contains("wrong link key or password"), "{err}");
    assert!(err.contains("Invalid credentials"), "{err}");
    assert_eq!(inspect_json(&link)["expiresAfterViews"], 3);

    // The right one, from a file (its trailing newline ignored) and from the environment.
    let run = zkshare(&["get", "--password-file", pw_file, &link], b"", &[]);
    assert_eq!(run.ok(), "s3cr3t");
    assert!(run.stderr.contains("2 more views left"), "{}", run.stderr);
    let run = zkshare(&["get", "--password-env", "SENDER_PW", &link], b"", &env);
    assert_eq!(run.ok(), "s3cr3t");
    assert!(run.stderr.contains("1 more view left"), "{}", run.stderr);
}

#[test]
fn password_only_links_have_no_key() {
    let (_dir, server) = embedded();
    let env = [("PW", "only the password")];
    let link = send(
        &server,
        b"by mail",
        &["--no-key", "--password-env", "PW"],
        &env,
    );
    assert!(!link.contains('#'), "{link}");
    assert_eq!(inspect_json(&link)["mode"], "password");
    zkshare(&["get", &link], b"", &[]).fails(2);
    assert_eq!(
        zkshare(&["get", "--password-env", "PW", &link], b"", &env).ok(),
        "by mail"
    );

    let err = zkshare(
        &["send", "--server", server.base_url(), "--no-key"],
        b"x",
        &[],
    )
    .fails(2)
    .to_string();
    assert!(err.contains("--no-key"), "{err}");
}

#[test]
fn views_limit_and_unlimited() {
    let (_dir, server) = embedded();
    let link = send(&server, b"twice", &["--views", "2"], &[]);
    assert_eq!(zkshare(&["get", &link], b"", &[]).ok(), "twice");
    assert_eq!(zkshare(&["get", &link], b"", &[]).ok(), "twice");
    zkshare(&["get", &link], b"", &[]).fails(3);

    let run = zkshare(
        &[
            "send",
            "--server",
            server.base_url(),
            "--views",
            "unlimited",
            "--json",
        ],
        b"many",
        &[],
    );
    let out: Value = serde_json::from_str(&run.ok()).unwrap();
    assert_eq!(out["expiresAfterViews"], Value::Null);
    let link = out["link"].as_str().unwrap();
    for _ in 0..3 {
        let run = zkshare(&["get", link], b"", &[]);
        assert_eq!(run.ok(), "many");
        assert!(run.stderr.contains("Unlimited views"), "{}", run.stderr);
    }

    let run = zkshare(
        &["send", "--server", server.base_url(), "--views", "0"],
        b"x",
        &[],
    );
    assert_eq!(run.code, 2, "clap refuses --views 0: {}", run.stderr);
}

#[test]
fn expiry_bounds_are_refused_with_the_servers_message() {
    let (_dir, server) = embedded();
    for (expires, message) in [
        ("31d", "Expiration time cannot exceed 30 days"),
        ("5w", "Expiration time cannot exceed 30 days"),
        ("4m", "Expiration time cannot be less than 5 minutes"),
        ("60s", "Expiration time cannot be less than 5 minutes"),
        ("soon", "Invalid duration format"),
    ] {
        let run = zkshare(
            &["send", "--server", server.base_url(), "--expires", expires],
            b"x",
            &[],
        );
        let err = run.fails(2);
        assert!(err.contains(message), "--expires {expires}: {err}");
        assert!(err.contains("the server refused the secret"), "{err}");
    }
    for expires in ["5m", "30d", "4w"] {
        send(&server, b"x", &["--expires", expires], &[]);
    }
}

#[test]
fn delete_with_token_then_gone() {
    let (_dir, server) = embedded();
    let run = zkshare(
        &["send", "--server", server.base_url(), "--json"],
        b"delete me",
        &[],
    );
    let out: Value = serde_json::from_str(&run.ok()).unwrap();
    assert!(
        run.stderr.is_empty(),
        "--json prints nothing else: {}",
        run.stderr
    );
    let link = out["link"].as_str().unwrap();
    let token = out["deleteToken"].as_str().unwrap();
    assert!(out["id"].is_string() && out["expiresAt"].is_string());
    assert!(link.contains(out["id"].as_str().unwrap()));

    let err = zkshare(&["delete", link, "--token", "not-the-token"], b"", &[])
        .fails(4)
        .to_string();
    assert!(err.contains("delete token is wrong"), "{err}");
    let run = zkshare(&["delete", link], b"", &[("ZKSHARE_DELETE_TOKEN", token)]);
    run.ok();
    assert!(run.stderr.contains("Deleted"), "{}", run.stderr);
    zkshare(&["get", link], b"", &[]).fails(3);
    zkshare(&["delete", link, "--token", token], b"", &[]).fails(3);
    zkshare(&["inspect", link], b"", &[]).fails(3);
}

#[test]
fn links_and_delete_tokens_from_stdin_or_the_environment() {
    let (_dir, server) = embedded();
    let link = send(&server, b"kept out of argv", &["--views", "3"], &[]);

    // `get -`: the link on stdin (as a file would give it, with a newline).
    let run = zkshare(&["get", "-"], format!("{link}\n").as_bytes(), &[]);
    assert_eq!(run.ok(), "kept out of argv");
    // ZKSHARE_LINK when there is no argument.
    let run = zkshare(&["get"], b"", &[("ZKSHARE_LINK", &link)]);
    assert_eq!(run.ok(), "kept out of argv");
    let text = zkshare(&["inspect", "-"], link.as_bytes(), &[]).ok();
    assert!(text.contains("Views left:   1"), "{text}");
    // Neither: a usage error that says where a link can come from; an empty stdin too.
    let err = zkshare(&["get"], b"", &[]).fails(2).to_string();
    assert!(err.contains("ZKSHARE_LINK"), "{err}");
    let err = zkshare(&["get", "-"], b"\n", &[]).fails(2).to_string();
    assert!(err.contains("stdin is empty"), "{err}");

    // The delete token from stdin with `--token -`; not both link and token from stdin.
    let run = zkshare(
        &["send", "--server", server.base_url(), "--json"],
        b"delete me",
        &[],
    );
    let out: Value = serde_json::from_str(&run.ok()).unwrap();
    let (link, token) = (
        out["link"].as_str().unwrap(),
        out["deleteToken"].as_str().unwrap(),
    );
    let err = zkshare(&["delete", "-", "--token", "-"], b"x", &[])
        .fails(2)
        .to_string();
    assert!(err.contains("cannot both come from stdin"), "{err}");
    let run = zkshare(
        &["delete", "--token", "-"],
        format!("{token}\n").as_bytes(),
        &[("ZKSHARE_LINK", link)],
    );
    run.ok();
    assert!(run.stderr.contains("Deleted"), "{}", run.stderr);
    zkshare(&["inspect", link], b"", &[]).fails(3);

    // The help puts these ways first.
    let help = zkshare(&["get", "--help"], b"", &[]).ok();
    let examples = help.split("Examples:").nth(1).expect("examples");
    assert!(
        examples.trim_start().starts_with("zkshare get - <"),
        "{examples}"
    );
    assert!(help.contains("ZKSHARE_LINK"), "{help}");
    let help = zkshare(&["delete", "--help"], b"", &[]).ok();
    assert!(help.contains("--token -"), "{help}");
}

#[test]
fn a_secret_shown_on_a_terminal_cannot_drive_it() {
    let script = zkshare_tests::require_program("script", "bsdutils");
    let (_dir, server) = embedded();
    let secret = "\u{1b}]0;owned\u{7}\u{1b}[2Jred\u{202e}\tcol\nline two\n";
    let link = send(&server, secret.as_bytes(), &["--views", "2"], &[]);

    // On a terminal (a pseudo-terminal made by script(1)): escaped, with a note.
    let command = format!("{} get '{link}'", cli::binary().to_str().unwrap());
    let out = cli::isolate(&mut Command::new(script))
        .args(["-q", "-e", "-c", &command, "/dev/null"])
        .stdin(Stdio::null())
        .output()
        .expect("run script");
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{shown}");
    assert!(
        shown.contains("\\u{1b}]0;owned\\u{7}\\u{1b}[2Jred\\u{202e}\tcol"),
        "{shown:?}"
    );
    assert!(
        !shown.contains('\u{1b}') && !shown.contains('\u{202e}'),
        "{shown:?}"
    );
    assert!(shown.contains("shown escaped"), "{shown:?}");

    // Redirected: byte for byte.
    let run = zkshare(&["get", &link], b"", &[]);
    assert_eq!(run.stdout, secret.as_bytes());
}

#[test]
fn inspect_does_not_consume_a_view() {
    let (dir, server) = embedded();
    let file = dir.path().join("secret.txt");
    std::fs::write(&file, "from a file").unwrap();
    let link = send(
        &server,
        b"",
        &["--file", file.to_str().unwrap(), "--name", "deploy key"],
        &[],
    );
    for _ in 0..3 {
        let text = zkshare(&["inspect", &link], b"", &[]).ok();
        assert!(text.contains("Views left:   1"), "{text}");
        assert!(text.contains("link key (mode key)"), "{text}");
        assert!(text.contains("deploy key"), "{text}");
        assert!(text.contains("Last viewed:  never"), "{text}");
    }
    let meta = inspect_json(&link);
    assert_eq!(meta["expiresAfterViews"], 1);
    assert_eq!(meta["name"], "deploy key");
    assert_eq!(zkshare(&["get", &link], b"", &[]).ok(), "from a file");
}

#[test]
fn mangled_links_still_open() {
    let (_dir, server) = embedded();
    let link = send(&server, b"mail scanner", &["--views", "3"], &[]);
    let (head, key) = link.split_once('#').unwrap();
    for mangled in [
        format!("{head}%23{key}"),
        format!("  {head}/#{key}/  \n"),
        format!("<{head}\n#{}\n{}>", &key[..20], &key[20..]),
    ] {
        assert_eq!(
            zkshare(&["get", &mangled], b"", &[]).ok(),
            "mail scanner",
            "{mangled:?}"
        );
    }
}

#[test]
fn a_link_without_its_key_or_with_a_wrong_key_spends_nothing() {
    let (_dir, server) = embedded();
    let link = send(&server, b"keyed", &[], &[]);
    let (head, _) = link.split_once('#').unwrap();

    let err = zkshare(&["get", head], b"", &[]).fails(2).to_string();
    assert!(
        err.contains("the link has no key (the part after #)"),
        "{err}"
    );
    let err = zkshare(&["get", &format!("{head}#tooshort")], b"", &[])
        .fails(2)
        .to_string();
    assert!(err.contains("damaged"), "{err}");
    let other_key = LinkKey::generate().to_b64();
    let err = zkshare(&["get", &format!("{head}#{other_key}")], b"", &[])
        .fails(4)
        .to_string();
    assert!(err.contains("wrong link key"), "{err}");
    assert_eq!(
        inspect_json(&link)["expiresAfterViews"],
        1,
        "nothing was spent"
    );
    assert_eq!(zkshare(&["get", &link], b"", &[]).ok(), "keyed");
}

#[test]
fn bad_input_and_bad_links_are_usage_errors() {
    let (_dir, server) = embedded();
    for empty in [&b""[..], b"  \n"] {
        let err = zkshare(&["send", "--server", server.base_url()], empty, &[])
            .fails(2)
            .to_string();
        assert!(err.contains("the secret is empty"), "{err}");
    }
    let err = zkshare(&["send", "--server", server.base_url()], &[0xff, 0xfe], &[])
        .fails(2)
        .to_string();
    assert!(err.contains("not UTF-8"), "{err}");
    let long = "x".repeat(10_001);
    let err = zkshare(
        &["send", "--server", server.base_url()],
        long.as_bytes(),
        &[],
    )
    .fails(2)
    .to_string();
    assert!(err.contains("longer than 10000 characters"), "{err}");
    send(&server, "é".repeat(10_000).as_bytes(), &[], &[]);

    let err = zkshare(&["send", "--server", "localhost:8080"], b"x", &[])
        .fails(2)
        .to_string();
    assert!(err.contains("not an http(s) URL"), "{err}");

    for bad in [
        "not a link",
        "https://example.com/s/short#key",
        "ftp://x/s/AAAAAAAAAAAAAAAAAAAAAA",
    ] {
        zkshare(&["get", bad], b"", &[]).fails(2);
        zkshare(&["inspect", bad], b"", &[]).fails(2);
    }
}

#[test]
fn an_unreachable_server_is_exit_5() {
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let err = zkshare(&["send", "--server", &base], b"x", &[])
        .fails(5)
        .to_string();
    assert!(err.contains("cannot reach the server"), "{err}");
    let link = format!(
        "{base}/s/AAAAAAAAAAAAAAAAAAAAAA#{}",
        LinkKey::generate().to_b64()
    );
    zkshare(&["get", &link], b"", &[]).fails(5);
    zkshare(&["inspect", &link], b"", &[]).fails(5);
    zkshare(&["delete", &link, "--token", "t"], b"", &[]).fails(5);
}

#[test]
fn seal_raw_http_and_open_interoperate() {
    let (_dir, server) = embedded();
    let base = server.base_url();
    let env = [("PW", "p4ss")];
    for (seal_args, mode) in [
        (vec![], "key"),
        (vec!["--password-env", "PW"], "key+password"),
        (vec!["--no-key", "--password-env", "PW"], "password"),
    ] {
        let plaintext = format!("raw API client, mode {mode}\n");
        let mut args = vec!["seal"];
        args.extend(&seal_args);
        let sealed: Value =
            serde_json::from_str(&zkshare(&args, plaintext.as_bytes(), &env).ok()).unwrap();
        let envelope = sealed["envelope"].as_str().unwrap();
        let verifier = sealed["verifier"].as_str().unwrap();
        let header = sealed["header"].as_str().unwrap();
        assert!(envelope.starts_with(&format!("{header}.")));
        assert!(verifier.starts_with("zkv1.") && verifier.len() == 48);
        let key = sealed["linkKey"].as_str();
        assert_eq!(key.is_none(), mode == "password");

        // Create with plain HTTP, as a non-Rust client would.
        let (status, created) = http(
            "POST",
            &format!("{base}/api/v1/shared-secrets"),
            Some(
                &json!({ "secretValue": envelope, "password": verifier, "maxViews": 2, "expiresIn": "10m" }),
            ),
            &[],
        );
        assert_eq!(status, 200, "{created}");
        let id = created["id"].as_str().unwrap();

        // Metadata → header → verifier, offline.
        let (status, meta) = http(
            "GET",
            &format!("{base}/api/v1/shared-secrets/{id}"),
            None,
            &[],
        );
        assert_eq!(status, 200);
        assert_eq!(meta["envelopeHeader"], header);
        let mut args = vec!["verifier", "--header", header];
        if let Some(key) = key {
            args.extend(["--key", key]);
        }
        if mode != "key" {
            args.extend(["--password-env", "PW"]);
        }
        assert_eq!(zkshare(&args, b"", &env).ok(), format!("{verifier}\n"));

        // Access → envelope → open, offline; both the bare envelope and the JSON answer.
        let (status, accessed) = http(
            "POST",
            &format!("{base}/api/v1/shared-secrets/{id}/access"),
            Some(&json!({ "password": verifier })),
            &[],
        );
        assert_eq!(status, 200, "{accessed}");
        let mut args = vec!["open"];
        if let Some(key) = key {
            args.extend(["--key", key]);
        }
        if mode != "key" {
            args.extend(["--password-env", "PW"]);
        }
        let secret_value = accessed["secretValue"].as_str().unwrap();
        assert_eq!(
            zkshare(&args, secret_value.as_bytes(), &env).ok(),
            plaintext
        );
        assert_eq!(
            zkshare(&args, accessed.to_string().as_bytes(), &env).ok(),
            plaintext
        );
        // The key from the environment, as the help suggests for keeping it out of `ps`.
        if let Some(key) = key {
            let mut env_args: Vec<&str> = vec!["open"];
            if mode != "key" {
                env_args.extend(["--password-env", "PW"]);
            }
            let both = [("PW", "p4ss"), ("ZKSHARE_LINK_KEY", key)];
            assert_eq!(
                zkshare(&env_args, secret_value.as_bytes(), &both).ok(),
                plaintext
            );
        }

        // The CLI opens what the raw client made, from the link a raw client would build.
        let link = match key {
            Some(key) => format!("{}#{key}", created["sharedSecretLink"].as_str().unwrap()),
            None => created["sharedSecretLink"].as_str().unwrap().to_string(),
        };
        let pw_args: Vec<&str> = if mode == "key" {
            vec![]
        } else {
            vec!["--password-env", "PW"]
        };
        let mut args = vec!["get"];
        args.extend(&pw_args);
        args.push(&link);
        assert_eq!(zkshare(&args, b"", &env).ok(), plaintext);

        // A flipped bit in the envelope is the one opaque error, exit 4.
        let mut tampered = secret_value.to_string();
        let last = tampered.pop().unwrap();
        tampered.push(if last == 'A' { 'B' } else { 'A' });
        let mut args = vec!["open"];
        if let Some(key) = key {
            args.extend(["--key", key]);
        }
        if mode != "key" {
            args.extend(["--password-env", "PW"]);
        }
        zkshare(&args, tampered.as_bytes(), &env).fails(4);
    }
}

#[test]
fn redis_store_roundtrip() {
    let redis = RedisServer::start();
    let server = ServerProcess::start(Store::Redis(redis.url()), &[]);
    let env = [("PW", "redis pw")];
    let link = send(&server, b"kept in redis", &["--password-env", "PW"], &env);
    assert_eq!(
        zkshare(&["get", "--password-env", "PW", &link], b"", &env).ok(),
        "kept in redis"
    );
    zkshare(&["get", "--password-env", "PW", &link], b"", &env).fails(3);
}

#[test]
fn vectors_files_pass_and_a_broken_one_fails() {
    // The share vectors and the request vectors: `vectors` picks the checker by the file.
    for name in ["protocol-v1.json", "requests-v1.json"] {
        vectors_file_passes_and_a_broken_one_fails(name);
    }
}

fn vectors_file_passes_and_a_broken_one_fails(name: &str) {
    let path = workspace_root().join("tests/vectors").join(name);
    let run = zkshare(&["vectors", path.to_str().unwrap()], b"", &[]);
    let out = run.ok();
    let (passed, failed) = out
        .trim_end()
        .split_once(" passed, ")
        .unwrap_or_else(|| panic!("{out:?}"));
    let passed: usize = passed.parse().unwrap();
    assert!(passed > 0, "{out}");
    assert_eq!(failed, "0 failed");

    // Positive control: flip one vector's expected outcome and the command must fail.
    let mut file: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let first = &mut file["vectors"][0]["expected"];
    *first = json!(if *first == "success" {
        "open_error"
    } else {
        "success"
    });
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, file.to_string()).unwrap();
    let run = zkshare(&["vectors", broken.to_str().unwrap()], b"", &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        run.stdout_text(),
        format!("{} passed, 1 failed\n", passed - 1)
    );
    assert!(run.stderr.contains("FAILED"), "{}", run.stderr);
}
