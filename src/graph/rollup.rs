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

/// Progress of item `i` over its children and descendants. Cancelled items
/// (done category, not completed) are left out of the totals.
pub fn rollup(b: &Backlog, g: &Graph, i: usize) -> Rollup {
    let mut r = Rollup::default();
    let counts = |j: usize| {
        let it = &b.items[j];
        b.config.is_work(it.kind())
            && !it
                .status()
                .and_then(|s| b.config.status(it.kind(), s))
                .is_some_and(|s| s.category == crate::config::Category::Done && !s.completed)
    };
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
}
