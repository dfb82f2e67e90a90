//! Roll-ups over the hierarchy: how much of a parent's work is done.

use serde::Serialize;

use super::Graph;
use crate::load::Backlog;

/// Progress of a parent over all its descendants that are work items.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Rollup {
    /// Direct children done / total.
    pub children_done: usize,
    pub children_total: usize,
    /// All descendants done / total.
    pub items_done: usize,
    pub items_total: usize,
    /// Estimate of all descendants done / total.
    pub estimate_done: f64,
    pub estimate_total: f64,
}

/// Whether an item counts as delivered for progress: in a done category.
fn done(b: &Backlog, i: usize) -> bool {
    b.is_done(&b.items[i])
}

/// Whether item `j` counts in roll-ups: a work item, not cancelled (done
/// category, not completed).
pub fn counts(b: &Backlog, j: usize) -> bool {
    let it = &b.items[j];
    b.config.is_work(it.kind())
        && !it
            .status()
            .and_then(|s| b.config.status(it.kind(), s))
            .is_some_and(|s| s.category == crate::config::Category::Done && !s.completed)
}

/// Progress of item `i` over its children and descendants. Cancelled items
/// (done category, not completed) are left out of the totals.
pub fn rollup(b: &Backlog, g: &Graph, i: usize) -> Rollup {
    let mut r = Rollup::default();
    let counts = |j: usize| counts(b, j);
    for c in g.children(i) {
        if counts(c) {
            r.children_total += 1;
            r.children_done += usize::from(done(b, c));
        }
    }
    let mut desc: Vec<usize> = g.descendants(i).into_iter().collect();
    desc.sort_unstable();
    for d in desc {
        if !counts(d) {
            continue;
        }
        r.items_total += 1;
        let est = b.items[d].estimate.unwrap_or(0.0);
        r.estimate_total += est;
        if done(b, d) {
            r.items_done += 1;
            r.estimate_done += est;
        }
    }
    r
}

/// [`rollup`] of every item at once, in time linear in the backlog (each
/// parent sums its children's totals instead of walking its subtree). Items
/// in a parent cycle get the totals of the part of the cycle below them.
pub fn all(b: &Backlog, g: &Graph) -> Vec<Rollup> {
    let n = b.items.len();
    let counts: Vec<bool> = (0..n).map(|j| counts(b, j)).collect();
    let done: Vec<bool> = (0..n).map(|j| b.is_done(&b.items[j])).collect();
    let mut out = vec![Rollup::default(); n];
    // 0 = not visited, 1 = on the stack, 2 = finished.
    let mut state = vec![0u8; n];
    for root in 0..n {
        if state[root] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, bool)> = vec![(root, false)];
        while let Some((i, expanded)) = stack.pop() {
            if expanded {
                let mut r = Rollup::default();
                for c in g.children(i) {
                    if state[c] != 2 {
                        continue; // a parent cycle: do not count an ancestor as a child
                    }
                    let rc = out[c];
                    r.items_total += rc.items_total;
                    r.items_done += rc.items_done;
                    r.estimate_total += rc.estimate_total;
                    r.estimate_done += rc.estimate_done;
                    if counts[c] {
                        r.children_total += 1;
                        r.children_done += usize::from(done[c]);
                        r.items_total += 1;
                        let est = b.items[c].estimate.unwrap_or(0.0);
                        r.estimate_total += est;
                        if done[c] {
                            r.items_done += 1;
                            r.estimate_done += est;
                        }
                    }
                }
                out[i] = r;
                state[i] = 2;
            } else if state[i] == 0 {
                state[i] = 1;
                stack.push((i, true));
                for c in g.children(i) {
                    if state[c] == 0 {
                        stack.push((c, false));
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn rolls_up_descendants() {
        let cfg = Config::default();
        let files = [
            ("epics/e.md", "---\ntitle: E\nstatus: in_progress\n---\n"),
            ("features/f.md", "---\ntitle: F\nstatus: in_progress\nparent: e\n---\n"),
            ("stories/a.md", "---\ntitle: A\nstatus: done\nparent: f\nestimate: 3\n---\n"),
            ("stories/b.md", "---\ntitle: B\nstatus: ready\nparent: f\nestimate: 5\n---\n"),
            ("stories/c.md", "---\ntitle: C\nstatus: cancelled\nparent: f\nestimate: 8\n---\n"),
            ("stories/d.md", "---\ntitle: D\nstatus: done\nparent: e\nestimate: 2\n---\n"),
        ];
        let items: Vec<_> = files.iter().filter_map(|(p, t)| crate::load::parse_item_text(t, p, &cfg).0).collect();
        let b = Backlog::from_items(".".into(), cfg, items, vec![], files.len());
        let g = Graph::build(&b);
        let e = b.index["e"];
        let r = rollup(&b, &g, e);
        assert_eq!((r.children_done, r.children_total), (1, 2));
        assert_eq!((r.items_done, r.items_total), (2, 4));
        assert_eq!((r.estimate_done, r.estimate_total), (5.0, 10.0));
    }

    #[test]
    fn all_at_once_equals_one_by_one() {
        let files = crate::gen::generate(&crate::gen::Spec { items: 800, seed: 5, errors: 0 });
        let cfg = Config::default();
        let items: Vec<_> =
            files.iter().filter_map(|f| crate::load::parse_item_text(&f.text, &f.path, &cfg).0).collect();
        let b = Backlog::from_items(".".into(), cfg, items, vec![], files.len());
        let g = Graph::build(&b);
        let every = all(&b, &g);
        for (i, r) in every.iter().enumerate() {
            assert_eq!(*r, rollup(&b, &g, i), "{}", b.items[i].id());
        }
    }
}
