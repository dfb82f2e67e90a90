//! The event cache in `ROOT/.cairn-cache/history.json`: the processed
//! commits (in walk order) and their events, keyed by cairn's build
//! ([`crate::util::build_key`]: another build, say with other history
//! semantics, never reads it), the root's path in the repository, the
//! first-parent flag and the config the events depend on ([`fingerprint`]). A later run whose
//! walk starts with the cached commits processes only the new ones. Anything
//! off (another version, history rewritten, a corrupt file) and the cache is
//! ignored and rebuilt: it can change how fast a result comes, never the
//! result.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::blob::State;
use super::events::RawEvent;
use super::CommitMeta;

/// Bumped when the cache's content changes meaning (2: one monotone time
/// per commit, merges credited once, kind changes as events).
const FORMAT: u32 = 2;

#[derive(Serialize, Deserialize, Debug, Default)]
pub struct CacheFile {
    pub format: u32,
    pub version: String,
    pub root_in_repo: String,
    pub first_parent: bool,
    /// [`fingerprint`] of the config the events were derived with.
    pub config: u64,
    pub shallow: bool,
    pub commits: Vec<CommitMeta>,
    /// Paths whose latest blob did not parse, with their last good state.
    pub broken: BTreeMap<String, Option<State>>,
    pub events: Vec<RawEvent>,
}

pub fn path(root: &Path) -> PathBuf {
    root.join(".cairn-cache").join("history.json")
}

/// What of the config the events depend on: which files are items (the
/// ignore globs) and the kind each folder stands for (kind events).
pub fn fingerprint(config: &crate::config::Config) -> u64 {
    let mut s = String::new();
    for k in &config.kinds {
        s.push_str(&format!("kind {:?} {:?}\n", k.name, k.folder));
    }
    for g in &config.ignore {
        s.push_str(&format!("ignore {g:?}\n"));
    }
    // The mapping settings change what blobs say (aliases, ids, kinds by path).
    if config.dialect != crate::config::Dialect::default() {
        s.push_str(&serde_json::to_string(&config.dialect).unwrap_or_default());
        s.push_str(&format!("{:?}", config.dialect.kind_paths.patterns));
        s.push_str(&format!("{:?}", config.statuses));
    }
    super::blob::hash(s.as_bytes())
}

/// Reads the cache if it exists and matches the key; `None` otherwise.
pub fn read(root: &Path, root_in_repo: &str, first_parent: bool, config: u64) -> Option<CacheFile> {
    let bytes = std::fs::read(path(root)).ok()?;
    let c: CacheFile = serde_json::from_slice(&bytes).ok()?;
    let ok = c.format == FORMAT
        && c.version == crate::util::build_key()
        && c.root_in_repo == root_in_repo
        && c.first_parent == first_parent
        && c.config == config
        && c.events.iter().all(|e| (e.commit as usize) < c.commits.len());
    ok.then_some(c)
}

/// The walk's end in `history-head.json`, beside the cache: the HEAD it
/// started from and the latest history time along it (`head_time` without
/// walking again).
#[derive(Serialize, Deserialize, Debug, Default, PartialEq)]
struct Head {
    version: String,
    root_in_repo: String,
    first_parent: bool,
    head: String,
    time: i64,
}

fn head_path(root: &Path) -> PathBuf {
    root.join(".cairn-cache").join("history-head.json")
}

/// The latest history time of the walk from `head`, if the last cache
/// written was of that walk (and not of a shallow clone).
pub fn head_time(root: &Path, root_in_repo: &str, first_parent: bool, head: &str) -> Option<i64> {
    let bytes = crate::util::fs::read_regular(&head_path(root), 1 << 16).ok()?;
    let h: Head = serde_json::from_slice(&bytes).ok()?;
    let ok = h.version == crate::util::build_key()
        && h.root_in_repo == root_in_repo
        && h.first_parent == first_parent
        && h.head == head;
    ok.then_some(h.time)
}

/// Writes the cache atomically; failures (a read-only root) are ignored.
pub fn write(root: &Path, mut c: CacheFile) {
    c.format = FORMAT;
    c.version = crate::util::build_key().to_string();
    let Ok(bytes) = serde_json::to_vec(&c) else { return };
    let dir = root.join(".cairn-cache");
    let head = match (c.shallow, c.commits.last(), c.commits.iter().map(|m| m.time).max()) {
        (false, Some(last), Some(time)) => Some(Head {
            version: c.version.clone(),
            root_in_repo: c.root_in_repo.clone(),
            first_parent: c.first_parent,
            head: last.id.clone(),
            time,
        }),
        _ => None,
    };
    // The head file goes first: a stale one (an older cache's) must never
    // sit beside a newer cache.
    let _ = std::fs::remove_file(head_path(root));
    if crate::util::fs::write_atomic(&path(root), &bytes).is_ok() {
        if let Some(h) = head.and_then(|h| serde_json::to_vec(&h).ok()) {
            let _ = crate::util::fs::write_atomic(&head_path(root), &h);
        }
        let gi = dir.join(".gitignore");
        if !gi.exists() {
            let _ = crate::util::fs::write_atomic(&gi, b"*\n");
        }
    }
}
