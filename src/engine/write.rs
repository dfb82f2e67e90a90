//! Writing a build: the jobs to render, the files to reuse, and two ways
//! to put them in place, both ending with an atomic swap of folders.
//!
//! - **Fresh folder** (`site::write::write_with_keep`): every file goes
//!   into a new folder beside the output — rendered bytes written, reused
//!   files hard-linked from the last output — which then replaces it. Used
//!   for full builds and when there is no spare site. After an incremental
//!   build the replaced folder is kept as the **spare** (in
//!   `.cairn-cache/site-<hash>.spare`, same file system) instead of being
//!   deleted.
//! - **Spare**: the spare holds the site of the build before the last, and
//!   the state lists the paths where it differs from the output folder.
//!   Only those and the files this build changes are touched in it (new
//!   bytes written to a new file and renamed in place — never written
//!   through a link shared with the output — and unchanged ones linked from
//!   the output), then the spare and the output swap places. A one-file
//!   edit then writes a few dozen files instead of linking 40,000 and
//!   deleting 40,000. The output folder is checked first (every file's
//!   stamp, every folder's modification time): anything changed by hand
//!   and the build is a full one.

use std::collections::{HashMap, HashSet};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use minijinja::Environment;
use rayon::prelude::*;

use super::persist::{dir_mtime, FileState, JobOut, State};
use super::site::{job_key, may_link, site_wide_key, Altered, Error, Outcome, SiteSigs};
use crate::site::pages::{Job, Shared};
use crate::site::theme::Theme;
use crate::site::write::{remove_tree, DirSink};
use crate::site::{self, Inputs, Progress, Sink};

pub(super) struct Ctx<'a> {
    pub inputs: &'a Inputs<'a>,
    pub shared: &'a Shared<'a>,
    pub env: &'a Environment<'a>,
    pub theme: &'a Theme,
    pub out: &'a Path,
    pub progress: Progress<'a>,
    /// The fingerprints of what the site-wide jobs show (their job keys).
    pub site_sigs: SiteSigs,
}

type Put<'a> = dyn Fn(&str, &[u8]) -> Result<(), Error> + Sync + 'a;
/// Puts a kept file in place (`fill` records it, with its job: [`Record::kept`]).
type Keep<'a> = dyn Fn(&str, &FileState) -> Result<(), Error> + Sync + 'a;

/// What a build wrote, for the next build's state.
#[derive(Default)]
struct Record {
    files: Mutex<HashMap<String, FileState>>,
    jobs: Mutex<HashMap<String, JobOut>>,
    /// Paths written with new bytes.
    changed: Mutex<Vec<String>>,
    written: AtomicUsize,
    reused: AtomicUsize,
}

impl Record {
    fn file(&self, path: &str, st: FileState, new: bool) {
        if let Ok(mut f) = self.files.lock() {
            f.insert(path.to_string(), st);
        }
        if new {
            self.written.fetch_add(1, Ordering::Relaxed);
            if let Ok(mut c) = self.changed.lock() {
                c.push(path.to_string());
            }
        } else {
            self.reused.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Jobs kept from the last build, with their files as they were.
    fn kept(&self, jobs: &[&(String, &JobOut)], prev: &State) {
        if let Ok(mut f) = self.files.lock() {
            for (_, out) in jobs {
                for p in &out.paths {
                    if let Some(st) = prev.files.get(p) {
                        f.insert(p.clone(), *st);
                    }
                }
            }
        }
        let n: usize = jobs.iter().map(|(_, out)| out.paths.len()).sum();
        self.reused.fetch_add(n, Ordering::Relaxed);
        if let Ok(mut j) = self.jobs.lock() {
            for (k, out) in jobs {
                j.insert(k.clone(), (*out).clone());
            }
        }
    }
}

/// The stamp of a file just written.
/// The hash of an output file's bytes (`FileState::hash`): equal hashes,
/// the file is the last build's and is linked, not written. foldhash, not
/// the SipHash of `hash_bytes`: a title edit writes ~20 MB of site-wide
/// files at 10,000 items, hashed at several times SipHash's speed.
fn content_hash(bytes: &[u8]) -> u64 {
    use std::hash::BuildHasher;
    foldhash::quality::FixedState::with_seed(0x6361_6972_6e2d_6f75).hash_one(bytes)
}

fn stamped(path: &Path, hash: u64) -> FileState {
    let (len, mtime_ns, ino) = FileState::stamp(path).unwrap_or_default();
    FileState { hash, len, mtime_ns, ino }
}

/// Renders `render`, keeps `reuse`, then the theme's assets and the files
/// the bodies link to, through `put` and `keep`.
fn fill(
    ctx: &Ctx,
    render: &[(Job, Option<String>)],
    reuse: &[(String, &JobOut)],
    prev: Option<&State>,
    rec: &Record,
    put: &Put,
    keep: &Keep,
) -> Result<(), Error> {
    let total = render.len();
    let done = AtomicUsize::new(0);
    render.par_iter().try_for_each(|(job, key)| -> Result<(), Error> {
        let out = ctx.shared.run(ctx.env, job)?;
        let paths: Vec<String> = out.iter().map(|(p, _)| p.clone()).collect();
        for (path, bytes) in &out {
            put(path, bytes)?;
        }
        if let (Some(k), Ok(mut j)) = (key, rec.jobs.lock()) {
            j.insert(k.clone(), JobOut { paths });
        }
        let d = done.fetch_add(1, Ordering::Relaxed) + 1;
        if d % 256 == 0 || d == total {
            (ctx.progress)(d, total);
        }
        Ok(())
    })?;
    if let Some(prev) = prev {
        // Recorded a chunk at a time (one lock per chunk, not per file).
        reuse
            .par_iter()
            .with_min_len(64)
            .try_fold(Vec::new, |mut kept, job| -> Result<Vec<&(String, &JobOut)>, Error> {
                for p in &job.1.paths {
                    let st = prev.files.get(p).ok_or_else(|| Altered(p.clone()))?;
                    keep(p, st)?;
                }
                kept.push(job);
                Ok(kept)
            })
            .try_for_each(|kept| kept.map(|k| rec.kept(&k, prev)))?;
    }
    for (name, bytes) in &ctx.theme.assets {
        put(&format!("assets/{name}"), bytes)?;
    }
    // The backlog's own files the bodies link to (every body that links
    // anything was rendered above).
    let root = &ctx.inputs.backlog.root;
    for rel in ctx.shared.linked_files() {
        if let Ok(bytes) = std::fs::read(root.join(&rel)) {
            put(&format!("files/{rel}"), &bytes)?;
        }
    }
    // `site.max_bytes`: checked before the new site replaces the old one.
    if let Some(max) = ctx.inputs.backlog.config.site.max_bytes {
        let files = rec.files.lock().map_err(|_| io::Error::other("a render thread panicked"))?;
        site::budget::check(files.iter().map(|(p, f)| (p.as_str(), f.len)), max).map_err(Error::TooLarge)?;
    }
    Ok(())
}

/// Every folder of a set of files (`""` for the top).
fn folders<'a>(paths: impl Iterator<Item = &'a String>) -> Vec<String> {
    let mut set: HashSet<&str> = HashSet::new();
    set.insert("");
    for p in paths {
        let mut rest = p.as_str();
        while let Some((parent, _)) = rest.rsplit_once('/') {
            if !set.insert(parent) {
                break;
            }
            rest = parent;
        }
    }
    let mut v: Vec<String> = set.into_iter().map(String::from).collect();
    v.sort_unstable();
    v
}

/// Whether the output folder holds exactly what the last build wrote.
/// Each folder is opened once and its files looked at through it (no path
/// resolved 40,000 times).
fn check_output(out: &Path, prev: &State) -> Result<(), Altered> {
    let files: Vec<(&str, &str, &String, &FileState)> = prev
        .files
        .iter()
        .map(|(p, st)| {
            let (dir, name) = p.rsplit_once('/').unwrap_or(("", p));
            (dir, name, p, st)
        })
        .collect();
    let mut open: HashMap<&str, crate::util::fs::Folder> = HashMap::new();
    for &(dir, _, p, _) in &files {
        if !open.contains_key(dir) {
            let f = crate::util::fs::Folder::open(&out.join(dir)).map_err(|_| Altered(p.clone()))?;
            open.insert(dir, f);
        }
    }
    let bad = files.par_iter().with_min_len(256).find_any(|(dir, name, _, st)| {
        open.get(dir).and_then(|f| f.file_stamp(name)) != Some((st.len, st.mtime_ns, st.ino))
    });
    if let Some((_, _, p, _)) = bad {
        return Err(Altered((*p).clone()));
    }
    for (d, t) in &prev.dirs {
        if dir_mtime(&out.join(d)) != Some(*t) {
            return Err(Altered(if d.is_empty() { ".".into() } else { format!("{d}/") }));
        }
    }
    Ok(())
}

/// Renders and writes a build; `plan` is the last state and the stale job
/// keys (`None`: full build).
pub(super) fn run(
    ctx: &Ctx,
    plan: Option<(&State, &HashSet<String>)>,
    spare: &Path,
) -> Result<(Outcome, State), Error> {
    let shared = ctx.shared;
    let all = shared.jobs();
    let mut render: Vec<(Job, Option<String>)> = Vec::new();
    let mut reuse: Vec<(String, &JobOut)> = Vec::new();
    for job in all.iter() {
        let key = job_key(shared, job).or_else(|| Some(site_wide_key(job, &ctx.site_sigs)));
        let keep = match (plan, &key) {
            (Some((prev, stale)), Some(k)) if !stale.contains(k) => {
                let linking = matches!(job, Job::Item(i) if may_link(&shared.b.items[*i].body));
                prev.jobs.get(k).filter(|_| !linking)
            }
            _ => None,
        };
        match (keep, key) {
            (Some(out), Some(k)) => reuse.push((k, out)),
            (_, key) => render.push((job.clone(), key)),
        }
    }
    let rec = Record::default();
    let dirty = spare.with_extension("spare-dirty");
    let spare_ok = plan.is_some_and(|(p, _)| p.spare.is_some()) && spare.is_dir() && !dirty.exists();
    let mut phases = Vec::new();
    let t = std::time::Instant::now();
    let spare_kept = match plan {
        Some((prev, _)) if spare_ok => {
            // Marked while it is being changed: a build killed half-way
            // leaves a spare the state no longer describes.
            std::fs::write(&dirty, b"")?;
            // The output folder is checked while the spare is brought up
            // to date (the spare only; the output is read, never changed,
            // until the swap, which waits for the check).
            let (checked, filled) = rayon::join(
                || {
                    let r = check_output(ctx.out, prev);
                    (r, t.elapsed().as_secs_f64())
                },
                || into_spare(ctx, &render, &reuse, prev, &rec, spare),
            );
            phases.push(("check output (beside render)", checked.1));
            let r = checked.0.map_err(Error::from).and(filled).and_then(|()| swap(ctx.out, spare));
            if r.is_err() {
                let _ = remove_tree(spare);
            }
            r?;
            let _ = std::fs::remove_file(&dirty);
            true
        }
        _ => {
            let kept = into_fresh(ctx, &render, &reuse, plan.map(|p| p.0), &rec, spare)?;
            if plan.is_none() || !kept {
                if spare.exists() {
                    let _ = remove_tree(spare);
                }
                let _ = std::fs::remove_file(&dirty);
            }
            kept
        }
    };
    let files = rec.files.into_inner().unwrap_or_else(|e| e.into_inner());
    let spare_diff = match (plan, spare_kept) {
        (Some((prev, _)), true) => {
            let mut v = rec.changed.into_inner().unwrap_or_else(|e| e.into_inner());
            v.extend(prev.files.keys().filter(|p| !files.contains_key(*p)).cloned());
            v.sort_unstable();
            v.dedup();
            Some(v)
        }
        _ => None,
    };
    let dirs = folders(files.keys()).into_iter().filter_map(|d| dir_mtime(&ctx.out.join(&d)).map(|t| (d, t))).collect();
    let pages = files.keys().filter(|p| p.ends_with(".html")).count();
    let outcome = Outcome {
        stats: site::Stats { files: files.len(), pages, items: shared.page_count() },
        full: None,
        jobs_total: all.len(),
        jobs_rendered: render.len(),
        site_wide: render.iter().filter(|(j, _)| job_key(shared, j).is_none()).map(|(j, _)| format!("{j:?}")).collect(),
        written: rec.written.into_inner(),
        reused: rec.reused.into_inner(),
        fragments: (0, 0),
        save_error: None,
        phases,
    };
    let jobs = rec.jobs.into_inner().unwrap_or_else(|e| e.into_inner());
    Ok((
        outcome,
        State {
            key: [0; 4],
            items: HashMap::new(),
            jobs,
            files,
            spare: spare_diff,
            dirs,
            frags: Default::default(),
            store_gen: 0,
        },
    ))
}

/// A new folder swapped in; the replaced one kept as the spare after an
/// incremental build. Returns whether it was kept.
fn into_fresh(
    ctx: &Ctx,
    render: &[(Job, Option<String>)],
    reuse: &[(String, &JobOut)],
    prev: Option<&State>,
    rec: &Record,
    spare: &Path,
) -> Result<bool, Error> {
    let keep_at = prev.map(|_| spare);
    let (_, kept) = site::write::write_with_keep(ctx.out, keep_at, |sink: &DirSink| -> Result<(), Error> {
        let prev_dir = sink.previous().map(Path::to_path_buf);
        let put = |path: &str, bytes: &[u8]| -> Result<(), Error> {
            let hash = content_hash(bytes);
            if let (Some(prev), Some(dir)) = (prev, &prev_dir) {
                if let Some(old) = prev.files.get(path).filter(|f| f.hash == hash) {
                    if old.unchanged(&dir.join(path)) && sink.link_previous(path).is_ok() {
                        rec.file(path, *old, false);
                        return Ok(());
                    }
                }
                sink.write_new(path, bytes)?;
            } else {
                sink.put(path, bytes)?;
            }
            rec.file(path, stamped(&sink.target(path), hash), true);
            Ok(())
        };
        let keep = |path: &str, st: &FileState| -> Result<(), Error> {
            let dir = prev_dir.as_ref().ok_or_else(|| Altered(path.to_string()))?;
            if !st.unchanged(&dir.join(path)) {
                return Err(Altered(path.to_string()).into());
            }
            sink.link_previous(path).map_err(|_| Altered(path.to_string()))?;
            Ok(())
        };
        fill(ctx, render, reuse, prev, rec, &put, &keep)
    })?;
    Ok(kept)
}

/// Brings the spare up to this build (then [`swap`] it with the output).
fn into_spare(
    ctx: &Ctx,
    render: &[(Job, Option<String>)],
    reuse: &[(String, &JobOut)],
    prev: &State,
    rec: &Record,
    spare: &Path,
) -> Result<(), Error> {
    let differs: HashSet<&str> = prev.spare.iter().flatten().map(String::as_str).collect();
    let made: Mutex<HashSet<String>> = Mutex::new(HashSet::new());
    let dest = |path: &str| -> io::Result<PathBuf> {
        if path.split('/').any(|c| c == ".." || c.is_empty()) || path.starts_with('/') {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("unsafe path `{path}`")));
        }
        if let Some((parent, _)) = path.rsplit_once('/') {
            if !made.lock().map(|m| m.contains(parent)).unwrap_or(false) {
                std::fs::create_dir_all(spare.join(parent))?;
                if let Ok(mut m) = made.lock() {
                    m.insert(parent.to_string());
                }
            }
        }
        Ok(spare.join(path))
    };
    // Replaces the spare's file by a new one (a link to the output's file,
    // or new bytes): renamed over it, never written through it.
    let tmp_of = |d: &Path| {
        let name = d.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        d.with_file_name(format!(".{name}.cairn-{}", std::process::id()))
    };
    let link_from_out = |path: &str| -> Result<(), Error> {
        let d = dest(path)?;
        let tmp = tmp_of(&d);
        let _ = std::fs::remove_file(&tmp);
        std::fs::hard_link(ctx.out.join(path), &tmp).map_err(|_| Altered(path.to_string()))?;
        std::fs::rename(&tmp, &d)?;
        Ok(())
    };
    let put = |path: &str, bytes: &[u8]| -> Result<(), Error> {
        let hash = content_hash(bytes);
        if let Some(old) = prev.files.get(path).filter(|f| f.hash == hash) {
            if differs.contains(path) {
                link_from_out(path)?;
            }
            rec.file(path, *old, false);
            return Ok(());
        }
        let d = dest(path)?;
        let tmp = tmp_of(&d);
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, &d)?;
        rec.file(path, stamped(&d, hash), true);
        Ok(())
    };
    let keep = |path: &str, _: &FileState| -> Result<(), Error> {
        if differs.contains(path) {
            link_from_out(path)?;
        }
        Ok(())
    };
    fill(ctx, render, reuse, Some(prev), rec, &put, &keep)?;
    // Files neither this build nor the output has any more.
    let gone: Vec<&str> = {
        let now = rec.files.lock().map_err(|_| io::Error::other("a render thread panicked"))?;
        prev.files.keys().map(String::as_str).chain(differs.iter().copied()).filter(|p| !now.contains_key(*p)).collect()
    };
    for p in gone {
        let _ = std::fs::remove_file(spare.join(p));
        // Empty folders go too (a full build has none).
        let mut rest = p;
        while let Some((parent, _)) = rest.rsplit_once('/') {
            if std::fs::remove_dir(spare.join(parent)).is_err() {
                break;
            }
            rest = parent;
        }
    }
    Ok(())
}

/// The swap: output → aside, spare → output, aside → spare.
fn swap(out: &Path, spare: &Path) -> Result<(), Error> {
    let aside = spare.with_extension("swap");
    if aside.exists() {
        remove_tree(&aside)?;
    }
    std::fs::rename(out, &aside)?;
    if let Err(e) = std::fs::rename(spare, out) {
        let _ = std::fs::rename(&aside, out);
        return Err(e.into());
    }
    if std::fs::rename(&aside, spare).is_err() {
        let _ = remove_tree(&aside);
    }
    Ok(())
}
