//! The schedule: a forward and backward pass over the work graph (critical
//! path method) giving every open work item its earliest and latest start
//! and finish, its total slack, and whether it is critical.
//!
//! The model (documented for users in `docs/schedule.md`):
//!
//! - Times are days as floats from the project start (day 0). The project
//!   start date is `schedule.start` in `cairn.yml`, else the earliest `start`
//!   of a non-sprint item, else the earliest sprint start, else unknown (then
//!   only offsets are reported and `due` dates cannot be placed).
//! - Only open work items are scheduled: items of a kind with the `work`
//!   role whose status is not in the `done` category. Done (and cancelled)
//!   items count as finished: they take no time and constrain nothing.
//! - Duration: `duration`, else `estimate / schedule.points_per_day`, else 0.
//!   A parent with work-item children spans them and its own duration is
//!   not used: ES(parent) = min ES(child), EF(parent) = max EF(child).
//! - `A depends_on B` with lag L: ES(A) ≥ EF(B) + L. A parent's
//!   dependencies and `start` bind every descendant (a child starts no
//!   earlier than its parent may).
//! - `start`: ES ≥ offset of the start date. Every ES ≥ 0.
//! - Backward pass: LF ≤ the end of the `due` day, and ≤ the project end
//!   (the largest EF). A child finishes no later than its parent must.
//! - Total slack = LS − ES (for a parent: LF − EF); critical = slack ≤ 1e-9.
//! - Dependency edges inside a cycle are ignored (check reports the cycle);
//!   anything still cyclic is left unscheduled.

use chrono::NaiveDate;

use super::{EdgeType, Graph};
use crate::load::view::View;
use crate::load::Backlog;

/// Slack at or below this counts as zero.
pub const EPSILON: f64 = 1e-9;

/// The schedule of one item, in days from the project start.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Times {
    pub duration: f64,
    pub es: f64,
    pub ef: f64,
    pub ls: f64,
    pub lf: f64,
    pub slack: f64,
    pub critical: bool,
}

/// A critical path: the chain of items whose durations and lags determine
/// when `target` can finish at the earliest, first item first.
#[derive(Clone, Debug, PartialEq)]
pub struct CriticalPath {
    pub target: usize,
    pub path: Vec<usize>,
}

/// The result of scheduling a backlog.
#[derive(Clone, Debug, Default)]
pub struct Schedule {
    /// The calendar date of day 0, when known.
    pub start: Option<NaiveDate>,
    /// The project end: the largest early finish.
    pub end: f64,
    /// Per item (index of `backlog.items`): its times, or `None` when it is
    /// not scheduled (done, not a work item, duplicate id, or cyclic).
    pub items: Vec<Option<Times>>,
    /// Items with a dependency that was ignored because it closes a cycle.
    pub cyclic: Vec<usize>,
    /// Event-graph edges, for tracing critical paths: (from, to, weight).
    edges: Vec<(usize, usize, f64)>,
    early: Vec<f64>,
    /// Items that span their children.
    summary: Vec<bool>,
}

/// How an event-graph edge arose (cycle breaking drops dependencies first).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Duration,
    Structure,
    Dependency,
}

fn s(i: usize) -> usize {
    2 * i
}
fn f(i: usize) -> usize {
    2 * i + 1
}

/// The project start date (see the module docs).
pub fn project_start(b: &Backlog) -> Option<NaiveDate> {
    project_start_in(b)
}

/// [`project_start`] over any [`View`] of the items.
pub fn project_start_in(v: &(impl View + ?Sized)) -> Option<NaiveDate> {
    if let Some(d) = v.config().schedule.start.as_deref().and_then(crate::util::time::parse_date) {
        return Some(d);
    }
    let items = (0..v.len()).filter(|&i| !v.is_sprint(i)).filter_map(|i| v.start(i));
    if let Some(d) = items.min() {
        return Some(d);
    }
    (0..v.len()).filter(|&i| v.is_sprint(i)).filter_map(|i| v.start(i)).min()
}

impl Schedule {
    /// Schedules every open work item of the backlog.
    pub fn compute(b: &Backlog, g: &Graph) -> Schedule {
        Schedule::compute_in(b, g)
    }

    /// [`Schedule::compute`] over any [`View`] of the items (a backlog, or
    /// the columns of the query index).
    pub fn compute_in(v: &(impl View + ?Sized), g: &Graph) -> Schedule {
        let n = v.len();
        let start = project_start_in(v);
        let ppd = v.config().schedule.points_per_day;
        // Items are sorted by id, so only the first of equal ids is a node.
        let work: Vec<bool> = (0..n).map(|i| v.is_work(i) && (i == 0 || v.id(i - 1) != v.id(i))).collect();
        let open: Vec<bool> = (0..n).map(|i| work[i] && !v.is_done(i)).collect();
        // A summary has work-item children (open or done) and spans them.
        let summary: Vec<bool> =
            (0..n).map(|i| open[i] && g.sources(i, &EdgeType::Parent).any(|c| c != i && work[c])).collect();
        let duration = |i: usize| -> f64 {
            if summary[i] {
                return 0.0;
            }
            let d =
                v.duration(i).or_else(|| v.estimate(i).map(|e| if ppd > 0.0 { e / ppd } else { 0.0 })).unwrap_or(0.0);
            if d.is_finite() && d > 0.0 {
                d
            } else {
                0.0
            }
        };
        let offset = |d: NaiveDate| start.map(|s0| (d - s0).num_days() as f64);

        // The event graph: S(i) = 2i, F(i) = 2i + 1; value(to) ≥ value(from) + w.
        let mut edges: Vec<(usize, usize, f64, Kind)> = Vec::with_capacity(3 * n);
        for i in (0..n).filter(|&i| open[i]) {
            edges.push((s(i), f(i), duration(i), Kind::Duration));
            if let Some(p) = g.parent(i).filter(|&p| p != i && open[p]) {
                edges.push((s(p), s(i), 0.0, Kind::Structure));
                edges.push((f(i), f(p), 0.0, Kind::Structure));
            }
            for &e in &g.out[i] {
                let e = &g.edges[e];
                if e.ty == EdgeType::DependsOn && open[e.to] && e.to != i {
                    let lag = e.lag.filter(|l| l.is_finite() && *l >= 0.0).unwrap_or(0.0);
                    edges.push((f(e.to), s(i), lag, Kind::Dependency));
                }
            }
        }
        let mut sched = Schedule { start, items: vec![None; n], ..Default::default() };
        let nodes = 2 * n;
        let mut cyclic = vec![false; n];
        let mut order = topo_order(nodes, &edges);
        for drop in [Kind::Dependency, Kind::Structure] {
            if order.len() == count_active(&open) * 2 {
                break;
            }
            // Drop edges of this kind inside a strongly connected component
            // (of the nodes Kahn could not order).
            let mut unplaced = vec![true; nodes];
            for &u in &order {
                unplaced[u] = false;
            }
            let comp = components(nodes, &edges, &unplaced);
            edges.retain(|&(u, v, _, k)| {
                let inside = comp[u] == comp[v] && comp[u] != usize::MAX;
                if inside && (k == drop || (drop == Kind::Structure && k != Kind::Duration)) {
                    cyclic[u / 2] = true;
                    cyclic[v / 2] = true;
                    false
                } else {
                    true
                }
            });
            order = topo_order(nodes, &edges);
        }
        let mut placed = vec![false; nodes];
        for &u in &order {
            placed[u] = true;
        }

        // Forward pass, over the edges in compressed rows by source.
        let mut row = vec![0usize; nodes + 1];
        for &(u, _, _, _) in &edges {
            row[u + 1] += 1;
        }
        for k in 0..nodes {
            row[k + 1] += row[k];
        }
        let mut fill = row.clone();
        let mut adj = vec![(0usize, 0f64); edges.len()];
        for &(u, v, w, _) in &edges {
            adj[fill[u]] = (v, w);
            fill[u] += 1;
        }
        let out_adj = |u: usize| &adj[row[u]..row[u + 1]];
        let mut early = vec![0.0f64; nodes];
        for i in (0..n).filter(|&i| open[i]) {
            if let Some(o) = v.start(i).and_then(offset) {
                early[s(i)] = early[s(i)].max(o);
            }
        }
        for &u in &order {
            let eu = early[u];
            for &(v, w) in out_adj(u) {
                if eu + w > early[v] {
                    early[v] = eu + w;
                }
            }
        }
        let end = (0..n).filter(|&i| open[i] && placed[f(i)]).map(|i| early[f(i)]).fold(0.0, f64::max);

        // Backward pass.
        let mut late = vec![end; nodes];
        for i in (0..n).filter(|&i| open[i]) {
            if let Some(o) = v.due(i).and_then(offset) {
                late[f(i)] = late[f(i)].min(o + 1.0);
            }
        }
        for &u in order.iter().rev() {
            for &(v, w) in out_adj(u) {
                if late[v] - w < late[u] {
                    late[u] = late[v] - w;
                }
            }
        }

        // Report: parents span their children (children come after their
        // parent's start event in `order`, so walk it backwards).
        let mut es: Vec<Option<f64>> = vec![None; n];
        for &u in order.iter().rev() {
            if u % 2 != 0 {
                continue;
            }
            let i = u / 2;
            if !open[i] || !placed[f(i)] {
                continue;
            }
            let own = early[u];
            let v = if summary[i] {
                g.sources(i, &EdgeType::Parent)
                    .filter(|&c| c != i && open[c])
                    .filter_map(|c| es[c])
                    .min_by(|a, b| a.total_cmp(b))
                    .unwrap_or(own)
            } else {
                own
            };
            es[i] = Some(v);
        }
        for i in 0..n {
            let Some(es_i) = es[i] else { continue };
            let (ef, ls, lf) = (early[f(i)], late[s(i)], late[f(i)]);
            let slack = if summary[i] { lf - ef } else { ls - early[s(i)] };
            sched.items[i] = Some(Times {
                duration: if summary[i] { ef - es_i } else { duration(i) },
                es: es_i,
                ef,
                ls: if summary[i] { ls.min(lf) } else { ls },
                lf,
                slack,
                critical: slack <= EPSILON,
            });
        }
        sched.end = end;
        sched.cyclic = (0..n).filter(|&i| cyclic[i]).collect();
        sched.edges = edges.iter().map(|&(u, v, w, _)| (u, v, w)).collect();
        sched.early = early;
        sched.summary = summary;
        sched
    }

    pub fn get(&self, i: usize) -> Option<&Times> {
        self.items.get(i).and_then(|t| t.as_ref())
    }

    /// The calendar date of a day offset (`start + ⌊days + 1e-9⌋`: ten
    /// 0.1-day items end on day 1, though 0.1 summed ten times is
    /// 0.9999999999999999), when the project start is known.
    pub fn date(&self, days: f64) -> Option<NaiveDate> {
        let s0 = self.start?;
        if !days.is_finite() || days.abs() > 1e6 {
            return None;
        }
        s0.checked_add_signed(chrono::Duration::days(day_of(days)))
    }

    /// The calendar date on which work spanning `start..finish` (offsets)
    /// ends: the day before `finish` for work that takes time (a 3-day task
    /// from day 0 ends on day 2), else the day of `finish`.
    pub fn finish_date(&self, start: f64, finish: f64) -> Option<NaiveDate> {
        if finish > start + EPSILON {
            // ⌈finish − 1e-9⌉ − 1: a finish of 3.0000000000000004 is day 3.
            self.date((finish - EPSILON).ceil() - 1.0)
        } else {
            self.date(finish)
        }
    }

    /// The critical path toward `target`: walking back from its finish
    /// along the constraints that bind (no slack between them), choosing
    /// the smallest item index on ties, and listing the leaf items whose
    /// work lies on that chain, first item first, ending with `target`
    /// (a parent is listed only as the target). Empty when the target is
    /// not scheduled.
    pub fn critical_path(&self, target: usize) -> Vec<usize> {
        Tracer::new(self).path(target)
    }

    /// The critical paths toward each due date: one per scheduled item with
    /// a `due`, plus one toward the item that finishes last (the project
    /// end), sorted by target.
    pub fn critical_paths(&self, b: &Backlog) -> Vec<CriticalPath> {
        let mut targets: Vec<usize> =
            (0..self.items.len()).filter(|&i| self.items[i].is_some() && b.items[i].due.is_some()).collect();
        let last = (0..self.items.len())
            .filter_map(|i| self.items[i].map(|t| (i, t.ef)))
            .filter(|&(_, ef)| (ef - self.end).abs() <= 1e-6)
            .map(|(i, _)| i)
            .find(|&i| self.items[i].is_some_and(|t| t.ef > 0.0));
        targets.extend(last);
        targets.sort_unstable();
        targets.dedup();
        let mut tracer = Tracer::new(self);
        targets.into_iter().map(|t| CriticalPath { target: t, path: tracer.path(t) }).collect()
    }
}

/// Walks critical paths back ([`Schedule::critical_path`]) for many
/// targets: the event graph's incoming edges in one flat list, and the
/// step the walk takes from each event, found on the first visit (paths
/// toward many due dates share their tails: each step is chosen once).
struct Tracer<'s> {
    s: &'s Schedule,
    /// `preds[start[v]..start[v + 1]]`: the edges into event `v`, in the
    /// schedule's edge order.
    start: Vec<usize>,
    preds: Vec<(usize, f64)>,
    /// Per event: the predecessor the walk steps to; `UNKNOWN` until
    /// visited, `NONE` when no constraint binds.
    step: Vec<usize>,
    /// Per item: the walk that last put it on its path (no set per walk).
    seen: Vec<usize>,
    walk: usize,
}

impl<'s> Tracer<'s> {
    const UNKNOWN: usize = usize::MAX;
    const NONE: usize = usize::MAX - 1;

    fn new(s: &'s Schedule) -> Tracer<'s> {
        let n = s.early.len();
        let mut start = vec![0usize; n + 1];
        for &(_, v, _) in &s.edges {
            if v < n {
                start[v + 1] += 1;
            }
        }
        for k in 0..n {
            start[k + 1] += start[k];
        }
        let mut fill = start.clone();
        let mut preds = vec![(0usize, 0.0f64); start[n]];
        for &(u, v, w) in &s.edges {
            if v < n {
                preds[fill[v]] = (u, w);
                fill[v] += 1;
            }
        }
        Tracer { s, start, preds, step: vec![Self::UNKNOWN; n], seen: vec![usize::MAX; s.summary.len()], walk: 0 }
    }

    /// The predecessor of event `node` along a binding constraint (no
    /// slack), preferring a finish event (the chain of work) over a
    /// structural start, then the smallest index.
    fn step(&mut self, node: usize) -> Option<usize> {
        if self.step[node] == Self::UNKNOWN {
            let ev = self.s.early[node];
            let early = &self.s.early;
            let tight = self.preds[self.start[node]..self.start[node + 1]]
                .iter()
                .filter(|&&(u, w)| (early[u] + w - ev).abs() <= 1e-6)
                .min_by_key(|&&(u, _)| (u % 2 == 0, u / 2, u));
            self.step[node] = tight.map_or(Self::NONE, |&(u, _)| u);
        }
        Some(self.step[node]).filter(|&u| u != Self::NONE)
    }

    fn path(&mut self, target: usize) -> Vec<usize> {
        let s = self.s;
        if s.get(target).is_none() {
            return Vec::new();
        }
        self.walk += 1;
        // Leaves whose work lies on the path, collected from the target back.
        let mut path = Vec::new();
        let mut node = f(target);
        let mut steps = 0;
        while steps <= s.edges.len() && node < self.step.len() {
            steps += 1;
            let Some(u) = self.step(node) else { break };
            // Stepping from F(i) back to S(i) crosses i's own work.
            if node % 2 == 1 && u == node - 1 && !s.summary[u / 2] && self.seen[u / 2] != self.walk {
                self.seen[u / 2] = self.walk;
                path.push(u / 2);
            }
            node = u;
        }
        path.reverse();
        if path.last() != Some(&target) {
            path.push(target);
        }
        path
    }
}

/// The whole day a fractional day offset falls on, with the tolerance of
/// history.md's decisions: ⌊d + 1e-9⌋, so float noise just below a whole
/// day does not move a date to the day before.
pub fn day_of(days: f64) -> i64 {
    (days + EPSILON).floor() as i64
}

fn count_active(open: &[bool]) -> usize {
    open.iter().filter(|&&o| o).count()
}

/// Kahn's algorithm over the nodes that have an edge or are events of open
/// items; returns the nodes it could order (nodes on or after a cycle are
/// missing). Deterministic: a FIFO over node indices.
fn topo_order(nodes: usize, edges: &[(usize, usize, f64, Kind)]) -> Vec<usize> {
    let mut indeg = vec![0u32; nodes];
    let mut active = vec![false; nodes];
    let mut adj_start = vec![0usize; nodes + 1];
    for &(u, v, _, _) in edges {
        indeg[v] += 1;
        active[u] = true;
        active[v] = true;
        adj_start[u + 1] += 1;
    }
    for k in 0..nodes {
        adj_start[k + 1] += adj_start[k];
    }
    let mut fill = adj_start.clone();
    let mut adj = vec![0usize; edges.len()];
    for &(u, v, _, _) in edges {
        adj[fill[u]] = v;
        fill[u] += 1;
    }
    let mut queue: std::collections::VecDeque<usize> = (0..nodes).filter(|&u| active[u] && indeg[u] == 0).collect();
    let mut order = Vec::with_capacity(nodes);
    while let Some(u) = queue.pop_front() {
        order.push(u);
        for &v in &adj[adj_start[u]..adj_start[u + 1]] {
            indeg[v] -= 1;
            if indeg[v] == 0 {
                queue.push_back(v);
            }
        }
    }
    order
}

/// Strongly connected components among the nodes marked in `among`
/// (component id per node; `usize::MAX` for nodes in no cycle).
fn components(nodes: usize, edges: &[(usize, usize, f64, Kind)], among: &[bool]) -> Vec<usize> {
    use petgraph::graph::{DiGraph, NodeIndex};
    let mut local = vec![usize::MAX; nodes];
    let mut global = Vec::new();
    for u in 0..nodes {
        if among[u] {
            local[u] = global.len();
            global.push(u);
        }
    }
    let mut pg: DiGraph<(), ()> = DiGraph::with_capacity(global.len(), 0);
    for _ in 0..global.len() {
        pg.add_node(());
    }
    for &(u, v, _, _) in edges {
        if among[u] && among[v] {
            pg.add_edge(NodeIndex::new(local[u]), NodeIndex::new(local[v]), ());
        }
    }
    let mut comp = vec![usize::MAX; nodes];
    for (k, scc) in petgraph::algo::kosaraju_scc(&pg).into_iter().enumerate() {
        if scc.len() > 1 {
            for x in scc {
                comp[global[x.index()]] = k;
            }
        }
    }
    comp
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::impact::tests::backlog;

    fn times(b: &Backlog, s: &Schedule, id: &str) -> (f64, f64, f64, f64, f64) {
        let t = s.get(b.index[id]).unwrap_or_else(|| panic!("{id} is scheduled"));
        (t.es, t.ef, t.ls, t.lf, t.slack)
    }

    fn ids(b: &Backlog, v: &[usize]) -> Vec<String> {
        v.iter().map(|&i| b.items[i].id().to_string()).collect()
    }

    #[test]
    fn small_project_worked_by_hand() {
        // a(3) → b(2) → d(1); a → c(4, lag 1d) → d; e(2) alone.
        // Forward: a 0–3, b 3–5, c 4–8, d 8–9, e 0–2; end 9.
        // Backward: d 8–9; b LF 8 LS 6; c LF 8 LS 4; a LF min(6, 4−1) = 3;
        // e LF 9 LS 7. Slack: a 0, b 3, c 0, d 0, e 7.
        let b = backlog(&[
            ("tasks/a.md", "---\ntitle: A\nstatus: ready\nestimate: 3\n---\n"),
            ("tasks/b.md", "---\ntitle: B\nstatus: ready\nestimate: 2\ndepends_on: [a]\n---\n"),
            ("tasks/c.md", "---\ntitle: C\nstatus: ready\nestimate: 4\ndepends_on: [{ id: a, lag: 1d }]\n---\n"),
            ("tasks/d.md", "---\ntitle: D\nstatus: ready\nestimate: 1\ndepends_on: [b, c]\n---\n"),
            ("tasks/e.md", "---\ntitle: E\nstatus: ready\nestimate: 2\n---\n"),
        ]);
        let g = Graph::build(&b);
        let s = Schedule::compute(&b, &g);
        assert_eq!(s.end, 9.0);
        assert_eq!(times(&b, &s, "a"), (0.0, 3.0, 0.0, 3.0, 0.0));
        assert_eq!(times(&b, &s, "b"), (3.0, 5.0, 6.0, 8.0, 3.0));
        assert_eq!(times(&b, &s, "c"), (4.0, 8.0, 4.0, 8.0, 0.0));
        assert_eq!(times(&b, &s, "d"), (8.0, 9.0, 8.0, 9.0, 0.0));
        assert_eq!(times(&b, &s, "e"), (0.0, 2.0, 7.0, 9.0, 7.0));
        let critical: Vec<&str> =
            (0..b.items.len()).filter(|&i| s.get(i).is_some_and(|t| t.critical)).map(|i| b.items[i].id()).collect();
        assert_eq!(critical, vec!["a", "c", "d"]);
        assert_eq!(ids(&b, &s.critical_path(b.index["d"])), vec!["a", "c", "d"]);
        assert_eq!(s.start, None);
        assert_eq!(s.date(3.0), None);
    }

    #[test]
    fn duration_field_wins_over_estimate_and_points_per_day_converts() {
        let mut cfg = crate::config::Config::default();
        cfg.schedule.points_per_day = 2.0;
        let files = [
            ("tasks/a.md", "---\ntitle: A\nstatus: ready\nestimate: 8\n---\n"),
            ("tasks/b.md", "---\ntitle: B\nstatus: ready\nestimate: 8\nduration: 1d\ndepends_on: [a]\n---\n"),
        ];
        let items: Vec<_> = files.iter().filter_map(|(p, t)| crate::load::parse_item_text(t, p, &cfg).0).collect();
        let b = Backlog::from_items(".".into(), cfg, items, vec![], 2);
        let s = Schedule::compute(&b, &Graph::build(&b));
        // a: 8 points at 2 a day = 4 days; b: 1 day after a.
        assert_eq!(times(&b, &s, "a"), (0.0, 4.0, 0.0, 4.0, 0.0));
        assert_eq!(times(&b, &s, "b"), (4.0, 5.0, 4.0, 5.0, 0.0));
    }

    #[test]
    fn parents_span_children_and_due_dates_bound_the_backward_pass() {
        // f spans s1 (2 days from 2026-01-01 = day 0) and s2 (3, after s1):
        // f 0–5. x (1) depends on f: 5–6. x is due 2026-01-04, i.e. must
        // finish by the end of day 3 = 4. Backward: x LF 4 LS 3; f LF 3;
        // s2 LF 3 LS 0; s1 LF 0 LS −2. Every slack is −2: all critical.
        let b = backlog(&[
            ("features/f.md", "---\ntitle: F\nstatus: in_progress\n---\n"),
            ("stories/s1.md", "---\ntitle: S1\nstatus: ready\nparent: f\nestimate: 2\nstart: 2026-01-01\n---\n"),
            ("stories/s2.md", "---\ntitle: S2\nstatus: ready\nparent: f\nestimate: 3\ndepends_on: [s1]\n---\n"),
            ("stories/x.md", "---\ntitle: X\nstatus: ready\nestimate: 1\ndepends_on: [f]\ndue: 2026-01-04\n---\n"),
        ]);
        let g = Graph::build(&b);
        let s = Schedule::compute(&b, &g);
        assert_eq!(s.start, chrono::NaiveDate::from_ymd_opt(2026, 1, 1));
        assert_eq!(s.end, 6.0);
        assert_eq!(times(&b, &s, "s1"), (0.0, 2.0, -2.0, 0.0, -2.0));
        assert_eq!(times(&b, &s, "s2"), (2.0, 5.0, 0.0, 3.0, -2.0));
        assert_eq!(times(&b, &s, "f"), (0.0, 5.0, -2.0, 3.0, -2.0));
        assert_eq!(times(&b, &s, "x"), (5.0, 6.0, 3.0, 4.0, -2.0));
        assert!(s.get(b.index["f"]).is_some_and(|t| t.critical));
        assert_eq!(s.date(5.0), chrono::NaiveDate::from_ymd_opt(2026, 1, 6));
        let paths = s.critical_paths(&b);
        assert_eq!(paths.len(), 1);
        assert_eq!(ids(&b, &paths[0].path), vec!["s1", "s2", "x"]);
    }

    #[test]
    fn a_parents_dependency_and_start_bind_its_children() {
        // q (4) → p; c is p's child (1): c starts at 4, p spans 4–5.
        let b = backlog(&[
            ("tasks/q.md", "---\ntitle: Q\nstatus: ready\nestimate: 4\n---\n"),
            ("features/p.md", "---\ntitle: P\nstatus: ready\ndepends_on: [q]\n---\n"),
            ("stories/c.md", "---\ntitle: C\nstatus: ready\nparent: p\nestimate: 1\n---\n"),
        ]);
        let s = Schedule::compute(&b, &Graph::build(&b));
        assert_eq!(times(&b, &s, "c"), (4.0, 5.0, 4.0, 5.0, 0.0));
        assert_eq!(times(&b, &s, "p"), (4.0, 5.0, 4.0, 5.0, 0.0));
    }

    #[test]
    fn done_items_are_finished_and_unscheduled() {
        let b = backlog(&[
            ("tasks/a.md", "---\ntitle: A\nstatus: done\nestimate: 5\n---\n"),
            ("tasks/b.md", "---\ntitle: B\nstatus: ready\nestimate: 1\ndepends_on: [{ id: a, lag: 2d }]\n---\n"),
        ]);
        let s = Schedule::compute(&b, &Graph::build(&b));
        assert!(s.get(b.index["a"]).is_none());
        assert_eq!(times(&b, &s, "b"), (0.0, 1.0, 0.0, 1.0, 0.0));
    }

    #[test]
    fn parallel_branches_have_the_slack_of_the_shorter_branch() {
        // start → {long (5), short (2)} → join (1): short has 3 days of slack.
        let b = backlog(&[
            ("tasks/start.md", "---\ntitle: S\nstatus: ready\nestimate: 1\n---\n"),
            ("tasks/long.md", "---\ntitle: L\nstatus: ready\nestimate: 5\ndepends_on: [start]\n---\n"),
            ("tasks/short.md", "---\ntitle: Sh\nstatus: ready\nestimate: 2\ndepends_on: [start]\n---\n"),
            ("tasks/join.md", "---\ntitle: J\nstatus: ready\nestimate: 1\ndepends_on: [long, short]\n---\n"),
        ]);
        let s = Schedule::compute(&b, &Graph::build(&b));
        assert_eq!(times(&b, &s, "short"), (1.0, 3.0, 4.0, 6.0, 3.0));
        assert_eq!(times(&b, &s, "join"), (6.0, 7.0, 6.0, 7.0, 0.0));
        assert_eq!(ids(&b, &s.critical_path(b.index["join"])), vec!["start", "long", "join"]);
    }

    #[test]
    fn fractional_offsets_become_dates_with_a_tolerance() {
        // Ten 1-point items in a row at 10 points a day: 0.1 summed ten
        // times is 0.9999999999999999, yet the eleventh item starts on day 1
        // (2026-01-02), and the tenth finishes on day 0 (2026-01-01).
        let mut cfg = crate::config::Config::default();
        cfg.schedule.points_per_day = 10.0;
        cfg.schedule.start = Some("2026-01-01".into());
        let mut files: Vec<(String, String)> = Vec::new();
        for k in 0..11 {
            let dep = if k == 0 { String::new() } else { format!("depends_on: [t{:02}]\n", k - 1) };
            files.push((format!("tasks/t{k:02}.md"), format!("---\ntitle: T\nstatus: ready\nestimate: 1\n{dep}---\n")));
        }
        let items: Vec<_> = files.iter().filter_map(|(p, t)| crate::load::parse_item_text(t, p, &cfg).0).collect();
        let b = Backlog::from_items(".".into(), cfg, items, vec![], files.len());
        let s = Schedule::compute(&b, &Graph::build(&b));
        let last = s.get(b.index["t10"]).copied().unwrap();
        assert!(last.es < 1.0 && last.es > 1.0 - 1e-9, "float noise: {}", last.es);
        let d = |y, m, day| chrono::NaiveDate::from_ymd_opt(y, m, day);
        assert_eq!(s.date(last.es), d(2026, 1, 2));
        let tenth = s.get(b.index["t09"]).copied().unwrap();
        assert_eq!(s.finish_date(tenth.es, tenth.ef), d(2026, 1, 1));
        // Exactly whole days are unchanged; a finish a hair past a day is that day's end.
        assert_eq!(s.date(3.0), d(2026, 1, 4));
        assert_eq!(s.date(2.5), d(2026, 1, 3));
        assert_eq!(s.finish_date(0.0, 3.0 + 1e-12), d(2026, 1, 3));
        assert_eq!(day_of(-0.5), -1);
    }

    #[test]
    fn cycles_are_broken_without_hanging() {
        let b = backlog(&[
            ("tasks/a.md", "---\ntitle: A\nstatus: ready\nestimate: 1\ndepends_on: [b]\n---\n"),
            ("tasks/b.md", "---\ntitle: B\nstatus: ready\nestimate: 1\ndepends_on: [a]\n---\n"),
            ("tasks/c.md", "---\ntitle: C\nstatus: ready\nestimate: 1\ndepends_on: [a]\n---\n"),
            ("features/f.md", "---\ntitle: F\nstatus: ready\n---\n"),
            ("stories/s.md", "---\ntitle: S\nstatus: ready\nparent: f\ndepends_on: [f]\nestimate: 2\n---\n"),
        ]);
        let s = Schedule::compute(&b, &Graph::build(&b));
        assert_eq!(ids(&b, &s.cyclic), vec!["a", "b", "f", "s"]);
        // Both dependencies of the a–b cycle are dropped; c still follows a.
        assert_eq!(times(&b, &s, "c"), (1.0, 2.0, 1.0, 2.0, 0.0));
        assert_eq!(times(&b, &s, "s"), (0.0, 2.0, 0.0, 2.0, 0.0));
        assert_eq!(times(&b, &s, "f"), (0.0, 2.0, 0.0, 2.0, 0.0));
    }
}
