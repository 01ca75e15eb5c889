//! The real `zkshare-server` binary, started on a free port, its logs captured, killed on drop.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::workspace_binary;

/// Where the server keeps its secrets.
pub enum Store<'a> {
    /// The embedded store in this directory.
    Embedded(&'a std::path::Path),
    /// Redis at this URL.
    Redis(String),
    /// The Redis Cluster with these comma-separated seed node URLs (`--redis-cluster`).
    RedisCluster(String),
}

/// A running `zkshare-server` process.
pub struct ServerProcess {
    child: Child,
    base_url: String,
    logs: Arc<Mutex<Vec<u8>>>,
}

impl ServerProcess {
    /// Starts the server with logging at TRACE (so the audit sees everything it could log),
    /// rate limits, the creation quota and the per-client share of requests in flight off
    /// (benchmarks drive it from one address), and `extra` arguments appended.
    pub fn start(store: Store<'_>, extra: &[&str]) -> ServerProcess {
        Self::start_with_log(store, "trace", extra)
    }

    /// Like [`ServerProcess::start`] with the log filter `log` (benchmarks use `warn`).
    pub fn start_with_log(store: Store<'_>, log: &str, extra: &[&str]) -> ServerProcess {
        let mut cmd = Command::new(workspace_binary("zkshare-server"));
        cmd.args(["--listen", "127.0.0.1:0", "--log", log])
            .args(["--rate-limit-per-second", "0", "--creates-per-hour", "0"])
            .args(["--max-concurrent-requests-per-client", "0"])
            .env_remove("REDIS_URL")
            .env_remove("ZKSHARE_REDIS_CLUSTER")
            .env_remove("ZKSHARE_DATA_DIR")
            .env_remove("ZKSHARE_LISTEN")
            .env_remove("ZKSHARE_PUBLIC_URL");
        match store {
            Store::Embedded(dir) => {
                cmd.arg("--data-dir").arg(dir);
            }
            Store::Redis(url) => {
                cmd.args(["--redis-url", &url]);
            }
            Store::RedisCluster(nodes) => {
                cmd.args(["--redis-cluster", &nodes]);
            }
        }
        cmd.args(extra);
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn zkshare-server");

        let logs = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().expect("stderr");
        let sink = logs.clone();
        std::thread::spawn(move || copy_into(stderr, sink));

        // The first stdout line announces the bound address.
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        let sink = logs.clone();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let _ = tx.send(line.clone());
            sink.lock().unwrap().extend_from_slice(line.as_bytes());
            copy_into(reader, sink);
        });
        let line = rx.recv_timeout(Duration::from_secs(30)).unwrap_or_default();
        let base_url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| {
                let logs = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
                panic!("zkshare-server did not announce its address; got {line:?}; logs:\n{logs}")
            })
            .trim_end_matches('/')
            .to_string();
        ServerProcess {
            child,
            base_url,
            logs,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The `host:port` it listens on.
    pub fn addr(&self) -> &str {
        self.base_url.trim_start_matches("http://")
    }

    /// The process id (e.g. to read its memory from /proc).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Everything it wrote to stdout and stderr so far.
    pub fn logs(&self) -> Vec<u8> {
        self.logs.lock().unwrap().clone()
    }

    /// Sends SIGTERM: the server stops accepting and finishes what is in flight.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -TERM failed");
    }

    /// Waits up to `within` for it to exit; its exit status, or `None` if it is still running.
    pub fn wait_exit(&mut self, within: Duration) -> Option<std::process::ExitStatus> {
        let deadline = std::time::Instant::now() + within;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            if std::time::Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops it (SIGKILL: the store must survive a crash, not only a clean exit).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

fn copy_into(mut from: impl Read, sink: Arc<Mutex<Vec<u8>>>) {
    let mut buf = [0u8; 8192];
    while let Ok(n) = from.read(&mut buf) {
        if n == 0 {
            break;
        }
        sink.lock().unwrap().extend_from_slice(&buf[..n]);
    }
}
