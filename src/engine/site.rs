//! The incremental `cairn build`: renders only the pages whose inputs
//! changed since the last build into the same output folder, and
//! hard-links every other file from that folder into the new one (which
//! still replaces it atomically, see `site::write`).
//!
//! A build is **full** (every page rendered, as before) when there is no
//! usable state (first build, `--full`, unreadable or foreign cache), when
//! the global key changed (configuration, theme or templates, build
//! options, history, "today", a value every page shows such as the counts
//! of items or sprints, the schedule's start; not the numbers of errors and
//! warnings, which only the overview and the problems page show), when the output folder is
//! missing, or when a folder of it changed since the last build (a file
//! added, removed or replaced by hand). Otherwise the jobs rendered
//! are the site-wide ones when what they list changed (their keys hold a
//! fingerprint of what each shows: every item's signature, the diagnostics,
//! the insights and the proposals for most; no title for the problems,
//! sprints and metrics pages: [`SiteSigs`]), the audit pages listing a changed item, the pages the
//! [`invalidate`](super::invalidate) rules choose for the items whose
//! signature changed, the pages of items whose body has links (their bytes
//! depend on other items and on files of the root), and every job the last
//! build did not have. Everything else is the last build's bytes. How the
//! files are put in place: [`super::write`].

use std::collections::{BTreeSet, HashSet};
use std::path::Path;

use rayon::prelude::*;

use super::hash_bytes;
use super::invalidate;
use super::persist::{ItemState, State};
use crate::site::pages::{Job, Shared};
use crate::site::theme::Theme;
use crate::site::{self, Inputs, Progress, SiteError};
use crate::util::StrMap;

/// What the caller asks for.
pub struct Request<'a> {
    /// The backlog root (`.cairn-cache/` is under it).
    pub root: &'a Path,
    /// The output folder (absolute).
    pub out: &'a Path,
    /// A fingerprint of the command's own options that change pages and
    /// are not in the inputs (`--strict`, `--no-history`).
    pub flags: u64,
    /// Render everything, whatever the state says.
    pub full: bool,
    /// Save the state for the next build.
    pub save: bool,
    /// The process ends after this build (`cairn build`): the last build's
    /// state, this one's and the site's context are left to the operating
    /// system to take back at exit, not freed one by one (hundreds of
    /// thousands of small allocations at 10,000 items).
    pub last: bool,
}

/// How a build went.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    pub stats: site::Stats,
    /// `None`: incremental; else why every page was rendered.
    pub full: Option<String>,
    pub jobs_total: usize,
    pub jobs_rendered: usize,
    /// Files written with new bytes.
    pub written: usize,
    /// Files hard-linked from the last build's output.
    pub reused: usize,
    /// The site-wide jobs rendered (by their `Debug` names), in order.
    pub site_wide: Vec<String>,
    /// `(rendered, total)` fragments of the site-wide lists.
    pub fragments: (usize, usize),
    /// The state could not be saved (the next build is then a full one).
    pub save_error: Option<String>,
    /// Seconds per phase, for `-v`.
    pub phases: Vec<(&'static str, f64)>,
    /// Seconds each site-wide job rendered took (render and write), for `-v`.
    pub site_wide_times: Vec<(String, f64)>,
}

/// The key of a job whose output is kept between builds by the
/// [`invalidate`] rules; site-wide jobs have none (`build` keys them by
/// what they list: [`site_wide_key`]; `serve` renders them again).
pub fn job_key(s: &Shared, job: &Job) -> Option<String> {
    let id = |i: &usize| s.b.items[*i].id();
    match job {
        Job::Item(i) => Some(format!("item:{}", id(i))),
        Job::GraphOf(i) => Some(format!("graph:{}", id(i))),
        Job::RoadmapOf(i) => Some(format!("roadmap:{}", id(i))),
        Job::Focus(i) => Some(format!("focus:{}", id(i))),
        Job::Board(Some(i)) => Some(format!("board:{}", id(i))),
        Job::Audit(p) => Some(format!("audit:{p}")),
        _ => None,
    }
}

/// The key of a site-wide job in `build`: the job and the fingerprint of
/// what the job shows ([`SiteSigs`]).
pub(super) fn site_wide_key(job: &Job, sigs: &SiteSigs) -> String {
    let sig = sigs.of(job);
    format!("{SITE_WIDE}{job:?}:{sig:016x}")
}

/// The start of every [`site_wide_key`].
const SITE_WIDE: &str = "site:";

/// Whether a job key is a site-wide job's ([`site_wide_key`]).
pub(super) fn is_site_wide_key(key: &str) -> bool {
    key.starts_with(SITE_WIDE)
}

/// Whether a body can link to another item or a file of the root (its
/// page then depends on them): inline and reference links, wiki links.
pub(super) fn may_link(body: &str) -> bool {
    body.contains("](") || body.contains("]:") || body.contains("[[")
}

/// What every page depends on, as fingerprints of four groups (see
/// [`KEY_PARTS`]): when one changes, every page is rendered again.
fn global_key(inputs: &Inputs, theme: &Theme, shared: &Shared, flags: u64) -> [u64; 4] {
    let o = &inputs.options;
    let mut setup: Vec<Vec<u8>> = vec![
        env!("CARGO_PKG_VERSION").as_bytes().to_vec(),
        flags.to_le_bytes().to_vec(),
        serde_json::to_vec(&inputs.backlog.config).unwrap_or_default(),
        o.base_url.as_bytes().to_vec(),
        vec![u8::from(o.drafts)],
    ];
    for (name, src) in &theme.templates {
        setup.push(name.as_bytes().to_vec());
        setup.push(src.as_bytes().to_vec());
    }
    for (name, bytes) in &theme.assets {
        setup.push(name.as_bytes().to_vec());
        setup.push(bytes.clone());
    }
    // "Today" is the HEAD commit's date (the clock's without history).
    let history = match inputs.history {
        Some(ev) => format!(
            "{:?}|{:?}|{:?}|{:?}|{}|{}|{}|{:?}|{}|{:?}",
            o.today,
            o.history_note,
            ev.source,
            ev.head,
            ev.shallow,
            ev.commits.len(),
            ev.events.len(),
            ev.unreadable,
            ev.root_in_repo,
            ev.commit_url
        ),
        None => format!("no history|{:?}|{:?}", o.today, o.history_note),
    };
    // The numbers of errors and warnings are shown by the overview and the
    // problems page alone (site-wide jobs, rendered in every build): a
    // change of them does not make every page stale — unless a template of
    // the backlog's own may show them elsewhere.
    let mut site = serde_json::to_value(&shared.site).unwrap_or_default();
    if let Some(o) = site.as_object_mut().filter(|_| !own_templates_read(theme, PAGE_LOCAL_SITE_VALUES)) {
        for k in PAGE_LOCAL_SITE_VALUES {
            o.remove(*k);
        }
    }
    let site = serde_json::to_vec(&site).unwrap_or_default();
    let sched = format!("{:?}|{:?}", shared.sched.start, shared.active.map(|a| shared.b.items[a].id()));
    let refs: Vec<&[u8]> = setup.iter().map(Vec::as_slice).collect();
    [hash_bytes(&refs), hash_bytes(&[history.as_bytes()]), hash_bytes(&[&site]), hash_bytes(&[sched.as_bytes()])]
}

/// The values of `site` that only site-wide pages show (the page frame
/// does not): left out of the global key, unless the backlog's own
/// templates may show them on other pages ([`own_templates_read`]).
const PAGE_LOCAL_SITE_VALUES: &[&str] = &["errors", "warnings"];

/// Whether a template other than `index.html` and `problems.html` that
/// is not the embedded one (the backlog's own, in `templates/` or its
/// theme) mentions one of `names`.
fn own_templates_read(theme: &Theme, names: &[&str]) -> bool {
    let embedded = |name: &str| crate::site::theme::TEMPLATES.iter().find(|(n, _)| *n == name).map(|(_, src)| *src);
    theme.templates.iter().any(|(name, src)| {
        !matches!(name.as_str(), "index.html" | "problems.html")
            && embedded(name) != Some(src.as_str())
            && names.iter().any(|n| src.contains(n))
    })
}

/// What the four parts of the global key cover.
const KEY_PARTS: [&str; 4] = [
    "configuration, theme, templates or build options",
    "history (or today's date)",
    "a site-wide value (counts of items or sprints)",
    "the schedule's start or the active sprint",
];

/// A signature of item `i`'s schedule (dates, slack, critical): what its
/// item, graph and roadmap pages show of it.
pub fn schedule_sig(s: &Shared, i: usize) -> u64 {
    let mut h = crate::util::HashWriter::default();
    match s.sched.get(i) {
        Some(t) => {
            // Every field, destructured: a new one cannot be forgotten.
            let crate::graph::schedule::Times { duration, es, ef, ls, lf, slack, critical } = *t;
            h.bytes(&[1, u8::from(critical)]);
            for x in [duration, es, ef, ls, lf, slack] {
                h.u64(x.to_bits());
            }
        }
        None => h.bytes(&[0]),
    }
    h.finish()
}

/// The signature of item `i` (`None` for a duplicate id): all its pages
/// show of it (the inputs of its item object, card, path, body, schedule,
/// a sprint's history-based charts, its page).
fn item_sig(inputs: &Inputs, s: &Shared, i: usize) -> Option<u64> {
    use std::fmt::Write;
    let it = &s.b.items[i];
    let obj_sig = s.object_sigs()[i]?;
    let card = s.card_sigs()[i];
    // Written into the hasher as it goes (no string per part). The item's
    // path and body are in `obj_sig` (its file's text and path).
    let mut h = crate::util::HashWriter::default();
    h.u64(obj_sig);
    h.u64(card);
    h.u64(schedule_sig(s, i));
    let burndown = inputs.analytics.burndown(it.id()).map(|bd| serde_json::to_string(&bd).unwrap_or_default());
    h.opt_text(burndown.as_deref());
    match inputs.analytics.sprint_detail(it.id()) {
        Some(d) => {
            h.bytes(&[1]);
            let _ = write!(h, "{d:?}");
            h.bytes(&[0]);
        }
        None => h.bytes(&[0]),
    }
    h.opt_text(s.urls[i].as_deref());
    Some(h.finish())
}

/// The state of item `i`, whose signature is `sig`.
fn item_state(s: &Shared, i: usize, sig: u64) -> ItemState {
    let it = &s.b.items[i];
    let related = invalidate::related_of(s.b, s.g, i);
    let sprint = it.sprint.as_ref().map(|s| s.value.clone());
    ItemState { sig, path: it.path.clone(), sprint, related }
}

/// The items' states, and what changed since the last build's.
#[derive(Default)]
struct ItemDiff {
    /// Ids whose signature changed, and those added or removed.
    changed: BTreeSet<String>,
    /// The ids the changed items were related to in the last build.
    old_neighbours: BTreeSet<String>,
    /// The sprints of the changed items, before and after.
    sprints: BTreeSet<String>,
}

/// Every item's state for the next build: the last build's as it is when
/// the signature is the same (its path, sprint and related ids are among
/// what the signature covers, under the same configuration: `carry`),
/// else made anew; and what changed. Takes the last build's states out of
/// `last` (what is left there: those of the items that changed or are gone).
fn item_states(
    s: &Shared,
    sigs: &[Option<u64>],
    last: Option<&mut StrMap<ItemState>>,
) -> (StrMap<ItemState>, ItemDiff) {
    let b = s.b;
    let mut diff = ItemDiff::default();
    let Some(last) = last else {
        let items = (0..b.items.len())
            .into_par_iter()
            .with_min_len(64)
            .filter_map(|i| Some((b.items[i].id().to_string(), item_state(s, i, sigs[i]?))))
            .collect();
        return (items, diff);
    };
    let mut items = StrMap::with_capacity_and_hasher(sigs.len(), Default::default());
    let mut fresh = Vec::new();
    for (i, sig) in sigs.iter().enumerate() {
        let Some(sig) = *sig else { continue };
        let id = b.items[i].id();
        // A changed item's old state is left in `last` for the caller.
        if last.get(id).is_some_and(|st| st.sig == sig) {
            if let Some((k, st)) = last.remove_entry(id) {
                items.insert(k, st);
                continue;
            }
        }
        fresh.push((i, sig));
    }
    for (i, sig) in fresh {
        let st = item_state(s, i, sig);
        let id = b.items[i].id();
        diff.changed.insert(id.to_string());
        diff.sprints.extend(st.sprint.iter().cloned());
        items.insert(id.to_string(), st);
    }
    for (id, o) in last.iter() {
        diff.changed.insert(id.clone());
        diff.old_neighbours.extend(o.related.iter().cloned());
        diff.sprints.extend(o.sprint.iter().cloned());
    }
    (items, diff)
}

/// The fingerprints of what the site-wide jobs show beyond the global
/// key, one per group of jobs that show the same things: the key of each
/// site-wide job is `site:<job>:<its fingerprint>` ([`site_wide_key`]);
/// when it is the last build's, nothing the job shows changed and its
/// files are kept.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct SiteSigs {
    /// Everything: every item's signature ([`item_state`]: its item
    /// object, card, path, body, schedule, sprint charts and page) in the
    /// backlog's order, the items of a duplicate id, the diagnostics, the
    /// insights and the proposals (overview, boards, backlog, graph,
    /// roadmap, proposals, static API).
    pub all: u64,
    /// The problems page: the diagnostics, and each item's id, path and
    /// page (a diagnostic links to its item's page) — not titles.
    pub problems: u64,
    /// The sprints page: each sprint's signature (its card, dates,
    /// capacity, burndown), and of every item what a sprint's numbers
    /// count (id, page or not, kind, status and its category, estimate,
    /// assignees, sprint, duplicate or not) — not titles.
    pub sprints: u64,
    /// The metrics page: the sprints page's, and the history's metrics.
    pub metrics: u64,
    /// The docs index: each document's signature and number of references.
    pub docs: u64,
    /// The feed: the title and page of the item of each of its events.
    pub feed: u64,
    /// The insights page: the insights, and the signature of each item
    /// they name (its card).
    pub insights: u64,
    /// The API's sprints, metrics, audit and diagnostics files: the
    /// metrics page's, and the diagnostics.
    pub api_data: u64,
}

impl SiteSigs {
    /// The fingerprint of what `job` (a site-wide job) shows.
    pub(super) fn of(&self, job: &Job) -> u64 {
        match job {
            Job::Problems => self.problems,
            Job::Sprints => self.sprints,
            Job::Metrics => self.metrics,
            Job::Docs => self.docs,
            Job::Feed => self.feed,
            Job::Insights => self.insights,
            Job::ApiData => self.api_data,
            _ => self.all,
        }
    }
}

/// The fingerprints of [`SiteSigs`], in one pass over the items.
fn site_wide_sigs(inputs: &Inputs, s: &Shared, item_sigs: &[Option<u64>]) -> SiteSigs {
    use crate::config::Role;
    use crate::graph::EdgeType;
    use std::fmt::Write;
    let b = s.b;
    let [mut all, mut problems, mut sprints, mut docs, mut feed] =
        std::array::from_fn::<_, 5, _>(|_| crate::util::HashWriter::default());
    let mut fallback = String::new();
    let mut sigs = Vec::with_capacity(b.items.len());
    for (i, it) in b.items.iter().enumerate() {
        let canonical = b.index.get(it.id()) == Some(&i);
        let sig = match item_sigs[i].filter(|_| canonical) {
            Some(sig) => sig,
            None => {
                fallback.clear();
                let _ = write!(fallback, "{it:?}\u{0}{}\u{0}{:?}", s.card_sigs()[i], s.urls[i]);
                hash_bytes(&[fallback.as_bytes()])
            }
        };
        sigs.push(sig);
        // Written as they are, each string after its length (no `Debug`
        // form: 10,000 items a build).
        all.text(it.id());
        all.u64(sig);
        problems.text(it.id());
        problems.text(&it.path);
        problems.opt_text(s.urls[i].as_deref());
        let c = &s.cards[i];
        sprints.text(it.id());
        sprints.bytes(&[u8::from(canonical), u8::from(s.urls[i].is_some()), u8::from(c.is_work)]);
        sprints.text(it.kind());
        sprints.opt_text(it.status());
        sprints.text(c.category);
        match it.estimate {
            Some(x) => {
                sprints.bytes(&[1]);
                sprints.u64(x.to_bits());
            }
            None => sprints.bytes(&[0]),
        }
        sprints.u64(it.assignee.len() as u64);
        for a in &it.assignee {
            sprints.text(a);
        }
        sprints.opt_text(it.sprint.as_ref().map(|x| x.value.as_str()));
        if s.urls[i].is_some() && crate::site::pages::role(b, i) == Role::Document {
            let refs = s.g.sources(i, &EdgeType::References).count();
            let _ = write!(docs, "{}\u{0}{sig}\u{0}{refs}\u{0}", it.id());
        }
    }
    for &k in &s.sprints {
        let _ = write!(sprints, "{k}\u{0}{}\u{0}", sigs[k]);
    }
    // The diagnostics' `Debug` form hashed once for both.
    let report = {
        let mut h = crate::util::HashWriter::default();
        let _ = write!(h, "{:?}", inputs.report);
        h.finish()
    };
    let _ = write!(all, "{report:x}\u{0}{:?}\u{0}{:?}", s.insights, inputs.options.proposals);
    let _ = write!(problems, "{report:x}");
    // The feed lists the last 100 events (in the global key) with their
    // item's current title and page.
    if let Some(ev) = s.events {
        for e in ev.events.iter().rev().take(100) {
            let i = b.index.get(e.id.as_str()).copied();
            let _ = write!(
                feed,
                "{}\u{0}{:?}\u{0}{:?}\u{0}",
                e.id,
                i.map(|i| &b.items[i].title.value),
                i.map(|i| &s.urls[i])
            );
        }
    }
    // The insights page shows each insight with the cards of the items it
    // names, and whether the history gave any.
    let mut insights = crate::util::HashWriter::default();
    let _ = write!(insights, "{:?}\u{0}{}\u{0}", s.insights, inputs.analytics.history_insights().is_empty());
    for x in &s.insights {
        for id in &x.items {
            let _ = write!(insights, "{id}\u{0}{:?}\u{0}", b.index.get(id.as_str()).map(|&i| sigs[i]));
        }
    }
    let sprints = sprints.finish();
    let metrics = match inputs.analytics.metrics() {
        Some(m) => hash_bytes(&[&sprints.to_le_bytes(), m.to_string().as_bytes()]),
        None => sprints,
    };
    let problems = problems.finish();
    SiteSigs {
        all: all.finish(),
        problems,
        api_data: hash_bytes(&[&metrics.to_le_bytes(), &problems.to_le_bytes()]),
        sprints,
        metrics,
        docs: docs.finish(),
        feed: feed.finish(),
        insights: insights.finish(),
    }
}

/// The job keys to render again: `None` when everything must be.
fn stale_keys(s: &Shared, diff: &ItemDiff) -> Option<HashSet<String>> {
    let b = s.b;
    let (changed, old_neighbours, sprints) = (&diff.changed, &diff.old_neighbours, &diff.sprints);
    // Past a quarter of the items, a full render costs about the same.
    if changed.len() * 4 > b.items.len().max(64) {
        return None;
    }
    let g = s.g;
    let mut pages = invalidate::neighbourhood(b, g, changed, old_neighbours);
    let mut focus = invalidate::focus_reach(b, g, changed, old_neighbours);
    let w = invalidate::wider(b, g, changed, sprints);
    // A graph page draws its subtree and the items it links to: those of
    // the ancestors of every page shown again.
    let mut graphs = w.graphs;
    let mut roadmaps = w.roadmaps;
    for &i in &pages {
        graphs.insert(i);
        let mut x = i;
        while let Some(p) = g.parent(x) {
            if !graphs.insert(p) {
                break;
            }
            x = p;
        }
    }
    // A focus view's breadcrumb names the nearest epic or initiative above
    // it: the descendants' views (among the wider items) show a change too.
    focus.extend(w.items.iter().copied());
    pages.extend(w.items);
    let mut keys = HashSet::new();
    for i in pages {
        keys.insert(format!("item:{}", b.items[i].id()));
    }
    // A roadmap page draws its subtree (the graph pages' rule: changed
    // items and the ancestors of every page shown again) under the
    // breadcrumb of its ancestors (the changed items' descendants, in
    // `wider`), across the sprints' bands (a changed sprint: every one).
    if invalidate::sprint_changed(b, changed) {
        roadmaps.extend((0..b.items.len()).filter(|&i| s.has_roadmap_page(i)));
    }
    roadmaps.extend(graphs.iter().copied());
    for i in roadmaps {
        keys.insert(format!("roadmap:{}", b.items[i].id()));
    }
    for i in graphs {
        keys.insert(format!("graph:{}", b.items[i].id()));
    }
    for i in w.sprints {
        keys.insert(format!("board:{}", b.items[i].id()));
    }
    for i in focus {
        keys.insert(format!("focus:{}", b.items[i].id()));
    }
    // Audit pages show the title and page of each event's item (the
    // events themselves are in the global key): those listing a changed id.
    let total = s.events.map(|e| e.events.len()).unwrap_or(0);
    for id in changed {
        for &k in s.by_id.get(id.as_str()).into_iter().flatten() {
            if k < total {
                keys.insert(format!("audit:{}", (total - 1 - k) / crate::site::pages::AUDIT_PAGE + 1));
            }
        }
    }
    Some(keys)
}

/// Why a build must render everything, given the saved state.
fn usable(req: &Request, prev: &Option<State>, key: [u64; 4]) -> Result<(), String> {
    if req.full {
        return Err("--full".into());
    }
    let Some(prev) = prev else { return Err("no usable build state in .cairn-cache/".into()) };
    if let Some(k) = (0..key.len()).find(|&k| prev.key[k] != key[k]) {
        return Err(format!("{} changed", KEY_PARTS[k]));
    }
    if !req.out.is_dir() {
        return Err("the output folder is missing".into());
    }
    Ok(())
}

/// A file to reuse was altered since the last build: start again, full.
#[derive(Debug)]
pub(super) struct Altered(pub String);

#[derive(Debug, thiserror::Error)]
pub(super) enum Error {
    #[error(transparent)]
    Site(#[from] SiteError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error("`{0}` in the output folder is not the file the last build wrote")]
    Altered(String),
    /// Over `site.max_bytes` (the message names the biggest contributors).
    #[error("{0}")]
    TooLarge(String),
}

impl From<Altered> for Error {
    fn from(a: Altered) -> Error {
        Error::Altered(a.0)
    }
}

/// Builds the site into `req.out`, incrementally when it can.
pub fn build(inputs: &Inputs, theme: &Theme, req: &Request, progress: Progress) -> anyhow::Result<Outcome> {
    let env = site::environment(theme)?;
    let mut phases = Vec::new();
    let mut t = std::time::Instant::now();
    let mut lap = |name: &'static str| {
        phases.push((name, t.elapsed().as_secs_f64()));
        t = std::time::Instant::now();
    };
    let state_path = super::persist::path_for(req.root, req.out);
    let spare = state_path.with_extension("spare");
    let store_path = super::persist::store_path(&state_path);
    // The last build's state and fragment store are read and decoded (on
    // one thread) while the context and signatures are computed (on the
    // others): the two overlap.
    let ((mut prev, mut outgoing, store, read), (mut shared, key, sigs, ctx_s, sig_s)) = rayon::join(
        || {
            let t = std::time::Instant::now();
            // With `--full` the last state is used for nothing but the
            // output it describes (kept as the spare: `write::run`).
            let (prev, outgoing) = match State::load(&state_path) {
                Some(s) if req.full => (None, Some(s)),
                s => (s, None),
            };
            let store = prev.as_ref().and_then(|p| super::persist::load_store(&store_path, p.store_gen));
            (prev, outgoing, store, t.elapsed().as_secs_f64())
        },
        || {
            let t = std::time::Instant::now();
            let shared = Shared::new(inputs);
            let ctx_s = t.elapsed().as_secs_f64();
            shared.prepare();
            let key = global_key(inputs, theme, &shared, req.flags);
            let n = shared.b.items.len();
            let sigs: Vec<Option<u64>> =
                (0..n).into_par_iter().with_min_len(64).map(|i| item_sig(inputs, &shared, i)).collect();
            (shared, key, sigs, ctx_s, t.elapsed().as_secs_f64() - ctx_s)
        },
    );
    let t_site = std::time::Instant::now();
    let site_sigs = site_wide_sigs(inputs, &shared, &sigs);
    // The last build's item states carry over when its key is this one's
    // (the configuration the signatures assume is the same).
    let last = prev.as_mut().filter(|p| p.key == key).map(|p| &mut p.items);
    let (items, diff) = item_states(&shared, &sigs, last);
    let sig_s = sig_s + t_site.elapsed().as_secs_f64();
    let parts = vec![("context", ctx_s), ("signatures", sig_s), ("state read (beside them)", read)];
    lap("context+signatures+state read");
    let store_gen = prev.as_ref().map(|p| p.store_gen).unwrap_or(0);
    // The list fragments are the last build's when the templates and every
    // site-wide value are the same (the global key), and their store is
    // the one the state points into.
    let frags = prev
        .as_mut()
        .filter(|p| p.key == key)
        .and_then(|p| {
            let mut f = std::mem::take(&mut p.frags);
            f.store = store?;
            Some(f)
        })
        .unwrap_or_default();
    shared.frags = crate::site::fragments::Cache::keeping(frags);
    let mut why = match usable(req, &prev, key) {
        Ok(()) => match stale_keys(&shared, &diff) {
            Some(keys) => Ok(keys),
            None => Err("more than a quarter of the items changed".to_string()),
        },
        Err(e) => Err(e),
    };
    lap("state+plan");
    let mut altered = false;
    loop {
        // A full build is handed the last state for the output it
        // replaces (see `write::run`).
        let replaced = if why.is_err() && !altered { outgoing.take().or_else(|| prev.take()) } else { None };
        let plan = match (&why, prev.as_mut()) {
            (Ok(keys), Some(p)) => Some((p, keys)),
            _ => None,
        };
        let ctx = super::write::Ctx { inputs, shared: &shared, env: &env, theme, out: req.out, progress, site_sigs };
        match super::write::run(&ctx, plan, replaced.as_ref(), &spare) {
            Ok((mut outcome, mut state)) => {
                outcome.full = why.err();
                state.key = key;
                state.items = items;
                let b = shared.b;
                let mut frags = shared.frags.take(|id| b.index.contains_key(id));
                state.frags.orders = std::mem::take(&mut frags.orders);
                outcome.fragments = shared.frags.counts();
                let mut inner = std::mem::take(&mut outcome.phases);
                lap("render+write");
                if req.save {
                    // The state's head is made while the store is written.
                    let (stored, head) =
                        rayon::join(|| super::persist::save_store(&store_path, frags, store_gen), || state.head());
                    let saved = stored.and_then(|(gen, lists)| {
                        state.store_gen = gen;
                        state.frags.lists = lists;
                        state.save_with(&state_path, &head)
                    });
                    super::persist::prune(&state_path);
                    outcome.save_error = saved.err().map(|e| e.to_string());
                }
                lap("save");
                outcome.phases = parts.clone();
                outcome.phases.append(&mut phases);
                outcome.phases.append(&mut inner);
                if req.last {
                    std::mem::forget(state);
                    std::mem::forget(prev);
                    std::mem::forget(shared);
                }
                return Ok(outcome);
            }
            Err(Error::Altered(p)) if why.is_ok() => {
                // Not kept as the spare either: it holds a file of its own.
                altered = true;
                why = Err(format!("`{p}` in the output folder was changed since the last build"));
            }
            Err(e) => return Err(e.into()),
        }
    }
}
