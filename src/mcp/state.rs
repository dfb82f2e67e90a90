//! The backlog as the tools see it: read again for every call, but only
//! as far as something changed. Each call stamps `cairn.yml` and every item
//! file (size, times, inode: no file is read); when all stamps are those of
//! the last load, the loaded backlog, its graph and its item objects are
//! reused; otherwise the backlog is loaded again through the parse cache
//! (`load::load_cached`: only the changed files are parsed). A file
//! stamped within the racy window of a change (`load::cache::Stamp::is_racy`)
//! is also compared by its content until its stamp is old enough.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use rayon::prelude::*;
use serde_json::Value;

use crate::config::{Config, CONFIG_FILE};
use crate::graph::Graph;
use crate::load::cache::Stamp;
use crate::load::{self, Backlog};

/// What the stamps of a load were.
#[derive(Debug, PartialEq)]
struct Stamps {
    config: Option<Stamp>,
    files: Vec<(String, Option<Stamp>)>,
}

/// A loaded backlog, its graph, and (made when first asked for) the item
/// object of each distinct id, in the backlog's order, with the context a
/// `where` expression sees for it.
pub struct Loaded {
    pub backlog: Backlog,
    pub graph: Graph,
    objects: Option<Vec<Value>>,
    contexts: Option<Vec<minijinja::Value>>,
    stamps: Stamps,
    /// The files whose stamps were taken in their racy window, with the
    /// hash of their content then: a stamp may not move for a change made
    /// within the same clock tick, the content does.
    racy: Vec<(PathBuf, String)>,
}

impl Loaded {
    /// Makes the item objects (`query::item_object`, no history-derived
    /// fields) of every distinct id and their `where` contexts, once per load.
    pub fn prepare(&mut self) {
        let (b, g) = (&self.backlog, &self.graph);
        let objects = self.objects.get_or_insert_with(|| {
            let first: Vec<usize> = (0..b.items.len()).filter(|&i| b.index.get(b.items[i].id()) == Some(&i)).collect();
            first.par_iter().map(|&i| crate::query::item_object(b, g, i, None)).collect()
        });
        if self.contexts.is_none() {
            self.contexts = Some(objects.par_iter().map(crate::query::context_value).collect());
        }
    }

    /// The objects made by [`Loaded::prepare`] (empty before).
    pub fn objects(&self) -> &[Value] {
        self.objects.as_deref().unwrap_or(&[])
    }

    /// The `where` contexts made by [`Loaded::prepare`], one per object.
    pub fn contexts(&self) -> &[minijinja::Value] {
        self.contexts.as_deref().unwrap_or(&[])
    }
}

/// The server's view of one backlog root.
pub struct Session {
    pub root: PathBuf,
    loaded: Option<Loaded>,
    /// Loads so far (for tests and `-v`).
    pub loads: usize,
}

fn stamp(p: &Path) -> Option<Stamp> {
    std::fs::metadata(p).ok().map(|m| Stamp::of(&m))
}

/// The stamps of the item files `config` finds under `root`.
fn file_stamps(root: &Path, config: &Config) -> Vec<(String, Option<Stamp>)> {
    let (files, _) = load::walk(root, config);
    files.into_par_iter().map(|(abs, rel)| (rel, stamp(&abs))).collect()
}

/// The content hash of a file (`None`: unreadable).
fn content(p: &Path) -> Option<String> {
    std::fs::read(p).ok().map(|b| crate::edit::file_hash(&b))
}

impl Session {
    pub fn new(root: PathBuf) -> Session {
        Session { root, loaded: None, loads: 0 }
    }

    /// Forgets the loaded backlog (after a failure half-way through a call).
    pub fn reset(&mut self) {
        self.loaded = None;
    }

    /// The backlog as it is on disk now.
    pub fn fresh(&mut self) -> Result<&mut Loaded, String> {
        let config = stamp(&self.root.join(CONFIG_FILE));
        let at = SystemTime::now();
        let files = match &self.loaded {
            Some(l) if l.stamps.config == config => {
                let files = file_stamps(&self.root, &l.backlog.config);
                // A file stamped in its racy window is compared by content.
                if files == l.stamps.files && l.racy.iter().all(|(p, h)| content(p).as_ref() == Some(h)) {
                    return self.loaded.as_mut().ok_or_else(|| "the backlog is not loaded".to_string());
                }
                files
            }
            _ => {
                let cfg = Config::load(&self.root).map_err(|e| e.to_string())?;
                file_stamps(&self.root, &cfg)
            }
        };
        self.loaded = None;
        // Stamped (and racy files hashed) before the load: a change after
        // this is seen next time.
        let racy: Vec<(PathBuf, String)> = std::iter::once((CONFIG_FILE, config.as_ref()))
            .chain(files.iter().map(|(rel, s)| (rel.as_str(), s.as_ref())))
            .filter(|(_, s)| s.is_some_and(|s| s.is_racy(at)))
            .filter_map(|(rel, _)| {
                let p = self.root.join(rel);
                content(&p).map(|h| (p, h))
            })
            .collect();
        self.load(Stamps { config, files }, racy)
    }

    fn load(&mut self, stamps: Stamps, racy: Vec<(PathBuf, String)>) -> Result<&mut Loaded, String> {
        let backlog = load::load_cached(&self.root, true).map_err(|e| e.to_string())?;
        let graph = Graph::build(&backlog);
        self.loads += 1;
        Ok(self.loaded.insert(Loaded { backlog, graph, objects: None, contexts: None, stamps, racy }))
    }
}
