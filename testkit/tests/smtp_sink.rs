//! The SMTP sink itself: it records what a real client sends in plain SMTP, and over STARTTLS with its own CA, and refuses mail before STARTTLS when it requires it.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use zkshare_testkit::smtp::{SinkSecurity, SmtpSink};
use zkshare_testkit::target_profile_dir;

/// Sends one SMTP command and returns the reply's last line.
fn command(reader: &mut BufReader<TcpStream>, line: &str) -> String {
    if !line.is_empty() {
        reader
            .get_mut()
            .write_all(format!("{line}\r\n").as_bytes())
            .unwrap();
    }
    loop {
        let mut reply = String::new();
        reader.read_line(&mut reply).unwrap();
        // "250-..." continues, "250 ..." ends a reply.
        if reply.as_bytes().get(3) != Some(&b'-') {
            return reply;
        }
    }
}

#[test]
fn records_the_envelope_and_message_of_a_plain_session() {
    let sink = SmtpSink::start(SinkSecurity::Plain);
    let stream = TcpStream::connect(("127.0.0.1", sink.port())).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut s = BufReader::new(stream);
    assert!(command(&mut s, "").starts_with("220"));
    assert!(command(&mut s, "EHLO test").starts_with("250"));
    assert!(command(&mut s, "MAIL FROM:<from@example.org>").starts_with("250"));
    assert!(command(&mut s, "RCPT TO:<to@example.net>").starts_with("250"));
    assert!(command(&mut s, "DATA").starts_with("354"));
    let message = "From: from@example.org\r\nTo: to@example.net\r\nSubject: =?utf-8?q?h=C3=A9llo?=\r\n\
                   Content-Transfer-Encoding: quoted-printable\r\n\r\ncode: 12=\r\n34\r\n.";
    assert!(command(&mut s, message).starts_with("250"));
    command(&mut s, "QUIT");

    let mail = sink.wait_for(1, Duration::from_secs(10)).remove(0);
    assert_eq!(mail.mail_from, "from@example.org");
    assert_eq!(mail.rcpt_to, ["to@example.net"]);
    assert!(!mail.tls);
    assert_eq!(mail.auth_login, None);
    assert_eq!(mail.header("subject"), Some("héllo"));
    assert_eq!(mail.body.trim_end(), "code: 1234");
}

#[test]
fn starttls_with_its_ca_is_recorded_and_mail_before_starttls_is_refused() {
    let sink = SmtpSink::start_with_login(SinkSecurity::StartTls, "ann", "pw-Zq9");
    // Refused before STARTTLS.
    let stream = TcpStream::connect(("127.0.0.1", sink.port())).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut s = BufReader::new(stream);
    command(&mut s, "");
    assert!(command(&mut s, "EHLO test").starts_with("250"));
    let reply = command(&mut s, "MAIL FROM:<from@example.org>");
    assert!(reply.starts_with("530"), "{reply}");
    command(&mut s, "QUIT");

    // A real client (Python's smtplib in the sink's venv) that checks the certificate against
    // the sink's CA, logs in and sends.
    let python = target_profile_dir()
        .parent()
        .unwrap()
        .join("aiosmtpd-venv/bin/python");
    let script = "import smtplib, ssl, sys\n\
                  ctx = ssl.create_default_context(cafile=sys.argv[2])\n\
                  s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=10)\n\
                  s.starttls(context=ctx)\n\
                  s.login('ann', 'pw-Zq9')\n\
                  s.sendmail('from@example.org', ['to@example.net'], 'Subject: over tls\\r\\n\\r\\nbody\\r\\n')\n\
                  s.quit()\n";
    let out = Command::new(python)
        .args(["-c", script, &sink.port().to_string()])
        .arg(sink.ca_file())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mail = sink.wait_for(1, Duration::from_secs(10)).remove(0);
    assert!(mail.tls);
    assert_eq!(mail.auth_login.as_deref(), Some("ann"));
    assert_eq!(mail.header("Subject"), Some("over tls"));
    assert_eq!(mail.body.trim_end(), "body");
}
