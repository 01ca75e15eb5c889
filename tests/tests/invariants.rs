//! Checks a reviewer can repeat by hand: the server's dependency tree holds no decrypting code.

use std::process::Command;

use zkshare_tests::workspace_root;

/// AEAD and cipher crates whose presence would let a binary decrypt envelopes.
const DECRYPTING_CRATES: &[&str] = &[
    "aes-gcm",
    "aes",
    "aead",
    "chacha20poly1305",
    "zkshare-crypto",
];

fn normal_dependencies(package: &str) -> Vec<String> {
    let output = Command::new(env!("CARGO"))
        .args([
            "tree",
            "--offline",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--format",
            "{p}",
            "-p",
            package,
        ])
        .current_dir(workspace_root())
        .output()
        .expect("run cargo tree");
    assert!(
        output.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

fn decrypting(deps: &[String]) -> Vec<String> {
    deps.iter()
        .filter(|d| DECRYPTING_CRATES.contains(&d.as_str()))
        .cloned()
        .collect()
}

#[test]
fn the_server_links_no_decrypting_code() {
    let deps = normal_dependencies("zkshare-server");
    assert!(
        deps.iter().any(|d| d == "axum"),
        "cargo tree listed the server's dependencies"
    );
    let found = decrypting(&deps);
    assert!(
        found.is_empty(),
        "zkshare-server depends on decrypting crates: {found:?}"
    );
}

#[test]
fn the_check_would_see_an_aead_where_there_is_one() {
    // Positive control: the client side does link AES-GCM, and the same check sees it.
    let found = decrypting(&normal_dependencies("zkshare-crypto"));
    assert!(
        found.iter().any(|d| d == "aes-gcm"),
        "the check is blind: {found:?}"
    );
}
