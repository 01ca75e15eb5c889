//! `zkshare log`: a secret's access log for its logged-in creator, one line per attempt.

use serde_json::Value;

use super::login::{needs_login, token_for, token_for_link};
use super::stdio::{note, secret_from, write_stdout};
use crate::api::{Api, LogEvent, gone_or};
use crate::args::LogArgs;
use crate::error::{Exit, Failure, Result};
use crate::terminal;

/// `zkshare log`.
pub(super) fn run(args: LogArgs, insecure_http: bool) -> Result<()> {
    let (link, from_link) = secret_from(&args.secret, false)?;
    let token = if from_link {
        token_for_link(&link.base, true)?
    } else {
        token_for(&link.base)?
    }
    .ok_or_else(|| needs_login("`zkshare log`", &link.base))?;
    let api = Api::new(&link.base, insecure_http)?.with_token(Some(token));
    let (log, raw) =
        api.access_log(&link.id)
            .map_err(|e| match e.status().map(|s| s.as_u16()) {
                Some(401 | 403) => Failure::new(
                    Exit::Denied,
                    format!(
                        "{} (only the secret's creator, logged in, may read its log)",
                        e.message().trim_end_matches('.')
                    ),
                ),
                _ => gone_or(e),
            })?;
    if args.json {
        return write_stdout(format!("{}\n", terminal::escape_json(&raw.to_string())).as_bytes());
    }
    if log.events.is_empty() {
        note(&format!(
            "Nobody has tried to open secret {} yet.",
            terminal::escape(&link.id)
        ));
        return Ok(());
    }
    let text: String = log.events.iter().map(line).collect();
    write_stdout(text.as_bytes())
}

/// One event: time, outcome, who, and "burned" when it destroyed the secret.
fn line(event: &LogEvent) -> String {
    let outcome = match event.outcome.as_str() {
        "viewed" => "viewed".to_string(),
        "not_allowed" => "refused: not allowed to view".to_string(),
        "password_required" => "refused: no password".to_string(),
        "wrong_password" => "refused: wrong password".to_string(),
        other => terminal::escape(other),
    };
    let text = |v: &Value, field: &str| {
        terminal::escape(v.get(field).and_then(Value::as_str).unwrap_or("?"))
    };
    let viewer = &event.viewer;
    let who = match viewer.get("type").and_then(Value::as_str) {
        Some("user") => format!("user {} ({})", text(viewer, "email"), text(viewer, "id")),
        Some("identity") => format!("machine identity {}", text(viewer, "id")),
        Some("recipient") => "a recipient, through their mailed link".to_string(),
        Some("anonymous") => "anonymous".to_string(),
        _ => format!("unknown ({})", terminal::escape(&viewer.to_string())),
    };
    format!(
        "{}  {outcome}  by {who}{}\n",
        terminal::escape(&event.at),
        if event.burned { "  burned" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn event(outcome: &str, burned: bool, viewer: Value) -> LogEvent {
        serde_json::from_value(json!({
            "at": "2026-12-01T10:00:00.000Z", "outcome": outcome, "burned": burned,
            "viewer": viewer,
        }))
        .unwrap()
    }

    #[test]
    fn lines_name_the_outcome_and_the_viewer() {
        assert_eq!(
            line(&event(
                "viewed",
                true,
                json!({"type": "user", "id": "u1", "email": "bob@example.com"})
            )),
            "2026-12-01T10:00:00.000Z  viewed  by user bob@example.com (u1)  burned\n"
        );
        assert!(
            line(&event(
                "wrong_password",
                false,
                json!({"type": "anonymous"})
            ))
            .contains("refused: wrong password  by anonymous\n")
        );
        assert!(
            line(&event("viewed", false, json!({"type": "recipient"})))
                .contains("by a recipient, through their mailed link")
        );
        let odd = line(&event("new\u{1b}", false, json!({"type": "x\u{202e}"})));
        assert!(
            !odd.contains('\u{1b}') && !odd.contains('\u{202e}'),
            "{odd}"
        );
    }
}
