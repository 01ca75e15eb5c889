//! What a run measured: cells by workload, the references, memory and browser figures, and the targets they are judged against.

use std::fmt;

use crate::args::Args;
use crate::browser::{AssetSize, CryptoTimes};
use crate::load::{Measured, quantile_ms};

/// What a cell measured: one of zkshare's workloads, or a reference's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// `POST /api/v1/shared-secrets`, a typical secret with a verifier.
    Create,
    /// `GET …/{id}` on one unlimited-view secret.
    Metadata,
    /// `POST …/{id}/access` on one unlimited-view secret.
    Access,
    /// `POST …/{id}/access` on pre-created one-view secrets, each consumed once.
    AccessOnce,
    /// One create (one view) and one access per iteration.
    CreateAccess,
    /// A create with the largest body the server refuses (128 KiB).
    LargestCreate,
    /// The raw-Redis reference: the server's consume script by EVALSHA.
    RawConsumeView,
    /// The SnapPass reference: one create and one reveal per iteration.
    SnapPassCreateReveal,
}

impl Workload {
    /// zkshare's workloads, in the order the tables list them.
    pub const ZKSHARE: [Workload; 6] = [
        Workload::Create,
        Workload::Metadata,
        Workload::Access,
        Workload::AccessOnce,
        Workload::CreateAccess,
        Workload::LargestCreate,
    ];

    /// The name the report and the progress lines use.
    pub fn label(self) -> &'static str {
        match self {
            Workload::Create => "create",
            Workload::Metadata => "metadata",
            Workload::Access => "access (unlimited views)",
            Workload::AccessOnce => "access (one-view secrets)",
            Workload::CreateAccess => "create + access",
            Workload::LargestCreate => "create, largest body (128 KiB, refused)",
            Workload::RawConsumeView => "consume_view.lua (EVALSHA)",
            Workload::SnapPassCreateReveal => "SnapPass create+reveal",
        }
    }
}

impl fmt::Display for Workload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad`, so that `{:<26}` lines progress output up.
        f.pad(self.label())
    }
}

/// One workload at one connection count.
#[derive(Debug, Clone)]
pub struct Cell {
    pub workload: Workload,
    pub connections: usize,
    pub rate: f64,
    pub p50: f64,
    pub p99: f64,
    pub p999: f64,
    pub errors: u64,
    pub error_samples: Vec<String>,
    pub exhausted: bool,
    /// The measured window in seconds.
    pub seconds: f64,
    /// CPU microseconds per iteration, by process.
    pub cpu_us: Vec<(&'static str, f64)>,
    /// Share of the machine used by other processes, and stolen by the hypervisor.
    pub others: f64,
    pub steal: f64,
}

impl Cell {
    pub fn new(workload: Workload, connections: usize, m: Measured) -> Cell {
        Cell {
            workload,
            connections,
            rate: m.rate(),
            p50: m.quantile_ms(0.5),
            p99: m.quantile_ms(0.99),
            p999: m.quantile_ms(0.999),
            errors: m.errors,
            others: m.cpu.others,
            steal: m.cpu.steal,
            cpu_us: m
                .cpu
                .per_process
                .iter()
                .map(|&(label, s)| (label, s * 1e6 / m.ok.max(1) as f64))
                .collect(),
            error_samples: m.error_samples,
            exhausted: m.exhausted,
            seconds: m.seconds,
        }
    }
}

/// The open-loop run at half the peak access rate.
#[derive(Debug, Clone)]
pub struct HalfPeak {
    pub store: &'static str,
    pub peak: f64,
    pub target_rate: f64,
    pub connections: usize,
    pub achieved: f64,
    pub p50: f64,
    pub p99: f64,
    pub p999: f64,
    pub p99_from_schedule: f64,
    pub errors: u64,
}

impl HalfPeak {
    pub fn new(store: &'static str, peak: f64, connections: usize, m: Measured) -> HalfPeak {
        HalfPeak {
            store,
            peak,
            target_rate: peak / 2.0,
            connections,
            achieved: m.rate(),
            p50: m.quantile_ms(0.5),
            p99: m.quantile_ms(0.99),
            p999: m.quantile_ms(0.999),
            p99_from_schedule: quantile_ms(&m.latencies_from_schedule, 0.99),
            errors: m.errors,
        }
    }
}

/// Redis memory per stored secret.
#[derive(Debug, Clone)]
pub struct Memory {
    pub count: usize,
    pub used_before: i64,
    pub used_after: i64,
    pub key_len: usize,
    pub memory_usage_one: Option<i64>,
    pub encoding: Option<String>,
    /// Length of one secret's stored value (the packed record).
    pub value_len: usize,
}

impl Memory {
    pub fn per_secret(&self) -> f64 {
        (self.used_after - self.used_before) as f64 / self.count as f64
    }
}

/// Everything one run measured.
#[derive(Debug, Default)]
pub struct Results {
    pub command: String,
    pub quick: bool,
    pub warmup_s: f64,
    pub duration_s: f64,
    pub machine: Vec<(String, String)>,
    pub envelope_len: usize,
    pub redis: Vec<Cell>,
    pub raw_lua: Vec<Cell>,
    pub snappass: Vec<Cell>,
    /// Per connection count, zkshare access / raw Lua of every round, in the order they ran.
    pub lua_rounds: Vec<(usize, Vec<f64>)>,
    /// Per connection count, zkshare create+access / SnapPass of every round.
    pub snappass_rounds: Vec<(usize, Vec<f64>)>,
    pub embedded: Vec<Cell>,
    /// Per connection count: access on one Redis, then on a three-primary cluster.
    pub cluster: Vec<(Cell, Cell)>,
    /// Per connection count, cluster access / single-Redis access of every round.
    pub cluster_rounds: Vec<(usize, Vec<f64>)>,
    pub half_peak: Vec<HalfPeak>,
    /// zkshare's p99 at half the peak rate in every round, in the order they ran.
    pub half_peak_rounds: Vec<f64>,
    pub memory: Option<Memory>,
    pub redis_rss: Option<(u64, u64)>,
    pub embedded_rss: Option<(u64, u64)>,
    pub embedded_data_bytes: u64,
    pub snappass_pid_rss: Option<(u64, u64)>,
    pub redis_server_info: Option<String>,
    pub assets: Vec<AssetSize>,
    pub browser: Option<CryptoTimes>,
    pub user_agent: String,
    pub native: Option<CryptoTimes>,
    pub total_seconds: f64,
    pub date: String,
}

/// One row of the targets table.
pub struct Target {
    pub name: &'static str,
    pub goal: String,
    pub measured: String,
    /// None = not measured.
    pub pass: Option<bool>,
}

fn rate_at(cells: &[Cell], workload: Workload, c: usize) -> Option<f64> {
    cells
        .iter()
        .find(|x| x.workload == workload && x.connections == c)
        .map(|x| x.rate)
}

impl Results {
    pub fn new(args: &Args, machine: Vec<(String, String)>) -> Results {
        let now = time::OffsetDateTime::now_utc();
        Results {
            command: std::env::args().collect::<Vec<_>>().join(" "),
            quick: args.quick,
            warmup_s: args.warmup().as_secs_f64(),
            duration_s: args.duration().as_secs_f64(),
            machine,
            date: format!(
                "{:04}-{:02}-{:02}",
                now.year(),
                u8::from(now.month()),
                now.day()
            ),
            ..Results::default()
        }
    }

    /// The connection counts the Redis cells ran at.
    pub fn connections(&self) -> Vec<usize> {
        let mut c: Vec<usize> = self.redis.iter().map(|x| x.connections).collect();
        c.dedup();
        c
    }

    /// zkshare access / raw Lua at each connection count.
    pub fn lua_ratios(&self) -> Vec<(usize, f64, f64, f64)> {
        self.connections()
            .into_iter()
            .filter_map(|c| {
                let zk = rate_at(&self.redis, Workload::Access, c)?;
                let raw = self.raw_lua.iter().find(|x| x.connections == c)?.rate;
                Some((c, zk, raw, zk / raw))
            })
            .collect()
    }

    /// zkshare create+access / SnapPass create+reveal at each connection count.
    pub fn snappass_ratios(&self) -> Vec<(usize, f64, f64, f64)> {
        self.connections()
            .into_iter()
            .filter_map(|c| {
                let zk = rate_at(&self.redis, Workload::CreateAccess, c)?;
                let snap = self.snappass.iter().find(|x| x.connections == c)?.rate;
                Some((c, zk, snap, zk / snap))
            })
            .collect()
    }

    /// At one connection an iteration is latency-bound: zkshare's create and access each need
    /// at least one Redis round trip, so the ratio cannot exceed SnapPass's median iteration
    /// time over two median round trips of the raw script, both measured in this run.
    pub fn single_connection_bound(&self) -> Option<f64> {
        let snap = self.snappass.iter().find(|x| x.connections == 1)?;
        let raw = self.raw_lua.iter().find(|x| x.connections == 1)?;
        (raw.p50 > 0.0).then(|| snap.p50 / (2.0 * raw.p50))
    }

    pub fn targets(&self) -> Vec<Target> {
        let mut t = Vec::new();
        let top = self.connections().into_iter().max().unwrap_or(64);
        let lua = self.lua_ratios().into_iter().find(|r| r.0 == top);
        t.push(Target {
            name: "access vs raw-Redis Lua",
            goal: format!("≥ 50% at {top} connections"),
            measured: lua.map_or("not measured".into(), |r| {
                format!("{:.0}% ({:.0} vs {:.0} /s)", r.3 * 100.0, r.1, r.2)
            }),
            pass: lua.map(|r| r.3 >= 0.5),
        });
        let snap = self.snappass_ratios();
        let at_top = snap.iter().copied().find(|r| r.0 == top);
        t.push(Target {
            name: "create+access vs SnapPass create+reveal",
            goal: format!("≥ 20× at {top} connections (peak throughput)"),
            measured: if snap.is_empty() {
                "not measured".into()
            } else {
                let mut m = snap
                    .iter()
                    .map(|r| format!("{:.1}× @{}", r.3, r.0))
                    .collect::<Vec<_>>()
                    .join(", ");
                if let Some(bound) = self.single_connection_bound() {
                    m.push_str(&format!(
                        " (at 1 connection this machine's Redis round trip caps it at {bound:.1}×)"
                    ));
                }
                m
            },
            pass: at_top.map(|r| r.3 >= 20.0),
        });
        let hp = self.half_peak.iter().find(|h| h.store == "redis");
        t.push(Target {
            name: "p99 at half the peak access rate (Redis)",
            goal: "< 5 ms".into(),
            measured: hp.map_or("not measured".into(), |h| {
                format!(
                    "{:.2} ms at {:.0}/s ({:.2} ms from the scheduled start)",
                    h.p99, h.achieved, h.p99_from_schedule
                )
            }),
            pass: hp.map(|h| h.p99 < 5.0 && h.p99_from_schedule < 5.0),
        });
        let errors: u64 = self
            .redis
            .iter()
            .chain(&self.raw_lua)
            .chain(&self.snappass)
            .chain(&self.embedded)
            .map(|c| c.errors)
            .sum::<u64>()
            + self.half_peak.iter().map(|h| h.errors).sum::<u64>();
        let exhausted = self.redis.iter().chain(&self.embedded).any(|c| c.exhausted);
        t.push(Target {
            name: "errors (all cells)",
            goal: "0".into(),
            measured: format!(
                "{errors}{}",
                if exhausted {
                    " (a one-view cell ran out of pre-created secrets early: its rate is over \
                     the shorter window)"
                } else {
                    ""
                }
            ),
            pass: Some(errors == 0),
        });
        let rss: Vec<(&str, u64)> = [("Redis", self.redis_rss), ("embedded", self.embedded_rss)]
            .into_iter()
            .filter_map(|(n, r)| r.map(|(hwm, _)| (n, hwm)))
            .collect();
        t.push(Target {
            name: "server peak RSS (VmHWM)",
            goal: "< 64 MB".into(),
            measured: if rss.is_empty() {
                "not measured".into()
            } else {
                rss.iter()
                    .map(|(n, k)| format!("{:.1} MB ({n})", *k as f64 / 1024.0))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            pass: (!rss.is_empty()).then(|| rss.iter().all(|(_, k)| (*k as f64) * 1024.0 < 64e6)),
        });
        let budget = self.envelope_len as f64 + 256.0;
        t.push(Target {
            name: "Redis memory per secret",
            goal: format!("≤ envelope + 256 B = {budget:.0} B"),
            measured: self.memory.as_ref().map_or("not measured".into(), |m| {
                format!("{:.0} B", m.per_secret())
            }),
            pass: self.memory.as_ref().map(|m| m.per_secret() <= budget),
        });
        for visit in crate::browser::Visit::ALL {
            let gz = crate::browser::page_gzip(&self.assets, visit);
            t.push(Target {
                name: match visit {
                    crate::browser::Visit::Share => "WASM+JS+catalog served, gzip -9 (share page)",
                    crate::browser::Visit::Request => {
                        "WASM+JS+catalogs served, gzip -9 (request pages)"
                    }
                },
                goal: "≤ 120 KB".into(),
                measured: if self.assets.is_empty() {
                    "not measured".into()
                } else {
                    format!("{:.1} KB", gz as f64 / 1000.0)
                },
                pass: (!self.assets.is_empty()).then_some(gz <= crate::browser::PAGE_GZIP_BUDGET),
            });
        }
        t.push(Target {
            name: "seal + open 10,000 chars (browser)",
            goal: "< 5 ms".into(),
            measured: self.browser.as_ref().map_or("not measured".into(), |b| {
                format!("{:.2} ms", b.seal_ms + b.open_ms)
            }),
            pass: self.browser.as_ref().map(|b| b.seal_ms + b.open_ms < 5.0),
        });
        t.push(Target {
            name: "Argon2id (browser)",
            goal: "≤ 1 s".into(),
            measured: self.browser.as_ref().map_or("not measured".into(), |b| {
                format!("{:.0} ms", b.argon_envelope_keys_ms)
            }),
            pass: self
                .browser
                .as_ref()
                .map(|b| b.argon_envelope_keys_ms <= 1000.0),
        });
        t
    }
}
