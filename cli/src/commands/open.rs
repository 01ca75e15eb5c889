//! `zkshare open`: opens an envelope from stdin offline, as `seal` or the API gave it.

use serde_json::Value;
use zkshare_crypto::Header;

use super::credentials::{derive_keys, offline_key, open_failure, opening_password};
use super::stdio::{MAX_ENVELOPE_INPUT_BYTES, read_stdin_text, write_stdout};
use crate::args::OpenArgs;
use crate::error::{Failure, Result};

/// `zkshare open`.
pub(super) fn run(args: OpenArgs, prompt_allowed: bool) -> Result<()> {
    let input = read_stdin_text(MAX_ENVELOPE_INPUT_BYTES, "the envelope")?;
    let envelope = envelope_from_input(&input)?;
    let header = Header::from_envelope(&envelope).map_err(open_failure)?;
    let key = offline_key(&header, args.key.value.as_deref())?;
    let password = opening_password(&header, &args.password, prompt_allowed, "this envelope")?;
    let keys = derive_keys(&header, key.as_ref(), password.as_ref())?;
    let text = keys.open_text(&envelope).map_err(open_failure)?;
    write_stdout(text.as_bytes())
}

/// The envelope in `open`'s input: the bare envelope, or `secretValue` / `envelope` of a
/// JSON object (the access answer, or `zkshare seal`'s output).
fn envelope_from_input(input: &str) -> Result<String> {
    let trimmed = input.trim();
    if !trimmed.starts_with('{') {
        return Ok(trimmed.to_string());
    }
    let value: Value = serde_json::from_str(trimmed)
        .map_err(|e| Failure::usage(format!("stdin looks like JSON but is not: {e}")))?;
    ["secretValue", "envelope"]
        .iter()
        .find_map(|field| value.get(field).and_then(Value::as_str))
        .map(str::to_owned)
        .ok_or_else(|| {
            Failure::usage("the JSON on stdin has no secretValue or envelope string field")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_accepts_bare_envelopes_and_json() {
        assert_eq!(envelope_from_input(" AAA.BBB\n").unwrap(), "AAA.BBB");
        assert_eq!(
            envelope_from_input(r#"{"secretValue":"AAA.BBB","id":"x"}"#).unwrap(),
            "AAA.BBB"
        );
        assert_eq!(
            envelope_from_input(r#"{"envelope":"AAA.BBB","linkKey":null}"#).unwrap(),
            "AAA.BBB"
        );
        assert!(envelope_from_input(r#"{"other":1}"#).is_err());
        assert!(envelope_from_input("{not json").is_err());
    }
}
