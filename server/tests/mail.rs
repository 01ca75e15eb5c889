//! Outgoing mail end to end: `zkshare-server send-test-mail` and the server's start against a real SMTP sink (STARTTLS, plaintext to loopback, wrong CA, wrong login, console mode), and the relay password kept out of every output.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use zkshare_testkit::leaks;
use zkshare_testkit::server::ServerProcess;
use zkshare_testkit::smtp::{SinkSecurity, SmtpSink};

const FROM: &str = "zkshare <noreply@share.example.com>";
const RELAY_USER: &str = "relay-user";
/// A distinctive relay password with a character the URL must percent-encode.
const RELAY_PASSWORD: &str = "Qz7/relay-pw-K3xV9wT";
const RELAY_PASSWORD_IN_URL: &str = "Qz7%2Frelay-pw-K3xV9wT";

/// Runs the server binary with `args` and nothing from the environment's ZKSHARE_* settings.
fn server(args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_zkshare-server"));
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("ZKSHARE_") || name == "REDIS_URL" {
            cmd.env_remove(&*name);
        }
    }
    cmd.args(["--log", "trace"])
        .args(args)
        .output()
        .expect("run zkshare-server")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn url_with_login(sink: &SmtpSink, password_in_url: &str) -> String {
    sink.url()
        .replace("://", &format!("://{RELAY_USER}:{password_in_url}@"))
}

fn send_test_mail(url: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "send-test-mail",
        "--to",
        "someone@example.com",
        "--smtp-url",
        url,
        "--mail-from",
        FROM,
        "--smtp-timeout-secs",
        "5",
    ];
    args.extend_from_slice(extra);
    server(&args)
}

fn ca_arg(path: &Path) -> String {
    path.to_str().expect("UTF-8 path").to_string()
}

/// Fails when `output` (or anything else given) holds the relay password in any encoding;
/// first proves the scanner finds it when it is there.
fn assert_no_password(what: &str, haystack: &[u8]) {
    let needles = leaks::needles("relay password", RELAY_PASSWORD.as_bytes());
    // Positive controls: the raw password, and SMTP AUTH PLAIN's base64 of "\0user\0password".
    assert!(!leaks::find(format!("x{RELAY_PASSWORD}y").as_bytes(), &needles).is_empty());
    let auth_plain = STANDARD.encode(format!("\0{RELAY_USER}\0{RELAY_PASSWORD}"));
    let planted = format!("C: AUTH PLAIN {auth_plain}");
    assert!(!leaks::find(planted.as_bytes(), &needles).is_empty());
    let found = leaks::find(haystack, &needles);
    assert!(
        found.is_empty(),
        "{what} holds the relay password: {found:?}"
    );
    assert!(
        !String::from_utf8_lossy(haystack).contains(RELAY_PASSWORD_IN_URL),
        "{what} holds the percent-encoded relay password"
    );
}

#[test]
fn send_test_mail_delivers_over_starttls_with_the_configured_ca_and_login() {
    let started = Instant::now();
    let sink = SmtpSink::start_with_login(SinkSecurity::StartTls, RELAY_USER, RELAY_PASSWORD);
    let out = send_test_mail(
        &url_with_login(&sink, RELAY_PASSWORD_IN_URL),
        &["--smtp-ca-file", &ca_arg(sink.ca_file())],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("accepted"), "{}", text(&out));

    let mail = sink.wait_for(1, Duration::from_secs(10)).remove(0);
    assert!(mail.tls, "delivered without TLS");
    assert_eq!(mail.auth_login.as_deref(), Some(RELAY_USER));
    assert_eq!(mail.mail_from, "noreply@share.example.com");
    assert_eq!(mail.rcpt_to, ["someone@example.com"]);
    assert_eq!(mail.header("From"), Some(FROM));
    assert_eq!(mail.header("To"), Some("someone@example.com"));
    assert_eq!(mail.header("Subject"), Some("zkshare test message"));
    assert!(
        mail.body
            .contains("This is a test message from zkshare-server send-test-mail."),
        "{}",
        mail.body
    );

    // The log (at TRACE) names the recipient's domain and the outcome, never the body.
    let output = text(&out);
    assert!(
        output.contains("example.com") && output.contains("mail sent"),
        "{output}"
    );
    assert!(
        !output.contains("This is a test message"),
        "the body was logged:\n{output}"
    );
    assert_no_password("send-test-mail's output", output.as_bytes());
    assert_no_password("the delivered message", mail.raw.as_bytes());
    eprintln!("STARTTLS delivery took {:?}", started.elapsed());
}

#[test]
fn implicit_tls_smtps_delivers() {
    let sink = SmtpSink::start(SinkSecurity::ImplicitTls);
    let out = send_test_mail(&sink.url(), &["--smtp-ca-file", &ca_arg(sink.ca_file())]);
    assert!(out.status.success(), "{}", text(&out));
    let mail = sink.wait_for(1, Duration::from_secs(10)).remove(0);
    assert!(mail.tls);
    assert_eq!(mail.header("Subject"), Some("zkshare test message"));
}

#[test]
fn plaintext_to_loopback_needs_the_explicit_opt_in() {
    let sink = SmtpSink::start(SinkSecurity::Plain);
    // Without the opt-in, smtp:// requires STARTTLS, which this relay does not offer.
    let out = send_test_mail(&sink.url(), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("TLS"), "{}", text(&out));
    assert!(
        sink.messages().is_empty(),
        "a message went out in plaintext"
    );

    let out = send_test_mail(&sink.url(), &["--smtp-insecure-localhost"]);
    assert!(out.status.success(), "{}", text(&out));
    let mail = sink.wait_for(1, Duration::from_secs(10)).remove(0);
    assert!(!mail.tls);
    assert_eq!(mail.header("Subject"), Some("zkshare test message"));
}

#[test]
fn plaintext_to_a_remote_relay_is_refused_at_start() {
    let data = tempfile::tempdir().unwrap();
    for url in ["smtp://mail.example.com:25", "smtp://10.1.2.3:25"] {
        // The server refuses to start, before it binds.
        let out = server(&[
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            data.path().to_str().unwrap(),
            "--smtp-url",
            url,
            "--mail-from",
            FROM,
            "--smtp-insecure-localhost",
        ]);
        let output = text(&out);
        assert_eq!(out.status.code(), Some(1), "{output}");
        assert!(output.contains("only to a loopback host"), "{output}");
        assert!(!output.contains("zkshare listening"), "{output}");
        // So does the subcommand.
        let out = send_test_mail(url, &["--smtp-insecure-localhost"]);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        assert!(
            text(&out).contains("only to a loopback host"),
            "{}",
            text(&out)
        );
    }
    // A URL without --mail-from is refused as well.
    let out = server(&[
        "send-test-mail",
        "--to",
        "a@example.com",
        "--smtp-url",
        "smtp://mail.example.com",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("--mail-from"), "{}", text(&out));
}

#[test]
fn an_untrusted_certificate_is_a_tls_failure_and_nothing_is_delivered() {
    let sink = SmtpSink::start(SinkSecurity::StartTls);
    let other = SmtpSink::start(SinkSecurity::StartTls);
    for extra in [
        vec!["--smtp-ca-file".to_string(), ca_arg(other.ca_file())],
        vec![],
    ] {
        let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
        let out = send_test_mail(&sink.url(), &extra);
        let output = text(&out);
        assert_eq!(out.status.code(), Some(1), "{output}");
        assert!(
            output.contains("TLS with the SMTP relay 127.0.0.1:"),
            "{output}"
        );
    }
    assert!(sink.messages().is_empty() && other.messages().is_empty());
}

#[test]
fn a_refused_login_or_an_unreachable_relay_is_reported_without_the_password() {
    let sink = SmtpSink::start_with_login(SinkSecurity::StartTls, RELAY_USER, "the-right-one-7");
    let out = send_test_mail(
        &url_with_login(&sink, RELAY_PASSWORD_IN_URL),
        &["--smtp-ca-file", &ca_arg(sink.ca_file())],
    );
    let output = text(&out);
    assert_eq!(out.status.code(), Some(1), "{output}");
    assert!(output.contains("refused the login"), "{output}");
    assert_no_password("a refused login's output", output.as_bytes());
    assert!(sink.messages().is_empty());

    let port = zkshare_testkit::free_port();
    let out = send_test_mail(
        &format!("smtp://{RELAY_USER}:{RELAY_PASSWORD_IN_URL}@127.0.0.1:{port}"),
        &[],
    );
    let output = text(&out);
    assert_eq!(out.status.code(), Some(1), "{output}");
    assert!(
        output.contains(&format!("cannot reach the SMTP relay 127.0.0.1:{port}")),
        "{output}"
    );
    assert_no_password("an unreachable relay's output", output.as_bytes());
}

#[test]
fn a_refused_recipient_is_reported_and_its_address_stays_out_of_the_log() {
    let sink = SmtpSink::start(SinkSecurity::StartTls);
    let out = server(&[
        "send-test-mail",
        "--to",
        "refuse-zq81@example.com",
        "--smtp-url",
        &sink.url(),
        "--mail-from",
        FROM,
        "--smtp-ca-file",
        &ca_arg(sink.ca_file()),
    ]);
    let output = text(&out);
    assert_eq!(out.status.code(), Some(1), "{output}");
    // The operator's own command says why, relay's words included...
    assert!(
        output.contains("refused the message") && output.contains("550"),
        "{output}"
    );
    // ...but the log line names the domain only, though the relay quoted the whole address.
    let log_lines: Vec<&str> = output
        .lines()
        .filter(|l| l.contains("zkshare_server::mail"))
        .collect();
    assert!(
        log_lines.iter().any(|l| l.contains("example.com")),
        "{output}"
    );
    assert!(
        log_lines.iter().all(|l| !l.contains("refuse-zq81")),
        "{log_lines:#?}"
    );
    assert!(sink.messages().is_empty());
}

#[test]
fn the_serving_server_keeps_the_relay_password_out_of_its_output() {
    let sink = SmtpSink::start_with_login(SinkSecurity::StartTls, RELAY_USER, RELAY_PASSWORD);
    let data = tempfile::tempdir().unwrap();
    let url = url_with_login(&sink, RELAY_PASSWORD_IN_URL);
    let mut server = ServerProcess::launch(
        Path::new(env!("CARGO_BIN_EXE_zkshare-server")),
        &[
            "--log",
            "trace",
            "--data-dir",
            data.path().to_str().unwrap(),
            "--smtp-url",
            &url,
            "--smtp-ca-file",
            &ca_arg(sink.ca_file()),
            "--mail-from",
            FROM,
        ],
    );
    server.terminate();
    server.wait_exit(Duration::from_secs(10));
    let logs = server.logs();
    let logs_text = String::from_utf8_lossy(&logs);
    assert!(
        logs_text.contains(&format!(
            "zkshare mail: SMTP 127.0.0.1:{} (STARTTLS)",
            sink.port()
        )),
        "{logs_text}"
    );
    assert_no_password("the server's stdout and log", &logs);
}

#[test]
fn mail_to_console_prints_the_message_and_a_loud_warning() {
    let out = server(&[
        "send-test-mail",
        "--to",
        "someone@example.com",
        "--mail-to-console",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stdout.contains("Subject: zkshare test message"), "{stdout}");
    assert!(stdout.contains("To: someone@example.com"), "{stdout}");
    assert!(
        stdout.contains("This is a test message from zkshare-server send-test-mail."),
        "{stdout}"
    );
    assert!(
        stderr.contains("--mail-to-console is ON") && stderr.contains("NEVER use it in production"),
        "{stderr}"
    );

    // The serving server says it at start, too.
    let data = tempfile::tempdir().unwrap();
    let server = ServerProcess::launch(
        Path::new(env!("CARGO_BIN_EXE_zkshare-server")),
        &[
            "--data-dir",
            data.path().to_str().unwrap(),
            "--mail-to-console",
        ],
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    while !server.stderr().contains("NEVER use it in production") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        server.stderr().contains("--mail-to-console is ON"),
        "{}",
        server.stderr()
    );
    assert!(String::from_utf8_lossy(&server.logs()).contains("NOT SENT"));
}
