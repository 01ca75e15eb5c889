//! The deployment files are valid: the systemd unit of docs/DEPLOYMENT.md passes
//! `systemd-analyze verify` with the real server binary in it, and runs that binary's flags.

use std::process::Command;

use zkshare_tests::{require_program, workspace_binary, workspace_root};

/// Runs `systemd-analyze verify` on `unit` (saved as zkshare.service); its combined output,
/// and whether it succeeded.
fn verify(unit: &str) -> (bool, String) {
    let systemd_analyze = require_program("systemd-analyze", "systemd");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zkshare.service");
    std::fs::write(&path, unit).unwrap();
    let out = Command::new(systemd_analyze)
        .arg("verify")
        .arg(&path)
        .output()
        .expect("run systemd-analyze");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success() && text.trim().is_empty(), text)
}

#[test]
fn the_systemd_unit_verifies_cleanly() {
    let unit = std::fs::read_to_string(workspace_root().join("deploy/zkshare.service")).unwrap();
    let binary = workspace_binary("zkshare-server");
    let installed = unit.replace("/usr/local/bin/zkshare-server", binary.to_str().unwrap());
    assert_ne!(
        installed, unit,
        "the unit starts /usr/local/bin/zkshare-server"
    );
    let (ok, output) = verify(&installed);
    assert!(ok, "systemd-analyze verify:\n{output}");
    // The check can fail: a misspelt setting and a missing binary are reported.
    let (ok, output) = verify(&installed.replace("KillSignal=SIGTERM", "KillSignal=SIGNOPE"));
    assert!(!ok, "a bad signal name passed:\n{output}");
    let (ok, _) = verify(&unit.replace("/usr/local/bin/zkshare-server", "/nonexistent/zkshare"));
    assert!(!ok, "a missing binary passed");

    // Every ZKSHARE_ variable the unit sets is one the server reads.
    let help = Command::new(&binary).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout).into_owned();
    for line in unit.lines().filter_map(|l| l.strip_prefix("Environment=")) {
        let name = line.split('=').next().unwrap();
        assert!(
            help.contains(&format!("[env: {name}=")),
            "{name} is not a server option"
        );
    }
}
