//! The overview (`index.html`): counts by kind and status, the progress of
//! the top-level items, the active sprint, the top insights, recent changes.

use std::collections::BTreeMap;

use minijinja::{context, Environment, Value};
use serde_json::json;

use super::insights::severity_rank;
use super::Shared;
use crate::metrics::Insight;
use crate::site::{charts, SiteError};

impl Shared<'_> {
    pub(super) fn overview(&self, env: &Environment) -> Result<(String, Vec<u8>), SiteError> {
        let b = self.b;
        let canonical = |i: usize| b.index.get(b.items[i].id()) == Some(&i);
        let work: Vec<usize> =
            (0..b.items.len()).filter(|&i| canonical(i) && self.urls[i].is_some() && self.cards[i].is_work).collect();
        // Counts by kind and category.
        let mut by_kind: BTreeMap<&str, [usize; 4]> = BTreeMap::new();
        let mut totals = [0usize; 4];
        for &i in &work {
            let k = match self.cards[i].category {
                "todo" => 0,
                "doing" => 1,
                "done" => 2,
                _ => 3,
            };
            by_kind.entry(b.items[i].kind()).or_default()[k] += 1;
            totals[k] += 1;
        }
        let kind_order: Vec<&str> = b.config.kinds.iter().map(|k| k.name.as_str()).collect();
        let mut kinds: Vec<(&str, [usize; 4])> = by_kind.into_iter().collect();
        kinds.sort_by_key(|(k, _)| kind_order.iter().position(|x| x == k).unwrap_or(usize::MAX));
        let kinds: Vec<serde_json::Value> = kinds
            .iter()
            .map(|(k, c)| {
                let label = b.config.kind(k).map(|d| d.label.clone()).unwrap_or_else(|| k.to_string());
                json!({"kind": k, "label": label, "todo": c[0], "doing": c[1], "done": c[2], "none": c[3], "total": c.iter().sum::<usize>()})
            })
            .collect();
        let donut = charts::donut(
            "status-donut",
            "Work items by status category",
            &[
                charts::Bar { label: "To do".into(), value: totals[0] as f64, class: "c-todo" },
                charts::Bar { label: "In progress".into(), value: totals[1] as f64, class: "c-doing" },
                charts::Bar { label: "Done".into(), value: totals[2] as f64, class: "c-done" },
            ],
        );
        // Initiatives and epics with progress.
        let mut tops: Vec<usize> =
            work.iter().copied().filter(|&i| matches!(b.items[i].kind(), "initiative" | "epic")).collect();
        if tops.is_empty() {
            tops = work
                .iter()
                .copied()
                .filter(|&i| self.g.parent(i).is_none() && !self.g.children(i).is_empty())
                .collect();
        }
        tops.sort_by_key(|&i| {
            (
                kind_order.iter().position(|x| *x == b.items[i].kind()),
                self.cards[i].category == "done",
                b.items[i].priority_rank(),
                i,
            )
        });
        let progress: Vec<Value> = tops.iter().take(40).map(|&i| self.progress_of(i)).collect();
        let active = self.active.map(|s| self.sprint_summary(s, true));
        let mut top_insights: Vec<&Insight> = self.insights.iter().collect();
        top_insights.sort_by_key(|x| severity_rank(x.severity));
        let top: Vec<Value> = top_insights.iter().take(6).map(|x| self.insight_value(x)).collect();
        let recent = match self.events {
            Some(ev) => self.event_views((0..ev.events.len()).rev().take(12)),
            None => Vec::new(),
        };
        let ctx = context! {
            kinds => kinds,
            totals => json!({"todo": totals[0], "doing": totals[1], "done": totals[2], "none": totals[3], "total": totals.iter().sum::<usize>()}),
            donut => Value::from_safe_string(donut),
            progress => progress,
            active => active,
            insights => top,
            insights_total => self.insights.len(),
            recent => recent,
        };
        self.page(env, "index.html", "index.html", "Overview", "overview", ctx)
    }
}
