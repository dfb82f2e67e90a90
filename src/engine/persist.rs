//! What `cairn build` keeps between runs, in
//! `ROOT/.cairn-cache/site-<hash of the output folder>.bin` (one per
//! output folder):
//!
//! - the **key**: fingerprints of what every page depends on (cairn's
//!   version, the build options, the configuration, the theme and
//!   templates; the history read; the site-wide values such as counts;
//!   the schedule's start and the active sprint);
//! - per **item** id: the signature of what its pages show of it (the
//!   inputs of its item object — `site::pages::Shared::object_sig`, made
//!   without making the object —, card, body, path, schedule), its sprint
//!   and the ids of the items it has an edge with or names;
//! - per **job** (`item:<id>`, `graph:<id>`, `board:<id>`, and the
//!   site-wide `site:<job>:<fingerprint of what it shows>`): the files it
//!   wrote, and `files:` for the theme's assets and the backlog files the
//!   bodies link to (put in every build; a page whose body links anything
//!   is rendered in every build): every output file is one job's; with
//!   each file its content hash and stamp (size, modification time,
//!   inode), to link it into a new folder only when it is still the file
//!   this build wrote (kept in the job, not in a map of their own by path:
//!   40,000 fewer strings to read and write at 10,000 items);
//! - per output folder its modification time (a file added, removed or
//!   replaced by hand changes it);
//! - the **fragments** of the site-wide lists (a backlog row, a board card,
//!   an `items.json` entry per item, with the signature of the card or item
//!   object each was rendered from: `site::fragments`), used again only
//!   when the key is unchanged. Their bytes (≈ 2 KB an item) are not in the
//!   state but in the **store** beside it (`site-<hash>.frags`: a header
//!   with the store's generation, then fragments end to end); the state
//!   holds each fragment's range of it and CRC-32. A build appends the
//!   fragments it rendered to the store and leaves the rest of it alone,
//!   so a one-item edit reads the store and writes a few KB, not the whole
//!   of it; once less than half of the store is in use it is written anew
//!   (a new generation: a state that names another one reuses no
//!   fragment). With them the lists' **orders** (the backlog's rank: item
//!   indices, with a signature of what they were computed from), in the
//!   state itself.
//!
//! Strings are a `u32` length and UTF-8, numbers little-endian; the file
//! ends with a CRC-32 of everything before it. Anything off (another
//! build of cairn — `util::build_key` — or format, a truncated or corrupt file) and the state is ignored:
//! the next build is a full one. The state can only make a build faster,
//! never change its bytes.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::site::fragments::{Bytes, Frag, Fragments, List, Order};
use crate::util::StrMap;

const MAGIC: &[u8; 8] = b"CAIRNSB6";
/// The store's header: this, the generation in 16 hex digits, a line break.
const STORE_MAGIC: &str = "CAIRNFS1";

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ItemState {
    pub sig: u64,
    pub path: String,
    pub sprint: Option<String>,
    pub related: Vec<String>,
}

/// What a job wrote: each output file with its content hash and stamp.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JobOut {
    pub files: Vec<(String, FileState)>,
}

impl JobOut {
    /// The paths of the job's files.
    pub fn paths(&self) -> impl Iterator<Item = &String> {
        self.files.iter().map(|(p, _)| p)
    }

    /// The state of the job's file at `path`.
    pub fn file(&self, path: &str) -> Option<&FileState> {
        self.files.iter().find(|(p, _)| p == path).map(|(_, f)| f)
    }
}

/// An output file: content hash and the stamp it had when written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FileState {
    pub hash: u64,
    pub len: u64,
    pub mtime_ns: i128,
    pub ino: u64,
}

impl FileState {
    /// The stamp of a file as it is now (`None`: missing, or not a plain file).
    pub fn stamp(path: &Path) -> Option<(u64, i128, u64)> {
        let m = std::fs::symlink_metadata(path).ok().filter(|m| m.is_file())?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Some((m.len(), i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec()), m.ino()))
        }
        #[cfg(not(unix))]
        {
            let t = m.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
            Some((m.len(), t.as_nanos() as i128, 0))
        }
    }

    /// Whether the file at `path` still is the one recorded.
    pub fn unchanged(&self, path: &Path) -> bool {
        FileState::stamp(path) == Some((self.len, self.mtime_ns, self.ino))
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct State {
    pub key: [u64; 4],
    pub items: StrMap<ItemState>,
    pub jobs: StrMap<JobOut>,
    /// The previous site kept beside the cache (see `engine::spare`): the
    /// paths where it differs from the output folder; `None`: no such
    /// site, or its content is unknown.
    pub spare: Option<Vec<String>>,
    /// Every folder of the output and its modification time (a file added
    /// or removed by hand changes it).
    pub dirs: Vec<(String, i128)>,
    /// The fragments of the site-wide lists (see `site::fragments`): their
    /// ranges of the store (its text is not part of the state).
    pub frags: Fragments,
    /// The generation of the store the fragments are in (0: none).
    pub store_gen: u64,
}

/// A state's bytes before its fragments' part ([`State::head`]).
pub struct Head(Vec<u8>);

/// The entries of a map in a fixed order: by a fixed hash of the key,
/// then the key (the same map, the same order, without comparing 10,000
/// similar keys byte by byte).
fn sorted<V>(m: &StrMap<V>) -> Vec<(&String, &V)> {
    let mut v: Vec<(u64, &String, &V)> = m.iter().map(|(k, x)| (super::hash_bytes(&[k.as_bytes()]), k, x)).collect();
    v.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    v.into_iter().map(|(_, k, x)| (k, x)).collect()
}

/// The modification time of a folder (`None`: not a folder).
pub fn dir_mtime(path: &Path) -> Option<i128> {
    let m = std::fs::symlink_metadata(path).ok().filter(|m| m.is_dir())?;
    let t = m.modified().ok()?;
    Some(match t.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i128,
        Err(e) => -(e.duration().as_nanos() as i128),
    })
}

/// Where the state of builds into `out` is kept.
pub fn path_for(root: &Path, out: &Path) -> PathBuf {
    let h = super::hash_bytes(&[out.to_string_lossy().as_bytes()]);
    root.join(".cairn-cache").join(format!("site-{h:016x}.bin"))
}

/// The state's writer: a buffer passed on to `out` a piece at a time, with
/// the CRC-32 of everything written so far. The first write error is kept
/// and returned by [`W::finish`].
struct W<'w> {
    buf: Vec<u8>,
    out: &'w mut dyn Write,
    crc: crc32fast::Hasher,
    err: Option<std::io::Error>,
}

impl<'w> W<'w> {
    const CHUNK: usize = 1 << 16;

    fn new(out: &'w mut dyn Write) -> Self {
        W { buf: Vec::with_capacity(Self::CHUNK + 1024), out, crc: crc32fast::Hasher::new(), err: None }
    }
    fn bytes(&mut self, b: &[u8]) {
        if b.len() >= Self::CHUNK {
            // A whole part at once: passed on as it is.
            self.flush();
            self.crc.update(b);
            if self.err.is_none() {
                self.err = self.out.write_all(b).err();
            }
            return;
        }
        self.buf.extend_from_slice(b);
        if self.buf.len() >= Self::CHUNK {
            self.flush();
        }
    }
    fn flush(&mut self) {
        self.crc.update(&self.buf);
        self.pass_on();
    }
    /// Hands the buffer to `out` (unless a write failed before) and empties it.
    fn pass_on(&mut self) {
        if self.err.is_none() {
            self.err = self.out.write_all(&self.buf).err();
        }
        self.buf.clear();
    }
    /// Writes the CRC-32 of everything before it, last.
    fn finish(mut self) -> std::io::Result<()> {
        self.flush();
        let crc = self.crc.clone().finalize();
        self.buf.extend_from_slice(&crc.to_le_bytes());
        self.pass_on();
        self.err.map_or(Ok(()), Err)
    }
}

/// Where the state's pieces are written: the file's writer ([`W`]), or a
/// buffer for a part encoded beside other work ([`State::head`]).
trait Sink {
    fn bytes(&mut self, b: &[u8]);
    fn u64(&mut self, v: u64) {
        self.bytes(&v.to_le_bytes());
    }
    fn u32(&mut self, v: usize) {
        self.bytes(&(v as u32).to_le_bytes());
    }
    fn str(&mut self, s: &str) {
        self.u32(s.len());
        self.bytes(s.as_bytes());
    }
    fn strs(&mut self, v: &[String]) {
        self.u32(v.len());
        v.iter().for_each(|s| self.str(s));
    }
}

impl Sink for W<'_> {
    fn bytes(&mut self, b: &[u8]) {
        W::bytes(self, b);
    }
}

impl Sink for Vec<u8> {
    fn bytes(&mut self, b: &[u8]) {
        self.extend_from_slice(b);
    }
}

struct R<'a>(&'a [u8]);

impl<'a> R<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.0.len() {
            return None;
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Some(a)
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn u32(&mut self) -> Option<usize> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?) as usize)
    }
    fn str(&mut self) -> Option<String> {
        let n = self.u32()?;
        std::str::from_utf8(self.take(n)?).ok().map(String::from)
    }
    /// A count of entries, each at least `min` bytes: never more than the
    /// rest of the file can hold (no huge allocation from a corrupt count).
    fn count(&mut self, min: usize) -> Option<usize> {
        let n = self.u32()?;
        (n.saturating_mul(min) <= self.0.len()).then_some(n)
    }
    fn strs(&mut self) -> Option<Vec<String>> {
        let n = self.count(4)?;
        (0..n).map(|_| self.str()).collect()
    }
}

impl State {
    /// The state's bytes (what [`State::save`] writes).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.jobs.len() * 256);
        // Writing into a Vec cannot fail.
        let _ = self.write_to(&mut out);
        out
    }

    /// Writes the state to `out` (its head assembled in memory, then the
    /// fragments' ranges a piece at a time).
    pub fn write_to(&self, out: &mut dyn Write) -> std::io::Result<()> {
        self.write_with(out, &self.head())
    }

    /// The state's bytes up to the fragments' store generation and ranges
    /// (which follow): its key, items, jobs, spare and folders, the items'
    /// and the jobs' parts side by side. Made while the fragment store is
    /// written ([`save_store`]): the two overlap.
    pub fn head(&self) -> Head {
        let (items, jobs) = rayon::join(
            || {
                let mut v: Vec<u8> = Vec::with_capacity(self.items.len() * 96);
                let items = sorted(&self.items);
                v.u32(items.len());
                for (id, it) in items {
                    v.str(id);
                    v.u64(it.sig);
                    v.str(&it.path);
                    v.str(it.sprint.as_deref().unwrap_or(""));
                    v.strs(&it.related);
                }
                v
            },
            || {
                let mut v: Vec<u8> = Vec::with_capacity(self.jobs.len() * 256);
                let jobs = sorted(&self.jobs);
                v.u32(jobs.len());
                for (k, j) in jobs {
                    v.str(k);
                    v.u32(j.files.len());
                    for (p, f) in &j.files {
                        v.str(p);
                        v.u64(f.hash);
                        v.u64(f.len);
                        v.bytes(&f.mtime_ns.to_le_bytes());
                        v.u64(f.ino);
                    }
                }
                v
            },
        );
        let mut w: Vec<u8> = Vec::with_capacity(items.len() + jobs.len() + 4096);
        w.bytes(MAGIC);
        w.str(crate::util::build_key());
        self.key.iter().for_each(|k| w.u64(*k));
        // Sorted (see `sorted`): the same state, the same bytes.
        w.bytes(&items);
        w.bytes(&jobs);
        match &self.spare {
            Some(v) => {
                w.bytes(&[1]);
                w.strs(v);
            }
            None => w.bytes(&[0]),
        }
        w.u32(self.dirs.len());
        for (d, t) in &self.dirs {
            w.str(d);
            w.bytes(&t.to_le_bytes());
        }
        Head(w)
    }

    /// Writes `head` (this state's [`State::head`]) and the rest.
    fn write_with(&self, out: &mut dyn Write, head: &Head) -> std::io::Result<()> {
        let mut w = W::new(out);
        w.bytes(&head.0);
        w.u64(self.store_gen);
        w.u32(self.frags.lists.len());
        for (name, list) in &self.frags.lists {
            w.str(name);
            // Only ranges of the store (a new fragment is in no store yet).
            let l: Vec<(&String, &Frag)> =
                sorted(list).into_iter().filter(|(_, f)| matches!(f.bytes, Bytes::Stored { .. })).collect();
            w.u32(l.len());
            for (id, f) in l {
                let Bytes::Stored { off, len, crc } = f.bytes else { continue };
                let sig = f.sig;
                w.str(id);
                w.u64(sig);
                w.u64(off as u64);
                w.u64(len as u64);
                w.bytes(&crc.to_le_bytes());
            }
        }
        w.u32(self.frags.orders.len());
        for (name, o) in &self.frags.orders {
            w.str(name);
            w.u64(o.sig);
            w.u32(o.items.len());
            for &i in &o.items {
                w.bytes(&i.to_le_bytes());
            }
        }
        w.finish()
    }

    /// `None` unless the bytes are a complete state of this version.
    pub fn decode(bytes: &[u8]) -> Option<State> {
        let (body, crc) = bytes.split_at_checked(bytes.len().checked_sub(4)?)?;
        if crc32fast::hash(body).to_le_bytes() != crc {
            return None;
        }
        let mut r = R(body);
        if r.take(8)? != MAGIC || r.str()? != crate::util::build_key() {
            return None;
        }
        let key = [r.u64()?, r.u64()?, r.u64()?, r.u64()?];
        let mut s = State { key, ..State::default() };
        let n = r.count(24)?;
        s.items.reserve(n);
        for _ in 0..n {
            let id = r.str()?;
            let sig = r.u64()?;
            let path = r.str()?;
            let sprint = Some(r.str()?).filter(|s| !s.is_empty());
            let related = r.strs()?;
            s.items.insert(id, ItemState { sig, path, sprint, related });
        }
        let n = r.count(8)?;
        s.jobs.reserve(n);
        for _ in 0..n {
            let k = r.str()?;
            let m = r.count(44)?;
            let mut files = Vec::with_capacity(m);
            for _ in 0..m {
                let p = r.str()?;
                let hash = r.u64()?;
                let len = r.u64()?;
                let mtime_ns = i128::from_le_bytes(r.take(16)?.try_into().ok()?);
                let ino = r.u64()?;
                files.push((p, FileState { hash, len, mtime_ns, ino }));
            }
            s.jobs.insert(k, JobOut { files });
        }
        s.spare = match r.take(1)?[0] {
            0 => None,
            _ => Some(r.strs()?),
        };
        let n = r.count(20)?;
        for _ in 0..n {
            let d = r.str()?;
            let t = i128::from_le_bytes(r.take(16)?.try_into().ok()?);
            s.dirs.push((d, t));
        }
        s.store_gen = r.u64()?;
        let n = r.count(8)?;
        for _ in 0..n {
            let name = r.str()?;
            let m = r.count(32)?;
            let mut list = List::with_capacity_and_hasher(m, Default::default());
            for _ in 0..m {
                let id = r.str()?;
                let sig = r.u64()?;
                let off = usize::try_from(r.u64()?).ok()?;
                let len = usize::try_from(r.u64()?).ok()?;
                let crc = u32::from_le_bytes(r.take(4)?.try_into().ok()?);
                list.insert(id, Frag { sig, bytes: Bytes::Stored { off, len, crc } });
            }
            s.frags.lists.insert(name, list);
        }
        let n = r.count(16)?;
        for _ in 0..n {
            let name = r.str()?;
            let sig = r.u64()?;
            let m = r.count(4)?;
            let items = r.take(m * 4)?.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
            s.frags.orders.insert(name, Order { sig, items });
        }
        r.0.is_empty().then_some(s)
    }

    /// The state saved at `path`, if it is readable and whole.
    pub fn load(path: &Path) -> Option<State> {
        let bytes = crate::util::fs::read_regular(path, 1 << 30).ok()?;
        State::decode(&bytes)
    }

    /// Saves the state (a temporary file renamed over the old one).
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        self.save_with(path, &self.head())
    }

    /// Saves the state whose [`State::head`] is `head` (made before its
    /// fragments' ranges were set: they are not part of it).
    pub fn save_with(&self, path: &Path, head: &Head) -> std::io::Result<()> {
        crate::util::fs::replace_unsynced_with(path, |w| self.write_with(w, head))
    }
}

/// How many build states (one per output folder) `.cairn-cache/` keeps.
pub const KEEP_STATES: usize = 8;

/// Removes all but the [`KEEP_STATES`] most recently saved build states
/// (with their stores of fragments and spare sites) beside `current`,
/// which is always kept:
/// every output folder a build ever wrote to (a test's temporary folder,
/// say) would otherwise leave its state behind for good. Best effort: a
/// file that cannot be removed stays.
pub fn prune(current: &Path) {
    let Some(dir) = current.parent() else { return };
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut states: Vec<(std::time::SystemTime, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter(|e| {
            let n = e.file_name();
            let n = n.to_string_lossy();
            n.starts_with("site-") && n.ends_with(".bin")
        })
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .filter(|(_, p)| p != current)
        .collect();
    // Newest first; the current state is one of the kept.
    states.sort_by(|a, b| b.cmp(a));
    for (_, p) in states.into_iter().skip(KEEP_STATES.saturating_sub(1)) {
        let _ = std::fs::remove_file(store_path(&p));
        let _ = std::fs::remove_dir_all(p.with_extension("spare"));
        let _ = std::fs::remove_file(&p);
    }
}

/// The store of fragments beside the state at `state`.
pub fn store_path(state: &Path) -> PathBuf {
    state.with_extension("frags")
}

fn store_header(gen: u64) -> String {
    format!("{STORE_MAGIC}{gen:016x}\n")
}

/// The text of the store at `path` if it is of generation `gen` (and
/// readable, and UTF-8): the one a state's ranges point into.
pub fn load_store(path: &Path, gen: u64) -> Option<Arc<String>> {
    if gen == 0 {
        return None;
    }
    let bytes = crate::util::fs::read_regular(path, 1 << 32).ok()?;
    if !bytes.starts_with(store_header(gen).as_bytes()) {
        return None;
    }
    String::from_utf8(bytes).ok().map(Arc::new)
}

/// Puts the new fragments of `f` in the store file at `path` and returns
/// every fragment as a range of it, with the store's generation. The new
/// ones are appended when the file is still `f.store` and at least half of
/// it stays in use; otherwise a new store (new generation) holds exactly
/// the fragments of `f`. The lists are changed in place: a one-item edit
/// writes and touches its few new fragments, not the 30,000 others.
pub fn save_store(path: &Path, f: Fragments, gen: u64) -> std::io::Result<(u64, BTreeMap<String, List>)> {
    let Fragments { store, mut lists, .. } = f;
    let len_of = |b: &Bytes| match b {
        Bytes::Stored { len, .. } => *len,
        Bytes::New(s) => s.len(),
    };
    let live: usize = lists.values().flat_map(|l| l.values()).map(|f| len_of(&f.bytes)).sum();
    let on_disk = std::fs::symlink_metadata(path).ok().filter(|m| m.is_file()).map(|m| m.len());
    let append = gen != 0
        && store.starts_with(&store_header(gen))
        && on_disk == Some(store.len() as u64)
        && store.len() <= live.saturating_mul(2).saturating_add(1 << 20);
    let (gen, base) = if append {
        (gen, store.len())
    } else {
        let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let g = super::hash_bytes(&[&gen.to_le_bytes(), &t.to_le_bytes(), &std::process::id().to_le_bytes()]).max(1);
        (g, 0)
    };
    // What is written: the new fragments when appending, else all of them;
    // sorted: the same fragments, the same store.
    let mut order: Vec<(String, String)> = lists
        .iter()
        .flat_map(|(n, l)| {
            l.iter()
                .filter(|(_, f)| !append || matches!(f.bytes, Bytes::New(_)))
                .map(move |(id, _)| (n.clone(), id.clone()))
        })
        .collect();
    rayon::slice::ParallelSliceMut::par_sort_unstable(&mut order[..]);
    if append && order.is_empty() {
        return Ok((gen, lists));
    }
    // The fragments written a piece at a time (at 100,000 items a new
    // store is hundreds of megabytes: never assembled in memory).
    let mut write = |w: &mut dyn Write| -> std::io::Result<()> {
        let mut at = base;
        if !append {
            let h = store_header(gen);
            w.write_all(h.as_bytes())?;
            at += h.len();
        }
        for (name, id) in &order {
            let Some(fr) = lists.get_mut(name).and_then(|l| l.get_mut(id)) else { continue };
            let text = match &fr.bytes {
                Bytes::Stored { off, len, .. } => store.get(*off..off.saturating_add(*len)).unwrap_or_default(),
                Bytes::New(s) => s,
            };
            w.write_all(text.as_bytes())?;
            let stored = Bytes::Stored { off: at, len: text.len(), crc: crc32fast::hash(text.as_bytes()) };
            at += text.len();
            fr.bytes = stored;
        }
        Ok(())
    };
    if append {
        let file = std::fs::OpenOptions::new().append(true).open(path)?;
        let mut w = std::io::BufWriter::with_capacity(1 << 16, file);
        write(&mut w)?;
        w.flush()?;
    } else {
        crate::util::fs::replace_unsynced_with(path, write)?;
    }
    Ok((gen, lists))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_decodes_to_itself_and_a_damaged_one_to_nothing() {
        let mut s = State { key: [7, 0, 1, u64::MAX], ..State::default() };
        let item = ItemState { sig: 1, path: "a.md".into(), sprint: Some("s1".into()), related: vec!["b".into()] };
        s.items.insert("a".into(), item);
        let file = FileState { hash: 9, len: 3, mtime_ns: -5, ino: 11 };
        s.jobs.insert("item:a".into(), JobOut { files: vec![("items/a.html".into(), file)] });
        s.spare = Some(vec!["items/b.html".into()]);
        s.dirs.push(("items".into(), 42));
        let mut list = List::default();
        list.insert("a".to_string(), Frag { sig: 5, bytes: Bytes::Stored { off: 25, len: 10, crc: 77 } });
        s.frags.lists.insert("backlog_row|".into(), list);
        s.frags.orders.insert("backlog".into(), Order { sig: 8, items: vec![2, 0, u32::MAX] });
        s.frags.orders.insert("empty".into(), Order { sig: 0, items: Vec::new() });
        s.store_gen = 3;
        let bytes = s.encode();
        assert_eq!(State::decode(&bytes), Some(s.clone()));
        for cut in [0, 1, 8, bytes.len() / 2, bytes.len() - 1] {
            assert_eq!(State::decode(&bytes[..cut]), None, "truncated at {cut}");
        }
        let mut bad = bytes.clone();
        bad[20] ^= 1;
        assert_eq!(State::decode(&bad), None);
        // Saved a piece at a time, across many of the writer's chunks: the
        // same state back.
        for k in 0..5000 {
            let file = FileState { hash: k, len: k, mtime_ns: k as i128, ino: k };
            s.jobs.insert(format!("item:{k:05}"), JobOut { files: vec![(format!("items/{k:05}.html"), file)] });
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("site-x.bin");
        s.save(&path).unwrap();
        assert!(std::fs::metadata(&path).unwrap().len() > 2 * W::CHUNK as u64);
        assert_eq!(State::load(&path), Some(s.clone()));
        assert_eq!(std::fs::read(&path).unwrap(), s.encode());
    }

    fn fresh(list: &[(&str, u64, &str)]) -> Fragments {
        let mut l = List::default();
        for (id, sig, text) in list {
            l.insert(id.to_string(), Frag { sig: *sig, bytes: Bytes::New(Arc::from(*text)) });
        }
        Fragments { store: Arc::default(), lists: [("l".to_string(), l)].into_iter().collect(), ..Default::default() }
    }

    /// The text of every fragment of a saved list, read back from the store file.
    fn read_back(path: &Path, gen: u64, lists: BTreeMap<String, List>) -> Vec<(String, String)> {
        let f = Fragments { store: load_store(path, gen).expect("the store"), lists, ..Default::default() };
        let mut v: Vec<(String, String)> = f.lists["l"]
            .iter()
            .map(|(id, fr)| (id.clone(), f.bytes(fr).expect("a stored range").as_ref().to_string()))
            .collect();
        v.sort();
        v
    }

    #[test]
    fn only_the_newest_states_are_kept_with_their_stores() {
        let dir = tempfile::tempdir().unwrap();
        let at = |k: u64| dir.path().join(format!("site-{k:016x}.bin"));
        let t0 = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
        for k in 0..12u64 {
            std::fs::write(at(k), b"state").unwrap();
            std::fs::write(store_path(&at(k)), b"store").unwrap();
            std::fs::create_dir(at(k).with_extension("spare")).unwrap();
            let f = std::fs::File::options().write(true).open(at(k)).unwrap();
            f.set_modified(t0 + std::time::Duration::from_secs(k)).unwrap();
        }
        std::fs::write(dir.path().join("items.bin"), b"cache").unwrap();
        // The current state is the oldest one: it stays, with the 7 newest.
        prune(&at(0));
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        let mut want: Vec<String> = [0u64, 5, 6, 7, 8, 9, 10, 11]
            .iter()
            .flat_map(|k| {
                [format!("site-{k:016x}.bin"), format!("site-{k:016x}.frags"), format!("site-{k:016x}.spare")]
            })
            .collect();
        want.push("items.bin".into());
        want.sort();
        assert_eq!(left, want);
    }

    #[test]
    fn the_store_is_appended_to_and_written_anew_once_mostly_unused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("site-1.frags");
        let (gen, lists) = save_store(&path, fresh(&[("a", 1, "<a>"), ("b", 2, "<b>")]), 0).unwrap();
        assert_ne!(gen, 0);
        let first_len = std::fs::metadata(&path).unwrap().len();
        assert_eq!(read_back(&path, gen, lists.clone()), [("a".into(), "<a>".into()), ("b".into(), "<b>".into())]);
        // b changed: only its new text is appended, a's range stays.
        let mut next = Fragments { store: load_store(&path, gen).unwrap(), lists: lists.clone(), ..Default::default() };
        next.lists.get_mut("l").unwrap().insert("b".into(), Frag { sig: 3, bytes: Bytes::New(Arc::from("<B>")) });
        let (gen2, lists2) = save_store(&path, next, gen).unwrap();
        assert_eq!(gen2, gen, "appended to the same store");
        assert_eq!(std::fs::metadata(&path).unwrap().len(), first_len + 3);
        assert_eq!(lists2["l"]["a"], lists["l"]["a"]);
        assert_eq!(read_back(&path, gen2, lists2.clone()), [("a".into(), "<a>".into()), ("b".into(), "<B>".into())]);
        // A state naming another generation reads no store.
        assert!(load_store(&path, gen2 ^ 1).is_none());
        // Once the store is mostly unused (one small fragment left of 1 MB
        // and more), it is written anew with that one alone.
        let big = "x".repeat((1 << 20) + 10);
        let (gen3, lists3) = save_store(&path, fresh(&[("a", 1, &big)]), 0).unwrap();
        let mut small = Fragments { store: load_store(&path, gen3).unwrap(), lists: lists3, ..Default::default() };
        small.lists.get_mut("l").unwrap().insert("a".into(), Frag { sig: 2, bytes: Bytes::New(Arc::from("<a2>")) });
        let (gen4, lists4) = save_store(&path, small, gen3).unwrap();
        assert_ne!(gen4, gen3, "a new store");
        assert!(std::fs::metadata(&path).unwrap().len() < 64);
        assert_eq!(read_back(&path, gen4, lists4), [("a".into(), "<a2>".into())]);
    }
}
