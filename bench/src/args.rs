//! The command line: what to run, for how long, and where the report goes.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

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
    /// Warm-up before each cell.
    pub fn warmup(&self) -> Duration {
        Duration::from_secs_f64(self.warmup.unwrap_or(if self.quick { 0.3 } else { 1.0 }))
    }

    /// The measured window of each cell.
    pub fn duration(&self) -> Duration {
        Duration::from_secs_f64(self.duration.unwrap_or(if self.quick { 1.0 } else { 5.0 }))
    }

    /// Rounds of each headline comparison.
    pub fn rounds(&self) -> usize {
        self.rounds.unwrap_or(if self.quick { 1 } else { 3 }).max(1)
    }

    /// Runs of the crypto timings: (seal and open, Argon2id).
    pub fn browser_runs(&self) -> (usize, usize) {
        if self.quick { (5, 3) } else { (11, 5) }
    }

    /// The largest connection count: the open loop's and the headline targets'.
    pub fn top_concurrency(&self) -> usize {
        self.concurrency.iter().copied().max().unwrap_or(64)
    }

    /// Where the report goes.
    pub fn out_dir(&self) -> PathBuf {
        self.out_dir
            .clone()
            .unwrap_or_else(|| bench_dir().join("results"))
    }

    /// SnapPass's virtualenv.
    pub fn venv(&self) -> PathBuf {
        self.venv
            .clone()
            .unwrap_or_else(|| bench_dir().join("work/venv"))
    }
}

/// The bench crate's directory (`bench/`).
fn bench_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}
