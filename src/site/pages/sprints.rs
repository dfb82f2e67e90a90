//! Sprints: a sprint's numbers (shown on its page, its board and the
//! overview), the sprints page, and which sprint is the active one.

use std::collections::{BTreeMap, HashMap};

use minijinja::{context, Environment, Value};

use super::cards::est;
use super::Shared;
use crate::config::Category;
use crate::load::Backlog;
use crate::site::{charts, Burndown, SiteError};

impl Shared<'_> {
    /// The numbers of a sprint from the current state.
    pub fn sprint_summary(&self, s: usize, thumb: bool) -> Value {
        let b = self.b;
        let it = &b.items[s];
        let items = self.committed.get(&s).cloned().unwrap_or_default();
        let completed_status = |i: usize| {
            let x = &b.items[i];
            x.status()
                .and_then(|st| b.config.status(x.kind(), st))
                .is_some_and(|st| st.category == Category::Done && st.completed)
        };
        let committed: f64 = items.iter().map(|&i| est(b.items[i].estimate)).sum();
        let completed: f64 = items.iter().filter(|&&i| completed_status(i)).map(|&i| est(b.items[i].estimate)).sum();
        let done_items = items.iter().filter(|&&i| self.cards[i].category == "done").count();
        let doing_items = items.iter().filter(|&&i| self.cards[i].category == "doing").count();
        let unestimated = items.iter().filter(|&&i| b.items[i].estimate.is_none()).count();
        let capacity: f64 = it.capacity.values().filter(|v| v.is_finite()).sum();
        // Per person: capacity and committed (an item's estimate split over its assignees).
        let mut people: BTreeMap<String, (f64, f64)> =
            it.capacity.iter().map(|(k, v)| (k.clone(), (*v, 0.0))).collect();
        for &i in &items {
            let x = &b.items[i];
            if x.assignee.is_empty() {
                continue;
            }
            let share = est(x.estimate) / x.assignee.len() as f64;
            for a in &x.assignee {
                people.entry(a.clone()).or_insert((0.0, 0.0)).1 += share;
            }
        }
        let rows: Vec<(String, f64, f64)> = people.iter().map(|(k, (c, m))| (k.clone(), *c, *m)).collect();
        let id = it.id();
        let state = match (self.inp.options.today, it.start.as_ref(), it.end.as_ref()) {
            (Some(t), _, Some(e)) if e.value < t => "closed",
            (Some(t), Some(st), _) if st.value > t => "planned",
            (Some(_), Some(_), Some(_)) => "active",
            _ => "unknown",
        };
        let days = match (it.start.as_ref(), it.end.as_ref()) {
            (Some(a), Some(e)) => Some((e.value - a.value).num_days() + 1),
            _ => None,
        };
        let burndown = self.inp.analytics.burndown(id);
        let chart = burndown.as_ref().filter(|bd| !bd.days.is_empty()).map(|bd| {
            Value::from_safe_string(charts::burndown(
                &format!("burndown-{id}"),
                &format!("Burndown of {}", it.title.value),
                bd,
                thumb,
            ))
        });
        let capacity_chart = (!rows.is_empty() && !thumb).then(|| {
            Value::from_safe_string(charts::capacity(
                &format!("capacity-{id}"),
                &format!("Committed vs capacity in {}", it.title.value),
                &b.config.estimate_unit,
                &rows,
            ))
        });
        let pct = if committed > 0.0 { (completed / committed * 100.0).round() as i64 } else { 0 };
        context! {
            card => self.card(s),
            id => id,
            title => it.title.value.clone(),
            goal => it.goal.clone(),
            start => it.start.as_ref().map(|d| d.value.to_string()),
            end => it.end.as_ref().map(|d| d.value.to_string()),
            days => days,
            state => state,
            active => self.active == Some(s),
            capacity => charts::n(capacity),
            has_capacity => capacity > 0.0,
            committed => charts::n(committed),
            completed => charts::n(completed),
            remaining => charts::n((committed - completed).max(0.0)),
            pct => pct,
            over_capacity => capacity > 0.0 && committed > capacity,
            items => items.len(),
            done_items => done_items,
            doing_items => doing_items,
            unestimated => unestimated,
            people => rows.iter().map(|(p, c, m)| context! { name => p.clone(), capacity => charts::n(*c), committed => charts::n(*m), over => m > c }).collect::<Vec<_>>(),
            capacity_chart => capacity_chart,
            burndown => chart,
            burndown_note => if chart_missing(&burndown) { Some(self.history_reason()) } else { None },
            history => if thumb { None } else { self.inp.analytics.sprint_detail(id).map(|d| Value::from_serialize(&d)) },
            board_url => format!("board/{id}.html"),
            url => self.urls[s].clone(),
        }
    }

    pub(super) fn sprints_page(&self, env: &Environment) -> Result<(String, Vec<u8>), SiteError> {
        let list: Vec<Value> =
            self.sprints.iter().filter(|&&s| self.urls[s].is_some()).map(|&s| self.sprint_summary(s, true)).collect();
        let ctx = context! { sprints => list };
        self.page(env, "sprints.html", "sprints/index.html", "Sprints", "sprints", ctx)
    }
}

fn chart_missing(b: &Option<&Burndown>) -> bool {
    b.as_ref().is_none_or(|b| b.days.is_empty())
}

/// The sprint containing `today`; else the one with the most items in
/// progress; else the latest that has started.
pub(super) fn active_sprint(
    b: &Backlog,
    sprints: &[usize],
    committed: &HashMap<usize, Vec<usize>>,
    today: Option<chrono::NaiveDate>,
) -> Option<usize> {
    if let Some(t) = today {
        if let Some(&s) = sprints.iter().find(|&&s| {
            let it = &b.items[s];
            matches!((&it.start, &it.end), (Some(a), Some(e)) if a.value <= t && t <= e.value)
        }) {
            return Some(s);
        }
    }
    let doing = |s: usize| {
        committed
            .get(&s)
            .map(|v| v.iter().filter(|&&i| b.category(&b.items[i]) == Some(Category::Doing)).count())
            .unwrap_or(0)
    };
    sprints.iter().copied().filter(|&s| doing(s) > 0).max_by_key(|&s| (doing(s), std::cmp::Reverse(s))).or_else(|| {
        let t = today?;
        sprints.iter().copied().rfind(|&s| b.items[s].start.as_ref().is_some_and(|a| a.value <= t))
    })
}
