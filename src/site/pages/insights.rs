//! Insights: the risk rules over the current state (computed once, in
//! [`Shared::new`]) and the insights page.

use std::collections::BTreeMap;

use minijinja::{context, Environment, Value};

use super::cards::est;
use super::Shared;
use crate::site::context::Insight;
use crate::site::{charts, SiteError};

impl Shared<'_> {
    pub(super) fn insight_value(&self, x: &Insight) -> Value {
        let items: Vec<Value> =
            x.items.iter().filter_map(|id| self.b.index.get(id.as_str())).map(|&i| self.card(i)).collect();
        context! { rule => x.rule.clone(), severity => x.severity.clone(), title => x.title.clone(), detail => x.detail.clone(), items => items }
    }

    pub(super) fn insights_page(&self, env: &Environment) -> Result<(String, Vec<u8>), SiteError> {
        let mut list: Vec<&Insight> = self.insights.iter().collect();
        list.sort_by_key(|x| severity_rank(&x.severity));
        let v: Vec<Value> = list.iter().map(|x| self.insight_value(x)).collect();
        let ctx = context! { insights => v, history_note => self.history_reason(), history_insights => !self.inp.analytics.insights().is_empty() };
        self.page(env, "insights.html", "insights.html", "Insights", "insights", ctx)
    }

    /// The risk rules over the current state, then the history-based ones.
    pub(super) fn compute_insights(&self) -> Vec<Insight> {
        let b = self.b;
        let mut out = Vec::new();
        let open = |i: usize| matches!(self.cards[i].category, "todo" | "doing");
        let work: Vec<usize> =
            (0..b.items.len()).filter(|&i| self.urls[i].is_some() && self.cards[i].is_work).collect();
        let ids = |v: &[usize]| v.iter().map(|&i| b.items[i].id().to_string()).collect::<Vec<_>>();
        let push =
            |out: &mut Vec<Insight>, rule: &str, sev: &str, title: String, detail: String, items: Vec<String>| {
                out.push(Insight { rule: rule.into(), severity: sev.into(), title, detail, items });
            };
        if self.inp.report.errors() > 0 {
            push(
                &mut out,
                "backlog-errors",
                "high",
                format!(
                    "{} validation error{} in the backlog",
                    self.inp.report.errors(),
                    plural(self.inp.report.errors())
                ),
                "Some items do not check: the pages may be missing relations or statuses. See Problems.".into(),
                Vec::new(),
            );
        }
        let blocked_doing: Vec<usize> =
            work.iter().copied().filter(|&i| self.cards[i].blocked && self.cards[i].category == "doing").collect();
        if !blocked_doing.is_empty() {
            push(
                &mut out,
                "blocked-in-progress",
                "high",
                format!("{} item{} in progress but blocked", blocked_doing.len(), plural(blocked_doing.len())),
                "Work has started while a dependency is still open.".into(),
                ids(&blocked_doing),
            );
        }
        let overdue: Vec<usize> = work.iter().copied().filter(|&i| self.cards[i].overdue).collect();
        if !overdue.is_empty() {
            push(
                &mut out,
                "overdue",
                "high",
                format!("{} overdue item{}", overdue.len(), plural(overdue.len())),
                "Open items whose due date has passed.".into(),
                ids(&overdue),
            );
        }
        for &s in &self.sprints {
            let it = &b.items[s];
            let closed = matches!((self.inp.options.today, &it.end), (Some(t), Some(e)) if e.value < t);
            if closed {
                continue;
            }
            let items = self.committed.get(&s).cloned().unwrap_or_default();
            let committed: f64 = items.iter().map(|&i| est(b.items[i].estimate)).sum();
            let capacity: f64 = it.capacity.values().filter(|v| v.is_finite()).sum();
            if capacity > 0.0 && committed > capacity {
                push(
                    &mut out,
                    "sprint-over-capacity",
                    "high",
                    format!(
                        "{} is over capacity: {} of {} {}",
                        it.title.value,
                        charts::n(committed),
                        charts::n(capacity),
                        b.config.estimate_unit
                    ),
                    "The committed estimates exceed the sum of the team's capacity.".into(),
                    vec![it.id().to_string()],
                );
            }
            let mut per: BTreeMap<&str, f64> = BTreeMap::new();
            for &i in &items {
                let x = &b.items[i];
                for a in &x.assignee {
                    *per.entry(a.as_str()).or_default() += est(x.estimate) / x.assignee.len() as f64;
                }
            }
            let over: Vec<String> = per
                .iter()
                .filter(|(p, c)| it.capacity.get(**p).is_some_and(|cap| **c > *cap))
                .map(|(p, c)| {
                    format!("{p} ({} of {})", charts::n(*c), charts::n(it.capacity.get(*p).copied().unwrap_or(0.0)))
                })
                .collect();
            if !over.is_empty() {
                push(
                    &mut out,
                    "person-over-capacity",
                    "medium",
                    format!("{}: {} over capacity", it.title.value, plural_people(over.len())),
                    over.join(", "),
                    vec![it.id().to_string()],
                );
            }
            let unest: Vec<usize> =
                items.iter().copied().filter(|&i| b.items[i].estimate.is_none() && open(i)).collect();
            if !unest.is_empty() {
                push(
                    &mut out,
                    "unestimated-in-sprint",
                    "low",
                    format!("{}: {} unestimated item{}", it.title.value, unest.len(), plural(unest.len())),
                    "Committed work without an estimate does not count toward capacity.".into(),
                    ids(&unest),
                );
            }
        }
        let ml: Vec<usize> = work
            .iter()
            .copied()
            .filter(|&i| {
                let Some(m) = b.items[i].ml.as_ref() else { return false };
                let review = m.get("ethical_review").and_then(|v| v.as_str());
                self.cards[i].status.as_deref() != Some("cancelled")
                    && !matches!(review, Some("approved" | "not_required"))
            })
            .collect();
        if !ml.is_empty() {
            push(
                &mut out,
                "ml-review-pending",
                "high",
                format!("{} ML item{} without an approved ethical review", ml.len(), plural(ml.len())),
                "Items with `ml:` whose `ethical_review` is neither `approved` nor `not_required`.".into(),
                ids(&ml),
            );
        }
        let blocked_todo: Vec<usize> =
            work.iter().copied().filter(|&i| self.cards[i].blocked && self.cards[i].category == "todo").collect();
        if !blocked_todo.is_empty() {
            push(
                &mut out,
                "blocked",
                "medium",
                format!("{} item{} waiting on open dependencies", blocked_todo.len(), plural(blocked_todo.len())),
                "Not ready: at least one `depends_on` is not done.".into(),
                ids(&blocked_todo),
            );
        }
        let dups: Vec<usize> = work.iter().copied().filter(|&i| b.items[i].duplicates.is_some() && open(i)).collect();
        if !dups.is_empty() {
            push(
                &mut out,
                "open-duplicates",
                "low",
                format!("{} open duplicate{}", dups.len(), plural(dups.len())),
                "Items marked as duplicates that are still open: close them or merge.".into(),
                ids(&dups),
            );
        }
        out.extend(self.inp.analytics.insights());
        out
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn plural_people(n: usize) -> String {
    if n == 1 {
        "1 person".into()
    } else {
        format!("{n} people")
    }
}

pub(super) fn severity_rank(s: &str) -> usize {
    match s {
        "high" => 0,
        "medium" => 1,
        _ => 2,
    }
}
