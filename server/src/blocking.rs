//! Bounded use of tokio's blocking pool.
//!
//! Work that blocks a thread (redb's file I/O and fsync, Argon2id's 19 MiB of memory-hard
//! hashing) runs on the blocking pool, which grows to hundreds of threads on demand. Each
//! caller here gets its own bound instead: under load, requests wait for a permit rather than
//! adding threads, memory and context switches that cannot make the work finish sooner.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::Semaphore;
use tokio::task::JoinError;

/// Runs closures on the blocking pool, at most `permits` at a time.
#[derive(Clone, Debug)]
pub struct BlockingLimit {
    permits: Arc<Semaphore>,
    total: usize,
    waiting: Arc<AtomicUsize>,
}

impl BlockingLimit {
    /// A limit of `permits` (at least 1) concurrent closures.
    pub fn new(permits: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(permits.max(1))),
            total: permits.max(1),
            waiting: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// A limit of `per_core` closures per available CPU core.
    pub fn per_core(per_core: usize) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Self::new(cores.saturating_mul(per_core))
    }

    /// Permits not in use right now (all of them when idle).
    pub fn available(&self) -> usize {
        self.permits.available_permits()
    }

    /// Closures waiting for a permit right now.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Relaxed)
    }

    /// Closures running right now.
    pub fn running(&self) -> usize {
        self.total.saturating_sub(self.available())
    }

    /// Waits for a permit, then runs `f` on the blocking pool and returns its result.
    pub async fn run<T, F>(&self, f: F) -> Result<T, JoinError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        // Counted down on drop, so a request abandoned while waiting leaves the queue too.
        let queued = Queued::enter(&self.waiting);
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        drop(queued);
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            f()
        })
        .await
    }
}

struct Queued<'a>(&'a AtomicUsize);

impl<'a> Queued<'a> {
    fn enter(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::Relaxed);
        Queued(count)
    }
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn never_runs_more_than_its_permits_at_once() {
        let limit = BlockingLimit::new(3);
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..24)
            .map(|i| {
                let (limit, running, most) = (limit.clone(), running.clone(), most.clone());
                tokio::spawn(async move {
                    limit
                        .run(move || {
                            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                            most.fetch_max(now, Ordering::SeqCst);
                            std::thread::sleep(Duration::from_millis(15));
                            running.fetch_sub(1, Ordering::SeqCst);
                            i
                        })
                        .await
                        .unwrap()
                })
            })
            .collect();
        let mut done = Vec::new();
        for t in tasks {
            done.push(t.await.unwrap());
        }
        assert_eq!(
            done,
            (0..24).collect::<Vec<_>>(),
            "every closure ran, results in order"
        );
        assert_eq!(
            most.load(Ordering::SeqCst),
            3,
            "the limit was reached, never passed"
        );
        assert_eq!(limit.available(), 3, "every permit came back");
    }

    #[tokio::test]
    async fn a_panic_returns_its_permit() {
        let limit = BlockingLimit::new(1);
        assert!(limit.run(|| panic!("boom")).await.is_err());
        assert_eq!(limit.run(|| 7).await.unwrap(), 7);
    }

    #[test]
    fn zero_permits_means_one() {
        assert_eq!(BlockingLimit::new(0).available(), 1);
        assert!(BlockingLimit::per_core(2).available() >= 2);
    }
}
