//! Impact: what is delayed if an item slips.
//!
//! A *waits on* B when A `depends_on` B, or A is B's parent (a parent
//! finishes only when its children do). The items delayed by X are the
//! items that wait on X directly or transitively, found by a breadth-first
//! search from X along the inverse of waits-on. Done items are traversed
//! (a done story's open parent still waits on the story's open sibling
//! chain) but not listed; X itself is never listed, even inside a cycle.

use std::collections::{BTreeMap, HashMap, VecDeque};

use super::{EdgeType, Graph};
use crate::load::view::View;
use crate::load::Backlog;

/// The most hops of a `via` path reported: a longer path keeps its last
/// `VIA_MAX` hops (ending at the delayed item) and says how many it left
/// out, so the output of a long chain stays linear in its length.
pub const VIA_MAX: usize = 10;

static DEPENDS_ON: EdgeType = EdgeType::DependsOn;

/// Hashes node indices by one multiplication (Fibonacci hashing): the
/// site walks from every item, and SipHash was a tenth of its time.
#[derive(Clone, Copy, Default)]
struct NodeHasher(u64);

impl std::hash::Hasher for NodeHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = (n as u64 ^ self.0).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type NodeMap<V> = HashMap<usize, V, std::hash::BuildHasherDefault<NodeHasher>>;

/// One delayed item: its distance from X (number of waits-on hops) and the
/// item before it on a shortest path from X (X itself at distance 1). The
/// whole path is [`Impact::via`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delayed {
    pub node: usize,
    pub distance: usize,
    pub prev: usize,
}

/// What is delayed if X slips.
#[derive(Clone, Debug, Default)]
pub struct Impact {
    pub x: usize,
    /// The open items that wait on X, nearest first, then by id.
    pub delayed: Vec<Delayed>,
    /// False when the walk stopped at its limit ([`impact_within`]): more
    /// items wait on X than `delayed` lists.
    pub complete: bool,
    /// Every item reached (done ones too): (distance, previous item).
    reached: NodeMap<(usize, usize)>,
}

/// A shortest path from X to a delayed item, *excluding X and including the
/// item*, cut to its last hops: `cut` hops next to X are left out, so
/// `cut + nodes.len()` is the item's distance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Via {
    pub nodes: Vec<usize>,
    pub cut: usize,
}

impl Impact {
    /// The shortest path to `node` (a delayed item), keeping at most `max`
    /// hops: the last ones, ending at `node`. Empty for an item not reached.
    pub fn via(&self, node: usize, max: usize) -> Via {
        let distance = self.reached.get(&node).map_or(0, |r| r.0);
        let mut nodes = Vec::with_capacity(distance.min(max));
        let mut cur = node;
        while cur != self.x && nodes.len() < max {
            let Some(&(_, prev)) = self.reached.get(&cur) else { break };
            nodes.push(cur);
            cur = prev;
        }
        nodes.reverse();
        Via { cut: distance.saturating_sub(nodes.len()), nodes }
    }

    /// The whole shortest path to `node`: `via[0]` waits on X directly, the
    /// last element is `node`, and its length is the distance.
    pub fn path(&self, node: usize) -> Vec<usize> {
        self.via(node, usize::MAX).nodes
    }
}

/// The items that wait on `x` directly: those that depend on it, and its
/// parent. Sorted, deduplicated.
pub fn waiters(g: &Graph, x: usize) -> Vec<usize> {
    waiters_iter(g, x).collect()
}

/// [`waiters`] without allocating: the dependents (sorted in the graph)
/// merged with the parent.
fn waiters_iter(g: &Graph, x: usize) -> impl Iterator<Item = usize> + '_ {
    let mut parent = g.parent(x);
    let mut deps = g.sources(x, &DEPENDS_ON).peekable();
    std::iter::from_fn(move || match (deps.peek().copied(), parent) {
        (Some(d), Some(p)) if p <= d => {
            parent = None;
            if p == d {
                deps.next();
            }
            Some(p)
        }
        (Some(_), _) => deps.next(),
        (None, p) => {
            parent = None;
            p
        }
    })
}

/// The items `x` waits on directly: its dependencies and its children.
pub fn waits_on(g: &Graph, x: usize) -> Vec<usize> {
    let mut w: Vec<usize> = g.targets(x, &EdgeType::DependsOn).collect();
    w.extend(g.sources(x, &EdgeType::Parent));
    w.sort_unstable();
    w.dedup();
    w
}

/// Everything delayed if `x` slips, nearest first, then by id. Ties
/// between equally short paths go to the path through smaller ids. Linear
/// in the number of items that wait on `x` and their edges.
pub fn impact(b: &(impl View + ?Sized), g: &Graph, x: usize) -> Impact {
    impact_within(b, g, x, usize::MAX)
}

/// [`impact`], reaching at most `limit` items besides `x` (done ones
/// included): the nearest ones. `complete` says whether that was all. The
/// site walks from every item with a limit, so the whole site stays linear
/// in the backlog even where thousands of items wait on thousands.
pub fn impact_within(b: &(impl View + ?Sized), g: &Graph, x: usize, limit: usize) -> Impact {
    walk(g, x, limit, |w| b.is_done(w))
}

/// [`impact_within`] with the done test given (`done(i)`: item `i` is in a
/// done category), for callers that know it per item already.
pub fn walk(g: &Graph, x: usize, limit: usize, done: impl Fn(usize) -> bool) -> Impact {
    // node → (distance, previous node); sized by the answer, not the
    // backlog, so one impact per item over a whole backlog stays linear.
    let mut reached: NodeMap<(usize, usize)> = NodeMap::default();
    reached.insert(x, (0, x));
    let mut queue = VecDeque::from([x]);
    let mut delayed = Vec::new();
    let mut complete = true;
    'walk: while let Some(u) = queue.pop_front() {
        let du = reached.get(&u).map_or(0, |s| s.0);
        for w in waiters_iter(g, u) {
            if reached.contains_key(&w) {
                continue;
            }
            if reached.len() > limit {
                complete = false;
                break 'walk;
            }
            reached.insert(w, (du + 1, u));
            queue.push_back(w);
            if !done(w) {
                delayed.push(Delayed { node: w, distance: du + 1, prev: u });
            }
        }
    }
    // Items are sorted by id (and only the first of equal ids is a node),
    // so index order is id order.
    delayed.sort_unstable_by_key(|d| (d.distance, d.node));
    Impact { x, delayed, complete, reached }
}

/// Counts by kind of a list of delayed items.
pub fn by_kind(b: &(impl View + ?Sized), delayed: &[Delayed]) -> BTreeMap<String, usize> {
    let mut m: BTreeMap<&str, usize> = BTreeMap::new();
    for d in delayed {
        *m.entry(b.kind(d.node)).or_insert(0) += 1;
    }
    m.into_iter().map(|(k, n)| (k.to_string(), n)).collect()
}

/// Counts the not-done items that wait on `x` transitively (the length of
/// `impact(x)`), reusing `scratch` between calls: a stamp per node.
pub struct Counter {
    stamp: Vec<u32>,
    round: u32,
    stack: Vec<usize>,
}

impl Counter {
    pub fn new(n: usize) -> Counter {
        Counter { stamp: vec![0; n], round: 0, stack: Vec::new() }
    }

    pub fn count(&mut self, b: &Backlog, g: &Graph, x: usize) -> usize {
        self.count_by(g, x, &|w| b.is_done(&b.items[w]))
    }

    /// [`Counter::count`] with `done` telling which items are done (for
    /// callers that know it per item already).
    pub fn count_by(&mut self, g: &Graph, x: usize, done: &impl Fn(usize) -> bool) -> usize {
        self.round = self.round.wrapping_add(1);
        if self.round == 0 {
            self.stamp.iter_mut().for_each(|s| *s = 0);
            self.round = 1;
        }
        let r = self.round;
        self.stamp[x] = r;
        self.stack.clear();
        self.stack.push(x);
        let mut count = 0;
        while let Some(u) = self.stack.pop() {
            for &e in g.inc_typed(u, &EdgeType::DependsOn) {
                count += self.visit(done, g.edges[e].from, r);
            }
            for &e in g.out_typed(u, &EdgeType::Parent) {
                count += self.visit(done, g.edges[e].to, r);
            }
        }
        count
    }

    fn visit(&mut self, done: &impl Fn(usize) -> bool, w: usize, r: u32) -> usize {
        if self.stamp[w] == r {
            return 0;
        }
        self.stamp[w] = r;
        self.stack.push(w);
        usize::from(!done(w))
    }
}

/// [`Counter`] for many items at once (`ready`'s `unblocks`), linear on
/// chains, stars and bowties: an item with exactly one *waiter* `w` (one
/// item that waits on it directly) and on no cycle delays exactly `w` and
/// what `w` delays, so its count is `w`'s plus one (if `w` is open) —
/// memoised, each such item costs one step. Only an item with several
/// waiters (or on a cycle) is counted by a search, once. Without that, 5,000
/// ready tasks feeding one hub followed by a 5,000-long chain cost 25
/// million steps; with it, 15,000.
pub struct Unblocks {
    counter: Counter,
    memo: Vec<Option<usize>>,
    /// Items on a cycle of waits-on (or waiting on themselves).
    cyclic: Vec<bool>,
}

/// The one item that waits on `u` directly (not `u` itself), if exactly one
/// does (the same edges as [`Counter`] follows); stops at a second.
fn sole_waiter(g: &Graph, u: usize) -> Option<usize> {
    let mut first: Option<usize> = None;
    let mut n = 0;
    let direct = g
        .inc_typed(u, &DEPENDS_ON)
        .iter()
        .map(|&e| g.edges[e].from)
        .chain(g.out_typed(u, &EdgeType::Parent).iter().map(|&e| g.edges[e].to));
    for w in direct {
        if w == u || first == Some(w) {
            continue;
        }
        n += 1;
        if n == 2 {
            return None;
        }
        first = Some(w);
    }
    first
}

/// The items on a cycle of waits-on (strongly connected components of
/// more than one item, and items waiting on themselves): linear.
fn cyclic_items(g: &Graph, n: usize) -> Vec<bool> {
    let mut pg = petgraph::graph::DiGraph::<(), ()>::with_capacity(n, g.edges.len());
    for _ in 0..n {
        pg.add_node(());
    }
    let mut cyclic = vec![false; n];
    for e in &g.edges {
        let (a, b) = match e.ty {
            EdgeType::DependsOn => (e.to, e.from),
            EdgeType::Parent => (e.from, e.to),
            _ => continue,
        };
        if a < n && b < n {
            if a == b {
                cyclic[a] = true;
            }
            pg.add_edge(petgraph::graph::NodeIndex::new(a), petgraph::graph::NodeIndex::new(b), ());
        }
    }
    for scc in petgraph::algo::kosaraju_scc(&pg) {
        if scc.len() > 1 {
            for x in scc {
                cyclic[x.index()] = true;
            }
        }
    }
    cyclic
}

/// `Some(items waiting on themselves)` when waits-on has no longer cycle
/// (Kahn's order reaches every item: the common case, without building a
/// second graph for the components), `None` when it may.
fn waits_on_is_acyclic(g: &Graph, n: usize) -> Option<Vec<bool>> {
    // Waits-on from `a` to `b` (`b` waits on `a`), as `cyclic_items` reads it.
    let next = |a: usize| {
        g.inc_typed(a, &DEPENDS_ON)
            .iter()
            .map(|&e| g.edges[e].from)
            .chain(g.out_typed(a, &EdgeType::Parent).iter().map(|&e| g.edges[e].to))
            .filter(move |&b| b < n)
    };
    let mut selfs = vec![false; n];
    let mut indeg = vec![0u32; n];
    for (a, is_self) in selfs.iter_mut().enumerate() {
        for b in next(a) {
            if b == a {
                *is_self = true;
            } else {
                indeg[b] += 1;
            }
        }
    }
    let mut stack: Vec<usize> = (0..n).filter(|&x| indeg[x] == 0).collect();
    let mut seen = 0;
    while let Some(a) = stack.pop() {
        seen += 1;
        for b in next(a) {
            if b != a {
                indeg[b] -= 1;
                if indeg[b] == 0 {
                    stack.push(b);
                }
            }
        }
    }
    (seen == n).then_some(selfs)
}

impl Unblocks {
    pub fn new(g: &Graph, n: usize) -> Unblocks {
        let cyclic = match waits_on_is_acyclic(g, n) {
            Some(selfs) => selfs,
            None => cyclic_items(g, n),
        };
        Unblocks { counter: Counter::new(n), memo: vec![None; n], cyclic }
    }

    /// The number of open items that wait on `x` transitively, as
    /// [`Counter::count`].
    pub fn count(&mut self, b: &Backlog, g: &Graph, x: usize) -> usize {
        self.count_by(g, x, &|w| b.is_done(&b.items[w]))
    }

    /// [`Unblocks::count`] with `done` telling which items are done.
    pub fn count_by(&mut self, g: &Graph, x: usize, done: &impl Fn(usize) -> bool) -> usize {
        let mut path: Vec<(usize, usize)> = Vec::new();
        let mut u = x;
        let base = loop {
            if let Some(c) = self.memo[u] {
                break c;
            }
            if !self.cyclic[u] {
                if let Some(w) = sole_waiter(g, u) {
                    path.push((u, w));
                    u = w;
                    continue;
                }
            }
            let c = self.counter.count_by(g, u, done);
            self.memo[u] = Some(c);
            break c;
        };
        let mut c = base;
        for &(v, w) in path.iter().rev() {
            c += usize::from(!done(w));
            self.memo[v] = Some(c);
        }
        self.memo[x].unwrap_or(c)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::config::Config;

    pub(crate) fn backlog(files: &[(&str, &str)]) -> Backlog {
        let cfg = Config::default();
        let items: Vec<_> = files.iter().filter_map(|(p, t)| crate::load::parse_item_text(t, p, &cfg).0).collect();
        assert_eq!(items.len(), files.len(), "every fixture parses");
        Backlog::from_items(".".into(), cfg, items, vec![], files.len())
    }

    /// Kahn's order says "no cycle" exactly when the components find none
    /// longer than one item, and then gives the same items (those waiting
    /// on themselves); on random waits-on graphs with and without cycles.
    #[test]
    fn the_acyclic_shortcut_agrees_with_the_components() {
        let mut rng = crate::util::rng::Rng::new(7);
        let mut taken = [0; 2];
        for round in 0..300 {
            let n = 2 + (round % 12);
            let files: Vec<(String, String)> = (0..n)
                .map(|k| {
                    let mut fm = format!("---\ntitle: T{k}\nstatus: ready\n");
                    // Mostly edges to lower ids (acyclic); sometimes any.
                    let deps: Vec<String> = (0..n)
                        .filter(|&d| (d < k || round % 3 == 0) && rng.below(4) == 0)
                        .map(|d| format!("t{d}"))
                        .collect();
                    if !deps.is_empty() {
                        fm.push_str(&format!("depends_on: [{}]\n", deps.join(", ")));
                    }
                    if k > 0 && rng.below(3) == 0 {
                        fm.push_str(&format!("parent: t{}\n", rng.below(k)));
                    }
                    (format!("tasks/t{k}.md"), format!("{fm}---\n"))
                })
                .collect();
            let refs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
            let b = backlog(&refs);
            let g = Graph::build(&b);
            let n = b.items.len();
            let full = cyclic_items(&g, n);
            // By brute force: some two items reach each other by waits-on.
            let next = |a: usize| -> Vec<usize> {
                g.inc_typed(a, &DEPENDS_ON)
                    .iter()
                    .map(|&e| g.edges[e].from)
                    .chain(g.out_typed(a, &EdgeType::Parent).iter().map(|&e| g.edges[e].to))
                    .collect()
            };
            let reach: Vec<Vec<bool>> = (0..n)
                .map(|a| {
                    let mut seen = vec![false; n];
                    let mut stack = next(a);
                    while let Some(x) = stack.pop() {
                        if !seen[x] {
                            seen[x] = true;
                            stack.extend(next(x));
                        }
                    }
                    seen
                })
                .collect();
            let longer = (0..n).any(|a| (0..n).any(|b| a != b && reach[a][b] && reach[b][a]));
            match waits_on_is_acyclic(&g, n) {
                Some(selfs) => {
                    assert!(!longer, "round {round}: a cycle was missed");
                    assert_eq!(selfs, full, "round {round}");
                    taken[0] += 1;
                }
                None => {
                    assert!(longer, "round {round}: no cycle, yet no shortcut");
                    taken[1] += 1;
                }
            }
        }
        assert!(taken[0] > 50 && taken[1] > 50, "both ways are tried: {taken:?}");
    }

    fn ids(b: &Backlog, v: &[usize]) -> Vec<String> {
        v.iter().map(|&i| b.items[i].id().to_string()).collect()
    }

    #[test]
    fn diamond_lists_each_item_once_with_shortest_path() {
        // a ← b, a ← c, b ← d, c ← d: d waits on a at distance 2, via b.
        let b = backlog(&[
            ("tasks/a.md", "---\ntitle: A\nstatus: ready\n---\n"),
            ("tasks/b.md", "---\ntitle: B\nstatus: ready\ndepends_on: [a]\n---\n"),
            ("tasks/c.md", "---\ntitle: C\nstatus: ready\ndepends_on: [a]\n---\n"),
            ("tasks/d.md", "---\ntitle: D\nstatus: ready\ndepends_on: [b, c]\n---\n"),
        ]);
        let g = Graph::build(&b);
        let im = impact(&b, &g, b.index["a"]);
        assert!(im.complete);
        let got: Vec<(String, usize, Vec<String>)> = im
            .delayed
            .iter()
            .map(|x| (b.items[x.node].id().to_string(), x.distance, ids(&b, &im.path(x.node))))
            .collect();
        assert_eq!(
            got,
            vec![
                ("b".into(), 1, vec!["b".into()]),
                ("c".into(), 1, vec!["c".into()]),
                ("d".into(), 2, vec!["b".into(), "d".into()]),
            ]
        );
        assert_eq!(Counter::new(b.items.len()).count(&b, &g, b.index["a"]), 3);
    }

    /// The memoised count equals the plain search on every item of shapes
    /// that exercise each path: a bowtie (many tasks → hub → chain), a
    /// cycle with a tail, parents, done items and a self-dependency.
    #[test]
    fn unblocks_matches_the_plain_count_on_every_item() {
        let mut files: Vec<(String, String)> = Vec::new();
        for i in 0..30 {
            files.push((format!("tasks/t{i}.md"), "---\ntitle: T\nstatus: ready\n---\n".into()));
        }
        let deps: Vec<String> = (0..30).map(|i| format!("t{i}")).collect();
        files.push((
            "tasks/hub.md".into(),
            format!("---\ntitle: H\nstatus: ready\ndepends_on: [{}]\n---\n", deps.join(", ")),
        ));
        let mut prev = "hub".to_string();
        for i in 0..40 {
            let status = if i % 7 == 3 { "done" } else { "backlog" };
            files.push((
                format!("tasks/c{i}.md"),
                format!("---\ntitle: C\nstatus: {status}\ndepends_on: [{prev}]\n---\n"),
            ));
            prev = format!("c{i}");
        }
        // A cycle x → y → z → x with a tail w depending on z, and a self-loop s.
        files.push(("tasks/x.md".into(), "---\ntitle: X\nstatus: ready\ndepends_on: [z, c5]\n---\n".into()));
        files.push(("tasks/y.md".into(), "---\ntitle: Y\nstatus: ready\ndepends_on: [x]\n---\n".into()));
        files.push(("tasks/z.md".into(), "---\ntitle: Z\nstatus: ready\ndepends_on: [y]\n---\n".into()));
        files.push(("tasks/w.md".into(), "---\ntitle: W\nstatus: ready\ndepends_on: [z]\n---\n".into()));
        files.push(("tasks/s.md".into(), "---\ntitle: S\nstatus: ready\ndepends_on: [s]\n---\n".into()));
        files.push(("features/f.md".into(), "---\ntitle: F\nstatus: in_progress\n---\n".into()));
        files.push(("stories/st.md".into(), "---\ntitle: St\nstatus: ready\nparent: f\n---\n".into()));
        files.push(("tasks/under.md".into(), "---\ntitle: U\nstatus: ready\nparent: st\n---\n".into()));
        let refs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
        let b = backlog(&refs);
        let g = Graph::build(&b);
        let n = b.items.len();
        // Ask in two orders: the memo must not depend on which item came first.
        for order in [(0..n).collect::<Vec<_>>(), (0..n).rev().collect()] {
            let mut fast = Unblocks::new(&g, n);
            for &i in &order {
                assert_eq!(fast.count(&b, &g, i), Counter::new(n).count(&b, &g, i), "{}", b.items[i].id());
            }
        }
        // By construction: t0 delays the hub and the 40-long chain, less its
        // done links (c3, c10, c17, c24, c31, c38), plus x, y, z, w (x depends on c5).
        let mut fast = Unblocks::new(&g, n);
        assert_eq!(fast.count(&b, &g, b.index["t0"]), 1 + 40 - 6 + 4);
    }

    #[test]
    fn parents_wait_on_children_and_done_items_are_traversed_not_listed() {
        // t (task) → story s (done) → feature f; x depends on s.
        let b = backlog(&[
            ("features/f.md", "---\ntitle: F\nstatus: in_progress\n---\n"),
            ("stories/s.md", "---\ntitle: S\nstatus: done\nparent: f\n---\n"),
            ("tasks/t.md", "---\ntitle: T\nstatus: ready\nparent: s\n---\n"),
            ("stories/x.md", "---\ntitle: X\nstatus: backlog\ndepends_on: [s]\n---\n"),
        ]);
        let g = Graph::build(&b);
        let im = impact(&b, &g, b.index["t"]);
        let d = &im.delayed;
        let got: Vec<(String, usize)> = d.iter().map(|x| (b.items[x.node].id().to_string(), x.distance)).collect();
        assert_eq!(got, vec![("f".into(), 2), ("x".into(), 2)]);
        assert_eq!(ids(&b, &im.path(d[0].node)), vec!["s", "f"]);
        assert_eq!(d[0].prev, b.index["s"], "the done story is the step before");
        assert_eq!(by_kind(&b, d), BTreeMap::from([("feature".into(), 1), ("story".into(), 1)]));
    }

    #[test]
    fn cycles_terminate_and_never_list_the_item_itself() {
        let b = backlog(&[
            ("tasks/a.md", "---\ntitle: A\nstatus: ready\ndepends_on: [c]\n---\n"),
            ("tasks/b.md", "---\ntitle: B\nstatus: ready\ndepends_on: [a]\n---\n"),
            ("tasks/c.md", "---\ntitle: C\nstatus: ready\ndepends_on: [b]\n---\n"),
        ]);
        let g = Graph::build(&b);
        let d = impact(&b, &g, b.index["a"]).delayed;
        let got: Vec<(String, usize)> = d.iter().map(|x| (b.items[x.node].id().to_string(), x.distance)).collect();
        assert_eq!(got, vec![("b".into(), 1), ("c".into(), 2)]);
        assert_eq!(Counter::new(3).count(&b, &g, b.index["a"]), 2);
    }

    #[test]
    fn depending_on_an_ancestor_is_a_loop_handled_once() {
        // s is a child of f and depends on f: f waits on s, s waits on f.
        let b = backlog(&[
            ("features/f.md", "---\ntitle: F\nstatus: ready\n---\n"),
            ("stories/s.md", "---\ntitle: S\nstatus: ready\nparent: f\ndepends_on: [f]\n---\n"),
        ]);
        let g = Graph::build(&b);
        let d = impact(&b, &g, b.index["f"]).delayed;
        assert_eq!(d.len(), 1);
        assert_eq!(b.items[d[0].node].id(), "s");
        let d = impact(&b, &g, b.index["s"]).delayed;
        assert_eq!(d.len(), 1);
        assert_eq!(b.items[d[0].node].id(), "f");
    }

    #[test]
    fn long_chain_distances_grow_by_one() {
        let mut files: Vec<(String, String)> =
            vec![("tasks/t00.md".into(), "---\ntitle: T\nstatus: ready\n---\n".into())];
        for k in 1..50 {
            files.push((
                format!("tasks/t{k:02}.md"),
                format!("---\ntitle: T{k}\nstatus: ready\ndepends_on: [t{:02}]\n---\n", k - 1),
            ));
        }
        let refs: Vec<(&str, &str)> = files.iter().map(|(a, c)| (a.as_str(), c.as_str())).collect();
        let b = backlog(&refs);
        let g = Graph::build(&b);
        let im = impact(&b, &g, b.index["t00"]);
        let d = &im.delayed;
        assert_eq!(d.len(), 49);
        assert_eq!(d[48].distance, 49);
        assert_eq!(im.path(d[48].node).len(), 49);
        assert_eq!(b.items[d[48].node].id(), "t49");
        // Cut to its last 10 hops: t40 … t49, with the 39 hops t01 … t39 left out.
        let via = im.via(d[48].node, 10);
        assert_eq!(ids(&b, &via.nodes), (40..50).map(|k| format!("t{k:02}")).collect::<Vec<_>>());
        assert_eq!(via.cut, 39);
        assert_eq!(im.via(d[3].node, 10), Via { nodes: im.path(d[3].node), cut: 0 });
    }

    #[test]
    fn a_limited_walk_lists_the_nearest_and_says_it_stopped() {
        // a ← b1..b5 (distance 1), each bk ← ck (distance 2).
        let mut files: Vec<(String, String)> =
            vec![("tasks/a.md".into(), "---\ntitle: A\nstatus: ready\n---\n".into())];
        for k in 1..=5 {
            files.push((format!("tasks/b{k}.md"), "---\ntitle: B\nstatus: ready\ndepends_on: [a]\n---\n".to_string()));
            files.push((format!("tasks/c{k}.md"), format!("---\ntitle: C\nstatus: ready\ndepends_on: [b{k}]\n---\n")));
        }
        let refs: Vec<(&str, &str)> = files.iter().map(|(a, c)| (a.as_str(), c.as_str())).collect();
        let b = backlog(&refs);
        let g = Graph::build(&b);
        let a = b.index["a"];
        let whole = impact(&b, &g, a);
        assert!(whole.complete);
        assert_eq!(whole.delayed.len(), 10);
        // Exactly as many as there are: complete.
        assert!(impact_within(&b, &g, a, 10).complete);
        // Fewer: the five at distance 1 and the first two at distance 2.
        let part = impact_within(&b, &g, a, 7);
        assert!(!part.complete);
        assert_eq!(part.delayed, whole.delayed[..7].to_vec());
        let part = impact_within(&b, &g, a, 0);
        assert!(!part.complete && part.delayed.is_empty());
    }

    #[test]
    fn waiters_merge_the_parent_with_the_dependents_in_index_order() {
        // f is the parent of s and also depends on it; a and z depend on s.
        let b = backlog(&[
            ("tasks/a.md", "---\ntitle: A\nstatus: ready\ndepends_on: [s]\n---\n"),
            ("features/f.md", "---\ntitle: F\nstatus: ready\ndepends_on: [s]\n---\n"),
            ("stories/s.md", "---\ntitle: S\nstatus: ready\nparent: f\n---\n"),
            ("tasks/z.md", "---\ntitle: Z\nstatus: ready\ndepends_on: [s]\n---\n"),
        ]);
        let g = Graph::build(&b);
        let w = waiters(&g, b.index["s"]);
        assert_eq!(ids(&b, &w), vec!["a", "f", "z"]);
    }
}
