//! `zkshare vectors`: checks a protocol test-vectors file with the native build.
//!
//! The file's top-level `protocol` says which kind it is: "zkshare v1" (shares,
//! tests/vectors/protocol-v1.json) or "zkshare v1 requests" (secret requests,
//! tests/vectors/requests-v1.json).

use zkshare_crypto::vectors::{REQUESTS_PROTOCOL, Report, check_request_vectors, check_vectors};

use super::stdio::{note, write_stdout};
use crate::args::VectorsArgs;
use crate::error::{Failure, Result};

/// `zkshare vectors`.
pub(super) fn run(args: VectorsArgs) -> Result<()> {
    let json = std::fs::read_to_string(&args.file)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", args.file.display())))?;
    let report = check(&json);
    for detail in &report.details {
        note(&format!("FAILED {detail}"));
    }
    write_stdout(format!("{} passed, {} failed\n", report.passed, report.failed).as_bytes())?;
    if report.is_ok() {
        Ok(())
    } else if report.passed + report.failed == 0 {
        Err(Failure::other(format!(
            "{} holds no vectors",
            args.file.display()
        )))
    } else {
        Err(Failure::other(format!(
            "{} of {} vectors failed",
            report.failed,
            report.passed + report.failed
        )))
    }
}

/// Checks `json` with the checker its `protocol` names; anything that is not a requests file
/// goes to the shares checker, which says what is wrong with it.
fn check(json: &str) -> Report {
    let protocol = serde_json::from_str::<serde_json::Value>(json)
        .ok()
        .and_then(|v| v.get("protocol")?.as_str().map(str::to_owned));
    if protocol.as_deref() == Some(REQUESTS_PROTOCOL) {
        check_request_vectors(json)
    } else {
        check_vectors(json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str) -> String {
        let path = format!("{}/../tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn each_kind_of_file_goes_to_its_checker() {
        for name in ["protocol-v1.json", "requests-v1.json"] {
            let report = check(&file(name));
            assert!(
                report.is_ok() && report.passed > 0,
                "{name}: {:?}",
                report.details
            );
        }
        // A requests file read as a shares file would fail, and the other way round.
        assert!(!check_vectors(&file("requests-v1.json")).is_ok());
        assert!(!check_request_vectors(&file("protocol-v1.json")).is_ok());
        // Neither kind: a failure that says so, not a pass.
        for other in ["{}", "{\"protocol\": \"zkshare v2\"}", "not json"] {
            let report = check(other);
            assert!(!report.is_ok(), "{other}");
        }
    }
}
