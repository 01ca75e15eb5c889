//! The requester's key file: a new file of mode 0600 holding the requester link, never overwritten.

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read as _, Write as _};
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use super::stdio::{MAX_LINK_INPUT_BYTES, note};
use crate::error::{Failure, Result};

/// The default key file of request `id`: `zkshare-request-{id}.key` in the current directory.
pub(super) fn default_path(id: &str) -> PathBuf {
    PathBuf::from(format!("zkshare-request-{id}.key"))
}

/// A key file created and not yet written: removed again if dropped before [`NewKeyFile::write`].
pub(super) struct NewKeyFile {
    path: PathBuf,
    file: Option<File>,
}

impl NewKeyFile {
    /// Creates `path` as a new file that only its owner can read and write (mode 0600). An
    /// existing file, or a symbolic link, is never opened: refused, and left as it is.
    pub(super) fn create(path: &Path) -> Result<NewKeyFile> {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(path).map_err(|e| {
            Failure::other(if e.kind() == ErrorKind::AlreadyExists {
                format!(
                    "{} exists already: zkshare never overwrites a key file (it may hold the key \
                     to another request); choose another path with --key-file",
                    path.display()
                )
            } else {
                format!("cannot create the key file {}: {e}", path.display())
            })
        })?;
        Ok(NewKeyFile {
            path: path.to_path_buf(),
            file: Some(file),
        })
    }

    /// The file's path.
    pub(super) fn path(&self) -> &Path {
        &self.path
    }

    /// Writes the requester link and a newline, and syncs it to disk.
    pub(super) fn write(mut self, requester_link: &str) -> Result<PathBuf> {
        let mut file = self.file.take().expect("written once");
        let written = file
            .write_all(format!("{requester_link}\n").as_bytes())
            .and_then(|()| file.sync_all());
        if let Err(e) = written {
            drop(file);
            let _ = std::fs::remove_file(&self.path);
            return Err(Failure::other(format!(
                "cannot write the key file {}: {e}",
                self.path.display()
            )));
        }
        Ok(std::mem::take(&mut self.path))
    }
}

impl Drop for NewKeyFile {
    fn drop(&mut self) {
        // Created but never written (the request failed): an empty file is no use to anyone.
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// A warning when others than its owner may read the key file `file` at `path`.
fn exposure(file: &File, path: &Path) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = file.metadata().ok()?.permissions().mode() & 0o777;
        (mode & 0o077 != 0).then(|| {
            format!(
                "warning: {path} can be read by others than its owner (mode {mode:03o}), and it \
                 holds the key to the answer; `chmod 600 {path}`",
                path = path.display()
            )
        })
    }
    #[cfg(not(unix))]
    {
        let _ = (file, path);
        None
    }
}

/// The requester link in the key file at `path` (its text, trimmed); warns on stderr when
/// others may read the file.
pub(super) fn read(path: &Path) -> Result<Zeroizing<String>> {
    let cannot = |e: std::io::Error| {
        Failure::usage(format!("cannot read the key file {}: {e}", path.display()))
    };
    let file = File::open(path).map_err(cannot)?;
    if let Some(warning) = exposure(&file, path) {
        note(&warning);
    }
    let mut bytes = Zeroizing::new(Vec::new());
    file.take(MAX_LINK_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    let text = std::str::from_utf8(&bytes)
        .ok()
        .filter(|_| bytes.len() as u64 <= MAX_LINK_INPUT_BYTES)
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            Failure::usage(format!(
                "{} is not a zkshare key file: it holds the requester link \
                 https://HOST/r/ID/open#KEY that `zkshare request` wrote",
                path.display()
            ))
        })?;
    Ok(Zeroizing::new(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINK: &str = "https://h.example/r/q83vEjRWeJCrze8SNFZ4kA/open#KEY";

    #[test]
    #[cfg(unix)]
    fn a_key_file_is_new_and_only_its_owner_can_read_it() {
        use std::os::unix::fs::PermissionsExt as _;

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("request.key");
        let written = NewKeyFile::create(&path).unwrap().write(LINK).unwrap();
        assert_eq!(written, path);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), format!("{LINK}\n"));
        assert_eq!(read(&path).unwrap().as_str(), LINK);
    }

    #[test]
    #[cfg(unix)]
    fn a_key_file_others_can_read_is_pointed_out() {
        use std::os::unix::fs::PermissionsExt as _;

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("request.key");
        NewKeyFile::create(&path).unwrap().write(LINK).unwrap();
        assert_eq!(exposure(&File::open(&path).unwrap(), &path), None);
        for mode in [0o640, 0o604, 0o644] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            let warning = exposure(&File::open(&path).unwrap(), &path).expect("a warning");
            assert!(warning.contains(&format!("mode {mode:03o}")), "{warning}");
            assert!(warning.contains("chmod 600"), "{warning}");
        }
    }

    #[test]
    fn an_existing_file_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("request.key");
        std::fs::write(&path, "the key to another request\n").unwrap();
        let e = NewKeyFile::create(&path).err().expect("refused");
        assert!(e.message.contains("never overwrites"), "{}", e.message);
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "the key to another request\n"
        );
    }

    #[test]
    #[cfg(unix)]
    fn a_symbolic_link_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("elsewhere");
        let path = dir.path().join("request.key");
        std::os::unix::fs::symlink(&target, &path).unwrap();
        assert!(NewKeyFile::create(&path).is_err());
        assert!(!target.exists(), "nothing was created through the link");
    }

    #[test]
    fn a_file_not_written_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("request.key");
        let file = NewKeyFile::create(&path).unwrap();
        assert!(path.exists());
        drop(file);
        assert!(!path.exists());
    }

    #[test]
    fn reading_refuses_what_is_no_key_file() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.key");
        std::fs::write(&empty, "\n").unwrap();
        assert!(read(&empty).is_err());
        assert!(read(&dir.path().join("missing.key")).is_err());
    }
}
