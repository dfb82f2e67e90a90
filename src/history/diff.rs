//! The semantic difference of the backlog between two revisions, or a
//! revision and the working tree: items added, removed, renamed, field
//! changes, status transitions checked against `workflow`, and the
//! validation errors the change introduces.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use gix::ObjectId;
use rayon::prelude::*;
use serde::Serialize;
use serde_json::{json, Value};

use super::blob::{self, State};
use super::events::{item_changes, SET_FIELDS};
use super::{walk, HistoryError};
use crate::config::Config;
use crate::diag::{Diagnostic, Severity};
use crate::graph::Graph;
use crate::load::Backlog;

/// The label of the working tree as a diff side.
pub const WORKTREE: &str = "WORKTREE";

/// The backlog at one revision (or in the working tree).
pub struct Side {
    /// What the user called it (`main`, `HEAD~2`, `WORKTREE`).
    pub label: String,
    /// The commit, for revisions.
    pub commit: Option<String>,
    pub backlog: Backlog,
    /// id → (path, state as written); the first path wins for duplicate ids.
    pub states: BTreeMap<String, (String, State)>,
    /// Objects that could not be read (skipped: `blob <id>`, `tree <id>`).
    pub unreadable: Vec<String>,
}

/// Builds a side from item files (root-relative path, bytes).
pub fn side(label: &str, commit: Option<String>, root: &Path, config: &Config, files: Vec<(String, Vec<u8>)>) -> Side {
    let parsed: Vec<_> = files
        .par_iter()
        .map(|(p, bytes)| (crate::load::parse_item_bytes(bytes, p, config), blob::parse_in(bytes, Some(config))))
        .collect();
    let mut items = Vec::new();
    let mut diags = Vec::new();
    let mut states: BTreeMap<String, (String, State)> = BTreeMap::new();
    for ((path, _), ((item, d), state)) in files.iter().zip(parsed) {
        items.extend(item);
        diags.extend(d);
        if let Some(s) = state {
            states.entry(s.id(path)).or_insert_with(|| (path.clone(), s));
        }
    }
    let n = files.len();
    let backlog = Backlog::from_items(root.to_path_buf(), config.clone(), items, diags, n);
    Side { label: label.to_string(), commit, backlog, states, unreadable: Vec::new() }
}

/// The working tree.
pub fn worktree_side(root: &Path, config: &Config) -> Side {
    let (files, _) = crate::load::walk(root, config);
    let files: Vec<(String, Vec<u8>)> =
        files.into_iter().filter_map(|(abs, rel)| std::fs::read(&abs).ok().map(|b| (rel, b))).collect();
    side(WORKTREE, None, root, config, files)
}

/// Resolves a revision to a commit. In a shallow clone, a revision that
/// lies beyond the fetched history says so and how to fetch it.
pub fn resolve(repo: &gix::Repository, rev: &str) -> Result<ObjectId, HistoryError> {
    let found = repo.rev_parse_single(rev).map_err(|e| e.to_string()).and_then(|id| {
        let obj = id.object().map_err(|e| e.to_string())?;
        obj.peel_to_commit().map(|c| c.id).map_err(|e| e.to_string())
    });
    match found {
        Ok(id) => Ok(id),
        Err(_) if beyond_shallow(repo, rev) => Err(HistoryError(format!(
            "`{rev}` is not in the history of this shallow clone (only the last commits were fetched): \
             fetch more with `git fetch --deepen=N` (N more commits) or all of it with `git fetch --unshallow` \
             (in CI: `fetch-depth: 0`)"
        ))),
        Err(e) => Err(HistoryError(format!("unknown revision `{rev}`: {e}"))),
    }
}

/// Whether `rev` (that did not resolve) may lie beyond a shallow boundary:
/// the repository is shallow and the revision is a known name followed by
/// ancestry steps (`HEAD~3`, `main^2`), or looks like a commit id.
fn beyond_shallow(repo: &gix::Repository, rev: &str) -> bool {
    if !repo.is_shallow().unwrap_or(false) {
        return false;
    }
    let name = rev.split(['~', '^']).next().unwrap_or(rev);
    let looks_like_id = name.len() >= 4 && name.bytes().all(|b| b.is_ascii_hexdigit());
    looks_like_id
        || (name.len() < rev.len() && repo.rev_parse_single(if name.is_empty() { "HEAD" } else { name }).is_ok())
}

/// The backlog at a commit (the root at its current path in the repository).
/// Objects that cannot be read are skipped and listed in [`Side::unreadable`].
pub fn rev_side(
    git: &walk::Git,
    label: &str,
    commit: ObjectId,
    root: &Path,
    config: &Config,
) -> Result<Side, HistoryError> {
    let repo = walk::local(&git.repo);
    let mut buf = Vec::new();
    let c = repo.find_commit(commit).map_err(|e| HistoryError(format!("reading commit {commit}: {e}")))?;
    let tree = c.tree_id().map_err(|e| HistoryError(format!("reading commit {commit}: {e}")))?.detach();
    let mut repair = walk::Repair::default();
    let sub = match walk::subtree(&repo.objects, tree, &git.root_in_repo, &mut buf) {
        Ok(s) => s,
        Err(u) => {
            repair.unreadable.push(u);
            None
        }
    };
    let ignore = crate::load::ignore_set(config);
    let list = walk::list_items(&repo.objects, sub, &ignore, &mut repair);
    let mut unreadable: Vec<String> = repair.unreadable.iter().map(|u| u.to_string()).collect();
    let mut files = Vec::with_capacity(list.len());
    for (p, id) in list {
        match walk::read_blob(&repo.objects, id, &mut buf) {
            Ok(bytes) => files.push((p, bytes)),
            Err(u) => unreadable.push(u.to_string()),
        }
    }
    let mut side = side(label, Some(commit.to_string()), root, config, files);
    side.unreadable = unreadable;
    Ok(side)
}

/// The default base: the merge-base of HEAD with the default branch
/// (`history.branch`, else `origin/HEAD`, `main`, `master`, `origin/main`,
/// `origin/master`, the first that exists), else HEAD.
pub fn default_base(repo: &gix::Repository, config: &Config) -> Result<(String, ObjectId), HistoryError> {
    let head = resolve(repo, "HEAD")?;
    let mut candidates: Vec<String> = config.history.branch.iter().cloned().collect();
    candidates.extend(["origin/HEAD", "main", "master", "origin/main", "origin/master"].map(String::from));
    for b in candidates {
        if let Ok(other) = resolve(repo, &b) {
            if let Ok(Some(mb)) = repo.merge_base(head, other) {
                return Ok((mb.detach().to_string(), mb.detach()));
            }
        }
    }
    Ok((head.to_string(), head))
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Renamed {
    pub id: String,
    pub from: String,
    pub to: String,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct FieldChange {
    pub field: String,
    pub old: Option<Value>,
    pub new: Option<Value>,
    /// For relation lists: ids added and removed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub added: Option<Vec<Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removed: Option<Vec<Value>>,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Changed {
    pub id: String,
    pub path: String,
    pub changes: Vec<FieldChange>,
}

/// The result of `cairn diff`.
#[derive(Clone, Debug, Serialize)]
pub struct SemanticDiff {
    pub base: String,
    pub head: String,
    pub base_commit: Option<String>,
    pub head_commit: Option<String>,
    pub added: Vec<Value>,
    pub removed: Vec<Value>,
    pub renamed: Vec<Renamed>,
    pub changed: Vec<Changed>,
    pub violations: Vec<Diagnostic>,
}

impl SemanticDiff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.renamed.is_empty() && self.changed.is_empty()
    }
}

/// The item object of `id` on a side (or, for a file that does not build an
/// item, its front-matter with `id` and `path`).
fn object(side: &Side, graph: &Graph, id: &str, path: &str, state: &State) -> Value {
    match side.backlog.index.get(id) {
        Some(&i) => crate::query::item_object(&side.backlog, graph, i, None),
        None => {
            let mut o = state.object();
            if let Some(m) = o.as_object_mut() {
                m.insert("id".into(), json!(id));
                m.insert("path".into(), json!(path));
            }
            o
        }
    }
}

fn list_delta(old: Option<&Value>, new: Option<&Value>) -> (Vec<Value>, Vec<Value>) {
    let items = |v: Option<&Value>| -> Vec<Value> {
        match v {
            Some(Value::Array(a)) => a.clone(),
            Some(Value::Null) | None => Vec::new(),
            Some(other) => vec![other.clone()],
        }
    };
    let (a, b) = (items(old), items(new));
    let added = b.iter().filter(|x| !a.contains(x)).cloned().collect();
    let removed = a.iter().filter(|x| !b.contains(x)).cloned().collect();
    (added, removed)
}

/// A forbidden status transition (not in `workflow`).
pub const FORBIDDEN_TRANSITION: &str = "E040";

/// One status move of one item along a diff's range: in a commit, or from
/// HEAD to the working tree (`commit: None`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub id: String,
    /// The item's path after the move.
    pub path: String,
    pub from: String,
    pub to: String,
    pub commit: Option<String>,
}

/// One field change a commit of a range made, with who made it (for
/// `policy:`).
#[derive(Clone, Debug, PartialEq)]
pub struct CommitChange {
    pub id: String,
    /// The item's path after the change.
    pub path: String,
    pub field: String,
    pub old: Option<Value>,
    pub new: Option<Value>,
    pub commit: String,
    pub author: String,
    pub email: String,
}

/// The events of the commits of `base..head` (each commit against its first
/// parent, a merge only with what it changed itself), oldest first, and the
/// commits their `commit` indexes (the range's, after the commits outside it
/// that it is diffed against). Objects that cannot be read are skipped and
/// added to `unreadable`.
pub fn range_events(
    git: &walk::Git,
    base: ObjectId,
    head: ObjectId,
    config: &Config,
    unreadable: &mut Vec<String>,
) -> Result<(Vec<walk::CommitData>, Vec<super::RawEvent>), HistoryError> {
    let repo = walk::local(&git.repo);
    let (commits, start) = walk::range(&repo, base, head)?;
    let mut raw = Vec::new();
    let mut broken = BTreeMap::new();
    let mut missing = Vec::new();
    super::process(git, &repo, &commits, start, config, &mut raw, &mut broken, &mut missing);
    missing.sort();
    missing.dedup();
    unreadable.extend(missing.iter().map(|u| u.to_string()));
    Ok((commits, raw))
}

/// The field changes of the commits of `base..head` ([`range_events`]),
/// commit by commit, oldest first, with their authors.
pub fn range_changes(
    git: &walk::Git,
    base: ObjectId,
    head: ObjectId,
    config: &Config,
    unreadable: &mut Vec<String>,
) -> Result<Vec<CommitChange>, HistoryError> {
    let (commits, raw) = range_events(git, base, head, config, unreadable)?;
    Ok(raw
        .into_iter()
        .filter(|e| e.action == super::Action::Updated)
        .filter_map(|e| {
            let c = commits.get(e.commit as usize)?;
            Some(CommitChange {
                id: e.id,
                path: e.path,
                field: e.field?,
                old: e.old,
                new: e.new,
                commit: c.id.to_string(),
                author: c.author.clone(),
                email: c.email.clone(),
            })
        })
        .collect())
}

/// The status moves among `changes`.
pub fn status_steps(changes: &[CommitChange]) -> Vec<Step> {
    changes
        .iter()
        .filter(|c| c.field == "status")
        .filter_map(|c| {
            let (Some(Value::String(from)), Some(Value::String(to))) = (&c.old, &c.new) else { return None };
            Some(Step {
                id: c.id.clone(),
                path: c.path.clone(),
                from: from.clone(),
                to: to.clone(),
                commit: Some(c.commit.clone()),
            })
        })
        .collect()
}

/// The status moves of the commits of `base..head` ([`range_changes`]).
pub fn range_steps(
    git: &walk::Git,
    base: ObjectId,
    head: ObjectId,
    config: &Config,
    unreadable: &mut Vec<String>,
) -> Result<Vec<Step>, HistoryError> {
    Ok(status_steps(&range_changes(git, base, head, config, unreadable)?))
}

/// The status moves from the commit `head` to the working tree, for the
/// items whose status may have moved: those moved along the range
/// (`steps`) or different between `base` and the working tree.
pub fn worktree_steps(
    git: &walk::Git,
    head: ObjectId,
    base: &Side,
    worktree: &Side,
    steps: &[Step],
) -> Result<Vec<Step>, HistoryError> {
    let status = |s: &State| match s.fields.get("status") {
        Some(Value::String(v)) => Some(v.clone()),
        _ => None,
    };
    let mut paths: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for st in steps {
        paths.entry(st.id.as_str()).or_default().push(st.path.as_str());
    }
    for (id, (_, s)) in &worktree.states {
        let before = base.states.get(id);
        if before.map(|(_, b)| status(b)) != Some(status(s)) {
            paths.entry(id.as_str()).or_default().extend(before.map(|(p, _)| p.as_str()));
        }
    }
    let at_base = base.commit.as_deref() == Some(head.to_string().as_str());
    let repo = walk::local(&git.repo);
    let mut buf = Vec::new();
    let tree = repo
        .find_commit(head)
        .ok()
        .and_then(|c| c.tree_id().ok())
        .map(|t| t.detach())
        .ok_or_else(|| HistoryError(format!("reading commit {head}")))?;
    let sub = walk::subtree(&repo.objects, tree, &git.root_in_repo, &mut buf).ok().flatten();
    let mut out = Vec::new();
    for (id, probe) in paths {
        let Some((wp, ws)) = worktree.states.get(id) else { continue };
        let Some(to) = status(ws) else { continue };
        // The item at HEAD: the base's state when HEAD is the base, else
        // the first of its likely paths that holds it.
        let at_head: Option<State> = if at_base {
            base.states.get(id).map(|(_, s)| s.clone())
        } else {
            let mut found = None;
            for p in std::iter::once(wp.as_str()).chain(probe.iter().rev().copied()) {
                let Some(sub) = sub else { break };
                let Ok(Some(b)) = walk::blob_at(&repo.objects, sub, p, &mut buf) else { continue };
                let Ok(bytes) = walk::read_blob(&repo.objects, b, &mut buf) else { continue };
                if let Some(s) = blob::parse_in(&bytes, Some(&worktree.backlog.config)).filter(|s| s.id(p) == id) {
                    found = Some(s);
                    break;
                }
            }
            found
        };
        if let Some(from) = at_head.as_ref().and_then(status) {
            if from != to {
                out.push(Step { id: id.to_string(), path: wp.clone(), from, to, commit: None });
            }
        }
    }
    Ok(out)
}

/// E040 for each step the workflow does not allow (at the item's status
/// line on the head side when it is there).
fn forbidden(steps: &[Step], head: &Side, config: &Config) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for st in steps {
        let Some(allowed) = config.workflow.get(&st.from) else { continue };
        if allowed.contains(&st.to) {
            continue;
        }
        let (file, span) = match (head.backlog.get(&st.id), head.states.get(&st.id)) {
            (Some(it), Some((p, _))) => (p.clone(), it.key_span("status")),
            _ => (st.path.clone(), Default::default()),
        };
        let when = match &st.commit {
            Some(c) => format!("in commit {}", &c[..c.len().min(12)]),
            None => "in the working tree".to_string(),
        };
        let allowed_s = allowed.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ");
        out.push(
            Diagnostic::new(
                FORBIDDEN_TRANSITION,
                &file,
                span,
                format!("forbidden status transition `{}` → `{}` for `{}` {when}", st.from, st.to, st.id),
            )
            .with_id(&st.id)
            .with_help(format!("the workflow allows `{}` → {allowed_s}", st.from)),
        );
    }
    out
}

/// Compares two sides: what changed between the endpoints, the status
/// moves of `steps` (the range, commit by commit) that `workflow` (the
/// head's `config`) forbids, the `changes` of the range's commits that
/// `policy:` does not allow their authors (with the repository's
/// CODEOWNERS, `owners`), and the errors the change introduces.
pub fn compare(
    base: &Side,
    head: &Side,
    config: &Config,
    steps: &[Step],
    changes: &[CommitChange],
    owners: &super::policy::Codeowners,
) -> SemanticDiff {
    let gb = Graph::build(&base.backlog);
    let gh = Graph::build(&head.backlog);
    let mut d = SemanticDiff {
        base: base.label.clone(),
        head: head.label.clone(),
        base_commit: base.commit.clone(),
        head_commit: head.commit.clone(),
        added: Vec::new(),
        removed: Vec::new(),
        renamed: Vec::new(),
        changed: Vec::new(),
        violations: Vec::new(),
    };
    let mut ids: Vec<&String> = base.states.keys().chain(head.states.keys()).collect();
    ids.sort();
    ids.dedup();
    for id in ids {
        match (base.states.get(id), head.states.get(id)) {
            (None, Some((p, s))) => d.added.push(object(head, &gh, id, p, s)),
            (Some((p, s)), None) => d.removed.push(object(base, &gb, id, p, s)),
            (Some((op, os)), Some((np, ns))) => {
                if op != np {
                    d.renamed.push(Renamed { id: id.clone(), from: op.clone(), to: np.clone() });
                }
                let mut changes = Vec::new();
                for (field, old, new) in item_changes(config, op, os, np, ns) {
                    let (added, removed) = if SET_FIELDS.contains(&field.as_str()) || field == "labels" {
                        let (a, r) = list_delta(old.as_ref(), new.as_ref());
                        (Some(a), Some(r))
                    } else {
                        (None, None)
                    };
                    changes.push(FieldChange { field, old, new, added, removed });
                }
                if !changes.is_empty() {
                    d.changed.push(Changed { id: id.clone(), path: np.clone(), changes });
                }
            }
            (None, None) => {}
        }
    }
    d.violations.extend(forbidden(steps, head, config));
    d.violations.extend(super::policy::violations(changes, base, head, config, owners));
    d.violations.extend(introduced_errors(&base.backlog, &gb, &head.backlog, &gh));
    crate::diag::sort(&mut d.violations);
    d
}

/// Errors at `head` that were not already at `base` (matched by code, item
/// (or file) and message, so moved lines do not count as new errors).
pub fn introduced_errors(base: &Backlog, gb: &Graph, head: &Backlog, gh: &Graph) -> Vec<Diagnostic> {
    let key = |d: &Diagnostic| (d.code, d.id.clone().unwrap_or_else(|| d.file.clone()), d.message.clone());
    let mut before: HashMap<(&str, String, String), usize> = HashMap::new();
    for d in crate::check::check(base, gb).diagnostics {
        if d.severity == Severity::Error {
            *before.entry(key(&d)).or_default() += 1;
        }
    }
    let mut out = Vec::new();
    for d in crate::check::check(head, gh).diagnostics {
        if d.severity != Severity::Error {
            continue;
        }
        match before.get_mut(&key(&d)) {
            Some(n) if *n > 0 => *n -= 1,
            _ => out.push(d),
        }
    }
    out
}
