//! Server configuration: one clap parser; every option also reads an environment variable.

use std::fmt;
use std::path::PathBuf;

use clap::Parser;

use crate::net::IpNet;

/// zkshare server: stores and serves end-to-end encrypted secrets. It only ever holds
/// ciphertext envelopes made by the client; it cannot decrypt them.
#[derive(Parser, Clone)]
#[command(name = "zkshare-server", version, about, long_about = None)]
pub struct Config {
    /// Address to listen on (host:port). Port 0 picks a free port; the start line shows it.
    #[arg(long, env = "ZKSHARE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,

    /// Redis URL (e.g. redis://127.0.0.1:6379). Without it the embedded store is used.
    #[arg(long, env = "REDIS_URL")]
    pub redis_url: Option<String>,

    /// Redis Cluster seed nodes, comma-separated redis:// URLs (e.g.
    /// redis://10.0.0.1:6379,redis://10.0.0.2:6379); the client finds the other nodes itself.
    /// Instead of --redis-url.
    #[arg(
        long,
        env = "ZKSHARE_REDIS_CLUSTER",
        value_delimiter = ',',
        conflicts_with = "redis_url"
    )]
    pub redis_cluster: Vec<String>,

    /// Directory of the embedded store (file zkshare.redb). Unused with --redis-url.
    #[arg(long, env = "ZKSHARE_DATA_DIR", default_value = "zkshare-data")]
    pub data_dir: PathBuf,

    /// Public base URL used in sharedSecretLink (e.g. https://share.example.com).
    /// Default: http://<the bound listen address>.
    #[arg(long, env = "ZKSHARE_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Wrong passwords after which a secret is destroyed; 0 = never.
    #[arg(long, env = "ZKSHARE_MAX_PASSWORD_FAILURES", default_value_t = 10)]
    pub max_password_failures: u32,

    /// Comma-separated IPs or CIDRs of reverse proxies whose X-Forwarded-For is trusted
    /// for the rate limit's client address.
    #[arg(long, env = "ZKSHARE_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_ip_net)]
    pub trusted_proxies: Vec<IpNet>,

    /// Sustained API requests per second per client IP; 0 disables rate limiting.
    #[arg(long, env = "ZKSHARE_RATE_LIMIT_PER_SECOND", default_value_t = 20)]
    pub rate_limit_per_second: u32,

    /// API requests a client IP may burst above the sustained rate.
    #[arg(long, env = "ZKSHARE_RATE_LIMIT_BURST", default_value_t = 60)]
    pub rate_limit_burst: u32,

    /// Requests handled at once (health probes aside); more get 503 at once instead of
    /// holding memory. 0 = no cap.
    #[arg(long, env = "ZKSHARE_MAX_CONCURRENT_REQUESTS", default_value_t = 256)]
    pub max_concurrent_requests: usize,

    /// Of those, how many one client IP (an IPv6 /64) may have at once; more get 429, so one
    /// client cannot take them all. 0 = no per-client share.
    #[arg(
        long,
        env = "ZKSHARE_MAX_CONCURRENT_REQUESTS_PER_CLIENT",
        default_value_t = 64
    )]
    pub max_concurrent_requests_per_client: usize,

    /// Secrets one client IP (an IPv6 /64) may create per hour; 0 = no quota.
    #[arg(long, env = "ZKSHARE_CREATES_PER_HOUR", default_value_t = 600)]
    pub creates_per_hour: u32,

    /// Seconds after which a request is answered with 408.
    #[arg(long, env = "ZKSHARE_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,

    /// Milliseconds to wait for Redis to connect or answer before replying 503.
    #[arg(long, env = "ZKSHARE_REDIS_TIMEOUT_MS", default_value_t = 2000)]
    pub redis_timeout_ms: u64,

    /// Address (host:port) of a separate listener serving GET /metrics in the Prometheus text
    /// format; off when unset. Keep it off the public network.
    #[arg(long, env = "ZKSHARE_METRICS_LISTEN")]
    pub metrics_listen: Option<String>,

    /// Seconds that SIGTERM or Ctrl-C waits for requests in flight before exiting anyway.
    #[arg(long, env = "ZKSHARE_SHUTDOWN_TIMEOUT_SECS", default_value_t = 20)]
    pub shutdown_timeout_secs: u64,

    /// Log filter (tracing EnvFilter syntax), e.g. "info" or "zkshare_server=debug".
    #[arg(long, env = "ZKSHARE_LOG", default_value = "info")]
    pub log: String,

    /// Log lines as text, or as one JSON object per line for log shippers (same fields).
    #[arg(long, env = "ZKSHARE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Serve the web page from this directory instead of the copy built into the binary.
    #[arg(long, env = "ZKSHARE_WEB_DIR")]
    pub web_dir: Option<PathBuf>,

    /// Print the SHA-256 of every web asset exactly as it would be served (the JSON of
    /// GET /assets.json) and exit. Compare a build from source with a running server's.
    #[arg(long)]
    pub print_asset_hashes: bool,
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

fn parse_ip_net(s: &str) -> Result<IpNet, String> {
    s.trim().parse()
}

impl Config {
    /// Defaults as if started without arguments, ignoring the environment (for tests and tools).
    pub fn defaults() -> Self {
        Self {
            listen: "127.0.0.1:8080".to_string(),
            redis_url: None,
            redis_cluster: Vec::new(),
            data_dir: PathBuf::from("zkshare-data"),
            public_url: None,
            max_password_failures: 10,
            trusted_proxies: Vec::new(),
            rate_limit_per_second: 20,
            rate_limit_burst: 60,
            max_concurrent_requests: 256,
            max_concurrent_requests_per_client: 64,
            creates_per_hour: 600,
            request_timeout_secs: 30,
            redis_timeout_ms: 2000,
            metrics_listen: None,
            shutdown_timeout_secs: 20,
            log: "info".to_string(),
            log_format: LogFormat::Text,
            web_dir: None,
            print_asset_hashes: false,
        }
    }

    /// The base of sharedSecretLink, without a trailing slash.
    pub fn public_base(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => format!("http://{}", self.listen),
        }
    }
}

// The Redis URL may carry a password: never print it.
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("redis_url", &self.redis_url.as_ref().map(|_| "<set>"))
            .field(
                "redis_cluster",
                &format_args!("<{} nodes>", self.redis_cluster.len()),
            )
            .field("data_dir", &self.data_dir)
            .field("public_url", &self.public_url)
            .field("max_password_failures", &self.max_password_failures)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("rate_limit_per_second", &self.rate_limit_per_second)
            .field("rate_limit_burst", &self.rate_limit_burst)
            .field("max_concurrent_requests", &self.max_concurrent_requests)
            .field(
                "max_concurrent_requests_per_client",
                &self.max_concurrent_requests_per_client,
            )
            .field("creates_per_hour", &self.creates_per_hour)
            .field("request_timeout_secs", &self.request_timeout_secs)
            .field("redis_timeout_ms", &self.redis_timeout_ms)
            .field("metrics_listen", &self.metrics_listen)
            .field("shutdown_timeout_secs", &self.shutdown_timeout_secs)
            .field("log", &self.log)
            .field("log_format", &self.log_format)
            .field("web_dir", &self.web_dir)
            .field("print_asset_hashes", &self.print_asset_hashes)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_documented_flags() {
        let c = Config::try_parse_from([
            "zkshare-server",
            "--listen",
            "127.0.0.1:0",
            "--trusted-proxies",
            "10.0.0.0/8,::1",
            "--rate-limit-per-second",
            "0",
            "--public-url",
            "https://x.example/",
        ])
        .unwrap();
        assert_eq!(c.trusted_proxies.len(), 2);
        assert_eq!(c.rate_limit_per_second, 0);
        assert_eq!(c.public_base(), "https://x.example");
        assert!(Config::try_parse_from(["zkshare-server", "--trusted-proxies", "nope"]).is_err());
    }

    #[test]
    fn debug_hides_redis_url() {
        let mut c = Config::defaults();
        c.redis_url = Some("redis://:hunter2@db:6379".into());
        c.redis_cluster = vec!["redis://:hunter3@db:6379".into()];
        let printed = format!("{c:?}");
        assert!(!printed.contains("hunter2") && !printed.contains("hunter3"));
    }

    #[test]
    fn cluster_nodes_are_a_list_and_exclude_a_redis_url() {
        let c = Config::try_parse_from([
            "zkshare-server",
            "--redis-cluster",
            "redis://10.0.0.1:6379,redis://10.0.0.2:6379",
        ])
        .unwrap();
        assert_eq!(c.redis_cluster.len(), 2);
        assert!(
            Config::try_parse_from([
                "zkshare-server",
                "--redis-cluster",
                "redis://10.0.0.1:6379",
                "--redis-url",
                "redis://10.0.0.1:6379",
            ])
            .is_err()
        );
    }
}
