//! Server configuration: one clap parser; every option also reads an environment variable.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use clap::{Parser, Subcommand};

use crate::accounts::{Settings as AccountSettings, Signups};
use crate::net::IpNet;

/// zkshare server: stores and serves end-to-end encrypted secrets. It only ever holds
/// ciphertext envelopes made by the client; it cannot decrypt them.
#[derive(Parser, Clone, Debug)]
#[command(name = "zkshare-server", version, about, long_about = None)]
pub struct Config {
    /// What to do instead of serving.
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Address to listen on (host:port). Port 0 picks a free port; the start line shows it.
    #[arg(long, env = "ZKSHARE_LISTEN", default_value = DEFAULT_LISTEN)]
    pub listen: String,

    /// Redis URL (e.g. redis://127.0.0.1:6379). Without it the embedded store is used.
    #[arg(long, env = "REDIS_URL")]
    pub redis_url: Option<Redacted<String>>,

    /// Redis Cluster seed nodes, comma-separated redis:// URLs (e.g.
    /// redis://10.0.0.1:6379,redis://10.0.0.2:6379); the client finds the other nodes itself.
    /// Instead of --redis-url.
    #[arg(
        long,
        env = "ZKSHARE_REDIS_CLUSTER",
        value_delimiter = ',',
        conflicts_with = "redis_url"
    )]
    pub redis_cluster: Vec<Redacted<String>>,

    /// Directory of the embedded store (file zkshare.redb). Unused with --redis-url.
    #[arg(long, env = "ZKSHARE_DATA_DIR", default_value = DEFAULT_DATA_DIR)]
    pub data_dir: PathBuf,

    /// Public base URL used in sharedSecretLink (e.g. https://share.example.com).
    /// Default: http://<the bound listen address>.
    #[arg(long, env = "ZKSHARE_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Wrong passwords after which a secret is destroyed; 0 = never.
    #[arg(long, env = "ZKSHARE_MAX_PASSWORD_FAILURES", default_value_t = DEFAULT_MAX_PASSWORD_FAILURES)]
    pub max_password_failures: u32,

    /// Comma-separated IPs or CIDRs of reverse proxies whose X-Forwarded-For is trusted
    /// for the rate limit's client address.
    #[arg(long, env = "ZKSHARE_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_ip_net)]
    pub trusted_proxies: Vec<IpNet>,

    /// Sustained API requests per second per client IP; 0 disables rate limiting.
    #[arg(long, env = "ZKSHARE_RATE_LIMIT_PER_SECOND", default_value_t = DEFAULT_RATE_LIMIT_PER_SECOND)]
    pub rate_limit_per_second: u32,

    /// API requests a client IP may burst above the sustained rate.
    #[arg(long, env = "ZKSHARE_RATE_LIMIT_BURST", default_value_t = DEFAULT_RATE_LIMIT_BURST)]
    pub rate_limit_burst: u32,

    /// Requests handled at once (health probes aside); more get 503 at once instead of
    /// holding memory. 0 = no cap.
    #[arg(long, env = "ZKSHARE_MAX_CONCURRENT_REQUESTS", default_value_t = DEFAULT_MAX_CONCURRENT_REQUESTS)]
    pub max_concurrent_requests: usize,

    /// Of those, how many one client IP (an IPv6 /64) may have at once; more get 429, so one
    /// client cannot take them all. 0 = no per-client share.
    #[arg(
        long,
        env = "ZKSHARE_MAX_CONCURRENT_REQUESTS_PER_CLIENT",
        default_value_t = DEFAULT_MAX_CONCURRENT_REQUESTS_PER_CLIENT
    )]
    pub max_concurrent_requests_per_client: usize,

    /// Secrets one client IP (an IPv6 /64) may create per hour; 0 = no quota.
    #[arg(long, env = "ZKSHARE_CREATES_PER_HOUR", default_value_t = DEFAULT_CREATES_PER_HOUR)]
    pub creates_per_hour: u32,

    /// Seconds after which a request is answered with 408.
    #[arg(long, env = "ZKSHARE_REQUEST_TIMEOUT_SECS", default_value_t = DEFAULT_REQUEST_TIMEOUT_SECS)]
    pub request_timeout_secs: u64,

    /// Milliseconds to wait for Redis to connect or answer before replying 503.
    #[arg(long, env = "ZKSHARE_REDIS_TIMEOUT_MS", default_value_t = DEFAULT_REDIS_TIMEOUT_MS)]
    pub redis_timeout_ms: u64,

    /// Address (host:port) of a separate listener serving GET /metrics in the Prometheus text
    /// format; off when unset. Keep it off the public network.
    #[arg(long, env = "ZKSHARE_METRICS_LISTEN")]
    pub metrics_listen: Option<String>,

    /// Seconds that SIGTERM or Ctrl-C waits for requests in flight before exiting anyway.
    #[arg(long, env = "ZKSHARE_SHUTDOWN_TIMEOUT_SECS", default_value_t = DEFAULT_SHUTDOWN_TIMEOUT_SECS)]
    pub shutdown_timeout_secs: u64,

    /// Log filter (tracing EnvFilter syntax), e.g. "info" or "zkshare_server=debug".
    #[arg(long, env = "ZKSHARE_LOG", global = true, default_value = DEFAULT_LOG)]
    pub log: String,

    /// Log lines as text, or as one JSON object per line for log shippers (same fields).
    #[arg(long, env = "ZKSHARE_LOG_FORMAT", value_enum, default_value_t = DEFAULT_LOG_FORMAT)]
    pub log_format: LogFormat,

    /// Serve the web page from this directory instead of the copy built into the binary.
    #[arg(long, env = "ZKSHARE_WEB_DIR")]
    pub web_dir: Option<PathBuf>,

    /// Outgoing mail relay: smtp://[user:password@]host[:port] (port 587, STARTTLS required) or
    /// smtps://[user:password@]host[:port] (port 465, implicit TLS). Percent-encode reserved
    /// characters of the user and password. Without it (and without --mail-to-console) the
    /// server sends no mail.
    #[arg(long, env = "ZKSHARE_SMTP_URL", global = true)]
    pub smtp_url: Option<Redacted<String>>,

    /// Extra trusted CA certificate(s), PEM, for a relay with a private CA; the public roots
    /// stay trusted.
    #[arg(long, env = "ZKSHARE_SMTP_CA_FILE", global = true)]
    pub smtp_ca_file: Option<PathBuf>,

    /// Let an smtp:// URL send without TLS. Refused at start unless the relay's host is a
    /// loopback address or `localhost` (a local MTA); never for a remote relay.
    #[arg(long, env = "ZKSHARE_SMTP_INSECURE_LOCALHOST", global = true)]
    pub smtp_insecure_localhost: bool,

    /// Seconds to wait for the relay to connect or answer before a send fails.
    #[arg(long, env = "ZKSHARE_SMTP_TIMEOUT_SECS", global = true, default_value_t = DEFAULT_SMTP_TIMEOUT_SECS)]
    pub smtp_timeout_secs: u64,

    /// Sender of outgoing mail, e.g. "zkshare <noreply@share.example.com>". Required with
    /// --smtp-url.
    #[arg(long, env = "ZKSHARE_MAIL_FROM", global = true)]
    pub mail_from: Option<String>,

    /// DEVELOPMENT ONLY: print outgoing mail (with its one-time codes) on standard output
    /// instead of sending it. Never use it in production.
    #[arg(
        long,
        env = "ZKSHARE_MAIL_TO_CONSOLE",
        global = true,
        conflicts_with = "smtp_url"
    )]
    pub mail_to_console: bool,

    /// Who may create an account: open (anyone with an e-mail address), invite-only (people
    /// holding an invitation, with the invited address) or closed (nobody; existing accounts
    /// keep working). Sign-up needs mail (--smtp-url, or --mail-to-console in development).
    #[arg(long, env = "ZKSHARE_SIGNUPS", value_enum, default_value_t = Signups::Open)]
    pub signups: Signups,

    /// A signed-in session unused this many minutes ends.
    #[arg(long, env = "ZKSHARE_SESSION_IDLE_MINUTES", default_value_t = DEFAULT_SESSION_IDLE_MINUTES)]
    pub session_idle_minutes: u32,

    /// A signed-in session ends this many hours after sign-in, used or not.
    #[arg(long, env = "ZKSHARE_SESSION_MAX_HOURS", default_value_t = DEFAULT_SESSION_MAX_HOURS)]
    pub session_max_hours: u32,

    /// Lifetime of a machine identity's access token, in seconds.
    #[arg(long, env = "ZKSHARE_ACCESS_TOKEN_TTL_SECS", default_value_t = DEFAULT_ACCESS_TOKEN_TTL_SECS)]
    pub access_token_ttl_secs: u32,

    /// The older spelling of the print-asset-hashes subcommand, kept for scripts.
    #[arg(long, hide = true)]
    pub print_asset_hashes: bool,
}

/// The subcommands.
#[derive(Subcommand, Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// Print the SHA-256 of every web asset exactly as it would be served (the JSON of
    /// GET /assets.json) and exit. Compare a build from source with a running server's.
    PrintAssetHashes,
    /// Send one test message with the mail settings (--smtp-url, --mail-from, ...) and exit:
    /// 0 when the relay accepted it, 1 with the reason (connection, TLS, authentication,
    /// refusal) when not.
    SendTestMail {
        /// The recipient's address.
        #[arg(long)]
        to: String,
    },
}

/// A configuration value that must never be printed (a Redis URL may hold a password): its
/// `Debug` says `[redacted]`; [`Redacted::expose`] gives the value to the one place that uses it.
#[derive(Clone, PartialEq, Eq)]
pub struct Redacted<T>(T);

impl<T> Redacted<T> {
    /// Wraps a secret value.
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// The value itself.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Redacted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl<T: FromStr> FromStr for Redacted<T> {
    type Err = T::Err;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse().map(Self)
    }
}

impl<T> From<T> for Redacted<T> {
    fn from(value: T) -> Self {
        Self(value)
    }
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

// Each default once: the parser and `Config::defaults` both read these.
const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
const DEFAULT_DATA_DIR: &str = "zkshare-data";
const DEFAULT_MAX_PASSWORD_FAILURES: u32 = 10;
const DEFAULT_RATE_LIMIT_PER_SECOND: u32 = 20;
const DEFAULT_RATE_LIMIT_BURST: u32 = 60;
const DEFAULT_MAX_CONCURRENT_REQUESTS: usize = 256;
const DEFAULT_MAX_CONCURRENT_REQUESTS_PER_CLIENT: usize = 64;
const DEFAULT_CREATES_PER_HOUR: u32 = 600;
const DEFAULT_REQUEST_TIMEOUT_SECS: u64 = 30;
const DEFAULT_REDIS_TIMEOUT_MS: u64 = 2000;
const DEFAULT_SHUTDOWN_TIMEOUT_SECS: u64 = 20;
const DEFAULT_SMTP_TIMEOUT_SECS: u64 = 10;
const DEFAULT_LOG: &str = "info";
const DEFAULT_SESSION_IDLE_MINUTES: u32 = 12 * 60;
const DEFAULT_SESSION_MAX_HOURS: u32 = 7 * 24;
const DEFAULT_ACCESS_TOKEN_TTL_SECS: u32 = 7_200;
const DEFAULT_LOG_FORMAT: LogFormat = LogFormat::Text;

fn parse_ip_net(s: &str) -> Result<IpNet, String> {
    s.trim().parse()
}

impl Config {
    /// Defaults as if started without arguments, ignoring the environment (for tests and tools).
    pub fn defaults() -> Self {
        Self {
            command: None,
            listen: DEFAULT_LISTEN.to_string(),
            redis_url: None,
            redis_cluster: Vec::new(),
            data_dir: PathBuf::from(DEFAULT_DATA_DIR),
            public_url: None,
            max_password_failures: DEFAULT_MAX_PASSWORD_FAILURES,
            trusted_proxies: Vec::new(),
            rate_limit_per_second: DEFAULT_RATE_LIMIT_PER_SECOND,
            rate_limit_burst: DEFAULT_RATE_LIMIT_BURST,
            max_concurrent_requests: DEFAULT_MAX_CONCURRENT_REQUESTS,
            max_concurrent_requests_per_client: DEFAULT_MAX_CONCURRENT_REQUESTS_PER_CLIENT,
            creates_per_hour: DEFAULT_CREATES_PER_HOUR,
            request_timeout_secs: DEFAULT_REQUEST_TIMEOUT_SECS,
            redis_timeout_ms: DEFAULT_REDIS_TIMEOUT_MS,
            metrics_listen: None,
            shutdown_timeout_secs: DEFAULT_SHUTDOWN_TIMEOUT_SECS,
            log: DEFAULT_LOG.to_string(),
            log_format: DEFAULT_LOG_FORMAT,
            web_dir: None,
            smtp_url: None,
            smtp_ca_file: None,
            smtp_insecure_localhost: false,
            smtp_timeout_secs: DEFAULT_SMTP_TIMEOUT_SECS,
            mail_from: None,
            mail_to_console: false,
            signups: Signups::Open,
            session_idle_minutes: DEFAULT_SESSION_IDLE_MINUTES,
            session_max_hours: DEFAULT_SESSION_MAX_HOURS,
            access_token_ttl_secs: DEFAULT_ACCESS_TOKEN_TTL_SECS,
            print_asset_hashes: false,
        }
    }

    /// The account features' settings.
    pub fn account_settings(&self) -> AccountSettings {
        AccountSettings {
            signups: self.signups,
            session_idle_ms: i64::from(self.session_idle_minutes.max(1)) * 60_000,
            session_absolute_ms: i64::from(self.session_max_hours.max(1)) * 3_600_000,
            access_token_ttl_secs: self.access_token_ttl_secs.max(60),
            public_base: self.public_base(),
        }
    }

    /// Whether to print the asset hashes and exit (the subcommand or its older flag).
    pub fn prints_asset_hashes(&self) -> bool {
        self.print_asset_hashes || self.command == Some(Command::PrintAssetHashes)
    }

    /// The recipient of the send-test-mail subcommand, when that is what was asked.
    pub fn test_mail_recipient(&self) -> Option<&str> {
        match &self.command {
            Some(Command::SendTestMail { to }) => Some(to),
            _ => None,
        }
    }

    /// Whether the public base URL is `https://` (HSTS, and a `Secure`, `__Host-` session cookie).
    pub fn is_https(&self) -> bool {
        self.public_base()
            .get(..8)
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
    }

    /// The base of sharedSecretLink, without a trailing slash.
    pub fn public_base(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => format!("http://{}", self.listen),
        }
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
        c.redis_url = Some(Redacted::new("redis://:hunter2@db:6379".into()));
        c.redis_cluster = vec![Redacted::new("redis://:hunter3@db:6379".into())];
        let printed = format!("{c:?}");
        assert!(!printed.contains("hunter2") && !printed.contains("hunter3"));
        assert!(printed.contains("[redacted]"));
        // Parsed from the command line, too.
        let c = Config::try_parse_from(["zkshare-server", "--redis-url", "redis://:hunter4@db"])
            .unwrap();
        assert_eq!(
            c.redis_url.as_ref().unwrap().expose(),
            "redis://:hunter4@db"
        );
        assert!(!format!("{c:?}").contains("hunter4"));
    }

    #[test]
    fn print_asset_hashes_is_a_subcommand_and_an_older_flag() {
        let c = Config::try_parse_from(["zkshare-server", "print-asset-hashes"]).unwrap();
        assert!(c.prints_asset_hashes());
        let c = Config::try_parse_from(["zkshare-server", "--print-asset-hashes"]).unwrap();
        assert!(c.prints_asset_hashes());
        assert!(!Config::defaults().prints_asset_hashes());
        assert!(
            !Config::try_parse_from(["zkshare-server"])
                .unwrap()
                .prints_asset_hashes()
        );
    }

    #[test]
    fn defaults_agree_with_the_parser() {
        let parsed = Config::try_parse_from(["zkshare-server"]).unwrap();
        if std::env::vars().any(|(k, _)| k.starts_with("ZKSHARE_") || k == "REDIS_URL") {
            return;
        }
        assert_eq!(format!("{parsed:?}"), format!("{:?}", Config::defaults()));
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
