//! Runs the real `zkshare` CLI binary for tests: prompting off, no settings inherited from the environment.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use crate::workspace_binary;

/// Environment variables the CLI reads; a test run starts without them unless it passes them.
const CLI_SETTINGS: &[&str] = &[
    "ZKSHARE_SERVER",
    "ZKSHARE_DELETE_TOKEN",
    "ZKSHARE_LINK_KEY",
    "ZKSHARE_LINK",
    "ZKSHARE_INSECURE_HTTP",
    "ZKSHARE_TOKEN",
    "ZKSHARE_CLIENT_SECRET",
    "XDG_CONFIG_HOME",
];

/// What one `zkshare` run gave.
pub struct CliRun {
    /// The exit code.
    pub code: i32,
    /// Standard output, as bytes (a secret is printed byte for byte).
    pub stdout: Vec<u8>,
    /// Standard error, lossily decoded.
    pub stderr: String,
}

impl CliRun {
    /// Standard output as text; panics if it is not UTF-8.
    pub fn stdout_text(&self) -> String {
        String::from_utf8(self.stdout.clone()).expect("stdout is UTF-8")
    }

    /// Asserts success and returns stdout as text.
    pub fn ok(&self) -> String {
        assert_eq!(self.code, 0, "zkshare failed; stderr: {}", self.stderr);
        self.stdout_text()
    }

    /// Asserts the exit code, that stdout is empty, and that stderr is one `zkshare: ` error.
    pub fn fails(&self, code: i32) -> &str {
        assert_eq!(
            self.code,
            code,
            "exit code; stdout: {:?}, stderr: {}",
            String::from_utf8_lossy(&self.stdout),
            self.stderr
        );
        assert!(
            self.stdout.is_empty(),
            "nothing on stdout on failure: {:?}",
            String::from_utf8_lossy(&self.stdout)
        );
        assert!(
            self.stderr.starts_with("zkshare: "),
            "error format: {:?}",
            self.stderr
        );
        &self.stderr
    }
}

/// The path of the `zkshare` binary under test.
pub fn binary() -> PathBuf {
    workspace_binary("zkshare")
}

/// Sets up `cmd` (the CLI, or a program that runs it, such as `script`) the way every test runs
/// the CLI: prompting off, none of the CLI's settings inherited from the environment.
pub fn isolate(cmd: &mut Command) -> &mut Command {
    cmd.env("ZKSHARE_NO_PROMPT", "1");
    for name in CLI_SETTINGS {
        cmd.env_remove(name);
    }
    // No saved login of the machine's user: a directory that does not exist. A test that logs
    // in passes its own ZKSHARE_CONFIG_DIR.
    cmd.env(
        "ZKSHARE_CONFIG_DIR",
        std::env::temp_dir().join(format!("zkshare-cli-no-logins-{}", std::process::id())),
    );
    cmd
}

/// Runs `zkshare ARGS` with `stdin` and extra `env`, prompting off and no inherited settings.
pub fn zkshare(args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> CliRun {
    let mut cmd = Command::new(binary());
    isolate(&mut cmd)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn zkshare");
    let mut input = child.stdin.take().expect("piped stdin");
    // A run that rejects its arguments may exit before reading stdin: that is not an error.
    if let Err(e) = input.write_all(stdin) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "write stdin: {e}");
    }
    drop(input);
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().expect("wait for zkshare");
    CliRun {
        code: status.code().expect("exited normally, not by a signal"),
        stdout,
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}
