//! The secret requests' test vectors (tests/vectors/requests-v1.json, PROTOCOL.md §14.7): checking them, and (feature `vectors`) writing them.
//!
//! The file holds RFC 9180's own known answer for the suite (Appendix A.1.1), checked through
//! the same sealing function answers use, and one scenario per vector: success, wrong key,
//! moved answer, key substitution, tampering and truncation.

use serde::{Deserialize, Serialize};

#[cfg(feature = "vectors")]
use super::to_hex;
use super::{Report, check_each};
#[cfg(feature = "vectors")]
use crate::request::{RequestKeys, commitment, seal_answer_with};
pub use crate::request_vectors::{
    RFC9180_SUITE, RequestCase, RfcCase, check_request_case, check_rfc9180,
};

/// The `protocol` of a requests vectors file.
pub const REQUESTS_PROTOCOL: &str = "zkshare v1 requests";

/// tests/vectors/requests-v1.json.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestVectorFile {
    /// [`REQUESTS_PROTOCOL`].
    pub protocol: String,
    /// The command that writes the file.
    pub generator: String,
    /// RFC 9180 Appendix A.1.1, base mode, sequence number 0.
    pub rfc9180: Rfc9180Vector,
    /// The protocol's scenarios.
    pub vectors: Vec<RequestVector>,
}

/// RFC 9180's known answer for the suite (hex fields, the RFC's names).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Rfc9180Vector {
    pub suite: String,
    pub ikm_r: String,
    pub pk_rm: String,
    pub ikm_e: String,
    pub enc: String,
    pub info: String,
    pub aad: String,
    pub pt: String,
    pub ct: String,
}

/// One scenario.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequestVector {
    /// Unique id.
    pub name: String,
    /// What is tested.
    pub scenario: String,
    /// How the answer was made.
    pub comment: String,
    /// The request's id (the HPKE info binds it).
    pub request_id: String,
    /// The requester's private key as the requester's link carries it.
    pub private_key: String,
    /// The public key the server serves to the answerer.
    pub public_key: String,
    /// The commitment in the answer link's fragment.
    pub commitment: String,
    /// The sealed answer (the API's `secretValue`); `null` for `key_mismatch`.
    pub answer: Option<String>,
    /// The outcome a client must reach.
    pub expected: RequestExpected,
    /// The answer's text (`success`, `key_mismatch`).
    pub plaintext: Option<String>,
    /// The ephemeral key's input keying material, hex (`success`, `key_mismatch`).
    pub ikm_e: Option<String>,
    /// The requester token derived from `privateKey` (`success`).
    pub requester_token: Option<String>,
}

/// What a client must conclude from a vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestExpected {
    /// The answer opens to `plaintext`, and re-sealing reproduces it.
    Success,
    /// Opening fails with the one opaque error.
    OpenError,
    /// The answerer refuses to seal: the served key does not match the commitment.
    KeyMismatch,
}

/// Checks a requests vectors file. The browser runs the same function (WebAssembly
/// `runRequestVectors`), and so does the CLI.
#[must_use]
pub fn check_request_vectors(json: &str) -> Report {
    let mut report = Report::default();
    let file: RequestVectorFile = match serde_json::from_str(json) {
        Ok(file) => file,
        Err(e) => {
            report.fail(
                "(vectors file)",
                &format!("not a requests vectors file: {e}"),
            );
            return report;
        }
    };
    if file.protocol != REQUESTS_PROTOCOL {
        report.fail(
            "(vectors file)",
            &format!("protocol is {:?}", file.protocol),
        );
        return report;
    }
    match check_rfc(&file.rfc9180) {
        Ok(()) => report.passed += 1,
        Err(reason) => report.fail("rfc9180-a.1.1", &reason),
    }
    check_each(
        &mut report,
        &file.vectors,
        |v| &v.name,
        check_request_vector,
    );
    report
}

fn check_rfc(v: &Rfc9180Vector) -> Result<(), String> {
    check_rfc9180(&RfcCase {
        suite: &v.suite,
        ikm_r: &v.ikm_r,
        pk_rm: &v.pk_rm,
        ikm_e: &v.ikm_e,
        enc: &v.enc,
        info: &v.info,
        aad: &v.aad,
        pt: &v.pt,
        ct: &v.ct,
    })
}

/// Checks one scenario (`request_vectors::check_request_case` on its fields).
///
/// # Errors
/// Why the vector did not give its expected outcome.
pub fn check_request_vector(v: &RequestVector) -> Result<(), String> {
    check_request_case(&RequestCase {
        request_id: &v.request_id,
        private_key: &v.private_key,
        public_key: &v.public_key,
        commitment: &v.commitment,
        answer: v.answer.as_deref(),
        expected: match v.expected {
            RequestExpected::Success => "success",
            RequestExpected::OpenError => "open_error",
            RequestExpected::KeyMismatch => "key_mismatch",
        },
        plaintext: v.plaintext.as_deref(),
        ikm_e: v.ikm_e.as_deref(),
        requester_token: v.requester_token.as_deref(),
    })
}

#[cfg(feature = "vectors")]
pub use generate::{REQUESTS_GENERATOR, generate_requests_json};

#[cfg(feature = "vectors")]
mod generate {
    use sha2::{Digest, Sha256};

    use zkshare_format::envelope::{read_envelope, write_envelope};

    use super::{
        REQUESTS_PROTOCOL, RequestExpected, RequestKeys, RequestVector, RequestVectorFile,
        Rfc9180Vector, commitment, seal_answer_with, to_hex,
    };

    /// The exact command that writes `tests/vectors/requests-v1.json`.
    pub const REQUESTS_GENERATOR: &str = "cargo run -p zkshare-crypto --features vectors,requests --example gen_vectors -- --requests > tests/vectors/requests-v1.json";

    const ID: &str = "cmVxdWVzdCB2ZWN0b3IgMQ";
    const OTHER_ID: &str = "cmVxdWVzdCB2ZWN0b3IgMg";

    fn bytes(label: &str) -> [u8; 32] {
        Sha256::digest(format!("zkshare v1 request test vector: {label}")).into()
    }

    struct Fixture {
        keys: RequestKeys,
        public: String,
        commitment: String,
    }

    impl Fixture {
        fn new(label: &str) -> Self {
            let keys = RequestKeys::derive(&bytes(label));
            let public = keys.public_key().to_b64();
            let commitment = commitment(&keys.public_key());
            Self {
                keys,
                public,
                commitment,
            }
        }

        fn vector(&self, name: &str, scenario: &str, comment: &str) -> RequestVector {
            RequestVector {
                name: name.to_owned(),
                scenario: scenario.to_owned(),
                comment: comment.to_owned(),
                request_id: ID.to_owned(),
                private_key: self.keys.to_b64().to_string(),
                public_key: self.public.clone(),
                commitment: self.commitment.clone(),
                answer: None,
                expected: RequestExpected::OpenError,
                plaintext: None,
                ikm_e: None,
                requester_token: None,
            }
        }

        fn success(&self, name: &str, scenario: &str, text: &str) -> RequestVector {
            let ikm_e = bytes(&format!("{name}/ikmE"));
            let answer = seal_answer_with(ID, &self.public, &self.commitment, text, &ikm_e)
                .expect("the fixture's key matches its commitment");
            RequestVector {
                answer: Some(answer),
                expected: RequestExpected::Success,
                plaintext: Some(text.to_owned()),
                ikm_e: Some(to_hex(&ikm_e)),
                requester_token: Some(self.keys.requester_token()),
                ..self.vector(name, scenario, "sealed to publicKey for requestId")
            }
        }
    }

    /// Edits the bytes of an answer and writes it again canonically.
    fn edit(answer: &str, f: impl FnOnce(&mut Vec<u8>, &mut Vec<u8>)) -> String {
        let (mut header, mut body) = read_envelope(answer).expect("a well-formed answer");
        f(&mut header, &mut body);
        write_envelope(&header, &body)
    }

    /// The whole file, deterministic.
    #[must_use]
    pub fn generate_requests_json() -> String {
        let requester = Fixture::new("requester");
        let stranger = Fixture::new("another requester");
        let ok = requester.success(
            "success",
            "the requester opens the answer to its request",
            "correct horse battery staple",
        );
        let answer = ok.answer.clone().expect("success has an answer");
        let multi = requester.success(
            "success-multibyte",
            "a two-block answer of multi-byte text",
            &"pässwörd 🔑 ".repeat(30),
        );
        let two_blocks = multi.answer.clone().expect("success has an answer");
        let failing = |name: &str, scenario: &str, comment: &str, answer: String| RequestVector {
            answer: Some(answer),
            ..requester.vector(name, scenario, comment)
        };
        let mut vectors = vec![
            ok.clone(),
            requester.success("success-empty", "an empty answer", ""),
            multi,
            RequestVector {
                private_key: stranger.keys.to_b64().to_string(),
                ..failing(
                    "wrong-key",
                    "another requester's private key",
                    "the success answer, opened with another key",
                    answer.clone(),
                )
            },
            RequestVector {
                request_id: OTHER_ID.to_owned(),
                ..failing(
                    "moved-answer",
                    "an answer moved to another request of the same requester",
                    "the success answer, opened as the answer of requestId",
                    answer.clone(),
                )
            },
            RequestVector {
                public_key: stranger.public.clone(),
                plaintext: Some("correct horse battery staple".to_owned()),
                ikm_e: ok.ikm_e.clone(),
                expected: RequestExpected::KeyMismatch,
                ..requester.vector(
                    "key-substitution",
                    "the server serves another public key than the link commits to",
                    "publicKey is another key; commitment is the requester's",
                )
            },
            failing(
                "ciphertext-tampered",
                "one bit of the ciphertext flipped",
                "bit 0 of the first ciphertext byte",
                edit(&answer, |_, body| body[32] ^= 1),
            ),
            failing(
                "tag-tampered",
                "one bit of the tag flipped",
                "bit 0 of the last byte",
                edit(&answer, |_, body| *body.last_mut().expect("non-empty") ^= 1),
            ),
            failing(
                "enc-tampered",
                "one bit of the encapsulated key flipped",
                "bit 0 of the first byte of enc",
                edit(&answer, |_, body| body[0] ^= 1),
            ),
            failing(
                "header-suite-changed",
                "the header names another suite",
                "suite byte 0x02",
                edit(&answer, |header, _| header[2] = 2),
            ),
            failing(
                "header-kind-changed",
                "the header's kind is a share mode",
                "kind byte 0x01",
                edit(&answer, |header, _| header[1] = 1),
            ),
            failing(
                "truncated-tag",
                "the last 16 bytes (the tag) cut off",
                "body without its last 16 bytes",
                edit(&answer, |_, body| body.truncate(body.len() - 16)),
            ),
            failing(
                "truncated-block",
                "a whole 256-byte block cut out before the tag",
                "the multi-block answer without its last payload block",
                edit(&two_blocks, |_, body| {
                    let tag = body.split_off(body.len() - 16);
                    body.truncate(body.len() - 256);
                    body.extend_from_slice(&tag);
                }),
            ),
            failing(
                "extra-block",
                "a zero block appended before the tag",
                "the success answer with 256 more bytes",
                edit(&answer, |_, body| {
                    let tag = body.split_off(body.len() - 16);
                    body.extend_from_slice(&[0u8; 256]);
                    body.extend_from_slice(&tag);
                }),
            ),
        ];
        vectors.sort_by(|a, b| a.name.cmp(&b.name));
        let rfc = rfc9180();
        let file = RequestVectorFile {
            protocol: REQUESTS_PROTOCOL.to_owned(),
            generator: REQUESTS_GENERATOR.to_owned(),
            rfc9180: rfc,
            vectors,
        };
        let mut json = serde_json::to_string_pretty(&file).expect("serializes");
        json.push('\n');
        json
    }

    fn rfc9180() -> Rfc9180Vector {
        // RFC 9180 Appendix A.1.1 as printed, not as computed here: the checker derives them.
        Rfc9180Vector {
            suite: super::RFC9180_SUITE.to_owned(),
            ikm_r: "6db9df30aa07dd42ee5e8181afdb977e538f5e1fec8a06223f33f7013e525037".to_owned(),
            pk_rm: "3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d".to_owned(),
            ikm_e: "7268600d403fce431561aef583ee1613527cff655c1343f29812e66706df3234".to_owned(),
            enc: "37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431".to_owned(),
            info: "4f6465206f6e2061204772656369616e2055726e".to_owned(),
            aad: "436f756e742d30".to_owned(),
            pt: "4265617574792069732074727574682c20747275746820626561757479".to_owned(),
            ct: "f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a".to_owned(),
        }
    }
}
