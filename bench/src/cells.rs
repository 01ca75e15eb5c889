//! Closed-loop cells: the workers of each workload, zkshare's six cells, the references' cells, rounds.

use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::{Duration, Instant};

use anyhow::Context as _;

use crate::http::Conn;
use crate::load::{Worker, closed_loop};
use crate::results::{Cell, Workload};
use crate::snappass;
use crate::sysinfo::CpuWatch;
use crate::workloads::{
    API, Access, AccessOnce, Create, CreateAccess, LargestCreate, Material, Metadata, RawLua,
    SnapPass, TYPICAL_SECRET, create_many,
};

/// Seconds since the run started, for the progress lines on stderr.
pub struct Clock(pub Instant);

impl Clock {
    /// Prints `what` with the time since the start.
    pub fn say(&self, what: &str) {
        eprintln!("[{:6.1}s] {what}", self.0.elapsed().as_secs_f64());
    }
}

/// SnapPass, running, and what to watch while it is measured.
pub struct SnapSetup {
    pub server: snappass::SnapPassServer,
    pub addr: std::net::SocketAddr,
    pub watch: CpuWatch,
}

/// The raw-Redis reference: the consume script on one secret, straight at Redis.
pub struct RawTarget<'a> {
    pub addr: std::net::SocketAddr,
    pub id: &'a str,
    pub material: &'a Material,
    pub watch: &'a CpuWatch,
}

impl RawTarget<'_> {
    /// `c` connections, each with the script loaded.
    pub async fn workers(&self, c: usize) -> anyhow::Result<Vec<RawLua>> {
        let mut workers = Vec::with_capacity(c);
        for _ in 0..c {
            workers
                .push(RawLua::connect(self.addr, self.id, self.material.verifier_digest()).await?);
        }
        Ok(workers)
    }
}

/// Removes and returns the cell of `workload`.
pub fn take_cell(cells: &mut Vec<Cell>, workload: Workload) -> anyhow::Result<Cell> {
    let i = cells
        .iter()
        .position(|c| c.workload == workload)
        .with_context(|| format!("no {workload} cell"))?;
    Ok(cells.remove(i))
}

/// The element with the median `key` (the upper of the two middle ones for an even count).
pub fn take_median<T>(mut items: Vec<T>, key: impl Fn(&T) -> f64) -> T {
    items.sort_by(|a, b| key(a).total_cmp(&key(b)));
    items.swap_remove(items.len() / 2)
}

/// Of (zkshare, reference) rounds, the one with the median ratio of rates, and every round's
/// ratio in the order they ran.
pub fn median_round(pairs: Vec<(Cell, Cell)>) -> (Cell, Cell, Vec<f64>) {
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
pub async fn raw_cell(
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
    Ok(Cell::new(Workload::RawConsumeView, c, m))
}

/// One SnapPass create+reveal cell at `c` connections.
pub async fn snappass_cell(
    snap: &SnapSetup,
    c: usize,
    warmup: Duration,
    duration: Duration,
    clock: &Clock,
) -> anyhow::Result<Cell> {
    let workers = connect_each(snap.addr, c, |conn| SnapPass {
        conn,
        form: SnapPass::form_body(TYPICAL_SECRET),
    })
    .await?;
    let m = closed_loop(workers, warmup, duration, &snap.watch).await;
    clock.say(&format!(
        "snappass create+reveal c={c:<3} {:>9.0}/s",
        m.rate()
    ));
    Ok(Cell::new(Workload::SnapPassCreateReveal, c, m))
}

/// Workers that each create a one-view secret and access it, `c` of them.
pub async fn create_access_workers(
    addr: std::net::SocketAddr,
    material: &Material,
    c: usize,
) -> anyhow::Result<Vec<CreateAccess>> {
    let create_once = material.create_body(Some(1));
    connect_each(addr, c, |conn| CreateAccess {
        conn,
        create_body: create_once.clone(),
        access_body: material.access_body.clone(),
    })
    .await
}

/// `c` workers, each `make` of its own keep-alive connection to `addr`.
async fn connect_each<W>(
    addr: std::net::SocketAddr,
    c: usize,
    mut make: impl FnMut(Conn) -> W,
) -> anyhow::Result<Vec<W>> {
    let mut conns = Vec::with_capacity(c);
    for _ in 0..c {
        conns.push(Conn::connect(addr).await?);
    }
    Ok(conns.into_iter().map(&mut make).collect())
}

/// Workers that each access the unlimited-view secret `id`, `c` of them.
pub async fn access_workers(
    addr: std::net::SocketAddr,
    id: &str,
    material: &Material,
    c: usize,
) -> anyhow::Result<Vec<Access>> {
    connect_each(addr, c, |conn| Access {
        conn,
        path: format!("{API}/{id}/access"),
        body: material.access_body.clone(),
    })
    .await
}

/// One closed-loop cell of `workers`, logged as it ends.
async fn measure<W: Worker>(
    workload: Workload,
    c: usize,
    workers: Vec<W>,
    warmup: Duration,
    duration: Duration,
    watch: &CpuWatch,
    clock: &Clock,
) -> Cell {
    let m = closed_loop(workers, warmup, duration, watch).await;
    // The first watched process's peak RSS so far: which cell raised it shows in the log.
    let peak = (watch.pids.first())
        .and_then(|&(label, pid, _)| Some((label, crate::sysinfo::proc_status_kib(pid)?.0)))
        .map(|(label, hwm)| format!(" · {label} peak RSS {:.1} MB", hwm as f64 * 1024.0 / 1e6))
        .unwrap_or_default();
    clock.say(&format!(
        "{workload:<26} c={c:<3} {:>9.0}/s p99 {:.2} ms errors {}{peak}",
        m.rate(),
        m.quantile_ms(0.99),
        m.errors
    ));
    Cell::new(workload, c, m)
}

/// A zkshare server under test and how to measure it.
pub struct Sut<'a> {
    pub addr: std::net::SocketAddr,
    pub material: &'a Material,
    /// An unlimited-view secret for metadata and access.
    pub unlimited: &'a str,
    pub warmup: Duration,
    pub duration: Duration,
    pub watch: &'a CpuWatch,
    pub clock: &'a Clock,
}

impl Sut<'_> {
    /// One closed-loop cell of `workers` on this server.
    pub async fn measure<W: Worker>(&self, workload: Workload, c: usize, workers: Vec<W>) -> Cell {
        measure(
            workload,
            c,
            workers,
            self.warmup,
            self.duration,
            self.watch,
            self.clock,
        )
        .await
    }
}

/// The six zkshare workloads at `c` connections.
pub async fn zkshare_cells(
    t: &Sut<'_>,
    c: usize,
    best_access: &mut f64,
) -> anyhow::Result<Vec<Cell>> {
    let Sut {
        addr,
        material,
        unlimited,
        warmup,
        duration,
        clock,
        ..
    } = *t;
    let mut cells = Vec::new();
    let create_body = material.create_body(None);
    let workers = connect_each(addr, c, |conn| Create {
        conn,
        body: create_body.clone(),
    })
    .await?;
    cells.push(t.measure(Workload::Create, c, workers).await);

    let workers = connect_each(addr, c, |conn| Metadata {
        conn,
        path: format!("{API}/{unlimited}"),
    })
    .await?;
    cells.push(t.measure(Workload::Metadata, c, workers).await);

    let workers = access_workers(addr, unlimited, material, c).await?;
    let access = t.measure(Workload::Access, c, workers).await;
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
    let workers = connect_each(addr, c, |conn| AccessOnce {
        conn,
        ids: ids.clone(),
        next: next.clone(),
        body: material.access_body.clone(),
    })
    .await?;
    cells.push(t.measure(Workload::AccessOnce, c, workers).await);

    let workers = create_access_workers(addr, material, c).await?;
    cells.push(t.measure(Workload::CreateAccess, c, workers).await);

    let largest = material.largest_create_body();
    let workers = connect_each(addr, c, |conn| LargestCreate {
        conn,
        body: largest.clone(),
    })
    .await?;
    cells.push(t.measure(Workload::LargestCreate, c, workers).await);
    Ok(cells)
}
