//! The real binary over real TCP, one module an area: startup, limits, the web page, logs.
//!
//! `startup`: the start line, --help, Redis at start; `limits`: rate limit and trusted proxies,
//! timeouts, streamed oversized bodies, many slow clients; `web`: the web page with SRI and
//! published hashes; `logs`: log hygiene at every level.

#[path = "../common/mod.rs"]
mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use base64::Engine as _;
use common::{assert_error_body, envelope, verifier};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256, Sha384};
use zkshare_testkit::redis_server::RedisServer;
use zkshare_testkit::server::ServerProcess;

mod limits;
mod logs;
mod startup;
mod web;

/// The binary under test on its own embedded store (`--data-dir`), killed on drop.
struct Server {
    process: ServerProcess,
    addr: String,
    line: String,
    dir: tempfile::TempDir,
}

impl Server {
    fn start(args: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let mut all = vec!["--data-dir", data.to_str().unwrap()];
        all.extend_from_slice(args);
        let process = ServerProcess::launch(Path::new(env!("CARGO_BIN_EXE_zkshare-server")), &all);
        Self {
            addr: process.addr().to_string(),
            line: process.start_line().to_string(),
            process,
            dir,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn data_dir(&self) -> std::path::PathBuf {
        self.dir.path().join("data")
    }

    fn stderr(&self) -> String {
        self.process.stderr()
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

async fn json_of(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text:?}")),
    )
}

/// Sends raw bytes and returns the whole response text (the server closes or we time out).
fn raw_http(addr: &str, request: &[u8], pause_after: Option<Duration>) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    s.write_all(request).unwrap();
    if let Some(p) = pause_after {
        std::thread::sleep(p);
    }
    let mut out = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                out.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&out);
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let len = head.lines().find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse::<usize>().unwrap())
                    });
                    if len.is_some_and(|len| body.len() >= len) {
                        break;
                    }
                }
            }
            Err(_) => break,
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn body_json(raw: &str) -> Value {
    let (_, body) = raw.split_once("\r\n\r\n").expect("a response");
    serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {raw:?}"))
}
