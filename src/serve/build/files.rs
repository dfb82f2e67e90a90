//! The builder's item files: parsing the changed ones, patching the last
//! backlog in place, and telling cheaply whether git history moved.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use rayon::prelude::*;

use super::{Builder, Changes, FileEntry};
use crate::check::Diagnostic;
use crate::config::Config;
use crate::load::Backlog;
use crate::model::{Item, Span};

impl Builder {
    /// What each changed item file held: `None` when there was no such
    /// file, else the id of its item (`None`: it did not parse).
    pub(super) fn file_ids(&self, changes: &Changes) -> Vec<(String, Option<Option<String>>)> {
        changes
            .paths
            .iter()
            .filter_map(|p| self.rel(p))
            .filter(|r| crate::load::is_item_path(r, &self.ignore))
            .map(|r| {
                let id = self.files.get(&r).map(|f| f.id.clone());
                (r, id)
            })
            .collect()
    }

    /// Every diagnostic of the walk and of the files, in file order.
    pub(super) fn diagnostics(&self) -> Vec<Diagnostic> {
        let mut diags = self.walk_diags.clone();
        diags.extend(self.files.values().flat_map(|f| f.diags.iter().cloned()));
        diags
    }

    /// The last backlog with the changed files' items replaced in place,
    /// when every changed file still holds the same id as before (or still
    /// none): items keep their order and indices. `before` is
    /// [`Self::file_ids`] from before the files were read again.
    pub(super) fn patch(&mut self, before: &[(String, Option<Option<String>>)]) -> Option<Patch> {
        self.last.as_ref()?;
        if before.iter().any(|(r, id)| self.files.get(r).map(|f| f.id.as_deref()) != id.as_ref().map(|i| i.as_deref()))
        {
            return None;
        }
        // No spare yet (the save came before the builder was idle): the
        // recycled backlog if it is free, else a copy (still far cheaper
        // than building the backlog and its graph again).
        self.prepare_spare();
        let last = self.last.as_ref()?;
        if !self.spare_of.as_ref().is_some_and(|b| Arc::ptr_eq(b, &last.backlog)) {
            return None;
        }
        self.spare_of = None;
        let mut b = self.spare.take()?;
        let mut at = Vec::new();
        for (rel, _) in before {
            let Some(item) = self.files.get(rel).and_then(|f| f.item.as_ref()) else { continue };
            let key = (item.id(), item.path.as_str());
            let k = b.items.binary_search_by(|it| (it.id(), it.path.as_str()).cmp(&key)).ok()?;
            b.items[k] = Item::clone(item);
            at.push(k);
        }
        b.diagnostics = self.diagnostics();
        b.files = self.files.len();
        Some(Patch { backlog: b, at })
    }

    /// Every item, in file order: those parsed since the last good build,
    /// the others from its backlog (by path); a file whose item is in
    /// neither is parsed again.
    pub(super) fn all_items(&mut self) -> Vec<Item> {
        let last = self.last.clone();
        let by_path: HashMap<&str, &Item> = match &last {
            Some(l) => l.backlog.items.iter().map(|it| (it.path.as_str(), it)).collect(),
            None => HashMap::new(),
        };
        let mut items = Vec::with_capacity(self.files.len());
        let mut missing = Vec::new();
        for (rel, f) in &self.files {
            match (&f.item, &f.id) {
                (Some(it), _) => items.push(Item::clone(it)),
                (None, Some(_)) => match by_path.get(rel.as_str()) {
                    Some(it) => items.push((*it).clone()),
                    None => missing.push(rel.clone()),
                },
                (None, None) => {}
            }
        }
        drop(by_path);
        for rel in missing {
            if self.refresh(&self.root.join(&rel)) {
                if let Some(it) = self.files.get(&rel).and_then(|f| f.item.as_deref()) {
                    items.push(it.clone());
                }
            }
        }
        items
    }

    pub(super) fn rel(&self, p: &Path) -> Option<String> {
        let r = p.strip_prefix(&self.root).ok()?;
        let s = r.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
        Some(s)
    }

    /// Compares every item file with the cache (by mtime and size) and
    /// re-parses the ones that differ. Returns the number parsed.
    pub(super) fn rescan(&mut self) -> usize {
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
        self.fresh.extend(parsed.iter().map(|(rel, _)| rel.clone()));
        self.files.extend(parsed);
        n
    }

    /// Re-reads one path: parses it if it is an item file, drops it if it
    /// is gone. Returns whether the backlog's files changed.
    pub(super) fn refresh(&mut self, abs: &Path) -> bool {
        let Some(config) = &self.config else { return false };
        let Some(rel) = self.rel(abs) else { return false };
        if !crate::load::is_item_path(&rel, &self.ignore) {
            return false;
        }
        match std::fs::metadata(abs) {
            Ok(m) if m.is_file() => {
                let mtime = m.modified().ok();
                let entry = parse_file(abs, &rel, mtime, m.len(), config);
                self.fresh.push(rel.clone());
                self.files.insert(rel, entry);
                true
            }
            _ => self.files.remove(&rel).is_some(),
        }
    }

    pub(super) fn removed_folder(&self, changes: &Changes) -> bool {
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
    pub(super) fn item_ids_of(&self, changes: &Changes) -> BTreeSet<String> {
        changes
            .paths
            .iter()
            .filter_map(|p| self.rel(p))
            .filter_map(|r| self.files.get(&r))
            .filter_map(|f| f.id.clone())
            .collect()
    }
}

/// The last backlog with some items replaced in place (same ids, same
/// paths, same order).
pub(super) struct Patch {
    pub backlog: Backlog,
    /// Indices of the replaced items.
    pub at: Vec<usize>,
}

/// HEAD of the repository holding `root` and the commit it names (from
/// `.git/HEAD` and the ref file or `packed-refs`), to tell cheaply whether
/// history moved.
pub(super) fn git_head(root: &Path) -> Option<String> {
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

pub(super) fn parse_file(abs: &Path, rel: &str, mtime: Option<SystemTime>, len: u64, config: &Config) -> FileEntry {
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
    FileEntry { mtime, len, id: item.as_ref().map(|i| i.id().to_string()), item: item.map(Box::new), diags }
}
