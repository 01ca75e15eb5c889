//! The zero-knowledge audit: run the whole browser flow while recording everything the server
//! and Redis saw, and prove that neither the plaintext, the password nor the link key is in it.
//!
//! Channels captured: (1) every byte clients sent the server (a recording TCP proxy in front of
//! it: request lines, headers, bodies), (2) Redis `MONITOR` for the whole run, (3) the server's
//! stdout and stderr with logging at TRACE, (4) a Redis `SAVE` snapshot (RDB, uncompressed).
//! A positive control then plants a value in every channel and the same scanner must find it,
//! so the audit cannot pass by capturing nothing. A second run does the same with a signed-in
//! creator and a signed-in member of the creator's organization, plus a share e-mailed to that
//! member and to an external recipient (sealed in password mode, opened by the member and by the
//! external recipient's mailed token), and also captures (5) every message the server handed to
//! the SMTP server, and checks that the account passwords reach no channel but the requests that
//! carry them.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::RngExt as _;
use zkshare_crypto::{Credentials, Header, LinkKey};
use zkshare_tests::browser::Chromium;
use zkshare_tests::flows::{self, Revealed, ShareForm};
use zkshare_tests::leaks::{Needle, find, needles, unescape_redis_monitor};
use zkshare_tests::proxy::RecordingProxy;
use zkshare_tests::redis_server::RedisServer;
use zkshare_tests::server::{ServerProcess, Store};
use zkshare_tests::smtp::{SinkSecurity, SmtpSink, code_in, token_after};

/// Records everything a `MONITOR` connection prints until dropped.
struct Monitor {
    seen: Arc<Mutex<Vec<u8>>>,
}

impl Monitor {
    fn start(port: u16) -> Monitor {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect for MONITOR");
        stream.write_all(b"MONITOR\r\n").unwrap();
        let mut ok = [0u8; 5];
        stream.read_exact(&mut ok).unwrap();
        assert_eq!(&ok, b"+OK\r\n", "MONITOR started");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 16 * 1024];
            while let Ok(n) = stream.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Monitor { seen }
    }

    /// What MONITOR printed, followed by the same with Redis's quoting undone (binary
    /// arguments appear there as the bytes Redis received).
    fn seen(&self) -> Vec<u8> {
        let raw = self.seen.lock().unwrap().clone();
        let mut both = unescape_redis_monitor(&raw);
        both.push(b'\n');
        both.extend_from_slice(&raw);
        both
    }
}

fn random_text(prefix: &str, len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut rng = rand::rng();
    let tail: String = (0..len)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    format!("{prefix}{tail}")
}

fn save(redis: &RedisServer) -> Vec<u8> {
    let _: () = redis::cmd("SAVE")
        .query(&mut redis.connection())
        .expect("SAVE");
    std::fs::read(redis.dump_path()).expect("read dump.rdb")
}

struct Channels {
    http: Vec<u8>,
    monitor: Vec<u8>,
    logs: Vec<u8>,
    rdb: Vec<u8>,
}

impl Channels {
    fn leaks(&self, needles: &[Needle]) -> Vec<String> {
        let mut found = Vec::new();
        for (name, bytes) in [
            ("HTTP requests", &self.http),
            ("Redis MONITOR", &self.monitor),
            ("server logs", &self.logs),
            ("Redis RDB snapshot", &self.rdb),
        ] {
            found.extend(
                find(bytes, needles)
                    .into_iter()
                    .map(|l| format!("{l} in {name}")),
            );
        }
        found
    }

    /// [`Channels::leaks`], and `mail` (every message the server sent) searched too.
    fn leaks_with_mail(&self, mail: &[u8], needles: &[Needle]) -> Vec<String> {
        let mut found = self.leaks(needles);
        found.extend(
            find(mail, needles)
                .into_iter()
                .map(|n| format!("{n} in e-mail")),
        );
        found
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn neither_plaintext_nor_password_nor_key_reaches_server_or_redis() {
    let redis = RedisServer::start();
    let monitor = Monitor::start(redis.port());
    let server = ServerProcess::start(Store::Redis(redis.url()), &[]);
    let proxy = RecordingProxy::start(server.addr()).await;
    let base = proxy.base_url();

    let plaintext = random_text("zk-canary-plaintext-", 40);
    let password = random_text("zk-canary-password-", 24);

    // Two views, so the ciphertext is still in Redis when the snapshot is taken.
    let sender = Chromium::launch().await;
    let (_, link) = flows::share(
        &sender,
        &base,
        &ShareForm {
            secret: &plaintext,
            password: Some(&password),
            views: Some("2"),
            ..Default::default()
        },
    )
    .await;
    let (id, key_b64) = flows::split_link(&link);

    let recipient = Chromium::launch().await;
    let (_, outcome) = flows::reveal(&recipient, &link, Some(&password)).await;
    match outcome {
        Revealed::Secret { text, .. } => assert_eq!(text, plaintext, "the flow really ran"),
        other => panic!("the reveal failed: {other:?}"),
    }
    sender.close().await;
    recipient.close().await;

    // The stored envelope opens with the link key and password to the canary: what was scanned
    // is the real ciphertext of the real secret.
    let stored: Vec<u8> = redis::cmd("GET")
        .arg(zkshare_server::store::redis::secret_key(&id))
        .query(&mut redis.connection())
        .expect("GET the secret's record");
    let (_, envelope) = zkshare_server::store::record::decode(&id, &stored)
        .expect("a record is stored under the secret's key");
    Header::from_envelope(&envelope).expect("it holds an envelope");
    let key = LinkKey::from_b64(&key_b64).expect("link key");
    let opened =
        zkshare_crypto::open_text(&envelope, &Credentials::KeyAndPassword(&key, &password))
            .expect("the stored envelope opens");
    assert_eq!(opened.as_str(), plaintext);

    tokio::time::sleep(Duration::from_millis(300)).await; // let MONITOR and logs drain
    let rdb = save(&redis);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let channels = Channels {
        http: proxy.received(),
        monitor: monitor.seen(),
        logs: server.logs(),
        rdb,
    };
    // The capture is not empty: the envelope went through every channel but the logs (as text
    // over HTTP; as bytes into Redis).
    let body_bytes = {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(envelope.split_once('.').unwrap().1)
            .unwrap()
    };
    for (name, bytes, envelope) in [
        ("HTTP", &channels.http, envelope.as_bytes()),
        ("MONITOR", &channels.monitor, &body_bytes[..]),
        ("RDB", &channels.rdb, &body_bytes[..]),
    ] {
        let probe = &envelope[..envelope.len().min(64)];
        assert!(
            bytes.windows(probe.len()).any(|w| w == probe),
            "the {name} capture does not even hold the envelope: the audit is not watching"
        );
    }
    assert!(!channels.logs.is_empty(), "TRACE logs were captured");

    let secrets = secret_needles(&plaintext, &password, &key_b64);
    let leaks = channels.leaks(&secrets);
    assert!(
        leaks.is_empty(),
        "SECRETS REACHED THE SERVER OR REDIS:\n{}",
        leaks.join("\n")
    );

    // Positive control: plant a fresh value in every channel; the scanner must find each. It is
    // a well-formed secret id (16 random bytes, base64url), because the server logs the path of
    // a request only up to such an id.
    let control = {
        use base64::Engine as _;
        let bytes: [u8; 16] = rand::rng().random();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    };
    let client = reqwest::Client::new();
    let _ = client
        .get(format!("{base}/api/v1/shared-secrets/{control}"))
        .header("X-Audit-Control", hex::encode(control.as_bytes()))
        .send()
        .await
        .unwrap();
    let _: () = redis::cmd("SET")
        .arg("audit-control")
        .arg({
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD.encode(format!("xy{control}"))
        })
        .query(&mut redis.connection())
        .unwrap();
    // A binary value: found in MONITOR only once its quoting is undone.
    let binary_control: [u8; 16] = rand::rng().random();
    let _: () = redis::cmd("SET")
        .arg("audit-control-binary")
        .arg(&binary_control[..])
        .query(&mut redis.connection())
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let planted = Channels {
        http: proxy.received(),
        monitor: monitor.seen(),
        logs: server.logs(),
        rdb: save(&redis),
    };
    let control_needles = needles("control", control.as_bytes());
    let found = planted.leaks(&control_needles);
    for channel in [
        "HTTP requests",
        "Redis MONITOR",
        "server logs",
        "Redis RDB snapshot",
    ] {
        assert!(
            found.iter().any(|f| f.ends_with(channel)),
            "the positive control was not found in {channel}: found only {found:#?}"
        );
    }
    let found_binary = planted.leaks(&needles("binary control", &binary_control));
    for channel in ["Redis MONITOR", "Redis RDB snapshot"] {
        assert!(
            found_binary
                .iter()
                .any(|f| f.starts_with("binary control raw") && f.ends_with(channel)),
            "the binary control was not found raw in {channel}: found only {found_binary:#?}"
        );
    }
    assert!(
        found.iter().any(|f| f.contains("hex")),
        "hex-encoded control found: {found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|f| f.contains("base64 ") && f.contains("offset 2")),
        "base64 at offset 2 found: {found:#?}"
    );
}

/// What must reach no channel: the plaintext, the secret's password and the link key (as text
/// and as bytes), each in every encoding the scanner knows.
fn secret_needles(plaintext: &str, password: &str, key_b64: &str) -> Vec<Needle> {
    let mut secrets = needles("plaintext", plaintext.as_bytes());
    secrets.extend(needles("password", password.as_bytes()));
    secrets.extend(needles("link key (text)", key_b64.as_bytes()));
    let key_bytes = {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(key_b64)
            .unwrap()
    };
    secrets.extend(needles("link key (bytes)", &key_bytes));
    secrets
}

/// A server on Redis that mails through a sink, behind a recording proxy, with Redis watched
/// by `MONITOR`: every channel of the audit's signed-in runs.
struct Watched {
    redis: RedisServer,
    monitor: Monitor,
    sink: SmtpSink,
    server: ServerProcess,
    proxy: RecordingProxy,
}

impl Watched {
    async fn start() -> Watched {
        let redis = RedisServer::start();
        let monitor = Monitor::start(redis.port());
        let sink = SmtpSink::start(SinkSecurity::StartTls);
        let args = sink.server_args();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let server = ServerProcess::start(Store::Redis(redis.url()), &args);
        let proxy = RecordingProxy::start(server.addr()).await;
        Watched {
            redis,
            monitor,
            sink,
            server,
            proxy,
        }
    }
}

/// Every message the server handed to the SMTP server, as sent.
fn mail_of(sink: &SmtpSink) -> Vec<u8> {
    (sink.messages().iter())
        .flat_map(|m| m.raw.as_bytes().to_vec())
        .collect()
}

/// Where `needles` (something clients send by design: an account password, a requester
/// token) appear beyond the HTTP requests that carry them: in Redis, the logs or a mail.
fn beyond_http(channels: &Channels, mail: &[u8], needles: &[Needle]) -> Vec<String> {
    [
        ("Redis MONITOR", &channels.monitor[..]),
        ("server logs", &channels.logs[..]),
        ("Redis RDB snapshot", &channels.rdb[..]),
        ("e-mail", mail),
    ]
    .iter()
    .flat_map(|(name, bytes)| {
        find(bytes, needles)
            .into_iter()
            .map(move |n| format!("{n} in {name}"))
    })
    .collect()
}

/// Signs up through the API (the proxy sees it, as it would in real use), with the code from
/// the mail; returns a bearer token.
async fn sign_up(
    client: &reqwest::Client,
    base: &str,
    sink: &SmtpSink,
    email: &str,
    password: &str,
) -> String {
    let before = sink.messages_to(email).len();
    let r = client
        .post(format!("{base}/api/v1/auth/signup"))
        .json(&serde_json::json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let code = code_in(
        &sink
            .wait_for_to(email, before + 1, Duration::from_secs(10))
            .body,
    );
    let r = client
        .post(format!("{base}/api/v1/auth/verify"))
        .json(&serde_json::json!({ "email": email, "code": code }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r: serde_json::Value = client
        .post(format!("{base}/api/v1/auth/token"))
        .json(&serde_json::json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    r["accessToken"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_in_creator_and_reader_leak_nothing_either() {
    let Watched {
        redis,
        monitor,
        sink,
        server,
        proxy,
    } = Watched::start().await;
    let base = proxy.base_url();
    let client = reqwest::Client::new();

    let plaintext = random_text("zk-canary-plaintext-", 40);
    let password = random_text("zk-canary-password-", 24);
    let alice_password = random_text("zk-account-password-", 24);
    let bob_password = random_text("zk-account-password-", 24);
    // Planted in the organization's name, which the invitation mail quotes: the mail channel's
    // positive control.
    let mail_control = {
        use base64::Engine as _;
        let bytes: [u8; 16] = rand::rng().random();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    };

    // Alice: an account and an organization; Bob: invited, signed up, a member.
    let alice = sign_up(&client, &base, &sink, "alice@example.com", &alice_password).await;
    let org: serde_json::Value = client
        .post(format!("{base}/api/v1/organizations"))
        .bearer_auth(&alice)
        .json(&serde_json::json!({ "name": format!("Org {mail_control}") }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let org_id = org["organization"]["id"].as_str().unwrap().to_string();
    let r = client
        .post(format!("{base}/api/v1/organizations/{org_id}/invites"))
        .bearer_auth(&alice)
        .json(&serde_json::json!({ "email": "bob@example.com" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let invite = token_after(
        &sink
            .wait_for_to("bob@example.com", 1, Duration::from_secs(10))
            .body,
        "/invite#",
    );
    let bob = sign_up(&client, &base, &sink, "bob@example.com", &bob_password).await;
    let r = client
        .post(format!("{base}/api/v1/invites/accept"))
        .bearer_auth(&bob)
        .json(&serde_json::json!({ "token": invite }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // In the browsers: Alice signs in and shares for her organization; Bob signs in and reveals.
    let sender = Chromium::launch().await;
    flows::log_in(&sender, &base, "alice@example.com", &alice_password).await;
    let (_, link) = flows::share(
        &sender,
        &base,
        &ShareForm {
            secret: &plaintext,
            password: Some(&password),
            views: Some("2"),
            ..Default::default()
        },
    )
    .await;
    let (id, key_b64) = flows::split_link(&link);
    let (status, meta) = flows::metadata(&base, &id).await;
    assert_eq!(status, 200);
    assert_eq!(
        meta["orgId"],
        serde_json::json!(org_id),
        "the share belongs to the organization: {meta}"
    );
    assert_eq!(meta["accessType"], "organization");

    let recipient = Chromium::launch().await;
    flows::log_in(&recipient, &base, "bob@example.com", &bob_password).await;
    let (_, outcome) = flows::reveal(&recipient, &link, Some(&password)).await;
    match outcome {
        Revealed::Secret { text, .. } => assert_eq!(text, plaintext, "the flow really ran"),
        other => panic!("the reveal failed: {other:?}"),
    }
    sender.close().await;
    recipient.close().await;

    // A share e-mailed to Bob and to an external recipient, sealed by the client in password
    // mode (the mailed links carry no key); the creator asked for read receipts.
    let mailed_plaintext = random_text("zk-canary-mailed-plaintext-", 40);
    // Planted in the share's name, which the recipients' mails quote: a control in those mails.
    let share_mail_control = random_text("ctl", 20);
    let mailed_password = random_text("zk-canary-mailed-password-", 24);
    let sealed =
        zkshare_crypto::seal_text(&mailed_plaintext, &Credentials::Password(&mailed_password))
            .unwrap();
    let created: serde_json::Value = client
        .post(format!("{base}/api/v1/shared-secrets"))
        .bearer_auth(&alice)
        .json(&serde_json::json!({
            "secretValue": sealed.envelope, "password": sealed.verifier,
            "name": format!("n {share_mail_control}"),
            "authorizedEmails": ["bob@example.com", "ext@outside.example"],
            "allowExternalEmails": true, "accessType": "anyone", "notifyOnView": true,
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mailed_id = created["id"].as_str().expect("created").to_string();
    let external = sink.wait_for_to("ext@outside.example", 1, Duration::from_secs(10));
    let token = token_after(&external.body, &format!("/s/{mailed_id}#r="));
    for (who, body) in [
        (
            Some(&bob),
            serde_json::json!({ "password": sealed.verifier }),
        ),
        (
            None,
            serde_json::json!({ "password": sealed.verifier, "recipientToken": token }),
        ),
    ] {
        let request = client.post(format!("{base}/api/v1/shared-secrets/{mailed_id}/access"));
        let request = match who {
            Some(bearer) => request.bearer_auth(bearer),
            None => request,
        };
        let opened: serde_json::Value = request
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let envelope = opened["secretValue"].as_str().expect("opened");
        let text = zkshare_crypto::open_text(envelope, &Credentials::Password(&mailed_password))
            .expect("the recipient opens it");
        assert_eq!(
            text.as_str(),
            mailed_plaintext,
            "the mailed flow really ran"
        );
    }
    // The read receipts reached Alice.
    sink.wait_for_to("alice@example.com", 3, Duration::from_secs(10));

    tokio::time::sleep(Duration::from_millis(300)).await;
    let channels = Channels {
        http: proxy.received(),
        monitor: monitor.seen(),
        logs: server.logs(),
        rdb: save(&redis),
    };
    let mail = mail_of(&sink);
    assert!(!mail.is_empty(), "the mails were captured");

    let mut secrets = secret_needles(&plaintext, &password, &key_b64);
    secrets.extend(needles("mailed plaintext", mailed_plaintext.as_bytes()));
    secrets.extend(needles("mailed password", mailed_password.as_bytes()));
    let leaks = channels.leaks_with_mail(&mail, &secrets);
    assert!(
        leaks.is_empty(),
        "SECRETS REACHED THE SERVER, REDIS OR A MAIL:\n{}",
        leaks.join("\n")
    );
    // Account passwords travel in the requests that carry them, and nowhere else.
    let mut accounts = needles("Alice's account password", alice_password.as_bytes());
    accounts.extend(needles("Bob's account password", bob_password.as_bytes()));
    let in_http = find(&channels.http, &accounts);
    assert!(!in_http.is_empty(), "the logins went through the proxy");
    let beyond = beyond_http(&channels, &mail, &accounts);
    assert!(
        beyond.is_empty(),
        "ACCOUNT PASSWORDS WERE KEPT OR SENT ON:\n{}",
        beyond.join("\n")
    );

    // Positive controls for the mail channel (the other channels' controls are in the test
    // above): one in an invitation, one in the mails of a shared secret.
    for control in [&mail_control, &share_mail_control] {
        let control = needles("mail control", control.as_bytes());
        assert!(
            !find(&mail, &control).is_empty(),
            "the mail scanner finds a planted value"
        );
    }
}

/// Opens `link` in `browser` and waits until `selector` is shown.
async fn open_and_wait(browser: &Chromium, link: &str, selector: &str) -> chromiumoxide::Page {
    let page = browser.open(link).await;
    zkshare_tests::pages::shown(&page, selector).await;
    page
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_request_leaks_neither_the_answer_nor_the_private_key() {
    use zkshare_crypto::request::{RequestKeys, commitment};

    let Watched {
        redis,
        monitor,
        sink,
        server,
        proxy,
    } = Watched::start().await;
    let base = proxy.base_url();
    let client = reqwest::Client::new();

    let plaintext = random_text("zk-canary-answer-", 40);
    let alice_password = random_text("zk-account-password-", 24);
    // Planted in the request's name, which the completion mail quotes: the mail's control.
    let mail_control = random_text("ctl", 20);
    let alice = sign_up(&client, &base, &sink, "alice@example.com", &alice_password).await;

    // A signed-in requester's client (here: the protocol crate, as the CLI uses it) makes the
    // key pair and creates the request; the answer is typed into the answer page in Chromium and
    // read on the requester's page, both through the recording proxy.
    let keys = RequestKeys::generate().unwrap();
    let created: serde_json::Value = client
        .post(format!("{base}/api/v1/shared-secrets/requests"))
        .bearer_auth(&alice)
        .json(&serde_json::json!({
            "name": format!("n {mail_control}"),
            "expiresIn": "1h",
            "accessType": "anyone",
            "publicKey": keys.public_key().to_b64(),
            "requesterToken": keys.requester_token(),
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().expect("created").to_string();
    let c64 = commitment(&keys.public_key());
    let private_key = keys.to_b64().to_string();

    let answerer = Chromium::launch().await;
    let page = open_and_wait(&answerer, &format!("{base}/r/{id}#{c64}"), "#ask").await;
    flows::type_into(&page, "#secret", &plaintext).await;
    flows::click(&page, "#send").await;
    zkshare_tests::pages::shown(&page, "#sent").await;
    answerer.close().await;
    sink.wait_for_to("alice@example.com", 2, Duration::from_secs(10));

    // The answer is stored (as ciphertext) when Redis is saved.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rdb = save(&redis);

    let requester = Chromium::launch().await;
    let page = open_and_wait(
        &requester,
        &format!("{base}/r/{id}/open#{private_key}"),
        "#reveal",
    )
    .await;
    flows::click(&page, "#reveal").await;
    zkshare_tests::pages::shown(&page, "#secret-view").await;
    let shown =
        zkshare_tests::browser::eval(&page, "document.getElementById('secret').value").await;
    assert_eq!(shown, plaintext.as_str(), "the request flow really ran");
    requester.close().await;

    tokio::time::sleep(Duration::from_millis(300)).await;
    let channels = Channels {
        http: proxy.received(),
        monitor: monitor.seen(),
        logs: server.logs(),
        rdb,
    };
    let mail = mail_of(&sink);
    // The completion mail went out, and the capture holds the answer's ciphertext.
    assert!(
        sink.messages()
            .iter()
            .any(|m| m.raw.contains("Secret Request Completed")),
        "the completion mail was captured"
    );
    let answer_probe = b"\"secretValue\":\"ARAB.";
    assert!(
        channels
            .http
            .windows(answer_probe.len())
            .any(|w| w == answer_probe),
        "the HTTP capture holds the sealed answer: the audit is watching"
    );

    let mut secrets = needles("answer plaintext", plaintext.as_bytes());
    secrets.extend(needles("private key (link text)", private_key.as_bytes()));
    let private_bytes = {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&private_key)
            .unwrap()
    };
    secrets.extend(needles("private key (bytes)", &private_bytes[1..]));
    secrets.extend(needles("commitment (a fragment)", c64.as_bytes()));
    let leaks = channels.leaks_with_mail(&mail, &secrets);
    assert!(
        leaks.is_empty(),
        "A REQUEST'S SECRETS REACHED THE SERVER, REDIS OR A MAIL:\n{}",
        leaks.join("\n")
    );

    // The requester token is sent by design (create, reveal) and kept only as its digest.
    let token = needles("requester token", keys.requester_token().as_bytes());
    assert!(
        !find(&channels.http, &token).is_empty(),
        "the token went through the proxy"
    );
    let beyond = beyond_http(&channels, &mail, &token);
    assert!(
        beyond.is_empty(),
        "THE REQUESTER TOKEN WAS KEPT OR SENT ON:\n{}",
        beyond.join("\n")
    );

    // The mail scanner finds what was planted in the mail.
    assert!(
        !find(&mail, &needles("mail control", mail_control.as_bytes())).is_empty(),
        "the mail scanner finds a planted value"
    );
}
