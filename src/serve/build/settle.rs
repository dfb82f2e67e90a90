//! The settle phase: the pages a fast rebuild left stale, rendered in the
//! background; and merging rendered jobs into the served site.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use minijinja::Environment;
use rayon::prelude::*;

use super::{
    compute_objects, git_head, inject, BuildStats, Builder, Files, Objects, Pending, Reuse, SiteMap, Snapshot,
    MAX_LINKED_BYTES,
};
use crate::engine::invalidate::{self, site_wide_jobs};
use crate::site::pages::{Job, Shared};
use crate::site::{Inputs, NoAnalytics, SiteError};

/// A signature of every item's schedule (dates, slack, critical), by id.
pub(super) fn schedule_sigs(shared: &Shared) -> std::collections::HashMap<String, u64> {
    let b = shared.b;
    (0..b.items.len()).map(|i| (b.items[i].id().to_string(), crate::engine::site::schedule_sig(shared, i))).collect()
}

impl Builder {
    /// The settle phase: the pages a fast rebuild left stale. `None` when
    /// cancelled (keep `pending` for later) or when rendering failed.
    pub fn settle(&mut self, pending: &Pending, cancel: &AtomicBool) -> Option<(Arc<Snapshot>, BuildStats)> {
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
        let env = self.env.clone()?;
        let events = self.events.clone();
        let derived = self.derived.clone();
        let b = &last.backlog;
        let report = match pending.check {
            true => Arc::new(crate::check::check_on(b, &last.graph, self.head_date)),
            false => last.report.clone(),
        };
        if cancel.load(Ordering::Relaxed) {
            return None;
        }
        let inputs = Inputs {
            backlog: b,
            graph: &last.graph,
            report: &report,
            history: events.as_deref(),
            derived: &derived,
            analytics: &NoAnalytics::default(),
            options: self.site_options(b),
        };
        let shared = Shared::new(&inputs);
        // A value every page shows (the numbers of errors and warnings
        // after the check above) changed: every page.
        let site_value = serde_json::to_string(&shared.site).unwrap_or_default();
        full |= site_value != self.site_value;
        // The items whose schedule moved since (an estimate or a dependency
        // elsewhere moves them): their pages, graph and roadmap pages too.
        let sched_sigs = schedule_sigs(&shared);
        let moved: std::collections::BTreeSet<String> = sched_sigs
            .iter()
            .filter(|(id, sig)| self.sched_sigs.get(id.as_str()) != Some(sig))
            .map(|(id, _)| id.clone())
            .collect();
        let jobs: Vec<Job> = if full {
            shared.jobs()
        } else {
            let w = invalidate::wider(b, &last.graph, &pending.ids, &pending.sprints);
            let (mut items, mut graphs, sprints) = (w.items, w.graphs, w.sprints);
            let mut roadmaps = w.roadmaps;
            if !moved.is_empty() {
                let m = invalidate::wider(b, &last.graph, &moved, &std::collections::BTreeSet::new());
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
                roadmaps
                    .into_iter()
                    .filter(|&i| shared.urls[i].is_some() && shared.has_roadmap_page(i))
                    .map(Job::RoadmapOf),
            );
            jobs.extend(sprints.iter().filter(|&&s| shared.urls[s].is_some()).map(|&s| Job::Board(Some(s))));
            jobs.extend(
                graphs.into_iter().filter(|&i| shared.urls[i].is_some() && shared.has_graph_page(i)).map(Job::GraphOf),
            );
            let mut focus = invalidate::focus_reach(b, &last.graph, &pending.ids, &pending.old_neighbours);
            focus.extend(items.iter().copied());
            jobs.extend(items.into_iter().filter(|&i| shared.urls[i].is_some()).map(Job::Item));
            jobs.extend(focus.into_iter().filter(|&i| shared.has_focus_page(i)).map(Job::Focus));
            jobs
        };
        let n = jobs.len();
        let out = run_jobs(&shared, &env, &jobs, cancel).ok()??;
        self.site_value = site_value;
        self.sched_sigs = sched_sigs;
        let mut site: SiteMap = if full { SiteMap::new() } else { (*last.site).clone() };
        let mut changed = self.merge(&mut site, &shared, &jobs, out, full);
        if full {
            for (name, bytes) in &self.theme_assets {
                site.insert(Arc::from(format!("assets/{name}")), Arc::from(bytes.clone()));
            }
            changed = diff_maps(&last.site, &site);
        }
        // In the background: the overlay of the fast builds goes into a new
        // base table, so that the next fast build copies next to nothing.
        site.flatten();
        self.parts = Some((last.backlog.clone(), shared.into_parts()));
        // New history: new derived dates in the item objects.
        let objs = match history_changed {
            true => compute_objects(b, &last.graph, &derived, self.opts.drafts, Reuse::None),
            false => Objects {
                objects: last.objects.clone(),
                json: last.objects_json.clone(),
                contexts: last.contexts.clone(),
                listed: last.listed.clone(),
                recomputed: Vec::new(),
            },
        };
        let generation = self.next_generation();
        let snap = Arc::new(Snapshot {
            generation,
            backlog: last.backlog.clone(),
            graph: last.graph.clone(),
            report,
            events: self.events.clone(),
            derived: self.derived.clone(),
            objects: objs.objects,
            objects_json: objs.json,
            contexts: objs.contexts,
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

    /// Puts job outputs into `site` (with the reload script), drops the
    /// outputs a job no longer produces, and returns the changed paths.
    pub(super) fn merge(
        &mut self,
        site: &mut SiteMap,
        shared: &Shared,
        jobs: &[Job],
        out: Vec<Vec<(String, Vec<u8>)>>,
        full: bool,
    ) -> Vec<String> {
        let b = shared.b;
        if full {
            self.outputs.clear();
        }
        let mut changed = Vec::new();
        for (job, files) in jobs.iter().zip(out) {
            let key = crate::engine::site::job_key(shared, job);
            let paths: Vec<String> = files.iter().map(|(p, _)| p.clone()).collect();
            if let Some(k) = &key {
                if let Some(old) = self.outputs.get(k) {
                    for p in old {
                        if !paths.contains(p) && site.remove(p.as_str()).is_some() {
                            changed.push(p.clone());
                        }
                    }
                }
            }
            for (p, bytes) in files {
                let bytes = inject(&p, bytes);
                let same = site.get(p.as_str()).is_some_and(|old| **old == *bytes);
                if !same {
                    site.insert(Arc::from(p.as_str()), bytes);
                    changed.push(p);
                }
            }
            if let Some(k) = key {
                self.outputs.insert(k, paths);
            }
        }
        // Items that are gone: drop their pages.
        if !full {
            let gone: Vec<String> = self
                .outputs
                .keys()
                // Keyed by an item id; `audit:<page>` is keyed by a page number.
                .filter(|k| k.split_once(':').is_some_and(|(kind, id)| kind != "audit" && !b.index.contains_key(id)))
                .cloned()
                .collect();
            for k in gone {
                for p in self.outputs.remove(&k).unwrap_or_default() {
                    if site.remove(p.as_str()).is_some() {
                        changed.push(p);
                    }
                }
            }
        }
        for rel in shared.linked_files() {
            let key = format!("files/{rel}");
            if !site.contains_key(key.as_str()) {
                if let Ok(bytes) = crate::util::fs::read_regular(&self.root.join(&rel), MAX_LINKED_BYTES) {
                    site.insert(Arc::from(key.as_str()), Arc::from(bytes));
                    changed.push(key);
                }
            }
        }
        changed.sort();
        changed.dedup();
        changed
    }
}

/// Renders jobs in parallel; `Ok(None)` when cancelled.
pub(super) fn run_jobs(
    shared: &Shared,
    env: &Environment,
    jobs: &[Job],
    cancel: &AtomicBool,
) -> Result<Option<Vec<Files>>, SiteError> {
    let out: Vec<Result<Option<Files>, SiteError>> = jobs
        .par_iter()
        .map(|j| if cancel.load(Ordering::Relaxed) { Ok(None) } else { shared.run(env, j).map(Some) })
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
    let mut out: Vec<String> = b
        .iter()
        .filter(|(k, v)| a.get(k).is_none_or(|old| !Arc::ptr_eq(old, v) && **old != ***v))
        .map(|(k, _)| k.to_string())
        .collect();
    out.extend(a.keys().filter(|k| !b.contains_key(k)).map(|k| k.to_string()));
    out.sort();
    out
}
