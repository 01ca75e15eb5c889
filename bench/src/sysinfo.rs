//! The machine the numbers were measured on, and process memory from /proc.

use std::process::Command;

/// `(label, value)` rows describing the machine and tool versions.
pub fn describe() -> Vec<(String, String)> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .map(|kib| format!("{:.1} GiB", kib / 1024.0 / 1024.0))
        .unwrap_or_else(|| "unknown".into());
    vec![
        ("nproc".into(), output("nproc", &[])),
        ("CPU".into(), cpu),
        ("memory".into(), mem),
        ("kernel".into(), output("uname", &["-sr"])),
        (
            "redis-server".into(),
            output("redis-server", &["--version"]),
        ),
        ("chromium".into(), output("chromium", &["--version"])),
        ("rustc".into(), output("rustc", &["--version"])),
    ]
}

fn output(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "not available".into())
}

/// `(VmHWM, VmRSS)` of `pid` in KiB.
pub fn proc_status_kib(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
    };
    Some((field("VmHWM:")?, field("VmRSS:")?))
}

/// Sum of `(VmHWM, VmRSS)` over `pid` and its direct children (gunicorn master + workers).
pub fn tree_rss_kib(pid: u32) -> Option<(u64, u64)> {
    let (mut hwm, mut rss) = proc_status_kib(pid)?;
    let children =
        std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
    for child in children
        .split_whitespace()
        .filter_map(|c| c.parse::<u32>().ok())
    {
        if let Some((h, r)) = proc_status_kib(child) {
            hwm += h;
            rss += r;
        }
    }
    Some((hwm, rss))
}

/// CPU time (user + system, all threads) of `pid` in seconds.
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold spaces: count fields after the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // Fields 14 and 15 of stat (utime, stime) are 12 and 13 after the state (field 3).
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / clock_ticks())
}

fn clock_ticks() -> f64 {
    // USER_HZ is 100 on every Linux this runs on; `getconf CLK_TCK` confirms it when present.
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| output("getconf", &["CLK_TCK"]).parse().unwrap_or(100.0))
}

/// CPU seconds of `pid` and its direct children (a gunicorn master and its workers).
pub fn tree_cpu_seconds(pid: u32) -> Option<f64> {
    let mut total = cpu_seconds(pid)?;
    let children =
        std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
    for child in children
        .split_whitespace()
        .filter_map(|c| c.parse::<u32>().ok())
    {
        total += cpu_seconds(child).unwrap_or(0.0);
    }
    Some(total)
}

/// The 1-minute load average.
pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .take(3)
                .map(str::to_string)
                .reduce(|a, b| format!("{a} {b}"))
        })
        .unwrap_or_else(|| "unknown".into())
}

/// Processes whose CPU time is charged to each cell.
#[derive(Debug, Clone, Default)]
pub struct CpuWatch {
    /// `(label, pid, include children)`.
    pub pids: Vec<(&'static str, u32, bool)>,
}

impl CpuWatch {
    pub fn read(&self) -> Vec<f64> {
        self.pids
            .iter()
            .map(|&(_, pid, tree)| {
                if tree {
                    tree_cpu_seconds(pid)
                } else {
                    cpu_seconds(pid)
                }
                .unwrap_or(f64::NAN)
            })
            .collect()
    }
}

/// Machine-wide CPU seconds from /proc/stat: `(busy, steal, capacity per second)`, where busy is
/// everything but idle and iowait, and capacity is the number of CPUs.
pub fn machine_cpu() -> Option<(f64, f64, f64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let mut lines = stat.lines();
    let total: Vec<f64> = lines
        .next()?
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    let cpus = lines.filter(|l| l.starts_with("cpu")).count().max(1) as f64;
    // user nice system idle iowait irq softirq steal guest guest_nice (guest is inside user).
    let get = |i: usize| total.get(i).copied().unwrap_or(0.0);
    let busy = get(0) + get(1) + get(2) + get(5) + get(6) + get(7);
    Some((busy / clock_ticks(), get(7) / clock_ticks(), cpus))
}
