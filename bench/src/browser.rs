//! Browser figures: the served WASM+JS sizes (raw and gzip -9), and seal/open/Argon2id times in
//! headless Chromium on the server's real page, with the same three measured natively.

use std::io::Write as _;
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, bail};
use flate2::Compression;
use flate2::write::GzEncoder;
use zkshare_crypto::{Credentials, EnvelopeKeys, Header, LinkKey, seal_text};
use zkshare_testkit::browser::{Chromium, eval, wait_for};

use crate::http::{Conn, Req, loopback_addr};

/// One served file.
#[derive(Debug, Clone)]
pub struct AssetSize {
    pub path: String,
    pub raw: usize,
    pub gzip: usize,
}

/// The page's budget: 120 KB gzip -9 of the code a visit loads.
pub const PAGE_GZIP_BUDGET: usize = 120_000;

/// The pages whose visits are measured, by what each loads. The share pages and the request
/// pages load different WebAssembly modules (the request pages' carries HPKE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visit {
    /// The share, reveal and status pages.
    Share,
    /// The request, answer and requester pages.
    Request,
}

impl Visit {
    /// Every measured kind of visit.
    pub const ALL: [Visit; 2] = [Visit::Share, Visit::Request];

    /// How the report names it.
    pub fn name(self) -> &'static str {
        match self {
            Visit::Share => "share page",
            Visit::Request => "request pages",
        }
    }

    /// Whether a visit of this kind loads `path`: its WebAssembly module and glue, every
    /// shared script (`/js/*.js`, counted whole), its own scripts, and the catalogs, of which
    /// a page loads one per directory (its language's).
    pub fn loads(self, path: &str) -> bool {
        let shared = (path.starts_with("/js/") && path.ends_with(".js")) || is_catalog(path);
        match self {
            Visit::Share => {
                (shared && !path.starts_with("/requests/"))
                    || path == "/pkg/zkshare_crypto.js"
                    || path == "/pkg/zkshare_crypto_bg.wasm"
            }
            Visit::Request => {
                shared
                    || (path.starts_with("/requests/") && path.ends_with(".js"))
                    // The share module's glue is imported through /js/zk.js; its WASM is not.
                    || path == "/pkg/zkshare_crypto.js"
                    || path == "/pkg/zkshare_requests.js"
                    || path == "/pkg/zkshare_requests_bg.wasm"
            }
        }
    }
}

/// Whether `path` is counted in any visit's size.
pub fn counted(path: &str) -> bool {
    Visit::ALL.iter().any(|v| v.loads(path))
}

/// A message catalog: `/i18n/*.json` (every page) or `/requests/i18n/*.json` (request pages).
fn is_catalog(path: &str) -> bool {
    (path.starts_with("/i18n/") || path.starts_with("/requests/i18n/")) && path.ends_with(".json")
}

/// What one visit of `visit` loads, gzip -9: its code, and the largest catalog of each
/// catalog directory it loads.
pub fn page_gzip(assets: &[AssetSize], visit: Visit) -> usize {
    let loaded = || assets.iter().filter(|a| visit.loads(&a.path));
    let code: usize = loaded()
        .filter(|a| !is_catalog(&a.path))
        .map(|a| a.gzip)
        .sum();
    let catalog = |dir: &str| {
        loaded()
            .filter(|a| is_catalog(&a.path) && a.path.starts_with(dir))
            .map(|a| a.gzip)
            .max()
            .unwrap_or(0)
    };
    code + catalog("/i18n/") + catalog("/requests/i18n/")
}

/// Crypto timings in milliseconds (medians).
#[derive(Debug, Clone, Default)]
pub struct CryptoTimes {
    pub seal_ms: f64,
    pub open_ms: f64,
    /// Argon2id alone: seal with a password minus seal without.
    pub argon_seal_diff_ms: f64,
    /// `new EnvelopeKeys(header, key, password)` (Argon2id + HKDF).
    pub argon_envelope_keys_ms: f64,
    pub runs: usize,
}

/// The text sealed: 10,000 characters (the API's limit), printable ASCII.
pub fn ten_thousand_chars() -> String {
    (0..10_000)
        .map(|i| char::from(b'!' + (i * 7 % 94) as u8))
        .collect()
}

pub fn gzip9(bytes: &[u8]) -> usize {
    let mut enc = GzEncoder::new(Vec::new(), Compression::new(9));
    enc.write_all(bytes).expect("gzip to memory");
    enc.finish().expect("gzip to memory").len()
}

/// Fetches every file the server lists in `/assets.json` that [`counted`] names.
pub async fn asset_sizes(base_url: &str) -> anyhow::Result<Vec<AssetSize>> {
    let mut conn = Conn::connect(loopback_addr(base_url)?).await?;
    let (status, manifest) = conn.send(&Req::get("/assets.json")).await?;
    anyhow::ensure!(status.is_success(), "/assets.json: HTTP {status}");
    let manifest: serde_json::Value = serde_json::from_slice(&manifest)?;
    let files = manifest["files"]
        .as_object()
        .ok_or_else(|| anyhow!("/assets.json has no files"))?;
    let mut out = Vec::new();
    for path in files.keys() {
        if !counted(path) {
            continue;
        }
        let (status, bytes) = conn.send(&Req::get(path)).await?;
        anyhow::ensure!(status.is_success(), "{path}: HTTP {status}");
        out.push(AssetSize {
            path: path.clone(),
            raw: bytes.len(),
            gzip: gzip9(&bytes),
        });
    }
    anyhow::ensure!(
        out.iter().any(|a| a.path.ends_with(".wasm")),
        "the server serves no WASM (build it with `just wasm`)"
    );
    Ok(out)
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The same operations natively (this binary is a release build).
pub fn native_times(runs: usize, argon_runs: usize) -> anyhow::Result<CryptoTimes> {
    const BATCH: usize = 20;
    let text = ten_thousand_chars();
    let mut seal = Vec::new();
    let mut open = Vec::new();
    for _ in 0..runs {
        let key = LinkKey::generate();
        let creds = Credentials::Key(&key);
        let t0 = Instant::now();
        let mut sealed = None;
        for _ in 0..BATCH {
            sealed = Some(seal_text(&text, &creds).map_err(|e| anyhow!("seal: {e}"))?);
        }
        seal.push(t0.elapsed().as_secs_f64() * 1e3 / BATCH as f64);
        let sealed = sealed.expect("sealed at least once");
        let t0 = Instant::now();
        for _ in 0..BATCH {
            let header = Header::from_envelope(&sealed.envelope).map_err(|_| anyhow!("header"))?;
            let keys = EnvelopeKeys::derive(&header, &creds).map_err(|_| anyhow!("derive"))?;
            let out = keys
                .open_text(&sealed.envelope)
                .map_err(|_| anyhow!("open"))?;
            if *out != text {
                bail!("native open returned another text");
            }
        }
        open.push(t0.elapsed().as_secs_f64() * 1e3 / BATCH as f64);
    }
    let seal_ms = median(seal.clone());
    let mut with_pw = Vec::new();
    let mut reader = Vec::new();
    for _ in 0..argon_runs {
        let key = LinkKey::generate();
        let creds = Credentials::KeyAndPassword(&key, "correct horse battery staple");
        let t0 = Instant::now();
        let sealed = seal_text(&text, &creds).map_err(|e| anyhow!("seal: {e}"))?;
        with_pw.push(t0.elapsed().as_secs_f64() * 1e3);
        let header = Header::from_envelope(&sealed.envelope).map_err(|_| anyhow!("header"))?;
        let t0 = Instant::now();
        let keys = EnvelopeKeys::derive(&header, &creds).map_err(|_| anyhow!("derive"))?;
        reader.push(t0.elapsed().as_secs_f64() * 1e3);
        drop(keys);
    }
    Ok(CryptoTimes {
        seal_ms,
        open_ms: median(open),
        argon_seal_diff_ms: median(with_pw) - seal_ms,
        argon_envelope_keys_ms: median(reader),
        runs,
    })
}

/// The in-page benchmark: batches of seals and opens timed with `performance.now()` (whose
/// resolution is coarse without cross-origin isolation, hence batches), then Argon2id.
fn page_script(runs: usize, argon_runs: usize) -> String {
    format!(
        r#"window.__bench = null;
import('/js/zk.js').then(m => m.protocol()).then(zk => {{
  const BATCH = 10, RUNS = {runs}, ARGON_RUNS = {argon_runs};
  let text = '';
  for (let i = 0; i < 10000; i++) text += String.fromCharCode(33 + (i * 7) % 94);
  const median = (v) => {{ const s = [...v].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; }};
  const seal = [], open = [], withPw = [], reader = [];
  for (let r = 0; r < RUNS; r++) {{
    const key = zk.generateLinkKey();
    let t0 = performance.now();
    let sealed = null;
    for (let i = 0; i < BATCH; i++) {{ if (sealed) sealed.free(); sealed = zk.sealText(text, key); }}
    seal.push((performance.now() - t0) / BATCH);
    const envelope = sealed.envelope; sealed.free();
    const header = envelope.split('.')[0];
    t0 = performance.now();
    for (let i = 0; i < BATCH; i++) {{
      const keys = new zk.EnvelopeKeys(header, key);
      const out = keys.openText(envelope);
      keys.free();
      if (out !== text) throw new Error('open returned another text');
    }}
    open.push((performance.now() - t0) / BATCH);
  }}
  for (let r = 0; r < ARGON_RUNS; r++) {{
    const key = zk.generateLinkKey();
    let t0 = performance.now();
    const sealed = zk.sealText(text, key, 'correct horse battery staple');
    withPw.push(performance.now() - t0);
    const header = sealed.envelope.split('.')[0]; sealed.free();
    t0 = performance.now();
    const keys = new zk.EnvelopeKeys(header, key, 'correct horse battery staple');
    reader.push(performance.now() - t0);
    keys.free();
  }}
  const s = median(seal);
  window.__bench = JSON.stringify({{ seal: s, open: median(open), argonSealDiff: median(withPw) - s,
    argonEnvelopeKeys: median(reader), userAgent: navigator.userAgent }});
}}).catch(e => {{ window.__bench = 'ERROR ' + e; }});
true"#
    )
}

/// Runs the page benchmark in a fresh headless Chromium on `base_url/`.
pub async fn browser_times(
    base_url: &str,
    runs: usize,
    argon_runs: usize,
) -> anyhow::Result<(CryptoTimes, String)> {
    let browser = Chromium::launch().await;
    let page = browser.open(&format!("{base_url}/")).await;
    eval(&page, &page_script(runs, argon_runs)).await;
    let report = wait_for(&page, "window.__bench", Duration::from_secs(180)).await;
    let problems = browser.problems();
    browser.close().await;
    let report = report
        .as_str()
        .ok_or_else(|| anyhow!("the page returned {report}"))?;
    if report.starts_with("ERROR") {
        bail!("in-page benchmark failed: {report}; page problems: {problems:?}");
    }
    let v: serde_json::Value = serde_json::from_str(report).context("page report")?;
    let num = |k: &str| {
        v[k].as_f64()
            .ok_or_else(|| anyhow!("page report lacks {k}: {v}"))
    };
    Ok((
        CryptoTimes {
            seal_ms: num("seal")?,
            open_ms: num("open")?,
            argon_seal_diff_ms: num("argonSealDiff")?,
            argon_envelope_keys_ms: num("argonEnvelopeKeys")?,
            runs,
        },
        v["userAgent"].as_str().unwrap_or_default().to_string(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The budget, checked on the repository's `web/` (the bytes the server embeds): the
    /// benchmark measures the same files as served.
    #[test]
    fn a_visit_loads_under_120_kb_gzip() {
        let web = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../web");
        let mut assets = Vec::new();
        for dir in ["pkg", "js", "i18n", "requests", "requests/i18n"] {
            for entry in std::fs::read_dir(web.join(dir)).unwrap() {
                let entry = entry.unwrap();
                let path = format!("/{dir}/{}", entry.file_name().to_string_lossy());
                if entry.file_type().unwrap().is_file() && counted(&path) {
                    let bytes = std::fs::read(entry.path()).unwrap();
                    assets.push(AssetSize {
                        path,
                        raw: bytes.len(),
                        gzip: gzip9(&bytes),
                    });
                }
            }
        }
        assets.sort_by(|a, b| a.path.cmp(&b.path));
        for a in &assets {
            println!("{:>8} {:>8}  {}", a.raw, a.gzip, a.path);
        }
        assert!(assets.iter().any(|a| a.path == "/i18n/en.json"));
        for visit in Visit::ALL {
            let total = page_gzip(&assets, visit);
            println!(
                "one visit of the {}, gzip -9: {total} B (budget {PAGE_GZIP_BUDGET} B)",
                visit.name()
            );
            assert!(
                assets
                    .iter()
                    .any(|a| a.path.ends_with(".wasm") && visit.loads(&a.path)),
                "{visit:?} loads a WASM module"
            );
            assert!(total <= PAGE_GZIP_BUDGET, "{visit:?}: {total} B gzip -9");
        }
    }

    #[test]
    fn each_visit_counts_its_own_module_only() {
        use Visit::{Request, Share};
        assert!(Share.loads("/pkg/zkshare_crypto_bg.wasm"));
        assert!(!Share.loads("/pkg/zkshare_requests_bg.wasm"));
        assert!(!Share.loads("/requests/rq.js") && !Share.loads("/requests/i18n/en.json"));
        assert!(Request.loads("/pkg/zkshare_requests_bg.wasm"));
        assert!(!Request.loads("/pkg/zkshare_crypto_bg.wasm"));
        assert!(Request.loads("/requests/rq.js") && Request.loads("/requests/i18n/de.json"));
        assert!(Share.loads("/i18n/en.json") && Request.loads("/i18n/en.json"));
        let sized = |path: &str, gzip| AssetSize {
            path: path.into(),
            raw: gzip,
            gzip,
        };
        let assets = [
            sized("/pkg/zkshare_crypto_bg.wasm", 1000),
            sized("/pkg/zkshare_requests_bg.wasm", 700),
            sized("/pkg/zkshare_crypto.js", 10),
            sized("/i18n/en.json", 5),
            sized("/i18n/de.json", 6),
            sized("/requests/i18n/en.json", 3),
        ];
        assert_eq!(page_gzip(&assets, Share), 1000 + 10 + 6);
        assert_eq!(page_gzip(&assets, Request), 700 + 10 + 6 + 3);
    }
}
