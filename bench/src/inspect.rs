//! What the run reads from the systems under test: a real secret's round trip, Redis INFO and memory per secret, the store file's size.

use std::time::Duration;

use anyhow::{Context as _, anyhow, bail};
use hyper::body::Bytes;
use zkshare_testkit::redis_server::RedisServer;

use crate::http::{Conn, Req};
use crate::results::Memory;
use crate::workloads::{self, API, Material, create_many};

/// Create, read metadata, consume and open a real secret; a one-view secret must then be gone.
pub async fn sanity_check(addr: std::net::SocketAddr, material: &Material) -> anyhow::Result<()> {
    let mut conn = Conn::connect(addr).await?;
    let id = workloads::create_one(&mut conn, &material.create_body(Some(1))).await?;
    let (status, meta) = conn.send(&Req::get(&format!("{API}/{id}"))).await?;
    anyhow::ensure!(status.is_success(), "metadata: HTTP {status}");
    let meta: serde_json::Value = serde_json::from_slice(&meta)?;
    let header = meta["envelopeHeader"].as_str().unwrap_or_default();
    anyhow::ensure!(
        material.envelope.starts_with(&format!("{header}.")),
        "envelopeHeader is not the envelope's header"
    );
    let path = format!("{API}/{id}/access");
    let (status, body) = conn
        .send(&Req::post_json(&path, material.access_body.clone()))
        .await?;
    anyhow::ensure!(status.is_success(), "access: HTTP {status}");
    let body: serde_json::Value = serde_json::from_slice(&body)?;
    let envelope = body["secretValue"]
        .as_str()
        .ok_or_else(|| anyhow!("access answer has no secretValue"))?;
    let key = zkshare_crypto::LinkKey::from_b64(&material.key).map_err(|_| anyhow!("key"))?;
    let text = zkshare_crypto::open_text(envelope, &zkshare_crypto::Credentials::Key(&key))
        .map_err(|_| anyhow!("the served envelope does not open"))?;
    anyhow::ensure!(*text == material.plaintext, "opened another text");
    let (status, _) = conn
        .send(&Req::post_json(&path, material.access_body.clone()))
        .await?;
    if status.as_u16() != 404 {
        bail!("a one-view secret answered {status} to a second access");
    }
    Ok(())
}

/// `INFO section` of `redis`.
pub fn redis_info(redis: &RedisServer, section: &str) -> anyhow::Result<String> {
    let mut conn = redis.connection();
    Ok(redis::cmd("INFO").arg(section).query::<String>(&mut conn)?)
}

/// The value of `name:` in an INFO answer.
pub fn info_field(info: &str, name: &str) -> Option<String> {
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .map(|v| v.trim().to_string())
}

/// `INFO memory` used_memory before and after creating `count` secrets through the API.
pub async fn redis_memory(
    redis: &RedisServer,
    addr: std::net::SocketAddr,
    material: &Material,
    count: usize,
) -> anyhow::Result<Memory> {
    let used = |redis: &RedisServer| -> anyhow::Result<i64> {
        let info = redis_info(redis, "memory")?;
        info_field(&info, "used_memory")
            .and_then(|v| v.parse().ok())
            .context("used_memory in INFO memory")
    };
    let mut conn = redis.connection();
    let keys_before: i64 = redis::cmd("DBSIZE").query(&mut conn)?;
    let before = used(redis)?;
    let body: Bytes = material.create_body(Some(1));
    let ids = create_many(addr, body, count, 16).await?;
    // Let Redis settle (client buffers of the finished connections are freed).
    tokio::time::sleep(Duration::from_millis(200)).await;
    let after = used(redis)?;
    let keys_after: i64 = redis::cmd("DBSIZE").query(&mut conn)?;
    anyhow::ensure!(
        keys_after - keys_before == count as i64,
        "expected {count} new keys, Redis has {}",
        keys_after - keys_before
    );
    let key = zkshare_server::store::redis::secret_key(&ids[0]);
    let usage: Option<i64> = redis::cmd("MEMORY")
        .arg("USAGE")
        .arg(&key)
        .arg("SAMPLES")
        .arg(0)
        .query(&mut conn)
        .ok();
    let encoding: Option<String> = redis::cmd("OBJECT")
        .arg("ENCODING")
        .arg(&key)
        .query(&mut conn)
        .ok();
    let value_len: usize = redis::cmd("STRLEN").arg(&key).query(&mut conn)?;
    Ok(Memory {
        count,
        used_before: before,
        used_after: after,
        key_len: key.len(),
        memory_usage_one: usage,
        encoding,
        value_len,
    })
}

/// Bytes in the files directly in `dir`.
pub fn dir_size(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .filter_map(|e| e.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}
