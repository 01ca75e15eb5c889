//! Where a password comes from: the terminal (never echoed), a file, or an environment variable.
//!
//! The prompt reads `/dev/tty`, not stdin, so stdin stays free for the secret itself. Passwords
//! are used as the exact UTF-8 the user typed (PROTOCOL.md §1) and zeroized when dropped.

use std::path::PathBuf;

use clap::Args;
use zeroize::Zeroizing;

use crate::error::{Failure, Result};

/// A password in memory, wiped on drop.
pub type Password = Zeroizing<String>;

/// The password options shared by `send`, `get`, `seal`, `open` and `verifier`.
#[derive(Args, Debug, Default, Clone)]
#[group(multiple = false)]
pub struct PasswordArgs {
    /// Ask for the password on the terminal (not echoed; asked twice when sealing).
    #[arg(long)]
    pub password: bool,

    /// Read the password from this file (one trailing newline is ignored).
    #[arg(long, value_name = "PATH")]
    pub password_file: Option<PathBuf>,

    /// Read the password from this environment variable (e.g. --password-env MY_PASSWORD).
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<String>,
}

impl PasswordArgs {
    /// Whether any password option was given.
    pub fn given(&self) -> bool {
        self.password || self.password_file.is_some() || self.password_env.is_some()
    }

    /// The password to seal with, if one was asked for; the prompt asks twice.
    pub fn for_sealing(&self) -> Result<Option<Password>> {
        if self.password {
            let first = prompt("Password: ")?;
            let second = prompt("Password (again): ")?;
            if *first != *second {
                return Err(Failure::usage("the two passwords differ"));
            }
            return Ok(Some(first));
        }
        self.read_file_or_env()
    }

    /// The password to open with when the secret needs one: from the options, or else asked
    /// once on the terminal (unless `prompt_allowed` is false and `--password` was not given).
    /// `why` says what it is for, in the error when none can be had.
    pub fn for_opening(&self, prompt_allowed: bool, why: &str) -> Result<Password> {
        if let Some(password) = self.read_file_or_env()? {
            return Ok(password);
        }
        if !self.password && !prompt_allowed {
            return Err(Failure::usage(format!(
                "{why}: give it with --password-file PATH or --password-env VAR \
                 (prompting is turned off)"
            )));
        }
        let typed = rpassword::prompt_password("Password: ").map_err(|e| {
            Failure::usage(format!(
                "{why}: give it with --password-file PATH or --password-env VAR, \
                 or run in a terminal to be asked (no terminal: {e})"
            ))
        })?;
        non_empty(Zeroizing::new(typed))
    }

    fn read_file_or_env(&self) -> Result<Option<Password>> {
        let password = if let Some(path) = &self.password_file {
            let bytes = Zeroizing::new(std::fs::read(path).map_err(|e| {
                Failure::usage(format!(
                    "cannot read the password file {}: {e}",
                    path.display()
                ))
            })?);
            let text = std::str::from_utf8(&bytes).map_err(|_| {
                Failure::usage(format!(
                    "the password file {} is not UTF-8 text",
                    path.display()
                ))
            })?;
            Zeroizing::new(strip_one_newline(text).to_owned())
        } else if let Some(var) = &self.password_env {
            match std::env::var(var) {
                Ok(value) => Zeroizing::new(value),
                Err(std::env::VarError::NotPresent) => {
                    return Err(Failure::usage(format!(
                        "the environment variable {var} (--password-env) is not set"
                    )));
                }
                Err(std::env::VarError::NotUnicode(_)) => {
                    return Err(Failure::usage(format!(
                        "the environment variable {var} (--password-env) is not UTF-8"
                    )));
                }
            }
        } else {
            return Ok(None);
        };
        non_empty(password).map(Some)
    }
}

/// Asks once on the terminal without echo.
fn prompt(label: &str) -> Result<Password> {
    let typed = rpassword::prompt_password(label).map_err(|e| {
        Failure::usage(format!(
            "cannot ask for a password: no terminal ({e}); \
             use --password-file or --password-env"
        ))
    })?;
    non_empty(Zeroizing::new(typed))
}

fn non_empty(password: Password) -> Result<Password> {
    if password.is_empty() {
        Err(Failure::usage("the password is empty"))
    } else {
        Ok(password)
    }
}

/// Removes one trailing `\n` or `\r\n`, as editors and `echo` add.
fn strip_one_newline(s: &str) -> &str {
    s.strip_suffix("\r\n")
        .or_else(|| s.strip_suffix('\n'))
        .unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_trailing_newline_is_removed() {
        assert_eq!(strip_one_newline("pw\n"), "pw");
        assert_eq!(strip_one_newline("pw\r\n"), "pw");
        assert_eq!(strip_one_newline("pw\n\n"), "pw\n");
        assert_eq!(strip_one_newline(" pw "), " pw ");
    }

    #[test]
    fn file_and_env_sources() {
        let dir = std::env::temp_dir().join(format!("zkshare-pw-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("pw");
        std::fs::write(&file, "correct horse\n").unwrap();
        let args = PasswordArgs {
            password_file: Some(file.clone()),
            ..PasswordArgs::default()
        };
        assert_eq!(
            args.for_sealing().unwrap().as_deref().map(String::as_str),
            Some("correct horse")
        );
        std::fs::write(&file, "\n").unwrap();
        assert!(args.for_sealing().is_err(), "empty password");
        std::fs::remove_dir_all(&dir).unwrap();

        let missing = PasswordArgs {
            password_env: Some("ZKSHARE_TEST_SURELY_UNSET_VARIABLE".into()),
            ..PasswordArgs::default()
        };
        let e = missing.for_sealing().unwrap_err();
        assert!(e.message.contains("is not set"), "{}", e.message);

        assert!(PasswordArgs::default().for_sealing().unwrap().is_none());
        let e = PasswordArgs::default()
            .for_opening(false, "this secret needs a password")
            .unwrap_err();
        assert!(e.message.starts_with("this secret needs a password"));
    }
}
