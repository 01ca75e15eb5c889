//! `zkshare vectors`: checks a protocol test-vectors file with the native build.

use zkshare_crypto::vectors::check_vectors;

use super::stdio::{note, write_stdout};
use crate::args::VectorsArgs;
use crate::error::{Failure, Result};

/// `zkshare vectors`.
pub(super) fn run(args: VectorsArgs) -> Result<()> {
    let json = std::fs::read_to_string(&args.file)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", args.file.display())))?;
    let report = check_vectors(&json);
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
