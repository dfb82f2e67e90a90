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

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Instant, SystemTime};

use minijinja::Environment;
use rayon::prelude::*;
use serde_json::Value;

use crate::check::{Diagnostic, Report};
use crate::config::Config;
use crate::graph::schedule::Schedule;
use crate::graph::{EdgeType, Graph};
use crate::history::Events;
use crate::load::Backlog;
use crate::model::{Item, Span};
use crate::query::Derived;
use crate::site::pages::{Job, Parts, Shared};
use crate::site::{self, Inputs, NoAnalytics, SiteError};

/// The largest file an item links to that is served (`files/…`); only
/// regular files are read (a FIFO would block the builder).
const MAX_LINKED_BYTES: u64 = 256 * 1024 * 1024;

/// Output files of one render job.
type Files = Vec<(String, Vec<u8>)>;

/// The rendered site: path → bytes, shared between snapshots (keys and
/// values are shared too: a fast build's copy of 40,000 entries allocates
/// nothing but the table).
pub type SiteMap = HashMap<Arc<str>, Arc<[u8]>>;

/// Everything a request needs, immutable once published.
pub struct Snapshot {
    /// Increases with every published build.
    pub generation: u64,
    pub backlog: Arc<Backlog>,
    pub graph: Arc<Graph>,
    pub report: Arc<Report>,
    pub events: Option<Arc<Events>>,
    pub derived: Arc<BTreeMap<String, Derived>>,
    /// The item object of every item, aligned with `backlog.items`
    /// (`Null` for items the API does not list: duplicates of an id, drafts).
    pub objects: Vec<Arc<Value>>,
    /// The same objects serialized (compact JSON), for fast list responses.
    pub objects_json: Vec<Arc<[u8]>>,
    /// The minijinja value a `where` expression sees, per item.
    pub contexts: Vec<minijinja::Value>,
    /// The listed items (indices), sorted by id.
    pub listed: Vec<usize>,
    /// The schedule (critical path, slack), computed on first use.
    pub schedule: OnceLock<Schedule>,
    pub site: Arc<SiteMap>,
    /// The last build error; the site is then the last good one.
    pub error: Option<String>,
    /// Seconds the build that produced this snapshot took.
    pub build_seconds: f64,
    /// Paths whose bytes changed in this build (`None`: unknown, all).
    pub changed: Option<Vec<String>>,
}

impl Snapshot {
    pub fn schedule(&self) -> &Schedule {
        self.schedule.get_or_init(|| Schedule::compute(&self.backlog, &self.graph))
    }

    /// A snapshot for a root that could not be loaded at all.
    pub fn failed(generation: u64, root: PathBuf, error: String) -> Snapshot {
        let backlog = Backlog::from_items(root, Config::default(), Vec::new(), Vec::new(), 0);
        Snapshot {
            generation,
            backlog: Arc::new(backlog),
            graph: Arc::new(Graph::default()),
            report: Arc::new(Report::default()),
            events: None,
            derived: Arc::new(BTreeMap::new()),
            objects: Vec::new(),
            objects_json: Vec::new(),
            contexts: Vec::new(),
            listed: Vec::new(),
            schedule: OnceLock::new(),
            site: Arc::new(SiteMap::new()),
            error: Some(error),
            build_seconds: 0.0,
            changed: None,
        }
    }

    /// The index of a listed item by id.
    pub fn find(&self, id: &str) -> Option<usize> {
        self.backlog.index.get(id).copied().filter(|&i| !self.objects[i].is_null())
    }
}

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
    item: Option<Item>,
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
    env: Option<Arc<Environment<'static>>>,
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
    outputs: HashMap<String, Vec<String>>,
    /// The `site` value every page shows, as JSON text.
    site_value: String,
    generation: u64,
    /// The last good snapshot.
    pub last: Option<Arc<Snapshot>>,
    /// A private copy of the last snapshot's backlog (made while idle), to
    /// patch in place when a save changes an item's content but not its id
    /// or path: cloning 10,000 items is off the path from save to reload.
    spare: Option<Backlog>,
    /// The backlog `spare` copies.
    spare_of: Option<Arc<Backlog>>,
    /// The cards, schedule… of the last site context, and the backlog they
    /// were made for.
    parts: Option<(Arc<Backlog>, Parts)>,
}

/// The live-reload script of serve mode (served at `/_cairn/reload.js`):
/// reloads on `reload` when this page changed (unless the editing script
/// says an edit form holds unsaved text), shows build errors in an overlay.
pub const RELOAD_JS: &str = r#"/* cairn serve */(function(){if(!window.EventSource)return;var es=new EventSource("/_cairn/events");function page(){var p=decodeURIComponent(location.pathname).replace(/^\/+/,"");if(p===""||p.slice(-1)==="/")p+="index.html";return p}function overlay(msg){var o=document.getElementById("cairn-error-overlay");if(!msg){if(o)o.remove();return}if(!o){o=document.createElement("div");o.id="cairn-error-overlay";o.setAttribute("role","alert");o.style.cssText="position:fixed;left:0;right:0;bottom:0;max-height:50vh;overflow:auto;z-index:99999;background:#3b0d0d;color:#fff;font:14px/1.4 ui-monospace,monospace;padding:1em 1.5em;white-space:pre-wrap;border-top:4px solid #e5484d";document.body.appendChild(o)}o.textContent="cairn: the build failed; showing the last good site.\n\n"+msg}es.addEventListener("reload",function(e){var d={};try{d=JSON.parse(e.data)}catch(_){}overlay(null);if((!d.changed||d.changed.indexOf(page())>=0)&&!(window.cairnEditing&&window.cairnEditing()))location.reload()});es.addEventListener("error",function(e){if(e.data)overlay(e.data)});es.addEventListener("ok",function(){overlay(null)})})();"#;

/// What every page gets in serve mode, before `</body>`: a script file, not
/// an inline script (the Content-Security-Policy allows no inline script).
pub const RELOAD_TAG: &str = r#"<script src="/_cairn/reload.js"></script>"#;

fn inject(path: &str, bytes: Vec<u8>) -> Arc<[u8]> {
    if !path.ends_with(".html") {
        return Arc::from(bytes);
    }
    // RELOAD_TAG, the write token and the editing script (serve/write.rs).
    Arc::from(super::write::inject(&bytes))
}

fn is_draft(it: &Item) -> bool {
    it.status() == Some("draft") || it.labels.iter().any(|l| l == "draft")
}

/// The ids of an item object's relation fields.
fn related_ids(o: &Value) -> Vec<&str> {
    let mut out = Vec::new();
    for f in ["parent", "children", "depends_on", "blocks", "relates_to", "duplicates", "duplicated_by", "sprint"] {
        match o.get(f) {
            Some(Value::String(s)) => out.push(s.as_str()),
            Some(Value::Array(a)) => out.extend(a.iter().filter_map(Value::as_str)),
            _ => {}
        }
    }
    out
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
            env: None,
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
            generation: 0,
            last: None,
            spare: None,
            spare_of: None,
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
        let Some(last) = &self.last else { return };
        if self.spare.is_some() && self.spare_of.as_ref().is_some_and(|b| Arc::ptr_eq(b, &last.backlog)) {
            return;
        }
        self.spare = Some((*last.backlog).clone());
        self.spare_of = Some(last.backlog.clone());
    }

    /// What each changed item file held: `None` when there was no such
    /// file, else the id of its item (`None`: it did not parse).
    fn file_ids(&self, changes: &Changes) -> Vec<(String, Option<Option<String>>)> {
        changes
            .paths
            .iter()
            .filter_map(|p| self.rel(p))
            .filter(|r| crate::load::is_item_path(r, &self.ignore))
            .map(|r| {
                let id = self.files.get(&r).map(|f| f.item.as_ref().map(|i| i.id().to_string()));
                (r, id)
            })
            .collect()
    }

    /// Every diagnostic of the walk and of the files, in file order.
    fn diagnostics(&self) -> Vec<Diagnostic> {
        let mut diags = self.walk_diags.clone();
        diags.extend(self.files.values().flat_map(|f| f.diags.iter().cloned()));
        diags
    }

    /// The last backlog with the changed files' items replaced in place,
    /// when every changed file still holds the same id as before (or still
    /// none): items keep their order and indices. `before` is
    /// [`Self::file_ids`] from before the files were read again.
    fn patch(&mut self, before: &[(String, Option<Option<String>>)]) -> Option<Patch> {
        let last = self.last.as_ref()?;
        let current = self.spare_of.as_ref().is_some_and(|b| Arc::ptr_eq(b, &last.backlog));
        if !current
            || before.iter().any(|(r, id)| {
                self.files.get(r).map(|f| f.item.as_ref().map(Item::id)) != id.as_ref().map(|i| i.as_deref())
            })
        {
            return None;
        }
        self.spare_of = None;
        let mut b = self.spare.take()?;
        let mut at = Vec::new();
        for (rel, _) in before {
            let Some(item) = self.files.get(rel).and_then(|f| f.item.as_ref()) else { continue };
            let key = (item.id(), item.path.as_str());
            let k = b.items.binary_search_by(|it| (it.id(), it.path.as_str()).cmp(&key)).ok()?;
            b.items[k] = item.clone();
            at.push(k);
        }
        b.diagnostics = self.diagnostics();
        b.files = self.files.len();
        Some(Patch { backlog: b, at })
    }

    fn rel(&self, p: &Path) -> Option<String> {
        let r = p.strip_prefix(&self.root).ok()?;
        let s = r.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
        Some(s)
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

    /// Compares every item file with the cache (by mtime and size) and
    /// re-parses the ones that differ. Returns the number parsed.
    fn rescan(&mut self) -> usize {
        let Some(config) = &self.config else { return 0 };
        let (found, diags) = crate::load::walk(&self.root, config);
        self.walk_diags = diags;
        let seen: HashSet<&str> = found.iter().map(|(_, r)| r.as_str()).collect();
        self.files.retain(|k, _| seen.contains(k.as_str()));
        let todo: Vec<(PathBuf, String, Option<SystemTime>, u64)> = found
            .iter()
            .filter_map(|(abs, rel)| {
                let meta = std::fs::metadata(abs).ok();
                let mtime = meta.as_ref().and_then(|m| m.modified().ok());
                let len = meta.as_ref().map(|m| m.len()).unwrap_or(0);
                match self.files.get(rel) {
                    Some(f) if f.mtime == mtime && f.len == len && mtime.is_some() => None,
                    _ => Some((abs.clone(), rel.clone(), mtime, len)),
                }
            })
            .collect();
        let parsed: Vec<(String, FileEntry)> = todo
            .par_iter()
            .map(|(abs, rel, mtime, len)| (rel.clone(), parse_file(abs, rel, *mtime, *len, config)))
            .collect();
        let n = parsed.len();
        self.files.extend(parsed);
        n
    }

    /// Re-reads one path: parses it if it is an item file, drops it if it
    /// is gone. Returns whether the backlog's files changed.
    fn refresh(&mut self, abs: &Path) -> bool {
        let Some(config) = &self.config else { return false };
        let Some(rel) = self.rel(abs) else { return false };
        if !crate::load::is_item_path(&rel, &self.ignore) {
            return false;
        }
        match std::fs::metadata(abs) {
            Ok(m) if m.is_file() => {
                let mtime = m.modified().ok();
                let entry = parse_file(abs, &rel, mtime, m.len(), config);
                self.files.insert(rel, entry);
                true
            }
            _ => self.files.remove(&rel).is_some(),
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

    /// The settle phase: the pages a fast rebuild left stale. `None` when
    /// cancelled (keep `pending` for later) or when rendering failed.
    pub fn settle(&mut self, pending: &Pending, cancel: &AtomicBool) -> Option<(Arc<Snapshot>, BuildStats)> {
        let start = Instant::now();
        let last = self.last.clone()?;
        let mut full = pending.full;
        let mut history_changed = false;
        if self.opts.history
            && self.history_read.is_none_or(|t| t.elapsed().as_secs() >= 2)
            && git_head(&self.root) != self.git_head
        {
            let before = self.events.as_ref().map(|e| (e.head.clone(), e.events.len()));
            self.read_history();
            history_changed = self.events.as_ref().map(|e| (e.head.clone(), e.events.len())) != before;
            full |= history_changed;
        }
        let env = self.env.clone()?;
        let events = self.events.clone();
        let derived = self.derived.clone();
        let b = &last.backlog;
        let report = match pending.check {
            true => Arc::new(crate::check::check_on(b, &last.graph, self.head_date)),
            false => last.report.clone(),
        };
        if cancel.load(Ordering::Relaxed) {
            return None;
        }
        let inputs = Inputs {
            backlog: b,
            graph: &last.graph,
            report: &report,
            history: events.as_deref(),
            derived: &derived,
            analytics: &NoAnalytics::default(),
            options: self.site_options(b),
        };
        let shared = Shared::new(&inputs);
        // A value every page shows (the numbers of errors and warnings
        // after the check above) changed: every page.
        let site_value = serde_json::to_string(&shared.site).unwrap_or_default();
        full |= site_value != self.site_value;
        let jobs: Vec<Job> = if full {
            shared.jobs()
        } else {
            let g = &last.graph;
            let mut items: BTreeSet<usize> = BTreeSet::new();
            let mut graphs: BTreeSet<usize> = BTreeSet::new();
            for id in &pending.ids {
                if let Some(&i) = b.index.get(id) {
                    upstream(g, i, &mut items);
                    for a in g.ancestors(i) {
                        items.insert(a);
                        graphs.insert(a);
                    }
                    graphs.insert(i);
                }
            }
            let sprints: BTreeSet<usize> = pending.sprints.iter().filter_map(|s| b.index.get(s).copied()).collect();
            items.extend(sprints.iter().copied());
            let mut jobs = site_wide_jobs();
            jobs.extend(sprints.iter().filter(|&&s| shared.urls[s].is_some()).map(|&s| Job::Board(Some(s))));
            jobs.extend(
                graphs.into_iter().filter(|&i| shared.urls[i].is_some() && shared.has_graph_page(i)).map(Job::GraphOf),
            );
            jobs.extend(items.into_iter().filter(|&i| shared.urls[i].is_some()).map(Job::Item));
            jobs
        };
        let n = jobs.len();
        let out = run_jobs(&shared, &env, &jobs, cancel).ok()??;
        self.site_value = site_value;
        let mut site: SiteMap = if full { SiteMap::new() } else { (*last.site).clone() };
        let mut changed = self.merge(&mut site, &shared, &jobs, out, full);
        if full {
            for (name, bytes) in &self.theme_assets {
                site.insert(Arc::from(format!("assets/{name}")), Arc::from(bytes.clone()));
            }
            changed = diff_maps(&last.site, &site);
        }
        self.parts = Some((last.backlog.clone(), shared.into_parts()));
        // New history: new derived dates in the item objects.
        let objs = match history_changed {
            true => compute_objects(b, &last.graph, &derived, self.opts.drafts, Reuse::None),
            false => Objects {
                objects: last.objects.clone(),
                json: last.objects_json.clone(),
                contexts: last.contexts.clone(),
                listed: last.listed.clone(),
                recomputed: Vec::new(),
            },
        };
        let generation = self.next_generation();
        let snap = Arc::new(Snapshot {
            generation,
            backlog: last.backlog.clone(),
            graph: last.graph.clone(),
            report,
            events: self.events.clone(),
            derived: self.derived.clone(),
            objects: objs.objects,
            objects_json: objs.json,
            contexts: objs.contexts,
            listed: objs.listed,
            schedule: OnceLock::new(),
            site: Arc::new(site),
            error: None,
            build_seconds: start.elapsed().as_secs_f64(),
            changed: Some(changed),
        });
        self.last = Some(snap.clone());
        let stats = BuildStats {
            phase: "settle",
            seconds: start.elapsed().as_secs_f64(),
            parsed: 0,
            rendered_jobs: n,
            ok: true,
        };
        Some((snap, stats))
    }

    fn removed_folder(&self, changes: &Changes) -> bool {
        changes.paths.iter().any(|p| {
            !p.exists()
                && self.rel(p).is_some_and(|r| {
                    let prefix = format!("{r}/");
                    !r.is_empty()
                        && self.files.range(prefix.clone()..).next().is_some_and(|(k, _)| k.starts_with(&prefix))
                })
        })
    }

    /// Ids of the cached items in the changed files.
    fn item_ids_of(&self, changes: &Changes) -> BTreeSet<String> {
        changes
            .paths
            .iter()
            .filter_map(|p| self.rel(p))
            .filter_map(|r| self.files.get(&r))
            .filter_map(|f| f.item.as_ref().map(|i| i.id().to_string()))
            .collect()
    }

    fn site_options(&self, b: &Backlog) -> site::Options {
        // As `cairn build`: the HEAD commit's date, the clock without git.
        let today = self.head_date.unwrap_or_else(|| crate::metrics::clock_date(&b.config));
        site::Options {
            base_url: self.opts.base_url.clone().unwrap_or_else(|| b.config.base_url.clone()),
            drafts: self.opts.drafts,
            today: Some(today),
            history_note: self.history_note.clone(),
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
        let (backlog, at) = match (patch, &last) {
            (Some(p), Some(_)) => (p.backlog, Some(p.at)),
            _ => {
                let items: Vec<Item> = self.files.values().filter_map(|f| f.item.clone()).collect();
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
            Some(l) => touched(l, &backlog, &objs),
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
                let keep = at.iter().all(|&k| same_schedule(&l.backlog.items[k], &backlog.items[k]));
                Shared::reusing(&inputs, parts, at, keep)
            }
            _ => None,
        };
        let shared = shared.unwrap_or_else(|| Shared::new(&inputs));
        lap("shared");
        let site_value = serde_json::to_string(&shared.site).unwrap_or_default();
        let full = inc.is_none() || last.is_none();
        let jobs: Vec<Job> = if full {
            shared.jobs()
        } else {
            // The changed items' pages and their direct neighbours' (now
            // and before); the rest waits for the settle phase.
            let mut set: BTreeSet<usize> = BTreeSet::new();
            for id in &touched.ids {
                let Some(&i) = backlog.index.get(id.as_str()) else { continue };
                set.insert(i);
                for e in graph.out[i].iter().chain(&graph.inc[i]) {
                    set.insert(graph.edges[*e].from);
                    set.insert(graph.edges[*e].to);
                }
            }
            for id in &touched.old_neighbours {
                if let Some(&j) = backlog.index.get(id.as_str()) {
                    set.insert(j);
                }
            }
            set.into_iter().filter(|&i| shared.urls[i].is_some()).map(Job::Item).collect()
        };
        let n = jobs.len();
        let never = AtomicBool::new(false);
        let out = run_jobs(&shared, &env, &jobs, &never).map_err(|e| e.to_string())?.unwrap_or_default();
        lap("render");
        let mut site: SiteMap = match (&last, full) {
            (Some(l), false) => (*l.site).clone(),
            _ => SiteMap::new(),
        };
        let mut changed = self.merge(&mut site, &shared, &jobs, out, full);
        if full {
            for (name, bytes) in &self.theme_assets {
                site.insert(Arc::from(format!("assets/{name}")), Arc::from(bytes.clone()));
            }
        } else if let Some(inc) = inc {
            // Files the bodies link to (images, attachments) that changed.
            for rel in &inc.linked {
                let key = format!("files/{rel}");
                if site.contains_key(key.as_str()) {
                    match crate::util::fs::read_regular(&self.root.join(rel), MAX_LINKED_BYTES) {
                        Ok(bytes) => site.insert(Arc::from(key.as_str()), Arc::from(bytes)),
                        Err(_) => site.remove(key.as_str()),
                    };
                    changed.push(key);
                }
            }
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
            objects: objs.objects,
            objects_json: objs.json,
            contexts: objs.contexts,
            listed: objs.listed,
            schedule: OnceLock::new(),
            site: Arc::new(site),
            error: None,
            build_seconds: 0.0,
            changed,
        };
        self.parts = Some((snap.backlog.clone(), parts));
        Ok((snap, n, touched))
    }

    /// Puts job outputs into `site` (with the reload script), drops the
    /// outputs a job no longer produces, and returns the changed paths.
    fn merge(
        &mut self,
        site: &mut SiteMap,
        shared: &Shared,
        jobs: &[Job],
        out: Vec<Vec<(String, Vec<u8>)>>,
        full: bool,
    ) -> Vec<String> {
        let b = shared.b;
        if full {
            self.outputs.clear();
        }
        let mut changed = Vec::new();
        for (job, files) in jobs.iter().zip(out) {
            let key = match job {
                Job::Item(i) => Some(format!("item:{}", b.items[*i].id())),
                Job::GraphOf(i) => Some(format!("graph:{}", b.items[*i].id())),
                Job::Board(Some(i)) => Some(format!("board:{}", b.items[*i].id())),
                _ => None,
            };
            let paths: Vec<String> = files.iter().map(|(p, _)| p.clone()).collect();
            if let Some(k) = &key {
                if let Some(old) = self.outputs.get(k) {
                    for p in old {
                        if !paths.contains(p) && site.remove(p.as_str()).is_some() {
                            changed.push(p.clone());
                        }
                    }
                }
            }
            for (p, bytes) in files {
                let bytes = inject(&p, bytes);
                let same = site.get(p.as_str()).is_some_and(|old| **old == *bytes);
                if !same {
                    site.insert(Arc::from(p.as_str()), bytes);
                    changed.push(p);
                }
            }
            if let Some(k) = key {
                self.outputs.insert(k, paths);
            }
        }
        // Items that are gone: drop their pages.
        if !full {
            let gone: Vec<String> = self
                .outputs
                .keys()
                .filter(|k| k.split_once(':').is_some_and(|(_, id)| !b.index.contains_key(id)))
                .cloned()
                .collect();
            for k in gone {
                for p in self.outputs.remove(&k).unwrap_or_default() {
                    if site.remove(p.as_str()).is_some() {
                        changed.push(p);
                    }
                }
            }
        }
        for rel in shared.linked_files() {
            let key = format!("files/{rel}");
            if !site.contains_key(key.as_str()) {
                if let Ok(bytes) = crate::util::fs::read_regular(&self.root.join(&rel), MAX_LINKED_BYTES) {
                    site.insert(Arc::from(key.as_str()), Arc::from(bytes));
                    changed.push(key);
                }
            }
        }
        changed.sort();
        changed.dedup();
        changed
    }

    fn pending_from(&mut self, inc: &Incremental, touched: Touched) -> Pending {
        let full = std::mem::take(&mut self.force_full) || inc.changed_ids.is_empty();
        let mut ids = touched.ids;
        ids.extend(inc.changed_ids.iter().cloned());
        Pending { full, ids, sprints: touched.sprints, check: true }
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
                objects_json: l.objects_json.clone(),
                contexts: l.contexts.clone(),
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

struct Incremental {
    changed_ids: BTreeSet<String>,
    linked: Vec<String>,
}

/// The last backlog with some items replaced in place (same ids, same
/// paths, same order).
struct Patch {
    backlog: Backlog,
    /// Indices of the replaced items.
    at: Vec<usize>,
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

/// HEAD of the repository holding `root` and the commit it names (from
/// `.git/HEAD` and the ref file or `packed-refs`), to tell cheaply whether
/// history moved.
fn git_head(root: &Path) -> Option<String> {
    // Small regular files only (a crafted HEAD could name a device).
    let read = |p: &Path| crate::util::fs::read_regular(p, 4096).map(|b| String::from_utf8_lossy(&b).into_owned());
    let git = root.ancestors().map(|d| d.join(".git")).find(|g| g.is_dir())?;
    let head = read(&git.join("HEAD")).ok()?;
    let mut sig = head.trim().to_string();
    if let Some(r) = head.trim().strip_prefix("ref: ") {
        match read(&git.join(r)) {
            Ok(id) => sig.push_str(id.trim()),
            Err(_) => {
                let packed = std::fs::metadata(git.join("packed-refs")).and_then(|m| m.modified()).ok();
                sig.push_str(&format!("{packed:?}"));
            }
        }
    }
    Some(sig)
}

fn parse_file(abs: &Path, rel: &str, mtime: Option<SystemTime>, len: u64, config: &Config) -> FileEntry {
    let (item, diags) = if len > crate::load::MAX_FILE_BYTES {
        let msg = format!(
            "file is too large ({:.1} MB); item files are limited to {} MB",
            len as f64 / 1_048_576.0,
            crate::load::MAX_FILE_BYTES / 1_048_576
        );
        (None, vec![Diagnostic::new("E006", rel, Span::START, msg)])
    } else {
        // Bounded, and only a regular file: the file can have been replaced
        // (by a FIFO, say) since it was listed.
        match crate::util::fs::read_regular(abs, crate::load::MAX_FILE_BYTES) {
            Ok(bytes) => crate::load::parse_item_bytes(&bytes, rel, config),
            Err(e) => (None, vec![Diagnostic::new("E006", rel, Span::START, format!("cannot read file: {e}"))]),
        }
    };
    FileEntry { mtime, len, item, diags }
}

/// The site-wide jobs (every page that lists many items).
fn site_wide_jobs() -> Vec<Job> {
    vec![
        Job::Overview,
        Job::Board(None),
        Job::Backlog,
        Job::Graph,
        Job::Sprints,
        Job::Metrics,
        Job::Insights,
        Job::Docs,
        Job::Problems,
        Job::Feed,
        Job::Api,
    ]
}

/// Renders jobs in parallel; `Ok(None)` when cancelled.
fn run_jobs(
    shared: &Shared,
    env: &Environment,
    jobs: &[Job],
    cancel: &AtomicBool,
) -> Result<Option<Vec<Files>>, SiteError> {
    let out: Vec<Result<Option<Files>, SiteError>> = jobs
        .par_iter()
        .map(|j| if cancel.load(Ordering::Relaxed) { Ok(None) } else { shared.run(env, j).map(Some) })
        .collect();
    if cancel.load(Ordering::Relaxed) {
        return Ok(None);
    }
    let mut v = Vec::with_capacity(out.len());
    for o in out {
        match o? {
            Some(files) => v.push(files),
            None => return Ok(None),
        }
    }
    Ok(Some(v))
}

/// Paths whose bytes differ between two maps (either side).
fn diff_maps(a: &SiteMap, b: &SiteMap) -> Vec<String> {
    let mut out: Vec<String> = b
        .iter()
        .filter(|(k, v)| a.get(*k).is_none_or(|old| !Arc::ptr_eq(old, v) && **old != ***v))
        .map(|(k, _)| k.to_string())
        .collect();
    out.extend(a.keys().filter(|k| !b.contains_key(*k)).map(|k| k.to_string()));
    out.sort();
    out
}

/// What a fast build changed: ids whose item object changed (or that
/// appeared or vanished), their neighbours before the change, and the
/// sprints involved.
#[derive(Clone, Debug, Default)]
pub struct Touched {
    pub ids: BTreeSet<String>,
    pub old_neighbours: BTreeSet<String>,
    pub sprints: BTreeSet<String>,
}

fn touched(last: &Snapshot, b: &Backlog, objs: &Objects) -> Touched {
    let mut t = Touched::default();
    let sprint_of = |o: &Value| o.get("sprint").and_then(Value::as_str).map(String::from);
    for &i in &objs.recomputed {
        let id = b.items[i].id();
        let old = last.find(id).map(|k| &*last.objects[k]);
        if old == Some(&*objs.objects[i]) {
            continue;
        }
        t.ids.insert(id.to_string());
        t.sprints.extend(sprint_of(&objs.objects[i]));
        if let Some(o) = old {
            t.sprints.extend(sprint_of(o));
            t.old_neighbours.extend(related_ids(o).into_iter().map(String::from));
        }
    }
    // Vanished items.
    for &k in &last.listed {
        let id = last.backlog.items[k].id();
        if b.index.get(id).is_none_or(|&i| objs.objects[i].is_null()) {
            t.ids.insert(id.to_string());
            t.sprints.extend(sprint_of(&last.objects[k]));
            t.old_neighbours.extend(related_ids(&last.objects[k]).into_iter().map(String::from));
        }
    }
    t
}

/// An object's serialized form and expression context.
type Cached = (Arc<[u8]>, minijinja::Value);

/// Item objects and their cached forms.
struct Objects {
    objects: Vec<Arc<Value>>,
    json: Vec<Arc<[u8]>>,
    contexts: Vec<minijinja::Value>,
    listed: Vec<usize>,
    /// Indices computed afresh (not reused from the last build).
    recomputed: Vec<usize>,
}

/// An item's relations as (direction, type, other id), sorted: with the
/// item itself and the derived fields, all its object depends on.
fn neighbour_signature<'a>(b: &'a Backlog, g: &'a Graph, i: usize) -> Vec<(bool, &'a str, &'a str)> {
    let mut v: Vec<(bool, &str, &str)> = g.out[i]
        .iter()
        .map(|&e| (true, g.edges[e].ty.name(), b.items[g.edges[e].to].id()))
        .chain(g.inc[i].iter().map(|&e| (false, g.edges[e].ty.name(), b.items[g.edges[e].from].id())))
        .collect();
    v.sort_unstable();
    v
}

/// Which of the last build's item objects can be reused.
#[derive(Clone, Copy)]
enum Reuse<'a> {
    None,
    /// Those of the items whose file did not change (not in the set of
    /// ids) and whose relations are the same.
    Relations(&'a Snapshot, &'a BTreeSet<String>),
    /// Same items at the same indices, same graph: all but those at the
    /// given indices (the patched items).
    Aligned(&'a Snapshot, &'a [usize]),
}

/// Computes the item objects, reusing the last build's object of every
/// item whose file did not change and whose relations are the same.
fn compute_objects(b: &Backlog, g: &Graph, derived: &BTreeMap<String, Derived>, drafts: bool, reuse: Reuse) -> Objects {
    let n = b.items.len();
    let results: Vec<(Arc<Value>, Option<Cached>, bool)> = (0..n)
        .into_par_iter()
        .with_min_len(128)
        .map(|i| {
            let it = &b.items[i];
            if let Reuse::Aligned(last, at) = reuse {
                // Whether an item is listed depends on itself and the index only.
                if !at.contains(&i) && last.objects.len() == n {
                    let cached = (last.objects_json[i].clone(), last.contexts[i].clone());
                    return (last.objects[i].clone(), Some(cached), false);
                }
            }
            let listed =
                b.index.get(it.id()) == Some(&i) && crate::model::is_valid_id(it.id()) && (drafts || !is_draft(it));
            if !listed {
                return (Arc::new(Value::Null), None, false);
            }
            if let Reuse::Relations(last, changed) = reuse {
                if !changed.contains(it.id()) {
                    if let Some(k) = last.find(it.id()) {
                        if last.backlog.items[k].path == it.path
                            && neighbour_signature(b, g, i) == neighbour_signature(&last.backlog, &last.graph, k)
                        {
                            let cached = (last.objects_json[k].clone(), last.contexts[k].clone());
                            return (last.objects[k].clone(), Some(cached), false);
                        }
                    }
                }
            }
            (Arc::new(crate::query::item_object(b, g, i, derived.get(it.id()))), None, true)
        })
        .collect();
    let mut objects = Vec::with_capacity(n);
    let mut cached = Vec::with_capacity(n);
    let mut recomputed = Vec::new();
    for (i, (o, c, fresh)) in results.into_iter().enumerate() {
        objects.push(o);
        cached.push(c);
        if fresh {
            recomputed.push(i);
        }
    }
    let forms: Vec<(Arc<[u8]>, minijinja::Value)> = cached
        .into_par_iter()
        .zip(objects.par_iter())
        .with_min_len(128)
        .map(|(c, o)| {
            c.unwrap_or_else(|| {
                let json: Arc<[u8]> = Arc::from(serde_json::to_vec(&**o).unwrap_or_else(|_| b"null".to_vec()));
                (json, crate::query::context_value(o))
            })
        })
        .collect();
    let (json, contexts): (Vec<Arc<[u8]>>, Vec<minijinja::Value>) = forms.into_iter().unzip();
    let listed: Vec<usize> = (0..n).filter(|&i| !objects[i].is_null()).collect();
    Objects { objects, json, contexts, listed, recomputed }
}

/// Every item whose impact page can list `i`: the items `i` waits on
/// (its dependencies and children), transitively.
fn upstream(g: &Graph, i: usize, set: &mut BTreeSet<usize>) {
    let mut stack = vec![i];
    while let Some(x) = stack.pop() {
        if !set.insert(x) {
            continue;
        }
        for &e in &g.out[x] {
            let edge = &g.edges[e];
            if edge.ty == EdgeType::DependsOn {
                stack.push(edge.to);
            }
        }
        for &e in &g.inc[x] {
            let edge = &g.edges[e];
            if edge.ty == EdgeType::Parent {
                stack.push(edge.from);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copy_dir(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            let dest = to.join(e.file_name());
            if e.file_type().unwrap().is_dir() {
                copy_dir(&e.path(), &dest);
            } else {
                std::fs::copy(e.path(), dest).unwrap();
            }
        }
    }

    /// Saves `rel` with `from` replaced by `to`, rebuilds and settles;
    /// returns the fast build and the settled one.
    fn edit2(b: &mut Builder, rel: &str, from: &str, to: &str) -> (Arc<Snapshot>, Arc<Snapshot>) {
        let path = b.root().join(rel);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{rel} has no `{from}`");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
        let never = AtomicBool::new(false);
        b.prepare_spare();
        let changes = Changes { paths: BTreeSet::from([path]), rescan: false };
        let (fast, _, pending) = b.incremental(&changes, &never);
        assert!(fast.error.is_none(), "{:?}", fast.error);
        match b.settle(&pending, &never) {
            Some((s, _)) => (fast, s),
            None => (fast.clone(), fast),
        }
    }

    fn edit(b: &mut Builder, rel: &str, from: &str, to: &str) -> Arc<Snapshot> {
        edit2(b, rel, from, to).1
    }

    /// The served state equals a full build of the same files.
    fn assert_same_as_full(s: &Snapshot, root: &Path) {
        let never = AtomicBool::new(false);
        let (full, _) = Builder::new(root.to_path_buf(), BuildOptions::default()).full(&never);
        let mut a: Vec<&Arc<str>> = s.site.keys().collect();
        let mut b: Vec<&Arc<str>> = full.site.keys().collect();
        a.sort();
        b.sort();
        assert_eq!(a, b, "the same files");
        for (k, v) in full.site.iter() {
            assert!(s.site[k] == *v, "{k} differs from a full build");
        }
        let diags = |s: &Snapshot| crate::check::report::json_value(&s.report).to_string();
        assert_eq!(diags(s), diags(&full));
        assert_eq!(s.objects, full.objects);
        assert_eq!(s.listed, full.listed);
    }

    #[test]
    fn settled_builds_equal_full_builds_and_problems_show_after_settling() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("backlog");
        copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("example-backlog"), &root);
        let never = AtomicBool::new(false);
        let mut b = Builder::new(root.clone(), BuildOptions::default());
        let (first, _) = b.full(&never);
        assert!(first.error.is_none());
        let errors = first.report.errors();
        let story = "stories/asm-stories-api.md";
        // Content only (title): the backlog is patched, graph and schedule kept.
        let (fast, s) = edit2(&mut b, story, "title: ", "title: Edited ");
        assert!(Arc::ptr_eq(&fast.graph, &first.graph), "the graph is kept");
        assert!(String::from_utf8_lossy(&fast.site["items/asm-stories-api.html"]).contains("Edited"));
        assert_same_as_full(&s, &root);
        // Status: the item and the ones it blocks change, the schedule too.
        let s = edit(&mut b, story, "status: in_progress", "status: done");
        assert_same_as_full(&s, &root);
        // A problem introduced by an edit shows up once settled.
        let s = edit(&mut b, story, "status: done", "status: no_such_status");
        assert!(s.report.errors() > errors, "the unknown status is reported");
        assert!(String::from_utf8_lossy(&s.site["problems.html"]).contains("no_such_status"));
        assert_same_as_full(&s, &root);
        // A relation: the graph changes.
        let s = edit(&mut b, story, "status: no_such_status", "status: todo");
        assert_same_as_full(&s, &root);
        let s = edit(&mut b, story, "depends_on: [asm-projects-api]", "depends_on: [asm-oauth-providers]");
        assert_same_as_full(&s, &root);
        // And back: the error is gone.
        let s = edit(&mut b, story, "status: todo", "status: in_progress");
        assert_eq!(s.report.errors(), errors);
        assert_same_as_full(&s, &root);
    }
}
