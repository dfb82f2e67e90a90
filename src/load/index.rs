//! The query index, `ROOT/.cairn-cache/columns.bin`: what `ready`, `impact`
//! and `list --where` compute over, for every item, as columns rather than
//! items, so that a warm query decodes a few large arrays instead of
//! 100,000 items.
//!
//! - every string once, in one table (offset and length into one UTF-8
//!   blob): ids, paths, kinds, statuses, priorities, people, labels,
//!   sprints, `parent:` and `duplicates:` as written, lags as written;
//! - per item (in the backlog's order, by id then path): the string index
//!   of each of those, ranges into one list of string indices for
//!   `assignee` and `labels`, `estimate` and `duration` as numbers, `start`,
//!   `due` and `end` as day numbers, its file, and the facts the rules read,
//!   computed when written by the same rules ([`View`]'s defaults over the
//!   config): first item with its id, work item, sprint, status category;
//! - the graph's edges as index pairs (resolved when written, by
//!   `graph::Graph::build`), with type, lag, origin and span: the graph is
//!   made from them without looking up an id;
//! - every item file of the listing with its stamp.
//!
//! The index stands only while cairn's version (the binary's build key),
//! the bytes of `cairn.yml`, the listing of item files
//! ([`super::cache::Listing`]) and every file's stamp are those it was
//! written with; a file changed within two seconds of the load that wrote
//! the index (the parse cache's racy-clean rule) is written with no stamp,
//! so the index does not stand until a later load writes it again. Anything
//! else — a missing, truncated or corrupt file, a string or item index out
//! of range — and the query loads as every command does. A CRC-32 covers
//! the whole file but the rows' JSON, which is most of it; each row has its
//! own, checked when the row is read ([`Columns::rows_intact`] before a
//! query prints them; [`View::row_json`] never answers a damaged row), so
//! a query reads and checks only the rows it prints. Not with id aliases (`dialect.ids`): they rewrite items'
//! references when loading.
//!
//! The rows a query prints take the item object's other keys (title,
//! checklist, custom fields…) from a JSON object per item written with the
//! index ([`View::row_json`], made by the query's own item object); the
//! body, when asked for, is read from the row's file and parsed
//! ([`Columns::fill`]), the file checked against its stamp again: a file
//! that changed since is not trusted, and the query loads normally.
//!
//! ```text
//! "CAIRNQC1" crc:u32 (of what follows, but the rows' blob)
//! format:u32 version:str config:bytes
//! strings: blob:bytes count:u32 (offset:u32 len:u32)×
//! files: count:u32 (path:u32 stamped:u8 stamp:48 bytes)×
//! items: count:u32 (id path kind status priority sprint parent duplicates:u32
//!        assignee labels:(start:u32 len:u32) estimate duration:(flag:u8 f64)
//!        start due end:i32 flags:u8 category:u8)×
//! lists: count:u32 u32×
//! edges: count:u32 (from to:u32 type:u8 field:u32 lag:(flag:u8 f64)
//!        lag_text:u32 origin:u32 line col len:u32)×
//! rows: blob:bytes count:u32 (offset:u32 len:u32 crc:u32)×
//! ```
//!
//! Numbers are little-endian; a string index of `u32::MAX` is none. The
//! index is written by the queries' own loads (when it did not stand), and
//! only read by them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::cache::Stamp;
use super::codec::{Dec, Enc};
use super::view::View;
use super::{Backlog, LoadError, Stamped};
use crate::config::{Category, Config};
use crate::model::{Item, Span};

const MAGIC: &[u8; 8] = b"CAIRNQC1";
/// Bumped whenever the layout or the meaning of a column changes.
const FORMAT: u32 = 2;
/// No string.
const NONE: u32 = u32::MAX;
/// No date.
const NO_DATE: i32 = i32::MIN;

const NODE: u8 = 1;
const WORK: u8 = 2;
const SPRINT: u8 = 4;

/// Where the index of the backlog at `root` is.
pub fn path(root: &Path) -> PathBuf {
    root.join(".cairn-cache").join("columns.bin")
}

/// One edge of the graph as the index holds it: ends as item indices, the
/// type as its place among `parent`, `depends_on`, `relates_to`,
/// `duplicates`, `references` (0–4) or 5 with the custom field's name.
#[derive(Clone, Debug, PartialEq)]
pub struct IndexEdge<'a> {
    pub from: usize,
    pub to: usize,
    pub ty: u8,
    pub field: Option<&'a str>,
    pub lag: Option<f64>,
    pub lag_text: Option<&'a str>,
    pub origin: usize,
    pub span: Span,
}

/// The columns of the query index (see the module docs): a [`View`] of
/// every item without the items, and the whole items of the rows filled.
pub struct Columns {
    root: PathBuf,
    config: Config,
    /// The index file, mapped; `rows_blob` is a range of it.
    map: Option<memmap2::Mmap>,
    /// The strings' blob, checked as UTF-8 once and copied (a few MB read
    /// by every query; the mapped bytes would be checked at each read).
    text: String,
    strs: Vec<(u32, u32)>,
    files: Vec<(u32, Option<Stamp>)>,
    id: Vec<u32>,
    file: Vec<u32>,
    kind: Vec<u32>,
    status: Vec<u32>,
    priority: Vec<u32>,
    sprint: Vec<u32>,
    parent: Vec<u32>,
    duplicates: Vec<u32>,
    assignee: Vec<(u32, u32)>,
    labels: Vec<(u32, u32)>,
    estimate: Vec<Option<f64>>,
    duration: Vec<Option<f64>>,
    start: Vec<Option<NaiveDate>>,
    due: Vec<Option<NaiveDate>>,
    end: Vec<Option<NaiveDate>>,
    flags: Vec<u8>,
    category: Vec<Option<Category>>,
    lists: Vec<u32>,
    edges: Vec<RawEdge>,
    /// Each item's non-column keys as JSON (see [`View::row_json`]): ranges
    /// into `rows_blob`, and their CRC-32.
    rows: Vec<(u32, u32, u32)>,
    rows_blob: std::ops::Range<usize>,
    /// The rows whose CRC was checked ([`Columns::rows_intact`]).
    checked: Vec<bool>,
    /// The whole items of the rows filled ([`Columns::fill`]).
    full: HashMap<usize, Item>,
}

/// An edge as stored: (from, to, type, field, lag, lag text, origin, span).
type RawEdge = (u32, u32, u8, u32, Option<f64>, u32, u32, Span);

impl Columns {
    /// `len` bytes at `off` in `range` of the mapped file, as text (`None`
    /// out of the range or not UTF-8 there: a damaged index).
    fn slice(&self, range: &std::ops::Range<usize>, off: u32, len: u32) -> Option<&str> {
        let start = range.start.checked_add(off as usize)?;
        let end = start.checked_add(len as usize)?;
        if end > range.end {
            return None;
        }
        std::str::from_utf8(self.map.as_deref()?.get(start..end)?).ok()
    }

    fn s(&self, k: u32) -> Option<&str> {
        let &(off, len) = self.strs.get(k as usize)?;
        self.text.get(off as usize..(off as usize).checked_add(len as usize)?)
    }

    fn text(&self, k: u32) -> &str {
        self.s(k).unwrap_or("")
    }

    fn list(&self, (start, len): (u32, u32)) -> Vec<&str> {
        let (a, b) = (start as usize, start as usize + len as usize);
        self.lists.get(a..b).unwrap_or(&[]).iter().map(|&k| self.text(k)).collect()
    }

    /// The graph's edges (see [`IndexEdge`]).
    pub fn edges(&self) -> impl Iterator<Item = IndexEdge<'_>> + '_ {
        self.edges.iter().map(|&raw| self.edge(raw))
    }

    /// The graph's edges, each made into a `T` by `f`, taken out of the
    /// columns (their memory is freed for what the query makes next).
    pub fn take_edges<T>(&mut self, f: impl FnMut(IndexEdge) -> T) -> Vec<T> {
        let raw = std::mem::take(&mut self.edges);
        let out = raw.iter().map(|&r| self.edge(r)).map(f).collect();
        drop(raw);
        out
    }

    fn edge(&self, (from, to, ty, field, lag, lag_text, origin, span): RawEdge) -> IndexEdge<'_> {
        IndexEdge {
            from: from as usize,
            to: to as usize,
            ty,
            field: self.s(field),
            lag,
            lag_text: self.s(lag_text),
            origin: origin as usize,
            span,
        }
    }

    /// Reads and parses the files of `rows` (in parallel), for their whole
    /// items. `false` if any file's stamp is not the index's any more or
    /// its item is not the one indexed (then the index is removed and the
    /// query loads normally).
    pub fn fill(&mut self, rows: &[usize]) -> bool {
        use rayon::prelude::*;
        let mut rows: Vec<usize> = rows.iter().copied().filter(|r| !self.full.contains_key(r)).collect();
        rows.sort_unstable();
        rows.dedup();
        let this = &*self;
        let parsed: Option<Vec<(usize, Item)>> = rows
            .par_iter()
            .map(|&i| {
                let rel = this.path_of(i)?;
                let (_, stamp) = this.files.get(*this.file.get(i)? as usize)?;
                let (bytes, now) = super::read_file(&this.root.join(rel)).ok()?;
                if Some(now) != *stamp {
                    return None;
                }
                let item = super::parse_item_bytes(&bytes, rel, &this.config).0?;
                (item.id() == this.id(i) && item.path == rel).then_some((i, item))
            })
            .collect();
        match parsed {
            Some(items) => {
                self.full.extend(items);
                true
            }
            None => {
                let _ = std::fs::remove_file(path(&self.root));
                false
            }
        }
    }

    /// Whether the stored rows of `rows` are intact (each one's CRC, in
    /// parallel): a query checks the rows it prints before printing any.
    /// If one is not, the index is removed (the query loads normally).
    pub fn rows_intact(&mut self, rows: &[usize]) -> bool {
        use rayon::prelude::*;
        let intact = rows.par_chunks(1024).all(|c| c.iter().all(|&i| self.row_json(i).is_some()));
        if !intact {
            let _ = std::fs::remove_file(path(&self.root));
            return false;
        }
        // Checked: not again when printed.
        self.checked.resize(self.rows.len(), false);
        for &i in rows {
            self.checked[i] = true;
        }
        true
    }

    fn path_of(&self, i: usize) -> Option<&str> {
        let &(p, _) = self.files.get(*self.file.get(i)? as usize)?;
        self.s(p)
    }
}

impl View for Columns {
    fn config(&self) -> &Config {
        &self.config
    }
    fn len(&self) -> usize {
        self.id.len()
    }
    fn item(&self, i: usize) -> Option<&Item> {
        self.full.get(&i)
    }
    /// `None` too for a row whose bytes are not the ones written (its CRC).
    fn row_json(&self, i: usize) -> Option<&str> {
        let &(off, len, crc) = self.rows.get(i)?;
        let row = self.slice(&self.rows_blob, off, len)?;
        (self.checked.get(i) == Some(&true) || crc32fast::hash(row.as_bytes()) == crc).then_some(row)
    }
    fn id(&self, i: usize) -> &str {
        self.text(self.id[i])
    }
    fn find(&self, id: &str) -> Option<usize> {
        // Items are sorted by id: the first at or after `id`.
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.id(mid) < id {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        (lo < self.len() && self.id(lo) == id).then_some(lo)
    }
    fn kind(&self, i: usize) -> &str {
        self.text(self.kind[i])
    }
    fn status(&self, i: usize) -> Option<&str> {
        self.s(self.status[i])
    }
    fn priority_raw(&self, i: usize) -> Option<&str> {
        self.s(self.priority[i])
    }
    fn assignee(&self, i: usize) -> Vec<&str> {
        self.list(self.assignee[i])
    }
    fn labels(&self, i: usize) -> Vec<&str> {
        self.list(self.labels[i])
    }
    fn sprint(&self, i: usize) -> Option<&str> {
        self.s(self.sprint[i])
    }
    fn parent_raw(&self, i: usize) -> Option<&str> {
        self.s(self.parent[i])
    }
    fn duplicates_raw(&self, i: usize) -> Option<&str> {
        self.s(self.duplicates[i])
    }
    fn path(&self, i: usize) -> &str {
        self.path_of(i).unwrap_or("")
    }
    fn estimate(&self, i: usize) -> Option<f64> {
        self.estimate[i]
    }
    fn duration(&self, i: usize) -> Option<f64> {
        self.duration[i]
    }
    fn start(&self, i: usize) -> Option<NaiveDate> {
        self.start[i]
    }
    fn due(&self, i: usize) -> Option<NaiveDate> {
        self.due[i]
    }
    fn end(&self, i: usize) -> Option<NaiveDate> {
        self.end[i]
    }
    fn stores_facts(&self) -> bool {
        true
    }
    fn is_node(&self, i: usize) -> bool {
        self.flags[i] & NODE != 0
    }
    fn is_work(&self, i: usize) -> bool {
        self.flags[i] & WORK != 0
    }
    fn is_sprint(&self, i: usize) -> bool {
        self.flags[i] & SPRINT != 0
    }
    fn category(&self, i: usize) -> Option<Category> {
        self.category[i]
    }
}

/// The columns of the backlog at `root`, if its index stands (see the
/// module docs); `Ok(None)` when it does not (the caller loads normally).
pub fn load(root: &Path) -> Result<Option<Columns>, LoadError> {
    if !root.is_dir() {
        return Err(LoadError::NoRoot(root.to_path_buf()));
    }
    let (config, key) = Config::load_text(root)?;
    if config.dialect.ids.active() {
        return Ok(None);
    }
    let listed = super::cache::Listing::read_with(root, key.as_bytes(), |files| {
        let (read, stamps) = rayon::join(|| read(root, key.as_bytes(), config), || super::stamp_all(root, files));
        let cols = read?;
        let stands = cols.files.len() == files.len()
            && cols
                .files
                .iter()
                .zip(files)
                .zip(&stamps)
                .all(|(((p, s), f), now)| s.is_some() && s == now && cols.s(*p) == Some(*f));
        stands.then_some(cols)
    });
    Ok(listed.flatten())
}

/// Reads and checks the index file; `None` if it is missing, for another
/// version or config, or damaged.
fn read(root: &Path, key: &[u8], config: Config) -> Option<Columns> {
    // Mapped, not read: the strings and rows stay in the page cache and
    // only those a query prints are touched. The file is only ever
    // replaced whole (written beside it, then renamed), so the mapped
    // bytes do not change under us; they are checked (CRC, every offset)
    // before anything is trusted.
    let file = std::fs::File::open(path(root)).ok()?;
    // SAFETY: see above; the file is cairn's own, replaced by rename only.
    let map = unsafe { memmap2::Mmap::map(&file) }.ok()?;
    let bytes: &[u8] = &map;
    let base = MAGIC.len() + 4;
    let rest = bytes.strip_prefix(MAGIC)?;
    let (crc, body) = rest.split_at_checked(4)?;
    // Decoded first (every offset and count checked), then checked whole
    // but the rows' blob (see the module docs).
    let mut d = Dec::new(body);
    if d.u32()? != FORMAT || d.bytes_of()? != crate::util::build_key().as_bytes() || d.bytes_of()? != key {
        return None;
    }
    // The strings' blob is UTF-8 and each string a whole run of its
    // characters: checked once here, not at each string read.
    let text = std::str::from_utf8(d.bytes_of()?).ok()?;
    let blob_len = text.len();
    let nstr = d.count(8)?;
    let mut strs = Vec::with_capacity(nstr);
    for _ in 0..nstr {
        let (off, len) = (d.u32()?, d.u32()?);
        let end = (off as usize).checked_add(len as usize)?;
        if end > blob_len || !text.is_char_boundary(off as usize) || !text.is_char_boundary(end) {
            return None;
        }
        strs.push((off, len));
    }
    let string = |k: u32| (k == NONE || (k as usize) < nstr).then_some(k);
    let nfiles = d.count(53)?;
    let mut files = Vec::with_capacity(nfiles);
    for _ in 0..nfiles {
        let p = d.u32()?;
        if p as usize >= nstr {
            return None;
        }
        let stamped = d.u8()?;
        let stamp = super::cache::stamp(&mut d)?;
        files.push((p, (stamped == 1).then_some(stamp)));
    }
    let n = d.count(70)?;
    let mut c = Columns {
        root: root.to_path_buf(),
        config,
        map: None,
        text: String::new(),
        strs: Vec::new(),
        files: Vec::new(),
        id: Vec::with_capacity(n),
        file: Vec::with_capacity(n),
        kind: Vec::with_capacity(n),
        status: Vec::with_capacity(n),
        priority: Vec::with_capacity(n),
        sprint: Vec::with_capacity(n),
        parent: Vec::with_capacity(n),
        duplicates: Vec::with_capacity(n),
        assignee: Vec::with_capacity(n),
        labels: Vec::with_capacity(n),
        estimate: Vec::with_capacity(n),
        duration: Vec::with_capacity(n),
        start: Vec::with_capacity(n),
        due: Vec::with_capacity(n),
        end: Vec::with_capacity(n),
        flags: Vec::with_capacity(n),
        category: Vec::with_capacity(n),
        lists: Vec::new(),
        edges: Vec::new(),
        rows: Vec::new(),
        rows_blob: 0..0,
        checked: Vec::new(),
        full: HashMap::new(),
    };
    for _ in 0..n {
        let id = d.u32()?;
        if id as usize >= nstr {
            return None;
        }
        c.id.push(id);
        let file = d.u32()?;
        if file as usize >= nfiles {
            return None;
        }
        c.file.push(file);
        let kind = d.u32()?;
        if kind as usize >= nstr {
            return None;
        }
        c.kind.push(kind);
        c.status.push(string(d.u32()?)?);
        c.priority.push(string(d.u32()?)?);
        c.sprint.push(string(d.u32()?)?);
        c.parent.push(string(d.u32()?)?);
        c.duplicates.push(string(d.u32()?)?);
        c.assignee.push((d.u32()?, d.u32()?));
        c.labels.push((d.u32()?, d.u32()?));
        c.estimate.push(d.opt_f64()?);
        c.duration.push(d.opt_f64()?);
        c.start.push(d.day()?);
        c.due.push(d.day()?);
        c.end.push(d.day()?);
        c.flags.push(d.u8()?);
        c.category.push(match d.u8()? {
            0 => None,
            1 => Some(Category::Todo),
            2 => Some(Category::Doing),
            3 => Some(Category::Done),
            _ => return None,
        });
    }
    let nlists = d.count(4)?;
    c.lists = (0..nlists).map(|_| d.u32().and_then(|k| ((k as usize) < nstr).then_some(k))).collect::<Option<_>>()?;
    let in_lists = |(a, len): (u32, u32)| (a as usize).checked_add(len as usize).is_some_and(|e| e <= nlists);
    if !c.assignee.iter().chain(&c.labels).all(|&r| in_lists(r)) {
        return None;
    }
    let nedges = d.count(38)?;
    c.edges.reserve(nedges);
    for _ in 0..nedges {
        let (from, to, ty) = (d.u32()?, d.u32()?, d.u8()?);
        let field = string(d.u32()?)?;
        let lag = d.opt_f64()?;
        let lag_text = string(d.u32()?)?;
        let origin = d.u32()?;
        let span = Span::new(d.u32()?, d.u32()?, d.u32()?);
        if from as usize >= n || to as usize >= n || origin as usize >= n || ty > 5 {
            return None;
        }
        c.edges.push((from, to, ty, field, lag, lag_text, origin, span));
    }
    let rows_len = d.bytes_of()?.len();
    c.rows_blob = base + d.pos - rows_len..base + d.pos;
    if d.count(12)? != n {
        return None;
    }
    for _ in 0..n {
        let (off, len, crc) = (d.u32()?, d.u32()?, d.u32()?);
        if (off as usize).checked_add(len as usize)? > rows_len {
            return None;
        }
        c.rows.push((off, len, crc));
    }
    if d.pos != body.len() {
        return None;
    }
    let (before, after) = (c.rows_blob.start - base, c.rows_blob.end - base);
    let mut h = crc32fast::Hasher::new();
    h.update(&body[..before]);
    h.update(&body[after..]);
    if h.finalize().to_le_bytes() != crc {
        return None;
    }
    (c.text, c.strs, c.files) = (text.to_string(), strs, files);
    c.map = Some(map);
    Some(c)
}

/// Writes the index of backlog `b` (loaded with `cairn.yml`'s bytes `key`,
/// stamping as `stamped` says), its graph's `edges` and each item's
/// non-column keys as a JSON object (`rows`, in item order). Failures are
/// ignored (the next query loads normally and tries again); a backlog with
/// id aliases gets no index.
pub fn save(root: &Path, key: &[u8], b: &Backlog, stamped: &Stamped, edges: &[IndexEdge], rows: &[String]) {
    if b.config.dialect.ids.active() || stamped.files.len() != stamped.stamps.len() || rows.len() != b.items.len() {
        return;
    }
    let Some(bytes) = encode(key, b, stamped, edges, rows) else { return };
    let target = path(root);
    if target.parent().is_none_or(|dir| std::fs::create_dir_all(dir).is_err()) {
        return;
    }
    let _ = crate::util::fs::replace_unsynced(&target, &bytes);
}

fn encode(key: &[u8], b: &Backlog, stamped: &Stamped, edges: &[IndexEdge], rows: &[String]) -> Option<Vec<u8>> {
    let mut t = Strings::default();
    let mut e = Enc::default();
    // Files.
    let mut files = Enc::default();
    files.u32(stamped.files.len() as u32);
    for (f, s) in stamped.files.iter().zip(&stamped.stamps) {
        files.u32(t.add(f));
        match s.filter(|s| !s.is_racy(stamped.started)) {
            Some(s) => {
                files.u8(1);
                super::cache::put_stamp(&mut files, &s);
            }
            None => {
                files.u8(0);
                files.0.extend_from_slice(&[0; 48]);
            }
        }
    }
    // Items.
    let mut items = Enc::default();
    let mut lists: Vec<u32> = Vec::new();
    items.u32(b.items.len() as u32);
    for i in 0..b.items.len() {
        let file = stamped.files.binary_search_by(|f| f.as_str().cmp(b.path(i))).ok()?;
        items.u32(t.add(b.id(i)));
        items.u32(file as u32);
        items.u32(t.add(b.kind(i)));
        for s in [b.status(i), b.priority_raw(i), b.sprint(i), b.parent_raw(i), b.duplicates_raw(i)] {
            items.u32(t.opt(s));
        }
        for list in [b.assignee(i), b.labels(i)] {
            items.u32(lists.len() as u32);
            items.u32(list.len() as u32);
            for s in list {
                lists.push(t.add(s));
            }
        }
        items.opt_f64(b.estimate(i));
        items.opt_f64(b.duration(i));
        for d in [b.start(i), b.due(i), b.end(i)] {
            items.i32(d.map_or(NO_DATE, |d| chrono::Datelike::num_days_from_ce(&d)));
        }
        let flags = (if b.is_node(i) { NODE } else { 0 })
            | (if b.is_work(i) { WORK } else { 0 })
            | (if b.is_sprint(i) { SPRINT } else { 0 });
        items.u8(flags);
        items.u8(match View::category(b, i) {
            None => 0,
            Some(Category::Todo) => 1,
            Some(Category::Doing) => 2,
            Some(Category::Done) => 3,
        });
    }
    // Edges.
    let mut out = Enc::default();
    out.u32(edges.len() as u32);
    for x in edges {
        out.u32(x.from as u32);
        out.u32(x.to as u32);
        out.u8(x.ty);
        out.u32(t.opt(x.field));
        out.opt_f64(x.lag);
        out.u32(t.opt(x.lag_text));
        out.u32(x.origin as u32);
        out.u32(x.span.line);
        out.u32(x.span.col);
        out.u32(x.span.len);
    }
    let Strings { blob, strs, .. } = t;
    if blob.len() > u32::MAX as usize / 2 {
        return None;
    }
    e.u32(FORMAT);
    e.bytes_of(crate::util::build_key().as_bytes());
    e.bytes_of(key);
    e.bytes_of(blob.as_bytes());
    e.u32(strs.len() as u32);
    for &(off, len) in &strs {
        e.u32(off);
        e.u32(len);
    }
    e.0.extend_from_slice(&files.0);
    e.0.extend_from_slice(&items.0);
    e.u32(lists.len() as u32);
    for k in lists {
        e.u32(k);
    }
    e.0.extend_from_slice(&out.0);
    let total: usize = rows.iter().map(String::len).sum();
    if total > u32::MAX as usize / 2 {
        return None;
    }
    e.u32(total as u32);
    let before = e.0.len();
    for r in rows {
        e.0.extend_from_slice(r.as_bytes());
    }
    let after = e.0.len();
    e.u32(rows.len() as u32);
    let mut at = 0u32;
    for r in rows {
        e.u32(at);
        e.u32(r.len() as u32);
        e.u32(crc32fast::hash(r.as_bytes()));
        at += r.len() as u32;
    }
    let mut h = crc32fast::Hasher::new();
    h.update(&e.0[..before]);
    h.update(&e.0[after..]);
    let mut bytes = Vec::with_capacity(e.0.len() + 12);
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&h.finalize().to_le_bytes());
    bytes.extend_from_slice(&e.0);
    Some(bytes)
}

/// The string table being written: each string once.
#[derive(Default)]
struct Strings {
    blob: String,
    strs: Vec<(u32, u32)>,
    seen: HashMap<String, u32>,
}

impl Strings {
    fn add(&mut self, s: &str) -> u32 {
        if let Some(&k) = self.seen.get(s) {
            return k;
        }
        let k = self.strs.len() as u32;
        self.strs.push((self.blob.len() as u32, s.len() as u32));
        self.blob.push_str(s);
        self.seen.insert(s.to_string(), k);
        k
    }
    fn opt(&mut self, s: Option<&str>) -> u32 {
        s.map_or(NONE, |s| self.add(s))
    }
}

impl Enc {
    /// A flag and the number (0 when absent): fixed width.
    fn opt_f64(&mut self, v: Option<f64>) {
        self.u8(u8::from(v.is_some()));
        self.0.extend_from_slice(&v.unwrap_or(0.0).to_le_bytes());
    }
}

impl Dec<'_> {
    fn opt_f64(&mut self) -> Option<Option<f64>> {
        let flag = self.u8()?;
        let v = f64::from_le_bytes(self.array()?);
        match flag {
            0 => Some(None),
            1 => Some(Some(v)),
            _ => None,
        }
    }
    /// A day number ([`NO_DATE`]: none).
    fn day(&mut self) -> Option<Option<NaiveDate>> {
        match self.i32()? {
            NO_DATE => Some(None),
            days => NaiveDate::from_num_days_from_ce_opt(days).map(Some),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
    }

    /// Dates every item file and folder an hour back (older than the
    /// racy-clean window), the cache folder first.
    fn age(root: &Path) {
        std::fs::create_dir_all(root.join(".cairn-cache")).unwrap();
        let at = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        for rel in ["tasks/a.md", "tasks/b.md", "tasks", ""] {
            std::fs::File::open(root.join(rel)).unwrap().set_modified(at).unwrap();
        }
    }

    /// The columns answer as the backlog they were written from does, and
    /// a printed row whose file changed after the index was checked is not
    /// filled (the index is removed): the stamp is checked again.
    #[test]
    fn columns_answer_as_the_backlog_and_a_changed_row_is_not_filled() {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        write(r, "cairn.yml", "name: T\n");
        write(
            r,
            "tasks/a.md",
            "---\ntitle: A\nstatus: ready\nestimate: 3\nassignee: [ana, bo]\ndue: 2026-12-01\n---\n",
        );
        write(r, "tasks/b.md", "---\ntitle: B\nstatus: done\npriority: high\nlabels: [x]\nparent: a\n---\n");
        age(r);
        let (b, stamped, key) = crate::load::load_cached_stamped(r, true).unwrap();
        let stamped = stamped.unwrap();
        let edge =
            IndexEdge { from: 1, to: 0, ty: 0, field: None, lag: None, lag_text: None, origin: 1, span: Span::START };
        let rows = vec!["{\"title\":\"A\"}".to_string(), "{}".to_string()];
        save(r, key.as_bytes(), &b, &stamped, std::slice::from_ref(&edge), &rows);
        let mut c = load(r).unwrap().expect("the index stands");
        assert_eq!(c.len(), 2);
        for i in 0..2 {
            assert_eq!(
                (c.id(i), c.kind(i), c.status(i), c.priority(i), c.assignee(i), c.labels(i)),
                (b.id(i), b.kind(i), b.status(i), b.priority(i), b.assignee(i), b.labels(i))
            );
            assert_eq!(
                (c.estimate(i), c.due(i), c.parent_raw(i), c.path(i)),
                (b.estimate(i), b.due(i), b.parent_raw(i), b.path(i))
            );
            assert_eq!(
                (c.is_node(i), c.is_work(i), View::category(&c, i)),
                (b.is_node(i), b.is_work(i), View::category(&b, i))
            );
        }
        assert_eq!((c.find("a"), c.find("b"), c.find("c")), (Some(0), Some(1), None));
        assert_eq!(c.edges().collect::<Vec<_>>(), vec![edge]);
        assert!(c.item(0).is_none());
        assert_eq!((c.row_json(0), c.row_json(1), c.row_json(2)), (Some("{\"title\":\"A\"}"), Some("{}"), None));
        assert!(c.fill(&[0]));
        assert_eq!(c.item(0).map(|it| it.title.value.as_str()), Some("A"));
        // b changes after the index was checked: its row is not filled.
        write(r, "tasks/b.md", "---\ntitle: B2\nstatus: done\npriority: high\nlabels: [x]\nparent: a\n---\n");
        assert!(!c.fill(&[1]));
        assert!(!path(r).exists(), "the index is removed");
        assert!(load(r).unwrap().is_none());
    }
}
