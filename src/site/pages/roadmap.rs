//! The roadmap pages: `roadmap.html` (the whole backlog) and
//! `roadmap/<id>.html` (one per epic, initiative or other top-level
//! parent: the items with a graph page). Both are views of one model,
//! [`crate::graph::roadmap::build`] of the whole backlog, built once per
//! site and drawn with [`crate::graph::render::gantt`] — the same model
//! and picture as `cairn roadmap`.
//!
//! A page draws at most [`MAX_ROADMAP_ROWS`] rows: whole levels of the
//! hierarchy, the top first (initiatives, then epics, then features…),
//! as many as fit; the rows below are left to the roadmaps of their own
//! epics and initiatives, and the page says how many it left out. So a
//! page's size is bounded whatever the backlog's, and each page costs
//! `O(rows shown × log rows)` after the one linear build.

use std::collections::{HashMap, HashSet};

use minijinja::{context, Environment, Value};

use super::Shared;
use crate::graph::render::gantt;
use crate::graph::roadmap::{self, Roadmap, Row};
use crate::site::SiteError;

/// Rows drawn on one roadmap page at most.
pub const MAX_ROADMAP_ROWS: usize = 300;

/// The roadmap of the whole backlog, indexed for the pages' views: its
/// rows' places (item, depth), not its rows — a page makes the rows it
/// draws (at most [`MAX_ROADMAP_ROWS`]), so the index costs no string per
/// item of the backlog.
pub struct RoadmapIndex {
    places: Vec<roadmap::Place>,
    /// The whole roadmap's span, today and sprints (no rows).
    frame: Roadmap,
    /// Row of an item (by item index).
    row_of: HashMap<usize, usize>,
    /// The end (exclusive) of each row's subtree: rows are depth-first, so
    /// a subtree is the rows from its root to the next row no deeper.
    end: Vec<usize>,
    /// Whether each row's item has a roadmap page of its own.
    own_page: Vec<bool>,
}

/// What one page shows.
pub struct View {
    pub roadmap: Roadmap,
    /// Rows of the subtree not drawn (below the levels that fit, or in
    /// the roadmaps of its epics).
    pub hidden: usize,
}

impl RoadmapIndex {
    pub fn new(s: &Shared) -> RoadmapIndex {
        let places = roadmap::order(s.b, s.g, &s.sched, None);
        let frame = roadmap::with_rows(s.b, &s.sched, s.inp.options.today, Vec::new());
        let row_of = places.iter().enumerate().map(|(k, p)| (p.item, k)).collect();
        let own_page = places.iter().map(|p| s.has_roadmap_page(p.item)).collect();
        // Subtree ends with a stack of open rows (linear).
        let n = places.len();
        let mut end = vec![n; n];
        let mut open: Vec<usize> = Vec::new();
        for (k, r) in places.iter().enumerate() {
            while open.last().is_some_and(|&o| places[o].depth >= r.depth) {
                if let Some(o) = open.pop() {
                    end[o] = k;
                }
            }
            open.push(k);
        }
        RoadmapIndex { places, frame, row_of, end, own_page }
    }

    /// The whole roadmap (`None`) or the subtree of item `root`, cut to
    /// whole levels that fit in [`MAX_ROADMAP_ROWS`] rows. A subtree's
    /// items with a roadmap of their own (an initiative's epics) are one
    /// row each, their bar, not their rows again: so each row is drawn on
    /// the roadmap of its nearest epic or initiative, and on that of the
    /// one above as a bar, and the pages stay linear in the items.
    pub fn view(&self, s: &Shared, root: Option<usize>) -> View {
        let (lo, hi, base) = match root {
            None => (0, self.places.len(), 0),
            Some(r) => match self.row_of.get(&r) {
                Some(&p) => (p, self.end[p], self.places[p].depth),
                None => (0, 0, 0),
            },
        };
        // The rows that may be drawn, by depth below the root, in order.
        let mut levels: Vec<Vec<usize>> = Vec::new();
        let mut k = lo;
        while k < hi {
            let d = self.places[k].depth - base;
            if levels.len() <= d {
                levels.resize(d + 1, Vec::new());
            }
            levels[d].push(k);
            k = if root.is_some() && k > lo && self.own_page[k] { self.end[k] } else { k + 1 };
        }
        let mut picked: Vec<usize> = Vec::new();
        for level in levels.iter().skip_while(|l| l.is_empty()) {
            if level.is_empty() {
                break;
            }
            if picked.len() + level.len() > MAX_ROADMAP_ROWS {
                // Nothing below the root fits whole: its first rows, in order.
                if picked.len() <= 1 {
                    picked.extend(level.iter().take(MAX_ROADMAP_ROWS.saturating_sub(picked.len())));
                }
                break;
            }
            picked.extend_from_slice(level);
        }
        picked.sort_unstable();
        let hidden = (hi - lo) - picked.len();
        // A row's dependencies: those drawn on the page.
        let shown: HashSet<usize> = picked.iter().map(|&k| self.places[k].item).collect();
        let today = self.frame.today;
        let rows: Vec<Row> = picked
            .iter()
            .map(|&k| {
                let mut r = roadmap::row(s.b, s.g, &s.sched, &self.places[k], today, |d| shown.contains(&d));
                r.depth -= base;
                r
            })
            .collect();
        let (start, end) = match root {
            None => (self.frame.start, self.frame.end),
            // A subtree's own span: from its first start to its last finish.
            Some(_) => (rows.iter().filter_map(|r| r.start).min(), rows.iter().filter_map(|r| r.finish).max()),
        };
        let roadmap = Roadmap { start, end, today, rows, sprints: self.frame.sprints.clone() };
        View { roadmap, hidden }
    }
}

impl Shared<'_> {
    /// Items with a roadmap page: those with a graph page (epics,
    /// initiatives, other top-level parents).
    pub fn has_roadmap_page(&self, i: usize) -> bool {
        self.has_graph_page(i)
    }

    pub(super) fn roadmap_page(&self, env: &Environment, root: Option<usize>) -> Result<(String, Vec<u8>), SiteError> {
        let b = self.b;
        let index = self.roadmap_index();
        let View { roadmap, hidden } = index.view(self, root);
        let dated = roadmap.start.is_some() && roadmap.rows.iter().any(|r| r.start.is_some());
        let svg = dated
            .then(|| Value::from_safe_string(gantt::render(&roadmap, gantt::Options { arrows: true, compact: true })));
        let has_arrows = roadmap.rows.iter().any(|r| !r.depends_on.is_empty());
        let rows: Vec<Value> = roadmap
            .rows
            .iter()
            .map(|r| {
                let i = b.index.get(&r.id).copied();
                context! {
                    id => r.id.clone(),
                    title => r.title.clone(),
                    kind => r.kind.clone(),
                    depth => r.depth,
                    depth => r.depth.min(8),
                    url => i.and_then(|i| self.urls[i].clone()),
                    roadmap_url => i.filter(|&i| Some(i) != root && self.has_roadmap_page(i)).map(|_| format!("roadmap/{}.html", r.id)),
                    start => r.start.map(|d| d.to_string()),
                    finish => r.finish.map(|d| d.to_string()),
                    slack => r.slack_days.map(crate::site::charts::n),
                    critical => r.critical,
                    milestone => r.milestone,
                    summary => r.summary,
                    due => r.due.map(|d| d.to_string()),
                    overdue => r.overdue,
                }
            })
            .collect();
        let ancestors: Vec<Value> = match root {
            Some(r) => {
                // The nearest ancestors, walked up one parent at a time (a
                // deep chain costs MAX_CRUMBS steps, a parent cycle ends).
                let mut v: Vec<usize> = Vec::new();
                let mut x = r;
                while let Some(p) = self.g.parent(x).filter(|p| *p != r && !v.contains(p)) {
                    if v.len() == super::MAX_CRUMBS {
                        break;
                    }
                    v.push(p);
                    x = p;
                }
                v.reverse();
                v.into_iter()
                    .map(|a| {
                        context! { card => self.card(a), roadmap_url => self.has_roadmap_page(a).then(|| format!("roadmap/{}.html", b.items[a].id())) }
                    })
                    .collect()
            }
            None => Vec::new(),
        };
        // The whole-backlog page lists every epic and initiative roadmap.
        let pages: Vec<Value> = match root {
            Some(_) => Vec::new(),
            None => (0..b.items.len())
                .filter(|&i| {
                    self.urls[i].is_some() && self.has_roadmap_page(i) && b.index.get(b.items[i].id()) == Some(&i)
                })
                .map(|i| context! { card => self.card(i), url => format!("roadmap/{}.html", b.items[i].id()) })
                .collect(),
        };
        let (path, title) = match root {
            Some(r) => (format!("roadmap/{}.html", b.items[r].id()), format!("Roadmap · {}", b.items[r].title.value)),
            None => ("roadmap.html".to_string(), "Roadmap".to_string()),
        };
        let ctx = context! {
            center => root.map(|r| self.card(r)),
            graph_url => root.map(|r| format!("graph/{}.html", b.items[r].id())),
            ancestors => ancestors,
            svg => svg,
            has_arrows => has_arrows,
            rows => rows,
            hidden => hidden,
            max_rows => MAX_ROADMAP_ROWS,
            start => roadmap.start.map(|d| d.to_string()),
            end => roadmap.end.map(|d| d.to_string()),
            today => roadmap.today.map(|d| d.to_string()),
            has_start => self.sched.start.is_some(),
            pages => pages,
        };
        self.page(env, "roadmap.html", &path, &title, "roadmap", ctx)
    }
}
