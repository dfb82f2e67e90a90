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
//!   deleting 40,000. The output folder is checked first (every folder's
//!   modification time: [`check_output`]): a file added, removed or
//!   replaced by hand and the build is a full one.

use std::collections::{HashMap, HashSet};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use minijinja::Environment;
use rayon::prelude::*;

use super::persist::{dir_mtime, FileState, JobOut, State};
use super::site::{is_site_wide_key, job_key, may_link, site_wide_key, Altered, Error, Outcome, SiteSigs};
use crate::site::pages::{Job, Shared};
use crate::site::theme::Theme;
use crate::site::write::{remove_tree, DirSink};
use crate::site::{self, Inputs, Progress, Sink};
use crate::util::StrMap;

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

/// Puts a rendered file in place, given the state the last build recorded
/// for its path (if its job had it), and returns the file's state.
type Put<'a> = dyn Fn(&str, &[u8], Option<&FileState>) -> Result<FileState, Error> + Sync + 'a;
/// Puts a kept file in place (its job is kept whole: [`JobOut`]).
type Keep<'a> = dyn Fn(&str, &FileState) -> Result<(), Error> + Sync + 'a;

/// What a build wrote, for the next build's state.
#[derive(Default)]
struct Record {
    /// The rendered jobs' outputs (with the `files:` job).
    jobs: Mutex<StrMap<JobOut>>,
    /// Paths written with new bytes.
    changed: Mutex<Vec<String>>,
    written: AtomicUsize,
    reused: AtomicUsize,
    /// Seconds each site-wide job took to render and write (for `-v`).
    times: Mutex<Vec<(String, f64)>>,
}

impl Record {
    fn file(&self, path: &str, new: bool) {
        if new {
            self.written.fetch_add(1, Ordering::Relaxed);
            if let Ok(mut c) = self.changed.lock() {
                c.push(path.to_string());
            }
        } else {
            self.reused.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The paths of the rendered jobs' files.
    fn paths(jobs: &StrMap<JobOut>) -> HashSet<&str> {
        jobs.values().flat_map(|o| o.paths().map(String::as_str)).collect()
    }
}

/// The job that records the files of no page: the theme's assets and the
/// backlog's files the bodies link to (put in every build).
const LOOSE: &str = "files:";

/// The hash of an output file's bytes (`FileState::hash`): equal hashes,
/// the file is the last build's and is linked, not written.
fn content_hash(bytes: &[u8]) -> u64 {
    super::hash_bytes(&[bytes])
}

/// The stamp of a file just written.
fn stamped(path: &Path, hash: u64) -> FileState {
    let (len, mtime_ns, ino) = FileState::stamp(path).unwrap_or_default();
    FileState { hash, len, mtime_ns, ino }
}

/// The last build's output of the job keyed `key`: the job of that key,
/// or for a site-wide job, the last one of the same job (its key differs
/// by the fingerprint of what it showed: `site_wide`, by key up to the
/// fingerprint).
fn last_out<'p>(prev: &'p State, site_wide: &StrMap<&'p JobOut>, key: &str) -> Option<&'p JobOut> {
    prev.jobs.get(key).or_else(|| site_wide.get(site_wide_job(key)?).copied())
}

/// A site-wide job's key without the fingerprint (`None` for other keys).
fn site_wide_job(key: &str) -> Option<&str> {
    is_site_wide_key(key).then(|| key.rsplit_once(':').map_or(key, |(job, _)| job))
}

/// The files of a job's last output by path, for its new files to find
/// theirs (a job has a few files; the `files:` job may have many).
struct LastFiles<'p> {
    files: &'p [(String, FileState)],
    by_path: Option<std::collections::HashMap<&'p str, &'p FileState>>,
}

impl<'p> LastFiles<'p> {
    fn of(out: Option<&'p JobOut>) -> Self {
        let files = out.map_or(&[][..], |o| &o.files[..]);
        let by_path = (files.len() > 16).then(|| files.iter().map(|(p, f)| (p.as_str(), f)).collect());
        LastFiles { files, by_path }
    }

    fn get(&self, path: &str) -> Option<&'p FileState> {
        match &self.by_path {
            Some(m) => m.get(path).copied(),
            None => self.files.iter().find(|(p, _)| p == path).map(|(_, f)| f),
        }
    }
}

/// Where a job starts among those to render: the site-wide jobs that take
/// longest first (at 10,000 items, tens of milliseconds each: the backlog
/// table, `graph.json`, `items.json`, the roadmap, whose first page builds
/// the whole backlog's roadmap, the graph index, the board of all work),
/// then every other job in its order. The longest first, each on the next
/// free thread, makes an incremental build's rendering as short as its
/// longest jobs allow.
fn start_rank(job: &Job) -> u8 {
    match job {
        Job::Backlog => 0,
        Job::ApiGraph => 1,
        Job::Api => 2,
        Job::Roadmap => 3,
        Job::Graph => 4,
        Job::Board(None) => 5,
        _ => 6,
    }
}

/// Runs `f` on every item of `items`, in the order of `rank` (stable),
/// each on the next free one of as many threads as rayon's pool has,
/// taken from one queue; stops at the first error. Not rayon's splitting
/// of the list in halves, which would start the longest jobs one after
/// the other on one thread; threads of their own, not tasks of the pool,
/// so that a job's own parallel parts cannot make it wait for other jobs
/// the pool handed the same thread.
fn in_order<T: Sync>(
    items: &[T],
    rank: impl Fn(&T) -> u8,
    f: impl Fn(&T) -> Result<(), Error> + Sync,
) -> Result<(), Error> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&k| rank(&items[k]));
    let next = AtomicUsize::new(0);
    let failed: Mutex<Option<Error>> = Mutex::new(None);
    let threads = rayon::current_num_threads().clamp(1, order.len().max(1));
    std::thread::scope(|sc| {
        for _ in 0..threads {
            sc.spawn(|| loop {
                if failed.lock().map_or(true, |e| e.is_some()) {
                    break;
                }
                let Some(&k) = order.get(next.fetch_add(1, Ordering::Relaxed)) else { break };
                if let Err(e) = f(&items[k]) {
                    if let Ok(mut slot) = failed.lock() {
                        slot.get_or_insert(e);
                    }
                    break;
                }
            });
        }
    });
    match failed.into_inner() {
        Ok(Some(e)) => Err(e),
        Ok(None) => Ok(()),
        Err(_) => Err(io::Error::other("a render thread panicked").into()),
    }
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
    let site_wide: StrMap<&JobOut> = prev
        .map(|p| p.jobs.iter().filter_map(|(k, o)| Some((site_wide_job(k)?.to_string(), o))).collect())
        .unwrap_or_default();
    let last = |key: Option<&str>| LastFiles::of(prev.zip(key).and_then(|(p, k)| last_out(p, &site_wide, k)));
    let one = |(job, key): &(Job, Option<String>)| -> Result<(), Error> {
        let t = std::time::Instant::now();
        let out = ctx.shared.run(ctx.env, job)?;
        let old = last(key.as_deref());
        let mut files = Vec::with_capacity(out.len());
        for (path, bytes) in out {
            let st = put(&path, &bytes, old.get(&path))?;
            files.push((path, st));
        }
        if key.as_deref().is_some_and(is_site_wide_key) {
            if let Ok(mut v) = rec.times.lock() {
                v.push((format!("{job:?}"), t.elapsed().as_secs_f64()));
            }
        }
        if let (Some(k), Ok(mut j)) = (key, rec.jobs.lock()) {
            j.insert(k.clone(), JobOut { files });
        }
        let d = done.fetch_add(1, Ordering::Relaxed) + 1;
        if d % 256 == 0 || d == total {
            (ctx.progress)(d, total);
        }
        Ok(())
    };
    in_order(render, |(job, _)| start_rank(job), one)?;
    if prev.is_some() {
        // The kept jobs' files stay in the state as they are (see `run`).
        reuse.par_iter().with_min_len(64).try_for_each(|(_, out)| -> Result<(), Error> {
            for (p, st) in &out.files {
                keep(p, st)?;
            }
            rec.reused.fetch_add(out.files.len(), Ordering::Relaxed);
            Ok(())
        })?;
    }
    let old = last(Some(LOOSE));
    let mut loose = Vec::new();
    for (name, bytes) in &ctx.theme.assets {
        let path = format!("assets/{name}");
        let st = put(&path, bytes, old.get(&path))?;
        loose.push((path, st));
    }
    // The backlog's own files the bodies link to (every body that links
    // anything was rendered above).
    let root = &ctx.inputs.backlog.root;
    for rel in ctx.shared.linked_files() {
        if let Ok(bytes) = std::fs::read(root.join(&rel)) {
            let path = format!("files/{rel}");
            let st = put(&path, &bytes, old.get(&path))?;
            loose.push((path, st));
        }
    }
    let mut jobs = rec.jobs.lock().map_err(|_| io::Error::other("a render thread panicked"))?;
    jobs.insert(LOOSE.to_string(), JobOut { files: loose });
    // `site.max_bytes`: checked before the new site replaces the old one.
    if let Some(max) = ctx.inputs.backlog.config.site.max_bytes {
        let kept = reuse.iter().flat_map(|(_, out)| &out.files);
        let files = jobs.values().flat_map(|o| &o.files).chain(kept).map(|(p, f)| (p.as_str(), f.len));
        site::budget::check(files, max).map_err(Error::TooLarge)?;
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

/// Whether the output folder still looks as the last build left it: every
/// folder's modification time, which a file added, removed, renamed or
/// replaced by hand (an editor's save, `cp` to a new name, `rm`) changes.
/// A file written over in place is not noticed: statting each of the
/// 40,000 files of a 10,000-item site cost as much as the rest of a
/// one-item build (`cairn build --full` renders everything).
fn check_output(out: &Path, prev: &State) -> Result<(), Altered> {
    for (d, t) in &prev.dirs {
        if dir_mtime(&out.join(d)) != Some(*t) {
            return Err(Altered(if d.is_empty() { ".".into() } else { format!("{d}/") }));
        }
    }
    Ok(())
}

/// Renders and writes a build; `plan` is the last state and the stale job
/// keys (`None`: full build). A full build is given the last state, if
/// any, as `replaced`: when the output folder is still the one it
/// describes, the replaced output is kept as the spare (its differences
/// from the new output are those of the files' content hashes), instead
/// of 40,000 files deleted now and linked again by the next build.
pub(super) fn run(
    ctx: &Ctx,
    mut plan_mut: Option<(&mut State, &HashSet<String>)>,
    replaced: Option<&State>,
    spare: &Path,
) -> Result<(Outcome, State), Error> {
    let plan: Option<(&State, &HashSet<String>)> = plan_mut.as_ref().map(|(p, k)| (&**p, *k));
    let t0 = std::time::Instant::now();
    let shared = ctx.shared;
    let all = shared.jobs();
    let mut render: Vec<(Job, Option<String>)> = Vec::new();
    let mut reuse: Vec<(String, &JobOut)> = Vec::new();
    // Each job's key and whether its last output is kept, side by side
    // (10,000 jobs at 10,000 items), then split in order.
    let planned: Vec<(String, Option<&JobOut>)> = all
        .par_iter()
        .with_min_len(256)
        .map(|job| {
            let key = job_key(shared, job).unwrap_or_else(|| site_wide_key(job, &ctx.site_sigs));
            let keep = match plan {
                Some((prev, stale)) if !stale.contains(&key) => {
                    let linking = matches!(job, Job::Item(i) if may_link(&shared.b.items[*i].body));
                    prev.jobs.get(&key).filter(|_| !linking)
                }
                _ => None,
            };
            (key, keep)
        })
        .collect();
    for (job, (key, keep)) in all.iter().zip(planned) {
        match keep {
            Some(out) => reuse.push((key, out)),
            None => render.push((job.clone(), Some(key))),
        }
    }
    let rec = Record::default();
    let dirty = spare.with_extension("spare-dirty");
    let spare_ok = plan.is_some_and(|(p, _)| p.spare.is_some()) && spare.is_dir() && !dirty.exists();
    let mut phases = vec![("jobs planned", t0.elapsed().as_secs_f64())];
    let t = std::time::Instant::now();
    let spare_kept = match plan {
        Some((prev, _)) if spare_ok => {
            // The output is read, never changed, until the swap.
            check_output(ctx.out, prev)?;
            phases.push(("check output", t.elapsed().as_secs_f64()));
            // Marked while it is being changed: a build killed half-way
            // leaves a spare the state no longer describes.
            std::fs::write(&dirty, b"")?;
            let r = into_spare(ctx, &render, &reuse, prev, &rec, spare).and_then(|()| swap(ctx.out, spare));
            if r.is_err() {
                let _ = remove_tree(spare);
            }
            r?;
            let _ = std::fs::remove_file(&dirty);
            true
        }
        _ => {
            let described = plan.is_none() && replaced.is_some_and(|r| describes(ctx.out, r));
            let kept = into_fresh(ctx, &render, &reuse, plan.map(|p| p.0), described, &rec, spare)?;
            if (plan.is_none() && !described) || !kept {
                if spare.exists() {
                    let _ = remove_tree(spare);
                }
                let _ = std::fs::remove_file(&dirty);
            } else if plan.is_none() {
                // The spare is the output `replaced` describes, whole.
                let _ = std::fs::remove_file(&dirty);
            }
            kept
        }
    };
    phases.push(("jobs rendered and written", t.elapsed().as_secs_f64()));
    let t = std::time::Instant::now();
    let mut jobs = rec.jobs.into_inner().unwrap_or_else(|e| e.into_inner());
    let kept: Vec<String> = reuse.into_iter().map(|(k, _)| k).collect();
    // The spare is now the last build's output (its differences recorded below).
    let spare_is_last = plan.is_some() && spare_kept;
    let spare_replaced = match replaced {
        Some(r) if plan.is_none() && spare_kept => Some(r),
        _ => None,
    };
    // An incremental build's state is the last one's with the jobs rendered
    // again: the kept jobs are moved over as they are (not copied one by
    // one: 10,000 jobs, 40,000 files at 10,000 items).
    let mut gone = Vec::new();
    let mut folder_names = None;
    if let Some((prev, _)) = plan_mut.as_mut() {
        let mut last_jobs = std::mem::take(&mut prev.jobs);
        let kept: Vec<(String, JobOut)> = kept.into_iter().filter_map(|k| last_jobs.remove_entry(&k)).collect();
        // What is left of the last build's jobs was rendered again or is
        // gone: its files are this build's (a rendered job's) or gone.
        let now = Record::paths(&jobs);
        gone.extend(last_jobs.values().flat_map(JobOut::paths).filter(|p| !now.contains(p.as_str())).cloned());
        // The folders: the last build's and those of the files rendered,
        // when no file is gone (a folder may be empty now).
        if gone.is_empty() && !prev.dirs.is_empty() {
            let mut v = folders(jobs.values().flat_map(JobOut::paths));
            v.extend(prev.dirs.iter().map(|(d, _)| d.clone()));
            v.sort_unstable();
            v.dedup();
            folder_names = Some(v);
        }
        jobs.extend(kept);
    }
    let folder_names = folder_names.unwrap_or_else(|| folders(jobs.values().flat_map(JobOut::paths)));
    let dirs = folder_names.into_iter().filter_map(|d| dir_mtime(&ctx.out.join(&d)).map(|t| (d, t))).collect();
    let spare_diff = match spare_replaced {
        Some(r) => Some(differences(&r.jobs, &jobs)),
        None => spare_is_last.then(|| {
            let mut v = rec.changed.into_inner().unwrap_or_else(|e| e.into_inner());
            v.append(&mut gone);
            v.sort_unstable();
            v.dedup();
            v
        }),
    };
    let (files, pages) =
        jobs.values().flat_map(JobOut::paths).fold((0, 0), |(f, h), p| (f + 1, h + usize::from(p.ends_with(".html"))));
    phases.push(("state merged", t.elapsed().as_secs_f64()));
    let outcome = Outcome {
        stats: site::Stats { files, pages, items: shared.page_count() },
        full: None,
        jobs_total: all.len(),
        jobs_rendered: render.len(),
        site_wide: render
            .iter()
            .filter(|(_, k)| k.as_deref().is_some_and(is_site_wide_key))
            .map(|(j, _)| format!("{j:?}"))
            .collect(),
        written: rec.written.into_inner(),
        reused: rec.reused.into_inner(),
        fragments: (0, 0),
        save_error: None,
        phases,
        site_wide_times: {
            let mut v = rec.times.into_inner().unwrap_or_else(|e| e.into_inner());
            v.sort_by(|a, b| a.0.cmp(&b.0));
            v
        },
    };
    Ok((
        outcome,
        State {
            key: [0; 4],
            items: StrMap::default(),
            jobs,
            spare: spare_diff,
            dirs,
            frags: Default::default(),
            store_gen: 0,
        },
    ))
}

/// Whether `out` is the output `state` describes: every folder's time
/// and every file's stamp as recorded (a file written over in place since,
/// which a build does not notice, is noticed here: it must not come back
/// from the spare after `--full` rewrote it).
fn describes(out: &Path, state: &State) -> bool {
    check_output(out, state).is_ok()
        && state.jobs.par_iter().all(|(_, j)| j.files.iter().all(|(p, f)| f.unchanged(&out.join(p))))
}

/// The paths where two outputs differ, sorted: a file of one that the
/// other lacks or has with another content hash.
fn differences(old: &StrMap<JobOut>, new: &StrMap<JobOut>) -> Vec<String> {
    fn files(m: &StrMap<JobOut>) -> HashMap<&str, u64> {
        m.values().flat_map(|j| j.files.iter().map(|(p, f)| (p.as_str(), f.hash))).collect()
    }
    let (old, new) = (files(old), files(new));
    // Only the paths that differ are copied (40,000 paths at 10,000 items).
    let mut v: Vec<String> = new.iter().filter(|(p, h)| old.get(*p) != Some(h)).map(|(p, _)| p.to_string()).collect();
    v.extend(old.keys().filter(|p| !new.contains_key(*p)).map(|p| p.to_string()));
    v.sort_unstable();
    v
}

/// A new folder swapped in; the replaced one kept as the spare after an
/// incremental build, or after a full one when `keep` (the last state
/// describes it). Returns whether it was kept.
fn into_fresh(
    ctx: &Ctx,
    render: &[(Job, Option<String>)],
    reuse: &[(String, &JobOut)],
    prev: Option<&State>,
    keep: bool,
    rec: &Record,
    spare: &Path,
) -> Result<bool, Error> {
    let keep_at = (prev.is_some() || keep).then_some(spare);
    let (_, kept) = site::write::write_with_keep(ctx.out, keep_at, |sink: &DirSink| -> Result<(), Error> {
        let prev_dir = sink.previous().map(Path::to_path_buf);
        let put = |path: &str, bytes: &[u8], old: Option<&FileState>| -> Result<FileState, Error> {
            let hash = content_hash(bytes);
            if let (Some(_), Some(dir)) = (prev, &prev_dir) {
                if let Some(old) = old.filter(|f| f.hash == hash) {
                    if old.unchanged(&dir.join(path)) && sink.link_previous(path).is_ok() {
                        rec.file(path, false);
                        return Ok(*old);
                    }
                }
                sink.write_new(path, bytes)?;
            } else {
                sink.put(path, bytes)?;
            }
            rec.file(path, true);
            Ok(stamped(&sink.target(path), hash))
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
    let put = |path: &str, bytes: &[u8], old: Option<&FileState>| -> Result<FileState, Error> {
        let hash = content_hash(bytes);
        if let Some(old) = old.filter(|f| f.hash == hash) {
            if differs.contains(path) {
                link_from_out(path)?;
            }
            rec.file(path, false);
            return Ok(*old);
        }
        let d = dest(path)?;
        let tmp = tmp_of(&d);
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(&tmp, &d)?;
        rec.file(path, true);
        Ok(stamped(&d, hash))
    };
    // The differing files of kept jobs, linked from the output.
    let linked: Mutex<HashSet<String>> = Mutex::new(HashSet::new());
    let keep = |path: &str, _: &FileState| -> Result<(), Error> {
        if differs.contains(path) {
            link_from_out(path)?;
            if let Ok(mut l) = linked.lock() {
                l.insert(path.to_string());
            }
        }
        Ok(())
    };
    fill(ctx, render, reuse, Some(prev), rec, &put, &keep)?;
    // Files neither this build nor the output has any more: of the last
    // build's jobs, those not kept (rendered again or gone), and of the
    // files where the spare differed, those no job put in place.
    let gone: Vec<String> = {
        let jobs = rec.jobs.lock().map_err(|_| io::Error::other("a render thread panicked"))?;
        let now = Record::paths(&jobs);
        let linked = linked.lock().map_err(|_| io::Error::other("a render thread panicked"))?;
        let kept: HashSet<&str> = reuse.iter().map(|(k, _)| k.as_str()).collect();
        prev.jobs
            .iter()
            .filter(|(k, _)| !kept.contains(k.as_str()))
            .flat_map(|(_, out)| out.paths().map(String::as_str))
            .chain(differs.iter().copied().filter(|p| !linked.contains(*p)))
            .filter(|p| !now.contains(*p))
            .map(String::from)
            .collect()
    };
    for p in &gone {
        let _ = std::fs::remove_file(spare.join(p));
        // Empty folders go too (a full build has none).
        let mut rest = p.as_str();
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
