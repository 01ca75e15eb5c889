//! Checks tests/vectors/requests-v1.json natively, that the checker can fail, and that the file is current.

use zkshare_crypto::vectors::{RequestExpected, RequestVectorFile, check_request_vectors};

const VECTORS: &str = include_str!("../../tests/vectors/requests-v1.json");

#[test]
fn every_vector_gives_its_expected_outcome() {
    let report = check_request_vectors(VECTORS);
    assert!(report.is_ok(), "{:#?}", report.details);
    let file: RequestVectorFile = serde_json::from_str(VECTORS).unwrap();
    // One more than the scenarios: RFC 9180's own known answer.
    assert_eq!(report.passed, file.vectors.len() + 1);
}

#[test]
fn the_checker_can_fail() {
    let mut file: RequestVectorFile = serde_json::from_str(VECTORS).unwrap();
    let find = |file: &RequestVectorFile, name: &str| {
        file.vectors.iter().position(|v| v.name == name).unwrap()
    };
    let (success, wrong_key, substitution) = (
        find(&file, "success"),
        find(&file, "wrong-key"),
        find(&file, "key-substitution"),
    );
    file.vectors[success].plaintext = Some("another text".to_owned());
    // The stranger's key replaced by the requester's own: now it opens.
    file.vectors[wrong_key].private_key = file.vectors[success].private_key.clone();
    // The served key made the committed one: now sealing goes ahead.
    file.vectors[substitution].public_key = file.vectors[success].public_key.clone();
    file.rfc9180.ct.replace_range(0..2, "00");
    let report = check_request_vectors(&serde_json::to_string(&file).unwrap());
    let mut failures = report.failures.clone();
    failures.sort();
    assert_eq!(
        failures,
        ["key-substitution", "rfc9180-a.1.1", "success", "wrong-key"],
        "{:#?}",
        report.details
    );
}

#[test]
fn re_sealing_is_checked_byte_for_byte() {
    let mut file: RequestVectorFile = serde_json::from_str(VECTORS).unwrap();
    file.vectors.retain(|v| v.name == "success");
    let ikm = file.vectors[0].ikm_e.as_mut().unwrap();
    ikm.replace_range(0..1, if ikm.starts_with('0') { "1" } else { "0" });
    let report = check_request_vectors(&serde_json::to_string(&file).unwrap());
    assert_eq!(report.failures, ["success"]);
    assert!(
        report.details[0].contains("another answer"),
        "{:?}",
        report.details
    );
}

#[test]
fn every_required_scenario_is_covered() {
    let file: RequestVectorFile = serde_json::from_str(VECTORS).unwrap();
    for name in [
        "success",
        "success-empty",
        "success-multibyte",
        "wrong-key",
        "moved-answer",
        "key-substitution",
        "ciphertext-tampered",
        "tag-tampered",
        "enc-tampered",
        "header-suite-changed",
        "header-kind-changed",
        "truncated-tag",
        "truncated-block",
        "extra-block",
    ] {
        assert!(
            file.vectors.iter().any(|v| v.name == name),
            "missing {name}"
        );
    }
    let kinds = |e| file.vectors.iter().filter(|v| v.expected == e).count();
    assert_eq!(kinds(RequestExpected::Success), 3);
    assert_eq!(kinds(RequestExpected::KeyMismatch), 1);
}

#[test]
fn a_share_vectors_file_is_not_a_requests_file() {
    let shares = include_str!("../../tests/vectors/protocol-v1.json");
    assert!(!check_request_vectors(shares).is_ok());
    assert!(!zkshare_crypto::vectors::check_vectors(VECTORS).is_ok());
}

#[cfg(feature = "vectors")]
#[test]
fn the_file_is_what_the_generator_writes() {
    assert!(
        zkshare_crypto::vectors::generate_requests_json() == VECTORS,
        "tests/vectors/requests-v1.json is stale; run: {}",
        zkshare_crypto::vectors::REQUESTS_GENERATOR
    );
}
