//! Reading git with gix: opening the repository that holds the backlog
//! root, ordering the commits to walk, following the root when its folder
//! moved, and diffing trees restricted to the root (unchanged subtrees are
//! skipped by id).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use gix::objs::tree::EntryKind;
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

/// An object that could not be read: missing (a deleted loose object, a
/// broken clone) or corrupt. History skips it with one warning naming it
/// (W012) and derives every event it still can; it is never taken for a
/// shallow boundary.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Unreadable {
    /// `commit`, `tree` or `blob`.
    pub kind: &'static str,
    pub id: ObjectId,
}

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.kind, self.id)
    }
}

impl From<Unreadable> for HistoryError {
    fn from(u: Unreadable) -> HistoryError {
        HistoryError(format!("cannot read {u} (the object is missing or corrupt)"))
    }
}

fn kind_name(kind: gix::objs::Kind) -> &'static str {
    match kind {
        gix::objs::Kind::Commit => "commit",
        gix::objs::Kind::Tree => "tree",
        gix::objs::Kind::Blob => "blob",
        gix::objs::Kind::Tag => "tag",
    }
}

/// The object `id` if it can be read and is of `kind`.
fn find<'a>(
    odb: &impl gix::objs::Find,
    id: &ObjectId,
    kind: gix::objs::Kind,
    buf: &'a mut Vec<u8>,
) -> Result<gix::objs::Data<'a>, Unreadable> {
    match odb.try_find(id, buf) {
        Ok(Some(d)) if d.kind == kind => Ok(d),
        _ => Err(Unreadable { kind: kind_name(kind), id: *id }),
    }
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

/// The web page of a commit, as a template with `{sha}`, for a repository
/// whose `origin` remote is on GitHub or GitLab (github.com, gitlab.com,
/// or a host whose name says which: `github.example.com`,
/// `gitlab.example.org`); `None` for any other remote or none. Read from
/// the repository's configuration with gix (no `git` process); https,
/// http, ssh and scp-like (`git@host:owner/repo.git`) URLs alike.
/// Credentials in the URL are never copied.
pub fn commit_url_template(repo: &gix::Repository) -> Option<String> {
    let remote = repo.find_remote("origin").ok()?;
    url_commit_template(remote.url(gix::remote::Direction::Fetch)?)
}

/// [`web_commit_template`] of a remote's URL: its web page is on https
/// (http for an http remote), on the URL's port only for http(s).
fn url_commit_template(url: &gix::Url) -> Option<String> {
    let path = String::from_utf8(url.path.to_vec()).ok()?;
    let port = match url.scheme {
        gix::url::Scheme::Http | gix::url::Scheme::Https => url.port,
        _ => None,
    };
    let scheme = if url.scheme == gix::url::Scheme::Http { "http" } else { "https" };
    web_commit_template(scheme, url.host()?, port, &path)
}

/// The commit page template of a repository at `path` on a web `host`
/// (see [`commit_url_template`]).
pub fn web_commit_template(scheme: &str, host: &str, port: Option<u16>, path: &str) -> Option<String> {
    let host = host.to_ascii_lowercase();
    let path = path.trim_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path).trim_end_matches('/');
    let safe = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | '~');
    let host_ok = !host.is_empty() && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'));
    if path.is_empty() || !path.contains('/') || !path.chars().all(safe) || path.contains("..") || !host_ok {
        return None;
    }
    let first = host.split('.').next().unwrap_or("");
    let sep = if host == "github.com" || first == "github" || host.ends_with(".github.com") {
        "commit"
    } else if host == "gitlab.com" || first == "gitlab" {
        "-/commit"
    } else {
        return None;
    };
    let port = port.map(|p| format!(":{p}")).unwrap_or_default();
    Some(format!("{scheme}://{host}{port}/{path}/{sep}/{{sha}}"))
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
    /// root commit, at a shallow boundary, or when the parents cannot be read.
    pub parents: Vec<ObjectId>,
    /// The commit's one time, in seconds since the epoch: its committer
    /// time, raised to its parents' times when the committer clock is behind
    /// (so times never go down along the history).
    pub time: i64,
    /// Whom its events are attributed to: the author; for a merge diffed
    /// against its first parent (`first_parent: false`), the committer.
    pub author: String,
    pub email: String,
}

/// The commits to read and what the walk met on the way.
#[derive(Debug, Default)]
pub struct Walk {
    /// Oldest first; every commit after all of its parents.
    pub commits: Vec<CommitData>,
    /// The walk stopped at the boundary of a shallow clone.
    pub shallow: bool,
    /// Commits that could not be read (their descendants become roots).
    pub unreadable: Vec<Unreadable>,
}

/// The commits reachable from `head`, oldest first. With `first_parent`
/// only first parents are followed.
///
/// Order: by commit time (see [`CommitData::time`]), ties in the order of a
/// post-order depth-first walk that visits first parents first. As times are
/// raised to their parents', this is a topological order (a commit comes
/// after all of its ancestors) and it is in time order; commits added on
/// top of the first-parent line append to it.
pub fn commits(repo: &gix::Repository, head: ObjectId, first_parent: bool) -> Result<Walk, HistoryError> {
    let shallow_set: HashSet<ObjectId> = match repo.shallow_commits() {
        Ok(Some(c)) => c.iter().copied().collect(),
        _ => HashSet::new(),
    };
    let mut walk = Walk::default();
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
        let decoded = find(&repo.objects, &id, gix::objs::Kind::Commit, &mut buf)
            .ok()
            .and_then(|d| gix::objs::CommitRef::from_bytes(d.data, repo.object_hash()).ok());
        let Some(c) = decoded else {
            if id == head {
                return Err(HistoryError(format!("cannot read the commit to start from, {id} (missing or corrupt)")));
            }
            // Not a shallow boundary (those are listed in `.git/shallow`
            // and their parents never pushed): a missing or corrupt object.
            walk.unreadable.push(Unreadable { kind: "commit", id });
            continue;
        };
        let all_parents: Vec<ObjectId> = c.parents().collect();
        let mut parents = if shallow_set.contains(&id) {
            walk.shallow = true;
            Vec::new()
        } else {
            all_parents.clone()
        };
        if first_parent {
            parents.truncate(1);
        }
        // A merge's own changes (conflict resolutions) belong to whoever made the merge.
        let who = if !first_parent && all_parents.len() > 1 { c.committer() } else { c.author() };
        let (author, email) = match who {
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
    // Parents that could not be read are dropped (the commit becomes a root).
    let have: HashSet<ObjectId> = out.iter().map(|c| c.id).collect();
    for c in &mut out {
        c.parents.retain(|p| have.contains(p));
    }
    monotone(&mut out);
    walk.unreadable.sort();
    walk.unreadable.dedup();
    walk.commits = out;
    Ok(walk)
}

/// Raises each commit's time to its parents' and sorts by (time, position):
/// `commits` must be in a topological order (parents first), and stays in one.
pub fn monotone(commits: &mut Vec<CommitData>) {
    let mut time: HashMap<ObjectId, i64> = HashMap::with_capacity(commits.len());
    for c in commits.iter_mut() {
        let t = c.parents.iter().filter_map(|p| time.get(p)).fold(c.time, |a, &b| a.max(b));
        c.time = t;
        time.insert(c.id, t);
    }
    // A parent has a time ≤ its child's and an earlier position, so sorting
    // by (time, position) keeps every parent before its children.
    let mut keyed: Vec<(i64, usize, CommitData)> =
        std::mem::take(commits).into_iter().enumerate().map(|(i, c)| (c.time, i, c)).collect();
    keyed.sort_by_key(|(t, i, _)| (*t, *i));
    commits.extend(keyed.into_iter().map(|(_, _, c)| c));
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
) -> Result<Vec<(Vec<u8>, Kind, ObjectId)>, Unreadable> {
    let Some(tree) = tree else { return Ok(Vec::new()) };
    let data = find(odb, &tree, gix::objs::Kind::Tree, buf)?;
    let es = decode_entries(data.data).ok_or(Unreadable { kind: "tree", id: tree })?;
    let mut v: Vec<(Vec<u8>, Kind, ObjectId)> = es
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

/// The entry `name` of tree `tree`: whether it is a tree, and its id.
fn entry(
    odb: &impl gix::objs::Find,
    tree: ObjectId,
    name: &str,
    buf: &mut Vec<u8>,
) -> Result<Option<(bool, ObjectId)>, Unreadable> {
    let data = find(odb, &tree, gix::objs::Kind::Tree, buf)?;
    for e in gix::objs::TreeRefIter::from_bytes(data.data, gix::hash::Kind::Sha1) {
        let e = e.map_err(|_| Unreadable { kind: "tree", id: tree })?;
        if e.filename == name.as_bytes() {
            return Ok(Some((e.mode.is_tree(), e.oid.to_owned())));
        }
    }
    Ok(None)
}

/// The object at `path` (`/`-separated, `""` = the tree itself) if it is a tree.
pub fn subtree(
    odb: &impl gix::objs::Find,
    tree: ObjectId,
    path: &str,
    buf: &mut Vec<u8>,
) -> Result<Option<ObjectId>, Unreadable> {
    let mut cur = tree;
    for part in path.split('/').filter(|p| !p.is_empty()) {
        match entry(odb, cur, part, buf)? {
            Some((true, id)) => cur = id,
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
) -> Result<Option<ObjectId>, Unreadable> {
    let (dir, name) = match path.rsplit_once('/') {
        Some((d, n)) => (d, n),
        None => ("", path),
    };
    let Some(t) = subtree(odb, tree, dir, buf)? else { return Ok(None) };
    Ok(entry(odb, t, name, buf)?.filter(|(is_tree, _)| !is_tree).map(|(_, id)| id))
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

/// How a tree diff goes on past trees it cannot read (see [`diff_trees`]).
#[derive(Debug, Default)]
pub struct Repair {
    /// An unreadable tree → the tree that stood at its place before it
    /// (`None`: no folder): what the commits after it are compared with.
    pub replaced: HashMap<ObjectId, Option<ObjectId>>,
    /// The trees skipped, in the order met.
    pub unreadable: Vec<Unreadable>,
}

impl Repair {
    /// What to read in place of `id` (itself unless it was replaced).
    fn resolve(&self, mut id: Option<ObjectId>) -> Option<ObjectId> {
        // Replacements point at older trees; the bound only guards a cycle.
        for _ in 0..=self.replaced.len() {
            match id.and_then(|i| self.replaced.get(&i)) {
                Some(r) => id = *r,
                None => break,
            }
        }
        id
    }
}

/// The item files that differ between two trees (the backlog root at two
/// commits), sorted by path. Subtrees with equal ids are not read.
///
/// Without `repair`, the first tree that cannot be read is the error. With
/// it, an unreadable tree is skipped (nothing below it counts as changed)
/// and noted; a new-side tree is replaced by the old side's for later
/// diffs, so the changes it hid show up in the next commit that can be read.
pub fn diff_trees(
    odb: &impl gix::objs::Find,
    old: Option<ObjectId>,
    new: Option<ObjectId>,
    ignore: &globset::GlobSet,
    repair: Option<&mut Repair>,
) -> Result<Vec<Change>, Unreadable> {
    let mut out = Vec::new();
    let mut repair = repair;
    diff_rec(odb, old, new, "", ignore, &mut out, &mut repair)?;
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

fn skip_dir(prefix: &str, name: &[u8]) -> bool {
    name.starts_with(b".")
        || name.starts_with(b"_")
        || (prefix.is_empty() && (name == b"templates" || name == b"themes" || name == b"proposals"))
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

/// A tree's entries; `None` when its bytes are not a well-formed tree.
fn decode_entries(data: &[u8]) -> Option<Vec<gix::objs::tree::EntryRef<'_>>> {
    gix::objs::TreeRefIter::from_bytes(data, gix::hash::Kind::Sha1).collect::<Result<Vec<_>, _>>().ok()
}

fn raw_tree<'a>(
    odb: &impl gix::objs::Find,
    id: Option<ObjectId>,
    buf: &'a mut Vec<u8>,
) -> Result<&'a [u8], Unreadable> {
    match id {
        Some(id) => Ok(find(odb, &id, gix::objs::Kind::Tree, buf)?.data),
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
    repair: &mut Option<&mut Repair>,
) -> Result<(), Unreadable> {
    use std::cmp::Ordering;
    let old = match repair {
        Some(r) => r.resolve(old),
        None => old,
    };
    if old == new {
        return Ok(());
    }
    // An unreadable side: an error without `repair`, else skipped (a new
    // side is replaced by the old one for the diffs that follow).
    let skip = |u: Unreadable, replace: bool, repair: &mut Option<&mut Repair>| match repair {
        Some(r) => {
            if replace {
                r.replaced.insert(u.id, old);
            }
            r.unreadable.push(u);
            Ok(())
        }
        None => Err(u),
    };
    let (mut buf_a, mut buf_b) = (Vec::new(), Vec::new());
    let ra = match raw_tree(odb, old, &mut buf_a) {
        Ok(r) => r,
        Err(u) => return skip(u, false, repair),
    };
    let rb = match raw_tree(odb, new, &mut buf_b) {
        Ok(r) => r,
        Err(u) => return skip(u, true, repair),
    };
    let (ra, rb) = differing(ra, rb, gix::hash::Kind::Sha1.len_in_bytes());
    let a = match decode_entries(ra) {
        Some(a) => a,
        None => return old.map_or(Ok(()), |id| skip(Unreadable { kind: "tree", id }, false, repair)),
    };
    let b = match decode_entries(rb) {
        Some(b) => b,
        None => return new.map_or(Ok(()), |id| skip(Unreadable { kind: "tree", id }, true, repair)),
    };
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
            diff_rec(odb, ta, tb, &path, ignore, out, repair)?;
        }
        let (ba, bb) = (of(ka, Kind::Blob), of(kb, Kind::Blob));
        if (ba.is_some() || bb.is_some()) && ba != bb && crate::load::is_item_path(&path, ignore) {
            out.push(Change { path, old: ba, new: bb });
        }
    }
    Ok(())
}

/// Every item file below `tree` (the root at some commit): path and blob.
/// Folders that cannot be read are skipped and noted in `repair`.
pub fn list_items(
    odb: &impl gix::objs::Find,
    tree: Option<ObjectId>,
    ignore: &globset::GlobSet,
    repair: &mut Repair,
) -> Vec<(String, ObjectId)> {
    let changes = diff_trees(odb, None, tree, ignore, Some(repair)).unwrap_or_default();
    changes.into_iter().filter_map(|c| c.new.map(|n| (c.path, n))).collect()
}

/// Reads a blob's bytes.
pub fn read_blob(odb: &impl gix::objs::Find, id: ObjectId, buf: &mut Vec<u8>) -> Result<Vec<u8>, Unreadable> {
    Ok(find(odb, &id, gix::objs::Kind::Blob, buf)?.data.to_vec())
}

/// A thread-local handle with caches sized for walking history: a pack
/// cache of decoded delta bases and an object cache (the tree a commit
/// adds is the tree the next commit starts from).
/// Whether the repository is a shallow clone (its walks stop at boundaries
/// that a fetch can move without moving HEAD).
pub fn is_shallow(repo: &gix::Repository) -> bool {
    !matches!(repo.shallow_commits(), Ok(None))
}

pub fn local(repo: &gix::ThreadSafeRepository) -> gix::Repository {
    let mut r = repo.to_thread_local();
    r.objects.set_pack_cache(|| Box::new(gix::odb::pack::cache::lru::MemoryCappedHashmap::new(64 << 20)));
    r.object_cache_size(32 << 20);
    r
}

/// A commit's tree, parents and signature, read on its own.
fn load(repo: &gix::Repository, id: ObjectId, buf: &mut Vec<u8>) -> Result<CommitData, Unreadable> {
    let bad = Unreadable { kind: "commit", id };
    let d = find(&repo.objects, &id, gix::objs::Kind::Commit, buf)?;
    let c = gix::objs::CommitRef::from_bytes(d.data, repo.object_hash()).map_err(|_| bad.clone())?;
    let (author, email) = match c.author() {
        Ok(a) => (a.name.to_string(), a.email.to_string()),
        Err(_) => (String::new(), String::new()),
    };
    let time = c.committer().map(|s| s.seconds()).unwrap_or(0);
    Ok(CommitData { id, tree: c.tree(), parents: c.parents().collect(), time, author, email })
}

/// The commits of the range `base..head` (reachable from `head`, not from
/// `base`) in the order of [`commits`], after the commits outside the range
/// that they are diffed against (their parents, without parents of their
/// own). Returns the list and where the range starts in it.
pub fn range(repo: &gix::Repository, base: ObjectId, head: ObjectId) -> Result<(Vec<CommitData>, usize), HistoryError> {
    let walk = repo
        .rev_walk([head])
        .with_hidden([base])
        .all()
        .map_err(|e| err(&format!("listing the commits of {base}..{head}"), e))?;
    let mut ids = Vec::new();
    for info in walk {
        ids.push(info.map_err(|e| err(&format!("listing the commits of {base}..{head}"), e))?.id);
    }
    let in_range: HashSet<ObjectId> = ids.iter().copied().collect();
    let mut buf = Vec::new();
    let mut loaded: HashMap<ObjectId, CommitData> = HashMap::with_capacity(ids.len());
    for id in &ids {
        loaded.insert(*id, load(repo, *id, &mut buf)?);
    }
    // Parents outside the range: the states the range starts from.
    let mut context: Vec<CommitData> = Vec::new();
    let mut outside: HashSet<ObjectId> = HashSet::new();
    for id in &ids {
        for p in loaded.get(id).map(|c| c.parents.clone()).unwrap_or_default() {
            if !in_range.contains(&p) && outside.insert(p) {
                // A parent beyond a shallow boundary is not there: the commit is a root.
                if let Ok(mut c) = load(repo, p, &mut buf) {
                    c.parents.clear();
                    context.push(c);
                }
            }
        }
    }
    let have: HashSet<ObjectId> = in_range.iter().chain(context.iter().map(|c| &c.id)).copied().collect();
    // Post-order depth-first from `head`, first parents first.
    let mut order: Vec<CommitData> = Vec::with_capacity(ids.len());
    let mut stack: Vec<(ObjectId, bool)> = vec![(head, false)];
    let mut seen: HashSet<ObjectId> = HashSet::new();
    while let Some((id, expanded)) = stack.pop() {
        if expanded {
            if let Some(mut c) = loaded.remove(&id) {
                c.parents.retain(|p| have.contains(p));
                order.push(c);
            }
            continue;
        }
        if !in_range.contains(&id) || !seen.insert(id) {
            continue;
        }
        stack.push((id, true));
        if let Some(c) = loaded.get(&id) {
            for p in c.parents.iter().rev() {
                if in_range.contains(p) && !seen.contains(p) {
                    stack.push((*p, false));
                }
            }
        }
    }
    monotone(&mut order);
    let start = context.len();
    context.extend(order);
    Ok((context, start))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_pages_of_github_and_gitlab_remotes() {
        let t = |u: &str| url_commit_template(&gix::url::parse(gix::bstr::BStr::new(u)).ok()?);
        let gh = Some("https://github.com/o/r/commit/{sha}".to_string());
        assert_eq!(t("https://github.com/o/r.git"), gh);
        assert_eq!(t("https://user:token@github.com/o/r"), gh);
        assert_eq!(t("git@github.com:o/r.git"), gh);
        assert_eq!(t("ssh://git@github.com:22/o/r.git"), gh);
        assert_eq!(t("https://gitlab.com/g/sub/r.git"), Some("https://gitlab.com/g/sub/r/-/commit/{sha}".into()));
        assert_eq!(t("git@gitlab.example.org:g/r.git"), Some("https://gitlab.example.org/g/r/-/commit/{sha}".into()));
        assert_eq!(
            t("https://gitlab.example.org:8443/g/r"),
            Some("https://gitlab.example.org:8443/g/r/-/commit/{sha}".into())
        );
        assert_eq!(t("https://example.com/o/r.git"), None);
        assert_eq!(t("/srv/git/r.git"), None);
        assert_eq!(t("https://github.com/o/r%22x"), None);
    }
}
