//! What the workers do: zkshare API calls, the consume script straight at Redis, SnapPass (over 400 lines: one worker a workload, beside its request).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, anyhow, bail};
use hyper::StatusCode;
use hyper::body::Bytes;
use sha2::{Digest as _, Sha256};
use zkshare_crypto::{Credentials, LinkKey, seal_text};

use crate::http::{Conn, Req};
use crate::load::Worker;
use crate::resp::{self, Reply, RespConn};

/// The consume script, byte for byte the server's (see its header for KEYS/ARGV), with the
/// record layout's offsets the server puts in.
pub const CONSUME_VIEW_LUA: &str = zkshare_server::store::redis::CONSUME_VIEW_LUA;

/// The server's request body limit (`zkshare_server::BODY_LIMIT_BYTES`).
pub const BODY_LIMIT_BYTES: usize = 128 * 1024;

/// The API's collection path.
pub const API: &str = "/api/v1/shared-secrets";

/// A typical secret: an API token (fits one 256-byte payload block: a 426-character envelope).
pub const TYPICAL_SECRET: &str = "sk_live_51HbXq2EXAMPLE0bench0token0aZ9yT4kLmN0pQrStUvWxYz";

/// A real envelope made with the protocol crate, and what a reader sends.
#[derive(Clone)]
pub struct Material {
    pub plaintext: String,
    pub key: String,
    pub envelope: String,
    pub verifier: String,
    /// `{"password": verifier}`: the access body.
    pub access_body: Bytes,
}

impl Material {
    pub fn seal(plaintext: &str) -> anyhow::Result<Material> {
        let key = LinkKey::generate();
        let sealed =
            seal_text(plaintext, &Credentials::Key(&key)).map_err(|e| anyhow!("seal: {e}"))?;
        let access_body = Bytes::from(serde_json::to_vec(
            &serde_json::json!({ "password": sealed.verifier }),
        )?);
        Ok(Material {
            plaintext: plaintext.to_string(),
            key: key.to_b64(),
            envelope: sealed.envelope,
            verifier: sealed.verifier,
            access_body,
        })
    }

    /// The create body; `max_views` None = unlimited.
    pub fn create_body(&self, max_views: Option<u32>) -> Bytes {
        let mut body = serde_json::json!({
            "secretValue": self.envelope,
            "password": self.verifier,
            "expiresIn": "1h",
        });
        if let Some(v) = max_views {
            body["maxViews"] = v.into();
        }
        Bytes::from(serde_json::to_vec(&body).expect("json"))
    }

    /// The largest create body the server accepts (128 KiB): this envelope, its verifier, and as
    /// many `authorizedEmails` as fit. Without an account the policy refuses it (401) before
    /// reading the list; the cell measures what such a body costs the server.
    pub fn largest_create_body(&self) -> Bytes {
        let mut body = serde_json::json!({
            "secretValue": self.envelope,
            "password": self.verifier,
            "expiresIn": "1h",
            "authorizedEmails": [],
        });
        let base = serde_json::to_vec(&body).expect("json").len();
        let mut size = base;
        let mut emails = Vec::new();
        for i in 0.. {
            let email = format!("reader{i}@example.com");
            // The address, its quotes, and a comma.
            let grown = size + email.len() + 3;
            if grown > BODY_LIMIT_BYTES {
                break;
            }
            size = grown;
            emails.push(serde_json::Value::String(email));
        }
        body["authorizedEmails"] = serde_json::Value::Array(emails);
        Bytes::from(serde_json::to_vec(&body).expect("json"))
    }

    /// SHA-256 of the verifier (32 raw bytes): what the server passes the script as ARGV[2].
    pub fn verifier_digest(&self) -> Vec<u8> {
        Sha256::digest(self.verifier.as_bytes()).to_vec()
    }
}

fn expect_ok(status: StatusCode, body: &Bytes, what: &str) -> anyhow::Result<()> {
    if status == StatusCode::OK {
        Ok(())
    } else {
        bail!(
            "{what}: HTTP {status}: {}",
            String::from_utf8_lossy(&body[..body.len().min(200)])
        )
    }
}

fn id_of(body: &Bytes) -> anyhow::Result<String> {
    let v: serde_json::Value = serde_json::from_slice(body).context("create answer is not JSON")?;
    v["id"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow!("create answer has no id"))
}

/// Creates one secret through the API; returns its id.
pub async fn create_one(conn: &mut Conn, body: &Bytes) -> anyhow::Result<String> {
    let (status, answer) = conn.send(&Req::post_json(API, body.clone())).await?;
    expect_ok(status, &answer, "create")?;
    id_of(&answer)
}

/// Creates `count` secrets with `workers` connections; returns their ids.
pub async fn create_many(
    addr: SocketAddr,
    body: Bytes,
    count: usize,
    workers: usize,
) -> anyhow::Result<Vec<String>> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut handles = Vec::new();
    for _ in 0..workers {
        let next = next.clone();
        let body = body.clone();
        handles.push(tokio::spawn(async move {
            let mut conn = Conn::connect(addr).await?;
            let mut ids = Vec::new();
            while next.fetch_add(1, Ordering::Relaxed) < count {
                ids.push(create_one(&mut conn, &body).await?);
            }
            anyhow::Ok(ids)
        }));
    }
    let mut ids = Vec::with_capacity(count);
    for h in handles {
        ids.extend(h.await??);
    }
    Ok(ids)
}

/// `POST /api/v1/shared-secrets`.
pub struct Create {
    pub conn: Conn,
    pub body: Bytes,
}

impl Worker for Create {
    async fn call(&mut self) -> anyhow::Result<bool> {
        let (status, body) = self
            .conn
            .send(&Req::post_json(API, self.body.clone()))
            .await?;
        expect_ok(status, &body, "create")?;
        Ok(true)
    }
}

/// `POST /api/v1/shared-secrets` with the largest body ([`Material::largest_create_body`]),
/// answered 401 (an e-mail list needs an account).
pub struct LargestCreate {
    pub conn: Conn,
    pub body: Bytes,
}

impl Worker for LargestCreate {
    async fn call(&mut self) -> anyhow::Result<bool> {
        let (status, body) = self
            .conn
            .send(&Req::post_json(API, self.body.clone()))
            .await?;
        if status != StatusCode::UNAUTHORIZED {
            bail!(
                "largest create: expected 401, got HTTP {status}: {}",
                String::from_utf8_lossy(&body[..body.len().min(200)])
            );
        }
        Ok(true)
    }
}

/// `GET /api/v1/shared-secrets/{id}`.
pub struct Metadata {
    pub conn: Conn,
    pub path: String,
}

impl Worker for Metadata {
    async fn call(&mut self) -> anyhow::Result<bool> {
        let (status, body) = self.conn.send(&Req::get(&self.path)).await?;
        expect_ok(status, &body, "metadata")?;
        Ok(true)
    }
}

/// `POST /api/v1/shared-secrets/{id}/access` on one unlimited-view secret.
pub struct Access {
    pub conn: Conn,
    pub path: String,
    pub body: Bytes,
}

impl Worker for Access {
    async fn call(&mut self) -> anyhow::Result<bool> {
        let (status, body) = self
            .conn
            .send(&Req::post_json(&self.path, self.body.clone()))
            .await?;
        expect_ok(status, &body, "access")?;
        Ok(true)
    }
}

/// Access on one-view secrets: each iteration consumes a secret no other worker touches.
pub struct AccessOnce {
    pub conn: Conn,
    pub ids: Arc<Vec<String>>,
    pub next: Arc<AtomicUsize>,
    pub body: Bytes,
}

impl Worker for AccessOnce {
    async fn call(&mut self) -> anyhow::Result<bool> {
        let i = self.next.fetch_add(1, Ordering::Relaxed);
        let Some(id) = self.ids.get(i) else {
            return Ok(false);
        };
        let path = format!("{API}/{id}/access");
        let (status, body) = self
            .conn
            .send(&Req::post_json(&path, self.body.clone()))
            .await?;
        // A 404 here means a view was lost or consumed twice: an error.
        expect_ok(status, &body, "one-view access")?;
        Ok(true)
    }
}

/// One create (one view) and one access, as a sender and a reader would.
pub struct CreateAccess {
    pub conn: Conn,
    pub create_body: Bytes,
    pub access_body: Bytes,
}

impl Worker for CreateAccess {
    async fn call(&mut self) -> anyhow::Result<bool> {
        let id = create_one(&mut self.conn, &self.create_body).await?;
        let path = format!("{API}/{id}/access");
        let (status, body) = self
            .conn
            .send(&Req::post_json(&path, self.access_body.clone()))
            .await?;
        expect_ok(status, &body, "access after create")?;
        Ok(true)
    }
}

/// The server's consume script sent straight to Redis (EVALSHA) with the arguments the server
/// would pass for an anonymous reader with the right verifier, by a minimal RESP client.
pub struct RawLua {
    pub conn: RespConn,
    pub sha: String,
    pub key: String,
    pub digest: Vec<u8>,
}

impl RawLua {
    /// Connects to Redis at `addr` (its own connection) and loads the script.
    pub async fn connect(addr: SocketAddr, id: &str, digest: Vec<u8>) -> anyhow::Result<RawLua> {
        let mut conn = RespConn::connect(addr).await?;
        let sha = match conn
            .call(&resp::encode(&[
                b"SCRIPT",
                b"LOAD",
                CONSUME_VIEW_LUA.as_bytes(),
            ]))
            .await?
        {
            Reply::Bulk(Some(sha)) => String::from_utf8(sha)?,
            other => bail!("SCRIPT LOAD answered {other:?}"),
        };
        Ok(RawLua {
            conn,
            sha,
            key: zkshare_server::store::redis::secret_key(id),
            digest,
        })
    }
}

fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl Worker for RawLua {
    async fn call(&mut self) -> anyhow::Result<bool> {
        let now = now_millis().to_string();
        let command = resp::encode(&[
            b"EVALSHA",
            self.sha.as_bytes(),
            b"1",
            self.key.as_bytes(),
            now.as_bytes(),
            &self.digest,
            b"10",
            b"0",
        ]);
        let reply = self.conn.call(&command).await?;
        match reply.first_text() {
            Some("granted") => Ok(true),
            _ => bail!("consume_view.lua answered {reply:?}"),
        }
    }
}

/// SnapPass as its web form uses it: `POST /` (password, ttl) then `POST /<token>` (reveal).
pub struct SnapPass {
    pub conn: Conn,
    pub form: Bytes,
}

impl SnapPass {
    pub fn form_body(secret: &str) -> Bytes {
        let mut body = String::from("password=");
        body.push_str(&form_encode(secret));
        body.push_str("&ttl=hour");
        Bytes::from(body)
    }
}

/// `application/x-www-form-urlencoded` encoding of one value.
pub fn form_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The path of a SnapPass link (`https://host/<quoted token>`).
pub fn snappass_path(link: &str) -> anyhow::Result<String> {
    let rest = link
        .split_once("://")
        .map(|(_, r)| r)
        .ok_or_else(|| anyhow!("link without scheme: {link}"))?;
    let path = rest
        .find('/')
        .map(|i| &rest[i..])
        .ok_or_else(|| anyhow!("link without path: {link}"))?;
    Ok(path.to_string())
}

impl SnapPass {
    /// One create and one reveal; returns the revealed page.
    pub async fn create_reveal(&mut self) -> anyhow::Result<Bytes> {
        let mut create = Req::post_form("/", self.form.clone());
        create.accept = Some("application/json");
        let (status, body) = self.conn.send(&create).await?;
        expect_ok(status, &body, "snappass create")?;
        let v: serde_json::Value =
            serde_json::from_slice(&body).context("snappass create answer is not JSON")?;
        let link = v["link"]
            .as_str()
            .ok_or_else(|| anyhow!("snappass answer has no link"))?;
        let path = snappass_path(link)?;
        let (status, page) = self.conn.send(&Req::post_form(&path, Bytes::new())).await?;
        expect_ok(status, &page, "snappass reveal")?;
        Ok(page)
    }
}

impl Worker for SnapPass {
    async fn call(&mut self) -> anyhow::Result<bool> {
        self.create_reveal().await?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snappass_links_become_paths() {
        assert_eq!(
            snappass_path("https://127.0.0.1:5000/snappassab12~key%3D").unwrap(),
            "/snappassab12~key%3D"
        );
        assert!(snappass_path("nope").is_err());
    }

    #[test]
    fn form_values_are_encoded() {
        assert_eq!(form_encode("a b&c=d/é"), "a+b%26c%3Dd%2F%C3%A9");
    }

    #[test]
    fn the_largest_create_body_just_fits_the_limit() {
        let m = Material::seal(TYPICAL_SECRET).unwrap();
        let body = m.largest_create_body();
        assert!(body.len() <= BODY_LIMIT_BYTES, "{}", body.len());
        assert!(body.len() > BODY_LIMIT_BYTES - 64, "{}", body.len());
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert!(v["authorizedEmails"].as_array().unwrap().len() > 5_000);
        assert_eq!(v["secretValue"], m.envelope);
    }

    #[test]
    fn material_is_a_real_envelope() {
        let m = Material::seal(TYPICAL_SECRET).unwrap();
        assert_eq!(m.envelope.len(), 426);
        assert!(m.verifier.starts_with("zkv1."));
        assert_eq!(m.verifier_digest().len(), 32);
        let key = LinkKey::from_b64(&m.key).unwrap();
        let text = zkshare_crypto::open_text(&m.envelope, &Credentials::Key(&key)).unwrap();
        assert_eq!(*text, *TYPICAL_SECRET);
    }
}
