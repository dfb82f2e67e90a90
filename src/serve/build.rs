//! The incremental builder: per-file parse results keyed by path, the
//! [`Snapshot`] a request sees, and the choice of pages to re-render.
//!
//! A rebuild after a save has two phases:
//!
//! 1. **fast** — re-parse only the changed files, rebuild the backlog, graph,
//!    check report and item objects (cheap), and re-render the pages whose
//!    inputs can have changed: the changed items' own pages and those of
//!    their neighbours, ancestors and sprints. The new snapshot is published
//!    and open pages reload.
//! 2. **settle** — in the background: the site-wide pages (overview, boards,
//!    backlog, graph, problems, feed, static API…) and the impact pages of
//!    everything upstream of the change, or the whole site when a value
//!    every page shows changed (item and problem counts). It is cancelled
//!    as soon as another change arrives and resumes after it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, OnceLock};
use std::time::{Instant, SystemTime};

use minijinja::Environment;

use crate::check::{Diagnostic, Report};
use crate::config::Config;
use crate::engine::invalidate;
use crate::graph::Graph;
use crate::history::Events;
use crate::load::Backlog;
use crate::model::Item;
use crate::query::Derived;
use crate::site::pages::{Job, Parts, Shared};

pub use super::objects::Touched;
use super::objects::{compute_objects, touched, Objects, Reuse};
use super::snapshot::inject;
pub use super::snapshot::{Page, SiteMap, Snapshot, RELOAD_JS, RELOAD_TAG};
use crate::site::{self, Inputs, NoAnalytics};

/// The largest file an item links to that is served (`files/…`); only
/// regular files are read (a FIFO would block the builder).
pub(super) const MAX_LINKED_BYTES: u64 = 256 * 1024 * 1024;

/// A recycled backlog waiting to be free, the backlog it is to copy, the
/// indices to patch, and since when.
type Recycling = (Arc<Backlog>, Arc<Backlog>, Vec<usize>, Instant);

/// How long a recycled backlog is waited for before the spare is copied.
const RECYCLE_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

/// Output files of one render job, as served.
type Files = Vec<(String, Page)>;

/// Build options of `serve`.
#[derive(Clone, Debug, Default)]
pub struct BuildOptions {
    pub drafts: bool,
    pub history: bool,
    pub base_url: Option<String>,
}

/// One parsed item file.
struct FileEntry {
    mtime: Option<SystemTime>,
    len: u64,
    /// The id of its item (`None`: it did not parse).
    id: Option<String>,
    /// The item, until a build took it into its backlog (then it is that
    /// backlog's, by path: items are not held twice). Boxed: an `Item` is
    /// large inline, and `None` would take its size in every entry.
    item: Option<Box<Item>>,
    diags: Vec<Diagnostic>,
}

/// What the watcher saw.
#[derive(Clone, Debug, Default)]
pub struct Changes {
    /// Absolute paths that were created, changed, removed or renamed.
    pub paths: BTreeSet<PathBuf>,
    /// The watcher lost events: compare every file.
    pub rescan: bool,
}

impl Changes {
    pub fn merge(&mut self, other: Changes) {
        self.paths.extend(other.paths);
        self.rescan |= other.rescan;
    }
}

/// What a fast rebuild left for the settle phase.
#[derive(Clone, Debug, Default)]
pub struct Pending {
    /// Render every page.
    pub full: bool,
    /// Items (by id) whose object changed: their ancestors' pages, graph
    /// pages and the impact pages upstream of them are re-rendered.
    pub ids: BTreeSet<String>,
    /// Sprints whose boards and pages are re-rendered.
    pub sprints: BTreeSet<String>,
    /// The relations of the changed items before the change (focus views
    /// near them are re-rendered).
    pub old_neighbours: BTreeSet<String>,
    /// The check report is the last settled one: run `check` again (and
    /// render every page if the numbers of errors or warnings changed).
    pub check: bool,
}

impl Pending {
    pub fn is_empty(&self) -> bool {
        !self.full && self.ids.is_empty() && self.sprints.is_empty() && !self.check
    }

    pub fn merge(&mut self, other: Pending) {
        self.full |= other.full;
        self.ids.extend(other.ids);
        self.sprints.extend(other.sprints);
        self.old_neighbours.extend(other.old_neighbours);
        self.check |= other.check;
    }
}

/// Timing of one build, for logs and `/metrics`.
#[derive(Clone, Debug, Default)]
pub struct BuildStats {
    pub phase: &'static str,
    pub seconds: f64,
    pub parsed: usize,
    pub rendered_jobs: usize,
    pub ok: bool,
}

/// The incremental builder; owned by the builder thread.
pub struct Builder {
    root: PathBuf,
    opts: BuildOptions,
    config: Option<Config>,
    ignore: globset::GlobSet,
    files: BTreeMap<String, FileEntry>,
    walk_diags: Vec<Diagnostic>,
    /// Files parsed since the last good build (their items are in
    /// `files` until it takes them).
    fresh: Vec<String>,
    env: Option<Arc<Environment<'static>>>,
    /// The site-wide lists' fragments of the last full build or settle
    /// phase, for the next one to reuse.
    frags: KeptFragments,
    /// The `site` value changed in a fast build: the settle phase renders all.
    force_full: bool,
    /// What HEAD pointed to when history was last read.
    git_head: Option<String>,
    /// The HEAD commit's date: "today" for the site and W022 (with history).
    head_date: Option<chrono::NaiveDate>,
    theme_assets: BTreeMap<String, Vec<u8>>,
    events: Option<Arc<Events>>,
    history_note: Option<String>,
    derived: Arc<BTreeMap<String, Derived>>,
    history_read: Option<Instant>,
    /// Output paths per job key (`item:<id>`, `graph:<id>`, `board:<id>`).
    /// Each path is the `Arc` the site map keys it by (one copy of each
    /// of the ~400,000 paths at 100,000 items).
    outputs: HashMap<String, Vec<Arc<str>>>,
    /// The `site` value every page shows, as JSON text.
    site_value: String,
    /// A signature of every item's schedule at the last full build or
    /// settle phase: an estimate or dependency change moves the dates of
    /// items far from it, whose item, graph and roadmap pages show them.
    sched_sigs: Arc<HashMap<String, u64>>,
    generation: u64,
    /// The last good snapshot.
    pub last: Option<Arc<Snapshot>>,
    /// A private copy of the last snapshot's backlog (made while idle), to
    /// patch in place when a save changes an item's content but not its id
    /// or path: cloning 10,000 items is off the path from save to reload.
    spare: Option<Backlog>,
    /// The backlog `spare` copies.
    spare_of: Option<Arc<Backlog>>,
    /// The last fast build patched this backlog (the one it replaced) at
    /// these indices: once nothing else holds it, it is patched alike and
    /// becomes the next spare (see [`Builder::recycle`]), instead of a copy
    /// of every item.
    recyclable: Option<(Arc<Backlog>, Vec<usize>)>,
    /// A recycled backlog waiting to be free, the backlog it is to copy,
    /// the indices to patch, and since when.
    recycle_wait: Option<Recycling>,
    /// The cards, schedule… of the last site context, and the backlog they
    /// were made for. Behind an `Arc`: a settle phase clones them on its
    /// own thread (see [`SettleJob`]), not on the builder's.
    parts: Option<(Arc<Backlog>, Arc<Parts>)>,
}

impl Builder {
    pub fn new(root: PathBuf, opts: BuildOptions) -> Builder {
        Builder {
            root,
            opts,
            config: None,
            ignore: globset::GlobSet::empty(),
            files: BTreeMap::new(),
            walk_diags: Vec::new(),
            fresh: Vec::new(),
            env: None,
            frags: KeptFragments::default(),
            force_full: false,
            git_head: None,
            head_date: None,
            theme_assets: BTreeMap::new(),
            events: None,
            history_note: None,
            derived: Arc::new(BTreeMap::new()),
            history_read: None,
            outputs: HashMap::new(),
            site_value: String::new(),
            sched_sigs: Arc::new(HashMap::new()),
            generation: 0,
            last: None,
            spare: None,
            spare_of: None,
            recyclable: None,
            recycle_wait: None,
            parts: None,
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether git history moved since it was last read (a commit, a
    /// checkout): the builder then settles with a full render.
    pub fn history_moved(&self) -> bool {
        self.opts.history && self.last.is_some() && git_head(&self.root) != self.git_head
    }

    /// Copies the last snapshot's backlog for the next save to patch
    /// (nothing to do when the copy is current). Called while idle.
    pub fn prepare_spare(&mut self) {
        self.prepare_spare_or_wait(false)
    }

    /// [`Builder::prepare_spare`], from the recycled backlog of the last
    /// save when it is free; `wait`: while something may still hold it (a
    /// settle phase), wait for it rather than copy every item (for at most
    /// [`RECYCLE_WAIT`]).
    pub fn prepare_spare_or_wait(&mut self, wait: bool) {
        let Some(last) = &self.last else { return };
        if self.spare.is_some() && self.spare_of.as_ref().is_some_and(|b| Arc::ptr_eq(b, &last.backlog)) {
            return;
        }
        if self.try_recycle() {
            return;
        }
        if self.recycle_wait.as_ref().is_some_and(|w| wait && w.3.elapsed() < RECYCLE_WAIT) {
            return;
        }
        self.recycle_wait = None;
        let Some(last) = &self.last else { return };
        let t = Instant::now();
        self.spare = Some((*last.backlog).clone());
        self.spare_of = Some(last.backlog.clone());
        if std::env::var_os("CAIRN_SERVE_TIMING").is_some() {
            let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
            eprintln!("  spare copied at {:.3} in {:.1?} (wait: {wait})", now.as_secs_f64(), t.elapsed());
        }
    }

    /// Takes the backlog of a snapshot a fast build replaced: when the
    /// build patched that backlog, the same patch makes it a copy of the
    /// new one, the spare of the next save (a few items copied instead of
    /// all of them), as soon as nothing else holds it (the snapshot is
    /// freed elsewhere; see [`Builder::prepare_spare_or_wait`]).
    pub fn recycle(&mut self, old: &Snapshot) {
        let Some((of, at)) = self.recyclable.take() else { return };
        let Some(last) = &self.last else { return };
        if Arc::ptr_eq(&old.backlog, &of) && self.spare.is_none() {
            self.recycle_wait = Some((of, last.backlog.clone(), at, Instant::now()));
        }
    }

    /// Makes the waiting recycled backlog the spare, if nothing else holds
    /// it any more and it is still the one before the last build.
    fn try_recycle(&mut self) -> bool {
        let Some((old, new, at, since)) = self.recycle_wait.take() else { return false };
        if !self.last.as_ref().is_some_and(|l| Arc::ptr_eq(&l.backlog, &new)) {
            return false;
        }
        let mut b = match Arc::try_unwrap(old) {
            Ok(b) => b,
            Err(old) => {
                self.recycle_wait = Some((old, new, at, since));
                return false;
            }
        };
        if b.items.len() != new.items.len() {
            return false;
        }
        for &k in &at {
            b.items[k] = new.items[k].clone();
        }
        b.diagnostics = new.diagnostics.clone();
        b.files = new.files;
        self.spare = Some(b);
        self.spare_of = Some(new);
        true
    }

    fn next_generation(&mut self) -> u64 {
        self.generation += 1;
        self.generation
    }

    /// Loads the config and theme (again).
    fn load_config(&mut self) -> Result<(), String> {
        let config = Config::load(&self.root).map_err(|e| e.to_string())?;
        self.ignore = crate::load::ignore_set(&config);
        let theme = site::theme::Theme::load(&self.root, config.site.theme.as_deref()).map_err(|e| e.to_string())?;
        let env = site::environment(&theme).map_err(|e| e.to_string())?;
        self.theme_assets = theme.assets;
        self.env = Some(Arc::new(env));
        // Rendered with the templates and configuration replaced here.
        self.frags.renew();
        self.config = Some(config);
        Ok(())
    }

    fn read_history(&mut self) {
        self.history_read = Some(Instant::now());
        if !self.opts.history {
            self.events = None;
            self.history_note = Some("served with --no-history: no audit trail or history-based charts".into());
            self.derived = Arc::new(BTreeMap::new());
            return;
        }
        let Some(config) = &self.config else { return };
        self.git_head = git_head(&self.root);
        self.head_date = crate::metrics::head_date(&self.root, config);
        // `serve` does not write into the root: the history cache is used
        // only where another command already made it.
        let use_cache = self.root.join(".cairn-cache").is_dir();
        match crate::history::read(&self.root, config, use_cache) {
            Ok(ev) => {
                self.history_note = ev.warning().map(|w| w.split_once(' ').map(|(_, r)| r.to_string()).unwrap_or(w));
                self.derived = Arc::new(crate::history::derived(&ev));
                self.events = Some(Arc::new(ev));
            }
            Err(e) => {
                self.history_note = Some(format!("history unavailable: {e}"));
                self.events = None;
                self.derived = Arc::new(BTreeMap::new());
            }
        }
    }

    /// The first build (and the build after a config or theme change).
    pub fn full(&mut self, cancel: &AtomicBool) -> (Arc<Snapshot>, BuildStats) {
        let start = Instant::now();
        if let Err(e) = self.load_config() {
            return self.failure(start, e, "full");
        }
        let parsed = self.rescan();
        if self.history_read.is_none() {
            self.read_history();
        }
        let _ = cancel;
        match self.assemble(None, None) {
            Ok((snap, jobs, _)) => self.success(snap, start, "full", parsed, jobs),
            Err(e) => self.failure(start, e, "full"),
        }
    }

    /// A rebuild after `changes`; returns what the settle phase must do.
    pub fn incremental(&mut self, changes: &Changes, cancel: &AtomicBool) -> (Arc<Snapshot>, BuildStats, Pending) {
        let start = Instant::now();
        let config_path = self.root.join("cairn.yml");
        let theme_changed = changes.paths.iter().any(|p| {
            self.rel(p).is_some_and(|r| {
                r.starts_with("templates/") || r.starts_with("themes/") || r == "templates" || r == "themes"
            })
        });
        if self.last.is_none() || self.config.is_none() || changes.paths.contains(&config_path) || theme_changed {
            let (s, st) = self.full(cancel);
            return (s, st, Pending::default());
        }
        if std::env::var_os("CAIRN_SERVE_TIMING").is_some() {
            eprintln!("changes: {changes:?}");
        }
        let before: BTreeSet<String> = self.item_ids_of(changes);
        let mut parsed = 0;
        let mut linked = Vec::new();
        let mut patch = None;
        if changes.rescan || changes.paths.iter().any(|p| p.is_dir()) || self.removed_folder(changes) {
            parsed += self.rescan();
        } else {
            let files_before = self.file_ids(changes);
            for p in &changes.paths {
                if self.refresh(p) {
                    parsed += 1;
                } else if let Some(rel) = self.rel(p) {
                    linked.push(rel);
                }
            }
            patch = self.patch(&files_before);
        }
        let mut changed_ids = before;
        changed_ids.extend(self.item_ids_of(changes));
        if changes.rescan {
            // Unknown: compare every object.
            changed_ids.clear();
        }
        let ctx = Incremental { changed_ids, linked };
        let _ = cancel;
        match self.assemble(Some(&ctx), patch) {
            Ok((snap, jobs, touched)) => {
                let pending = self.pending_from(&ctx, touched);
                let (s, st) = self.success(snap, start, "fast", parsed, jobs);
                (s, st, pending)
            }
            Err(e) => {
                let (s, st) = self.failure(start, e, "fast");
                (s, st, Pending::default())
            }
        }
    }

    fn site_options(&self, b: &Backlog) -> site::Options {
        // As `cairn build`: the HEAD commit's date, the clock without git.
        let today = self.head_date.unwrap_or_else(|| crate::metrics::clock_date(&b.config));
        site::Options {
            base_url: self.opts.base_url.clone().unwrap_or_else(|| b.config.base_url.clone()),
            drafts: self.opts.drafts,
            today: Some(today),
            history_note: self.history_note.clone(),
            proposals: crate::load::proposals::list(&b.root).0,
        }
    }

    /// Builds backlog, graph, report, objects and the pages to render;
    /// `inc` is `None` for a full build. Also returns the ids whose item
    /// object changed and the sprints they are (or were) in.
    fn assemble(
        &mut self,
        inc: Option<&Incremental>,
        patch: Option<Patch>,
    ) -> Result<(Snapshot, usize, Touched), String> {
        let timing = std::env::var_os("CAIRN_SERVE_TIMING").is_some();
        let t = Instant::now();
        let lap = |what: &str| {
            if timing {
                eprintln!("  {what}: {:.1?}", t.elapsed());
            }
        };
        let config = self.config.clone().ok_or_else(|| "no configuration loaded".to_string())?;
        let last = self.last.clone();
        // Only a patch of the last backlog keeps every index.
        self.recyclable = None;
        let (backlog, at) = match (patch, &last) {
            (Some(p), Some(l)) => {
                self.recyclable = Some((l.backlog.clone(), p.at.clone()));
                (p.backlog, Some(p.at))
            }
            _ => {
                let items = self.all_items();
                let diags = self.diagnostics();
                (Backlog::from_items(self.root.clone(), config, items, diags, self.files.len()), None)
            }
        };
        lap("backlog");
        let graph: Arc<Graph> = match (&at, &last) {
            (Some(at), Some(l)) if at.iter().all(|&k| same_edges(&backlog, &l.backlog.items[k], &backlog.items[k])) => {
                l.graph.clone()
            }
            _ => Arc::new(Graph::build(&backlog)),
        };
        let same_graph = last.as_ref().is_some_and(|l| Arc::ptr_eq(&l.graph, &graph));
        lap("graph");
        // After a save the check runs in the settle phase: until then the
        // last report is served (a problem page and counts a moment late).
        let report: Arc<Report> = match (inc, &last) {
            (Some(_), Some(l)) => l.report.clone(),
            _ => Arc::new(crate::check::check_on(&backlog, &graph, self.head_date)),
        };
        lap("check");
        let derived = self.derived.clone();
        let reuse = match (inc, &last, &at) {
            (Some(_), Some(l), Some(at)) if same_graph => Reuse::Aligned(l, at),
            (Some(inc), Some(l), _) if !inc.changed_ids.is_empty() => Reuse::Relations(l, &inc.changed_ids),
            _ => Reuse::None,
        };
        let objs = compute_objects(&backlog, &graph, &derived, self.opts.drafts, reuse);
        lap("objects");
        let touched = match &last {
            Some(l) => touched(l, &backlog, &objs, at.as_deref()),
            None => Touched::default(),
        };
        let env = self.env.clone().ok_or_else(|| "no templates loaded".to_string())?;
        let events = self.events.clone();
        let inputs = Inputs {
            backlog: &backlog,
            graph: &graph,
            report: &report,
            history: events.as_deref(),
            derived: &derived,
            analytics: &NoAnalytics::default(),
            options: self.site_options(&backlog),
        };
        // Same items at the same indices, same graph: the cards and the
        // schedule of the last build are reused.
        let parts = self.parts.take();
        let shared = match (&at, &last, parts) {
            (Some(at), Some(l), Some((of, parts))) if same_graph && Arc::ptr_eq(&of, &l.backlog) => {
                // A settle phase that has not cloned them yet: a clone here.
                let parts = Arc::try_unwrap(parts).unwrap_or_else(|p| Parts::clone(&p));
                let keep = at.iter().all(|&k| same_schedule(&l.backlog.items[k], &backlog.items[k]));
                let text_only = at.iter().all(|&k| same_but_text(&l.backlog.items[k], &backlog.items[k]));
                Shared::reusing(&inputs, parts, at, keep, text_only)
            }
            _ => None,
        };
        let mut shared = shared.unwrap_or_else(|| Shared::new(&inputs));
        lap("shared");
        let site_value = serde_json::to_string(&shared.site).unwrap_or_default();
        let full = inc.is_none() || last.is_none();
        // A full build renders the site-wide lists: their fragments are
        // kept for the settle phases (a fast build renders none).
        let kept = full.then(|| self.frags.lend(&mut shared));
        if full {
            self.sched_sigs = Arc::new(settle::schedule_sigs(&shared));
        }
        let jobs: Vec<Job> = if full {
            shared.jobs()
        } else {
            // The changed items' pages and their direct neighbours' (now
            // and before); the rest waits for the settle phase.
            let set = invalidate::neighbourhood(&backlog, &graph, &touched.ids, &touched.old_neighbours);
            set.into_iter().filter(|&i| shared.urls[i].is_some()).map(Job::Item).collect()
        };
        let n = jobs.len();
        let never = AtomicBool::new(false);
        let out = run_jobs(&shared, &env, &jobs, &never);
        if let Some(epoch) = kept {
            self.frags.keep(epoch, &mut shared);
        }
        let out = out.map_err(|e| e.to_string())?.unwrap_or_default();
        lap("render");
        let mut site: SiteMap = match (&last, full) {
            (Some(l), false) => (*l.site).clone(),
            _ => SiteMap::new(),
        };
        let keys: Vec<Option<String>> = jobs.iter().map(|j| crate::engine::site::job_key(&shared, j)).collect();
        let linked = shared.linked_files();
        let mut changed = self.merge(&mut site, &backlog, &keys, out, linked, full, at.is_some());
        if full {
            for (name, bytes) in &self.theme_assets {
                let path = format!("assets/{name}");
                let page = Page::new(&path, bytes);
                site.insert(Arc::from(path), page);
            }
        } else if let Some(inc) = inc {
            // Files the bodies link to (images, attachments) that changed.
            for rel in &inc.linked {
                let key = format!("files/{rel}");
                if site.contains_key(key.as_str()) {
                    match crate::util::fs::read_regular(&self.root.join(rel), MAX_LINKED_BYTES) {
                        Ok(bytes) => site.insert(Arc::from(key.as_str()), Page::plain(bytes)),
                        Err(_) => site.remove(key.as_str()),
                    };
                    changed.push(key);
                }
            }
        }
        if full {
            site.flatten();
        } else {
            site.flatten_if_large();
        }
        lap("merge");
        let changed = match (&last, full) {
            (Some(l), true) => Some(diff_maps(&l.site, &site)),
            (None, _) => None,
            _ => Some(changed),
        };
        let old_site_value = std::mem::replace(&mut self.site_value, site_value);
        if !full && old_site_value != self.site_value {
            self.force_full = true;
        }
        let parts = shared.into_parts();
        let snap = Snapshot {
            generation: 0,
            backlog: Arc::new(backlog),
            graph,
            report,
            events: self.events.clone(),
            derived,
            objects: objs.json,
            listed: objs.listed,
            schedule: OnceLock::new(),
            site: Arc::new(site),
            error: None,
            build_seconds: 0.0,
            changed,
        };
        self.parts = Some((snap.backlog.clone(), Arc::new(parts)));
        Ok((snap, n, touched))
    }

    fn pending_from(&mut self, inc: &Incremental, touched: Touched) -> Pending {
        let full = std::mem::take(&mut self.force_full) || inc.changed_ids.is_empty();
        let mut ids = touched.ids;
        ids.extend(inc.changed_ids.iter().cloned());
        Pending { full, ids, sprints: touched.sprints, old_neighbours: touched.old_neighbours, check: true }
    }

    fn success(
        &mut self,
        mut snap: Snapshot,
        start: Instant,
        phase: &'static str,
        parsed: usize,
        jobs: usize,
    ) -> (Arc<Snapshot>, BuildStats) {
        snap.generation = self.next_generation();
        snap.build_seconds = start.elapsed().as_secs_f64();
        // The new backlog holds the items parsed since the last build.
        for rel in std::mem::take(&mut self.fresh) {
            if let Some(f) = self.files.get_mut(&rel) {
                f.item = None;
            }
        }
        let snap = Arc::new(snap);
        self.last = Some(snap.clone());
        let stats = BuildStats { phase, seconds: snap.build_seconds, parsed, rendered_jobs: jobs, ok: true };
        (snap, stats)
    }

    /// Publishes `error` as a failed build (the last good site stays
    /// served); the next change rebuilds everything.
    pub fn fail(&mut self, error: String) -> (Arc<Snapshot>, BuildStats) {
        self.failure(Instant::now(), error, "full")
    }

    /// A failed build: the last good site with the error attached.
    fn failure(&mut self, start: Instant, error: String, phase: &'static str) -> (Arc<Snapshot>, BuildStats) {
        let generation = self.next_generation();
        let snap = match &self.last {
            Some(l) => Snapshot {
                generation,
                backlog: l.backlog.clone(),
                graph: l.graph.clone(),
                report: l.report.clone(),
                events: l.events.clone(),
                derived: l.derived.clone(),
                objects: l.objects.clone(),
                listed: l.listed.clone(),
                schedule: OnceLock::new(),
                site: l.site.clone(),
                error: Some(error),
                build_seconds: start.elapsed().as_secs_f64(),
                changed: Some(Vec::new()),
            },
            None => Snapshot::failed(generation, self.root.clone(), error),
        };
        // A failed config or theme load must be retried on the next change.
        self.config = None;
        let stats =
            BuildStats { phase, seconds: start.elapsed().as_secs_f64(), parsed: 0, rendered_jobs: 0, ok: false };
        (Arc::new(snap), stats)
    }
}

/// The fragments of the site-wide lists (`site::fragments`: backlog rows,
/// board cards, `items.json` entries) between a `serve`'s builds, in
/// memory: a settle phase renders only those of the items whose card or
/// item object changed, not 100,000 rows. They are valid for the templates
/// and configuration they were rendered with: loading those again starts
/// a new epoch, and fragments of an older one are not kept.
#[derive(Clone, Default)]
pub(super) struct KeptFragments(Arc<std::sync::Mutex<(u64, crate::site::fragments::Fragments)>>);

impl KeptFragments {
    fn lock(&self) -> std::sync::MutexGuard<'_, (u64, crate::site::fragments::Fragments)> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A new epoch, with no fragments.
    fn renew(&self) {
        let mut g = self.lock();
        g.0 += 1;
        g.1 = Default::default();
    }

    /// Hands the fragments to `shared`'s cache (which records what it
    /// renders) and returns their epoch, for [`KeptFragments::keep`].
    /// Computes the signatures first (see [`Shared::prepare`]).
    pub(super) fn lend(&self, shared: &mut Shared) -> u64 {
        let (epoch, f) = {
            let mut g = self.lock();
            (g.0, std::mem::take(&mut g.1))
        };
        shared.frags = crate::site::fragments::Cache::keeping(f);
        shared.prepare();
        epoch
    }

    /// Keeps the fragments `shared` used and rendered (those of items
    /// still in its backlog), unless the epoch is over.
    pub(super) fn keep(&self, epoch: u64, shared: &mut Shared) {
        let b = shared.b;
        let f = shared.frags.take(|id| b.index.contains_key(id));
        let mut g = self.lock();
        if g.0 == epoch {
            g.1 = f;
        }
    }
}

struct Incremental {
    changed_ids: BTreeSet<String>,
    linked: Vec<String>,
}

/// Whether two versions of an item schedule and roll up alike (same
/// kind, status, estimate, duration and dates).
fn same_schedule(old: &Item, new: &Item) -> bool {
    let date = |d: &Option<crate::model::Spanned<chrono::NaiveDate>>| d.as_ref().map(|d| d.value);
    old.kind.value == new.kind.value
        && old.status() == new.status()
        && old.estimate == new.estimate
        && old.duration == new.duration
        && date(&old.start) == date(&new.start)
        && date(&old.due) == date(&new.due)
        && date(&old.end) == date(&new.end)
}

/// Whether two versions of an item differ at most in their text: title,
/// body, and where the keys after them were written. The sprints, the
/// counts and the state insights of the site are then the same.
fn same_but_text(old: &Item, new: &Item) -> bool {
    // Every field of `Item` but `title`, `body`, `body_line` and `keys`.
    let Item {
        id,
        kind,
        path,
        title: _,
        status,
        priority,
        assignee,
        reporter,
        created,
        updated,
        due,
        start,
        end,
        goal,
        capacity,
        estimate,
        duration,
        labels,
        sprint,
        parent,
        depends_on,
        blocks,
        relates_to,
        duplicates,
        references,
        ml,
        fields,
        keys: _,
        body: _,
        body_line: _,
        checklist,
        acceptance,
        source: _,
    } = old;
    *id == new.id
        && *kind == new.kind
        && *path == new.path
        && *status == new.status
        && *priority == new.priority
        && *assignee == new.assignee
        && *reporter == new.reporter
        && *created == new.created
        && *updated == new.updated
        && *due == new.due
        && *start == new.start
        && *end == new.end
        && *goal == new.goal
        && *capacity == new.capacity
        && *estimate == new.estimate
        && *duration == new.duration
        && *labels == new.labels
        && *sprint == new.sprint
        && *parent == new.parent
        && *depends_on == new.depends_on
        && *blocks == new.blocks
        && *relates_to == new.relates_to
        && *duplicates == new.duplicates
        && *references == new.references
        && *ml == new.ml
        && *fields == new.fields
        && *checklist == new.checklist
        && *acceptance == new.acceptance
}

/// Whether two versions of an item write the same edges (same targets,
/// types, lags and positions): with the same ids everywhere, the graph is
/// then the same.
fn same_edges(b: &Backlog, old: &Item, new: &Item) -> bool {
    old.id == new.id
        && old.parent == new.parent
        && old.depends_on == new.depends_on
        && old.blocks == new.blocks
        && old.relates_to == new.relates_to
        && old.duplicates == new.duplicates
        && old.references == new.references
        && b.config
            .fields
            .iter()
            .filter(|(_, f)| f.ty == crate::config::FieldType::Id)
            .all(|(k, _)| old.fields.get(k) == new.fields.get(k))
}

mod files;
mod settle;
#[cfg(test)]
mod tests;

use files::{git_head, Patch};
use settle::{diff_maps, run_jobs};
pub use settle::{SettleJob, Settled};
