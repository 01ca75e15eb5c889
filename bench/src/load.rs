//! The load generator: C workers, each on its own connection, closed-loop for a fixed time
//! after a warm-up (throughput and latency), or open-loop at a fixed rate (latency at a load).
//!
//! Every run is bounded in time (warm-up + duration, plus one request timeout) and in count.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::sysinfo::{CpuWatch, machine_cpu};

/// At most this many iterations per worker and run, whatever the duration.
pub const MAX_ITERATIONS_PER_WORKER: u64 = 2_000_000;

/// One kind of iteration (one request, or a create+reveal pair), with its own connection.
pub trait Worker: Send + 'static {
    /// Runs one iteration. `Ok(true)` = done; `Ok(false)` = nothing left to do (stop this
    /// worker); `Err` = the iteration failed (counted as an error, the worker goes on).
    fn call(&mut self) -> impl Future<Output = anyhow::Result<bool>> + Send;
}

/// What a run measured.
#[derive(Debug, Clone, Default)]
pub struct Measured {
    /// Successful iterations started inside the measured window.
    pub ok: u64,
    /// Failed iterations (warm-up included).
    pub errors: u64,
    /// The first few error messages.
    pub error_samples: Vec<String>,
    /// Length of the measured window in seconds.
    pub seconds: f64,
    /// Sorted latencies of the successful measured iterations, in nanoseconds.
    pub latencies: Vec<u64>,
    /// Sorted latencies from the intended start (open loop only), in nanoseconds.
    pub latencies_from_schedule: Vec<u64>,
    /// A worker ran out of work (e.g. one-view secrets) before the end.
    pub exhausted: bool,
    /// CPU each watched process (and the rest of the machine) used in the measured window.
    pub cpu: CpuSeen,
}

impl Measured {
    /// Iterations per second.
    pub fn rate(&self) -> f64 {
        if self.seconds > 0.0 {
            self.ok as f64 / self.seconds
        } else {
            0.0
        }
    }

    /// The `q`-quantile (0..=1) of `latencies` in milliseconds.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        quantile_ms(&self.latencies, q)
    }
}

/// The `q`-quantile of sorted nanoseconds, in milliseconds (nearest rank).
pub fn quantile_ms(sorted: &[u64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1] as f64 / 1e6
}

struct WorkerOut {
    ok: u64,
    errors: u64,
    samples: Vec<String>,
    latencies: Vec<u64>,
    from_schedule: Vec<u64>,
    exhausted_at: Option<Instant>,
}

fn merge(outs: Vec<WorkerOut>, measure_from: Instant, end: Instant) -> Measured {
    let mut m = Measured::default();
    let mut window_end = end;
    for out in outs {
        m.ok += out.ok;
        m.errors += out.errors;
        for s in out.samples {
            if m.error_samples.len() < 5 {
                m.error_samples.push(s);
            }
        }
        m.latencies.extend(out.latencies);
        m.latencies_from_schedule.extend(out.from_schedule);
        if let Some(at) = out.exhausted_at {
            m.exhausted = true;
            window_end = window_end.min(at.max(measure_from));
        }
    }
    m.seconds = window_end
        .saturating_duration_since(measure_from)
        .as_secs_f64();
    m.latencies.sort_unstable();
    m.latencies_from_schedule.sort_unstable();
    m
}

/// What the CPU probe saw in the measured window.
#[derive(Debug, Clone, Default)]
pub struct CpuSeen {
    /// CPU seconds of each watched process.
    pub per_process: Vec<(&'static str, f64)>,
    /// Share of the machine's CPUs used by processes not watched (other work on the machine).
    pub others: f64,
    /// Share of the machine's CPUs stolen by the hypervisor.
    pub steal: f64,
}

/// Reads the watched processes' CPU time (and the machine's) at `from` and at `end`.
fn cpu_probe(watch: &CpuWatch, from: Instant, end: Instant) -> tokio::task::JoinHandle<CpuSeen> {
    let watch = watch.clone();
    tokio::spawn(async move {
        tokio::time::sleep_until(from.into()).await;
        let before = watch.read();
        let machine_before = machine_cpu();
        let t0 = Instant::now();
        tokio::time::sleep_until(end.into()).await;
        let after = watch.read();
        let machine_after = machine_cpu();
        let seconds = t0.elapsed().as_secs_f64();
        let per_process: Vec<(&'static str, f64)> = watch
            .pids
            .iter()
            .zip(before.iter().zip(after))
            .map(|(&(label, _, _), (b, a))| (label, a - b))
            .collect();
        let (others, steal) = match (machine_before, machine_after) {
            (Some((b0, s0, cpus)), Some((b1, s1, _))) if seconds > 0.0 => {
                let watched: f64 = per_process
                    .iter()
                    .map(|(_, v)| v)
                    .filter(|v| v.is_finite())
                    .sum();
                let capacity = cpus * seconds;
                (
                    ((b1 - b0) - (s1 - s0) - watched).max(0.0) / capacity,
                    (s1 - s0) / capacity,
                )
            }
            _ => (f64::NAN, f64::NAN),
        };
        CpuSeen {
            per_process,
            others,
            steal,
        }
    })
}

fn record_error(out: &mut WorkerOut, e: anyhow::Error) {
    out.errors += 1;
    if out.samples.len() < 5 {
        out.samples.push(format!("{e:#}"));
    }
}

/// Closed loop: every worker runs iterations back to back for `warmup + duration`; those
/// started in the last `duration` are measured.
pub async fn closed_loop<W: Worker>(
    workers: Vec<W>,
    warmup: Duration,
    duration: Duration,
    watch: &CpuWatch,
) -> Measured {
    let start = Instant::now();
    let measure_from = start + warmup;
    let end = measure_from + duration;
    let probe = cpu_probe(watch, measure_from, end);
    let handles: Vec<_> = workers
        .into_iter()
        .map(|mut w| {
            tokio::spawn(async move {
                let mut out = WorkerOut {
                    ok: 0,
                    errors: 0,
                    samples: Vec::new(),
                    latencies: Vec::with_capacity(1 << 14),
                    from_schedule: Vec::new(),
                    exhausted_at: None,
                };
                for _ in 0..MAX_ITERATIONS_PER_WORKER {
                    let t0 = Instant::now();
                    if t0 >= end {
                        break;
                    }
                    let result = w.call().await;
                    let t1 = Instant::now();
                    match result {
                        Ok(true) => {
                            if t0 >= measure_from {
                                out.ok += 1;
                                out.latencies.push((t1 - t0).as_nanos() as u64);
                            }
                        }
                        Ok(false) => {
                            out.exhausted_at = Some(t0);
                            break;
                        }
                        Err(e) => record_error(&mut out, e),
                    }
                }
                out
            })
        })
        .collect();
    let mut outs = Vec::new();
    for h in handles {
        outs.push(h.await.expect("worker task"));
    }
    let mut m = merge(outs, measure_from, end);
    m.cpu = probe.await.unwrap_or_default();
    m
}

/// Open loop: iteration `i` is due at `start + i / rate`; each is taken by whichever worker is
/// free. Latency is measured from the send and, correcting coordinated omission, from when
/// the iteration was due.
pub async fn open_loop<W: Worker>(
    workers: Vec<W>,
    rate: f64,
    warmup: Duration,
    duration: Duration,
    watch: &CpuWatch,
) -> Measured {
    let start = Instant::now() + Duration::from_millis(10);
    let measure_from = start + warmup;
    let end = measure_from + duration;
    let probe = cpu_probe(watch, measure_from, end);
    let next = Arc::new(AtomicU64::new(0));
    let period_ns = 1e9 / rate.max(1.0);
    let handles: Vec<_> = workers
        .into_iter()
        .map(|mut w| {
            let next = next.clone();
            tokio::spawn(async move {
                let mut out = WorkerOut {
                    ok: 0,
                    errors: 0,
                    samples: Vec::new(),
                    latencies: Vec::with_capacity(1 << 12),
                    from_schedule: Vec::with_capacity(1 << 12),
                    exhausted_at: None,
                };
                for _ in 0..MAX_ITERATIONS_PER_WORKER {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let due = start + Duration::from_nanos((i as f64 * period_ns) as u64);
                    if due >= end {
                        break;
                    }
                    tokio::time::sleep_until(due.into()).await;
                    let t0 = Instant::now();
                    let result = w.call().await;
                    let t1 = Instant::now();
                    match result {
                        Ok(true) => {
                            if due >= measure_from {
                                out.ok += 1;
                                out.latencies.push((t1 - t0).as_nanos() as u64);
                                out.from_schedule.push((t1 - due).as_nanos() as u64);
                            }
                        }
                        Ok(false) => {
                            out.exhausted_at = Some(t0);
                            break;
                        }
                        Err(e) => record_error(&mut out, e),
                    }
                }
                out
            })
        })
        .collect();
    let mut outs = Vec::new();
    for h in handles {
        outs.push(h.await.expect("worker task"));
    }
    let mut m = merge(outs, measure_from, end);
    m.cpu = probe.await.unwrap_or_default();
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Sleeper(Duration, u32);

    impl Worker for Sleeper {
        async fn call(&mut self) -> anyhow::Result<bool> {
            self.1 += 1;
            if self.1.is_multiple_of(10) {
                anyhow::bail!("every tenth fails");
            }
            tokio::time::sleep(self.0).await;
            Ok(true)
        }
    }

    #[test]
    fn quantiles_use_nearest_rank() {
        let v: Vec<u64> = (1..=1000).map(|i| i * 1_000_000).collect();
        assert_eq!(quantile_ms(&v, 0.5), 500.0);
        assert_eq!(quantile_ms(&v, 0.99), 990.0);
        assert_eq!(quantile_ms(&v, 0.999), 999.0);
        assert!(quantile_ms(&[], 0.5).is_nan());
    }

    #[tokio::test]
    async fn closed_loop_measures_rate_and_errors() {
        let workers = (0..4)
            .map(|_| Sleeper(Duration::from_millis(5), 0))
            .collect();
        let m = closed_loop(
            workers,
            Duration::from_millis(50),
            Duration::from_millis(300),
            &CpuWatch::default(),
        )
        .await;
        assert!(m.errors > 0);
        // 4 workers, ~5-6 ms per call: a few hundred per second, well below 800.
        assert!(m.rate() > 100.0 && m.rate() < 800.0, "rate {}", m.rate());
        assert!(m.quantile_ms(0.5) >= 5.0);
    }

    #[tokio::test]
    async fn open_loop_keeps_the_rate() {
        let workers = (0..8)
            .map(|_| Sleeper(Duration::from_millis(1), 0))
            .collect();
        let m = open_loop(
            workers,
            500.0,
            Duration::from_millis(50),
            Duration::from_millis(400),
            &CpuWatch::default(),
        )
        .await;
        let total = m.ok + m.errors;
        assert!(total > 150 && total < 250, "{total} in 0.4 s at 500/s");
    }
}
