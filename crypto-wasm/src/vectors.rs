//! The test-vector file `tests/vectors/protocol-v1.json` and its one checker, shared by the
//! native tests and the CLI (the browser checks the same cases, `checkVector`). Not part of the protocol API.

use serde::{Deserialize, Serialize};

#[cfg(test)]
pub(crate) use crate::hex::hex_array;
#[cfg(any(test, feature = "vectors"))]
pub(crate) use crate::hex::to_hex;
pub use crate::share_vectors::{ShareCase, check_share_case};

#[cfg(feature = "vectors")]
mod generate;
#[cfg(feature = "requests")]
mod requests;
#[cfg(feature = "vectors")]
pub use generate::{
    GENERATOR, RawHeader, generate, generate_json, seal_raw_deterministic, worked_example,
};
#[cfg(feature = "requests")]
pub use requests::*;

/// The `protocol` value of a vectors file this crate checks.
pub const PROTOCOL: &str = "zkshare v1";

/// A whole vectors file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VectorFile {
    /// Always [`PROTOCOL`].
    pub protocol: String,
    /// The exact command that wrote the file.
    pub generator: String,
    /// One scenario each.
    pub vectors: Vec<Vector>,
}

/// One scenario: credentials, an envelope, and what opening it must give.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Vector {
    /// Unique, kebab-case.
    pub name: String,
    /// What is being tested, in a few words.
    pub scenario: String,
    /// How the envelope was made and why it must give `expected`.
    pub comment: String,
    /// The mode of the credentials the reader presents (`key`, `key+password`, `password`);
    /// it is the envelope's mode except where the scenario is a mismatch.
    pub mode: String,
    /// `K64`, if the reader presents a link key.
    pub link_key: Option<String>,
    /// The password, if the reader presents one.
    pub password: Option<String>,
    /// The text, for `success`.
    pub plaintext: Option<String>,
    /// The envelope as the server would store it.
    pub envelope: String,
    /// The access verifier, for `success`.
    pub verifier: Option<String>,
    /// The outcome a reader must reach.
    pub expected: Expected,
    /// For `success`: the salt the writer drew, hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salt: Option<String>,
    /// For `success`: the nonce the writer drew, hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// For `success` in a password mode: Argon2id memory (KiB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub m: Option<u32>,
    /// For `success` in a password mode: Argon2id passes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub t: Option<u32>,
    /// For `success` in a password mode: Argon2id lanes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p: Option<u32>,
}

/// The outcome a reader must reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expected {
    /// Opens to `plaintext`, with `verifier`; re-sealing with `salt`/`nonce` gives `envelope`.
    Success,
    /// Fails with the one opaque error.
    OpenError,
}

/// The result of checking a vectors file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Vectors that gave their expected outcome.
    pub passed: usize,
    /// Vectors that did not (or 1 if the file itself is unusable).
    pub failed: usize,
    /// Names of the failed vectors.
    pub failures: Vec<String>,
    /// `name: reason` for each failure.
    pub details: Vec<String>,
}

impl Report {
    /// Whether every vector passed and there was at least one.
    #[must_use]
    pub fn is_ok(&self) -> bool {
        self.failed == 0 && self.passed > 0
    }

    /// `{"passed": N, "failed": M, "failures": [...], "details": [...]}`.
    #[must_use]
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a report always serializes")
    }

    fn fail(&mut self, name: &str, reason: &str) {
        self.failed += 1;
        self.failures.push(name.to_owned());
        self.details.push(format!("{name}: {reason}"));
    }
}

/// Checks every vector of a vectors file (the JSON text) and reports.
#[must_use]
pub fn check_vectors(json: &str) -> Report {
    let mut report = Report::default();
    let file: VectorFile = match serde_json::from_str(json) {
        Ok(file) => file,
        Err(e) => {
            report.fail("(vectors file)", &format!("not a vectors file: {e}"));
            return report;
        }
    };
    if file.protocol != PROTOCOL {
        report.fail(
            "(vectors file)",
            &format!("protocol is {:?}", file.protocol),
        );
        return report;
    }
    check_each(&mut report, &file.vectors, |v| &v.name, check_vector);
    report
}

/// Checks each of `vectors` (of unique names, and at least one) into `report`.
pub(crate) fn check_each<V>(
    report: &mut Report,
    vectors: &[V],
    name: impl Fn(&V) -> &str,
    check: impl Fn(&V) -> Result<(), String>,
) {
    if vectors.is_empty() {
        report.fail("(vectors file)", "no vectors");
    }
    let mut names = std::collections::BTreeSet::new();
    for vector in vectors {
        let outcome = if names.insert(name(vector)) {
            check(vector)
        } else {
            Err("duplicate name".to_owned())
        };
        match outcome {
            Ok(()) => report.passed += 1,
            Err(reason) => report.fail(name(vector), &reason),
        }
    }
}

/// Checks one vector (`share_vectors::check_share_case` on its fields).
///
/// # Errors
/// Why the vector did not give its expected outcome.
pub fn check_vector(v: &Vector) -> Result<(), String> {
    check_share_case(&ShareCase {
        mode: &v.mode,
        link_key: v.link_key.as_deref(),
        password: v.password.as_deref(),
        envelope: &v.envelope,
        expected: match v.expected {
            Expected::Success => "success",
            Expected::OpenError => "open_error",
        },
        plaintext: v.plaintext.as_deref(),
        verifier: v.verifier.as_deref(),
        salt: v.salt.as_deref(),
        nonce: v.nonce.as_deref(),
        m: v.m,
        t: v.t,
        p: v.p,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_rejects_junk() {
        let bytes = [0x00, 0x7f, 0x80, 0xff];
        assert_eq!(to_hex(&bytes), "007f80ff");
        assert_eq!(hex_array::<4>(Some("007f80ff")), Some(bytes));
        for bad in ["007f80f", "007f80fff0", "007f80fg", "+07f80ff", "é07f80f"] {
            assert_eq!(hex_array::<4>(Some(bad)), None, "{bad}");
        }
    }

    #[test]
    fn unusable_files_fail_the_report() {
        for json in [
            "",
            "{}",
            r#"{"protocol":"zkshare v2","generator":"","vectors":[]}"#,
        ] {
            assert!(!check_vectors(json).is_ok(), "{json}");
        }
        let empty = check_vectors(r#"{"protocol":"zkshare v1","generator":"","vectors":[]}"#);
        assert_eq!((empty.passed, empty.failed), (0, 1));
    }
}
