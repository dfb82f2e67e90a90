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

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;

use super::replay::ItemState;
use super::velocity::{num, Metrics};
use super::{end_of, sprints};
use crate::check::rules::{
    blocked_by, category, later_sprint_deps, ml_unreviewed, open_duplicate, overdue, starts, work,
};
use crate::config::Category;
use crate::graph::Graph;
use crate::load::Backlog;

/// Days without a change after which an item in progress is stale.
pub const STALE_DAYS: i64 = 7;
/// Points added after the start day, in percent of the commitment, above which a sprint's scope crept.
pub const SCOPE_CREEP_PERCENT: f64 = 20.0;

/// One finding of a rule.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
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

/// Rules computed by `site` itself from the current state (the history-based
/// analytics hand over only the others, so nothing is listed twice).
pub const SITE_RULES: &[&str] =
    &["blocked-in-progress", "overdue", "sprint-over-capacity", "ml-review-pending", "open-duplicates"];

/// What the history adds.
pub struct HistoryView<'a> {
    pub states: HashMap<&'a str, &'a ItemState>,
    pub metrics: &'a Metrics,
}

fn push(
    out: &mut Vec<Finding>,
    rule: &'static str,
    severity: &'static str,
    title: String,
    detail: String,
    items: Vec<String>,
) {
    if !items.is_empty() {
        out.push(Finding { rule, severity, title, detail, items });
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Every finding, state-based first, then history-based (when `history`).
pub fn all(b: &Backlog, g: &Graph, today: Option<NaiveDate>, history: Option<&HistoryView>) -> Vec<Finding> {
    let mut out = Vec::new();
    let starts = starts(b);
    let mut blocked = Vec::new();
    let mut why = Vec::new();
    let mut later = Vec::new();
    let mut later_why = Vec::new();
    let mut overdue_ids = Vec::new();
    let mut dups = Vec::new();
    let mut ml = Vec::new();
    for (_, it) in work(b) {
        let deps = blocked_by(b, it);
        if !deps.is_empty() {
            blocked.push(it.id().to_string());
            why.push(format!("{} waits on {}", it.id(), deps.join(", ")));
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
        "open-duplicates",
        "low",
        format!("{} open duplicate{}", dups.len(), plural(dups.len())),
        "Items marked as duplicates that are still open: close them or merge.".into(),
        dups,
    );
    // Capacity: committed (current state) against the sum of capacities.
    let unit = &b.config.estimate_unit;
    let all_sprints = sprints(b);
    let open_sprints: Vec<&super::Sprint> = all_sprints.iter().filter(|s| today.is_none_or(|t| s.end >= t)).collect();
    let planned = |id: &str| -> f64 {
        work(b)
            .filter(|(_, it)| it.sprint.as_ref().is_some_and(|s| s.value == id))
            .map(|(_, it)| it.estimate.unwrap_or(0.0))
            .sum()
    };
    for s in &open_sprints {
        let Some(it) = b.items.get(s.index) else { continue };
        let capacity: f64 = it.capacity.values().filter(|v| v.is_finite()).sum();
        let p = planned(&s.id);
        if capacity > 0.0 && p > capacity {
            push(
                &mut out,
                "sprint-over-capacity",
                "high",
                format!("{} is over capacity: {} of {} {unit}", s.title, num(p), num(capacity)),
                "The committed estimates exceed the sum of the team's capacity.".into(),
                vec![s.id.clone()],
            );
        }
    }
    let Some(h) = history else { return out };
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
