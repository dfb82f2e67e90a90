//! `/metrics`: request counts and latency histograms by route, build
//! durations and item counts, in the Prometheus text format.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

/// Latency buckets, seconds.
const REQUEST_BUCKETS: [f64; 12] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5];
const BUILD_BUCKETS: [f64; 11] = [0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

#[derive(Clone, Debug, Default)]
struct Histogram {
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

impl Histogram {
    fn observe(&mut self, buckets: &[f64], v: f64) {
        if self.counts.len() != buckets.len() {
            self.counts = vec![0; buckets.len()];
        }
        for (c, b) in self.counts.iter_mut().zip(buckets) {
            if v <= *b {
                *c += 1;
            }
        }
        self.sum += v;
        self.count += 1;
    }

    fn write(&self, out: &mut String, name: &str, labels: &str, buckets: &[f64]) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (i, b) in buckets.iter().enumerate() {
            let c = self.counts.get(i).copied().unwrap_or(0);
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{b}\"}} {c}");
        }
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}", self.count);
        let braces = if labels.is_empty() { String::new() } else { format!("{{{labels}}}") };
        let _ = writeln!(out, "{name}_sum{braces} {}", self.sum);
        let _ = writeln!(out, "{name}_count{braces} {}", self.count);
    }
}

#[derive(Default)]
struct Inner {
    /// (route, status) → count.
    requests: BTreeMap<(&'static str, u16), u64>,
    latency: BTreeMap<&'static str, Histogram>,
    builds: BTreeMap<(&'static str, bool), Histogram>,
}

/// The server's counters.
#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

/// Gauges read from the current snapshot when `/metrics` is asked.
pub struct Gauges {
    pub items: usize,
    pub errors: usize,
    pub warnings: usize,
    pub site_files: usize,
    pub site_bytes: usize,
    pub generation: u64,
    pub build_ok: bool,
    pub sse_clients: usize,
}

impl Metrics {
    pub fn request(&self, route: &'static str, status: u16, seconds: f64) {
        if let Ok(mut m) = self.inner.lock() {
            *m.requests.entry((route, status)).or_insert(0) += 1;
            m.latency.entry(route).or_default().observe(&REQUEST_BUCKETS, seconds);
        }
    }

    pub fn build(&self, phase: &'static str, ok: bool, seconds: f64) {
        if let Ok(mut m) = self.inner.lock() {
            m.builds.entry((phase, ok)).or_default().observe(&BUILD_BUCKETS, seconds);
        }
    }

    /// The Prometheus text exposition.
    pub fn render(&self, g: &Gauges) -> String {
        let mut out = String::new();
        let Ok(m) = self.inner.lock() else { return out };
        out.push_str("# HELP cairn_http_requests_total HTTP requests by route and status code.\n");
        out.push_str("# TYPE cairn_http_requests_total counter\n");
        for ((route, status), n) in &m.requests {
            let _ = writeln!(out, "cairn_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}");
        }
        out.push_str("# HELP cairn_http_request_duration_seconds Time to answer a request, by route.\n");
        out.push_str("# TYPE cairn_http_request_duration_seconds histogram\n");
        for (route, h) in &m.latency {
            h.write(&mut out, "cairn_http_request_duration_seconds", &format!("route=\"{route}\""), &REQUEST_BUCKETS);
        }
        out.push_str("# HELP cairn_build_duration_seconds Rebuild time by phase (full, fast, settle) and result.\n");
        out.push_str("# TYPE cairn_build_duration_seconds histogram\n");
        for ((phase, ok), h) in &m.builds {
            let labels = format!("phase=\"{phase}\",result=\"{}\"", if *ok { "ok" } else { "error" });
            h.write(&mut out, "cairn_build_duration_seconds", &labels, &BUILD_BUCKETS);
        }
        let gauge = |out: &mut String, name: &str, help: &str, v: String| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {v}");
        };
        gauge(&mut out, "cairn_items", "Items in the served backlog.", g.items.to_string());
        gauge(&mut out, "cairn_diagnostics_errors", "Errors found by check.", g.errors.to_string());
        gauge(&mut out, "cairn_diagnostics_warnings", "Warnings found by check.", g.warnings.to_string());
        gauge(&mut out, "cairn_site_files", "Files of the rendered site in memory.", g.site_files.to_string());
        gauge(&mut out, "cairn_site_bytes", "Bytes of the rendered site in memory.", g.site_bytes.to_string());
        gauge(&mut out, "cairn_build_generation", "Number of the served build.", g.generation.to_string());
        gauge(&mut out, "cairn_build_ok", "1 when the last build succeeded.", u8::from(g.build_ok).to_string());
        gauge(&mut out, "cairn_sse_clients", "Open live-reload connections.", g.sse_clients.to_string());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_format() {
        let m = Metrics::default();
        m.request("static", 200, 0.0007);
        m.request("static", 200, 0.02);
        m.build("fast", true, 0.04);
        let g = Gauges {
            items: 3,
            errors: 0,
            warnings: 1,
            site_files: 10,
            site_bytes: 100,
            generation: 2,
            build_ok: true,
            sse_clients: 0,
        };
        let t = m.render(&g);
        assert!(t.contains("cairn_http_requests_total{route=\"static\",status=\"200\"} 2\n"), "{t}");
        assert!(t.contains("cairn_http_request_duration_seconds_bucket{route=\"static\",le=\"0.001\"} 1\n"), "{t}");
        assert!(t.contains("cairn_http_request_duration_seconds_bucket{route=\"static\",le=\"+Inf\"} 2\n"), "{t}");
        assert!(t.contains("cairn_build_duration_seconds_count{phase=\"fast\",result=\"ok\"} 1\n"), "{t}");
        assert!(t.contains("cairn_items 3\n"), "{t}");
    }
}
