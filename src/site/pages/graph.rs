//! The dependency graph pages: the index of views (`graph.html`), one view
//! per epic or other top-level parent (`graph/<id>.html`), the whole graph
//! on its own page when it is small enough (`graph-all.html`), and the
//! focus view around an epic or initiative (`graph/focus/<id>.html`).
//!
//! Other items are focused in their view (`graph/<view>.html#n-<id>`,
//! see [`Shared::has_focus_page`]).
//!
//! Every view is the one SVG drawing of `graph::render::svg`, with links on
//! its nodes and their kind, status, labels and sprint as data attributes
//! (the filters and zoom of `assets/graph.js` work on those; without
//! JavaScript the picture and the lists beside it are the content).
//! Sprints are not nodes (nothing links to them in the graph): membership
//! is the `sprint` filter.

use std::collections::BTreeSet;

use minijinja::{context, Environment, Value};

use super::cards::role;
use super::{Shared, FOCUS_DEPTH, FOCUS_MAX, MAX_WHOLE_GRAPH};
use crate::config::Role;
use crate::graph::render::{self, Selection, Subgraph};
use crate::graph::EdgeType;
use crate::site::{root_prefix, SiteError};

/// Where the whole graph is drawn (beside `graph.html`: no item page is at
/// the top of the site, so no id can take the name).
/// Drawings wider than this (pixels) do not fit the page's column.
const WIDE_PX: f64 = 1100.0;

pub const WHOLE_GRAPH_PAGE: &str = "graph-all.html";

impl Shared<'_> {
    /// A subgraph without sprints (they have no edges in the graph).
    fn without_sprints(&self, mut sub: Subgraph) -> Subgraph {
        let b = self.b;
        sub.nodes.retain(|&i| role(b, i) != Role::Sprint);
        let keep: BTreeSet<usize> = sub.nodes.iter().copied().collect();
        sub.edges.retain(|&e| keep.contains(&self.g.edges[e].from) && keep.contains(&self.g.edges[e].to));
        sub
    }

    /// The drawing of `sub` for the page at `path`, with its links, and the
    /// values of its filters.
    pub(super) fn graph_view(
        &self,
        path: &str,
        sub: &Subgraph,
        depth: Option<&[usize]>,
        center: Option<usize>,
    ) -> Value {
        let root = root_prefix(path);
        let href = |i: usize| self.urls[i].as_ref().map(|u| format!("{root}{u}"));
        self.graph_view_linked(sub, depth, center, &href)
    }

    /// [`Shared::graph_view`] with each box linking `href` of its item.
    fn graph_view_linked(
        &self,
        sub: &Subgraph,
        depth: Option<&[usize]>,
        center: Option<usize>,
        href: &(dyn Fn(usize) -> Option<String> + Sync),
    ) -> Value {
        let b = self.b;
        let opt = render::svg::Options { href: Some(href), depth, center, bare: false, styled: true };
        let drawing = render::svg::render_with(b, self.g, &self.sched, sub, &opt);
        let (mut kinds, mut statuses, mut labels, mut sprints) =
            (BTreeSet::new(), BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
        for &i in &sub.nodes {
            let it = &b.items[i];
            kinds.insert(it.kind());
            statuses.extend(it.status());
            labels.extend(it.labels.iter().map(String::as_str));
            sprints.extend(it.sprint.as_ref().map(|s| s.value.as_str()));
        }
        // Kinds and statuses in the order the config gives them.
        let kinds: Vec<Value> = b
            .config
            .kinds
            .iter()
            .filter(|k| kinds.contains(k.name.as_str()))
            .map(|k| context! { value => k.name.clone(), label => k.label.clone() })
            .collect();
        let mut order: Vec<&str> = Vec::new();
        for s in &b.config.statuses {
            if statuses.contains(s.name.as_str()) && !order.contains(&s.name.as_str()) {
                order.push(&s.name);
            }
        }
        for s in &statuses {
            if !order.contains(s) {
                order.push(s);
            }
        }
        let statuses: Vec<Value> =
            order.iter().map(|s| context! { value => *s, label => s.replace('_', " ") }).collect();
        context! {
            svg => Value::from_safe_string(drawing.svg),
            // Wider than the page's column: a fade and a hint say it scrolls.
            wide => drawing.width > WIDE_PX,
            nodes => sub.nodes.len(),
            edges => sub.edges.len(),
            kinds => kinds,
            statuses => statuses,
            labels => labels.into_iter().collect::<Vec<_>>(),
            sprints => sprints.into_iter().collect::<Vec<_>>(),
            depth => depth.is_some(),
            filters => true,
        }
    }

    /// The whole backlog's drawing, if it is small enough to draw.
    fn whole(&self) -> (Subgraph, bool) {
        let sub = self.without_sprints(render::select(self.b, self.g, &Selection::default()));
        let ok = !sub.nodes.is_empty() && sub.nodes.len() <= MAX_WHOLE_GRAPH;
        (sub, ok)
    }

    /// `graph.html` (the index of views) and, when small enough,
    /// `graph-all.html` (the whole graph).
    pub(super) fn graph_index(&self, env: &Environment) -> Result<Vec<(String, Vec<u8>)>, SiteError> {
        let b = self.b;
        let (sub, drawable) = self.whole();
        let mut out = Vec::new();
        let mut whole_bytes = None;
        if drawable {
            let view = self.graph_view(WHOLE_GRAPH_PAGE, &sub, None, None);
            let critical = self.critical_cards(&sub);
            let ctx = context! {
                whole => true,
                view => view,
                critical => critical,
                nodes => sub.nodes.len(),
                edges => sub.edges.len(),
            };
            let page = self.page(env, "graph.html", WHOLE_GRAPH_PAGE, "Whole dependency graph", "graph", ctx)?;
            whole_bytes = Some(page.1.len());
            out.push(page);
        }
        // The views as a tree: each under the nearest view above it (looked
        // for at most MAX_CRUMBS parents up), in id order.
        let n = b.items.len();
        let mut under: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut roots = Vec::new();
        for i in (0..n).filter(|&i| self.has_graph_page(i)) {
            let mut up = self.g.parent(i);
            let mut hops = 1;
            while let Some(p) = up.filter(|&p| !self.has_graph_page(p) && hops < super::MAX_CRUMBS) {
                up = self.g.parent(p);
                hops += 1;
            }
            match up.filter(|&p| self.has_graph_page(p)) {
                Some(p) => under[p].push(i),
                None => roots.push(i),
            }
        }
        let by_id = |v: &mut Vec<usize>| v.sort_by(|&x, &y| b.items[x].id().cmp(b.items[y].id()));
        by_id(&mut roots);
        let mut views: Vec<Value> = Vec::new();
        let ancestry = self.g.ancestry();
        let mut stack: Vec<(usize, usize)> = roots.into_iter().rev().map(|r| (r, 0)).collect();
        while let Some((i, level)) = stack.pop() {
            views.push(context! {
                card => self.card(i),
                url => format!("graph/{}.html", b.items[i].id()),
                size => ancestry.descendant_count(self.g, i) + 1,
                level => level.min(3),
            });
            let mut kids = std::mem::take(&mut under[i]);
            by_id(&mut kids);
            stack.extend(kids.into_iter().rev().map(|k| (k, level + 1)));
        }
        let ctx = context! {
            index => true,
            views => views,
            nodes => sub.nodes.len(),
            edges => sub.edges.len(),
            whole_url => drawable.then_some(WHOLE_GRAPH_PAGE),
            whole_size => whole_bytes.map(|b| crate::site::budget::human(b as u64)),
            max_whole => MAX_WHOLE_GRAPH,
        };
        out.insert(0, self.page(env, "graph.html", "graph.html", "Dependency graph", "graph", ctx)?);
        Ok(out)
    }

    fn critical_cards(&self, sub: &Subgraph) -> Vec<Value> {
        sub.nodes.iter().copied().filter(|&i| render::is_critical(&self.sched, i)).map(|i| self.card(i)).collect()
    }

    /// What the view of `c` draws: `c` and its descendants down to the
    /// items with a view of their own (an initiative's epics), which are
    /// drawn closed (their box links their view, not what is under them),
    /// and the relations between the drawn items; and the closed ones.
    /// So each item is drawn open in one view only, and a site's views
    /// are linear in its items whatever the nesting.
    fn view_sub(&self, c: usize) -> (Subgraph, Vec<usize>) {
        let g = self.g;
        let mut nodes = BTreeSet::from([c]);
        let mut closed = Vec::new();
        let mut stack = vec![c];
        while let Some(x) = stack.pop() {
            for ch in g.children(x) {
                if nodes.insert(ch) {
                    if self.has_graph_page(ch) {
                        closed.push(ch);
                    } else {
                        stack.push(ch);
                    }
                }
            }
        }
        let mut edges: Vec<usize> =
            nodes.iter().flat_map(|&u| g.out[u].iter().copied()).filter(|&e| nodes.contains(&g.edges[e].to)).collect();
        edges.sort_by(|&x, &y| {
            let (a, c) = (&g.edges[x], &g.edges[y]);
            (a.from, a.to, &a.ty).cmp(&(c.from, c.to, &c.ty))
        });
        let sub = self.without_sprints(Subgraph { nodes: nodes.into_iter().collect(), edges });
        closed.sort_by(|&x, &y| self.b.items[x].id().cmp(self.b.items[y].id()));
        (sub, closed)
    }

    /// `graph/<id>.html`: an epic or initiative and what is under it, its
    /// own epics (and initiatives) closed.
    pub(super) fn graph_page(&self, env: &Environment, c: usize) -> Result<(String, Vec<u8>), SiteError> {
        let b = self.b;
        let (sub, closed) = self.view_sub(c);
        let path = format!("graph/{}.html", b.items[c].id());
        let drawable = sub.nodes.len() <= render::svg::MAX_NODES;
        // No center: a view is focused on any of its items by its address.
        // A closed box links the view of its own.
        let view = drawable.then(|| {
            let root = root_prefix(&path);
            let href = |i: usize| match closed.binary_search_by(|&x| b.items[x].id().cmp(b.items[i].id())) {
                Ok(_) => Some(format!("{root}graph/{}.html", b.items[i].id())),
                Err(_) => self.urls[i].as_ref().map(|u| format!("{root}{u}")),
            };
            self.graph_view_linked(&sub, None, None, &href)
        });
        let closed: Vec<Value> = closed
            .iter()
            .map(|&e| {
                let r = self.rollups[e];
                context! {
                    card => self.card(e),
                    url => format!("graph/{}.html", b.items[e].id()),
                    items => r.items_total,
                    done => r.items_done,
                }
            })
            .collect();
        let ctx = context! {
            center => self.card(c),
            view => view,
            nodes => sub.nodes.len(),
            edges => sub.edges.len(),
            max_nodes => render::svg::MAX_NODES,
            critical => self.critical_cards(&sub),
            closed => closed,
            focus_url => self.has_focus_page(c).then(|| format!("graph/focus/{}.html", b.items[c].id())),
        };
        let title = format!("Graph · {}", b.items[c].title.value);
        self.page(env, "graph.html", &path, &title, "graph", ctx)
    }

    /// The nearest item at or above `i` (at most [`MAX_CRUMBS`] parents up)
    /// with a graph view: the view `i` is drawn in.
    ///
    /// [`MAX_CRUMBS`]: super::MAX_CRUMBS
    pub fn view_of(&self, i: usize) -> Option<usize> {
        let mut x = Some(i);
        let mut hops = 0;
        while let Some(v) = x {
            if self.has_graph_page(v) {
                return Some(v);
            }
            if hops >= super::MAX_CRUMBS {
                return None;
            }
            x = self.g.parent(v);
            hops += 1;
        }
        None
    }

    /// The view that draws `i` among its siblings: the nearest view above
    /// it (at most [`MAX_CRUMBS`] parents up), where an epic is drawn
    /// closed in its initiative's view.
    ///
    /// [`MAX_CRUMBS`]: super::MAX_CRUMBS
    pub fn view_above(&self, i: usize) -> Option<usize> {
        self.g.parent(i).and_then(|p| self.view_of(p)).filter(|&v| v != i)
    }

    /// Which work items get a focus page of their own: the roots of views
    /// drawn in no other view (initiatives, top-level parents) with a
    /// relation their own view does not draw (anything but their children:
    /// a dependency, a reference). An epic is drawn, closed, in its
    /// initiative's view, with its siblings and the relations between
    /// them: its "graph around" is that view focused on it
    /// (`graph/<view>.html#n-<id>`). Every other item's is its view,
    /// focused on it; an item drawn in no view has none (its impact page
    /// draws what waits on it): a page per item would double the site.
    ///
    /// An item related to one other alone, by relations of its own (every
    /// edge between them leaves it: a star's spoke that depends on the
    /// hub) has no page of its own when that other may have one: its view
    /// would be the other's, less the rest, so it links that page instead
    /// (a star of 10,000 spokes would otherwise get 10,000 near-copies of
    /// one page). The other then keeps its page: it has an edge into this
    /// item, so this rule never drops it. The rule reads the item's own
    /// edges, its neighbour and its ancestors, so a change re-renders every
    /// page it moves (the engine re-renders a changed item's neighbours
    /// and descendants).
    pub fn has_focus_page(&self, i: usize) -> bool {
        self.may_have_focus_page(i) && self.focus_host(i).is_none()
    }

    /// The item whose focus page stands for `i`'s (see [`Self::has_focus_page`]).
    fn focus_host(&self, i: usize) -> Option<usize> {
        let n = self.sole_neighbour(i)?;
        let into_i = self.g.inc[i].iter().any(|&e| self.g.edges[e].from != i);
        (!into_i && self.may_have_focus_page(n)).then_some(n)
    }

    fn may_have_focus_page(&self, i: usize) -> bool {
        self.urls[i].is_some()
            && role(self.b, i) == Role::Work
            && self.b.index.get(self.b.items[i].id()) == Some(&i)
            && self.has_graph_page(i)
            && self.view_above(i).is_none()
            && self.relates_beyond_children(i)
    }

    /// Whether `i` has an edge other than those from its children: one
    /// its own view (which draws its descendants) does not show. Stops at
    /// the first: a hub's children are read once.
    fn relates_beyond_children(&self, i: usize) -> bool {
        let g = self.g;
        g.out[i].iter().any(|&e| g.edges[e].to != i)
            || g.inc[i].iter().any(|&e| g.edges[e].ty != EdgeType::Parent && g.edges[e].from != i)
    }

    /// The one item `i` is related to, if it is related to exactly one
    /// (other than itself). Stops at the second: constant time on a hub.
    fn sole_neighbour(&self, i: usize) -> Option<usize> {
        let g = self.g;
        let ends = g.out[i].iter().map(|&e| g.edges[e].to).chain(g.inc[i].iter().map(|&e| g.edges[e].from));
        let mut one = None;
        for n in ends.filter(|&n| n != i) {
            match one {
                None => one = Some(n),
                Some(m) if m != n => return None,
                Some(_) => {}
            }
        }
        one
    }

    /// Where an item's "Graph around this item" leads, if anywhere.
    pub(super) fn focus_url(&self, i: usize) -> Option<String> {
        let id = self.b.items[i].id();
        if self.has_focus_page(i) {
            return Some(format!("graph/focus/{id}.html"));
        }
        if self.may_have_focus_page(i) {
            // A spoke: its neighbour's page (see `has_focus_page`).
            let n = self.focus_host(i)?;
            return Some(format!("graph/focus/{}.html", self.b.items[n].id()));
        }
        if self.has_graph_page(i) {
            // A view's root: the view that draws it among its siblings.
            let v = self.view_above(i)?;
            return Some(format!("graph/{}.html#n-{id}", self.b.items[v].id()));
        }
        let v = self.view_of(i).filter(|_| self.urls[i].is_some())?;
        Some(format!("graph/{}.html#n-{id}", self.b.items[v].id()))
    }

    /// `graph/focus/<id>.html`: the items within [`FOCUS_DEPTH`] edges of
    /// one item (at most [`FOCUS_MAX`], nearest first), drawn and listed by
    /// distance.
    pub(super) fn focus_page(&self, env: &Environment, c: usize) -> Result<(String, Vec<u8>), SiteError> {
        let b = self.b;
        let f = render::focus(self.g, c, FOCUS_DEPTH, FOCUS_MAX);
        let path = format!("graph/focus/{}.html", b.items[c].id());
        let view = self.graph_view(&path, &f.sub, Some(&f.depth), Some(c));
        let mut rings: Vec<Vec<Value>> = vec![Vec::new(); FOCUS_DEPTH];
        for (k, &i) in f.sub.nodes.iter().enumerate() {
            if let Some(r) = f.depth[k].checked_sub(1).and_then(|d| rings.get_mut(d)) {
                r.push(self.card(i));
            }
        }
        let rings: Vec<Value> = rings
            .into_iter()
            .enumerate()
            .filter(|(_, r)| !r.is_empty())
            .map(|(d, r)| context! { depth => d + 1, items => r })
            .collect();
        // The nearest epic or initiative with a graph view of its own.
        let mut up = Some(c);
        let mut hops = 0;
        while let Some(x) = up.filter(|&x| !self.has_graph_page(x) && hops < super::MAX_CRUMBS) {
            up = self.g.parent(x);
            hops += 1;
        }
        let context_view = up.filter(|&x| self.has_graph_page(x));
        let ctx = context! {
            center => self.card(c),
            focus => true,
            view => view,
            rings => rings,
            cut => f.cut,
            max => FOCUS_MAX,
            max_depth => FOCUS_DEPTH,
            nodes => f.sub.nodes.len(),
            edges => f.sub.edges.len(),
            context_card => context_view.map(|x| self.card(x)),
            context_url => context_view.map(|x| format!("graph/{}.html", b.items[x].id())),
        };
        let title = format!("Graph around {}", b.items[c].title.value);
        self.page(env, "graph.html", &path, &title, "graph", ctx)
    }
}
