//! A real SMTP server for mail tests: aiosmtpd (from PyPI, in a venv under the target directory) on a free port, plain, STARTTLS or TLS, writing what it accepts to a directory that tests read.
//!
//! Each sink has its own throwaway CA and server certificate (made with the `openssl` CLI) for
//! `127.0.0.1` and `localhost`; pass [`SmtpSink::ca_file`] to the client as its extra trusted CA.
//! The handler is `testkit/smtp_sink.py`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine as _;

use crate::{find_program, free_port, require_program, target_profile_dir, workspace_root};

/// The aiosmtpd release the sink is written against.
const AIOSMTPD: &str = "aiosmtpd==1.4.6";

/// One installation at a time.
static INSTALL: Mutex<()> = Mutex::new(());

/// How the sink's listener is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SinkSecurity {
    /// Plain SMTP; no STARTTLS offered.
    Plain,
    /// STARTTLS offered and required before MAIL FROM.
    StartTls,
    /// TLS from the first byte (smtps).
    ImplicitTls,
}

/// A running SMTP sink, stopped on drop.
pub struct SmtpSink {
    child: Child,
    port: u16,
    security: SinkSecurity,
    out: PathBuf,
    ca: Option<PathBuf>,
    _dir: tempfile::TempDir,
}

/// A message the sink accepted.
#[derive(Clone, Debug)]
pub struct ReceivedMail {
    /// The envelope sender (MAIL FROM).
    pub mail_from: String,
    /// The envelope recipients (RCPT TO).
    pub rcpt_to: Vec<String>,
    /// The user name the client authenticated as, if it did.
    pub auth_login: Option<String>,
    /// Whether the session was encrypted when the message was sent.
    pub tls: bool,
    /// The message as received (RFC 5322).
    pub raw: String,
    /// Unfolded headers in order, names as sent, values with RFC 2047 words decoded.
    pub headers: Vec<(String, String)>,
    /// The body with its Content-Transfer-Encoding undone.
    pub body: String,
}

impl ReceivedMail {
    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl SmtpSink {
    /// Starts a sink that accepts any sender and recipient without a login, except recipients
    /// whose address starts with `refuse-`, which it refuses with 550 (quoting the address).
    pub fn start(security: SinkSecurity) -> SmtpSink {
        Self::launch(security, None)
    }

    /// Starts a sink that requires AUTH (PLAIN or LOGIN) with exactly this user and password.
    pub fn start_with_login(security: SinkSecurity, user: &str, password: &str) -> SmtpSink {
        Self::launch(security, Some(format!("{user}:{password}")))
    }

    fn launch(security: SinkSecurity, auth: Option<String>) -> SmtpSink {
        let python = aiosmtpd_python();
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("mail");
        std::fs::create_dir(&out).expect("create mail dir");
        let port = free_port();
        let mut cmd = Command::new(python);
        cmd.arg(workspace_root().join("testkit/smtp_sink.py"))
            .args(["--port", &port.to_string()])
            .arg("--out")
            .arg(&out);
        let mut ca = None;
        if security != SinkSecurity::Plain {
            let certs = throwaway_ca(dir.path());
            cmd.args([
                "--mode",
                if security == SinkSecurity::StartTls {
                    "starttls"
                } else {
                    "tls"
                },
            ])
            .arg("--cert")
            .arg(&certs.server_cert)
            .arg("--key")
            .arg(&certs.server_key);
            ca = Some(certs.ca_cert);
        }
        if let Some(auth) = auth {
            cmd.args(["--auth", &auth]);
        }
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn the SMTP sink");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(Duration::from_secs(30)).unwrap_or_default();
        assert_eq!(
            line.trim(),
            "ready",
            "the SMTP sink did not start (see its stderr above)"
        );
        SmtpSink {
            child,
            port,
            security,
            out,
            ca,
            _dir: dir,
        }
    }

    /// The port it listens on, on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `smtp://127.0.0.1:PORT` (`smtps://` for [`SinkSecurity::ImplicitTls`]), without a login.
    pub fn url(&self) -> String {
        let scheme = if self.security == SinkSecurity::ImplicitTls {
            "smtps"
        } else {
            "smtp"
        };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    /// The server flags that send mail through this sink (URL, CA file, a sender), to append to
    /// a `zkshare-server` command line; panics for a plain sink.
    pub fn server_args(&self) -> Vec<String> {
        vec![
            "--smtp-url".into(),
            self.url(),
            "--smtp-ca-file".into(),
            self.ca_file().to_str().expect("UTF-8 path").into(),
            "--mail-from".into(),
            "zkshare <noreply@zkshare.test>".into(),
        ]
    }

    /// The messages to `to` so far, oldest first.
    pub fn messages_to(&self, to: &str) -> Vec<ReceivedMail> {
        self.messages()
            .into_iter()
            .filter(|m| m.rcpt_to.iter().any(|r| r == to))
            .collect()
    }

    /// Waits up to `timeout` for the `n`th message (1-based) to `to`.
    pub fn wait_for_to(&self, to: &str, n: usize, timeout: Duration) -> ReceivedMail {
        let deadline = Instant::now() + timeout;
        loop {
            let mut messages = self.messages_to(to);
            if messages.len() >= n {
                return messages.swap_remove(n - 1);
            }
            assert!(
                Instant::now() < deadline,
                "expected message {n} to {to} within {timeout:?}; all messages: {:#?}",
                self.messages()
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// [`SmtpSink::wait_for_to`] for async tests: polls without blocking the runtime.
    pub async fn arrival(&self, to: &str, n: usize, timeout: Duration) -> ReceivedMail {
        let deadline = Instant::now() + timeout;
        loop {
            let mut messages = self.messages_to(to);
            if messages.len() >= n {
                return messages.swap_remove(n - 1);
            }
            assert!(
                Instant::now() < deadline,
                "expected message {n} to {to} within {timeout:?}; all messages: {:#?}",
                self.messages()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// The first link in `body` that starts with `prefix` (up to the next white space).
    pub fn link_in(body: &str, prefix: &str) -> String {
        let start = body
            .find(prefix)
            .unwrap_or_else(|| panic!("no {prefix} link in {body}"));
        body[start..]
            .split_whitespace()
            .next()
            .expect("a link")
            .to_string()
    }

    /// The PEM of the CA that signed this sink's certificate; panics for a plain sink.
    pub fn ca_file(&self) -> &Path {
        self.ca
            .as_deref()
            .expect("a plain SMTP sink has no certificate")
    }

    /// The messages accepted so far, oldest first.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(&self.out)
            .expect("read the mail dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        names.sort();
        names.iter().map(|p| read_mail(p)).collect()
    }

    /// Waits up to `timeout` for at least `count` messages and returns all of them; panics
    /// with what did arrive when they do not.
    pub fn wait_for(&self, count: usize, timeout: Duration) -> Vec<ReceivedMail> {
        let deadline = Instant::now() + timeout;
        loop {
            let messages = self.messages();
            if messages.len() >= count {
                return messages;
            }
            assert!(
                Instant::now() < deadline,
                "expected {count} message(s) in {timeout:?}, got {}: {messages:#?}",
                messages.len()
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Files of a throwaway CA and a server certificate it signed for `127.0.0.1` and `localhost`.
#[derive(Clone, Debug)]
pub struct TestCerts {
    /// The CA certificate (PEM): what a client must trust.
    pub ca_cert: PathBuf,
    /// The server's certificate (PEM).
    pub server_cert: PathBuf,
    /// The server's private key (PEM).
    pub server_key: PathBuf,
}

/// Makes a new CA and server certificate in `dir` with the `openssl` CLI (P-256, two days).
pub fn throwaway_ca(dir: &Path) -> TestCerts {
    let openssl = require_program("openssl", "openssl");
    let path = |name: &str| dir.join(name);
    std::fs::write(
        path("server.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=critical,CA:FALSE\n\
         keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .expect("write server.ext");
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    let steps: Vec<Vec<String>> = vec![
        [
            &["req", "-x509"][..],
            &ec[..],
            &["-days", "2", "-subj", "/CN=zkshare test CA"],
        ]
        .concat()
        .iter()
        .map(|s| s.to_string())
        .chain([
            "-addext".into(),
            "basicConstraints=critical,CA:TRUE".into(),
            "-addext".into(),
            "keyUsage=critical,keyCertSign,cRLSign".into(),
            "-keyout".into(),
            path("ca.key").display().to_string(),
            "-out".into(),
            path("ca.pem").display().to_string(),
        ])
        .collect(),
        [&["req"][..], &ec[..], &["-subj", "/CN=localhost"]]
            .concat()
            .iter()
            .map(|s| s.to_string())
            .chain([
                "-keyout".into(),
                path("server.key").display().to_string(),
                "-out".into(),
                path("server.csr").display().to_string(),
            ])
            .collect(),
        ["x509", "-req", "-days", "2", "-set_serial", "2"]
            .iter()
            .map(|s| s.to_string())
            .chain(
                [
                    ("-in", "server.csr"),
                    ("-CA", "ca.pem"),
                    ("-CAkey", "ca.key"),
                    ("-extfile", "server.ext"),
                    ("-out", "server.pem"),
                ]
                .iter()
                .flat_map(|(flag, file)| [flag.to_string(), path(file).display().to_string()]),
            )
            .collect(),
    ];
    for args in steps {
        let out = Command::new(&openssl)
            .args(&args)
            .output()
            .expect("run openssl");
        assert!(
            out.status.success(),
            "openssl {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    TestCerts {
        ca_cert: path("ca.pem"),
        server_cert: path("server.pem"),
        server_key: path("server.key"),
    }
}

/// The venv's `python` with aiosmtpd, installed into `<target>/aiosmtpd-venv` when missing.
fn aiosmtpd_python() -> PathBuf {
    let _guard = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    let venv = target_profile_dir()
        .parent()
        .expect("the profile directory is inside the target directory")
        .join("aiosmtpd-venv");
    let python = venv.join("bin/python");
    let version = AIOSMTPD.trim_start_matches("aiosmtpd==");
    let installed = Command::new(&python)
        .args([
            "-c",
            "import importlib.metadata as m; print(m.version('aiosmtpd'))",
        ])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == version);
    if installed {
        return python;
    }
    let system_python = find_program("python3").unwrap_or_else(|| {
        panic!(
            "`python3` is not installed; the SMTP sink needs it.\n\
             Install it with: sudo apt-get install -y python3 python3-venv  (or run `scripts/ensure-deps.sh`)"
        )
    });
    let venv_text = venv.display().to_string();
    let pip = venv.join("bin/pip").display().to_string();
    let steps: [(&str, Vec<&str>, &str); 2] = [
        (
            system_python.to_str().expect("UTF-8 path"),
            vec!["-m", "venv", &venv_text],
            "sudo apt-get install -y python3-venv",
        ),
        (
            &pip,
            vec!["install", "--quiet", AIOSMTPD],
            "check that PyPI is reachable",
        ),
    ];
    for (program, args, hint) in steps {
        let output = Command::new(program).args(&args).output();
        let ok = output.as_ref().is_ok_and(|o| o.status.success());
        assert!(
            ok,
            "installing aiosmtpd for the SMTP sink failed ({hint}); then run this and retry:\n  {program} {}\n{}",
            args.join(" "),
            output.map_or_else(
                |e| e.to_string(),
                |o| String::from_utf8_lossy(&o.stderr).into_owned()
            )
        );
    }
    python
}

fn read_mail(path: &Path) -> ReceivedMail {
    let text = std::fs::read_to_string(path).expect("read a received message");
    let json: serde_json::Value = serde_json::from_str(&text).expect("the sink writes JSON");
    let raw = json["data"].as_str().expect("data").to_string();
    let (headers, body) = parse_message(&raw);
    ReceivedMail {
        mail_from: json["mail_from"].as_str().unwrap_or_default().to_string(),
        rcpt_to: json["rcpt_tos"]
            .as_array()
            .expect("rcpt_tos")
            .iter()
            .map(|v| v.as_str().unwrap_or_default().to_string())
            .collect(),
        auth_login: json["auth_login"].as_str().map(str::to_string),
        tls: json["tls"].as_bool().unwrap_or(false),
        raw,
        headers,
        body,
    }
}

/// Splits an RFC 5322 message into unfolded, decoded headers and its decoded single-part body.
pub fn parse_message(raw: &str) -> (Vec<(String, String)>, String) {
    let raw = raw.replace("\r\n", "\n");
    let (head, body) = raw.split_once("\n\n").unwrap_or((&raw, ""));
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = headers.last_mut() {
                value.push_str(line);
            }
        } else if let Some((name, value)) = line.split_once(':') {
            headers.push((name.to_string(), value.trim().to_string()));
        }
    }
    for (_, value) in &mut headers {
        *value = decode_words(value);
    }
    let encoding = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("Content-Transfer-Encoding"))
        .map(|(_, v)| v.to_ascii_lowercase());
    let body = match encoding.as_deref() {
        Some("quoted-printable") => quoted_printable(body),
        Some("base64") => String::from_utf8_lossy(
            &base64::engine::general_purpose::STANDARD
                .decode(body.split_whitespace().collect::<String>())
                .expect("a base64 body"),
        )
        .into_owned(),
        _ => body.to_string(),
    };
    (headers, body)
}

/// Undoes quoted-printable (RFC 2045 §6.7): soft line breaks and `=XX` bytes.
fn quoted_printable(text: &str) -> String {
    let text = text.replace("=\n", "");
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && let Some(byte) = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Decodes RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`) in a header value.
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    let mut last_was_word = false;
    while let Some(start) = rest.find("=?") {
        let Some((charset_enc, tail)) = rest[start + 2..].split_once('?').and_then(|(_, t)| {
            let (enc, t) = t.split_once('?')?;
            let (text, tail) = t.split_once("?=")?;
            Some(((enc.to_ascii_lowercase(), text.to_string()), tail))
        }) else {
            break;
        };
        let between = &rest[..start];
        // Whitespace between two encoded words is not part of the text (RFC 2047 §6.2).
        if !(last_was_word && between.trim().is_empty()) {
            out.push_str(between);
        }
        let (enc, text) = charset_enc;
        let bytes = match enc.as_str() {
            "b" => base64::engine::general_purpose::STANDARD
                .decode(&text)
                .unwrap_or_default(),
            _ => quoted_printable(&text.replace('_', " ")).into_bytes(),
        };
        out.push_str(&String::from_utf8_lossy(&bytes));
        rest = tail;
        last_was_word = true;
    }
    out.push_str(rest);
    out
}

/// The 8-digit code of a zkshare sign-up mail.
pub fn code_in(body: &str) -> String {
    let (_, rest) = body
        .split_once("Your verification code is: ")
        .unwrap_or_else(|| panic!("no code in {body}"));
    let code: String = rest.chars().take_while(char::is_ascii_digit).collect();
    assert_eq!(code.len(), 8, "{body}");
    code
}

/// The token in the first link of `body` whose text is followed by `marker` (e.g. `/invite#`):
/// the base64url characters after it.
pub fn token_after(body: &str, marker: &str) -> String {
    let at = body
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker} link in {body}"))
        + marker.len();
    body[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_folded_encoded_headers_and_decodes_bodies() {
        let raw = "From: a@example.com\r\nSubject: =?utf-8?b?SMOpbGxv?=\r\n =?utf-8?q?_w=C3=B6rld?=\r\n\
                   Content-Transfer-Encoding: quoted-printable\r\n\r\ncode=3D 12=\r\n34\r\n";
        let (headers, body) = parse_message(raw);
        assert_eq!(headers[1], ("Subject".into(), "Héllo wörld".into()));
        assert_eq!(body, "code= 1234\n");
        let raw = "Subject: x\nContent-Transfer-Encoding: base64\n\naMOpbGxv\n";
        assert_eq!(parse_message(raw).1, "héllo");
    }
}
