//! The `zkshare` CLI's restricted shares against a real server and a real SMTP server: sending by e-mail to members and external recipients, opening the mailed keyless links, and the creator's list, delete and access log.

use std::time::Duration;

use serde_json::{Value, json};
use zkshare_tests::cli::{CliRun, zkshare};
use zkshare_tests::smtp::token_after;
use zkshare_tests::world::{ACCOUNT_PASSWORD, MailWorld, Person};

/// The secret's password, which the sender gives the recipients another way.
const SHARE_PASSWORD: &str = "tulip-harbour-7";
const SECRET: &str = "db password: hunter2-for-the-mail-test";

/// The CLI as one of the world's people.
trait Cli {
    fn cli_as(&self, person: Option<&Person>, args: &[&str], stdin: &[u8]) -> CliRun;
    fn login(&self, person: &Person);
}

impl Cli for MailWorld {
    /// `zkshare ARGS` as `person` (their login), with the share password in `PW`.
    fn cli_as(&self, person: Option<&Person>, args: &[&str], stdin: &[u8]) -> CliRun {
        let none = tempfile::tempdir().unwrap();
        let dir = person.map_or(none.path(), |p| p.config.path());
        zkshare(
            args,
            stdin,
            &[
                ("ZKSHARE_CONFIG_DIR", dir.to_str().unwrap()),
                ("PW", SHARE_PASSWORD),
                ("ACCOUNT_PW", ACCOUNT_PASSWORD),
            ],
        )
    }

    /// `zkshare login` for `person`.
    fn login(&self, person: &Person) {
        self.cli_as(
            Some(person),
            &[
                "login",
                "--server",
                self.base(),
                "--email",
                &person.email,
                "--password-env",
                "ACCOUNT_PW",
            ],
            b"",
        )
        .ok();
    }
}

/// The secret id at the end of a link's path.
fn id_of(link: &str) -> String {
    let path = link.trim().split('#').next().unwrap();
    path.rsplit('/').next().unwrap().to_string()
}

#[test]
fn send_by_email_to_a_member_mails_a_keyless_link_the_member_opens_with_the_password() {
    let w = MailWorld::start();
    let alice = w.person("alice@example.com");
    let bob = w.person("bob@example.com");
    let org = w.organization(&alice, "Ops");
    w.join(&alice, &org, &bob, 2);
    w.login(&alice);
    w.login(&bob);
    let server = w.base();

    let sent = w.cli_as(
        Some(&alice),
        &[
            "send",
            "--server",
            server,
            "--email",
            "Bob@Example.com",
            "--password-env",
            "PW",
            "--name",
            "db",
        ],
        SECRET.as_bytes(),
    );
    let link = sent.ok();
    let link = link.trim();
    let id = id_of(link);
    assert_eq!(link, format!("{server}/s/{id}"), "a keyless link on stdout");
    assert!(
        sent.stderr
            .contains("mailed a link to 1 recipient (bob@example.com)")
            && sent.stderr.contains("need the password"),
        "{}",
        sent.stderr
    );
    // Sealed in password-only mode.
    let meta: Value = w
        .http()
        .get(format!("{server}/api/v1/shared-secrets/{id}"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(meta["recipientCount"], 1, "{meta}");
    assert_eq!(meta["accessType"], "organization");
    let header = meta["envelopeHeader"].as_str().unwrap();
    let mode = zkshare_crypto::Header::parse_b64(header).unwrap().mode();
    assert_eq!(mode.name(), "password");

    // The mail: the keyless link, and no key, password or plaintext anywhere in its bytes.
    let mail = w.mail("bob@example.com", 3);
    assert!(
        mail.body.contains(&format!("{server}/s/{id}\n")),
        "{}",
        mail.body
    );
    for raw in [&mail.raw, &mail.body] {
        assert!(!raw.contains(&format!("/s/{id}#")), "no fragment: {raw}");
        assert!(!raw.contains(SHARE_PASSWORD), "no password: {raw}");
        assert!(!raw.contains("hunter2"), "no plaintext: {raw}");
    }

    // Without a login the server refuses (and no view is spent).
    let anonymous = w.cli_as(None, &["get", link, "--password-env", "PW"], b"");
    let err = anonymous.fails(4);
    assert!(
        err.contains("Authentication required to view this secret")
            && err.contains("zkshare login"),
        "{err}"
    );
    // The member, logged in, opens it with the password.
    let opened = w.cli_as(Some(&bob), &["get", link, "--password-env", "PW"], b"");
    assert_eq!(opened.ok(), SECRET);

    // The creator's log: the refusal, then bob's view, which burned the one-view secret.
    let log = w
        .cli_as(Some(&alice), &["log", "--server", server, &id], b"")
        .ok();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 2, "{log}");
    assert!(
        lines[0].contains("refused: not allowed to view  by anonymous"),
        "{log}"
    );
    assert!(
        lines[1].contains("viewed  by user bob@example.com (") && lines[1].ends_with("burned"),
        "{log}"
    );
    // Nobody else reads it.
    let denied = w.cli_as(Some(&bob), &["log", "--server", server, &id], b"");
    assert!(
        denied.fails(4).contains("only the secret's creator"),
        "{}",
        denied.stderr
    );
}

#[test]
fn an_external_recipient_opens_the_mailed_link_with_the_password_and_no_login() {
    let w = MailWorld::start();
    let alice = w.person("alice@example.com");
    w.organization(&alice, "Ops");
    w.login(&alice);
    let server = w.base();

    let sent = w.cli_as(
        Some(&alice),
        &[
            "send",
            "--server",
            server,
            "--email",
            "ext@outside.test",
            "--external",
            "--notify",
            "--views",
            "2",
            "--password-env",
            "PW",
            "--json",
        ],
        SECRET.as_bytes(),
    );
    let out: Value = serde_json::from_str(&sent.ok()).unwrap();
    let id = out["id"].as_str().unwrap().to_string();
    assert_eq!(out["link"], json!(format!("{server}/s/{id}")), "{out}");
    assert_eq!(out["authorizedEmails"], json!(["ext@outside.test"]));
    assert_eq!(out["allowExternalEmails"], true);

    let mail = w.mail("ext@outside.test", 1);
    assert!(!mail.raw.contains(SHARE_PASSWORD) && !mail.raw.contains("hunter2"));
    let token = token_after(&mail.body, &format!("/s/{id}#r="));
    assert_eq!(token.len(), 43, "{}", mail.body);
    let mailed = format!("{server}/s/{id}#r={token}");

    // The link without its token: the server's refusal.
    let bare = w.cli_as(
        None,
        &["get", &format!("{server}/s/{id}"), "--password-env", "PW"],
        b"",
    );
    assert!(
        bare.fails(4)
            .contains("Authentication required to view this secret"),
        "{}",
        bare.stderr
    );
    // A damaged token is caught before any request.
    let cut = w.cli_as(
        None,
        &["get", &mailed[..mailed.len() - 3], "--password-env", "PW"],
        b"",
    );
    assert!(cut.fails(2).contains("recipient token"), "{}", cut.stderr);

    // The mailed link opens without a login, with the password; also '#' mangled to %23.
    let opened = w.cli_as(None, &["get", &mailed, "--password-env", "PW"], b"");
    assert_eq!(opened.ok(), SECRET);
    assert!(
        opened.stderr.contains("1 more view left"),
        "{}",
        opened.stderr
    );
    let mangled = mailed.replace('#', "%23");
    let again = w.cli_as(
        None,
        &["get", "-", "--password-env", "PW"],
        mangled.as_bytes(),
    );
    assert_eq!(again.ok(), SECRET);

    // Read receipts reach the creator (mail 1 was the sign-up code).
    let receipt = w.mail("alice@example.com", 2);
    assert!(!receipt.raw.contains("hunter2"));

    let log = w
        .cli_as(Some(&alice), &["log", &format!("{server}/s/{id}")], b"")
        .ok();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 3, "{log}");
    assert!(
        lines[0].contains("refused: not allowed to view  by anonymous"),
        "{log}"
    );
    assert!(
        lines[1].contains("viewed  by a recipient, through their mailed link"),
        "{log}"
    );
    assert!(!lines[1].ends_with("burned"), "{log}");
    assert!(lines[2].ends_with("burned"), "{log}");
}

#[test]
fn send_by_email_without_a_password_or_a_login_is_refused_before_any_request() {
    // Nothing listens on this port: a refusal that needed a request would say so instead.
    let server = "http://127.0.0.1:9";
    let no_password = zkshare(
        &["send", "--server", server, "--email", "bob@example.com"],
        b"s3cr3t",
        &[("ZKSHARE_TOKEN", "zks_anything")],
    );
    let err = no_password.fails(2);
    assert!(
        err.contains("--email needs a password") && err.contains("carries no key"),
        "{err}"
    );
    let no_login = zkshare(
        &[
            "send",
            "--server",
            server,
            "--email",
            "bob@example.com",
            "--password-env",
            "PW",
        ],
        b"s3cr3t",
        &[("PW", SHARE_PASSWORD)],
    );
    assert!(
        no_login.fails(2).contains("--email needs a login"),
        "{}",
        no_login.stderr
    );
    let external_alone = zkshare(&["send", "--server", server, "--external"], b"s", &[]);
    assert_eq!(external_alone.code, 2, "{}", external_alone.stderr);
    let org_anonymous = zkshare(
        &["send", "--server", server, "--org", "--anonymous"],
        b"s",
        &[],
    );
    assert_eq!(org_anonymous.code, 2, "{}", org_anonymous.stderr);
}

#[test]
fn the_creator_lists_newest_first_and_deletes_without_the_token() {
    let w = MailWorld::start();
    let alice = w.person("alice@example.com");
    let mallory = w.person("mallory@example.com");
    w.organization(&alice, "Ops");
    w.organization(&mallory, "Elsewhere");
    w.login(&alice);
    w.login(&mallory);
    let server = w.base();

    let mut ids = Vec::new();
    for name in ["one", "two", "three"] {
        let link = w
            .cli_as(
                Some(&alice),
                &["send", "--server", server, "--org", "--name", name],
                b"listed secret",
            )
            .ok();
        assert!(link.contains('#'), "an --org link keeps its key: {link}");
        ids.push(id_of(&link));
        // Creation times a millisecond apart at least, so that "newest" is well defined.
        std::thread::sleep(Duration::from_millis(5));
    }

    let list = w
        .cli_as(Some(&alice), &["list", "--server", server], b"")
        .ok();
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 5, "{list}");
    assert!(
        lines[0].starts_with("ID ") && lines[0].contains("RECIPIENTS"),
        "{list}"
    );
    for (line, (id, name)) in lines[1..4]
        .iter()
        .zip(ids.iter().rev().zip(["three", "two", "one"]))
    {
        assert!(
            line.starts_with(id.as_str()) && line.contains(name),
            "{list}"
        );
        assert!(line.contains("organization"), "{list}");
    }
    assert_eq!(lines[4], "3 secrets in all; showing 1 to 3.");
    let page: Value = serde_json::from_str(
        &w.cli_as(
            Some(&alice),
            &[
                "list", "--server", server, "--offset", "1", "--limit", "1", "--json",
            ],
            b"",
        )
        .ok(),
    )
    .unwrap();
    assert_eq!(page["totalCount"], 3, "{page}");
    assert_eq!(page["secrets"][0]["id"], json!(ids[1]), "{page}");
    // Without a login there is nothing to list.
    let anonymous = w.cli_as(None, &["list", "--server", server], b"");
    assert!(
        anonymous.fails(2).contains("needs a login"),
        "{}",
        anonymous.stderr
    );

    // Someone else may not delete it without the token; nobody may without token or login.
    let theirs = w.cli_as(
        Some(&mallory),
        &["delete", "--server", server, &ids[0]],
        b"",
    );
    theirs.fails(4);
    let nobody = w.cli_as(None, &["delete", "--server", server, &ids[0]], b"");
    assert!(
        nobody.fails(2).contains("no delete token"),
        "{}",
        nobody.stderr
    );
    // The creator deletes by id, and by link, without the token.
    w.cli_as(Some(&alice), &["delete", "--server", server, &ids[0]], b"")
        .ok();
    w.cli_as(
        Some(&alice),
        &["delete", &format!("{server}/s/{}", ids[1])],
        b"",
    )
    .ok();
    let gone = w.cli_as(Some(&alice), &["delete", "--server", server, &ids[0]], b"");
    gone.fails(3);
    let list = w
        .cli_as(Some(&alice), &["list", "--server", server], b"")
        .ok();
    assert!(
        list.ends_with("1 secret in all; showing 1 to 1.\n"),
        "{list}"
    );
    assert!(list.contains(&ids[2]) && !list.contains(&ids[0]), "{list}");
    // An untouched secret has an empty log.
    let log = w.cli_as(Some(&alice), &["log", "--server", server, &ids[2]], b"");
    assert_eq!(log.ok(), "");
    assert!(log.stderr.contains("Nobody has tried"), "{}", log.stderr);
}
