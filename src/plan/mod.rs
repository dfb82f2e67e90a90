//! `cairn plan`: the deterministic sprint planner. It fills a sprint's
//! capacity with ready work and says why for every pick and every notable
//! skip (docs/plan.md has the rules in words):
//!
//! - **Candidates**: open work items in a `todo` status category that are
//!   in no sprint (or in one that ended before this one starts: carried
//!   over). Never a container (an item with open work children).
//! - **Order**: priority, then how many open items wait on it (`unblocks`),
//!   then due date (none last), then critical-path slack (none last), then id.
//! - **Dependencies**: an item is considered only once every dependency is
//!   done, already in the sprint, or picked before it (a list schedule: the
//!   best eligible item next, so a dependency chain is taken in order for
//!   as long as it fits). Items on a dependency cycle are never picked.
//! - **Capacity**: `--capacity N` (a team total), else the sprint's
//!   `capacity:`; per person when it names people (each item counts its
//!   estimate split equally among its assignees, and people's open work in
//!   other sprints overlapping this one counts against them). What is
//!   already in the sprint counts and is never removed. An item without an
//!   estimate is skipped (`unestimated`).
//!
//! Linear in the backlog apart from sorting (and the `unblocks` counts,
//! which `ready` shares). Same input, same plan, byte for byte.

pub mod fixes;
pub mod text;
mod types;

pub use types::*;

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};

use crate::config::{Category, Role};
use crate::graph::impact::{impact_within, Unblocks};
use crate::graph::schedule::Schedule;
use crate::graph::{EdgeType, Graph};
use crate::load::{sprints, Backlog};

/// Amounts within this of each other are equal (estimates are decimals).
const EPS: f64 = 1e-9;
/// How many of the items a pick unblocks its reason names.
const NAMED: usize = 3;
/// The `capacity:` key that is the team's, not a person's.
pub const TEAM: &str = "team";

/// What the planner is asked.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// A team total overriding the sprint's `capacity:`.
    pub capacity: Option<f64>,
}

/// Why a sprint cannot be planned (the command exits 2).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum PlanError {
    #[error("no sprint `{id}`{hint}")]
    UnknownSprint { id: String, hint: String },
    #[error("`{id}` is {kind_a} item, not a sprint{hint}")]
    NotASprint { id: String, kind_a: String, hint: String },
    #[error("sprint `{id}` has no {missing}: add {example} to {path}")]
    NoDates { id: String, missing: String, example: String, path: String },
    #[error("sprint `{id}` has no capacity: add `capacity: {{ ana: 8, ben: 10 }}` (points per person) or `capacity: 20` (for the team) to {path}, or pass --capacity N")]
    NoCapacity { id: String, path: String },
    #[error("--capacity must be a number of points, 0 or more (got {0})")]
    BadCapacity(String),
}

/// Finds the sprint item `id`.
fn find_sprint(b: &Backlog, id: &str) -> Result<usize, PlanError> {
    let is_sprint = |k: &str| b.config.kind(k).is_some_and(|k| k.role == Role::Sprint);
    let sprint_ids = || b.items.iter().filter(|i| is_sprint(i.kind())).map(|i| i.id());
    match b.index.get(id) {
        Some(&i) if is_sprint(b.items[i].kind()) => Ok(i),
        Some(&i) => Err(PlanError::NotASprint {
            id: id.into(),
            kind_a: crate::util::text::a(b.items[i].kind()),
            hint: crate::util::suggest::hint(id, sprint_ids().filter(|s| *s != id)),
        }),
        None => Err(PlanError::UnknownSprint { id: id.into(), hint: crate::util::suggest::hint(id, sprint_ids()) }),
    }
}

/// Capacity bookkeeping while planning.
struct Ledger {
    mode: Mode,
    pool: f64,
    used: f64,
    /// Per-person mode: name → (capacity, used: elsewhere + already + planned).
    people: BTreeMap<String, (f64, f64)>,
}

impl Ledger {
    fn left(&self) -> f64 {
        self.pool - self.used
    }

    fn person_left(&self, name: &str) -> Option<f64> {
        self.people.get(name).map(|(c, u)| c - u)
    }

    /// Counts `e` points of an item with these assignees.
    fn charge(&mut self, e: f64, assignee: &[String]) {
        self.used += e;
        if self.mode == Mode::PerPerson && !assignee.is_empty() {
            let share = e / assignee.len() as f64;
            for a in assignee {
                if let Some((_, u)) = self.people.get_mut(a) {
                    *u += share;
                }
            }
        }
    }

    /// Why `e` points for these assignees do not fit, if they do not.
    fn misfit(&self, e: f64, assignee: &[String]) -> Option<String> {
        // A person's limit first: it says more than the team's.
        if self.mode == Mode::PerPerson && !assignee.is_empty() {
            let share = e / assignee.len() as f64;
            for a in assignee {
                let left = self.person_left(a).unwrap_or(0.0);
                if share > left + EPS {
                    let what = if assignee.len() > 1 {
                        format!("its {} pts for {a}", fmt_pts(share))
                    } else {
                        format!("{} pts", fmt_pts(e))
                    };
                    return Some(format!("{what} does not fit the {} left for {a}", fmt_pts(left.max(0.0))));
                }
            }
        }
        if e > self.left() + EPS {
            let whose = if self.mode == Mode::PerPerson { " for the team" } else { "" };
            return Some(format!("{} pts does not fit the {} left{whose}", fmt_pts(e), fmt_pts(self.left().max(0.0))));
        }
        None
    }
}

/// A skip's code, reason and evidence.
type Why = (SkipCode, String, Vec<String>);

/// The distinct targets (dependencies) or sources (dependents) of `i`.
fn distinct(mut v: Vec<usize>) -> Vec<usize> {
    v.sort_unstable();
    v.dedup();
    v
}

/// Plans sprint `sprint`: see the module docs.
pub fn plan_sprint(b: &Backlog, g: &Graph, sprint: &str, opts: &Options) -> Result<Plan, PlanError> {
    let si = find_sprint(b, sprint)?;
    let s = &b.items[si];
    let (start, end) = match (&s.start, &s.end) {
        (Some(st), Some(en)) => (st.value, en.value.max(st.value)),
        (st, _) => {
            let missing = if st.is_some() {
                "end date"
            } else if s.end.is_some() {
                "start date"
            } else {
                "dates"
            };
            let example = match (st.is_some(), s.end.is_some()) {
                (true, _) => "`end: YYYY-MM-DD`",
                (false, true) => "`start: YYYY-MM-DD`",
                _ => "`start: YYYY-MM-DD` and `end: YYYY-MM-DD`",
            };
            return Err(PlanError::NoDates {
                id: sprint.into(),
                missing: missing.into(),
                example: example.into(),
                path: s.path.clone(),
            });
        }
    };
    if let Some(c) = opts.capacity {
        if !c.is_finite() || !(0.0..crate::model::NUMBER_LIMIT).contains(&c) {
            return Err(PlanError::BadCapacity(c.to_string()));
        }
    }
    if opts.capacity.is_none() && s.capacity.is_empty() {
        return Err(PlanError::NoCapacity { id: sprint.into(), path: s.path.clone() });
    }
    let mode =
        if opts.capacity.is_some() || s.capacity.keys().all(|k| k == TEAM) { Mode::Total } else { Mode::PerPerson };
    let total = opts.capacity.unwrap_or_else(|| s.capacity.values().sum());
    let n = b.items.len();
    let first = |i: usize| b.index.get(b.items[i].id()) == Some(&i);
    let work: Vec<bool> = (0..n).map(|i| first(i) && b.config.is_work(b.items[i].kind())).collect();
    let done: Vec<bool> = (0..n).map(|i| b.is_done(&b.items[i])).collect();
    let sprint_of = |i: usize| b.items[i].sprint.as_ref().map(|x| x.value.as_str());
    let member: Vec<bool> = (0..n).map(|i| work[i] && sprint_of(i) == Some(sprint)).collect();

    let mut ledger = Ledger { mode, pool: total, used: 0.0, people: BTreeMap::new() };
    let mut elsewhere: BTreeMap<String, BTreeMap<String, (f64, Vec<String>)>> = BTreeMap::new();
    let dated: HashMap<String, (chrono::NaiveDate, chrono::NaiveDate)> =
        sprints::sprints(b).into_iter().map(|x| (x.id, (x.start, x.end))).collect();
    if mode == Mode::PerPerson {
        for (name, c) in s.capacity.iter().filter(|(k, _)| *k != TEAM) {
            ledger.people.insert(name.clone(), (*c, 0.0));
        }
        // Open, assigned, estimated work in other sprints overlapping this one.
        for i in (0..n).filter(|&i| work[i] && !done[i] && !member[i]) {
            let it = &b.items[i];
            let (Some(t), Some(e)) = (sprint_of(i), it.estimate) else { continue };
            let overlaps = dated.get(t).is_some_and(|&(ts, te)| ts <= end && te >= start);
            if !overlaps || it.assignee.is_empty() {
                continue;
            }
            let share = e / it.assignee.len() as f64;
            for a in it.assignee.iter().filter(|a| ledger.people.contains_key(*a)) {
                let c = elsewhere.entry(a.clone()).or_default().entry(t.to_string()).or_default();
                c.0 += share;
                c.1.push(it.id().to_string());
            }
        }
        for (a, by) in &elsewhere {
            let sum: f64 = by.values().map(|c| c.0).sum();
            if let Some((_, u)) = ledger.people.get_mut(a) {
                *u += sum;
            }
            ledger.pool -= sum;
        }
    }
    let committed_elsewhere = total - ledger.pool;
    let mut notes = Vec::new();
    let mut already = Vec::new();
    let mut unestimated_members = Vec::new();
    for i in (0..n).filter(|&i| member[i]) {
        let it = &b.items[i];
        if it.estimate.is_none() && !done[i] {
            unestimated_members.push(it.id().to_string());
        }
        ledger.charge(it.estimate.unwrap_or(0.0), &it.assignee);
        already.push(Member {
            id: it.id().into(),
            title: it.title.value.clone(),
            status: it.status().map(str::to_string),
            estimate: it.estimate,
            assignee: it.assignee.clone(),
        });
    }
    let already_pts = ledger.used;
    if !unestimated_members.is_empty() {
        notes.push(format!(
            "{} already in the sprint without an estimate count as 0: {}",
            crate::util::text::count(unestimated_members.len(), "item"),
            unestimated_members.join(", ")
        ));
    }
    if ledger.left() < -EPS {
        notes.push(format!("the sprint is over capacity by {} pts before planning", fmt_pts(-ledger.left())));
    }

    // Cycles: reported, and the items on them never picked.
    let cycles: Vec<Vec<usize>> = g
        .cycles(&EdgeType::DependsOn)
        .into_iter()
        .map(|edges| {
            let mut nodes: Vec<usize> = edges.iter().map(|&e| g.edges[e].from).collect();
            if let Some(&f) = nodes.first() {
                nodes.push(f);
            }
            nodes
        })
        .collect();
    let mut on_cycle: HashMap<usize, usize> = HashMap::new();
    for (k, c) in cycles.iter().enumerate() {
        for &x in c {
            on_cycle.entry(x).or_insert(k);
        }
    }
    let id_of = |i: usize| b.items[i].id().to_string();
    let cycle_ids: Vec<Vec<String>> = cycles.iter().map(|c| c.iter().map(|&x| id_of(x)).collect()).collect();

    let mut plan = Plan {
        sprint: SprintInfo {
            id: sprint.into(),
            title: s.title.value.clone(),
            path: s.path.clone(),
            start: start.to_string(),
            end: end.to_string(),
            goal: s.goal.clone(),
        },
        mode,
        capacity: Capacity {
            total,
            committed_elsewhere,
            already: already_pts,
            planned: 0.0,
            left: 0.0,
            people: Vec::new(),
        },
        already,
        picked: Vec::new(),
        skipped: Vec::new(),
        cycles: cycle_ids.clone(),
        notes,
    };
    if total <= EPS {
        plan.notes.push(format!("the capacity of {sprint} is 0: nothing can be planned"));
        finish(&mut plan, &ledger, &elsewhere);
        return Ok(plan);
    }
    if ledger.left() <= EPS {
        // Full already: every candidate would be "does not fit the 0 left".
        plan.notes.push(format!(
            "no points left in {sprint} ({} of {} taken before planning): nothing can be planned",
            fmt_pts(ledger.used + committed_elsewhere),
            fmt_pts(total)
        ));
        finish(&mut plan, &ledger, &elsewhere);
        return Ok(plan);
    }

    // Candidates.
    let carried = |t: &str| t != sprint && dated.get(t).is_some_and(|&(_, te)| te < start);
    let candidate: Vec<bool> = (0..n)
        .map(|i| {
            work[i] && !done[i] && b.category(&b.items[i]) == Some(Category::Todo) && sprint_of(i).is_none_or(&carried)
        })
        .collect();
    let mut skip: HashMap<usize, Why> = HashMap::new();
    let mut eligible: Vec<usize> = Vec::new();
    for i in (0..n).filter(|&i| candidate[i]) {
        let it = &b.items[i];
        let kids: Vec<usize> = g
            .sources(i, &EdgeType::Parent)
            .filter(|&c| c != i && b.config.is_work(b.items[c].kind()) && !done[c])
            .collect();
        let parent_done = g.parent(i).filter(|&p| done[p]);
        let r = if !kids.is_empty() {
            let ids: Vec<String> = distinct(kids).into_iter().map(id_of).collect();
            Some((
                SkipCode::Container,
                format!(
                    "a container with {} open {}: {}",
                    ids.len(),
                    if ids.len() == 1 { "child" } else { "children" },
                    list(&ids)
                ),
                ids,
            ))
        } else if let Some(p) = parent_done {
            Some((SkipCode::ParentDone, format!("its parent {} is done", id_of(p)), vec![id_of(p)]))
        } else if let Some(&k) = on_cycle.get(&i) {
            Some((
                SkipCode::Cycle,
                format!("on a dependency cycle: {}", cycle_ids[k].join(" → ")),
                cycle_ids[k].clone(),
            ))
        } else if it.estimate.is_none() {
            Some((SkipCode::Unestimated, "unestimated: add `estimate:` to plan it".to_string(), Vec::new()))
        } else if let Some(a) =
            (mode == Mode::PerPerson).then(|| it.assignee.iter().find(|a| !ledger.people.contains_key(*a))).flatten()
        {
            let names: Vec<&str> = ledger.people.keys().map(String::as_str).collect();
            Some((
                SkipCode::NoCapacity,
                format!("{a} has no capacity in {sprint} (it lists {})", names.join(", ")),
                Vec::new(),
            ))
        } else {
            None
        };
        match r {
            Some(r) => {
                skip.insert(i, r);
            }
            None => eligible.push(i),
        }
    }

    // Ranking: priority, unblocks, due, slack, id (index order is id order).
    let schedule = Schedule::compute(b, g);
    let mut unblocks = Unblocks::new(g, n);
    let mut key: HashMap<usize, usize> = HashMap::with_capacity(eligible.len());
    let mut ranked: Vec<(usize, usize)> = eligible.iter().map(|&i| (i, unblocks.count(b, g, i))).collect();
    for &(i, u) in &ranked {
        key.insert(i, u);
    }
    let slack = |i: usize| schedule.get(i).map(|t| t.slack);
    ranked.sort_by(|&(x, ux), &(y, uy)| {
        let (a, c) = (&b.items[x], &b.items[y]);
        a.priority_rank()
            .cmp(&c.priority_rank())
            .then_with(|| uy.cmp(&ux))
            .then_with(|| match (&a.due, &c.due) {
                (Some(p), Some(q)) => p.value.cmp(&q.value),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            })
            .then_with(|| match (slack(x), slack(y)) {
                (Some(p), Some(q)) => p.total_cmp(&q),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            })
            .then_with(|| x.cmp(&y))
    });
    let rank: HashMap<usize, usize> = ranked.iter().enumerate().map(|(r, &(i, _))| (i, r)).collect();

    // Dependencies still to be planned, per eligible item.
    let mut pending: HashMap<usize, usize> = HashMap::with_capacity(eligible.len());
    let mut heap: BinaryHeap<Reverse<(usize, usize)>> = BinaryHeap::new();
    for &i in &eligible {
        let p = distinct(g.targets(i, &EdgeType::DependsOn).collect())
            .into_iter()
            .filter(|&d| !done[d] && !member[d])
            .count();
        pending.insert(i, p);
        if p == 0 {
            heap.push(Reverse((rank[&i], i)));
        }
    }
    let mut picked_set: Vec<bool> = vec![false; n];
    while let Some(Reverse((_, i))) = heap.pop() {
        let it = &b.items[i];
        let e = it.estimate.unwrap_or(0.0);
        if let Some(why) = ledger.misfit(e, &it.assignee) {
            skip.insert(i, (SkipCode::DoesNotFit, why, Vec::new()));
            continue;
        }
        ledger.charge(e, &it.assignee);
        picked_set[i] = true;
        plan.picked.push(pick(b, g, i, key[&i], slack(i), &ledger));
        for w in distinct(g.sources(i, &EdgeType::DependsOn).collect()) {
            if let Some(p) = pending.get_mut(&w) {
                *p -= 1;
                if *p == 0 {
                    heap.push(Reverse((rank[&w], w)));
                }
            }
        }
    }
    // What is left waits on a dependency that is not done and not planned.
    let mut blocked: Vec<(usize, usize)> = Vec::new();
    for &i in &eligible {
        if picked_set[i] || skip.contains_key(&i) {
            continue;
        }
        let dep = distinct(g.targets(i, &EdgeType::DependsOn).collect())
            .into_iter()
            .find(|&d| !done[d] && !member[d] && !picked_set[d]);
        if let Some(d) = dep {
            blocked.push((i, d));
        }
    }
    for (i, d) in blocked {
        let state = match skip.get(&d) {
            Some((_, why, _)) => format!(" ({} is skipped: {why})", id_of(d)),
            None => match (sprint_of(d), b.items[d].status()) {
                (Some(t), _) if t != sprint => format!(" (it is in sprint {t})"),
                (_, Some(st)) => format!(" (its status is {st})"),
                _ => String::new(),
            },
        };
        let why = format!("depends on {} which is not done and not planned{state}", id_of(d));
        skip.insert(i, (SkipCode::Blocked, why, vec![id_of(d)]));
    }
    let mut skips: Vec<(usize, Why)> = skip.into_iter().collect();
    skips.sort_by_key(|(i, r)| (r.0, *i));
    plan.skipped = skips
        .into_iter()
        .map(|(i, (code, why, evidence))| Skip {
            id: id_of(i),
            title: b.items[i].title.value.clone(),
            code,
            reason: format!("skipped {}: {why}", id_of(i)),
            evidence,
        })
        .collect();
    finish(&mut plan, &ledger, &elsewhere);
    Ok(plan)
}

/// `a, b, c` or `a, b, c, … (N in all)`.
fn list(ids: &[String]) -> String {
    if ids.len() <= NAMED {
        ids.join(", ")
    } else {
        format!("{}, … ({} in all)", ids[..NAMED].join(", "), ids.len())
    }
}

/// A pick with its reason.
fn pick(b: &Backlog, g: &Graph, i: usize, unblocks: usize, slack: Option<f64>, ledger: &Ledger) -> Pick {
    let it = &b.items[i];
    let e = it.estimate.unwrap_or(0.0);
    let unblocks_ids: Vec<String> = if unblocks == 0 {
        Vec::new()
    } else {
        impact_within(b, g, i, 64).delayed.iter().take(NAMED).map(|d| b.items[d.node].id().to_string()).collect()
    };
    let mut parts = vec![format!("priority {}", it.priority())];
    if unblocks > 0 {
        let more = if unblocks > unblocks_ids.len() { ", …" } else { "" };
        parts.push(format!("unblocks {unblocks} ({}{more})", unblocks_ids.join(", ")));
    }
    if let Some(d) = &it.due {
        parts.push(format!("due {}", d.value));
    }
    if let Some(s) = slack {
        parts.push(format!("slack {} days", fmt_pts(s)));
    }
    parts.push(format!("{} pts", fmt_pts(e)));
    let mut left_for = BTreeMap::new();
    if ledger.mode == Mode::PerPerson && !it.assignee.is_empty() {
        for a in &it.assignee {
            if let Some(&(c, u)) = ledger.people.get(a) {
                left_for.insert(a.clone(), c - u);
                parts.push(format!("{} of {} left for {a}", fmt_pts(c - u), fmt_pts(c)));
            }
        }
    } else {
        let whose = if ledger.mode == Mode::PerPerson { " for the team" } else { "" };
        parts.push(format!("{} of {} left{whose}", fmt_pts(ledger.left()), fmt_pts(ledger.pool)));
    }
    Pick {
        id: it.id().into(),
        title: it.title.value.clone(),
        path: it.path.clone(),
        kind: it.kind().into(),
        priority: it.priority().into(),
        estimate: e,
        assignee: it.assignee.clone(),
        unblocks,
        unblocks_ids,
        due: it.due.as_ref().map(|d| d.value.to_string()),
        slack,
        left: ledger.left(),
        left_for,
        reason: format!("picked {}: {}", it.id(), parts.join(", ")),
    }
}

/// Fills in the capacity summary.
fn finish(plan: &mut Plan, ledger: &Ledger, elsewhere: &BTreeMap<String, BTreeMap<String, (f64, Vec<String>)>>) {
    plan.capacity.planned = plan.picked.iter().map(|p| p.estimate).sum();
    plan.capacity.left = ledger.left();
    // Each person's share of what was in the sprint and of the picks (one pass).
    let mut shares: HashMap<&str, (f64, f64)> = HashMap::new();
    let already = plan.already.iter().map(|m| (&m.assignee, m.estimate.unwrap_or(0.0), true));
    for (assignee, e, before) in already.chain(plan.picked.iter().map(|p| (&p.assignee, p.estimate, false))) {
        for a in assignee {
            let s = shares.entry(a.as_str()).or_default();
            let share = e / assignee.len() as f64;
            if before {
                s.0 += share;
            } else {
                s.1 += share;
            }
        }
    }
    plan.capacity.people = ledger
        .people
        .iter()
        .map(|(name, &(cap, used))| {
            let by = elsewhere.get(name);
            let elsewhere: Vec<Commitment> = by
                .map(|m| {
                    m.iter()
                        .map(|(t, (p, items))| Commitment { sprint: t.clone(), points: *p, items: items.clone() })
                        .collect()
                })
                .unwrap_or_default();
            let committed: f64 = elsewhere.iter().map(|c| c.points).sum();
            let (already, planned) = shares.get(name.as_str()).copied().unwrap_or((0.0, 0.0));
            Person {
                name: name.clone(),
                capacity: cap,
                committed_elsewhere: committed,
                elsewhere,
                already,
                planned,
                left: cap - used,
            }
        })
        .collect();
}

#[cfg(test)]
mod tests;
