//! Loading a backlog: finding the item files, splitting front-matter,
//! parsing YAML with positions, building typed items and the id index.
//! Files are parsed in parallel; every problem becomes a diagnostic and the
//! load goes on.

pub mod cache;
mod codec;
pub mod frontmatter;
pub mod ids;
pub mod index;
pub mod item;
pub mod proposals;
pub mod sprints;
pub mod view;
pub mod yaml;

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::config::{Config, ConfigError};
use crate::diag::Diagnostic;
use crate::model::{Item, Span};

/// Items larger than this are refused (E006) rather than parsed.
pub const MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;

/// A loaded backlog: the config, every item (sorted by id, then path), an
/// index from id to item, and the problems found while loading.
#[derive(Debug, Clone)]
pub struct Backlog {
    pub root: PathBuf,
    pub config: Config,
    pub items: Vec<Item>,
    /// id → index in `items` (the first item with that id).
    pub index: crate::util::StrMap<usize>,
    pub diagnostics: Vec<Diagnostic>,
    /// Number of item files read (including ones that did not parse).
    pub files: usize,
}

/// Errors that stop a load altogether (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("backlog root `{0}` does not exist or is not a folder")]
    NoRoot(PathBuf),
    #[error(transparent)]
    Config(#[from] ConfigError),
}

impl Backlog {
    pub fn get(&self, id: &str) -> Option<&Item> {
        self.index.get(id).map(|&i| &self.items[i])
    }

    /// Builds a backlog from already-parsed items (used by `load`, tests and `serve`).
    pub fn from_items(
        root: PathBuf,
        config: Config,
        mut items: Vec<Item>,
        diagnostics: Vec<Diagnostic>,
        files: usize,
    ) -> Backlog {
        items.sort_by(|a, b| a.id.value.cmp(&b.id.value).then_with(|| a.path.cmp(&b.path)));
        let mut index = crate::util::StrMap::with_capacity_and_hasher(items.len(), Default::default());
        for (i, it) in items.iter().enumerate() {
            index.entry(it.id.value.clone()).or_insert(i);
        }
        if config.dialect.ids.active() {
            ids::follow_id_aliases(&config, &mut items, &index);
        }
        Backlog { root, config, items, index, diagnostics, files }
    }

    /// The work items (kinds with the `work` role).
    pub fn work_items(&self) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(|i| self.config.is_work(i.kind()))
    }

    /// The status category of an item, if its status is known.
    pub fn category(&self, item: &Item) -> Option<crate::config::Category> {
        item.status().and_then(|s| self.config.category(item.kind(), s))
    }

    pub fn is_done(&self, item: &Item) -> bool {
        self.category(item) == Some(crate::config::Category::Done)
    }
}

/// Loads the backlog at `root`: reads `cairn.yml`, walks the folder and
/// parses every item file.
pub fn load(root: &Path) -> Result<Backlog, LoadError> {
    if !root.is_dir() {
        return Err(LoadError::NoRoot(root.to_path_buf()));
    }
    let config = Config::load(root)?;
    Ok(load_with(root, config))
}

/// Like [`load`], but reuses the parse cache in `ROOT/.cairn-cache/`
/// (see [`cache`]) for files that did not change, and refreshes it when
/// `save` and the root holds at least one item file (an empty folder gets
/// no cache). The result is the same as [`load`]'s.
pub fn load_cached(root: &Path, save: bool) -> Result<Backlog, LoadError> {
    if !root.is_dir() {
        return Err(LoadError::NoRoot(root.to_path_buf()));
    }
    let (config, key) = Config::load_text(root)?;
    Ok(load_inner(root, config, Some((key.as_bytes(), save)), false).0)
}

/// Like [`load_cached`], but leaves writing the parse cache to the caller:
/// the [`cache::Pending`] write, if there is one, is made by
/// [`cache::Pending::write`] on the returned backlog, on another thread
/// while the caller goes on (`cairn check` runs its rules meanwhile).
pub fn load_cached_deferred(root: &Path, save: bool) -> Result<(Backlog, Option<cache::Pending>), LoadError> {
    if !root.is_dir() {
        return Err(LoadError::NoRoot(root.to_path_buf()));
    }
    let (config, key) = Config::load_text(root)?;
    let (b, pending, _) = load_inner(root, config, Some((key.as_bytes(), save)), true);
    Ok((b, pending))
}

/// What a cached load stamped (for the query index, [`index`]): the item
/// files, sorted; each one's stamp (`None`: it could not be stamped); and
/// when the load began (no file was read before it).
pub struct Stamped {
    pub files: Vec<String>,
    pub stamps: Vec<Option<cache::Stamp>>,
    pub started: std::time::SystemTime,
}

/// [`load_cached`], and what it stamped; with the bytes of `cairn.yml`.
pub fn load_cached_stamped(root: &Path, save: bool) -> Result<(Backlog, Option<Stamped>, String), LoadError> {
    if !root.is_dir() {
        return Err(LoadError::NoRoot(root.to_path_buf()));
    }
    let (config, key) = Config::load_text(root)?;
    let (b, _, stamped) = load_inner(root, config, Some((key.as_bytes(), save)), false);
    Ok((b, stamped, key))
}

/// Loads with a given config.
pub fn load_with(root: &Path, config: Config) -> Backlog {
    load_inner(root, config, None, false).0
}

/// Loads, with the parse cache when `cache` (the bytes of `cairn.yml`, and
/// whether to save the cache) is given; with `defer`, the cache write is
/// returned rather than made (when the items can be written as they are
/// in the backlog: not with `ids.aliases`, which rewrites their references).
fn load_inner(
    root: &Path,
    config: Config,
    cache: Option<(&[u8], bool)>,
    defer: bool,
) -> (Backlog, Option<cache::Pending>, Option<Stamped>) {
    let defer = defer && !config.dialect.ids.active();
    let started = std::time::SystemTime::now();
    // The walk, or the listing of the last one while no folder changed.
    let ignore = std::sync::OnceLock::new();
    let is_item = |rel: &str| is_item_path(rel, ignore.get_or_init(|| ignore_set(&config)));
    let listed = cache.and_then(|(key, save)| cache::Listing::read_refreshing(root, key, save, is_item));
    let (files, mut diagnostics) = match listed {
        Some(files) => (files, Vec::new()),
        None => {
            let started = std::time::SystemTime::now();
            let (files, diags, folders) = walk_folders(root, &config);
            // Keep only the relative paths while parsing (100,000 absolute
            // paths are memory the items need more).
            let files: Vec<String> = files.into_iter().map(|(_, rel)| rel).collect();
            if let (Some((key, true)), Some(folders)) = (cache, folders) {
                if !files.is_empty() {
                    cache::Listing::save(root, key, started, &folders, &files);
                }
            }
            (files, diags)
        }
    };
    let parse = |rel: &String| -> (cache::Parsed, Option<cache::Stamp>) {
        match read_file(&root.join(rel)) {
            Ok((bytes, stamp)) => (parse_item_bytes(&bytes, rel, &config), Some(stamp)),
            Err(msg) => ((None, vec![Diagnostic::new("E006", rel, Span::START, msg)]), None),
        }
    };
    let mut pending = None;
    let (items, diags, stamped): (Vec<Option<Item>>, Vec<Vec<Diagnostic>>, _) = match cache {
        None => {
            let (items, diags) = files.par_iter().map(|rel| parse(rel).0).unzip();
            (items, diags, None)
        }
        Some((key, save)) => {
            let mut cached = cache::Cache::read(root, key);
            // Stamp before reading: a file changed after its stamp was
            // taken has a newer stamp next time, so it is never stale.
            // Without a cache every file is read anyway, and stamped then.
            let mut stamps: Vec<Option<cache::Stamp>> =
                if cached.is_empty() { vec![None; files.len()] } else { stamp_all(root, &files) };
            let mut items = Vec::with_capacity(files.len());
            let mut diags = Vec::with_capacity(files.len());
            let mut layers = Vec::with_capacity(files.len());
            let mut missed = 0usize;
            for (rel, stamp) in files.iter().zip(&stamps) {
                let ((item, d), layer) = match stamp.as_ref().and_then(|s| cached.take(rel, s)) {
                    Some((parsed, layer)) => (parsed, Some(layer)),
                    None => {
                        missed += 1;
                        ((None, Vec::new()), None)
                    }
                };
                items.push(item);
                diags.push(d);
                layers.push(layer);
            }
            // Parsed in place: a cold load holds one vector of items, not two.
            if missed > 0 {
                items
                    .par_iter_mut()
                    .zip(diags.par_iter_mut())
                    .zip(stamps.par_iter_mut())
                    .zip(files.par_iter().zip(layers.par_iter()))
                    .for_each(|(((item, d), stamp), (rel, layer))| {
                        if layer.is_none() {
                            ((*item, *d), *stamp) = parse(rel);
                        }
                    });
            }
            // No item files, no cache: `check` in an empty folder (or one
            // that is no backlog) leaves no `.cairn-cache/` behind.
            // A deferred write takes the stamps; the query index (a
            // query's load, never deferred) needs them otherwise.
            let stamped = if save && !files.is_empty() && defer {
                pending = Some(cache::Pending::new(root, key, cached, stamps, layers, &diags));
                None
            } else {
                if save && !files.is_empty() {
                    let read_at = std::time::SystemTime::now();
                    let entries: Vec<cache::Entry> = (0..files.len())
                        .filter_map(|i| {
                            stamps[i].map(|s| (files[i].as_str(), s, items[i].as_ref(), diags[i].as_slice(), layers[i]))
                        })
                        .collect();
                    cache::save(root, key, read_at, &cached, &entries);
                }
                Some(stamps)
            };
            (items, diags, stamped)
        }
    };
    // `filter_map` over the vector's own iterator collects in place: no
    // second copy of 100,000 items.
    #[allow(clippy::filter_map_identity)]
    let items: Vec<Item> = items.into_iter().filter_map(|i| i).collect();
    diagnostics.extend(diags.into_iter().flatten());
    let n = files.len();
    if let Some(p) = &mut pending {
        p.files = files;
        return (Backlog::from_items(root.to_path_buf(), config, items, diagnostics, n), pending, None);
    }
    let stamped = stamped.map(|stamps| Stamped { files, stamps, started });
    (Backlog::from_items(root.to_path_buf(), config, items, diagnostics, n), None, stamped)
}

/// The stamps of `files` (root-relative, sorted), in parallel, each looked
/// up in its folder opened once per run of files in it (`fstatat`: no
/// path resolution per file); a file whose folder cannot be opened (a
/// symbolic link, say) is stamped through its path.
fn stamp_all<S: AsRef<str> + Sync>(root: &Path, files: &[S]) -> Vec<Option<cache::Stamp>> {
    use crate::util::fs::Folder;
    files
        .par_chunks(1024)
        .flat_map_iter(|chunk| {
            let mut open: Option<(&str, Option<Folder>)> = None;
            chunk
                .iter()
                .map(|rel| {
                    let rel = rel.as_ref();
                    let dir = rel.rsplit_once('/').map_or("", |(dir, _)| dir);
                    if open.as_ref().is_none_or(|(d, _)| *d != dir) {
                        open = Some((dir, Folder::open(&root.join(dir)).ok()));
                    }
                    cache::Stamp::at(root, open.as_ref().and_then(|(_, f)| f.as_ref()), rel)
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Reads an item file and stamps it (from the open file, before reading:
/// a change after the stamp gives a newer stamp next time). One path
/// lookup per file.
fn read_file(path: &Path) -> Result<(Vec<u8>, cache::Stamp), String> {
    use std::io::Read as _;
    let cannot = |e: std::io::Error| format!("cannot read file: {e}");
    let mut f = std::fs::File::open(path).map_err(cannot)?;
    let meta = f.metadata().map_err(cannot)?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(format!(
            "file is too large ({:.1} MB); item files are limited to {} MB",
            meta.len() as f64 / 1_048_576.0,
            MAX_FILE_BYTES / 1_048_576
        ));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize + 1);
    // Never more than the limit, even if the file grows while it is read.
    f.by_ref().take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(cannot)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(format!("file is too large; item files are limited to {} MB", MAX_FILE_BYTES / 1_048_576));
    }
    Ok((bytes, cache::Stamp::of(&meta)))
}

/// Whether a root-relative path names an item file: `.md`, not a README,
/// nothing hidden or `_`-prefixed on the way, not under the root's
/// `templates/`, `themes/` or `proposals/` (see [`proposals`]), not ignored.
pub fn is_item_path(rel: &str, ignore: &globset::GlobSet) -> bool {
    if !rel.ends_with(".md") {
        return false;
    }
    if rel.split('/').any(|p| p.starts_with('.') || p.starts_with('_')) {
        return false;
    }
    if let Some((first, _)) = rel.split_once('/') {
        if first == "templates" || first == "themes" || first == proposals::FOLDER {
            return false;
        }
    }
    if rel.rsplit('/').next().is_some_and(|n| n.eq_ignore_ascii_case("README.md")) {
        return false;
    }
    !ignore.is_match(rel)
}

/// The compiled `ignore:` globs.
pub fn ignore_set(config: &Config) -> globset::GlobSet {
    let mut b = globset::GlobSetBuilder::new();
    for g in &config.ignore {
        if let Ok(g) = globset::GlobBuilder::new(g).literal_separator(false).build() {
            b.add(g);
        }
    }
    b.build().unwrap_or_else(|_| globset::GlobSet::empty())
}

/// The item files a walk found: (path, root-relative path).
pub type Walked = Vec<(PathBuf, String)>;

/// Finds the item files under `root`, sorted by path. Symbolic links are
/// followed only while they stay inside the root; loops are reported.
pub fn walk(root: &Path, config: &Config) -> (Walked, Vec<Diagnostic>) {
    let (files, diags, _) = walk_folders(root, config);
    (files, diags)
}

/// [`walk`], and the folders it read (root-relative, `""` for the root)
/// when the walk can stand for the next one while none of them changes
/// ([`cache::Listing`]): no symbolic link and nothing to report on the way.
fn walk_folders(root: &Path, config: &Config) -> (Walked, Vec<Diagnostic>, Option<cache::Folders>) {
    // Without following links, the type of each entry comes from the
    // folder listing; following them costs a `stat` per file. So the walk
    // follows links only once it met one (which it then walks again).
    walk_with(root, config, false)
        .unwrap_or_else(|| walk_with(root, config, true).unwrap_or_else(|| (Vec::new(), Vec::new(), None)))
}

/// The walk of [`walk_folders`], following symbolic links or not; `None`
/// when not following them and one was met.
fn walk_with(root: &Path, config: &Config, follow: bool) -> Option<(Walked, Vec<Diagnostic>, Option<cache::Folders>)> {
    let ignore = ignore_set(config);
    let mut folders = Vec::new();
    // The root's entries as the walk saw them (see `cache::Folders`).
    let mut root_entries = Vec::new();
    let mut linked = false;
    let canon_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let mut files = Vec::new();
    let mut diags = Vec::new();
    let mut outside: Vec<String> = Vec::new();
    // Unsorted: sorting each folder by file name in walkdir costs a path
    // parse per comparison; the files are sorted once at the end instead.
    let walker = walkdir::WalkDir::new(root).follow_links(follow).into_iter().filter_entry(|e| {
        if e.depth() == 0 {
            return true;
        }
        let name = e.file_name().to_string_lossy();
        if name.starts_with('.') || name.starts_with('_') {
            return false;
        }
        if e.depth() == 1 {
            root_entries.push((name.to_string(), cache::entry_type(&e.file_type())));
        }
        if e.depth() == 1 && e.file_type().is_dir() && (name == "templates" || name == "themes") {
            return false;
        }
        if e.path_is_symlink() {
            linked = true;
            if !follow {
                return false;
            }
            let inside = e.path().canonicalize().map(|t| t.starts_with(&canon_root)).unwrap_or(true);
            if !inside {
                outside.push(rel_path(root, e.path()));
                return false;
            }
        }
        true
    });
    for entry in walker {
        match entry {
            Ok(e) => {
                if e.file_type().is_dir() {
                    folders.push(rel_path(root, e.path()));
                }
                if !e.file_type().is_file() {
                    continue;
                }
                let rel = rel_path(root, e.path());
                if is_item_path(&rel, &ignore) {
                    // A name that is not UTF-8 was made readable with U+FFFD
                    // and cannot be opened by that name: say what is wrong.
                    if rel.contains(char::REPLACEMENT_CHARACTER) && !is_utf8_below(root, e.path()) {
                        let msg = format!(
                            "file name is not valid UTF-8: `{rel}`; rename the file (cairn reads UTF-8 paths only)"
                        );
                        diags.push(Diagnostic::new("E004", &rel, Span::START, msg));
                        continue;
                    }
                    files.push((e.path().to_path_buf(), rel));
                }
            }
            Err(err) => {
                let rel = err.path().map(|p| rel_path(root, p)).unwrap_or_default();
                if let Some(anc) = err.loop_ancestor() {
                    let msg =
                        format!("symbolic link loop: `{rel}` points back to `{}`; not followed", rel_path(root, anc));
                    diags.push(Diagnostic::new("W006", &rel, Span::START, msg));
                } else if rel.ends_with(".md")
                    || err.io_error().is_some_and(|e| e.kind() != std::io::ErrorKind::NotFound)
                {
                    diags.push(Diagnostic::new("E006", &rel, Span::START, format!("cannot read: {err}")));
                }
            }
        }
    }
    // By path, so that every run reads the files in the same order.
    files.sort_unstable_by(|(_, a), (_, b)| a.cmp(b));
    outside.sort();
    for rel in outside {
        diags.push(Diagnostic::new(
            "W006",
            &rel,
            Span::START,
            format!("symbolic link `{rel}` points outside the backlog root; not followed"),
        ));
    }
    if linked && !follow {
        return None;
    }
    let folders = (!linked && diags.is_empty()).then_some(cache::Folders { paths: folders, root: root_entries });
    Some((files, diags, folders))
}

/// Whether the part of `p` below `root` is valid UTF-8.
fn is_utf8_below(root: &Path, p: &Path) -> bool {
    p.strip_prefix(root).unwrap_or(p).to_str().is_some()
}

/// A path relative to `root`, `/`-separated.
pub fn rel_path(root: &Path, p: &Path) -> String {
    // The common case, a UTF-8 path under a UTF-8 root on a `/` system: a
    // slice, not a parse of both paths into components.
    if std::path::MAIN_SEPARATOR == '/' {
        if let (Some(r), Some(s)) = (root.to_str(), p.to_str()) {
            if let Some(rest) =
                s.strip_prefix(r).filter(|rest| r.ends_with('/') || rest.is_empty() || rest.starts_with('/'))
            {
                let rest = rest.trim_start_matches('/');
                if !rest.contains("//") && !rest.split('/').any(|c| c == "." || c == "..") {
                    return rest.to_string();
                }
            }
        }
    }
    let rel = p.strip_prefix(root).unwrap_or(p);
    rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

/// Parses a file's bytes into an item and its diagnostics.
pub fn parse_item_bytes(bytes: &[u8], path: &str, config: &Config) -> (Option<Item>, Vec<Diagnostic>) {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse_item_text(text, path, config),
        Err(e) => {
            let good = &bytes[..e.valid_up_to()];
            let line = good.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
            let line_start = good.iter().rposition(|&b| b == b'\n').map(|i| i + 1).unwrap_or(0);
            let col = String::from_utf8_lossy(&good[line_start..]).chars().count() as u32 + 1;
            let msg = format!("file is not valid UTF-8 (invalid byte 0x{:02x})", bytes[e.valid_up_to()]);
            (None, vec![Diagnostic::new("E004", path, Span::new(line, col, 1), msg)])
        }
    }
}

/// Parses a file's text into an item and its diagnostics.
pub fn parse_item_text(text: &str, path: &str, config: &Config) -> (Option<Item>, Vec<Diagnostic>) {
    let src_sig = crate::model::source_sig(text, path);
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let split = match frontmatter::split(text) {
        Ok(s) => s,
        Err(e) => {
            let d = Diagnostic::new(e.code(), path, e.span(), e.message())
                .with_help("start the file with `---`, then YAML such as `title: …` and `status: …`, then `---`");
            return (None, vec![d]);
        }
    };
    let shift = split.yaml_line - 1;
    let mut tags = Vec::new();
    let tree = if split.yaml.trim().is_empty()
        || split.yaml.lines().all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    {
        yaml::Node { value: yaml::Value::Map(Vec::new()), span: Span::new(split.yaml_line, 1, 1) }
    } else {
        // `yaml.lenient`: `assignee: @ana` reads as the string `@ana`.
        let source = if config.dialect.lenient_yaml {
            crate::config::dialect::lenient_yaml(split.yaml)
        } else {
            std::borrow::Cow::Borrowed(split.yaml)
        };
        match yaml::parse_document(&source) {
            Ok(doc) => {
                let mut n = doc.root;
                n.shift_lines(shift);
                tags = doc.ignored_tags;
                n
            }
            Err((mut span, mut msg)) => {
                span.line += shift;
                // A tab's error is reported where the scanner noticed it;
                // point at the tab itself, which is what the user must fix.
                if msg.contains("tab") {
                    if let Some((line, col)) = first_tab(split.yaml) {
                        span = Span::new(line + shift, col, 1);
                        msg = format!("{msg}: YAML does not allow tabs for indentation; use spaces");
                    }
                }
                return (None, vec![Diagnostic::new("E003", path, span, format!("YAML syntax error: {msg}"))]);
            }
        }
    };
    let map = match tree.value {
        yaml::Value::Map(m) => m,
        yaml::Value::Null => Vec::new(),
        other => {
            let msg = format!("front-matter must be a mapping of fields, found {}", other.type_name());
            return (None, vec![Diagnostic::new("E005", path, tree.span, msg)]);
        }
    };
    let (mut item, mut diags) = item::build(&map, path, split.body, split.body_line, config);
    if let Some(it) = item.as_mut() {
        it.source = src_sig;
    }
    for (mut span, tag) in tags {
        span.line += shift;
        let msg = format!(
            "YAML tag `{tag}` is ignored: front-matter is plain data (text, numbers, booleans, lists, mappings)"
        );
        let mut d =
            Diagnostic::new("W008", path, span, msg).with_help("remove the tag; quote the value to make it text");
        d.id = item.as_ref().map(|i| i.id.value.clone());
        diags.push(d);
    }
    (item, diags)
}

/// The 1-based line and column of the first tab in leading whitespace.
fn first_tab(yaml: &str) -> Option<(u32, u32)> {
    yaml.lines().enumerate().find_map(|(i, l)| {
        let indent = l.len() - l.trim_start_matches([' ', '\t']).len();
        l[..indent].find('\t').map(|c| (i as u32 + 1, l[..c].chars().count() as u32 + 1))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `Item::source` names the text and the path an item was read from
    /// (the incremental build keys an item's pages by it).
    #[test]
    fn an_items_source_is_its_text_and_path() {
        let text = "---\ntitle: A\nstatus: ready\n---\nBody\n";
        let src = |t: &str, p: &str| parse(t, p).0.map(|i| i.source);
        let a = src(text, "tasks/a.md").unwrap();
        assert_ne!(a, 0);
        assert_eq!(src(text, "tasks/a.md"), Some(a), "the same text and path");
        assert_ne!(src(text, "tasks/b.md"), Some(a), "another path");
        assert_ne!(src(&text.replace("Body", "Body!"), "tasks/a.md"), Some(a), "another body");
        assert_ne!(src(&text.replace("ready", "done"), "tasks/a.md"), Some(a), "another field");
        assert_eq!(Item::default().source, 0, "an item not read from a file");
    }

    #[test]
    fn tabs_are_pointed_at() {
        let (_, d) = parse("---\ntitle: x\n\tstatus: y\n---\n", "tasks/a.md");
        assert_eq!(codes(&d), vec!["E003"]);
        assert_eq!((d[0].line, d[0].column), (3, 1));
    }

    fn parse(text: &str, path: &str) -> (Option<Item>, Vec<Diagnostic>) {
        parse_item_text(text, path, &Config::default())
    }

    fn codes(d: &[Diagnostic]) -> Vec<&str> {
        d.iter().map(|d| d.code).collect()
    }

    #[test]
    fn a_good_item() {
        let (item, d) = parse(
            "---\ntitle: Widget\nstatus: in_progress\npriority: high\nassignee: ana\nestimate: 5\ndepends_on:\n  - a\n  - { id: b, lag: 2d }\nreferences:\n  - prd-x\n  - { url: \"https://example.com\", title: Design }\n---\n\n## Acceptance criteria\n- [x] one\n- [ ] two\n",
            "stories/widget.md",
        );
        assert!(d.is_empty(), "{d:?}");
        let item = item.unwrap();
        assert_eq!(item.id.value, "widget");
        assert_eq!(item.kind.value, "story");
        assert_eq!(item.assignee, vec!["ana"]);
        assert_eq!(item.depends_on.len(), 2);
        assert_eq!(item.depends_on[1].lag, Some(("2d".to_string(), 2.0)));
        assert_eq!(item.references.len(), 2);
        assert_eq!(item.acceptance.total, 2);
        assert_eq!(item.body_line, 14);
        assert_eq!(item.key_span("status"), Span::new(3, 1, 6));
    }

    #[test]
    fn unknown_status_points_at_the_value() {
        let (_, d) = parse("---\nkind: story\ntitle: A\nstatus: inprogress\n---\n", "x.md");
        assert_eq!(codes(&d), vec!["E012"]);
        assert_eq!((d[0].line, d[0].column, d[0].len), (4, 9, 10));
        assert_eq!(d[0].message, "unknown status `inprogress` for story; did you mean `in_progress`?");
    }

    #[test]
    fn many_problems_in_one_pass() {
        let (_, d) = parse(
            "---\ntitle: A\nstatus: done\nasignee: ana\npriority: urgent\nestimate: five\ndue: tomorrow\ndepends_on: [{ id: b, lag: 3x }]\nreferences: [{ url: \"javascript:alert(1)\" }]\nml: { metrics: { f1: 1.2 } }\n---\n",
            "tasks/t.md",
        );
        assert_eq!(codes(&d), vec!["E018", "E016", "E017", "E017", "E027", "E028", "E029"], "{d:#?}");
        assert!(d[0].message.contains("did you mean `assignee`"));
    }

    #[test]
    fn front_matter_problems() {
        assert_eq!(codes(&parse("", "a.md").1), vec!["E001"]);
        assert_eq!(codes(&parse("# Just markdown\n", "a.md").1), vec!["E001"]);
        assert_eq!(codes(&parse("---", "a.md").1), vec!["E002"]);
        assert_eq!(codes(&parse("---\ntitle: x\n", "a.md").1), vec!["E002"]);
        let (_, d) = parse("---\ntitle: x\nstatus: [a\n---\n", "a.md");
        assert_eq!(codes(&d), vec!["E003"]);
        assert!(d[0].line >= 3, "{d:?}");
        assert_eq!(codes(&parse("---\n- a\n- b\n---\n", "tasks/a.md").1), vec!["E005"]);
        let (_, d) = parse("---\ntitle: a\ntitle: b\nstatus: done\n---\n", "tasks/a.md");
        assert_eq!(codes(&d), vec!["E019"]);
        assert_eq!(d[0].line, 3);
        assert_eq!(d[0].notes[0].line, 2);
    }

    /// The yaml-test-suite case 9C9N as an item, directives and markers in
    /// the front-matter, and tags: each reported where it is, in words.
    #[test]
    fn yaml_the_front_matter_does_not_allow() {
        let (item, d) = parse("---\nflow: [a,\nb,\nc]\n---\n", "tasks/a.md");
        assert!(item.is_none());
        assert_eq!(codes(&d), vec!["E003"]);
        assert_eq!((d[0].line, d[0].column), (3, 1));
        let (_, d) = parse("---\n%YAML 1.2\ntitle: A\nstatus: ready\n---\n", "tasks/a.md");
        assert_eq!(codes(&d), vec!["E003"]);
        assert_eq!((d[0].line, d[0].column), (2, 1));
        assert!(d[0].message.contains("one YAML document, without `%` directives"), "{}", d[0].message);
        let (_, d) = parse("---\ntitle: A\n...\nstatus: ready\n---\n", "tasks/a.md");
        assert_eq!((d[0].code, d[0].line), ("E003", 3));
        assert!(d[0].message.contains("document marker `...`"), "{}", d[0].message);
        let (item, d) =
            parse("---\ntitle: A\nstatus: ready\nlabels: !!python/object/apply:os.system [ls]\n---\n", "tasks/a.md");
        assert_eq!(item.unwrap().labels, vec!["ls"]);
        assert_eq!(codes(&d), vec!["W008"]);
        assert_eq!((d[0].line, d[0].column, d[0].len), (4, 9, 31));
        assert_eq!(d[0].id.as_deref(), Some("a"));
        assert!(d[0].message.contains("`!!python/object/apply:os.system` is ignored"), "{}", d[0].message);
    }

    /// Numbers are finite and less than one billion (NUMBER_LIMIT) in size.
    #[test]
    fn numbers_out_of_range_are_refused() {
        let cfg =
            Config::parse("fields:\n  impact: { type: number }\n  n: { type: integer }\n", Path::new("c")).unwrap();
        let item =
            |fm: &str| parse_item_text(&format!("---\ntitle: A\nstatus: ready\n{fm}\n---\n"), "tasks/a.md", &cfg);
        let (it, d) = item("estimate: 99999999999999999999999999");
        assert_eq!(codes(&d), vec!["E030"]);
        assert_eq!((d[0].line, d[0].column), (4, 11));
        assert!(d[0].message.contains("less than one billion"), "{}", d[0].message);
        assert_eq!(it.unwrap().estimate, None);
        for bad in [
            "estimate: 1000000000",
            "estimate: 1e9",
            "impact: -1e12",
            "n: 10000000000",
            "depends_on: [{ id: b, lag: 1000000000d }]",
            "depends_on: [{ id: b, lag: 1e10 }]",
            "duration: 99999999999",
        ] {
            let (_, d) = item(bad);
            assert_eq!(d.len(), 1, "{bad}: {d:?}");
            assert!(d[0].code == "E030" || d[0].code == "E027", "{bad}: {d:?}");
        }
        for ok in [
            "estimate: 999999999",
            "impact: -999999999.5",
            "n: 42",
            "depends_on: [{ id: b, lag: 999999999d }]",
            "duration: 2.5",
        ] {
            assert!(item(ok).1.is_empty(), "{ok}: {:?}", item(ok).1);
        }
        assert_eq!(codes(&item("estimate: .inf").1), vec!["E017"]);
        assert_eq!(codes(&item("estimate: .nan").1), vec!["E017"]);
    }

    /// Duplicates in a long front-matter (the hash-map path) are found like
    /// those in a short one.
    #[test]
    fn duplicate_keys_among_many() {
        let cfg = Config::parse("fields:\n  f0: { type: number }\n", Path::new("c")).unwrap();
        let mut fm = String::from("---\ntitle: A\nstatus: ready\nf0: 1\n");
        for i in 0..40 {
            fm.push_str(&format!("x{i}: 1\n"));
        }
        fm.push_str("f0: 2\ntitle: B\n---\n");
        let (_, d) = parse_item_text(&fm, "tasks/a.md", &cfg);
        let dups: Vec<(u32, u32)> = d.iter().filter(|d| d.code == "E019").map(|d| (d.line, d.notes[0].line)).collect();
        assert_eq!(dups, vec![(45, 4), (46, 2)]);
        assert_eq!(d.iter().filter(|d| d.code == "E018").count(), 40);
    }

    #[test]
    fn only_dashes_is_empty_front_matter() {
        let (_, d) = parse("---\n---\n", "tasks/a.md");
        assert_eq!(codes(&d), vec!["E015", "E013"]);
    }

    #[test]
    fn non_utf8_is_located() {
        let (_, d) = parse_item_bytes(b"---\ntitle: caf\xe9\n---\n", "a.md", &Config::default());
        assert_eq!(codes(&d), vec!["E004"]);
        assert_eq!((d[0].line, d[0].column), (2, 11));
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_file_names_are_named_not_missing() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("tasks")).unwrap();
        let name = std::ffi::OsStr::from_bytes(b"caf\xe9.md");
        std::fs::write(dir.path().join("tasks").join(name), "---\ntitle: A\nstatus: ready\n---\n").unwrap();
        std::fs::write(dir.path().join("tasks/ok.md"), "---\ntitle: B\nstatus: ready\n---\n").unwrap();
        let b = load(dir.path()).unwrap();
        assert_eq!(b.items.len(), 1);
        assert_eq!(codes(&b.diagnostics), vec!["E004"]);
        let d = &b.diagnostics[0];
        assert_eq!(d.file, "tasks/caf\u{fffd}.md");
        assert!(d.message.starts_with("file name is not valid UTF-8: `tasks/caf\u{fffd}.md`"), "{}", d.message);
        assert!(!d.message.contains("No such file"), "{}", d.message);
    }

    #[test]
    fn title_from_heading_and_kind_from_folder() {
        let (item, d) = parse("---\nstatus: backlog\n---\n# From heading\n", "bugs/b1.md");
        assert!(d.is_empty(), "{d:?}");
        let item = item.unwrap();
        assert_eq!(item.title.value, "From heading");
        assert_eq!(item.kind.value, "bug");
        let (_, d) = parse("---\nstatus: backlog\ntitle: x\n---\n", "misc/b1.md");
        assert_eq!(codes(&d), vec!["E014"]);
    }

    #[test]
    fn bad_ids() {
        let (item, d) = parse("---\nid: \"../../etc\"\ntitle: x\nstatus: done\n---\n", "tasks/a.md");
        assert!(item.is_none());
        assert_eq!(codes(&d), vec!["E011"]);
        let (_, d) = parse("---\ntitle: x\nstatus: done\n---\n", "tasks/has space.md");
        assert_eq!(codes(&d), vec!["E011"]);
    }

    #[test]
    fn bom_and_crlf() {
        let (item, d) = parse("\u{feff}---\r\ntitle: A\r\nstatus: ready\r\n---\r\nBody\r\n", "tasks/a.md");
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(item.unwrap().status.unwrap().value, "ready");
    }

    #[test]
    fn custom_fields() {
        let cfg = Config::parse(
            "fields:\n  team: { type: enum, values: [growth, data], kinds: [story] }\n  impact: { type: number, min: 0, max: 10 }\n  risk: { type: string, required: true, kinds: [epic] }\n",
            Path::new("c"),
        )
        .unwrap();
        let (_, d) =
            parse_item_text("---\ntitle: A\nstatus: ready\nteam: grwth\nimpact: 11\n---\n", "stories/a.md", &cfg);
        assert_eq!(codes(&d), vec!["E030", "E030"]);
        assert!(d[0].message.contains("did you mean `growth`"));
        let (_, d) = parse_item_text("---\ntitle: A\nstatus: ready\nteam: data\n---\n", "tasks/a.md", &cfg);
        assert_eq!(codes(&d), vec!["E032"]);
        let (_, d) = parse_item_text("---\ntitle: A\nstatus: ready\n---\n", "epics/a.md", &cfg);
        assert_eq!(codes(&d), vec!["E031"]);
    }

    #[test]
    fn sprint_fields() {
        let (item, d) = parse(
            "---\ntitle: S1\nstart: 2026-11-16\nend: 2026-11-27\ngoal: Ship\ncapacity: { ana: 8 }\n---\n",
            "sprints/s1.md",
        );
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(item.unwrap().capacity["ana"], 8.0);
        let (_, d) = parse("---\ntitle: S1\nstart: 2026-11-16\nend: 2026-11-01\n---\n", "sprints/s1.md");
        assert_eq!(codes(&d), vec!["E034"]);
        let (_, d) = parse("---\ntitle: T\nstatus: done\ngoal: x\n---\n", "tasks/t.md");
        assert_eq!(codes(&d), vec!["E018"]);
        assert!(d[0].message.contains("sprints only"));
    }

    #[test]
    fn done_state_warnings() {
        let (_, d) = parse("---\ntitle: A\nstatus: done\nstart: 2026-12-01\ndue: 2026-11-01\nml: { model: { id: m } }\n---\n## Acceptance criteria\n- [ ] a\n", "stories/a.md");
        assert_eq!(codes(&d), vec!["W003", "W004", "W005"]);
    }

    #[test]
    fn item_paths() {
        let none = globset::GlobSet::empty();
        assert!(is_item_path("stories/a.md", &none));
        assert!(!is_item_path("_site/a.md", &none));
        assert!(!is_item_path(".git/a.md", &none));
        assert!(!is_item_path("stories/README.md", &none));
        assert!(!is_item_path("templates/x.md", &none));
        assert!(is_item_path("stories/templates/x.md", &none));
        assert!(!is_item_path("a.txt", &none));
        let cfg = Config::parse("ignore: [\"drafts/**\"]\n", Path::new("c")).unwrap();
        assert!(!is_item_path("drafts/x/y.md", &ignore_set(&cfg)));
    }
}
