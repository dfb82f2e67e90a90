//! The pages: what each one shows, as a context for its template. The
//! site-wide parts (cards, the `site` value, insights) are computed once in
//! [`Shared::new`]; each [`Job`] renders one page (or one item's pages) from
//! them.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Mutex, OnceLock};

use minijinja::{context, Environment, Value};
use serde_json::json;

use super::context::{event_view, flatten, Card, CardValue, EventView, Insight};
use super::{charts, markdown, root_prefix, Inputs, SiteError};
use crate::check::links::Links;
use crate::check::Severity;
use crate::config::{Category, Role};
use crate::graph::render::{self, Selection, Subgraph};
use crate::graph::schedule::Schedule;
use crate::graph::{impact, rollup, EdgeType, Graph};
use crate::history::Events;
use crate::load::Backlog;
use crate::model::Reference;

/// Events per audit page.
pub const AUDIT_PAGE: usize = 100;
/// Impact pictures above this many items are not drawn (the list is shown).
pub const MAX_IMPACT_NODES: usize = 150;
/// The walk behind an item's impact stops after this many items: beyond,
/// pages say "N or more" (so a 10,000-long chain costs 10,000 short walks,
/// not 50 million steps). A generated 10,000-item backlog's largest impact
/// is 84 items.
pub const IMPACT_LIMIT: usize = 200;
/// An impact page lists at most this many items, the nearest first, and
/// says how many it left out.
pub const IMPACT_LIST: usize = 50;
/// Ancestors an item page shows (the nearest; an ellipsis for the rest).
pub const MAX_CRUMBS: usize = 12;
/// Hops of a `via` path shown on an impact page: the last ones, after an
/// ellipsis for the rest.
pub const IMPACT_VIA: usize = 3;

/// One unit of parallel work.
#[derive(Clone, Debug, PartialEq)]
pub enum Job {
    Overview,
    Board(Option<usize>),
    Backlog,
    /// An item's page (item, doc or sprint), its impact page, badge and API file.
    Item(usize),
    Graph,
    GraphOf(usize),
    Sprints,
    Metrics,
    Insights,
    /// Audit page number (1-based).
    Audit(usize),
    Docs,
    Problems,
    Feed,
    Api,
}

/// The per-item parts of a [`Shared`] that `serve` keeps from one build
/// to the next (see [`Shared::reusing`]).
pub struct Parts {
    today: Option<chrono::NaiveDate>,
    drafts: bool,
    urls: Vec<Option<String>>,
    cards: Vec<Card>,
    card_values: Vec<Value>,
    sched: Schedule,
    rollups: Vec<rollup::Rollup>,
    graph_pages: Vec<bool>,
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
    pub cards: Vec<Card>,
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
}

fn role(b: &Backlog, i: usize) -> Role {
    b.config.kind(b.items[i].kind()).map(|k| k.role).unwrap_or(Role::Work)
}

fn is_draft(b: &Backlog, i: usize) -> bool {
    let it = &b.items[i];
    it.status() == Some("draft") || it.labels.iter().any(|l| l == "draft")
}

fn est(x: Option<f64>) -> f64 {
    x.filter(|v| v.is_finite()).unwrap_or(0.0)
}

/// The card of item `i`: what boards, tables and lists show of it.
fn card_of(b: &Backlog, g: &Graph, urls: &[Option<String>], today: Option<chrono::NaiveDate>, i: usize) -> Card {
    let it = &b.items[i];
    let cat = super::context::category(b, i);
    let open = cat == "todo" || cat == "doing";
    let blocked = open && g.targets(i, &EdgeType::DependsOn).any(|d| !b.is_done(&b.items[d]));
    let kind_label = b.config.kind(it.kind()).map(|k| k.label.clone()).unwrap_or_else(|| it.kind().to_string());
    let sprint = it.sprint.as_ref().map(|s| s.value.clone());
    let sprint_url = sprint.as_deref().and_then(|s| b.index.get(s)).and_then(|&k| urls[k].clone());
    let parent = g.parent(i);
    Card {
        id: it.id().to_string(),
        kind: it.kind().to_string(),
        kind_label,
        title: it.title.value.clone(),
        status: it.status().map(String::from),
        status_label: it.status().unwrap_or("no status").replace('_', " "),
        category: cat,
        priority: it.priority().to_string(),
        priority_rank: it.priority_rank(),
        assignee: it.assignee.clone(),
        estimate: it.estimate.map(crate::query::num),
        sprint,
        sprint_url,
        parent: parent.map(|p| b.items[p].id().to_string()),
        parent_url: parent.and_then(|p| urls[p].clone()),
        labels: it.labels.clone(),
        url: urls[i].clone(),
        blocked,
        due: it.due.as_ref().map(|d| d.value.to_string()),
        overdue: open && matches!((today, &it.due), (Some(t), Some(d)) if d.value < t),
        path: it.path.clone(),
        is_work: b.config.is_work(it.kind()),
    }
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
        let cards: Vec<Card> =
            (0..n).into_par_iter().with_min_len(256).map(|i| card_of(b, g, &urls, today, i)).collect();
        let card_values: Vec<Value> =
            cards.par_iter().with_min_len(256).map(|c| Value::from_object(CardValue::new(c))).collect();
        Self::with_cards(inp, urls, cards, card_values, None)
    }

    /// The rest of [`Shared::new`] once the cards are known; `kept` is the
    /// schedule, rollups and graph pages of a build they are the same for.
    fn with_cards(
        inp: &'a Inputs<'a>,
        urls: Vec<Option<String>>,
        cards: Vec<Card>,
        card_values: Vec<Value>,
        kept: Option<(Schedule, Vec<rollup::Rollup>, Vec<bool>)>,
    ) -> Shared<'a> {
        let b = inp.backlog;
        let g = inp.graph;
        let n = b.items.len();
        let today = inp.options.today;
        let canonical = |i: usize| b.index.get(b.items[i].id()) == Some(&i);
        let mut sprints: Vec<usize> = (0..n).filter(|&i| canonical(i) && role(b, i) == Role::Sprint).collect();
        sprints.sort_by_key(|&i| (b.items[i].start.as_ref().map(|d| d.value), b.items[i].id().to_string()));
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
        let events = inp.history;
        let by_id = events.map(super::events_by_id).unwrap_or_default();
        let errors = inp.report.errors();
        let warnings = inp.report.warnings();
        let work = (0..n).filter(|&i| canonical(i) && b.config.is_work(b.items[i].kind())).count();
        let docs = (0..n).filter(|&i| urls[i].is_some() && role(b, i) == Role::Document).count();
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
            "active_sprint": active.map(|a| b.items[a].id()),
            "active_sprint_url": active.and_then(|a| urls[a].as_deref()),
            "version": env!("CARGO_PKG_VERSION"),
        }));
        let (sched, rollups, graph_pages) = match kept {
            Some(k) => k,
            None => (Schedule::compute(b, g), rollup::all(b, g), Vec::new()),
        };
        let mut shared = Shared {
            inp,
            b,
            g,
            sched,
            links: Links::new(b),
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
            insights: Vec::new(),
            graph_pages,
            files: Mutex::new(BTreeSet::new()),
            rollups,
        };
        if shared.graph_pages.len() != n {
            shared.graph_pages = (0..n).map(|i| shared.urls[i].is_some() && shared.compute_has_graph_page(i)).collect();
        }
        shared.insights = shared.compute_insights();
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
    pub fn reusing(inp: &'a Inputs<'a>, parts: Parts, changed: &[usize], same_schedule: bool) -> Option<Shared<'a>> {
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
        let Parts { urls, mut cards, mut card_values, sched, rollups, graph_pages, .. } = parts;
        for i in redo {
            cards[i] = card_of(b, g, &urls, today, i);
            card_values[i] = Value::from_object(CardValue::new(&cards[i]));
        }
        let kept = same_schedule.then_some((sched, rollups, graph_pages));
        Some(Self::with_cards(inp, urls, cards, card_values, kept))
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
        let mut v = vec![Job::Overview, Job::Board(None), Job::Backlog, Job::Graph, Job::Sprints, Job::Metrics];
        v.extend([Job::Insights, Job::Docs, Job::Problems, Job::Feed, Job::Api]);
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
            }
        }
        let pages = self.audit_pages();
        for p in 1..=pages {
            v.push(Job::Audit(p));
        }
        v
    }

    fn audit_pages(&self) -> usize {
        let n = self.events.map(|e| e.events.len()).unwrap_or(0);
        n.div_ceil(AUDIT_PAGE).max(1)
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

    fn card(&self, i: usize) -> Value {
        self.card_values[i].clone()
    }

    /// The cards of `ids` with their list fragments for pages one folder
    /// deep (`idlink_html`, `link_html`, `status_html`): the `idlink`,
    /// `link` and `status` macros of `macros.html` (the backlog's own, if it
    /// overrides it) rendered once per item and reused by every page that
    /// lists the item, instead of calling the macros for each mention (an
    /// impact page lists up to hundreds of items, each with its path).
    /// Plain cards when the page template `tmpl` does not use them.
    fn chips(&self, env: &Environment, tmpl: &str, ids: &[usize]) -> Result<Vec<Value>, SiteError> {
        let uses = env.get_template(tmpl).is_ok_and(|t| {
            let src = t.source();
            src.contains("link_html") || src.contains("status_html")
        });
        if !uses {
            return Ok(self.cards_of(ids.iter().copied()));
        }
        if ids.iter().any(|&i| self.chips[i].get().is_none()) {
            let name = "macros.html";
            let err = |e: minijinja::Error| SiteError::template(name, &e);
            let captured = env.get_template(name).and_then(|t| t.render_captured(())).map_err(err)?;
            let state = captured.state();
            let root = Value::from("../");
            for &i in ids {
                if self.chips[i].get().is_some() {
                    continue;
                }
                let card = self.card(i);
                let Some(plain) = card.downcast_object_ref::<CardValue>() else { continue };
                let call =
                    |m: &str, args: &[Value]| state.call_macro(m, args).map(Value::from_safe_string).map_err(err);
                let chip = plain.with_fragments(
                    call("idlink", &[card.clone(), root.clone()])?,
                    call("link", &[card.clone(), root.clone()])?,
                    call("status", std::slice::from_ref(&card))?,
                );
                let _ = self.chips[i].set(Value::from_object(chip));
            }
        }
        Ok(ids.iter().map(|&i| self.chips[i].get().cloned().unwrap_or_else(|| self.card(i))).collect())
    }

    fn cards_of(&self, ids: impl IntoIterator<Item = usize>) -> Vec<Value> {
        ids.into_iter().map(|i| self.card(i)).collect()
    }

    /// The items named by a relation field of an item object (a string or a list of ids).
    fn ids_of(&self, v: &serde_json::Value) -> Vec<usize> {
        let ids: Vec<&str> = match v {
            serde_json::Value::String(s) => vec![s.as_str()],
            serde_json::Value::Array(a) => a.iter().filter_map(|x| x.as_str()).collect(),
            _ => vec![],
        };
        ids.into_iter().filter_map(|id| self.b.index.get(id).copied()).collect()
    }

    fn page(
        &self,
        env: &Environment,
        tmpl: &str,
        path: &str,
        title: &str,
        section: &str,
        ctx: Value,
    ) -> Result<(String, Vec<u8>), SiteError> {
        let root = root_prefix(path);
        let full = context! {
            site => self.site.clone(),
            root => root,
            page => context! { title => title, path => path, section => section },
            ..ctx
        };
        let t = env.get_template(tmpl).map_err(|e| SiteError::template(tmpl, &e))?;
        let html = t.render(full).map_err(|e| SiteError::template(tmpl, &e))?;
        Ok((path.to_string(), html.into_bytes()))
    }

    fn event_views(&self, idx: impl IntoIterator<Item = usize>) -> Vec<EventView> {
        let Some(ev) = self.events else { return Vec::new() };
        idx.into_iter()
            .filter_map(|k| ev.events.get(k))
            .map(|e| {
                let i = self.b.index.get(e.id.as_str()).copied();
                event_view(e, i.map(|i| self.b.items[i].title.value.as_str()), i.and_then(|i| self.urls[i].clone()))
            })
            .collect()
    }

    /// Renders one job.
    pub fn run(&self, env: &Environment, job: &Job) -> Result<Vec<(String, Vec<u8>)>, SiteError> {
        match job {
            Job::Overview => Ok(vec![self.overview(env)?]),
            Job::Board(s) => Ok(vec![self.board(env, *s)?]),
            Job::Backlog => Ok(vec![self.backlog(env)?]),
            Job::Item(i) => self.item(env, *i),
            Job::Graph => Ok(vec![self.graph_page(env, None)?]),
            Job::GraphOf(i) => Ok(vec![self.graph_page(env, Some(*i))?]),
            Job::Sprints => Ok(vec![self.sprints_page(env)?]),
            Job::Metrics => Ok(vec![self.metrics(env)?]),
            Job::Insights => Ok(vec![self.insights_page(env)?]),
            Job::Audit(p) => Ok(vec![self.audit(env, *p)?]),
            Job::Docs => Ok(vec![self.docs(env)?]),
            Job::Problems => Ok(vec![self.problems(env)?]),
            Job::Feed => Ok(vec![self.feed(env)?]),
            Job::Api => Ok(super::api::files(self)),
        }
    }

    // ----- overview -------------------------------------------------------

    fn overview(&self, env: &Environment) -> Result<(String, Vec<u8>), SiteError> {
        let b = self.b;
        let canonical = |i: usize| b.index.get(b.items[i].id()) == Some(&i);
        let work: Vec<usize> =
            (0..b.items.len()).filter(|&i| canonical(i) && self.urls[i].is_some() && self.cards[i].is_work).collect();
        // Counts by kind and category.
        let mut by_kind: BTreeMap<&str, [usize; 4]> = BTreeMap::new();
        let mut totals = [0usize; 4];
        for &i in &work {
            let k = match self.cards[i].category {
                "todo" => 0,
                "doing" => 1,
                "done" => 2,
                _ => 3,
            };
            by_kind.entry(b.items[i].kind()).or_default()[k] += 1;
            totals[k] += 1;
        }
        let kind_order: Vec<&str> = b.config.kinds.iter().map(|k| k.name.as_str()).collect();
        let mut kinds: Vec<(&str, [usize; 4])> = by_kind.into_iter().collect();
        kinds.sort_by_key(|(k, _)| kind_order.iter().position(|x| x == k).unwrap_or(usize::MAX));
        let kinds: Vec<serde_json::Value> = kinds
            .iter()
            .map(|(k, c)| {
                let label = b.config.kind(k).map(|d| d.label.clone()).unwrap_or_else(|| k.to_string());
                json!({"kind": k, "label": label, "todo": c[0], "doing": c[1], "done": c[2], "none": c[3], "total": c.iter().sum::<usize>()})
            })
            .collect();
        let donut = charts::donut(
            "status-donut",
            "Work items by status category",
            &[
                charts::Bar { label: "To do".into(), value: totals[0] as f64, class: "c-todo" },
                charts::Bar { label: "In progress".into(), value: totals[1] as f64, class: "c-doing" },
                charts::Bar { label: "Done".into(), value: totals[2] as f64, class: "c-done" },
            ],
        );
        // Initiatives and epics with progress.
        let mut tops: Vec<usize> =
            work.iter().copied().filter(|&i| matches!(b.items[i].kind(), "initiative" | "epic")).collect();
        if tops.is_empty() {
            tops = work
                .iter()
                .copied()
                .filter(|&i| self.g.parent(i).is_none() && !self.g.children(i).is_empty())
                .collect();
        }
        tops.sort_by_key(|&i| {
            (
                kind_order.iter().position(|x| *x == b.items[i].kind()),
                self.cards[i].category == "done",
                b.items[i].priority_rank(),
                i,
            )
        });
        let progress: Vec<Value> = tops.iter().take(40).map(|&i| self.progress_of(i)).collect();
        let active = self.active.map(|s| self.sprint_summary(s, true));
        let mut top_insights: Vec<&Insight> = self.insights.iter().collect();
        top_insights.sort_by_key(|x| severity_rank(&x.severity));
        let top: Vec<Value> = top_insights.iter().take(6).map(|x| self.insight_value(x)).collect();
        let recent = match self.events {
            Some(ev) => self.event_views((0..ev.events.len()).rev().take(12)),
            None => Vec::new(),
        };
        let ctx = context! {
            kinds => kinds,
            totals => json!({"todo": totals[0], "doing": totals[1], "done": totals[2], "none": totals[3], "total": totals.iter().sum::<usize>()}),
            donut => Value::from_safe_string(donut),
            progress => progress,
            active => active,
            insights => top,
            insights_total => self.insights.len(),
            recent => recent,
        };
        self.page(env, "index.html", "index.html", "Overview", "overview", ctx)
    }

    fn progress_of(&self, i: usize) -> Value {
        self.progress_with(i, self.card(i))
    }

    /// The progress of item `i` shown with `card` (its card, or its chip).
    fn progress_with(&self, i: usize, card: Value) -> Value {
        let r = self.rollups[i];
        let pct = |d: f64, t: f64| if t > 0.0 { (d / t * 100.0).round() as i64 } else { 0 };
        context! {
            card => card,
            items_done => r.items_done,
            items_total => r.items_total,
            children_done => r.children_done,
            children_total => r.children_total,
            estimate_done => charts::n(r.estimate_done),
            estimate_total => charts::n(r.estimate_total),
            pct_items => pct(r.items_done as f64, r.items_total as f64),
            pct_points => pct(r.estimate_done, r.estimate_total),
        }
    }

    // ----- boards and backlog ---------------------------------------------

    fn columns(&self, items: &[usize]) -> Vec<Value> {
        let b = self.b;
        let mut order: Vec<(String, Category)> =
            b.config.statuses.iter().map(|s| (s.name.clone(), s.category)).collect();
        for k in &b.config.kinds {
            for s in k.statuses.iter().flatten() {
                if k.role == Role::Work && !order.iter().any(|(n, _)| *n == s.name) {
                    order.push((s.name.clone(), s.category));
                }
            }
        }
        let mut cols: Vec<Vec<usize>> = vec![Vec::new(); order.len() + 1];
        for &i in items {
            let k = b.items[i].status().and_then(|s| order.iter().position(|(n, _)| n == s)).unwrap_or(order.len());
            cols[k].push(i);
        }
        let mut out = Vec::new();
        for (k, mut c) in cols.into_iter().enumerate() {
            let (name, cat) = match order.get(k) {
                Some((n, c)) => (n.clone(), c.as_str()),
                None if c.is_empty() => continue,
                None => ("unknown".to_string(), "none"),
            };
            c.sort_by_key(|&i| (b.items[i].priority_rank(), b.items[i].id().to_string()));
            let points: f64 = c.iter().map(|&i| est(b.items[i].estimate)).sum();
            out.push(context! {
                name => name.clone(),
                label => name.replace('_', " "),
                category => cat,
                count => c.len(),
                points => charts::n(points),
                cards => self.cards_of(c),
            });
        }
        out
    }

    fn board(&self, env: &Environment, sprint: Option<usize>) -> Result<(String, Vec<u8>), SiteError> {
        let b = self.b;
        let items: Vec<usize> = match sprint {
            Some(s) => self.committed.get(&s).cloned().unwrap_or_default(),
            None => (0..b.items.len())
                .filter(|&i| {
                    self.urls[i].is_some() && self.cards[i].is_work && b.index.get(b.items[i].id()) == Some(&i)
                })
                .collect(),
        };
        let boards: Vec<Value> =
            std::iter::once(context! { title => "All work", url => "board/index.html", current => sprint.is_none() })
                .chain(self.sprints.iter().filter(|&&s| self.urls[s].is_some()).map(|&s| {
                    context! {
                        title => b.items[s].title.value.clone(),
                        url => format!("board/{}.html", b.items[s].id()),
                        current => sprint == Some(s),
                        active => self.active == Some(s),
                    }
                }))
                .collect();
        let (path, title) = match sprint {
            Some(s) => (format!("board/{}.html", b.items[s].id()), format!("Board · {}", b.items[s].title.value)),
            None => ("board/index.html".to_string(), "Board".to_string()),
        };
        let ctx = context! {
            board => context! {
                title => title.clone(),
                sprint => sprint.map(|s| self.sprint_summary(s, false)),
                count => items.len(),
            },
            columns => self.columns(&items),
            boards => boards,
        };
        self.page(env, "board.html", &path, &title, "board", ctx)
    }

    fn backlog(&self, env: &Environment) -> Result<(String, Vec<u8>), SiteError> {
        let b = self.b;
        let items: Vec<usize> =
            (0..b.items.len()).filter(|&i| self.urls[i].is_some() && self.cards[i].is_work).collect();
        let kinds: BTreeSet<&str> = items.iter().map(|&i| b.items[i].kind()).collect();
        let statuses: BTreeSet<&str> = items.iter().filter_map(|&i| b.items[i].status()).collect();
        let ctx = context! {
            items => self.cards_of(items.iter().copied()),
            kinds => kinds.into_iter().collect::<Vec<_>>(),
            statuses => statuses.into_iter().collect::<Vec<_>>(),
        };
        self.page(env, "backlog.html", "backlog.html", "Backlog", "backlog", ctx)
    }

    // ----- items ----------------------------------------------------------

    fn item(&self, env: &Environment, i: usize) -> Result<Vec<(String, Vec<u8>)>, SiteError> {
        let b = self.b;
        let it = &b.items[i];
        let Some(url) = self.urls[i].clone() else { return Ok(Vec::new()) };
        let derived = self.inp.derived.get(it.id());
        let obj = crate::query::item_object(b, self.g, i, derived);
        let body = markdown::render(b, &self.urls, &self.links, &it.path, &it.body, "../");
        if !body.files.is_empty() {
            if let Ok(mut f) = self.files.lock() {
                f.extend(body.files.iter().cloned());
            }
        }
        let events: Vec<usize> = self.by_id.get(it.id()).cloned().unwrap_or_default();
        let mut out = Vec::with_capacity(4);
        let role = role(b, i);
        let related: Vec<(&str, &str, Vec<usize>)> = [
            ("depends_on", "Depends on"),
            ("blocks", "Blocks"),
            ("relates_to", "Relates to"),
            ("duplicates", "Duplicates"),
            ("duplicated_by", "Duplicated by"),
            ("references", "References"),
            ("referenced_by", "Referenced by"),
        ]
        .into_iter()
        .map(|(key, label)| (key, label, self.ids_of(&obj[key])))
        .collect();
        // An item that references this one and is referenced by it (a PRD
        // and its epic) is listed once, under "References".
        let refs: BTreeSet<usize> =
            related.iter().filter(|(k, _, _)| *k == "references").flat_map(|(_, _, ids)| ids.iter().copied()).collect();
        let related: Vec<(&str, &str, Vec<usize>)> = related
            .into_iter()
            .map(|(key, label, mut ids)| {
                if key == "referenced_by" {
                    ids.retain(|j| !refs.contains(j));
                }
                (key, label, ids)
            })
            .filter(|(_, _, ids)| !ids.is_empty())
            .collect();
        let urls: Vec<Value> = it
            .references
            .iter()
            .filter_map(|r| match r {
                Reference::Url { url, title } if markdown_safe(&url.value) => Some(
                    context! { url => url.value.clone(), title => title.clone().unwrap_or_else(|| url.value.clone()) },
                ),
                _ => None,
            })
            .collect();
        let mut fields: Vec<(String, String)> = Vec::new();
        for (k, v) in &it.fields {
            flatten(k, &v.value, &mut fields);
        }
        let mut ml: Vec<(String, String)> = Vec::new();
        if let Some(m) = &it.ml {
            flatten("", m, &mut ml);
        }
        let field_rows: Vec<Value> = fields.into_iter().map(|(k, v)| context! { name => k, value => v }).collect();
        let ml_rows: Vec<Value> = ml.into_iter().map(|(k, v)| context! { name => k, value => v }).collect();
        // The nearest ancestors only: a page's path up a 10,000-deep
        // hierarchy is not 10,000 links long (`ancestors_cut` says so).
        let (mut ancestors, ancestors_cut) = self.g.ancestors_up_to(i, MAX_CRUMBS);
        ancestors.reverse();
        let mut children = self.g.children(i);
        children.sort_by_key(|&c| {
            (self.cards[c].category == "done", b.items[c].priority_rank(), b.items[c].id().to_string())
        });
        // The item page shows these cards with their list markup.
        let mut shown: Vec<usize> = if role == Role::Work {
            let rel = related.iter().flat_map(|(_, _, ids)| ids);
            ancestors.iter().chain(&children).chain(rel).copied().chain([i]).collect()
        } else {
            Vec::new()
        };
        shown.sort_unstable();
        shown.dedup();
        let chips = self.chips(env, "item.html", &shown)?;
        let chip =
            |v: usize| shown.binary_search(&v).ok().and_then(|k| chips.get(k).cloned()).unwrap_or_else(|| self.card(v));
        let ancestors: Vec<Value> = ancestors.into_iter().map(chip).collect();
        let children: Vec<Value> = children.into_iter().map(|c| self.progress_with(c, chip(c))).collect();
        let relations: Vec<Value> = related
            .iter()
            .map(|(key, label, ids)| {
                context! { key => key, label => label, items => ids.iter().map(|&j| chip(j)).collect::<Vec<_>>() }
            })
            .collect();
        let r = self.rollups[i];
        let progress = (r.items_total > 0).then(|| self.progress_of(i));
        let im = impact::walk(self.g, i, IMPACT_LIMIT, |w| self.cards[w].category == "done");
        let delayed = &im.delayed;
        let t = self.sched.get(i).copied();
        let by_kind: Vec<Value> = impact::by_kind(b, delayed)
            .into_iter()
            .map(|(k, n)| context! { kind => k.clone(), label => self.kind_label(&k, n), count => n })
            .collect();
        let is_work = b.config.is_work(it.kind());
        let impact_url = format!("impact/{}.html", it.id());
        let schedule = t.map(|t| {
            let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string());
            context! {
                duration => charts::n(t.duration),
                slack => charts::n(t.slack),
                critical => t.critical,
                early_start => date(self.sched.date(t.es)),
                early_finish => date(self.sched.finish_date(t.es, t.ef)),
                late_start => date(self.sched.date(t.ls)),
                late_finish => date(self.sched.finish_date(t.ls, t.lf)),
            }
        });
        let impact_summary = context! {
            delayed => delayed.len(),
            more => !im.complete,
            by_kind => by_kind.clone(),
            critical => t.is_some_and(|t| t.critical),
            schedule => schedule,
            url => is_work.then(|| impact_url.clone()),
        };
        let ev = self.event_views(events.iter().copied());
        let body_html = Value::from_safe_string(body.html.clone());
        let meta = context! {
            created => obj["created"].as_str(),
            updated => obj["updated"].as_str(),
            reporter => obj["reporter"].as_str(),
            start => obj["start"].as_str(),
            checklist => context! { done => it.checklist.done, total => it.checklist.total },
            acceptance => context! { done => it.acceptance.done, total => it.acceptance.total },
        };
        let title = it.title.value.clone();
        let description = self.description(i);
        match role {
            Role::Sprint => {
                let ctx = context! {
                    item => self.card(i),
                    sprint => self.sprint_summary(i, false),
                    body_html => body_html.clone(),
                    columns => self.columns(self.committed.get(&i).map(Vec::as_slice).unwrap_or(&[])),
                    events => ev.clone(),
                    description => description,
                };
                out.push(self.page(env, "sprint.html", &url, &title, "sprints", ctx)?);
            }
            Role::Document => {
                let ctx = context! {
                    item => self.card(i),
                    body_html => body_html.clone(),
                    body_has_title => body.html.trim_start().starts_with("<h1"),
                    meta => meta.clone(),
                    relations => relations.clone(),
                    urls => urls.clone(),
                    fields => field_rows.clone(),
                    events => ev.clone(),
                    description => description,
                };
                out.push(self.page(env, "doc.html", &url, &title, "docs", ctx)?);
            }
            Role::Work => {
                let ctx = context! {
                    item => chip(i),
                    body_html => body_html.clone(),
                    meta => meta,
                    ancestors => ancestors,
                    ancestors_cut => ancestors_cut,
                    children => children,
                    progress => progress,
                    relations => relations,
                    urls => urls,
                    fields => field_rows,
                    ml => ml_rows,
                    impact => impact_summary,
                    events => ev.clone(),
                    graph_url => self.has_graph_page(i).then(|| format!("graph/{}.html", it.id())),
                    description => description,
                    badge => badge_size(it.id(), it.status().unwrap_or("")),
                };
                out.push(self.page(env, "item.html", &url, &title, "backlog", ctx)?);
                out.push(self.impact_page(env, i, &im, &by_kind)?);
            }
        }
        let cat = self.cards[i].category;
        out.push((
            format!("badges/{}.svg", it.id()),
            super::badges::badge(it.id(), it.status().unwrap_or(""), cat).into_bytes(),
        ));
        out.push(super::api::item_file(self, i, obj, &body.html, &events));
        Ok(out)
    }

    /// The `meta description` of an item's page: the start of its body
    /// as plain text, else what it is.
    fn description(&self, i: usize) -> String {
        let c = &self.cards[i];
        let summary = markdown::plain(&self.b.items[i].body, 160);
        if summary.is_empty() {
            format!("{} {}: {} ({}).", c.kind_label, c.id, c.title, c.status_label)
        } else if summary.starts_with(&c.title) {
            summary
        } else {
            format!("{}: {summary}", c.title)
        }
    }

    fn kind_label(&self, kind: &str, n: usize) -> String {
        let label =
            self.b.config.kind(kind).map(|k| k.label.clone()).unwrap_or_else(|| kind.to_string()).to_lowercase();
        if n == 1 {
            label
        } else if label.ends_with('y') && !label.ends_with("ey") {
            format!("{}ies", &label[..label.len() - 1])
        } else if label.ends_with('s') {
            label
        } else {
            format!("{label}s")
        }
    }

    fn impact_page(
        &self,
        env: &Environment,
        i: usize,
        im: &impact::Impact,
        by_kind: &[Value],
    ) -> Result<(String, Vec<u8>), SiteError> {
        let b = self.b;
        let it = &b.items[i];
        let delayed = &im.delayed;
        let mut groups: BTreeMap<usize, (String, Vec<Value>)> = BTreeMap::new();
        let kind_order: Vec<&str> = b.config.kinds.iter().map(|k| k.name.as_str()).collect();
        // The nearest items, each with the last hops of its path: a page's
        // size is bounded whatever the shape of the graph.
        let listed = &delayed[..delayed.len().min(IMPACT_LIST)];
        let vias: Vec<impact::Via> = listed.iter().map(|d| im.via(d.node, IMPACT_VIA)).collect();
        // Every card the page shows, once, with its fragments.
        let mut shown: Vec<usize> = listed
            .iter()
            .zip(&vias)
            .flat_map(|(d, v)| std::iter::once(d.node).chain(v.nodes.iter().copied()))
            .collect();
        shown.sort_unstable();
        shown.dedup();
        let chips = self.chips(env, "impact.html", &shown)?;
        let chip =
            |v: usize| shown.binary_search(&v).ok().and_then(|k| chips.get(k).cloned()).unwrap_or_else(|| self.card(v));
        for (d, v) in listed.iter().zip(&vias) {
            let k = b.items[d.node].kind();
            let pos = kind_order.iter().position(|x| *x == k).unwrap_or(usize::MAX);
            let via: Vec<Value> = v.nodes.iter().map(|&v| chip(v)).collect();
            groups.entry(pos).or_insert_with(|| (k.to_string(), Vec::new())).1.push(context! {
                card => chip(d.node),
                distance => d.distance,
                via => via,
                via_cut => v.cut,
            });
        }
        let groups: Vec<Value> = groups
            .into_values()
            .map(|(k, items)| context! { kind => k.clone(), label => self.kind_label(&k, items.len()), items => items })
            .collect();
        let nodes: BTreeSet<usize> = std::iter::once(i).chain(delayed.iter().map(|d| d.node)).collect();
        let too_large = nodes.len() > MAX_IMPACT_NODES || !im.complete;
        let svg = if delayed.is_empty() || too_large {
            None
        } else {
            let mut edges: Vec<usize> = nodes
                .iter()
                .flat_map(|&u| self.g.out[u].iter().copied())
                .filter(|&e| {
                    let ed = &self.g.edges[e];
                    render::is_structural(&ed.ty) && nodes.contains(&ed.to)
                })
                .collect();
            edges.sort_by(|&x, &y| {
                let (a, c) = (&self.g.edges[x], &self.g.edges[y]);
                (a.from, a.to, &a.ty).cmp(&(c.from, c.to, &c.ty))
            });
            edges.dedup();
            let sub = Subgraph { nodes: nodes.iter().copied().collect(), edges };
            Some(Value::from_safe_string(render::svg::render(b, self.g, &self.sched, &sub)))
        };
        let t = self.sched.get(i).copied();
        let ctx = context! {
            item => self.card(i),
            delayed => delayed.len(),
            by_kind => by_kind,
            groups => groups,
            critical => t.is_some_and(|t| t.critical),
            slack => t.map(|t| charts::n(t.slack)),
            svg => svg,
            too_large => too_large,
            more => !im.complete,
            listed => listed.len(),
        };
        let title = format!("Impact · {}", it.title.value);
        self.page(env, "impact.html", &format!("impact/{}.html", it.id()), &title, "backlog", ctx)
    }

    // ----- graph ----------------------------------------------------------

    fn graph_page(&self, env: &Environment, center: Option<usize>) -> Result<(String, Vec<u8>), SiteError> {
        let b = self.b;
        let sel = Selection { center, depth: 0, relations: None };
        let sub = render::select(b, self.g, &sel);
        let drawable = sub.nodes.len() <= render::svg::MAX_NODES && !sub.nodes.is_empty();
        let svg = drawable.then(|| Value::from_safe_string(render::svg::render(b, self.g, &self.sched, &sub)));
        let critical: Vec<Value> =
            sub.nodes.iter().copied().filter(|&i| render::is_critical(&self.sched, i)).map(|i| self.card(i)).collect();
        let epics: Vec<Value> = if center.is_some() {
            Vec::new()
        } else {
            (0..b.items.len())
                .filter(|&i| self.has_graph_page(i))
                .map(|i| context! { card => self.card(i), url => format!("graph/{}.html", b.items[i].id()), size => self.g.descendants(i).len() + 1 })
                .collect()
        };
        let (path, title) = match center {
            Some(c) => (format!("graph/{}.html", b.items[c].id()), format!("Graph · {}", b.items[c].title.value)),
            None => ("graph.html".to_string(), "Dependency graph".to_string()),
        };
        let ctx = context! {
            center => center.map(|c| self.card(c)),
            svg => svg,
            nodes => sub.nodes.len(),
            edges => sub.edges.len(),
            max_nodes => render::svg::MAX_NODES,
            critical => critical,
            epics => epics,
        };
        self.page(env, "graph.html", &path, &title, "graph", ctx)
    }

    // ----- sprints --------------------------------------------------------

    /// The numbers of a sprint from the current state.
    pub fn sprint_summary(&self, s: usize, thumb: bool) -> Value {
        let b = self.b;
        let it = &b.items[s];
        let items = self.committed.get(&s).cloned().unwrap_or_default();
        let completed_status = |i: usize| {
            let x = &b.items[i];
            x.status()
                .and_then(|st| b.config.status(x.kind(), st))
                .is_some_and(|st| st.category == Category::Done && st.completed)
        };
        let committed: f64 = items.iter().map(|&i| est(b.items[i].estimate)).sum();
        let completed: f64 = items.iter().filter(|&&i| completed_status(i)).map(|&i| est(b.items[i].estimate)).sum();
        let done_items = items.iter().filter(|&&i| self.cards[i].category == "done").count();
        let doing_items = items.iter().filter(|&&i| self.cards[i].category == "doing").count();
        let unestimated = items.iter().filter(|&&i| b.items[i].estimate.is_none()).count();
        let capacity: f64 = it.capacity.values().filter(|v| v.is_finite()).sum();
        // Per person: capacity and committed (an item's estimate split over its assignees).
        let mut people: BTreeMap<String, (f64, f64)> =
            it.capacity.iter().map(|(k, v)| (k.clone(), (*v, 0.0))).collect();
        for &i in &items {
            let x = &b.items[i];
            if x.assignee.is_empty() {
                continue;
            }
            let share = est(x.estimate) / x.assignee.len() as f64;
            for a in &x.assignee {
                people.entry(a.clone()).or_insert((0.0, 0.0)).1 += share;
            }
        }
        let rows: Vec<(String, f64, f64)> = people.iter().map(|(k, (c, m))| (k.clone(), *c, *m)).collect();
        let id = it.id();
        let state = match (self.inp.options.today, it.start.as_ref(), it.end.as_ref()) {
            (Some(t), _, Some(e)) if e.value < t => "closed",
            (Some(t), Some(st), _) if st.value > t => "planned",
            (Some(_), Some(_), Some(_)) => "active",
            _ => "unknown",
        };
        let days = match (it.start.as_ref(), it.end.as_ref()) {
            (Some(a), Some(e)) => Some((e.value - a.value).num_days() + 1),
            _ => None,
        };
        let burndown = self.inp.analytics.burndown(id);
        let chart = burndown.as_ref().filter(|bd| !bd.days.is_empty()).map(|bd| {
            Value::from_safe_string(charts::burndown(
                &format!("burndown-{id}"),
                &format!("Burndown of {}", it.title.value),
                bd,
                thumb,
            ))
        });
        let capacity_chart = (!rows.is_empty() && !thumb).then(|| {
            Value::from_safe_string(charts::capacity(
                &format!("capacity-{id}"),
                &format!("Committed vs capacity in {}", it.title.value),
                &b.config.estimate_unit,
                &rows,
            ))
        });
        let pct = if committed > 0.0 { (completed / committed * 100.0).round() as i64 } else { 0 };
        context! {
            card => self.card(s),
            id => id,
            title => it.title.value.clone(),
            goal => it.goal.clone(),
            start => it.start.as_ref().map(|d| d.value.to_string()),
            end => it.end.as_ref().map(|d| d.value.to_string()),
            days => days,
            state => state,
            active => self.active == Some(s),
            capacity => charts::n(capacity),
            has_capacity => capacity > 0.0,
            committed => charts::n(committed),
            completed => charts::n(completed),
            remaining => charts::n((committed - completed).max(0.0)),
            pct => pct,
            over_capacity => capacity > 0.0 && committed > capacity,
            items => items.len(),
            done_items => done_items,
            doing_items => doing_items,
            unestimated => unestimated,
            people => rows.iter().map(|(p, c, m)| context! { name => p.clone(), capacity => charts::n(*c), committed => charts::n(*m), over => m > c }).collect::<Vec<_>>(),
            capacity_chart => capacity_chart,
            burndown => chart,
            burndown_note => if chart_missing(&burndown) { Some(self.history_reason()) } else { None },
            history => if thumb { None } else { self.inp.analytics.sprint_detail(id).map(|d| Value::from_serialize(&d)) },
            board_url => format!("board/{id}.html"),
            url => self.urls[s].clone(),
        }
    }

    fn history_reason(&self) -> String {
        match &self.inp.options.history_note {
            Some(n) => n.clone(),
            None => self.inp.analytics.unavailable_reason(),
        }
    }

    fn sprints_page(&self, env: &Environment) -> Result<(String, Vec<u8>), SiteError> {
        let list: Vec<Value> =
            self.sprints.iter().filter(|&&s| self.urls[s].is_some()).map(|&s| self.sprint_summary(s, true)).collect();
        let ctx = context! { sprints => list };
        self.page(env, "sprints.html", "sprints/index.html", "Sprints", "sprints", ctx)
    }

    // ----- metrics and insights -------------------------------------------

    fn metrics(&self, env: &Environment) -> Result<(String, Vec<u8>), SiteError> {
        let b = self.b;
        let unit = &b.config.estimate_unit;
        let work: Vec<usize> =
            (0..b.items.len()).filter(|&i| self.urls[i].is_some() && self.cards[i].is_work).collect();
        let mut pts = [0.0f64; 3];
        let mut cnt = [0usize; 3];
        for &i in &work {
            let k = match self.cards[i].category {
                "todo" => 0,
                "doing" => 1,
                "done" => 2,
                _ => continue,
            };
            pts[k] += est(b.items[i].estimate);
            cnt[k] += 1;
        }
        let by_cat = charts::bars(
            "points-by-category",
            &format!("Estimated {unit} by status category"),
            unit,
            &[
                charts::Bar { label: "To do".into(), value: pts[0], class: "c-todo" },
                charts::Bar { label: "In progress".into(), value: pts[1], class: "c-doing" },
                charts::Bar { label: "Done".into(), value: pts[2], class: "c-done" },
            ],
        );
        let per_sprint: Vec<charts::Bar> = self
            .sprints
            .iter()
            .map(|&s| {
                let v: f64 = self
                    .committed
                    .get(&s)
                    .map(|items| {
                        items
                            .iter()
                            .filter(|&&i| {
                                let x = &b.items[i];
                                x.status()
                                    .and_then(|st| b.config.status(x.kind(), st))
                                    .is_some_and(|st| st.category == Category::Done && st.completed)
                            })
                            .map(|&i| est(b.items[i].estimate))
                            .sum()
                    })
                    .unwrap_or(0.0);
                charts::Bar { label: b.items[s].title.value.clone(), value: v, class: "c-done" }
            })
            .collect();
        let delivered = (!per_sprint.is_empty()).then(|| {
            Value::from_safe_string(charts::bars(
                "delivered",
                &format!("Delivered {unit} per sprint (current status)"),
                unit,
                &per_sprint,
            ))
        });
        // Work in progress per person.
        let mut wip: BTreeMap<&str, (usize, f64)> = BTreeMap::new();
        for &i in &work {
            if self.cards[i].category == "doing" {
                for a in &b.items[i].assignee {
                    let e = wip.entry(a.as_str()).or_default();
                    e.0 += 1;
                    e.1 += est(b.items[i].estimate);
                }
            }
        }
        let wip: Vec<Value> =
            wip.into_iter().map(|(p, (n, e))| context! { name => p, items => n, points => charts::n(e) }).collect();
        let history = self.inp.analytics.metrics();
        let (velocity, throughput, cfd) = match &history {
            Some(m) => history_charts(m, unit),
            None => (None, None, None),
        };
        let ctx = context! {
            counts => json!({"todo": cnt[0], "doing": cnt[1], "done": cnt[2]}),
            points => json!({"todo": charts::n(pts[0]), "doing": charts::n(pts[1]), "done": charts::n(pts[2])}),
            by_category => Value::from_safe_string(by_cat),
            delivered => delivered,
            wip => wip,
            history => history.is_some(),
            hm => history.as_ref().map(Value::from_serialize),
            velocity_chart => velocity.map(Value::from_safe_string),
            throughput_chart => throughput.map(Value::from_safe_string),
            cfd_chart => cfd.map(Value::from_safe_string),
            history_note => self.history_reason(),
        };
        self.page(env, "metrics.html", "metrics.html", "Metrics", "metrics", ctx)
    }

    fn insight_value(&self, x: &Insight) -> Value {
        let items: Vec<Value> =
            x.items.iter().filter_map(|id| self.b.index.get(id.as_str())).map(|&i| self.card(i)).collect();
        context! { rule => x.rule.clone(), severity => x.severity.clone(), title => x.title.clone(), detail => x.detail.clone(), items => items }
    }

    fn insights_page(&self, env: &Environment) -> Result<(String, Vec<u8>), SiteError> {
        let mut list: Vec<&Insight> = self.insights.iter().collect();
        list.sort_by_key(|x| severity_rank(&x.severity));
        let v: Vec<Value> = list.iter().map(|x| self.insight_value(x)).collect();
        let ctx = context! { insights => v, history_note => self.history_reason(), history_insights => !self.inp.analytics.insights().is_empty() };
        self.page(env, "insights.html", "insights.html", "Insights", "insights", ctx)
    }

    /// The risk rules over the current state, then the history-based ones.
    fn compute_insights(&self) -> Vec<Insight> {
        let b = self.b;
        let mut out = Vec::new();
        let open = |i: usize| matches!(self.cards[i].category, "todo" | "doing");
        let work: Vec<usize> =
            (0..b.items.len()).filter(|&i| self.urls[i].is_some() && self.cards[i].is_work).collect();
        let ids = |v: &[usize]| v.iter().map(|&i| b.items[i].id().to_string()).collect::<Vec<_>>();
        let push =
            |out: &mut Vec<Insight>, rule: &str, sev: &str, title: String, detail: String, items: Vec<String>| {
                out.push(Insight { rule: rule.into(), severity: sev.into(), title, detail, items });
            };
        if self.inp.report.errors() > 0 {
            push(
                &mut out,
                "backlog-errors",
                "high",
                format!(
                    "{} validation error{} in the backlog",
                    self.inp.report.errors(),
                    plural(self.inp.report.errors())
                ),
                "Some items do not check: the pages may be missing relations or statuses. See Problems.".into(),
                Vec::new(),
            );
        }
        let blocked_doing: Vec<usize> =
            work.iter().copied().filter(|&i| self.cards[i].blocked && self.cards[i].category == "doing").collect();
        if !blocked_doing.is_empty() {
            push(
                &mut out,
                "blocked-in-progress",
                "high",
                format!("{} item{} in progress but blocked", blocked_doing.len(), plural(blocked_doing.len())),
                "Work has started while a dependency is still open.".into(),
                ids(&blocked_doing),
            );
        }
        let overdue: Vec<usize> = work.iter().copied().filter(|&i| self.cards[i].overdue).collect();
        if !overdue.is_empty() {
            push(
                &mut out,
                "overdue",
                "high",
                format!("{} overdue item{}", overdue.len(), plural(overdue.len())),
                "Open items whose due date has passed.".into(),
                ids(&overdue),
            );
        }
        for &s in &self.sprints {
            let it = &b.items[s];
            let closed = matches!((self.inp.options.today, &it.end), (Some(t), Some(e)) if e.value < t);
            if closed {
                continue;
            }
            let items = self.committed.get(&s).cloned().unwrap_or_default();
            let committed: f64 = items.iter().map(|&i| est(b.items[i].estimate)).sum();
            let capacity: f64 = it.capacity.values().filter(|v| v.is_finite()).sum();
            if capacity > 0.0 && committed > capacity {
                push(
                    &mut out,
                    "sprint-over-capacity",
                    "high",
                    format!(
                        "{} is over capacity: {} of {} {}",
                        it.title.value,
                        charts::n(committed),
                        charts::n(capacity),
                        b.config.estimate_unit
                    ),
                    "The committed estimates exceed the sum of the team's capacity.".into(),
                    vec![it.id().to_string()],
                );
            }
            let mut per: BTreeMap<&str, f64> = BTreeMap::new();
            for &i in &items {
                let x = &b.items[i];
                for a in &x.assignee {
                    *per.entry(a.as_str()).or_default() += est(x.estimate) / x.assignee.len() as f64;
                }
            }
            let over: Vec<String> = per
                .iter()
                .filter(|(p, c)| it.capacity.get(**p).is_some_and(|cap| **c > *cap))
                .map(|(p, c)| {
                    format!("{p} ({} of {})", charts::n(*c), charts::n(it.capacity.get(*p).copied().unwrap_or(0.0)))
                })
                .collect();
            if !over.is_empty() {
                push(
                    &mut out,
                    "person-over-capacity",
                    "medium",
                    format!("{}: {} over capacity", it.title.value, plural_people(over.len())),
                    over.join(", "),
                    vec![it.id().to_string()],
                );
            }
            let unest: Vec<usize> =
                items.iter().copied().filter(|&i| b.items[i].estimate.is_none() && open(i)).collect();
            if !unest.is_empty() {
                push(
                    &mut out,
                    "unestimated-in-sprint",
                    "low",
                    format!("{}: {} unestimated item{}", it.title.value, unest.len(), plural(unest.len())),
                    "Committed work without an estimate does not count toward capacity.".into(),
                    ids(&unest),
                );
            }
        }
        let ml: Vec<usize> = work
            .iter()
            .copied()
            .filter(|&i| {
                let Some(m) = b.items[i].ml.as_ref() else { return false };
                let review = m.get("ethical_review").and_then(|v| v.as_str());
                self.cards[i].status.as_deref() != Some("cancelled")
                    && !matches!(review, Some("approved" | "not_required"))
            })
            .collect();
        if !ml.is_empty() {
            push(
                &mut out,
                "ml-review-pending",
                "high",
                format!("{} ML item{} without an approved ethical review", ml.len(), plural(ml.len())),
                "Items with `ml:` whose `ethical_review` is neither `approved` nor `not_required`.".into(),
                ids(&ml),
            );
        }
        let blocked_todo: Vec<usize> =
            work.iter().copied().filter(|&i| self.cards[i].blocked && self.cards[i].category == "todo").collect();
        if !blocked_todo.is_empty() {
            push(
                &mut out,
                "blocked",
                "medium",
                format!("{} item{} waiting on open dependencies", blocked_todo.len(), plural(blocked_todo.len())),
                "Not ready: at least one `depends_on` is not done.".into(),
                ids(&blocked_todo),
            );
        }
        let dups: Vec<usize> = work.iter().copied().filter(|&i| b.items[i].duplicates.is_some() && open(i)).collect();
        if !dups.is_empty() {
            push(
                &mut out,
                "open-duplicates",
                "low",
                format!("{} open duplicate{}", dups.len(), plural(dups.len())),
                "Items marked as duplicates that are still open: close them or merge.".into(),
                ids(&dups),
            );
        }
        out.extend(self.inp.analytics.insights());
        out
    }

    // ----- audit, docs, problems, feed ------------------------------------

    fn audit(&self, env: &Environment, page: usize) -> Result<(String, Vec<u8>), SiteError> {
        let pages = self.audit_pages();
        let total = self.events.map(|e| e.events.len()).unwrap_or(0);
        let start = (page - 1) * AUDIT_PAGE;
        // Newest first.
        let idx: Vec<usize> = (0..total).rev().skip(start).take(AUDIT_PAGE).collect();
        let path = if page == 1 { "audit.html".to_string() } else { format!("audit/{page}.html") };
        let url_of = |p: usize| if p == 1 { "audit.html".to_string() } else { format!("audit/{p}.html") };
        let ctx = context! {
            events => self.event_views(idx),
            total => total,
            pagination => context! {
                page => page,
                pages => pages,
                prev => (page > 1).then(|| url_of(page - 1)),
                next => (page < pages).then(|| url_of(page + 1)),
                first => start + 1,
                last => (start + AUDIT_PAGE).min(total),
            },
            history_note => self.history_reason(),
        };
        let title = if page == 1 { "Audit log".to_string() } else { format!("Audit log · page {page}") };
        self.page(env, "audit.html", &path, &title, "audit", ctx)
    }

    fn docs(&self, env: &Environment) -> Result<(String, Vec<u8>), SiteError> {
        let b = self.b;
        let docs: Vec<Value> = (0..b.items.len())
            .filter(|&i| self.urls[i].is_some() && role(b, i) == Role::Document)
            .map(|i| {
                let refs = self.g.sources(i, &EdgeType::References).count();
                context! { card => self.card(i), summary => markdown::plain(&b.items[i].body, 220), referenced_by => refs }
            })
            .collect();
        self.page(env, "docs.html", "docs/index.html", "Docs", "docs", context! { docs => docs })
    }

    fn problems(&self, env: &Environment) -> Result<(String, Vec<u8>), SiteError> {
        let b = self.b;
        let diags: Vec<Value> = self
            .inp
            .report
            .diagnostics
            .iter()
            .map(|d| {
                let url = d.id.as_deref().and_then(|id| b.index.get(id)).and_then(|&i| {
                    (b.items[i].path == d.file).then(|| self.urls[i].clone()).flatten()
                });
                context! {
                    severity => d.severity.as_str(),
                    code => d.code,
                    message => d.message.clone(),
                    file => d.file.clone(),
                    line => d.line,
                    column => d.column,
                    id => d.id.clone(),
                    url => url,
                    help => d.help.clone(),
                    notes => d.notes.iter().map(|n| context! { message => n.message.clone(), file => n.file.clone(), line => n.line, column => n.column }).collect::<Vec<_>>(),
                }
            })
            .collect();
        let errors = self.inp.report.diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
        let ctx =
            context! { diagnostics => diags, errors => errors, warnings => self.inp.report.diagnostics.len() - errors };
        self.page(env, "problems.html", "problems.html", "Problems", "problems", ctx)
    }

    fn feed(&self, env: &Environment) -> Result<(String, Vec<u8>), SiteError> {
        let total = self.events.map(|e| e.events.len()).unwrap_or(0);
        let entries = self.event_views((0..total).rev().take(100));
        let base = self.inp.options.base_url.trim_end_matches('/');
        let abs = |u: &str| if base.is_empty() { u.to_string() } else { format!("{base}/{u}") };
        let updated = entries.first().map(|e| e.time.clone()).unwrap_or_else(|| "1970-01-01T00:00:00Z".to_string());
        let entries: Vec<Value> = entries
            .into_iter()
            .enumerate()
            .map(|(k, e)| {
                let link = e.url.as_deref().map(abs);
                let what = e.field.clone().unwrap_or_else(|| e.action.to_string());
                let entry_id = urn(&[e.commit.as_str(), e.id.as_str(), what.as_str(), &(total - k).to_string()]);
                context! { entry_id => entry_id, link => link, ..Value::from_serialize(&e) }
            })
            .collect();
        let ctx = context! {
            entries => entries,
            updated => updated,
            home => abs("index.html"),
            self_url => abs("feed.xml"),
            feed_id => urn(&["feed", &self.b.config.name]),
        };
        let t = env.get_template("feed.xml").map_err(|e| SiteError::template("feed.xml", &e))?;
        let full = context! { site => self.site.clone(), root => "", ..ctx };
        let xml = t.render(full).map_err(|e| SiteError::template("feed.xml", &e))?;
        Ok(("feed.xml".to_string(), xml.into_bytes()))
    }
}

/// A `urn:cairn:` IRI from `parts`, each percent-encoded (RFC 3986
/// unreserved characters are kept) and joined by `:`, so a backlog name
/// or field with spaces, colons or any other character still gives a
/// valid Atom id, the same on every build.
pub fn urn(parts: &[&str]) -> String {
    let mut out = String::from("urn:cairn");
    for p in parts {
        out.push(':');
        for byte in p.bytes() {
            if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
                out.push(char::from(byte));
            } else {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    out
}

/// The history-based charts of the metrics page, drawn from the metrics
/// JSON (`cairn metrics --format json`): velocity, throughput, cumulative flow.
fn history_charts(m: &serde_json::Value, unit: &str) -> (Option<String>, Option<String>, Option<String>) {
    let list = |k: &str| m.get(k).and_then(|v| v.as_array()).cloned().unwrap_or_default();
    let f = |v: &serde_json::Value, k: &str| v.get(k).and_then(|x| x.as_f64()).unwrap_or(0.0);
    let s = |v: &serde_json::Value, k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
    let vel: Vec<charts::Bar> = m
        .get("velocity")
        .and_then(|v| v.get("sprints"))
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter().map(|p| charts::Bar { label: s(p, "sprint"), value: f(p, "points"), class: "c-done" }).collect()
        })
        .unwrap_or_default();
    let velocity = (!vel.is_empty())
        .then(|| charts::bars("velocity", &format!("Velocity: {unit} delivered per closed sprint"), unit, &vel));
    let weeks: Vec<charts::Bar> = list("throughput")
        .iter()
        .map(|w| charts::Bar { label: s(w, "week"), value: f(w, "items"), class: "c-doing" })
        .collect();
    let throughput =
        (!weeks.is_empty()).then(|| charts::bars("throughput", "Items delivered per ISO week", "items", &weeks));
    let days: Vec<charts::FlowDay> = list("cumulative_flow")
        .iter()
        .map(|d| charts::FlowDay { date: s(d, "date"), todo: f(d, "todo"), doing: f(d, "doing"), done: f(d, "done") })
        .collect();
    let cfd = (!days.is_empty())
        .then(|| charts::cumulative_flow("cfd", "Cumulative flow: work items by status category", &days));
    (velocity, throughput, cfd)
}

/// The size of an item's badge, for its `<img>`.
fn badge_size(id: &str, status: &str) -> Value {
    let (width, height) = super::badges::size(id, status);
    context! { width => charts::n(width), height => charts::n(height) }
}

fn chart_missing(b: &Option<super::Burndown>) -> bool {
    b.as_ref().is_none_or(|b| b.days.is_empty())
}

fn markdown_safe(url: &str) -> bool {
    let l = url.to_ascii_lowercase();
    l.starts_with("http://") || l.starts_with("https://") || l.starts_with("mailto:")
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn plural_people(n: usize) -> String {
    if n == 1 {
        "1 person".into()
    } else {
        format!("{n} people")
    }
}

fn severity_rank(s: &str) -> usize {
    match s {
        "high" => 0,
        "medium" => 1,
        _ => 2,
    }
}

/// The sprint containing `today`; else the one with the most items in
/// progress; else the latest that has started.
fn active_sprint(
    b: &Backlog,
    sprints: &[usize],
    committed: &HashMap<usize, Vec<usize>>,
    today: Option<chrono::NaiveDate>,
) -> Option<usize> {
    if let Some(t) = today {
        if let Some(&s) = sprints.iter().find(|&&s| {
            let it = &b.items[s];
            matches!((&it.start, &it.end), (Some(a), Some(e)) if a.value <= t && t <= e.value)
        }) {
            return Some(s);
        }
    }
    let doing = |s: usize| {
        committed
            .get(&s)
            .map(|v| v.iter().filter(|&&i| b.category(&b.items[i]) == Some(Category::Doing)).count())
            .unwrap_or(0)
    };
    sprints.iter().copied().filter(|&s| doing(s) > 0).max_by_key(|&s| (doing(s), std::cmp::Reverse(s))).or_else(|| {
        let t = today?;
        sprints.iter().copied().rfind(|&s| b.items[s].start.as_ref().is_some_and(|a| a.value <= t))
    })
}
