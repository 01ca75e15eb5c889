//! `zkshare list`: the logged-in caller's live secrets in their current organization, newest first.

use super::login::{needs_login, token_for};
use super::stdio::write_stdout;
use crate::api::{Api, ListedShare, with_context};
use crate::args::ListArgs;
use crate::error::Result;
use crate::terminal;

/// `zkshare list`.
pub(super) fn run(args: ListArgs, insecure_http: bool) -> Result<()> {
    let token =
        token_for(&args.server)?.ok_or_else(|| needs_login("`zkshare list`", &args.server))?;
    let api = Api::new(&args.server, insecure_http)?.with_token(Some(token));
    let (page, raw) = api
        .list(args.offset, args.limit)
        .map_err(|e| with_context(e, "the server refused the list"))?;
    if args.json {
        return write_stdout(format!("{}\n", terminal::escape_json(&raw.to_string())).as_bytes());
    }
    write_stdout(table(&page.secrets, args.offset, page.total_count).as_bytes())
}

/// The page as a table, with a last line giving the total; every cell from the server escaped.
fn table(secrets: &[ListedShare], offset: u64, total: u64) -> String {
    let header = [
        "ID",
        "NAME",
        "VIEWS LEFT",
        "EXPIRES",
        "ACCESS",
        "RECIPIENTS",
    ]
    .map(String::from);
    let rows: Vec<[String; 6]> = secrets
        .iter()
        .map(|s| {
            [
                terminal::escape(&s.id),
                terminal::escape(s.name.as_deref().unwrap_or("-")),
                s.expires_after_views
                    .map_or_else(|| "unlimited".to_string(), |n| n.to_string()),
                terminal::escape(&s.expires_at),
                terminal::escape(&s.access_type),
                match (s.recipient_count, s.allow_external_emails) {
                    (0, _) => "-".to_string(),
                    (n, true) => format!("{n} (external allowed)"),
                    (n, false) => n.to_string(),
                },
            ]
        })
        .collect();
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    let shown = rows.len() as u64;
    out.push_str(&match (shown, total) {
        (_, 0) => "No live secrets.\n".to_string(),
        (0, _) => format!("{total} secrets in all; none from offset {offset}.\n"),
        _ => format!(
            "{total} secret{} in all; showing {} to {}.\n",
            if total == 1 { "" } else { "s" },
            offset + 1,
            offset + shown
        ),
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share(id: &str, name: Option<&str>, recipients: u64, external: bool) -> ListedShare {
        ListedShare {
            id: id.into(),
            name: name.map(Into::into),
            expires_at: "2026-12-01T00:00:00.000Z".into(),
            expires_after_views: Some(1),
            access_type: "organization".into(),
            recipient_count: recipients,
            allow_external_emails: external,
        }
    }

    #[test]
    fn table_aligns_and_totals() {
        let out = table(
            &[
                share("AAAAAAAAAAAAAAAAAAAAAA", Some("db \u{1b}[31m"), 2, true),
                share("BBBBBBBBBBBBBBBBBBBBBA", None, 0, false),
            ],
            0,
            7,
        );
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines[0].starts_with("ID  "), "{out}");
        assert!(lines[1].contains("2 (external allowed)"), "{out}");
        assert!(!out.contains('\u{1b}'), "server text is escaped: {out}");
        assert_eq!(lines[3], "7 secrets in all; showing 1 to 2.");
        assert_eq!(table(&[], 0, 0).lines().last(), Some("No live secrets."));
    }
}
