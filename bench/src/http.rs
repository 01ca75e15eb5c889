//! A lean HTTP/1.1 client for the load generator: one TCP connection per worker, kept alive
//! (or, for servers that close after every answer like gunicorn's sync workers, re-opened),
//! requests written from one reused buffer and answers parsed in place. The generator shares
//! the machine's cores with the servers it measures, so every microsecond it spends is taken
//! from them; this client costs a fraction of a general-purpose one.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context as _, anyhow, bail};
use hyper::body::Bytes;
use hyper::{Method, StatusCode};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// How long one request may take before it counts as an error.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The longest response head accepted.
const MAX_HEAD_BYTES: usize = 64 * 1024;

/// One client connection to `addr` (loopback only).
pub struct Conn {
    addr: SocketAddr,
    host: String,
    stream: Option<TcpStream>,
    /// Bytes read but not yet consumed.
    input: Vec<u8>,
    /// The request being written (reused).
    output: Vec<u8>,
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

    /// Appends the request's bytes to `out`.
    fn write_to(&self, host: &str, out: &mut Vec<u8>) {
        out.extend_from_slice(self.method.as_str().as_bytes());
        out.push(b' ');
        out.extend_from_slice(self.path.as_bytes());
        out.extend_from_slice(b" HTTP/1.1\r\nhost: ");
        out.extend_from_slice(host.as_bytes());
        out.extend_from_slice(b"\r\n");
        if let Some(accept) = self.accept {
            out.extend_from_slice(b"accept: ");
            out.extend_from_slice(accept.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        match &self.body {
            Some((content_type, body)) => {
                out.extend_from_slice(b"content-type: ");
                out.extend_from_slice(content_type.as_bytes());
                out.extend_from_slice(
                    format!("\r\ncontent-length: {}\r\n\r\n", body.len()).as_bytes(),
                );
                out.extend_from_slice(body);
            }
            None if self.method == Method::GET => out.extend_from_slice(b"\r\n"),
            None => out.extend_from_slice(b"content-length: 0\r\n\r\n"),
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

/// A parsed response head.
#[derive(Debug, PartialEq, Eq)]
struct Head {
    status: StatusCode,
    /// Length of the head, including the blank line.
    len: usize,
    /// `Content-Length`, if given.
    content_length: Option<usize>,
    /// `Connection: close`.
    close: bool,
}

/// Parses a response head from the front of `buf`: `Ok(None)` if it is not complete yet.
fn parse_head(buf: &[u8]) -> anyhow::Result<Option<Head>> {
    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
        if buf.len() > MAX_HEAD_BYTES {
            bail!("response head longer than {MAX_HEAD_BYTES} bytes");
        }
        return Ok(None);
    };
    let head = std::str::from_utf8(&buf[..end]).context("response head is not UTF-8")?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    if !version.starts_with("HTTP/1.") {
        bail!("not an HTTP/1 response: {status_line:?}");
    }
    let status = parts
        .next()
        .and_then(|code| code.parse::<u16>().ok())
        .and_then(|code| StatusCode::from_u16(code).ok())
        .ok_or_else(|| anyhow!("bad status line {status_line:?}"))?;
    let mut content_length = None;
    let mut close = version == "HTTP/1.0";
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            bail!("bad header line {line:?}");
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            content_length = Some(value.parse().context("bad Content-Length")?);
        } else if name.eq_ignore_ascii_case("connection") {
            close = value.eq_ignore_ascii_case("close");
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            bail!("chunked answers are not supported by the load generator");
        }
    }
    Ok(Some(Head {
        status,
        len: end + 4,
        content_length,
        close,
    }))
}

impl Conn {
    /// Opens the connection.
    pub async fn connect(addr: SocketAddr) -> anyhow::Result<Conn> {
        let mut conn = Conn {
            addr,
            host: addr.to_string(),
            stream: None,
            input: Vec::with_capacity(16 * 1024),
            output: Vec::with_capacity(4 * 1024),
            connects: 0,
        };
        conn.reconnect().await?;
        Ok(conn)
    }

    async fn reconnect(&mut self) -> anyhow::Result<()> {
        self.stream = None;
        self.input.clear();
        let stream = TcpStream::connect(self.addr)
            .await
            .with_context(|| format!("connect {}", self.addr))?;
        stream.set_nodelay(true)?;
        self.stream = Some(stream);
        self.connects += 1;
        Ok(())
    }

    /// Sends `req` and reads the whole answer. A connection the server closed after its last
    /// answer (`Connection: close`) is re-opened before the request is sent, never after, so
    /// nothing is sent twice.
    pub async fn send(&mut self, req: &Req<'_>) -> anyhow::Result<(StatusCode, Bytes)> {
        let result = tokio::time::timeout(REQUEST_TIMEOUT, self.send_inner(req))
            .await
            .map_err(|_| anyhow!("timed out after {REQUEST_TIMEOUT:?}"))
            .and_then(|r| r);
        if result.is_err() {
            // The connection's state is unknown: start the next request on a new one.
            self.stream = None;
        }
        result
    }

    async fn send_inner(&mut self, req: &Req<'_>) -> anyhow::Result<(StatusCode, Bytes)> {
        if self.stream.is_none() {
            self.reconnect().await?;
        }
        let Some(stream) = self.stream.as_mut() else {
            bail!("not connected");
        };
        self.output.clear();
        req.write_to(&self.host, &mut self.output);
        stream
            .write_all(&self.output)
            .await
            .context("sending the request")?;

        self.input.clear();
        let head = loop {
            if let Some(head) = parse_head(&self.input)? {
                break head;
            }
            if stream.read_buf(&mut self.input).await.context("reading")? == 0 {
                bail!("the server closed the connection before answering");
            }
        };
        let body = match head.content_length {
            Some(n) => {
                while self.input.len() < head.len + n {
                    if stream.read_buf(&mut self.input).await.context("reading")? == 0 {
                        bail!("the server closed the connection in the middle of an answer");
                    }
                }
                Bytes::copy_from_slice(&self.input[head.len..head.len + n])
            }
            None if head.close => {
                while stream.read_buf(&mut self.input).await.context("reading")? > 0 {}
                Bytes::copy_from_slice(&self.input[head.len..])
            }
            None => Bytes::new(),
        };
        if head.close {
            self.stream = None;
        }
        Ok((head.status, body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_written_as_http_1_1() {
        let mut out = Vec::new();
        Req::post_json("/api/x", Bytes::from_static(b"{}")).write_to("127.0.0.1:80", &mut out);
        assert_eq!(
            out,
            b"POST /api/x HTTP/1.1\r\nhost: 127.0.0.1:80\r\naccept: application/json\r\n\
content-type: application/json\r\ncontent-length: 2\r\n\r\n{}"
        );
        out.clear();
        Req::get("/").write_to("h", &mut out);
        assert_eq!(out, b"GET / HTTP/1.1\r\nhost: h\r\n\r\n");
        out.clear();
        Req::post_form("/t", Bytes::new()).write_to("h", &mut out);
        assert!(out.ends_with(b"content-length: 0\r\n\r\n"));
    }

    #[test]
    fn response_heads_are_parsed() {
        let ok =
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\ncontent-length: 5\r\n\r\nhello";
        assert_eq!(
            parse_head(ok).unwrap(),
            Some(Head {
                status: StatusCode::OK,
                len: ok.len() - 5,
                content_length: Some(5),
                close: false,
            })
        );
        let close = b"HTTP/1.1 404 NOT FOUND\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
        let head = parse_head(close).unwrap().unwrap();
        assert_eq!((head.status, head.close), (StatusCode::NOT_FOUND, true));
        assert_eq!(parse_head(b"HTTP/1.1 200 OK\r\ncontent-le").unwrap(), None);
        assert!(parse_head(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n").is_err());
        assert!(parse_head(b"SSH-2.0-OpenSSH\r\n\r\n").is_err());
        assert!(parse_head(b"HTTP/1.1 abc\r\n\r\n").is_err());
    }

    #[tokio::test]
    async fn a_keep_alive_server_and_a_closing_one() {
        use tokio::net::TcpListener;
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        // Answers two requests on the first connection, then one per connection with close.
        tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = vec![0u8; 4096];
            for _ in 0..2 {
                let n = s.read(&mut buf).await.unwrap();
                assert!(buf[..n].starts_with(b"GET /a HTTP/1.1\r\n"));
                s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nabc")
                    .await
                    .unwrap();
            }
            drop(s);
            loop {
                let (mut s, _) = listener.accept().await.unwrap();
                let _ = s.read(&mut buf).await.unwrap();
                s.write_all(b"HTTP/1.1 201 Created\r\nconnection: close\r\n\r\nbye")
                    .await
                    .unwrap();
            }
        });
        let mut conn = Conn::connect(addr).await.unwrap();
        for _ in 0..2 {
            let (status, body) = conn.send(&Req::get("/a")).await.unwrap();
            assert_eq!((status, &body[..]), (StatusCode::OK, &b"abc"[..]));
        }
        assert_eq!(conn.connects, 1, "kept alive");
        // The server closed the first connection without saying so: that request fails, the
        // next one goes out on a new connection.
        assert!(conn.send(&Req::get("/b")).await.is_err());
        for _ in 0..2 {
            let (status, body) = conn.send(&Req::get("/c")).await.unwrap();
            assert_eq!((status, &body[..]), (StatusCode::CREATED, &b"bye"[..]));
        }
        assert_eq!(
            conn.connects, 3,
            "one for the keep-alive pair, one per closing answer"
        );
    }
}
