//! `cairn serve`: the rendered site from memory, the live JSON API,
//! `/healthz` and `/metrics`, rebuilt incrementally on every save.
//!
//! The server state is an `Arc<Snapshot>` behind a lock held only to clone
//! or swap the `Arc`: a request works on one complete build from start to
//! end, so a rebuild never shows a half-built site. One builder thread owns
//! the [`build::Builder`]; a fixed pool of workers answers requests; one
//! thread writes the live-reload events.

pub mod api;
pub mod build;
pub mod http;
pub mod metrics;
mod objects;
pub mod openapi;
mod openapi_write;
pub mod page;
pub mod snapshot;
pub mod sse;
pub mod watch;
pub mod write;
mod write_body;

use std::io::Write;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::sync::{Arc, Mutex, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::check::{Diagnostic, Report};

pub use build::{BuildOptions, BuildStats, Snapshot};

/// Read timeout of a connection: a client that sends nothing for this long
/// is answered 408 and dropped (keep-alive connections are closed after
/// this much idle time).
pub const READ_TIMEOUT: Duration = Duration::from_secs(5);
/// Write timeout: a client that reads nothing for this long is dropped.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// How often the server connects to itself so that its accept() never
/// times out (see `start`).
const PING_EVERY: Duration = Duration::from_millis(500);

/// Shared by the workers, the builder and the hub.
pub struct State {
    current: RwLock<Arc<Snapshot>>,
    pub metrics: metrics::Metrics,
    pub hub: Arc<sse::Hub>,
    pub cache: api::QueryCache,
    /// Why the site may not follow the files (the root is not watched),
    /// for `/healthz`.
    stale: Mutex<Option<String>>,
    /// The OpenAPI document of the current configuration (by generation).
    openapi: Mutex<Option<(u64, Arc<[u8]>)>>,
    /// The write API's lock and its hook to the builder.
    pub writes: write::Writes,
}

impl State {
    pub fn new(first: Arc<Snapshot>) -> State {
        State {
            current: RwLock::new(first),
            metrics: metrics::Metrics::default(),
            hub: sse::Hub::start(),
            cache: api::QueryCache::default(),
            stale: Mutex::new(None),
            openapi: Mutex::new(None),
            writes: write::Writes::default(),
        }
    }

    /// The OpenAPI document for `snap` (made once per build).
    pub fn openapi(&self, snap: &Snapshot) -> Arc<[u8]> {
        let mut g = match self.openapi.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        if let Some((generation, doc)) = g.as_ref() {
            if *generation == snap.generation {
                return doc.clone();
            }
        }
        let doc: Arc<[u8]> =
            Arc::from(serde_json::to_vec_pretty(&openapi::document(&snap.backlog)).unwrap_or_default());
        *g = Some((snap.generation, doc.clone()));
        doc
    }

    /// Why the served site may be stale, if it may.
    pub fn stale_reason(&self) -> Option<String> {
        match self.stale.lock() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    fn set_stale(&self, reason: Option<String>) {
        match self.stale.lock() {
            Ok(mut g) => *g = reason,
            Err(p) => *p.into_inner() = reason,
        }
    }

    /// The current snapshot (the lock is held only for the clone).
    pub fn snapshot(&self) -> Arc<Snapshot> {
        match self.current.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// Publishes `s`; returns the snapshot it replaces (dropping it frees
    /// a whole build: do that after the news is out).
    fn publish(&self, s: Arc<Snapshot>) -> Arc<Snapshot> {
        match self.current.write() {
            Ok(mut g) => std::mem::replace(&mut *g, s),
            Err(p) => std::mem::replace(&mut *p.into_inner(), s),
        }
    }
}

/// How to serve.
#[derive(Clone, Debug)]
pub struct Options {
    pub host: String,
    /// 0 picks a free port.
    pub port: u16,
    /// Request worker threads.
    pub workers: usize,
    pub build: BuildOptions,
    /// Watch the root for changes.
    pub watch: bool,
    /// Commit each change set of the write API (`serve --commit`).
    pub commit: bool,
}

/// Errors that stop `serve` from starting.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {message}")]
    Bind { addr: String, message: String },
    #[error("cannot watch `{root}`: {message}")]
    Watch { root: String, message: String },
    #[error("{0}")]
    Commit(String),
}

/// What a build did, for the terminal.
pub struct News<'a> {
    pub stats: &'a BuildStats,
    /// The build failed: why (the last good site stays served).
    pub error: Option<&'a str>,
    /// Problems in the backlog this build has and the one before did not
    /// (each is reported once, when it appears).
    pub new_problems: &'a [Diagnostic],
    /// Errors and warnings of the backlog now.
    pub errors: usize,
    pub warnings: usize,
}

/// Where build news goes (the command prints it).
pub type Log = Arc<dyn Fn(&News) + Send + Sync>;

fn tell(log: &Log, stats: &BuildStats, error: Option<&str>) {
    log(&News { stats, error, new_problems: &[], errors: 0, warnings: 0 });
}

/// How often the builder checks that the root it watches is still the
/// root (a folder moved away and copied back is a new folder).
const ROOT_CHECK_EVERY: Duration = Duration::from_millis(500);

/// A started server.
pub struct Running {
    pub addr: SocketAddr,
    pub state: Arc<State>,
    pub workers: Vec<JoinHandle<()>>,
}

impl Running {
    /// Blocks while the server runs.
    pub fn wait(self) {
        for w in self.workers {
            let _ = w.join();
        }
    }
}

/// Builds the site, binds, and starts the workers, the builder and the
/// watcher.
pub fn start(root: PathBuf, opts: Options, log: Log) -> Result<Running, ServeError> {
    if opts.commit {
        // Refused before anything is built: no repository or no identity.
        crate::edit::commit::ready(&root).map_err(|e| ServeError::Commit(e.to_string()))?;
    }
    let mut builder = build::Builder::new(root.clone(), opts.build.clone());
    let never = AtomicBool::new(false);
    let (first, stats) = match catch_unwind(AssertUnwindSafe(|| builder.full(&never))) {
        Ok(r) => r,
        Err(_) => {
            let s = Arc::new(Snapshot::failed(1, root.clone(), "internal error while building".into()));
            (s, BuildStats { phase: "full", ..Default::default() })
        }
    };
    tell(&log, &stats, first.error.as_deref());
    let state = Arc::new(State::new(first));
    state.writes.commit_each(opts.commit);
    state.metrics.build(stats.phase, stats.ok, stats.seconds);

    let addr = format!("{}:{}", opts.host, opts.port);
    let bind_err = |e: &dyn std::fmt::Display| ServeError::Bind { addr: addr.clone(), message: e.to_string() };
    let listener = TcpListener::bind(&addr).map_err(|e| bind_err(&e))?;
    // Accepted sockets inherit these (Linux): slow clients time out. The
    // listener's own accept() times out too, and tiny_http's accept thread
    // stops at its first error, so a pinger (below) keeps it busy.
    let sock = socket2::SockRef::from(&listener);
    let _ = sock.set_read_timeout(Some(READ_TIMEOUT));
    let _ = sock.set_write_timeout(Some(WRITE_TIMEOUT));
    // Head and body are separate writes: no Nagle delay between them.
    let _ = sock.set_tcp_nodelay(true);
    let local = listener.local_addr().map_err(|e| bind_err(&e))?;
    let server = Arc::new(tiny_http::Server::from_listener(listener, None).map_err(|e| bind_err(&e))?);
    let ping_to = if local.ip().is_unspecified() {
        SocketAddr::new(
            if local.is_ipv4() { Ipv4Addr::LOCALHOST.into() } else { Ipv6Addr::LOCALHOST.into() },
            local.port(),
        )
    } else {
        local
    };
    let _ = std::thread::Builder::new().name("cairn-ping".into()).spawn(move || loop {
        std::thread::sleep(PING_EVERY);
        let _ = std::net::TcpStream::connect_timeout(&ping_to, READ_TIMEOUT);
    });

    let mut workers = Vec::new();
    for n in 0..opts.workers.max(1) {
        let server = server.clone();
        let state = state.clone();
        let h = std::thread::Builder::new().name(format!("cairn-http-{n}")).spawn(move || loop {
            match server.recv() {
                // A panic answers this request with a 500 (tiny_http does
                // that for a dropped request) and the worker goes on.
                Ok(req) => {
                    let _ = catch_unwind(AssertUnwindSafe(|| http::respond(&state, req)));
                }
                // The accept thread stopped (an accept error): nothing more
                // will come; stop, and `wait` returns.
                Err(e) => {
                    let _ = writeln!(std::io::stderr(), "error: the listener failed: {e}; stopping");
                    server.unblock();
                    return;
                }
            }
        });
        if let Ok(h) = h {
            workers.push(h);
        }
    }

    if opts.watch {
        let (tx, rx) = mpsc::channel();
        let stale = Arc::new(AtomicBool::new(false));
        state.writes.connect(tx.clone(), stale.clone());
        let id = root_id(&root);
        let w = watch::start(&root, tx.clone(), stale.clone())
            .map_err(|message| ServeError::Watch { root: root.display().to_string(), message })?;
        let watching =
            Watching { root, tx, stale: stale.clone(), watcher: Some(w), id, checked: Instant::now(), said: None };
        let st = state.clone();
        let _ = std::thread::Builder::new()
            .name("cairn-build".into())
            .spawn(move || builder_loop(builder, rx, watching, st, log));
    }
    Ok(Running { addr: local, state, workers })
}

/// What identifies the root folder itself: a folder moved away and
/// another put in its place (`mv b b.x; cp -r b.x b`) is a different
/// folder, which the watcher (following the old one) does not see.
#[cfg(unix)]
fn root_id(root: &std::path::Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(root).ok().filter(|m| m.is_dir()).map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn root_id(root: &std::path::Path) -> Option<(u64, u64)> {
    std::fs::metadata(root).ok().filter(|m| m.is_dir()).map(|_| (0, 0))
}

/// The watch on the root, re-established when the root is replaced.
struct Watching {
    root: PathBuf,
    tx: mpsc::Sender<build::Changes>,
    stale: Arc<AtomicBool>,
    watcher: Option<watch::Watcher>,
    /// The root folder being watched (`None`: not watched).
    id: Option<(u64, u64)>,
    checked: Instant,
    /// Why the root is not watched, once said (said again only when it
    /// changes).
    said: Option<String>,
}

/// What [`Watching::check`] found.
enum RootChange {
    Same,
    /// The root is gone: the build fails (the last good site stays).
    Gone(String),
    /// The root is there but cannot be watched: the site is stale.
    Unwatched(String),
    /// A new root folder is watched: rebuild everything.
    Back,
}

impl Watching {
    /// Checks (at most every [`ROOT_CHECK_EVERY`]) that the watched folder
    /// is still the root; re-watches a new one.
    fn check(&mut self) -> RootChange {
        if self.checked.elapsed() < ROOT_CHECK_EVERY {
            return RootChange::Same;
        }
        self.checked = Instant::now();
        let now = root_id(&self.root);
        if now.is_some() && now == self.id {
            return RootChange::Same;
        }
        // The old watcher follows the old folder: drop it.
        self.watcher = None;
        self.id = None;
        let Some(now) = now else {
            let why = format!(
                "the backlog root `{}` is gone (moved or deleted); serving the last good site until it is back",
                self.root.display()
            );
            return self.say(why, RootChange::Gone);
        };
        match watch::start(&self.root, self.tx.clone(), self.stale.clone()) {
            Ok(w) => {
                self.watcher = Some(w);
                self.id = Some(now);
                self.said = None;
                RootChange::Back
            }
            Err(e) => {
                let why = format!("cannot watch `{}`: {e}; edits are not picked up", self.root.display());
                self.say(why, RootChange::Unwatched)
            }
        }
    }

    /// `make(why)` the first time, `Same` while nothing new is to be said.
    fn say(&mut self, why: String, make: fn(String) -> RootChange) -> RootChange {
        if self.said.as_deref() == Some(why.as_str()) {
            return RootChange::Same;
        }
        self.said = Some(why.clone());
        make(why)
    }
}

/// The problems of `new` that `old` does not have (by code, file, message
/// and item, so an edit that only moves a problem to another line does not
/// report it again).
fn new_problems(old: &Report, new: &Report) -> Vec<Diagnostic> {
    let key = |d: &Diagnostic| (d.code, d.file.clone(), d.message.clone(), d.id.clone());
    let mut seen: std::collections::HashMap<_, usize> = std::collections::HashMap::new();
    for d in &old.diagnostics {
        *seen.entry(key(d)).or_default() += 1;
    }
    new.diagnostics
        .iter()
        .filter(|d| match seen.get_mut(&key(d)) {
            Some(n) if *n > 0 => {
                *n -= 1;
                false
            }
            _ => true,
        })
        .cloned()
        .collect()
}

/// The reload event's data: the generation and the changed pages (null:
/// reload every page).
fn reload_data(s: &Snapshot) -> String {
    let changed = match &s.changed {
        Some(c) if c.len() <= 5000 => serde_json::to_value(c).unwrap_or(serde_json::Value::Null),
        _ => serde_json::Value::Null,
    };
    serde_json::json!({"generation": s.generation, "changed": changed}).to_string()
}

/// Frees replaced snapshots off the path from a save to its reload and
/// reply: the last reference to a replaced build (a whole backlog, the
/// objects, a site table) is dropped on this thread. Without the thread
/// (it could not start) they are freed where they are sent.
fn reaper() -> mpsc::Sender<Arc<Snapshot>> {
    let (tx, rx) = mpsc::channel::<Arc<Snapshot>>();
    let _ = std::thread::Builder::new().name("cairn-free".into()).spawn(move || {
        for old in rx {
            drop(old);
        }
    });
    tx
}

/// Publishes `snap` and tells the terminal and open pages; returns the
/// snapshot it replaced (for the reaper).
fn announce(state: &State, snap: &Arc<Snapshot>, stats: &BuildStats, log: &Log) -> Arc<Snapshot> {
    let was_broken = state.snapshot().error.is_some();
    let old = state.publish(snap.clone());
    state.metrics.build(stats.phase, stats.ok, stats.seconds);
    let fresh = match &snap.error {
        None if !Arc::ptr_eq(&old.report, &snap.report) => new_problems(&old.report, &snap.report),
        _ => Vec::new(),
    };
    log(&News {
        stats,
        error: snap.error.as_deref(),
        new_problems: &fresh,
        errors: snap.report.errors(),
        warnings: snap.report.warnings(),
    });
    match &snap.error {
        Some(e) => state.hub.send("error", e),
        None => {
            if was_broken {
                state.hub.send("ok", &format!("{{\"generation\":{}}}", snap.generation));
            }
            if snap.changed.as_ref().is_none_or(|c| !c.is_empty()) || stats.phase == "fast" {
                state.hub.send("reload", &reload_data(snap));
            }
        }
    }
    old
}

/// A settle phase running on its own thread.
struct Settling {
    done: Receiver<Option<build::Settled>>,
    cancel: Arc<AtomicBool>,
}

/// Counts a settle thread while it lives: a cancelled one may still be in
/// a part that does not look at its flag, and a new phase starts only when
/// none runs, so that quick saves never pile up phases.
struct SettleThread(Arc<AtomicUsize>);

impl SettleThread {
    fn enter(count: &Arc<AtomicUsize>) -> SettleThread {
        count.fetch_add(1, Ordering::SeqCst);
        SettleThread(count.clone())
    }
}

impl Drop for SettleThread {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The threads settle phases render on: their own pool (a save's fast
/// build never queues behind a settle phase's jobs in rayon's global
/// pool), at a lower priority than the builder (under load the fast build
/// gets the cores first).
fn settle_pool() -> Option<Arc<rayon::ThreadPool>> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(rayon::current_num_threads())
        .thread_name(|i| format!("cairn-settle-{i}"))
        .start_handler(|_| lower_priority())
        .build()
        .ok()
        .map(Arc::new)
}

/// Makes the calling thread yield to the others (Linux: nice 10 for this
/// thread only).
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: gettid and setpriority take no pointers; on Linux the nice
    // value of PRIO_PROCESS with a thread id is that thread's.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, tid, 10);
    }
}

/// Starts `job` on a thread of its own (`None`: no thread could start).
fn start_settle(
    job: build::SettleJob,
    pool: Option<Arc<rayon::ThreadPool>>,
    threads: &Arc<AtomicUsize>,
) -> Option<Settling> {
    let (tx, done) = mpsc::channel();
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = cancel.clone();
    let alive = SettleThread::enter(threads);
    std::thread::Builder::new()
        .name("cairn-settle".into())
        .spawn(move || {
            let _alive = alive;
            lower_priority();
            let run = || catch_unwind(AssertUnwindSafe(|| job.run(&flag))).ok().flatten();
            let out = match &pool {
                Some(p) => p.install(run),
                None => run(),
            };
            let _ = tx.send(out);
        })
        .ok()?;
    Some(Settling { done, cancel })
}

/// How often the builder looks for a settle phase's result while waiting
/// for saves.
const SETTLE_POLL: Duration = Duration::from_millis(10);

fn builder_loop(
    mut builder: build::Builder,
    rx: Receiver<build::Changes>,
    mut watching: Watching,
    state: Arc<State>,
    log: Log,
) {
    let stale = watching.stale.clone();
    let mut pending = build::Pending::default();
    let reaper = reaper();
    let free = |old: Arc<Snapshot>| {
        let _ = reaper.send(old);
    };
    let pool = settle_pool();
    let threads = Arc::new(AtomicUsize::new(0));
    // The settle phase under way (a save cancels it: its work is done
    // again, with the save's, on the new build).
    let mut settling: Option<Settling> = None;
    let stop = |s: &mut Option<Settling>| {
        if let Some(s) = s.take() {
            s.cancel.store(true, Ordering::SeqCst);
        }
    };
    loop {
        match watching.check() {
            RootChange::Same => {}
            RootChange::Gone(why) => {
                stop(&mut settling);
                state.set_stale(Some(why.clone()));
                pending = build::Pending::default();
                let (snap, stats) = builder.fail(why);
                free(announce(&state, &snap, &stats, &log));
                continue;
            }
            RootChange::Unwatched(why) => {
                let _ = writeln!(std::io::stderr(), "warning: {why}");
                state.set_stale(Some(why));
            }
            RootChange::Back => {
                stop(&mut settling);
                state.set_stale(None);
                pending = build::Pending::default();
                let never = AtomicBool::new(false);
                if let Ok((snap, stats)) = catch_unwind(AssertUnwindSafe(|| builder.full(&never))) {
                    free(announce(&state, &snap, &stats, &log));
                }
                continue;
            }
        }
        let busy = settling.is_some() || threads.load(Ordering::SeqCst) > 0;
        let next = if pending.is_empty() || busy {
            // Idle, or a settle phase runs elsewhere: get the copy of the
            // backlog the next save patches (when the last save's could
            // not be recycled) and wait for a save.
            let _ = catch_unwind(AssertUnwindSafe(|| builder.prepare_spare_or_wait(busy)));
            let wait = if busy { SETTLE_POLL } else { ROOT_CHECK_EVERY };
            match rx.recv_timeout(wait) {
                Ok(c) => Some(c),
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    // A commit or checkout changes no watched file.
                    if !busy && builder.history_moved() {
                        pending.full = true;
                    }
                    if pending.is_empty() && settling.is_none() {
                        continue;
                    }
                    None
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
            }
        } else {
            match rx.try_recv() {
                Ok(c) => Some(c),
                Err(TryRecvError::Empty) => None,
                Err(TryRecvError::Disconnected) => return,
            }
        };
        match next {
            Some(mut changes) => {
                // The settle phase under way is for the build this one
                // replaces.
                stop(&mut settling);
                stale.store(false, Ordering::SeqCst);
                // Writes up to this ticket sent their changes: they are in.
                let covered = state.writes.covered();
                while let Ok(more) = rx.try_recv() {
                    changes.merge(more);
                }
                let never = AtomicBool::new(false);
                let mut replaced = None;
                match catch_unwind(AssertUnwindSafe(|| builder.incremental(&changes, &never))) {
                    Ok((snap, stats, p)) => {
                        replaced = Some(announce(&state, &snap, &stats, &log));
                        pending.merge(p);
                    }
                    Err(_) => {
                        let stats = BuildStats { phase: "fast", ..Default::default() };
                        tell(&log, &stats, Some("internal error while rebuilding"));
                        state.hub.send("error", "internal error while rebuilding; showing the last good site");
                    }
                }
                // Writes waiting for this build answer now; the replaced
                // build is freed after that, on another thread, but for
                // its backlog, which becomes the next save's spare.
                state.writes.built(covered, &changes);
                if let Some(old) = replaced {
                    builder.recycle(&old);
                    free(old);
                }
            }
            None => match &settling {
                // A cancelled phase is still finishing: wait for it.
                None if threads.load(Ordering::SeqCst) > 0 => {}
                None => {
                    stale.store(false, Ordering::SeqCst);
                    match catch_unwind(AssertUnwindSafe(|| builder.settle_job(&pending))) {
                        Ok(Some(job)) => match start_settle(job, pool.clone(), &threads) {
                            Some(s) => settling = Some(s),
                            None => pending = build::Pending::default(),
                        },
                        _ => pending = build::Pending::default(),
                    }
                }
                Some(s) => match s.done.try_recv() {
                    Err(TryRecvError::Empty) => {}
                    Ok(Some(done)) => {
                        settling = None;
                        match catch_unwind(AssertUnwindSafe(|| builder.apply_settled(done))) {
                            Ok(Some((snap, stats))) => {
                                pending = build::Pending::default();
                                free(announce(&state, &snap, &stats, &log));
                            }
                            // Settled a build that is no longer the last:
                            // again, on the last one.
                            Ok(None) => {}
                            Err(_) => pending = build::Pending::default(),
                        }
                    }
                    // Rendering failed (or the thread died): the next save
                    // tries again.
                    Ok(None) | Err(TryRecvError::Disconnected) => {
                        settling = None;
                        pending = build::Pending::default();
                    }
                },
            },
        }
    }
}
