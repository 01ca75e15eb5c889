//! Checks tests/vectors/protocol-v1.json natively, and that it and PROTOCOL.md §13 are current.

use zkshare_crypto::vectors::{Expected, VectorFile, check_vectors};

const VECTORS: &str = include_str!("../../tests/vectors/protocol-v1.json");

#[test]
fn every_vector_gives_its_expected_outcome() {
    let report = check_vectors(VECTORS);
    assert!(report.is_ok(), "{:#?}", report.details);
    let file: VectorFile = serde_json::from_str(VECTORS).unwrap();
    assert_eq!(report.passed, file.vectors.len());
}

#[test]
fn the_checker_can_fail() {
    // A checker that passes everything would make the file worthless: alter one vector of
    // each kind and the report must name exactly it.
    let mut file: VectorFile = serde_json::from_str(VECTORS).unwrap();
    let success = file
        .vectors
        .iter()
        .position(|v| v.name == "success-key")
        .unwrap();
    let failure = file
        .vectors
        .iter()
        .position(|v| v.name == "tag-tampered")
        .unwrap();
    file.vectors[success].plaintext = Some("another text".to_owned());
    file.vectors[failure].envelope = file.vectors[success].envelope.clone();
    let report = check_vectors(&serde_json::to_string(&file).unwrap());
    assert_eq!(report.failures, ["success-key", "tag-tampered"]);
}

#[test]
fn re_sealing_is_checked_byte_for_byte() {
    let mut file: VectorFile = serde_json::from_str(VECTORS).unwrap();
    file.vectors.retain(|v| v.name == "success-key");
    let nonce = file.vectors[0].nonce.as_mut().unwrap();
    nonce.replace_range(0..1, if nonce.starts_with('0') { "1" } else { "0" });
    let report = check_vectors(&serde_json::to_string(&file).unwrap());
    assert_eq!(report.failures, ["success-key"]);
    assert!(
        report.details[0].contains("another envelope"),
        "{:?}",
        report.details
    );
}

#[test]
fn every_required_scenario_is_covered() {
    let file: VectorFile = serde_json::from_str(VECTORS).unwrap();
    let has = |name: &str| file.vectors.iter().any(|v| v.name == name);
    for name in [
        "success-key",
        "success-key-password",
        "success-password",
        "success-empty-text",
        "success-multibyte",
        "success-max-length",
        "wrong-key",
        "wrong-password",
        "header-tampered-salt",
        "ciphertext-tampered",
        "tag-tampered",
        "nonce-tampered",
        "truncated-body",
        "truncated-header",
        "unknown-version",
        "unknown-mode",
        "weak-argon2-memory",
        "non-canonical-trailing-bits-body",
        "non-canonical-padding-header",
        "missing-dot",
        "extra-dot",
        "wrong-mode-password-for-key",
        "bad-padding-byte",
        "length-field-too-long",
        "unknown-content-type",
    ] {
        assert!(has(name), "missing {name}");
    }
    let max = file
        .vectors
        .iter()
        .find(|v| v.name == "success-max-length")
        .unwrap();
    assert_eq!(
        max.plaintext.as_ref().unwrap().chars().count(),
        zkshare_crypto::MAX_TEXT_CHARS
    );
    assert_eq!(max.envelope.len(), zkshare_crypto::MAX_ENVELOPE_CHARS);
    assert!(file.vectors.iter().any(|v| v.expected == Expected::Success));
}

#[cfg(feature = "vectors")]
#[test]
fn the_file_is_what_the_generator_writes() {
    assert!(
        zkshare_crypto::vectors::generate_json() == VECTORS,
        "tests/vectors/protocol-v1.json is stale; run: {}",
        zkshare_crypto::vectors::GENERATOR
    );
}

#[cfg(feature = "vectors")]
#[test]
fn protocol_md_shows_the_current_worked_example() {
    let protocol = include_str!("../../docs/PROTOCOL.md");
    let example = zkshare_crypto::vectors::worked_example();
    assert!(
        protocol.contains(&example),
        "PROTOCOL.md §13 is stale; paste the output of:\n\
         cargo run -p zkshare-crypto --features vectors --example gen_vectors -- --worked-example\n{example}"
    );
}
