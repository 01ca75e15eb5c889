//! Test and benchmark harness: starts the real redis-server (single or cluster), zkshare-server, the CLI and Chromium.
//!
//! Nothing here is a stand-in: every helper starts the real program on a free loopback port and
//! fails with the command to install it when it is missing. Used by the server's own tests
//! (`server/tests/`), the end-to-end tests (`tests/`) and the benchmarks (`bench/`). It talks
//! to zkshare only as processes and over HTTP, never through the server's types, so the server
//! crate can depend on it for its tests.
//!
//! - Processes: [`redis_server`] (one Redis), [`redis_cluster`] (a Redis Cluster),
//!   [`server`] (the `zkshare-server` binary), [`cli`] (runs the `zkshare` CLI).
//! - Around them: [`proxy`] (a recording TCP proxy), [`stub`] (a hostile HTTP server for the
//!   CLI), [`hostile`] (a proxy to the real server that swaps a request's key), [`browser`] (headless Chromium), [`flows`] (the web pages' steps), [`pages`]
//!   (waiting on pages, forms, screenshots), [`npm`]
//!   (Node packages for tests), [`leaks`] (scans bytes for a secret in any encoding),
//!   [`smtp`] (a real SMTP sink, plain, STARTTLS or TLS, whose received mail tests read),
//!   [`world`] (a mailing server with people signed up on it).
//! - A new program a test needs gets a module of its own beside these, started the same way:
//!   a free loopback port, a scratch directory, killed on drop, [`require_program`] when it is
//!   missing.

pub mod browser;
pub mod cli;
pub mod flows;
pub mod hostile;
pub mod leaks;
pub mod npm;
pub mod pages;
pub mod proxy;
pub mod redis_cluster;
pub mod redis_server;
pub mod server;
pub mod smtp;
pub mod stub;
pub mod world;

use std::net::TcpListener;
use std::path::{Path, PathBuf};

/// The workspace root (the directory holding the top-level `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind 127.0.0.1:0")
}

/// Panics with the install command when `program` is not on PATH (tests never skip silently).
pub fn require_program(program: &str, debian_package: &str) -> PathBuf {
    find_program(program).unwrap_or_else(|| {
        panic!(
            "`{program}` is not installed; this test needs the real one.\n\
             Install it with: sudo apt-get install -y {debian_package}  (or run `just test`, which does)"
        )
    })
}

/// Looks `program` up on PATH.
pub fn find_program(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// The directory cargo writes binaries of this profile to (`target/debug`), found from the
/// running executable (a test in `target/debug/deps/`, or a binary in `target/release/`), so a
/// custom `CARGO_TARGET_DIR` works too.
pub fn target_profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let dir = exe.parent().expect("executable has a directory");
    if dir.file_name().is_some_and(|n| n == "deps") {
        dir.parent().expect("deps/ has a parent").to_path_buf()
    } else {
        dir.to_path_buf()
    }
}

/// Path of a workspace binary built by `cargo build --workspace --bins` (which `just test` runs
/// before the tests); panics with that command when it is missing.
pub fn workspace_binary(name: &str) -> PathBuf {
    let path = target_profile_dir().join(name);
    assert!(
        path.is_file(),
        "{} is missing: build it first with `cargo build --workspace --bins` (`just test` does)",
        path.display()
    );
    path
}
