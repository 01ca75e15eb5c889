//! SnapPass (pip package `snappass`) under `gunicorn -w 2`, on a Redis database of its own.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

use crate::http::{Conn, Req, loopback_addr};

/// A running gunicorn master (and its workers), stopped on drop.
pub struct SnapPassServer {
    child: Child,
    base_url: String,
}

impl SnapPassServer {
    /// Starts `venv/bin/gunicorn -w 2 snappass.main:app` with `REDIS_URL=redis_url`.
    pub async fn start(venv: &Path, redis_url: &str) -> anyhow::Result<SnapPassServer> {
        let gunicorn = venv.join("bin/gunicorn");
        anyhow::ensure!(
            gunicorn.is_file(),
            "{} is missing: run `just bench` (it creates the venv with \
             `python3 -m venv bench/work/venv && bench/work/venv/bin/pip install snappass gunicorn`)",
            gunicorn.display()
        );
        let port = zkshare_testkit::free_port();
        let base_url = format!("http://127.0.0.1:{port}");
        let child = Command::new(&gunicorn)
            .args(["-w", "2", "-b", &format!("127.0.0.1:{port}")])
            .args(["--log-level", "warning", "snappass.main:app"])
            .env("REDIS_URL", redis_url)
            .env("NO_SSL", "True")
            .env_remove("REDIS_HOST")
            .env_remove("REDIS_PORT")
            .env_remove("SNAPPASS_REDIS_DB")
            .env_remove("URL_PREFIX")
            .env_remove("HOST_OVERRIDE")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("spawn {}", gunicorn.display()))?;
        let mut server = SnapPassServer { child, base_url };
        server.wait_ready().await?;
        Ok(server)
    }

    async fn wait_ready(&mut self) -> anyhow::Result<()> {
        let addr = loopback_addr(&self.base_url)?;
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!("gunicorn exited during start-up: {status}");
            }
            if let Ok(mut conn) = Conn::connect(addr).await
                && let Ok((status, _)) = conn.send(&Req::get("/")).await
                && status.is_success()
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("SnapPass did not answer on {} within 30 s", self.base_url);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The gunicorn master's pid.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for SnapPassServer {
    fn drop(&mut self) {
        // SIGTERM lets the master stop its workers; SIGKILL only if it does not exit.
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
