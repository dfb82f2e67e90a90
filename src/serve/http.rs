//! Requests: method and size limits, path decoding and the traversal
//! check, routing to the site, the live API, `/healthz`, `/metrics` and
//! the live-reload stream.

use std::io::{Cursor, Write};
use std::sync::Arc;
use std::time::Instant;

use tiny_http::{Header, Method, Request, Response, StatusCode};

use super::api::{self, ApiError};
use super::metrics::Gauges;
use super::State;

/// Longest accepted request target.
pub const MAX_URL: usize = 8 * 1024;

/// A response before it is sent.
pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Arc<[u8]>,
    pub route: &'static str,
    pub extra: Vec<(&'static str, String)>,
}

impl Reply {
    fn new(status: u16, content_type: &'static str, body: impl Into<Arc<[u8]>>, route: &'static str) -> Reply {
        Reply { status, content_type, body: body.into(), route, extra: Vec::new() }
    }

    fn json(body: Vec<u8>, route: &'static str) -> Reply {
        Reply::new(200, "application/json", body, route)
    }

    fn error(e: &ApiError, route: &'static str) -> Reply {
        Reply::new(e.status, "application/json", e.body(), route)
    }

    fn not_found() -> Reply {
        Reply::new(404, "text/plain; charset=utf-8", &b"404 not found\n"[..], "not_found")
    }
}

/// The content type of a site file.
pub fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "jsonl" => "application/x-ndjson",
        "svg" => "image/svg+xml",
        "xml" => "application/atom+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "pdf" => "application/pdf",
        "txt" | "md" => "text/plain; charset=utf-8",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// The site path a URL path names, or `None` when it tries to leave the
/// site (`..`, encoded or not), has bad escapes or odd characters.
pub fn site_path(raw: &str) -> Option<String> {
    let decoded = api::percent_decode(raw, false)?;
    if decoded.contains(['\\', '\0']) || !decoded.starts_with('/') {
        return None;
    }
    let mut parts = Vec::new();
    for seg in decoded[1..].split('/') {
        match seg {
            "" => {}
            "." | ".." => return None,
            s if s.chars().any(char::is_control) => return None,
            s => parts.push(s),
        }
    }
    let mut p = parts.join("/");
    if p.is_empty() || decoded.ends_with('/') {
        if !p.is_empty() {
            p.push('/');
        }
        p.push_str("index.html");
    }
    Some(p)
}

/// Answers one request (never panics on input).
pub fn respond(state: &State, req: Request) {
    let start = Instant::now();
    let method = req.method().clone();
    if !matches!(method, Method::Get | Method::Head) {
        let mut r = Reply::new(
            405,
            "text/plain; charset=utf-8",
            &b"405 method not allowed: cairn serve is read-only\n"[..],
            "rejected",
        );
        r.extra.push(("Allow", "GET, HEAD".into()));
        return send(state, req, r, start);
    }
    if req.body_length().is_some_and(|n| n > 0) {
        let r = Reply::new(413, "text/plain; charset=utf-8", &b"413 request body not allowed\n"[..], "rejected");
        return send(state, req, r, start);
    }
    let url = req.url().to_string();
    if url.len() > MAX_URL {
        let r = Reply::new(414, "text/plain; charset=utf-8", &b"414 request target too long\n"[..], "rejected");
        return send(state, req, r, start);
    }
    let (path, query) = url.split_once('?').unwrap_or((url.as_str(), ""));
    if path == "/_cairn/events" {
        return events_stream(state, req, start);
    }
    let reply = route(state, path, query);
    send(state, req, reply, start);
}

/// Routes a request (everything but the event stream); public for tests.
pub fn route(state: &State, path: &str, query: &str) -> Reply {
    let snap = state.snapshot();
    let Some(p) = site_path(path) else { return Reply::not_found() };
    match p.as_str() {
        "healthz" => {
            return match &snap.error {
                None => Reply::new(200, "text/plain; charset=utf-8", &b"ok\n"[..], "healthz"),
                Some(e) => {
                    Reply::new(503, "text/plain; charset=utf-8", format!("build failed: {e}\n").into_bytes(), "healthz")
                }
            }
        }
        "metrics" => {
            let g = Gauges {
                items: snap.listed.len(),
                errors: snap.report.errors(),
                warnings: snap.report.warnings(),
                site_files: snap.site.len(),
                site_bytes: snap.site.values().map(|v| v.len()).sum(),
                generation: snap.generation,
                build_ok: snap.error.is_none(),
                sse_clients: state.hub.len(),
            };
            let text = state.metrics.render(&g);
            return Reply::new(200, "text/plain; version=0.0.4; charset=utf-8", text.into_bytes(), "metrics");
        }
        "api/v1/openapi.json" => {
            return Reply::new(200, "application/json", state.openapi.clone(), "openapi");
        }
        _ => {}
    }
    if let Some(rest) = p.strip_prefix("api/v1/") {
        let api_route: Option<&'static str> = match rest {
            "items" => Some("api_items"),
            "ready" => Some("api_ready"),
            "graph" => Some("api_graph"),
            "events" => Some("api_events"),
            r if r.starts_with("items/") && !r.ends_with(".json") => Some("api_item"),
            r if r.starts_with("impact/") => Some("api_impact"),
            _ => None,
        };
        if let Some(route) = api_route {
            let params = match api::parse_query(query) {
                Ok(p) => p,
                Err(e) => return Reply::error(&e, route),
            };
            let tail = |pre: &str| rest.strip_prefix(pre).unwrap_or("").to_string();
            let r = match route {
                "api_items" => api::items(&snap, &state.cache, &params),
                "api_ready" => api::ready(&snap, &params),
                "api_graph" => api::graph(&snap, &params),
                "api_events" => api::events(&snap, &params),
                "api_item" => api::item(&snap, &tail("items/"), &params),
                _ => api::impact(&snap, &tail("impact/"), &params),
            };
            return match r {
                Ok(body) => Reply::json(body, route),
                Err(e) => Reply::error(&e, route),
            };
        }
    }
    let found = snap.site.get(p.as_str()).map(|b| (p.clone(), b.clone())).or_else(|| {
        // `/board` → `board/index.html`
        let alt = format!("{p}/index.html");
        snap.site.get(alt.as_str()).map(|b| (alt, b.clone()))
    });
    match found {
        Some((name, body)) => Reply::new(200, content_type(&name), body, "static"),
        None => Reply::not_found(),
    }
}

fn header(name: &str, value: &str) -> Option<Header> {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).ok()
}

fn send(state: &State, req: Request, r: Reply, start: Instant) {
    let len = r.body.len();
    let mut headers: Vec<Header> = Vec::new();
    headers.extend(header("Content-Type", r.content_type));
    headers.extend(header("X-Content-Type-Options", "nosniff"));
    headers.extend(header("Cache-Control", "no-cache"));
    headers.extend(header("Referrer-Policy", "no-referrer"));
    for (k, v) in &r.extra {
        headers.extend(header(k, v));
    }
    let resp = Response::new(StatusCode(r.status), headers, Cursor::new(r.body), Some(len), None)
        .with_chunked_threshold(usize::MAX);
    let _ = req.respond(resp);
    state.metrics.request(r.route, r.status, start.elapsed().as_secs_f64());
}

/// `/_cairn/events`: the response head, the current state, then the
/// connection is handed to the hub.
fn events_stream(state: &State, req: Request, start: Instant) {
    if state.hub.len() >= super::sse::MAX_CLIENTS {
        let r = Reply::new(503, "text/plain; charset=utf-8", &b"503 too many live-reload connections\n"[..], "events");
        return send(state, req, r, start);
    }
    let snap = state.snapshot();
    let mut w = req.into_writer();
    let mut head = String::from(
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nX-Content-Type-Options: nosniff\r\nConnection: keep-alive\r\n\r\n",
    );
    head.push_str(": cairn live reload\n\n");
    head.push_str(&super::sse::frame("hello", &format!("{{\"generation\":{}}}", snap.generation)));
    if let Some(e) = &snap.error {
        head.push_str(&super::sse::frame("error", e));
    }
    let ok = w.write_all(head.as_bytes()).is_ok() && w.flush().is_ok();
    state.metrics.request("events", 200, start.elapsed().as_secs_f64());
    if ok {
        state.hub.add(w);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_is_refused() {
        assert_eq!(site_path("/").as_deref(), Some("index.html"));
        assert_eq!(site_path("/board/").as_deref(), Some("board/index.html"));
        assert_eq!(site_path("/items/a.html").as_deref(), Some("items/a.html"));
        assert_eq!(site_path("/items%2Fa.html").as_deref(), Some("items/a.html"));
        assert_eq!(site_path("/../etc/passwd"), None);
        assert_eq!(site_path("/%2e%2e/etc/passwd"), None);
        assert_eq!(site_path("/items/..%2f..%2fcairn.yml"), None);
        assert_eq!(site_path("/a%5c..%5cb"), None);
        assert_eq!(site_path("/a%00"), None);
        assert_eq!(site_path("/%zz"), None);
        assert_eq!(site_path("/%c0%ae%c0%ae/x"), None);
    }

    #[test]
    fn types() {
        assert_eq!(content_type("a/b.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("badges/x.svg"), "image/svg+xml");
        assert_eq!(content_type("x"), "application/octet-stream");
    }
}
