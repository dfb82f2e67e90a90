//! What a request sees: the [`Snapshot`] of one complete build, and the
//! live-reload script every page of `serve` gets.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use serde_json::Value;

use crate::check::Report;
use crate::config::Config;
use crate::graph::schedule::Schedule;
use crate::graph::Graph;
use crate::history::Events;
use crate::load::Backlog;
use crate::query::Derived;

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

/// The live-reload script of serve mode (served at `/_cairn/reload.js`):
/// reloads on `reload` when this page changed (unless the editing script
/// says an edit form holds unsaved text), shows build errors in an overlay.
pub const RELOAD_JS: &str = r#"/* cairn serve */(function(){if(!window.EventSource)return;var es=new EventSource("/_cairn/events");function page(){var p=decodeURIComponent(location.pathname).replace(/^\/+/,"");if(p===""||p.slice(-1)==="/")p+="index.html";return p}function overlay(msg){var o=document.getElementById("cairn-error-overlay");if(!msg){if(o)o.remove();return}if(!o){o=document.createElement("div");o.id="cairn-error-overlay";o.setAttribute("role","alert");o.style.cssText="position:fixed;left:0;right:0;bottom:0;max-height:50vh;overflow:auto;z-index:99999;background:#3b0d0d;color:#fff;font:14px/1.4 ui-monospace,monospace;padding:1em 1.5em;white-space:pre-wrap;border-top:4px solid #e5484d";document.body.appendChild(o)}o.textContent="cairn: the build failed; showing the last good site.\n\n"+msg}es.addEventListener("reload",function(e){var d={};try{d=JSON.parse(e.data)}catch(_){}overlay(null);if((!d.changed||d.changed.indexOf(page())>=0)&&!(window.cairnEditing&&window.cairnEditing()))location.reload()});es.addEventListener("error",function(e){if(e.data)overlay(e.data)});es.addEventListener("ok",function(){overlay(null)})})();"#;

/// What every page gets in serve mode, before `</body>`: a script file, not
/// an inline script (the Content-Security-Policy allows no inline script).
pub const RELOAD_TAG: &str = r#"<script src="/_cairn/reload.js"></script>"#;

pub(super) fn inject(path: &str, bytes: Vec<u8>) -> Arc<[u8]> {
    if !path.ends_with(".html") {
        return Arc::from(bytes);
    }
    // RELOAD_TAG, the write token and the editing script (serve/write.rs).
    Arc::from(super::write::inject(&bytes))
}
