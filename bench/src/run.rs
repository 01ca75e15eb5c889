//! The run, phase by phase: Redis and its references, the open loop, embedded, cluster, browser (over 400 lines: one function a phase, in the order they run).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use zkshare_testkit::redis_cluster::RedisCluster;
use zkshare_testkit::redis_server::RedisServer;
use zkshare_testkit::server::{ServerProcess, Store};

use crate::args::Args;
use crate::cells::{
    Clock, RawTarget, SnapSetup, Sut, access_workers, create_access_workers, median_round,
    raw_cell, snappass_cell, take_cell, take_median, zkshare_cells,
};
use crate::http::{Conn, loopback_addr};
use crate::inspect::{dir_size, info_field, redis_info, redis_memory, sanity_check};
use crate::load::open_loop;
use crate::report;
use crate::results::{HalfPeak, Results, Workload};
use crate::sysinfo::{self, CpuWatch};
use crate::workloads::{self, Material, SnapPass, TYPICAL_SECRET};
use crate::{browser, snappass};

/// What every phase needs: the settings, the clock, the sealed secret.
struct Run<'a> {
    args: &'a Args,
    warmup: Duration,
    duration: Duration,
    clock: &'a Clock,
    material: &'a Material,
}

impl<'a> Run<'a> {
    /// The zkshare server at `addr`, its unlimited-view secret, and what to watch.
    fn sut(&self, addr: SocketAddr, unlimited: &'a str, watch: &'a CpuWatch) -> Sut<'a> {
        Sut {
            addr,
            material: self.material,
            unlimited,
            warmup: self.warmup,
            duration: self.duration,
            watch,
            clock: self.clock,
        }
    }
}

/// redis-server and zkshare-server on it, and what to watch while they are measured.
struct RedisStack {
    // Dropped in this order: the server before its Redis.
    zk: ServerProcess,
    redis: RedisServer,
    zk_addr: SocketAddr,
    redis_addr: SocketAddr,
    redis_pid: u32,
    /// zkshare, Redis and the generator.
    zk_watch: CpuWatch,
    /// Redis and the generator (the raw script's cells).
    raw_watch: CpuWatch,
}

/// Runs every phase and writes the report.
pub async fn run(args: Args) -> anyhow::Result<Results> {
    let clock = Clock(Instant::now());
    let mut results = Results::new(&args, sysinfo::describe());
    let material = Material::seal(TYPICAL_SECRET)?;
    let run = Run {
        args: &args,
        warmup: args.warmup(),
        duration: args.duration(),
        clock: &clock,
        material: &material,
    };
    clock.say(&format!(
        "cells: {:.1} s warm-up + {:.1} s measured, connections {:?}",
        run.warmup.as_secs_f64(),
        run.duration.as_secs_f64(),
        args.concurrency
    ));
    results
        .machine
        .push(("load average at start".into(), sysinfo::loadavg()));
    results.envelope_len = material.envelope.len();

    let stack = start_redis_stack(&run).await?;
    // Memory first, on an empty database.
    results.memory =
        Some(redis_memory(&stack.redis, stack.zk_addr, &material, args.memory_secrets).await?);
    clock.say("redis memory per secret measured");
    let snap = if args.no_snappass {
        None
    } else {
        Some(start_snappass(&run, &stack).await?)
    };
    let unlimited = {
        let mut conn = Conn::connect(stack.zk_addr).await?;
        workloads::create_one(&mut conn, &material.create_body(None)).await?
    };
    let raw = RawTarget {
        addr: stack.redis_addr,
        id: &unlimited,
        material: &material,
        watch: &stack.raw_watch,
    };
    redis_and_references(&run, &stack, &unlimited, &raw, snap.as_ref(), &mut results).await?;
    half_peak_on_redis(&run, &stack, &unlimited, &raw, &mut results).await?;
    if let Some(snap) = &snap {
        results.snappass_pid_rss = sysinfo::tree_rss_kib(snap.server.pid());
    }
    if !args.no_embedded {
        embedded(&run, &mut results).await?;
    }
    results.redis_rss = sysinfo::proc_status_kib(stack.zk.pid());
    results.redis_server_info = redis_info(&stack.redis, "memory")
        .ok()
        .and_then(|i| info_field(&i, "used_memory_peak_human"));
    clock.say("server RSS read");
    if !args.no_cluster {
        cluster_against_one_redis(&run, &stack, &unlimited, &mut results).await?;
    }
    if !args.no_browser {
        browser_figures(&run, stack.zk.base_url(), &mut results).await?;
    }
    native_figures(&run, &mut results).await?;

    drop(stack);
    write_report(&run, &mut results)?;
    Ok(results)
}

/// Starts redis-server and zkshare-server on it, and checks a real secret round-trips.
async fn start_redis_stack(run: &Run<'_>) -> anyhow::Result<RedisStack> {
    let redis = RedisServer::start();
    let zk = ServerProcess::start_with_log(Store::Redis(redis.url()), "warn", &[]);
    run.clock
        .say(&format!("zkshare-server (redis) on {}", zk.base_url()));
    let zk_addr = loopback_addr(zk.base_url())?;
    sanity_check(zk_addr, run.material).await?;
    let redis_pid = redis_info(&redis, "server")
        .ok()
        .and_then(|i| info_field(&i, "process_id"))
        .and_then(|p| p.parse::<u32>().ok())
        .context("redis-server's process_id")?;
    let me = std::process::id();
    let redis_addr = SocketAddr::from(([127, 0, 0, 1], redis.port()));
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
    Ok(RedisStack {
        redis,
        zk,
        zk_addr,
        redis_addr,
        redis_pid,
        zk_watch,
        raw_watch,
    })
}

/// SnapPass on the same Redis (database 1), started before the cells so that each of its cells
/// can run right after zkshare's create+access cell at the same connection count.
async fn start_snappass(run: &Run<'_>, stack: &RedisStack) -> anyhow::Result<SnapSetup> {
    let server =
        snappass::SnapPassServer::start(&run.args.venv(), &format!("{}1", stack.redis.url()))
            .await?;
    run.clock.say(&format!(
        "SnapPass (gunicorn -w 2) on {}",
        server.base_url()
    ));
    let addr = loopback_addr(server.base_url())?;
    let watch = CpuWatch {
        pids: vec![
            ("gunicorn", server.pid(), true),
            ("Redis", stack.redis_pid, false),
            ("generator", std::process::id(), false),
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
    Ok(SnapSetup {
        server,
        addr,
        watch,
    })
}

/// Every workload on Redis at every connection count, and the headline comparisons: each
/// reference's cell right after zkshare's, in rounds.
async fn redis_and_references(
    run: &Run<'_>,
    stack: &RedisStack,
    unlimited: &str,
    raw: &RawTarget<'_>,
    snap: Option<&SnapSetup>,
    results: &mut Results,
) -> anyhow::Result<()> {
    let (warmup, duration, clock) = (run.warmup, run.duration, run.clock);
    let mut redis_cells = Vec::new();
    let mut raw_cells = Vec::new();
    let mut best_access = 0.0;
    for &c in &run.args.concurrency {
        let target = run.sut(stack.zk_addr, unlimited, &stack.zk_watch);
        let mut cells = zkshare_cells(&target, c, &mut best_access).await?;
        let mut lua_pairs = vec![(
            take_cell(&mut cells, Workload::Access)?,
            raw_cell(raw, c, warmup, duration, clock).await?,
        )];
        let mut snap_pairs = Vec::new();
        if let Some(snap) = snap {
            snap_pairs.push((
                take_cell(&mut cells, Workload::CreateAccess)?,
                snappass_cell(snap, c, warmup, duration, clock).await?,
            ));
        }
        for round in 1..run.args.rounds() {
            clock.say(&format!(
                "round {} of {} at c={c}",
                round + 1,
                run.args.rounds()
            ));
            let workers = access_workers(stack.zk_addr, unlimited, run.material, c).await?;
            let zk = target.measure(Workload::Access, c, workers).await;
            best_access = f64::max(best_access, zk.rate);
            lua_pairs.push((zk, raw_cell(raw, c, warmup, duration, clock).await?));
            if let Some(snap) = snap {
                let workers = create_access_workers(stack.zk_addr, run.material, c).await?;
                let zk = target.measure(Workload::CreateAccess, c, workers).await;
                snap_pairs.push((zk, snappass_cell(snap, c, warmup, duration, clock).await?));
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
        cells.sort_by_key(|cell| Workload::ZKSHARE.iter().position(|w| *w == cell.workload));
        redis_cells.extend(cells);
    }
    results.redis = redis_cells;
    results.raw_lua = raw_cells;
    Ok(())
}

/// The best closed-loop access rate among `cells`.
fn peak_access(cells: &[crate::results::Cell]) -> f64 {
    cells
        .iter()
        .filter(|c| c.workload == Workload::Access)
        .map(|c| c.rate)
        .fold(0.0, f64::max)
}

/// Latency at half the peak access rate (open loop), in rounds like the ratios: zkshare's open
/// loop, then the same rate straight at Redis; the round with zkshare's median p99 is reported.
async fn half_peak_on_redis(
    run: &Run<'_>,
    stack: &RedisStack,
    unlimited: &str,
    raw: &RawTarget<'_>,
    results: &mut Results,
) -> anyhow::Result<()> {
    let (warmup, duration) = (run.warmup, run.duration);
    let peak = peak_access(&results.redis);
    let connections = run.args.top_concurrency();
    let mut rounds = Vec::new();
    for _ in 0..run.args.rounds() {
        let workers = access_workers(stack.zk_addr, unlimited, run.material, connections).await?;
        let m = open_loop(workers, peak / 2.0, warmup, duration, &stack.zk_watch).await;
        run.clock.say(&format!(
            "half peak ({:.0}/s): p99 {:.2} ms",
            peak / 2.0,
            m.quantile_ms(0.99)
        ));
        let server_run = HalfPeak::new("redis", peak, connections, m);
        // The same open loop straight at Redis: the machine's own tail at that rate.
        let workers = raw.workers(connections).await?;
        let m = open_loop(workers, peak / 2.0, warmup, duration, &stack.raw_watch).await;
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
    Ok(())
}

/// Every workload on the embedded store, its open loop at half its peak, its memory and file.
async fn embedded(run: &Run<'_>, results: &mut Results) -> anyhow::Result<()> {
    let (warmup, duration) = (run.warmup, run.duration);
    let dir = tempfile::tempdir()?;
    let emb = ServerProcess::start_with_log(Store::Embedded(dir.path()), "warn", &[]);
    run.clock
        .say(&format!("zkshare-server (embedded) on {}", emb.base_url()));
    let emb_addr = loopback_addr(emb.base_url())?;
    let emb_watch = CpuWatch {
        pids: vec![
            ("server", emb.pid(), false),
            ("generator", std::process::id(), false),
        ],
    };
    sanity_check(emb_addr, run.material).await?;
    let unlimited = {
        let mut conn = Conn::connect(emb_addr).await?;
        workloads::create_one(&mut conn, &run.material.create_body(None)).await?
    };
    let mut best_access = 0.0;
    for &c in &run.args.concurrency {
        let target = run.sut(emb_addr, &unlimited, &emb_watch);
        let cells = zkshare_cells(&target, c, &mut best_access).await?;
        results.embedded.extend(cells);
    }
    let peak = peak_access(&results.embedded);
    let connections = run.args.top_concurrency();
    let workers = access_workers(emb_addr, &unlimited, run.material, connections).await?;
    let m = open_loop(workers, peak / 2.0, warmup, duration, &emb_watch).await;
    results
        .half_peak
        .push(HalfPeak::new("embedded", peak, connections, m));
    results.embedded_rss = sysinfo::proc_status_kib(emb.pid());
    results.embedded_data_bytes = dir_size(dir.path());
    Ok(())
}

/// The same access workload on a local three-primary Redis Cluster, each cell right after the
/// single Redis's at the same connection count: the cluster's cost per request.
async fn cluster_against_one_redis(
    run: &Run<'_>,
    stack: &RedisStack,
    unlimited: &str,
    results: &mut Results,
) -> anyhow::Result<()> {
    let clock = run.clock;
    let cluster = tokio::task::spawn_blocking(|| RedisCluster::start(3, 0)).await?;
    clock.say(&format!(
        "redis cluster started in {:?}",
        cluster.started_in()
    ));
    let zkc = ServerProcess::start_with_log(Store::RedisCluster(cluster.nodes_arg()), "warn", &[]);
    let zkc_addr = loopback_addr(zkc.base_url())?;
    sanity_check(zkc_addr, run.material).await?;
    let on_cluster = {
        let mut conn = Conn::connect(zkc_addr).await?;
        workloads::create_one(&mut conn, &run.material.create_body(None)).await?
    };
    // The secret lives on one primary: that node's CPU is the Redis side of the cost.
    let owner = cluster.primary_of_slot(cluster.slot_of(&format!("zkshare:s1:{{{on_cluster}}}")));
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
            ("generator", std::process::id(), false),
        ],
    };
    let one_redis = run.sut(stack.zk_addr, unlimited, &stack.zk_watch);
    let on_three = run.sut(zkc_addr, &on_cluster, &cluster_watch);
    for &c in &run.args.concurrency {
        let mut pairs = Vec::new();
        for _ in 0..run.args.rounds() {
            let workers = access_workers(one_redis.addr, unlimited, run.material, c).await?;
            let single = one_redis.measure(Workload::Access, c, workers).await;
            let workers = access_workers(zkc_addr, &on_cluster, run.material, c).await?;
            let clustered = on_three.measure(Workload::Access, c, workers).await;
            pairs.push((clustered, single));
        }
        let (clustered, single, ratios) = median_round(pairs);
        results.cluster.push((single, clustered));
        results.cluster_rounds.push((c, ratios));
    }
    Ok(())
}

/// Asset sizes and crypto timings in headless Chromium on the real page.
async fn browser_figures(
    run: &Run<'_>,
    base_url: &str,
    results: &mut Results,
) -> anyhow::Result<()> {
    let (runs, argon_runs) = run.args.browser_runs();
    results.assets = browser::asset_sizes(base_url).await?;
    let (times, ua) = browser::browser_times(base_url, runs, argon_runs).await?;
    results.browser = Some(times);
    results.user_agent = ua;
    run.clock.say("browser figures measured");
    Ok(())
}

/// The same crypto timings natively.
async fn native_figures(run: &Run<'_>, results: &mut Results) -> anyhow::Result<()> {
    let (runs, argon_runs) = run.args.browser_runs();
    results.native =
        Some(tokio::task::spawn_blocking(move || browser::native_times(runs, argon_runs)).await??);
    run.clock.say("native figures measured");
    Ok(())
}

/// Writes latest.md and the dated copy, and prints the report.
fn write_report(run: &Run<'_>, results: &mut Results) -> anyhow::Result<()> {
    results.total_seconds = run.clock.0.elapsed().as_secs_f64();
    results
        .machine
        .push(("load average at end".into(), sysinfo::loadavg()));
    let written = report::write(results, &run.args.out_dir())?;
    println!("{}", report::markdown(results));
    for p in written {
        eprintln!("wrote {}", p.display());
    }
    Ok(())
}
