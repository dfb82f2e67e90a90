//! Writing, applying and rejecting proposals (the file format is
//! [`crate::load::proposals`]). A producer (the planner, the analyst's fixes,
//! automation) hands a [`Draft`]: edit operations and what/why/evidence;
//! [`propose`] plans the operations on the backlog as it is, records the
//! blob hash of every file they touch and the patch, and returns the change
//! set that creates `proposals/ID.md`. [`apply`] later plans the same
//! operations again, refusing if any of those files changed since (a stale
//! proposal), and marks the proposal `applied` in the same change set;
//! [`reject`] marks it `rejected` with the reason. Every write is a change
//! set of the edit engine (atomic, committable with `--commit`).

use std::collections::BTreeMap;

use serde_json::Value;

use super::engine::{abs, file_hash, ChangeSet, Edit, FileChange, Op};
use super::EditError;
use crate::load::proposals::{self, Proposal, ProposedOp, Status};
use crate::load::Backlog;

/// What a producer proposes.
#[derive(Clone, Debug)]
pub struct Draft {
    pub id: String,
    pub title: String,
    /// What made it (`plan`, …).
    pub source: String,
    /// RFC 3339, or `None` without history.
    pub created: Option<String>,
    pub what: String,
    pub why: String,
    pub evidence: Vec<String>,
    pub ops: Vec<Op>,
}

/// Why a proposal cannot be written, applied or rejected.
#[derive(Debug, thiserror::Error)]
pub enum ProposalError {
    #[error("no proposal `{id}`{hint}")]
    NotFound { id: String, hint: String },
    #[error("{0}")]
    Unreadable(String),
    #[error("proposal `{id}` is already {status}; only an open proposal can be applied or rejected")]
    NotOpen { id: String, status: &'static str },
    #[error(
        "proposal `{id}` is stale: {path} changed since it was made; nothing was written (make the proposal again)"
    )]
    Stale { id: String, path: String },
    #[error("proposal `{id}` has an operation cairn cannot apply: {what}")]
    BadOp { id: String, what: String },
    #[error("a proposal `{0}` already exists ({1}); nothing was written")]
    Exists(String, String),
    #[error("nothing to propose: the change is empty")]
    Empty,
    #[error(transparent)]
    Edit(#[from] EditError),
}

/// The stored form of an operation (only field edits can be proposed).
pub fn to_stored(op: &Op) -> Option<ProposedOp> {
    let (name, id, field, value) = match op {
        Op::Set { id, field, value } => ("set", id, field, Some(value.clone())),
        Op::Unset { id, field } => ("unset", id, field, None),
        Op::Add { id, field, value } => ("add", id, field, Some(value.clone())),
        Op::Remove { id, field, value } => ("remove", id, field, Some(value.clone())),
        _ => return None,
    };
    Some(ProposedOp { op: name.into(), id: id.clone(), field: field.clone(), value })
}

/// The operation a stored one stands for.
pub fn from_stored(p: &ProposedOp) -> Option<Op> {
    let (id, field) = (p.id.clone(), p.field.clone());
    let value = || p.value.clone().unwrap_or(Value::Null);
    Some(match p.op.as_str() {
        "set" => Op::Set { id, field, value: value() },
        "unset" => Op::Unset { id, field },
        "add" => Op::Add { id, field, value: value() },
        "remove" => Op::Remove { id, field, value: value() },
        _ => return None,
    })
}

/// The unified diff of a change set, file by file (in path order).
pub fn patch(cs: &ChangeSet) -> String {
    let text = |b: &Option<Vec<u8>>| b.as_ref().map(|b| String::from_utf8_lossy(b).into_owned());
    let mut out = String::new();
    for c in &cs.changes {
        let old = text(&c.old);
        let new = String::from_utf8_lossy(&c.new);
        let path = c.old_path().unwrap_or(&c.path);
        out.push_str(&crate::util::diff::unified(path, old.as_deref(), Some(&new)));
    }
    out
}

/// Plans `draft` on `backlog` and returns the proposal and the change set
/// that writes its file (nothing is written). The change itself is planned
/// (so an operation that cannot apply fails now) but not written.
pub fn propose(backlog: &Backlog, draft: Draft) -> Result<(Proposal, ChangeSet), ProposalError> {
    super::engine::valid_id(&draft.id)?;
    let mut stored = Vec::with_capacity(draft.ops.len());
    for op in &draft.ops {
        let s = to_stored(op).ok_or_else(|| ProposalError::BadOp { id: draft.id.clone(), what: op.describe() })?;
        stored.push(s);
    }
    let cs = super::plan(backlog, draft.ops.clone())?;
    if cs.is_empty() {
        return Err(ProposalError::Empty);
    }
    let base: BTreeMap<String, String> =
        cs.changes.iter().filter_map(|c| Some((c.old_path()?.to_string(), file_hash(c.old.as_deref()?)))).collect();
    let path = proposals::path_of(&draft.id);
    if abs(&backlog.root, &path).exists() {
        return Err(ProposalError::Exists(draft.id, path));
    }
    let p = Proposal {
        id: draft.id,
        title: draft.title,
        created: draft.created,
        source: draft.source,
        status: Status::Open,
        reason: None,
        what: draft.what,
        why: draft.why,
        evidence: draft.evidence,
        patch: patch(&cs),
        base,
        ops: stored,
        path: path.clone(),
    };
    let file = FileChange { path, from: None, old: None, new: proposals::render(&p).into_bytes() };
    let out = ChangeSet {
        root: backlog.root.clone(),
        changes: vec![file],
        summary: format!("propose {}", p.id),
        skipped: Vec::new(),
    };
    Ok((p, out))
}

/// Reads proposal `id` of the backlog at `root`.
pub fn load(root: &std::path::Path, id: &str) -> Result<Proposal, ProposalError> {
    let rel = proposals::path_of(id);
    if !crate::model::is_valid_id(id) || !abs(root, &rel).is_file() {
        let (all, _) = proposals::list(root);
        let hint = crate::util::suggest::hint(id, all.iter().map(|p| p.id.as_str()));
        return Err(ProposalError::NotFound { id: id.into(), hint });
    }
    proposals::read(root, &rel).map_err(ProposalError::Unreadable)
}

/// The proposal file with its front-matter `status` (and `reason`) changed.
fn mark(
    root: &std::path::Path,
    p: &Proposal,
    status: Status,
    reason: Option<&str>,
) -> Result<FileChange, ProposalError> {
    let old = crate::util::fs::read_regular(&abs(root, &p.path), crate::load::MAX_FILE_BYTES)
        .map_err(|e| ProposalError::Unreadable(format!("{}: {e}", p.path)))?;
    let text = String::from_utf8_lossy(&old).into_owned();
    let order: Vec<String> =
        ["id", "title", "created", "source", "status", "reason"].iter().map(|s| s.to_string()).collect();
    let bad = |e: super::text::TextError| ProposalError::Unreadable(format!("{}: {e:?}", p.path));
    let mut new = super::text::set(&text, &order, "status", &Value::String(status.name().into())).map_err(bad)?;
    if let Some(r) = reason {
        new = super::text::set(&new, &order, "reason", &Value::String(r.into())).map_err(bad)?;
    }
    Ok(FileChange { path: p.path.clone(), from: None, old: Some(old), new: new.into_bytes() })
}

fn open(p: &Proposal) -> Result<(), ProposalError> {
    match p.status {
        Status::Open => Ok(()),
        s => Err(ProposalError::NotOpen { id: p.id.clone(), status: s.name() }),
    }
}

/// Plans applying proposal `id`: the item changes (to check before
/// writing) and the whole change set (the items and the proposal marked
/// `applied`). Refuses a proposal that is not open, and a stale one: a
/// file it touches that is not, byte for byte, what it was made from.
pub fn apply(backlog: &Backlog, id: &str) -> Result<(Proposal, ChangeSet, ChangeSet), ProposalError> {
    let p = load(&backlog.root, id)?;
    open(&p)?;
    for (path, hash) in &p.base {
        // Only item files under the root are compared (and read with a limit).
        let inside = !path.starts_with('/') && !path.split('/').any(|c| c == ".." || c.is_empty());
        let now = inside
            .then(|| crate::util::fs::read_regular(&abs(&backlog.root, path), crate::load::MAX_FILE_BYTES).ok())
            .flatten()
            .map(|b| file_hash(&b));
        if now.as_deref() != Some(hash.as_str()) {
            return Err(ProposalError::Stale { id: p.id.clone(), path: path.clone() });
        }
    }
    let mut ops = Vec::with_capacity(p.ops.len());
    for s in &p.ops {
        let op = from_stored(s).ok_or_else(|| ProposalError::BadOp { id: p.id.clone(), what: s.op.clone() })?;
        // The file each operation edits must be the one the proposal was made from.
        let expect = backlog.get(&s.id).and_then(|it| p.base.get(&it.path)).cloned();
        ops.push(Edit { op, expect });
    }
    let items = super::plan(backlog, ops).map_err(|e| match e {
        EditError::Conflict { path } => ProposalError::Stale { id: p.id.clone(), path },
        e => ProposalError::Edit(e),
    })?;
    for c in &items.changes {
        if let Some(old) = c.old_path() {
            if !p.base.contains_key(old) {
                return Err(ProposalError::Stale { id: p.id.clone(), path: old.to_string() });
            }
        }
    }
    let mut all = items.clone();
    all.changes.push(mark(&backlog.root, &p, Status::Applied, None)?);
    all.changes.sort_by(|a, b| a.path.cmp(&b.path));
    all.summary = format!("apply proposal {}", p.id);
    Ok((p, items, all))
}

/// The change set marking proposal `id` rejected with `reason`.
pub fn reject(root: &std::path::Path, id: &str, reason: &str) -> Result<(Proposal, ChangeSet), ProposalError> {
    let p = load(root, id)?;
    open(&p)?;
    let file = mark(root, &p, Status::Rejected, Some(reason))?;
    let cs = ChangeSet {
        root: root.to_path_buf(),
        changes: vec![file],
        summary: format!("reject proposal {}", p.id),
        skipped: Vec::new(),
    };
    Ok((p, cs))
}
