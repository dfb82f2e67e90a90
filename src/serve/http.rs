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

/// Longest accepted request target (every parameter at its longest fits,
/// percent-encoded; see `api::max_len`).
pub const MAX_URL: usize = 24 * 1024;

/// The Content-Security-Policy of every response: scripts only from the
/// site itself (the theme's `app.js`, and in serve mode
/// `/_cairn/reload.js`: no inline script anywhere), no framing, no
/// plugins. Style attributes stay allowed (progress bars set their width
/// inline); images may come from anywhere (item bodies link to them).
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src * data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Security headers of every response (the live-reload stream too).
pub const SECURITY_HEADERS: [(&str, &str); 4] = [
    ("X-Content-Type-Options", "nosniff"),
    ("Content-Security-Policy", CSP),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
];

/// A response before it is sent.
pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Arc<[u8]>,
    pub route: &'static str,
    pub extra: Vec<(&'static str, String)>,
}

impl Reply {
    pub fn new(status: u16, content_type: &'static str, body: impl Into<Arc<[u8]>>, route: &'static str) -> Reply {
        Reply { status, content_type, body: body.into(), route, extra: Vec::new() }
    }

    fn json(body: Vec<u8>, route: &'static str) -> Reply {
        Reply::new(200, "application/json", body, route)
    }

    pub fn error(e: &ApiError, route: &'static str) -> Reply {
        Reply::new(e.status, "application/json", e.body(), route)
    }

    fn not_found() -> Reply {
        Reply::new(404, "text/plain; charset=utf-8", &b"404 not found\n"[..], "not_found")
    }

    /// A refusal: JSON (`{"error": …}`) under `/api/`, plain text elsewhere.
    fn refuse(status: u16, code: &'static str, message: &str, api: bool, route: &'static str) -> Reply {
        if api {
            let e = ApiError { status, code, message: message.to_string(), details: serde_json::json!({}) };
            return Reply::new(status, "application/json", e.body(), route);
        }
        Reply::new(status, "text/plain; charset=utf-8", format!("{status} {message}\n").into_bytes(), route)
    }

    /// 404 for a path that names nothing: JSON under `/api/`.
    fn nothing_at(path: &str) -> Reply {
        if is_api(path) {
            let e = ApiError::not_found(
                "no such API endpoint or item; see /api/v1/openapi.json",
                serde_json::json!({"path": path}),
            );
            return Reply::error(&e, "not_found");
        }
        Reply::not_found()
    }
}

/// Whether a request path (raw or decoded) is under `/api/`.
fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
        || path == "/api"
        || api::percent_decode(path, false).is_some_and(|p| p.starts_with("/api/"))
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
    let api = is_api(req.url());
    if let Some(rest) = write_rest(req.url(), &method) {
        return write(state, req, &method, &rest, start);
    }
    let allow = site_path(req.url().split('?').next().unwrap_or(""))
        .and_then(|p| p.strip_prefix("api/v1/").and_then(super::write::allowed_methods))
        .unwrap_or("GET, HEAD");
    if !allow.split(", ").any(|m| m == method.as_str()) {
        let msg = format!("method not allowed here (allowed: {allow})");
        let mut r = Reply::refuse(405, "method_not_allowed", &msg, api, "rejected");
        r.extra.push(("Allow", allow.into()));
        return send(state, req, r, start);
    }
    // A body, announced by a length or sent chunked, is refused (and the
    // connection closed: the unread body must not be taken for the next
    // request).
    if has_body(&req) {
        let mut r = Reply::refuse(413, "body_not_allowed", "request body not allowed", api, "rejected");
        r.extra.push(("Connection", "close".into()));
        return send(state, req, r, start);
    }
    let url = req.url().to_string();
    if url.len() > MAX_URL {
        let msg = format!("request target too long (the limit is {} KiB)", MAX_URL / 1024);
        let r = Reply::refuse(414, "uri_too_long", &msg, api, "rejected");
        return send(state, req, r, start);
    }
    let (path, query) = url.split_once('?').unwrap_or((url.as_str(), ""));
    if path == "/_cairn/events" {
        return events_stream(state, req, start);
    }
    let gzip = header_value(&req, "Accept-Encoding").is_some_and(super::page::accepts_gzip);
    let reply = route_with(state, path, query, gzip);
    send(state, req, reply, start);
}

fn has_body(req: &Request) -> bool {
    req.headers().iter().any(|h| h.field.equiv("Transfer-Encoding")) || req.body_length().is_some_and(|n| n > 0)
}

/// The path after `/api/v1/` of a write route (PATCH or POST), if the
/// request is one.
fn write_rest(url: &str, method: &Method) -> Option<String> {
    let m = match method {
        Method::Patch => "PATCH",
        Method::Post => "POST",
        _ => return None,
    };
    let path = url.split('?').next().unwrap_or("");
    let p = site_path(path)?;
    let rest = p.strip_prefix("api/v1/")?;
    super::write::route_of(m, rest).map(|_| rest.to_string())
}

fn header_value<'r>(req: &'r Request, name: &'static str) -> Option<&'r str> {
    req.headers().iter().find(|h| h.field.equiv(name)).map(|h| h.value.as_str())
}

/// A write: the token and Origin (403), the body's size (413), then
/// [`super::write::handle`].
fn write(state: &State, mut req: Request, method: &Method, rest: &str, start: Instant) {
    use std::io::Read;
    let route = super::write::route_of(method.as_str(), rest).unwrap_or("rejected");
    let refuse = |e: &ApiError, close: bool| {
        let mut r = Reply::error(e, route);
        if close {
            r.extra.push(("Connection", "close".into()));
        }
        r
    };
    let auth = super::write::authorize(
        header_value(&req, "X-Cairn-Token"),
        header_value(&req, "Origin"),
        header_value(&req, "Host"),
    );
    if let Err(e) = auth {
        let r = refuse(&e, has_body(&req));
        return send(state, req, r, start);
    }
    let cap = super::write::MAX_BODY;
    let too_big = || ApiError {
        status: 413,
        code: "body_too_large",
        message: format!("the request body is over {} KiB", cap / 1024),
        details: serde_json::json!({"limit": cap}),
    };
    if req.body_length().is_some_and(|n| n > cap) {
        let r = refuse(&too_big(), true);
        return send(state, req, r, start);
    }
    let mut body = Vec::new();
    let read = req.as_reader().take(cap as u64 + 1).read_to_end(&mut body);
    if read.is_err() {
        let e = ApiError::bad("unreadable_body", "the request body could not be read", serde_json::json!({}));
        let r = refuse(&e, true);
        return send(state, req, r, start);
    }
    if body.len() > cap {
        let r = refuse(&too_big(), true);
        return send(state, req, r, start);
    }
    let w = super::write::WriteRequest {
        method: method.as_str(),
        rest,
        if_match: header_value(&req, "If-Match"),
        body: &body,
    };
    let reply = super::write::handle(state, &w);
    send(state, req, reply, start);
}

/// Routes a request (everything but the event stream); public for tests.
/// Site files come as they are (inflated).
pub fn route(state: &State, path: &str, query: &str) -> Reply {
    route_with(state, path, query, false)
}

/// [`route`]; `gzip`: the client accepts gzip, and site files held
/// gzipped are sent so (`Content-Encoding: gzip`).
pub fn route_with(state: &State, path: &str, query: &str, gzip: bool) -> Reply {
    let snap = state.snapshot();
    let Some(p) = site_path(path) else { return Reply::nothing_at(path) };
    match p.as_str() {
        "healthz" => return health(state, &snap),
        "_cairn/reload.js" => {
            return Reply::new(200, "text/javascript; charset=utf-8", super::build::RELOAD_JS.as_bytes(), "static");
        }
        "_cairn/edit.js" => {
            return Reply::new(200, "text/javascript; charset=utf-8", super::write::EDIT_JS.as_bytes(), "static");
        }
        "_cairn/workflow.json" => {
            return Reply::new(200, "application/json", super::write::workflow_json(&snap), "static");
        }
        "metrics" => {
            let g = Gauges {
                items: snap.listed.len(),
                errors: snap.report.errors(),
                warnings: snap.report.warnings(),
                site_files: snap.site.len(),
                site_bytes: snap.site.values().map(|v| v.stored_len()).sum(),
                generation: snap.generation,
                build_ok: snap.error.is_none(),
                sse_clients: state.hub.len(),
            };
            let text = state.metrics.render(&g);
            return Reply::new(200, "text/plain; version=0.0.4; charset=utf-8", text.into_bytes(), "metrics");
        }
        "api/v1/openapi.json" => {
            return Reply::new(200, "application/json", state.openapi(&snap), "openapi");
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
                "api_items" => api::items(&snap, &state.cache, &params, Instant::now() + api::QUERY_DEADLINE),
                "api_ready" => api::ready(&snap, &params),
                "api_graph" => api::graph(&snap, &params),
                "api_events" => api::events(&snap, &params),
                "api_item" => {
                    let id = tail("items/");
                    return match api::item(&snap, &id, &params) {
                        Ok(body) => {
                            let etag = super::write::etag_of(&snap, &id);
                            let mut r = Reply::json(super::write::with_etag(body, etag.as_deref()), route);
                            if let Some(e) = etag {
                                r.extra.push(("ETag", format!("\"{e}\"")));
                            }
                            r
                        }
                        Err(e) => Reply::error(&e, route),
                    };
                }
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
        Some((name, page)) => {
            let mut r = match page.gzipped().filter(|_| gzip) {
                Some(gz) => {
                    let mut r = Reply::new(200, content_type(&name), gz.clone(), "static");
                    r.extra.push(("Content-Encoding", "gzip".into()));
                    r
                }
                None => Reply::new(200, content_type(&name), page.bytes(), "static"),
            };
            if page.gzipped().is_some() {
                // Caches keep the two forms apart.
                r.extra.push(("Vary", "Accept-Encoding".into()));
            }
            r
        }
        None => Reply::nothing_at(path),
    }
}

/// `/healthz`: 200 `{"status": "ok"}` when the last build succeeded and the
/// root is watched; else 503 with `"failed"` (the build error) or
/// `"stale"` (why the site may not follow the files).
fn health(state: &State, snap: &super::Snapshot) -> Reply {
    let stale = state.stale_reason();
    let (status, code) = match (&snap.error, &stale) {
        (Some(_), _) => ("failed", 503),
        (None, Some(_)) => ("stale", 503),
        (None, None) => ("ok", 200),
    };
    let mut v = serde_json::json!({"status": status, "generation": snap.generation});
    if let Some(e) = &snap.error {
        v["error"] = serde_json::json!(e);
    }
    if let Some(r) = &stale {
        v["stale"] = serde_json::json!(r);
    }
    let mut body = serde_json::to_vec(&v).unwrap_or_default();
    body.push(b'\n');
    Reply::new(code, "application/json", body, "healthz")
}

fn header(name: &str, value: &str) -> Option<Header> {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).ok()
}

fn send(state: &State, req: Request, r: Reply, start: Instant) {
    let len = r.body.len();
    let mut headers: Vec<Header> = Vec::new();
    headers.extend(header("Content-Type", r.content_type));
    headers.extend(header("Cache-Control", "no-cache"));
    for (k, v) in SECURITY_HEADERS {
        headers.extend(header(k, v));
    }
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
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: keep-alive\r\n",
    );
    for (k, v) in SECURITY_HEADERS {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
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
    fn healthz_says_failed_or_stale_in_json() {
        let mut snap =
            crate::serve::Snapshot::failed(3, std::path::PathBuf::from("/r"), "templates/x.html: boom".into());
        let state = State::new(Arc::new(crate::serve::Snapshot::failed(2, "/r".into(), "boom".into())));
        let body = |r: &Reply| serde_json::from_slice::<serde_json::Value>(&r.body).unwrap();
        let r = route(&state, "/healthz", "");
        assert_eq!((r.status, r.content_type), (503, "application/json"));
        assert_eq!(body(&r), serde_json::json!({"status": "failed", "generation": 2, "error": "boom"}));
        snap.error = None;
        state.publish(Arc::new(snap));
        let r = route(&state, "/healthz", "");
        assert_eq!(r.status, 200);
        assert_eq!(body(&r), serde_json::json!({"status": "ok", "generation": 3}));
        state.set_stale(Some("cannot watch `/r`".into()));
        let r = route(&state, "/healthz", "");
        assert_eq!(r.status, 503);
        assert_eq!(body(&r), serde_json::json!({"status": "stale", "generation": 3, "stale": "cannot watch `/r`"}));
        state.set_stale(None);
        assert_eq!(route(&state, "/healthz", "").status, 200);
    }

    #[test]
    fn types() {
        assert_eq!(content_type("a/b.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("badges/x.svg"), "image/svg+xml");
        assert_eq!(content_type("x"), "application/octet-stream");
    }
}
