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

/// The end of the tree entry starting at `pos` (`mode SP name NUL id`).
fn entry_end(data: &[u8], pos: usize, hash_len: usize) -> Option<usize> {
    use gix::bstr::ByteSlice;
    let nul = data.get(pos..)?.find_byte(0)?;
    let end = pos + nul + 1 + hash_len;
    (end <= data.len()).then_some(end)
}

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + 64 <= n && a[i..i + 64] == b[i..i + 64] {
        i += 64;
    }
    while i < n && a[i] == b[i] {
        i += 1;
    }
    i
}

fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let (la, lb) = (a.len(), b.len());
    let mut i = 0;
    while i + 64 <= n && a[la - i - 64..la - i] == b[lb - i - 64..lb - i] {
        i += 64;
    }
    while i < n && a[la - i - 1] == b[lb - i - 1] {
        i += 1;
    }
    i
}

/// The parts of two raw trees that differ, cut at entry boundaries: most
/// commits change one or two entries of a folder of thousands, so the
/// common prefix and suffix (compared as bytes) are not decoded at all.
/// Falls back to the whole trees when the bytes are not well-formed.
fn differing<'a>(a: &'a [u8], b: &'a [u8], hash_len: usize) -> (&'a [u8], &'a [u8]) {
    let p = common_prefix(a, b);
    // Entries that end at or before p are byte-identical on both sides.
    let mut start = 0;
    loop {
        match entry_end(a, start, hash_len) {
            Some(e) if e <= p => start = e,
            Some(_) => break,
            None if start == a.len() => break,
            None => return (a, b),
        }
    }
    let q = common_suffix(&a[start..], &b[start..]);
    // Walk both sides from `start` until they reach an entry boundary at the
    // same distance from their ends, inside the common suffix.
    let (mut oa, mut ob) = (start, start);
    loop {
        let (da, db) = (a.len() - oa, b.len() - ob);
        if da <= q && da == db {
            return (&a[start..oa], &b[start..ob]);
        }
        let step_a = da >= db && da > 0;
        let step_b = db >= da && db > 0;
        if step_a {
            match entry_end(a, oa, hash_len) {
                Some(e) => oa = e,
                None => return (a, b),
            }
        }
        if step_b {
            match entry_end(b, ob, hash_len) {
                Some(e) => ob = e,
                None => return (a, b),
            }
        }
        if !step_a && !step_b {
            return (&a[start..], &b[start..]);
        }
    }
}

fn decode_entries(data: &[u8]) -> Result<Vec<gix::objs::tree::EntryRef<'_>>, HistoryError> {
    gix::objs::TreeRefIter::from_bytes(data, gix::hash::Kind::Sha1)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| err("decoding a tree", e))
}

fn raw_tree<'a>(
    odb: &impl gix::objs::Find,
    id: Option<ObjectId>,
    buf: &'a mut Vec<u8>,
) -> Result<&'a [u8], HistoryError> {
    match id {
        Some(id) => {
            let d = odb.try_find(&id, buf).map_err(|e| err(&format!("reading tree {id}"), e))?;
            match d {
                Some(d) if d.kind == gix::objs::Kind::Tree => Ok(d.data),
                _ => Err(HistoryError(format!("tree {id} not found"))),
            }
        }
        None => Ok(&[]),
    }
}

fn diff_rec(
    odb: &impl gix::objs::Find,
    old: Option<ObjectId>,
    new: Option<ObjectId>,
    prefix: &str,
    ignore: &globset::GlobSet,
    out: &mut Vec<Change>,
    _buf: &mut Vec<u8>,
) -> Result<(), HistoryError> {
    use std::cmp::Ordering;
    if old == new {
        return Ok(());
    }
    let (mut buf_a, mut buf_b) = (Vec::new(), Vec::new());
    let ra = raw_tree(odb, old, &mut buf_a)?;
    let rb = raw_tree(odb, new, &mut buf_b)?;
    let (ra, rb) = differing(ra, rb, gix::hash::Kind::Sha1.len_in_bytes());
    let a = decode_entries(ra)?;
    let b = decode_entries(rb)?;
    let (mut i, mut j) = (0, 0);
    loop {
        let ord = match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) => {
                gix::objs::tree::name_order(x.filename, x.mode.is_tree(), y.filename, y.mode.is_tree())
            }
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => break,
        };
        let (ea, eb) = match ord {
            Ordering::Equal => {
                i += 1;
                j += 1;
                (a.get(i - 1), b.get(j - 1))
            }
            Ordering::Less => {
                i += 1;
                (a.get(i - 1), None)
            }
            Ordering::Greater => {
                j += 1;
                (None, b.get(j - 1))
            }
        };
        if let (Some(x), Some(y)) = (ea, eb) {
            if x.oid == y.oid && x.mode == y.mode {
                continue;
            }
        }
        let kind = |e: Option<&gix::objs::tree::EntryRef<'_>>| {
            e.map(|e| {
                let k = match e.mode.kind() {
                    EntryKind::Tree => Kind::Tree,
                    EntryKind::Blob | EntryKind::BlobExecutable => Kind::Blob,
                    _ => Kind::Other,
                };
                (k, e.oid.to_owned())
            })
        };
        let (ka, kb) = (kind(ea), kind(eb));
        let name: &[u8] = ea.or(eb).map(|e| e.filename.as_ref()).unwrap_or_default();
        let path = if prefix.is_empty() {
            String::from_utf8_lossy(name).into_owned()
        } else {
            format!("{prefix}/{}", String::from_utf8_lossy(name))
        };
        let of = |k: Option<(Kind, ObjectId)>, want: Kind| k.filter(|k| k.0 == want).map(|k| k.1);
        let (ta, tb) = (of(ka, Kind::Tree), of(kb, Kind::Tree));
        if (ta.is_some() || tb.is_some()) && ta != tb && !skip_dir(prefix, name) {
            diff_rec(odb, ta, tb, &path, ignore, out, _buf)?;
        }
        let (ba, bb) = (of(ka, Kind::Blob), of(kb, Kind::Blob));
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

/// A thread-local handle with caches sized for walking history: a pack
/// cache of decoded delta bases and an object cache (the tree a commit
/// adds is the tree the next commit starts from).
pub fn local(repo: &gix::ThreadSafeRepository) -> gix::Repository {
    let mut r = repo.to_thread_local();
    r.objects.set_pack_cache(|| Box::new(gix::odb::pack::cache::lru::MemoryCappedHashmap::new(64 << 20)));
    r.object_cache_size(32 << 20);
    r
}
