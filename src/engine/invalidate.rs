//! Which pages an input change touches: one set of rules for `serve` (in
//! two phases) and `build` (at once).
//!
//! An item "changed" when its item object or card changed, or it appeared
//! or vanished. Its pages, and those that show it, are:
//!
//! - **neighbourhood** (serve's fast phase): its own pages and those of
//!   the items related to it, now ([`Graph`] edges) and before (the
//!   relation fields of its previous object);
//! - **wider** (serve's settle phase): the impact pages of everything
//!   upstream of it (its dependencies and children, transitively: their
//!   impact pages list it), its ancestors' pages and graph pages (roll-ups,
//!   trees), its own graph page, and the pages and boards of the sprints it
//!   is or was in, and those its descendants are in (a board's grouping by
//!   epic names their epics);
//! - **focus** (serve's settle phase too): the focus views of the items
//!   within [`FOCUS_DEPTH`] edges of it or of its relations before, since a
//!   focus view draws the items that near ([`focus_reach`]), and those of
//!   the wider items (a focus view's breadcrumb names the nearest epic or
//!   initiative above it);
//! - the site-wide pages (overview, boards, backlog, graph, problems,
//!   feed, static API…), always (`serve`), or when what each shows
//!   changed (`build`: `engine::site::SiteSigs`).

use std::collections::BTreeSet;

use crate::graph::{EdgeType, Graph};
use crate::load::Backlog;
use crate::site::pages::{Job, FOCUS_DEPTH};

/// The ids of the items item `i` is related to: the other end of each of
/// its edges, both ways and of every type, and its `parent`, `duplicates`
/// and `sprint` as written (which may name no item). A superset of the
/// relation fields of its item object (`parent`, `children`,
/// `depends_on`, `blocks`, `relates_to`, `duplicates`, `duplicated_by`,
/// `sprint`), without making the object; sorted, without repeats. What
/// `build` and `serve` both re-render an item's neighbours by.
pub fn related_of(b: &Backlog, g: &Graph, i: usize) -> Vec<String> {
    let it = &b.items[i];
    let mut v: Vec<&str> = g.out[i]
        .iter()
        .map(|&e| g.edges[e].to)
        .chain(g.inc[i].iter().map(|&e| g.edges[e].from))
        .filter(|&j| j != i)
        .map(|j| b.items[j].id())
        .collect();
    v.extend(it.parent.iter().chain(&it.duplicates).chain(&it.sprint).map(|s| s.value.as_str()));
    v.sort_unstable();
    v.dedup();
    v.into_iter().map(String::from).collect()
}

/// Every item whose impact page can list `i`: the items `i` waits on
/// (its dependencies and children), transitively.
pub fn upstream(g: &Graph, i: usize, set: &mut BTreeSet<usize>) {
    let mut stack = vec![i];
    while let Some(x) = stack.pop() {
        if !set.insert(x) {
            continue;
        }
        for &e in &g.out[x] {
            let edge = &g.edges[e];
            if edge.ty == EdgeType::DependsOn {
                stack.push(edge.to);
            }
        }
        for &e in &g.inc[x] {
            let edge = &g.edges[e];
            if edge.ty == EdgeType::Parent {
                stack.push(edge.from);
            }
        }
    }
}

/// The site-wide jobs (every page that lists many items).
pub fn site_wide_jobs() -> Vec<Job> {
    vec![
        Job::Overview,
        Job::Board(None),
        Job::Backlog,
        Job::Graph,
        Job::Roadmap,
        Job::Sprints,
        Job::Metrics,
        Job::Insights,
        Job::Docs,
        Job::Problems,
        Job::Proposals,
        Job::Feed,
        Job::Api,
        Job::ApiGraph,
        Job::ApiData,
    ]
}

/// The items (indices) whose page shows a changed item directly: the
/// changed ones, their neighbours now, and `old_neighbours` (ids of their
/// relations before the change).
pub fn neighbourhood<'a>(
    b: &Backlog,
    g: &Graph,
    changed: impl IntoIterator<Item = &'a String>,
    old_neighbours: &BTreeSet<String>,
) -> BTreeSet<usize> {
    let mut set = BTreeSet::new();
    for id in changed {
        let Some(&i) = b.index.get(id.as_str()) else { continue };
        set.insert(i);
        for e in g.out[i].iter().chain(&g.inc[i]) {
            set.insert(g.edges[*e].from);
            set.insert(g.edges[*e].to);
        }
    }
    for id in old_neighbours {
        if let Some(&j) = b.index.get(id.as_str()) {
            set.insert(j);
        }
    }
    set
}

/// The pages further away from a change (see the module docs).
#[derive(Clone, Debug, Default)]
pub struct Wider {
    /// Item pages (with their impact pages): upstream items, ancestors,
    /// descendants (their pages show their ancestors), sprints.
    pub items: BTreeSet<usize>,
    /// Graph pages: the changed items and their ancestors.
    pub graphs: BTreeSet<usize>,
    /// Sprint boards.
    pub sprints: BTreeSet<usize>,
    /// Roadmap pages: the changed items, their ancestors (their subtrees
    /// hold the changed rows) and descendants (their breadcrumbs show the
    /// changed ancestors). A changed sprint touches every roadmap: see
    /// [`sprint_changed`].
    pub roadmaps: BTreeSet<usize>,
}

/// Whether one of the changed items is a sprint: its band is on every
/// roadmap page.
pub fn sprint_changed(b: &Backlog, changed: &BTreeSet<String>) -> bool {
    changed.iter().filter_map(|id| b.index.get(id)).any(|&i| is_sprint(b, i))
}

fn is_sprint(b: &Backlog, i: usize) -> bool {
    b.config.kind(b.items[i].kind()).is_some_and(|k| k.role == crate::config::Role::Sprint)
}

/// Linear in the items and edges reached, however many items changed:
/// every walk keeps one visited set across all of them.
pub fn wider(b: &Backlog, g: &Graph, changed: &BTreeSet<String>, sprints: &BTreeSet<String>) -> Wider {
    let mut w = Wider::default();
    let start: Vec<usize> = changed.iter().filter_map(|id| b.index.get(id).copied()).collect();
    let mut up = BTreeSet::new();
    for &i in &start {
        upstream(g, i, &mut up);
    }
    // Ancestors: up the parent chain, stopping where an earlier walk went.
    let mut anc = BTreeSet::new();
    for &i in &start {
        let mut x = i;
        while let Some(p) = g.parent(x) {
            if !anc.insert(p) {
                break;
            }
            x = p;
        }
    }
    // Descendants: down the parent edges.
    let mut down = BTreeSet::new();
    let mut stack: Vec<usize> = start.clone();
    while let Some(x) = stack.pop() {
        for &e in &g.inc[x] {
            let edge = &g.edges[e];
            if edge.ty == EdgeType::Parent && down.insert(edge.from) {
                stack.push(edge.from);
            }
        }
    }
    w.graphs.extend(start.iter().copied());
    w.graphs.extend(anc.iter().copied());
    w.roadmaps = w.graphs.clone();
    w.roadmaps.extend(down.iter().copied());
    w.items = up;
    w.items.extend(anc);
    w.items.extend(down.iter().copied());
    w.sprints = sprints.iter().filter_map(|s| b.index.get(s).copied()).collect();
    // The boards of the sprints the descendants are in: their grouping by
    // epic names the changed ancestors.
    w.sprints.extend(down.iter().filter_map(|&d| {
        let s = b.items[d].sprint.as_ref()?;
        b.index.get(s.value.as_str()).copied()
    }));
    // A changed sprint's own board (its dates, goal and capacity head it).
    w.sprints.extend(start.iter().copied().filter(|&i| is_sprint(b, i)));
    w.items.extend(w.sprints.iter().copied());
    w
}

/// The items whose focus view can show a changed item: those within
/// [`FOCUS_DEPTH`] edges of a changed item or of one of its relations
/// before the change (the old neighbours). Every path of the old graph to a
/// changed item reaches one of these seeds first along edges that did not
/// change (an edge changes only with one of its ends), so this covers the
/// views before the change as well as now. One breadth-first walk from all
/// seeds at once: linear in the items and edges reached.
pub fn focus_reach<'a>(
    b: &Backlog,
    g: &Graph,
    changed: impl IntoIterator<Item = &'a String>,
    old_neighbours: &'a BTreeSet<String>,
) -> BTreeSet<usize> {
    let mut seen: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
    let mut queue = std::collections::VecDeque::new();
    for id in changed.into_iter().chain(old_neighbours.iter()) {
        if let Some(&i) = b.index.get(id.as_str()) {
            if seen.insert(i, 0).is_none() {
                queue.push_back(i);
            }
        }
    }
    while let Some(u) = queue.pop_front() {
        let d = seen[&u];
        if d >= FOCUS_DEPTH {
            continue;
        }
        for &e in g.out[u].iter().chain(&g.inc[u]) {
            let ed = &g.edges[e];
            let v = if ed.from == u { ed.to } else { ed.from };
            if let std::collections::hash_map::Entry::Vacant(x) = seen.entry(v) {
                x.insert(d + 1);
                queue.push_back(v);
            }
        }
    }
    seen.into_keys().collect()
}
