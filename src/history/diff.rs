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
use super::events::{field_changes, SET_FIELDS};
use super::{walk, HistoryError};
use crate::check::{Diagnostic, Severity};
use crate::config::Config;
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
}

/// Builds a side from item files (root-relative path, bytes).
pub fn side(label: &str, commit: Option<String>, root: &Path, config: &Config, files: Vec<(String, Vec<u8>)>) -> Side {
    let parsed: Vec<_> = files
        .par_iter()
        .map(|(p, bytes)| (crate::load::parse_item_bytes(bytes, p, config), blob::parse(bytes)))
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
    Side { label: label.to_string(), commit, backlog, states }
}

/// The working tree.
pub fn worktree_side(root: &Path, config: &Config) -> Side {
    let (files, _) = crate::load::walk(root, config);
    let files: Vec<(String, Vec<u8>)> =
        files.into_iter().filter_map(|(abs, rel)| std::fs::read(&abs).ok().map(|b| (rel, b))).collect();
    side(WORKTREE, None, root, config, files)
}

/// Resolves a revision to a commit.
pub fn resolve(repo: &gix::Repository, rev: &str) -> Result<ObjectId, HistoryError> {
    let id = repo.rev_parse_single(rev).map_err(|e| HistoryError(format!("unknown revision `{rev}`: {e}")))?;
    let obj = id.object().map_err(|e| HistoryError(format!("reading `{rev}`: {e}")))?;
    let c = obj.peel_to_commit().map_err(|e| HistoryError(format!("`{rev}` is not a commit: {e}")))?;
    Ok(c.id)
}

/// The backlog at a commit (the root at its current path in the repository).
pub fn rev_side(
    git: &walk::Git,
    label: &str,
    commit: ObjectId,
    root: &Path,
    config: &Config,
) -> Result<Side, HistoryError> {
    let repo = git.repo.to_thread_local();
    let mut buf = Vec::new();
    let c = repo.find_commit(commit).map_err(|e| HistoryError(format!("reading commit {commit}: {e}")))?;
    let tree = c.tree_id().map_err(|e| HistoryError(format!("reading commit {commit}: {e}")))?.detach();
    let sub = walk::subtree(&repo.objects, tree, &git.root_in_repo, &mut buf)?;
    let ignore = crate::load::ignore_set(config);
    let list = walk::list_items(&repo.objects, sub, &ignore)?;
    let mut files = Vec::with_capacity(list.len());
    for (p, id) in list {
        files.push((p, walk::read_blob(&repo.objects, id, &mut buf)?));
    }
    Ok(side(label, Some(commit.to_string()), root, config, files))
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

/// Compares two sides. `config` (the head's) gives the workflow.
pub fn compare(base: &Side, head: &Side, config: &Config) -> SemanticDiff {
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
                for (field, old, new) in field_changes(os, ns) {
                    let (added, removed) = if SET_FIELDS.contains(&field.as_str()) || field == "labels" {
                        let (a, r) = list_delta(old.as_ref(), new.as_ref());
                        (Some(a), Some(r))
                    } else {
                        (None, None)
                    };
                    if field == "status" {
                        if let (Some(Value::String(from)), Some(Value::String(to))) = (&old, &new) {
                            if let Some(allowed) = config.workflow.get(from) {
                                if !allowed.contains(to) {
                                    let span = head.backlog.get(id).map(|it| it.key_span("status")).unwrap_or_default();
                                    let allowed_s =
                                        allowed.iter().map(|s| format!("`{s}`")).collect::<Vec<_>>().join(", ");
                                    d.violations.push(
                                        Diagnostic::new(
                                            FORBIDDEN_TRANSITION,
                                            np,
                                            span,
                                            format!("forbidden status transition `{from}` → `{to}` for `{id}`"),
                                        )
                                        .with_id(id)
                                        .with_help(format!("the workflow allows `{from}` → {allowed_s}")),
                                    );
                                }
                            }
                        }
                    }
                    changes.push(FieldChange { field, old, new, added, removed });
                }
                if !changes.is_empty() {
                    d.changed.push(Changed { id: id.clone(), path: np.clone(), changes });
                }
            }
            (None, None) => {}
        }
    }
    d.violations.extend(introduced_errors(&base.backlog, &gb, &head.backlog, &gh));
    crate::check::diagnostic::sort(&mut d.violations);
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
