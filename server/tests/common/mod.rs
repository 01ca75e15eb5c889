//! In-process helpers for the server's tests: the router over each store (Redis and the cluster from zkshare-testkit), envelopes, verifiers, HTTP calls.
#![allow(dead_code)]

pub use zkshare_testkit::redis_cluster::RedisCluster;
pub use zkshare_testkit::redis_server::RedisServer;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use tower::ServiceExt as _;
use zkshare_server::mail::Mailer;
use zkshare_server::store::Backend;
use zkshare_server::{AppState, Config, EmbeddedStore, RedisStore};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreKind {
    Redis,
    /// A Redis Cluster of three primaries: any step touching keys of two slots fails there.
    Cluster,
    Embedded,
}

/// Keeps the backing service or directory alive for the test.
pub enum Backing {
    Redis(RedisServer),
    Cluster(RedisCluster),
    Embedded(tempfile::TempDir),
}

/// A connection for inspecting keys, to one Redis or to a cluster.
pub enum Inspector {
    Single(redis::aio::MultiplexedConnection),
    Cluster(redis::cluster_async::ClusterConnection),
}

impl redis::aio::ConnectionLike for Inspector {
    fn req_packed_command<'a>(
        &'a mut self,
        cmd: &'a redis::Cmd,
    ) -> redis::RedisFuture<'a, redis::Value> {
        match self {
            Inspector::Single(c) => c.req_packed_command(cmd),
            Inspector::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a redis::Pipeline,
        offset: usize,
        count: usize,
    ) -> redis::RedisFuture<'a, Vec<redis::Value>> {
        match self {
            Inspector::Single(c) => c.req_packed_commands(pipeline, offset, count),
            Inspector::Cluster(c) => c.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        0
    }
}

/// An async cluster client on `cluster`, for assertions.
pub async fn cluster_client(cluster: &RedisCluster) -> redis::cluster_async::ClusterConnection {
    redis::cluster::ClusterClient::new(cluster.node_urls())
        .unwrap()
        .get_async_connection()
        .await
        .unwrap()
}

pub async fn cluster_store(cluster: &RedisCluster) -> Arc<dyn Backend> {
    Arc::new(
        RedisStore::connect_cluster(&cluster.node_urls(), Duration::from_millis(1000))
            .await
            .unwrap(),
    )
}

/// A router over a fresh store of one kind.
pub struct TestApp {
    pub kind: StoreKind,
    pub router: Router,
    pub store: Arc<dyn Backend>,
    pub config: Arc<Config>,
    pub backing: Backing,
}

/// Config for in-process tests: no rate limit, fixed public URL.
pub fn test_config() -> Config {
    let mut c = Config::defaults();
    c.rate_limit_per_second = 0;
    c.public_url = Some("https://zkshare.test".into());
    c.max_password_failures = 5;
    // Suites create many secrets, and race many readers, from one address; the quota and the
    // per-client share of requests in flight have their own tests.
    c.creates_per_hour = 0;
    c.max_concurrent_requests_per_client = 0;
    c
}

pub async fn redis_store(server: &RedisServer) -> Arc<dyn Backend> {
    Arc::new(
        RedisStore::connect(&server.url(), Duration::from_millis(1000))
            .await
            .unwrap(),
    )
}

pub fn embedded_store(dir: &std::path::Path) -> Arc<dyn Backend> {
    Arc::new(EmbeddedStore::open(dir).unwrap())
}

pub fn router_for(config: Arc<Config>, store: Arc<dyn Backend>) -> Router {
    router_with_mail(config, store, None)
}

/// [`router_for`] with a mailer (account e-mails).
pub fn router_with_mail(
    config: Arc<Config>,
    store: Arc<dyn Backend>,
    mailer: Option<Arc<Mailer>>,
) -> Router {
    zkshare_server::app(AppState::new(config, store, mailer).expect("the embedded web page"))
        .layer(MockConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))))
}

impl TestApp {
    pub async fn new(kind: StoreKind) -> Self {
        Self::with_config(kind, test_config()).await
    }

    pub async fn with_config(kind: StoreKind, config: Config) -> Self {
        Self::with_mail(kind, config, None).await
    }

    /// A test app whose account e-mails go through `mailer`.
    pub async fn with_mail(kind: StoreKind, config: Config, mailer: Option<Arc<Mailer>>) -> Self {
        let config = Arc::new(config);
        let (store, backing) = match kind {
            StoreKind::Redis => {
                let server = RedisServer::start();
                (redis_store(&server).await, Backing::Redis(server))
            }
            StoreKind::Cluster => {
                let cluster = tokio::task::spawn_blocking(|| RedisCluster::start(3, 0))
                    .await
                    .unwrap();
                (cluster_store(&cluster).await, Backing::Cluster(cluster))
            }
            StoreKind::Embedded => {
                let dir = tempfile::tempdir().unwrap();
                (embedded_store(dir.path()), Backing::Embedded(dir))
            }
        };
        let router = router_with_mail(Arc::clone(&config), Arc::clone(&store), mailer);
        Self {
            kind,
            router,
            store,
            config,
            backing,
        }
    }

    pub fn redis(&self) -> Option<&RedisServer> {
        match &self.backing {
            Backing::Redis(r) => Some(r),
            Backing::Cluster(_) | Backing::Embedded(_) => None,
        }
    }

    pub fn redis_mut(&mut self) -> Option<&mut RedisServer> {
        match &mut self.backing {
            Backing::Redis(r) => Some(r),
            Backing::Cluster(_) | Backing::Embedded(_) => None,
        }
    }

    /// A client on the Redis or cluster behind the store; `None` on the embedded store.
    pub async fn inspector(&self) -> Option<Inspector> {
        match &self.backing {
            Backing::Redis(r) => Some(Inspector::Single(r.async_connection().await)),
            Backing::Cluster(c) => Some(Inspector::Cluster(cluster_client(c).await)),
            Backing::Embedded(_) => None,
        }
    }

    /// Sends a raw request.
    pub async fn raw(&self, request: Request<Body>) -> Reply {
        send(&self.router, request).await
    }

    /// Sends `body` as JSON (or nothing).
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut b = Request::builder().method(method).uri(path);
        let body = match body {
            Some(v) => {
                b = b.header("content-type", "application/json");
                Body::from(serde_json::to_vec(&v).unwrap())
            }
            None => Body::empty(),
        };
        self.raw(b.body(body).unwrap()).await
    }

    /// Sends a create with `body`, whatever it answers.
    pub async fn try_create(&self, body: Value) -> Reply {
        self.call(Method::POST, "/api/v1/shared-secrets", Some(body))
            .await
    }

    /// Creates a secret; asserts 200.
    pub async fn create(&self, body: Value) -> Value {
        let r = self.try_create(body).await;
        assert_eq!(r.status, StatusCode::OK, "create failed: {}", r.text);
        r.json()
    }

    pub async fn access(&self, id: &str, password: Option<&str>) -> Reply {
        let body = match password {
            Some(p) => json!({ "password": p }),
            None => json!({}),
        };
        self.call(
            Method::POST,
            &format!("/api/v1/shared-secrets/{id}/access"),
            Some(body),
        )
        .await
    }

    pub async fn get(&self, id: &str) -> Reply {
        self.call(Method::GET, &format!("/api/v1/shared-secrets/{id}"), None)
            .await
    }
}

pub async fn send(router: &Router, request: Request<Body>) -> Reply {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    Reply {
        status,
        headers,
        text: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// A response.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text))
    }

    /// Asserts the status and the API error body; returns the message.
    pub fn assert_error(&self, status: u16) -> String {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text);
        let v = self.json();
        assert_error_body(&v, status);
        v["message"].as_str().unwrap().to_string()
    }
}

/// `{reqId, statusCode, message, error, details?, attemptsLeft?}` and nothing else; details on
/// 400/403, attemptsLeft on 401 only.
pub fn assert_error_body(v: &Value, status: u16) {
    let obj = v
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"));
    for k in obj.keys() {
        assert!(
            ["reqId", "statusCode", "message", "error", "details"].contains(&k.as_str())
                || (k == "attemptsLeft" && status == 401),
            "unexpected key {k} in {v}"
        );
    }
    assert!(
        obj["reqId"]
            .as_str()
            .is_some_and(|s| s.starts_with("req-") && s.len() > 8),
        "{v}"
    );
    assert_eq!(obj["statusCode"], status, "{v}");
    assert!(
        obj["message"].as_str().is_some_and(|s| !s.is_empty()),
        "{v}"
    );
    let reason = StatusCode::from_u16(status)
        .unwrap()
        .canonical_reason()
        .unwrap();
    assert_eq!(obj["error"], reason, "{v}");
    if status == 400 || status == 403 {
        assert!(obj.contains_key("details"), "details missing: {v}");
    }
}

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn random_bytes(n: usize) -> Vec<u8> {
    let mut v = vec![0u8; n];
    getrandom::fill(&mut v).unwrap();
    v
}

/// A structurally valid envelope: header of `mode` with random salt (and OWASP Argon2 params for
/// password modes), body = nonce + `blocks`·256 + tag of random bytes.
pub fn envelope(mode: u8, blocks: usize) -> String {
    let mut header = vec![1u8, mode];
    header.extend(random_bytes(32));
    if mode != 1 {
        header.extend(19_456u32.to_be_bytes());
        header.extend(2u32.to_be_bytes());
        header.extend(1u32.to_be_bytes());
    }
    let body = random_bytes(12 + blocks * 256 + 16);
    format!("{}.{}", b64(&header), b64(&body))
}

/// A small key-mode envelope.
pub fn small_envelope() -> String {
    envelope(1, 1)
}

/// The largest envelope: mode 0x02, 157 blocks = exactly 53,690 characters.
pub fn largest_envelope() -> String {
    let e = envelope(2, 157);
    assert_eq!(e.len(), 53_690);
    e
}

/// A random access verifier, `zkv1.` + 43 characters.
pub fn verifier() -> String {
    format!("zkv1.{}", b64(&random_bytes(32)))
}

pub fn data_dir(app: &TestApp) -> PathBuf {
    match &app.backing {
        Backing::Embedded(d) => d.path().to_path_buf(),
        Backing::Redis(_) | Backing::Cluster(_) => panic!("not embedded"),
    }
}
