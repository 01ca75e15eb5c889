//! A minimal RESP2 client (one TCP connection, one command at a time) for the raw-Redis
//! reference: as little client work as possible, so the reference is Redis's own limit.

use std::net::SocketAddr;

use anyhow::{Context as _, anyhow, bail};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// A RESP2 reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Simple(String),
    Error(String),
    Int(i64),
    Bulk(Option<Vec<u8>>),
    Array(Option<Vec<Reply>>),
}

impl Reply {
    /// The first element of an array reply as text (e.g. the consume script's status).
    pub fn first_text(&self) -> Option<&str> {
        match self {
            Reply::Array(Some(items)) => match items.first()? {
                Reply::Bulk(Some(b)) => std::str::from_utf8(b).ok(),
                Reply::Simple(s) => Some(s),
                _ => None,
            },
            _ => None,
        }
    }
}

/// Encodes a command as a RESP array of bulk strings.
pub fn encode(args: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + args.iter().map(|a| a.len() + 16).sum::<usize>());
    out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

fn line(buf: &[u8]) -> Option<(&[u8], usize)> {
    let end = buf.windows(2).position(|w| w == b"\r\n")?;
    Some((&buf[..end], end + 2))
}

fn number(bytes: &[u8]) -> anyhow::Result<i64> {
    std::str::from_utf8(bytes)?
        .parse()
        .map_err(|e| anyhow!("bad RESP number: {e}"))
}

/// Parses one reply from the front of `buf`: `Ok(None)` if it is not complete yet.
pub fn parse(buf: &[u8]) -> anyhow::Result<Option<(Reply, usize)>> {
    let Some(&kind) = buf.first() else {
        return Ok(None);
    };
    let Some((head, mut used)) = line(&buf[1..]) else {
        return Ok(None);
    };
    used += 1;
    let reply = match kind {
        b'+' => Reply::Simple(String::from_utf8_lossy(head).into_owned()),
        b'-' => Reply::Error(String::from_utf8_lossy(head).into_owned()),
        b':' => Reply::Int(number(head)?),
        b'$' => {
            let n = number(head)?;
            if n < 0 {
                Reply::Bulk(None)
            } else {
                let n = n as usize;
                if buf.len() < used + n + 2 {
                    return Ok(None);
                }
                let data = buf[used..used + n].to_vec();
                used += n + 2;
                Reply::Bulk(Some(data))
            }
        }
        b'*' => {
            let n = number(head)?;
            if n < 0 {
                Reply::Array(None)
            } else {
                let mut items = Vec::with_capacity(n as usize);
                for _ in 0..n {
                    match parse(&buf[used..])? {
                        Some((item, k)) => {
                            items.push(item);
                            used += k;
                        }
                        None => return Ok(None),
                    }
                }
                Reply::Array(Some(items))
            }
        }
        other => bail!("unexpected RESP type byte {other:#x}"),
    };
    Ok(Some((reply, used)))
}

/// One connection to Redis.
pub struct RespConn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl RespConn {
    pub async fn connect(addr: SocketAddr) -> anyhow::Result<RespConn> {
        anyhow::ensure!(addr.ip().is_loopback(), "Redis must be on loopback");
        let stream = TcpStream::connect(addr)
            .await
            .with_context(|| format!("connect to Redis at {addr}"))?;
        stream.set_nodelay(true)?;
        Ok(RespConn {
            stream,
            buf: Vec::with_capacity(8192),
        })
    }

    /// Sends an encoded command and reads its reply.
    pub async fn call(&mut self, command: &[u8]) -> anyhow::Result<Reply> {
        self.stream.write_all(command).await?;
        self.buf.clear();
        loop {
            if let Some((reply, used)) = parse(&self.buf)? {
                anyhow::ensure!(used == self.buf.len(), "unexpected bytes after the reply");
                return Ok(reply);
            }
            let n = self.stream.read_buf(&mut self.buf).await?;
            if n == 0 {
                bail!("Redis closed the connection");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_and_parses() {
        assert_eq!(encode(&[b"GET", b"k"]), b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
        let wire = b"*3\r\n$7\r\ngranted\r\n$-1\r\n:5\r\n";
        let (reply, used) = parse(wire).unwrap().unwrap();
        assert_eq!(used, wire.len());
        assert_eq!(reply.first_text(), Some("granted"));
        assert_eq!(
            reply,
            Reply::Array(Some(vec![
                Reply::Bulk(Some(b"granted".to_vec())),
                Reply::Bulk(None),
                Reply::Int(5)
            ]))
        );
        for cut in 0..wire.len() {
            assert!(
                parse(&wire[..cut]).unwrap().is_none(),
                "incomplete at {cut}"
            );
        }
        assert_eq!(
            parse(b"-NOSCRIPT x\r\n").unwrap().unwrap().0,
            Reply::Error("NOSCRIPT x".into())
        );
    }
}
