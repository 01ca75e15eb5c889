//! API fuzzing with schemathesis against the real server on both stores: generated requests from
//! the served `/api/openapi.json`, every check on (no 5xx, answers and statuses as documented,
//! schema-valid requests accepted, schema-invalid ones refused), stateful runs along its links.
//!
//! schemathesis comes from PyPI into a virtualenv under the target directory on first use.
//!
//! One check is left out: `ensure_resource_availability` expects a created resource to exist
//! until it is DELETEd, but a secret also disappears at its last view (the stateful runs follow
//! the link from create to access with the right verifier, so they use views up) and after too
//! many wrong passwords. That is the point of the service; `use_after_free` (gone after DELETE)
//! stays on, and the conformance and server suites check the view counts exactly.

use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;
use std::time::Instant;

use zkshare_tests::redis_server::RedisServer;
use zkshare_tests::server::{ServerProcess, Store};
use zkshare_tests::smtp::{SinkSecurity, SmtpSink};
use zkshare_tests::target_profile_dir;

/// The schemathesis release this test is written against.
const SCHEMATHESIS: &str = "schemathesis==4.32.5";
/// Seconds of generated requests per store (schemathesis' `--max-time`).
const SECONDS_PER_STORE: &str = "90";

/// One installation at a time, and one run at a time: the two tests of this file would
/// otherwise share the machine's cores and each generate half as many cases.
static INSTALL: Mutex<()> = Mutex::new(());
static RUN: Mutex<()> = Mutex::new(());

/// `schemathesis` in `<target>/schemathesis-venv`, installed there when missing.
fn schemathesis() -> PathBuf {
    let _guard = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    let target = target_profile_dir();
    let venv = target
        .parent()
        .expect("the profile directory is inside the target directory")
        .join("schemathesis-venv");
    let program = venv.join("bin/schemathesis");
    let version = SCHEMATHESIS.trim_start_matches("schemathesis==");
    let installed = Command::new(&program)
        .arg("--version")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(version));
    if installed {
        return program;
    }
    let venv_text = venv.display().to_string();
    let steps: [(&str, Vec<&str>); 2] = [
        ("python3", vec!["-m", "venv", &venv_text]),
        (
            &format!("{venv_text}/bin/pip"),
            vec!["install", "--quiet", SCHEMATHESIS],
        ),
    ];
    for (program, args) in steps {
        let output = Command::new(program).args(&args).output();
        let ok = output.as_ref().is_ok_and(|o| o.status.success());
        assert!(
            ok,
            "installing schemathesis failed; run this and retry:\n  {program} {}\n{}",
            args.join(" "),
            output.map_or_else(
                |e| e.to_string(),
                |o| String::from_utf8_lossy(&o.stderr).into_owned()
            )
        );
    }
    program
}

/// Runs schemathesis against `server` and fails the test on any reported failure. Returns the
/// number of test cases it generated.
fn fuzz(server: &ServerProcess, store: &str) -> u64 {
    let program = schemathesis();
    let _turn = RUN.lock().unwrap_or_else(|e| e.into_inner());
    let work = tempfile::tempdir().expect("tempdir");
    // A schema-violating body over the 128 KiB limit is refused with 413 before it is parsed:
    // a rejection like 400, which schemathesis' default list for invalid data lacks.
    std::fs::write(
        work.path().join("schemathesis.toml"),
        "[checks.negative_data_rejection]\nexpected-statuses = [\"400\", \"401\", \"403\", \"404\", \"405\", \"406\", \"409\", \"413\", \"415\", \"422\", \"428\", \"429\"]\n",
    )
    .expect("write schemathesis.toml");
    let started = Instant::now();
    let output = Command::new(&program)
        .arg("run")
        .arg(format!("{}/api/openapi.json", server.base_url()))
        .args(["--url", server.base_url()])
        .args(["--checks", "all"])
        .args(["--exclude-checks", "ensure_resource_availability"])
        .args(["--max-time", SECONDS_PER_STORE])
        .args(["--generation-database", "none"])
        // Few random strings match the address pattern (dot-atom, labels that start and end
        // with a letter or digit), so hypothesis sometimes gives up on generating an invitation
        // and reports its own health check as an error: that says nothing about the server.
        .args(["--suppress-health-check", "filter_too_much"])
        // The generated values are not secrets: show them, so a failure can be replayed.
        .args(["--no-color", "--output-sanitize", "false"])
        // Keeps schemathesis' own files (and any hypothesis state) out of the repository.
        .current_dir(work.path())
        .output()
        .expect("run schemathesis");
    let elapsed = started.elapsed();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    eprintln!("---- schemathesis on the {store} store ----\n{stdout}{stderr}");
    assert!(
        output.status.success(),
        "schemathesis found failures on the {store} store (output above); server log tail:\n{}",
        log_tail(server)
    );
    let cases = generated_cases(&stdout);
    assert!(cases > 0, "schemathesis generated no test cases");
    // The stateful phase followed the document's links from create to the `{id}` operations
    // (how many of them within the time budget varies with the machine's load).
    let links = stdout
        .lines()
        .find_map(|line| line.trim().strip_prefix("API Links:"))
        .map(|rest| rest.split_whitespace().collect::<Vec<_>>());
    assert!(
        matches!(links.as_deref(), Some([covered, "covered", ..]) if *covered != "0"),
        "the stateful phase followed none of the document's links: {links:?}"
    );
    eprintln!(
        "schemathesis on the {store} store: {cases} test cases in {:.0} s, links: {}",
        elapsed.as_secs_f64(),
        links.map(|l| l.join(" ")).unwrap_or_default()
    );
    cases
}

/// The number of generated test cases, from the summary `Test cases:` / `N generated, ...`.
fn generated_cases(stdout: &str) -> u64 {
    let mut lines = stdout.lines().skip_while(|l| l.trim() != "Test cases:");
    lines
        .nth(1)
        .and_then(|line| line.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn log_tail(server: &ServerProcess) -> String {
    let logs = String::from_utf8_lossy(&server.logs()).into_owned();
    let lines: Vec<&str> = logs.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

/// A server on `store` that mails through a real SMTP server (sign-up, reset and invitations
/// send mail, so without one they would answer 503).
fn server_with_mail(store: Store<'_>, sink: &SmtpSink) -> ServerProcess {
    let args = sink.server_args();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ServerProcess::start_with_log(store, "warn", &args)
}

#[test]
fn schemathesis_finds_nothing_on_the_embedded_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sink = SmtpSink::start(SinkSecurity::StartTls);
    let server = server_with_mail(Store::Embedded(dir.path()), &sink);
    fuzz(&server, "embedded");
}

#[test]
fn schemathesis_finds_nothing_on_redis() {
    let redis = RedisServer::start();
    let sink = SmtpSink::start(SinkSecurity::StartTls);
    let server = server_with_mail(Store::Redis(redis.url()), &sink);
    fuzz(&server, "Redis");
}
