//! Ready work: open work items in a `todo` status category whose every
//! dependency is done, whose parent is not done, and that have no open
//! children (a container is finished through its children, so it is not
//! itself ready work), ordered by priority, then by how much downstream
//! work they unblock, then by id.

use super::impact::Unblocks;
use super::{EdgeType, Graph};
use crate::config::Category;
use crate::load::view::View;
use crate::load::Backlog;

/// A ready item and the number of not-done items that wait on it,
/// directly or transitively (the size of its impact).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ready {
    pub node: usize,
    pub unblocks: usize,
}

/// Filters for `ready`.
#[derive(Clone, Debug, Default)]
pub struct Filter<'a> {
    pub sprint: Option<&'a str>,
    pub assignee: Option<&'a str>,
}

/// What the ready rule asks of each item, computed once per item (in
/// parallel) rather than by name lookups in the configuration at every
/// visit.
struct Facts {
    /// The first item with its id (a node of the graph).
    node: Vec<bool>,
    work: Vec<bool>,
    category: Vec<Option<Category>>,
}

impl Facts {
    /// The facts of every item. Whether an item is work and its category
    /// follow from its kind and status alone (the configuration's rule):
    /// asked once per pair of them, not once per item — a backlog has a
    /// few dozen pairs, and each answer is a search of the configuration.
    fn of(v: &(impl View + ?Sized)) -> Facts {
        let n = v.len();
        if v.stores_facts() {
            use rayon::prelude::*;
            let node = (0..n).into_par_iter().map(|i| v.is_node(i)).collect();
            let work = (0..n).into_par_iter().map(|i| v.is_work(i)).collect();
            let category = (0..n).into_par_iter().map(|i| v.category(i)).collect();
            return Facts { node, work, category };
        }
        // Per kind: (status, work, category) of each status met.
        type Known<'v> = Vec<(Option<&'v str>, bool, Option<Category>)>;
        let mut memo: crate::util::StrMap<Known> = Default::default();
        let (mut work, mut category) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for i in 0..n {
            let (kind, status) = (v.kind(i), v.status(i));
            let known = memo.get(kind).and_then(|l| l.iter().find(|(s, _, _)| *s == status));
            let (w, c) = match known {
                Some(&(_, w, c)) => (w, c),
                None => {
                    let (w, c) = (v.is_work(i), v.category(i));
                    memo.entry(kind.to_string()).or_default().push((status, w, c));
                    (w, c)
                }
            };
            work.push(w);
            category.push(c);
        }
        let node = (0..n).map(|i| v.is_node(i)).collect();
        Facts { node, work, category }
    }
}

/// The ready rule over per-item facts (the one place it is written).
fn ready_by(
    g: &Graph,
    i: usize,
    node: impl Fn(usize) -> bool,
    work: impl Fn(usize) -> bool,
    category: impl Fn(usize) -> Option<Category>,
) -> bool {
    let done = |x: usize| category(x) == Some(Category::Done);
    if !node(i) || !work(i) || category(i) != Some(Category::Todo) {
        return false;
    }
    if g.targets(i, &EdgeType::DependsOn).any(|d| d == i || !done(d)) {
        return false;
    }
    if g.parent(i).is_some_and(done) {
        return false;
    }
    // An open child: a work item not in a done category (cancelled counts
    // as done).
    !g.sources(i, &EdgeType::Parent).any(|c| c != i && work(c) && !done(c))
}

/// Whether item `i` is ready (ignoring filters).
pub fn is_ready(b: &Backlog, g: &Graph, i: usize) -> bool {
    ready_by(
        g,
        i,
        |x| b.index.get(b.items[x].id()) == Some(&x),
        |x| b.config.is_work(b.items[x].kind()),
        |x| b.category(&b.items[x]),
    )
}

/// The ready items, sorted.
pub fn ready(b: &Backlog, g: &Graph, filter: &Filter) -> Vec<Ready> {
    ready_in(b, g, filter)
}

/// [`ready`] over any [`View`] of the items (a backlog, or the columns of
/// the query index): the same rule, filters and order.
pub fn ready_in(v: &(impl View + ?Sized), g: &Graph, filter: &Filter) -> Vec<Ready> {
    ready_with(v, g, filter, &Facts::of(v))
}

/// [`ready_in`] with the items' facts made.
fn ready_with(v: &(impl View + ?Sized), g: &Graph, filter: &Filter, facts: &Facts) -> Vec<Ready> {
    let done = |x: usize| facts.category[x] == Some(Category::Done);
    let mut counter = Unblocks::new(g, v.len());
    let out: Vec<Ready> = (0..v.len())
        .filter(|&i| {
            filter.sprint.is_none_or(|s| v.sprint(i) == Some(s))
                && filter.assignee.is_none_or(|a| v.assignee(i).contains(&a))
        })
        .filter(|&i| ready_by(g, i, |x| facts.node[x], |x| facts.work[x], |x| facts.category[x]))
        .map(|i| Ready { node: i, unblocks: counter.count_by(g, i, &done) })
        .collect();
    // The keys made once per item, not once per comparison.
    let mut keyed: Vec<(usize, std::cmp::Reverse<usize>, &str, Ready)> =
        out.into_iter().map(|r| (v.priority_rank(r.node), std::cmp::Reverse(r.unblocks), v.id(r.node), r)).collect();
    keyed.sort_by(|x, y| (x.0, x.1, x.2).cmp(&(y.0, y.1, y.2)));
    keyed.into_iter().map(|k| k.3).collect()
}

/// The backlog's rank order of `items` (the backlog page's default): open
/// before done, then priority (highest first), then the ready order (ready
/// items first, as [`ready`] sorts them), then id.
pub fn rank(b: &Backlog, g: &Graph, items: &[usize]) -> Vec<usize> {
    let facts = Facts::of(b);
    let mut pos = vec![usize::MAX; b.items.len()];
    for (k, r) in ready_with(b, g, &Filter::default(), &facts).iter().enumerate() {
        if let Some(p) = pos.get_mut(r.node) {
            *p = k;
        }
    }
    // The keys made once per item, not once per comparison; ties keep the
    // order of `items`.
    let mut keyed: Vec<(bool, usize, usize, &str, usize, usize)> = items
        .iter()
        .enumerate()
        .map(|(k, &i)| {
            let it = &b.items[i];
            (facts.category[i] == Some(Category::Done), it.priority_rank(), pos[i], it.id(), k, i)
        })
        .collect();
    keyed.sort_unstable();
    keyed.into_iter().map(|k| k.5).collect()
}

/// A signature of everything [`rank`] reads for `items`: each item's id,
/// kind, status and priority (whether it is its id's own follows from the
/// ids in order: the first with an id is), the edges that
/// `ready` follows (waits-on and parents, by index), and `items`. The
/// configuration (what is work, the status categories) is the caller's
/// to cover. Equal signatures, equal ranks: a build keeps the backlog's
/// rank from the last one when it is the same (a title edit).
pub fn rank_sig(b: &Backlog, g: &Graph, items: &[usize]) -> u64 {
    let mut h = crate::util::HashWriter::default();
    h.u64(b.items.len() as u64);
    for it in &b.items {
        h.text(it.id());
        h.text(it.kind());
        h.opt_text(it.status());
        h.u64(it.priority_rank() as u64);
    }
    for e in &g.edges {
        if matches!(e.ty, EdgeType::DependsOn | EdgeType::Parent) {
            h.u64(e.from as u64);
            h.u64(e.to as u64);
            h.bytes(&[u8::from(e.ty == EdgeType::Parent)]);
        }
    }
    h.u64(items.len() as u64);
    for &i in items {
        h.u64(i as u64);
    }
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::impact::tests::backlog;

    #[test]
    fn ready_excludes_blocked_done_and_doing_and_orders_by_priority_unblocks_id() {
        let b = backlog(&[
            ("epics/closed.md", "---\ntitle: Closed\nstatus: done\n---\n"),
            ("tasks/a.md", "---\ntitle: A\nstatus: ready\n---\n"),
            ("tasks/b.md", "---\ntitle: B\nstatus: ready\ndepends_on: [a]\n---\n"),
            ("tasks/c.md", "---\ntitle: C\nstatus: backlog\ndepends_on: [b]\n---\n"),
            ("tasks/d.md", "---\ntitle: D\nstatus: ready\n---\n"),
            ("tasks/e.md", "---\ntitle: E\nstatus: in_progress\n---\n"),
            ("tasks/f.md", "---\ntitle: F\nstatus: done\n---\n"),
            ("tasks/g.md", "---\ntitle: G\nstatus: ready\ndepends_on: [f]\npriority: high\n---\n"),
            ("stories/h.md", "---\ntitle: H\nstatus: ready\nparent: closed\n---\n"),
        ]);
        let g = Graph::build(&b);
        let r = ready(&b, &g, &Filter::default());
        let got: Vec<(&str, usize)> = r.iter().map(|x| (b.items[x.node].id(), x.unblocks)).collect();
        // g: high priority; a unblocks b and c (2); d unblocks nothing.
        assert_eq!(got, vec![("g", 0), ("a", 2), ("d", 0)]);
    }

    #[test]
    fn containers_with_open_children_are_not_ready() {
        // e has an open story; f's only children are done or cancelled; p
        // has only a document child. s1 (open, todo) is ready work itself.
        let b = backlog(&[
            ("epics/e.md", "---\ntitle: E\nstatus: ready\n---\n"),
            ("stories/s1.md", "---\ntitle: S1\nstatus: backlog\nparent: e\n---\n"),
            ("features/f.md", "---\ntitle: F\nstatus: ready\n---\n"),
            ("stories/s2.md", "---\ntitle: S2\nstatus: done\nparent: f\n---\n"),
            ("stories/s3.md", "---\ntitle: S3\nstatus: cancelled\nparent: f\n---\n"),
            ("features/p.md", "---\ntitle: P\nstatus: ready\n---\n"),
            ("prds/d.md", "---\ntitle: D\nparent: p\n---\n"),
        ]);
        let g = Graph::build(&b);
        let got: Vec<&str> = ready(&b, &g, &Filter::default()).iter().map(|r| b.items[r.node].id()).collect();
        // s1 unblocks its epic (1), f and p nothing.
        assert_eq!(got, vec!["s1", "f", "p"]);
        assert!(!is_ready(&b, &g, b.index["e"]));
    }

    /// A chain longer than a thread's stack allows a recursive search
    /// through (the strongly connected components were found recursively
    /// and `ready` overflowed the stack on a 100,000-long chain).
    #[test]
    fn a_long_chain_does_not_overflow_the_stack() {
        let n = 30_000;
        let texts: Vec<(String, String)> = (0..n)
            .map(|k| {
                let dep = if k == 0 { String::new() } else { format!("depends_on: [c{}]\n", k - 1) };
                (format!("tasks/c{k}.md"), format!("---\ntitle: C{k}\nstatus: ready\n{dep}---\n"))
            })
            .collect();
        let files: Vec<(&str, &str)> = texts.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
        let b = backlog(&files);
        let g = Graph::build(&b);
        // Only the head is ready; everything after it waits on it.
        let got: Vec<(&str, usize)> =
            ready(&b, &g, &Filter::default()).iter().map(|r| (b.items[r.node].id(), r.unblocks)).collect();
        assert_eq!(got, vec![("c0", n - 1)]);
        assert!(g.cycles(&EdgeType::DependsOn).is_empty());
    }

    #[test]
    fn rank_puts_open_before_done_then_priority_then_ready_order_then_id() {
        let b = backlog(&[
            ("tasks/a.md", "---\ntitle: A\nstatus: ready\npriority: high\n---\n"),
            ("tasks/b.md", "---\ntitle: B\nstatus: ready\npriority: high\ndepends_on: [c]\n---\n"),
            ("tasks/c.md", "---\ntitle: C\nstatus: ready\npriority: low\n---\n"),
            ("tasks/d.md", "---\ntitle: D\nstatus: done\npriority: highest\n---\n"),
            ("tasks/e.md", "---\ntitle: E\nstatus: ready\npriority: high\n---\n"),
            ("tasks/f.md", "---\ntitle: F\nstatus: ready\npriority: low\n---\n"),
        ]);
        let g = Graph::build(&b);
        let all: Vec<usize> = (0..b.items.len()).collect();
        let ids: Vec<&str> = rank(&b, &g, &all).iter().map(|&i| b.items[i].id()).collect();
        // High: a and e are ready (a before e by id); b waits on c, so it
        // comes after them. Low: c unblocks b, so it precedes f. Done last.
        assert_eq!(ids, ["a", "e", "b", "c", "f", "d"]);
    }

    #[test]
    fn the_rank_signature_follows_what_the_rank_reads_and_not_titles() {
        let files = |a: &str, b: &str| {
            vec![
                ("epics/e.md".to_string(), "---\ntitle: E\nstatus: ready\n---\n".to_string()),
                ("tasks/a.md".to_string(), format!("---\n{a}\n---\n")),
                ("tasks/b.md".to_string(), format!("---\n{b}\n---\n")),
            ]
        };
        let sig = |a: &str, b: &str| {
            let f = files(a, b);
            let refs: Vec<(&str, &str)> = f.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
            let bl = backlog(&refs);
            let g = Graph::build(&bl);
            let items: Vec<usize> = (0..bl.items.len()).collect();
            (rank_sig(&bl, &g, &items), rank(&bl, &g, &items))
        };
        let base = sig("title: A\nstatus: ready", "title: B\nstatus: ready");
        assert_eq!(base, sig("title: A renamed\nstatus: ready", "title: B\nstatus: ready"), "a title");
        for (a, b, what) in [
            ("title: A\nstatus: done", "title: B\nstatus: ready", "a status"),
            ("title: A\nstatus: ready\npriority: high", "title: B\nstatus: ready", "a priority"),
            ("title: A\nstatus: ready", "title: B\nstatus: ready\ndepends_on: [a]", "a dependency"),
            ("title: A\nstatus: ready\nparent: e", "title: B\nstatus: ready", "a parent"),
        ] {
            let other = sig(a, b);
            assert_ne!(base.0, other.0, "{what} changes the signature");
        }
        // The ranks differ where the signatures do (the signature is not
        // merely different: the rank it keeps would be wrong).
        assert_ne!(
            base.1,
            sig("title: A\nstatus: ready", "title: B\nstatus: ready\npriority: high").1,
            "b's priority puts it first"
        );
    }
}
