//! Drawing the graph: choosing the part to draw (whole, or around one
//! item), and writing it as JSON, Graphviz DOT, Mermaid or SVG.
//!
//! Every format uses the edge directions of the JSON contract: `parent`
//! from child to parent, `depends_on` from the dependent to its
//! dependency. Pictures are laid out right to left along those edges, so
//! dependencies (and parents) sit to the left of what points at them and
//! work flows left to right.

pub mod dot;
pub mod gantt;
pub mod json;
pub mod mermaid;
pub mod svg;

use std::collections::{BTreeSet, VecDeque};

use super::schedule::Schedule;
use super::{EdgeType, Graph};
use crate::config::Category;
use crate::load::Backlog;

/// The edge types that exist in a backlog: the five built-in relations and
/// the `id`-typed custom fields of its config.
pub fn relation_names(b: &Backlog) -> Vec<String> {
    let mut v: Vec<String> =
        ["parent", "depends_on", "relates_to", "duplicates", "references"].iter().map(|s| s.to_string()).collect();
    for (k, f) in &b.config.fields {
        if f.ty == crate::config::FieldType::Id {
            v.push(k.clone());
        }
    }
    v
}

/// The part of the graph to draw: node and edge indices, sorted.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Subgraph {
    pub nodes: Vec<usize>,
    pub edges: Vec<usize>,
}

/// What to select.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Draw around this item: its descendants, and everything within
    /// `depth` edges of it (either direction).
    pub center: Option<usize>,
    pub depth: usize,
    /// Edge types to keep (by name); `None` keeps all.
    pub relations: Option<Vec<String>>,
}

/// Selects nodes and edges. Without a center: every item (one node per id).
pub fn select(b: &Backlog, g: &Graph, sel: &Selection) -> Subgraph {
    let keep = |ty: &EdgeType| sel.relations.as_ref().is_none_or(|r| r.iter().any(|n| n == ty.name()));
    let canonical = |i: usize| b.index.get(b.items[i].id()) == Some(&i);
    // The whole graph: membership by a vector, not a tree lookup per end
    // of 20,000 edges (around an item, the set is small and the vector
    // would cost the whole backlog per view).
    let member: Vec<bool> = match sel.center {
        None => (0..b.items.len()).map(canonical).collect(),
        Some(_) => Vec::new(),
    };
    let nodes: BTreeSet<usize> = match sel.center {
        None => (0..b.items.len()).filter(|&i| member[i]).collect(),
        Some(c) => {
            let mut set = BTreeSet::from([c]);
            if keep(&EdgeType::Parent) {
                set.extend(g.descendants(c));
            }
            let mut dist = std::collections::HashMap::from([(c, 0usize)]);
            let mut queue = VecDeque::from([c]);
            while let Some(u) = queue.pop_front() {
                let d = dist[&u];
                if d >= sel.depth {
                    continue;
                }
                let mut next: Vec<usize> = g.out[u]
                    .iter()
                    .chain(&g.inc[u])
                    .map(|&e| &g.edges[e])
                    .filter(|e| keep(&e.ty))
                    .map(|e| if e.from == u { e.to } else { e.from })
                    .collect();
                next.sort_unstable();
                for v in next {
                    if let std::collections::hash_map::Entry::Vacant(x) = dist.entry(v) {
                        x.insert(d + 1);
                        set.insert(v);
                        queue.push_back(v);
                    }
                }
            }
            set
        }
    };
    let has = |i: usize| if sel.center.is_none() { member[i] } else { nodes.contains(&i) };
    let inside = |e: usize| {
        let e = &g.edges[e];
        keep(&e.ty) && has(e.from) && has(e.to)
    };
    // Around an item, only the edges leaving the selected nodes are looked
    // at (a site draws one graph per epic: not every edge per epic).
    let mut edges: Vec<usize> = match sel.center {
        None => (0..g.edges.len()).filter(|&e| inside(e)).collect(),
        Some(_) => nodes.iter().flat_map(|&u| g.out[u].iter().copied()).filter(|&e| inside(e)).collect(),
    };
    edges.sort_by(|&x, &y| {
        let (a, c) = (&g.edges[x], &g.edges[y]);
        (a.from, a.to, &a.ty).cmp(&(c.from, c.to, &c.ty))
    });
    Subgraph { nodes: nodes.into_iter().collect(), edges }
}

/// The part to draw around one item ([`focus`]): the nodes within a few
/// edges of it, their distance from it, and whether some were left out.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Focus {
    pub sub: Subgraph,
    /// Distance of every node of `sub.nodes` from the center (same order).
    pub depth: Vec<usize>,
    /// More items were within reach than `max`.
    pub cut: bool,
}

/// Adjacency entries looked at per node when collecting a focus's edges:
/// a hub's thousands of edges are not scanned from every page around it.
const FOCUS_EDGE_SCAN: usize = 256;

/// Everything within `depth` edges of `center` (either direction, every
/// relation), nearest first in breadth-first order along the graph's
/// adjacency lists, at most `max` items. Bounded: at most `max` nodes are
/// taken and every node's adjacency is read only until the cap is reached
/// (and at most [`FOCUS_EDGE_SCAN`] entries each way for the edges), so
/// one focus costs the same whatever the size of the graph or its hubs.
pub fn focus(g: &Graph, center: usize, depth: usize, max: usize) -> Focus {
    let max = max.max(1);
    let mut dist: std::collections::HashMap<usize, usize> = std::collections::HashMap::from([(center, 0)]);
    let mut order = vec![center];
    let mut queue = VecDeque::from([center]);
    let mut cut = false;
    'walk: while let Some(u) = queue.pop_front() {
        let d = dist[&u];
        if d >= depth {
            continue;
        }
        for &e in g.out[u].iter().chain(&g.inc[u]) {
            let ed = &g.edges[e];
            let v = if ed.from == u { ed.to } else { ed.from };
            if dist.contains_key(&v) {
                continue;
            }
            if order.len() >= max {
                cut = true;
                break 'walk;
            }
            dist.insert(v, d + 1);
            order.push(v);
            queue.push_back(v);
        }
    }
    order.sort_unstable();
    let mut edges: Vec<usize> = order
        .iter()
        .flat_map(|&u| g.out[u].iter().take(FOCUS_EDGE_SCAN).chain(g.inc[u].iter().take(FOCUS_EDGE_SCAN)))
        .copied()
        .filter(|&e| dist.contains_key(&g.edges[e].from) && dist.contains_key(&g.edges[e].to))
        .collect();
    edges.sort_by(|&x, &y| {
        let (a, c) = (&g.edges[x], &g.edges[y]);
        (a.from, a.to, &a.ty, x).cmp(&(c.from, c.to, &c.ty, y))
    });
    edges.dedup();
    let depth = order.iter().map(|u| dist[u]).collect();
    Focus { sub: Subgraph { nodes: order, edges }, depth, cut }
}

/// A node's status category name (`todo`, `doing`, `done`, or `none`).
pub fn category(b: &Backlog, i: usize) -> &'static str {
    match b.category(&b.items[i]) {
        Some(Category::Todo) => "todo",
        Some(Category::Doing) => "doing",
        Some(Category::Done) => "done",
        None => "none",
    }
}

/// Whether a node is on a critical path (open, scheduled, no slack).
pub fn is_critical(s: &Schedule, i: usize) -> bool {
    s.get(i).is_some_and(|t| t.critical)
}

/// Whether an edge orders the layout (waits-on edges) or is only drawn.
pub fn is_structural(ty: &EdgeType) -> bool {
    matches!(ty, EdgeType::Parent | EdgeType::DependsOn)
}

/// The label of an edge: its type, and the lag as written.
pub fn edge_label(g: &Graph, e: usize) -> String {
    let e = &g.edges[e];
    match &e.lag_text {
        Some(l) => format!("{} +{l}", e.ty.name()),
        None => e.ty.name().to_string(),
    }
}

/// `s` cut to at most `n` characters, with an ellipsis.
pub fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::impact::tests::backlog;

    #[test]
    fn focus_is_bounded_by_depth_and_size_and_keeps_edges_between_its_nodes() {
        // A chain a ← b ← c ← d (each depends on the previous) and a star
        // of 30 tasks under epic e, with a depending on e.
        let mut files: Vec<(String, String)> = vec![
            ("epics/e.md".into(), "---\ntitle: E\nstatus: ready\n---\n".into()),
            ("tasks/a.md".into(), "---\ntitle: A\nstatus: ready\ndepends_on: [e]\n---\n".into()),
            ("tasks/b.md".into(), "---\ntitle: B\nstatus: ready\ndepends_on: [a]\n---\n".into()),
            ("tasks/c.md".into(), "---\ntitle: C\nstatus: ready\ndepends_on: [b]\n---\n".into()),
            ("tasks/d.md".into(), "---\ntitle: D\nstatus: ready\ndepends_on: [c]\n---\n".into()),
        ];
        for k in 0..30 {
            files.push((format!("tasks/s{k:02}.md"), format!("---\ntitle: S{k}\nstatus: ready\nparent: e\n---\n")));
        }
        let refs: Vec<(&str, &str)> = files.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let b = backlog(&refs);
        let g = Graph::build(&b);
        let ids = |f: &Focus| f.sub.nodes.iter().map(|&i| b.items[i].id().to_string()).collect::<BTreeSet<_>>();
        let c = b.index["c"];
        // Depth 1 around c: b and d, and the two edges c→b, d→c.
        let f = focus(&g, c, 1, 100);
        assert_eq!(ids(&f), BTreeSet::from(["b".to_string(), "c".into(), "d".into()]));
        assert_eq!(f.sub.edges.len(), 2);
        assert!(!f.cut);
        let at = |f: &Focus, id: &str| f.depth[f.sub.nodes.iter().position(|&i| b.items[i].id() == id).unwrap()];
        // Depth 3: a (2 hops) and e (3 hops), not the star beyond e.
        let f = focus(&g, c, 3, 100);
        assert_eq!(ids(&f), BTreeSet::from(["a", "b", "c", "d", "e"].map(String::from)));
        assert_eq!((at(&f, "c"), at(&f, "b"), at(&f, "a"), at(&f, "e")), (0, 1, 2, 3));
        assert_eq!(f.sub.edges.len(), 4);
        // Around the epic at depth 1: a and 30 children, cut at 10 items.
        let f = focus(&g, b.index["e"], 1, 10);
        assert_eq!(f.sub.nodes.len(), 10);
        assert!(f.cut);
        // Every kept edge joins two kept nodes: the 9 others each have one.
        assert_eq!(f.sub.edges.len(), 9);
    }

    #[test]
    fn selection_around_an_item_respects_depth_relations_and_descendants() {
        let b = backlog(&[
            ("epics/e.md", "---\ntitle: E\nstatus: ready\n---\n"),
            ("stories/s.md", "---\ntitle: S\nstatus: ready\nparent: e\n---\n"),
            ("tasks/t.md", "---\ntitle: T\nstatus: ready\nparent: s\n---\n"),
            ("tasks/a.md", "---\ntitle: A\nstatus: ready\ndepends_on: [t]\nrelates_to: [z]\n---\n"),
            ("tasks/z.md", "---\ntitle: Z\nstatus: ready\n---\n"),
        ]);
        let g = Graph::build(&b);
        let names = |s: &Subgraph| s.nodes.iter().map(|&i| b.items[i].id().to_string()).collect::<Vec<_>>();
        let all = select(&b, &g, &Selection::default());
        assert_eq!(all.nodes.len(), 5);
        assert_eq!(all.edges.len(), 4);
        // Around the epic at depth 0: itself and its descendants.
        let e = select(&b, &g, &Selection { center: Some(b.index["e"]), depth: 0, relations: None });
        assert_eq!(names(&e), vec!["e", "s", "t"]);
        // Around t at depth 1: s (parent) and a (dependent).
        let t = select(&b, &g, &Selection { center: Some(b.index["t"]), depth: 1, relations: None });
        assert_eq!(names(&t), vec!["a", "s", "t"]);
        let t = select(
            &b,
            &g,
            &Selection { center: Some(b.index["t"]), depth: 5, relations: Some(vec!["depends_on".into()]) },
        );
        assert_eq!(names(&t), vec!["a", "t"]);
        assert_eq!(t.edges.len(), 1);
    }
}
