//! Connecting to Redis or a Redis Cluster, and checking that a node is fit: version, word size, eviction policy.

use std::time::Duration;

use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use redis::cluster::ClusterClientBuilder;
use redis::cluster_async::ClusterConnection;
use redis::{Cmd, ConnectionAddr, Pipeline, RedisError, RedisFuture, Script, Value};

use super::{CONSUME_VIEW_LUA, DELETE_SECRET_LUA, KvScripts, RedisStore};

/// One Redis or a cluster: both reconnect by themselves and are cheap to clone.
#[derive(Clone)]
pub(super) enum Connection {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

impl ConnectionLike for Connection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Connection::Single(c) => c.req_packed_command(cmd),
            Connection::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Connection::Single(c) => c.req_packed_commands(pipeline, offset, count),
            Connection::Cluster(c) => c.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Connection::Single(c) => c.get_db(),
            Connection::Cluster(c) => c.get_db(),
        }
    }
}

impl RedisStore {
    /// Connects to `url`. `timeout` bounds connecting and every command, so a dead Redis turns
    /// into a quick [`StoreError::Unavailable`] instead of a hanging request.
    pub async fn connect(url: &str, timeout: Duration) -> anyhow::Result<Self> {
        let client = redis::Client::open(url)
            .map_err(|e| anyhow::anyhow!("invalid Redis URL: {}", e.kind_description()))?;
        let address = describe_addr(client.get_connection_info().addr());
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(2)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_millis(500));
        let mut conn = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(|e| anyhow::anyhow!("cannot connect to Redis at {address}: {e}"))?;
        check_node(&mut conn, &address).await?;
        Ok(Self::with_connection(Connection::Single(conn), address))
    }

    /// Connects to the Redis Cluster that `nodes` (`redis://host:port` URLs, at least one)
    /// belong to; the client learns the other nodes and the slot map from them. `timeout`
    /// bounds connecting and every command, retries and redirections included.
    pub async fn connect_cluster(nodes: &[String], timeout: Duration) -> anyhow::Result<Self> {
        let Some(first) = nodes.first() else {
            anyhow::bail!("no Redis Cluster node given");
        };
        let first_client = redis::Client::open(first.as_str()).map_err(|e| {
            anyhow::anyhow!("invalid Redis Cluster node URL: {}", e.kind_description())
        })?;
        let first_address = describe_addr(first_client.get_connection_info().addr());
        let address = format!("{first_address} (cluster)");
        let client = ClusterClientBuilder::new(nodes.iter().map(String::as_str))
            .connection_timeout(timeout)
            .response_timeout(timeout)
            .retries(4)
            .min_retry_wait(50)
            .max_retry_wait(500)
            .build()
            .map_err(|e| {
                anyhow::anyhow!("invalid Redis Cluster node URLs: {}", e.kind_description())
            })?;
        let conn = client.get_async_connection().await.map_err(|e| {
            anyhow::anyhow!("cannot connect to the Redis Cluster at {first_address}: {e}")
        })?;
        // INFO and CONFIG go to every node in a cluster; the checks ask the first seed node
        // that answers, and the operator configures all nodes alike (docs/DEPLOYMENT.md).
        let mut checked = false;
        for node in nodes {
            let Ok(node_client) = redis::Client::open(node.as_str()) else {
                continue;
            };
            let node_address = describe_addr(node_client.get_connection_info().addr());
            let connected = node_client
                .get_multiplexed_async_connection_with_config(
                    &redis::AsyncConnectionConfig::new()
                        .set_connection_timeout(Some(timeout))
                        .set_response_timeout(Some(timeout)),
                )
                .await;
            match connected {
                Ok(mut seed) => {
                    check_node(&mut seed, &node_address).await?;
                    checked = true;
                    break;
                }
                Err(e) => tracing::warn!("Redis Cluster seed node {node_address}: {e}"),
            }
        }
        anyhow::ensure!(checked, "no Redis Cluster seed node answered");
        let store = Self::with_connection(Connection::Cluster(conn), address);
        // Load the scripts on every primary now; a replica promoted later lacks them, and the
        // script call then answers NOSCRIPT, loads and retries by itself.
        store.load_scripts().await?;
        Ok(store)
    }

    fn with_connection(conn: Connection, address: String) -> Self {
        Self {
            conn,
            address,
            consume_script: Script::new(CONSUME_VIEW_LUA),
            delete_script: Script::new(DELETE_SECRET_LUA),
            kv_scripts: KvScripts::new(),
            owned_scripts: super::OwnedScripts::new(),
        }
    }

    /// `SCRIPT LOAD` of every script (on a cluster: on every primary).
    async fn load_scripts(&self) -> anyhow::Result<()> {
        let mut conn = self.conn.clone();
        for script in [&self.consume_script, &self.delete_script]
            .into_iter()
            .chain(self.kv_scripts.all())
            .chain(self.owned_scripts.all())
        {
            script
                .load_async(&mut conn)
                .await
                .map_err(|e| anyhow::anyhow!("cannot load a script into {}: {e}", self.address))?;
        }
        Ok(())
    }
}

/// Checks one node: version and word size, and warns unless it never evicts.
async fn check_node(conn: &mut impl ConnectionLike, address: &str) -> anyhow::Result<()> {
    match redis::cmd("INFO")
        .arg("server")
        .query_async::<String>(conn)
        .await
    {
        Ok(info) => check_server(&info).map_err(|e| anyhow::anyhow!("Redis at {address}: {e}"))?,
        // A least-privilege ACL user may not run INFO; the scripts still need what
        // check_server checks, so say that it could not be checked.
        Err(e) if e.code() == Some("NOPERM") => tracing::warn!(
            "cannot check the version of Redis at {address} (INFO not permitted); \
             zkshare needs Redis 6.2 or later, 64-bit"
        ),
        Err(e) => anyhow::bail!("cannot ask Redis at {address} for its version: {e}"),
    }
    warn_unless_noeviction(conn, address).await;
    warn_unless_durable(conn, address).await;
    Ok(())
}

/// Logs a warning when Redis keeps no append-only file. Secrets are short-lived and losing them
/// in a restart only ends them early, but accounts, organizations and machine identities have
/// no expiry: without AOF (`appendonly yes`) a restart loses every change since the last
/// snapshot, or all of them when snapshots are off.
async fn warn_unless_durable(conn: &mut impl ConnectionLike, address: &str) {
    let reply: Result<Vec<String>, RedisError> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("appendonly")
        .query_async(conn)
        .await;
    match reply.as_deref() {
        Ok([_, on]) if on == "yes" => {}
        Ok([_, _]) => tracing::warn!(
            "Redis at {address} has appendonly no: a restart loses accounts, organizations \
             and machine identities changed since its last snapshot; set appendonly yes \
             (docs/SECURITY.md, Redis settings)"
        ),
        _ => tracing::warn!(
            "cannot read the appendonly setting of Redis at {address}; accounts need \
             appendonly yes (docs/SECURITY.md, Redis settings)"
        ),
    }
}

/// Logs a warning when Redis may evict keys under memory pressure. Every zkshare key has a TTL,
/// so any eviction policy but `noeviction` (the `volatile-*` ones included) would delete live
/// secrets before their time; with `noeviction`, a full Redis refuses creates (503) instead.
async fn warn_unless_noeviction(conn: &mut impl ConnectionLike, address: &str) {
    let reply: Result<Vec<String>, RedisError> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("maxmemory-policy")
        .query_async(conn)
        .await;
    match reply.as_deref() {
        Ok([_, policy]) if policy == "noeviction" => {}
        Ok([_, policy]) => tracing::warn!(
            "Redis at {address} has maxmemory-policy {policy}: under memory pressure it would              delete live secrets before they expire; set maxmemory-policy noeviction              (docs/SECURITY.md, Redis settings)"
        ),
        // Managed services often rename or forbid CONFIG.
        _ => tracing::warn!(
            "cannot read the maxmemory-policy of Redis at {address}; zkshare needs noeviction              (docs/SECURITY.md, Redis settings)"
        ),
    }
}

/// The oldest Redis with `SET … PXAT` (6.2).
const MIN_REDIS_VERSION: (u32, u32) = (6, 2);

/// Checks an `INFO server` reply: `redis_version` at least [`MIN_REDIS_VERSION`], and a 64-bit
/// build (the scripts read and write 8-byte times with Lua's `struct`, which a 32-bit build
/// truncates).
fn check_server(info: &str) -> Result<(), String> {
    let field = |name: &str| {
        info.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
            .map(str::trim)
    };
    if let Some(bits) = field("arch_bits")
        && bits != "64"
    {
        return Err(format!("a {bits}-bit build; zkshare needs a 64-bit Redis"));
    }
    let version = field("redis_version").ok_or("its INFO has no redis_version")?;
    let mut parts = version.split('.').map(|p| p.parse::<u32>().ok());
    let (Some(Some(major)), Some(Some(minor))) = (parts.next(), parts.next()) else {
        return Err(format!("unreadable version {version:?}"));
    };
    if (major, minor) < MIN_REDIS_VERSION {
        let (want_major, want_minor) = MIN_REDIS_VERSION;
        return Err(format!(
            "version {version} is too old; zkshare needs Redis {want_major}.{want_minor} or later"
        ));
    }
    Ok(())
}

trait KindDescription {
    fn kind_description(&self) -> String;
}

impl KindDescription for RedisError {
    // The URL may hold a password; describe the error by kind only.
    fn kind_description(&self) -> String {
        format!("{:?}", self.kind())
    }
}

fn describe_addr(addr: &ConnectionAddr) -> String {
    match addr {
        ConnectionAddr::Tcp(host, port) => format!("{host}:{port}"),
        ConnectionAddr::TcpTls { host, port, .. } => format!("{host}:{port} (TLS)"),
        ConnectionAddr::Unix(path) => format!("unix:{}", path.display()),
        #[allow(unreachable_patterns)]
        _ => "unknown address".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::check_server;

    #[test]
    fn redis_versions() {
        let info = |v: &str| {
            format!("# Server\r\nredis_version:{v}\r\nredis_mode:standalone\r\narch_bits:64\r\n")
        };
        for ok in ["6.2.0", "7.0.15", "7.4.2", "10.0.0"] {
            assert_eq!(check_server(&info(ok)), Ok(()), "{ok}");
        }
        for old in ["6.0.16", "5.0.7", "2.8.24"] {
            let e = check_server(&info(old)).unwrap_err();
            assert!(e.contains("too old") && e.contains("6.2"), "{e}");
        }
        assert!(check_server(&info("x.y")).is_err());
        assert!(check_server("# Server\r\n").is_err());
        let e = check_server(&info("7.0.15").replace("arch_bits:64", "arch_bits:32")).unwrap_err();
        assert!(e.contains("64-bit"), "{e}");
    }
}
