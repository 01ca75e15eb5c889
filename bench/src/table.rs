//! Number formats and table pieces the report's sections share.

use std::fmt::Write as _;

use crate::results::Cell;

pub fn ms(v: f64) -> String {
    if v.is_nan() {
        "–".into()
    } else if v < 10.0 {
        format!("{v:.3}")
    } else {
        format!("{v:.1}")
    }
}

/// How the rounds of a comparison were run and which one is shown.
pub fn rounds_note(rounds: &[(usize, Vec<f64>)]) -> String {
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
pub fn round_ratios(rounds: &[(usize, Vec<f64>)], c: usize, f: impl Fn(f64) -> String) -> String {
    rounds
        .iter()
        .find(|(at, _)| *at == c)
        .map_or("–".into(), |(_, r)| {
            r.iter().map(|&x| f(x)).collect::<Vec<_>>().join(" · ")
        })
}

/// "server · Redis · generator" for the CPU column header.
pub fn cpu_labels(cells: &[Cell]) -> String {
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

pub fn cpu_values(c: &Cell) -> String {
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
pub fn disturbance(c: &Cell) -> String {
    if c.others.is_finite() {
        format!("{:.0}% / {:.0}%", c.others * 100.0, c.steal * 100.0)
    } else {
        "–".into()
    }
}

pub fn cells_table(out: &mut String, cells: &[Cell]) {
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

pub fn kib_mb(k: u64) -> String {
    format!("{:.1} MB", k as f64 / 1024.0)
}
