//! Saved logins: one bearer token per server in the user's config directory, in a file only the user can read (mode 0600).
//!
//! `zkshare login` saves, `zkshare logout` removes, and `send` uses the token of the server it
//! sends to. The file holds tokens only, never an account password or client secret.
//! Location: `$ZKSHARE_CONFIG_DIR/logins.json`, else `$XDG_CONFIG_HOME/zkshare/logins.json`,
//! else `~/.config/zkshare/logins.json`.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::error::{Failure, Result};

/// One saved login.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct SavedLogin {
    /// `user` (e-mail and password) or `machine` (a machine identity).
    pub kind: String,
    /// The bearer token.
    pub token: String,
    /// Unix seconds after which the server no longer accepts it.
    pub expires_at: u64,
    /// Who: the e-mail address or the client id.
    pub who: String,
}

#[derive(Default, Serialize, Deserialize)]
struct LoginFile {
    /// Server base URL (no trailing slash) → its login.
    servers: BTreeMap<String, SavedLogin>,
}

/// The directory of the logins file.
pub fn config_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("ZKSHARE_CONFIG_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    if let Some(dir) = std::env::var_os("XDG_CONFIG_HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir).join("zkshare"));
    }
    match std::env::var_os("HOME").filter(|d| !d.is_empty()) {
        Some(home) => Ok(PathBuf::from(home).join(".config").join("zkshare")),
        None => Err(Failure::other(
            "cannot find a config directory: set ZKSHARE_CONFIG_DIR or HOME",
        )),
    }
}

fn path() -> Result<PathBuf> {
    Ok(config_dir()?.join("logins.json"))
}

/// The key of a server in the file.
pub fn server_key(server: &str) -> String {
    server.trim_end_matches('/').to_ascii_lowercase()
}

fn read() -> Result<LoginFile> {
    let path = path()?;
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
            Failure::other(format!(
                "{} is not a zkshare logins file ({e}); remove it and log in again",
                path.display()
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(LoginFile::default()),
        Err(e) => Err(Failure::other(format!(
            "cannot read {}: {e}",
            path.display()
        ))),
    }
}

fn write(file: &LoginFile) -> Result<PathBuf> {
    let path = path()?;
    let dir = path.parent().expect("a file in a directory").to_path_buf();
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(&dir)
        .map_err(|e| Failure::other(format!("cannot create {}: {e}", dir.display())))?;
    let json = serde_json::to_vec_pretty(file).expect("logins serialize");
    // Written to a new file of mode 0600 and renamed over the old one: the token is never in
    // a file others can read, not even for a moment, and a crash leaves the old file whole.
    let tmp = dir.join(format!(".logins.json.{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let _ = std::fs::remove_file(&tmp);
    let mut out = options
        .open(&tmp)
        .map_err(|e| Failure::other(format!("cannot write {}: {e}", tmp.display())))?;
    out.write_all(&json)
        .and_then(|()| out.sync_all())
        .map_err(|e| Failure::other(format!("cannot write {}: {e}", tmp.display())))?;
    std::fs::rename(&tmp, &path)
        .map_err(|e| Failure::other(format!("cannot write {}: {e}", path.display())))?;
    Ok(path)
}

/// Saves the login for `server`, replacing an older one; returns the file's path.
pub fn save(server: &str, login: SavedLogin) -> Result<PathBuf> {
    let mut file = read()?;
    file.servers.insert(server_key(server), login);
    write(&file)
}

/// The saved login for `server`, if any.
pub fn load(server: &str) -> Result<Option<SavedLogin>> {
    Ok(read()?.servers.remove(&server_key(server)))
}

/// Removes the login for `server`; returns it if there was one.
pub fn remove(server: &str) -> Result<Option<SavedLogin>> {
    let mut file = read()?;
    let removed = file.servers.remove(&server_key(server));
    if removed.is_some() {
        write(&file)?;
    }
    Ok(removed)
}
