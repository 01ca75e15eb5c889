//! The real `zkshare-server` binary, started on a free port, its logs captured, killed on drop.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::workspace_binary;

/// Where the server keeps its secrets.
pub enum Store<'a> {
    /// The embedded store in this directory.
    Embedded(&'a Path),
    /// Redis at this URL.
    Redis(String),
    /// The Redis Cluster with these comma-separated seed node URLs (`--redis-cluster`).
    RedisCluster(String),
}

/// A running `zkshare-server` process.
pub struct ServerProcess {
    child: Child,
    base_url: String,
    start_line: String,
    stdout: Arc<Mutex<Vec<u8>>>,
    stderr_path: PathBuf,
    _dir: tempfile::TempDir,
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
        let mut args: Vec<String> = ["--log", log]
            .iter()
            .chain(&["--rate-limit-per-second", "0", "--creates-per-hour", "0"])
            .chain(&["--max-concurrent-requests-per-client", "0"])
            .map(|arg| arg.to_string())
            .collect();
        match store {
            Store::Embedded(dir) => {
                args.push("--data-dir".into());
                args.push(dir.to_str().expect("data dir is UTF-8").into());
            }
            Store::Redis(url) => args.extend(["--redis-url".into(), url]),
            Store::RedisCluster(nodes) => args.extend(["--redis-cluster".into(), nodes]),
        }
        args.extend(extra.iter().map(|arg| arg.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        Self::launch(&workspace_binary("zkshare-server"), &args)
    }

    /// Starts `binary` with `--listen 127.0.0.1:0` and exactly `args`, nothing else: no
    /// `ZKSHARE_*` or `REDIS_URL` setting is inherited from the environment. Waits for the start
    /// line that announces the bound address.
    pub fn launch(binary: &Path, args: &[&str]) -> ServerProcess {
        let dir = tempfile::tempdir().expect("tempdir");
        // Kept in a file for `stderr()` and `logs()`, copied from a pipe by a thread.
        let stderr_path = dir.path().join("stderr.log");
        let mut stderr_file = std::fs::File::create(&stderr_path).expect("create stderr.log");
        let mut cmd = Command::new(binary);
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy();
            if name.starts_with("ZKSHARE_") || name == "REDIS_URL" {
                cmd.env_remove(&*name);
            }
        }
        let mut child = cmd
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {}: {e}", binary.display()));
        let mut stderr = child.stderr.take().expect("stderr");
        std::thread::spawn(move || std::io::copy(&mut stderr, &mut stderr_file));

        // The first stdout line announces the bound address.
        let stdout_log = Arc::new(Mutex::new(Vec::new()));
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        let sink = stdout_log.clone();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let _ = tx.send(line.clone());
            sink.lock().unwrap().extend_from_slice(line.as_bytes());
            copy_into(reader, sink);
        });
        let line = rx.recv_timeout(Duration::from_secs(30)).unwrap_or_default();
        let mut server = ServerProcess {
            child,
            base_url: String::new(),
            start_line: line.trim_end().to_string(),
            stdout: stdout_log,
            stderr_path,
            _dir: dir,
        };
        server.base_url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| {
                let logs = String::from_utf8_lossy(&server.logs()).into_owned();
                panic!("zkshare-server did not announce its address; got {line:?}; logs:\n{logs}")
            })
            .trim_end_matches('/')
            .to_string();
        server
    }

    /// The line it announced itself with, e.g. `zkshare listening on http://… (store: …)`.
    pub fn start_line(&self) -> &str {
        &self.start_line
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

    /// Everything it wrote so far: stdout, then stderr.
    pub fn logs(&self) -> Vec<u8> {
        let mut logs = self.stdout.lock().unwrap().clone();
        logs.extend(std::fs::read(&self.stderr_path).unwrap_or_default());
        logs
    }

    /// What it wrote to stderr so far (its log).
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
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

/// Redis, an SMTP sink (STARTTLS, its own CA) and a server on that Redis mailing through it.
pub struct MailStack {
    /// The SMTP sink the server mails through.
    pub sink: crate::smtp::SmtpSink,
    /// The server.
    pub server: ServerProcess,
    _redis: crate::redis_server::RedisServer,
}

impl MailStack {
    /// Starts the three.
    pub fn start() -> MailStack {
        let sink = crate::smtp::SmtpSink::start(crate::smtp::SinkSecurity::StartTls);
        let redis = crate::redis_server::RedisServer::start();
        let args = sink.server_args();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let server = ServerProcess::start(Store::Redis(redis.url()), &args);
        MailStack {
            sink,
            server,
            _redis: redis,
        }
    }
}
