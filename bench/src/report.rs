//! The results, the targets they are judged against, and the Markdown report.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::browser::{AssetSize, CryptoTimes};
use crate::load::{Measured, quantile_ms};
use crate::{Args, WL_ACCESS, WL_CREATE_ACCESS};

/// One workload at one connection count.
#[derive(Debug, Clone)]
pub struct Cell {
    pub workload: &'static str,
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
    pub fn new(workload: &'static str, connections: usize, m: Measured) -> Cell {
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

fn rate_at(cells: &[Cell], workload: &str, c: usize) -> Option<f64> {
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

    fn connections(&self) -> Vec<usize> {
        let mut c: Vec<usize> = self.redis.iter().map(|x| x.connections).collect();
        c.dedup();
        c
    }

    /// zkshare access / raw Lua at each connection count.
    pub fn lua_ratios(&self) -> Vec<(usize, f64, f64, f64)> {
        self.connections()
            .into_iter()
            .filter_map(|c| {
                let zk = rate_at(&self.redis, WL_ACCESS, c)?;
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
                let zk = rate_at(&self.redis, WL_CREATE_ACCESS, c)?;
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
        let gz = crate::browser::page_gzip(&self.assets);
        t.push(Target {
            name: "WASM+JS+catalog served, gzip -9",
            goal: "≤ 120 KB".into(),
            measured: if self.assets.is_empty() {
                "not measured".into()
            } else {
                format!("{:.1} KB", gz as f64 / 1000.0)
            },
            pass: (!self.assets.is_empty()).then_some(gz <= crate::browser::PAGE_GZIP_BUDGET),
        });
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
                format!("{:.0} ms", b.argon_reader_keys_ms)
            }),
            pass: self
                .browser
                .as_ref()
                .map(|b| b.argon_reader_keys_ms <= 1000.0),
        });
        t
    }
}

fn ms(v: f64) -> String {
    if v.is_nan() {
        "–".into()
    } else if v < 10.0 {
        format!("{v:.3}")
    } else {
        format!("{v:.1}")
    }
}

/// How the rounds of a comparison were run and which one is shown.
fn rounds_note(rounds: &[(usize, Vec<f64>)]) -> String {
    match rounds.iter().map(|(_, r)| r.len()).max() {
        Some(n) if n > 1 => format!(
            "Each connection count ran {n} rounds (zkshare's cell, then the reference's, back to \
back); the row shows the round with the median ratio, and the last column every round's ratio in \
the order they ran."
        ),
        _ => String::new(),
    }
}

/// Every round's ratio at `c` connections, formatted by `f`.
fn round_ratios(rounds: &[(usize, Vec<f64>)], c: usize, f: impl Fn(f64) -> String) -> String {
    rounds
        .iter()
        .find(|(at, _)| *at == c)
        .map_or("–".into(), |(_, r)| {
            r.iter().map(|&x| f(x)).collect::<Vec<_>>().join(" · ")
        })
}

/// "server · Redis · generator" for the CPU column header.
fn cpu_labels(cells: &[Cell]) -> String {
    cells
        .first()
        .map(|c| {
            c.cpu_us
                .iter()
                .map(|(l, _)| *l)
                .collect::<Vec<_>>()
                .join(" · ")
        })
        .unwrap_or_default()
}

fn cpu_values(c: &Cell) -> String {
    c.cpu_us
        .iter()
        .map(|(_, v)| {
            if v.is_finite() {
                format!("{v:.0}")
            } else {
                "–".into()
            }
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// "others % / steal %": how much of the machine other processes and the hypervisor took.
fn disturbance(c: &Cell) -> String {
    if c.others.is_finite() {
        format!("{:.0}% / {:.0}%", c.others * 100.0, c.steal * 100.0)
    } else {
        "–".into()
    }
}

fn cells_table(out: &mut String, cells: &[Cell]) {
    let _ = writeln!(
        out,
        "| workload | connections | req/s | p50 ms | p99 ms | p99.9 ms | errors | CPU µs/req ({}) | other load / steal |",
        cpu_labels(cells)
    );
    out.push_str("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for c in cells {
        let _ = writeln!(
            out,
            "| {} | {} | {:.0} | {} | {} | {} | {}{} | {} | {} |",
            c.workload,
            c.connections,
            c.rate,
            ms(c.p50),
            ms(c.p99),
            ms(c.p999),
            c.errors,
            if c.exhausted {
                format!(" (ran out of secrets after {:.1} s)", c.seconds)
            } else {
                String::new()
            },
            cpu_values(c),
            disturbance(c)
        );
    }
    let samples: Vec<&String> = cells
        .iter()
        .flat_map(|c| &c.error_samples)
        .take(5)
        .collect();
    if !samples.is_empty() {
        out.push_str("\nFirst errors:\n\n");
        for s in samples {
            let _ = writeln!(out, "- `{}`", s.replace('`', "'"));
        }
    }
    out.push('\n');
}

fn kib_mb(k: u64) -> String {
    format!("{:.1} MB", k as f64 / 1024.0)
}

/// The whole report.
pub fn markdown(r: &Results) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# zkshare benchmarks — {}\n", r.date);
    let _ = writeln!(
        o,
        "Command: `{}` ({}; {:.1} s warm-up + {:.1} s measured per cell; the whole run took {:.0} s).\n",
        r.command,
        if r.quick { "quick run" } else { "full run" },
        r.warmup_s,
        r.duration_s,
        r.total_seconds
    );
    o.push_str("Generated by `just bench` (bench/src/). Everything runs on this one machine over loopback: \
the load generator (Rust, tokio, 2 threads, one HTTP/1.1 keep-alive connection per worker), \
zkshare-server (release), redis-server, and SnapPass share its cores, so the numbers are \
comparable with each other, not with a dedicated server.\n\n");

    let worst = r
        .redis
        .iter()
        .chain(&r.raw_lua)
        .chain(&r.snappass)
        .chain(&r.embedded)
        .filter(|c| c.others.is_finite())
        .map(|c| c.others)
        .fold(0.0, f64::max);
    let _ = writeln!(
        o,
        "Other processes on the machine took at most {:.0}% of its CPUs during a measured cell \
(column \"other load / steal\": CPU used by processes this run did not start, and CPU the \
hypervisor stole).{}\n",
        worst * 100.0,
        if worst > 0.1 {
            " **The machine was shared during this run: throughput is understated and tails are \
longer than on a quiet machine.**"
        } else {
            ""
        }
    );
    o.push_str("## Machine\n\n| | |\n| --- | --- |\n");
    for (k, v) in &r.machine {
        let _ = writeln!(o, "| {k} | {} |", v.replace('|', "/"));
    }
    o.push('\n');

    o.push_str("## Targets\n\n| target | goal | measured | result |\n| --- | --- | --- | --- |\n");
    for t in r.targets() {
        let verdict = match t.pass {
            Some(true) => "PASS",
            Some(false) => "**MISS**",
            None => "not measured",
        };
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} |",
            t.name, t.goal, t.measured, verdict
        );
    }
    o.push('\n');

    let _ = writeln!(
        o,
        "## zkshare on Redis\n\nEnvelope: {} characters (a {}-character token sealed in mode `key`); \
every secret has a verifier, `expiresIn` 1h. `access (unlimited views)` hits one secret; \
`access (one-view secrets)` consumes pre-created one-view secrets, each once (a 404 is an error); \
`create + access` is one create (one view) and one access per iteration.\n",
        r.envelope_len,
        crate::workloads::TYPICAL_SECRET.len()
    );
    cells_table(&mut o, &r.redis);

    let _ = write!(
        o,
        "## Reference: the raw-Redis limit\n\n`server/lua/consume_view.lua` (the same file, \
`include_str!`) sent straight to the same Redis by EVALSHA, one connection per worker, on the same \
unlimited-view secret, with the arguments the server passes. Ratio = zkshare access / raw Lua. {}\n\n",
        rounds_note(&r.lua_rounds)
    );
    let _ = writeln!(
        o,
        "| connections | raw Lua evals/s | p50 ms | p99 ms | CPU µs/eval ({}) | other load / steal | zkshare access req/s | ratio | ratio in each round |\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        cpu_labels(&r.raw_lua)
    );
    for (c, zk, raw, ratio) in r.lua_ratios() {
        let cell = r.raw_lua.iter().find(|x| x.connections == c);
        let _ = writeln!(
            o,
            "| {c} | {raw:.0} | {} | {} | {} | {} | {zk:.0} | {:.0}% | {} |",
            cell.map_or("–".into(), |x| ms(x.p50)),
            cell.map_or("–".into(), |x| ms(x.p99)),
            cell.map_or("–".into(), cpu_values),
            cell.map_or("–".into(), disturbance),
            ratio * 100.0,
            round_ratios(&r.lua_rounds, c, |x| format!("{:.0}%", x * 100.0)),
        );
    }
    o.push('\n');

    if !r.snappass.is_empty() {
        let _ = write!(
            o,
            "## Reference: SnapPass\n\nSnapPass (PyPI `snappass`) under `gunicorn -w 2` (sync \
workers: one connection per request) on the same Redis (database 1). One iteration = one create \
(`POST /`, form `password`, `ttl=hour`, JSON answer) and one reveal (`POST /<token>`), as its web \
form does; the same token as plaintext. zkshare's iteration = one create + one access (the \
client-side encryption happens in the browser, not on the server, and is not part of it). \
Ratio = zkshare / SnapPass. {}\n\n",
            rounds_note(&r.snappass_rounds),
        );
        let _ = writeln!(
            o,
            "| connections | SnapPass iter/s | p50 ms | p99 ms | errors | CPU µs/iter ({}) | other load / steal | zkshare iter/s | ratio | ratio in each round |\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
            cpu_labels(&r.snappass)
        );
        for (c, zk, snap, ratio) in r.snappass_ratios() {
            let cell = r.snappass.iter().find(|x| x.connections == c);
            let _ = writeln!(
                o,
                "| {c} | {snap:.1} | {} | {} | {} | {} | {} | {zk:.0} | {ratio:.1}× | {} |",
                cell.map_or("–".into(), |x| ms(x.p50)),
                cell.map_or("–".into(), |x| ms(x.p99)),
                cell.map_or(0, |x| x.errors),
                cell.map_or("–".into(), cpu_values),
                cell.map_or("–".into(), disturbance),
                round_ratios(&r.snappass_rounds, c, |x| format!("{x:.1}×")),
            );
        }
        if let Some(bound) = r.single_connection_bound() {
            let _ = writeln!(
                o,
                "\nAt 1 connection both are latency-bound, not throughput-bound: zkshare's create \
and access each wait for at least one Redis round trip, and the raw script's median round trip at \
1 connection in this run bounds zkshare's ratio to SnapPass's median iteration over two of them: \
{bound:.1}×."
            );
        }
        let errs: Vec<&String> = r
            .snappass
            .iter()
            .flat_map(|c| &c.error_samples)
            .take(3)
            .collect();
        for e in errs {
            let _ = writeln!(o, "\n- error: `{}`", e.replace('`', "'"));
        }
        o.push('\n');
    }

    if !r.embedded.is_empty() {
        let _ = writeln!(
            o,
            "## zkshare on the embedded store (redb)\n\nSame workloads, `--data-dir` in a temporary \
directory on the machine's disk (store file {:.1} MB at the end).\n",
            r.embedded_data_bytes as f64 / 1e6
        );
        cells_table(&mut o, &r.embedded);
    }

    if !r.cluster.is_empty() {
        let _ = writeln!(
            o,
            "## zkshare on a Redis Cluster\n\n`access (unlimited views)` on one Redis, then on a \
local cluster of three primaries (`redis-server --cluster-enabled yes`, the server started with \
`--redis-cluster`), back to back at each connection count, {} round(s). Ratio = cluster / one \
Redis; the Redis CPU is that of the node holding the secret.\n",
            r.cluster_rounds
                .iter()
                .map(|(_, x)| x.len())
                .max()
                .unwrap_or(0)
        );
        let _ = writeln!(
            o,
            "| connections | one Redis req/s | cluster req/s | ratio | p99 ms (one · cluster) | CPU µs/req one Redis ({}) | CPU µs/req cluster | ratio in each round |\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
            r.cluster
                .first()
                .map_or(String::new(), |(single, _)| cpu_labels(
                    std::slice::from_ref(single)
                ))
        );
        for (single, clustered) in &r.cluster {
            let c = single.connections;
            let _ = writeln!(
                o,
                "| {c} | {:.0} | {:.0} | {:.0}% | {} · {} | {} | {} | {} |",
                single.rate,
                clustered.rate,
                if single.rate > 0.0 {
                    clustered.rate / single.rate * 100.0
                } else {
                    0.0
                },
                ms(single.p99),
                ms(clustered.p99),
                cpu_values(single),
                cpu_values(clustered),
                round_ratios(&r.cluster_rounds, c, |x| format!("{:.0}%", x * 100.0)),
            );
        }
        o.push('\n');
    }

    if !r.half_peak.is_empty() {
        let _ = write!(
            o,
            "## Latency at half the peak rate\n\nOpen loop: `access (unlimited views)` requests \
due at a fixed rate of half the best closed-loop rate, taken by whichever of the connections is \
free. Latency from the send, and from the due time (coordinated omission corrected; it includes the \
generator's own lag, e.g. tokio's 1 ms timer). The `raw consume_view.lua` row sends the script straight to \
Redis at the same rate: the tail this machine adds by itself.{}\n\n",
            if r.half_peak_rounds.len() > 1 {
                format!(
                    " The pair ran {} rounds; shown is the round with zkshare's median p99 (p99 \
in each round, in the order they ran: {} ms).",
                    r.half_peak_rounds.len(),
                    r.half_peak_rounds
                        .iter()
                        .map(|&p| ms(p))
                        .collect::<Vec<_>>()
                        .join(" · ")
                )
            } else {
                String::new()
            }
        );
        o.push_str("| run | peak req/s | target req/s | achieved req/s | connections | p50 ms | p99 ms | p99.9 ms | p99 from due time ms | errors |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for h in &r.half_peak {
            let _ = writeln!(
                o,
                "| {} | {:.0} | {:.0} | {:.0} | {} | {} | {} | {} | {} | {} |",
                h.store,
                h.peak,
                h.target_rate,
                h.achieved,
                h.connections,
                ms(h.p50),
                ms(h.p99),
                ms(h.p999),
                ms(h.p99_from_schedule),
                h.errors
            );
        }
        o.push('\n');
    }

    o.push_str("## Memory\n\n| what | value |\n| --- | --- |\n");
    if let Some((hwm, rss)) = r.redis_rss {
        let _ = writeln!(
            o,
            "| zkshare-server (Redis) peak RSS (VmHWM) / RSS at the end | {} / {} |",
            kib_mb(hwm),
            kib_mb(rss)
        );
    }
    if let Some((hwm, rss)) = r.embedded_rss {
        let _ = writeln!(
            o,
            "| zkshare-server (embedded) peak RSS / RSS at the end | {} / {} |",
            kib_mb(hwm),
            kib_mb(rss)
        );
    }
    if let Some((hwm, rss)) = r.snappass_pid_rss {
        let _ = writeln!(
            o,
            "| SnapPass (gunicorn master + 2 workers) peak RSS / RSS | {} / {} |",
            kib_mb(hwm),
            kib_mb(rss)
        );
    }
    if let Some(peak) = &r.redis_server_info {
        let _ = writeln!(o, "| redis-server used_memory_peak | {peak} |");
    }
    if let Some(m) = &r.memory {
        let _ = writeln!(
            o,
            "| Redis used_memory before → after {} secrets (API, one view, verifier) | {} → {} B |",
            m.count, m.used_before, m.used_after
        );
        let _ = writeln!(
            o,
            "| **per secret** | **{:.0} B** (budget: envelope {} + 256 = {} B) |",
            m.per_secret(),
            r.envelope_len,
            r.envelope_len + 256
        );
        let _ = writeln!(
            o,
            "| one key: MEMORY USAGE / encoding / value length / key length | {} B / {} / {} B / {} B |",
            m.memory_usage_one.map_or("–".into(), |v| v.to_string()),
            m.encoding.as_deref().unwrap_or("–"),
            m.value_len,
            m.key_len
        );
    }
    o.push('\n');

    if !r.assets.is_empty() || r.browser.is_some() || r.native.is_some() {
        o.push_str("## Browser\n\n");
    }
    if !r.assets.is_empty() {
        o.push_str("Served by zkshare-server (which does not compress; gzip -9 is what a compressing proxy would send).\n\n| file | raw bytes | gzip -9 bytes |\n| --- | ---: | ---: |\n");
        for a in &r.assets {
            let _ = writeln!(o, "| {} | {} | {} |", a.path, a.raw, a.gzip);
        }
        let raw: usize = r.assets.iter().map(|a| a.raw).sum();
        let gz: usize = r.assets.iter().map(|a| a.gzip).sum();
        let _ = writeln!(o, "| **all files** | **{raw}** | **{gz}** |");
        let _ = writeln!(
            o,
            "| **one visit** (every script and the WASM, one language's catalog: the largest) | | **{}** |\n",
            crate::browser::page_gzip(&r.assets)
        );
    }
    if r.browser.is_some() || r.native.is_some() {
        let _ = writeln!(
            o,
            "A 10,000-character secret in mode `key`: `zk.sealText` and `new zk.EnvelopeKeys(header, key).openText(envelope)` \
on the real page (`import('/js/zk.js').then(m => m.protocol())`), timed with `performance.now()` over batches of 10, \
median of {} runs; natively the same calls of `zkshare-crypto` (release), batches of 20. Argon2id (m = 19456 KiB, t = 2, p = 1): \
`new EnvelopeKeys(header, key, password)`, and seal with a password minus seal without (median of single calls).{}\n",
            r.browser
                .as_ref()
                .or(r.native.as_ref())
                .map_or(0, |t| t.runs),
            if r.user_agent.is_empty() {
                String::new()
            } else {
                format!(" Browser: `{}`.", r.user_agent)
            }
        );
        o.push_str("| operation | browser (WASM) ms | native ms |\n| --- | ---: | ---: |\n");
        let b = r.browser.clone().unwrap_or_default();
        let n = r.native.clone().unwrap_or_default();
        let show = |present: bool, v: f64| if present { ms(v) } else { "–".into() };
        let (hb, hn) = (r.browser.is_some(), r.native.is_some());
        let _ = writeln!(
            o,
            "| seal 10,000 chars | {} | {} |",
            show(hb, b.seal_ms),
            show(hn, n.seal_ms)
        );
        let _ = writeln!(
            o,
            "| open 10,000 chars (keys + decrypt) | {} | {} |",
            show(hb, b.open_ms),
            show(hn, n.open_ms)
        );
        let _ = writeln!(
            o,
            "| seal + open | {} | {} |",
            show(hb, b.seal_ms + b.open_ms),
            show(hn, n.seal_ms + n.open_ms)
        );
        let _ = writeln!(
            o,
            "| Argon2id: EnvelopeKeys with password | {} | {} |",
            show(hb, b.argon_reader_keys_ms),
            show(hn, n.argon_reader_keys_ms)
        );
        let _ = writeln!(
            o,
            "| Argon2id: seal with password − seal without | {} | {} |",
            show(hb, b.argon_seal_diff_ms),
            show(hn, n.argon_seal_diff_ms)
        );
        o.push('\n');
    }
    o
}

/// Writes `latest.md` and `YYYY-MM-DD.md` into `dir`.
pub fn write(r: &Results, dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let text = markdown(r);
    let latest = dir.join("latest.md");
    let dated = dir.join(format!("{}.md", r.date));
    std::fs::write(&latest, &text)?;
    std::fs::write(&dated, &text)?;
    Ok(vec![latest, dated])
}
