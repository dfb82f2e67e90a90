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
//! Each commit has one time: its committer time, raised to its parents'
//! when its clock is behind ([`walk::monotone`]); `log`, burndowns, metrics
//! and the site all use it.
//!
//! Order of events: commit order along the walk (oldest first, by that time;
//! ties, and `first_parent: false` branches, in a depth-first topological
//! order that visits first parents first), then item id, then field
//! (`created`/`deleted`/`renamed` before the field updates of that item).
//!
//! With `first_parent: false` a merge is diffed against its first parent
//! too, but only what exists in none of its parents is its own event (a
//! conflict resolution, attributed to its committer): what it took from the
//! merged branch was already an event there ([`events::merge_events`]).
//!
//! Objects that cannot be read (missing or corrupt) are skipped, each named
//! once in a W012 warning; every event that can still be derived is.

pub mod blob;
pub mod cache;
pub mod diff;
pub mod events;
pub mod policy;
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
    /// Objects that could not be read and were skipped (`blob <id>`, …).
    pub unreadable: Vec<String>,
    /// The backlog root's path inside the repository (`""` at the top).
    pub root_in_repo: String,
    /// Every commit walked, oldest first (also those that changed nothing).
    pub commits: Vec<CommitMeta>,
    pub events: Vec<Event>,
    /// Commits processed in this run (the rest came from the cache).
    pub processed: usize,
    /// The web page of a commit (`{sha}` for its id), from the `origin`
    /// remote when it is on GitHub or GitLab ([`walk::commit_url_template`]).
    pub commit_url: Option<String>,
}

impl Events {
    fn none(source: Source) -> Events {
        Events {
            source,
            head: None,
            shallow: false,
            unreadable: Vec::new(),
            root_in_repo: String::new(),
            commits: Vec::new(),
            events: Vec::new(),
            processed: 0,
            commit_url: None,
        }
    }

    /// The HEAD commit's history time (its committer time, raised to its
    /// ancestors' when its clock was behind), if there is history.
    pub fn head_time(&self) -> Option<i64> {
        self.commits.last().map(|c| c.time)
    }

    /// The warnings to show: W010 no repository, W011 shallow, W012 one
    /// per object that could not be read (at most [`MAX_UNREADABLE`], then a count).
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.source == Source::NoRepository {
            out.push(
                "W010 no git repository: no history (created/updated come from the front-matter only)".to_string(),
            );
        }
        if self.shallow {
            out.push("W011 history is shallow: fetch full history (fetch-depth: 0) for audit and burndown".to_string());
        }
        for u in self.unreadable.iter().take(MAX_UNREADABLE) {
            out.push(format!("W012 cannot read git object {u} (missing or corrupt): skipped; the history around it may be incomplete"));
        }
        if self.unreadable.len() > MAX_UNREADABLE {
            out.push(format!("W012 … and {} more unreadable git objects", self.unreadable.len() - MAX_UNREADABLE));
        }
        out
    }

    /// One line for the site's note: the first warning, with the number of
    /// unreadable objects when there are several.
    pub fn warning(&self) -> Option<String> {
        let mut all = self.warnings();
        if all.is_empty() {
            return None;
        }
        if self.unreadable.len() > 1 && !self.shallow && self.source != Source::NoRepository {
            return Some(format!(
                "W012 {} git objects cannot be read (missing or corrupt): history skips them and may be incomplete",
                self.unreadable.len()
            ));
        }
        Some(all.swap_remove(0))
    }
}

/// How many unreadable objects are named one by one.
pub const MAX_UNREADABLE: usize = 20;

/// RFC 3339 in UTC, seconds precision.
pub fn rfc3339(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_string())
}

/// The HEAD commit's history time (seconds): its committer time raised to
/// every ancestor's along the walk ([`walk::monotone`]), so "today" for
/// `check`, `build` and `serve` is the one `log` and the metrics use, even
/// when HEAD was committed on a clock that was behind. Walks commit objects
/// only (no trees); `None` without a repository or a readable HEAD commit.
pub fn head_time(root: &Path, config: &Config) -> Option<i64> {
    let git = walk::open(root)?;
    let repo = walk::local(&git.repo);
    let head = walk::start(&repo, config.history.branch.as_deref()).ok()??;
    let first_parent = config.history.first_parent;
    // The walk from the HEAD the cache was written at is the cached one.
    if !walk::is_shallow(&repo) {
        if let Some(t) = cache::head_time(root, &git.root_in_repo, first_parent, &head.to_string()) {
            return Some(t);
        }
    }
    let w = walk::commits(&repo, head, first_parent).ok()?;
    w.commits.iter().map(|c| c.time).max()
}

/// Reads the history of the backlog at `root` (using and refreshing the cache
/// when `use_cache`).
pub fn read(root: &Path, config: &Config, use_cache: bool) -> Result<Events, HistoryError> {
    let Some(git) = walk::open(root) else { return Ok(Events::none(Source::NoRepository)) };
    let repo = walk::local(&git.repo);
    let Some(head) = walk::start(&repo, config.history.branch.as_deref())? else {
        return Ok(Events::none(Source::NoCommits));
    };
    let commit_url = walk::commit_url_template(&repo);
    let first_parent = config.history.first_parent;
    let fingerprint = cache::fingerprint(config);
    let cached = if use_cache { cache::read(root, &git.root_in_repo, first_parent, fingerprint) } else { None };
    // HEAD is the last commit of the cached walk (a walk ends with the
    // commit it starts from) and no commit is a shallow boundary: walking
    // again would give the cached commits, so their events are the history.
    let head_hex = head.to_string();
    let same_head = |c: &cache::CacheFile| !c.shallow && c.commits.last().is_some_and(|m| m.id == head_hex);
    if cached.as_ref().is_some_and(same_head) && !walk::is_shallow(&repo) {
        if let Some(c) = cached {
            let mut ev = finish(config, head, git.root_in_repo, false, Vec::new(), c.commits, c.events, 0);
            ev.commit_url = commit_url;
            return Ok(ev);
        }
    }
    let walk = walk::commits(&repo, head, first_parent)?;
    let commits = walk.commits;
    let mut unreadable = walk.unreadable;
    let metas: Vec<CommitMeta> = commits
        .iter()
        .map(|c| CommitMeta { id: c.id.to_string(), time: c.time, author: c.author.clone(), email: c.email.clone() })
        .collect();

    // What the cache already covers: a prefix of this walk.
    let mut raw: Vec<RawEvent> = Vec::new();
    let mut broken: BTreeMap<String, Option<State>> = BTreeMap::new();
    let mut start = 0;
    if let Some(c) = cached {
        if c.commits.len() <= metas.len() && c.commits[..] == metas[..c.commits.len()] {
            start = c.commits.len();
            raw = c.events;
            broken = c.broken;
        }
    }

    if start < commits.len() {
        process(&git, &repo, &commits, start, config, &mut raw, &mut broken, &mut unreadable);
        // A history read past unreadable objects is not cached: once the
        // objects are back (fetched again), the next run reads them.
        if use_cache && unreadable.is_empty() {
            cache::write(
                root,
                cache::CacheFile {
                    root_in_repo: git.root_in_repo.clone(),
                    first_parent,
                    config: fingerprint,
                    shallow: walk.shallow,
                    commits: metas.clone(),
                    broken,
                    events: raw.clone(),
                    ..Default::default()
                },
            );
        }
    }
    unreadable.sort();
    unreadable.dedup();
    let unreadable = unreadable.iter().map(|u| u.to_string()).collect();
    let mut ev = finish(config, head, git.root_in_repo, walk.shallow, unreadable, metas, raw, commits.len() - start);
    ev.commit_url = commit_url;
    Ok(ev)
}

/// The history from the walk's commits and their raw events.
#[allow(clippy::too_many_arguments)]
fn finish(
    config: &Config,
    head: ObjectId,
    root_in_repo: String,
    shallow: bool,
    unreadable: Vec<String>,
    metas: Vec<CommitMeta>,
    mut raw: Vec<RawEvent>,
    processed: usize,
) -> Events {
    if config.dialect.ids.active() {
        latest_ids(config, &mut raw);
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
    Events {
        source: Source::Git,
        head: Some(head.to_string()),
        shallow,
        unreadable,
        root_in_repo,
        commits: metas,
        events,
        processed,
        commit_url: None,
    }
}

/// With `ids.aliases`: every event of an item under the id it has last
/// (`task-7` became `BACK-7`: its whole history is `BACK-7`'s). Linear.
fn latest_ids(config: &Config, raw: &mut [RawEvent]) {
    let rules = &config.dialect.ids;
    let mut last: HashMap<String, String> = HashMap::new();
    for e in raw.iter() {
        last.insert(rules.canonical(&e.id).into_owned(), e.id.clone());
    }
    for e in raw.iter_mut() {
        if let Some(id) = last.get(rules.canonical(&e.id).as_ref()) {
            if *id != e.id {
                e.id = id.clone();
            }
        }
    }
}

/// A commit to diff: its index, the root's tree in its first parent and in
/// itself, and in its other parents (merges with `first_parent: false`).
struct Job {
    index: usize,
    old: Option<ObjectId>,
    new: Option<ObjectId>,
    others: Vec<Option<ObjectId>>,
}

/// A diffed commit: the changed item files, and for a merge the blobs of
/// its other parents at those paths (`others[k][j]` for change `j`).
struct Diffed {
    index: usize,
    changes: Vec<walk::Change>,
    others: Vec<Vec<Option<ObjectId>>>,
}

/// A blob as read: its state, or why there is none.
enum Parsed {
    State(State),
    /// Its front-matter cannot be read (history keeps the last good state).
    Broken,
    /// The object itself cannot be read (likewise, with a warning).
    Unreadable,
}

/// Diffs and parses commits `start..` and appends their events. Objects
/// that cannot be read are skipped and added to `unreadable`; everything
/// else still yields its events.
#[allow(clippy::too_many_arguments)]
pub fn process(
    git: &walk::Git,
    repo: &gix::Repository,
    commits: &[walk::CommitData],
    start: usize,
    config: &Config,
    raw: &mut Vec<RawEvent>,
    broken: &mut BTreeMap<String, Option<State>>,
    unreadable: &mut Vec<walk::Unreadable>,
) {
    let ignore = crate::load::ignore_set(config);
    let index: HashMap<ObjectId, usize> = commits.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
    let odb = &repo.objects;
    let mut buf = Vec::new();

    // Newest first: where the root is in each commit (it may have moved),
    // and the root's tree in each commit and its parents.
    let mut root_path: HashMap<ObjectId, String> = HashMap::new();
    let mut sub: HashMap<ObjectId, Result<Option<ObjectId>, walk::Unreadable>> = HashMap::new();
    for i in (start..commits.len()).rev() {
        let c = &commits[i];
        let rp = root_path.entry(c.id).or_insert_with(|| git.root_in_repo.clone()).clone();
        let sub_c = sub.entry(c.id).or_insert_with(|| walk::subtree(odb, c.tree, &rp, &mut buf)).clone();
        for p in &c.parents {
            let Some(&pi) = index.get(p) else { continue };
            let pc = &commits[pi];
            let prp = match root_path.get(p) {
                Some(r) => r.clone(),
                None => {
                    let mut r = rp.clone();
                    if !rp.is_empty() && matches!(walk::subtree(odb, pc.tree, &rp, &mut buf), Ok(None)) {
                        if let Ok(Some(t)) = sub_c {
                            if let Some(found) = walk::find_tree(odb, pc.tree, t, &mut buf) {
                                r = found;
                            }
                        }
                    }
                    root_path.insert(*p, r.clone());
                    r
                }
            };
            sub.entry(*p).or_insert_with(|| walk::subtree(odb, pc.tree, &prp, &mut buf));
        }
    }
    // Oldest first: a commit whose root cannot be read stands for its first
    // parent's state (no change), so the next commit shows what changed.
    let mut eff: HashMap<ObjectId, Option<ObjectId>> = HashMap::new();
    let mut effective = |id: &ObjectId, fallback: Option<ObjectId>, unreadable: &mut Vec<walk::Unreadable>| {
        if let Some(e) = eff.get(id) {
            return *e;
        }
        let e = match sub.get(id) {
            Some(Ok(s)) => *s,
            Some(Err(u)) => {
                unreadable.push(u.clone());
                fallback
            }
            None => fallback,
        };
        eff.insert(*id, e);
        e
    };
    let mut jobs: Vec<Job> = Vec::new();
    for (i, c) in commits.iter().enumerate().skip(start) {
        let mut parents = Vec::with_capacity(c.parents.len());
        for p in c.parents.iter().filter(|p| index.contains_key(*p)) {
            // A parent before `start` whose root cannot be read: as if unchanged.
            let own = match sub.get(&c.id) {
                Some(Ok(s)) => *s,
                _ => None,
            };
            parents.push(effective(p, own, unreadable));
        }
        let first = parents.first().copied().flatten();
        let new = effective(&c.id, first, unreadable);
        if first != new {
            jobs.push(Job { index: i, old: first, new, others: parents.into_iter().skip(1).collect() });
        }
    }

    // Tree diffs, in parallel; a diff that meets an unreadable tree is done
    // again below, in order, going around it.
    let ts = &git.repo;
    let diff_one = |repo: &gix::Repository, buf: &mut Vec<u8>, job: &Job, repair: Option<&mut walk::Repair>| {
        let changes = walk::diff_trees(&repo.objects, job.old, job.new, &ignore, repair)?;
        let mut others = Vec::with_capacity(job.others.len());
        let mut missing = Vec::new();
        for o in &job.others {
            let mut at = Vec::with_capacity(changes.len());
            for ch in &changes {
                at.push(match o {
                    Some(o) => walk::blob_at(&repo.objects, *o, &ch.path, buf).unwrap_or_else(|u| {
                        missing.push(u);
                        None
                    }),
                    None => None,
                });
            }
            others.push(at);
        }
        Ok((Diffed { index: job.index, changes, others }, missing))
    };
    let first_pass: Vec<Result<(Diffed, Vec<walk::Unreadable>), walk::Unreadable>> =
        chunked(ts, &jobs, |repo, buf, job| diff_one(repo, buf, job, None));
    let mut repair = walk::Repair::default();
    let mut diffs: Vec<Diffed> = Vec::with_capacity(jobs.len());
    for (job, r) in jobs.iter().zip(first_pass) {
        let r = match r {
            Ok(r) => Ok(r),
            Err(_) => diff_one(repo, &mut buf, job, Some(&mut repair)),
        };
        if let Ok((d, missing)) = r {
            unreadable.extend(missing);
            diffs.push(d);
        }
    }
    unreadable.append(&mut repair.unreadable);

    // Parse every blob involved once, in parallel, in commit order (delta
    // bases are then likely still in the pack cache).
    let mut seen = std::collections::HashSet::new();
    let blobs: Vec<ObjectId> = diffs
        .iter()
        .flat_map(|d| d.changes.iter().flat_map(|c| [c.old, c.new]).chain(d.others.iter().flatten().copied()))
        .flatten()
        .filter(|id| seen.insert(*id))
        .collect();
    let parsed: HashMap<ObjectId, Parsed> = chunked(ts, &blobs, |repo, buf, id| {
        let p = match walk::read_blob(&repo.objects, *id, buf) {
            Ok(bytes) => blob::parse_in(&bytes, Some(config)).map_or(Parsed::Broken, Parsed::State),
            Err(_) => Parsed::Unreadable,
        };
        (*id, p)
    })
    .into_iter()
    .collect();
    for id in &blobs {
        if let Some(Parsed::Unreadable) = parsed.get(id) {
            unreadable.push(walk::Unreadable { kind: "blob", id: *id });
        }
    }
    let state = |id: &ObjectId| match parsed.get(id) {
        Some(Parsed::State(s)) => Some(s),
        _ => None,
    };

    // Events, in commit order. A blob that does not parse (or cannot be
    // read) leaves the last good state of its path standing.
    for d in diffs {
        let mut before: Vec<(String, &State)> = Vec::new();
        let mut after: Vec<(String, &State)> = Vec::new();
        let mut new_broken: Vec<(String, Option<State>)> = Vec::new();
        let mut fixed: Vec<String> = Vec::new();
        for ch in &d.changes {
            let old_state: Option<&State> = match ch.old {
                Some(o) => match state(&o) {
                    Some(s) => Some(s),
                    None => broken.get(&ch.path).and_then(|s| s.as_ref()),
                },
                None => None,
            };
            if let Some(s) = old_state {
                before.push((ch.path.clone(), s));
            }
            match ch.new {
                Some(n) => match state(&n) {
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
        let others: Vec<Vec<(String, &State)>> = d
            .others
            .iter()
            .map(|at| {
                d.changes.iter().zip(at).filter_map(|(ch, b)| Some((ch.path.clone(), state(b.as_ref()?)?))).collect()
            })
            .collect();
        events::merge_events(config, d.index as u32, &before, &others, &after, raw);
        for p in fixed {
            broken.remove(&p);
        }
        broken.extend(new_broken);
    }
}

/// Maps `f` over `items` in parallel, in a few contiguous chunks (one
/// repository handle and its caches per chunk), keeping the order.
fn chunked<T: Sync, R: Send>(
    ts: &gix::ThreadSafeRepository,
    items: &[T],
    f: impl Fn(&gix::Repository, &mut Vec<u8>, &T) -> R + Sync,
) -> Vec<R> {
    let size = items.len().div_ceil(rayon::current_num_threads().max(1) * 4).max(64);
    let parts: Vec<Vec<R>> = items
        .par_chunks(size)
        .map(|chunk| {
            let repo = walk::local(ts);
            let mut buf = Vec::new();
            chunk.iter().map(|x| f(&repo, &mut buf, x)).collect()
        })
        .collect();
    parts.into_iter().flatten().collect()
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
