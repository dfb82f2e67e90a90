//! The parse cache in `ROOT/.cairn-cache/items.bin`: every item file's
//! parsed item and load diagnostics, keyed by the file's path, size,
//! modification and change times and inode, and as a whole by cairn's
//! version and the bytes of `cairn.yml`. A later load re-reads and re-parses
//! only the files whose key changed. Anything off (another version, another
//! config, a truncated or corrupt file: every chunk carries a CRC-32) and the
//! cache is ignored and rewritten: it can change how fast a load is, never
//! its result (a test loads with and without it and compares).
//!
//! The file is independent chunks and a header at the end, so that reading
//! and writing run in parallel and never hold the whole file in memory:
//!
//! ```text
//! "CAIRNIC3"
//! chunk bytes …
//! header: format:u32 version:str config:bytes id:u64 base:u64 chunks:u32
//!         (offset:u64 len:u64 crc:u32 entries:u32) × chunks  crc:u32
//! header_len:u32 "CAIRNIC3"
//! ```
//!
//! Two such files: `items.bin`, the base, and `items.delta.bin`, the
//! results the base lacks or holds stale, written on top of one base (its
//! `base` is the base's `id`). A run that re-parses a few files rewrites only
//! the small delta; when the delta grows past an eighth of the files, the
//! base is rewritten whole and the delta removed.
//!
//! Strings are a `u32` length and UTF-8; numbers little-endian.
//!
//! A file changed within [`RACY`] of the moment it was read is not stored:
//! a second edit inside the file system's timestamp granularity could
//! otherwise leave its key unchanged (git's "racy clean" problem).

use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom, Write};

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use chrono::{Datelike, NaiveDate};
use rayon::prelude::*;

use super::codec::{Dec, Enc};
use crate::diag::Diagnostic;
use crate::diag::{Severity, CODES};
use crate::model::{Dependency, FieldValue, Item, Keys, Progress, Reference, Span, Spanned};

const MAGIC: &[u8; 8] = b"CAIRNIC3";
/// Bumped whenever the encoding or the meaning of a parsed item changes.
const FORMAT: u32 = 1;
/// Entries per chunk.
const CHUNK: usize = 2048;
/// Files modified this recently are not cached (see the module docs).
const RACY: Duration = Duration::from_secs(2);

/// What identifies a file's content without reading it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    len: u64,
    mtime_ns: i128,
    ctime_ns: i128,
    ino: u64,
}

impl Stamp {
    pub fn of(meta: &std::fs::Metadata) -> Stamp {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let ns = |s: i64, n: i64| i128::from(s) * 1_000_000_000 + i128::from(n);
            Stamp {
                len: meta.len(),
                mtime_ns: ns(meta.mtime(), meta.mtime_nsec()),
                ctime_ns: ns(meta.ctime(), meta.ctime_nsec()),
                ino: meta.ino(),
            }
        }
        #[cfg(not(unix))]
        {
            let mtime_ns = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
                .map(|d| d.as_nanos() as i128)
                .unwrap_or(0);
            Stamp { len: meta.len(), mtime_ns, ctime_ns: 0, ino: 0 }
        }
    }

    /// The stamp of `rel` (a root-relative path) as `Stamp::of` its
    /// `std::fs::metadata`, looked up in `folder` (the open folder of
    /// `rel`, when there is one) without resolving the path again.
    pub fn at(root: &Path, folder: Option<&crate::util::fs::Folder>, rel: &str) -> Option<Stamp> {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        match folder.and_then(|f| f.stat(name)) {
            Some((len, mtime_ns, ctime_ns, ino)) => Some(Stamp { len, mtime_ns, ctime_ns, ino }),
            None => std::fs::metadata(root.join(rel)).ok().map(|m| Stamp::of(&m)),
        }
    }

    /// Whether the file changed so shortly before `read_at` that a later
    /// change might not move its stamp.
    pub fn is_racy(&self, read_at: SystemTime) -> bool {
        let at = read_at.duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_nanos() as i128).unwrap_or(0);
        self.mtime_ns + RACY.as_nanos() as i128 > at
    }
}

/// One file's load result: its item, if it has one, and its diagnostics.
pub type Parsed = (Option<Item>, Vec<Diagnostic>);

/// A cached file: path, stamp and result. Results are boxed so that moving
/// them out one by one frees their memory as it goes.
type Cached = (String, Stamp, Option<Box<Parsed>>);

/// Where a cached result came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layer {
    Base,
    Delta,
}

/// The cache as read: the base file's entries and those of the delta file
/// written on top of it (both sorted by path; the delta wins).
#[derive(Default)]
pub struct Cache {
    base: Vec<Cached>,
    delta: Vec<Cached>,
    /// The base file's id (0: no base).
    base_id: u64,
    /// Where the last [`Cache::take`] left each list.
    base_at: usize,
    delta_at: usize,
}

impl Cache {
    /// Reads the cache if it exists and matches `config` (the bytes of
    /// `cairn.yml`, empty without one) and this version; empty otherwise.
    pub fn read(root: &Path, config: &[u8]) -> Cache {
        let Some((base_id, _, base)) = read_file(&path(root), config) else { return Cache::default() };
        let delta = match read_file(&delta_path(root), config) {
            Some((_, on, delta)) if on == base_id => delta,
            _ => Vec::new(),
        };
        Cache { base, delta, base_id, base_at: 0, delta_at: 0 }
    }

    /// Whether there is nothing cached.
    pub fn is_empty(&self) -> bool {
        self.base.is_empty() && self.delta.is_empty()
    }

    /// Entries in the base file (some may be of files since removed).
    pub fn base_len(&self) -> usize {
        self.base.len()
    }

    /// Takes the cached result for `path` if its stamp is `stamp`. Paths
    /// asked for in order are found by a walk along each sorted list (a
    /// load asks in path order); any other order by a binary search.
    pub fn take(&mut self, path: &str, stamp: &Stamp) -> Option<(Parsed, Layer)> {
        let find = |v: &mut Vec<Cached>, at: &mut usize| -> Option<Option<Parsed>> {
            while v.get(*at).is_some_and(|(p, _, _)| p.as_str() < path) {
                *at += 1;
            }
            let i = match v.get(*at) {
                Some((p, _, _)) if p == path => *at,
                _ if v.get(at.wrapping_sub(1)).is_some_and(|(p, _, _)| p.as_str() < path) => return None,
                _ => v.binary_search_by(|(p, _, _)| p.as_str().cmp(path)).ok()?,
            };
            let (_, cached, parsed) = &mut v[i];
            Some(if cached == stamp { parsed.take().map(|b| *b) } else { None })
        };
        // An entry in the delta replaces the base's, even when stale.
        match find(&mut self.delta, &mut self.delta_at) {
            Some(found) => found.map(|p| (p, Layer::Delta)),
            None => find(&mut self.base, &mut self.base_at).flatten().map(|p| (p, Layer::Base)),
        }
    }
}

pub fn path(root: &Path) -> PathBuf {
    root.join(".cairn-cache").join("items.bin")
}

pub fn delta_path(root: &Path) -> PathBuf {
    root.join(".cairn-cache").join("items.delta.bin")
}

/// Reads one cache file: its id, the id of the base it sits on (0 for a
/// base) and its entries; `None` if it is missing, for another config or
/// version, or damaged.
fn read_file(file_path: &Path, config: &[u8]) -> Option<(u64, u64, Vec<Cached>)> {
    let mut f = std::fs::File::open(file_path).ok()?;
    let file_len = f.metadata().ok()?.len();
    let mut start = [0u8; 8];
    f.read_exact(&mut start).ok()?;
    let mut end = [0u8; 12];
    f.seek(SeekFrom::Start(file_len.checked_sub(12)?)).ok()?;
    f.read_exact(&mut end).ok()?;
    let (head_len, magic) = end.split_at(4);
    let head_len = u32::from_le_bytes(head_len.try_into().ok()?) as u64;
    if start != *MAGIC || magic != MAGIC || head_len + 12 + 8 > file_len {
        return None;
    }
    let mut head = vec![0u8; usize::try_from(head_len).ok()?];
    f.seek(SeekFrom::Start(file_len - 12 - head_len)).ok()?;
    f.read_exact(&mut head).ok()?;
    let (head, crc) = head.split_at(head.len().checked_sub(4)?);
    if crc32fast::hash(head).to_le_bytes() != crc {
        return None;
    }
    let mut d = Dec::new(head);
    if d.u32()? != FORMAT || d.str()? != crate::util::build_key() {
        return None;
    }
    let cfg_len = d.u32()? as usize;
    if d.take(cfg_len)? != config {
        return None;
    }
    let (id, base) = (d.u64()?, d.u64()?);
    let chunks = d.u32()? as usize;
    let mut table = Vec::with_capacity(chunks.min(head.len() / 24));
    for _ in 0..chunks {
        table.push((d.u64()?, d.u64()?, d.u32()?, d.u32()?));
    }
    // Every chunk lies before the header: no read past it, no allocation
    // larger than the file, whatever the table says.
    let data_end = file_len - 12 - head_len;
    if !d.at_end() || table.iter().any(|&(offset, len, _, _)| offset.checked_add(len).is_none_or(|e| e > data_end)) {
        return None;
    }
    let decoded: Option<Vec<Vec<Cached>>> = table
        .par_iter()
        .map(|&(offset, len, crc, count)| {
            let mut f = std::fs::File::open(file_path).ok()?;
            f.seek(SeekFrom::Start(offset)).ok()?;
            let mut buf = vec![0u8; usize::try_from(len).ok()?];
            f.read_exact(&mut buf).ok()?;
            if crc32fast::hash(&buf) != crc {
                return None;
            }
            let mut d = Dec::new(&buf);
            let entries = (0..count).map(|_| entry(&mut d)).collect::<Option<Vec<_>>>()?;
            d.at_end().then_some(entries)
        })
        .collect();
    let entries: Vec<_> = decoded?.into_iter().flatten().collect();
    entries.windows(2).all(|w| w[0].0 < w[1].0).then_some((id, base, entries))
}

/// One file to cache: its path, stamp, item and diagnostics, and where the
/// result came from (`None`: parsed in this run).
pub type Entry<'a> = (&'a str, Stamp, Option<&'a Item>, &'a [Diagnostic], Option<Layer>);

/// Saves what a load read at `read_at` found (`entries`, one per file, any
/// order) on top of the cache it started from (`cache`, once its results
/// were taken). Only results the base does not hold are written, to the
/// small delta file, until they are many (or the base holds many removed
/// files): then the whole base is rewritten and the delta removed. Writes
/// are atomic and do not wait for the disk (a torn file fails its CRC and is
/// ignored); failures are ignored: a read-only root just goes uncached.
pub fn save(root: &Path, config: &[u8], read_at: SystemTime, cache: &Cache, entries: &[Entry]) {
    let entries: Vec<&Entry> = entries.iter().filter(|e| !e.1.is_racy(read_at)).collect();
    let fresh: Vec<&Entry> = entries.iter().copied().filter(|e| e.4 != Some(Layer::Base)).collect();
    let parsed_now = entries.iter().any(|e| e.4.is_none());
    let n = entries.len();
    let whole = cache.base_id == 0 || fresh.len() > (n / 8).max(512) || cache.base_len() > n + n / 4 + 512;
    let id = new_id();
    if whole {
        if write_file(&path(root), config, id, 0, entries) {
            let _ = std::fs::remove_file(delta_path(root));
        }
    } else if parsed_now || fresh.len() != cache.delta.len() {
        write_file(&delta_path(root), config, id, cache.base_id, fresh);
    }
}

/// A parse-cache write left for later: what [`save`] needs but the items,
/// which it takes from the loaded backlog ([`crate::load::load_cached_deferred`]).
pub struct Pending {
    root: PathBuf,
    config: Vec<u8>,
    read_at: SystemTime,
    cache: Cache,
    /// The files read, root-relative (set once the load no longer needs them).
    pub(super) files: Vec<String>,
    stamps: Vec<Option<Stamp>>,
    layers: Vec<Option<Layer>>,
    /// The files with load diagnostics (by index, in order), and theirs.
    diags: Vec<(usize, Vec<Diagnostic>)>,
}

impl Pending {
    /// What a load read just now would save: one stamp, layer and list of
    /// diagnostics per file, in the files' order.
    pub(super) fn new(
        root: &Path,
        config: &[u8],
        cache: Cache,
        stamps: Vec<Option<Stamp>>,
        layers: Vec<Option<Layer>>,
        diags: &[Vec<Diagnostic>],
    ) -> Pending {
        Pending {
            root: root.to_path_buf(),
            config: config.to_vec(),
            read_at: SystemTime::now(),
            cache,
            files: Vec::new(),
            stamps,
            layers,
            diags: diags.iter().enumerate().filter(|(_, d)| !d.is_empty()).map(|(i, d)| (i, d.clone())).collect(),
        }
    }

    /// Saves the cache as [`save`] would have at the end of the load, with
    /// the items of `backlog`, the backlog that load returned.
    pub fn write(self, backlog: &crate::load::Backlog) {
        // A file has at most one item, whose path is the file's.
        let mut by_path: Vec<&Item> = backlog.items.iter().collect();
        by_path.sort_unstable_by(|a, b| a.path.cmp(&b.path));
        let item = |p: &str| by_path.binary_search_by(|i| i.path.as_str().cmp(p)).ok().map(|k| by_path[k]);
        let mut diags = self.diags.iter().peekable();
        let entries: Vec<Entry> = (0..self.files.len())
            .filter_map(|i| {
                let d: &[Diagnostic] = match diags.next_if(|(j, _)| *j == i) {
                    Some((_, d)) => d,
                    None => &[],
                };
                let stamp = self.stamps.get(i).copied().flatten()?;
                let layer = self.layers.get(i).copied().flatten();
                Some((self.files[i].as_str(), stamp, item(&self.files[i]), d, layer))
            })
            .collect();
        save(&self.root, &self.config, self.read_at, &self.cache, &entries);
    }
}

/// A new file id: nonzero, different from the last one.
fn new_id() -> u64 {
    let t = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(1);
    (t ^ u64::from(std::process::id()).rotate_left(40)).max(1)
}

/// Writes one cache file atomically; whether it was written.
fn write_file(target: &Path, config: &[u8], id: u64, base: u64, mut entries: Vec<&Entry>) -> bool {
    entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let Some(dir) = target.parent() else { return false };
    if std::fs::create_dir_all(dir).is_err() {
        return false;
    }
    let name = target.file_name().and_then(|n| n.to_str()).unwrap_or("items");
    // Unique per process and call: two loads of one root in one process
    // (threads, tests) must not write the same temporary file.
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(".{name}.cairn-tmp-{}-{seq}", std::process::id()));
    let written = (|| {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        f.write_all(MAGIC)?;
        // Chunks are encoded a few at a time in parallel and written as
        // they come: memory stays a few chunks, not the whole file.
        let mut table = Vec::new();
        let mut offset = MAGIC.len() as u64;
        for group in entries.chunks(CHUNK * 4) {
            let encoded: Vec<(Vec<u8>, u32, u32)> = group
                .par_chunks(CHUNK)
                .map(|c| {
                    let mut e = Enc::default();
                    for entry in c {
                        put_entry(&mut e, entry);
                    }
                    let crc = crc32fast::hash(&e.0);
                    (e.0, crc, c.len() as u32)
                })
                .collect();
            for (bytes, crc, count) in encoded {
                f.write_all(&bytes)?;
                table.push((offset, bytes.len() as u64, crc, count));
                offset += bytes.len() as u64;
            }
        }
        let mut head = Enc::default();
        head.u32(FORMAT);
        head.str(crate::util::build_key());
        head.u32(config.len() as u32);
        head.0.extend_from_slice(config);
        head.u64(id);
        head.u64(base);
        head.u32(table.len() as u32);
        for (offset, len, crc, count) in table {
            head.u64(offset);
            head.u64(len);
            head.u32(crc);
            head.u32(count);
        }
        let crc = crc32fast::hash(&head.0);
        head.u32(crc);
        f.write_all(&head.0)?;
        f.write_all(&(head.0.len() as u32).to_le_bytes())?;
        f.write_all(MAGIC)?;
        f.into_inner().map_err(|e| e.into_error())?;
        std::fs::rename(&tmp, target)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
        return false;
    }
    let gi = dir.join(".gitignore");
    if !gi.exists() {
        let _ = crate::util::fs::write_atomic(&gi, b"*\n");
    }
    true
}

// ---- the listing ----

/// `ROOT/.cairn-cache/files.bin`: the item files the last walk found, and
/// the stamp of every folder it read. Adding, removing or renaming an entry
/// changes its folder's stamp, so while every folder's stamp is the same,
/// a walk would find the same files and the listing stands in for it (the
/// files themselves are still stamped one by one: an edit in place changes
/// no folder). Written only after a walk that met no symbolic link and
/// reported nothing, and not when a folder changed shortly before the walk
/// (see [`RACY`]) — but for the root: making `.cairn-cache/` itself
/// changes the root's stamp, so on a backlog's first run the root has
/// always just changed. A root that changed within [`RACY`] is written
/// with the entries the walk saw in it (names and types, but the hidden
/// ones the walk skips), and the listing stands for it only while the
/// root's stamp is the same *and* it holds those entries (read again: a
/// few names), as git checks a racy-clean file's content.
///
/// ```text
/// "CAIRNFL2" format:u32 version:str config:bytes
/// folders:u32 (path:str stamp)× files:u32 path:str×
/// racy_root:u8 entries:u32 (name:str type:u8)×  crc:u32
/// ```
pub struct Listing;

const LIST_MAGIC: &[u8; 8] = b"CAIRNFL2";

/// What a walk read, for the listing: every folder (root-relative, `""`
/// for the root), and the root's entries that are not hidden (name and
/// [`entry_type`]), sorted or not.
pub struct Folders {
    pub paths: Vec<String>,
    pub root: Vec<(String, u8)>,
}

/// A folder entry's type as the listing stores it: 1 a folder, 2 a file,
/// 3 a symbolic link, 0 anything else (not following links).
pub fn entry_type(t: &std::fs::FileType) -> u8 {
    if t.is_dir() {
        1
    } else if t.is_file() {
        2
    } else if t.is_symlink() {
        3
    } else {
        0
    }
}

/// The root's entries the walk reads (not hidden: no leading `.` or
/// `_`), sorted; `None` if the root cannot be read.
fn root_entries(root: &Path) -> Option<Vec<(String, u8)>> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(root).ok()? {
        let e = e.ok()?;
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name.starts_with('_') {
            continue;
        }
        out.push((name, entry_type(&e.file_type().ok()?)));
    }
    out.sort();
    Some(out)
}

/// A listing's contents, as its bytes hold them.
struct Listed<'a> {
    folders: Vec<(&'a str, Stamp)>,
    files: Vec<&'a str>,
    /// The root had just changed when the listing was written: its
    /// `entries` are compared again.
    racy_root: bool,
    entries: Vec<(String, u8)>,
}

impl<'a> Listed<'a> {
    /// The listing in `bytes`, if it is whole and for this build of cairn
    /// and `config`.
    fn decode(bytes: &'a [u8], config: &[u8]) -> Option<Listed<'a>> {
        let rest = bytes.strip_prefix(LIST_MAGIC)?;
        let (body, crc) = rest.split_at(rest.len().checked_sub(4)?);
        if crc32fast::hash(body).to_le_bytes() != crc {
            return None;
        }
        let mut d = Dec::new(body);
        if d.u32()? != FORMAT || d.str()? != crate::util::build_key() {
            return None;
        }
        let cfg_len = d.u32()? as usize;
        if d.take(cfg_len)? != config {
            return None;
        }
        let folders = d.seq(|d| Some((d.str()?, stamp(d)?)))?;
        let files = d.seq(Dec::str)?;
        let racy_root = d.u8()?;
        let entries = d.seq(|d| Some((d.string()?, d.u8()?)))?;
        if !d.at_end() || racy_root > 1 {
            return None;
        }
        Some(Listed { folders, files, racy_root: racy_root == 1, entries })
    }

    /// Whether the root still holds the entries of a root that had just
    /// changed (read again: a few names); always for any other.
    fn root_stands(&self, root: &Path) -> bool {
        !self.racy_root || root_entries(root).is_some_and(|now| now == self.entries)
    }
}

impl Listing {
    pub fn path(root: &Path) -> PathBuf {
        root.join(".cairn-cache").join("files.bin")
    }

    /// The item files, sorted, if the listing exists, is for this version
    /// and `config` (the bytes of `cairn.yml`), and no folder it names
    /// changed; `None` otherwise.
    pub fn read(root: &Path, config: &[u8]) -> Option<Vec<String>> {
        Self::read_with(root, config, |files| files.iter().map(|f| f.to_string()).collect())
    }

    /// [`Listing::read`], handing the item files to `f` as they are in the
    /// listing's bytes (no string made per file: the query index stamps
    /// and compares 100,000 of them, and keeps none).
    pub fn read_with<R>(root: &Path, config: &[u8], f: impl FnOnce(&[&str]) -> R) -> Option<R> {
        let bytes = std::fs::read(Self::path(root)).ok()?;
        let l = Listed::decode(&bytes, config)?;
        let same = l
            .folders
            .par_iter()
            .all(|(rel, s)| std::fs::metadata(root.join(rel)).is_ok_and(|m| m.is_dir() && Stamp::of(&m) == *s));
        (same && l.root_stands(root)).then(|| f(&l.files))
    }

    /// [`Listing::read`], but a listing some of whose folders changed is
    /// brought up to date by reading those folders again rather than
    /// walking the whole root: an editor that saves by writing a new file
    /// and renaming it over the old one (and `sed -i`, `git checkout`)
    /// changes the file's folder. Only a change that a walk would see the
    /// same way is read so: not the root's, not a folder added or removed,
    /// no symbolic link, no name that is not UTF-8, at most a few folders
    /// (anything else: `None`, and the caller walks). `is_item` is the
    /// walk's test of a root-relative file path. With `save`, the listing
    /// is written again with the new stamps (unless a folder changed too
    /// recently to trust its stamp: see [`RACY`]).
    pub fn read_refreshing(
        root: &Path,
        config: &[u8],
        save: bool,
        is_item: impl Fn(&str) -> bool,
    ) -> Option<Vec<String>> {
        let started = SystemTime::now();
        let bytes = std::fs::read(Self::path(root)).ok()?;
        let l = Listed::decode(&bytes, config)?;
        let folders = &l.folders;
        let now: Vec<Option<Stamp>> = folders
            .par_iter()
            .map(|(rel, _)| std::fs::metadata(root.join(rel)).ok().filter(|m| m.is_dir()).map(|m| Stamp::of(&m)))
            .collect();
        let mut changed = Vec::new();
        for (k, ((rel, was), now)) in folders.iter().zip(&now).enumerate() {
            match now {
                None => return None,
                Some(s) if s != was => {
                    if rel.is_empty() || changed.len() == 8 {
                        return None;
                    }
                    changed.push(k);
                }
                Some(_) => {}
            }
        }
        if !l.root_stands(root) {
            return None;
        }
        if changed.is_empty() {
            return Some(l.files.iter().map(|f| f.to_string()).collect());
        }
        fn parent(rel: &str) -> &str {
            rel.rsplit_once('/').map_or("", |(p, _)| p)
        }
        let known: std::collections::HashSet<&str> = folders.iter().map(|(r, _)| *r).collect();
        let mut files: Vec<String> = l.files.iter().map(|f| f.to_string()).collect();
        for &k in &changed {
            let dir = folders[k].0;
            let mut subfolders = 0usize;
            let mut found = Vec::new();
            for e in std::fs::read_dir(root.join(dir)).ok()? {
                let e = e.ok()?;
                let name = e.file_name();
                let name = name.to_str()?;
                if name.starts_with('.') || name.starts_with('_') {
                    continue;
                }
                let t = e.file_type().ok()?;
                let rel = format!("{dir}/{name}");
                if t.is_symlink() {
                    return None;
                }
                if t.is_dir() {
                    if !known.contains(rel.as_str()) {
                        return None;
                    }
                    subfolders += 1;
                } else if t.is_file() && is_item(&rel) {
                    found.push(rel);
                }
            }
            // A folder removed: a walk would not list its files.
            if folders.iter().filter(|(r, _)| !r.is_empty() && parent(r) == dir).count() != subfolders {
                return None;
            }
            files.retain(|f| parent(f) != dir);
            files.append(&mut found);
        }
        files.sort_unstable();
        // A folder changed just now may change again within its stamp's
        // precision: the listing is left as it was (the next run reads the
        // folder again) rather than written with a stamp not to be trusted.
        let settled = changed.iter().all(|&k| now[k].is_some_and(|s| !s.is_racy(started)));
        if save && settled {
            let paths = folders.iter().map(|(r, _)| r.to_string()).collect();
            let root_entries = if l.racy_root { l.entries } else { Vec::new() };
            Self::save(root, config, started, &Folders { paths, root: root_entries }, &files);
        }
        Some(files)
    }

    /// Saves the listing of a walk that began at `started`: `folders` are
    /// the folders it read, `files` what it found (sorted). Stamps the
    /// folders now: one changed since `started` has a recent time and
    /// leaves no listing. Failures are ignored (no listing, a walk next
    /// time).
    pub fn save(root: &Path, config: &[u8], started: SystemTime, folders: &Folders, files: &[String]) {
        let target = Self::path(root);
        // The cache folder first: making it changes the root's stamp.
        if target.parent().is_none_or(|dir| std::fs::create_dir_all(dir).is_err()) {
            return;
        }
        // (stamp, racy): only the root may be racy (see above).
        let stamps: Option<Vec<(Stamp, bool)>> = folders
            .paths
            .par_iter()
            .map(|rel| {
                let m = std::fs::metadata(root.join(rel)).ok()?;
                let s = Stamp::of(&m);
                let racy = s.is_racy(started);
                (m.is_dir() && (!racy || rel.is_empty())).then_some((s, racy))
            })
            .collect();
        let Some(stamps) = stamps else {
            let _ = std::fs::remove_file(&target);
            return;
        };
        let racy_root = stamps.iter().zip(&folders.paths).any(|((_, racy), rel)| *racy && rel.is_empty());
        let mut entries = folders.root.clone();
        entries.sort();
        let mut e = Enc::default();
        e.0.extend_from_slice(LIST_MAGIC);
        e.u32(FORMAT);
        e.str(crate::util::build_key());
        e.u32(config.len() as u32);
        e.0.extend_from_slice(config);
        e.u32(folders.paths.len() as u32);
        for (rel, (s, _)) in folders.paths.iter().zip(&stamps) {
            e.str(rel);
            put_stamp(&mut e, s);
        }
        e.seq(files, |e, f| e.str(f));
        e.u8(u8::from(racy_root));
        let entries: &[(String, u8)] = if racy_root { &entries } else { &[] };
        e.seq(entries, |e, (name, t)| {
            e.str(name);
            e.u8(*t);
        });
        let crc = crc32fast::hash(&e.0[LIST_MAGIC.len()..]);
        e.u32(crc);
        let _ = write_whole(&target, &e.0);
    }
}

/// Writes `bytes` to `target` through a temporary file and a rename (not
/// synced: a torn file fails its CRC and is ignored).
fn write_whole(target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = target.parent().ok_or_else(|| std::io::Error::other("no parent folder"))?;
    let written = crate::util::fs::replace_unsynced(target, bytes);
    let gi = dir.join(".gitignore");
    if !gi.exists() {
        let _ = crate::util::fs::write_atomic(&gi, b"*\n");
    }
    written
}

pub(super) fn put_stamp(e: &mut Enc, s: &Stamp) {
    e.u64(s.len);
    e.i128(s.mtime_ns);
    e.i128(s.ctime_ns);
    e.u64(s.ino);
}

pub(super) fn stamp(d: &mut Dec) -> Option<Stamp> {
    Some(Stamp { len: d.u64()?, mtime_ns: d.i128()?, ctime_ns: d.i128()?, ino: d.u64()? })
}

// ---- encoding ----

impl Enc {
    fn spanned(&mut self, s: &Spanned<String>) {
        self.str(&s.value);
        self.span(s.span);
    }
    fn date(&mut self, s: &Spanned<NaiveDate>) {
        self.u32(s.value.num_days_from_ce() as u32);
        self.span(s.span);
    }
    fn json(&mut self, v: &serde_json::Value) {
        self.str(&serde_json::to_string(v).unwrap_or_else(|_| "null".into()));
    }
}

fn put_entry(e: &mut Enc, (path, stamp, item, diags, _): &Entry) {
    e.str(path);
    put_stamp(e, stamp);
    e.opt(item, |e, i| put_item(e, i));
    e.seq(diags, put_diagnostic);
}

fn put_item(e: &mut Enc, item: &Item) {
    // Destructured so that a new field cannot be forgotten here.
    let Item {
        id,
        kind,
        path,
        title,
        status,
        priority,
        assignee,
        reporter,
        created,
        updated,
        due,
        start,
        end,
        goal,
        capacity,
        estimate,
        duration,
        labels,
        sprint,
        parent,
        depends_on,
        blocks,
        relates_to,
        duplicates,
        references,
        ml,
        fields,
        keys,
        body,
        body_line,
        checklist,
        acceptance,
        source,
    } = item;
    e.spanned(id);
    e.spanned(kind);
    e.str(path);
    e.spanned(title);
    e.opt(status, Enc::spanned);
    e.opt(priority, Enc::spanned);
    e.seq(assignee, |e, s| e.str(s));
    e.opt(reporter, |e, s| e.str(s));
    e.opt(created, |e, s| e.str(s));
    e.opt(updated, |e, s| e.str(s));
    e.opt(due, Enc::date);
    e.opt(start, Enc::date);
    e.opt(end, Enc::date);
    e.opt(goal, |e, s| e.str(s));
    e.u32(capacity.len() as u32);
    for (k, v) in capacity {
        e.str(k);
        e.f64(*v);
    }
    e.opt(estimate, |e, v| e.f64(*v));
    e.opt(duration, |e, v| e.f64(*v));
    e.seq(labels, |e, s| e.str(s));
    e.opt(sprint, Enc::spanned);
    e.opt(parent, Enc::spanned);
    e.seq(depends_on, |e, d| {
        e.spanned(&d.id);
        e.opt(&d.lag, |e, (text, days)| {
            e.str(text);
            e.f64(*days);
        });
    });
    e.seq(blocks, Enc::spanned);
    e.seq(relates_to, Enc::spanned);
    e.opt(duplicates, Enc::spanned);
    e.seq(references, |e, r| match r {
        Reference::Item(id) => {
            e.u8(0);
            e.spanned(id);
        }
        Reference::Url { url, title } => {
            e.u8(1);
            e.spanned(url);
            e.opt(title, |e, s| e.str(s));
        }
    });
    e.opt(ml, Enc::json);
    e.u32(fields.len() as u32);
    for (k, v) in fields {
        e.str(k);
        e.json(&v.value);
        e.span(v.span);
    }
    let (known, other) = keys.raw();
    e.seq(known, |e, (i, s)| {
        e.u8(*i);
        e.span(*s);
    });
    e.seq(other, |e, (k, s)| {
        e.str(k);
        e.span(*s);
    });
    e.str(body);
    e.u32(*body_line);
    for p in [checklist, acceptance] {
        e.u32(p.done);
        e.u32(p.total);
    }
    e.u64(*source);
}

fn put_diagnostic(e: &mut Enc, d: &Diagnostic) {
    let Diagnostic { severity, code, message, file, line, column, len, id, help, notes } = d;
    e.u8(matches!(severity, Severity::Warning) as u8);
    e.str(code);
    e.str(message);
    e.str(file);
    e.u32(*line);
    e.u32(*column);
    e.u32(*len);
    e.opt(id, |e, s| e.str(s));
    e.opt(help, |e, s| e.str(s));
    e.seq(notes, |e, n| {
        e.str(&n.message);
        e.str(&n.file);
        e.u32(n.line);
        e.u32(n.column);
        e.u32(n.len);
    });
}

// ---- decoding: every read is checked; `None` means a corrupt cache ----

impl Dec<'_> {
    fn spanned(&mut self) -> Option<Spanned<String>> {
        let value = self.string()?;
        Some(Spanned::new(value, self.span()?))
    }
    fn date(&mut self) -> Option<Spanned<NaiveDate>> {
        let days = i32::try_from(self.u32()?).ok()?;
        let value = NaiveDate::from_num_days_from_ce_opt(days)?;
        Some(Spanned::new(value, self.span()?))
    }
    fn json(&mut self) -> Option<serde_json::Value> {
        serde_json::from_str(self.str()?).ok()
    }
}

fn entry(d: &mut Dec) -> Option<Cached> {
    let path = d.string()?;
    let stamp = stamp(d)?;
    let item = d.opt(item)?;
    let diags = d.seq(diagnostic)?;
    Some((path, stamp, Some(Box::new((item, diags)))))
}

fn item(d: &mut Dec) -> Option<Item> {
    let id = d.spanned()?;
    let kind = d.spanned()?;
    let path = d.string()?;
    let title = d.spanned()?;
    let status = d.opt(Dec::spanned)?;
    let priority = d.opt(Dec::spanned)?;
    let assignee = d.seq(Dec::string)?;
    let reporter = d.opt(Dec::string)?;
    let created = d.opt(Dec::string)?;
    let updated = d.opt(Dec::string)?;
    let due = d.opt(Dec::date)?;
    let start = d.opt(Dec::date)?;
    let end = d.opt(Dec::date)?;
    let goal = d.opt(Dec::string)?;
    let mut capacity = BTreeMap::new();
    for _ in 0..d.u32()? {
        let k = d.string()?;
        capacity.insert(k, d.f64()?);
    }
    let estimate = d.opt(Dec::f64)?;
    let duration = d.opt(Dec::f64)?;
    let labels = d.seq(Dec::string)?;
    let sprint = d.opt(Dec::spanned)?;
    let parent = d.opt(Dec::spanned)?;
    let depends_on = d.seq(|d| {
        let id = d.spanned()?;
        let lag = d.opt(|d| Some((d.string()?, d.f64()?)))?;
        Some(Dependency { id, lag })
    })?;
    let blocks = d.seq(Dec::spanned)?;
    let relates_to = d.seq(Dec::spanned)?;
    let duplicates = d.opt(Dec::spanned)?;
    let references = d.seq(|d| match d.u8()? {
        0 => Some(Reference::Item(d.spanned()?)),
        1 => {
            let url = d.spanned()?;
            Some(Reference::Url { url, title: d.opt(Dec::string)? })
        }
        _ => None,
    })?;
    let ml = d.opt(Dec::json)?;
    let mut fields = BTreeMap::new();
    for _ in 0..d.u32()? {
        let k = d.string()?;
        let value = d.json()?;
        fields.insert(k, FieldValue { value, span: d.span()? });
    }
    let known = d.seq(|d| Some((d.u8()?, d.span()?)))?;
    let other = d.seq(|d| Some((d.string()?, d.span()?)))?;
    let keys = Keys::from_raw(known, other)?;
    let body = d.string()?;
    let body_line = d.u32()?;
    let checklist = Progress { done: d.u32()?, total: d.u32()? };
    let acceptance = Progress { done: d.u32()?, total: d.u32()? };
    let source = d.u64()?;
    Some(Item {
        id,
        kind,
        path,
        title,
        status,
        priority,
        assignee,
        reporter,
        created,
        updated,
        due,
        start,
        end,
        goal,
        capacity,
        estimate,
        duration,
        labels,
        sprint,
        parent,
        depends_on,
        blocks,
        relates_to,
        duplicates,
        references,
        ml,
        fields,
        keys,
        body,
        body_line,
        checklist,
        acceptance,
        source,
    })
}

fn diagnostic(d: &mut Dec) -> Option<Diagnostic> {
    let severity = if d.u8()? == 1 { Severity::Warning } else { Severity::Error };
    let code = d.str()?;
    // Codes are `&'static str`: take the table's own; an unknown code means
    // another build wrote the cache.
    let code: &'static str = CODES.iter().map(|c| c.code).find(|c| *c == code)?;
    let message = d.string()?;
    let file = d.string()?;
    let mut diag = Diagnostic::new(code, &file, Span::new(d.u32()?, d.u32()?, d.u32()?), message);
    diag.severity = severity;
    diag.id = d.opt(Dec::string)?;
    diag.help = d.opt(Dec::string)?;
    diag.notes = d.seq(|d| {
        let message = d.string()?;
        let file = d.string()?;
        Some(crate::diag::Note { message, file, line: d.u32()?, column: d.u32()?, len: d.u32()? })
    })?;
    Some(diag)
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::time::{Duration, SystemTime};

    use crate::load::{load, load_cached, Backlog};

    const CONFIG: &str = "fields:\n  team: { type: enum, values: [growth, data] }\n  impact: { type: number }\n";

    const FULL: &str = "---\ntitle: Everything\nstatus: in_progress\npriority: high\nassignee: [ana, bo]\nreporter: cy\ncreated: 2026-01-02\nupdated: 2026-01-03\ndue: 2026-12-01\nstart: 2026-11-01\nestimate: 5.5\nduration: 3d\nlabels: [a, b]\nsprint: s1\nparent: e1\ndepends_on:\n  - t2\n  - { id: t3, lag: 2d }\nblocks: [t4]\nrelates_to: [t5]\nduplicates: t6\nreferences:\n  - t7\n  - { url: \"https://example.com\", title: Spec }\nml: { model: { id: m1 }, metrics: { f1: 0.9 } }\nteam: data\nimpact: 7\n---\n\n# Everything\n\n- [x] one\n- [ ] two\n\n## Acceptance criteria\n- [x] ok\n";

    /// Sets a file's modification time `ago` in the past (so that it is
    /// not "racy" and gets cached).
    fn age(path: &Path, ago: Duration) {
        let f = std::fs::File::options().append(true).open(path).unwrap();
        f.set_modified(SystemTime::now() - ago).unwrap();
    }

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        age(&p, Duration::from_secs(3600));
    }

    fn fixture() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        write(r, "cairn.yml", CONFIG);
        write(r, "tasks/full.md", FULL);
        write(
            r,
            "sprints/s1.md",
            "---\ntitle: S1\nstart: 2026-11-16\nend: 2026-11-27\ngoal: Ship\ncapacity: { ana: 8, bo: 5.5 }\n---\n",
        );
        write(r, "tasks/dup-key.md", "---\ntitle: a\ntitle: b\nstatus: done\n---\nBody with émoji 🚀 and RTL עברית\n");
        write(r, "tasks/broken.md", "---\ntitle: x\nstatus: [a\n---\n");
        write(r, "tasks/no-fm.md", "# Just markdown\n");
        write(r, "bugs/b1.md", "---\nstatus: backlog\nasignee: ana\n---\n# From heading\n");
        dir
    }

    /// Everything a load produces, as text.
    fn dump(b: &Backlog) -> String {
        format!("{:#?}\n{:#?}\n{}", b.items, b.diagnostics, b.files)
    }

    #[test]
    fn a_cached_load_equals_a_fresh_one() {
        let dir = fixture();
        let fresh = dump(&load(dir.path()).unwrap());
        let first = load_cached(dir.path(), true).unwrap();
        assert!(super::path(dir.path()).is_file(), "the cache is written");
        assert_eq!(dump(&first), fresh);
        let (_, _, cached) = super::read_file(&super::path(dir.path()), CONFIG.as_bytes()).expect("it reads back");
        assert_eq!(cached.len(), 6, "every file is cached, the broken ones too");
        assert_eq!(dump(&load_cached(dir.path(), true).unwrap()), fresh, "loaded from the cache");
    }

    #[test]
    fn changed_added_and_removed_files_are_seen() {
        let dir = fixture();
        let r = dir.path();
        load_cached(r, true).unwrap();
        // Same length, same modification time: only the change time and
        // the content differ.
        let p = r.join("tasks/full.md");
        let before = std::fs::metadata(&p).unwrap().modified().unwrap();
        std::fs::write(&p, FULL.replace("Everything", "Everythinx")).unwrap();
        std::fs::File::options().append(true).open(&p).unwrap().set_modified(before).unwrap();
        write(r, "tasks/new.md", "---\ntitle: New\nstatus: todo\n---\n");
        std::fs::remove_file(r.join("bugs/b1.md")).unwrap();
        let base = std::fs::read(super::path(r)).unwrap();
        let b = load_cached(r, true).unwrap();
        assert_eq!(dump(&b), dump(&load(r).unwrap()));
        assert_eq!(b.get("full").unwrap().title.value, "Everythinx");
        assert!(b.get("new").is_some());
        assert!(b.get("b1").is_none());
        // The two parsed files went to the delta; the base is untouched.
        assert_eq!(std::fs::read(super::path(r)).unwrap(), base);
        let (_, _, delta) = super::read_file(&super::delta_path(r), CONFIG.as_bytes()).unwrap();
        let paths: Vec<&str> = delta.iter().map(|(p, _, _)| p.as_str()).collect();
        assert_eq!(paths, vec!["tasks/full.md", "tasks/new.md"]);
        // Loaded again from base + delta; the delta is not rewritten.
        let delta_bytes = std::fs::read(super::delta_path(r)).unwrap();
        assert_eq!(dump(&load_cached(r, true).unwrap()), dump(&load(r).unwrap()));
        assert_eq!(std::fs::read(super::delta_path(r)).unwrap(), delta_bytes);
        // A delta written on another base is ignored.
        std::fs::remove_file(super::path(r)).unwrap();
        load_cached(r, true).unwrap();
        assert_eq!(dump(&load_cached(r, true).unwrap()), dump(&load(r).unwrap()));
        assert!(!super::delta_path(r).exists(), "a new base drops the old delta");
    }

    /// Sets the modification time of every folder under `root` (and of
    /// `root`) an hour back, so that the listing is saved.
    fn age_folders(root: &Path) {
        for e in walkdir::WalkDir::new(root).into_iter().filter_map(Result::ok).filter(|e| e.file_type().is_dir()) {
            std::fs::File::open(e.path()).unwrap().set_modified(SystemTime::now() - Duration::from_secs(3600)).unwrap();
        }
    }

    fn listed(r: &Path) -> Option<Vec<String>> {
        super::Listing::read(r, CONFIG.as_bytes())
    }

    /// The item files a walk of the root finds.
    fn walked(r: &Path) -> Vec<String> {
        let cfg = crate::config::Config::load(r).unwrap();
        crate::load::walk(r, &cfg).0.into_iter().map(|(_, rel)| rel).collect()
    }

    #[test]
    fn the_listing_stands_for_the_walk_until_a_folder_changes() {
        let dir = fixture();
        let r = dir.path();
        // Folders changed just now (the fixture was just written): no listing.
        load_cached(r, true).unwrap();
        assert_eq!(listed(r), None);
        age_folders(r);
        load_cached(r, true).unwrap();
        assert_eq!(listed(r), Some(walked(r)), "the listing is what a walk finds");
        assert_eq!(dump(&load_cached(r, true).unwrap()), dump(&load(r).unwrap()), "and loads the same backlog");
        assert_eq!(super::Listing::read(r, b"other: config\n"), None, "another config: walked again");

        // Each change to the set of files changes a folder: the listing is
        // ignored, and the load sees the change.
        type Change<'a> = (&'a str, &'a dyn Fn(&Path));
        let changes: [Change; 4] = [
            ("a file added", &|r| write(r, "tasks/added.md", "---\ntitle: Added\nstatus: todo\n---\n")),
            ("a file removed", &|r| std::fs::remove_file(r.join("tasks/no-fm.md")).unwrap()),
            ("a file renamed", &|r| std::fs::rename(r.join("bugs/b1.md"), r.join("bugs/b2.md")).unwrap()),
            ("a folder added", &|r| write(r, "tasks/deeper/inner.md", "---\ntitle: Inner\nstatus: todo\n---\n")),
        ];
        for (what, change) in changes {
            age_folders(r);
            load_cached(r, true).unwrap();
            assert!(listed(r).is_some(), "{what}: listed before the change");
            change(r);
            assert_eq!(listed(r), None, "{what}: the listing no longer stands");
            assert_eq!(dump(&load_cached(r, true).unwrap()), dump(&load(r).unwrap()), "{what}");
        }
        let b = load_cached(r, true).unwrap();
        assert!(b.get("added").is_some() && b.get("inner").is_some() && b.get("b2").is_some());
        assert!(b.get("b1").is_none());
        assert!(!b.diagnostics.iter().any(|d| d.file == "tasks/no-fm.md"));

        // A damaged listing is ignored.
        age_folders(r);
        load_cached(r, true).unwrap();
        let path = super::Listing::path(r);
        let bytes = std::fs::read(&path).unwrap();
        for i in (0..bytes.len()).step_by(5) {
            let mut bad = bytes.clone();
            bad[i] ^= 0x21;
            std::fs::write(&path, &bad).unwrap();
            assert_eq!(listed(r), None, "flipped byte {i} went unnoticed");
        }
    }

    /// A listing whose folders changed is read again folder by folder
    /// when a walk would see the change the same way, and the result is
    /// the walk's; a change it cannot follow (a folder added or removed, a
    /// symbolic link, the root) is left to a walk.
    #[test]
    fn a_changed_folder_is_read_again_instead_of_walking() {
        let dir = fixture();
        let r = dir.path();
        let is_item = |rel: &str| {
            let cfg = crate::config::Config::load(r).unwrap();
            crate::load::is_item_path(rel, &crate::load::ignore_set(&cfg))
        };
        let refreshed = |r: &Path, save: bool| super::Listing::read_refreshing(r, CONFIG.as_bytes(), save, is_item);
        type Change<'a> = (&'a str, &'a dyn Fn(&Path));
        let followed: [Change; 5] = [
            ("a file added", &|r| write(r, "tasks/added.md", "---\ntitle: Added\nstatus: todo\n---\n")),
            ("a file removed", &|r| std::fs::remove_file(r.join("tasks/no-fm.md")).unwrap()),
            ("a file renamed", &|r| std::fs::rename(r.join("bugs/b1.md"), r.join("bugs/b2.md")).unwrap()),
            ("files that are no items", &|r| {
                write(r, "tasks/README.md", "# Tasks\n");
                write(r, "tasks/.draft.md", "---\ntitle: Hidden\n---\n");
                write(r, "tasks/_skip.md", "---\ntitle: Skipped\n---\n");
                write(r, "tasks/notes.txt", "notes\n");
            }),
            ("two folders changed", &|r| {
                write(r, "tasks/more.md", "---\ntitle: More\nstatus: todo\n---\n");
                std::fs::remove_file(r.join("bugs/b2.md")).unwrap();
            }),
        ];
        for (what, change) in followed {
            age_folders(r);
            load_cached(r, true).unwrap();
            assert_eq!(listed(r), Some(walked(r)), "{what}: listed before the change");
            change(r);
            assert_eq!(listed(r), None, "{what}: the listing no longer stands as it is");
            assert_eq!(refreshed(r, false), Some(walked(r)), "{what}: read again, as a walk finds it");
            assert_eq!(dump(&load_cached(r, true).unwrap()), dump(&load(r).unwrap()), "{what}");
            // Changed just now: the listing is left as it was.
            assert_eq!(listed(r), None, "{what}: a stamp of just now is not saved");
            // Changed long enough ago (the root as it was): saved with the
            // new stamps.
            for e in walkdir::WalkDir::new(r).min_depth(1).into_iter().filter_map(Result::ok) {
                if e.file_type().is_dir() {
                    let f = std::fs::File::open(e.path()).unwrap();
                    f.set_modified(SystemTime::now() - Duration::from_secs(3600)).unwrap();
                }
            }
            assert_eq!(refreshed(r, true), Some(walked(r)), "{what}");
            assert_eq!(listed(r), Some(walked(r)), "{what}: saved once settled");
        }
        let not_followed: [Change; 3] = [
            ("a folder added", &|r| write(r, "tasks/deeper/inner.md", "---\ntitle: Inner\nstatus: todo\n---\n")),
            ("a folder removed", &|r| std::fs::remove_dir_all(r.join("tasks/deeper")).unwrap()),
            ("a file at the root", &|r| write(r, "top.md", "---\ntitle: Top\nstatus: todo\n---\n")),
        ];
        for (what, change) in not_followed {
            age_folders(r);
            load_cached(r, true).unwrap();
            assert_eq!(listed(r), Some(walked(r)), "{what}: listed before the change");
            change(r);
            assert_eq!(refreshed(r, false), None, "{what}: left to a walk");
            assert_eq!(dump(&load_cached(r, true).unwrap()), dump(&load(r).unwrap()), "{what}");
        }
        #[cfg(unix)]
        {
            age_folders(r);
            load_cached(r, true).unwrap();
            std::os::unix::fs::symlink(r.join("bugs"), r.join("tasks/link.md")).unwrap();
            assert_eq!(refreshed(r, false), None, "a symbolic link: left to a walk");
            assert_eq!(dump(&load_cached(r, true).unwrap()), dump(&load(r).unwrap()));
        }
    }

    /// On a backlog's first run, making `.cairn-cache/` changes the root
    /// just now: the listing is written all the same, with the root's
    /// entries, and stands while the root holds those entries — not when
    /// an entry the walk saw is gone or one came, even with every folder's
    /// stamp the same.
    #[test]
    fn a_root_changed_just_now_is_listed_with_its_entries() {
        let dir = fixture();
        let r = dir.path();
        let cfg = crate::config::Config::load(r).unwrap();
        let walked: Vec<String> = crate::load::walk(r, &cfg).0.into_iter().map(|(_, rel)| rel).collect();
        age_folders(r);
        assert!(!r.join(".cairn-cache").exists());
        load_cached(r, true).unwrap();
        let root = std::fs::metadata(r).unwrap();
        assert!(
            super::Stamp::of(&root).is_racy(SystemTime::now()),
            "making the cache folder changed the root just now"
        );
        assert_eq!(listed(r), Some(walked.clone()), "listed on the first run");
        assert_eq!(dump(&load_cached(r, true).unwrap()), dump(&load(r).unwrap()));
        // The root's entries, by construction of the fixture (cairn.yml,
        // bugs/, sprints/, tasks/; the cache folder is hidden).
        let entries = |extra: Option<(&str, u8)>| {
            let mut root: Vec<(String, u8)> =
                vec![("bugs".into(), 1), ("cairn.yml".into(), 2), ("sprints".into(), 1), ("tasks".into(), 1)];
            root.extend(extra.map(|(n, t)| (n.to_string(), t)));
            let mut paths = vec![String::new(), "bugs".into(), "sprints".into(), "tasks".into()];
            paths.sort();
            super::Folders { paths, root }
        };
        // Saved as a walk that began just now would save it (the root is
        // racy), with other entries than the root's: the stamps are the
        // same, the entries are not.
        let now = SystemTime::now();
        super::Listing::save(r, CONFIG.as_bytes(), now, &entries(Some(("gone.md", 2))), &walked);
        assert_eq!(listed(r), None, "an entry the walk saw is gone");
        super::Listing::save(r, CONFIG.as_bytes(), now, &entries(None), &walked);
        assert_eq!(listed(r), Some(walked.clone()), "the same entries");
        super::Listing::save(r, CONFIG.as_bytes(), now, &entries(Some(("tasks", 2))), &walked);
        assert_eq!(listed(r), None, "an entry of another type");
        // A file added at the root: walked again, and seen.
        super::Listing::save(r, CONFIG.as_bytes(), now, &entries(None), &walked);
        write(r, "top.md", "---\ntitle: Top\nstatus: todo\n---\n");
        assert_eq!(listed(r), None);
        assert!(load_cached(r, true).unwrap().get("top").is_some());
    }

    #[test]
    fn a_read_only_load_writes_nothing() {
        let dir = fixture();
        let b = load_cached(dir.path(), false).unwrap();
        assert_eq!(dump(&b), dump(&load(dir.path()).unwrap()));
        assert!(!dir.path().join(".cairn-cache").exists());
    }

    #[test]
    fn a_recently_changed_file_is_not_cached() {
        let dir = fixture();
        let r = dir.path();
        std::fs::write(r.join("tasks/fresh.md"), "---\ntitle: Fresh\nstatus: todo\n---\n").unwrap();
        load_cached(r, true).unwrap();
        let (_, _, cached) = super::read_file(&super::path(r), CONFIG.as_bytes()).unwrap();
        assert_eq!(cached.len(), 6, "the file written just now is left out");
        assert!(cached.iter().all(|(p, _, _)| p != "tasks/fresh.md"));
    }

    #[test]
    fn another_config_or_a_damaged_cache_is_ignored() {
        let dir = fixture();
        let r = dir.path();
        load_cached(r, true).unwrap();
        let read = |r: &Path, config: &[u8]| super::read_file(&super::path(r), config);
        assert!(read(r, b"other: config\n").is_none());
        let cache = super::path(r);
        let bytes = std::fs::read(&cache).unwrap();
        // Every single-byte flip and every truncation is caught.
        for i in (0..bytes.len()).step_by(7) {
            let mut bad = bytes.clone();
            bad[i] ^= 0x5a;
            std::fs::write(&cache, &bad).unwrap();
            assert!(read(r, CONFIG.as_bytes()).is_none(), "flipped byte {i} went unnoticed");
            std::fs::write(&cache, &bytes[..i]).unwrap();
            assert!(read(r, CONFIG.as_bytes()).is_none(), "truncation at {i} went unnoticed");
        }
        std::fs::write(&cache, b"garbage").unwrap();
        assert_eq!(dump(&load_cached(r, true).unwrap()), dump(&load(r).unwrap()));
        assert!(read(r, CONFIG.as_bytes()).is_some(), "and rewritten");
        // A changed cairn.yml: parsed again with the new config.
        write(r, "cairn.yml", "fields:\n  team: { type: enum, values: [growth] }\n");
        let b = load_cached(r, true).unwrap();
        assert_eq!(dump(&b), dump(&load(r).unwrap()));
        assert!(b.diagnostics.iter().any(|d| d.code == "E030"), "team: data is no longer allowed");
    }
}
