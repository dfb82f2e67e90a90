//! The metrics page: points by status category, delivery per sprint, work
//! in progress per person, and the history-based charts.

use std::collections::BTreeMap;

use minijinja::{context, Environment, Value};
use serde_json::json;

use super::cards::est;
use super::Shared;
use crate::config::Category;
use crate::site::{charts, SiteError};

impl Shared<'_> {
    pub(super) fn metrics(&self, env: &Environment) -> Result<(String, Vec<u8>), SiteError> {
        let b = self.b;
        let unit = &b.config.estimate_unit;
        let work: Vec<usize> =
            (0..b.items.len()).filter(|&i| self.urls[i].is_some() && self.cards[i].is_work).collect();
        let mut pts = [0.0f64; 3];
        let mut cnt = [0usize; 3];
        for &i in &work {
            let k = match self.cards[i].category {
                "todo" => 0,
                "doing" => 1,
                "done" => 2,
                _ => continue,
            };
            pts[k] += est(b.items[i].estimate);
            cnt[k] += 1;
        }
        let by_cat = charts::bars(
            "points-by-category",
            &format!("Estimated {unit} by status category"),
            unit,
            &[
                charts::Bar { label: "To do".into(), value: pts[0], class: "c-todo" },
                charts::Bar { label: "In progress".into(), value: pts[1], class: "c-doing" },
                charts::Bar { label: "Done".into(), value: pts[2], class: "c-done" },
            ],
        );
        let per_sprint: Vec<charts::Bar> = self
            .sprints
            .iter()
            .map(|&s| {
                let v: f64 = self
                    .committed
                    .get(&s)
                    .map(|items| {
                        items
                            .iter()
                            .filter(|&&i| {
                                let x = &b.items[i];
                                x.status()
                                    .and_then(|st| b.config.status(x.kind(), st))
                                    .is_some_and(|st| st.category == Category::Done && st.completed)
                            })
                            .map(|&i| est(b.items[i].estimate))
                            .sum()
                    })
                    .unwrap_or(0.0);
                charts::Bar { label: b.items[s].title.value.clone(), value: v, class: "c-done" }
            })
            .collect();
        let delivered = (!per_sprint.is_empty()).then(|| {
            Value::from_safe_string(charts::bars(
                "delivered",
                &format!("Delivered {unit} per sprint (current status)"),
                unit,
                &per_sprint,
            ))
        });
        // Work in progress per person.
        let mut wip: BTreeMap<&str, (usize, f64)> = BTreeMap::new();
        for &i in &work {
            if self.cards[i].category == "doing" {
                for a in &b.items[i].assignee {
                    let e = wip.entry(a.as_str()).or_default();
                    e.0 += 1;
                    e.1 += est(b.items[i].estimate);
                }
            }
        }
        let wip: Vec<Value> =
            wip.into_iter().map(|(p, (n, e))| context! { name => p, items => n, points => charts::n(e) }).collect();
        let history = self.inp.analytics.metrics();
        let (velocity, throughput, cfd) = match &history {
            Some(m) => history_charts(m, unit),
            None => (None, None, None),
        };
        let ctx = context! {
            counts => json!({"todo": cnt[0], "doing": cnt[1], "done": cnt[2]}),
            points => json!({"todo": charts::n(pts[0]), "doing": charts::n(pts[1]), "done": charts::n(pts[2])}),
            by_category => Value::from_safe_string(by_cat),
            delivered => delivered,
            wip => wip,
            history => history.is_some(),
            hm => history.as_ref().map(Value::from_serialize),
            velocity_chart => velocity.map(Value::from_safe_string),
            throughput_chart => throughput.map(Value::from_safe_string),
            cfd_chart => cfd.map(Value::from_safe_string),
            history_note => self.history_reason(),
        };
        self.page(env, "metrics.html", "metrics.html", "Metrics", "metrics", ctx)
    }
}

/// The history-based charts of the metrics page, drawn from the metrics
/// JSON (`cairn metrics --format json`): velocity, throughput, cumulative flow.
fn history_charts(m: &serde_json::Value, unit: &str) -> (Option<String>, Option<String>, Option<String>) {
    let list = |k: &str| m.get(k).and_then(|v| v.as_array()).cloned().unwrap_or_default();
    let f = |v: &serde_json::Value, k: &str| v.get(k).and_then(|x| x.as_f64()).unwrap_or(0.0);
    let s = |v: &serde_json::Value, k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
    let vel: Vec<charts::Bar> = m
        .get("velocity")
        .and_then(|v| v.get("sprints"))
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter().map(|p| charts::Bar { label: s(p, "sprint"), value: f(p, "points"), class: "c-done" }).collect()
        })
        .unwrap_or_default();
    let velocity = (!vel.is_empty())
        .then(|| charts::bars("velocity", &format!("Velocity: {unit} delivered per closed sprint"), unit, &vel));
    let weeks: Vec<charts::Bar> = list("throughput")
        .iter()
        .map(|w| charts::Bar { label: s(w, "week"), value: f(w, "items"), class: "c-doing" })
        .collect();
    let throughput =
        (!weeks.is_empty()).then(|| charts::bars("throughput", "Items delivered per ISO week", "items", &weeks));
    let days: Vec<charts::FlowDay> = list("cumulative_flow")
        .iter()
        .map(|d| charts::FlowDay { date: s(d, "date"), todo: f(d, "todo"), doing: f(d, "doing"), done: f(d, "done") })
        .collect();
    let cfd = (!days.is_empty())
        .then(|| charts::cumulative_flow("cfd", "Cumulative flow: work items by status category", &days));
    (velocity, throughput, cfd)
}
