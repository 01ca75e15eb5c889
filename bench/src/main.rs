//! `zkshare-bench`: the numbers behind `just bench`.
//!
//! Starts a private redis-server, zkshare-server on it and on its embedded store, and SnapPass
//! under gunicorn on the same Redis; drives them from C connections on loopback; measures the
//! raw-Redis limit of the server's own consume script; memory; and the browser's crypto on the
//! real page. Writes `bench/results/latest.md` and a dated copy. This file only parses the
//! command line and starts the runtime: the phases are in `run`, the report in `report`.

mod args;
mod browser;
mod cells;
mod http;
mod inspect;
mod load;
mod report;
mod resp;
mod results;
mod run;
mod snappass;
mod sysinfo;
mod table;
mod workloads;

use clap::Parser;

use crate::args::Args;

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
    let results = runtime.block_on(run::run(args))?;
    let misses = results
        .targets()
        .iter()
        .filter(|t| t.pass == Some(false))
        .count();
    eprintln!("{misses} target(s) missed; see the report for details");
    Ok(())
}
