//! Reading git with gix: opening the repository that holds the backlog
//! root, ordering the commits to walk, following the root when its folder
//! moved, and diffing trees restricted to the root (unchanged subtrees are
//! skipped by id).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use gix::objs::tree::EntryKind;
use gix::objs::{Find, FindExt};
use gix::ObjectId;

use super::HistoryError;

/// The repository that holds a backlog root.
pub struct Git {
    pub repo: gix::ThreadSafeRepository,
    /// The root's path inside the work tree, `/`-separated (`""` at the top).
    pub root_in_repo: String,
    pub workdir: PathBuf,
}

fn err(what: &str, e: impl std::fmt::Display) -> HistoryError {
    HistoryError(format!("{what}: {e}"))
}

/// Opens the repository holding `root`; `None` if there is none (or it is bare).
pub fn open(root: &Path) -> Option<Git> {
    let repo = gix::discover(root).ok()?;
    let workdir = repo.workdir()?.to_path_buf();
    let canon_root = root.canonicalize().ok()?;
    let canon_wd = workdir.canonicalize().unwrap_or_else(|_| workdir.clone());
    let rel = canon_root.strip_prefix(&canon_wd).ok()?;
    let root_in_repo =
        rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect::<Vec<_>>().join("/");
    Some(Git { repo: repo.into_sync(), root_in_repo, workdir })
}

/// The commit to start from: `branch` (any revision) or HEAD. `Ok(None)`
/// for a repository without commits (unborn HEAD).
pub fn start(repo: &gix::Repository, branch: Option<&str>) -> Result<Option<ObjectId>, HistoryError> {
    if let Some(b) = branch {
        let id = repo.rev_parse_single(b).map_err(|e| err(&format!("history.branch `{b}` not found"), e))?;
        let commit = id.object().map_err(|e| err("reading history.branch", e))?.peel_to_commit();
        return commit.map(|c| Some(c.id)).map_err(|e| err(&format!("history.branch `{b}` is not a commit"), e));
    }
    let head = repo.head().map_err(|e| err("reading HEAD", e))?;
    if head.is_unborn() {
        return Ok(None);
    }
    let id = head.into_peeled_id().map_err(|e| err("reading HEAD", e))?;
    Ok(Some(id.detach()))
}

/// A commit as the walk needs it.
#[derive(Clone, Debug)]
pub struct CommitData {
    pub id: ObjectId,
    pub tree: ObjectId,
    /// Parents present in the repository (the first first). Empty for a
    /// root commit or at a shallow boundary.
    pub parents: Vec<ObjectId>,
    /// Committer time, seconds since the epoch.
    pub time: i64,
    pub author: String,
    pub email: String,
}

/// The commits reachable from `head`, oldest first: a post-order depth-first
/// walk visiting first parents first (so every commit comes after all of its
/// ancestors, and appending commits on top of a branch appends to the list).
/// With `first_parent` only first parents are followed. Returns the commits
/// and whether a shallow boundary (or a missing parent) was met.
pub fn commits(
    repo: &gix::Repository,
    head: ObjectId,
    first_parent: bool,
) -> Result<(Vec<CommitData>, bool), HistoryError> {
    let shallow_set: HashSet<ObjectId> = match repo.shallow_commits() {
        Ok(Some(c)) => c.iter().copied().collect(),
        _ => HashSet::new(),
    };
    let mut shallow = false;
    let mut buf = Vec::new();
    let mut loaded: HashMap<ObjectId, CommitData> = HashMap::new();
    let mut order = Vec::new();
    let mut stack: Vec<(ObjectId, bool)> = vec![(head, false)];
    let mut seen: HashSet<ObjectId> = HashSet::new();
    while let Some((id, expanded)) = stack.pop() {
        if expanded {
            order.push(id);
            continue;
        }
        if !seen.insert(id) {
            continue;
        }
        let data = match repo.objects.try_find(&id, &mut buf) {
            Ok(Some(d)) if d.kind == gix::objs::Kind::Commit => d,
            Ok(_) if id != head => {
                // A parent we do not have: the edge of a shallow clone.
                shallow = true;
                continue;
            }
            Ok(_) => return Err(HistoryError(format!("commit {id} not found"))),
            Err(e) => return Err(err(&format!("reading commit {id}"), e)),
        };
        let c = data.decode().map_err(|e| err(&format!("decoding commit {id}"), e))?;
        let c = match c {
            gix::objs::ObjectRef::Commit(c) => c,
            _ => return Err(HistoryError(format!("{id} is not a commit"))),
        };
        let mut parents: Vec<ObjectId> = if shallow_set.contains(&id) {
            shallow = true;
            Vec::new()
        } else {
            c.parents().collect()
        };
        if first_parent {
            parents.truncate(1);
        }
        let (author, email) = match c.author() {
            Ok(a) => (a.name.to_string(), a.email.to_string()),
            Err(_) => (String::new(), String::new()),
        };
        let time = c.committer().map(|s| s.seconds()).unwrap_or(0);
        stack.push((id, true));
        for p in parents.iter().rev() {
            if !seen.contains(p) {
                stack.push((*p, false));
            }
        }
        loaded.insert(id, CommitData { id, tree: c.tree(), parents, time, author, email });
    }
    let mut out = Vec::with_capacity(order.len());
    for id in order {
        if let Some(c) = loaded.remove(&id) {
            out.push(c);
        }
    }
    // Parents that could not be read are dropped (the commit becomes a boundary).
    let have: HashSet<ObjectId> = out.iter().map(|c| c.id).collect();
    for c in &mut out {
        c.parents.retain(|p| have.contains(p));
    }
    Ok((out, shallow))
}

/// What a tree entry points at, as far as the walk cares.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Tree,
    Blob,
    Other,
}

fn entries(
    odb: &impl gix::objs::Find,
    tree: Option<ObjectId>,
    buf: &mut Vec<u8>,
) -> Result<Vec<(Vec<u8>, Kind, ObjectId)>, HistoryError> {
    let Some(tree) = tree else { return Ok(Vec::new()) };
    let t = odb.find_tree(&tree, buf).map_err(|e| err(&format!("reading tree {tree}"), e))?;
    let mut v: Vec<(Vec<u8>, Kind, ObjectId)> = t
        .entries
        .iter()
        .map(|e| {
            let k = match e.mode.kind() {
                EntryKind::Tree => Kind::Tree,
                EntryKind::Blob | EntryKind::BlobExecutable => Kind::Blob,
                _ => Kind::Other,
            };
            (e.filename.to_vec(), k, e.oid.to_owned())
        })
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(v)
}

/// The object at `path` (`/`-separated, `""` = the tree itself) if it is a tree.
pub fn subtree(
    odb: &impl gix::objs::Find,
    tree: ObjectId,
    path: &str,
    buf: &mut Vec<u8>,
) -> Result<Option<ObjectId>, HistoryError> {
    let mut cur = tree;
    for part in path.split('/').filter(|p| !p.is_empty()) {
        let t = odb.find_tree(&cur, buf).map_err(|e| err(&format!("reading tree {cur}"), e))?;
        match t.entries.iter().find(|e| e.filename == part.as_bytes()) {
            Some(e) if e.mode.is_tree() => cur = e.oid.to_owned(),
            _ => return Ok(None),
        }
    }
    Ok(Some(cur))
}

/// The blob at `path` below `tree`, if any.
pub fn blob_at(
    odb: &impl gix::objs::Find,
    tree: ObjectId,
    path: &str,
    buf: &mut Vec<u8>,
) -> Result<Option<ObjectId>, HistoryError> {
    let (dir, name) = match path.rsplit_once('/') {
        Some((d, n)) => (d, n),
        None => ("", path),
    };
    let Some(t) = subtree(odb, tree, dir, buf)? else { return Ok(None) };
    let t = odb.find_tree(&t, buf).map_err(|e| err(&format!("reading tree {t}"), e))?;
    Ok(t.entries.iter().find(|e| e.filename == name.as_bytes() && !e.mode.is_tree()).map(|e| e.oid.to_owned()))
}

/// Where a folder with tree id `target` sits in `tree` (breadth-first, a
/// few levels deep): how a moved backlog folder is followed.
pub fn find_tree(odb: &impl gix::objs::Find, tree: ObjectId, target: ObjectId, buf: &mut Vec<u8>) -> Option<String> {
    let mut level: Vec<(String, ObjectId)> = vec![(String::new(), tree)];
    for _ in 0..4 {
        let mut next = Vec::new();
        for (path, id) in level {
            let Ok(es) = entries(odb, Some(id), buf) else { continue };
            for (name, k, oid) in es {
                if k != Kind::Tree {
                    continue;
                }
                let p = if path.is_empty() {
                    String::from_utf8_lossy(&name).into_owned()
                } else {
                    format!("{path}/{}", String::from_utf8_lossy(&name))
                };
                if oid == target {
                    return Some(p);
                }
                next.push((p, oid));
            }
        }
        level = next;
    }
    None
}

/// A changed item file: root-relative path, old and new blob.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub path: String,
    pub old: Option<ObjectId>,
    pub new: Option<ObjectId>,
}

/// The item files that differ between two trees (the backlog root at two
/// commits), sorted by path. Subtrees with equal ids are not read.
pub fn diff_trees(
    odb: &impl gix::objs::Find,
    old: Option<ObjectId>,
    new: Option<ObjectId>,
    ignore: &globset::GlobSet,
) -> Result<Vec<Change>, HistoryError> {
    let mut out = Vec::new();
    let mut buf = Vec::new();
    diff_rec(odb, old, new, "", ignore, &mut out, &mut buf)?;
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

fn skip_dir(prefix: &str, name: &[u8]) -> bool {
    name.starts_with(b".")
        || name.starts_with(b"_")
        || (prefix.is_empty() && (name == b"templates" || name == b"themes"))
}

#[allow(clippy::too_many_arguments)]
fn diff_rec(
    odb: &impl gix::objs::Find,
    old: Option<ObjectId>,
    new: Option<ObjectId>,
    prefix: &str,
    ignore: &globset::GlobSet,
    out: &mut Vec<Change>,
    buf: &mut Vec<u8>,
) -> Result<(), HistoryError> {
    if old == new {
        return Ok(());
    }
    let a = entries(odb, old, buf)?;
    let b = entries(odb, new, buf)?;
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        let (ea, eb) = match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if x.0 == y.0 => {
                i += 1;
                j += 1;
                (Some(x), Some(y))
            }
            (Some(x), Some(y)) if x.0 < y.0 => {
                i += 1;
                (Some(x), None)
            }
            (Some(_), Some(y)) => {
                j += 1;
                (None, Some(y))
            }
            (Some(x), None) => {
                i += 1;
                (Some(x), None)
            }
            (None, y) => {
                j += 1;
                (None, y)
            }
        };
        let name = ea.or(eb).map(|e| e.0.as_slice()).unwrap_or_default();
        let path = if prefix.is_empty() {
            String::from_utf8_lossy(name).into_owned()
        } else {
            format!("{prefix}/{}", String::from_utf8_lossy(name))
        };
        let tree_of = |e: Option<&(Vec<u8>, Kind, ObjectId)>| e.filter(|e| e.1 == Kind::Tree).map(|e| e.2);
        let blob_of = |e: Option<&(Vec<u8>, Kind, ObjectId)>| e.filter(|e| e.1 == Kind::Blob).map(|e| e.2);
        let (ta, tb) = (tree_of(ea), tree_of(eb));
        if (ta.is_some() || tb.is_some()) && ta != tb && !skip_dir(prefix, name) {
            diff_rec(odb, ta, tb, &path, ignore, out, buf)?;
        }
        let (ba, bb) = (blob_of(ea), blob_of(eb));
        if (ba.is_some() || bb.is_some()) && ba != bb && crate::load::is_item_path(&path, ignore) {
            out.push(Change { path, old: ba, new: bb });
        }
    }
    Ok(())
}

/// Every item file below `tree` (the root at some commit): path and blob.
pub fn list_items(
    odb: &impl gix::objs::Find,
    tree: Option<ObjectId>,
    ignore: &globset::GlobSet,
) -> Result<Vec<(String, ObjectId)>, HistoryError> {
    Ok(diff_trees(odb, None, tree, ignore)?.into_iter().filter_map(|c| c.new.map(|n| (c.path, n))).collect())
}

/// Reads a blob's bytes.
pub fn read_blob(odb: &impl gix::objs::Find, id: ObjectId, buf: &mut Vec<u8>) -> Result<Vec<u8>, HistoryError> {
    Ok(odb.find_blob(&id, buf).map_err(|e| err(&format!("reading blob {id}"), e))?.data.to_vec())
}
