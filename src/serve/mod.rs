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
pub mod openapi;
pub mod sse;
pub mod watch;

use std::io::Write;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::sync::{Arc, RwLock};
use std::thread::JoinHandle;
use std::time::Duration;

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
    pub openapi: Arc<[u8]>,
}

impl State {
    pub fn new(first: Arc<Snapshot>) -> State {
        let doc = serde_json::to_vec_pretty(&openapi::document()).unwrap_or_default();
        State {
            current: RwLock::new(first),
            metrics: metrics::Metrics::default(),
            hub: sse::Hub::start(),
            cache: api::QueryCache::default(),
            openapi: Arc::from(doc),
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
}

/// Errors that stop `serve` from starting.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {message}")]
    Bind { addr: String, message: String },
    #[error("cannot watch `{root}`: {message}")]
    Watch { root: String, message: String },
}

/// Where build news goes (the command prints it).
pub type Log = Arc<dyn Fn(&BuildStats, Option<&str>) + Send + Sync>;

/// A started server.
pub struct Running {
    pub addr: SocketAddr,
    pub state: Arc<State>,
    pub workers: Vec<JoinHandle<()>>,
    _watcher: Option<watch::Watcher>,
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
    let mut builder = build::Builder::new(root.clone(), opts.build.clone());
    let never = AtomicBool::new(false);
    let (first, stats) = match catch_unwind(AssertUnwindSafe(|| builder.full(&never))) {
        Ok(r) => r,
        Err(_) => {
            let s = Arc::new(Snapshot::failed(1, root.clone(), "internal error while building".into()));
            (s, BuildStats { phase: "full", ..Default::default() })
        }
    };
    log(&stats, first.error.as_deref());
    let state = Arc::new(State::new(first));
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

    let watcher = if opts.watch {
        let (tx, rx) = mpsc::channel();
        let stale = Arc::new(AtomicBool::new(false));
        let w = watch::start(&root, tx, stale.clone())
            .map_err(|message| ServeError::Watch { root: root.display().to_string(), message })?;
        let st = state.clone();
        let _ = std::thread::Builder::new()
            .name("cairn-build".into())
            .spawn(move || builder_loop(builder, rx, stale, st, log));
        Some(w)
    } else {
        None
    };
    Ok(Running { addr: local, state, workers, _watcher: watcher })
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

fn announce(state: &State, snap: &Arc<Snapshot>, stats: &BuildStats, log: &Log) {
    let was_broken = state.snapshot().error.is_some();
    let old = state.publish(snap.clone());
    state.metrics.build(stats.phase, stats.ok, stats.seconds);
    log(stats, snap.error.as_deref());
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
    drop(old);
}

fn builder_loop(
    mut builder: build::Builder,
    rx: Receiver<build::Changes>,
    stale: Arc<AtomicBool>,
    state: Arc<State>,
    log: Log,
) {
    let mut pending = build::Pending::default();
    loop {
        let next = if pending.is_empty() {
            // Idle: get the copy of the backlog the next save patches.
            let _ = catch_unwind(AssertUnwindSafe(|| builder.prepare_spare()));
            match rx.recv_timeout(Duration::from_secs(2)) {
                Ok(c) => Some(c),
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    // A commit or checkout changes no watched file.
                    if builder.history_moved() {
                        pending.full = true;
                    }
                    continue;
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
                stale.store(false, Ordering::SeqCst);
                while let Ok(more) = rx.try_recv() {
                    changes.merge(more);
                }
                let never = AtomicBool::new(false);
                match catch_unwind(AssertUnwindSafe(|| builder.incremental(&changes, &never))) {
                    Ok((snap, stats, p)) => {
                        announce(&state, &snap, &stats, &log);
                        pending.merge(p);
                    }
                    Err(_) => {
                        let stats = BuildStats { phase: "fast", ..Default::default() };
                        log(&stats, Some("internal error while rebuilding"));
                        state.hub.send("error", "internal error while rebuilding; showing the last good site");
                    }
                }
            }
            None => {
                stale.store(false, Ordering::SeqCst);
                let _ = catch_unwind(AssertUnwindSafe(|| builder.prepare_spare()));
                match catch_unwind(AssertUnwindSafe(|| builder.settle(&pending, &stale))) {
                    Ok(Some((snap, stats))) => {
                        pending = build::Pending::default();
                        announce(&state, &snap, &stats, &log);
                    }
                    Ok(None) if stale.load(Ordering::SeqCst) => {}
                    _ => pending = build::Pending::default(),
                }
            }
        }
    }
}
