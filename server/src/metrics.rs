//! Process-wide counters, rendered in the Prometheus text format on a separate listener.
//!
//! Labels come from fixed sets only (route templates, methods, statuses, outcome names): no id,
//! name, e-mail, token, address or anything from a request body can become a label or a value.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

/// Upper bounds (seconds) of the latency histogram's buckets.
const LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// Why a view was refused, as counted.
#[derive(Clone, Copy, Debug)]
pub enum Refusal {
    /// Unknown, expired or used up.
    NotFound,
    /// The access type needs a viewer the policy did not allow.
    Restricted,
    /// A password was needed and none was presented.
    PasswordRequired,
    /// The password or verifier was wrong.
    InvalidCredentials,
}

impl Refusal {
    fn label(self) -> &'static str {
        match self {
            Refusal::NotFound => "not_found",
            Refusal::Restricted => "restricted",
            Refusal::PasswordRequired => "password_required",
            Refusal::InvalidCredentials => "invalid_credentials",
        }
    }
}

#[derive(Default)]
struct Histogram {
    buckets: [u64; LATENCY_BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// Everything counted since the process started.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(&'static str, &'static str, u16), u64>>,
    latency: Mutex<BTreeMap<&'static str, Histogram>>,
    store_errors: Mutex<BTreeMap<&'static str, u64>>,
    refused: Mutex<BTreeMap<&'static str, u64>>,
    granted: AtomicU64,
    created: AtomicU64,
    rate_limited: AtomicU64,
}

/// The process's metrics.
pub static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::default);

/// The routes whose paths carry nothing chosen by the client: logged and labelled as they are.
pub const FIXED_ROUTES: &[&str] = &[
    "/",
    "/healthz",
    "/readyz",
    "/assets.json",
    "/api/openapi.json",
    "/api/v1/shared-secrets",
    "/api/v1/shared-secrets/public",
    "/api/v1/shared-secrets/requests",
];

/// The route template of `path`: one of a fixed set, never the path itself.
pub fn route_label(path: &str, is_asset: impl Fn(&str) -> bool) -> &'static str {
    if let Some(fixed) = FIXED_ROUTES.iter().find(|f| **f == path) {
        return fixed;
    }
    if let Some(rest) = path.strip_prefix("/api/v1/shared-secrets/requests/") {
        return if rest.ends_with("/set-value") {
            "/api/v1/shared-secrets/requests/{id}/set-value"
        } else if rest.ends_with("/reveal-value") {
            "/api/v1/shared-secrets/requests/{id}/reveal-value"
        } else {
            "/api/v1/shared-secrets/requests/{id}"
        };
    }
    if let Some(rest) = path.strip_prefix("/api/v1/shared-secrets/") {
        return if rest.ends_with("/access") {
            "/api/v1/shared-secrets/{id}/access"
        } else {
            "/api/v1/shared-secrets/{id}"
        };
    }
    if path.starts_with("/s/") {
        return "/s/{id}";
    }
    if let Some(rest) = path.strip_prefix("/branding/") {
        return match rest.rsplit_once('/').map(|(_, file)| file) {
            Some("logo") => "/branding/{org}/logo",
            Some("favicon") => "/branding/{org}/favicon",
            Some("theme.css") => "/branding/{org}/theme.css",
            _ => "other",
        };
    }
    if is_asset(path) {
        return "asset";
    }
    "other"
}

/// The method as a label: the ones the API uses, else `OTHER`.
pub fn method_label(method: &axum::http::Method) -> &'static str {
    const KNOWN: &[&str] = &["GET", "HEAD", "POST", "DELETE", "OPTIONS", "PUT", "PATCH"];
    KNOWN
        .iter()
        .find(|m| **m == method.as_str())
        .copied()
        .unwrap_or("OTHER")
}

impl Metrics {
    /// Counts one answered request.
    pub fn request(&self, route: &'static str, method: &'static str, status: u16, took: Duration) {
        *lock(&self.requests)
            .entry((route, method, status))
            .or_default() += 1;
        if status == 429 {
            self.rate_limited.fetch_add(1, Ordering::Relaxed);
        }
        let seconds = took.as_secs_f64();
        let mut latency = lock(&self.latency);
        let h = latency.entry(route).or_default();
        for (bucket, bound) in h.buckets.iter_mut().zip(LATENCY_BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
        h.count += 1;
        h.sum += seconds;
    }

    /// Counts a store call that failed: `unavailable`, `conflict` or `internal`.
    pub fn store_error(&self, kind: &'static str) {
        *lock(&self.store_errors).entry(kind).or_default() += 1;
    }

    /// Counts a view granted.
    pub fn view_granted(&self) {
        self.granted.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a view refused.
    pub fn view_refused(&self, why: Refusal) {
        *lock(&self.refused).entry(why.label()).or_default() += 1;
    }

    /// Counts a secret stored.
    pub fn secret_created(&self) {
        self.created.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition (version 0.0.4) of everything, with the Argon2id queue.
    pub fn render(&self, argon2_waiting: usize, argon2_running: usize) -> String {
        let mut out = String::new();
        let mut lines = Vec::new();

        let name = family(
            &mut out,
            "zkshare_http_requests_total",
            "counter",
            "HTTP requests answered, by route template, method and status.",
        );
        for ((route, method, status), n) in lock(&self.requests).iter() {
            lines.push(format!(
                "{name}{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}} {n}"
            ));
        }
        flush(&mut out, &mut lines);

        let name = family(
            &mut out,
            "zkshare_http_request_duration_seconds",
            "histogram",
            "Time from receiving a request to its response, by route template.",
        );
        for (route, h) in lock(&self.latency).iter() {
            for (n, bound) in h.buckets.iter().zip(LATENCY_BUCKETS) {
                lines.push(format!(
                    "{name}_bucket{{route=\"{route}\",le=\"{bound}\"}} {n}"
                ));
            }
            lines.push(format!(
                "{name}_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                h.count
            ));
            lines.push(format!("{name}_sum{{route=\"{route}\"}} {}", h.sum));
            lines.push(format!("{name}_count{{route=\"{route}\"}} {}", h.count));
        }
        flush(&mut out, &mut lines);

        let name = family(
            &mut out,
            "zkshare_store_errors_total",
            "counter",
            "Store calls that failed: unavailable (answered 503), conflict, internal.",
        );
        for (kind, n) in lock(&self.store_errors).iter() {
            lines.push(format!("{name}{{kind=\"{kind}\"}} {n}"));
        }
        flush(&mut out, &mut lines);

        let name = family(
            &mut out,
            "zkshare_views_granted_total",
            "counter",
            "Views of secrets granted.",
        );
        lines.push(format!("{name} {}", self.granted.load(Ordering::Relaxed)));
        flush(&mut out, &mut lines);

        let name = family(
            &mut out,
            "zkshare_views_refused_total",
            "counter",
            "View attempts refused, by reason.",
        );
        for (reason, n) in lock(&self.refused).iter() {
            lines.push(format!("{name}{{reason=\"{reason}\"}} {n}"));
        }
        flush(&mut out, &mut lines);

        let name = family(
            &mut out,
            "zkshare_secrets_created_total",
            "counter",
            "Secrets stored.",
        );
        lines.push(format!("{name} {}", self.created.load(Ordering::Relaxed)));
        flush(&mut out, &mut lines);

        let name = family(
            &mut out,
            "zkshare_rate_limited_requests_total",
            "counter",
            "Requests answered 429 (rate limit, creation quota, per-client share in flight).",
        );
        lines.push(format!(
            "{name} {}",
            self.rate_limited.load(Ordering::Relaxed)
        ));
        flush(&mut out, &mut lines);

        let name = family(
            &mut out,
            "zkshare_argon2_queue_depth",
            "gauge",
            "Argon2id hashes of plain passwords waiting for a thread.",
        );
        lines.push(format!("{name} {argon2_waiting}"));
        flush(&mut out, &mut lines);

        let name = family(
            &mut out,
            "zkshare_argon2_running",
            "gauge",
            "Argon2id hashes of plain passwords being computed.",
        );
        lines.push(format!("{name} {argon2_running}"));
        flush(&mut out, &mut lines);
        out
    }
}

fn family(out: &mut String, name: &'static str, kind: &str, help: &str) -> &'static str {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
    name
}

fn flush(out: &mut String, lines: &mut Vec<String>) {
    for line in lines.drain(..) {
        out.push_str(&line);
        out.push('\n');
    }
}

/// A poisoned lock only means a panic elsewhere mid-update; counts stay usable.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_templates() {
        let asset = |p: &str| p == "/js/app.js";
        let id = "AAAAAAAAAAAAAAAAAAAAAA";
        assert_eq!(
            route_label(&format!("/api/v1/shared-secrets/{id}/access"), asset),
            "/api/v1/shared-secrets/{id}/access"
        );
        assert_eq!(
            route_label(&format!("/api/v1/shared-secrets/{id}%23key"), asset),
            "/api/v1/shared-secrets/{id}"
        );
        assert_eq!(route_label(&format!("/s/{id}"), asset), "/s/{id}");
        assert_eq!(
            route_label("/api/v1/shared-secrets/requests", asset),
            "/api/v1/shared-secrets/requests"
        );
        for action in ["", "/set-value", "/reveal-value"] {
            assert_eq!(
                route_label(
                    &format!("/api/v1/shared-secrets/requests/{id}{action}"),
                    asset
                ),
                format!("/api/v1/shared-secrets/requests/{{id}}{action}")
            );
        }
        assert_eq!(route_label("/js/app.js", asset), "asset");
        let org = "6b125223-238a-4d27-932b-50e7e062d023";
        for file in ["logo", "favicon", "theme.css"] {
            assert_eq!(
                route_label(&format!("/branding/{org}/{file}"), asset),
                format!("/branding/{{org}}/{file}")
            );
        }
        assert_eq!(route_label(&format!("/branding/{org}/x"), asset), "other");
        assert_eq!(route_label("/wp-admin/secret-name", asset), "other");
    }

    #[test]
    fn renders_counters_and_histograms() {
        let m = Metrics::default();
        m.request("/healthz", "GET", 200, Duration::from_millis(3));
        m.request(
            "/api/v1/shared-secrets",
            "POST",
            429,
            Duration::from_millis(1),
        );
        m.view_refused(Refusal::NotFound);
        m.secret_created();
        let text = m.render(2, 1);
        for line in [
            "zkshare_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 1",
            "zkshare_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.0025\"} 0",
            "zkshare_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.005\"} 1",
            "zkshare_http_request_duration_seconds_count{route=\"/healthz\"} 1",
            "zkshare_views_refused_total{reason=\"not_found\"} 1",
            "zkshare_secrets_created_total 1",
            "zkshare_rate_limited_requests_total 1",
            "zkshare_argon2_queue_depth 2",
            "zkshare_argon2_running 1",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing in\n{text}");
        }
    }
}
