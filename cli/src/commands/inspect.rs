//! `zkshare inspect`: shows a secret's metadata and protection without spending a view.

use serde_json::{Value, json};
use zkshare_crypto::Header;

use super::stdio::{link_from, write_stdout};
use crate::api::{Api, gone_or};
use crate::args::InspectArgs;
use crate::error::Result;
use crate::terminal;

/// `zkshare inspect`.
pub(super) fn run(args: InspectArgs, insecure_http: bool) -> Result<()> {
    let link = link_from(&args.link, false)?;
    let api = Api::new(&link.base, insecure_http)?;
    let (meta, mut raw) = api.metadata(&link.id).map_err(gone_or)?;
    let mode = Header::parse_b64(&meta.envelope_header)
        .ok()
        .map(|h| h.mode());
    if args.json {
        if let Value::Object(map) = &mut raw {
            map.insert("mode".into(), json!(mode.map(|m| m.name())));
        }
        return write_stdout(format!("{}\n", terminal::escape_json(&raw.to_string())).as_bytes());
    }
    let protection = match mode {
        Some(m) if m.needs_link_key() && m.needs_password() => {
            "link key and password (mode key+password)"
        }
        Some(m) if m.needs_password() => "password only (mode password)",
        Some(_) => "link key (mode key)",
        None => "unknown: not a zkshare v1 envelope header",
    };
    let key_note = match (mode.map(|m| m.needs_link_key()), &link.key) {
        (Some(true), None) => "missing: this link cannot open the secret",
        (Some(true), Some(_)) => "present",
        (Some(false), Some(_)) => "present, but this mode does not use it: `get` refuses it",
        _ => "not needed",
    };
    let views = meta
        .expires_after_views
        .map_or_else(|| "unlimited".to_string(), |n| n.to_string());
    // Every field but the ones computed here comes from the server.
    let text = format!(
        "Secret:       {}\n\
         Name:         {}\n\
         Protection:   {protection}\n\
         Link key:     {key_note}\n\
         Created:      {}\n\
         Expires:      {}\n\
         Views left:   {views}\n\
         Last viewed:  {}\n",
        terminal::escape(&meta.id),
        terminal::escape(meta.name.as_deref().unwrap_or("(none)")),
        terminal::escape(&meta.created_at),
        terminal::escape(&meta.expires_at),
        terminal::escape(meta.last_viewed_at.as_deref().unwrap_or("never")),
    );
    write_stdout(text.as_bytes())
}
