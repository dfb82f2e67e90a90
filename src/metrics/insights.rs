//! Insights: deterministic risk rules (`history.md`, "Insights"), each
//! finding naming its items and why.
//!
//! State-based rules (need no history): blocked work (an item in a `doing`
//! status whose `depends_on` is not done), a dependency planned in a later
//! sprint than its dependent, overdue items (open with `due` before today),
//! ML items without an approved ethical review, open duplicates, a sprint
//! over its capacity. History-based rules: stale items (in a `doing` status
//! with no change for [`STALE_DAYS`] days; items without children only), scope creep over
//! [`SCOPE_CREEP_PERCENT`] of the commitment, a sprint committing more than
//! the recent velocity, an epic or initiative whose 85% forecast passes its
//! due date.
//!
//! The rules about a single item are also `cairn check` warnings: their
//! predicates live in [`crate::check::rules`] (W020 blocked, W021 dependency
//! in a later sprint, W022 overdue, W023 open duplicate), and the findings
//! here are built from the same predicates, so a rule has one definition.
//!
//! This is the only insight engine: `check` reports the single-item rules
//! as warnings, and the site, `cairn metrics` and the live API show the
//! [`Finding`]s computed here.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde::Serialize;

use super::replay::ItemState;
use super::velocity::{num, Metrics};
use super::{end_of, sprints};
use crate::check::rules::{
    category, later_sprint_deps, ml_unreviewed, open, open_dependencies, open_duplicate, overdue, starts, work,
};
use crate::config::{Category, Role};
use crate::graph::Graph;
use crate::load::Backlog;
use crate::model::Item;

/// Days without a change after which an item in progress is stale.
pub const STALE_DAYS: i64 = 7;
/// Points added after the start day, in percent of the commitment, above which a sprint's scope crept.
pub const SCOPE_CREEP_PERCENT: f64 = 20.0;

/// One finding of a rule: the one insight type, computed here and shown by
/// `cairn metrics`, the site and `serve`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Insight {
    /// Stable rule name (`blocked-in-progress`).
    pub rule: &'static str,
    /// `high`, `medium` or `low`.
    pub severity: &'static str,
    pub title: String,
    /// Why, in words.
    pub detail: String,
    /// Ids of the items concerned.
    pub items: Vec<String>,
}

/// The former name of [`Insight`].
pub type Finding = Insight;

/// The rules that need the history (listed after the state-based ones).
pub const HISTORY_RULES: &[&str] = &["stale", "scope-creep", "over-velocity", "forecast-past-due"];

/// What the state-based rules look at besides the backlog.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Today, in the backlog's time zone: overdue items, closed sprints.
    pub today: Option<NaiveDate>,
    /// Errors in the check report (`backlog-errors` when above zero).
    pub errors: usize,
    /// Leave drafts (status or label `draft`) out, as the site does by default.
    pub skip_drafts: bool,
}

/// What the history adds.
pub struct HistoryView<'a> {
    pub states: HashMap<&'a str, &'a ItemState>,
    pub metrics: &'a Metrics,
}

fn push(
    out: &mut Vec<Insight>,
    rule: &'static str,
    severity: &'static str,
    title: String,
    detail: String,
    items: Vec<String>,
) {
    if !items.is_empty() {
        out.push(Insight { rule, severity, title, detail, items });
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The state-based rules (no history needed), in the order the insights
/// page lists them within a severity.
pub fn state(b: &Backlog, opts: &Options) -> Vec<Insight> {
    let mut out = Vec::new();
    let today = opts.today;
    let shown = |it: &Item| !(opts.skip_drafts && it.is_draft());
    let starts = starts(b);
    if opts.errors > 0 {
        out.push(Insight {
            rule: "backlog-errors",
            severity: "high",
            title: format!("{} validation error{} in the backlog", opts.errors, plural(opts.errors)),
            detail: "Some items do not check: the pages may be missing relations or statuses. See Problems.".into(),
            items: Vec::new(),
        });
    }
    let (mut blocked, mut why, mut waiting, mut later, mut later_why) = (vec![], vec![], vec![], vec![], vec![]);
    let (mut overdue_ids, mut dups, mut ml) = (vec![], vec![], vec![]);
    for (_, it) in work(b).filter(|(_, it)| shown(it)) {
        let deps = open_dependencies(b, it);
        if !deps.is_empty() && category(b, it) == Some(Category::Doing) {
            blocked.push(it.id().to_string());
            why.push(format!("{} waits on {}", it.id(), deps.join(", ")));
        } else if !deps.is_empty() {
            waiting.push(it.id().to_string());
        }
        for (dep, s) in later_sprint_deps(b, it, &starts) {
            if later.last() != Some(&it.id().to_string()) {
                later.push(it.id().to_string());
            }
            later.push(dep.to_string());
            later_why.push(format!("{} depends on {dep} (in {s})", it.id()));
        }
        if today.is_some_and(|t| overdue(b, it, t)) {
            overdue_ids.push(it.id().to_string());
        }
        if open_duplicate(b, it) {
            dups.push(it.id().to_string());
        }
        if ml_unreviewed(b, it) {
            ml.push(it.id().to_string());
        }
    }
    push(
        &mut out,
        "blocked-in-progress",
        "high",
        format!("{} item{} in progress but blocked", blocked.len(), plural(blocked.len())),
        format!("Work started while a dependency is still open: {}.", why.join("; ")),
        blocked,
    );
    let n_later = later_why.len();
    push(
        &mut out,
        "dependency-later-sprint",
        "high",
        format!("{n_later} dependenc{} planned in a later sprint", if n_later == 1 { "y" } else { "ies" }),
        format!("An item cannot finish before what it depends on: {}.", later_why.join("; ")),
        later,
    );
    push(
        &mut out,
        "overdue",
        "high",
        format!("{} overdue item{}", overdue_ids.len(), plural(overdue_ids.len())),
        format!("Open items whose due date is before {}.", today.map(|t| t.to_string()).unwrap_or_default()),
        overdue_ids,
    );
    sprint_rules(b, opts, &mut out);
    push(
        &mut out,
        "ml-review-pending",
        "high",
        format!("{} ML item{} without an approved ethical review", ml.len(), plural(ml.len())),
        "Open items with `ml:` whose `ethical_review` is neither `approved` nor `not_required`.".into(),
        ml,
    );
    push(
        &mut out,
        "blocked",
        "medium",
        format!("{} item{} waiting on open dependencies", waiting.len(), plural(waiting.len())),
        "Not ready: at least one `depends_on` is not done.".into(),
        waiting,
    );
    push(
        &mut out,
        "open-duplicates",
        "low",
        format!("{} open duplicate{}", dups.len(), plural(dups.len())),
        "Items marked as duplicates that are still open: close them or merge.".into(),
        dups,
    );
    out
}

/// One person's load in a sprint: the points assigned to them (an item
/// with several assignees is shared evenly) against their capacity in the
/// sprint's `capacity` map.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PersonLoad {
    pub person: String,
    pub assigned: f64,
    /// Their entry in the sprint's `capacity` (null when absent).
    pub capacity: Option<f64>,
    /// The committed items assigned to them, by id.
    pub items: Vec<String>,
}

impl PersonLoad {
    /// Assigned more than their capacity.
    pub fn over(&self) -> bool {
        self.capacity.is_some_and(|c| self.assigned > c)
    }
}

/// A sprint's committed scope against its capacity: the rule behind
/// `sprint-over-capacity` and `person-over-capacity`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SprintLoad {
    /// Estimates of the work items whose `sprint` is this one (0 when absent).
    pub planned: f64,
    /// The sum of the sprint's `capacity` map.
    pub capacity: f64,
    /// Committed open items without an estimate, by id.
    pub unestimated: Vec<String>,
    /// Per assignee, by name.
    pub people: Vec<PersonLoad>,
}

impl SprintLoad {
    /// The committed estimates exceed a known capacity.
    pub fn over(&self) -> bool {
        self.capacity > 0.0 && self.planned > self.capacity
    }
}

/// The committed work items of every sprint, by sprint id (drafts left out with `skip_drafts`).
pub fn committed(b: &Backlog, skip_drafts: bool) -> HashMap<&str, Vec<&Item>> {
    let mut committed: HashMap<&str, Vec<&Item>> = HashMap::new();
    for (_, it) in work(b).filter(|(_, it)| !(skip_drafts && it.is_draft())) {
        if let Some(s) = it.sprint.as_ref() {
            committed.entry(s.value.as_str()).or_default().push(it);
        }
    }
    committed
}

/// The load of sprint `sp` from its committed `items` (see [`committed`]).
pub fn sprint_load(b: &Backlog, sp: &Item, items: &[&Item]) -> SprintLoad {
    let est = |x: Option<f64>| x.filter(|v| v.is_finite()).unwrap_or(0.0);
    let planned: f64 = items.iter().map(|it| est(it.estimate)).sum();
    let capacity: f64 = sp.capacity.values().filter(|v| v.is_finite()).sum();
    let mut per: BTreeMap<&str, (f64, Vec<String>)> = BTreeMap::new();
    for x in items {
        for a in &x.assignee {
            let e = per.entry(a.as_str()).or_default();
            e.0 += est(x.estimate) / x.assignee.len() as f64;
            e.1.push(x.id().to_string());
        }
    }
    let people = per
        .into_iter()
        .map(|(p, (assigned, mut ids))| {
            ids.sort();
            PersonLoad { person: p.to_string(), assigned, capacity: sp.capacity.get(p).copied(), items: ids }
        })
        .collect();
    let unestimated = items.iter().filter(|x| x.estimate.is_none() && open(b, x)).map(|x| x.id().to_string()).collect();
    SprintLoad { planned, capacity, unestimated, people }
}

/// The sprint rules, for each sprint not closed by `today`: over capacity,
/// a person over capacity, unestimated committed work.
fn sprint_rules(b: &Backlog, opts: &Options, out: &mut Vec<Insight>) {
    let unit = &b.config.estimate_unit;
    let mut sprints: Vec<(usize, &Item)> = b
        .items
        .iter()
        .enumerate()
        .filter(|(i, it)| {
            b.index.get(it.id()) == Some(i) && b.config.kind(it.kind()).is_some_and(|k| k.role == Role::Sprint)
        })
        .collect();
    sprints.sort_by_key(|(_, it)| (it.start.as_ref().map(|d| d.value), it.id()));
    let committed = committed(b, opts.skip_drafts);
    for (_, sp) in sprints {
        if matches!((opts.today, &sp.end), (Some(t), Some(e)) if e.value < t) {
            continue;
        }
        let items = committed.get(sp.id()).map(Vec::as_slice).unwrap_or(&[]);
        let load = sprint_load(b, sp, items);
        let title = &sp.title.value;
        if load.over() {
            push(
                out,
                "sprint-over-capacity",
                "high",
                format!("{title} is over capacity: {} of {} {unit}", num(load.planned), num(load.capacity)),
                "The committed estimates exceed the sum of the team's capacity.".into(),
                vec![sp.id().to_string()],
            );
        }
        let over: Vec<String> = load
            .people
            .iter()
            .filter(|p| p.over())
            .map(|p| format!("{} ({} of {})", p.person, num(p.assigned), num(p.capacity.unwrap_or(0.0))))
            .collect();
        if !over.is_empty() {
            let people = if over.len() == 1 { "1 person".to_string() } else { format!("{} people", over.len()) };
            out.push(Insight {
                rule: "person-over-capacity",
                severity: "medium",
                title: format!("{title}: {people} over capacity"),
                detail: over.join(", "),
                items: vec![sp.id().to_string()],
            });
        }
        let unest = load.unestimated;
        push(
            out,
            "unestimated-in-sprint",
            "low",
            format!("{title}: {} unestimated item{}", unest.len(), plural(unest.len())),
            "Committed work without an estimate does not count toward capacity.".into(),
            unest,
        );
    }
}

/// Every insight: the state-based rules, then (with `history`) the
/// history-based ones.
pub fn all(b: &Backlog, g: &Graph, opts: &Options, history: Option<&HistoryView>) -> Vec<Insight> {
    let mut out = state(b, opts);
    if let Some(h) = history {
        out.extend(from_history(b, g, opts.today, h));
    }
    out
}

/// The history-based rules: stale work, scope creep, a plan above the
/// recent velocity, forecasts past due.
pub fn from_history(b: &Backlog, g: &Graph, today: Option<NaiveDate>, h: &HistoryView) -> Vec<Insight> {
    let mut out = Vec::new();
    let unit = &b.config.estimate_unit;
    let open_sprints: Vec<super::Sprint> =
        sprints(b).into_iter().filter(|s| today.is_none_or(|t| s.end >= t)).collect();
    let planned = |id: &str| -> f64 {
        work(b)
            .filter(|(_, it)| it.sprint.as_ref().is_some_and(|s| s.value == id))
            .map(|(_, it)| it.estimate.unwrap_or(0.0))
            .sum()
    };
    let Some(today) = today else { return out };
    // Stale: in progress with no change for STALE_DAYS days.
    let cutoff = end_of(today, super::offset(b)) - STALE_DAYS * 86_400;
    let mut stale = Vec::new();
    let mut stale_why = Vec::new();
    for (i, it) in work(b) {
        // Containers (epics, features…) move through their children.
        if category(b, it) != Some(Category::Doing) || !g.children(i).is_empty() {
            continue;
        }
        if let Some(st) = h.states.get(it.id()) {
            if st.exists && st.changed < cutoff {
                let days = (end_of(today, super::offset(b)) - st.changed) / 86_400;
                stale.push(it.id().to_string());
                stale_why.push(format!("{} ({days} days)", it.id()));
            }
        }
    }
    push(
        &mut out,
        "stale",
        "medium",
        format!("{} stale item{} in progress", stale.len(), plural(stale.len())),
        format!("In progress with no change for more than {STALE_DAYS} days: {}.", stale_why.join(", ")),
        stale,
    );
    // Scope creep: active sprints and the last closed one.
    let m = h.metrics;
    let last_closed = m.sprints.iter().rev().find(|s| s.state == "closed").map(|s| s.sprint.clone());
    for sc in &m.scope_creep {
        let st = m.sprints.iter().find(|s| s.sprint == sc.sprint);
        let relevant = st.is_some_and(|s| s.state == "active") || last_closed.as_deref() == Some(sc.sprint.as_str());
        if relevant && sc.percent.is_some_and(|p| p > SCOPE_CREEP_PERCENT) {
            push(
                &mut out,
                "scope-creep",
                "medium",
                format!(
                    "Scope crept by {}% in {}",
                    num(sc.percent.unwrap_or(0.0)),
                    st.map(|s| s.title.as_str()).unwrap_or(&sc.sprint)
                ),
                format!(
                    "{} {unit} added after the start day (committed {}); over the {}% threshold.",
                    num(sc.added),
                    num(sc.committed),
                    num(SCOPE_CREEP_PERCENT)
                ),
                vec![sc.sprint.clone()],
            );
        }
    }
    // Commitment above recent velocity.
    if let Some(v) = m.velocity.average_last_3.filter(|v| *v > 0.0) {
        for s in &open_sprints {
            let p = planned(&s.id);
            if p > v {
                push(
                    &mut out,
                    "over-velocity",
                    "medium",
                    format!("{} plans more than recent velocity: {} vs {} {unit}", s.title, num(p), num(v)),
                    "The sprint's scope exceeds the average delivered in the last three sprints.".into(),
                    vec![s.id.clone()],
                );
            }
        }
    }
    // Forecasts past due.
    for f in &m.forecasts {
        if f.late {
            push(
                &mut out,
                "forecast-past-due",
                if f.p50.as_deref().zip(f.due.as_deref()).is_some_and(|(p, d)| p > d) { "high" } else { "medium" },
                format!("{} is forecast to finish after its due date", f.title),
                format!(
                    "{} {unit} left; 50% by {}, 85% by {}; due {}.",
                    num(f.remaining),
                    f.p50.as_deref().unwrap_or("–"),
                    f.p85.as_deref().unwrap_or("–"),
                    f.due.as_deref().unwrap_or("–")
                ),
                vec![f.id.clone()],
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backlog(files: &[(&str, &str)]) -> (tempfile::TempDir, Backlog) {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let p = dir.path().join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, text).unwrap();
        }
        let b = crate::load::load(dir.path()).unwrap();
        (dir, b)
    }

    fn story(status: &str, extra: &str) -> String {
        format!("---\ntitle: Story\nstatus: {status}\n{extra}---\n")
    }

    /// The rules the site used to compute itself, now here: sprint capacity
    /// (whole team and per person), unestimated committed work, waiting and
    /// blocked items, backlog errors, and drafts left out when asked.
    #[test]
    fn state_rules_name_their_items() {
        let (_d, b) = backlog(&[
            (
                "sprints/s1.md",
                "---\ntitle: Sprint 1\nstart: 2026-01-05\nend: 2026-01-16\ncapacity:\n  ana: 3\n  ben: 9\n---\n",
            ),
            ("stories/a.md", &story("in_progress", "estimate: 5\nsprint: s1\nassignee: ana\ndepends_on: [b]\n")),
            ("stories/b.md", &story("ready", "estimate: 8\nsprint: s1\nassignee: ben\n")),
            ("stories/c.md", &story("ready", "sprint: s1\ndepends_on: [b]\n")),
            ("stories/d.md", &story("ready", "sprint: s1\nlabels: [draft]\n")),
        ]);
        let today = NaiveDate::from_ymd_opt(2026, 1, 6);
        let opts = Options { today, errors: 2, skip_drafts: true };
        let found = state(&b, &opts);
        let by_rule = |r: &str| found.iter().find(|x| x.rule == r).map(|x| (x.title.clone(), x.items.clone()));
        let rules: Vec<&str> = found.iter().map(|x| x.rule).collect();
        assert_eq!(
            rules,
            [
                "backlog-errors",
                "blocked-in-progress",
                "sprint-over-capacity",
                "person-over-capacity",
                "unestimated-in-sprint",
                "blocked"
            ]
        );
        assert_eq!(by_rule("backlog-errors").map(|x| x.0), Some("2 validation errors in the backlog".to_string()));
        assert_eq!(by_rule("blocked-in-progress").map(|x| x.1), Some(vec!["a".to_string()]));
        // 5 + 8 committed against 3 + 9; ana has 5 against 3, ben 8 against 9.
        let unit = &b.config.estimate_unit;
        assert_eq!(
            by_rule("sprint-over-capacity"),
            Some((format!("Sprint 1 is over capacity: 13 of 12 {unit}"), vec!["s1".to_string()]))
        );
        assert_eq!(by_rule("person-over-capacity").map(|x| x.0), Some("Sprint 1: 1 person over capacity".to_string()));
        assert_eq!(
            found.iter().find(|x| x.rule == "person-over-capacity").map(|x| x.detail.as_str()),
            Some("ana (5 of 3)")
        );
        // The draft d is left out; with drafts, it is counted.
        assert_eq!(by_rule("unestimated-in-sprint").map(|x| x.1), Some(vec!["c".to_string()]));
        assert_eq!(by_rule("blocked").map(|x| x.1), Some(vec!["c".to_string()]));
        let with_drafts = state(&b, &Options { skip_drafts: false, ..opts });
        let unest = with_drafts.iter().find(|x| x.rule == "unestimated-in-sprint").map(|x| x.items.clone());
        assert_eq!(unest, Some(vec!["c".to_string(), "d".to_string()]));
        // Once the sprint has ended, its rules are quiet.
        let later = state(&b, &Options { today: NaiveDate::from_ymd_opt(2026, 2, 1), ..opts });
        assert!(!later.iter().any(|x| x.rule.contains("capacity") || x.rule == "unestimated-in-sprint"), "{later:?}");
    }
}
