//! The `zkshare` CLI's secret requests against a real server (embedded store and a real Redis): request, answer and receive, their refusals, a server that swaps the key, and an organization's request.

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use zkshare_crypto::request::RequestKeys;
use zkshare_tests::cli::{self, CliRun, zkshare};
use zkshare_tests::hostile::key_swapping_proxy;
use zkshare_tests::redis_server::RedisServer;
use zkshare_tests::server::{ServerProcess, Store};
use zkshare_tests::smtp::token_after;
use zkshare_tests::stub::{Reply, StubServer};
use zkshare_tests::world::{ACCOUNT_PASSWORD, MailWorld, Person};

const SECRET: &str = "db password: hunter2\nünïcödé 🔑  \n";

/// `zkshare ARGS` in the directory `dir` (where `request` writes its default key file).
fn zkshare_in(dir: &Path, args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> CliRun {
    use std::io::Write as _;
    let mut cmd = Command::new(cli::binary());
    cli::isolate(&mut cmd)
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn zkshare");
    let mut input = child.stdin.take().expect("piped stdin");
    if let Err(e) = input.write_all(stdin) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "write stdin: {e}");
    }
    drop(input);
    let out = child.wait_with_output().expect("wait for zkshare");
    CliRun {
        code: out.status.code().expect("exited normally"),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The request's id, the answer link (stdout's one line) and, when `request` printed it, the
/// requester link from stderr.
struct Made {
    id: String,
    answer_link: String,
    requester_link: Option<String>,
}

/// `zkshare request --server BASE EXTRA` in `dir`; checks the answer link's shape.
fn request(dir: &Path, base: &str, extra: &[&str], env: &[(&str, &str)]) -> Made {
    let mut args = vec!["request", "--server", base];
    args.extend_from_slice(extra);
    let run = zkshare_in(dir, &args, b"", env);
    let out = run.ok();
    assert!(
        out.ends_with('\n') && out.lines().count() == 1,
        "only the answer link on stdout: {out:?}"
    );
    let answer_link = out.trim_end().to_string();
    let (path, commitment) = answer_link.split_once('#').expect("a commitment fragment");
    assert_eq!(commitment.len(), 43, "{answer_link}");
    let id = path
        .strip_prefix(&format!("{base}/r/"))
        .unwrap_or_else(|| panic!("{answer_link} is {base}/r/ID#..."))
        .to_string();
    assert_eq!(id.len(), 22, "{answer_link}");
    let requester_link = run
        .stderr
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with(&format!("{base}/r/{id}/open#")))
        .map(str::to_owned);
    Made {
        id,
        answer_link,
        requester_link,
    }
}

fn embedded() -> (tempfile::TempDir, ServerProcess) {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(Store::Embedded(dir.path()), &[]);
    (dir, server)
}

/// The whole flow on one server: request (default key file), receive too early, answer,
/// a second answer refused, receive exactly, a second receive gone; then `--keep`.
fn round_trip(server: &ServerProcess) {
    let base = server.base_url();
    let work = tempfile::tempdir().unwrap();
    let dir = work.path();
    let made = request(dir, base, &["--name", "staging db", "--expires", "1d"], &[]);
    assert!(made.requester_link.is_none(), "not printed by default");

    // The requester link went to a new file of mode 0600 in the current directory.
    let key_file = dir.join(format!("zkshare-request-{}.key", made.id));
    let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    let requester_link = std::fs::read_to_string(&key_file).unwrap();
    let requester_link = requester_link.trim_end();
    let (open, sk) = requester_link.split_once('#').unwrap();
    assert_eq!(open, format!("{base}/r/{}/open", made.id));
    assert_eq!(sk.len(), 44);
    let commitment = made.answer_link.split_once('#').unwrap().1;

    // Before the answer: exit 6, and nothing is used up.
    let key_arg = key_file.to_str().unwrap();
    let early = zkshare(&["receive", "--key-file", key_arg], b"", &[]);
    assert!(
        early.fails(6).contains("has not been answered yet"),
        "{}",
        early.stderr
    );
    assert!(!early.stderr.contains("warning"), "{}", early.stderr);
    // A key file others may read is pointed out.
    let set_mode =
        |mode| std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(mode)).unwrap();
    set_mode(0o644);
    let exposed = zkshare(&["receive", "--key-file", key_arg], b"", &[]);
    assert_eq!(exposed.code, 6, "{}", exposed.stderr);
    let (warning, error) = exposed.stderr.split_once('\n').unwrap();
    assert!(
        warning.starts_with("warning: ")
            && warning.ends_with(&format!(
                "can be read by others than its owner (mode 644), and it holds the key to the \
                 answer; `chmod 600 {key_arg}`"
            )),
        "{warning}"
    );
    assert!(error.contains("has not been answered yet"), "{error}");
    set_mode(0o600);
    // The id alone finds the default key file in the current directory.
    zkshare_in(dir, &["receive", &made.id], b"", &[]).fails(6);

    let answered = zkshare(&["answer", &made.answer_link], SECRET.as_bytes(), &[]);
    assert_eq!(answered.ok(), "", "nothing on stdout");
    assert!(
        answered.stderr.contains("\"staging db\"")
            && answered.stderr.contains("anonymous requester")
            && answered.stderr.contains("Answered"),
        "{}",
        answered.stderr
    );
    let again = zkshare(&["answer", &made.answer_link], b"another", &[]);
    assert!(
        again.fails(3).contains("answered already"),
        "{}",
        again.stderr
    );

    // The answer, byte for byte; then it is gone.
    let received = zkshare(&["receive", "--key-file", key_arg], b"", &[]);
    assert_eq!(received.ok(), SECRET);
    assert!(
        received.stderr.contains("deleted from the server"),
        "{}",
        received.stderr
    );
    let gone = zkshare(&["receive", requester_link], b"", &[]);
    assert!(gone.fails(3).contains("not found"), "{}", gone.stderr);

    // --keep: the answer can be read twice; the requester link straight from stderr.
    let kept = request(dir, base, &["--keep", "--print-requester-link"], &[]);
    let kept_link = kept.requester_link.expect("printed on stderr");
    assert!(
        !dir.join(format!("zkshare-request-{}.key", kept.id))
            .exists(),
        "no key file with --print-requester-link"
    );
    zkshare(&["answer", &kept.answer_link], b"kept", &[]).ok();
    for _ in 0..2 {
        let run = zkshare(&["receive", "-"], kept_link.as_bytes(), &[]);
        assert_eq!(run.ok(), "kept");
        assert!(run.stderr.contains("stays on the server"), "{}", run.stderr);
    }

    // The fragments never reached the server: not in a path, a body or a log line.
    let logs = String::from_utf8_lossy(&server.logs()).into_owned();
    for fragment in [commitment, sk, kept_link.split_once('#').unwrap().1] {
        assert!(!logs.contains(fragment), "{fragment} in the server's logs");
    }
}

#[test]
fn request_answer_receive_on_the_embedded_store() {
    let (_data, server) = embedded();
    round_trip(&server);
}

#[test]
fn request_answer_receive_on_redis() {
    let redis = RedisServer::start();
    let server = ServerProcess::start(Store::Redis(redis.url()), &[]);
    round_trip(&server);
}

#[test]
fn links_and_key_files_that_do_not_fit_are_refused() {
    let (_data, server) = embedded();
    let base = server.base_url();
    let work = tempfile::tempdir().unwrap();
    let key = work.path().join("mine.key");
    let made = request(
        work.path(),
        base,
        &["--key-file", key.to_str().unwrap()],
        &[],
    );
    let key_arg = key.to_str().unwrap();
    let (plain, commitment) = made.answer_link.split_once('#').unwrap();

    // Answer links without their whole commitment: refused before the secret is read.
    for bad in [
        plain.to_string(),
        format!("{plain}#{}", &commitment[..42]),
        format!("{plain}/open#{commitment}"),
    ] {
        let run = zkshare(&["answer", &bad], b"secret", &[]);
        run.fails(2);
    }
    // An empty secret.
    zkshare(&["answer", &made.answer_link], b" \n", &[]).fails(2);
    // Too long: the crate's limit and message.
    let long = "x".repeat(10_001);
    let run = zkshare(&["answer", &made.answer_link], long.as_bytes(), &[]);
    assert!(
        run.fails(2).contains("longer than 10000 characters"),
        "{}",
        run.stderr
    );
    // A %23 for the '#' is read as one.
    let mangled = made.answer_link.replace('#', "%23");
    zkshare(&["answer", &mangled], b"through a mail scanner", &[]).ok();

    // The key file is never overwritten, and nothing is created on the server for it.
    let before = std::fs::read_to_string(&key).unwrap();
    let run = zkshare_in(
        work.path(),
        &["request", "--server", base, "--key-file", key_arg],
        b"",
        &[],
    );
    assert!(run.fails(1).contains("never overwrites"), "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(&key).unwrap(), before);

    // Another request's key file, or a key that is not the request's.
    let other = request(work.path(), base, &["--print-requester-link"], &[]);
    let run = zkshare(
        &["receive", &other.answer_link, "--key-file", key_arg],
        b"",
        &[],
    );
    assert!(run.fails(2).contains("is for request"), "{}", run.stderr);
    let stranger = RequestKeys::generate().unwrap();
    let wrong = format!("{base}/r/{}/open#{}", made.id, stranger.to_b64().as_str());
    let run = zkshare(&["receive", &wrong], b"", &[]);
    run.fails(4);
    // The right key still works (positive control).
    assert_eq!(
        zkshare(
            &["receive", &made.answer_link, "--key-file", key_arg],
            b"",
            &[]
        )
        .ok(),
        "through a mail scanner"
    );
}

#[test]
fn answer_refuses_a_key_the_server_swapped_and_sends_nothing() {
    let (_data, server) = embedded();
    let base = server.base_url();
    let work = tempfile::tempdir().unwrap();
    let made = request(work.path(), base, &["--print-requester-link"], &[]);
    let requester_link = made.requester_link.unwrap();
    let fragment = made.answer_link.split_once('#').unwrap().1;

    let substitute = RequestKeys::generate().unwrap().public_key().to_b64();
    let hostile = key_swapping_proxy(base, Some(substitute));
    let through = format!("{}/r/{}#{fragment}", hostile.base_url(), made.id);
    let run = zkshare(&["answer", &through], SECRET.as_bytes(), &[]);
    let stderr = run.fails(1);
    assert!(
        stderr.contains("substituted") && stderr.contains("Nothing was encrypted or sent"),
        "{stderr}"
    );
    assert!(hostile.got(
        "GET",
        &format!("/api/v1/shared-secrets/requests/{}", made.id)
    ));
    assert!(
        !hostile.got("POST", "/set-value"),
        "no answer may be sent: {:?}",
        hostile.requests()
    );
    zkshare(&["receive", &requester_link], b"", &[]).fails(6);

    // The same proxy without the swap passes the answer on (positive control).
    let honest = key_swapping_proxy(base, None);
    let through = format!("{}/r/{}#{fragment}", honest.base_url(), made.id);
    zkshare(&["answer", &through], SECRET.as_bytes(), &[]).ok();
    assert!(honest.got("POST", "/set-value"));
    assert_eq!(
        zkshare(&["receive", &requester_link], b"", &[]).ok(),
        SECRET
    );
}

#[test]
fn request_refuses_links_to_another_origin_and_deletes_the_request() {
    let id = "q83vEjRWeJCrze8SNFZ4kA";
    let stub = StubServer::start(move |request| {
        if request.method == "DELETE" {
            return Reply::json(200, &json!({ "id": id }));
        }
        // Echo the key the client sent, as a real server does; only the links lie.
        let sent: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        Reply::json(
            200,
            &json!({
                "id": id, "name": null, "accessType": "anyone",
                "createdAt": "2026-12-07T10:00:00.000Z", "expiresAt": "2026-12-07T11:00:00.000Z",
                "publicKey": sent["publicKey"], "isAnswered": false, "answeredAt": null,
                "keepAnswer": false, "requester": null,
                "answerLink": format!("https://attacker.example/r/{id}"),
                "requesterLink": format!("https://attacker.example/r/{id}/open"),
            }),
        )
    });
    let work = tempfile::tempdir().unwrap();
    let run = zkshare_in(
        work.path(),
        &["request", "--server", &stub.base_url()],
        b"",
        &[],
    );
    let stderr = run.fails(1);
    assert!(
        stderr.contains("attacker.example") && stderr.contains("deleted again"),
        "{stderr}"
    );
    let create = stub
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .expect("the create");
    let body: Value = serde_json::from_slice(&create.body).unwrap();
    assert_eq!(body["accessType"], "anyone");
    assert_eq!(body["requesterToken"].as_str().map(str::len), Some(43));
    let delete = stub
        .requests()
        .into_iter()
        .find(|r| r.method == "DELETE")
        .expect("a DELETE for the refused request");
    assert_eq!(
        delete.header("x-requester-token"),
        body["requesterToken"].as_str()
    );
    assert!(
        std::fs::read_dir(work.path()).unwrap().next().is_none(),
        "no key file left behind"
    );
}

/// The CLI as one of the world's people, in their config directory.
trait Cli {
    fn login(&self, person: &Person);
    fn cli_as(&self, person: Option<&Person>, args: &[&str], stdin: &[u8]) -> CliRun;
}

impl Cli for MailWorld {
    /// `zkshare login` for `person` (after their organization is set up: a token carries it).
    fn login(&self, person: &Person) {
        self.cli_as(
            Some(person),
            &[
                "login",
                "--server",
                self.server.base_url(),
                "--email",
                &person.email,
                "--password-env",
                "ACCOUNT_PW",
            ],
            b"",
        )
        .ok();
    }

    /// `zkshare ARGS` as `person` (their saved login), in their config directory.
    fn cli_as(&self, person: Option<&Person>, args: &[&str], stdin: &[u8]) -> CliRun {
        let none = tempfile::tempdir().unwrap();
        let dir = person.map_or(none.path(), |p| p.config.path());
        zkshare_in(
            dir,
            args,
            stdin,
            &[
                ("ZKSHARE_CONFIG_DIR", dir.to_str().unwrap()),
                ("ACCOUNT_PW", ACCOUNT_PASSWORD),
            ],
        )
    }
}

#[test]
fn an_organization_request_is_answered_by_a_signed_in_member_only() {
    let w = MailWorld::start();
    let base = w.server.base_url();
    let alice = w.person("alice@example.com");
    let bob = w.person("bob@example.com");
    let carol = w.person("carol@example.com");
    let (status, org) = w.post(
        "/api/v1/organizations",
        Some(&alice.bearer),
        json!({ "name": "Ops" }),
    );
    assert_eq!(status, 201, "{org}");
    let org_id = org["organization"]["id"].as_str().unwrap();
    let (status, body) = w.post(
        &format!("/api/v1/organizations/{org_id}/invites"),
        Some(&alice.bearer),
        json!({ "email": bob.email }),
    );
    assert_eq!(status, 201, "{body}");
    let invite = w.sink.wait_for_to(&bob.email, 2, Duration::from_secs(15));
    let (status, body) = w.post(
        "/api/v1/invites/accept",
        Some(&bob.bearer),
        json!({ "token": token_after(&invite.body, "/invite#") }),
    );
    assert!(status < 300, "{status} {body}");
    for person in [&alice, &bob, &carol] {
        w.login(person);
    }

    // Without a login, --org-only is refused before anything is made.
    let run = w.cli_as(None, &["request", "--server", base, "--org-only"], b"");
    assert!(run.fails(2).contains("needs a login"), "{}", run.stderr);

    let made = w.cli_as(
        Some(&alice),
        &[
            "request",
            "--server",
            base,
            "--org-only",
            "--name",
            "vpn key",
            "--print-requester-link",
        ],
        b"",
    );
    let answer_link = made.ok().trim_end().to_string();
    let requester_link = made
        .stderr
        .lines()
        .map(str::trim)
        .find(|l| l.contains("/open#"))
        .expect("the requester link")
        .to_string();

    // Not signed in, and signed in outside the organization: refused, nothing sent.
    let run = w.cli_as(None, &["answer", &answer_link], b"from nobody");
    assert!(run.fails(4).contains("zkshare login"), "{}", run.stderr);
    w.cli_as(Some(&carol), &["answer", &answer_link], b"from carol")
        .fails(4);

    // A member: sees who asks, and answers.
    let run = w.cli_as(Some(&bob), &["answer", &answer_link], b"from bob");
    run.ok();
    assert!(
        run.stderr
            .contains("\"vpn key\" from alice@example.com (Ops)"),
        "{}",
        run.stderr
    );
    assert_eq!(
        w.cli_as(None, &["receive", &requester_link], b"").ok(),
        "from bob"
    );
}
