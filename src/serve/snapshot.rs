//! What a request sees: the [`Snapshot`] of one complete build, and the
//! live-reload script every page of `serve` gets.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use serde_json::Value;

pub use super::page::Page;

use crate::check::Report;
use crate::config::Config;
use crate::graph::schedule::Schedule;
use crate::graph::Graph;
use crate::history::Events;
use crate::load::Backlog;
use crate::query::Derived;

/// Path → page, one table.
type Table = HashMap<Arc<str>, Page>;

/// The rendered site: path → bytes. A shared base table and a small
/// overlay of the paths changed since the base was made: a fast build
/// copies the overlay (a few entries) and the base's `Arc`, never the
/// 40,000-entry table, and a replaced snapshot frees only its overlay.
/// [`SiteMap::flatten`] (the settle phase, in the background) folds the
/// overlay into a new base.
#[derive(Clone, Default)]
pub struct SiteMap {
    base: Arc<Table>,
    /// A new value of a path, or `None`: the path is gone.
    over: HashMap<Arc<str>, Option<Page>>,
    len: usize,
}

/// An overlay this large is folded into the base by the next fast build
/// (settle phases, which fold it, may keep being cancelled by new saves).
const OVERLAY_LIMIT: usize = 4096;

impl SiteMap {
    pub fn new() -> SiteMap {
        SiteMap::default()
    }

    pub fn get(&self, path: &str) -> Option<&Page> {
        match self.over.get(path) {
            Some(v) => v.as_ref(),
            None => self.base.get(path),
        }
    }

    /// The path as the map holds it, and its page.
    pub fn get_key_value(&self, path: &str) -> Option<(&Arc<str>, &Page)> {
        match self.over.get_key_value(path) {
            Some((k, v)) => v.as_ref().map(|v| (k, v)),
            None => self.base.get_key_value(path),
        }
    }

    pub fn contains_key(&self, path: &str) -> bool {
        self.get(path).is_some()
    }

    /// Sets `path`; returns its previous bytes.
    pub fn insert(&mut self, path: Arc<str>, bytes: Page) -> Option<Page> {
        let prev = self.get(&path).cloned();
        if prev.is_none() {
            self.len += 1;
        }
        self.over.insert(path, Some(bytes));
        prev
    }

    /// Drops `path`; returns its bytes.
    pub fn remove(&mut self, path: &str) -> Option<Page> {
        let prev = self.get(path).cloned()?;
        self.len -= 1;
        match self.base.get_key_value(path) {
            Some((k, _)) => {
                self.over.insert(k.clone(), None);
            }
            None => {
                self.over.remove(path);
            }
        }
        Some(prev)
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Every path and its bytes (in no particular order).
    pub fn iter(&self) -> impl Iterator<Item = (&Arc<str>, &Page)> {
        let base = self.base.iter().filter(|(k, _)| !self.over.contains_key(&***k));
        base.chain(self.over.iter().filter_map(|(k, v)| v.as_ref().map(|v| (k, v))))
    }

    pub fn keys(&self) -> impl Iterator<Item = &Arc<str>> {
        self.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl Iterator<Item = &Page> {
        self.iter().map(|(_, v)| v)
    }

    /// The number of paths changed since the base was made.
    pub fn overlay_len(&self) -> usize {
        self.over.len()
    }

    /// Folds the overlay into the base (copying the base when another map
    /// shares it): lookups stay one table deep.
    pub fn flatten(&mut self) {
        if self.over.is_empty() {
            return;
        }
        let base = Arc::make_mut(&mut self.base);
        for (k, v) in self.over.drain() {
            match v {
                Some(v) => {
                    base.insert(k, v);
                }
                None => {
                    base.remove(&*k);
                }
            }
        }
    }

    /// [`SiteMap::flatten`] when the overlay has grown past its limit.
    pub fn flatten_if_large(&mut self) {
        if self.over.len() > OVERLAY_LIMIT {
            self.flatten();
        }
    }
}

/// Everything a request needs, immutable once published.
pub struct Snapshot {
    /// Increases with every published build.
    pub generation: u64,
    pub backlog: Arc<Backlog>,
    pub graph: Arc<Graph>,
    pub report: Arc<Report>,
    pub events: Option<Arc<Events>>,
    pub derived: Arc<BTreeMap<String, Derived>>,
    /// The item object of every item as compact JSON, aligned with
    /// `backlog.items` (`null` for items the API does not list: duplicates
    /// of an id, drafts). [`Snapshot::object`] parses one back.
    pub objects: Vec<Arc<[u8]>>,
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
        self.backlog.index.get(id).copied().filter(|&i| super::objects::is_listed(&self.objects[i]))
    }

    /// The item object of the item at `i` (`Null` when it is not listed).
    pub fn object(&self, i: usize) -> Value {
        super::objects::parse(&self.objects[i])
    }
}

/// The live-reload script of serve mode (served at `/_cairn/reload.js`):
/// reloads on `reload` when this page changed (unless the editing script
/// says an edit form holds unsaved text), shows build errors in an overlay.
pub const RELOAD_JS: &str = r#"/* cairn serve */(function(){if(!window.EventSource)return;var es=new EventSource("/_cairn/events");function page(){var p=decodeURIComponent(location.pathname).replace(/^\/+/,"");if(p===""||p.slice(-1)==="/")p+="index.html";return p}function overlay(msg){var o=document.getElementById("cairn-error-overlay");if(!msg){if(o)o.remove();return}if(!o){o=document.createElement("div");o.id="cairn-error-overlay";o.setAttribute("role","alert");o.style.cssText="position:fixed;left:0;right:0;bottom:0;max-height:50vh;overflow:auto;z-index:99999;background:#3b0d0d;color:#fff;font:14px/1.4 ui-monospace,monospace;padding:1em 1.5em;white-space:pre-wrap;border-top:4px solid #e5484d";document.body.appendChild(o)}o.textContent="cairn: the build failed; showing the last good site.\n\n"+msg}es.addEventListener("reload",function(e){var d={};try{d=JSON.parse(e.data)}catch(_){}overlay(null);if((!d.changed||d.changed.indexOf(page())>=0)&&!(window.cairnEditing&&window.cairnEditing()))location.reload()});es.addEventListener("error",function(e){if(e.data)overlay(e.data)});es.addEventListener("ok",function(){overlay(null)})})();"#;

/// What every page gets in serve mode, before `</body>`: a script file, not
/// an inline script (the Content-Security-Policy allows no inline script).
pub const RELOAD_TAG: &str = r#"<script src="/_cairn/reload.js"></script>"#;

/// A rendered file as served: pages get the reload and editing scripts;
/// text is gzipped.
pub(super) fn inject(path: &str, bytes: Vec<u8>) -> Page {
    if !path.ends_with(".html") {
        return Page::new(path, &bytes);
    }
    // RELOAD_TAG, the write token and the editing script (serve/write.rs).
    Page::new(path, &super::write::inject(&bytes))
}

#[cfg(test)]
impl std::ops::Index<&str> for SiteMap {
    type Output = Page;

    fn index(&self, path: &str) -> &Page {
        self.get(path).unwrap_or_else(|| panic!("no `{path}` in the site"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(m: &SiteMap) -> Vec<(String, Vec<u8>)> {
        let mut v: Vec<(String, Vec<u8>)> = m.iter().map(|(k, v)| (k.to_string(), v.bytes().to_vec())).collect();
        v.sort();
        v
    }

    fn bytes(s: &str) -> Page {
        Page::plain(s.as_bytes())
    }

    #[test]
    fn a_site_map_with_an_overlay_reads_like_one_table() {
        let mut a = SiteMap::new();
        for k in ["a", "b", "c"] {
            assert!(a.insert(Arc::from(k), bytes(k)).is_none());
        }
        a.flatten();
        assert_eq!((a.len(), a.overlay_len()), (3, 0));
        // A copy shares the base; changes go to its overlay only.
        let mut b = a.clone();
        assert_eq!(b.insert(Arc::from("b"), bytes("B")).map(|p| p.bytes().to_vec()), Some(b"b".to_vec()));
        assert_eq!(b.remove("c").map(|p| p.bytes().to_vec()), Some(b"c".to_vec()));
        assert_eq!(b.remove("c"), None, "already gone");
        assert!(b.insert(Arc::from("d"), bytes("d")).is_none());
        assert!(b.insert(Arc::from("c"), bytes("c2")).is_none(), "back after its removal");
        assert_eq!(b.remove("d").map(|p| p.bytes().to_vec()), Some(b"d".to_vec()));
        let want =
            |v: &[(&str, &str)]| v.iter().map(|(k, v)| (k.to_string(), v.as_bytes().to_vec())).collect::<Vec<_>>();
        assert_eq!(sorted(&b), want(&[("a", "a"), ("b", "B"), ("c", "c2")]));
        assert_eq!(b.len(), 3);
        assert_eq!(b.get("d"), None);
        assert!(!b.contains_key("d") && b.contains_key("c"));
        assert_eq!(sorted(&a), want(&[("a", "a"), ("b", "b"), ("c", "c")]), "the original is untouched");
        // Folding keeps the contents.
        b.remove("a");
        b.flatten();
        assert_eq!((b.len(), b.overlay_len()), (2, 0));
        assert_eq!(sorted(&b), want(&[("b", "B"), ("c", "c2")]));
        assert_eq!(a.len(), 3, "the shared base was copied, not changed");
        assert_eq!(a.get("a").map(|v| v.bytes().to_vec()), Some(b"a".to_vec()));
    }
}
