//! A lean HTTP/1.1 client for the load generator: one TCP connection per worker, kept alive
//! (or, for servers that close after every answer like gunicorn's sync workers, re-opened).

use std::net::SocketAddr;
use std::pin::Pin;
use std::time::Duration;

use anyhow::{Context as _, anyhow, bail};
use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::{Connection, SendRequest};
use hyper::{Method, Request, StatusCode, header};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// How long one request may take before it counts as an error.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

type Driver = Pin<Box<Connection<TokioIo<TcpStream>, Full<Bytes>>>>;

/// One client connection to `addr` (loopback only). The connection is driven inside the
/// worker's own task (no task per connection), which keeps the generator's CPU per request low.
pub struct Conn {
    addr: SocketAddr,
    host: String,
    sender: Option<SendRequest<Full<Bytes>>>,
    driver: Option<Driver>,
    /// Connections opened so far (1 for a kept-alive connection).
    pub connects: u64,
}

/// A request: method, path, optional body with its content type, extra headers.
pub struct Req<'a> {
    pub method: Method,
    pub path: &'a str,
    pub body: Option<(&'static str, Bytes)>,
    pub accept: Option<&'static str>,
}

impl<'a> Req<'a> {
    pub fn get(path: &'a str) -> Self {
        Req {
            method: Method::GET,
            path,
            body: None,
            accept: None,
        }
    }

    pub fn post_json(path: &'a str, body: Bytes) -> Self {
        Req {
            method: Method::POST,
            path,
            body: Some(("application/json", body)),
            accept: Some("application/json"),
        }
    }

    pub fn post_form(path: &'a str, body: Bytes) -> Self {
        Req {
            method: Method::POST,
            path,
            body: Some(("application/x-www-form-urlencoded", body)),
            accept: None,
        }
    }
}

/// Parses `http://127.0.0.1:PORT` (with or without a trailing slash) into a socket address,
/// refusing anything that is not loopback.
pub fn loopback_addr(base_url: &str) -> anyhow::Result<SocketAddr> {
    let hostport = base_url.trim_start_matches("http://").trim_end_matches('/');
    let addr: SocketAddr = hostport
        .parse()
        .with_context(|| format!("not an ip:port URL: {base_url}"))?;
    anyhow::ensure!(
        addr.ip().is_loopback(),
        "refusing to load-test a non-loopback address {addr}"
    );
    Ok(addr)
}

impl Conn {
    /// Opens the connection.
    pub async fn connect(addr: SocketAddr) -> anyhow::Result<Conn> {
        let mut conn = Conn {
            addr,
            host: addr.to_string(),
            sender: None,
            driver: None,
            connects: 0,
        };
        conn.reconnect().await?;
        Ok(conn)
    }

    async fn reconnect(&mut self) -> anyhow::Result<()> {
        self.sender = None;
        self.driver = None;
        let stream = TcpStream::connect(self.addr)
            .await
            .with_context(|| format!("connect {}", self.addr))?;
        stream.set_nodelay(true)?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .context("HTTP handshake")?;
        self.sender = Some(sender);
        self.driver = Some(Box::pin(connection));
        self.connects += 1;
        Ok(())
    }

    /// Waits until the connection can take a request, driving it; false if it is closed.
    async fn ready(&mut self) -> bool {
        let (Some(sender), Some(driver)) = (self.sender.as_mut(), self.driver.as_mut()) else {
            return false;
        };
        if sender.is_closed() {
            return false;
        }
        if sender.is_ready() {
            return true;
        }
        tokio::select! {
            biased;
            r = sender.ready() => r.is_ok(),
            _ = driver.as_mut() => false,
        }
    }

    /// Sends `req` and reads the whole answer. A connection the server closed (keep-alive
    /// refused) is re-opened before the request is sent, never after, so nothing is sent twice.
    pub async fn send(&mut self, req: &Req<'_>) -> anyhow::Result<(StatusCode, Bytes)> {
        tokio::time::timeout(REQUEST_TIMEOUT, self.send_inner(req))
            .await
            .map_err(|_| anyhow!("timed out after {REQUEST_TIMEOUT:?}"))?
    }

    async fn send_inner(&mut self, req: &Req<'_>) -> anyhow::Result<(StatusCode, Bytes)> {
        if !self.ready().await {
            self.reconnect().await?;
            anyhow::ensure!(self.ready().await, "a new connection is not ready");
        }
        let mut builder = Request::builder()
            .method(req.method.clone())
            .uri(req.path)
            .header(header::HOST, &self.host);
        if let Some(accept) = req.accept {
            builder = builder.header(header::ACCEPT, accept);
        }
        let body = match &req.body {
            Some((content_type, bytes)) => {
                builder = builder.header(header::CONTENT_TYPE, *content_type);
                Full::new(bytes.clone())
            }
            None => Full::new(Bytes::new()),
        };
        let request = builder.body(body)?;
        let (result, driver_ended) = {
            let (Some(sender), Some(driver)) = (self.sender.as_mut(), self.driver.as_mut()) else {
                bail!("not connected");
            };
            let exchange = async move {
                let response = sender.send_request(request).await?;
                let status = response.status();
                let keep_alive = !response
                    .headers()
                    .get(header::CONNECTION)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.eq_ignore_ascii_case("close"));
                let bytes = response.into_body().collect().await?.to_bytes();
                Ok::<_, hyper::Error>((status, keep_alive, bytes))
            };
            tokio::pin!(exchange);
            // Drive the connection and the exchange together; a connection that ends first
            // (the server closes after its answer) may still have delivered the whole answer.
            tokio::select! {
                biased;
                r = &mut exchange => (r, false),
                _ = driver.as_mut() => (exchange.await, true),
            }
        };
        match result {
            Ok((status, keep_alive, bytes)) => {
                if !keep_alive || driver_ended {
                    self.sender = None;
                    self.driver = None;
                }
                Ok((status, bytes))
            }
            Err(e) => {
                self.sender = None;
                self.driver = None;
                Err(anyhow!("request failed: {e}"))
            }
        }
    }
}
