//! The committed web/pkg (the page's WebAssembly and JS glue) is exactly what the source builds.
//!
//! The server embeds web/pkg, so `cargo run` serves the page without a WASM toolchain; this test
//! is what keeps that copy honest. It rebuilds the WASM with `cargo xtask check-wasm`, with
//! `CARGO_TARGET_DIR` pointing away from the workspace's own target directory (so the build must
//! find its output through cargo, not through a literal `target/`), and fails unless every byte
//! equals the committed files.

use std::process::Command;

use zkshare_tests::{target_profile_dir, workspace_binary, workspace_root};

#[test]
fn committed_web_pkg_is_byte_identical_to_a_build_from_source() {
    let xtask = workspace_binary("xtask");
    // A directory of its own inside this build's target dir: kept between runs, so a rebuild is
    // incremental, and never the directory the outer cargo holds a lock on.
    let elsewhere = target_profile_dir()
        .parent()
        .expect("the profile dir has a parent")
        .join("web-pkg-check");
    let output = Command::new(&xtask)
        .arg("check-wasm")
        .current_dir(workspace_root())
        .env("CARGO", env!("CARGO"))
        .env("CARGO_TARGET_DIR", &elsewhere)
        .output()
        .expect("run xtask check-wasm");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the committed web/pkg differs from a build from source:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains(&*elsewhere.join("xtask").join("pkg-check").to_string_lossy()),
        "the check did not build under CARGO_TARGET_DIR ({}):\n{stdout}",
        elsewhere.display()
    );
}

/// The check is not blind: a single changed byte in a copy of web/pkg is reported.
#[test]
fn the_web_pkg_check_reports_a_changed_byte() {
    let xtask = workspace_binary("xtask");
    let copy = tempfile::tempdir().expect("tempdir");
    let pkg = workspace_root().join("web/pkg");
    for entry in std::fs::read_dir(&pkg).expect("web/pkg exists (committed)") {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), copy.path().join(entry.file_name())).unwrap();
    }
    let js = copy.path().join("zkshare_crypto.js");
    let mut bytes = std::fs::read(&js).expect("web/pkg holds zkshare_crypto.js");
    bytes[100] ^= 0x01;
    std::fs::write(&js, bytes).unwrap();

    let output = Command::new(&xtask)
        .args(["compare"])
        .arg(&pkg)
        .arg(copy.path())
        .output()
        .expect("run xtask compare");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "a changed byte went unnoticed");
    assert!(
        stderr.contains("zkshare_crypto.js: differs") && stderr.contains("offset 100"),
        "unexpected report: {stderr}"
    );
}
