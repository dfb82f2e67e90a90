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
use crate::load::Backlog;

/// One delayed item: its distance from X (number of waits-on hops) and the
/// shortest path from X to it, *excluding X and including the item*, so
/// `via.len() == distance` and `via[0]` is the waiter next to X.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delayed {
    pub node: usize,
    pub distance: usize,
    pub via: Vec<usize>,
}

/// The items that wait on `x` directly: those that depend on it, and its
/// parent. Sorted, deduplicated.
pub fn waiters(g: &Graph, x: usize) -> Vec<usize> {
    let mut w: Vec<usize> = g.sources(x, &EdgeType::DependsOn).collect();
    w.extend(g.parent(x));
    w.sort_unstable();
    w.dedup();
    w
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
/// between equally short paths go to the path through smaller ids.
pub fn impact(b: &Backlog, g: &Graph, x: usize) -> Vec<Delayed> {
    // node → (distance, previous node); sized by the answer, not the
    // backlog, so one impact per item over a whole backlog stays linear.
    let mut seen: HashMap<usize, (usize, usize)> = HashMap::from([(x, (0, x))]);
    let mut queue = VecDeque::from([x]);
    let mut found = Vec::new();
    while let Some(u) = queue.pop_front() {
        let du = seen.get(&u).map_or(0, |s| s.0);
        for w in waiters(g, u) {
            if let std::collections::hash_map::Entry::Vacant(e) = seen.entry(w) {
                e.insert((du + 1, u));
                queue.push_back(w);
                if !b.is_done(&b.items[w]) {
                    found.push(w);
                }
            }
        }
    }
    let mut out: Vec<Delayed> = found
        .into_iter()
        .map(|w| {
            let mut via = vec![w];
            let mut cur = w;
            while let Some(&(_, p)) = seen.get(&cur) {
                if p == x || p == cur || via.len() > seen.len() {
                    break;
                }
                via.push(p);
                cur = p;
            }
            via.reverse();
            Delayed { node: w, distance: seen.get(&w).map_or(0, |s| s.0), via }
        })
        .collect();
    out.sort_by(|a, c| a.distance.cmp(&c.distance).then_with(|| b.items[a.node].id().cmp(b.items[c.node].id())));
    out
}

/// Counts by kind of a list of delayed items.
pub fn by_kind(b: &Backlog, delayed: &[Delayed]) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for d in delayed {
        *m.entry(b.items[d.node].kind().to_string()).or_insert(0) += 1;
    }
    m
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
            for &e in &g.inc[u] {
                let e = &g.edges[e];
                if e.ty == EdgeType::DependsOn {
                    count += self.visit(b, e.from, r);
                }
            }
            for &e in &g.out[u] {
                let e = &g.edges[e];
                if e.ty == EdgeType::Parent {
                    count += self.visit(b, e.to, r);
                }
            }
        }
        count
    }

    fn visit(&mut self, b: &Backlog, w: usize, r: u32) -> usize {
        if self.stamp[w] == r {
            return 0;
        }
        self.stamp[w] = r;
        self.stack.push(w);
        usize::from(!b.is_done(&b.items[w]))
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
        let d = impact(&b, &g, b.index["a"]);
        let got: Vec<(String, usize, Vec<String>)> =
            d.iter().map(|x| (b.items[x.node].id().to_string(), x.distance, ids(&b, &x.via))).collect();
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
        let d = impact(&b, &g, b.index["t"]);
        let got: Vec<(String, usize)> = d.iter().map(|x| (b.items[x.node].id().to_string(), x.distance)).collect();
        assert_eq!(got, vec![("f".into(), 2), ("x".into(), 2)]);
        assert_eq!(ids(&b, &d[0].via), vec!["s", "f"]);
        assert_eq!(by_kind(&b, &d), BTreeMap::from([("feature".into(), 1), ("story".into(), 1)]));
    }

    #[test]
    fn cycles_terminate_and_never_list_the_item_itself() {
        let b = backlog(&[
            ("tasks/a.md", "---\ntitle: A\nstatus: ready\ndepends_on: [c]\n---\n"),
            ("tasks/b.md", "---\ntitle: B\nstatus: ready\ndepends_on: [a]\n---\n"),
            ("tasks/c.md", "---\ntitle: C\nstatus: ready\ndepends_on: [b]\n---\n"),
        ]);
        let g = Graph::build(&b);
        let d = impact(&b, &g, b.index["a"]);
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
        let d = impact(&b, &g, b.index["f"]);
        assert_eq!(d.len(), 1);
        assert_eq!(b.items[d[0].node].id(), "s");
        let d = impact(&b, &g, b.index["s"]);
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
        let d = impact(&b, &g, b.index["t00"]);
        assert_eq!(d.len(), 49);
        assert_eq!(d[48].distance, 49);
        assert_eq!(d[48].via.len(), 49);
        assert_eq!(b.items[d[48].node].id(), "t49");
    }
}
