//! The settle phase: the pages a fast rebuild left stale, rendered in the
//! background; and merging rendered jobs into the served site.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use minijinja::Environment;
use rayon::prelude::*;

use super::{
    compute_objects, git_head, inject, BuildStats, Builder, Files, Objects, Page, Pending, Reuse, SiteMap, Snapshot,
    MAX_LINKED_BYTES,
};
use crate::engine::invalidate::{self, site_wide_jobs};
use crate::site::pages::{Job, Shared};
use crate::site::{Inputs, NoAnalytics, SiteError};

/// A signature of every item's schedule (dates, slack, critical), by id.
pub(super) fn schedule_sigs(shared: &Shared) -> HashMap<String, u64> {
    let b = shared.b;
    (0..b.items.len()).map(|i| (b.items[i].id().to_string(), crate::engine::site::schedule_sig(shared, i))).collect()
}

/// A settle phase, ready to run off the builder thread: everything it
/// reads, owned (see [`Builder::settle_job`]).
pub struct SettleJob {
    /// The snapshot the phase settles; its result is kept only if no build
    /// replaced this one meanwhile.
    base: Arc<Snapshot>,
    pending: Pending,
    full: bool,
    env: Arc<Environment<'static>>,
    events: Option<Arc<crate::history::Events>>,
    derived: Arc<std::collections::BTreeMap<String, crate::query::Derived>>,
    options: crate::site::Options,
    head_date: Option<chrono::NaiveDate>,
    site_value: String,
    sched_sigs: Arc<HashMap<String, u64>>,
    history_changed: bool,
    /// A clone of the cards, schedule… of the fast build that made `base`
    /// (it shares the cards): the phase renders from them instead of
    /// making every card again (seconds and hundreds of MB at 100,000
    /// items, while the builder keeps its own for the next save).
    parts: Option<Arc<crate::site::pages::Parts>>,
    /// The site-wide lists' fragments, lent to the phase's render.
    frags: super::KeptFragments,
    start: Instant,
}

/// What a settle phase computed, for [`Builder::apply_settled`].
pub struct Settled {
    base: Arc<Snapshot>,
    report: Arc<crate::check::Report>,
    parts: crate::site::pages::Parts,
    full: bool,
    site_value: String,
    sched_sigs: Arc<HashMap<String, u64>>,
    /// Each job's key and files.
    keys: Vec<Option<String>>,
    out: Vec<Files>,
    linked: BTreeSet<String>,
    objects: Option<Objects>,
    drafts: bool,
    start: Instant,
}

impl SettleJob {
    /// Renders what the phase must (on any thread); `None` when cancelled
    /// or when rendering failed.
    pub fn run(mut self, cancel: &AtomicBool) -> Option<Settled> {
        let timing = std::env::var_os("CAIRN_SERVE_TIMING").is_some();
        let lap = |what: &str| {
            if timing {
                eprintln!("  settle {what}: {:.1?}", self.start.elapsed());
            }
        };
        // First: the builder's next fast build takes its parts back
        // without a copy once this `Arc` is gone.
        let parts = self.parts.take().map(Arc::unwrap_or_clone);
        lap("parts");
        let last = &self.base;
        let b = &last.backlog;
        let pending = &self.pending;
        let mut full = self.full;
        let report = match pending.check {
            true => Arc::new(crate::check::check_on(b, &last.graph, self.head_date)),
            false => last.report.clone(),
        };
        lap("check");
        if cancel.load(Ordering::Relaxed) {
            return None;
        }
        let inputs = Inputs {
            backlog: b,
            graph: &last.graph,
            report: &report,
            history: self.events.as_deref(),
            derived: &self.derived,
            analytics: &NoAnalytics::default(),
            options: self.options.clone(),
        };
        // The parts were made for this backlog and graph: nothing changed
        // since but the report (its counts are checked in `with_cards`).
        let shared = match parts {
            Some(parts) => Shared::reusing(&inputs, parts, &[], true, true),
            None => None,
        };
        let mut shared = shared.unwrap_or_else(|| Shared::new(&inputs));
        lap("shared");
        if cancel.load(Ordering::Relaxed) {
            return None;
        }
        // A value every page shows (the numbers of errors and warnings
        // after the check above) changed: every page.
        let site_value = serde_json::to_string(&shared.site).unwrap_or_default();
        full |= site_value != self.site_value;
        // The items whose schedule moved since (an estimate or a dependency
        // elsewhere moves them): their pages, graph and roadmap pages too.
        let sched_sigs = schedule_sigs(&shared);
        let moved: BTreeSet<String> = sched_sigs
            .iter()
            .filter(|(id, sig)| self.sched_sigs.get(id.as_str()) != Some(sig))
            .map(|(id, _)| id.clone())
            .collect();
        let jobs: Vec<Job> = if full { shared.jobs() } else { wider_jobs(&shared, last, pending, &moved) };
        // The fragments go back even when the phase is cancelled: those
        // rendered so far are as good as the rest.
        let epoch = self.frags.lend(&mut shared);
        let out = run_jobs(&shared, &self.env, &jobs, cancel);
        self.frags.keep(epoch, &mut shared);
        let out = out.ok()??;
        lap("render");
        let keys: Vec<Option<String>> = jobs.iter().map(|j| crate::engine::site::job_key(&shared, j)).collect();
        let linked = shared.linked_files();
        let parts = shared.into_parts();
        // New history: new derived dates in the item objects.
        let drafts = self.options.drafts;
        let objects = self.history_changed.then(|| compute_objects(b, &last.graph, &self.derived, drafts, Reuse::None));
        Some(Settled {
            base: self.base.clone(),
            report,
            parts,
            full,
            site_value,
            sched_sigs: Arc::new(sched_sigs),
            keys,
            out,
            linked,
            objects,
            drafts,
            start: self.start,
        })
    }
}

/// The jobs of a settle phase that does not render every page: the
/// site-wide pages and those near the changed items and the moved
/// schedules.
fn wider_jobs(shared: &Shared, last: &Snapshot, pending: &Pending, moved: &BTreeSet<String>) -> Vec<Job> {
    let b = &*last.backlog;
    let w = invalidate::wider(b, &last.graph, &pending.ids, &pending.sprints);
    let (mut items, mut graphs, sprints) = (w.items, w.graphs, w.sprints);
    let mut roadmaps = w.roadmaps;
    if !moved.is_empty() {
        let m = invalidate::wider(b, &last.graph, moved, &BTreeSet::new());
        items.extend(moved.iter().filter_map(|id| b.index.get(id.as_str()).copied()));
        graphs.extend(m.graphs);
        roadmaps.extend(m.roadmaps);
    }
    roadmaps.extend(graphs.iter().copied());
    if invalidate::sprint_changed(b, &pending.ids) {
        roadmaps.extend(0..b.items.len());
    }
    let mut jobs = site_wide_jobs();
    jobs.extend(
        roadmaps.into_iter().filter(|&i| shared.urls[i].is_some() && shared.has_roadmap_page(i)).map(Job::RoadmapOf),
    );
    jobs.extend(sprints.iter().filter(|&&s| shared.urls[s].is_some()).map(|&s| Job::Board(Some(s))));
    jobs.extend(graphs.into_iter().filter(|&i| shared.urls[i].is_some() && shared.has_graph_page(i)).map(Job::GraphOf));
    let mut focus = invalidate::focus_reach(b, &last.graph, &pending.ids, &pending.old_neighbours);
    focus.extend(items.iter().copied());
    jobs.extend(items.into_iter().filter(|&i| shared.urls[i].is_some()).map(Job::Item));
    jobs.extend(focus.into_iter().filter(|&i| shared.has_focus_page(i)).map(Job::Focus));
    jobs
}

impl Builder {
    /// The settle phase at once (prepare, run, apply): the pages a fast
    /// rebuild left stale. `None` when cancelled (keep `pending` for later)
    /// or when rendering failed.
    pub fn settle(&mut self, pending: &Pending, cancel: &AtomicBool) -> Option<(Arc<Snapshot>, BuildStats)> {
        let job = self.settle_job(pending)?;
        let done = job.run(cancel)?;
        self.apply_settled(done)
    }

    /// Prepares the settle phase of `pending` (reading history again when
    /// HEAD moved): what [`SettleJob::run`] needs, owned.
    pub fn settle_job(&mut self, pending: &Pending) -> Option<SettleJob> {
        let start = Instant::now();
        let last = self.last.clone()?;
        let mut full = pending.full;
        let mut history_changed = false;
        if self.opts.history
            && self.history_read.is_none_or(|t| t.elapsed().as_secs() >= 2)
            && git_head(&self.root) != self.git_head
        {
            let before = self.events.as_ref().map(|e| (e.head.clone(), e.events.len()));
            self.read_history();
            history_changed = self.events.as_ref().map(|e| (e.head.clone(), e.events.len())) != before;
            full |= history_changed;
        }
        let parts = match &self.parts {
            Some((of, p)) if Arc::ptr_eq(of, &last.backlog) && !history_changed => Some(p.clone()),
            _ => None,
        };
        Some(SettleJob {
            options: self.site_options(&last.backlog),
            base: last,
            pending: pending.clone(),
            full,
            env: self.env.clone()?,
            events: self.events.clone(),
            derived: self.derived.clone(),
            head_date: self.head_date,
            site_value: self.site_value.clone(),
            sched_sigs: self.sched_sigs.clone(),
            history_changed,
            parts,
            frags: self.frags.clone(),
            start,
        })
    }

    /// Publishes what a settle phase rendered, unless a build replaced the
    /// snapshot it settled meanwhile (`None`: its pending work is to be
    /// done again on the new one).
    pub fn apply_settled(&mut self, done: Settled) -> Option<(Arc<Snapshot>, BuildStats)> {
        let last = self.last.clone()?;
        if !Arc::ptr_eq(&last, &done.base) || done.drafts != self.opts.drafts {
            return None;
        }
        let Settled { report, parts, full, site_value, sched_sigs, keys, out, linked, objects, start, .. } = done;
        let n = keys.len();
        self.site_value = site_value;
        self.sched_sigs = sched_sigs;
        let mut site: SiteMap = if full { SiteMap::new() } else { (*last.site).clone() };
        let mut changed = self.merge(&mut site, &last.backlog, &keys, out, linked, full, false);
        if full {
            for (name, bytes) in &self.theme_assets {
                let path = format!("assets/{name}");
                let page = Page::new(&path, bytes);
                site.insert(Arc::from(path), page);
            }
            changed = diff_maps(&last.site, &site);
        }
        // The overlay of the fast builds goes into a new base table, so
        // that the next fast build copies next to nothing.
        site.flatten();
        self.parts = Some((last.backlog.clone(), Arc::new(parts)));
        let objs = objects.unwrap_or_else(|| Objects {
            json: last.objects.clone(),
            listed: last.listed.clone(),
            recomputed: Vec::new(),
        });
        let generation = self.next_generation();
        let snap = Arc::new(Snapshot {
            generation,
            backlog: last.backlog.clone(),
            graph: last.graph.clone(),
            report,
            events: self.events.clone(),
            derived: self.derived.clone(),
            objects: objs.json,
            listed: objs.listed,
            schedule: OnceLock::new(),
            site: Arc::new(site),
            error: None,
            build_seconds: start.elapsed().as_secs_f64(),
            changed: Some(changed),
        });
        self.last = Some(snap.clone());
        let stats = BuildStats {
            phase: "settle",
            seconds: start.elapsed().as_secs_f64(),
            parsed: 0,
            rendered_jobs: n,
            ok: true,
        };
        Some((snap, stats))
    }

    /// Puts job outputs into `site`, drops the
    /// outputs a job no longer produces, and returns the changed paths.
    /// `keys`: each job's key ([`crate::engine::site::job_key`]);
    /// `linked`: the files the pages link to; `same_ids`: the backlog has
    /// the ids of the last one (no item's pages to drop).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn merge(
        &mut self,
        site: &mut SiteMap,
        b: &crate::load::Backlog,
        keys: &[Option<String>],
        out: Vec<Files>,
        linked: BTreeSet<String>,
        full: bool,
        same_ids: bool,
    ) -> Vec<String> {
        if full {
            self.outputs.clear();
        }
        let mut changed = Vec::new();
        for (key, files) in keys.iter().zip(out) {
            let old = key.as_ref().and_then(|k| self.outputs.get(k));
            if let Some(old) = old {
                for p in old {
                    if !files.iter().any(|(q, _)| q.as_str() == &**p) && site.remove(p).is_some() {
                        changed.push(p.to_string());
                    }
                }
            }
            // Each path held once: the site's key, shared by the job's list.
            let mut paths: Vec<Arc<str>> = Vec::with_capacity(files.len());
            for (p, page) in files {
                match site.get_key_value(&p) {
                    Some((k, old)) if *old == page => paths.push(k.clone()),
                    _ => {
                        let k: Arc<str> = Arc::from(p.as_str());
                        site.insert(k.clone(), page);
                        paths.push(k);
                        changed.push(p);
                    }
                }
            }
            if let Some(k) = key {
                self.outputs.insert(k.clone(), paths);
            }
        }
        // Items that are gone: drop their pages (none when the backlog was
        // patched in place: the same ids).
        if !full && !same_ids {
            let gone: Vec<String> = self
                .outputs
                .keys()
                // Keyed by an item id; `audit:<page>` is keyed by a page number.
                .filter(|k| k.split_once(':').is_some_and(|(kind, id)| kind != "audit" && !b.index.contains_key(id)))
                .cloned()
                .collect();
            for k in gone {
                for p in self.outputs.remove(&k).unwrap_or_default() {
                    if site.remove(&p).is_some() {
                        changed.push(p.to_string());
                    }
                }
            }
        }
        for rel in linked {
            let key = format!("files/{rel}");
            if !site.contains_key(key.as_str()) {
                if let Ok(bytes) = crate::util::fs::read_regular(&self.root.join(&rel), MAX_LINKED_BYTES) {
                    site.insert(Arc::from(key.as_str()), Page::plain(bytes));
                    changed.push(key);
                }
            }
        }
        changed.sort();
        changed.dedup();
        changed
    }
}

/// Renders jobs in parallel, each file as served (the reload script in
/// pages, text gzipped: on the rendering threads, and no job's raw output
/// outlives it); `Ok(None)` when cancelled.
pub(super) fn run_jobs(
    shared: &Shared,
    env: &Environment,
    jobs: &[Job],
    cancel: &AtomicBool,
) -> Result<Option<Vec<Files>>, SiteError> {
    let timing = std::env::var_os("CAIRN_SERVE_TIMING").is_some();
    let out: Vec<Result<Option<Files>, SiteError>> = jobs
        .par_iter()
        .map(|j| {
            if cancel.load(Ordering::Relaxed) {
                return Ok(None);
            }
            let t = Instant::now();
            let files = shared.run(env, j)?;
            if timing && t.elapsed().as_millis() >= 50 {
                eprintln!("    job {j:?}: {:.1?}", t.elapsed());
            }
            Ok(Some(
                files
                    .into_iter()
                    .map(|(p, bytes)| {
                        let page = inject(&p, bytes);
                        (p, page)
                    })
                    .collect(),
            ))
        })
        .collect();
    if cancel.load(Ordering::Relaxed) {
        return Ok(None);
    }
    let mut v = Vec::with_capacity(out.len());
    for o in out {
        match o? {
            Some(files) => v.push(files),
            None => return Ok(None),
        }
    }
    Ok(Some(v))
}

/// Paths whose bytes differ between two maps (either side).
pub(super) fn diff_maps(a: &SiteMap, b: &SiteMap) -> Vec<String> {
    let mut out: Vec<String> =
        b.iter().filter(|(k, v)| a.get(k).is_none_or(|old| old != *v)).map(|(k, _)| k.to_string()).collect();
    out.extend(a.keys().filter(|k| !b.contains_key(k)).map(|k| k.to_string()));
    out.sort();
    out
}
