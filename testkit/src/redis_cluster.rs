//! A private Redis Cluster of `redis-server --cluster-enabled yes` processes on free ports.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Milliseconds without an answer after which the cluster counts a node as failed and promotes
/// its replica. Redis' default is 15 s; a test wants the failover within seconds.
pub const NODE_TIMEOUT_MS: u64 = 1000;

/// One `redis-server` of the cluster.
struct Node {
    port: u16,
    child: Option<Child>,
    _dir: tempfile::TempDir,
}

/// A running Redis Cluster that this test started; every node is killed on drop.
pub struct RedisCluster {
    nodes: Vec<Node>,
    started_in: Duration,
}

/// A free port P whose cluster bus port P + 10000 is free too.
fn free_port_pair() -> u16 {
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("bind 127.0.0.1:0");
        if port <= u16::MAX - 10_000 && TcpListener::bind(("127.0.0.1", port + 10_000)).is_ok() {
            return port;
        }
    }
}

/// Starts one cluster-enabled node and waits until it answers; checks that the process
/// answering is the one started (another test may have taken the port meanwhile).
fn start_node() -> Result<Node, String> {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port_pair();
    let mut child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--cluster-enabled", "yes"])
        .args(["--cluster-config-file", "nodes.conf"])
        .args(["--cluster-node-timeout", &NODE_TIMEOUT_MS.to_string()])
        // A replica may take over however long it was cut off: the test decides.
        .args(["--cluster-replica-validity-factor", "0"])
        // A new replica's first sync would otherwise wait 5 s for more replicas.
        .args(["--repl-diskless-sync-delay", "0"])
        .args(["--save", "", "--appendonly", "no"])
        .arg("--dir")
        .arg(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| missing("redis-server", e));
    let pid = child.id().to_string();
    let ours = wait_until(Duration::from_secs(10), || {
        if matches!(child.try_wait(), Ok(Some(_))) {
            return true;
        }
        query(port, &["INFO", "server"]).is_ok_and(|info| {
            info.lines()
                .any(|l| l.trim() == format!("process_id:{pid}"))
        })
    });
    let alive = matches!(child.try_wait(), Ok(None));
    if ours.is_none() || !alive {
        let _ = child.kill();
        let _ = child.wait();
        return Err(format!("redis-server on port {port} did not start as ours"));
    }
    Ok(Node {
        port,
        child: Some(child),
        _dir: dir,
    })
}

fn missing(program: &str, e: std::io::Error) -> ! {
    panic!(
        "cannot run `{program}` ({e}); this test needs the real one.\n\
         Install it with: sudo apt-get install -y redis-server redis-tools"
    )
}

impl RedisCluster {
    /// Starts `primaries` primaries with `replicas` replicas each (`redis-cli --cluster
    /// create`), and returns once every node reports `cluster_state:ok` and every replica is
    /// in sync with its primary. Fails (never skips) when redis-server or redis-cli is missing.
    pub fn start(primaries: usize, replicas: usize) -> RedisCluster {
        let started = Instant::now();
        // Parallel tests pick ports at the same time; a clash shows up as a node that is not
        // ours or a failed create, and a fresh set of ports is the cure.
        let mut failures = Vec::new();
        for _ in 0..3 {
            match Self::try_start(primaries, replicas) {
                Ok(mut cluster) => {
                    cluster.started_in = started.elapsed();
                    return cluster;
                }
                Err(e) => failures.push(e),
            }
        }
        panic!(
            "the Redis Cluster did not start:\n{}",
            failures.join("\n---\n")
        )
    }

    fn try_start(primaries: usize, replicas: usize) -> Result<RedisCluster, String> {
        let mut cluster = RedisCluster {
            nodes: Vec::new(),
            started_in: Duration::ZERO,
        };
        for _ in 0..primaries * (1 + replicas) {
            cluster.nodes.push(start_node()?);
        }
        let mut create = Command::new("redis-cli");
        create.args(["--cluster", "create"]);
        for node in &cluster.nodes {
            create.arg(format!("127.0.0.1:{}", node.port));
        }
        let output = create
            .args(["--cluster-replicas", &replicas.to_string(), "--cluster-yes"])
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| missing("redis-cli", e));
        if !output.status.success() {
            return Err(format!(
                "redis-cli --cluster create failed:\n{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        cluster.wait_healthy(Duration::from_secs(30));
        Ok(cluster)
    }

    /// How long [`RedisCluster::start`] took.
    pub fn started_in(&self) -> Duration {
        self.started_in
    }

    /// `redis://127.0.0.1:PORT` of every node, killed ones included (a client skips those).
    pub fn node_urls(&self) -> Vec<String> {
        self.nodes
            .iter()
            .map(|n| format!("redis://127.0.0.1:{}", n.port))
            .collect()
    }

    /// The same, comma-separated: the value of `--redis-cluster`.
    pub fn nodes_arg(&self) -> String {
        self.node_urls().join(",")
    }

    /// The ports of the nodes still running.
    pub fn live_ports(&self) -> Vec<u16> {
        self.nodes
            .iter()
            .filter(|n| n.child.is_some())
            .map(|n| n.port)
            .collect()
    }

    /// The hash slot of `key`, as the cluster computes it.
    pub fn slot_of(&self, key: &str) -> u16 {
        let port = self.live_ports()[0];
        query(port, &["CLUSTER", "KEYSLOT", key])
            .expect("CLUSTER KEYSLOT")
            .parse()
            .expect("a slot number")
    }

    /// The port of the primary that serves `slot` now, as a live node sees it.
    pub fn primary_of_slot(&self, slot: u16) -> u16 {
        let port = self.live_ports()[0];
        let nodes = query(port, &["CLUSTER", "NODES"]).expect("CLUSTER NODES");
        for line in nodes.lines() {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields.len() < 9 || !fields[2].contains("master") || fields[2].contains("fail") {
                continue;
            }
            let serves = fields[8..].iter().any(|range| match range.split_once('-') {
                Some((lo, hi)) => {
                    lo.parse::<u16>().is_ok_and(|lo| lo <= slot)
                        && hi.parse::<u16>().is_ok_and(|hi| slot <= hi)
                }
                None => range.parse::<u16>() == Ok(slot),
            });
            if serves {
                let addr = fields[1].split('@').next().unwrap_or_default();
                return addr
                    .rsplit(':')
                    .next()
                    .and_then(|p| p.parse().ok())
                    .expect("a node address");
            }
        }
        panic!("no live primary serves slot {slot}:\n{nodes}")
    }

    /// Kills the node on `port` (SIGKILL: no goodbye to the cluster).
    pub fn kill(&mut self, port: u16) {
        let node = self
            .nodes
            .iter_mut()
            .find(|n| n.port == port)
            .expect("a node of this cluster");
        if let Some(mut child) = node.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Waits until every live node says `cluster_state:ok` and sees each slot's primary as
    /// live, and every live replica's link to its primary is up.
    pub fn wait_healthy(&self, within: Duration) {
        let healthy = || {
            self.live_ports().into_iter().all(|port| {
                let state_ok = query(port, &["CLUSTER", "INFO"])
                    .is_ok_and(|info| info.contains("cluster_state:ok"));
                let replication = query(port, &["INFO", "replication"]).unwrap_or_default();
                let in_sync = replication.contains("role:master")
                    || replication.contains("master_link_status:up");
                state_ok && in_sync
            })
        };
        wait_until(within, healthy).unwrap_or_else(|| {
            let states: Vec<String> = self
                .live_ports()
                .into_iter()
                .map(|p| format!("{p}: {:?}", query(p, &["CLUSTER", "INFO"])))
                .collect();
            panic!("the cluster did not become healthy: {states:#?}")
        });
    }

    /// Sends one command to each live node (e.g. `SCRIPT FLUSH`).
    pub fn on_every_node(&self, args: &[&str]) {
        for port in self.live_ports() {
            query(port, args).unwrap_or_else(|e| panic!("{args:?} on {port}: {e}"));
        }
    }

    /// Sends one command to the node on `port` and returns its reply as text.
    pub fn query(&self, port: u16, args: &[&str]) -> redis::RedisResult<String> {
        query(port, args)
    }
}

impl Drop for RedisCluster {
    fn drop(&mut self) {
        for node in &mut self.nodes {
            if let Some(mut child) = node.child.take() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

fn query(port: u16, args: &[&str]) -> redis::RedisResult<String> {
    let client = redis::Client::open(format!("redis://127.0.0.1:{port}"))?;
    let mut conn = client.get_connection_with_timeout(Duration::from_millis(500))?;
    conn.set_read_timeout(Some(Duration::from_secs(2)))?;
    let mut cmd = redis::cmd(args[0]);
    for a in &args[1..] {
        cmd.arg(*a);
    }
    let value: redis::Value = cmd.query(&mut conn)?;
    Ok(match value {
        redis::Value::SimpleString(s) => s,
        redis::Value::BulkString(b) => String::from_utf8_lossy(&b).into_owned(),
        redis::Value::VerbatimString { text, .. } => text,
        redis::Value::Int(i) => i.to_string(),
        redis::Value::Okay => "OK".to_string(),
        other => format!("{other:?}"),
    })
}

fn wait_until(within: Duration, mut ok: impl FnMut() -> bool) -> Option<()> {
    let deadline = Instant::now() + within;
    loop {
        if ok() {
            return Some(());
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
