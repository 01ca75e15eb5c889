//! `zkshare-bench`: the numbers behind `just bench` (issue 7).
//!
//! Starts a private redis-server, zkshare-server on it and on its embedded store, and SnapPass
//! under gunicorn on the same Redis; drives them from C connections on loopback; measures the
//! raw-Redis limit of the server's own consume script; memory; and the browser's crypto on the
//! real page. Writes `bench/results/latest.md` and a dated copy.

mod browser;
mod http;
mod load;
mod report;
mod resp;
mod snappass;
mod sysinfo;
mod workloads;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, bail};
use clap::Parser;
use hyper::body::Bytes;
use zkshare_testkit::redis_cluster::RedisCluster;
use zkshare_testkit::redis_server::RedisServer;
use zkshare_testkit::server::{ServerProcess, Store};

use crate::http::{Conn, Req, loopback_addr};
use crate::load::{Worker, closed_loop, open_loop};
use crate::report::{Cell, HalfPeak, Memory, Results};
use crate::sysinfo::CpuWatch;
use crate::workloads::{
    API, Access, AccessOnce, Create, CreateAccess, LargestCreate, Material, Metadata, RawLua,
    SnapPass, TYPICAL_SECRET, create_many,
};

/// Benchmarks zkshare against raw Redis and SnapPass; writes bench/results/latest.md.
#[derive(Parser, Debug, Clone)]
#[command(name = "zkshare-bench", version, about)]
pub struct Args {
    /// A short run (about a minute): 1 s cells after a 0.3 s warm-up, fewer browser runs.
    #[arg(long)]
    pub quick: bool,
    /// Measured seconds per cell (default 5, or 1 with --quick).
    #[arg(long)]
    pub duration: Option<f64>,
    /// Warm-up seconds before each cell (default 1, or 0.3 with --quick).
    #[arg(long)]
    pub warmup: Option<f64>,
    /// Connection counts to run every workload at.
    #[arg(long, value_delimiter = ',', default_value = "1,16,64")]
    pub concurrency: Vec<usize>,
    /// Secrets created through the API to measure Redis memory per secret.
    #[arg(long, default_value_t = 10_000)]
    pub memory_secrets: usize,
    /// Skip the embedded store's rows.
    #[arg(long)]
    pub no_embedded: bool,
    /// Skip the Redis Cluster comparison.
    #[arg(long)]
    pub no_cluster: bool,
    /// Skip SnapPass (its ratio is then reported as not measured).
    #[arg(long)]
    pub no_snappass: bool,
    /// Skip the headless-Chromium figures.
    #[arg(long)]
    pub no_browser: bool,
    /// Where to write latest.md and the dated copy (default: bench/results).
    #[arg(long)]
    pub out_dir: Option<PathBuf>,
    /// Threads of the load generator (1 = a single event loop, like `wrk -t1`).
    #[arg(long, default_value_t = 2)]
    pub generator_threads: usize,
    /// The SnapPass virtualenv (default: bench/work/venv).
    #[arg(long)]
    pub venv: Option<PathBuf>,
    /// Rounds of each headline comparison (zkshare access then raw Lua; zkshare create+access
    /// then SnapPass), back to back; the round with the median ratio is reported, so that one
    /// round hit by the hypervisor's steal does not decide it (default 3, or 1 with --quick).
    #[arg(long)]
    pub rounds: Option<usize>,
}

impl Args {
    fn warmup(&self) -> Duration {
        Duration::from_secs_f64(self.warmup.unwrap_or(if self.quick { 0.3 } else { 1.0 }))
    }

    fn duration(&self) -> Duration {
        Duration::from_secs_f64(self.duration.unwrap_or(if self.quick { 1.0 } else { 5.0 }))
    }

    fn rounds(&self) -> usize {
        self.rounds.unwrap_or(if self.quick { 1 } else { 3 }).max(1)
    }

    fn browser_runs(&self) -> (usize, usize) {
        if self.quick { (5, 3) } else { (11, 5) }
    }
}

/// The bench crate's directory (`bench/`).
fn bench_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

struct Clock(Instant);

impl Clock {
    fn say(&self, what: &str) {
        eprintln!("[{:6.1}s] {what}", self.0.elapsed().as_secs_f64());
    }
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    anyhow::ensure!(
        !args.concurrency.is_empty() && args.concurrency.iter().all(|&c| (1..=1024).contains(&c)),
        "--concurrency takes 1..=1024 connections"
    );
    // The machine has two cores, shared by the generator, the servers and Redis; the generator's
    // CPU per request is reported with every cell.
    let runtime = if args.generator_threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(args.generator_threads)
            .enable_all()
            .build()?
    };
    let results = runtime.block_on(run(args))?;
    let misses = results
        .targets()
        .iter()
        .filter(|t| t.pass == Some(false))
        .count();
    eprintln!("{misses} target(s) missed; see the report for details");
    Ok(())
}

async fn run(args: Args) -> anyhow::Result<Results> {
    let clock = Clock(Instant::now());
    let warmup = args.warmup();
    let duration = args.duration();
    let mut results = Results::new(&args, sysinfo::describe());
    clock.say(&format!(
        "cells: {:.1} s warm-up + {:.1} s measured, connections {:?}",
        warmup.as_secs_f64(),
        duration.as_secs_f64(),
        args.concurrency
    ));

    results
        .machine
        .push(("load average at start".into(), sysinfo::loadavg()));
    let material = Material::seal(TYPICAL_SECRET)?;
    results.envelope_len = material.envelope.len();

    // --- Redis, and zkshare on it.
    let redis = RedisServer::start();
    let zk = ServerProcess::start_with_log(Store::Redis(redis.url()), "warn", &[]);
    clock.say(&format!("zkshare-server (redis) on {}", zk.base_url()));
    let zk_addr = loopback_addr(zk.base_url())?;
    sanity_check(zk_addr, &material).await?;
    let redis_pid = redis_info(&redis, "server")
        .ok()
        .and_then(|i| info_field(&i, "process_id"))
        .and_then(|p| p.parse::<u32>().ok())
        .context("redis-server's process_id")?;
    let me = std::process::id();
    let redis_addr = std::net::SocketAddr::from(([127, 0, 0, 1], redis.port()));
    let zk_watch = CpuWatch {
        pids: vec![
            ("server", zk.pid(), false),
            ("Redis", redis_pid, false),
            ("generator", me, false),
        ],
    };
    let raw_watch = CpuWatch {
        pids: vec![("Redis", redis_pid, false), ("generator", me, false)],
    };

    // Memory first, on an empty database.
    results.memory = Some(redis_memory(&redis, zk_addr, &material, args.memory_secrets).await?);
    clock.say("redis memory per secret measured");

    // SnapPass on the same Redis (database 1), started now so that each of its cells can run
    // right after zkshare's create+access cell at the same connection count.
    let snap = if args.no_snappass {
        None
    } else {
        let venv = args
            .venv
            .clone()
            .unwrap_or_else(|| bench_dir().join("work/venv"));
        let server = snappass::SnapPassServer::start(&venv, &format!("{}1", redis.url())).await?;
        clock.say(&format!(
            "SnapPass (gunicorn -w 2) on {}",
            server.base_url()
        ));
        let addr = loopback_addr(server.base_url())?;
        let watch = CpuWatch {
            pids: vec![
                ("gunicorn", server.pid(), true),
                ("Redis", redis_pid, false),
                ("generator", me, false),
            ],
        };
        let mut probe = SnapPass {
            conn: Conn::connect(addr).await?,
            form: SnapPass::form_body(TYPICAL_SECRET),
        };
        let page = probe.create_reveal().await?;
        anyhow::ensure!(
            String::from_utf8_lossy(&page).contains(TYPICAL_SECRET),
            "SnapPass's reveal page does not show the secret"
        );
        Some(SnapSetup {
            server,
            addr,
            watch,
        })
    };

    let mut redis_cells = Vec::new();
    let mut raw_cells = Vec::new();
    let unlimited = {
        let mut conn = Conn::connect(zk_addr).await?;
        workloads::create_one(&mut conn, &material.create_body(None)).await?
    };
    let raw = RawTarget {
        addr: redis_addr,
        id: &unlimited,
        material: &material,
        watch: &raw_watch,
    };
    let mut best_access = 0.0;
    for &c in &args.concurrency {
        let target = Sut {
            addr: zk_addr,
            material: &material,
            unlimited: &unlimited,
            warmup,
            duration,
            watch: &zk_watch,
            clock: &clock,
        };
        let mut cells = zkshare_cells(&target, c, &mut best_access).await?;
        // The headline comparisons, each reference cell right after zkshare's, in rounds.
        let mut lua_pairs = vec![(
            take_cell(&mut cells, WL_ACCESS)?,
            raw_cell(&raw, c, warmup, duration, &clock).await?,
        )];
        let mut snap_pairs = Vec::new();
        if let Some(snap) = &snap {
            snap_pairs.push((
                take_cell(&mut cells, WL_CREATE_ACCESS)?,
                snappass_cell(snap, c, warmup, duration, &clock).await?,
            ));
        }
        for round in 1..args.rounds() {
            clock.say(&format!(
                "round {} of {} at c={c}",
                round + 1,
                args.rounds()
            ));
            let workers = access_workers(zk_addr, &unlimited, &material, c).await?;
            let zk = measure(WL_ACCESS, c, workers, warmup, duration, &zk_watch, &clock).await;
            best_access = f64::max(best_access, zk.rate);
            lua_pairs.push((zk, raw_cell(&raw, c, warmup, duration, &clock).await?));
            if let Some(snap) = &snap {
                let workers = create_access_workers(zk_addr, &material, c).await?;
                let zk = measure(
                    WL_CREATE_ACCESS,
                    c,
                    workers,
                    warmup,
                    duration,
                    &zk_watch,
                    &clock,
                )
                .await;
                snap_pairs.push((zk, snappass_cell(snap, c, warmup, duration, &clock).await?));
            }
        }
        let (zk, reference, ratios) = median_round(lua_pairs);
        cells.push(zk);
        raw_cells.push(reference);
        results.lua_rounds.push((c, ratios));
        if !snap_pairs.is_empty() {
            let (zk, reference, ratios) = median_round(snap_pairs);
            cells.push(zk);
            results.snappass.push(reference);
            results.snappass_rounds.push((c, ratios));
        }
        cells.sort_by_key(|cell| WORKLOADS.iter().position(|w| *w == cell.workload));
        redis_cells.extend(cells);
    }
    results.redis = redis_cells;
    results.raw_lua = raw_cells;

    // --- Latency at half the peak access rate (open loop).
    let peak = results
        .redis
        .iter()
        .filter(|c| c.workload == WL_ACCESS)
        .map(|c| c.rate)
        .fold(0.0, f64::max);
    let connections = args.concurrency.iter().copied().max().unwrap_or(64);
    // In rounds like the ratios: zkshare's open loop, then the same rate straight at Redis;
    // the round with zkshare's median p99 is reported.
    let mut rounds = Vec::new();
    for _ in 0..args.rounds() {
        let workers = access_workers(zk_addr, &unlimited, &material, connections).await?;
        let m = open_loop(workers, peak / 2.0, warmup, duration, &zk_watch).await;
        clock.say(&format!(
            "half peak ({:.0}/s): p99 {:.2} ms",
            peak / 2.0,
            m.quantile_ms(0.99)
        ));
        let server_run = HalfPeak::new("redis", peak, connections, m);
        // The same open loop straight at Redis: the machine's own tail at that rate.
        let workers = raw.workers(connections).await?;
        let m = open_loop(workers, peak / 2.0, warmup, duration, &raw_watch).await;
        let raw_run = HalfPeak::new(
            "raw consume_view.lua at the same rate",
            peak,
            connections,
            m,
        );
        rounds.push((server_run, raw_run));
    }
    results.half_peak_rounds = rounds.iter().map(|(run, _)| run.p99).collect();
    let (server_run, raw_run) = take_median(rounds, |(run, _)| run.p99);
    results.half_peak.push(server_run);
    results.half_peak.push(raw_run);

    if let Some(snap) = &snap {
        results.snappass_pid_rss = sysinfo::tree_rss_kib(snap.server.pid());
    }

    // --- The embedded store.
    if !args.no_embedded {
        let dir = tempfile::tempdir()?;
        let emb = ServerProcess::start_with_log(Store::Embedded(dir.path()), "warn", &[]);
        clock.say(&format!("zkshare-server (embedded) on {}", emb.base_url()));
        let emb_addr = loopback_addr(emb.base_url())?;
        let emb_watch = CpuWatch {
            pids: vec![("server", emb.pid(), false), ("generator", me, false)],
        };
        sanity_check(emb_addr, &material).await?;
        let unlimited = {
            let mut conn = Conn::connect(emb_addr).await?;
            workloads::create_one(&mut conn, &material.create_body(None)).await?
        };
        let mut best_access = 0.0;
        for &c in &args.concurrency {
            let target = Sut {
                addr: emb_addr,
                material: &material,
                unlimited: &unlimited,
                warmup,
                duration,
                watch: &emb_watch,
                clock: &clock,
            };
            let cells = zkshare_cells(&target, c, &mut best_access).await?;
            results.embedded.extend(cells);
        }
        let peak = results
            .embedded
            .iter()
            .filter(|c| c.workload == WL_ACCESS)
            .map(|c| c.rate)
            .fold(0.0, f64::max);
        let workers = access_workers(emb_addr, &unlimited, &material, connections).await?;
        let m = open_loop(workers, peak / 2.0, warmup, duration, &emb_watch).await;
        results
            .half_peak
            .push(HalfPeak::new("embedded", peak, connections, m));
        results.embedded_rss = sysinfo::proc_status_kib(emb.pid());
        results.embedded_data_bytes = dir_size(dir.path());
    }
    results.redis_rss = sysinfo::proc_status_kib(zk.pid());
    results.redis_server_info = redis_info(&redis, "memory")
        .ok()
        .and_then(|i| info_field(&i, "used_memory_peak_human"));
    clock.say("server RSS read");

    // --- The same access workload on a local three-primary Redis Cluster, each cell right
    // after the single Redis's at the same connection count: the cluster's cost per request.
    if !args.no_cluster {
        let cluster = tokio::task::spawn_blocking(|| RedisCluster::start(3, 0)).await?;
        clock.say(&format!(
            "redis cluster started in {:?}",
            cluster.started_in()
        ));
        let zkc =
            ServerProcess::start_with_log(Store::RedisCluster(cluster.nodes_arg()), "warn", &[]);
        let zkc_addr = loopback_addr(zkc.base_url())?;
        sanity_check(zkc_addr, &material).await?;
        let on_cluster = {
            let mut conn = Conn::connect(zkc_addr).await?;
            workloads::create_one(&mut conn, &material.create_body(None)).await?
        };
        // The secret lives on one primary: that node's CPU is the Redis side of the cost.
        let owner =
            cluster.primary_of_slot(cluster.slot_of(&format!("zkshare:s1:{{{on_cluster}}}")));
        let owner_pid = cluster
            .query(owner, &["INFO", "server"])
            .ok()
            .and_then(|i| info_field(&i, "process_id"))
            .and_then(|p| p.parse::<u32>().ok())
            .context("the cluster node's process_id")?;
        let cluster_watch = CpuWatch {
            pids: vec![
                ("server", zkc.pid(), false),
                ("Redis", owner_pid, false),
                ("generator", me, false),
            ],
        };
        for &c in &args.concurrency {
            let mut pairs = Vec::new();
            for _ in 0..args.rounds() {
                let workers = access_workers(zk_addr, &unlimited, &material, c).await?;
                let single =
                    measure(WL_ACCESS, c, workers, warmup, duration, &zk_watch, &clock).await;
                let workers = access_workers(zkc_addr, &on_cluster, &material, c).await?;
                let clustered = measure(
                    WL_ACCESS,
                    c,
                    workers,
                    warmup,
                    duration,
                    &cluster_watch,
                    &clock,
                )
                .await;
                pairs.push((clustered, single));
            }
            let (clustered, single, ratios) = median_round(pairs);
            results.cluster.push((single, clustered));
            results.cluster_rounds.push((c, ratios));
        }
    }

    // --- Browser figures.
    if !args.no_browser {
        let (runs, argon_runs) = args.browser_runs();
        results.assets = browser::asset_sizes(zk.base_url()).await?;
        let (times, ua) = browser::browser_times(zk.base_url(), runs, argon_runs).await?;
        results.browser = Some(times);
        results.user_agent = ua;
        clock.say("browser figures measured");
    }
    let (runs, argon_runs) = args.browser_runs();
    results.native =
        Some(tokio::task::spawn_blocking(move || browser::native_times(runs, argon_runs)).await??);
    clock.say("native figures measured");

    drop(zk);
    drop(redis);
    results.total_seconds = clock.0.elapsed().as_secs_f64();
    results
        .machine
        .push(("load average at end".into(), sysinfo::loadavg()));
    let out_dir = args
        .out_dir
        .clone()
        .unwrap_or_else(|| bench_dir().join("results"));
    let written = report::write(&results, &out_dir)?;
    println!("{}", report::markdown(&results));
    for p in written {
        eprintln!("wrote {}", p.display());
    }
    Ok(results)
}

pub const WL_CREATE: &str = "create";
pub const WL_METADATA: &str = "metadata";
pub const WL_ACCESS: &str = "access (unlimited views)";
pub const WL_ACCESS_ONCE: &str = "access (one-view secrets)";
pub const WL_CREATE_ACCESS: &str = "create + access";
pub const WL_LARGEST_CREATE: &str = "create, largest body (128 KiB, refused)";
/// The workloads in the order the tables list them.
const WORKLOADS: [&str; 6] = [
    WL_CREATE,
    WL_METADATA,
    WL_ACCESS,
    WL_ACCESS_ONCE,
    WL_CREATE_ACCESS,
    WL_LARGEST_CREATE,
];

/// SnapPass, running, and what to watch while it is measured.
struct SnapSetup {
    server: snappass::SnapPassServer,
    addr: std::net::SocketAddr,
    watch: CpuWatch,
}

/// The raw-Redis reference: the consume script on one secret, straight at Redis.
struct RawTarget<'a> {
    addr: std::net::SocketAddr,
    id: &'a str,
    material: &'a Material,
    watch: &'a CpuWatch,
}

impl RawTarget<'_> {
    /// `c` connections, each with the script loaded.
    async fn workers(&self, c: usize) -> anyhow::Result<Vec<RawLua>> {
        let mut workers = Vec::with_capacity(c);
        for _ in 0..c {
            workers
                .push(RawLua::connect(self.addr, self.id, self.material.verifier_digest()).await?);
        }
        Ok(workers)
    }
}

/// Removes and returns the cell of `workload`.
fn take_cell(cells: &mut Vec<Cell>, workload: &str) -> anyhow::Result<Cell> {
    let i = cells
        .iter()
        .position(|c| c.workload == workload)
        .with_context(|| format!("no {workload} cell"))?;
    Ok(cells.remove(i))
}

/// The element with the median `key` (the upper of the two middle ones for an even count).
fn take_median<T>(mut items: Vec<T>, key: impl Fn(&T) -> f64) -> T {
    items.sort_by(|a, b| key(a).total_cmp(&key(b)));
    items.swap_remove(items.len() / 2)
}

/// Of (zkshare, reference) rounds, the one with the median ratio of rates, and every round's
/// ratio in the order they ran.
fn median_round(pairs: Vec<(Cell, Cell)>) -> (Cell, Cell, Vec<f64>) {
    let ratio = |(zk, reference): &(Cell, Cell)| {
        if reference.rate > 0.0 {
            zk.rate / reference.rate
        } else {
            0.0
        }
    };
    let ratios: Vec<f64> = pairs.iter().map(ratio).collect();
    let (zk, reference) = take_median(pairs, ratio);
    (zk, reference, ratios)
}

/// One cell of the raw-Redis reference at `c` connections.
async fn raw_cell(
    raw: &RawTarget<'_>,
    c: usize,
    warmup: Duration,
    duration: Duration,
    clock: &Clock,
) -> anyhow::Result<Cell> {
    let m = closed_loop(raw.workers(c).await?, warmup, duration, raw.watch).await;
    clock.say(&format!(
        "raw consume_view.lua  c={c:<3} {:>9.0}/s",
        m.rate()
    ));
    Ok(Cell::new("consume_view.lua (EVALSHA)", c, m))
}

/// One SnapPass create+reveal cell at `c` connections.
async fn snappass_cell(
    snap: &SnapSetup,
    c: usize,
    warmup: Duration,
    duration: Duration,
    clock: &Clock,
) -> anyhow::Result<Cell> {
    let mut workers = Vec::new();
    for _ in 0..c {
        workers.push(SnapPass {
            conn: Conn::connect(snap.addr).await?,
            form: SnapPass::form_body(TYPICAL_SECRET),
        });
    }
    let m = closed_loop(workers, warmup, duration, &snap.watch).await;
    clock.say(&format!(
        "snappass create+reveal c={c:<3} {:>9.0}/s",
        m.rate()
    ));
    Ok(Cell::new("SnapPass create+reveal", c, m))
}

/// Workers that each create a one-view secret and access it, `c` of them.
async fn create_access_workers(
    addr: std::net::SocketAddr,
    material: &Material,
    c: usize,
) -> anyhow::Result<Vec<CreateAccess>> {
    let create_once = material.create_body(Some(1));
    Ok(connect_all(addr, c)
        .await?
        .into_iter()
        .map(|conn| CreateAccess {
            conn,
            create_body: create_once.clone(),
            access_body: material.access_body.clone(),
        })
        .collect())
}

async fn connect_all(addr: std::net::SocketAddr, c: usize) -> anyhow::Result<Vec<Conn>> {
    let mut conns = Vec::with_capacity(c);
    for _ in 0..c {
        conns.push(Conn::connect(addr).await?);
    }
    Ok(conns)
}

async fn access_workers(
    addr: std::net::SocketAddr,
    id: &str,
    material: &Material,
    c: usize,
) -> anyhow::Result<Vec<Access>> {
    Ok(connect_all(addr, c)
        .await?
        .into_iter()
        .map(|conn| Access {
            conn,
            path: format!("{API}/{id}/access"),
            body: material.access_body.clone(),
        })
        .collect())
}

async fn measure<W: Worker>(
    workload: &'static str,
    c: usize,
    workers: Vec<W>,
    warmup: Duration,
    duration: Duration,
    watch: &CpuWatch,
    clock: &Clock,
) -> Cell {
    let m = closed_loop(workers, warmup, duration, watch).await;
    clock.say(&format!(
        "{workload:<26} c={c:<3} {:>9.0}/s p99 {:.2} ms errors {}",
        m.rate(),
        m.quantile_ms(0.99),
        m.errors
    ));
    Cell::new(workload, c, m)
}

/// A zkshare server under test and how to measure it.
struct Sut<'a> {
    addr: std::net::SocketAddr,
    material: &'a Material,
    /// An unlimited-view secret for metadata and access.
    unlimited: &'a str,
    warmup: Duration,
    duration: Duration,
    watch: &'a CpuWatch,
    clock: &'a Clock,
}

/// The six zkshare workloads at `c` connections.
async fn zkshare_cells(t: &Sut<'_>, c: usize, best_access: &mut f64) -> anyhow::Result<Vec<Cell>> {
    let Sut {
        addr,
        material,
        unlimited,
        warmup,
        duration,
        watch,
        clock,
    } = *t;
    let mut cells = Vec::new();
    let create_body = material.create_body(None);
    let workers = connect_all(addr, c)
        .await?
        .into_iter()
        .map(|conn| Create {
            conn,
            body: create_body.clone(),
        })
        .collect();
    cells.push(measure(WL_CREATE, c, workers, warmup, duration, watch, clock).await);

    let workers = connect_all(addr, c)
        .await?
        .into_iter()
        .map(|conn| Metadata {
            conn,
            path: format!("{API}/{unlimited}"),
        })
        .collect();
    cells.push(measure(WL_METADATA, c, workers, warmup, duration, watch, clock).await);

    let workers = access_workers(addr, unlimited, material, c).await?;
    let access = measure(WL_ACCESS, c, workers, warmup, duration, watch, clock).await;
    *best_access = best_access.max(access.rate);
    cells.push(access);

    // Enough one-view secrets for the whole cell at the best access rate seen, plus margin.
    let window = (warmup + duration).as_secs_f64();
    let count = ((*best_access * window * 1.5) as usize + 20 * c).min(800_000);
    let started = Instant::now();
    let ids = create_many(addr, material.create_body(Some(1)), count, 16).await?;
    clock.say(&format!(
        "  pre-created {count} one-view secrets in {:.1} s",
        started.elapsed().as_secs_f64()
    ));
    let ids = Arc::new(ids);
    let next = Arc::new(AtomicUsize::new(0));
    let workers = connect_all(addr, c)
        .await?
        .into_iter()
        .map(|conn| AccessOnce {
            conn,
            ids: ids.clone(),
            next: next.clone(),
            body: material.access_body.clone(),
        })
        .collect();
    cells.push(measure(WL_ACCESS_ONCE, c, workers, warmup, duration, watch, clock).await);

    let workers = create_access_workers(addr, material, c).await?;
    cells.push(measure(WL_CREATE_ACCESS, c, workers, warmup, duration, watch, clock).await);

    let largest = material.largest_create_body();
    let workers = connect_all(addr, c)
        .await?
        .into_iter()
        .map(|conn| LargestCreate {
            conn,
            body: largest.clone(),
        })
        .collect();
    cells.push(
        measure(
            WL_LARGEST_CREATE,
            c,
            workers,
            warmup,
            duration,
            watch,
            clock,
        )
        .await,
    );
    Ok(cells)
}

/// Create, read metadata, consume and open a real secret; a one-view secret must then be gone.
async fn sanity_check(addr: std::net::SocketAddr, material: &Material) -> anyhow::Result<()> {
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

fn redis_info(redis: &RedisServer, section: &str) -> anyhow::Result<String> {
    let mut conn = redis.connection();
    Ok(redis::cmd("INFO").arg(section).query::<String>(&mut conn)?)
}

fn info_field(info: &str, name: &str) -> Option<String> {
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .map(|v| v.trim().to_string())
}

/// `INFO memory` used_memory before and after creating `count` secrets through the API.
async fn redis_memory(
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

fn dir_size(dir: &std::path::Path) -> u64 {
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
