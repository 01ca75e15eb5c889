//! Checks a reviewer can repeat by hand: the server's dependency tree holds no decrypting code.
//!
//! The server shares the wire format with the clients through `zkshare-format`, which is allowed
//! because it links neither an AEAD nor a key derivation; both rules are checked here, and each
//! check is first shown to see such a crate where there is one (in `zkshare-crypto`).

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

/// Public-key encryption (HPKE and the key exchanges under it): what opens a secret request's
/// answer. Only the clients' protocol crate, with its `requests` feature, may link these.
const HPKE_CRATES: &[&str] = &[
    "hpke",
    "x25519-dalek",
    "curve25519-dalek",
    "ml-kem",
    "x-wing",
    "p256",
    "p384",
    "p521",
];

/// Key-derivation crates: the wire format checks shapes and derives nothing, so it needs none.
const KDF_CRATES: &[&str] = &["hkdf", "argon2", "pbkdf2", "scrypt", "balloon-hash"];

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

fn among(deps: &[String], crates: &[&str]) -> Vec<String> {
    deps.iter()
        .filter(|d| crates.contains(&d.as_str()))
        .cloned()
        .collect()
}

fn decrypting(deps: &[String]) -> Vec<String> {
    among(deps, DECRYPTING_CRATES)
}

fn deriving_keys(deps: &[String]) -> Vec<String> {
    among(deps, KDF_CRATES)
}

fn public_key_crypto(deps: &[String]) -> Vec<String> {
    among(deps, HPKE_CRATES)
}

#[test]
fn the_server_links_no_decrypting_code() {
    let deps = normal_dependencies("zkshare-server");
    assert!(
        deps.iter().any(|d| d == "axum"),
        "cargo tree listed the server's dependencies"
    );
    let found = [decrypting(&deps), public_key_crypto(&deps)].concat();
    assert!(
        found.is_empty(),
        "zkshare-server depends on decrypting crates: {found:?}"
    );
    // What it does link of the protocol: the wire format, checked below.
    assert!(
        deps.iter().any(|d| d == "zkshare-format"),
        "zkshare-server checks envelopes with zkshare-format"
    );
}

#[test]
fn the_wire_format_links_no_aead_and_no_kdf() {
    let deps = normal_dependencies("zkshare-format");
    assert!(
        deps.iter().any(|d| d == "base64"),
        "cargo tree listed zkshare-format's dependencies: {deps:?}"
    );
    let found = [
        decrypting(&deps),
        deriving_keys(&deps),
        public_key_crypto(&deps),
    ]
    .concat();
    assert!(
        found.is_empty(),
        "zkshare-format, which the server links, depends on {found:?}"
    );
}

#[test]
fn the_check_would_see_an_aead_where_there_is_one() {
    // Positive control: the client side does link AES-GCM, and the same check sees it.
    let deps = normal_dependencies("zkshare-crypto");
    let found = decrypting(&deps);
    assert!(
        found.iter().any(|d| d == "aes-gcm"),
        "the check is blind: {found:?}"
    );
    // The same for key derivation, and the protocol crate does reach the format crate: a
    // decrypting crate behind zkshare-format would be seen the same way.
    let found = deriving_keys(&deps);
    assert!(
        found.iter().any(|d| d == "hkdf") && found.iter().any(|d| d == "argon2"),
        "the KDF check is blind: {found:?}"
    );
    assert!(deps.iter().any(|d| d == "zkshare-format"), "{deps:?}");
}

#[test]
fn the_check_would_see_hpke_where_there_is_one() {
    // Positive control: the CLI answers and opens secret requests, so it links HPKE (through
    // the protocol crate's `requests` feature), and the same check sees it.
    let deps = normal_dependencies("zkshare-cli");
    let found = public_key_crypto(&deps);
    assert!(
        found.iter().any(|d| d == "hpke") && found.iter().any(|d| d == "x25519-dalek"),
        "the HPKE check is blind: {found:?}"
    );
    assert!(deps.iter().any(|d| d == "zkshare-crypto"), "{deps:?}");
}
