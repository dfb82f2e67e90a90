//! serve's write API: `PATCH /api/v1/items/{id}` (JSON Merge Patch with
//! `If-Match`), `POST /api/v1/items` and `POST /api/v1/items/{id}/rename`.
//!
//! Every write goes through the edit engine (`edit::plan` → `check` →
//! `apply`), one at a time (a lock), and is refused (403) without the
//! per-process token the served pages embed and a same-origin `Origin`.
//! After a write the same incremental rebuild as after a save in an editor
//! is triggered (not waited for from the watcher) and awaited, so the
//! response carries the new item object and open pages hear of it at once;
//! the watcher's own event for the file later finds nothing new.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::api::{self, ApiError};
use super::build::{Changes, Snapshot};
use super::http::Reply;
use super::write_body::{if_match, new_item, patch_ops};
use super::State;
use crate::check::{Diagnostic, Severity};
use crate::edit::{self, ChangeSet, Edit, EditError, Op};
use crate::load::Backlog;

/// The largest request body a write accepts (larger: 413).
pub const MAX_BODY: usize = 1024 * 1024;

/// How long a write waits for the rebuild it triggered.
const REBUILD_WAIT: Duration = Duration::from_secs(10);

/// The editing script of serve mode (`/_cairn/edit.js`); never part of the
/// static site.
pub const EDIT_JS: &str = include_str!("edit.js");

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

/// The random token of this process, embedded in served pages; a write
/// must send it back in `X-Cairn-Token`.
pub fn token() -> &'static str {
    static TOKEN: OnceLock<String> = OnceLock::new();
    TOKEN.get_or_init(|| {
        use std::hash::{BuildHasher, Hasher};
        use std::io::Read;
        let mut bytes = [0u8; 24];
        let from_os = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes)).is_ok();
        if !from_os {
            // No /dev/urandom: the standard library's randomly seeded hasher.
            for chunk in bytes.chunks_mut(8) {
                let mut h = std::collections::hash_map::RandomState::new().build_hasher();
                h.write_u128(
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map(|d| d.as_nanos())
                        .unwrap_or(0),
                );
                h.write_u32(std::process::id());
                let v = h.finish().to_le_bytes();
                chunk.copy_from_slice(&v[..chunk.len()]);
            }
        }
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    })
}

/// What serve puts into every HTML page: the token (before `</head>`) and
/// the live-reload and editing scripts (before `</body>`). Files, never
/// inline scripts (the Content-Security-Policy allows none).
pub fn inject(bytes: &[u8]) -> Vec<u8> {
    let meta = format!(r#"<meta name="cairn-token" content="{}">"#, token());
    let tags = format!(r#"{}<script src="/_cairn/edit.js"></script>"#, super::build::RELOAD_TAG);
    let find_last = |needle: &[u8], limit: usize| bytes[..limit].windows(needle.len()).rposition(|w| w == needle);
    let body = find_last(b"</body>", bytes.len()).unwrap_or(bytes.len());
    let head = find_last(b"</head>", body);
    let mut out = Vec::with_capacity(bytes.len() + meta.len() + tags.len());
    match head {
        Some(h) => {
            out.extend_from_slice(&bytes[..h]);
            out.extend_from_slice(meta.as_bytes());
            out.extend_from_slice(&bytes[h..body]);
        }
        None => out.extend_from_slice(&bytes[..body]),
    }
    out.extend_from_slice(tags.as_bytes());
    out.extend_from_slice(&bytes[body..]);
    out
}

/// The state writes share: one write at a time, and the hook to the
/// builder (writes trigger its rebuild and wait for it).
#[derive(Default)]
pub struct Writes {
    lock: Mutex<()>,
    /// The builder's channel, and the flag that cancels a running settle
    /// phase (as the watcher sets it when a save arrives).
    trigger: Mutex<Option<(Sender<Changes>, Arc<AtomicBool>)>>,
    /// Tickets of the rebuilds asked for (the last one sent).
    sent: AtomicU64,
    /// Writes applied so far: a build that starts when this is `n` reads
    /// the files of the first `n` writes as written.
    applied: AtomicU64,
    /// What the recent builds covered.
    built: Mutex<Built>,
    cond: Condvar,
    /// `serve --commit`: each applied change set is committed.
    commit: AtomicBool,
}

/// The last ticket a published build covers, and the last builds' paths
/// with the number of writes applied when each started.
#[derive(Default)]
struct Built {
    ticket: u64,
    recent: std::collections::VecDeque<(u64, Option<BTreeSet<PathBuf>>)>,
}

/// Builds remembered for waiting writes.
const RECENT_BUILDS: usize = 64;

/// How long a write waits for the watcher's rebuild of its files before
/// asking the builder itself (the watcher reports a save within a few
/// milliseconds; asking twice would rebuild twice).
const WATCHER_GRACE: Duration = Duration::from_millis(250);

/// What a build covered, as [`Writes::built`] is told.
pub struct Covered {
    ticket: u64,
    applied: u64,
}

impl Writes {
    /// Whether each change set is committed (`serve --commit`).
    pub fn commit_each(&self, on: bool) {
        self.commit.store(on, Ordering::SeqCst);
    }

    /// Connects the builder's channel (serve with a watcher).
    pub fn connect(&self, tx: Sender<Changes>, cancel: Arc<AtomicBool>) {
        *lock(&self.trigger) = Some((tx, cancel));
    }

    /// For the builder, before it takes the changes of a rebuild: the
    /// tickets up to this one are among them, and the writes applied so far
    /// are on disk.
    pub fn covered(&self) -> Covered {
        Covered { ticket: self.sent.load(Ordering::SeqCst), applied: self.applied.load(Ordering::SeqCst) }
    }

    /// For the builder, after it published a rebuild of `changes`.
    pub fn built(&self, c: Covered, changes: &Changes) {
        let mut g = lock(&self.built);
        g.ticket = g.ticket.max(c.ticket);
        if g.recent.len() == RECENT_BUILDS {
            g.recent.pop_front();
        }
        let paths = if changes.rescan { None } else { Some(changes.paths.clone()) };
        g.recent.push_back((c.applied, paths));
        self.cond.notify_all();
    }

    fn connected(&self) -> bool {
        lock(&self.trigger).is_some()
    }

    /// Waits (bounded) until a build that read `paths` as just written is
    /// published: the watcher's, else one asked for.
    fn rebuild(&self, paths: BTreeSet<PathBuf>) {
        let me = self.applied.fetch_add(1, Ordering::SeqCst) + 1;
        let seen = |b: &Built| {
            b.recent
                .iter()
                .any(|(applied, p)| *applied >= me && p.as_ref().is_none_or(|p| paths.iter().any(|x| p.contains(x))))
        };
        if self.wait(WATCHER_GRACE, |b| seen(b)) {
            return;
        }
        let ticket = {
            let g = lock(&self.trigger);
            let Some((tx, cancel)) = g.as_ref() else { return };
            // A running settle phase stops for this (it resumes after).
            cancel.store(true, Ordering::SeqCst);
            if tx.send(Changes { paths: paths.clone(), rescan: false }).is_err() {
                return;
            }
            // Counted after the send: a builder that sees the ticket finds
            // the changes in its channel.
            self.sent.fetch_add(1, Ordering::SeqCst) + 1
        };
        self.wait(REBUILD_WAIT, |b| b.ticket >= ticket || seen(b));
    }

    /// Waits up to `limit` for `done`; whether it came.
    fn wait(&self, limit: Duration, done: impl Fn(&Built) -> bool) -> bool {
        let deadline = Instant::now() + limit;
        let mut g = lock(&self.built);
        while !done(&g) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            g = match self.cond.wait_timeout(g, left) {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            };
        }
        true
    }
}

/// A write request, as the router hands it over.
pub struct WriteRequest<'a> {
    /// `PATCH` or `POST`.
    pub method: &'a str,
    /// The site path after `api/v1/`: `items`, `items/ID`, `items/ID/rename`.
    pub rest: &'a str,
    pub if_match: Option<&'a str>,
    pub body: &'a [u8],
}

/// What a write route is, from the method and the path (`None`: not a
/// write route).
pub fn route_of(method: &str, rest: &str) -> Option<&'static str> {
    let id_of = |r: &str| !r.is_empty() && !r.contains('/');
    match (method, rest) {
        ("POST", "items") => Some("api_create"),
        ("POST", r) if r.strip_prefix("items/").and_then(|r| r.strip_suffix("/rename")).is_some_and(id_of) => {
            Some("api_rename")
        }
        // Any other id (a `/` in it too) is the PATCH route: 404 if no item has it.
        ("PATCH", r) if r.strip_prefix("items/").is_some_and(|id| !id.is_empty() && !id.ends_with("/rename")) => {
            Some("api_patch")
        }
        _ => None,
    }
}

/// The methods a write path allows (for 405's `Allow`), if it is one.
pub fn allowed_methods(rest: &str) -> Option<&'static str> {
    if rest == "items" {
        return Some("GET, HEAD, POST");
    }
    let r = rest.strip_prefix("items/")?;
    if r.strip_suffix("/rename").is_some_and(|id| !id.is_empty() && !id.contains('/')) {
        return Some("POST");
    }
    (!r.is_empty()).then_some("GET, HEAD, PATCH")
}

pub(super) fn err(status: u16, code: &'static str, message: impl Into<String>, details: Value) -> ApiError {
    ApiError { status, code, message: message.into(), details }
}

/// Equal without an early exit on the first difference.
fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// 403 unless the request carries the token and comes from a page of this
/// server (`Origin` = `http://` + `Host`).
pub fn authorize(token: Option<&str>, origin: Option<&str>, host: Option<&str>) -> Result<(), ApiError> {
    if !token.is_some_and(|t| same_secret(t.trim(), self::token())) {
        return Err(err(
            403,
            "forbidden",
            "a write needs the X-Cairn-Token header the served pages embed (<meta name=\"cairn-token\">)",
            json!({"header": "X-Cairn-Token"}),
        ));
    }
    let same = match (origin, host) {
        (Some(o), Some(h)) => o.trim().eq_ignore_ascii_case(&format!("http://{}", h.trim())),
        _ => false,
    };
    if !same {
        return Err(err(
            403,
            "forbidden",
            "a write needs an Origin header equal to this server's origin (http:// and the Host header)",
            json!({"header": "Origin"}),
        ));
    }
    if !host.is_some_and(direct_host) {
        return Err(err(
            403,
            "forbidden",
            "writes are accepted only for a Host that is an IP address or localhost (a page under another name may be a DNS-rebinding attack)",
            json!({"header": "Host"}),
        ));
    }
    Ok(())
}

/// Whether a `Host` header names the server directly (an IP address or
/// `localhost`), not through a DNS name an attacker could point at it.
fn direct_host(host: &str) -> bool {
    let host = host.trim();
    let name = match host.strip_prefix('[') {
        Some(v6) => return v6.split(']').next().is_some_and(|a| a.parse::<std::net::Ipv6Addr>().is_ok()),
        None => host
            .rsplit_once(':')
            .map_or(host, |(h, port)| if port.bytes().all(|b| b.is_ascii_digit()) { h } else { host }),
    };
    let name = name.to_ascii_lowercase();
    name.parse::<std::net::Ipv4Addr>().is_ok() || name == "localhost" || name.ends_with(".localhost")
}

/// Answers a write (the caller checked the token with [`authorize`] and
/// read the body).
pub fn handle(state: &State, req: &WriteRequest) -> Reply {
    let route = route_of(req.method, req.rest).unwrap_or("rejected");
    match handle_inner(state, req, route) {
        Ok(r) => r,
        Err(e) => Reply::error(&e, route),
    }
}

fn handle_inner(state: &State, req: &WriteRequest, route: &'static str) -> Result<Reply, ApiError> {
    let body: Value = serde_json::from_slice(req.body)
        .map_err(|e| err(400, "invalid_json", format!("the request body is not JSON: {e}"), json!({})))?;
    let Value::Object(body) = body else {
        return Err(err(400, "invalid_json", "the request body must be a JSON object", json!({})));
    };
    if !state.writes.connected() {
        return Err(err(
            503,
            "read_only",
            "this server does not watch the root, so it does not write into it",
            json!({}),
        ));
    }
    let _one_at_a_time = lock(&state.writes.lock);
    let snap = state.snapshot();
    if let Some(e) = &snap.error {
        return Err(err(
            503,
            "build_failed",
            format!("the backlog does not build, so it is not edited: {e}"),
            json!({}),
        ));
    }
    let (edits, id) = match route {
        "api_patch" => {
            let id = req.rest.strip_prefix("items/").unwrap_or_default().to_string();
            let expect = if_match(req.if_match)?;
            if body.is_empty() {
                if snap.backlog.get(&id).is_none() {
                    return Err(edit_error(&EditError::UnknownId { id: id.clone(), hint: String::new() }, &id));
                }
                // Nothing to write; a stale etag is still a 412.
                let now = etag_of(&snap, &id);
                if expect.is_some() && now.is_some() && expect != now {
                    return Err(edit_error(
                        &EditError::Conflict { path: backlog_path(&snap, &id).unwrap_or_default() },
                        &id,
                    ));
                }
            }
            (patch_ops(&snap.backlog.config, &id, body, expect)?, id)
        }
        "api_rename" => {
            let id = req.rest.strip_prefix("items/").and_then(|r| r.strip_suffix("/rename")).unwrap_or_default();
            let to = match body.get("to") {
                Some(Value::String(s)) if body.len() == 1 => s.clone(),
                _ => return Err(err(400, "invalid_body", "the body is `{\"to\": \"NEW-ID\"}`", json!({}))),
            };
            (vec![Edit { op: Op::Rename { id: id.to_string(), to: to.clone() }, expect: None }], to)
        }
        _ => {
            let (item, body) = new_item(&snap.backlog.config, body)?;
            (vec![Edit::from(Op::Create { item, body })], String::new())
        }
    };
    let (cs, mut backlog) = plan(&snap, &id, route, edits)?;
    let problems = if cs.is_empty() { Vec::new() } else { cs.check_in(&mut backlog) };
    if !problems.is_empty() {
        return Err(refused(problems));
    }
    // Not kept while the rebuild runs: the last holder of a replaced
    // snapshot frees a whole build (tens of milliseconds at 10,000 items),
    // which is the builder's work after its news is out, not this reply's.
    drop(snap);
    let commit = !cs.is_empty() && state.writes.commit.load(Ordering::SeqCst);
    let mut committed = None;
    if !cs.is_empty() {
        if commit {
            // No repository or identity (any more): refused before writing.
            edit::commit::ready(&cs.root).map_err(|e| commit_error(&e, "nothing was written"))?;
        }
        cs.apply().map_err(|e| edit_error(&e, &id))?;
        // Committed before the wait: the watcher's rebuild runs meanwhile.
        let outcome = commit.then(|| cs.commit(&format!("cairn: {} (via serve)", cs.summary)));
        let mut paths = BTreeSet::new();
        for c in &cs.changes {
            paths.insert(cs.root.join(&c.path));
            if let Some(f) = &c.from {
                paths.insert(cs.root.join(f));
            }
        }
        state.writes.rebuild(paths);
        match outcome {
            Some(Ok(hash)) => committed = Some(hash),
            Some(Err(e)) => return Err(commit_error(&e, "the change was written but not committed")),
            None => {}
        }
    }
    let id = if route == "api_create" { created_id(&cs).unwrap_or_default() } else { id };
    let after = state.snapshot();
    let etag = cs
        .changes
        .iter()
        .find(|c| backlog_path(&after, &id).as_deref() == Some(c.path.as_str()))
        .map(|c| edit::file_hash(&c.new))
        .or_else(|| etag_of(&after, &id));
    // A draft (or an item the rebuild has not shown yet) is not listed:
    // what is known of it then.
    let body = item_body(&after, &id, etag.as_deref()).unwrap_or_else(|| {
        let path = cs.changes.iter().map(|c| c.path.clone()).find(|p| p.ends_with(&format!("/{id}.md")));
        serde_json::to_vec(&json!({"data": {"id": id, "path": path, "etag": etag, "listed": false}}))
            .unwrap_or_default()
    });
    let mut r = Reply::new(if route == "api_create" { 201 } else { 200 }, "application/json", body, route);
    if let Some(e) = etag {
        r.extra.push(("ETag", format!("\"{e}\"")));
    }
    if let Some(c) = committed {
        r.extra.push(("X-Cairn-Commit", c));
    }
    if route == "api_create" {
        r.extra.push(("Location", format!("/api/v1/items/{id}")));
    }
    Ok(r)
}

/// The id of the item a create made.
fn created_id(cs: &ChangeSet) -> Option<String> {
    let c = cs.changes.iter().find(|c| c.old.is_none())?;
    let config = crate::config::Config::load(&cs.root).ok()?;
    let (item, _) = crate::load::parse_item_bytes(&c.new, &c.path, &config);
    item.map(|i| i.id().to_string())
}

fn backlog_path(s: &Snapshot, id: &str) -> Option<String> {
    s.backlog.get(id).map(|i| i.path.clone())
}

/// Plans the edits, on the item's own file alone when that is the whole
/// check (as `cairn set` does), else on the served backlog.
fn plan(snap: &Snapshot, id: &str, route: &str, edits: Vec<Edit>) -> Result<(ChangeSet, Backlog), ApiError> {
    match plan_on(snap, id, route, edits.clone()) {
        Err(e) if e.status == 412 => {
            // A change refused anyway is a 422 (or 404), whatever its etag.
            let loose = edits.into_iter().map(|e| Edit { op: e.op, expect: None });
            let (cs, mut backlog) = plan_on(snap, id, route, loose.collect())?;
            let problems = cs.check_in(&mut backlog);
            if !problems.is_empty() {
                return Err(refused(problems));
            }
            Err(e)
        }
        r => r,
    }
}

fn plan_on(snap: &Snapshot, id: &str, route: &str, edits: Vec<Edit>) -> Result<(ChangeSet, Backlog), ApiError> {
    if route == "api_patch" {
        if let Some(one) = edit::engine::locate(&snap.backlog.root, &snap.backlog.config, id) {
            match edit::plan(&one, edits.clone()) {
                Ok(cs) if cs.is_local(&one) || cs.is_empty() => return Ok((cs, one)),
                Ok(_) => {}
                Err(e) => return Err(edit_error(&e, id)),
            }
        }
    }
    let backlog = (*snap.backlog).clone();
    let cs = edit::plan(&backlog, edits).map_err(|e| edit_error(&e, id))?;
    Ok((cs, backlog))
}

/// A diagnostic for a refusal that is not a `check` rule.
pub(super) fn edit_diagnostic(message: String, id: &str) -> Diagnostic {
    Diagnostic {
        severity: Severity::Error,
        code: "edit",
        message,
        file: String::new(),
        line: 1,
        column: 1,
        len: 0,
        id: (!id.is_empty()).then(|| id.to_string()),
        help: None,
        notes: Vec::new(),
    }
}

pub(super) fn refused(problems: Vec<Diagnostic>) -> ApiError {
    let n = problems.len();
    let message = match problems.first() {
        Some(d) if n == 1 => format!("the change would not check: {}", d.message),
        _ => format!("the change would introduce {n} errors; nothing was written"),
    };
    err(422, "invalid_change", message, json!({"diagnostics": problems}))
}

/// `serve --commit` could not commit: 500 with what happened to the files.
fn commit_error(e: &EditError, files: &str) -> ApiError {
    err(500, "commit_failed", format!("--commit: {e}; {files}"), json!({}))
}

fn edit_error(e: &EditError, id: &str) -> ApiError {
    match e {
        EditError::UnknownId { .. } => api::ApiError::not_found(e.to_string(), json!({"id": id})),
        EditError::Conflict { path } => err(
            412,
            "precondition_failed",
            format!("{path} changed on disk since its etag was read; nothing was written (read it again)"),
            json!({"path": path}),
        ),
        EditError::Io(..) | EditError::RollbackFailed { .. } | EditError::Git(_) | EditError::Load(_) => {
            err(500, "write_failed", e.to_string(), json!({}))
        }
        EditError::ReadOnly(_) => err(409, "read_only", e.to_string(), json!({})),
        _ => refused(vec![edit_diagnostic(e.to_string(), id)]),
    }
}

/// The hash of item `id`'s file as it is on disk now.
pub fn etag_of(s: &Snapshot, id: &str) -> Option<String> {
    let i = s.backlog.get(id)?;
    std::fs::read(s.backlog.root.join(&i.path)).ok().map(|b| edit::file_hash(&b))
}

/// `GET /api/v1/items/{id}`'s body with `etag` in the item object.
pub fn with_etag(body: Vec<u8>, etag: Option<&str>) -> Vec<u8> {
    let Some(etag) = etag else { return body };
    match serde_json::from_slice::<Value>(&body) {
        Ok(mut v) => {
            if let Some(o) = v.get_mut("data").and_then(Value::as_object_mut) {
                o.insert("etag".into(), json!(etag));
            }
            serde_json::to_vec(&v).unwrap_or(body)
        }
        Err(_) => body,
    }
}

/// The item object as `GET /api/v1/items/{id}` gives it, with `etag`.
fn item_body(s: &Snapshot, id: &str, etag: Option<&str>) -> Option<Vec<u8>> {
    let body = api::item(s, id, &api::Params::new()).ok()?;
    Some(with_etag(body, etag))
}

/// The workflow as the editing script needs it (`/_cairn/workflow.json`):
/// the statuses of each work kind (the kinds one can create) and the
/// allowed moves (a status without an entry may move anywhere).
pub fn workflow_json(s: &Snapshot) -> Vec<u8> {
    let c = &s.backlog.config;
    let kinds: Vec<Value> = c
        .kinds
        .iter()
        .filter(|k| c.is_work(&k.name))
        .map(|k| json!({"name": k.name, "statuses": c.statuses_of(&k.name).iter().map(|s| s.name.clone()).collect::<Vec<_>>()}))
        .collect();
    let v = json!({"kinds": kinds, "workflow": c.workflow});
    serde_json::to_vec(&v).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_direct_hosts_may_write() {
        for h in ["127.0.0.1:4000", "localhost:4000", "LOCALHOST", "[::1]:4000", "192.168.1.7:80", "app.localhost:1"] {
            assert!(direct_host(h), "{h}");
        }
        for h in ["evil.example:4000", "127.0.0.1.nip.io:4000", "[nope]:1", "", "localhost.evil.example"] {
            assert!(!direct_host(h), "{h}");
        }
    }

    #[test]
    fn write_routes() {
        assert_eq!(route_of("POST", "items"), Some("api_create"));
        assert_eq!(route_of("POST", "items/a/rename"), Some("api_rename"));
        assert_eq!(route_of("PATCH", "items/a"), Some("api_patch"));
        assert_eq!(route_of("PATCH", "items/a/rename"), None);
        assert_eq!(route_of("GET", "items/a"), None);
        assert_eq!(allowed_methods("items/a/rename"), Some("POST"));
        assert_eq!(allowed_methods("graph"), None);
    }

    #[test]
    fn if_match_values() {
        assert_eq!(if_match(Some("\"abc\"")).ok(), Some(Some("abc".to_string())));
        assert_eq!(if_match(Some("W/\"abc\"")).ok(), Some(Some("abc".to_string())));
        assert_eq!(if_match(Some("*")).ok(), Some(None));
        assert_eq!(if_match(None).ok(), Some(None));
        assert!(if_match(Some("\"a\", \"b\"")).is_err());
    }
}
