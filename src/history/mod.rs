//! History: the backlog's git history as a list of events (who changed
//! which field of which item, when, from what to what), read with gix.
//!
//! Pipeline: [`walk`] orders the commits (oldest first) and diffs each
//! commit's backlog root against its first parent's (skipping unchanged
//! subtrees by id); [`blob`] parses the changed blobs (in parallel); [`events`]
//! matches the states by item id and emits events; [`cache`] keeps them for
//! the next run. [`diff`] is the semantic diff between two revisions (or a
//! revision and the working tree) used by `cairn diff`.
//!
//! Order of events: commit order along the walk (oldest first; with
//! `first_parent: false`, a depth-first topological order that visits first
//! parents first), then item id, then field (`created`/`deleted`/`renamed`
//! before the field updates of that item).

pub mod blob;
pub mod cache;
pub mod diff;
pub mod events;
pub mod walk;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use gix::ObjectId;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use blob::State;
pub use events::{Action, RawEvent};

use crate::config::Config;

/// A history that could not be read (a corrupt repository, a bad `history.branch`).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HistoryError(pub String);

/// One event of the audit trail, in the shape of `cli.md`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Event {
    pub commit: String,
    /// Committer time, RFC 3339 UTC.
    pub time: String,
    pub author: String,
    pub email: String,
    pub id: String,
    /// Path relative to the backlog root (the new path for renames).
    pub path: String,
    pub action: Action,
    pub field: Option<String>,
    pub old: Option<Value>,
    pub new: Option<Value>,
    /// For a `renamed` event that also changed the id (`cairn mv`): the id before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_id: Option<String>,
    /// Committer time in seconds since the epoch (for replay).
    #[serde(skip)]
    pub seconds: i64,
    /// Index of the commit in [`Events::commits`].
    #[serde(skip)]
    pub commit_index: usize,
}

/// A commit of the walk.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CommitMeta {
    pub id: String,
    #[serde(rename = "t")]
    pub time: i64,
    #[serde(rename = "a")]
    pub author: String,
    #[serde(rename = "e")]
    pub email: String,
}

/// Why there is no history.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The root is not inside a git work tree.
    NoRepository,
    /// A repository without commits yet.
    NoCommits,
    /// History was read.
    Git,
}

/// The events of a backlog's history, oldest first, with what a replay needs.
#[derive(Clone, Debug)]
pub struct Events {
    pub source: Source,
    /// The commit the walk started from.
    pub head: Option<String>,
    /// The walk stopped at a shallow boundary.
    pub shallow: bool,
    /// The backlog root's path inside the repository (`""` at the top).
    pub root_in_repo: String,
    /// Every commit walked, oldest first (also those that changed nothing).
    pub commits: Vec<CommitMeta>,
    pub events: Vec<Event>,
    /// Commits processed in this run (the rest came from the cache).
    pub processed: usize,
}

impl Events {
    fn none(source: Source) -> Events {
        Events {
            source,
            head: None,
            shallow: false,
            root_in_repo: String::new(),
            commits: Vec::new(),
            events: Vec::new(),
            processed: 0,
        }
    }

    /// The warning to show, if any (W010 no repository, W011 shallow).
    pub fn warning(&self) -> Option<String> {
        match self.source {
            Source::NoRepository => {
                Some("W010 no git repository: no history (created/updated come from the front-matter only)".to_string())
            }
            _ if self.shallow => {
                Some("W011 history is shallow: fetch full history (fetch-depth: 0) for audit and burndown".to_string())
            }
            _ => None,
        }
    }
}

/// RFC 3339 in UTC, seconds precision.
pub fn rfc3339(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_string())
}

/// Reads the history of the backlog at `root` (using and refreshing the cache
/// when `use_cache`).
pub fn read(root: &Path, config: &Config, use_cache: bool) -> Result<Events, HistoryError> {
    let Some(git) = walk::open(root) else { return Ok(Events::none(Source::NoRepository)) };
    let repo = walk::local(&git.repo);
    let Some(head) = walk::start(&repo, config.history.branch.as_deref())? else {
        return Ok(Events::none(Source::NoCommits));
    };
    let first_parent = config.history.first_parent;
    let (commits, shallow) = walk::commits(&repo, head, first_parent)?;
    let metas: Vec<CommitMeta> = commits
        .iter()
        .map(|c| CommitMeta { id: c.id.to_string(), time: c.time, author: c.author.clone(), email: c.email.clone() })
        .collect();

    // What the cache already covers: a prefix of this walk.
    let mut raw: Vec<RawEvent> = Vec::new();
    let mut broken: BTreeMap<String, Option<State>> = BTreeMap::new();
    let mut start = 0;
    if use_cache {
        if let Some(c) = cache::read(root, &git.root_in_repo, first_parent) {
            if c.commits.len() <= metas.len() && c.commits[..] == metas[..c.commits.len()] {
                start = c.commits.len();
                raw = c.events;
                broken = c.broken;
            }
        }
    }

    let ignore = crate::load::ignore_set(config);
    if start < commits.len() {
        process(&git, &repo, &commits, start, &ignore, &mut raw, &mut broken)?;
        if use_cache {
            cache::write(
                root,
                cache::CacheFile {
                    root_in_repo: git.root_in_repo.clone(),
                    first_parent,
                    shallow,
                    commits: metas.clone(),
                    broken,
                    events: raw.clone(),
                    ..Default::default()
                },
            );
        }
    }
    let times: Vec<String> = metas.iter().map(|m| rfc3339(m.time)).collect();
    let events = raw
        .into_iter()
        .filter_map(|e| {
            let ci = e.commit as usize;
            let m = metas.get(ci)?;
            Some(Event {
                commit: m.id.clone(),
                time: times[ci].clone(),
                author: m.author.clone(),
                email: m.email.clone(),
                id: e.id,
                path: e.path,
                action: e.action,
                field: e.field,
                old: e.old,
                new: e.new,
                old_id: e.old_id,
                seconds: m.time,
                commit_index: ci,
            })
        })
        .collect();
    Ok(Events {
        source: Source::Git,
        head: Some(head.to_string()),
        shallow,
        root_in_repo: git.root_in_repo,
        commits: metas,
        events,
        processed: commits.len() - start,
    })
}

/// A commit to diff: its index, the root's tree in its first parent and in
/// itself, and in its other parents (merges with `first_parent: false`).
type Job = (usize, Option<ObjectId>, Option<ObjectId>, Vec<Option<ObjectId>>);

/// Diffs and parses commits `start..` and appends their events.
fn process(
    git: &walk::Git,
    repo: &gix::Repository,
    commits: &[walk::CommitData],
    start: usize,
    ignore: &globset::GlobSet,
    raw: &mut Vec<RawEvent>,
    broken: &mut BTreeMap<String, Option<State>>,
) -> Result<(), HistoryError> {
    let index: HashMap<ObjectId, usize> = commits.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
    let odb = &repo.objects;
    let mut buf = Vec::new();

    // Newest first: where the root is in each commit (it may have moved),
    // and the root's tree in each commit and its first parent.
    let mut root_path: HashMap<ObjectId, String> = HashMap::new();
    let mut sub: HashMap<ObjectId, Option<ObjectId>> = HashMap::new();
    let mut jobs: Vec<Job> = Vec::new();
    for i in (start..commits.len()).rev() {
        let c = &commits[i];
        let rp = root_path.entry(c.id).or_insert_with(|| git.root_in_repo.clone()).clone();
        let sub_c = match sub.get(&c.id) {
            Some(s) => *s,
            None => {
                let s = walk::subtree(odb, c.tree, &rp, &mut buf)?;
                sub.insert(c.id, s);
                s
            }
        };
        let mut parent_subs = Vec::new();
        for p in &c.parents {
            let Some(&pi) = index.get(p) else { continue };
            let pc = &commits[pi];
            let prp = match root_path.get(p) {
                Some(r) => r.clone(),
                None => {
                    let mut r = rp.clone();
                    if !rp.is_empty() && walk::subtree(odb, pc.tree, &rp, &mut buf)?.is_none() {
                        if let Some(t) = sub_c {
                            if let Some(found) = walk::find_tree(odb, pc.tree, t, &mut buf) {
                                r = found;
                            }
                        }
                    }
                    root_path.insert(*p, r.clone());
                    r
                }
            };
            let s = match sub.get(p) {
                Some(s) => *s,
                None => {
                    let s = walk::subtree(odb, pc.tree, &prp, &mut buf)?;
                    sub.insert(*p, s);
                    s
                }
            };
            parent_subs.push(s);
        }
        let first = parent_subs.first().copied().flatten();
        if first != sub_c {
            jobs.push((i, first, sub_c, parent_subs.into_iter().skip(1).collect()));
        }
    }
    jobs.reverse();

    // Tree diffs, in parallel.
    let ts = &git.repo;
    let diffs: Vec<(usize, Vec<walk::Change>)> = chunked(ts, &jobs, |repo, buf, (i, old, new, others)| {
        let mut changes = walk::diff_trees(&repo.objects, *old, *new, ignore)?;
        // A merge (first_parent: false) shows only what it changed
        // itself: not what it took from a merged parent.
        if !others.is_empty() {
            let mut keep = Vec::with_capacity(changes.len());
            for ch in changes {
                let mut from_other = false;
                for o in others.iter().flatten() {
                    if walk::blob_at(&repo.objects, *o, &ch.path, buf)? == ch.new {
                        from_other = true;
                        break;
                    }
                }
                if !from_other {
                    keep.push(ch);
                }
            }
            changes = keep;
        }
        Ok((*i, changes))
    })?;

    // Parse every blob involved once, in parallel, in commit order (delta
    // bases are then likely still in the pack cache).
    let mut seen = std::collections::HashSet::new();
    let blobs: Vec<ObjectId> = diffs
        .iter()
        .flat_map(|(_, ch)| ch.iter().flat_map(|c| [c.old, c.new]))
        .flatten()
        .filter(|id| seen.insert(*id))
        .collect();
    let parsed: HashMap<ObjectId, Option<State>> = chunked(ts, &blobs, |repo, buf, id| {
        let bytes = walk::read_blob(&repo.objects, *id, buf)?;
        Ok((*id, blob::parse(&bytes)))
    })?
    .into_iter()
    .collect();

    // Events, in commit order. A blob that does not parse leaves the last
    // good state of its path standing.
    for (i, changes) in diffs {
        let mut before: Vec<(String, &State)> = Vec::new();
        let mut after: Vec<(String, &State)> = Vec::new();
        let mut new_broken: Vec<(String, Option<State>)> = Vec::new();
        let mut fixed: Vec<String> = Vec::new();
        for ch in &changes {
            let old_state: Option<&State> = match ch.old {
                Some(o) => match parsed.get(&o).and_then(|s| s.as_ref()) {
                    Some(s) => Some(s),
                    None => broken.get(&ch.path).and_then(|s| s.as_ref()),
                },
                None => None,
            };
            if let Some(s) = old_state {
                before.push((ch.path.clone(), s));
            }
            match ch.new {
                Some(n) => match parsed.get(&n).and_then(|s| s.as_ref()) {
                    Some(s) => {
                        after.push((ch.path.clone(), s));
                        fixed.push(ch.path.clone());
                    }
                    None => {
                        if let Some(s) = old_state {
                            after.push((ch.path.clone(), s));
                        }
                        new_broken.push((ch.path.clone(), old_state.cloned()));
                    }
                },
                None => fixed.push(ch.path.clone()),
            }
        }
        events::commit_events(i as u32, &before, &after, raw);
        for p in fixed {
            broken.remove(&p);
        }
        broken.extend(new_broken);
    }
    Ok(())
}

/// Maps `f` over `items` in parallel, in a few contiguous chunks (one
/// repository handle and its caches per chunk), keeping the order.
fn chunked<T: Sync, R: Send>(
    ts: &gix::ThreadSafeRepository,
    items: &[T],
    f: impl Fn(&gix::Repository, &mut Vec<u8>, &T) -> Result<R, HistoryError> + Sync,
) -> Result<Vec<R>, HistoryError> {
    let size = items.len().div_ceil(rayon::current_num_threads().max(1) * 4).max(64);
    let parts: Vec<Result<Vec<R>, HistoryError>> = items
        .par_chunks(size)
        .map(|chunk| {
            let repo = walk::local(ts);
            let mut buf = Vec::new();
            chunk.iter().map(|x| f(&repo, &mut buf, x)).collect()
        })
        .collect();
    let mut out = Vec::with_capacity(items.len());
    for p in parts {
        out.extend(p?);
    }
    Ok(out)
}

/// Derived `created`, `updated` and `reporter` per item id: `created` = time
/// of the item's first `created` event, `reporter` = that commit's author,
/// `updated` = time of its last event.
pub fn derived(events: &Events) -> BTreeMap<String, crate::query::Derived> {
    let mut out: BTreeMap<String, crate::query::Derived> = BTreeMap::new();
    for e in &events.events {
        // A renamed id keeps what was derived under its old one.
        if let Some(old) = e.old_id.as_ref().and_then(|o| out.get(o).cloned()) {
            let d = out.entry(e.id.clone()).or_default();
            if d.created.is_none() {
                d.created = old.created;
                d.reporter = old.reporter;
            }
        }
        let d = out.entry(e.id.clone()).or_default();
        if e.action == Action::Created && d.created.is_none() {
            d.created = Some(e.time.clone());
            d.reporter = Some(e.author.clone());
        }
        d.updated = Some(e.time.clone());
    }
    out
}
