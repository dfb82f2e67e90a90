//! The pages: what each one shows, as a context for its template. The
//! site-wide parts (cards, the `site` value, insights) are computed once in
//! [`Shared::new`]; each [`Job`] renders one page (or one item's pages) from
//! them.
//!
//! This module holds the [`Job`]s, the [`Shared`] context and its
//! constructors, and the dispatch of a job to its page family; the cards
//! and the markup every page shares are in `cards`, and each family of
//! pages (with the context its template gets) is one module below.

mod audit;
mod backlog;
mod board;
mod cards;
mod docs;
mod feed;
mod graph;
mod impact;
mod insights;
mod item;
mod lists;
mod metrics;
mod overview;
mod problems;
mod proposals;
mod roadmap;
mod sprints;

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use minijinja::{Environment, Value};
use serde_json::json;

use super::context::{Card, CardValue};
use super::{api, markdown, Inputs, SiteError};
use crate::check::links::Links;
use crate::config::Role;
use crate::graph::rollup;
use crate::graph::schedule::Schedule;
use crate::graph::Graph;
use crate::history::Events;
use crate::load::Backlog;
use crate::metrics::Insight;

pub use cards::role;
use cards::{card_of, is_draft};

pub use feed::urn;
pub use lists::EMBEDDED_MACROS;
pub use roadmap::MAX_ROADMAP_ROWS;
use sprints::active_sprint;

/// A board column draws at most this many cards, the highest priority
/// first; the rest are counted and left to the backlog's table (a column
/// of 30,000 cards is no use to anyone, and 20 MB a page).
pub const BOARD_COLUMN_MAX: usize = 100;
/// A board's tabs link at most this many sprints (around its own, plus
/// the active one); `sprints/index.html` lists every sprint.
pub const BOARD_TABS: usize = 8;
/// Events per audit page.
pub const AUDIT_PAGE: usize = 100;
/// An impact page draws the item and at most this many of the nearest
/// items that wait on it (the list says how many it left out).
pub const IMPACT_DRAW: usize = 2;
/// The walk behind an item's impact stops after this many items: beyond,
/// pages say "N or more" (so a 10,000-long chain costs 10,000 short walks,
/// not 50 million steps). A generated 10,000-item backlog's largest impact
/// is 84 items.
pub const IMPACT_LIMIT: usize = 200;
/// An impact page lists at most this many items in full, the nearest
/// first (the first levels); the rest are counted by kind. So a page's
/// size does not grow with the impact set.
pub const IMPACT_LIST: usize = 4;
/// The longest chain on an impact page (the path to the farthest item
/// found) shows at most this many hops: the last ones, after an ellipsis.
pub const IMPACT_CHAIN: usize = 6;
/// Ancestors an item page shows (the nearest; an ellipsis for the rest).
pub const MAX_CRUMBS: usize = 12;
/// The whole graph gets its own page up to this many items (above, the
/// graph index says so and links the views per epic and initiative).
pub const MAX_WHOLE_GRAPH: usize = 2000;
/// A focus view shows the items up to this many edges from its item...
pub const FOCUS_DEPTH: usize = 3;
/// ...at most this many of them, the nearest first (so every focus page is
/// small, and the site stays linear in the number of items).
pub const FOCUS_MAX: usize = 24;

/// One unit of parallel work.
#[derive(Clone, Debug, PartialEq)]
pub enum Job {
    Overview,
    Board(Option<usize>),
    Backlog,
    /// An item's page (item, doc or sprint), its impact page, badge and API file.
    Item(usize),
    /// The graph index and, when small enough, the whole graph.
    Graph,
    GraphOf(usize),
    /// The roadmap of the whole backlog.
    Roadmap,
    /// The roadmap of one epic, initiative or other top-level parent.
    RoadmapOf(usize),
    /// The focus view around an epic, an initiative or an item in no graph
    /// view (`graph/focus/<id>.html`).
    Focus(usize),
    Sprints,
    Metrics,
    Insights,
    /// Audit page number (1-based).
    Audit(usize),
    Docs,
    Problems,
    /// The proposals page (no file when there are no proposals).
    Proposals,
    Feed,
    /// `api/v1/items.json`.
    Api,
    /// `api/v1/graph.json`.
    ApiGraph,
    /// The other site-wide API files: sprints, metrics, audit, diagnostics.
    ApiData,
}

/// An item object as its line of JSON and the signature of that line
/// (see [`Shared::objects`]).
pub type ObjectLine = (std::sync::Arc<str>, u64);

/// The per-item parts of a [`Shared`] that `serve` keeps from one build
/// to the next (see [`Shared::reusing`]). A clone shares the cards (each
/// behind an `Arc`, their values are `Arc`s too): `serve`'s settle phase
/// renders from a clone while the builder keeps the parts for the next
/// save.
#[derive(Clone)]
pub struct Parts {
    today: Option<chrono::NaiveDate>,
    drafts: bool,
    urls: Vec<Option<String>>,
    cards: Vec<Arc<Card>>,
    card_values: Vec<Value>,
    sched: Schedule,
    rollups: Vec<rollup::Rollup>,
    graph_pages: Vec<bool>,
    outline: Outline,
}

/// What the site context derives from every item beyond its card (the
/// sprints, the committed items, the counts, the insights), kept in
/// [`Parts`] for a build whose changed items differ only in their text
/// (see [`Shared::reusing`]).
#[derive(Clone)]
struct Outline {
    sprints: Vec<usize>,
    committed: HashMap<usize, Vec<usize>>,
    active: Option<usize>,
    insights: Vec<Insight>,
    work: usize,
    docs: usize,
    /// The number of errors the insights were made with.
    errors: usize,
}

/// The site-wide context, computed once.
pub struct Shared<'a> {
    pub inp: &'a Inputs<'a>,
    pub b: &'a Backlog,
    pub g: &'a Graph,
    pub sched: Schedule,
    pub links: Links<'a>,
    /// Page of every item (root-relative), `None` when it has none.
    pub urls: Vec<Option<String>>,
    pub cards: Vec<Arc<Card>>,
    pub card_values: Vec<Value>,
    /// The cards with their list fragments, rendered on first use (see
    /// [`Shared::chips`]).
    chips: Vec<OnceLock<Value>>,
    pub site: Value,
    pub events: Option<&'a Events>,
    pub by_id: HashMap<&'a str, Vec<usize>>,
    /// Sprints in date order.
    pub sprints: Vec<usize>,
    /// Committed items (work items whose `sprint` names it) per sprint.
    pub committed: HashMap<usize, Vec<usize>>,
    pub active: Option<usize>,
    pub insights: Vec<Insight>,
    /// Items with a graph page, and the list of them (built once).
    graph_pages: Vec<bool>,
    files: Mutex<BTreeSet<String>>,
    /// Progress of every item over its descendants (computed once).
    rollups: Vec<rollup::Rollup>,
    /// The fragments of the site-wide lists (see `site::fragments`).
    pub frags: crate::site::fragments::Cache,
    /// See [`Shared::card_sigs`] and [`Shared::objects`].
    card_sigs: OnceLock<Vec<u64>>,
    objects: OnceLock<Vec<Option<ObjectLine>>>,
    object_sigs: OnceLock<Vec<Option<u64>>>,
    /// The roadmap of the whole backlog (built on first use).
    roadmap: OnceLock<roadmap::RoadmapIndex>,
    /// The numbers of work items and of documents.
    counts: (usize, usize),
}

impl<'a> Shared<'a> {
    pub fn new(inp: &'a Inputs<'a>) -> Shared<'a> {
        use rayon::prelude::*;
        let b = inp.backlog;
        let g = inp.graph;
        let n = b.items.len();
        let urls: Vec<Option<String>> = (0..n)
            .map(|i| if inp.options.drafts || !is_draft(b, i) { markdown::item_url(b, i) } else { None })
            .collect();
        let today = inp.options.today;
        let cards: Vec<Arc<Card>> =
            (0..n).into_par_iter().with_min_len(256).map(|i| Arc::new(card_of(b, g, &urls, today, i))).collect();
        let card_values: Vec<Value> =
            cards.par_iter().with_min_len(256).map(|c| Value::from_object(CardValue::new(c))).collect();
        Self::with_cards(inp, urls, cards, card_values, None, None)
    }

    /// The rest of [`Shared::new`] once the cards are known; `kept` is the
    /// schedule, rollups and graph pages of a build they are the same for.
    fn with_cards(
        inp: &'a Inputs<'a>,
        urls: Vec<Option<String>>,
        cards: Vec<Arc<Card>>,
        card_values: Vec<Value>,
        kept: Option<(Schedule, Vec<rollup::Rollup>, Vec<bool>)>,
        outline: Option<Outline>,
    ) -> Shared<'a> {
        let b = inp.backlog;
        let g = inp.graph;
        let n = b.items.len();
        let today = inp.options.today;
        let errors = inp.report.errors();
        let warnings = inp.report.warnings();
        let canonical = |i: usize| b.index.get(b.items[i].id()) == Some(&i);
        let (sprints, committed, active, work, docs, insights) = match outline.filter(|o| o.errors == errors) {
            Some(o) => (o.sprints, o.committed, o.active, o.work, o.docs, Some(o.insights)),
            None => {
                let mut sprints: Vec<usize> = (0..n).filter(|&i| canonical(i) && role(b, i) == Role::Sprint).collect();
                sprints.sort_by(|&x, &y| {
                    let key = |i: usize| (b.items[i].start.as_ref().map(|d| d.value), b.items[i].id());
                    key(x).cmp(&key(y))
                });
                let mut committed: HashMap<usize, Vec<usize>> = HashMap::new();
                #[allow(clippy::needless_range_loop)]
                for i in 0..n {
                    if !canonical(i) || !b.config.is_work(b.items[i].kind()) || urls[i].is_none() {
                        continue;
                    }
                    if let Some(s) = b.items[i].sprint.as_ref().and_then(|s| b.index.get(&s.value)) {
                        if role(b, *s) == Role::Sprint {
                            committed.entry(*s).or_default().push(i);
                        }
                    }
                }
                let active = active_sprint(b, &sprints, &committed, today);
                let work = (0..n).filter(|&i| canonical(i) && b.config.is_work(b.items[i].kind())).count();
                let docs = (0..n).filter(|&i| urls[i].is_some() && role(b, i) == Role::Document).count();
                (sprints, committed, active, work, docs, None)
            }
        };
        let events = inp.history;
        let by_id = events.map(super::events_by_id).unwrap_or_default();
        let site = Value::from_serialize(json!({
            "title": b.config.site_title(),
            "name": b.config.name,
            "unit": b.config.estimate_unit,
            "base_url": inp.options.base_url,
            "items": n,
            "work_items": work,
            "docs": docs,
            "sprints": sprints.len(),
            "errors": errors,
            "warnings": warnings,
            "has_history": events.is_some_and(|e| !e.events.is_empty()),
            "history_note": inp.options.history_note,
            "proposals": inp.options.proposals.len(),
            "active_sprint": active.map(|a| b.items[a].id()),
            "active_sprint_url": active.and_then(|a| urls[a].as_deref()),
            "version": env!("CARGO_PKG_VERSION"),
        }));
        let opts = crate::metrics::insights::Options {
            today: inp.options.today,
            errors: inp.report.errors(),
            skip_drafts: !inp.options.drafts,
        };
        // Independent of each other: made side by side.
        let (((sched, rollups, graph_pages), links), insights) = rayon::join(
            || {
                rayon::join(
                    || match kept {
                        Some(k) => k,
                        None => {
                            let (sched, rollups) = rayon::join(|| Schedule::compute(b, g), || rollup::all(b, g));
                            (sched, rollups, Vec::new())
                        }
                    },
                    || Links::new(b),
                )
            },
            || match insights {
                Some(kept) => kept,
                None => inp.analytics.insights(b, &opts),
            },
        );
        let mut shared = Shared {
            inp,
            b,
            g,
            sched,
            links,
            urls,
            cards,
            card_values,
            chips: (0..n).map(|_| OnceLock::new()).collect(),
            site,
            events,
            by_id,
            sprints,
            committed,
            active,
            insights,
            graph_pages,
            files: Mutex::new(BTreeSet::new()),
            rollups,
            frags: Default::default(),
            card_sigs: OnceLock::new(),
            objects: OnceLock::new(),
            object_sigs: OnceLock::new(),
            roadmap: OnceLock::new(),
            counts: (work, docs),
        };
        if shared.graph_pages.len() != n {
            use rayon::prelude::*;
            shared.graph_pages = (0..n)
                .into_par_iter()
                .with_min_len(256)
                .map(|i| shared.urls[i].is_some() && shared.compute_has_graph_page(i))
                .collect();
        }
        shared
    }

    /// `serve`'s fast path: [`Shared::new`] from the [`Parts`] of the last
    /// build, for a backlog with the same items at the same indices and the
    /// same graph except the items at `changed`. Their cards and their
    /// neighbours' are made again; the schedule, rollups and graph pages
    /// are kept when `same_schedule` (the caller found the changed items'
    /// kind, status, estimate, duration and dates unchanged), else
    /// computed. `None` when the parts do not fit (an item's page moved,
    /// the day changed).
    ///
    /// `same_outline`: the caller found the changed items the same but for
    /// their text (title, body): the sprints, counts and insights are kept
    /// too (`serve` uses NoAnalytics: its insights are those of the items'
    /// state, which name items by id).
    pub fn reusing(
        inp: &'a Inputs<'a>,
        parts: Parts,
        changed: &[usize],
        same_schedule: bool,
        same_outline: bool,
    ) -> Option<Shared<'a>> {
        let b = inp.backlog;
        let g = inp.graph;
        let n = b.items.len();
        let today = inp.options.today;
        let fits = parts.cards.len() == n
            && parts.urls.len() == n
            && parts.card_values.len() == n
            && parts.today == today
            && parts.drafts == inp.options.drafts;
        let url = |i: usize| if inp.options.drafts || !is_draft(b, i) { markdown::item_url(b, i) } else { None };
        if !fits || changed.iter().any(|&i| i >= n || url(i) != parts.urls[i]) {
            return None;
        }
        let mut redo: BTreeSet<usize> = changed.iter().copied().collect();
        for &i in changed {
            for &e in g.out[i].iter().chain(&g.inc[i]) {
                redo.insert(g.edges[e].from);
                redo.insert(g.edges[e].to);
            }
        }
        let Parts { urls, mut cards, mut card_values, sched, rollups, graph_pages, outline, .. } = parts;
        for i in redo {
            cards[i] = Arc::new(card_of(b, g, &urls, today, i));
            card_values[i] = Value::from_object(CardValue::new(&cards[i]));
        }
        let kept = same_schedule.then_some((sched, rollups, graph_pages));
        let outline = (same_schedule && same_outline).then_some(outline);
        Some(Self::with_cards(inp, urls, cards, card_values, kept, outline))
    }

    /// The per-item parts, for [`Shared::reusing`] in the next build.
    pub fn into_parts(self) -> Parts {
        Parts {
            today: self.inp.options.today,
            drafts: self.inp.options.drafts,
            urls: self.urls,
            cards: self.cards,
            card_values: self.card_values,
            sched: self.sched,
            rollups: self.rollups,
            graph_pages: self.graph_pages,
            outline: Outline {
                sprints: self.sprints,
                committed: self.committed,
                active: self.active,
                insights: self.insights,
                work: self.counts.0,
                docs: self.counts.1,
                errors: self.inp.report.errors(),
            },
        }
    }

    /// Items with a page.
    pub fn page_count(&self) -> usize {
        self.urls.iter().filter(|u| u.is_some()).count()
    }

    pub fn linked_files(&self) -> BTreeSet<String> {
        self.files.lock().map(|f| f.clone()).unwrap_or_default()
    }

    /// Every job, in a fixed order.
    pub fn jobs(&self) -> Vec<Job> {
        let mut v = vec![Job::Overview, Job::Board(None), Job::Backlog, Job::Graph, Job::Roadmap, Job::Sprints];
        v.push(Job::Metrics);
        v.extend([Job::Insights, Job::Docs, Job::Problems, Job::Feed, Job::Api, Job::ApiGraph, Job::ApiData]);
        if !self.inp.options.proposals.is_empty() {
            v.push(Job::Proposals);
        }
        for &s in &self.sprints {
            if self.urls[s].is_some() {
                v.push(Job::Board(Some(s)));
            }
        }
        for (i, u) in self.urls.iter().enumerate() {
            if u.is_some() {
                v.push(Job::Item(i));
                if self.has_graph_page(i) {
                    v.push(Job::GraphOf(i));
                }
                if self.has_roadmap_page(i) {
                    v.push(Job::RoadmapOf(i));
                }
                if self.has_focus_page(i) {
                    v.push(Job::Focus(i));
                }
            }
        }
        let pages = self.audit_pages();
        for p in 1..=pages {
            v.push(Job::Audit(p));
        }
        v
    }

    /// The roadmap of the whole backlog, built once.
    pub(super) fn roadmap_index(&self) -> &roadmap::RoadmapIndex {
        self.roadmap.get_or_init(|| roadmap::RoadmapIndex::new(self))
    }

    /// Epics and initiatives (and other top-level parents) get a graph page.
    pub fn has_graph_page(&self, i: usize) -> bool {
        self.graph_pages.get(i).copied().unwrap_or(false)
    }

    fn compute_has_graph_page(&self, i: usize) -> bool {
        let it = &self.b.items[i];
        self.b.config.is_work(it.kind())
            && !self.g.children(i).is_empty()
            && (matches!(it.kind(), "epic" | "initiative") || self.g.parent(i).is_none())
    }

    /// Renders one job.
    pub fn run(&self, env: &Environment, job: &Job) -> Result<Vec<(String, Vec<u8>)>, SiteError> {
        match job {
            Job::Overview => Ok(vec![self.overview(env)?]),
            Job::Board(s) => self.boards(env, *s),
            Job::Backlog => Ok(vec![self.backlog(env)?]),
            Job::Item(i) => self.item(env, *i),
            Job::Graph => self.graph_index(env),
            Job::GraphOf(i) => Ok(vec![self.graph_page(env, *i)?]),
            Job::Focus(i) => Ok(vec![self.focus_page(env, *i)?]),
            Job::Roadmap => Ok(vec![self.roadmap_page(env, None)?]),
            Job::RoadmapOf(i) => Ok(vec![self.roadmap_page(env, Some(*i))?]),
            Job::Sprints => Ok(vec![self.sprints_page(env)?]),
            Job::Metrics => Ok(vec![self.metrics(env)?]),
            Job::Insights => Ok(vec![self.insights_page(env)?]),
            Job::Audit(p) => Ok(vec![self.audit(env, *p)?]),
            Job::Docs => Ok(vec![self.docs(env)?]),
            Job::Problems => Ok(vec![self.problems(env)?]),
            Job::Proposals if self.inp.options.proposals.is_empty() => Ok(Vec::new()),
            Job::Proposals => Ok(vec![self.proposals_page(env)?]),
            Job::Feed => Ok(vec![self.feed(env)?]),
            Job::Api => Ok(vec![("api/v1/items.json".to_string(), self.items_json()?)]),
            Job::ApiGraph => Ok(vec![api::graph_file(self.inp, &self.sched)]),
            Job::ApiData => Ok(api::data_files(self.inp, &self.sprints, &self.committed)),
        }
    }
}
