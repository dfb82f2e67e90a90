//! The typed work graph: every relation of the backlog as an edge, stored
//! once whichever end wrote it, with the inverse views.

pub mod impact;
pub mod ready;
pub mod render;
pub mod roadmap;
pub mod rollup;
pub mod schedule;

use std::collections::{HashMap, HashSet};

use petgraph::graph::{DiGraph, NodeIndex};
use serde::Serialize;

use crate::load::Backlog;
use crate::model::{Reference, Span};

/// The type of an edge. Directions: `Parent` from child to parent,
/// `DependsOn` from the dependent to its dependency, `Duplicates` from the
/// duplicate to the original, `References` from the referrer to the
/// referenced, `Field` from the item carrying an `id`-typed custom field.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeType {
    Parent,
    DependsOn,
    RelatesTo,
    Duplicates,
    References,
    Field(String),
}

impl EdgeType {
    pub fn name(&self) -> &str {
        match self {
            EdgeType::Parent => "parent",
            EdgeType::DependsOn => "depends_on",
            EdgeType::RelatesTo => "relates_to",
            EdgeType::Duplicates => "duplicates",
            EdgeType::References => "references",
            EdgeType::Field(f) => f,
        }
    }

    /// The type's place in the order of types (`Field` last, whatever its
    /// name): what [`Graph::out_typed`] searches by.
    fn rank(&self) -> u8 {
        match self {
            EdgeType::Parent => 0,
            EdgeType::DependsOn => 1,
            EdgeType::RelatesTo => 2,
            EdgeType::Duplicates => 3,
            EdgeType::References => 4,
            EdgeType::Field(_) => FIELD_RANK,
        }
    }
}

/// [`EdgeType::rank`] of every `Field` type.
const FIELD_RANK: u8 = 5;

/// One edge, with the item and position that wrote it.
#[derive(Clone, Debug, PartialEq)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    pub ty: EdgeType,
    /// Lag in days, for `DependsOn`.
    pub lag: Option<f64>,
    /// The lag as written (`2d`).
    pub lag_text: Option<String>,
    /// The item whose file wrote the edge, and where.
    pub origin: usize,
    pub span: Span,
}

/// The graph over a backlog's items (node `i` is `backlog.items[i]`).
#[derive(Clone, Debug, Default)]
pub struct Graph {
    pub edges: Vec<Edge>,
    /// Edge indices leaving each node, sorted by (type, target).
    pub out: Vec<Vec<usize>>,
    /// Edge indices entering each node, sorted by (type, source).
    pub inc: Vec<Vec<usize>>,
    /// Each edge's [`EdgeType::rank`]: the binary searches of
    /// [`Graph::out_typed`] read these bytes, not the edges (a cache miss
    /// each at 100,000 items).
    ranks: Vec<u8>,
}

impl Graph {
    /// Builds the graph; references to unknown ids are skipped (`check`
    /// reports them). Edges are deduplicated by (from, to, type).
    pub fn build(b: &Backlog) -> Graph {
        use rayon::prelude::*;
        let n = b.items.len();
        let id_fields: Vec<&String> =
            b.config.fields.iter().filter(|(_, f)| f.ty == crate::config::FieldType::Id).map(|(k, _)| k).collect();
        // Resolve every item's references in parallel, in chunks of items
        // (one vector per chunk, in item order): (from, to, type, lag,
        // span, origin).
        type Raw = (usize, usize, EdgeType, Option<(String, f64)>, Span, usize);
        let raw: Vec<Vec<Raw>> = (0..n)
            .into_par_iter()
            .with_min_len(2048)
            .fold(Vec::new, |mut v: Vec<Raw>, i| {
                let item = &b.items[i];
                // Items with duplicate ids other than the first are not nodes of the graph.
                if b.index.get(item.id()) != Some(&i) {
                    return v;
                }
                let resolve = |id: &str| b.index.get(id).copied();
                if let Some(p) = &item.parent {
                    if let Some(t) = resolve(&p.value) {
                        v.push((i, t, EdgeType::Parent, None, p.span, i));
                    }
                }
                for d in &item.depends_on {
                    if let Some(t) = resolve(&d.id.value) {
                        v.push((i, t, EdgeType::DependsOn, d.lag.clone(), d.id.span, i));
                    }
                }
                for x in &item.blocks {
                    if let Some(t) = resolve(&x.value) {
                        v.push((t, i, EdgeType::DependsOn, None, x.span, i));
                    }
                }
                for x in &item.relates_to {
                    if let Some(t) = resolve(&x.value) {
                        v.push((i, t, EdgeType::RelatesTo, None, x.span, i));
                    }
                }
                if let Some(x) = &item.duplicates {
                    if let Some(t) = resolve(&x.value) {
                        v.push((i, t, EdgeType::Duplicates, None, x.span, i));
                    }
                }
                for r in &item.references {
                    if let Reference::Item(x) = r {
                        if let Some(t) = resolve(&x.value) {
                            v.push((i, t, EdgeType::References, None, x.span, i));
                        }
                    }
                }
                for f in &id_fields {
                    if let Some(fv) = item.fields.get(*f) {
                        for id in field_ids(&fv.value) {
                            if let Some(t) = resolve(id) {
                                v.push((i, t, EdgeType::Field((*f).clone()), None, fv.span, i));
                            }
                        }
                    }
                }
                v
            })
            // Each chunk's list grew by doubling: trim it once (a few dozen
            // chunks), so the lists and the edges are not both oversized.
            .map(|mut v| {
                v.shrink_to_fit();
                v
            })
            .collect();
        let total: usize = raw.iter().map(Vec::len).sum();
        let mut g = Graph {
            edges: Vec::with_capacity(total),
            out: vec![Vec::new(); n],
            inc: vec![Vec::new(); n],
            ranks: Vec::new(),
        };
        // Edges leaving nodes with many out-edges, by (from, to, type): a
        // node that depends on thousands of items is not scanned once per
        // edge (that would be quadratic in its degree).
        const SCAN: usize = 16;
        let mut wide: HashMap<(usize, usize, EdgeType), usize> = HashMap::new();
        for list in raw {
            for (from, to, ty, lag, span, origin) in list {
                // Deduplicate by (from, to, type), scanning the (short)
                // list of edges already leaving `from`, or looking it up.
                let existing = if g.out[from].len() < SCAN {
                    g.out[from].iter().copied().find(|&e| g.edges[e].to == to && g.edges[e].ty == ty)
                } else {
                    wide.get(&(from, to, ty.clone())).copied()
                };
                if let Some(e) = existing {
                    // Keep the lag if the other end wrote one.
                    if let (Some((text, days)), None) = (lag, g.edges[e].lag) {
                        g.edges[e].lag = Some(days);
                        g.edges[e].lag_text = Some(text);
                    }
                    continue;
                }
                let idx = g.edges.len();
                let (lag_text, lag) = match lag {
                    Some((t, d)) => (Some(t), Some(d)),
                    None => (None, None),
                };
                if g.out[from].len() + 1 >= SCAN {
                    if g.out[from].len() + 1 == SCAN {
                        for &e in &g.out[from] {
                            let x = &g.edges[e];
                            wide.insert((x.from, x.to, x.ty.clone()), e);
                        }
                    }
                    wide.insert((from, to, ty.clone()), idx);
                }
                g.edges.push(Edge { from, to, ty, lag, lag_text, origin, span });
                g.out[from].push(idx);
                g.inc[to].push(idx);
            }
        }
        g.finish();
        g
    }

    /// The graph of `n` nodes with these edges, as [`Graph::build`] made
    /// them (deduplicated, in its order): the query index stores a built
    /// graph's edges as index pairs and makes the same graph from them
    /// without resolving an id. An edge with an end outside `0..n` is
    /// dropped.
    pub fn from_edges(n: usize, mut edges: Vec<Edge>) -> Graph {
        edges.retain(|e| e.from < n && e.to < n);
        // Each node's lists made at their size (counted first), the
        // outgoing and the incoming ones side by side.
        let lists = |end: fn(&Edge) -> usize| {
            let mut degree = vec![0usize; n];
            for e in &edges {
                degree[end(e)] += 1;
            }
            let mut lists: Vec<Vec<usize>> = degree.into_iter().map(Vec::with_capacity).collect();
            for (k, e) in edges.iter().enumerate() {
                lists[end(e)].push(k);
            }
            lists
        };
        let (out, inc) = rayon::join(|| lists(|e| e.from), || lists(|e| e.to));
        let mut g = Graph { edges, out, inc, ranks: Vec::new() };
        g.finish();
        g
    }

    /// Sorts each node's lists by (type, other end), so the edges of one
    /// type are a slice found by binary search ([`Graph::out_typed`]), and
    /// notes the ranks (the lists in parallel).
    fn finish(&mut self) {
        use rayon::prelude::*;
        let edges = &self.edges;
        let sort = |lists: &mut Vec<Vec<usize>>, other: fn(&Edge) -> usize| {
            lists.par_iter_mut().with_min_len(4096).filter(|l| l.len() > 1).for_each(|l| {
                l.sort_unstable_by(|&a, &b| (&edges[a].ty, other(&edges[a])).cmp(&(&edges[b].ty, other(&edges[b]))))
            });
        };
        let (out, inc) = (&mut self.out, &mut self.inc);
        rayon::join(|| sort(out, |e| e.to), || sort(inc, |e| e.from));
        self.ranks = self.edges.iter().map(|e| e.ty.rank()).collect();
    }

    /// The edges of type `ty` in a sorted list of `out` or `inc`.
    fn typed<'a>(&self, list: &'a [usize], ty: &EdgeType) -> &'a [usize] {
        let rank = ty.rank();
        // Types other than `Field` are one rank each; the ranks are there
        // unless the graph was not made by `build`.
        if rank < FIELD_RANK && self.ranks.len() == self.edges.len() {
            let lo = list.partition_point(|&e| self.ranks[e] < rank);
            let hi = lo + list[lo..].partition_point(|&e| self.ranks[e] == rank);
            return &list[lo..hi];
        }
        if list.len() <= 1 {
            return if list.first().is_some_and(|&e| self.edges[e].ty == *ty) { list } else { &[] };
        }
        let lo = list.partition_point(|&e| self.edges[e].ty < *ty);
        let hi = lo + list[lo..].partition_point(|&e| self.edges[e].ty == *ty);
        &list[lo..hi]
    }

    /// The edges of type `ty` leaving `node`, by target (no scan of the
    /// node's other edges).
    pub fn out_typed(&self, node: usize, ty: &EdgeType) -> &[usize] {
        self.out.get(node).map_or(&[], |l| self.typed(l, ty))
    }

    /// The edges of type `ty` entering `node`, by source.
    pub fn inc_typed(&self, node: usize, ty: &EdgeType) -> &[usize] {
        self.inc.get(node).map_or(&[], |l| self.typed(l, ty))
    }

    /// Targets of `node`'s outgoing edges of type `ty`, in index order.
    pub fn targets<'a>(&'a self, node: usize, ty: &'a EdgeType) -> impl Iterator<Item = usize> + 'a {
        self.out_typed(node, ty).iter().map(|&e| self.edges[e].to)
    }

    /// Sources of `node`'s incoming edges of type `ty`, in index order.
    pub fn sources<'a>(&'a self, node: usize, ty: &'a EdgeType) -> impl Iterator<Item = usize> + 'a {
        self.inc_typed(node, ty).iter().map(|&e| self.edges[e].from)
    }

    /// The parent of a node, if any.
    pub fn parent(&self, node: usize) -> Option<usize> {
        self.targets(node, &EdgeType::Parent).next()
    }

    /// The children of a node.
    pub fn children(&self, node: usize) -> Vec<usize> {
        self.sources(node, &EdgeType::Parent).collect()
    }

    /// Ancestors along `parent`, nearest first (stops at a cycle).
    pub fn ancestors(&self, node: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut seen = HashSet::from([node]);
        let mut cur = node;
        while let Some(p) = self.parent(cur) {
            if !seen.insert(p) {
                break;
            }
            out.push(p);
            cur = p;
        }
        out
    }

    /// The nearest `max` ancestors along `parent`, nearest first, and
    /// whether there are more (stops at a cycle). For pages that show a
    /// path up the hierarchy: bounded however deep it is.
    pub fn ancestors_up_to(&self, node: usize, max: usize) -> (Vec<usize>, bool) {
        let mut out = Vec::new();
        let mut cur = node;
        while let Some(p) = self.parent(cur) {
            if p == node || out.contains(&p) {
                return (out, false);
            }
            if out.len() == max {
                return (out, true);
            }
            out.push(p);
            cur = p;
        }
        (out, false)
    }

    /// Constant-time ancestor tests over the whole hierarchy ([`Ancestry`]).
    pub fn ancestry(&self) -> Ancestry {
        let n = self.out.len();
        let mut tin = vec![u32::MAX; n];
        let mut tout = vec![0u32; n];
        let mut clock = 0u32;
        // Depth-first from every root (an item without a parent), children
        // in index order; items in (or under) a parent cycle are not
        // reached and keep `u32::MAX`.
        for root in (0..n).filter(|&r| self.parent(r).is_none()) {
            let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
            tin[root] = clock;
            clock += 1;
            while let Some(&mut (u, ref mut next)) = stack.last_mut() {
                let kids = self.inc_typed(u, &EdgeType::Parent);
                if let Some(&e) = kids.get(*next) {
                    *next += 1;
                    let c = self.edges[e].from;
                    if tin[c] == u32::MAX {
                        tin[c] = clock;
                        clock += 1;
                        stack.push((c, 0));
                    }
                } else {
                    tout[u] = clock;
                    stack.pop();
                }
            }
        }
        Ancestry { tin, tout }
    }

    /// All descendants along `parent` (any order; cycle-safe).
    pub fn descendants(&self, node: usize) -> HashSet<usize> {
        let mut seen = HashSet::new();
        let mut stack = vec![node];
        while let Some(n) = stack.pop() {
            for c in self.sources(n, &EdgeType::Parent) {
                if c != node && seen.insert(c) {
                    stack.push(c);
                }
            }
        }
        seen
    }

    /// Cycles among edges of type `ty`: each as the list of edge indices
    /// along it, starting from its smallest node. One cycle per strongly
    /// connected component.
    pub fn cycles(&self, ty: &EdgeType) -> Vec<Vec<usize>> {
        let n = self.out.len();
        let mut pg: DiGraph<(), usize> = DiGraph::with_capacity(n, self.edges.len());
        for _ in 0..n {
            pg.add_node(());
        }
        for (i, e) in self.edges.iter().enumerate() {
            if &e.ty == ty {
                pg.add_edge(NodeIndex::new(e.from), NodeIndex::new(e.to), i);
            }
        }
        let mut cycles = Vec::new();
        for scc in petgraph::algo::kosaraju_scc(&pg) {
            let members: HashSet<usize> = scc.iter().map(|n| n.index()).collect();
            let Some(&start) = members.iter().min() else { continue };
            if members.len() == 1 && !self.targets(start, ty).any(|t| t == start) {
                continue;
            }
            if let Some(path) = self.cycle_from(start, ty, &members) {
                cycles.push(path);
            }
        }
        cycles.sort();
        cycles
    }

    /// A shortest cycle through `start` within `members` (BFS), as edges.
    fn cycle_from(&self, start: usize, ty: &EdgeType, members: &HashSet<usize>) -> Option<Vec<usize>> {
        let mut prev: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
        let mut queue = std::collections::VecDeque::from([start]);
        let mut visited = HashSet::from([start]);
        while let Some(n) = queue.pop_front() {
            for &e in self.out_typed(n, ty) {
                let t = self.edges[e].to;
                if t == start {
                    let mut path = vec![e];
                    let mut cur = n;
                    while cur != start {
                        let pe = prev[&cur];
                        path.push(pe);
                        cur = self.edges[pe].from;
                    }
                    path.reverse();
                    return Some(path);
                }
                if members.contains(&t) && visited.insert(t) {
                    prev.insert(t, e);
                    queue.push_back(t);
                }
            }
        }
        None
    }
}

/// Entry and exit times of a depth-first walk down the hierarchy: `a` is a
/// proper ancestor of `d` when `d`'s walk lies inside `a`'s.
#[derive(Clone, Debug, Default)]
pub struct Ancestry {
    tin: Vec<u32>,
    tout: Vec<u32>,
}

impl Ancestry {
    /// Whether `a` is a proper ancestor of `d` (what `g.ancestors(d)`
    /// contains), in constant time; by walking up from `d` for items in or
    /// under a parent cycle, which the depth-first walk does not reach.
    pub fn is_ancestor(&self, g: &Graph, a: usize, d: usize) -> bool {
        let (Some(&ta), Some(&td)) = (self.tin.get(a), self.tin.get(d)) else { return false };
        if td == u32::MAX {
            return g.ancestors(d).contains(&a);
        }
        a != d && ta != u32::MAX && ta < td && td < self.tout[a]
    }

    /// How many descendants `node` has (`g.descendants(node).len()`), in
    /// constant time; by walking down for items in or under a parent cycle.
    pub fn descendant_count(&self, g: &Graph, node: usize) -> usize {
        match self.tin.get(node) {
            Some(&t) if t != u32::MAX => (self.tout[node] - t - 1) as usize,
            _ => g.descendants(node).len(),
        }
    }
}

/// The ids named by an `id`-typed custom field's value.
pub fn field_ids(v: &serde_json::Value) -> Vec<&str> {
    match v {
        serde_json::Value::String(s) => vec![s.as_str()],
        serde_json::Value::Array(a) => a.iter().filter_map(|x| x.as_str()).collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::impact::tests::backlog;

    #[test]
    fn ancestry_agrees_with_walking_up_even_around_cycles() {
        // e ⊃ f ⊃ {s1, s2}, s1 ⊃ t; a parent cycle x ⊃ y ⊃ x with z under y;
        // a self-parent q.
        let b = backlog(&[
            ("epics/e.md", "---\ntitle: E\nstatus: ready\n---\n"),
            ("features/f.md", "---\ntitle: F\nstatus: ready\nparent: e\n---\n"),
            ("stories/s1.md", "---\ntitle: S1\nstatus: ready\nparent: f\n---\n"),
            ("stories/s2.md", "---\ntitle: S2\nstatus: ready\nparent: f\n---\n"),
            ("tasks/t.md", "---\ntitle: T\nstatus: ready\nparent: s1\n---\n"),
            ("stories/x.md", "---\ntitle: X\nstatus: ready\nparent: y\n---\n"),
            ("stories/y.md", "---\ntitle: Y\nstatus: ready\nparent: x\n---\n"),
            ("tasks/z.md", "---\ntitle: Z\nstatus: ready\nparent: y\n---\n"),
            ("tasks/q.md", "---\ntitle: Q\nstatus: ready\nparent: q\n---\n"),
        ]);
        let g = Graph::build(&b);
        let an = g.ancestry();
        let n = b.items.len();
        for d in 0..n {
            let up = g.ancestors(d);
            for a in 0..n {
                assert_eq!(an.is_ancestor(&g, a, d), up.contains(&a), "{} above {}", b.items[a].id(), b.items[d].id());
            }
        }
        let ix = |id: &str| b.index[id];
        assert!(an.is_ancestor(&g, ix("e"), ix("t")) && !an.is_ancestor(&g, ix("s2"), ix("t")));
        // Descendant counts: by construction, and as the walk down finds.
        for (id, want) in [("e", 4), ("f", 3), ("s1", 1), ("t", 0), ("x", 2), ("y", 2), ("z", 0), ("q", 0)] {
            assert_eq!(an.descendant_count(&g, ix(id)), want, "under {id}");
        }
        for d in 0..n {
            assert_eq!(an.descendant_count(&g, d), g.descendants(d).len(), "under {}", b.items[d].id());
        }
        // The nearest ancestors, nearest first, and whether there are more.
        assert_eq!(g.ancestors_up_to(ix("t"), 2), (vec![ix("s1"), ix("f")], true));
        assert_eq!(g.ancestors_up_to(ix("t"), 3), (vec![ix("s1"), ix("f"), ix("e")], false));
        assert_eq!(g.ancestors_up_to(ix("z"), 5), (vec![ix("y"), ix("x")], false));
        assert_eq!(g.ancestors_up_to(ix("q"), 5), (vec![], false));
    }

    #[test]
    fn a_node_with_many_edges_is_deduplicated_and_keeps_the_lag() {
        // a00 … a39 each write `blocks: [z]`; z writes `depends_on` on all
        // of them, a lag on a30: one edge per pair, the lag kept.
        let mut files: Vec<(String, String)> = (0..40)
            .map(|k| (format!("tasks/a{k:02}.md"), "---\ntitle: A\nstatus: ready\nblocks: [z]\n---\n".to_string()))
            .collect();
        let deps: Vec<String> =
            (0..40).map(|k| if k == 30 { format!("{{ id: a{k:02}, lag: 2d }}") } else { format!("a{k:02}") }).collect();
        files.push((
            "tasks/z.md".into(),
            format!("---\ntitle: Z\nstatus: ready\ndepends_on: [{}]\n---\n", deps.join(", ")),
        ));
        let refs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
        let b = backlog(&refs);
        let g = Graph::build(&b);
        let z = b.index["z"];
        assert_eq!(g.edges.len(), 40);
        assert_eq!(g.targets(z, &EdgeType::DependsOn).collect::<Vec<_>>(), (0..40).collect::<Vec<_>>());
        let lagged: Vec<&Edge> = g.edges.iter().filter(|e| e.lag.is_some()).collect();
        assert_eq!(lagged.len(), 1);
        assert_eq!(
            (lagged[0].to, lagged[0].lag, lagged[0].lag_text.as_deref()),
            (b.index["a30"], Some(2.0), Some("2d"))
        );
    }
}

#[cfg(test)]
mod rank_tests {
    use super::EdgeType;

    /// The ranks order types as `EdgeType`'s own order does (so a search by
    /// rank finds the slice a search by type finds).
    #[test]
    fn ranks_follow_the_order_of_types() {
        let all = [
            EdgeType::Parent,
            EdgeType::DependsOn,
            EdgeType::RelatesTo,
            EdgeType::Duplicates,
            EdgeType::References,
            EdgeType::Field("a".into()),
            EdgeType::Field("b".into()),
        ];
        for x in &all {
            for y in &all {
                if x.rank() != y.rank() {
                    assert_eq!(x.rank().cmp(&y.rank()), x.cmp(y), "{x:?} {y:?}");
                } else if x.rank() < super::FIELD_RANK {
                    assert_eq!(x, y);
                }
            }
        }
    }
}
